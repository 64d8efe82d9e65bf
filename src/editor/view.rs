//! The editor's layout: a header (view switch, latency, alias meter, learn), the
//! spectrogram over the spectrum on the left, the parameters on the right.
//! [`draw`] is all of it; it needs only an egui `Ui`, the [`Model`] and a [`ParamAccess`].

use egui::{pos2, vec2, Align2, Color32, Rect, Sense, Stroke, Ui, UiBuilder};

pub use super::spectrogram::SpectrogramMode;

use super::controls::{self, ROW_HEIGHT};
use super::model::Model;
use super::presets::{self, Library, Menu};
use super::spectrogram::{Look, Spectrogram};
use super::spectrum::SpectrumPlot;
use super::{latency_ms, settings_of, theme, ParamAccess};
use crate::processor::stft_config;
use crate::settings::{specs, ParamKind, ParamSpec, Section, PARAMS};

/// Colour map range the spectrogram opens with, dBFS: white noise at -30 dBFS RMS reads
/// -55 dB per bin of a 2048-point Hann frame and loud harmonics -15 dB, so both sit well
/// inside the map.
pub const DEFAULT_LOW_DB: f32 = -100.0;
pub const DEFAULT_HIGH_DB: f32 = -10.0;

const HEADER_HEIGHT: f32 = 40.0;
const PANEL_WIDTH: f32 = 272.0;
const GAP: f32 = 8.0;

/// Editor-only state that is not a parameter: what the spectrogram shows, its range, the
/// texture, drags in progress.
pub struct ViewState {
    pub mode: SpectrogramMode,
    pub overlay: bool,
    pub low_db: f32,
    pub high_db: f32,
    spectrogram: Spectrogram,
    spectrum: SpectrumPlot,
    themed: bool,
    legend_drag_start: Option<(f32, f32)>,
    presets: Menu,
}

impl Default for ViewState {
    fn default() -> Self {
        Self::new()
    }
}

impl ViewState {
    /// With the factory presets and the user's from the config folder.
    pub fn new() -> Self {
        Self::with_presets(Library::new())
    }

    /// With the presets of `library` (tests use a folder of their own).
    pub fn with_presets(library: Library) -> Self {
        Self {
            mode: SpectrogramMode::Input,
            overlay: true,
            low_db: DEFAULT_LOW_DB,
            high_db: DEFAULT_HIGH_DB,
            spectrogram: Spectrogram::new(),
            spectrum: SpectrumPlot::default(),
            themed: false,
            legend_drag_start: None,
            presets: Menu::new(library),
        }
    }

    /// Call when the window (and so the egui context and its textures) is made anew.
    pub fn window_opened(&mut self) {
        self.spectrogram.reset();
        self.themed = false;
    }
}

/// Draws the whole editor into `ui`'s available rect.
pub fn draw(ui: &mut Ui, state: &mut ViewState, model: &Model, params: &mut impl ParamAccess) {
    if !state.themed {
        theme::apply(ui.ctx());
        state.themed = true;
    }
    let full = ui.max_rect();
    ui.painter().rect_filled(full, 0.0, theme::BACKGROUND);

    let header = Rect::from_min_size(full.min, vec2(full.width(), HEADER_HEIGHT));
    let body = Rect::from_min_max(pos2(full.left(), header.bottom()), full.max);
    let panel = Rect::from_min_max(
        pos2(body.right() - PANEL_WIDTH, body.top()),
        pos2(body.right(), body.bottom()),
    )
    .shrink2(vec2(GAP, GAP));
    let main = Rect::from_min_max(
        pos2(body.left() + GAP, body.top() + GAP),
        pos2(panel.left() - GAP, body.bottom() - GAP),
    );

    draw_header(ui, header, state, model, params);

    let spectrogram_height = (main.height() * 0.56).round();
    let spectrogram_rect = Rect::from_min_size(main.min, vec2(main.width(), spectrogram_height));
    let spectrum_rect =
        Rect::from_min_max(pos2(main.left(), spectrogram_rect.bottom() + GAP), main.max);
    card(ui, spectrogram_rect);
    card(ui, spectrum_rect);

    let look = Look {
        mode: state.mode,
        low_db: state.low_db,
        high_db: state.high_db,
        overlay: state.overlay,
    };
    let legend = state
        .spectrogram
        .show(ui, spectrogram_rect.shrink(6.0), model, look);
    if legend.drag_started() {
        state.legend_drag_start = Some((state.low_db, state.high_db));
    }
    if let (Some((low, high)), true) = (state.legend_drag_start, legend.dragged()) {
        let dy = legend.total_drag_delta().unwrap_or_default().y;
        let shift = dy * (high - low) / legend.rect.height().max(1.0);
        state.low_db = (low + shift).clamp(-200.0, -20.0);
        state.high_db = state.low_db + (high - low);
    }
    if legend.drag_stopped() {
        state.legend_drag_start = None;
    }
    if legend.double_clicked() {
        state.low_db = DEFAULT_LOW_DB;
        state.high_db = DEFAULT_HIGH_DB;
    }
    legend.on_hover_text("Level range: drag to shift, double-click to reset");

    state
        .spectrum
        .show(ui, spectrum_rect.shrink(6.0), model, params);

    card(ui, panel);
    draw_panel(
        ui,
        panel.shrink2(vec2(12.0, 6.0)),
        &mut state.presets,
        params,
    );
}

/// A rounded panel behind a group.
fn card(ui: &Ui, rect: Rect) {
    ui.painter().rect_filled(rect, 4.0, theme::PANEL);
    ui.painter().rect_stroke(
        rect,
        4.0,
        Stroke::new(1.0, theme::PANEL_EDGE),
        egui::StrokeKind::Inside,
    );
}

fn draw_header(
    ui: &mut Ui,
    rect: Rect,
    state: &mut ViewState,
    model: &Model,
    params: &mut impl ParamAccess,
) {
    let painter = ui.painter().clone();
    painter.rect_filled(rect, 0.0, Color32::from_rgb(0x14, 0x16, 0x1b));
    painter.hline(
        rect.x_range(),
        rect.bottom() - 0.5,
        Stroke::new(1.0, theme::PANEL_EDGE),
    );
    let center_y = rect.center().y;

    // Title.
    let title = painter.text(
        pos2(rect.left() + 14.0, center_y),
        Align2::LEFT_CENTER,
        "SPECTRAL MASK",
        theme::heading(),
        theme::TEXT,
    );
    // Narrow windows drop the subtitle and tighten the meters rather than overlap.
    let compact = rect.width() < 960.0;
    let mut x = title.right() + 16.0;
    if !compact {
        let subtitle = painter.text(
            pos2(title.right() + 10.0, center_y + 1.0),
            Align2::LEFT_CENTER,
            "alias-free STFT gate",
            theme::small(),
            theme::TEXT_FAINT,
        );
        x = subtitle.right() + 24.0;
    }
    let switch_height = 24.0;
    let segment_width = 62.0;
    let switch = Rect::from_min_size(
        pos2(x, center_y - switch_height / 2.0),
        vec2(segment_width * 3.0, switch_height),
    );
    let labels = SpectrogramMode::ALL.map(|mode| mode.label());
    let selected = SpectrogramMode::ALL
        .iter()
        .position(|mode| *mode == state.mode)
        .unwrap_or(0);
    let clicked = controls::segment_buttons(
        ui,
        switch,
        "view-mode",
        &labels,
        selected,
        theme::body(),
        |index| match SpectrogramMode::ALL[index] {
            SpectrogramMode::Input => "Spectrogram of the input, the mask tinted over it",
            SpectrogramMode::Output => "Spectrogram of the output (input level plus gain)",
            SpectrogramMode::Mask => "The gain per bin: bright passes, dark is reduced",
        },
    );
    if let Some(index) = clicked {
        state.mode = SpectrogramMode::ALL[index];
    }
    x = switch.right() + 8.0;

    // Overlay switch (only meaningful in the input view).
    let overlay = Rect::from_min_size(pos2(x, switch.top()), vec2(96.0, switch_height));
    let response = ui
        .interact(overlay, ui.scope_id().with("overlay"), Sense::click())
        .on_hover_text("Tint what the mask reduces on the input spectrogram");
    if response.clicked() {
        state.overlay = !state.overlay;
    }
    let enabled = state.mode == SpectrogramMode::Input;
    let lamp = if state.overlay && enabled {
        theme::REDUCTION
    } else {
        theme::TEXT_FAINT
    };
    theme::outline(&painter, overlay, theme::PANEL_EDGE);
    painter.rect_filled(
        Rect::from_center_size(pos2(overlay.left() + 12.0, center_y), vec2(9.0, 9.0)),
        2.0,
        lamp,
    );
    painter.text(
        pos2(overlay.left() + 22.0, center_y),
        Align2::LEFT_CENTER,
        "Mask overlay",
        theme::small(),
        if enabled {
            theme::TEXT
        } else {
            theme::TEXT_FAINT
        },
    );

    // Right side, from the right edge: learn, alias meter, latency.
    let learn = Rect::from_min_size(
        pos2(rect.right() - 14.0 - 104.0, switch.top()),
        vec2(104.0, switch_height),
    );
    let learn_spec = &specs::learn;
    let learning = params.get(learn_spec.id) >= 0.5;
    controls::toggle(
        ui,
        params,
        learn_spec.id,
        if learning {
            "LEARNING…"
        } else {
            learn_spec.editor.label
        },
        learn,
        theme::LEARN,
    );

    let meter_width = if compact { 140.0 } else { 170.0 };
    let gap = if compact { 12.0 } else { 16.0 };
    let meter = Rect::from_min_size(
        pos2(learn.left() - gap - meter_width, switch.top()),
        vec2(meter_width, switch_height),
    );
    draw_alias_meter(ui, meter, model.alias_db());

    let settings = settings_of(params);
    let config = stft_config(&settings);
    let latency = config.latency_samples();
    let sample_rate = model.sample_rate();
    let latency_right = meter.left() - gap;
    let value = painter.text(
        pos2(latency_right, center_y - 6.0),
        Align2::RIGHT_CENTER,
        format!("{:.1} ms", latency_ms(latency, sample_rate)),
        theme::body(),
        theme::TEXT,
    );
    painter.text(
        pos2(latency_right, center_y + 8.0),
        Align2::RIGHT_CENTER,
        format!("{latency} samples"),
        theme::small(),
        theme::TEXT_DIM,
    );
    painter.text(
        pos2(value.left() - 8.0, center_y),
        Align2::RIGHT_CENTER,
        "LATENCY",
        theme::small(),
        theme::TEXT_FAINT,
    );
    let latency_rect = Rect::from_min_max(
        pos2(value.left() - 60.0, rect.top()),
        pos2(latency_right, rect.bottom()),
    );
    ui.interact(latency_rect, ui.scope_id().with("latency"), Sense::hover())
        .on_hover_text(format!(
            "Reported to the host: N - 1 + (M - N)/2 = {} - 1 + ({} - {})/2 samples at {:.1} kHz",
            config.window_size,
            config.transform_size(),
            config.window_size,
            sample_rate / 1000.0
        ));
}

/// The alias rejection of the latest mask: energy of its impulse response inside the
/// alias-free span over the energy that wraps around, as a bar over 0..60 dB.
fn draw_alias_meter(ui: &mut Ui, rect: Rect, rejection_db: Option<f32>) {
    let painter = ui.painter();
    const FULL_SCALE_DB: f32 = 60.0;
    let label = painter.text(
        pos2(rect.left(), rect.center().y),
        Align2::LEFT_CENTER,
        "ALIAS",
        theme::small(),
        theme::TEXT_FAINT,
    );
    let bar = Rect::from_min_max(
        pos2(label.right() + 6.0, rect.center().y - 4.0),
        pos2(rect.right() - 58.0, rect.center().y + 4.0),
    );
    painter.rect_filled(bar, 2.0, Color32::from_rgb(0x1e, 0x22, 0x29));
    let (text, color) = match rejection_db {
        None => ("--".to_string(), theme::TEXT_FAINT),
        Some(db) => {
            let color = if db >= 30.0 {
                theme::GOOD
            } else if db >= 18.0 {
                theme::WARNING
            } else {
                theme::DANGER
            };
            let fraction = if db.is_finite() {
                (db / FULL_SCALE_DB).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let filled = Rect::from_min_max(
                bar.min,
                pos2(bar.left() + fraction * bar.width(), bar.bottom()),
            );
            painter.rect_filled(filled, 2.0, color.gamma_multiply(0.85));
            let text = if db.is_finite() && db < 99.5 {
                format!("{db:.1} dB")
            } else {
                "> 99 dB".to_string()
            };
            (text, color)
        }
    };
    // Ticks at the kernels' design figures (Moorer: 5 points about 23 dB, 7 over 30 dB).
    for tick in [20.0, 40.0] {
        let x = bar.left() + tick / FULL_SCALE_DB * bar.width();
        painter.vline(x, bar.y_range(), Stroke::new(1.0, theme::BACKGROUND));
    }
    painter.text(
        pos2(rect.right(), rect.center().y),
        Align2::RIGHT_CENTER,
        text,
        theme::body(),
        color,
    );
    ui.interact(rect, ui.scope_id().with("alias-meter"), Sense::hover())
        .on_hover_text(
            "Time-aliasing rejection of the current mask: energy of its impulse response \
             inside the alias-free M - N + 1 samples over the energy that wraps around. \
             Higher is cleaner; smoothing kernels and padding raise it.",
        );
}

/// The rows of one panel section: the parameters declared in it, in declaration order, each
/// drawn by its kind; toggles share rows two by two.
fn section_rows(section: Section) -> Vec<Vec<&'static ParamSpec>> {
    let mut rows: Vec<Vec<&'static ParamSpec>> = Vec::new();
    for spec in PARAMS.iter().filter(|spec| spec.editor.section == section) {
        match rows.last_mut() {
            Some(last)
                if spec.kind == ParamKind::Toggle
                    && last.len() == 1
                    && last[0].kind == ParamKind::Toggle =>
            {
                last.push(spec)
            }
            _ => rows.push(vec![spec]),
        }
    }
    rows
}

fn draw_panel(ui: &mut Ui, rect: Rect, menu: &mut Menu, params: &mut impl ParamAccess) {
    let width = rect.width();
    let mut child = ui.new_child(UiBuilder::new().max_rect(rect));
    let ui = &mut child;
    let sections: Vec<(&str, Vec<Vec<&ParamSpec>>)> = Section::PANEL
        .iter()
        .map(|&(section, title)| (title, section_rows(section)))
        .collect();
    // Spread the rows over the height there is: the rows and the footer line (a row
    // high), the section titles, and a gap after each of them.
    // The preset row is one more.
    let rows = sections.iter().map(|(_, rows)| rows.len()).sum::<usize>() as f32 + 2.0;
    let titles = sections.len() as f32;
    let fixed_height = rows * ROW_HEIGHT + titles * controls::SECTION_HEIGHT + 18.0;
    let spacing = ((rect.height() - fixed_height) / (rows + titles)).clamp(2.0, 9.0);
    ui.spacing_mut().item_spacing = vec2(0.0, spacing);

    presets::row(ui, menu, params, width);

    for (title, rows) in &sections {
        controls::section(ui, title, width);
        for row in rows {
            match row.as_slice() {
                [spec] if spec.kind != ParamKind::Toggle => {
                    controls::control(ui, params, spec, width)
                }
                toggles => {
                    let (area, _) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::hover());
                    let half = (width - 6.0) / 2.0;
                    for (index, spec) in toggles.iter().enumerate() {
                        let left = area.min + vec2(index as f32 * (half + 6.0), 0.0);
                        let colour = if spec.editor.caution {
                            theme::WARNING
                        } else {
                            theme::ACCENT
                        };
                        controls::toggle(
                            ui,
                            params,
                            spec.id,
                            spec.editor.label,
                            Rect::from_min_size(left, vec2(half, ROW_HEIGHT)),
                            colour,
                        );
                    }
                }
            }
        }
    }

    // The frame geometry, for those who think in samples.
    let config = stft_config(&settings_of(params));
    let footer = format!(
        "N {}   M {}   hop {}   alias-free span {}",
        config.window_size,
        config.transform_size(),
        config.hop(),
        config.alias_free_length()
    );
    let bottom = rect.bottom();
    ui.painter().text(
        pos2(rect.left(), bottom - 2.0),
        Align2::LEFT_BOTTOM,
        footer,
        theme::small(),
        theme::TEXT_FAINT,
    );
}
