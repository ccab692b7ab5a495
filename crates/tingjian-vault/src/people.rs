//! The people who use the vault and their part in it: a role, and for a department head the
//! department they answer for. Set through the log (`person_added`), so who could do what, and since
//! when, is evidence like everything else.

use tingjian_core::model::{Person, Role};

use crate::{Event, Vault, VaultError, column};

/// The longest id a person may act or be known by, in characters (an account name, an employee
/// number, a name in pinyin).
pub const PERSON_ID_MAX_CHARS: usize = 64;

/// Characters that change how text around them is shown without being seen: bidirectional
/// overrides and isolates (which can make `evil` read as `live`), zero-width characters, line and
/// paragraph separators, the byte-order mark.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// An id as a message can quote it: characters that cannot be seen are written as `U+000A`, and a
/// long one is cut.
fn quoted_id(id: &str) -> String {
    let mut out = String::new();
    for (index, c) in id.chars().enumerate() {
        if index == PERSON_ID_MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() || invisible(c) {
            out.push_str(&format!("U+{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// The role a person can be given by this name (`people set --role`), or a refusal listing the
/// names there are. The legacy `owner` is refused: it is only read from old vaults.
pub fn assignable_role(name: &str) -> Result<Role, VaultError> {
    match Role::parse(name.trim()) {
        Some(role) if Role::ASSIGNABLE.contains(&role) => Ok(role),
        _ => Err(VaultError::refused(
            format!("角色“{name}”无效，应为 {}", Role::ASSIGNABLE.map(Role::as_str).join(" / ")),
            format!("role \"{name}\" is not one of {}", Role::ASSIGNABLE.map(Role::as_str).join(", ")),
        )),
    }
}

/// Who an id is for, so the refusal says where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdUse {
    /// The person acting through a vault handle (`--as`, `TINGJIAN_USER`, the OS account name).
    Actor,
    /// A person being added or changed (`people set ID`).
    Person,
}

/// Checks an id a person acts or is known by and returns it without surrounding white space: not
/// empty, at most [`PERSON_ID_MAX_CHARS`] characters, no control or invisible characters. A
/// person's id (which commands take as one word) also has no white space inside; an actor's may
/// (an OS account name can have a space), though only ids without one can be given a role.
pub fn check_person_id(id: &str, used_as: IdUse) -> Result<&str, VaultError> {
    let trimmed = id.trim();
    let (whose_zh, whose_en) = match used_as {
        IdUse::Actor => (
            "操作人标识（来自 --as、TINGJIAN_USER 或系统账户名）",
            "the acting person's id (from --as, TINGJIAN_USER or the OS account name)",
        ),
        IdUse::Person => ("人员标识", "person id"),
    };
    let refuse = |zh: String, en: String| {
        VaultError::refused(
            format!("{whose_zh}“{}”无效：{zh}", quoted_id(id)),
            format!("{whose_en} \"{}\" is not valid: {en}", quoted_id(id)),
        )
    };
    if trimmed.is_empty() {
        return Err(refuse("不能为空".to_owned(), "it is empty".to_owned()));
    }
    let length = trimmed.chars().count();
    if length > PERSON_ID_MAX_CHARS {
        return Err(refuse(
            format!("最长 {PERSON_ID_MAX_CHARS} 个字符，现有 {length} 个"),
            format!("it has {length} characters, at most {PERSON_ID_MAX_CHARS} are allowed"),
        ));
    }
    if let Some(c) = trimmed.chars().find(|&c| c.is_control() || invisible(c)) {
        let code = format!("U+{:04X}", u32::from(c));
        return Err(refuse(
            format!("含有控制字符或不可见字符 {code}"),
            format!("it holds the control or invisible character {code}"),
        ));
    }
    if used_as == IdUse::Person && trimmed.chars().any(char::is_whitespace) {
        return Err(refuse("不能含空格".to_owned(), "it has spaces".to_owned()));
    }
    Ok(trimmed)
}

/// A person as they may be recorded: a valid id, an assignable role, a department for a head, a
/// display name (their id when none is given).
pub(crate) fn checked_person(person: Person) -> Result<Person, VaultError> {
    let id = check_person_id(&person.id, IdUse::Person)?;
    let role = assignable_role(person.role.as_str())?;
    let department = person.department.as_deref().map(str::trim).filter(|d| !d.is_empty());
    if role == Role::DepartmentHead && department.is_none() {
        return Err(VaultError::refused(
            "部门负责人须指定所负责的部门（--department）".to_owned(),
            "a department head needs the department they answer for (--department)".to_owned(),
        ));
    }
    Ok(Person {
        id: id.to_owned(),
        display_name: if person.display_name.trim().is_empty() { id.to_owned() } else { person.display_name },
        role,
        department: department.map(str::to_owned),
    })
}

impl Vault {
    /// Adds a person, or changes an existing person's name, role or department.
    pub fn set_person(&mut self, person: Person) -> Result<Person, VaultError> {
        let person = checked_person(person)?;
        self.record(vec![Event::PersonAdded { person: person.clone() }])?;
        Ok(person)
    }

    /// Everyone the vault knows, by id.
    pub fn people(&self) -> Result<Vec<Person>, VaultError> {
        let mut statement = self.db().prepare("SELECT id, display_name, role, department FROM people ORDER BY id")?;
        let rows = statement.query_map([], |row| {
            Ok(Person {
                id: row.get(0)?,
                display_name: row.get(1)?,
                role: column::named(row, 2, Role::parse)?,
                department: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
