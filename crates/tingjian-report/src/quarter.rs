//! What the quarter's report says, page by page: the cover with the signed checkpoint, the
//! figures, how the sample was drawn, the reviewers, every sampled call, rectification, the
//! handling clocks, and the sign-off. Every figure comes from the [`QuarterReport`] the CLI's
//! `report quarter --json` prints, so the two cannot disagree.

use jiff::Timestamp;
use tingjian_core::clocks::{HandlingOutcome, ResponseOutcome};
use tingjian_core::rectification::{CaseState, Severity};
use tingjian_sampling::{MandatoryKind, Selection};
use tingjian_vault::{ClockFinding, FindingList, QuarterReport, ReportCall, ReportCase};

use crate::layout::{
    ACCENT, ACCENT_LIGHT, BODY, COLUMN, Flow, INK, MARGIN_X, MUTED, Metrics, RULE, SMALL, WARN, col, num,
};
use crate::{Edition, ReportError, ReportFonts, Typeset};

/// The report's words in its edition's language.
#[derive(Debug, Clone, Copy)]
struct Words(Edition);

impl Words {
    fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self.0 {
            Edition::Chinese => zh,
            Edition::English => en,
        }
    }

    fn zh(self) -> bool {
        self.0 == Edition::Chinese
    }

    /// `text` in brackets, full-width in Chinese.
    fn bracket(self, text: &str) -> String {
        if self.zh() { format!("（{text}）") } else { format!(" ({text})") }
    }

    fn colon(self) -> &'static str {
        self.t("：", ": ")
    }

    fn comma(self) -> &'static str {
        self.t("，", ", ")
    }

    fn semicolon(self) -> &'static str {
        self.t("；", "; ")
    }
}

/// Typesets `report` as a PDF in `edition`.
pub fn typeset_quarter_report(
    report: &QuarterReport,
    edition: Edition,
    fonts: &ReportFonts,
) -> Result<Typeset, ReportError> {
    let w = Words(edition);
    let mut flow = Flow::new(Metrics::new(fonts)?);
    cover(&mut flow, report, w);
    flow.new_page();
    summary(&mut flow, report, w);
    sample(&mut flow, report, w);
    reviewers(&mut flow, report, w);
    calls(&mut flow, report, w);
    rectification(&mut flow, report, w);
    handling(&mut flow, report, w);
    sign_off(&mut flow, w);

    let title = w.t("季度投诉录音听取与整改报告", "Quarterly report on complaint-call reviews and rectification");
    let header = format!("{title} · {}", report.quarter);
    let generated = report.generated_at.parse::<Timestamp>().ok();
    let mut metadata = krilla::metadata::Metadata::new()
        .title(format!("{title} {}", report.quarter))
        .language(if w.zh() { "zh-CN" } else { "en" }.to_owned())
        .creator("Tingjian 听见".to_owned())
        .producer("Tingjian 听见 (krilla)".to_owned())
        .authors(vec![report.generated_by.clone()]);
    if let Some(at) = generated {
        // The creation date is the report's own moment, so the same report gives the same bytes.
        let utc = at.to_zoned_datetime(jiff::tz::TimeZone::UTC);
        metadata = metadata.creation_date(
            krilla::metadata::DateTime::new(utc.year() as u16)
                .month(utc.month() as u8)
                .day(utc.day() as u8)
                .hour(utc.hour() as u8)
                .minute(utc.minute() as u8)
                .second(utc.second() as u8)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );
    }
    let stamp = report.demo.then(|| w.t("演示数据 · 非真实季度", "DEMO DATA · not a real quarter"));
    let zh = w.zh();
    flow.render(
        fonts,
        metadata,
        &header,
        |page, pages| if zh { format!("第 {page} 页 / 共 {pages} 页") } else { format!("Page {page} of {pages}") },
        stamp,
    )
}

fn local(instant: &str) -> String {
    instant.parse::<Timestamp>().map_or_else(
        |_| instant.to_owned(),
        |at| tingjian_core::time::in_branch_zone(at).strftime("%Y-%m-%d %H:%M").to_string(),
    )
}

fn percent(value: Option<f64>, w: Words) -> String {
    value.map_or_else(|| w.t("无法计算", "n/a").to_owned(), |v| format!("{v:.1}%"))
}

fn clock(ms: u64) -> String {
    let seconds = ms / 1000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn quarter_title(report: &QuarterReport, w: Words) -> String {
    let (year, number) = report.quarter.split_once('Q').unwrap_or((&report.quarter, ""));
    if w.zh() {
        let name = match number {
            "1" => "一",
            "2" => "二",
            "3" => "三",
            "4" => "四",
            other => other,
        };
        format!("{year} 年第{name}季度（{} 至 {}）", report.first_day, report.last_day)
    } else {
        format!("{year} Q{number} ({} to {})", report.first_day, report.last_day)
    }
}

fn cover(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    flow.move_to(150.0);
    let title = w.t("季度投诉录音听取与整改报告", "Quarterly report on complaint-call reviews and rectification");
    for line in flow.metrics.wrap(title, 22.0, true, COLUMN) {
        let y = flow.y();
        flow.text_at(MARGIN_X, y, 22.0, true, INK, &line);
        flow.space(34.0);
    }
    let y = flow.y();
    flow.text_at(MARGIN_X, y, 14.0, false, ACCENT, &quarter_title(report, w));
    flow.space(40.0);
    if report.demo {
        flow.paragraph(
            w.t(
                "本报告由演示档案库生成：投诉与录音均为合成数据，不是真实季度。",
                "Made from the demo vault: its complaints and recordings are synthetic, not a real quarter.",
            ),
            BODY,
            WARN,
            0.0,
        );
        flow.space(10.0);
    }
    flow.fields(
        &[
            (w.t("档案库", "Vault").to_owned(), report.vault_id.clone()),
            (w.t("生成人", "Generated by").to_owned(), report.generated_by.clone()),
            (
                w.t("生成时间", "Generated at").to_owned(),
                format!("{}{}", local(&report.generated_at), w.bracket(w.t("北京时间", "Beijing time"))),
            ),
            (w.t("审计日志", "Audit log").to_owned(), format!("{} {}", report.head_seq, w.t("条事件", "events"))),
            (w.t("日志头哈希", "Head hash").to_owned(), report.head_hash.clone().unwrap_or_else(|| "—".to_owned())),
        ],
        90.0,
    );
    flow.space(18.0);
    let Some(note) = &report.signed_checkpoint else {
        flow.paragraph(
            w.t(
                "生成人没有签名密钥，本报告未附签名检查点。",
                "The person who made the report has no signing key: no signed checkpoint is attached.",
            ),
            SMALL,
            MUTED,
            0.0,
        );
        return;
    };
    flow.need(230.0);
    let y = flow.y();
    flow.text_at(MARGIN_X, y, BODY, true, INK, w.t("审计日志签名检查点", "Signed checkpoint of the audit log"));
    flow.space(18.0);
    let top = flow.y();
    let qr_size = 120.0;
    flow.qr(note, MARGIN_X + COLUMN - qr_size, top - 6.0, qr_size);
    let how = w.t(
        "生成报告时，生成人用自己的密钥签署了审计日志当时的头（下方文字，右侧二维码为同一内容）。核对方法：把这段文字存为 .checkpoint 文件，运行 tingjian verify --checkpoint 文件名；此后日志若被改写或截短，核对即失败。",
        "When the report was made, its maker signed the audit log's head with their own key (the text below; the QR code holds the same). To check: save the text as a .checkpoint file and run tingjian verify --checkpoint FILE; any later rewrite or truncation of the log fails the check.",
    );
    for line in flow.metrics.wrap(how, SMALL, false, COLUMN - qr_size - 16.0) {
        let y = flow.y();
        flow.text_at(MARGIN_X, y, SMALL, false, MUTED, &line);
        flow.space(SMALL * 1.5);
    }
    flow.move_to(flow.y().max(top + qr_size));
    // The note is printed a line per line, unbroken, so it can be copied out and checked as is.
    let size = 6.5;
    for line in note.lines() {
        let y = flow.y();
        for piece in flow.metrics.wrap(line, size, false, COLUMN) {
            let y2 = flow.y();
            flow.text_at(MARGIN_X, y2, size, false, INK, &piece);
            flow.space(size * 1.6);
        }
        if line.is_empty() {
            flow.move_to(y + size * 1.6);
        }
    }
}

fn state_label(state: &str, w: Words) -> String {
    CaseState::parse(state)
        .map_or_else(|| state.to_owned(), |s| if w.zh() { s.label_zh() } else { s.label_en() }.to_owned())
}

fn summary(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    let s = &report.summary;
    flow.heading(w.t("一、概要", "1. Summary"), 0, 80.0);
    let cases: u32 = s.cases_by_state.values().sum();
    let by_state: Vec<String> =
        s.cases_by_state.iter().map(|(state, n)| format!("{} {n}", state_label(state, w))).collect();
    let branch = &report.handling.branch;
    let yes_no = |b: bool| w.t(if b { "是" } else { "否" }, if b { "yes" } else { "no" }).to_owned();
    let rows = vec![
        vec![w.t("本季度投诉", "Complaints this quarter").to_owned(), s.complaints.to_string()],
        vec![w.t("抽样录音", "Calls sampled").to_owned(), s.sampled.to_string()],
        vec![
            w.t("已听取（听满 90%）", "Listened to (90 % heard)").to_owned(),
            format!("{} · {:.1}%", s.listened, s.listened_percent),
        ],
        vec![w.t("已写心得", "With a reflection").to_owned(), s.reflected.to_string()],
        vec![
            w.t("整改案件", "Rectification cases").to_owned(),
            if by_state.is_empty() {
                cases.to_string()
            } else {
                format!("{cases}{}", w.bracket(&by_state.join(w.comma())))
            },
        ],
        vec![w.t("逾期整改案件", "Cases overdue").to_owned(), s.cases_overdue.to_string()],
        vec![
            w.t("行长本季度听取录音", "The president heard a call this quarter").to_owned(),
            yes_no(s.president_heard),
        ],
        vec![w.t("1 小时响应率", "Responded within one hour").to_owned(), percent(branch.response_rate, w)],
        vec![w.t("按期办结率", "Handled within the limit").to_owned(), percent(branch.handling_rate, w)],
        vec![w.t("逾期未办结", "Open past the limit").to_owned(), branch.overdue.to_string()],
    ];
    flow.table(&[col(w.t("项目", "Figure"), 2.0), num(w.t("数值", "Value"), 3.0)], &rows);
    if !s.president_heard {
        flow.paragraph(
            w.t(
                "注意：本季度行长尚未听取任何抽样录音。",
                "Note: the president has not yet heard any of this quarter's calls.",
            ),
            BODY,
            WARN,
            0.0,
        );
    }
}

fn selection_label(selection: Selection, mandatory: &[MandatoryKind], w: Words) -> String {
    match selection {
        Selection::Mandatory => {
            let kinds: Vec<&str> = mandatory
                .iter()
                .map(|kind| match kind {
                    MandatoryKind::RegulatorForwarded => w.t("监管转办", "regulator"),
                    MandatoryKind::Escalated => w.t("升级投诉", "escalated"),
                    MandatoryKind::Overdue => w.t("超时办结", "overdue"),
                    MandatoryKind::RepeatComplainant => w.t("重复投诉", "repeat"),
                })
                .collect();
            format!("{}{}", w.t("必抽", "mandatory"), w.bracket(&kinds.join(w.t("、", ", "))))
        }
        Selection::Stratum => w.t("分层随机", "stratum").to_owned(),
        Selection::ReviewerMinimum => w.t("补足听取人最低数", "reviewer minimum").to_owned(),
        Selection::ByHand => w.t("协调人手工添加", "added by hand").to_owned(),
    }
}

/// How the draw's seed was fixed, in words, from the draw's own event.
fn seed_derivation(report: &QuarterReport, w: Words) -> String {
    match &report.seed_derivation {
        Some(d) if d.joint => {
            let who = |name: &Option<String>| name.clone().unwrap_or_else(|| "—".to_owned());
            let seq = |seq: Option<u64>| seq.map_or_else(|| "—".to_owned(), |s| s.to_string());
            if w.zh() {
                format!(
                    "两人共同确定：{} 在第 {} 号事件承诺一份随机数，{} 在第 {} 号事件加入另一份；种子为“准备事件的哈希与两份随机数”的 SHA-256 前 8 字节，抽样时揭示并记入日志。",
                    who(&d.prepared_by),
                    seq(d.prepared_seq),
                    who(&d.witnessed_by),
                    seq(d.witnessed_seq)
                )
            } else {
                format!(
                    "fixed by two people: {} committed to a random share in event #{}, {} added one of their own in event #{}; the seed is the first 8 bytes of SHA-256 over the preparation's event hash and both shares, revealed by the draw and recorded in the log.",
                    who(&d.prepared_by),
                    seq(d.prepared_seq),
                    who(&d.witnessed_by),
                    seq(d.witnessed_seq)
                )
            }
        }
        _ => w
            .t(
                "由抽样人的计算机生成（演示档案库可指定），随抽样事件记入日志；任何人可用同一种子重抽核对。",
                "made by the drawer's computer (or chosen, in a demo vault) and recorded with the draw; anyone can redraw with it and compare.",
            )
            .to_owned(),
    }
}

fn sample(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    flow.heading(w.t("二、抽样方法", "2. How the sample was drawn"), 0, 60.0);
    let Some(draw) = &report.sample.draw else {
        flow.paragraph(w.t("本季度尚未抽样。", "No sample has been drawn this quarter."), BODY, WARN, 0.0);
        return;
    };
    let shortfalls = if draw.shortfalls.is_empty() {
        w.t("无", "none").to_owned()
    } else {
        draw.shortfalls
            .iter()
            .map(|s| if w.zh() { s.message_zh.clone() } else { s.message_en.clone() })
            .collect::<Vec<_>>()
            .join("\n")
    };
    flow.fields(
        &[
            (w.t("随机种子", "Seed").to_owned(), draw.seed.clone()),
            (w.t("种子来源", "How the seed was fixed").to_owned(), seed_derivation(report, w)),
            (
                w.t("抽取", "Drawn").to_owned(),
                format!(
                    "{} · {} · {} #{}",
                    local(&draw.drawn_at),
                    draw.drawn_by,
                    w.t("日志事件", "event"),
                    draw.event_seq
                ),
            ),
            (
                w.t("总体", "Population").to_owned(),
                format!("{} {}", draw.population_size, w.t("件有录音的投诉", "complaints with a recording")),
            ),
            (w.t("总体指纹", "Population fingerprint").to_owned(), draw.population_fingerprint.clone()),
            (w.t("缺口", "Shortfalls").to_owned(), shortfalls),
            (w.t("复核命令", "Re-check with").to_owned(), report.verify_sample_command.clone()),
        ],
        if w.zh() { 96.0 } else { 130.0 },
    );
    if let Some(policy) = &report.sample.policy {
        flow.heading(w.t("抽样规则（原文）", "The sampling policy, as recorded"), 1, 40.0);
        match policy.to_toml() {
            Ok(text) => flow.paragraph(text.trim_end(), SMALL - 0.5, MUTED, 8.0),
            Err(error) => flow.paragraph(&error.to_string(), SMALL, WARN, 0.0),
        }
    }
    flow.heading(w.t("抽中的录音", "The calls drawn"), 1, 40.0);
    let rows: Vec<Vec<String>> = report
        .sample
        .assignments
        .iter()
        .map(|a| {
            vec![
                a.complaint_number.clone(),
                a.department.clone(),
                selection_label(a.selected_by, &a.mandatory, w),
                a.reviewer_name.clone(),
                a.due_date.clone(),
                format!("{:.0}%", a.coverage_percent),
                if a.listened {
                    w.t("已听取", "listened")
                } else if a.overdue {
                    w.t("逾期", "overdue")
                } else {
                    w.t("未完成", "not yet")
                }
                .to_owned(),
            ]
        })
        .collect();
    flow.table(
        &[
            col(w.t("投诉编号", "Complaint"), 2.2),
            col(w.t("责任机构", "Department"), 1.8),
            col(w.t("入样方式", "Selected as"), 2.0),
            col(w.t("听取人", "Reviewer"), 2.0),
            col(w.t("截止", "Due"), 1.5),
            num(w.t("覆盖", "Heard"), 1.0),
            col(w.t("状态", "State"), 1.1),
        ],
        &rows,
    );
}

fn reviewers(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    flow.heading(w.t("三、听取人与责任机构", "3. Reviewers and departments"), 0, 60.0);
    let rows: Vec<Vec<String>> = report
        .reviewers
        .iter()
        .map(|r| {
            let coverage = if r.assigned == 0 { 0.0 } else { f64::from(r.listened) / f64::from(r.assigned) * 100.0 };
            vec![
                r.display_name.clone(),
                r.assigned.to_string(),
                r.listened.to_string(),
                format!("{coverage:.0}%"),
                r.reflected.to_string(),
                r.overdue.to_string(),
            ]
        })
        .collect();
    flow.table(
        &[
            col(w.t("听取人", "Reviewer"), 3.0),
            num(w.t("分配", "Assigned"), 1.0),
            num(w.t("已听取", "Listened"), 1.0),
            num(w.t("完成率", "Coverage"), 1.0),
            num(w.t("心得", "Reflected"), 1.0),
            num(w.t("逾期", "Overdue"), 1.0),
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = report
        .departments
        .iter()
        .map(|d| vec![d.department.clone(), d.complaints.to_string(), d.sampled.to_string(), d.reviewed.to_string()])
        .collect();
    flow.table(
        &[
            col(w.t("责任机构", "Department"), 3.0),
            num(w.t("投诉", "Complaints"), 1.0),
            num(w.t("抽样", "Sampled"), 1.0),
            num(w.t("已听取", "Listened"), 1.0),
        ],
        &rows,
    );
}

fn calls(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    flow.heading(w.t("四、逐件听取记录", "4. Every sampled call"), 0, 90.0);
    if report.calls.is_empty() {
        flow.paragraph(w.t("本季度没有抽样录音。", "No calls were sampled this quarter."), BODY, MUTED, 0.0);
    }
    for call in &report.calls {
        one_call(flow, call, w);
    }
}

fn one_call(flow: &mut Flow<'_>, call: &ReportCall, w: Words) {
    flow.heading(&format!("{} · {} · {}", call.complaint_number, call.department, call.category), 1, 60.0);
    flow.paragraph(&call.summary, BODY, INK, 0.0);
    flow.space(2.0);
    let state = if call.listened { w.t("已听取", "listened") } else { w.t("未听满 90%", "under 90 % heard") };
    flow.paragraph(
        &format!(
            "{} {} · {} {} · {} {} · {} {:.0}%{}",
            w.t("听取人", "Reviewer"),
            call.reviewer_name,
            w.t("截止", "due"),
            call.due_date,
            w.t("时长", "length"),
            clock(call.duration_ms),
            w.t("已听", "heard"),
            call.coverage_percent,
            w.bracket(state)
        ),
        SMALL,
        MUTED,
        0.0,
    );
    flow.need(22.0);
    let stretches: Vec<(u64, u64)> = call.heard.iter().map(|i| (i.start_ms, i.end_ms)).collect();
    let bar_x = MARGIN_X + 30.0;
    let bar_width = COLUMN - 60.0;
    let y = flow.y();
    flow.text_at(MARGIN_X, y - 1.0, SMALL - 1.0, false, MUTED, "0:00");
    flow.text_at(bar_x + bar_width + 4.0, y - 1.0, SMALL - 1.0, false, MUTED, &clock(call.duration_ms));
    flow.stretches_bar(bar_x, bar_width, 7.0, call.duration_ms, &stretches);
    flow.space(14.0);
    for note in &call.notes {
        flow.paragraph(&format!("[{}] {} — {}", clock(note.at_ms), note.text, note.person_name), SMALL + 0.5, INK, 8.0);
    }
    for reflection in &call.reflections {
        let signature = call.reflection_signatures.iter().find(|s| s.event_seq == reflection.event_seq);
        let signed = match signature {
            Some(s) if s.checked => {
                format!("{} {}", w.t("签名已验证", "signature verified"), s.fingerprint.as_deref().unwrap_or_default())
            }
            Some(s) if s.fingerprint.is_some() => w.t("签名未通过验证", "signature does NOT verify").to_owned(),
            _ => w.t("未签名（启用账户前）", "unsigned (before accounts)").to_owned(),
        };
        flow.paragraph(
            &format!(
                "{}{}{}{}{} {}{}{} #{}{}{}",
                w.t("心得", "Reflection"),
                w.colon(),
                reflection.person_name,
                w.comma(),
                w.t("提交于", "submitted"),
                local(&reflection.submitted_at),
                w.comma(),
                w.t("日志事件", "event"),
                reflection.event_seq,
                w.comma(),
                signed
            ),
            SMALL,
            MUTED,
            8.0,
        );
        flow.paragraph(&reflection.text, BODY, INK, 8.0);
    }
    if call.reflections.is_empty() {
        flow.paragraph(w.t("尚无心得。", "No reflection yet."), SMALL, MUTED, 8.0);
    }
    flow.space(4.0);
}

fn severity_label(severity: Severity, w: Words) -> &'static str {
    match severity {
        Severity::Normal => w.t("一般", "normal"),
        Severity::Serious => w.t("较重", "serious"),
        Severity::Critical => w.t("严重", "critical"),
    }
}

fn rectification(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    flow.heading(w.t("五、整改", "5. Rectification"), 0, 60.0);
    if report.rectification.is_empty() {
        flow.paragraph(
            w.t("本季度投诉没有整改案件。", "No rectification cases for this quarter's complaints."),
            BODY,
            MUTED,
            0.0,
        );
        return;
    }
    let rows: Vec<Vec<String>> = report
        .rectification
        .iter()
        .map(|case| {
            let s = &case.summary;
            vec![
                s.complaint_number.clone(),
                s.department.clone(),
                severity_label(s.severity, w).to_owned(),
                if w.zh() { s.state.label_zh() } else { s.state.label_en() }.to_owned(),
                if s.due_date.is_empty() { "—".to_owned() } else { s.due_date.clone() },
                s.overdue
                    .iter()
                    .map(|o| if w.zh() { o.label_zh() } else { o.label_en() })
                    .collect::<Vec<_>>()
                    .join(w.semicolon()),
                format!("{}/{}", s.actions_done, s.actions_total),
            ]
        })
        .collect();
    flow.table(
        &[
            col(w.t("投诉编号", "Complaint"), 2.1),
            col(w.t("责任机构", "Department"), 1.7),
            col(w.t("程度", "Severity"), 1.1),
            col(w.t("状态", "State"), 1.3),
            col(w.t("到期", "Due"), 1.5),
            col(w.t("逾期", "Overdue"), 2.2),
            num(w.t("措施完成", "Actions"), 1.0),
        ],
        &rows,
    );
    for case in &report.rectification {
        one_case(flow, case, w);
    }
}

fn one_case(flow: &mut Flow<'_>, case: &ReportCase, w: Words) {
    let s = &case.summary;
    let name = |id: &str| case.names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    flow.heading(
        &format!(
            "{} · {} · {}",
            s.complaint_number,
            s.department,
            if w.zh() { s.state.label_zh() } else { s.state.label_en() }
        ),
        1,
        50.0,
    );
    flow.paragraph(&format!("{}{}{}", w.t("须整改", "Must change"), w.colon(), s.what_must_change), BODY, INK, 0.0);
    flow.paragraph(
        &format!("{} {} · {}", w.t("下发", "Opened"), local(&s.opened_at), s.opened_by_name),
        SMALL,
        MUTED,
        0.0,
    );
    for (i, action) in case.actions.iter().enumerate() {
        let done = action
            .done_on
            .map_or_else(|| w.t("未完成", "not done").to_owned(), |on| format!("{} {on}", w.t("完成于", "done on")));
        flow.paragraph(
            &format!(
                "{} {}. {} — {} {}{}{} {}{}{}{}{}{}{}",
                w.t("措施", "Action"),
                i + 1,
                action.measure,
                w.t("负责人", "owner"),
                name(&action.owner),
                w.comma(),
                w.t("期限", "due"),
                action.due_on,
                w.comma(),
                done,
                w.semicolon(),
                w.t("完成标准", "done when"),
                w.colon(),
                action.done_criterion
            ),
            SMALL + 0.5,
            INK,
            8.0,
        );
    }
    for entry in &case.progress {
        // The files' hashes are listed once, with the case's evidence below.
        let evidence: Vec<String> = entry.evidence.iter().map(|e| e.name.clone()).collect();
        let mut text =
            format!("{} {} {}{}{}", w.t("进展", "Progress"), entry.on, name(&entry.by), w.colon(), entry.text);
        if !evidence.is_empty() {
            text.push_str(&w.bracket(&format!(
                "{}{}{}",
                w.t("证据", "evidence"),
                w.colon(),
                evidence.join(w.semicolon())
            )));
        }
        flow.paragraph(&text, SMALL + 0.5, INK, 8.0);
    }
    for file in &case.evidence {
        flow.paragraph(
            &format!(
                "{} {} · {} {} · BLAKE3 {}",
                w.t("证据文件", "Evidence file"),
                file.name,
                file.bytes,
                w.t("字节", "bytes"),
                file.hash
            ),
            SMALL,
            MUTED,
            8.0,
        );
    }
    for verification in &case.verifications {
        flow.paragraph(
            &format!(
                "{} {} {}{}{} — {}{}",
                w.t("验证", "Verified"),
                verification.verified_on,
                name(&verification.verified_by),
                w.colon(),
                if w.zh() { verification.result.label_zh() } else { verification.result.label_en() },
                verification.finding,
                w.bracket(&format!(
                    "{} {} {} {}",
                    w.t("观察期", "observed"),
                    verification.observation.from,
                    w.t("至", "to"),
                    verification.observation.to
                ))
            ),
            SMALL + 0.5,
            INK,
            8.0,
        );
    }
    if !case.step_events.is_empty() {
        let events: Vec<String> = case.step_events.iter().map(|seq| format!("#{seq}")).collect();
        flow.paragraph(
            &format!(
                "{}{}{}",
                w.t("各步骤的签名日志事件", "Signed audit events of its steps"),
                w.colon(),
                events.join(" ")
            ),
            SMALL,
            MUTED,
            8.0,
        );
    }
    flow.space(4.0);
}

fn handling(flow: &mut Flow<'_>, report: &QuarterReport, w: Words) {
    let h = &report.handling;
    flow.heading(w.t("六、投诉处理时效", "6. Complaint-handling clocks"), 0, 80.0);
    let b = &h.branch;
    flow.fields(
        &[
            (
                w.t("1 小时响应", "One-hour response").to_owned(),
                format!(
                    "{}{}",
                    percent(b.response_rate, w),
                    w.bracket(&format!(
                        "{} {} / {} {}{}{} {}",
                        w.t("按时", "on time"),
                        b.response_on_time,
                        w.t("应响应", "due"),
                        b.response_due,
                        w.comma(),
                        w.t("未响应", "missing"),
                        b.response_missing
                    ))
                ),
            ),
            (
                w.t("按期办结", "Handled in time").to_owned(),
                format!(
                    "{}{}",
                    percent(b.handling_rate, w),
                    w.bracket(&format!(
                        "{} {} / {} {}{}{} {}",
                        w.t("按期", "in time"),
                        b.decided_on_time,
                        w.t("已办结", "decided"),
                        b.decided,
                        w.comma(),
                        w.t("逾期未办结", "overdue"),
                        b.overdue
                    ))
                ),
            ),
            (w.t("计算时点", "Judged at").to_owned(), local(&h.judged_at)),
            (
                w.t("无转办时间", "Without dispatch time").to_owned(),
                format!(
                    "{} {}",
                    h.without_dispatch_time,
                    w.t("件（响应时钟从受理时起算）", "(their clock starts at acceptance)")
                ),
            ),
        ],
        if w.zh() { 96.0 } else { 130.0 },
    );
    for unavailable in &h.unavailable {
        flow.paragraph(if w.zh() { &unavailable.reason_zh } else { &unavailable.reason_en }, SMALL, WARN, 0.0);
    }
    let series =
        [(w.t("1 小时响应率", "one-hour response"), ACCENT), (w.t("按期办结率", "handled in time"), ACCENT_LIGHT)];
    let missing = w.t("无法计算", "n/a");
    for (title, groups) in [
        (w.t("按责任机构", "By department"), &h.by_department),
        (w.t("按受理月份", "By month of acceptance"), &h.by_month),
    ] {
        flow.heading(title, 1, 60.0);
        let chart: Vec<(String, Vec<Option<f64>>)> =
            groups.iter().map(|g| (g.key.clone(), vec![g.figures.response_rate, g.figures.handling_rate])).collect();
        flow.bar_chart(&chart, &series, missing);
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                let f = &g.figures;
                vec![
                    g.key.clone(),
                    f.complaints.to_string(),
                    percent(f.response_rate, w),
                    percent(f.handling_rate, w),
                    f.overdue.to_string(),
                ]
            })
            .collect();
        flow.table(
            &[
                col(title, 3.0),
                num(w.t("投诉", "Complaints"), 1.0),
                num(w.t("1 小时响应率", "One-hour"), 1.3),
                num(w.t("按期办结率", "In time"), 1.3),
                num(w.t("逾期未办结", "Overdue"), 1.2),
            ],
            &rows,
        );
    }
    for (title, list) in [
        (w.t("响应超时或未响应", "Responses late or missing"), &h.late_responses),
        (w.t("办结超期", "Handled late or overdue"), &h.late_handling),
        (w.t("时间矛盾（不计入比率）", "Contradictory times (left out of the rates)"), &h.data_problems),
    ] {
        findings(flow, title, list, w);
    }
}

fn response_label(outcome: ResponseOutcome, w: Words) -> String {
    match outcome {
        ResponseOutcome::OnTime { .. } => w.t("按时", "on time").to_owned(),
        ResponseOutcome::Late { seconds } => {
            format!("{} {} {}", w.t("超时", "late by"), seconds / 60, w.t("分钟", "min"))
        }
        ResponseOutcome::Missing => w.t("未响应", "missing").to_owned(),
        ResponseOutcome::Pending => w.t("计时中", "running").to_owned(),
        ResponseOutcome::BeforeStart => w.t("早于起算", "before its start").to_owned(),
    }
}

fn handling_label(outcome: HandlingOutcome, w: Words) -> String {
    match outcome {
        HandlingOutcome::OnTime { days_used } => {
            format!("{} {days_used} {}", w.t("按期，用", "in time,"), w.t("天", "days"))
        }
        HandlingOutcome::Late { days_late } => format!("{} {days_late} {}", w.t("超期", "late by"), w.t("天", "days")),
        HandlingOutcome::Overdue { days_late } => {
            format!("{} {days_late} {}", w.t("逾期未办结", "open, late by"), w.t("天", "days"))
        }
        HandlingOutcome::Open { days_left } => {
            format!("{} {days_left} {}", w.t("办理中，剩", "open,"), w.t("天", "days left"))
        }
        HandlingOutcome::ResolvedBeforeAccepted => w.t("办结早于受理", "decided before accepted").to_owned(),
    }
}

fn findings(flow: &mut Flow<'_>, title: &str, list: &FindingList, w: Words) {
    flow.heading(&format!("{title}{}", w.bracket(&list.total.to_string())), 1, 40.0);
    if list.total == 0 {
        flow.paragraph(w.t("无。", "None."), SMALL, MUTED, 0.0);
        return;
    }
    let rows: Vec<Vec<String>> = list
        .listed
        .iter()
        .map(|f: &ClockFinding| {
            vec![
                f.complaint_number.clone(),
                f.department.clone(),
                local(&f.accepted_at),
                f.limit_days.to_string(),
                response_label(f.response, w),
                handling_label(f.handling, w),
            ]
        })
        .collect();
    flow.table(
        &[
            col(w.t("投诉编号", "Complaint"), 2.0),
            col(w.t("责任机构", "Department"), 1.8),
            col(w.t("受理时间", "Accepted"), 2.0),
            num(w.t("时限（天）", "Limit (days)"), 1.0),
            col(w.t("响应", "Response"), 1.7),
            col(w.t("办结", "Handling"), 2.0),
        ],
        &rows,
    );
    if list.total as usize > list.listed.len() {
        flow.paragraph(
            &if w.zh() {
                format!(
                    "仅列前 {} 件，共 {} 件；全部清单请用命令 tingjian metrics --all 导出。",
                    list.listed.len(),
                    list.total
                )
            } else {
                format!("The first {} of {}; tingjian metrics --all lists every one.", list.listed.len(), list.total)
            },
            SMALL,
            MUTED,
            0.0,
        );
    }
}

fn sign_off(flow: &mut Flow<'_>, w: Words) {
    flow.new_page();
    flow.heading(w.t("七、审阅签字", "7. Sign-off"), 0, 300.0);
    flow.paragraph(
        w.t(
            "本人已审阅本报告所列抽样、听取、心得与整改情况，确认其与档案库记录一致。",
            "I have reviewed the sample, the listening, the reflections and the rectification this report sets out, and confirm that it agrees with the vault's records.",
        ),
        BODY,
        INK,
        0.0,
    );
    flow.space(20.0);
    for role in
        [w.t("行长", "Branch president"), w.t("消费者权益保护中心负责人", "Head of the consumer-protection center")]
    {
        let y = flow.y();
        flow.text_at(MARGIN_X, y, BODY, true, INK, role);
        flow.space(28.0);
        let y = flow.y();
        flow.text_at(MARGIN_X, y, BODY, false, MUTED, w.t("签字：", "Signature:"));
        flow.rule_at(MARGIN_X + 60.0, y + 14.0, 200.0, RULE);
        flow.text_at(MARGIN_X + 290.0, y, BODY, false, MUTED, w.t("日期：", "Date:"));
        flow.rule_at(MARGIN_X + 330.0, y + 14.0, 120.0, RULE);
        flow.space(26.0);
        let y = flow.y();
        flow.text_at(MARGIN_X, y, BODY, false, MUTED, w.t("意见：", "Remarks:"));
        for i in 0..3 {
            flow.rule_at(MARGIN_X + 60.0, y + 14.0 + i as f32 * 22.0, COLUMN - 60.0, RULE);
        }
        flow.space(96.0);
    }
}
