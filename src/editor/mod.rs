//! The egui editor: a scrolling spectrogram with the mask drawn over it, the current
//! spectrum with the threshold and noise floor (drag the threshold), every parameter, the
//! latency and an alias meter.
//!
//! The drawing knows nothing of nice-plug: [`view::draw`] reads parameters and sets them
//! through the small [`ParamAccess`] trait and reads analysis from a [`Model`] fed by an
//! [`crate::analysis::AnalysisReader`], so tests drive it with [`SettingsAccess`] and
//! recorded columns. [`plugin_editor`] binds it to a nice-plug `Params` object and host
//! gestures.

mod controls;
mod model;
pub mod plugin_editor;
pub mod presets;
mod spectrogram;
mod spectrum;
mod theme;
pub mod view;

pub use model::{Model, HISTORY_COLUMNS, PIXEL_SECONDS};
pub use plugin_editor::{create, EditorApp};
pub use view::{draw, SpectrogramMode, ViewState};

use crate::mask::curve::Curve;
use crate::settings::{self, Settings};

/// Smallest size at which every control still fits.
pub const MIN_SIZE: (u32, u32) = (860, 580);

/// How the editor reads and sets parameters, by the stable ids of [`settings::PARAMS`].
///
/// Values are in each spec's units (see [`settings::ParamKind`]): dB, ms or % for numbers,
/// the variant index for choices, the size for powers of two, 0 or 1 for toggles. A change
/// by the user is one gesture: `begin_gesture`, one or more `set`, `end_gesture`, so the
/// host records it as one automation move.
pub trait ParamAccess {
    /// The current value of `id` (its spec's default if the id is unknown).
    fn get(&self, id: &str) -> f32;
    fn begin_gesture(&mut self, id: &str);
    fn set(&mut self, id: &str, value: f32);
    fn end_gesture(&mut self, id: &str);

    /// Sets `id` as one gesture of its own: a click, a reset, a preset's value.
    fn set_in_one_gesture(&mut self, id: &str, value: f32) {
        self.begin_gesture(id);
        self.set(id, value);
        self.end_gesture(id);
    }

    /// The threshold curve (not a host parameter: it is saved with the plugin's state).
    fn curve(&self) -> Curve;
    fn set_curve(&mut self, curve: Curve);
}

/// One recorded call of a [`ParamAccess`], for tests.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamEvent {
    Begin(String),
    Set(String, f32),
    End(String),
}

/// A [`ParamAccess`] over a plain [`Settings`] value that records every call: what tests and
/// offline previews use instead of a host.
#[derive(Debug, Clone, Default)]
pub struct SettingsAccess {
    pub settings: Settings,
    pub curve: Curve,
    pub events: Vec<ParamEvent>,
}

impl SettingsAccess {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            curve: Curve::default(),
            events: Vec::new(),
        }
    }
}

impl ParamAccess for SettingsAccess {
    fn get(&self, id: &str) -> f32 {
        self.settings
            .value(id)
            .or_else(|| settings::spec(id).map(|spec| spec.default))
            .unwrap_or(0.0)
    }

    fn begin_gesture(&mut self, id: &str) {
        self.events.push(ParamEvent::Begin(id.to_string()));
    }

    fn set(&mut self, id: &str, value: f32) {
        self.events.push(ParamEvent::Set(id.to_string(), value));
        // Unknown ids cannot come from the editor, which only shows specs.
        let _ = self.settings.set_value(id, value);
    }

    fn end_gesture(&mut self, id: &str) {
        self.events.push(ParamEvent::End(id.to_string()));
    }

    fn curve(&self) -> Curve {
        self.curve
    }

    fn set_curve(&mut self, curve: Curve) {
        self.curve = curve;
    }
}

/// The settings the parameters describe.
pub fn settings_of(params: &impl ParamAccess) -> Settings {
    let mut settings = Settings::default();
    for spec in settings::PARAMS {
        let _ = settings.set_value(spec.id, params.get(spec.id));
    }
    settings
}

/// A value as the editor shows it: the settings table's formatting.
pub fn format_value(id: &str, value: f32) -> String {
    match settings::spec(id) {
        Some(spec) => spec.value_text(value),
        None => format!("{value}"),
    }
}

/// Latency of a geometry in milliseconds at `sample_rate`.
pub fn latency_ms(latency_samples: usize, sample_rate: f32) -> f32 {
    latency_samples as f32 * 1000.0 / sample_rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_with_their_units() {
        assert_eq!(format_value("threshold", -42.04), "-42.0 dB");
        assert_eq!(format_value("floor", -120.0), "-inf dB");
        assert_eq!(format_value("attack", 5.0), "5.0 ms");
        assert_eq!(format_value("release", 60.0), "60 ms");
        assert_eq!(format_value("mix", 99.6), "100 %");
        assert_eq!(format_value("output_gain", -0.01), "0.0 dB");
        assert_eq!(format_value("mode", 1.0), "soft");
        assert_eq!(format_value("window_size", 2048.0), "2048");
    }

    #[test]
    fn settings_access_records_gestures() {
        let mut access = SettingsAccess::default();
        access.begin_gesture("threshold");
        access.set("threshold", -30.0);
        access.end_gesture("threshold");
        assert_eq!(access.get("threshold"), -30.0);
        assert_eq!(access.events.len(), 3);
    }

    #[test]
    fn latency_of_the_default_geometry() {
        // N = 2048, P = 4: N - 1 + (M - N) / 2 = 2047 + 3072 = 5119 samples = 106.65 ms.
        let config = crate::processor::stft_config(&Settings::default());
        assert_eq!(config.latency_samples(), 5119);
        assert!((latency_ms(5119, 48_000.0) - 106.646).abs() < 1e-3);
    }
}
