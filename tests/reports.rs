//! 季度报告 on the real app: the demo quarter's report is typeset in Rust and every page drawn in
//! the window (pdf.js, no network), the English edition replaces it, and exporting writes the very
//! PDF that was previewed, whose text holds the quarter's figures; the evidence pack is exported
//! from the same screen (the reason recorded in the log) and verifies with no vault.

use std::process::Command;

use serde_json::json;
use tingjian_e2e::{App, Error, WAIT, demo_vault, scripted_chooser, sqlite, tingjian};

/// Waits until the preview says it drew every one of its pages, and gives their number.
async fn pages_drawn(app: &mut App) -> Result<u64, Error> {
    app.wait_until("every page of the report drawn", WAIT, async |app| {
        let status = app.find("[data-testid=reports-status]").await?;
        let pages: u64 = status.attr("data-pages").await?.unwrap_or_default().parse().unwrap_or(0);
        let rendered: u64 = status.attr("data-rendered").await?.unwrap_or_default().parse().unwrap_or(0);
        Ok(if pages > 0 && rendered == pages { Ok(pages) } else { Err(format!("{rendered} of {pages} pages drawn")) })
    })
    .await
}

/// How many dark pixels page `index` (from 0) of the preview holds: text and rules are dark, an
/// empty canvas has none.
async fn dark_pixels(app: &mut App, index: usize) -> Result<u64, Error> {
    let value = app
        .script(&format!(
            "const canvas = document.querySelectorAll('[data-testid=reports-page]')[{index}];
             const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
             let dark = 0;
             for (let i = 0; i < data.length; i += 4) {{ if (data[i + 3] > 0 && data[i] < 100) dark++; }}
             return dark;"
        ))
        .await?;
    Ok(value.as_u64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quarters_report_is_previewed_page_by_page_and_exported_as_previewed() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let out = temp.path().join("季度报告.pdf");
    let pack = temp.path().join("证据包.zip");
    let mut env =
        scripted_chooser(temp.path(), &[json!(out.to_str().ok_or("utf-8")?), json!(pack.to_str().ok_or("utf-8")?)])?;
    env.push(("TINGJIAN_USER".to_owned(), "li.min".to_owned()));
    let mut app = App::launch_with_env(&vault, &env).await?;
    app.click("[data-testid=nav-reports]").await?;

    let pages = pages_drawn(&mut app).await?;
    assert!(pages >= 6, "cover to sign-off: {pages} pages");
    assert_eq!(app.find_all("[data-testid=reports-page]").await?.len() as u64, pages);
    assert!(dark_pixels(&mut app, 0).await? > 500, "the cover is drawn, not blank");
    assert!(dark_pixels(&mut app, 1).await? > 500, "the figures page is drawn");
    let quarter = sqlite(&vault, "SELECT max(quarter) FROM complaints");
    let title = app.text_of("[data-testid=reports] h2").await?;
    assert!(title.contains(&quarter), "{title}");
    app.screenshot("reports-zh").await?;

    // The English edition replaces the preview.
    app.find("[data-testid=reports-language]").await?.select_by_value("en").await?;
    app.wait_until("the English edition", WAIT, async |app| {
        let status = app.find("[data-testid=reports-status]").await?;
        let text = status.text().await?;
        Ok(if text.contains("pages") || text.contains("页") { Ok(()) } else { Err(text) })
    })
    .await?;
    let english_pages = pages_drawn(&mut app).await?;
    assert!(english_pages >= 6);
    app.screenshot("reports-en").await?;

    // Ctrl+S exports what is on screen: the English edition, to the path the chooser gave.
    app.press("\u{E009}s").await?;
    let saved = app.wait_for("[data-testid=reports-saved]", WAIT).await?.text().await?;
    let bytes = std::fs::read(&out)?;
    assert!(bytes.starts_with(b"%PDF-"), "a PDF was written");
    let hash = blake3::hash(&bytes).to_hex().to_string();
    assert!(saved.contains(&hash[..16]), "the message names the file's hash: {saved}");
    let text = Command::new("pdftotext").arg(&out).arg("-").output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Quarterly report on complaint-call reviews"), "the English edition was written");
    assert!(text.contains(&format!("Page 1 of {english_pages}")), "as many pages as previewed");
    let complaints = sqlite(&vault, &format!("SELECT count(*) FROM complaints WHERE quarter = '{quarter}'"));
    let flat: String = text.split_whitespace().collect();
    assert!(flat.contains(&format!("Complaintsthisquarter{complaints}")), "the figures are the vault's");

    // The evidence pack: the reason is required, the export is recorded, the pack verifies.
    app.click("[data-testid=pack-open]").await?;
    app.wait_for("[data-testid=pack-dialog]", WAIT).await?;
    assert!(
        app.find("[data-testid=pack-export]").await?.attr("disabled").await?.is_some(),
        "no export without a reason"
    );
    app.type_into("[data-testid=pack-reason]", "总行消保部季度检查调阅").await?;
    app.screenshot("pack-dialog-zh").await?;
    app.click("[data-testid=pack-export]").await?;
    let done = app.wait_for("[data-testid=pack-done]", WAIT).await?.text().await?;
    assert!(done.contains("tingjian-verify"), "{done}");
    let last = sqlite(&vault, "SELECT kind || ' ' || actor FROM events ORDER BY seq DESC LIMIT 1");
    assert_eq!(last, "pack_exported li.min");
    assert!(sqlite(&vault, "SELECT payload FROM events ORDER BY seq DESC LIMIT 1").contains("总行消保部季度检查调阅"));
    let verified = tingjian(&vault, &["--json", "pack", "verify", pack.to_str().ok_or("utf-8")?]);
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stdout));
    app.screenshot("pack-done-zh").await?;
    app.close().await
}
