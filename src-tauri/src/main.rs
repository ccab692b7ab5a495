//! The Tingjian desktop app: a thin shell over the tingjian crates.
//!
//! Commands are one-liners over library functions; the vault is opened once at start and held
//! behind a lock. Everything with rules in it lives in `crates/`.

// Release builds on Windows would otherwise open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod commands;

use std::path::PathBuf;

use clap::Parser;
use tauri::Manager;
use tingjian_vault::{default_actor, resolve_vault_dir};

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

fn main() {
    // WebDriver sessions and desktop launchers may pass arguments of their own; ignore what is not
    // ours rather than refusing to start.
    let args = Args::try_parse().unwrap_or(Args { vault: None, actor: None });
    let vault_dir = resolve_vault_dir(args.vault);
    let actor = args.actor.unwrap_or_else(default_actor);
    let state = commands::AppState::open(&vault_dir, &actor);
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::vault_status,
            commands::verify_vault,
            commands::complaint_page,
            commands::library_facets,
            commands::preview_export,
            commands::import_files,
            commands::cancel_import,
            commands::save_import_problems,
            commands::open_review,
            commands::review_waveform,
            commands::add_note,
            commands::edit_note,
            commands::save_reflection_draft,
            commands::submit_reflection,
            commands::reveal_personal_data,
            commands::require_rectification,
            commands::rectification_board,
            commands::rectification_view,
            commands::rectification_step,
            commands::log_rectification_progress,
            commands::draft_rectification,
            commands::rectification_actor,
            commands::open_evidence,
            commands::player_open,
            commands::player_play,
            commands::player_pause,
            commands::player_seek,
            commands::player_settings,
            commands::player_close,
            commands::sampling_policy,
            commands::set_sampling_policy,
            commands::draw_sample,
            commands::verify_sample,
            commands::quarter_dashboard,
            commands::set_quarter_open,
            commands::my_assignments,
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // Closing the window ends the listening session cleanly; a crash leaves it
                // interrupted, with everything flushed before it kept.
                let _ = handle.state::<commands::AppState>().close_player("closed");
            }
        }),
        Err(error) => {
            eprintln!("听见无法启动 / Tingjian could not start: {error}");
            std::process::exit(1);
        }
    }
}
