//! Domain records as the vault stores them and the UI shows them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::analytics::CallAnalytics;

/// One complaint from the complaint system's export. Times are RFC 3339 instants (UTC); the
/// export's local times are converted at import in the branch's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Complaint {
    /// 投诉编号: the complaint system's number, unique within the vault.
    pub number: String,
    /// 受理时间
    pub accepted_at: String,
    /// 投诉渠道
    pub channel: String,
    /// 业务类别
    pub business_line: String,
    /// 投诉类别
    pub category: String,
    /// 责任机构: the responsible department or sub-branch.
    pub department: String,
    /// 客户姓名 (personal data: masked in anything that does not need it).
    pub customer_name: String,
    /// 联系电话 (personal data).
    pub phone: String,
    /// 首次响应时间
    pub first_response_at: Option<String>,
    /// 办结时间
    pub resolved_at: Option<String>,
    /// 处理状态
    pub status: String,
    /// 录音文件 as written in the export.
    pub recording_file: String,
    /// 是否监管转办
    pub regulator_forwarded: bool,
    /// 转办时间: when the complaint was passed to the responsible unit, where the export has it;
    /// the one-hour response clock starts here (else at acceptance). Absent from the payloads of
    /// complaints recorded before it was imported, which therefore keep their exact text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub dispatched_at: Option<String>,
    /// 投诉摘要
    pub summary: String,
}

/// A recording in the vault's content-addressed store, described from its fully decoded audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Recording {
    /// BLAKE3 of the file's bytes, hex; also its name in the store.
    pub hash: String,
    /// The file name it was imported under.
    pub original_name: String,
    /// Container, e.g. `wav`, `mp3`, `m4a`, `flac`.
    pub container: String,
    /// Codec, e.g. `pcm_s16le`, `pcm_mulaw`, `mp3`, `aac`, `flac`, `opus`, `gsm_ms`, `amr_nb`.
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// Duration from the frames actually decoded, in milliseconds.
    #[ts(type = "number")]
    pub duration_ms: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Who spoke when, from the same decode. Absent for recordings stored before analytics existed.
    #[serde(default)]
    pub analytics: Option<CallAnalytics>,
}

/// A person who uses the vault. Accounts with passphrases come later; for now the vault records
/// who acted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    /// The department a department head answers for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub department: Option<String>,
}

/// A person's part in the branch's complaint reviews: the one list of roles, which the sampling
/// policy assigns calls by, the rectification rules decide steps by, and the vault's people carry.
///
/// Each role is written as its snake_case name (`"department_head"`) in event payloads, in the
/// vault's `people.role` column and in a policy file. Those texts are part of the audit log and its
/// digests, so a variant's name is never changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 行长: hears at least one call a quarter, preferably one that had to be drawn; opens
    /// rectification cases.
    President,
    /// 消保中心, the consumer-protection center: opens, verifies and cancels rectification cases.
    /// It is not a sampling role.
    Coordinator,
    /// 部门负责人 (行部负责人 / 支行行长): hears every sampled call of their own department, and
    /// answers, works and submits that department's rectification cases.
    DepartmentHead,
    /// 听取人 (分管行领导 or another named reviewer): hears the calls of departments without a
    /// head, may require rectification from a call they reviewed, takes no step of a case.
    Reviewer,
    /// `"owner"`: what demo vaults made before roles were checked called a department head. Their
    /// logs hold it, so it is still read, and written back as it was: replaying such a log must
    /// rebuild the same `people` rows for `verify`. Nobody can be given it any more, and whoever
    /// holds it acts as a department head ([`Role::acting_as`]).
    #[serde(rename = "owner")]
    LegacyOwner,
}

impl Role {
    /// The roles a person can be given, in the order they are listed to people.
    pub const ASSIGNABLE: [Role; 4] = [Role::President, Role::Coordinator, Role::DepartmentHead, Role::Reviewer];

    /// The name the log, the vault's `people` table and policy files hold.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::President => "president",
            Role::Coordinator => "coordinator",
            Role::DepartmentHead => "department_head",
            Role::Reviewer => "reviewer",
            Role::LegacyOwner => "owner",
        }
    }

    /// The role a stored name stands for, legacy names included; `None` for any other text.
    pub fn parse(text: &str) -> Option<Role> {
        [Role::President, Role::Coordinator, Role::DepartmentHead, Role::Reviewer, Role::LegacyOwner]
            .into_iter()
            .find(|role| role.as_str() == text)
    }

    /// The role the rules apply to whoever holds this one: a legacy owner is a department head.
    pub fn acting_as(self) -> Role {
        match self {
            Role::LegacyOwner => Role::DepartmentHead,
            role => role,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self.acting_as() {
            Role::President => "行长",
            Role::Coordinator => "消保中心",
            Role::Reviewer => "听取人",
            Role::DepartmentHead | Role::LegacyOwner => "部门负责人",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self.acting_as() {
            Role::President => "president",
            Role::Coordinator => "consumer-protection center",
            Role::Reviewer => "reviewer",
            Role::DepartmentHead | Role::LegacyOwner => "department head",
        }
    }

    /// The role in a sentence: "only the president or a department head can …".
    pub fn with_article_en(self) -> &'static str {
        match self.acting_as() {
            Role::President => "the president",
            Role::Coordinator => "the consumer-protection center",
            Role::Reviewer => "a reviewer",
            Role::DepartmentHead | Role::LegacyOwner => "a department head",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are in every vault's log and `people` table: they must never change.
    #[test]
    fn roles_keep_the_names_the_log_holds() {
        let names = [
            (Role::President, "president"),
            (Role::Coordinator, "coordinator"),
            (Role::DepartmentHead, "department_head"),
            (Role::Reviewer, "reviewer"),
            (Role::LegacyOwner, "owner"),
        ];
        for (role, name) in names {
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&role).expect("serialise"), json);
            assert_eq!(serde_json::from_str::<Role>(&json).expect("deserialise"), role);
            assert_eq!(role.as_str(), name);
            assert_eq!(Role::parse(name), Some(role));
        }
        assert_eq!(Role::parse("boss"), None);
        assert!(serde_json::from_str::<Role>("\"legacy_owner\"").is_err());
    }

    #[test]
    fn a_legacy_owner_acts_as_a_department_head_and_cannot_be_given() {
        assert_eq!(Role::LegacyOwner.acting_as(), Role::DepartmentHead);
        assert_eq!(Role::LegacyOwner.label_zh(), Role::DepartmentHead.label_zh());
        assert!(!Role::ASSIGNABLE.contains(&Role::LegacyOwner));
        assert!(Role::ASSIGNABLE.iter().all(|role| role.acting_as() == *role));
    }

    /// A person added by an old demo vault keeps the exact bytes of its payload.
    #[test]
    fn a_legacy_person_serialises_as_it_was_stored() {
        let stored = r#"{"id":"zhang.wei","display_name":"张伟（零售金融部）","role":"owner"}"#;
        let person: Person = serde_json::from_str(stored).expect("deserialise");
        assert_eq!(person.role, Role::LegacyOwner);
        assert_eq!(serde_json::to_string(&person).expect("serialise"), stored);
    }
}
