//! Writing a pack: the export is recorded first (so the pack's own log shows it), then the
//! database is copied as of that moment, the files are streamed into the zip while hashed, and the
//! manifest is written and signed last. The zip is written beside its destination under a
//! temporary name and renamed into place only when whole.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tingjian_core::QuarterId;
use tingjian_vault::{Event, QuarterReport, Vault};
use ts_rs::TS;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::{
    CHECKPOINT, DATABASE, MANIFEST, MANIFEST_SIGNATURE, Manifest, ManifestEntry, PACK_FORMAT, PACK_INFO, PackError,
    PackInfo, REPORT_JSON, REPORT_PDF, manifest_note_text,
};

/// What to put in the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub quarter: QuarterId,
    /// The sampled calls' recordings.
    pub with_audio: bool,
    /// Customers' personal data goes with the pack (today, always: see
    /// [`PackError::RedactionUnavailable`]).
    pub with_personal_data: bool,
    pub reason: Option<String>,
}

impl ExportOptions {
    /// Whether these options can make a pack, before anything is gathered or recorded: personal
    /// data goes with it (a redacted pack cannot be made yet), for a stated reason, which it gives.
    pub fn check(&self) -> Result<&str, PackError> {
        if !self.with_personal_data {
            return Err(PackError::RedactionUnavailable);
        }
        self.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).ok_or(PackError::ReasonRequired)
    }
}

/// How far an export or a verification has got, in bytes of the files it handles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    pub file: String,
}

/// A pack written, as the CLI tells the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportedPack {
    pub path: String,
    pub quarter: String,
    pub files: u32,
    #[ts(type = "number")]
    pub bytes: u64,
    pub manifest_blake3: String,
    #[ts(type = "number")]
    pub export_event: u64,
    /// Who signed the manifest and the checkpoint; `None` in a vault without accounts.
    pub signed_by: Option<String>,
}

/// One file to put in the pack.
enum Source {
    Bytes(Vec<u8>),
    File(PathBuf),
}

impl Source {
    fn len(&self) -> Result<u64, PackError> {
        match self {
            Source::Bytes(bytes) => Ok(bytes.len() as u64),
            Source::File(path) => Ok(std::fs::metadata(path).map_err(|e| PackError::file(path, e))?.len()),
        }
    }
}

/// Exports the quarter's evidence pack to `out`. `report` and `report_pdf` are the report as data
/// and as typeset, made just before (the caller typesets it; this crate has no fonts).
pub fn export_pack(
    vault: &mut Vault,
    options: &ExportOptions,
    report: &QuarterReport,
    report_pdf: &[u8],
    out: &Path,
    mut progress: impl FnMut(PackProgress),
) -> Result<ExportedPack, PackError> {
    let reason = options.check()?;
    let audio: BTreeSet<String> = if options.with_audio {
        report.sample.assignments.iter().map(|a| a.recording_hash.clone()).collect()
    } else {
        BTreeSet::new()
    };
    let evidence: BTreeSet<String> =
        report.rectification.iter().flat_map(|case| case.evidence.iter().map(|e| e.hash.clone())).collect();
    // Every file is looked for before anything is recorded, so a missing one fails the export
    // without an export event. (A failure after the event, such as a full disk, leaves the event
    // in the log: it records the attempt, and the pack never appears.)
    let audio_store = vault.audio();
    let evidence_store = vault.evidence();
    for (store, hash) in audio.iter().map(|h| (&audio_store, h)).chain(evidence.iter().map(|h| (&evidence_store, h))) {
        let path = store.path_of(hash);
        if !path.is_file() {
            return Err(PackError::file(&path, "the stored file is missing; run tingjian verify"));
        }
    }
    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(PackError::file(out, "its folder does not exist"));
    }
    // The zip is written beside its destination (so the last step is a rename on one file
    // system); the database copy goes to a private folder of the system's, never beside it.
    let temp = tempfile::Builder::new()
        .prefix(".tingjian-pack-")
        .tempdir_in(&folder)
        .map_err(|e| PackError::file(&folder, e))?;
    let private = tempfile::Builder::new()
        .prefix("tingjian-pack-")
        .tempdir()
        .map_err(|e| PackError::file(&std::env::temp_dir(), e))?;

    let recorded = vault.record(vec![Event::PackExported {
        quarter: options.quarter,
        with_audio: options.with_audio,
        with_personal_data: true,
        reason: Some(reason.to_owned()),
    }])?;
    let (export_event, exported_at) = match recorded.first() {
        Some(event) => (event.seq, event.at.clone()),
        None => return Err(PackError::file(out, "the export was not recorded")),
    };
    let status = vault.status()?;
    let signed = vault.has_accounts()?;
    // The checkpoint is taken before the copy, so the copy's log always extends it, even if
    // another program records something in between.
    let checkpoint = if signed { Some(vault.checkpoint_note()?.1.to_string()) } else { None };
    let database = private.path().join("vault.sqlite");
    vault.write_shareable_copy(&database)?;

    let info = PackInfo {
        format: PACK_FORMAT,
        quarter: options.quarter.to_string(),
        vault_id: status.vault_id.clone(),
        exported_by: vault.actor().to_owned(),
        exported_at,
        export_event,
        with_audio: options.with_audio,
        with_personal_data: true,
        audio: audio.iter().cloned().collect(),
        evidence: evidence.iter().cloned().collect(),
        signed,
    };
    let mut files: Vec<(String, Source)> = vec![
        (PACK_INFO.to_owned(), Source::Bytes(to_json(&info)?)),
        (DATABASE.to_owned(), Source::File(database)),
        (REPORT_JSON.to_owned(), Source::Bytes(to_json(report)?)),
        (REPORT_PDF.to_owned(), Source::Bytes(report_pdf.to_vec())),
    ];
    files.extend(audio.iter().map(|hash| (format!("audio/{hash}"), Source::File(audio_store.path_of(hash)))));
    files.extend(evidence.iter().map(|hash| (format!("evidence/{hash}"), Source::File(evidence_store.path_of(hash)))));
    if let Some(checkpoint) = checkpoint {
        files.push((CHECKPOINT.to_owned(), Source::Bytes(checkpoint.into_bytes())));
    }

    let total = files.iter().map(|(_, source)| source.len()).sum::<Result<u64, _>>()?;
    let partial = temp.path().join("pack.zip");
    let file = File::create(&partial).map_err(|e| PackError::file(&partial, e))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let zip_error = |e: zip::result::ZipError| PackError::file(&partial, e);
    let mut manifest = Manifest { files: Vec::with_capacity(files.len()) };
    let mut done = 0;
    for (name, source) in &files {
        let bytes = source.len()?;
        let started = done;
        // Recordings, evidence and the PDF are compressed already; the database and JSON are not.
        let method = if name.starts_with("audio/") || name.starts_with("evidence/") || name == REPORT_PDF {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let entry_options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default())
            .large_file(bytes >= u64::from(u32::MAX));
        zip.start_file(name.as_str(), entry_options).map_err(zip_error)?;
        let mut hasher = blake3::Hasher::new();
        match source {
            Source::Bytes(data) => {
                hasher.update(data);
                zip.write_all(data).map_err(|e| PackError::file(&partial, e))?;
                done += data.len() as u64;
            }
            Source::File(path) => {
                let mut input = File::open(path).map_err(|e| PackError::file(path, e))?;
                let mut buffer = vec![0u8; 1 << 20];
                loop {
                    let read = input.read(&mut buffer).map_err(|e| PackError::file(path, e))?;
                    if read == 0 {
                        break;
                    }
                    hasher.update(&buffer[..read]);
                    zip.write_all(&buffer[..read]).map_err(|e| PackError::file(&partial, e))?;
                    done += read as u64;
                    progress(PackProgress { done, total, file: name.clone() });
                }
            }
        }
        progress(PackProgress { done, total, file: name.clone() });
        let written = done - started;
        let blake3 = hasher.finalize().to_hex().to_string();
        // A stored file that no longer hashes to its name would make a pack that fails; say so
        // here, naming it, rather than hand it out.
        if let Some((_, hash)) = name.split_once('/').filter(|(folder, _)| matches!(*folder, "audio" | "evidence"))
            && hash != blake3
        {
            return Err(PackError::file(
                Path::new(name),
                "the stored file does not hash to its name; run tingjian verify",
            ));
        }
        manifest.files.push(ManifestEntry { path: name.clone(), bytes: written, blake3 });
    }
    let manifest_bytes = to_json(&manifest)?;
    let manifest_blake3 = blake3::hash(&manifest_bytes).to_hex().to_string();
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file(MANIFEST, deflated).map_err(zip_error)?;
    zip.write_all(&manifest_bytes).map_err(|e| PackError::file(&partial, e))?;
    if signed {
        let note = vault.sign_note(&manifest_note_text(&status.vault_id, &manifest_blake3))?;
        zip.start_file(MANIFEST_SIGNATURE, deflated).map_err(zip_error)?;
        zip.write_all(note.to_string().as_bytes()).map_err(|e| PackError::file(&partial, e))?;
    }
    let mut writer = zip.finish().map_err(zip_error)?;
    writer.flush().map_err(|e| PackError::file(&partial, e))?;
    let file = writer.into_inner().map_err(|e| PackError::file(&partial, e.error()))?;
    file.sync_all().map_err(|e| PackError::file(&partial, e))?;
    drop(file);
    let bytes = std::fs::metadata(&partial).map_err(|e| PackError::file(&partial, e))?.len();
    std::fs::rename(&partial, out).map_err(|e| PackError::file(out, e))?;
    Ok(ExportedPack {
        path: out.display().to_string(),
        quarter: info.quarter,
        files: manifest.files.len() as u32,
        bytes,
        manifest_blake3,
        export_event,
        signed_by: signed.then(|| info.exported_by.clone()),
    })
}

/// A pack's JSON file, pretty-printed so an auditor can read it.
fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, PackError> {
    serde_json::to_vec_pretty(value).map_err(|e| PackError::file(Path::new(PACK_INFO), e))
}
