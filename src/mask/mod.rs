//! Turns a frame's spectra into a gain per bin and applies it: level, reference (absolute,
//! adaptive floor, learned print), threshold and mode, time smoothing, frequency kernel,
//! mix. Knows nothing of plugins; allocates only in [`Masker::new`].

pub mod alias;
pub mod gain;
pub mod kernel;
pub mod noise_floor;

use crate::config::MAX_TRANSFORM_SIZE;
use crate::settings::{Reference, Settings};
use crate::stft::{Frame, StftConfig};
use gain::{db_to_gain, full_scale_power, gain, power_to_db, Gate};
use kernel::Kernel;
use noise_floor::{FloorTracker, PrintLearner, PRINT_POINTS};

const MAX_BINS: usize = MAX_TRANSFORM_SIZE / 2 + 1;

/// Mask state for a fixed number of channels.
pub struct Masker {
    /// Per mask channel (one when linked): bin power of the current frame.
    powers: Vec<Vec<f32>>,
    /// Per mask channel: bin level in dBFS of the current frame.
    levels_db: Vec<Vec<f32>>,
    /// Per mask channel: the threshold each bin was compared with, in dBFS.
    thresholds_db: Vec<Vec<f32>>,
    /// Per mask channel: the same threshold as a power.
    threshold_powers: Vec<Vec<f32>>,
    /// Whether levels and thresholds in dB are wanted (an observer reads them); they cost
    /// two logarithms per bin, so the plain audio path skips them.
    observed: bool,
    /// Per channel: the gain after attack/release, before the kernel.
    smoothed: Vec<Vec<f32>>,
    /// Per channel: the gain multiplied into the spectrum this frame.
    applied: Vec<Vec<f32>>,
    floors: Vec<FloorTracker>,
    learner: PrintLearner,
    /// The learned print's density on the print grid; valid when `has_print`.
    print: Vec<f32>,
    has_print: bool,
    print_changed: bool,
    /// The print re-gridded to the current bins.
    print_bins: Vec<f32>,
    print_bins_for: Option<StftConfig>,
    kernel: Kernel,
    geometry: Option<StftConfig>,
    scratch: Vec<f32>,
    sample_rate: f32,
    linked_last_frame: bool,
}

impl Masker {
    pub fn new(num_channels: usize, sample_rate: f32) -> Self {
        let per_channel = |n: usize| (0..n).map(|_| vec![0.0; MAX_BINS]).collect::<Vec<_>>();
        Self {
            powers: per_channel(num_channels),
            levels_db: per_channel(num_channels),
            thresholds_db: per_channel(num_channels),
            threshold_powers: per_channel(num_channels),
            observed: false,
            smoothed: (0..num_channels).map(|_| vec![1.0; MAX_BINS]).collect(),
            applied: (0..num_channels).map(|_| vec![1.0; MAX_BINS]).collect(),
            floors: (0..num_channels)
                .map(|_| FloorTracker::new(MAX_BINS))
                .collect(),
            learner: PrintLearner::new(),
            print: vec![0.0; PRINT_POINTS],
            has_print: false,
            print_changed: false,
            print_bins: vec![0.0; MAX_BINS],
            print_bins_for: None,
            kernel: Kernel::new(),
            geometry: None,
            scratch: vec![0.0; MAX_BINS],
            sample_rate,
            linked_last_frame: true,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
    }

    /// Forgets the audio history (gains open, floors unlearned); keeps the print.
    pub fn reset(&mut self) {
        for gains in self.smoothed.iter_mut().chain(self.applied.iter_mut()) {
            gains.fill(1.0);
        }
        for floor in &mut self.floors {
            floor.reset();
        }
        self.geometry = None;
    }

    /// The learned print (density per grid point), if there is one.
    pub fn noise_print(&self) -> Option<&[f32]> {
        self.has_print.then_some(&self.print[..])
    }

    /// Installs a print (e.g. from saved state); a wrong-length or empty slice clears it.
    pub fn set_noise_print(&mut self, density: &[f32]) {
        self.has_print = density.len() == PRINT_POINTS;
        if self.has_print {
            self.print.copy_from_slice(density);
        }
        self.print_bins_for = None;
    }

    /// True once after a learning pass has finished, so the owner can save the new print.
    pub fn take_print_changed(&mut self) -> bool {
        std::mem::take(&mut self.print_changed)
    }

    /// How many masks the last frame used: one when linked, else one per channel.
    pub fn num_masks(&self) -> usize {
        if self.linked_last_frame {
            1
        } else {
            self.powers.len()
        }
    }

    /// Whether [`Self::levels_db`] and [`Self::thresholds_db`] are kept up to date.
    pub fn set_observed(&mut self, observed: bool) {
        self.observed = observed;
    }

    /// Level in dBFS of each bin of mask `index` in the last frame (kept only while
    /// observed).
    pub fn levels_db(&self, index: usize) -> &[f32] {
        &self.levels_db[index][..self.num_bins()]
    }

    /// The threshold each bin of mask `index` was compared with, in dBFS.
    pub fn thresholds_db(&self, index: usize) -> &[f32] {
        &self.thresholds_db[index][..self.num_bins()]
    }

    /// The gain applied to channel `channel`'s bins in the last frame.
    pub fn applied_gains(&self, channel: usize) -> &[f32] {
        &self.applied[channel][..self.num_bins()]
    }

    fn num_bins(&self) -> usize {
        self.geometry.map_or(0, |config| config.num_bins())
    }

    /// Computes the gains for `frame` and multiplies them into its spectra.
    pub fn process_frame(&mut self, frame: &mut Frame, settings: &Settings) {
        let config = frame.config;
        let bins = config.num_bins();
        if self.geometry != Some(config) {
            let old_bins = self.num_bins();
            for floor in &mut self.floors {
                floor.regrid(old_bins.max(2), bins, &mut self.scratch);
            }
            for gains in &mut self.smoothed {
                gains[..bins].fill(1.0);
            }
            self.geometry = Some(config);
        }
        self.kernel.prepare(settings.kernel, config);
        let linked = settings.stereo_link || frame.spectra.len() == 1;
        self.linked_last_frame = linked;
        let num_masks = if linked { 1 } else { frame.spectra.len() };
        let full_scale = full_scale_power(frame.window_sum);
        let frame_s = config.hop() as f32 / self.sample_rate;
        let window_s = config.window_size as f32 / self.sample_rate;

        if linked {
            gain::loudest_power(frame.spectra, &mut self.powers[0][..bins]);
        } else {
            for (spectrum, powers) in frame.spectra.iter().zip(&mut self.powers) {
                gain::channel_power(spectrum, &mut powers[..bins]);
            }
        }

        // Noise references are densities: power over the window's power sum.
        let to_density = 1.0 / frame.window_power;
        for (powers, floor) in self.powers.iter().zip(&mut self.floors).take(num_masks) {
            let densities = &mut self.scratch[..bins];
            for (density, power) in densities.iter_mut().zip(&powers[..bins]) {
                *density = power * to_density;
            }
            floor.update(densities, frame_s, window_s);
        }
        if settings.learn {
            let densities = &mut self.scratch[..bins];
            for (density, power) in densities.iter_mut().zip(&self.powers[0][..bins]) {
                *density = power * to_density;
            }
            self.learner.add(densities);
        } else if self.learner.is_learning() {
            self.has_print = self.learner.finish_into(&mut self.print);
            self.print_changed = true;
            self.print_bins_for = None;
        }
        let use_print = settings.reference == Reference::Print && self.has_print;
        if use_print && self.print_bins_for != Some(config) {
            noise_floor::resample(&self.print, &mut self.print_bins[..bins]);
            self.print_bins_for = Some(config);
        }

        let floor_gain = db_to_gain(settings.floor_db);
        let attack = smoothing_coefficient(settings.attack_ms, frame_s);
        let release = smoothing_coefficient(settings.release_ms, frame_s);
        let gate = Gate::new(settings.mode, settings.knee_db);
        let threshold_ratio = 10f32.powf(settings.threshold_db / 10.0);
        // Powers are compared in the linear domain; -300 dBFS stands for silence on both
        // sides, as in `power_to_db`.
        let silence = full_scale * 1e-30;
        let window_power = frame.window_power;
        for mask in 0..num_masks {
            let powers = &self.powers[mask][..bins];
            let smoothed = &mut self.smoothed[mask][..bins];
            let threshold_powers = &mut self.threshold_powers[mask][..bins];
            let floor = &self.floors[mask];
            for bin in 0..bins {
                let reference_power = match settings.reference {
                    Reference::Absolute => full_scale,
                    Reference::Print if use_print => self.print_bins[bin] * window_power,
                    Reference::Adaptive | Reference::Print => floor.density(bin) * window_power,
                };
                let threshold_power = reference_power.max(silence) * threshold_ratio;
                threshold_powers[bin] = threshold_power;
                let ratio = powers[bin].max(silence) / threshold_power;
                let target = gain(gate.openness_of_ratio(ratio), floor_gain);
                let coefficient = if target > smoothed[bin] {
                    attack
                } else {
                    release
                };
                smoothed[bin] = target + coefficient * (smoothed[bin] - target);
            }
            if self.observed {
                let levels = &mut self.levels_db[mask][..bins];
                let thresholds = &mut self.thresholds_db[mask][..bins];
                for bin in 0..bins {
                    levels[bin] = power_to_db(powers[bin], full_scale);
                    thresholds[bin] = power_to_db(threshold_powers[bin], full_scale);
                }
            }
        }

        let mix = settings.mix_percent / 100.0;
        let output_gain = db_to_gain(settings.output_gain_db);
        for channel in 0..frame.spectra.len() {
            let mask = if linked { 0 } else { channel };
            let applied = &mut self.applied[channel][..bins];
            if channel == 0 || !linked {
                applied.copy_from_slice(&self.smoothed[mask][..bins]);
                self.kernel.apply(applied);
                for value in applied.iter_mut() {
                    // Mix and "listen to removed" act on the gain, so dry and wet stay
                    // aligned and the alias bound of the kernel still holds.
                    let kept = mix * *value + (1.0 - mix);
                    let out = if settings.delta { 1.0 - kept } else { kept };
                    *value = out * output_gain;
                }
            } else {
                let (first, rest) = self.applied.split_at_mut(channel);
                rest[0][..bins].copy_from_slice(&first[0][..bins]);
            }
            for (bin, gain) in frame.spectra[channel]
                .iter_mut()
                .zip(&self.applied[channel][..bins])
            {
                *bin *= *gain;
            }
        }
    }
}

/// One-pole coefficient per frame for a time constant in ms; 0 ms is instantaneous.
fn smoothing_coefficient(time_ms: f32, frame_s: f32) -> f32 {
    if time_ms <= 0.0 {
        0.0
    } else {
        (-frame_s * 1000.0 / time_ms).exp()
    }
}
