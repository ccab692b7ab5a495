//! `tingjian sample …` and `tingjian quarter …`: the quarter's policy, draw, verification and
//! additions by hand, through the same vault methods the app calls.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use tingjian_core::{QuarterId, QuarterState, UiError};
use tingjian_sampling::Policy;
use tingjian_vault::{QuarterSample, SampleVerification, VaultError};

use crate::output::Output;
use crate::session::{CHECKPOINT_DIR_ENV, Identity};

#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// Step 1 of a draw by two people: fix the policy and population and commit to your share of
    /// the seed (a coordinator). 准备抽样
    Prepare {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
        /// A policy TOML file, stored as the quarter's policy first; else the stored policy.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Step 2: add a random share to the quarter's preparation (the president or another
    /// coordinator). 见证抽样
    Witness {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
    },
    /// Draw the quarter's sample (only while the quarter is in planning); on a vault with
    /// accounts, by the coordinator whose preparation was witnessed. 抽样
    Draw {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
        /// A policy TOML file, stored as the quarter's policy first; else the stored policy.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// A known seed: only on a demo vault. Else the seed two people fixed, or (on a vault
        /// without accounts) a fresh one from the operating system.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
    },
    /// Re-run the recorded draw and compare it with the sample (exit 2 on a difference). 复核
    Verify {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
    },
    /// The quarter's policy, draw and assignments. 查看
    Show {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
    },
    /// Read (`--get`, TOML) or store (`--set FILE`) the quarter's sampling policy. 抽样策略
    Policy {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
        #[arg(long, value_name = "FILE", conflicts_with = "get", required_unless_present = "get")]
        set: Option<PathBuf>,
        #[arg(long)]
        get: bool,
    },
    /// Add a complaint to the sample by hand, with a reason. 手工添加
    Add {
        #[arg(long, value_name = "Q")]
        quarter: QuarterId,
        #[arg(long, value_name = "N")]
        complaint: String,
        #[arg(long, value_name = "R")]
        reviewer: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// The due date (YYYY-MM-DD); else from the policy's due rule.
        #[arg(long, value_name = "DATE")]
        due: Option<jiff::civil::Date>,
    },
}

#[derive(Debug, Subcommand)]
pub enum QuarterCommand {
    /// Open a drawn quarter for reviews. 开始季度
    Open { quarter: QuarterId },
    /// Close an open quarter: no more draws or additions. 结束季度
    Close { quarter: QuarterId },
}

// By value, because that is the shape `map_err` hands the error over in.
#[allow(clippy::needless_pass_by_value)]
fn ui(error: VaultError) -> UiError {
    UiError::from(error)
}

fn read_policy(path: &Path) -> Result<Policy, UiError> {
    let text = std::fs::read_to_string(path).map_err(|source| ui(VaultError::Io { path: path.to_owned(), source }))?;
    Policy::from_toml(&text).map_err(|e| ui(VaultError::from(e)))
}

pub fn run_sample(command: &SampleCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    let mut vault = who.open(vault_dir)?;
    match command {
        SampleCommand::Prepare { quarter, policy } => {
            let policy = policy.as_deref().map(read_policy).transpose()?;
            vault.prepare_draw(*quarter, policy).map_err(ui)?;
            let sample = vault.quarter_sample(*quarter).map_err(ui)?;
            out.print(&sample, || describe_sample(&sample));
        }
        SampleCommand::Witness { quarter } => {
            vault.witness_draw(*quarter).map_err(ui)?;
            let sample = vault.quarter_sample(*quarter).map_err(ui)?;
            out.print(&sample, || describe_sample(&sample));
        }
        SampleCommand::Draw { quarter, policy, seed } => {
            let policy = policy.as_deref().map(read_policy).transpose()?;
            vault.draw_sample(*quarter, policy, *seed).map_err(ui)?;
            let sample = vault.quarter_sample(*quarter).map_err(ui)?;
            out.print(&sample, || describe_sample(&sample));
        }
        SampleCommand::Verify { quarter } => {
            let report = vault.verify_sample(*quarter).map_err(ui)?;
            out.print(&report, || describe_verification(&report));
            if !report.matches {
                return Ok(ExitCode::from(2));
            }
        }
        SampleCommand::Show { quarter } => {
            let sample = vault.quarter_sample(*quarter).map_err(ui)?;
            out.print(&sample, || describe_sample(&sample));
        }
        SampleCommand::Policy { quarter, set, get: _ } => {
            let policy = match set {
                Some(path) => Some(vault.set_sampling_policy(*quarter, read_policy(path)?).map_err(ui)?),
                None => vault.sampling_policy(*quarter).map_err(ui)?,
            };
            let Some(policy) = policy else {
                return Err(ui(VaultError::Refused {
                    message_zh: format!("{quarter} 季度还没有抽样策略"),
                    message_en: format!("quarter {quarter} has no sampling policy"),
                }));
            };
            let toml = policy.to_toml().map_err(|e| ui(VaultError::from(e)))?;
            out.print(&policy, || toml);
        }
        SampleCommand::Add { quarter, complaint, reviewer, reason, due } => {
            let added = vault.add_to_sample(*quarter, complaint, reviewer, reason, *due).map_err(ui)?;
            out.print(&added, || {
                format!(
                    "已手工添加 / added by hand: {} → {}（{}），期限 / due {}\n",
                    added.complaint_number, added.reviewer_name, added.reviewer_id, added.due_date
                )
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct QuarterChanged {
    quarter: String,
    state: QuarterState,
}

pub fn run_quarter(
    command: &QuarterCommand,
    vault_dir: &Path,
    who: &Identity,
    out: Output,
) -> Result<ExitCode, UiError> {
    let mut vault = who.open(vault_dir)?;
    let (quarter, state) = match command {
        QuarterCommand::Open { quarter } => (quarter, vault.open_quarter(*quarter).map_err(ui)?),
        QuarterCommand::Close { quarter } => {
            let folder = std::env::var_os(CHECKPOINT_DIR_ENV).map(PathBuf::from);
            (quarter, vault.close_quarter_and_checkpoint(*quarter, folder.as_deref()).map_err(ui)?)
        }
    };
    let changed = QuarterChanged { quarter: quarter.to_string(), state };
    out.print(&changed, || format!("{} 季度 / quarter: {}\n", changed.quarter, changed.state.as_str()));
    Ok(ExitCode::SUCCESS)
}

fn describe_sample(s: &QuarterSample) -> String {
    let mut text = String::new();
    let state = s.state.map(QuarterState::as_str).unwrap_or("planning (not set up)");
    let _ = writeln!(text, "季度 / quarter: {} ({state})", s.quarter);
    match &s.draw {
        None => {
            let _ = writeln!(text, "尚未抽样 / not drawn yet");
        }
        Some(d) => {
            let _ = writeln!(
                text,
                "抽样 / drawn: 事件 event #{} by {} at {}; 种子 / seed {}",
                d.event_seq, d.drawn_by, d.drawn_at, d.seed
            );
            let _ = writeln!(
                text,
                "总体 / population: {} 件, 指纹 / fingerprint {}",
                d.population_size, d.population_fingerprint
            );
            for shortfall in &d.shortfalls {
                let _ = writeln!(text, "  不足 / shortfall: {} / {}", shortfall.message_zh, shortfall.message_en);
            }
        }
    }
    let r = &s.readiness;
    if let Some(p) = &r.preparation {
        let witnessed = match (&p.witnessed_by, &p.witnessed_at) {
            (Some(by), Some(at)) => format!("见证 / witnessed by {by} at {at}"),
            _ => "待见证 / awaiting a witness".to_owned(),
        };
        let drawn = match p.drawn_seq {
            Some(seq) => format!("; 已抽样 / drawn in event #{seq}"),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "抽样准备 / preparation: 事件 event #{} by {} at {}; {witnessed}{drawn}",
            p.prepared_seq, p.prepared_by, p.prepared_at
        );
    } else if r.joint_required {
        let _ = writeln!(
            text,
            "抽样须两人确定种子 / the draw needs two people: tingjian sample prepare, then sample witness by another"
        );
    }
    if r.abandoned_preparations > 0 {
        let _ =
            writeln!(text, "已见证但未使用的准备 / witnessed preparations left undrawn: {}", r.abandoned_preparations);
    }
    let _ = writeln!(text, "样本 / sample: {} 通 / calls", s.assignments.len());
    for a in &s.assignments {
        let how = match &a.added_by_hand {
            Some(reason) => format!("手工添加 / added by hand: {reason}"),
            None => format!("{:?}", a.selected_by),
        };
        let _ = writeln!(
            text,
            "  {:<16} {:<10} → {:<16} 期限 due {}  {how}",
            a.complaint_number, a.department, a.reviewer_id, a.due_date
        );
    }
    text
}

fn describe_verification(r: &SampleVerification) -> String {
    let mut text = String::new();
    let v = &r.verification;
    if r.matches {
        let _ = writeln!(
            text,
            "复核一致 / MATCH: {} 季度的样本与按记录输入重新抽样的结果相同（事件 #{}，种子 {}） / the sample matches a re-run of the recorded draw (event #{}, seed {})",
            r.quarter, r.draw_event_seq, r.seed, r.draw_event_seq, r.seed
        );
    } else {
        let _ = writeln!(text, "复核不一致 / MISMATCH: {} 季度 / quarter {}", r.quarter, r.quarter);
    }
    if !v.fingerprint_matches {
        let _ = writeln!(
            text,
            "  总体指纹不符 / population fingerprint differs: 记录 recorded {}, 现在 now {}",
            v.recorded_fingerprint,
            v.current_fingerprint.as_deref().unwrap_or("-")
        );
    }
    for number in &v.missing {
        let _ = writeln!(text, "  缺少 / missing from the sample: {number}");
    }
    for number in &v.extra {
        let _ = writeln!(text, "  多出 / not drawn by the rules: {number}");
    }
    for m in &v.reassigned {
        let _ = writeln!(
            text,
            "  改派 / reassigned {}: 记录 recorded {}, 规则 expected {}",
            m.complaint_number, m.recorded_reviewer_id, m.expected_reviewer_id
        );
    }
    for m in &v.altered {
        let _ = writeln!(
            text,
            "  改动 / altered {} {}: 记录 recorded {}, 规则 expected {}",
            m.complaint_number, m.field, m.recorded, m.expected
        );
    }
    if v.shortfalls_differ {
        let _ = writeln!(text, "  不足情况不同 / the shortfalls differ");
    }
    for number in &v.added_by_hand {
        let _ = writeln!(text, "  手工添加 / added by hand (not re-drawn): {number}");
    }
    if let Some(error) = &v.rerun_error {
        let _ = writeln!(text, "  无法重新抽样 / cannot re-run: {} / {}", error.message_zh, error.message_en);
    }
    for p in &r.table_problems {
        let _ = writeln!(text, "  {} / {}", p.message_zh, p.message_en);
    }
    text
}
