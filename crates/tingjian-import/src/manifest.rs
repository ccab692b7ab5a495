//! The complaint system's export: CSV (UTF-8, UTF-8 with BOM, or GBK/GB18030, detected) or XLSX,
//! with Chinese headers that vary between systems and a title row or two above them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::civil::{Date, DateTime, Time};
use tingjian_audio::{en_bytes, zh_bytes};
use tingjian_core::model::Complaint;
use tingjian_core::time::branch_zone;
use tingjian_core::{Coded, ErrorCode};

use crate::Rejected;

/// The largest export file read: 512 MiB, hundreds of times a branch's quarter.
pub const MAX_EXPORT_BYTES: u64 = 512 << 20;
/// The most an XLSX export may unpack to (the sum of the sizes its ZIP directory declares; the ZIP
/// reader holds every part to its declared size). A spreadsheet unpacks to a few times its size,
/// so an honest file under [`MAX_EXPORT_BYTES`] stays well under it; a ZIP bomb does not.
pub const MAX_EXPORT_UNPACKED_BYTES: u64 = 1 << 30;
/// The most rows an export may have: what Excel itself allows.
pub const MAX_EXPORT_ROWS: u64 = 1_048_576;
/// The most columns an export may have (A to IV); an export has fourteen or so.
pub const MAX_EXPORT_COLUMNS: u64 = 256;
/// The most cells held while an export is read (each row counts up to its last filled cell):
/// a million rows of sixteen columns.
pub const MAX_EXPORT_CELLS: u64 = 16_777_216;
/// The most text the cells of an export may hold in all. A spreadsheet can repeat one shared
/// string in every cell, so its text is not bounded by its size.
pub const MAX_EXPORT_TEXT_BYTES: u64 = 512 << 20;

/// Which bound an export passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportLimit {
    /// The file is this many bytes.
    FileBytes(u64),
    /// The spreadsheet's parts unpack to this many bytes.
    Unpacked(u64),
    /// There is data in this row (counting from 1).
    Row(u64),
    /// There is data in this cell of a spreadsheet (e.g. `XFD1048576`).
    Cell(String),
    /// This row (counting from 1) of a CSV export has this many fields.
    Columns { row: u64, columns: u64 },
    /// More cells than [`MAX_EXPORT_CELLS`].
    Cells,
    /// More text than [`MAX_EXPORT_TEXT_BYTES`].
    Text,
}

impl ExportLimit {
    fn en(&self, path: &Path) -> String {
        let path = path.display();
        match self {
            ExportLimit::FileBytes(bytes) => format!(
                "the complaint export {path} is {}, more than the {} Tingjian reads; export one quarter at a time",
                en_bytes(*bytes),
                en_bytes(MAX_EXPORT_BYTES)
            ),
            ExportLimit::Unpacked(bytes) => format!(
                "the spreadsheet {path} unpacks to {}, more than the {} Tingjian reads; it is damaged or made to exhaust memory",
                en_bytes(*bytes),
                en_bytes(MAX_EXPORT_UNPACKED_BYTES)
            ),
            ExportLimit::Row(row) => format!(
                "the complaint export {path} has data in row {row}, beyond the {MAX_EXPORT_ROWS} rows Tingjian reads"
            ),
            ExportLimit::Cell(cell) => format!(
                "the complaint export {path} has data in cell {cell}, beyond the {MAX_EXPORT_COLUMNS} columns (A to IV) Tingjian reads"
            ),
            ExportLimit::Columns { row, columns } => format!(
                "row {row} of the complaint export {path} has {columns} columns, more than the {MAX_EXPORT_COLUMNS} Tingjian reads"
            ),
            ExportLimit::Cells => {
                format!("the complaint export {path} has more than {MAX_EXPORT_CELLS} cells, the most Tingjian reads")
            }
            ExportLimit::Text => format!(
                "the cells of the complaint export {path} hold more than {} of text, the most Tingjian reads",
                en_bytes(MAX_EXPORT_TEXT_BYTES)
            ),
        }
    }

    fn zh(&self, path: &Path) -> String {
        let path = path.display();
        match self {
            ExportLimit::FileBytes(bytes) => format!(
                "投诉导出文件 {path} 大小为 {}，超过上限 {}：请按季度分别导出",
                zh_bytes(*bytes),
                zh_bytes(MAX_EXPORT_BYTES)
            ),
            ExportLimit::Unpacked(bytes) => format!(
                "表格 {path} 解压后为 {}，超过上限 {}：文件已损坏，或是为耗尽内存而构造的",
                zh_bytes(*bytes),
                zh_bytes(MAX_EXPORT_UNPACKED_BYTES)
            ),
            ExportLimit::Row(row) => {
                format!("投诉导出文件 {path} 的第 {row} 行有数据，超出上限 {MAX_EXPORT_ROWS} 行")
            }
            ExportLimit::Cell(cell) => {
                format!("投诉导出文件 {path} 的单元格 {cell} 有数据，超出上限 {MAX_EXPORT_COLUMNS} 列（A 至 IV 列）")
            }
            ExportLimit::Columns { row, columns } => {
                format!("投诉导出文件 {path} 的第 {row} 行有 {columns} 列，超过上限 {MAX_EXPORT_COLUMNS} 列")
            }
            ExportLimit::Cells => format!("投诉导出文件 {path} 的单元格超过上限 {MAX_EXPORT_CELLS} 个"),
            ExportLimit::Text => {
                format!("投诉导出文件 {path} 的单元格文字总量超过上限 {}", zh_bytes(MAX_EXPORT_TEXT_BYTES))
            }
        }
    }
}

/// Why the export as a whole could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the complaint export {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("the complaint export {path} is neither UTF-8 nor GBK/GB18030 text")]
    UnknownEncoding { path: PathBuf },
    #[error("cannot read the spreadsheet {path}: {reason}")]
    Spreadsheet { path: PathBuf, reason: String },
    #[error(
        "the complaint export {path} is {kind}; Tingjian reads exports as XLSX or CSV: save it as .xlsx or .csv and import that"
    )]
    UnsupportedSpreadsheet { path: PathBuf, kind: &'static str },
    #[error("{}", .limit.en(.path))]
    TooLarge { path: PathBuf, limit: ExportLimit },
    #[error("the complaint export {path} has no header row with a {column} column in its first {searched} rows")]
    MissingColumn { path: PathBuf, column: &'static str, searched: usize },
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
            ManifestError::UnknownEncoding { path } => {
                format!("投诉导出文件 {} 既不是 UTF-8 也不是 GBK/GB18030 文本", path.display())
            }
            ManifestError::Spreadsheet { path, reason } => {
                format!("无法读取表格 {}（文件已损坏，或不是 XLSX 表格）：{reason}", path.display())
            }
            ManifestError::UnsupportedSpreadsheet { path, kind } => format!(
                "投诉导出文件 {} 是{}：听见只读取 XLSX 或 CSV 格式的导出，请另存为 .xlsx 或 .csv 后再导入",
                path.display(),
                kind_zh(kind)
            ),
            ManifestError::TooLarge { path, limit } => limit.zh(path),
            ManifestError::MissingColumn { path, column, searched } => {
                format!("投诉导出文件 {} 的前 {searched} 行中找不到含“{column}”列的表头", path.display())
            }
        }
    }
}

/// Spreadsheet formats read no further: calamine builds the whole sheet of an XLS or ODS file
/// when it opens it, sized from what the file says, so a hostile one could not be checked first.
const XLS: &str = "an Excel 97–2003 workbook (.xls)";
const XLSB: &str = "an Excel binary workbook (.xlsb)";
const ODS: &str = "an OpenDocument spreadsheet (.ods)";

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        XLS => "旧版 Excel 97–2003 表格（.xls）",
        XLSB => "Excel 二进制表格（.xlsb）",
        _ => "OpenDocument 表格（.ods）",
    }
}

/// A field of a complaint and the header names complaint systems use for it. The first name is the
/// standard one, shown in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Number,
    Accepted,
    Channel,
    BusinessLine,
    Category,
    Department,
    CustomerName,
    Phone,
    FirstResponse,
    Resolved,
    Status,
    Recording,
    Forwarded,
    Summary,
    Dispatched,
    LimitDays,
    Extended,
    ExtensionReason,
    ExtensionApprover,
}

const FIELDS: &[(Field, &[&str])] = &[
    (Field::Number, &["投诉编号", "投诉单号", "工单编号", "投诉流水号", "工单号", "编号"]),
    (Field::Accepted, &["受理时间", "投诉时间", "登记时间", "受理日期", "投诉日期"]),
    (Field::Channel, &["投诉渠道", "渠道", "来源渠道", "投诉来源"]),
    (Field::BusinessLine, &["业务类别", "业务类型", "业务条线", "业务种类"]),
    (Field::Category, &["投诉类别", "投诉类型", "问题类别", "投诉原因", "问题分类"]),
    (Field::Department, &["责任机构", "责任部门", "被投诉机构", "承办机构", "责任单位"]),
    (Field::CustomerName, &["客户姓名", "投诉人", "投诉人姓名", "客户名称"]),
    (Field::Phone, &["联系电话", "联系方式", "手机号码", "客户电话", "来电号码"]),
    (Field::FirstResponse, &["首次响应时间", "首次响应", "响应时间", "首次联系时间"]),
    (Field::Resolved, &["办结时间", "结案时间", "完结时间", "办结日期"]),
    (Field::Status, &["处理状态", "办理状态", "状态", "工单状态"]),
    (Field::Recording, &["录音文件", "录音文件名", "录音", "录音编号", "录音名称"]),
    (Field::Forwarded, &["是否监管转办", "监管转办", "是否转办"]),
    (Field::Summary, &["投诉摘要", "投诉内容", "摘要", "问题描述", "投诉描述"]),
    (Field::Dispatched, &["转办时间", "派单时间", "分派时间", "转派时间", "派发时间", "下发时间"]),
    (Field::LimitDays, &["办理时限", "处理时限", "办理期限", "办结时限"]),
    (Field::Extended, &["是否延期", "延期"]),
    (Field::ExtensionReason, &["延期原因", "延期说明", "延期理由"]),
    (Field::ExtensionApprover, &["延期审批人", "延期批准人", "审批人"]),
];

/// A handling limit beyond 15 days that the export records for a complaint (办理时限, 是否延期), to
/// be recorded as a `handling_extended` step by the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedExtension {
    pub limit_days: u32,
    pub approver: Option<String>,
    pub reason: String,
}

/// Reads the export's handling-limit columns of one row. 15 days (or nothing) is no extension; 30
/// is one; 60 needs its approver (延期审批人), without whom it is imported as 30 with a warning, so
/// the coordinator records the approval by hand; any other limit is left out with a warning.
fn exported_extension(
    limit: &str,
    extended: &str,
    reason: &str,
    approver: &str,
    warn: &mut dyn FnMut(String, String),
) -> Option<ExportedExtension> {
    let digits: String = limit.chars().take_while(char::is_ascii_digit).collect();
    let limit_days = match (digits.parse::<u32>().ok(), limit.is_empty()) {
        (Some(days), _) => days,
        (None, false) => {
            warn(
                format!("办理时限“{limit}”无法识别，按 15 日计"),
                format!("handling limit \"{limit}\" cannot be read; 15 days assumed"),
            );
            return None;
        }
        (None, true) if matches!(extended.to_lowercase().as_str(), "是" | "y" | "yes" | "true" | "1" | "已延期") => {
            30
        }
        (None, true) => return None,
    };
    let approver = Some(approver.to_owned()).filter(|a| !a.is_empty());
    let limit_days = match (limit_days, &approver) {
        (15, _) => return None,
        (30, _) | (60, Some(_)) => limit_days,
        (60, None) => {
            warn(
                "办理时限 60 日但没有延期审批人，按 30 日导入；请用“延期”补记审批人".to_owned(),
                "a 60-day limit without its approver (延期审批人): imported as 30 days; record the approval with an extension"
                    .to_owned(),
            );
            30
        }
        (other, _) => {
            warn(
                format!("办理时限 {other} 日不是规定的 15、30 或 60 日，按 15 日计"),
                format!("a handling limit of {other} days is not one the rule allows (15, 30 or 60); 15 days assumed"),
            );
            return None;
        }
    };
    let reason =
        if reason.is_empty() { format!("导出文件记载办理时限 {limit_days} 日") } else { reason.to_owned() };
    Some(ExportedExtension { limit_days, approver: approver.filter(|_| limit_days == 60), reason })
}

/// Rows searched for the header: exports often carry a title and an export date above it.
const HEADER_SEARCH_ROWS: usize = 10;

/// Header text compared without white space (full-width too) or a trailing colon.
fn normalise_header(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != ':' && *c != '：').collect()
}

/// A person's corrections to the automatic mapping: export header → the standard name of the field
/// it fills (e.g. 投诉编号), or `None` for "do not import this column". Headers not listed map
/// automatically.
pub type ColumnMapping = std::collections::BTreeMap<String, Option<String>>;

/// The standard names of every field, in the order a person expects them.
pub fn field_names() -> Vec<String> {
    FIELDS.iter().filter_map(|(_, names)| names.first()).map(|n| (*n).to_owned()).collect()
}

fn field_by_standard_name(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(_, names)| names.first() == Some(&name)).map(|(field, _)| *field)
}

/// The field a header fills under `mapping`, falling back to the automatic mapping.
fn mapped_field(header: &str, mapping: &ColumnMapping) -> Option<Field> {
    match mapping.get(&normalise_header(header)).or_else(|| mapping.get(header.trim())) {
        Some(Some(name)) => field_by_standard_name(name),
        Some(None) => None,
        None => field_of(header),
    }
}

fn field_of(header: &str) -> Option<Field> {
    let header = normalise_header(header);
    FIELDS.iter().find(|(_, names)| names.iter().any(|n| *n == header)).map(|(field, _)| *field)
}

/// The export as rows of text cells, whatever its format. Each row holds its cells up to its last
/// filled one; every bound above is checked as the cells are read, before they are kept.
fn read_cells(path: &Path) -> Result<Vec<Vec<String>>, ManifestError> {
    let unreadable = |source| ManifestError::Unreadable { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_EXPORT_BYTES {
        return Err(ManifestError::TooLarge { path: path.to_owned(), limit: ExportLimit::FileBytes(size) });
    }
    let mut bytes = Vec::new();
    // The file may grow after it was measured; never read more than the bound.
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_EXPORT_BYTES + 1), &mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        let limit = ExportLimit::FileBytes(bytes.len() as u64);
        return Err(ManifestError::TooLarge { path: path.to_owned(), limit });
    }
    // The content decides, not the extension.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ManifestError::UnsupportedSpreadsheet { path: path.to_owned(), kind: XLS });
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(path, bytes);
    }
    let text = decode_text(&bytes).ok_or_else(|| ManifestError::UnknownEncoding { path: path.to_owned() })?;
    drop(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut cells = Cells::new(path);
    for (index, record) in reader.records().enumerate() {
        let row = index as u64 + 1;
        cells.check_row(row)?;
        match record {
            Ok(record) => {
                // Fields after the last filled one carry nothing (some exports pad every row).
                let width = record
                    .iter()
                    .enumerate()
                    .filter(|(_, field)| !field.is_empty())
                    .last()
                    .map_or(0, |(last, _)| last + 1);
                if width as u64 > MAX_EXPORT_COLUMNS {
                    let limit = ExportLimit::Columns { row, columns: width as u64 };
                    return Err(ManifestError::TooLarge { path: path.to_owned(), limit });
                }
                let mut values = Vec::with_capacity(width);
                for field in record.iter().take(width) {
                    cells.count(1, field.len())?;
                    values.push(field.to_owned());
                }
                cells.rows.push(values);
            }
            // A malformed line still takes a row number, so later rows keep theirs; it is
            // rejected when it turns out to have no complaint number.
            Err(_) => cells.rows.push(Vec::new()),
        }
    }
    Ok(cells.rows)
}

/// Rows of cells being read, with what they hold counted against the bounds.
struct Cells<'p> {
    path: &'p Path,
    rows: Vec<Vec<String>>,
    cells: u64,
    text: u64,
}

impl<'p> Cells<'p> {
    fn new(path: &'p Path) -> Self {
        Cells { path, rows: Vec::new(), cells: 0, text: 0 }
    }

    fn too_large(&self, limit: ExportLimit) -> ManifestError {
        ManifestError::TooLarge { path: self.path.to_owned(), limit }
    }

    /// `row` counts from 1.
    fn check_row(&self, row: u64) -> Result<(), ManifestError> {
        if row > MAX_EXPORT_ROWS { Err(self.too_large(ExportLimit::Row(row))) } else { Ok(()) }
    }

    fn count(&mut self, cells: u64, text: usize) -> Result<(), ManifestError> {
        self.cells += cells;
        self.text += text as u64;
        if self.cells > MAX_EXPORT_CELLS {
            return Err(self.too_large(ExportLimit::Cells));
        }
        if self.text > MAX_EXPORT_TEXT_BYTES {
            return Err(self.too_large(ExportLimit::Text));
        }
        Ok(())
    }

    /// Puts a filled cell at `row`, `column` (both from 0), after checking the bounds.
    fn put(&mut self, row: u32, column: u32, value: String) -> Result<(), ManifestError> {
        if u64::from(row) >= MAX_EXPORT_ROWS || u64::from(column) >= MAX_EXPORT_COLUMNS {
            let cell = format!("{}{}", column_letters(column), u64::from(row) + 1);
            return Err(self.too_large(ExportLimit::Cell(cell)));
        }
        let (row, column) = (row as usize, column as usize);
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let width = self.rows[row].len();
        let added = (column + 1).saturating_sub(width) as u64;
        self.count(added, value.len())?;
        let cells = &mut self.rows[row];
        if cells.len() <= column {
            cells.resize_with(column + 1, String::new);
        }
        cells[column] = value;
        Ok(())
    }
}

/// A spreadsheet column's letters: 0 → A, 25 → Z, 26 → AA, 16383 → XFD.
fn column_letters(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let digit = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + digit));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The names and declared unpacked sizes of a ZIP archive's entries, from its central directory
/// (ZIP64 included), or `None` when the directory cannot be read.
fn zip_entries(bytes: &[u8]) -> Option<Vec<(String, u64)>> {
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])));
    let u32_at = |at: usize| bytes.get(at..at + 4).map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    let u64_at = |at: usize| bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    // The end-of-directory record: 22 bytes and a comment of at most 65,535 at the end.
    let last = bytes.len().checked_sub(22)?;
    let end = (last.saturating_sub(65_535)..=last).rev().find(|&at| u32_at(at) == Some(0x0605_4b50))?;
    let mut count = u16_at(end + 10)?;
    let mut offset = u32_at(end + 16)?;
    if count == 0xFFFF || offset == 0xFFFF_FFFF {
        let locator = end.checked_sub(20)?;
        if u32_at(locator)? != 0x0706_4b50 {
            return None;
        }
        let record = usize::try_from(u64_at(locator + 8)?).ok()?;
        if u32_at(record)? != 0x0606_4b50 {
            return None;
        }
        count = u64_at(record + 32)?;
        offset = u64_at(record + 48)?;
    }
    let mut at = usize::try_from(offset).ok()?;
    let mut entries = Vec::new();
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4b50 {
            return None;
        }
        let mut size = u32_at(at + 24)?;
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28)? as usize, u16_at(at + 30)? as usize, u16_at(at + 32)? as usize);
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if size == 0xFFFF_FFFF {
            // The ZIP64 extra field (id 1) holds the real size, first.
            let mut field = at + 46 + name_len;
            let extra_end = field + extra_len;
            while field + 4 <= extra_end {
                let (id, len) = (u16_at(field)?, u16_at(field + 2)? as usize);
                if id == 1 {
                    size = u64_at(field + 4)?;
                    break;
                }
                field += 4 + len;
            }
        }
        entries.push((String::from_utf8_lossy(name).into_owned(), size));
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(entries)
}

/// Reads the first sheet of an XLSX workbook cell by cell (calamine's streaming reader), so that
/// nothing is ever sized from the sheet's declared dimensions: a 1.5 KB file with cells in A1 and
/// XFD1048576 would otherwise make a range of 17 billion cells.
fn read_xlsx(path: &Path, bytes: Vec<u8>) -> Result<Vec<Vec<String>>, ManifestError> {
    use calamine::Reader;
    let spreadsheet_error = |reason: String| ManifestError::Spreadsheet { path: path.to_owned(), reason };
    let entries =
        zip_entries(&bytes).ok_or_else(|| spreadsheet_error("its ZIP directory cannot be read".to_owned()))?;
    let unpacked = entries.iter().fold(0u64, |sum, (_, size)| sum.saturating_add(*size));
    if unpacked > MAX_EXPORT_UNPACKED_BYTES {
        return Err(ManifestError::TooLarge { path: path.to_owned(), limit: ExportLimit::Unpacked(unpacked) });
    }
    let has = |name: &str| entries.iter().any(|(entry, _)| entry.eq_ignore_ascii_case(name));
    if !has("xl/workbook.xml") {
        if has("xl/workbook.bin") {
            return Err(ManifestError::UnsupportedSpreadsheet { path: path.to_owned(), kind: XLSB });
        }
        if has("content.xml") {
            return Err(ManifestError::UnsupportedSpreadsheet { path: path.to_owned(), kind: ODS });
        }
    }
    // Every call into calamine is contained: see `contained`.
    let mut workbook =
        contained(path, || calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(bytes)))?
            .map_err(|e| spreadsheet_error(e.to_string()))?;
    let sheet = workbook.sheet_names().first().cloned().ok_or_else(|| spreadsheet_error("no worksheet".to_owned()))?;
    let mut reader =
        contained(path, || workbook.worksheet_cells_reader(&sheet))?.map_err(|e| spreadsheet_error(e.to_string()))?;
    let mut cells = Cells::new(path);
    while let Some(cell) = contained(path, || reader.next_cell())?.map_err(|e| spreadsheet_error(e.to_string()))? {
        let (row, column) = cell.get_position();
        let value = cell_text(&calamine::Data::from(cell.get_value().clone()));
        // Cells with only a format carry nothing, wherever they are.
        if !value.is_empty() {
            cells.put(row, column, value)?;
        }
    }
    Ok(cells.rows)
}

/// Runs a call into calamine, turning a panic inside it into this file's error. calamine parses
/// bytes anyone can hand in and some of its arithmetic is unchecked: a cell reference such as
/// `A99999999999` overflows its row number, which panics in a build with overflow checks (found by
/// the xlsx_export fuzz target). A workbook that breaks its reader is refused like any other
/// damaged spreadsheet instead of taking the import down; nothing calamine held is used after.
fn contained<T>(path: &Path, call: impl FnOnce() -> T) -> Result<T, ManifestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        ManifestError::Spreadsheet {
            path: path.to_owned(),
            reason: format!("the spreadsheet reader failed on its contents ({message})"),
        }
    })
}

/// A spreadsheet cell as the text a complaint field holds.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => format!("{}", *value as i64),
        Data::Float(value) => value.to_string(),
        Data::Bool(value) => if *value { "是" } else { "否" }.to_owned(),
        Data::DateTime(value) => excel_serial_to_text(value.as_f64()).unwrap_or_else(|| value.as_f64().to_string()),
        // As Excel shows it: #DIV/0!, #N/A, #REF!.
        Data::Error(error) => error.to_string(),
    }
}

/// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030 (a superset of GBK
/// and GB2312) when they decode without a single error.
fn decode_text(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// An Excel date serial (days since 1899-12-30, the fraction being the time of day) as the
/// complaint system's local time text.
fn excel_serial_to_text(serial: f64) -> Option<String> {
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = Date::new(1899, 12, 30).ok()?.to_datetime(Time::midnight());
    // Rounded to the second: Excel stores times as binary fractions of a day.
    let seconds = (serial * 86_400.0).round() as i64;
    let at = epoch.checked_add(jiff::SignedDuration::from_secs(seconds)).ok()?;
    Some(at.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

/// What the import will make of an export, shown before it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ExportPreview {
    /// The header's row number as a spreadsheet shows it (title rows above it are skipped).
    pub header_row: u32,
    pub columns: Vec<ColumnPreview>,
    /// The first data rows, as text.
    pub rows: Vec<Vec<String>>,
    /// Data rows in the whole export.
    pub total_rows: u32,
    /// Every field a column can fill, by standard name, for the mapping editor.
    pub fields: Vec<String>,
}

/// One column of the export and the complaint field it fills.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ColumnPreview {
    pub header: String,
    /// The standard name of the field (e.g. 投诉编号), or `None` when the column is not imported.
    pub field: Option<String>,
}

fn standard_name(field: Field) -> &'static str {
    FIELDS.iter().find(|(f, _)| *f == field).and_then(|(_, names)| names.first()).copied().unwrap_or("")
}

fn find_header(path: &Path, rows: &[Vec<String>], mapping: &ColumnMapping) -> Result<usize, ManifestError> {
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|row| row.iter().any(|cell| mapped_field(cell, mapping) == Some(Field::Number)))
        .ok_or_else(|| ManifestError::MissingColumn {
            path: path.to_owned(),
            column: "投诉编号",
            searched: HEADER_SEARCH_ROWS,
        })
}

/// The header the import will use, how each column maps, and the first `sample` rows.
pub fn preview_manifest(path: &Path, sample: usize, mapping: &ColumnMapping) -> Result<ExportPreview, ManifestError> {
    let rows = read_cells(path)?;
    let header_index = find_header(path, &rows, mapping)?;
    let data: Vec<&Vec<String>> =
        rows.iter().skip(header_index + 1).filter(|row| row.iter().any(|c| !c.trim().is_empty())).collect();
    Ok(ExportPreview {
        header_row: header_index as u32 + 1,
        columns: rows[header_index]
            .iter()
            .map(|header| ColumnPreview {
                header: header.clone(),
                field: mapped_field(header, mapping).map(|f| standard_name(f).to_owned()),
            })
            .collect(),
        // Rows are kept only up to their last filled cell; the preview shows one text per column,
        // with customers' personal data masked: it is shown before anything is recorded, to
        // whoever runs the import, so it shows no more than the library does.
        rows: data
            .iter()
            .take(sample)
            .map(|row| {
                let mut row = (*row).clone();
                if row.len() < rows[header_index].len() {
                    row.resize(rows[header_index].len(), String::new());
                }
                for (cell, header) in row.iter_mut().zip(&rows[header_index]) {
                    *cell = match mapped_field(header, mapping) {
                        Some(Field::Number) => continue,
                        Some(Field::CustomerName) => tingjian_core::personal::mask_name(cell),
                        Some(Field::Phone) => tingjian_core::personal::mask_phone(cell),
                        _ => tingjian_core::personal::mask_identifiers(cell),
                    };
                }
                row
            })
            .collect(),
        total_rows: data.len() as u32,
        fields: field_names(),
    })
}

/// Reads the export; rows that cannot be used go to `rejected`, and suspicious ones to `warnings`,
/// each with its row number (as a spreadsheet shows it, counting from 1) and the reason.
pub fn read_manifest(
    path: &Path,
    mapping: &ColumnMapping,
    rejected: &mut Vec<Rejected>,
    warnings: &mut Vec<Rejected>,
) -> Result<Vec<Complaint>, ManifestError> {
    Ok(read_manifest_rows(path, mapping, rejected, warnings)?.into_iter().map(|row| row.complaint).collect())
}

/// A complaint read from the export, with its row number (as a spreadsheet shows it, so later
/// findings can name the row) and the handling limit the export records.
pub(crate) struct ManifestRow {
    pub row: usize,
    pub complaint: Complaint,
    pub extension: Option<ExportedExtension>,
}

/// As [`read_manifest`], with each complaint's row number and exported extension.
pub(crate) fn read_manifest_rows(
    path: &Path,
    mapping: &ColumnMapping,
    rejected: &mut Vec<Rejected>,
    warnings: &mut Vec<Rejected>,
) -> Result<Vec<ManifestRow>, ManifestError> {
    let rows = read_cells(path)?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("export").to_owned();

    let header_index = find_header(path, &rows, mapping)?;
    let mut columns: HashMap<Field, usize> = HashMap::new();
    for (index, cell) in rows[header_index].iter().enumerate() {
        if let Some(field) = mapped_field(cell, mapping) {
            columns.entry(field).or_insert(index);
        }
    }
    if !columns.contains_key(&Field::Accepted) {
        return Err(ManifestError::MissingColumn {
            path: path.to_owned(),
            column: "受理时间",
            searched: HEADER_SEARCH_ROWS,
        });
    }

    let mut out: Vec<ManifestRow> = Vec::new();
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for (index, row) in rows.iter().enumerate().skip(header_index + 1) {
        let row_number = index + 1;
        let source = format!("{file_name}:{row_number}");
        let reject = |zh: String, en: String| Rejected { source: source.clone(), reason_zh: zh, reason_en: en };
        let field =
            |f: Field| columns.get(&f).and_then(|&i| row.get(i)).map(|s| s.trim().to_owned()).unwrap_or_default();
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let number = field(Field::Number);
        if number.is_empty() {
            rejected.push(reject("缺少投诉编号".to_owned(), "no complaint number".to_owned()));
            continue;
        }
        let accepted_text = field(Field::Accepted);
        let Some(accepted_at) = parse_local_time(&accepted_text) else {
            rejected.push(reject(
                format!("受理时间“{accepted_text}”无法识别"),
                format!("acceptance time \"{accepted_text}\" cannot be read"),
            ));
            continue;
        };
        let mut optional_time = |f: Field, zh: &str, en: &str| {
            let text = field(f);
            if text.is_empty() {
                return None;
            }
            let parsed = parse_local_time(&text);
            if parsed.is_none() {
                warnings.push(reject(
                    format!("{zh}“{text}”无法识别，按空值导入"),
                    format!("{en} \"{text}\" cannot be read; imported as empty"),
                ));
            }
            parsed
        };
        let first_response_at = optional_time(Field::FirstResponse, "首次响应时间", "first response time");
        let resolved_at = optional_time(Field::Resolved, "办结时间", "resolution time");
        let dispatched_at = optional_time(Field::Dispatched, "转办时间", "dispatch time");
        if let Some(dispatched) = &dispatched_at
            && dispatched < &accepted_at
        {
            warnings
                .push(reject("转办时间早于受理时间".to_owned(), "the dispatch is before the acceptance".to_owned()));
        }
        if let Some(first) = &first_response_at
            && first < &accepted_at
        {
            warnings.push(reject(
                "首次响应时间早于受理时间".to_owned(),
                "the first response is before the acceptance".to_owned(),
            ));
        }
        let extension = exported_extension(
            &field(Field::LimitDays),
            &field(Field::Extended),
            &field(Field::ExtensionReason),
            &field(Field::ExtensionApprover),
            &mut |zh, en| warnings.push(reject(zh, en)),
        );
        let complaint = Complaint {
            number: number.clone(),
            accepted_at,
            channel: field(Field::Channel),
            business_line: field(Field::BusinessLine),
            category: field(Field::Category),
            department: field(Field::Department),
            customer_name: field(Field::CustomerName),
            phone: field(Field::Phone),
            first_response_at,
            resolved_at,
            dispatched_at,
            status: field(Field::Status),
            recording_file: field(Field::Recording),
            regulator_forwarded: matches!(
                field(Field::Forwarded).to_lowercase().as_str(),
                "是" | "y" | "yes" | "true" | "1" | "监管转办"
            ),
            summary: field(Field::Summary),
        };
        match seen.get(&number) {
            Some(&(first_row, position)) if out[position].complaint == complaint => {
                warnings.push(reject(
                    format!("与第 {first_row} 行重复（内容相同），只导入一次"),
                    format!("repeats row {first_row} with the same content; imported once"),
                ));
            }
            Some(&(first_row, _)) => {
                rejected.push(reject(
                    format!("投诉编号 {number} 与第 {first_row} 行重复但内容不同"),
                    format!("complaint number {number} repeats row {first_row} with different content"),
                ));
            }
            None => {
                seen.insert(number, (row_number, out.len()));
                out.push(ManifestRow { row: row_number, complaint, extension });
            }
        }
    }
    Ok(out)
}

/// Reads a local time as complaint systems write it (in the branch's zone) and returns the instant
/// in the vault's form (UTC, RFC 3339).
pub fn parse_local_time(text: &str) -> Option<String> {
    let text = text.trim();
    let civil = parse_civil(text).or_else(|| {
        // A bare number in a CSV cell is an Excel serial that lost its date format on export.
        text.parse::<f64>().ok().filter(|v| *v > 20_000.0).and_then(excel_serial_to_text).and_then(|t| parse_civil(&t))
    })?;
    let zoned = civil.to_zoned_datetime(branch_zone()).ok()?;
    Some(tingjian_vault::event::format_instant(zoned.timestamp()))
}

/// A time a person typed (a pause's start, say) in branch time, in any shape an export may use
/// (`2026-11-03 09:00`, `2026-11-03T09:00`, `2026年11月3日 9:00`), as an instant; refused with a
/// message naming it. The CLI and the app read typed times through this one function.
pub fn typed_branch_time(text: &str) -> Result<jiff::Timestamp, tingjian_vault::VaultError> {
    parse_local_time(text).and_then(|t| t.parse().ok()).ok_or_else(|| {
        tingjian_vault::VaultError::refused(
            format!("看不懂时间 “{text}”：请写成 2026-11-03 09:00（北京时间）"),
            format!("cannot read the time {text:?}: write it as 2026-11-03 09:00 (branch time)"),
        )
    })
}

fn parse_civil(text: &str) -> Option<DateTime> {
    let normalised = text
        .replace(['/', '.'], "-")
        .replace('T', " ")
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d %H:%M:%S", "%Y%m%d%H%M%S"]
        .iter()
        .find_map(|format| DateTime::strptime(format, &normalised).ok())
        .or_else(|| Date::strptime("%Y-%m-%d", &normalised).ok().map(|d| d.to_datetime(Time::midnight())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_in_the_usual_shapes_become_utc_instants() {
        let want = Some("2026-10-09T01:30:00.000000Z".to_owned());
        assert_eq!(parse_local_time("2026-10-09 09:30:00"), want);
        assert_eq!(parse_local_time("2026/10/9 9:30"), want);
        assert_eq!(parse_local_time("2026年10月09日 09:30:00"), want);
        assert_eq!(parse_local_time("2026-10-09T09:30:00"), want);
        assert_eq!(parse_local_time("20261009093000"), want);
        assert_eq!(parse_local_time("2026-10-09"), Some("2026-10-08T16:00:00.000000Z".to_owned()));
        assert_eq!(parse_local_time("下周一"), None);
        assert_eq!(parse_local_time("2026-13-40 09:30"), None);
    }

    #[test]
    fn excel_serials_are_read_as_local_times() {
        // 46304.5625 is 2026-10-09 13:30 in Excel's calendar.
        assert_eq!(excel_serial_to_text(46304.5625).as_deref(), Some("2026-10-09 13:30:00"));
        assert_eq!(excel_serial_to_text(f64::NAN), None);
        assert_eq!(excel_serial_to_text(-1.0), None);
    }

    #[test]
    fn header_variants_map_to_fields() {
        assert_eq!(field_of(" 投诉单号 "), Some(Field::Number));
        assert_eq!(field_of("受理时间："), Some(Field::Accepted));
        assert_eq!(field_of("责任部门"), Some(Field::Department));
        assert_eq!(field_of("备注"), None);
    }

    #[test]
    fn gbk_text_is_detected_and_utf8_is_preferred() {
        let (gbk, _, _) = encoding_rs::GBK.encode("投诉编号,受理时间\nTS1,2026-10-09 09:30\n");
        assert_eq!(decode_text(&gbk).as_deref(), Some("投诉编号,受理时间\nTS1,2026-10-09 09:30\n"));
        assert_eq!(decode_text("\u{feff}编号".as_bytes()).as_deref(), Some("编号"));
        assert_eq!(decode_text(&[0xff, 0xfe, 0xfd, 0x81]), None);
    }
}
