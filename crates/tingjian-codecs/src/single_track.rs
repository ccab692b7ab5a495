//! The part of a symphonia [`FormatReader`] that is the same for both storage formats of this
//! crate (AMR and GSM in WAVE): one track, the metadata and chapters handed in by the caller, and
//! the conversion of a seek request into a frame number checked against the track's length. A
//! format supplies only what differs through [`SingleTrackFormat`] (reading its header, cutting
//! packets, finding the packet that holds a frame), and [`SingleTrackReader`] is the symphonia
//! reader for it.

use symphonia::core::errors::{Error, Result, SeekErrorKind, seek_error};
use symphonia::core::formats::prelude::*;
use symphonia::core::formats::probe::{ProbeFormatData, ProbeableFormat, Score, Scoreable};
use symphonia::core::io::{MediaSourceStream, ScopedStream};
use symphonia::core::meta::{Metadata, MetadataLog};

/// What one storage format contributes to its [`SingleTrackReader`].
pub trait SingleTrackFormat: Send + Sync + Sized + std::fmt::Debug + 'static {
    /// The format as symphonia names it.
    const INFO: FormatInfo;

    /// The extensions, MIME types and markers by which symphonia's probe finds candidates.
    const PROBE_DATA: &'static [ProbeFormatData];

    /// How sure the format is that the stream is its own, from the stream's first bytes.
    fn score(src: ScopedStream<&mut MediaSourceStream<'_>>) -> Result<Score>;

    /// Reads the header up to the first packet and returns the format's reading state with the
    /// stream's one track (id 0).
    fn open(source: &mut MediaSourceStream<'_>) -> Result<(Self, Track)>;

    /// Reads the next packet of track 0, or `None` at the end of the stream.
    fn next_packet(&mut self, source: &mut MediaSourceStream<'_>) -> Result<Option<Packet>>;

    /// Moves to the packet that holds frame `required` (never beyond the track's known length)
    /// and returns the first frame of that packet.
    fn seek_to_frame(&mut self, source: &mut MediaSourceStream<'_>, required: u64) -> Result<u64>;
}

/// The symphonia format reader for one [`SingleTrackFormat`].
pub struct SingleTrackReader<'s, F: SingleTrackFormat> {
    source: MediaSourceStream<'s>,
    tracks: Vec<Track>,
    media_info: MediaInfo,
    metadata: MetadataLog,
    chapters: Option<ChapterGroup>,
    format: F,
}

impl<F: SingleTrackFormat> std::fmt::Debug for SingleTrackReader<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleTrackReader").field("format", &self.format).finish_non_exhaustive()
    }
}

impl<'s, F: SingleTrackFormat> SingleTrackReader<'s, F> {
    pub fn try_new(mut source: MediaSourceStream<'s>, opts: FormatOptions) -> Result<Self> {
        let (format, track) = F::open(&mut source)?;
        Ok(Self {
            source,
            media_info: MediaInfo::from_track(&track),
            tracks: vec![track],
            metadata: opts.external_data.metadata.unwrap_or_default(),
            chapters: opts.external_data.chapters,
            format,
        })
    }
}

impl<F: SingleTrackFormat> Scoreable for SingleTrackReader<'_, F> {
    fn score(src: ScopedStream<&mut MediaSourceStream<'_>>) -> Result<Score> {
        F::score(src)
    }
}

impl<F: SingleTrackFormat> ProbeableFormat<'_> for SingleTrackReader<'_, F> {
    fn try_probe_new(source: MediaSourceStream<'_>, opts: FormatOptions) -> Result<Box<dyn FormatReader + '_>> {
        Ok(Box::new(SingleTrackReader::<F>::try_new(source, opts)?))
    }

    fn probe_data() -> &'static [ProbeFormatData] {
        F::PROBE_DATA
    }
}

impl<F: SingleTrackFormat> FormatReader for SingleTrackReader<'_, F> {
    fn format_info(&self) -> &FormatInfo {
        &F::INFO
    }

    fn media_info(&self) -> &MediaInfo {
        &self.media_info
    }

    fn metadata(&mut self) -> Metadata<'_> {
        self.metadata.metadata()
    }

    fn chapters(&self) -> Option<&ChapterGroup> {
        self.chapters.as_ref()
    }

    fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    fn next_packet(&mut self) -> Result<Option<Packet>> {
        self.format.next_packet(&mut self.source)
    }

    fn seek(&mut self, _mode: SeekMode, to: SeekTo) -> Result<SeekedTo> {
        let track = &self.tracks[0];
        let required_ts = match to {
            SeekTo::Timestamp { ts, .. } => ts,
            SeekTo::Time { time, .. } => {
                let time_base = track.time_base.ok_or(Error::SeekError(SeekErrorKind::Unseekable))?;
                time_base.calc_timestamp(time).ok_or(Error::SeekError(SeekErrorKind::OutOfRange))?
            }
        };
        let Ok(required) = u64::try_from(required_ts.get()) else {
            return seek_error(SeekErrorKind::OutOfRange);
        };
        if track.num_frames.is_some_and(|frames| required > frames) {
            return seek_error(SeekErrorKind::OutOfRange);
        }
        let actual = self.format.seek_to_frame(&mut self.source, required)?;
        let Ok(actual) = i64::try_from(actual) else {
            return seek_error(SeekErrorKind::OutOfRange);
        };
        Ok(SeekedTo { track_id: 0, actual_ts: Timestamp::new(actual), required_ts })
    }

    fn into_inner<'a>(self: Box<Self>) -> MediaSourceStream<'a>
    where
        Self: 'a,
    {
        self.source
    }
}
