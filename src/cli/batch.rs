//! `render IN... -o DIR`: files and folders rendered into one folder, several at once.
//!
//! Each file is independent (its own processor, its own temporary file renamed into place),
//! so files run in parallel on a rayon pool of `--jobs` threads, and a bad file is reported
//! on its own line while the others finish. One progress bar counts the batch; a line per
//! file says what became of it; a summary ends it. Ctrl-C starts no new file and stops those
//! under way without leaving a temporary, so `--skip-existing` later finishes the rest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use spectral_mask::partial_file;

use super::audio::{Container, OutputFormat, EXTENSIONS};
use super::error::CliError;
use super::learn::Learning;
use super::output;
use super::render::{stopped, Report, Task};
use super::{display_name, RenderArgs, Setup};

/// What became of one file.
pub type Outcome = Result<Report, Skip>;

/// Why a file has no new output.
#[derive(Debug)]
pub enum Skip {
    /// Its output exists and `--skip-existing` was given.
    Exists,
    /// Ctrl-C came before it was done.
    Interrupted,
    Failed(CliError),
}

impl Skip {
    /// A render's error as what became of the file.
    pub fn of(error: CliError) -> Self {
        match error {
            CliError::Interrupted => Skip::Interrupted,
            error => Skip::Failed(error),
        }
    }

    /// The file's status in the `--json` summary.
    fn status(&self) -> &'static str {
        match self {
            Skip::Exists => "skipped",
            Skip::Interrupted => "interrupted",
            Skip::Failed(_) => "failed",
        }
    }
}

/// What a batch did, counted once for the summary line and the JSON.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Totals {
    done: usize,
    failed: usize,
    skipped: usize,
    seconds: f64,
    /// Seconds of audio rendered.
    audio_s: f64,
    real_time: f64,
}

impl Totals {
    pub fn of(outcomes: &[&Outcome], seconds: f64) -> Self {
        let count = |wanted: fn(&Outcome) -> bool| outcomes.iter().filter(|o| wanted(o)).count();
        let audio_s = outcomes
            .iter()
            .filter_map(|outcome| outcome.as_ref().ok())
            .fold(0.0, |total, report| total + report.duration_s);
        Self {
            done: count(|outcome| outcome.is_ok()),
            failed: count(|outcome| matches!(outcome, Err(Skip::Failed(_)))),
            skipped: count(|outcome| matches!(outcome, Err(Skip::Exists))),
            seconds,
            audio_s,
            real_time: audio_s / seconds.max(1e-9),
        }
    }
}

/// Progress bar positions per file, so a bar moves smoothly through a long file.
const STEPS_PER_FILE: u64 = 1000;

pub fn run(args: &RenderArgs, setup: &Setup, dir: &Path) -> Result<(), CliError> {
    let start = Instant::now();
    let format = OutputFormat::new(args.format.unwrap_or(Container::Wav), args.bits)?;
    let jobs = match args.jobs {
        Some(jobs) => usize::from(jobs),
        None => std::thread::available_parallelism().map_or(1, |cores| cores.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|error| CliError::Usage(format!("--jobs {jobs}: {error}")))?;
    let tasks = plan(&args.paths, dir, args.recursive, format.container)?;
    if let Some(noise) = &args.learn.learn_file {
        for task in &tasks {
            output::check_not_input(noise, &task.output)?;
        }
    }
    let learning = Learning::prepare(&args.learn, &setup.settings)?;

    let bar = ProgressBar::new(tasks.len() as u64 * STEPS_PER_FILE);
    bar.set_style(
        ProgressStyle::with_template("rendering [{bar:40}] {msg} {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("#>-"),
    );
    bar.set_message(format!("0/{} files", tasks.len()));
    bar.enable_steady_tick(Duration::from_millis(200));
    let finished = AtomicUsize::new(0);
    let outcomes: Vec<Outcome> = pool.install(|| {
        tasks
            .par_iter()
            .map(|task| {
                let outcome = run_task(task, args, setup, &learning, format, &bar);
                let count = finished.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{count}/{} files", tasks.len()));
                bar.suspend(|| eprintln!("{}", outcome_line(task, &outcome, format)));
                outcome
            })
            .collect()
    });
    bar.finish_and_clear();

    let total = tasks.len();
    let files: Vec<(Task, Outcome)> = tasks.into_iter().zip(outcomes).collect();
    let totals = Totals::of(
        &files.iter().map(|(_, outcome)| outcome).collect::<Vec<_>>(),
        start.elapsed().as_secs_f64(),
    );
    if args.json {
        print_json(&files, totals);
    }
    let Totals {
        done,
        failed,
        skipped,
        seconds,
        audio_s,
        real_time,
    } = totals;
    eprintln!(
        "rendered {done} of {total} files ({failed} failed, {skipped} skipped) in \
         {seconds:.2} s: {audio_s:.1} s of audio, {real_time:.1}x real time",
    );
    if stopped() {
        eprintln!("interrupted: the same command with --skip-existing finishes the rest");
        return Err(CliError::Interrupted);
    }
    if failed > 0 {
        return Err(CliError::BatchFailed { failed, total });
    }
    Ok(())
}

/// Renders one task of the batch, unless its output exists and may stay or Ctrl-C came.
fn run_task(
    task: &Task,
    args: &RenderArgs,
    setup: &Setup,
    learning: &Learning,
    format: OutputFormat,
    bar: &ProgressBar,
) -> Outcome {
    if stopped() {
        return Err(Skip::Interrupted);
    }
    if args.skip_existing && task.output.exists() {
        bar.inc(STEPS_PER_FILE);
        return Err(Skip::Exists);
    }
    let mut shown = 0;
    let mut progress = |fraction: f32| {
        let position = (fraction.clamp(0.0, 1.0) * STEPS_PER_FILE as f32) as u64;
        if position > shown {
            bar.inc(position - shown);
            shown = position;
        }
    };
    let result = output::check_not_input(&task.input, &task.output)
        .and_then(|()| create_parent(&task.output))
        .and_then(|()| task.render(setup, learning, format, &mut progress));
    bar.inc(STEPS_PER_FILE - shown);
    result.map_err(Skip::of)
}

fn create_parent(path: &Path) -> Result<(), CliError> {
    let parent = partial_file::parent_dir(path);
    std::fs::create_dir_all(parent).map_err(|error| CliError::write(parent, error))
}

/// The line a file's outcome gets.
fn outcome_line(task: &Task, outcome: &Outcome, format: OutputFormat) -> String {
    let input = display_name(&task.input);
    match outcome {
        Ok(report) => format!("{input}: {}", report.describe(&task.output, format)),
        Err(Skip::Exists) => format!("{input}: skipped, {} exists", display_name(&task.output)),
        Err(Skip::Interrupted) => format!("{input}: not rendered (interrupted)"),
        Err(Skip::Failed(error)) => format!("{input}: failed: {error}"),
    }
}

/// The tasks for `paths` into `dir`: a file becomes `dir/NAME`, a folder's audio files
/// `dir/RELATIVE/PATH` (subfolders with `recursive`), each with the container's extension.
/// The output folder itself is never searched, and two inputs that would write one output
/// are an error.
fn plan(
    paths: &[PathBuf],
    dir: &Path,
    recursive: bool,
    container: Container,
) -> Result<Vec<Task>, CliError> {
    let dir_canonical = dir.canonicalize().ok();
    let mut tasks = Vec::new();
    for path in paths {
        if !path.is_dir() {
            // A missing file keeps its place; reading it reports that.
            let name = path.file_name().map_or(path.as_path(), Path::new);
            tasks.push(task_for(path.clone(), name, dir, container));
            continue;
        }
        let mut found = 0;
        let walker = walkdir::WalkDir::new(path)
            .max_depth(if recursive { usize::MAX } else { 1 })
            .sort_by_file_name();
        for entry in walker
            .into_iter()
            .filter_entry(|entry| !is_same_dir(entry.path(), dir_canonical.as_deref()))
        {
            let entry = entry.map_err(|error| {
                let at = error.path().unwrap_or(path).to_path_buf();
                CliError::read(&at, error.into())
            })?;
            if !entry.file_type().is_file() || !has_audio_extension(entry.path()) {
                continue;
            }
            let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
            tasks.push(task_for(
                entry.path().to_path_buf(),
                relative,
                dir,
                container,
            ));
            found += 1;
        }
        if found == 0 {
            return Err(CliError::Usage(format!(
                "{} holds no audio files ({}){}",
                path.display(),
                EXTENSIONS.join(", "),
                if recursive {
                    ""
                } else {
                    "; --recursive looks in its subfolders"
                }
            )));
        }
    }
    let mut seen: HashMap<&Path, &Path> = HashMap::new();
    for task in &tasks {
        if let Some(other) = seen.insert(&task.output, &task.input) {
            return Err(CliError::Usage(format!(
                "{} and {} would both be written to {}; render them into separate folders",
                other.display(),
                task.input.display(),
                task.output.display()
            )));
        }
    }
    Ok(tasks)
}

fn task_for(input: PathBuf, relative: &Path, dir: &Path, container: Container) -> Task {
    let output = dir.join(relative).with_extension(container.extension());
    Task { input, output }
}

fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str()))
}

fn is_same_dir(path: &Path, dir: Option<&Path>) -> bool {
    dir.is_some_and(|dir| path.canonicalize().is_ok_and(|path| path == dir))
}

/// One file in the `--json` summary.
#[derive(Serialize)]
struct FileSummary<'a> {
    input: &'a Path,
    output: &'a Path,
    /// `done`, `skipped`, `failed` or `interrupted`.
    status: &'static str,
    seconds: Option<f64>,
    duration_s: Option<f64>,
    peak_dbfs: Option<f64>,
    latency_removed: Option<usize>,
    error: Option<String>,
}

#[derive(Serialize)]
struct BatchSummary<'a> {
    files: Vec<FileSummary<'a>>,
    #[serde(flatten)]
    totals: Totals,
}

/// The `--json` summary of `files` on stdout.
pub fn print_json(files: &[(Task, Outcome)], totals: Totals) {
    let files = files
        .iter()
        .map(|(task, outcome)| {
            let report = outcome.as_ref().ok();
            FileSummary {
                input: &task.input,
                output: &task.output,
                status: outcome.as_ref().map_or_else(Skip::status, |_| "done"),
                seconds: report.map(|report| report.seconds),
                duration_s: report.map(|report| report.duration_s),
                peak_dbfs: report.and_then(|report| report.peak_dbfs),
                latency_removed: report.map(|report| report.latency_removed),
                error: match outcome {
                    Err(Skip::Failed(error)) => Some(error.to_string()),
                    _ => None,
                },
            }
        })
        .collect();
    match serde_json::to_string_pretty(&BatchSummary { files, totals }) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("error: cannot write the JSON summary: {error}"),
    }
}
