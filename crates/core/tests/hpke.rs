//! The project's HPKE suite against tests/vectors/hpke-x25519-sha256-aes256gcm-psk.json (copied
//! from shared/vectors), and the refusal of an all-zero shared secret.

use serde::Deserialize;

use sealdrop_core::request::{hpke_open_psk, hpke_seal_psk, CryptoRng, RngCore};
use sealdrop_core::{Error, Key32};

#[derive(Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    mode: u8,
    kem_id: u16,
    kdf_id: u16,
    aead_id: u16,
    psk: String,
    psk_id: String,
    #[serde(rename = "ikmE")]
    ikm_e: String,
    #[serde(rename = "skRm")]
    sk_rm: String,
    #[serde(rename = "pkRm")]
    pk_rm: String,
    info: String,
    aad: String,
    pt: String,
    enc: String,
    ct: String,
}

/// Hands out the vector's `ikmE` as the "random" ephemeral input; the hpke crate derives the
/// ephemeral key pair from it with DeriveKeyPair, as the RFC's vectors do.
struct FixedRng(Vec<u8>);

impl RngCore for FixedRng {
    fn next_u32(&mut self) -> u32 {
        unreachable!("only fill_bytes is used")
    }
    fn next_u64(&mut self) -> u64 {
        unreachable!("only fill_bytes is used")
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert_eq!(dest.len(), self.0.len(), "ikmE is asked for exactly once");
        dest.copy_from_slice(&self.0);
    }
}
impl CryptoRng for FixedRng {}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn shared_hpke_vectors_open_and_seal() {
    let file: File = serde_json::from_str(include_str!(
        "../../../tests/vectors/hpke-x25519-sha256-aes256gcm-psk.json"
    ))
    .unwrap();
    assert!(!file.vectors.is_empty());
    for v in &file.vectors {
        assert_eq!((v.mode, v.kem_id, v.kdf_id, v.aead_id), (1, 0x20, 1, 2));
        let sk = Key32::from_slice(&h(&v.sk_rm)).unwrap();
        let sealed = [h(&v.enc), h(&v.ct)].concat();
        let pt = hpke_open_psk(
            &sk,
            &h(&v.info),
            &h(&v.aad),
            &h(&v.psk),
            &h(&v.psk_id),
            &sealed,
        )
        .unwrap();
        assert_eq!(hex::encode(&*pt), v.pt);

        let pk: [u8; 32] = h(&v.pk_rm).try_into().unwrap();
        let mut rng = FixedRng(h(&v.ikm_e));
        let resealed = hpke_seal_psk(
            &pk,
            &h(&v.info),
            &h(&v.aad),
            &h(&v.psk),
            &h(&v.psk_id),
            &h(&v.pt),
            &mut rng,
        )
        .unwrap();
        assert_eq!(hex::encode(&resealed[..32]), v.enc);
        assert_eq!(hex::encode(&resealed[32..]), v.ct);

        let mut bad_psk = h(&v.psk);
        bad_psk[0] ^= 1;
        assert!(hpke_open_psk(
            &sk,
            &h(&v.info),
            &h(&v.aad),
            &bad_psk,
            &h(&v.psk_id),
            &sealed
        )
        .is_err());
    }
}

#[test]
fn an_all_zero_shared_secret_is_refused() {
    // Low-order points: X25519 with any scalar gives the all-zero output (RFC 7748 section 6.1).
    let mut order8 = [0u8; 32];
    order8[0] = 0xe0;
    order8[1] = 0xeb;
    order8[2] = 0x7a;
    order8[3] = 0x7c;
    order8[4] = 0x3b;
    order8[5] = 0x41;
    order8[6] = 0xb8;
    order8[7] = 0xae;
    order8[8] = 0x16;
    order8[9] = 0x56;
    order8[10] = 0xe3;
    order8[11] = 0xfa;
    order8[12] = 0xf1;
    order8[13] = 0x9f;
    order8[14] = 0xc4;
    order8[15] = 0x6a;
    order8[16] = 0xda;
    order8[17] = 0x09;
    order8[18] = 0x8d;
    order8[19] = 0xeb;
    order8[20] = 0x9c;
    order8[21] = 0x32;
    order8[22] = 0xb1;
    order8[23] = 0xfd;
    order8[24] = 0x86;
    order8[25] = 0x62;
    order8[26] = 0x05;
    order8[27] = 0x16;
    order8[28] = 0x5f;
    order8[29] = 0x49;
    order8[30] = 0xb8;
    order8[31] = 0x00;
    for pk in [
        [0u8; 32],
        {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        },
        order8,
    ] {
        let r = hpke_seal_psk(
            &pk,
            b"info",
            b"aad",
            &[1; 32],
            b"id",
            b"secret",
            &mut sealdrop_core::request::SystemRng,
        );
        assert_eq!(r, Err(Error::BadPublicKey));
    }
    // And on the receiving side: an encapsulated key of zero.
    let sealed = [[0u8; 32].as_slice(), &[0u8; 48]].concat();
    let r = hpke_open_psk(
        &Key32::from_bytes([5; 32]),
        b"info",
        b"aad",
        &[1; 32],
        b"id",
        &sealed,
    );
    assert_eq!(r.map(|_| ()), Err(Error::StanzaRefused));
}
