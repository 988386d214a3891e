//! Where the command line keeps things, and how: its folder (`SEALDROP_HOME`, else
//! `$XDG_CONFIG_HOME/sealdrop`, else `~/.config/sealdrop`), mode 0700; every file in it mode 0600,
//! written whole to a temporary name and renamed, so that a killed process never leaves half of
//! one. Also the names of received files: made safe before they touch the disk.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// The command line's folder, made (mode 0700) if it is missing.
pub fn home() -> Result<PathBuf> {
    let dir = match std::env::var_os("SEALDROP_HOME") {
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("XDG_CONFIG_HOME") {
            Some(c) => PathBuf::from(c).join("sealdrop"),
            None => PathBuf::from(std::env::var_os("HOME").ok_or_else(|| {
                CliError::Local(
                    "Neither SEALDROP_HOME nor HOME is set, so there is nowhere to keep the login."
                        .into(),
                )
            })?)
            .join(".config/sealdrop"),
        },
    };
    private_dir(&dir)?;
    Ok(dir)
}

/// A folder only this user can enter.
pub fn private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)
        .map_err(CliError::io(format!("{} could not be made", dir.display())))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(CliError::io(format!(
        "{} could not be made private",
        dir.display()
    )))
}

/// Writes `bytes` to `path` with mode 0600, whole or not at all.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let fail = CliError::io(format!("{} could not be written", path.display()));
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(CliError::io(format!(
            "{} could not be written",
            tmp.display()
        )))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(fail)?;
    fs::rename(&tmp, path).map_err(CliError::io(format!(
        "{} could not be written",
        path.display()
    )))
}

/// A new file only this user can read, for a file being received.
pub fn create_private(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(CliError::io(format!(
            "{} could not be made",
            path.display()
        )))
}

/// A received file's name, safe as one path component: no separators, no control characters, no
/// leading dots (so not `.`, `..` or a hidden file), at most 200 bytes; never empty.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    let mut out = String::new();
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > 200 {
            break;
        }
        out.push(c);
    }
    if out.is_empty() {
        "file".into()
    } else {
        out
    }
}

/// `dir/name`, or `dir/name (2)`... when that exists: a received file never replaces another.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .expect("some name is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name("a\u{0}b\nc"), "a_b_c");
        assert_eq!(safe_name("report.pdf"), "report.pdf");
        assert!(safe_name(&"é".repeat(300)).len() <= 200);
    }
}
