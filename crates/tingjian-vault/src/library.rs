//! The library: every complaint with its recording, filtered, searched, sorted and paged for the
//! library screen. Personal data is masked here, so no list ever carries it whole.
//!
//! A page is found in two steps: the keys (rowids) of the page's rows, ordered and cut by SQLite
//! with only the sort column in hand, then the 200 or so whole rows for those keys. The sorter
//! never carries summaries, so even a deep page of an unindexed order stays cheap.
//!
//! Full text is a literal, case-insensitive substring of the number, the summary or a note:
//! - 3 characters or more: the `complaint_search` FTS5 table (trigram tokens), the text quoted as
//!   one FTS5 string, so nothing a person types is query syntax;
//! - 1 or 2 characters (理财, 保险 — the commonest Chinese searches, which trigrams cannot index):
//!   the `complaint_bigrams` FTS5 table, the same text cut into overlapping two-character tokens
//!   (one character is a prefix of those tokens);
//! - 1 or 2 characters that are not letters or digits (punctuation, which the bigram tokenizer
//!   drops): a `LIKE` scan of the search table.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use tingjian_core::model::Complaint;
use tingjian_core::personal::{mask_identifiers, mask_name};
use ts_rs::TS;

use crate::{Vault, VaultError};

/// Which complaints to list, and in what order. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ComplaintQuery {
    /// One complaint by its number.
    #[ts(optional)]
    pub number: Option<String>,
    pub quarter: Option<String>,
    pub department: Option<String>,
    pub business_line: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// `YYYY-MM`, in the branch's zone.
    pub month: Option<String>,
    pub has_recording: Option<bool>,
    pub regulator_forwarded: Option<bool>,
    /// Reviewed = at least one reflection (总结反思) submitted.
    pub reviewed: Option<bool>,
    /// Full text: a literal substring of the number, the summary or a note (case-insensitive for
    /// Latin letters). Quotes, `*`, `OR` and the like are searched for as written.
    pub text: Option<String>,
    pub sort: ComplaintSort,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintSort {
    #[default]
    AcceptedAt,
    Number,
    Department,
    BusinessLine,
    Category,
    Channel,
    Duration,
}

impl ComplaintSort {
    fn column(self) -> &'static str {
        match self {
            ComplaintSort::AcceptedAt => "c.accepted_at",
            ComplaintSort::Number => "c.number",
            ComplaintSort::Department => "c.department",
            ComplaintSort::BusinessLine => "c.business_line",
            ComplaintSort::Category => "c.category",
            ComplaintSort::Channel => "c.channel",
            ComplaintSort::Duration => "r.duration_ms",
        }
    }
}

/// One line of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ComplaintRow {
    pub number: String,
    pub accepted_at: String,
    pub quarter: String,
    pub channel: String,
    pub business_line: String,
    pub category: String,
    pub department: String,
    /// Masked: `张*`.
    pub customer_masked: String,
    pub regulator_forwarded: bool,
    pub status: String,
    pub summary: String,
    pub recording_hash: Option<String>,
    pub recording_name: Option<String>,
    pub recording_codec: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
    /// At least one reflection (总结反思) has been submitted on it.
    pub reviewed: bool,
    /// How many notes reviewers pinned to its call.
    pub note_count: u32,
}

/// One page of the library, and how many complaints match in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ComplaintPage {
    #[ts(type = "number")]
    pub total: u64,
    /// The offset the page starts at, as asked.
    pub offset: u32,
    pub rows: Vec<ComplaintRow>,
}

/// The values the library's filters can take, from what the vault holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LibraryFacets {
    pub quarters: Vec<String>,
    pub departments: Vec<String>,
    pub business_lines: Vec<String>,
    pub categories: Vec<String>,
    pub channels: Vec<String>,
    pub months: Vec<String>,
}

/// The columns of a whole complaint, as `{table}.column`, in the order [`complaint_from_row`]
/// reads them; every query that wants whole complaints selects these first.
pub(crate) fn complaint_columns(table: &str) -> String {
    [
        "number",
        "accepted_at",
        "channel",
        "business_line",
        "category",
        "department",
        "customer_name",
        "phone",
        "first_response_at",
        "resolved_at",
        "status",
        "recording_file",
        "regulator_forwarded",
        "summary",
        "dispatched_at",
    ]
    .map(|column| format!("{table}.{column}"))
    .join(", ")
}

/// How many columns [`complaint_columns`] selects: the index of the first column after them.
pub(crate) const COMPLAINT_COLUMN_COUNT: usize = 15;

/// A complaint from a row that starts with [`complaint_columns`].
pub(crate) fn complaint_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Complaint> {
    Ok(Complaint {
        number: row.get(0)?,
        accepted_at: row.get(1)?,
        channel: row.get(2)?,
        business_line: row.get(3)?,
        category: row.get(4)?,
        department: row.get(5)?,
        customer_name: row.get(6)?,
        phone: row.get(7)?,
        first_response_at: row.get(8)?,
        resolved_at: row.get(9)?,
        status: row.get(10)?,
        recording_file: row.get(11)?,
        regulator_forwarded: row.get(12)?,
        summary: row.get(13)?,
        dispatched_at: row.get(14)?,
    })
}

/// The most rows one page may hold.
pub const MAX_PAGE_ROWS: u32 = 1_000;

/// The longest full-text search accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// How the full text is found (see the module documentation).
enum Needle {
    /// An FTS5 string for `complaint_search` (trigrams).
    Trigrams(String),
    /// An FTS5 string for `complaint_bigrams`.
    Bigrams(String),
    /// A `LIKE` pattern with `\` as its escape.
    Scan(String),
}

impl Needle {
    fn of(text: &str) -> Option<Needle> {
        let text = text.trim();
        match text.chars().count() {
            0 => None,
            // The characters must be ones the bigram tokenizer keeps (letters and digits); a search
            // for punctuation is rare enough to scan for. One character is a prefix: every
            // occurrence of it starts a token.
            1 if text.chars().all(char::is_alphanumeric) => Some(Needle::Bigrams(format!("{}*", fts5_string(text)))),
            2 if text.chars().all(char::is_alphanumeric) => Some(Needle::Bigrams(fts5_string(text))),
            1 | 2 => Some(Needle::Scan(like_pattern(text))),
            _ => Some(Needle::Trigrams(fts5_string(text))),
        }
    }
}

/// `text` as one FTS5 string: inside double quotes every character is literal except the quote,
/// which is doubled.
fn fts5_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `%text%` with LIKE's wildcards escaped (`\` is the escape character).
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The UTC bounds of a `YYYY-MM` month in the branch's zone, as stored instants compare.
fn month_bounds(month: &str) -> Option<(String, String)> {
    let (year, number) = month.split_once('-')?;
    if year.len() != 4 || number.len() != 2 {
        return None;
    }
    let first = Date::new(year.parse().ok()?, number.parse().ok()?, 1).ok()?;
    let next = first.checked_add(jiff::Span::new().months(1)).ok()?;
    let zone = tingjian_core::time::branch_zone();
    let instant = |date: Date| -> Option<String> {
        let at = date.to_zoned_datetime(zone.clone()).ok()?.timestamp();
        Some(at.strftime("%Y-%m-%dT%H:%M:%S.000000Z").to_string())
    };
    Some((instant(first)?, instant(next)?))
}

/// A query's conditions (each a piece of SQL over `complaints c`) and the values they bind.
#[derive(Clone)]
struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
    /// The full-text condition's subquery of rowids, when the query has one.
    text: Option<String>,
}

impl Filter {
    /// The conditions of `query`, with its set conditions (full text, reviewed) written as
    /// `probe` says.
    fn of(query: &ComplaintQuery, probe: Probe) -> Result<Filter, VaultError> {
        let mut filter = Filter { conditions: Vec::new(), values: Vec::new(), text: None };
        let given = |value: &Option<String>| value.as_ref().filter(|v| !v.is_empty()).cloned();
        for (column, value) in [
            ("c.number", &query.number),
            ("c.quarter", &query.quarter),
            ("c.department", &query.department),
            ("c.business_line", &query.business_line),
            ("c.category", &query.category),
            ("c.channel", &query.channel),
        ] {
            if let Some(value) = given(value) {
                let slot = filter.bind(Value::Text(value));
                filter.conditions.push(format!("{column} = {slot}"));
            }
        }
        if let Some(month) = given(&query.month) {
            // Months are the branch's. The range on the stored UTC instants lets the acceptance
            // index find them; the shifted YYYY-MM keeps the exact meaning.
            let (from, to) = month_bounds(&month).ok_or_else(|| VaultError::Refused {
                message_zh: format!("受理月份“{month}”格式不对，应为 YYYY-MM"),
                message_en: format!("month \"{month}\" is not YYYY-MM"),
            })?;
            let from = filter.bind(Value::Text(from));
            let to = filter.bind(Value::Text(to));
            let month = filter.bind(Value::Text(month));
            filter.conditions.push(format!(
                "c.accepted_at >= {from} AND c.accepted_at < {to} AND strftime('%Y-%m', c.accepted_at, '+8 hours') = {month}"
            ));
        }
        let flag = |value: Option<bool>, yes: &str, no: &str| value.map(|v| if v { yes } else { no }.to_owned());
        filter.conditions.extend(flag(query.has_recording, "c.recording_hash IS NOT NULL", "c.recording_hash IS NULL"));
        filter.conditions.extend(flag(
            query.regulator_forwarded,
            "c.regulator_forwarded = 1",
            "c.regulator_forwarded = 0",
        ));
        // `+` keeps SQLite from starting from the set: it checks each row against it instead.
        let plus = |probe: bool| if probe { "+" } else { "" };
        filter.conditions.extend(flag(
            query.reviewed,
            &format!("{}c.number IN (SELECT complaint_number FROM reflections)", plus(probe.reviewed)),
            "c.number NOT IN (SELECT complaint_number FROM reflections)",
        ));
        if let Some(text) = &query.text {
            if text.trim().chars().count() > MAX_SEARCH_CHARS {
                return Err(VaultError::Refused {
                    message_zh: format!("搜索内容过长：最多 {MAX_SEARCH_CHARS} 个字"),
                    message_en: format!("the search is too long: at most {MAX_SEARCH_CHARS} characters"),
                });
            }
            let rowids = match Needle::of(text) {
                None => None,
                Some(Needle::Trigrams(phrase)) => {
                    let slot = filter.bind(Value::Text(phrase));
                    Some(format!("SELECT rowid FROM complaint_search WHERE complaint_search MATCH {slot}"))
                }
                Some(Needle::Bigrams(phrase)) => {
                    let slot = filter.bind(Value::Text(phrase));
                    Some(format!("SELECT rowid FROM complaint_bigrams WHERE complaint_bigrams MATCH {slot}"))
                }
                Some(Needle::Scan(pattern)) => {
                    let slot = filter.bind(Value::Text(pattern));
                    Some(format!(
                        "SELECT rowid FROM complaint_search WHERE number LIKE {slot} ESCAPE '\\' \
                         OR summary LIKE {slot} ESCAPE '\\' OR notes LIKE {slot} ESCAPE '\\'"
                    ))
                }
            };
            if let Some(rowids) = rowids {
                filter.conditions.push(format!("{}c.rowid IN ({rowids})", plus(probe.text)));
                filter.text = Some(rowids);
            }
        }
        Ok(filter)
    }

    fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("?{}", self.values.len())
    }

    /// This filter and one more condition.
    fn and(&self, condition: &str) -> Filter {
        let mut filter = self.clone();
        filter.conditions.push(condition.to_owned());
        filter
    }

    fn clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!("WHERE {}", self.conditions.join(" AND ")) }
    }
}

/// Below this many matches a page is found by sorting them; above, by walking an index in order.
/// A set condition (full text, reviewed) with more than this many complaints is not where SQLite
/// starts when an indexed filter is there to start from.
const SORT_AT_MOST: u64 = 2_000;

/// Which set conditions are checked row by row (`true`) rather than being where SQLite starts.
///
/// SQLite starts from a full-text match or the reviewed complaints whenever it may, and fetches
/// each of them by rowid (~1 µs each): right for a few hundred, slow for 10,000 when an index
/// (a department, a quarter, the order itself) would give the same rows by a short walk with a
/// cheap membership check.
#[derive(Debug, Clone, Copy, Default)]
struct Probe {
    text: bool,
    reviewed: bool,
}

impl Probe {
    const ALL: Probe = Probe { text: true, reviewed: true };
}

impl Vault {
    /// Every stored complaint by number, with the hash of the recording linked to it: what an
    /// import compares the export's rows with.
    pub fn complaints_by_number(&self) -> Result<HashMap<String, (Complaint, Option<String>)>, VaultError> {
        let mut statement =
            self.db().prepare(&format!("SELECT {}, c.recording_hash FROM complaints c", complaint_columns("c")))?;
        let rows = statement.query_map([], |row| {
            Ok((complaint_from_row(row)?, row.get::<_, Option<String>>(COMPLAINT_COLUMN_COUNT)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (complaint, hash) = row?;
            out.insert(complaint.number.clone(), (complaint, hash));
        }
        Ok(out)
    }

    /// The hashes of every stored recording.
    pub fn recording_hashes(&self) -> Result<HashSet<String>, VaultError> {
        let mut statement = self.db().prepare("SELECT hash FROM recordings")?;
        let hashes = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(hashes.collect::<Result<_, _>>()?)
    }

    /// The hashes of every stored evidence file.
    pub fn evidence_hashes(&self) -> Result<HashSet<String>, VaultError> {
        let mut statement = self.db().prepare("SELECT hash FROM evidence_files")?;
        let hashes = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(hashes.collect::<Result<_, _>>()?)
    }

    /// Whether a recording with this hash is stored.
    pub fn has_recording(&self, hash: &str) -> Result<bool, VaultError> {
        Ok(self.db().query_row("SELECT EXISTS (SELECT 1 FROM recordings WHERE hash = ?1)", [hash], |row| row.get(0))?)
    }

    /// The first complaint of `department` (by number) that has a recording.
    pub fn first_recorded_complaint_of(&self, department: &str) -> Result<Option<String>, VaultError> {
        use rusqlite::OptionalExtension as _;
        Ok(self
            .db()
            .query_row(
                "SELECT number FROM complaints WHERE department = ?1 AND recording_hash IS NOT NULL
                 ORDER BY number LIMIT 1",
                [department],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The complaints matching `query`, in its order: every one of them (for callers that need
    /// them all; the library screen asks for pages with [`Vault::complaint_page`]).
    pub fn complaints(&self, query: &ComplaintQuery) -> Result<Vec<ComplaintRow>, VaultError> {
        let filter = Filter::of(query, self.large_sets(query)?)?;
        let keys = self.keys(&order_sql(query, &filter, Part::All), &filter.values, None)?;
        self.rows_for(&keys)
    }

    /// One page of the complaints matching `query`: `limit` rows (at most [`MAX_PAGE_ROWS`]) from
    /// `offset` in the query's order, and how many match in all.
    pub fn complaint_page(&self, query: &ComplaintQuery, offset: u32, limit: u32) -> Result<ComplaintPage, VaultError> {
        if limit == 0 || limit > MAX_PAGE_ROWS {
            return Err(VaultError::Refused {
                message_zh: format!("每页行数须在 1 到 {MAX_PAGE_ROWS} 之间，收到 {limit}"),
                message_en: format!("a page holds 1 to {MAX_PAGE_ROWS} rows, not {limit}"),
            });
        }
        let large = self.large_sets(query)?;
        let total = self.count(query, large)?;
        let end = total.min(u64::from(offset) + u64::from(limit));
        if u64::from(offset) >= end {
            return Ok(ComplaintPage { total, offset, rows: Vec::new() });
        }
        let window = (u64::from(offset), end);
        // Walking an index in order visits about (rows up to the page's end) × (complaints /
        // matches) rows; sorting the matches handles each match once. Take the cheaper.
        let complaints: u64 = self
            .db()
            .prepare_cached("SELECT coalesce(max(rowid), 0) FROM complaints")?
            .query_row([], |row| row.get(0))?;
        let walk = total > SORT_AT_MOST && window.1.saturating_mul(complaints) / total < total;
        let keys = if query.sort == ComplaintSort::Duration && walk {
            self.duration_keys(query, large, total, window)?
        } else {
            let filter = Filter::of(query, if walk { Probe::ALL } else { large })?;
            let part = if walk { Part::All } else { Part::Matches };
            self.keys(&order_sql(query, &filter, part), &filter.values, Some((total, window)))?
        };
        Ok(ComplaintPage { total, offset, rows: self.rows_for(&keys)? })
    }

    /// The set conditions of `query` that are large while an indexed filter is there to start
    /// from (see [`Probe`]).
    fn large_sets(&self, query: &ComplaintQuery) -> Result<Probe, VaultError> {
        let given = |value: &Option<String>| value.as_ref().is_some_and(|v| !v.is_empty());
        let indexed = [&query.number, &query.quarter, &query.department, &query.business_line, &query.category]
            .into_iter()
            .chain([&query.channel, &query.month])
            .any(given)
            || query.has_recording.is_some()
            || query.regulator_forwarded.is_some();
        if !indexed {
            return Ok(Probe::default());
        }
        let text =
            match Filter::of(&ComplaintQuery { text: query.text.clone(), ..Default::default() }, Probe::default())? {
                Filter { text: Some(rowids), values, .. } => self
                    .db()
                    .prepare_cached(&format!("SELECT count(*) FROM ({rowids})"))?
                    .query_row(rusqlite::params_from_iter(values.iter()), |row| row.get::<_, u64>(0))?,
                _ => 0,
            };
        // Asked for "not reviewed" too: its count is all minus the reviewed ones.
        let reviewed = if query.reviewed.is_some() {
            self.db()
                .prepare_cached("SELECT count(DISTINCT complaint_number) FROM reflections")?
                .query_row([], |row| row.get::<_, u64>(0))?
        } else {
            0
        };
        Ok(Probe { text: text > SORT_AT_MOST, reviewed: reviewed > SORT_AT_MOST })
    }

    /// How many complaints match `query`.
    fn count(&self, query: &ComplaintQuery, probe: Probe) -> Result<u64, VaultError> {
        if query.reviewed == Some(false) {
            // Probing every complaint against the reflections is slow (~35 ms on 100,000); all
            // minus the reviewed ones is two index counts.
            let all = self.count(&ComplaintQuery { reviewed: None, ..query.clone() }, probe)?;
            let reviewed = self.count(&ComplaintQuery { reviewed: Some(true), ..query.clone() }, probe)?;
            return Ok(all.saturating_sub(reviewed));
        }
        let filter = Filter::of(query, probe)?;
        let sql = match &filter.text {
            // The search tables hold exactly the complaints' rows: count there, without the join.
            Some(rowids) if filter.conditions.len() == 1 => format!("SELECT count(*) FROM ({rowids})"),
            _ => format!("SELECT count(*) FROM complaints c {}", filter.clause()),
        };
        let mut statement = self.db().prepare_cached(&sql)?;
        Ok(statement.query_row(rusqlite::params_from_iter(filter.values.iter()), |row| row.get(0))?)
    }

    /// The keys of the duration order when walking: the calls with a recording, by the recordings'
    /// duration index, then those without one (whose duration ties, so the usual order decides).
    fn duration_keys(
        &self,
        query: &ComplaintQuery,
        large: Probe,
        total: u64,
        window: (u64, u64),
    ) -> Result<Vec<i64>, VaultError> {
        let counted = Filter::of(query, large)?.and("c.recording_hash IS NOT NULL");
        let recorded: u64 = self
            .db()
            .prepare_cached(&format!("SELECT count(*) FROM complaints c {}", counted.clause()))?
            .query_row(rusqlite::params_from_iter(counted.values.iter()), |row| row.get(0))?;
        let walking = Filter::of(query, Probe::ALL)?;
        let mut keys = Vec::new();
        if window.0 < recorded {
            let part = (window.0, window.1.min(recorded));
            let sql = order_sql(query, &walking, Part::Recorded);
            keys.extend(self.keys(&sql, &walking.values, Some((recorded, part)))?);
        }
        if window.1 > recorded {
            let part = (window.0.saturating_sub(recorded), window.1 - recorded);
            let filter = walking.and("c.recording_hash IS NULL");
            let sql = order_sql(query, &filter, Part::Unrecorded);
            keys.extend(self.keys(&sql, &filter.values, Some((total.saturating_sub(recorded), part)))?);
        }
        Ok(keys)
    }

    /// The rowids `sql` (from [`order_sql`]) selects: all of them, or with `window = (total,
    /// (start, end))` the rows from `start` to `end` of the `total` it selects. A window past the
    /// middle is read from the other end, in reverse, so that no page walks more than half the
    /// matches.
    fn keys(
        &self,
        sql: &SqlOrder,
        values: &[Value],
        window: Option<(u64, (u64, u64))>,
    ) -> Result<Vec<i64>, VaultError> {
        let mut values = values.to_vec();
        let (reverse, cut) = match window {
            None => (false, String::new()),
            Some((total, (start, end))) => {
                let reverse = start + end > total;
                let offset = if reverse { total - end } else { start };
                values.push(Value::Integer(i64::try_from(end - start).unwrap_or(i64::MAX)));
                values.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
                (reverse, format!("LIMIT ?{} OFFSET ?{}", values.len() - 1, values.len()))
            }
        };
        let order = if reverse { &sql.backward } else { &sql.forward };
        let mut statement = self.db().prepare_cached(&format!("{} ORDER BY {order} {cut}", sql.select))?;
        let keys = statement.query_map(rusqlite::params_from_iter(values.iter()), |row| row.get(0))?;
        let mut keys: Vec<i64> = keys.collect::<Result<_, _>>()?;
        if reverse {
            keys.reverse();
        }
        Ok(keys)
    }

    /// The whole rows for `keys`, in the keys' order.
    fn rows_for(&self, keys: &[i64]) -> Result<Vec<ComplaintRow>, VaultError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut statement = self.db().prepare_cached(
            "SELECT k.key, c.number, c.accepted_at, c.quarter, c.channel, c.business_line, c.category, c.department,
                    c.customer_name, c.regulator_forwarded, c.status, c.summary, c.recording_hash,
                    r.original_name, r.codec, r.duration_ms,
                    EXISTS (SELECT 1 FROM reflections f WHERE f.complaint_number = c.number),
                    (SELECT count(*) FROM notes n WHERE n.complaint_number = c.number)
             FROM json_each(?1) k JOIN complaints c ON c.rowid = k.value
             LEFT JOIN recordings r ON r.hash = c.recording_hash",
        )?;
        let list = keys.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut rows: Vec<(usize, ComplaintRow)> = statement
            .query_map([format!("[{list}]")], |row| {
                Ok((
                    row.get::<_, usize>(0)?,
                    ComplaintRow {
                        number: row.get(1)?,
                        accepted_at: row.get(2)?,
                        quarter: row.get(3)?,
                        channel: row.get(4)?,
                        business_line: row.get(5)?,
                        category: row.get(6)?,
                        department: row.get(7)?,
                        customer_masked: mask_name(&row.get::<_, String>(8)?),
                        regulator_forwarded: row.get(9)?,
                        status: row.get(10)?,
                        // Phone, ID card and bank card numbers a summary may carry are masked
                        // wherever complaints are listed.
                        summary: mask_identifiers(&row.get::<_, String>(11)?),
                        recording_hash: row.get(12)?,
                        recording_name: row.get(13)?,
                        recording_codec: row.get(14)?,
                        duration_ms: row.get(15)?,
                        reviewed: row.get(16)?,
                        note_count: row.get(17)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        rows.sort_unstable_by_key(|(position, _)| *position);
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }

    /// The distinct values of each filter.
    pub fn library_facets(&self) -> Result<LibraryFacets, VaultError> {
        let distinct = |column: &str| -> Result<Vec<String>, VaultError> {
            let sql = format!("SELECT DISTINCT {column} FROM complaints WHERE {column} <> '' ORDER BY {column}");
            let mut statement = self.db().prepare_cached(&sql)?;
            let values = statement.query_map([], |row| row.get::<_, String>(0))?;
            Ok(values.collect::<Result<_, _>>()?)
        };
        Ok(LibraryFacets {
            quarters: distinct("quarter")?,
            departments: distinct("department")?,
            business_lines: distinct("business_line")?,
            categories: distinct("category")?,
            channels: distinct("channel")?,
            months: self.months()?,
        })
    }

    /// The months (YYYY-MM in the branch's zone) that have complaints: one index seek per month
    /// rather than a date computation per complaint.
    fn months(&self) -> Result<Vec<String>, VaultError> {
        let mut statement = self.db().prepare_cached(
            "SELECT min(accepted_at), strftime('%Y-%m', min(accepted_at), '+8 hours') FROM complaints WHERE accepted_at >= ?1",
        )?;
        let mut months = Vec::new();
        let mut from = String::new();
        while let (Some(first), Some(month)) = statement
            .query_row([&from], |row| Ok((row.get::<_, Option<String>>(0)?, row.get::<_, Option<String>>(1)?)))?
        {
            // An instant that does not parse as a date would repeat forever: step past it instead.
            match month_bounds(&month) {
                Some((_, next)) if next > first => from = next,
                _ => from = format!("{first}\u{1}"),
            }
            if months.last() != Some(&month) {
                months.push(month);
            }
        }
        Ok(months)
    }
}

/// A query's rowid selection with its order both ways.
struct SqlOrder {
    select: String,
    forward: String,
    backward: String,
}

/// Which complaints an order covers: the duration order is read in two parts when walking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// All that match, walked in the order's index.
    All,
    /// All that match, found first (by whichever index suits the filter), then sorted: for a few
    /// matches, so that only their rows are read.
    Matches,
    /// Those with a recording, walked along the recordings' duration index (the join itself
    /// leaves out the others).
    Recorded,
    /// Those without (the filter says so): their duration ties, so the usual order decides.
    Unrecorded,
}

/// `SELECT c.rowid FROM … {where}` and the order of `query`, both ways: its column, then the
/// acceptance time, then the number (unique, so the order is total and can be read from either
/// end).
fn order_sql(query: &ComplaintQuery, filter: &Filter, part: Part) -> SqlOrder {
    let duration = query.sort == ComplaintSort::Duration;
    let join = if duration { "LEFT JOIN recordings r ON r.hash = c.recording_hash" } else { "" };
    let select = match part {
        Part::All => format!("SELECT c.rowid FROM complaints c {join} {}", filter.clause()),
        Part::Matches => format!(
            "WITH m (id) AS MATERIALIZED (SELECT c.rowid FROM complaints c {})
             SELECT c.rowid FROM m CROSS JOIN complaints c ON c.rowid = m.id {join}",
            filter.clause()
        ),
        Part::Unrecorded => format!("SELECT c.rowid FROM complaints c {}", filter.clause()),
        Part::Recorded => format!(
            "SELECT c.rowid FROM recordings r INDEXED BY recordings_by_duration
             CROSS JOIN complaints c ON c.recording_hash = r.hash {}",
            filter.clause()
        ),
    };
    let columns: Vec<&str> = match query.sort {
        ComplaintSort::Number => vec!["c.number"],
        ComplaintSort::AcceptedAt => vec!["c.accepted_at", "c.number"],
        ComplaintSort::Duration if part == Part::Unrecorded => vec!["c.accepted_at", "c.number"],
        sort => vec![sort.column(), "c.accepted_at", "c.number"],
    };
    let direction = |descending: bool| {
        columns
            .iter()
            .map(|column| {
                let way = if descending { "DESC" } else { "ASC" };
                // Only the duration can be missing; missing sorts last whichever way. (The other
                // columns are NOT NULL, and saying NULLS LAST for them would keep SQLite off their
                // indexes.)
                if *column == "r.duration_ms" && matches!(part, Part::All | Part::Matches) {
                    let nulls = if descending == query.descending { "LAST" } else { "FIRST" };
                    format!("{column} {way} NULLS {nulls}")
                } else {
                    format!("{column} {way}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    SqlOrder { select, forward: direction(query.descending), backward: direction(!query.descending) }
}
