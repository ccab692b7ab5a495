//! Quarterly sampling in the vault: the quarter's life (planning → open → closed), its policy, the
//! draw and the calls added by hand, and the progress of the reviews. The CLI and the app call
//! these methods and nothing else, so both apply the same rules.
//!
//! The draw itself is `tingjian_sampling::draw`, a pure function; this module feeds it the
//! quarter's population from the vault and records its result as a `sample_drawn` event.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tingjian_core::model::Recording;
use tingjian_core::time::in_branch_zone;
use tingjian_core::{QuarterId, QuarterState};
use tingjian_sampling::{
    Draw, DueRule, MandatoryKind, Policy, PopulationItem, SampledCall, Selection, Shortfall, Stratum, Verification,
};
use ts_rs::TS;

use crate::error::QuarterAction;
use crate::joint_draw::DrawReadiness;
use crate::library::{COMPLAINT_COLUMN_COUNT, complaint_columns, complaint_from_row};
use crate::{Event, Vault, VaultError, VerifyProblem};

/// A call counts as listened to when its reviewer has heard at least this share of it.
pub const LISTENED_PERCENT: f64 = 90.0;

/// The tables of this module, whose rows `sample verify` also checks against the log's replay.
const SAMPLING_TABLES: &[&str] = &["sampling_policies", "sample_draws", "assignments", "draw_preparations"];

/// The current draw of a quarter, as the tables hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DrawSummary {
    /// The `sample_drawn` event: its payload is the whole draw.
    #[ts(type = "number")]
    pub event_seq: u64,
    /// Decimal text: JavaScript loses digits of large integers.
    pub seed: String,
    pub drawn_at: String,
    pub drawn_by: String,
    pub population_fingerprint: String,
    #[ts(type = "number")]
    pub population_size: u64,
    pub shortfalls: Vec<Shortfall>,
}

/// One call in a quarter's sample, with its reviewer's progress on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Assignment {
    pub complaint_number: String,
    pub recording_hash: String,
    pub department: String,
    pub stratum: Stratum,
    pub reviewer_id: String,
    /// From the policy; the id when the policy does not name the reviewer.
    pub reviewer_name: String,
    pub due_date: String,
    pub selected_by: Selection,
    pub mandatory: Vec<MandatoryKind>,
    /// The coordinator's reason, when the call was added by hand.
    pub added_by_hand: Option<String>,
    /// How much of the call its reviewer has heard, 0–100.
    pub coverage_percent: f64,
    /// The reviewer heard at least [`LISTENED_PERCENT`] of it.
    pub listened: bool,
    /// Due before today and not listened to.
    pub overdue: bool,
}

/// A quarter's sample: `tingjian sample show`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuarterSample {
    pub quarter: String,
    /// `None` until the quarter is set up (it counts as planning).
    pub state: Option<QuarterState>,
    pub policy: Option<Policy>,
    pub draw: Option<DrawSummary>,
    /// Whether the draw needs two people, and how far its preparation has come.
    pub readiness: DrawReadiness,
    /// By due date, then complaint number.
    pub assignments: Vec<Assignment>,
}

/// Per reviewer, for the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReviewerProgress {
    pub reviewer_id: String,
    pub display_name: String,
    pub assigned: u32,
    pub listened: u32,
    /// Assigned calls on which they have submitted a reflection.
    pub reflected: u32,
    pub overdue: u32,
}

/// Per department, for the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DepartmentProgress {
    pub department: String,
    pub complaints: u32,
    pub sampled: u32,
    /// Sampled calls their reviewer has listened to.
    pub reviewed: u32,
}

/// The coordinator's view of a quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuarterDashboard {
    pub sample: QuarterSample,
    pub reviewers: Vec<ReviewerProgress>,
    pub departments: Vec<DepartmentProgress>,
    pub listened_percent: f64,
}

/// A reviewer's own calls this quarter, for the home screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MyAssignments {
    pub quarter: String,
    pub person: String,
    pub assigned: u32,
    /// Listened to (coverage ≥ 90%); reflections come later.
    pub reviewed: u32,
    /// The mean coverage over the assigned calls, 0–100.
    pub coverage_percent: f64,
    /// By due date.
    pub assignments: Vec<Assignment>,
}

/// `sample verify`: the recorded draw re-run on today's population, and the sampling tables
/// compared with the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SampleVerification {
    pub quarter: String,
    pub matches: bool,
    #[ts(type = "number")]
    pub draw_event_seq: u64,
    pub seed: String,
    /// The draw re-run from the recorded inputs and compared with the assignments table.
    pub verification: Verification,
    /// Rows of the sampling tables that differ from what the log wrote.
    pub table_problems: Vec<VerifyProblem>,
}

impl Vault {
    /// The quarter's state; `None` when it has not been set up.
    pub fn quarter_state(&self, quarter: QuarterId) -> Result<Option<QuarterState>, VaultError> {
        let state: Option<String> = self
            .db()
            .query_row("SELECT state FROM quarters WHERE id = ?1", [quarter.to_string()], |row| row.get(0))
            .optional()?;
        Ok(state.as_deref().and_then(QuarterState::parse))
    }

    fn refuse_unless(
        &self,
        quarter: QuarterId,
        action: QuarterAction,
        allowed: &[Option<QuarterState>],
    ) -> Result<(), VaultError> {
        let state = self.quarter_state(quarter)?;
        if allowed.contains(&state) {
            return Ok(());
        }
        Err(VaultError::QuarterLocked { quarter: quarter.to_string(), state, action })
    }

    /// Opens a quarter for reviews: it must be in planning (or not set up) and have a draw.
    pub fn open_quarter(&mut self, quarter: QuarterId) -> Result<QuarterState, VaultError> {
        self.refuse_unless(quarter, QuarterAction::Open, &[None, Some(QuarterState::Planning)])?;
        if self.draw_summary(quarter)?.is_none() {
            return Err(VaultError::NoDraw { quarter: quarter.to_string() });
        }
        self.record(vec![Event::QuarterSet { quarter, state: QuarterState::Open }])?;
        Ok(QuarterState::Open)
    }

    /// Closes an open quarter: from then on it accepts no draw, no addition and no policy change.
    pub fn close_quarter(&mut self, quarter: QuarterId) -> Result<QuarterState, VaultError> {
        self.refuse_unless(quarter, QuarterAction::Close, &[Some(QuarterState::Open)])?;
        self.record(vec![Event::QuarterSet { quarter, state: QuarterState::Closed }])?;
        Ok(QuarterState::Closed)
    }

    /// The quarter's stored policy.
    pub fn sampling_policy(&self, quarter: QuarterId) -> Result<Option<Policy>, VaultError> {
        let json: Option<String> = self
            .db()
            .query_row("SELECT policy FROM sampling_policies WHERE quarter = ?1", [quarter.to_string()], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(json.map(|json| Policy::from_json(&json)).transpose()?)
    }

    /// Stores the quarter's policy (an event). The policy is bound to the quarter: its `quarter`
    /// is filled in, so "handled past 15 days" is judged as of the quarter, and a policy written
    /// for another quarter is refused.
    pub fn set_sampling_policy(&mut self, quarter: QuarterId, policy: Policy) -> Result<Policy, VaultError> {
        self.refuse_unless(
            quarter,
            QuarterAction::SetPolicy,
            &[None, Some(QuarterState::Planning), Some(QuarterState::Open)],
        )?;
        let policy = bind_policy(quarter, policy)?;
        if self.sampling_policy(quarter)?.as_ref() != Some(&policy) {
            self.record(vec![Event::SamplingPolicySet { quarter, policy: policy.clone() }])?;
        }
        Ok(policy)
    }

    /// The quarter's complaints as the draw sees them, in complaint-number order. A complaint was
    /// "reviewed before" when it was assigned in an earlier quarter.
    pub fn sampling_population(&self, quarter: QuarterId) -> Result<Vec<PopulationItem>, VaultError> {
        let mut statement = self.db().prepare(&format!(
            "SELECT {}, r.hash, r.duration_ms, r.channels,
             EXISTS (SELECT 1 FROM assignments a WHERE a.complaint_number = c.number AND a.quarter < ?1)
             FROM complaints c LEFT JOIN recordings r ON r.hash = c.recording_hash
             WHERE c.quarter = ?1 ORDER BY c.number",
            complaint_columns("c")
        ))?;
        let rows = statement.query_map([quarter.to_string()], |row| {
            let complaint = complaint_from_row(row)?;
            let recording = match row.get::<_, Option<String>>(COMPLAINT_COLUMN_COUNT)? {
                // The draw looks only at the hash and the duration.
                Some(hash) => Some(Recording {
                    hash,
                    original_name: String::new(),
                    container: String::new(),
                    codec: String::new(),
                    sample_rate: 0,
                    channels: row.get(COMPLAINT_COLUMN_COUNT + 2)?,
                    duration_ms: row.get(COMPLAINT_COLUMN_COUNT + 1)?,
                    bytes: 0,
                    analytics: None,
                }),
                None => None,
            };
            Ok((complaint, recording, row.get::<_, bool>(COMPLAINT_COLUMN_COUNT + 3)?))
        })?;
        let mut population = Vec::new();
        for row in rows {
            let (complaint, recording, reviewed_before) = row?;
            population.push(PopulationItem::from_complaint(&complaint, recording.as_ref(), reviewed_before)?);
        }
        Ok(population)
    }

    /// Refuses unless the quarter may be drawn (or prepared for a draw): not yet open.
    pub(crate) fn refuse_unless_drawable(&self, quarter: QuarterId) -> Result<(), VaultError> {
        self.refuse_unless(quarter, QuarterAction::Draw, &[None, Some(QuarterState::Planning)])
    }

    /// Draws the quarter's sample and records it. `policy`, when given, is stored first (in the
    /// same transaction); otherwise the stored policy is used.
    ///
    /// On a vault with accounts that is not a demo the seed is the one two people fixed
    /// ([`crate::joint_draw`]): the signed-in coordinator's witnessed preparation is required, and
    /// a chosen `seed` or a different policy is refused. Elsewhere a witnessed preparation is
    /// used when there is one, then `seed`, then one from the OS.
    pub fn draw_sample(
        &mut self,
        quarter: QuarterId,
        policy: Option<Policy>,
        seed: Option<u64>,
    ) -> Result<Draw, VaultError> {
        self.refuse_unless_drawable(quarter)?;
        let joint_required = self.joint_draw_required()?;
        if joint_required && seed.is_some() {
            return Err(VaultError::refused(
                "只有演示档案库可以指定抽样种子；正式档案库的种子由两人共同确定".to_owned(),
                "only a demo vault may be drawn with a chosen seed; elsewhere two people fix it".to_owned(),
            ));
        }
        let mut events = Vec::new();
        let policy = match policy {
            Some(policy) => {
                let policy = bind_policy(quarter, policy)?;
                if self.sampling_policy(quarter)?.as_ref() != Some(&policy) {
                    if joint_required {
                        return Err(VaultError::refused(
                            "抽样策略在准备抽样时已经固定；要改策略，请设置新策略后重新准备".to_owned(),
                            "the policy was fixed when the draw was prepared: set the new one and prepare again"
                                .to_owned(),
                        ));
                    }
                    events.push(Event::SamplingPolicySet { quarter, policy: policy.clone() });
                }
                policy
            }
            None => self.sampling_policy(quarter)?.ok_or_else(|| VaultError::Refused {
                message_zh: format!("{quarter} 季度还没有抽样策略，请先设置策略"),
                message_en: format!("quarter {quarter} has no sampling policy yet: set one first"),
            })?,
        };
        // Read once: the preparation's fingerprint is checked against the population drawn from.
        let population = self.sampling_population(quarter)?;
        let joint =
            if events.is_empty() && seed.is_none() { self.joint_seed_for_draw(quarter, &population)? } else { None };
        let (seed, joint) = match (joint, seed) {
            (Some((seed, joint)), _) => (seed, Some(joint)),
            (None, _) if joint_required => {
                return Err(VaultError::refused(
                    format!("{quarter} 季度的抽样须先由您准备、再由行长或另一位协调人见证，然后才能抽样"),
                    format!(
                        "quarter {quarter}'s draw must first be prepared by you and witnessed by the president or another coordinator"
                    ),
                ));
            }
            (None, Some(seed)) => (seed, None),
            (None, None) => (tingjian_sampling::fresh_seed()?, None),
        };
        // Whole microseconds, as the log stores instants: the recorded moment is then exactly the
        // one a re-run uses.
        let now = self.clock().now();
        let drawn_at = jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
        let draw = tingjian_sampling::draw(&policy, &population, seed, drawn_at)?;
        events.push(Event::SampleDrawn { quarter, draw: draw.clone(), joint });
        self.record(events)?;
        Ok(draw)
    }

    /// Adds a call to the quarter's sample by hand, with a reason. The quarter must have a draw
    /// and not be closed; the complaint must be the quarter's, have a recording and not be in the
    /// sample; the reviewer must be in the policy. `due` defaults to the policy's due rule from
    /// today.
    pub fn add_to_sample(
        &mut self,
        quarter: QuarterId,
        complaint_number: &str,
        reviewer_id: &str,
        reason: &str,
        due: Option<Date>,
    ) -> Result<Assignment, VaultError> {
        self.refuse_unless(
            quarter,
            QuarterAction::AddByHand,
            &[None, Some(QuarterState::Planning), Some(QuarterState::Open)],
        )?;
        if self.draw_summary(quarter)?.is_none() {
            return Err(VaultError::NoDraw { quarter: quarter.to_string() });
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(VaultError::refused(
                "请写明手工添加的理由".to_owned(),
                "give the reason for adding the call by hand".to_owned(),
            ));
        }
        let policy = self.sampling_policy(quarter)?.unwrap_or_else(empty_policy);
        if !policy.reviewers.iter().any(|r| r.id == reviewer_id) {
            return Err(VaultError::refused(
                format!("抽样策略中没有听取人 {reviewer_id}"),
                format!("the sampling policy names no reviewer {reviewer_id:?}"),
            ));
        }
        let found: Option<(String, String, Option<String>)> = self
            .db()
            .query_row(
                "SELECT quarter, department, recording_hash FROM complaints WHERE number = ?1",
                [complaint_number],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let (department, recording_hash) = match found {
            None => {
                return Err(VaultError::refused(
                    format!("档案库中没有投诉 {complaint_number}"),
                    format!("the vault has no complaint {complaint_number}"),
                ));
            }
            Some((of, _, _)) if of != quarter.to_string() => {
                return Err(VaultError::refused(
                    format!("投诉 {complaint_number} 属于 {of} 季度，不属于 {quarter}"),
                    format!("complaint {complaint_number} belongs to {of}, not {quarter}"),
                ));
            }
            Some((_, _, None)) => {
                return Err(VaultError::refused(
                    format!("投诉 {complaint_number} 没有录音，无法听取"),
                    format!("complaint {complaint_number} has no recording to listen to"),
                ));
            }
            Some((_, department, Some(hash))) => (department, hash),
        };
        let id = crate::apply::assignment_id(&quarter.to_string(), complaint_number);
        let present: Option<String> =
            self.db().query_row("SELECT id FROM assignments WHERE id = ?1", [&id], |row| row.get(0)).optional()?;
        if present.is_some() {
            return Err(VaultError::refused(
                format!("投诉 {complaint_number} 已在本季度样本中"),
                format!("complaint {complaint_number} is already in the quarter's sample"),
            ));
        }
        let today = in_branch_zone(self.clock().now()).date();
        let due_date = match (due, policy.due) {
            (Some(date), _) | (None, DueRule::Date(date)) => date,
            (None, DueRule::DaysAfterDraw(days)) => today.checked_add(i64::from(days).days()).unwrap_or(today),
        };
        self.record(vec![Event::SampleAddedByHand {
            quarter,
            complaint_number: complaint_number.to_owned(),
            recording_hash,
            department,
            reviewer_id: reviewer_id.to_owned(),
            reason: reason.to_owned(),
            due_date: due_date.to_string(),
        }])?;
        self.assignments_where(quarter, "a.id = ?2", &id)?
            .pop()
            .ok_or_else(|| VaultError::Corrupt { seq: 0, reason: "the added assignment was not stored".to_owned() })
    }

    fn draw_summary(&self, quarter: QuarterId) -> Result<Option<DrawSummary>, VaultError> {
        let row: Option<(u64, String, String, String, String, u64, String)> = self
            .db()
            .query_row(
                "SELECT event_seq, seed, drawn_at, drawn_by, population_fingerprint, population_size, shortfalls
                 FROM sample_draws WHERE quarter = ?1",
                [quarter.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?)),
            )
            .optional()?;
        Ok(row.map(|(event_seq, seed, drawn_at, drawn_by, population_fingerprint, population_size, shortfalls)| {
            DrawSummary {
                event_seq,
                seed,
                drawn_at,
                drawn_by,
                population_fingerprint,
                population_size,
                // An unreadable column is an edit that verify names; here it shows as no shortfall.
                shortfalls: serde_json::from_str(&shortfalls).unwrap_or_default(),
            }
        }))
    }

    /// The assignments of a quarter matching `condition` (on alias `a`; `?2` is `argument`), by due
    /// date, with each reviewer's coverage.
    fn assignments_where(
        &self,
        quarter: QuarterId,
        condition: &str,
        argument: &str,
    ) -> Result<Vec<Assignment>, VaultError> {
        let names: BTreeMap<String, String> = self
            .sampling_policy(quarter)
            .ok()
            .flatten()
            .map(|p| p.reviewers.into_iter().map(|r| (r.id, r.display_name)).collect())
            .unwrap_or_default();
        let mut statement = self.db().prepare(&format!(
            "SELECT a.complaint_number, a.recording_hash, a.department, a.stratum, a.reviewer_id, a.due_date,
             a.selected_by, a.mandatory, a.added_by_hand FROM assignments a
             WHERE a.quarter = ?1 AND ({condition}) ORDER BY a.due_date, a.complaint_number"
        ))?;
        let rows: Vec<[Option<String>; 9]> = statement
            .query_map(params![quarter.to_string(), argument], |row| {
                Ok([
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                    row.get(7)?,
                    row.get(8)?,
                ])
            })?
            .collect::<Result<_, _>>()?;
        let today = in_branch_zone(self.clock().now()).date();
        let mut out = Vec::with_capacity(rows.len());
        for [number, hash, department, stratum, reviewer, due, selected, mandatory, by_hand] in rows {
            let (number, hash, reviewer, due) = (
                number.unwrap_or_default(),
                hash.unwrap_or_default(),
                reviewer.unwrap_or_default(),
                due.unwrap_or_default(),
            );
            let coverage_percent = match self.listening_coverage(&hash, Some(&reviewer)) {
                Ok(coverage) => coverage.percent,
                // A recording gone from the table is verify's to report; here it is unheard.
                Err(VaultError::RecordingNotFound { .. }) => 0.0,
                Err(error) => return Err(error),
            };
            let listened = coverage_percent >= LISTENED_PERCENT;
            let overdue = !listened && due.parse::<Date>().is_ok_and(|due| due < today);
            out.push(Assignment {
                reviewer_name: names.get(&reviewer).cloned().unwrap_or_else(|| reviewer.clone()),
                complaint_number: number,
                recording_hash: hash,
                department: department.unwrap_or_default(),
                stratum: stratum.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
                reviewer_id: reviewer,
                due_date: due,
                selected_by: selected.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Selection::ByHand),
                mandatory: mandatory.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
                added_by_hand: by_hand,
                coverage_percent,
                listened,
                overdue,
            });
        }
        Ok(out)
    }

    /// The quarter's state, policy, current draw and assignments.
    pub fn quarter_sample(&self, quarter: QuarterId) -> Result<QuarterSample, VaultError> {
        Ok(QuarterSample {
            quarter: quarter.to_string(),
            state: self.quarter_state(quarter)?,
            policy: self.sampling_policy(quarter)?,
            draw: self.draw_summary(quarter)?,
            readiness: self.draw_readiness(quarter)?,
            assignments: self.assignments_where(quarter, "1 = 1 OR ?2 = ''", "")?,
        })
    }

    /// The coordinator's dashboard: the sample, and progress per reviewer and per department.
    pub fn quarter_dashboard(&self, quarter: QuarterId) -> Result<QuarterDashboard, VaultError> {
        let sample = self.quarter_sample(quarter)?;
        let mut reviewers: Vec<ReviewerProgress> = sample
            .policy
            .iter()
            .flat_map(|p| &p.reviewers)
            .map(|r| ReviewerProgress {
                reviewer_id: r.id.clone(),
                display_name: r.display_name.clone(),
                assigned: 0,
                listened: 0,
                reflected: 0,
                overdue: 0,
            })
            .collect();
        let mut departments: BTreeMap<String, DepartmentProgress> = BTreeMap::new();
        let mut statement =
            self.db().prepare("SELECT department, COUNT(*) FROM complaints WHERE quarter = ?1 GROUP BY department")?;
        for row in statement.query_map([quarter.to_string()], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))? {
            let (department, complaints) = row?;
            departments
                .insert(department.clone(), DepartmentProgress { department, complaints, sampled: 0, reviewed: 0 });
        }
        let mut statement = self.db().prepare("SELECT DISTINCT complaint_number, person FROM reflections")?;
        let reflections: std::collections::BTreeSet<(String, String)> =
            statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
        for call in &sample.assignments {
            let index = match reviewers.iter().position(|r| r.reviewer_id == call.reviewer_id) {
                Some(index) => index,
                None => {
                    reviewers.push(ReviewerProgress {
                        reviewer_id: call.reviewer_id.clone(),
                        display_name: call.reviewer_name.clone(),
                        assigned: 0,
                        listened: 0,
                        reflected: 0,
                        overdue: 0,
                    });
                    reviewers.len() - 1
                }
            };
            let reviewer = &mut reviewers[index];
            reviewer.assigned += 1;
            reviewer.listened += u32::from(call.listened);
            reviewer.reflected +=
                u32::from(reflections.contains(&(call.complaint_number.clone(), call.reviewer_id.clone())));
            reviewer.overdue += u32::from(call.overdue);
            let department = departments.entry(call.department.clone()).or_insert_with(|| DepartmentProgress {
                department: call.department.clone(),
                complaints: 0,
                sampled: 0,
                reviewed: 0,
            });
            department.sampled += 1;
            department.reviewed += u32::from(call.listened);
        }
        let listened = sample.assignments.iter().filter(|a| a.listened).count();
        let listened_percent = percent(listened, sample.assignments.len());
        Ok(QuarterDashboard { sample, reviewers, departments: departments.into_values().collect(), listened_percent })
    }

    /// A reviewer's calls this quarter, by due date.
    pub fn my_assignments(&self, quarter: QuarterId, person: &str) -> Result<MyAssignments, VaultError> {
        let assignments = self.assignments_where(quarter, "a.reviewer_id = ?2", person)?;
        let reviewed = assignments.iter().filter(|a| a.listened).count() as u32;
        let coverage_percent = if assignments.is_empty() {
            0.0
        } else {
            assignments.iter().map(|a| a.coverage_percent).sum::<f64>() / assignments.len() as f64
        };
        Ok(MyAssignments {
            quarter: quarter.to_string(),
            person: person.to_owned(),
            assigned: assignments.len() as u32,
            reviewed,
            coverage_percent,
            assignments,
        })
    }

    /// Re-runs the quarter's current draw from the inputs its event recorded, on today's population,
    /// and compares the result with the assignments table; also compares the sampling tables with
    /// the log's replay. An assignment edited behind the app's back shows in both.
    pub fn verify_sample(&self, quarter: QuarterId) -> Result<SampleVerification, VaultError> {
        let summary = self.draw_summary(quarter)?.ok_or_else(|| VaultError::NoDraw { quarter: quarter.to_string() })?;
        let entry = crate::event::read_at(self.db(), summary.event_seq)?.ok_or_else(|| VaultError::Corrupt {
            seq: summary.event_seq,
            reason: "the draw's event is missing".into(),
        })?;
        let mut recorded = match entry.decode() {
            Ok(Event::SampleDrawn { draw, .. }) => draw,
            _ => {
                return Err(VaultError::Corrupt {
                    seq: summary.event_seq,
                    reason: "the event the draw row names is not a draw".into(),
                });
            }
        };
        // The sample under test is what the tables hold now, so a row edited with sqlite3 is
        // compared with what the rules give; the inputs (seed, policy, moment) come from the
        // hash-chained event, which verify's chain check protects.
        recorded.sample = self
            .assignments_where(quarter, "1 = 1 OR ?2 = ''", "")?
            .into_iter()
            .map(|a| SampledCall {
                complaint_number: a.complaint_number,
                recording_hash: a.recording_hash,
                department: a.department,
                stratum: a.stratum,
                mandatory: a.mandatory,
                selected_by: a.selected_by,
                reviewer_id: a.reviewer_id,
                due_date: a.due_date.parse().unwrap_or_default(),
                added_by_hand: a.added_by_hand,
            })
            .collect();
        recorded.sample.sort_by(|a, b| a.complaint_number.cmp(&b.complaint_number));
        let population = self.sampling_population(quarter)?;
        let verification = tingjian_sampling::verify_draw(&recorded, &population);
        let table_problems: Vec<VerifyProblem> = crate::verify::projection_problems(self)?
            .into_iter()
            .filter(|p| p.table.as_deref().is_some_and(|t| SAMPLING_TABLES.contains(&t)))
            .collect();
        Ok(SampleVerification {
            quarter: quarter.to_string(),
            matches: verification.matches && table_problems.is_empty(),
            draw_event_seq: summary.event_seq,
            seed: summary.seed,
            verification,
            table_problems,
        })
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

fn bind_policy(quarter: QuarterId, mut policy: Policy) -> Result<Policy, VaultError> {
    match policy.quarter_id() {
        Some(named) if named != quarter => {
            return Err(VaultError::Refused {
                message_zh: format!("该策略写明用于 {named} 季度，不能用于 {quarter}"),
                message_en: format!("the policy is written for {named}, not {quarter}"),
            });
        }
        _ => policy.quarter = Some(quarter.to_string()),
    }
    policy.validate()?;
    Ok(policy)
}

fn empty_policy() -> Policy {
    Policy {
        quarter: None,
        due: DueRule::DaysAfterDraw(30),
        reviewers: Vec::new(),
        strata: Default::default(),
        mandatory: Default::default(),
        exclusions: Default::default(),
        preferred_duration: None,
    }
}
