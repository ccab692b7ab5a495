#![allow(dead_code)]
//! What the import tests share.

/// A connection of the test's own to the vault's database file, as an auditor's `sqlite3` would
/// open it: the vault keeps its connections to itself.
pub fn sql(vault: &tingjian_vault::Vault) -> rusqlite::Connection {
    rusqlite::Connection::open(vault.root().join(tingjian_vault::DATABASE_FILE)).expect("open the vault's database")
}

/// Bytes this test process has read through `read` calls so far (Linux's `rchar`, holes of a
/// sparse file included): "refused without reading the file" is checked by what was read, not by
/// how long the refusal took, which depends on the machine.
pub fn bytes_read_so_far() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").expect("read /proc/self/io");
    io.lines()
        .find_map(|line| line.strip_prefix("rchar:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("an rchar line in /proc/self/io")
}

/// The most resident memory this test process has held so far (`VmHWM`), in bytes.
pub fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line in /proc/self/status");
    kib * 1024
}
