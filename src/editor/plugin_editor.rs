//! Binds the editor to nice-plug: parameters found by id in any `Params` object through
//! `param_map()`, set through the host's `GuiContext` with begin/set/end gestures, and
//! drawn by [`super::view::draw`] in a resizable nice-plug-egui window whose size lives in
//! an [`EguiEditorState`].

use std::sync::Arc;
use std::time::Duration;

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::{ParamPtr, Params, ResizeHint};
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};

use super::model::Model;
use super::view::{self, ViewState};
use super::{ParamAccess, DEFAULT_SIZE, MIN_SIZE};
use crate::analysis::AnalysisReader;
use crate::settings::{self, ParamKind, ParamSpec};

/// Repaint interval while the window is open: 60 frames per second, a little faster than
/// the 100 columns per second arrive in pairs.
const FRAME_INTERVAL: Duration = Duration::from_millis(16);

/// The editor state to keep (persisted) in the plugin's params: the window size.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(
        LogicalSize::new(DEFAULT_SIZE.0 as f64, DEFAULT_SIZE.1 as f64),
        1.0,
    )
}

/// Makes the plugin's editor. `params` is the plugin's parameter object (any `Params`
/// whose ids are those of [`settings::PARAMS`]; missing ids show their defaults and are
/// not set), `editor_state` the persisted size, `reader` the editor end of the analysis
/// channel whose publisher the plugin feeds in `process()`.
pub fn create(
    params: Arc<dyn Params>,
    editor_state: Arc<EguiEditorState>,
    reader: AnalysisReader,
) -> Option<EguiEditor<EditorApp>> {
    let app = EditorApp::new(params, reader);
    let settings = EguiNiceSettings::new()
        .with_tile("Spectral Mask")
        .with_resize_hint(
            ResizeHint::RESIZABLE
                .with_min_logical_size(LogicalSize::new(MIN_SIZE.0 as f32, MIN_SIZE.1 as f32)),
        );
    create_egui_editor(editor_state, RepaintNotifier::new(), settings, app)
}

/// How a power-of-two setting is stored in the host parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PowerStorage {
    /// The size itself (an `IntParam` over 256..8192).
    Size,
    /// Its base-2 logarithm (an `IntParam` over 8..13).
    Exponent,
    /// The index from the smallest size (an `EnumParam` or an `IntParam` over 0..5).
    Index,
}

/// One parameter of the plugin that the editor shows.
struct Binding {
    spec: &'static ParamSpec,
    ptr: ParamPtr,
    power: PowerStorage,
}

impl Binding {
    /// A value in the spec's units as the host parameter's plain value.
    fn plain_of(&self, value: f32) -> f32 {
        match self.spec.kind {
            ParamKind::PowerOfTwo { min, .. } => match self.power {
                PowerStorage::Size => value,
                PowerStorage::Exponent => value.max(1.0).log2().round(),
                PowerStorage::Index => (value.max(1.0) / min as f32).log2().round(),
            },
            _ => value,
        }
    }

    /// The host parameter's plain value in the spec's units.
    fn value_of(&self, plain: f32) -> f32 {
        match self.spec.kind {
            ParamKind::PowerOfTwo { min, .. } => match self.power {
                PowerStorage::Size => plain,
                PowerStorage::Exponent => 2f32.powf(plain.round()),
                PowerStorage::Index => min as f32 * 2f32.powf(plain.round()),
            },
            _ => plain,
        }
    }
}

/// The nice-plug-egui app: analysis model, view state and the parameter bindings.
pub struct EditorApp {
    /// Keeps the parameters alive for as long as the pointers below are used.
    _params: Arc<dyn Params>,
    bindings: Vec<Binding>,
    reader: AnalysisReader,
    model: Model,
    view: ViewState,
    gui: Option<GuiContext>,
}

impl EditorApp {
    fn new(params: Arc<dyn Params>, reader: AnalysisReader) -> Self {
        let map = params.param_map();
        let bindings = settings::PARAMS
            .iter()
            .filter_map(|spec| {
                let (_, ptr, _) = map.iter().find(|(id, _, _)| id == spec.id)?;
                let ptr = *ptr;
                let power = match spec.kind {
                    ParamKind::PowerOfTwo { min, max } => {
                        // SAFETY: `ptr` points into `params`, which this app keeps alive.
                        let (low, high) =
                            unsafe { (ptr.preview_plain(0.0), ptr.preview_plain(1.0)) };
                        if (high - max as f32).abs() < 0.5 {
                            PowerStorage::Size
                        } else if (low - (min as f32).log2()).abs() < 0.5 {
                            PowerStorage::Exponent
                        } else {
                            PowerStorage::Index
                        }
                    }
                    _ => PowerStorage::Size,
                };
                Some(Binding { spec, ptr, power })
            })
            .collect();
        Self {
            _params: params,
            bindings,
            reader,
            model: Model::new(),
            view: ViewState::new(),
            gui: None,
        }
    }
}

/// The handle egui keeps while the window lives; dropping the window's context drops it,
/// which tells the audio thread to stop publishing (nice-plug-egui does not call
/// `editor_closed`).
#[derive(Clone)]
struct OpenFlag(#[allow(dead_code)] Arc<crate::analysis::OpenGuard>);

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.gui = Some(nice_gui_ctx);
        // Columns queued before the window opened are stale.
        self.reader.drain(|_| {});
        let guard = OpenFlag(Arc::new(self.reader.open_guard()));
        egui_ctx.data_mut(|data| data.insert_temp(egui::Id::unique("spectral-mask-open"), guard));
        self.view.window_opened();
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        self.reader.set_editor_open(true);
        let now = ui.input(|input| input.time);
        self.model.update(&mut self.reader, now);
        let Some(gui) = &self.gui else {
            return;
        };
        let mut access = HostParams {
            bindings: &self.bindings,
            gui,
        };
        let (view, model) = (&mut self.view, &self.model);
        ResizableWindow::new("spectral-mask-size")
            .min_size(egui::vec2(MIN_SIZE.0 as f32, MIN_SIZE.1 as f32))
            .show(ui, |ui| view::draw(ui, view, model, &mut access));
        ui.ctx().request_repaint_after(FRAME_INTERVAL);
    }

    fn editor_closed(&mut self) {
        self.reader.set_editor_open(false);
        self.gui = None;
    }
}

/// [`ParamAccess`] through the host: reads the parameters' unmodulated values (what the
/// user set, not the host's modulation) and sets them as host gestures.
struct HostParams<'a> {
    bindings: &'a [Binding],
    gui: &'a GuiContext,
}

impl HostParams<'_> {
    fn binding(&self, id: &str) -> Option<&Binding> {
        self.bindings.iter().find(|binding| binding.spec.id == id)
    }
}

/// The value of `id` in its spec's units, or the spec's default when the plugin lacks it.
fn read(bindings: &[Binding], id: &str) -> f32 {
    match bindings.iter().find(|binding| binding.spec.id == id) {
        // SAFETY: the pointer points into the params the app keeps alive.
        Some(binding) => binding.value_of(unsafe { binding.ptr.unmodulated_plain_value() }),
        None => settings::spec(id).map_or(0.0, |spec| spec.default),
    }
}

impl ParamAccess for HostParams<'_> {
    fn get(&self, id: &str) -> f32 {
        read(self.bindings, id)
    }

    fn begin_gesture(&mut self, id: &str) {
        if let Some(binding) = self.binding(id) {
            // SAFETY: the pointer comes from this plugin's own `param_map()`.
            unsafe { self.gui.raw_begin_set_parameter(binding.ptr) };
        }
    }

    fn set(&mut self, id: &str, value: f32) {
        if let Some(binding) = self.binding(id) {
            // SAFETY: as above; the normalized value comes from the parameter itself, so it
            // is snapped and in range.
            unsafe {
                let normalized = binding.ptr.preview_normalized(binding.plain_of(value));
                self.gui
                    .raw_set_parameter_normalized(binding.ptr, normalized);
            }
        }
    }

    fn end_gesture(&mut self, id: &str) {
        if let Some(binding) = self.binding(id) {
            // SAFETY: as above.
            unsafe { self.gui.raw_end_set_parameter(binding.ptr) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SpectralMaskParams;
    use nice_plug::prelude::{GuiContextInner, PluginApi, PluginState};
    use std::sync::Mutex;

    /// A host that applies what the editor sets and records the gestures.
    #[derive(Default)]
    struct FakeHost {
        calls: Mutex<Vec<String>>,
    }

    impl GuiContextInner for FakeHost {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }

        unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
            // SAFETY: the test keeps the params alive.
            let name = unsafe { param.name() }.to_string();
            self.calls.lock().unwrap().push(format!("begin {name}"));
        }

        unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
            // SAFETY: as above.
            unsafe { param._internal_set_normalized_value(normalized) };
            let name = unsafe { param.name() }.to_string();
            self.calls.lock().unwrap().push(format!("set {name}"));
        }

        unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
            // SAFETY: as above.
            let name = unsafe { param.name() }.to_string();
            self.calls.lock().unwrap().push(format!("end {name}"));
        }

        fn get_state(&self) -> PluginState {
            unimplemented!("the editor does not read state")
        }

        fn set_state(&self, _state: PluginState) {
            unimplemented!("the editor does not write state")
        }

        fn request_restart(&self) {}
    }

    #[test]
    fn every_parameter_binds_and_reads_its_default() {
        let params = Arc::new(SpectralMaskParams::default());
        let (_publisher, reader) = crate::analysis::channel(4);
        let app = EditorApp::new(params, reader);
        assert_eq!(app.bindings.len(), settings::PARAMS.len());
        for spec in settings::PARAMS {
            assert_eq!(read(&app.bindings, spec.id), spec.default, "{}", spec.id);
        }
    }

    #[test]
    fn setting_through_the_host_reaches_the_parameters() {
        let params = Arc::new(SpectralMaskParams::default());
        let (_publisher, reader) = crate::analysis::channel(4);
        let app = EditorApp::new(params, reader);
        let host = Arc::new(FakeHost::default());
        let gui = GuiContext::new(host.clone());
        let mut access = HostParams {
            bindings: &app.bindings,
            gui: &gui,
        };
        let cases = [
            ("threshold", -42.5),
            ("window_size", 512.0),
            ("padding", 3.0),
            ("mode", 2.0),
            ("floor", -120.0),
            ("stereo_link", 0.0),
            ("release", 250.0),
        ];
        for (id, value) in cases {
            access.begin_gesture(id);
            access.set(id, value);
            access.end_gesture(id);
            assert!(
                (access.get(id) - value).abs() < 1e-3,
                "{id}: {}",
                access.get(id)
            );
        }
        let calls = host.calls.lock().unwrap();
        assert_eq!(calls.len(), 3 * cases.len());
        assert!(calls[0].starts_with("begin") && calls[2].starts_with("end"));
    }
}
