//! `make bench-report`, second half: `pack verify` of a pack holding ~1 GB of audio (200 sampled
//! calls of 5 MB each), median of 3, against `b3sum` hashing the same 200 files in the same run
//! (goal: ≤ 1.5× b3sum's time). The vault (200 complaints, each with its recording, all drawn) is
//! built once through the audit chain and cached in `target/bench-pack-vault`; the recordings are
//! random bytes, since verification hashes files and never decodes them. Figures are printed,
//! never asserted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use tingjian_core::QuarterId;
use tingjian_core::model::{Complaint, Recording};
use tingjian_core::time::FixedClock;
use tingjian_report::{Edition, PrintedReport, ReportFonts};
use tingjian_sampling::Policy;
use tingjian_vault::{Event, Vault};

const CALLS: usize = 200;
const CALL_BYTES: usize = 5 * 1024 * 1024;
const RUNS: usize = 3;
const GOAL_RATIO: f64 = 1.5;
const NOW: &str = "2026-11-20T02:00:00Z";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn build(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(dir);
    let mut vault = Vault::create_with_clock(dir, "coordinator", Arc::new(FixedClock(NOW.parse()?)))?;
    let mut random = fastrand::Rng::with_seed(2026);
    let mut bytes = vec![0u8; CALL_BYTES];
    for i in 0..CALLS {
        random.fill(&mut bytes);
        let stored = vault.audio().put_bytes(&bytes)?;
        let number = format!("TS2026{i:06}");
        let file = format!("{number}.wav");
        vault.record(vec![
            Event::RecordingStored {
                recording: Recording {
                    hash: stored.hash.clone(),
                    original_name: file.clone(),
                    container: "wav".to_owned(),
                    codec: "pcm_s16le".to_owned(),
                    sample_rate: 8000,
                    channels: 2,
                    duration_ms: 300_000,
                    bytes: stored.bytes,
                    analytics: None,
                },
            },
            Event::ComplaintRecorded {
                complaint: Complaint {
                    number: number.clone(),
                    accepted_at: format!("2026-10-{:02}T02:00:00.000000Z", 1 + i % 28),
                    channel: "客服热线".to_owned(),
                    business_line: "零售".to_owned(),
                    category: "服务态度".to_owned(),
                    department: ["城东支行", "城西支行", "信用卡中心", "零售金融部"][i % 4].to_owned(),
                    customer_name: "客户".to_owned(),
                    phone: format!("1390000{i:04}"),
                    first_response_at: None,
                    resolved_at: None,
                    status: "处理中".to_owned(),
                    recording_file: file,
                    regulator_forwarded: false,
                    dispatched_at: None,
                    summary: "客户反映等候过久".to_owned(),
                },
            },
            Event::RecordingLinked { complaint_number: number, recording_hash: stored.hash },
        ])?;
    }
    let quarter: QuarterId = "2026Q4".parse()?;
    let policy = Policy::from_toml(&format!(
        "due = {{ days_after_draw = 30 }}\n[[reviewers]]\nid = \"president\"\ndisplay_name = \"张行长\"\nrole = \"president\"\nmin_calls = 1\n[[reviewers]]\nid = \"vp\"\ndisplay_name = \"李副行长\"\nrole = \"reviewer\"\nmin_calls = 1\n\
         [strata]\nby = [\"department\"]\nallocation = \"proportional\"\ntotal = {CALLS}\n\
         [mandatory]\nregulator_forwarded = false\nescalated = false\noverdue = false\nrepeat_complainant = false\n\
         [exclusions]\nreviewed_before = false\n"
    ))?;
    vault.set_sampling_policy(quarter, policy)?;
    vault.draw_sample(quarter, None, Some(7))?;
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = target_dir().join("bench-pack-vault");
    let marker = dir.join(format!("built-{CALLS}-{CALL_BYTES}"));
    if !marker.exists() {
        let started = Instant::now();
        build(&dir)?;
        std::fs::write(&marker, b"")?;
        println!("built the bench vault in {:.1} s: {}", started.elapsed().as_secs_f64(), dir.display());
    }
    let quarter: QuarterId = "2026Q4".parse()?;
    let mut vault = Vault::open_with_clock(&dir, "coordinator", Arc::new(FixedClock(NOW.parse()?)))?;
    let fonts = ReportFonts::find()?;
    let printed = PrintedReport::gather(&vault, quarter, Edition::Chinese, &fonts)?;
    let pack = target_dir().join("bench-pack.zip");
    let options = tingjian_pack::ExportOptions {
        quarter,
        with_audio: true,
        with_personal_data: true,
        reason: Some("benchmark".to_owned()),
    };
    let started = Instant::now();
    let exported =
        tingjian_pack::export_pack(&mut vault, &options, &printed.report, &printed.typeset.pdf, &pack, |_| {})?;
    let export_seconds = started.elapsed().as_secs_f64();
    drop(vault);

    let hashes: Vec<String> = printed.report.sample.assignments.iter().map(|a| a.recording_hash.clone()).collect();
    let store = tingjian_vault::ContentStore::new(dir.join(tingjian_vault::AUDIO_DIR));
    let files: Vec<PathBuf> = hashes.iter().map(|hash| store.path_of(hash)).collect();
    let audio_bytes: u64 = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();

    let mut verify = Vec::new();
    let mut reference = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let result = tingjian_pack::verify_pack(&pack, |_| {})?;
        verify.push(started.elapsed().as_secs_f64());
        if !result.ok {
            return Err(format!("the bench pack does not verify: {:?}", result.problems).into());
        }
        let started = Instant::now();
        let status = Command::new("b3sum").args(&files).stdout(std::process::Stdio::null()).status()?;
        reference.push(started.elapsed().as_secs_f64());
        if !status.success() {
            return Err("b3sum failed".into());
        }
    }
    // The pack is a gigabyte of test bytes: not kept.
    let _ = std::fs::remove_file(&pack);
    let (verify, reference) = (median(verify), median(reference));
    let ratio = verify / reference;
    println!(
        "evidence pack: {} files, {:.2} GB ({} calls, {:.2} GB of audio); export {:.2} s",
        exported.files,
        exported.bytes as f64 / 1e9,
        files.len(),
        audio_bytes as f64 / 1e9,
        export_seconds
    );
    println!("  pack verify                      {verify:>8.3} s (median of {RUNS})");
    println!("  b3sum over the same audio files  {reference:>8.3} s");
    println!(
        "  ratio                            {ratio:>8.2}×   goal ≤ {GOAL_RATIO}×: {}",
        if ratio <= GOAL_RATIO { "met" } else { "NOT met" }
    );
    Ok(())
}
