//! The nice-plug wrapper: the CLAP and VST3 plugin and the standalone app around the one
//! [`Processor`]. It reads the parameters into [`Settings`], reports the latency the geometry
//! implies, and carries the learned noise print between the processor and the saved state.
//! No DSP lives here.

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::*;

use crate::analysis::{self, AnalysisPublisher, AnalysisReader};
use crate::editor::plugin_editor::{self, EditorApp};
use crate::mask::Masker;
use crate::params::{PrintPublisher, SpectralMaskParams};
use crate::processor::{stft_config, Processor};

pub struct SpectralMask {
    params: Arc<SpectralMaskParams>,
    /// Built in `activate()` for the host's channel count; `None` before that.
    processor: Option<Processor>,
    print_publisher: PrintPublisher,
    /// The latency last told to the host, in samples.
    reported_latency: u32,
    /// Nothing has been processed since the last activation or reset.
    fresh: bool,
    /// While the host's transport plays: the timeline position the next block should start
    /// at. A block that starts elsewhere is a start or a jump, and the frame grid is tied to
    /// the timeline again.
    expected_position: Option<i64>,
    /// The audio thread's end of the editor's analysis channel; publishes only while the
    /// editor is open.
    analysis: AnalysisPublisher,
    /// The editor's end, handed to the editor when the host first asks for it (nice-plug
    /// does so once, before activation, so the channel is made here).
    analysis_reader: Option<AnalysisReader>,
    sample_rate: f32,
}

impl Default for SpectralMask {
    fn default() -> Self {
        let params = Arc::new(SpectralMaskParams::default());
        let print_publisher = params
            .noise_print
            .take_publisher()
            .expect("fresh parameters still hold their publisher");
        let (analysis, analysis_reader) = analysis::channel(analysis::DEFAULT_CAPACITY);
        Self {
            params,
            processor: None,
            print_publisher,
            reported_latency: 0,
            fresh: true,
            expected_position: None,
            analysis,
            analysis_reader: Some(analysis_reader),
            sample_rate: 48_000.0,
        }
    }
}

impl SpectralMask {
    /// The parameters, e.g. for an editor.
    pub fn params_arc(&self) -> Arc<SpectralMaskParams> {
        self.params.clone()
    }
}

impl Plugin for SpectralMask {
    const NAME: &'static str = "Spectral Mask";
    const VENDOR: &'static str = "Spectral Mask";
    const URL: &'static str = "https://github.com/spectral-mask/spectral-mask";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn filter_state(state: &mut PluginState) {
        crate::params::migrate_state(&mut state.params);
    }

    // The key (sidechain) input has as many channels as the main one; a host that routes
    // nothing to it gives silence, which `key = off` (the default) never reads. The layouts
    // without it are for hosts that ask for a single input bus.
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        keyed_layout(2),
        keyed_layout(1),
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    // Automation is applied where it lands in the block rather than at the block's start: with
    // 8192-sample host blocks and a 512-sample hop, that is the difference between a threshold
    // ride that moves every frame and one that moves in 170 ms stairs.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = nice_plug_egui::EguiEditor<EditorApp>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        plugin_editor::create(
            self.params.clone(),
            self.params.editor_state.clone(),
            self.params.threshold_curve.clone(),
            self.analysis_reader.take()?,
        )
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let num_channels = audio_io_layout
            .main_output_channels
            .map_or(0, NonZeroU32::get) as usize;
        if num_channels == 0 {
            return false;
        }
        let sample_rate = buffer_config.sample_rate;
        self.sample_rate = sample_rate;
        let settings = self.params.settings();
        // Hosts may activate several times in a row (e.g. while restoring state); the
        // processor's buffers are sized for the largest settings, so one per channel count
        // is enough.
        let processor = match self.processor.take() {
            Some(mut processor) if processor.num_channels() == num_channels => {
                processor.set_sample_rate(sample_rate);
                processor
            }
            _ => Processor::new(num_channels, sample_rate, settings),
        };
        let processor = self.processor.insert(processor);
        processor.set_settings(&settings);
        // Completes any pending geometry switch, so the latency below is the one in use.
        processor.reset();
        install_saved_state(&self.params, processor.masker_mut(), Wait::Block);
        self.reported_latency = latency_u32(processor);
        context.set_latency_samples(self.reported_latency);
        self.fresh = true;
        true
    }

    fn reset(&mut self) {
        if let Some(processor) = &mut self.processor {
            processor.reset();
        }
        self.fresh = true;
        self.expected_position = None;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let Some(processor) = &mut self.processor else {
            return ProcessStatus::Error("processing before activation");
        };
        install_saved_state(&self.params, processor.masker_mut(), Wait::Never);

        let settings = self.params.settings();
        processor.set_settings(&settings);
        if self.fresh && processor.config() != stft_config(&settings) {
            // Settings that arrive after activation but before any audio (a host setting up a
            // session or an offline render) have nothing to fade from: switch at once, so the
            // output is exactly that of a render started with these settings.
            processor.reset();
        }
        self.fresh &= buffer.samples() == 0;
        // Frames fall on the same timeline positions however long the plugin ran before the
        // transport started (Ardour runs a varying number of idle cycles before an export),
        // so a render does not depend on the host's buffer size. Positions derived from
        // seconds (CLAP) may round by a sample; that is not a jump.
        let transport = context.transport();
        match transport.pos_samples().filter(|_| transport.playing) {
            Some(position) => {
                let continuous = self
                    .expected_position
                    .is_some_and(|expected| (expected - position).abs() <= 1);
                if !continuous {
                    processor.align_to_timeline(position);
                }
                self.expected_position = Some(position + buffer.samples() as i64);
            }
            None => self.expected_position = None,
        }
        // A window-size or padding change moves the latency at once (the old geometry fades
        // out over a few ms); the host restarts the plugin to compensate.
        let latency = latency_u32(processor);
        if latency != self.reported_latency {
            self.reported_latency = latency;
            context.set_latency_samples(latency);
        }

        // The key's channels as plain slices, on the stack.
        let mut key: [&[f32]; 2] = [&[]; 2];
        let key_channels = match aux.inputs.first() {
            Some(port) => {
                let channels = port.as_slice_immutable();
                for (slot, channel) in key.iter_mut().zip(channels) {
                    *slot = channel;
                }
                channels.len().min(key.len())
            }
            None => 0,
        };
        let key = &key[..key_channels];
        if self.analysis.is_editor_open() {
            let (publisher, sample_rate) = (&mut self.analysis, self.sample_rate);
            processor.process_observed_with_key(buffer.as_slice(), key, |view| {
                publisher.publish(view, sample_rate)
            });
        } else {
            processor.process_with_key(buffer.as_slice(), key);
        }

        // Learning finishes in the frame after `learn` is switched off.
        if processor.masker_mut().take_print_changed() {
            self.print_publisher
                .publish(processor.masker().noise_print());
        }
        // Output goes on for the latency after the input stops.
        ProcessStatus::Tail(latency)
    }
}

const MONO_KEY: &[NonZeroU32] = &[new_nonzero_u32(1)];
const STEREO_KEY: &[NonZeroU32] = &[new_nonzero_u32(2)];

/// A layout of `channels` in and out with a key input of as many channels. The key's channel
/// count equals the main one's, which is also what nice-plug's VST3 bus-arrangement matching
/// checks it against.
const fn keyed_layout(channels: u32) -> AudioIOLayout {
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(channels),
        main_output_channels: NonZeroU32::new(channels),
        aux_input_ports: match channels {
            1 => MONO_KEY,
            _ => STEREO_KEY,
        },
        names: PortNames {
            aux_inputs: &["Key"],
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    }
}

/// Whether handing saved state to the audio side may wait for the main thread.
#[derive(Clone, Copy)]
enum Wait {
    /// `activate()`: may lock; installs the state whatever is pending.
    Block,
    /// `process()`: installs only what changed, and only if it can without waiting.
    Never,
}

/// Gives the masker the saved state that travels outside the parameters: the learned noise
/// print and the threshold curve.
fn install_saved_state(params: &SpectralMaskParams, masker: &mut Masker, wait: Wait) {
    let (print, curve) = (&params.noise_print, &params.threshold_curve);
    match wait {
        Wait::Block => {
            print.install_blocking(|density| masker.set_noise_print(density));
            curve.install_blocking(|nodes| masker.set_curve(nodes));
        }
        Wait::Never => {
            print.try_install_loaded(|density| masker.set_noise_print(density));
            curve.try_install_changed(|nodes| masker.set_curve(nodes));
        }
    }
}

fn latency_u32(processor: &Processor) -> u32 {
    u32::try_from(processor.latency_samples()).unwrap_or(u32::MAX)
}

impl ClapPlugin for SpectralMask {
    const CLAP_ID: &'static str = "org.spectral-mask.spectral-mask";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Alias-free STFT spectral gate: removes or isolates what lies under a threshold");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Restoration,
        ClapFeature::Gate,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Vst3Plugin for SpectralMask {
    const VST3_CLASS_ID: [u8; 16] = *b"SpectralMaskFx01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Restoration,
        Vst3SubCategory::Dynamics,
    ];
}

nice_export_clap!(SpectralMask);
nice_export_vst3!(SpectralMask);

/// Runs the standalone app with `args` (program name first, as `std::env::args()` gives
/// them); false if the audio backend or the plugin failed.
pub fn run_standalone(args: Vec<String>) -> bool {
    nice_export_standalone_with_args::<SpectralMask, _>(args)
}
