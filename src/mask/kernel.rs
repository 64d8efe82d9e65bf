//! Frequency-domain kernels that bound the implied impulse response of a mask.
//!
//! Multiplying spectra by a gain `G` is circular convolution with `g = IDFT(G)`. A real,
//! zero-phase `G` has an even `g` centred on sample 0; the centred frame holds
//! `M - N + 1` samples of it (`|n| <= (M - N) / 2`) without wrap-around. Convolving `G`
//! across frequency with kernel `h` multiplies `g` by `IDFT(h)`, a time window centred on 0:
//!
//! - `hamming3`, `blackman5`: the transform of a Hamming / Blackman window spanning the
//!   whole padded frame. Every atom then decays towards the frame edge; more padding makes
//!   the kernel narrower in Hz, so the smoothed mask stays closer to the binary one.
//! - `brickwall5`, `brickwall7`: the transform of a Hamming window spanning exactly the
//!   `M - N + 1` alias-free samples, truncated to 5 or 7 taps (Moorer's half-length Hamming
//!   at P = 2).
//! - `exact`: the same window applied in time: inverse FFT, window, forward FFT.
//!
//! All taps are computed here from the window and the geometry and scaled to sum to one, so
//! a constant mask stays constant. The window is centred on sample 0 (zero phase), which is
//! why the side taps are positive: Moorer's `(-.23, .54, -.23)` is the same Hamming centred
//! on the middle of the frame.

use std::f64::consts::{PI, TAU};
use std::sync::OnceLock;

use crate::choice::Choice;
use crate::config::{MAX_PADDING_RATIO, MAX_WINDOW_SIZE, MIN_WINDOW_SIZE};
use crate::settings::KernelKind;
use crate::stft::{Complex, FftPlans, StftConfig, WindowKind};

/// Most taps any kernel has.
pub const MAX_TAPS: usize = 7;

/// A kernel ready to apply at one geometry.
pub struct Kernel {
    kind: KernelKind,
    config: Option<StftConfig>,
    /// Taps from the centre outwards: `taps[0]` is the centre, `taps[j]` the one `j` bins
    /// either side.
    taps: [f32; MAX_TAPS / 2 + 1],
    radius: usize,
    /// Time window for `exact`, centred on 0 (`M` samples).
    exact_window: Vec<f32>,
    time: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    plans: FftPlans,
    scratch: Vec<f32>,
}

/// Weights of the time window that bounds the response to `|n| <= half_width`: a Hamming
/// reaching its ends at `±half_width`. `half_width == 0` is a single sample.
fn alias_free_window(n: f64, half_width: f64) -> f64 {
    if half_width == 0.0 {
        return if n == 0.0 { 1.0 } else { 0.0 };
    }
    if n.abs() > half_width {
        0.0
    } else {
        0.54 + 0.46 * (PI * n / half_width).cos()
    }
}

/// Taps of a symmetric kernel: the DFT (on the `m`-point grid) of a real, even time window
/// centred on 0, at bins `0..=radius`, scaled to sum to one over `-radius..=radius`.
fn taps_from_window(m: usize, radius: usize, window: impl Fn(f64) -> f64) -> [f32; 4] {
    let mut taps = [0.0f64; 4];
    let half = m as i64 / 2;
    for (j, tap) in taps.iter_mut().enumerate().take(radius + 1) {
        *tap = (-half..half)
            .map(|n| window(n as f64) * (TAU * j as f64 * n as f64 / m as f64).cos())
            .sum::<f64>();
    }
    let total = taps[0] + 2.0 * taps[1..=radius].iter().sum::<f64>();
    taps.map(|tap| (tap / total) as f32)
}

/// The taps of every kernel at every geometry, computed once per process (a few sums over
/// M each, tens of milliseconds in all) so that a change of kernel, window size or padding
/// on the audio thread is a table look-up, not milliseconds of `cos`.
struct TapTable {
    /// Indexed by `[kind][log2(N) - log2(MIN)][log2(P)]`: (radius, taps).
    entries: Vec<(usize, [f32; 4])>,
}

const WINDOW_SIZES: usize =
    (MAX_WINDOW_SIZE.trailing_zeros() - MIN_WINDOW_SIZE.trailing_zeros()) as usize + 1;
const PADDINGS: usize = MAX_PADDING_RATIO.trailing_zeros() as usize + 1;

impl TapTable {
    fn index(kind: KernelKind, config: StftConfig) -> usize {
        let kind = kind.index();
        let size =
            (config.window_size.trailing_zeros() - MIN_WINDOW_SIZE.trailing_zeros()) as usize;
        let padding = config.padding_ratio.trailing_zeros() as usize;
        (kind * WINDOW_SIZES + size) * PADDINGS + padding
    }

    fn new() -> Self {
        let mut entries =
            vec![(0, [1.0, 0.0, 0.0, 0.0]); KernelKind::ALL.len() * WINDOW_SIZES * PADDINGS];
        for &kind in KernelKind::ALL {
            for size in 0..WINDOW_SIZES {
                for padding in 0..PADDINGS {
                    let config =
                        StftConfig::new(MIN_WINDOW_SIZE << size, 1 << padding, WindowKind::Hann)
                            .expect("every tabled geometry is valid");
                    entries[Self::index(kind, config)] = compute_taps(kind, config);
                }
            }
        }
        Self { entries }
    }

    fn taps(&self, kind: KernelKind, config: StftConfig) -> (usize, [f32; 4]) {
        self.entries[Self::index(kind, config)]
    }
}

fn tap_table() -> &'static TapTable {
    static TABLE: OnceLock<TapTable> = OnceLock::new();
    TABLE.get_or_init(TapTable::new)
}

/// Radius and taps of `kind` at `config`, from the kernel's time window.
fn compute_taps(kind: KernelKind, config: StftConfig) -> (usize, [f32; 4]) {
    let m = config.transform_size();
    let half_width = config.centering_offset() as f64;
    let cosine_sum = |coefficients: &'static [f64]| {
        move |n: f64| {
            coefficients
                .iter()
                .enumerate()
                .map(|(k, a)| a * (TAU * k as f64 * n / m as f64).cos())
                .sum::<f64>()
        }
    };
    match kind {
        KernelKind::None | KernelKind::Exact => (0, [1.0, 0.0, 0.0, 0.0]),
        KernelKind::Hamming3 => (1, taps_from_window(m, 1, cosine_sum(&[0.54, 0.46]))),
        KernelKind::Blackman5 => (2, taps_from_window(m, 2, cosine_sum(&[0.42, 0.5, 0.08]))),
        KernelKind::Brickwall5 => (
            2,
            taps_from_window(m, 2, |n| alias_free_window(n, half_width)),
        ),
        KernelKind::Brickwall7 => (
            3,
            taps_from_window(m, 3, |n| alias_free_window(n, half_width)),
        ),
    }
}

impl Kernel {
    /// Allocates for the largest geometry (and, once per process, the tap table).
    pub fn new() -> Self {
        Self::with_plans(FftPlans::new())
    }

    /// [`Self::new`] on transform plans planned elsewhere (cloning shares them).
    pub fn with_plans(plans: FftPlans) -> Self {
        tap_table();
        let m = crate::config::MAX_TRANSFORM_SIZE;
        Self {
            kind: KernelKind::None,
            config: None,
            taps: [1.0, 0.0, 0.0, 0.0],
            radius: 0,
            exact_window: vec![0.0; m],
            time: vec![0.0; m],
            spectrum: vec![Complex::default(); m / 2 + 1],
            plans,
            scratch: vec![0.0; m / 2 + 1 + 2 * MAX_TAPS],
        }
    }

    /// Picks the taps for a kind and geometry from the table. For `exact` it also fills the
    /// time window (M values, once per change); no allocation.
    pub fn prepare(&mut self, kind: KernelKind, config: StftConfig) {
        if self.kind == kind && self.config == Some(config) {
            return;
        }
        self.kind = kind;
        self.config = Some(config);
        let m = config.transform_size();
        let half_width = config.centering_offset() as f64;
        (self.radius, self.taps) = tap_table().taps(kind, config);
        if kind == KernelKind::Exact {
            for (i, value) in self.exact_window[..m].iter_mut().enumerate() {
                // Sample i of the circular frame is time i for i < M/2, i - M above.
                let n = if i < m / 2 {
                    i as f64
                } else {
                    i as f64 - m as f64
                };
                *value = (alias_free_window(n, half_width) / m as f64) as f32;
            }
        }
    }

    pub fn taps(&self) -> &[f32] {
        &self.taps[..=self.radius]
    }

    /// Smooths `gains` (`M / 2 + 1` bins) in place. The mask of a real signal is even
    /// around DC and Nyquist, so the edges reflect rather than pad.
    pub fn apply(&mut self, gains: &mut [f32]) {
        if self.kind == KernelKind::Exact {
            self.apply_exact(gains);
            return;
        }
        let r = self.radius;
        if r == 0 {
            return;
        }
        let bins = gains.len();
        // Extended copy: r reflected bins, the gains, r reflected bins.
        let extended = &mut self.scratch[..bins + 2 * r];
        for j in 0..r {
            extended[r - 1 - j] = gains[(j + 1).min(bins - 1)];
            extended[r + bins + j] = gains[bins.saturating_sub(2 + j)];
        }
        extended[r..r + bins].copy_from_slice(gains);
        let taps = self.taps;
        for (k, gain) in gains.iter_mut().enumerate() {
            let centre = k + r;
            let mut sum = taps[0] * extended[centre];
            for (j, tap) in taps.iter().enumerate().take(r + 1).skip(1) {
                sum += tap * (extended[centre - j] + extended[centre + j]);
            }
            *gain = sum;
        }
    }

    fn apply_exact(&mut self, gains: &mut [f32]) {
        let m = (gains.len() - 1) * 2;
        let spectrum = &mut self.spectrum[..gains.len()];
        for (bin, &gain) in spectrum.iter_mut().zip(gains.iter()) {
            *bin = Complex::new(gain, 0.0);
        }
        let time = &mut self.time[..m];
        self.plans.inverse(spectrum, time);
        for (value, w) in time.iter_mut().zip(&self.exact_window[..m]) {
            *value *= w;
        }
        self.plans.forward(time, spectrum);
        for (gain, bin) in gains.iter_mut().zip(spectrum.iter()) {
            *gain = bin.re;
        }
    }
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moorer_hamming_taps_come_out_of_the_window() {
        // Hamming 0.54 + 0.46 cos over the frame: DFT taps 0.54 and 0.46 / 2 = 0.23.
        let mut kernel = Kernel::new();
        kernel.prepare(
            KernelKind::Hamming3,
            StftConfig::new(1024, 2, WindowKind::Hann).unwrap(),
        );
        let taps = kernel.taps();
        assert!((taps[0] - 0.54).abs() < 1e-6 && (taps[1] - 0.23).abs() < 1e-6);
        kernel.prepare(
            KernelKind::Blackman5,
            StftConfig::new(1024, 2, WindowKind::Hann).unwrap(),
        );
        let taps = kernel.taps();
        assert!((taps[0] - 0.42).abs() < 1e-6);
        assert!((taps[1] - 0.25).abs() < 1e-6 && (taps[2] - 0.04).abs() < 1e-6);
    }

    #[test]
    fn every_kernel_keeps_a_constant_mask_constant() {
        let mut kernel = Kernel::new();
        for &kind in KernelKind::ALL {
            for p in [1, 2, 4, 8] {
                let config = StftConfig::new(512, p, WindowKind::Hann).unwrap();
                kernel.prepare(kind, config);
                let mut gains = vec![0.7; config.num_bins()];
                kernel.apply(&mut gains);
                assert!(
                    gains.iter().all(|g| (g - 0.7).abs() < 1e-5),
                    "{kind:?} P={p}"
                );
            }
        }
    }
}
