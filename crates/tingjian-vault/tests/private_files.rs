//! What a vault writes is its owner's alone: folders 0700 and files 0600 on a fresh vault with a
//! recording, an evidence file and cached peaks (its database's write-ahead log included); an
//! evidence file handed to a viewer is a read-only copy checked against its hash; identifying
//! numbers in summaries and in other people's notes are masked where they are listed.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use tingjian_vault::Event;

mod common;
use common::{complaint, vault_with_a_call};

fn walk(dir: &Path, found: &mut Vec<(std::path::PathBuf, u32, bool)>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let entry = entry.expect("entry");
        let meta = entry.metadata().expect("metadata");
        found.push((entry.path(), meta.permissions().mode() & 0o777, meta.is_dir()));
        if meta.is_dir() {
            walk(&entry.path(), found);
        }
    }
}

#[test]
fn a_fresh_vault_is_readable_by_its_owner_only() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, hash) = vault_with_a_call(temp.path(), "li");
    vault.evidence().put_bytes(b"a training sign-in sheet").expect("evidence");
    vault.store_peaks(&hash, b"peaks").expect("peaks");
    let root = vault.root().to_owned();
    assert!(root.join("vault.sqlite-wal").is_file(), "the write-ahead log is there while the vault is open");

    let mut found = vec![(root.clone(), std::fs::metadata(&root).expect("root").permissions().mode() & 0o777, true)];
    walk(&root, &mut found);
    assert!(found.len() > 8, "{found:?}");
    for (path, mode, is_dir) in &found {
        let wanted = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, wanted, "{} is {mode:o}", path.display());
    }
}

#[test]
fn an_evidence_file_is_opened_from_a_read_only_copy_checked_against_its_hash() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "li");
    let stored = vault.evidence().put_bytes(b"a training sign-in sheet").expect("evidence");
    vault
        .record(vec![Event::EvidenceStored {
            case_id: "case-1".to_owned(),
            hash: stored.hash.clone(),
            name: "签到表.csv".to_owned(),
            bytes: stored.bytes,
        }])
        .expect("record");
    let viewer = temp.path().join("viewer");
    let copy = vault.evidence_copy(&stored.hash, &viewer).expect("copy");
    assert_eq!(std::fs::read(&copy).expect("read"), b"a training sign-in sheet");
    assert_eq!(std::fs::metadata(&copy).expect("meta").permissions().mode() & 0o777, 0o400);
    // Opening it again replaces the read-only copy.
    vault.evidence_copy(&stored.hash, &viewer).expect("copy again");

    // The stored file altered behind the vault's back: nothing is handed to a viewer.
    let path = vault.evidence().path_of(&stored.hash);
    std::fs::write(&path, b"a forged sheet").expect("alter");
    let refused = vault.evidence_copy(&stored.hash, &viewer).expect_err("altered");
    assert!(refused.to_string().contains("altered"), "{refused}");
}

#[test]
fn numbers_in_summaries_and_other_peoples_notes_are_masked_where_they_are_listed() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut li, _) = vault_with_a_call(temp.path(), "li");
    let with_phone =
        tingjian_core::model::Complaint { summary: "客户要求回电13800001234".to_owned(), ..complaint("TS-2") };
    li.record(vec![Event::ComplaintRecorded { complaint: with_phone }]).expect("record");
    let row = li.complaint_details("TS-2").expect("details").row;
    assert_eq!(row.summary, "客户要求回电138****1234");
    let note = li.add_note("TS-1", 1_000, "客户说卡号6222021234567894被扣了年费").expect("note");
    assert!(li.notes("TS-1").expect("notes")[0].text.contains("6222021234567894"), "the author sees her note whole");
    let wang = tingjian_vault::Vault::open(li.root(), "wang").expect("wang's handle");
    let seen = &wang.notes("TS-1").expect("notes")[0];
    assert_eq!((seen.id.as_str(), seen.text.as_str()), (note.id.as_str(), "客户说卡号622202******7894被扣了年费"));
}
