//! The one error type of the format: a case per failure a person can act on.

use core::fmt;

/// Everything that can go wrong while reading or writing sealdrop v1 data.
///
/// The first nine cases are the reading errors of format-v1.md, named as in the test vectors
/// ([`Error::kind`] gives that name); `index` is the chunk index where one applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    BadMagic,
    BadVersion,
    BadChunkSize,
    BadFlags,
    WrongKey,
    TamperedChunk {
        index: u64,
    },
    Truncated,
    TrailingData,
    EmptyLastChunk,
    /// Sealed metadata, a manifest, a wrapped key or a stanza failed to authenticate.
    TamperedMetadata,
    TamperedManifest,
    /// A key wrapped under a vault key did not open: wrong password, wrong emergency kit, or a
    /// damaged record.
    WrongVaultKey,
    /// A wrapped account key or wrapped sk128 did not open (unlock-factors.md): the wrong
    /// password, kit or passkey, a blob of another account, factor or generation, or damage.
    WrongFactor,
    /// A file request stanza did not open: wrong private key, wrong request secret, or damage.
    StanzaRefused,
    /// The recipient's public key is not usable (for X25519: gives an all-zero shared secret).
    BadPublicKey,
    /// Opened metadata or a manifest is not the JSON the format defines.
    BadMetadata(String),
    BadManifest(String),
    /// Argon2id parameters outside the format's bounds.
    Argon2Params {
        m_kib: u32,
        t: u32,
        p: u32,
    },
    /// Text that should be base64url, hex or an id is not, or has the wrong length.
    BadEncoding(&'static str),
    /// A length beyond what the format can describe.
    TooLarge,
    /// A sealer or opener was used after it finished or failed.
    Finished,
}

/// The stable, machine-readable name of an [`Error`], as used in the test vectors and in the
/// errors the browser module hands to JavaScript.
pub type ErrorKind = &'static str;

impl Error {
    /// The stable name of this error. The first nine are the vector file's names.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::BadMagic => "bad magic",
            Error::BadVersion => "bad version",
            Error::BadChunkSize => "bad chunk size",
            Error::BadFlags => "bad flags",
            Error::WrongKey => "wrong key",
            Error::TamperedChunk { .. } => "tampered chunk",
            Error::Truncated => "truncated",
            Error::TrailingData => "trailing data",
            Error::EmptyLastChunk => "empty last chunk",
            Error::TamperedMetadata => "tampered metadata",
            Error::TamperedManifest => "tampered manifest",
            Error::WrongVaultKey => "wrong vault key",
            Error::WrongFactor => "wrong factor",
            Error::StanzaRefused => "stanza refused",
            Error::BadPublicKey => "bad public key",
            Error::BadMetadata(_) => "bad metadata",
            Error::BadManifest(_) => "bad manifest",
            Error::Argon2Params { .. } => "argon2 parameters",
            Error::BadEncoding(_) => "bad encoding",
            Error::TooLarge => "too large",
            Error::Finished => "finished",
        }
    }

    /// The chunk index the error is about, where there is one.
    pub fn index(&self) -> Option<u64> {
        match self {
            Error::TamperedChunk { index } => Some(*index),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadMagic => f.write_str("this is not a sealdrop file (bad magic)"),
            Error::BadVersion => {
                f.write_str("this sealdrop file has a version this program does not read; update it")
            }
            Error::BadChunkSize => f.write_str("the file header names a chunk size outside 2^16..2^24; the file is damaged"),
            Error::BadFlags => f.write_str("the file header has unknown flags; the file is damaged or from a newer version"),
            Error::WrongKey => f.write_str("the key does not match this file: the link or password is wrong, or the header was changed"),
            Error::TamperedChunk { index } => write!(f, "chunk {index} was changed after it was sent; nothing of it was released"),
            Error::Truncated => f.write_str("the file ends early: its last part is missing"),
            Error::TrailingData => f.write_str("the file has data after its last chunk; it was changed after it was sent"),
            Error::EmptyLastChunk => f.write_str("the file ends in an empty chunk, which no sealdrop writer makes; it was changed"),
            Error::TamperedMetadata => f.write_str("the file's name and details do not open with this key or were changed"),
            Error::TamperedManifest => f.write_str("the share's list of files does not open with this key or was changed"),
            Error::WrongVaultKey => f.write_str("the stored key does not open: the password or the emergency kit is wrong"),
            Error::WrongFactor => f.write_str("the account key does not open with this password, kit or passkey"),
            Error::StanzaRefused => f.write_str("this file's key does not open with your key and the request secret; it was not sent through your request link"),
            Error::BadPublicKey => f.write_str("the recipient key in the link is not usable; ask for a new link"),
            Error::BadMetadata(why) => write!(f, "the file's details are malformed: {why}"),
            Error::BadManifest(why) => write!(f, "the share's list of files is malformed: {why}"),
            Error::Argon2Params { m_kib, t, p } => write!(
                f,
                "password stretching parameters m = {m_kib} KiB, t = {t}, p = {p} are outside the allowed range (m 64..512 MiB, t 3..16, p 1..4)"
            ),
            Error::BadEncoding(what) => write!(f, "{what} is malformed"),
            Error::TooLarge => f.write_str("the file is larger than a sealdrop file can be"),
            Error::Finished => f.write_str("this stream has already finished or failed"),
        }
    }
}

impl std::error::Error for Error {}
