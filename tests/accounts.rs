//! Accounts in the real app: a demo vault with accounts opens on the sign-in screen, a wrong
//! passphrase is refused with its code, the president signs in and submits a reflection that
//! carries a checked "signed by" line, the people screen lists every account with its key and
//! changes a department, the
//! window signs the person out after the idle time, and a department head then signs in as
//! themselves and answers the rectification the president required, the step signed by her.

use fantoccini::Locator;
use std::path::{Path, PathBuf};

use tingjian_e2e::{
    App, Error, WAIT, demo_data_dir, demo_vault, demo_vault_with_accounts, sound_env, sqlite, tingjian_with,
};
use tingjian_sound_setups::AlsaConfig;

const DEMO_PASSPHRASE: &str = "tingjian-demo";

async fn sign_in(app: &mut App, person: &str, passphrase: &str) -> Result<(), Error> {
    app.wait_for("[data-testid=sign-in]", WAIT).await?;
    let select = app.find("[data-testid=sign-in-person]").await?;
    select.select_by_value(person).await?;
    app.type_into("[data-testid=sign-in-passphrase]", passphrase).await?;
    app.click("[data-testid=sign-in-submit]").await
}

#[tokio::test(flavor = "multi_thread")]
async fn people_sign_in_as_themselves_sign_what_they_record_and_the_window_locks_when_left_idle() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault_with_accounts(temp.path());
    // A recorded call of 城东支行, whose head is liu.yang.
    let number = sqlite(
        &vault,
        "SELECT number FROM complaints WHERE recording_hash IS NOT NULL AND department = '城东支行' ORDER BY number LIMIT 1",
    );
    assert!(!number.is_empty(), "the demo has a recorded call of 城东支行");
    let alsa = AlsaConfig::capture();
    let mut env = sound_env(None, &alsa);
    env.push(("TINGJIAN_LOCK_AFTER_SECONDS".to_owned(), "15".to_owned()));
    let mut app = App::launch_with_env(&vault, &env).await?;

    // The sign-in screen, with the demo passphrase shown on a demo vault.
    app.wait_for("[data-testid=sign-in]", WAIT).await?;
    let demo = app.text_of("[data-testid=sign-in-demo]").await?;
    assert!(demo.contains(DEMO_PASSPHRASE), "{demo}");
    assert!(app.find_all("[data-testid=nav-library]").await?.is_empty(), "nothing else is reachable signed out");
    app.screenshot("sign-in-zh").await?;

    // A wrong passphrase is refused with its code and advice.
    sign_in(&mut app, "wang.jianguo", "not the passphrase").await?;
    let error = app.wait_for("[data-testid=sign-in-error]", WAIT).await?;
    assert_eq!(error.attr("data-code").await?.as_deref(), Some("WRONG_PASSPHRASE"));

    // The president signs in and submits a reflection on a call in the library.
    sign_in(&mut app, "wang.jianguo", DEMO_PASSPHRASE).await?;
    app.wait_for_text("[data-testid=signed-in-as]", "the president to be signed in", WAIT, |t| t.contains("王建国"))
        .await?;
    app.click("[data-testid=nav-library]").await?;
    app.search_library_for(&number).await?;
    app.click(&format!("[data-testid='listen-{number}']")).await?;
    app.wait_for("[data-testid=reflection-editor]", WAIT).await?;
    app.type_into("[data-testid=reflection-editor]", "坐席先讲规定后回应诉求，应先致歉再说明。").await?;
    app.click("[data-testid=reflection-submit]").await?;
    app.click("[data-testid=reflection-confirm]").await?;
    let signed = app
        .wait_for_xpath(
            "//*[@data-testid='reflection-item'][contains(., '应先致歉再说明')]//*[@data-testid='signed-by']",
            WAIT,
        )
        .await?;
    assert_eq!(signed.attr("data-checked").await?.as_deref(), Some("true"));
    let line = signed.text().await?;
    assert!(line.contains("王建国") && line.contains("SHA256:") && line.contains("签名已验证"), "{line}");
    app.screenshot("signed-reflection-zh").await?;
    let stored = sqlite(
        &vault,
        "SELECT e.actor || '|' || e.format || '|' || (e.signature IS NOT NULL) FROM reflections r JOIN events e ON e.seq = r.event_seq ORDER BY r.event_seq DESC LIMIT 1",
    );
    // Written in the current event format (4), signed.
    assert_eq!(stored, "wang.jianguo|4|1", "the reflection's event is the president's, signed");

    // The president requires rectification of the branch.
    app.click("[data-testid=rectify-open]").await?;
    app.wait_for("[data-testid=rectify-department]", WAIT).await?;
    app.type_into("[data-testid=rectify-what]", WHAT).await?;
    app.click("[data-testid=rectify-submit]").await?;
    app.wait_for_xpath(&format!("//*[@data-testid='rectification-item'][contains(., '{WHAT}')]"), WAIT).await?;
    let case_id = sqlite(&vault, &format!("SELECT id FROM rectification_cases WHERE what_must_change = '{WHAT}'"));
    assert!(!case_id.is_empty(), "the case is in the vault");

    // The people screen lists every account with its key.
    app.click("[data-testid=nav-people]").await?;
    app.wait_for("[data-testid=people-row][data-id='liu.yang']", WAIT).await?;
    assert_eq!(app.find_all("[data-testid=people-row]").await?.len(), 6);
    app.screenshot("people-zh").await?;

    // The president moves zhang.wei to another department: a signed step, shown at once.
    app.click("[data-testid=people-row][data-id='zhang.wei'] [data-testid=people-edit]").await?;
    let field = app.wait_for("[data-testid=edit-department]", WAIT).await?;
    field.clear().await?;
    field.send_keys("零售金融部（总行）").await?;
    app.click("[data-testid=edit-save]").await?;
    app.wait_for_text(
        "[data-testid=people-row][data-id='zhang.wei'] [data-testid=people-department]",
        "the new department to show",
        WAIT,
        |t| t.contains("总行"),
    )
    .await?;
    let stored = sqlite(
        &vault,
        "SELECT actor || '|' || (signature IS NOT NULL) FROM events WHERE kind = 'person_added' ORDER BY seq DESC LIMIT 1",
    );
    assert_eq!(stored, "wang.jianguo|1", "the change is the president's, signed");

    // Left idle, the window signs the president out.
    let notice = app.wait_for("[data-testid=sign-in-notice]", WAIT).await?.text().await?;
    assert!(notice.contains("自动退出"), "{notice}");

    // A department head signs in as themselves.
    sign_in(&mut app, "liu.yang", DEMO_PASSPHRASE).await?;
    app.wait_for_text("[data-testid=signed-in-as]", "the head to be signed in", WAIT, |t| t.contains("刘洋")).await?;

    // She answers the case from her home card; the step's history line is signed by her.
    app.wait_for_text("[data-testid=rect-home]", "the home card to list the case", WAIT, |t| t.contains(&number))
        .await?;
    app.click(&format!("[data-testid=rect-home-case][data-case='{case_id}'] [data-testid=rect-home-open]")).await?;
    app.wait_for_attribute("[data-testid=case-state]", "data-state", "open", WAIT).await?;
    app.type_into("[data-testid=answer-reflection]", "网点柜员解释口径不一，客户多次往返。").await?;
    app.type_into("[data-testid=answer-category]", "服务流程").await?;
    app.type_into("[data-testid=answer-root-cause]", "业务说明没有统一口径").await?;
    let measures = app.client.find_all(Locator::Css("[data-testid=action-measure]")).await?;
    let criteria = app.client.find_all(Locator::Css("[data-testid=action-criterion]")).await?;
    measures.first().ok_or("an action row")?.send_keys("统一业务说明口径并培训柜员").await?;
    criteria.first().ok_or("an action row")?.send_keys("培训签到表").await?;
    app.click("[data-testid=answer-submit]").await?;
    app.wait_for_attribute("[data-testid=case-state]", "data-state", "in_progress", WAIT).await?;
    let answered = app
        .wait_for_xpath("(//*[@data-testid='case-history-line'])[last()]//*[@data-testid='signed-by']", WAIT)
        .await?;
    assert_eq!(answered.attr("data-checked").await?.as_deref(), Some("true"));
    let line = answered.text().await?;
    assert!(line.contains("刘洋") && line.contains("签名已验证"), "{line}");
    app.client
        .execute("document.querySelector('[data-testid=case-history]').scrollIntoView({block: 'center'});", vec![])
        .await?;
    app.screenshot("signed-rectification-step-zh").await?;
    let stored = sqlite(
        &vault,
        "SELECT actor || '|' || format || '|' || (signature IS NOT NULL) FROM events WHERE kind = 'rectification_step' ORDER BY seq DESC LIMIT 1",
    );
    assert_eq!(stored, "liu.yang|4|1", "the answer is the head's own, signed");
    app.close().await
}

const WHAT: &str = "E2E：统一网点业务说明口径";

const LI_PASS: &str = "li-min-own-passphrase-2026";
const WANG_PASS: &str = "wang-jianguo-own-passphrase";

/// Runs the CLI as IT would script it (cheap sealing costs: a test vault), asserting success.
fn cli(vault: &Path, args: &[&str]) -> serde_json::Value {
    let output = tingjian_with(vault, &[("TINGJIAN_TEST_SEALING", "1")], args);
    assert!(output.status.success(), "tingjian {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null)
}

/// A vault set up as a bank's IT would, not a demo: li.min (coordinator) and wang.jianguo
/// (president) with passphrases of their own, the demo calls imported, and the current quarter's
/// policy stored. Returns the vault and the quarter.
fn real_vault_with_accounts(dir: &Path) -> (PathBuf, String) {
    let vault = dir.join("vault");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    let li_pass = file("li.pass", LI_PASS);
    cli(&vault, &["--json", "init"]);
    cli(
        &vault,
        &["--json", "people", "start", "li.min", "--name", "李敏（消保中心）", "--new-passphrase-file", &li_pass],
    );
    let li = |args: &[&str]| {
        let mut all = vec!["--json", "--as", "li.min", "--passphrase-file", li_pass.as_str()];
        all.extend_from_slice(args);
        cli(&vault, &all)
    };
    let handed = li(&["people", "add", "wang.jianguo", "--name", "王建国（行长）", "--role", "president"]);
    let once = file("wang.once", handed["one_time_passphrase"].as_str().expect("a one-time passphrase"));
    let wang_pass = file("wang.pass", WANG_PASS);
    cli(
        &vault,
        &[
            "--json",
            "--as",
            "wang.jianguo",
            "--passphrase-file",
            &once,
            "passphrase",
            "--new-passphrase-file",
            &wang_pass,
        ],
    );
    let calls = demo_data_dir();
    let manifest = calls.join("complaints.csv");
    let recordings = calls.join("recordings");
    li(&[
        "import",
        "--manifest",
        manifest.to_str().expect("utf-8"),
        "--recordings",
        recordings.to_str().expect("utf-8"),
    ]);
    let quarter = li(&["status"])["current_quarter"].as_str().expect("the current quarter").to_owned();
    let policy = file(
        "policy.toml",
        "due = { days_after_draw = 30 }\n[[reviewers]]\nid = \"wang.jianguo\"\ndisplay_name = \"王建国（行长）\"\nrole = \"president\"\nmin_calls = 2\n[strata]\nby = [\"department\"]\nallocation = \"proportional\"\ntotal = 3\n",
    );
    li(&["sample", "policy", "--quarter", &quarter, "--set", &policy]);
    (vault, quarter)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draw_is_prepared_by_the_coordinator_witnessed_by_the_president_and_drawn_with_their_joint_seed()
-> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let (vault, quarter) = real_vault_with_accounts(temp.path());
    let mut app = App::launch_with_env(&vault, &[]).await?;

    // li prepares: the policy and the population are fixed; she cannot draw yet.
    sign_in(&mut app, "li.min", LI_PASS).await?;
    app.wait_for_text("[data-testid=signed-in-as]", "li to be signed in", WAIT, |t| t.contains("李敏")).await?;
    app.click("[data-testid=nav-sampling]").await?;
    app.click("[data-testid=sample-prepare]").await?;
    app.wait_for_text("[data-testid=joint-draw]", "the preparation to show", WAIT, |t| t.contains("li.min")).await?;
    assert_eq!(app.find("[data-testid=sample-draw]").await?.prop("disabled").await?.as_deref(), Some("true"));
    assert!(app.find_all("[data-testid=sample-witness]").await?.is_empty(), "she cannot witness her own");
    app.screenshot("joint-draw-prepared-zh").await?;

    // wang witnesses it.
    app.click("[data-testid=sign-out]").await?;
    sign_in(&mut app, "wang.jianguo", WANG_PASS).await?;
    app.wait_for_text("[data-testid=signed-in-as]", "wang to be signed in", WAIT, |t| t.contains("王建国")).await?;
    app.click("[data-testid=nav-sampling]").await?;
    app.click("[data-testid=sample-witness]").await?;
    app.wait_for_text("[data-testid=joint-draw]", "the witness to show", WAIT, |t| t.contains("wang.jianguo")).await?;

    // li draws with the seed both shares give.
    app.click("[data-testid=sign-out]").await?;
    sign_in(&mut app, "li.min", LI_PASS).await?;
    app.wait_for_text("[data-testid=signed-in-as]", "li to be signed in again", WAIT, |t| t.contains("李敏")).await?;
    app.click("[data-testid=nav-sampling]").await?;
    app.click("[data-testid=sample-draw]").await?;
    let joint = app.wait_for("[data-testid=draw-joint]", WAIT).await?.text().await?;
    assert!(joint.contains("li.min") && joint.contains("wang.jianguo"), "{joint}");
    app.wait_for("[data-testid=joint-redraw]", WAIT).await?;
    app.screenshot("joint-draw-drawn-zh").await?;
    app.close().await?;

    let drawn = sqlite(
        &vault,
        &format!(
            "SELECT (d.prepared_seq IS NOT NULL) || '|' || p.witnessed_by FROM sample_draws d JOIN draw_preparations p ON p.prepared_seq = d.prepared_seq WHERE d.quarter = '{quarter}'"
        ),
    );
    assert_eq!(drawn, "1|wang.jianguo");
    let report = cli(&vault, &["--json", "verify"]);
    assert_eq!(report["ok"], true, "{report:#}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_starts_the_accounts_of_a_vault_that_had_none_and_is_signed_in() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let mut app = App::launch_with_env(&vault, &[]).await?;
    app.click("[data-testid=nav-people]").await?;
    app.wait_for("[data-testid=start-accounts]", WAIT).await?;
    app.type_into("[data-testid=start-id]", "li.min").await?;
    app.type_into("[data-testid=start-name]", "李敏（消保中心）").await?;
    app.type_into("[data-testid=start-passphrase]", LI_PASS).await?;
    app.type_into("[data-testid=start-again]", "not the same").await?;
    app.wait_for("[data-testid=start-mismatch]", WAIT).await?;
    assert_eq!(app.find("[data-testid=start-submit]").await?.prop("disabled").await?.as_deref(), Some("true"));
    let again = app.find("[data-testid=start-again]").await?;
    again.clear().await?;
    again.send_keys(LI_PASS).await?;
    app.screenshot("start-accounts-zh").await?;
    app.click("[data-testid=start-submit]").await?;
    app.wait_for_text("[data-testid=signed-in-as]", "li to be signed in", WAIT, |t| t.contains("li.min")).await?;

    let started =
        sqlite(&vault, "SELECT actor || '|' || (signature IS NOT NULL) FROM events WHERE kind = 'accounts_started'");
    assert_eq!(started, "li.min|1", "the first account's event is hers, signed by the key it introduces");
    app.click("[data-testid=nav-people]").await?;
    app.wait_for("[data-testid=enroll]", WAIT).await?;
    let state = app.text_of("[data-testid=people-row][data-id='li.min'] [data-testid=people-state]").await?;
    assert_eq!(state, "在职");
    app.close().await?;

    let report = cli(&vault, &["--json", "verify"]);
    assert_eq!(report["ok"], true, "{report:#}");
    assert!(report["unsigned_events"].as_u64().unwrap_or(0) > 0, "the demo's story counts as before accounts");
    Ok(())
}
