//! What a verified export proved, in numbers and in the sentence the console and the CLI show.

use core::fmt;

use super::Checkpoint;

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
