//! The handle the app and the CLI hold: controls go to the engine thread as commands, state is
//! read from what the engine and the callback share.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tingjian_audio::{StreamingDecoder, probe_file};
use tingjian_core::analytics::Interval;
use tingjian_core::listening::{ChannelMode, HeardSpan};

use crate::device::{OutputDeviceInfo, open_output, output_devices};
use crate::engine::{Command, Engine, LoadedSource, Shared, SharedState};
use crate::error::PlaybackError;
use crate::render::RenderControl;
use crate::{
    DEFAULT_REWIND_ON_RESUME_MS, Diagnostics, LoadedRecording, MAX_SPEED, MIN_SPEED, PlayerEvent, PlayerStatus,
};

/// The device counts as running once it has asked for this much audio…
const STEADY_MS: u64 = 100;
/// …or after this long, whichever comes first.
const START_LIMIT: Duration = Duration::from_secs(3);
/// Events queued for a listener before the oldest are dropped (about a minute of positions).
const EVENT_QUEUE: usize = 4096;

/// How to open the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// A device id or name from [`Player::devices`]; `None` for the system default.
    pub device: Option<String>,
    /// Audio queued between the engine and the device. More survives a busy machine; less makes
    /// speed changes heard sooner (seeks, solo and volume act at once whatever this is). A test
    /// against a device that plays faster than real time sets it to hold the whole clip.
    pub buffer_ms: u32,
    pub rewind_on_resume_ms: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { device: None, buffer_ms: 200, rewind_on_resume_ms: DEFAULT_REWIND_ON_RESUME_MS }
    }
}

/// What [`Player::play_range`] should play.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayRange {
    pub start_ms: u64,
    /// Where to stop; `None` plays to the end.
    pub end_ms: Option<u64>,
    pub speed: f32,
    pub channel: ChannelMode,
    /// Dead air from import's analytics, and the shortest stretch of it to skip (`None`: skip nothing).
    pub dead_air: Vec<Interval>,
    pub skip_silence_min_ms: Option<u64>,
}

impl Default for PlayRange {
    fn default() -> Self {
        PlayRange {
            start_ms: 0,
            end_ms: None,
            speed: 1.0,
            channel: ChannelMode::Both,
            dead_air: Vec::new(),
            skip_silence_min_ms: None,
        }
    }
}

/// How a [`Player::play_range`] ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeOutcome {
    pub recording: LoadedRecording,
    /// Heard spans not yet taken by the caller during playback.
    pub heard: Vec<HeardSpan>,
    /// Set when the device was lost before the end.
    pub device_lost: Option<String>,
}

/// A sound output with a recording loaded into it. Every method can be called from any thread;
/// none of them waits for the sound device.
#[derive(Debug)]
pub struct Player {
    commands: Sender<Command>,
    events: Receiver<PlayerEvent>,
    shared: Arc<Shared>,
    engine: Option<JoinHandle<()>>,
    device_name: String,
    device_rate: u32,
    device_channels: u16,
}

impl Player {
    /// The sound output devices of this machine, the default first.
    pub fn devices() -> Result<Vec<OutputDeviceInfo>, PlaybackError> {
        output_devices()
    }

    /// Opens the named output device (an id or a name from [`Player::devices`]), or the
    /// default one. Fails with a coded error when there is no usable device.
    pub fn open(device: Option<&str>) -> Result<Player, PlaybackError> {
        Player::open_with(&OpenOptions { device: device.map(str::to_owned), ..OpenOptions::default() })
    }

    pub fn open_with(options: &OpenOptions) -> Result<Player, PlaybackError> {
        let control = Arc::new(RenderControl::new());
        let (commands, command_queue) = crossbeam_channel::unbounded();
        let (event_sink, events) = crossbeam_channel::bounded(EVENT_QUEUE);
        // Each opening of the device reports its failures under its own number, so the engine can
        // tell a failure of the stream in use from a late one of a stream it has replaced.
        let open = {
            let commands = commands.clone();
            let control = Arc::clone(&control);
            let device = options.device.clone();
            let buffer_ms = options.buffer_ms.max(20);
            move |stream: u64| {
                let sink = commands.clone();
                open_output(device.as_deref(), &control, buffer_ms, move |failure| {
                    let _ = sink.send(Command::Device { stream, failure });
                })
            }
        };
        let output = open(0)?;
        wait_until_running(&control, output.rate);
        let (device_name, device_rate, device_channels) = (output.name.clone(), output.rate, output.channels);
        let shared = Arc::new(Shared {
            control,
            state: Mutex::new(SharedState {
                speed: 1.0,
                rewind_on_resume_ms: options.rewind_on_resume_ms,
                ..SharedState::default()
            }),
        });
        let engine = Engine::new(
            output,
            command_queue,
            event_sink,
            Arc::clone(&shared),
            options.rewind_on_resume_ms,
            Box::new(open),
        );
        let engine = std::thread::Builder::new()
            .name("tingjian-playback".to_owned())
            .spawn(move || engine.run())
            .map_err(|error| PlaybackError::Internal { detail: format!("cannot start the engine thread: {error}") })?;
        Ok(Player { commands, events, shared, engine: Some(engine), device_name, device_rate, device_channels })
    }

    fn send(&self, command: Command) {
        // The engine only stops when the player is dropped, so a send cannot fail while `self`
        // exists; if it ever did, there is nothing left to control.
        let _ = self.commands.send(command);
    }

    /// Loads a recording, paused at its start, replacing what was loaded. `dead_air` is import's
    /// analytics (milliseconds), used by skip-silence. Decodes the file once to measure it,
    /// exactly as import does, so durations and positions agree with the stored analytics.
    pub fn load(&self, path: &Path, dead_air: Vec<Interval>) -> Result<LoadedRecording, PlaybackError> {
        if let Some(detail) = self.shared.lock().device_lost.clone() {
            return Err(PlaybackError::DeviceLost { detail });
        }
        let probe = probe_file(path)?;
        let decoder = StreamingDecoder::open(path)?;
        let truncated = probe.truncated();
        let info = LoadedRecording {
            duration_ms: probe.duration_ms(),
            sample_rate: decoder.sample_rate(),
            channels: probe.channels,
            device_rate: self.device_rate,
            codec: probe.codec.clone(),
            damaged_packets: probe.damaged_packets,
            truncated,
        };
        let mut problems = Vec::new();
        if truncated {
            let promised = probe.header_frames.unwrap_or(0) * 1000 / u64::from(probe.sample_rate.max(1));
            problems.push(format!("truncated: {} ms decode of {promised} ms the header promises", info.duration_ms));
        }
        if probe.damaged_packets > 0 {
            problems.push(format!("{} damaged packet(s) are skipped", probe.damaged_packets));
        }
        let problem = (!problems.is_empty()).then(|| format!("{}: {}", path.display(), problems.join("; ")));
        let source = LoadedSource { decoder, info: info.clone(), frames: probe.frames, dead_air, problem };
        self.send(Command::Load { source: Box::new(source) });
        Ok(info)
    }

    /// Starts or resumes playback. After a pause it resumes the rewind-on-resume distance back;
    /// after the end it starts again from the beginning.
    pub fn play(&self) {
        self.send(Command::Play { sent: Instant::now() });
    }

    /// Stops consuming audio at once; the device plays silence.
    pub fn pause(&self) {
        self.send(Command::Pause);
    }

    /// Moves to `ms` of the recording (to the frame), also while playing.
    pub fn seek(&self, ms: u64) {
        self.send(Command::Seek { ms, sent: Instant::now() });
    }

    /// Playback speed, 0.5 to 2.0 (clamped), pitch preserved.
    pub fn set_speed(&self, speed: f32) {
        let speed = if speed.is_finite() { speed.clamp(MIN_SPEED, MAX_SPEED) } else { 1.0 };
        self.send(Command::Speed(f64::from(speed)));
    }

    /// Volume from 0 (silent: nothing counts as heard) to 1 (unchanged); up to 4 amplifies.
    pub fn set_volume(&self, volume: f32) {
        let volume = if volume.is_finite() { volume.clamp(0.0, 4.0) } else { 0.0 };
        self.shared.control.set_volume(volume);
    }

    /// Both parties, or one party alone in both ears.
    pub fn set_channel_mode(&self, mode: ChannelMode) {
        self.shared.control.set_mode(mode);
    }

    /// Per-channel gains (0 to 4): the agent's channel 0 and the customer's channel 1.
    pub fn set_channel_gains(&self, agent: f32, customer: f32) {
        let clean = |gain: f32| if gain.is_finite() { gain.clamp(0.0, 4.0) } else { 0.0 };
        self.shared.control.set_gains(clean(agent), clean(customer));
    }

    /// How far back playback resumes after a pause (0 resumes where it stopped).
    pub fn set_rewind_on_resume(&self, ms: u64) {
        self.send(Command::RewindOnResume(ms));
    }

    /// Skips dead air of at least `min_ms` (from the intervals given to `load`); `None` plays it.
    pub fn set_skip_silence(&self, min_ms: Option<u64>) {
        self.send(Command::SkipSilence(min_ms));
    }

    /// Ends playback at `ms` of the recording (`None`: at its end), as if the recording ended there.
    pub fn set_stop_at(&self, ms: Option<u64>) {
        self.send(Command::StopAt(ms));
    }

    pub fn status(&self) -> PlayerStatus {
        let control = &self.shared.control;
        let gains = control.gains();
        let state = self.shared.lock();
        PlayerStatus {
            loaded: state.loaded.is_some(),
            position_ms: state.position_ms,
            duration_ms: state.loaded.as_ref().map_or(0, |l| l.duration_ms),
            // The callback marks the end before the engine thread has taken in its last reports;
            // until it has, the player still counts as playing, so a caller never sees it stopped
            // without having ended, nor ended with heard spans still on their way.
            // A device being opened again after a failure is still playing, from the caller's side.
            playing: control.playing.load(Ordering::Acquire)
                || control.resuming.load(Ordering::Acquire)
                || (control.ended.load(Ordering::Acquire) && !state.ended),
            ended: state.ended,
            speed: state.speed as f32,
            volume: control.volume(),
            channel_mode: control.mode(),
            agent_gain: gains[0],
            customer_gain: gains[1],
            rewind_on_resume_ms: state.rewind_on_resume_ms,
            skip_silence_min_ms: state.skip_silence_min_ms,
            stop_at_ms: state.stop_at_ms,
            device_lost: state.device_lost.clone(),
        }
    }

    /// The event stream. Every call returns a handle on the same queue: an event goes to one
    /// of them, so a program should listen in one place.
    pub fn events(&self) -> Receiver<PlayerEvent> {
        self.events.clone()
    }

    /// The stretches of the recording heard since the last call, in the order they were played,
    /// with runs that continue each other merged.
    pub fn take_played(&self) -> Vec<HeardSpan> {
        self.shared.lock().heard.take()
    }

    pub fn diagnostics(&self) -> Diagnostics {
        let control = &self.shared.control;
        let ms = |nanos: u64| (nanos != u64::MAX).then(|| nanos as f64 / 1e6);
        Diagnostics {
            device_name: self.device_name.clone(),
            device_rate: self.device_rate,
            device_channels: self.device_channels,
            play_to_sound_ms: ms(control.play_latency_nanos.load(Ordering::Relaxed)),
            seek_to_sound_ms: ms(control.seek_latency_nanos.load(Ordering::Relaxed)),
            underruns: control.underruns.load(Ordering::Relaxed),
        }
    }

    /// Plays `range` of the recording at `path` to its end and returns; for the CLI.
    /// `on_position` is called with each position event; it may call [`Player::take_played`] to
    /// record what was heard as it goes (the rest is in the outcome).
    pub fn play_range(
        &self,
        path: &Path,
        range: &PlayRange,
        mut on_position: impl FnMut(&Player, u64),
    ) -> Result<RangeOutcome, PlaybackError> {
        let events = self.events();
        while events.try_recv().is_ok() {}
        let recording = self.load(path, range.dead_air.clone())?;
        self.set_speed(range.speed);
        self.set_channel_mode(range.channel);
        self.set_skip_silence(range.skip_silence_min_ms);
        self.set_stop_at(range.end_ms);
        self.seek(range.start_ms);
        self.play();
        let mut device_lost = None;
        loop {
            match events.recv_timeout(Duration::from_millis(250)) {
                Ok(PlayerEvent::Position { ms }) => on_position(self, ms),
                Ok(PlayerEvent::Ended) => break,
                Ok(PlayerEvent::DeviceLost { detail }) => {
                    device_lost = Some(detail);
                    break;
                }
                Ok(PlayerEvent::DecodeProblem { .. }) | Err(_) => {
                    // Events can be dropped when nobody reads for a long while; the state cannot.
                    let status = self.status();
                    if status.ended && !status.playing {
                        break;
                    }
                    if status.device_lost.is_some() {
                        device_lost = status.device_lost;
                        break;
                    }
                }
            }
        }
        Ok(RangeOutcome { recording, heard: self.take_played(), device_lost })
    }
}

/// Waits (a little) until the device asks for audio steadily. A sound server can take a moment
/// to start a new stream, and the first `play` should not fall into that pause. A device that
/// never gets going is not refused here: it fails, if it does, through the lost-device path.
fn wait_until_running(control: &RenderControl, rate: u32) {
    let steady = u64::from(rate) * STEADY_MS / 1000;
    let deadline = Instant::now() + START_LIMIT;
    while control.frames_requested.load(Ordering::Relaxed) < steady && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(engine) = self.engine.take() {
            let _ = engine.join();
        }
    }
}
