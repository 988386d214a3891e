//! `sealdrop request create`, `sealdrop inbox list` and `sealdrop inbox pull`: file requests made
//! and collected here as the inbox page makes and opens them. The request secret is drawn here and
//! kept on the server only wrapped under K; what partners send opens through its HPKE stanza with
//! the account's private key, which K unwraps, and K only this machine's login holds.
//!
//! A pull decrypts each unread file beside DIR, checks its content id against the one the
//! partner's page recorded, runs `--exec CMD` on it if asked (CMD gets the file's path as its last
//! argument), and then moves it into DIR, or into DIR/quarantine when CMD did not exit 0. It marks
//! the file read and appends a receipt line to DIR/receipts.jsonl.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use sealdrop_core::account::AccountKey;
use sealdrop_core::api::{CreateRequest, RequestDetail, RequestSummary};
use sealdrop_core::encoding::{b64_decode, b64_encode, Id};
use sealdrop_core::metadata::open_metadata;
use sealdrop_core::request::{open_stanza, public_key, RequestSecret};
use sealdrop_core::{staff, Header, Key32};
use serde::Deserialize;

use crate::client::{Auth, Client};
use crate::error::{CliError, Result};
use crate::files::{free_path, private_dir, safe_name};
use crate::login::{current_account, private_key, Login};
use crate::receive::{receive, temp_names, PartClaim, Source, Target};
use crate::ui::Ui;

pub struct NewRequest {
    pub label: String,
    pub message: String,
    pub expires_ms: u64,
    pub max_files: u64,
    pub max_bytes: u64,
}

/// A made request: the partner's link and the key fingerprint to read out to them.
pub struct MadeRequest {
    pub id: String,
    pub link: String,
    pub fingerprint: String,
}

pub fn create(login: &Login, asked: &NewRequest) -> Result<MadeRequest> {
    let client = Client::new(&login.server);
    let me = current_account(login, &client)?;
    let sk = private_key(&me, &login.k)?;
    let pk = public_key(&sk);
    let id = Id::random();
    let rs = RequestSecret(Key32::random());
    let now = now_ms();
    let body = CreateRequest {
        id: id.to_string(),
        label: asked.label.clone(),
        message: asked.message.clone(),
        expires_at: now + asked.expires_ms as i64,
        max_files: asked.max_files,
        max_bytes: asked.max_bytes,
        public_key: b64_encode(&pk),
        upload_token_hash: b64_encode(blake3::hash(rs.upload_token().as_bytes()).as_bytes()),
        wrapped_rs: b64_encode(&rs.wrap(login.k.as_key(), &id, &sealdrop_core::random())),
    };
    let _: serde_json::Value = client.json(
        "POST",
        "/api/requests",
        Auth::ApiKey(&login.api_key),
        Some(&body),
    )?;
    Ok(MadeRequest {
        id: id.to_string(),
        link: format!(
            "{}/r/{}#{}.{}",
            client.base(),
            id,
            b64_encode(&pk),
            b64_encode(rs.0.as_bytes())
        ),
        fingerprint: staff::fingerprint(&pk),
    })
}

#[derive(Deserialize)]
struct RequestList {
    requests: Vec<RequestSummary>,
}

pub fn list(login: &Login) -> Result<Vec<RequestSummary>> {
    let client = Client::new(&login.server);
    let got: RequestList = client.json(
        "GET",
        "/api/requests",
        Auth::ApiKey(&login.api_key),
        None::<&()>,
    )?;
    Ok(got.requests)
}

/// One file a pull handled.
pub struct Pulled {
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    pub content_id: String,
    pub request: String,
    pub received_at: u64,
    pub quarantined: bool,
}

pub fn pull(
    login: &Login,
    only: Option<&str>,
    out: &Path,
    exec: Option<&str>,
    ui: &Ui,
) -> Result<Vec<Pulled>> {
    let client = Client::new(&login.server);
    let me = current_account(login, &client)?;
    let sk = private_key(&me, &login.k)?;
    std::fs::create_dir_all(out)
        .map_err(CliError::io(format!("{} could not be made", out.display())))?;
    let out = std::fs::canonicalize(out)
        .map_err(CliError::io(format!("{} cannot be used", out.display())))?;
    let requests = match only {
        Some(id) => vec![Id::parse(id)
            .map_err(|_| CliError::Usage("--request takes a request id (22 characters).".into()))?
            .to_string()],
        None => list(login)?
            .into_iter()
            .filter(|r| r.unread > 0)
            .map(|r| r.id)
            .collect(),
    };
    let mut pulled = Vec::new();
    for request in requests {
        let detail: RequestDetail = client.json(
            "GET",
            &format!("/api/requests/{request}"),
            Auth::ApiKey(&login.api_key),
            None::<&()>,
        )?;
        pulled.extend(pull_request(&client, login, &sk, &detail, &out, exec, ui)?);
    }
    Ok(pulled)
}

fn pull_request(
    client: &Client,
    login: &Login,
    sk: &Key32,
    detail: &RequestDetail,
    out: &Path,
    exec: Option<&str>,
    ui: &Ui,
) -> Result<Vec<Pulled>> {
    let request = &detail.request.id;
    let id = Id::parse(request).map_err(|_| malformed())?;
    let rs = unwrap_rs(&login.k, &id, &detail.request.wrapped_rs)?;
    let mut pulled = Vec::new();
    for file in detail.files.iter().filter(|f| f.read_at.is_none()) {
        let header =
            Header::parse(&b64_decode(&file.header, "a header").map_err(|_| malformed())?)?;
        let stanza = b64_decode(&file.stanza, "a stanza").map_err(|_| malformed())?;
        let Ok(fs) = open_stanza(sk, &id, &rs, &header.to_bytes(), &stanza) else {
            // Not sealed by the holder of the link (someone with only the upload token, or a row
            // written into the database): never shown as a partner's file.
            ui.note(&format!(
                "Skipped file {} of request {request}: it was not sent through the request's link.",
                file.id
            ));
            continue;
        };
        let keys = header.verify(&fs)?;
        let sealed_metadata =
            b64_decode(&file.metadata, "the metadata").map_err(|_| malformed())?;
        let metadata = open_metadata(&keys.metadata_key, &header.to_bytes(), &sealed_metadata)?;
        let parts: Vec<PartClaim> = file
            .parts
            .iter()
            .enumerate()
            .map(|(i, blake3)| {
                let n = i as u64 + 1;
                let size = if n == file.part_count {
                    file.payload_size - file.part_size * (file.part_count - 1)
                } else {
                    file.part_size
                };
                PartClaim {
                    n,
                    size,
                    blake3: blake3.clone(),
                }
            })
            .collect();
        let (sealed, partial) = temp_names(out, &format!("{request}-{}", file.id));
        let bar = ui.bar(file.payload_size, &metadata.name);
        let path = format!("/api/requests/{request}/files/{}/payload", file.id);
        let source = Source {
            client,
            path: &path,
            auth: Auth::ApiKey(&login.api_key),
        };
        let target = Target {
            header: &header,
            payload_key: &keys.payload_key,
            sealed: &sealed,
            partial: &partial,
        };
        let opened = receive(&source, &parts, &target, 0, &bar, |_| Ok(()));
        bar.finish_and_clear();
        let _ = std::fs::remove_file(&sealed);
        let content_id = opened?.to_hex();
        if content_id != file.content_id {
            let _ = std::fs::remove_file(&partial);
            return Err(CliError::Tampered(format!(
                "“{}” is not the file its sender's page recorded (its content id differs). Nothing of it was kept.",
                metadata.name
            )));
        }
        let quarantined = match exec {
            Some(cmd) => !passes(cmd, &partial)?,
            None => false,
        };
        let folder = if quarantined {
            out.join("quarantine")
        } else {
            out.to_path_buf()
        };
        private_dir(&folder)?;
        let target = free_path(&folder, &safe_name(&metadata.name));
        std::fs::rename(&partial, &target).map_err(CliError::io(format!(
            "{} could not be written",
            target.display()
        )))?;
        let _: serde_json::Value = client.json(
            "POST",
            &format!("/api/requests/{request}/files/{}/read", file.id),
            Auth::ApiKey(&login.api_key),
            None::<&()>,
        )?;
        let done = Pulled {
            name: metadata.name.clone(),
            path: target,
            size: metadata.size,
            content_id,
            request: request.clone(),
            received_at: file.received_at,
            quarantined,
        };
        receipt(out, &done)?;
        pulled.push(done);
    }
    Ok(pulled)
}

fn unwrap_rs(k: &AccountKey, id: &Id, wrapped: &str) -> Result<RequestSecret> {
    let wrapped = b64_decode(wrapped, "a wrapped key").map_err(|_| malformed())?;
    RequestSecret::unwrap(k.as_key(), id, &wrapped).map_err(|_| {
        CliError::Tampered(format!("The key of request {id} does not open with your account key. Nothing of it was opened."))
    })
}

/// Whether `cmd` (run by `sh -c`, the file's path as its last argument) exits 0. A command that
/// cannot start counts as a failure, as a scanner's own error does: the file is quarantined.
fn passes(cmd: &str, file: &Path) -> Result<bool> {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$1\""))
        .arg("sealdrop-exec")
        .arg(file)
        .stdout(std::process::Stdio::null())
        .status();
    Ok(matches!(status, Ok(s) if s.success()))
}

/// One line of DIR/receipts.jsonl: name, size, content id, request, and when the server recorded
/// the upload as complete (ms since the epoch).
fn receipt(out: &Path, p: &Pulled) -> Result<()> {
    let line = serde_json::json!({
        "name": p.name,
        "size": p.size,
        "content_id": p.content_id,
        "request": p.request,
        "received_at": p.received_at,
        "path": p.path,
        "quarantined": p.quarantined,
    });
    let path = out.join("receipts.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(CliError::io(format!(
            "{} could not be written",
            path.display()
        )))?;
    writeln!(f, "{line}").map_err(CliError::io(format!(
        "{} could not be written",
        path.display()
    )))
}

fn malformed() -> CliError {
    CliError::Network(
        "The server's answer is malformed. Is it a sealdrop server of the same version?".into(),
    )
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
