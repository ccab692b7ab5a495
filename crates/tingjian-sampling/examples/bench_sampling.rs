//! `make bench-sampling`: a draw from a million synthetic complaints with the example policy,
//! against `shuf -n` picking as many numbers from a file of the same million complaint numbers.
//!
//! The population is built in memory before timing, since the draw's budget (200 ms) is for the
//! draw alone; building it is the vault's query. Figures are printed, never asserted.

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use tingjian_sampling::{Policy, PopulationItem, draw};

const POPULATION: usize = 1_000_000;
const RUNS: usize = 7;

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
];
const BUSINESS_LINES: &[&str] = &["信用卡", "个人贷款", "财富管理", "储蓄存款", "电子银行", "对公业务"];
const CATEGORIES: &[&str] =
    &["收费定价", "服务态度", "业务规则", "产品销售", "信息安全", "系统故障", "债务催收", "征信异议", "其他"];

fn population(start: Timestamp) -> Vec<PopulationItem> {
    let mut random = fastrand::Rng::with_seed(2026);
    (0..POPULATION)
        .map(|index| {
            let has_recording = random.u64(..100) < 95;
            let accepted_at = start + SignedDuration::from_secs(random.u64(..90 * 86_400) as i64);
            // Most complaints are decided within 14 days; one in a hundred takes 16 to 30, and two in
            // a hundred are still open, which is what keeps "overdue" a rare mandatory kind.
            let outcome = random.u64(..100);
            let days = if outcome < 97 { random.u64(..14 * 86_400) } else { 16 * 86_400 + random.u64(..14 * 86_400) };
            let resolved_at = (outcome < 98).then(|| accepted_at + SignedDuration::from_secs(days as i64));
            // Open complaints are recent ones: a complaint open for weeks would have been chased.
            let accepted_at = if outcome < 98 {
                accepted_at
            } else {
                start + SignedDuration::from_secs((80 * 86_400 + random.u64(..18 * 86_400)) as i64)
            };
            PopulationItem {
                complaint_number: format!("TS2026{index:09}"),
                recording_hash: has_recording.then(|| {
                    format!(
                        "{:016x}{:016x}{:016x}{:016x}",
                        random.u64(..),
                        random.u64(..),
                        random.u64(..),
                        random.u64(..)
                    )
                }),
                duration_ms: has_recording.then(|| 5_000 + random.u64(..20 * 60_000)),
                department: DEPARTMENTS[random.u64(..DEPARTMENTS.len() as u64) as usize].to_owned(),
                business_line: BUSINESS_LINES[random.u64(..BUSINESS_LINES.len() as u64) as usize].to_owned(),
                category: CATEGORIES[random.u64(..CATEGORIES.len() as u64) as usize].to_owned(),
                severity: None,
                accepted_at,
                resolved_at,
                // About one customer in a hundred calls twice.
                phone: format!("139{:08}", random.u64(..POPULATION as u64 * 99)),
                regulator_forwarded: random.u64(..1000) < 5,
                escalated: random.u64(..1000) < 10,
                reviewed_before: random.u64(..100) < 2,
            }
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut policy = Policy::from_toml(include_str!("policy.toml"))?;
    // At this scale a bank would draw more than the demo's 8 calls by stratum.
    policy.strata.total = 200;
    let start: Timestamp = "2026-06-30T16:00:00Z".parse()?;
    let drawn_at: Timestamp = "2026-10-08T02:00:00Z".parse()?;
    print!("building {POPULATION} synthetic complaints… ");
    std::io::stdout().flush()?;
    let items = population(start);
    println!("done");

    let mut times = Vec::new();
    let mut sample_size = 0;
    for run in 0..RUNS {
        let began = Instant::now();
        let result = draw(&policy, &items, run as u64, drawn_at)?;
        times.push(began.elapsed());
        sample_size = result.sample.len();
    }
    let ours = median(times.clone());
    println!(
        "draw from {POPULATION} complaints: median {:.1} ms over {RUNS} runs (min {:.1}, max {:.1}); {sample_size} calls drawn",
        ours.as_secs_f64() * 1e3,
        times.iter().min().map_or(0.0, |t| t.as_secs_f64() * 1e3),
        times.iter().max().map_or(0.0, |t| t.as_secs_f64() * 1e3),
    );

    // The vault lists complaints by number; a population in any other order costs the
    // fingerprint a sort, and must give the same draw.
    let first = draw(&policy, &items, 0, drawn_at)?;
    let mut shuffled = items.clone();
    let mut random = fastrand::Rng::with_seed(7);
    for index in (1..shuffled.len()).rev() {
        shuffled.swap(index, random.u64(..index as u64 + 1) as usize);
    }
    let mut shuffled_times = Vec::new();
    for _ in 0..RUNS {
        let began = Instant::now();
        let again = draw(&policy, &shuffled, 0, drawn_at)?;
        shuffled_times.push(began.elapsed());
        assert_eq!(again, first, "a shuffled population must give the same draw");
    }
    drop(shuffled);
    println!(
        "same population shuffled: median {:.1} ms (same sample: yes)",
        median(shuffled_times).as_secs_f64() * 1e3
    );

    // The reference: `shuf -n` over a file of the same complaint numbers, the simplest fair
    // "random sample from a million" a person could run — no strata, no rules, no assignment.
    let dir = std::env::temp_dir().join(format!("tingjian-bench-sampling-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let numbers = dir.join("numbers.txt");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&numbers)?);
    for item in &items {
        writeln!(file, "{}", item.complaint_number)?;
    }
    file.into_inner()?.sync_all()?;
    let mut reference = Vec::new();
    for _ in 0..RUNS {
        let began = Instant::now();
        let output = Command::new("shuf").arg("-n").arg(sample_size.to_string()).arg(&numbers).output();
        let elapsed = began.elapsed();
        match output {
            Ok(output) if output.status.success() => reference.push(elapsed),
            _ => break,
        }
    }
    std::fs::remove_dir_all(&dir)?;
    if reference.len() == RUNS {
        let theirs = median(reference);
        println!(
            "shuf -n {sample_size} over the same {POPULATION} numbers: median {:.1} ms; Tingjian's draw takes {:.2}× shuf's time",
            theirs.as_secs_f64() * 1e3,
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    } else {
        println!("shuf is not available: no reference figure");
    }
    println!("budget: 200 ms — {}", if ours <= Duration::from_millis(200) { "within" } else { "OVER" });
    Ok(())
}
