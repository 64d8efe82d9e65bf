//! The alias measure: how much of a mask's implied impulse response falls outside the
//! `M - N + 1` samples a centred frame holds without wrap-around. The engine's tests and the
//! editor's meter both use it, so the figure a user sees is the one the tests assert.

use crate::stft::{Complex, FftPlans, StftConfig};

/// Preallocated buffers for measuring masks at any geometry.
pub struct AliasMeter {
    plans: FftPlans,
    spectrum: Vec<Complex<f32>>,
    time: Vec<f32>,
}

impl AliasMeter {
    pub fn new() -> Self {
        let m = crate::config::MAX_TRANSFORM_SIZE;
        Self {
            plans: FftPlans::new(),
            spectrum: vec![Complex::default(); m / 2 + 1],
            time: vec![0.0; m],
        }
    }

    /// Total energy of the implied impulse response over its energy outside the alias-free
    /// span, in dB (higher is better; `f32::INFINITY` when nothing is outside).
    /// `gains` holds the `M / 2 + 1` real gains applied to one frame.
    pub fn rejection_db(&mut self, gains: &[f32], config: StftConfig) -> f32 {
        let m = config.transform_size();
        assert_eq!(gains.len(), config.num_bins(), "one gain per bin");
        let spectrum = &mut self.spectrum[..gains.len()];
        for (bin, &gain) in spectrum.iter_mut().zip(gains) {
            *bin = Complex::new(gain, 0.0);
        }
        let time = &mut self.time[..m];
        self.plans.inverse(spectrum, time);
        let half_width = config.centering_offset();
        let (mut inside, mut outside) = (0.0f64, 0.0f64);
        for (i, &value) in time.iter().enumerate() {
            let distance = i.min(m - i);
            let energy = (value as f64) * (value as f64);
            if distance <= half_width {
                inside += energy;
            } else {
                outside += energy;
            }
        }
        if outside == 0.0 {
            return f32::INFINITY;
        }
        (10.0 * ((inside + outside) / outside).log10()) as f32
    }
}

impl Default for AliasMeter {
    fn default() -> Self {
        Self::new()
    }
}
