//! Every user-facing setting with its stable id, range and default: the one table that the
//! plugin's parameters, the command line (`--set ID=VALUE`, `params`) and the tests share.
//!
//! Values are kept in the units a person types (dB, ms, %), not normalised, so a setting
//! means the same thing from every door.

use std::fmt;

use crate::choice::{choice_enum, Choice};
use crate::config::{MAX_WINDOW_SIZE, MIN_WINDOW_SIZE};
use crate::stft::WindowKind;

choice_enum! {
    /// How a bin's level is turned into a gain.
    pub enum Mode {
        Binary = "binary" / "Binary gate" / "pass bins at or above the threshold, reduce the rest",
        Soft = "soft" / "Soft gate" / "a smooth gain around the threshold, over the knee",
        BinaryInverted = "binary_inverted" / "Binary, inverted" / "keep what is below the threshold",
        SoftInverted = "soft_inverted" / "Soft, inverted" / "the soft gate, inverted",
        Wiener = "wiener" / "Wiener" / "Wiener gain from the a priori SNR; the threshold offsets the SNR",
        Lsa = "lsa" / "MMSE-LSA" / "log-spectral amplitude estimate weighted by speech presence",
    }

    /// Frequency-domain smoothing of the mask; see `mask::kernel` for why each exists.
    pub enum KernelKind {
        None = "none" / "None",
        Hamming3 = "hamming3" / "Hamming 3-point",
        Blackman5 = "blackman5" / "Blackman 5-point",
        Brickwall5 = "brickwall5" / "Brick-wall 5-point",
        Brickwall7 = "brickwall7" / "Brick-wall 7-point",
        Exact = "exact" / "Exact brick-wall",
    }

    /// What the threshold is measured against.
    pub enum Reference {
        Absolute = "absolute" / "dBFS" / "dBFS: a full-scale sine on a bin reads 0 dB",
        Adaptive = "adaptive" / "Floor" / "dB above a noise floor tracked from the signal",
        Print = "print" / "Print" / "dB above the learned noise print (the floor until learned)",
    }

    /// What the key (sidechain) input does; attack is how fast a duck reduces, release how
    /// fast it comes back.
    pub enum Key {
        Off = "off" / "Off" / "the key is ignored: the signal masks itself",
        Gate = "gate" / "Gate" / "a bin passes where the key's bin is above the threshold",
        Duck = "duck" / "Duck" / "a bin is reduced to the floor where the key's is above the threshold",
        Reference = "reference" / "Noise" / "the key is the noise: the threshold is measured above it",
    }
}

/// The value types the table below names, for the code its macro generates elsewhere (the
/// plugin's parameters glob-import them): a new choice goes here, next to its declaration.
pub mod table_types {
    pub use super::{KernelKind, Key, Mode, Reference};
    pub use crate::stft::WindowKind;
}

/// Every parameter, declared once: the `Settings` field and its type, then the stable id,
/// the display name, where and how the editor shows it, the shape, the default (in the
/// shape's units; a choice names its default variant in its shape, `choice!(Mode::Lsa)`) and
/// the help line. The order is the order hosts list them in and the editor draws each
/// section's rows in. Ids never change once released; a renamed display name keeps its id.
///
/// The list is handed to `$emit`, a macro that generates code from it: [`settings_table`]
/// here (the `Settings` struct, its default, [`PARAMS`] and the read and write by id) and
/// the plugin's parameters in `params` (their fields, builders and the typed read that the
/// audio thread uses). Adding a parameter is one entry here plus its use in the DSP.
macro_rules! declare_params {
    ($emit:ident) => {
        $emit! {
            threshold_db: f32 {
                id: "threshold",
                name: "Threshold",
                editor: row(Section::Mask, "Threshold"),
                kind: float(-140.0, 20.0, "dB"),
                default: 0.0,
                help: "gates: bins below it are reduced; wiener/lsa: an SNR offset; dBFS, or dB above the noise floor / print",
            }
            /// The threshold's slope in dB per octave about 1 kHz (`mask::tilt`).
            tilt_db: f32 {
                id: "tilt",
                name: "Tilt",
                editor: row(Section::Mask, "Tilt"),
                kind: float(-12.0, 12.0, "dB/oct"),
                default: 0.0,
                help: "threshold slope across frequency about 1 kHz: positive cuts harder above it (hiss), negative below (rumble)",
            }
            reference: Reference {
                id: "reference",
                name: "Reference",
                editor: row(Section::Mask, "Relative to"),
                kind: choice!(Reference::Adaptive),
                help: "threshold in dBFS, above the tracked noise floor, or above the learned print",
            }
            /// The sidechain's role; off, hosts without sidechain see nothing new.
            key: Key {
                id: "key",
                name: "Key",
                editor: row(Section::Mask, "Key"),
                kind: choice!(Key::Off),
                help: "sidechain key: off, gate (pass where the key is above the threshold), duck (reduce there), or reference (the key is the noise)",
            }
            mode: Mode {
                id: "mode",
                name: "Mode",
                editor: row(Section::Mask, "Mode"),
                kind: choice!(Mode::Lsa),
                help: "binary gate, soft gate with a knee, either inverted (keep what is below), or a statistical estimator (wiener, lsa: the threshold is an SNR offset)",
            }
            knee_db: f32 {
                id: "knee",
                name: "Knee",
                editor: row(Section::Mask, "Knee"),
                kind: float(0.0, 24.0, "dB"),
                default: 6.0,
                help: "width of the soft modes' transition",
            }
            /// Gain of reduced bins; `f32::NEG_INFINITY` means silence.
            floor_db: f32 {
                id: "floor",
                name: "Floor",
                editor: row(Section::Mask, "Floor"),
                kind: ParamKind::Float {
                    min: FLOOR_MIN_DB,
                    max: 0.0,
                    unit: "dB",
                    skew: 1.0,
                    neg_inf_at_min: true,
                },
                default: -30.0,
                help: "gain of reduced bins: the level left in noise-only parts (-inf: silence)",
            }
            attack_ms: f32 {
                id: "attack",
                name: "Attack",
                editor: row(Section::Time, "Attack"),
                kind: time(500.0),
                default: 0.0,
                help: "time for a bin's gain to open",
            }
            release_ms: f32 {
                id: "release",
                name: "Release",
                editor: row(Section::Time, "Release"),
                kind: time(2000.0),
                default: 10.0,
                help: "time for a bin's gain to close",
            }
            window_size: usize {
                id: "window_size",
                name: "Window Size",
                editor: row(Section::Transform, "Window"),
                kind: ParamKind::PowerOfTwo { min: MIN_WINDOW_SIZE, max: MAX_WINDOW_SIZE },
                default: 2048.0,
                help: "samples per frame (N)",
            }
            window: WindowKind {
                id: "window",
                name: "Window",
                editor: row(Section::Transform, "Shape"),
                kind: choice!(WindowKind::Hann),
                help: "analysis window; the hop is N/4 for all three",
            }
            /// The transform size over the window size, P = M / N. 4 by default: the kernel's
            /// smoothing then spans half as many Hz as at 2 and leaves the gaps between a low
            /// voice's harmonics shut (docs/denoise-eval.md: +0.3 dB dSI-SDR and +0.02 dPESQ at
            /// 0 dB SNR on the tuning voices), for 43 ms more latency and twice the transforms.
            padding_ratio: usize {
                id: "padding",
                name: "Padding",
                editor: row(Section::Transform, "Padding"),
                kind: ParamKind::Ratio { variants: &["1", "2", "4", "8"] },
                default: 2.0,
                help: "transform size over window size (M / N)",
            }
            kernel: KernelKind {
                id: "kernel",
                name: "Kernel",
                editor: row(Section::Transform, "Kernel"),
                kind: choice!(KernelKind::Brickwall7),
                help: "frequency smoothing of the mask that bounds its impulse response (time aliasing)",
            }
            mix_percent: f32 {
                id: "mix",
                name: "Mix",
                editor: row(Section::Output, "Mix"),
                kind: float(0.0, 100.0, "%"),
                default: 100.0,
                help: "dry/wet, in the spectrum so it stays aligned",
            }
            output_gain_db: f32 {
                id: "output_gain",
                name: "Output Gain",
                editor: row(Section::Output, "Gain"),
                kind: float(-24.0, 24.0, "dB"),
                default: 0.0,
                help: "gain after the mask",
            }
            /// One mask for all channels, from the loudest, so the stereo image does not
            /// wander.
            stereo_link: bool {
                id: "stereo_link",
                name: "Stereo Link",
                editor: row(Section::Output, "Link stereo"),
                kind: ParamKind::Toggle,
                default: 1.0,
                help: "one mask for all channels, from the loudest",
            }
            /// Output what the mask removes instead of what it keeps.
            delta: bool {
                id: "delta",
                name: "Listen Removed",
                editor: EditorRow { caution: true, ..row(Section::Output, "Listen removed") },
                kind: ParamKind::Toggle,
                default: 0.0,
                help: "output what the mask removes",
            }
            /// While on, the noise print is learned from the input.
            learn: bool {
                id: "learn",
                name: "Learn Print",
                editor: row(Section::TopBar, "Learn print"),
                kind: ParamKind::Toggle,
                default: 0.0,
                help: "while on, learn the noise print from the input",
            }
            /// The host bypass: the input, delayed by the latency, crossfaded in.
            bypass: bool {
                id: "bypass",
                name: "Bypass",
                editor: row(Section::Host, "Bypass"),
                kind: ParamKind::Toggle,
                default: 0.0,
                help: "pass the input, delayed by the latency so the host's compensation holds",
            }
        }
    };
}
pub(crate) use declare_params;

/// Generates, from [`declare_params`]: `Settings`, its `Default`, one const spec per field in
/// [`specs`], [`PARAMS`] in declaration order, and `Settings::set_value` / `value`.
macro_rules! settings_table {
    ($(
        $(#[$doc:meta])*
        $field:ident: $ty:ty {
            id: $id:tt,
            name: $name:expr,
            editor: $editor:expr,
            kind: $kind:expr,
            $(default: $default:expr,)?
            help: $help:expr,
        }
    )*) => {
        /// The complete set of values the processor works from.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Settings {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        /// Each parameter's spec, named by its `Settings` field.
        #[allow(non_upper_case_globals)]
        pub mod specs {
            use super::*;
            $(
                pub const $field: ParamSpec = ParamSpec {
                    id: $id,
                    name: $name,
                    editor: $editor,
                    kind: $kind,
                    default: spec_default!($kind $(, $default)?),
                    help: $help,
                };
            )*
        }

        /// Every parameter, in declaration order (the order hosts list them in).
        pub const PARAMS: &[ParamSpec] = &[$(specs::$field),*];

        impl Default for Settings {
            fn default() -> Self {
                Self {
                    $( $field: SettingValue::from_spec_value(&specs::$field, specs::$field.default), )*
                }
            }
        }

        impl Settings {
            /// Sets a parameter from a value in its spec's units (variant index for choices).
            pub fn set_value(&mut self, id: &str, value: f32) -> Result<(), SettingError> {
                match id {
                    $( $id => self.$field = SettingValue::from_spec_value(&specs::$field, value), )*
                    _ => return Err(SettingError::UnknownId(id.to_string())),
                }
                Ok(())
            }

            /// The value of a parameter in its spec's units (variant index for choices).
            pub fn value(&self, id: &str) -> Option<f32> {
                Some(match id {
                    $( $id => self.$field.spec_value(&specs::$field), )*
                    _ => return None,
                })
            }
        }
    };
}

declare_params!(settings_table);

/// The shape of a parameter's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// A number in `unit` between `min` and `max`. `neg_inf_at_min` means the minimum
    /// reads and behaves as -inf (a floor of silence). `skew` spreads the range on a
    /// control: the position of a value is `((value - min) / (max - min))^skew`, for the
    /// host's parameter and the editor's slider alike.
    Float {
        min: f32,
        max: f32,
        unit: &'static str,
        skew: f32,
        neg_inf_at_min: bool,
    },
    /// One of the named variants; the value is the variant's index. `labels` are what the
    /// editor shows for them, `help` its hover text for each, `default` the index of the
    /// variant the table names as the default.
    Choice {
        variants: &'static [&'static str],
        labels: &'static [&'static str],
        help: &'static [&'static str],
        default: usize,
    },
    /// One of the named powers of two `1, 2, 4, ...`; the value is the variant's index, the
    /// setting the power (`1 << index`).
    Ratio { variants: &'static [&'static str] },
    /// A power of two between `min` and `max`.
    PowerOfTwo { min: usize, max: usize },
    /// Off (0) or on (1).
    Toggle,
}

impl ParamKind {
    /// A choice's default variant index, as a value.
    ///
    /// # Panics
    /// For any other kind: a table entry that is not a choice names its default (a compile
    /// error, as the table is evaluated in constants).
    const fn choice_default(self) -> f32 {
        match self {
            ParamKind::Choice { default, .. } => default as f32,
            _ => panic!("a parameter that is not a choice needs a default"),
        }
    }

    /// The variant names of a choice or a ratio.
    pub fn variants(&self) -> Option<&'static [&'static str]> {
        match *self {
            ParamKind::Choice { variants, .. } | ParamKind::Ratio { variants } => Some(variants),
            _ => None,
        }
    }
}

/// The part of the editor's panel a parameter is drawn in, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Mask,
    Time,
    Transform,
    Output,
    /// A button in the editor's top bar, not a row.
    TopBar,
    /// Not drawn: the host shows it (bypass).
    Host,
}

impl Section {
    /// The sections that are rows of the panel, top to bottom, with their titles.
    pub const PANEL: [(Section, &'static str); 4] = [
        (Section::Mask, "MASK"),
        (Section::Time, "TIME"),
        (Section::Transform, "TRANSFORM"),
        (Section::Output, "OUTPUT"),
    ];
}

/// Where and how the editor shows a parameter: its section, the short label of its row, and
/// for a toggle whether it changes what is heard into something else than the result (drawn
/// in the warning colour).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EditorRow {
    pub section: Section,
    pub label: &'static str,
    pub caution: bool,
}

/// A row in `section` labelled `label`.
const fn row(section: Section, label: &'static str) -> EditorRow {
    EditorRow {
        section,
        label,
        caution: false,
    }
}

/// One parameter: stable id, display name, shape and default (in `ParamKind`'s units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub editor: EditorRow,
    pub kind: ParamKind,
    pub default: f32,
    pub help: &'static str,
}

/// A type of a `Settings` field: what a value in its spec's units stands for, and back.
pub trait SettingValue: Copy {
    fn from_spec_value(spec: &ParamSpec, value: f32) -> Self;
    fn spec_value(self, spec: &ParamSpec) -> f32;
}

impl SettingValue for f32 {
    fn from_spec_value(spec: &ParamSpec, value: f32) -> Self {
        match spec.kind {
            ParamKind::Float {
                min,
                neg_inf_at_min: true,
                ..
            } if value <= min => f32::NEG_INFINITY,
            _ => value,
        }
    }

    fn spec_value(self, spec: &ParamSpec) -> f32 {
        match spec.kind {
            ParamKind::Float { min, .. } => self.max(min),
            _ => self,
        }
    }
}

impl SettingValue for bool {
    fn from_spec_value(_: &ParamSpec, value: f32) -> Self {
        value >= 0.5
    }

    fn spec_value(self, _: &ParamSpec) -> f32 {
        if self {
            1.0
        } else {
            0.0
        }
    }
}

impl SettingValue for usize {
    fn from_spec_value(spec: &ParamSpec, value: f32) -> Self {
        let index = value.round().max(0.0) as usize;
        match spec.kind {
            ParamKind::Ratio { variants } => 1 << index.min(variants.len() - 1),
            ParamKind::PowerOfTwo { min, max } => index.clamp(min, max).next_power_of_two(),
            _ => index,
        }
    }

    fn spec_value(self, spec: &ParamSpec) -> f32 {
        match spec.kind {
            ParamKind::Ratio { .. } => self.trailing_zeros() as f32,
            _ => self as f32,
        }
    }
}

impl<T: Choice> SettingValue for T {
    fn from_spec_value(_: &ParamSpec, value: f32) -> Self {
        T::from_index(value.round().max(0.0) as usize)
    }

    fn spec_value(self, _: &ParamSpec) -> f32 {
        self.index() as f32
    }
}

/// The lowest floor setting; it reads and acts as -inf.
pub const FLOOR_MIN_DB: f32 = -120.0;

/// A linear number in `unit`.
const fn float(min: f32, max: f32, unit: &'static str) -> ParamKind {
    ParamKind::Float {
        min,
        max,
        unit,
        skew: 1.0,
        neg_inf_at_min: false,
    }
}

/// A time from 0 to `max` ms, skewed towards short times: most useful attack and release
/// times sit in the first tenth of the range.
const fn time(max: f32) -> ParamKind {
    ParamKind::Float {
        min: 0.0,
        max,
        unit: "ms",
        skew: 0.25,
        neg_inf_at_min: false,
    }
}

/// A [`Choice`] setting from its default variant: `choice!(Mode::Lsa)`.
macro_rules! choice {
    ($choice:ident :: $default:ident) => {
        ParamKind::Choice {
            variants: <$choice as Choice>::NAMES,
            labels: <$choice as Choice>::LABELS,
            help: <$choice as Choice>::HELP,
            default: $choice::$default as usize,
        }
    };
}
use choice;

/// A table entry's default in its spec's units: the one written, or a choice's variant.
macro_rules! spec_default {
    ($kind:expr, $default:expr) => {
        $default
    };
    ($kind:expr) => {
        $kind.choice_default()
    };
}
use spec_default;

/// The spec of `id`, if there is one.
pub fn spec(id: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|spec| spec.id == id)
}

/// Why a setting could not be applied; each reads as one line.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingError {
    UnknownId(String),
    Unparsable {
        id: String,
        value: String,
    },
    OutOfRange {
        id: String,
        value: String,
        range: String,
    },
    Syntax(String),
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingError::UnknownId(id) => write!(
                f,
                "unknown parameter id '{id}' (see `spectral-mask params`)"
            ),
            SettingError::Unparsable { id, value } => {
                write!(f, "cannot read '{value}' as a value of '{id}'")
            }
            SettingError::OutOfRange { id, value, range } => {
                write!(f, "'{value}' is out of range for '{id}' ({range})")
            }
            SettingError::Syntax(text) => {
                write!(f, "expected ID=VALUE, got '{text}'")
            }
        }
    }
}

impl std::error::Error for SettingError {}

impl ParamSpec {
    /// The range or variants as a person reads them, e.g. `-140 .. 20 dB`.
    pub fn range_text(&self) -> String {
        match self.kind {
            ParamKind::Float { min, max, unit, .. } => {
                // A floor of silence reads "-inf" at its minimum.
                let low = f32::from_spec_value(self, min);
                format!("{} .. {} {unit}", format_number(low), format_number(max))
            }
            ParamKind::Choice { variants, .. } | ParamKind::Ratio { variants } => {
                variants.join(" | ")
            }
            ParamKind::PowerOfTwo { min, max } => format!("{min} .. {max}, powers of two"),
            ParamKind::Toggle => "off | on".to_string(),
        }
    }

    /// A value in this parameter's units as a person reads it (`-42.0 dB`, `-inf dB`,
    /// `soft`, `2048`): the one formatting the editor, the host and `params` share.
    pub fn value_text(&self, value: f32) -> String {
        match self.kind {
            ParamKind::Float { unit, .. } => format!("{} {unit}", self.number_text(value)),
            ParamKind::Choice { variants, .. } | ParamKind::Ratio { variants } => variants
                .get(value.round().max(0.0) as usize)
                .copied()
                .unwrap_or("?")
                .to_string(),
            ParamKind::PowerOfTwo { .. } => format!("{}", value.round() as usize),
            ParamKind::Toggle => if value >= 0.5 { "on" } else { "off" }.to_string(),
        }
    }

    /// A float parameter's number without its unit, at a precision that suits the unit
    /// (0.1 dB, 0.1 ms below 10 ms, whole ms and % above), `-inf` at a floor of silence.
    pub fn number_text(&self, value: f32) -> String {
        let ParamKind::Float {
            min,
            unit,
            neg_inf_at_min,
            ..
        } = self.kind
        else {
            return format_number(value);
        };
        if neg_inf_at_min && value <= min {
            return "-inf".to_string();
        }
        let decimals = match unit {
            unit if unit.starts_with("dB") => 1,
            "ms" if value < 10.0 => 1,
            _ => 0,
        };
        // "-0.0" reads as a sign error.
        let value = if value.abs() < 0.05 { 0.0 } else { value };
        format!("{value:.decimals$}")
    }

    /// Reads a value as a person types it: a number (unit optional), `-inf`, a variant name
    /// or `on`/`off`; checks the range.
    pub fn parse(&self, text: &str) -> Result<f32, SettingError> {
        let trimmed = text.trim();
        let unparsable = || SettingError::Unparsable {
            id: self.id.to_string(),
            value: text.to_string(),
        };
        let out_of_range = || SettingError::OutOfRange {
            id: self.id.to_string(),
            value: text.to_string(),
            range: self.range_text(),
        };
        match self.kind {
            ParamKind::Float {
                min,
                max,
                unit,
                neg_inf_at_min,
                ..
            } => {
                let number = trimmed
                    .strip_suffix(unit)
                    .unwrap_or(trimmed)
                    .trim()
                    .to_ascii_lowercase();
                if neg_inf_at_min && (number == "-inf" || number == "-infinity") {
                    return Ok(min);
                }
                let value: f32 = number.parse().map_err(|_| unparsable())?;
                if !value.is_finite() {
                    return Err(out_of_range());
                }
                if value < min || value > max {
                    return Err(out_of_range());
                }
                Ok(value)
            }
            ParamKind::Choice { variants, .. } | ParamKind::Ratio { variants } => variants
                .iter()
                .position(|name| name.eq_ignore_ascii_case(trimmed))
                .map(|index| index as f32)
                .ok_or_else(unparsable),
            ParamKind::PowerOfTwo { min, max } => {
                let value: usize = trimmed.parse().map_err(|_| unparsable())?;
                if value < min || value > max || !value.is_power_of_two() {
                    return Err(out_of_range());
                }
                Ok(value as f32)
            }
            ParamKind::Toggle => match trimmed.to_ascii_lowercase().as_str() {
                "on" | "true" | "1" | "yes" => Ok(1.0),
                "off" | "false" | "0" | "no" => Ok(0.0),
                _ => Err(unparsable()),
            },
        }
    }
}

fn format_number(value: f32) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

impl Settings {
    /// Applies `ID=VALUE` as typed on the command line.
    pub fn apply_assignment(&mut self, assignment: &str) -> Result<(), SettingError> {
        let (id, value) = assignment
            .split_once('=')
            .ok_or_else(|| SettingError::Syntax(assignment.to_string()))?;
        let spec = spec(id.trim()).ok_or_else(|| SettingError::UnknownId(id.trim().to_string()))?;
        let value = spec.parse(value)?;
        self.set_value(spec.id, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_round_trips_through_settings() {
        let settings = Settings::default();
        for spec in PARAMS {
            assert_eq!(settings.value(spec.id), Some(spec.default), "{}", spec.id);
        }
    }

    #[test]
    fn ratios_read_as_powers_of_two() {
        let spec = &specs::padding_ratio;
        for (index, name) in spec.kind.variants().unwrap().iter().enumerate() {
            let value = spec.parse(name).unwrap();
            assert_eq!(value, index as f32);
            assert_eq!(usize::from_spec_value(spec, value), 1 << index);
            assert_eq!(name.parse::<usize>(), Ok(1 << index));
        }
    }

    #[test]
    fn assignments_parse_as_typed() {
        let mut settings = Settings::default();
        settings.apply_assignment("threshold=-42").unwrap();
        settings.apply_assignment("floor=-inf").unwrap();
        settings.apply_assignment("mode=binary").unwrap();
        settings.apply_assignment("kernel=hamming3").unwrap();
        settings.apply_assignment("padding=4").unwrap();
        settings.apply_assignment("window_size=512").unwrap();
        settings.apply_assignment("stereo_link=off").unwrap();
        settings.apply_assignment("attack=12ms").unwrap();
        assert_eq!(settings.threshold_db, -42.0);
        assert_eq!(settings.floor_db, f32::NEG_INFINITY);
        assert_eq!(settings.mode, Mode::Binary);
        assert_eq!(settings.kernel, KernelKind::Hamming3);
        assert_eq!(settings.padding_ratio, 4);
        assert_eq!(settings.window_size, 512);
        assert!(!settings.stereo_link);
        assert_eq!(settings.attack_ms, 12.0);
    }

    #[test]
    fn bad_assignments_are_typed_errors() {
        let mut settings = Settings::default();
        assert!(matches!(
            settings.apply_assignment("thresh=1"),
            Err(SettingError::UnknownId(_))
        ));
        assert!(matches!(
            settings.apply_assignment("threshold=loud"),
            Err(SettingError::Unparsable { .. })
        ));
        assert!(matches!(
            settings.apply_assignment("threshold=30"),
            Err(SettingError::OutOfRange { .. })
        ));
        assert!(matches!(
            settings.apply_assignment("window_size=1000"),
            Err(SettingError::OutOfRange { .. })
        ));
        assert!(matches!(
            settings.apply_assignment("threshold"),
            Err(SettingError::Syntax(_))
        ));
        assert_eq!(settings, Settings::default());
    }
}
