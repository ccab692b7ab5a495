//! Checkpoints kept outside the vault: the log's head (its size and the hash of its newest event)
//! as a C2SP signed note, signed by the signed-in person and cosigned by others.
//!
//! Inside the vault nothing can prove that the newest events were not cut off, or that the whole
//! history was not replaced by another one whose every link and signature holds (someone holding
//! every key could write one). A checkpoint written to a share or a USB stick that IT chooses pins
//! the head as it was: `verify` against it shows that the log still extends it, or names how it
//! contradicts it.
//!
//! ```text
//! tingjian/7f3c…                      the vault's id
//! 1042                                events in the log
//! q8H0…=                              the hash of event #1042, base64
//!
//! — li 3Xk9…                          li's signature (key name: the person's id)
//! — wang 9dFa…                        wang's cosignature
//! ```

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tingjian_signing::{Checkpoint, PublicKey, SignedNote, VerifierKey};
use ts_rs::TS;

use crate::verify::{ProblemKind, VerifyProblem};
use crate::{Vault, VaultError};

/// The start of every Tingjian checkpoint's origin line; the vault's id follows.
pub const ORIGIN_PREFIX: &str = "tingjian/";

/// The file name ending of checkpoints written by [`Vault::write_checkpoint`].
pub const CHECKPOINT_EXTENSION: &str = "checkpoint";

/// A checkpoint written, as the CLI and the app report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WrittenCheckpoint {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub head_hash: String,
    pub signed_by: Vec<String>,
}

/// A checkpoint file to verify the vault against.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    pub path: PathBuf,
    pub text: String,
}

impl CheckpointFile {
    pub fn read(path: &Path) -> Result<CheckpointFile, VaultError> {
        let text = std::fs::read_to_string(path).map_err(|source| VaultError::from_io(path, source))?;
        Ok(CheckpointFile { path: path.to_owned(), text })
    }
}

impl Vault {
    /// The log's head as a checkpoint signed by the signed-in person.
    pub fn checkpoint_note(&self) -> Result<(Checkpoint, SignedNote), VaultError> {
        let Some(key) = self.signer.as_deref() else {
            return Err(self.sign_in_needed()?);
        };
        let checkpoint = head_checkpoint(self.db())?;
        let note = checkpoint.sign(&self.actor, key)?;
        Ok((checkpoint, note))
    }

    /// Signs `text` as a note by the signed-in person (an evidence pack's manifest).
    pub fn sign_note(&self, text: &str) -> Result<SignedNote, VaultError> {
        let Some(key) = self.signer.as_deref() else {
            return Err(self.sign_in_needed()?);
        };
        Ok(SignedNote::sign(text, &self.actor, key)?)
    }

    /// Every key the vault ever had, under its person's id: a note stays verifiable after its
    /// signer's key is revoked.
    pub fn known_keys(&self) -> Result<Vec<VerifierKey>, VaultError> {
        known_keys(self.db())
    }

    /// Writes the head's checkpoint, signed by the signed-in person, into `folder` (made if
    /// missing) as `<vault id>-<size>-<person>.checkpoint`, never overwriting a file.
    pub fn write_checkpoint(&self, folder: &Path) -> Result<WrittenCheckpoint, VaultError> {
        let (checkpoint, note) = self.checkpoint_note()?;
        std::fs::create_dir_all(folder).map_err(|source| VaultError::from_io(folder, source))?;
        let vault_id = checkpoint.origin.trim_start_matches(ORIGIN_PREFIX);
        let path = folder.join(format!("{vault_id}-{:08}-{}.{CHECKPOINT_EXTENSION}", checkpoint.size, self.actor));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| VaultError::from_io(&path, source))?;
        std::io::Write::write_all(&mut file, note.to_string().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|source| VaultError::from_io(&path, source))?;
        Ok(WrittenCheckpoint {
            path: path.display().to_string(),
            size: checkpoint.size,
            head_hash: crate::event::hex(&checkpoint.hash),
            signed_by: vec![self.actor.clone()],
        })
    }

    /// Adds the signed-in person's signature to the checkpoint in `path`, after checking that it
    /// is this vault's, that its signatures hold and that the log still extends it: a person
    /// cosigns only what they can see is true.
    pub fn cosign_checkpoint(&self, path: &Path) -> Result<WrittenCheckpoint, VaultError> {
        let Some(key) = self.signer.as_deref() else {
            return Err(self.sign_in_needed()?);
        };
        let file = CheckpointFile::read(path)?;
        if let Some(problem) = check_one(self.db(), &file)?.into_iter().next() {
            return Err(VaultError::refused(problem.message_zh, problem.message_en));
        }
        let mut note = SignedNote::parse(&file.text)?;
        note.cosign(&self.actor, key)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        let temporary = path.with_extension("cosigning");
        std::fs::write(&temporary, note.to_string()).map_err(|source| VaultError::from_io(&temporary, source))?;
        std::fs::rename(&temporary, path).map_err(|source| VaultError::from_io(path, source))?;
        Ok(WrittenCheckpoint {
            path: path.display().to_string(),
            size: checkpoint.size,
            head_hash: crate::event::hex(&checkpoint.hash),
            signed_by: note.signatures().iter().map(|s| s.name().to_owned()).collect(),
        })
    }

    /// Closes `quarter` and, when `checkpoints` names a folder (the one IT chose, outside the
    /// vault), writes the log's head there signed by the signed-in person: a closed quarter is a
    /// milestone worth pinning where the vault's holder cannot reach. The close stands even when
    /// the checkpoint cannot be written; the error then says so.
    pub fn close_quarter_and_checkpoint(
        &mut self,
        quarter: tingjian_core::QuarterId,
        checkpoints: Option<&Path>,
    ) -> Result<tingjian_core::QuarterState, VaultError> {
        let state = self.close_quarter(quarter)?;
        if let Some(folder) = checkpoints
            && self.signed_in().is_some()
            && let Err(error) = self.write_checkpoint(folder)
        {
            use tingjian_core::Coded;
            return Err(VaultError::refused(
                format!("{quarter} 季度已结束，但检查点未能写入 {}：{}", folder.display(), error.message_zh()),
                format!(
                    "quarter {quarter} is closed, but its checkpoint could not be written to {}: {error}",
                    folder.display()
                ),
            ));
        }
        Ok(state)
    }
}

fn head_checkpoint(db: &Connection) -> Result<Checkpoint, VaultError> {
    let vault_id: String = db.query_row("SELECT vault_id FROM vault_info WHERE id = 1", [], |row| row.get(0))?;
    let (size, hash): (u64, String) =
        db.query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    Ok(Checkpoint { origin: format!("{ORIGIN_PREFIX}{vault_id}"), size, hash: bytes_of(&hash), extensions: Vec::new() })
}

/// What each checkpoint says that the log contradicts: one problem per contradicted checkpoint.
pub(crate) fn check_all(db: &Connection, files: &[CheckpointFile]) -> Result<Vec<VerifyProblem>, VaultError> {
    let mut problems = Vec::new();
    for file in files {
        problems.extend(check_one(db, file)?);
    }
    Ok(problems)
}

/// Every key the vault ever had, under its person's id.
fn known_keys(db: &Connection) -> Result<Vec<VerifierKey>, VaultError> {
    let mut known = Vec::new();
    let mut statement = db.prepare("SELECT person_id, public_key FROM person_keys ORDER BY introduced_seq")?;
    let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    for row in rows {
        let (person, key) = row?;
        if let Ok(key) = PublicKey::from_base64(&key)
            && let Ok(verifier) = VerifierKey::new(&person, key)
        {
            known.push(verifier);
        }
    }
    Ok(known)
}

fn check_one(db: &Connection, file: &CheckpointFile) -> Result<Option<VerifyProblem>, VaultError> {
    let name = file.path.display().to_string();
    let contradicted = |zh: String, en: String| {
        Some(VerifyProblem {
            kind: ProblemKind::CheckpointContradicted,
            event_seq: None,
            table: None,
            key: Some(name.clone()),
            message_zh: format!("检查点 {name}：{zh}"),
            message_en: format!("checkpoint {name}: {en}"),
        })
    };
    let known = known_keys(db)?;
    let opened = match Checkpoint::open(&file.text, &known) {
        Ok(opened) => opened,
        Err(error) => {
            return Ok(contradicted(
                format!(
                    "无法用本档案库任何人的密钥验证（{}）：检查点被改动、不属于本档案库，或档案库的密钥被整体替换",
                    error.message_zh()
                ),
                format!(
                    "it does not verify with any key of this vault ({error}): the checkpoint was altered, is of another vault, or the vault's keys were replaced"
                ),
            ));
        }
    };
    let checkpoint = opened.checkpoint;
    let vault_id: String = db.query_row("SELECT vault_id FROM vault_info WHERE id = 1", [], |row| row.get(0))?;
    if checkpoint.origin != format!("{ORIGIN_PREFIX}{vault_id}") {
        return Ok(contradicted(
            format!("属于另一档案库（{}），本档案库为 {vault_id}", checkpoint.origin),
            format!("it is of another vault ({}), this one is {vault_id}", checkpoint.origin),
        ));
    }
    let size = checkpoint.size;
    let head: u64 = db.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |row| row.get(0))?;
    if head < size {
        return Ok(contradicted(
            format!("记录时日志有 {size} 个事件，现在只有 {head} 个：最新的事件被截去"),
            format!("the log had {size} events when it was written and has {head} now: the newest events were cut off"),
        ));
    }
    let hash: Option<String> =
        db.query_row("SELECT hash FROM events WHERE seq = ?1", [size], |row| row.get(0)).optional()?;
    if hash.as_deref() != Some(crate::event::hex(&checkpoint.hash).as_str()) {
        return Ok(contradicted(
            format!("第 {size} 号事件的哈希与检查点不符：此前的历史被改写或替换（分叉）"),
            format!(
                "event #{size} does not have the hash it had: the history up to it was rewritten or replaced (a fork)"
            ),
        ));
    }
    Ok(None)
}

fn bytes_of(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = hex.get(index * 2..index * 2 + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()).unwrap_or(0);
    }
    out
}
