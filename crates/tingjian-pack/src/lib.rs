//! The quarter's evidence pack (证据包): what the head office or an examiner takes away to check
//! the branch's quarter without trusting the branch's machine. One zip holds
//!
//! - `pack.json`: what the pack is (quarter, vault, who exported it and when, what it holds);
//! - `vault/vault.sqlite`: a consistent copy of the vault's database: the whole audit log (every
//!   event, signature and public key, the pack's own `pack_exported` event included) and the
//!   tables the log's replay must give; without the sealed private keys and unsent drafts;
//! - `report/report.json` and `report/report.pdf`: the quarter's report as data and as printed;
//! - `audio/<blake3>`: the sampled calls' recordings (with `--with-audio`);
//! - `evidence/<blake3>`: the evidence files of the quarter's rectification cases;
//! - `checkpoint`: the log's head, signed by the exporter;
//! - `manifest.json`: every other file's path, size and BLAKE3; `manifest.sig`: a signed note by
//!   the exporter over the manifest's BLAKE3.
//!
//! [`verify_pack`] checks all of it with no vault: the manifest and its signature, every file's
//! hash, the chain and every event's signature (by replaying the log into the copied tables, as
//! `tingjian verify` does), the checkpoint, each stored recording and evidence file, and the
//! report's figures recomputed from the copy at the report's own moment. Each mismatch is named.
//!
//! The keys are the vault's own, carried in the copy; what ties them to people outside the pack is
//! the exporter's key fingerprint, which the verifier prints for comparison with the branch's
//! published list (or an earlier pack).

mod export;
mod mapped;
mod verify;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tingjian_core::ErrorCode;
use tingjian_vault::VaultError;
use ts_rs::TS;

pub use export::{ExportOptions, ExportedPack, PackProgress, export_pack};
pub use tingjian_core::Coded;
pub use verify::{PackProblem, PackProblemKind, PackVerification, verify_pack};

/// The pack's layout version, in `pack.json`.
pub const PACK_FORMAT: u32 = 1;

pub const PACK_INFO: &str = "pack.json";
pub const DATABASE: &str = "vault/vault.sqlite";
pub const REPORT_JSON: &str = "report/report.json";
pub const REPORT_PDF: &str = "report/report.pdf";
pub const CHECKPOINT: &str = "checkpoint";
pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_SIGNATURE: &str = "manifest.sig";

/// The first line of the note signed over the manifest, so that a signature made for anything
/// else (an event, a checkpoint) never passes for a pack's.
pub const MANIFEST_NOTE_LABEL: &str = "tingjian-pack-manifest-v1";

/// What `pack.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackInfo {
    pub format: u32,
    pub quarter: String,
    pub vault_id: String,
    pub exported_by: String,
    pub exported_at: String,
    /// The `pack_exported` event, in the copy's log (its last, unless another program recorded
    /// something while the pack was made).
    #[ts(type = "number")]
    pub export_event: u64,
    pub with_audio: bool,
    pub with_personal_data: bool,
    /// The recordings and evidence files the pack holds, by BLAKE3.
    pub audio: Vec<String>,
    pub evidence: Vec<String>,
    /// Whether `manifest.sig` and `checkpoint` are there (a vault without accounts has no keys).
    /// The verifier takes this from the log, not from here.
    pub signed: bool,
}

/// One file of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ManifestEntry {
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub blake3: String,
}

/// `manifest.json`: every file of the pack but the manifest and its signature, by path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Manifest {
    pub files: Vec<ManifestEntry>,
}

/// The text the exporter signs: the label, the vault, and the manifest's BLAKE3.
pub fn manifest_note_text(vault_id: &str, manifest_blake3: &str) -> String {
    format!("{MANIFEST_NOTE_LABEL}\n{vault_id}\n{manifest_blake3}\n")
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(
        "a pack without personal data cannot be made from this vault yet: its audit log holds customers' names and phone numbers inside the events, which cannot be left out without breaking the chain; export with --with-personal-data --reason \"…\""
    )]
    RedactionUnavailable,
    #[error("a pack with personal data needs the reason it is sent (--reason)")]
    ReasonRequired,
    #[error("cannot read or write {}: {reason}", .path.display())]
    File { path: PathBuf, reason: String },
    #[error("{} is not an evidence pack: {reason}", .path.display())]
    NotAPack { path: PathBuf, reason: String },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl PackError {
    pub(crate) fn file(path: &std::path::Path, error: impl std::fmt::Display) -> PackError {
        PackError::File { path: path.to_owned(), reason: error.to_string() }
    }
}

impl Coded for PackError {
    fn code(&self) -> ErrorCode {
        match self {
            PackError::RedactionUnavailable | PackError::ReasonRequired | PackError::NotAPack { .. } => {
                ErrorCode::InvalidInput
            }
            PackError::File { .. } => ErrorCode::Io,
            PackError::Vault(error) => error.code(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            PackError::RedactionUnavailable => "本档案库暂不能导出不含个人信息的证据包：其审计日志的事件中含有客户姓名和电话，删去会破坏哈希链。请使用 --with-personal-data --reason \"理由\" 导出（理由会记入审计日志）".to_owned(),
            PackError::ReasonRequired => "证据包带出个人信息须写明理由（--reason）".to_owned(),
            PackError::File { path, reason } => format!("无法读写 {}：{reason}", path.display()),
            PackError::NotAPack { path, reason } => format!("{} 不是证据包：{reason}", path.display()),
            PackError::Vault(error) => error.message_zh(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            PackError::Vault(error) => error.message_en(),
            other => other.to_string(),
        }
    }
}
