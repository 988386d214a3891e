//! A sealed payload's way to the disk, for `get` and `inbox pull` alike: its parts fetched by
//! Range into a sealed file beside the destination, each checked against the BLAKE3 its uploader
//! recorded (so a download resumes at the first part not yet verified), then opened chunk by
//! chunk into a temporary file that becomes the file only once its content id is checked.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use sealdrop_core::content::{part_hash, ContentId};
use sealdrop_core::stream::Opener;
use sealdrop_core::{Header, Key32};

use crate::client::{Auth, Body, Client};
use crate::engine::RingAead;
use crate::error::{CliError, Result};
use crate::files::create_private;

/// How much ciphertext is opened at a time.
const READ: usize = 1 << 20;

/// One upload part as the server lists it.
pub struct PartClaim {
    pub n: u64,
    pub size: u64,
    pub blake3: String,
}

/// Where a payload is fetched from: its path on the server and the credential that reads it.
pub struct Source<'a> {
    pub client: &'a Client,
    pub path: &'a str,
    pub auth: Auth<'a>,
}

/// Fetches the parts after the first `verified` into `sealed` (truncated to their end first, so
/// that a part cut off by a killed process is fetched again); `noted(n)` runs after part `n` is
/// verified and written. A part whose bytes do not match its claim is tampering.
pub fn fetch_parts(
    source: &Source,
    parts: &[PartClaim],
    sealed: &Path,
    verified: usize,
    bar: &ProgressBar,
    mut noted: impl FnMut(u64) -> Result<()>,
) -> Result<()> {
    let verified = verified.min(parts.len());
    let kept: u64 = parts[..verified].iter().map(|p| p.size).sum();
    let mut out = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(sealed)
        .map_err(CliError::io(format!(
            "{} could not be written",
            sealed.display()
        )))?;
    out.set_len(kept)
        .and_then(|()| out.seek(SeekFrom::Start(kept)).map(drop))
        .map_err(CliError::io(format!(
            "{} could not be written",
            sealed.display()
        )))?;
    bar.inc(kept);
    let mut offset = kept;
    for part in &parts[verified..] {
        let range = format!("bytes={}-{}", offset, offset + part.size - 1);
        let bytes = source.client.call(
            "GET",
            source.path,
            source.auth,
            &Body::Empty,
            &[("Range", range)],
        )?;
        if bytes.len() as u64 != part.size || hex::encode(part_hash(&bytes)) != part.blake3 {
            return Err(CliError::Tampered(format!(
                "Part {} of this file is not what was uploaded: it was changed on the way or in storage. Nothing of the file was kept.",
                part.n
            )));
        }
        out.write_all(&bytes)
            .and_then(|()| out.sync_data())
            .map_err(CliError::io(format!(
                "{} could not be written",
                sealed.display()
            )))?;
        offset += part.size;
        bar.inc(part.size);
        noted(part.n)?;
    }
    Ok(())
}

/// Opens the sealed file into `partial` (mode 0600); its content id. On any failure the partial
/// file is deleted.
pub fn open_into(
    sealed: &Path,
    header: &Header,
    payload_key: &Key32,
    partial: &Path,
) -> Result<ContentId> {
    let result = (|| {
        let mut input = File::open(sealed)
            .map_err(CliError::io(format!("{} cannot be read", sealed.display())))?;
        let mut output = create_private(partial)?;
        let mut opener = Opener::with_aead(header, RingAead::new(payload_key));
        let mut buf = vec![0u8; READ];
        let mut plain = Vec::with_capacity(READ + 64);
        loop {
            let got = input
                .read(&mut buf)
                .map_err(CliError::io(format!("{} cannot be read", sealed.display())))?;
            if got == 0 {
                break;
            }
            opener.push(&buf[..got], &mut plain)?;
            output.write_all(&plain).map_err(CliError::io(format!(
                "{} could not be written",
                partial.display()
            )))?;
            plain.clear();
        }
        let content_id = opener.finish(&mut plain)?;
        output
            .write_all(&plain)
            .and_then(|()| output.sync_all())
            .map_err(CliError::io(format!(
                "{} could not be written",
                partial.display()
            )))?;
        Ok(content_id)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(partial);
    }
    result
}

/// The hidden names beside `dir/name` that a download goes through.
pub fn temp_names(dir: &Path, tag: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!(".sealdrop-{tag}.sealed")),
        dir.join(format!(".sealdrop-{tag}.partial")),
    )
}
