//! The quarter's complaint-handling figures on a fixture computed by hand: five complaints whose
//! times sit on the clocks' edges (60:00 and 60:01, 15 days and a second more, no response, a
//! response before acceptance, one still within its hour), by department and by month.

use std::sync::Arc;

use tingjian_core::QuarterId;
use tingjian_core::clocks::{HandlingOutcome, ResponseOutcome};
use tingjian_core::time::FixedClock;
use tingjian_vault::{Event, Vault};

mod common;
use common::complaint;

/// A branch time (UTC+8) as the log stores instants.
fn stored(local: &str) -> String {
    let at: jiff::Timestamp = format!("{local}+08:00").parse().expect("instant");
    tingjian_vault::event::format_instant(at)
}

struct Times<'a> {
    number: &'a str,
    department: &'a str,
    accepted: &'a str,
    dispatched: Option<&'a str>,
    response: Option<&'a str>,
    resolved: Option<&'a str>,
}

/// A vault judged at 10:00 on 1 December (branch time) holding the five complaints below.
fn fixture_vault(dir: &std::path::Path) -> Vault {
    let clock = Arc::new(FixedClock(stored("2026-12-01T10:00:00").parse().expect("now")));
    let mut vault = Vault::create_with_clock(&dir.join("v"), "li", clock).expect("create");
    let fixture = [
        // Answered exactly 60:00 after dispatch, decided in 11 days.
        Times {
            number: "A",
            department: "信用卡中心",
            accepted: "2026-10-09T09:00:00",
            dispatched: Some("2026-10-09T09:10:00"),
            response: Some("2026-10-09T10:10:00"),
            resolved: Some("2026-10-20T09:00:00"),
        },
        // Accepted just before midnight at the month's end: answered 60:01 later, decided 15 days
        // and a second later.
        Times {
            number: "B",
            department: "信用卡中心",
            accepted: "2026-10-31T23:30:00",
            dispatched: None,
            response: Some("2026-11-01T00:30:01"),
            resolved: Some("2026-11-15T23:30:01"),
        },
        // Never answered, still open 29 days later.
        Times {
            number: "C",
            department: "城东支行",
            accepted: "2026-11-02T10:00:00",
            dispatched: None,
            response: None,
            resolved: None,
        },
        // A response dated before acceptance: a data problem, left out of the response rate.
        Times {
            number: "D",
            department: "城东支行",
            accepted: "2026-11-20T10:00:00",
            dispatched: None,
            response: Some("2026-11-20T09:00:00"),
            resolved: Some("2026-11-25T10:00:00"),
        },
        // Accepted half an hour ago: its hour is not over.
        Times {
            number: "E",
            department: "城东支行",
            accepted: "2026-12-01T09:30:00",
            dispatched: None,
            response: None,
            resolved: None,
        },
    ];
    let events = fixture
        .iter()
        .map(|t| Event::ComplaintRecorded {
            complaint: tingjian_core::model::Complaint {
                department: t.department.to_owned(),
                accepted_at: stored(t.accepted),
                dispatched_at: t.dispatched.map(stored),
                first_response_at: t.response.map(stored),
                resolved_at: t.resolved.map(stored),
                ..complaint(t.number)
            },
        })
        .collect();
    vault.record(events).expect("record");
    vault
}

#[test]
fn figures_by_department_and_month_match_the_hand_computed_ones() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = fixture_vault(temp.path());
    let m = vault.handling_metrics(QuarterId::new(2026, 4).expect("quarter")).expect("metrics");
    let b = &m.branch;
    assert_eq!(
        (b.complaints, b.response_due, b.response_on_time, b.response_missing),
        (5, 3, 1, 1),
        "due: A on time, B late, C missing; D and E left out"
    );
    assert_eq!((b.decided, b.decided_on_time, b.overdue), (3, 2, 1), "decided: A, D on time, B late; C overdue");
    assert_eq!(b.response_rate.map(|r| (r * 100.0).round() / 100.0), Some(33.33));
    assert_eq!(b.handling_rate.map(|r| (r * 100.0).round() / 100.0), Some(66.67));

    let by = |groups: &[tingjian_vault::GroupFigures]| -> Vec<(String, u32, u32, u32, u32, u32, u32)> {
        groups
            .iter()
            .map(|g| {
                let f = &g.figures;
                (
                    g.key.clone(),
                    f.complaints,
                    f.response_on_time,
                    f.response_due,
                    f.decided_on_time,
                    f.decided,
                    f.overdue,
                )
            })
            .collect()
    };
    assert_eq!(
        by(&m.by_department),
        vec![("城东支行".to_owned(), 3, 0, 1, 1, 1, 1), ("信用卡中心".to_owned(), 2, 1, 2, 1, 2, 0)]
    );
    assert_eq!(
        by(&m.by_month),
        vec![
            ("2026-10".to_owned(), 2, 1, 2, 1, 2, 0),
            ("2026-11".to_owned(), 2, 0, 1, 1, 1, 1),
            ("2026-12".to_owned(), 1, 0, 0, 0, 0, 0)
        ],
        "B was accepted at 23:30 on 31 October, branch time"
    );

    let numbers =
        |list: &[tingjian_vault::ClockFinding]| list.iter().map(|f| f.complaint_number.clone()).collect::<Vec<_>>();
    assert_eq!(numbers(&m.late_responses), ["B", "C"]);
    assert_eq!(m.late_responses[0].response, ResponseOutcome::Late { seconds: 3601 });
    assert_eq!(m.late_responses[1].response, ResponseOutcome::Missing);
    assert_eq!(numbers(&m.late_handling), ["B", "C"]);
    assert_eq!(m.late_handling[1].handling, HandlingOutcome::Overdue { days_late: 14 });
    assert_eq!(numbers(&m.data_problems), ["D"]);
    assert_eq!(m.without_dispatch_time, 4);
}

#[test]
fn an_extension_and_a_pause_move_the_handling_clock_and_their_rules_hold() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = fixture_vault(temp.path());
    let quarter = QuarterId::new(2026, 4).expect("quarter");
    // C has been open 29 days: 14 days overdue under the 15-day limit.
    let no_approver = vault.extend_handling("C", 60, None, "情况特别复杂").expect_err("60 days need an approver");
    assert!(no_approver.to_string().contains("approved"), "{no_approver}");
    let odd = vault.extend_handling("C", 45, None, "情况复杂").expect_err("30 or 60 only");
    assert!(odd.to_string().contains("30 or 60"), "{odd}");
    let decided = vault.extend_handling("A", 30, None, "情况复杂").expect_err("A is decided");
    assert!(decided.to_string().contains("decided"), "{decided}");
    let extended = vault.extend_handling("C", 30, None, "需调取多个网点的监控录像").expect("extended");
    assert_eq!((extended.limit_days, extended.handling), (30, HandlingOutcome::Open { days_left: 1 }));
    let m = vault.handling_metrics(quarter).expect("metrics");
    assert_eq!(m.branch.overdue, 0, "C is within its extended limit");
    assert_eq!(
        m.open.iter().map(|f| (f.complaint_number.as_str(), f.limit_days)).collect::<Vec<_>>(),
        [("C", 30), ("E", 15)]
    );

    // E: an external appraisal from 09:40 until 09:50 is not counted.
    let wrong = vault
        .pause_handling(
            "E",
            "2026-12-01T01:50:00Z".parse().expect("t"),
            Some("2026-12-01T01:40:00Z".parse().expect("t")),
            "外部鉴定",
        )
        .expect_err("ends before it begins");
    assert!(wrong.to_string().contains("end after"), "{wrong}");
    let paused = vault
        .pause_handling("E", "2026-12-01T01:40:00Z".parse().expect("t"), None, "委托外部机构鉴定签名真伪")
        .expect("paused");
    assert_eq!(paused.pauses.len(), 1);
    let ended = vault
        .pause_handling(
            "E",
            "2026-12-01T01:40:00Z".parse().expect("t"),
            Some("2026-12-01T01:50:00Z".parse().expect("t")),
            "委托外部机构鉴定签名真伪",
        )
        .expect("pause ended");
    assert_eq!(ended.pauses.len(), 1, "the same pause, now ended");
    assert_eq!(ended.pauses[0].to.as_deref(), Some("2026-12-01T01:50:00.000000Z"));
    assert_eq!(vault.verify().expect("verify").problems, Vec::new(), "the steps replay");
}
