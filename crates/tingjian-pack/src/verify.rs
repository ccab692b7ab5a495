//! Verifying a pack with no vault: the zip is read once, each file hashed as it is unpacked into
//! a private temporary folder laid out as a vault, and then the vault's own `verify` (read-only)
//! and `quarter_report` run on that copy. Nothing outside the temporary folder is written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tingjian_core::time::FixedClock;
use tingjian_signing::SignedNote;
use tingjian_vault::{CheckpointFile, DATABASE_FILE, Event, ProblemKind, QuarterReport, Vault, VerifyProblem};
use ts_rs::TS;

use crate::{
    CHECKPOINT, DATABASE, MANIFEST, MANIFEST_SIGNATURE, Manifest, PACK_INFO, PackError, PackInfo, PackProgress,
    REPORT_JSON, manifest_note_text,
};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PackProblemKind {
    /// The file is not a readable zip (truncated, damaged).
    Zip,
    /// `manifest.json` is missing or unreadable.
    Manifest,
    /// A file the manifest lists is not in the zip.
    MissingFile,
    /// A file in the zip the manifest does not list.
    ExtraFile,
    /// A file whose size or BLAKE3 is not the manifest's, or that cannot be read.
    FileAltered,
    /// The manifest's signature is missing, does not verify, or is not the exporter's.
    Signature,
    /// What the vault's `verify` finds in the copied log and tables (an event, a signature, a
    /// row, a stored file, the checkpoint).
    Log,
    /// `pack.json` disagrees with the export recorded in the log.
    Export,
    /// A figure of the report that the log does not give.
    Figure,
}

/// One finding, named: the file, the event or the figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackProblem {
    pub kind: PackProblemKind,
    /// The file (`audio/…`), event (`event #12`) or figure (`summary.complaints`).
    pub subject: String,
    pub message_zh: String,
    pub message_en: String,
}

/// What `pack verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackVerification {
    pub ok: bool,
    pub path: String,
    pub quarter: Option<String>,
    pub vault_id: Option<String>,
    pub exported_by: Option<String>,
    pub exported_at: Option<String>,
    /// The exporter's key fingerprint, to compare with the branch's published keys.
    pub exporter_key: Option<String>,
    pub files_checked: u32,
    #[ts(type = "number")]
    pub bytes_checked: u64,
    #[ts(type = "number")]
    pub events_checked: u64,
    pub figures_checked: u32,
    /// The pack is signed (its vault has accounts): who exported it is proven by their key.
    pub signed: bool,
    pub problems: Vec<PackProblem>,
}

fn problem(kind: PackProblemKind, subject: impl Into<String>, zh: String, en: String) -> PackProblem {
    PackProblem { kind, subject: subject.into(), message_zh: zh, message_en: en }
}

/// Whether `name` is a BLAKE3 in lower-case hex, the only names stored files may have.
fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a file of the pack is unpacked in the copy: only the database is. Anything else (a name
/// with `..`, an absolute path) never becomes a path.
fn unpacked_path(vault: &Path, name: &str) -> Option<PathBuf> {
    (name == DATABASE).then(|| vault.join(DATABASE_FILE))
}

/// The hash a stored file's name says it has (`audio/<blake3>`, `evidence/<blake3>`): its content
/// is checked against it as it is read, so recordings are hashed once and never written out.
fn content_address(name: &str) -> Option<(&str, &str)> {
    let (folder, hash) = name.split_once('/')?;
    (matches!(folder, "audio" | "evidence") && is_hash(hash)).then_some((folder, hash))
}

/// How much of a file is read before it is hashed: large enough for `update_rayon` to spread
/// over the cores, small enough that a long recording is never held whole.
const HASH_BLOCK: usize = 16 << 20;

/// Reads until `buffer` is full or the input ends (a zip entry's reader hands out a few
/// kilobytes at a time); the count read.
fn fill(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// The most a file kept in memory (`pack.json`, the report's JSON, the checkpoint) may hold; a
/// larger one is not read as one and fails as unreadable.
const MAX_KEPT: usize = 64 << 20;

/// The small files kept in memory to be read.
fn kept_in_memory(name: &str) -> bool {
    matches!(name, PACK_INFO | REPORT_JSON | CHECKPOINT)
}

/// Verifies the pack at `path`. An error only when the file cannot be opened, or this machine
/// cannot check it (no temporary folder); everything wrong inside it is a named problem.
pub fn verify_pack(path: &Path, mut progress: impl FnMut(PackProgress)) -> Result<PackVerification, PackError> {
    let file = File::open(path).map_err(|e| PackError::file(path, e))?;
    let mapped = crate::mapped::map(&file);
    let mut result = PackVerification {
        ok: false,
        path: path.display().to_string(),
        quarter: None,
        vault_id: None,
        exported_by: None,
        exported_at: None,
        exporter_key: None,
        files_checked: 0,
        bytes_checked: 0,
        events_checked: 0,
        figures_checked: 0,
        signed: false,
        problems: Vec::new(),
    };
    let mut zip = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(zip) => zip,
        Err(error) => {
            result.problems.push(problem(
                PackProblemKind::Zip,
                path.display().to_string(),
                format!("不是可读的 zip 文件（被截断或损坏）：{error}"),
                format!("not a readable zip (truncated or damaged): {error}"),
            ));
            return Ok(result);
        }
    };
    let read_small = |zip: &mut zip::ZipArchive<_>, name: &str| -> Option<Vec<u8>> {
        let entry = zip.by_name(name).ok()?;
        let mut bytes = Vec::new();
        // A hostile zip may inflate to anything: a small file is read up to a bound, no further.
        entry.take(MAX_KEPT as u64 + 1).read_to_end(&mut bytes).ok()?;
        (bytes.len() <= MAX_KEPT).then_some(bytes)
    };
    let Some(manifest_bytes) = read_small(&mut zip, MANIFEST) else {
        result.problems.push(problem(
            PackProblemKind::Manifest,
            MANIFEST,
            "缺少或无法读取清单 manifest.json".to_owned(),
            "manifest.json is missing or cannot be read".to_owned(),
        ));
        return Ok(result);
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(manifest) => manifest,
        Err(error) => {
            result.problems.push(problem(
                PackProblemKind::Manifest,
                MANIFEST,
                format!("清单 manifest.json 无法解析：{error}"),
                format!("manifest.json cannot be parsed: {error}"),
            ));
            return Ok(result);
        }
    };

    // Every file of the zip is the manifest's, and every file of the manifest is whole.
    let listed: BTreeMap<&str, &crate::ManifestEntry> = manifest.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let in_zip: BTreeSet<String> = zip
        .file_names()
        .map(|name| name.map(|n| n.into_owned()).unwrap_or_else(|_| "<a name that is not text>".to_owned()))
        .collect();
    if in_zip.len() != zip.len() {
        result.problems.push(problem(
            PackProblemKind::Zip,
            path.display().to_string(),
            "zip 中有重名的文件：不同的解压工具会取出不同的内容".to_owned(),
            "the zip holds two entries of one name: different tools would unpack different contents".to_owned(),
        ));
    }
    for name in &in_zip {
        if name != MANIFEST && name != MANIFEST_SIGNATURE && !listed.contains_key(name.as_str()) {
            result.problems.push(problem(
                PackProblemKind::ExtraFile,
                name.clone(),
                format!("{name} 不在清单中：证据包导出后被加入了文件"),
                format!("{name} is not in the manifest: a file was added after the export"),
            ));
        }
    }
    let temp = tempfile::Builder::new()
        .prefix("tingjian-pack-verify-")
        .tempdir()
        .map_err(|e| PackError::file(&std::env::temp_dir(), e))?;
    let copy = temp.path().join("vault");
    let total: u64 = manifest.files.iter().fold(0u64, |sum, f| sum.saturating_add(f.bytes));
    let mut kept: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // One buffer for every file: a fresh one each time would cost more to clear than to hash.
    let mut buffer = vec![0u8; HASH_BLOCK];
    // The recordings and evidence files whose content is their name's hash.
    let mut whole: BTreeSet<String> = BTreeSet::new();
    for entry in &manifest.files {
        let name = entry.path.as_str();
        let opened = zip.index_for_name(name).and_then(|index| {
            // A stored (uncompressed) entry is read raw: its BLAKE3, checked below, is a stronger
            // check than the zip's CRC, which would only make the recordings' pass slower.
            let stored = zip.by_index(index).is_ok_and(|f| f.compression() == zip::CompressionMethod::Stored);
            if stored { zip.by_index_raw(index) } else { zip.by_index(index) }.ok()
        });
        let Some(mut file) = opened else {
            result.problems.push(problem(
                PackProblemKind::MissingFile,
                name,
                format!("清单列出的 {name} 不在证据包中"),
                format!("{name} is listed in the manifest but not in the pack"),
            ));
            continue;
        };
        let target = unpacked_path(&copy, name);
        let mut output = match &target {
            Some(target) => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| PackError::file(parent, e))?;
                }
                Some(File::create(target).map_err(|e| PackError::file(target, e))?)
            }
            None => None,
        };
        let mut memory = Vec::new();
        let mut hasher = blake3::Hasher::new();
        let mut bytes = 0u64;
        // A stored recording or evidence file is hashed in place in the mapped pack.
        let in_place = match (&mapped, file.data_start(), content_address(name)) {
            (Some(map), Some(start), Some(_)) if file.compression() == zip::CompressionMethod::Stored => {
                let end = start.checked_add(file.compressed_size());
                Some(end.and_then(|end| map.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)))
            }
            _ => None,
        };
        let read_error = match in_place {
            Some(Some(slice)) => {
                for block in slice.chunks(HASH_BLOCK) {
                    hasher.update_rayon(block);
                    bytes += block.len() as u64;
                    result.bytes_checked += block.len() as u64;
                    progress(PackProgress { done: result.bytes_checked, total, file: name.to_owned() });
                }
                None
            }
            Some(None) => {
                Some(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the entry runs past the end of the file"))
            }
            None => loop {
                match fill(&mut file, &mut buffer) {
                    Ok(0) => break None,
                    Ok(n) => {
                        // Whole blocks hash on every core.
                        hasher.update_rayon(&buffer[..n]);
                        bytes += n as u64;
                        if let Some(output) = output.as_mut() {
                            output.write_all(&buffer[..n]).map_err(|e| PackError::file(temp.path(), e))?;
                        } else if kept_in_memory(name) && memory.len() <= MAX_KEPT {
                            memory.extend_from_slice(&buffer[..n]);
                        }
                        result.bytes_checked += n as u64;
                        progress(PackProgress { done: result.bytes_checked, total, file: name.to_owned() });
                    }
                    Err(error) => break Some(error),
                }
            },
        };
        result.files_checked += 1;
        let actual = hasher.finalize().to_hex().to_string();
        if let Some(error) = &read_error {
            result.problems.push(problem(
                PackProblemKind::FileAltered,
                name,
                format!("{name} 无法完整读出（被截断或损坏）：{error}"),
                format!("{name} cannot be read whole (truncated or damaged): {error}"),
            ));
        } else if bytes != entry.bytes || actual != entry.blake3 {
            result.problems.push(problem(
                PackProblemKind::FileAltered,
                name,
                format!("{name} 与清单不符：清单记 {} 字节、BLAKE3 {:.16}…，实为 {bytes} 字节、{actual:.16}…", entry.bytes, entry.blake3),
                format!("{name} differs from the manifest: listed {} bytes, BLAKE3 {:.16}…; found {bytes} bytes, {actual:.16}…", entry.bytes, entry.blake3),
            ));
        }
        if let Some((_, hash)) = content_address(name) {
            if read_error.is_none() && actual == hash {
                whole.insert(hash.to_owned());
            } else if read_error.is_none() {
                result.problems.push(problem(
                    PackProblemKind::FileAltered,
                    name,
                    format!("{name} 的内容与其名称中的哈希不符：文件被改动"),
                    format!("{name} does not hash to the hash it is named by: the file was altered"),
                ));
            }
        }
        if kept_in_memory(name) {
            kept.insert(name.to_owned(), memory);
        }
    }

    let info: Option<PackInfo> = kept.get(PACK_INFO).and_then(|bytes| serde_json::from_slice(bytes).ok());
    let Some(info) = info else {
        result.problems.push(problem(
            PackProblemKind::Manifest,
            PACK_INFO,
            "缺少或无法解析 pack.json".to_owned(),
            "pack.json is missing or cannot be parsed".to_owned(),
        ));
        return Ok(result);
    };
    result.quarter = Some(info.quarter.clone());
    result.vault_id = Some(info.vault_id.clone());
    result.exported_by = Some(info.exported_by.clone());
    result.exported_at = Some(info.exported_at.clone());
    if !copy.join(DATABASE_FILE).is_file() {
        result.problems.push(problem(
            PackProblemKind::MissingFile,
            DATABASE,
            "证据包中没有档案库副本，无法核对日志".to_owned(),
            "the pack holds no copy of the vault: the log cannot be checked".to_owned(),
        ));
        return Ok(result);
    }

    // The log, the tables and the checkpoints (the pack's, and the one on the report's cover), as
    // `tingjian verify` checks them.
    let report: Option<QuarterReport> = kept.get(REPORT_JSON).and_then(|bytes| serde_json::from_slice(bytes).ok());
    let mut checkpoints = Vec::new();
    if let Some(text) = kept.get(CHECKPOINT) {
        checkpoints
            .push(CheckpointFile { path: PathBuf::from(CHECKPOINT), text: String::from_utf8_lossy(text).into_owned() });
    }
    if let Some(cover) = report.as_ref().and_then(|r| r.signed_checkpoint.clone()) {
        checkpoints.push(CheckpointFile { path: PathBuf::from("report/report.json (cover)"), text: cover });
    }
    for (folder, hashes) in [("audio", &info.audio), ("evidence", &info.evidence)] {
        for hash in hashes.iter().filter(|hash| !whole.contains(hash.as_str())) {
            let name = format!("{folder}/{hash}");
            if !result.problems.iter().any(|p| p.subject == name) {
                result.problems.push(problem(
                    PackProblemKind::MissingFile,
                    name.clone(),
                    format!("pack.json 列出的 {name} 不在证据包中"),
                    format!("{name} is listed in pack.json but is not in the pack"),
                ));
            }
        }
    }
    match tingjian_vault::verify_without_writing_against(&copy, &checkpoints) {
        Ok(report) => {
            result.events_checked = report.events_checked;
            for found in report.problems {
                // The copy has no stored files: those the pack holds were checked against their
                // hashes as they were read, and which ones it must hold is checked below.
                let stored_elsewhere = matches!(found.kind, ProblemKind::AudioMissing | ProblemKind::EvidenceMissing);
                if !stored_elsewhere {
                    result.problems.push(log_problem(&found));
                }
            }
        }
        Err(error) => result.problems.push(problem(
            PackProblemKind::Log,
            DATABASE,
            format!("档案库副本无法校验：{}", tingjian_core::Coded::message_zh(&error)),
            format!("the vault's copy cannot be verified: {}", tingjian_core::Coded::message_en(&error)),
        )),
    }

    let clock_at = report.as_ref().and_then(|r| r.generated_at.parse().ok()).unwrap_or_else(jiff::Timestamp::now);
    let checks = Vault::open_with_clock(&copy, "tingjian-verify", Arc::new(FixedClock(clock_at)))
        .map_err(PackError::from)
        .and_then(|vault| {
            // Whether the pack must be signed is the log's to say (it started accounts), not
            // pack.json's: a signed pack cannot be passed off as one that never was.
            result.signed = vault.has_accounts()?;
            if result.signed != info.signed {
                result.problems.push(problem(
                    PackProblemKind::Export,
                    PACK_INFO,
                    "pack.json 关于签名的说法与日志不符：本档案库启用了账户，证据包必须签名".to_owned(),
                    "pack.json misstates whether the pack is signed: the log says it must be".to_owned(),
                ));
            }
            if result.signed && !kept.contains_key(CHECKPOINT) {
                result.problems.push(problem(
                    PackProblemKind::MissingFile,
                    CHECKPOINT,
                    "已签名的证据包缺少检查点 checkpoint".to_owned(),
                    "a signed pack lacks its checkpoint".to_owned(),
                ));
            }
            check_export(&vault, &info, &mut result)?;
            check_manifest_signature(
                &vault,
                &info,
                &manifest_bytes,
                read_small(&mut zip, MANIFEST_SIGNATURE),
                &mut result,
            )?;
            match &report {
                Some(report) => check_figures(&vault, report, &info, &mut result),
                None => {
                    result.problems.push(problem(
                        PackProblemKind::Figure,
                        REPORT_JSON,
                        "缺少或无法解析报告数据 report/report.json".to_owned(),
                        "report/report.json is missing or cannot be parsed".to_owned(),
                    ));
                    Ok(())
                }
            }
        });
    // Whatever stopped the checks of the copy is a finding too, not an end to the others.
    if let Err(error) = checks {
        result.problems.push(problem(
            PackProblemKind::Log,
            DATABASE,
            format!("档案库副本无法核对：{}", tingjian_core::Coded::message_zh(&error)),
            format!("the vault's copy cannot be checked: {}", tingjian_core::Coded::message_en(&error)),
        ));
    }
    result.ok = result.problems.is_empty();
    Ok(result)
}

fn log_problem(found: &VerifyProblem) -> PackProblem {
    let subject = match (found.event_seq, &found.table, &found.key) {
        (_, _, Some(key)) if found.kind == ProblemKind::CheckpointContradicted => key.clone(),
        (Some(seq), _, _) => format!("event #{seq}"),
        (None, Some(table), Some(key)) => format!("{table} {key}"),
        (None, _, Some(key)) => key.clone(),
        _ => DATABASE.to_owned(),
    };
    problem(PackProblemKind::Log, subject, found.message_zh.clone(), found.message_en.clone())
}

/// `pack.json` says what the log's `pack_exported` event recorded, and the copy's log holds it.
fn check_export(vault: &Vault, info: &PackInfo, result: &mut PackVerification) -> Result<(), PackError> {
    let subject = format!("event #{}", info.export_event);
    let recorded = vault.event_at(info.export_event)?;
    let event = recorded.as_ref().and_then(|e| tingjian_vault::event::decode(e.format, &e.kind, &e.payload).ok());
    let matches = match (&recorded, &event) {
        (Some(recorded), Some(Event::PackExported { quarter, with_audio, with_personal_data, .. })) => {
            recorded.actor == info.exported_by
                && quarter.to_string() == info.quarter
                && *with_audio == info.with_audio
                && *with_personal_data == info.with_personal_data
        }
        _ => false,
    };
    if !matches {
        result.problems.push(problem(
            PackProblemKind::Export,
            subject,
            format!("pack.json 与日志中第 {} 号导出事件记载的不一致（导出人、季度或内容）", info.export_event),
            format!(
                "pack.json disagrees with the export recorded as event #{} (who, quarter or contents)",
                info.export_event
            ),
        ));
    }
    let status = vault.status()?;
    if info.vault_id != status.vault_id {
        result.problems.push(problem(
            PackProblemKind::Export,
            PACK_INFO,
            format!("pack.json 所称档案库 {} 与副本 {} 不符", info.vault_id, status.vault_id),
            format!("pack.json names vault {}, the copy is {}", info.vault_id, status.vault_id),
        ));
    }
    Ok(())
}

/// `manifest.sig` is the exporter's signature over this manifest.
fn check_manifest_signature(
    vault: &Vault,
    info: &PackInfo,
    manifest_bytes: &[u8],
    signature: Option<Vec<u8>>,
    result: &mut PackVerification,
) -> Result<(), PackError> {
    if !result.signed {
        return Ok(());
    }
    let fail = |result: &mut PackVerification, zh: String, en: String| {
        result.problems.push(problem(PackProblemKind::Signature, MANIFEST_SIGNATURE, zh, en));
    };
    let Some(signature) = signature else {
        fail(
            result,
            "已签名的证据包缺少清单签名 manifest.sig".to_owned(),
            "a signed pack lacks manifest.sig".to_owned(),
        );
        return Ok(());
    };
    let text = String::from_utf8_lossy(&signature).into_owned();
    let note = match SignedNote::parse(&text) {
        Ok(note) => note,
        Err(error) => {
            fail(result, format!("清单签名无法解析：{error}"), format!("manifest.sig cannot be parsed: {error}"));
            return Ok(());
        }
    };
    let expected = manifest_note_text(&info.vault_id, &blake3::hash(manifest_bytes).to_hex());
    if note.text() != expected {
        fail(
            result,
            "清单签名所签的不是这份清单：清单在签名后被改动".to_owned(),
            "manifest.sig signs a different manifest: the manifest was changed after it was signed".to_owned(),
        );
        return Ok(());
    }
    let known = vault.known_keys()?;
    match note.verify(&known) {
        Ok(signers) => match signers.iter().find(|key| key.name() == info.exported_by) {
            // The signing key must be the one the exporter had when the export was recorded, not
            // any key they ever had (a revoked key signs nothing new).
            Some(key)
                if vault.signed_by(&[info.export_event])?.first().and_then(|s| s.fingerprint.clone())
                    == Some(key.public_key().fingerprint()) =>
            {
                result.exporter_key = Some(key.public_key().fingerprint());
            }
            Some(_) => fail(
                result,
                format!("清单由 {} 的旧密钥签名，而非导出时在用的密钥", info.exported_by),
                format!(
                    "the manifest is signed with a key of {} other than the one in force at the export",
                    info.exported_by
                ),
            ),
            None => fail(
                result,
                format!("清单不是由导出人 {} 签名的", info.exported_by),
                format!("the manifest is not signed by its exporter {}", info.exported_by),
            ),
        },
        Err(error) => fail(
            result,
            format!("清单签名无法用本档案库任何人的密钥验证：{error}"),
            format!("manifest.sig does not verify with any key of the vault: {error}"),
        ),
    }
    Ok(())
}

/// The report's figures, recomputed from the copy at the report's own moment, section by section;
/// each value that differs is named by its path (`summary.complaints`).
fn check_figures(
    vault: &Vault,
    report: &QuarterReport,
    info: &PackInfo,
    result: &mut PackVerification,
) -> Result<(), PackError> {
    if report.quarter != info.quarter {
        result.problems.push(problem(
            PackProblemKind::Figure,
            "quarter",
            format!("报告的季度 {} 与证据包的 {} 不符", report.quarter, info.quarter),
            format!("the report is of {}, the pack of {}", report.quarter, info.quarter),
        ));
        return Ok(());
    }
    // The report rests on the head it names.
    let head = vault.event_at(report.head_seq)?;
    if head.map(|e| e.hash) != report.head_hash {
        result.problems.push(problem(
            PackProblemKind::Figure,
            "head_hash",
            format!("报告所依据的日志头（第 {} 号事件）与日志不符", report.head_seq),
            format!("the log's head the report rests on (event #{}) is not in the log", report.head_seq),
        ));
    }
    let quarter = report.quarter.parse().map_err(|_| PackError::NotAPack {
        path: PathBuf::from(REPORT_JSON),
        reason: format!("{} is not a quarter", report.quarter),
    })?;
    let recomputed = vault.quarter_report(quarter)?;
    let as_value = |r: &QuarterReport| serde_json::to_value(r).unwrap_or(Value::Null);
    let (stated, computed) = (as_value(report), as_value(&recomputed));
    let mut differences = Vec::new();
    // Everything but what names the moment and the maker (the head it rests on is checked above,
    // the cover's checkpoint with the log's).
    let skipped = ["generated_at", "generated_by", "head_seq", "head_hash", "signed_checkpoint"];
    let keys: BTreeSet<&String> =
        stated.as_object().into_iter().chain(computed.as_object()).flat_map(|o| o.keys()).collect();
    for key in keys.into_iter().filter(|k| !skipped.contains(&k.as_str())) {
        compare(key, &stated[key.as_str()], &computed[key.as_str()], &mut differences, &mut result.figures_checked);
    }
    // The files the pack must hold: the sampled calls' recordings (with audio) and the cases'
    // evidence, as the log gives them.
    let audio: BTreeSet<String> = if info.with_audio {
        recomputed.sample.assignments.iter().map(|a| a.recording_hash.clone()).collect()
    } else {
        BTreeSet::new()
    };
    let evidence: BTreeSet<String> =
        recomputed.rectification.iter().flat_map(|c| c.evidence.iter().map(|e| e.hash.clone())).collect();
    for (what, wanted, listed) in [("audio", audio, &info.audio), ("evidence", evidence, &info.evidence)] {
        let listed: BTreeSet<String> = listed.iter().cloned().collect();
        for missing in wanted.difference(&listed) {
            result.problems.push(problem(
                PackProblemKind::MissingFile,
                format!("{what}/{missing}"),
                format!("按日志证据包应含 {what}/{missing}，但 pack.json 未列出"),
                format!("the log says the pack holds {what}/{missing}; pack.json does not list it"),
            ));
        }
    }
    for (path, said, found) in differences.into_iter().take(50) {
        result.problems.push(problem(
            PackProblemKind::Figure,
            path.clone(),
            format!("报告中 {path} 为 {said}，按日志重算为 {found}"),
            format!("the report says {path} is {said}; the log gives {found}"),
        ));
    }
    Ok(())
}

/// Walks two JSON trees, collecting the leaves that differ; `judged_at` is the moment of the
/// computation, not a figure.
fn compare(path: &str, stated: &Value, computed: &Value, out: &mut Vec<(String, String, String)>, leaves: &mut u32) {
    match (stated, computed) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                if key == "judged_at" {
                    continue;
                }
                let null = Value::Null;
                compare(
                    &format!("{path}.{key}"),
                    a.get(key).unwrap_or(&null),
                    b.get(key).unwrap_or(&null),
                    out,
                    leaves,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(&format!("{path}[{i}]"), x, y, out, leaves);
            }
        }
        (a, b) => {
            *leaves += 1;
            let same = match (a.as_f64(), b.as_f64()) {
                // Rates are recomputed with the same arithmetic; a hair of float noise is not a lie.
                (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                _ => a == b,
            };
            if !same {
                out.push((path.to_owned(), short(a), short(b)));
            }
        }
    }
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::Array(items) => format!("[{} items]", items.len()),
        other => other.to_string(),
    };
    if text.chars().count() > 80 { format!("{}…", text.chars().take(80).collect::<String>()) } else { text }
}

impl PackVerification {
    /// The findings as text for a person, in Chinese and English.
    pub fn describe(&self) -> String {
        let v = self;
        let mut text = String::new();
        let _ = writeln!(
            text,
            "证据包 / pack: {}  季度 / quarter: {}  档案库 / vault: {}",
            v.path,
            v.quarter.as_deref().unwrap_or("—"),
            v.vault_id.as_deref().unwrap_or("—")
        );
        let _ = writeln!(
            text,
            "导出人 / exported by: {} at {}  密钥指纹 / key: {}",
            v.exported_by.as_deref().unwrap_or("—"),
            v.exported_at.as_deref().unwrap_or("—"),
            v.exporter_key.as_deref().unwrap_or("—")
        );
        let _ = writeln!(
            text,
            "已核对 / checked: {} 个文件 / files ({} 字节 / bytes), {} 个事件 / events, {} 项数据 / figures",
            v.files_checked, v.bytes_checked, v.events_checked, v.figures_checked
        );
        if !v.signed {
            let _ = writeln!(
                text,
                "未签名 / UNSIGNED: 档案库未启用账户，证据包无法证明由谁导出 / the vault has no accounts, so the pack cannot prove who exported it"
            );
        }
        if v.ok {
            let _ = writeln!(
                text,
                "通过 / OK: 证据包完整，日志、签名与报告数据一致 / the pack, its log, signatures and figures hold"
            );
        } else {
            let _ = writeln!(text, "未通过 / FAILED: {} 处问题 / problems", v.problems.len());
            for p in &v.problems {
                let _ = writeln!(text, "  [{}] {}\n        {}", p.subject, p.message_zh, p.message_en);
            }
        }
        text
    }
}
