//! Engine plus mask for N channels: the one DSP object that the plugin, the command line and
//! the tests drive, so there is one code path from a setting to a sample.
//!
//! Two doors: [`Processor::process`] is real-time safe (no allocation, lock or wait) once
//! constructed; [`render`] is the offline convenience that allocates the whole output.

mod bypass;

use std::ops::ControlFlow;

use crate::config::{MAX_PADDING_RATIO, MAX_PIECE, MAX_WINDOW_SIZE, MIN_WINDOW_SIZE};
use crate::mask::Masker;
use crate::settings::{Key, Settings};
use crate::stft::{Frame, Stft, StftConfig};
use bypass::Bypass;

/// Most channels a processor takes (blocks longer than [`MAX_PIECE`] are cut into pieces on
/// the stack, one slice per channel).
pub const MAX_CHANNELS: usize = 64;

/// What the processor shows of a frame after masking it, for analysis and display.
pub struct FrameView<'a> {
    pub config: StftConfig,
    pub masker: &'a Masker,
    pub frame: &'a Frame<'a>,
}

pub struct Processor {
    stft: Stft,
    masker: Masker,
    bypass: Bypass,
    settings: Settings,
    sample_rate: f32,
}

/// The geometry a set of settings asks for. Settings from the parameter table are always a
/// valid geometry; a hand-built `Settings` outside it is clamped to the range and rounded up
/// to a power of two, so the processor, which runs on the audio thread, never fails on it.
/// Use [`StftConfig::new`] to have such settings refused instead.
pub fn stft_config(settings: &Settings) -> StftConfig {
    // `max` is a power of two, so rounding up never passes it.
    let power = |value: usize, min: usize, max: usize| value.clamp(min, max).next_power_of_two();
    StftConfig::new(
        power(settings.window_size, MIN_WINDOW_SIZE, MAX_WINDOW_SIZE),
        power(settings.padding_ratio, 1, MAX_PADDING_RATIO),
        settings.window,
    )
    .expect("clamped to a power of two in range")
}

impl Processor {
    /// Allocates everything for the largest settings; afterwards nothing allocates.
    ///
    /// # Panics
    /// If `num_channels` is more than [`MAX_CHANNELS`].
    pub fn new(num_channels: usize, sample_rate: f32, settings: Settings) -> Self {
        assert!(num_channels <= MAX_CHANNELS, "{num_channels} channels");
        let mut bypass = Bypass::new(num_channels, sample_rate);
        bypass.reset(settings.bypass);
        Self {
            // The key has as many channels as the signal at most: a mask per channel follows
            // the key's channel of the same number.
            stft: Stft::with_key(num_channels, num_channels, stft_config(&settings)),
            masker: Masker::new(num_channels, sample_rate),
            bypass,
            settings,
            sample_rate,
        }
    }

    pub fn num_channels(&self) -> usize {
        self.stft.num_channels()
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Changes the sample rate (time constants depend on it). Not real-time: call it from
    /// the host's (re)activation, where it is followed by a reset.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.masker.set_sample_rate(sample_rate);
        self.bypass.set_sample_rate(sample_rate);
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Takes new settings. Geometry changes fade over a few milliseconds and change the
    /// latency; everything else applies from the next frame. Never allocates.
    pub fn set_settings(&mut self, settings: &Settings) {
        self.settings = *settings;
        self.stft.set_config(stft_config(settings));
    }

    /// The latency to report to a host, for the geometry in use or being switched to.
    pub fn latency_samples(&self) -> usize {
        self.stft.latency_samples()
    }

    /// The geometry in use right now.
    pub fn config(&self) -> StftConfig {
        self.stft.config()
    }

    /// Silence in the history; a pending geometry switch completes at once. Keeps the print.
    pub fn reset(&mut self) {
        self.stft.reset();
        self.masker.reset();
        self.bypass.reset(self.settings.bypass);
    }

    /// Ties the frame grid to a host's timeline: `position` is the timeline sample of the
    /// next sample processed (negative in a pre-roll). Call it when the transport starts or
    /// jumps, so a render of the same passage is the same whatever the host did before.
    pub fn align_to_timeline(&mut self, position: i64) {
        self.stft.align(position as u64);
    }

    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    pub fn masker_mut(&mut self) -> &mut Masker {
        &mut self.masker
    }

    /// Processes one block in place (one slice per channel, any equal length).
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_with_key(channels, &[]);
    }

    /// [`Self::process`] with the key's samples for the same span (one slice per key
    /// channel, each as long as the block; fewer than the signal's channels repeat the last,
    /// none is a silent key). The key is read only when the `key` setting gives it a role.
    pub fn process_with_key(&mut self, channels: &mut [&mut [f32]], key: &[&[f32]]) {
        self.masker.set_observed(false);
        self.process_pieces(channels, key, &mut |_| {});
    }

    /// [`Self::process`], calling `observe` after each frame has been masked, e.g. to
    /// publish it to an editor; levels and thresholds in dB are computed for it (two
    /// logarithms per bin that `process` saves). `observe` runs on the audio thread: it
    /// must not block.
    pub fn process_observed<F: FnMut(&FrameView)>(
        &mut self,
        channels: &mut [&mut [f32]],
        observe: F,
    ) {
        self.process_observed_with_key(channels, &[], observe);
    }

    /// [`Self::process_observed`] with a key, as [`Self::process_with_key`] takes it.
    pub fn process_observed_with_key<F: FnMut(&FrameView)>(
        &mut self,
        channels: &mut [&mut [f32]],
        key: &[&[f32]],
        mut observe: F,
    ) {
        self.masker.set_observed(true);
        self.process_pieces(channels, key, &mut observe);
    }

    /// Cuts a block into pieces the bypass delay line holds; the engine does not know where
    /// blocks begin, so the output is the same.
    fn process_pieces<F: FnMut(&FrameView)>(
        &mut self,
        channels: &mut [&mut [f32]],
        key: &[&[f32]],
        observe: &mut F,
    ) {
        let len = channels.first().map_or(0, |channel| channel.len());
        // A key shorter than the block is no key: the audio thread never panics on a caller's
        // (or a host wrapper's) mistake.
        let key = if key.iter().all(|channel| channel.len() >= len) {
            &key[..key.len().min(MAX_CHANNELS)]
        } else {
            &[]
        };
        if len <= MAX_PIECE {
            self.process_piece(channels, key, observe);
            return;
        }
        let num_channels = channels.len();
        let mut start = 0;
        while start < len {
            let end = (start + MAX_PIECE).min(len);
            let mut pieces: [&mut [f32]; MAX_CHANNELS] =
                std::array::from_fn(|_| Default::default());
            for (piece, channel) in pieces.iter_mut().zip(channels.iter_mut()) {
                *piece = &mut channel[start..end];
            }
            let mut key_pieces: [&[f32]; MAX_CHANNELS] = [&[]; MAX_CHANNELS];
            for (piece, channel) in key_pieces.iter_mut().zip(key) {
                *piece = &channel[start..end];
            }
            self.process_piece(
                &mut pieces[..num_channels],
                &key_pieces[..key.len()],
                observe,
            );
            start = end;
        }
    }

    fn process_piece<F: FnMut(&FrameView)>(
        &mut self,
        channels: &mut [&mut [f32]],
        key: &[&[f32]],
        observe: &mut F,
    ) {
        self.bypass.write(channels);
        let masker = &mut self.masker;
        let settings = &self.settings;
        let analyse_key = settings.key != Key::Off;
        self.stft
            .process_keyed(channels, key, analyse_key, |frame| {
                masker.process_frame(frame, settings);
                observe(&FrameView {
                    config: frame.config,
                    masker,
                    frame,
                });
            });
        let latency = self.stft.latency_samples();
        self.bypass.mix(channels, latency, settings.bypass);
    }
}

/// What an offline run shows of each frame to its observer.
pub type Observer<'a> = &'a mut dyn FnMut(&FrameView);

impl Processor {
    /// Runs `range` of `channels`, then `silence` samples of zeros, through the processor in
    /// large blocks: the one offline loop that rendering, spectrograms and print learning
    /// share. `key` is the key's channels over the same timeline (shorter ones are silence
    /// past their end; empty: no key). `observe`, if given, sees every frame (with levels in
    /// dB); `progress` gets the
    /// fraction done after every block and may answer `ControlFlow::Break(())` to stop, which
    /// returns `None`. Returns what came out, not yet aligned: its first
    /// [`Self::latency_samples`] are the processor's delay. Allocates.
    pub fn run_offline(
        &mut self,
        channels: &[Vec<f32>],
        range: std::ops::Range<usize>,
        silence: usize,
        key: &[Vec<f32>],
        mut observe: Option<Observer>,
        progress: &mut dyn FnMut(f32) -> ControlFlow<()>,
    ) -> Option<Vec<Vec<f32>>> {
        let total = range.len() + silence;
        let mut output: Vec<Vec<f32>> = channels
            .iter()
            .map(|channel| {
                let mut buffer = Vec::with_capacity(total);
                buffer.extend_from_slice(&channel[range.clone()]);
                buffer.resize(total, 0.0);
                buffer
            })
            .collect();
        let key: Vec<Vec<f32>> = key
            .iter()
            .map(|channel| {
                let mut buffer = vec![0.0; total];
                let clip = |at: usize| at.min(channel.len());
                let from = &channel[clip(range.start)..clip(range.end)];
                buffer[..from.len()].copy_from_slice(from);
                buffer
            })
            .collect();
        // Large blocks for speed; the output does not depend on the block size.
        let mut pos = 0;
        while pos < total {
            let end = (pos + MAX_PIECE).min(total);
            let mut slices: Vec<&mut [f32]> = output
                .iter_mut()
                .map(|buffer| &mut buffer[pos..end])
                .collect();
            let key_slices: Vec<&[f32]> = key.iter().map(|buffer| &buffer[pos..end]).collect();
            match observe.as_deref_mut() {
                Some(observe) => self.process_observed_with_key(&mut slices, &key_slices, observe),
                None => self.process_with_key(&mut slices, &key_slices),
            }
            pos = end;
            if progress(pos as f32 / total.max(1) as f32).is_break() {
                return None;
            }
        }
        Some(output)
    }
}

/// Renders whole signals offline: output has the input's length and is aligned with it
/// (latency removed, tail flushed). `progress` receives the fraction done. Allocates.
pub fn render(
    settings: &Settings,
    sample_rate: f32,
    channels: &[Vec<f32>],
    mut progress: impl FnMut(f32),
) -> Vec<Vec<f32>> {
    let processor = Processor::new(channels.len(), sample_rate, *settings);
    render_prepared(processor, channels, &[], |fraction| {
        progress(fraction);
        ControlFlow::Continue(())
    })
    .unwrap_or_default()
}

/// [`render`] through a processor prepared by the caller (a noise print or a threshold
/// curve installed before the first sample, so they apply from the start of the file), with
/// a way to stop: `progress` gets the fraction done after every block and may answer
/// `ControlFlow::Break(())`, which ends the render with `None`. `key` is the key's channels
/// from the same start (empty: none).
pub fn render_prepared(
    mut processor: Processor,
    channels: &[Vec<f32>],
    key: &[Vec<f32>],
    mut progress: impl FnMut(f32) -> ControlFlow<()>,
) -> Option<Vec<Vec<f32>>> {
    let latency = processor.latency_samples();
    let len = channels.first().map_or(0, Vec::len);
    let mut output = processor.run_offline(channels, 0..len, latency, key, None, &mut progress)?;
    for buffer in &mut output {
        buffer.drain(..latency);
    }
    Some(output)
}

#[cfg(test)]
mod tests;
