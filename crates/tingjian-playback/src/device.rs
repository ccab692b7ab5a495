//! Sound output devices through cpal: listing them, and opening one as a running stream whose
//! callback is the [`Renderer`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, ErrorKind, SampleFormat, StreamConfig, SupportedBufferSize, SupportedStreamConfig};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::callback_scope::audio_callback;
use crate::error::PlaybackError;
use crate::render::{Consumed, Marker, RenderControl, Renderer};

/// The rate asked of a device when it supports it: every sound server runs at it natively, so
/// nothing downstream resamples again.
const PREFERRED_RATE: u32 = 48_000;
/// Frames per device period asked for, as a fraction of a second: 10 ms keeps the time from a
/// play or seek to sound low without asking more of a desktop than it gives easily.
const PERIODS_PER_SECOND: u32 = 100;

/// A sound output device that can be chosen by its `id` (or its `name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutputDeviceInfo {
    /// The host's own identifier (for ALSA the PCM name, e.g. `default`, `pulse`, `hw:CARD=PCH,DEV=0`).
    pub id: String,
    /// A name for people.
    pub name: String,
    /// Whether this is the system's default output.
    pub is_default: bool,
}

/// The output devices the system offers, the default first.
pub(crate) fn output_devices() -> Result<Vec<OutputDeviceInfo>, PlaybackError> {
    let host = cpal::default_host();
    let default_id = host.default_output_device().and_then(|d| d.id().ok());
    let devices = host.output_devices().map_err(|error| PlaybackError::NoDevice { detail: error.to_string() })?;
    let mut list: Vec<OutputDeviceInfo> = devices
        .filter_map(|device| {
            let id = device.id().ok()?;
            let name = device.description().map(|d| d.name().to_owned()).unwrap_or_else(|_| id.id().to_owned());
            Some(OutputDeviceInfo { is_default: Some(&id) == default_id.as_ref(), id: id.id().to_owned(), name })
        })
        .collect();
    if let Some(default_id) = default_id
        && !list.iter().any(|d| d.is_default)
    {
        list.insert(
            0,
            OutputDeviceInfo { id: default_id.id().to_owned(), name: "Default".to_owned(), is_default: true },
        );
    }
    list.sort_by_key(|d| !d.is_default);
    Ok(list)
}

/// A failure the device reported while running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceFailure {
    /// The device is gone for good.
    Lost(String),
    /// An error that may pass (a sound server's stream still starting up); the device is lost
    /// only if it stops asking for audio.
    Trouble(String),
}

/// An open output stream and the engine's ends of the rings its callback reads.
pub(crate) struct OpenedOutput {
    pub stream: cpal::Stream,
    pub name: String,
    pub rate: u32,
    pub channels: u16,
    pub audio: rtrb::Producer<f32>,
    pub markers: rtrb::Producer<Marker>,
    pub reports: rtrb::Consumer<Consumed>,
}

impl std::fmt::Debug for OpenedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedOutput").field("name", &self.name).field("rate", &self.rate).finish_non_exhaustive()
    }
}

/// Opens the named device (its id or its name), or the default one, with a ring holding
/// `buffer_ms` of stereo frames. `on_lost` is called (once) when the device fails for good.
pub(crate) fn open_output(
    wanted: Option<&str>,
    control: &Arc<RenderControl>,
    buffer_ms: u32,
    on_lost: impl Fn(DeviceFailure) + Send + Clone + 'static,
) -> Result<OpenedOutput, PlaybackError> {
    let host = cpal::default_host();
    let device = match wanted {
        None => host
            .default_output_device()
            .ok_or_else(|| PlaybackError::NoDevice { detail: "the system has no default output".to_owned() })?,
        Some(wanted) => find_device(&host, wanted)?,
    };
    let name =
        device.description().map(|d| d.name().to_owned()).unwrap_or_else(|_| wanted.unwrap_or("default").to_owned());
    let supported = choose_config(&device)?;
    let rate = supported.sample_rate();
    let channels = supported.channels();
    let period = rate / PERIODS_PER_SECOND;
    let ring_frames = (u64::from(rate) * u64::from(buffer_ms) / 1000) as usize;
    let fixed_fits =
        matches!(supported.buffer_size(), SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&period));
    let mut attempts = Vec::new();
    if fixed_fits {
        attempts.push(BufferSize::Fixed(period));
    }
    attempts.push(BufferSize::Default);
    let mut last_error = None;
    for buffer_size in attempts {
        let config = StreamConfig { channels, sample_rate: rate, buffer_size };
        // Each attempt gets its own rings: a failed build drops the callback that owned them.
        let (audio, audio_out) = rtrb::RingBuffer::<f32>::new(ring_frames * 2);
        let (markers, markers_out) = rtrb::RingBuffer::<Marker>::new(ring_frames / 64 + 256);
        let (reports_in, reports) = rtrb::RingBuffer::<Consumed>::new(4096);
        let renderer =
            Renderer::new(audio_out, markers_out, reports_in, Arc::clone(control), usize::from(channels), rate);
        // The stream runs from the start, playing silence until there is something to play:
        // starting a device can take long (a sound server waits to fill its own buffer), and
        // that must not delay the first `play`.
        match build_stream(&device, &config, supported.sample_format(), renderer, control, on_lost.clone())
            .and_then(|stream| stream.play().map(|()| stream))
        {
            Ok(stream) => return Ok(OpenedOutput { stream, name, rate, channels, audio, markers, reports }),
            Err(error) => last_error = Some(error),
        }
    }
    Err(device_error(&last_error.unwrap_or_else(|| cpal::Error::new(ErrorKind::Other))))
}

fn find_device(host: &cpal::Host, wanted: &str) -> Result<cpal::Device, PlaybackError> {
    let devices = host.output_devices().map_err(|error| PlaybackError::NoDevice { detail: error.to_string() })?;
    let mut names = Vec::new();
    for device in devices {
        let id = device.id().ok().map(|id| id.id().to_owned()).unwrap_or_default();
        let name = device.description().map(|d| d.name().to_owned()).unwrap_or_default();
        if id == wanted || name == wanted {
            return Ok(device);
        }
        names.push(id);
    }
    // ALSA names PCMs that are not listed (an `.asoundrc` entry, `plughw:1,0`); opening one by
    // its id still works, so a name the list lacks is tried before giving up.
    if let Some(device) = host.device_by_id(&cpal::DeviceId::new(host.id(), wanted)) {
        return Ok(device);
    }
    Err(PlaybackError::DeviceNotFound { name: wanted.to_owned(), available: names.join(", ") })
}

/// Float or 16-bit samples, stereo when offered, at 48 kHz when offered; else the device's default.
fn choose_config(device: &cpal::Device) -> Result<SupportedStreamConfig, PlaybackError> {
    let default = device.default_output_config().map_err(|error| device_error(&error))?;
    let Ok(ranges) = device.supported_output_configs() else { return Ok(default) };
    let mut best: Option<(u32, SupportedStreamConfig)> = None;
    for range in ranges {
        let format_score = match range.sample_format() {
            SampleFormat::F32 => 4,
            SampleFormat::I16 => 2,
            _ => continue,
        };
        let channel_score = match range.channels() {
            2 => 2,
            1 => 1,
            _ => 0,
        };
        let rate = if range.contains_rate(PREFERRED_RATE) { PREFERRED_RATE } else { default.sample_rate() };
        let Some(config) = range.try_with_sample_rate(rate) else { continue };
        let score = format_score * 10 + channel_score + if rate == PREFERRED_RATE { 100 } else { 0 };
        if best.as_ref().is_none_or(|(best_score, _)| score > *best_score) {
            best = Some((score, config));
        }
    }
    Ok(best.map_or(default, |(_, config)| config))
}

fn build_stream(
    device: &cpal::Device,
    config: &StreamConfig,
    format: SampleFormat,
    mut renderer: Renderer,
    control: &Arc<RenderControl>,
    on_lost: impl Fn(DeviceFailure) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error> {
    let control = Arc::clone(control);
    let reported = AtomicBool::new(false);
    let mut last_trouble: Option<Instant> = None;
    let on_error = move |error: cpal::Error| match error.kind() {
        // Glitches and reroutes leave the stream usable.
        ErrorKind::Xrun => {
            control.underruns.fetch_add(1, Ordering::Relaxed);
        }
        ErrorKind::DeviceChanged | ErrorKind::RealtimeDenied => {}
        ErrorKind::DeviceNotAvailable | ErrorKind::HostUnavailable | ErrorKind::StreamInvalidated => {
            if !reported.swap(true, Ordering::AcqRel) {
                on_lost(DeviceFailure::Lost(error.to_string()));
            }
        }
        // ALSA's PulseAudio plugin answers EIO while its stream starts, and cpal goes on after
        // such errors; the engine decides from whether audio is still being asked for. A failing
        // device can repeat the error in a tight loop, so it is passed on at most every 50 ms.
        _ => {
            if last_trouble.is_none_or(|at| at.elapsed() >= Duration::from_millis(50)) {
                last_trouble = Some(Instant::now());
                on_lost(DeviceFailure::Trouble(error.to_string()));
            }
        }
    };
    match format {
        SampleFormat::I16 => device.build_output_stream::<i16, _, _>(
            *config,
            move |data, info| audio_callback(|| renderer.render(data, info)),
            on_error,
            None,
        ),
        _ => device.build_output_stream::<f32, _, _>(
            *config,
            move |data, info| audio_callback(|| renderer.render(data, info)),
            on_error,
            None,
        ),
    }
}

fn device_error(error: &cpal::Error) -> PlaybackError {
    // cpal's message already names the kind of failure; repeating the kind only doubles it.
    PlaybackError::NoDevice { detail: error.to_string() }
}
