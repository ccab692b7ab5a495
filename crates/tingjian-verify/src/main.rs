//! `tingjian-verify PACK.zip [--json]`: an evidence pack checked on a machine that has no vault
//! and no Tingjian: the manifest and its signature, every file's hash, the audit log's chain and
//! signatures, the checkpoint, and the report's figures recomputed from the log. Exit 0 when all
//! holds, 2 when anything does not (each finding named), 1 when the pack cannot be read at all.
//! The same checks as `tingjian pack verify` (both call `tingjian_pack::verify_pack`).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: tingjian-verify PACK.zip [--json]\n  校验证据包：通过时退出码 0，发现问题时 2 / exit 0 when the pack holds, 2 when it does not";

fn main() -> ExitCode {
    let mut json = false;
    let mut pack: Option<PathBuf> = None;
    for argument in std::env::args_os().skip(1) {
        match argument.to_str() {
            Some("--json") => json = true,
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if pack.is_none() => pack = Some(PathBuf::from(argument)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(1);
            }
        }
    }
    let Some(pack) = pack else {
        eprintln!("{USAGE}");
        return ExitCode::from(1);
    };
    match tingjian_pack::verify_pack(&pack, |_| {}) {
        Ok(result) => {
            if json {
                match serde_json::to_string_pretty(&result) {
                    Ok(text) => println!("{text}"),
                    Err(error) => eprintln!("cannot write JSON: {error}"),
                }
            } else {
                print!("{}", result.describe());
            }
            if result.ok { ExitCode::SUCCESS } else { ExitCode::from(2) }
        }
        Err(error) => {
            use tingjian_pack::Coded as _;
            eprintln!("错误：{}\nerror: {}", error.message_zh(), error.message_en());
            ExitCode::from(1)
        }
    }
}
