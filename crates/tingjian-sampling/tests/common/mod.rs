//! Builders shared by the sampling tests.

#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use tingjian_sampling::{
    Allocation, Dimension, DueRule, Exclusions, MandatoryRules, Policy, PopulationItem, Reviewer, Role, Severity,
    Strata, Stratum, derive_severity, is_overdue,
};

pub const DEPARTMENTS: &[&str] = &["城东支行", "城西支行", "高新支行", "信用卡中心", "运营管理部"];
pub const BUSINESS_LINES: &[&str] = &["信用卡", "储蓄存款", "财富管理"];
pub const CATEGORIES: &[&str] = &["收费定价", "服务态度", "系统故障"];

pub fn drawn_at() -> Timestamp {
    "2026-10-08T02:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A plain complaint with a recording of two minutes, accepted ten days before the draw and
/// resolved in three.
pub fn item(number: &str, department: &str) -> PopulationItem {
    let accepted_at = drawn_at() - SignedDuration::from_hours(24 * 10);
    PopulationItem {
        complaint_number: number.to_owned(),
        recording_hash: Some(format!("{:0>64}", number.len())),
        duration_ms: Some(120_000),
        department: department.to_owned(),
        business_line: "信用卡".to_owned(),
        category: "收费定价".to_owned(),
        severity: None,
        accepted_at,
        resolved_at: Some(accepted_at + SignedDuration::from_hours(24 * 3)),
        // The digits of the number, so that no two test complaints share a phone by accident.
        phone: format!("138-{number}"),
        regulator_forwarded: false,
        escalated: false,
        reviewed_before: false,
    }
}

pub fn reviewer(id: &str, role: Role, department: Option<&str>, min_calls: u32) -> Reviewer {
    Reviewer {
        id: id.to_owned(),
        display_name: format!("{id} 姓名"),
        role,
        department: department.map(str::to_owned),
        min_calls,
    }
}

/// A president who hears one call, proportional allocation of `total` by department.
pub fn simple_policy(total: u32) -> Policy {
    Policy {
        quarter: None,
        due: DueRule::DaysAfterDraw(30),
        reviewers: vec![reviewer("president", Role::President, None, 1)],
        strata: Strata {
            by: vec![Dimension::Department],
            allocation: Allocation::Proportional,
            total,
            quotas: Vec::new(),
            other_strata_calls: 0,
        },
        mandatory: MandatoryRules::default(),
        exclusions: Exclusions::default(),
        preferred_duration: None,
    }
}

/// The mandatory kinds of an item as the policy sees them, judged at the draw (test policies
/// name no quarter). Repeat complainants are left out: that rule looks at the whole population.
pub fn individually_mandatory(policy: &Policy, item: &PopulationItem) -> bool {
    let rules = &policy.mandatory;
    (rules.regulator_forwarded && item.regulator_forwarded)
        || (rules.escalated && item.escalated)
        || (rules.overdue && is_overdue(item.accepted_at, item.resolved_at, drawn_at()))
}

/// Whether an item may be drawn by a stratum or a minimum.
pub fn eligible(policy: &Policy, item: &PopulationItem) -> bool {
    let short_ms = policy.exclusions.shorter_than_seconds.map_or(0, |s| u64::from(s) * 1000);
    item.recording_hash.is_some()
        && !(short_ms > 0 && item.duration_ms.is_some_and(|ms| ms < short_ms))
        && !(policy.exclusions.reviewed_before && item.reviewed_before)
}

/// The stratum an item falls in under the policy.
pub fn stratum_of(policy: &Policy, item: &PopulationItem) -> Stratum {
    let by = &policy.strata.by;
    let overdue = is_overdue(item.accepted_at, item.resolved_at, drawn_at());
    Stratum {
        department: by.contains(&Dimension::Department).then(|| item.department.clone()),
        business_line: by.contains(&Dimension::BusinessLine).then(|| item.business_line.clone()),
        category: by.contains(&Dimension::Category).then(|| item.category.clone()),
        severity: by.contains(&Dimension::Severity).then(|| {
            item.severity.unwrap_or_else(|| derive_severity(item.regulator_forwarded, item.escalated, overdue))
        }),
    }
}

pub const SEVERITIES: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];
