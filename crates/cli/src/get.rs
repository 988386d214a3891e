//! `sealdrop get`: a share link received here as the download page receives it. The proof of key
//! possession is sent once (that counts the download); each file's parts are fetched by Range and
//! checked, opened, written to a temporary name, and renamed only once the manifest vouches for
//! its content id and sealed metadata. Nothing of a file that does not verify is left.
//!
//! Resumable: the journal (mode 0600) holds the link secret, the ticket and how many parts of each
//! file were verified; the same command run again goes on under the same ticket, so the download
//! is counted once. It is deleted when every file is in place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sealdrop_core::api::{Contents, Grant, ShareState};
use sealdrop_core::encoding::{b64_decode, b64_decode_array, b64_encode, Id};
use sealdrop_core::metadata::open_metadata;
use sealdrop_core::share::{open_manifest, Argon2Params, LinkSecret, PasswordSalt, ShareSecret};
use sealdrop_core::{Header, Key32};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::client::{Auth, Body, Client};
use crate::error::{CliError, Result};
use crate::files::{free_path, safe_name};
use crate::journal::Journal;
use crate::receive::{receive, temp_names, PartClaim, Source, Target};
use crate::ui::Ui;

/// A share link: the server, the share's id and the link secret of the fragment.
pub struct Link {
    pub base: String,
    pub id: Id,
    pub secret: LinkSecret,
}

/// Reads `https://host/d/<id>#<link secret>`.
pub fn parse_link(text: &str) -> Result<Link> {
    let bad = || {
        CliError::Usage(
            "That is not a sealdrop share link: it looks like https://host/d/<id>#<secret>.".into(),
        )
    };
    let text = text.trim();
    let (before, fragment) = text.split_once('#').ok_or_else(bad)?;
    let (base, id) = before.rsplit_once("/d/").ok_or_else(bad)?;
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(bad());
    }
    let id = Id::parse(id.trim_end_matches('/')).map_err(|_| bad())?;
    let secret = b64_decode_array::<32>(fragment, "the link secret").map_err(|_| bad())?;
    Ok(Link {
        base: base.to_string(),
        id,
        secret: LinkSecret(Key32::from_bytes(secret)),
    })
}

#[derive(Serialize, Deserialize)]
struct Record {
    link_secret: String,
    ticket: String,
    /// Verified parts of each file, by its index; a file in `done` is in place.
    verified: BTreeMap<u32, usize>,
    done: Vec<u32>,
}

/// What `get` wrote.
pub struct Received {
    pub path: PathBuf,
    pub size: u64,
    pub content_id: String,
}

pub fn get(link: &Link, out: &Path, password: Option<&str>, ui: &Ui) -> Result<Vec<Received>> {
    std::fs::create_dir_all(out)
        .map_err(CliError::io(format!("{} could not be made", out.display())))?;
    let out = std::fs::canonicalize(out)
        .map_err(CliError::io(format!("{} cannot be used", out.display())))?;
    let client = Client::new(&link.base);
    let id = link.id.to_string();
    let name = {
        let mut h = blake3::Hasher::new();
        h.update(link.base.as_bytes());
        h.update(id.as_bytes());
        h.update(out.as_os_str().as_encoded_bytes());
        format!("get-{}", &h.finalize().to_hex()[..32])
    };
    let journal = Journal::named(&name)?;
    let state: ShareState =
        client.json("GET", &format!("/api/shares/{id}"), Auth::None, None::<&()>)?;
    let ss = match (&state.password, password) {
        (None, _) => ShareSecret::from_link(&link.secret),
        (Some(_), None) => {
            return Err(CliError::Usage(
                "This share has a password: give it on standard input with --password-stdin."
                    .into(),
            ))
        }
        (Some(p), Some(pw)) => {
            let salt = PasswordSalt {
                pw_salt: b64_decode_array::<16>(&p.salt, "the password salt")
                    .map_err(|_| malformed())?,
                params: Argon2Params::new(p.m_kib, p.t, p.p)?,
            };
            ShareSecret::with_password(&link.secret, pw, &salt)?
        }
    };
    let mut record = match journal.load::<Record>() {
        Some(r) if r.link_secret == b64_encode(link.secret.0.as_bytes()) => r,
        _ => {
            let ak = b64_encode(ss.auth_key().0.as_bytes());
            let grant: Grant = client.json(
                "POST",
                &format!("/api/shares/{id}/proof"),
                Auth::Proof(&ak),
                None::<&()>,
            )?;
            let r = Record {
                link_secret: b64_encode(link.secret.0.as_bytes()),
                ticket: grant.ticket,
                verified: BTreeMap::new(),
                done: Vec::new(),
            };
            journal.save(&r)?;
            r
        }
    };
    let ticket = Zeroizing::new(record.ticket.clone());
    let contents: Contents = client.json(
        "GET",
        &format!("/api/shares/{id}/contents"),
        Auth::Ticket(&ticket),
        None::<&()>,
    )?;
    let sealed_manifest =
        b64_decode(&contents.manifest, "the manifest").map_err(|_| malformed())?;
    let manifest = open_manifest(&ss.manifest_key(), &link.id, &sealed_manifest)?;
    let mut received = Vec::new();
    for file in &contents.files {
        if record.done.contains(&file.j) {
            continue;
        }
        let fs = ss.file_secret(file.j);
        let header =
            Header::parse(&b64_decode(&file.header, "a header").map_err(|_| malformed())?)?;
        let keys = header.verify(&fs)?;
        let sealed_metadata =
            b64_decode(&file.metadata, "the metadata").map_err(|_| malformed())?;
        let metadata = open_metadata(&keys.metadata_key, &header.to_bytes(), &sealed_metadata)?;
        let (sealed, partial) = temp_names(&out, &format!("{id}-{}", file.j));
        let parts: Vec<PartClaim> = file
            .parts
            .iter()
            .map(|p| PartClaim {
                n: p.n,
                size: p.size,
                blake3: p.blake3.clone(),
            })
            .collect();
        let bar = ui.bar(file.payload_size, &metadata.name);
        let verified = record.verified.get(&file.j).copied().unwrap_or(0);
        let path = format!("/api/shares/{id}/files/{}/payload", file.j);
        let source = Source {
            client: &client,
            path: &path,
            auth: Auth::Ticket(&ticket),
        };
        let target = Target {
            header: &header,
            payload_key: &keys.payload_key,
            sealed: &sealed,
            partial: &partial,
        };
        let opened = receive(&source, &parts, &target, verified, &bar, |k| {
            record.verified.insert(file.j, k);
            journal.save(&record)
        })
        .and_then(|content_id| {
            manifest.vouch(file.j, &content_id.0, &sealed_metadata)?;
            Ok(content_id)
        });
        bar.finish_and_clear();
        // A network failure keeps what arrived, for the next run; anything else is refused whole.
        if let Err(e) = &opened {
            if !matches!(e, CliError::Network(_)) {
                let _ = std::fs::remove_file(&partial);
                let _ = std::fs::remove_file(&sealed);
                record.verified.remove(&file.j);
                journal.save(&record)?;
            }
        }
        let content_id = opened?;
        let target = free_path(&out, &safe_name(&metadata.name));
        std::fs::rename(&partial, &target).map_err(CliError::io(format!(
            "{} could not be written",
            target.display()
        )))?;
        let _ = std::fs::remove_file(&sealed);
        record.done.push(file.j);
        journal.save(&record)?;
        // The receipt tells the sender's log what arrived; the file is in place whatever it says.
        let _ = client.call(
            "POST",
            &format!("/api/shares/{id}/files/{}/receipt", file.j),
            Auth::Ticket(&ticket),
            &Body::Json(serde_json::json!({ "content_id": content_id.to_hex() })),
            &[],
        );
        received.push(Received {
            path: target,
            size: metadata.size,
            content_id: content_id.to_hex(),
        });
    }
    journal.remove()?;
    Ok(received)
}

fn malformed() -> CliError {
    CliError::Network(
        "The server's answer is malformed. Is it a sealdrop server of the same version?".into(),
    )
}
