//! The rest of format v1 for pages: hashing, encodings, metadata, shares, file requests and
//! staff keys. Thin wrappers: every rule lives in `sealdrop-core`.

use js_sys::{Object, Reflect};
use sealdrop_core::encoding::{b64_decode, b64_encode, Id};
use sealdrop_core::header::Header;
use sealdrop_core::metadata::{open_metadata, seal_metadata, Metadata};
use sealdrop_core::request::{
    generate_keypair, open_stanza, public_key, seal_stanza, RequestSecret, SystemRng,
};
use sealdrop_core::share::{
    argon2id as core_argon2id, open_manifest, seal_manifest, Argon2Params, LinkSecret, Manifest,
    PasswordSalt, ShareSecret,
};
use sealdrop_core::staff;
use sealdrop_core::{FileKeys, FileSecret, Key32};
use wasm_bindgen::prelude::*;

use crate::error::SealdropError;

type Result<T> = std::result::Result<T, SealdropError>;

/// Key material from JavaScript, checked for length.
pub(crate) fn key(bytes: &[u8], what: &str) -> Result<Key32> {
    Key32::from_slice(bytes).map_err(|_| SealdropError::bad_input(what))
}

fn array<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| SealdropError::bad_input(what))
}

fn id(bytes: &[u8]) -> Result<Id> {
    Ok(Id(array(bytes, "the id")?))
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue> {
    serde_wasm_bindgen::to_value(value).map_err(|e| SealdropError::new("bad input", e.to_string()))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| SealdropError::new("bad input", format!("{what}: {e}")))
}

/// The keys of a file, after its header's commitment was checked against `fs`.
pub(crate) fn file_keys(file_secret: &[u8], header: &[u8]) -> Result<(FileKeys, Header)> {
    let fs = FileSecret(key(file_secret, "the file secret")?);
    let header = Header::parse(header)?;
    Ok((header.verify(&fs)?, header))
}

/// The chunk size (log2) new files use unless the caller picks another.
#[wasm_bindgen(js_name = defaultLog2Chunk)]
pub fn default_log2_chunk() -> u8 {
    sealdrop_core::header::DEFAULT_LOG2_CHUNK
}

/// `n` bytes (at most 65,536) from the browser's CSPRNG.
#[wasm_bindgen(js_name = randomBytes)]
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    if n > 65_536 {
        return Err(SealdropError::bad_input(
            "a request for more than 65,536 random bytes",
        ));
    }
    let mut out = vec![0u8; n];
    sealdrop_core::fill_random(&mut out);
    Ok(out)
}

/// BLAKE3 of `data` (32 bytes): part hashes, auth key hashes.
#[wasm_bindgen(js_name = blake3)]
pub fn blake3_hash(data: &[u8]) -> Vec<u8> {
    blake3::hash(data).as_bytes().to_vec()
}

/// Incremental BLAKE3, for parts fed in pieces.
#[wasm_bindgen]
pub struct Blake3Hasher(blake3::Hasher);

#[wasm_bindgen]
impl Blake3Hasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Blake3Hasher {
        Blake3Hasher(blake3::Hasher::new())
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The 32-byte hash of everything fed so far.
    pub fn finalize(&self) -> Vec<u8> {
        self.0.finalize().as_bytes().to_vec()
    }
}

impl Default for Blake3Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// base64url without padding (links, ids, the auth key header).
#[wasm_bindgen(js_name = b64Encode)]
pub fn b64_encode_js(bytes: &[u8]) -> String {
    b64_encode(bytes)
}

/// Strict base64url: non-canonical text is refused.
#[wasm_bindgen(js_name = b64Decode)]
pub fn b64_decode_js(text: &str) -> Result<Vec<u8>> {
    Ok(b64_decode(text, "the base64url text")?)
}

/// A new 32-byte secret (a link secret, file secret or request secret).
#[wasm_bindgen(js_name = newSecret)]
pub fn new_secret() -> Vec<u8> {
    Key32::random().as_bytes().to_vec()
}

/// Seals `{name, size, type, modified}` for the file with this secret and header.
#[wasm_bindgen(js_name = sealMetadata)]
pub fn seal_metadata_js(file_secret: &[u8], header: &[u8], metadata: JsValue) -> Result<Vec<u8>> {
    let (keys, header) = file_keys(file_secret, header)?;
    let metadata: Metadata = from_js(metadata, "the file metadata")?;
    Ok(seal_metadata(
        &keys.metadata_key,
        &header.to_bytes(),
        &metadata,
    ))
}

#[wasm_bindgen(js_name = openMetadata)]
pub fn open_metadata_js(file_secret: &[u8], header: &[u8], sealed: &[u8]) -> Result<JsValue> {
    let (keys, header) = file_keys(file_secret, header)?;
    to_js(&open_metadata(
        &keys.metadata_key,
        &header.to_bytes(),
        sealed,
    )?)
}

/// The share secret of a share without a password (`ss = ls`).
#[wasm_bindgen(js_name = shareSecretFromLink)]
pub fn share_secret_from_link(link_secret: &[u8]) -> Result<Vec<u8>> {
    let ss = ShareSecret::from_link(&LinkSecret(key(link_secret, "the link secret")?));
    Ok(ss.0.as_bytes().to_vec())
}

/// The share secret of a password share: Argon2id (bounded parameters), then BLAKE3. Slow by
/// design: call it in a Web Worker.
#[wasm_bindgen(js_name = shareSecretWithPassword)]
pub fn share_secret_with_password(
    link_secret: &[u8],
    password: &str,
    pw_salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Vec<u8>> {
    let ls = LinkSecret(key(link_secret, "the link secret")?);
    let salt = PasswordSalt {
        pw_salt: array(pw_salt, "the password salt")?,
        params: Argon2Params::new(m_kib, t, p)?,
    };
    Ok(ShareSecret::with_password(&ls, password, &salt)?
        .0
        .as_bytes()
        .to_vec())
}

#[wasm_bindgen(js_name = shareFileSecret)]
pub fn share_file_secret(share_secret: &[u8], j: u32) -> Result<Vec<u8>> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    Ok(ss.file_secret(j).0.as_bytes().to_vec())
}

/// The proof of key possession a downloader sends.
#[wasm_bindgen(js_name = shareAuthKey)]
pub fn share_auth_key(share_secret: &[u8]) -> Result<Vec<u8>> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    Ok(ss.auth_key().0.as_bytes().to_vec())
}

#[wasm_bindgen(js_name = sealManifest)]
pub fn seal_manifest_js(
    share_secret: &[u8],
    share_id: &[u8],
    manifest: JsValue,
) -> Result<Vec<u8>> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    let manifest: Manifest = from_js(manifest, "the manifest")?;
    Ok(seal_manifest(
        &ss.manifest_key(),
        &id(share_id)?,
        &manifest,
    )?)
}

#[wasm_bindgen(js_name = openManifest)]
pub fn open_manifest_js(share_secret: &[u8], share_id: &[u8], sealed: &[u8]) -> Result<JsValue> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    to_js(&open_manifest(&ss.manifest_key(), &id(share_id)?, sealed)?)
}

/// Refuses a file the opened manifest does not vouch for: slot `j` must be listed with this
/// content id (hex, as a session's `finish` gives it) and the BLAKE3 of this sealed metadata.
/// A reader checks the header's content id before it closes a file's output normally.
#[wasm_bindgen(js_name = checkManifestEntry)]
pub fn check_manifest_entry(
    manifest: JsValue,
    j: u32,
    content_id: &str,
    sealed_metadata: &[u8],
) -> Result<()> {
    let manifest: Manifest = from_js(manifest, "the manifest")?;
    let content_id = sealdrop_core::encoding::hex_array::<32>(content_id, "a content id")?;
    manifest.vouch(j, &content_id, sealed_metadata)?;
    Ok(())
}

/// A new X25519 key pair: `{ secretKey, publicKey }`.
#[wasm_bindgen(js_name = generateKeyPair)]
pub fn generate_key_pair() -> Result<JsValue> {
    let (sk, pk) = generate_keypair();
    let out = Object::new();
    Reflect::set(
        &out,
        &"secretKey".into(),
        &js_sys::Uint8Array::from(sk.as_bytes().as_slice()),
    )
    .and_then(|_| {
        Reflect::set(
            &out,
            &"publicKey".into(),
            &js_sys::Uint8Array::from(pk.as_slice()),
        )
    })
    .map_err(|e| SealdropError::webcrypto(&e))?;
    Ok(out.into())
}

#[wasm_bindgen(js_name = publicKey)]
pub fn public_key_js(secret_key: &[u8]) -> Result<Vec<u8>> {
    Ok(public_key(&key(secret_key, "the private key")?).to_vec())
}

/// The key fingerprint people read out to each other ("ABCD EFGH IJKL MNOP").
#[wasm_bindgen]
pub fn fingerprint(public_key: &[u8]) -> Result<String> {
    Ok(staff::fingerprint(&array(public_key, "the public key")?))
}

#[wasm_bindgen(js_name = requestUploadToken)]
pub fn request_upload_token(request_secret: &[u8]) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    Ok(rs.upload_token().as_bytes().to_vec())
}

/// Seals a file secret to a request's public key: the 80-byte stanza.
#[wasm_bindgen(js_name = sealStanza)]
pub fn seal_stanza_js(
    public_key: &[u8],
    request_id: &[u8],
    request_secret: &[u8],
    header: &[u8],
    file_secret: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    let fs = FileSecret(key(file_secret, "the file secret")?);
    let header: [u8; 56] = Header::parse(header)?.to_bytes();
    let pk = array(public_key, "the public key")?;
    Ok(seal_stanza(&pk, &id(request_id)?, &rs, &header, &fs, &mut SystemRng)?.to_vec())
}

/// Opens a stanza into the file secret, and checks it against the header's commitment.
#[wasm_bindgen(js_name = openStanza)]
pub fn open_stanza_js(
    secret_key: &[u8],
    request_id: &[u8],
    request_secret: &[u8],
    header: &[u8],
    stanza: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    let sk = key(secret_key, "the private key")?;
    let parsed = Header::parse(header)?;
    let fs = open_stanza(&sk, &id(request_id)?, &rs, &parsed.to_bytes(), stanza)?;
    parsed.verify(&fs)?;
    Ok(fs.0.as_bytes().to_vec())
}

#[wasm_bindgen(js_name = wrapRequestSecret)]
pub fn wrap_request_secret(
    vault_key: &[u8],
    request_id: &[u8],
    request_secret: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    Ok(rs.wrap(
        &key(vault_key, "the vault key")?,
        &id(request_id)?,
        &sealdrop_core::random(),
    ))
}

#[wasm_bindgen(js_name = unwrapRequestSecret)]
pub fn unwrap_request_secret(
    vault_key: &[u8],
    request_id: &[u8],
    wrapped: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret::unwrap(&key(vault_key, "the vault key")?, &id(request_id)?, wrapped)?;
    Ok(rs.0.as_bytes().to_vec())
}

/// Argon2id of a password with bounded parameters (64..512 MiB, 3..16 passes, 1..4 lanes).
#[wasm_bindgen]
pub fn argon2id(password: &str, salt: &[u8], m_kib: u32, t: u32, p: u32) -> Result<Vec<u8>> {
    let params = Argon2Params::new(m_kib, t, p)?;
    Ok(core_argon2id(password, &array(salt, "the salt")?, &params)?
        .as_bytes()
        .to_vec())
}

#[wasm_bindgen(js_name = loginKey)]
pub fn login_key(stretched: &[u8]) -> Result<Vec<u8>> {
    Ok(staff::login_key(&key(stretched, "the stretched password")?)
        .as_bytes()
        .to_vec())
}

#[wasm_bindgen(js_name = vaultKey)]
pub fn vault_key(stretched: &[u8], sk128: &[u8]) -> Result<Vec<u8>> {
    let a = key(stretched, "the stretched password")?;
    Ok(
        staff::vault_key(&a, &array(sk128, "the account secret key")?)
            .as_bytes()
            .to_vec(),
    )
}

#[wasm_bindgen(js_name = wrapPrivateKey)]
pub fn wrap_private_key(vault_key: &[u8], account_id: &[u8], secret_key: &[u8]) -> Result<Vec<u8>> {
    let vk = key(vault_key, "the vault key")?;
    let sk = key(secret_key, "the private key")?;
    Ok(staff::wrap_private_key(
        &vk,
        &id(account_id)?,
        &sk,
        &sealdrop_core::random(),
    ))
}

#[wasm_bindgen(js_name = unwrapPrivateKey)]
pub fn unwrap_private_key(
    vault_key: &[u8],
    account_id: &[u8],
    public_key: &[u8],
    wrapped: &[u8],
) -> Result<Vec<u8>> {
    let vk = key(vault_key, "the vault key")?;
    let sk = staff::unwrap_private_key(
        &vk,
        &id(account_id)?,
        &array(public_key, "the public key")?,
        wrapped,
    )?;
    Ok(sk.as_bytes().to_vec())
}

/// The upload geometry of a file of `plaintext_size` bytes: its payload length and how that
/// payload is cut into upload parts (`chunks_per_part` 0 picks the format's smallest `k`).
#[wasm_bindgen(js_name = uploadLayout)]
pub fn upload_layout(plaintext_size: f64, log2_chunk: u8, chunks_per_part: f64) -> Result<JsValue> {
    let size = js_u64(plaintext_size, "the file size")?;
    let payload = sealdrop_core::layout::PayloadLayout::for_plaintext(log2_chunk, size)?;
    let parts = match js_u64(chunks_per_part, "the chunks per part")? {
        0 => sealdrop_core::layout::PartLayout::minimal(log2_chunk),
        k => sealdrop_core::layout::PartLayout::with_chunks_per_part(log2_chunk, k)
            .ok_or_else(|| SealdropError::bad_input("the chunks per part"))?,
    };
    let layout = Object::new();
    for (name, value) in [
        ("payloadSize", payload.payload_len()),
        ("chunksPerPart", parts.chunks_per_part()),
        ("partSize", parts.part_len()),
        ("partCount", parts.part_count(payload.payload_len())),
    ] {
        Reflect::set(&layout, &name.into(), &(value as f64).into())
            .map_err(|_| SealdropError::bad_input("the layout"))?;
    }
    Ok(layout.into())
}

/// A JavaScript number that is a whole, non-negative, exactly representable integer.
fn js_u64(value: f64, what: &str) -> Result<u64> {
    let exact = value.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&value);
    if exact {
        Ok(value as u64)
    } else {
        Err(SealdropError::bad_input(what))
    }
}

/// The emergency kit's code for an account secret key (`sk128`).
#[wasm_bindgen(js_name = kitEncode)]
pub fn kit_encode(sk128: &[u8]) -> Result<String> {
    Ok(staff::kit_code(&array(sk128, "the account secret key")?))
}

/// The account secret key of a kit code as a person typed it.
#[wasm_bindgen(js_name = kitDecode)]
pub fn kit_decode(code: &str) -> Result<Vec<u8>> {
    Ok(staff::parse_kit_code(code)?.to_vec())
}
