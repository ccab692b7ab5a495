//! Import of a quarter's recordings and the complaint system's export into a vault.
//!
//! This is the first, narrow version: a UTF-8 CSV export with the standard Chinese headers and a
//! folder of recordings. Every recording is fully decoded once; every change is an event; a
//! re-import of the same data records nothing.

mod intake;
mod manifest;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tingjian_core::model::{Complaint, Recording};
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{COMPLAINT_COLUMN_COUNT, Event, Vault, VaultError, complaint_columns, complaint_from_row};
use ts_rs::TS;

pub use manifest::{
    ColumnMapping, ColumnPreview, ExportPreview, ManifestError, field_names, preview_manifest, read_manifest,
};

/// The vault setting that holds the saved column mapping.
pub const MAPPING_SETTING: &str = "import_mapping";

/// The column mapping saved in the vault for next time (empty when none was saved).
pub fn saved_mapping(vault: &Vault) -> Result<ColumnMapping, VaultError> {
    Ok(vault.setting(MAPPING_SETTING)?.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
}

/// One input that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rejected {
    /// The file, or `file:row` for a row of the export.
    pub source: String,
    pub reason_zh: String,
    pub reason_en: String,
}

impl Rejected {
    /// The input at `source` was not imported because of `error`.
    pub fn because(source: &str, error: &impl Coded) -> Self {
        Rejected { source: source.to_owned(), reason_zh: error.message_zh(), reason_en: error.message_en() }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    #[ts(type = "number")]
    pub complaints_added: u64,
    #[ts(type = "number")]
    pub complaints_updated: u64,
    #[ts(type = "number")]
    pub complaints_unchanged: u64,
    #[ts(type = "number")]
    pub recordings_added: u64,
    #[ts(type = "number")]
    pub recordings_unchanged: u64,
    #[ts(type = "number")]
    pub links_added: u64,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<Rejected>,
    /// Complaints whose 录音文件 names no recording that was found.
    pub complaints_without_recording: Vec<String>,
    /// Recordings no complaint names.
    pub recordings_without_complaint: Vec<String>,
    /// The import was cancelled part-way; complaints were not recorded yet.
    pub cancelled: bool,
}

impl ImportReport {
    /// The rejected inputs and the warnings as CSV (UTF-8 with BOM, so Excel shows the Chinese),
    /// for a coordinator to keep with the quarter's papers.
    pub fn problems_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(["类别 / kind", "来源 / source", "原因", "reason"]);
        for (kind, list) in [("拒收 / rejected", &self.rejected), ("注意 / warning", &self.warnings)] {
            for item in list {
                let _ =
                    writer.write_record([kind, item.source.as_str(), item.reason_zh.as_str(), item.reason_en.as_str()]);
            }
        }
        let body = writer.into_inner().unwrap_or_default();
        format!("\u{feff}{}", String::from_utf8_lossy(&body))
    }

    /// True when the import changed nothing in the vault.
    pub fn changed_nothing(&self) -> bool {
        self.complaints_added + self.complaints_updated + self.recordings_added + self.links_added == 0
    }
}

/// Progress of a running import, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// Why an import could not run at all (rejected inputs are in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("cannot read the recordings folder {path}: {source}")]
    RecordingsFolder { path: PathBuf, source: std::io::Error },
    #[error("the link pattern is not a valid regular expression: {reason}")]
    LinkPattern { reason: String },
}

impl Coded for ImportError {
    fn code(&self) -> ErrorCode {
        match self {
            ImportError::Vault(error) => error.code(),
            ImportError::Manifest(error) => error.code(),
            ImportError::RecordingsFolder { .. } => ErrorCode::Io,
            ImportError::LinkPattern { .. } => ErrorCode::InvalidInput,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            ImportError::Vault(error) => error.message_zh(),
            ImportError::Manifest(error) => error.message_zh(),
            ImportError::RecordingsFolder { path, source } => {
                format!("无法读取录音文件夹 {}：{source}", path.display())
            }
            ImportError::LinkPattern { reason } => format!("录音关联规则不是有效的正则表达式：{reason}"),
        }
    }
}

/// How an import links recordings to complaints beyond the export's 录音文件 column.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Set from another thread to stop the import after the recording in hand. What was stored
    /// stays stored and verifiable; running the import again completes it.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Corrections to the automatic column mapping; `None` uses the mapping saved in the vault.
    pub mapping: Option<ColumnMapping>,
    /// Keep `mapping` in the vault (through the log) for the next import.
    pub save_mapping: bool,
    /// A regular expression over a recording's file name whose first capture group (or, without
    /// one, whole match) is a complaint number: for recorders that name files after the complaint,
    /// e.g. `(TS\d{10})` for `TS2026100301_0932.wav`.
    pub link_pattern: Option<regex::Regex>,
}

impl ImportOptions {
    /// Options with a link pattern given as text (from the CLI or the app), checked here so both
    /// report a bad pattern the same way.
    pub fn with_link_pattern(pattern: Option<&str>) -> Result<Self, ImportError> {
        let link_pattern = pattern
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| regex::Regex::new(p).map_err(|e| ImportError::LinkPattern { reason: e.to_string() }))
            .transpose()?;
        Ok(ImportOptions { link_pattern, ..Default::default() })
    }

    /// The complaint number a file name holds under the link pattern, if any.
    fn number_in(&self, file_name: &str) -> Option<String> {
        let captures = self.link_pattern.as_ref()?.captures(file_name)?;
        captures.get(1).or_else(|| captures.get(0)).map(|m| m.as_str().to_owned())
    }
}

/// Imports the export at `manifest` and the recordings under `recordings` into `vault`.
///
/// Recordings are stored one transaction each, so an import killed half-way keeps what it stored
/// and the next run picks up where it stopped.
pub fn import(
    vault: &mut Vault,
    manifest: &Path,
    recordings: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let saved = saved_mapping(vault)?;
    let mapping = options.mapping.clone().unwrap_or_else(|| saved.clone());
    let rows = read_manifest(manifest, &mapping, &mut report.rejected, &mut report.warnings)?;
    let files = list_files(recordings)?;
    let total = files.len() as u64 + 1;
    progress(ImportProgress { done: 0, total });

    // Recordings first, so that links can be made in the same pass as the complaints.
    let mut hash_by_name: HashMap<String, String> = HashMap::new();
    let mut known = known_recordings(vault)?;
    let snapshot = known.clone();
    let finished = intake::for_each_in_order(&files, &snapshot, options.cancel.as_deref(), |index, intake| {
        let (relative, path) = &files[index];
        if let Some(hash) = store_recording(vault, &mut known, relative, intake, &mut report)? {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                hash_by_name.insert(name.to_owned(), hash.clone());
            }
            hash_by_name.insert(relative.clone(), hash);
        }
        progress(ImportProgress { done: index as u64 + 1, total });
        Ok::<(), VaultError>(())
    })?;
    if !finished {
        report.cancelled = true;
        return Ok(report);
    }

    let existing = existing_complaints(vault)?;
    let mut events = Vec::new();
    if options.save_mapping && mapping != saved {
        events.push(Event::ImportMappingSaved { mapping: mapping.clone() });
    }
    let mut named: BTreeMap<String, ()> = BTreeMap::new();
    // Recordings whose file name holds a complaint number under the link pattern.
    let mut hash_by_number: HashMap<String, (String, String)> = HashMap::new();
    for (relative, path) in &files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let (Some(number), Some(hash)) = (options.number_in(name), hash_by_name.get(relative)) {
            hash_by_number.entry(number).or_insert_with(|| (relative.clone(), hash.clone()));
        }
    }
    for complaint in rows {
        let by_column = hash_by_name
            .get(complaint.recording_file.trim())
            .map(|hash| (complaint.recording_file.trim().to_owned(), hash.clone()));
        let found = by_column.or_else(|| hash_by_number.get(&complaint.number).cloned());
        let wanted_hash = found.as_ref().map(|(_, hash)| hash.clone());
        if let Some((name, _)) = found {
            named.insert(name, ());
        } else {
            report.complaints_without_recording.push(complaint.number.clone());
        }
        match existing.get(&complaint.number) {
            Some((stored, _)) if stored == &complaint => report.complaints_unchanged += 1,
            Some(_) => {
                report.complaints_updated += 1;
                events.push(Event::ComplaintRecorded { complaint: complaint.clone() });
            }
            None => {
                report.complaints_added += 1;
                events.push(Event::ComplaintRecorded { complaint: complaint.clone() });
            }
        }
        let linked = existing.get(&complaint.number).and_then(|(_, hash)| hash.clone());
        if let Some(hash) = wanted_hash
            && linked.as_deref() != Some(hash.as_str())
        {
            report.links_added += 1;
            events.push(Event::RecordingLinked { complaint_number: complaint.number.clone(), recording_hash: hash });
        }
    }
    for (relative, path) in &files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if hash_by_name.contains_key(relative) && !named.contains_key(relative) && !named.contains_key(name) {
            report.recordings_without_complaint.push(relative.clone());
        }
    }
    // Every completed import is an event, even one that found nothing new: the data is unchanged,
    // and the log shows that someone looked.
    let manifest_blake3 = tingjian_vault::ContentStore::hash_file(manifest).map(|(hash, _)| hash).unwrap_or_default();
    events.push(Event::ImportFinished {
        source: manifest.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned(),
        complaints_added: report.complaints_added + report.complaints_updated,
        recordings_added: report.recordings_added,
        links_added: report.links_added,
        manifest_blake3,
        rejected: report.rejected.len() as u64,
        warnings: report.warnings.len() as u64,
    });
    vault.record(events)?;
    progress(ImportProgress { done: total, total });
    Ok(report)
}

fn list_files(root: &Path) -> Result<Vec<(String, PathBuf)>, ImportError> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|source| ImportError::RecordingsFolder { path: dir.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| ImportError::RecordingsFolder { path: dir.clone(), source })?;
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.is_file() {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push((relative, path));
            }
        }
    }
    // A stable order makes the audit log of two identical imports identical.
    out.sort();
    Ok(out)
}

fn known_recordings(vault: &Vault) -> Result<HashSet<String>, VaultError> {
    let mut statement = vault.db().prepare("SELECT hash FROM recordings")?;
    let hashes = statement.query_map([], |row| row.get::<_, String>(0))?;
    Ok(hashes.collect::<Result<_, _>>()?)
}

fn existing_complaints(vault: &Vault) -> Result<HashMap<String, (Complaint, Option<String>)>, VaultError> {
    let mut statement =
        vault.db().prepare(&format!("SELECT {}, c.recording_hash FROM complaints c", complaint_columns("c")))?;
    let rows = statement
        .query_map([], |row| Ok((complaint_from_row(row)?, row.get::<_, Option<String>>(COMPLAINT_COLUMN_COUNT)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (complaint, hash) = row?;
        out.insert(complaint.number.clone(), (complaint, hash));
    }
    Ok(out)
}

/// Stores one analysed recording unless the vault already has its bytes. Returns its hash, or
/// `None` when the file was rejected (the reason is in the report).
fn store_recording(
    vault: &mut Vault,
    known: &mut HashSet<String>,
    relative: &str,
    intake: intake::Intake,
    report: &mut ImportReport,
) -> Result<Option<String>, VaultError> {
    let (hash, bytes, analysis) = match intake {
        intake::Intake::Known { hash } => {
            report.recordings_unchanged += 1;
            return Ok(Some(hash));
        }
        intake::Intake::Unreadable(error) => {
            report.rejected.push(Rejected::because(relative, &error));
            return Ok(None);
        }
        intake::Intake::Rejected(error) => {
            report.rejected.push(Rejected::because(relative, &error));
            return Ok(None);
        }
        intake::Intake::Analysed { hash, bytes, analysis } => (hash, bytes, analysis),
    };
    // The same bytes may have come under another name earlier in this very import.
    if known.contains(&hash) {
        report.recordings_unchanged += 1;
        return Ok(Some(hash));
    }
    let info = &analysis.info;
    if info.truncated() {
        report.warnings.push(Rejected {
            source: relative.to_owned(),
            reason_zh: format!("录音可能被截断：解码 {} 帧，文件头声明 {:?} 帧", info.frames, info.header_frames),
            reason_en: format!(
                "recording may be truncated: {} frames decoded, header says {:?}",
                info.frames, info.header_frames
            ),
        });
    }
    // The file goes into the store before the event, so the event never points at a missing file.
    let stored = vault.audio().put_hashed(&hash, &bytes)?;
    let recording = Recording {
        hash: stored.hash.clone(),
        original_name: relative.to_owned(),
        container: info.container.clone(),
        codec: info.codec.clone(),
        sample_rate: info.sample_rate,
        channels: info.channels,
        duration_ms: info.duration_ms(),
        bytes: bytes.len() as u64,
        analytics: Some(analysis.analytics),
    };
    vault.store_peaks(&stored.hash, &analysis.peaks.to_bytes())?;
    vault.record(vec![Event::RecordingStored { recording }])?;
    known.insert(hash.clone());
    report.recordings_added += 1;
    Ok(Some(hash))
}
