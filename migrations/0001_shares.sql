-- Shares, their files and upload parts, and download tickets (format-v1.md, Shares).
-- Nothing here decrypts anything: headers and sealed metadata are public or opaque, keys and
-- tokens are stored only as BLAKE3 hashes (hex).

CREATE TABLE shares (
  id TEXT PRIMARY KEY,                      -- 22 base64url characters, 128 random bits
  state TEXT NOT NULL CHECK (state IN ('uploading', 'active', 'expired', 'exhausted', 'revoked', 'purged')),
  auth_key_hash TEXT NOT NULL,              -- BLAKE3(auth key)
  owner_token_hash TEXT NOT NULL,           -- BLAKE3(owner token)
  password TEXT,                            -- JSON {"salt", "m_kib", "t", "p"} or NULL
  manifest TEXT,                            -- sealed manifest, base64url; set on completion
  file_count INTEGER NOT NULL CHECK (file_count > 0),
  downloads INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,              -- ms since epoch
  completed_at INTEGER
) STRICT;

CREATE TABLE files (
  share_id TEXT NOT NULL REFERENCES shares (id),
  j INTEGER NOT NULL CHECK (j >= 0),
  header TEXT NOT NULL,                     -- 56-byte header, base64url
  metadata TEXT NOT NULL,                   -- sealed metadata, base64url
  payload_size INTEGER NOT NULL CHECK (payload_size > 0),
  chunks_per_part INTEGER NOT NULL,
  part_size INTEGER NOT NULL,
  part_count INTEGER NOT NULL CHECK (part_count BETWEEN 1 AND 10000),
  object_key TEXT NOT NULL UNIQUE,
  upload_id TEXT,                           -- the R2 multipart upload, recorded once created
  content_id TEXT,                          -- hex, the uploader's claim, set on completion
  completed_at INTEGER,
  PRIMARY KEY (share_id, j)
) STRICT;

CREATE TABLE parts (
  share_id TEXT NOT NULL,
  j INTEGER NOT NULL,
  n INTEGER NOT NULL CHECK (n >= 1),
  size INTEGER NOT NULL,
  blake3 TEXT NOT NULL,                     -- hex, the uploader's claim, checked by downloaders
  etag TEXT,                                -- NULL while the part is being stored
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (share_id, j, n),
  FOREIGN KEY (share_id, j) REFERENCES files (share_id, j)
) STRICT;

CREATE TABLE tickets (
  hash TEXT PRIMARY KEY,                    -- BLAKE3(ticket)
  share_id TEXT NOT NULL REFERENCES shares (id),
  granted_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) STRICT;

CREATE INDEX tickets_by_share ON tickets (share_id);
