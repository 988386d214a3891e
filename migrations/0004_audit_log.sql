-- The access log (architecture.md, Access log): an append-only hash chain of events and
-- the signed checkpoints over it. `event` is e_n exactly as hashed, written once and never
-- re-serialised; the other event columns repeat a few of its fields so that filters use indexes.

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),  -- a second writer of the same seq fails: no fork
  prev TEXT NOT NULL,                        -- hex h_(n-1)
  hash TEXT NOT NULL,                        -- hex h_n
  event TEXT NOT NULL,                       -- e_n, JSON
  at INTEGER NOT NULL,                       -- ms since epoch
  actor TEXT NOT NULL,                       -- staff:<id>, partner:<request id>, holder, anonymous, system
  action TEXT NOT NULL,
  object TEXT,                               -- a share, request, account or invite id
  outcome TEXT NOT NULL                      -- ok, granted, or refused:<code>
) STRICT;
CREATE INDEX audit_by_time ON audit_events (at);
CREATE INDEX audit_by_actor ON audit_events (actor, seq);
CREATE INDEX audit_by_action ON audit_events (action, seq);
CREATE INDEX audit_by_object ON audit_events (object, seq);
CREATE INDEX audit_by_outcome ON audit_events (outcome, seq);

-- A checkpoint signs a head (seq, h_seq) at a time; an idle log gets a new one over the same head.
CREATE TABLE audit_checkpoints (
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  sig TEXT NOT NULL,                         -- hex Ed25519 signature
  PRIMARY KEY (seq, time_ms)
) STRICT;
