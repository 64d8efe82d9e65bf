//! `spectrogram IN.wav OUT.png`: three stacked panels, top to bottom the input level, the
//! mask (the gain applied) and the output level (input level + 20 log10 gain); time runs
//! to the right, frequency up on a log axis.
//!
//! The panels show mask 0 of the processor the plugin and `render` use: with `stereo_link`
//! on (the default) that is the one mask for all channels, measured on the loudest; with
//! it off, channel 0's. The colour scales are fixed (dBFS, gain 0..1) so pictures of
//! different files compare.

use std::io::{self, BufWriter};
use std::time::Instant;

use spectral_mask::processor::{stft_config, FrameView, Processor};

use super::error::CliError;
use super::output::PartialFile;
use super::progress::Progress;
use super::wav::Audio;
use super::{display_name, prepare_job, Job, SpectrogramArgs};

/// Widest image: one column per frame up to this, then several frames share a column.
const MAX_WIDTH: usize = 1600;
/// Narrowest image: a short file's few frames are widened to this so it is still legible.
const MIN_WIDTH: usize = 400;
/// Rows per panel: 256 rows over 30 Hz .. 24 kHz is about 1/27 octave per row, finer
/// than the bins of a 2048-point window above 250 Hz.
const PANEL_HEIGHT: usize = 256;
/// Dark rows between panels.
const GAP: usize = 4;
/// Bottom of the frequency axis: below it a gate has little to do and few bins to do it.
const LOW_HZ: f32 = 30.0;
/// Top of the level scale, dBFS: a full-scale sine on a bin reads 0 dB.
const TOP_DB: f32 = 0.0;
/// Span of the level scale: 100 dB reaches below the noise of a good 16-bit recording's
/// bins while keeping the colour steps of a quiet one apart.
const RANGE_DB: f32 = 100.0;
/// Lowest level kept while accumulating (a silent bin reads -inf).
const SILENT_DB: f32 = -300.0;
/// Frequencies with a faint line across each panel, to read the log axis by.
const GRID_HZ: [f32; 3] = [100.0, 1_000.0, 10_000.0];
const GAP_RGB: [u8; 3] = [24, 24, 28];
/// How much the grid lines lighten what is under them.
const GRID_MIX: f32 = 0.25;

pub fn run(args: &SpectrogramArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let Job {
        settings,
        audio,
        learned,
    } = prepare_job(&args.input, &args.output, &args.settings, &args.learn)?;

    let mut progress = Progress::new("analysing");
    let print = learned.as_ref().map(|learned| learned.print.as_slice());
    let picture = analyse(&settings, &audio, print, |fraction| {
        progress.update(fraction)
    });
    progress.finish();
    let (width, height, pixels) = draw(&picture);

    let (partial, file) = PartialFile::create(&args.output)?;
    write_png(file, width, height, &pixels)
        .map_err(|error| CliError::write(&args.output, error))?;
    partial.commit()?;

    let print = learned
        .map(|learned| format!(", {}", learned.describe(&settings)))
        .unwrap_or_default();
    eprintln!(
        "wrote {} ({width} x {height} px: input level, mask, output level; \
         {LOW_HZ:.0} .. {:.0} Hz, {:.0} .. {TOP_DB:.0} dBFS) in {:.2} s{print}",
        display_name(&args.output),
        picture.high_hz,
        TOP_DB - RANGE_DB,
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// Which bins a row of the panel shows.
#[derive(Debug, Clone, Copy)]
enum RowBins {
    /// Bins `start..end` fall in the row: the row shows their maximum (levels) or mean (gain).
    Range { start: usize, end: usize },
    /// The row is narrower than a bin: it shows `bin` and `bin + 1` mixed by `fraction`.
    Between { bin: usize, fraction: f32 },
}

/// Per-column, per-row values, ready to colour. Row 0 is the lowest frequency.
struct Picture {
    width: usize,
    input_db: Vec<f32>,
    gain: Vec<f32>,
    output_db: Vec<f32>,
    /// Frames that fell in each column, to turn the gain sums into means.
    frames_in_column: Vec<u32>,
    high_hz: f32,
}

impl Picture {
    fn index(&self, column: usize, row: usize) -> usize {
        column * PANEL_HEIGHT + row
    }
}

/// The lowest and highest frequency of row `row`, log-spaced from [`LOW_HZ`] to `high_hz`.
fn row_edges(row: usize, high_hz: f32) -> (f32, f32) {
    let ratio = high_hz / LOW_HZ;
    let at = |r: usize| LOW_HZ * ratio.powf(r as f32 / PANEL_HEIGHT as f32);
    (at(row), at(row + 1))
}

fn row_bins(bin_hz: f32, high_hz: f32, num_bins: usize) -> Vec<RowBins> {
    (0..PANEL_HEIGHT)
        .map(|row| {
            let (low, high) = row_edges(row, high_hz);
            let start = (low / bin_hz).ceil() as usize;
            let end = ((high / bin_hz).ceil() as usize).min(num_bins);
            if start < end {
                RowBins::Range { start, end }
            } else {
                let position = (low * high).sqrt() / bin_hz;
                let bin = (position.floor() as usize).min(num_bins - 2);
                RowBins::Between {
                    bin,
                    fraction: (position - bin as f32).clamp(0.0, 1.0),
                }
            }
        })
        .collect()
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
    settings: &spectral_mask::settings::Settings,
    audio: &Audio,
    print: Option<&[f32]>,
    mut progress: impl FnMut(f32),
) -> Picture {
    let config = stft_config(settings);
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
    let high_hz = sample_rate / 2.0;
    let bin_hz = sample_rate / config.transform_size() as f32;
    let rows = row_bins(bin_hz, high_hz, config.num_bins());

    let cells = width * PANEL_HEIGHT;
    let mut picture = Picture {
        width,
        input_db: vec![SILENT_DB; cells],
        gain: vec![0.0; cells],
        output_db: vec![SILENT_DB; cells],
        frames_in_column: vec![0; width],
        high_hz,
    };

    let mut processor = Processor::new(audio.channels.len(), sample_rate, *settings);
    if let Some(print) = print {
        processor.masker_mut().set_noise_print(print);
    }
    let mut k = 0usize;
    let mut row_input = [0.0f32; PANEL_HEIGHT];
    let mut row_gain = [0.0f32; PANEL_HEIGHT];
    let mut row_output = [0.0f32; PANEL_HEIGHT];
    let mut observe = |view: &FrameView| {
        k += 1;
        let frame_centre = centre(k);
        if frame_centre < 0 || frame_centre as usize >= len {
            return;
        }
        let levels = view.masker.levels_db(0);
        let gains = view.masker.applied_gains(0);
        let input_db = |bin: usize| levels[bin].max(SILENT_DB);
        let output_db = |bin: usize| output_level_db(levels[bin], gains[bin]);
        for (row, bins) in rows.iter().enumerate() {
            match *bins {
                RowBins::Range { start, end } => {
                    let mut input = SILENT_DB;
                    let mut output = SILENT_DB;
                    let mut gain_sum = 0.0;
                    for (&level, &gain) in levels[start..end].iter().zip(&gains[start..end]) {
                        input = input.max(level);
                        output = output.max(output_level_db(level, gain));
                        gain_sum += gain;
                    }
                    row_input[row] = input;
                    row_output[row] = output;
                    row_gain[row] = gain_sum / (end - start) as f32;
                }
                RowBins::Between { bin, fraction } => {
                    let mix = |a: f32, b: f32| a + fraction * (b - a);
                    row_input[row] = mix(input_db(bin), input_db(bin + 1));
                    row_output[row] = mix(output_db(bin), output_db(bin + 1));
                    row_gain[row] = mix(gains[bin], gains[bin + 1]);
                }
            }
        }
        for column in frame_columns(k - first_k, num_frames, width) {
            picture.frames_in_column[column] += 1;
            let base = column * PANEL_HEIGHT;
            for row in 0..PANEL_HEIGHT {
                let cell = base + row;
                // Peak-hold across frames sharing a column keeps short events visible;
                // the gain is averaged, so a column shows how much the mask let through.
                picture.input_db[cell] = picture.input_db[cell].max(row_input[row]);
                picture.output_db[cell] = picture.output_db[cell].max(row_output[row]);
                picture.gain[cell] += row_gain[row];
            }
        }
    };
    // Half a window of silence after the end completes the frames centred near it.
    processor.run_offline(
        &audio.channels,
        0..len,
        half_window,
        Some(&mut observe),
        &mut progress,
    );
    for column in 0..width {
        let count = picture.frames_in_column[column].max(1) as f32;
        for row in 0..PANEL_HEIGHT {
            let cell = picture.index(column, row);
            picture.gain[cell] /= count;
        }
    }
    picture
}

/// The image as RGB bytes, top row first.
fn draw(picture: &Picture) -> (usize, usize, Vec<u8>) {
    let width = picture.width;
    let height = 3 * PANEL_HEIGHT + 2 * GAP;
    let mut pixels = Vec::with_capacity(width * height * 3);
    let grid_rows: Vec<usize> = GRID_HZ
        .iter()
        .filter(|&&hz| hz > LOW_HZ && hz < picture.high_hz)
        .map(|&hz| {
            let position = (hz / LOW_HZ).ln() / (picture.high_hz / LOW_HZ).ln();
            (position * PANEL_HEIGHT as f32) as usize
        })
        .collect();
    let panels: [(&[f32], ColourMap); 3] = [
        (&picture.input_db, level_colour),
        (&picture.gain, ice),
        (&picture.output_db, level_colour),
    ];
    for (index, (values, colour)) in panels.iter().enumerate() {
        if index > 0 {
            for _ in 0..GAP * width {
                pixels.extend_from_slice(&GAP_RGB);
            }
        }
        for y in 0..PANEL_HEIGHT {
            let row = PANEL_HEIGHT - 1 - y;
            let on_grid = grid_rows.contains(&row);
            for column in 0..width {
                let mut rgb = if picture.frames_in_column[column] == 0 {
                    [0, 0, 0]
                } else {
                    colour(values[picture.index(column, row)])
                };
                if on_grid {
                    rgb = rgb.map(|c| (c as f32 + GRID_MIX * (255.0 - c as f32)) as u8);
                }
                pixels.extend_from_slice(&rgb);
            }
        }
    }
    (width, height, pixels)
}

/// The output level of a bin: its input level plus the gain in dB (the kernel can make a
/// gain slightly negative: its magnitude is what reaches the output).
fn output_level_db(level_db: f32, gain: f32) -> f32 {
    (level_db + 20.0 * gain.abs().log10()).max(SILENT_DB)
}

/// A value to a colour.
type ColourMap = fn(f32) -> [u8; 3];

/// Levels on the fixed dBFS scale.
fn level_colour(level_db: f32) -> [u8; 3] {
    magma((level_db - (TOP_DB - RANGE_DB)) / RANGE_DB)
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

/// Magma, the editor's level map.
fn magma(t: f32) -> [u8; 3] {
    spectral_mask::editor::colormap::magma_rgb(t)
}

/// The editor's mask ramp at gain `t` (clamped to 0..=1): deep blue-black at full
/// reduction to pale ice blue at unity, apart from magma so the panels read as different.
fn ice(t: f32) -> [u8; 3] {
    const STOPS: [(f32, [f32; 3]); 4] = [
        (0.0, [8.0, 10.0, 22.0]),
        (0.35, [22.0, 48.0, 96.0]),
        (0.7, [62.0, 132.0, 190.0]),
        (1.0, [226.0, 240.0, 250.0]),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let upper = STOPS.iter().position(|s| s.0 >= t).unwrap_or(3).max(1);
    let (t0, c0) = STOPS[upper - 1];
    let (t1, c1) = STOPS[upper];
    let f = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    [0, 1, 2].map(|k| (c0[k] + f * (c1[k] - c0[k])).round() as u8)
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
    fn rows_cover_the_axis_without_gaps() {
        // 48 kHz, M = 2048: 23.4 Hz per bin; low rows fall between bins, high rows span many.
        let rows = row_bins(48_000.0 / 2048.0, 24_000.0, 1025);
        let mut next = None;
        for bins in rows {
            match bins {
                RowBins::Range { start, end } => {
                    if let Some(expected) = next {
                        assert_eq!(start, expected);
                    }
                    assert!(end <= 1025);
                    next = Some(end);
                }
                RowBins::Between { bin, .. } => assert!(bin + 1 < 1025),
            }
        }
    }

    #[test]
    fn colour_maps_run_dark_to_light() {
        assert!(magma(0.0).iter().all(|&c| c < 16));
        assert!(magma(1.0).iter().all(|&c| c > 170));
        assert_eq!(ice(1.0), [226, 240, 250]);
        assert_eq!(ice(0.0), [8, 10, 22]);
    }
}
