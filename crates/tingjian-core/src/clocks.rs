//! The two clocks a branch is held to for every complaint (银行业保险业消费投诉处理管理办法, 2020):
//! the **one-hour response** to a forwarded complaint, and the **handling limit** of 15 days from
//! acceptance (30 for a complex case, 60 with approval from above; time for an external appraisal
//! is not counted). One definition of each, used by the metrics, the sampling policy's "past the
//! 15-day limit", the CLI and the report.
//!
//! Edge rules (ARCHITECTURE.md, "Complaint-handling clocks"):
//! - the response clock starts at the forwarding time (转办时间), or at acceptance when the export
//!   has none; a first response exactly 60:00 later is on time, 60:01 is late; a complaint with no
//!   response is late once its hour has passed and pending before; a response dated before the
//!   clock's start is a data problem, left out of the rate and listed;
//! - the handling clock counts whole 24-hour days from the acceptance instant (so a limit of 15 days
//!   ends exactly 360 hours later, and a decision at that instant is on time), plus the length of
//!   every pause; an unresolved complaint past its limit is overdue by the days begun since.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A forwarded complaint must have a first response within this.
pub const RESPONSE_LIMIT: SignedDuration = SignedDuration::from_secs(60 * 60);

/// The handling limits the rule allows, in days: the standard one, then each extension.
pub const HANDLING_LIMIT_DAYS: u32 = 15;
pub const EXTENDED_LIMIT_DAYS: u32 = 30;
pub const APPROVED_LIMIT_DAYS: u32 = 60;

/// The one-hour response clock of one complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ResponseOutcome {
    /// Answered within the hour.
    OnTime {
        #[ts(type = "number")]
        seconds: i64,
    },
    /// Answered after the hour.
    Late {
        #[ts(type = "number")]
        seconds: i64,
    },
    /// Not answered, and the hour has passed.
    Missing,
    /// Not answered yet, within the hour.
    Pending,
    /// The response is dated before the clock's start: the export is wrong somewhere.
    BeforeStart,
}

impl ResponseOutcome {
    /// Whether it counts in the timely-response rate, and as on time.
    pub fn counts(self) -> Option<bool> {
        match self {
            ResponseOutcome::OnTime { .. } => Some(true),
            ResponseOutcome::Late { .. } | ResponseOutcome::Missing => Some(false),
            ResponseOutcome::Pending | ResponseOutcome::BeforeStart => None,
        }
    }
}

/// The response clock: from `forwarded_at` (else `accepted_at`) to `first_response_at`, judged at
/// `as_of` when there is no response yet.
pub fn response_clock(
    accepted_at: Timestamp,
    forwarded_at: Option<Timestamp>,
    first_response_at: Option<Timestamp>,
    as_of: Timestamp,
) -> ResponseOutcome {
    let start = forwarded_at.unwrap_or(accepted_at);
    match first_response_at {
        Some(response) if response < start => ResponseOutcome::BeforeStart,
        Some(response) => {
            let taken = response.duration_since(start);
            let seconds = taken.as_secs();
            if taken <= RESPONSE_LIMIT {
                ResponseOutcome::OnTime { seconds }
            } else {
                ResponseOutcome::Late { seconds }
            }
        }
        None if as_of.duration_since(start) > RESPONSE_LIMIT => ResponseOutcome::Missing,
        None => ResponseOutcome::Pending,
    }
}

/// A pause of the handling clock (an external appraisal): its time is not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: Timestamp,
    /// `None` while the pause lasts.
    pub to: Option<Timestamp>,
}

/// The handling clock of one complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HandlingOutcome {
    /// Decided within its limit.
    OnTime { days_used: u32 },
    /// Decided after its limit.
    Late { days_late: u32 },
    /// Not decided, and past its limit.
    Overdue { days_late: u32 },
    /// Not decided, within its limit.
    Open { days_left: u32 },
    /// Decided before it was accepted: the export is wrong somewhere.
    ResolvedBeforeAccepted,
}

impl HandlingOutcome {
    /// Whether it counts in the on-time handling rate (decided complaints only), and as on time.
    pub fn counts(self) -> Option<bool> {
        match self {
            HandlingOutcome::OnTime { .. } => Some(true),
            HandlingOutcome::Late { .. } => Some(false),
            HandlingOutcome::Overdue { .. }
            | HandlingOutcome::Open { .. }
            | HandlingOutcome::ResolvedBeforeAccepted => None,
        }
    }
}

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// Whole days begun in `duration` (a second into a day counts it).
fn days_begun(duration: SignedDuration) -> u32 {
    let secs = u64::try_from(duration.as_secs()).unwrap_or(0);
    let day = DAY.as_secs().unsigned_abs();
    u32::try_from(secs.div_ceil(day)).unwrap_or(u32::MAX)
}

/// The paused time within `[start, end]`. Pauses that overlap count their common time once: the
/// clock is stopped or it is not.
fn paused_within(pauses: &[Pause], start: Timestamp, end: Timestamp) -> SignedDuration {
    let mut spans: Vec<(Timestamp, Timestamp)> = pauses
        .iter()
        .filter_map(|pause| {
            let from = pause.from.max(start);
            let to = pause.to.unwrap_or(end).min(end);
            (to > from).then_some((from, to))
        })
        .collect();
    spans.sort_unstable();
    let mut total = SignedDuration::ZERO;
    let mut reached = start;
    for (from, to) in spans {
        let from = from.max(reached);
        if to > from {
            total = total.saturating_add(to.duration_since(from));
            reached = to;
        }
    }
    total
}

/// The instant an undecided complaint's limit is used up: after it, [`handling_clock`] says
/// overdue, at it and before, open. `None` while a pause that began before then lasts. The
/// quarter's figures store it, so "overdue now" is a comparison instead of a clock per complaint.
pub fn handling_due(accepted_at: Timestamp, limit_days: u32, pauses: &[Pause]) -> Option<Timestamp> {
    let mut spans: Vec<(Timestamp, Option<Timestamp>)> = pauses
        .iter()
        .filter(|pause| pause.to.is_none_or(|to| to > accepted_at))
        .map(|pause| (pause.from.max(accepted_at), pause.to))
        .collect();
    spans.sort_unstable_by_key(|span| span.0);
    let mut at = accepted_at;
    let mut remaining = SignedDuration::from_hours(24 * i64::from(limit_days));
    for (from, to) in spans {
        if from > at {
            let running = from.duration_since(at);
            if running > remaining {
                return at.checked_add(remaining).ok();
            }
            remaining = remaining.saturating_sub(running);
            at = from;
        }
        at = at.max(to?);
    }
    at.checked_add(remaining).ok()
}

/// The handling clock: `limit_days` whole days from `accepted_at`, not counting `pauses`, to
/// `resolved_at`, judged at `as_of` when it is still open.
pub fn handling_clock(
    accepted_at: Timestamp,
    resolved_at: Option<Timestamp>,
    limit_days: u32,
    pauses: &[Pause],
    as_of: Timestamp,
) -> HandlingOutcome {
    let end = resolved_at.unwrap_or(as_of);
    if resolved_at.is_some_and(|resolved| resolved < accepted_at) {
        return HandlingOutcome::ResolvedBeforeAccepted;
    }
    let counted = end.duration_since(accepted_at).saturating_sub(paused_within(pauses, accepted_at, end));
    let limit = SignedDuration::from_hours(24 * i64::from(limit_days));
    let over = counted.saturating_sub(limit);
    match resolved_at {
        Some(_) if over > SignedDuration::ZERO => HandlingOutcome::Late { days_late: days_begun(over) },
        Some(_) => HandlingOutcome::OnTime { days_used: days_begun(counted) },
        None if over > SignedDuration::ZERO => HandlingOutcome::Overdue { days_late: days_begun(over) },
        None => HandlingOutcome::Open { days_left: days_begun(limit.saturating_sub(counted)) },
    }
}

/// Whether a complaint was handled past the standard 15-day limit as seen at `as_of` (decided
/// late, or still open past it): the sampling policy's "past the 15-day limit".
pub fn past_handling_limit(accepted_at: Timestamp, resolved_at: Option<Timestamp>, as_of: Timestamp) -> bool {
    matches!(
        handling_clock(accepted_at, resolved_at, HANDLING_LIMIT_DAYS, &[], as_of),
        HandlingOutcome::Late { .. } | HandlingOutcome::Overdue { .. }
    )
}

/// A share of on-time cases in percent, `None` when none count.
pub fn rate(on_time: u64, counted: u64) -> Option<f64> {
    (counted > 0).then(|| on_time as f64 * 100.0 / counted as f64)
}
