//! Quarterly sampling on the real app: a coordinator sets a policy in the quarter view and draws;
//! the reviewer ("e2e", the person the harness launches the app as) then finds their calls on the
//! home screen and opens one for review.

use fantoccini::Locator;
use tingjian_e2e::{App, Error, WAIT, demo_data_dir, tingjian};

async fn fill(app: &mut App, css: &str, index: usize, text: &str) -> Result<(), Error> {
    let inputs = app.client.find_all(Locator::Css(css)).await?;
    let input = inputs.get(index).ok_or_else(|| format!("no {css} #{index}"))?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_set_and_drawn_in_the_quarter_view_shows_on_the_reviewers_home_screen() -> Result<(), Error> {
    // The demo's complaints imported into a fresh vault, whose quarter is still in planning.
    let temp = tempfile::tempdir()?;
    let vault = temp.path().join("vault");
    assert!(tingjian(&vault, &["init"]).status.success());
    let data = demo_data_dir();
    let imported = tingjian(
        &vault,
        &[
            "import",
            "--manifest",
            data.join("complaints.csv").to_str().unwrap_or(""),
            "--recordings",
            data.join("recordings").to_str().unwrap_or(""),
        ],
    );
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));

    let mut app = App::launch(&vault).await?;
    app.click("[data-testid=nav-sampling]").await?;
    app.wait_for("[data-testid=policy-editor]", WAIT).await?;
    assert_eq!(app.text_of("[data-testid=sample-quarter-state]").await?, "尚未设置");

    // Two reviewers: the person at the keyboard as president (three calls at least), and a
    // vice-president who hears the rest.
    for _ in 0..2 {
        app.click("[data-testid=reviewer-add]").await?;
    }
    fill(&mut app, "[data-testid=reviewer-id]", 0, "e2e").await?;
    fill(&mut app, "[data-testid=reviewer-name]", 0, "测试行长").await?;
    app.client.find_all(Locator::Css("[data-testid=reviewer-role]")).await?[0].select_by_value("president").await?;
    fill(&mut app, "[data-testid=reviewer-id]", 1, "vp").await?;
    fill(&mut app, "[data-testid=reviewer-name]", 1, "李副行长").await?;
    fill(&mut app, "[data-testid=strata-total]", 0, "6").await?;
    let minimums = app.client.find_all(Locator::Css("[data-testid=reviewer-row] input[type=number]")).await?;
    minimums[0].clear().await?;
    minimums[0].send_keys("3").await?;

    app.click("[data-testid=sample-draw]").await?;
    let seed_line = app.wait_for("[data-testid=draw-seed]", WAIT).await?.text().await?;
    assert!(seed_line.contains("种子"), "the seed is shown: {seed_line}");
    app.wait_for("[data-testid=sample-row]", WAIT).await?;

    // What the app drew is in the vault, recorded by the person who drew it, and re-runs the same.
    let shown: serde_json::Value =
        serde_json::from_slice(&tingjian(&vault, &["sample", "show", "--quarter", &quarter(&vault), "--json"]).stdout)?;
    let seed = shown["draw"]["seed"].as_str().unwrap_or("?").to_owned();
    assert!(seed_line.contains(&seed), "{seed_line} shows the recorded seed {seed}");
    assert_eq!(shown["draw"]["drawn_by"], "e2e");
    assert_eq!(shown["policy"]["reviewers"][0]["id"], "e2e");
    let assignments = shown["assignments"].as_array().cloned().unwrap_or_default();
    let rows = app.client.find_all(Locator::Css("[data-testid=sample-row]")).await?;
    assert_eq!(rows.len(), assignments.len());
    let mine: Vec<&serde_json::Value> = assignments.iter().filter(|a| a["reviewer_id"] == "e2e").collect();
    assert!(mine.len() >= 3, "the president's minimum is met: {mine:?}");
    app.click("[data-testid=sample-verify]").await?;
    let verdict = app.wait_for("[data-testid=sample-verification]", WAIT).await?.text().await?;
    assert!(verdict.contains("复核一致"), "{verdict}");
    app.screenshot("sampling-zh").await?;

    // The reviewer's home screen: their calls this quarter, by due date.
    app.click("[data-testid=nav-home]").await?;
    app.wait_for("[data-testid=my-assignments]", WAIT).await?;
    let summary = app.text_of("[data-testid=my-assignments-summary]").await?;
    assert!(summary.contains(&format!("已分配 {} 通", mine.len())), "{summary}");
    assert!(summary.contains("已听取 0 通"), "{summary}");
    let listed = app.client.find_all(Locator::Css("[data-testid=my-assignment]")).await?;
    assert_eq!(listed.len(), mine.len());
    let first_number = mine[0]["complaint_number"].as_str().unwrap_or("?").to_owned();
    assert!(listed[0].text().await?.contains(&first_number), "listed by due date, then number");
    app.screenshot("home-assignments-zh").await?;

    // A row opens the review screen on that call.
    app.click("[data-testid=my-assignment-open]").await?;
    app.wait_for("[data-testid=review-back]", WAIT).await?;
    let body = app.body_text().await?;
    assert!(body.contains(&first_number), "the review screen shows {first_number}");
    assert!(tingjian(&vault, &["verify"]).status.success(), "the app's draw left a vault that verifies");
    app.close().await
}

fn quarter(vault: &std::path::Path) -> String {
    let status: serde_json::Value =
        serde_json::from_slice(&tingjian(vault, &["status", "--json"]).stdout).unwrap_or_default();
    status["current_quarter"].as_str().unwrap_or("?").to_owned()
}
