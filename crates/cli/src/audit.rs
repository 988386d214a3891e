//! `sealdrop audit verify`, which checks an access-log export (architecture.md, Access log)
//! against a pinned checkpoint key with [`sealdrop_core::audit::verify_export`]: the same code the
//! worker runs, so the two cannot disagree about a file. It keeps a parser of its own (clap hands
//! it the words after `audit`), because its exit statuses (0 verified, 1 does not verify, 2 bad
//! usage) are what scripts that check exports rely on.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use sealdrop_core::audit::{verify_export, Report, VerifyError};
use sealdrop_core::encoding::{b64_decode_array, b64_encode};

const USAGE: &str = "\
usage: sealdrop audit verify <export.jsonl> --key <public key> [--max-age-minutes N]

Verifies an access-log export (JSON Lines, as the admin console exports it; `-` reads standard
input) against the pinned Ed25519 checkpoint key: every event hash, the seq sequence, every
checkpoint signature, and that the newest checkpoint is at most N minutes older than the export.

  --key <public key>       the checkpoint public key the console shows: base64url (43
                           characters) or hex (64 digits)
  --max-age-minutes <N>    how much older than the export the newest checkpoint may be before
                           the tail counts as cut (default 15)

Exit status: 0 verified, 1 does not verify, 2 bad usage or unreadable file.";

/// The default for `--max-age-minutes`: the worker's, a checkpoint interval and a late run.
const DEFAULT_MAX_AGE_MINUTES: u64 = sealdrop_core::audit::MAX_CHECKPOINT_AGE_MS / 60_000;

/// A parsed `audit verify` command.
///
/// Invariant: `key` is 32 bytes decoded from a well-formed spelling (whether it is a usable
/// Ed25519 point is the verifier's to say); `max_age_ms` did not overflow.
#[derive(Debug, PartialEq, Eq)]
struct VerifyArgs {
    /// `None` for standard input (`-`).
    path: Option<PathBuf>,
    key: [u8; 32],
    max_age_ms: u64,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    AuditVerify(VerifyArgs),
}

/// Runs `sealdrop audit …`; `args` are the words after the program's name.
pub fn run(args: &[OsString]) -> ExitCode {
    match parse(args) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::AuditVerify(args)) => audit_verify(&args),
        Err(why) => {
            eprintln!("sealdrop: {why}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse(args: &[OsString]) -> Result<Command, String> {
    let mut args = args.iter();
    let first = args.next().map(|a| a.to_str());
    match first {
        None => return Err("no command given".into()),
        Some(Some("-h" | "--help" | "help")) => return Ok(Command::Help),
        Some(Some("audit")) => {}
        Some(other) => {
            return Err(format!(
                "unknown command {:?}",
                other.unwrap_or("(not UTF-8)")
            ))
        }
    }
    match args.next().map(|a| a.to_str()) {
        Some(Some("verify")) => {}
        Some(Some("-h" | "--help")) => return Ok(Command::Help),
        None => return Err("`audit` needs a subcommand: verify".into()),
        Some(other) => {
            return Err(format!(
                "unknown audit subcommand {:?}",
                other.unwrap_or("(not UTF-8)")
            ))
        }
    }

    let (mut path, mut key, mut max_age_minutes) = (None, None, None);
    let mut options_done = false;
    while let Some(arg) = args.next() {
        let text = arg.to_str();
        if options_done || !text.is_some_and(|t| t.starts_with("--") || t == "-h") {
            if path.replace(arg).is_some() {
                return Err("give one export file".into());
            }
            continue;
        }
        let text = text.unwrap_or_default();
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (text, None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_owned()),
                None => args
                    .next()
                    .and_then(|v| v.to_str())
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match name {
            "--" => options_done = true,
            "-h" | "--help" => return Ok(Command::Help),
            "--key" => key = Some(parse_key(&value("--key")?)?),
            "--max-age-minutes" => {
                let v = value("--max-age-minutes")?;
                let n: u64 = v.parse().map_err(|_| {
                    format!("--max-age-minutes must be a whole number of minutes, not {v:?}")
                })?;
                max_age_minutes = Some(n);
            }
            _ => return Err(format!("unknown option {name}")),
        }
    }

    let path = path.ok_or("give the export file to verify")?;
    let key = key.ok_or("--key is required: the checkpoint public key to pin")?;
    let max_age_ms = max_age_minutes
        .unwrap_or(DEFAULT_MAX_AGE_MINUTES)
        .checked_mul(60_000)
        .ok_or("--max-age-minutes is too large")?;
    Ok(Command::AuditVerify(VerifyArgs {
        path: (path != "-").then(|| PathBuf::from(path)),
        key,
        max_age_ms,
    }))
}

/// An Ed25519 public key as base64url (43 characters, no padding) or hex (64 digits).
fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let decoded = match text.len() {
        64 => {
            let mut key = [0u8; 32];
            hex::decode_to_slice(text, &mut key).ok().map(|()| key)
        }
        43 => b64_decode_array::<32>(text, "the key").ok(),
        _ => None,
    };
    decoded.ok_or_else(|| {
        "--key must be an Ed25519 public key in base64url (43 characters) or hex (64 digits)".into()
    })
}

fn audit_verify(args: &VerifyArgs) -> ExitCode {
    let (name, bytes) = match read_input(args.path.as_ref()) {
        Ok(read) => read,
        Err((name, e)) => {
            eprintln!("sealdrop: cannot read {name}: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.as_bytes();
            let line = bytes[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            println!("{name} does not verify: line {line}: not UTF-8 text.");
            return ExitCode::from(1);
        }
    };
    match verify_export(&text, &args.key, args.max_age_ms) {
        Ok(report) => {
            println!("{report}");
            println!("{}", newest_checkpoint(&report));
            ExitCode::SUCCESS
        }
        Err(VerifyError::BadKey) => {
            eprintln!("sealdrop: {}\n\n{USAGE}", VerifyError::BadKey);
            ExitCode::from(2)
        }
        Err(e) => {
            println!("{name} does not verify: {e}.");
            ExitCode::from(1)
        }
    }
}

type ReadFailure = (String, std::io::Error);

fn read_input(path: Option<&PathBuf>) -> Result<(String, Vec<u8>), ReadFailure> {
    match path {
        Some(path) => {
            let name = path.display().to_string();
            std::fs::read(path)
                .map(|b| (name.clone(), b))
                .map_err(|e| (name, e))
        }
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map(|_| ("the export".to_owned(), bytes))
                .map_err(|e| ("standard input".to_owned(), e))
        }
    }
}

/// The newest checkpoint spelled out: `exported_at_ms` is not signed, so someone who cut the tail
/// could also move it; only a copy of a later checkpoint kept elsewhere (the console, a witness)
/// shows that. This line is what to compare.
fn newest_checkpoint(report: &Report) -> String {
    let cp = &report.newest_checkpoint;
    format!(
        "Newest checkpoint: seq {}, {}, hash {} (base64url {}). Compare it with a copy kept outside sealdrop.",
        cp.seq,
        utc(cp.time_ms),
        hex::encode(cp.hash),
        b64_encode(&cp.hash)
    )
}

/// Milliseconds since the Unix epoch as "2026-01-01 00:00:00 UTC".
fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's `civil_from_days`),
/// so that printing a date needs no dependency.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    const HEX: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn key() -> [u8; 32] {
        hex::decode(HEX).unwrap().try_into().unwrap()
    }

    #[test]
    fn parses_the_verify_command() {
        let expected = Command::AuditVerify(VerifyArgs {
            path: Some("x.jsonl".into()),
            key: key(),
            max_age_ms: 15 * 60_000,
        });
        assert_eq!(
            parse(&args(&["audit", "verify", "x.jsonl", "--key", HEX])),
            Ok(expected)
        );
        let b64 = b64_encode(&key());
        assert_eq!(
            parse(&args(&[
                "audit",
                "verify",
                &format!("--key={b64}"),
                "--max-age-minutes",
                "5",
                "--",
                "-"
            ])),
            Ok(Command::AuditVerify(VerifyArgs {
                path: None,
                key: key(),
                max_age_ms: 5 * 60_000
            }))
        );
        assert_eq!(parse(&args(&["--help"])), Ok(Command::Help));
        assert_eq!(
            parse(&args(&["audit", "verify", "x", "--help"])),
            Ok(Command::Help)
        );
    }

    #[test]
    fn refuses_bad_usage() {
        for bad in [
            &[][..],
            &["audit"],
            &["audit", "check"],
            &["verify", "x"],
            &["audit", "verify", "x"],
            &["audit", "verify", "--key", HEX],
            &["audit", "verify", "x", "y", "--key", HEX],
            &["audit", "verify", "x", "--key"],
            &["audit", "verify", "x", "--key", &HEX[1..]],
            &[
                "audit",
                "verify",
                "x",
                "--key",
                HEX,
                "--max-age-minutes",
                "-1",
            ],
            &[
                "audit",
                "verify",
                "x",
                "--key",
                HEX,
                "--max-age-minutes",
                "1e9",
            ],
            &[
                "audit",
                "verify",
                "x",
                "--key",
                HEX,
                "--max-age-minutes",
                "999999999999999999",
            ],
            &["audit", "verify", "x", "--key", HEX, "--frobnicate"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn keys_in_both_spellings() {
        assert_eq!(parse_key(HEX), Ok(key()));
        assert_eq!(parse_key(&HEX.to_uppercase()), Ok(key()));
        assert_eq!(parse_key(&b64_encode(&key())), Ok(key()));
        assert!(parse_key(&format!("{}=", b64_encode(&key()))).is_err());
        assert!(parse_key(&HEX.replace('d', "g")).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_767_225_600_000), "2026-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000 + 86_399_999), "2000-02-29 23:59:59 UTC");
        assert_eq!(utc(4_107_542_400_000), "2100-03-01 00:00:00 UTC");
    }
}
