//! One-row parameter controls drawn through [`ParamAccess`]: a slider for numbers, a
//! segmented switch for short choices, a drop-down for long ones, pill buttons for toggles.
//! Every user change is one host gesture (begin, set..., end).

use egui::{pos2, vec2, Align2, Color32, Rect, Response, Sense, Stroke, Ui};

use super::{format_value, theme, ParamAccess};
use crate::settings::{self, ParamKind, ParamSpec};

/// Height of one control row.
pub const ROW_HEIGHT: f32 = 22.0;
/// Height of a section title.
pub const SECTION_HEIGHT: f32 = 20.0;
/// Width of the label column.
pub const LABEL_WIDTH: f32 = 70.0;

/// The range and skew of a float parameter.
fn float_range(id: &str) -> Option<(f32, f32, f32)> {
    match settings::spec(id)?.kind {
        ParamKind::Float { min, max, skew, .. } => Some((min, max, skew)),
        _ => None,
    }
}

/// Slider position (0..1) of a value: the host's normalised value, skewed as the spec says.
fn position_of(id: &str, value: f32) -> f32 {
    let Some((min, max, skew)) = float_range(id) else {
        return 0.0;
    };
    ((value - min) / (max - min)).clamp(0.0, 1.0).powf(skew)
}

/// Value at a slider position (0..1).
fn value_at(id: &str, position: f32) -> f32 {
    let Some((min, max, skew)) = float_range(id) else {
        return 0.0;
    };
    min + position.clamp(0.0, 1.0).powf(skew.recip()) * (max - min)
}

fn default_of(id: &str) -> f32 {
    settings::spec(id).map_or(0.0, |spec| spec.default)
}

fn help_of(id: &str) -> &'static str {
    settings::spec(id).map_or("", |spec| spec.help)
}

/// The hover text of a choice's variant: its own line where it has one, else the parameter's.
fn variant_help(id: &str, index: usize) -> &'static str {
    match settings::spec(id).map(|spec| spec.kind) {
        Some(ParamKind::Choice { help, .. }) => help
            .get(index)
            .copied()
            .filter(|line| !line.is_empty())
            .unwrap_or_else(|| help_of(id)),
        _ => help_of(id),
    }
}

/// The row of one parameter, by its kind: a slider for a number, segments for a power of
/// two or a short choice (up to four variants), a drop-down for a longer one.
pub fn control(ui: &mut Ui, params: &mut impl ParamAccess, spec: &'static ParamSpec, width: f32) {
    let label = spec.editor.label;
    match spec.kind {
        ParamKind::Float { .. } => slider(ui, params, spec.id, label, width),
        ParamKind::Toggle => {
            let (rect, _) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::hover());
            toggle(ui, params, spec.id, label, rect, theme::ACCENT);
        }
        ParamKind::Choice { labels, .. } if labels.len() > 4 => {
            let rect = row(ui, label, width);
            dropdown(ui, params, spec, rect);
        }
        kind => {
            let texts = segment_labels(kind);
            let labels: Vec<&str> = texts.iter().map(String::as_str).collect();
            let rect = row(ui, label, width);
            segmented(ui, params, spec.id, &labels, rect);
        }
    }
}

/// The segments' texts of a short choice, a ratio (`×2`) or a power of two (`2k`).
fn segment_labels(kind: ParamKind) -> Vec<String> {
    match kind {
        ParamKind::Choice { labels, .. } => labels.iter().map(|label| label.to_string()).collect(),
        ParamKind::Ratio { variants } => variants.iter().map(|ratio| format!("×{ratio}")).collect(),
        ParamKind::PowerOfTwo { min, max } => {
            std::iter::successors(Some(min), |size| Some(size * 2))
                .take_while(|size| *size <= max)
                .map(|size| match size {
                    size if size >= 1024 => format!("{}k", size / 1024),
                    size => size.to_string(),
                })
                .collect()
        }
        ParamKind::Float { .. } | ParamKind::Toggle => Vec::new(),
    }
}

/// Draws the label column of a row and returns the rect left for the control.
pub fn row(ui: &mut Ui, label: &str, width: f32) -> Rect {
    let (rect, _) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::hover());
    ui.painter().text(
        pos2(rect.left(), rect.center().y),
        Align2::LEFT_CENTER,
        label,
        theme::body(),
        theme::TEXT_DIM,
    );
    Rect::from_min_max(
        pos2(rect.left() + LABEL_WIDTH, rect.top() + 1.0),
        pos2(rect.right(), rect.bottom() - 1.0),
    )
}

/// A horizontal slider with the value written in it. Drag (Shift: fine), double-click for
/// the default.
pub fn slider(
    ui: &mut Ui,
    params: &mut impl ParamAccess,
    id: &'static str,
    label: &str,
    width: f32,
) {
    let rect = row(ui, label, width);
    let response = ui
        .interact(
            rect,
            ui.scope_id().with(("slider", id)),
            Sense::click_and_drag(),
        )
        .on_hover_text(help_of(id));
    let value = params.get(id);
    let memory_id = ui.scope_id().with(("slider-start", id));
    if response.drag_started() {
        params.begin_gesture(id);
        ui.data_mut(|data| data.insert_temp(memory_id, position_of(id, value)));
    }
    if response.dragged() {
        let start: f32 = ui.data(|data| data.get_temp(memory_id)).unwrap_or(0.0);
        let dx = response.total_drag_delta().unwrap_or_default().x;
        let fine = if ui.input(|i| i.modifiers.shift) {
            0.1
        } else {
            1.0
        };
        let new_value = value_at(id, start + dx * fine / rect.width());
        if new_value != value {
            params.set(id, new_value);
        }
    }
    if response.drag_stopped() {
        params.end_gesture(id);
    }
    if response.double_clicked() {
        params.set_in_one_gesture(id, default_of(id));
    }
    let value = params.get(id);

    let painter = ui.painter();
    let active = response.hovered() || response.dragged();
    painter.rect_filled(rect, theme::RADIUS, Color32::from_rgb(0x1e, 0x22, 0x29));
    let position = position_of(id, value);
    // Bipolar ranges fill from their zero.
    let origin = match float_range(id) {
        Some((min, max, _)) if min < 0.0 && max > 0.0 && id != "threshold" => position_of(id, 0.0),
        _ => 0.0,
    };
    let x_of = |p: f32| rect.left() + p * rect.width();
    let fill = Rect::from_x_y_ranges(
        x_of(origin.min(position))..=x_of(origin.max(position)),
        rect.y_range(),
    );
    let fill_color = if active {
        Color32::from_rgb(0x23, 0x6e, 0x82)
    } else {
        Color32::from_rgb(0x1b, 0x4e, 0x5c)
    };
    painter.rect_filled(fill, theme::RADIUS, fill_color);
    // The value's edge: a bright stripe on the fill's moving side, under the text.
    let edge_x = x_of(position);
    let stripe = if position >= origin {
        edge_x - 2.0..=edge_x
    } else {
        edge_x..=edge_x + 2.0
    };
    painter.rect_filled(
        Rect::from_x_y_ranges(stripe, rect.y_range().shrink(1.0)),
        0.0,
        theme::ACCENT,
    );
    let edge = if active {
        theme::ACCENT_DIM
    } else {
        theme::PANEL_EDGE
    };
    theme::outline(painter, rect, edge);
    // The value on a backing that keeps it readable over the fill's edge.
    let galley = painter.layout_no_wrap(format_value(id, value), theme::body(), theme::TEXT);
    let text_rect =
        Align2::RIGHT_CENTER.anchor_size(pos2(rect.right() - 6.0, rect.center().y), galley.size());
    painter.rect_filled(
        text_rect
            .expand2(vec2(4.0, 0.0))
            .intersect(rect.shrink(2.0)),
        theme::RADIUS,
        Color32::from_rgba_unmultiplied(0x16, 0x19, 0x1e, 200),
    );
    painter.galley(text_rect.min, galley, theme::TEXT);
}

/// Segmented buttons in `rect` for a choice or a power of two; `labels` name the segments
/// in order.
pub fn segmented(
    ui: &mut Ui,
    params: &mut impl ParamAccess,
    id: &'static str,
    labels: &[&str],
    rect: Rect,
) {
    let kind = settings::spec(id).map(|spec| spec.kind);
    let value = params.get(id);
    let selected = match kind {
        Some(ParamKind::PowerOfTwo { min, .. }) => {
            ((value.max(1.0) / min as f32).log2().round().max(0.0)) as usize
        }
        _ => value.round().max(0.0) as usize,
    };
    let clicked = segment_buttons(ui, rect, id, labels, selected, theme::small(), |index| {
        variant_help(id, index)
    });
    if let Some(index) = clicked.filter(|index| *index != selected) {
        let new_value = match kind {
            Some(ParamKind::PowerOfTwo { min, .. }) => (min << index) as f32,
            _ => index as f32,
        };
        params.set_in_one_gesture(id, new_value);
    }
}

/// Segmented buttons in `rect`, one per label, `selected` highlighted; returns the segment
/// clicked. Shared by the parameter switches and the editor's view switch.
pub fn segment_buttons(
    ui: &mut Ui,
    rect: Rect,
    id_salt: &'static str,
    labels: &[&str],
    selected: usize,
    font: egui::FontId,
    hover: impl Fn(usize) -> &'static str,
) -> Option<usize> {
    let segment_width = rect.width() / labels.len() as f32;
    let painter = ui.painter().clone();
    painter.rect_filled(rect, theme::RADIUS, Color32::from_rgb(0x1e, 0x22, 0x29));
    let mut clicked = None;
    for (index, text) in labels.iter().enumerate() {
        let segment = Rect::from_min_size(
            pos2(rect.left() + index as f32 * segment_width, rect.top()),
            vec2(segment_width, rect.height()),
        );
        let response = ui
            .interact(
                segment,
                ui.scope_id().with((id_salt, index)),
                Sense::click(),
            )
            .on_hover_text(hover(index));
        if response.clicked() {
            clicked = Some(index);
        }
        let is_selected = index == selected;
        if is_selected {
            painter.rect_filled(segment.shrink(1.0), theme::RADIUS, theme::ACCENT_DIM);
        } else if response.hovered() {
            painter.rect_filled(
                segment.shrink(1.0),
                theme::RADIUS,
                Color32::from_rgb(0x2a, 0x30, 0x3a),
            );
        }
        if index > 0 {
            painter.vline(
                segment.left(),
                segment.y_range().shrink(4.0),
                Stroke::new(1.0, theme::PANEL_EDGE),
            );
        }
        painter.text(
            segment.center(),
            Align2::CENTER_CENTER,
            *text,
            font.clone(),
            if is_selected {
                Color32::WHITE
            } else {
                theme::TEXT_DIM
            },
        );
    }
    theme::outline(&painter, rect, theme::PANEL_EDGE);
    clicked
}

/// A drop-down in `rect` for a choice with many variants, named by its labels in order.
fn dropdown(ui: &mut Ui, params: &mut impl ParamAccess, spec: &'static ParamSpec, rect: Rect) {
    let (ParamKind::Choice { labels, .. }, id) = (spec.kind, spec.id) else {
        return;
    };
    let value = params.get(id).round().max(0.0) as usize;
    let mut chosen = value;
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect));
    egui::ComboBox::from_id_salt(("dropdown", id))
        .width(rect.width())
        .height(240.0)
        .selected_text(labels.get(value).copied().unwrap_or("?"))
        .show_ui(&mut child, |ui| {
            for (index, text) in labels.iter().enumerate() {
                ui.selectable_value(&mut chosen, index, *text)
                    .on_hover_text(variant_help(id, index));
            }
        })
        .response
        .on_hover_text(help_of(id));
    if chosen != value {
        params.set_in_one_gesture(id, chosen as f32);
    }
}

/// A pill button for a toggle. Returns its response.
pub fn toggle(
    ui: &mut Ui,
    params: &mut impl ParamAccess,
    id: &'static str,
    label: &str,
    rect: Rect,
    on_color: Color32,
) -> Response {
    let on = params.get(id) >= 0.5;
    let response = ui
        .interact(rect, ui.scope_id().with(("toggle", id)), Sense::click())
        .on_hover_text(help_of(id));
    let mut on_now = on;
    if response.clicked() {
        on_now = !on;
        params.set_in_one_gesture(id, if on_now { 1.0 } else { 0.0 });
    }
    let painter = ui.painter();
    let (fill, edge, text) = pill_colors(on_now, response.hovered(), on_color);
    painter.rect_filled(rect, theme::RADIUS, fill);
    theme::outline(painter, rect, edge);
    // A lamp that reads at a glance.
    let lamp = pos2(rect.left() + 10.0, rect.center().y);
    painter.circle_filled(lamp, 3.0, if on_now { on_color } else { theme::TEXT_FAINT });
    painter.text(
        pos2(rect.left() + 19.0, rect.center().y),
        Align2::LEFT_CENTER,
        label,
        theme::small(),
        text,
    );
    response
}

/// Fill, edge and text colours of a pill (a toggle or a button): lit in `on_color` when on,
/// brighter when hovered.
fn pill_colors(on: bool, hovered: bool, on_color: Color32) -> (Color32, Color32, Color32) {
    if on {
        (on_color.gamma_multiply(0.35), on_color, Color32::WHITE)
    } else if hovered {
        (
            Color32::from_rgb(0x2a, 0x30, 0x3a),
            theme::PANEL_EDGE,
            theme::TEXT,
        )
    } else {
        (
            Color32::from_rgb(0x1e, 0x22, 0x29),
            theme::PANEL_EDGE,
            theme::TEXT_DIM,
        )
    }
}

/// A push button in the toggles' style; true when clicked.
pub fn text_button(ui: &mut Ui, rect: Rect, id: &'static str, label: &str) -> bool {
    let response = ui.interact(rect, ui.scope_id().with(("button", id)), Sense::click());
    let (fill, edge, text) = pill_colors(false, response.hovered(), theme::ACCENT);
    let painter = ui.painter();
    painter.rect_filled(rect, theme::RADIUS, fill);
    theme::outline(painter, rect, edge);
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        label,
        theme::small(),
        text,
    );
    response.clicked()
}

/// A section title with a rule.
pub fn section(ui: &mut Ui, title: &str, width: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, SECTION_HEIGHT), Sense::hover());
    let painter = ui.painter();
    let text_rect = painter.text(
        pos2(rect.left(), rect.bottom() - 4.0),
        Align2::LEFT_BOTTOM,
        title,
        theme::small(),
        theme::ACCENT,
    );
    painter.hline(
        text_rect.right() + 6.0..=rect.right(),
        text_rect.center().y,
        Stroke::new(1.0, theme::PANEL_EDGE),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slider_positions_round_trip() {
        for (id, value) in [
            ("threshold", -42.0),
            ("release", 60.0),
            ("attack", 5.0),
            ("mix", 50.0),
        ] {
            let back = value_at(id, position_of(id, value));
            assert!((back - value).abs() < 1e-3, "{id}: {back}");
        }
        // Release 60 ms of 2000: 0.03^0.25 = 0.416 of the way, where the host's parameter
        // puts it too (params' tests check that side).
        assert!((position_of("release", 60.0) - 0.4162).abs() < 1e-3);
    }
}
