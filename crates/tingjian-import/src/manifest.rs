//! The complaint system's export: a CSV with Chinese headers.

use std::path::{Path, PathBuf};

use jiff::civil::DateTime;
use tingjian_core::model::Complaint;
use tingjian_core::time::branch_zone;
use tingjian_core::{Coded, ErrorCode};

use crate::Rejected;

/// Why the export as a whole could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the complaint export {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("the complaint export {path} is not UTF-8 text")]
    NotUtf8 { path: PathBuf },
    #[error("the complaint export {path} has no column {column}")]
    MissingColumn { path: PathBuf, column: &'static str },
}

impl Coded for ManifestError {
    fn code(&self) -> ErrorCode {
        match self {
            ManifestError::Unreadable { .. } => ErrorCode::Io,
            _ => ErrorCode::InvalidInput,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            ManifestError::Unreadable { path, source } => format!("无法读取投诉导出文件 {}：{source}", path.display()),
            ManifestError::NotUtf8 { path } => format!("投诉导出文件 {} 不是 UTF-8 文本", path.display()),
            ManifestError::MissingColumn { path, column } => {
                format!("投诉导出文件 {} 缺少“{column}”列", path.display())
            }
        }
    }
}

const NUMBER: &str = "投诉编号";
const ACCEPTED: &str = "受理时间";
const REQUIRED: [&str; 2] = [NUMBER, ACCEPTED];

/// Reads the export; rows that cannot be used go to `rejected` with their row number and reason.
pub fn read_manifest(path: &Path, rejected: &mut Vec<Rejected>) -> Result<Vec<Complaint>, ManifestError> {
    let bytes = std::fs::read(path).map_err(|source| ManifestError::Unreadable { path: path.to_owned(), source })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ManifestError::NotUtf8 { path: path.to_owned() })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| ManifestError::Unreadable { path: path.to_owned(), source: error.into() })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    for column in REQUIRED {
        if !headers.iter().any(|h| h == column) {
            return Err(ManifestError::MissingColumn { path: path.to_owned(), column });
        }
    }
    let index = |name: &str| headers.iter().position(|h| h == name);
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("export").to_owned();
    let mut out = Vec::new();
    for (offset, record) in reader.records().enumerate() {
        // Row numbers as a spreadsheet shows them: the header is row 1.
        let row = offset + 2;
        let reject =
            |zh: String, en: String| Rejected { source: format!("{file_name}:{row}"), reason_zh: zh, reason_en: en };
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                rejected.push(reject(format!("无法解析该行：{error}"), format!("cannot parse the row: {error}")));
                continue;
            }
        };
        let field = |name: &str| index(name).and_then(|i| record.get(i)).unwrap_or("").trim().to_owned();
        let number = field(NUMBER);
        if number.is_empty() {
            rejected.push(reject("缺少投诉编号".to_owned(), "no complaint number".to_owned()));
            continue;
        }
        let Some(accepted_at) = parse_local_time(&field(ACCEPTED)) else {
            rejected.push(reject(
                format!("受理时间“{}”无法识别", field(ACCEPTED)),
                format!("acceptance time \"{}\" cannot be read", field(ACCEPTED)),
            ));
            continue;
        };
        let optional_time = |name: &str| {
            let text = field(name);
            if text.is_empty() { None } else { parse_local_time(&text) }
        };
        out.push(Complaint {
            number,
            accepted_at,
            channel: field("投诉渠道"),
            business_line: field("业务类别"),
            category: field("投诉类别"),
            department: field("责任机构"),
            customer_name: field("客户姓名"),
            phone: field("联系电话"),
            first_response_at: optional_time("首次响应时间"),
            resolved_at: optional_time("办结时间"),
            status: field("处理状态"),
            recording_file: field("录音文件"),
            regulator_forwarded: matches!(field("是否监管转办").as_str(), "是" | "Y" | "y" | "yes" | "true" | "1"),
            summary: field("投诉摘要"),
        });
    }
    Ok(out)
}

/// Reads a local time as the complaint system writes it (in the branch's zone) and returns the
/// instant in the vault's form (UTC, RFC 3339).
fn parse_local_time(text: &str) -> Option<String> {
    let normalised = text.trim().replace('/', "-").replace('T', " ");
    let civil = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"].iter().find_map(|format| {
        DateTime::strptime(format, &normalised).ok().or_else(|| {
            jiff::civil::Date::strptime(format, &normalised).ok().map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
    })?;
    let zoned = civil.to_zoned_datetime(branch_zone()).ok()?;
    Some(tingjian_vault::event::format_instant(zoned.timestamp()))
}
