//! Writing FLAC through flacenc: 16 or 24-bit integer samples, rounded as the WAV writer
//! rounds them, so a FLAC and a WAV output of one render hold the same samples.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use flacenc::bitsink::ByteSink;
use flacenc::component::BitRepr;
use flacenc::error::Verify;

use super::audio::{quantize, Audio, Bits, WriteStats};

/// Writes `audio` into `file` as FLAC at `bits` (16 or 24).
pub fn write(file: File, audio: &Audio, bits: Bits) -> io::Result<WriteStats> {
    let (channels, sample_rate) = (&audio.channels, audio.sample_rate);
    let invalid = |text: String| io::Error::new(io::ErrorKind::InvalidInput, text);
    let full_scale = bits
        .integer_full_scale()
        .ok_or_else(|| invalid("FLAC holds integer samples only".to_string()))?;
    let len = audio.len();
    let mut stats = WriteStats::default();
    let mut interleaved = Vec::with_capacity(len * channels.len());
    for frame in 0..len {
        for channel in channels.iter() {
            interleaved.push(quantize(channel[frame], full_scale, &mut stats));
        }
    }
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, error)| invalid(format!("FLAC encoder settings: {error}")))?;
    let source = flacenc::source::MemSource::from_samples(
        &interleaved,
        channels.len(),
        usize::from(bits.bits_per_sample()),
        sample_rate as usize,
    );
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|error| invalid(format!("FLAC encoding: {error}")))?;
    let mut sink = ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|error| invalid(format!("FLAC encoding: {error}")))?;
    let mut bytes = sink.as_slice().to_vec();
    fix_minimum_block_size(&mut bytes);
    let mut writer = BufWriter::new(file);
    writer.write_all(&bytes)?;
    writer.flush()?;
    Ok(stats)
}

/// Sets STREAMINFO's minimum block size to its maximum. flacenc writes the last block's
/// (shorter) size there, but the format excludes the last block from the minimum, and a
/// minimum below the maximum tells readers the stream has variable-size blocks: symphonia
/// then finds no first frame in our fixed-size frames. libFLAC writes min = max too.
fn fix_minimum_block_size(bytes: &mut [u8]) {
    // "fLaC", then the STREAMINFO block header (type 0), then min and max block size.
    if bytes.len() >= 12 && &bytes[..4] == b"fLaC" && bytes[4] & 0x7f == 0 {
        bytes.copy_within(10..12, 8);
    }
}
