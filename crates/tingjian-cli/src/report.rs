//! `tingjian report quarter Q`: the quarter's report as data (`--json`), or its figures as text.
//! The typeset report and the evidence pack are built from the same `Vault::quarter_report`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use tingjian_core::{QuarterId, UiError};
use tingjian_vault::QuarterReport;

use crate::output::Output;
use crate::session::Identity;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The quarter's report: its figures, the sample and how it was drawn, every sampled call
    /// with its notes and reflections, rectification, and the handling clocks. 季度报告
    Quarter { quarter: QuarterId },
}

pub fn run(command: &ReportCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    let vault = who.open(vault_dir)?;
    match command {
        ReportCommand::Quarter { quarter } => {
            let report = vault.quarter_report(*quarter)?;
            out.print(&report, || describe(&report));
        }
    }
    Ok(ExitCode::SUCCESS)
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
