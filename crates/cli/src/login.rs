//! `sealdrop login` and what it keeps: the API key and the account key K, sealed in one file of
//! the command line's folder (`login.json`, mode 0600) under a key stretched from a passphrase
//! with Argon2id, so that a copy of the file alone opens nothing. The passphrase comes from
//! `SEALDROP_PASSPHRASE` (for jobs) or is asked on the terminal. K is unlocked here the way the
//! pages unlock it, from the password and the emergency kit, and never leaves this machine.
//!
//! The file also keeps K's generation: after a rotation (the first password change of an adopted
//! account) the server shows a newer one, and every command that needs K asks to log in again.

use std::io::{BufRead, IsTerminal};

use sealdrop_core::account::{unwrap_account_key, AccountKey, FactorId, WrappingKey};
use sealdrop_core::aead::ChunkAead;
use sealdrop_core::api::{AccountView, Me};
use sealdrop_core::encoding::{b64_decode, b64_decode_array, b64_encode, Id};
use sealdrop_core::share::{argon2id, Argon2Params};
use sealdrop_core::staff;
use sealdrop_core::Key32;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::client::{Auth, Client};
use crate::engine::RingAead;
use crate::error::{CliError, Result};
use crate::files::{home, write_private};

const FILE: &str = "login.json";
const AAD: &str = "sealdrop cli login v1";

/// A logged-in command line: the server, the API key, and K with its generation.
pub struct Login {
    pub server: String,
    pub account_id: String,
    pub email: String,
    pub api_key: Zeroizing<String>,
    pub k: AccountKey,
    pub generation: u32,
}

/// The file as stored: everything but the API key and K in the clear.
#[derive(Serialize, Deserialize)]
struct Stored {
    v: u32,
    server: String,
    account_id: String,
    email: String,
    generation: u32,
    salt: String,
    m_kib: u32,
    t: u32,
    p: u32,
    /// `nonce || AES-256-GCM(Argon2id(passphrase, salt), aad, {api_key, k})`.
    sealed: String,
}

#[derive(Serialize, Deserialize)]
struct Secrets {
    api_key: String,
    k: String,
}

/// Reads the secrets `login` needs: lines of standard input when it is not a terminal (the API
/// key, the password, the emergency kit code, then the passphrase unless `SEALDROP_PASSPHRASE` is
/// set), else questions on the terminal that do not echo.
pub struct Answers {
    piped: Option<std::io::Lines<std::io::StdinLock<'static>>>,
}

impl Answers {
    pub fn from_stdin() -> Answers {
        let stdin = std::io::stdin();
        let piped = (!stdin.is_terminal()).then(|| stdin.lock().lines());
        Answers { piped }
    }

    pub fn secret(&mut self, prompt: &str) -> Result<Zeroizing<String>> {
        match &mut self.piped {
            Some(lines) => match lines.next() {
                Some(Ok(line)) => Ok(Zeroizing::new(line.trim_end_matches('\r').to_string())),
                _ => Err(CliError::Usage(format!(
                    "Standard input ended before the {prompt}: give one per line."
                ))),
            },
            None => rpassword::prompt_password(format!("{prompt}: "))
                .map(Zeroizing::new)
                .map_err(CliError::io("The terminal could not be read")),
        }
    }
}

/// The passphrase that seals the login file.
fn passphrase(answers: &mut Answers) -> Result<Zeroizing<String>> {
    match std::env::var("SEALDROP_PASSPHRASE") {
        Ok(p) if !p.is_empty() => Ok(Zeroizing::new(p)),
        _ => answers.secret("Passphrase of this machine's sealdrop login"),
    }
}

fn file_key(passphrase: &str, salt: &[u8; 16], params: &Argon2Params) -> Result<Key32> {
    argon2id(passphrase, salt, params).map_err(|e| CliError::Local(format!("{e}.")))
}

/// `sealdrop login`: checks the API key, unlocks K with the password and kit, and stores both.
pub fn login(server: &str, answers: &mut Answers) -> Result<Login> {
    let client = Client::new(server);
    let api_key = answers.secret("API key (from your account page)")?;
    let view: AccountView =
        client.json("GET", "/api/account", Auth::ApiKey(&api_key), None::<&()>)?;
    let password = answers.secret("Password")?;
    let kit = answers.secret("Emergency kit code")?;
    let sk128 = Zeroizing::new(staff::parse_kit_code(&kit).map_err(|_| {
        CliError::Usage("That is not an emergency kit code. Check it and try again.".into())
    })?);
    let (k, generation) = unlock(&view.account, &password, &sk128)?;
    let login = Login {
        server: client.base().to_string(),
        account_id: view.account.id.clone(),
        email: view.account.email.clone(),
        api_key,
        k,
        generation,
    };
    save(&login, &passphrase(answers)?)?;
    Ok(login)
}

/// K from the password factor, checked against the wrapped private key, as the pages open it.
pub fn unlock(me: &Me, password: &str, sk128: &[u8; 16]) -> Result<(AccountKey, u32)> {
    let key = me.account_key.as_ref().ok_or_else(|| {
        CliError::Local(
            "This account has no account key yet. Sign in once on the pages (that makes it), then run sealdrop login again.".into(),
        )
    })?;
    let factor = key
        .factors
        .iter()
        .find(|f| f.kind == "password")
        .ok_or_else(|| CliError::Local("This account has no password to unlock with.".into()))?;
    let salt = b64_decode_array::<16>(&me.salt, "the account salt").map_err(server_said)?;
    let params = Argon2Params::new(me.argon2.m_kib, me.argon2.t, me.argon2.p)?;
    let normalized: Zeroizing<String> = Zeroizing::new(password.nfc().collect());
    let a = staff::stretch_password(&normalized, &salt, &params)?;
    let w = WrappingKey::password(&a, sk128);
    let account = Id::parse(&me.id).map_err(server_said)?;
    let factor_id =
        FactorId(b64_decode_array::<16>(&factor.id, "a factor id").map_err(server_said)?);
    let wrapped = b64_decode(&factor.wrapped_k, "a wrapped key").map_err(server_said)?;
    let k = unwrap_account_key(&w, &account, &factor_id, key.generation, &wrapped).map_err(|_| {
        CliError::Refused {
            status: 0,
            code: "wrong_password_or_kit".into(),
            message: "The password or the emergency kit code is wrong: together they do not open your account key.".into(),
        }
    })?;
    private_key(me, &k)?;
    Ok((k, key.generation))
}

/// The account's X25519 private key, unwrapped with K.
pub fn private_key(me: &Me, k: &AccountKey) -> Result<Key32> {
    let account = Id::parse(&me.id).map_err(server_said)?;
    let pk = b64_decode_array::<32>(&me.public_key, "the public key").map_err(server_said)?;
    let wrapped = b64_decode(&me.wrapped_sk, "a wrapped key").map_err(server_said)?;
    staff::unwrap_private_key(k.as_key(), &account, &pk, &wrapped).map_err(|_| {
        CliError::Tampered(
            "The account key does not open the private key the server holds for this account. Nothing was opened; tell your administrator.".into(),
        )
    })
}

fn server_said(_: sealdrop_core::Error) -> CliError {
    CliError::Network(
        "The server's account answer is malformed. Is it a sealdrop server of the same version?"
            .into(),
    )
}

fn save(login: &Login, passphrase: &str) -> Result<()> {
    let salt: [u8; 16] = sealdrop_core::random();
    let params = Argon2Params::DEFAULT;
    let key = file_key(passphrase, &salt, &params)?;
    let secrets = Zeroizing::new(
        serde_json::to_string(&Secrets {
            api_key: login.api_key.to_string(),
            k: b64_encode(login.k.as_key().as_bytes()),
        })
        .expect("strings serialise"),
    );
    let aad = format!("{AAD}{}", login.account_id);
    let nonce: [u8; 12] = sealdrop_core::random();
    let mut sealed = nonce.to_vec();
    sealed.extend(RingAead::new(&key).seal(&nonce, aad.as_bytes(), secrets.as_bytes().to_vec()));
    let stored = Stored {
        v: 1,
        server: login.server.clone(),
        account_id: login.account_id.clone(),
        email: login.email.clone(),
        generation: login.generation,
        salt: b64_encode(&salt),
        m_kib: params.m_kib,
        t: params.t,
        p: params.p,
        sealed: b64_encode(&sealed),
    };
    let text = serde_json::to_vec_pretty(&stored).expect("the login serialises");
    write_private(&home()?.join(FILE), &text)
}

/// The stored login, opened with the passphrase; a clear sentence when there is none.
pub fn load(answers: &mut Answers) -> Result<Login> {
    let path = home()?.join(FILE);
    let text = std::fs::read(&path).map_err(|_| {
        CliError::Local(
            "This machine is not logged in to sealdrop. Run sealdrop login first.".into(),
        )
    })?;
    let stored: Stored = serde_json::from_slice(&text).map_err(|_| {
        CliError::Local(format!(
            "{} is damaged. Run sealdrop login again.",
            path.display()
        ))
    })?;
    let salt = b64_decode_array::<16>(&stored.salt, "a salt").map_err(|_| damaged(&path))?;
    let params = Argon2Params::new(stored.m_kib, stored.t, stored.p).map_err(|_| damaged(&path))?;
    let key = file_key(&passphrase(answers)?, &salt, &params)?;
    let sealed = b64_decode(&stored.sealed, "the sealed login").map_err(|_| damaged(&path))?;
    let aad = format!("{AAD}{}", stored.account_id);
    let (nonce, body) = sealed.split_at_checked(12).ok_or_else(|| damaged(&path))?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| damaged(&path))?;
    let opened = Zeroizing::new(RingAead::new(&key).open(&nonce, aad.as_bytes(), body).map_err(|_| {
        CliError::Local("The passphrase does not open this machine's sealdrop login. Check SEALDROP_PASSPHRASE, or run sealdrop login again.".into())
    })?);
    let secrets: Secrets = serde_json::from_slice(&opened).map_err(|_| damaged(&path))?;
    let k = Zeroizing::new(b64_decode_array::<32>(&secrets.k, "K").map_err(|_| damaged(&path))?);
    Ok(Login {
        server: stored.server,
        account_id: stored.account_id,
        email: stored.email,
        api_key: Zeroizing::new(secrets.api_key),
        k: AccountKey(Key32::from_bytes(*k)),
        generation: stored.generation,
    })
}

fn damaged(path: &std::path::Path) -> CliError {
    CliError::Local(format!(
        "{} is damaged. Run sealdrop login again.",
        path.display()
    ))
}

/// The account as the server shows it now, refused when K moved on since this login.
pub fn current_account(login: &Login, client: &Client) -> Result<Me> {
    let view: AccountView = client.json(
        "GET",
        "/api/account",
        Auth::ApiKey(&login.api_key),
        None::<&()>,
    )?;
    let generation = view.account.account_key.as_ref().map(|k| k.generation);
    match generation {
        Some(g) if g == login.generation => Ok(view.account),
        Some(g) if g < login.generation => Err(CliError::Tampered(
            "The server shows an older account key than this machine logged in with. Nothing was opened; tell your administrator.".into(),
        )),
        _ => Err(CliError::Refused {
            status: 0,
            code: "login_outdated".into(),
            message: "Your account key changed since this machine logged in (a password change rotated it). Run sealdrop login again.".into(),
        }),
    }
}
