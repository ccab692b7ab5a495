//! The pack mapped into memory, so its recordings are hashed where they lie in the file, on every
//! core, with no copy: what keeps `pack verify` near `b3sum` over the same bytes (which maps its
//! files the same way). Only stored (uncompressed) entries are read this way; everything else goes
//! through the zip reader.
#![allow(unsafe_code)]

use std::fs::File;

/// The whole file, read-only; `None` when it cannot be mapped (the caller then reads it).
pub(crate) fn map(file: &File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is read-only, and nothing in Tingjian writes a pack while verifying it.
    // Another program could still change the file meanwhile: bytes rewritten in place would be
    // hashed as they then are (a finding, never a crash), and a truncation would end the process
    // with SIGBUS rather than return wrong bytes: the contract b3sum and ripgrep accept for the
    // files they map. Every slice taken from the map is bounds-checked against its length.
    unsafe { memmap2::Mmap::map(file) }.ok()
}
