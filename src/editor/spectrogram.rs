//! The scrolling spectrogram: time to the right, log frequency up, level in magma, the mask
//! tinted over it. The picture lives in one texture of [`HISTORY_COLUMNS`] × [`BANDS`]
//! texels used as a ring: each frame only the new columns are uploaded (a partial update),
//! and the ring is drawn as two quads so that it scrolls without moving any pixels.

use egui::{
    pos2, vec2, Align2, Color32, ColorImage, Rect, Response, Sense, Stroke, TextureHandle,
    TextureOptions, Ui,
};

use super::model::{Model, HISTORY_COLUMNS, PIXEL_SECONDS};
use super::theme;
use crate::analysis::Column;
use crate::viz::bands::{hz_to_grid, BANDS};
use crate::viz::colormap::{ColorMap, Rgb};
use crate::viz::{gain_db, mask_position, unit_position, MASK_RANGE_DB};

/// Frequencies labelled on the axes.
pub const FREQUENCY_LABELS: [(f32, &str); 9] = [
    (50.0, "50"),
    (100.0, "100"),
    (200.0, "200"),
    (500.0, "500"),
    (1000.0, "1k"),
    (2000.0, "2k"),
    (5000.0, "5k"),
    (10000.0, "10k"),
    (20000.0, "20k"),
];

/// What the spectrogram shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpectrogramMode {
    /// The input level, with the mask tinted over it.
    #[default]
    Input,
    /// The output level: input level plus the gain in dB.
    Output,
    /// The gain alone.
    Mask,
}

impl SpectrogramMode {
    pub const ALL: [SpectrogramMode; 3] = [
        SpectrogramMode::Input,
        SpectrogramMode::Output,
        SpectrogramMode::Mask,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SpectrogramMode::Input => "Input",
            SpectrogramMode::Output => "Output",
            SpectrogramMode::Mask => "Mask",
        }
    }
}

/// Reduction at which the tint is at its strongest: a soft gate's default floor.
const TINT_FULL_DB: f32 = 24.0;

/// Everything the pixels depend on besides the columns: a change repaints the whole ring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub mode: SpectrogramMode,
    /// Level at the bottom and the top of the colour map, dBFS.
    pub low_db: f32,
    pub high_db: f32,
    /// Tint reduced bins in the input view.
    pub overlay: bool,
}

/// The texture ring and what it holds.
pub struct Spectrogram {
    texture: Option<TextureHandle>,
    /// Model columns (by count) already in the texture.
    painted: u64,
    look: Option<Look>,
    magma: ColorMap,
    ice: ColorMap,
}

impl Default for Spectrogram {
    fn default() -> Self {
        Self::new()
    }
}

const TEXTURE_OPTIONS: TextureOptions = TextureOptions::LINEAR;

impl Spectrogram {
    pub fn new() -> Self {
        Self {
            texture: None,
            painted: 0,
            look: None,
            magma: ColorMap::magma(),
            ice: ColorMap::ice(),
        }
    }

    /// Forgets the texture, e.g. when the window (and its egui context) was closed.
    pub fn reset(&mut self) {
        self.texture = None;
        self.look = None;
        self.painted = 0;
    }

    /// Brings the texture up to date with the model: the new columns only, or everything
    /// when the look changed or the ring was overrun.
    fn sync(&mut self, ctx: &egui::Context, model: &Model, look: Look) {
        let written = model.written();
        let full = self.texture.is_none()
            || self.look != Some(look)
            || written < self.painted
            || written - self.painted >= HISTORY_COLUMNS as u64;
        if full {
            let mut pixels = Vec::with_capacity(HISTORY_COLUMNS * BANDS);
            for row in 0..BANDS {
                for slot in 0..HISTORY_COLUMNS {
                    pixels.push(if (slot as u64) < written {
                        self.texel(model.slot(slot), BANDS - 1 - row, look)
                    } else {
                        theme::PLOT_BACKGROUND
                    });
                }
            }
            let image = ColorImage::new([HISTORY_COLUMNS, BANDS], pixels);
            match &mut self.texture {
                Some(texture) => texture.set(image, TEXTURE_OPTIONS),
                None => {
                    self.texture =
                        Some(ctx.load_texture("spectral-mask-spectrogram", image, TEXTURE_OPTIONS))
                }
            }
        } else {
            // Up to two runs of slots: before and after the ring wraps.
            let mut start = self.painted;
            while start < written {
                let first_slot = (start % HISTORY_COLUMNS as u64) as usize;
                let run = ((written - start) as usize).min(HISTORY_COLUMNS - first_slot);
                // egui takes ownership of the pixels it uploads, so each update is a new
                // buffer of just the new columns (typically 1-2 × 256 texels per frame).
                let mut pixels = Vec::with_capacity(run * BANDS);
                for row in 0..BANDS {
                    for slot in first_slot..first_slot + run {
                        pixels.push(self.texel(model.slot(slot), BANDS - 1 - row, look));
                    }
                }
                let image = ColorImage::new([run, BANDS], pixels);
                if let Some(texture) = &mut self.texture {
                    texture.set_partial([first_slot, 0], image, TEXTURE_OPTIONS);
                }
                start += run as u64;
            }
        }
        self.painted = written;
        self.look = Some(look);
    }

    /// The colour of band `band` of `column`.
    fn texel(&self, column: &Column, band: usize, look: Look) -> Color32 {
        if band >= column.valid_bands {
            return theme::PLOT_BACKGROUND;
        }
        let level = column.level_db[band];
        let gain = gain_db(column.gain[band]);
        let level_at = |db: f32| color(self.magma.at(unit_position(db, look.low_db, look.high_db)));
        match look.mode {
            SpectrogramMode::Input => {
                let shade = level_at(level);
                if look.overlay {
                    tint(shade, (-gain / TINT_FULL_DB).clamp(0.0, 1.0))
                } else {
                    shade
                }
            }
            SpectrogramMode::Output => level_at(level + gain),
            SpectrogramMode::Mask => color(self.ice.at(mask_position(column.gain[band]))),
        }
    }

    /// Draws the spectrogram with its axes and legend into `rect`. Returns the response of
    /// the legend (dragging it shifts the level range).
    pub fn show(&mut self, ui: &mut Ui, rect: Rect, model: &Model, look: Look) -> Response {
        self.sync(ui.ctx(), model, look);
        let painter = ui.painter_at(rect);
        let layout = SpectrogramLayout::new(rect);
        let plot = layout.plot;
        painter.rect_filled(plot, 0.0, theme::PLOT_BACKGROUND);

        // One texture column per point (stretched when the plot is wider than the
        // history), newest at the right edge.
        let points_per_column = (plot.width() / HISTORY_COLUMNS as f32).max(1.0);
        let visible = ((plot.width() / points_per_column).floor() as usize).min(HISTORY_COLUMNS);
        let shown = visible.min(model.written() as usize);
        if let (Some(texture), true) = (&self.texture, shown > 0) {
            let written = model.written();
            let oldest = written - shown as u64;
            let mut x = plot.right() - shown as f32 * points_per_column;
            let mut start = oldest;
            while start < written {
                let slot = (start % HISTORY_COLUMNS as u64) as usize;
                let run = ((written - start) as usize).min(HISTORY_COLUMNS - slot);
                let width = run as f32 * points_per_column;
                let quad = Rect::from_min_max(pos2(x, plot.top()), pos2(x + width, plot.bottom()));
                let uv = Rect::from_min_max(
                    pos2(slot as f32 / HISTORY_COLUMNS as f32, 0.0),
                    pos2((slot + run) as f32 / HISTORY_COLUMNS as f32, 1.0),
                );
                painter.image(texture.id(), quad, uv, Color32::WHITE);
                x += width;
                start += run as u64;
            }
        }

        // Frequency grid and labels.
        let label_color = theme::TEXT_DIM;
        for (hz, label) in FREQUENCY_LABELS {
            let y = layout.y_of_hz(hz);
            painter.hline(
                plot.x_range(),
                y,
                Stroke::new(1.0, Color32::from_rgba_unmultiplied(255, 255, 255, 18)),
            );
            painter.text(
                pos2(plot.left() - 5.0, y),
                Align2::RIGHT_CENTER,
                label,
                theme::small(),
                label_color,
            );
        }
        painter.text(
            pos2(plot.left() - 5.0, plot.top() - 1.0),
            Align2::RIGHT_BOTTOM,
            "Hz",
            theme::small(),
            theme::TEXT_FAINT,
        );

        // Time ticks: seconds before now.
        let seconds_visible = visible as f32 * PIXEL_SECONDS;
        let step = if seconds_visible > 6.0 { 2 } else { 1 };
        let mut second = 0;
        while second as f32 <= seconds_visible {
            let x = plot.right() - second as f32 / PIXEL_SECONDS * points_per_column;
            if x >= plot.left() {
                painter.vline(
                    x,
                    plot.bottom()..=plot.bottom() + 3.0,
                    Stroke::new(1.0, theme::GRID_STRONG),
                );
                let text = if second == 0 {
                    "now".to_string()
                } else {
                    format!("-{second} s")
                };
                let anchor = if second == 0 {
                    Align2::RIGHT_TOP
                } else {
                    Align2::CENTER_TOP
                };
                painter.text(
                    pos2(x, plot.bottom() + 3.0),
                    anchor,
                    text,
                    theme::small(),
                    label_color,
                );
            }
            second += step;
        }
        painter.rect_stroke(
            plot,
            0.0,
            Stroke::new(1.0, theme::PANEL_EDGE),
            egui::StrokeKind::Outside,
        );

        self.legend(ui, &layout, look)
    }

    /// The colour bar, with dB ticks; drag it to move the range.
    fn legend(&self, ui: &mut Ui, layout: &SpectrogramLayout, look: Look) -> Response {
        let bar = layout.legend;
        let response = ui.interact(
            bar.expand2(vec2(4.0, 0.0)),
            ui.scope_id().with("spectrogram-legend"),
            Sense::click_and_drag(),
        );
        let painter = ui.painter_at(layout.outer);
        // A stack of thin quads, one per 2 points: smooth enough at any height.
        let steps = (bar.height() / 2.0).ceil().max(1.0) as usize;
        for i in 0..steps {
            let t0 = i as f32 / steps as f32;
            let t1 = (i + 1) as f32 / steps as f32;
            let t = 0.5 * (t0 + t1);
            let fill = match look.mode {
                SpectrogramMode::Mask => color(self.ice.at(t)),
                _ => color(self.magma.at(t)),
            };
            let y0 = bar.bottom() - t1 * bar.height();
            let y1 = bar.bottom() - t0 * bar.height();
            painter.rect_filled(
                Rect::from_x_y_ranges(bar.x_range(), y0..=y1 + 0.5),
                0.0,
                fill,
            );
        }
        let edge = if response.hovered() || response.dragged() {
            theme::ACCENT
        } else {
            theme::PANEL_EDGE
        };
        painter.rect_stroke(bar, 0.0, Stroke::new(1.0, edge), egui::StrokeKind::Outside);

        let (low, high, unit) = match look.mode {
            SpectrogramMode::Mask => (-MASK_RANGE_DB, 0.0, "dB gain"),
            _ => (look.low_db, look.high_db, "dBFS"),
        };
        let span = high - low;
        let tick = if span > 60.0 { 20.0 } else { 12.0 };
        let mut value = (low / tick).ceil() * tick;
        while value <= high + 1e-3 {
            let y = bar.bottom() - (value - low) / span * bar.height();
            painter.hline(
                bar.right()..=bar.right() + 3.0,
                y,
                Stroke::new(1.0, theme::TEXT_FAINT),
            );
            painter.text(
                pos2(bar.right() + 5.0, y),
                Align2::LEFT_CENTER,
                format!("{value:.0}"),
                theme::small(),
                theme::TEXT_DIM,
            );
            value += tick;
        }
        painter.text(
            pos2(bar.center().x, bar.top() - 3.0),
            Align2::CENTER_BOTTOM,
            unit,
            theme::small(),
            theme::TEXT_FAINT,
        );
        response
    }
}

/// Turns a level colour towards a cold steel blue by `amount` (0..1, the reduction), keeping
/// its brightness so that what the mask removes stays readable under the tint while what
/// passes keeps the warm colours of the map.
fn tint(color: Color32, amount: f32) -> Color32 {
    if amount <= 0.0 {
        return color;
    }
    let [r, g, b, _] = color.to_array();
    let luminance = (0.2126 * r as f32 + 0.7152 * g as f32 + 0.0722 * b as f32) / 255.0;
    // Never fully black, so that a silent but masked region still reads as masked.
    let value = 255.0 * (0.05 + 0.55 * luminance.sqrt());
    let target = [0.50 * value, 0.66 * value, 1.0 * value];
    let weight = 0.9 * amount;
    let mix =
        |from: u8, to: f32| (from as f32 + weight * (to.min(255.0) - from as f32)).round() as u8;
    Color32::from_rgb(mix(r, target[0]), mix(g, target[1]), mix(b, target[2]))
}

/// Where the parts of the spectrogram go in its rect.
pub struct SpectrogramLayout {
    pub outer: Rect,
    pub plot: Rect,
    pub legend: Rect,
}

/// Room for "10k" and the tick at the left of a plot.
pub const AXIS_WIDTH: f32 = 34.0;
const LEGEND_WIDTH: f32 = 12.0;
const LEGEND_LABELS: f32 = 30.0;

impl SpectrogramLayout {
    pub fn new(outer: Rect) -> Self {
        let plot = Rect::from_min_max(
            pos2(outer.left() + AXIS_WIDTH, outer.top() + 14.0),
            pos2(
                outer.right() - LEGEND_WIDTH - LEGEND_LABELS - 12.0,
                outer.bottom() - 16.0,
            ),
        );
        let legend = Rect::from_min_max(
            pos2(plot.right() + 10.0, plot.top()),
            pos2(plot.right() + 10.0 + LEGEND_WIDTH, plot.bottom()),
        );
        Self {
            outer,
            plot,
            legend,
        }
    }

    /// The height of a frequency: band centres sit at the texel centres.
    pub fn y_of_hz(&self, hz: f32) -> f32 {
        self.plot.bottom() - hz_to_grid(hz) * self.plot.height()
    }
}

/// A viz colour as egui's.
fn color([r, g, b]: Rgb) -> Color32 {
    Color32::from_rgb(r, g, b)
}
