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
    let m = vault.handling_metrics(QuarterId::new(2026, 4).expect("quarter"), usize::MAX).expect("metrics");
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
    assert_eq!(numbers(&m.late_responses.listed), ["B", "C"]);
    assert_eq!(m.late_responses.listed[0].response, ResponseOutcome::Late { seconds: 3601 });
    assert_eq!(m.late_responses.listed[1].response, ResponseOutcome::Missing);
    assert_eq!(numbers(&m.late_handling.listed), ["B", "C"]);
    assert_eq!(m.late_handling.listed[1].handling, HandlingOutcome::Overdue { days_late: 14 });
    assert_eq!(numbers(&m.data_problems.listed), ["D"]);
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
    let m = vault.handling_metrics(quarter, usize::MAX).expect("metrics");
    assert_eq!(m.branch.overdue, 0, "C is within its extended limit");
    assert_eq!(
        m.open.listed.iter().map(|f| (f.complaint_number.as_str(), f.limit_days)).collect::<Vec<_>>(),
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

/// A group's complaints; responses due, on time, missing; decided, on time; overdue.
type Counts = (u32, u32, u32, u32, u32, u32, u32);

/// The figures count settled outcomes from stored tallies and judge only the running clocks at the
/// moment asked; here they are recomputed the slow way, complaint by complaint through the clocks
/// (`complaint_clocks`), on four hundred complaints with random times, some stored twice with a new
/// department or decision (as a re-import does), extended and paused, and judged at several
/// moments. Every figure by department and month agrees, and so do the lists' totals.
#[test]
fn the_stored_tallies_agree_with_each_complaints_clocks() {
    use std::collections::BTreeMap;
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    let clock = |local: &str| Arc::new(FixedClock(stored(local).parse().expect("instant")));
    let mut vault = Vault::create_with_clock(&dir, "li", clock("2026-11-20T10:00:00")).expect("create");
    let quarter = QuarterId::new(2026, 4).expect("quarter");
    let start: jiff::Timestamp = stored("2026-09-30T20:00:00").parse().expect("start");
    let mut random = fastrand::Rng::with_seed(15);
    let departments = ["信用卡中心", "城东支行", "城西支行"];
    let at = |seconds: i64| tingjian_vault::event::format_instant(start + jiff::SignedDuration::from_secs(seconds));
    let mut numbers = Vec::new();
    let mut events = Vec::new();
    for index in 0..400 {
        let number = format!("R{index:04}");
        let accepted = random.i64(0..60 * 86_400);
        let dispatched = random.bool().then(|| accepted + random.i64(0..1_800));
        let clock_start = dispatched.unwrap_or(accepted);
        let response = (random.u8(..4) > 0).then(|| clock_start + random.i64(-600..7_200));
        let resolved = (random.u8(..3) > 0).then(|| accepted + random.i64(-3_600..25 * 86_400));
        let complaint = tingjian_core::model::Complaint {
            department: departments[random.usize(..departments.len())].to_owned(),
            accepted_at: at(accepted),
            dispatched_at: dispatched.map(at),
            first_response_at: response.map(at),
            resolved_at: resolved.map(at),
            ..complaint(&number)
        };
        if random.u8(..8) == 0 {
            // Stored twice: the second import moves it and, sometimes, decides it.
            let mut again = complaint.clone();
            again.department = departments[random.usize(..departments.len())].to_owned();
            again.resolved_at = again.resolved_at.or_else(|| random.bool().then(|| at(accepted + 10 * 86_400)));
            events.push(Event::ComplaintRecorded { complaint });
            events.push(Event::ComplaintRecorded { complaint: again });
        } else {
            events.push(Event::ComplaintRecorded { complaint });
        }
        numbers.push(number);
    }
    vault.record(events).expect("record");
    for number in numbers.iter().step_by(7) {
        let clocks = vault.complaint_clocks(number).expect("clocks");
        if clocks.handling.counts().is_none() {
            let days = if random.bool() { 30 } else { 60 };
            vault.extend_handling(number, days, Some("分行行长").filter(|_| days == 60), "情况复杂").expect("extend");
        }
    }
    for number in numbers.iter().step_by(5) {
        let from = start + jiff::SignedDuration::from_secs(random.i64(0..50 * 86_400));
        let to = random.bool().then(|| from + jiff::SignedDuration::from_secs(random.i64(3_600..9 * 86_400)));
        vault.pause_handling(number, from, to, "外部鉴定").expect("pause");
    }

    drop(vault);
    let db = rusqlite::Connection::open(dir.join(tingjian_vault::DATABASE_FILE)).expect("db");
    for judged in ["2026-11-20T10:00:00", "2026-12-15T00:00:00", "2027-02-01T09:00:00"] {
        let vault = Vault::open_with_clock(&dir, "li", clock(judged)).expect("open");
        let m = vault.handling_metrics(quarter, 3).expect("metrics");
        // The slow way: each complaint's clocks, counted by department and month.
        let mut by_department: BTreeMap<String, Counts> = BTreeMap::new();
        let mut by_month: BTreeMap<String, Counts> = BTreeMap::new();
        let (mut late_responses, mut late_handling, mut open, mut problems) = (0, 0, 0, 0);
        for number in &numbers {
            let clocks = vault.complaint_clocks(number).expect("clocks");
            let (department, accepted): (String, String) = db
                .query_row("SELECT department, accepted_at FROM complaints WHERE number = ?1", [number], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .expect("complaint");
            let accepted: jiff::Timestamp = accepted.parse().expect("accepted");
            if QuarterId::of_instant(accepted) != quarter {
                continue;
            }
            let local = tingjian_core::time::in_branch_zone(accepted);
            let month = format!("{}-{:02}", local.year(), local.month());
            let response = clocks.response.counts();
            let handling = clocks.handling.counts();
            let overdue = matches!(clocks.handling, HandlingOutcome::Overdue { .. });
            for figures in [by_department.entry(department.clone()).or_default(), by_month.entry(month).or_default()] {
                figures.0 += 1;
                figures.1 += u32::from(response.is_some());
                figures.2 += u32::from(response == Some(true));
                figures.3 += u32::from(clocks.response == ResponseOutcome::Missing);
                figures.4 += u32::from(handling.is_some());
                figures.5 += u32::from(handling == Some(true));
                figures.6 += u32::from(overdue);
            }
            late_responses += u32::from(response == Some(false));
            late_handling += u32::from(handling == Some(false) || overdue);
            open += u32::from(matches!(clocks.handling, HandlingOutcome::Open { .. }));
            problems += u32::from(
                clocks.response == ResponseOutcome::BeforeStart
                    || clocks.handling == HandlingOutcome::ResolvedBeforeAccepted,
            );
        }
        let figures = |groups: &[tingjian_vault::GroupFigures]| {
            groups
                .iter()
                .map(|g| {
                    let f = &g.figures;
                    let counts = (
                        f.complaints,
                        f.response_due,
                        f.response_on_time,
                        f.response_missing,
                        f.decided,
                        f.decided_on_time,
                        f.overdue,
                    );
                    (g.key.clone(), counts)
                })
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(figures(&m.by_department), by_department, "by department, judged at {judged}");
        assert_eq!(figures(&m.by_month), by_month, "by month, judged at {judged}");
        assert_eq!(
            (m.late_responses.total, m.late_handling.total, m.open.total, m.data_problems.total),
            (late_responses, late_handling, open, problems),
            "the lists' totals, judged at {judged}"
        );
        assert!(m.late_handling.total > 3 && m.late_handling.listed.len() == 3, "three listed of more");
        for listed in &m.late_handling.listed {
            let clocks = vault.complaint_clocks(&listed.complaint_number).expect("clocks");
            assert_eq!((listed.response, listed.handling), (clocks.response, clocks.handling));
        }
    }
    let vault = Vault::open(&dir, "auditor").expect("open");
    assert_eq!(vault.verify().expect("verify").problems, Vec::new(), "replay writes the same columns and tallies");
    drop(vault);

    // A tally edited behind the vault's back is named by `verify`.
    db.execute(
        "UPDATE clock_tallies SET complaints = complaints + 5 WHERE tally = (SELECT min(tally) FROM clock_tallies)",
        [],
    )
    .expect("edit");
    drop(db);
    let vault = Vault::open(&dir, "auditor").expect("open");
    let report = vault.verify().expect("verify");
    assert!(
        report.problems.iter().any(|p| p.table.as_deref() == Some("clock_tallies")),
        "the edited tally is named: {:#?}",
        report.problems
    );
}

/// An export without response or decision times gives no rate for that clock: "—" with the reason,
/// not 0 % (every complaint would otherwise count as unanswered and overdue).
#[test]
fn a_quarter_without_any_response_or_decision_time_says_its_rates_cannot_be_computed() {
    let temp = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock(stored("2026-12-01T10:00:00").parse().expect("now")));
    let mut vault = Vault::create_with_clock(&temp.path().join("v"), "li", clock).expect("create");
    let events = ["N1", "N2"]
        .iter()
        .map(|number| Event::ComplaintRecorded {
            complaint: tingjian_core::model::Complaint {
                accepted_at: stored("2026-10-09T09:00:00"),
                ..complaint(number)
            },
        })
        .collect();
    vault.record(events).expect("record");
    let m = vault.handling_metrics(QuarterId::new(2026, 4).expect("quarter"), usize::MAX).expect("metrics");
    assert_eq!((m.branch.response_rate, m.branch.handling_rate), (None, None));
    assert!(m.by_department.iter().all(|g| g.figures.response_rate.is_none() && g.figures.handling_rate.is_none()));
    let figures: Vec<&str> = m.unavailable.iter().map(|u| u.figure.as_str()).collect();
    assert_eq!(figures, ["response", "handling"]);
    assert!(m.unavailable[0].reason_zh.contains("首次响应时间"), "{:?}", m.unavailable[0]);

    // One answered complaint is enough for the rate to mean something.
    let mut answered = complaint("N3");
    answered.accepted_at = stored("2026-10-10T09:00:00");
    answered.first_response_at = Some(stored("2026-10-10T09:20:00"));
    vault.record(vec![Event::ComplaintRecorded { complaint: answered }]).expect("record");
    let m = vault.handling_metrics(QuarterId::new(2026, 4).expect("quarter"), usize::MAX).expect("metrics");
    assert_eq!(m.unavailable.iter().map(|u| u.figure.as_str()).collect::<Vec<_>>(), ["handling"]);
    assert!(m.branch.response_rate.is_some_and(|r| (r - 100.0 / 3.0).abs() < 1e-9), "{:?}", m.branch.response_rate);
}
