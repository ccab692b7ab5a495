//! The complaint-handling clocks on a hand-computed table of boundary cases: the hour's last
//! second, midnight, month, quarter and year ends, a response before the start, none at all,
//! extensions to 30 and 60 days, and a pause for an external appraisal.

use jiff::Timestamp;
use proptest::prelude::*;
use tingjian_core::clocks::{
    APPROVED_LIMIT_DAYS, EXTENDED_LIMIT_DAYS, HANDLING_LIMIT_DAYS, HandlingOutcome, Pause, ResponseOutcome,
    handling_clock, handling_due, past_handling_limit, rate, response_clock,
};

/// A response case: accepted, forwarded, first response, judged at, and the outcome.
type ResponseCase = (&'static str, Option<&'static str>, Option<&'static str>, &'static str, ResponseOutcome);

/// A pause: from, and until (none while it lasts).
type PauseSpan = (&'static str, Option<&'static str>);

/// A handling case: resolved, limit in days, pauses, judged at, and the outcome.
type HandlingCase = (Option<&'static str>, u32, &'static [PauseSpan], &'static str, HandlingOutcome);

/// An instant written in the branch's zone (UTC+8), as exports write them.
fn at(text: &str) -> Timestamp {
    format!("{text}+08:00").parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn the_response_clock_on_its_boundaries() {
    use ResponseOutcome::*;
    // (accepted, forwarded, first response, judged at, outcome)
    let cases: &[ResponseCase] = &[
        ("2026-10-09T09:00:00", None, Some("2026-10-09T09:59:59"), "2026-10-10T00:00:00", OnTime { seconds: 3599 }),
        ("2026-10-09T09:00:00", None, Some("2026-10-09T10:00:00"), "2026-10-10T00:00:00", OnTime { seconds: 3600 }),
        ("2026-10-09T09:00:00", None, Some("2026-10-09T10:00:01"), "2026-10-10T00:00:00", Late { seconds: 3601 }),
        // The clock starts at forwarding when there is one.
        (
            "2026-10-09T08:00:00",
            Some("2026-10-09T09:00:00"),
            Some("2026-10-09T09:45:00"),
            "2026-10-10T00:00:00",
            OnTime { seconds: 2700 },
        ),
        // Across midnight, a month end, a quarter end and a year end.
        ("2026-10-31T23:30:00", None, Some("2026-11-01T00:29:59"), "2026-11-02T00:00:00", OnTime { seconds: 3599 }),
        ("2026-09-30T23:30:00", None, Some("2026-10-01T00:31:00"), "2026-10-02T00:00:00", Late { seconds: 3660 }),
        ("2026-12-31T23:45:00", None, Some("2027-01-01T00:45:00"), "2027-01-02T00:00:00", OnTime { seconds: 3600 }),
        // A response dated before the start; none yet within the hour; none past it.
        (
            "2026-10-09T09:00:00",
            Some("2026-10-09T09:30:00"),
            Some("2026-10-09T09:10:00"),
            "2026-10-10T00:00:00",
            BeforeStart,
        ),
        ("2026-10-09T09:00:00", None, None, "2026-10-09T09:59:00", Pending),
        ("2026-10-09T09:00:00", None, None, "2026-10-09T10:00:01", Missing),
        ("2026-10-09T08:00:00", Some("2026-10-09T09:00:00"), None, "2026-10-09T09:30:00", Pending),
    ];
    for (accepted, forwarded, response, judged, expected) in cases {
        let outcome = response_clock(at(accepted), forwarded.map(at), response.map(at), at(judged));
        assert_eq!(outcome, *expected, "accepted {accepted}, forwarded {forwarded:?}, response {response:?}");
    }
    assert_eq!(Missing.counts(), Some(false), "a missing response past its hour counts as late");
    assert_eq!(Pending.counts(), None);
    assert_eq!(BeforeStart.counts(), None, "a data problem is left out of the rate");
}

#[test]
fn the_handling_clock_on_its_boundaries() {
    use HandlingOutcome::*;
    let accepted = at("2026-09-20T10:00:00");
    let judged = at("2026-12-31T00:00:00");
    let cases: &[HandlingCase] = &[
        // Exactly 15 × 24 hours later is on time; a second more is a day late.
        (Some("2026-10-05T10:00:00"), HANDLING_LIMIT_DAYS, &[], "2026-12-31T00:00:00", OnTime { days_used: 15 }),
        (Some("2026-10-05T10:00:01"), HANDLING_LIMIT_DAYS, &[], "2026-12-31T00:00:00", Late { days_late: 1 }),
        // Open across the quarter's end.
        (None, HANDLING_LIMIT_DAYS, &[], "2026-10-01T09:00:00", Open { days_left: 5 }),
        (None, HANDLING_LIMIT_DAYS, &[], "2026-10-20T10:00:00", Overdue { days_late: 15 }),
        // Extended to 30, and with approval to 60.
        (Some("2026-10-19T09:00:00"), EXTENDED_LIMIT_DAYS, &[], "2026-12-31T00:00:00", OnTime { days_used: 29 }),
        (Some("2026-10-21T10:00:00"), EXTENDED_LIMIT_DAYS, &[], "2026-12-31T00:00:00", Late { days_late: 1 }),
        (Some("2026-11-04T10:00:00"), APPROVED_LIMIT_DAYS, &[], "2026-12-31T00:00:00", OnTime { days_used: 45 }),
        // Five days of external appraisal are not counted: 19 days elapsed, 14 counted.
        (
            Some("2026-10-09T10:00:00"),
            HANDLING_LIMIT_DAYS,
            &[("2026-09-25T10:00:00", Some("2026-09-30T10:00:00"))],
            "2026-12-31T00:00:00",
            OnTime { days_used: 14 },
        ),
        // An appraisal still under way stops the clock until now.
        (None, HANDLING_LIMIT_DAYS, &[("2026-09-22T10:00:00", None)], "2026-10-20T10:00:00", Open { days_left: 13 }),
        (Some("2026-09-19T10:00:00"), HANDLING_LIMIT_DAYS, &[], "2026-12-31T00:00:00", ResolvedBeforeAccepted),
    ];
    for (resolved, limit, pauses, judged_at, expected) in cases {
        let pauses: Vec<Pause> = pauses.iter().map(|(from, to)| Pause { from: at(from), to: to.map(at) }).collect();
        let outcome = handling_clock(accepted, resolved.map(at), *limit, &pauses, at(judged_at));
        assert_eq!(outcome, *expected, "resolved {resolved:?}, limit {limit}, pauses {pauses:?}");
    }
    assert!(past_handling_limit(accepted, None, judged));
    assert!(!past_handling_limit(accepted, Some(at("2026-10-05T10:00:00")), judged));
}

#[test]
fn a_rate_counts_only_what_is_due() {
    assert_eq!(rate(0, 0), None);
    assert_eq!(rate(123, 124).map(|r| (r * 100.0).round() / 100.0), Some(99.19));
}

/// An instant `seconds` after 2026-10-01 00:00 branch time.
fn after_start(seconds: i64) -> Timestamp {
    at("2026-10-01T00:00:00") + jiff::SignedDuration::from_secs(seconds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The stored due instant and the clock agree for every judging time: overdue exactly after
    /// it, open at it and before, with pauses that overlap, begin before acceptance, sit exactly
    /// on the deadline, or last.
    #[test]
    fn the_due_instant_is_where_the_clock_turns_overdue(
        limit in prop::sample::select(vec![HANDLING_LIMIT_DAYS, EXTENDED_LIMIT_DAYS, APPROVED_LIMIT_DAYS]),
        spans in prop::collection::vec((-5i64 * 86_400..70 * 86_400, prop::option::weighted(0.85, 1i64..20 * 86_400)), 0..4),
        judged in -86_400i64..140 * 86_400,
        on_the_deadline in any::<bool>(),
    ) {
        let accepted = after_start(0);
        let mut pauses: Vec<Pause> =
            spans.iter().map(|&(from, length)| Pause { from: after_start(from), to: length.map(|l| after_start(from + l)) }).collect();
        if on_the_deadline {
            // A pause beginning the very second the limit would run out.
            if let Some(due) = handling_due(accepted, limit, &pauses) {
                pauses.push(Pause { from: due, to: Some(due + jiff::SignedDuration::from_hours(5)) });
            }
        }
        let due = handling_due(accepted, limit, &pauses);
        let mut instants = vec![after_start(judged)];
        if let Some(due) = due {
            instants.extend([due, due - jiff::SignedDuration::from_micros(1), due + jiff::SignedDuration::from_micros(1)]);
        }
        for now in instants {
            let outcome = handling_clock(accepted, None, limit, &pauses, now);
            let overdue = matches!(outcome, HandlingOutcome::Overdue { .. });
            prop_assert_eq!(overdue, due.is_some_and(|due| now > due), "judged at {} with due {:?}: {:?}", now, due, outcome);
        }
    }
}
