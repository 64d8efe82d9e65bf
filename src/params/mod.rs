//! The plugin's parameters, built from the one table in [`crate::settings`] so that ids,
//! names, ranges and defaults are typed once, plus the state that is saved with them: the
//! learned noise print ([`noise_print`]) and the editor's window ([`editor_state`]).
//!
//! Parameters are read once per (sub-)block and turned into [`Settings`] by
//! [`settings_from_params`]; the processor applies them from the next frame. There are no
//! parameter smoothers: the STFT applies one gain per frame and the overlap-add crossfades
//! successive frames over a window, so a parameter step is already heard as a ramp of `N`
//! samples. A smoother would only delay the change, and its state would make an offline
//! render depend on the host's activation history.

pub mod editor_state;
pub mod noise_print;

use std::sync::Arc;

use nice_plug::prelude::*;

pub use editor_state::{EditorSize, EditorState};
pub use noise_print::{NoisePrint, PrintPublisher};

use crate::settings::{
    self, ParamKind, ParamSpec, Settings, KERNEL_NAMES, MODE_NAMES, PADDING_NAMES, REFERENCE_NAMES,
    WINDOW_NAMES,
};

/// Defines an [`Enum`] whose variants (display names and stable state ids) are a name table
/// from [`crate::settings`], so the host, the command line and saved state use the same words.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $names:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub usize);

        impl Enum for $name {
            fn variants() -> &'static [&'static str] {
                $names
            }

            fn ids() -> Option<&'static [&'static str]> {
                Some($names)
            }

            fn to_index(self) -> usize {
                self.0
            }

            fn from_index(index: usize) -> Self {
                Self(if index < $names.len() { index } else { 0 })
            }
        }
    };
}

choice!(
    /// Index into [`MODE_NAMES`].
    ModeChoice,
    MODE_NAMES
);
choice!(
    /// Index into [`KERNEL_NAMES`].
    KernelChoice,
    KERNEL_NAMES
);
choice!(
    /// Index into [`PADDING_NAMES`] (the ratio is `1 << index`).
    PaddingChoice,
    PADDING_NAMES
);
choice!(
    /// Index into [`WINDOW_NAMES`].
    WindowChoice,
    WINDOW_NAMES
);
choice!(
    /// Index into [`REFERENCE_NAMES`].
    ReferenceChoice,
    REFERENCE_NAMES
);

#[derive(Params)]
pub struct SpectralMaskParams {
    #[id = "threshold"]
    pub threshold: FloatParam,
    #[id = "mode"]
    pub mode: EnumParam<ModeChoice>,
    #[id = "kernel"]
    pub kernel: EnumParam<KernelChoice>,
    #[id = "padding"]
    pub padding: EnumParam<PaddingChoice>,
    /// log2 of the window size, so that a host sees six steps; displayed as the size.
    #[id = "window_size"]
    pub window_size_log2: IntParam,
    #[id = "window"]
    pub window: EnumParam<WindowChoice>,
    #[id = "floor"]
    pub floor: FloatParam,
    #[id = "knee"]
    pub knee: FloatParam,
    #[id = "reference"]
    pub reference: EnumParam<ReferenceChoice>,
    #[id = "attack"]
    pub attack: FloatParam,
    #[id = "release"]
    pub release: FloatParam,
    #[id = "stereo_link"]
    pub stereo_link: BoolParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "output_gain"]
    pub output_gain: FloatParam,
    #[id = "delta"]
    pub delta: BoolParam,
    #[id = "learn"]
    pub learn: BoolParam,
    #[id = "bypass"]
    pub bypass: BoolParam,

    /// The learned noise print, saved with the plugin's state.
    #[persist = "noise-print"]
    pub noise_print: NoisePrint,

    /// The editor's window: nice-plug-egui's state and the window size saved with the
    /// plugin's state (the editor keeps the two in step).
    #[persist = "editor-size"]
    pub editor_state: Arc<EditorState>,
}

impl Default for SpectralMaskParams {
    fn default() -> Self {
        Self {
            threshold: float_param("threshold"),
            mode: choice_param("mode"),
            kernel: choice_param("kernel"),
            padding: choice_param("padding"),
            window_size_log2: power_of_two_param("window_size"),
            window: choice_param("window"),
            floor: float_param("floor"),
            knee: float_param("knee"),
            reference: choice_param("reference"),
            attack: float_param("attack"),
            release: float_param("release"),
            stereo_link: toggle_param("stereo_link"),
            mix: float_param("mix"),
            output_gain: float_param("output_gain"),
            delta: toggle_param("delta"),
            learn: toggle_param("learn"),
            // Hosts show it as their own bypass switch (CLAP/VST3 bypass flag).
            bypass: toggle_param("bypass").make_bypass(),
            noise_print: NoisePrint::new(),
            editor_state: EditorState::new(EditorSize::DEFAULT),
        }
    }
}

/// Number of parameters, one per [`settings::PARAMS`] entry.
pub const NUM_PARAMS: usize = settings::PARAMS.len();

impl SpectralMaskParams {
    /// Every parameter's id and current value in its spec's units (dB, ms, %, variant index,
    /// window size in samples, 0/1), in [`settings::PARAMS`] order. Never allocates.
    pub fn spec_values(&self) -> [(&'static str, f32); NUM_PARAMS] {
        let toggle = |param: &BoolParam| if param.value() { 1.0 } else { 0.0 };
        [
            ("threshold", self.threshold.value()),
            ("mode", self.mode.value().0 as f32),
            ("kernel", self.kernel.value().0 as f32),
            ("padding", self.padding.value().0 as f32),
            (
                "window_size",
                (1u32 << self.window_size_log2.value()) as f32,
            ),
            ("window", self.window.value().0 as f32),
            ("floor", self.floor.value()),
            ("knee", self.knee.value()),
            ("reference", self.reference.value().0 as f32),
            ("attack", self.attack.value()),
            ("release", self.release.value()),
            ("stereo_link", toggle(&self.stereo_link)),
            ("mix", self.mix.value()),
            ("output_gain", self.output_gain.value()),
            ("delta", toggle(&self.delta)),
            ("learn", toggle(&self.learn)),
            ("bypass", toggle(&self.bypass)),
        ]
    }
}

/// The settings the parameters stand for. Cheap and allocation-free: the audio thread calls
/// it once per block.
pub fn settings_from_params(params: &SpectralMaskParams) -> Settings {
    let mut settings = Settings::default();
    for (id, value) in params.spec_values() {
        let applied = settings.set_value(id, value);
        debug_assert!(applied.is_ok(), "{id} is in the settings table");
    }
    settings
}

/// # Panics
/// If `id` is not in [`settings::PARAMS`]; the unit tests check every id used here.
fn spec_of(id: &str) -> &'static ParamSpec {
    settings::spec(id).unwrap_or_else(|| panic!("'{id}' is not in settings::PARAMS"))
}

/// nice-plug appends the unit to the value as is, so it carries its own space.
fn spaced_unit(unit: &str) -> &'static str {
    match unit {
        "dB" => " dB",
        "ms" => " ms",
        "%" => " %",
        _ => "",
    }
}

/// A continuous parameter: linear in dB and %, skewed towards short times in ms (most
/// useful attack and release times are under a tenth of the range).
///
/// # Panics
/// If the spec of `id` is not a float.
fn float_param(id: &'static str) -> FloatParam {
    let spec = spec_of(id);
    let ParamKind::Float {
        min,
        max,
        unit,
        neg_inf_at_min: _,
    } = spec.kind
    else {
        panic!("'{id}' is not a float parameter");
    };
    let range = if unit == "ms" {
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        }
    } else {
        FloatRange::Linear { min, max }
    };
    // 0.1 of a dB, ms or % is below what anyone hears or sets by hand.
    let step_size = 0.1;
    FloatParam::new(spec.name, spec.default, range)
        .with_unit(spaced_unit(unit))
        .with_step_size(step_size)
        .with_value_to_string(Arc::new(move |value| spec.number_text(value)))
        // The spec's parser reads what a person types ("-42", "-42 dB", "-inf") and checks the
        // range, exactly as `--set` on the command line does.
        .with_string_to_value(Arc::new(move |text| spec.parse(text).ok()))
}

/// # Panics
/// If the spec of `id` is not a choice with `T`'s variants, or its default is not one.
fn choice_param<T: Enum + PartialEq + 'static>(id: &'static str) -> EnumParam<T> {
    let spec = spec_of(id);
    let ParamKind::Choice { variants } = spec.kind else {
        panic!("'{id}' is not a choice parameter");
    };
    assert_eq!(variants, T::variants(), "'{id}' variants");
    EnumParam::new(spec.name, T::from_index(spec.default as usize))
}

/// A power of two, held as its exponent so a host sees a few even steps rather than thousands
/// of invalid integers, displayed and typed as the size itself.
///
/// # Panics
/// If the spec of `id` is not a power of two.
fn power_of_two_param(id: &'static str) -> IntParam {
    let spec = spec_of(id);
    let ParamKind::PowerOfTwo { min, max } = spec.kind else {
        panic!("'{id}' is not a power-of-two parameter");
    };
    let log2 = |size: usize| size.trailing_zeros() as i32;
    IntParam::new(
        spec.name,
        log2(spec.default as usize),
        IntRange::Linear {
            min: log2(min),
            max: log2(max),
        },
    )
    .with_value_to_string(Arc::new(|exponent| format!("{}", 1u32 << exponent)))
    .with_string_to_value(Arc::new(move |text| {
        spec.parse(text).ok().map(|size| log2(size as usize))
    }))
}

/// # Panics
/// If the spec of `id` is not a toggle.
fn toggle_param(id: &'static str) -> BoolParam {
    let spec = spec_of(id);
    assert_eq!(spec.kind, ParamKind::Toggle, "'{id}' is not a toggle");
    BoolParam::new(spec.name, spec.default >= 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::PARAMS;

    #[test]
    fn ids_follow_the_settings_table_in_order() {
        let params = SpectralMaskParams::default();
        let ids: Vec<String> = params.param_map().into_iter().map(|(id, ..)| id).collect();
        let spec_ids: Vec<&str> = PARAMS.iter().map(|spec| spec.id).collect();
        assert_eq!(ids, spec_ids);
        let value_ids: Vec<&str> = params.spec_values().iter().map(|(id, _)| *id).collect();
        assert_eq!(value_ids, spec_ids);
    }

    #[test]
    fn names_follow_the_settings_table() {
        let params = SpectralMaskParams::default();
        for ((id, ptr, _), spec) in params.param_map().into_iter().zip(PARAMS) {
            // SAFETY: `params` outlives the pointers taken from it.
            let name = unsafe { ptr.name() };
            assert_eq!(name, spec.name, "{id}");
        }
    }

    #[test]
    fn defaults_are_the_settings_defaults() {
        let params = SpectralMaskParams::default();
        assert_eq!(settings_from_params(&params), Settings::default());
        for ((id, value), spec) in params.spec_values().into_iter().zip(PARAMS) {
            assert_eq!(value, spec.default, "{id}");
        }
    }

    #[test]
    fn values_display_and_parse_as_on_the_command_line() {
        let params = SpectralMaskParams::default();
        let floor_min = params.floor.preview_normalized(settings::FLOOR_MIN_DB);
        assert_eq!(
            params.floor.normalized_value_to_string(floor_min, true),
            "-inf dB"
        );
        assert_eq!(params.floor.string_to_normalized_value("-inf"), Some(0.0));
        // -40 dB on -140 .. 20 dB: (-40 + 140) / 160 = 0.625.
        assert_eq!(
            params.threshold.string_to_normalized_value("-40 dB"),
            Some(0.625)
        );
        assert_eq!(
            params.threshold.string_to_normalized_value("-40"),
            Some(0.625)
        );
        assert_eq!(params.threshold.string_to_normalized_value("loud"), None);
        // 512 = 2^9 on 2^8 .. 2^13: (9 - 8) / 5 = 0.2.
        let size = params.window_size_log2.string_to_normalized_value("512");
        assert_eq!(size, Some(0.2));
        assert_eq!(
            params
                .window_size_log2
                .normalized_value_to_string(0.2, true),
            "512"
        );
        assert_eq!(
            params.window_size_log2.string_to_normalized_value("500"),
            None
        );
        // Choices read and show the command line's variant names.
        // soft_inverted is variant 3 of 0 ..= 5.
        let soft_inverted = params.mode.string_to_normalized_value("soft_inverted");
        assert_eq!(soft_inverted, Some(0.6));
        let padding_4 = params.padding.string_to_normalized_value("4").unwrap();
        assert_eq!(
            params.padding.normalized_value_to_string(padding_4, true),
            "4"
        );
    }

    #[test]
    fn settings_follow_the_parameters() {
        let params = SpectralMaskParams::default();
        // SAFETY: nothing else reads these parameters meanwhile; the wrappers set them the
        // same way.
        unsafe {
            use nice_plug::params::InternalParamMut;
            params.window_size_log2._internal_set_plain_value(9);
            params.padding._internal_set_plain_value(PaddingChoice(3));
            params
                .floor
                ._internal_set_plain_value(settings::FLOOR_MIN_DB);
            params.mode._internal_set_plain_value(ModeChoice(2));
            params.stereo_link._internal_set_plain_value(false);
        }
        let settings = settings_from_params(&params);
        assert_eq!(settings.window_size, 512);
        assert_eq!(settings.padding_ratio, 8);
        assert_eq!(settings.floor_db, f32::NEG_INFINITY);
        assert_eq!(settings.mode, settings::Mode::BinaryInverted);
        assert!(!settings.stereo_link);
    }

    #[test]
    fn the_editor_size_round_trips_through_the_saved_state() {
        let params = SpectralMaskParams::default();
        assert_eq!(params.editor_state.saved_size(), EditorSize::DEFAULT);
        let resized = EditorSize {
            width: 1234.0,
            height: 777.5,
        };
        params.editor_state.record_size(resized);
        // Recording the window's own size is not a load to apply.
        assert_eq!(params.editor_state.take_loaded_size(), None);

        let fields = params.serialize_fields();
        assert_eq!(
            fields.get("editor-size").map(String::as_str),
            Some(r#"{"width":1234.0,"height":777.5}"#)
        );

        let restored = SpectralMaskParams::default();
        restored.deserialize_fields(&fields);
        assert_eq!(restored.editor_state.saved_size(), resized);
        // The editor is told once to resize the window to it.
        assert_eq!(restored.editor_state.take_loaded_size(), Some(resized));
        assert_eq!(restored.editor_state.take_loaded_size(), None);
        assert_eq!(restored.serialize_fields(), fields);
    }
}
