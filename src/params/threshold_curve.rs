//! The threshold curve's exchange from the main thread (the editor, a state load) to the
//! audio thread, and its place in the plugin's saved state. The curve is a few numbers in a
//! fixed array: the main thread stores it under a lock and raises a flag; the audio thread
//! takes it with `try_lock` when the flag is up, and tries again next block if the main
//! thread holds the lock. It never waits or allocates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use nice_plug::params::persist::PersistentField;

use crate::mask::curve::{Curve, Node};

/// The curve shared by the parameters, the plugin and the editor (clones share it).
#[derive(Clone, Default)]
pub struct ThresholdCurve(Arc<Shared>);

#[derive(Default)]
struct Shared {
    curve: Mutex<Curve>,
    /// A new curve waits for the audio thread.
    pending: AtomicBool,
}

fn lock(mutex: &Mutex<Curve>) -> MutexGuard<'_, Curve> {
    // A curve is plain numbers, valid whatever a panicking holder was doing.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ThresholdCurve {
    /// The curve as it stands. Main thread.
    pub fn get(&self) -> Curve {
        *lock(&self.0.curve)
    }

    /// Replaces the curve; the audio thread takes it at its next block. Main thread.
    pub fn replace(&self, curve: Curve) {
        *lock(&self.0.curve) = curve;
        self.0.pending.store(true, Ordering::Release);
    }

    /// Runs `install` with the curve and clears any pending change. For `activate()`, which
    /// may lock.
    pub fn install_blocking(&self, install: impl FnOnce(Curve)) {
        let curve = *lock(&self.0.curve);
        install(curve);
        self.0.pending.store(false, Ordering::Release);
    }

    /// If the curve changed, runs `install` with it, unless the main thread holds the lock
    /// right now (then the next block tries again). Real-time safe.
    pub fn try_install_changed(&self, install: impl FnOnce(Curve)) {
        if !self.0.pending.load(Ordering::Acquire) {
            return;
        }
        if let Ok(curve) = self.0.curve.try_lock() {
            install(*curve);
            self.0.pending.store(false, Ordering::Release);
        }
    }
}

impl<'a> PersistentField<'a, Vec<Node>> for ThresholdCurve {
    fn set(&self, new_value: Vec<Node>) {
        self.replace(Curve::new(&new_value));
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&Vec<Node>) -> R,
    {
        f(&lock(&self.0.curve).nodes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loaded_curve_reaches_the_audio_side_once() {
        let state = ThresholdCurve::default();
        let nodes = vec![Node {
            hz: 4000.0,
            db: 20.0,
        }];
        PersistentField::set(&state, nodes.clone());
        let mut installed = None;
        state.try_install_changed(|curve| installed = Some(curve));
        assert_eq!(installed, Some(Curve::new(&nodes)));
        let mut again = None;
        state.try_install_changed(|curve| again = Some(curve));
        assert_eq!(again, None);
        assert_eq!(state.map(|saved| saved.clone()), nodes);
    }
}
