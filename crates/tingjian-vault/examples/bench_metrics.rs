//! `make bench-metrics`: the quarter's complaint-handling figures (`Vault::handling_metrics`, what
//! the 处理时效 screen, `tingjian metrics` and the report call) on 1,000,000 complaints of one
//! quarter, beside `sqlite3` running a plain aggregate over the same rows of the same file.
//!
//! The figures read only the complaints table (and the few extensions and pauses), so the vault's
//! rows are written straight into it in one transaction rather than through a million audit
//! events (which `make bench-verify` measures): the vault does not verify, and is only for this.
//! It is cached in `target/bench-metrics-vault` and rebuilt when the schema or the size changed.
//! Median of 10 runs after a warm-up; figures are printed, never asserted.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use rusqlite::params;
use tingjian_core::QuarterId;
use tingjian_vault::{DATABASE_FILE, LISTED_ON_SCREEN, Vault};

mod common;
use common::target_dir;

const RUNS: usize = 10;
const GOAL_MS: f64 = 200.0;

const DEPARTMENTS: &[&str] = &[
    "信用卡中心",
    "个人信贷部",
    "城东支行",
    "城西支行",
    "运营管理部",
    "零售金融部",
    "高新支行",
    "公司业务部",
    "南湖支行",
    "北郊支行",
    "网络金融部",
    "营业部",
];

fn stored(at: Timestamp) -> String {
    tingjian_vault::event::format_instant(at)
}

/// Fills the complaints of 2026Q3 straight into the table, with the mix a branch sees: seven in
/// ten with a dispatch time, nineteen in twenty answered (a few after the hour), nine in ten
/// decided (some after 15 days), and a thousand extensions and pauses.
fn build(dir: &Path, complaints: u64) -> Result<(), Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(dir);
    drop(Vault::create(dir, "bench")?);
    let mut conn = rusqlite::Connection::open(dir.join(DATABASE_FILE))?;
    let tx = conn.transaction()?;
    // The search index is not what this measures, and its triggers would triple the build.
    tx.execute_batch("DROP TRIGGER complaint_search_insert;")?;
    let start: Timestamp = "2026-06-30T16:00:00Z".parse()?;
    let mut random = fastrand::Rng::with_seed(2026);
    {
        let mut insert = tx.prepare(
            "INSERT INTO complaints (number, accepted_at, quarter, channel, business_line, category, department,
             customer_name, phone, first_response_at, resolved_at, status, recording_file, regulator_forwarded,
             summary, event_seq, dispatched_at)
             VALUES (?1, ?2, '2026Q3', '客服热线', '信用卡', '收费定价', ?3, '张三', '13800001111', ?4, ?5,
                     '已办结', '', 0, '年费争议', 1, ?6)",
        )?;
        for index in 0..complaints {
            let accepted = start + SignedDuration::from_secs(random.i64(0..91 * 86_400));
            let dispatched = random.bool().then(|| accepted + SignedDuration::from_secs(random.i64(0..1_800)));
            let clock_start = dispatched.unwrap_or(accepted);
            let late = random.u8(..50) == 0;
            let taken = random.i64(if late { 3_601..9_000 } else { 60..3_600 });
            let response = (random.u8(..20) > 0).then(|| clock_start + SignedDuration::from_secs(taken));
            let resolved =
                (random.u8(..10) > 0).then(|| accepted + SignedDuration::from_secs(random.i64(3_600..20 * 86_400)));
            insert.execute(params![
                format!("TS{index:010}"),
                stored(accepted),
                DEPARTMENTS[random.usize(..DEPARTMENTS.len())],
                response.map(stored),
                resolved.map(stored),
                dispatched.map(stored),
            ])?;
        }
    }
    for index in 0..1_000u64 {
        let number = format!("TS{:010}", index * 997);
        tx.execute(
            "INSERT OR REPLACE INTO handling_extensions VALUES (?1, 30, NULL, '情况复杂', 'bench', ?2, 1)",
            params![number, stored(start)],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO handling_pauses VALUES (?1, ?2, ?3, '外部鉴定', 1)",
            params![
                number,
                stored(start + SignedDuration::from_hours(24)),
                stored(start + SignedDuration::from_hours(72))
            ],
        )?;
    }
    // The clock columns and tallies, as applying each complaint's event would have written them.
    tingjian_vault::refresh_all_clock_columns(&tx)?;
    tx.commit()?;
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let complaints: u64 =
        std::env::var("BENCH_METRICS_COMPLAINTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let dir = target_dir().join("bench-metrics-vault");
    let stamp = dir.join("built-for");
    // The whole schema's text, so a changed index rebuilds the vault too.
    let schema: String = {
        let temp = tempfile::tempdir()?;
        let vault = Vault::create(&temp.path().join("v"), "bench")?;
        let db = rusqlite::Connection::open(vault.root().join(DATABASE_FILE))?;
        db.query_row(
            "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name)",
            [],
            |row| row.get(0),
        )?
    };
    let wanted = format!("{complaints} complaints of 2026Q3\n{schema}");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        eprintln!("building {} ({complaints} complaints; once, then cached)", dir.display());
        let began = Instant::now();
        build(&dir, complaints)?;
        std::fs::write(&stamp, &wanted)?;
        eprintln!("built in {:.0} s", began.elapsed().as_secs_f64());
    }
    let vault = Vault::open(&dir, "bench")?;
    let quarter = QuarterId::new(2026, 3).ok_or("quarter")?;
    let figures = vault.handling_metrics(quarter, LISTED_ON_SCREEN)?;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let began = Instant::now();
        let again = vault.handling_metrics(quarter, LISTED_ON_SCREEN)?;
        times.push(began.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(again.branch, figures.branch);
    }
    let ours = median(times);

    // Every list complete, as `tingjian metrics --all` asks: each listed complaint goes through the
    // clocks one by one, so this grows with the lists, not the quarter.
    let began = Instant::now();
    let everything = vault.handling_metrics(quarter, usize::MAX)?;
    let all_lists = began.elapsed().as_secs_f64() * 1000.0;
    let listed = everything.late_responses.listed.len()
        + everything.late_handling.listed.len()
        + everything.open.listed.len()
        + everything.data_problems.listed.len();

    // The reference: one aggregate in the sqlite3 shell over the same rows, its process included.
    let query = "SELECT department, count(*), \
        sum(first_response_at IS NOT NULL AND (julianday(first_response_at) - julianday(coalesce(dispatched_at, accepted_at))) * 86400 <= 3600), \
        sum(resolved_at IS NOT NULL AND (julianday(resolved_at) - julianday(accepted_at)) <= 15) \
        FROM complaints WHERE quarter = '2026Q3' GROUP BY department;";
    let mut reference = Vec::new();
    for _ in 0..3 {
        let began = Instant::now();
        let output = Command::new("sqlite3").arg(dir.join(DATABASE_FILE)).arg(query).output()?;
        reference.push(began.elapsed().as_secs_f64() * 1000.0);
        if !output.status.success() {
            return Err(format!("sqlite3 failed: {}", String::from_utf8_lossy(&output.stderr)).into());
        }
    }
    let reference = median(reference);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} core(s)");
    println!(
        "quarter 2026Q3: {} complaints, response {:.2}% ({} due), handling {:.2}% ({} decided), {} overdue, {} late responses",
        figures.branch.complaints,
        figures.branch.response_rate.unwrap_or(0.0),
        figures.branch.response_due,
        figures.branch.handling_rate.unwrap_or(0.0),
        figures.branch.decided,
        figures.branch.overdue,
        figures.late_responses.total
    );
    println!(
        "handling_metrics, the screen's first {LISTED_ON_SCREEN} of each list (median of {RUNS}): {ours:.0} ms  (goal ≤ {GOAL_MS:.0} ms)"
    );
    println!(
        "handling_metrics with every list complete ({listed} complaints listed, `metrics --all`): {all_lists:.0} ms"
    );
    println!(
        "reference: sqlite3 aggregate by department over the same rows: {reference:.0} ms ({:.2}× ours)",
        reference / ours
    );
    Ok(())
}
