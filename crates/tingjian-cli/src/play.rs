//! `tingjian play`: plays a recording through the default (or a chosen) sound device and records
//! the listening session exactly as the app does, through the same `tingjian_review::Listening`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use serde::Serialize;
use tingjian_core::listening::{ChannelMode, Coverage};
use tingjian_core::{ErrorCode, UiError};
use tingjian_review::{Listening, PlayerSettings};
use tingjian_vault::{ListeningSessionReport, Vault};

use crate::output::Output;

/// How often the position line is redrawn, and the player's state read.
const TICK: Duration = Duration::from_millis(30);

#[derive(Debug, Clone)]
pub struct PlayRequest {
    pub recording: String,
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    pub speed: f32,
    pub channel: ChannelMode,
    pub device: Option<String>,
}

pub fn parse_channel(text: &str) -> Result<ChannelMode, String> {
    ChannelMode::parse(text).ok_or_else(|| format!("expected both, agent or customer, not {text:?}"))
}

/// What `tingjian play` reports: the session just recorded, and how much of the recording the
/// person has now heard over all their sessions.
#[derive(Debug, Serialize)]
pub struct PlayReport {
    pub session: ListeningSessionReport,
    pub my_coverage: Coverage,
}

/// Plays the request through to its end (or the recording's) and returns the session as recorded.
pub fn play(vault: &mut Vault, request: &PlayRequest, out: Output) -> Result<PlayReport, UiError> {
    let ui = |e: tingjian_review::ReviewError| UiError::from(e);
    let (mut listening, opened) = Listening::open(vault, &request.recording, request.device.as_deref()).map_err(ui)?;
    // A command-line play is one stretch: there is no pause to rewind from.
    listening.apply(&PlayerSettings {
        speed: request.speed,
        channel: request.channel,
        rewind_on_resume_ms: 0,
        ..PlayerSettings::default()
    });
    let to_ms = |seconds: f64| (seconds.max(0.0) * 1000.0).round() as u64;
    if let Some(start) = request.start_s {
        listening.seek(to_ms(start));
    }
    listening.stop_at(request.end_s.map(to_ms));
    listening.play();
    let show = !out.json && std::io::stderr().is_terminal();
    let mut reason = "finished";
    let mut started = false;
    loop {
        std::thread::sleep(TICK);
        let update = listening.tick(Some(vault));
        if show {
            let mut stderr = std::io::stderr();
            let _ = write!(stderr, "\r播放 / playing {} / {}  ", clock(update.position_ms), clock(opened.duration_ms));
            let _ = stderr.flush();
        }
        if let Some(problem) = update.problem {
            if update.device_lost {
                // What was heard up to here is kept; the session ends saying why.
                let _ = listening.close(vault, "device_lost");
                return Err(problem);
            }
            if problem.code == ErrorCode::AudioDamaged {
                // A damaged stretch of the recording: playback goes on past it, and the listener
                // is told, as the review screen tells them.
                eprintln!("\n警告 / warning: {} / {}", problem.message_zh, problem.message_en);
            } else {
                // The vault could not take what was heard (it is kept for a later flush, but the
                // command cannot finish its job): the session ends as stopped, with the error.
                let _ = listening.close(vault, "stopped");
                return Err(problem);
            }
        }
        started |= update.playing;
        if update.ended {
            break;
        }
        if started && !update.playing {
            // Paused from outside (nothing in this command pauses before the end).
            reason = "stopped";
            break;
        }
    }
    if show {
        eprintln!();
    }
    let session = listening.close(vault, reason).map_err(ui)?;
    let session = vault.listening_session(&session)?;
    let my_coverage = vault.listening_coverage(&session.recording_hash, Some(vault.actor()))?;
    Ok(PlayReport { session, my_coverage })
}

fn clock(ms: u64) -> String {
    let seconds = ms / 1000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

pub fn describe_play(play: &PlayReport) -> String {
    let report = &play.session;
    let mut text = format!(
        "已记录听取 / listening recorded: {} ({})\n",
        report.complaint_number.as_deref().unwrap_or(&report.recording_hash[..12]),
        report.person
    );
    for span in &report.spans {
        text.push_str(&format!("  {} – {}  {}\n", clock(span.start_ms), clock(span.end_ms), span.channel.as_str()));
    }
    text.push_str(&format!(
        "本次覆盖率 / this session's coverage: {:.1}%\n我的累计覆盖率 / my coverage of this call: {:.1}% ({} / {} ms)\n",
        report.coverage.percent, play.my_coverage.percent, play.my_coverage.heard_ms, play.my_coverage.duration_ms
    ));
    text
}
