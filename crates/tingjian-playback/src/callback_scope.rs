//! Marks the time a thread spends inside the audio callback, so a test can prove the invariant
//! that the callback never allocates: a counting global allocator in the test asks
//! [`in_audio_callback`] and counts what happens inside. Setting a thread-local flag costs two
//! stores per device period, which is why it stays on in release builds too: what is tested is
//! what ships.

use std::cell::Cell;

thread_local! {
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is running the audio callback's own code (the renderer), as
/// opposed to the sound library's code around it.
pub fn in_audio_callback() -> bool {
    // `try_with`: an allocator may ask while the thread's locals are being torn down.
    INSIDE.try_with(Cell::get).unwrap_or(false)
}

/// Runs `render` marked as the audio callback.
pub(crate) fn audio_callback<R>(render: impl FnOnce() -> R) -> R {
    INSIDE.with(|inside| inside.set(true));
    let result = render();
    INSIDE.with(|inside| inside.set(false));
    result
}
