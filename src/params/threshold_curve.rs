//! The threshold curve's exchange from the main thread (the editor, a state load) to the
//! audio thread through a [`Handoff`], and its place in the plugin's saved state. The curve
//! is a few numbers in a fixed array, so taking it never allocates.

use std::sync::Arc;

use nice_plug::params::persist::PersistentField;

use super::handoff::Handoff;
use crate::mask::curve::{Curve, Node};

/// The curve shared by the parameters, the plugin and the editor (clones share it).
#[derive(Clone, Default)]
pub struct ThresholdCurve(Arc<Handoff<Curve>>);

impl ThresholdCurve {
    /// The curve as it stands. Main thread.
    pub fn get(&self) -> Curve {
        *self.0.lock()
    }

    /// Replaces the curve; the audio thread takes it at its next block. Main thread.
    pub fn replace(&self, curve: Curve) {
        self.0.replace(curve);
    }

    /// Runs `install` with the curve and clears any pending change. For `activate()`.
    pub fn install_blocking(&self, install: impl FnOnce(Curve)) {
        self.0.install_blocking(|curve| install(*curve));
    }

    /// If the curve changed, runs `install` with it (see [`Handoff::try_install`]).
    pub fn try_install_changed(&self, install: impl FnOnce(Curve)) {
        self.0.try_install(|curve| install(*curve));
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
        f(&self.0.lock().nodes().to_vec())
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
