//! The audit module's tests: chain and checkpoint bytes, the export writers, and every way
//! the verifier must refuse a broken file.

use super::read::*;
use super::verify::group_thousands;
use super::*;

const SECRET: [u8; 32] = [7; 32];
const MINUTE: u64 = 60_000;
const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn public() -> [u8; 32] {
    checkpoint_public_key(&SECRET)
}

fn event_text(seq: u64) -> String {
    format!(
        r#"{{"time_ms":{},"actor":{{"kind":"staff","id":"acc{seq}"}},"action":"download.granted","object":"share/{seq}","outcome":"granted","note":"quote \" slash \\ é 😀 tab	"}}"#,
        T0 + seq * 1000
    )
}

/// An export of events 1..=n, one second apart, a checkpoint after every `every`th event and
/// one at the end, exported a minute after the last event.
fn export(n: u64, every: u64) -> Vec<String> {
    let mut lines = vec![header_line(&ExportHeader {
        from_seq: 1,
        to_seq: n,
        filter: serde_json::Value::Null,
        exported_at_ms: T0 + n * 1000 + MINUTE,
    })];
    let mut head = Head::GENESIS;
    for seq in 1..=n {
        let e = event_text(seq);
        let next = head.append(&e);
        lines.push(event_line(seq, &head.hash, &next.hash, &e));
        head = next;
        if seq % every == 0 || seq == n {
            let cp = Checkpoint::sign(&SECRET, &head, T0 + seq * 1000);
            lines.push(checkpoint_line(&cp));
        }
    }
    lines
}

fn join(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn verify(lines: &[String]) -> Result<Report, VerifyError> {
    verify_export(&join(lines), &public(), 30 * MINUTE)
}

/// The 0-based index of the event line of `seq`.
fn index_of(lines: &[String], seq: u64) -> usize {
    let prefix = format!("{{\"seq\":{seq},");
    lines.iter().position(|l| l.starts_with(&prefix)).unwrap()
}

#[test]
fn chain_hash_is_the_concatenation_of_the_design() {
    let prev = [0xab; 32];
    let event = br#"{"action":"sign-in"}"#;
    let mut input = Vec::new();
    input.extend_from_slice(b"sealdrop audit v1");
    input.push(0);
    input.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 2]); // u64be(258)
    input.extend_from_slice(&prev);
    input.extend_from_slice(event);
    assert_eq!(
        chain_hash(258, &prev, event),
        *blake3::hash(&input).as_bytes()
    );
    // A pinned value, so that any change to the chain is a deliberate one.
    assert_eq!(
        hex::encode(chain_hash(1, &GENESIS, br#"{"action":"setup"}"#)),
        "313189735055334cd318cf7d187ff29df82ffb2d363dcb6c10b7b94330da351a"
    );
    assert_eq!(
        Head::GENESIS.append("{}").hash,
        chain_hash(1, &GENESIS, b"{}")
    );
}

#[test]
fn checkpoint_message_and_signature() {
    let hash = [0x11; 32];
    let m = checkpoint_message(0x0102, &hash, 0x0a0b);
    let mut expected = b"sealdrop audit checkpoint v1\0".to_vec();
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 2]);
    expected.extend_from_slice(&hash);
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x0a, 0x0b]);
    assert_eq!(m, expected);

    let sig = sign_checkpoint(&SECRET, 0x0102, &hash, 0x0a0b);
    assert!(verify_checkpoint(&public(), 0x0102, &hash, 0x0a0b, &sig));
    assert!(!verify_checkpoint(&public(), 0x0103, &hash, 0x0a0b, &sig));
    assert!(!verify_checkpoint(&public(), 0x0102, &hash, 0x0a0c, &sig));
    assert!(!verify_checkpoint(&[9; 32], 0x0102, &hash, 0x0a0b, &sig));
    // A small-order point pins nothing.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(!verify_checkpoint(&identity, 0x0102, &hash, 0x0a0b, &sig));
}

#[test]
fn public_key_is_rfc8032() {
    // RFC 8032 section 7.1, test 1.
    let secret: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
    assert_eq!(
        hex::encode(checkpoint_public_key(&secret)),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
}

#[test]
fn writers_produce_the_documented_lines() {
    let header = ExportHeader {
        from_seq: 1,
        to_seq: 2,
        filter: serde_json::Value::Null,
        exported_at_ms: 5,
    };
    assert_eq!(
        header_line(&header),
        r#"{"export":{"from_seq":1,"to_seq":2,"filter":null,"exported_at_ms":5}}"#
    );
    let e = r#"{"a":"b"}"#;
    let h = chain_hash(1, &GENESIS, e.as_bytes());
    assert_eq!(
        event_line(1, &GENESIS, &h, e),
        format!(
            r#"{{"seq":1,"prev":"{}","hash":"{}","event":"{{\"a\":\"b\"}}"}}"#,
            "0".repeat(64),
            hex::encode(h)
        )
    );
    let cp = Checkpoint::sign(&SECRET, &Head { seq: 1, hash: h }, 9);
    assert_eq!(
        checkpoint_line(&cp),
        format!(
            r#"{{"checkpoint":{{"seq":1,"hash":"{}","time_ms":9,"sig":"{}"}}}}"#,
            hex::encode(h),
            hex::encode(cp.sig)
        )
    );
}

#[test]
fn a_good_unfiltered_export_verifies() {
    let lines = export(250, 100);
    let r = verify(&lines).unwrap();
    assert_eq!((r.from_seq, r.to_seq), (1, 250));
    assert_eq!((r.first_seq, r.last_seq), (Some(1), Some(250)));
    assert_eq!((r.events, r.checkpoints, r.gaps, r.missing), (250, 3, 0, 0));
    assert!(!r.filtered);
    assert_eq!(r.newest_checkpoint.seq, 250);
    assert_eq!(
        r.to_string(),
        "Chain intact from 1 to 250; 3 checkpoints; newest checkpoint 1 minute before the export."
    );
    assert_eq!(
        r.as_of_now(),
        "Chain intact from 1 to 250; last checkpoint 1 minute ago (seq 250)."
    );
    // CRLF line ends and no final line end read the same.
    let crlf = lines.join("\r\n");
    assert_eq!(verify_export(&crlf, &public(), 30 * MINUTE).unwrap(), r);
}

#[test]
fn checkpoint_lines_may_come_anywhere_after_the_description() {
    let lines = export(250, 100);
    let (mut events, cps): (Vec<String>, Vec<String>) = lines
        .into_iter()
        .partition(|l| !l.starts_with("{\"checkpoint\""));
    let header = events.remove(0);
    let mut first = vec![header.clone()];
    first.extend(cps.iter().cloned());
    first.extend(events.iter().cloned());
    assert_eq!(verify(&first).unwrap().checkpoints, 3);
    let mut last = vec![header];
    last.extend(events);
    last.extend(cps);
    assert_eq!(verify(&last).unwrap().checkpoints, 3);
}

#[test]
fn editing_one_character_of_an_event_names_its_seq() {
    let mut lines = export(250, 100);
    let i = index_of(&lines, 137);
    lines[i] = lines[i].replacen("download.granted", "download.grantee", 1);
    let err = verify(&lines).unwrap_err();
    assert_eq!(
        err,
        VerifyError::HashMismatch {
            line: i + 1,
            seq: 137
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "line {} (seq 137): the hash does not match the event",
            i + 1
        )
    );
}

#[test]
fn a_rehashed_event_breaks_the_next_link() {
    let mut lines = export(250, 100);
    let i = index_of(&lines, 137);
    let e = event_text(137).replace("granted", "refused");
    let prev_hash: [u8; 32] = {
        let v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
        hex::decode(v["prev"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap()
    };
    lines[i] = event_line(
        137,
        &prev_hash,
        &chain_hash(137, &prev_hash, e.as_bytes()),
        &e,
    );
    let err = verify(&lines).unwrap_err();
    assert_eq!(
        err,
        VerifyError::BrokenLink {
            line: i + 2,
            seq: 138,
            prev_line: i + 1
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "line {} (seq 138): prev does not match the hash of seq 137 on line {}",
            i + 2,
            i + 1
        )
    );
}

#[test]
fn rewriting_the_last_event_is_caught_by_its_checkpoint() {
    let mut lines = export(250, 100);
    let i = index_of(&lines, 250);
    let e = event_text(250).replace("granted", "refused");
    let h249 = {
        let v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
        v["prev"].as_str().unwrap().to_owned()
    };
    let prev: [u8; 32] = hex::decode(h249).unwrap().try_into().unwrap();
    lines[i] = event_line(250, &prev, &chain_hash(250, &prev, e.as_bytes()), &e);
    assert_eq!(
        verify(&lines).unwrap_err(),
        VerifyError::CheckpointMismatch {
            line: i + 2,
            seq: 250,
            event_line: Some(i + 1)
        }
    );
}

#[test]
fn deleting_an_event_names_the_gap() {
    let mut lines = export(20, 100);
    lines.remove(index_of(&lines, 5));
    let err = verify(&lines).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Missing {
            first: 5,
            last: 5,
            after_line: Some(5),
            before_line: Some(6)
        }
    );
    assert_eq!(err.to_string(), "seq 5 is missing between lines 5 and 6");

    let mut lines = export(20, 100);
    lines.drain(index_of(&lines, 5)..=index_of(&lines, 9));
    assert_eq!(
        verify(&lines).unwrap_err().to_string(),
        "seqs 5 to 9 are missing between lines 5 and 6"
    );

    let mut lines = export(20, 100);
    lines.remove(index_of(&lines, 1));
    assert_eq!(
        verify(&lines).unwrap_err().to_string(),
        "seq 1 is missing before line 2, though the export says it begins at seq 1"
    );
}

#[test]
fn dropping_the_tail_is_caught() {
    // 1000 events, ten seconds apart: cut the last 300 (50 minutes) and their checkpoints.
    let n = 1000;
    let mut lines = vec![header_line(&ExportHeader {
        from_seq: 1,
        to_seq: n,
        filter: serde_json::Value::Null,
        exported_at_ms: T0 + n * 10_000 + MINUTE,
    })];
    let mut head = Head::GENESIS;
    for seq in 1..=n {
        let e = event_text(seq);
        let next = head.append(&e);
        lines.push(event_line(seq, &head.hash, &next.hash, &e));
        head = next;
        if seq % 100 == 0 {
            lines.push(checkpoint_line(&Checkpoint::sign(
                &SECRET,
                &head,
                T0 + seq * 10_000,
            )));
        }
    }
    assert!(verify(&lines).is_ok());
    let cut = index_of(&lines, 701);
    lines.truncate(cut);

    // Naively: the description still says 1000.
    assert_eq!(
        verify(&lines).unwrap_err().to_string(),
        format!(
            "seqs 701 to 1000 are missing after line {}, though the export says it ends at seq 1000",
            cut - 1
        )
    );

    // Carefully: the description rewritten to end at 700. Only the checkpoint's age tells.
    lines[0] = lines[0].replace("\"to_seq\":1000", "\"to_seq\":700");
    let err = verify(&lines).unwrap_err();
    assert_eq!(
        err,
        VerifyError::StaleCheckpoint {
            seq: 700,
            line: cut,
            age_ms: 300 * 10_000 + MINUTE,
            max_age_ms: 30 * MINUTE
        }
    );
    assert_eq!(
        err.to_string(),
        format!("the newest checkpoint (seq 700, line {cut}) is 51 minutes older than the export, more than the 30 minutes allowed: events after it may have been cut")
    );
}

#[test]
fn a_wrong_key_or_a_flipped_signature_byte_is_refused() {
    let lines = export(250, 100);
    let text = join(&lines);
    let first_cp = index_of(&lines, 100) + 1;
    let other = checkpoint_public_key(&[8; 32]);
    let err = verify_export(&text, &other, 30 * MINUTE).unwrap_err();
    assert_eq!(
        err,
        VerifyError::BadSignature {
            line: first_cp + 1,
            seq: 100
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "line {}: checkpoint signature (seq 100) does not verify with the pinned key",
            first_cp + 1
        )
    );

    let mut lines = export(250, 100);
    let i = index_of(&lines, 200) + 1;
    let mut cp: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
    let mut sig = hex::decode(cp["checkpoint"]["sig"].as_str().unwrap()).unwrap();
    sig[17] ^= 0x01;
    cp["checkpoint"]["sig"] = hex::encode(sig).into();
    lines[i] = cp.to_string();
    assert_eq!(
        verify(&lines).unwrap_err(),
        VerifyError::BadSignature {
            line: i + 1,
            seq: 200
        }
    );

    assert_eq!(
        verify_export(&text, &[0; 32], MINUTE).unwrap_err(),
        VerifyError::BadKey
    );
}

#[test]
fn a_checkpoint_signed_over_another_hash_is_refused() {
    let mut lines = export(250, 100);
    let i = index_of(&lines, 100) + 1;
    let forged = Checkpoint::sign(
        &SECRET,
        &Head {
            seq: 100,
            hash: [3; 32],
        },
        T0,
    );
    lines[i] = checkpoint_line(&forged);
    assert_eq!(
        verify(&lines).unwrap_err().to_string(),
        format!(
            "line {}: the checkpoint for seq 100 names a different hash from the chain's on line {}",
            i + 1,
            i
        )
    );
}

#[test]
fn a_filtered_export_verifies_and_its_gaps_are_the_filters() {
    let full = export(250, 100);
    let mut lines: Vec<String> = full
        .iter()
        .filter(|l| {
            if let Some(rest) = l.strip_prefix("{\"seq\":") {
                let seq: u64 = rest[..rest.find(',').unwrap()].parse().unwrap();
                // Two runs kept whole (to test links), the rest a sparse selection.
                (10..=12).contains(&seq) || (seq % 7 == 0 && seq != 250)
            } else {
                true
            }
        })
        .cloned()
        .collect();
    lines[0] = header_line(&ExportHeader {
        from_seq: 1,
        to_seq: 250,
        filter: serde_json::json!({"action": "download.granted", "actor": "acc7"}),
        exported_at_ms: T0 + 250 * 1000 + MINUTE,
    });
    let r = verify(&lines).unwrap();
    let kept: Vec<u64> = (1..=250)
        .filter(|s| (10..=12).contains(s) || (s % 7 == 0 && *s != 250))
        .collect();
    assert!(r.filtered);
    assert_eq!(r.events, kept.len() as u64);
    assert_eq!(r.missing, 250 - kept.len() as u64);
    // Runs absent: before 7, 8..9, 13, then between each multiple of 7, and 246..250.
    let mut gaps = 0;
    let mut next = 1;
    for &s in &kept {
        if s > next {
            gaps += 1;
        }
        next = s + 1;
    }
    gaps += 1; // 246..=250
    assert_eq!(r.gaps, gaps);
    assert_eq!((r.first_seq, r.last_seq), (Some(7), Some(245)));
    assert_eq!(
        r.to_string(),
        format!(
            "{} events intact between 1 and 250; 3 checkpoints; newest checkpoint 1 minute before the export; {gaps} gaps, all the filter's.",
            kept.len()
        )
    );

    // Editing a kept event is still caught.
    let i = index_of(&lines, 14);
    lines[i] = lines[i].replacen("acc14", "acc15", 1);
    assert_eq!(
        verify(&lines).unwrap_err(),
        VerifyError::HashMismatch {
            line: i + 1,
            seq: 14
        }
    );
}

#[test]
fn an_unfiltered_range_anchors_its_first_prev_on_a_checkpoint() {
    let full = export(250, 100);
    // Events 101..=250, with the checkpoint at 100 (the head just before the range).
    let start = index_of(&full, 100) + 1;
    let mut lines = vec![header_line(&ExportHeader {
        from_seq: 101,
        to_seq: 250,
        filter: serde_json::Value::Null,
        exported_at_ms: T0 + 250 * 1000 + MINUTE,
    })];
    lines.extend(full[start..].iter().cloned());
    let r = verify(&lines).unwrap();
    assert_eq!((r.events, r.checkpoints), (150, 3));

    // A first event whose prev is forged (and rehashed) no longer meets that checkpoint.
    lines[0] = lines[0].replace("\"to_seq\":250", "\"to_seq\":101");
    let e = event_text(101);
    let fake_prev = [5; 32];
    lines[2] = event_line(
        101,
        &fake_prev,
        &chain_hash(101, &fake_prev, e.as_bytes()),
        &e,
    );
    lines.truncate(3);
    assert_eq!(
        verify(&lines).unwrap_err(),
        VerifyError::CheckpointMismatch {
            line: 2,
            seq: 100,
            event_line: Some(3)
        }
    );
}

#[test]
fn the_first_event_must_start_from_genesis() {
    let e = event_text(1);
    let prev = [1; 32];
    let h = chain_hash(1, &prev, e.as_bytes());
    let lines = vec![
        header_line(&ExportHeader {
            from_seq: 1,
            to_seq: 1,
            filter: serde_json::Value::Null,
            exported_at_ms: T0,
        }),
        event_line(1, &prev, &h, &e),
        checkpoint_line(&Checkpoint::sign(&SECRET, &Head { seq: 1, hash: h }, T0)),
    ];
    assert_eq!(
        verify(&lines).unwrap_err(),
        VerifyError::NotGenesis { line: 2 }
    );
}

#[test]
fn order_range_and_checkpoint_presence() {
    let mut lines = export(20, 100);
    let i = index_of(&lines, 6);
    lines.insert(i + 1, lines[i].clone());
    assert_eq!(
        verify(&lines).unwrap_err().to_string(),
        format!(
            "line {} (seq 6): out of order, after seq 6 on line {}",
            i + 2,
            i + 1
        )
    );

    let mut lines = export(20, 100);
    lines[0] = lines[0].replace("\"to_seq\":20", "\"to_seq\":19");
    let i = index_of(&lines, 20);
    assert_eq!(
        verify(&lines).unwrap_err(),
        VerifyError::OutOfRange {
            line: i + 1,
            seq: 20,
            from_seq: 1,
            to_seq: 19
        }
    );

    let lines: Vec<String> = export(20, 100)
        .into_iter()
        .filter(|l| !l.starts_with("{\"checkpoint\""))
        .collect();
    assert_eq!(verify(&lines).unwrap_err(), VerifyError::NoCheckpoint);
    assert_eq!(
        verify_export("", &public(), MINUTE).unwrap_err(),
        VerifyError::Empty
    );
}

#[test]
fn an_idle_log_exports_and_verifies() {
    let lines = vec![
        header_line(&ExportHeader {
            from_seq: 1,
            to_seq: 0,
            filter: serde_json::Value::Null,
            exported_at_ms: T0 + MINUTE,
        }),
        checkpoint_line(&Checkpoint::sign(&SECRET, &Head::GENESIS, T0)),
    ];
    let r = verify(&lines).unwrap();
    assert_eq!((r.events, r.checkpoints), (0, 1));
    assert_eq!(
        r.to_string(),
        "Chain intact, with no events in the export; 1 checkpoint; newest checkpoint 1 minute before the export."
    );
    let forged = checkpoint_line(&Checkpoint::sign(
        &SECRET,
        &Head {
            seq: 0,
            hash: [1; 32],
        },
        T0,
    ));
    assert_eq!(
        verify(&[lines[0].clone(), forged]).unwrap_err().to_string(),
        "line 2: the checkpoint for seq 0 names a hash other than the start of the chain"
    );
}

fn first_error(replace_line: usize, with: &str) -> String {
    let mut lines = export(5, 100);
    lines[replace_line - 1] = with.to_owned();
    verify(&lines).unwrap_err().to_string()
}

#[test]
fn malformed_lines_are_named_by_line() {
    let good = export(5, 100);
    assert_eq!(
        first_error(3, "{\"seq\": 2, \"prev\""),
        "line 3: not JSON: EOF while parsing an object (column 17)"
    );
    assert_eq!(
        first_error(4, "not json"),
        "line 4: not JSON: expected ident (column 2)"
    );
    assert_eq!(first_error(4, "   "), "line 4: the line is empty");
    assert_eq!(
        first_error(1, &good[1]),
        "line 1: the first line must describe the export: {\"export\": {\"from_seq\", \"to_seq\", \"filter\", \"exported_at_ms\"}}"
    );
    assert_eq!(
        first_error(3, &good[0]),
        "line 3: a second description line; an export has one, first"
    );
    assert_eq!(
        first_error(3, &good[2].replacen("\"seq\"", "\"seqq\"", 1)),
        "line 3: unknown field `seqq`, expected one of `export`, `checkpoint`, `seq`, `prev`, `hash`, `event` (column 7)"
    );
    assert_eq!(
        first_error(3, &good[2].replacen("\"hash\"", "\"x\"", 1))
            .split(", expected")
            .next()
            .unwrap(),
        "line 3: unknown field `x`"
    );
    let v: serde_json::Value = serde_json::from_str(&good[2]).unwrap();
    let mut no_hash = v.clone();
    no_hash.as_object_mut().unwrap().remove("hash");
    no_hash.as_object_mut().unwrap().remove("prev");
    assert_eq!(
        first_error(3, &no_hash.to_string()),
        "line 3 (seq 2): an event line needs seq, prev, hash and event; prev and hash are missing"
    );
    let mut short = v.clone();
    short["hash"] = "abcd".into();
    assert!(first_error(3, &short.to_string())
        .starts_with("line 3: invalid length 4, expected 64 hex digits"));
    let mut object = v.clone();
    object["event"] = serde_json::json!({"a": 1});
    assert!(first_error(3, &object.to_string()).starts_with(
        "line 3: invalid type: map, expected the event's JSON text as a JSON string (column "
    ));
    let lone = good[2].replacen("\\\"", "\\ud800", 1);
    let e = first_error(3, &lone);
    assert!(
        e.starts_with("line 3: not JSON: unexpected end of hex escape (column "),
        "{e}"
    );
    let both = format!(
        "{{\"checkpoint\":{},\"seq\":1}}",
        &good[6][14..good[6].len() - 1]
    );
    assert!(first_error(7, &both).ends_with("not several"));
    let twice = good[2].replacen("{\"seq\":2,", "{\"seq\":2,\"seq\":2,", 1);
    assert!(first_error(3, &twice).starts_with("line 3: duplicate field `seq`"));
    let header = good[0].replace("\"from_seq\":1", "\"from_seq\":0");
    assert_eq!(
        first_error(1, &header),
        "line 1: from_seq is 0, but seqs begin at 1"
    );
}

/// A one-event export whose event line spells the event string as `spelled` (a JSON string
/// literal), hashed over `text`, the string that literal means.
fn one_event(spelled: &str, text: &str) -> Vec<String> {
    let h = chain_hash(1, &GENESIS, text.as_bytes());
    vec![
        header_line(&ExportHeader {
            from_seq: 1,
            to_seq: 1,
            filter: serde_json::Value::Null,
            exported_at_ms: T0,
        }),
        format!(
            r#"{{"seq":1,"prev":"{}","hash":"{}","event":{spelled}}}"#,
            hex::encode(GENESIS),
            hex::encode(h)
        ),
        checkpoint_line(&Checkpoint::sign(&SECRET, &Head { seq: 1, hash: h }, T0)),
    ]
}

#[test]
fn the_decoded_event_string_is_what_is_hashed() {
    // Any spelling of the same string hashes the same: escapes are decoded first.
    for (spelled, text) in [
        (r#""""#, ""),
        (r#""{\"a\":1}""#, r#"{"a":1}"#),
        (r#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{c}\n\r\t"),
        (r#""\u00e9\u20AC\ud83d\ude00 é 😀""#, "é€😀 é 😀"),
        (r#""\u0000 and \u001f""#, "\u{0} and \u{1f}"),
    ] {
        let lines = one_event(spelled, text);
        assert_eq!(verify(&lines).unwrap().events, 1, "{spelled}");
        // The undecoded spelling is not what was hashed.
        if spelled.contains('\\') {
            let raw = &spelled[1..spelled.len() - 1];
            let wrong = one_event(spelled, raw);
            assert!(matches!(
                verify(&wrong).unwrap_err(),
                VerifyError::HashMismatch { line: 2, seq: 1 }
            ));
        }
    }
    // Half a surrogate pair is no text, so it has no bytes to hash.
    for lone in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#] {
        let err = verify(&one_event(lone, "")).unwrap_err();
        assert!(
            matches!(err, VerifyError::NotJson { line: 2, .. }),
            "{lone}: {err}"
        );
    }
}

#[test]
fn hex_is_read_in_either_case_and_nothing_else() {
    let bytes: Vec<u8> = (0..=255).collect();
    let lower = hex::encode(&bytes);
    assert_eq!(decode_hex::<256>(lower.as_bytes()).unwrap().to_vec(), bytes);
    assert_eq!(
        decode_hex::<256>(lower.to_uppercase().as_bytes())
            .unwrap()
            .to_vec(),
        bytes
    );
    for bad in ["0g", "g0", " 0", "0 ", "+1", "\u{e9}"] {
        assert_eq!(decode_hex::<1>(bad.as_bytes()), None, "{bad}");
    }
    assert_eq!(decode_hex::<1>(b"012"), None);
}

/// Whether the fast reader takes `line`; where it does, serde must read the same event.
fn assert_same_reading(line: &str) -> bool {
    let mut fast_buf = hash_buffer();
    let Some(fast) = read_written_event(line, &mut fast_buf) else {
        return false;
    };
    let mut serde_buf = hash_buffer();
    serde_buf.extend_from_slice(b"left over from an earlier line");
    match parse_with_serde(2, line, &mut serde_buf) {
        Ok(Line::Event { seq, prev, hash }) => assert_eq!(fast, (seq, prev, hash), "{line}"),
        Ok(_) => panic!("serde reads {line} as another kind of line"),
        Err(e) => panic!("serde refuses {line}, which the fast reader took: {e}"),
    }
    assert_eq!(fast_buf, serde_buf, "{line}");
    true
}

#[test]
fn fast_reader_takes_the_writers_lines() {
    for line in export(20, 100).iter().filter(|l| l.starts_with("{\"seq\"")) {
        assert!(assert_same_reading(line), "{line}");
    }
    // And declines other spellings of the same event, which serde then reads.
    let line = &export(3, 100)[2];
    for other in [
        line.replacen(':', ": ", 1),
        format!("{line} "),
        line.replacen("{\"seq\":2", "{\"seq\":02", 1),
        line.replacen("{\"seq\":2", "{\"seq\":2.0", 1),
    ] {
        let mut buf = hash_buffer();
        assert!(read_written_event(&other, &mut buf).is_none(), "{other}");
    }
}

proptest::proptest! {
    /// Wherever the fast reader accepts a damaged line, serde reads the same seq, prev, hash
    /// and event bytes.
    #[test]
    fn fast_reader_agrees_with_serde(
        text in "\\PC{0,40}|[\\x00-\\x1f\"\\\\/\u{80}-\u{10ffff}]{0,20}",
        edits in proptest::collection::vec((0usize..400, 0usize..16, proptest::bool::ANY), 0..4),
    ) {
        const PIECES: [&str; 16] = [
            "\"", "\\", "\\u", "d800", "\\udc00", "dfff", "0", "00", "u", " ", "}", ",", "\u{1}", "é", "A", "\\ud83d\\ude00",
        ];
        let h = chain_hash(7, &[1; 32], text.as_bytes());
        let mut line = event_line(7, &[1; 32], &h, &text);
        proptest::prop_assert!(assert_same_reading(&line));
        for (at, piece, delete) in edits {
            let mut at = at.min(line.len());
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            if delete {
                if let Some(c) = line[at..].chars().next() {
                    line.replace_range(at..at + c.len_utf8(), "");
                }
            } else {
                line.insert_str(at, PIECES[piece]);
            }
            assert_same_reading(&line);
        }
    }

    #[test]
    fn any_event_text_round_trips(s in "\\PC*|[\\x00-\\x1f\"\\\\/\u{80}-\u{10ffff}]*") {
        let h = chain_hash(1, &GENESIS, s.as_bytes());
        let lines = vec![
            header_line(&ExportHeader {
                from_seq: 1,
                to_seq: 1,
                filter: serde_json::Value::Null,
                exported_at_ms: T0,
            }),
            event_line(1, &GENESIS, &h, &s),
            checkpoint_line(&Checkpoint::sign(&SECRET, &Head { seq: 1, hash: h }, T0)),
        ];
        proptest::prop_assert_eq!(verify(&lines).unwrap().events, 1);
    }

    #[test]
    fn verifier_never_panics_on_a_damaged_line(cut in 0usize..400, byte in 0u8..128) {
        let mut lines = export(3, 100);
        let line = &mut lines[2];
        let at = cut.min(line.len());
        if line.is_char_boundary(at) {
            line.insert(at, byte as char);
            let _ = verify(&lines);
        }
    }
}

#[test]
fn durations_read_naturally() {
    assert_eq!(describe_duration(0), "0 seconds");
    assert_eq!(describe_duration(999), "less than a second");
    assert_eq!(describe_duration(1_000), "1 second");
    assert_eq!(describe_duration(4 * MINUTE + 5_000), "4 minutes 5 seconds");
    assert_eq!(describe_duration(3 * 60 * MINUTE), "3 hours");
    assert_eq!(describe_duration(61 * MINUTE + 30_000), "1 hour 1 minute");
    assert_eq!(
        describe_duration(2 * 86_400_000 + 3_600_000),
        "2 days 1 hour"
    );
    assert_eq!(group_thousands(104_233), "104,233");
    assert_eq!(group_thousands(1_000_000), "1,000,000");
    assert_eq!(group_thousands(999), "999");
}
