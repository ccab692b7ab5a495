fn main() {
    // Declaring the app's commands makes Tauri generate one permission per command, so the
    // capability file can grant exactly these and nothing else.
    let manifest = tauri_build::AppManifest::new().commands(&["vault_status", "verify_vault"]);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri build step failed: {error:#}");
        std::process::exit(1);
    }
}
