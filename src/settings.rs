//! Every user-facing setting with its stable id, range and default: the one table that the
//! plugin's parameters, the command line (`--set ID=VALUE`, `params`) and the tests share.
//!
//! Values are kept in the units a person types (dB, ms, %), not normalised, so a setting
//! means the same thing from every door.

use std::fmt;

use crate::stft::WindowKind;

/// How a bin's level is turned into a gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pass bins at or above the threshold, reduce the others to the floor.
    Binary,
    /// A smooth gain around the threshold over `knee_db`.
    Soft,
    /// Keep what is below the threshold (the noise), reduce the rest.
    BinaryInverted,
    /// The soft gain, inverted.
    SoftInverted,
    /// The Wiener gain from a decision-directed a priori SNR; the threshold is an SNR offset.
    Wiener,
    /// The MMSE log-spectral amplitude gain (Ephraim & Malah), weighted by the speech
    /// presence probability; the threshold is an SNR offset.
    Lsa,
}

/// Frequency-domain smoothing of the mask; see `mask::kernel` for why each exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelKind {
    None,
    Hamming3,
    Blackman5,
    Brickwall5,
    Brickwall7,
    Exact,
}

impl KernelKind {
    /// Every kernel, in the order of `KERNEL_NAMES`.
    pub const ALL: [KernelKind; 6] = [
        KernelKind::None,
        KernelKind::Hamming3,
        KernelKind::Blackman5,
        KernelKind::Brickwall5,
        KernelKind::Brickwall7,
        KernelKind::Exact,
    ];
}

/// What the threshold is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// dBFS: a full-scale sine on a bin reads 0 dB.
    Absolute,
    /// dB above a per-bin noise floor tracked causally from the signal.
    Adaptive,
    /// dB above a learned noise print (the adaptive floor until one is learned).
    Print,
}

/// The complete set of values the processor works from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub threshold_db: f32,
    pub mode: Mode,
    pub kernel: KernelKind,
    pub padding_ratio: usize,
    pub window_size: usize,
    pub window: WindowKind,
    /// Gain of reduced bins; `f32::NEG_INFINITY` means silence.
    pub floor_db: f32,
    pub knee_db: f32,
    pub reference: Reference,
    pub attack_ms: f32,
    pub release_ms: f32,
    /// One mask for all channels, from the loudest, so the stereo image does not wander.
    pub stereo_link: bool,
    pub mix_percent: f32,
    pub output_gain_db: f32,
    /// Output what the mask removes instead of what it keeps.
    pub delta: bool,
    /// While on, the noise print is learned from the input.
    pub learn: bool,
    /// The host bypass: the input, delayed by the latency, crossfaded in.
    pub bypass: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let mut settings = Settings {
            threshold_db: 0.0,
            mode: Mode::Soft,
            kernel: KernelKind::None,
            padding_ratio: 1,
            window_size: 1024,
            window: WindowKind::Hann,
            floor_db: 0.0,
            knee_db: 0.0,
            reference: Reference::Absolute,
            attack_ms: 0.0,
            release_ms: 0.0,
            stereo_link: true,
            mix_percent: 100.0,
            output_gain_db: 0.0,
            delta: false,
            learn: false,
            bypass: false,
        };
        for spec in PARAMS {
            settings
                .set_value(spec.id, spec.default)
                .expect("every default is in range");
        }
        settings
    }
}

/// The shape of a parameter's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// A number in `unit` between `min` and `max`. `neg_inf_at_min` means the minimum
    /// reads and behaves as -inf (a floor of silence).
    Float {
        min: f32,
        max: f32,
        unit: &'static str,
        neg_inf_at_min: bool,
    },
    /// One of the named variants; the value is the variant's index.
    Choice { variants: &'static [&'static str] },
    /// A power of two between `min` and `max`.
    PowerOfTwo { min: usize, max: usize },
    /// Off (0) or on (1).
    Toggle,
}

/// One parameter: stable id, display name, shape and default (in `ParamKind`'s units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: f32,
    pub help: &'static str,
}

pub const MODE_NAMES: &[&str] = &[
    "binary",
    "soft",
    "binary_inverted",
    "soft_inverted",
    "wiener",
    "lsa",
];
pub const KERNEL_NAMES: &[&str] = &[
    "none",
    "hamming3",
    "blackman5",
    "brickwall5",
    "brickwall7",
    "exact",
];
pub const WINDOW_NAMES: &[&str] = &["hann", "hamming", "blackman"];
pub const REFERENCE_NAMES: &[&str] = &["absolute", "adaptive", "print"];
pub const PADDING_NAMES: &[&str] = &["1", "2", "4", "8"];

/// The lowest floor setting; it reads and acts as -inf.
pub const FLOOR_MIN_DB: f32 = -120.0;

const fn float(min: f32, max: f32, unit: &'static str) -> ParamKind {
    ParamKind::Float {
        min,
        max,
        unit,
        neg_inf_at_min: false,
    }
}

/// Ids never change once released; a renamed display name keeps its id.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        id: "threshold",
        name: "Threshold",
        kind: float(-140.0, 20.0, "dB"),
        default: 0.0,
        help: "gates: bins below it are reduced; wiener/lsa: an SNR offset; dBFS, or dB above the noise floor / print",
    },
    ParamSpec {
        id: "mode",
        name: "Mode",
        kind: ParamKind::Choice {
            variants: MODE_NAMES,
        },
        default: 5.0,
        help: "binary gate, soft gate with a knee, either inverted (keep what is below), or a statistical estimator (wiener, lsa: the threshold is an SNR offset)",
    },
    ParamSpec {
        id: "kernel",
        name: "Kernel",
        kind: ParamKind::Choice {
            variants: KERNEL_NAMES,
        },
        default: 4.0,
        help: "frequency smoothing of the mask that bounds its impulse response (time aliasing)",
    },
    ParamSpec {
        id: "padding",
        name: "Padding",
        kind: ParamKind::Choice {
            variants: PADDING_NAMES,
        },
        default: 1.0,
        help: "transform size over window size (M / N)",
    },
    ParamSpec {
        id: "window_size",
        name: "Window Size",
        kind: ParamKind::PowerOfTwo {
            min: 256,
            max: 8192,
        },
        default: 2048.0,
        help: "samples per frame (N)",
    },
    ParamSpec {
        id: "window",
        name: "Window",
        kind: ParamKind::Choice {
            variants: WINDOW_NAMES,
        },
        default: 0.0,
        help: "analysis window; the hop is N/4 for all three",
    },
    ParamSpec {
        id: "floor",
        name: "Floor",
        kind: ParamKind::Float {
            min: FLOOR_MIN_DB,
            max: 0.0,
            unit: "dB",
            neg_inf_at_min: true,
        },
        default: -30.0,
        help: "gain of reduced bins: the level left in noise-only parts (-inf: silence)",
    },
    ParamSpec {
        id: "knee",
        name: "Knee",
        kind: float(0.0, 24.0, "dB"),
        default: 6.0,
        help: "width of the soft modes' transition",
    },
    ParamSpec {
        id: "reference",
        name: "Reference",
        kind: ParamKind::Choice {
            variants: REFERENCE_NAMES,
        },
        default: 1.0,
        help: "threshold in dBFS, above the tracked noise floor, or above the learned print",
    },
    ParamSpec {
        id: "attack",
        name: "Attack",
        kind: float(0.0, 500.0, "ms"),
        default: 0.0,
        help: "time for a bin's gain to open",
    },
    ParamSpec {
        id: "release",
        name: "Release",
        kind: float(0.0, 2000.0, "ms"),
        default: 10.0,
        help: "time for a bin's gain to close",
    },
    ParamSpec {
        id: "stereo_link",
        name: "Stereo Link",
        kind: ParamKind::Toggle,
        default: 1.0,
        help: "one mask for all channels, from the loudest",
    },
    ParamSpec {
        id: "mix",
        name: "Mix",
        kind: float(0.0, 100.0, "%"),
        default: 100.0,
        help: "dry/wet, in the spectrum so it stays aligned",
    },
    ParamSpec {
        id: "output_gain",
        name: "Output Gain",
        kind: float(-24.0, 24.0, "dB"),
        default: 0.0,
        help: "gain after the mask",
    },
    ParamSpec {
        id: "delta",
        name: "Listen Removed",
        kind: ParamKind::Toggle,
        default: 0.0,
        help: "output what the mask removes",
    },
    ParamSpec {
        id: "learn",
        name: "Learn Print",
        kind: ParamKind::Toggle,
        default: 0.0,
        help: "while on, learn the noise print from the input",
    },
    ParamSpec {
        id: "bypass",
        name: "Bypass",
        kind: ParamKind::Toggle,
        default: 0.0,
        help: "pass the input, delayed by the latency so the host's compensation holds",
    },
];

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
            ParamKind::Float {
                min,
                max,
                unit,
                neg_inf_at_min,
            } => {
                let low = if neg_inf_at_min {
                    "-inf".to_string()
                } else {
                    format_number(min)
                };
                format!("{low} .. {} {unit}", format_number(max))
            }
            ParamKind::Choice { variants } => variants.join(" | "),
            ParamKind::PowerOfTwo { min, max } => format!("{min} .. {max}, powers of two"),
            ParamKind::Toggle => "off | on".to_string(),
        }
    }

    /// A value in this parameter's units as a person reads it (`-42.0 dB`, `-inf dB`,
    /// `soft`, `2048`): the one formatting the editor, the host and `params` share.
    pub fn value_text(&self, value: f32) -> String {
        match self.kind {
            ParamKind::Float { unit, .. } => format!("{} {unit}", self.number_text(value)),
            ParamKind::Choice { variants } => variants
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
            "dB" => 1,
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
            ParamKind::Choice { variants } => variants
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

    /// Sets a parameter from a value in its spec's units (variant index for choices).
    pub fn set_value(&mut self, id: &str, value: f32) -> Result<(), SettingError> {
        let index = value.round().max(0.0) as usize;
        let on = value >= 0.5;
        match id {
            "threshold" => self.threshold_db = value,
            "mode" => {
                self.mode = [
                    Mode::Binary,
                    Mode::Soft,
                    Mode::BinaryInverted,
                    Mode::SoftInverted,
                    Mode::Wiener,
                    Mode::Lsa,
                ][index.min(5)]
            }
            "kernel" => self.kernel = KernelKind::ALL[index.min(KernelKind::ALL.len() - 1)],
            "padding" => self.padding_ratio = 1 << index.min(3),
            "window_size" => self.window_size = (index.max(1)).next_power_of_two(),
            "window" => {
                self.window =
                    [WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman][index.min(2)]
            }
            "floor" => {
                self.floor_db = if value <= FLOOR_MIN_DB {
                    f32::NEG_INFINITY
                } else {
                    value
                }
            }
            "knee" => self.knee_db = value,
            "reference" => {
                self.reference =
                    [Reference::Absolute, Reference::Adaptive, Reference::Print][index.min(2)]
            }
            "attack" => self.attack_ms = value,
            "release" => self.release_ms = value,
            "stereo_link" => self.stereo_link = on,
            "mix" => self.mix_percent = value,
            "output_gain" => self.output_gain_db = value,
            "delta" => self.delta = on,
            "learn" => self.learn = on,
            "bypass" => self.bypass = on,
            _ => return Err(SettingError::UnknownId(id.to_string())),
        }
        Ok(())
    }

    /// The value of a parameter in its spec's units (variant index for choices).
    pub fn value(&self, id: &str) -> Option<f32> {
        let toggle = |on: bool| if on { 1.0 } else { 0.0 };
        Some(match id {
            "threshold" => self.threshold_db,
            "mode" => self.mode as usize as f32,
            "kernel" => self.kernel as usize as f32,
            "padding" => self.padding_ratio.trailing_zeros() as f32,
            "window_size" => self.window_size as f32,
            "window" => self.window as usize as f32,
            "floor" => self.floor_db.max(FLOOR_MIN_DB),
            "knee" => self.knee_db,
            "reference" => self.reference as usize as f32,
            "attack" => self.attack_ms,
            "release" => self.release_ms,
            "stereo_link" => toggle(self.stereo_link),
            "mix" => self.mix_percent,
            "output_gain" => self.output_gain_db,
            "delta" => toggle(self.delta),
            "learn" => toggle(self.learn),
            "bypass" => toggle(self.bypass),
            _ => return None,
        })
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
