-- The organisation's policy, set by admins in the console (each change is logged). A
-- setting without a row has its default (worker/src/rules/policy.rs); the worker's [vars] stay the
-- ceiling no setting can exceed.
CREATE TABLE policy (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
