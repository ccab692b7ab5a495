//! The four functions of libgsm (Debian's libgsm1-dev) that decoding Microsoft's GSM 6.10 variant
//! needs: create a state, switch it to the WAV49 bit packing, decode, destroy.

// This module calls C, which needs `unsafe`. It is sound because:
// - the state pointer comes from `gsm_create`, is checked for null, is owned by exactly one
//   `GsmState`, is only used through `&mut self` and is freed exactly once, in `Drop`;
// - `gsm_decode` reads at most 33 bytes and writes exactly 160 samples, and it is only ever
//   given a 33-byte array and a 160-sample array that live for the whole call;
// - `gsm_option` only reads the one `c_int` it is given.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_short, c_uchar, c_void};
use std::ptr::NonNull;

/// Samples one GSM 6.10 frame decodes to.
pub(crate) const FRAME_SAMPLES: usize = 160;
/// Bytes of one WAV49 block: two GSM frames packed into 32½ bytes each.
pub(crate) const BLOCK_BYTES: usize = 65;
/// Samples one WAV49 block decodes to.
pub(crate) const BLOCK_SAMPLES: usize = 2 * FRAME_SAMPLES;

/// `GSM_OPT_WAV49` from gsm.h: frames are packed the Microsoft way, two to a 65-byte block.
const GSM_OPT_WAV49: c_int = 4;

#[link(name = "gsm")]
unsafe extern "C" {
    fn gsm_create() -> *mut c_void;
    fn gsm_destroy(state: *mut c_void);
    fn gsm_option(state: *mut c_void, option: c_int, value: *mut c_int) -> c_int;
    fn gsm_decode(state: *mut c_void, frame: *mut c_uchar, samples: *mut c_short) -> c_int;
}

/// One libgsm decoder state in WAV49 mode.
#[derive(Debug)]
pub(crate) struct GsmState {
    raw: NonNull<c_void>,
}

// libgsm's state is a plain heap block with no thread affinity, so it may move between threads.
unsafe impl Send for GsmState {}
// Every method that touches the state takes `&mut self`, so shared references can do nothing.
unsafe impl Sync for GsmState {}

impl GsmState {
    /// A fresh WAV49 decoder, or `None` when libgsm cannot allocate one.
    pub(crate) fn new_wav49() -> Option<Self> {
        let raw = NonNull::new(unsafe { gsm_create() })?;
        let mut enable: c_int = 1;
        unsafe { gsm_option(raw.as_ptr(), GSM_OPT_WAV49, &mut enable) };
        Some(Self { raw })
    }

    /// Decodes one 65-byte WAV49 block into 320 samples.
    ///
    /// libgsm alternates between the two halves of a block by itself (the first call reads 33
    /// bytes and keeps the half byte they share, the second reads the remaining 32), so the two
    /// calls must always come in pairs on the same state.
    pub(crate) fn decode_block(&mut self, block: &[u8; BLOCK_BYTES], out: &mut [i16; BLOCK_SAMPLES]) {
        // Each half is copied into its own 33-byte array so that libgsm can never read past the
        // end of the packet, whatever it does with the second half.
        let mut first = [0u8; 33];
        first.copy_from_slice(&block[..33]);
        let mut second = [0u8; 33];
        second[..32].copy_from_slice(&block[33..]);
        let (head, tail) = out.split_at_mut(FRAME_SAMPLES);
        unsafe {
            gsm_decode(self.raw.as_ptr(), first.as_mut_ptr(), head.as_mut_ptr());
            gsm_decode(self.raw.as_ptr(), second.as_mut_ptr(), tail.as_mut_ptr());
        }
    }
}

impl Drop for GsmState {
    fn drop(&mut self) {
        unsafe { gsm_destroy(self.raw.as_ptr()) };
    }
}
