//! The `spectral-mask` command line: `render`, `spectrogram`, `params`, and the hand-off to
//! the standalone app. A thin shell over [`spectral_mask::processor`]: it reads files,
//! turns `--set ID=VALUE` and presets into [`Settings`] through the shared parameter table,
//! and writes files; all DSP happens in the one processor the plugin uses.

mod audio;
mod batch;
mod canvas;
mod decode;
pub mod error;
mod flac;
mod learn;
mod output;
mod params;
mod progress;
mod render;
mod spectrogram;
mod wav;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use spectral_mask::mask::curve::{Curve, Node, MAX_NODES};
use spectral_mask::processor::Processor;
use spectral_mask::settings::Settings;
use spectral_mask::{partial_file, preset};

use audio::{Bits, Container};
use error::{CliError, SettingSource};

#[derive(Debug, Parser)]
#[command(
    name = "spectral-mask",
    version,
    about = "Spectral Mask: an STFT spectral gate without time aliasing",
    after_help = "Without a subcommand, or with standalone options such as --backend, \
                  it runs the standalone app; its options: spectral-mask standalone --help"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render audio files through the mask: IN OUT, or IN... -o DIR for a batch; each output
    /// lines up with its input
    Render(RenderArgs),
    /// Draw a WAV file's input level, mask and output level into a PNG
    Spectrogram(SpectrogramArgs),
    /// List the parameters: ids, ranges, defaults
    Params(ParamsArgs),
    /// Presets: `preset list` (the factory ones), `preset save FILE --set ...`
    #[command(subcommand)]
    Preset(PresetCommand),
    /// Run the standalone app (its options: spectral-mask standalone --help)
    #[command(disable_help_flag = true)]
    Standalone {
        /// Options for the standalone app, e.g. --backend dummy
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PresetCommand {
    /// List the factory presets, which --preset takes by name
    List,
    /// Save the settings of --preset and --set as a JSON preset that `render --preset` reads
    Save(PresetSaveArgs),
}

#[derive(Debug, Args)]
pub struct PresetSaveArgs {
    /// The preset file to write (JSON)
    pub file: PathBuf,
    /// The preset's name (default: the file's name)
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// The settings every processing command takes.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Set a parameter, e.g. --set threshold=-42 --set mode=binary (ids: spectral-mask params)
    #[arg(long = "set", value_name = "ID=VALUE")]
    pub assignments: Vec<String>,
    /// Read a preset: a factory preset's name (spectral-mask preset list), a JSON file (from
    /// `preset save` or the editor) or ID=VALUE lines ('#' starts a comment); --set
    /// overrides it
    #[arg(long, value_name = "FILE")]
    pub preset: Option<PathBuf>,
    /// Threshold curve: up to 8 nodes HZ:DB, e.g. --curve 3500:0,4000:20 raises the
    /// threshold 20 dB above 4 kHz (linear in log frequency between nodes, flat outside);
    /// replaces a preset's curve
    #[arg(long, value_name = "HZ:DB,...", value_parser = parse_curve, allow_hyphen_values = true)]
    pub curve: Option<Curve>,
}

/// Parses `HZ:DB,HZ:DB,...` for `--curve`.
fn parse_curve(text: &str) -> Result<Curve, String> {
    let nodes: Vec<Node> = text
        .split(',')
        .map(|node| {
            let (hz, db) = node
                .split_once(':')
                .ok_or_else(|| format!("'{node}' is not HZ:DB (e.g. 4000:20)"))?;
            let number = |part: &str| -> Result<f32, String> {
                part.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|value| value.is_finite())
                    .ok_or_else(|| format!("cannot read '{part}' in '{node}' as a number"))
            };
            Ok(Node {
                hz: number(hz)?,
                db: number(db)?,
            })
        })
        .collect::<Result<_, String>>()?;
    if nodes.len() > MAX_NODES {
        return Err(format!("at most {MAX_NODES} nodes, got {}", nodes.len()));
    }
    Ok(Curve::new(&nodes))
}

/// Learning a noise print before processing, for `reference=print`.
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// Learn a noise print from seconds START..END of the input (e.g. 0..0.7: a stretch of
    /// noise alone), then process the whole file with reference=print; a --set or preset
    /// line for reference overrides that (the print is then unused)
    #[arg(
        long,
        value_name = "START..END",
        value_parser = learn::parse_span,
        allow_hyphen_values = true
    )]
    pub learn: Option<learn::Span>,
    /// Learn the noise print from NOISE.wav (same sample rate as the input) instead: the
    /// whole file, or its --learn span; implies reference=print as --learn does
    #[arg(long, value_name = "NOISE.wav")]
    pub learn_file: Option<PathBuf>,
}

/// What `render` and `spectrogram` both take: the input, the settings and the print to learn.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Input file: WAV (16, 24 or 32-bit integer, 32-bit float), FLAC, AIFF, OGG Vorbis or
    /// MP3, any channel count
    pub input: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub learn: LearnArgs,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Without -o: the input file, then the output file (.wav, or .flac for FLAC). With -o:
    /// input files and folders (WAV, FLAC, AIFF, OGG Vorbis, MP3)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Render every input into DIR: a file as DIR/NAME, a folder's files under their path
    /// relative to it; the extension becomes the output format's
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Also take the files in the folders' subfolders
    #[arg(short, long)]
    pub recursive: bool,
    /// Files rendered at once (default: the number of cores)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Leave inputs whose output already exists (to finish an interrupted batch)
    #[arg(long)]
    pub skip_existing: bool,
    /// Print a JSON summary on stdout: one object per file
    #[arg(long)]
    pub json: bool,
    /// Output container (default: from the output's extension; wav for -o)
    #[arg(long, value_enum)]
    pub format: Option<Container>,
    /// Output samples: 16 or 24-bit integer, or 32-bit float (WAV only) [default: 32 for
    /// WAV, 24 for FLAC]
    #[arg(long, value_enum)]
    pub bits: Option<Bits>,
    /// The key (sidechain) for key=gate, duck or reference: a file of the input's sample
    /// rate, from the same start (silence past its end); the same key for every input
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub learn: LearnArgs,
}

#[derive(Debug, Args)]
pub struct SpectrogramArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// Output PNG: input level, mask and output level, top to bottom
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ParamsArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Subcommands and the top-level flags this shell answers itself.
const OWN_WORDS: &[&str] = &[
    "render",
    "spectrogram",
    "params",
    "standalone",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
];

/// Whether `args` (program name first) are for the standalone app as a whole: no
/// arguments at all, or options such as `--backend dummy` that only it understands.
/// A bare word that is not a subcommand stays with clap, so a typo gets a suggestion
/// instead of starting the app.
pub fn is_standalone_invocation(args: &[OsString]) -> bool {
    match args.get(1).map(|arg| arg.to_string_lossy()) {
        None => true,
        Some(first) => first.starts_with('-') && !OWN_WORDS.contains(&first.as_ref()),
    }
}

/// Runs a processing or listing command.
///
/// # Panics
/// On [`Command::Standalone`], which the binary hands to the standalone app itself.
pub fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Render(args) => render::run(&args),
        Command::Spectrogram(args) => spectrogram::run(&args),
        Command::Params(args) => params::run(&args),
        Command::Preset(PresetCommand::Save(args)) => save_preset(&args),
        Command::Preset(PresetCommand::List) => {
            list_presets();
            Ok(())
        }
        Command::Standalone { .. } => unreachable!("the binary runs the standalone app"),
    }
}

/// A clap error as one line: its first paragraph (which holds e.g. the names of missing
/// arguments on indented lines) and its tips ("a similar subcommand exists: 'render'"),
/// joined, plus where to look for help.
pub fn usage_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let mut lines = text.lines().map(str::trim);
    let mut parts = vec![lines
        .by_ref()
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")];
    parts.extend(lines.filter_map(|line| line.strip_prefix("tip: ").map(str::to_string)));
    let line = parts.join("; ");
    let line = line.strip_prefix("error: ").unwrap_or(&line);
    format!("{line} (see spectral-mask --help)")
}

/// What `--preset`, `--set` and `--curve` make: the parameters and the threshold curve;
/// and for `render`, the key `--key` reads.
pub struct Setup {
    pub settings: Settings,
    pub curve: Curve,
    pub key: Option<audio::Audio>,
}

impl Setup {
    /// A processor for `num_channels` at `sample_rate` with this setup and `print`
    /// installed, ready for its first sample.
    pub fn processor(
        &self,
        num_channels: usize,
        sample_rate: f32,
        print: Option<&[f32]>,
    ) -> Processor {
        let mut processor = Processor::new(num_channels, sample_rate, self.settings);
        if let Some(print) = print {
            processor.masker_mut().set_noise_print(print);
        }
        processor.masker_mut().set_curve(self.curve);
        processor
    }
}

/// What `render` and `spectrogram` both start from.
struct Job {
    setup: Setup,
    audio: audio::Audio,
    learned: Option<learn::Learned>,
}

impl Job {
    /// The learned print, if one was asked for.
    fn print(&self) -> Option<&[f32]> {
        self.learned
            .as_ref()
            .map(|learned| learned.print.as_slice())
    }

    /// `, noise print from ...` for the summary line, or nothing.
    fn print_summary(&self) -> String {
        learn::summary(self.learned.as_ref(), &self.setup.settings)
    }
}

/// Reads the settings, checks that the output overwrites nothing that is read, reads the
/// input and learns the print if asked to.
fn prepare_job(args: &JobArgs, output: &std::path::Path) -> Result<Job, CliError> {
    let (input, learn_args) = (args.input.as_path(), &args.learn);
    let setup = load_setup(learn_args.base_settings(), &args.settings)?;
    let settings = setup.settings;
    output::check_not_input(input, output)?;
    if let Some(noise) = &learn_args.learn_file {
        output::check_not_input(noise, output)?;
    }
    let audio = audio::read(input)?;
    let learned =
        learn::Learning::prepare(learn_args, &settings)?.print_for(&settings, &audio, input)?;
    Ok(Job {
        setup,
        audio,
        learned,
    })
}

/// `base` (the defaults, or what `--learn` changes of them), then the preset's lines, then
/// each `--set` in order; the curve of `--curve`, else the preset's.
fn load_setup(base: Settings, args: &SettingsArgs) -> Result<Setup, CliError> {
    let mut settings = base;
    let mut curve = Curve::default();
    if let Some(path) = &args.preset {
        // A factory preset by name, unless a file of that name is there.
        let factory = path
            .to_str()
            .filter(|_| !path.exists())
            .and_then(preset::factory);
        let text = match factory {
            Some(json) => json.to_string(),
            None => std::fs::read_to_string(path).map_err(|error| CliError::read(path, error))?,
        };
        (settings, curve) = if preset::looks_like_json(&text) {
            read_json_preset(path, &text, settings)
        } else {
            (read_line_preset(path, &text, settings)?, curve)
        };
    }
    for assignment in &args.assignments {
        settings
            .apply_assignment(assignment)
            .map_err(|error| CliError::Setting {
                source: SettingSource::Argument,
                error,
            })?;
    }
    if let Some(drawn) = args.curve {
        curve = drawn;
    }
    Ok(Setup {
        settings,
        curve,
        key: None,
    })
}

/// A preset of `ID=VALUE` lines over `base`; the first bad line is an error naming it.
fn read_line_preset(
    path: &std::path::Path,
    text: &str,
    mut settings: Settings,
) -> Result<Settings, CliError> {
    for (index, line) in text.lines().enumerate() {
        // Values never contain '#', so everything after it is a comment.
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        settings
            .apply_assignment(line)
            .map_err(|error| CliError::Setting {
                source: SettingSource::Preset {
                    path: path.to_path_buf(),
                    line: index + 1,
                },
                error,
            })?;
    }
    Ok(settings)
}

/// A JSON preset over `base`, and its curve. What it cannot use is reported on one warning
/// line and keeps `base`'s value; a file that is no preset at all leaves `base` as it is.
fn read_json_preset(path: &std::path::Path, text: &str, base: Settings) -> (Settings, Curve) {
    match preset::from_json(text, base) {
        Ok(loaded) => {
            if !loaded.issues.is_empty() {
                eprintln!(
                    "warning: preset {}: {}",
                    display_name(path),
                    loaded.issues.join("; ")
                );
            }
            (loaded.settings, loaded.curve)
        }
        Err(error) => {
            eprintln!(
                "warning: preset {}: {error}; using the defaults",
                display_name(path)
            );
            (base, Curve::default())
        }
    }
}

/// `preset list`: each factory preset's name and title.
fn list_presets() {
    for (id, json) in preset::FACTORY {
        let title = preset::from_json(json, Settings::default())
            .ok()
            .and_then(|loaded| loaded.name)
            .unwrap_or_default();
        println!("{id:<22}{title}");
    }
}

/// `preset save FILE`: the settings of `--preset` and `--set` as a JSON preset.
fn save_preset(args: &PresetSaveArgs) -> Result<(), CliError> {
    let setup = load_setup(Settings::default(), &args.settings)?;
    let name = args.name.clone().unwrap_or_else(|| {
        args.file
            .file_stem()
            .map_or("preset".into(), |stem| stem.to_string_lossy().into_owned())
    });
    let json = preset::to_json(&name, &setup.settings, &setup.curve);
    partial_file::write_whole(&args.file, json.as_bytes())
        .map_err(|error| CliError::write(&args.file, error))?;
    eprintln!("wrote {} (preset \"{name}\")", display_name(&args.file));
    Ok(())
}

/// A path as the summary line shows it.
fn display_name(path: &std::path::Path) -> std::borrow::Cow<'_, str> {
    path.as_os_str().to_string_lossy()
}
