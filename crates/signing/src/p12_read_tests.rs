//! Tests of `p12_read`: the Appendix B derivation's published vectors, and hand-built PFX
//! files whose key-derivation parameters would cost hours of CPU or a pebibyte of memory, or
//! whose bags hold garbage: each refused with its code, nothing derived.

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode};
use pkcs8::pkcs5::pbes2;

use super::*;

/// Test vectors of the PKCS#12 key derivation (as published with Bouncy Castle's and
/// OpenSSL's PKCS#12 tests: password "smeg", salt 0A58CF64530D823F, 1 iteration).
#[test]
fn the_appendix_b_derivation_matches_published_vectors() {
    let salt = hex::decode("0A58CF64530D823F").expect("hex");
    let key = derive::<sha1::Sha1>("smeg", &salt, 1, 1, 24);
    assert_eq!(
        hex::encode_upper(key.as_slice()),
        "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"
    );
    let iv = derive::<sha1::Sha1>("smeg", &salt, 1, 2, 8);
    assert_eq!(hex::encode_upper(iv.as_slice()), "79993DFE048D3B76");
}

const PASSWORD: &str = "Rahasia-p12";

/// A PFX v3 whose authenticated safe is one `data` content holding `bags`, with an
/// HMAC-SHA-1 MAC computed with `mac_iterations` (RFC 7292 §4, §5).
fn pfx(bags: Vec<SafeBag>, mac_iterations: u32) -> Vec<u8> {
    pfx_with_mac(bags, mac_iterations, None)
}

/// [`pfx`], or with `claimed` iterations written into the MacData and a MAC that was never
/// derived (a hostile file need not carry a right MAC to cost its reader the derivation).
fn pfx_with_mac(bags: Vec<SafeBag>, mac_iterations: u32, claimed: Option<u32>) -> Vec<u8> {
    let safe = bags.to_der().expect("bags");
    let data = |bytes: Vec<u8>| ContentInfo {
        content_type: OID_DATA,
        content: Any::encode_from(&OctetString::new(bytes).expect("octets")).expect("any"),
    };
    let auth_safe = vec![data(safe)].to_der().expect("auth safe");
    let salt = b"garam-01".to_vec();
    let digest = match claimed {
        Some(_) => vec![0; 20],
        None => {
            let key = derive::<sha1::Sha1>(PASSWORD, &salt, mac_iterations, 3, 20);
            let mut h = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&key).expect("hmac");
            h.update(&auth_safe);
            h.finalize().into_bytes().to_vec()
        }
    };
    Pfx {
        version: 3,
        auth_safe: data(auth_safe),
        mac_data: Some(MacData {
            mac: DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: OID_SHA1,
                    parameters: Some(Any::null()),
                },
                digest: OctetString::new(digest).expect("digest"),
            },
            mac_salt: OctetString::new(salt).expect("salt"),
            iterations: claimed.unwrap_or(mac_iterations),
        }),
    }
    .to_der()
    .expect("pfx")
}

fn bag(bag_id: ObjectIdentifier, value: &impl Encode) -> SafeBag {
    SafeBag {
        bag_id,
        bag_value: Any::from_der(&value.to_der().expect("value")).expect("bag value"),
        bag_attributes: None,
    }
}

/// A shrouded key bag encrypted (in name: the ciphertext is random) with `algorithm`.
fn shrouded(algorithm: AlgorithmIdentifierOwned) -> SafeBag {
    let key = EncryptedKey {
        algorithm,
        data: OctetString::new(vec![7; 48]).expect("data"),
    };
    bag(OID_SHROUDED_KEY_BAG, &key)
}

fn pbes2_bag(kdf: pbes2::Kdf) -> SafeBag {
    let scheme = pkcs8::pkcs5::EncryptionScheme::Pbes2(pbes2::Parameters {
        kdf,
        encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [1; 16] },
    });
    let der = scheme.to_der().expect("scheme");
    shrouded(AlgorithmIdentifierOwned::from_der(&der).expect("algorithm"))
}

fn salt() -> pbes2::Salt {
    pbes2::Salt::new([9u8; 16]).expect("salt")
}

fn code_of(file: &[u8]) -> &'static str {
    match read(file, PASSWORD) {
        Ok(_) => "read",
        Err(e) => e.code(),
    }
}

/// The break-6 scrypt bomb: a 250-byte file whose key bag asks for scrypt N = 2^40 (1 PiB)
/// aborted the server; PBKDF2, the legacy PBE and the MAC with 10 million iterations each
/// cost seconds (4.29e9 would cost an hour) before the password was even checked.
#[test]
fn key_derivations_costlier_than_sahih_writes_are_refused_before_deriving() {
    let scrypt = |log_n: u32, r: u16, p: u16| {
        pbes2_bag(pbes2::Kdf::Scrypt(pbes2::ScryptParams {
            salt: salt(),
            cost_parameter: 1u64 << log_n,
            block_size: r,
            parallelization: p,
            key_length: None,
        }))
    };
    let pbkdf2 = pbes2_bag(pbes2::Kdf::Pbkdf2(pbes2::Pbkdf2Params {
        salt: salt(),
        iteration_count: 10_000_000,
        key_length: None,
        prf: pbes2::Pbkdf2Prf::HmacWithSha256,
    }));
    let legacy = shrouded(AlgorithmIdentifierOwned {
        oid: OID_PBE_SHA1_3DES,
        parameters: Some(
            Any::encode_from(&PbeParams {
                salt: OctetString::new(vec![3; 8]).expect("salt"),
                iterations: 10_000_000,
            })
            .expect("params"),
        ),
    });
    let bomb = pfx(vec![scrypt(40, 8, 1)], 1);
    assert!(bomb.len() < 400, "a small file: {} bytes", bomb.len());
    for (name, file) in [
        ("scrypt N = 2^40", bomb),
        ("scrypt N = 2^17", pfx(vec![scrypt(17, 8, 1)], 1)),
        ("scrypt r = 64", pfx(vec![scrypt(10, 64, 1)], 1)),
        ("scrypt p = 64", pfx(vec![scrypt(10, 8, 64)], 1)),
        ("PBKDF2 1e7", pfx(vec![pbkdf2], 1)),
        ("legacy PBE 1e7", pfx(vec![legacy], 1)),
        ("MAC 1e7", pfx_with_mac(vec![], 1, Some(10_000_000))),
        ("MAC 2^32-1", pfx_with_mac(vec![], 1, Some(u32::MAX))),
    ] {
        assert_eq!(code_of(&file), "E_P12_UNREADABLE", "{name}");
    }
    // What Sahih and OpenSSL write stays readable: scrypt 2^14/8/1 and 2048 rounds reach
    // the decryption (random ciphertext: a wrong password), and a right MAC of 2048 rounds.
    assert_eq!(
        code_of(&pfx(vec![scrypt(14, 8, 1)], 1)),
        "E_P12_WRONG_PASSWORD"
    );
    assert_eq!(code_of(&pfx(vec![], 2048)), "read");
}

/// Bags that hold garbage where a certificate or a PKCS#8 key belongs are the file's fault
/// (E_P12_UNREADABLE, a 4xx), and a well-formed key Sahih does not sign with (P-384, Ed448)
/// is E_KEY_UNUSABLE; before, each was a 500 E_INTERNAL.
#[test]
fn garbage_bags_and_unusable_keys_are_refused_with_their_codes() {
    let garbage = OctetString::new(b"bukan sertifikat".to_vec()).expect("octets");
    let cert_bag = CertBag {
        cert_id: OID_X509_CERT,
        cert_value: garbage.clone(),
    };
    let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("p384");
    // RFC 8410 §7: Ed448's PrivateKeyInfo, a 57-byte CurvePrivateKey.
    let mut ed448 = hex::decode("3047020100300506032b6571043b0439").expect("hex");
    ed448.extend_from_slice(&[0x42; 57]);
    let key_bag = |pkcs8: &[u8]| SafeBag {
        bag_id: OID_KEY_BAG,
        bag_value: Any::from_der(pkcs8).expect("key der"),
        bag_attributes: None,
    };
    let ec_key = rcgen::KeyPair::generate().expect("p256");
    for (name, bags, code) in [
        (
            "garbage key bag",
            vec![bag(OID_KEY_BAG, &garbage)],
            "E_P12_UNREADABLE",
        ),
        (
            "garbage certificate bag",
            vec![
                key_bag(&ec_key.serialize_der()),
                bag(OID_CERT_BAG, &cert_bag),
            ],
            "E_P12_UNREADABLE",
        ),
        (
            "P-384 key",
            vec![key_bag(&p384.serialize_der())],
            "E_KEY_UNUSABLE",
        ),
        ("Ed448 key", vec![key_bag(&ed448)], "E_KEY_UNUSABLE"),
    ] {
        let e = crate::p12::import(&pfx(bags, 1), PASSWORD.as_bytes(), crate::p12::now())
            .expect_err(name);
        assert_eq!(e.code(), code, "{name}: {e}");
    }
}
