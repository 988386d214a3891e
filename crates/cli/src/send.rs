//! `sealdrop send`: files sealed here, as the share page seals them (same format, same bytes),
//! uploaded part by part, and the link printed. The link secret is drawn here and never sent.
//!
//! Resumable: before any part goes out, the journal holds the share's ids, its secrets and each
//! file's header; each part's BLAKE3 is written to it before the part is sent. The same command
//! run again finds the journal by the files and options, asks the server which parts it holds,
//! seals each file again under its own header (the same key and nonces, so the same bytes),
//! checks every part sent before against its recorded hash, and sends only what is missing, into
//! the same multipart upload.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sealdrop_core::api::{CreateShare, CreatedShare, NewFile, PasswordParams, ShareState};
use sealdrop_core::content::part_hash;
use sealdrop_core::encoding::{b64_decode, b64_decode_array, b64_encode, Id};
use sealdrop_core::header::{Header, DEFAULT_LOG2_CHUNK};
use sealdrop_core::layout::{PartLayout, PayloadLayout};
use sealdrop_core::metadata::{seal_metadata, Metadata};
use sealdrop_core::share::{
    seal_manifest, Argon2Params, LinkSecret, Manifest, ManifestEntry, PasswordSalt, ShareSecret,
};
use sealdrop_core::{FileKeys, Key32};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::client::{Auth, Body, Client};
use crate::engine::RingAead;
use crate::error::{CliError, Result};
use crate::journal::Journal;
use crate::parallel::Pool;
use crate::sealing::SealAndHash;
use crate::ui::Ui;

/// How much plaintext is read at a time.
const READ: usize = 1 << 20;

pub struct SendOptions {
    pub expires_ms: u64,
    pub downloads: Option<u64>,
    pub password: Option<Zeroizing<String>>,
}

/// The journal of one send.
#[derive(Serialize, Deserialize)]
struct Record {
    share_id: String,
    owner_token: String,
    link_secret: String,
    /// Only for a password share (never the password itself).
    share_secret: Option<String>,
    files: Vec<FileRecord>,
}

#[derive(Serialize, Deserialize)]
struct FileRecord {
    path: PathBuf,
    size: u64,
    modified_ms: i64,
    header: String,
    metadata_hash: String,
    chunks_per_part: u64,
    /// Part number to its BLAKE3 (hex), recorded before the part is sent.
    parts: BTreeMap<u64, String>,
    content_id: Option<String>,
}

/// A file to send, as found on disk.
struct Picked {
    path: PathBuf,
    name: String,
    size: u64,
    modified_ms: i64,
}

/// Sends `paths` as one share; returns the link.
pub fn send(
    client: &Client,
    api_key: &str,
    paths: &[PathBuf],
    options: &SendOptions,
    ui: &Ui,
) -> Result<String> {
    let picked = paths.iter().map(|p| pick(p)).collect::<Result<Vec<_>>>()?;
    let journal = Journal::named(&format!("send-{}", journal_name(client, &picked, options)))?;
    let (record, ss) = match journal.load::<Record>() {
        Some(record) => {
            let ss = share_secret(&record)?;
            let state: ShareState = client.json(
                "GET",
                &format!("/api/shares/{}", record.share_id),
                Auth::None,
                None::<&()>,
            )?;
            match state.state.as_str() {
                "uploading" => ui.note("Going on with the upload that stopped before."),
                // Completed before the journal could be deleted: the link is all that is left.
                "active" => {
                    journal.remove()?;
                    return Ok(link(client, &record));
                }
                other => {
                    journal.remove()?;
                    return Err(CliError::Refused {
                        status: 410,
                        code: "share_ended".into(),
                        message: format!("The share this upload began is {other}. Run the command again to send the files as a new share."),
                    });
                }
            }
            (record, ss)
        }
        None => {
            let (record, ss) = create(client, api_key, &picked, options)?;
            journal.save(&record)?;
            (record, ss)
        }
    };
    let mut record = record;
    let owner = record.owner_token.clone();
    for j in 0..record.files.len() {
        if record.files[j].content_id.is_none() {
            let content_id = upload_file(client, &owner, &mut record, j, &ss, &journal, ui)?;
            record.files[j].content_id = Some(content_id);
            journal.save(&record)?;
        }
    }
    complete(client, &record, &ss)?;
    journal.remove()?;
    Ok(link(client, &record))
}

fn link(client: &Client, record: &Record) -> String {
    format!(
        "{}/d/{}#{}",
        client.base(),
        record.share_id,
        record.link_secret
    )
}

fn pick(path: &Path) -> Result<Picked> {
    let meta = std::fs::metadata(path)
        .map_err(CliError::io(format!("{} cannot be read", path.display())))?;
    if !meta.is_file() {
        return Err(CliError::Usage(format!(
            "{} is not a file.",
            path.display()
        )));
    }
    let modified_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    let path = std::fs::canonicalize(path)
        .map_err(CliError::io(format!("{} cannot be read", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    Ok(Picked {
        path,
        name,
        size: meta.len(),
        modified_ms,
    })
}

/// Names the journal by what is sent and how: the same command finds it again; a changed file
/// (size or time) or other options make a new share.
fn journal_name(client: &Client, picked: &[Picked], options: &SendOptions) -> String {
    let mut h = blake3::Hasher::new();
    h.update(client.base().as_bytes());
    for p in picked {
        h.update(p.path.as_os_str().as_encoded_bytes());
        h.update(&p.size.to_be_bytes());
        h.update(&p.modified_ms.to_be_bytes());
    }
    h.update(&options.downloads.unwrap_or(0).to_be_bytes());
    h.update(&[u8::from(options.password.is_some())]);
    h.finalize().to_hex()[..32].to_string()
}

fn share_secret(record: &Record) -> Result<ShareSecret> {
    let decode = |s: &str| {
        b64_decode_array::<32>(s, "a secret")
            .map(Key32::from_bytes)
            .map_err(|_| {
                CliError::Local("The resume journal is damaged; delete it and send again.".into())
            })
    };
    Ok(match &record.share_secret {
        Some(ss) => ShareSecret(decode(ss)?),
        None => ShareSecret::from_link(&LinkSecret(decode(&record.link_secret)?)),
    })
}

fn create(
    client: &Client,
    api_key: &str,
    picked: &[Picked],
    options: &SendOptions,
) -> Result<(Record, ShareSecret)> {
    let ls = LinkSecret(Key32::random());
    let (ss, password) = match &options.password {
        Some(pw) => {
            let salt = PasswordSalt {
                pw_salt: sealdrop_core::random(),
                params: Argon2Params::DEFAULT,
            };
            let ss = ShareSecret::with_password(&ls, pw, &salt)?;
            let params = PasswordParams {
                salt: b64_encode(&salt.pw_salt),
                m_kib: salt.params.m_kib,
                t: salt.params.t,
                p: salt.params.p,
            };
            (ss, Some(params))
        }
        None => (ShareSecret::from_link(&ls), None),
    };
    let mut files = Vec::with_capacity(picked.len());
    let mut wire = Vec::with_capacity(picked.len());
    for (j, p) in picked.iter().enumerate() {
        let fs = ss.file_secret(j as u32);
        let salt: [u8; 16] = sealdrop_core::random();
        let keys = FileKeys::derive(&fs, &salt);
        let header = Header::new(DEFAULT_LOG2_CHUNK, salt, &keys)?;
        let metadata = seal_metadata(
            &keys.metadata_key,
            &header.to_bytes(),
            &Metadata {
                name: p.name.clone(),
                size: p.size,
                mime: "application/octet-stream".into(),
                modified: Some(p.modified_ms),
            },
        );
        let payload = PayloadLayout::for_plaintext(DEFAULT_LOG2_CHUNK, p.size)?;
        let parts = PartLayout::minimal(DEFAULT_LOG2_CHUNK);
        wire.push(NewFile {
            header: b64_encode(&header.to_bytes()),
            metadata: b64_encode(&metadata),
            payload_size: payload.payload_len(),
            chunks_per_part: parts.chunks_per_part(),
        });
        files.push(FileRecord {
            path: p.path.clone(),
            size: p.size,
            modified_ms: p.modified_ms,
            header: b64_encode(&header.to_bytes()),
            metadata_hash: blake3::hash(&metadata).to_hex().to_string(),
            chunks_per_part: parts.chunks_per_part(),
            parts: BTreeMap::new(),
            content_id: None,
        });
    }
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let body = CreateShare {
        auth_key_hash: b64_encode(&ss.auth_key().hash()),
        password,
        expires_at: now + options.expires_ms as i64,
        max_downloads: Some(options.downloads.map(|d| d as i64)),
        files: wire,
    };
    let created: CreatedShare =
        client.json("POST", "/api/shares", Auth::ApiKey(api_key), Some(&body))?;
    let record = Record {
        share_id: created.id,
        owner_token: created.owner_token,
        link_secret: b64_encode(ls.0.as_bytes()),
        share_secret: options
            .password
            .as_ref()
            .map(|_| b64_encode(ss.0.as_bytes())),
        files,
    };
    Ok((record, ss))
}

/// The parts the server holds of file `j`: number to BLAKE3, and whether the file is complete.
fn stored(
    client: &Client,
    owner: &str,
    share: &str,
    j: usize,
) -> Result<(BTreeMap<u64, String>, Option<String>)> {
    #[derive(Deserialize)]
    struct Part {
        n: u64,
        blake3: String,
    }
    #[derive(Deserialize)]
    struct Stored {
        parts: Vec<Part>,
        content_id: Option<String>,
    }
    let got: Stored = client.json(
        "GET",
        &format!("/api/shares/{share}/files/{j}/parts"),
        Auth::Owner(owner),
        None::<&()>,
    )?;
    Ok((
        got.parts.into_iter().map(|p| (p.n, p.blake3)).collect(),
        got.content_id,
    ))
}

fn upload_file(
    client: &Client,
    owner: &str,
    record: &mut Record,
    j: usize,
    ss: &ShareSecret,
    journal: &Journal,
    ui: &Ui,
) -> Result<String> {
    let share = record.share_id.clone();
    let (held, done) = stored(client, owner, &share, j)?;
    if let Some(content_id) = done {
        return Ok(content_id);
    }
    let f = &record.files[j];
    let size = f.size;
    let header_bytes = b64_decode(&f.header, "a header").map_err(|_| damaged())?;
    let header = Header::parse(&header_bytes)?;
    let keys = header
        .verify(&ss.file_secret(j as u32))
        .map_err(|_| damaged())?;
    let mut sealer = SealAndHash::new(&header, RingAead::new(&keys.payload_key));
    let payload = PayloadLayout::for_plaintext(header.log2_chunk(), size)?;
    let parts = PartLayout::with_chunks_per_part(header.log2_chunk(), f.chunks_per_part)
        .ok_or_else(damaged)?;
    let part_len = parts.part_len() as usize;
    let path = f.path.clone();
    let mut file =
        File::open(&path).map_err(CliError::io(format!("{} cannot be read", path.display())))?;
    let bar = ui.bar(
        payload.payload_len(),
        &path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let mut buf = vec![0u8; READ];
    let mut out: Vec<u8> = Vec::with_capacity(part_len + READ + 64);
    let mut n = 1u64;
    let mut read_total = 0u64;
    let uploads = {
        let (client, owner, share, bar) = (
            client.clone(),
            owner.to_string(),
            share.clone(),
            bar.clone(),
        );
        Pool::new(move |(n, part, hash): (u64, Vec<u8>, String)| {
            let sent = client.call(
                "PUT",
                &format!("/api/shares/{share}/files/{j}/parts/{n}"),
                Auth::Owner(&owner),
                &Body::Bytes(&part),
                &[("Sealdrop-Part-Blake3", hash)],
            );
            match sent {
                Ok(_) => {}
                // The part arrived before, but its answer was lost.
                Err(CliError::Refused { code, .. }) if code == "part_exists" => {}
                Err(e) => return Err(e),
            }
            bar.inc(part.len() as u64);
            Ok(())
        })
    };
    // Each part's hash is in the journal before the part goes out; parts the server holds with
    // that hash are not sent again.
    let send_part = |part: &[u8], n: u64, record: &mut Record| -> Result<()> {
        let hash = hex::encode(part_hash(part));
        let f = &mut record.files[j];
        if let Some(recorded) = f.parts.get(&n) {
            if *recorded != hash {
                return Err(CliError::Usage(format!(
                    "{} changed since its upload began. Its share cannot be finished; send the file again as a new share.",
                    path.display()
                )));
            }
        }
        if held.get(&n) == Some(&hash) {
            bar.inc(part.len() as u64);
            return Ok(());
        }
        if f.parts.insert(n, hash.clone()).is_none() {
            journal.save(record)?;
        }
        uploads.run((n, part.to_vec(), hash))
    };
    loop {
        let got = file
            .read(&mut buf)
            .map_err(CliError::io(format!("{} cannot be read", path.display())))?;
        if got == 0 {
            break;
        }
        read_total += got as u64;
        if read_total > size {
            break;
        }
        sealer.push(&buf[..got], &mut out)?;
        while out.len() >= part_len
            && (n as usize) < parts.part_count(payload.payload_len()) as usize
        {
            send_part(&out[..part_len], n, record)?;
            out.drain(..part_len);
            n += 1;
        }
    }
    if read_total != size {
        return Err(CliError::Usage(format!(
            "{} changed while it was being sent (its size is not {size} bytes any more). Send it again.",
            path.display(),
        )));
    }
    let content_id = sealer.finish(&mut out)?;
    while !out.is_empty() {
        let take = out.len().min(part_len);
        send_part(&out[..take], n, record)?;
        out.drain(..take);
        n += 1;
    }
    uploads.finish()?;
    bar.finish_and_clear();
    let content_id = content_id.to_hex();
    client.call(
        "POST",
        &format!("/api/shares/{share}/files/{j}/complete"),
        Auth::Owner(owner),
        &Body::Json(serde_json::json!({ "content_id": content_id })),
        &[],
    )?;
    Ok(content_id)
}

fn complete(client: &Client, record: &Record, ss: &ShareSecret) -> Result<()> {
    let files = record
        .files
        .iter()
        .enumerate()
        .map(|(j, f)| ManifestEntry {
            j: j as u32,
            content_id: f.content_id.clone().unwrap_or_default(),
            metadata_hash: f.metadata_hash.clone(),
        })
        .collect();
    let id = Id::parse(&record.share_id).map_err(|_| damaged())?;
    let manifest = seal_manifest(&ss.manifest_key(), &id, &Manifest { files })?;
    client
        .call(
            "POST",
            &format!("/api/shares/{}/complete", record.share_id),
            Auth::Owner(&record.owner_token),
            &Body::Json(serde_json::json!({ "manifest": b64_encode(&manifest) })),
            &[],
        )
        .map(drop)
}

fn damaged() -> CliError {
    CliError::Local("The resume journal does not describe this share; delete it from the journal folder of the command line and send again.".into())
}
