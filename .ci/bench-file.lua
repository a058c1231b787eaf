-- wrk script of .ci/bench-disputes and .ci/bench-sweeps: filings POSTed with $CONSUMER's token at $UNIT,
-- or in turn at each unit of $UNITS (ids separated by commas) when it is set.
-- One consumer files against one unit, each request a new purchase: the worst case for the
-- alert rules (every filing after the first is a repeat and tells the region's regulators).
counter = 0
math.randomseed(os.time())
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  -- Each thread names its purchases apart: the threads start with the same random seed, and one
  -- purchase filed twice is refused as a duplicate (409).
  thread:set("thread_no", #threads)
end
function init(args)
  statuses = {}
  token = os.getenv("CONSUMER")
  units = {}
  local list = os.getenv("UNITS")
  if list == nil or list == "" then list = os.getenv("UNIT") or "" end
  for id in string.gmatch(list, "[^,]+") do table.insert(units, id) end
  assert(#units > 0, "set UNIT or UNITS")
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d: %d\n", status, n)) end
end
request = function()
  counter = counter + 1
  local unit = units[(counter + thread_no) % #units + 1]
  local body = string.format('{"unit_id":"%s","category":"product_quality","item":{"kind":"product","name":"bench %d-%d-%d"},"purchase_date":"2026-11-20","amount_paid_fen":10000,"amount_claimed_fen":10000,"remedies":["refund"],"description":"benchmark filing with enough characters","contact_consent":true}', unit, thread_no, math.random(1, 1000000000), counter)
  return wrk.format("POST", "/api/v1/disputes", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
