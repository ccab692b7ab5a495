//! Keys, signatures and their encodings, through the public API only.

use tingjian_signing::{FormatProblem, PersonKey, PublicKey, Signature, SigningError};

fn key() -> PersonKey {
    PersonKey::generate().expect("the operating system gives randomness")
}

#[test]
fn a_signature_verifies_for_its_message_and_key_only() {
    let alice = key();
    let bob = key();
    let signature = alice.sign(b"event 1 hash");
    assert_eq!(alice.public_key().verify_strict(b"event 1 hash", &signature), Ok(()));
    assert_eq!(alice.public_key().verify_strict(b"event 2 hash", &signature), Err(SigningError::BadSignature));
    assert_eq!(bob.public_key().verify_strict(b"event 1 hash", &signature), Err(SigningError::BadSignature));
}

#[test]
fn signing_is_deterministic() {
    let alice = key();
    assert_eq!(alice.sign(b"same"), alice.sign(b"same"));
}

#[test]
fn two_keys_differ() {
    assert_ne!(key().public_key(), key().public_key());
}

#[test]
fn encodings_round_trip() {
    let alice = key();
    let public = *alice.public_key();
    assert_eq!(PublicKey::from_bytes(&public.to_bytes()), Ok(public));
    assert_eq!(PublicKey::from_slice(public.as_bytes()), Ok(public));
    assert_eq!(PublicKey::from_base64(&public.to_base64()), Ok(public));
    assert_eq!(public.to_base64().len(), 44);

    let signature = alice.sign(b"m");
    assert_eq!(Signature::from_slice(signature.as_bytes()), Ok(signature));
    assert_eq!(Signature::from_base64(&signature.to_base64()), Ok(signature));
    assert_eq!(Signature::from_bytes(signature.to_bytes()), signature);

    let json = serde_json::to_string(&(public, signature)).expect("serialize");
    assert_eq!(json, format!("[\"{}\",\"{}\"]", public.to_base64(), signature.to_base64()));
    let back: (PublicKey, Signature) = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, (public, signature));
}

#[test]
fn wrong_shapes_are_named() {
    assert_eq!(
        PublicKey::from_slice(&[1u8; 31]),
        Err(SigningError::InvalidPublicKey {
            problem: FormatProblem::WrongLength { what: "a public key", expected: 32, found: 31 }
        })
    );
    assert_eq!(
        PublicKey::from_base64("not base64!"),
        Err(SigningError::InvalidPublicKey { problem: FormatProblem::BadBase64 })
    );
    assert_eq!(
        Signature::from_slice(&[0u8; 63]),
        Err(SigningError::MalformedSignature {
            problem: FormatProblem::WrongLength { what: "a signature", expected: 64, found: 63 }
        })
    );
    // A JSON public key that is not a usable key is refused when read, with the reason.
    let error =
        serde_json::from_str::<PublicKey>("\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"").expect_err("identity");
    assert!(error.to_string().contains("small-order"), "{error}");
}

#[test]
fn the_fingerprint_has_the_openssh_form() {
    let alice = key();
    let fingerprint = alice.fingerprint();
    assert!(fingerprint.starts_with("SHA256:"));
    assert_eq!(fingerprint.len(), "SHA256:".len() + 43);
    assert_eq!(fingerprint, alice.public_key().fingerprint());
    assert!(alice.public_key().to_openssh().starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
}

#[test]
fn debug_prints_the_fingerprint_and_nothing_secret() {
    let alice = key();
    let printed = format!("{alice:?}");
    assert_eq!(printed, format!("PersonKey {{ fingerprint: {:?}, .. }}", alice.fingerprint()));
    assert_eq!(format!("{:?}", alice.public_key()), format!("PublicKey({})", alice.fingerprint()));
}

/// Adds L, the order of the base point, to the S half of a signature. The result is the same
/// scalar modulo L, so a lax verifier accepts it as a second valid signature for the same message;
/// strict verification must refuse it because S is not reduced.
fn with_unreduced_s(signature: &Signature) -> Signature {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut bytes = signature.to_bytes();
    let mut carry = 0u16;
    for (byte, l) in bytes[32..].iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L fits in 256 bits since S < L < 2^253");
    Signature::from_bytes(bytes)
}

#[test]
fn verify_strict_refuses_an_unreduced_s() {
    let alice = key();
    let signature = alice.sign(b"message");
    let malleated = with_unreduced_s(&signature);
    assert_ne!(malleated, signature);
    assert_eq!(alice.public_key().verify_strict(b"message", &malleated), Err(SigningError::BadSignature));
    assert_eq!(
        tingjian_signing::verify_batch(&[(b"message".as_slice(), &malleated, alice.public_key())]),
        Err(SigningError::BadSignatures { indexes: vec![0] })
    );
}
