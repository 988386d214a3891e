//! Verifying an export against a pinned key: the chain, the seq sequence, the checkpoints and
//! their age, with errors that name the line and the seq where a file breaks.

use core::fmt;

use super::read::*;
use super::*;

/// Everything that can make an export fail to verify, each naming where (1-based line, seq) and
/// what broke, so that a person can find the place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The pinned public key is not a usable Ed25519 key: check what was passed as the key.
    BadKey,
    /// The file has no lines at all.
    Empty,
    /// A line is not JSON (truncated, damaged or not an export).
    NotJson { line: usize, message: String },
    /// A line is JSON but not an event, checkpoint or description line as the format defines them
    /// (unknown, missing or repeated field, bad hex, an event that is not a string, a description
    /// that is not first, …).
    Malformed {
        line: usize,
        seq: Option<u64>,
        message: String,
    },
    /// An event outside the range the description line claims.
    OutOfRange {
        line: usize,
        seq: u64,
        from_seq: u64,
        to_seq: u64,
    },
    /// An event whose seq repeats or goes back: lines were copied or moved.
    OutOfOrder {
        line: usize,
        seq: u64,
        previous_seq: u64,
        previous_line: usize,
    },
    /// Seqs `first..=last` are absent from an unfiltered export: events were deleted. The lines
    /// are those of the events on either side, where there are any.
    Missing {
        first: u64,
        last: u64,
        after_line: Option<usize>,
        before_line: Option<usize>,
    },
    /// The event's hash is not `chain_hash(seq, prev, event)`: the event, its prev or its hash
    /// was changed.
    HashMismatch { line: usize, seq: u64 },
    /// The event's prev is not the hash of the event before it: that event was replaced.
    BrokenLink {
        line: usize,
        seq: u64,
        prev_line: usize,
    },
    /// Event 1's prev is not [`GENESIS`]: the start of the log was replaced.
    NotGenesis { line: usize },
    /// A checkpoint's signature does not hold under the pinned key: the checkpoint was changed,
    /// forged, or signed by another key (is the pinned key the right one?).
    BadSignature { line: usize, seq: u64 },
    /// A validly signed checkpoint names a different hash for its seq than the export's chain:
    /// the events up to that seq were rewritten after it was signed. `event_line` is the line
    /// that gives that seq's hash (its own, or the next event's prev); `None` for seq 0.
    CheckpointMismatch {
        line: usize,
        seq: u64,
        event_line: Option<usize>,
    },
    /// A checkpoint for a seq that the export's range cannot contain.
    CheckpointOutOfRange {
        line: usize,
        seq: u64,
        from_seq: u64,
        to_seq: u64,
    },
    /// No checkpoint at all, so nothing in the export is signed.
    NoCheckpoint,
    /// The newest checkpoint is older than allowed before `exported_at_ms`: the events after it
    /// may have been cut off.
    StaleCheckpoint {
        seq: u64,
        line: usize,
        age_ms: u64,
        max_age_ms: u64,
    },
}

impl VerifyError {
    /// The 1-based line of the export the error is about, where there is one.
    pub fn line(&self) -> Option<usize> {
        use VerifyError::*;
        match self {
            NotJson { line, .. }
            | Malformed { line, .. }
            | OutOfRange { line, .. }
            | OutOfOrder { line, .. }
            | HashMismatch { line, .. }
            | BrokenLink { line, .. }
            | NotGenesis { line }
            | BadSignature { line, .. }
            | CheckpointMismatch { line, .. }
            | CheckpointOutOfRange { line, .. }
            | StaleCheckpoint { line, .. } => Some(*line),
            Missing {
                before_line,
                after_line,
                ..
            } => before_line.or(*after_line),
            BadKey | Empty | NoCheckpoint => None,
        }
    }

    /// The seq the error is about (the first missing one for [`VerifyError::Missing`]).
    pub fn seq(&self) -> Option<u64> {
        use VerifyError::*;
        match self {
            Malformed { seq, .. } => *seq,
            OutOfRange { seq, .. }
            | OutOfOrder { seq, .. }
            | HashMismatch { seq, .. }
            | BrokenLink { seq, .. }
            | BadSignature { seq, .. }
            | CheckpointMismatch { seq, .. }
            | CheckpointOutOfRange { seq, .. }
            | StaleCheckpoint { seq, .. } => Some(*seq),
            NotGenesis { .. } => Some(1),
            Missing { first, .. } => Some(*first),
            BadKey | Empty | NotJson { .. } | NoCheckpoint => None,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use VerifyError::*;
        match self {
            BadKey => f.write_str("the pinned key is not a usable Ed25519 public key"),
            Empty => f.write_str("the export is empty: it lacks even its description line"),
            NotJson { line, message } => write!(f, "line {line}: not JSON: {message}"),
            Malformed {
                line,
                seq: Some(seq),
                message,
            } => write!(f, "line {line} (seq {seq}): {message}"),
            Malformed {
                line,
                seq: None,
                message,
            } => write!(f, "line {line}: {message}"),
            OutOfRange {
                line,
                seq,
                from_seq,
                to_seq,
            } => write!(
                f,
                "line {line} (seq {seq}): outside the range the export describes, seq {from_seq} to {to_seq}"
            ),
            OutOfOrder {
                line,
                seq,
                previous_seq,
                previous_line,
            } => write!(
                f,
                "line {line} (seq {seq}): out of order, after seq {previous_seq} on line {previous_line}"
            ),
            Missing {
                first,
                last,
                after_line,
                before_line,
            } => {
                if first == last {
                    write!(f, "seq {first} is missing")?;
                } else {
                    write!(f, "seqs {first} to {last} are missing")?;
                }
                match (after_line, before_line) {
                    (Some(a), Some(b)) => write!(f, " between lines {a} and {b}"),
                    (None, Some(b)) => write!(
                        f,
                        " before line {b}, though the export says it begins at seq {first}"
                    ),
                    (Some(a), None) => write!(
                        f,
                        " after line {a}, though the export says it ends at seq {last}"
                    ),
                    (None, None) => f.write_str(": the export has no events"),
                }
            }
            HashMismatch { line, seq } => {
                write!(f, "line {line} (seq {seq}): the hash does not match the event")
            }
            BrokenLink {
                line,
                seq,
                prev_line,
            } => write!(
                f,
                "line {line} (seq {seq}): prev does not match the hash of seq {} on line {prev_line}",
                seq - 1
            ),
            NotGenesis { line } => write!(
                f,
                "line {line} (seq 1): prev is not the start of the chain (32 zero bytes)"
            ),
            BadSignature { line, seq } => write!(
                f,
                "line {line}: checkpoint signature (seq {seq}) does not verify with the pinned key"
            ),
            CheckpointMismatch {
                line,
                seq,
                event_line: Some(event_line),
            } => write!(
                f,
                "line {line}: the checkpoint for seq {seq} names a different hash from the chain's on line {event_line}"
            ),
            CheckpointMismatch {
                line,
                seq,
                event_line: None,
            } => write!(
                f,
                "line {line}: the checkpoint for seq {seq} names a hash other than the start of the chain"
            ),
            CheckpointOutOfRange {
                line,
                seq,
                from_seq,
                to_seq,
            } => write!(
                f,
                "line {line}: a checkpoint for seq {seq} cannot be in an export of seq {from_seq} to {to_seq}"
            ),
            NoCheckpoint => {
                f.write_str("the export has no checkpoint, so nothing in it is signed")
            }
            StaleCheckpoint {
                seq,
                line,
                age_ms,
                max_age_ms,
            } => write!(
                f,
                "the newest checkpoint (seq {seq}, line {line}) is {} older than the export, more than the {} allowed: events after it may have been cut",
                describe_duration(*age_ms),
                describe_duration(*max_age_ms)
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// What a verified export proved.
///
/// Invariant: made only by [`verify_export`] for an export that verified; every event in
/// `first_seq..=last_seq` that the export holds hashes correctly, every checkpoint is signed by
/// the pinned key, and for an unfiltered export the events are exactly `from_seq..=to_seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The range the description line claims.
    pub from_seq: u64,
    pub to_seq: u64,
    pub filtered: bool,
    pub exported_at_ms: u64,
    /// The first and last event held, if any.
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub events: u64,
    pub checkpoints: u64,
    /// For a filtered export: the runs of absent seqs in `from_seq..=to_seq`, and how many seqs
    /// they hold. Always 0 for an unfiltered one.
    pub gaps: u64,
    pub missing: u64,
    /// The checkpoint with the latest time (the highest seq among equal times).
    pub newest_checkpoint: Checkpoint,
}

impl fmt::Display for Report {
    /// One sentence: "Chain intact from 1 to 104,233; 12 checkpoints; newest checkpoint 4 minutes
    /// before the export."
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (from, to) = (group_thousands(self.from_seq), group_thousands(self.to_seq));
        match (self.filtered, self.events) {
            (false, 0) => f.write_str("Chain intact, with no events in the export")?,
            (false, _) => write!(f, "Chain intact from {from} to {to}")?,
            (true, n) => write!(
                f,
                "{} intact between {from} and {to}",
                plural(n, "event", "events")
            )?,
        }
        write!(
            f,
            "; {}; newest checkpoint ",
            plural(self.checkpoints, "checkpoint", "checkpoints")
        )?;
        let cp = self.newest_checkpoint.time_ms;
        if cp <= self.exported_at_ms {
            write!(
                f,
                "{} before the export",
                describe_duration(self.exported_at_ms - cp)
            )?;
        } else {
            // The worker's clock and the checkpoint's agree only roughly; say so plainly.
            write!(
                f,
                "{} after the export",
                describe_duration(cp - self.exported_at_ms)
            )?;
        }
        if self.filtered {
            match self.gaps {
                0 => f.write_str("; no gaps")?,
                1 => f.write_str("; 1 gap, the filter's")?,
                n => write!(f, "; {} gaps, all the filter's", group_thousands(n))?,
            }
        }
        f.write_str(".")
    }
}

impl Report {
    /// The sentence of a verification made now (the console's, where `exported_at_ms` is the
    /// time of the check): "Chain intact from 1 to 104,233; last checkpoint 4 minutes ago."
    pub fn as_of_now(&self) -> String {
        let range = if self.events == 0 {
            "Chain intact, with no events kept".to_string()
        } else {
            format!(
                "Chain intact from {} to {}",
                group_thousands(self.from_seq),
                group_thousands(self.to_seq)
            )
        };
        let age = self
            .exported_at_ms
            .saturating_sub(self.newest_checkpoint.time_ms);
        format!(
            "{range}; last checkpoint {} ago (seq {}).",
            describe_duration(age),
            group_thousands(self.newest_checkpoint.seq)
        )
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", group_thousands(n))
    }
}

/// `104233` as "104,233".
pub(super) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration for people: its two largest units, "3 hours 20 minutes", "4 minutes", "12 seconds";
/// under a second, "less than a second" (or "0 seconds" for none at all).
pub fn describe_duration(ms: u64) -> String {
    const UNITS: [(u64, &str, &str); 4] = [
        (86_400, "day", "days"),
        (3_600, "hour", "hours"),
        (60, "minute", "minutes"),
        (1, "second", "seconds"),
    ];
    let s = ms / 1000;
    let Some(i) = UNITS.iter().position(|&(size, ..)| s >= size) else {
        return if ms == 0 {
            "0 seconds"
        } else {
            "less than a second"
        }
        .into();
    };
    let (size, one, many) = UNITS[i];
    let mut out = plural(s / size, one, many);
    if let Some(&(next, one, many)) = UNITS.get(i + 1) {
        let rest = (s % size) / next;
        if rest > 0 {
            out.push(' ');
            out.push_str(&plural(rest, one, many));
        }
    }
    out
}

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
