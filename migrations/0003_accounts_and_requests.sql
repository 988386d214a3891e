-- Staff accounts, sessions and invites; file requests and the files partners send into them
-- (format-v1.md, File requests and Staff keys). Nothing here decrypts
-- anything: login keys, tokens and upload tokens are stored only as keyed or plain hashes, the
-- private keys and request secrets only wrapped under vault keys the server never sees.

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,                      -- 22 base64url characters, 128 random bits
  email TEXT NOT NULL UNIQUE,               -- lower-cased
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
  salt TEXT NOT NULL,                       -- Argon2id salt of the password, base64url
  argon2 TEXT NOT NULL,                     -- JSON {"m_kib", "t", "p"}
  login_hash TEXT NOT NULL,                 -- hex mac(pepper, login key)
  public_key TEXT NOT NULL,                 -- X25519, base64url
  wrapped_sk TEXT NOT NULL,                 -- the private key under the vault key, base64url
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
) STRICT;

-- An invite draws the account's id and salt up front: the browser binds the wrapped key to the
-- id before the account exists. A setup invite (the first admin's) has no email.
CREATE TABLE invites (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,          -- BLAKE3(token), hex
  email TEXT,
  role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
  setup INTEGER NOT NULL DEFAULT 0,
  account_id TEXT NOT NULL,
  salt TEXT NOT NULL,
  invited_by TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  cancelled_at INTEGER
) STRICT;

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,              -- BLAKE3(session token), hex
  account_id TEXT NOT NULL REFERENCES accounts (id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_account ON sessions (account_id);

-- Failed sign-ins, for the per-email and per-address limits.
CREATE TABLE sign_in_failures (
  email TEXT NOT NULL,
  client TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_by_client ON sign_in_failures (client, at);

-- Shares belong to the account that made them (NULL only for shares from before accounts).
ALTER TABLE shares ADD COLUMN owner_account TEXT REFERENCES accounts (id);
CREATE INDEX shares_by_owner ON shares (owner_account, created_at);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,                      -- drawn by the staff member's browser (the wrapped secret binds it)
  owner_account TEXT NOT NULL REFERENCES accounts (id),
  label TEXT NOT NULL,
  message TEXT NOT NULL,
  public_key TEXT NOT NULL,                 -- the staff key the link carries, base64url
  upload_token_hash TEXT NOT NULL,          -- BLAKE3(upload token), hex
  wrapped_rs TEXT NOT NULL,                 -- the request secret under the vault key, base64url
  max_files INTEGER NOT NULL CHECK (max_files BETWEEN 1 AND 1000),
  max_bytes INTEGER NOT NULL CHECK (max_bytes > 0),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX requests_by_owner ON requests (owner_account, created_at);

CREATE TABLE request_files (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES requests (id),
  header TEXT NOT NULL,
  metadata TEXT NOT NULL,
  stanza TEXT NOT NULL,                     -- 80 bytes, base64url: fs sealed to the staff key
  plaintext_size INTEGER NOT NULL,
  payload_size INTEGER NOT NULL CHECK (payload_size > 0),
  chunks_per_part INTEGER NOT NULL,
  part_size INTEGER NOT NULL,
  part_count INTEGER NOT NULL CHECK (part_count BETWEEN 1 AND 10000),
  object_key TEXT NOT NULL UNIQUE,
  upload_id TEXT,
  content_id TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER,
  read_at INTEGER
) STRICT;
CREATE INDEX request_files_by_request ON request_files (request_id, created_at);

-- Upload parts are keyed by the object they belong to, so that share files and request files
-- share one part ledger (and one set of rules in the worker).
CREATE TABLE upload_parts (
  object_key TEXT NOT NULL,
  n INTEGER NOT NULL CHECK (n >= 1),
  size INTEGER NOT NULL,
  blake3 TEXT NOT NULL,                     -- hex, the uploader's claim, checked by downloaders
  etag TEXT,                                -- NULL while the part is being stored
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (object_key, n)
) STRICT;
INSERT INTO upload_parts (object_key, n, size, blake3, etag, claimed_at)
  SELECT f.object_key, p.n, p.size, p.blake3, p.etag, p.claimed_at
  FROM parts p JOIN files f ON f.share_id = p.share_id AND f.j = p.j;
DROP TABLE parts;
