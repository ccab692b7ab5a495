//! The sampling policy: who reviews, how many calls each needs, how the population is split into
//! strata, which calls must be heard and which cannot be, and when the reviews are due.
//!
//! A policy is plain data, written as TOML by IT (so it can live under version control) or as JSON
//! by the app; both carry the same shape. `crates/tingjian-sampling/examples/policy.toml` is a
//! complete example. [`Policy::problems`] lists everything wrong with a policy at once, each
//! problem naming its field as the TOML file spells it.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tingjian_core::QuarterId;
use ts_rs::TS;

use crate::error::{PolicyProblem, SamplingError};
use crate::population::Severity;

/// A quarter's sampling policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The quarter the policy is for, e.g. `2026Q4`. When given, "unresolved for more than 15
    /// days" is judged at the end of this quarter (or at the draw, if that comes first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub quarter: Option<String>,
    /// When the assigned reviews are due.
    pub due: DueRule,
    /// Who listens, and how many calls each needs at least.
    pub reviewers: Vec<Reviewer>,
    /// How the population is split and how many calls each part gives.
    #[serde(default)]
    pub strata: Strata,
    /// Which calls are always drawn.
    #[serde(default)]
    pub mandatory: MandatoryRules,
    /// Which calls are never drawn.
    #[serde(default)]
    pub exclusions: Exclusions,
    /// Calls inside this range of durations are preferred when choosing within a stratum; calls
    /// outside it are still drawn when the stratum needs them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub preferred_duration: Option<DurationRange>,
}

/// A reviewer's part in the quarter is their role, the one list of the whole vault. Only the
/// president, department heads and reviewers hear sampled calls; [`Policy::validate`] refuses the
/// others.
pub use tingjian_core::model::Role;

/// The roles a policy may give a reviewer.
const SAMPLING_ROLES: [Role; 3] = [Role::President, Role::DepartmentHead, Role::Reviewer];

/// A person who listens to sampled calls. Until accounts exist, reviewers are named here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    /// A stable identifier, used in assignments (later the account id).
    pub id: String,
    pub display_name: String,
    pub role: Role,
    /// The department (责任机构) a department head answers for; only department heads have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub department: Option<String>,
    /// The fewest calls this reviewer hears in the quarter. A president needs at least 1.
    #[serde(default)]
    pub min_calls: u32,
}

/// A property of a complaint the population can be split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 责任机构
    Department,
    /// 业务类别
    BusinessLine,
    /// 投诉类别
    Category,
    /// Severity, from the complaint system or derived (see [`crate::derive_severity`]).
    Severity,
}

impl Dimension {
    pub(crate) fn field_name(self) -> &'static str {
        match self {
            Dimension::Department => "department",
            Dimension::BusinessLine => "business_line",
            Dimension::Category => "category",
            Dimension::Severity => "severity",
        }
    }
}

/// How a stratum's number of calls is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// `total` calls split over the strata in proportion to their size, by the largest-remainder
    /// method (see [`crate::allocate_proportionally`]).
    #[default]
    Proportional,
    /// Each stratum gets the calls its quota names; strata without a quota get
    /// `other_strata_calls`.
    Quotas,
}

/// The split of the population into strata and the calls each stratum gives. Without a `[strata]`
/// section the whole population is one stratum with no calls of its own: the sample is then the
/// mandatory calls plus what the reviewers' minimums need.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Strata {
    /// The properties that define a stratum; empty means one stratum of everything.
    #[serde(default)]
    pub by: Vec<Dimension>,
    #[serde(default)]
    pub allocation: Allocation,
    /// With proportional allocation: the number of calls drawn over all strata, mandatory calls
    /// included.
    #[serde(default)]
    pub total: u32,
    /// With quotas: the calls of each named stratum, mandatory calls included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<Quota>,
    /// With quotas: the calls of every stratum no quota names.
    #[serde(default)]
    pub other_strata_calls: u32,
}

/// The number of calls one stratum gives. A quota names a value for exactly the dimensions in
/// `strata.by`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub business_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub severity: Option<Severity>,
    pub calls: u32,
}

impl Quota {
    pub(crate) fn stratum(&self) -> crate::draw::Stratum {
        crate::draw::Stratum {
            department: self.department.clone(),
            business_line: self.business_line.clone(),
            category: self.category.clone(),
            severity: self.severity,
        }
    }

    fn dimensions(&self) -> BTreeSet<Dimension> {
        let mut set = BTreeSet::new();
        if self.department.is_some() {
            set.insert(Dimension::Department);
        }
        if self.business_line.is_some() {
            set.insert(Dimension::BusinessLine);
        }
        if self.category.is_some() {
            set.insert(Dimension::Category);
        }
        if self.severity.is_some() {
            set.insert(Dimension::Severity);
        }
        set
    }
}

/// Kinds of complaint that are always drawn when they have a recording. Each can be switched off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MandatoryRules {
    /// 监管转办: forwarded by the regulator.
    #[serde(default = "yes")]
    pub regulator_forwarded: bool,
    /// Escalated (see [`crate::is_escalated`]).
    #[serde(default = "yes")]
    pub escalated: bool,
    /// Handled past the 15-day limit (see [`crate::is_overdue`]).
    #[serde(default = "yes")]
    pub overdue: bool,
    /// A customer who complained more than once (same phone number) in the population: their most
    /// recent complaint that has a recording.
    #[serde(default = "yes")]
    pub repeat_complainant: bool,
}

fn yes() -> bool {
    true
}

impl Default for MandatoryRules {
    fn default() -> Self {
        MandatoryRules { regulator_forwarded: true, escalated: true, overdue: true, repeat_complainant: true }
    }
}

/// Calls that are never drawn by a stratum or a reviewer's minimum. A call without a recording is
/// never drawn at all, since nobody can listen to it; the other exclusions give way to a mandatory
/// inclusion (a regulator-forwarded call is heard even when its recording is short).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    /// Recordings shorter than this many seconds are not drawn; absent or 0 means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub shorter_than_seconds: Option<u32>,
    /// Complaints already reviewed in an earlier quarter are not drawn again.
    #[serde(default = "yes")]
    pub reviewed_before: bool,
}

impl Default for Exclusions {
    fn default() -> Self {
        Exclusions { shorter_than_seconds: None, reviewed_before: true }
    }
}

/// A range of call durations in seconds; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DurationRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub min_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub max_seconds: Option<u32>,
}

impl DurationRange {
    /// Whether a recording of this length lies in the range; an unknown length never does.
    pub fn contains_ms(&self, duration_ms: Option<u64>) -> bool {
        let Some(ms) = duration_ms else { return false };
        self.min_seconds.is_none_or(|min| ms >= u64::from(min) * 1000)
            && self.max_seconds.is_none_or(|max| ms <= u64::from(max) * 1000)
    }
}

/// When assigned reviews are due. In TOML: `due = { days_after_draw = 30 }` or
/// `due = { date = "2027-01-15" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DueRule {
    /// Due this many days after the day of the draw (in Asia/Shanghai).
    DaysAfterDraw(u32),
    /// Due on a fixed day.
    Date(#[ts(type = "string")] Date),
}

impl Policy {
    /// Reads a policy from TOML and checks it.
    pub fn from_toml(text: &str) -> Result<Policy, SamplingError> {
        let policy: Policy = toml::from_str(text).map_err(|e| SamplingError::PolicyToml(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Writes the policy as TOML, in the shape [`Policy::from_toml`] reads.
    pub fn to_toml(&self) -> Result<String, SamplingError> {
        toml::to_string_pretty(self).map_err(|e| SamplingError::PolicyWrite(e.to_string()))
    }

    /// Reads a policy from JSON (the app's form) and checks it.
    pub fn from_json(text: &str) -> Result<Policy, SamplingError> {
        let policy: Policy = serde_json::from_str(text).map_err(|e| SamplingError::PolicyJson(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Writes the policy as JSON.
    pub fn to_json(&self) -> Result<String, SamplingError> {
        serde_json::to_string_pretty(self).map_err(|e| SamplingError::PolicyWrite(e.to_string()))
    }

    /// Checks the policy, failing with every problem found.
    pub fn validate(&self) -> Result<(), SamplingError> {
        let problems = self.problems();
        if problems.is_empty() { Ok(()) } else { Err(SamplingError::InvalidPolicy(problems)) }
    }

    /// The quarter the policy names, if any (already checked by [`Policy::validate`]).
    pub fn quarter_id(&self) -> Option<QuarterId> {
        self.quarter.as_deref().and_then(|q| q.parse().ok())
    }

    /// Everything wrong with the policy, in the order of the file; empty when it is valid.
    pub fn problems(&self) -> Vec<PolicyProblem> {
        let mut problems = Vec::new();
        if let Some(quarter) = &self.quarter
            && quarter.parse::<QuarterId>().is_err()
        {
            problems.push(PolicyProblem::new(
                "quarter",
                format!("“{quarter}”不是季度，应写作 2026Q4 这样的形式"),
                format!("{quarter:?} is not a quarter; write it like 2026Q4"),
            ));
        }
        if self.due == DueRule::DaysAfterDraw(0) {
            problems.push(PolicyProblem::new(
                "due.days_after_draw",
                "完成期限至少为抽样后 1 天",
                "reviews must be due at least 1 day after the draw",
            ));
        }
        self.reviewer_problems(&mut problems);
        self.strata_problems(&mut problems);
        if let Some(range) = &self.preferred_duration {
            match (range.min_seconds, range.max_seconds) {
                (None, None) => problems.push(PolicyProblem::new(
                    "preferred_duration",
                    "优选时长范围至少要给出 min_seconds 或 max_seconds 之一",
                    "a preferred duration range needs min_seconds, max_seconds or both",
                )),
                (Some(min), Some(max)) if min > max => problems.push(PolicyProblem::new(
                    "preferred_duration.min_seconds",
                    format!("最短时长 {min} 秒大于最长时长 {max} 秒"),
                    format!("the shortest duration ({min} s) is longer than the longest ({max} s)"),
                )),
                _ => {}
            }
        }
        problems
    }

    fn reviewer_problems(&self, problems: &mut Vec<PolicyProblem>) {
        if self.reviewers.is_empty() {
            problems.push(PolicyProblem::new("reviewers", "策略中没有任何听取人", "the policy names no reviewer"));
            return;
        }
        let mut ids = BTreeSet::new();
        let mut heads: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, reviewer) in self.reviewers.iter().enumerate() {
            let field = |name: &str| format!("reviewers[{index}].{name}");
            if reviewer.id.trim().is_empty() {
                problems.push(PolicyProblem::new(field("id"), "听取人编号不能为空", "a reviewer's id cannot be empty"));
            } else if !ids.insert(reviewer.id.as_str()) {
                problems.push(PolicyProblem::new(
                    field("id"),
                    format!("听取人编号 {} 重复", reviewer.id),
                    format!("the reviewer id {:?} is used twice", reviewer.id),
                ));
            }
            if reviewer.display_name.trim().is_empty() {
                problems.push(PolicyProblem::new(
                    field("display_name"),
                    "听取人姓名不能为空",
                    "a reviewer's display name cannot be empty",
                ));
            }
            match reviewer.role {
                Role::President if reviewer.min_calls < 1 => problems.push(PolicyProblem::new(
                    field("min_calls"),
                    "行长每季度至少听取 1 通投诉录音",
                    "the president hears at least 1 call a quarter",
                )),
                Role::DepartmentHead => match reviewer.department.as_deref().map(str::trim) {
                    None | Some("") => problems.push(PolicyProblem::new(
                        field("department"),
                        "部门负责人须写明所负责的部门（责任机构）",
                        "a department head needs the department they answer for",
                    )),
                    Some(_) => {
                        let department = reviewer.department.as_deref().unwrap_or_default();
                        if let Some(first) = heads.insert(department, index) {
                            problems.push(PolicyProblem::new(
                                field("department"),
                                format!("{department} 已有负责人（reviewers[{first}]），每个部门只能有一位"),
                                format!("{department} already has a head (reviewers[{first}]); a department has one"),
                            ));
                        }
                    }
                },
                Role::Coordinator | Role::LegacyOwner => problems.push(PolicyProblem::new(
                    field("role"),
                    format!(
                        "角色“{}”不参与听取抽样，应为 {}",
                        reviewer.role,
                        SAMPLING_ROLES.map(Role::as_str).join(" / ")
                    ),
                    format!(
                        "the role \"{}\" does not hear sampled calls: use one of {}",
                        reviewer.role,
                        SAMPLING_ROLES.map(Role::as_str).join(", ")
                    ),
                )),
                Role::President | Role::Reviewer if reviewer.department.is_some() => {
                    problems.push(PolicyProblem::new(
                        field("department"),
                        "只有部门负责人才填写部门",
                        "only a department head has a department",
                    ));
                }
                _ => {}
            }
        }
        if !self.reviewers.iter().any(|r| r.role == Role::President) {
            problems.push(PolicyProblem::new(
                "reviewers",
                "策略中没有行长（role = \"president\"）；行长每季度至少听取 1 通录音",
                "the policy names no president (role = \"president\"), who hears at least 1 call a quarter",
            ));
        }
    }

    fn strata_problems(&self, problems: &mut Vec<PolicyProblem>) {
        let strata = &self.strata;
        let mut by = BTreeSet::new();
        for (index, dimension) in strata.by.iter().enumerate() {
            if !by.insert(*dimension) {
                problems.push(PolicyProblem::new(
                    format!("strata.by[{index}]"),
                    format!("分层维度 {} 重复", dimension.field_name()),
                    format!("the dimension {} is listed twice", dimension.field_name()),
                ));
            }
        }
        match strata.allocation {
            Allocation::Proportional => {
                if !strata.quotas.is_empty() {
                    problems.push(PolicyProblem::new(
                        "strata.quotas",
                        "按比例分配时不使用配额；如需配额请设置 allocation = \"quotas\"",
                        "quotas are only used with allocation = \"quotas\"",
                    ));
                }
                if strata.other_strata_calls != 0 {
                    problems.push(PolicyProblem::new(
                        "strata.other_strata_calls",
                        "按比例分配时不使用 other_strata_calls",
                        "other_strata_calls is only used with allocation = \"quotas\"",
                    ));
                }
            }
            Allocation::Quotas => {
                if strata.total != 0 {
                    problems.push(PolicyProblem::new(
                        "strata.total",
                        "按配额分配时不使用 total；样本量由各层配额决定",
                        "total is only used with allocation = \"proportional\"; quotas decide the size",
                    ));
                }
                let mut seen = BTreeMap::new();
                for (index, quota) in strata.quotas.iter().enumerate() {
                    let named = quota.dimensions();
                    if named != by {
                        let list = |set: &BTreeSet<Dimension>| {
                            set.iter().map(|d| d.field_name()).collect::<Vec<_>>().join(", ")
                        };
                        problems.push(PolicyProblem::new(
                            format!("strata.quotas[{index}]"),
                            format!("配额须且只须写明分层维度 [{}]，实际写了 [{}]", list(&by), list(&named)),
                            format!(
                                "a quota names exactly the dimensions [{}]; this one names [{}]",
                                list(&by),
                                list(&named)
                            ),
                        ));
                        continue;
                    }
                    let stratum = quota.stratum();
                    if let Some(first) = seen.insert(stratum.clone(), index) {
                        problems.push(PolicyProblem::new(
                            format!("strata.quotas[{index}]"),
                            format!("分层“{}”的配额已在 strata.quotas[{first}] 中给出", stratum.label()),
                            format!("the stratum {:?} already has a quota (strata.quotas[{first}])", stratum.label()),
                        ));
                    }
                }
            }
        }
    }
}
