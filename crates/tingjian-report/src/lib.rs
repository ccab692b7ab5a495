//! The quarter's report (季度投诉录音听取与整改报告) typeset as a PDF from
//! [`tingjian_vault::QuarterReport`]: Chinese, or English as an edition, set in Noto Sans CJK SC
//! with the glyphs used embedded as subset CID fonts. No browser and no network: the same report
//! data and the same font files give the same bytes on every machine, because the creation date
//! is the report's own `generated_at` and nothing else varies.
//!
//! `layout` is a small page-flow typesetter (wrapping, tables, bars, QR codes); `quarter` says
//! what goes on the pages.

mod fonts;
mod layout;
mod quarter;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tingjian_core::{Coded, ErrorCode, QuarterId};
use tingjian_vault::{QuarterReport, Vault, VaultError};
use ts_rs::TS;

pub use fonts::{FAMILY, ReportFonts};
pub use quarter::typeset_quarter_report;

/// A typeset report: the PDF's bytes and how many pages they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typeset {
    pub pdf: Vec<u8>,
    pub pages: u32,
}

/// A report written to a file, as the CLI and the app tell the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WrittenReport {
    pub path: String,
    pub quarter: String,
    pub pages: u32,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The PDF's BLAKE3, so a printed or mailed copy can be matched with the file.
    pub blake3: String,
    /// The audit log's head the report rests on.
    #[ts(type = "number")]
    pub head_seq: u64,
}

/// A report gathered and typeset: the data and the PDF made from it, kept together so that what a
/// person previewed is what is written.
#[derive(Debug, Clone)]
pub struct PrintedReport {
    pub report: QuarterReport,
    pub edition: Edition,
    pub typeset: Typeset,
}

impl PrintedReport {
    /// Typesets `report` (gathered now, or saved as JSON earlier).
    pub fn new(report: QuarterReport, edition: Edition, fonts: &ReportFonts) -> Result<PrintedReport, ReportError> {
        let typeset = typeset_quarter_report(&report, edition, fonts)?;
        Ok(PrintedReport { report, edition, typeset })
    }

    /// Gathers the quarter's report from `vault` as it stands now and typesets it.
    pub fn gather(
        vault: &Vault,
        quarter: QuarterId,
        edition: Edition,
        fonts: &ReportFonts,
    ) -> Result<PrintedReport, ReportError> {
        PrintedReport::new(vault.quarter_report(quarter)?, edition, fonts)
    }

    /// Writes the PDF to `path` (see [`write_pdf`]).
    pub fn write(&self, path: &Path) -> Result<WrittenReport, ReportError> {
        write_pdf(&self.typeset, path)?;
        Ok(WrittenReport {
            path: path.display().to_string(),
            quarter: self.report.quarter.clone(),
            pages: self.typeset.pages,
            bytes: self.typeset.pdf.len() as u64,
            blake3: blake3::hash(&self.typeset.pdf).to_hex().to_string(),
            head_seq: self.report.head_seq,
        })
    }
}

/// Writes the PDF beside `path` under a temporary name, then renames it into place.
pub fn write_pdf(typeset: &Typeset, path: &Path) -> Result<(), ReportError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report.pdf".to_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.part", std::process::id()));
    let io = |source: std::io::Error| ReportError::Write { path: path.to_owned(), reason: source.to_string() };
    std::fs::write(&temporary, &typeset.pdf).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        io(source)
    })
}

/// The language a report is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Edition {
    #[default]
    Chinese,
    English,
}

impl Edition {
    /// `zh` or `en`, as the CLI's `--lang` and the app's language setting spell it.
    pub fn parse(text: &str) -> Result<Edition, ReportError> {
        match text {
            "zh" | "zh-CN" => Ok(Edition::Chinese),
            "en" => Ok(Edition::English),
            _ => Err(ReportError::UnknownEdition(text.to_owned())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report's font ({FAMILY}) was not found in {}; install the fonts-noto-cjk package", list(.searched))]
    FontsMissing { searched: Vec<PathBuf> },
    #[error("the font file {} cannot be used: {reason}", .path.display())]
    FontUnreadable { path: PathBuf, reason: String },
    #[error("no report edition {0:?}: use zh or en")]
    UnknownEdition(String),
    #[error("the report could not be laid out: {0}")]
    Layout(&'static str),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("cannot write {}: {reason}", .path.display())]
    Write { path: PathBuf, reason: String },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

impl Coded for ReportError {
    fn code(&self) -> ErrorCode {
        match self {
            ReportError::FontsMissing { .. } | ReportError::FontUnreadable { .. } => ErrorCode::FontsMissing,
            ReportError::Layout(_) | ReportError::Pdf(_) => ErrorCode::Internal,
            ReportError::Write { .. } => ErrorCode::Io,
            ReportError::UnknownEdition(_) => ErrorCode::InvalidInput,
            ReportError::Vault(error) => error.code(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            ReportError::FontsMissing { searched } => {
                format!("找不到报告所用字体 {FAMILY}（已查找：{}）；请安装 fonts-noto-cjk 软件包", list(searched))
            }
            ReportError::FontUnreadable { path, reason } => format!("字体文件 {} 无法使用：{reason}", path.display()),
            ReportError::UnknownEdition(lang) => format!("不支持的报告语言“{lang}”：可用 zh 或 en"),
            ReportError::Layout(what) => format!("报告排版失败：{what}"),
            ReportError::Pdf(what) => format!("无法生成 PDF：{what}"),
            ReportError::Write { path, reason } => format!("无法写入 {}：{reason}", path.display()),
            ReportError::Vault(error) => error.message_zh(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            ReportError::Vault(error) => error.message_en(),
            other => other.to_string(),
        }
    }
}
