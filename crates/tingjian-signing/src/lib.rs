//! Per-person signatures for Tingjian: ed25519 keys sealed by each person's passphrase, strict and
//! batch verification, and signed notes and checkpoints in the C2SP text formats.
//!
//! # Trust model
//!
//! A person's [`PersonKey`] is made on the machine from the operating system's randomness and is
//! stored only as a [`SealedKey`]: the secret encrypted with XChaCha20-Poly1305 under a key that
//! argon2id derives from the person's passphrase. Sealing protects against someone who holds a copy
//! of the vault's files but not the passphrase — a stolen disk, a backup, a curious administrator:
//! to sign as the person they must guess the passphrase, and every guess costs a full argon2id
//! derivation (by default 128 MiB of memory and about half a second). It does not protect against
//! anyone who learns the passphrase — a keylogger, a note on the monitor, a colleague who watched —
//! nor against malware running while the person is signed in, since the key must then be in
//! memory. What it gives an auditor is attribution: a valid signature was made by someone who
//! knew that person's passphrase, or who had the key unlocked in memory.
//!
//! The argon2id parameters are stored in each sealed key rather than fixed in the code, so the
//! costs can be raised for keys sealed later (after a hardware refresh, or on new advice) while every
//! key sealed before keeps opening with the costs it was sealed with; a person's key can be
//! resealed with the new costs the next time they unlock it.
//!
//! The public key is part of the cipher's associated data. Without that, someone with write access
//! to the vault could put their own public key beside another person's sealed secret (or the other
//! way round) and the record would still decrypt, so the app could present one person's key as
//! another's. With it, a sealed secret opens only beside the public key it was sealed with.
//!
//! Public keys are validated when they are made ([`PublicKey::from_bytes`]): small-order keys and
//! keys with a small-order component are refused, which is what lets [`verify_batch`] accept a
//! passing batch without re-checking each signature (the argument is in [`verify_batch`]'s
//! documentation). Signatures are always judged by `verify_strict`'s rules when a batch fails, and
//! the indexes of the failing ones are returned so the caller can name the event.
//!
//! Signed notes ([`SignedNote`], c2sp.org/signed-note) and checkpoints ([`Checkpoint`],
//! c2sp.org/tlog-checkpoint) are text a person can keep outside the vault, on a share or a USB
//! stick, and check with any tool that speaks the format: a checkpoint signed by one person and
//! cosigned by another pins the log's head at a moment, so truncating or rewriting the log later
//! contradicts it.
//!
//! The crate holds no state, reads no files and knows nothing of the vault or the GUI.

mod batch;
mod checkpoint;
mod error;
mod keys;
mod note;
mod passphrase;
mod sealed;

pub use batch::{BATCH_CHUNK, BatchPlan, SignedItem, verify_batch, verify_batch_with};
pub use checkpoint::{Checkpoint, VerifiedCheckpoint};
pub use error::{FormatProblem, PassphraseRule, SigningError};
pub use keys::{PUBLIC_KEY_LENGTH, PersonKey, PublicKey, SECRET_KEY_LENGTH, SIGNATURE_LENGTH, Signature};
pub use note::{
    MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES, NoteSignature, SIGNATURE_TYPE_ED25519, SignedNote, VerifierKey,
    check_key_name, key_id,
};
pub use passphrase::{MIN_PASSPHRASE_CHARS, check_new_passphrase, one_time_passphrase, random_bytes};
pub use sealed::{KDF_ARGON2ID, SEALED_KEY_FORMAT, SealedKey, SealingParams};
