//! Synthetic complaint calls and the complaint system's export that goes with them, for the demo
//! vault and for tests that need recordings which behave like a bank branch's real ones.
//!
//! [`generate`] writes, into one directory:
//! - `recordings/`: Mandarin calls between a call-centre agent and an upset customer, spoken by
//!   espeak-ng, band-limited to the telephone band by sox, stereo at 8 kHz (agent left, customer
//!   right) with pauses, a hold, talk-over, line noise and crosstalk, stored as WAV PCM, WAV μ-law,
//!   MP3, M4A (AAC) and FLAC;
//! - `complaints.csv`: the export of the complaint system (UTF-8, Chinese headers) whose 录音文件
//!   column names those recordings, plus one complaint without a recording;
//! - `demo-set.json`: the [`DemoSet`], written last, which marks the directory as complete.
//!
//! The dialogues are in `dialogues.rs`. The same options give the same files byte for byte.

mod call;
mod dialogues;
mod export;
mod plan;
mod prng;
mod speech;
mod tools;

use std::path::{Path, PathBuf};
use std::thread;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::call::CallPaths;
use crate::plan::Plan;
use crate::tools::Toolbox;

/// Changes whenever a change to the generator changes its output, so that a set made by an older
/// version is made again instead of being reused.
pub const GENERATOR_VERSION: u32 = 2;

/// Every recording's sample rate: narrow-band telephony.
pub(crate) const SAMPLE_RATE: u32 = 8000;

const MANIFEST_FILE: &str = "demo-set.json";
const EXPORT_FILE: &str = "complaints.csv";
const RECORDINGS_DIR: &str = "recordings";
/// Where a run builds the recordings before moving them into place, followed by the process id and
/// a timestamp so that two runs never share one; removed at the end.
const WORK_DIR_PREFIX: &str = ".demo-work-";
/// A work directory older than this was left by a run that was killed (a cold run takes seconds).
const STALE_WORK_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoOptions {
    /// First day of the quarter; the earliest a complaint can have been accepted.
    pub quarter_start: Date,
    /// The export date; complaints are spread over the working days up to and including it.
    pub until: Date,
    /// Decides voices, timings, formats, names and times. The recordings depend on the seed only.
    pub seed: u64,
}

/// A generated set: the export, the recordings, and what is known about each call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSet {
    pub export_csv: PathBuf,
    pub recordings_dir: PathBuf,
    /// The calls in the order of their complaints in the export.
    pub calls: Vec<DemoCall>,
}

/// One recorded call and the ground truth about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCall {
    /// The complaint's 投诉编号 in the export, such as `TS2026100301`.
    pub complaint_number: String,
    /// File name inside [`DemoSet::recordings_dir`].
    pub file_name: String,
    /// `wav-pcm16`, `wav-mulaw`, `mp3`, `m4a` or `flac`.
    pub format: String,
    /// The call's length. ffprobe reports it to within a few milliseconds for every format once an
    /// MP3's start time (its 138 ms encoder delay, which gapless decoders skip) is subtracted from
    /// its duration. Decoders that ignore the MP3 delay tag or the M4A edit list put the audio
    /// about 130 ms late.
    pub duration_ms: u64,
    /// Where the agent speaks on channel 0 (left), as sorted, disjoint `(start_ms, end_ms)` intervals.
    /// Pauses shorter than 300 ms inside a turn are part of an interval. The agent's voice also
    /// leaks onto channel 1 at -25 dB; that crosstalk is not counted as the customer speaking.
    pub agent_speech: Vec<(u64, u64)>,
    /// Where the customer speaks on channel 1 (right), in the same form.
    pub customer_speech: Vec<(u64, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("缺少工具 {tool} / missing tool {tool}: install it (make run installs it)")]
    ToolMissing { tool: String },
    #[error("工具 {tool} 运行失败（{status}）/ {tool} failed ({status}): {stderr}")]
    ToolFailed { tool: String, status: String, stderr: String },
    #[error("无法读写 {path} / cannot read or write {path}: {source}", path = .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("无法写入录音 {path} / cannot write the recording {path}: {source}", path = .path.display())]
    Wav { path: PathBuf, source: hound::Error },
    #[error("无法生成投诉导出表 / cannot write the complaint export: {source}")]
    Csv { source: csv::Error },
    #[error("无法写入 {path} / cannot write {path}: {source}", path = .path.display())]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("生成参数无效 / invalid options: {reason}")]
    InvalidOptions { reason: String },
    #[error("语音合成没有产生可听的语音 / the speech synthesiser produced no audible speech for “{text}”")]
    NoSpeech { text: String },
    #[error("通话 {file_name}（{scenario}）超过两分钟 / the call {file_name} ({scenario}) does not fit in two minutes")]
    CallLength { file_name: String, scenario: String },
    #[error("生成通话的线程意外终止 / a call-generating thread stopped unexpectedly")]
    WorkerStopped,
}

/// The programs [`generate`] runs when it has to make the recordings; a set that is already complete
/// is returned without them.
pub fn required_tools() -> &'static [&'static str] {
    tools::REQUIRED
}

/// What `demo-set.json` holds: the set, and what it was made from.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    seed: u64,
    quarter_start: Date,
    until: Date,
    /// Size of every recording, to notice one that was truncated or replaced.
    files: Vec<FileStamp>,
    #[serde(flatten)]
    set: DemoSet,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileStamp {
    name: String,
    bytes: u64,
}

/// Generates the set into `out_dir`, or returns the set already there if it was made by this
/// version of the generator with the same seed; then only the export is rewritten if the dates
/// changed, and no external tool runs.
///
/// `out_dir` belongs to the generator: its `recordings/` subdirectory is replaced when a new set is
/// made. Runs writing into the same `out_dir` at the same time each build in their own work
/// directory and make identical files, but one of them may fail while the other moves its result
/// into place; retrying it returns the finished set.
pub fn generate(out_dir: &Path, opts: &DemoOptions) -> Result<DemoSet, DemoError> {
    let plan = Plan::new(opts.seed);
    let rows = export::rows(&plan, opts)?;
    let csv = export::render_csv(&plan, &rows)?;
    let export_csv = out_dir.join(EXPORT_FILE);
    let recordings_dir = out_dir.join(RECORDINGS_DIR);
    let manifest_path = out_dir.join(MANIFEST_FILE);

    if let Some(manifest) = reusable_manifest(&manifest_path, &recordings_dir, opts, &plan) {
        let set = DemoSet {
            export_csv: export_csv.clone(),
            recordings_dir,
            calls: in_export_order(&rows, manifest.set.calls.clone()),
        };
        if std::fs::read(&export_csv).ok().as_deref() != Some(csv.as_slice()) {
            write_atomically(&export_csv, &csv)?;
        }
        let changed =
            manifest.set != set || manifest.quarter_start != opts.quarter_start || manifest.until != opts.until;
        if changed {
            let updated =
                Manifest { quarter_start: opts.quarter_start, until: opts.until, set: set.clone(), ..manifest };
            write_manifest(&manifest_path, &updated)?;
        }
        return Ok(set);
    }

    let tools = Toolbox::locate()?;
    create_dir(out_dir)?;
    // Whatever was there is no longer a complete set from here on, even if this run is killed.
    remove_file_if_present(&manifest_path)?;
    remove_stale_work_dirs(out_dir);
    let started = std::time::SystemTime::now();
    let nanos = started.duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_nanos());
    let work = out_dir.join(format!("{WORK_DIR_PREFIX}{}-{nanos}", std::process::id()));
    let paths = CallPaths { scratch_dir: work.join("scratch"), recordings_dir: work.join(RECORDINGS_DIR) };
    create_dir(&paths.scratch_dir)?;
    create_dir(&paths.recordings_dir)?;

    let calls = match render_all(&tools, &plan, &paths) {
        Ok(calls) => calls,
        Err(error) => {
            // The half-made recordings are of no use; the error is what the caller needs to see.
            let _ = std::fs::remove_dir_all(&work);
            return Err(error);
        }
    };
    let mut files = Vec::with_capacity(calls.len());
    for call in &calls {
        let path = paths.recordings_dir.join(&call.file_name);
        let bytes = std::fs::metadata(&path).map_err(|source| DemoError::Io { path, source })?.len();
        files.push(FileStamp { name: call.file_name.clone(), bytes });
    }

    // The finished recordings replace the old ones in two renames inside the same directory.
    if recordings_dir.exists() {
        rename(&recordings_dir, &work.join("replaced-recordings"))?;
    }
    rename(&paths.recordings_dir, &recordings_dir)?;
    write_atomically(&export_csv, &csv)?;
    let set = DemoSet { export_csv, recordings_dir, calls: in_export_order(&rows, calls) };
    let manifest = Manifest {
        version: GENERATOR_VERSION,
        seed: opts.seed,
        quarter_start: opts.quarter_start,
        until: opts.until,
        files,
        set: set.clone(),
    };
    write_manifest(&manifest_path, &manifest)?;
    remove_dir_if_present(&work)?;
    Ok(set)
}

/// One call's outcome, tagged with its place in the plan.
type Rendered = (usize, Result<DemoCall, DemoError>);

/// Renders the calls on as many threads as there are cores (at most four: the work is mostly
/// waiting for short-lived processes). Results come back in plan order whatever thread made them,
/// and the first failure in that order is the one reported.
fn render_all(tools: &Toolbox, plan: &Plan, paths: &CallPaths) -> Result<Vec<DemoCall>, DemoError> {
    let count = plan.calls.len();
    let workers = thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let finished: Vec<thread::Result<Vec<Rendered>>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while !failed.load(std::sync::atomic::Ordering::Relaxed) {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(call_plan) = plan.calls.get(index) else {
                            break;
                        };
                        let result = call::render(tools, call_plan, paths);
                        if result.is_err() {
                            failed.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                        done.push((index, result));
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join()).collect()
    });

    let mut slots: Vec<Option<Result<DemoCall, DemoError>>> = (0..count).map(|_| None).collect();
    for worker in finished {
        for (index, result) in worker.map_err(|_| DemoError::WorkerStopped)? {
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some(result);
            }
        }
    }
    let mut calls = Vec::with_capacity(count);
    let mut first_error = None;
    for slot in slots {
        match slot {
            Some(Ok(call)) => calls.push(call),
            Some(Err(error)) => {
                first_error.get_or_insert(error);
            }
            None => {}
        }
    }
    match first_error {
        Some(error) => Err(error),
        None if calls.len() == count => Ok(calls),
        None => Err(DemoError::WorkerStopped),
    }
}

/// Puts the calls in the order of their complaints and gives each its complaint number.
fn in_export_order(rows: &[export::Row], mut calls: Vec<DemoCall>) -> Vec<DemoCall> {
    let mut ordered = Vec::with_capacity(calls.len());
    for row in rows.iter().filter(|row| !row.recording.is_empty()) {
        if let Some(position) = calls.iter().position(|call| call.file_name == row.recording) {
            let mut call = calls.swap_remove(position);
            call.complaint_number = row.complaint_number.clone();
            ordered.push(call);
        }
    }
    ordered
}

/// The manifest in `out_dir` if the set it describes can be returned as it is: same generator
/// version, same seed, the same recordings as this seed plans, each present with its recorded size.
fn reusable_manifest(manifest_path: &Path, recordings_dir: &Path, opts: &DemoOptions, plan: &Plan) -> Option<Manifest> {
    let text = std::fs::read(manifest_path).ok()?;
    let manifest: Manifest = serde_json::from_slice(&text).ok()?;
    if manifest.version != GENERATOR_VERSION || manifest.seed != opts.seed {
        return None;
    }
    let mut planned: Vec<&str> = plan.calls.iter().map(|call| call.file_name.as_str()).collect();
    let mut described: Vec<&str> = manifest.set.calls.iter().map(|call| call.file_name.as_str()).collect();
    let mut stamped: Vec<&str> = manifest.files.iter().map(|file| file.name.as_str()).collect();
    planned.sort_unstable();
    described.sort_unstable();
    stamped.sort_unstable();
    if planned != described || planned != stamped {
        return None;
    }
    let intact = manifest.files.iter().all(|file| {
        std::fs::metadata(recordings_dir.join(&file.name)).is_ok_and(|meta| meta.is_file() && meta.len() == file.bytes)
    });
    intact.then_some(manifest)
}

fn write_manifest(path: &Path, manifest: &Manifest) -> Result<(), DemoError> {
    let mut text =
        serde_json::to_vec_pretty(manifest).map_err(|source| DemoError::Json { path: path.to_owned(), source })?;
    text.push(b'\n');
    write_atomically(path, &text)
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, bytes).map_err(|source| DemoError::Io { path: temporary.clone(), source })?;
    rename(&temporary, path)
}

fn rename(from: &Path, to: &Path) -> Result<(), DemoError> {
    std::fs::rename(from, to).map_err(|source| DemoError::Io { path: to.to_owned(), source })
}

fn create_dir(path: &Path) -> Result<(), DemoError> {
    std::fs::create_dir_all(path).map_err(|source| DemoError::Io { path: path.to_owned(), source })
}

/// Removes work directories that killed runs left behind. Failing to remove one only leaves litter,
/// so errors are ignored.
fn remove_stale_work_dirs(out_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_work = entry.file_name().to_str().is_some_and(|name| name.starts_with(WORK_DIR_PREFIX));
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_WORK_AGE);
        if is_work && stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn remove_file_if_present(path: &Path) -> Result<(), DemoError> {
    match std::fs::remove_file(path) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
            Err(DemoError::Io { path: path.to_owned(), source })
        }
        _ => Ok(()),
    }
}

fn remove_dir_if_present(path: &Path) -> Result<(), DemoError> {
    match std::fs::remove_dir_all(path) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
            Err(DemoError::Io { path: path.to_owned(), source })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_tools_are_the_three_programs() {
        assert_eq!(required_tools(), ["espeak-ng", "sox", "ffmpeg"]);
    }

    #[test]
    fn there_are_enough_calls_and_one_complaint_without_a_recording() {
        let recorded = dialogues::SCENARIOS.iter().filter(|s| !s.turns.is_empty()).count();
        assert!(recorded >= 14);
        assert_eq!(dialogues::SCENARIOS.len() - recorded, 1);
        for scenario in dialogues::SCENARIOS.iter().filter(|s| !s.turns.is_empty()) {
            assert!((6..=12).contains(&scenario.turns.len()), "{} has {} turns", scenario.key, scenario.turns.len());
        }
    }
}
