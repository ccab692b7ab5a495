//! Reading and analysing recordings in parallel, handed back in file order.
//!
//! Each file is read once: its bytes are hashed, decoded (probe, peaks, analytics) and later
//! stored from the same buffer. Decoding is the expensive part and needs no vault, so it runs on
//! every core; storing and recording events stays on the caller's thread, in the files' order, so
//! two identical imports write identical audit logs.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use tingjian_audio::{Analysis, AudioError, MAX_RECORDING_BYTES};
use tingjian_vault::VaultError;

/// What the analysis stage found for one file.
#[derive(Debug)]
pub enum Intake {
    /// The vault already holds these bytes.
    Known { hash: String },
    /// New audio, decoded.
    Analysed { hash: String, bytes: Arc<[u8]>, analysis: Box<Analysis> },
    /// The file could not be read.
    Unreadable(VaultError),
    /// The file is not usable audio.
    Rejected(AudioError),
}

/// At most this many files are read ahead of the one being stored, which bounds memory to a few
/// recordings' bytes whatever the folder holds.
const READ_AHEAD: usize = 4;

/// Reads a file whole, unless it is larger than a recording may be; such a file is refused from
/// its size alone, without being read.
fn read_capped(path: &Path) -> Result<Vec<u8>, Intake> {
    use std::io::Read;
    let unreadable = |source| Intake::Unreadable(VaultError::Io { path: path.to_owned(), source });
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    let too_large = |bytes| Intake::Rejected(AudioError::TooLarge { path: path.to_owned(), bytes });
    if size > MAX_RECORDING_BYTES {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // The file may grow after it was measured; never read more than the bound.
    file.take(MAX_RECORDING_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_RECORDING_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

fn take(path: &Path, known: &HashSet<String>) -> Intake {
    let bytes: Arc<[u8]> = match read_capped(path) {
        Ok(bytes) => bytes.into(),
        Err(refused) => return refused,
    };
    let hash = blake3::hash(&bytes).to_hex().to_string();
    if known.contains(&hash) {
        return Intake::Known { hash };
    }
    match tingjian_audio::analyse_bytes(bytes.clone(), path) {
        Ok(analysis) => Intake::Analysed { hash, bytes, analysis: Box::new(analysis) },
        Err(error) => Intake::Rejected(error),
    }
}

/// Runs `take` over `files` on every core and calls `store` with each result in file order.
/// Stops handing out new files once `cancel` is set or `store` fails; returns `store`'s first error.
pub fn for_each_in_order<E>(
    files: &[(String, PathBuf)],
    known: &HashSet<String>,
    cancel: Option<&AtomicBool>,
    mut store: impl FnMut(usize, Intake) -> Result<(), E>,
) -> Result<bool, E> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results the caller has consumed; a worker waits while it is READ_AHEAD behind.
    let consumed = (Mutex::new(0usize), Condvar::new());
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Intake)>();
    let cancelled = || cancel.is_some_and(|flag| flag.load(Ordering::Relaxed));

    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, stop, consumed) = (&next, &stop, &consumed);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= files.len() {
                        return;
                    }
                    {
                        let (lock, ready) = consumed;
                        let mut done = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        while index >= *done + READ_AHEAD && !stop.load(Ordering::Relaxed) {
                            done = ready.wait(done).unwrap_or_else(|poisoned| poisoned.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    if sender.send((index, take(&files[index].1, known))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);

        let finish = |stop: &AtomicBool| {
            stop.store(true, Ordering::Relaxed);
            consumed.1.notify_all();
        };
        let mut waiting: BTreeMap<usize, Intake> = BTreeMap::new();
        let mut expected = 0usize;
        while expected < files.len() {
            if cancelled() {
                finish(&stop);
                return Ok(false);
            }
            let intake = match waiting.remove(&expected) {
                Some(intake) => intake,
                None => match receiver.recv() {
                    Ok((index, intake)) if index == expected => intake,
                    Ok((index, intake)) => {
                        waiting.insert(index, intake);
                        continue;
                    }
                    // Every worker has stopped; nothing more will come.
                    Err(_) => break,
                },
            };
            if let Err(error) = store(expected, intake) {
                finish(&stop);
                return Err(error);
            }
            expected += 1;
            *consumed.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = expected;
            consumed.1.notify_all();
        }
        finish(&stop);
        Ok(true)
    })
}
