//! `sealdrop`: the native command line (the library `sealdrop_cli` holds its commands). This file
//! only parses arguments, runs the command and turns its error into an exit status.

use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use sealdrop_cli::client::Client;
use sealdrop_cli::error::{exit, CliError, Result};
use sealdrop_cli::login::Answers;
use sealdrop_cli::ui::Ui;
use sealdrop_cli::{audit, get, login, requests, send};

const AFTER_HELP: &str = "\
Exit status: 0 done; 1 failed on this machine (a file, the login); 2 bad usage; 3 refused by the
server (an unknown, revoked or expired key, an ended link, a limit); 4 tampered (what arrived did
not verify: nothing of it was kept); 5 network (no answer, after the retries: run the same
command again, it goes on where it stopped).

Secrets never go on the command line: passwords with --password-stdin, a link with --link-stdin,
the login's passphrase in SEALDROP_PASSPHRASE or at the prompt.";

#[derive(Parser)]
#[command(name = "sealdrop", version, about = "End-to-end encrypted file drop: send, fetch, ask for and collect files.", after_help = AFTER_HELP)]
struct Cli {
    /// One JSON object per result on standard output, no progress bars.
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars and no notes; results (links, files) are still printed.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Stores an API key and your account key on this machine, unlocked with your password and
    /// emergency kit (read from standard input, one per line, when it is not a terminal: API key,
    /// password, kit, then the passphrase unless SEALDROP_PASSPHRASE is set).
    Login {
        /// The server, like https://drop.example.org.
        #[arg(long, env = "SEALDROP_SERVER")]
        server: String,
    },
    /// Seals FILEs here, uploads them as one share and prints its link.
    Send {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How long the link works: 30m, 12h, 7d (at most the policy's longest).
        #[arg(long, default_value = "7d")]
        expires: String,
        /// How many downloads the link allows (none: unlimited until it expires).
        #[arg(long)]
        downloads: Option<u64>,
        /// Reads a password for the share from standard input (its first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Fetches the files of a share link, verifies them and writes them into DIR.
    Get {
        /// The link; or use --link-stdin to keep it out of the process list and history.
        link: Option<String>,
        #[arg(long)]
        link_stdin: bool,
        #[arg(short = 'o', long = "out", default_value = ".")]
        out: PathBuf,
        /// Reads the share's password from standard input (the line after the link, with
        /// --link-stdin).
        #[arg(long)]
        password_stdin: bool,
    },
    /// File requests: links partners upload to, with no account.
    Request {
        #[command(subcommand)]
        command: RequestCmd,
    },
    /// What partners sent to your requests.
    Inbox {
        #[command(subcommand)]
        command: InboxCmd,
    },
    /// Access-log exports: `sealdrop audit verify <export.jsonl> --key <public key>` (see
    /// `sealdrop audit --help`).
    #[command(disable_help_flag = true)]
    Audit {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Subcommand)]
enum RequestCmd {
    /// Makes a request and prints the partner's link and the key fingerprint to read out.
    Create {
        #[arg(long)]
        label: String,
        #[arg(long, default_value = "")]
        message: String,
        #[arg(long, default_value = "14d")]
        expires: String,
        #[arg(long, default_value_t = 20)]
        max_files: u64,
        /// Most bytes in all, like 500MB or 10GB.
        #[arg(long, default_value = "10GB")]
        max_bytes: String,
    },
}

#[derive(Subcommand)]
enum InboxCmd {
    /// Your requests, with what they received and what is unread.
    List,
    /// Decrypts unread files into DIR, marks them read and appends DIR/receipts.jsonl.
    Pull {
        /// Only this request.
        #[arg(long)]
        request: Option<String>,
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// Runs CMD on each file before it lands (its path is the last argument); a non-zero exit
        /// puts the file in DIR/quarantine.
        #[arg(long)]
        exec: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let ui = Ui {
        quiet: cli.quiet,
        json: cli.json,
    };
    if let Cmd::Audit { args } = &cli.command {
        let mut all = vec![OsString::from("audit")];
        all.extend(args.iter().cloned());
        return audit::run(&all);
    }
    match run(cli.command, &ui) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if ui.json {
                println!(
                    "{}",
                    serde_json::json!({ "error": { "code": e.code(), "status": e.status(), "message": e.to_string() } })
                );
            }
            eprintln!("sealdrop: {e}");
            ExitCode::from(e.exit_status())
        }
    }
}

fn run(command: Cmd, ui: &Ui) -> Result<()> {
    match command {
        Cmd::Login { server } => {
            let login = login::login(&server, &mut Answers::from_stdin())?;
            ui.result(
                &format!("Logged in to {} as {}.", login.server, login.email),
                serde_json::json!({ "server": login.server, "email": login.email, "generation": login.generation }),
            );
        }
        Cmd::Send {
            files,
            expires,
            downloads,
            password_stdin,
        } => {
            let password = if password_stdin {
                Some(stdin_line("the password")?)
            } else {
                None
            };
            let options = send::SendOptions {
                expires_ms: duration_ms(&expires)?,
                downloads,
                password,
            };
            let login = login::load(&mut Answers::from_stdin())?;
            let client = Client::new(&login.server);
            let link = send::send(&client, &login.api_key, &files, &options, ui)?;
            ui.essential(&link, serde_json::json!({ "link": link }));
        }
        Cmd::Get {
            link,
            link_stdin,
            out,
            password_stdin,
        } => {
            let mut lines = StdinLines::new();
            let text = match (link, link_stdin) {
                (Some(l), false) => Zeroizing::new(l),
                (None, true) => lines.next("the link")?,
                _ => {
                    return Err(CliError::Usage(
                        "Give the link, or --link-stdin, not both.".into(),
                    ))
                }
            };
            let link = get::parse_link(&text)?;
            let password = if password_stdin {
                Some(lines.next("the password")?)
            } else {
                None
            };
            for r in get::get(&link, &out, password.as_deref().map(|p| p.as_str()), ui)? {
                ui.essential(
                    &format!("{}  {} bytes  {}", r.path.display(), r.size, r.content_id),
                    serde_json::json!({ "path": r.path, "size": r.size, "content_id": r.content_id }),
                );
            }
        }
        Cmd::Request {
            command:
                RequestCmd::Create {
                    label,
                    message,
                    expires,
                    max_files,
                    max_bytes,
                },
        } => {
            let login = login::load(&mut Answers::from_stdin())?;
            let made = requests::create(
                &login,
                &requests::NewRequest {
                    label,
                    message,
                    expires_ms: duration_ms(&expires)?,
                    max_files,
                    max_bytes: bytes(&max_bytes)?,
                },
            )?;
            ui.essential(
                &format!("{}\nKey fingerprint: {}", made.link, made.fingerprint),
                serde_json::json!({ "id": made.id, "link": made.link, "fingerprint": made.fingerprint }),
            );
        }
        Cmd::Inbox {
            command: InboxCmd::List,
        } => {
            let login = login::load(&mut Answers::from_stdin())?;
            for r in requests::list(&login)? {
                ui.essential(
                    &format!("{}  {}  {} files, {} unread  {}", r.id, r.state, r.files, r.unread, r.label),
                    serde_json::json!({ "id": r.id, "label": r.label, "state": r.state, "files": r.files, "unread": r.unread, "bytes": r.bytes, "expires_at": r.expires_at }),
                );
            }
        }
        Cmd::Inbox {
            command: InboxCmd::Pull { request, out, exec },
        } => {
            let login = login::load(&mut Answers::from_stdin())?;
            for p in requests::pull(&login, request.as_deref(), &out, exec.as_deref(), ui)? {
                ui.essential(
                    &format!(
                        "{}{}  {} bytes  {}  request {}",
                        p.path.display(),
                        if p.quarantined { "  (quarantined)" } else { "" },
                        p.size,
                        p.content_id,
                        p.request
                    ),
                    serde_json::json!({ "name": p.name, "path": p.path, "size": p.size, "content_id": p.content_id, "request": p.request, "received_at": p.received_at, "quarantined": p.quarantined }),
                );
            }
        }
        Cmd::Audit { .. } => unreachable!("answered in main"),
    }
    Ok(())
}

/// Lines of standard input, for secrets given there instead of on the command line.
struct StdinLines(Option<std::io::Lines<std::io::StdinLock<'static>>>);

impl StdinLines {
    fn new() -> Self {
        use std::io::BufRead;
        StdinLines(Some(std::io::stdin().lock().lines()))
    }

    fn next(&mut self, what: &str) -> Result<Zeroizing<String>> {
        match self.0.as_mut().and_then(|l| l.next()) {
            Some(Ok(line)) => Ok(Zeroizing::new(line.trim_end_matches('\r').to_string())),
            _ => Err(CliError::Usage(format!(
                "Standard input ended before {what}."
            ))),
        }
    }
}

fn stdin_line(what: &str) -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("{what}: "))
            .map(Zeroizing::new)
            .map_err(CliError::io("The terminal could not be read"));
    }
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(CliError::io("Standard input could not be read"))?;
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or("").to_string(),
    ))
}

/// `30m`, `12h`, `7d` in milliseconds.
fn duration_ms(text: &str) -> Result<u64> {
    let bad = || {
        CliError::Usage(format!(
            "“{text}” is not a duration: write it like 30m, 12h or 7d."
        ))
    };
    let (number, unit) = text.trim().split_at(text.trim().len().saturating_sub(1));
    let n: u64 = number.parse().map_err(|_| bad())?;
    let per = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(per).filter(|ms| *ms > 0).ok_or_else(bad)
}

/// `500MB`, `10GB`, `1024` (bytes) in bytes; decimal units.
fn bytes(text: &str) -> Result<u64> {
    let bad = || {
        CliError::Usage(format!(
            "“{text}” is not a size: write it like 500MB or 10GB."
        ))
    };
    let t = text.trim().to_ascii_uppercase();
    let (number, per) = [
        ("TB", 1_000_000_000_000u64),
        ("GB", 1_000_000_000),
        ("MB", 1_000_000),
        ("KB", 1_000),
        ("B", 1),
    ]
    .iter()
    .find_map(|(unit, per)| t.strip_suffix(unit).map(|n| (n.trim().to_string(), *per)))
    .unwrap_or((t.clone(), 1));
    let n: u64 = number.parse().map_err(|_| bad())?;
    n.checked_mul(per).filter(|b| *b > 0).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(duration_ms("7d").unwrap(), 7 * 86_400_000);
        assert_eq!(duration_ms("30m").unwrap(), 1_800_000);
        assert!(
            duration_ms("7").is_err() && duration_ms("0d").is_err() && duration_ms("xd").is_err()
        );
        assert_eq!(bytes("10GB").unwrap(), 10_000_000_000);
        assert_eq!(bytes("512").unwrap(), 512);
        assert!(bytes("lots").is_err() && bytes("0MB").is_err());
    }
}
