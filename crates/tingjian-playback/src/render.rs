//! The device side: what runs inside cpal's output callback.
//!
//! The callback must never block, lock or allocate, because the sound card's thread waits for it.
//! It reads two lock-free rings that the engine thread fills: the audio (stereo frames at the
//! device rate) and, alongside, markers saying which stretch of the recording those frames stand
//! for. For every frame it hands to the device it reports, on a third ring, which stretch of the
//! recording that was, whether it was audible and in which channel mode: the proof of listening
//! is built from those reports, so it counts what the device consumed, never what was decoded.
//!
//! The channel stage (solo, per-channel gain) and the volume are applied here, at the last
//! moment, rather than before the ring: a change is heard at once, and the report of whether a
//! frame was audible can never disagree with what was actually sent to the device.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};

use cpal::{FromSample, OutputCallbackInfo, Sample};
use tingjian_core::listening::ChannelMode;

/// Below this gain a frame counts as not heard: −60 dB is under the noise of any room.
pub const AUDIBLE_GAIN: f32 = 0.001;

/// A run of frames in the audio ring and the stretch of the recording they stand for, in source
/// frames. A marker with `end` set (and usually no frames) marks the end of playback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Marker {
    pub generation: u64,
    pub frames: u32,
    pub source_start: f64,
    pub source_end: f64,
    pub end: bool,
}

/// A run of frames the device consumed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Consumed {
    pub generation: u64,
    /// Device frames consumed.
    pub frames: u32,
    pub source_start: f64,
    pub source_end: f64,
    pub audible: bool,
    pub mode: ChannelMode,
}

/// What a request for sound was, for the latency figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum SoundRequest {
    Play = 1,
    Seek = 2,
}

/// State the engine thread and the callback share, all of it atomic.
#[derive(Debug)]
pub(crate) struct RenderControl {
    /// Bumped by every seek: frames of an older generation still in the ring are dropped.
    pub generation: AtomicU64,
    pub playing: AtomicBool,
    /// Set by the callback when it reached the end marker of the current generation.
    pub ended: AtomicBool,
    volume: AtomicU32,
    gains: [AtomicU32; 2],
    mode: AtomicU8,
    pub underruns: AtomicU64,
    /// The stream-clock instant (ns) of the last play or seek not yet heard, or 0.
    pub request_nanos: AtomicU64,
    pub request_kind: AtomicU8,
    /// The last measured request-to-sound latencies in ns, or `u64::MAX` before any.
    pub play_latency_nanos: AtomicU64,
    pub seek_latency_nanos: AtomicU64,
    /// Reports that did not fit into the report ring (they should not happen).
    pub lost_reports: AtomicU64,
    /// Device frames asked for by the callback so far, playing or not: shows the device runs.
    pub frames_requested: AtomicU64,
    /// Set while the engine opens a failing device again after playback was going: the player
    /// still counts as playing then, so nobody takes the pause in the sound for a stop.
    pub resuming: AtomicBool,
}

impl RenderControl {
    pub(crate) fn new() -> Self {
        RenderControl {
            generation: AtomicU64::new(0),
            playing: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            volume: AtomicU32::new(1.0f32.to_bits()),
            gains: [AtomicU32::new(1.0f32.to_bits()), AtomicU32::new(1.0f32.to_bits())],
            mode: AtomicU8::new(0),
            underruns: AtomicU64::new(0),
            request_nanos: AtomicU64::new(0),
            request_kind: AtomicU8::new(0),
            play_latency_nanos: AtomicU64::new(u64::MAX),
            seek_latency_nanos: AtomicU64::new(u64::MAX),
            lost_reports: AtomicU64::new(0),
            frames_requested: AtomicU64::new(0),
            resuming: AtomicBool::new(false),
        }
    }

    pub(crate) fn set_volume(&self, volume: f32) {
        self.volume.store(volume.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn volume(&self) -> f32 {
        f32::from_bits(self.volume.load(Ordering::Relaxed))
    }

    pub(crate) fn set_gains(&self, agent: f32, customer: f32) {
        self.gains[0].store(agent.to_bits(), Ordering::Relaxed);
        self.gains[1].store(customer.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn gains(&self) -> [f32; 2] {
        [f32::from_bits(self.gains[0].load(Ordering::Relaxed)), f32::from_bits(self.gains[1].load(Ordering::Relaxed))]
    }

    pub(crate) fn set_mode(&self, mode: ChannelMode) {
        self.mode.store(mode_code(mode), Ordering::Relaxed);
    }

    pub(crate) fn mode(&self) -> ChannelMode {
        mode_from_code(self.mode.load(Ordering::Relaxed))
    }

    /// Asks the callback to measure how long until the next frame of sound is played.
    pub(crate) fn request_sound(&self, kind: SoundRequest, at_nanos: u64) {
        self.request_kind.store(kind as u8, Ordering::Relaxed);
        self.request_nanos.store(at_nanos.max(1), Ordering::Release);
    }
}

fn mode_code(mode: ChannelMode) -> u8 {
    match mode {
        ChannelMode::Both => 0,
        ChannelMode::Agent => 1,
        ChannelMode::Customer => 2,
    }
}

fn mode_from_code(code: u8) -> ChannelMode {
    match code {
        1 => ChannelMode::Agent,
        2 => ChannelMode::Customer,
        _ => ChannelMode::Both,
    }
}

/// The per-channel output gains of a channel mode: which source channel goes to which ear.
/// Returns `[[left from 0, left from 1], [right from 0, right from 1]]`.
fn routing(mode: ChannelMode, gains: [f32; 2], volume: f32) -> [[f32; 2]; 2] {
    match mode {
        ChannelMode::Both => [[gains[0] * volume, 0.0], [0.0, gains[1] * volume]],
        // A solo channel goes to both ears: one party heard clearly, not one-sided.
        ChannelMode::Agent => [[gains[0] * volume, 0.0], [gains[0] * volume, 0.0]],
        ChannelMode::Customer => [[0.0, gains[1] * volume], [0.0, gains[1] * volume]],
    }
}

/// Whether a channel mode with these gains sends anything audible to the device.
pub(crate) fn audible(mode: ChannelMode, gains: [f32; 2], volume: f32) -> bool {
    let heard = match mode {
        ChannelMode::Both => gains[0].max(gains[1]),
        ChannelMode::Agent => gains[0],
        ChannelMode::Customer => gains[1],
    };
    heard * volume >= AUDIBLE_GAIN
}

/// The callback's own state; it lives inside the cpal closure.
pub(crate) struct Renderer {
    audio: rtrb::Consumer<f32>,
    markers: rtrb::Consumer<Marker>,
    reports: rtrb::Producer<Consumed>,
    control: Arc<RenderControl>,
    current: Option<Marker>,
    /// Frames of `current` already consumed.
    used: u32,
    device_channels: usize,
    device_rate: u32,
    /// The routing used at the end of the last callback, ramped from to avoid clicks.
    last_routing: [[f32; 2]; 2],
    was_playing: bool,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("device_channels", &self.device_channels).finish_non_exhaustive()
    }
}

impl Renderer {
    pub(crate) fn new(
        audio: rtrb::Consumer<f32>,
        markers: rtrb::Consumer<Marker>,
        reports: rtrb::Producer<Consumed>,
        control: Arc<RenderControl>,
        device_channels: usize,
        device_rate: u32,
    ) -> Self {
        Renderer {
            audio,
            markers,
            reports,
            control,
            current: None,
            used: 0,
            device_channels: device_channels.max(1),
            device_rate,
            last_routing: [[1.0, 0.0], [0.0, 1.0]],
            was_playing: false,
        }
    }

    /// Fills one device buffer. `data` arrives filled with silence.
    pub(crate) fn render<T>(&mut self, data: &mut [T], info: &OutputCallbackInfo)
    where
        T: Sample + FromSample<f32>,
    {
        let frames = data.len() / self.device_channels;
        self.control.frames_requested.fetch_add(frames as u64, Ordering::Relaxed);
        let generation = self.control.generation.load(Ordering::Acquire);
        self.drop_stale(generation);
        let playing = self.control.playing.load(Ordering::Acquire);
        if !playing {
            self.was_playing = false;
            return;
        }
        let mode = self.control.mode();
        let gains = self.control.gains();
        let volume = self.control.volume();
        let target = routing(mode, gains, volume);
        let start = if self.was_playing { self.last_routing } else { target };
        self.was_playing = true;
        let is_audible = audible(mode, gains, volume);
        let mut written = 0usize;
        let mut first_sound_at: Option<usize> = None;
        while written < frames {
            let marker = match self.current {
                Some(marker) => marker,
                None => match self.markers.pop() {
                    Ok(marker) => {
                        self.current = Some(marker);
                        self.used = 0;
                        continue;
                    }
                    Err(_) => {
                        // Nothing decoded yet (or the engine is behind): the rest stays silent.
                        self.control.underruns.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                },
            };
            if marker.generation < generation {
                self.drop_stale(generation);
                continue;
            }
            let left = marker.frames - self.used;
            if left == 0 {
                if marker.end {
                    self.control.ended.store(true, Ordering::Release);
                    self.control.playing.store(false, Ordering::Release);
                }
                self.current = None;
                if marker.end {
                    break;
                }
                continue;
            }
            let count = (left as usize).min(frames - written);
            let Ok(chunk) = self.audio.read_chunk(count * 2) else {
                // The engine always pushes audio before its marker, so this cannot happen; if it
                // did, silence is the safe answer.
                break;
            };
            let (first, second) = chunk.as_slices();
            for frame in 0..count {
                let at = |i: usize| if i < first.len() { first[i] } else { second[i - first.len()] };
                let (source_left, source_right) = (at(2 * frame), at(2 * frame + 1));
                let progress = (written + frame) as f32 / frames as f32;
                let mut ears = [0.0f32; 2];
                for (ear, value) in ears.iter_mut().enumerate() {
                    let from_left = start[ear][0] + (target[ear][0] - start[ear][0]) * progress;
                    let from_right = start[ear][1] + (target[ear][1] - start[ear][1]) * progress;
                    *value = source_left * from_left + source_right * from_right;
                }
                let out = &mut data[(written + frame) * self.device_channels..][..self.device_channels];
                if self.device_channels == 1 {
                    out[0] = T::from_sample(0.5 * (ears[0] + ears[1]));
                } else {
                    out[0] = T::from_sample(ears[0]);
                    out[1] = T::from_sample(ears[1]);
                }
            }
            chunk.commit_all();
            let span = marker.source_end - marker.source_start;
            let piece_start = marker.source_start + span * f64::from(self.used) / f64::from(marker.frames);
            self.used += count as u32;
            let piece_end = marker.source_start + span * f64::from(self.used) / f64::from(marker.frames);
            self.report(Consumed {
                generation,
                frames: count as u32,
                source_start: piece_start,
                source_end: piece_end,
                audible: is_audible,
                mode,
            });
            if first_sound_at.is_none() {
                first_sound_at = Some(written);
            }
            written += count;
        }
        self.last_routing = target;
        if let Some(offset) = first_sound_at {
            self.measure_latency(info, offset);
        }
    }

    /// Throws away frames of generations older than `generation`: what was queued before a seek.
    fn drop_stale(&mut self, generation: u64) {
        loop {
            let marker = match self.current {
                Some(marker) => marker,
                None => match self.markers.peek() {
                    Ok(marker) if marker.generation < generation => {
                        let marker = *marker;
                        let _ = self.markers.pop();
                        self.used = 0;
                        marker
                    }
                    _ => return,
                },
            };
            if marker.generation >= generation {
                return;
            }
            let left = (marker.frames - self.used) as usize * 2;
            let available = self.audio.slots().min(left);
            if let Ok(chunk) = self.audio.read_chunk(available) {
                chunk.commit_all();
            }
            self.current = None;
        }
    }

    fn report(&mut self, consumed: Consumed) {
        if self.reports.push(consumed).is_err() {
            self.control.lost_reports.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records how long after the last play or seek request this first sound reaches the device:
    /// the playback instant of the buffer plus the frame's offset in it, on the stream's clock.
    fn measure_latency(&mut self, info: &OutputCallbackInfo, offset_frames: usize) {
        let requested = self.control.request_nanos.load(Ordering::Acquire);
        if requested == 0 {
            return;
        }
        self.control.request_nanos.store(0, Ordering::Relaxed);
        let playback = info.timestamp().playback.as_nanos() as u64;
        let offset = offset_frames as u64 * 1_000_000_000 / u64::from(self.device_rate.max(1));
        let latency = (playback + offset).saturating_sub(requested);
        let target = if self.control.request_kind.load(Ordering::Relaxed) == SoundRequest::Seek as u8 {
            &self.control.seek_latency_nanos
        } else {
            &self.control.play_latency_nanos
        };
        target.store(latency, Ordering::Relaxed);
    }
}
