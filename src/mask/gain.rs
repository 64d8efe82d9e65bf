//! Bin level and the gain a level earns: threshold, modes, knee and floor, the statistical
//! gain rules, time smoothing and mix. Pure functions over slices: the masker's stages.

use crate::settings::Mode;
use crate::stft::Complex;

/// Power that reads 0 dB: a full-scale sine centred on a bin has magnitude `window_sum / 2`
/// whatever the window, N and P, so levels are comparable across every geometry.
pub fn full_scale_power(window_sum: f32) -> f32 {
    let reference = window_sum / 2.0;
    reference * reference
}

/// Level in dB of a bin's power relative to `reference_power`; -inf-safe.
pub fn power_to_db(power: f32, reference_power: f32) -> f32 {
    10.0 * (power / reference_power).max(1e-30).log10()
}

/// Linear gain of a dB value; -inf gives 0.
pub fn db_to_gain(db: f32) -> f32 {
    if db == f32::NEG_INFINITY {
        0.0
    } else {
        10f32.powf(db / 20.0)
    }
}

/// Per-bin power of the loudest channel (the linked mask) into `powers`.
fn loudest_power(spectra: &[Vec<Complex<f32>>], powers: &mut [f32]) {
    powers.fill(0.0);
    for spectrum in spectra {
        for (power, bin) in powers.iter_mut().zip(spectrum) {
            *power = power.max(bin.norm_sqr());
        }
    }
}

/// Per-bin power of one channel into `powers`.
fn channel_power(spectrum: &[Complex<f32>], powers: &mut [f32]) {
    for (power, bin) in powers.iter_mut().zip(spectrum) {
        *power = bin.norm_sqr();
    }
}

/// Per-bin power of what one mask follows into `powers`: the loudest of `spectra` (`channel`
/// `None`, a linked mask) or channel `channel` (the last one if there are fewer).
pub fn mask_power(spectra: &[Vec<Complex<f32>>], channel: Option<usize>, powers: &mut [f32]) {
    match channel {
        None => loudest_power(spectra, powers),
        Some(channel) => channel_power(&spectra[channel.min(spectra.len() - 1)], powers),
    }
}

/// How far open a bin is, 0 (reduced) to 1 (passed), from its level above the threshold.
/// Binary modes switch at the threshold; soft modes follow a smoothstep over `knee_db`
/// centred on it (a zero knee is binary).
pub fn openness(level_above_threshold_db: f32, mode: Mode, knee_db: f32) -> f32 {
    let soft = matches!(mode, Mode::Soft | Mode::SoftInverted) && knee_db > 0.0;
    let open = if soft {
        let x = (level_above_threshold_db / knee_db + 0.5).clamp(0.0, 1.0);
        x * x * (3.0 - 2.0 * x)
    } else if level_above_threshold_db >= 0.0 {
        1.0
    } else {
        0.0
    };
    match mode {
        // The statistical modes do not gate; as gates they pass what is above.
        Mode::Binary | Mode::Soft | Mode::Wiener | Mode::Lsa => open,
        Mode::BinaryInverted | Mode::SoftInverted => 1.0 - open,
    }
}

/// [`openness`] from the power ratio of a bin's level to its threshold. Binary modes and
/// soft bins outside the knee need no logarithm, which keeps the per-bin cost to a
/// comparison for almost every bin.
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    mode: Mode,
    knee_db: f32,
    soft: bool,
    inverted: bool,
    /// Power ratios at the knee's lower and upper ends.
    knee_low: f32,
    knee_high: f32,
}

impl Gate {
    pub fn new(mode: Mode, knee_db: f32) -> Self {
        let soft = matches!(mode, Mode::Soft | Mode::SoftInverted) && knee_db > 0.0;
        Self {
            mode,
            knee_db,
            soft,
            inverted: matches!(mode, Mode::BinaryInverted | Mode::SoftInverted),
            knee_low: 10f32.powf(-knee_db / 20.0),
            knee_high: 10f32.powf(knee_db / 20.0),
        }
    }

    /// How far open a bin whose power is `ratio` times its threshold power is.
    pub fn openness_of_ratio(&self, ratio: f32) -> f32 {
        let open = if !self.soft {
            if ratio >= 1.0 {
                1.0
            } else {
                0.0
            }
        } else if ratio <= self.knee_low {
            0.0
        } else if ratio >= self.knee_high {
            1.0
        } else {
            return openness(10.0 * ratio.log10(), self.mode, self.knee_db);
        };
        if self.inverted {
            1.0 - open
        } else {
            open
        }
    }
}

/// The gain of a bin that is `openness` open: reduced bins keep `floor_gain`, not zero.
pub fn gain(openness: f32, floor_gain: f32) -> f32 {
    floor_gain + (1.0 - floor_gain) * openness
}

/// The gates' stage: each bin's target gain from its power against its threshold power.
pub fn gate_gains(
    powers: &[f32],
    thresholds: &[f32],
    gate: &Gate,
    floor_gain: f32,
    out: &mut [f32],
) {
    for ((out, &power), &threshold) in out.iter_mut().zip(powers).zip(thresholds) {
        *out = gain(gate.openness_of_ratio(power / threshold), floor_gain);
    }
}

/// The statistical gain rules; the noise power they assume is the threshold power, so the
/// threshold acts as an SNR offset (a higher threshold treats the noise as louder).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimator {
    /// The Wiener gain `xi / (1 + xi)`.
    Wiener,
    /// Ephraim & Malah's MMSE log-spectral amplitude gain (1985), weighted by the speech
    /// presence probability as in Cohen's OM-LSA (2001): `G_lsa^p * G_min^(1 - p)`, so a
    /// bin that is probably noise goes to the floor instead of opening by chance.
    Lsa,
}

/// Smallest a priori SNR (-30 dB): keeps the LSA gain finite and the decision-directed
/// estimate from sticking at zero.
pub(super) const MIN_PRIOR_SNR: f32 = 1e-3;
/// Largest SNR the statistical rules work with (120 dB).
pub(super) const MAX_SNR: f32 = 1e12;
/// The lowest gain the presence weighting pulls towards: -120 dB, the lowest floor setting
/// (below it the floor reads -inf, and the logarithm needs a finite end).
const MIN_PRESENCE_GAIN: f32 = 1e-6;

/// The decision-directed stage of the statistical rules (Ephraim & Malah 1984): per bin the
/// posterior SNR `gamma` (power over noise power) and the a priori SNR
/// `xi = keep * previous + (1 - keep) * max(gamma - 1, 0)`, where `previous` is the last
/// frame's estimate of clean power over noise power. The estimate's own smoothing is what
/// keeps chance peaks of the noise from opening bins.
pub fn prior_snrs(
    powers: &[f32],
    noise_powers: &[f32],
    previous: &[f32],
    keep: f32,
    posterior: &mut [f32],
    prior: &mut [f32],
) {
    for ((((gamma, xi), &power), &noise), &previous) in posterior
        .iter_mut()
        .zip(prior.iter_mut())
        .zip(powers)
        .zip(noise_powers)
        .zip(previous)
    {
        // Bounded at 120 dB so that a bin far above a reference of (nearly) nothing stays
        // finite instead of becoming inf / inf.
        *gamma = (power / noise).min(MAX_SNR);
        *xi = (keep * previous + (1.0 - keep) * (*gamma - 1.0).max(0.0))
            .clamp(MIN_PRIOR_SNR, MAX_SNR);
    }
}

/// The statistical gain rule, from [`prior_snrs`] and, for [`Estimator::Lsa`], each bin's
/// a priori probability of speech absence (see `presence`). Writes each bin's clean-SNR
/// estimate into `previous` for the next frame.
pub fn statistical_gains(
    estimator: Estimator,
    floor_gain: f32,
    posterior: &[f32],
    prior: &[f32],
    absence: &[f32],
    previous: &mut [f32],
    out: &mut [f32],
) {
    let presence_floor = floor_gain.max(MIN_PRESENCE_GAIN).ln();
    for ((((out, &gamma), &xi), &absence), previous) in out
        .iter_mut()
        .zip(posterior)
        .zip(prior)
        .zip(absence)
        .zip(previous.iter_mut())
    {
        let wiener = xi / (1.0 + xi);
        match estimator {
            Estimator::Wiener => {
                *previous = wiener * wiener * gamma;
                *out = wiener.max(floor_gain);
            }
            Estimator::Lsa => {
                let v = wiener * gamma;
                let lsa = (wiener * (0.5 * exponential_integral(v)).exp()).min(1.0);
                *previous = lsa * lsa * gamma;
                let p = presence_probability(absence, xi, v);
                *out = (p * lsa.max(MIN_PRESENCE_GAIN).ln() + (1.0 - p) * presence_floor)
                    .exp()
                    .max(floor_gain);
            }
        }
    }
}

/// Cohen's speech presence probability given the a priori absence `q`:
/// `1 / (1 + q / (1 - q) (1 + xi) e^-v)`; certain absence gives 0.
pub(super) fn presence_probability(absence: f32, xi: f32, v: f32) -> f32 {
    if absence >= 1.0 {
        return 0.0;
    }
    let odds = absence / (1.0 - absence) * (1.0 + xi) * (-v).exp();
    1.0 / (1.0 + odds)
}

/// The exponential integral `E1(x) = ∫x^∞ e^-t / t dt` for `x > 0`: its series below 1,
/// Abramowitz & Stegun 5.1.56 above (error under 5e-5).
pub fn exponential_integral(x: f32) -> f32 {
    let x = x.max(1e-30);
    if x < 1.0 {
        const EULER_GAMMA: f32 = 0.577_215_7;
        let series = x * (1.0 - x * (0.25 - x * (1.0 / 18.0 - x * (1.0 / 96.0 - x / 600.0))));
        -EULER_GAMMA - x.ln() + series
    } else {
        let numerator = x * x + 2.334_733 * x + 0.250_621;
        let denominator = x * x + 3.330_657 * x + 1.681_534;
        (-x).exp() / x * numerator / denominator
    }
}

/// The time smoothing stage: a one-pole per bin towards `targets`, `attack` while opening
/// and `release` while closing (coefficients per frame, 0 is instantaneous).
pub fn smooth_in_time(targets: &[f32], smoothed: &mut [f32], attack: f32, release: f32) {
    for (smoothed, &target) in smoothed.iter_mut().zip(targets) {
        let coefficient = if target > *smoothed { attack } else { release };
        *smoothed = target + coefficient * (*smoothed - target);
    }
}

/// The mix stage, on the gain so that dry and wet stay aligned and the kernel's alias bound
/// still holds: `mix` of the mask (0..1), optionally what it removes instead, then gain.
pub fn mix_gains(gains: &mut [f32], mix: f32, removed: bool, output_gain: f32) {
    for value in gains.iter_mut() {
        let kept = mix * *value + (1.0 - mix);
        let out = if removed { 1.0 - kept } else { kept };
        *value = out * output_gain;
    }
}

/// How much of its state a one-pole smoother with time constant `time_s` keeps per frame of
/// `frame_s`: the internal time constants are kept in seconds so every window size behaves
/// alike.
pub fn keep_per_frame(time_s: f32, frame_s: f32) -> f32 {
    (-frame_s / time_s).exp()
}

/// One-pole coefficient per frame for a time constant in ms; 0 ms is instantaneous.
pub fn smoothing_coefficient(time_ms: f32, frame_s: f32) -> f32 {
    if time_ms <= 0.0 {
        0.0
    } else {
        keep_per_frame(time_ms / 1000.0, frame_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_switches_at_the_threshold_and_inverts() {
        assert_eq!(openness(0.0, Mode::Binary, 6.0), 1.0);
        assert_eq!(openness(-0.01, Mode::Binary, 6.0), 0.0);
        assert_eq!(openness(0.0, Mode::BinaryInverted, 6.0), 0.0);
        assert_eq!(openness(-0.01, Mode::BinaryInverted, 6.0), 1.0);
    }

    #[test]
    fn soft_is_half_open_at_the_threshold_and_closed_half_a_knee_below() {
        assert!((openness(0.0, Mode::Soft, 6.0) - 0.5).abs() < 1e-6);
        assert_eq!(openness(-3.0, Mode::Soft, 6.0), 0.0);
        assert_eq!(openness(3.0, Mode::Soft, 6.0), 1.0);
        assert!((openness(0.0, Mode::SoftInverted, 6.0) - 0.5).abs() < 1e-6);
        assert_eq!(openness(3.0, Mode::SoftInverted, 6.0), 0.0);
    }

    #[test]
    fn the_ratio_gate_agrees_with_the_db_gate() {
        for mode in [
            Mode::Binary,
            Mode::Soft,
            Mode::BinaryInverted,
            Mode::SoftInverted,
        ] {
            let gate = Gate::new(mode, 6.0);
            for tenth_db in -100..100 {
                let db = tenth_db as f32 / 10.0;
                let ratio = 10f32.powf(db / 10.0);
                let expected = openness(db, mode, 6.0);
                assert!(
                    (gate.openness_of_ratio(ratio) - expected).abs() < 1e-4,
                    "{mode:?} {db}"
                );
            }
        }
    }

    #[test]
    fn floor_sets_the_gain_of_reduced_bins() {
        // -20 dB is a gain of 0.1.
        assert!((gain(0.0, db_to_gain(-20.0)) - 0.1).abs() < 1e-6);
        assert_eq!(gain(0.0, db_to_gain(f32::NEG_INFINITY)), 0.0);
        assert_eq!(gain(1.0, 0.1), 1.0);
    }

    #[test]
    fn full_scale_reads_zero_db() {
        let window_sum = 1024.0;
        let magnitude = window_sum / 2.0;
        let db = power_to_db(magnitude * magnitude, full_scale_power(window_sum));
        assert!(db.abs() < 1e-6);
    }
    #[test]
    fn exponential_integral_matches_tabulated_values() {
        // A&S table 5.1: E1(0.1) = 1.822924, E1(0.5) = 0.559774, E1(1) = 0.219384,
        // E1(2) = 0.048901, E1(5) = 0.001148.
        for (x, expected) in [
            (0.1, 1.822924),
            (0.5, 0.559774),
            (1.0, 0.219384),
            (2.0, 0.048901),
            (5.0, 0.001148),
        ] {
            let got = exponential_integral(x);
            assert!(
                (got - expected).abs() < 1e-4 * expected.max(1.0),
                "E1({x}) = {got}"
            );
        }
    }

    /// One frame of the statistical stages for a single bin; returns the gain.
    fn statistical_frame(
        estimator: Estimator,
        power: f32,
        absence: f32,
        previous: &mut [f32; 1],
    ) -> f32 {
        let (mut posterior, mut prior, mut out) = ([0.0], [0.0], [0.0]);
        prior_snrs(&[power], &[1.0], previous, 0.98, &mut posterior, &mut prior);
        let floor = db_to_gain(-30.0);
        statistical_gains(
            estimator,
            floor,
            &posterior,
            &prior,
            &[absence],
            previous,
            &mut out,
        );
        out[0]
    }

    #[test]
    fn statistical_gains_pass_speech_and_hold_noise_at_the_floor() {
        let floor = db_to_gain(-30.0);
        for estimator in [Estimator::Wiener, Estimator::Lsa] {
            // A bin 30 dB above its noise, for long enough that the prior SNR settles:
            // Wiener 1000 / 1001, nearly open.
            let mut previous = [0.0];
            let mut gain = 0.0;
            for _ in 0..200 {
                gain = statistical_frame(estimator, 1000.0, 0.0, &mut previous);
            }
            assert!(gain > 0.99, "{estimator:?} speech: {gain}");
            // A bin at its noise level, judged absent: xi settles to the minimum, the
            // Wiener gain near the floor, the weighted LSA gain on it.
            let mut previous = [0.0];
            for _ in 0..200 {
                gain = statistical_frame(estimator, 1.0, 1.0, &mut previous);
            }
            assert!(
                gain < db_to_gain(-29.0) && gain >= floor,
                "{estimator:?} noise: {gain}"
            );
        }
        // Far below its reference (a quiet bin under an absolute threshold) the bare LSA gain
        // is 1; absence still holds it at the floor.
        let mut previous = [0.0];
        assert_eq!(
            statistical_frame(Estimator::Lsa, 1e-6, 1.0, &mut previous),
            floor
        );
    }

    #[test]
    fn an_absent_bin_sits_at_any_floor_down_to_the_lowest() {
        for floor_db in [-30.0, -80.0, -120.0] {
            let floor = db_to_gain(floor_db);
            let (mut posterior, mut prior, mut out) = ([0.0], [0.0], [0.0]);
            let mut previous = [0.0];
            prior_snrs(&[1.0], &[1.0], &previous, 0.98, &mut posterior, &mut prior);
            statistical_gains(
                Estimator::Lsa,
                floor,
                &posterior,
                &prior,
                &[1.0],
                &mut previous,
                &mut out,
            );
            let got_db = 20.0 * out[0].log10();
            assert!((got_db - floor_db).abs() < 0.01, "{floor_db}: {got_db}");
        }
    }

    #[test]
    fn a_chance_peak_of_noise_does_not_open_a_bin() {
        // One frame 7 dB above the noise (a 1-in-150 periodogram value) after noise alone, at
        // Cohen's cap on the absence probability: the gain stays 20 dB down.
        let mut previous = [0.0];
        for _ in 0..100 {
            statistical_frame(Estimator::Lsa, 1.0, 0.95, &mut previous);
        }
        let gain = statistical_frame(Estimator::Lsa, 5.0, 0.95, &mut previous);
        assert!(gain < db_to_gain(-20.0), "{gain}");
    }

    #[test]
    fn presence_follows_the_absence_prior_and_the_evidence() {
        assert_eq!(presence_probability(1.0, 100.0, 50.0), 0.0);
        assert_eq!(presence_probability(0.0, 0.0, 0.0), 1.0);
        // q = 0.95 with no evidence either way: 1 / (1 + 19).
        assert!((presence_probability(0.95, 0.0, 0.0) - 0.05).abs() < 1e-6);
        // Strong evidence overrides the prior.
        assert!(presence_probability(0.95, 100.0, 20.0) > 0.99);
    }

    #[test]
    fn time_smoothing_opens_with_attack_and_closes_with_release() {
        let mut smoothed = [0.0, 1.0];
        smooth_in_time(&[1.0, 0.0], &mut smoothed, 0.5, 0.9);
        // Opening: 1 + 0.5 (0 - 1) = 0.5; closing: 0 + 0.9 (1 - 0) = 0.9.
        assert_eq!(smoothed, [0.5, 0.9]);
    }

    #[test]
    fn mix_blends_with_dry_and_delta_is_the_rest() {
        let mut gains = [0.2];
        mix_gains(&mut gains, 0.5, false, 1.0);
        // 0.5 * 0.2 + 0.5 = 0.6.
        assert!((gains[0] - 0.6).abs() < 1e-6);
        let mut gains = [0.2];
        mix_gains(&mut gains, 1.0, true, 2.0);
        // (1 - 0.2) * 2 = 1.6.
        assert!((gains[0] - 1.6).abs() < 1e-6);
    }
}
