//! `make bench-library`: the library's queries on a vault of 100,000 synthetic complaints.
//!
//! The vault is built once through `Vault::record` (so through the audit chain, the projection and
//! the search triggers, exactly as an import fills it) and cached in `target/bench-library-vault`;
//! it is rebuilt when the schema changed. Each representative query of the library screen (a page
//! of 200 rows and the total) is timed over 30 runs after a warm-up; the median and the 95th
//! percentile are printed against the 30 ms budget, with `sqlite3` running a plain `LIKE` scan on
//! the same file as the reference. Figures are printed, never asserted.
//!
//! Figures measured on the two-core development machine (release build, November 2026), with
//! `make bench-library`; ARCHITECTURE.md keeps only the decisions they led to:
//!
//! - A two-character search (理财, 保险) is one token lookup in `complaint_bigrams`: ~4 ms for a
//!   page and the total. The `sqlite3` reference, a `LIKE`/`instr` scan of summaries and notes,
//!   takes 60–150 ms, several times the budget: hence the bigram index.
//! - A one-character search is a prefix lookup: ~15 ms for 卡, which is in a quarter of all
//!   complaints. A one- or two-character search for punctuation, which the tokenizer drops, scans:
//!   ~150 ms.
//! - `complaint_bigrams` (`detail=none`) costs ~6 MB of index and ~37 MB of token text per 100,000
//!   complaints.
//! - The duration order: pages in the middle of its 70,000 recorded calls take ~35 ms, the one walk
//!   over the budget.
//! - "Not reviewed" counted by probing every complaint would take ~35 ms, so it is counted as all
//!   minus the reviewed ones (two index counts).
//! - Starting a large result from a set condition (full text, reviewed) fetches each member by
//!   rowid at ~1 µs each, which is why large results are walked in the order's index instead.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use tingjian_core::model::{Complaint, Recording};
use tingjian_vault::{ComplaintQuery, ComplaintSort, DATABASE_FILE, Event, Vault};

mod common;
use common::target_dir;

const COMPLAINTS: usize = 100_000;
const BATCH: usize = 5_000;
const RUNS: usize = 30;
const PAGE: u32 = 200;
const BUDGET_MS: f64 = 30.0;

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
const BUSINESS_LINES: &[&str] =
    &["信用卡", "个人贷款", "财富管理", "储蓄存款", "电子银行", "对公业务", "代理保险", "支付结算"];
const CATEGORIES: &[&str] =
    &["收费定价", "服务态度", "业务规则", "产品销售", "信息安全", "系统故障", "债务催收", "征信异议", "其他"];
const CHANNELS: &[&str] = &["客服热线", "网点现场", "监管转办", "来信来函", "网络渠道", "12378热线"];
const STATUSES: &[&str] = &["已办结", "处理中", "已办结", "已办结", "待回访"];
const SURNAMES: &[&str] =
    &["张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"];
const GIVEN: &[&str] =
    &["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"];

/// Who complained, about what, and what they want: combined, they make summaries as varied as a
/// branch's real export (the words a reviewer searches for — 理财, 保险, 提前还款 — appear in some
/// thousands of them, not in all).
const OPENINGS: &[&str] = &[
    "客户反映",
    "客户来电称",
    "客户经监管部门转来投诉：",
    "客户代其父母投诉：",
    "企业客户来函反映",
    "客户到网点现场投诉，",
    "客户通过手机银行留言，",
];
const SITUATIONS: &[&str] = &[
    "在{d}购买净值型理财产品，称理财经理承诺保本、未揭示风险，现亏损{n}元",
    "信用卡被扣收年费{n}元，称办卡时承诺免年费",
    "分期还款的“零利息”却按月收取手续费，合计{n}元",
    "申请提前还款住房贷款，被告知须支付违约金{n}元，称签约时未获条款提示",
    "在{d}排队一个半小时，仅开放两个窗口，柜员态度冷淡",
    "使用手机银行转账{n}元，页面提示失败但账户已扣款",
    "工资卡非柜面交易限额被下调至每日{n}元，事先未获通知",
    "到网点存款时被推荐购买分红型保险，称误以为是存款，退保仅退回约一半",
    "在{d}自助取款机取款时设备故障吞卡，网点已下班无法领回",
    "征信报告出现本行逾期记录，称系系统升级导致自动扣款失败",
    "办理三年期定期存款，实际利率低于柜台宣传单",
    "到{d}存入硬币及零钞，柜员以人多为由拒收",
    "信用卡逾期后催收机构每日多次来电并联系其工作单位",
    "借记卡在本人持卡情况下于外地发生三笔快捷支付交易，合计{n}元，怀疑信息泄露",
    "申请开立对公账户，提交材料两周仍未开立",
    "多次退订营销短信后仍每日收到贷款广告，怀疑个人信息泄露",
    "购买的基金定投产品未经同意自动扣款{n}元",
    "办理消费贷款时被要求搭售意外保险，保费{n}元",
    "理财产品到期后资金迟迟未到账，逾期{n}天",
    "柜员办理挂失时要求本人到场，客户行动不便",
];
const DEMANDS: &[&str] = &[
    "要求退还费用",
    "要求赔偿损失",
    "要求支行核实并改进",
    "要求尽快查明并处理",
    "要求恢复限额",
    "要求致歉并按规定办理",
    "申请征信异议更正",
    "要求停止骚扰",
    "要求说明收费依据",
    "要求提供适老化服务",
];
const NOTE_TEXTS: &[&str] = &[
    "坐席未核实客户身份即告知账户信息",
    "客户情绪激动，坐席未及时安抚",
    "坐席承诺回电但未记录工单",
    "此处客户明确提出退保诉求",
    "坐席解释收费依据不清楚",
    "静默超过二十秒，疑似查询系统",
    "客户提到理财经理口头承诺保本",
    "坐席引导客户向监管投诉，用语不当",
];
const REFLECTIONS: &[&str] = &[
    "销售环节风险揭示不到位，须加强双录抽查。",
    "收费标准公示不清，应在网点和手机银行同步公示。",
    "坐席应答话术需修订，增加安抚环节。",
    "系统升级未做好客户告知，运营管理部牵头整改。",
];

/// One of `from`, from the benchmark's fixed-seed generator (so every build makes the same vault).
fn pick<'a>(random: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[random.usize(..from.len())]
}

/// The schema a vault made by this build has, to tell whether the cached vault is still current.
fn schema_of(db: &rusqlite::Connection) -> rusqlite::Result<String> {
    db.query_row(
        "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name)",
        [],
        |row| row.get(0),
    )
}

/// A connection of the benchmark's own to the vault's file, for the schema and SQLite's upkeep
/// (the vault keeps its connections to itself).
fn database_of(vault: &Vault) -> rusqlite::Result<rusqlite::Connection> {
    rusqlite::Connection::open(vault.root().join(DATABASE_FILE))
}

fn current_schema() -> Result<String, Box<dyn std::error::Error>> {
    let temp = std::env::temp_dir().join(format!("tingjian-bench-schema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    let vault = Vault::create(&temp, "bench")?;
    let schema = schema_of(&database_of(&vault)?)?;
    std::fs::remove_dir_all(&temp)?;
    Ok(schema)
}

fn summary(random: &mut fastrand::Rng) -> String {
    let situation = pick(random, SITUATIONS)
        .replace("{d}", pick(random, DEPARTMENTS))
        .replace("{n}", &(100 * (1 + random.u64(..500))).to_string());
    format!("{}{}，{}。", pick(random, OPENINGS), situation, pick(random, DEMANDS))
}

fn complaint(random: &mut fastrand::Rng, index: usize, start: Timestamp) -> Complaint {
    // Six quarters, 2025Q1 to 2026Q2, in the order an export lists them (not by acceptance).
    let accepted = start + SignedDuration::from_secs(random.u64(..546 * 86_400) as i64);
    let accepted_at = accepted.strftime("%Y-%m-%dT%H:%M:%S.000000Z").to_string();
    let resolved = random.u64(..100) < 90;
    let forwarded = random.u64(..100) < 12;
    Complaint {
        number: format!("TS{}{:06}", accepted.strftime("%Y"), index),
        accepted_at,
        channel: if forwarded { "监管转办".to_owned() } else { pick(random, CHANNELS).to_owned() },
        business_line: pick(random, BUSINESS_LINES).to_owned(),
        category: pick(random, CATEGORIES).to_owned(),
        department: pick(random, DEPARTMENTS).to_owned(),
        customer_name: format!("{}{}", pick(random, SURNAMES), pick(random, GIVEN)),
        phone: format!("138{:08}", random.u64(..100_000_000)),
        first_response_at: None,
        resolved_at: resolved
            .then(|| (accepted + SignedDuration::from_hours(24 * (1 + random.u64(..14) as i64))).to_string()),
        status: pick(random, STATUSES).to_owned(),
        recording_file: format!("{index}.wav"),
        regulator_forwarded: forwarded,
        dispatched_at: None,
        summary: summary(random),
    }
}

/// Builds the vault in `dir`: 100,000 complaints, 70% with a recording, some notes (5%) and
/// reflections (8%), in batches of 5,000 events.
fn build(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(dir);
    let mut vault = Vault::create(dir, "bench")?;
    let mut random = fastrand::Rng::with_seed(2026);
    let start: Timestamp = "2024-12-31T16:00:00Z".parse()?;
    let mut events = Vec::with_capacity(BATCH + 8);
    for index in 0..COMPLAINTS {
        let complaint = complaint(&mut random, index, start);
        let number = complaint.number.clone();
        events.push(Event::ComplaintRecorded { complaint });
        if random.u64(..100) < 70 {
            let hash = format!("{:016x}{:016x}", random.u64(..), index);
            let codec = ["pcm_s16le", "mp3", "aac", "amr_nb"][random.u64(..4) as usize];
            events.push(Event::RecordingStored {
                recording: Recording {
                    hash: hash.clone(),
                    original_name: format!("{index}.wav"),
                    container: "wav".to_owned(),
                    codec: codec.to_owned(),
                    sample_rate: 8000,
                    channels: 2,
                    duration_ms: 30_000 + random.u64(..900_000),
                    bytes: 1,
                    analytics: None,
                },
            });
            events.push(Event::RecordingLinked { complaint_number: number.clone(), recording_hash: hash.clone() });
            if random.u64(..100) < 7 {
                for note in 0..1 + random.u64(..3) {
                    events.push(Event::NoteAdded {
                        note_id: format!("n{index}-{note}"),
                        complaint_number: number.clone(),
                        recording_hash: hash.clone(),
                        at_ms: random.u64(..300_000),
                        text: pick(&mut random, NOTE_TEXTS).to_owned(),
                    });
                }
            }
            if random.u64(..100) < 11 {
                events.push(Event::ReflectionSubmitted {
                    reflection_id: format!("r{index}"),
                    complaint_number: number.clone(),
                    text: pick(&mut random, REFLECTIONS).to_owned(),
                });
            }
        }
        if events.len() >= BATCH {
            vault.record(std::mem::take(&mut events))?;
        }
        if (index + 1) % 20_000 == 0 {
            eprintln!("  {} complaints ({:.0} s)", index + 1, started.elapsed().as_secs_f64());
        }
    }
    vault.record(events)?;
    database_of(&vault)?.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
    eprintln!("built in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Median and 95th percentile (nearest rank) of `times`, in milliseconds.
fn summary_of(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort_unstable();
    let at = |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1].as_secs_f64() * 1e3;
    (at(0.5), at(0.95))
}

/// Times `run` (after three warm-up runs) and returns what it returned and the median and p95.
fn time<T>(mut run: impl FnMut() -> T) -> (T, f64, f64) {
    for _ in 0..3 {
        run();
    }
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        last = Some(run());
        times.push(started.elapsed());
    }
    let (median, p95) = summary_of(times);
    (last.expect("RUNS > 0"), median, p95)
}

/// `text` padded with spaces to `width` columns of a terminal (CJK characters take two).
fn pad(text: &str, width: usize) -> String {
    let used: usize = text.chars().map(|c| if c >= '\u{2E80}' { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// The same search as `text` with `sqlite3` and plain `LIKE` (count and first page, as the library
/// asks): the median of `RUNS` runs in milliseconds from its own `.timer`, and the count it found;
/// `None` without `sqlite3`.
fn sqlite3_like(db: &Path, text: &str) -> Option<(f64, u64)> {
    let like = format!("'%{text}%'");
    let filter = format!(
        "c.number LIKE {like} OR c.summary LIKE {like} OR c.number IN (SELECT complaint_number FROM notes WHERE text LIKE {like})"
    );
    let mut script = String::from(".timer on\n");
    for _ in 0..RUNS + 3 {
        script.push_str(&format!("SELECT count(*) FROM complaints c WHERE {filter};\n"));
        script.push_str(&format!(
            "SELECT c.number, c.summary FROM complaints c WHERE {filter} ORDER BY c.accepted_at, c.number LIMIT {PAGE};\n"
        ));
    }
    let mut child = Command::new("sqlite3")
        .arg("-readonly")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    std::io::Write::write_all(child.stdin.as_mut()?, script.as_bytes()).ok()?;
    drop(child.stdin.take());
    let output = child.wait_with_output().ok()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reals: Vec<f64> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Run Time: real "))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect();
    let count = stdout.lines().next()?.trim().parse().ok()?;
    // Each run is a count and a page; the first three runs warm the cache.
    let runs: Vec<Duration> = reals.chunks(2).skip(3).map(|pair| Duration::from_secs_f64(pair.iter().sum())).collect();
    (!runs.is_empty()).then(|| (summary_of(runs).0, count))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = target_dir().join("bench-library-vault");
    let fresh = current_schema()?;
    let cached = dir
        .join(DATABASE_FILE)
        .is_file()
        .then(|| Vault::open(&dir, "bench").ok().and_then(|v| schema_of(&database_of(&v).ok()?).ok()))
        .flatten();
    if cached.as_deref() != Some(fresh.as_str()) || !dir.join("complete").is_file() {
        eprintln!("building {} (100,000 complaints; once, then cached)", dir.display());
        build(&dir)?;
        std::fs::write(dir.join("complete"), b"")?;
    }
    let vault = Vault::open(&dir, "bench")?;

    let some = |f: &str| Some(f.to_owned());
    let all = ComplaintQuery::default();
    let by = |sort: ComplaintSort, descending: bool| ComplaintQuery { sort, descending, ..Default::default() };
    let text = |t: &str| ComplaintQuery { text: some(t), ..Default::default() };
    let number = vault.complaint_page(&all, 54_321, 1)?.rows.first().map(|r| r.number.clone()).unwrap_or_default();
    let queries: Vec<(String, ComplaintQuery, u32)> = vec![
        ("no filter, first page".into(), all.clone(), 0),
        ("no filter, page at 99,000".into(), all, 99_000),
        ("quarter 2025Q3".into(), ComplaintQuery { quarter: some("2025Q3"), ..Default::default() }, 0),
        ("department 城东支行".into(), ComplaintQuery { department: some("城东支行"), ..Default::default() }, 0),
        ("business line 财富管理".into(), ComplaintQuery { business_line: some("财富管理"), ..Default::default() }, 0),
        ("category 收费定价".into(), ComplaintQuery { category: some("收费定价"), ..Default::default() }, 0),
        ("channel 客服热线".into(), ComplaintQuery { channel: some("客服热线"), ..Default::default() }, 0),
        ("month 2025-05".into(), ComplaintQuery { month: some("2025-05"), ..Default::default() }, 0),
        ("regulator-forwarded".into(), ComplaintQuery { regulator_forwarded: Some(true), ..Default::default() }, 0),
        (
            "not regulator-forwarded".into(),
            ComplaintQuery { regulator_forwarded: Some(false), ..Default::default() },
            0,
        ),
        ("reviewed".into(), ComplaintQuery { reviewed: Some(true), ..Default::default() }, 0),
        ("not reviewed".into(), ComplaintQuery { reviewed: Some(false), ..Default::default() }, 0),
        ("without recording".into(), ComplaintQuery { has_recording: Some(false), ..Default::default() }, 0),
        ("sort: number".into(), by(ComplaintSort::Number, false), 0),
        ("sort: accepted, newest first".into(), by(ComplaintSort::AcceptedAt, true), 0),
        ("sort: department".into(), by(ComplaintSort::Department, false), 0),
        ("sort: business line".into(), by(ComplaintSort::BusinessLine, false), 0),
        ("sort: category".into(), by(ComplaintSort::Category, false), 0),
        ("sort: channel, descending".into(), by(ComplaintSort::Channel, true), 0),
        ("sort: duration, longest first".into(), by(ComplaintSort::Duration, true), 0),
        ("sort: duration, shortest first".into(), by(ComplaintSort::Duration, false), 0),
        ("search 理财 (2 chars)".into(), text("理财"), 0),
        ("search 保险 (2 chars)".into(), text("保险"), 0),
        ("search 提前还款 (4 chars)".into(), text("提前还款"), 0),
        ("search 信息泄露 (4 chars)".into(), text("信息泄露"), 0),
        ("search 卡 (1 char)".into(), text("卡"), 0),
        (format!("search number {number}"), text(&number), 0),
        (
            "城东支行 + not reviewed + 理财".into(),
            ComplaintQuery {
                department: some("城东支行"),
                reviewed: Some(false),
                text: some("理财"),
                ..Default::default()
            },
            0,
        ),
        (
            "2025Q3 + 信用卡 + longest first".into(),
            ComplaintQuery {
                quarter: some("2025Q3"),
                text: some("信用卡"),
                sort: ComplaintSort::Duration,
                descending: true,
                ..Default::default()
            },
            0,
        ),
    ];
    // Not in the budget, shown for what they cost: a search for punctuation (a scan) and pages deep
    // in the two orders that are not one index walk.
    let extra: Vec<(String, ComplaintQuery, u32)> = vec![
        ("(search \"，\": punctuation, a scan)".into(), text("，"), 0),
        ("(sort: duration, page at 99,000)".into(), by(ComplaintSort::Duration, true), 99_000),
        (
            "(not reviewed, page at 80,000)".into(),
            ComplaintQuery { reviewed: Some(false), ..Default::default() },
            80_000,
        ),
        ("(sort: duration, page at 50,000)".into(), by(ComplaintSort::Duration, false), 50_000),
    ];

    println!("Library queries on {COMPLAINTS} complaints: a page of {PAGE} rows and the total, {RUNS} runs each");
    println!("{} {:>8} {:>11} {:>9}  budget {BUDGET_MS} ms", pad("query", 40), "matches", "median ms", "p95 ms");
    let mut over = 0;
    for (in_budget, list) in [(true, &queries), (false, &extra)] {
        for (name, query, offset) in list {
            let (page, median, p95) = time(|| vault.complaint_page(query, *offset, PAGE));
            let page = page?;
            let verdict = if !in_budget {
                ""
            } else if p95 <= BUDGET_MS {
                "ok"
            } else {
                over += 1;
                "OVER"
            };
            println!("{} {:>8} {median:>11.2} {p95:>9.2}  {verdict}", pad(name, 40), page.total);
        }
    }
    let (_, median, p95) = time(|| vault.library_facets());
    let name = pad("(filter values: library_facets)", 40);
    println!("{name} {:>8} {median:>11.2} {p95:>9.2}  (once, when the library opens)", "");

    let (page, ours, _) = time(|| vault.complaint_page(&text("理财"), 0, PAGE));
    match sqlite3_like(&dir.join(DATABASE_FILE), "理财") {
        Some((theirs, count)) => println!(
            "\nreference: sqlite3 LIKE '%理财%' over number, summary and notes (count + first page): {theirs:.2} ms \
             median, {count} matches; Tingjian {ours:.2} ms, {} matches ({:.1}× faster)",
            page?.total,
            theirs / ours,
        ),
        None => println!("\nreference: sqlite3 is not installed (make deps installs it)"),
    }
    println!("{}", if over == 0 { "every query within budget".to_owned() } else { format!("{over} over budget") });
    Ok(())
}
