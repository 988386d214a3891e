//! Reading one export line: a narrow reader for the exact layout the writers produce, and serde
//! for anything else, both filling the buffer that BLAKE3 then hashes.

use core::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::error::VerifyError;
use super::*;

/// One line is read into a buffer laid out as the BLAKE3 input of its event: the chain's domain,
/// u64be(seq) and prev, then the decoded event text, so that one call to BLAKE3 checks it.
pub(super) const SEQ_AT: usize = CHAIN_DOMAIN.len();
pub(super) const PREV_AT: usize = SEQ_AT + 8;
pub(super) const EVENT_AT: usize = PREV_AT + 32;

pub(super) fn hash_buffer() -> Vec<u8> {
    let mut buf = Vec::with_capacity(1024);
    buf.extend_from_slice(CHAIN_DOMAIN);
    buf.resize(EVENT_AT, 0);
    buf
}

/// Each byte's value as a hex digit (either case), or 0xff.
pub(super) const HEX_VALUES: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        t[b"0123456789abcdef"[i] as usize] = i as u8;
        t[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Exactly `2N` hex digits as `N` bytes. A table and no branch per digit: every event line has
/// 128 of them, and the hex crate's decoder was a fifth of the verifier's time.
pub(super) fn decode_hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (hi, lo) = (HEX_VALUES[pair[0] as usize], HEX_VALUES[pair[1] as usize]);
        bad |= hi | lo;
        *byte = (hi << 4) | lo;
    }
    (bad & 0xf0 == 0).then_some(out)
}

/// `N` bytes spelled as exactly `2N` hex digits, read straight into an array.
pub(super) struct HexBytes<const N: usize>([u8; N]);

impl<'de, const N: usize> Deserialize<'de> for HexBytes<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct HexVisitor<const N: usize>;
        impl<const N: usize> Visitor<'_> for HexVisitor<N> {
            type Value = HexBytes<N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} hex digits", 2 * N)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HexBytes<N>, E> {
                if s.len() != 2 * N {
                    return Err(E::invalid_length(s.len(), &self));
                }
                decode_hex(s.as_bytes())
                    .map(HexBytes)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(HexVisitor::<N>)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckpointIn {
    seq: u64,
    hash: HexBytes<32>,
    time_ms: u64,
    sig: HexBytes<64>,
}

/// The fields of any of the three kinds of line. Unknown fields are refused: nothing outside
/// `event` is covered by a hash, so an extra field could only carry unauthenticated claims.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
pub(super) enum Field {
    Export,
    Checkpoint,
    Seq,
    Prev,
    Hash,
    Event,
}

/// What one line held; `event` says whether an event string was decoded into the buffer.
#[derive(Default)]
pub(super) struct LineIn {
    export: Option<ExportHeader>,
    checkpoint: Option<CheckpointIn>,
    seq: Option<u64>,
    prev: Option<HexBytes<32>>,
    hash: Option<HexBytes<32>>,
    event: bool,
}

/// Reads one line as a flat map (one pass, no buffering as an untagged enum would), decoding the
/// event string, if any, onto the end of `event`. serde_json decodes a string with escapes into
/// its own scratch space and lends it; copying it from there into the buffer to hash is the only
/// copy, and nothing per line is allocated.
pub(super) struct LineSeed<'b> {
    event: &'b mut Vec<u8>,
}

impl<'de> de::DeserializeSeed<'de> for LineSeed<'_> {
    type Value = LineIn;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<LineIn, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = LineIn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object: an event, a checkpoint or the export's description")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<LineIn, A::Error> {
        // A repeated field is refused, never resolved: readers that kept the first and readers
        // that kept the last would see different events.
        fn once<T, E: de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }
        let out = self.event;
        let mut line = LineIn::default();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Export => {
                    once(&line.export, "export")?;
                    line.export = Some(map.next_value()?);
                }
                Field::Checkpoint => {
                    once(&line.checkpoint, "checkpoint")?;
                    line.checkpoint = Some(map.next_value()?);
                }
                Field::Seq => {
                    once(&line.seq, "seq")?;
                    line.seq = Some(map.next_value()?);
                }
                Field::Prev => {
                    once(&line.prev, "prev")?;
                    line.prev = Some(map.next_value()?);
                }
                Field::Hash => {
                    once(&line.hash, "hash")?;
                    line.hash = Some(map.next_value()?);
                }
                Field::Event => {
                    if line.event {
                        return Err(de::Error::duplicate_field("event"));
                    }
                    map.next_value_seed(EventText { out: &mut *out })?;
                    line.event = true;
                }
            }
        }
        Ok(line)
    }
}

/// An event's JSON text, given as a JSON string: its decoded UTF-8 bytes are appended to `out`.
pub(super) struct EventText<'b> {
    out: &'b mut Vec<u8>,
}

impl<'de> de::DeserializeSeed<'de> for EventText<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for EventText<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event's JSON text as a JSON string")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

pub(super) enum Line {
    Header(ExportHeader),
    Checkpoint(Checkpoint),
    /// The event's text is in the buffer, from `EVENT_AT`.
    Event {
        seq: u64,
        prev: [u8; 32],
        hash: [u8; 32],
    },
}

/// Reads an event line spelled exactly as [`event_line`] writes it, or declines (`None`) so that
/// serde reads it instead.
///
/// Why a second reader: serde_json copies an escaped string piece by piece, and an event string
/// escapes every quote of its JSON; with BLAKE3 fixed at about half of the time per event, that
/// copying alone kept the verifier under its target of 1,000,000 events/s. Why it cannot
/// disagree with serde: it accepts only the writer's exact layout (key order, no spaces, plain
/// integer seq, 64 hex digits each), decodes the string by the JSON rules, and declines anything
/// else, including every input serde would refuse; `fast_reader_agrees_with_serde` checks this.
pub(super) fn read_written_event(
    text: &str,
    buf: &mut Vec<u8>,
) -> Option<(u64, [u8; 32], [u8; 32])> {
    let rest = text.as_bytes().strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    // JSON has no leading zeros; serde refuses them and so must this.
    if digits == 0 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let mut seq = 0u64;
    for &d in &rest[..digits] {
        seq = seq.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    let rest = rest[digits..].strip_prefix(b",\"prev\":\"")?;
    let prev = decode_hex::<32>(rest.get(..64)?)?;
    let rest = rest[64..].strip_prefix(b"\",\"hash\":\"")?;
    let hash = decode_hex::<32>(rest.get(..64)?)?;
    let rest = rest[64..].strip_prefix(b"\",\"event\":\"")?;
    let body = rest.strip_suffix(b"\"}")?;
    buf.truncate(EVENT_AT);
    decode_string_body(body, buf)?;
    Some((seq, prev, hash))
}

/// Appends the text that the inside of a JSON string literal means, or declines if `body` is not
/// exactly one string's inside: an unescaped quote or control character, an unknown escape, or a
/// `\u` escape of half a surrogate pair.
pub(super) fn decode_string_body(body: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let hex4 = |at: usize| -> Option<u32> {
        let (mut value, mut bad) = (0u32, 0u8);
        for &c in body.get(at..at + 4)? {
            let digit = HEX_VALUES[c as usize];
            bad |= digit;
            value = (value << 4) | u32::from(digit & 0x0f);
        }
        (bad & 0xf0 == 0).then_some(value)
    };
    // A decoded string is never longer than its spelling: write into room made once, byte by
    // byte, rather than one copy per run between escapes.
    let start = out.len();
    out.resize(start + body.len(), 0);
    let dst = &mut out[start..];
    let (mut i, mut w) = (0, 0);
    while i < body.len() {
        let c = body[i];
        if c >= 0x20 && c != b'"' && c != b'\\' {
            dst[w] = c;
            w += 1;
            i += 1;
            continue;
        }
        if c != b'\\' {
            return None;
        }
        let simple = match *body.get(i + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let mut code = hex4(i + 2)?;
                i += 6;
                if (0xD800..0xDC00).contains(&code) {
                    if body.get(i..i + 2)? != b"\\u" {
                        return None;
                    }
                    let low = hex4(i + 2)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    i += 6;
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                }
                // None for a lone low surrogate, the only code left that is not a char.
                let ch = char::from_u32(code)?;
                w += ch.encode_utf8(&mut dst[w..]).len();
                continue;
            }
            _ => return None,
        };
        dst[w] = simple;
        w += 1;
        i += 2;
    }
    out.truncate(start + w);
    Some(())
}

/// Parses line `line`; an event's decoded text goes into `buf` from `EVENT_AT`.
pub(super) fn parse_line(line: usize, text: &str, buf: &mut Vec<u8>) -> Result<Line, VerifyError> {
    match read_written_event(text, buf) {
        Some((seq, prev, hash)) => Ok(Line::Event { seq, prev, hash }),
        None => parse_with_serde(line, text, buf),
    }
}

/// [`parse_line`] for every line: the reference reading, and the only one that explains errors.
pub(super) fn parse_with_serde(
    line: usize,
    text: &str,
    buf: &mut Vec<u8>,
) -> Result<Line, VerifyError> {
    if text.trim().is_empty() {
        return Err(VerifyError::Malformed {
            line,
            seq: None,
            message: "the line is empty".into(),
        });
    }
    buf.truncate(EVENT_AT);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = de::DeserializeSeed::deserialize(LineSeed { event: buf }, &mut de)
        .and_then(|parsed| de.end().map(|()| parsed))
        .map_err(|e| json_error(line, &e))?;
    let malformed = |message: &str| VerifyError::Malformed {
        line,
        seq: None,
        message: message.into(),
    };
    let event_fields =
        parsed.seq.is_some() || parsed.prev.is_some() || parsed.hash.is_some() || parsed.event;
    match parsed {
        LineIn {
            export: Some(header),
            checkpoint: None,
            ..
        } if !event_fields => Ok(Line::Header(header)),
        LineIn {
            export: None,
            checkpoint: Some(cp),
            ..
        } if !event_fields => Ok(Line::Checkpoint(Checkpoint {
            seq: cp.seq,
            hash: cp.hash.0,
            time_ms: cp.time_ms,
            sig: cp.sig.0,
        })),
        LineIn {
            export: None,
            checkpoint: None,
            seq: Some(seq),
            prev: Some(prev),
            hash: Some(hash),
            event: true,
        } => Ok(Line::Event {
            seq,
            prev: prev.0,
            hash: hash.0,
        }),
        LineIn {
            export: None,
            checkpoint: None,
            seq,
            prev,
            hash,
            event,
        } => {
            if !event_fields {
                return Err(malformed(
                    "expected an event, a checkpoint or the export's description",
                ));
            }
            let absent = [
                ("seq", seq.is_none()),
                ("prev", prev.is_none()),
                ("hash", hash.is_none()),
                ("event", !event),
            ];
            let missing: Vec<&str> = absent
                .iter()
                .filter(|(_, gone)| *gone)
                .map(|(name, _)| *name)
                .collect();
            Err(VerifyError::Malformed {
                line,
                seq,
                message: format!(
                    "an event line needs seq, prev, hash and event; {} missing",
                    join_names(&missing)
                ),
            })
        }
        _ => Err(malformed(
            "a line is one of an event, a checkpoint or the export's description, not several",
        )),
    }
}

pub(super) fn join_names(names: &[&str]) -> String {
    match names {
        [one] => format!("{one} is"),
        [init @ .., last] => format!("{} and {last} are", init.join(", ")),
        [] => "nothing is".into(),
    }
}

/// serde_json counts lines and columns within the one line it was given; the line number that
/// matters is the file's, so keep only the column.
pub(super) fn json_error(line: usize, e: &serde_json::Error) -> VerifyError {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) if e.column() > 0 => format!("{} (column {})", &text[..i], e.column()),
        _ => text,
    };
    match e.classify() {
        serde_json::error::Category::Data => VerifyError::Malformed {
            line,
            seq: None,
            message,
        },
        _ => VerifyError::NotJson { line, message },
    }
}
