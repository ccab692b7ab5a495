//! Generates a demo set from the command line, to listen to it or to feed it to the importer by hand:
//! `cargo run -p tingjian-demo --example generate -- OUT_DIR [SEED] [QUARTER_START] [UNTIL]`.

use std::process::ExitCode;

use tingjian_demo::{DemoOptions, generate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out_dir) = args.first() else {
        eprintln!("usage: generate OUT_DIR [SEED] [QUARTER_START] [UNTIL]");
        return ExitCode::FAILURE;
    };
    let seed = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2026);
    let day =
        |index: usize, fallback: jiff::civil::Date| args.get(index).and_then(|s| s.parse().ok()).unwrap_or(fallback);
    let opts = DemoOptions {
        quarter_start: day(2, jiff::civil::date(2026, 10, 1)),
        until: day(3, jiff::civil::date(2026, 12, 18)),
        seed,
    };
    let started = std::time::Instant::now();
    match generate(std::path::Path::new(out_dir), &opts) {
        Ok(set) => {
            for call in &set.calls {
                println!(
                    "{} {:<22} {:<10} {:>6} ms  agent {:>2} spans, customer {:>2} spans",
                    call.complaint_number,
                    call.file_name,
                    call.format,
                    call.duration_ms,
                    call.agent_speech.len(),
                    call.customer_speech.len()
                );
            }
            println!("{} calls in {:?}; export {}", set.calls.len(), started.elapsed(), set.export_csv.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
