//! The export's writers: one function per kind of line, so that what the worker writes is
//! exactly what [`super::verify_export`] reads.

use serde::{Deserialize, Serialize};

use super::Checkpoint;

/// The first line of an export: which seqs it covers, the filter that chose its events, and when
/// it was made.
///
/// Invariant (kept by writers, checked by [`verify_export`]): `1 <= from_seq <= to_seq + 1` (an
/// empty range is `to_seq = from_seq - 1`); `filter` is JSON `null` exactly when the export holds
/// every event of the range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub from_seq: u64,
    pub to_seq: u64,
    /// `null`, or the filter used, in whatever JSON the exporter describes it with.
    pub filter: serde_json::Value,
    pub exported_at_ms: u64,
}

impl ExportHeader {
    pub fn is_filtered(&self) -> bool {
        !self.filter.is_null()
    }
}

#[derive(Serialize)]
struct HeaderLineOut<'a> {
    export: &'a ExportHeader,
}

/// The field order is the one the verifier's fast reader expects (`read_written_event`).
#[derive(Serialize)]
struct EventLineOut<'a> {
    seq: u64,
    prev: &'a str,
    hash: &'a str,
    event: &'a str,
}

#[derive(Serialize)]
struct CheckpointOut<'a> {
    seq: u64,
    hash: &'a str,
    time_ms: u64,
    sig: &'a str,
}

#[derive(Serialize)]
struct CheckpointLineOut<'a> {
    checkpoint: CheckpointOut<'a>,
}

fn to_line<T: Serialize>(value: &T) -> String {
    // Only strings, integers and a serde_json::Value go in: nothing here can fail to serialise.
    serde_json::to_string(value).expect("export lines always serialise")
}

/// `{"export":{"from_seq":…,"to_seq":…,"filter":…,"exported_at_ms":…}}`, without a line end.
/// An export is this line, then event and checkpoint lines, each ended by `\n`.
pub fn header_line(header: &ExportHeader) -> String {
    to_line(&HeaderLineOut { export: header })
}

/// `{"seq":n,"prev":hex,"hash":hex,"event":"<e_n as a JSON string>"}`, without a line end.
/// `event` is the stored JSON text itself, never re-serialised: its bytes are what `hash` covers.
pub fn event_line(seq: u64, prev: &[u8; 32], hash: &[u8; 32], event: &str) -> String {
    to_line(&EventLineOut {
        seq,
        prev: &hex::encode(prev),
        hash: &hex::encode(hash),
        event,
    })
}

/// `{"checkpoint":{"seq":…,"hash":hex,"time_ms":…,"sig":hex}}`, without a line end. Writers put
/// it right after its event's line (or after the description line for a checkpoint of an idle
/// log); the verifier accepts checkpoint lines anywhere after the first line.
pub fn checkpoint_line(cp: &Checkpoint) -> String {
    to_line(&CheckpointLineOut {
        checkpoint: CheckpointOut {
            seq: cp.seq,
            hash: &hex::encode(cp.hash),
            time_ms: cp.time_ms,
            sig: &hex::encode(cp.sig),
        },
    })
}
