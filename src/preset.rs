//! Presets: every parameter's value, as a person reads it, in one JSON object that the
//! command line writes (`preset save`) and reads (`render --preset`):
//!
//! ```json
//! { "spectral_mask_preset": 1, "name": "dialogue", "params": { "threshold": "3.0 dB", ... },
//!   "curve": [ { "hz": 4000.0, "db": 20.0 } ] }
//! ```
//!
//! `curve`, the threshold curve's nodes, is left out when there are none.
//!
//! Values are the table's own text (`value_text`), so a preset reads like `spectral-mask
//! params` and survives a change of a parameter's range. Loading never fails half-way: what
//! cannot be used (an unknown id, a bad value, a missing parameter) is named in one line and
//! the rest keeps its defaults.

use std::fmt;

use serde_json::{Map, Value};

use crate::mask::curve::{Curve, Node, MAX_NODES};
use crate::settings::{spec, specs, ParamSpec, Settings, PARAMS};

/// What a preset holds: every parameter but the ones that are a moment's state, not a
/// sound (learning a print, the host's bypass).
pub fn in_presets(spec: &ParamSpec) -> bool {
    spec.id != specs::learn.id && spec.id != specs::bypass.id
}

/// The factory presets, by the name `--preset` also takes: each chosen by measurement on the
/// demo clip (`scripts/factory_presets.py`, figures in docs/presets.md).
pub const FACTORY: [(&str, &str); 6] = [
    (
        "dialogue-gentle",
        include_str!("../assets/presets/dialogue-gentle.json"),
    ),
    (
        "dialogue-strong",
        include_str!("../assets/presets/dialogue-strong.json"),
    ),
    (
        "hum-and-buzz",
        include_str!("../assets/presets/hum-and-buzz.json"),
    ),
    (
        "keep-only-the-noise",
        include_str!("../assets/presets/keep-only-the-noise.json"),
    ),
    (
        "binary-mask",
        include_str!("../assets/presets/binary-mask.json"),
    ),
    (
        "sidechain-ducker",
        include_str!("../assets/presets/sidechain-ducker.json"),
    ),
];

/// The factory preset called `name` (its file's stem), as JSON.
pub fn factory(name: &str) -> Option<&'static str> {
    FACTORY
        .iter()
        .find(|(id, _)| *id == name)
        .map(|(_, json)| *json)
}

/// The key that marks a preset file, and its format version.
pub const FORMAT_KEY: &str = "spectral_mask_preset";
pub const FORMAT_VERSION: u64 = 1;

/// A preset as JSON: `name`, every parameter of `settings` and the nodes of `curve`.
pub fn to_json(name: &str, settings: &Settings, curve: &Curve) -> String {
    let params: Map<String, Value> = PARAMS
        .iter()
        .filter(|spec| in_presets(spec))
        .filter_map(|spec| {
            let value = settings.value(spec.id)?;
            Some((spec.id.to_string(), Value::from(spec.value_text(value))))
        })
        .collect();
    let mut preset = Map::new();
    preset.insert(FORMAT_KEY.to_string(), Value::from(FORMAT_VERSION));
    preset.insert("name".to_string(), Value::from(name));
    preset.insert("params".to_string(), Value::Object(params));
    if !curve.is_empty() {
        let nodes = serde_json::to_value(curve.nodes()).expect("numbers serialise");
        preset.insert("curve".to_string(), nodes);
    }
    let mut text =
        serde_json::to_string_pretty(&Value::Object(preset)).expect("a map of strings serialises");
    text.push('\n');
    text
}

/// What a loaded preset holds, and what of it could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub name: Option<String>,
    pub settings: Settings,
    /// The threshold curve (empty if the preset has none).
    pub curve: Curve,
    /// Each thing not taken from the file, as one line; empty when all was read.
    pub issues: Vec<String>,
}

/// Why a file is not a preset at all (not JSON, or not a preset object); one line.
#[derive(Debug, Clone, PartialEq)]
pub struct NotAPreset(pub String);

impl fmt::Display for NotAPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotAPreset {}

/// Whether `text` is meant as a JSON preset (rather than the older `ID=VALUE` lines).
pub fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Reads a preset over `base`: every parameter it names with a readable value is set; an
/// unknown id, a bad value or a missing parameter keeps `base`'s value and is listed in
/// [`Loaded::issues`].
pub fn from_json(text: &str, base: Settings) -> Result<Loaded, NotAPreset> {
    let value: Value = serde_json::from_str(text)
        .map_err(|error| NotAPreset(format!("not a preset: damaged JSON ({error})")))?;
    let Value::Object(object) = value else {
        return Err(NotAPreset("not a preset: not a JSON object".to_string()));
    };
    if !object.contains_key(FORMAT_KEY) {
        return Err(NotAPreset(format!("not a preset: no \"{FORMAT_KEY}\" key")));
    }
    let mut issues = Vec::new();
    match object.get(FORMAT_KEY).and_then(Value::as_u64) {
        Some(version) if version <= FORMAT_VERSION => {}
        other => issues.push(format!(
            "format version {} is newer than this program's {FORMAT_VERSION}: read what it knows",
            other.map_or("?".to_string(), |v| v.to_string())
        )),
    }
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut settings = base;
    let empty = Map::new();
    let params = match object.get("params") {
        Some(Value::Object(params)) => params,
        _ => {
            issues.push("no \"params\" object: every parameter keeps its default".to_string());
            &empty
        }
    };
    let mut unknown = Vec::new();
    for (id, value) in params {
        let Some(spec) = spec(id) else {
            unknown.push(id.as_str());
            continue;
        };
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(on) => if *on { "on" } else { "off" }.to_string(),
            other => other.to_string(),
        };
        match spec.parse(&text) {
            Ok(parsed) => {
                let applied = settings.set_value(spec.id, parsed);
                debug_assert!(applied.is_ok(), "{} is in the table", spec.id);
            }
            Err(error) => issues.push(format!(
                "{error}: kept {}",
                spec.value_text(base.value(spec.id).unwrap_or(spec.default),)
            )),
        }
    }
    if !unknown.is_empty() {
        issues.push(format!(
            "unknown parameters ignored: {}",
            unknown.join(", ")
        ));
    }
    let missing: Vec<&str> = PARAMS
        .iter()
        .filter(|spec| in_presets(spec) && !params.contains_key(spec.id))
        .map(|spec| spec.id)
        .collect();
    if !missing.is_empty() && !params.is_empty() {
        issues.push(format!(
            "not in the preset, left as they were: {}",
            missing.join(", ")
        ));
    }
    let curve = match object.get("curve") {
        None => Curve::default(),
        Some(value) => match serde_json::from_value::<Vec<Node>>(value.clone()) {
            Ok(nodes) => {
                if nodes.len() > MAX_NODES {
                    issues.push(format!(
                        "curve: {} nodes, the first {MAX_NODES} kept",
                        nodes.len()
                    ));
                }
                Curve::new(&nodes)
            }
            Err(error) => {
                issues.push(format!("curve ignored: {error}"));
                Curve::default()
            }
        },
    };
    Ok(Loaded {
        name,
        settings,
        curve,
        issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Mode, Reference};

    #[test]
    fn every_factory_preset_loads_whole_and_differs_from_the_defaults() {
        let mut names = Vec::new();
        for (id, json) in FACTORY {
            let loaded = from_json(json, Settings::default()).unwrap();
            assert!(loaded.issues.is_empty(), "{id}: {:?}", loaded.issues);
            assert_ne!(loaded.settings, Settings::default(), "{id}");
            names.push(loaded.name.unwrap());
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FACTORY.len());
        assert!(factory("hum-and-buzz").is_some() && factory("hum").is_none());
    }

    #[test]
    fn a_preset_round_trips_every_parameter() {
        let mut settings = Settings::default();
        settings.apply_assignment("threshold=-42.5").unwrap();
        settings.apply_assignment("floor=-inf").unwrap();
        settings.apply_assignment("mode=binary").unwrap();
        settings.apply_assignment("padding=8").unwrap();
        settings.apply_assignment("window_size=512").unwrap();
        settings.apply_assignment("stereo_link=off").unwrap();
        settings.apply_assignment("tilt=-3").unwrap();
        let curve = Curve::new(&[
            Node {
                hz: 4000.0,
                db: 20.0,
            },
            Node {
                hz: 200.0,
                db: -6.0,
            },
        ]);
        let text = to_json("test", &settings, &curve);
        assert!(!text.contains("\"learn\"") && !text.contains("\"bypass\""));
        let loaded = from_json(&text, Settings::default()).unwrap();
        assert_eq!(loaded.settings, settings);
        assert_eq!(loaded.curve, curve);
        assert_eq!(loaded.name.as_deref(), Some("test"));
        assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
    }

    #[test]
    fn unknown_bad_and_missing_fields_are_named_and_the_rest_is_read() {
        let text = r#"{"spectral_mask_preset": 1, "params": {
            "threshold": "-20 dB", "mode": "loudest", "sparkle": "on", "reference": "absolute"}}"#;
        let loaded = from_json(text, Settings::default()).unwrap();
        assert_eq!(loaded.settings.threshold_db, -20.0);
        assert_eq!(loaded.settings.reference, Reference::Absolute);
        assert_eq!(
            loaded.settings.mode,
            Mode::Lsa,
            "a bad value keeps the default"
        );
        let issues = loaded.issues.join("\n");
        assert!(
            issues.contains("'loudest'") && issues.contains("'mode'"),
            "{issues}"
        );
        assert!(issues.contains("sparkle"), "{issues}");
        assert!(
            issues.contains("not in the preset") && issues.contains("floor"),
            "{issues}"
        );
    }

    #[test]
    fn a_damaged_file_is_one_clear_line() {
        let error = from_json(
            "{\"spectral_mask_preset\": 1, \"params\": {",
            Settings::default(),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("not a preset: damaged JSON"));
        assert!(!error.to_string().contains('\n'));
        let error = from_json("{\"threshold\": 3}", Settings::default()).unwrap_err();
        assert!(error.to_string().contains("spectral_mask_preset"));
        assert!(looks_like_json("  {\"a\": 1}") && !looks_like_json("threshold=3"));
    }
}
