//! realfft plans for every transform size the engine can switch to, planned once.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::config::{MAX_TRANSFORM_SIZE, MIN_WINDOW_SIZE};

/// Forward and inverse plans for every power of two from `MIN_WINDOW_SIZE` to
/// `MAX_TRANSFORM_SIZE`, so a size change on the audio thread only picks a plan.
/// Cloning shares the plans (they are `Arc`s) but not the scratch.
#[derive(Clone)]
pub struct FftPlans {
    forward: Vec<Arc<dyn RealToComplex<f32>>>,
    inverse: Vec<Arc<dyn ComplexToReal<f32>>>,
    scratch: Vec<Complex<f32>>,
}

impl FftPlans {
    /// Plans every size; allocates.
    pub fn new() -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let mut forward = Vec::new();
        let mut inverse = Vec::new();
        let mut size = MIN_WINDOW_SIZE;
        while size <= MAX_TRANSFORM_SIZE {
            forward.push(planner.plan_fft_forward(size));
            inverse.push(planner.plan_fft_inverse(size));
            size *= 2;
        }
        let scratch_len = forward
            .iter()
            .map(|plan| plan.get_scratch_len())
            .chain(inverse.iter().map(|plan| plan.get_scratch_len()))
            .max()
            .unwrap_or(0);
        Self {
            forward,
            inverse,
            scratch: vec![Complex::default(); scratch_len],
        }
    }

    fn index(size: usize) -> usize {
        debug_assert!(size.is_power_of_two() && size >= MIN_WINDOW_SIZE);
        (size.trailing_zeros() - MIN_WINDOW_SIZE.trailing_zeros()) as usize
    }

    /// Real `time` (destroyed) to `time.len() / 2 + 1` bins, unnormalised.
    pub fn forward(&mut self, time: &mut [f32], spectrum: &mut [Complex<f32>]) {
        let plan = &self.forward[Self::index(time.len())];
        // Lengths are fixed by construction; an error here is a programming error.
        plan.process_with_scratch(time, spectrum, &mut self.scratch)
            .expect("forward FFT buffer lengths");
    }

    /// Bins back to `time.len()` real samples, unnormalised (a round trip scales by M).
    /// The imaginary parts of DC and Nyquist are ignored, as a real signal has none.
    pub fn inverse(&mut self, spectrum: &mut [Complex<f32>], time: &mut [f32]) {
        let last = spectrum.len() - 1;
        spectrum[0].im = 0.0;
        spectrum[last].im = 0.0;
        let plan = &self.inverse[Self::index(time.len())];
        plan.process_with_scratch(spectrum, time, &mut self.scratch)
            .expect("inverse FFT buffer lengths");
    }
}

impl Default for FftPlans {
    fn default() -> Self {
        Self::new()
    }
}
