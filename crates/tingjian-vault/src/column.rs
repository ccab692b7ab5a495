//! Columns that hold a core enum by its stored name (`people.role`, `rectification_cases.severity`),
//! read back as the value they name.

/// The value column `index` names, by `parse` (such as `Role::parse`). The vault only ever writes
/// a value's own name there; any other text (an edit behind the vault's back, which `verify`
/// reports) fails the read rather than being taken for something it is not.
pub(crate) fn named<T>(row: &rusqlite::Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("\"{text}\" is not a value this column can hold").into(),
        )
    })
}
