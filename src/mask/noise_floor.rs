//! Per-bin noise references: a causal adaptive floor tracker and a learned noise print.
//!
//! Both are kept as noise *density* (bin power over the window's power sum), which is the
//! noise variance for white noise whatever the window, N and P; a level in a bin's own
//! terms is `density * window_power`. The print is stored on a fixed frequency grid so it
//! survives window-size and padding changes and can be saved with the plugin state.

/// Points of the print's frequency grid, DC to Nyquist.
pub const PRINT_POINTS: usize = 1025;

/// A causal per-bin floor: follows a smoothed power down quickly and creeps up slowly, so
/// speech peaks do not lift it but a noise that grows is followed within seconds.
pub struct FloorTracker {
    smoothed: Vec<f32>,
    floor: Vec<f32>,
    frames_seen: u32,
}

/// Time constant of the power smoothing before minimum tracking (~40 ms): long enough to
/// tame the periodogram's variance, short enough to see the gaps between syllables.
const SMOOTHING_MS: f32 = 40.0;
/// How fast the floor may rise, dB per second: slower than any syllable, faster than a
/// listener notices a changed background.
const RISE_DB_PER_S: f32 = 4.0;
/// How fast it falls towards a lower smoothed power (time constant, ms).
const FALL_MS: f32 = 30.0;
/// The minimum of a smoothed periodogram of noise sits below its mean; this restores the
/// mean so that a threshold of 0 dB means "at the noise level": 3 dB, 10^(3/10).
const MINIMUM_BIAS: f32 = 1.995_262_3;

impl FloorTracker {
    pub fn new(max_bins: usize) -> Self {
        Self {
            smoothed: vec![0.0; max_bins],
            floor: vec![0.0; max_bins],
            frames_seen: 0,
        }
    }

    pub fn reset(&mut self) {
        self.smoothed.fill(0.0);
        self.floor.fill(0.0);
        self.frames_seen = 0;
    }

    /// Feeds one frame of per-bin densities; `frame_s` is the hop in seconds.
    pub fn update(&mut self, densities: &[f32], frame_s: f32) {
        let bins = densities.len();
        let smooth = (-frame_s * 1000.0 / SMOOTHING_MS).exp();
        let fall = (-frame_s * 1000.0 / FALL_MS).exp();
        let rise = 10f32.powf(RISE_DB_PER_S * frame_s / 10.0);
        let first = self.frames_seen == 0;
        for ((density, smoothed), floor) in densities
            .iter()
            .zip(&mut self.smoothed[..bins])
            .zip(&mut self.floor[..bins])
        {
            if first {
                *smoothed = *density;
                *floor = *density;
                continue;
            }
            *smoothed = density + smooth * (*smoothed - density);
            if *smoothed < *floor {
                *floor = *smoothed + fall * (*floor - *smoothed);
            } else {
                *floor = (*floor * rise).min(*smoothed).max(1e-30);
            }
        }
        self.frames_seen = self.frames_seen.saturating_add(1);
    }

    /// The floor's density per bin, bias-corrected to the noise mean.
    pub fn density(&self, bin: usize) -> f32 {
        self.floor[bin] * MINIMUM_BIAS
    }

    /// Re-grids the floor after a geometry change (bins are linear in frequency), so a
    /// change of window size does not send the tracker back to its start.
    pub fn regrid(&mut self, old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
        if self.frames_seen == 0 || old_bins == new_bins {
            return;
        }
        for values in [&mut self.floor, &mut self.smoothed] {
            resample(&values[..old_bins], &mut scratch[..new_bins]);
            values[..new_bins].copy_from_slice(&scratch[..new_bins]);
        }
    }
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

/// A learned noise print: the mean density of a passage, on a fixed frequency grid.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisePrint {
    /// Mean density per grid point; empty until something was learned.
    pub density: Vec<f32>,
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

    #[test]
    fn floor_settles_on_stationary_noise_and_ignores_bursts() {
        let mut tracker = FloorTracker::new(4);
        let frame_s = 0.01;
        // Constant density 1 with a burst of 100 (20 dB) for 200 ms.
        for frame in 0..1000 {
            let value = if (500..520).contains(&frame) {
                100.0
            } else {
                1.0
            };
            tracker.update(&[value; 4], frame_s);
            if (500..520).contains(&frame) {
                // 20 frames at 4 dB/s rise at most 0.8 dB.
                assert!(tracker.floor[0] < 1.25, "{}", tracker.floor[0]);
            }
        }
        assert!((tracker.floor[0] - 1.0).abs() < 0.01);
    }

    #[test]
    fn resample_keeps_the_ends_and_interpolates() {
        let mut to = [0.0; 5];
        resample(&[0.0, 1.0, 2.0], &mut to);
        assert_eq!(to, [0.0, 0.5, 1.0, 1.5, 2.0]);
    }
}
