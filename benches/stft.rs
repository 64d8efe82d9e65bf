//! Engine cost per second of stereo 48 kHz audio at N = 2048, hop N/4, P = 1, 2, 4, next to
//! the bare realfft forward + inverse cost of the same number and sizes of transforms,
//! measured in the same run. Prints the ratio (engine / bare FFTs) per padding, and the
//! whole processor at its defaults against the same baseline.
//!
//! Planning and allocation happen outside the timed loops. Every iteration gets fresh input
//! (`iter_batched` copies one second of noise in, untimed): a gate run in place on its own
//! output would soon be timing digital silence.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, BatchSize, BenchmarkGroup, Criterion};
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use spectral_mask::analysis;
use spectral_mask::processor::Processor;
use spectral_mask::settings::{Key, Settings};
use spectral_mask::stft::{Stft, StftConfig, WindowKind};

const SAMPLE_RATE: usize = 48_000;
const CHANNELS: usize = 2;
const WINDOW: usize = 2048;
const BLOCK: usize = 512;

fn noise(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32) - 0.5
        })
        .collect()
}

/// One second of fresh stereo noise, for `iter_batched`'s untimed setup.
fn fresh_second() -> Vec<Vec<f32>> {
    vec![noise(SAMPLE_RATE, 1), noise(SAMPLE_RATE, 2)]
}

/// One second of fresh stereo noise through `processor` per iteration.
fn bench_processor(group: &mut BenchmarkGroup<WallTime>, name: &str, processor: &mut Processor) {
    group.bench_function(name, |b| {
        b.iter_batched(
            fresh_second,
            |mut buffers| {
                one_second(&mut buffers, |channels| processor.process(channels));
                buffers
            },
            BatchSize::LargeInput,
        )
    });
}

/// One second of stereo audio through `process`, in host-sized blocks.
fn one_second(buffers: &mut [Vec<f32>], mut process: impl FnMut(&mut [&mut [f32]])) {
    for start in (0..SAMPLE_RATE).step_by(BLOCK) {
        let end = (start + BLOCK).min(SAMPLE_RATE);
        let (left, right) = buffers.split_at_mut(1);
        process(&mut [&mut left[0][start..end], &mut right[0][start..end]]);
    }
}

fn bench_engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("stft");
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(20);
    for padding in [1, 2, 4] {
        let config = StftConfig::new(WINDOW, padding, WindowKind::Hann).unwrap();
        let m = config.transform_size();

        // Baseline: as many forward + inverse transforms of size M as one second of stereo
        // needs (48000 / hop frames per channel).
        let transforms = CHANNELS * SAMPLE_RATE / config.hop();
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(m);
        let inverse = planner.plan_fft_inverse(m);
        let source = noise(m, 3);
        let mut time = source.clone();
        let mut spectrum = vec![Complex::default(); m / 2 + 1];
        let mut scratch =
            vec![Complex::default(); forward.get_scratch_len().max(inverse.get_scratch_len())];
        group.bench_function(format!("realfft_P{padding}"), |b| {
            b.iter(|| {
                for _ in 0..transforms {
                    // Fresh input each transform (the engine copies its frame in too); an
                    // unnormalised round trip in place would grow by M a pass, to infinity.
                    time.copy_from_slice(&source);
                    forward
                        .process_with_scratch(&mut time, &mut spectrum, &mut scratch)
                        .unwrap();
                    spectrum[0].im = 0.0;
                    spectrum[m / 2].im = 0.0;
                    inverse
                        .process_with_scratch(&mut spectrum, &mut time, &mut scratch)
                        .unwrap();
                }
                black_box(&time);
            })
        });

        let mut stft = Stft::new(CHANNELS, config);
        group.bench_function(format!("engine_P{padding}"), |b| {
            b.iter_batched(
                fresh_second,
                |mut buffers| {
                    one_second(&mut buffers, |channels| stft.process(channels, |_| {}));
                    buffers
                },
                BatchSize::LargeInput,
            )
        });

        let settings = Settings {
            padding_ratio: padding,
            window_size: WINDOW,
            ..Settings::default()
        };
        let mut processor = Processor::new(CHANNELS, SAMPLE_RATE as f32, settings);
        bench_processor(&mut group, &format!("processor_P{padding}"), &mut processor);
    }
    group.finish();
}

/// The audio thread's cost with the editor open (levels in dB computed, columns and mask
/// snapshots published) against closed, at the defaults.
fn bench_editor(c: &mut Criterion) {
    let mut group = c.benchmark_group("stft");
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(20);
    let sample_rate = SAMPLE_RATE as f32;
    let (mut publisher, mut reader) = analysis::channel(analysis::DEFAULT_CAPACITY);
    reader.set_editor_open(true);
    let mut processor = Processor::new(CHANNELS, sample_rate, Settings::default());
    group.bench_function("editor_open", |b| {
        b.iter_batched(
            fresh_second,
            |mut buffers| {
                one_second(&mut buffers, |channels| {
                    processor
                        .process_observed(channels, |view| publisher.publish(view, sample_rate))
                });
                // The editor drains at 60 fps; here once a second, so the queue also
                // exercises its drop path.
                reader.drain(|column| {
                    black_box(column);
                });
                buffers
            },
            BatchSize::LargeInput,
        )
    });
    let mut processor = Processor::new(CHANNELS, sample_rate, Settings::default());
    bench_processor(&mut group, "editor_closed", &mut processor);

    // The key (sidechain) in a role: its analysis adds a forward transform per key channel
    // and frame, and the key's own noise tracker.
    let ducking = Settings {
        key: Key::Duck,
        ..Settings::default()
    };
    let mut processor = Processor::new(CHANNELS, sample_rate, ducking);
    group.bench_function("keyed_duck", |b| {
        b.iter_batched(
            || {
                (
                    fresh_second(),
                    vec![noise(SAMPLE_RATE, 3), noise(SAMPLE_RATE, 4)],
                )
            },
            |(mut buffers, key)| {
                for start in (0..SAMPLE_RATE).step_by(BLOCK) {
                    let end = (start + BLOCK).min(SAMPLE_RATE);
                    let (left, right) = buffers.split_at_mut(1);
                    processor.process_with_key(
                        &mut [&mut left[0][start..end], &mut right[0][start..end]],
                        &[&key[0][start..end], &key[1][start..end]],
                    );
                }
                buffers
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_engine, bench_editor);

/// Median time criterion measured for `name` in this run, in seconds.
fn median_s(name: &str) -> Option<f64> {
    let path = format!("target/criterion/stft/{name}/new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .or_else(|_| std::fs::read_to_string(format!("../{path}")))
        .ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(json["median"]["point_estimate"].as_f64()? * 1e-9)
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    println!("\nper second of stereo 48 kHz audio, N = {WINDOW}, hop N/4 (median):");
    println!("| P | bare realfft | engine | ratio | processor (defaults) | ratio |");
    println!("|---|---|---|---|---|---|");
    for padding in [1, 2, 4] {
        let (Some(base), Some(engine), Some(processor)) = (
            median_s(&format!("realfft_P{padding}")),
            median_s(&format!("engine_P{padding}")),
            median_s(&format!("processor_P{padding}")),
        ) else {
            // A filtered run (e.g. `-- engine`) measures only part of the table.
            continue;
        };
        println!(
            "| {padding} | {:.2} ms | {:.2} ms | {:.2} | {:.2} ms | {:.2} |",
            base * 1e3,
            engine * 1e3,
            engine / base,
            processor * 1e3,
            processor / base
        );
    }
    let defaults = Settings::default();
    let (window, padding) = (defaults.window_size, defaults.padding_ratio);
    if let (Some(open), Some(closed)) = (median_s("editor_open"), median_s("editor_closed")) {
        println!(
            "\nprocessor at defaults (N = {window}, P = {padding}), per second of stereo 48 kHz: \
             editor closed {:.2} ms, open {:.2} ms, ratio {:.2}",
            closed * 1e3,
            open * 1e3,
            open / closed
        );
    }
    if let (Some(keyed), Some(closed), Some(base)) = (
        median_s("keyed_duck"),
        median_s("editor_closed"),
        median_s(&format!("realfft_P{padding}")),
    ) {
        println!(
            "keyed by a stereo key (key = duck): {:.2} ms, {:.2}x the defaults, {:.2}x bare \
             realfft (P = {padding})",
            keyed * 1e3,
            keyed / closed,
            keyed / base
        );
    }
}
