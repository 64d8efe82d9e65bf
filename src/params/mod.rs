//! The plugin's parameters, built from the one table in [`crate::settings`] so that ids,
//! names, ranges and defaults are typed once, plus the state that is saved with them: the
//! learned noise print ([`noise_print`]), the threshold curve ([`threshold_curve`]) and the
//! editor's window ([`editor_state`]).
//!
//! Parameters are read once per (sub-)block and turned into [`Settings`] by
//! [`SpectralMaskParams::settings`]; the processor applies them from the next frame. There are no
//! parameter smoothers: the STFT applies one gain per frame and the overlap-add crossfades
//! successive frames over a window, so a parameter step is already heard as a ramp of `N`
//! samples. A smoother would only delay the change, and its state would make an offline
//! render depend on the host's activation history.

pub mod editor_state;
mod handoff;
pub mod noise_print;
pub mod threshold_curve;

use std::sync::Arc;

use nice_plug::prelude::*;

pub use editor_state::{EditorSize, EditorState};
pub use noise_print::{NoisePrint, PrintPublisher};
pub use threshold_curve::ThresholdCurve;

use crate::choice::Choice;
use crate::settings::table_types::*;
use crate::settings::{self, declare_params, specs, ParamKind, ParamSpec, SettingValue, Settings};

/// A [`Choice`] as nice-plug's [`Enum`]: the variant names are the display names and the
/// stable ids of saved state, so the host, the command line and saved state use the same words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant<T>(pub T);

impl<T: Choice> Enum for Variant<T> {
    fn variants() -> &'static [&'static str] {
        T::NAMES
    }

    fn ids() -> Option<&'static [&'static str]> {
        Some(T::NAMES)
    }

    fn to_index(self) -> usize {
        self.0.index()
    }

    fn from_index(index: usize) -> Self {
        // nice-plug's contract: out of range reads as the first variant.
        Self(T::ALL.get(index).copied().unwrap_or(T::ALL[0]))
    }
}

/// How a `Settings` field's type is held as a nice-plug parameter, and read back without
/// looking anything up by name (the audio thread reads every parameter once per block).
pub trait HostParam: SettingValue {
    type Param: Param;
    fn build(spec: &'static ParamSpec) -> Self::Param;
    fn read(param: &Self::Param, spec: &ParamSpec) -> Self;
}

impl HostParam for f32 {
    type Param = FloatParam;

    /// A continuous parameter, skewed as its spec says (the editor's slider uses the same).
    ///
    /// # Panics
    /// If the spec is not a float.
    fn build(spec: &'static ParamSpec) -> FloatParam {
        let ParamKind::Float {
            min,
            max,
            unit,
            skew,
            ..
        } = spec.kind
        else {
            panic!("'{}' is not a float parameter", spec.id);
        };
        let range = if skew == 1.0 {
            FloatRange::Linear { min, max }
        } else {
            FloatRange::Skewed {
                min,
                max,
                factor: skew,
            }
        };
        // 0.1 of a dB, ms or % is below what anyone hears or sets by hand.
        let step_size = 0.1;
        // The unit is the host's to show (VST3 and CLAP carry it apart from the value).
        FloatParam::new(spec.name, spec.default, range)
            .with_unit(spaced_unit(unit))
            .with_step_size(step_size)
            .with_value_to_string(Arc::new(move |value| spec.number_text(value)))
            // The spec's parser reads what a person types ("-42", "-42 dB", "-inf") and checks
            // the range, exactly as `--set` on the command line does.
            .with_string_to_value(Arc::new(move |text| spec.parse(text).ok()))
    }

    fn read(param: &FloatParam, spec: &ParamSpec) -> f32 {
        f32::from_spec_value(spec, param.value())
    }
}

impl HostParam for bool {
    type Param = BoolParam;

    /// # Panics
    /// If the spec is not a toggle.
    fn build(spec: &'static ParamSpec) -> BoolParam {
        assert_eq!(
            spec.kind,
            ParamKind::Toggle,
            "'{}' is not a toggle",
            spec.id
        );
        let param = BoolParam::new(spec.name, spec.default >= 0.5);
        if spec.id == specs::bypass.id {
            // Hosts show it as their own bypass switch (CLAP/VST3 bypass flag).
            param.make_bypass()
        } else {
            param
        }
    }

    fn read(param: &BoolParam, _: &ParamSpec) -> bool {
        param.value()
    }
}

impl HostParam for usize {
    type Param = IntParam;

    /// A power of two or a ratio, held as its exponent so a host sees a few even steps
    /// rather than thousands of invalid integers, displayed and typed as the size itself.
    ///
    /// # Panics
    /// If the spec is neither.
    fn build(spec: &'static ParamSpec) -> IntParam {
        let log2 = |size: usize| size.trailing_zeros() as i32;
        let (min, max) = match spec.kind {
            ParamKind::PowerOfTwo { min, max } => (min, max),
            ParamKind::Ratio { variants } => (1, 1 << (variants.len() - 1)),
            _ => panic!("'{}' is not a power of two", spec.id),
        };
        let default = usize::from_spec_value(spec, spec.default);
        IntParam::new(
            spec.name,
            log2(default),
            IntRange::Linear {
                min: log2(min),
                max: log2(max),
            },
        )
        .with_value_to_string(Arc::new(|exponent| format!("{}", 1u32 << exponent)))
        .with_string_to_value(Arc::new(move |text| {
            let value = spec.parse(text).ok()?;
            Some(log2(usize::from_spec_value(spec, value)))
        }))
    }

    fn read(param: &IntParam, _: &ParamSpec) -> usize {
        1 << param.value().clamp(0, 30)
    }
}

impl<T: Choice + std::fmt::Debug> HostParam for T {
    type Param = EnumParam<Variant<T>>;

    /// # Panics
    /// If the spec is not a choice with this type's variants.
    fn build(spec: &'static ParamSpec) -> Self::Param {
        assert_eq!(
            spec.kind.variants(),
            Some(T::NAMES),
            "'{}' variants",
            spec.id
        );
        EnumParam::new(spec.name, Variant(T::from_spec_value(spec, spec.default)))
    }

    fn read(param: &Self::Param, _: &ParamSpec) -> Self {
        param.value().0
    }
}

/// Generates, from [`declare_params`], the plugin's parameters: one field per setting named
/// as in `Settings` with the setting's stable id, their builders, and the typed reads.
macro_rules! plugin_params {
    ($(
        $(#[$doc:meta])*
        $field:ident: $ty:ty {
            id: $id:tt,
            $($rest:tt)*
        }
    )*) => {
        #[derive(Params)]
        pub struct SpectralMaskParams {
            $(
                #[id = $id]
                pub $field: <$ty as HostParam>::Param,
            )*

            /// The learned noise print, saved with the plugin's state.
            #[persist = "noise-print"]
            pub noise_print: NoisePrint,

            /// The threshold curve the user drew, saved with the plugin's state.
            #[persist = "threshold-curve"]
            pub threshold_curve: ThresholdCurve,

            /// The editor's window: nice-plug-egui's state and the window size saved with the
            /// plugin's state (the editor keeps the two in step).
            #[persist = "editor-size"]
            pub editor_state: Arc<EditorState>,
        }

        impl Default for SpectralMaskParams {
            fn default() -> Self {
                Self {
                    $( $field: <$ty as HostParam>::build(&specs::$field), )*
                    noise_print: NoisePrint::new(),
                    threshold_curve: ThresholdCurve::default(),
                    editor_state: EditorState::new(EditorSize::DEFAULT),
                }
            }
        }

        impl SpectralMaskParams {
            /// The settings the parameters stand for. Cheap and allocation-free: the audio
            /// thread calls it once per (sub-)block.
            pub fn settings(&self) -> Settings {
                Settings {
                    $( $field: <$ty as HostParam>::read(&self.$field, &specs::$field), )*
                }
            }
        }
    };
}

declare_params!(plugin_params);

/// Brings parameter values saved by earlier versions to today's parameters: `padding` was
/// saved as its variant name (an enum parameter) and is now the exponent of an integer one.
/// Called by the plugin's `filter_state` before a state is loaded.
pub fn migrate_state(
    values: &mut std::collections::BTreeMap<String, nice_plug::plugin::ParamValue>,
) {
    use nice_plug::plugin::ParamValue;
    for spec in settings::PARAMS {
        let ParamKind::Ratio { variants } = spec.kind else {
            continue;
        };
        if let Some(ParamValue::String(name)) = values.get(spec.id) {
            if let Some(index) = variants.iter().position(|variant| variant == name) {
                values.insert(spec.id.to_string(), ParamValue::I32(index as i32));
            }
        }
    }
}

/// nice-plug appends the unit to the value as is, so it carries its own space; it keeps a
/// `&'static str`, hence one line per unit the table uses.
fn spaced_unit(unit: &str) -> &'static str {
    match unit {
        "dB" => " dB",
        "dB/oct" => " dB/oct",
        "ms" => " ms",
        "%" => " %",
        _ => "",
    }
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
        assert_eq!(params.settings(), Settings::default());
        let settings = params.settings();
        for spec in PARAMS {
            assert_eq!(settings.value(spec.id), Some(spec.default), "{}", spec.id);
        }
    }

    #[test]
    fn values_display_and_parse_as_on_the_command_line() {
        let params = SpectralMaskParams::default();
        let floor_min = params.floor_db.preview_normalized(settings::FLOOR_MIN_DB);
        assert_eq!(
            params.floor_db.normalized_value_to_string(floor_min, true),
            "-inf dB"
        );
        assert_eq!(
            params.floor_db.string_to_normalized_value("-inf"),
            Some(0.0)
        );
        // -40 dB on -140 .. 20 dB: (-40 + 140) / 160 = 0.625.
        assert_eq!(
            params.threshold_db.string_to_normalized_value("-40 dB"),
            Some(0.625)
        );
        assert_eq!(
            params.threshold_db.string_to_normalized_value("-40"),
            Some(0.625)
        );
        assert_eq!(params.threshold_db.string_to_normalized_value("loud"), None);
        // 512 = 2^9 on 2^8 .. 2^13: (9 - 8) / 5 = 0.2.
        let size = params.window_size.string_to_normalized_value("512");
        assert_eq!(size, Some(0.2));
        assert_eq!(
            params.window_size.normalized_value_to_string(0.2, true),
            "512"
        );
        assert_eq!(params.window_size.string_to_normalized_value("500"), None);
        // Choices read and show the command line's variant names.
        // soft_inverted is variant 3 of 0 ..= 5.
        let soft_inverted = params.mode.string_to_normalized_value("soft_inverted");
        assert_eq!(soft_inverted, Some(0.6));
        let padding_4 = params
            .padding_ratio
            .string_to_normalized_value("4")
            .unwrap();
        assert_eq!(
            params
                .padding_ratio
                .normalized_value_to_string(padding_4, true),
            "4"
        );
    }

    #[test]
    fn padding_saved_by_name_loads_as_its_exponent() {
        use nice_plug::plugin::ParamValue;
        let mut values = std::collections::BTreeMap::new();
        values.insert("padding".to_string(), ParamValue::String("4".to_string()));
        values.insert("mode".to_string(), ParamValue::String("soft".to_string()));
        migrate_state(&mut values);
        assert!(matches!(values["padding"], ParamValue::I32(2)));
        assert!(matches!(&values["mode"], ParamValue::String(name) if name == "soft"));
    }

    #[test]
    fn every_unit_of_the_table_reaches_the_host() {
        for spec in settings::PARAMS {
            if let ParamKind::Float { unit, .. } = spec.kind {
                assert_eq!(spaced_unit(unit).trim(), unit, "{}", spec.id);
            }
        }
    }

    #[test]
    fn times_are_skewed_as_the_editor_skews_them() {
        let params = SpectralMaskParams::default();
        // 60 ms of 0 .. 2000 ms: 0.03^0.25, the editor slider's position too.
        let position = params.release_ms.preview_normalized(60.0);
        assert!((position - 0.4162).abs() < 1e-3, "{position}");
        assert_eq!(params.threshold_db.preview_normalized(-60.0), 0.5);
    }

    #[test]
    fn settings_follow_the_parameters() {
        let params = SpectralMaskParams::default();
        // SAFETY: nothing else reads these parameters meanwhile; the wrappers set them the
        // same way.
        unsafe {
            use nice_plug::params::InternalParamMut;
            params.window_size._internal_set_plain_value(9);
            params.padding_ratio._internal_set_plain_value(3);
            params
                .floor_db
                ._internal_set_plain_value(settings::FLOOR_MIN_DB);
            params
                .mode
                ._internal_set_plain_value(Variant(settings::Mode::BinaryInverted));
            params.stereo_link._internal_set_plain_value(false);
        }
        let settings = params.settings();
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

    #[test]
    fn the_threshold_curve_round_trips_through_the_saved_state() {
        use crate::mask::curve::Curve;
        let params = SpectralMaskParams::default();
        let curve = Curve::from_pairs(&[(3500.0, 0.0), (4000.0, 20.0)]);
        params.threshold_curve.replace(curve);
        let fields = params.serialize_fields();
        assert_eq!(
            fields.get("threshold-curve").map(String::as_str),
            Some(r#"[{"hz":3500.0,"db":0.0},{"hz":4000.0,"db":20.0}]"#)
        );
        let restored = SpectralMaskParams::default();
        restored.deserialize_fields(&fields);
        assert_eq!(restored.threshold_curve.get(), curve);
        // The audio thread takes the loaded curve.
        let mut installed = None;
        restored
            .threshold_curve
            .try_install_changed(|loaded| installed = Some(loaded));
        assert_eq!(installed, Some(curve));
    }
}
