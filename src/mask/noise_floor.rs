//! Per-bin noise references: a causal adaptive noise tracker and a learned noise print.
//!
//! Both are kept as noise *density* (bin power over the window's power sum), which is the
//! noise variance for white noise whatever the window, N and P; a level in a bin's own
//! terms is `density * window_power`. The print is stored on a fixed frequency grid so it
//! survives window-size and padding changes and can be saved with the plugin state.

use super::gain::keep_per_frame;

/// Points of the print's frequency grid, DC to Nyquist.
pub const PRINT_POINTS: usize = 1025;

/// A causal per-bin noise estimate that cannot get stuck: the MMSE noise power estimator
/// with a speech presence probability of Gerkmann & Hendriks ("Unbiased MMSE-based noise
/// power estimation with low complexity and low tracking delay", IEEE TASLP 2012), with
/// four additions a plugin needs:
///
/// - **Silence is not noise.** A bin whose power is below [`SILENCE_DB`] (digital silence,
///   denormal-level input, the zeros a host plays before a region) leaves the estimate alone
///   and marks the bin unsettled; when signal returns the bin starts again from a running
///   mean of what it hears, so no stretch of silence lowers the estimate it goes back to.
/// - **A start from nothing.** A bin's first frames are a partly filled window; the estimate
///   follows them, then takes the running mean over [`SETTLE_S`], then tracks.
/// - **Steps up.** A bin that is "speech" for longer than a word ([`STAGNANT_PRESENCE`],
///   the paper's stagnation test) may rise towards its own mean: fast when most of the
///   spectrum is stagnant at once (the background got louder: broadband), slowly when a few
///   bins are (a held note, a tone, a harmonic that should stay above the floor).
/// - **Moving backgrounds.** Speech and music fill a minority of the bins, so the lower
///   quartile of this frame's power over the estimate reads the background alone; where it
///   stays above what noise gives for [`RISE_HOLD_S`], the whole estimate follows it within
///   [`RISE_FOLLOW_S`] (a noise whose level wanders by 15 dB within a second, which the
///   stagnation test is too slow for); where it reads the background as quieter, at once.
///   A sound that fills most of the spectrum for longer than the hold (a dense mix) is taken
///   for background too.
///
/// Per bin the estimate is a density (see the module doc), so it survives window changes
/// by [`Self::regrid`].
pub struct NoiseTracker {
    /// The noise density estimate.
    noise: Vec<f32>,
    /// Recursive mean of the density: where a stagnant bin may rise to.
    mean: Vec<f32>,
    /// Smoothed speech presence probability (the stagnation test).
    presence: Vec<f32>,
    /// Consecutive non-silent frames seen, saturating.
    heard: Vec<u16>,
    /// A broadband rise is under way: every settled bin may rise to its mean until most of
    /// the spectrum reads as noise again (hysteresis, so the last decibels are not left to
    /// the slow path).
    rising: bool,
    /// Scratch: this frame's power over the estimate, per settled bin.
    ratios: Vec<f32>,
    /// How long the lower quartile has read the background as louder, in seconds.
    louder_s: f32,
}

/// Bin power below this, relative to a full-scale sine on the bin, counts as silence: below
/// 24-bit dither (about -176 dB per bin at N = 2048) and far above denormals.
pub const SILENCE_DB: f32 = -150.0;
/// Fixed a priori SNR of speech when present, 15 dB (Gerkmann & Hendriks' choice: it makes
/// the estimator unbiased in noise and keeps speech out of it).
const SPEECH_SNR: f32 = 31.622_776;
/// The estimator's fixed point in noise lies below the noise power: frames with a high
/// periodogram value read as speech and are partly replaced by the old estimate. For an
/// exponentially distributed periodogram and `SPEECH_SNR` the fixed point is 0.8123 of the
/// mean (-0.90 dB, solved numerically; the unit test measures it), so the estimate is scaled
/// by the inverse.
const FIXED_POINT_BIAS: f32 = 1.0 / 0.812_267;
/// Time constant of the noise power smoothing. The paper's 0.8 per 16 ms frame is 72 ms; a
/// little longer halves the estimate's spread across bins (a steadier reference).
const NOISE_SMOOTHING_S: f32 = 0.15;
/// The noise smoothing spans at least this many hops.
const NOISE_SMOOTHING_HOPS: f32 = 10.0;
/// Time constant of the presence smoothing for the stagnation test. The paper's 0.9 per
/// 16 ms frame is 150 ms; 100 ms lets a broadband step be recognised in under half a second.
const PRESENCE_SMOOTHING_S: f32 = 0.1;
/// The presence smoothing spans at least this many hops.
const PRESENCE_SMOOTHING_HOPS: f32 = 4.0;
/// A bin whose smoothed presence exceeds this has been "speech" for about 0.45 s.
const STAGNANT_PRESENCE: f32 = 0.99;
/// Time constant of the density mean a stagnant bin rises towards.
const MEAN_SMOOTHING_S: f32 = 0.05;
/// A bin's running mean start, after the window has filled.
const SETTLE_S: f32 = 0.1;
/// When more than this share of the heard bins is stagnant, the background itself changed.
const BROADBAND_SHARE: f32 = 0.6;
/// A broadband rise ends when less than this share of the heard bins is likely speech.
const BROADBAND_END_SHARE: f32 = 0.3;
/// Rise of stagnant bins after a broadband change: 60 dB (a -90 dBFS lead-in to a noisy
/// take) in half a second.
const BROADBAND_RISE_DB_PER_S: f32 = 120.0;
/// Rise of stagnant bins otherwise: a held vowel or note of two seconds moves its floor by
/// 6 dB, while a hum that starts mid-take is learned within seconds.
const NARROWBAND_RISE_DB_PER_S: f32 = 3.0;
/// The lower quartile of an exponentially distributed periodogram over its mean, ln(4/3).
const NOISE_LOWER_QUARTILE: f32 = 0.287_682;
/// The background counts as louder when the lower quartile reads it this much above the
/// estimate (well outside the quartile's spread over a few hundred bins)...
const LOUDER_DB: f32 = 2.0;
/// ... for this long (longer than a fricative or a cymbal that fills most of the spectrum).
const RISE_HOLD_S: f32 = 0.1;
/// Time constant with which the estimate then follows the background.
const RISE_FOLLOW_S: f32 = 0.05;
/// Fewest settled bins the quartile is read from.
const QUARTILE_MIN_BINS: usize = 32;

impl NoiseTracker {
    pub fn new(max_bins: usize) -> Self {
        Self {
            noise: vec![0.0; max_bins],
            mean: vec![0.0; max_bins],
            presence: vec![0.0; max_bins],
            heard: vec![0; max_bins],
            rising: false,
            ratios: vec![0.0; max_bins],
            louder_s: 0.0,
        }
    }

    /// Back to the start: nothing heard.
    pub fn reset(&mut self) {
        self.noise.fill(0.0);
        self.mean.fill(0.0);
        self.presence.fill(0.0);
        self.heard.fill(0);
        self.rising = false;
        self.louder_s = 0.0;
    }

    /// The same state as `other` over the first `bins` bins (e.g. when stereo link is
    /// switched off, each channel starts from the linked estimate). Never allocates.
    pub fn copy_from(&mut self, other: &Self, bins: usize) {
        self.noise[..bins].copy_from_slice(&other.noise[..bins]);
        self.mean[..bins].copy_from_slice(&other.mean[..bins]);
        self.presence[..bins].copy_from_slice(&other.presence[..bins]);
        self.heard[..bins].copy_from_slice(&other.heard[..bins]);
        self.rising = other.rising;
        self.louder_s = other.louder_s;
    }

    /// Feeds one frame of per-bin densities. `silence` is the density below which a bin is
    /// silent, `frame_s` the hop in seconds.
    pub fn update(&mut self, densities: &[f32], silence: f32, frame_s: f32) {
        let bins = densities.len();
        let warmup = crate::config::OVERLAP as u16;
        let settle_frames = warmup + (SETTLE_S / frame_s).ceil() as u16;
        // At large windows a hop is long (43 ms at N = 8192): keep at least a few hops of
        // smoothing so the estimate does not rest on two or three periodograms.
        let noise_keep = keep_per_frame(
            NOISE_SMOOTHING_S.max(NOISE_SMOOTHING_HOPS * frame_s),
            frame_s,
        );
        let presence_keep = keep_per_frame(
            PRESENCE_SMOOTHING_S.max(PRESENCE_SMOOTHING_HOPS * frame_s),
            frame_s,
        );
        let mean_keep = keep_per_frame(MEAN_SMOOTHING_S, frame_s);
        let exponent_scale = SPEECH_SNR / (1.0 + SPEECH_SNR);
        let mut heard_bins = 0usize;
        let mut stagnant_bins = 0usize;
        let mut likely_speech_bins = 0usize;
        let mut settled_bins = 0usize;
        let state = self
            .noise
            .iter_mut()
            .zip(&mut self.mean)
            .zip(&mut self.presence)
            .zip(&mut self.heard);
        for (&density, (((noise, mean), presence), heard)) in densities.iter().zip(state) {
            if density <= silence || density.is_nan() {
                *heard = 0;
                continue;
            }
            *heard = heard.saturating_add(1);
            heard_bins += 1;
            if *heard <= warmup {
                // The window is still filling: its power says little yet.
                *noise = density;
                *mean = density;
                *presence = 0.0;
                continue;
            }
            if *heard <= settle_frames {
                let weight = 1.0 / f32::from(*heard - warmup);
                *noise += weight * (density - *noise);
                *mean = *noise;
                continue;
            }
            // A posteriori speech presence probability with equal priors (eq. 8 of the
            // paper), then the MMSE estimate of this frame's noise power (eq. 9).
            // The recursion runs on the estimator's own (biased) scale.
            let own = (*noise / FIXED_POINT_BIAS).max(silence);
            let ratio = density / own;
            self.ratios[settled_bins] = density / noise.max(silence);
            settled_bins += 1;
            let p = super::gain::presence_probability(0.5, SPEECH_SNR, ratio * exponent_scale);
            *presence = presence_keep * *presence + (1.0 - presence_keep) * p;
            let expected_noise = (1.0 - p) * density + p * own;
            *noise = (noise_keep * own + (1.0 - noise_keep) * expected_noise) * FIXED_POINT_BIAS;
            *mean = mean_keep * *mean + (1.0 - mean_keep) * density;
            if *presence > STAGNANT_PRESENCE {
                stagnant_bins += 1;
            }
            if *presence > 0.5 {
                likely_speech_bins += 1;
            }
        }
        self.follow_a_louder_background(settled_bins, settle_frames, frame_s, bins);
        let heard_share = |count: usize| count as f32 / heard_bins.max(1) as f32;
        if heard_share(stagnant_bins) > BROADBAND_SHARE {
            self.rising = true;
        }
        if self.rising {
            // Every settled bin heads for its mean: a broadband change is followed whole.
            let rise = 10f32.powf(BROADBAND_RISE_DB_PER_S * frame_s / 10.0);
            for bin in 0..bins {
                if self.heard[bin] > settle_frames {
                    let noise = &mut self.noise[bin];
                    *noise = (*noise * rise).min(self.mean[bin]).max(*noise);
                }
            }
            self.rising = heard_share(likely_speech_bins) >= BROADBAND_END_SHARE;
        } else if stagnant_bins > 0 {
            let rise = 10f32.powf(NARROWBAND_RISE_DB_PER_S * frame_s / 10.0);
            for bin in 0..bins {
                if self.heard[bin] > settle_frames && self.presence[bin] > STAGNANT_PRESENCE {
                    let noise = &mut self.noise[bin];
                    *noise = (*noise * rise).min(self.mean[bin]).max(*noise);
                }
            }
        }
    }

    /// The moving-background stage (see the type's doc): reads the lower quartile of the
    /// settled bins' power over the estimate and, once it has read "louder" for
    /// [`RISE_HOLD_S`], scales every settled bin towards it.
    fn follow_a_louder_background(
        &mut self,
        settled_bins: usize,
        settle_frames: u16,
        frame_s: f32,
        bins: usize,
    ) {
        if settled_bins < QUARTILE_MIN_BINS {
            self.louder_s = 0.0;
            return;
        }
        let ratios = &mut self.ratios[..settled_bins];
        let quartile = settled_bins / 4;
        let (_, &mut lower_quartile, _) = ratios.select_nth_unstable_by(quartile, f32::total_cmp);
        let louder = lower_quartile / NOISE_LOWER_QUARTILE;
        if !louder.is_finite() || louder <= 0.0 {
            // An infinite bin (non-finite input) must not scale every estimate to inf.
            self.louder_s = 0.0;
            return;
        }
        let margin = 10f32.powf(LOUDER_DB / 10.0);
        if louder >= margin {
            self.louder_s = (self.louder_s + frame_s).min(RISE_HOLD_S);
            if self.louder_s < RISE_HOLD_S {
                return;
            }
        } else {
            self.louder_s = 0.0;
            // Quieter: nothing but the background lowers the quartile, so no hold.
            if louder > 1.0 / margin {
                return;
            }
        }
        let step = louder.powf(1.0 - keep_per_frame(RISE_FOLLOW_S, frame_s));
        for (noise, &heard) in self.noise[..bins].iter_mut().zip(&self.heard[..bins]) {
            if heard > settle_frames {
                *noise *= step;
            }
        }
    }

    /// The noise density estimate per bin (0 where nothing has been heard yet).
    pub fn densities(&self, bins: usize) -> &[f32] {
        &self.noise[..bins]
    }

    /// Re-grids the state after a geometry change (bins are linear in frequency), so a
    /// change of window size does not send the tracker back to its start.
    pub fn regrid(&mut self, old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
        if old_bins == new_bins || old_bins < 2 {
            return;
        }
        for values in [&mut self.noise, &mut self.mean, &mut self.presence] {
            regrid_values(values, old_bins, new_bins, scratch);
        }
        // Counts are not interpolated: a new bin is as settled as its nearest old one.
        let scale = (old_bins - 1) as f32 / (new_bins - 1) as f32;
        if new_bins > old_bins {
            for bin in (0..new_bins).rev() {
                self.heard[bin] =
                    self.heard[((bin as f32 * scale).round() as usize).min(old_bins - 1)];
            }
        } else {
            for bin in 0..new_bins {
                self.heard[bin] =
                    self.heard[((bin as f32 * scale).round() as usize).min(old_bins - 1)];
            }
        }
    }
}

/// Moves `values[..old_bins]` onto a grid of `new_bins` in place, through `scratch`; a
/// grid of fewer than two bins has nothing to interpolate and is left as it is.
pub fn regrid_values(values: &mut [f32], old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
    if old_bins < 2 || old_bins == new_bins {
        return;
    }
    resample(&values[..old_bins], &mut scratch[..new_bins]);
    values[..new_bins].copy_from_slice(&scratch[..new_bins]);
}

/// Linear interpolation between two grids that both span DC to Nyquist.
pub fn resample(from: &[f32], to: &mut [f32]) {
    let scale = (from.len() - 1) as f32 / (to.len() - 1).max(1) as f32;
    for (i, value) in to.iter_mut().enumerate() {
        let x = i as f32 * scale;
        let left = (x as usize).min(from.len() - 1);
        let right = (left + 1).min(from.len() - 1);
        let t = x - left as f32;
        *value = from[left] + t * (from[right] - from[left]);
    }
}

/// Accumulates a print while `learn` is on.
pub struct PrintLearner {
    sum: Vec<f64>,
    frames: u32,
    grid: Vec<f32>,
}

impl PrintLearner {
    pub fn new() -> Self {
        Self {
            sum: vec![0.0; PRINT_POINTS],
            frames: 0,
            grid: vec![0.0; PRINT_POINTS],
        }
    }

    pub fn is_learning(&self) -> bool {
        self.frames > 0
    }

    pub fn add(&mut self, densities: &[f32]) {
        resample(densities, &mut self.grid);
        for (sum, value) in self.sum.iter_mut().zip(&self.grid) {
            *sum += *value as f64;
        }
        self.frames += 1;
    }

    /// Writes the mean into `print` (whose storage is preallocated) and starts over.
    pub fn finish_into(&mut self, print: &mut [f32]) -> bool {
        if self.frames == 0 {
            return false;
        }
        for (out, sum) in print.iter_mut().zip(&self.sum) {
            *out = (*sum / self.frames as f64) as f32;
        }
        self.sum.fill(0.0);
        self.frames = 0;
        true
    }
}

impl Default for PrintLearner {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME_S: f32 = 0.01;
    const SILENCE: f32 = 1e-20;

    /// Exponentially distributed densities of mean `level`: the periodogram of Gaussian noise.
    fn periodogram(level: f32, bins: usize, seed: &mut u64) -> Vec<f32> {
        (0..bins)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = ((*seed >> 40) as f32 + 0.5) / (1u64 << 24) as f32;
                -level * u.ln()
            })
            .collect()
    }

    fn mean_db(tracker: &NoiseTracker, bins: usize) -> f32 {
        let densities = tracker.densities(bins);
        10.0 * (densities.iter().sum::<f32>() / bins as f32).log10()
    }

    #[test]
    fn reads_the_level_of_noise_without_bias() {
        let mut tracker = NoiseTracker::new(256);
        let mut seed = 1;
        for _ in 0..300 {
            tracker.update(&periodogram(1.0, 256, &mut seed), SILENCE, FRAME_S);
        }
        let db = mean_db(&tracker, 256);
        assert!(db.abs() < 0.5, "{db:.2} dB");
    }

    #[test]
    fn digital_silence_is_not_learned_and_a_gap_is_recovered_from_at_once() {
        let mut tracker = NoiseTracker::new(64);
        let mut seed = 2;
        for _ in 0..200 {
            tracker.update(&[0.0; 64], SILENCE, FRAME_S);
        }
        assert!(tracker.densities(64).iter().all(|&d| d == 0.0));
        // 0.2 s after the noise starts it is known.
        for _ in 0..20 {
            tracker.update(&periodogram(1.0, 64, &mut seed), SILENCE, FRAME_S);
        }
        let db = mean_db(&tracker, 64);
        assert!(db.abs() < 1.5, "after silence: {db:.2} dB");
        // A gap of one second changes nothing.
        for _ in 0..100 {
            tracker.update(&[1e-30; 64], SILENCE, FRAME_S);
        }
        for _ in 0..20 {
            tracker.update(&periodogram(1.0, 64, &mut seed), SILENCE, FRAME_S);
        }
        let db = mean_db(&tracker, 64);
        assert!(db.abs() < 1.5, "after a gap: {db:.2} dB");
    }

    #[test]
    fn a_broadband_step_up_is_followed_within_a_second() {
        let mut tracker = NoiseTracker::new(128);
        let mut seed = 3;
        // -60 dB relative, then the real noise.
        for _ in 0..200 {
            tracker.update(&periodogram(1e-6, 128, &mut seed), SILENCE, FRAME_S);
        }
        for _ in 0..100 {
            tracker.update(&periodogram(1.0, 128, &mut seed), SILENCE, FRAME_S);
        }
        let db = mean_db(&tracker, 128);
        assert!(db.abs() < 1.5, "one second after +60 dB: {db:.2} dB");
        // Falling is followed within a second: 1 s is 6.7 smoothing times of 150 ms.
        for _ in 0..100 {
            tracker.update(&periodogram(0.01, 128, &mut seed), SILENCE, FRAME_S);
        }
        let db = mean_db(&tracker, 128);
        assert!((db + 20.0).abs() < 1.5, "1 s after -20 dB: {db:.2} dB");
    }

    #[test]
    fn a_background_that_wanders_by_15_db_is_followed() {
        let mut tracker = NoiseTracker::new(512);
        let mut seed = 5;
        let (mut worst, mut sum, mut count) = (0f32, 0f32, 0);
        for frame in 0..600 {
            let t = frame as f32 * FRAME_S;
            let level_db = 15.0 * (std::f32::consts::TAU * 0.37 * t).sin();
            let level = 10f32.powf(level_db / 10.0);
            tracker.update(&periodogram(level, 512, &mut seed), SILENCE, FRAME_S);
            if t > 2.0 {
                let error = (mean_db(&tracker, 512) - level_db).abs();
                worst = worst.max(error);
                sum += error;
                count += 1;
            }
        }
        // The rise waits 0.1 s and leaves the last 2 dB to the per-bin estimator.
        let mean = sum / count as f32;
        assert!(
            mean < 2.5 && worst < 6.0,
            "error: mean {mean:.2} dB, worst {worst:.2} dB"
        );
    }

    #[test]
    fn a_sustained_tone_stays_above_the_floor() {
        let mut tracker = NoiseTracker::new(128);
        let mut seed = 4;
        for _ in 0..100 {
            tracker.update(&periodogram(1.0, 128, &mut seed), SILENCE, FRAME_S);
        }
        // A tone 30 dB above the noise in 4 of 128 bins, for three seconds.
        for _ in 0..300 {
            let mut frame = periodogram(1.0, 128, &mut seed);
            for value in &mut frame[60..64] {
                *value += 1000.0;
            }
            tracker.update(&frame, SILENCE, FRAME_S);
        }
        let tone_floor = 10.0 * tracker.densities(128)[61].log10();
        // 3 s at most 3 dB/s: at most about 9 dB up, 20 dB below the tone.
        assert!(tone_floor < 10.0, "{tone_floor:.1} dB");
    }

    #[test]
    fn regrid_keeps_the_estimate_on_every_bin() {
        let mut tracker = NoiseTracker::new(1024);
        let mut seed = 5;
        for _ in 0..100 {
            tracker.update(&periodogram(1.0, 129, &mut seed), SILENCE, FRAME_S);
        }
        let mut scratch = vec![0.0; 1024];
        tracker.regrid(129, 513, &mut scratch);
        let densities = tracker.densities(513);
        assert!(densities.iter().all(|&d| d > 0.3 && d < 3.0));
        for _ in 0..5 {
            tracker.update(&periodogram(1.0, 513, &mut seed), SILENCE, FRAME_S);
        }
        let db = mean_db(&tracker, 513);
        assert!(db.abs() < 1.0, "{db:.2} dB");
    }

    #[test]
    fn resample_keeps_the_ends_and_interpolates() {
        let mut to = [0.0; 5];
        resample(&[0.0, 1.0, 2.0], &mut to);
        assert_eq!(to, [0.0, 0.5, 1.0, 1.5, 2.0]);
    }
}
