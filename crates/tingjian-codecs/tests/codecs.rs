//! Recordings made in the test with espeak-ng, sox and ffmpeg (the tools the demo generator uses),
//! decoded through this crate's registries with no format hint, and compared with the 8 kHz
//! speech they were encoded from: length, and the loudness envelope over time (lossy speech codecs
//! do not keep the waveform, but they do keep when and how loud someone speaks).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, Timestamp};
use tingjian_codecs::{AmrNbDecoder, CODEC_ID_AMR_NB, CODEC_ID_GSM_MS, GsmDecoder, OpusDecoder, codecs, probe};

const SOURCE_RATE: u32 = 8000;
/// The words spoken: a customer's complaint, about 8 seconds.
const SPEECH: &str = "ni3 hao3, wo3 xiang3 tou2 su4 yi2 xia4 ni3 men5 de5 fu2 wu4. \
    wo3 zuo2 tian1 zai4 yin2 hang2 deng3 le5 yi2 ge4 xiao3 shi2, mei2 you3 ren2 guan3 wo3.";

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|error| panic!("{program} could not run ({error}); the tests need espeak-ng, sox and ffmpeg"));
    assert!(status.success(), "{program} {args:?} failed: {status}");
}

/// The source speech and its encodings, made once per test run.
struct Fixtures {
    _dir: tempfile::TempDir,
    source: PathBuf,
    opus: PathBuf,
    gsm: PathBuf,
    amr: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = |name: &str| dir.path().join(name);
        let spoken = path("spoken.wav");
        let source = path("source.wav");
        let s = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
        run("espeak-ng", &["-v", "cmn-latn-pinyin+f3", "-w", &s(&spoken), SPEECH]);
        run("sox", &[&s(&spoken), "-r", "8000", "-c", "1", "-b", "16", &s(&source)]);
        let ffmpeg = |codec: &str, out: &Path| {
            run("ffmpeg", &["-v", "error", "-y", "-i", &s(&source), "-c:a", codec, &s(out)]);
        };
        let (opus, gsm, amr) = (path("call.opus"), path("call-gsm.wav"), path("call.amr"));
        ffmpeg("libopus", &opus);
        ffmpeg("libgsm_ms", &gsm);
        run("sox", &[&s(&source), "-t", "amr-nb", &s(&amr)]);
        Fixtures { _dir: dir, source, opus, gsm, amr }
    })
}

/// What decoding a stream through the crate's registries gave.
#[derive(Debug)]
struct Decoded {
    container: String,
    codec: String,
    rate: u32,
    channels: usize,
    header_frames: Option<u64>,
    /// The first channel's samples.
    samples: Vec<f32>,
    damaged_packets: usize,
    /// The error that ended reading early, if any.
    read_error: Option<String>,
}

fn decode_bytes(bytes: Vec<u8>) -> Result<Decoded, Error> {
    let stream = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut format = probe().probe(&Hint::new(), stream, FormatOptions::default(), MetadataOptions::default())?;
    let container = format.format_info().short_name.to_owned();
    let track = format.default_track(TrackType::Audio).ok_or(Error::Unsupported("no audio track"))?;
    let (track_id, header_frames) = (track.id, track.num_frames);
    let params = track.codec_params.as_ref().and_then(|p| p.audio()).cloned().ok_or(Error::Unsupported("no params"))?;
    let mut decoder = codecs().make_audio_decoder(&params, &AudioDecoderOptions::default())?;
    let codec = decoder.codec_info().short_name.to_owned();
    let mut decoded = Decoded {
        container,
        codec,
        rate: params.sample_rate.unwrap_or(0),
        channels: 0,
        header_frames,
        samples: Vec::new(),
        damaged_packets: 0,
        read_error: None,
    };
    let mut planes: Vec<Vec<f32>> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(error) => {
                decoded.read_error = Some(error.to_string());
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buffer) => {
                decoded.rate = buffer.spec().rate();
                decoded.channels = buffer.spec().channels().count();
                buffer.copy_to_vecs_planar(&mut planes);
                if let Some(first) = planes.first() {
                    decoded.samples.extend_from_slice(first);
                }
            }
            Err(Error::DecodeError(_)) => decoded.damaged_packets += 1,
            Err(error) => return Err(error),
        }
    }
    Ok(decoded)
}

fn decode(path: &Path) -> Decoded {
    let bytes = std::fs::read(path).expect("read fixture");
    decode_bytes(bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn source() -> &'static Decoded {
    static SOURCE: OnceLock<Decoded> = OnceLock::new();
    SOURCE.get_or_init(|| decode(&fixtures().source))
}

/// Loudness (RMS) over 10 ms windows, one value per millisecond, so that offsets show to the
/// millisecond.
fn envelope(samples: &[f32], rate: u32) -> Vec<f64> {
    let (window, hop) = ((rate / 100) as usize, (rate / 1000) as usize);
    let mut energy = vec![0.0f64; samples.len() + 1];
    for (i, &s) in samples.iter().enumerate() {
        energy[i + 1] = energy[i] + f64::from(s) * f64::from(s);
    }
    (0..samples.len().saturating_sub(window) / hop)
        .map(|k| ((energy[k * hop + window] - energy[k * hop]) / window as f64).sqrt())
        .collect()
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mean = |x: &[f64]| x.iter().sum::<f64>() / n as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// The envelope correlation with the source at the best lag within ±50 ms, and that lag in
/// milliseconds (positive: the decoded audio comes late).
fn best_correlation(decoded: &Decoded) -> (f64, i64) {
    let reference = envelope(&source().samples, SOURCE_RATE);
    let candidate = envelope(&decoded.samples, decoded.rate);
    (-50i64..=50)
        .map(|lag| {
            let shift = lag.unsigned_abs() as usize;
            let r = if lag >= 0 {
                pearson(&reference, &candidate[shift..])
            } else {
                pearson(&reference[shift..], &candidate)
            };
            (r, lag)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("lags to try")
}

fn duration_ms(frames: usize, rate: u32) -> f64 {
    frames as f64 * 1000.0 / f64::from(rate)
}

/// Checks one encoding against the source and returns (decoded − source duration in ms,
/// correlation, lag in ms) for the report.
fn check(path: &Path, container: &str, codec: &str, rate: u32, duration_slack_ms: f64) -> (f64, f64, i64) {
    let decoded = decode(path);
    assert_eq!((decoded.container.as_str(), decoded.codec.as_str(), decoded.rate), (container, codec, rate));
    assert_eq!(decoded.damaged_packets, 0, "{decoded:?}");
    assert_eq!(decoded.read_error, None);
    let source_ms = duration_ms(source().samples.len(), SOURCE_RATE);
    let decoded_ms = duration_ms(decoded.samples.len(), decoded.rate);
    let difference = decoded_ms - source_ms;
    let (correlation, lag) = best_correlation(&decoded);
    eprintln!(
        "{codec}: source {source_ms:.1} ms, decoded {decoded_ms:.1} ms ({difference:+.1} ms), header frames {:?}, \
         envelope correlation {correlation:.3} at lag {lag} ms, at lag 0 {:.3}",
        decoded.header_frames,
        pearson(&envelope(&source().samples, SOURCE_RATE), &envelope(&decoded.samples, decoded.rate)),
    );
    assert!(difference.abs() <= duration_slack_ms, "{codec}: duration off by {difference:.1} ms");
    assert!(correlation >= 0.9, "{codec}: envelope correlation {correlation:.3}");
    assert!(lag.abs() <= 20, "{codec}: audio shifted by {lag} ms");
    (difference, correlation, lag)
}

#[test]
fn opus_decodes_at_48_khz_with_pre_skip_and_padding_trimmed() {
    // The Ogg granule positions say exactly how many samples are real, so the length matches to
    // the sample once the pre-skip (312 samples at 48 kHz from ffmpeg) and the end padding are cut.
    let (difference, _, _) = check(&fixtures().opus, "ogg", "opus", 48_000, 30.0);
    assert!(difference.abs() < 1.0, "{difference} ms");
}

#[test]
fn stereo_opus_keeps_both_channels() {
    // Call recorders often store the agent and the customer as the two channels of one file.
    let dir = tempfile::tempdir().expect("temporary directory");
    let stereo = dir.path().join("stereo.opus");
    let input = fixtures().source.to_str().expect("utf-8 path");
    let out = stereo.to_str().expect("utf-8 path");
    run("ffmpeg", &["-v", "error", "-y", "-i", input, "-ac", "2", "-c:a", "libopus", out]);
    let decoded = decode(&stereo);
    assert_eq!((decoded.channels, decoded.rate, decoded.damaged_packets), (2, 48_000, 0));
    assert_eq!(decoded.samples.len(), source().samples.len() * 6);
}

#[test]
fn gsm_in_wav_decodes_to_whole_blocks() {
    // ffmpeg writes the block-rounded sample count into the fact chunk, so up to 319 samples
    // (39.9 ms) of padding at the end of the last block count as audio; a writer that records the
    // exact count (Asterisk, Windows) gets it trimmed.
    check(&fixtures().gsm, "wave", "gsm_ms", 8000, 40.0);
}

#[test]
fn amr_nb_decodes_in_20_ms_frames() {
    // The storage format holds whole 20 ms frames, so the end is rounded up to the next frame.
    check(&fixtures().amr, "amr", "amr_nb", 8000, 20.0);
}

#[test]
fn gsm_fact_chunk_trims_the_last_block() {
    // Rewrite ffmpeg's rounded fact count to the source's exact length, as Asterisk writes it.
    let mut bytes = std::fs::read(&fixtures().gsm).expect("read fixture");
    let fact = bytes.windows(4).position(|w| w == b"fact").expect("ffmpeg writes a fact chunk");
    let exact = u32::try_from(source().samples.len()).expect("short source");
    bytes[fact + 8..fact + 12].copy_from_slice(&exact.to_le_bytes());
    let decoded = decode_bytes(bytes).expect("decodes");
    assert_eq!(decoded.samples.len(), source().samples.len());
    assert_eq!(decoded.header_frames, Some(u64::from(exact)));
}

#[test]
fn plain_wav_still_goes_to_symphonias_reader() {
    let decoded = source();
    assert_eq!((decoded.container.as_str(), decoded.codec.as_str()), ("wave", "pcm_s16le"));
}

/// A deterministic generator (xorshift64*), so the damage is the same on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, count: usize) -> Vec<u8> {
        (0..count).map(|_| (self.next() >> 56) as u8).collect()
    }
}

fn encodings() -> [&'static Path; 3] {
    let f = fixtures();
    [&f.opus, &f.gsm, &f.amr]
}

#[test]
fn truncated_files_end_early_with_an_error() {
    for path in encodings() {
        let bytes = std::fs::read(path).expect("read fixture");
        let full = decode(path).samples.len();
        // Cut inside the audio at a point that is no unit boundary: the reader decodes what is
        // whole and then reports the cut.
        let cut = bytes.len() * 3 / 5 + 7;
        let decoded = decode_bytes(bytes[..cut].to_vec()).expect("the start still decodes");
        assert!(decoded.samples.len() < full * 7 / 10, "{}: {} of {full}", path.display(), decoded.samples.len());
        assert!(decoded.read_error.is_some() || decoded.samples.len() < full, "{}", path.display());
        eprintln!("{}: cut to {cut} bytes, read error {:?}", path.display(), decoded.read_error);
        // Cut inside the header: nothing to decode.
        for cut in [3, 5, 12] {
            let result = decode_bytes(bytes[..cut].to_vec());
            assert!(result.as_ref().map(|d| d.samples.is_empty()).unwrap_or(true), "{cut}: {result:?}");
        }
    }
}

#[test]
fn garbage_fails_to_probe() {
    let mut noise = Noise(0x5eed);
    for size in [0, 1, 100, 4096, 200_000] {
        let result = decode_bytes(noise.bytes(size));
        assert!(result.is_err(), "{size} random bytes probed as {result:?}");
    }
}

#[test]
fn damaged_audio_decodes_without_panicking() {
    // Valid headers followed by damage, the way a bad disk or a broken upload leaves a file: every
    // packet either decodes to something or fails on its own.
    let mut noise = Noise(2026);
    for path in encodings() {
        let original = std::fs::read(path).expect("read fixture");
        for round in 0..20 {
            let mut bytes = original.clone();
            let start = 100.min(bytes.len());
            for _ in 0..(round + 1) * 20 {
                let at = start + (noise.next() as usize) % (bytes.len() - start);
                bytes[at] = (noise.next() >> 56) as u8;
            }
            let _ = decode_bytes(bytes);
        }
        // Random bytes behind each format's magic alone.
        let mut bytes = original[..64].to_vec();
        bytes.extend(noise.bytes(50_000));
        let _ = decode_bytes(bytes);
    }
}

fn packet(data: &[u8]) -> Packet {
    Packet::new(0, Timestamp::new(0), Duration::new(160), data.to_vec())
}

fn mono_params(codec: symphonia::core::codecs::audio::AudioCodecId, rate: u32) -> AudioCodecParameters {
    let mut params = AudioCodecParameters::new();
    params.for_codec(codec).with_sample_rate(rate);
    params
}

#[test]
fn a_corrupt_packet_is_a_decode_error_for_that_packet() {
    let opts = AudioDecoderOptions::default();
    let is_decode_error = |result: Result<usize, Error>| matches!(result, Err(Error::DecodeError(_)));

    let mut gsm = GsmDecoder::try_new(&mono_params(CODEC_ID_GSM_MS, 8000), &opts).expect("gsm decoder");
    let mut decode_gsm = |data: &[u8]| gsm.decode(&packet(data)).map(|b| b.frames());
    assert!(is_decode_error(decode_gsm(&[0; 64])));
    assert!(is_decode_error(decode_gsm(&[])));
    assert_eq!(decode_gsm(&[0x55; 65]).ok(), Some(320));

    let mut amr = AmrNbDecoder::try_new(&mono_params(CODEC_ID_AMR_NB, 8000), &opts).expect("amr decoder");
    let mut decode_amr = |data: &[u8]| amr.decode(&packet(data)).map(|b| b.frames());
    assert!(is_decode_error(decode_amr(&[])));
    // Frame type 7 (12.2 kbit/s) needs 31 bytes after its header.
    assert!(is_decode_error(decode_amr(&[7 << 3 | 4; 20])));
    for kind in 0..16u8 {
        assert_eq!(decode_amr(&[kind << 3 | 4; 32]).ok(), Some(160), "frame type {kind}");
    }

    let mut params = mono_params(CODEC_ID_OPUS, 48_000);
    params.with_channels(symphonia::core::audio::layouts::CHANNEL_LAYOUT_MONO);
    let mut opus = OpusDecoder::try_new(&params, &opts).expect("opus decoder");
    let mut decode_opus = |data: &[u8]| opus.decode(&packet(data)).map(|b| b.frames());
    assert!(is_decode_error(decode_opus(&[])));
    // A code 3 packet that announces 0 frames is invalid (RFC 6716 §3.2.5).
    assert!(is_decode_error(decode_opus(&[0x03, 0x00])));
    // After the bad packets, a valid one still decodes: a silent 20 ms CELT frame.
    assert_eq!(decode_opus(&[0xf8, 0xff, 0xfe]).ok(), Some(960));
}
