//! A person's ed25519 key pair, public keys, signatures and fingerprints.
//!
//! [`PersonKey`] holds the secret and is the only type that can sign. It is made from the
//! operating system's randomness, or unsealed from a [`crate::SealedKey`]; there is deliberately no
//! public way to build one from secret bytes or to read its secret out, so the secret can only
//! leave this crate sealed by a passphrase.
//!
//! [`PublicKey`] is validated once, when it is made from bytes or text: it must be a canonically
//! encoded curve point of the prime-order subgroup. That check costs about one signature
//! verification, so a caller verifying many events should make each person's `PublicKey` once and
//! keep it, not rebuild it from bytes for every event.

use std::fmt;
use std::hash::{Hash, Hasher};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{FormatProblem, SigningError};

/// The length of an ed25519 public key, in bytes.
pub const PUBLIC_KEY_LENGTH: usize = 32;
/// The length of an ed25519 secret key (the seed of RFC 8032), in bytes.
pub const SECRET_KEY_LENGTH: usize = 32;
/// The length of an ed25519 signature, in bytes.
pub const SIGNATURE_LENGTH: usize = 64;

/// A person's secret signing key.
///
/// The secret is wiped from memory when the value is dropped (ed25519-dalek's `SigningKey` zeroizes
/// itself), and it is never printed: `Debug` shows only the public key's fingerprint. The type is
/// not `Clone`, so the secret exists once in memory for as long as the person is signed in. A
/// move may leave a stale copy on the stack, which Rust gives no way to wipe: hold the key in one
/// place (a `Box` in the session) rather than passing it around by value.
pub struct PersonKey {
    signing: SigningKey,
    public: PublicKey,
}

impl PersonKey {
    /// Makes a new key from 32 bytes of the operating system's randomness.
    pub fn generate() -> Result<PersonKey, SigningError> {
        let mut seed = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
        getrandom::fill(seed.as_mut()).map_err(|error| SigningError::Randomness { detail: error.to_string() })?;
        Ok(PersonKey::from_secret_bytes(&seed))
    }

    /// Builds the key from its 32-byte secret (the RFC 8032 seed). Kept inside the crate: the
    /// only ways in for a caller are [`PersonKey::generate`] and unsealing.
    pub(crate) fn from_secret_bytes(secret: &[u8; SECRET_KEY_LENGTH]) -> PersonKey {
        let signing = SigningKey::from_bytes(secret);
        // A key derived from a seed is a multiple of the base point by a clamped scalar, so it is
        // canonical and torsion-free by construction; the costly checks of `PublicKey::from_bytes`
        // are not needed.
        let public = PublicKey(signing.verifying_key());
        PersonKey { signing, public }
    }

    /// A copy of the 32-byte secret, wiped when dropped. Only sealing needs it.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<[u8; SECRET_KEY_LENGTH]> {
        // Copied straight into the wiped buffer rather than returned by value and moved in.
        let mut secret = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
        secret.copy_from_slice(self.signing.as_bytes());
        secret
    }

    /// The secret, for a test that scans stored files to prove it is never written in clear.
    #[cfg(feature = "test-secrets")]
    pub fn secret_for_tests(&self) -> Zeroizing<[u8; SECRET_KEY_LENGTH]> {
        self.secret_bytes()
    }

    /// Signs `message` (ed25519 of RFC 8032; the same message always gives the same signature).
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.signing.sign(message).to_bytes())
    }

    /// The public half, which anyone may hold to verify this person's signatures.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The public key's fingerprint; see [`PublicKey::fingerprint`].
    pub fn fingerprint(&self) -> String {
        self.public.fingerprint()
    }
}

impl fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonKey").field("fingerprint", &self.fingerprint()).finish_non_exhaustive()
    }
}

/// An ed25519 public key that has passed validation: a canonical encoding of a point of the
/// prime-order subgroup (so not of small order, and without a small-order component).
///
/// Those checks are what make [`crate::verify_batch`] safe to trust: a small-order key would let
/// anyone forge signatures that a batch accepts. Serialized as standard base64 of its 32 bytes.
#[derive(Clone, Copy)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads and validates a public key from its 32-byte RFC 8032 encoding.
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LENGTH]) -> Result<PublicKey, SigningError> {
        let invalid = |problem| SigningError::InvalidPublicKey { problem };
        let verifying = VerifyingKey::from_bytes(bytes).map_err(|_| invalid(FormatProblem::NotACurvePoint))?;
        let point = verifying.to_edwards();
        if point.compress().to_bytes() != *bytes {
            return Err(invalid(FormatProblem::NonCanonicalPoint));
        }
        if verifying.is_weak() {
            return Err(invalid(FormatProblem::SmallOrderKey));
        }
        if !point.is_torsion_free() {
            return Err(invalid(FormatProblem::KeyWithTorsion));
        }
        Ok(PublicKey(verifying))
    }

    /// Reads and validates a public key from a slice, which must hold exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<PublicKey, SigningError> {
        let array: &[u8; PUBLIC_KEY_LENGTH] = bytes.try_into().map_err(|_| SigningError::InvalidPublicKey {
            problem: FormatProblem::WrongLength {
                what: "a public key",
                expected: PUBLIC_KEY_LENGTH,
                found: bytes.len(),
            },
        })?;
        PublicKey::from_bytes(array)
    }

    /// Reads and validates a public key from standard padded base64 of its 32 bytes.
    pub fn from_base64(text: &str) -> Result<PublicKey, SigningError> {
        let bytes =
            STANDARD.decode(text).map_err(|_| SigningError::InvalidPublicKey { problem: FormatProblem::BadBase64 })?;
        PublicKey::from_slice(&bytes)
    }

    /// The 32-byte RFC 8032 encoding.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LENGTH] {
        self.0.to_bytes()
    }

    /// The 32-byte RFC 8032 encoding, borrowed.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LENGTH] {
        self.0.as_bytes()
    }

    /// Standard padded base64 of the 32 bytes (44 characters).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.as_bytes())
    }

    /// Checks `signature` over `message` with the strict rules of ed25519-dalek's
    /// `verify_strict`: the signature's scalar must be reduced (S < L), its point R must not be of
    /// small order, and R must equal, byte for byte, the point the verification equation gives.
    /// Those rules leave exactly one valid encoding per signature, so a signature cannot be
    /// altered into another that also verifies.
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> Result<(), SigningError> {
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0.verify_strict(message, &signature).map_err(|_| SigningError::BadSignature)
    }

    /// The fingerprint a person compares to tell keys apart, in the form OpenSSH prints:
    /// `SHA256:` followed by the unpadded base64 of the SHA-256 of the key's OpenSSH wire encoding
    /// (the string `ssh-ed25519` and the 32 key bytes, each preceded by its 4-byte length).
    ///
    /// Using OpenSSH's exact form means IT can check a fingerprint with a tool they already have:
    /// `ssh-keygen -l -f` on a file holding [`PublicKey::to_openssh`] prints the same text. The
    /// whole 256-bit hash is kept (43 characters) so that no one can make a second key with the
    /// same fingerprint; a screen short of space may show a prefix, as long as it says so.
    pub fn fingerprint(&self) -> String {
        format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(self.openssh_wire())))
    }

    /// The key as one line of an OpenSSH `authorized_keys`/`.pub` file (`ssh-ed25519 AAAA…`),
    /// only so that [`PublicKey::fingerprint`] can be checked with `ssh-keygen -l -f`.
    pub fn to_openssh(&self) -> String {
        format!("ssh-ed25519 {}", STANDARD.encode(self.openssh_wire()))
    }

    fn openssh_wire(&self) -> Vec<u8> {
        const ALGORITHM: &[u8] = b"ssh-ed25519";
        let mut wire = Vec::with_capacity(4 + ALGORITHM.len() + 4 + PUBLIC_KEY_LENGTH);
        wire.extend_from_slice(&(ALGORITHM.len() as u32).to_be_bytes());
        wire.extend_from_slice(ALGORITHM);
        wire.extend_from_slice(&(PUBLIC_KEY_LENGTH as u32).to_be_bytes());
        wire.extend_from_slice(self.as_bytes());
        wire
    }

    /// The dalek key, for batch verification inside the crate.
    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &PublicKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for PublicKey {}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PublicKey, D::Error> {
        let text = String::deserialize(deserializer)?;
        PublicKey::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

/// A 64-byte ed25519 signature (R followed by S). Holding one says nothing about its validity;
/// only [`PublicKey::verify_strict`] or [`crate::verify_batch`] does. Serialized as standard
/// base64 of its 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; SIGNATURE_LENGTH]);

impl Signature {
    /// Wraps 64 bytes as a signature, without checking them.
    pub fn from_bytes(bytes: [u8; SIGNATURE_LENGTH]) -> Signature {
        Signature(bytes)
    }

    /// Wraps a slice as a signature; it must hold exactly 64 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Signature, SigningError> {
        let array: [u8; SIGNATURE_LENGTH] = bytes.try_into().map_err(|_| SigningError::MalformedSignature {
            problem: FormatProblem::WrongLength { what: "a signature", expected: SIGNATURE_LENGTH, found: bytes.len() },
        })?;
        Ok(Signature(array))
    }

    /// Reads a signature from standard padded base64 of its 64 bytes.
    pub fn from_base64(text: &str) -> Result<Signature, SigningError> {
        let bytes = STANDARD
            .decode(text)
            .map_err(|_| SigningError::MalformedSignature { problem: FormatProblem::BadBase64 })?;
        Signature::from_slice(&bytes)
    }

    /// The 64 bytes.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LENGTH] {
        self.0
    }

    /// The 64 bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LENGTH] {
        &self.0
    }

    /// Standard padded base64 of the 64 bytes (88 characters).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// The dalek signature, for batch verification inside the crate.
    pub(crate) fn to_dalek(self) -> ed25519_dalek::Signature {
        ed25519_dalek::Signature::from_bytes(&self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base64())
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Signature, D::Error> {
        let text = String::deserialize(deserializer)?;
        Signature::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding of the point of order 2, (0, -1): y = p - 1 in little-endian.
    fn order_two_encoding() -> [u8; 32] {
        let mut bytes = [0xffu8; 32];
        bytes[0] = 0xec;
        bytes[31] = 0x7f;
        bytes
    }

    #[test]
    fn small_order_keys_are_refused() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        for bytes in [identity, order_two_encoding(), [0u8; 32]] {
            let error = PublicKey::from_bytes(&bytes).expect_err("a small-order key must be refused");
            assert_eq!(error, SigningError::InvalidPublicKey { problem: FormatProblem::SmallOrderKey });
        }
    }

    #[test]
    fn a_key_with_a_small_order_component_is_refused() {
        let honest = PersonKey::generate().expect("randomness");
        let order_two = VerifyingKey::from_bytes(&order_two_encoding()).expect("a curve point").to_edwards();
        let mixed = (honest.public_key().verifying_key().to_edwards() + order_two).compress().to_bytes();
        let error = PublicKey::from_bytes(&mixed).expect_err("a key with torsion must be refused");
        assert_eq!(error, SigningError::InvalidPublicKey { problem: FormatProblem::KeyWithTorsion });
    }

    #[test]
    fn a_non_canonical_encoding_is_refused() {
        // y = p + 1 is a second, non-canonical spelling of y = 1; with y = p + 1 the point would be
        // the identity, which is also of small order, so the non-canonical check must come first
        // and name the real problem.
        let mut bytes = [0xffu8; 32];
        bytes[0] = 0xee;
        bytes[31] = 0x7f;
        let error = PublicKey::from_bytes(&bytes).expect_err("a non-canonical encoding must be refused");
        assert_eq!(error, SigningError::InvalidPublicKey { problem: FormatProblem::NonCanonicalPoint });
    }

    #[test]
    fn the_secret_round_trips_inside_the_crate() {
        let key = PersonKey::generate().expect("randomness");
        let again = PersonKey::from_secret_bytes(&key.secret_bytes());
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(again.sign(b"m"), key.sign(b"m"));
    }

    #[test]
    fn the_fingerprint_is_the_one_ssh_keygen_prints() {
        // `ssh-keygen -l -f` on a file holding this `to_openssh()` line (OpenSSH 9) printed
        // `256 SHA256:z/fSv0Z0RZS+Lccbc6ZoOWwt/fbj1VFJGSBKQbo4icE tingjian-test (ED25519)`.
        let key = PersonKey::from_secret_bytes(&[7u8; 32]);
        assert_eq!(
            key.public_key().to_openssh(),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs"
        );
        assert_eq!(key.fingerprint(), "SHA256:z/fSv0Z0RZS+Lccbc6ZoOWwt/fbj1VFJGSBKQbo4icE");
    }

    #[test]
    fn debug_shows_no_secret() {
        let key = PersonKey::generate().expect("randomness");
        let printed = format!("{key:?} {:#?}", key);
        let secret = key.secret_bytes();
        assert!(printed.contains(&key.fingerprint()));
        assert!(!printed.contains(&STANDARD.encode(secret.as_ref())));
        assert!(!printed.contains(&STANDARD_NO_PAD.encode(secret.as_ref())));
        let hex: String = secret.iter().map(|byte| format!("{byte:02x}")).collect();
        assert!(!printed.to_lowercase().contains(&hex));
        assert!(!printed.contains(&format!("{:?}", secret.as_ref())));
    }
}
