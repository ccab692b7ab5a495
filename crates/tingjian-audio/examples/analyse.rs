//! Analyses recordings from the command line and says how long it took:
//! `cargo run --release -p tingjian-audio --example analyse -- FILE_OR_FOLDER...`
//!
//! For each file it prints the container, codec and duration, the time a decode alone takes
//! (`probe_file`, which also brings the file into the page cache) and the time of `analyse_file`
//! (decode, peaks and analytics in one pass), then what the analysis found. Times are wall-clock;
//! on Linux the CPU time of the thread is printed too, which is what to compare when other work
//! shares the machine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use tingjian_audio::{analyse_file, probe_file};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        eprintln!("usage: analyse FILE_OR_FOLDER...");
        return ExitCode::FAILURE;
    }
    let mut files = Vec::new();
    for arg in &args {
        if arg.is_dir() {
            match std::fs::read_dir(arg) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> =
                        entries.flatten().map(|entry| entry.path()).filter(|path| path.is_file()).collect();
                    found.sort();
                    files.extend(found);
                }
                Err(error) => eprintln!("{}: {error}", arg.display()),
            }
        } else {
            files.push(arg.clone());
        }
    }
    let mut failed = false;
    for file in &files {
        failed |= !report(file);
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Prints one file's figures; false if it could not be analysed.
fn report(path: &Path) -> bool {
    let (started, cpu_before) = (Instant::now(), thread_cpu_time());
    let probed = probe_file(path);
    let (decode_time, cpu_between) = (started.elapsed(), thread_cpu_time());
    let started = Instant::now();
    let analysed = analyse_file(path);
    let (analyse_time, cpu_after) = (started.elapsed(), thread_cpu_time());
    let analysis = match (probed, analysed) {
        (Ok(_), Ok(analysis)) => analysis,
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("{}: {error}", path.display());
            return false;
        }
    };
    let info = &analysis.info;
    let cpu = match (cpu_before, cpu_between, cpu_after) {
        (Some(before), Some(between), Some(after)) => format!(
            " (CPU {:.1} ms, {:.1} ms)",
            (between - before).as_secs_f64() * 1000.0,
            (after - between).as_secs_f64() * 1000.0
        ),
        _ => String::new(),
    };
    println!(
        "{}: {} / {}, {} ch, {} Hz, {:.3} s; decode only {:.1} ms, analyse {:.1} ms{cpu}",
        path.display(),
        info.container,
        info.codec,
        info.channels,
        info.sample_rate,
        info.duration_ms() as f64 / 1000.0,
        decode_time.as_secs_f64() * 1000.0,
        analyse_time.as_secs_f64() * 1000.0,
    );
    let analytics = &analysis.analytics;
    let speech: Vec<String> = analytics
        .channels
        .iter()
        .enumerate()
        .map(|(index, channel)| {
            format!("ch{index} {:.1} s in {} spans", channel.speech_ms as f64 / 1000.0, channel.speech.len())
        })
        .collect();
    let total = |list: &[tingjian_audio::Interval]| list.iter().map(|i| i.duration_ms()).sum::<u64>() as f64 / 1000.0;
    println!(
        "    speech: {}; talk-over {} ({:.1} s); dead air {} ({:.1} s); talk ratio {}; peaks {} bytes",
        speech.join(", "),
        analytics.talk_over.len(),
        total(&analytics.talk_over),
        analytics.dead_air.len(),
        total(&analytics.dead_air),
        analytics.talk_ratio.map_or_else(|| "-".to_owned(), |ratio| format!("{:.0}%", ratio * 100.0)),
        analysis.peaks.to_bytes().len(),
    );
    true
}

/// The CPU time this thread has used, from Linux's `/proc/thread-self/schedstat` (its first field,
/// in nanoseconds); `None` elsewhere.
fn thread_cpu_time() -> Option<std::time::Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(std::time::Duration::from_nanos(nanos))
}
