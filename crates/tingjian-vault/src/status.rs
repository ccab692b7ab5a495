//! The vault at a glance, as the home screen and `tingjian status` show it.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use tingjian_core::{QuarterId, QuarterState};
use ts_rs::TS;

use crate::{Vault, VaultError, schema};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VaultStatus {
    pub vault_path: String,
    pub vault_id: String,
    pub schema_version: u32,
    /// The quarter today falls in, in the branch's zone, e.g. `2026Q4`.
    pub current_quarter: String,
    pub current_quarter_starts_on: String,
    pub current_quarter_ends_on: String,
    /// The quarter's state, or `None` when it has not been set up in this vault.
    pub quarter_state: Option<QuarterState>,
    #[ts(type = "number")]
    pub complaints_in_quarter: u64,
    #[ts(type = "number")]
    pub recordings_in_quarter: u64,
    #[ts(type = "number")]
    pub complaints_total: u64,
    #[ts(type = "number")]
    pub recordings_total: u64,
    #[ts(type = "number")]
    pub events: u64,
    pub head_hash: Option<String>,
    /// The vault holds the demo's synthetic data (`tingjian demo`), not a real quarter.
    pub demo: bool,
    pub last_event_at: Option<String>,
    /// This quarter's complaints per responsible department, most complaints first.
    pub departments: Vec<DepartmentCount>,
}

/// One responsible department's complaints in the current quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DepartmentCount {
    pub department: String,
    #[ts(type = "number")]
    pub complaints: u64,
    #[ts(type = "number")]
    pub with_recording: u64,
    /// 监管转办: forwarded by the regulator.
    #[ts(type = "number")]
    pub regulator_forwarded: u64,
}

pub fn status(vault: &Vault) -> Result<VaultStatus, VaultError> {
    let db = vault.db();
    let quarter = QuarterId::of_instant(vault.clock().now());
    let q = quarter.to_string();
    let count = |sql: &str, with_quarter: bool| -> Result<u64, VaultError> {
        let value: i64 = if with_quarter {
            db.query_row(sql, [&q], |row| row.get(0))?
        } else {
            db.query_row(sql, [], |row| row.get(0))?
        };
        Ok(value.max(0) as u64)
    };
    let (vault_id, demo): (String, bool) = db
        .query_row("SELECT vault_id, demo_since_seq IS NOT NULL FROM vault_info WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?
        .unwrap_or_default();
    let quarter_state: Option<String> =
        db.query_row("SELECT state FROM quarters WHERE id = ?1", [&q], |row| row.get(0)).optional()?;
    let head: Option<(String, String)> = db
        .query_row("SELECT hash, at FROM events ORDER BY seq DESC LIMIT 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let mut statement = db.prepare(
        "SELECT department, count(*), count(recording_hash), sum(regulator_forwarded) FROM complaints
         WHERE quarter = ?1 GROUP BY department ORDER BY count(*) DESC, department",
    )?;
    let departments = statement
        .query_map([&q], |row| {
            Ok(DepartmentCount {
                department: row.get(0)?,
                complaints: row.get::<_, i64>(1)?.max(0) as u64,
                with_recording: row.get::<_, i64>(2)?.max(0) as u64,
                regulator_forwarded: row.get::<_, Option<i64>>(3)?.unwrap_or(0).max(0) as u64,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VaultStatus {
        vault_path: vault.root().display().to_string(),
        vault_id,
        demo,
        schema_version: schema::user_version(db)?,
        current_quarter: q.clone(),
        current_quarter_starts_on: quarter.first_day().to_string(),
        current_quarter_ends_on: quarter.last_day().to_string(),
        quarter_state: quarter_state.as_deref().and_then(QuarterState::parse),
        complaints_in_quarter: count("SELECT count(*) FROM complaints WHERE quarter = ?1", true)?,
        recordings_in_quarter: count(
            "SELECT count(DISTINCT recording_hash) FROM complaints WHERE quarter = ?1 AND recording_hash IS NOT NULL",
            true,
        )?,
        complaints_total: count("SELECT count(*) FROM complaints", false)?,
        recordings_total: count("SELECT count(*) FROM recordings", false)?,
        events: count("SELECT count(*) FROM events", false)?,
        head_hash: head.as_ref().map(|(hash, _)| hash.clone()),
        last_event_at: head.map(|(_, at)| at),
        departments,
    })
}
