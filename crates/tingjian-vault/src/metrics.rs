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
    /// Works out the rates, leaving out a clock whose times the vault does not have at all.
    fn finish(&mut self, known: Known) {
        self.response_rate =
            rate(u64::from(self.response_on_time), u64::from(self.response_due)).filter(|_| known.response_times);
        self.handling_rate =
            rate(u64::from(self.decided_on_time), u64::from(self.decided)).filter(|_| known.decision_times);
    }
}

/// Whether the quarter holds any first-response time and any decision time at all.
#[derive(Debug, Clone, Copy)]
struct Known {
    response_times: bool,
    decision_times: bool,
}

/// A rate the quarter's data cannot give, and why (the export lacked the column, most likely).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UnavailableFigure {
    /// `response` or `handling`.
    pub figure: String,
    pub reason_zh: String,
    pub reason_en: String,
}

impl UnavailableFigure {
    fn list(known: Known, complaints: u32) -> Vec<UnavailableFigure> {
        let mut out = Vec::new();
        if complaints > 0 && !known.response_times {
            out.push(UnavailableFigure {
                figure: "response".to_owned(),
                reason_zh:
                    "本季度没有一件投诉记有首次响应时间（导出文件可能缺少“首次响应时间”一列），无法计算 1 小时响应率"
                        .to_owned(),
                reason_en:
                    "no complaint of the quarter has a first response time (the export may lack the 首次响应时间 \
                            column): the one-hour response rate cannot be computed"
                        .to_owned(),
            });
        }
        if complaints > 0 && !known.decision_times {
            out.push(UnavailableFigure {
                figure: "handling".to_owned(),
                reason_zh: "本季度没有一件投诉记有办结时间（导出文件可能缺少“办结时间”一列），无法计算按时办结率"
                    .to_owned(),
                reason_en:
                    "no complaint of the quarter has a decision time (the export may lack the 办结时间 column): \
                            the on-time handling rate cannot be computed"
                        .to_owned(),
            });
        }
        out
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

/// How many complaints of each list the 处理时效 screen shows: a person reads a page, and the total
/// says how many more there are (`tingjian metrics --all` prints every one).
pub const LISTED_ON_SCREEN: usize = 200;

/// One of the quarter's lists: how many complaints it holds, and the first of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct FindingList {
    pub total: u32,
    /// At most the number asked for (all of them when `listed.len() == total`).
    pub listed: Vec<ClockFinding>,
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
    pub late_responses: FindingList,
    /// Decided late, or open past their limit, by complaint number.
    pub late_handling: FindingList,
    /// Open within their limit, the soonest due first (one whose clock is paused last).
    pub open: FindingList,
    /// Times that contradict each other (a response before the clock's start, a decision before
    /// acceptance): left out of the rates and listed here.
    pub data_problems: FindingList,
    /// Complaints without a dispatch time (转办时间), whose response clock started at acceptance.
    pub without_dispatch_time: u32,
    /// Rates the data cannot give (no response or no decision time in the whole quarter): shown
    /// as "—" with the reason, not as 0 %.
    pub unavailable: Vec<UnavailableFigure>,
}

/// What `complaints.response_state` and `handling_state` hold (migration 13): the outcome where no
/// later instant can change it, or that the clock still runs.
mod state {
    pub const ON_TIME: i64 = 0;
    pub const LATE: i64 = 1;
    /// A response before the clock's start, a decision before acceptance.
    pub const CONTRADICTORY: i64 = 2;
    /// Not answered, or not decided, yet: judged against `*_due` when the figures are asked for.
    pub const RUNNING: i64 = 3;
}

/// A complaint's clock columns, as [`refresh_clock_columns`] writes them.
struct ClockColumns {
    month: i64,
    response_state: i64,
    response_due: Option<i64>,
    handling_state: i64,
    handling_due: Option<i64>,
}

fn clock_columns(
    accepted: Timestamp,
    dispatched: Option<Timestamp>,
    response: Option<Timestamp>,
    resolved: Option<Timestamp>,
    limit_days: u32,
    pauses: &[Pause],
) -> ClockColumns {
    let (response_state, response_due) = match response {
        None => {
            let start = dispatched.unwrap_or(accepted);
            (state::RUNNING, start.checked_add(tingjian_core::clocks::RESPONSE_LIMIT).ok().map(|d| d.as_microsecond()))
        }
        // With a response the judging instant does not matter.
        Some(_) => match response_clock(accepted, dispatched, response, accepted) {
            ResponseOutcome::OnTime { .. } => (state::ON_TIME, None),
            ResponseOutcome::Late { .. } => (state::LATE, None),
            _ => (state::CONTRADICTORY, None),
        },
    };
    let (handling_state, handling_due) = match resolved {
        None => (
            state::RUNNING,
            tingjian_core::clocks::handling_due(accepted, limit_days, pauses).map(|d| d.as_microsecond()),
        ),
        Some(_) => match handling_clock(accepted, resolved, limit_days, pauses, accepted) {
            HandlingOutcome::OnTime { .. } => (state::ON_TIME, None),
            HandlingOutcome::Late { .. } => (state::LATE, None),
            _ => (state::CONTRADICTORY, None),
        },
    };
    ClockColumns { month: branch_month(accepted), response_state, response_due, handling_state, handling_due }
}

/// The handling limit in force for a complaint: 15 days, or its extension.
fn limit_of(db: &rusqlite::Connection, number: &str) -> rusqlite::Result<u32> {
    let limit = db
        .prepare_cached("SELECT limit_days FROM handling_extensions WHERE complaint_number = ?1")?
        .query_row([number], |row| row.get(0))
        .optional()?;
    Ok(limit.unwrap_or(HANDLING_LIMIT_DAYS))
}

/// A complaint's pauses whose times read.
fn pauses_of(db: &rusqlite::Connection, number: &str) -> rusqlite::Result<Vec<Pause>> {
    let mut statement = db.prepare_cached("SELECT from_at, to_at FROM handling_pauses WHERE complaint_number = ?1")?;
    let rows = statement.query_map([number], |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)))?;
    let mut pauses = Vec::new();
    for row in rows {
        let (from, to) = row?;
        if let Some(from) = instant(Some(&from)) {
            pauses.push(Pause { from, to: instant(to.as_deref()) });
        }
    }
    Ok(pauses)
}

/// A complaint's clock columns from its stored times, extension and pauses, in the order
/// `complaints` stores them (`clock_month`, `response_state`, `response_due`, `handling_state`,
/// `handling_due`); all `None` when its acceptance time does not read, which keeps it out of every
/// figure (`verify` names such an edit).
pub(crate) fn clock_columns_of(
    db: &rusqlite::Connection,
    number: &str,
    accepted: &str,
    dispatched: Option<&str>,
    response: Option<&str>,
    resolved: Option<&str>,
) -> rusqlite::Result<[Option<i64>; 5]> {
    let Some(accepted) = instant(Some(accepted)) else { return Ok([None; 5]) };
    let columns = clock_columns(
        accepted,
        instant(dispatched),
        instant(response),
        instant(resolved),
        limit_of(db, number)?,
        &pauses_of(db, number)?,
    );
    Ok([
        Some(columns.month),
        Some(columns.response_state),
        columns.response_due,
        Some(columns.handling_state),
        columns.handling_due,
    ])
}

/// Writes a stored complaint's clock columns again: applying an extension or a pause calls this,
/// and so does migration 13 for every complaint stored before it.
pub(crate) fn refresh_clock_columns(db: &rusqlite::Connection, number: &str) -> rusqlite::Result<()> {
    type Times = (String, Option<String>, Option<String>, Option<String>);
    let times: Option<Times> = db
        .prepare_cached(
            "SELECT accepted_at, dispatched_at, first_response_at, resolved_at FROM complaints WHERE number = ?1",
        )?
        .query_row([number], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?;
    let Some((accepted, dispatched, response, resolved)) = times else { return Ok(()) };
    let [month, response_state, response_due, handling_state, handling_due] =
        clock_columns_of(db, number, &accepted, dispatched.as_deref(), response.as_deref(), resolved.as_deref())?;
    db.prepare_cached(
        "UPDATE complaints SET clock_month = ?2, response_state = ?3, response_due = ?4, handling_state = ?5,
         handling_due = ?6 WHERE number = ?1",
    )?
    .execute(rusqlite::params![number, month, response_state, response_due, handling_state, handling_due])?;
    Ok(())
}

/// Fills the clock columns of every stored complaint (migration 13, and the benchmark's vault).
#[doc(hidden)]
pub fn refresh_all_clock_columns(db: &rusqlite::Connection) -> rusqlite::Result<()> {
    let numbers: Vec<String> =
        db.prepare("SELECT number FROM complaints")?.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    for number in numbers {
        refresh_clock_columns(db, &number)?;
    }
    Ok(())
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

impl Vault {
    /// The quarter's complaint-handling figures, judged now, with the first `list_at_most` of each
    /// list. Settled outcomes are counted from `clock_tallies`; only the complaints whose clocks
    /// still run are judged against the moment asked, by comparing their due instants, and only
    /// the listed complaints go through the clocks one by one.
    pub fn handling_metrics(&self, quarter: QuarterId, list_at_most: usize) -> Result<HandlingMetrics, VaultError> {
        let judged_at = self.clock().now();
        let now = judged_at.as_microsecond();
        let quarter_text = quarter.to_string();
        let db = self.db();
        let mut branch = ClockFigures::default();
        let mut departments: HashMap<String, ClockFigures> = HashMap::new();
        let mut months: BTreeMap<i64, ClockFigures> = BTreeMap::new();
        let mut without_dispatch_time = 0;
        let mut data_problems_total = 0;
        let mut undecided = 0;
        let (mut answered, mut decided_any) = (0u32, 0u32);
        // Adds `count` to the branch, the department and the month alike.
        let mut tally = |department: String, month: i64, add: &dyn Fn(&mut ClockFigures)| {
            add(&mut branch);
            add(departments.entry(department).or_default());
            add(months.entry(month).or_default());
        };
        let mut statement = db.prepare_cached(
            "SELECT department, clock_month, response_state, handling_state, dispatched, complaints
             FROM clock_tallies WHERE quarter = ?1",
        )?;
        let mut rows = statement.query([&quarter_text])?;
        while let Some(row) = rows.next()? {
            let (response, handling, dispatched): (i64, i64, bool) = (row.get(2)?, row.get(3)?, row.get(4)?);
            let count: u32 = row.get(5)?;
            without_dispatch_time += if dispatched { 0 } else { count };
            if response == state::CONTRADICTORY || handling == state::CONTRADICTORY {
                data_problems_total += count;
            }
            if handling == state::RUNNING {
                undecided += count;
            } else {
                decided_any += count;
            }
            if response != state::RUNNING {
                answered += count;
            }
            tally(row.get(0)?, row.get(1)?, &|f: &mut ClockFigures| {
                f.complaints += count;
                if response == state::ON_TIME || response == state::LATE {
                    f.response_due += count;
                    f.response_on_time += if response == state::ON_TIME { count } else { 0 };
                }
                if handling == state::ON_TIME || handling == state::LATE {
                    f.decided += count;
                    f.decided_on_time += if handling == state::ON_TIME { count } else { 0 };
                }
            });
        }
        // What the clocks that still run say now: an unanswered complaint past its hour is
        // missing its response, an undecided one past its due instant is overdue.
        for (sql, missing) in [
            (
                "SELECT department, clock_month, count(*) FROM complaints INDEXED BY complaints_pending_responses
                 WHERE quarter = ?1 AND response_state = 3 AND response_due < ?2 GROUP BY department, clock_month",
                true,
            ),
            (
                "SELECT department, clock_month, count(*) FROM complaints INDEXED BY complaints_undecided
                 WHERE quarter = ?1 AND handling_state = 3 AND handling_due < ?2 GROUP BY department, clock_month",
                false,
            ),
        ] {
            let mut statement = db.prepare_cached(sql)?;
            let mut rows = statement.query(rusqlite::params![quarter_text, now])?;
            while let Some(row) = rows.next()? {
                let count: u32 = row.get(2)?;
                tally(row.get(0)?, row.get(1)?, &|f: &mut ClockFigures| {
                    if missing {
                        f.response_due += count;
                        f.response_missing += count;
                    } else {
                        f.overdue += count;
                    }
                });
            }
        }
        // Each list is read through an index in its own order and stops at `list_at_most`, so a
        // list of three is as quick as a list of three hundred thousand. A list whose complaints
        // come from two states merges two such reads. (`state > 0` repeats the partial index's
        // condition, which is how SQLite knows it may use it.)
        let list = |queries: &[&str], by_number: bool, total: u32| -> Result<FindingList, VaultError> {
            let limit = i64::try_from(list_at_most).unwrap_or(i64::MAX);
            let mut numbers: Vec<String> = Vec::new();
            for sql in queries {
                let mut statement = db.prepare_cached(sql)?;
                for (name, value) in [
                    (":quarter", rusqlite::types::Value::from(quarter_text.clone())),
                    (":now", now.into()),
                    (":limit", limit.into()),
                ] {
                    if let Some(index) = statement.parameter_index(name)? {
                        statement.raw_bind_parameter(index, value)?;
                    }
                }
                let mut rows = statement.raw_query();
                while let Some(row) = rows.next()? {
                    numbers.push(row.get(0)?);
                }
            }
            if by_number {
                // SQLite orders text by its bytes, as `str` does.
                numbers.sort_unstable();
                numbers.dedup();
            }
            numbers.truncate(list_at_most);
            let mut listed = Vec::with_capacity(numbers.len());
            for number in numbers {
                listed.extend(self.finding(&number, judged_at)?);
            }
            Ok(FindingList { total, listed })
        };
        let late_responses = list(
            &[
                "SELECT number FROM complaints INDEXED BY complaints_by_response_state
                 WHERE quarter = :quarter AND response_state > 0 AND response_state = 1 ORDER BY number LIMIT :limit",
                "SELECT number FROM complaints INDEXED BY complaints_by_response_state
                 WHERE quarter = :quarter AND response_state > 0 AND response_state = 3 AND response_due < :now ORDER BY number LIMIT :limit",
            ],
            true,
            branch.response_due - branch.response_on_time,
        )?;
        let late_handling = list(
            &[
                "SELECT number FROM complaints INDEXED BY complaints_by_handling_state
                 WHERE quarter = :quarter AND handling_state > 0 AND handling_state = 1 ORDER BY number LIMIT :limit",
                "SELECT number FROM complaints INDEXED BY complaints_by_handling_state
                 WHERE quarter = :quarter AND handling_state > 0 AND handling_state = 3 AND handling_due < :now ORDER BY number LIMIT :limit",
            ],
            true,
            branch.decided - branch.decided_on_time + branch.overdue,
        )?;
        let open = list(
            &[
                "SELECT number FROM complaints INDEXED BY complaints_undecided_by_due
                 WHERE quarter = :quarter AND handling_state = 3 AND handling_due >= :now
                 ORDER BY handling_due, number LIMIT :limit",
                // Paused with no end yet: after every complaint with a due instant.
                "SELECT number FROM complaints INDEXED BY complaints_by_handling_state
                 WHERE quarter = :quarter AND handling_state > 0 AND handling_state = 3 AND handling_due IS NULL ORDER BY number LIMIT :limit",
            ],
            false,
            undecided - branch.overdue,
        )?;
        let data_problems = list(
            &[
                "SELECT number FROM complaints INDEXED BY complaints_by_response_state
                 WHERE quarter = :quarter AND response_state > 0 AND response_state = 2 ORDER BY number LIMIT :limit",
                "SELECT number FROM complaints INDEXED BY complaints_by_handling_state
                 WHERE quarter = :quarter AND handling_state > 0 AND handling_state = 2 ORDER BY number LIMIT :limit",
            ],
            true,
            data_problems_total,
        )?;
        let known = Known { response_times: answered > 0, decision_times: decided_any > 0 };
        branch.finish(known);
        let unavailable = UnavailableFigure::list(known, branch.complaints);
        let group = |key: String, mut figures: ClockFigures| {
            figures.finish(known);
            GroupFigures { key, figures }
        };
        let mut by_department: Vec<GroupFigures> = departments.into_iter().map(|(k, f)| group(k, f)).collect();
        by_department.sort_by(|a, b| b.figures.complaints.cmp(&a.figures.complaints).then_with(|| a.key.cmp(&b.key)));
        let by_month = months
            .into_iter()
            .map(|(m, f)| group(format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1), f))
            .collect();
        Ok(HandlingMetrics {
            quarter: quarter_text.clone(),
            judged_at: crate::event::format_instant(judged_at),
            branch,
            by_department,
            by_month,
            late_responses,
            late_handling,
            open,
            data_problems,
            without_dispatch_time,
            unavailable,
        })
    }

    /// Every complaint's extended handling limit, by complaint number (an import compares an
    /// export's limits with these).
    pub fn extended_limits(&self) -> Result<HashMap<String, u32>, VaultError> {
        let mut statement = self.db().prepare("SELECT complaint_number, limit_days FROM handling_extensions")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One listed complaint, through the clocks as its page shows them.
    fn finding(&self, number: &str, judged_at: Timestamp) -> Result<Option<ClockFinding>, VaultError> {
        type Row = (String, String, Option<String>, Option<String>, Option<String>, bool);
        let row: Option<Row> = self
            .db()
            .prepare_cached(
                "SELECT department, accepted_at, dispatched_at, first_response_at, resolved_at,
                        recording_hash IS NOT NULL FROM complaints WHERE number = ?1",
            )?
            .query_row([number], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
            })
            .optional()?;
        let Some((department, accepted_at, dispatched, response, resolved, has_recording)) = row else {
            return Ok(None);
        };
        let Some(accepted) = instant(Some(&accepted_at)) else { return Ok(None) };
        let limit_days = limit_of(self.db(), number)?;
        let pauses = pauses_of(self.db(), number)?;
        Ok(Some(ClockFinding {
            complaint_number: number.to_owned(),
            department,
            accepted_at,
            limit_days,
            has_recording,
            response: response_clock(accepted, instant(dispatched.as_deref()), instant(response.as_deref()), judged_at),
            handling: handling_clock(accepted, instant(resolved.as_deref()), limit_days, &pauses, judged_at),
        }))
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
