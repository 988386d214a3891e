//! File requests: the HPKE stanza that carries a file secret to a staff member, the upload
//! token and the wrapped request secret (format-v1.md, File requests).

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
pub use hpke::rand_core::{CryptoRng, RngCore};
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, PskBundle, Serializable};

use crate::aead::{open_with_nonce, seal_with_nonce};
use crate::encoding::Id;
use crate::error::Error;
use crate::header::HEADER_LEN;
use crate::keys::{derive, FileSecret, Key32};

/// `enc (32) || HPKE ciphertext of fs (32) || tag (16)`.
pub const STANZA_LEN: usize = 80;
const STANZA_INFO: &[u8] = b"sealdrop v1 request stanza";

/// The request secret `rs` of a request link.
///
/// Invariant: 32 bytes from the CSPRNG, held by the link and (wrapped) by its staff member.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RequestSecret(pub Key32);

impl RequestSecret {
    pub fn psk(&self) -> Key32 {
        derive("sealdrop v1 request psk", self.0.as_bytes())
    }

    /// Required on every upload call; the server stores only its BLAKE3.
    pub fn upload_token(&self) -> Key32 {
        derive("sealdrop v1 request upload token", self.0.as_bytes())
    }

    /// `nonce || AES-256-GCM(vault key, nonce, "sealdrop v1 request secret" || request id, rs)`.
    pub fn wrap(&self, vault_key: &Key32, request_id: &Id, nonce: &[u8; 12]) -> Vec<u8> {
        seal_with_nonce(vault_key, nonce, &wrap_aad(request_id), self.0.as_bytes())
    }

    pub fn unwrap(vault_key: &Key32, request_id: &Id, wrapped: &[u8]) -> Result<Self, Error> {
        let rs = zeroize::Zeroizing::new(
            open_with_nonce(vault_key, &wrap_aad(request_id), wrapped)
                .map_err(|_| Error::WrongVaultKey)?,
        );
        Ok(RequestSecret(
            Key32::from_slice(&rs).map_err(|_| Error::WrongVaultKey)?,
        ))
    }
}

fn wrap_aad(request_id: &Id) -> Vec<u8> {
    [
        b"sealdrop v1 request secret".as_slice(),
        request_id.as_bytes(),
    ]
    .concat()
}

fn stanza_aad(header: &[u8; HEADER_LEN], request_id: &Id) -> Vec<u8> {
    [header.as_slice(), request_id.as_bytes()].concat()
}

/// HPKE `SealPSK` of RFC 9180 in this crate's one suite (DHKEM(X25519, HKDF-SHA256),
/// HKDF-SHA256, AES-256-GCM): returns `enc || ciphertext`. An all-zero shared secret is refused.
pub fn hpke_seal_psk<R: CryptoRng + RngCore>(
    pk_r: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    psk: &[u8],
    psk_id: &[u8],
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, Error> {
    let pk = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(pk_r)
        .map_err(|_| Error::BadPublicKey)?;
    let mode = OpModeS::Psk(PskBundle::new(psk, psk_id).map_err(|_| Error::BadPublicKey)?);
    let (enc, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256, _>(
        &mode, &pk, info, plaintext, aad, rng,
    )
    // The only failure of an X25519 seal is an all-zero shared secret (a low-order key).
    .map_err(|_| Error::BadPublicKey)?;
    Ok([enc.to_bytes().as_slice(), &ct].concat())
}

/// HPKE `OpenPSK` in the same suite, from `enc || ciphertext`.
pub fn hpke_open_psk(
    sk_r: &Key32,
    info: &[u8],
    aad: &[u8],
    psk: &[u8],
    psk_id: &[u8],
    sealed: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    if sealed.len() < 32 {
        return Err(Error::StanzaRefused);
    }
    let sk = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(sk_r.as_bytes())
        .map_err(|_| Error::StanzaRefused)?;
    let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&sealed[..32])
        .map_err(|_| Error::StanzaRefused)?;
    let mode = OpModeR::Psk(PskBundle::new(psk, psk_id).map_err(|_| Error::StanzaRefused)?);
    hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &mode,
        &sk,
        &enc,
        info,
        &sealed[32..],
        aad,
    )
    .map(zeroize::Zeroizing::new)
    .map_err(|_| Error::StanzaRefused)
}

/// Seals `fs` to the staff member's public key, bound to the file's header and the request.
/// `rng` supplies the ephemeral key (the CSPRNG; a fixed one only for test vectors).
pub fn seal_stanza<R: CryptoRng + RngCore>(
    pk_r: &[u8; 32],
    request_id: &Id,
    rs: &RequestSecret,
    header: &[u8; HEADER_LEN],
    fs: &FileSecret,
    rng: &mut R,
) -> Result<[u8; STANZA_LEN], Error> {
    let psk = rs.psk();
    let aad = stanza_aad(header, request_id);
    let sealed = hpke_seal_psk(
        pk_r,
        STANZA_INFO,
        &aad,
        psk.as_bytes(),
        request_id.as_bytes(),
        fs.0.as_bytes(),
        rng,
    )?;
    Ok(sealed.try_into().expect("32 + 32 + 16 bytes"))
}

/// Opens a stanza with the staff member's private key and the request secret.
pub fn open_stanza(
    sk_r: &Key32,
    request_id: &Id,
    rs: &RequestSecret,
    header: &[u8; HEADER_LEN],
    stanza: &[u8],
) -> Result<FileSecret, Error> {
    if stanza.len() != STANZA_LEN {
        return Err(Error::StanzaRefused);
    }
    let psk = rs.psk();
    let aad = stanza_aad(header, request_id);
    let fs = hpke_open_psk(
        sk_r,
        STANZA_INFO,
        &aad,
        psk.as_bytes(),
        request_id.as_bytes(),
        stanza,
    )?;
    Ok(FileSecret(
        Key32::from_slice(&fs).map_err(|_| Error::StanzaRefused)?,
    ))
}

/// A new X25519 key pair `(sk, pk)` from the CSPRNG.
pub fn generate_keypair() -> (Key32, [u8; 32]) {
    let (sk, pk) = X25519HkdfSha256::gen_keypair(&mut SystemRng);
    let mut sk_bytes = sk.to_bytes();
    let key = Key32::from_slice(&sk_bytes).expect("32 bytes");
    zeroize::Zeroize::zeroize(sk_bytes.as_mut_slice());
    (key, pk.to_bytes().into())
}

/// The X25519 public key of `sk`.
pub fn public_key(sk: &Key32) -> [u8; 32] {
    x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*sk.as_bytes())).to_bytes()
}

/// The system CSPRNG in the form the hpke crate takes.
pub struct SystemRng;

impl RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        u32::from_le_bytes(crate::random())
    }

    fn next_u64(&mut self) -> u64 {
        u64::from_le_bytes(crate::random())
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        crate::fill_random(dest);
    }
}

impl CryptoRng for SystemRng {}
