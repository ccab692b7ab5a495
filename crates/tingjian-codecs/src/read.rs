//! Reading whole fixed-size units (GSM blocks, AMR frames) from a stream, telling a clean end of
//! the stream apart from a unit cut short by truncation.

use std::io::{ErrorKind, Read};

use symphonia::core::errors::{Error, Result};
use symphonia::core::io::MediaSourceStream;

/// Fills `buf` completely and returns `Ok(true)`; returns `Ok(false)` when the stream ends before
/// the first byte. A stream that ends part-way through is truncated, and that is an I/O error of
/// kind `UnexpectedEof`, as symphonia's own readers report it.
pub(crate) fn read_unit(reader: &mut MediaSourceStream<'_>, buf: &mut [u8]) -> Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(Error::IoError(error)),
        }
    }
    if filled == 0 {
        Ok(false)
    } else if filled == buf.len() {
        Ok(true)
    } else {
        Err(Error::IoError(std::io::Error::new(ErrorKind::UnexpectedEof, "the last unit is cut short")))
    }
}
