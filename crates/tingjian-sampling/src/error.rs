//! What can go wrong when reading a policy or drawing a sample.
//!
//! Every failure maps to an existing [`ErrorCode`]: a policy or a population that cannot be used is
//! `InvalidInput` (the UI's advice for it — check the file or the form — is the right one), and the
//! operating system refusing randomness is `Internal`. No new code is needed, so the UI's advice
//! table stays complete without a change.

use serde::{Deserialize, Serialize};
use tingjian_core::error::{Coded, ErrorCode};
use ts_rs::TS;

/// One thing wrong with a policy, naming the field as it is spelled in the TOML file (for example
/// `reviewers[2].min_calls`), so the app can mark the field and IT can find the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PolicyProblem {
    pub field: String,
    pub message_zh: String,
    pub message_en: String,
}

impl PolicyProblem {
    pub(crate) fn new(field: impl Into<String>, message_zh: impl Into<String>, message_en: impl Into<String>) -> Self {
        PolicyProblem { field: field.into(), message_zh: message_zh.into(), message_en: message_en.into() }
    }
}

/// Why a policy could not be read or a draw could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SamplingError {
    /// The policy is readable but breaks one or more rules; every problem is listed.
    #[error("the sampling policy is not valid: {}", join_en(.0))]
    InvalidPolicy(Vec<PolicyProblem>),
    /// The policy file is not TOML of the expected shape.
    #[error("the sampling policy is not readable TOML: {0}")]
    PolicyToml(String),
    /// The policy is not JSON of the expected shape.
    #[error("the sampling policy is not readable JSON: {0}")]
    PolicyJson(String),
    /// The policy could not be written out (a bug: every valid policy can be).
    #[error("the sampling policy could not be written: {0}")]
    PolicyWrite(String),
    /// Two population items carry the same complaint number, so the draw could not tell them apart.
    #[error("complaint {number} appears more than once in the population")]
    DuplicateComplaint { number: String },
    /// A complaint's field cannot be used for sampling (an empty number, an unreadable time).
    #[error("complaint {number:?}: {field} {value:?} cannot be used ({reason})")]
    InvalidComplaint { number: String, field: &'static str, value: String, reason: String },
    /// A fixed due date lies before the day of the draw.
    #[error("the due date {due} is before the day of the draw ({drawn_on})")]
    DueBeforeDraw { due: String, drawn_on: String },
    /// The population has more items than the draw can index.
    #[error("the population has {0} items, more than the draw can handle")]
    PopulationTooLarge(usize),
    /// The draw was recorded under other drawing rules than this version knows.
    #[error("the draw was made with drawing rules version {recorded}; this version knows {supported}")]
    UnknownAlgorithm { recorded: u32, supported: u32 },
    /// The operating system did not provide randomness for a seed.
    #[error("the operating system did not provide a random seed: {0}")]
    Entropy(String),
}

fn join_en(problems: &[PolicyProblem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.field, p.message_en)).collect::<Vec<_>>().join("; ")
}

fn join_zh(problems: &[PolicyProblem]) -> String {
    problems.iter().map(|p| format!("{}：{}", p.field, p.message_zh)).collect::<Vec<_>>().join("；")
}

impl Coded for SamplingError {
    fn code(&self) -> ErrorCode {
        match self {
            SamplingError::Entropy(_) | SamplingError::PolicyWrite(_) => ErrorCode::Internal,
            _ => ErrorCode::InvalidInput,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            SamplingError::InvalidPolicy(problems) => format!("抽样策略有误：{}", join_zh(problems)),
            SamplingError::PolicyToml(reason) => format!("抽样策略文件不是可读取的 TOML：{reason}"),
            SamplingError::PolicyJson(reason) => format!("抽样策略不是可读取的 JSON：{reason}"),
            SamplingError::PolicyWrite(reason) => format!("无法写出抽样策略：{reason}"),
            SamplingError::DuplicateComplaint { number } => format!("投诉编号 {number} 在抽样总体中出现了不止一次"),
            SamplingError::InvalidComplaint { number, field, value, reason } => {
                format!("投诉 {number:?} 的 {field} {value:?} 无法用于抽样（{reason}）")
            }
            SamplingError::DueBeforeDraw { due, drawn_on } => {
                format!("完成期限 {due} 早于抽样当日（{drawn_on}）")
            }
            SamplingError::PopulationTooLarge(count) => format!("抽样总体有 {count} 条，超出可处理的范围"),
            SamplingError::UnknownAlgorithm { recorded, supported } => {
                format!("该次抽样使用第 {recorded} 版抽样规则，本程序只支持第 {supported} 版，无法复核")
            }
            SamplingError::Entropy(reason) => format!("操作系统未能提供随机种子：{reason}"),
        }
    }
}
