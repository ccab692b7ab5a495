//! Rules about the workspace's shape that the compiler does not check.

use std::collections::{HashMap, HashSet};
use std::process::Command;

use serde_json::Value;

/// Nothing under `crates/` may depend on tauri, directly or through another dependency: the
/// domain, the vault and the audio engine must work without a GUI (the CLI uses them all).
#[test]
fn no_crate_under_crates_depends_on_tauri() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(root)
        .output()
        .expect("cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");

    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap_or(""), p["name"].as_str().unwrap_or("")))
        .collect();
    let deps: HashMap<&str, Vec<&str>> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|node| {
            let id = node["id"].as_str().unwrap_or("");
            let deps = node["deps"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter(|dep| {
                            // Dev-dependencies do not ship; only normal and build edges count.
                            dep["dep_kinds"]
                                .as_array()
                                .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null() || k["kind"] == "build"))
                        })
                        .filter_map(|dep| dep["pkg"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            (id, deps)
        })
        .collect();

    let mut checked = 0;
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = package["manifest_path"].as_str().unwrap_or("");
        if !manifest.contains("/crates/") {
            continue;
        }
        checked += 1;
        let start = package["id"].as_str().unwrap_or("");
        let mut seen = HashSet::new();
        let mut stack = vec![start];
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let name = names.get(id).copied().unwrap_or("");
            assert!(
                !name.starts_with("tauri") && !name.starts_with("wry") && !name.starts_with("webkit2gtk"),
                "{} depends on {name}: GUI crates belong in src-tauri only",
                package["name"]
            );
            stack.extend(deps.get(id).into_iter().flatten().copied());
        }
    }
    assert!(checked >= 5, "expected the crates under crates/, found {checked}");
}
