//! A recording probed and decoded through the shared registries of tingjian-codecs (symphonia's
//! formats and codecs plus Opus, GSM 6.10 in WAVE, AMR-NB): the import's whole-file decode with
//! waveform peaks and call analytics, and the player's streaming decoder read to its end and then
//! seeking back, each bounded by tingjian-audio's own caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tingjian_audio::{StreamingDecoder, analyse_bytes};

fuzz_target!(|data: &[u8]| {
    tingjian_fuzz::run(|| {
        let path = tingjian_fuzz::scratch("recording", data);
        // The importer's path: the file's bytes in memory, decoded once for everything.
        let _ = analyse_bytes(std::sync::Arc::from(data), &path);
        // The player's path: the file opened from disk and read block by block.
        let Ok(mut decoder) = StreamingDecoder::open(&path) else { return };
        while decoder.next_block().is_some() {}
        // A seek back to the middle reopens the stream (or uses the container's index for PCM and
        // FLAC), which has its own code paths.
        let middle = decoder.position() / 2;
        if decoder.seek(middle).is_ok() {
            let _ = decoder.next_block();
        }
    });
});
