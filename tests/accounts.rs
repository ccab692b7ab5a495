//! Accounts in the real app: a demo vault with accounts opens on the sign-in screen, a wrong
//! passphrase is refused with its code, the president signs in and submits a reflection that
//! carries a checked "signed by" line, the people screen lists every account with its key, the
//! window signs the person out after the idle time, and a department head then signs in as
//! themselves.

use tingjian_e2e::{App, Error, WAIT, demo_vault_with_accounts, sound_env, sqlite};
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
    app.click("[data-testid^=listen-]").await?;
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
    assert_eq!(stored, "wang.jianguo|2|1", "the reflection's event is the president's, signed");

    // The people screen lists every account with its key.
    app.click("[data-testid=nav-people]").await?;
    app.wait_for("[data-testid=people-row][data-id='liu.yang']", WAIT).await?;
    assert_eq!(app.find_all("[data-testid=people-row]").await?.len(), 6);
    app.screenshot("people-zh").await?;

    // Left idle, the window signs the president out.
    let notice = app.wait_for("[data-testid=sign-in-notice]", WAIT).await?.text().await?;
    assert!(notice.contains("自动退出"), "{notice}");

    // A department head signs in as themselves.
    sign_in(&mut app, "liu.yang", DEMO_PASSPHRASE).await?;
    app.wait_for_text("[data-testid=signed-in-as]", "the head to be signed in", WAIT, |t| t.contains("刘洋")).await?;
    app.close().await
}
