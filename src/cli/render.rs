//! `render IN.wav OUT.wav`: the whole file through the processor, aligned with the input.

use std::time::Instant;

use spectral_mask::processor::{render_with_print, stft_config};

use super::error::CliError;
use super::output::PartialFile;
use super::progress::Progress;
use super::wav::{self, OutputFormat};
use super::{display_name, prepare_job, Bits, RenderArgs};

pub fn run(args: &RenderArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let job = prepare_job(&args.job, &args.output)?;
    let (settings, audio) = (&job.settings, &job.audio);

    let mut progress = Progress::new("rendering");
    let rendered = render_with_print(
        settings,
        audio.sample_rate as f32,
        &audio.channels,
        job.print(),
        |fraction| progress.update(fraction),
    );
    progress.finish();

    let format = match args.bits {
        Bits::Int16 => OutputFormat::Int16,
        Bits::Int24 => OutputFormat::Int24,
        Bits::Float32 => OutputFormat::Float32,
    };
    let (partial, file) = PartialFile::create(&args.output)?;
    let stats = wav::write(file, &rendered, audio.sample_rate, format)
        .map_err(|error| CliError::write(&args.output, error))?;
    partial.commit()?;

    let elapsed_s = start.elapsed().as_secs_f64();
    let duration_s = audio.duration_s();
    let clipped = if stats.clipped_samples > 0 {
        format!(
            ", {} samples clipped (use --bits 32 to keep them)",
            stats.clipped_samples
        )
    } else {
        String::new()
    };
    let print = job.print_summary();
    eprintln!(
        "wrote {} ({} ch, {} Hz, {}, {:.2} s) in {:.2} s, {:.1}x real time, \
         latency removed: {} samples{print}{clipped}",
        display_name(&args.output),
        audio.channels.len(),
        audio.sample_rate,
        format.describe(),
        duration_s,
        elapsed_s,
        duration_s / elapsed_s.max(1e-9),
        stft_config(settings).latency_samples(),
    );
    Ok(())
}
