//! The Tingjian desktop app: a thin shell over the tingjian crates.
//!
//! Commands are one-liners over library functions; the vault is opened once at start and held
//! behind a lock. Everything with rules in it lives in `crates/`.

// Release builds on Windows would otherwise open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[macro_use]
mod command_names;
mod bindings;
// A command function missing from the list in `command_names.rs` is never used: denying dead code
// makes that a compile error in every build, not a warning only `clippy -D warnings` refuses.
#[deny(dead_code)]
mod commands;

use std::path::PathBuf;

use clap::Parser;
use tauri::Manager;
use tingjian_vault::{default_actor, resolve_vault_dir};

/// Registers every function of `commands` named in the list of `command_names.rs`.
macro_rules! invoke_handler {
    ($($name:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// Same options as the `tingjian` command, so both open the same vault.
#[derive(Debug, Parser)]
#[command(name = "tingjian-app", version, about = "听见 Tingjian desktop app")]
struct Args {
    /// The vault directory (else TINGJIAN_VAULT, else the OS data directory).
    #[arg(long, value_name = "PATH")]
    vault: Option<PathBuf>,
    /// Who is acting (else TINGJIAN_USER, else the OS account name).
    #[arg(long = "as", value_name = "NAME")]
    actor: Option<String>,
}

/// Without a GPU (a virtual desktop, a remote session, a thin client, Xvfb) WebKitGTK's GPU path
/// runs on Mesa's software rasterizer, which paints the first screen about a second later than
/// WebKit's own CPU renderer (`make bench-app` under Xvfb: 2.4 s → 1.4 s from launch to the home
/// screen painted). So when the machine has no render node and the person has not chosen either
/// way, the app asks for the CPU renderer.
#[cfg(target_os = "linux")]
fn prefer_cpu_rendering_without_a_gpu() {
    const CHOICE: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    if std::env::var_os(CHOICE).is_some() {
        return;
    }
    let has_render_node = std::fs::read_dir("/dev/dri")
        .is_ok_and(|entries| entries.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("renderD")));
    if !has_render_node {
        // SAFETY: this runs first in `main`, before any thread exists, so nothing reads the
        // environment while it changes.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(CHOICE, "1");
        }
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    prefer_cpu_rendering_without_a_gpu();
    // WebDriver sessions and desktop launchers may pass arguments of their own; ignore what is not
    // ours rather than refusing to start.
    let args = Args::try_parse().unwrap_or(Args { vault: None, actor: None });
    let vault_dir = resolve_vault_dir(args.vault);
    let actor = args.actor.unwrap_or_else(default_actor);
    let state = commands::AppState::open(&vault_dir, &actor);
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(app_commands!(invoke_handler))
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // Closing the window ends the listening session cleanly; a crash leaves it
                // interrupted, with everything flushed before it kept.
                let state = handle.state::<commands::AppState>();
                let _ = state.close_player("closed");
                state.remove_evidence_copies();
            }
        }),
        Err(error) => {
            eprintln!("听见无法启动 / Tingjian could not start: {error}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use tauri::ipc::Origin;

    use crate::command_names::COMMAND_NAMES;

    /// Asks the access control Tauri resolved at build time (capabilities/main.json and the
    /// permission set build.rs derives from the list) whether the main window may call each command,
    /// as the app itself does when the window invokes one. `runtime_authority_mut` is a hidden Tauri
    /// API: if an upgrade removes it, this test stops compiling rather than passing unchecked.
    #[test]
    fn main_window_may_call_every_command() {
        let mut context: tauri::Context<tauri::Wry> = tauri::generate_context!();
        let authority = context.runtime_authority_mut();
        let refused: Vec<&str> = COMMAND_NAMES
            .iter()
            .copied()
            .filter(|name| authority.resolve_access(name, "main", "main", &Origin::Local).is_none())
            .collect();
        assert!(refused.is_empty(), "the main window may not call these commands: {refused:?}");
    }
}
