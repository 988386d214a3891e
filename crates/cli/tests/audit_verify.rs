//! `sealdrop audit verify` as a user runs it: a file written with the core's writers (as the worker
//! writes it), the exit status and the one sentence printed.

use std::path::PathBuf;
use std::process::{Command, Output};

use sealdrop_core::audit::{
    checkpoint_line, checkpoint_public_key, event_line, header_line, Checkpoint, ExportHeader, Head,
};
use sealdrop_core::encoding::b64_encode;

const SECRET: [u8; 32] = [42; 32];
const T0: u64 = 1_767_225_600_000;

/// 1,200 events a second apart, a checkpoint every 500 and at the end, exported a minute later.
fn export() -> Vec<String> {
    let n = 1_200;
    let mut lines = vec![header_line(&ExportHeader {
        from_seq: 1,
        to_seq: n,
        filter: serde_json::Value::Null,
        exported_at_ms: T0 + n * 1000 + 60_000,
    })];
    let mut head = Head::GENESIS;
    for seq in 1..=n {
        let e = format!(r#"{{"seq_note":{seq},"action":"download.granted","outcome":"granted"}}"#);
        let next = head.append(&e);
        lines.push(event_line(seq, &head.hash, &next.hash, &e));
        head = next;
        if seq % 500 == 0 || seq == n {
            lines.push(checkpoint_line(&Checkpoint::sign(
                &SECRET,
                &head,
                T0 + seq * 1000,
            )));
        }
    }
    lines
}

fn write(name: &str, lines: &[String]) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn sealdrop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sealdrop"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn key_hex() -> String {
    hex::encode(checkpoint_public_key(&SECRET))
}

#[test]
fn a_good_export_verifies_with_either_key_spelling() {
    let path = write("good.jsonl", &export());
    let path = path.to_str().unwrap();
    for key in [key_hex(), b64_encode(&checkpoint_public_key(&SECRET))] {
        let out = sealdrop(&["audit", "verify", path, "--key", &key]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let text = stdout(&out);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "Chain intact from 1 to 1,200; 3 checkpoints; newest checkpoint 1 minute before the export."
        );
        assert!(lines
            .next()
            .unwrap()
            .starts_with("Newest checkpoint: seq 1200, 2026-01-01 00:20:00 UTC, hash "));
    }
}

#[test]
fn a_tampered_export_fails_with_the_place() {
    let mut lines = export();
    lines[8] = lines[8].replacen("granted", "refused", 1); // seq 8
    let path = write("tampered.jsonl", &lines);
    let out = sealdrop(&[
        "audit",
        "verify",
        path.to_str().unwrap(),
        "--key",
        &key_hex(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!(
            "{} does not verify: line 9 (seq 8): the hash does not match the event.\n",
            path.display()
        )
    );
}

#[test]
fn the_age_limit_is_the_callers() {
    let path = write("aged.jsonl", &export());
    let path = path.to_str().unwrap();
    let out = sealdrop(&[
        "audit",
        "verify",
        path,
        "--key",
        &key_hex(),
        "--max-age-minutes",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out)
        .contains("the newest checkpoint (seq 1200, line 1204) is 1 minute older than the export"));
}

#[test]
fn bad_usage_exits_2() {
    let path = write("usage.jsonl", &export());
    let path = path.to_str().unwrap();
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-export.jsonl");
    for args in [
        vec![],
        vec!["audit", "verify", path],
        vec!["audit", "verify", path, "--key", "abc"],
        vec!["audit", "verify", path, "--key", &"00".repeat(32)],
        vec![
            "audit",
            "verify",
            missing.to_str().unwrap(),
            "--key",
            &key_hex(),
        ],
    ] {
        let out = sealdrop(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let help = sealdrop(&["audit", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).starts_with("usage: sealdrop audit verify"));
    let all = sealdrop(&["--help"]);
    assert_eq!(all.status.code(), Some(0));
    for command in ["send", "get", "request", "inbox", "login", "audit"] {
        assert!(stdout(&all).contains(command), "{command} is in the help");
    }
}
