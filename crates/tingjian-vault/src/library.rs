//! The library: every complaint with its recording, filtered and sorted for the library screen
//! and `tingjian list`. Personal data is masked here, so no list ever carries it whole.

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use tingjian_core::model::Complaint;
use tingjian_core::personal::mask_name;
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
    pub category: Option<String>,
    pub channel: Option<String>,
    /// `YYYY-MM`, in the branch's zone.
    pub month: Option<String>,
    pub has_recording: Option<bool>,
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
}

/// The values the library's filters can take, from what the vault holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LibraryFacets {
    pub quarters: Vec<String>,
    pub departments: Vec<String>,
    pub categories: Vec<String>,
    pub channels: Vec<String>,
    pub months: Vec<String>,
}

/// The columns of a whole complaint, as `{table}.column`, in the order [`complaint_from_row`]
/// reads them; every query that wants whole complaints selects these first.
pub fn complaint_columns(table: &str) -> String {
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
    ]
    .map(|column| format!("{table}.{column}"))
    .join(", ")
}

/// How many columns [`complaint_columns`] selects: the index of the first column after them.
pub const COMPLAINT_COLUMN_COUNT: usize = 14;

/// A complaint from a row that starts with [`complaint_columns`].
pub fn complaint_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Complaint> {
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
    })
}

impl Vault {
    /// The complaints matching `query`, in its order.
    pub fn complaints(&self, query: &ComplaintQuery) -> Result<Vec<ComplaintRow>, VaultError> {
        let mut conditions = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut equal = |column: &str, value: &Option<String>| {
            if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                values.push(Value::Text(value.clone()));
                conditions.push(format!("{column} = ?{}", values.len()));
            }
        };
        equal("c.number", &query.number);
        equal("c.quarter", &query.quarter);
        equal("c.department", &query.department);
        equal("c.category", &query.category);
        equal("c.channel", &query.channel);
        // Months are the branch's: shift the stored UTC instant by +08:00 before taking YYYY-MM.
        equal("strftime('%Y-%m', c.accepted_at, '+8 hours')", &query.month);
        match query.has_recording {
            Some(true) => conditions.push("c.recording_hash IS NOT NULL".to_owned()),
            Some(false) => conditions.push("c.recording_hash IS NULL".to_owned()),
            None => {}
        }
        let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let direction = if query.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT c.number, c.accepted_at, c.quarter, c.channel, c.business_line, c.category, c.department,
                    c.customer_name, c.regulator_forwarded, c.status, c.summary, c.recording_hash,
                    r.original_name, r.codec, r.duration_ms
             FROM complaints c LEFT JOIN recordings r ON r.hash = c.recording_hash
             {filter}
             ORDER BY {} {direction} NULLS LAST, c.number {direction}",
            query.sort.column()
        );
        let mut statement = self.db().prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values), |row| {
            Ok(ComplaintRow {
                number: row.get(0)?,
                accepted_at: row.get(1)?,
                quarter: row.get(2)?,
                channel: row.get(3)?,
                business_line: row.get(4)?,
                category: row.get(5)?,
                department: row.get(6)?,
                customer_masked: mask_name(&row.get::<_, String>(7)?),
                regulator_forwarded: row.get(8)?,
                status: row.get(9)?,
                summary: row.get(10)?,
                recording_hash: row.get(11)?,
                recording_name: row.get(12)?,
                recording_codec: row.get(13)?,
                duration_ms: row.get(14)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The distinct values of each filter.
    pub fn library_facets(&self) -> Result<LibraryFacets, VaultError> {
        let distinct = |expression: &str| -> Result<Vec<String>, VaultError> {
            let sql = format!("SELECT DISTINCT {expression} AS v FROM complaints WHERE v <> '' ORDER BY v");
            let mut statement = self.db().prepare(&sql)?;
            let values = statement.query_map([], |row| row.get::<_, String>(0))?;
            Ok(values.collect::<Result<_, _>>()?)
        };
        Ok(LibraryFacets {
            quarters: distinct("quarter")?,
            departments: distinct("department")?,
            categories: distinct("category")?,
            channels: distinct("channel")?,
            months: distinct("strftime('%Y-%m', accepted_at, '+8 hours')")?,
        })
    }
}
