//! `make bench-report`: the quarter's report for a quarter of 2,000 complaints with 200 sampled
//! calls (goal ≤ 3 s), gathered from the vault and typeset in Chinese, median of 5 runs after a
//! warm-up, beside `pdftotext` reading the PDF it made (a reference for "how long does a PDF tool
//! take on this document"). The vault is built through the audit chain, as an import and the
//! reviewers would build it: complaints with stored recordings, a policy of 200 calls, a draw, and
//! for half of the calls a listening session, two notes and a reflection by their reviewer. It is
//! cached in `target/bench-report-vault`. Figures are printed, never asserted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use tingjian_core::QuarterId;
use tingjian_core::listening::{ChannelMode, HeardSpan};
use tingjian_core::model::{Complaint, Recording};
use tingjian_core::time::FixedClock;
use tingjian_report::{Edition, PrintedReport, ReportFonts};
use tingjian_sampling::Policy;
use tingjian_vault::{Event, Vault};

const COMPLAINTS: usize = 2_000;
const SAMPLED: u32 = 200;
const RUNS: usize = 5;
const GOAL_SECONDS: f64 = 3.0;
const QUARTER: &str = "2026Q4";
/// The bench vault's "now": mid-quarter, so clocks run and reviews are due.
const NOW: &str = "2026-11-20T02:00:00Z";

const DEPARTMENTS: &[&str] =
    &["信用卡中心", "个人信贷部", "城东支行", "城西支行", "运营管理部", "零售金融部", "高新支行", "营业部"];
const CATEGORIES: &[&str] = &["服务态度", "收费定价", "系统故障", "产品销售", "债务催收"];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn policy() -> Result<Policy, Box<dyn std::error::Error>> {
    let mut text = String::from("due = { days_after_draw = 30 }\n");
    text.push_str(
        "[[reviewers]]\nid = \"president\"\ndisplay_name = \"张行长\"\nrole = \"president\"\nmin_calls = 5\n",
    );
    text.push_str("[[reviewers]]\nid = \"vp\"\ndisplay_name = \"李副行长\"\nrole = \"reviewer\"\nmin_calls = 20\n");
    for (i, department) in DEPARTMENTS.iter().enumerate() {
        text.push_str(&format!(
            "[[reviewers]]\nid = \"head-{i}\"\ndisplay_name = \"{department}负责人\"\nrole = \"department_head\"\ndepartment = \"{department}\"\nmin_calls = 1\n"
        ));
    }
    text.push_str(&format!("[strata]\nby = [\"department\"]\nallocation = \"proportional\"\ntotal = {SAMPLED}\n"));
    text.push_str(
        "[mandatory]\nregulator_forwarded = false\nescalated = false\noverdue = false\nrepeat_complainant = false\n",
    );
    text.push_str("[exclusions]\nreviewed_before = false\n");
    Ok(Policy::from_toml(&text)?)
}

fn build(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(dir);
    let clock = Arc::new(FixedClock(NOW.parse()?));
    let mut vault = Vault::create_with_clock(dir, "coordinator", clock.clone())?;
    let mut random = fastrand::Rng::with_seed(2026);
    let start: jiff::Timestamp = "2026-10-01T01:00:00Z".parse()?;
    for chunk in (0..COMPLAINTS).collect::<Vec<_>>().chunks(200) {
        let mut events = Vec::new();
        for &i in chunk {
            let number = format!("TS2026{i:06}");
            // Distinct bytes per call: the store keeps one copy per content.
            let stored = vault.audio().put_bytes(format!("recording of {number}").as_bytes())?;
            let duration_ms = random.u64(40_000..600_000);
            let accepted = start + jiff::SignedDuration::from_mins(random.i64(0..70 * 24 * 60));
            let responded = accepted + jiff::SignedDuration::from_mins(random.i64(5..90));
            let resolved =
                (random.u8(0..10) < 8).then(|| accepted + jiff::SignedDuration::from_hours(random.i64(24..24 * 20)));
            let file = format!("{number}.wav");
            events.push(Event::RecordingStored {
                recording: Recording {
                    hash: stored.hash.clone(),
                    original_name: file.clone(),
                    container: "wav".to_owned(),
                    codec: "pcm_s16le".to_owned(),
                    sample_rate: 8000,
                    channels: 2,
                    duration_ms,
                    bytes: stored.bytes,
                    analytics: None,
                },
            });
            let department = DEPARTMENTS[i % DEPARTMENTS.len()];
            events.push(Event::ComplaintRecorded {
                complaint: Complaint {
                    number: number.clone(),
                    accepted_at: tingjian_vault::event::format_instant(accepted),
                    channel: "客服热线".to_owned(),
                    business_line: "零售".to_owned(),
                    category: CATEGORIES[i % CATEGORIES.len()].to_owned(),
                    department: department.to_owned(),
                    customer_name: "客户".to_owned(),
                    phone: format!("1380000{i:04}"),
                    first_response_at: Some(tingjian_vault::event::format_instant(responded)),
                    resolved_at: resolved.map(tingjian_vault::event::format_instant),
                    status: if resolved.is_some() { "已办结" } else { "处理中" }.to_owned(),
                    recording_file: file,
                    regulator_forwarded: false,
                    dispatched_at: None,
                    summary: format!(
                        "客户反映{department}办理业务时等候过久，柜员解释不清，要求说明原因并致歉（{number}）。"
                    ),
                },
            });
            events.push(Event::RecordingLinked { complaint_number: number, recording_hash: stored.hash });
        }
        vault.record(events)?;
    }
    let quarter: QuarterId = QUARTER.parse()?;
    vault.set_sampling_policy(quarter, policy()?)?;
    vault.draw_sample(quarter, None, Some(2026))?;
    let assignments = vault.quarter_sample(quarter)?.assignments;
    drop(vault);
    // Half of the calls heard, each by its reviewer, with two notes and a reflection.
    for assignment in assignments.iter().step_by(2) {
        let mut reviewer = Vault::open_with_clock(dir, &assignment.reviewer_id, clock.clone())?;
        let target = reviewer.find_recording(&assignment.complaint_number)?;
        let session = reviewer.start_listening(&target, "bench")?;
        let length = target.duration_ms;
        let spans = vec![
            HeardSpan { start_ms: 0, end_ms: length / 2, channel: ChannelMode::Both },
            HeardSpan { start_ms: length / 2 + 5_000, end_ms: length, channel: ChannelMode::Both },
        ];
        reviewer.end_listening(&session, spans, "ended")?;
        reviewer.add_note(&assignment.complaint_number, 12_000, "坐席开场未致歉，客户情绪明显升级")?;
        reviewer.add_note(&assignment.complaint_number, length / 2, "客户第二次提出同一诉求，坐席仍按话术回答")?;
        reviewer.submit_reflection(
            &assignment.complaint_number,
            "一、问题：解释不到位，客户重复诉求。\n二、原因：话术只讲流程，没有授权坐席当场给出补救。\n三、改进：修订话术，明确一线可承诺的补救范围，并在周例会复盘。",
        )?;
    }
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = target_dir().join("bench-report-vault");
    let marker = dir.join(format!("built-{COMPLAINTS}-{SAMPLED}"));
    if !marker.exists() {
        let started = Instant::now();
        build(&dir)?;
        std::fs::write(&marker, b"")?;
        println!("built the bench vault in {:.1} s: {}", started.elapsed().as_secs_f64(), dir.display());
    }
    let clock = Arc::new(FixedClock(NOW.parse()?));
    let vault = Vault::open_with_clock(&dir, "coordinator", clock)?;
    let quarter: QuarterId = QUARTER.parse()?;
    let started = Instant::now();
    let fonts = ReportFonts::find()?;
    let fonts_seconds = started.elapsed().as_secs_f64();

    let out = std::env::temp_dir().join(format!("bench-report-{}.pdf", std::process::id()));
    let mut gather = Vec::new();
    let mut typeset = Vec::new();
    let mut total = Vec::new();
    let mut pages = 0;
    let mut bytes = 0;
    for run in 0..=RUNS {
        let started = Instant::now();
        let report = vault.quarter_report(quarter)?;
        let gathered = started.elapsed().as_secs_f64();
        let printed = PrintedReport::new(report, Edition::Chinese, &fonts)?;
        let written = printed.write(&out)?;
        let all = started.elapsed().as_secs_f64();
        pages = written.pages;
        bytes = written.bytes;
        if run > 0 {
            gather.push(gathered);
            typeset.push(all - gathered);
            total.push(all);
        }
    }
    let sampled = vault.quarter_sample(quarter)?.assignments.len();
    let reference = {
        let started = Instant::now();
        let status = Command::new("pdftotext").arg(&out).arg("/dev/null").status()?;
        if !status.success() {
            return Err("pdftotext failed on the report".into());
        }
        started.elapsed().as_secs_f64()
    };
    let _ = std::fs::remove_file(&out);
    let total_median = median(total);
    println!("quarterly report, {COMPLAINTS} complaints, {sampled} sampled calls: {pages} pages, {} KB", bytes / 1024);
    println!("  fonts loaded once per process   {:>8.3} s", fonts_seconds);
    println!("  gathered from the vault          {:>8.3} s (median of {RUNS})", median(gather));
    println!("  typeset and written              {:>8.3} s", median(typeset));
    println!(
        "  report, total                    {:>8.3} s   goal ≤ {GOAL_SECONDS} s: {}",
        total_median,
        if total_median <= GOAL_SECONDS { "met" } else { "NOT met" }
    );
    println!(
        "  reference: pdftotext reading it  {:>8.3} s   (report / pdftotext = {:.1}×)",
        reference,
        total_median / reference
    );
    Ok(())
}
