//! Metadata and manifests: strict reading of the padded JSON, errors that do not quote
//! decrypted values, and a manifest that vouches for exactly its files.

use sealdrop_core::aead::ChunkAead;
use sealdrop_core::encoding::Id;
use sealdrop_core::metadata::{open_metadata, pad, seal_metadata, seal_metadata_json, Metadata};
use sealdrop_core::share::{
    open_manifest, seal_manifest, seal_manifest_json, Manifest, ManifestEntry, ShareSecret,
};
use sealdrop_core::stream::{Opener, Sealer};
use sealdrop_core::{Error, FileKeys, FileSecret, Key32};

const HEADER: [u8; 56] = [7; 56];

fn key() -> Key32 {
    Key32::from_bytes([9; 32])
}

#[test]
fn padding_is_the_smallest_multiple_of_256() {
    assert_eq!(pad("{}").len(), 256);
    assert_eq!(pad(&"x".repeat(256)).len(), 256);
    assert_eq!(pad(&"x".repeat(257)).len(), 512);
}

#[test]
fn metadata_is_read_strictly() {
    let good = r#"{"name":"a.txt","size":1,"type":"text/plain","modified":null}"#;
    let sealed = seal_metadata_json(&key(), &HEADER, good, &[1; 12]);
    assert_eq!(
        open_metadata(&key(), &HEADER, &sealed).unwrap().name,
        "a.txt"
    );

    let secret_name = "Q3 layoffs list.xlsx";
    for bad in [
        format!(r#"{{"name":"{secret_name}","size":"12","type":"x","modified":null}}"#),
        format!(r#"{{"name":"{secret_name}","size":1,"type":"x"}}"#),
        format!(r#"{{"name":"{secret_name}","size":1,"type":"x","modified":null,"path":"/etc"}}"#),
        format!(r#"{{"name":{},"size":1,"type":"x","modified":null}}"#, 5),
    ] {
        let sealed = seal_metadata_json(&key(), &HEADER, &bad, &[1; 12]);
        let err = open_metadata(&key(), &HEADER, &sealed).unwrap_err();
        assert_eq!(err.kind(), "bad metadata", "{bad}");
        assert!(
            !err.to_string().contains(secret_name),
            "the error quotes decrypted text: {err}"
        );
    }

    // Longer padding than the format's is refused even though it authenticates.
    let mut long = good.as_bytes().to_vec();
    long.resize(512, b' ');
    let aead = sealdrop_core::aead::SoftAead::new(&key());
    let aad = [HEADER.as_slice(), b"sealdrop metadata"].concat();
    let sealed = [[1u8; 12].as_slice(), &aead.seal(&[1; 12], &aad, long)].concat();
    assert_eq!(
        open_metadata(&key(), &HEADER, &sealed).unwrap_err().kind(),
        "bad metadata"
    );

    // Bound to the header.
    let sealed = seal_metadata(
        &key(),
        &HEADER,
        &Metadata {
            name: "n".into(),
            size: 0,
            mime: "".into(),
            modified: Some(-5),
        },
    );
    let mut other = HEADER;
    other[0] ^= 1;
    assert_eq!(
        open_metadata(&key(), &other, &sealed),
        Err(Error::TamperedMetadata)
    );
}

#[test]
fn a_manifest_vouches_for_exactly_its_files() {
    let ss = ShareSecret(key());
    let id = Id([3; 16]);
    let fs = ss.file_secret(0);
    let mut sealer = Sealer::new(&fs, 16).unwrap();
    let header = *sealer.header();
    let mut payload = Vec::new();
    sealer.push(b"hello", &mut payload).unwrap();
    let content_id = sealer.finish(&mut payload).unwrap();
    let keys = FileKeys::derive(&fs, header[8..24].try_into().unwrap());
    let meta = seal_metadata(
        &keys.metadata_key,
        &header,
        &Metadata {
            name: "h".into(),
            size: 5,
            mime: "text/plain".into(),
            modified: None,
        },
    );
    let entry = ManifestEntry {
        j: 0,
        content_id: content_id.to_hex(),
        metadata_hash: blake3::hash(&meta).to_hex().to_string(),
    };
    let manifest = Manifest {
        files: vec![entry.clone()],
    };
    let sealed = seal_manifest(&ss.manifest_key(), &id, &manifest).unwrap();
    let opened = open_manifest(&ss.manifest_key(), &id, &sealed).unwrap();
    assert!(opened.vouch(0, &content_id.0, &meta).is_ok());
    assert_eq!(
        opened.vouch(1, &content_id.0, &meta).unwrap_err().kind(),
        "bad manifest"
    );
    assert_eq!(
        opened.vouch(0, &[0; 32], &meta).unwrap_err().kind(),
        "bad manifest"
    );
    assert_eq!(
        opened
            .vouch(0, &content_id.0, &meta[1..])
            .unwrap_err()
            .kind(),
        "bad manifest"
    );

    // The opener's content id is the one the manifest names.
    let mut opener = Opener::new(&fs, &header).unwrap();
    let mut out = Vec::new();
    opener.push(&payload, &mut out).unwrap();
    assert_eq!(opener.finish(&mut out).unwrap(), content_id);

    // Writers cannot seal, and readers refuse, a manifest that breaks the invariant.
    let twice = Manifest {
        files: vec![entry.clone(), entry.clone()],
    };
    assert_eq!(
        seal_manifest(&ss.manifest_key(), &id, &twice)
            .unwrap_err()
            .kind(),
        "bad manifest"
    );
    let upper = Manifest {
        files: vec![ManifestEntry {
            content_id: entry.content_id.to_uppercase(),
            ..entry.clone()
        }],
    };
    assert_eq!(
        seal_manifest(&ss.manifest_key(), &id, &upper)
            .unwrap_err()
            .kind(),
        "bad manifest"
    );
    let raw = seal_manifest_json(&ss.manifest_key(), &id, &twice.to_json(), &[2; 12]);
    assert_eq!(
        open_manifest(&ss.manifest_key(), &id, &raw)
            .unwrap_err()
            .kind(),
        "bad manifest"
    );
}

#[test]
fn a_rewound_stream_that_ends_at_a_chunk_boundary_is_truncated() {
    let fs = FileSecret(key());
    let mut sealer = Sealer::new(&fs, 16).unwrap();
    let header = *sealer.header();
    let mut payload = Vec::new();
    sealer.push(&[5; 70_000], &mut payload).unwrap();
    sealer.finish(&mut payload).unwrap();
    let mut opener = Opener::new(&fs, &header).unwrap();
    let mut out = Vec::new();
    opener.push(&payload[..65_552 + 10], &mut out).unwrap();
    assert_eq!(opener.rewind().unwrap(), 65_552);
    // The range fetched again came back empty.
    assert_eq!(opener.finish(&mut out), Err(Error::Truncated));
}
