//! `tingjian rectify …`: the rectification board and one case, as text or `--json` for IT to feed
//! other systems, through the same vault methods the app calls.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use tingjian_core::UiError;
use tingjian_core::rectification::CaseState;
use tingjian_vault::{RectificationFilter, RectificationSummary, RectificationView};

use crate::output::Output;
use crate::session::Identity;

#[derive(Debug, Subcommand)]
pub enum RectifyCommand {
    /// Cases, late ones first. 整改清单
    List {
        /// draft, open, in_progress, pending_verification, closed or cancelled.
        #[arg(long, value_name = "S", value_parser = parse_state)]
        state: Option<CaseState>,
        #[arg(long, value_name = "D")]
        department: Option<String>,
        /// Only cases with something late.
        #[arg(long)]
        overdue: bool,
    },
    /// One case whole: answer, actions, progress, evidence, verifications, history. 整改详情
    Show { id: String },
}

fn parse_state(text: &str) -> Result<CaseState, String> {
    CaseState::parse(text).ok_or_else(|| {
        let all: Vec<&str> = CaseState::ALL.iter().map(|s| s.as_str()).collect();
        format!("状态应为 / the state is one of: {}", all.join(", "))
    })
}

pub fn run(command: &RectifyCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    let vault = who.open(vault_dir)?;
    match command {
        RectifyCommand::List { state, department, overdue } => {
            let filter =
                RectificationFilter { state: *state, department: department.clone(), overdue: *overdue, mine: false };
            let cases = vault.rectification_board(&filter)?;
            out.print(&cases, || describe_board(&cases));
        }
        RectifyCommand::Show { id } => {
            let view = vault.rectification_view(id)?;
            out.print(&view, || describe_case(&view));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe_board(cases: &[RectificationSummary]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "整改案件 / rectification cases: {}", cases.len());
    for case in cases {
        let late: Vec<String> = case.overdue.iter().map(|flag| flag.label_zh()).collect();
        let _ = writeln!(
            text,
            "  {}  {:<8} {:<12} 期限 due {:<10} 措施 actions {}/{}  {}  {}",
            case.id,
            case.state.label_zh(),
            case.department,
            if case.due_date.is_empty() { "—" } else { &case.due_date },
            case.actions_done,
            case.actions_total,
            case.complaint_number,
            late.join("；")
        );
    }
    text
}

fn describe_case(view: &RectificationView) -> String {
    let s = &view.summary;
    let case = &view.case;
    let name = |id: &str| view.names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let mut text = String::new();
    let _ = writeln!(text, "案件 / case {}  {} / {}", s.id, s.state.label_zh(), s.state.label_en());
    let _ = writeln!(text, "投诉 / complaint {}  责任部门 / department {}", s.complaint_number, s.department);
    let _ = writeln!(text, "整改要求 / what must change: {}", s.what_must_change);
    let _ = writeln!(text, "期限 / due: {}  提出 / opened by {} at {}", s.due_date, s.opened_by_name, s.opened_at);
    for flag in &s.overdue {
        let _ = writeln!(text, "  逾期 / late: {} / {}", flag.label_zh(), flag.label_en());
    }
    if let Some(answer) = &case.answer {
        let _ = writeln!(
            text,
            "总结反思 / reflection ({}, {}): {}",
            name(&answer.answered_by),
            answer.answered_on,
            answer.reflection
        );
        let _ = writeln!(text, "根本原因 / root cause [{}]: {}", answer.root_cause.category, answer.root_cause.text);
    }
    for (index, action) in case.actions.iter().enumerate() {
        let done = action.done_on.map_or("未完成 / not done".to_owned(), |d| format!("完成 / done {d}"));
        let _ = writeln!(
            text,
            "措施 / action {}: {}（{}，期限 due {}）{done}",
            index + 1,
            action.measure,
            name(&action.owner),
            action.due_on
        );
    }
    for entry in &case.progress {
        let files: Vec<String> = entry.evidence.iter().map(|e| format!("{} {:.12}…", e.name, e.hash)).collect();
        let _ = writeln!(
            text,
            "  进展 / progress {} {} 措施 {}: {} {}",
            entry.on,
            name(&entry.by),
            entry.action + 1,
            entry.text,
            files.join(", ")
        );
    }
    for v in &case.verifications {
        let _ = writeln!(
            text,
            "验证 / verification {} {}: {} / {} — {}",
            v.verified_on,
            name(&v.verified_by),
            v.result.label_zh(),
            v.result.label_en(),
            v.finding
        );
    }
    for step in &case.history {
        let _ = writeln!(
            text,
            "  {} {} {}：{} → {}",
            step.on,
            name(&step.by),
            step.action.label_zh(),
            step.from.label_zh(),
            step.to.label_zh()
        );
    }
    text
}
