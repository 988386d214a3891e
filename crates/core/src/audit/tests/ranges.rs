//! Filtered exports, ranges, the first event's link to genesis, the order of lines and an idle
//! log.

use super::*;

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
