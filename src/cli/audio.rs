//! Audio files for the command line, whatever their format: [`read`] takes WAV (hound, with
//! messages that name an unsupported WAV format) and FLAC, AIFF, OGG Vorbis and MP3
//! (symphonia); [`OutputFormat::write`] writes WAV or FLAC at a chosen depth.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::error::CliError;
use super::{decode, flac, wav};

/// Lowest sample rate accepted: telephone speech, the lowest rate a dialogue engineer
/// meets. The smallest window (256) is still only 32 ms there.
pub const MIN_SAMPLE_RATE: u32 = 8_000;
/// Highest sample rate accepted: the highest rate common converters record at. The largest
/// window (8192) is 21 ms there, still a usable resolution (47 Hz per bin).
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// File name extensions a folder is searched for (lower case).
pub const EXTENSIONS: &[&str] = &[
    "wav", "wave", "flac", "aif", "aiff", "aifc", "ogg", "oga", "mp3",
];

/// A whole file, decoded.
pub struct Audio {
    pub sample_rate: u32,
    /// One vector per channel, all the same length, full scale at ±1.
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    /// Samples per channel.
    pub fn len(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    pub fn duration_s(&self) -> f64 {
        self.len() as f64 / f64::from(self.sample_rate)
    }
}

/// Reads any supported file: a RIFF/WAVE header goes to the WAV reader, everything else to
/// symphonia, except a `.wav` name without the header, which is no WAV file.
pub fn read(path: &Path) -> Result<Audio, CliError> {
    let mut file = open(path)?;
    let is_wav_name = path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| matches!(extension.to_ascii_lowercase().as_str(), "wav" | "wave"));
    let has_wav_header = has_wave_header(&mut file).map_err(|error| CliError::read(path, error))?;
    match (has_wav_header, is_wav_name) {
        (true, _) => wav::read(path, file),
        (false, true) => Err(CliError::NotWav {
            path: path.to_path_buf(),
        }),
        (false, false) => {
            file.seek(SeekFrom::Start(0))
                .map_err(|error| CliError::read(path, error))?;
            decode::read(path, file)
        }
    }
}

/// An error unless `rate` is one the tool accepts.
pub fn check_sample_rate(path: &Path, rate: u32) -> Result<(), CliError> {
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        Ok(())
    } else {
        Err(CliError::SampleRate {
            path: path.to_path_buf(),
            rate,
        })
    }
}

fn open(path: &Path) -> Result<File, CliError> {
    let file = File::open(path).map_err(|error| CliError::read(path, error))?;
    // Opening a directory succeeds on Unix; reading it would fail with a vaguer message.
    match file.metadata() {
        Ok(metadata) if metadata.is_dir() => Err(CliError::read(
            path,
            io::Error::from(io::ErrorKind::IsADirectory),
        )),
        Ok(_) => Ok(file),
        Err(error) => Err(CliError::read(path, error)),
    }
}

/// Whether the file starts with `RIFF....WAVE`: what makes a file a WAV file at all. Reads
/// the first 12 bytes; the readers seek back themselves.
fn has_wave_header(file: &mut File) -> io::Result<bool> {
    let mut header = [0u8; 12];
    let mut filled = 0;
    while filled < header.len() {
        match file.read(&mut header[filled..])? {
            0 => return Ok(false),
            n => filled += n,
        }
    }
    Ok(&header[..4] == b"RIFF" && &header[8..] == b"WAVE")
}

/// The containers `render` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Container {
    Wav,
    Flac,
}

impl Container {
    /// The container a file name asks for: `.flac` is FLAC, anything else WAV.
    pub fn of_path(path: &Path) -> Self {
        match path.extension().and_then(|extension| extension.to_str()) {
            Some(extension) if extension.eq_ignore_ascii_case("flac") => Container::Flac,
            _ => Container::Wav,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Flac => "flac",
        }
    }
}

/// Sample depths: integers, or 32-bit float (WAV only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Bits {
    #[value(name = "16")]
    Int16,
    #[value(name = "24")]
    Int24,
    #[value(name = "32")]
    Float32,
}

/// What an output file is: container and sample depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputFormat {
    pub container: Container,
    pub bits: Bits,
}

impl OutputFormat {
    /// The format `--bits` and the container ask for; without `--bits`, WAV is written as
    /// 32-bit float (nothing clips) and FLAC, which holds integers, at 24 bits.
    pub fn new(container: Container, bits: Option<Bits>) -> Result<Self, CliError> {
        let bits = bits.unwrap_or(match container {
            Container::Wav => Bits::Float32,
            Container::Flac => Bits::Int24,
        });
        if container == Container::Flac && bits == Bits::Float32 {
            return Err(CliError::Usage(
                "--bits 32: FLAC holds integer samples; use --bits 16 or 24 (or a .wav output)"
                    .to_string(),
            ));
        }
        Ok(Self { container, bits })
    }

    /// Writes `audio` into `file` in this format.
    pub fn write(self, file: File, audio: &Audio) -> io::Result<WriteStats> {
        match self.container {
            Container::Wav => wav::write(file, audio, self.bits),
            Container::Flac => flac::write(file, audio, self.bits),
        }
    }

    /// As the summary line shows it, e.g. `24-bit FLAC`.
    pub fn describe(self) -> String {
        let depth = match self.bits {
            Bits::Int16 => "16-bit",
            Bits::Int24 => "24-bit",
            Bits::Float32 => "32-bit float",
        };
        match self.container {
            Container::Wav => depth.to_string(),
            Container::Flac => format!("{depth} FLAC"),
        }
    }
}

/// What writing clipped: integer formats cannot hold values beyond full scale.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteStats {
    pub clipped_samples: u64,
}

impl Bits {
    /// Full scale of an integer depth: 2^(bits - 1), so -32768 reads as exactly -1; `None`
    /// for float.
    pub fn integer_full_scale(self) -> Option<f64> {
        match self {
            Bits::Int16 => Some(32_768.0),
            Bits::Int24 => Some(8_388_608.0),
            Bits::Float32 => None,
        }
    }

    pub fn bits_per_sample(self) -> u16 {
        match self {
            Bits::Int16 => 16,
            Bits::Int24 => 24,
            Bits::Float32 => 32,
        }
    }
}

/// Rounds `sample` to the nearest integer step at `full_scale`, clamped; no dither, so a null
/// render of an integer input written back at its own depth returns the very same samples.
/// Counts a clipped sample in `stats`.
pub fn quantize(sample: f32, full_scale: f64, stats: &mut WriteStats) -> i32 {
    let (low, high) = (-full_scale, full_scale - 1.0);
    let scaled = (f64::from(sample) * full_scale).round();
    if !(low..=high).contains(&scaled) {
        stats.clipped_samples += 1;
    }
    // NaN (which the processor never produces) would cast to 0.
    scaled.clamp(low, high) as i32
}
