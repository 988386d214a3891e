//! Unfiltered exports: a good one verifies, and every edit, deletion, cut tail or bad
//! signature is named where it is.

use super::*;

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
