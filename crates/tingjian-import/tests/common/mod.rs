#![allow(dead_code)]
//! What the import tests share.

/// A connection of the test's own to the vault's database file, as an auditor's `sqlite3` would
/// open it: the vault keeps its connections to itself.
pub fn sql(vault: &tingjian_vault::Vault) -> rusqlite::Connection {
    rusqlite::Connection::open(vault.root().join(tingjian_vault::DATABASE_FILE)).expect("open the vault's database")
}
