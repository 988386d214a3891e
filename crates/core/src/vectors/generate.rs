//! The generator of `tests/vectors/format-v1.json`: every "random" input is BLAKE3 of a label,
//! so that running it again gives the same bytes.

use crate::aead::{ChunkAead, SoftAead};
use crate::content::part_hash;
use crate::encoding::Id;
use crate::header::Header;
use crate::keys::{FileKeys, FileSecret, Key32};
use crate::metadata::seal_metadata_json;
use crate::nonce::Nonce;
use crate::request::{public_key, seal_stanza, CryptoRng, RequestSecret, RngCore};
use crate::share::{
    seal_manifest_json, Argon2Params, LinkSecret, Manifest, ManifestEntry, PasswordSalt,
    ShareSecret,
};
use crate::staff::{fingerprint, login_key, vault_key, wrap_private_key};
use crate::stream::Sealer;

use super::{
    FileVector, InvalidVector, ManifestVector, MetadataVector, RequestVector, ShareFileVector,
    ShareVector, StaffKeyVector, VectorFile,
};

/// Deterministic bytes for a label, so that regenerating the file gives the same bytes.
pub(super) fn det<const N: usize>(label: &str) -> [u8; N] {
    let mut out = [0u8; N];
    blake3::Hasher::new_derive_key("sealdrop v1 test vectors")
        .update(label.as_bytes())
        .finalize_xof()
        .fill(&mut out);
    out
}

fn det_vec(label: &str, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    blake3::Hasher::new_derive_key("sealdrop v1 test vectors")
        .update(label.as_bytes())
        .finalize_xof()
        .fill(&mut out);
    out
}

/// A deterministic "CSPRNG" for the stanza's ephemeral key in vectors.
struct DetRng(blake3::OutputReader);

impl RngCore for DetRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }
}
impl CryptoRng for DetRng {}

/// Seals `plaintext` whole; returns (header, payload, content id).
pub fn seal_all(
    fs: &FileSecret,
    salt: [u8; 16],
    log2_chunk: u8,
    plaintext: &[u8],
) -> ([u8; 56], Vec<u8>, [u8; 32]) {
    let mut sealer = Sealer::with_salt(fs, salt, log2_chunk).expect("valid chunk size");
    let header = *sealer.header();
    let mut payload = Vec::new();
    sealer.push(plaintext, &mut payload).expect("open sealer");
    let id = sealer.finish(&mut payload).expect("open sealer");
    (header, payload, id.0)
}

fn file_vector(name: &str, log2_chunk: u8, len: usize, metadata: Option<&str>) -> FileVector {
    let fs = FileSecret(Key32::from_bytes(det(&format!("{name} fs"))));
    let salt: [u8; 16] = det(&format!("{name} salt"));
    let plaintext = det_vec(&format!("{name} plaintext"), len);
    let (header, payload, content_id) = seal_all(&fs, salt, log2_chunk, &plaintext);
    let keys = FileKeys::derive(&fs, &salt);
    let metadata = metadata.map(|json| {
        let meta_nonce: [u8; 12] = det(&format!("{name} meta nonce"));
        MetadataVector {
            json: json.to_string(),
            meta_nonce: hex::encode(meta_nonce),
            sealed: hex::encode(seal_metadata_json(
                &keys.metadata_key,
                &header,
                json,
                &meta_nonce,
            )),
        }
    });
    FileVector {
        name: name.into(),
        fs: hex::encode(fs.0.as_bytes()),
        salt: hex::encode(salt),
        log2_chunk,
        plaintext: hex::encode(&plaintext),
        header: hex::encode(header),
        payload: hex::encode(&payload),
        content_id: hex::encode(content_id),
        payload_key: hex::encode(keys.payload_key.as_bytes()),
        metadata_key: hex::encode(keys.metadata_key.as_bytes()),
        commitment: hex::encode(keys.commitment),
        metadata,
    }
}

fn invalid(
    name: &str,
    fs: &FileSecret,
    header: &[u8],
    payload: &[u8],
    error: &str,
    index: Option<u64>,
) -> InvalidVector {
    InvalidVector {
        name: name.into(),
        fs: hex::encode(fs.0.as_bytes()),
        header: hex::encode(header),
        payload: hex::encode(payload),
        error: error.into(),
        index,
    }
}

fn invalid_vectors() -> Vec<InvalidVector> {
    const LOG2: u8 = 16;
    const SLOT: usize = (1 << LOG2) + 16;
    let fs = FileSecret(Key32::from_bytes(det("invalid fs")));
    let salt: [u8; 16] = det("invalid salt");
    // Three chunks: two full, one of 1000 bytes.
    let (header, payload, _) = seal_all(
        &fs,
        salt,
        LOG2,
        &det_vec("invalid plaintext", 2 * (1 << LOG2) + 1000),
    );
    let (one_h, one_p, _) = seal_all(
        &fs,
        det("invalid one-chunk salt"),
        LOG2,
        &det_vec("invalid one chunk", 1 << LOG2),
    );
    let with = |at: usize, f: &dyn Fn(&mut u8)| {
        let mut h = header;
        f(&mut h[at]);
        h
    };
    let other_fs = FileSecret(Key32::from_bytes(det("invalid other fs")));
    let (_, other_payload, _) = seal_all(
        &other_fs,
        salt,
        LOG2,
        &det_vec("invalid plaintext", 2 * (1 << LOG2) + 1000),
    );

    // A payload whose last chunk is empty: chunk 0 full and sealed as non-last, chunk 1 empty
    // and sealed as last. No conforming writer produces it.
    let keys = FileKeys::derive(&fs, &det("invalid empty-last salt"));
    let el_header = Header::new(LOG2, det("invalid empty-last salt"), &keys)
        .expect("valid")
        .to_bytes();
    let aead = SoftAead::new(&keys.payload_key);
    let mut empty_last = aead.seal(
        Nonce::for_chunk(0, false).as_bytes(),
        &el_header,
        det_vec("el", 1 << LOG2),
    );
    empty_last.extend(aead.seal(Nonce::for_chunk(1, true).as_bytes(), &el_header, Vec::new()));

    let mut flipped_chunk1 = payload.clone();
    flipped_chunk1[SLOT + 100] ^= 0x01;
    let mut flipped_tag_last = payload.clone();
    *flipped_tag_last.last_mut().expect("non-empty") ^= 0x80;
    let mut swapped = payload[SLOT..2 * SLOT].to_vec();
    swapped.extend_from_slice(&payload[..SLOT]);
    swapped.extend_from_slice(&payload[2 * SLOT..]);
    let mut moved = payload[..SLOT].to_vec();
    moved.extend_from_slice(&other_payload[SLOT..2 * SLOT]);
    moved.extend_from_slice(&payload[2 * SLOT..]);
    let mut duplicated = payload[..SLOT].to_vec();
    duplicated.extend_from_slice(&payload[..SLOT]);
    duplicated.extend_from_slice(&payload[SLOT..]);
    let mut trailing = one_p.clone();
    trailing.push(0);
    let mut appended_chunk = one_p.clone();
    appended_chunk.extend_from_slice(&one_p);

    vec![
        invalid(
            "bad magic",
            &fs,
            &with(0, &|b| *b = b'X'),
            &payload,
            "bad magic",
            None,
        ),
        invalid(
            "short header",
            &fs,
            &header[..55],
            &payload,
            "bad magic",
            None,
        ),
        invalid(
            "bad version",
            &fs,
            &with(4, &|b| *b = 2),
            &payload,
            "bad version",
            None,
        ),
        invalid(
            "chunk size too small",
            &fs,
            &with(5, &|b| *b = 15),
            &payload,
            "bad chunk size",
            None,
        ),
        invalid(
            "chunk size too large",
            &fs,
            &with(5, &|b| *b = 25),
            &payload,
            "bad chunk size",
            None,
        ),
        invalid(
            "bad flags",
            &fs,
            &with(7, &|b| *b = 1),
            &payload,
            "bad flags",
            None,
        ),
        invalid(
            "wrong file secret",
            &other_fs,
            &header,
            &payload,
            "wrong key",
            None,
        ),
        invalid(
            "salt changed",
            &fs,
            &with(8, &|b| *b ^= 1),
            &payload,
            "wrong key",
            None,
        ),
        // The commitment covers fs and salt only; the header as AAD catches other edits.
        invalid(
            "chunk size changed",
            &fs,
            &with(5, &|b| *b = 17),
            &payload,
            "tampered chunk",
            Some(0),
        ),
        invalid(
            "bit flipped in chunk 1",
            &fs,
            &header,
            &flipped_chunk1,
            "tampered chunk",
            Some(1),
        ),
        invalid(
            "tag of last chunk flipped",
            &fs,
            &header,
            &flipped_tag_last,
            "tampered chunk",
            Some(2),
        ),
        invalid(
            "chunks 0 and 1 swapped",
            &fs,
            &header,
            &swapped,
            "tampered chunk",
            Some(0),
        ),
        invalid(
            "chunk 0 duplicated",
            &fs,
            &header,
            &duplicated,
            "tampered chunk",
            Some(1),
        ),
        invalid(
            "chunk 1 moved from another file",
            &fs,
            &header,
            &moved,
            "tampered chunk",
            Some(1),
        ),
        invalid(
            "final slot shorter than a tag",
            &fs,
            &header,
            &payload[..2 * SLOT + 10],
            "tampered chunk",
            Some(2),
        ),
        invalid(
            "last chunk dropped",
            &fs,
            &header,
            &payload[..2 * SLOT],
            "truncated",
            None,
        ),
        invalid("empty payload", &fs, &header, &[], "truncated", None),
        invalid(
            "byte after last chunk",
            &fs,
            &one_h,
            &trailing,
            "trailing data",
            None,
        ),
        invalid(
            "full last chunk appended twice",
            &fs,
            &one_h,
            &appended_chunk,
            "trailing data",
            None,
        ),
        invalid(
            "empty last chunk",
            &fs,
            &el_header,
            &empty_last,
            "empty last chunk",
            None,
        ),
    ]
}

fn share_vector(name: &str, password: Option<(&str, Argon2Params)>) -> ShareVector {
    let ls = LinkSecret(Key32::from_bytes(det(&format!("{name} ls"))));
    let pw_salt: [u8; 16] = det(&format!("{name} pw salt"));
    let ss = match password {
        None => ShareSecret::from_link(&ls),
        Some((pw, params)) => {
            ShareSecret::with_password(&ls, pw, &PasswordSalt { pw_salt, params })
                .expect("test params")
        }
    };
    let share_id = Id(det(&format!("{name} share id")));
    let files: Vec<ShareFileVector> = (0..2u32)
        .map(|j| ShareFileVector {
            j,
            fs: hex::encode(ss.file_secret(j).0.as_bytes()),
        })
        .collect();
    let entries = (0..2u32)
        .map(|j| {
            let fs = ss.file_secret(j);
            let salt: [u8; 16] = det(&format!("{name} file {j} salt"));
            let (header, _, content_id) =
                seal_all(&fs, salt, 16, format!("file {j} of {name}").as_bytes());
            let keys = FileKeys::derive(&fs, &salt);
            let json = format!(
                r#"{{"name":"file-{j}.txt","size":{},"type":"text/plain","modified":null}}"#,
                format!("file {j} of {name}").len()
            );
            let sealed = seal_metadata_json(
                &keys.metadata_key,
                &header,
                &json,
                &det(&format!("{name} file {j} meta nonce")),
            );
            ManifestEntry {
                j,
                content_id: hex::encode(content_id),
                metadata_hash: hex::encode(part_hash(&sealed)),
            }
        })
        .collect();
    let json = Manifest { files: entries }.to_json();
    let nonce: [u8; 12] = det(&format!("{name} manifest nonce"));
    let ak = ss.auth_key();
    ShareVector {
        name: name.into(),
        ls: hex::encode(ls.0.as_bytes()),
        password: password.map(|(p, _)| p.to_string()),
        pw_salt: password.map(|_| hex::encode(pw_salt)),
        argon2: password.map(|(_, a)| a),
        ss: hex::encode(ss.0.as_bytes()),
        files,
        auth_key: hex::encode(ak.0.as_bytes()),
        auth_key_hash: hex::encode(ak.hash()),
        manifest: ManifestVector {
            share_id: hex::encode(share_id.as_bytes()),
            nonce: hex::encode(nonce),
            sealed: hex::encode(seal_manifest_json(
                &ss.manifest_key(),
                &share_id,
                &json,
                &nonce,
            )),
            json,
        },
    }
}

fn request_vector(name: &str) -> RequestVector {
    let rs = RequestSecret(Key32::from_bytes(det(&format!("{name} rs"))));
    let request_id = Id(det(&format!("{name} request id")));
    let sk_r = Key32::from_bytes(det(&format!("{name} skR")));
    let pk_r = public_key(&sk_r);
    let fs = FileSecret(Key32::from_bytes(det(&format!("{name} fs"))));
    let (header, _, _) = seal_all(&fs, det(&format!("{name} salt")), 16, b"request file");
    let mut rng = DetRng(
        blake3::Hasher::new_derive_key("sealdrop v1 test vectors")
            .update(name.as_bytes())
            .finalize_xof(),
    );
    let stanza = seal_stanza(&pk_r, &request_id, &rs, &header, &fs, &mut rng).expect("valid key");
    RequestVector {
        name: name.into(),
        rs: hex::encode(rs.0.as_bytes()),
        request_id: hex::encode(request_id.as_bytes()),
        pk_r: hex::encode(pk_r),
        sk_r: hex::encode(sk_r.as_bytes()),
        fs: hex::encode(fs.0.as_bytes()),
        header: hex::encode(header),
        psk: hex::encode(rs.psk().as_bytes()),
        upload_token: hex::encode(rs.upload_token().as_bytes()),
        stanza: hex::encode(stanza),
    }
}

fn staff_key_vector(name: &str) -> StaffKeyVector {
    let a = Key32::from_bytes(det(&format!("{name} A")));
    let sk128: [u8; 16] = det(&format!("{name} sk128"));
    let account_id = Id(det(&format!("{name} account id")));
    let sk = Key32::from_bytes(det(&format!("{name} sk")));
    let pk = public_key(&sk);
    let nonce: [u8; 12] = det(&format!("{name} nonce"));
    let vk = vault_key(&a, &sk128);
    StaffKeyVector {
        name: name.into(),
        a: hex::encode(a.as_bytes()),
        sk128: hex::encode(sk128),
        account_id: hex::encode(account_id.as_bytes()),
        sk: hex::encode(sk.as_bytes()),
        pk: hex::encode(pk),
        login_key: hex::encode(login_key(&a).as_bytes()),
        vault_key: hex::encode(vk.as_bytes()),
        nonce: hex::encode(nonce),
        wrapped_sk: hex::encode(wrap_private_key(&vk, &account_id, &sk, &nonce)),
        fingerprint: fingerprint(&pk),
    }
}

/// Builds the whole vector file. Deterministic: the same code gives the same bytes.
pub fn generate() -> VectorFile {
    const C16: usize = 1 << 16;
    let meta = r#"{"name":"Quarterly report – final.pdf","size":65537,"type":"application/pdf","modified":1767225600000}"#;
    let small = Argon2Params::insecure_for_tests(256, 2, 1);
    VectorFile {
        format: "sealdrop-v1".into(),
        vectors: vec![
            file_vector("empty plaintext", 16, 0, None),
            file_vector("one byte", 16, 1, None),
            file_vector("exactly one chunk", 16, C16, None),
            file_vector("one chunk plus one byte", 16, C16 + 1, Some(meta)),
            file_vector("several chunks", 16, 3 * C16 + 12345, None),
            file_vector("several exact chunks", 16, 4 * C16, None),
            file_vector("two chunks at log2_chunk 17", 17, (1 << 17) + 7, None),
        ],
        invalid: invalid_vectors(),
        shares: vec![
            share_vector("share without password", None),
            share_vector(
                "share with password",
                Some(("correct horse Bätterie staple", small)),
            ),
        ],
        requests: vec![request_vector("request 0"), request_vector("request 1")],
        staff_keys: vec![staff_key_vector("staff key 0")],
    }
}
