//! `spectrogram IN.wav OUT.png`: three stacked panels, top to bottom the input level, the
//! mask (the gain applied) and the output level (input level + the gain in dB); time runs
//! to the right, frequency up on a log axis, with labelled axes and a colour bar per panel.
//!
//! The panels show mask 0 of the processor the plugin and `render` use: with `stereo_link`
//! on (the default) that is the one mask for all channels, measured on the loudest; with
//! it off, channel 0's. Bands, colour maps and scales are the editor's (`viz`); the level
//! scale is fixed (dBFS) so pictures of different files compare.

use std::io::{self, BufWriter};
use std::ops::ControlFlow;
use std::time::Instant;

use spectral_mask::processor::{stft_config, FrameView};
use spectral_mask::viz::bands::{hz_to_grid, BandMap, Fold, BANDS, HIGH_HZ, LOW_HZ};
use spectral_mask::viz::colormap::{ColorMap, Rgb};
use spectral_mask::viz::{gain_db, mask_position, unit_position, MASK_RANGE_DB};

use super::audio::Audio;
use super::canvas::{Anchor, Canvas};
use super::error::CliError;
use super::progress::Progress;
use super::{display_name, prepare_job, Setup, SpectrogramArgs};
use spectral_mask::partial_file::PartialFile;

/// Widest plot: one column per frame up to this, then several frames share a column.
const MAX_WIDTH: usize = 1600;
/// Narrowest plot: a short file's few frames are widened to this so it is still legible.
const MIN_WIDTH: usize = 400;
/// Rows per panel: one per band of the shared grid.
const PANEL_HEIGHT: usize = BANDS;
/// Top of the level scale, dBFS: a full-scale sine on a bin reads 0 dB.
const TOP_DB: f32 = 0.0;
/// Span of the level scale: 100 dB reaches below the noise of a good 16-bit recording's
/// bins while keeping the colour steps of a quiet one apart.
const RANGE_DB: f32 = 100.0;
/// Lowest level kept while accumulating (a silent bin reads -inf).
const SILENT_DB: f32 = -300.0;

/// Room left of the plots for the frequency labels.
const LEFT: usize = 58;
/// Room right of the plots for the colour bars and their labels.
const RIGHT: usize = 92;
/// Room above each panel for its title.
const TITLE: usize = 24;
/// Room below the last panel for the time labels.
const BOTTOM: usize = 40;
/// Room between panels (below a panel's plot, above the next title).
const BETWEEN: usize = 8;
const TOP_MARGIN: usize = 4;
/// Colour bar: its distance from the plot and its width.
const BAR_GAP: usize = 14;
const BAR_WIDTH: usize = 14;
const TEXT_SIZE: f32 = 13.0;
const TITLE_SIZE: f32 = 15.0;

const BACKGROUND: Rgb = [22, 23, 27];
const PLOT_BACKGROUND: Rgb = [12, 12, 16];
const TEXT: Rgb = [214, 218, 226];
const TEXT_DIM: Rgb = [150, 156, 168];
const EDGE: Rgb = [70, 74, 84];
/// Frequencies labelled on the axis; a faint line crosses the plot at the decades.
const TICK_HZ: [f32; 9] = [
    50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0,
];
/// How much the decade lines lighten what is under them.
const GRID_MIX: f32 = 0.18;

/// Size of the whole picture for a plot `columns` wide.
pub fn picture_size(columns: usize) -> (usize, usize) {
    (
        LEFT + columns + RIGHT,
        TOP_MARGIN + 3 * (TITLE + PANEL_HEIGHT) + 2 * BETWEEN + BOTTOM,
    )
}

pub fn run(args: &SpectrogramArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let job = prepare_job(&args.job, &args.output)?;

    let mut progress = Progress::new("analysing");
    let picture = analyse(&job.setup, &job.audio, job.print(), |fraction| {
        progress.update(fraction)
    });
    progress.finish();
    let canvas = draw(&picture);
    let (width, height) = (canvas.width, canvas.height);

    let write_error = |error| CliError::write(&args.output, error);
    let (partial, file) = PartialFile::create(&args.output).map_err(write_error)?;
    write_png(file, width, height, &canvas.pixels).map_err(write_error)?;
    partial.commit().map_err(write_error)?;

    let print = job.print_summary();
    eprintln!(
        "wrote {} ({width} x {height} px: input level, mask, output level; \
         {LOW_HZ:.0} .. {:.0} Hz, {:.0} .. {TOP_DB:.0} dBFS) in {:.2} s{print}",
        display_name(&args.output),
        picture.high_hz.min(HIGH_HZ),
        TOP_DB - RANGE_DB,
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// Per-column, per-band values, ready to colour. Band 0 is the lowest frequency.
struct Picture {
    width: usize,
    input_db: Vec<f32>,
    gain: Vec<f32>,
    output_db: Vec<f32>,
    /// Frames that fell in each column, to turn the gain sums into means.
    frames_in_column: Vec<u32>,
    /// Bands below Nyquist.
    valid_bands: usize,
    high_hz: f32,
    duration_s: f32,
    /// Frames drawn, the centre of the first (s) and the time between frames (s): where a
    /// time falls on the plot.
    num_frames: usize,
    first_centre_s: f32,
    frame_s: f32,
}

impl Picture {
    fn index(&self, column: usize, band: usize) -> usize {
        column * PANEL_HEIGHT + band
    }
}

/// The columns frame `frame` (of `num_frames`) is drawn in: each frame in exactly one
/// column when there are more frames than columns (so a short event is never skipped),
/// else each frame over a run of columns.
fn frame_columns(frame: usize, num_frames: usize, width: usize) -> std::ops::Range<usize> {
    if num_frames >= width {
        let column = frame * width / num_frames;
        column..column + 1
    } else {
        (frame * width).div_ceil(num_frames)..((frame + 1) * width).div_ceil(num_frames)
    }
}

/// Runs the processor over the file and folds each frame's mask 0 into the columns.
fn analyse(
    setup: &Setup,
    audio: &Audio,
    print: Option<&[f32]>,
    mut progress: impl FnMut(f32),
) -> Picture {
    let config = stft_config(&setup.settings);
    let sample_rate = audio.sample_rate as f32;
    let len = audio.len();
    let hop = config.hop();
    let half_window = config.window_size / 2;
    // The frame completed when sample time reaches k * hop (k = 1, 2, ...) holds times
    // [k hop - N, k hop): its centre is k hop - N/2. Draw the frames centred on the file.
    let centre = |k: usize| (k * hop) as i64 - half_window as i64;
    let first_k = half_window.div_ceil(hop).max(1);
    let num_frames = if len == 0 {
        0
    } else {
        (len + half_window - 1) / hop + 1 - first_k
    };
    let width = num_frames.clamp(MIN_WIDTH, MAX_WIDTH);
    let mut bands = BandMap::new();
    bands.prepare(config.num_bins(), sample_rate);

    let cells = width * PANEL_HEIGHT;
    let mut picture = Picture {
        width,
        input_db: vec![SILENT_DB; cells],
        gain: vec![0.0; cells],
        output_db: vec![SILENT_DB; cells],
        frames_in_column: vec![0; width],
        valid_bands: bands.valid_bands(),
        high_hz: sample_rate / 2.0,
        duration_s: len as f32 / sample_rate,
        num_frames,
        first_centre_s: centre(first_k) as f32 / sample_rate,
        frame_s: hop as f32 / sample_rate,
    };

    let mut processor = setup.processor(audio.channels.len(), sample_rate, print);
    let mut k = 0usize;
    let mut output_db = vec![SILENT_DB; config.num_bins()];
    let mut observe = |view: &FrameView| {
        k += 1;
        let frame_centre = centre(k);
        if frame_centre < 0 || frame_centre as usize >= len {
            return;
        }
        let levels = view.masker.levels_db(0);
        let gains = view.masker.applied_gains(0);
        for ((out, &level), &gain) in output_db.iter_mut().zip(levels).zip(gains) {
            *out = (level + gain_db(gain)).max(SILENT_DB);
        }
        for column in frame_columns(k - first_k, num_frames, width) {
            picture.frames_in_column[column] += 1;
            let base = column * PANEL_HEIGHT;
            for band in 0..picture.valid_bands {
                let cell = base + band;
                let fold = |values: &[f32], fold| bands.fold(band, values, fold).unwrap_or(0.0);
                // Peak-hold across frames sharing a column keeps short events visible;
                // the gain is averaged, so a column shows how much the mask let through.
                let input = fold(levels, Fold::Max).max(SILENT_DB);
                picture.input_db[cell] = picture.input_db[cell].max(input);
                picture.output_db[cell] = picture.output_db[cell].max(fold(&output_db, Fold::Max));
                picture.gain[cell] += fold(gains, Fold::Mean);
            }
        }
    };
    // Half a window of silence after the end completes the frames centred near it.
    processor.run_offline(
        &audio.channels,
        0..len,
        half_window,
        &[],
        Some(&mut observe),
        &mut |fraction| {
            progress(fraction);
            ControlFlow::Continue(())
        },
    );
    for column in 0..width {
        let count = picture.frames_in_column[column].max(1) as f32;
        for band in 0..PANEL_HEIGHT {
            let cell = picture.index(column, band);
            picture.gain[cell] /= count;
        }
    }
    picture
}

/// A value to its colour.
type Colour<'a> = dyn Fn(f32) -> Rgb + 'a;

/// The three panels with their axes, titles and colour bars.
fn draw(picture: &Picture) -> Canvas {
    let (width, height) = picture_size(picture.width);
    let mut canvas = Canvas::new(width, height, BACKGROUND);
    let magma = ColorMap::magma();
    let ice = ColorMap::ice();
    let level = |db: f32| magma.at(unit_position(db, TOP_DB - RANGE_DB, TOP_DB));
    let panels: [(&str, &[f32], &Colour); 3] = [
        ("Input level", &picture.input_db, &level),
        ("Mask: gain applied", &picture.gain, &|gain| {
            ice.at(mask_position(gain))
        }),
        ("Output level", &picture.output_db, &level),
    ];
    for (index, (title, values, colour)) in panels.into_iter().enumerate() {
        let top = TOP_MARGIN + index * (TITLE + PANEL_HEIGHT + BETWEEN) + TITLE;
        canvas.text(
            title,
            LEFT as f32,
            (top - TITLE / 2) as f32,
            TITLE_SIZE,
            Anchor::Left,
            TEXT,
        );
        draw_plot(&mut canvas, picture, top, values, colour);
        draw_frequency_axis(&mut canvas, top);
        let bar_left = LEFT + picture.width + BAR_GAP;
        if index == 1 {
            draw_colour_bar(
                &mut canvas,
                bar_left,
                top,
                "dB",
                -MASK_RANGE_DB,
                0.0,
                12.0,
                &|t| ice.at(t),
            );
        } else {
            draw_colour_bar(
                &mut canvas,
                bar_left,
                top,
                "dBFS",
                TOP_DB - RANGE_DB,
                TOP_DB,
                20.0,
                &|t| magma.at(t),
            );
        }
    }
    let last_bottom = TOP_MARGIN + 3 * (TITLE + PANEL_HEIGHT) + 2 * BETWEEN;
    draw_time_axis(&mut canvas, picture, last_bottom);
    canvas
}

/// One panel's cells, frequency up, with faint lines at the decades.
fn draw_plot(
    canvas: &mut Canvas,
    picture: &Picture,
    top: usize,
    values: &[f32],
    colour: &dyn Fn(f32) -> Rgb,
) {
    let decades: Vec<usize> = [100.0f32, 1_000.0, 10_000.0]
        .iter()
        .map(|&hz| band_row(hz))
        .collect();
    for band in 0..PANEL_HEIGHT {
        let y = top + PANEL_HEIGHT - 1 - band;
        let on_grid = decades.contains(&band);
        for column in 0..picture.width {
            let mut rgb = if band >= picture.valid_bands || picture.frames_in_column[column] == 0 {
                PLOT_BACKGROUND
            } else {
                colour(values[picture.index(column, band)])
            };
            if on_grid {
                rgb = rgb.map(|c| (c as f32 + GRID_MIX * (255.0 - c as f32)) as u8);
            }
            canvas.set(LEFT + column, y, rgb);
        }
    }
    canvas.frame(LEFT, top, picture.width, PANEL_HEIGHT, EDGE);
}

/// The band whose span holds `hz`.
fn band_row(hz: f32) -> usize {
    ((hz_to_grid(hz) * BANDS as f32) as usize).min(BANDS - 1)
}

fn draw_frequency_axis(canvas: &mut Canvas, top: usize) {
    for hz in TICK_HZ {
        let y = top as f32 + PANEL_HEIGHT as f32 * (1.0 - hz_to_grid(hz));
        let label = if hz >= 1_000.0 {
            format!("{}k", hz / 1_000.0)
        } else {
            format!("{hz}")
        };
        canvas.fill(LEFT - 5, y as usize, 4, 1, EDGE);
        canvas.text(
            &label,
            (LEFT - 8) as f32,
            y,
            TEXT_SIZE,
            Anchor::Right,
            TEXT_DIM,
        );
    }
    // The unit on the title line, clear of the top label.
    let title_line = (top - TITLE / 2) as f32;
    canvas.text(
        "Hz",
        (LEFT - 8) as f32,
        title_line,
        TEXT_SIZE,
        Anchor::Right,
        TEXT_DIM,
    );
}

/// A vertical bar of the colour map from `low` (bottom) to `high` (top) in `unit`, labelled
/// every `step`.
#[allow(clippy::too_many_arguments)]
fn draw_colour_bar(
    canvas: &mut Canvas,
    left: usize,
    top: usize,
    unit: &str,
    low: f32,
    high: f32,
    step: f32,
    colour: &dyn Fn(f32) -> Rgb,
) {
    for row in 0..PANEL_HEIGHT {
        let t = (PANEL_HEIGHT - 1 - row) as f32 / (PANEL_HEIGHT - 1) as f32;
        canvas.fill(left, top + row, BAR_WIDTH, 1, colour(t));
    }
    canvas.frame(left, top, BAR_WIDTH, PANEL_HEIGHT, EDGE);
    let mut value = high;
    while value >= low - 1e-3 {
        // Row 0 of the bar is `high`, its last row `low`, as the colours above.
        let y = top as f32 + (PANEL_HEIGHT - 1) as f32 * (high - value) / (high - low);
        let x = left + BAR_WIDTH + 2;
        canvas.fill(x, (y as usize).min(top + PANEL_HEIGHT - 1), 3, 1, EDGE);
        let label = format!("{value:.0}");
        canvas.text(&label, (x + 6) as f32, y, TEXT_SIZE, Anchor::Left, TEXT_DIM);
        value -= step;
    }
    canvas.text(
        unit,
        (left + BAR_WIDTH / 2) as f32,
        (top - 16) as f32,
        TEXT_SIZE,
        Anchor::Top,
        TEXT_DIM,
    );
}

/// Seconds under the last panel, at a step that leaves room for the labels.
fn draw_time_axis(canvas: &mut Canvas, picture: &Picture, top: usize) {
    let duration = picture.duration_s.max(1e-3);
    let frames = picture.num_frames.max(1) as f32;
    let per_pixel = picture.frame_s * frames / picture.width as f32;
    // Frame k is drawn over columns k w / n .. (k + 1) w / n: its centre time sits in the
    // middle of that run.
    let x_of = |t: f32| {
        let frame = (t - picture.first_centre_s) / picture.frame_s + 0.5;
        LEFT as f32 + frame * picture.width as f32 / frames
    };
    let step = [
        0.01f32, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0,
        600.0, 1800.0, 3600.0,
    ]
    .into_iter()
    .find(|step| step / per_pixel >= 70.0)
    .unwrap_or(7200.0);
    let decimals = if step < 0.1 {
        2
    } else if step < 1.0 {
        1
    } else {
        0
    };
    let mut index = 0;
    loop {
        let t = index as f32 * step;
        if t > duration + 1e-6 {
            break;
        }
        let x = x_of(t);
        index += 1;
        if x < LEFT as f32 - 0.5 || x > (LEFT + picture.width) as f32 + 0.5 {
            continue;
        }
        canvas.fill(
            (x as usize).min(LEFT + picture.width - 1),
            top + 1,
            1,
            4,
            EDGE,
        );
        canvas.text(
            &format!("{t:.decimals$}"),
            x,
            (top + 6) as f32,
            TEXT_SIZE,
            Anchor::Top,
            TEXT_DIM,
        );
    }
    canvas.text(
        "s",
        (LEFT + picture.width + 10) as f32,
        (top + 6) as f32,
        TEXT_SIZE,
        Anchor::Top,
        TEXT_DIM,
    );
}

fn write_png(file: std::fs::File, width: usize, height: usize, pixels: &[u8]) -> io::Result<()> {
    let to_io = |error: png::EncodingError| match error {
        png::EncodingError::IoError(error) => error,
        other => io::Error::other(other.to_string()),
    };
    let mut encoder = png::Encoder::new(BufWriter::new(file), width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(to_io)?;
    writer.write_image_data(pixels).map_err(to_io)?;
    writer.finish().map_err(to_io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_lands_in_a_column_and_every_column_gets_a_frame() {
        for (num_frames, width) in [(3, 2), (1875, 1600), (1600, 1600), (10, 400), (399, 400)] {
            let mut hit = vec![false; width];
            for frame in 0..num_frames {
                let columns = frame_columns(frame, num_frames, width);
                assert!(
                    !columns.is_empty(),
                    "frame {frame} of {num_frames} -> {width}"
                );
                for column in columns {
                    hit[column] = true;
                }
            }
            assert!(hit.iter().all(|&h| h), "{num_frames} -> {width}");
        }
    }

    #[test]
    fn the_picture_has_room_for_its_axes() {
        let picture = Picture {
            width: 400,
            input_db: vec![-20.0; 400 * PANEL_HEIGHT],
            gain: vec![0.5; 400 * PANEL_HEIGHT],
            output_db: vec![-26.0; 400 * PANEL_HEIGHT],
            frames_in_column: vec![1; 400],
            valid_bands: BANDS,
            high_hz: 24_000.0,
            duration_s: 2.0,
            num_frames: 188,
            first_centre_s: 0.0,
            frame_s: 512.0 / 48_000.0,
        };
        let canvas = draw(&picture);
        assert_eq!((canvas.width, canvas.height), picture_size(400));
        // Something is written left of the plots (frequency labels) and right (colour bars).
        let column_lit =
            |x: usize| (0..canvas.height).any(|y| canvas.pixels[3 * (y * canvas.width + x)] > 100);
        assert!((0..LEFT - 8).any(column_lit));
        assert!((LEFT + 400 + BAR_GAP..canvas.width).any(column_lit));
    }
}
