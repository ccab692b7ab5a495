//! `tingjian`: the command-line face of the vault, for IT and for scripts.
//!
//! Every command calls the same library functions as the desktop app, takes `--json`, and exits
//! non-zero with a Chinese and English message when it fails.

mod demo;
mod demo_story;
mod metrics;
mod output;
mod pack;
mod people;
mod play;
mod rectify;
mod report;
mod sample;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tingjian_core::UiError;
use tingjian_vault::{CheckpointFile, Vault, default_actor, resolve_vault_dir};

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
    /// Who is acting (else TINGJIAN_USER, else the OS account name). In a vault with accounts
    /// they sign in: the passphrase is asked on the terminal, or read from --passphrase-file.
    #[arg(long = "as", global = true, value_name = "NAME")]
    actor: Option<String>,
    /// A file holding the passphrase of the person `--as` names, for scripts (readable by its
    /// owner only).
    #[arg(long, global = true, value_name = "FILE", env = session::PASSPHRASE_FILE_ENV)]
    passphrase_file: Option<PathBuf>,
    /// A file holding the new passphrase (`people start`, `passphrase`), for scripts.
    #[arg(long, global = true, value_name = "FILE")]
    new_passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new, empty vault; with `--first`, also its first account (the passphrase is
    /// asked for, or read from `--new-passphrase-file`). 新建档案库
    Init {
        /// The first coordinator's (or president's) id: the vault starts with accounts.
        #[arg(long, value_name = "ID")]
        first: Option<String>,
        #[arg(long, value_name = "NAME", requires = "first")]
        name: Option<String>,
        /// coordinator (消保中心) or president.
        #[arg(long, value_name = "ROLE", default_value = "coordinator", requires = "first")]
        role: String,
    },
    /// Fill the vault with synthetic demo complaint calls (creating it if needed). 生成演示数据
    Demo {
        /// Where the generated calls are kept between runs.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Give the demo people accounts (a new vault only): each signs in with the demo
        /// passphrase, which the sign-in screen of a demo vault shows.
        #[arg(long)]
        accounts: bool,
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
    /// The quarter's complaint-handling figures: one-hour response and 15-day handling rates, by
    /// department and by month, with the late and overdue complaints. 处理时效
    Metrics {
        /// The quarter (e.g. 2026Q4); else the current one.
        #[arg(long, value_name = "Q")]
        quarter: Option<tingjian_core::QuarterId>,
        /// Show only this breakdown in the text output.
        #[arg(long, value_enum)]
        by: Option<metrics::Breakdown>,
        /// List every late, open and contradictory complaint (else the first 100 of each list).
        #[arg(long)]
        all: bool,
    },
    /// Check the audit chain, the signatures, the domain tables and the stored audio, and that the
    /// log extends each checkpoint given. 校验
    Verify {
        /// A checkpoint file written by `tingjian checkpoint` (repeat for several).
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Write a checkpoint of the log's head, signed by you, into a folder outside the vault; or
    /// cosign one. 检查点
    Checkpoint {
        /// The folder (a share, a USB stick) to write it into.
        #[arg(long, value_name = "DIR", env = session::CHECKPOINT_DIR_ENV)]
        out: Option<PathBuf>,
        /// Add your signature to this checkpoint file instead (after checking it).
        #[arg(long, value_name = "FILE", conflicts_with = "out")]
        cosign: Option<PathBuf>,
    },
    /// Choose your own passphrase (at your first sign-in, or any time): a new key is made. 设置口令
    Passphrase,
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
    /// The quarter's report (figures, sample, calls, rectification, clocks). 报告
    Report {
        #[command(subcommand)]
        action: report::ReportCommand,
    },
    /// The quarter's evidence pack: export it, or verify one with no vault. 证据包
    Pack {
        #[command(subcommand)]
        action: pack::PackCommand,
    },
    /// A complaint's handling clocks: show them, extend the limit, record a pause. 办理时限
    Clock {
        #[command(subcommand)]
        action: metrics::ClockCommand,
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
    let who = session::Identity {
        actor: cli.actor.clone().unwrap_or_else(default_actor),
        passphrase_file: cli.passphrase_file.clone(),
        new_passphrase_file: cli.new_passphrase_file.clone(),
    };
    match run(&cli.command, &vault_dir, &who, out) {
        Ok(code) => code,
        Err(error) => fail(out, &error),
    }
}

fn run(
    command: &Command,
    vault_dir: &std::path::Path,
    who: &session::Identity,
    out: Output,
) -> Result<ExitCode, UiError> {
    let actor = who.actor.as_str();
    match command {
        Command::Init { first, name, role } => {
            let vault = Vault::create(vault_dir, actor)?;
            let status = vault.status()?;
            drop(vault);
            match first {
                Some(id) => return people::start(vault_dir, who, id, name.as_deref(), role, out),
                None => out.print(&status, || {
                    format!(
                        "已新建档案库 / vault created: {}\n下一步：请消保中心协调人启用账户 / next, a coordinator starts accounts: tingjian people start ID --name 姓名\n",
                        status.vault_path
                    )
                }),
            }
        }
        Command::Demo { data, accounts } => {
            let summary = demo::fill(vault_dir, actor, data.as_deref(), *accounts)?;
            out.print(&summary, || summary.describe());
        }
        Command::Import { manifest, recordings, link_pattern } => {
            let options = tingjian_import::ImportOptions::with_link_pattern(link_pattern.as_deref())?;
            let mut vault = who.open(vault_dir)?;
            let report =
                tingjian_import::import(&mut vault, manifest, recordings, &options, &mut output::progress_bar(out))?;
            out.print(&report, || output::describe_import(&report));
        }
        Command::Status => {
            let vault = who.open(vault_dir)?;
            let status = vault.status()?;
            out.print(&status, || output::describe_status(&status));
        }
        Command::Metrics { quarter, by, all } => {
            let vault = who.open(vault_dir)?;
            let quarter = quarter.unwrap_or_else(|| tingjian_core::QuarterId::of_instant(vault.clock().now()));
            let figures = vault.handling_metrics(quarter, if *all { usize::MAX } else { metrics::LISTED })?;
            out.print(&figures, || metrics::describe(&figures, *by));
        }
        Command::Verify { checkpoints } => {
            // An auditor's check: read-only, on a write-protected copy too, and needing no account.
            let checkpoints =
                checkpoints.iter().map(|path| CheckpointFile::read(path)).collect::<Result<Vec<_>, _>>()?;
            let report = tingjian_vault::verify_without_writing_against(vault_dir, &checkpoints)?;
            out.print(&report, || output::describe_verify(&report));
            if !report.ok {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Checkpoint { out: folder, cosign } => {
            let vault = who.open(vault_dir)?;
            let written = match (cosign, folder) {
                (Some(file), _) => vault.cosign_checkpoint(file)?,
                (None, Some(folder)) => vault.write_checkpoint(folder)?,
                (None, None) => {
                    return Err(UiError {
                        code: tingjian_core::ErrorCode::InvalidInput,
                        message_zh: "请用 --out 指定写入检查点的文件夹（或 TINGJIAN_CHECKPOINT_DIR）".to_owned(),
                        message_en: "give the folder to write the checkpoint into: --out (or TINGJIAN_CHECKPOINT_DIR)"
                            .to_owned(),
                    });
                }
            };
            out.print(&written, || {
                format!(
                    "检查点 / checkpoint: {}
事件数 / events: {}
签名人 / signed by: {}
",
                    written.path,
                    written.size,
                    written.signed_by.join(", ")
                )
            });
        }
        Command::Passphrase => return people::choose_passphrase(vault_dir, who, out),
        Command::Play { recording, start, end, speed, channel, device } => {
            let mut vault = who.open(vault_dir)?;
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
        Command::Sample { action } => return sample::run_sample(action, vault_dir, who, out),
        Command::Quarter { action } => return sample::run_quarter(action, vault_dir, who, out),
        Command::Rectify { action } => return rectify::run(action, vault_dir, who, out),
        Command::Clock { action } => return metrics::run_clock(action, vault_dir, who, out),
        Command::Report { action } => return report::run(action, vault_dir, who, out),
        Command::Pack { action } => return pack::run(action, vault_dir, who, out),
        Command::People { action } => return people::run(action, vault_dir, who, out),
    }
    Ok(ExitCode::SUCCESS)
}
