//! Safe wrappers around the two C speech codecs that have no maintained Rust binding: Debian's
//! libgsm (GSM 6.10) and libopencore-amrnb (AMR-NB). Each wrapper owns one decoder state and
//! exposes only fixed-size, bounds-checked decode calls, so nothing outside these modules needs
//! `unsafe`.

pub(crate) mod amrnb;
pub(crate) mod gsm;
