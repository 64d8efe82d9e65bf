//! What the editor knows of the signal: a history of analysis columns at a fixed time step
//! (the spectrogram's pixels), a smoothed current spectrum, and the alias measure of the
//! latest mask snapshot. Fed from an [`AnalysisReader`] on the editor thread.

use crate::analysis::{AnalysisReader, Column, MaskSnapshot, SILENT_DB};
use crate::mask::alias::AliasMeter;
use crate::viz::bands::BANDS;
use crate::viz::gain_db;

/// Seconds per spectrogram pixel column; equal to the publisher's column time so that a
/// column is usually one pixel, and windows with longer hops fill several.
pub const PIXEL_SECONDS: f32 = crate::analysis::COLUMN_SECONDS;
/// Pixel columns kept: 12 s at 10 ms, one column per point of the spectrogram up to a
/// 1300-point-wide window (wider ones stretch it).
pub const HISTORY_COLUMNS: usize = 1200;
/// Time constant of the spectrum line, in seconds: long enough to read, short enough to
/// follow syllables.
const SPECTRUM_SMOOTHING_S: f32 = 0.06;
/// The alias meter runs at most this often (it transforms up to 65536 points).
const ALIAS_INTERVAL_S: f64 = 0.1;

/// The editor's copy of the analysis.
pub struct Model {
    /// Ring of pixel columns; a received column fills as many as its duration covers.
    history: Vec<Column>,
    /// Total pixel columns written; `written % HISTORY_COLUMNS` is the next slot.
    written: u64,
    /// Time received but not yet worth a whole pixel column.
    pending_s: f32,
    latest: Option<Column>,
    /// Smoothed input level, output level and threshold per band, for the spectrum line.
    level_db: [f32; BANDS],
    output_db: [f32; BANDS],
    threshold_db: [f32; BANDS],
    /// Smoothed key level per band, while the key has a role.
    key_db: [f32; BANDS],
    columns_received: u64,
    dropped: u64,
    alias_meter: Option<AliasMeter>,
    alias_db: Option<f32>,
    last_alias_s: f64,
    pending_mask: bool,
}

impl Default for Model {
    fn default() -> Self {
        Self::new()
    }
}

impl Model {
    pub fn new() -> Self {
        let placeholder = crate::processor::stft_config(&crate::settings::Settings::default());
        let blank = Column {
            valid_bands: BANDS,
            sample_rate: 48_000.0,
            ..Column::empty(placeholder)
        };
        Self {
            history: vec![blank; HISTORY_COLUMNS],
            written: 0,
            pending_s: 0.0,
            latest: None,
            level_db: [SILENT_DB; BANDS],
            output_db: [SILENT_DB; BANDS],
            threshold_db: [SILENT_DB; BANDS],
            key_db: [SILENT_DB; BANDS],
            columns_received: 0,
            dropped: 0,
            alias_meter: None,
            alias_db: None,
            last_alias_s: f64::NEG_INFINITY,
            pending_mask: false,
        }
    }

    /// Takes everything the audio thread published since the last call. `now_s` is the
    /// editor's clock (egui's `input.time`), which paces the alias meter.
    pub fn update(&mut self, reader: &mut AnalysisReader, now_s: f64) {
        reader.drain(|column| self.push_column(column));
        self.dropped = reader.dropped_columns();
        if reader.new_mask().is_some() {
            self.pending_mask = true;
        }
        if self.pending_mask && now_s - self.last_alias_s >= ALIAS_INTERVAL_S {
            self.pending_mask = false;
            self.last_alias_s = now_s;
            self.measure_alias(reader.latest_mask());
        }
    }

    /// Adds one column: the pixel history advances by the column's duration.
    pub fn push_column(&mut self, column: &Column) {
        self.columns_received += 1;
        self.pending_s += column.duration_s.max(0.0);
        // Bounded: a column never covers more than the whole history.
        let mut pixels = 0;
        while self.pending_s >= PIXEL_SECONDS * 0.999 && pixels < HISTORY_COLUMNS {
            self.pending_s -= PIXEL_SECONDS;
            let slot = (self.written % HISTORY_COLUMNS as u64) as usize;
            self.history[slot] = *column;
            self.written += 1;
            pixels += 1;
        }
        let alpha = if self.latest.is_none() {
            1.0
        } else {
            1.0 - (-column.duration_s / SPECTRUM_SMOOTHING_S).exp()
        };
        for band in 0..BANDS {
            let level = column.level_db[band];
            let output = level + gain_db(column.gain[band]);
            let smooth = |old: &mut f32, new: f32| *old += alpha * (new - *old);
            smooth(&mut self.level_db[band], level);
            smooth(&mut self.output_db[band], output);
            smooth(&mut self.threshold_db[band], column.threshold_db[band]);
            if column.keyed {
                smooth(&mut self.key_db[band], column.key_db[band]);
            }
        }
        self.latest = Some(*column);
    }

    /// Runs the alias meter on a mask snapshot (the editor normally does this itself, paced).
    pub fn measure_alias(&mut self, snapshot: &MaskSnapshot) {
        let Some(config) = snapshot.config else {
            return;
        };
        let meter = self.alias_meter.get_or_insert_with(AliasMeter::new);
        self.alias_db = Some(meter.rejection_db(snapshot.gains(), config));
    }

    /// Sets the alias figure directly (for previews and tests without a snapshot).
    pub fn set_alias_db(&mut self, rejection_db: Option<f32>) {
        self.alias_db = rejection_db;
    }

    /// The alias rejection of the latest mask in dB (infinite when nothing wraps).
    pub fn alias_db(&self) -> Option<f32> {
        self.alias_db
    }

    /// Pixel columns written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The pixel column written `age` columns ago (0 = newest), if it is still held.
    pub fn column_by_age(&self, age: usize) -> Option<&Column> {
        if age as u64 >= self.written || age >= HISTORY_COLUMNS {
            return None;
        }
        let index = (self.written - 1 - age as u64) % HISTORY_COLUMNS as u64;
        Some(&self.history[index as usize])
    }

    /// The pixel column in ring slot `slot` (0..HISTORY_COLUMNS).
    pub fn slot(&self, slot: usize) -> &Column {
        &self.history[slot]
    }

    /// The newest column received, if any.
    pub fn latest(&self) -> Option<&Column> {
        self.latest.as_ref()
    }

    /// Smoothed input level per band (dBFS).
    pub fn level_db(&self) -> &[f32; BANDS] {
        &self.level_db
    }

    /// Smoothed output level per band (input level plus the gain, dBFS).
    pub fn output_db(&self) -> &[f32; BANDS] {
        &self.output_db
    }

    /// Smoothed threshold per band (dBFS).
    pub fn threshold_db(&self) -> &[f32; BANDS] {
        &self.threshold_db
    }

    /// Smoothed key level per band (dBFS), while the newest column has the key in a role.
    pub fn key_db(&self) -> Option<&[f32; BANDS]> {
        self.latest
            .is_some_and(|column| column.keyed)
            .then_some(&self.key_db)
    }

    pub fn columns_received(&self) -> u64 {
        self.columns_received
    }

    /// Columns the audio thread had to drop because the editor did not read in time.
    pub fn dropped_columns(&self) -> u64 {
        self.dropped
    }

    /// Sample rate of the newest column (48 kHz before any arrives).
    pub fn sample_rate(&self) -> f32 {
        self.latest.map_or(48_000.0, |column| column.sample_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(duration_s: f32, level: f32) -> Column {
        let mut column = Model::new().history[0];
        column.duration_s = duration_s;
        column.level_db = [level; BANDS];
        column
    }

    #[test]
    fn a_long_column_fills_several_pixels() {
        let mut model = Model::new();
        // Window 8192, hop 2048 at 48 kHz: 42.67 ms, four pixels and change.
        model.push_column(&column(2048.0 / 48_000.0, -20.0));
        assert_eq!(model.written(), 4);
        model.push_column(&column(2048.0 / 48_000.0, -30.0));
        assert_eq!(model.written(), 8);
        assert_eq!(model.column_by_age(0).unwrap().level_db[0], -30.0);
        assert_eq!(model.column_by_age(4).unwrap().level_db[0], -20.0);
    }

    #[test]
    fn history_wraps() {
        let mut model = Model::new();
        for i in 0..(HISTORY_COLUMNS + 10) {
            model.push_column(&column(PIXEL_SECONDS, -(i as f32)));
        }
        assert_eq!(model.written(), (HISTORY_COLUMNS + 10) as u64);
        assert_eq!(
            model.column_by_age(0).unwrap().level_db[0],
            -((HISTORY_COLUMNS + 9) as f32)
        );
        assert!(model.column_by_age(HISTORY_COLUMNS).is_none());
    }
}
