//! Examples of the policy, the rules and the draw, one behaviour per test.

mod common;

use common::*;
use jiff::SignedDuration;
use tingjian_core::error::{Coded, ErrorCode};
use tingjian_core::model::{Complaint, Recording};
use tingjian_sampling::{
    Allocation, Dimension, Draw, DueRule, MandatoryKind, Policy, PopulationItem, Quota, Role, SamplingError, Selection,
    Severity, ShortfallKind, allocate_proportionally, derive_severity, draw, fresh_seed, is_escalated, is_overdue,
    phone_key, population_fingerprint, verify_draw,
};

const EXAMPLE_POLICY: &str = include_str!("../examples/policy.toml");

fn ok<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|error| panic!("unexpected failure: {error}"))
}

fn problems_of(policy: &Policy) -> Vec<String> {
    policy.problems().into_iter().map(|problem| problem.field).collect()
}

fn demo_population() -> Vec<PopulationItem> {
    let mut population: Vec<PopulationItem> =
        (0..40).map(|index| item(&format!("TS{index:04}"), DEPARTMENTS[index % DEPARTMENTS.len()])).collect();
    population[3].regulator_forwarded = true;
    population[7].escalated = true;
    population
}

#[test]
fn the_example_policy_reads_and_round_trips_through_toml_and_json() {
    let policy = ok(Policy::from_toml(EXAMPLE_POLICY));
    assert_eq!(policy.strata.by, vec![Dimension::Department]);
    assert_eq!(policy.due, DueRule::DaysAfterDraw(30));
    assert!(policy.reviewers.iter().any(|r| r.role == Role::President && r.min_calls >= 1));
    let toml = ok(policy.to_toml());
    assert_eq!(ok(Policy::from_toml(&toml)), policy, "TOML written:\n{toml}");
    assert_eq!(ok(Policy::from_json(&ok(policy.to_json()))), policy);
}

#[test]
fn quotas_and_a_fixed_due_date_read_from_toml() {
    let text = r#"
        due = { date = "2027-01-15" }
        [[reviewers]]
        id = "p"
        display_name = "张行长"
        role = "president"
        min_calls = 1
        [strata]
        by = ["department", "severity"]
        allocation = "quotas"
        other_strata_calls = 1
        [[strata.quotas]]
        department = "城东支行"
        severity = "high"
        calls = 3
    "#;
    let policy = ok(Policy::from_toml(text));
    assert_eq!(policy.due, DueRule::Date(jiff::civil::date(2027, 1, 15)));
    assert_eq!(policy.strata.allocation, Allocation::Quotas);
    assert_eq!(policy.strata.quotas[0].severity, Some(Severity::High));
    assert_eq!(ok(Policy::from_toml(&ok(policy.to_toml()))), policy);
}

#[test]
fn unreadable_toml_and_unknown_keys_are_input_errors() {
    for text in ["not toml at all [", "due = { days_after_draw = 30 }\nreviewers = []\nsurprise = 1\n"] {
        match Policy::from_toml(text) {
            Err(error @ SamplingError::PolicyToml(_)) => {
                assert_eq!(error.code(), ErrorCode::InvalidInput);
                assert!(error.message_zh().contains("TOML"));
            }
            other => panic!("expected a TOML error, got {other:?}"),
        }
    }
}

#[test]
fn validation_names_every_wrong_field_in_both_languages() {
    let mut policy = simple_policy(10);
    policy.quarter = Some("2026Q5".to_owned());
    policy.due = DueRule::DaysAfterDraw(0);
    policy.reviewers = vec![
        reviewer("p", Role::President, None, 0),
        reviewer("p", Role::Reviewer, Some("城东支行"), 1),
        reviewer("h1", Role::DepartmentHead, None, 1),
        reviewer("h2", Role::DepartmentHead, Some("城西支行"), 1),
        reviewer("h3", Role::DepartmentHead, Some("城西支行"), 1),
    ];
    policy.strata.by = vec![Dimension::Department, Dimension::Department];
    policy.strata.quotas = vec![Quota {
        department: Some("城东支行".to_owned()),
        business_line: None,
        category: None,
        severity: None,
        calls: 1,
    }];
    policy.preferred_duration =
        Some(tingjian_sampling::DurationRange { min_seconds: Some(600), max_seconds: Some(60) });
    assert_eq!(
        problems_of(&policy),
        vec![
            "quarter",
            "due.days_after_draw",
            "reviewers[0].min_calls",
            "reviewers[1].id",
            "reviewers[1].department",
            "reviewers[2].department",
            "reviewers[4].department",
            "strata.by[1]",
            "strata.quotas",
            "preferred_duration.min_seconds",
        ]
    );
    let error = policy.validate().err().unwrap_or_else(|| panic!("the policy should not validate"));
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.message_zh().contains("reviewers[0].min_calls：行长每季度至少听取 1 通投诉录音"));
    assert!(error.message_en().contains("reviewers[0].min_calls: the president hears at least 1 call a quarter"));
}

/// The vault's one list of roles also holds roles that hear no sampled calls: a policy that gives
/// one to a reviewer is refused, naming the field, as an unknown role was before.
#[test]
fn only_the_president_department_heads_and_reviewers_hear_sampled_calls() {
    let mut policy = simple_policy(10);
    policy.reviewers.push(reviewer("li.min", Role::Coordinator, None, 1));
    policy.reviewers.push(reviewer("zhang.wei", Role::LegacyOwner, None, 1));
    let first = policy.reviewers.len() - 2;
    assert_eq!(
        problems_of(&policy),
        vec![format!("reviewers[{first}].role"), format!("reviewers[{}].role", first + 1)]
    );
    let error = policy.validate().err().unwrap_or_else(|| panic!("the policy should not validate"));
    assert!(
        error.message_en().contains("the role \"coordinator\" does not hear sampled calls"),
        "{}",
        error.message_en()
    );
    assert!(error.message_zh().contains("角色“owner”不参与听取抽样"), "{}", error.message_zh());
}

#[test]
fn a_policy_needs_a_president_and_quotas_that_name_the_strata() {
    let mut policy = simple_policy(0);
    policy.reviewers = vec![reviewer("r", Role::Reviewer, None, 1)];
    policy.strata.allocation = Allocation::Quotas;
    policy.strata.quotas = vec![
        Quota {
            department: None, business_line: Some("信用卡".to_owned()), category: None, severity: None, calls: 1
        },
        Quota {
            department: Some("城东支行".to_owned()),
            business_line: None,
            category: None,
            severity: None,
            calls: 1,
        },
        Quota {
            department: Some("城东支行".to_owned()),
            business_line: None,
            category: None,
            severity: None,
            calls: 2,
        },
    ];
    assert_eq!(problems_of(&policy), vec!["reviewers", "strata.quotas[0]", "strata.quotas[2]"]);
}

#[test]
fn largest_remainder_allocation_is_exact_and_breaks_ties_by_stratum_order() {
    assert_eq!(allocate_proportionally(10, &[5, 3, 2]), vec![5, 3, 2]);
    assert_eq!(allocate_proportionally(4, &[5, 3, 2]), vec![2, 1, 1]);
    // 7 × (1/3 each) = 2.33 each: the one call left goes to the first stratum.
    assert_eq!(allocate_proportionally(7, &[4, 4, 4]), vec![3, 2, 2]);
    assert_eq!(allocate_proportionally(3, &[0, 0]), vec![0, 0]);
    assert_eq!(allocate_proportionally(100, &[5, 3]), vec![5, 3]);
    for total in 0..50 {
        let shares = allocate_proportionally(total, &[17, 9, 1, 30, 4]);
        assert_eq!(shares.iter().sum::<u32>(), total.min(61));
    }
}

/// A complaint of 信用卡中心 accepted on 1 October, with this status and summary.
fn complaint(status: &str, summary: &str) -> Complaint {
    Complaint {
        number: "TS1".to_owned(),
        accepted_at: "2026-10-01T01:00:00Z".to_owned(),
        channel: "客服热线".to_owned(),
        business_line: "信用卡".to_owned(),
        category: "收费定价".to_owned(),
        department: "信用卡中心".to_owned(),
        customer_name: "张三".to_owned(),
        phone: "13800001234".to_owned(),
        first_response_at: None,
        resolved_at: None,
        status: status.to_owned(),
        recording_file: String::new(),
        regulator_forwarded: false,
        dispatched_at: None,
        summary: summary.to_owned(),
    }
}

#[test]
fn escalation_is_read_from_status_and_summary_but_not_from_a_system_upgrade() {
    assert!(is_escalated(&complaint("已升级", "")));
    assert!(is_escalated(&complaint("处理中", "客户要求向上级部门反映")));
    assert!(is_escalated(&complaint("处理中", "客户投诉升级为重点投诉")));
    assert!(!is_escalated(&complaint("已办结", "称系当月本行系统升级导致自动扣款失败")));
    assert!(!is_escalated(&complaint("已办结", "客户反映年费问题")));
}

#[test]
fn severity_and_the_fifteen_day_limit() {
    assert_eq!(derive_severity(true, false, false), Severity::High);
    assert_eq!(derive_severity(false, true, true), Severity::High);
    assert_eq!(derive_severity(false, false, true), Severity::Medium);
    assert_eq!(derive_severity(false, false, false), Severity::Low);
    let accepted = drawn_at() - SignedDuration::from_hours(24 * 40);
    let fifteen_days = accepted + SignedDuration::from_hours(24 * 15);
    assert!(!is_overdue(accepted, Some(fifteen_days), drawn_at()), "exactly 15 days is in time");
    assert!(is_overdue(accepted, Some(fifteen_days + SignedDuration::from_secs(1)), drawn_at()));
    assert!(is_overdue(accepted, None, drawn_at()), "open for 40 days");
    assert!(!is_overdue(drawn_at() - SignedDuration::from_hours(24 * 3), None, drawn_at()));
}

#[test]
fn phone_numbers_compare_by_their_digits() {
    assert_eq!(phone_key("138-0013-8000"), phone_key("13800138000"));
    assert_eq!(phone_key("+86 138 0013 8000"), phone_key("13800138000"));
    assert_eq!(phone_key("0086 13800138000"), phone_key("13800138000"));
    assert_ne!(phone_key("010-12345678"), phone_key("10-12345678"), "a leading zero matters");
    assert_eq!(phone_key(""), None);
    assert_eq!(phone_key("123456789012345678"), None);
}

#[test]
fn a_complaint_becomes_a_population_item() {
    let complaint = Complaint {
        number: "TS2026100001".to_owned(),
        resolved_at: Some("2026-10-03T01:00:00.000001Z".to_owned()),
        recording_file: "a.wav".to_owned(),
        regulator_forwarded: true,
        ..complaint("已升级", "")
    };
    let recording = Recording {
        hash: "ab".repeat(32),
        original_name: "a.wav".to_owned(),
        container: "wav".to_owned(),
        codec: "pcm_s16le".to_owned(),
        sample_rate: 8000,
        channels: 2,
        duration_ms: 95_000,
        bytes: 1,
        analytics: None,
    };
    let item = ok(PopulationItem::from_complaint(&complaint, Some(&recording), true));
    assert_eq!(item.recording_hash.as_deref(), Some(recording.hash.as_str()));
    assert_eq!(item.duration_ms, Some(95_000));
    assert!(item.escalated && item.regulator_forwarded && item.reviewed_before);
    assert!(!format!("{item:?}").contains("13800001234"), "Debug masks the phone number");

    let bad = Complaint { accepted_at: "yesterday".to_owned(), ..complaint };
    match PopulationItem::from_complaint(&bad, None, false) {
        Err(error @ SamplingError::InvalidComplaint { field: "accepted_at", .. }) => {
            assert_eq!(error.code(), ErrorCode::InvalidInput);
        }
        other => panic!("expected an invalid complaint, got {other:?}"),
    }
}

#[test]
fn mandatory_calls_beat_exclusions_except_when_there_is_nothing_to_hear() {
    let mut policy = simple_policy(0);
    policy.exclusions.shorter_than_seconds = Some(30);
    let mut population = demo_population();
    population[3].duration_ms = Some(5_000); // regulator-forwarded, but short
    population[7].recording_hash = None; // escalated, but no recording
    population[8].reviewed_before = true;
    population[8].regulator_forwarded = true; // regulator-forwarded, reviewed before
    let result = ok(draw(&policy, &population, 1, drawn_at()));
    let numbers: Vec<&str> = result.sample.iter().map(|c| c.complaint_number.as_str()).collect();
    assert_eq!(numbers, vec!["TS0003", "TS0008"]);
    assert!(result.sample.iter().all(|c| c.selected_by == Selection::Mandatory));
    assert_eq!(result.sample[0].mandatory, vec![MandatoryKind::RegulatorForwarded]);
    let missing = &result.shortfalls[0];
    assert_eq!(
        missing.kind,
        ShortfallKind::MandatoryWithoutRecording {
            complaint_number: "TS0007".to_owned(),
            mandatory: vec![MandatoryKind::Escalated]
        }
    );
    assert!(missing.message_zh.contains("TS0007") && missing.message_zh.contains("没有录音"));
}

#[test]
fn excluded_calls_are_never_drawn_by_strata() {
    let mut policy = simple_policy(100);
    policy.exclusions.shorter_than_seconds = Some(30);
    let mut population = demo_population();
    population[0].duration_ms = Some(29_999);
    population[1].reviewed_before = true;
    population[2].recording_hash = None;
    let result = ok(draw(&policy, &population, 9, drawn_at()));
    let numbers: Vec<&str> = result.sample.iter().map(|c| c.complaint_number.as_str()).collect();
    assert_eq!(numbers.len(), 37);
    for excluded in ["TS0000", "TS0001", "TS0002"] {
        assert!(!numbers.contains(&excluded));
    }
    assert!(result.shortfalls.iter().any(|s| s.kind == ShortfallKind::Total && s.wanted == 100 && s.available == 37));
}

#[test]
fn the_preferred_duration_is_chosen_first_but_is_not_a_filter() {
    let mut policy = simple_policy(0);
    policy.strata.by = Vec::new();
    policy.strata.total = 3;
    policy.mandatory.repeat_complainant = false;
    policy.preferred_duration = Some(tingjian_sampling::DurationRange { min_seconds: Some(60), max_seconds: None });
    let mut population = demo_population();
    for (index, item) in population.iter_mut().enumerate() {
        item.regulator_forwarded = false;
        item.escalated = false;
        item.duration_ms = Some(if index < 2 { 90_000 } else { 20_000 });
    }
    let result = ok(draw(&policy, &population, 5, drawn_at()));
    let numbers: Vec<&str> = result.sample.iter().map(|c| c.complaint_number.as_str()).collect();
    assert_eq!(numbers.len(), 3);
    assert!(numbers.contains(&"TS0000") && numbers.contains(&"TS0001"));
}

#[test]
fn a_repeat_complainant_is_heard_through_their_latest_recorded_call() {
    let mut policy = simple_policy(0);
    policy.mandatory.regulator_forwarded = false;
    policy.mandatory.escalated = false;
    let mut population = demo_population();
    for (index, day) in [(10, 9), (11, 5), (12, 1)] {
        population[index].phone = "139 1111 2222".to_owned();
        population[index].accepted_at = drawn_at() - SignedDuration::from_hours(24 * day);
        population[index].resolved_at = None;
    }
    population[12].recording_hash = None; // the latest call has no recording
    let result = ok(draw(&policy, &population, 3, drawn_at()));
    let repeat: Vec<&str> = result
        .sample
        .iter()
        .filter(|c| c.mandatory.contains(&MandatoryKind::RepeatComplainant))
        .map(|c| c.complaint_number.as_str())
        .collect();
    assert_eq!(repeat, vec!["TS0011"]);
}

#[test]
fn the_president_hears_a_mandatory_call_and_heads_hear_their_departments() {
    let mut policy = simple_policy(10);
    policy.reviewers = vec![
        reviewer("president", Role::President, None, 1),
        reviewer("vp", Role::Reviewer, None, 2),
        reviewer("head-east", Role::DepartmentHead, Some("城东支行"), 3),
        reviewer("head-nowhere", Role::DepartmentHead, Some("不存在的支行"), 1),
    ];
    let population = demo_population();
    let result = ok(draw(&policy, &population, 11, drawn_at()));
    let president: Vec<_> = result.sample.iter().filter(|c| c.reviewer_id == "president").collect();
    assert_eq!(president.len(), 1);
    assert!(!president[0].mandatory.is_empty(), "the president hears a mandatory call");
    let east: Vec<_> = result.sample.iter().filter(|c| c.department == "城东支行").collect();
    assert!(east.iter().all(|c| c.reviewer_id == "head-east" || c.reviewer_id == "president"));
    assert!(result.sample.iter().filter(|c| c.reviewer_id == "head-east").count() >= 3);
    assert!(result.sample.iter().filter(|c| c.reviewer_id == "vp").count() >= 2);
    let nowhere: Vec<_> = result
        .shortfalls
        .iter()
        .filter(|s| s.kind == ShortfallKind::Reviewer { reviewer_id: "head-nowhere".to_owned() })
        .collect();
    assert_eq!(nowhere.len(), 1);
    assert!(nowhere[0].message_zh.contains("不存在的支行"));
}

#[test]
fn due_dates_follow_the_rule_in_the_branch_zone() {
    let mut policy = simple_policy(2);
    // 2026-10-08T02:00Z is 10:00 on 8 October in Asia/Shanghai.
    let result = ok(draw(&policy, &demo_population(), 1, drawn_at()));
    assert!(result.sample.iter().all(|c| c.due_date == jiff::civil::date(2026, 11, 7)));
    policy.due = DueRule::Date(jiff::civil::date(2026, 10, 7));
    match draw(&policy, &demo_population(), 1, drawn_at()) {
        Err(error @ SamplingError::DueBeforeDraw { .. }) => assert_eq!(error.code(), ErrorCode::InvalidInput),
        other => panic!("expected a due date before the draw, got {other:?}"),
    }
}

#[test]
fn the_quarter_end_bounds_when_open_complaints_count_as_overdue() {
    let mut policy = simple_policy(0);
    policy.quarter = Some("2026Q3".to_owned());
    let mut population = demo_population();
    population[3].regulator_forwarded = false;
    population[7].escalated = false;
    // Accepted 20 September (Shanghai), still open: 10 days old at the quarter's end, 18 at the draw.
    population[5].accepted_at = "2026-09-20T02:00:00Z".parse().unwrap_or(drawn_at());
    population[5].resolved_at = None;
    let result = ok(draw(&policy, &population, 1, drawn_at()));
    assert!(result.sample.iter().all(|c| c.complaint_number != "TS0005"));
    policy.quarter = None;
    let result = ok(draw(&policy, &population, 1, drawn_at()));
    assert!(
        result.sample.iter().any(|c| c.complaint_number == "TS0005" && c.mandatory == vec![MandatoryKind::Overdue])
    );
}

#[test]
fn the_fingerprint_is_blake3_over_sorted_lines_and_ignores_order() {
    let mut population = demo_population();
    population[1].recording_hash = None;
    let mut lines: Vec<String> = population
        .iter()
        .map(|item| format!("{}\t{}\n", item.complaint_number, item.recording_hash.as_deref().unwrap_or("")))
        .collect();
    lines.sort();
    let expected = blake3::hash(lines.concat().as_bytes()).to_hex().to_string();
    assert_eq!(ok(population_fingerprint(&population)), expected);
    population.reverse();
    assert_eq!(ok(population_fingerprint(&population)), expected);
    population.push(item("TS0001", "城东支行"));
    match population_fingerprint(&population) {
        Err(SamplingError::DuplicateComplaint { number }) => assert_eq!(number, "TS0001"),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert!(matches!(
        draw(&simple_policy(1), &population, 1, drawn_at()),
        Err(SamplingError::DuplicateComplaint { .. })
    ));
}

#[test]
fn a_draw_records_its_inputs_and_the_seed_as_text() {
    let result = ok(draw(&simple_policy(5), &demo_population(), u64::MAX, drawn_at()));
    let json = ok(serde_json::to_string(&result));
    assert!(json.contains(&format!("\"seed\":\"{}\"", u64::MAX)));
    let back: Draw = ok(serde_json::from_str(&json));
    assert_eq!(back, result);
    assert_eq!(result.population_size, 40);
    let seeds = (ok(fresh_seed()), ok(fresh_seed()));
    assert_ne!(seeds.0, seeds.1, "two seeds from the OS coincide (one chance in 2^64)");
}

#[test]
fn verification_re_runs_the_draw_and_names_every_edit() {
    let mut policy = simple_policy(12);
    policy.reviewers.push(reviewer("vp", Role::Reviewer, None, 1));
    let population = demo_population();
    let recorded = ok(draw(&policy, &population, 42, drawn_at()));
    assert!(verify_draw(&recorded, &population).matches);

    let mut edited = recorded.clone();
    edited.sample[0].reviewer_id = "someone-else".to_owned();
    let removed = edited.sample.remove(1).complaint_number;
    let mut extra = edited.sample[1].clone();
    extra.complaint_number = "TS0039X".to_owned();
    edited.sample.push(extra);
    edited.sample[2].due_date = jiff::civil::date(2027, 1, 1);
    let mut by_hand = edited.sample[3].clone();
    by_hand.complaint_number = "TS9999".to_owned();
    by_hand.selected_by = Selection::ByHand;
    by_hand.added_by_hand = Some("客户多次来电".to_owned());
    edited.sample.push(by_hand);
    let verification = verify_draw(&edited, &population);
    assert!(!verification.matches);
    assert!(verification.fingerprint_matches);
    assert_eq!(verification.missing, vec![removed]);
    assert_eq!(verification.extra, vec!["TS0039X".to_owned()]);
    assert_eq!(verification.reassigned.len(), 1);
    assert_eq!(verification.reassigned[0].recorded_reviewer_id, "someone-else");
    assert_eq!(verification.altered.len(), 1);
    assert_eq!(verification.altered[0].field, "due_date");
    assert_eq!(verification.added_by_hand, vec!["TS9999".to_owned()]);

    let mut changed_population = population.clone();
    changed_population[0].recording_hash = Some("f".repeat(64));
    let verification = verify_draw(&recorded, &changed_population);
    assert!(!verification.fingerprint_matches && !verification.matches);

    let mut future = recorded;
    future.algorithm += 1;
    let verification = verify_draw(&future, &population);
    assert_eq!(verification.rerun_error.map(|e| e.code), Some(ErrorCode::InvalidInput));
}

#[test]
fn an_empty_population_still_draws_and_reports_what_it_could_not_do() {
    let result = ok(draw(&simple_policy(5), &[], 1, drawn_at()));
    assert!(result.sample.is_empty());
    assert!(result.shortfalls.iter().any(|s| s.kind == ShortfallKind::Total));
    assert!(
        result.shortfalls.iter().any(|s| s.kind == ShortfallKind::Reviewer { reviewer_id: "president".to_owned() })
    );
}

#[test]
fn a_population_large_enough_to_be_split_over_cores_draws_the_same_in_any_order() {
    let mut policy = simple_policy(50);
    policy.strata.by = vec![Dimension::Department, Dimension::Severity];
    policy.reviewers.push(reviewer("head-east", Role::DepartmentHead, Some("城东支行"), 5));
    let mut population: Vec<PopulationItem> = (0..60_000)
        .map(|index| {
            let mut item = item(&format!("TS{index:06}"), DEPARTMENTS[(index * 7) % DEPARTMENTS.len()]);
            item.regulator_forwarded = index % 5_000 == 0;
            item.phone = format!("139{:08}", index % 59_990);
            item
        })
        .collect();
    let first = ok(draw(&policy, &population, 77, drawn_at()));
    population.reverse();
    population.rotate_left(12_345);
    assert_eq!(ok(draw(&policy, &population, 77, drawn_at())), first);
    assert!(first.sample.iter().any(|c| c.mandatory.contains(&MandatoryKind::RepeatComplainant)));
}
