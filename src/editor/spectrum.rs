//! The current spectrum: input level, output level and the reduction between them, the
//! noise floor and the threshold curve. Dragging vertically moves the threshold (one host
//! gesture per drag); a double click resets it. The threshold curve's nodes sit on the
//! threshold line: Ctrl-click adds one, dragging one moves it (frequency and dB), a
//! right-click removes it.

use egui::{
    epaint::Mesh, pos2, vec2, Align2, Color32, CursorIcon, Painter, Pos2, Rect, Sense, Shape,
    Stroke, Ui,
};

use super::model::Model;
use super::spectrogram::{AXIS_WIDTH, FREQUENCY_LABELS};
use super::{format_value, theme, ParamAccess};
use crate::mask::curve::{Curve, Node, MAX_NODES};
use crate::mask::tilt::offset_db;
use crate::settings::{self, specs, ParamKind};
use crate::viz::bands::{band_center_hz, grid_to_hz, hz_to_grid, BANDS, HIGH_HZ, LOW_HZ};

/// Level range of the plot, dBFS: a full-scale sine reads 0 dB; -120 dB is below the
/// noise of 20-bit audio in a 2048-point bin.
pub const TOP_DB: f32 = 0.0;
pub const BOTTOM_DB: f32 = -120.0;
/// How close (points) the pointer must be to the threshold curve to highlight it.
const GRAB_DISTANCE: f32 = 8.0;

const THRESHOLD: &str = "threshold";
const REFERENCE: &str = "reference";
/// Index of the absolute reference among `settings::Reference`'s variants.
const REFERENCE_ABSOLUTE: f32 = 0.0;

/// A threshold drag in progress.
struct Drag {
    start_value: f32,
    /// The noise floor when the drag began: the curve follows the pointer, not the floor's
    /// lagging echo of the parameter.
    floor_db: Option<[f32; BANDS]>,
}

/// A node drag in progress: which node, and where it was.
struct NodeDrag {
    index: usize,
    start: Node,
}

/// The spectrum plot and its drag state.
#[derive(Default)]
pub struct SpectrumPlot {
    drag: Option<Drag>,
    node_drag: Option<NodeDrag>,
}

/// Radius (points) of a drawn curve node, and how near the pointer must be to take it.
const NODE_RADIUS: f32 = 4.5;
const NODE_GRAB: f32 = 9.0;

struct Geometry {
    plot: Rect,
}

impl Geometry {
    fn x_of_band(&self, band: usize) -> f32 {
        self.plot.left() + (band as f32 + 0.5) / BANDS as f32 * self.plot.width()
    }

    fn x_of_hz(&self, hz: f32) -> f32 {
        self.plot.left() + hz_to_grid(hz) * self.plot.width()
    }

    fn y_of_db(&self, db: f32) -> f32 {
        let t = (db - BOTTOM_DB) / (TOP_DB - BOTTOM_DB);
        self.plot.bottom() - t.clamp(-0.05, 1.05) * self.plot.height()
    }

    fn db_per_point(&self) -> f32 {
        (TOP_DB - BOTTOM_DB) / self.plot.height()
    }

    /// The frequency under `x`.
    fn hz_at(&self, x: f32) -> f32 {
        grid_to_hz(((x - self.plot.left()) / self.plot.width()).clamp(0.0, 1.0))
    }

    /// The level at height `y`.
    fn db_at(&self, y: f32) -> f32 {
        BOTTOM_DB + (self.plot.bottom() - y) * self.db_per_point()
    }

    /// Where `node` sits on the threshold line `line_db` (per band).
    fn node_pos(&self, line_db: &[f32], node: &Node) -> Pos2 {
        let x = self.x_of_hz(node.hz);
        pos2(x, self.y_of_db(line_db[self.band_at(x)]))
    }

    /// The band under `x`.
    fn band_at(&self, x: f32) -> usize {
        let t = (x - self.plot.left()) / self.plot.width();
        ((t * BANDS as f32) as usize).min(BANDS - 1)
    }
}

impl SpectrumPlot {
    pub fn show(&mut self, ui: &mut Ui, rect: Rect, model: &Model, params: &mut impl ParamAccess) {
        let plot = Rect::from_min_max(
            pos2(rect.left() + AXIS_WIDTH, rect.top() + 4.0),
            pos2(rect.right() - 54.0, rect.bottom() - 16.0),
        );
        let geometry = Geometry { plot };
        let response = ui.interact(
            plot,
            ui.scope_id().with("spectrum-plot"),
            Sense::click_and_drag(),
        );

        let threshold_param = params.get(THRESHOLD);
        let absolute = params.get(REFERENCE) == REFERENCE_ABSOLUTE;
        let has_signal = model.latest().is_some();
        let valid = model.latest().map_or(BANDS, |c| c.valid_bands);

        // The floor the threshold is measured from, per band (none in absolute mode).
        let live_floor = |model: &Model| -> Option<[f32; BANDS]> {
            if absolute || !has_signal {
                return None;
            }
            let mut floor = [0.0; BANDS];
            for (value, threshold) in floor.iter_mut().zip(model.threshold_db()) {
                *value = threshold - threshold_param;
            }
            Some(floor)
        };

        let curve = params.curve();
        let tilt = params.get(specs::tilt_db.id);
        let pointer = response.interact_pointer_pos().or(response.hover_pos());
        let start_line = threshold_line(absolute, threshold_param, tilt, &curve, live_floor(model));
        let node_at = |pos: Pos2| -> Option<usize> {
            let line = start_line.as_ref()?;
            curve
                .nodes()
                .iter()
                .position(|node| geometry.node_pos(line, node).distance(pos) < NODE_GRAB)
        };

        // Gesture: the whole drag is one automation move; a drag that starts on a curve node
        // moves the node instead.
        if response.drag_started() {
            let origin = ui.input(|i| i.pointer.press_origin()).or(pointer);
            match origin.and_then(node_at) {
                Some(index) => {
                    self.node_drag = Some(NodeDrag {
                        index,
                        start: curve.nodes()[index],
                    })
                }
                None => {
                    params.begin_gesture(THRESHOLD);
                    self.drag = Some(Drag {
                        start_value: threshold_param,
                        floor_db: live_floor(model),
                    });
                }
            }
        }
        // (A state loaded mid-drag may have fewer nodes: then the drag holds nothing.)
        let dragged_node = self
            .node_drag
            .as_ref()
            .filter(|drag| response.dragged() && drag.index < curve.nodes().len());
        if let Some(drag) = dragged_node {
            let delta = response.total_drag_delta().unwrap_or_default();
            let mut nodes = curve.nodes().to_vec();
            // Between its neighbours, so the node keeps its place (and index).
            let low = drag
                .index
                .checked_sub(1)
                .map_or(LOW_HZ, |i| nodes[i].hz * 1.01);
            let high = nodes.get(drag.index + 1).map_or(HIGH_HZ, |n| n.hz / 1.01);
            let hz = geometry.hz_at(geometry.x_of_hz(drag.start.hz) + delta.x);
            nodes[drag.index] = Node {
                hz: hz.clamp(low, high.max(low)),
                db: drag.start.db - delta.y * geometry.db_per_point(),
            };
            params.set_curve(Curve::new(&nodes));
        }
        let mut threshold = threshold_param;
        if let (Some(drag), true) = (&self.drag, response.dragged()) {
            let delta = response.total_drag_delta().unwrap_or_default();
            let fine = if ui.input(|i| i.modifiers.shift) {
                0.1
            } else {
                1.0
            };
            threshold =
                clamp_threshold(drag.start_value - delta.y * geometry.db_per_point() * fine);
            if threshold != threshold_param {
                params.set(THRESHOLD, threshold);
            }
        }
        if response.drag_stopped() && self.drag.is_some() {
            params.end_gesture(THRESHOLD);
        }
        let floor = match &self.drag {
            Some(drag) => drag.floor_db,
            None => live_floor(model),
        };
        if !response.dragged() && !response.drag_started() {
            self.drag = None;
            self.node_drag = None;
        }
        if response.double_clicked() {
            let default = settings::spec(THRESHOLD).map_or(0.0, |spec| spec.default);
            params.set_in_one_gesture(THRESHOLD, default);
            threshold = default;
        }
        // Ctrl-click adds a node where the pointer is; a right-click removes one.
        let command = ui.input(|i| i.modifiers.command);
        if let (true, true, Some(pos), Some(line)) =
            (response.clicked(), command, pointer, &start_line)
        {
            if curve.nodes().len() < MAX_NODES {
                let hz = geometry.hz_at(pos.x);
                let lift = geometry.db_at(pos.y) - line[geometry.band_at(pos.x)];
                let mut nodes = curve.nodes().to_vec();
                nodes.push(Node {
                    hz,
                    db: curve.offset_db(hz) + lift,
                });
                params.set_curve(Curve::new(&nodes));
            }
        }
        if let Some(index) = pointer
            .filter(|_| response.secondary_clicked())
            .and_then(node_at)
        {
            let mut nodes = curve.nodes().to_vec();
            nodes.remove(index);
            params.set_curve(Curve::new(&nodes));
        }
        let curve = params.curve();

        // The threshold line in dBFS per band.
        let threshold_curve = threshold_line(absolute, threshold, tilt, &curve, floor);

        let hovered_line = response.hover_pos().is_some_and(|pos| {
            threshold_curve.as_ref().is_some_and(|curve| {
                let band = geometry.band_at(pos.x);
                (geometry.y_of_db(curve[band]) - pos.y).abs() < GRAB_DISTANCE
            })
        });
        if hovered_line || response.dragged() {
            ui.ctx().set_cursor_icon(CursorIcon::ResizeVertical);
        }

        let painter = ui.painter_at(rect);
        painter.rect_filled(plot, 0.0, theme::PLOT_BACKGROUND);
        draw_grid(&painter, &geometry);

        let clipped = painter.with_clip_rect(plot);
        if has_signal {
            let level = &model.level_db()[..valid];
            let output = &model.output_db()[..valid];
            // Input: a faint area with a thin line.
            fill_between(
                &clipped,
                &geometry,
                level,
                None,
                Color32::from_rgba_unmultiplied(168, 176, 190, 34),
            );
            // What the mask removes: between the input and the output.
            fill_between(
                &clipped,
                &geometry,
                level,
                Some(output),
                Color32::from_rgba_unmultiplied(62, 102, 168, 110),
            );
            clipped.add(polyline(&geometry, level, Stroke::new(1.0, theme::INPUT)));
            clipped.add(polyline(&geometry, output, Stroke::new(1.5, theme::OUTPUT)));
        }
        // The key, when it has a role: what gates, ducks or is the noise.
        let key_db = model.key_db().filter(|_| has_signal);
        if let Some(key_db) = key_db {
            clipped.add(polyline(
                &geometry,
                &key_db[..valid],
                Stroke::new(1.3, theme::KEY),
            ));
        }
        if let Some(floor) = &floor {
            let points: Vec<Pos2> = (0..valid)
                .map(|band| pos2(geometry.x_of_band(band), geometry.y_of_db(floor[band])))
                .collect();
            clipped.extend(Shape::dashed_line(
                &points,
                Stroke::new(1.3, theme::NOISE_FLOOR),
                5.0,
                3.0,
            ));
        }
        let active = hovered_line || response.dragged();
        if let Some(curve_db) = &threshold_curve {
            let width = if active { 2.5 } else { 1.8 };
            clipped.add(polyline(
                &geometry,
                &curve_db[..valid],
                Stroke::new(width, theme::ACCENT),
            ));
            for node in curve.nodes() {
                let at = geometry.node_pos(curve_db, node);
                clipped.circle(
                    at,
                    NODE_RADIUS,
                    theme::PLOT_BACKGROUND,
                    Stroke::new(2.0, theme::ACCENT),
                );
            }
            let right_db = curve_db[valid.saturating_sub(1).min(BANDS - 1)];
            threshold_tag(&painter, &geometry, right_db, threshold, active);
        } else {
            painter.text(
                plot.center(),
                Align2::CENTER_CENTER,
                "waiting for signal",
                theme::body(),
                theme::TEXT_FAINT,
            );
        }

        draw_legend(&painter, plot, floor.is_some(), key_db.is_some());
        painter.rect_stroke(
            plot,
            0.0,
            Stroke::new(1.0, theme::PANEL_EDGE),
            egui::StrokeKind::Outside,
        );
        response.on_hover_text_at_pointer(
            "Drag up or down to move the threshold (Shift: fine). Double-click: default. \
             Ctrl-click: add a curve node; drag a node to move it, right-click to remove it.",
        );
    }
}

/// The threshold line in dBFS per band: the threshold with the tilt and curve against full
/// scale, or over the floor, whose published thresholds carry tilt and curve already.
fn threshold_line(
    absolute: bool,
    threshold: f32,
    tilt: f32,
    curve: &Curve,
    floor: Option<[f32; BANDS]>,
) -> Option<Vec<f32>> {
    if absolute {
        Some(
            (0..BANDS)
                .map(|band| {
                    let hz = band_center_hz(band);
                    threshold + offset_db(tilt, hz) + curve.offset_db(hz)
                })
                .collect(),
        )
    } else {
        floor.map(|floor| floor.iter().map(|f| f + threshold).collect())
    }
}

fn clamp_threshold(value: f32) -> f32 {
    match settings::spec(THRESHOLD).map(|spec| spec.kind) {
        Some(ParamKind::Float { min, max, .. }) => value.clamp(min, max),
        _ => value,
    }
}

fn polyline(geometry: &Geometry, values_db: &[f32], stroke: Stroke) -> Shape {
    let points: Vec<Pos2> = values_db
        .iter()
        .enumerate()
        .map(|(band, &db)| pos2(geometry.x_of_band(band), geometry.y_of_db(db)))
        .collect();
    Shape::line(points, stroke)
}

/// Fills between `top` and `bottom` (the plot's floor when `None`) band by band.
fn fill_between(
    painter: &Painter,
    geometry: &Geometry,
    top: &[f32],
    bottom: Option<&[f32]>,
    color: Color32,
) {
    if top.len() < 2 {
        return;
    }
    let mut mesh = Mesh::default();
    for (band, &upper) in top.iter().enumerate() {
        let x = geometry.x_of_band(band);
        let lower = bottom.map_or(geometry.plot.bottom(), |b| geometry.y_of_db(b[band]));
        let upper = geometry.y_of_db(upper).min(lower);
        mesh.colored_vertex(pos2(x, upper), color);
        mesh.colored_vertex(pos2(x, lower), color);
    }
    for i in 0..top.len() as u32 - 1 {
        let a = 2 * i;
        mesh.add_triangle(a, a + 1, a + 2);
        mesh.add_triangle(a + 1, a + 3, a + 2);
    }
    painter.add(Shape::mesh(mesh));
}

fn draw_grid(painter: &Painter, geometry: &Geometry) {
    let plot = geometry.plot;
    let grid = Stroke::new(1.0, Color32::from_rgba_unmultiplied(255, 255, 255, 14));
    let mut db = TOP_DB;
    while db >= BOTTOM_DB {
        let y = geometry.y_of_db(db);
        painter.hline(plot.x_range(), y, grid);
        painter.text(
            pos2(plot.left() - 5.0, y),
            Align2::RIGHT_CENTER,
            format!("{db:.0}"),
            theme::small(),
            theme::TEXT_DIM,
        );
        db -= 20.0;
    }
    for (hz, label) in FREQUENCY_LABELS {
        let x = geometry.x_of_hz(hz);
        painter.vline(x, plot.y_range(), grid);
        painter.text(
            pos2(x, plot.bottom() + 3.0),
            Align2::CENTER_TOP,
            label,
            theme::small(),
            theme::TEXT_DIM,
        );
    }
    painter.text(
        pos2(plot.right() + 4.0, plot.bottom() + 3.0),
        Align2::LEFT_TOP,
        "Hz",
        theme::small(),
        theme::TEXT_FAINT,
    );
    painter.text(
        pos2(plot.left() - 5.0, plot.bottom() + 3.0),
        Align2::RIGHT_TOP,
        "dBFS",
        theme::small(),
        theme::TEXT_FAINT,
    );
}

/// The threshold's value on a tag at the right end of its curve.
fn threshold_tag(painter: &Painter, geometry: &Geometry, y_db: f32, threshold: f32, active: bool) {
    let plot = geometry.plot;
    let y = geometry
        .y_of_db(y_db)
        .clamp(plot.top() + 8.0, plot.bottom() - 8.0);
    let text = format_value(THRESHOLD, threshold);
    let galley = painter.layout_no_wrap(text, theme::small(), theme::BACKGROUND);
    let size = galley.size() + vec2(10.0, 4.0);
    let tag = Rect::from_min_size(pos2(plot.right() + 3.0, y - size.y / 2.0), size);
    let fill = if active {
        theme::ACCENT
    } else {
        Color32::from_rgb(0x2f, 0xa6, 0xc0)
    };
    painter.add(Shape::convex_polygon(
        vec![
            pos2(plot.right() - 3.0, y),
            pos2(tag.left(), tag.top()),
            pos2(tag.right(), tag.top()),
            pos2(tag.right(), tag.bottom()),
            pos2(tag.left(), tag.bottom()),
        ],
        fill,
        Stroke::NONE,
    ));
    painter.galley(tag.min + vec2(5.0, 2.0), galley, theme::BACKGROUND);
}

/// What each curve is, in the plot's top-left corner.
fn draw_legend(painter: &Painter, plot: Rect, with_floor: bool, with_key: bool) {
    let mut x = plot.left() + 8.0;
    let y = plot.top() + 9.0;
    let mut entry = |label: &str, color: Color32, dashed: bool| {
        let from = pos2(x, y);
        let to = pos2(x + 14.0, y);
        if dashed {
            painter.extend(Shape::dashed_line(
                &[from, to],
                Stroke::new(1.5, color),
                4.0,
                2.0,
            ));
        } else {
            painter.line_segment([from, to], Stroke::new(2.0, color));
        }
        let rect = painter.text(
            pos2(x + 18.0, y),
            Align2::LEFT_CENTER,
            label,
            theme::small(),
            theme::TEXT_DIM,
        );
        x = rect.right() + 12.0;
    };
    entry("Input", theme::INPUT, false);
    entry("Output", theme::OUTPUT, false);
    entry("Threshold", theme::ACCENT, false);
    if with_key {
        entry("Key", theme::KEY, false);
    }
    if with_floor {
        entry("Noise floor", theme::NOISE_FLOOR, true);
    }
    let reduction = Rect::from_center_size(pos2(x + 7.0, y), vec2(14.0, 8.0));
    painter.rect_filled(
        reduction,
        1.0,
        Color32::from_rgba_unmultiplied(62, 102, 168, 150),
    );
    painter.text(
        pos2(x + 18.0, y),
        Align2::LEFT_CENTER,
        "Reduction",
        theme::small(),
        theme::TEXT_DIM,
    );
}
