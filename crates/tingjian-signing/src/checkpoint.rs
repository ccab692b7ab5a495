//! Checkpoints of c2sp.org/tlog-checkpoint: a signed note whose text is an origin line, a tree
//! size, a root hash and optional extension lines.
//!
//! ```text
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//! ```
//!
//! In Tingjian the origin names the vault, the size is the number of events and the hash is the
//! head of the event chain. That hash is not the RFC 6962 Merkle root the specification has in
//! mind, so a generic transparency-log client must not be pointed at these checkpoints to build
//! consistency proofs; the format is used for its text form and its signatures, which any signed-
//! note tool can check.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{FormatProblem, SigningError};
use crate::keys::PersonKey;
use crate::note::{SignedNote, VerifierKey, check_control_characters};

/// The head of a log at one moment: where it comes from, how many entries it has, and the hash
/// that commits to all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The first line: a unique name of the log (for Tingjian, of the vault).
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// The hash committing to the entries, written as base64 on the third line.
    pub hash: [u8; 32],
    /// Further non-empty lines, opaque to this crate. The specification advises against them.
    pub extensions: Vec<String>,
}

/// A checkpoint whose note was verified, with the known keys that signed it.
#[derive(Debug, Clone)]
pub struct VerifiedCheckpoint<'k> {
    pub checkpoint: Checkpoint,
    pub note: SignedNote,
    pub signed_by: Vec<&'k VerifierKey>,
}

impl Checkpoint {
    /// The note text: origin, size, base64 hash, extension lines, each ending with a newline.
    ///
    /// Refuses an origin the specification advises against (empty, or holding a space, a plus
    /// sign or a control character), since this crate writes only origins it names itself, and an
    /// extension line that is empty or holds a control character.
    pub fn to_note_text(&self) -> Result<String, SigningError> {
        let malformed = |line, problem| SigningError::MalformedCheckpoint { line, problem };
        let origin_problem = if self.origin.is_empty() {
            Some(FormatProblem::EmptyName)
        } else if let Some(control) = self.origin.chars().find(|c| c.is_control()) {
            Some(FormatProblem::ControlCharacter { code: control.into() })
        } else if self.origin.chars().any(char::is_whitespace) {
            Some(FormatProblem::SpaceInName)
        } else if self.origin.contains('+') {
            Some(FormatProblem::PlusInName)
        } else {
            None
        };
        if let Some(problem) = origin_problem {
            return Err(malformed(1, problem));
        }
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.hash));
        for (index, extension) in self.extensions.iter().enumerate() {
            let line = 4 + index;
            if extension.is_empty() {
                return Err(malformed(line, FormatProblem::EmptyLine));
            }
            if let Some(control) = extension.chars().find(|c| c.is_control()) {
                return Err(malformed(line, FormatProblem::ControlCharacter { code: control.into() }));
            }
            text.push_str(extension);
            text.push('\n');
        }
        Ok(text)
    }

    /// Reads a checkpoint's note text, strictly. Errors name the line, counting from 1, which is
    /// also the line of the whole signed note since the text comes first.
    pub fn parse(text: &str) -> Result<Checkpoint, SigningError> {
        let malformed = |line, problem| SigningError::MalformedCheckpoint { line, problem };
        check_control_characters(text).map_err(|(line, problem)| malformed(line, problem))?;
        let Some(body) = text.strip_suffix('\n') else {
            return Err(malformed(text.matches('\n').count() + 1, FormatProblem::MissingFinalNewline));
        };
        let lines: Vec<&str> = body.split('\n').collect();
        if let Some(empty) = lines.iter().position(|line| line.is_empty()) {
            return Err(malformed(empty + 1, FormatProblem::EmptyLine));
        }
        if lines.len() < 3 {
            return Err(malformed(lines.len() + 1, FormatProblem::TooFewLines { found: lines.len(), needed: 3 }));
        }
        let size = parse_tree_size(lines[1]).ok_or_else(|| malformed(2, FormatProblem::BadTreeSize))?;
        let hash_bytes = STANDARD.decode(lines[2]).map_err(|_| malformed(3, FormatProblem::BadBase64))?;
        let hash: [u8; 32] = hash_bytes.as_slice().try_into().map_err(|_| {
            malformed(3, FormatProblem::WrongLength { what: "the root hash", expected: 32, found: hash_bytes.len() })
        })?;
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size,
            hash,
            extensions: lines[3..].iter().map(|line| (*line).to_owned()).collect(),
        })
    }

    /// Signs the checkpoint as a new signed note by `key_name`. In Tingjian the signer is the
    /// person who wrote the checkpoint, so the key name names that person, not the origin (the
    /// specification's "SHOULD match the origin" is for a log's own key).
    pub fn sign(&self, key_name: &str, key: &PersonKey) -> Result<SignedNote, SigningError> {
        SignedNote::sign(&self.to_note_text()?, key_name, key)
    }

    /// Reads a signed checkpoint, verifies its signatures against `known` (see
    /// [`SignedNote::verify`]) and only then reads its text as a checkpoint.
    pub fn open<'k>(note: &str, known: &'k [VerifierKey]) -> Result<VerifiedCheckpoint<'k>, SigningError> {
        let note = SignedNote::parse(note)?;
        let signed_by = note.verify(known)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        Ok(VerifiedCheckpoint { checkpoint, note, signed_by })
    }
}

/// A decimal number without leading zeroes (but `0` itself) that fits in 64 bits.
fn parse_tree_size(line: &str) -> Option<u64> {
    let digits_only = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = line.len() > 1 && line.starts_with('0');
    if !digits_only || leading_zero {
        return None;
    }
    line.parse().ok()
}
