//! A sealed payload's way to the disk, for `get` and `inbox pull` alike: its parts fetched by
//! Range, a few at once, each checked against the BLAKE3 its uploader recorded and kept in a
//! sealed file beside the destination (so a download resumes after the parts already verified),
//! and opened in order, as they arrive, into a temporary file that becomes the file only once its
//! content id is checked by the caller.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
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

/// What a received payload is and where it goes.
pub struct Target<'a> {
    pub header: &'a Header,
    pub payload_key: &'a Key32,
    /// The sealed bytes as they arrive: what a resume starts from.
    pub sealed: &'a Path,
    /// The plaintext, until its content id is checked.
    pub partial: &'a Path,
}

/// Fetches a payload's parts, a few at once, each checked against its claim and written at its
/// offset into `sealed`, and opens them in order into `partial` as they arrive; returns the
/// content id. The first `verified` parts are taken from `sealed` (after a resume) and the file
/// is cut to their end, so that a part cut off by a killed process is fetched again; `noted(k)`
/// runs whenever the first `k` parts are all verified and written, which is what a resume may
/// rely on. A part that does not match its claim, or does not open, is tampering; then the
/// partial file is deleted.
pub fn receive(
    source: &Source,
    parts: &[PartClaim],
    target: &Target,
    verified: usize,
    bar: &ProgressBar,
    noted: impl FnMut(usize) -> Result<()>,
) -> Result<ContentId> {
    let result = receive_into(source, parts, target, verified, bar, noted);
    if result.is_err() {
        let _ = std::fs::remove_file(target.partial);
    }
    result
}

fn receive_into(
    source: &Source,
    parts: &[PartClaim],
    target: &Target,
    verified: usize,
    bar: &ProgressBar,
    mut noted: impl FnMut(usize) -> Result<()>,
) -> Result<ContentId> {
    let sealed = target.sealed;
    let wrote = |p: &Path| CliError::io(format!("{} could not be written", p.display()));
    let verified = verified.min(parts.len());
    let kept: u64 = parts[..verified].iter().map(|p| p.size).sum();
    let mut opener = Opener::with_aead(target.header, RingAead::new(target.payload_key));
    let mut output = create_private(target.partial)?;
    let mut plain = Vec::with_capacity(READ + 64);
    let mut open = |bytes: &[u8], output: &mut File| -> Result<()> {
        opener.push(bytes, &mut plain)?;
        output.write_all(&plain).map_err(wrote(target.partial))?;
        plain.clear();
        Ok(())
    };
    // What an earlier run verified is opened again from the sealed file.
    let out = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(sealed)
        .map_err(wrote(sealed))?;
    out.set_len(kept).map_err(wrote(sealed))?;
    let mut buf = vec![0u8; READ];
    let mut read = 0u64;
    while read < kept {
        let take = READ.min((kept - read) as usize);
        out.read_exact_at(&mut buf[..take], read)
            .map_err(CliError::io(format!("{} cannot be read", sealed.display())))?;
        open(&buf[..take], &mut output)?;
        read += take as u64;
    }
    bar.inc(kept);
    let out = Arc::new(out);
    let (done_tx, done_rx) = channel::<(usize, Vec<u8>)>();
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
                // No sync per part: a killed process leaves what it wrote in the page cache.
                out.write_all_at(&bytes, offset)
                    .map_err(CliError::io(format!("{name} could not be written")))?;
                bar.inc(size);
                let _ = done_tx.send((i, bytes));
                Ok(())
            },
        )
    };
    // Parts arrive in any order; they are opened in order, and the prefix noted as it grows.
    let mut pending = BTreeMap::new();
    let mut prefix = verified;
    let mut advance = |pending: &mut BTreeMap<usize, Vec<u8>>, prefix: &mut usize| -> Result<()> {
        let before = *prefix;
        while let Some(bytes) = pending.remove(prefix) {
            open(&bytes, &mut output)?;
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
        pending.extend(done_rx.try_iter());
        advance(&mut pending, &mut prefix)?;
    }
    fetches.finish()?;
    pending.extend(done_rx.try_iter());
    advance(&mut pending, &mut prefix)?;
    if prefix != parts.len() {
        return Err(CliError::Network(
            "Some parts of the file did not arrive. Run the same command again.".into(),
        ));
    }
    let content_id = opener.finish(&mut plain)?;
    output
        .write_all(&plain)
        .and_then(|()| output.sync_all())
        .map_err(wrote(target.partial))?;
    Ok(content_id)
}

/// The hidden names beside `dir/name` that a download goes through.
pub fn temp_names(dir: &Path, tag: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!(".sealdrop-{tag}.sealed")),
        dir.join(format!(".sealdrop-{tag}.partial")),
    )
}
