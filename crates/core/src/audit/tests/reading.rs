//! How lines are read: malformed lines named by number, the decoded event string as what is
//! hashed, hex in either case, the fast reader against serde, and durations for people.

use super::*;

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
