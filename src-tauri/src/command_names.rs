// The one list of the app's commands. Everything else that names them is derived from it:
//
// - `main.rs` registers exactly these functions of `commands.rs` with `tauri::generate_handler!`;
// - `build.rs` (which `include!`s this file) declares them in the app manifest, so Tauri generates an
//   `allow-…` permission for each, and writes the permission set `app-commands` of those
//   permissions, which `capabilities/main.json` grants to the main window;
// - `bindings.rs` writes their names into `ui/src/lib/commands.ts` as the type `CommandName`, the
//   only names `call()` in `ui/src/lib/api.ts` accepts.
//
// A name here without a function in `commands.rs` does not compile, and a `#[tauri::command]`
// function missing here is never used, which `main.rs` makes a compile error. Tests check the rest:
// `main.rs` that the main window may call every command, `bindings.rs` that `commands.ts` is up to
// date and that `api.ts` calls every command.
//
// This file is included by the build script as well as compiled as a module, so it holds only
// macros and items both can compile (no inner doc comment, no `use`).

/// Hands every command name of the app, in order, to the macro `$then` as a comma-separated list of
/// identifiers: `app_commands!(m)` expands to `m! { vault_status, verify_vault, … }`.
macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            vault_status,
            verify_vault,
            complaint_page,
            library_facets,
            pick_export,
            pick_recordings_folder,
            preview_export,
            import_files,
            cancel_import,
            save_import_problems,
            open_review,
            review_waveform,
            add_note,
            edit_note,
            save_reflection_draft,
            submit_reflection,
            reveal_personal_data,
            require_rectification,
            rectification_board,
            rectification_view,
            rectification_step,
            pick_evidence_files,
            log_rectification_progress,
            draft_rectification,
            rectification_actor,
            open_evidence,
            player_open,
            player_play,
            player_pause,
            player_seek,
            player_settings,
            player_close,
            sampling_policy,
            set_sampling_policy,
            draw_sample,
            prepare_draw,
            witness_draw,
            verify_sample,
            quarter_dashboard,
            set_quarter_open,
            handling_metrics,
            preview_quarter_report,
            save_quarter_report,
            export_evidence_pack,
            complaint_clocks,
            extend_handling,
            pause_handling,
            my_assignments,
            sign_in_state,
            lock_after_seconds,
            sign_in,
            start_accounts,
            choose_passphrase,
            sign_out,
            accounts,
            enroll_person,
            reset_passphrase,
            mark_left,
            set_person,
            signed_by,
        }
    };
}

/// Turns the command list into a slice of the names as strings: `app_commands!(command_name_strings)`.
// The app itself needs the names as strings only in its tests; the build script always does.
#[cfg_attr(not(test), allow(unused_macros))]
macro_rules! command_name_strings {
    ($($name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command name, for the tests that check what is derived from the list.
#[cfg(test)]
pub(crate) const COMMAND_NAMES: &[&str] = app_commands!(command_name_strings);
