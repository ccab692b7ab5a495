//! The quarter's complaint-handling figures: the timely-response rate (one hour) and the on-time
//! handling rate (15 days), for the branch, by department and by month of acceptance, with the
//! late and overdue complaints listed. Each complaint is judged by the one definition of each
//! clock in `tingjian_core::clocks`; the CLI (`tingjian metrics`), the app and the report call
//! [`Vault::handling_metrics`] and nothing else.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use tingjian_core::QuarterId;
use tingjian_core::clocks::{
    APPROVED_LIMIT_DAYS, EXTENDED_LIMIT_DAYS, HANDLING_LIMIT_DAYS, HandlingOutcome, Pause, ResponseOutcome,
    handling_clock, rate, response_clock,
};
use ts_rs::TS;

use crate::review::{NOTE_MAX_CHARS, checked_text};
use crate::{Event, Vault, VaultError};

/// Counts for one group of complaints (the branch, a department, a month).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ClockFigures {
    pub complaints: u32,
    /// Complaints whose response is due (answered, or unanswered past their hour).
    pub response_due: u32,
    pub response_on_time: u32,
    /// Unanswered past their hour (counted in `response_due`, not on time).
    pub response_missing: u32,
    /// On time / due, in percent; `None` when nothing is due.
    pub response_rate: Option<f64>,
    /// Decided complaints.
    pub decided: u32,
    pub decided_on_time: u32,
    /// Open past their limit.
    pub overdue: u32,
    /// Decided on time / decided, in percent.
    pub handling_rate: Option<f64>,
}

impl ClockFigures {
    fn add(&mut self, response: ResponseOutcome, handling: HandlingOutcome) {
        self.complaints += 1;
        if let Some(on_time) = response.counts() {
            self.response_due += 1;
            self.response_on_time += u32::from(on_time);
        }
        self.response_missing += u32::from(response == ResponseOutcome::Missing);
        if let Some(on_time) = handling.counts() {
            self.decided += 1;
            self.decided_on_time += u32::from(on_time);
        }
        self.overdue += u32::from(matches!(handling, HandlingOutcome::Overdue { .. }));
    }

    fn finish(&mut self) {
        self.response_rate = rate(u64::from(self.response_on_time), u64::from(self.response_due));
        self.handling_rate = rate(u64::from(self.decided_on_time), u64::from(self.decided));
    }
}

/// A group's figures under its name (a department, or a month as `2026-10`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GroupFigures {
    pub key: String,
    pub figures: ClockFigures,
}

/// A complaint one of the clocks found late, or with times that contradict each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ClockFinding {
    pub complaint_number: String,
    pub department: String,
    pub accepted_at: String,
    /// The handling limit in force: 15, or 30 / 60 when extended.
    pub limit_days: u32,
    /// Its call is in the vault (so the screen can open it).
    pub has_recording: bool,
    pub response: ResponseOutcome,
    pub handling: HandlingOutcome,
}

/// `tingjian metrics`: a quarter's figures as judged at `judged_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HandlingMetrics {
    pub quarter: String,
    pub judged_at: String,
    pub branch: ClockFigures,
    /// By department, most complaints first.
    pub by_department: Vec<GroupFigures>,
    /// By month of acceptance (branch time), in order.
    pub by_month: Vec<GroupFigures>,
    /// Answered late, or unanswered past their hour, by complaint number.
    pub late_responses: Vec<ClockFinding>,
    /// Decided late, or open past their limit, by complaint number.
    pub late_handling: Vec<ClockFinding>,
    /// Open within their limit, fewest days left first: where an extension or a pause is recorded.
    pub open: Vec<ClockFinding>,
    /// Times that contradict each other (a response before the clock's start, a decision before
    /// acceptance): left out of the rates and listed here.
    pub data_problems: Vec<ClockFinding>,
    /// Complaints without a dispatch time (转办时间), whose response clock started at acceptance.
    pub without_dispatch_time: u32,
}

fn instant(text: Option<&str>) -> Option<Timestamp> {
    text.and_then(stored_instant)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An instant as the log stores it (`2026-10-09T01:30:00.000000Z`, [`crate::event::format_instant`])
/// read by hand: the quarter's figures read four per complaint, and a general parser cost more than
/// the rest of the work. Any other shape goes through jiff.
fn stored_instant(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let shape = b.len() == 27
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z';
    if !shape {
        return text.parse().ok();
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second, micros) = (number(11..13)?, number(14..16)?, number(17..19)?, number(20..26)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return text.parse().ok();
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    Timestamp::from_microsecond(seconds * 1_000_000 + micros).ok()
}

/// The month (`year * 12 + month - 1`) of an instant in branch time. Asia/Shanghai has been UTC+8
/// without daylight saving since 1992; earlier instants ask the time-zone database.
fn branch_month(at: Timestamp) -> i64 {
    const SINCE_1992: i64 = 694_224_000;
    if at.as_second() < SINCE_1992 {
        let local = tingjian_core::time::in_branch_zone(at);
        return i64::from(local.year()) * 12 + i64::from(local.month()) - 1;
    }
    let days = (at.as_second() + 8 * 3_600).div_euclid(86_400);
    // Civil from days (Hinnant), year and month only.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    year * 12 + month - 1
}

/// A complaint's handling limit as extended, with who extended it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HandlingExtension {
    pub limit_days: u32,
    pub approver: Option<String>,
    pub reason: String,
    pub extended_by: String,
    pub extended_at: String,
    #[ts(type = "number")]
    pub event_seq: u64,
}

/// A pause of a complaint's handling clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HandlingPause {
    pub from: String,
    pub to: Option<String>,
    pub reason: String,
    #[ts(type = "number")]
    pub event_seq: u64,
}

/// One complaint's clocks, as its page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ComplaintClocks {
    pub complaint_number: String,
    pub response: ResponseOutcome,
    pub handling: HandlingOutcome,
    pub limit_days: u32,
    pub extension: Option<HandlingExtension>,
    pub pauses: Vec<HandlingPause>,
}

/// The extensions and pauses of every complaint (few: they are recorded by hand).
struct Adjustments {
    limits: HashMap<String, u32>,
    pauses: HashMap<String, Vec<Pause>>,
}

impl Adjustments {
    fn limit(&self, number: &str) -> u32 {
        self.limits.get(number).copied().unwrap_or(HANDLING_LIMIT_DAYS)
    }

    fn pauses(&self, number: &str) -> &[Pause] {
        self.pauses.get(number).map_or(&[], Vec::as_slice)
    }
}

impl Vault {
    /// The quarter's complaint-handling figures, judged now.
    pub fn handling_metrics(&self, quarter: QuarterId) -> Result<HandlingMetrics, VaultError> {
        let judged_at = self.clock().now();
        let mut statement = self.db().prepare_cached(
            "SELECT number, department, accepted_at, dispatched_at, first_response_at, resolved_at,
                    recording_hash IS NOT NULL
             FROM complaints INDEXED BY complaints_clocks WHERE quarter = ?1",
        )?;
        let adjustments = self.clock_adjustments()?;
        let mut rows = statement.query([quarter.to_string()])?;
        let mut branch = ClockFigures::default();
        // Groups by index: a million rows would otherwise allocate a key per row.
        let mut department_index: HashMap<String, usize> = HashMap::new();
        let mut departments: Vec<(String, ClockFigures)> = Vec::new();
        let mut months: BTreeMap<i64, ClockFigures> = BTreeMap::new();
        let (mut late_responses, mut late_handling, mut data_problems, mut open) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut without_dispatch_time = 0;
        while let Some(row) = rows.next()? {
            let text = |index: usize| -> rusqlite::Result<Option<&str>> {
                match row.get_ref(index)? {
                    rusqlite::types::ValueRef::Text(bytes) => Ok(std::str::from_utf8(bytes).ok()),
                    _ => Ok(None),
                }
            };
            let Some(accepted) = text(2)?.and_then(stored_instant) else {
                // The import refuses unreadable acceptance times; a row without one is an edit
                // `verify` names, and has no clock.
                continue;
            };
            let number = text(0)?.unwrap_or_default();
            let department = text(1)?.unwrap_or_default();
            let dispatched = text(3)?;
            let has_recording: bool = row.get(6)?;
            without_dispatch_time += u32::from(dispatched.is_none());
            let response = response_clock(
                accepted,
                dispatched.and_then(stored_instant),
                text(4)?.and_then(stored_instant),
                judged_at,
            );
            let limit_days = adjustments.limit(number);
            let handling = handling_clock(
                accepted,
                text(5)?.and_then(stored_instant),
                limit_days,
                adjustments.pauses(number),
                judged_at,
            );
            branch.add(response, handling);
            let index = match department_index.get(department) {
                Some(&index) => index,
                None => {
                    department_index.insert(department.to_owned(), departments.len());
                    departments.push((department.to_owned(), ClockFigures::default()));
                    departments.len() - 1
                }
            };
            departments[index].1.add(response, handling);
            months.entry(branch_month(accepted)).or_default().add(response, handling);
            let late_response = matches!(response, ResponseOutcome::Late { .. } | ResponseOutcome::Missing);
            let late = matches!(handling, HandlingOutcome::Late { .. } | HandlingOutcome::Overdue { .. });
            let contradictory =
                response == ResponseOutcome::BeforeStart || handling == HandlingOutcome::ResolvedBeforeAccepted;
            let still_open = matches!(handling, HandlingOutcome::Open { .. });
            if !(late_response || late || contradictory || still_open) {
                continue;
            }
            let finding = ClockFinding {
                complaint_number: number.to_owned(),
                department: department.to_owned(),
                accepted_at: text(2)?.unwrap_or_default().to_owned(),
                limit_days,
                has_recording,
                response,
                handling,
            };
            if late_response {
                late_responses.push(finding.clone());
            }
            if late {
                late_handling.push(finding.clone());
            }
            if contradictory {
                data_problems.push(finding.clone());
            }
            if still_open {
                open.push(finding);
            }
        }
        // The scan follows the index (by department); the lists read by complaint number.
        for list in [&mut late_responses, &mut late_handling, &mut data_problems] {
            // Numbers are unique, so an unstable sort gives the same order without its buffer.
            list.sort_unstable_by(|a: &ClockFinding, b: &ClockFinding| a.complaint_number.cmp(&b.complaint_number));
        }
        open.sort_unstable_by(|a, b| {
            let left = |f: &ClockFinding| match f.handling {
                HandlingOutcome::Open { days_left } => days_left,
                _ => u32::MAX,
            };
            left(a).cmp(&left(b)).then_with(|| a.complaint_number.cmp(&b.complaint_number))
        });
        branch.finish();
        let group = |groups: Vec<(String, ClockFigures)>| -> Vec<GroupFigures> {
            groups
                .into_iter()
                .map(|(key, mut figures)| {
                    figures.finish();
                    GroupFigures { key, figures }
                })
                .collect()
        };
        let months = months
            .into_iter()
            .map(|(month, figures)| (format!("{}-{:02}", month / 12, month % 12 + 1), figures))
            .collect();
        let mut by_department = group(departments);
        by_department.sort_by(|a, b| b.figures.complaints.cmp(&a.figures.complaints).then_with(|| a.key.cmp(&b.key)));
        Ok(HandlingMetrics {
            quarter: quarter.to_string(),
            judged_at: crate::event::format_instant(judged_at),
            branch,
            by_department,
            by_month: group(months),
            late_responses,
            late_handling,
            open,
            data_problems,
            without_dispatch_time,
        })
    }

    fn clock_adjustments(&self) -> Result<Adjustments, VaultError> {
        let mut statement = self.db().prepare_cached("SELECT complaint_number, limit_days FROM handling_extensions")?;
        let limits = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
        let mut statement = self.db().prepare_cached("SELECT complaint_number, from_at, to_at FROM handling_pauses")?;
        let mut pauses: HashMap<String, Vec<Pause>> = HashMap::new();
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let number: String = row.get(0)?;
            if let Some(from) = instant(row.get::<_, Option<String>>(1)?.as_deref()) {
                let to = instant(row.get::<_, Option<String>>(2)?.as_deref());
                pauses.entry(number).or_default().push(Pause { from, to });
            }
        }
        Ok(Adjustments { limits, pauses })
    }

    /// One complaint's clocks, extension and pauses, judged now.
    pub fn complaint_clocks(&self, complaint_number: &str) -> Result<ComplaintClocks, VaultError> {
        // Acceptance, dispatch, first response and decision, as stored.
        type Times = (String, Option<String>, Option<String>, Option<String>);
        let times: Option<Times> = self
            .db()
            .query_row(
                "SELECT accepted_at, dispatched_at, first_response_at, resolved_at FROM complaints WHERE number = ?1",
                [complaint_number],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let Some((accepted, dispatched, response, resolved)) = times else {
            return Err(VaultError::ComplaintNotFound { number: complaint_number.to_owned() });
        };
        let accepted = instant(Some(&accepted)).ok_or_else(|| VaultError::Corrupt {
            seq: 0,
            reason: format!("complaint {complaint_number} has an unreadable acceptance time"),
        })?;
        let extension = self
            .db()
            .query_row(
                "SELECT limit_days, approver, reason, extended_by, extended_at, event_seq FROM handling_extensions
                 WHERE complaint_number = ?1",
                [complaint_number],
                |row| {
                    Ok(HandlingExtension {
                        limit_days: row.get(0)?,
                        approver: row.get(1)?,
                        reason: row.get(2)?,
                        extended_by: row.get(3)?,
                        extended_at: row.get(4)?,
                        event_seq: row.get(5)?,
                    })
                },
            )
            .optional()?;
        let mut statement = self.db().prepare_cached(
            "SELECT from_at, to_at, reason, event_seq FROM handling_pauses WHERE complaint_number = ?1 ORDER BY from_at",
        )?;
        let pauses: Vec<HandlingPause> = statement
            .query_map([complaint_number], |row| {
                Ok(HandlingPause { from: row.get(0)?, to: row.get(1)?, reason: row.get(2)?, event_seq: row.get(3)? })
            })?
            .collect::<Result<_, _>>()?;
        let spans: Vec<Pause> = pauses
            .iter()
            .filter_map(|p| Some(Pause { from: instant(Some(&p.from))?, to: instant(p.to.as_deref()) }))
            .collect();
        let now = self.clock().now();
        let limit_days = extension.as_ref().map_or(HANDLING_LIMIT_DAYS, |e| e.limit_days);
        Ok(ComplaintClocks {
            complaint_number: complaint_number.to_owned(),
            response: response_clock(accepted, instant(dispatched.as_deref()), instant(response.as_deref()), now),
            handling: handling_clock(accepted, instant(resolved.as_deref()), limit_days, &spans, now),
            limit_days,
            extension,
            pauses,
        })
    }

    /// Extends an undecided complaint's handling limit to 30 days (a complex case) or to 60 with a
    /// superior's approval (`approver`), with the reason. A coordinator's step.
    pub fn extend_handling(
        &mut self,
        complaint_number: &str,
        limit_days: u32,
        approver: Option<&str>,
        reason: &str,
    ) -> Result<ComplaintClocks, VaultError> {
        let reason = checked_text(reason, NOTE_MAX_CHARS, "延期原因", "reason for the extension")?;
        let approver = approver.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        match (limit_days, &approver) {
            (EXTENDED_LIMIT_DAYS, _) | (APPROVED_LIMIT_DAYS, Some(_)) => {}
            (APPROVED_LIMIT_DAYS, None) => {
                return Err(VaultError::refused(
                    "延长至 60 日须写明审批人（上级机构或总行高级管理人员）",
                    "an extension to 60 days names who approved it (a superior unit or head-office executive)",
                ));
            }
            _ => {
                return Err(VaultError::refused(
                    "办理时限只能延长至 30 日或 60 日",
                    "a handling limit extends to 30 or 60 days only",
                ));
            }
        }
        let clocks = self.complaint_clocks(complaint_number)?;
        if clocks.handling.counts().is_some() {
            return Err(VaultError::refused(
                format!("投诉 {complaint_number} 已办结，不能再延期"),
                format!("complaint {complaint_number} is decided: its limit can no longer be extended"),
            ));
        }
        self.record(vec![Event::HandlingExtended {
            complaint_number: complaint_number.to_owned(),
            limit_days,
            approver,
            reason,
        }])?;
        self.complaint_clocks(complaint_number)
    }

    /// Records a pause of a complaint's handling clock (an external appraisal) from `from`, until
    /// `to` when it is over; recorded again with the same `from` and a `to`, it ends the pause.
    pub fn pause_handling(
        &mut self,
        complaint_number: &str,
        from: Timestamp,
        to: Option<Timestamp>,
        reason: &str,
    ) -> Result<ComplaintClocks, VaultError> {
        let reason = checked_text(reason, NOTE_MAX_CHARS, "暂停原因", "reason for the pause")?;
        if to.is_some_and(|to| to <= from) {
            return Err(VaultError::refused("暂停的结束时间须晚于开始时间", "a pause must end after it begins"));
        }
        self.complaint_clocks(complaint_number)?;
        self.record(vec![Event::HandlingPaused {
            complaint_number: complaint_number.to_owned(),
            from: crate::event::format_instant(from),
            to: to.map(crate::event::format_instant),
            reason,
        }])?;
        self.complaint_clocks(complaint_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written reader and month agree with jiff on instants across eras, leap days and
    /// the branch's midnight, and leave other shapes to jiff.
    #[test]
    fn stored_instants_and_branch_months_agree_with_jiff() {
        let mut random = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let micros = random.i64(-2_000_000_000_000_000..4_000_000_000_000_000);
            let at = Timestamp::from_microsecond(micros).expect("instant");
            let stored = crate::event::format_instant(at);
            assert_eq!(stored_instant(&stored), Some(at), "{stored}");
            let local = tingjian_core::time::in_branch_zone(at);
            let month = i64::from(local.year()) * 12 + i64::from(local.month()) - 1;
            assert_eq!(branch_month(at), month, "{stored} is {local}");
        }
        assert_eq!(stored_instant("2026-10-09T01:30:00Z"), "2026-10-09T01:30:00Z".parse().ok(), "another shape");
        assert_eq!(stored_instant("2026-13-09T01:30:00.000000Z"), None);
    }
}
