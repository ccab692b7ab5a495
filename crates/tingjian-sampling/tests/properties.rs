//! Property tests of the draw over generated populations and policies.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use jiff::SignedDuration;
use proptest::prelude::*;
use tingjian_sampling::{
    Allocation, Dimension, Draw, DueRule, DurationRange, Exclusions, MandatoryRules, Policy, PopulationItem, Quota,
    Role, Selection, ShortfallKind, Strata, Stratum, allocate_proportionally, draw,
};

fn arb_population() -> impl Strategy<Value = Vec<PopulationItem>> {
    prop::collection::vec(
        (
            0..DEPARTMENTS.len(),
            0..BUSINESS_LINES.len(),
            0..CATEGORIES.len(),
            0u32..100,                                   // recording: present unless < 12
            1u64..900,                                   // duration in seconds
            0i64..40 * 24, // accepted this many hours before the draw, in units of an hour
            prop::option::weighted(0.85, 0i64..25 * 24), // resolved after this many hours
            0u32..40,      // phone from a small pool, so that some customers call twice
            (0u32..100, 0u32..100, 0u32..100),
        ),
        0..160,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(
                    index,
                    (d, b, c, recording, seconds, accepted, resolved, phone, (regulator, escalated, reviewed)),
                )| {
                    let accepted_at = drawn_at() - SignedDuration::from_hours(accepted);
                    PopulationItem {
                        complaint_number: format!("TS2026{index:05}"),
                        recording_hash: (recording >= 12).then(|| format!("{index:064x}")),
                        duration_ms: (recording >= 12).then_some(seconds * 1000),
                        department: DEPARTMENTS[d].to_owned(),
                        business_line: BUSINESS_LINES[b].to_owned(),
                        category: CATEGORIES[c].to_owned(),
                        severity: None,
                        accepted_at,
                        resolved_at: resolved.map(|hours| accepted_at + SignedDuration::from_hours(hours)),
                        phone: format!("1390000{phone:04}"),
                        regulator_forwarded: regulator < 5,
                        escalated: escalated < 5,
                        reviewed_before: reviewed < 10,
                    }
                },
            )
            .collect()
    })
}

fn arb_strata() -> impl Strategy<Value = Strata> {
    let dimensions = prop::sample::subsequence(
        vec![Dimension::Department, Dimension::BusinessLine, Dimension::Category, Dimension::Severity],
        0..=2,
    );
    (
        dimensions,
        any::<bool>(),
        0u32..40,
        prop::collection::vec((0usize..5, 0usize..3, 0usize..3, 0usize..3, 0u32..6), 0..6),
        0u32..3,
    )
        .prop_map(|(by, proportional, total, raw_quotas, other)| {
            if proportional {
                return Strata {
                    by,
                    allocation: Allocation::Proportional,
                    total,
                    quotas: Vec::new(),
                    other_strata_calls: 0,
                };
            }
            let mut seen = BTreeSet::new();
            let quotas = raw_quotas
                .into_iter()
                .map(|(d, b, c, s, calls)| Quota {
                    department: by.contains(&Dimension::Department).then(|| DEPARTMENTS[d].to_owned()),
                    business_line: by.contains(&Dimension::BusinessLine).then(|| BUSINESS_LINES[b].to_owned()),
                    category: by.contains(&Dimension::Category).then(|| CATEGORIES[c].to_owned()),
                    severity: by.contains(&Dimension::Severity).then_some(SEVERITIES[s]),
                    calls,
                })
                .filter(|quota| {
                    seen.insert((
                        quota.department.clone(),
                        quota.business_line.clone(),
                        quota.category.clone(),
                        quota.severity,
                    ))
                })
                .collect();
            Strata { by, allocation: Allocation::Quotas, total: 0, quotas, other_strata_calls: other }
        })
}

fn arb_policy() -> impl Strategy<Value = Policy> {
    (
        1u32..4,
        prop::collection::vec(0u32..4, 0..3),
        prop::collection::vec(prop::option::of(0u32..4), DEPARTMENTS.len()),
        arb_strata(),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (prop::option::of(0u32..120), any::<bool>()),
        prop::option::of((0u32..200, 0u32..400)),
    )
        .prop_map(|(president, reviewers, heads, strata, mandatory, exclusions, preferred)| {
            let mut people = vec![reviewer("president", Role::President, None, president)];
            for (index, min) in reviewers.into_iter().enumerate() {
                people.push(reviewer(&format!("reviewer-{index}"), Role::Reviewer, None, min));
            }
            for (department, min) in DEPARTMENTS.iter().zip(heads) {
                if let Some(min) = min {
                    people.push(reviewer(&format!("head-{department}"), Role::DepartmentHead, Some(department), min));
                }
            }
            Policy {
                quarter: None,
                due: DueRule::DaysAfterDraw(30),
                reviewers: people,
                strata,
                mandatory: MandatoryRules {
                    regulator_forwarded: mandatory.0,
                    escalated: mandatory.1,
                    overdue: mandatory.2,
                    repeat_complainant: mandatory.3,
                },
                exclusions: Exclusions { shorter_than_seconds: exclusions.0, reviewed_before: exclusions.1 },
                preferred_duration: preferred
                    .map(|(low, extra)| DurationRange { min_seconds: Some(low), max_seconds: Some(low + extra) }),
            }
        })
}

fn run(policy: &Policy, population: &[PopulationItem], seed: u64) -> Draw {
    match draw(policy, population, seed, drawn_at()) {
        Ok(draw) => draw,
        Err(error) => panic!("the draw failed: {error}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn the_same_inputs_in_any_order_give_the_same_draw(
        (population, shuffled) in arb_population().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        policy in arb_policy(),
        seed in any::<u64>(),
    ) {
        let first = run(&policy, &population, seed);
        prop_assert_eq!(&first, &run(&policy, &population, seed));
        prop_assert_eq!(&first, &run(&policy, &shuffled, seed));
    }

    #[test]
    fn the_sample_keeps_every_rule(population in arb_population(), policy in arb_policy(), seed in any::<u64>()) {
        let result = run(&policy, &population, seed);
        let by_number: BTreeMap<&str, &PopulationItem> =
            population.iter().map(|item| (item.complaint_number.as_str(), item)).collect();

        // No duplicates, and nothing that cannot be heard or was excluded.
        let drawn: BTreeSet<&str> = result.sample.iter().map(|call| call.complaint_number.as_str()).collect();
        prop_assert_eq!(drawn.len(), result.sample.len(), "a call was drawn twice");
        for call in &result.sample {
            let item = by_number[call.complaint_number.as_str()];
            prop_assert!(item.recording_hash.is_some(), "{} has no recording", call.complaint_number);
            if call.selected_by != Selection::Mandatory {
                prop_assert!(eligible(&policy, item), "{} is excluded but drawn by {:?}", call.complaint_number, call.selected_by);
            }
            prop_assert_eq!(call.due_date, jiff::civil::date(2026, 11, 7));
        }

        // Every mandatory call with a recording is drawn; without one, it is reported.
        for item in &population {
            if individually_mandatory(&policy, item) {
                if item.recording_hash.is_some() {
                    prop_assert!(drawn.contains(item.complaint_number.as_str()), "mandatory {} missing", item.complaint_number);
                } else {
                    let reported = result.shortfalls.iter().any(|s| matches!(&s.kind,
                        ShortfallKind::MandatoryWithoutRecording { complaint_number, .. } if *complaint_number == item.complaint_number));
                    prop_assert!(reported, "mandatory {} without a recording is not reported", item.complaint_number);
                }
            }
        }
        // Each repeat complainant with a recorded call has one of their calls drawn.
        if policy.mandatory.repeat_complainant {
            let mut calls_by_phone: BTreeMap<&str, Vec<&PopulationItem>> = BTreeMap::new();
            for item in &population {
                calls_by_phone.entry(item.phone.as_str()).or_default().push(item);
            }
            for calls in calls_by_phone.values().filter(|calls| calls.len() > 1) {
                if calls.iter().any(|item| item.recording_hash.is_some()) {
                    prop_assert!(calls.iter().any(|item| drawn.contains(item.complaint_number.as_str())));
                }
            }
        }

        // Every stratum gives its calls when it can, and says so when it cannot.
        let mut available: BTreeMap<Stratum, u32> = BTreeMap::new();
        let mut sampled: BTreeMap<Stratum, u32> = BTreeMap::new();
        for item in &population {
            if eligible(&policy, item) || drawn.contains(item.complaint_number.as_str()) && result.sample.iter().any(|c| c.complaint_number == item.complaint_number && c.selected_by == Selection::Mandatory) {
                *available.entry(stratum_of(&policy, item)).or_default() += 1;
            }
        }
        for call in &result.sample {
            *sampled.entry(call.stratum.clone()).or_default() += 1;
            prop_assert_eq!(&call.stratum, &stratum_of(&policy, by_number[call.complaint_number.as_str()]));
        }
        let strata: Vec<Stratum> = available.keys().cloned().collect();
        let wanted: Vec<u32> = match policy.strata.allocation {
            Allocation::Proportional => {
                let sizes: Vec<u32> = strata.iter().map(|s| available[s]).collect();
                let total: u32 = sizes.iter().sum();
                if policy.strata.total > total {
                    prop_assert!(result.shortfalls.iter().any(|s| s.kind == ShortfallKind::Total));
                }
                allocate_proportionally(policy.strata.total, &sizes)
            }
            Allocation::Quotas => strata
                .iter()
                .map(|stratum| {
                    policy.strata.quotas.iter().find(|q| q.department == stratum.department
                        && q.business_line == stratum.business_line && q.category == stratum.category
                        && q.severity == stratum.severity).map_or(policy.strata.other_strata_calls, |q| q.calls)
                })
                .collect(),
        };
        for (stratum, want) in strata.iter().zip(wanted) {
            let have = sampled.get(stratum).copied().unwrap_or(0);
            let can = available[stratum];
            prop_assert!(have >= want.min(can), "stratum {} has {} of {} wanted ({} available)", stratum.label(), have, want, can);
            if can < want {
                let reported = result.shortfalls.iter().any(|s| s.kind == ShortfallKind::Stratum { stratum: stratum.clone() }
                    && s.wanted == want && s.available == can && s.message_en.contains(&stratum.label_en()));
                prop_assert!(reported, "stratum {} is short and not reported", stratum.label());
            }
        }

        // Every reviewer gets their minimum or a shortfall naming them; heads hear their department.
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for call in &result.sample {
            *counts.entry(call.reviewer_id.as_str()).or_default() += 1;
            let reviewer = policy.reviewers.iter().find(|r| r.id == call.reviewer_id);
            prop_assert!(reviewer.is_some(), "{} is assigned to nobody in the policy", call.complaint_number);
            let head = policy.reviewers.iter().find(|r| r.role == Role::DepartmentHead && r.department.as_deref() == Some(call.department.as_str()));
            if let (Some(head), Some(reviewer)) = (head, reviewer) {
                prop_assert!(reviewer.id == head.id || reviewer.role == Role::President,
                    "{} of {} went to {}, not its head", call.complaint_number, call.department, reviewer.id);
            }
        }
        for reviewer in &policy.reviewers {
            let have = counts.get(reviewer.id.as_str()).copied().unwrap_or(0);
            if have < reviewer.min_calls {
                prop_assert!(result.shortfalls.iter().any(|s| s.kind == ShortfallKind::Reviewer { reviewer_id: reviewer.id.clone() }),
                    "{} has {} of {} calls and no shortfall", reviewer.id, have, reviewer.min_calls);
            }
        }
        // A reviewer's minimum is met whenever the population had the calls for it.
        for reviewer in policy.reviewers.iter().filter(|r| r.role == Role::DepartmentHead) {
            let have = counts.get(reviewer.id.as_str()).copied().unwrap_or(0);
            let could: u32 = population.iter().filter(|item| Some(item.department.as_str()) == reviewer.department.as_deref()
                && (eligible(&policy, item) || drawn.contains(item.complaint_number.as_str()))).count() as u32;
            let by_president = result.sample.iter().filter(|c| Some(c.department.as_str()) == reviewer.department.as_deref() && c.reviewer_id == "president").count() as u32;
            prop_assert!(have >= reviewer.min_calls.min(could - by_president));
        }
    }
}
