//! Shares: link secret, optional password, per-file secrets, proof of key possession and the
//! sealed manifest (format-v1.md, Shares).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::aead::{open_with_nonce, seal_with_nonce};
use crate::encoding::{hex_array, Id};
use crate::error::Error;
use crate::keys::{ct_eq, derive, derive_concat, FileSecret, Key32};
use crate::metadata::{pad, unpad};

/// Argon2id cost parameters.
///
/// Invariant: within the format's bounds (m 64..=512 MiB, t 3..=16, p 1..=4) when used, whoever
/// supplied them (a server's JSON, a caller's struct update); only values made by
/// `insecure_for_tests` (feature `test-params`, which no client enables) may fall below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argon2Params {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    /// Set only by `insecure_for_tests`; never read from JSON.
    #[serde(skip)]
    below_minimum_for_tests: bool,
}

impl Argon2Params {
    /// The default and minimum: 64 MiB, 3 passes, one lane.
    pub const DEFAULT: Argon2Params = Argon2Params {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
        below_minimum_for_tests: false,
    };

    /// Parameters checked against the format's bounds.
    pub fn new(m_kib: u32, t: u32, p: u32) -> Result<Self, Error> {
        Argon2Params {
            m_kib,
            t,
            p,
            below_minimum_for_tests: false,
        }
        .checked()
    }

    /// Parameters below the minimum, for test vectors only.
    #[cfg(feature = "test-params")]
    pub fn insecure_for_tests(m_kib: u32, t: u32, p: u32) -> Self {
        Argon2Params {
            m_kib,
            t,
            p,
            below_minimum_for_tests: true,
        }
    }

    /// Checks the bounds again at the point of use: the fields are public and may have come
    /// from anywhere.
    fn checked(self) -> Result<Self, Error> {
        let Argon2Params {
            m_kib,
            t,
            p,
            below_minimum_for_tests,
        } = self;
        let in_bounds = (64 * 1024..=512 * 1024).contains(&m_kib)
            && (3..=16).contains(&t)
            && (1..=4).contains(&p);
        if in_bounds || (below_minimum_for_tests && cfg!(feature = "test-params")) {
            Ok(self)
        } else {
            Err(Error::Argon2Params { m_kib, t, p })
        }
    }
}

/// Argon2id v0x13 of the NFC-normalised password, 32 bytes out, empty secret and associated
/// data.
pub fn argon2id(password: &str, salt: &[u8; 16], params: &Argon2Params) -> Result<Key32, Error> {
    let params = params.checked()?;
    let bad = || Error::Argon2Params {
        m_kib: params.m_kib,
        t: params.t,
        p: params.p,
    };
    let argon_params =
        argon2::Params::new(params.m_kib, params.t, params.p, Some(32)).map_err(|_| bad())?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let normalised = Zeroizing::new(password.nfc().collect::<String>());
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(normalised.as_bytes(), salt, &mut *out)
        .map_err(|_| bad())?;
    Ok(Key32::from_bytes(*out))
}

/// The link secret `ls`: the fragment of a share link.
///
/// Invariant: 32 bytes from the CSPRNG; it never reaches the server.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LinkSecret(pub Key32);

/// The password-protection record a share keeps on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordSalt {
    pub pw_salt: [u8; 16],
    pub params: Argon2Params,
}

/// The share secret `ss`, root of every key of a share.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ShareSecret(pub Key32);

impl ShareSecret {
    /// A share without a password: `ss = ls`.
    pub fn from_link(ls: &LinkSecret) -> Self {
        ShareSecret(ls.0.clone())
    }

    /// A share with a password: `ss = derive("sealdrop v1 password secret", ls || Argon2id(...))`.
    pub fn with_password(
        ls: &LinkSecret,
        password: &str,
        salt: &PasswordSalt,
    ) -> Result<Self, Error> {
        let stretched = argon2id(password, &salt.pw_salt, &salt.params)?;
        Ok(ShareSecret(derive_concat(
            "sealdrop v1 password secret",
            &[ls.0.as_bytes(), stretched.as_bytes()],
        )))
    }

    /// The file secret of slot `j`. Invariant: a slot is given to one file only, ever.
    pub fn file_secret(&self, j: u32) -> FileSecret {
        FileSecret(derive_concat(
            "sealdrop v1 share file secret",
            &[self.0.as_bytes(), &j.to_be_bytes()],
        ))
    }

    pub fn auth_key(&self) -> AuthKey {
        AuthKey(derive("sealdrop v1 share auth key", self.0.as_bytes()))
    }

    pub fn manifest_key(&self) -> Key32 {
        derive("sealdrop v1 manifest key", self.0.as_bytes())
    }
}

/// The proof of key possession a downloader sends; the server keeps only [`AuthKey::hash`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuthKey(pub Key32);

impl AuthKey {
    pub fn hash(&self) -> [u8; 32] {
        *blake3::hash(self.0.as_bytes()).as_bytes()
    }

    /// Checks a presented key against a stored hash, in constant time.
    pub fn matches(&self, stored_hash: &[u8; 32]) -> bool {
        ct_eq(&self.hash(), stored_hash)
    }
}

/// One file of a share as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub j: u32,
    pub content_id: String,
    pub metadata_hash: String,
}

/// The list of a share's files, sealed so that the server cannot hide, add or roll back files.
///
/// Invariant: slot numbers `j` are distinct; hashes are 32-byte lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub files: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("manifest serialises")
    }

    /// Checks the invariant; every manifest sealed or opened passes here.
    fn validate(&self) -> Result<(), Error> {
        let mut seen = std::collections::BTreeSet::new();
        for f in &self.files {
            if !seen.insert(f.j) {
                return Err(Error::BadManifest(format!(
                    "file slot {} is listed twice",
                    f.j
                )));
            }
            hex_array::<32>(&f.content_id, "a content id").map_err(|_| {
                Error::BadManifest(format!("file slot {} has a malformed content id", f.j))
            })?;
            hex_array::<32>(&f.metadata_hash, "a metadata hash").map_err(|_| {
                Error::BadManifest(format!("file slot {} has a malformed metadata hash", f.j))
            })?;
        }
        Ok(())
    }

    /// The entry for slot `j`, checked against a file's content id and sealed metadata: a
    /// reader refuses any file the manifest does not vouch for.
    pub fn vouch(
        &self,
        j: u32,
        content_id: &[u8; 32],
        sealed_metadata: &[u8],
    ) -> Result<&ManifestEntry, Error> {
        let entry = self.files.iter().find(|f| f.j == j).ok_or_else(|| {
            Error::BadManifest(format!("file slot {j} is not in the share's list"))
        })?;
        let metadata_hash = blake3::hash(sealed_metadata);
        if entry.content_id != hex::encode(content_id)
            || entry.metadata_hash != metadata_hash.to_hex().as_str()
        {
            return Err(Error::BadManifest(format!(
                "file slot {j} does not match the share's list"
            )));
        }
        Ok(entry)
    }
}

fn manifest_aad(share_id: &Id) -> Vec<u8> {
    [b"sealdrop manifest".as_slice(), share_id.as_bytes()].concat()
}

/// Seals manifest JSON text exactly as given; `nonce` from the CSPRNG except in test vectors.
pub fn seal_manifest_json(
    manifest_key: &Key32,
    share_id: &Id,
    json: &str,
    nonce: &[u8; 12],
) -> Vec<u8> {
    seal_with_nonce(manifest_key, nonce, &manifest_aad(share_id), &pad(json))
}

/// Seals a manifest under a fresh random nonce, after checking it, so that no writer can
/// make a manifest every reader refuses.
pub fn seal_manifest(
    manifest_key: &Key32,
    share_id: &Id,
    manifest: &Manifest,
) -> Result<Vec<u8>, Error> {
    manifest.validate()?;
    Ok(seal_manifest_json(
        manifest_key,
        share_id,
        &manifest.to_json(),
        &crate::random(),
    ))
}

pub fn open_manifest(
    manifest_key: &Key32,
    share_id: &Id,
    sealed: &[u8],
) -> Result<Manifest, Error> {
    let padded = open_with_nonce(manifest_key, &manifest_aad(share_id), sealed)
        .map_err(|_| Error::TamperedManifest)?;
    let json = unpad(&padded).ok_or_else(|| Error::BadManifest("wrong padding".into()))?;
    // serde's message would quote decrypted values into an error that may be logged.
    let manifest: Manifest = serde_json::from_slice(json)
        .map_err(|_| Error::BadManifest("not the JSON object the format defines".into()))?;
    manifest.validate()?;
    Ok(manifest)
}
