//! Why an export fails to verify: one case per break a person can look for, each naming the
//! line and the seq where the file breaks.

use core::fmt;

use super::report::describe_duration;

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
