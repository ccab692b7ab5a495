//! `tingjian`: the command-line face of the vault, for IT and for scripts.
//!
//! Every command calls the same library functions as the desktop app, takes `--json`, and exits
//! non-zero with a Chinese and English message when it fails.

mod demo;
mod demo_story;
mod output;
mod people;
mod play;
mod rectify;
mod sample;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tingjian_core::UiError;
use tingjian_vault::{Vault, default_actor, resolve_vault_dir};

use crate::output::{Output, fail};

#[derive(Debug, Parser)]
#[command(name = "tingjian", version, about = "听见 Tingjian — 投诉录音季度复盘 / complaint-call quarterly reviews")]
struct Cli {
    /// The vault directory (else TINGJIAN_VAULT, else the OS data directory).
    #[arg(long, global = true, value_name = "PATH")]
    vault: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Who is acting (else TINGJIAN_USER, else the OS account name).
    #[arg(long = "as", global = true, value_name = "NAME")]
    actor: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new, empty vault. 新建档案库
    Init,
    /// Fill the vault with synthetic demo complaint calls (creating it if needed). 生成演示数据
    Demo {
        /// Where the generated calls are kept between runs.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Import a complaint export (CSV or XLSX) and a folder of recordings. 导入
    Import {
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        #[arg(long, value_name = "DIR")]
        recordings: PathBuf,
        /// Link a recording to the complaint whose number its file name holds: a regular
        /// expression whose first group (or whole match) is the number, e.g. '(TS\d{10})'.
        #[arg(long, value_name = "REGEX")]
        link_pattern: Option<String>,
    },
    /// The current quarter and what the vault holds. 状态
    Status,
    /// Check the audit chain, the domain tables and the stored audio. 校验
    Verify,
    /// Play a recording and record the listening session (proof of listening). 播放
    Play {
        /// A complaint number (its recording) or a recording's hash (a unique prefix is enough).
        recording: String,
        /// Start here, in seconds.
        #[arg(long, value_name = "S")]
        start: Option<f64>,
        /// Stop here, in seconds.
        #[arg(long, value_name = "S")]
        end: Option<f64>,
        /// 0.5 to 2; the pitch stays natural.
        #[arg(long, value_name = "X", default_value_t = 1.0)]
        speed: f32,
        /// Which party to hear: both, agent or customer.
        #[arg(long, value_name = "WHO", default_value = "both", value_parser = play::parse_channel)]
        channel: tingjian_core::listening::ChannelMode,
        /// The output device's name (else the system default).
        #[arg(long, value_name = "NAME")]
        device: Option<String>,
    },
    /// The quarter's sampling: policy, draw, verify, show, add by hand. 抽样
    Sample {
        #[command(subcommand)]
        action: sample::SampleCommand,
    },
    /// Open or close a quarter. 季度
    Quarter {
        #[command(subcommand)]
        action: sample::QuarterCommand,
    },
    /// People, their roles and departments. 人员
    People {
        #[command(subcommand)]
        action: people::PeopleCommand,
    },
    /// Rectification cases: the board and one case. 整改
    Rectify {
        #[command(subcommand)]
        action: rectify::RectifyCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output { json: cli.json };
    let vault_dir = resolve_vault_dir(cli.vault.clone());
    let actor = cli.actor.clone().unwrap_or_else(default_actor);
    match run(&cli.command, &vault_dir, &actor, out) {
        Ok(code) => code,
        Err(error) => fail(out, &error),
    }
}

fn run(command: &Command, vault_dir: &std::path::Path, actor: &str, out: Output) -> Result<ExitCode, UiError> {
    match command {
        Command::Init => {
            let vault = Vault::create(vault_dir, actor)?;
            let status = vault.status()?;
            out.print(&status, || format!("已新建档案库 / vault created: {}\n", status.vault_path));
        }
        Command::Demo { data } => {
            let summary = demo::fill(vault_dir, actor, data.as_deref())?;
            out.print(&summary, || summary.describe());
        }
        Command::Import { manifest, recordings, link_pattern } => {
            let options = tingjian_import::ImportOptions::with_link_pattern(link_pattern.as_deref())?;
            let mut vault = Vault::open(vault_dir, actor)?;
            let report =
                tingjian_import::import(&mut vault, manifest, recordings, &options, &mut output::progress_bar(out))?;
            out.print(&report, || output::describe_import(&report));
        }
        Command::Status => {
            let vault = Vault::open(vault_dir, actor)?;
            let status = vault.status()?;
            out.print(&status, || output::describe_status(&status));
        }
        Command::Verify => {
            // An auditor's check: read-only, on a write-protected copy too, and needing no account.
            let report = tingjian_vault::verify_without_writing(vault_dir)?;
            out.print(&report, || output::describe_verify(&report));
            if !report.ok {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Play { recording, start, end, speed, channel, device } => {
            let mut vault = Vault::open(vault_dir, actor)?;
            let request = play::PlayRequest {
                recording: recording.clone(),
                start_s: *start,
                end_s: *end,
                speed: *speed,
                channel: *channel,
                device: device.clone(),
            };
            let session = play::play(&mut vault, &request, out)?;
            out.print(&session, || play::describe_play(&session));
        }
        Command::Sample { action } => return sample::run_sample(action, vault_dir, actor, out),
        Command::Quarter { action } => return sample::run_quarter(action, vault_dir, actor, out),
        Command::Rectify { action } => return rectify::run(action, vault_dir, actor, out),
        Command::People { action } => return people::run(action, vault_dir, actor, out),
    }
    Ok(ExitCode::SUCCESS)
}
