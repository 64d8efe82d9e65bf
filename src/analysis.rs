//! What the audio thread shows the editor: decimated analysis columns through a preallocated
//! lock-free single-writer/single-reader queue, and every so often the full mask of one frame
//! (for the alias meter) through a triple buffer.
//!
//! The audio thread never allocates, locks or waits here. It publishes only while the editor
//! says it is open, and when the queue is full it drops the column (and counts it) rather than
//! wait, as fundsp's snoop does. Values are raw (dBFS, linear gain); scaling for display
//! happens in the editor. The alias measure is not computed here: the editor runs
//! [`crate::mask::alias::AliasMeter`] on the latest [`MaskSnapshot`], off the audio thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::config::MAX_TRANSFORM_SIZE;
use crate::processor::FrameView;
use crate::stft::StftConfig;
use crate::viz::bands::{BandMap, Fold, BANDS};

/// Time a column covers at least: frames are merged until it is reached. 10 ms is just under
/// the hop of the default 2048-point window at 48 kHz (10.7 ms), so there a frame is a
/// column; shorter hops merge and longer ones span several pixels, so the time axis of the
/// spectrogram does not depend on the window size.
pub const COLUMN_SECONDS: f32 = 0.010;
/// Time between two mask snapshots: the editor's alias meter updates at most 10 times per
/// second, which a reader follows and which bounds the copy (at most 128 KiB) to 1.3 MB/s.
pub const SNAPSHOT_SECONDS: f32 = 0.1;
/// Queue length in columns: 1.28 s of slack at 100 columns per second, enough to ride out
/// an editor frame that a host's UI thread stalls for a second.
pub const DEFAULT_CAPACITY: usize = 128;
/// Bins of the largest transform, the size of a mask snapshot.
pub const MAX_BINS: usize = MAX_TRANSFORM_SIZE / 2 + 1;

/// Level that stands for "no energy" (the masker's own floor is -300 dB).
pub const SILENT_DB: f32 = -300.0;

/// One decimated analysis column: raw values of the linked mask (mask 0) on the fixed
/// log-frequency band grid, merged over the frames of at least [`COLUMN_SECONDS`].
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Loudest bin of each band in dBFS (max over the merged frames).
    pub level_db: [f32; BANDS],
    /// Smallest gain applied in each band (min over the merged frames), linear.
    pub gain: [f32; BANDS],
    /// Mean threshold each band's bins were compared with, in dBFS (last merged frame).
    pub threshold_db: [f32; BANDS],
    /// Loudest bin of each band of the key in dBFS (max over the merged frames); silent
    /// unless `keyed`.
    pub key_db: [f32; BANDS],
    /// The key had a role in the last merged frame (it was analysed).
    pub keyed: bool,
    /// Bands below Nyquist; the ones above hold no data.
    pub valid_bands: usize,
    /// Geometry of the frames.
    pub config: StftConfig,
    pub sample_rate: f32,
    /// Frames merged into this column.
    pub frames: u32,
    /// Time covered, `frames * hop / sample_rate`.
    pub duration_s: f32,
    /// Number of this column since the channel was made; a gap means dropped columns.
    pub sequence: u64,
}

impl Column {
    /// A column of silence with no bands, for `config`.
    pub fn empty(config: StftConfig) -> Self {
        Self {
            level_db: [SILENT_DB; BANDS],
            gain: [1.0; BANDS],
            threshold_db: [SILENT_DB; BANDS],
            key_db: [SILENT_DB; BANDS],
            keyed: false,
            valid_bands: 0,
            config,
            sample_rate: 0.0,
            frames: 0,
            duration_s: 0.0,
            sequence: 0,
        }
    }
}

/// The full applied gains of one frame (channel 0), for the alias meter.
#[derive(Clone, Debug)]
pub struct MaskSnapshot {
    /// `MAX_BINS` long; the first `config.num_bins()` are valid.
    gains: Box<[f32]>,
    /// `None` until the first snapshot.
    pub config: Option<StftConfig>,
    pub sample_rate: f32,
    /// Increments with each snapshot.
    pub sequence: u64,
}

impl MaskSnapshot {
    fn new() -> Self {
        Self {
            gains: vec![1.0; MAX_BINS].into_boxed_slice(),
            config: None,
            sample_rate: 0.0,
            sequence: 0,
        }
    }

    /// The gains, one per bin of `config` (empty before the first snapshot).
    pub fn gains(&self) -> &[f32] {
        &self.gains[..self.config.map_or(0, |config| config.num_bins())]
    }
}

/// State both ends see.
#[derive(Debug, Default)]
struct Shared {
    editor_open: AtomicBool,
    dropped: AtomicU64,
}

/// The audio thread's end. Publishing never allocates, locks or waits.
pub struct AnalysisPublisher {
    producer: rtrb::Producer<Column>,
    snapshots: triple_buffer::Input<MaskSnapshot>,
    shared: Arc<Shared>,
    bands: BandMap,
    /// The column being merged; boxed so moving the publisher stays cheap.
    pending: Box<Column>,
    sequence: u64,
    snapshot_sequence: u64,
    /// Seconds since the last mask snapshot.
    since_snapshot_s: f32,
    was_open: bool,
}

/// The editor's end.
pub struct AnalysisReader {
    shared: Arc<Shared>,
    consumer: rtrb::Consumer<Column>,
    snapshots: triple_buffer::Output<MaskSnapshot>,
}

/// Makes the two ends of an analysis channel holding up to `capacity` columns. Allocates
/// everything (including three mask snapshots of [`MAX_BINS`] gains): call it where
/// allocating is allowed, e.g. in the plugin's constructor or `initialize()`.
///
/// # Panics
/// If `capacity` is 0.
pub fn channel(capacity: usize) -> (AnalysisPublisher, AnalysisReader) {
    assert!(capacity > 0, "an analysis channel needs room for a column");
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    let (snapshot_in, snapshot_out) = triple_buffer::triple_buffer(&MaskSnapshot::new());
    let shared = Arc::new(Shared::default());
    let placeholder = StftConfig::new(
        crate::config::MIN_WINDOW_SIZE,
        1,
        crate::stft::WindowKind::Hann,
    )
    .expect("the smallest geometry is valid");
    (
        AnalysisPublisher {
            producer,
            snapshots: snapshot_in,
            shared: shared.clone(),
            bands: BandMap::new(),
            pending: Box::new(Column::empty(placeholder)),
            sequence: 0,
            snapshot_sequence: 0,
            since_snapshot_s: f32::INFINITY,
            was_open: false,
        },
        AnalysisReader {
            consumer,
            snapshots: snapshot_out,
            shared,
        },
    )
}

impl AnalysisPublisher {
    /// Whether an editor wants columns; when false, [`Self::publish`] returns at once.
    pub fn is_editor_open(&self) -> bool {
        self.shared.editor_open.load(Ordering::Relaxed)
    }

    /// Columns dropped so far because the queue was full.
    pub fn dropped_columns(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Takes one masked frame: merges it into the pending column and sends the column when
    /// it covers [`COLUMN_SECONDS`]; every [`SNAPSHOT_SECONDS`] also snapshots the full mask.
    /// Does nothing while the editor is closed. Real-time safe: no allocation, lock or wait;
    /// a full queue drops the column.
    pub fn publish(&mut self, view: &FrameView, sample_rate: f32) {
        let open = self.is_editor_open();
        if !open {
            if self.was_open {
                self.pending.frames = 0;
                self.was_open = false;
            }
            return;
        }
        self.was_open = true;
        let config = view.config;
        if self.pending.frames > 0
            && (self.pending.config != config || self.pending.sample_rate != sample_rate)
        {
            // A column never mixes geometries: its bands would mean different bins.
            self.send_pending();
        }
        let num_bins = config.num_bins();
        let levels = view.masker.levels_db(0);
        let thresholds = view.masker.thresholds_db(0);
        let gains = view.masker.applied_gains(0);
        if levels.len() != num_bins || gains.len() != num_bins || thresholds.len() != num_bins {
            return;
        }
        self.bands.prepare(num_bins, sample_rate);
        let frame_s = config.hop() as f32 / sample_rate;
        let first_frame = self.pending.frames == 0;
        let column = &mut *self.pending;
        if first_frame {
            column.config = config;
            column.sample_rate = sample_rate;
            column.valid_bands = self.bands.valid_bands();
            column.duration_s = 0.0;
        }
        let key = view
            .masker
            .key_levels_db(0)
            .filter(|key| key.len() == num_bins);
        decimate(
            &self.bands,
            levels,
            gains,
            thresholds,
            key,
            column,
            first_frame,
        );
        column.frames += 1;
        column.duration_s += frame_s;
        if column.duration_s >= COLUMN_SECONDS * 0.999 {
            self.send_pending();
        }

        self.since_snapshot_s += frame_s;
        if self.since_snapshot_s >= SNAPSHOT_SECONDS {
            self.since_snapshot_s = 0.0;
            self.snapshot_sequence += 1;
            let snapshot = self.snapshots.input_buffer_mut();
            snapshot.gains[..num_bins].copy_from_slice(gains);
            snapshot.config = Some(config);
            snapshot.sample_rate = sample_rate;
            snapshot.sequence = self.snapshot_sequence;
            self.snapshots.publish();
        }
    }

    fn send_pending(&mut self) {
        self.pending.sequence = self.sequence;
        self.sequence += 1;
        // `push` moves a copy of the column into a slot the ring buffer allocated up front.
        if self.producer.push(*self.pending).is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.pending.frames = 0;
    }
}

/// Merges one frame's bins into `column`'s bands: the loudest level (of the input and of the
/// key, if it has a role) and smallest gain of the frames merged, each folded from the band's
/// bins by the shared band grid.
fn decimate(
    bands: &BandMap,
    levels: &[f32],
    gains: &[f32],
    thresholds: &[f32],
    key: Option<&[f32]>,
    column: &mut Column,
    first_frame: bool,
) {
    column.keyed = key.is_some();
    for band in 0..BANDS {
        let key_level = key.map_or(SILENT_DB, |key| {
            bands.fold(band, key, Fold::Max).unwrap_or(SILENT_DB)
        });
        let level = bands.fold(band, levels, Fold::Max).unwrap_or(SILENT_DB);
        let gain = bands.fold(band, gains, Fold::Min).unwrap_or(1.0);
        let threshold = bands
            .fold(band, thresholds, Fold::Mean)
            .unwrap_or(SILENT_DB);
        if first_frame {
            column.level_db[band] = level;
            column.gain[band] = gain;
            column.key_db[band] = key_level;
        } else {
            column.level_db[band] = column.level_db[band].max(level);
            column.gain[band] = column.gain[band].min(gain);
            column.key_db[band] = column.key_db[band].max(key_level);
        }
        column.threshold_db[band] = threshold;
    }
}

impl AnalysisReader {
    /// Tells the audio thread whether to publish. The editor sets it while its window is open.
    pub fn set_editor_open(&self, open: bool) {
        self.shared.editor_open.store(open, Ordering::Relaxed);
    }

    pub fn is_editor_open(&self) -> bool {
        self.shared.editor_open.load(Ordering::Relaxed)
    }

    /// A guard that keeps the editor-open flag set until it is dropped, for tying publishing
    /// to the life of a window (or of whatever owns the guard).
    pub fn open_guard(&self) -> OpenGuard {
        self.set_editor_open(true);
        OpenGuard {
            shared: self.shared.clone(),
        }
    }

    /// Columns the audio thread dropped so far because the queue was full.
    pub fn dropped_columns(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Calls `f` on every queued column, oldest first, and frees their slots. Returns how
    /// many there were.
    pub fn drain(&mut self, mut f: impl FnMut(&Column)) -> usize {
        let available = self.consumer.slots();
        if available == 0 {
            return 0;
        }
        let chunk = self
            .consumer
            .read_chunk(available)
            .expect("slots() columns are readable");
        let (first, second) = chunk.as_slices();
        first.iter().chain(second).for_each(&mut f);
        chunk.commit_all();
        available
    }

    /// The newest mask snapshot if one arrived since the last call.
    pub fn new_mask(&mut self) -> Option<&MaskSnapshot> {
        if self.snapshots.update() {
            Some(self.snapshots.peek_output_buffer())
        } else {
            None
        }
    }

    /// The newest mask snapshot received so far (its `config` is `None` before the first).
    pub fn latest_mask(&self) -> &MaskSnapshot {
        self.snapshots.peek_output_buffer()
    }
}

/// Keeps the editor-open flag of a channel set while it lives.
#[derive(Debug)]
pub struct OpenGuard {
    shared: Arc<Shared>,
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.shared.editor_open.store(false, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::Processor;
    use crate::settings::Settings;
    use crate::viz::bands::{band_center_hz, hz_to_grid};

    fn sine(len: usize, hz: f32, amplitude: f32, sample_rate: f32) -> Vec<f32> {
        (0..len)
            .map(|n| amplitude * (std::f32::consts::TAU * hz * n as f32 / sample_rate).sin())
            .collect()
    }

    #[test]
    fn nothing_is_published_while_the_editor_is_closed() {
        let (mut publisher, mut reader) = channel(16);
        let mut processor = Processor::new(1, 48_000.0, Settings::default());
        let mut signal = sine(48_000, 1000.0, 0.5, 48_000.0);
        processor.process_observed(&mut [&mut signal[..]], |view| {
            publisher.publish(view, 48_000.0)
        });
        assert_eq!(reader.drain(|_| {}), 0);
        assert!(reader.new_mask().is_none());
    }

    #[test]
    fn a_sine_shows_in_its_band_and_columns_cover_ten_ms() {
        let sample_rate = 48_000.0;
        let (mut publisher, mut reader) = channel(256);
        reader.set_editor_open(true);
        let mut processor = Processor::new(1, sample_rate, Settings::default());
        // 0.5 full scale is -6.02 dBFS; the default window (2048 Hann, hop 512 = 10.67 ms)
        // makes one frame per column.
        let mut signal = sine(48_000, 1000.0, 0.5, sample_rate);
        processor.process_observed(&mut [&mut signal[..]], |view| {
            publisher.publish(view, sample_rate)
        });
        let mut last = None;
        let count = reader.drain(|column| last = Some(*column));
        assert!(count > 80, "{count} columns for 1 s");
        let column = last.unwrap();
        assert_eq!(column.frames, 1);
        assert!((column.duration_s - 512.0 / 48_000.0).abs() < 1e-6);
        assert_eq!(column.valid_bands, BANDS);
        let band = (hz_to_grid(1000.0) * BANDS as f32) as usize;
        assert!(
            (column.level_db[band] + 6.02).abs() < 1.5,
            "{} dB",
            column.level_db[band]
        );
        let loudest = (0..BANDS)
            .max_by(|&a, &b| column.level_db[a].total_cmp(&column.level_db[b]))
            .unwrap();
        assert!(
            loudest.abs_diff(band) <= 1,
            "loudest band {loudest}, expected {band}"
        );
        let mask = reader.new_mask().expect("a snapshot after 1 s");
        // N = 2048 padded four times: M = 8192, M / 2 + 1 = 4097 bins.
        assert_eq!(mask.config.unwrap().num_bins(), 4097);
        assert_eq!(mask.gains().len(), 4097);
    }

    #[test]
    fn bands_above_nyquist_are_invalid_at_44_1_khz() {
        let (mut publisher, mut reader) = channel(64);
        reader.set_editor_open(true);
        let mut processor = Processor::new(1, 44_100.0, Settings::default());
        let mut signal = sine(22_050, 440.0, 0.1, 44_100.0);
        processor.process_observed(&mut [&mut signal[..]], |view| {
            publisher.publish(view, 44_100.0)
        });
        let mut valid = 0;
        reader.drain(|column| valid = column.valid_bands);
        assert!(valid < BANDS && valid > BANDS - 5, "{valid}");
        assert!(band_center_hz(valid - 1) < 22_050.0 && band_center_hz(valid) >= 22_050.0);
    }

    #[test]
    fn a_full_queue_drops_columns_instead_of_blocking() {
        let (mut publisher, mut reader) = channel(4);
        reader.set_editor_open(true);
        let mut processor = Processor::new(2, 48_000.0, Settings::default());
        let mut left = sine(48_000, 300.0, 0.3, 48_000.0);
        let mut right = left.clone();
        processor.process_observed(&mut [&mut left[..], &mut right[..]], |view| {
            publisher.publish(view, 48_000.0)
        });
        // About 90 columns were made in 1 s; four fit.
        assert_eq!(reader.drain(|_| {}), 4);
        let dropped = reader.dropped_columns();
        assert!(dropped > 80, "{dropped} dropped");
        assert_eq!(publisher.dropped_columns(), dropped);
        // The queue has room again: the next columns arrive, numbered after the gap.
        let mut sequences = Vec::new();
        let mut more = sine(4_800, 300.0, 0.3, 48_000.0);
        let mut more_right = more.clone();
        processor.process_observed(&mut [&mut more[..], &mut more_right[..]], |view| {
            publisher.publish(view, 48_000.0)
        });
        reader.drain(|column| sequences.push(column.sequence));
        assert!(!sequences.is_empty());
        assert!(sequences[0] > 80, "{sequences:?}");
    }

    #[test]
    fn an_open_guard_clears_the_flag_when_dropped() {
        let (publisher, reader) = channel(4);
        let guard = reader.open_guard();
        assert!(publisher.is_editor_open());
        drop(guard);
        assert!(!publisher.is_editor_open());
    }

    #[test]
    fn small_windows_merge_frames_into_one_column() {
        let sample_rate = 48_000.0;
        let (mut publisher, mut reader) = channel(256);
        reader.set_editor_open(true);
        // Hop 64 = 1.33 ms: 8 frames make 10.67 ms.
        let settings = Settings {
            window_size: 256,
            ..Settings::default()
        };
        let mut processor = Processor::new(1, sample_rate, settings);
        let mut signal = sine(24_000, 2000.0, 0.5, sample_rate);
        processor.process_observed(&mut [&mut signal[..]], |view| {
            publisher.publish(view, sample_rate)
        });
        let mut frames = Vec::new();
        reader.drain(|column| frames.push(column.frames));
        assert!(frames.iter().all(|&f| f == 8), "{frames:?}");
    }
}
