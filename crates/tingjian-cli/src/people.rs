//! `tingjian people …`: who uses the vault — their role, department, account and key — and the
//! steps that change it: starting the accounts, enrolling, changing a role, a leaver, a reset.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use tingjian_core::UiError;
use tingjian_core::model::Person;
use tingjian_vault::{Account, AccountState, Vault, assignable_role};

use crate::output::Output;
use crate::session::{Identity, sealing_params};

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Everyone the vault knows, with their account. 人员
    List,
    /// Start the vault's accounts: the first coordinator or president enrolls themselves (`--as`
    /// is this id) with a passphrase they choose. 建立第一个账户
    Start {
        id: String,
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// coordinator (消保中心) or president.
        #[arg(long, value_name = "ROLE", default_value = "coordinator")]
        role: String,
    },
    /// Enroll a person: a key is made for them under a one-time passphrase, printed once, which
    /// they replace at their first sign-in (`tingjian passphrase`). 登记人员
    Add {
        id: String,
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// president, coordinator (消保中心), department_head or reviewer.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// The department a department head answers for.
        #[arg(long, value_name = "D")]
        department: Option<String>,
    },
    /// Change a person's role, department or name (in a vault without accounts, also add one).
    /// 修改角色
    #[command(alias = "set")]
    Role {
        id: String,
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[arg(long, value_name = "ROLE")]
        role: String,
        #[arg(long, value_name = "D")]
        department: Option<String>,
    },
    /// Mark a person as having left: their key is revoked, what they signed stays valid. 离职
    Leave { id: String },
    /// Reset a forgotten passphrase: a new key under a one-time passphrase, printed once. 重置口令
    Reset { id: String },
}

/// A one-time passphrase handed to a person, printed once.
#[derive(Debug, Serialize)]
struct Handed {
    id: String,
    one_time_passphrase: String,
}

/// `people start` (and `init --first`): `id` enrolls themselves as the vault's first account with
/// a passphrase asked for (or read from `--new-passphrase-file`).
pub fn start(
    vault_dir: &Path,
    who: &Identity,
    id: &str,
    name: Option<&str>,
    role: &str,
    out: Output,
) -> Result<ExitCode, UiError> {
    let mut vault = Vault::open(vault_dir, id)?;
    let person = person(id, name, role, None)?;
    let passphrase = Identity { actor: id.to_owned(), ..who.clone() }.new_passphrase()?;
    let params = sealing_params(&vault)?;
    vault.start_accounts(person, &passphrase, params)?;
    let accounts = vault.accounts()?;
    out.print(&accounts, || format!("已建立第一个账户 / accounts started: {id}\n{}", describe_accounts(&accounts)));
    Ok(ExitCode::SUCCESS)
}

pub fn run(command: &PeopleCommand, vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    match command {
        PeopleCommand::List => {
            let accounts = who.open(vault_dir)?.accounts()?;
            out.print(&accounts, || describe_accounts(&accounts));
        }
        PeopleCommand::Start { id, name, role } => return start(vault_dir, who, id, name.as_deref(), role, out),
        PeopleCommand::Add { id, name, role, department } => {
            let mut vault = who.open(vault_dir)?;
            let params = sealing_params(&vault)?;
            let (person, one_time_passphrase) = vault
                .enroll_with_one_time_passphrase(person(id, name.as_deref(), role, department.as_deref())?, params)?;
            let handed = Handed { id: person.id, one_time_passphrase };
            out.print(&handed, || describe_handed(&handed, "已登记 / enrolled"));
        }
        PeopleCommand::Role { id, name, role, department } => {
            let mut vault = who.open(vault_dir)?;
            let person = vault.set_person(person(id, name.as_deref(), role, department.as_deref())?)?;
            out.print(&person, || format!("已设置 / set: {} {} {}\n", person.id, person.display_name, person.role));
        }
        PeopleCommand::Leave { id } => {
            let mut vault = who.open(vault_dir)?;
            vault.mark_left(id)?;
            out.print(&serde_json::json!({ "left": id }), || format!("已办理离职 / marked as left: {id}\n"));
        }
        PeopleCommand::Reset { id } => {
            let mut vault = who.open(vault_dir)?;
            let params = sealing_params(&vault)?;
            let one_time_passphrase = vault.reset_with_one_time_passphrase(id, params)?;
            let handed = Handed { id: id.clone(), one_time_passphrase };
            out.print(&handed, || describe_handed(&handed, "已重置口令 / passphrase reset"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tingjian passphrase`: the person (`--as`) replaces their passphrase — the one-time one at
/// their first sign-in, or their own — and a new key is made under it.
pub fn choose_passphrase(vault_dir: &Path, who: &Identity, out: Output) -> Result<ExitCode, UiError> {
    let mut vault = Vault::open(vault_dir, &who.actor)?;
    let current = who.passphrase("当前口令 / current passphrase")?;
    let new = who.new_passphrase()?;
    let params = sealing_params(&vault)?;
    vault.choose_passphrase(&who.actor, &current, &new, params)?;
    let account = vault.accounts()?.into_iter().find(|a| a.person.id == who.actor);
    let fingerprint = account.and_then(|a| a.fingerprint).unwrap_or_default();
    out.print(&serde_json::json!({ "id": who.actor, "fingerprint": fingerprint }), || {
        format!("口令已更新，已生成新密钥 / passphrase set, new key: {} {fingerprint}\n", who.actor)
    });
    Ok(ExitCode::SUCCESS)
}

fn person(id: &str, name: Option<&str>, role: &str, department: Option<&str>) -> Result<Person, UiError> {
    // The role is checked here, not by clap, so that a wrong one is refused like every other
    // wrong input: exit 1 with INVALID_INPUT and the roles there are.
    Ok(Person {
        id: id.to_owned(),
        display_name: name.unwrap_or_default().to_owned(),
        role: assignable_role(role)?,
        department: department.map(str::to_owned),
    })
}

fn describe_handed(handed: &Handed, what: &str) -> String {
    format!(
        "{what}: {}\n一次性口令 / one-time passphrase: {}\n请当面交给本人；首次登录时须改为自己的口令（tingjian passphrase --as {}）。\nHand it over in person; it must be replaced at the first sign-in (tingjian passphrase --as {}).\n",
        handed.id, handed.one_time_passphrase, handed.id, handed.id
    )
}

fn describe_accounts(accounts: &[Account]) -> String {
    let mut text = String::new();
    for a in accounts {
        let state = match (a.state, a.fingerprint.is_some(), a.must_change) {
            (AccountState::Left, _, _) => "离职 / left",
            (AccountState::Active, false, _) => "无账户 / no account",
            (AccountState::Active, true, true) => "待改口令 / one-time passphrase",
            (AccountState::Active, true, false) => "在职 / active",
        };
        let p = &a.person;
        let _ = writeln!(
            text,
            "{:<16} {:<20} {:<16} {:<12} {:<28} {}",
            p.id,
            p.display_name,
            p.role,
            p.department.as_deref().unwrap_or("-"),
            state,
            a.fingerprint.as_deref().unwrap_or("")
        );
    }
    text
}
