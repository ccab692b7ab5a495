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
use crate::event::{self, Event, JointSeed, KeyReason, RecordedEvent, UNSIGNED_FORMAT};

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
    // A signed event may only be of a kind its format knows. (Unsigned events predate accounts and
    // prove nothing about their actor; a vault without accounts records the later kinds too.)
    if entry.format > UNSIGNED_FORMAT && Event::first_format(event.kind()) > entry.format {
        return Err(not_allowed(
            entry,
            &format!("第 {} 版事件格式中没有这类事件", entry.format),
            &format!("event format {} has no such kind", entry.format),
        ));
    }
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
        | Event::DrawPrepared { .. }
        | Event::HandlingExtended { .. }
        | Event::HandlingPaused { .. }
            if actor.role != Role::Coordinator =>
        {
            Err(not_allowed(
                entry,
                "只有消保中心协调人可以设置季度、抽样策略、抽样和办理时限",
                "only a coordinator may set up quarters, sampling policies, draws and handling limits",
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
        Event::DrawPrepared { quarter, nonce, commitment, policy_seq, .. } => {
            may_prepare(tx, entry, quarter, nonce, commitment, *policy_seq)
        }
        Event::DrawWitnessed { quarter, prepared_seq, share } => {
            may_witness(tx, entry, coordinator_or_president, quarter, *prepared_seq, share)
        }
        Event::SampleDrawn { quarter, draw, joint } if entry.format >= 3 => {
            joint_draw(tx, entry, quarter, draw, joint.as_ref())
        }
        Event::HandlingExtended { limit_days, approver, .. } => match (*limit_days, approver.as_deref()) {
            (30, _) => Ok(()),
            (60, Some(approver)) if !approver.trim().is_empty() => Ok(()),
            (60, _) => Err(not_allowed(
                entry,
                "延长至 60 日须写明审批人（上级机构或总行高级管理人员）",
                "an extension to 60 days names who approved it (a superior unit or head-office executive)",
            )),
            _ => Err(not_allowed(
                entry,
                "办理时限只能延长至 30 日或 60 日",
                "a handling limit extends to 30 or 60 days only",
            )),
        },
        Event::HandlingPaused { from, to: Some(to), .. } if to <= from => {
            // Both are the log's one form of instants, so their text orders as they do.
            Err(not_allowed(entry, "暂停的结束时间须晚于开始时间", "a pause must end after it begins"))
        }
        Event::PersonalDataRevealed { complaint_number, .. } => may_reveal(tx, entry, &actor, complaint_number),
        Event::PackExported { .. } if !coordinator_or_president => Err(not_allowed(
            entry,
            "只有消保中心协调人或行长可以导出证据包",
            "only a coordinator or the president may export an evidence pack",
        )),
        Event::PackExported { with_personal_data: true, reason, .. }
            if reason.as_deref().is_none_or(|r| r.trim().is_empty()) =>
        {
            Err(not_allowed(entry, "证据包带出个人信息须写明理由", "a pack with personal data states why"))
        }
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
    struct Found {
        role: String,
        department: Option<String>,
        state: String,
        has_key: bool,
    }
    let found = tx
        .prepare_cached(
            "SELECT p.role, p.department, p.state,
                    EXISTS (SELECT 1 FROM person_keys k WHERE k.person_id = p.id AND k.revoked_seq IS NULL)
             FROM people p WHERE p.id = ?1",
        )?
        .query_row([&entry.actor], |row| {
            Ok(Found { role: row.get(0)?, department: row.get(1)?, state: row.get(2)?, has_key: row.get(3)? })
        })
        .optional()?;
    let Some(Found { role, department, state, has_key }) = found else {
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

/// A preparation as the log has it so far.
struct Preparation {
    quarter: String,
    prepared_by: String,
    prepared_hash: String,
    commitment: String,
    policy_seq: u64,
    population_fingerprint: String,
    witnessed: Option<(String, String)>,
    drawn_seq: Option<u64>,
}

fn preparation(tx: &Transaction<'_>, prepared_seq: u64) -> Result<Option<Preparation>, VaultError> {
    Ok(tx
        .prepare_cached(
            "SELECT quarter, prepared_by, prepared_hash, commitment, policy_seq, population_fingerprint,
                    witnessed_by, witness_share, drawn_seq
             FROM draw_preparations WHERE prepared_seq = ?1",
        )?
        .query_row([prepared_seq], |row| {
            let witnessed_by: Option<String> = row.get(6)?;
            let witness_share: Option<String> = row.get(7)?;
            Ok(Preparation {
                quarter: row.get(0)?,
                prepared_by: row.get(1)?,
                prepared_hash: row.get(2)?,
                commitment: row.get(3)?,
                policy_seq: row.get(4)?,
                population_fingerprint: row.get(5)?,
                witnessed: witnessed_by.zip(witness_share),
                drawn_seq: row.get(8)?,
            })
        })
        .optional()?)
}

fn is_hex(text: &str, bytes: usize) -> bool {
    text.len() == bytes * 2 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A coordinator may prepare a quarter's draw with the quarter's policy in force. A preparation
/// witnessed and then left undrawn is not refused here but counted with the draw (the preparer
/// could have worked out its sample and discarded it), so the president and auditors see it.
fn may_prepare(
    tx: &Transaction<'_>,
    entry: &RecordedEvent,
    quarter: &tingjian_core::QuarterId,
    nonce: &str,
    commitment: &str,
    policy_seq: u64,
) -> Result<(), VaultError> {
    if !is_hex(nonce, 16) || !is_hex(commitment, 32) {
        return Err(not_allowed(
            entry,
            "抽样准备的随机数或承诺格式不对",
            "the preparation's nonce or commitment is malformed",
        ));
    }
    let in_force: Option<u64> = tx
        .prepare_cached("SELECT event_seq FROM sampling_policies WHERE quarter = ?1")?
        .query_row([quarter.to_string()], |row| row.get(0))
        .optional()?;
    if in_force != Some(policy_seq) {
        return Err(not_allowed(
            entry,
            &format!("抽样准备引用的第 {policy_seq} 号事件不是 {quarter} 季度当前的抽样策略"),
            &format!("event {policy_seq} is not quarter {quarter}'s sampling policy in force"),
        ));
    }
    Ok(())
}

/// The president or a coordinator other than the preparer may witness the quarter's newest
/// preparation, once.
fn may_witness(
    tx: &Transaction<'_>,
    entry: &RecordedEvent,
    coordinator_or_president: bool,
    quarter: &tingjian_core::QuarterId,
    prepared_seq: u64,
    share: &str,
) -> Result<(), VaultError> {
    if !coordinator_or_president {
        return Err(not_allowed(
            entry,
            "只有行长或另一位消保中心协调人可以见证抽样",
            "only the president or another coordinator may witness a draw",
        ));
    }
    if !is_hex(share, 32) {
        return Err(not_allowed(entry, "见证的随机份额格式不对", "the witness's share is malformed"));
    }
    let newest: Option<u64> = tx
        .prepare_cached("SELECT MAX(prepared_seq) FROM draw_preparations WHERE quarter = ?1")?
        .query_row([quarter.to_string()], |row| row.get(0))?;
    let found = preparation(tx, prepared_seq)?;
    match found {
        Some(p) if newest == Some(prepared_seq) && p.witnessed.is_none() && p.drawn_seq.is_none() => {
            if p.prepared_by == entry.actor {
                Err(not_allowed(entry, "抽样准备须由另一个人见证", "a preparation must be witnessed by someone else"))
            } else {
                Ok(())
            }
        }
        _ => Err(not_allowed(
            entry,
            &format!("第 {prepared_seq} 号事件不是 {quarter} 季度待见证的抽样准备"),
            &format!("event {prepared_seq} is not quarter {quarter}'s preparation awaiting a witness"),
        )),
    }
}

/// A draw in format 3 on a vault that is not a demo reveals the share of a witnessed preparation
/// its drawer made, and uses exactly the seed, policy and population that preparation fixed.
fn joint_draw(
    tx: &Transaction<'_>,
    entry: &RecordedEvent,
    quarter: &tingjian_core::QuarterId,
    draw: &tingjian_sampling::Draw,
    joint: Option<&JointSeed>,
) -> Result<(), VaultError> {
    let Some(joint) = joint else {
        let demo: bool = tx
            .prepare_cached("SELECT demo_since_seq IS NOT NULL FROM vault_info WHERE id = 1")?
            .query_row([], |row| row.get(0))
            .optional()?
            .unwrap_or(false);
        return if demo {
            Ok(())
        } else {
            Err(not_allowed(
                entry,
                "抽样种子须由两人共同确定：协调人准备抽样，行长或另一位协调人见证后再抽样",
                "a draw's seed must be fixed by two people: a coordinator prepares, the president or another coordinator witnesses, then the draw",
            ))
        };
    };
    let refuse = |zh: &str, en: &str| Err(not_allowed(entry, zh, en));
    let Some(p) = preparation(tx, joint.prepared_seq)? else {
        return refuse("抽样引用的准备不存在", "the draw names no preparation of this log");
    };
    let Some((_, witness_share)) = &p.witnessed else {
        return refuse("抽样准备尚未见证", "the preparation has not been witnessed");
    };
    if p.quarter != quarter.to_string() || p.prepared_by != entry.actor || p.drawn_seq.is_some() {
        return refuse(
            "抽样须由准备人本人、用本季度尚未用过的准备进行",
            "a draw must be made by its preparer, with an unused preparation of its quarter",
        );
    }
    if event::draw_commitment(&joint.share) != p.commitment {
        return refuse(
            "公开的份额与准备时的承诺不符",
            "the revealed share does not match the preparation's commitment",
        );
    }
    if event::joint_seed(&p.prepared_hash, &joint.share, witness_share) != draw.seed {
        return refuse("抽样种子不是由两份随机份额得出的", "the seed is not the one both shares give");
    }
    let policy_seq: Option<u64> = tx
        .prepare_cached("SELECT event_seq FROM sampling_policies WHERE quarter = ?1")?
        .query_row([quarter.to_string()], |row| row.get(0))
        .optional()?;
    if policy_seq != Some(p.policy_seq) || draw.population_fingerprint != p.population_fingerprint {
        return refuse(
            "抽样策略或抽样总体与准备时固定的不同",
            "the policy or the population differs from the ones the preparation fixed",
        );
    }
    Ok(())
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
