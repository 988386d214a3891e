//! A sealed payload's way to the disk, for `get` and `inbox pull` alike: its parts fetched by
//! Range into a sealed file beside the destination, each checked against the BLAKE3 its uploader
//! recorded (so a download resumes at the first part not yet verified), then opened chunk by
//! chunk into a temporary file that becomes the file only once its content id is checked.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::channel;
use std::sync::Arc;

use indicatif::ProgressBar;
use sealdrop_core::content::{part_hash, ContentId};
use sealdrop_core::stream::Opener;
use sealdrop_core::{Header, Key32};

use crate::client::{Auth, Body, Client};
use crate::engine::RingAead;
use crate::error::{CliError, Result};
use crate::files::create_private;
use crate::parallel::Pool;

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
/// that a part cut off by a killed process is fetched again), a few at once, each written at its
/// offset; `noted(k)` runs whenever the first `k` parts are all verified and written, which is
/// what a resume may rely on. A part whose bytes do not match its claim is tampering.
pub fn fetch_parts(
    source: &Source,
    parts: &[PartClaim],
    sealed: &Path,
    verified: usize,
    bar: &ProgressBar,
    mut noted: impl FnMut(usize) -> Result<()>,
) -> Result<()> {
    let verified = verified.min(parts.len());
    let kept: u64 = parts[..verified].iter().map(|p| p.size).sum();
    let out = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(sealed)
        .map_err(CliError::io(format!(
            "{} could not be written",
            sealed.display()
        )))?;
    out.set_len(kept).map_err(CliError::io(format!(
        "{} could not be written",
        sealed.display()
    )))?;
    bar.inc(kept);
    let out = Arc::new(out);
    let (done_tx, done_rx) = channel::<usize>();
    let fetches = {
        let (client, path, auth) = (
            source.client.clone(),
            source.path.to_string(),
            source.auth.owned(),
        );
        let (out, bar, name) = (Arc::clone(&out), bar.clone(), sealed.display().to_string());
        Pool::new(
            move |(i, n, offset, size, blake3): (usize, u64, u64, u64, String)| {
                let range = format!("bytes={}-{}", offset, offset + size - 1);
                let bytes = client.call(
                    "GET",
                    &path,
                    auth.borrow(),
                    &Body::Empty,
                    &[("Range", range)],
                )?;
                if bytes.len() as u64 != size || hex::encode(part_hash(&bytes)) != blake3 {
                    return Err(CliError::Tampered(format!(
                    "Part {n} of this file is not what was uploaded: it was changed on the way or in storage. Nothing of the file was kept."
                )));
                }
                out.write_all_at(&bytes, offset)
                    .and_then(|()| out.sync_data())
                    .map_err(CliError::io(format!("{name} could not be written")))?;
                bar.inc(size);
                let _ = done_tx.send(i);
                Ok(())
            },
        )
    };
    let mut done = BTreeSet::new();
    let mut prefix = verified;
    let mut advance = |done: &mut BTreeSet<usize>, prefix: &mut usize| -> Result<()> {
        let before = *prefix;
        while done.remove(prefix) {
            *prefix += 1;
        }
        if *prefix > before {
            noted(*prefix)?;
        }
        Ok(())
    };
    let mut offset = kept;
    for (i, part) in parts.iter().enumerate().skip(verified) {
        fetches.run((i, part.n, offset, part.size, part.blake3.clone()))?;
        offset += part.size;
        done.extend(done_rx.try_iter());
        advance(&mut done, &mut prefix)?;
    }
    fetches.finish()?;
    done.extend(done_rx.try_iter());
    advance(&mut done, &mut prefix)
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
