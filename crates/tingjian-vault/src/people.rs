//! The people who use the vault and their part in it: a role, and for a department head the
//! department they answer for. Set through the log (`person_added`), so who could do what, and since
//! when, is evidence like everything else.

use tingjian_core::model::Person;

use crate::{Event, Vault, VaultError};

/// The roles the vault knows; anyone else acting is a reviewer.
pub const ROLES: &[&str] = &["president", "coordinator", "department_head", "reviewer"];

impl Vault {
    /// Adds a person, or changes an existing person's name, role or department.
    pub fn set_person(&mut self, person: Person) -> Result<Person, VaultError> {
        let id = person.id.trim();
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(VaultError::refused(
                format!("人员标识“{}”无效：不能为空，也不能含空格", person.id),
                format!("person id \"{}\" is empty or has spaces", person.id),
            ));
        }
        if !ROLES.contains(&person.role.as_str()) {
            return Err(VaultError::refused(
                format!("角色“{}”无效，应为 {}", person.role, ROLES.join(" / ")),
                format!("role \"{}\" is not one of {}", person.role, ROLES.join(", ")),
            ));
        }
        let department = person.department.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if person.role == "department_head" && department.is_none() {
            return Err(VaultError::refused(
                "部门负责人须指定所负责的部门（--department）".to_owned(),
                "a department head needs the department they answer for (--department)".to_owned(),
            ));
        }
        let person = Person {
            id: id.to_owned(),
            display_name: if person.display_name.trim().is_empty() { id.to_owned() } else { person.display_name },
            role: person.role,
            department: department.map(str::to_owned),
        };
        self.record(vec![Event::PersonAdded { person: person.clone() }])?;
        Ok(person)
    }

    /// Everyone the vault knows, by id.
    pub fn people(&self) -> Result<Vec<Person>, VaultError> {
        let mut statement = self.db().prepare("SELECT id, display_name, role, department FROM people ORDER BY id")?;
        let rows = statement.query_map([], |row| {
            Ok(Person { id: row.get(0)?, display_name: row.get(1)?, role: row.get(2)?, department: row.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
