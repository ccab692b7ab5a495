//! `tingjian metrics`: the quarter's complaint-handling figures, through the same vault method the
//! app and the report call.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use tingjian_core::UiError;
use tingjian_core::clocks::{HandlingOutcome, ResponseOutcome};
use tingjian_vault::{ClockFigures, ComplaintClocks, FindingList, GroupFigures, HandlingMetrics};

use crate::output::Output;
use crate::session::Identity;

/// How many complaints each list prints unless `--all` is given.
pub const LISTED: usize = 100;

#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// A complaint's response and handling clocks, its extension and pauses. 查看
    Show { complaint: String },
    /// Extend an undecided complaint's limit to 30 days, or to 60 with `--approver`. 延期
    Extend {
        complaint: String,
        /// 30 or 60.
        #[arg(long = "to", value_name = "DAYS")]
        limit_days: u32,
        /// Who approved an extension to 60 days.
        #[arg(long, value_name = "NAME")]
        approver: Option<String>,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Record a pause of the handling clock (an external appraisal), branch time; record it again
    /// with the same `--from` and a `--to` when it ends. 暂停计时
    Pause {
        complaint: String,
        #[arg(long, value_name = "TIME")]
        from: String,
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

pub fn run_clock(command: &ClockCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    let mut vault = who.open(vault_dir)?;
    let clocks = match command {
        ClockCommand::Show { complaint } => vault.complaint_clocks(complaint)?,
        ClockCommand::Extend { complaint, limit_days, approver, reason } => {
            vault.extend_handling(complaint, *limit_days, approver.as_deref(), reason)?
        }
        ClockCommand::Pause { complaint, from, to, reason } => {
            let to = to.as_deref().map(tingjian_import::typed_branch_time).transpose()?;
            vault.pause_handling(complaint, tingjian_import::typed_branch_time(from)?, to, reason)?
        }
    };
    out.print(&clocks, || describe_clocks(&clocks));
    Ok(ExitCode::SUCCESS)
}

fn describe_clocks(c: &ComplaintClocks) -> String {
    let mut text = format!(
        "{}\n  1小时响应 / response: {}\n  办理 / handling ({} 日 / days): {}\n",
        c.complaint_number,
        response_text(c.response),
        c.limit_days,
        handling_text(c.handling)
    );
    if let Some(e) = &c.extension {
        let approver = e.approver.as_deref().map(|a| format!("，审批 / approved by {a}")).unwrap_or_default();
        let _ = writeln!(
            text,
            "  延期 / extended to {} 日 by {} at {}{approver}: {}",
            e.limit_days, e.extended_by, e.extended_at, e.reason
        );
    }
    for p in &c.pauses {
        let _ = writeln!(text, "  暂停 / paused {} → {}: {}", p.from, p.to.as_deref().unwrap_or("…"), p.reason);
    }
    text
}

/// Which breakdown the text output shows (JSON always has both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Breakdown {
    Department,
    Month,
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}%"))
}

fn figures_line(name: &str, f: &ClockFigures) -> String {
    format!(
        "{name:<14} {:>6}  {:>8} ({}/{})  {:>8} ({}/{})  {:>4}\n",
        f.complaints,
        percent(f.response_rate),
        f.response_on_time,
        f.response_due,
        percent(f.handling_rate),
        f.decided_on_time,
        f.decided,
        f.overdue
    )
}

fn groups(text: &mut String, title: &str, groups: &[GroupFigures]) {
    let _ = writeln!(text, "\n{title}");
    for group in groups {
        text.push_str(&figures_line(&group.key, &group.figures));
    }
}

fn response_text(outcome: ResponseOutcome) -> String {
    match outcome {
        ResponseOutcome::OnTime { seconds } | ResponseOutcome::Late { seconds } => {
            format!("{} 分 {} 秒 / {}m{:02}s", seconds / 60, seconds % 60, seconds / 60, seconds % 60)
        }
        ResponseOutcome::Missing => "未响应 / no response".to_owned(),
        ResponseOutcome::Pending => "待响应 / pending".to_owned(),
        ResponseOutcome::BeforeStart => "响应早于起算时间 / response before the start".to_owned(),
    }
}

fn handling_text(outcome: HandlingOutcome) -> String {
    match outcome {
        HandlingOutcome::OnTime { days_used } => format!("{days_used} 天内办结 / decided in {days_used} d"),
        HandlingOutcome::Late { days_late } => format!("超期 {days_late} 天办结 / decided {days_late} d late"),
        HandlingOutcome::Overdue { days_late } => format!("逾期未办结 {days_late} 天 / open, {days_late} d overdue"),
        HandlingOutcome::Open { days_left } => format!("办理中，剩 {days_left} 天 / open, {days_left} d left"),
        HandlingOutcome::ResolvedBeforeAccepted => "办结早于受理 / decided before accepted".to_owned(),
    }
}

fn findings(
    text: &mut String,
    title: &str,
    list: &FindingList,
    what: impl Fn(&tingjian_vault::ClockFinding) -> String,
) {
    let _ = writeln!(text, "\n{title}: {}", list.total);
    for finding in &list.listed {
        let _ = writeln!(text, "  {:<16} {:<12} {}", finding.complaint_number, finding.department, what(finding));
    }
    let more = (list.total as usize).saturating_sub(list.listed.len());
    if more > 0 {
        let _ = writeln!(text, "  …另有 {more} 件（--all 列出全部）/ {more} more (--all lists them all)");
    }
}

pub fn describe(m: &HandlingMetrics, by: Option<Breakdown>) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "季度 / quarter {} · 统计时点 / judged at {}", m.quarter, m.judged_at);
    for missing in &m.unavailable {
        let _ = writeln!(text, "注意 / note: {} / {}", missing.reason_zh, missing.reason_en);
    }
    let _ = writeln!(
        text,
        "{:<14} {:>6}  {:>18}  {:>18}  {:>4}",
        "", "投诉/n", "1小时响应/response", "15日办结/handling", "逾期/overdue"
    );
    text.push_str(&figures_line("全行 / branch", &m.branch));
    if by != Some(Breakdown::Month) {
        groups(&mut text, "按责任机构 / by department", &m.by_department);
    }
    if by != Some(Breakdown::Department) {
        groups(&mut text, "按受理月份 / by month", &m.by_month);
    }
    findings(&mut text, "响应超时 / late responses", &m.late_responses, |f| response_text(f.response));
    findings(&mut text, "办理超期 / late or overdue", &m.late_handling, |f| handling_text(f.handling));
    if m.data_problems.total > 0 {
        findings(&mut text, "时间矛盾（未计入）/ contradictory times (left out)", &m.data_problems, |f| {
            format!("{} · {}", response_text(f.response), handling_text(f.handling))
        });
    }
    if m.without_dispatch_time > 0 {
        let _ = writeln!(
            text,
            "\n{} 件没有转办时间，响应时限从受理时间起算 / {} without a dispatch time: their hour starts at acceptance",
            m.without_dispatch_time, m.without_dispatch_time
        );
    }
    text
}
