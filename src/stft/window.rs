//! Analysis windows and the reconstruction gain that makes their overlap-add exact.

use std::f64::consts::TAU;

crate::choice::choice_enum! {
    /// Analysis window shape.
    pub enum WindowKind {
        Hann = "hann" / "Hann",
        Hamming = "hamming" / "Hamming",
        Blackman = "blackman" / "Blackman",
    }
}

impl WindowKind {
    /// Cosine-sum coefficients `a0 - a1 cos + a2 cos(2x)`.
    fn coefficients(self) -> [f64; 3] {
        match self {
            WindowKind::Hann => [0.5, 0.5, 0.0],
            WindowKind::Hamming => [0.54, 0.46, 0.0],
            WindowKind::Blackman => [0.42, 0.5, 0.08],
        }
    }

    /// Fills `out` with the periodic (DFT-even) window of length `out.len()`: the periodic
    /// form is the one whose shifted copies add to an exact constant at the hop.
    pub fn fill(self, out: &mut [f32]) {
        let [a0, a1, a2] = self.coefficients();
        let len = out.len() as f64;
        for (n, value) in out.iter_mut().enumerate() {
            let x = TAU * n as f64 / len;
            *value = (a0 - a1 * x.cos() + a2 * (2.0 * x).cos()) as f32;
        }
    }
}

/// The gain that makes windows overlap-added at `hop` sum to one, computed from the window
/// itself (so it is exact for whatever window and hop are in use, not a typed-in constant).
pub fn reconstruction_gain(window: &[f32], hop: usize) -> f32 {
    // A periodic cosine-sum window of up to two harmonics sums to a constant at hop N/4;
    // the mean over one hop of the overlapped sum is that constant.
    let total: f64 = window.iter().map(|&w| w as f64).sum();
    (hop as f64 / total) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_overlap_add_to_a_constant_at_quarter_hop() {
        for kind in [WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman] {
            let n = 1024;
            let hop = n / 4;
            let mut window = vec![0.0; n];
            kind.fill(&mut window);
            let gain = reconstruction_gain(&window, hop);
            for offset in 0..hop {
                let sum: f32 = (0..4).map(|k| window[offset + k * hop]).sum();
                assert!((sum * gain - 1.0).abs() < 1e-6, "{kind:?} at {offset}");
            }
        }
    }

    #[test]
    fn hann_gain_is_two_over_overlap() {
        // sum(hann) = N/2, so gain = (N/4) / (N/2) = 0.5.
        let mut window = vec![0.0; 2048];
        WindowKind::Hann.fill(&mut window);
        assert!((reconstruction_gain(&window, 512) - 0.5).abs() < 1e-7);
    }
}
