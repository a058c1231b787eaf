-- The sweeper's settlement lapses, page by page in due order (docs/deadlines.md#sweeper): only
-- the disputes still awaiting settlement. In the index of every dispute by due date, the
-- settlement-lapse page read past every concluded dispute whose due moment had passed, a number
-- that grows with the platform's history (224 ms a page with 100,000 escalated ones). The query
-- writes the same predicate out (store::timers::lapsed).
CREATE INDEX disputes_settlement_lapse_idx ON disputes (settlement_due_at, id)
    WHERE status IN ('filed', 'negotiating');
