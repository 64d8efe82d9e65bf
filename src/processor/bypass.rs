//! The host bypass: the dry input delayed by the latency the processor reports, crossfaded
//! with the processed output, so a bypassed plugin keeps its place in the host's delay
//! compensation and switching never clicks.

use crate::config::{BYPASS_FADE_S, MAX_LATENCY, MAX_PIECE};
use crate::stft::sanitized;

/// Ring size: a power of two that holds the longest latency plus one piece.
const RING: usize = (MAX_LATENCY + MAX_PIECE).next_power_of_two();

pub struct Bypass {
    /// Per channel: the input of the last `RING` samples, indexed by time modulo `RING`.
    rings: Vec<Vec<f32>>,
    time: usize,
    /// How far bypassed the output is, 0 (processed) to 1 (dry).
    amount: f32,
    /// Change of `amount` per sample while fading.
    step: f32,
}

impl Bypass {
    pub fn new(num_channels: usize, sample_rate: f32) -> Self {
        let mut bypass = Self {
            rings: (0..num_channels).map(|_| vec![0.0; RING]).collect(),
            time: 0,
            amount: 0.0,
            step: 0.0,
        };
        bypass.set_sample_rate(sample_rate);
        bypass
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.step = 1.0 / (BYPASS_FADE_S * sample_rate).max(1.0);
    }

    /// Silence in the delay line; `bypassed` is where the crossfade starts.
    pub fn reset(&mut self, bypassed: bool) {
        for ring in &mut self.rings {
            ring.fill(0.0);
        }
        self.time = 0;
        self.amount = if bypassed { 1.0 } else { 0.0 };
    }

    /// Remembers the dry input of a piece (at most `MAX_PIECE` samples), before processing;
    /// NaN, infinities and denormals are kept as silence.
    pub fn write(&mut self, channels: &[&mut [f32]]) {
        for (ring, channel) in self.rings.iter_mut().zip(channels) {
            debug_assert!(channel.len() <= MAX_PIECE);
            let start = self.time % RING;
            let first = channel.len().min(RING - start);
            // As the engine keeps it: the crossfade would be NaN even at weight zero.
            let sanitize = |to: &mut [f32], from: &[f32]| {
                for (slot, &sample) in to.iter_mut().zip(from) {
                    *slot = sanitized(sample);
                }
            };
            sanitize(&mut ring[start..start + first], &channel[..first]);
            sanitize(&mut ring[..channel.len() - first], &channel[first..]);
        }
    }

    /// Crossfades the processed piece in `channels` towards the dry input `latency` samples
    /// ago, heading for `bypassed`, and moves time on by the piece.
    pub fn mix(&mut self, channels: &mut [&mut [f32]], latency: usize, bypassed: bool) {
        let len = channels.first().map_or(0, |channel| channel.len());
        // Fully processed and staying so: nothing to mix.
        if !bypassed && self.amount == 0.0 {
            self.time = self.time.wrapping_add(len);
            return;
        }
        let mut amount = self.amount;
        for (ring, channel) in self.rings.iter().zip(channels.iter_mut()) {
            amount = self.amount;
            let delayed = self.time.wrapping_sub(latency);
            for (i, sample) in channel.iter_mut().enumerate() {
                amount = if bypassed {
                    (amount + self.step).min(1.0)
                } else {
                    (amount - self.step).max(0.0)
                };
                let dry = ring[delayed.wrapping_add(i) % RING];
                // Exactly the dry sample once fully bypassed.
                *sample = amount * dry + (1.0 - amount) * *sample;
            }
        }
        self.amount = amount;
        self.time = self.time.wrapping_add(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bypassed_output_is_the_input_delayed_and_the_fade_is_linear() {
        let rate = 1000.0; // a 10-sample fade
        let mut bypass = Bypass::new(1, rate);
        bypass.reset(true);
        let input: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let mut piece = input.clone();
        bypass.write(&[&mut piece[..]]);
        // "Processed" output: zeros.
        let mut wet = vec![0.0; 100];
        bypass.mix(&mut [&mut wet[..]], 7, true);
        for i in 7..100 {
            assert_eq!(wet[i], input[i - 7]);
        }
        // Switch back on: a 10-sample linear fade from dry to processed (zeros).
        let mut piece: Vec<f32> = (100..120).map(|i| i as f32).collect();
        bypass.write(&[&mut piece[..]]);
        let mut wet = [0.0; 20];
        bypass.mix(&mut [&mut wet[..]], 7, false);
        for (i, value) in wet.iter().enumerate() {
            let dry = (100 + i - 7) as f32;
            let amount = (1.0 - (i + 1) as f32 / 10.0).max(0.0);
            assert!((value - amount * dry).abs() < 1e-3, "{i}: {value}");
        }
    }
}
