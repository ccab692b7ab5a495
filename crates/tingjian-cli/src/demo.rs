//! `tingjian demo`: a vault with a quarter in progress, made from generated calls through the real
//! import, so that a newcomer (and the end-to-end tests) see what a real quarter looks like.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tingjian_core::listening::{ChannelMode, HeardSpan};
use tingjian_core::model::{Person, Role};
use tingjian_core::rectification::Severity;
use tingjian_core::time::in_branch_zone;
use tingjian_core::{Coded, ErrorCode, QuarterId, QuarterState, UiError};
use tingjian_demo::{DemoError, DemoOptions, generate};
use tingjian_import::ImportReport;
use tingjian_vault::{Event, Vault};

use crate::demo_story::{self, StoryClock};

/// The demo's people: who would use the app in a real branch, with their role and the department a
/// department head answers for.
const PEOPLE: &[(&str, &str, Role, Option<&str>)] = &[
    ("wang.jianguo", "王建国（行长）", Role::President, None),
    ("zhou.hong", "周红（分管副行长）", Role::Reviewer, None),
    ("li.min", "李敏（消保中心）", Role::Coordinator, None),
    ("zhang.wei", "张伟（零售金融部）", Role::DepartmentHead, Some("零售金融部")),
    ("chen.jing", "陈静（信用卡中心）", Role::DepartmentHead, Some("信用卡中心")),
    ("liu.yang", "刘洋（城东支行）", Role::DepartmentHead, Some("城东支行")),
];

/// The demo's coordinator, who makes a demo vault with accounts and starts them.
const COORDINATOR: &str = "li.min";

/// Starts a new demo vault's accounts: the coordinator first, then everyone else enrolled and
/// signed in once to replace their one-time passphrase with the demo passphrase. The vault stays
/// signed in as the coordinator.
fn start_demo_accounts(vault: &mut Vault, clock: &Arc<StoryClock>) -> Result<(), tingjian_vault::VaultError> {
    let person = |(id, name, role, department): &(&str, &str, Role, Option<&str>)| Person {
        id: (*id).to_owned(),
        display_name: (*name).to_owned(),
        role: *role,
        department: department.map(str::to_owned),
    };
    let params = tingjian_vault::DEMO_SEALING;
    let coordinator = PEOPLE.iter().find(|p| p.0 == COORDINATOR).map(person);
    if let Some(coordinator) = coordinator {
        vault.start_accounts(coordinator, tingjian_vault::DEMO_PASSPHRASE, params)?;
    }
    for entry in PEOPLE.iter().filter(|p| p.0 != COORDINATOR) {
        let one_time = format!("{}-ONE-TIME", entry.0);
        vault.enroll(person(entry), &one_time, params)?;
        let mut them = Vault::open_with_clock(vault.root(), entry.0, clock.clone())?;
        them.choose_passphrase(entry.0, &one_time, tingjian_vault::DEMO_PASSPHRASE, params)?;
    }
    Ok(())
}

/// The fixed seed keeps the demo calls the same on every machine.
const DEMO_SEED: u64 = 2026;

/// The demo quarter's sampling policy (reviewers are the demo's people).
const DEMO_POLICY: &str = include_str!("demo_policy.toml");

/// The seed of the demo's draw, fixed so every demo vault holds the same sample.
const DEMO_DRAW_SEED: u64 = 20_261_001;

/// The output device named in the demo's listening sessions, so nobody mistakes them for real ones.
const DEMO_DEVICE: &str = "演示数据 demo";

/// Who has listened to what in the demo: the reviewer, and how much of their first assigned call
/// (in per cent) they heard, so the dashboard shows one call listened and one in progress.
const DEMO_LISTENERS: &[(&str, u64)] = &[("wang.jianguo", 100), ("liu.yang", 45)];

#[derive(Debug, Serialize)]
pub struct DemoSummary {
    pub vault_path: String,
    pub quarter: String,
    pub calls: usize,
    pub people_added: usize,
    pub import: ImportReport,
    /// Calls in the quarter's sample.
    pub sampled: usize,
}

impl DemoSummary {
    pub fn describe(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "演示档案库 / demo vault: {}", self.vault_path);
        let _ = writeln!(text, "季度 / quarter: {}; 通话 / calls: {}", self.quarter, self.calls);
        text.push_str(&crate::output::describe_import(&self.import));
        let _ = writeln!(text, "本季度样本 / sampled this quarter: {} 通 / calls", self.sampled);
        text
    }
}

fn demo_cache_dir() -> PathBuf {
    directories::ProjectDirs::from("cn", "Tingjian", "tingjian")
        .map(|dirs| dirs.cache_dir().join("demo-calls"))
        .unwrap_or_else(|| std::env::temp_dir().join("tingjian-demo-calls"))
}

pub fn fill(vault_dir: &Path, actor: &str, data: Option<&Path>, accounts: bool) -> Result<DemoSummary, UiError> {
    // A fresh vault begins some days in the past and the story moves its clock forward; an existing
    // one carries on from now, so its log never goes back in time.
    let fresh = !vault_dir.join(tingjian_vault::DATABASE_FILE).is_file();
    let clock = StoryClock::new(fresh);
    if accounts && !fresh {
        return Err(UiError {
            code: ErrorCode::InvalidInput,
            message_zh: "带账户的演示只能新建：请换一个尚无档案库的路径".to_owned(),
            message_en: "a demo with accounts is made in a new vault only: choose a path without a vault".to_owned(),
        });
    }
    let mut vault = if fresh {
        // With accounts, the coordinator makes the vault and starts its accounts.
        Vault::create_with_clock(vault_dir, if accounts { COORDINATOR } else { actor }, clock.clone())
    } else {
        let vault = Vault::open_with_clock(vault_dir, actor, clock.clone())?;
        // A demo vault with accounts goes on as its coordinator, whoever runs the command.
        if vault.has_accounts()? { demo_story::open_as(vault_dir, COORDINATOR, &clock) } else { Ok(vault) }
    }?;
    let already_demo = demo_vault_state(&vault)?;
    if accounts {
        start_demo_accounts(&mut vault, &clock)?;
    }
    // The demo's dates are anchored to the day the vault was made, not to today: running `demo`
    // again on a later day then finds the same complaints and changes nothing.
    let anchor = vault.created_at().unwrap_or_else(|_| vault.clock().now());
    let day = in_branch_zone(anchor).date();
    let quarter = QuarterId::of_date(day);
    let options = DemoOptions { quarter_start: quarter.first_day(), until: day, seed: DEMO_SEED };
    let data_dir = data.map(Path::to_owned).unwrap_or_else(demo_cache_dir);
    let set = generate(&data_dir, &options).map_err(|error| UiError {
        code: match error {
            DemoError::ToolMissing { .. } => ErrorCode::ToolMissing,
            _ => ErrorCode::ToolFailed,
        },
        message_zh: format!("生成演示通话失败：{error}"),
        message_en: format!("generating the demo calls failed: {error}"),
    })?;

    let mut setup = Vec::new();
    if !already_demo {
        setup.push(Event::DemoDataAdded { seed: DEMO_SEED });
    }
    let mut people_added = 0;
    let known: Vec<String> = vault.people()?.into_iter().map(|person| person.id).collect();
    for (id, name, role, department) in PEOPLE {
        if !known.iter().any(|known| known == id) {
            people_added += 1;
            setup.push(Event::PersonAdded {
                person: Person {
                    id: (*id).to_owned(),
                    display_name: (*name).to_owned(),
                    role: *role,
                    department: department.map(str::to_owned),
                },
            });
        }
    }
    if vault.quarter_state(quarter)?.is_none() {
        // Planning until the sample is drawn below; then the quarter opens.
        setup.push(Event::QuarterSet { quarter, state: QuarterState::Planning });
    }
    if !setup.is_empty() {
        vault.record(setup)?;
    }
    let import =
        tingjian_import::import(&mut vault, &set.export_csv, &set.recordings_dir, &Default::default(), &mut |_| {})
            .map_err(|e| UiError { code: e.code(), message_zh: e.message_zh(), message_en: e.message_en() })?;
    extend_an_open_complaint(&mut vault, quarter)?;
    let sampled = sample_and_listen(&mut vault, quarter, &clock)?;
    Ok(DemoSummary {
        vault_path: vault.root().display().to_string(),
        quarter: quarter.to_string(),
        calls: set.calls.len(),
        people_added,
        import,
        sampled,
    })
}

/// The coordinator extends one undecided complaint's limit to 30 days (the most overdue, else the
/// one with the fewest days left), so the 处理时效 screen shows an extension. Once per vault.
fn extend_an_open_complaint(vault: &mut Vault, quarter: QuarterId) -> Result<(), UiError> {
    let metrics = vault.handling_metrics(quarter, usize::MAX)?;
    let already = metrics.late_handling.listed.iter().chain(&metrics.open.listed).any(|f| f.limit_days > 15);
    let overdue = metrics
        .late_handling
        .listed
        .iter()
        .filter(|f| matches!(f.handling, tingjian_core::clocks::HandlingOutcome::Overdue { .. }));
    let Some(target) = overdue.chain(&metrics.open.listed).next().map(|f| f.complaint_number.clone()) else {
        return Ok(());
    };
    if !already {
        vault.extend_handling(&target, 30, None, "情况复杂，需调取多个网点的监控录像核实")?;
    }
    Ok(())
}

/// Whether the vault is marked as a demo vault already; an error when it holds real work. A vault
/// that `init` made and nothing has been recorded in since may become one, and so may a demo vault
/// made before demo vaults were marked (its listening sessions name the demo's device).
fn demo_vault_state(vault: &Vault) -> Result<bool, UiError> {
    let status = vault.status()?;
    if status.demo {
        return Ok(true);
    }
    let only_created = vault.status()?.events == 1;
    let earlier_demo = vault.has_listened_on(DEMO_DEVICE)?;
    if only_created || earlier_demo {
        return Ok(false);
    }
    Err(UiError {
        code: ErrorCode::NotADemoVault,
        message_zh: format!(
            "{} 不是演示档案库：其中已有 {} 条记录（投诉 {} 件）。演示会加入虚构的人员和通话，只能用于新建的档案库：请换一个路径，例如 --vault ~/tingjian-demo",
            status.vault_path, status.events, status.complaints_total
        ),
        message_en: format!(
            "{} is not a demo vault: it already holds {} events ({} complaints). The demo adds made-up people and calls, so it only fills a new vault: choose another path, such as --vault ~/tingjian-demo",
            status.vault_path, status.events, status.complaints_total
        ),
    })
}

/// What a reviewer who heard a whole call writes: two notes at moments of it, a submitted
/// reflection, and a rectification required of the department with the first note attached.
fn write_review(
    vault: &mut Vault,
    complaint_number: &str,
    department: &str,
    duration_ms: u64,
) -> Result<(), tingjian_vault::VaultError> {
    let first = vault.add_note(complaint_number, duration_ms / 5, "坐席开场没有先致歉，客户情绪明显升级")?;
    vault.add_note(complaint_number, duration_ms * 3 / 5, "客户第二次提出同一诉求，坐席仍按话术回答")?;
    vault.submit_reflection(
        complaint_number,
        "一、问题：坐席先解释规定、后回应诉求，客户两次重复同一要求。\n\
         二、原因：话术只讲流程，没有授权坐席当场给出补救方案。\n\
         三、改进：修订话术，先致歉再说明；明确一线可当场承诺的补救范围。",
    )?;
    vault.require_rectification(&tingjian_vault::RectificationRequest {
        complaint_number: complaint_number.to_owned(),
        department: department.to_owned(),
        what_must_change: "修订投诉接待话术（先致歉、后说明），并明确一线可当场承诺的补救范围".to_owned(),
        note_ids: vec![first.id],
        severity: Severity::Serious,
        due_date: None,
    })?;
    Ok(())
}

/// A quarter in progress: the demo policy, a draw with a fixed seed, the quarter opened, and two
/// reviewers' listening. Each step is skipped when already done, so a second run changes nothing.
fn sample_and_listen(
    vault: &mut Vault,
    quarter: QuarterId,
    clock: &Arc<StoryClock>,
) -> Result<usize, tingjian_vault::VaultError> {
    let policy = tingjian_sampling::Policy::from_toml(DEMO_POLICY)?;
    let state = vault.quarter_state(quarter)?;
    if vault.quarter_sample(quarter)?.draw.is_none() {
        // A demo vault made before sampling existed has its quarter open already, and an open
        // quarter cannot be drawn: it stays as it is.
        if matches!(state, None | Some(QuarterState::Planning)) {
            vault.draw_sample(quarter, Some(policy), Some(DEMO_DRAW_SEED))?;
        }
    }
    let sample = vault.quarter_sample(quarter)?;
    if sample.draw.is_some() && matches!(sample.state, None | Some(QuarterState::Planning)) {
        vault.open_quarter(quarter)?;
    }
    if !vault.has_listened_on(DEMO_DEVICE)? {
        clock.day(1);
        for (reviewer, percent) in DEMO_LISTENERS {
            let Some(call) = sample.assignments.iter().find(|a| a.reviewer_id == *reviewer) else { continue };
            // Acting as the reviewer, as the app would when they listen.
            let mut as_reviewer = demo_story::open_as(vault.root(), reviewer, clock)?;
            let target = as_reviewer.find_recording(&call.complaint_number)?;
            let end_ms = target.duration_ms * percent / 100;
            let session = as_reviewer.start_listening(&target, DEMO_DEVICE)?;
            // Heard at normal speed: the story's clock moves on by the time it takes.
            clock.pass(end_ms.div_ceil(1000));
            let span = HeardSpan { start_ms: 0, end_ms, channel: ChannelMode::Both };
            as_reviewer.end_listening(&session, vec![span], if *percent >= 100 { "finished" } else { "stopped" })?;
            if *percent >= 100 {
                write_review(&mut as_reviewer, &call.complaint_number, &call.department, target.duration_ms)?;
            }
        }
        demo_story::rectification_cases(vault.root(), clock)?;
    }
    Ok(sample.assignments.len())
}
