//! The audit module's tests. Here: the chain and checkpoint bytes and the export writers, with
//! the helpers that build exports; beside it, every way the verifier must refuse a broken file
//! (tampering), filtered and ranged exports (ranges), and how lines are read (reading).

mod ranges;
mod reading;
mod tampering;

use super::read::*;
use super::report::group_thousands;
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
