//! The STFT engine: analysis window, padding with centering, forward transform, a per-frame
//! callback on the spectra of all channels, inverse transform and overlap-add of the whole
//! padded frame.
//!
//! Following Moorer (2017), the windowed `N` samples sit in the middle of an `M = P N` point
//! frame with `(M - N) / 2` zeros each side, so a zero-phase gain whose impulse response is
//! at most `M - N + 1` points long is applied without wrap-around, and all `M` output samples
//! are overlap-added (the tails are part of the filtered signal, not waste). There is no
//! synthesis window: it would cut those tails off.
//!
//! A key (sidechain) signal can ride along: its samples enter rings of their own and, when
//! asked for, are analysed with the same window at the same frame times, so a mask computed
//! from the key lines up with the main signal bin for bin and sample for sample. The key is
//! never resynthesised.
//!
//! Knows nothing of masks or plugins. Allocates in [`Stft::new`] only.

mod fft;
mod window;

pub use fft::FftPlans;
pub use realfft::num_complex::Complex;
pub use window::{reconstruction_gain, WindowKind};

use crate::config::{
    MAX_PADDING_RATIO, MAX_TRANSFORM_SIZE, MAX_WINDOW_SIZE, MIN_WINDOW_SIZE, OVERLAP,
    SWITCH_FADE_SAMPLES,
};

/// Window size, padding and window: everything that fixes the frame geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StftConfig {
    /// `N`, samples per frame.
    pub window_size: usize,
    /// `P = M / N`.
    pub padding_ratio: usize,
    pub window: WindowKind,
}

/// Why a frame geometry cannot be built; each reads as one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryError {
    WindowSize(usize),
    PaddingRatio(usize),
}

impl std::fmt::Display for GeometryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GeometryError::WindowSize(size) => write!(
                f,
                "window size {size} is not a power of two in {MIN_WINDOW_SIZE} ..= {MAX_WINDOW_SIZE}"
            ),
            GeometryError::PaddingRatio(ratio) => write!(
                f,
                "padding ratio {ratio} is not a power of two in 1 ..= {MAX_PADDING_RATIO}"
            ),
        }
    }
}

impl std::error::Error for GeometryError {}

impl StftConfig {
    /// A geometry, if `window_size` is a power of two in 256..=8192 and `padding_ratio` one
    /// of 1, 2, 4, 8: what every buffer is sized for.
    pub fn new(
        window_size: usize,
        padding_ratio: usize,
        window: WindowKind,
    ) -> Result<Self, GeometryError> {
        if !window_size.is_power_of_two()
            || !(MIN_WINDOW_SIZE..=MAX_WINDOW_SIZE).contains(&window_size)
        {
            return Err(GeometryError::WindowSize(window_size));
        }
        if !padding_ratio.is_power_of_two() || padding_ratio > MAX_PADDING_RATIO {
            return Err(GeometryError::PaddingRatio(padding_ratio));
        }
        Ok(Self {
            window_size,
            padding_ratio,
            window,
        })
    }

    /// `M`, the transform size.
    pub fn transform_size(&self) -> usize {
        self.window_size * self.padding_ratio
    }

    /// Bins in a frame's spectrum, `M / 2 + 1`.
    pub fn num_bins(&self) -> usize {
        self.transform_size() / 2 + 1
    }

    /// `H`, samples between frames.
    pub fn hop(&self) -> usize {
        self.window_size / OVERLAP
    }

    /// Zeros on each side of the windowed input in the padded frame, `(M - N) / 2`.
    pub fn centering_offset(&self) -> usize {
        (self.transform_size() - self.window_size) / 2
    }

    /// Longest implied impulse response a frame holds without wrap-around, `M - N + 1`.
    pub fn alias_free_length(&self) -> usize {
        self.transform_size() - self.window_size + 1
    }

    /// Exact delay from input to output: the frame that completes a sample is the one that
    /// reaches `(M - N) / 2` past it, so a sample is final `N - 1 + (M - N) / 2` samples later.
    pub fn latency_samples(&self) -> usize {
        self.window_size - 1 + self.centering_offset()
    }
}

/// What the per-frame callback sees: the spectra of all channels for one frame.
pub struct Frame<'a> {
    /// One spectrum per channel, each `config.num_bins()` long. Change values, not lengths.
    pub spectra: &'a mut [Vec<Complex<f32>>],
    /// The key's spectra for the same frame (one per key channel), or empty when the key is
    /// not analysed.
    pub key: &'a [Vec<Complex<f32>>],
    pub config: StftConfig,
    /// Sum of the analysis window: a full-scale sine centred on a bin has magnitude
    /// `window_sum / 2`, whatever the window, `N` and `P`.
    pub window_sum: f32,
    /// Sum of the squared window: white noise of variance s² has mean bin power
    /// `s² window_power`.
    pub window_power: f32,
}

/// Per-channel ring buffers, indexed by absolute sample time modulo their power-of-two size.
struct ChannelRings {
    input: Vec<f32>,
    output: Vec<f32>,
}

/// Switching geometry: fade the old output out, then start the new one from clean
/// accumulators (its first frames overlap-add in, which is itself a smooth fade-in).
#[derive(Debug, Clone, Copy)]
struct Switch {
    to: StftConfig,
    remaining: usize,
}

/// The STFT engine for a fixed number of channels.
pub struct Stft {
    config: StftConfig,
    pending: Option<Switch>,
    rings: Vec<ChannelRings>,
    /// Spectra handed to the frame callback; allocated for the largest M.
    spectra: Vec<Vec<Complex<f32>>>,
    /// The key's input rings, written whether or not the key is analysed, so its first
    /// analysed frame holds a full window.
    key_rings: Vec<Vec<f32>>,
    key_spectra: Vec<Vec<Complex<f32>>>,
    /// The padded time frame, reused for analysis and synthesis.
    frame: Vec<f32>,
    window: Vec<f32>,
    window_sum: f32,
    window_power: f32,
    plans: FftPlans,
    /// Samples pushed since the last reset or switch.
    time: u64,
    /// Samples pushed since the last frame.
    since_frame: usize,
    /// Where frames fall: a frame completes when `time + grid_offset` is a multiple of the
    /// hop. [`Self::align`] ties it to a host's timeline, so the output at a timeline
    /// position does not depend on how long the plugin ran before it.
    grid_offset: u64,
}

const INPUT_RING: usize = MAX_WINDOW_SIZE;
/// Output accumulator span: a frame writes up to `M` samples ahead of the read point.
const OUTPUT_RING: usize = 2 * MAX_TRANSFORM_SIZE;

impl Stft {
    /// Allocates everything for the largest settings, so later switches never allocate.
    pub fn new(num_channels: usize, config: StftConfig) -> Self {
        Self::with_key(num_channels, 0, config)
    }

    /// [`Self::new`] with room for a key of `key_channels` channels.
    pub fn with_key(num_channels: usize, key_channels: usize, config: StftConfig) -> Self {
        let max_bins = MAX_TRANSFORM_SIZE / 2 + 1;
        let mut stft = Self {
            config,
            pending: None,
            rings: (0..num_channels)
                .map(|_| ChannelRings {
                    input: vec![0.0; INPUT_RING],
                    output: vec![0.0; OUTPUT_RING],
                })
                .collect(),
            spectra: (0..num_channels)
                .map(|_| Vec::with_capacity(max_bins))
                .collect(),
            key_rings: vec![vec![0.0; INPUT_RING]; key_channels],
            key_spectra: (0..key_channels)
                .map(|_| Vec::with_capacity(max_bins))
                .collect(),
            frame: vec![0.0; MAX_TRANSFORM_SIZE],
            window: vec![0.0; MAX_WINDOW_SIZE],
            window_sum: 0.0,
            window_power: 0.0,
            plans: FftPlans::new(),
            time: 0,
            since_frame: 0,
            grid_offset: 0,
        };
        stft.apply_config(config);
        stft
    }

    pub fn num_channels(&self) -> usize {
        self.rings.len()
    }

    /// The geometry in use (a requested switch takes effect after its fade-out).
    pub fn config(&self) -> StftConfig {
        self.config
    }

    /// The geometry that is or will be in use once a pending switch completes: the one
    /// whose latency a host should be told about.
    pub fn target_config(&self) -> StftConfig {
        self.pending.map_or(self.config, |switch| switch.to)
    }

    /// Latency of [`Self::target_config`], in samples.
    pub fn latency_samples(&self) -> usize {
        self.target_config().latency_samples()
    }

    /// Requests a new geometry. It takes effect after a short fade-out; never allocates.
    pub fn set_config(&mut self, config: StftConfig) {
        if config == self.target_config() {
            return;
        }
        let remaining = match self.pending {
            Some(switch) => switch.remaining,
            None => SWITCH_FADE_SAMPLES,
        };
        self.pending = Some(Switch {
            to: config,
            remaining,
        });
    }

    /// Switches geometry at once, without a fade, and clears all state (for offline use).
    pub fn reset_with(&mut self, config: StftConfig) {
        self.pending = None;
        self.apply_config(config);
        self.reset();
    }

    /// Clears all audio state: the output is as if the input had been silent forever.
    pub fn reset(&mut self) {
        for rings in &mut self.rings {
            rings.input.fill(0.0);
            rings.output.fill(0.0);
        }
        for ring in &mut self.key_rings {
            ring.fill(0.0);
        }
        self.time = 0;
        self.since_frame = 0;
        self.grid_offset = 0;
        if let Some(switch) = self.pending.take() {
            self.apply_config(switch.to);
        }
    }

    /// Puts frame boundaries where the timeline position `position` (of the next sample
    /// pushed) is a multiple of the hop. A no-op when they are there already; otherwise the
    /// next frame comes early or late once, which a host does only when its transport starts
    /// or jumps.
    pub fn align(&mut self, position: u64) {
        self.grid_offset = position.wrapping_sub(self.time);
        self.since_frame = self.grid_phase();
    }

    /// Samples since the last frame boundary of the grid, for the geometry in use.
    fn grid_phase(&self) -> usize {
        (self.time.wrapping_add(self.grid_offset) % self.config.hop() as u64) as usize
    }

    fn apply_config(&mut self, config: StftConfig) {
        self.config = config;
        let window = &mut self.window[..config.window_size];
        config.window.fill(window);
        // The round trip scales by M and the overlap-add by 1 / gain; both are folded into
        // the analysis window, so the output needs no scaling pass. Levels stay calibrated
        // because `window_sum` and `window_power` describe the scaled window.
        let scale = reconstruction_gain(window, config.hop()) / config.transform_size() as f32;
        for w in window.iter_mut() {
            *w *= scale;
        }
        self.window_sum = window.iter().sum();
        self.window_power = window.iter().map(|w| w * w).sum();
        // Spectra are exactly `num_bins` long while this geometry is in use; the capacity
        // is the largest M's, so this never allocates.
        for spectrum in self.spectra.iter_mut().chain(&mut self.key_spectra) {
            spectrum.resize(config.num_bins(), Complex::default());
        }
    }

    /// Processes `channels` in place (each the same length, any length, one slice per
    /// channel of the engine), calling `on_frame` once per hop with all channels' spectra.
    /// Output is delayed by [`StftConfig::latency_samples`] and does not depend on how
    /// the input is split into calls.
    ///
    /// # Panics
    /// If the number of channels differs from the engine's or the slices differ in length.
    pub fn process<F: FnMut(&mut Frame)>(&mut self, channels: &mut [&mut [f32]], on_frame: F) {
        self.process_keyed(channels, &[], false, on_frame);
    }

    /// [`Self::process`] with a key: `key` holds the key's samples for the same span (one
    /// slice per key channel, as long as the main channels; fewer slices repeat the last, none
    /// is silence). With `analyse_key`, each frame carries the key's spectra in
    /// [`Frame::key`].
    ///
    /// # Panics
    /// As [`Self::process`], and if a key slice is shorter than the main channels.
    pub fn process_keyed<F: FnMut(&mut Frame)>(
        &mut self,
        channels: &mut [&mut [f32]],
        key: &[&[f32]],
        analyse_key: bool,
        mut on_frame: F,
    ) {
        assert_eq!(channels.len(), self.rings.len(), "channel count");
        let len = channels.first().map_or(0, |channel| channel.len());
        assert!(channels.iter().all(|channel| channel.len() == len));

        let mut pos = 0;
        while pos < len {
            let hop = self.config.hop();
            let mut chunk = (len - pos).min(hop - self.since_frame);
            if let Some(switch) = &self.pending {
                chunk = chunk.min(switch.remaining.max(1));
            }
            for (channel, rings) in channels.iter().zip(self.rings.iter_mut()) {
                write_input(
                    &mut rings.input,
                    self.time,
                    chunk,
                    Some(&channel[pos..pos + chunk]),
                );
            }
            for (index, ring) in self.key_rings.iter_mut().enumerate() {
                let source = key.get(index).or(key.last());
                write_input(ring, self.time, chunk, source.map(|k| &k[pos..pos + chunk]));
            }
            self.time += chunk as u64;
            self.since_frame += chunk;
            if self.since_frame == hop {
                self.since_frame = 0;
                self.process_frame(analyse_key, &mut on_frame);
            }
            self.read_output(channels, pos, chunk);
            pos += chunk;
        }
    }

    fn read_output(&mut self, channels: &mut [&mut [f32]], pos: usize, chunk: usize) {
        let latency = self.config.latency_samples() as u64;
        // The sample leaving now entered `latency` samples ago.
        let first = (self.time - chunk as u64).wrapping_sub(latency);
        for (channel, rings) in channels.iter_mut().zip(self.rings.iter_mut()) {
            for (ring_start, offset, count) in ring_segments(first, chunk, OUTPUT_RING) {
                let ring = &mut rings.output[ring_start..ring_start + count];
                channel[pos + offset..pos + offset + count].copy_from_slice(ring);
                ring.fill(0.0);
            }
            if let Some(switch) = &self.pending {
                for (offset, out) in channel[pos..pos + chunk].iter_mut().enumerate() {
                    let remaining = switch.remaining.saturating_sub(offset);
                    *out *= remaining as f32 / SWITCH_FADE_SAMPLES as f32;
                }
            }
        }
        if let Some(switch) = &mut self.pending {
            switch.remaining = switch.remaining.saturating_sub(chunk);
            if switch.remaining == 0 {
                let to = switch.to;
                self.pending = None;
                self.apply_config(to);
                for rings in &mut self.rings {
                    rings.output.fill(0.0);
                }
                self.since_frame = self.grid_phase();
            }
        }
    }

    fn process_frame<F: FnMut(&mut Frame)>(&mut self, analyse_key: bool, on_frame: &mut F) {
        let config = self.config;
        let n = config.window_size;
        let m = config.transform_size();
        let offset = config.centering_offset();
        // The frame holds input times [start, start + N).
        let start = self.time.wrapping_sub(n as u64);

        let key_inputs = if analyse_key {
            &self.key_rings[..]
        } else {
            &[]
        };
        let inputs = self.rings.iter().map(|rings| &rings.input[..]);
        let key_spectra = &mut self.key_spectra[..key_inputs.len()];
        for (input, spectrum) in inputs
            .chain(key_inputs.iter().map(Vec::as_slice))
            .zip(self.spectra.iter_mut().chain(key_spectra.iter_mut()))
        {
            let frame = &mut self.frame[..m];
            frame[..offset].fill(0.0);
            frame[offset + n..].fill(0.0);
            let windowed = &mut frame[offset..offset + n];
            for (ring_start, at, count) in ring_segments(start, n, INPUT_RING) {
                let input = &input[ring_start..ring_start + count];
                let window = &self.window[at..at + count];
                for ((slot, &x), &w) in windowed[at..at + count].iter_mut().zip(input).zip(window) {
                    *slot = x * w;
                }
            }
            self.plans.forward(frame, spectrum);
        }

        on_frame(&mut Frame {
            spectra: &mut self.spectra,
            key: &self.key_spectra[..key_inputs.len()],
            config,
            window_sum: self.window_sum,
            window_power: self.window_power,
        });

        // Output sample j of the padded frame lines up with input time start - offset + j.
        let first = start.wrapping_sub(offset as u64);
        for (rings, spectrum) in self.rings.iter_mut().zip(self.spectra.iter_mut()) {
            let frame = &mut self.frame[..m];
            self.plans.inverse(spectrum, frame);
            for (ring_start, at, count) in ring_segments(first, m, OUTPUT_RING) {
                let ring = &mut rings.output[ring_start..ring_start + count];
                for (sum, &value) in ring.iter_mut().zip(&frame[at..at + count]) {
                    *sum += value;
                }
            }
        }
    }
}

/// A sample as the engine keeps it. Non-finite input would spread through every bin of every
/// frame that holds it, and denormals slow every later frame down: both become silence, so
/// the state recovers within one window.
pub fn sanitized(sample: f32) -> f32 {
    if sample.abs() >= 1e-30 && sample.is_finite() {
        sample
    } else {
        0.0
    }
}

/// Writes `len` samples from absolute time `time` into an input ring: `source`, sanitised,
/// or silence for a key that is not there.
fn write_input(ring: &mut [f32], time: u64, len: usize, source: Option<&[f32]>) {
    for (ring_start, offset, count) in ring_segments(time, len, ring.len()) {
        let slots = &mut ring[ring_start..ring_start + count];
        match source {
            Some(source) => {
                for (slot, &sample) in slots.iter_mut().zip(&source[offset..offset + count]) {
                    *slot = sanitized(sample);
                }
            }
            None => slots.fill(0.0),
        }
    }
}

/// Splits `len` samples from absolute time `time` in a power-of-two ring into at most two
/// contiguous runs `(ring index, offset within the run of samples, count)`, so the hot
/// loops work on plain slices and vectorise.
fn ring_segments(time: u64, len: usize, ring: usize) -> [(usize, usize, usize); 2] {
    let start = time as usize & (ring - 1);
    let first = len.min(ring - start);
    [(start, 0, first), (0, first, len - first)]
}

#[cfg(test)]
pub(crate) mod tests;
