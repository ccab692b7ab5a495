//! Who may record what, checked as part of applying each event ([`crate::apply::apply`]), so the
//! same rule refuses a step when it is recorded and names it when `verify` replays the log.
//!
//! The rules bind signed events (format 2): their actor is proved by a signature, which `verify`
//! checks against the key in force for that person. Unsigned events (format 1) were written
//! before the vault had accounts, when the actor was a typed name; their roles cannot be
//! trusted, so they are not judged here (an auditor sees them counted as unsigned), but once a
//! vault has accounts an unsigned event is refused.

use rusqlite::{OptionalExtension, Transaction, params};
use tingjian_core::model::Role;

use crate::VaultError;
use crate::event::{Event, KeyReason, RecordedEvent, UNSIGNED_FORMAT};

/// The actor of a signed event as the vault knows them at that point of the log.
struct Actor {
    role: Role,
    department: Option<String>,
}

/// Refuses `event` when its actor may not record it at this point of the log.
pub(crate) fn authorize(tx: &Transaction<'_>, entry: &RecordedEvent, event: &Event) -> Result<(), VaultError> {
    // Only unsigned events and the first account need to know whether accounts have started: any
    // other signed event needs an active signer with a key, which only accounts give.
    let accounts_since = || -> Result<Option<u64>, VaultError> {
        Ok(tx
            .prepare_cached("SELECT accounts_since_seq FROM vault_info WHERE id = 1")?
            .query_row([], |row| row.get(0))
            .optional()?
            .flatten())
    };
    if entry.format == UNSIGNED_FORMAT {
        return match (accounts_since()?, event) {
            (Some(since), _) => Err(VaultError::SignInRequired { since_seq: since }),
            (None, Event::AccountsStarted { .. } | Event::KeyIntroduced { .. } | Event::PersonLeft { .. }) => {
                Err(not_allowed(entry, "账户事件必须签名", "an account event must be signed"))
            }
            (None, _) => Ok(()),
        };
    }
    if let Event::AccountsStarted { person, .. } = event {
        // The bootstrap: the only event whose actor has no key in force before it (its signature
        // is checked against the key it introduces).
        if accounts_since()?.is_some() {
            return Err(not_allowed(entry, "档案库已启用账户，不能再次初始化", "the vault already has accounts"));
        }
        if person.id != entry.actor || !matches!(person.role, Role::Coordinator | Role::President) {
            return Err(not_allowed(
                entry,
                "第一个账户须由消保中心协调人或行长为自己建立",
                "the first account must be a coordinator or president enrolling themselves",
            ));
        }
        return Ok(());
    }
    let actor = active_actor(tx, entry)?;
    let coordinator_or_president = matches!(actor.role, Role::Coordinator | Role::President);
    match event {
        Event::PersonAdded { .. } | Event::PersonLeft { .. } if !coordinator_or_president => Err(not_allowed(
            entry,
            "只有消保中心协调人或行长可以登记人员、修改角色或办理离职",
            "only a coordinator or the president may enroll people, change roles or mark a leaver",
        )),
        Event::KeyIntroduced { person_id, reason, .. } => match reason {
            KeyReason::Chosen if *person_id != entry.actor => Err(not_allowed(
                entry,
                "只有本人可以设置自己的口令",
                "only the person themselves may choose their passphrase",
            )),
            KeyReason::Enrolled | KeyReason::Reset if !coordinator_or_president => Err(not_allowed(
                entry,
                "只有消保中心协调人或行长可以为他人生成密钥或重置口令",
                "only a coordinator or the president may make a key for someone or reset a passphrase",
            )),
            _ => Ok(()),
        },
        Event::QuarterSet { .. }
        | Event::SamplingPolicySet { .. }
        | Event::SampleDrawn { .. }
        | Event::SampleAddedByHand { .. }
        | Event::DemoDataAdded { .. }
            if actor.role != Role::Coordinator =>
        {
            Err(not_allowed(
                entry,
                "只有消保中心协调人可以设置季度、抽样策略和抽样",
                "only a coordinator may set up quarters, sampling policies and draws",
            ))
        }
        Event::RecordingStored { .. }
        | Event::ComplaintRecorded { .. }
        | Event::RecordingLinked { .. }
        | Event::ImportMappingSaved { .. }
        | Event::ImportFinished { .. }
            if actor.role != Role::Coordinator =>
        {
            Err(not_allowed(
                entry,
                "只有消保中心协调人可以导入投诉和录音",
                "only a coordinator may import complaints and recordings",
            ))
        }
        Event::PersonalDataRevealed { complaint_number, .. } => may_reveal(tx, entry, &actor, complaint_number),
        Event::NoteEdited { note_id, .. } => {
            let author: Option<String> = tx
                .prepare_cached("SELECT person FROM notes WHERE id = ?1")?
                .query_row([note_id], |row| row.get(0))
                .optional()?;
            match author {
                Some(author) if author != entry.actor => Err(VaultError::NotTheAuthor { id: note_id.clone(), author }),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// The actor of a signed event: an active person with a key in force.
fn active_actor(tx: &Transaction<'_>, entry: &RecordedEvent) -> Result<Actor, VaultError> {
    // One query per event, as replay runs it a million times.
    let found: Option<(String, Option<String>, String, bool)> = tx
        .prepare_cached(
            "SELECT p.role, p.department, p.state,
                    EXISTS (SELECT 1 FROM person_keys k WHERE k.person_id = p.id AND k.revoked_seq IS NULL)
             FROM people p WHERE p.id = ?1",
        )?
        .query_row([&entry.actor], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?;
    let Some((role, department, state, has_key)) = found else {
        return Err(not_allowed(entry, "签名人不是本档案库登记的人员", "the signer is not a person of this vault"));
    };
    if state != "active" {
        return Err(not_allowed(entry, "签名人已离职", "the signer has left"));
    }
    if !has_key {
        return Err(not_allowed(entry, "签名人没有有效的密钥", "the signer has no key in force"));
    }
    let role = Role::parse(&role).ok_or_else(|| VaultError::Corrupt {
        seq: entry.seq,
        reason: format!("the people table holds an unknown role \"{role}\""),
    })?;
    Ok(Actor { role: role.acting_as(), department })
}

/// Personal data may be revealed (with a reason, which the event carries) by a coordinator, by the
/// head of the complaint's department, and by a reviewer the complaint is assigned to.
fn may_reveal(
    tx: &Transaction<'_>,
    entry: &RecordedEvent,
    actor: &Actor,
    complaint_number: &str,
) -> Result<(), VaultError> {
    if actor.role == Role::Coordinator {
        return Ok(());
    }
    if actor.role == Role::DepartmentHead {
        let department: Option<String> = tx
            .prepare_cached("SELECT department FROM complaints WHERE number = ?1")?
            .query_row([complaint_number], |row| row.get(0))
            .optional()?;
        if department.is_some() && department == actor.department {
            return Ok(());
        }
    }
    let assigned: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM assignments WHERE complaint_number = ?1 AND reviewer_id = ?2)")?
        .query_row(params![complaint_number, entry.actor], |row| row.get(0))?;
    if assigned {
        return Ok(());
    }
    Err(not_allowed(
        entry,
        "只有消保中心协调人、该投诉所属部门的负责人或被指派的听取人可以查看客户信息",
        "only a coordinator, the head of the complaint's department or its assigned reviewer may see the customer's data",
    ))
}

fn not_allowed(entry: &RecordedEvent, zh: &str, en: &str) -> VaultError {
    VaultError::NotAuthorized {
        actor: entry.actor.clone(),
        kind: entry.kind.clone(),
        message_zh: zh.to_owned(),
        message_en: en.to_owned(),
    }
}
