//! Decoding a recording piece by piece, with sample-accurate seeking, for the player.
//!
//! Import decodes a whole file in one pass ([`crate::probe_file`]); a player cannot wait for that
//! and must be able to jump. [`StreamingDecoder`] reads the same way (the shared codec and format
//! registries of `tingjian-codecs`, damaged packets skipped and counted), so the frames it returns
//! are numbered on the same timeline as the analytics: frame 0 is the first decoded frame.
//!
//! Seeking lands on the exact frame asked for. For plain PCM in WAV and for FLAC the container's
//! timestamps are the decoded-frame timeline, so the reader seeks by timestamp and the decoder
//! drops the frames before the target inside the first packet. For every other codec the packet
//! timestamps can differ from the decoded frames (MP3 and AAC priming, Opus pre-skip, block
//! padding), so the stream is reopened and decoded from the start, throwing away the frames
//! before the target: slower for a long compressed call, but it can never land somewhere else
//! than import measured.

use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoder;
use symphonia::core::errors::Error as DecodeFailure;
use symphonia::core::formats::{FormatReader, SeekMode, SeekTo};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::units::Timestamp;

use crate::decode::{OpenedTrack, contained, open_file, open_track};
use crate::probe::AudioError;

/// After this many damaged packets in a row the rest of the file is taken as unreadable, the way
/// the whole-file decode does.
const MAX_DAMAGED_IN_A_ROW: u64 = 1000;

/// A recording opened for reading in order, with seeking.
pub struct StreamingDecoder {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    sample_rate: u32,
    channels: u16,
    codec: String,
    /// Whether packet timestamps equal the decoded-frame timeline (see the module comment).
    timestamps_are_frames: bool,
    /// The frame number of the next frame [`Self::next_block`] returns.
    position: u64,
    /// Frames still to drop from the next decoded buffers to land exactly on a seek target.
    skip: u64,
    planes: Vec<Vec<f32>>,
    damaged_packets: u64,
    damaged_in_a_row: u64,
    finished: bool,
}

impl std::fmt::Debug for StreamingDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingDecoder")
            .field("path", &self.path)
            .field("codec", &self.codec)
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("position", &self.position)
            .field("damaged_packets", &self.damaged_packets)
            .finish_non_exhaustive()
    }
}

/// One decoded piece of the recording: planar samples in -1.0..=1.0, one slice per channel.
#[derive(Debug)]
pub struct DecodedBlock<'a> {
    /// The frame number of the first frame in `planes`.
    pub start_frame: u64,
    pub planes: &'a [Vec<f32>],
}

impl DecodedBlock<'_> {
    pub fn frames(&self) -> usize {
        self.planes.first().map_or(0, Vec::len)
    }
}

impl StreamingDecoder {
    /// Opens a recording at its first frame.
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let file = open_file(path)?;
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let OpenedTrack { format, decoder, track_id, container, codec, sample_rate, channels, .. } =
            open_track(stream, path)?;
        let timestamps_are_frames =
            (container == "wave" || container == "wav") && codec.starts_with("pcm") || codec == "flac";
        Ok(StreamingDecoder {
            path: path.to_owned(),
            format,
            decoder,
            track_id,
            sample_rate,
            channels,
            codec,
            timestamps_are_frames,
            position: 0,
            skip: 0,
            planes: Vec::new(),
            damaged_packets: 0,
            damaged_in_a_row: 0,
            finished: false,
        })
    }

    /// Frames per second of the decoded audio (which for Opus is always 48 kHz).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Channels of the decoded audio, as the header says until the first block is decoded.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// The codec's short name, e.g. `pcm_s16le`, `mp3`, `opus`.
    pub fn codec(&self) -> &str {
        &self.codec
    }

    /// The frame number of the next frame to be returned.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Packets that failed to decode and were skipped so far.
    pub fn damaged_packets(&self) -> u64 {
        self.damaged_packets
    }

    /// The next decoded block, or `None` at the end of what can be decoded. Damaged packets are
    /// skipped (and counted); a read error ends the stream, as a truncated file ends.
    pub fn next_block(&mut self) -> Option<DecodedBlock<'_>> {
        loop {
            if self.finished {
                return None;
            }
            // A reader or decoder that panics ends the stream there, as in the whole-file decode
            // (see `contained`).
            let Ok(next) = contained(|| self.format.next_packet()) else {
                self.finished = true;
                return None;
            };
            let packet = match next {
                Ok(Some(packet)) => packet,
                Ok(None) | Err(DecodeFailure::IoError(_)) | Err(DecodeFailure::ResetRequired) => {
                    self.finished = true;
                    return None;
                }
                Err(_) => {
                    if self.count_damage() {
                        return None;
                    }
                    continue;
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let Ok(decoded) = contained(|| self.decoder.decode(&packet)) else {
                self.damaged_packets += 1;
                self.finished = true;
                return None;
            };
            let buffer = match decoded {
                Ok(buffer) => buffer,
                Err(DecodeFailure::DecodeError(_)) | Err(DecodeFailure::IoError(_)) => {
                    if self.count_damage() {
                        return None;
                    }
                    continue;
                }
                Err(_) => {
                    self.finished = true;
                    return None;
                }
            };
            self.damaged_in_a_row = 0;
            let frames = buffer.frames() as u64;
            // The first MP3 and Vorbis packets decode to 0 frames.
            if frames == 0 {
                continue;
            }
            if self.skip >= frames {
                self.skip -= frames;
                continue;
            }
            self.channels = buffer.spec().channels().count() as u16;
            buffer.copy_to_vecs_planar(&mut self.planes);
            let skip = std::mem::take(&mut self.skip) as usize;
            if skip > 0 {
                for plane in &mut self.planes {
                    plane.drain(..skip);
                }
            }
            let start_frame = self.position;
            self.position += frames - skip as u64;
            return Some(DecodedBlock { start_frame, planes: &self.planes });
        }
    }

    /// Counts a damaged packet; true when there were so many in a row that the stream ends.
    fn count_damage(&mut self) -> bool {
        self.damaged_packets += 1;
        self.damaged_in_a_row += 1;
        if self.damaged_in_a_row > MAX_DAMAGED_IN_A_ROW {
            self.finished = true;
        }
        self.finished
    }

    /// Moves to `frame`, so that the next block starts exactly there. A frame past the end of
    /// what decodes leaves the stream at its end.
    pub fn seek(&mut self, frame: u64) -> Result<(), AudioError> {
        if self.timestamps_are_frames && self.seek_by_timestamp(frame) {
            return Ok(());
        }
        if frame < self.position || self.finished {
            let damaged = self.damaged_packets;
            *self = StreamingDecoder::open(&self.path)?;
            // Damage already counted was seen once; counting it again on every seek would
            // overstate how broken the file is.
            self.damaged_packets = damaged;
        }
        self.skip = frame - self.position;
        self.position = frame;
        Ok(())
    }

    /// Seeks with the container's index; false when the reader cannot, so that the caller
    /// falls back to decoding from the start.
    fn seek_by_timestamp(&mut self, frame: u64) -> bool {
        let Ok(ts) = i64::try_from(frame) else { return false };
        let to = SeekTo::Timestamp { ts: Timestamp::new(ts), track_id: self.track_id };
        match contained(|| self.format.seek(SeekMode::Accurate, to)) {
            Ok(Ok(seeked)) => {
                let actual = seeked.actual_ts.get();
                if actual < 0 || actual as u64 > frame {
                    return false;
                }
                self.decoder.reset();
                self.finished = false;
                self.position = frame;
                self.skip = frame - actual as u64;
                true
            }
            // A reader that failed or panicked on the seek is reopened from the start instead.
            Ok(Err(_)) | Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_ramp(path: &Path, frames: u32, rate: u32) {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
        for i in 0..frames {
            // Each frame's value encodes its own number, so a test can tell where a block starts.
            writer.write_sample((i % 30_000) as i16).expect("write");
            writer.write_sample(-((i % 30_000) as i16)).expect("write");
        }
        writer.finalize().expect("finalize");
    }

    fn frame_number(sample: f32) -> u64 {
        (sample * 32768.0).round() as u64
    }

    #[test]
    fn reads_every_frame_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ramp.wav");
        write_ramp(&path, 20_000, 8000);
        let mut decoder = StreamingDecoder::open(&path).expect("open");
        let mut next = 0u64;
        while let Some(block) = decoder.next_block() {
            assert_eq!(block.start_frame, next);
            assert_eq!(frame_number(block.planes[0][0]), next);
            next += block.frames() as u64;
        }
        assert_eq!(next, 20_000);
    }

    #[test]
    fn seeks_land_on_the_exact_frame_forwards_and_backwards() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ramp.wav");
        write_ramp(&path, 20_000, 8000);
        let mut decoder = StreamingDecoder::open(&path).expect("open");
        for target in [12_345u64, 17, 19_999, 4_000, 0] {
            decoder.seek(target).expect("seek");
            let block = decoder.next_block().expect("a block after the seek");
            assert_eq!(block.start_frame, target);
            assert_eq!(frame_number(block.planes[0][0]), target, "seek to {target}");
        }
        decoder.seek(25_000).expect("seek past the end");
        assert!(decoder.next_block().is_none());
    }
}
