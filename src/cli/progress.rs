//! A one-line progress bar on stderr, for renders long enough to wonder about.
//!
//! Drawn only when stderr is a terminal (a log file or a pipe gets no `\r` litter) and only
//! after [`SHOW_AFTER`], so short renders stay silent.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// A render shorter than this finishes before a bar would be worth reading.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// Characters between the brackets.
const BAR_WIDTH: usize = 40;

pub struct Progress {
    label: &'static str,
    start: Instant,
    enabled: bool,
    drawn: bool,
    /// Last drawn position in thousandths, so an unchanged bar is not redrawn.
    last_permille: Option<u32>,
}

impl Progress {
    pub fn new(label: &'static str) -> Self {
        Self {
            label,
            start: Instant::now(),
            enabled: std::io::stderr().is_terminal(),
            drawn: false,
            last_permille: None,
        }
    }

    /// Shows `fraction` (0..=1) done.
    pub fn update(&mut self, fraction: f32) {
        if !self.enabled || self.start.elapsed() < SHOW_AFTER {
            return;
        }
        let permille = (fraction.clamp(0.0, 1.0) * 1000.0) as u32;
        if self.last_permille == Some(permille) {
            return;
        }
        self.last_permille = Some(permille);
        let filled = permille as usize * BAR_WIDTH / 1000;
        let bar: String = "#".repeat(filled) + &"-".repeat(BAR_WIDTH - filled);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r{} [{bar}] {:5.1}%",
            self.label,
            permille as f32 / 10.0
        );
        let _ = stderr.flush();
        self.drawn = true;
    }

    /// Clears the bar so the next line starts clean.
    pub fn finish(&mut self) {
        if self.drawn {
            // label + " [" + bar + "] " + "100.0%"
            let width = self.label.len() + BAR_WIDTH + 10;
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r{}\r", " ".repeat(width));
            let _ = stderr.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
