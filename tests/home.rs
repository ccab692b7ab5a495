//! The home screen of the real app on real vaults: what a coordinator sees when they open it.

use serde_json::Value;
use tingjian_e2e::{App, Error, WAIT, demo_vault, tingjian};

fn status_of(vault: &std::path::Path) -> Value {
    let output = tingjian(vault, &["status", "--json"]);
    serde_json::from_slice(&output.stdout).expect("status JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn home_shows_the_demo_vault_in_chinese_and_switches_to_english() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let status = status_of(&vault);
    let mut app = App::launch(&vault).await?;

    app.wait_for_attribute("[data-testid=chain]", "data-state", "ok", WAIT).await?;
    assert_eq!(app.text_of("[data-testid=quarter]").await?, status["current_quarter"].as_str().unwrap_or("?"));
    let complaints = app.text_of("[data-testid=complaints-count]").await?;
    assert_eq!(complaints, status["complaints_in_quarter"].to_string());
    assert!(
        status["complaints_in_quarter"].as_u64().unwrap_or(0) >= 12,
        "the demo has a quarter's worth of complaints"
    );
    assert_eq!(app.text_of("[data-testid=recordings-count]").await?, status["recordings_in_quarter"].to_string());
    assert_eq!(app.text_of("[data-testid=quarter-state]").await?, "进行中");
    let body = app.body_text().await?;
    assert!(body.contains("校验通过"), "the chain state is shown in Chinese: {body}");
    assert!(body.contains("本季度投诉"), "{body}");
    assert!(body.contains(vault.to_str().unwrap_or("?")), "the vault path is shown: {body}");
    let table = app.text_of("[data-testid=departments]").await?;
    let departments = status["departments"].as_array().cloned().unwrap_or_default();
    assert!(departments.len() >= 5, "the demo spans several departments: {departments:?}");
    for department in &departments {
        let name = department["department"].as_str().unwrap_or("?");
        assert!(table.contains(name), "{name} is listed: {table}");
    }
    let lang = app.client.execute("return document.documentElement.lang", vec![]).await?;
    assert_eq!(lang, "zh-CN");
    app.screenshot("home-zh").await?;

    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    let body = app.body_text().await?;
    assert!(body.contains("Verified") && body.contains("Complaints this quarter"), "{body}");
    assert_eq!(app.text_of("[data-testid=quarter-state]").await?, "open");
    app.screenshot("home-en").await?;
    app.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_vault_shows_the_failed_chain_and_names_the_event() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let writer = std::process::Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg(
            "SELECT event_seq FROM complaints ORDER BY number LIMIT 1; \
             UPDATE complaints SET summary = '已篡改' WHERE number = (SELECT min(number) FROM complaints);",
        )
        .output()?;
    let seq = String::from_utf8_lossy(&writer.stdout).trim().to_owned();
    assert!(!seq.is_empty(), "sqlite3 printed the writer event");

    let mut app = App::launch(&vault).await?;
    app.wait_for_attribute("[data-testid=chain]", "data-state", "failed", WAIT).await?;
    let problem = app.text_of("[data-testid=chain-problem]").await?;
    assert!(problem.contains(&format!("#{seq}")), "the problem names event #{seq}: {problem}");
    assert!(problem.contains("已篡改"), "{problem}");
    app.screenshot("home-tampered-zh").await?;
    app.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vault_path_that_is_a_file_shows_a_coded_error_instead_of_crashing() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let file = temp.path().join("vault.txt");
    std::fs::write(&file, "not a vault")?;
    let mut app = App::launch(&file).await?;
    app.wait_for("[data-testid=vault-error]", WAIT).await?;
    assert_eq!(app.text_of("[data-testid=error-code]").await?, "VAULT_NOT_A_DIRECTORY");
    assert!(app.body_text().await?.contains("无法打开档案库"));
    assert_eq!(std::fs::read_to_string(&file)?, "not a vault");
    app.screenshot("home-error-zh").await?;
    app.close().await
}
