//! The key (sidechain) as the mask sees it: its level per bin, a noise floor tracked on it
//! for gating and ducking relative to the key's own floor, and its smoothed level for when
//! the key is the noise reference.

use super::gain::{self, keep_per_frame};
use super::noise_floor::{self, NoiseTracker};
use crate::stft::Complex;

/// Time constant of the key's level when it is the noise reference: short enough to follow
/// a noise whose level moves several times a second (what the adaptive floor cannot), long
/// enough to average a noise's periodogram over about ten frames at the default hop.
pub const REFERENCE_SMOOTHING_S: f32 = 0.1;

/// Per-bin key state of one mask.
pub struct KeyState {
    /// Bin power of the key in the current frame.
    powers: Vec<f32>,
    /// The key's level in dBFS (kept only while observed).
    levels_db: Vec<f32>,
    /// The key's own noise floor, for gating and ducking relative to it.
    tracker: NoiseTracker,
    /// The key's smoothed density: the noise reference of `Key::Reference`.
    reference: Vec<f32>,
    /// Nothing heard since the last reset: the reference starts from the next frame.
    reference_empty: bool,
}

impl KeyState {
    pub fn new(max_bins: usize) -> Self {
        Self {
            powers: vec![0.0; max_bins],
            levels_db: vec![0.0; max_bins],
            tracker: NoiseTracker::new(max_bins),
            reference: vec![0.0; max_bins],
            reference_empty: true,
        }
    }

    /// Nothing heard: what a key that has just been switched on starts from.
    pub fn reset(&mut self) {
        self.tracker.reset();
        self.reference_empty = true;
    }

    /// The same state as `other` over the first `bins` bins. Never allocates.
    pub fn copy_from(&mut self, other: &Self, bins: usize) {
        self.tracker.copy_from(&other.tracker, bins);
        self.reference[..bins].copy_from_slice(&other.reference[..bins]);
        self.reference_empty = other.reference_empty;
    }

    /// Moves the per-bin history onto a new bin grid.
    pub fn regrid(&mut self, old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
        self.tracker.regrid(old_bins, new_bins, scratch);
        noise_floor::regrid_values(&mut self.reference, old_bins, new_bins, scratch);
    }

    /// Takes one frame of the key: `channel` is the key channel this mask follows, `None`
    /// for the loudest of all (a linked mask); a key with fewer channels repeats its last.
    /// `densities` is scratch of at least `bins`.
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &mut self,
        spectra: &[Vec<Complex<f32>>],
        channel: Option<usize>,
        bins: usize,
        to_density: f32,
        silence_density: f32,
        frame_s: f32,
        densities: &mut [f32],
    ) {
        let powers = &mut self.powers[..bins];
        gain::mask_power(spectra, channel, powers);
        let densities = &mut densities[..bins];
        super::scale_into(powers, to_density, densities);
        self.tracker.update(densities, silence_density, frame_s);
        let reference = &mut self.reference[..bins];
        if std::mem::take(&mut self.reference_empty) {
            reference.copy_from_slice(densities);
        } else {
            let keep = keep_per_frame(REFERENCE_SMOOTHING_S, frame_s);
            for (reference, &density) in reference.iter_mut().zip(densities.iter()) {
                *reference = keep * *reference + (1.0 - keep) * density;
            }
        }
    }

    /// Works out the key's levels in dBFS for an observer.
    pub fn observe_levels(&mut self, bins: usize, full_scale: f32) {
        for (level, &power) in self.levels_db[..bins].iter_mut().zip(&self.powers[..bins]) {
            *level = gain::power_to_db(power, full_scale);
        }
    }

    /// The key's levels in dBFS of the last observed frame.
    pub fn levels_db(&self, bins: usize) -> &[f32] {
        &self.levels_db[..bins]
    }

    /// The key's bin powers of the last frame.
    pub fn powers(&self, bins: usize) -> &[f32] {
        &self.powers[..bins]
    }

    /// The key's tracked noise floor, as densities.
    pub fn floor_densities(&self, bins: usize) -> &[f32] {
        self.tracker.densities(bins)
    }

    /// The key's smoothed level, as densities: the noise reference of `Key::Reference`.
    pub fn reference_densities(&self, bins: usize) -> &[f32] {
        &self.reference[..bins]
    }
}
