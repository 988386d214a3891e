-- Burst-proof guessing limits, the access log's sequencer, and ids unique across kinds.

-- The addresses that failed proofs against a share since its last unlock: a share locks only
-- after failures from several of them (worker/src/rules/attempts.rs).
CREATE TABLE proof_failure_sources (
  share_id TEXT NOT NULL,
  client TEXT NOT NULL,
  PRIMARY KEY (share_id, client)
) STRICT, WITHOUT ROWID;
CREATE INDEX proof_failures_by_share_client ON proof_failures (share_id, client, at);
CREATE INDEX sign_in_failures_by_email_client ON sign_in_failures (email, client, at);

-- The fault switch of test stacks only: the sequencer reads it only when the worker's
-- SEALDROP_TEST_CLOCK variable is "d1", which only tests/run.mjs sets; a row makes the next
-- append fail. Nothing in the API writes it.
CREATE TABLE test_faults (kind TEXT NOT NULL) STRICT;

-- The purge takes a share or a request file with one guarded update before it releases its
-- storage; completion is refused from then on.
ALTER TABLE shares ADD COLUMN purge_claimed_at INTEGER;
ALTER TABLE request_files ADD COLUMN purge_claimed_at INTEGER;
