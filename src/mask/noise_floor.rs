//! Per-bin noise references: a causal adaptive floor tracker and a learned noise print.
//!
//! Both are kept as noise *density* (bin power over the window's power sum), which is the
//! noise variance for white noise whatever the window, N and P; a level in a bin's own
//! terms is `density * window_power`. The print is stored on a fixed frequency grid so it
//! survives window-size and padding changes and can be saved with the plugin state.

/// Points of the print's frequency grid, DC to Nyquist.
pub const PRINT_POINTS: usize = 1025;

/// A causal per-bin floor by minimum statistics: the minimum of a smoothed power over the
/// last ~1.5 s. Speech leaves each bin quiet now and then, noise never does, so the minimum
/// follows the noise and ignores the speech; a louder noise is followed within one window.
pub struct FloorTracker {
    smoothed: Vec<f32>,
    /// Minimum of `smoothed` within the sub-window being filled.
    current_min: Vec<f32>,
    /// Minima of the last `SUB_WINDOWS` completed sub-windows, one row of bins each.
    history: Vec<Vec<f32>>,
    /// Minimum over `history`, refreshed when a sub-window completes.
    history_min: Vec<f32>,
    frames_seen: u32,
    frames_in_sub_window: u32,
    next_row: usize,
    /// Power factor from the minimum to the mean, for the current smoothing.
    bias: f32,
    /// The floor handed out: the bias-corrected minimum, rising no faster than
    /// `RISE_DB_PER_S`.
    floor: Vec<f32>,
}

/// Time constant of the power smoothing before minimum tracking, in window lengths: the
/// smoothed power then has the same variance at every window size (so one bias law fits),
/// and at N = 2048 (43 ms) it still finds the gaps between syllables.
const SMOOTHING_WINDOWS: f32 = 2.0;
/// The minimum is taken over `SUB_WINDOWS` sub-windows of `SUB_WINDOW_S` (1.5 s in all):
/// longer than most words, short enough to follow a changing background.
const SUB_WINDOW_S: f32 = 0.25;
const SUB_WINDOWS: usize = 6;
/// The floor may rise at most this fast. A bin where speech goes on for longer than the
/// minimum's window (a held vowel's harmonic) would otherwise lift the floor to the speech
/// and gate it; a real change of background is still followed within a few seconds.
const RISE_DB_PER_S: f32 = 6.0;
/// The engine starts from silence, so its first frames see only part of a window; they
/// would pull the minimum down for a whole window. Skip them.
const WARMUP_FRAMES: u32 = crate::config::OVERLAP as u32;
/// The minimum of a smoothed periodogram of noise sits below its mean, the more so the more
/// independent looks `D` (window over smoothing time) it takes the minimum of. The bias in
/// dB is `BIAS_DB_AT_D0 + BIAS_DB_PER_DECADE * log10(D / D0)`, fitted on white noise through
/// the engine (processor test `adaptive_floor_reads_the_noise_level` checks it).
const BIAS_D0: f32 = 17.6;
const BIAS_DB_AT_D0: f32 = 3.34;
const BIAS_DB_PER_DECADE: f32 = 1.57;

impl FloorTracker {
    pub fn new(max_bins: usize) -> Self {
        Self {
            smoothed: vec![0.0; max_bins],
            current_min: vec![0.0; max_bins],
            history: (0..SUB_WINDOWS).map(|_| vec![f32::MAX; max_bins]).collect(),
            history_min: vec![f32::MAX; max_bins],
            frames_seen: 0,
            frames_in_sub_window: 0,
            next_row: 0,
            bias: 1.0,
            floor: vec![0.0; max_bins],
        }
    }

    pub fn reset(&mut self) {
        self.smoothed.fill(0.0);
        self.current_min.fill(0.0);
        for row in &mut self.history {
            row.fill(f32::MAX);
        }
        self.history_min.fill(f32::MAX);
        self.floor.fill(0.0);
        self.frames_seen = 0;
        self.frames_in_sub_window = 0;
    }

    /// Feeds one frame of per-bin densities; `frame_s` is the hop and `window_s` the
    /// window length, in seconds.
    pub fn update(&mut self, densities: &[f32], frame_s: f32, window_s: f32) {
        let bins = densities.len();
        self.frames_seen = self.frames_seen.saturating_add(1);
        if self.frames_seen <= WARMUP_FRAMES {
            return;
        }
        let smoothing_s = SMOOTHING_WINDOWS * window_s;
        let smooth = (-frame_s / smoothing_s).exp();
        let looks = SUB_WINDOW_S * SUB_WINDOWS as f32 / smoothing_s;
        let bias_db = BIAS_DB_AT_D0 + BIAS_DB_PER_DECADE * (looks / BIAS_D0).log10();
        self.bias = 10f32.powf(bias_db / 10.0);
        // Until the smoothing has seen one time constant, the smoothed power is a running
        // mean and the floor simply follows it: a minimum of the first, barely smoothed
        // frames would sit far below the noise for a whole window.
        let frames = self.frames_seen - WARMUP_FRAMES;
        let settling = (frames as f32) * frame_s < smoothing_s;
        let new_weight = (1.0 / frames as f32).max(1.0 - smooth);
        let rise = 10f32.powf(RISE_DB_PER_S * frame_s / 10.0);
        let bias = self.bias;
        for (bin, density) in densities.iter().enumerate() {
            let smoothed = &mut self.smoothed[bin];
            *smoothed += new_weight * (density - *smoothed);
            let minimum = &mut self.current_min[bin];
            let floor = &mut self.floor[bin];
            if settling {
                *minimum = *smoothed;
                *floor = *smoothed;
            } else {
                *minimum = minimum.min(*smoothed);
                let target = self.history_min[bin].min(*minimum) * bias;
                *floor = if target < *floor {
                    target
                } else {
                    target.min(*floor * rise)
                };
            }
        }
        self.frames_in_sub_window += 1;
        if self.frames_in_sub_window as f32 * frame_s >= SUB_WINDOW_S {
            self.frames_in_sub_window = 0;
            self.history[self.next_row][..bins].copy_from_slice(&self.current_min[..bins]);
            self.next_row = (self.next_row + 1) % SUB_WINDOWS;
            self.history_min[..bins].fill(f32::MAX);
            for row in &self.history {
                for (minimum, value) in self.history_min[..bins].iter_mut().zip(&row[..bins]) {
                    *minimum = minimum.min(*value);
                }
            }
            self.current_min[..bins].copy_from_slice(&self.smoothed[..bins]);
        }
    }

    /// The floor's density per bin, bias-corrected to the noise mean (0 before the
    /// first frames have been seen).
    pub fn density(&self, bin: usize) -> f32 {
        if self.frames_seen <= WARMUP_FRAMES {
            return 0.0;
        }
        self.floor[bin]
    }

    /// Re-grids the state after a geometry change (bins are linear in frequency), so a
    /// change of window size does not send the tracker back to its start.
    pub fn regrid(&mut self, old_bins: usize, new_bins: usize, scratch: &mut [f32]) {
        if self.frames_seen <= WARMUP_FRAMES || old_bins == new_bins {
            return;
        }
        let rows = [
            &mut self.smoothed,
            &mut self.current_min,
            &mut self.history_min,
        ]
        .into_iter()
        .chain(self.history.iter_mut());
        for values in rows {
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
    fn floor_follows_the_quiet_parts_and_ignores_bursts() {
        let mut tracker = FloorTracker::new(4);
        let frame_s = 0.01;
        // Density 1 with bursts of 100 (20 dB) for 200 ms in every 500 ms.
        for frame in 0..1000 {
            let value = if frame % 50 < 20 { 100.0 } else { 1.0 };
            tracker.update(&[value; 4], frame_s, 0.02);
        }
        let floor = tracker.density(0) / tracker.bias;
        assert!(floor < 1.1, "{floor}");
        // A background 10 dB louder is followed within one window plus the rise time
        // (1.5 s + 10 dB at 6 dB/s).
        for _ in 0..350 {
            tracker.update(&[10.0; 4], frame_s, 0.02);
        }
        let floor = tracker.density(0) / tracker.bias;
        assert!((floor - 10.0).abs() < 0.5, "{floor}");
    }

    #[test]
    fn resample_keeps_the_ends_and_interpolates() {
        let mut to = [0.0; 5];
        resample(&[0.0, 1.0, 2.0], &mut to);
        assert_eq!(to, [0.0, 0.5, 1.0, 1.5, 2.0]);
    }
}
