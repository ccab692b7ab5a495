//! The Debian package as IT would install it: `apt-get install ./Tingjian_….deb` on this machine,
//! the installed app launched under Xvfb on a fresh vault and on a demo vault, the installed
//! `tingjian` command's `--version`, `demo` and `verify`, then `apt-get remove`, which must leave
//! every vault exactly as it was. `make test` builds the package (from the debug build) first.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tingjian_e2e::{App, Error, WAIT, demo_data_dir, target_dir};

const INSTALLED_APP: &str = "/usr/bin/tingjian-app";
const INSTALLED_CLI: &str = "/usr/bin/tingjian";
const DESKTOP_ENTRY: &str = "/usr/share/applications/Tingjian.desktop";

fn package() -> PathBuf {
    let dir = target_dir().join("debug/bundle/deb");
    std::fs::read_dir(&dir)
        .ok()
        .and_then(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "deb"))
        })
        .unwrap_or_else(|| panic!("no .deb in {}: run `make test`, which builds it first", dir.display()))
}

/// `apt-get` as root (CI and this machine run as root; elsewhere through `sudo -n`).
fn apt_get(args: &[&str]) -> Output {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut command = if root { Command::new("apt-get") } else { Command::new("sudo") };
    if !root {
        command.args(["-n", "apt-get"]);
    }
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive").output().expect("run apt-get")
}

fn describe(output: &Output) -> String {
    format!(
        "{:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn installed_cli(vault: &Path, args: &[&str]) -> Output {
    Command::new(INSTALLED_CLI)
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TINGJIAN_USER", "it.admin")
        .output()
        .expect("run the installed tingjian")
}

/// Removes the package when the test ends, however it ends, so a failed run leaves no install.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = apt_get(&["remove", "-y", "-qq", "tingjian"]);
    }
}

/// Every file of the vault and its bytes' hash, to show that removing the package changed nothing.
fn snapshot(vault: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![vault.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read vault dir").filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read vault file");
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn the_deb_installs_runs_on_a_fresh_and_a_demo_vault_and_uninstalls_leaving_the_vaults() -> Result<(), Error> {
    let deb = package();
    // A package left by an earlier, interrupted run would hide a broken install.
    let _ = apt_get(&["remove", "-y", "-qq", "tingjian"]);
    let install = apt_get(&["install", "-y", "-qq", "--no-install-recommends", deb.to_str().expect("utf-8 path")]);
    let _installed = Installed;
    assert!(install.status.success(), "apt-get install {}: {}", deb.display(), describe(&install));
    for path in [INSTALLED_APP, INSTALLED_CLI, DESKTOP_ENTRY] {
        assert!(Path::new(path).is_file(), "{path} is installed");
    }
    let desktop = std::fs::read_to_string(DESKTOP_ENTRY)?;
    assert!(desktop.lines().any(|l| l == "Name=听见") && desktop.contains("Exec=tingjian-app"), "{desktop}");
    let dpkg = Command::new("dpkg-query").args(["-W", "-f", "${Depends}", "tingjian"]).output()?;
    let depends = String::from_utf8_lossy(&dpkg.stdout);
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libopus0", "libgsm1", "libopencore-amrnb0", "fonts-noto-cjk"] {
        assert!(depends.contains(needed), "the package declares {needed}: {depends}");
    }

    let version = Command::new(INSTALLED_CLI).arg("--version").output()?;
    assert!(version.status.success(), "{}", describe(&version));
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")), "{}", describe(&version));

    let temp = tempfile::tempdir()?;
    // A fresh vault, made by the installed command, opened by the installed app.
    let fresh = temp.path().join("新建档案库");
    let init = installed_cli(&fresh, &["init"]);
    assert!(init.status.success(), "{}", describe(&init));
    let mut app = App::launch_binary(Path::new(INSTALLED_APP), &fresh, &[]).await?;
    app.wait_for_attribute("[data-testid=chain]", "data-state", "ok", WAIT).await?;
    assert!(app.find_all("[data-testid=demo-badge]").await?.is_empty(), "a fresh vault is not marked as demo");
    app.screenshot("installed-fresh-zh").await?;
    app.close().await?;

    // A demo vault, made and verified by the installed command.
    let demo = temp.path().join("demo");
    let data = demo_data_dir();
    let made = installed_cli(&demo, &["demo", "--data", data.to_str().expect("utf-8 path")]);
    assert!(made.status.success(), "{}", describe(&made));
    let verify = installed_cli(&demo, &["verify"]);
    assert!(verify.status.success(), "{}", describe(&verify));
    let mut app = App::launch_binary(Path::new(INSTALLED_APP), &demo, &[]).await?;
    app.wait_for_attribute("[data-testid=chain]", "data-state", "ok", WAIT).await?;
    let badge = app.wait_for("[data-testid=demo-badge]", WAIT).await?.text().await?;
    assert_eq!(badge, "演示数据");
    app.screenshot("installed-demo-zh").await?;
    app.close().await?;

    // Removing the package leaves both vaults byte for byte as they were.
    let before = (snapshot(&fresh), snapshot(&demo));
    let remove = apt_get(&["remove", "-y", "-qq", "tingjian"]);
    assert!(remove.status.success(), "{}", describe(&remove));
    assert!(!Path::new(INSTALLED_APP).exists() && !Path::new(INSTALLED_CLI).exists(), "removal removes the programs");
    assert!(before == (snapshot(&fresh), snapshot(&demo)), "removing the package changed a vault");
    Ok(())
}
