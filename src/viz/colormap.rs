//! Colour maps for the spectrograms: magma for levels (perceptually uniform, dark at
//! silence so the mask tint reads on it) and a cool ramp for the mask view. Colours are
//! plain RGB bytes: the editor wraps them in its own colour type, the command line writes
//! them into a PNG.

/// Red, green and blue, 0..=255.
pub type Rgb = [u8; 3];

/// Entries in a lookup table; one per 8-bit step, finer than the eye tells apart.
pub const LUT_SIZE: usize = 256;

/// Matplotlib's magma fitted by a degree-6 polynomial per channel (Matt Zucker's fit,
/// max error under 1/255), so no 256-entry table has to be typed in.
const MAGMA: [[f32; 3]; 7] = [
    [-0.002_136_485, -0.000_749_655, -0.005_386_128],
    [0.251_660_54, 0.677_523_2, 2.494_026_6],
    [8.353_717, -3.577_719_5, 0.314_467_9],
    [-27.668_733, 14.264_731, -13.649_213],
    [52.176_14, -27.943_606, 12.944_169],
    [-50.768_524, 29.046_583, 4.234_153],
    [18.655_705, -11.489_774, -5.601_961_5],
];

fn polynomial(coefficients: &[[f32; 3]; 7], t: f32) -> Rgb {
    let mut rgb = [0.0f32; 3];
    for (channel, value) in rgb.iter_mut().enumerate() {
        // Horner's scheme from the highest power down.
        *value = coefficients
            .iter()
            .rev()
            .fold(0.0, |acc, c| acc * t + c[channel]);
    }
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
    rgb.map(byte)
}

/// A colour map sampled into a table.
pub struct ColorMap {
    lut: Vec<Rgb>,
}

impl ColorMap {
    /// Magma: black-purple through red-orange to pale yellow.
    pub fn magma() -> Self {
        Self {
            lut: (0..LUT_SIZE)
                .map(|i| polynomial(&MAGMA, i as f32 / (LUT_SIZE - 1) as f32))
                .collect(),
        }
    }

    /// For gains: deep blue-black at full reduction to a pale ice blue at unity.
    pub fn ice() -> Self {
        let stops = [
            (0.0, [8.0, 10.0, 22.0]),
            (0.35, [22.0, 48.0, 96.0]),
            (0.7, [62.0, 132.0, 190.0]),
            (1.0, [226.0, 240.0, 250.0]),
        ];
        Self {
            lut: (0..LUT_SIZE)
                .map(|i| {
                    let t = i as f32 / (LUT_SIZE - 1) as f32;
                    let upper = stops.iter().position(|s| s.0 >= t).unwrap_or(3).max(1);
                    let (t0, c0) = stops[upper - 1];
                    let (t1, c1) = stops[upper];
                    let f = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
                    let mix = |k: usize| (c0[k] + f * (c1[k] - c0[k])).round() as u8;
                    [mix(0), mix(1), mix(2)]
                })
                .collect(),
        }
    }

    /// The colour at `t` in 0..=1 (clamped; NaN reads as 0).
    #[inline]
    pub fn at(&self, t: f32) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t };
        let index = (t.clamp(0.0, 1.0) * (LUT_SIZE - 1) as f32 + 0.5) as usize;
        self.lut[index.min(LUT_SIZE - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magma_runs_from_black_to_pale_yellow() {
        let map = ColorMap::magma();
        let low = map.at(0.0);
        let high = map.at(1.0);
        assert!(low[0] < 8 && low[1] < 8 && low[2] < 16, "{low:?}");
        // Matplotlib's last magma entry is (252, 253, 191).
        assert!(high[0] > 240 && high[1] > 240 && high[2] > 170, "{high:?}");
        // The middle is a red-magenta.
        let middle = map.at(0.5);
        assert!(middle[0] > 170 && middle[1] < 80, "{middle:?}");
    }

    #[test]
    fn ice_runs_from_blue_black_to_pale_ice() {
        let map = ColorMap::ice();
        assert_eq!(map.at(0.0), [8, 10, 22]);
        assert_eq!(map.at(1.0), [226, 240, 250]);
        assert_eq!(map.at(f32::NAN), [8, 10, 22]);
    }
}
