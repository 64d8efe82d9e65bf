//! The log-frequency band grid both spectrograms draw on, and the folding of one frame's
//! bins into its bands: the loudest bin of a band for levels, so a narrow tone is never
//! averaged away, and values interpolated at the band's centre where a band is narrower
//! than a bin.

/// Bands: 256 over 20 Hz .. 24 kHz is a 1/25-octave grid, about one texel per 1.3 points
/// of a 330-point-tall spectrogram. A band is wider than a bin of the default 8192-point
/// transform (N = 2048, P = 4: 5.9 Hz at 48 kHz) above about 210 Hz, where it folds its
/// bins, and narrower below, where it interpolates.
pub const BANDS: usize = 256;
/// Bottom edge of the lowest band: the lower limit of hearing.
pub const LOW_HZ: f32 = 20.0;
/// Top edge of the highest band: Nyquist at 48 kHz, the most common rate. Bands above the
/// actual Nyquist (at 44.1 kHz, the top 1.2 % of the grid) are marked invalid.
pub const HIGH_HZ: f32 = 24_000.0;

/// Lower edge in Hz of band `band` (`band == BANDS` gives the top edge).
pub fn band_edge_hz(band: usize) -> f32 {
    grid_to_hz(band as f32 / BANDS as f32)
}

/// Centre of band `band` in Hz (geometric mean of its edges).
pub fn band_center_hz(band: usize) -> f32 {
    grid_to_hz((band as f32 + 0.5) / BANDS as f32)
}

/// The frequency at position `t` of the band grid: the inverse of [`hz_to_grid`].
pub fn grid_to_hz(t: f32) -> f32 {
    LOW_HZ * (HIGH_HZ / LOW_HZ).powf(t)
}

/// Position of `hz` on the band grid, 0 at [`LOW_HZ`] and 1 at [`HIGH_HZ`] (log scale).
pub fn hz_to_grid(hz: f32) -> f32 {
    (hz / LOW_HZ).ln() / (HIGH_HZ / LOW_HZ).ln()
}

/// How a band folds the bins that fall in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Max,
    Min,
    Mean,
}

/// Which bins fall in each band for one bin spacing; fixed-size, so the audio thread can
/// keep one and re-prepare it without allocating.
#[derive(Debug, Clone)]
pub struct BandMap {
    key: Option<(usize, u32)>,
    /// First bin of each band; band `b` folds bins `first_bin[b]..first_bin[b + 1]`.
    first_bin: [u32; BANDS + 1],
    /// Each band's centre in bins, for bands narrower than a bin.
    center_bin: [f32; BANDS],
    valid_bands: usize,
}

impl BandMap {
    pub fn new() -> Self {
        Self {
            key: None,
            first_bin: [0; BANDS + 1],
            center_bin: [0.0; BANDS],
            valid_bands: 0,
        }
    }

    /// Sets the map up for frames of `num_bins` bins at `sample_rate`; cheap when neither
    /// changed.
    pub fn prepare(&mut self, num_bins: usize, sample_rate: f32) {
        let key = (num_bins, sample_rate.to_bits());
        if self.key == Some(key) {
            return;
        }
        self.key = Some(key);
        let bin_hz = sample_rate / (2 * (num_bins - 1)) as f32;
        let nyquist = sample_rate / 2.0;
        for (band, first) in self.first_bin.iter_mut().enumerate() {
            let bin = (band_edge_hz(band) / bin_hz).ceil() as usize;
            *first = bin.min(num_bins) as u32;
        }
        self.valid_bands = 0;
        for (band, center) in self.center_bin.iter_mut().enumerate() {
            let hz = band_center_hz(band);
            *center = hz / bin_hz;
            if hz < nyquist {
                self.valid_bands = band + 1;
            }
        }
    }

    /// Bands below Nyquist; the ones above have no bins.
    pub fn valid_bands(&self) -> usize {
        self.valid_bands
    }

    /// Band `band`'s value of the per-bin `values`: `fold` over the bins whose centres fall
    /// in it, or, where the band is narrower than a bin, the value interpolated at its
    /// centre. `None` above Nyquist.
    pub fn fold(&self, band: usize, values: &[f32], fold: Fold) -> Option<f32> {
        if band >= self.valid_bands {
            return None;
        }
        let start = self.first_bin[band] as usize;
        let end = (self.first_bin[band + 1] as usize).min(values.len());
        if end > start {
            let bins = &values[start..end];
            Some(match fold {
                Fold::Max => bins.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)),
                Fold::Min => bins.iter().fold(f32::INFINITY, |a, &b| a.min(b)),
                Fold::Mean => bins.iter().sum::<f32>() / bins.len() as f32,
            })
        } else {
            let last = values.len() - 1;
            let position = self.center_bin[band];
            let below = (position as usize).min(last);
            let above = (below + 1).min(last);
            let t = (position - below as f32).clamp(0.0, 1.0);
            Some(values[below] + t * (values[above] - values[below]))
        }
    }
}

impl Default for BandMap {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_grid_spans_20_hz_to_24_khz() {
        assert!((band_edge_hz(0) - 20.0).abs() < 1e-3);
        assert!((band_edge_hz(BANDS) - 24_000.0).abs() < 0.5);
        assert!((hz_to_grid(band_center_hz(100)) - 100.5 / BANDS as f32).abs() < 1e-4);
    }

    #[test]
    fn bands_fold_their_bins_or_interpolate_between_them() {
        let mut map = BandMap::new();
        // 48 kHz, M = 2048: 23.4 Hz per bin.
        map.prepare(1025, 48_000.0);
        let ramp: Vec<f32> = (0..1025).map(|bin| bin as f32).collect();
        // A wide band near 10 kHz: its loudest bin is its last, its quietest its first.
        let band = (hz_to_grid(10_000.0) * BANDS as f32) as usize;
        let max = map.fold(band, &ramp, Fold::Max).unwrap();
        let min = map.fold(band, &ramp, Fold::Min).unwrap();
        let mean = map.fold(band, &ramp, Fold::Mean).unwrap();
        assert!(min < mean && mean < max, "{min} {mean} {max}");
        assert!((band_edge_hz(band)..band_edge_hz(band + 1)).contains(&(max * 46.875 / 2.0)));
        // A band narrower than a bin near 40 Hz reads the ramp at its centre.
        let narrow = map.fold(20, &ramp, Fold::Max).unwrap();
        assert!((narrow - band_center_hz(20) / 23.4375).abs() < 1e-3);
        // At 44.1 kHz the top of the grid is above Nyquist.
        map.prepare(1025, 44_100.0);
        assert!(map.valid_bands() < BANDS);
        assert_eq!(map.fold(BANDS - 1, &ramp, Fold::Max), None);
    }
}
