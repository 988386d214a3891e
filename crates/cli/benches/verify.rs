//! Throughput of `verify_export` on a signed export of 100,000 events: prints events per second
//! (best of 5). Figures only, never a pass or fail.
//!
//! `cargo bench -p sealdrop-cli --bench verify`. Without `--bench` (as under `cargo test
//! --all-targets`) it checks a small export once and prints nothing timed.

use std::time::Instant;

use sealdrop_core::audit::{
    checkpoint_line, checkpoint_public_key, event_line, header_line, verify_export, Checkpoint,
    ExportHeader, Head,
};

const SECRET: [u8; 32] = [0x5e; 32];
const T0: u64 = 1_767_225_600_000;
const ACTIONS: [(&str, &str); 6] = [
    ("download.granted", "granted"),
    ("upload.completed", "granted"),
    ("share.created", "granted"),
    ("proof.refused", "wrong proof"),
    ("signin.failed", "bad password"),
    ("download.receipt", "granted"),
];

/// A small xorshift: varied but reproducible ids and addresses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn id(&mut self) -> String {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..22)
            .map(|_| B64[(self.next() % 64) as usize] as char)
            .collect()
    }
}

/// An event row like the worker's: about 250 bytes of JSON.
fn event(rng: &mut Rng, seq: u64) -> String {
    let (action, outcome) = ACTIONS[(rng.next() % ACTIONS.len() as u64) as usize];
    format!(
        r#"{{"time_ms":{},"actor":{{"kind":"staff","id":"{}"}},"ip":"203.0.113.{}","ua":"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0","action":"{action}","object":{{"share":"{}"}},"outcome":"{outcome}","bytes":{}}}"#,
        T0 + seq * 750,
        rng.id(),
        rng.next() % 256,
        rng.id(),
        rng.next() % 100_000_000,
    )
}

/// An unfiltered export of `n` events with a checkpoint every 1,000 and at the end.
fn export(n: u64) -> (String, u64) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = header_line(&ExportHeader {
        from_seq: 1,
        to_seq: n,
        filter: serde_json::Value::Null,
        exported_at_ms: T0 + n * 750 + 60_000,
    });
    out.push('\n');
    let mut head = Head::GENESIS;
    let mut event_bytes = 0;
    for seq in 1..=n {
        let e = event(&mut rng, seq);
        event_bytes += e.len() as u64;
        let next = head.append(&e);
        out.push_str(&event_line(seq, &head.hash, &next.hash, &e));
        out.push('\n');
        head = next;
        if seq % 1_000 == 0 || seq == n {
            out.push_str(&checkpoint_line(&Checkpoint::sign(
                &SECRET,
                &head,
                T0 + seq * 750,
            )));
            out.push('\n');
        }
    }
    (out, event_bytes / n)
}

fn main() {
    let public = checkpoint_public_key(&SECRET);
    let max_age_ms = 60 * 60_000;
    if !std::env::args().any(|a| a == "--bench") {
        let (text, _) = export(1_000);
        verify_export(&text, &public, max_age_ms).expect("the bench's export verifies");
        return;
    }

    let n = 100_000;
    let (text, event_len) = export(n);
    println!(
        "verify_export: {n} events ({event_len} bytes of event JSON each, {:.1} MB of export, {} checkpoints)",
        text.len() as f64 / 1e6,
        n / 1_000
    );
    report("as the writers spell it", &text, n, &public, max_age_ms);
    // Another exporter's spelling (here a space after "seq":) is read by serde_json alone.
    let spaced = text.replace("{\"seq\":", "{\"seq\": ");
    report(
        "spelled otherwise (serde only)",
        &spaced,
        n,
        &public,
        max_age_ms,
    );
}

fn report(what: &str, text: &str, n: u64, public: &[u8; 32], max_age_ms: u64) {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let report = verify_export(text, public, max_age_ms).expect("the export verifies");
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(report.events, n);
        best = best.min(secs);
    }
    println!(
        "  {what}: best of 5 {:.1} ms, {:.0} events/s, {:.0} MB/s",
        best * 1e3,
        n as f64 / best,
        text.len() as f64 / best / 1e6
    );
}
