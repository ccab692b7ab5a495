//! `cargo run --release -p tingjian-signing --example bench_signing`: what signing costs a person
//! and what verifying costs `tingjian verify`.
//!
//! Prints (a) the time to unseal a key with the default argon2id costs (median of 5, wall clock
//! and time on the CPU, which differ when other work shares the machine); (b) signatures verified
//! per second over 100,000 signatures of 32-byte messages, one by one with `verify_strict` and in
//! batches of 64 and 256, on one thread and on every core; and (c) `sha256sum` over a file of the
//! same 3.2 MB of message bytes, run in the same command, as the reference each figure is divided
//! by. The projected time for 1,000,000 signatures is the figure the 30 s goal is about.
//! Figures are printed, never asserted.
//!
//! The default costs were chosen with this machine's release build, by time on the CPU to unseal
//! (median of 5, with another test run sharing the two cores): 64 MiB × 3 passes 0.29 s,
//! 128 MiB × 2 passes 0.46 s (chosen), 128 MiB × 3 passes 0.62 s, 192 MiB × 2 passes 0.67 s,
//! 256 MiB × 2 passes 0.88 s, all with one lane.

use std::num::NonZeroUsize;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use tingjian_signing::{
    BatchPlan, PersonKey, PublicKey, SealedKey, SealingParams, Signature, SignedItem, verify_batch_with,
};

const SIGNATURES: usize = 100_000;
const PEOPLE: usize = 20;
const UNSEAL_RUNS: usize = 5;
const PASSPHRASE: &str = "听见投诉录音复核口令";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cores = thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    println!("machine: {cores} core(s), load average {}", load_average());

    unseal_time()?;

    println!("\npreparing {SIGNATURES} signatures of 32-byte messages by {PEOPLE} people…");
    let people: Vec<PersonKey> = (0..PEOPLE).map(|_| PersonKey::generate()).collect::<Result<_, _>>()?;
    let public_keys: Vec<PublicKey> = people.iter().map(|person| *person.public_key()).collect();
    let messages: Vec<[u8; 32]> = (0..SIGNATURES).map(message).collect();
    let signatures: Vec<Signature> =
        messages.iter().enumerate().map(|(index, message)| people[index % PEOPLE].sign(message)).collect();
    let items: Vec<SignedItem<'_>> = (0..SIGNATURES)
        .map(|index| (messages[index].as_slice(), &signatures[index], &public_keys[index % PEOPLE]))
        .collect();

    let reference = sha256sum_time(&messages)?;
    println!(
        "reference: sha256sum over the same {:.1} MB of messages: {:.1} ms (median of 5, process start included)",
        (SIGNATURES * 32) as f64 / 1e6,
        ms(reference)
    );

    println!(
        "\n{:<34} {:>12} {:>10} {:>14} {:>14}",
        "verification", "signatures/s", "ms", "× sha256sum", "1M projected"
    );
    let one = NonZeroUsize::MIN;
    report("one by one, 1 thread", reference, || verify_one_by_one(&items, one));
    report(&format!("one by one, {cores} threads"), reference, || verify_one_by_one(&items, cores));
    for chunk in [64, 256] {
        let chunk_size = NonZeroUsize::new(chunk).unwrap_or(NonZeroUsize::MIN);
        for threads in [one, cores] {
            let plan = BatchPlan { chunk_size, threads };
            report(&format!("batches of {chunk}, {threads} thread(s)"), reference, || {
                verify_batch_with(&items, plan).is_ok()
            });
        }
    }
    println!("\nload average after: {}", load_average());
    Ok(())
}

fn message(index: usize) -> [u8; 32] {
    // Stands in for an event hash: 32 bytes that differ from event to event.
    let mut message = [0u8; 32];
    for (position, byte) in message.iter_mut().enumerate() {
        *byte = (index.wrapping_mul(2_654_435_761).wrapping_add(position * 97) >> (position % 8)) as u8;
    }
    message[..8].copy_from_slice(&(index as u64).to_le_bytes());
    message
}

fn unseal_time() -> Result<(), Box<dyn std::error::Error>> {
    let params = SealingParams::DEFAULT;
    let key = PersonKey::generate()?;
    let sealed = SealedKey::seal(&key, PASSPHRASE, params)?;
    let mut wall = Vec::new();
    let mut on_cpu = Vec::new();
    for _ in 0..UNSEAL_RUNS {
        let cpu_before = thread_cpu_time();
        let started = Instant::now();
        let opened = sealed.unseal(PASSPHRASE)?;
        wall.push(started.elapsed());
        on_cpu.push(thread_cpu_time().zip(cpu_before).map(|(after, before)| after.saturating_sub(before)));
        assert_eq!(opened.public_key(), key.public_key());
    }
    wall.sort_unstable();
    let cpu: Option<Vec<Duration>> = on_cpu.into_iter().collect();
    let cpu_median = cpu.map(|mut times| {
        times.sort_unstable();
        format!("{:.0} ms", ms(times[UNSEAL_RUNS / 2]))
    });
    println!(
        "unseal with the default costs (argon2id m={} MiB, t={}, p={}): median of {UNSEAL_RUNS} {:.0} ms wall, {} on the CPU",
        params.m_cost_kib / 1024,
        params.t_cost,
        params.p_cost,
        ms(wall[UNSEAL_RUNS / 2]),
        cpu_median.unwrap_or_else(|| "unknown".to_owned()),
    );
    Ok(())
}

/// Every signature checked with `verify_strict`, the slice split evenly across `threads`.
fn verify_one_by_one(items: &[SignedItem<'_>], threads: NonZeroUsize) -> bool {
    let per_thread = items.len().div_ceil(threads.get());
    thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(per_thread)
            .map(|run| {
                scope.spawn(move || {
                    run.iter().all(|(message, signature, key)| key.verify_strict(message, signature).is_ok())
                })
            })
            .collect();
        workers.into_iter().all(|worker| worker.join().unwrap_or(false))
    })
}

/// Runs `verify` three times, prints the best, and checks that every signature passed.
fn report(label: &str, reference: Duration, verify: impl Fn() -> bool) {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let passed = verify();
        best = best.min(started.elapsed());
        assert!(passed, "{label}: a good signature failed");
    }
    let per_second = SIGNATURES as f64 / best.as_secs_f64();
    println!(
        "{label:<34} {per_second:>12.0} {:>10.1} {:>14.1} {:>13.1}s",
        ms(best),
        best.as_secs_f64() / reference.as_secs_f64(),
        1_000_000.0 / per_second
    );
}

/// The median of 5 runs of `sha256sum` over a file holding every message, back to back.
fn sha256sum_time(messages: &[[u8; 32]]) -> Result<Duration, Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("tingjian-bench-signing-{}.bin", std::process::id()));
    std::fs::write(&path, messages.concat())?;
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let output = Command::new("sha256sum").arg(&path).output()?;
        times.push(started.elapsed());
        if !output.status.success() {
            return Err(format!("sha256sum failed: {}", String::from_utf8_lossy(&output.stderr)).into());
        }
    }
    std::fs::remove_file(&path)?;
    times.sort_unstable();
    Ok(times[2])
}

/// The calling thread's time on the CPU, from Linux's schedstat (nanoseconds), if available.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
