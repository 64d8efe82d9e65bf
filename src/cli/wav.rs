//! Reading and writing WAV files for the command line: samples as `f32` per channel, and a
//! clear, typed reason when a file cannot be read.
//!
//! hound does the parsing. Its errors are about the bytes ("bits per sample is not 32");
//! for those we look at the `fmt ` chunk ourselves so the message names the format the
//! user has (a 64-bit float file, an A-law file) instead.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::Path;

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use super::audio::{check_sample_rate, quantize, Audio, Bits, WriteStats};
use super::error::CliError;

/// Reads a 16, 24 or 32-bit integer or 32-bit float WAV file of any channel count from
/// `file`, which holds `path` and starts with a RIFF/WAVE header.
pub fn read(path: &Path, mut file: File) -> Result<Audio, CliError> {
    file.seek(SeekFrom::Start(0))
        .map_err(|error| CliError::read(path, error))?;
    let reader = match WavReader::new(BufReader::new(file)) {
        Ok(reader) => reader,
        Err(error) => return Err(open_error(path, error)),
    };
    let spec = reader.spec();
    let supported = matches!(
        (spec.sample_format, spec.bits_per_sample),
        (SampleFormat::Int, 16 | 24 | 32) | (SampleFormat::Float, 32)
    );
    if !supported {
        let kind = match spec.sample_format {
            SampleFormat::Int => "integer",
            SampleFormat::Float => "float",
        };
        return Err(CliError::UnsupportedFormat {
            path: path.to_path_buf(),
            format: format!("{}-bit {kind}", spec.bits_per_sample),
        });
    }
    check_sample_rate(path, spec.sample_rate)?;

    let num_channels = usize::from(spec.channels);
    let frames = reader.len() as usize / num_channels;
    let mut channels: Vec<Vec<f32>> = (0..num_channels)
        .map(|_| Vec::with_capacity(frames))
        .collect();
    let damaged = |error: hound::Error| CliError::Malformed {
        path: path.to_path_buf(),
        detail: hound_text(&error),
    };
    match spec.sample_format {
        SampleFormat::Float => deinterleave(reader.into_samples::<f32>(), &mut channels, |x| x),
        SampleFormat::Int => {
            // Integer full scale is 2^(bits - 1): -32768 reads as exactly -1.
            let scale = 1.0 / f64::from(1u32 << (spec.bits_per_sample - 1));
            deinterleave(reader.into_samples::<i32>(), &mut channels, |x| {
                (f64::from(x) * scale) as f32
            })
        }
    }
    .map_err(damaged)?;
    // hound stops at the data chunk's end; drop a trailing incomplete frame.
    let len = channels.iter().map(Vec::len).min().unwrap_or(0);
    for channel in &mut channels {
        channel.truncate(len);
    }
    Ok(Audio {
        sample_rate: spec.sample_rate,
        channels,
    })
}

fn deinterleave<S, I: Iterator<Item = hound::Result<S>>>(
    samples: I,
    channels: &mut [Vec<f32>],
    convert: impl Fn(S) -> f32,
) -> hound::Result<()> {
    let num_channels = channels.len();
    for (index, sample) in samples.enumerate() {
        channels[index % num_channels].push(convert(sample?));
    }
    Ok(())
}

/// Turns hound's refusal to open a file into the user's terms.
fn open_error(path: &Path, error: hound::Error) -> CliError {
    let error = match error {
        hound::Error::IoError(io_error) if io_error.kind() != io::ErrorKind::UnexpectedEof => {
            return CliError::read(path, io_error)
        }
        other => other,
    };
    if let Ok(Some(format)) = File::open(path).and_then(|mut file| unsupported_format(&mut file)) {
        return CliError::UnsupportedFormat {
            path: path.to_path_buf(),
            format,
        };
    }
    CliError::Malformed {
        path: path.to_path_buf(),
        detail: hound_text(&error),
    }
}

fn hound_text(error: &hound::Error) -> String {
    match error {
        // hound reports a short read as `Other` with this text.
        hound::Error::IoError(io_error)
            if io_error.kind() == io::ErrorKind::UnexpectedEof
                || io_error.to_string() == "Failed to read enough bytes." =>
        {
            "the data ends early (the file is cut short)".to_string()
        }
        hound::Error::IoError(io_error) => io_error.to_string(),
        hound::Error::FormatError(text) => (*text).to_string(),
        other => other.to_string(),
    }
}

/// Reads the `fmt ` chunk and names its format if it is one we do not read, e.g.
/// `64-bit float` or `A-law compressed`; `None` for a supported or unreadable one.
fn unsupported_format(file: &mut File) -> io::Result<Option<String>> {
    const PCM: u16 = 0x0001;
    const IEEE_FLOAT: u16 = 0x0003;
    const EXTENSIBLE: u16 = 0xfffe;
    // Chunks before `fmt ` are rare and short (JUNK, bext); stop after a few.
    const MAX_CHUNKS: usize = 64;

    let mut reader = BufReader::new(file);
    reader.seek(SeekFrom::Start(12))?;
    for _ in 0..MAX_CHUNKS {
        let mut header = [0u8; 8];
        reader.read_exact(&mut header)?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if &header[..4] != b"fmt " {
            // Chunks are padded to an even length.
            reader.seek(SeekFrom::Current(i64::from(size) + i64::from(size & 1)))?;
            continue;
        }
        let mut fmt = vec![0u8; (size as usize).min(40)];
        reader.read_exact(&mut fmt)?;
        if fmt.len() < 16 {
            return Ok(None);
        }
        let word = |at: usize| u16::from_le_bytes([fmt[at], fmt[at + 1]]);
        let mut tag = word(0);
        let mut bits = word(14);
        if tag == EXTENSIBLE && fmt.len() >= 40 {
            // The sub-format GUID starts with the format tag it stands for.
            tag = word(24);
            if word(18) != 0 {
                bits = word(18);
            }
        }
        let format = match (tag, bits) {
            (PCM, 16 | 24 | 32) | (IEEE_FLOAT, 32) => return Ok(None),
            (PCM, bits) => format!("{bits}-bit integer"),
            (IEEE_FLOAT, bits) => format!("{bits}-bit float"),
            (0x0002, _) => "MS ADPCM compressed".to_string(),
            (0x0006, _) => "A-law compressed".to_string(),
            (0x0007, _) => "µ-law compressed".to_string(),
            (0x0011, _) => "IMA ADPCM compressed".to_string(),
            (0x0055, _) => "MP3 compressed".to_string(),
            (tag, _) => format!("compressed (format tag 0x{tag:04x})"),
        };
        return Ok(Some(format));
    }
    Ok(None)
}

/// Writes `audio` into `file` as WAV at `bits`.
pub fn write(file: File, audio: &Audio, bits: Bits) -> io::Result<WriteStats> {
    let (channels, sample_rate) = (&audio.channels, audio.sample_rate);
    let num_channels = u16::try_from(channels.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "too many channels"))?;
    let spec = WavSpec {
        channels: num_channels,
        sample_rate,
        bits_per_sample: bits.bits_per_sample(),
        sample_format: match bits {
            Bits::Float32 => SampleFormat::Float,
            Bits::Int16 | Bits::Int24 => SampleFormat::Int,
        },
    };
    let mut writer = WavWriter::new(BufWriter::new(file), spec).map_err(hound_to_io)?;
    let len = audio.len();
    let mut stats = WriteStats::default();
    match bits.integer_full_scale() {
        None => {
            for frame in 0..len {
                for channel in channels.iter() {
                    writer.write_sample(channel[frame]).map_err(hound_to_io)?;
                }
            }
        }
        Some(full_scale) => {
            for frame in 0..len {
                for channel in channels.iter() {
                    let value = quantize(channel[frame], full_scale, &mut stats);
                    writer.write_sample(value).map_err(hound_to_io)?;
                }
            }
        }
    }
    writer.finalize().map_err(hound_to_io)?;
    Ok(stats)
}

fn hound_to_io(error: hound::Error) -> io::Error {
    match error {
        hound::Error::IoError(error) => error,
        other => io::Error::other(other.to_string()),
    }
}
