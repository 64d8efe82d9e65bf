//! Binds the editor to nice-plug: parameters found by id in any `Params` object through
//! `param_map()`, set through the host's `GuiContext` with begin/set/end gestures, and
//! drawn by [`super::view::draw`] in a resizable nice-plug-egui window whose size lives in
//! an [`EguiEditorState`] and is saved with the plugin's state through an [`EditorState`].

use std::sync::Arc;
use std::time::Duration;

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::{ParamPtr, Params, ResizeHint};
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};

use super::model::Model;
use super::view::{self, ViewState};
use super::{ParamAccess, MIN_SIZE};
use crate::analysis::AnalysisReader;
use crate::mask::curve::Curve;
use crate::params::{EditorSize, EditorState, ThresholdCurve};
use crate::settings::{self, ParamKind, ParamSpec};

/// Repaint interval while the window is open: 60 frames per second, a little faster than
/// the 100 columns per second arrive in pairs.
const FRAME_INTERVAL: Duration = Duration::from_millis(16);

/// Makes the plugin's editor. `params` is the plugin's parameter object (any `Params`
/// whose ids are those of [`settings::PARAMS`]; missing ids show their defaults and are
/// not set), `editor_state` the window's state and saved size, `reader` the editor end of
/// the analysis channel whose publisher the plugin feeds in `process()`.
pub fn create(
    params: Arc<dyn Params>,
    editor_state: Arc<EditorState>,
    curve: ThresholdCurve,
    reader: AnalysisReader,
) -> Option<EguiEditor<EditorApp>> {
    let egui_state = editor_state.egui().clone();
    let app = EditorApp::new(params, editor_state, curve, reader);
    let settings = EguiNiceSettings::new()
        .with_tile("Spectral Mask")
        .with_resize_hint(
            ResizeHint::RESIZABLE
                .with_min_logical_size(LogicalSize::new(MIN_SIZE.0 as f32, MIN_SIZE.1 as f32)),
        );
    create_egui_editor(egui_state, RepaintNotifier::new(), settings, app)
}

/// Frames to wait for a requested resize before taking the window's size as it is (the
/// host may refuse or adjust it): half a second at [`FRAME_INTERVAL`].
const RESIZE_WAIT_FRAMES: u32 = 30;

/// Keeps the window's size and the saved one in step: records every size the window takes,
/// and asks for the saved size when the window opens or a state is loaded while it is open.
struct SizeSync {
    state: Arc<EditorState>,
    /// The window has just opened: apply the saved size on the next frame.
    apply_saved: bool,
    /// A requested size not yet seen, and the frames left to wait for it. Sizes seen
    /// meanwhile are the old ones and not recorded.
    pending: Option<(EditorSize, u32)>,
}

impl SizeSync {
    fn new(state: Arc<EditorState>) -> Self {
        Self {
            state,
            apply_saved: false,
            pending: None,
        }
    }

    fn opened(&mut self) {
        self.apply_saved = true;
        self.pending = None;
    }

    /// Once per frame, with the window's current logical size; returns a size to ask the
    /// window for.
    fn frame(&mut self, current: EditorSize) -> Option<EditorSize> {
        let loaded = self.state.take_loaded_size().is_some();
        if std::mem::take(&mut self.apply_saved) || loaded {
            self.pending = None;
            if let Some(target) = usable(self.state.saved_size()) {
                if !target.approx_eq(current) {
                    self.pending = Some((target, RESIZE_WAIT_FRAMES));
                    return Some(target);
                }
            }
        }
        if let Some((target, frames_left)) = &mut self.pending {
            if !target.approx_eq(current) && *frames_left > 0 {
                *frames_left -= 1;
                return None;
            }
            self.pending = None;
        }
        if current != self.state.saved_size() {
            self.state.record_size(current);
        }
        None
    }
}

/// A saved size as one to ask the window for: at least [`MIN_SIZE`]; `None` if it is not
/// a size at all (a damaged state), in which case the window's own size replaces it.
fn usable(size: EditorSize) -> Option<EditorSize> {
    /// Larger than any screen; keeps a damaged state from asking for absurd windows.
    const MAX_SIDE: f32 = 16_384.0;
    let side = |value: f32, min: u32| {
        (value.is_finite() && value > 0.0).then(|| value.clamp(min as f32, MAX_SIDE))
    };
    Some(EditorSize {
        width: side(size.width, MIN_SIZE.0)?,
        height: side(size.height, MIN_SIZE.1)?,
    })
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
    curve: ThresholdCurve,
    reader: AnalysisReader,
    model: Model,
    view: ViewState,
    gui: Option<GuiContext>,
    size: SizeSync,
}

impl EditorApp {
    fn new(
        params: Arc<dyn Params>,
        editor_state: Arc<EditorState>,
        curve: ThresholdCurve,
        reader: AnalysisReader,
    ) -> Self {
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
            curve,
            reader,
            model: Model::new(),
            view: ViewState::new(),
            gui: None,
            size: SizeSync::new(editor_state),
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
        self.size.opened();
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        self.reader.set_editor_open(true);
        let current = self.size.state.egui().logical_size();
        let current = EditorSize {
            width: current.width,
            height: current.height,
        };
        if let Some(target) = self.size.frame(current) {
            // egui-baseview resizes the window (and asks the host to) as for a drag of the
            // resize corner; the new size comes back through `EguiEditorState`.
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::InnerSize(egui::vec2(
                    target.width,
                    target.height,
                )));
        }
        let now = ui.input(|input| input.time);
        self.model.update(&mut self.reader, now);
        let Some(gui) = &self.gui else {
            return;
        };
        let mut access = HostParams {
            bindings: &self.bindings,
            gui,
            curve: &self.curve,
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
    curve: &'a ThresholdCurve,
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

    fn curve(&self) -> Curve {
        self.curve.get()
    }

    fn set_curve(&mut self, curve: Curve) {
        // The curve is saved state but no parameter: the host would not know the project
        // changed.
        if self.curve.get() != curve {
            self.curve.replace(curve);
            self.gui.mark_state_dirty();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SpectralMaskParams;
    use nice_plug::params::persist::PersistentField;
    use nice_plug::prelude::{GuiContextInner, PluginApi, PluginState};
    use std::sync::Mutex;

    const SIZE: EditorSize = EditorSize {
        width: 900.0,
        height: 600.0,
    };

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
            panic!("the editor must never read the plugin state")
        }

        fn set_state(&self, _state: PluginState) {
            panic!("the editor must never write the plugin state")
        }

        fn request_restart(&self) {}

        fn mark_state_dirty(&self) {
            self.calls.lock().unwrap().push("dirty".into());
        }
    }

    #[test]
    fn every_parameter_binds_and_reads_its_default() {
        let params = Arc::new(SpectralMaskParams::default());
        let (_publisher, reader) = crate::analysis::channel(4);
        let curve = params.threshold_curve.clone();
        let app = EditorApp::new(params, EditorState::new(SIZE), curve, reader);
        assert_eq!(app.bindings.len(), settings::PARAMS.len());
        for spec in settings::PARAMS {
            assert_eq!(read(&app.bindings, spec.id), spec.default, "{}", spec.id);
        }
    }

    #[test]
    fn setting_through_the_host_reaches_the_parameters() {
        let params = Arc::new(SpectralMaskParams::default());
        let (_publisher, reader) = crate::analysis::channel(4);
        let curve = params.threshold_curve.clone();
        let app = EditorApp::new(params.clone(), EditorState::new(SIZE), curve, reader);
        let host = Arc::new(FakeHost::default());
        let gui = GuiContext::new(host.clone());
        let mut access = HostParams {
            bindings: &app.bindings,
            gui: &gui,
            curve: &app.curve,
        };
        // The curve goes to the parameters' shared state, which the plugin saves, and the
        // host is told the state changed (no parameter tells it).
        let drawn = Curve::new(&[crate::mask::curve::Node {
            hz: 4000.0,
            db: 20.0,
        }]);
        access.set_curve(drawn);
        assert_eq!(params.threshold_curve.get(), drawn);
        assert_eq!(access.curve(), drawn);
        assert_eq!(*host.calls.lock().unwrap(), ["dirty"]);
        // Setting the curve it already has changes nothing.
        access.set_curve(drawn);
        assert_eq!(*host.calls.lock().unwrap(), ["dirty"]);
        host.calls.lock().unwrap().clear();
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

    #[test]
    fn the_window_size_is_recorded_and_a_saved_one_is_requested() {
        let state = EditorState::new(SIZE);
        let mut sync = SizeSync::new(state.clone());
        let big = EditorSize {
            width: 1200.0,
            height: 800.0,
        };

        // Opening at the saved size asks for nothing; a resize by the user is recorded,
        // without a request back.
        sync.opened();
        assert_eq!(sync.frame(SIZE), None);
        assert_eq!(sync.frame(big), None);
        assert_eq!(state.saved_size(), big);
        assert_eq!(state.take_loaded_size(), None);

        // A state loaded while the window is open is requested; the old size seen meanwhile
        // does not overwrite it, the new one is recorded.
        PersistentField::set(&state, SIZE);
        assert_eq!(sync.frame(big), Some(SIZE));
        assert_eq!(sync.frame(big), None);
        assert_eq!(state.saved_size(), SIZE);
        assert_eq!(sync.frame(SIZE), None);
        assert_eq!(state.saved_size(), SIZE);

        // Reopening (nice-plug-egui's state still has the old size) asks for the saved one;
        // if the host never grants it, the window's size is recorded after a while.
        sync.opened();
        assert_eq!(sync.frame(big), Some(SIZE));
        let mut frames = 0;
        while state.saved_size() != big {
            assert_eq!(sync.frame(big), None);
            frames += 1;
            assert!(frames <= RESIZE_WAIT_FRAMES + 1);
        }

        // A damaged size is not requested but replaced by the window's; a small one is
        // raised to the minimum.
        PersistentField::set(
            &state,
            EditorSize {
                width: f32::NAN,
                height: 0.0,
            },
        );
        assert_eq!(sync.frame(big), None);
        assert_eq!(state.saved_size(), big);
        PersistentField::set(
            &state,
            EditorSize {
                width: 10.0,
                height: 10.0,
            },
        );
        let min = EditorSize {
            width: MIN_SIZE.0 as f32,
            height: MIN_SIZE.1 as f32,
        };
        assert_eq!(sync.frame(big), Some(min));
    }
}
