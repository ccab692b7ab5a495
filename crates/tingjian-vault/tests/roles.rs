//! Roles as the vault keeps them: the names in the log and the `people` table never change, the
//! legacy `owner` of old demo vaults is read and written back as it was (so those vaults still
//! verify) while acting as a department head, and only the four current roles can be given.

use tingjian_core::model::{Person, Role};
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{Event, Vault, assignable_role};

mod common;
use common::{sql, vault_with_a_call};

/// An old demo vault's department head, before people had departments.
fn legacy_owner() -> Person {
    Person {
        id: "zhang.wei".to_owned(),
        display_name: "张伟（零售金融部）".to_owned(),
        role: Role::LegacyOwner,
        department: None,
    }
}

#[test]
fn a_legacy_owner_is_stored_as_old_vaults_stored_it_and_still_verifies() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "setup");
    vault.record(vec![Event::PersonAdded { person: legacy_owner() }]).expect("record");

    // The payload is byte for byte what the walking skeleton's demo wrote.
    let (payload, column): (String, String) = sql(&vault)
        .query_row(
            "SELECT e.payload, p.role FROM events e JOIN people p ON p.event_seq = e.seq WHERE p.id = 'zhang.wei'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("stored");
    assert_eq!(
        payload,
        r#"{"kind":"person_added","person":{"id":"zhang.wei","display_name":"张伟（零售金融部）","role":"owner"}}"#
    );
    assert_eq!(column, "owner");
    let report = vault.verify().expect("verify");
    assert!(report.ok, "{:?}", report.problems);

    assert_eq!(
        vault.people().expect("people").iter().find(|p| p.id == "zhang.wei").map(|p| p.role),
        Some(Role::LegacyOwner)
    );
    let root = vault.root().to_owned();
    drop(vault);
    let owner = Vault::open(&root, "zhang.wei").expect("open as the owner");
    assert_eq!(owner.rectification_actor().expect("actor").role, Role::DepartmentHead);
}

#[test]
fn every_role_keeps_its_name_in_the_people_table() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "setup");
    for role in Role::ASSIGNABLE {
        let department = (role == Role::DepartmentHead).then(|| "信用卡中心".to_owned());
        let id = role.as_str().replace('_', ".");
        vault.set_person(Person { id: id.clone(), display_name: String::new(), role, department }).expect("set");
        let column: String =
            sql(&vault).query_row("SELECT role FROM people WHERE id = ?1", [&id], |row| row.get(0)).expect("stored");
        assert_eq!(column, role.as_str());
    }
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn only_the_four_current_roles_can_be_given() {
    for role in Role::ASSIGNABLE {
        assert_eq!(assignable_role(role.as_str()).expect("assignable"), role);
    }
    for name in ["owner", "boss", "President", ""] {
        let error = assignable_role(name).expect_err("refused");
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        assert!(
            error.message_en().contains("is not one of president, coordinator, department_head, reviewer"),
            "{}",
            error.message_en()
        );
    }

    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "setup");
    let error = vault.set_person(legacy_owner()).expect_err("refused");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(vault.people().expect("people").iter().all(|p| p.id != "zhang.wei"));
}
