//! Import of a quarter's recordings and the complaint system's export into a vault.
//!
//! The export is a CSV (UTF-8, UTF-8 with a byte-order mark, or GB18030) or an XLSX workbook,
//! with its columns matched to the standard fields by header (a mapping a person corrected is kept
//! through the log); the recordings are a folder. Every recording is fully decoded once; every
//! change is an event; a re-import of the same data records nothing.

mod intake;
mod manifest;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tingjian_core::model::Recording;
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{Event, Vault, VaultError};
use ts_rs::TS;

pub use manifest::{
    ColumnMapping, ColumnPreview, ExportLimit, ExportPreview, MAX_EXPORT_BYTES, MAX_EXPORT_CELLS, MAX_EXPORT_COLUMNS,
    MAX_EXPORT_ROWS, MAX_EXPORT_TEXT_BYTES, MAX_EXPORT_UNPACKED_BYTES, ManifestError, field_names, parse_local_time,
    preview_manifest, read_manifest, typed_branch_time,
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
    /// Handling limits of 30 or 60 days the export records (办理时限, 是否延期), recorded as
    /// extensions.
    #[ts(type = "number")]
    pub extensions_recorded: u64,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<Rejected>,
    /// Complaints whose 录音文件 names no recording that was found. Each one that names a file
    /// also has a warning naming the file and why it was not linked (not in the folder, not
    /// imported, or matching several files).
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
        self.complaints_added
            + self.complaints_updated
            + self.recordings_added
            + self.links_added
            + self.extensions_recorded
            == 0
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
    // What an import killed earlier left half-written; this one would otherwise write beside it.
    vault.clean_left_over_files();
    let mut report = ImportReport::default();
    let saved = saved_mapping(vault)?;
    let mapping = options.mapping.clone().unwrap_or_else(|| saved.clone());
    let rows = manifest::read_manifest_rows(manifest, &mapping, &mut report.rejected, &mut report.warnings)?;
    let files = list_files(recordings, &mut report.warnings)?;
    let total = files.len() as u64 + 1;
    progress(ImportProgress { done: 0, total });

    // Recordings first, so that links can be made in the same pass as the complaints.
    let mut hash_by_relative: HashMap<String, String> = HashMap::new();
    let mut known = vault.recording_hashes()?;
    let snapshot = known.clone();
    let finished = intake::for_each_in_order(&files, &snapshot, options.cancel.as_deref(), |index, intake| {
        let (relative, _) = &files[index];
        if let Some(hash) = store_recording(vault, &mut known, relative, intake, &mut report)? {
            hash_by_relative.insert(relative.clone(), hash);
        }
        progress(ImportProgress { done: index as u64 + 1, total });
        Ok::<(), VaultError>(())
    })?;
    if !finished {
        report.cancelled = true;
        return Ok(report);
    }

    let existing = vault.complaints_by_number()?;
    let limits = vault.extended_limits()?;
    let mut events = Vec::new();
    if options.save_mapping && mapping != saved {
        events.push(Event::ImportMappingSaved { mapping: mapping.clone() });
    }
    let export_name = manifest.file_name().and_then(|n| n.to_str()).unwrap_or("export").to_owned();
    let folder = Folder::new(&files);
    let mut named: HashSet<String> = HashSet::new();
    // Recordings whose file name holds a complaint number under the link pattern.
    let mut hash_by_number: HashMap<String, (String, String)> = HashMap::new();
    for (relative, path) in &files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let (Some(number), Some(hash)) = (options.number_in(name), hash_by_relative.get(relative)) {
            hash_by_number.entry(number).or_insert_with(|| (relative.clone(), hash.clone()));
        }
    }
    for manifest::ManifestRow { row, complaint, extension } in rows {
        let written = complaint.recording_file.trim();
        let by_column = if written.is_empty() { None } else { Some(folder.find(written, &hash_by_relative)) };
        let found = match &by_column {
            Some(Match::Linked { relative, hash }) => Some((relative.clone(), hash.clone())),
            _ => hash_by_number.get(&complaint.number).cloned(),
        };
        let wanted_hash = found.as_ref().map(|(_, hash)| hash.clone());
        if let Some((relative, _)) = found {
            named.insert(relative);
        } else {
            report.complaints_without_recording.push(complaint.number.clone());
            if let Some(unlinked) = by_column {
                let source = format!("{export_name}:{row}");
                report.warnings.push(unlinked.warning(source, &complaint.number, written));
            }
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
        // The handling limit the export records, unless the vault already holds that one.
        if let Some(extension) = extension
            && limits.get(&complaint.number) != Some(&extension.limit_days)
        {
            report.extensions_recorded += 1;
            events.push(Event::HandlingExtended {
                complaint_number: complaint.number.clone(),
                limit_days: extension.limit_days,
                approver: extension.approver,
                reason: extension.reason,
            });
        }
    }
    for (relative, _) in &files {
        if hash_by_relative.contains_key(relative) && !named.contains(relative) {
            report.recordings_without_complaint.push(relative.clone());
        }
    }
    // Every completed import is an event, even one that found nothing new: the data is unchanged,
    // and the log shows that someone looked.
    let manifest_blake3 = tingjian_vault::ContentStore::hash_file(manifest).map(|(hash, _)| hash).unwrap_or_default();
    events.push(Event::ImportFinished {
        source: export_name,
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

/// Lists the recordings folder. Links to files are read like files; links to folders are not
/// followed (two links to `.` would keep a walk going for ever) but listed in `warnings`, so a
/// coordinator who linked a folder in knows to import it directly. On Unix a folder reached twice
/// (a bind mount of its parent) is walked once.
fn list_files(root: &Path, warnings: &mut Vec<Rejected>) -> Result<Vec<(String, PathBuf)>, ImportError> {
    let mut out = Vec::new();
    let mut links = Vec::new();
    let mut walked = HashSet::new();
    let mut pending = vec![root.to_owned()];
    let relative_of = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
    while let Some(dir) = pending.pop() {
        if !first_visit(&dir, &mut walked) {
            continue;
        }
        let entries =
            std::fs::read_dir(&dir).map_err(|source| ImportError::RecordingsFolder { path: dir.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| ImportError::RecordingsFolder { path: dir.clone(), source })?;
            let path = entry.path();
            let file_type =
                entry.file_type().map_err(|source| ImportError::RecordingsFolder { path: path.clone(), source })?;
            if file_type.is_dir() {
                pending.push(path);
            } else if file_type.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(target) if target.is_dir() => links.push(Rejected {
                        source: relative_of(&path),
                        reason_zh: "这是指向文件夹的链接，未进入（链接可能形成循环）；如需导入其中的录音，请直接选择它指向的文件夹"
                            .to_owned(),
                        reason_en: "a link to a folder, not followed (links can loop); to import the recordings in it, choose the folder it points to"
                            .to_owned(),
                    }),
                    Ok(target) if target.is_file() => out.push((relative_of(&path), path)),
                    // A link to a device or a pipe is not a recording.
                    Ok(_) => {}
                    // A broken link: reading it fails, and it is rejected with the reason.
                    Err(_) => out.push((relative_of(&path), path)),
                }
            } else if file_type.is_file() {
                out.push((relative_of(&path), path));
            }
        }
    }
    // A stable order makes the audit log of two identical imports identical.
    out.sort();
    links.sort_by(|a, b| a.source.cmp(&b.source));
    warnings.extend(links);
    Ok(out)
}

/// False when the folder was walked already (the same device and inode, where the system says).
#[cfg(unix)]
fn first_visit(dir: &Path, walked: &mut HashSet<(u64, u64)>) -> bool {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(dir) {
        Ok(meta) => walked.insert((meta.dev(), meta.ino())),
        Err(_) => true,
    }
}

#[cfg(not(unix))]
fn first_visit(_dir: &Path, _walked: &mut HashSet<(u64, u64)>) -> bool {
    true
}

/// The recordings folder's files, to find the one an export's 录音文件 names. Recorders and
/// complaint systems write that column as the recorder saw the file: a Windows path
/// (`D:\录音\2026Q4\a.m4a`), a relative one (`录音/a.wav`), another letter case, no extension.
/// The rules, in order (the first that finds any file decides):
///
/// 1. the file's name is the column's last path part (split on both `/` and `\`), exactly;
/// 2. the same, ignoring letter case;
/// 3. the file's name without its extension is that part, ignoring letter case.
///
/// Several files found by a rule are narrowed to those whose folders match most of the column's
/// folders, from the innermost out. Several left with different bytes are ambiguous: the complaint
/// is not linked and the warning names them. Nothing is guessed.
struct Folder<'a> {
    files: Vec<FolderFile<'a>>,
}

struct FolderFile<'a> {
    relative: &'a str,
    name: String,
    name_lower: String,
    stem_lower: String,
    /// The folders above the file inside the recordings folder, lower case, outermost first.
    folders_lower: Vec<String>,
}

/// What the 录音文件 column of one complaint found in the folder.
#[derive(Debug)]
enum Match {
    Linked {
        relative: String,
        hash: String,
    },
    /// The file is there but was not imported (it is among the rejected files).
    NotImported {
        relative: String,
    },
    Missing,
    Ambiguous(Vec<String>),
}

impl<'a> Folder<'a> {
    fn new(files: &'a [(String, PathBuf)]) -> Self {
        let files = files
            .iter()
            .map(|(relative, _)| {
                let mut parts: Vec<&str> = relative.split('/').collect();
                let name = parts.pop().unwrap_or_default().to_owned();
                let stem = Path::new(&name).file_stem().and_then(|s| s.to_str()).unwrap_or(&name).to_lowercase();
                FolderFile {
                    relative: relative.as_str(),
                    name_lower: name.to_lowercase(),
                    name,
                    stem_lower: stem,
                    folders_lower: parts.iter().map(|p| p.to_lowercase()).collect(),
                }
            })
            .collect();
        Folder { files }
    }

    fn find(&self, written: &str, hashes: &HashMap<String, String>) -> Match {
        let parts: Vec<&str> = written.split(['/', '\\']).map(str::trim).filter(|p| !p.is_empty()).collect();
        let Some((&base, folders)) = parts.split_last() else { return Match::Missing };
        let base_lower = base.to_lowercase();
        let folders_lower: Vec<String> = folders.iter().map(|f| f.to_lowercase()).collect();
        let rules: [&dyn Fn(&FolderFile) -> bool; 3] =
            [&|f| f.name == base, &|f| f.name_lower == base_lower, &|f| f.stem_lower == base_lower];
        for rule in rules {
            let found: Vec<&FolderFile> = self.files.iter().filter(|f| rule(f)).collect();
            if found.is_empty() {
                continue;
            }
            let shared = |f: &FolderFile| {
                f.folders_lower.iter().rev().zip(folders_lower.iter().rev()).take_while(|(a, b)| a == b).count()
            };
            let best = found.iter().map(|f| shared(f)).max().unwrap_or(0);
            let closest: Vec<&str> = found.iter().filter(|f| shared(f) == best).map(|f| f.relative).collect();
            let first = closest[0].to_owned();
            let hash = hashes.get(&first);
            if closest.len() == 1 {
                return match hash {
                    Some(hash) => Match::Linked { relative: first, hash: hash.clone() },
                    None => Match::NotImported { relative: first },
                };
            }
            // The same bytes under several names are one recording.
            if let Some(hash) = hash
                && closest.iter().all(|relative| hashes.get(*relative) == Some(hash))
            {
                return Match::Linked { relative: first, hash: hash.clone() };
            }
            return Match::Ambiguous(closest.into_iter().map(str::to_owned).collect());
        }
        Match::Missing
    }
}

impl Match {
    /// Why the complaint on `source` was not linked to the file its 录音文件 column names.
    fn warning(self, source: String, number: &str, written: &str) -> Rejected {
        let (reason_zh, reason_en) = match self {
            Match::Linked { .. } | Match::Missing => (
                format!("投诉 {number} 的录音文件“{written}”不在录音文件夹中，请找到该文件后再导入一次"),
                format!(
                    "recording file \"{written}\" of complaint {number} is not in the recordings folder; find it and import again"
                ),
            ),
            Match::NotImported { relative } => (
                format!("投诉 {number} 的录音文件“{written}”（{relative}）未能导入，原因见拒收列表"),
                format!(
                    "recording file \"{written}\" of complaint {number} ({relative}) was not imported; the rejected files say why"
                ),
            ),
            Match::Ambiguous(candidates) => {
                const SHOWN: usize = 5;
                let mut list = candidates.iter().take(SHOWN).cloned().collect::<Vec<_>>();
                if candidates.len() > SHOWN {
                    list.push(format!("… ({})", candidates.len()));
                }
                (
                    format!(
                        "投诉 {number} 的录音文件“{written}”对应多个不同的文件（{}），未自动关联：请在导出中写明所在文件夹",
                        list.join("、")
                    ),
                    format!(
                        "recording file \"{written}\" of complaint {number} matches several different files ({}); not linked: write its folder in the export",
                        list.join(", ")
                    ),
                )
            }
        };
        Rejected { source, reason_zh, reason_en }
    }
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
    if let Some(promised) = info.header_frames.filter(|_| info.truncated()) {
        let rate = u64::from(info.sample_rate.max(1));
        let (decoded_ms, promised_ms) = (info.frames * 1000 / rate, promised.saturating_mul(1000) / rate);
        report.warnings.push(Rejected {
            source: relative.to_owned(),
            reason_zh: format!(
                "录音可能被截断：文件头声明时长 {}，实际只能解码出 {}",
                zh_length(promised_ms),
                zh_length(decoded_ms)
            ),
            reason_en: format!(
                "recording may be truncated: the header says it lasts {}, only {} decode",
                en_length(promised_ms),
                en_length(decoded_ms)
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

/// A recording's length for a message: tenths of a second under a minute ("1.5 seconds"), words
/// above ("2 minutes 5 seconds").
fn en_length(ms: u64) -> String {
    if ms < 60_000 { format!("{:.1} seconds", ms as f64 / 1000.0) } else { tingjian_audio::en_duration(ms) }
}

fn zh_length(ms: u64) -> String {
    if ms < 60_000 { format!("{:.1} 秒", ms as f64 / 1000.0) } else { tingjian_audio::zh_duration(ms) }
}
