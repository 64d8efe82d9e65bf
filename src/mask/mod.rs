//! Turns a frame's spectra into a gain per bin and applies it: level, reference (absolute,
//! adaptive floor, learned print), threshold and mode, time smoothing, frequency kernel,
//! mix. Knows nothing of plugins; allocates only in [`Masker::new`].

pub mod alias;
pub mod cepstrum;
pub mod curve;
pub mod gain;
pub mod kernel;
pub mod key;
pub mod noise_floor;
pub mod presence;
pub mod tilt;

use crate::config::MAX_TRANSFORM_SIZE;
use crate::settings::{Key, Mode, Reference, Settings};
use crate::stft::{FftPlans, Frame, StftConfig};
use curve::Curve;
use gain::{db_to_gain, full_scale_power, power_to_db, smoothing_coefficient, Estimator, Gate};
use kernel::Kernel;
use key::KeyState;
use noise_floor::{NoiseTracker, PrintLearner, PRINT_POINTS, SILENCE_DB};
use presence::SpeechAbsence;
use tilt::Tilt;

const MAX_BINS: usize = MAX_TRANSFORM_SIZE / 2 + 1;

/// Time constant of the decision-directed a priori SNR, kept in seconds for every window
/// size: a weight of 0.958 per frame at a hop of 10.7 ms (N = 2048 at 48 kHz), between
/// Ephraim & Malah's 0.98 and Cohen's 0.92 per 8 ms. Measured on the tuning voices
/// (`scripts/eval_denoise.py --voices tune`, at 0/5/10/20 dB SNR) against 0.53 s (0.98): dSI-SDR
/// +0.7..1.0 dB, dPESQ +0.03..0.11, log kurtosis ratio 0.19 against 0.27, noise removed in
/// pauses unchanged (30 dB); 0.18 s adds musical noise (ratio 1.31), 1 s loses speech.
const PRIOR_SNR_SMOOTHING_S: f32 = 0.25;

/// Cohen's cap on the a priori speech absence probability (q_max): below 1, a bin that is far
/// above its noise opens even where its neighbourhood says "no speech" (not in a frame with
/// no speech at all, see `presence`).
const MAX_SPEECH_ABSENCE: f32 = 0.95;

/// What a statistical rule carries from frame to frame, per bin: the decision-directed
/// estimate of last frame's clean SNR and the smoothed a priori SNR of the absence estimate.
struct StatisticalHistory {
    previous_clean_snr: Vec<f32>,
    speech_absence: SpeechAbsence,
    cepstral: cepstrum::CepstralHistory,
}

impl StatisticalHistory {
    fn new() -> Self {
        Self {
            previous_clean_snr: vec![0.0; MAX_BINS],
            speech_absence: SpeechAbsence::new(MAX_BINS),
            cepstral: cepstrum::CepstralHistory::new(),
        }
    }

    fn reset(&mut self) {
        self.previous_clean_snr.fill(0.0);
        self.speech_absence.reset();
        self.cepstral.reset();
    }

    fn copy_from(&mut self, other: &Self, bins: usize) {
        self.previous_clean_snr[..bins].copy_from_slice(&other.previous_clean_snr[..bins]);
        self.speech_absence.copy_from(&other.speech_absence, bins);
        self.cepstral.copy_from(&other.cepstral);
    }

    fn regrid(&mut self, old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
        noise_floor::regrid_values(&mut self.previous_clean_snr, old_bins, new_bins, scratch);
        self.speech_absence.regrid(old_bins, new_bins, scratch);
        // A cepstrum of another transform size means nothing here.
        self.cepstral.reset();
    }
}

/// Per-bin state and scratch of one mask (all channels when linked, else one channel).
struct MaskState {
    /// Bin power of the current frame.
    powers: Vec<f32>,
    /// The reference (noise, print or full scale) times the threshold ratio: what the gate
    /// compares with, and the noise power the statistical rules assume.
    threshold_powers: Vec<f32>,
    /// Bin level in dBFS (kept only while observed).
    levels_db: Vec<f32>,
    /// The threshold in dBFS (kept only while observed).
    thresholds_db: Vec<f32>,
    /// The gain rule's target for this frame.
    targets: Vec<f32>,
    /// The gain after attack/release, before the kernel.
    smoothed: Vec<f32>,
    /// The statistical rules' per-frame scratch: posterior SNR (power over noise power), a
    /// priori SNR (decision-directed), and the a priori probability of speech absence.
    posterior_snr: Vec<f32>,
    prior_snr: Vec<f32>,
    absence: Vec<f32>,
    history: StatisticalHistory,
    tracker: NoiseTracker,
    key: KeyState,
}

impl MaskState {
    fn new() -> Self {
        Self {
            powers: vec![0.0; MAX_BINS],
            threshold_powers: vec![0.0; MAX_BINS],
            levels_db: vec![0.0; MAX_BINS],
            thresholds_db: vec![0.0; MAX_BINS],
            targets: vec![1.0; MAX_BINS],
            smoothed: vec![1.0; MAX_BINS],
            posterior_snr: vec![0.0; MAX_BINS],
            prior_snr: vec![0.0; MAX_BINS],
            absence: vec![0.0; MAX_BINS],
            history: StatisticalHistory::new(),
            tracker: NoiseTracker::new(MAX_BINS),
            key: KeyState::new(MAX_BINS),
        }
    }

    fn reset(&mut self) {
        self.smoothed.fill(1.0);
        self.history.reset();
        self.tracker.reset();
        self.key.reset();
    }

    /// Takes over another mask's history over the first `bins` bins (stereo link switched
    /// off). Never allocates.
    fn copy_history_from(&mut self, other: &Self, bins: usize) {
        self.smoothed[..bins].copy_from_slice(&other.smoothed[..bins]);
        self.history.copy_from(&other.history, bins);
        self.tracker.copy_from(&other.tracker, bins);
        self.key.copy_from(&other.key, bins);
    }

    /// Moves the per-bin history onto a new bin grid.
    fn regrid(&mut self, old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
        self.tracker.regrid(old_bins, new_bins, scratch);
        self.history.regrid(old_bins, new_bins, scratch);
        self.key.regrid(old_bins, new_bins, scratch);
        noise_floor::regrid_values(&mut self.smoothed, old_bins, new_bins, scratch);
    }
}

/// Mask state for a fixed number of channels.
pub struct Masker {
    /// One per channel; mask 0 serves all channels when linked.
    masks: Vec<MaskState>,
    /// Whether levels and thresholds in dB are wanted (an observer reads them); they cost
    /// two logarithms per bin, so the plain audio path skips them.
    observed: bool,
    /// Per channel: the gain multiplied into the spectrum this frame.
    applied: Vec<Vec<f32>>,
    learner: PrintLearner,
    /// The learned print's density on the print grid; valid when `has_print`.
    print: Vec<f32>,
    has_print: bool,
    print_changed: bool,
    /// The print re-gridded to the current bins.
    print_bins: Vec<f32>,
    print_bins_for: Option<StftConfig>,
    kernel: Kernel,
    tilt: Tilt,
    /// The threshold curve the user drew (none: flat).
    curve: Curve,
    geometry: Option<StftConfig>,
    scratch: Vec<f32>,
    sample_rate: f32,
    linked_last_frame: bool,
    /// The statistical rule of the last frame, if any, and whether it read the key: another
    /// rule's history (or a gate's lack of one, or another signal's) is not this rule's, so
    /// a change starts it fresh.
    estimator_last_frame: Option<(Estimator, bool)>,
    /// The key's role in the last frame (`Off` when no key was analysed): a key taken up
    /// starts from nothing, as in a fresh instance.
    key_last_frame: Key,
    /// Cepstro-temporal smoothing of the statistical rules' a priori SNR.
    cepstrum: cepstrum::Cepstrum,
}

impl Masker {
    pub fn new(num_channels: usize, sample_rate: f32) -> Self {
        // One set of transform plans for the kernel and the cepstrum.
        let plans = FftPlans::new();
        Self {
            masks: (0..num_channels).map(|_| MaskState::new()).collect(),
            observed: false,
            applied: (0..num_channels).map(|_| vec![1.0; MAX_BINS]).collect(),
            learner: PrintLearner::new(),
            print: vec![0.0; PRINT_POINTS],
            has_print: false,
            print_changed: false,
            print_bins: vec![0.0; MAX_BINS],
            print_bins_for: None,
            kernel: Kernel::with_plans(plans.clone()),
            tilt: Tilt::new(),
            curve: Curve::default(),
            geometry: None,
            scratch: vec![0.0; MAX_BINS],
            sample_rate,
            linked_last_frame: true,
            estimator_last_frame: None,
            key_last_frame: Key::Off,
            cepstrum: cepstrum::Cepstrum::new(plans),
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
    }

    /// Forgets the audio history (gains open, noise unlearned); keeps the print.
    pub fn reset(&mut self) {
        for mask in &mut self.masks {
            mask.reset();
        }
        for gains in &mut self.applied {
            gains.fill(1.0);
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

    /// The threshold curve in use.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// Takes a new threshold curve; from the next frame on. Never allocates.
    pub fn set_curve(&mut self, curve: Curve) {
        self.curve = curve;
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
            self.masks.len()
        }
    }

    /// Whether [`Self::levels_db`] and [`Self::thresholds_db`] are kept up to date.
    pub fn set_observed(&mut self, observed: bool) {
        self.observed = observed;
    }

    /// Level in dBFS of each bin of mask `index` in the last frame (kept only while
    /// observed).
    pub fn levels_db(&self, index: usize) -> &[f32] {
        &self.masks[index].levels_db[..self.num_bins()]
    }

    /// Level in dBFS of the key as mask `index` read it in the last frame (kept only while
    /// observed); `None` when no key was analysed.
    pub fn key_levels_db(&self, index: usize) -> Option<&[f32]> {
        (self.key_last_frame != Key::Off).then(|| self.masks[index].key.levels_db(self.num_bins()))
    }

    /// The threshold each bin of mask `index` was compared with, in dBFS.
    pub fn thresholds_db(&self, index: usize) -> &[f32] {
        &self.masks[index].thresholds_db[..self.num_bins()]
    }

    /// The gain applied to channel `channel`'s bins in the last frame.
    pub fn applied_gains(&self, channel: usize) -> &[f32] {
        &self.applied[channel][..self.num_bins()]
    }

    fn num_bins(&self) -> usize {
        self.geometry.map_or(0, |config| config.num_bins())
    }

    /// Computes the gains for `frame` and multiplies them into its spectra, stage by stage:
    /// level, noise tracking and learning, reference, gain rule, time smoothing, kernel, mix.
    pub fn process_frame(&mut self, frame: &mut Frame, settings: &Settings) {
        let config = frame.config;
        let bins = config.num_bins();
        if self.geometry != Some(config) {
            let old_bins = self.num_bins();
            for mask in &mut self.masks {
                mask.regrid(old_bins, bins, &mut self.scratch);
            }
            self.geometry = Some(config);
        }
        self.kernel.prepare(settings.kernel, config);
        let linked = settings.stereo_link || frame.spectra.len() == 1;
        if self.linked_last_frame && !linked {
            // Each channel's mask starts from the linked one's history, not from nothing.
            let (first, rest) = self.masks.split_at_mut(1);
            for mask in rest {
                mask.copy_history_from(&first[0], bins);
            }
        }
        self.linked_last_frame = linked;
        let num_masks = if linked { 1 } else { frame.spectra.len() };
        let full_scale = full_scale_power(frame.window_sum);
        let frame_s = config.hop() as f32 / self.sample_rate;
        // Noise references are densities: power over the window's power sum.
        let to_density = 1.0 / frame.window_power;
        let silence_density = full_scale * 10f32.powf(SILENCE_DB / 10.0) * to_density;

        // Level, and the noise trackers, which run whatever the reference so that switching
        // to the adaptive one finds it settled.
        for (index, mask) in self.masks.iter_mut().take(num_masks).enumerate() {
            let powers = &mut mask.powers[..bins];
            gain::mask_power(frame.spectra, (!linked).then_some(index), powers);
            let densities = &mut self.scratch[..bins];
            scale_into(powers, to_density, densities);
            mask.tracker.update(densities, silence_density, frame_s);
        }
        let key = if frame.key.is_empty() {
            Key::Off
        } else {
            settings.key
        };
        if key != Key::Off {
            for (index, mask) in self.masks.iter_mut().take(num_masks).enumerate() {
                if self.key_last_frame == Key::Off {
                    mask.key.reset();
                }
                let channel = (!linked).then_some(index);
                mask.key.update(
                    frame.key,
                    channel,
                    bins,
                    to_density,
                    silence_density,
                    frame_s,
                    &mut self.scratch,
                );
            }
        }
        self.key_last_frame = key;
        // Gating and ducking compare the key's bins with the threshold, not the signal's.
        let key_detects = matches!(key, Key::Gate | Key::Duck);
        self.learn(settings, to_density, bins);

        // Reference, chosen once per frame.
        let use_print = settings.reference == Reference::Print && self.has_print;
        if use_print && self.print_bins_for != Some(config) {
            noise_floor::resample(&self.print, &mut self.print_bins[..bins]);
            self.print_bins_for = Some(config);
        }
        let threshold_ratio = 10f32.powf(settings.threshold_db / 10.0);
        // -300 dBFS stands for silence on both sides, as in `power_to_db`.
        let silence = full_scale * 1e-30;
        for mask in self.masks.iter_mut().take(num_masks) {
            let thresholds = &mut mask.threshold_powers[..bins];
            let floor = if key_detects {
                mask.key.floor_densities(bins)
            } else {
                mask.tracker.densities(bins)
            };
            match (key, settings.reference) {
                (Key::Reference, _) => scale_into(
                    mask.key.reference_densities(bins),
                    frame.window_power,
                    thresholds,
                ),
                (_, Reference::Absolute) => thresholds.fill(full_scale),
                (_, Reference::Print) if use_print => {
                    scale_into(&self.print_bins[..bins], frame.window_power, thresholds)
                }
                (_, Reference::Adaptive | Reference::Print) => {
                    scale_into(floor, frame.window_power, thresholds)
                }
            }
            let tilt = self
                .tilt
                .factors(settings.tilt_db, &self.curve, config, self.sample_rate);
            for (threshold, factor) in thresholds.iter_mut().zip(tilt) {
                // Never zero, even at -140 dB below a silent reference: the gain rules divide.
                *threshold =
                    (threshold.max(silence) * threshold_ratio * factor).max(f32::MIN_POSITIVE);
            }
        }

        // Gain rule and time smoothing. A statistical rule taken up after another rule starts
        // from nothing, as a fresh instance would, not from the history it left.
        let estimator = statistical_estimator(settings.mode);
        let rule = estimator.map(|estimator| (estimator, key_detects));
        if rule.is_some() && rule != self.estimator_last_frame {
            for mask in &mut self.masks {
                mask.history.reset();
            }
        }
        self.estimator_last_frame = rule;
        let floor_gain = db_to_gain(settings.floor_db);
        let attack = smoothing_coefficient(settings.attack_ms, frame_s);
        let release = smoothing_coefficient(settings.release_ms, frame_s);
        let prior_keep = gain::keep_per_frame(PRIOR_SNR_SMOOTHING_S, frame_s);
        let bin_hz = self.sample_rate / config.transform_size() as f32;
        let gate = Gate::new(settings.mode, settings.knee_db);
        for mask in self.masks.iter_mut().take(num_masks) {
            let powers = if key_detects {
                mask.key.powers(bins)
            } else {
                &mask.powers[..bins]
            };
            let thresholds = &mask.threshold_powers[..bins];
            let targets = &mut mask.targets[..bins];
            match estimator {
                Some(estimator) => {
                    let posterior = &mut mask.posterior_snr[..bins];
                    let prior = &mut mask.prior_snr[..bins];
                    let history = &mut mask.history;
                    let previous = &mut history.previous_clean_snr[..bins];
                    let absence = &mut mask.absence[..bins];
                    gain::prior_snrs(powers, thresholds, previous, prior_keep, posterior, prior);
                    self.cepstrum.smooth_prior(
                        &mut history.cepstral,
                        powers,
                        thresholds,
                        self.sample_rate,
                        frame_s,
                        prior,
                    );
                    // Only the LSA rule weighs by speech absence.
                    if estimator == Estimator::Lsa {
                        history.speech_absence.estimate(
                            prior,
                            frame_s,
                            bin_hz,
                            MAX_SPEECH_ABSENCE,
                            absence,
                        );
                    }
                    gain::statistical_gains(
                        estimator, floor_gain, posterior, prior, absence, previous, targets,
                    );
                }
                None => gain::gate_gains(powers, thresholds, &gate, floor_gain, targets),
            }
            if key == Key::Duck {
                // Where the key opens the gate, the ducker closes.
                for target in targets.iter_mut() {
                    *target = (1.0 + floor_gain - *target).clamp(floor_gain, 1.0);
                }
            }
            // Attack is how fast a bin follows the key's arrival: for a ducker, that is the
            // gain going down.
            let (opening, closing) = match key {
                Key::Duck => (release, attack),
                _ => (attack, release),
            };
            gain::smooth_in_time(targets, &mut mask.smoothed[..bins], opening, closing);
            if self.observed {
                for ((level, threshold), (&power, &threshold_power)) in mask.levels_db[..bins]
                    .iter_mut()
                    .zip(&mut mask.thresholds_db[..bins])
                    .zip(mask.powers[..bins].iter().zip(thresholds))
                {
                    *level = power_to_db(power, full_scale);
                    *threshold = power_to_db(threshold_power, full_scale);
                }
                if key != Key::Off {
                    mask.key.observe_levels(bins, full_scale);
                }
            }
        }

        // Kernel, mix, and the gains into the spectra.
        let mix = settings.mix_percent / 100.0;
        let output_gain = db_to_gain(settings.output_gain_db);
        for channel in 0..frame.spectra.len() {
            let mask = if linked { 0 } else { channel };
            if channel == 0 || !linked {
                let applied = &mut self.applied[channel][..bins];
                applied.copy_from_slice(&self.masks[mask].smoothed[..bins]);
                self.kernel.apply(applied);
                gain::mix_gains(applied, mix, settings.delta, output_gain);
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

    /// Print learning: accumulates the first mask's densities while `learn` is on, and
    /// finishes the print in the first frame after it is switched off.
    fn learn(&mut self, settings: &Settings, to_density: f32, bins: usize) {
        if settings.learn {
            let densities = &mut self.scratch[..bins];
            scale_into(&self.masks[0].powers[..bins], to_density, densities);
            self.learner.add(densities);
        } else {
            self.finish_learning();
        }
    }

    /// Ends a print being learned, as the first frame with `learn` off does: what an offline
    /// learner calls at the end of its span. Nothing happens if no print is being learned.
    pub fn finish_learning(&mut self) {
        if self.learner.is_learning() {
            self.has_print = self.learner.finish_into(&mut self.print);
            self.print_changed = true;
            self.print_bins_for = None;
        }
    }
}

/// The statistical estimator a mode stands for, if it is one.
fn statistical_estimator(mode: Mode) -> Option<Estimator> {
    match mode {
        Mode::Wiener => Some(Estimator::Wiener),
        Mode::Lsa => Some(Estimator::Lsa),
        Mode::Binary | Mode::Soft | Mode::BinaryInverted | Mode::SoftInverted => None,
    }
}

/// `to[i] = from[i] * scale`.
fn scale_into(from: &[f32], scale: f32, to: &mut [f32]) {
    for (to, from) in to.iter_mut().zip(from) {
        *to = from * scale;
    }
}
