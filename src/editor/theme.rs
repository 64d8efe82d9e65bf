//! Colours, sizes and the egui style of the editor: a dark, low-contrast frame so that the
//! spectrogram and the curves carry the contrast.

use egui::{Color32, CornerRadius, FontFamily, FontId, Stroke, TextStyle, Visuals};

pub const BACKGROUND: Color32 = Color32::from_rgb(0x10, 0x12, 0x16);
pub const PANEL: Color32 = Color32::from_rgb(0x17, 0x1a, 0x20);
pub const PANEL_EDGE: Color32 = Color32::from_rgb(0x26, 0x2b, 0x34);
pub const PLOT_BACKGROUND: Color32 = Color32::from_rgb(0x0b, 0x0c, 0x10);
pub const GRID_STRONG: Color32 = Color32::from_rgb(0x3a, 0x41, 0x4f);
pub const TEXT: Color32 = Color32::from_rgb(0xd8, 0xdc, 0xe4);
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x8a, 0x92, 0xa2);
pub const TEXT_FAINT: Color32 = Color32::from_rgb(0x5c, 0x64, 0x72);
/// Controls and the threshold: a cyan that stays apart from magma's purples and oranges.
pub const ACCENT: Color32 = Color32::from_rgb(0x3c, 0xc8, 0xe6);
pub const ACCENT_DIM: Color32 = Color32::from_rgb(0x1d, 0x5e, 0x70);
/// The output spectrum: warm, like the signal that passes.
pub const OUTPUT: Color32 = Color32::from_rgb(0xf4, 0xb6, 0x4a);
/// The input spectrum: neutral.
pub const INPUT: Color32 = Color32::from_rgb(0xa8, 0xb0, 0xbe);
/// The noise floor the threshold is measured from.
pub const NOISE_FLOOR: Color32 = Color32::from_rgb(0xb0, 0x86, 0xe8);
/// What the mask removes: a cold blue-grey.
pub const REDUCTION: Color32 = Color32::from_rgb(0x3e, 0x66, 0xa8);
/// The key (sidechain) level: the signal the mask is taken from when it is not the input.
pub const KEY: Color32 = Color32::from_rgb(0x8c, 0xe0, 0x6a);
pub const WARNING: Color32 = Color32::from_rgb(0xf0, 0xc0, 0x40);
pub const DANGER: Color32 = Color32::from_rgb(0xf0, 0x5a, 0x4a);
pub const GOOD: Color32 = Color32::from_rgb(0x5c, 0xd0, 0x8a);
pub const LEARN: Color32 = Color32::from_rgb(0xe8, 0x4a, 0x5f);

pub const RADIUS: CornerRadius = CornerRadius::same(3);

/// The one-pixel rounded edge every control and overlay box is drawn with.
pub fn outline(painter: &egui::Painter, rect: egui::Rect, color: Color32) {
    painter.rect_stroke(
        rect,
        RADIUS,
        Stroke::new(1.0, color),
        egui::StrokeKind::Inside,
    );
}

pub fn small() -> FontId {
    FontId::new(10.5, FontFamily::Proportional)
}

pub fn body() -> FontId {
    FontId::new(12.5, FontFamily::Proportional)
}

pub fn heading() -> FontId {
    FontId::new(15.0, FontFamily::Proportional)
}

/// Applies the editor's look to a context, for the dark and the light theme alike (the
/// host's theme must not turn the editor light). Takes effect from the next pass.
pub fn apply(ctx: &egui::Context) {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = PLOT_BACKGROUND;
    visuals.faint_bg_color = PANEL;
    visuals.override_text_color = None;
    visuals.selection.bg_fill = ACCENT_DIM;
    visuals.selection.stroke = Stroke::new(1.0, ACCENT);
    let widgets = &mut visuals.widgets;
    widgets.noninteractive.bg_fill = PANEL;
    widgets.noninteractive.bg_stroke = Stroke::new(1.0, PANEL_EDGE);
    widgets.noninteractive.fg_stroke = Stroke::new(1.0, TEXT_DIM);
    widgets.inactive.bg_fill = Color32::from_rgb(0x22, 0x26, 0x2e);
    widgets.inactive.weak_bg_fill = Color32::from_rgb(0x22, 0x26, 0x2e);
    widgets.inactive.fg_stroke = Stroke::new(1.0, TEXT);
    widgets.hovered.bg_fill = Color32::from_rgb(0x2c, 0x32, 0x3c);
    widgets.hovered.weak_bg_fill = Color32::from_rgb(0x2c, 0x32, 0x3c);
    widgets.active.bg_fill = ACCENT_DIM;
    widgets.active.weak_bg_fill = ACCENT_DIM;
    for state in [
        &mut widgets.noninteractive,
        &mut widgets.inactive,
        &mut widgets.hovered,
        &mut widgets.active,
        &mut widgets.open,
    ] {
        state.corner_radius = RADIUS;
    }
    ctx.all_styles_mut(|style| {
        style.visuals = visuals.clone();
        style.text_styles.insert(TextStyle::Body, body());
        style.text_styles.insert(TextStyle::Button, body());
        style.text_styles.insert(TextStyle::Small, small());
        style.spacing.button_padding = egui::vec2(6.0, 2.0);
        style.spacing.item_spacing = egui::vec2(6.0, 4.0);
        style.interaction.tooltip_delay = 0.4;
    });
}
