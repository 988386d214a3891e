-- API keys: named, scoped, expiring credentials that stand for an account in automation. Only
-- BLAKE3(key) is kept; the key itself is shown once, to the person who made it.

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,                      -- 22 base64url characters, 128 random bits
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,                     -- share, request, inbox: comma-separated
  key_hash TEXT NOT NULL UNIQUE,            -- BLAKE3(key), hex
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER,
  revoked_by TEXT
) STRICT;
CREATE INDEX api_keys_by_account ON api_keys (account_id, created_at);
-- A name says which job a key is for: one live key per name and account.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (account_id, name) WHERE revoked_at IS NULL;
