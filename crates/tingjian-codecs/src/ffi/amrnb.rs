//! The three functions of libopencore-amrnb (Debian's libopencore-amrnb-dev) that decoding AMR-NB
//! needs.

// This module calls C, which needs `unsafe`. It is sound because:
// - the state pointer comes from `Decoder_Interface_init`, is checked for null, is owned by
//   exactly one `AmrNbState`, is only used through `&mut self` and is freed exactly once, in `Drop`;
// - `Decoder_Interface_Decode` reads the frame header byte and at most 31 bytes after it (the
//   largest frame, 12.2 kbit/s), and writes exactly 160 samples; it is only ever given a 32-byte
//   array whose header names a frame type it knows, and a 160-sample array.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_short, c_uchar, c_void};
use std::ptr::NonNull;

/// Samples one AMR-NB frame decodes to (20 ms at 8 kHz).
pub(crate) const FRAME_SAMPLES: usize = 160;
/// The largest AMR-NB frame with its header byte (12.2 kbit/s: 1 + 31 bytes).
pub(crate) const MAX_FRAME_BYTES: usize = 32;

#[link(name = "opencore-amrnb")]
unsafe extern "C" {
    fn Decoder_Interface_init() -> *mut c_void;
    fn Decoder_Interface_exit(state: *mut c_void);
    fn Decoder_Interface_Decode(state: *mut c_void, input: *const c_uchar, output: *mut c_short, bfi: c_int);
}

/// One opencore AMR-NB decoder state.
#[derive(Debug)]
pub(crate) struct AmrNbState {
    raw: NonNull<c_void>,
}

// The decoder state is a plain heap block with no thread affinity, so it may move between threads.
unsafe impl Send for AmrNbState {}
// Every method that touches the state takes `&mut self`, so shared references can do nothing.
unsafe impl Sync for AmrNbState {}

impl AmrNbState {
    /// A fresh decoder, or `None` when opencore cannot allocate one.
    pub(crate) fn new() -> Option<Self> {
        NonNull::new(unsafe { Decoder_Interface_init() }).map(|raw| Self { raw })
    }

    /// Decodes one frame in the storage format (header byte first, then the frame's bits padded to
    /// whole bytes). The caller must have checked that the header's frame type is 0–8 or 15, and
    /// zero-filled what follows the frame.
    pub(crate) fn decode_frame(&mut self, frame: &[u8; MAX_FRAME_BYTES], out: &mut [i16; FRAME_SAMPLES]) {
        unsafe { Decoder_Interface_Decode(self.raw.as_ptr(), frame.as_ptr(), out.as_mut_ptr(), 0) };
    }
}

impl Drop for AmrNbState {
    fn drop(&mut self) {
        unsafe { Decoder_Interface_exit(self.raw.as_ptr()) };
    }
}
