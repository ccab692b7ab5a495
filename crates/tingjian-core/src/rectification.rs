//! Rectification (整改): a case the responsible department works through until the
//! consumer-protection center (消保中心, the coordinator) has verified that the problem is fixed.
//!
//! This module is the one place the rules live; the vault, the CLI and the app only call it.
//!
//! - **States.** draft → open → in progress → pending verification → closed, and cancelled from
//!   any state that is not final. [`transition`] is the whole state machine: it refuses an action
//!   the state does not allow (`TRANSITION_REFUSED`), then an action the role may not take
//!   (`NOT_PERMITTED`), then an action whose content is incomplete (`INVALID_INPUT`).
//! - **Who.** The president or the coordinator opens a drafted case; the responsible department's
//!   head answers it, adds actions, logs progress and submits it; only the coordinator verifies
//!   and cancels. A case required from a review is open from the start ([`Case::required`]).
//! - **Verification.** Effective closes the case. Partly effective and not effective both reopen it
//!   (back to in progress, with a new due date): the center closes only what really worked, and the
//!   case keeps its answer, actions, progress and every earlier verification.
//! - **Nothing is removed.** Every accepted action only adds to a [`Case`] (an answer, an action, a
//!   progress entry, a verification, a cancellation, a line of history) or fills a date once.
//!   Closed and cancelled are final; a problem that comes back is a new case.
//! - **Dates** are civil dates in the branch's zone (Asia/Shanghai), passed in by the caller; no
//!   rule here reads a clock, so tests set the day they need.
//! - **Overdue** ([`overdue`]): an action not done whose due date has passed; an open or in-progress
//!   case whose due date has passed; a case waiting for verification longer than the policy allows.
//!   Due today is not overdue; due yesterday is.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Coded, ErrorCode};
// A person's part in rectification is their role, the one list of the whole vault; the rules
// read it through `Role::acting_as`, so a legacy owner is a department head here too.
pub use crate::model::Role;

/// Where a rectification case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Being written by the coordinator or the president; the department does not see it yet.
    Draft,
    /// Issued to the department, waiting for its answer.
    Open,
    /// Answered: the department is working through its actions.
    InProgress,
    /// Every action is done; waiting for the coordinator's effectiveness check.
    PendingVerification,
    /// Verified as effective. Final.
    Closed,
    /// Cancelled with a reason. Final.
    Cancelled,
}

impl CaseState {
    /// Every state, in lifecycle order.
    pub const ALL: [CaseState; 6] = [
        CaseState::Draft,
        CaseState::Open,
        CaseState::InProgress,
        CaseState::PendingVerification,
        CaseState::Closed,
        CaseState::Cancelled,
    ];

    /// The name used in JSON and in the vault.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Open => "open",
            CaseState::InProgress => "in_progress",
            CaseState::PendingVerification => "pending_verification",
            CaseState::Closed => "closed",
            CaseState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        CaseState::ALL.into_iter().find(|state| state.as_str() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseState::Draft => "草稿",
            CaseState::Open => "已下发",
            CaseState::InProgress => "整改中",
            CaseState::PendingVerification => "待验证",
            CaseState::Closed => "已关闭",
            CaseState::Cancelled => "已撤销",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Open => "open",
            CaseState::InProgress => "in progress",
            CaseState::PendingVerification => "pending verification",
            CaseState::Closed => "closed",
            CaseState::Cancelled => "cancelled",
        }
    }

    /// Closed and cancelled: no action is accepted any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, CaseState::Closed | CaseState::Cancelled)
    }

    /// "the case …" in a refusal.
    fn is_en(self) -> &'static str {
        match self {
            CaseState::Draft => "is a draft",
            CaseState::Open => "is open",
            CaseState::InProgress => "is in progress",
            CaseState::PendingVerification => "is pending verification",
            CaseState::Closed => "is closed",
            CaseState::Cancelled => "is cancelled",
        }
    }
}

/// The result of the coordinator's effectiveness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Effectiveness {
    Effective,
    PartlyEffective,
    NotEffective,
}

impl Effectiveness {
    pub const ALL: [Effectiveness; 3] =
        [Effectiveness::Effective, Effectiveness::PartlyEffective, Effectiveness::NotEffective];

    /// Only an effective result closes a case; the other two reopen it.
    pub fn closes(self) -> bool {
        self == Effectiveness::Effective
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Effectiveness::Effective => "有效",
            Effectiveness::PartlyEffective => "部分有效",
            Effectiveness::NotEffective => "无效",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Effectiveness::Effective => "effective",
            Effectiveness::PartlyEffective => "partly effective",
            Effectiveness::NotEffective => "not effective",
        }
    }
}

/// How serious a required rectification is, from least to most. Written as its snake_case name in
/// the `rectification_required` and `rectification_drafted` events and the vault's
/// `rectification_cases.severity` column; those texts are covered by the log's digests, so a
/// variant's name is never changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "CaseSeverity")]
pub enum Severity {
    /// 一般
    Normal,
    /// 较重
    Serious,
    /// 严重
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Normal, Severity::Serious, Severity::Critical];

    /// The name the log and the vault's table hold.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Normal => "normal",
            Severity::Serious => "serious",
            Severity::Critical => "critical",
        }
    }

    /// The severity a stored name stands for; `None` for any other text.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|severity| severity.as_str() == text)
    }
}

/// Who is acting: an identity (recorded in the case's history) and their part. A department head
/// carries the department they answer for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Actor {
    pub id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub department: Option<String>,
}

/// What a person asks of a case, without its content: the rows and columns of the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Open,
    Answer,
    AddAction,
    LogProgress,
    SubmitForVerification,
    Verify,
    Cancel,
}

impl ActionKind {
    pub const ALL: [ActionKind; 7] = [
        ActionKind::Open,
        ActionKind::Answer,
        ActionKind::AddAction,
        ActionKind::LogProgress,
        ActionKind::SubmitForVerification,
        ActionKind::Verify,
        ActionKind::Cancel,
    ];

    /// The roles that may take this action (in a state that allows it).
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            ActionKind::Open => &[Role::President, Role::Coordinator],
            ActionKind::Answer
            | ActionKind::AddAction
            | ActionKind::LogProgress
            | ActionKind::SubmitForVerification => &[Role::DepartmentHead],
            ActionKind::Verify | ActionKind::Cancel => &[Role::Coordinator],
        }
    }

    /// The states this action is accepted in.
    pub fn allowed_from(self) -> &'static [CaseState] {
        match self {
            ActionKind::Open => &[CaseState::Draft],
            ActionKind::Answer => &[CaseState::Open],
            ActionKind::AddAction | ActionKind::LogProgress | ActionKind::SubmitForVerification => {
                &[CaseState::InProgress]
            }
            ActionKind::Verify => &[CaseState::PendingVerification],
            ActionKind::Cancel => {
                &[CaseState::Draft, CaseState::Open, CaseState::InProgress, CaseState::PendingVerification]
            }
        }
    }

    /// Actions of the department head, who may take them only for their own department.
    fn is_departments(self) -> bool {
        self.allowed_roles() == [Role::DepartmentHead]
    }

    /// The action as a button or a verb: “不能{label}”.
    pub fn label_zh(self) -> &'static str {
        match self {
            ActionKind::Open => "下发",
            ActionKind::Answer => "答复",
            ActionKind::AddAction => "增加整改措施",
            ActionKind::LogProgress => "登记整改进展",
            ActionKind::SubmitForVerification => "提交验证",
            ActionKind::Verify => "验证",
            ActionKind::Cancel => "撤销",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ActionKind::Open => "open",
            ActionKind::Answer => "answer",
            ActionKind::AddAction => "add an action",
            ActionKind::LogProgress => "log progress",
            ActionKind::SubmitForVerification => "submit for verification",
            ActionKind::Verify => "verify",
            ActionKind::Cancel => "cancel",
        }
    }

    /// "the case is closed: …".
    fn refused_en(self) -> &'static str {
        match self {
            ActionKind::Open => "it cannot be opened",
            ActionKind::Answer => "it cannot be answered",
            ActionKind::AddAction => "no action can be added to it",
            ActionKind::LogProgress => "no progress can be logged on it",
            ActionKind::SubmitForVerification => "it cannot be submitted for verification",
            ActionKind::Verify => "it cannot be verified",
            ActionKind::Cancel => "it cannot be cancelled",
        }
    }

    /// “部门负责人无权…”.
    fn infinitive_zh(self) -> &'static str {
        match self {
            ActionKind::Open => "下发整改案件",
            ActionKind::Answer => "答复整改案件",
            ActionKind::AddAction => "增加整改措施",
            ActionKind::LogProgress => "登记整改进展",
            ActionKind::SubmitForVerification => "提交验证",
            ActionKind::Verify => "验证整改效果",
            ActionKind::Cancel => "撤销整改案件",
        }
    }

    /// "a department head cannot …".
    fn infinitive_en(self) -> &'static str {
        match self {
            ActionKind::Open => "open a case",
            ActionKind::Answer => "answer a case",
            ActionKind::AddAction => "add an action to a case",
            ActionKind::LogProgress => "log progress on a case",
            ActionKind::SubmitForVerification => "submit a case for verification",
            ActionKind::Verify => "verify a case",
            ActionKind::Cancel => "cancel a case",
        }
    }
}

/// The actions a role can take on a case in this state, for the buttons a screen offers (a
/// department head still needs the case to be of their department).
pub fn available_actions(state: CaseState, role: Role) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|kind| kind.allowed_from().contains(&state) && kind.allowed_roles().contains(&role.acting_as()))
        .collect()
}

/// A rectification measure as the department proposes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewAction {
    /// What will be done (整改措施).
    pub measure: String,
    /// Who is responsible for it.
    pub owner: String,
    #[ts(type = "string")]
    pub due_on: Date,
    /// What will count as done (完成标准).
    pub done_criterion: String,
}

/// A rectification measure of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RectificationAction {
    pub measure: String,
    pub owner: String,
    #[ts(type = "string")]
    pub due_on: Date,
    pub done_criterion: String,
    /// The day progress marking it done was logged; once set it never changes.
    #[ts(type = "string | null")]
    pub done_on: Option<Date>,
    #[ts(type = "string")]
    pub added_on: Date,
    pub added_by: String,
}

impl RectificationAction {
    pub fn is_done(&self) -> bool {
        self.done_on.is_some()
    }
}

/// The root cause the department names in its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RootCause {
    /// A short category (such as 制度 / 流程 / 培训 / 系统 / 人员).
    pub category: String,
    pub text: String,
    /// Complaint numbers of similar cases, when there are any.
    #[serde(default)]
    pub similar_complaints: Vec<String>,
}

/// The department's answer as recorded on the case (its actions are in [`Case::actions`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DepartmentAnswer {
    /// 总结反思
    pub reflection: String,
    pub root_cause: RootCause,
    #[ts(type = "string")]
    pub answered_on: Date,
    pub answered_by: String,
}

/// An evidence file of a progress entry, already stored in the vault's content-addressed store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Evidence {
    /// BLAKE3 of the file's bytes, hex.
    pub hash: String,
    /// The file name it was added under.
    pub name: String,
}

/// A dated entry in an action's progress log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProgressEntry {
    /// Index into [`Case::actions`].
    pub action: u32,
    #[ts(type = "string")]
    pub on: Date,
    pub by: String,
    pub text: String,
    pub evidence: Vec<Evidence>,
    /// This entry reports the action done.
    pub marks_done: bool,
}

/// The days the coordinator watched for the problem to recur before deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ObservationPeriod {
    #[ts(type = "string")]
    pub from: Date,
    #[ts(type = "string")]
    pub to: Date,
}

/// A recorded effectiveness check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "CaseVerification")]
pub struct Verification {
    pub result: Effectiveness,
    /// What was checked (验证标准).
    pub criteria: String,
    pub observation: ObservationPeriod,
    /// What was found; required unless the result is effective.
    pub finding: String,
    #[ts(type = "string")]
    pub verified_on: Date,
    pub verified_by: String,
    /// The case's new due date when this check reopened it.
    #[ts(type = "string | null")]
    pub reopened_due_on: Option<Date>,
}

/// Why and when a case was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Cancellation {
    pub reason: String,
    #[ts(type = "string")]
    pub on: Date,
    pub by: String,
}

/// One accepted action, in the order they were taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TransitionRecord {
    pub from: CaseState,
    pub to: CaseState,
    pub action: ActionKind,
    #[ts(type = "string")]
    pub on: Date,
    pub by: String,
}

/// What a person asks of a case, with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseAction {
    /// Issue a drafted case to the department (draft → open). Without a due date the policy's
    /// default applies (the opening day + `case_due_days`).
    Open {
        #[ts(type = "string | null")]
        due_on: Option<Date>,
    },
    /// The department's answer (open → in progress): reflection, root cause and at least one
    /// action.
    Answer { reflection: String, root_cause: RootCause, actions: Vec<NewAction> },
    /// One more action while in progress (such as after a verification reopened the case).
    AddAction { action: NewAction },
    /// A dated progress entry on an action, possibly reporting it done.
    LogProgress { action: u32, text: String, evidence: Vec<Evidence>, marks_done: bool },
    /// In progress → pending verification; refused while any action is not done.
    SubmitForVerification,
    /// The coordinator's effectiveness check: effective closes, anything else reopens (in progress)
    /// with `new_due_on`, or the verification day + `case_due_days` when it is not given.
    Verify {
        result: Effectiveness,
        criteria: String,
        observation: ObservationPeriod,
        finding: String,
        #[ts(type = "string | null")]
        new_due_on: Option<Date>,
    },
    /// Cancel a case that is not final; the reason must not be empty.
    Cancel { reason: String },
}

impl CaseAction {
    pub fn kind(&self) -> ActionKind {
        match self {
            CaseAction::Open { .. } => ActionKind::Open,
            CaseAction::Answer { .. } => ActionKind::Answer,
            CaseAction::AddAction { .. } => ActionKind::AddAction,
            CaseAction::LogProgress { .. } => ActionKind::LogProgress,
            CaseAction::SubmitForVerification => ActionKind::SubmitForVerification,
            CaseAction::Verify { .. } => ActionKind::Verify,
            CaseAction::Cancel { .. } => ActionKind::Cancel,
        }
    }
}

/// The policy values of rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RectificationPolicy {
    /// A case is due this many days after it is opened (or reopened), unless a date is given.
    pub case_due_days: u16,
    /// A case pending verification for more than this many days is flagged for the coordinator.
    pub verification_wait_days: u16,
}

impl Default for RectificationPolicy {
    fn default() -> Self {
        RectificationPolicy { case_due_days: 30, verification_wait_days: 7 }
    }
}

impl RectificationPolicy {
    /// The due date of a case opened (or reopened) on `opened_on` when none is given.
    pub fn default_due_on(&self, opened_on: Date) -> Date {
        opened_on.saturating_add(i64::from(self.case_due_days).days())
    }

    /// The last day a case pending verification since `since` may wait without being flagged.
    pub fn verification_due_on(&self, since: Date) -> Date {
        since.saturating_add(i64::from(self.verification_wait_days).days())
    }
}

/// Why a rectification step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RectificationError {
    /// The case's state does not allow the action.
    #[error("the case {}: {}", .state.is_en(), .action.refused_en())]
    Refused { state: CaseState, action: ActionKind },
    /// The state allows the action, the role does not.
    #[error("{} cannot {}: only {} can", .role.with_article_en(), .action.infinitive_en(), roles_en(.action.allowed_roles()))]
    NotPermitted { role: Role, action: ActionKind },
    /// A department head acting on another department's case (or a head without a department).
    #[error("the case belongs to {case_department}: only its department head can {}", .action.infinitive_en())]
    NotYourDepartment { case_department: String, action: ActionKind },
    /// Submitting while actions are not done; each is named by its number (from 1) and measure.
    #[error("{} not done yet ({}): the case cannot be submitted for verification", count_en(.undone.len()), undone_en(.undone))]
    ActionsNotDone { undone: Vec<(u32, String)> },
    /// Submitting a case without any action.
    #[error("the case has no actions: it cannot be submitted for verification")]
    NoActions,
    /// Reporting done an action that already is.
    #[error("action {} was already done on {done_on}", number(.action))]
    ActionAlreadyDone { action: u32, done_on: Date },
    /// The action's content is missing or wrong; `field` names it as it is spelled in JSON.
    #[error("{message_en}")]
    Invalid { field: String, message_zh: String, message_en: String },
}

/// An action's number as people count (from 1).
fn number(index: &u32) -> u64 {
    u64::from(*index) + 1
}

fn roles_en(roles: &[Role]) -> String {
    roles.iter().map(|role| role.with_article_en()).collect::<Vec<_>>().join(" or ")
}

fn roles_zh(roles: &[Role]) -> String {
    roles.iter().map(|role| role.label_zh()).collect::<Vec<_>>().join("或")
}

fn count_en(count: usize) -> String {
    if count == 1 { "1 action is".to_owned() } else { format!("{count} actions are") }
}

fn undone_en(undone: &[(u32, String)]) -> String {
    undone.iter().map(|(index, measure)| format!("action {} “{measure}”", number(index))).collect::<Vec<_>>().join(", ")
}

fn undone_zh(undone: &[(u32, String)]) -> String {
    undone.iter().map(|(index, measure)| format!("措施 {}「{measure}」", number(index))).collect::<Vec<_>>().join("、")
}

impl Coded for RectificationError {
    fn code(&self) -> ErrorCode {
        match self {
            RectificationError::Refused { .. }
            | RectificationError::ActionsNotDone { .. }
            | RectificationError::NoActions
            | RectificationError::ActionAlreadyDone { .. } => ErrorCode::TransitionRefused,
            RectificationError::NotPermitted { .. } | RectificationError::NotYourDepartment { .. } => {
                ErrorCode::NotPermitted
            }
            RectificationError::Invalid { .. } => ErrorCode::InvalidInput,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            RectificationError::Refused { state, action } => {
                format!("案件处于“{}”状态，不能{}", state.label_zh(), action.label_zh())
            }
            RectificationError::NotPermitted { role, action } => format!(
                "{}无权{}：只有{}可以",
                role.label_zh(),
                action.infinitive_zh(),
                roles_zh(action.allowed_roles())
            ),
            RectificationError::NotYourDepartment { case_department, action } => {
                format!("此案件由“{case_department}”负责，只有该部门的负责人可以{}", action.label_zh())
            }
            RectificationError::ActionsNotDone { undone } => {
                format!("还有 {} 项整改措施未完成（{}），不能提交验证", undone.len(), undone_zh(undone))
            }
            RectificationError::NoActions => "案件还没有整改措施，不能提交验证".to_owned(),
            RectificationError::ActionAlreadyDone { action, done_on } => {
                format!("措施 {} 已于 {done_on} 完成", number(action))
            }
            RectificationError::Invalid { message_zh, .. } => message_zh.clone(),
        }
    }
}

fn invalid(
    field: impl Into<String>,
    message_zh: impl Into<String>,
    message_en: impl Into<String>,
) -> RectificationError {
    RectificationError::Invalid { field: field.into(), message_zh: message_zh.into(), message_en: message_en.into() }
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The state machine: the state `action` leads to from `state` when `role` asks for it.
///
/// Checks, in this order: the state allows the action (else `Refused`), the role may take it
/// (else `NotPermitted`), its content is complete (else `Invalid`). What needs the case itself
/// (every action done before submitting, the department of a department head, dates against the
/// day) is checked by [`Case::apply`], which calls this first.
pub fn transition(state: CaseState, action: &CaseAction, role: Role) -> Result<CaseState, RectificationError> {
    let kind = action.kind();
    let next = match (state, action) {
        (CaseState::Draft, CaseAction::Open { .. }) => CaseState::Open,
        (CaseState::Open, CaseAction::Answer { .. }) => CaseState::InProgress,
        (CaseState::InProgress, CaseAction::AddAction { .. } | CaseAction::LogProgress { .. }) => CaseState::InProgress,
        (CaseState::InProgress, CaseAction::SubmitForVerification) => CaseState::PendingVerification,
        (CaseState::PendingVerification, CaseAction::Verify { result, .. }) => {
            if result.closes() {
                CaseState::Closed
            } else {
                CaseState::InProgress
            }
        }
        (state, CaseAction::Cancel { .. }) if !state.is_terminal() => CaseState::Cancelled,
        _ => return Err(RectificationError::Refused { state, action: kind }),
    };
    if !kind.allowed_roles().contains(&role.acting_as()) {
        return Err(RectificationError::NotPermitted { role, action: kind });
    }
    validate(action)?;
    Ok(next)
}

fn validate_new_action(action: &NewAction, field: &str) -> Result<(), RectificationError> {
    if blank(&action.measure) {
        return Err(invalid(format!("{field}.measure"), "请填写整改措施", "say what the action is"));
    }
    if blank(&action.owner) {
        return Err(invalid(format!("{field}.owner"), "请填写措施的责任人", "name the action's owner"));
    }
    if blank(&action.done_criterion) {
        return Err(invalid(
            format!("{field}.done_criterion"),
            "请填写措施的完成标准",
            "say what will count as done for the action",
        ));
    }
    Ok(())
}

/// What can be checked of an action's content without the case.
fn validate(action: &CaseAction) -> Result<(), RectificationError> {
    match action {
        CaseAction::Open { .. } | CaseAction::SubmitForVerification => Ok(()),
        CaseAction::Answer { reflection, root_cause, actions } => {
            if blank(reflection) {
                return Err(invalid("reflection", "请填写总结反思", "write the department's reflection"));
            }
            if blank(&root_cause.category) {
                return Err(invalid("root_cause.category", "请选择根本原因的类别", "give the root cause a category"));
            }
            if blank(&root_cause.text) {
                return Err(invalid("root_cause.text", "请说明根本原因", "describe the root cause"));
            }
            if actions.is_empty() {
                return Err(invalid("actions", "答复至少需要一项整改措施", "an answer needs at least one action"));
            }
            for (index, action) in actions.iter().enumerate() {
                validate_new_action(action, &format!("actions[{index}]"))?;
            }
            Ok(())
        }
        CaseAction::AddAction { action } => validate_new_action(action, "action"),
        CaseAction::LogProgress { text, .. } => {
            if blank(text) {
                return Err(invalid("text", "请填写进展说明", "describe the progress"));
            }
            Ok(())
        }
        CaseAction::Verify { result, criteria, observation, finding, new_due_on } => {
            if blank(criteria) {
                return Err(invalid("criteria", "请填写验证标准", "say what the check looked at (its criteria)"));
            }
            if observation.to < observation.from {
                return Err(invalid(
                    "observation",
                    format!("观察期的结束日 {} 早于开始日 {}", observation.to, observation.from),
                    format!("the observation period ends ({}) before it starts ({})", observation.to, observation.from),
                ));
            }
            if !result.closes() && blank(finding) {
                return Err(invalid(
                    "finding",
                    format!("验证结果为“{}”时，请说明发现的问题", result.label_zh()),
                    format!("a {} result needs a finding: say what is still wrong", result.label_en()),
                ));
            }
            if result.closes() && new_due_on.is_some() {
                return Err(invalid(
                    "new_due_on",
                    "验证有效将关闭案件，不能设定新的完成期限",
                    "an effective result closes the case: it takes no new due date",
                ));
            }
            Ok(())
        }
        CaseAction::Cancel { reason } => {
            if blank(reason) {
                return Err(invalid("reason", "撤销案件必须说明原因", "a case can only be cancelled with a reason"));
            }
            Ok(())
        }
    }
}

fn due_not_before(due_on: Date, on: Date, field: impl Into<String>) -> Result<(), RectificationError> {
    if due_on < on {
        return Err(invalid(
            field,
            format!("完成期限 {due_on} 早于今天（{on}）"),
            format!("the due date {due_on} is before today ({on})"),
        ));
    }
    Ok(())
}

/// The part of a rectification case the rules decide on. What describes it (the source
/// complaints and notes, what must change, severity) is kept with it by the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Case {
    pub id: String,
    /// The responsible department (责任机构).
    pub department: String,
    pub state: CaseState,
    #[ts(type = "string")]
    pub created_on: Date,
    pub created_by: String,
    /// The day it was issued to the department; `None` while a draft.
    #[ts(type = "string | null")]
    pub opened_on: Option<Date>,
    /// The current due date; a verification that reopens the case sets a new one.
    #[ts(type = "string | null")]
    pub due_on: Option<Date>,
    pub answer: Option<DepartmentAnswer>,
    pub actions: Vec<RectificationAction>,
    pub progress: Vec<ProgressEntry>,
    /// The day it was last submitted for verification.
    #[ts(type = "string | null")]
    pub submitted_on: Option<Date>,
    pub verifications: Vec<Verification>,
    pub cancellation: Option<Cancellation>,
    pub history: Vec<TransitionRecord>,
}

impl Case {
    fn new(id: &str, department: &str, state: CaseState, by: &Actor, on: Date) -> Result<Case, RectificationError> {
        if blank(id) {
            return Err(invalid("id", "案件编号不能为空", "a case needs an id"));
        }
        if blank(department) {
            return Err(invalid("department", "请填写责任部门", "name the responsible department"));
        }
        Ok(Case {
            id: id.to_owned(),
            department: department.to_owned(),
            state,
            created_on: on,
            created_by: by.id.clone(),
            opened_on: None,
            due_on: None,
            answer: None,
            actions: Vec::new(),
            progress: Vec::new(),
            submitted_on: None,
            verifications: Vec::new(),
            cancellation: None,
            history: Vec::new(),
        })
    }

    /// A case the coordinator or the president prepares by hand; it reaches the department when
    /// opened.
    pub fn draft(id: &str, department: &str, by: &Actor, on: Date) -> Result<Case, RectificationError> {
        if !ActionKind::Open.allowed_roles().contains(&by.role.acting_as()) {
            return Err(RectificationError::NotPermitted { role: by.role, action: ActionKind::Open });
        }
        Case::new(id, department, CaseState::Draft, by, on)
    }

    /// A case required from a review ("require rectification"): whoever reviewed the call requires
    /// it, and it is open at once, due on `due_on` or by the policy's default.
    pub fn required(
        id: &str,
        department: &str,
        by: &Actor,
        on: Date,
        due_on: Option<Date>,
        policy: &RectificationPolicy,
    ) -> Result<Case, RectificationError> {
        let mut case = Case::new(id, department, CaseState::Open, by, on)?;
        let due_on = due_on.unwrap_or_else(|| policy.default_due_on(on));
        due_not_before(due_on, on, "due_on")?;
        case.opened_on = Some(on);
        case.due_on = Some(due_on);
        Ok(case)
    }

    /// The steps `by` may take on this case now: those their role may take from its state, and a
    /// department's steps only on their own department's case (what [`Case::apply`] would accept,
    /// content aside).
    pub fn available_to(&self, by: &Actor) -> Vec<ActionKind> {
        available_actions(self.state, by.role)
            .into_iter()
            .filter(|kind| !kind.is_departments() || by.department.as_deref() == Some(self.department.as_str()))
            .collect()
    }

    /// The actions not done yet, with their index.
    pub fn undone_actions(&self) -> impl Iterator<Item = (u32, &RectificationAction)> {
        (0u32..).zip(&self.actions).filter(|(_, action)| !action.is_done())
    }

    /// The day it became pending verification, while it is.
    pub fn pending_since(&self) -> Option<Date> {
        (self.state == CaseState::PendingVerification).then_some(self.submitted_on).flatten()
    }

    /// The case after `by` took `action` on day `on`, or why it is refused (the case is not
    /// changed either way). Accepting only adds: a line of history always, and the answer, an
    /// action, a progress entry, a verification or a cancellation as the action says.
    pub fn apply(
        &self,
        action: &CaseAction,
        by: &Actor,
        on: Date,
        policy: &RectificationPolicy,
    ) -> Result<Case, RectificationError> {
        let kind = action.kind();
        let next = transition(self.state, action, by.role)?;
        if kind.is_departments() && by.department.as_deref() != Some(self.department.as_str()) {
            return Err(RectificationError::NotYourDepartment {
                case_department: self.department.clone(),
                action: kind,
            });
        }
        let mut case = self.clone();
        let new_action = |action: &NewAction| RectificationAction {
            measure: action.measure.clone(),
            owner: action.owner.clone(),
            due_on: action.due_on,
            done_criterion: action.done_criterion.clone(),
            done_on: None,
            added_on: on,
            added_by: by.id.clone(),
        };
        match action {
            CaseAction::Open { due_on } => {
                let due_on = due_on.unwrap_or_else(|| policy.default_due_on(on));
                due_not_before(due_on, on, "due_on")?;
                case.opened_on = Some(on);
                case.due_on = Some(due_on);
            }
            CaseAction::Answer { reflection, root_cause, actions } => {
                for (index, action) in actions.iter().enumerate() {
                    due_not_before(action.due_on, on, format!("actions[{index}].due_on"))?;
                }
                case.answer = Some(DepartmentAnswer {
                    reflection: reflection.clone(),
                    root_cause: root_cause.clone(),
                    answered_on: on,
                    answered_by: by.id.clone(),
                });
                case.actions.extend(actions.iter().map(new_action));
            }
            CaseAction::AddAction { action } => {
                due_not_before(action.due_on, on, "action.due_on")?;
                case.actions.push(new_action(action));
            }
            CaseAction::LogProgress { action: index, text, evidence, marks_done } => {
                let count = case.actions.len();
                let Some(target) = usize::try_from(*index).ok().and_then(|i| case.actions.get_mut(i)) else {
                    return Err(invalid(
                        "action",
                        format!("没有措施 {}（案件共有 {count} 项措施）", number(index)),
                        format!("there is no action {} (the case has {count})", number(index)),
                    ));
                };
                if *marks_done {
                    if let Some(done_on) = target.done_on {
                        return Err(RectificationError::ActionAlreadyDone { action: *index, done_on });
                    }
                    target.done_on = Some(on);
                }
                case.progress.push(ProgressEntry {
                    action: *index,
                    on,
                    by: by.id.clone(),
                    text: text.clone(),
                    evidence: evidence.clone(),
                    marks_done: *marks_done,
                });
            }
            CaseAction::SubmitForVerification => {
                if case.actions.is_empty() {
                    return Err(RectificationError::NoActions);
                }
                let undone: Vec<(u32, String)> =
                    case.undone_actions().map(|(index, action)| (index, action.measure.clone())).collect();
                if !undone.is_empty() {
                    return Err(RectificationError::ActionsNotDone { undone });
                }
                case.submitted_on = Some(on);
            }
            CaseAction::Verify { result, criteria, observation, finding, new_due_on } => {
                if observation.to > on {
                    return Err(invalid(
                        "observation",
                        format!("观察期结束于 {}，晚于今天（{on}）：观察期结束后才能验证", observation.to),
                        format!(
                            "the observation period ends on {}, after today ({on}): verify once it is over",
                            observation.to
                        ),
                    ));
                }
                let reopened_due_on = if result.closes() {
                    None
                } else {
                    let due_on = new_due_on.unwrap_or_else(|| policy.default_due_on(on));
                    due_not_before(due_on, on, "new_due_on")?;
                    case.due_on = Some(due_on);
                    Some(due_on)
                };
                case.verifications.push(Verification {
                    result: *result,
                    criteria: criteria.clone(),
                    observation: *observation,
                    finding: finding.clone(),
                    verified_on: on,
                    verified_by: by.id.clone(),
                    reopened_due_on,
                });
            }
            CaseAction::Cancel { reason } => {
                case.cancellation = Some(Cancellation { reason: reason.clone(), on, by: by.id.clone() });
            }
        }
        case.history.push(TransitionRecord { from: self.state, to: next, action: kind, on, by: by.id.clone() });
        case.state = next;
        Ok(case)
    }
}

/// Something on a case that is late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OverdueFlag {
    /// An action not done whose due date has passed (for the department and the coordinator).
    ActionOverdue {
        action: u32,
        #[ts(type = "string")]
        due_on: Date,
        days_late: i32,
    },
    /// An open or in-progress case whose due date has passed.
    CaseOverdue {
        #[ts(type = "string")]
        due_on: Date,
        days_late: i32,
    },
    /// Pending verification for longer than the policy allows (for the coordinator).
    AwaitingVerification {
        #[ts(type = "string")]
        since: Date,
        days_waiting: i32,
    },
}

impl OverdueFlag {
    pub fn label_zh(&self) -> String {
        match self {
            OverdueFlag::ActionOverdue { action, days_late, .. } => {
                format!("措施 {} 已逾期 {days_late} 天", number(action))
            }
            OverdueFlag::CaseOverdue { days_late, .. } => format!("案件已逾期 {days_late} 天"),
            OverdueFlag::AwaitingVerification { days_waiting, .. } => format!("已等待验证 {days_waiting} 天"),
        }
    }

    pub fn label_en(&self) -> String {
        match self {
            OverdueFlag::ActionOverdue { action, days_late, .. } => {
                format!("action {} is {days_late} day(s) overdue", number(action))
            }
            OverdueFlag::CaseOverdue { days_late, .. } => format!("the case is {days_late} day(s) overdue"),
            OverdueFlag::AwaitingVerification { days_waiting, .. } => {
                format!("awaiting verification for {days_waiting} days, too long")
            }
        }
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Date, to: Date) -> i32 {
    // Civil days are exactly 24 hours apart, and any two dates jiff holds are < 2^31 days apart.
    i32::try_from(from.duration_until(to).as_hours() / 24).unwrap_or(i32::MAX)
}

/// What is late on `case` as of `today` (the branch's civil date). A due date is met on the day
/// itself: due today is not overdue, due yesterday is one day late. A case pending verification
/// since day D is flagged from day D + `verification_wait_days` + 1. Drafts, closed and cancelled
/// cases are never late.
pub fn overdue(case: &Case, today: Date, policy: &RectificationPolicy) -> Vec<OverdueFlag> {
    let mut flags = Vec::new();
    match case.state {
        CaseState::Draft | CaseState::Closed | CaseState::Cancelled => {}
        CaseState::Open | CaseState::InProgress => {
            if let Some(due_on) = case.due_on.filter(|&due_on| due_on < today) {
                flags.push(OverdueFlag::CaseOverdue { due_on, days_late: days_between(due_on, today) });
            }
            for (action, item) in case.undone_actions() {
                if item.due_on < today {
                    flags.push(OverdueFlag::ActionOverdue {
                        action,
                        due_on: item.due_on,
                        days_late: days_between(item.due_on, today),
                    });
                }
            }
        }
        CaseState::PendingVerification => {
            if let Some(since) = case.pending_since().filter(|&since| policy.verification_due_on(since) < today) {
                flags.push(OverdueFlag::AwaitingVerification { since, days_waiting: days_between(since, today) });
            }
        }
    }
    flags
}
