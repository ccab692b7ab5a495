//! The review workspace on the real app: a reviewer opens a complaint from the library, plays the
//! call into a real (private) PulseAudio sound server, sees the playhead move and the coverage
//! grow, and the vault keeps the listening session as evidence.

use std::process::Command;
use std::time::Duration;

use fantoccini::Locator;
use tingjian_e2e::{App, Error, demo_vault, tingjian};
use tingjian_sound_setups::{AlsaConfig, PulseServer};

const WAIT: Duration = Duration::from_secs(30);

fn sqlite(vault: &std::path::Path, sql: &str) -> String {
    let output = Command::new("sqlite3").arg(vault.join("vault.sqlite")).arg(sql).output().expect("sqlite3");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The app's environment for playing into `alsa` (and through it, `pulse`).
fn sound_env(pulse: Option<&PulseServer>, alsa: &AlsaConfig) -> Vec<(String, String)> {
    let mut env = alsa.env();
    if let Some(pulse) = pulse {
        env.extend(pulse.env().into_iter().filter(|(key, _)| key == "PULSE_SERVER"));
    }
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_plays_a_call_and_the_vault_records_what_was_heard() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let mut app = App::launch_with_env(&vault, &sound_env(Some(&pulse), &alsa)).await?;

    app.wait_for("[data-testid=nav-library]", WAIT).await?.click().await?;
    let listen = app.wait_for("[data-testid^=listen-]", WAIT).await?;
    let number = listen.attr("data-testid").await?.unwrap_or_default().trim_start_matches("listen-").to_owned();
    listen.click().await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    assert_eq!(app.text_of("#review-title").await?, number);
    assert_eq!(app.text_of("[data-testid=my-coverage]").await?, "0%");
    let play = app.wait_for("[data-testid=play-toggle]:not([disabled])", WAIT).await?;
    assert!(app.body_text().await?.contains("播放设备"), "the device in use is named");

    play.click().await?;
    let started = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let early = app.text_of("[data-testid=position]").await?;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let later = app.text_of("[data-testid=position]").await?;
    assert_ne!(early, later, "the playhead moves while playing");
    assert!(!later.starts_with("0:00 "), "{later}");
    app.screenshot("review-playing-zh").await?;

    // Space pauses (keyboard first); the heard spans are flushed at once and coverage shows them.
    app.client.find(Locator::Css("body")).await?.send_keys(" ").await?;
    let played_for = started.elapsed().as_millis() as u64;
    let coverage = app
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//*[@data-testid='my-coverage'][not(normalize-space(.)='0%')]"))
        .await?
        .text()
        .await?;
    assert!(coverage.ends_with('%'), "{coverage}");
    app.screenshot("review-zh").await?;

    // Going back ends the session; the vault has it, with the seconds that were really played.
    app.client.find(Locator::Css("[data-testid=review-back]")).await?.click().await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    let mut ended = String::new();
    for _ in 0..50 {
        ended = sqlite(&vault, "SELECT end_reason FROM listening_sessions WHERE person = 'e2e'");
        if !ended.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ended, "closed");
    assert_eq!(
        sqlite(&vault, "SELECT person || ' ' || complaint_number FROM listening_sessions WHERE person = 'e2e'"),
        format!("e2e {number}")
    );
    let heard_ms: u64 = sqlite(
        &vault,
        "SELECT SUM(p.end_ms - p.start_ms) FROM listening_spans p
         JOIN listening_sessions s ON s.id = p.session_id WHERE s.person = 'e2e'",
    )
    .parse()
    .unwrap_or(0);
    // The null sink plays in real time, so what was heard is the time between play and pause, less
    // the moment the device takes to start (WebDriver's own delays make the bounds loose).
    assert!(
        heard_ms + 1500 >= played_for && heard_ms <= played_for + 500,
        "{heard_ms} ms heard in {played_for} ms of playing"
    );
    let verify = tingjian(&vault, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    app.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_sound_device_the_review_screen_still_works_and_says_why() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let mut app = App::launch_with_env(&vault, &sound_env(None, &AlsaConfig::no_card())).await?;
    app.wait_for("[data-testid=nav-library]", WAIT).await?.click().await?;
    app.wait_for("[data-testid^=listen-]", WAIT).await?.click().await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    let problem = app.wait_for("[data-testid=player-problem]", WAIT).await?.text().await?;
    assert!(problem.contains("无法打开声音输出设备"), "{problem}");
    assert!(problem.contains("耳机"), "the advice says what to do: {problem}");
    let play = app.client.find(Locator::Css("[data-testid=play-toggle]")).await?;
    assert!(play.attr("disabled").await?.is_some(), "play is disabled without a device");
    app.screenshot("review-no-device-zh").await?;
    // Trying again without a device says the same, and still records nothing.
    app.client.find(Locator::Css("[data-testid=player-retry]")).await?.click().await?;
    app.wait_for("[data-testid=player-problem]", WAIT).await?;
    assert_eq!(sqlite(&vault, "SELECT COUNT(*) FROM listening_sessions WHERE person = 'e2e'"), "0");

    app.client.find(Locator::Css("[data-testid=lang-toggle]")).await?.click().await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    let problem = app.text_of("[data-testid=player-problem]").await?;
    assert!(problem.contains("sound output device"), "{problem}");
    app.screenshot("review-no-device-en").await?;
    app.close().await
}
