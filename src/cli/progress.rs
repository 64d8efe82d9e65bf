//! A one-line progress bar on stderr for a single render or spectrogram, through indicatif
//! as the batch's bar is: drawn only on a terminal (a log file or a pipe gets no `\r`
//! litter) and only after [`SHOW_AFTER`], so short renders stay silent.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A render shorter than this finishes before a bar would be worth reading.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// Bar positions: thousandths.
const STEPS: u64 = 1000;

pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl Progress {
    pub fn new(label: &'static str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(STEPS), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}%")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("#>-"),
        );
        bar.set_message(label);
        Self {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    /// Shows `fraction` (0..=1) done.
    pub fn update(&mut self, fraction: f32) {
        if !self.shown && self.start.elapsed() >= SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar
            .set_position((fraction.clamp(0.0, 1.0) * STEPS as f32) as u64);
    }

    /// Clears the bar so the next line starts clean.
    pub fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
