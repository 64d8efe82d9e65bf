//! Why a command failed. Every variant reads as one line (the binary prefixes `error: `),
//! names the file or argument at fault, and says what would be accepted instead.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use spectral_mask::settings::SettingError;

use super::audio::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};

/// Where a setting came from, so its error can point at it.
#[derive(Debug)]
pub enum SettingSource {
    /// `--set ID=VALUE` on the command line.
    Argument,
    /// A line of a preset file (1-based).
    Preset { path: PathBuf, line: usize },
}

#[derive(Debug)]
pub enum CliError {
    /// A `--set` or preset line that names no parameter, cannot be read, or is out of range.
    Setting {
        source: SettingSource,
        error: SettingError,
    },
    /// A file that could not be opened or read (missing, a directory, no permission).
    Read { path: PathBuf, error: io::Error },
    /// A `.wav` file that does not start with a RIFF/WAVE header.
    NotWav { path: PathBuf },
    /// A file in none of the formats the tool reads.
    NotAudio { path: PathBuf },
    /// A file whose sample format or codec this tool does not read; `format` says which.
    UnsupportedFormat { path: PathBuf, format: String },
    /// A file whose sample rate is outside the range the tool accepts.
    SampleRate { path: PathBuf, rate: u32 },
    /// A file with a damaged header or data.
    Malformed { path: PathBuf, detail: String },
    /// The output names the input file (possibly by another path, a link or a hard link).
    OutputIsInput { input: PathBuf, output: PathBuf },
    /// The output (or its temporary file) could not be written or moved into place.
    Write { path: PathBuf, error: io::Error },
    /// `--learn` / `--learn-file` cannot be carried out (span outside the file or too
    /// short, a noise file of another sample rate); the text says which.
    Learn(String),
    /// Options that do not fit together; the text says which and what would.
    Usage(String),
    /// Ctrl-C stopped the command before this file was done.
    Interrupted,
    /// Files of a batch failed (each was reported on its own line).
    BatchFailed { failed: usize, total: usize },
}

impl CliError {
    /// 2 for mistakes in the command line itself, 1 for everything else (the convention
    /// clap and most Unix tools follow).
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Setting {
                source: SettingSource::Argument,
                ..
            }
            | CliError::OutputIsInput { .. }
            | CliError::Learn(_)
            | CliError::Usage(_) => 2,
            // What a shell reports for a command ended by SIGINT.
            CliError::Interrupted => 130,
            _ => 1,
        }
    }

    /// An IO error while opening or reading `path`.
    pub fn read(path: &Path, error: io::Error) -> Self {
        CliError::Read {
            path: path.to_path_buf(),
            error,
        }
    }

    /// An IO error while writing `path`.
    pub fn write(path: &Path, error: io::Error) -> Self {
        CliError::Write {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// An IO error as a short phrase, without the OS error number that `io::Error` appends.
fn io_text(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::UnexpectedEof => "the file ends early".to_string(),
        io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            let text = error.to_string();
            // "Some message (os error 28)" -> "some message"
            let text = text.split(" (os error").next().unwrap_or(&text);
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => "unknown error".to_string(),
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Setting { source, error } => match source {
                SettingSource::Argument => write!(f, "--set: {error}"),
                SettingSource::Preset { path, line } => {
                    write!(f, "{}, line {line}: {error}", path.display())
                }
            },
            CliError::Read { path, error } => {
                write!(f, "cannot read {}: {}", path.display(), io_text(error))
            }
            CliError::NotWav { path } => write!(f, "{} is not a WAV file", path.display()),
            CliError::NotAudio { path } => write!(
                f,
                "{} is not an audio file this tool reads (WAV, FLAC, AIFF, OGG Vorbis, MP3)",
                path.display()
            ),
            CliError::UnsupportedFormat { path, format } => write!(
                f,
                "{}: {format} samples are not supported \
                 (use 16, 24 or 32-bit integer or 32-bit float WAV, FLAC, AIFF, OGG or MP3)",
                path.display()
            ),
            CliError::SampleRate { path, rate } => write!(
                f,
                "{}: sample rate {rate} Hz is not supported (use {MIN_SAMPLE_RATE} .. \
                 {MAX_SAMPLE_RATE} Hz)",
                path.display()
            ),
            CliError::Malformed { path, detail } => {
                write!(f, "{} is a damaged audio file: {detail}", path.display())
            }
            CliError::OutputIsInput { input, output } => write!(
                f,
                "output {} is the input file {}; choose another output name",
                output.display(),
                input.display()
            ),
            CliError::Write { path, error } => {
                write!(f, "cannot write {}: {}", path.display(), io_text(error))
            }
            CliError::Learn(detail) | CliError::Usage(detail) => f.write_str(detail),
            CliError::Interrupted => f.write_str("interrupted"),
            CliError::BatchFailed { failed, total } => {
                write!(f, "{failed} of {total} files failed (each is named above)")
            }
        }
    }
}

impl std::error::Error for CliError {}
