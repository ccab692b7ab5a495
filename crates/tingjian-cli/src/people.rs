//! `tingjian people …`: who uses the vault, with their role and (for a head) department — what the
//! rectification rules read to decide who may take which step.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use tingjian_core::UiError;
use tingjian_core::model::Person;
use tingjian_vault::{Vault, assignable_role};

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Everyone the vault knows. 人员
    List,
    /// Add a person, or change one's name, role or department. 设置人员
    Set {
        /// The id they act as (`--as`, or TINGJIAN_USER).
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
}

pub fn run(command: &PeopleCommand, vault_dir: &Path, actor: &str, out: Output) -> Result<ExitCode, UiError> {
    let mut vault = Vault::open(vault_dir, actor)?;
    match command {
        PeopleCommand::List => {
            let people = vault.people()?;
            out.print(&people, || {
                let mut text = String::new();
                for p in &people {
                    let _ = writeln!(
                        text,
                        "{:<16} {:<20} {:<16} {}",
                        p.id,
                        p.display_name,
                        p.role,
                        p.department.as_deref().unwrap_or("")
                    );
                }
                text
            });
        }
        PeopleCommand::Set { id, name, role, department } => {
            // The role is checked here, not by clap, so that a wrong one is refused like every other
            // wrong input: exit 1 with INVALID_INPUT and the roles there are.
            let role = assignable_role(role)?;
            let person = vault.set_person(Person {
                id: id.clone(),
                display_name: name.clone().unwrap_or_default(),
                role,
                department: department.clone(),
            })?;
            out.print(&person, || format!("已设置 / set: {} {} {}\n", person.id, person.display_name, person.role));
        }
    }
    Ok(ExitCode::SUCCESS)
}
