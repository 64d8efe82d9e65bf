//! Bin level and the gain a level earns: threshold, modes, knee and floor. Pure functions.

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
pub fn loudest_power(spectra: &[Vec<Complex<f32>>], powers: &mut [f32]) {
    powers.fill(0.0);
    for spectrum in spectra {
        for (power, bin) in powers.iter_mut().zip(spectrum) {
            *power = power.max(bin.norm_sqr());
        }
    }
}

/// Per-bin power of one channel into `powers`.
pub fn channel_power(spectrum: &[Complex<f32>], powers: &mut [f32]) {
    for (power, bin) in powers.iter_mut().zip(spectrum) {
        *power = bin.norm_sqr();
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
        Mode::Binary | Mode::Soft => open,
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
}
