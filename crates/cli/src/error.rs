//! The one error of the command line: a case per failure a person or a script can act on, each
//! with its exit status and one sentence that says what to do. Nothing here panics or prints a
//! backtrace; `main` prints the sentence and exits with the status.

use std::fmt;

/// Exit statuses, documented in the README and `sealdrop --help`.
pub mod exit {
    pub const OK: u8 = 0;
    /// Something on this machine failed: a file, the login, the keyring of the command line.
    pub const FAILED: u8 = 1;
    /// The command line was wrong (clap's own status for bad usage).
    pub const USAGE: u8 = 2;
    /// The server refused: an unknown, revoked or expired key, an ended link, a limit.
    pub const REFUSED: u8 = 3;
    /// What arrived did not verify: a changed byte, a wrong key, a manifest that does not vouch.
    pub const TAMPERED: u8 = 4;
    /// The server could not be reached, or kept failing, after the retries.
    pub const NETWORK: u8 = 5;
}

#[derive(Debug)]
pub enum CliError {
    /// Bad arguments or input given to a command (a link that is not one, no files).
    Usage(String),
    /// The server answered with a refusal: its status, its stable code and its sentence.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// Verification failed; nothing of the file is kept.
    Tampered(String),
    /// No answer, or 5xx after every retry.
    Network(String),
    /// A local failure: the file system, the stored login, the passphrase.
    Local(String),
}

impl CliError {
    pub fn exit_status(&self) -> u8 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            CliError::Refused { .. } => exit::REFUSED,
            CliError::Tampered(_) => exit::TAMPERED,
            CliError::Network(_) => exit::NETWORK,
            CliError::Local(_) => exit::FAILED,
        }
    }

    /// The HTTP status of a refusal (0 for one this command line made itself), for `--json`.
    pub fn status(&self) -> u16 {
        match self {
            CliError::Refused { status, .. } => *status,
            _ => 0,
        }
    }

    /// The machine code for `--json`.
    pub fn code(&self) -> &str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Refused { code, .. } => code,
            CliError::Tampered(_) => "tampered",
            CliError::Network(_) => "network",
            CliError::Local(_) => "failed",
        }
    }

    /// A local failure about `what`, from an I/O error.
    pub fn io(what: impl fmt::Display) -> impl FnOnce(std::io::Error) -> CliError {
        move |e| CliError::Local(format!("{what}: {e}."))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(s)
            | CliError::Tampered(s)
            | CliError::Network(s)
            | CliError::Local(s) => f.write_str(s),
            CliError::Refused { message, .. } => f.write_str(message),
        }
    }
}

impl From<sealdrop_core::Error> for CliError {
    /// A format error met while opening something is tampering; the core's sentence says what.
    fn from(e: sealdrop_core::Error) -> Self {
        CliError::Tampered(format!(
            "{e}. Nothing of it was kept; ask the sender to check the link or send it again."
        ))
    }
}

pub type Result<T> = std::result::Result<T, CliError>;
