-- The regulators of a region and the regions enclosing it, read by key for every alert and
-- escalation (`disputes::escalations::regulators_of`) instead of every account of the platform.
CREATE INDEX users_role_region_idx ON users (role, region_code);
