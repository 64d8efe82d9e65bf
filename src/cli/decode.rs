//! Reading the compressed and non-WAV formats through symphonia: FLAC, AIFF, OGG Vorbis and
//! MP3, any channel count, as `f32` per channel at full scale ±1.
//!
//! MP3 and Vorbis carry encoder delay and padding; symphonia's gapless mode trims them where
//! the file says how much (a LAME/Xing header, Vorbis granule positions), so the decoded
//! length is the length that was encoded. A lossless file that ends before the length its
//! header promises is an error, not a shorter render.

use std::fs::File;
use std::io;
use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CodecType, DecoderOptions, CODEC_TYPE_FLAC, CODEC_TYPE_NULL};
use symphonia::core::errors::Error;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::audio::{check_sample_rate, Audio};
use super::error::CliError;

/// Decodes the whole of `path`, which `file` has open.
pub fn read(path: &Path, file: File) -> Result<Audio, CliError> {
    let malformed = |detail: String| CliError::Malformed {
        path: path.to_path_buf(),
        detail,
    };
    let mut hint = Hint::new();
    if let Some(extension) = path.extension().and_then(|extension| extension.to_str()) {
        hint.with_extension(extension);
    }
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let options = FormatOptions {
        enable_gapless: true,
        ..Default::default()
    };
    let probed = symphonia::default::get_probe()
        .format(&hint, stream, &options, &MetadataOptions::default())
        .map_err(|error| match error {
            Error::IoError(error) if error.kind() != io::ErrorKind::UnexpectedEof => {
                CliError::read(path, error)
            }
            Error::Unsupported(_) => CliError::NotAudio {
                path: path.to_path_buf(),
            },
            other => malformed(other.to_string()),
        })?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|track| track.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| malformed("it holds no audio track".to_string()))?;
    let (track_id, params) = (track.id, track.codec_params.clone());
    let mut decoder = symphonia::default::get_codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(|error| CliError::UnsupportedFormat {
            path: path.to_path_buf(),
            format: codec_text(&error),
        })?;
    let sample_rate = params
        .sample_rate
        .ok_or_else(|| malformed("it names no sample rate".to_string()))?;
    check_sample_rate(path, sample_rate)?;

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            // The end of the stream.
            Err(Error::IoError(error)) if error.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(Error::IoError(error)) => return Err(CliError::read(path, error)),
            Err(error) => return Err(malformed(error.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = decoder
            .decode(&packet)
            .map_err(|error| malformed(error.to_string()))?;
        let spec = *decoded.spec();
        let count = spec.channels.count();
        if channels.is_empty() {
            channels = vec![Vec::new(); count];
        } else if channels.len() != count {
            return Err(malformed(
                "its channel count changes mid-stream".to_string(),
            ));
        }
        let samples =
            buffer.get_or_insert_with(|| SampleBuffer::new(decoded.capacity() as u64, spec));
        if samples.capacity() < decoded.capacity() * count {
            *samples = SampleBuffer::new(decoded.capacity() as u64, spec);
        }
        samples.copy_interleaved_ref(decoded);
        for frame in samples.samples().chunks_exact(count) {
            for (channel, &sample) in channels.iter_mut().zip(frame) {
                channel.push(sample);
            }
        }
    }
    if channels.is_empty() {
        let count = params.channels.map_or(1, |channels| channels.count());
        channels = vec![Vec::new(); count];
    }
    let decoded = channels[0].len() as u64;
    match params.n_frames {
        Some(promised) if decoded < promised && is_lossless(params.codec) => {
            return Err(malformed(format!(
                "the data ends early (the file is cut short): {decoded} of {promised} samples"
            )));
        }
        // The encoder's padding at the end where the reader does not trim it (OGG Vorbis:
        // the last page's granule position gives the length).
        Some(promised) if decoded > promised => {
            for channel in &mut channels {
                channel.truncate(promised as usize);
            }
        }
        _ => {}
    }
    Ok(Audio {
        sample_rate,
        channels,
    })
}

/// Codecs whose header's length is exact, so a shorter stream is a damaged file: FLAC's
/// STREAMINFO counts samples. (symphonia's AIFF length counts the SSND chunk's 8 header
/// bytes as samples, so it is not used.)
fn is_lossless(codec: CodecType) -> bool {
    codec == CODEC_TYPE_FLAC
}

fn codec_text(error: &Error) -> String {
    match error {
        Error::Unsupported(feature) => format!("{feature} (a codec this tool does not read)"),
        other => other.to_string(),
    }
}
