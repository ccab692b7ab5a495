//! `make bench-verify`: `verify` of a vault holding a branch's years of events.
//!
//! The vault (1,000,000 events by default; `BENCH_VERIFY_EVENTS` changes it) is built once through
//! `Vault::record`, so through the chain, the projection and the search triggers, and cached in
//! `target/bench-verify-vault`; it is rebuilt when the schema or the size changed. Its mix is
//! what a desk writes: complaints (about 6%), each with its details; reviewers' listening sessions,
//! whose `listening_heard` flushes (every 2 s of a call played) are most of any real log; notes
//! and reflections. Two hundred small stored recordings are rehashed too. Its accounts start right
//! after its creation, so every event but the first is signed (event format 3) by the
//! coordinator's key, and verify checks every signature.
//!
//! The check is the auditor's: `verify_without_writing` (what `tingjian verify` runs) in a child
//! process of its own, so its peak resident memory (`VmHWM`) is verify's alone. It is printed as
//! events per second and peak memory, beside `sha256sum` over the same payload bytes as the
//! reference, in the same run. Figures are printed, never asserted.
//!
//! The generated listening is recorded faster than it could be heard (the whole log is written in
//! a few minutes), so verify warns about it; warnings are computed like any other check, and the
//! report must still be `ok`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use tingjian_core::listening::{ChannelMode, HeardSpan};
use tingjian_core::model::{Complaint, Person, Recording, Role};
use tingjian_signing::{PersonKey, SealedKey, SealingParams};
use tingjian_vault::{DATABASE_FILE, Event, Vault, verify_without_writing};

mod common;
use common::target_dir;

const DEFAULT_EVENTS: u64 = 1_000_000;
const BATCH: usize = 5_000;
const RECORDINGS: u64 = 200;

/// The schema a vault made by this build has, and the size asked for: the cached vault is used
/// only when both match.
fn build_key(events: u64) -> Result<String, Box<dyn std::error::Error>> {
    let temp = tempfile::tempdir()?;
    let vault = Vault::create(&temp.path().join("v"), "bench")?;
    let db = rusqlite::Connection::open(vault.root().join(DATABASE_FILE))?;
    let schema: String = db.query_row(
        "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name)",
        [],
        |row| row.get(0),
    )?;
    Ok(format!("{events} signed\n{schema}"))
}

fn complaint(random: &mut fastrand::Rng, index: u64) -> Complaint {
    const DEPARTMENTS: [&str; 6] = ["信用卡中心", "零售金融部", "城东支行", "城西支行", "财富管理部", "运营管理部"];
    const SUMMARIES: [&str; 5] = [
        "客户反映信用卡年费未经告知即被扣收，要求退还并说明收费依据",
        "客户称理财产品到期后未按约定时间兑付，多次致电未获答复",
        "客户投诉柜面办理提前还款时被要求购买保险，认为属于搭售",
        "客户反映手机银行转账失败但账户已扣款，要求尽快退回",
        "客户称其个人信息疑似泄露，接到冒充本行的推销电话",
    ];
    let day = 1 + index % 28;
    let month = 1 + (index / 28) % 12;
    Complaint {
        number: format!("TS{:010}", index),
        accepted_at: format!("2025-{month:02}-{day:02} 09:{:02}:00", index % 60),
        channel: "客服热线".to_owned(),
        business_line: "零售".to_owned(),
        category: "收费定价".to_owned(),
        department: DEPARTMENTS[random.usize(..DEPARTMENTS.len())].to_owned(),
        customer_name: "张三".to_owned(),
        phone: format!("138{:08}", random.u64(..100_000_000)),
        first_response_at: None,
        resolved_at: None,
        status: "处理中".to_owned(),
        recording_file: String::new(),
        regulator_forwarded: random.u64(..100) < 3,
        dispatched_at: None,
        summary: SUMMARIES[random.usize(..SUMMARIES.len())].to_owned(),
    }
}

/// Builds the vault in `dir` with about `total` events, in batches of [`BATCH`].
fn build(dir: &Path, total: u64) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(dir);
    let mut vault = Vault::create(dir, "bench")?;
    let coordinator = Person {
        id: "bench".to_owned(),
        display_name: "基准测试协调人".to_owned(),
        role: Role::Coordinator,
        department: None,
    };
    vault.start_accounts(coordinator, "bench passphrase 2026", SealingParams::FOR_TESTS)?;
    let mut random = fastrand::Rng::with_seed(2027);
    let mut hashes = Vec::new();
    let mut events = Vec::with_capacity(BATCH + 200);
    for index in 0..RECORDINGS {
        let stored = vault.audio().put_bytes(format!("recording {index}").as_bytes())?;
        hashes.push(stored.hash.clone());
        events.push(Event::RecordingStored {
            recording: Recording {
                hash: stored.hash,
                original_name: format!("{index}.wav"),
                container: "wav".to_owned(),
                codec: "pcm_s16le".to_owned(),
                sample_rate: 8000,
                channels: 2,
                duration_ms: 600_000,
                bytes: stored.bytes,
                analytics: None,
            },
        });
    }
    let mut written = 1 + RECORDINGS;
    let mut index = 0u64;
    let mut session = 0u64;
    while written < total {
        let complaint = complaint(&mut random, index);
        let number = complaint.number.clone();
        events.push(Event::ComplaintRecorded { complaint });
        written += 1;
        // One complaint in six was listened to: a session of 40–160 flushes of 2 s each.
        if index.is_multiple_of(6) {
            let hash = hashes[random.usize(..hashes.len())].clone();
            let session_id = format!("s{session:08}");
            session += 1;
            events.push(Event::ListeningStarted {
                session_id: session_id.clone(),
                recording_hash: hash.clone(),
                complaint_number: Some(number.clone()),
                device: "default".to_owned(),
            });
            let flushes = 40 + random.u64(..120);
            for flush in 0..flushes {
                let span =
                    HeardSpan { start_ms: flush * 2_000, end_ms: flush * 2_000 + 2_000, channel: ChannelMode::Both };
                events.push(Event::ListeningHeard { session_id: session_id.clone(), spans: vec![span] });
            }
            events.push(Event::ListeningEnded { session_id, reason: "stopped".to_owned() });
            written += flushes + 2;
            if random.u64(..100) < 30 {
                events.push(Event::NoteAdded {
                    note_id: format!("n{index}"),
                    complaint_number: number.clone(),
                    recording_hash: hash,
                    at_ms: random.u64(..300_000),
                    text: "坐席未主动告知年费收取规则，客户情绪激动".to_owned(),
                });
                events.push(Event::ReflectionSubmitted {
                    reflection_id: format!("r{index}"),
                    complaint_number: number,
                    text: "收费告知流程存在缺口，需在开卡环节增加确认".to_owned(),
                });
                written += 2;
            }
        }
        index += 1;
        if events.len() >= BATCH {
            vault.record(std::mem::take(&mut events))?;
        }
        if index.is_multiple_of(20_000) {
            eprintln!("  {written} events ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    vault.record(events)?;
    drop(vault);
    let db = rusqlite::Connection::open(dir.join(DATABASE_FILE))?;
    db.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
    eprintln!("built {written} events in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The events of the vault that carry a signature.
fn signed_count(dir: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let db =
        rusqlite::Connection::open_with_flags(dir.join(DATABASE_FILE), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(db.query_row("SELECT count(*) FROM events WHERE signature IS NOT NULL", [], |row| row.get(0))?)
}

/// Peak resident memory of this process so far, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

/// The child: verifies `dir` and prints one line, `seconds events peak_mib ok warnings problems`.
fn verify_child(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let report = verify_without_writing(dir)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{seconds} {} {} {} {} {}",
        report.events_checked,
        peak_rss_mib(),
        report.ok,
        report.warnings.len(),
        report.problems.len()
    );
    for problem in report.problems.iter().take(5) {
        eprintln!("problem: {}", problem.message_en);
    }
    Ok(())
}

/// Writes every event's payload, one after another, to `out`: the bytes `sha256sum` reads.
fn payload_bytes(dir: &Path, out: &Path) -> Result<u64, Box<dyn std::error::Error>> {
    let db =
        rusqlite::Connection::open_with_flags(dir.join(DATABASE_FILE), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut statement = db.prepare("SELECT payload FROM events ORDER BY seq")?;
    let mut rows = statement.query([])?;
    let mut bytes = 0u64;
    while let Some(row) = rows.next()? {
        let payload = row.get_ref(0)?.as_bytes()?;
        std::io::Write::write_all(&mut file, payload)?;
        bytes += payload.len() as u64;
    }
    std::io::Write::flush(&mut file)?;
    Ok(bytes)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--verify") {
        return verify_child(Path::new(&args[2]));
    }
    let total = std::env::var("BENCH_VERIFY_EVENTS").ok().and_then(|text| text.parse().ok()).unwrap_or(DEFAULT_EVENTS);
    let dir = target_dir().join("bench-verify-vault");
    let key = build_key(total)?;
    if std::fs::read_to_string(dir.join("complete")).ok().as_deref() != Some(key.as_str()) {
        eprintln!("building {} ({total} events; once, then cached)", dir.display());
        build(&dir, total)?;
        std::fs::write(dir.join("complete"), &key)?;
    }
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {cores} core(s), load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );

    let output = Command::new(std::env::current_exe()?).arg("--verify").arg(&dir).output()?;
    if !output.status.success() {
        return Err(format!("verify failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    let line = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [seconds, events, peak, ok, warnings, problems] = fields[..] else {
        return Err(format!("unexpected output from the verify child: {line}").into());
    };
    let seconds: f64 = seconds.parse()?;
    let events: f64 = events.parse()?;
    let signed = signed_count(&dir)?;

    // Signing in: one unseal with the costs every real key is sealed with.
    let key = PersonKey::generate()?;
    let sealed = SealedKey::seal(&key, "a passphrase of the bench", SealingParams::DEFAULT)?;
    let started = Instant::now();
    sealed.unseal("a passphrase of the bench")?;
    let unlock = started.elapsed().as_secs_f64();
    let peak: f64 = peak.parse()?;

    let temp = tempfile::tempdir()?;
    let payloads = temp.path().join("payloads");
    let bytes = payload_bytes(&dir, &payloads)?;
    let started = Instant::now();
    let sha = Command::new("sha256sum").arg(&payloads).output()?;
    let sha_seconds = started.elapsed().as_secs_f64();
    if !sha.status.success() {
        return Err("sha256sum failed".into());
    }

    println!("vault: {} events ({signed} signed), {:.0} MB of payloads", events, bytes as f64 / 1e6);
    println!(
        "verify (read-only, as `tingjian verify`): {seconds:.1} s, {:.0} events/s, peak memory {peak:.0} MiB; ok={ok}, {problems} problem(s), {warnings} warning(s)",
        events / seconds
    );
    println!(
        "reference: sha256sum over the same payload bytes: {sha_seconds:.2} s ({:.0}× faster than verify)",
        seconds / sha_seconds
    );
    println!("sign-in: unsealing a key (argon2id, 128 MiB, t=2) takes {unlock:.2} s");
    println!("goals (issue 20): ≤ 30 s and ≤ 1 GB for 1,000,000 signed events");
    Ok(())
}
