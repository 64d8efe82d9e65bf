//! The threshold's shape across frequency: `tilt` dB per octave about 1 kHz, plus the curve
//! the user draws (`curve`). Noise is rarely flat (hiss rises, rumble falls), and a
//! threshold that follows it cuts the noisy band harder without shutting the rest.

use super::curve::Curve;
use super::MAX_BINS;
use crate::stft::StftConfig;

/// The frequency the tilt pivots on: the threshold there is the setting itself.
const PIVOT_HZ: f32 = 1000.0;
/// Bins below this read as this frequency, so DC does not sit infinitely far below the pivot.
const LOWEST_HZ: f32 = 20.0;

/// The tilt's offset of the threshold at `hz`, in dB: what the editor draws.
pub fn offset_db(db_per_octave: f32, hz: f32) -> f32 {
    db_per_octave * (hz.max(LOWEST_HZ) / PIVOT_HZ).log2()
}

/// Per-bin threshold factors for one tilt, curve and geometry, recomputed only when one
/// changes: a power per bin is too dear to pay every frame, except while the tilt itself is
/// being automated.
pub struct Tilt {
    factors: Vec<f32>,
    prepared_for: Option<(f32, Curve, StftConfig, f32)>,
}

impl Tilt {
    pub fn new() -> Self {
        Self {
            factors: vec![1.0; MAX_BINS],
            prepared_for: None,
        }
    }

    /// The power factor of each of `config`'s bins for `db_per_octave` and `curve` (all ones
    /// when both are flat).
    pub fn factors(
        &mut self,
        db_per_octave: f32,
        curve: &Curve,
        config: StftConfig,
        sample_rate: f32,
    ) -> &[f32] {
        let db_per_octave = if db_per_octave.is_finite() {
            db_per_octave
        } else {
            0.0
        };
        let bins = config.num_bins();
        let key = (db_per_octave, *curve, config, sample_rate);
        if self.prepared_for != Some(key) {
            let bin_hz = sample_rate / config.transform_size() as f32;
            for (bin, factor) in self.factors[..bins].iter_mut().enumerate() {
                let hz = bin as f32 * bin_hz;
                *factor = 10f32.powf((offset_db(db_per_octave, hz) + curve.offset_db(hz)) / 10.0);
            }
            self.prepared_for = Some(key);
        }
        &self.factors[..bins]
    }
}

impl Default for Tilt {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stft::WindowKind;

    #[test]
    fn the_threshold_rises_by_the_tilt_per_octave_about_1_khz() {
        let mut tilt = Tilt::new();
        let config = StftConfig::new(1024, 1, WindowKind::Hann).unwrap();
        // 48 kHz over 1024: 46.875 Hz per bin; bins 32 / 64 / 16 are 1.5 / 3 / 0.75 kHz.
        let factors = tilt
            .factors(6.0, &Curve::default(), config, 48_000.0)
            .to_vec();
        let db = |bin: usize| 10.0 * factors[bin].log10();
        let octaves = |hz: f32| (hz / 1000.0).log2();
        for bin in [16, 32, 64, 400] {
            let expected = 6.0 * octaves(bin as f32 * 46.875);
            assert!((db(bin) - expected).abs() < 1e-3, "bin {bin}: {}", db(bin));
        }
        // DC reads as 20 Hz: 5.6 octaves below the pivot, not infinitely far.
        assert!((db(0) - 6.0 * octaves(20.0)).abs() < 1e-3);
        assert!(tilt
            .factors(0.0, &Curve::default(), config, 48_000.0)
            .iter()
            .all(|&f| f == 1.0));
        assert!((offset_db(6.0, 4000.0) - 12.0).abs() < 1e-4);
        assert!((offset_db(6.0, 0.0) - 6.0 * octaves(20.0)).abs() < 1e-4);
    }
}
