//! `tingjian demo`: a vault with a quarter in progress, made from generated calls through the real
//! import, so that a newcomer (and the end-to-end tests) see what a real quarter looks like.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rusqlite::OptionalExtension as _;
use serde::Serialize;
use tingjian_core::listening::{ChannelMode, HeardSpan};
use tingjian_core::model::Person;
use tingjian_core::time::in_branch_zone;
use tingjian_core::{Coded, ErrorCode, QuarterId, QuarterState, UiError};
use tingjian_demo::{DemoError, DemoOptions, generate};
use tingjian_import::ImportReport;
use tingjian_vault::{Event, Vault};

/// The demo's people: who would use the app in a real branch.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("wang.jianguo", "王建国（行长）", "reviewer"),
    ("zhou.hong", "周红（分管副行长）", "reviewer"),
    ("li.min", "李敏（消保中心）", "coordinator"),
    ("zhang.wei", "张伟（零售金融部）", "owner"),
    ("chen.jing", "陈静（信用卡中心）", "owner"),
    ("liu.yang", "刘洋（城东支行）", "owner"),
];

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

pub fn fill(vault_dir: &Path, actor: &str, data: Option<&Path>) -> Result<DemoSummary, UiError> {
    let mut vault = Vault::open_or_create(vault_dir, actor).map_err(|e| UiError::from(&e))?;
    // The demo's dates are anchored to the day the vault was made, not to today: running `demo`
    // again on a later day then finds the same complaints and changes nothing.
    let created: String = vault
        .db()
        .query_row("SELECT created_at FROM vault_info WHERE id = 1", [], |row| row.get(0))
        .map_err(|e| UiError::from(&tingjian_vault::VaultError::from(e)))?;
    let anchor = created.parse::<jiff::Timestamp>().unwrap_or_else(|_| vault.clock().now());
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
    let mut people_added = 0;
    for (id, name, role) in PEOPLE {
        let known: Option<String> = vault
            .db()
            .query_row("SELECT id FROM people WHERE id = ?1", [id], |row| row.get(0))
            .optional()
            .map_err(|e| UiError::from(&tingjian_vault::VaultError::from(e)))?;
        if known.is_none() {
            people_added += 1;
            setup.push(Event::PersonAdded {
                person: Person { id: (*id).to_owned(), display_name: (*name).to_owned(), role: (*role).to_owned() },
            });
        }
    }
    let quarter_known: Option<String> = vault
        .db()
        .query_row("SELECT id FROM quarters WHERE id = ?1", [quarter.to_string()], |row| row.get(0))
        .optional()
        .map_err(|e| UiError::from(&tingjian_vault::VaultError::from(e)))?;
    if quarter_known.is_none() {
        // Planning until the sample is drawn below; then the quarter opens.
        setup.push(Event::QuarterSet { quarter, state: QuarterState::Planning });
    }
    if !setup.is_empty() {
        vault.record(setup).map_err(|e| UiError::from(&e))?;
    }
    let import =
        tingjian_import::import(&mut vault, &set.export_csv, &set.recordings_dir, &Default::default(), &mut |_| {})
            .map_err(|e| UiError { code: e.code(), message_zh: e.message_zh(), message_en: e.message_en() })?;
    let sampled = sample_and_listen(&mut vault, quarter).map_err(|e| UiError::from(&e))?;
    Ok(DemoSummary {
        vault_path: vault.root().display().to_string(),
        quarter: quarter.to_string(),
        calls: set.calls.len(),
        people_added,
        import,
        sampled,
    })
}

/// A quarter in progress: the demo policy, a draw with a fixed seed, the quarter opened, and two
/// reviewers' listening. Each step is skipped when already done, so a second run changes nothing.
fn sample_and_listen(vault: &mut Vault, quarter: QuarterId) -> Result<usize, tingjian_vault::VaultError> {
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
    let listened_before: bool = vault.db().query_row(
        "SELECT EXISTS (SELECT 1 FROM listening_sessions WHERE device = ?1)",
        [DEMO_DEVICE],
        |row| row.get(0),
    )?;
    if !listened_before {
        for (reviewer, percent) in DEMO_LISTENERS {
            let Some(call) = sample.assignments.iter().find(|a| a.reviewer_id == *reviewer) else { continue };
            // Acting as the reviewer, as the app would when they listen.
            let mut as_reviewer = Vault::open(vault.root(), reviewer)?;
            let target = as_reviewer.find_recording(&call.complaint_number)?;
            let end_ms = target.duration_ms * percent / 100;
            let session = as_reviewer.start_listening(&target, DEMO_DEVICE)?;
            let span = HeardSpan { start_ms: 0, end_ms, channel: ChannelMode::Both };
            as_reviewer.end_listening(&session, vec![span], if *percent >= 100 { "finished" } else { "stopped" })?;
        }
    }
    Ok(sample.assignments.len())
}
