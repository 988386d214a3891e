-- The account key K of unlock-factors.md: each account's generation of K and sk128 wrapped under
-- it, and the unlock factors, each keeping K wrapped under a key only the client derives. The
-- server can open none of them. A v1 account has no generation until its first unlock adopts its
-- vault key as K.

ALTER TABLE accounts ADD COLUMN key_generation INTEGER CHECK (key_generation >= 0);
ALTER TABLE accounts ADD COLUMN wrapped_sk128 TEXT;   -- 44 bytes, base64url

CREATE TABLE account_factors (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  id TEXT NOT NULL,                         -- the factor id the client drew, 16 bytes, base64url
  kind TEXT NOT NULL CHECK (kind IN ('password', 'kit', 'passkey')),
  label TEXT NOT NULL,
  credential_id TEXT,                       -- a passkey's, base64url
  wrapped_k TEXT NOT NULL,                  -- 60 bytes, base64url, at the account's key_generation
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  PRIMARY KEY (account_id, id)
) STRICT;
-- At most one password factor per account.
CREATE UNIQUE INDEX account_factors_one_password ON account_factors (account_id) WHERE kind = 'password';
