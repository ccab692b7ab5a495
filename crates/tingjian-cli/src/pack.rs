//! `tingjian pack export|verify`: the quarter's evidence pack (证据包) for the head office or an
//! examiner, and its verification with no vault (also the separate `tingjian-verify` binary).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use tingjian_core::{QuarterId, UiError};
use tingjian_pack::{ExportOptions, ExportedPack};
use tingjian_report::{Edition, PrintedReport, ReportFonts};

use crate::output::{Output, bar};
use crate::session::Identity;

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Export the quarter's evidence pack: the audit log up to a fresh signed checkpoint, the
    /// keys, the report (PDF and figures), evidence files and, with --with-audio, the sampled
    /// calls, with a manifest signed by you. Recorded in the log. 导出证据包
    Export {
        #[arg(long)]
        quarter: QuarterId,
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// Include the sampled calls' recordings.
        #[arg(long)]
        with_audio: bool,
        /// Customers' personal data goes with the pack (required for now: see the error without it).
        #[arg(long, requires = "reason")]
        with_personal_data: bool,
        /// Why the pack carries personal data (recorded in the log).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Verify a pack with no vault: manifest and signature, every file's hash, the chain and its
    /// signatures, the checkpoint, and the report's figures recomputed from the log. Exit 0 when
    /// all holds, 2 otherwise. 校验证据包
    Verify { pack: PathBuf },
}

pub fn run(command: &PackCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    match command {
        PackCommand::Export { quarter, out: path, with_audio, with_personal_data, reason } => {
            let mut vault = who.open(vault_dir)?;
            let options = ExportOptions {
                quarter: *quarter,
                with_audio: *with_audio,
                with_personal_data: *with_personal_data,
                reason: reason.clone(),
            };
            // Refused before the report is typeset: nothing is made for a pack that cannot be.
            options.check()?;
            let fonts = ReportFonts::find()?;
            let printed = PrintedReport::gather(&vault, *quarter, Edition::Chinese, &fonts)?;
            let mut progress = bar(out, "导出 / exporting");
            let exported =
                tingjian_pack::export_pack(&mut vault, &options, &printed.report, &printed.typeset.pdf, path, |p| {
                    progress(p.done, p.total);
                })?;
            out.print(&exported, || describe_export(&exported));
            Ok(ExitCode::SUCCESS)
        }
        PackCommand::Verify { pack } => verify(pack, out),
    }
}

/// `pack verify`, shared with the `tingjian-verify` binary's behaviour: exit 0 or 2.
pub fn verify(pack: &Path, out: Output) -> Result<ExitCode, UiError> {
    let mut progress = bar(out, "校验 / verifying");
    let result = tingjian_pack::verify_pack(pack, |p| progress(p.done, p.total))?;
    out.print(&result, || result.describe());
    Ok(if result.ok { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn describe_export(e: &ExportedPack) -> String {
    format!(
        "已导出证据包 / pack exported: {} ({} 个文件 / files, {} 字节 / bytes)\n清单 / manifest BLAKE3 {}\n导出事件 / export event: #{}\n签名 / signed by: {}\n",
        e.path,
        e.files,
        e.bytes,
        e.manifest_blake3,
        e.export_event,
        e.signed_by.as_deref().unwrap_or("—（无账户 / no accounts）")
    )
}
