//! A recording loaded into the player with its listening session: the one piece of code that turns
//! what the sound device played into evidence, used by the app and by `tingjian play` alike.

use std::time::{Duration, Instant};

use tingjian_core::UiError;
use tingjian_core::listening::HeardSpan;
use tingjian_playback::{PlaybackError, Player, PlayerEvent};
use tingjian_vault::{RecordingTarget, Vault};

use crate::{PlayerOpened, PlayerSettings, PlayerUpdate, ReviewError, SKIP_SILENCE_MIN_MS};

/// Heard spans are written to the vault at least this often while playing, so a crash loses at
/// most this much of the proof of listening.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// A loaded recording and its open listening session.
#[derive(Debug)]
pub struct Listening {
    player: Player,
    session_id: String,
    target: RecordingTarget,
    last_flush: Instant,
    was_playing: bool,
    /// Spans taken from the player but not yet in the vault (the vault was busy).
    pending: Vec<HeardSpan>,
}

impl Listening {
    /// Finds the recording, opens the output device, loads the recording and starts the session.
    /// The session starts only once the device is open, so a machine without sound records no
    /// session it could not have played.
    pub fn open(vault: &mut Vault, query: &str, device: Option<&str>) -> Result<(Self, PlayerOpened), ReviewError> {
        let target = vault.find_recording(query)?;
        let player = Player::open(device)?;
        player.load(&target.path, target.dead_air.clone())?;
        let device_name = player.diagnostics().device_name;
        let session_id = vault.start_listening(&target, &device_name)?;
        let opened =
            PlayerOpened { session_id: session_id.clone(), device: device_name, duration_ms: target.duration_ms };
        let listening =
            Self { player, session_id, target, last_flush: Instant::now(), was_playing: false, pending: Vec::new() };
        Ok((listening, opened))
    }

    pub fn target(&self) -> &RecordingTarget {
        &self.target
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    pub fn apply(&self, settings: &PlayerSettings) {
        self.player.set_speed(settings.speed);
        self.player.set_volume(settings.volume);
        self.player.set_channel_mode(settings.channel);
        self.player.set_rewind_on_resume(settings.rewind_on_resume_ms);
        self.player.set_skip_silence(settings.skip_silence.then_some(SKIP_SILENCE_MIN_MS));
    }

    pub fn play(&self) {
        self.player.play();
    }

    pub fn pause(&self) {
        self.player.pause();
    }

    pub fn seek(&self, position_ms: u64) {
        self.player.seek(position_ms.min(self.target.duration_ms));
    }

    /// Ends playback exactly at `end_ms` (for `tingjian play --end`).
    pub fn stop_at(&self, end_ms: Option<u64>) {
        self.player.set_stop_at(end_ms);
    }

    /// Reads the player's state, flushing heard spans to `vault` when a flush is due (every
    /// [`FLUSH_EVERY`] while playing, and at once on pause or end). `vault` is `None` when it is
    /// busy (an import holds it): the spans then wait for the next tick, and nothing is lost.
    pub fn tick(&mut self, vault: Option<&mut Vault>) -> PlayerUpdate {
        let mut problem = None;
        let mut ended = false;
        for event in self.player.events().try_iter() {
            let failure = match event {
                PlayerEvent::Ended => {
                    ended = true;
                    continue;
                }
                PlayerEvent::DeviceLost { detail } => ReviewError::Playback(PlaybackError::DeviceLost { detail }),
                PlayerEvent::DecodeProblem { detail } => {
                    // Playback goes on past a damaged part; the reviewer is told.
                    ReviewError::DamagedAudio { name: self.target.original_name.clone(), detail }
                }
                PlayerEvent::Position { .. } => continue,
            };
            problem = Some(UiError::from(&failure));
        }
        let status = self.player.status();
        let stopped = self.was_playing && !status.playing;
        self.was_playing = status.playing;
        let (mut my_coverage, mut all_coverage) = (None, None);
        if let Some(vault) = vault
            && (stopped || problem.is_some() || self.last_flush.elapsed() >= FLUSH_EVERY)
        {
            match self.flush(vault) {
                Ok(true) => {
                    my_coverage = vault.listening_coverage(&self.target.hash, Some(vault.actor())).ok();
                    all_coverage = vault.listening_coverage(&self.target.hash, None).ok();
                }
                Ok(false) => {}
                Err(error) => problem = Some(UiError::from(&error)),
            }
        }
        PlayerUpdate {
            position_ms: status.position_ms,
            playing: status.playing,
            ended: ended || status.ended,
            device_lost: status.device_lost.is_some(),
            my_coverage,
            all_coverage,
            problem,
        }
    }

    /// Writes the spans heard since the last flush; true when something was written.
    pub fn flush(&mut self, vault: &mut Vault) -> Result<bool, ReviewError> {
        self.pending.extend(self.player.take_played().into_iter().map(|span| HeardSpan {
            start_ms: span.start_ms,
            end_ms: span.end_ms,
            channel: span.channel,
        }));
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return Ok(false);
        }
        vault.record_heard(&self.session_id, std::mem::take(&mut self.pending))?;
        Ok(true)
    }

    /// Stops playback and ends the session, recording what was heard last.
    pub fn close(mut self, vault: &mut Vault, reason: &str) -> Result<String, ReviewError> {
        self.player.pause();
        // The engine takes in the device's last reports as it pauses; wait for that (briefly) so
        // the final flush holds everything that was played.
        let deadline = Instant::now() + Duration::from_millis(250);
        while self.player.status().playing && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(10));
        self.flush(vault)?;
        vault.end_listening(&self.session_id, Vec::new(), reason)?;
        Ok(self.session_id)
    }
}
