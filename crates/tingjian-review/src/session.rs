//! A recording loaded into the player with its listening session: the one piece of code that turns
//! what the sound device played into evidence, used by the app and by `tingjian play` alike.

use std::time::{Duration, Instant};

use tingjian_core::UiError;
use tingjian_core::listening::HeardSpan;
use tingjian_playback::{PlaybackError, Player, PlayerEvent};
use tingjian_vault::{RecordingTarget, Vault, VaultError};

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
    /// The player stopped, or reported more after stopping: flush at the next tick with the
    /// vault rather than at the next interval.
    flush_owed: bool,
}

/// A recording loaded into an opened output device, before its listening session starts. Opening
/// a device can take seconds (a sound server starting a stream on a busy machine), so the app does
/// it without holding the vault: [`Listening::load`] needs none, [`LoadedRecording::start`] does.
#[derive(Debug)]
pub struct LoadedRecording {
    player: Player,
    target: RecordingTarget,
}

impl LoadedRecording {
    /// Starts the listening session: from here on what the device plays is evidence.
    pub fn start(self, vault: &mut Vault) -> Result<(Listening, PlayerOpened), ReviewError> {
        let LoadedRecording { player, target } = self;
        let device_name = player.diagnostics().device_name;
        let session_id = vault.start_listening(&target, &device_name)?;
        let opened =
            PlayerOpened { session_id: session_id.clone(), device: device_name, duration_ms: target.duration_ms };
        let listening = Listening {
            player,
            session_id,
            target,
            last_flush: Instant::now(),
            was_playing: false,
            pending: Vec::new(),
            flush_owed: false,
        };
        Ok((listening, opened))
    }
}

impl Listening {
    /// Finds the recording, opens the output device, loads the recording and starts the session.
    /// The session starts only once the device is open, so a machine without sound records no
    /// session it could not have played.
    pub fn open(vault: &mut Vault, query: &str, device: Option<&str>) -> Result<(Self, PlayerOpened), ReviewError> {
        let target = vault.find_recording(query)?;
        Self::load(target, device)?.start(vault)
    }

    /// Opens the output device and loads the recording found by [`Vault::find_recording`].
    pub fn load(target: RecordingTarget, device: Option<&str>) -> Result<LoadedRecording, ReviewError> {
        let player = Player::open(device)?;
        player.load(&target.path, target.dead_air.clone())?;
        Ok(LoadedRecording { player, target })
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
    /// busy (an import holds it): the spans then wait for the next tick with the vault, and
    /// nothing is lost.
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
            problem = Some(UiError::from(failure));
        }
        let status = self.player.status();
        if self.was_playing && !status.playing {
            self.flush_owed = true;
        }
        self.was_playing = status.playing;
        // The player says it has stopped a moment before it has taken in the device's last
        // reports (a pause waits out the buffer the device is in): what arrives while it is
        // stopped is written at once too, not a flush interval later.
        if !status.playing && self.take_played() {
            self.flush_owed = true;
        }
        let (mut my_coverage, mut all_coverage) = (None, None);
        if let Some(vault) = vault
            && (self.flush_owed || problem.is_some() || self.last_flush.elapsed() >= FLUSH_EVERY)
        {
            match self.flush(vault) {
                Ok(true) => {
                    my_coverage = vault.listening_coverage(&self.target.hash, Some(vault.actor())).ok();
                    all_coverage = vault.listening_coverage(&self.target.hash, None).ok();
                }
                Ok(false) => {}
                Err(error) => problem = Some(UiError::from(error)),
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

    /// Moves the spans the player heard since the last call into `pending`; true when there were
    /// any.
    fn take_played(&mut self) -> bool {
        let played = self.player.take_played();
        let any = !played.is_empty();
        self.pending.extend(played.into_iter().map(|span| HeardSpan {
            start_ms: span.start_ms,
            end_ms: span.end_ms,
            channel: span.channel,
        }));
        any
    }

    /// Writes the spans heard since the last flush; true when something was written. When the
    /// write fails for a reason that can pass (the database is locked by another program, the
    /// disk is full), the spans stay pending for the next flush: a failed write loses nothing.
    pub fn flush(&mut self, vault: &mut Vault) -> Result<bool, ReviewError> {
        self.take_played();
        self.last_flush = Instant::now();
        self.flush_owed = false;
        if self.pending.is_empty() {
            return Ok(false);
        }
        let spans = std::mem::take(&mut self.pending);
        if let Err(error) = vault.record_heard(&self.session_id, spans.clone()) {
            if matches!(error, VaultError::Database(_) | VaultError::Io { .. }) {
                // The transaction failed, so nothing was written: try again at the next flush.
                self.pending = spans;
            }
            return Err(error.into());
        }
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
