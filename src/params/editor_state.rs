//! The editor window's size as saved with the plugin's state, and nice-plug-egui's window
//! state beside it. Main and GUI threads only; the audio thread never touches it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use nice_plug::editor::dpi::LogicalSize;
use nice_plug::params::persist::PersistentField;
use nice_plug_egui::EguiEditorState;
use serde::{Deserialize, Serialize};

/// The editor window's size in logical pixels, as saved in the plugin's state
/// (`{"width":900.0,"height":600.0}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EditorSize {
    pub width: f32,
    pub height: f32,
}

impl EditorSize {
    /// The editor's initial size: room for an 8 s spectrogram at one pixel per column beside
    /// the controls, and small enough for a 1366 x 768 laptop screen.
    pub const DEFAULT: Self = Self {
        width: 1000.0,
        height: 650.0,
    };

    /// Both sides within a pixel of `other`'s (fractional scale factors round).
    pub fn approx_eq(self, other: Self) -> bool {
        (self.width - other.width).abs() < 1.0 && (self.height - other.height).abs() < 1.0
    }

    fn to_bits(self) -> u64 {
        (u64::from(self.width.to_bits()) << 32) | u64::from(self.height.to_bits())
    }

    fn from_bits(bits: u64) -> Self {
        Self {
            width: f32::from_bits((bits >> 32) as u32),
            height: f32::from_bits(bits as u32),
        }
    }
}

/// The editor's window. nice-plug-egui 0.6's [`EguiEditorState`] holds the size the window
/// opens at and follows it while open, but it cannot be serialized or set, and nice-plug
/// asks for the editor (and so for that state) once, before any state is loaded. So the
/// size is saved here as well: the editor records every size the window takes, and when it
/// opens, or a state is loaded while it is open, it asks the window for the saved size
/// (see `plugin_editor`). Main/GUI threads only; the audio thread never touches it.
pub struct EditorState {
    egui: Arc<EguiEditorState>,
    /// The saved [`EditorSize`], both sides in one word so that a save never sees a width
    /// without its height.
    saved: AtomicU64,
    /// A loaded size is waiting for the editor to apply it.
    restore_pending: AtomicBool,
}

impl EditorState {
    pub fn new(size: EditorSize) -> Arc<Self> {
        Arc::new(Self {
            egui: EguiEditorState::from_size(
                LogicalSize::new(f64::from(size.width), f64::from(size.height)),
                1.0,
            ),
            saved: AtomicU64::new(size.to_bits()),
            restore_pending: AtomicBool::new(false),
        })
    }

    /// nice-plug-egui's state, for `create_egui_editor`.
    pub fn egui(&self) -> &Arc<EguiEditorState> {
        &self.egui
    }

    /// The size that is saved with the plugin's state.
    pub fn saved_size(&self) -> EditorSize {
        EditorSize::from_bits(self.saved.load(Ordering::Acquire))
    }

    /// The window now has `size`: save it. Does not ask the editor to resize.
    pub fn record_size(&self, size: EditorSize) {
        self.saved.store(size.to_bits(), Ordering::Release);
    }

    /// The size a state load left for the window, once.
    pub fn take_loaded_size(&self) -> Option<EditorSize> {
        self.restore_pending
            .swap(false, Ordering::AcqRel)
            .then(|| self.saved_size())
    }
}

impl<'a> PersistentField<'a, EditorSize> for Arc<EditorState> {
    fn set(&self, new_value: EditorSize) {
        self.record_size(new_value);
        self.restore_pending.store(true, Ordering::Release);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&EditorSize) -> R,
    {
        f(&self.saved_size())
    }
}
