//! A value the main thread hands to the audio thread without the audio thread ever waiting:
//! the main thread stores it under a lock and raises a flag; the audio thread, seeing the
//! flag, takes it with `try_lock`, and if the main thread holds the lock right now simply
//! tries again on the next block. Saved state (the noise print, the threshold curve) reaches
//! the processor this way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Default)]
pub struct Handoff<T> {
    value: Mutex<T>,
    /// A new value waits for the audio thread.
    pending: AtomicBool,
}

impl<T> Handoff<T> {
    pub fn new(value: T) -> Self {
        Self {
            value: Mutex::new(value),
            pending: AtomicBool::new(false),
        }
    }

    /// The value, locked. Main thread.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        // The values are plain numbers, valid whatever a panicking holder was doing.
        self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the value; the audio thread takes it at its next block. Main thread.
    pub fn replace(&self, value: T) {
        *self.lock() = value;
        self.pending.store(true, Ordering::Release);
    }

    /// Runs `install` with the value (which it may bring up to date first) and clears any
    /// pending change. For `activate()`, which may lock.
    pub fn install_blocking(&self, install: impl FnOnce(&mut T)) {
        install(&mut self.lock());
        self.pending.store(false, Ordering::Release);
    }

    /// If a new value waits, runs `install` with it, unless the main thread holds the lock
    /// right now (then the next block tries again). Real-time safe: an atomic load and at
    /// most one `try_lock`.
    pub fn try_install(&self, install: impl FnOnce(&T)) {
        if !self.pending.load(Ordering::Acquire) {
            return;
        }
        if let Ok(value) = self.value.try_lock() {
            install(&value);
            self.pending.store(false, Ordering::Release);
        }
    }
}
