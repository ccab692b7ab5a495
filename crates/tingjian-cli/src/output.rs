//! How results and errors are printed: text for people, JSON for scripts.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use serde::Serialize;
use tingjian_core::UiError;
use tingjian_import::{ImportProgress, ImportReport};
use tingjian_vault::{VaultStatus, VerifyReport};

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn print<T: Serialize>(self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(json) => println!("{json}"),
                Err(error) => eprintln!("cannot write JSON: {error}"),
            }
        } else {
            print!("{}", text());
        }
    }
}

/// Prints the error in both languages (or as JSON) and returns the failure exit code.
pub fn fail(out: Output, error: &UiError) -> ExitCode {
    if out.json {
        let body = serde_json::json!({ "ok": false, "error": error });
        println!("{body}");
    } else {
        eprintln!("错误 [{}]：{}", code_name(error), error.message_zh);
        eprintln!("error [{}]: {}", code_name(error), error.message_en);
    }
    ExitCode::from(1)
}

fn code_name(error: &UiError) -> String {
    serde_json::to_value(error.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A one-line progress bar on a terminal's stderr; nothing when stderr is not a terminal or JSON
/// was asked for, so scripts and logs stay clean.
pub fn progress_bar(out: Output) -> impl FnMut(ImportProgress) {
    let mut bar = bar(out, "导入 / importing");
    move |p: ImportProgress| bar(p.done, p.total)
}

/// The bar itself: `label`, then how much of `total` is done (counts or bytes).
pub fn bar(out: Output, label: &'static str) -> impl FnMut(u64, u64) {
    let show = !out.json && std::io::stderr().is_terminal();
    move |done: u64, total: u64| {
        if !show || total == 0 {
            return;
        }
        let width = 30u64;
        let filled = (done.min(total) * width / total) as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(width as usize - filled));
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "\r{label} {bar} {}%", done.min(total) * 100 / total);
        if done >= total {
            let _ = writeln!(stderr);
        }
        let _ = stderr.flush();
    }
}

pub fn describe_status(s: &VaultStatus) -> String {
    let state = match s.quarter_state {
        Some(state) => state.as_str().to_owned(),
        None => "未设置 / not set up".to_owned(),
    };
    let mut text = String::new();
    let _ = writeln!(text, "档案库 / vault:          {}", s.vault_path);
    let _ = writeln!(
        text,
        "本季度 / quarter:       {} ({} – {}), {state}",
        s.current_quarter, s.current_quarter_starts_on, s.current_quarter_ends_on
    );
    let _ = writeln!(text, "本季度投诉 / complaints: {} (共 / total {})", s.complaints_in_quarter, s.complaints_total);
    let _ = writeln!(text, "本季度录音 / recordings: {} (共 / total {})", s.recordings_in_quarter, s.recordings_total);
    let _ = writeln!(text, "审计事件 / audit events: {}", s.events);
    if let Some(head) = &s.head_hash {
        let _ = writeln!(text, "链头 / chain head:       {head}");
    }
    if !s.departments.is_empty() {
        let _ = writeln!(text, "按责任机构 / by department (投诉 complaints / 有录音 recorded / 监管转办 forwarded):");
        for d in &s.departments {
            let _ = writeln!(
                text,
                "  {:<12} {:>4} {:>4} {:>4}",
                d.department, d.complaints, d.with_recording, d.regulator_forwarded
            );
        }
    }
    text
}

pub fn describe_verify(r: &VerifyReport) -> String {
    let mut text = String::new();
    if r.ok {
        let _ = writeln!(
            text,
            "校验通过 / OK: {} 个审计事件、{} 个录音文件均完好 / {} events and {} recordings intact",
            r.events_checked, r.recordings_checked, r.events_checked, r.recordings_checked
        );
        if let Some(head) = &r.head_hash {
            let _ = writeln!(text, "链头 / chain head: {head}");
        }
    } else {
        let _ = writeln!(text, "校验失败 / FAILED: 发现 {} 处问题 / {} problem(s)", r.problems.len(), r.problems.len());
        for p in &r.problems {
            let event = p.event_seq.map(|s| format!("#{s}")).unwrap_or_else(|| "-".to_owned());
            let _ = writeln!(text, "  [事件 / event {event}] {}", p.message_zh);
            let _ = writeln!(text, "                       {}", p.message_en);
        }
    }
    let _ = writeln!(
        text,
        "签名 / signatures: {} 个事件已验证签名，{} 个事件未签名（启用账户之前） / {} signed and checked, {} unsigned (before accounts)",
        r.signed_events, r.unsigned_events, r.signed_events, r.unsigned_events
    );
    if !r.warnings.is_empty() {
        let _ = writeln!(
            text,
            "请注意 / WARNINGS: {} 条记录完好但不足以证明其内容 / {} intact record(s) prove less than they claim",
            r.warnings.len(),
            r.warnings.len()
        );
        for w in &r.warnings {
            let event = w.event_seq.map(|s| format!("#{s}")).unwrap_or_else(|| "-".to_owned());
            let _ = writeln!(text, "  [事件 / event {event}] {}", w.message_zh);
            let _ = writeln!(text, "                       {}", w.message_en);
        }
    }
    text
}

pub fn describe_import(r: &ImportReport) -> String {
    let mut text = String::new();
    if r.changed_nothing() {
        let _ = writeln!(text, "没有新内容：档案库未改变 / nothing new: the vault is unchanged");
    }
    let _ = writeln!(
        text,
        "投诉 / complaints: 新增 added {}, 更新 updated {}, 未变 unchanged {}",
        r.complaints_added, r.complaints_updated, r.complaints_unchanged
    );
    let _ = writeln!(
        text,
        "录音 / recordings: 新增 added {}, 已有 already stored {}; 关联 links added {}",
        r.recordings_added, r.recordings_unchanged, r.links_added
    );
    if r.extensions_recorded > 0 {
        let _ = writeln!(text, "办理时限延长 / handling limits extended (from the export): {}", r.extensions_recorded);
    }
    for item in &r.rejected {
        let _ = writeln!(text, "  拒收 / rejected {}: {} / {}", item.source, item.reason_zh, item.reason_en);
    }
    for item in &r.warnings {
        let _ = writeln!(text, "  注意 / warning {}: {} / {}", item.source, item.reason_zh, item.reason_en);
    }
    if !r.complaints_without_recording.is_empty() {
        let _ = writeln!(
            text,
            "  无录音的投诉 / complaints without recording: {}",
            r.complaints_without_recording.join(", ")
        );
    }
    if !r.recordings_without_complaint.is_empty() {
        let _ = writeln!(
            text,
            "  无对应投诉的录音 / recordings without complaint: {}",
            r.recordings_without_complaint.join(", ")
        );
    }
    text
}
