//! Verifying an export against a pinned key: the chain, the seq sequence, the checkpoints and
//! their age, with errors that name the line and the seq where a file breaks.

use super::read::*;
use super::*;

/// Where an event was seen: enough to link the next event to it and to name both lines.
#[derive(Clone, Copy)]
struct Seen {
    seq: u64,
    hash: [u8; 32],
    line: usize,
}

/// The state of one pass over an export.
struct Verifier {
    key: VerifyingKey,
    header: ExportHeader,
    filtered: bool,
    last: Option<Seen>,
    first_seq: Option<u64>,
    events: u64,
    gaps: u64,
    missing: u64,
    /// `h_seq` for every seq the export gives one for (an event's hash, or the prev of an event
    /// whose predecessor is absent), ascending; line 0 stands for [`GENESIS`]. Kept because
    /// checkpoint lines may come before or after their events.
    known: Vec<Seen>,
    /// Signed checkpoints, in line order, to match against `known` at the end.
    checkpoints: Vec<(usize, Checkpoint)>,
    newest: Option<(usize, Checkpoint)>,
}

impl Verifier {
    fn new(key: VerifyingKey, header: ExportHeader, text_len: usize) -> Self {
        // An event line takes about 170 bytes at the least (two hashes in hex and the keys), so
        // this reserves for the events the text can hold, not for whatever range it claims.
        // number of events without trusting the claimed range.
        let expected = (header.to_seq - (header.from_seq - 1)).min(text_len as u64 / 170 + 1);
        let mut known = Vec::with_capacity(expected as usize * 101 / 100 + 2);
        known.push(Seen {
            seq: 0,
            hash: GENESIS,
            line: 0,
        });
        Verifier {
            key,
            filtered: header.is_filtered(),
            header,
            last: None,
            first_seq: None,
            events: 0,
            gaps: 0,
            missing: 0,
            known,
            checkpoints: Vec::new(),
            newest: None,
        }
    }

    /// Checks the event on `line`; `buf` holds its text from `EVENT_AT`.
    fn event(
        &mut self,
        line: usize,
        seq: u64,
        prev: [u8; 32],
        hash: [u8; 32],
        buf: &mut [u8],
    ) -> Result<(), VerifyError> {
        let (from_seq, to_seq) = (self.header.from_seq, self.header.to_seq);
        if seq < from_seq || seq > to_seq {
            return Err(VerifyError::OutOfRange {
                line,
                seq,
                from_seq,
                to_seq,
            });
        }
        let expected = match self.last {
            Some(last) if seq <= last.seq => {
                return Err(VerifyError::OutOfOrder {
                    line,
                    seq,
                    previous_seq: last.seq,
                    previous_line: last.line,
                })
            }
            Some(last) => last.seq + 1,
            None => from_seq,
        };
        if seq > expected {
            if !self.filtered {
                return Err(VerifyError::Missing {
                    first: expected,
                    last: seq - 1,
                    after_line: self.last.map(|l| l.line),
                    before_line: Some(line),
                });
            }
            self.gaps += 1;
            self.missing += seq - expected;
        }

        buf[SEQ_AT..PREV_AT].copy_from_slice(&seq.to_be_bytes());
        buf[PREV_AT..EVENT_AT].copy_from_slice(&prev);
        if blake3::hash(buf).as_bytes() != &hash {
            return Err(VerifyError::HashMismatch { line, seq });
        }

        // seq >= 1 here (from_seq >= 1), so seq - 1 cannot wrap.
        if seq == 1 && prev != GENESIS {
            return Err(VerifyError::NotGenesis { line });
        }
        if let Some(last) = self.last.filter(|l| l.seq == seq - 1) {
            if last.hash != prev {
                return Err(VerifyError::BrokenLink {
                    line,
                    seq,
                    prev_line: last.line,
                });
            }
        }
        // `known` ascends: its last seq is at most the last event's, which is below seq - 1
        // whenever this pushes.
        if self.known.last().map(|k| k.seq) != Some(seq - 1) {
            self.known.push(Seen {
                seq: seq - 1,
                hash: prev,
                line,
            });
        }
        let seen = Seen { seq, hash, line };
        self.known.push(seen);
        self.last = Some(seen);
        self.first_seq.get_or_insert(seq);
        self.events += 1;
        Ok(())
    }

    fn checkpoint(&mut self, line: usize, cp: Checkpoint) -> Result<(), VerifyError> {
        let (from_seq, to_seq) = (self.header.from_seq, self.header.to_seq);
        // The checkpoint of the head just before the range is welcome: it anchors the first prev.
        if cp.seq < from_seq - 1 || cp.seq > to_seq {
            return Err(VerifyError::CheckpointOutOfRange {
                line,
                seq: cp.seq,
                from_seq,
                to_seq,
            });
        }
        if !verify_with(&self.key, cp.seq, &cp.hash, cp.time_ms, &cp.sig) {
            return Err(VerifyError::BadSignature { line, seq: cp.seq });
        }
        if self
            .newest
            .is_none_or(|(_, n)| (cp.time_ms, cp.seq) > (n.time_ms, n.seq))
        {
            self.newest = Some((line, cp));
        }
        self.checkpoints.push((line, cp));
        Ok(())
    }

    fn finish(mut self, max_age_ms: u64) -> Result<Report, VerifyError> {
        for &(line, cp) in &self.checkpoints {
            if let Ok(i) = self.known.binary_search_by_key(&cp.seq, |k| k.seq) {
                let k = self.known[i];
                if k.hash != cp.hash {
                    return Err(VerifyError::CheckpointMismatch {
                        line,
                        seq: cp.seq,
                        event_line: (k.line != 0).then_some(k.line),
                    });
                }
            }
        }

        let (from_seq, to_seq) = (self.header.from_seq, self.header.to_seq);
        let held_to = self.last.map_or(from_seq - 1, |l| l.seq);
        if held_to < to_seq {
            if !self.filtered {
                return Err(VerifyError::Missing {
                    first: held_to + 1,
                    last: to_seq,
                    after_line: self.last.map(|l| l.line),
                    before_line: None,
                });
            }
            self.gaps += 1;
            self.missing += to_seq - held_to;
        }

        let (line, newest) = self.newest.ok_or(VerifyError::NoCheckpoint)?;
        let age_ms = self.header.exported_at_ms.saturating_sub(newest.time_ms);
        if age_ms > max_age_ms {
            return Err(VerifyError::StaleCheckpoint {
                seq: newest.seq,
                line,
                age_ms,
                max_age_ms,
            });
        }

        Ok(Report {
            from_seq,
            to_seq,
            filtered: self.filtered,
            exported_at_ms: self.header.exported_at_ms,
            first_seq: self.first_seq,
            last_seq: self.last.map(|l| l.seq),
            events: self.events,
            checkpoints: self.checkpoints.len() as u64,
            gaps: self.gaps,
            missing: self.missing,
            newest_checkpoint: newest,
        })
    }
}

/// Verifies an export against the pinned checkpoint key.
///
/// Every event's hash is recomputed from its own prev and event text, and event 1's prev must be
/// [`GENESIS`]. An unfiltered export (`filter` null) must hold exactly the seqs
/// `from_seq..=to_seq`, each prev the hash on the line before; a filtered one must rise within
/// the range, consecutive events must link, and its gaps are counted as the filter's. Every
/// checkpoint must be for a seq in `from_seq - 1..=to_seq`, be signed by `public_key` and, where
/// the export gives a hash for its seq (an event's hash, or the next event's prev), name that
/// hash. There must be a checkpoint, and the newest must be at most `max_checkpoint_age_ms`
/// older than `exported_at_ms`, or the tail may have been cut.
///
/// Checkpoint lines may come anywhere after the description line. Lines end in `\n` or `\r\n`;
/// a final line end is optional. The first error found is returned.
pub fn verify_export(
    text: &str,
    public_key: &[u8; 32],
    max_checkpoint_age_ms: u64,
) -> Result<Report, VerifyError> {
    let mut lines = text.lines();
    let first = lines.next().ok_or_else(|| {
        // The key is checked first, whatever the text: a wrong key is the likelier mistake.
        pinned_key(public_key).map_or(VerifyError::BadKey, |_| VerifyError::Empty)
    })?;
    let mut v = ExportVerifier::new(public_key, first, text.len())?;
    for line in lines {
        v.line(line)?;
    }
    v.finish(max_checkpoint_age_ms)
}

/// [`verify_export`] one line at a time, for an export that is never whole in memory (the worker
/// verifies the stored log page by page, exactly as it would write it out).
pub struct ExportVerifier {
    inner: Verifier,
    buf: Vec<u8>,
    /// The 1-based number of the last line read.
    line: usize,
}

impl ExportVerifier {
    /// Starts with the description line. `size_hint` is the export's length in bytes, if known,
    /// to reserve memory for the events it can hold (0 for none).
    pub fn new(
        public_key: &[u8; 32],
        header_line: &str,
        size_hint: usize,
    ) -> Result<Self, VerifyError> {
        let key = pinned_key(public_key).ok_or(VerifyError::BadKey)?;
        let mut buf = hash_buffer();
        let describe = |message: &str| VerifyError::Malformed {
            line: 1,
            seq: None,
            message: message.into(),
        };
        let header = match parse_line(1, header_line, &mut buf)? {
            Line::Header(h) => h,
            _ => {
                return Err(describe(
                    "the first line must describe the export: {\"export\": {\"from_seq\", \"to_seq\", \"filter\", \"exported_at_ms\"}}",
                ))
            }
        };
        if header.from_seq == 0 {
            return Err(describe("from_seq is 0, but seqs begin at 1"));
        }
        if header.to_seq < header.from_seq - 1 {
            return Err(describe("to_seq is before from_seq"));
        }
        Ok(ExportVerifier {
            inner: Verifier::new(key, header, size_hint),
            buf,
            line: 1,
        })
    }

    /// Reads the next line (without its line end).
    pub fn line(&mut self, text: &str) -> Result<(), VerifyError> {
        self.line += 1;
        let n = self.line;
        match parse_line(n, text, &mut self.buf)? {
            Line::Event { seq, prev, hash } => self.inner.event(n, seq, prev, hash, &mut self.buf),
            Line::Checkpoint(cp) => self.inner.checkpoint(n, cp),
            Line::Header(_) => Err(VerifyError::Malformed {
                line: n,
                seq: None,
                message: "a second description line; an export has one, first".into(),
            }),
        }
    }

    /// The checks that need the whole export: checkpoints against the chain, the tail, and the
    /// newest checkpoint's age.
    pub fn finish(self, max_checkpoint_age_ms: u64) -> Result<Report, VerifyError> {
        self.inner.finish(max_checkpoint_age_ms)
    }
}
