//! The import wizard and the library on the real app: a coordinator brings in the quarter's export
//! and recordings, then finds complaints in the library.

use std::time::Duration;

use fantoccini::Locator;
use tingjian_e2e::{App, Error, demo_data_dir, tingjian};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_imports_the_demo_export_and_the_library_lists_and_filters_it() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = temp.path().join("vault");
    assert!(tingjian(&vault, &["init"]).status.success());
    let data = demo_data_dir();
    let export = data.join("complaints.csv");
    let recordings = data.join("recordings");
    assert!(export.is_file(), "the demo calls exist (make builds them before the end-to-end tests)");

    let mut app = App::launch(&vault).await?;
    app.wait_for("[data-testid=nav-import]", WAIT).await?.click().await?;
    app.wait_for("[data-testid=import-manifest]", WAIT).await?.send_keys(export.to_str().unwrap_or("")).await?;
    app.client
        .find(Locator::Css("[data-testid=import-recordings]"))
        .await?
        .send_keys(recordings.to_str().unwrap_or(""))
        .await?;
    app.client.find(Locator::Css("[data-testid=import-preview]")).await?.click().await?;
    app.wait_for("[data-testid=import-mapping]", WAIT).await?;
    for (header, field) in [("投诉编号", "投诉编号"), ("录音文件", "录音文件"), ("责任机构", "责任机构")]
    {
        let select = app.client.find(Locator::Css(&format!("[data-testid='mapping-{header}']"))).await?;
        assert_eq!(select.prop("value").await?.as_deref(), Some(field), "{header} maps to {field}");
    }
    // The coordinator decides the summary column is not imported, and keeps that for next time.
    app.client.find(Locator::Css("[data-testid='mapping-投诉摘要']")).await?.select_by_value("").await?;
    app.wait_for("[data-testid=save-mapping]", WAIT).await?;
    app.screenshot("import-preview-zh").await?;

    app.client.find(Locator::Css("[data-testid=import-start]")).await?.click().await?;
    app.wait_for("[data-testid=import-report]", WAIT).await?;
    let complaints = app.text_of("[data-testid=import-summary-complaints]").await?;
    let recorded = app.text_of("[data-testid=import-summary-recordings]").await?;
    let status: serde_json::Value = serde_json::from_slice(&tingjian(&vault, &["status", "--json"]).stdout)?;
    let total = status["complaints_total"].as_u64().unwrap_or(0);
    assert!(total >= 12);
    assert!(complaints.contains(&format!("新增 {total}")), "{complaints}");
    assert!(recorded.contains(&format!("新增 {}", status["recordings_total"])), "{recorded}");
    app.screenshot("import-report-zh").await?;

    app.client.find(Locator::Css("[data-testid=import-to-library]")).await?.click().await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    assert_eq!(app.text_of("[data-testid=library-count]").await?, format!("共 {total} 件"));
    let rows = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?;
    assert_eq!(rows.len() as u64, total);
    app.screenshot("library-zh").await?;

    // Filter to one department: the table shows exactly that department's complaints.
    let department = &status["departments"][0];
    let name = department["department"].as_str().unwrap_or("?").to_owned();
    let select = app.client.find(Locator::Css("[data-testid=filter-department]")).await?;
    select.select_by_value(&name).await?;
    let expected = department["complaints"].as_u64().unwrap_or(0);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?.len() as u64;
        if shown == expected {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{name}: {shown} rows shown, {expected} expected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for row in app.client.find_all(Locator::Css("[data-testid=library-row]")).await? {
        assert!(row.text().await?.contains(&name));
    }
    assert!(tingjian(&vault, &["verify"]).status.success(), "the import left a vault that verifies");
    let sqlite = |sql: &str| -> String {
        let out = std::process::Command::new("sqlite3").arg(vault.join("vault.sqlite")).arg(sql).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default()
    };
    assert_eq!(
        sqlite("SELECT count(*) FROM complaints WHERE summary <> '';"),
        "0",
        "the summary column was not imported"
    );
    assert!(sqlite("SELECT value FROM settings WHERE key = 'import_mapping';").contains("\"投诉摘要\":null"));
    app.close().await
}
