//! Waveform peaks: per channel, the lowest and highest sample in each bin of a fixed number of
//! frames, at several bin widths, so that the review workspace can draw an hour-long call at any
//! zoom without touching the audio.
//!
//! The finest level is built from the samples while the recording decodes; every coarser level is
//! built from the level below it, so the samples are scanned once whatever the number of levels.

use std::ops::Range;

use tingjian_core::{Coded, ErrorCode};

/// Frames per bin of the finest level. At 8 kHz a bin is 8 ms: one pixel per bin is a 12-second
/// window across 1,500 pixels, about the narrowest view a reviewer uses to place a note; anything
/// narrower is better drawn from the decoded samples the player holds anyway.
pub const FINEST_FRAMES_PER_BIN: u32 = 64;

/// How much wider each level's bins are than the level below. With a factor of 4 the level picked
/// for a view never has more than 4 bins per pixel, so drawing costs at most 4 times the pixel
/// count, while the levels above the finest add only a third to the size.
pub const LEVEL_FACTOR: u32 = 4;

/// Levels of bins 64, 256, 1,024, 4,096 and 16,384 frames wide. The coarsest is 2 s per bin at
/// 8 kHz: an hour-long call is 1,800 bins, one per pixel on a wide screen.
pub const LEVEL_COUNT: usize = 5;

/// A peak value divided by this is the sample value (-1.0 to 1.0). It is the scale of 16-bit PCM,
/// so the peaks of a 16-bit recording are its exact sample values; a full-scale positive sample
/// (1.0 and above) saturates at `i16::MAX`.
pub const PEAK_SCALE: f32 = 32768.0;

/// The first bytes of a serialised [`Peaks`], so that a blob of anything else is recognised.
const MAGIC: [u8; 4] = *b"TJPK";

/// The layout [`Peaks::to_bytes`] writes; [`Peaks::from_bytes`] reads this version only.
const FORMAT_VERSION: u16 = 1;

/// Header: magic, version, channels, sample rate, frames, level count, two reserved bytes. The
/// reserved bytes keep the header a multiple of 8 bytes long, so every array that follows starts at
/// an even offset and can be viewed as an `Int16Array` in the UI without copying.
const HEADER_LEN: usize = 24;

/// One entry per level after the header: frames per bin and bin count, both `u32`.
const LEVEL_ENTRY_LEN: usize = 8;

/// More channels than a recording of a phone call can have; a blob that claims more is damaged.
const MAX_CHANNELS: u16 = 256;

/// More levels than any version writes; a blob that claims more is damaged.
const MAX_LEVELS: u16 = 32;

/// Waveform peaks of one recording, finest level first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peaks {
    pub sample_rate: u32,
    pub channels: u16,
    /// Frames the peaks describe. The last bin of a level covers what is left, which can be fewer
    /// frames than the level's width.
    pub frames: u64,
    /// Ordered from the finest (narrowest bins) to the coarsest.
    pub levels: Vec<PeakLevel>,
}

/// The peaks at one bin width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeakLevel {
    pub frames_per_bin: u32,
    /// `min[channel][bin]`: the lowest sample in the bin, times [`PEAK_SCALE`].
    pub min: Vec<Vec<i16>>,
    /// `max[channel][bin]`: the highest sample in the bin, on the same scale.
    pub max: Vec<Vec<i16>>,
}

/// Why a blob could not be read back as [`Peaks`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeaksError {
    #[error("not a waveform peaks blob (wrong magic bytes)")]
    NotPeaks,
    #[error("waveform peaks format version {0} is not supported")]
    UnsupportedVersion(u16),
    #[error("waveform peaks blob is truncated")]
    Truncated,
    #[error("waveform peaks blob is damaged ({0})")]
    Damaged(String),
}

impl Coded for PeaksError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidInput
    }

    fn message_zh(&self) -> String {
        match self {
            PeaksError::NotPeaks => "不是波形峰值数据（标识字节不符）".to_owned(),
            PeaksError::UnsupportedVersion(version) => format!("不支持第 {version} 版波形峰值格式"),
            PeaksError::Truncated => "波形峰值数据不完整".to_owned(),
            PeaksError::Damaged(detail) => format!("波形峰值数据已损坏（{detail}）"),
        }
    }
}

impl Peaks {
    /// The level to draw a view with `frames_per_pixel` frames of audio per pixel: the coarsest
    /// whose bins are no wider than a pixel, so no detail a pixel could show is lost; the finest
    /// level when even its bins are wider than a pixel. `None` only when there are no levels.
    pub fn level_for(&self, frames_per_pixel: f64) -> Option<&PeakLevel> {
        let mut chosen = self.levels.first()?;
        for level in &self.levels {
            if f64::from(level.frames_per_bin) <= frames_per_pixel {
                chosen = level;
            }
        }
        Some(chosen)
    }

    /// The compact binary form, for the vault to store as a blob: a 24-byte header (magic `TJPK`,
    /// version `u16`, channels `u16`, sample rate `u32`, frames `u64`, level count `u16`, two zero
    /// bytes), then per level its frames per bin and bin count (`u32` each), then per level and per
    /// channel the `min` then the `max` array as `i16`. Everything is little-endian. Peaks whose
    /// arrays differ in length (which [`analyse_file`](crate::analyse_file) never makes) give a
    /// blob that [`Peaks::from_bytes`] rejects.
    pub fn to_bytes(&self) -> Vec<u8> {
        let samples: usize =
            self.levels.iter().map(|level| level.min.iter().chain(&level.max).map(Vec::len).sum::<usize>()).sum();
        let mut out = Vec::with_capacity(HEADER_LEN + LEVEL_ENTRY_LEN * self.levels.len() + 2 * samples);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&self.frames.to_le_bytes());
        let level_count = u16::try_from(self.levels.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&level_count.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        for level in &self.levels {
            let bins = level.min.first().map_or(0, Vec::len);
            out.extend_from_slice(&level.frames_per_bin.to_le_bytes());
            out.extend_from_slice(&u32::try_from(bins).unwrap_or(u32::MAX).to_le_bytes());
        }
        for level in &self.levels {
            for (low, high) in level.min.iter().zip(&level.max) {
                for value in low.iter().chain(high) {
                    out.extend_from_slice(&value.to_le_bytes());
                }
            }
        }
        out
    }

    /// Reads what [`Peaks::to_bytes`] wrote. Every count is checked against the length of the
    /// input before anything is allocated, so a damaged or hostile blob is an error, never a panic
    /// or a huge allocation.
    pub fn from_bytes(bytes: &[u8]) -> Result<Peaks, PeaksError> {
        let mut input = Reader { rest: bytes };
        if input.take(MAGIC.len())? != MAGIC {
            return Err(PeaksError::NotPeaks);
        }
        let version = input.u16()?;
        if version != FORMAT_VERSION {
            return Err(PeaksError::UnsupportedVersion(version));
        }
        let channels = input.u16()?;
        let sample_rate = input.u32()?;
        let frames = input.u64()?;
        let level_count = input.u16()?;
        input.take(2)?;
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(PeaksError::Damaged(format!("{channels} channels")));
        }
        if level_count == 0 || level_count > MAX_LEVELS {
            return Err(PeaksError::Damaged(format!("{level_count} levels")));
        }

        let mut shapes = Vec::with_capacity(usize::from(level_count));
        let mut values = 0usize;
        for _ in 0..level_count {
            let frames_per_bin = input.u32()?;
            let bins = input.u32()?;
            if frames_per_bin == 0 || shapes.last().is_some_and(|&(previous, _)| frames_per_bin <= previous) {
                return Err(PeaksError::Damaged("bin widths are not increasing".to_owned()));
            }
            if u64::from(bins) != frames.div_ceil(u64::from(frames_per_bin)) {
                return Err(PeaksError::Damaged(format!(
                    "{bins} bins of {frames_per_bin} frames do not cover {frames} frames"
                )));
            }
            let bins = usize::try_from(bins).map_err(|_| PeaksError::Truncated)?;
            values = bins
                .checked_mul(2 * usize::from(channels))
                .and_then(|level_values| values.checked_add(level_values))
                .ok_or(PeaksError::Truncated)?;
            shapes.push((frames_per_bin, bins));
        }
        match values.checked_mul(2) {
            Some(needed) if needed == input.rest.len() => {}
            Some(needed) if needed < input.rest.len() => {
                return Err(PeaksError::Damaged("trailing bytes after the peaks".to_owned()));
            }
            _ => return Err(PeaksError::Truncated),
        }

        let mut levels = Vec::with_capacity(shapes.len());
        for (frames_per_bin, bins) in shapes {
            let mut min = Vec::with_capacity(usize::from(channels));
            let mut max = Vec::with_capacity(usize::from(channels));
            for _ in 0..channels {
                let low = input.i16s(bins)?;
                let high = input.i16s(bins)?;
                if low.iter().zip(&high).any(|(low, high)| low > high) {
                    return Err(PeaksError::Damaged("a bin's minimum is above its maximum".to_owned()));
                }
                min.push(low);
                max.push(high);
            }
            levels.push(PeakLevel { frames_per_bin, min, max });
        }
        Ok(Peaks { sample_rate, channels, frames, levels })
    }
}

impl PeakLevel {
    /// Bins per channel.
    pub fn bins(&self) -> usize {
        self.min.first().map_or(0, Vec::len)
    }

    /// The lowest and highest sample of `channel` over the bins that overlap `frames`: what one
    /// pixel column shows. `None` for a channel that does not exist or a range with no bins.
    pub fn min_max(&self, channel: usize, frames: Range<u64>) -> Option<(i16, i16)> {
        let width = u64::from(self.frames_per_bin.max(1));
        let first = usize::try_from(frames.start / width).ok()?;
        let end = usize::try_from(frames.end.div_ceil(width)).ok()?;
        let low = self.min.get(channel)?.get(first..end.min(self.bins()))?;
        let high = self.max.get(channel)?.get(first..end.min(self.bins()))?;
        Some((*low.iter().min()?, *high.iter().max()?))
    }
}

/// Takes little-endian values off the front of a byte slice; running out is [`PeaksError::Truncated`].
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], PeaksError> {
        if self.rest.len() < count {
            return Err(PeaksError::Truncated);
        }
        let (head, tail) = self.rest.split_at(count);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PeaksError> {
        self.take(N)?.try_into().map_err(|_| PeaksError::Truncated)
    }

    fn u16(&mut self) -> Result<u16, PeaksError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, PeaksError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, PeaksError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn i16s(&mut self, count: usize) -> Result<Vec<i16>, PeaksError> {
        let bytes = self.take(count.checked_mul(2).ok_or(PeaksError::Truncated)?)?;
        Ok(bytes.chunks_exact(2).map(|pair| i16::from_le_bytes([pair[0], pair[1]])).collect())
    }
}

/// The lowest and highest sample seen so far in the bin being filled, for one channel.
#[derive(Debug, Clone, Copy)]
struct OpenBin {
    low: f32,
    high: f32,
    filled: usize,
}

impl OpenBin {
    const EMPTY: OpenBin = OpenBin { low: f32::INFINITY, high: f32::NEG_INFINITY, filled: 0 };

    /// Appends the bin to its channel's arrays and starts the next one.
    fn close(&mut self, min: &mut Vec<i16>, max: &mut Vec<i16>) {
        if self.low <= self.high {
            min.push(quantise(self.low));
            max.push(quantise(self.high));
        } else {
            // Only NaN samples were seen: draw the bin as silence rather than as an inverted bin.
            min.push(0);
            max.push(0);
        }
        *self = OpenBin::EMPTY;
    }
}

/// Builds the finest level from the samples as they decode, then the coarser ones from it.
#[derive(Debug)]
pub(crate) struct PeakAccumulator {
    sample_rate: u32,
    open: Vec<OpenBin>,
    min: Vec<Vec<i16>>,
    max: Vec<Vec<i16>>,
}

impl PeakAccumulator {
    pub(crate) fn new(channels: usize, sample_rate: u32) -> Self {
        PeakAccumulator {
            sample_rate,
            open: vec![OpenBin::EMPTY; channels],
            min: vec![Vec::new(); channels],
            max: vec![Vec::new(); channels],
        }
    }

    /// Takes the next samples of one channel.
    pub(crate) fn push(&mut self, channel: usize, samples: &[f32]) {
        let (Some(open), Some(min), Some(max)) =
            (self.open.get_mut(channel), self.min.get_mut(channel), self.max.get_mut(channel))
        else {
            return;
        };
        let width = FINEST_FRAMES_PER_BIN as usize;
        let mut rest = samples;
        while !rest.is_empty() {
            let (head, tail) = rest.split_at((width - open.filled).min(rest.len()));
            let (low, high) = extremes(head);
            open.low = open.low.min(low);
            open.high = open.high.max(high);
            open.filled += head.len();
            if open.filled == width {
                open.close(min, max);
            }
            rest = tail;
        }
    }

    /// Closes the last, partial bin and derives the coarser levels from the finest.
    pub(crate) fn finish(mut self, frames: u64) -> Peaks {
        for ((open, min), max) in self.open.iter_mut().zip(&mut self.min).zip(&mut self.max) {
            if open.filled > 0 {
                open.close(min, max);
            }
        }
        let mut levels = Vec::with_capacity(LEVEL_COUNT);
        levels.push(PeakLevel { frames_per_bin: FINEST_FRAMES_PER_BIN, min: self.min, max: self.max });
        while levels.len() < LEVEL_COUNT {
            let Some(finer) = levels.last() else { break };
            let group = LEVEL_FACTOR as usize;
            let coarser = PeakLevel {
                frames_per_bin: finer.frames_per_bin * LEVEL_FACTOR,
                min: finer
                    .min
                    .iter()
                    .map(|bins| bins.chunks(group).filter_map(|c| c.iter().min().copied()).collect())
                    .collect(),
                max: finer
                    .max
                    .iter()
                    .map(|bins| bins.chunks(group).filter_map(|c| c.iter().max().copied()).collect())
                    .collect(),
            };
            levels.push(coarser);
        }
        let channels = u16::try_from(self.open.len()).unwrap_or(u16::MAX);
        Peaks { sample_rate: self.sample_rate, channels, frames, levels }
    }
}

/// Lanes the sample loops are split into: eight independent minima, maxima or sums let the
/// compiler use SIMD and keep the CPU from waiting on one long chain of dependent operations,
/// which made these loops cost more than the decoding itself.
pub(crate) const LANES: usize = 8;

/// The lowest and highest of `samples` (infinities for none). `f32::min` and `f32::max` skip NaN,
/// so a corrupt float sample cannot poison a bin. (Written with fixed-size chunks and `zip`
/// because that is the shape the compiler turns into SIMD minimum and maximum instructions; an
/// `if sample < low` version compiled to a tangle of shuffles three times as slow.)
fn extremes(samples: &[f32]) -> (f32, f32) {
    let mut low = [f32::INFINITY; LANES];
    let mut high = [f32::NEG_INFINITY; LANES];
    let (chunks, remainder) = samples.as_chunks::<LANES>();
    for chunk in chunks {
        for ((low, high), &sample) in low.iter_mut().zip(high.iter_mut()).zip(chunk) {
            *low = low.min(sample);
            *high = high.max(sample);
        }
    }
    for ((low, high), &sample) in low.iter_mut().zip(high.iter_mut()).zip(remainder) {
        *low = low.min(sample);
        *high = high.max(sample);
    }
    (low.iter().fold(f32::INFINITY, |a, &b| a.min(b)), high.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)))
}

/// Scales a sample to the `i16` range. `as` saturates, so clipped float samples beyond ±1.0 stay
/// at full scale and NaN becomes 0.
fn quantise(sample: f32) -> i16 {
    (sample * PEAK_SCALE).round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Peaks of 1,000 frames of two channels built the way a decode builds them.
    fn sample_peaks() -> Peaks {
        let mut accumulator = PeakAccumulator::new(2, 8000);
        let left: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.05).sin() * 0.5).collect();
        let right: Vec<f32> = (0..1000).map(|i| if i == 700 { -1.0 } else { 0.01 }).collect();
        // Uneven pieces, as decoders deliver them.
        for range in [0..1, 1..300, 300..301, 301..1000] {
            accumulator.push(0, &left[range.clone()]);
            accumulator.push(1, &right[range]);
        }
        accumulator.finish(1000)
    }

    #[test]
    fn levels_cover_the_frames_and_pick_by_zoom() {
        let peaks = sample_peaks();
        let widths: Vec<u32> = peaks.levels.iter().map(|level| level.frames_per_bin).collect();
        assert_eq!(widths, vec![64, 256, 1024, 4096, 16384]);
        let bins: Vec<usize> = peaks.levels.iter().map(PeakLevel::bins).collect();
        assert_eq!(bins, vec![16, 4, 1, 1, 1]);
        let width_for = |fpp: f64| peaks.level_for(fpp).map(|level| level.frames_per_bin);
        assert_eq!(width_for(1.0), Some(64), "finer than the finest: the finest");
        assert_eq!(width_for(64.0), Some(64));
        assert_eq!(width_for(1000.0), Some(256));
        assert_eq!(width_for(5000.0), Some(4096));
        assert_eq!(width_for(1e9), Some(16384));
        assert_eq!(width_for(f64::NAN), Some(64));
        let empty = Peaks { levels: Vec::new(), ..peaks.clone() };
        assert!(empty.level_for(100.0).is_none());
    }

    #[test]
    fn min_max_spans_the_bins_a_pixel_covers() {
        let peaks = sample_peaks();
        let finest = &peaks.levels[0];
        assert_eq!(finest.min_max(1, 0..64), Some((328, 328)));
        assert_eq!(finest.min_max(1, 690..710), Some((i16::MIN, 328)));
        assert_eq!(finest.min_max(1, 0..1000), Some((i16::MIN, 328)));
        assert_eq!(finest.min_max(0, 0..1000), Some((-16384, 16384)));
        assert_eq!(finest.min_max(2, 0..64), None, "no third channel");
        assert_eq!(finest.min_max(0, 5000..6000), None, "past the end");
        assert_eq!(peaks.levels[4].min_max(1, 0..1), Some((i16::MIN, 328)));
    }

    #[test]
    fn bytes_round_trip() {
        let peaks = sample_peaks();
        let bytes = peaks.to_bytes();
        assert_eq!(&bytes[..4], b"TJPK");
        assert_eq!(bytes.len(), HEADER_LEN + 5 * LEVEL_ENTRY_LEN + 2 * 2 * 2 * (16 + 4 + 1 + 1 + 1));
        assert_eq!(Peaks::from_bytes(&bytes), Ok(peaks));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample_peaks().to_bytes();
        for cut in 0..bytes.len() {
            assert!(Peaks::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// The serialised sample with `edit` applied to it.
    fn damaged(edit: impl FnOnce(&mut Vec<u8>)) -> Result<Peaks, PeaksError> {
        let mut bytes = sample_peaks().to_bytes();
        edit(&mut bytes);
        Peaks::from_bytes(&bytes)
    }

    #[test]
    fn damaged_headers_and_bodies_are_errors() {
        assert_eq!(damaged(|b| b[0] = b'X'), Err(PeaksError::NotPeaks));
        assert_eq!(damaged(|b| b[4] = 2), Err(PeaksError::UnsupportedVersion(2)));
        assert!(matches!(damaged(|b| b[6..8].copy_from_slice(&0u16.to_le_bytes())), Err(PeaksError::Damaged(_))));
        // Three channels claimed, data for two: the body is too short.
        assert_eq!(damaged(|b| b[6] = 3), Err(PeaksError::Truncated));
        // More frames than the bins cover.
        assert!(matches!(damaged(|b| b[12..20].copy_from_slice(&5000u64.to_le_bytes())), Err(PeaksError::Damaged(_))));
        assert!(matches!(damaged(|b| b[20..22].copy_from_slice(&0u16.to_le_bytes())), Err(PeaksError::Damaged(_))));
        assert!(matches!(damaged(|b| b[20..22].copy_from_slice(&999u16.to_le_bytes())), Err(PeaksError::Damaged(_))));
        // The second level as narrow as the first.
        assert!(matches!(
            damaged(|b| b[HEADER_LEN + 8..HEADER_LEN + 12].copy_from_slice(&64u32.to_le_bytes())),
            Err(PeaksError::Damaged(_))
        ));
        assert!(matches!(damaged(|b| b.push(0)), Err(PeaksError::Damaged(_))));
        // The first minimum raised above its maximum.
        let body = HEADER_LEN + 5 * LEVEL_ENTRY_LEN;
        assert!(matches!(
            damaged(|b| b[body..body + 2].copy_from_slice(&i16::MAX.to_le_bytes())),
            Err(PeaksError::Damaged(_))
        ));
    }

    #[test]
    fn huge_claims_fail_without_allocating_them() {
        // A header that claims u64::MAX frames in bins of one frame: the sizes overflow, and the
        // check against the input's length comes before any allocation.
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"TJPK");
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&256u16.to_le_bytes());
        bytes.extend_from_slice(&8000u32.to_le_bytes());
        bytes.extend_from_slice(&u64::from(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Peaks::from_bytes(&bytes), Err(PeaksError::Truncated));
    }

    #[test]
    fn garbage_is_an_error() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let valid = sample_peaks().to_bytes();
        for round in 0..2000 {
            let len = (next() % 300) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Half the time keep a valid header so the damage reaches the level table and body.
            if round % 2 == 0 {
                let keep = (next() as usize % 40).min(bytes.len());
                bytes[..keep].copy_from_slice(&valid[..keep]);
            }
            assert!(Peaks::from_bytes(&bytes).is_err(), "round {round}");
        }
        // Flipping any single byte of a valid blob never panics (some flips, in sample values,
        // still give valid peaks).
        for index in 0..valid.len() {
            let mut bytes = valid.clone();
            bytes[index] ^= 0x5A;
            let _ = Peaks::from_bytes(&bytes);
        }
    }

    #[test]
    fn errors_explain_themselves_in_both_languages() {
        let error = PeaksError::UnsupportedVersion(9);
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        assert!(error.message_zh().contains('9') && error.message_en().contains('9'));
    }
}
