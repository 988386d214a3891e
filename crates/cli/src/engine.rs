//! The native AES-256-GCM engine: `ring` (BoringSSL's assembly, AES-NI and CLMUL where the CPU has
//! them) behind the core's [`ChunkAead`], so that the core keeps every rule of the format and only
//! the arithmetic is native. It must give the bytes of NIST SP 800-38D exactly, as every engine
//! must; `tests/engine.rs` holds it to the frozen vectors.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use sealdrop_core::aead::{AeadFailed, ChunkAead, TAG_LEN};
use sealdrop_core::Key32;

/// One key's engine. The nonces come from the core's sealer and opener, which **never** repeat
/// one under a key.
pub struct RingAead(LessSafeKey);

impl RingAead {
    pub fn new(key: &Key32) -> Self {
        let unbound =
            UnboundKey::new(&AES_256_GCM, key.as_bytes()).expect("AES-256 takes a 32-byte key");
        RingAead(LessSafeKey::new(unbound))
    }
}

impl ChunkAead for RingAead {
    fn seal(&self, nonce: &[u8; 12], aad: &[u8], mut buf: Vec<u8>) -> Vec<u8> {
        let tag = self
            .0
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                &mut buf,
            )
            .expect("AES-GCM seals any chunk of the format");
        buf.extend_from_slice(tag.as_ref());
        buf
    }

    fn open(&self, nonce: &[u8; 12], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, AeadFailed> {
        if ciphertext.len() < TAG_LEN {
            return Err(AeadFailed);
        }
        let mut buf = ciphertext.to_vec();
        let opened = self
            .0
            .open_in_place(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                &mut buf,
            )
            .map(|plain| plain.len());
        match opened {
            Ok(len) => {
                buf.truncate(len);
                Ok(buf)
            }
            Err(_) => {
                // What ring left in the buffer is unauthenticated: it goes.
                zeroize::Zeroize::zeroize(&mut buf);
                Err(AeadFailed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sealdrop_core::stream::{Opener, Sealer};
    use sealdrop_core::{FileKeys, FileSecret, Header};

    const VECTORS: &str = include_str!("../../../tests/vectors/format-v1.json");

    fn unhex(v: &serde_json::Value) -> Vec<u8> {
        hex::decode(v.as_str().unwrap()).unwrap()
    }

    /// Every frozen payload comes out byte for byte under this engine, and opens again.
    #[test]
    fn the_frozen_vectors_seal_and_open_byte_for_byte() {
        let file: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = file["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 4);
        for v in vectors {
            let fs = FileSecret(Key32::from_slice(&unhex(&v["fs"])).unwrap());
            let salt: [u8; 16] = unhex(&v["salt"]).try_into().unwrap();
            let log2 = v["log2_chunk"].as_u64().unwrap() as u8;
            let keys = FileKeys::derive(&fs, &salt);
            let header = Header::new(log2, salt, &keys).unwrap();
            assert_eq!(
                header.to_bytes().to_vec(),
                unhex(&v["header"]),
                "{}",
                v["name"]
            );
            let plaintext = unhex(&v["plaintext"]);
            let mut sealer = Sealer::with_aead(&header, RingAead::new(&keys.payload_key));
            let mut payload = Vec::new();
            for piece in plaintext.chunks(7777) {
                sealer.push(piece, &mut payload).unwrap();
            }
            let id = sealer.finish(&mut payload).unwrap();
            assert_eq!(payload, unhex(&v["payload"]), "{}", v["name"]);
            assert_eq!(
                id.to_hex(),
                v["content_id"].as_str().unwrap(),
                "{}",
                v["name"]
            );
            let mut opener = Opener::with_aead(&header, RingAead::new(&keys.payload_key));
            let mut back = Vec::new();
            opener.push(&payload, &mut back).unwrap();
            assert_eq!(opener.finish(&mut back).unwrap().0, id.0);
            assert_eq!(back, plaintext);
        }
    }

    #[test]
    fn a_changed_byte_does_not_open() {
        let aead = RingAead::new(&Key32::from_bytes([3; 32]));
        let mut sealed = aead.seal(&[1; 12], b"aad", b"secret".to_vec());
        assert_eq!(aead.open(&[1; 12], b"aad", &sealed).unwrap(), b"secret");
        sealed[0] ^= 1;
        assert_eq!(aead.open(&[1; 12], b"aad", &sealed), Err(AeadFailed));
        assert_eq!(aead.open(&[1; 12], b"aad", &sealed[..15]), Err(AeadFailed));
    }
}
