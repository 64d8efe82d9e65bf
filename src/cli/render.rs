//! `render IN OUT` and the work of one file that a batch (`render IN... -o DIR`, see
//! [`super::batch`]) repeats: read, learn, render aligned with the input, write through a
//! temporary file. Ctrl-C stops a render within a block (8192 samples) and leaves no
//! temporary behind.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use spectral_mask::choice::Choice;
use spectral_mask::partial_file::PartialFile;
use spectral_mask::processor::{render_prepared, stft_config};
use spectral_mask::settings::Key;

use super::audio::{self, Audio, Container, OutputFormat};
use super::batch::{self, Outcome, Skip};
use super::error::CliError;
use super::learn::{self, Learning};
use super::output;
use super::progress::Progress;
use super::{display_name, load_setup, RenderArgs, Setup};

/// Set by the first Ctrl-C: no file starts after it and renders under way stop.
static STOP: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C was pressed.
pub fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// The first Ctrl-C asks every render to stop and lets each remove its temporary file; a
/// second one ends the process at once.
fn handle_interrupts() {
    // Fails only if a handler is already set, which then does the same.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::Relaxed) {
            std::process::exit(CliError::Interrupted.exit_code());
        }
    });
}

pub fn run(args: &RenderArgs) -> Result<(), CliError> {
    handle_interrupts();
    let mut setup = load_setup(args.learn.base_settings(), &args.settings)?;
    setup.key = read_key(args.key.as_deref(), setup.settings.key)?;
    match &args.output_dir {
        Some(dir) => batch::run(args, &setup, dir),
        None => run_single(args, &setup),
    }
}

/// The key file, if one is given; a key that the settings give no role, or a role with no
/// key, is said on one line (the render goes on: a missing key is silence).
fn read_key(path: Option<&Path>, role: Key) -> Result<Option<Audio>, CliError> {
    match (path, role) {
        (Some(path), Key::Off) => eprintln!(
            "warning: --key {} is not read: key is off (set key=gate, duck or reference)",
            display_name(path)
        ),
        (None, Key::Gate | Key::Duck | Key::Reference) => eprintln!(
            "warning: key={} without --key FILE: the key is silence",
            Key::NAMES[role.index()]
        ),
        _ => {}
    }
    match path {
        Some(path) if role != Key::Off => audio::read(path).map(Some),
        _ => Ok(None),
    }
}

/// One input, one output: today's form, with its one summary line.
fn run_single(args: &RenderArgs, setup: &Setup) -> Result<(), CliError> {
    let [input, output] = &args.paths[..] else {
        return Err(CliError::Usage(format!(
            "render takes an input and an output file, or inputs and -o DIR (got {} path{})",
            args.paths.len(),
            if args.paths.len() == 1 { "" } else { "s" }
        )));
    };
    if args.recursive {
        return Err(CliError::Usage(
            "--recursive takes folders into -o DIR; give -o DIR".to_string(),
        ));
    }
    let format = OutputFormat::new(
        args.format.unwrap_or_else(|| Container::of_path(output)),
        args.bits,
    )?;
    let task = Task {
        input: input.clone(),
        output: output.clone(),
    };
    let start = Instant::now();
    let outcome = if args.skip_existing && output.exists() {
        eprintln!(
            "skipped {}: {} exists",
            display_name(input),
            display_name(output)
        );
        Err(Skip::Exists)
    } else {
        render_single(args, setup, &task, format).map_err(Skip::of)
    };
    if let Ok(report) = &outcome {
        eprintln!("{}", report.describe(output, format));
    }
    if args.json {
        let seconds = start.elapsed().as_secs_f64();
        let files = [(task, outcome)];
        batch::print_json(&files, batch::Totals::of(&[&files[0].1], seconds));
        let [(_, outcome)] = files;
        return into_result(outcome);
    }
    into_result(outcome)
}

/// The one file of `render IN OUT`: checks, the print, the render under a progress bar.
fn render_single(
    args: &RenderArgs,
    setup: &Setup,
    task: &Task,
    format: OutputFormat,
) -> Result<Report, CliError> {
    output::check_not_input(&task.input, &task.output)?;
    if let Some(noise) = &args.learn.learn_file {
        output::check_not_input(noise, &task.output)?;
    }
    let learning = Learning::prepare(&args.learn, &setup.settings)?;
    let mut progress = Progress::new("rendering");
    let report = task.render(setup, &learning, format, &mut |fraction| {
        progress.update(fraction)
    });
    progress.finish();
    report
}

/// The command's result for a single file's outcome.
fn into_result(outcome: Outcome) -> Result<(), CliError> {
    match outcome {
        Ok(_) | Err(Skip::Exists) => Ok(()),
        Err(Skip::Interrupted) => Err(CliError::Interrupted),
        Err(Skip::Failed(error)) => Err(error),
    }
}

/// One file to render: where from and where to.
#[derive(Debug, Clone)]
pub struct Task {
    pub input: PathBuf,
    pub output: PathBuf,
}

/// What rendering one file did.
#[derive(Debug, Clone)]
pub struct Report {
    pub channels: usize,
    pub sample_rate: u32,
    pub duration_s: f64,
    /// Wall-clock seconds: reading, rendering and writing.
    pub seconds: f64,
    /// Peak of the output in dBFS; `None` if it is silent.
    pub peak_dbfs: Option<f64>,
    pub latency_removed: usize,
    pub clipped_samples: u64,
    /// `, noise print from ...`, or nothing.
    pub print_summary: String,
}

impl Report {
    /// The summary line: `wrote OUT (2 ch, 48000 Hz, 32-bit float, 1.00 s) in ...`.
    pub fn describe(&self, output: &Path, format: OutputFormat) -> String {
        let clipped = if self.clipped_samples > 0 {
            let remedy = match format.container {
                Container::Wav => "use --bits 32 to keep them",
                Container::Flac => "write WAV with --bits 32 to keep them",
            };
            format!(", {} samples clipped ({remedy})", self.clipped_samples)
        } else {
            String::new()
        };
        format!(
            "wrote {} ({} ch, {} Hz, {}, {:.2} s) in {:.2} s, {:.1}x real time, \
             latency removed: {} samples{}{clipped}",
            display_name(output),
            self.channels,
            self.sample_rate,
            format.describe(),
            self.duration_s,
            self.seconds,
            self.duration_s / self.seconds.max(1e-9),
            self.latency_removed,
            self.print_summary,
        )
    }
}

impl Task {
    /// Reads, renders and writes this file; `progress` gets the fraction rendered. Stops
    /// with [`CliError::Interrupted`] after Ctrl-C, leaving nothing behind.
    pub fn render(
        &self,
        setup: &Setup,
        learning: &Learning,
        format: OutputFormat,
        progress: &mut dyn FnMut(f32),
    ) -> Result<Report, CliError> {
        let start = Instant::now();
        let (input, output) = (self.input.as_path(), self.output.as_path());
        let settings = &setup.settings;
        let audio = audio::read(input)?;
        let learned = learning.print_for(settings, &audio, input)?;
        let print = learned.as_ref().map(|learned| learned.print.as_slice());
        let processor = setup.processor(audio.channels.len(), audio.sample_rate as f32, print);
        let key = match &setup.key {
            Some(key) if key.sample_rate != audio.sample_rate => {
                return Err(CliError::Usage(format!(
                    "--key: sample rate {} Hz differs from the input's {} Hz",
                    key.sample_rate, audio.sample_rate
                )))
            }
            Some(key) => key.channels.as_slice(),
            None => &[],
        };
        let channels = render_prepared(processor, &audio.channels, key, |fraction| {
            progress(fraction);
            if stopped() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .ok_or(CliError::Interrupted)?;
        let rendered = Audio {
            sample_rate: audio.sample_rate,
            channels,
        };

        let write_error = |error| CliError::write(output, error);
        let (partial, file) = PartialFile::create(output).map_err(write_error)?;
        let stats = format.write(file, &rendered).map_err(write_error)?;
        if stopped() {
            // Dropping `partial` removes the temporary file.
            return Err(CliError::Interrupted);
        }
        partial.commit().map_err(write_error)?;

        let peak = rendered
            .channels
            .iter()
            .flatten()
            .fold(0.0f32, |peak, sample| peak.max(sample.abs()));
        Ok(Report {
            channels: audio.channels.len(),
            sample_rate: audio.sample_rate,
            duration_s: audio.duration_s(),
            seconds: start.elapsed().as_secs_f64(),
            peak_dbfs: (peak > 0.0).then(|| 20.0 * f64::from(peak).log10()),
            latency_removed: stft_config(settings).latency_samples(),
            clipped_samples: stats.clipped_samples,
            print_summary: learn::summary(learned.as_ref(), settings),
        })
    }
}
