fn main() {
    // Declaring the app's commands makes Tauri generate one permission per command, so the
    // capability file can grant exactly these and nothing else.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "vault_status",
        "verify_vault",
        "complaint_page",
        "library_facets",
        "preview_export",
        "import_files",
        "cancel_import",
        "save_import_problems",
        "open_review",
        "review_waveform",
        "add_note",
        "edit_note",
        "save_reflection_draft",
        "submit_reflection",
        "reveal_personal_data",
        "require_rectification",
        "rectification_board",
        "rectification_view",
        "rectification_step",
        "log_rectification_progress",
        "draft_rectification",
        "rectification_actor",
        "open_evidence",
        "player_open",
        "player_play",
        "player_pause",
        "player_seek",
        "player_settings",
        "player_close",
        "sampling_policy",
        "set_sampling_policy",
        "draw_sample",
        "verify_sample",
        "quarter_dashboard",
        "set_quarter_open",
        "my_assignments",
    ]);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri build step failed: {error:#}");
        std::process::exit(1);
    }
}
