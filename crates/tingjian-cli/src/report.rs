//! `tingjian report quarter Q`: the quarter's report as data (`--json`), its figures as text, or
//! typeset as a PDF (`--out`); `tingjian report typeset` sets a report saved as JSON. The app's
//! Reports screen calls the same `tingjian_report` functions.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use tingjian_core::{ErrorCode, QuarterId, UiError};
use tingjian_report::{Edition, PrintedReport, ReportFonts, WrittenReport};
use tingjian_vault::{QuarterReport, VaultError};

use crate::output::Output;
use crate::session::Identity;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The quarter's report: its figures, the sample and how it was drawn, every sampled call
    /// with its notes and reflections, rectification, and the handling clocks. 季度报告
    /// With `--out`, typeset as a PDF (季度投诉录音听取与整改报告.pdf) in Chinese or `--lang en`.
    Quarter {
        quarter: QuarterId,
        /// Write the typeset PDF here.
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
        /// zh (the default) or en.
        #[arg(long, default_value = "zh", requires = "out")]
        lang: String,
    },
    /// Typesets a report saved with `report quarter Q --json` (as an evidence pack holds it): the
    /// same report and fonts give the same bytes on any machine. 排版已保存的报告
    Typeset {
        /// The report as JSON.
        report: PathBuf,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        #[arg(long, default_value = "zh")]
        lang: String,
    },
}

pub fn run(command: &ReportCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    match command {
        ReportCommand::Quarter { quarter, out: None, .. } => {
            let vault = who.open(vault_dir)?;
            let report = vault.quarter_report(*quarter)?;
            out.print(&report, || describe(&report));
        }
        ReportCommand::Quarter { quarter, out: Some(path), lang } => {
            let edition = Edition::parse(lang)?;
            let vault = who.open(vault_dir)?;
            let fonts = ReportFonts::find()?;
            let written = PrintedReport::gather(&vault, *quarter, edition, &fonts)?.write(path)?;
            out.print(&written, || describe_written(&written));
        }
        ReportCommand::Typeset { report, out: path, lang } => {
            let edition = Edition::parse(lang)?;
            let text = std::fs::read(report).map_err(|source| VaultError::from_io(report, source))?;
            let data: QuarterReport = serde_json::from_slice(&text).map_err(|error| UiError {
                code: ErrorCode::InvalidInput,
                message_zh: format!("{} 不是 tingjian report quarter --json 保存的报告：{error}", report.display()),
                message_en: format!(
                    "{} is not a report saved by tingjian report quarter --json: {error}",
                    report.display()
                ),
            })?;
            let fonts = ReportFonts::find()?;
            let written = PrintedReport::new(data, edition, &fonts)?.write(path)?;
            out.print(&written, || describe_written(&written));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe_written(w: &WrittenReport) -> String {
    format!(
        "已生成季度报告 / report written: {} ({} 页 / pages, {} 字节 / bytes)\nBLAKE3 {}\n审计日志 / audit log: #{}\n",
        w.path, w.pages, w.bytes, w.blake3, w.head_seq
    )
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}%"))
}

pub fn describe(r: &QuarterReport) -> String {
    let mut text = String::new();
    let s = &r.summary;
    let _ = writeln!(
        text,
        "季度投诉录音听取与整改报告 / quarterly report {} ({} – {})",
        r.quarter, r.first_day, r.last_day
    );
    let _ = writeln!(text, "审计日志 / audit log: #{} {}", r.head_seq, r.head_hash.as_deref().unwrap_or("—"));
    let _ = writeln!(text, "投诉 / complaints: {}", s.complaints);
    let _ = writeln!(
        text,
        "抽样 / sampled: {}  已听取 / listened: {} ({:.1}%)  已写心得 / reflected: {}",
        s.sampled, s.listened, s.listened_percent, s.reflected
    );
    let cases: Vec<String> = s
        .cases_by_state
        .iter()
        .map(|(state, n)| {
            let label = tingjian_core::rectification::CaseState::parse(state).map_or(state.as_str(), |s| s.label_zh());
            format!("{label} {n}")
        })
        .collect();
    let _ = writeln!(
        text,
        "整改案件 / rectification cases: {} ({})  逾期 / overdue: {}",
        s.cases_by_state.values().sum::<u32>(),
        cases.join(", "),
        s.cases_overdue
    );
    let _ = writeln!(
        text,
        "行长本季度听取录音 / the president heard a call: {}",
        if s.president_heard { "是 / yes" } else { "否 / no" }
    );
    let branch = &r.handling.branch;
    let _ = writeln!(
        text,
        "1小时响应率 / one-hour response: {}  15日办结率 / handled in time: {}  逾期未办结 / overdue: {}",
        percent(branch.response_rate),
        percent(branch.handling_rate),
        branch.overdue
    );
    if let Some(draw) = &r.sample.draw {
        let _ = writeln!(
            text,
            "抽样种子 / seed {} · 总体指纹 / population {} · 复核 / re-check: {}",
            draw.seed, draw.population_fingerprint, r.verify_sample_command
        );
    }
    let _ = writeln!(text, "\n听取人 / reviewers:");
    for reviewer in &r.reviewers {
        let _ = writeln!(
            text,
            "  {:<10} 分配 {:>3}  听取 {:>3}  心得 {:>3}  逾期 {:>3}",
            reviewer.display_name, reviewer.assigned, reviewer.listened, reviewer.reflected, reviewer.overdue
        );
    }
    text
}
