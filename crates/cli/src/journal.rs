//! Resume journals: what an interrupted `send` or `get` needs to go on where it stopped, kept in
//! the command line's folder (`journal/`, files mode 0600: they hold a link secret and an owner
//! token or a ticket) and deleted when the command is done. Each is written whole before the
//! step it describes, so that a killed process finds either the old journal or the new one.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{CliError, Result};
use crate::files::{home, private_dir, write_private};

pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal named `name` (a kind and a hash: `send-…`, `get-…`).
    pub fn named(name: &str) -> Result<Journal> {
        let dir = home()?.join("journal");
        private_dir(&dir)?;
        Ok(Journal {
            path: dir.join(format!("{name}.json")),
        })
    }

    /// What it holds, if there is a journal that reads as `T`; one that does not is left alone.
    pub fn load<T: DeserializeOwned>(&self) -> Option<T> {
        let bytes = std::fs::read(&self.path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn save<T: Serialize>(&self, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value).map_err(|e| CliError::Local(format!("{e}.")))?;
        write_private(&self.path, &bytes)
    }

    pub fn remove(&self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CliError::io(format!(
                "{} could not be deleted",
                self.path.display()
            ))(e)),
        }
    }
}
