-- Expiring links: expiry, download limits, failed-proof limits, purge.

ALTER TABLE shares ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;        -- ms since epoch
ALTER TABLE shares ADD COLUMN max_downloads INTEGER;                       -- NULL: unlimited until expiry
ALTER TABLE shares ADD COLUMN failed_proofs INTEGER NOT NULL DEFAULT 0;    -- since the last unlock
ALTER TABLE shares ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;           -- 1 after 100 failed proofs
ALTER TABLE shares ADD COLUMN revoked_at INTEGER;
ALTER TABLE shares ADD COLUMN purged_at INTEGER;
-- What a purged share was when its storage was released: expired, exhausted, revoked, abandoned.
ALTER TABLE shares ADD COLUMN ended_as TEXT;

-- Failed proofs, for the per-share and per-client hourly limits.
CREATE TABLE proof_failures (
  share_id TEXT NOT NULL,
  client TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX proof_failures_by_share ON proof_failures (share_id, at);
CREATE INDEX proof_failures_by_client ON proof_failures (client, at);
CREATE INDEX shares_by_state ON shares (state, expires_at);

-- The clock of test stacks only: read only when the worker's SEALDROP_TEST_CLOCK variable is
-- "d1", which only tests/run.mjs sets. Nothing in the API writes it.
CREATE TABLE test_clock (now_ms INTEGER NOT NULL) STRICT;
