//! The quarter's complaint-handling figures: the timely-response rate (one hour) and the on-time
//! handling rate (15 days), for the branch, by department and by month of acceptance, with the
//! late and overdue complaints listed. Each complaint is judged by the one definition of each
//! clock in `tingjian_core::clocks`; the CLI (`tingjian metrics`), the app and the report call
//! [`Vault::handling_metrics`] and nothing else.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tingjian_core::QuarterId;
use tingjian_core::clocks::{
    HANDLING_LIMIT_DAYS, HandlingOutcome, ResponseOutcome, handling_clock, rate, response_clock,
};
use tingjian_core::time::in_branch_zone;
use ts_rs::TS;

use crate::{Vault, VaultError};

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
    /// Times that contradict each other (a response before the clock's start, a decision before
    /// acceptance): left out of the rates and listed here.
    pub data_problems: Vec<ClockFinding>,
    /// Complaints without a dispatch time (转办时间), whose response clock started at acceptance.
    pub without_dispatch_time: u32,
}

fn instant(text: Option<&str>) -> Option<Timestamp> {
    text.and_then(|t| t.parse().ok())
}

impl Vault {
    /// The quarter's complaint-handling figures, judged now.
    pub fn handling_metrics(&self, quarter: QuarterId) -> Result<HandlingMetrics, VaultError> {
        let judged_at = self.clock().now();
        let mut statement = self.db().prepare_cached(
            "SELECT number, department, accepted_at, dispatched_at, first_response_at, resolved_at
             FROM complaints WHERE quarter = ?1 ORDER BY number",
        )?;
        let mut rows = statement.query([quarter.to_string()])?;
        let mut branch = ClockFigures::default();
        let mut departments: BTreeMap<String, ClockFigures> = BTreeMap::new();
        let mut months: BTreeMap<String, ClockFigures> = BTreeMap::new();
        let (mut late_responses, mut late_handling, mut data_problems) = (Vec::new(), Vec::new(), Vec::new());
        let mut without_dispatch_time = 0;
        while let Some(row) = rows.next()? {
            let number: String = row.get(0)?;
            let department: String = row.get(1)?;
            let accepted_text: String = row.get(2)?;
            let dispatched: Option<String> = row.get(3)?;
            let Some(accepted) = instant(Some(&accepted_text)) else {
                // The import refuses unreadable acceptance times; a row without one is an edit
                // `verify` names, and has no clock.
                continue;
            };
            without_dispatch_time += u32::from(dispatched.is_none());
            let response = response_clock(
                accepted,
                instant(dispatched.as_deref()),
                instant(row.get::<_, Option<String>>(4)?.as_deref()),
                judged_at,
            );
            let handling = handling_clock(
                accepted,
                instant(row.get::<_, Option<String>>(5)?.as_deref()),
                HANDLING_LIMIT_DAYS,
                &[],
                judged_at,
            );
            let month = in_branch_zone(accepted).strftime("%Y-%m").to_string();
            branch.add(response, handling);
            departments.entry(department.clone()).or_default().add(response, handling);
            months.entry(month).or_default().add(response, handling);
            let finding = || ClockFinding {
                complaint_number: number.clone(),
                department: department.clone(),
                accepted_at: accepted_text.clone(),
                response,
                handling,
            };
            if matches!(response, ResponseOutcome::Late { .. } | ResponseOutcome::Missing) {
                late_responses.push(finding());
            }
            if matches!(handling, HandlingOutcome::Late { .. } | HandlingOutcome::Overdue { .. }) {
                late_handling.push(finding());
            }
            if response == ResponseOutcome::BeforeStart || handling == HandlingOutcome::ResolvedBeforeAccepted {
                data_problems.push(finding());
            }
        }
        branch.finish();
        let group = |groups: BTreeMap<String, ClockFigures>| -> Vec<GroupFigures> {
            groups
                .into_iter()
                .map(|(key, mut figures)| {
                    figures.finish();
                    GroupFigures { key, figures }
                })
                .collect()
        };
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
            data_problems,
            without_dispatch_time,
        })
    }
}
