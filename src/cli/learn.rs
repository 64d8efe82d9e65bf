//! `--learn START..END` and `--learn-file NOISE.wav`: learn a noise print before
//! processing, so `reference = print` can be used from the command line.
//!
//! The plugin learns while its `learn` parameter is on and finishes the print when it is
//! switched off. Here a separate [`Processor`] does the same over the span: a window of
//! the span with learning off first (so no frame holds the silence before the span), then
//! the rest with learning on, then the masker's `finish_learning`. The print is installed
//! in the processor that renders the whole file.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use spectral_mask::processor::Processor;
use spectral_mask::settings::{Reference, Settings};

use super::audio::{self, Audio};
use super::error::CliError;
use super::{display_name, LearnArgs};

/// A span of a file in seconds, as `--learn START..END` gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start_s: f64,
    pub end_s: f64,
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start_s, self.end_s)
    }
}

/// Parses `START..END` in seconds (`0..0.7`, `1.5..3`); for clap, whose error line names
/// the option.
pub fn parse_span(text: &str) -> Result<Span, String> {
    let (start, end) = text
        .split_once("..")
        .ok_or_else(|| "expected START..END in seconds, e.g. 0..0.7".to_string())?;
    let seconds = |part: &str, name: &str| -> Result<f64, String> {
        let part = part.trim();
        match part.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
            Ok(_) => Err(format!(
                "{name} must be a time in seconds >= 0, not '{part}'"
            )),
            Err(_) => Err(format!(
                "cannot read {name} '{part}' as seconds (expected START..END, e.g. 0..0.7)"
            )),
        }
    };
    let span = Span {
        start_s: seconds(start, "START")?,
        end_s: seconds(end, "END")?,
    };
    if span.end_s <= span.start_s {
        return Err(format!(
            "END must be after START (got {}..{})",
            span.start_s, span.end_s
        ));
    }
    Ok(span)
}

impl LearnArgs {
    /// Whether a print is to be learned at all.
    pub fn is_active(&self) -> bool {
        self.learn.is_some() || self.learn_file.is_some()
    }

    /// What `--preset` and `--set` start from: the defaults, with `reference = print` when
    /// a print is learned (so an explicit `reference=...` still wins).
    pub fn base_settings(&self) -> Settings {
        let mut settings = Settings::default();
        if self.is_active() {
            settings.reference = Reference::Print;
        }
        settings
    }
}

/// A learned print and where it came from, for the summary line.
#[derive(Clone)]
pub struct Learned {
    pub print: Vec<f32>,
    path: PathBuf,
    span: Span,
    sample_rate: u32,
}

impl Learned {
    /// E.g. `noise print from in.wav 0..0.5 s`, plus a note when the reference in use
    /// ignores it.
    pub fn describe(&self, settings: &Settings) -> String {
        let unused = match settings.reference {
            Reference::Print => "",
            Reference::Adaptive => " (unused: reference=adaptive)",
            Reference::Absolute => " (unused: reference=absolute)",
        };
        format!(
            "noise print from {} {} s{unused}",
            display_name(&self.path),
            self.span
        )
    }
}

/// `, noise print from ...` for a summary line when a print was learned, else nothing.
pub fn summary(learned: Option<&Learned>, settings: &Settings) -> String {
    learned
        .map(|learned| format!(", {}", learned.describe(settings)))
        .unwrap_or_default()
}

/// Where each input's print comes from: nowhere, a span of the input itself (`--learn`),
/// or one noise file learned once for every input (`--learn-file`).
pub enum Learning {
    None,
    FromInput(Span),
    Shared(Learned),
}

impl Learning {
    /// What `args` ask for; a `--learn-file` is read and learned here, once.
    pub fn prepare(args: &LearnArgs, settings: &Settings) -> Result<Self, CliError> {
        match (&args.learn_file, args.learn) {
            (Some(path), span) => {
                let noise = audio::read(path)?;
                Ok(Learning::Shared(learn_span(settings, &noise, path, span)?))
            }
            (None, Some(span)) => Ok(Learning::FromInput(span)),
            (None, None) => Ok(Learning::None),
        }
    }

    /// The print for `input` (read from `input_path`), if any.
    pub fn print_for(
        &self,
        settings: &Settings,
        input: &Audio,
        input_path: &Path,
    ) -> Result<Option<Learned>, CliError> {
        match self {
            Learning::None => Ok(None),
            Learning::FromInput(span) => {
                learn_span(settings, input, input_path, Some(*span)).map(Some)
            }
            Learning::Shared(learned) if learned.sample_rate != input.sample_rate => {
                Err(CliError::Learn(format!(
                    "--learn-file {}: sample rate {} Hz differs from the input's {} Hz",
                    learned.path.display(),
                    learned.sample_rate,
                    input.sample_rate
                )))
            }
            Learning::Shared(learned) => Ok(Some(learned.clone())),
        }
    }
}

/// Learns a print from `span` of `source` (read from `path`), the whole of it without one.
fn learn_span(
    settings: &Settings,
    source: &Audio,
    path: &Path,
    span: Option<Span>,
) -> Result<Learned, CliError> {
    let duration_s = source.duration_s();
    let span = span.unwrap_or(Span {
        start_s: 0.0,
        end_s: duration_s,
    });
    let rate = f64::from(source.sample_rate);
    // Half a sample of slack: `--learn 0..2.5` on a 2.5 s file is the whole file.
    if span.end_s > duration_s + 0.5 / rate {
        return Err(CliError::Learn(format!(
            "--learn {span}: the span ends after the end of {} ({duration_s:.3} s)",
            path.display()
        )));
    }
    let start = ((span.start_s * rate).round() as usize).min(source.len());
    let end = ((span.end_s * rate).round() as usize).min(source.len());

    let mut learn_settings = *settings;
    learn_settings.learn = false;
    let mut processor = Processor::new(source.channels.len(), rate as f32, learn_settings);
    let config = processor.config();
    let warm_end = (start + config.window_size).min(end);
    let mut no_progress = |_| ControlFlow::Continue(());
    processor.run_offline(
        &source.channels,
        start..warm_end,
        0,
        &[],
        None,
        &mut no_progress,
    );
    learn_settings.learn = true;
    processor.set_settings(&learn_settings);
    processor.run_offline(
        &source.channels,
        warm_end..end,
        0,
        &[],
        None,
        &mut no_progress,
    );
    processor.masker_mut().finish_learning();

    match processor.masker().noise_print() {
        Some(print) => Ok(Learned {
            print: print.to_vec(),
            path: path.to_path_buf(),
            span,
            sample_rate: source.sample_rate,
        }),
        None => Err(CliError::Learn(format!(
            "--learn {span}: too short to learn a noise print from; with window_size={} it \
             needs at least {:.3} s",
            config.window_size,
            (config.window_size + config.hop()) as f64 / rate
        ))),
    }
}
