//! A person's secret key sealed by their passphrase, as a record the vault can store as JSON.
//!
//! The passphrase (NFKC-normalized, see [`crate::check_new_passphrase`]) and a random 16-byte salt
//! go through argon2id (version 0x13) to a 32-byte key; that key encrypts the 32-byte secret with
//! XChaCha20-Poly1305 under a random 24-byte nonce. The associated data is a label, the format
//! version and the public key, so the ciphertext opens only beside the public key it was sealed
//! with: a sealed secret moved under another person's public key is refused.
//!
//! A wrong passphrase and a damaged record both make the cipher refuse, so the record also carries
//! a plain SHA-256 checksum of all its fields. When the checksum matches, a refusal means a wrong
//! passphrase; when it does not, the record was damaged or edited and no passphrase will open it.
//! The checksum is no security measure (anyone can recompute it); it only lets the app tell a
//! person the right thing. Someone who alters a field and recomputes the checksum gets a record
//! that is refused as if the passphrase were wrong.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{FormatProblem, SigningError};
use crate::keys::{PersonKey, PublicKey, SECRET_KEY_LENGTH};
use crate::passphrase::normalize_passphrase;

/// The format of [`SealedKey`] records this version writes and reads.
pub const SEALED_KEY_FORMAT: u32 = 1;
/// The one key-derivation function of format 1.
pub const KDF_ARGON2ID: &str = "argon2id";

const SALT_LENGTH: usize = 16;
const NONCE_LENGTH: usize = 24;
const TAG_LENGTH: usize = 16;
const CIPHERTEXT_LENGTH: usize = SECRET_KEY_LENGTH + TAG_LENGTH;
const ASSOCIATED_DATA_LABEL: &[u8] = b"tingjian sealed key\n";
const CHECKSUM_LABEL: &[u8] = b"tingjian sealed key checksum\n";

/// The argon2id cost of deriving the sealing key from a passphrase.
///
/// They are stored in every [`SealedKey`], so they can be raised for new keys (faster machines,
/// new advice) while every key sealed before keeps opening with the costs it was sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealingParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes. The argon2 crate computes lanes one after another, so more lanes add time, not speed.
    pub p_cost: u32,
}

impl SealingParams {
    /// The costs for real people: 128 MiB and 2 passes, one lane, about 0.5 s to unseal on the
    /// 2-core reference machine in a release build (`examples/bench_signing.rs` prints the time).
    /// Memory is what makes guessing on graphics cards expensive, so the budget goes to memory
    /// first (the alternatives measured are in the benchmark's documentation); 128 MiB is
    /// available on any office PC that runs the app. RFC 9106's second recommended option
    /// (64 MiB, 3 passes) costs less than this.
    pub const DEFAULT: SealingParams = SealingParams { m_cost_kib: 128 * 1024, t_cost: 2, p_cost: 1 };

    /// Tiny costs that make tests fast. Never for a real person's key: a sealed key made with
    /// these can be opened by guessing a weak passphrase within seconds.
    pub const FOR_TESTS: SealingParams = SealingParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    /// The most memory a sealed key may ask for (4 GiB), so a crafted record cannot make the app
    /// try to allocate without bound.
    pub const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    /// The most passes a sealed key may ask for.
    pub const MAX_T_COST: u32 = 64;
    /// The most lanes a sealed key may ask for.
    pub const MAX_P_COST: u32 = 16;

    /// Checks that argon2 accepts the costs and that they are within this crate's limits.
    pub fn check(&self) -> Result<(), FormatProblem> {
        let within = |what, value: u32, min: u32, max: u32| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(FormatProblem::OutOfRange { what, value: value.into(), min: min.into(), max: max.into() })
            }
        };
        within("p_cost", self.p_cost, 1, Self::MAX_P_COST)?;
        within("t_cost", self.t_cost, 1, Self::MAX_T_COST)?;
        // argon2 needs at least 8 KiB per lane.
        within("m_cost_kib", self.m_cost_kib, 8 * self.p_cost, Self::MAX_M_COST_KIB)
    }
}

impl Default for SealingParams {
    fn default() -> SealingParams {
        SealingParams::DEFAULT
    }
}

/// A person's secret key sealed by their passphrase, with everything needed to open it again
/// except the passphrase. Safe to store and to copy: without the passphrase it reveals only the
/// public key. See the module documentation for the construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedKey {
    format: u32,
    public_key: PublicKey,
    kdf: String,
    params: SealingParams,
    #[serde(with = "base64_bytes")]
    salt: Vec<u8>,
    #[serde(with = "base64_bytes")]
    nonce: Vec<u8>,
    #[serde(with = "base64_bytes")]
    ciphertext: Vec<u8>,
    #[serde(with = "base64_bytes")]
    checksum: Vec<u8>,
}

impl SealedKey {
    /// Seals `key` with `passphrase` at the costs `params`, with a fresh random salt and nonce.
    ///
    /// The passphrase is not judged here (see [`crate::check_new_passphrase`] for a passphrase a
    /// person chose). Takes as long as unsealing: one argon2id derivation.
    pub fn seal(key: &PersonKey, passphrase: &str, params: SealingParams) -> Result<SealedKey, SigningError> {
        params.check().map_err(|problem| SigningError::InvalidSealingParams { problem })?;
        let mut salt = vec![0u8; SALT_LENGTH];
        let mut nonce = vec![0u8; NONCE_LENGTH];
        for buffer in [&mut salt, &mut nonce] {
            getrandom::fill(buffer).map_err(|error| SigningError::Randomness { detail: error.to_string() })?;
        }
        let public_key = *key.public_key();
        let sealing_key = derive_sealing_key(passphrase, &salt, params)?;
        let secret = key.secret_bytes();
        let cipher = XChaCha20Poly1305::new(sealing_key.as_ref().into());
        let associated_data = associated_data(SEALED_KEY_FORMAT, &public_key);
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret.as_ref(), aad: &associated_data })
            .map_err(|_| SigningError::Internal { detail: "XChaCha20-Poly1305 refused to encrypt a key".to_owned() })?;
        let mut sealed = SealedKey {
            format: SEALED_KEY_FORMAT,
            public_key,
            kdf: KDF_ARGON2ID.to_owned(),
            params,
            salt,
            nonce,
            ciphertext,
            checksum: Vec::new(),
        };
        sealed.checksum = sealed.computed_checksum().to_vec();
        Ok(sealed)
    }

    /// Opens the sealed key with `passphrase`.
    ///
    /// Refuses, in this order: an unknown format or KDF; a record whose checksum does not match
    /// ([`SigningError::DamagedSealedKey`]); costs beyond this crate's limits (also damage, since
    /// sealing never writes them); a passphrase that does not open it
    /// ([`SigningError::WrongPassphrase`]); and, as a last guard, a secret whose public key is not
    /// the stored one ([`SigningError::SealedKeyMismatch`]). The derived key and the decrypted
    /// secret live only in buffers wiped when dropped.
    pub fn unseal(&self, passphrase: &str) -> Result<PersonKey, SigningError> {
        let damaged = |problem| SigningError::DamagedSealedKey { problem };
        if self.format != SEALED_KEY_FORMAT {
            return Err(SigningError::UnsupportedSealedKeyFormat { found: self.format, supported: SEALED_KEY_FORMAT });
        }
        if self.kdf != KDF_ARGON2ID {
            return Err(SigningError::UnsupportedKdf { found: self.kdf.clone() });
        }
        if self.checksum != self.computed_checksum() {
            return Err(damaged(FormatProblem::ChecksumMismatch));
        }
        self.params.check().map_err(damaged)?;
        for (what, field, expected) in [
            ("the salt", &self.salt, SALT_LENGTH),
            ("the nonce", &self.nonce, NONCE_LENGTH),
            ("the ciphertext", &self.ciphertext, CIPHERTEXT_LENGTH),
        ] {
            if field.len() != expected {
                return Err(damaged(FormatProblem::WrongLength { what, expected, found: field.len() }));
            }
        }
        let sealing_key = derive_sealing_key(passphrase, &self.salt, self.params)?;
        let cipher = XChaCha20Poly1305::new(sealing_key.as_ref().into());
        let associated_data = associated_data(self.format, &self.public_key);
        let plaintext = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&self.nonce), Payload { msg: &self.ciphertext, aad: &associated_data })
                .map_err(|_| SigningError::WrongPassphrase)?,
        );
        if plaintext.len() != SECRET_KEY_LENGTH {
            return Err(SigningError::SealedKeyMismatch);
        }
        // Copied straight into a wiped buffer, so no stray copy of the secret is left on the stack.
        let mut secret = Zeroizing::new([0u8; SECRET_KEY_LENGTH]);
        secret.copy_from_slice(&plaintext);
        let key = PersonKey::from_secret_bytes(&secret);
        if *key.public_key() != self.public_key {
            return Err(SigningError::SealedKeyMismatch);
        }
        Ok(key)
    }

    /// The public key of the sealed secret (readable without the passphrase).
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The argon2id costs the key was sealed with; a caller may reseal with higher costs after a
    /// successful unseal.
    pub fn params(&self) -> SealingParams {
        self.params
    }

    /// The record's format version.
    pub fn format(&self) -> u32 {
        self.format
    }

    /// The record as one line of JSON.
    pub fn to_json(&self) -> Result<String, SigningError> {
        serde_json::to_string(self).map_err(|error| SigningError::Internal { detail: error.to_string() })
    }

    /// Reads a record from JSON. A record of another format is reported as
    /// [`SigningError::UnsupportedSealedKeyFormat`] before its fields are read, since a later
    /// format may have other fields; any other unreadable record is damaged.
    pub fn from_json(json: &str) -> Result<SealedKey, SigningError> {
        let not_json = |error: serde_json::Error| SigningError::DamagedSealedKey {
            problem: FormatProblem::NotJson { detail: error.to_string() },
        };
        let value: serde_json::Value = serde_json::from_str(json).map_err(not_json)?;
        if let Some(found) = value.get("format").and_then(serde_json::Value::as_u64)
            && found != u64::from(SEALED_KEY_FORMAT)
        {
            let found = u32::try_from(found).unwrap_or(u32::MAX);
            return Err(SigningError::UnsupportedSealedKeyFormat { found, supported: SEALED_KEY_FORMAT });
        }
        serde_json::from_value(value).map_err(not_json)
    }

    /// SHA-256 over every field but the checksum, each of variable length preceded by its length,
    /// so that no two different records have the same input.
    fn computed_checksum(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(CHECKSUM_LABEL);
        hasher.update(self.format.to_be_bytes());
        hasher.update(self.public_key.as_bytes());
        for field in [self.kdf.as_bytes(), &self.salt, &self.nonce, &self.ciphertext] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field);
        }
        for cost in [self.params.m_cost_kib, self.params.t_cost, self.params.p_cost] {
            hasher.update(cost.to_be_bytes());
        }
        hasher.finalize().into()
    }
}

/// The associated data of the cipher: a label, the format and the public key. Binding the public
/// key means a secret sealed for one person cannot be presented under another person's public key.
fn associated_data(format: u32, public_key: &PublicKey) -> Vec<u8> {
    let mut data = Vec::with_capacity(ASSOCIATED_DATA_LABEL.len() + 4 + 32);
    data.extend_from_slice(ASSOCIATED_DATA_LABEL);
    data.extend_from_slice(&format.to_be_bytes());
    data.extend_from_slice(public_key.as_bytes());
    data
}

/// argon2id (version 0x13) of the NFKC-normalized passphrase and the salt, into a wiped buffer.
fn derive_sealing_key(
    passphrase: &str,
    salt: &[u8],
    params: SealingParams,
) -> Result<Zeroizing<[u8; 32]>, SigningError> {
    let argon_params = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(32))
        .map_err(|error| SigningError::Internal { detail: format!("argon2 refused checked parameters: {error}") })?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let passphrase = normalize_passphrase(passphrase);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|error| SigningError::Internal { detail: format!("argon2id failed: {error}") })?;
    Ok(key)
}

/// Serde for byte fields as standard padded base64.
mod base64_bytes {
    use super::*;

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

    const PASSPHRASE: &str = "听见投诉录音复核口令";

    #[test]
    fn the_sealed_json_never_holds_the_secret() {
        for _ in 0..20 {
            let key = PersonKey::generate().expect("randomness");
            let sealed = SealedKey::seal(&key, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
            let json = sealed.to_json().expect("json");
            let secret = key.secret_bytes();
            let hex_lower: String = secret.iter().map(|byte| format!("{byte:02x}")).collect();
            for encoded in [
                STANDARD.encode(secret.as_ref()),
                STANDARD_NO_PAD.encode(secret.as_ref()),
                URL_SAFE.encode(secret.as_ref()),
                URL_SAFE_NO_PAD.encode(secret.as_ref()),
                hex_lower.clone(),
                hex_lower.to_uppercase(),
                format!("{:?}", secret.as_ref()),
            ] {
                assert!(!json.contains(&encoded), "the sealed JSON contains the secret as {encoded}");
            }
            // Raw: no 8-byte run of the secret appears among the JSON's bytes, nor among the bytes
            // any base64 field decodes to.
            let json_bytes = json.as_bytes();
            let value: serde_json::Value = serde_json::from_str(&json).expect("json");
            let mut decoded_fields: Vec<Vec<u8>> = vec![json_bytes.to_vec()];
            for field in ["public_key", "salt", "nonce", "ciphertext", "checksum"] {
                let text = value[field].as_str().expect("a base64 field");
                decoded_fields.push(STANDARD.decode(text).expect("base64"));
            }
            for window in secret.windows(8) {
                for bytes in &decoded_fields {
                    assert!(!bytes.windows(8).any(|run| run == window), "a run of the secret appears in the record");
                }
            }
        }
    }

    #[test]
    fn a_moved_secret_with_a_recomputed_checksum_is_still_refused() {
        let alice = PersonKey::generate().expect("randomness");
        let bob = PersonKey::generate().expect("randomness");
        let mut sealed = SealedKey::seal(&alice, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
        sealed.public_key = *bob.public_key();
        sealed.checksum = sealed.computed_checksum().to_vec();
        // The checksum matches, so the record looks intact; the public key is associated data,
        // so the cipher refuses, and the only thing the app can say is that the passphrase fails.
        assert_eq!(sealed.unseal(PASSPHRASE).expect_err("refused"), SigningError::WrongPassphrase);
    }

    #[test]
    fn a_record_whose_secret_is_not_its_public_keys_is_refused() {
        // Built by hand the way only a forger with the passphrase could: Bob's secret sealed with
        // Alice's public key as associated data and in the record.
        let alice = PersonKey::generate().expect("randomness");
        let bob = PersonKey::generate().expect("randomness");
        let mut sealed = SealedKey::seal(&alice, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
        let sealing_key = derive_sealing_key(PASSPHRASE, &sealed.salt, sealed.params).expect("derive");
        let cipher = XChaCha20Poly1305::new(sealing_key.as_ref().into());
        let aad = associated_data(SEALED_KEY_FORMAT, alice.public_key());
        sealed.ciphertext = cipher
            .encrypt(XNonce::from_slice(&sealed.nonce), Payload { msg: bob.secret_bytes().as_ref(), aad: &aad })
            .expect("encrypt");
        sealed.checksum = sealed.computed_checksum().to_vec();
        assert_eq!(sealed.unseal(PASSPHRASE).expect_err("refused"), SigningError::SealedKeyMismatch);
    }

    #[test]
    fn costs_beyond_the_limits_in_an_intact_record_are_damage() {
        // A record crafted to make the app allocate 64 GiB, with its checksum recomputed.
        let key = PersonKey::generate().expect("randomness");
        let mut sealed = SealedKey::seal(&key, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
        sealed.params.m_cost_kib = 64 * 1024 * 1024;
        sealed.checksum = sealed.computed_checksum().to_vec();
        assert_eq!(
            sealed.unseal(PASSPHRASE).expect_err("refused"),
            SigningError::DamagedSealedKey {
                problem: FormatProblem::OutOfRange {
                    what: "m_cost_kib",
                    value: 64 * 1024 * 1024,
                    min: 8,
                    max: u64::from(SealingParams::MAX_M_COST_KIB),
                },
            }
        );
    }

    #[test]
    fn a_wrong_length_in_an_intact_record_is_damage() {
        let key = PersonKey::generate().expect("randomness");
        let mut sealed = SealedKey::seal(&key, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
        sealed.salt.pop();
        sealed.checksum = sealed.computed_checksum().to_vec();
        assert_eq!(
            sealed.unseal(PASSPHRASE).expect_err("refused"),
            SigningError::DamagedSealedKey {
                problem: FormatProblem::WrongLength { what: "the salt", expected: 16, found: 15 }
            }
        );
    }
}
