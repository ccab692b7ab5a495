//! Signed notes of c2sp.org/signed-note: a text, a blank line, and one signature line per signer.
//!
//! ```text
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//!
//! — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
//! ```
//!
//! Only signature type 0x01 (Ed25519 over the note text) is made and verified. A signature line
//! is `— <key name> base64(key ID || signature)`; the key ID is the first four bytes of
//! SHA-256(key name || 0x0A || 0x01 || public key), read big-endian. A verifier key (vkey) is
//! `<key name>+<hex key ID>+base64(0x01 || public key)`.
//!
//! A second person "cosigns" by adding their own 0x01 signature line over the same text
//! ([`SignedNote::cosign`]). That is a plain note signature, not the timestamped cosignature
//! (type 0x04) of c2sp.org/tlog-cosignature: our cosigners attest the same text as the first
//! signer, and one signature type keeps verification in one place.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::error::{FormatProblem, SigningError};
use crate::keys::{PUBLIC_KEY_LENGTH, PersonKey, PublicKey, Signature};

/// The signature type byte of Ed25519 note signatures.
pub const SIGNATURE_TYPE_ED25519: u8 = 0x01;
/// The largest note [`SignedNote::parse`] reads. Checkpoints are a few hundred bytes; the limit
/// only stops a huge file from being read into memory.
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// The most signature lines a note may carry. The specification asks verifiers to accept at least
/// 16; a vault's checkpoint carries a handful.
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// The start of every signature line: an em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Checks a key name: non-empty, without Unicode spaces, plus signs or control characters.
pub fn check_key_name(name: &str) -> Result<(), SigningError> {
    name_problem(name).map_or(Ok(()), |problem| Err(SigningError::InvalidKeyName { name: name.to_owned(), problem }))
}

fn name_problem(name: &str) -> Option<FormatProblem> {
    if name.is_empty() {
        return Some(FormatProblem::EmptyName);
    }
    if let Some(control) = name.chars().find(|c| c.is_control()) {
        return Some(FormatProblem::ControlCharacter { code: control.into() });
    }
    if name.chars().any(char::is_whitespace) {
        return Some(FormatProblem::SpaceInName);
    }
    if name.contains('+') {
        return Some(FormatProblem::PlusInName);
    }
    None
}

/// The key ID of an Ed25519 key under `name`: the first four bytes, big-endian, of
/// SHA-256(name || 0x0A || 0x01 || the 32-byte public key).
pub fn key_id(name: &str, public_key: &PublicKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', SIGNATURE_TYPE_ED25519]);
    hasher.update(public_key.as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A key a verifier trusts: its name, its key ID and its Ed25519 public key. Its text form
/// ([`fmt::Display`], [`VerifierKey::parse`]) is the vkey of the specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    public_key: PublicKey,
}

impl VerifierKey {
    /// The verifier key of `public_key` under `name`.
    pub fn new(name: &str, public_key: PublicKey) -> Result<VerifierKey, SigningError> {
        check_key_name(name)?;
        Ok(VerifierKey { name: name.to_owned(), key_id: key_id(name, &public_key), public_key })
    }

    /// Reads a vkey, `name+hex(key ID)+base64(0x01 || public key)`, and checks that the key ID is
    /// the one its name and key give.
    pub fn parse(text: &str) -> Result<VerifierKey, SigningError> {
        let invalid = |problem| SigningError::InvalidVerifierKey { problem };
        // The name holds no plus sign, so the first two separate the parts; base64 may hold more.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid(FormatProblem::NotThreeParts));
        };
        if let Some(problem) = name_problem(name) {
            return Err(invalid(problem));
        }
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(invalid(FormatProblem::BadKeyId));
        }
        let stated = u32::from_str_radix(id_hex, 16).map_err(|_| invalid(FormatProblem::BadKeyId))?;
        let material = STANDARD.decode(material).map_err(|_| invalid(FormatProblem::BadBase64))?;
        match material.first() {
            Some(&SIGNATURE_TYPE_ED25519) => {}
            Some(&other) => return Err(invalid(FormatProblem::UnsupportedSignatureType { found: other })),
            None => {
                return Err(invalid(FormatProblem::WrongLength {
                    what: "the key material",
                    expected: 1 + PUBLIC_KEY_LENGTH,
                    found: 0,
                }));
            }
        }
        if material.len() != 1 + PUBLIC_KEY_LENGTH {
            return Err(invalid(FormatProblem::WrongLength {
                what: "the key material",
                expected: 1 + PUBLIC_KEY_LENGTH,
                found: material.len(),
            }));
        }
        let public_key = PublicKey::from_slice(&material[1..]).map_err(|error| match error {
            SigningError::InvalidPublicKey { problem } => invalid(problem),
            other => other,
        })?;
        let computed = key_id(name, &public_key);
        if computed != stated {
            return Err(invalid(FormatProblem::KeyIdMismatch { stated, computed }));
        }
        Ok(VerifierKey { name: name.to_owned(), key_id: stated, public_key })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut material = Vec::with_capacity(1 + PUBLIC_KEY_LENGTH);
        material.push(SIGNATURE_TYPE_ED25519);
        material.extend_from_slice(self.public_key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, STANDARD.encode(material))
    }
}

/// One signature line of a note: the key name, the key ID, and the signature bytes that follow
/// the key ID (64 for Ed25519; other types, ignored by this crate, may have other lengths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// The key name of the line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID of the line.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature bytes after the key ID.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    fn same_key(&self, name: &str, key_id: u32) -> bool {
        self.name == name && self.key_id == key_id
    }
}

impl fmt::Display for NoteSignature {
    /// The signature line, without its final newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut blob = Vec::with_capacity(4 + self.signature.len());
        blob.extend_from_slice(&self.key_id.to_be_bytes());
        blob.extend_from_slice(&self.signature);
        write!(f, "{SIGNATURE_PREFIX}{} {}", self.name, STANDARD.encode(blob))
    }
}

/// A note text with its signature lines. Holding one says nothing about its signatures; only
/// [`SignedNote::verify`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Signs `text` as `key_name`. The text must end with a newline and hold no control character
    /// other than newlines; it may hold empty lines.
    pub fn sign(text: &str, key_name: &str, key: &PersonKey) -> Result<SignedNote, SigningError> {
        check_key_name(key_name)?;
        check_text(text)?;
        let mut note = SignedNote { text: text.to_owned(), signatures: Vec::new() };
        note.push_signature(key_name, key);
        Ok(note)
    }

    /// Adds `key`'s signature over the same text, after the signatures already there. A signature
    /// line already present for the same key name and key ID is replaced (Ed25519 signatures are
    /// deterministic, so a valid one is replaced by the same line).
    ///
    /// The existing signatures are not checked: a cosigner should [`SignedNote::verify`] the note
    /// against the keys they trust, and read its text, before adding their name to it.
    pub fn cosign(&mut self, key_name: &str, key: &PersonKey) -> Result<(), SigningError> {
        check_key_name(key_name)?;
        if self.signatures.len() >= MAX_NOTE_SIGNATURES {
            return Err(SigningError::MalformedNote {
                line: self.text.matches('\n').count() + 2 + self.signatures.len(),
                problem: FormatProblem::TooManySignatures { limit: MAX_NOTE_SIGNATURES },
            });
        }
        let id = key_id(key_name, key.public_key());
        self.signatures.retain(|line| !line.same_key(key_name, id));
        self.push_signature(key_name, key);
        Ok(())
    }

    fn push_signature(&mut self, key_name: &str, key: &PersonKey) {
        let signature = key.sign(self.text.as_bytes());
        self.signatures.push(NoteSignature {
            name: key_name.to_owned(),
            key_id: key_id(key_name, key.public_key()),
            signature: signature.as_bytes().to_vec(),
        });
    }

    /// Reads a signed note, strictly: valid UTF-8 (given by `&str`), no control character but
    /// newlines, a final newline, and after the last blank line only well-formed signature lines,
    /// at most [`MAX_NOTE_SIGNATURES`] of them. Errors name the line, counting from 1.
    pub fn parse(note: &str) -> Result<SignedNote, SigningError> {
        let malformed = |line, problem| SigningError::MalformedNote { line, problem };
        if note.len() > MAX_NOTE_BYTES {
            let line = note.as_bytes()[..MAX_NOTE_BYTES].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(malformed(line, FormatProblem::TooLarge { limit_bytes: MAX_NOTE_BYTES }));
        }
        check_control_characters(note).map_err(|(line, problem)| malformed(line, problem))?;
        let last_line = note.matches('\n').count().max(1);
        if !note.ends_with('\n') {
            return Err(malformed(last_line + 1, FormatProblem::MissingFinalNewline));
        }
        let Some(blank) = note.rfind("\n\n") else {
            return Err(malformed(last_line, FormatProblem::MissingSignatures));
        };
        let text = &note[..=blank];
        let block = &note[blank + 2..];
        if block.is_empty() {
            return Err(malformed(last_line, FormatProblem::MissingSignatures));
        }
        // The text's lines, then the blank line, then the first signature line.
        let first_signature_line = text.matches('\n').count() + 2;
        let mut signatures = Vec::new();
        for (offset, line) in block.lines().enumerate() {
            let number = first_signature_line + offset;
            if offset >= MAX_NOTE_SIGNATURES {
                return Err(malformed(number, FormatProblem::TooManySignatures { limit: MAX_NOTE_SIGNATURES }));
            }
            signatures.push(parse_signature_line(line).map_err(|problem| malformed(number, problem))?);
        }
        Ok(SignedNote { text: text.to_owned(), signatures })
    }

    /// The signed text, with its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in the order they appear.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Verifies the note against the keys the caller trusts, as the specification says: lines
    /// whose key name and key ID match no known key are ignored; every line that matches one must
    /// verify, or the whole note is refused naming that key; and at least one must. Returns the
    /// known keys that signed, each once, in the order of their first line.
    pub fn verify<'k>(&self, known: &'k [VerifierKey]) -> Result<Vec<&'k VerifierKey>, SigningError> {
        let mut signed_by: Vec<&'k VerifierKey> = Vec::new();
        for line in &self.signatures {
            let candidates: Vec<&'k VerifierKey> =
                known.iter().filter(|key| line.same_key(&key.name, key.key_id)).collect();
            if candidates.is_empty() {
                continue;
            }
            // Two known keys may share a name and a 32-bit key ID only by accident; the line is
            // valid if it verifies under either.
            let signature = Signature::from_slice(&line.signature).ok();
            let verified = signature.and_then(|signature| {
                candidates
                    .into_iter()
                    .find(|key| key.public_key.verify_strict(self.text.as_bytes(), &signature).is_ok())
            });
            match verified {
                Some(key) => {
                    if !signed_by.iter().any(|seen| std::ptr::eq(*seen, key)) {
                        signed_by.push(key);
                    }
                }
                None => {
                    return Err(SigningError::NoteSignatureInvalid {
                        key_name: line.name.clone(),
                        key_id: line.key_id,
                    });
                }
            }
        }
        if signed_by.is_empty() {
            return Err(SigningError::NoteNotSigned { known_keys: known.len() });
        }
        Ok(signed_by)
    }
}

impl fmt::Display for SignedNote {
    /// The note as the specification writes it: the text, a blank line, a line per signature.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for line in &self.signatures {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

/// Checks a text to be signed: within the size limit, ending with a newline, no control
/// characters other than newlines.
fn check_text(text: &str) -> Result<(), SigningError> {
    let malformed = |line, problem| SigningError::MalformedNote { line, problem };
    if text.len() > MAX_NOTE_BYTES {
        return Err(malformed(1, FormatProblem::TooLarge { limit_bytes: MAX_NOTE_BYTES }));
    }
    check_control_characters(text).map_err(|(line, problem)| malformed(line, problem))?;
    if !text.ends_with('\n') {
        return Err(malformed(text.matches('\n').count() + 1, FormatProblem::MissingFinalNewline));
    }
    Ok(())
}

/// The first control character below U+0020 other than a newline, with its line (from 1).
pub(crate) fn check_control_characters(text: &str) -> Result<(), (usize, FormatProblem)> {
    for (index, line) in text.split('\n').enumerate() {
        if let Some(control) = line.chars().find(|&c| u32::from(c) < 0x20) {
            return Err((index + 1, FormatProblem::ControlCharacter { code: control.into() }));
        }
    }
    Ok(())
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, FormatProblem> {
    let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or(FormatProblem::NotASignatureLine)?;
    let (name, encoded) = rest.split_once(' ').ok_or(FormatProblem::MissingSignatureField)?;
    if let Some(problem) = name_problem(name) {
        return Err(problem);
    }
    let blob = STANDARD.decode(encoded).map_err(|_| FormatProblem::BadBase64)?;
    if blob.len() < 5 {
        return Err(FormatProblem::SignatureTooShort);
    }
    let key_id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
    Ok(NoteSignature { name: name.to_owned(), key_id, signature: blob[4..].to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of golang.org/x/mod/sumdb/note, whose signer key is published with it:
    /// `PRIVATE+KEY+PeterNeumann+c74f20a3+<base64 of 0x01 || seed>`.
    const PETER_SIGNER: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str =
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
        then you don't know what your problem is.\n\
        \n\
        \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn peter_key() -> PersonKey {
        let material = PETER_SIGNER.splitn(5, '+').nth(4).expect("five parts");
        let decoded = STANDARD.decode(material).expect("base64");
        assert_eq!(decoded[0], SIGNATURE_TYPE_ED25519);
        let seed: [u8; 32] = decoded[1..].try_into().expect("32 bytes");
        PersonKey::from_secret_bytes(&seed)
    }

    #[test]
    fn signing_reproduces_the_published_note_byte_for_byte() {
        let key = peter_key();
        let note = SignedNote::sign(PETER_TEXT, "PeterNeumann", &key).expect("sign");
        assert_eq!(note.to_string(), PETER_NOTE);
        let vkey = VerifierKey::new("PeterNeumann", *key.public_key()).expect("vkey");
        assert_eq!(vkey.to_string(), PETER_VKEY);
    }
}
