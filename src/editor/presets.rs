//! Presets in the editor: the factory presets built in, and the user's own saved as JSON
//! files in the platform's config folder (`~/.config/spectral-mask/presets` on Linux), in the
//! one format `spectral-mask render --preset FILE` reads.
//!
//! Loading sets every parameter a preset holds through [`ParamAccess`], each as one host
//! gesture, so a host records a preset change like any other edit and can undo it.

use std::fs;
use std::path::PathBuf;

use egui::{vec2, Align2, Rect, Sense, Ui, UiBuilder};

use crate::settings::{Settings, PARAMS};
use crate::{partial_file, preset};

use super::controls::{self, ROW_HEIGHT};
use super::{settings_of, theme, ParamAccess};

/// One preset the menu offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Factory(&'static str),
    User(PathBuf),
}

/// The factory presets and the user's, found in one folder.
#[derive(Debug, Clone)]
pub struct Library {
    user_dir: Option<PathBuf>,
    entries: Vec<Entry>,
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

impl Library {
    /// The factory presets and the user's in the platform's config folder (none if the
    /// platform has no home folder).
    pub fn new() -> Self {
        let user_dir = directories::ProjectDirs::from("", "", "spectral-mask")
            .map(|dirs| dirs.config_dir().join("presets"));
        Self::with_user_dir(user_dir)
    }

    /// The factory presets and the user's in `user_dir`.
    pub fn with_user_dir(user_dir: Option<PathBuf>) -> Self {
        let mut library = Self {
            user_dir,
            entries: Vec::new(),
        };
        library.rescan();
        library
    }

    /// Reads the user's folder again (another instance may have saved a preset).
    pub fn rescan(&mut self) {
        self.entries = preset::FACTORY
            .iter()
            .map(|(id, json)| Entry {
                name: preset::from_json(json, Settings::default())
                    .ok()
                    .and_then(|loaded| loaded.name)
                    .unwrap_or_else(|| id.to_string()),
                source: Source::Factory(json),
            })
            .collect();
        let mut user: Vec<Entry> = self
            .user_dir
            .as_deref()
            .and_then(|dir| fs::read_dir(dir).ok())
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let stem = path.file_stem()?.to_string_lossy().into_owned();
                let is_json = path.extension().is_some_and(|ext| ext == "json");
                is_json.then_some(Entry {
                    name: stem,
                    source: Source::User(path),
                })
            })
            .collect();
        user.sort_by_key(|entry| entry.name.to_lowercase());
        self.entries.extend(user);
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Sets every parameter `entry` holds; returns what of it could not be used (one line),
    /// or why it could not be read at all.
    pub fn load(&self, entry: &Entry, params: &mut impl ParamAccess) -> Result<String, String> {
        let text = match &entry.source {
            Source::Factory(json) => (*json).to_string(),
            Source::User(path) => fs::read_to_string(path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?,
        };
        let loaded = preset::from_json(&text, settings_of(params))
            .map_err(|error| format!("{}: {error}", entry.name))?;
        apply(&loaded.settings, params);
        params.set_curve(loaded.curve);
        Ok(loaded.issues.join("; "))
    }

    /// Saves the parameters as the user preset `name` (replacing one of that name) and
    /// returns its file.
    pub fn save(&mut self, name: &str, params: &impl ParamAccess) -> Result<PathBuf, String> {
        let dir = self
            .user_dir
            .clone()
            .ok_or_else(|| "no config folder to save presets in".to_string())?;
        let stem = file_stem(name).ok_or_else(|| "give the preset a name".to_string())?;
        let path = dir.join(format!("{stem}.json"));
        let json = preset::to_json(name.trim(), &settings_of(params), &params.curve());
        partial_file::write_whole(&path, json.as_bytes())
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        self.rescan();
        Ok(path)
    }
}

/// The preset row's state: the library, the name being typed for a save, and the last
/// preset loaded or message shown.
#[derive(Debug)]
pub struct Menu {
    library: Library,
    /// `Some` while the user types a name to save under.
    naming: Option<String>,
    /// The preset last loaded or saved, shown in the menu.
    current: Option<String>,
    /// What went wrong or what a preset lacked, one line under the row.
    message: Option<String>,
}

impl Menu {
    pub fn new(library: Library) -> Self {
        Self {
            library,
            naming: None,
            current: None,
            message: None,
        }
    }
}

/// Width of the Save button.
const BUTTON_WIDTH: f32 = 48.0;

/// The preset row: a menu of the factory and user presets, and Save (which asks for a name
/// in place of the menu). A message line follows it when there is something to say.
pub fn row(ui: &mut Ui, menu: &mut Menu, params: &mut impl ParamAccess, width: f32) {
    let rect = controls::row(ui, "Preset", width);
    let field = Rect::from_min_max(rect.min, rect.max - vec2(BUTTON_WIDTH + 6.0, 0.0));
    let button = Rect::from_min_max(rect.max - vec2(BUTTON_WIDTH, rect.height()), rect.max);
    let mut child = ui.new_child(UiBuilder::new().max_rect(field));
    match menu.naming.as_mut() {
        Some(name) => {
            let edit = child.add_sized(field.size(), egui::TextEdit::singleline(name));
            let enter = edit.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            if enter || controls::text_button(ui, button, "preset-save", "Save") {
                let name = name.clone();
                menu.naming = None;
                match menu.library.save(&name, params) {
                    Ok(path) => {
                        // As the menu lists it: by its file's name.
                        menu.current = path
                            .file_stem()
                            .map(|stem| stem.to_string_lossy().into_owned());
                        menu.message = Some(format!("saved {}", path.display()));
                    }
                    Err(error) => menu.message = Some(error),
                }
            }
        }
        None => {
            let shown = menu.current.clone().unwrap_or_else(|| "(none)".to_string());
            let mut chosen = None;
            egui::ComboBox::from_id_salt("preset-menu")
                .width(field.width())
                .selected_text(shown)
                .show_ui(&mut child, |ui| {
                    for (index, entry) in menu.library.entries().iter().enumerate() {
                        if index > 0 && matches!(entry.source, Source::User(_)) {
                            if let Source::Factory(_) = menu.library.entries()[index - 1].source {
                                ui.separator();
                            }
                        }
                        if ui.selectable_label(false, &entry.name).clicked() {
                            chosen = Some(entry.clone());
                        }
                    }
                })
                .response
                .on_hover_text("Load a factory preset or one you saved");
            if let Some(entry) = chosen {
                menu.message = match menu.library.load(&entry, params) {
                    Ok(issues) => (!issues.is_empty()).then_some(issues),
                    Err(error) => Some(error),
                };
                menu.current = Some(entry.name);
            }
            if controls::text_button(ui, button, "preset-save", "Save") {
                menu.library.rescan();
                menu.naming = Some(menu.current.clone().unwrap_or_default());
            }
        }
    }
    if let Some(message) = &menu.message {
        let (line, _) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT * 0.6), Sense::hover());
        ui.painter().text(
            line.left_center(),
            Align2::LEFT_CENTER,
            message,
            theme::small(),
            theme::TEXT_DIM,
        );
    }
}

/// Sets each preset parameter whose value differs, as one gesture each.
fn apply(settings: &Settings, params: &mut impl ParamAccess) {
    for spec in PARAMS.iter().filter(|spec| preset::in_presets(spec)) {
        let Some(value) = settings.value(spec.id) else {
            continue;
        };
        if params.get(spec.id) != value {
            params.set_in_one_gesture(spec.id, value);
        }
    }
}

/// A file name for a preset name: letters, digits, `-` and `_` kept, spaces as `-`, the
/// rest dropped; `None` if nothing is left.
fn file_stem(name: &str) -> Option<String> {
    let stem: String = name
        .trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect();
    (!stem.is_empty()).then_some(stem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::{ParamEvent, SettingsAccess};

    #[test]
    fn a_saved_preset_is_listed_and_loads_back_as_one_gesture_per_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut library = Library::with_user_dir(Some(dir.path().join("presets")));
        assert_eq!(library.entries().len(), preset::FACTORY.len());

        let mine = Settings {
            threshold_db: 4.0,
            floor_db: -45.0,
            ..Settings::default()
        };
        let path = library.save("My room", &SettingsAccess::new(mine)).unwrap();
        assert_eq!(path.file_name().unwrap(), "My-room.json");
        let entry = library.entries().last().unwrap().clone();
        assert_eq!(entry.name, "My-room");

        let mut params = SettingsAccess::default();
        let issues = library.load(&entry, &mut params).unwrap();
        assert_eq!(issues, "");
        assert_eq!(params.settings, mine);
        // Two parameters changed: two gestures of three events.
        assert_eq!(params.events.len(), 6);
        assert_eq!(params.events[0], ParamEvent::Begin("threshold".to_string()));
    }

    #[test]
    fn a_factory_preset_loads_and_a_damaged_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
        let library = Library::with_user_dir(Some(dir.path().to_path_buf()));
        let mut params = SettingsAccess::default();
        let hum = library
            .entries()
            .iter()
            .find(|entry| entry.name == "Hum and buzz")
            .unwrap();
        assert_eq!(library.load(hum, &mut params), Ok(String::new()));
        // The factory file's window, which is not the default's.
        let json = crate::preset::factory("hum-and-buzz").unwrap();
        let window = crate::preset::from_json(json, Settings::default())
            .unwrap()
            .settings
            .window_size;
        assert_ne!(window, Settings::default().window_size);
        assert_eq!(params.settings.window_size, window);
        let broken = library.entries().last().unwrap();
        let error = library.load(broken, &mut params).unwrap_err();
        assert!(error.contains("damaged JSON"), "{error}");
        assert_eq!(params.settings.window_size, window);
    }

    #[test]
    fn names_become_safe_file_names() {
        assert_eq!(
            file_stem(" Room tone / take 2 ").as_deref(),
            Some("Room-tone--take-2")
        );
        assert_eq!(file_stem("../.."), None);
    }
}
