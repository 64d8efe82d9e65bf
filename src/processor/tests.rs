use super::*;
use crate::mask::alias::AliasMeter;
use crate::mask::kernel::Kernel;
use crate::settings::{KernelKind, Key, Mode, Reference};
use crate::stft::tests::{max_error_db, noise};
use crate::stft::WindowKind;

const KERNELS: &[KernelKind] = <KernelKind as crate::choice::Choice>::ALL;

fn all_ones(window: WindowKind, n: usize, p: usize, kernel: KernelKind) -> Settings {
    Settings {
        threshold_db: -140.0,
        mode: Mode::Binary,
        window,
        window_size: n,
        padding_ratio: p,
        kernel,
        ..Settings::default()
    }
}

/// Feeds `input` (stereo) through a processor in blocks from `blocks` (cycled); returns the
/// output aligned with the input.
fn run_blocks(settings: &Settings, input: &[Vec<f32>], blocks: &[usize]) -> Vec<Vec<f32>> {
    let mut processor = Processor::new(input.len(), 48_000.0, *settings);
    let latency = processor.latency_samples();
    let mut buffers: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            let mut b = c.clone();
            b.resize(c.len() + latency, 0.0);
            b
        })
        .collect();
    let total = buffers[0].len();
    let mut pos = 0;
    for &block in blocks.iter().cycle() {
        if pos >= total {
            break;
        }
        let end = (pos + block).min(total);
        let mut slices: Vec<&mut [f32]> = buffers.iter_mut().map(|b| &mut b[pos..end]).collect();
        processor.process(&mut slices);
        pos = end;
    }
    buffers
        .into_iter()
        .map(|mut b| b.split_off(latency))
        .collect()
}

#[test]
fn all_ones_mask_nulls_every_window_size_padding_and_kernel() {
    let windows = [WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman];
    for window in windows {
        for n in [256, 1024, 4096, 8192] {
            for p in [1, 2, 4, 8] {
                for &kernel in KERNELS {
                    let settings = all_ones(window, n, p, kernel);
                    let input = vec![noise(2 * n + 3000, n as u32 ^ p as u32)];
                    let output = render(&settings, 48_000.0, &input, |_| {});
                    // Past the first window the engine has all frames overlapping.
                    let error = max_error_db(&input[0][n..], &output[0][n..]);
                    assert!(
                        error <= -120.0,
                        "{window:?} N={n} P={p} {kernel:?}: {error:.1} dB"
                    );
                }
            }
        }
    }
}

#[test]
fn all_ones_mask_nulls_at_every_host_block_size() {
    let random: Vec<usize> = noise(300, 9)
        .iter()
        .map(|x| ((x + 0.8) * 2500.0) as usize + 1)
        .collect();
    for &kernel in KERNELS {
        let settings = all_ones(WindowKind::Hann, 1024, 2, kernel);
        let input = vec![noise(30_000, 1), noise(30_000, 2)];
        for blocks in [&[1][..], &[7], &[64], &[512], &[4096], &random] {
            let output = run_blocks(&settings, &input, blocks);
            for (i, o) in input.iter().zip(&output) {
                let error = max_error_db(&i[1024..], &o[1024..]);
                assert!(
                    error <= -120.0,
                    "{kernel:?} blocks {:?}: {error:.1}",
                    &blocks[..1]
                );
            }
        }
    }
}

#[test]
fn masked_output_does_not_depend_on_block_size() {
    // Defaults: adaptive floor, soft mask, brickwall kernel, attack/release: all stateful.
    let settings = Settings::default();
    let input = vec![noise(40_000, 3), noise(40_000, 4)];
    let reference = run_blocks(&settings, &input, &[512]);
    let random: Vec<usize> = noise(300, 5)
        .iter()
        .map(|x| ((x + 0.8) * 5000.0) as usize + 1)
        .collect();
    for blocks in [&[1][..], &[7], &[64], &[4096], &random] {
        assert_eq!(
            run_blocks(&settings, &input, blocks),
            reference,
            "{:?}",
            &blocks[..1]
        );
    }
}

#[test]
fn full_scale_sine_on_a_bin_reads_zero_db() {
    for window in [WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman] {
        for n in [256, 512, 1024, 2048, 4096, 8192] {
            for p in [1, 2, 4, 8] {
                let settings = Settings {
                    window,
                    window_size: n,
                    padding_ratio: p,
                    ..Settings::default()
                };
                let config = stft_config(&settings);
                let bin = config.num_bins() / 3;
                let m = config.transform_size() as f64;
                let mut signal: Vec<f32> = (0..2 * n)
                    .map(|t| (std::f64::consts::TAU * bin as f64 * t as f64 / m).sin() as f32)
                    .collect();
                let mut processor = Processor::new(1, 48_000.0, settings);
                let mut level = f32::NAN;
                processor.process_observed(&mut [&mut signal], |view| {
                    level = view.masker.levels_db(0)[bin];
                });
                assert!(level.abs() <= 0.1, "{window:?} N={n} P={p}: {level} dB");
            }
        }
    }
}

/// Rejection of the kernel applied to a single isolated bin (an atom) at one geometry.
fn atom_rejection(kernel_kind: KernelKind, n: usize, p: usize) -> f32 {
    let config = StftConfig::new(n, p, WindowKind::Hann).unwrap();
    let mut kernel = Kernel::new();
    kernel.prepare(kernel_kind, config);
    let mut gains = vec![0.0; config.num_bins()];
    gains[config.num_bins() / 3] = 1.0;
    kernel.apply(&mut gains);
    AliasMeter::new().rejection_db(&gains, config)
}

/// Worst per-frame rejection of the gains the processor applied to noise, with a binary
/// mask at a threshold that splits the bins about in half (random binary masks).
fn random_mask_rejection(kernel: KernelKind, n: usize, p: usize) -> f32 {
    let mut settings = Settings {
        window_size: n,
        padding_ratio: p,
        kernel,
        mode: Mode::Binary,
        reference: Reference::Absolute,
        floor_db: f32::NEG_INFINITY,
        attack_ms: 0.0,
        release_ms: 0.0,
        ..Settings::default()
    };
    // White noise of amplitude 0.8 uniform: bins sit near -26 dBFS at N = 1024; the
    // median is found by the first frame below, so the mask is random, not all or nothing.
    settings.threshold_db = -200.0;
    let mut processor = Processor::new(1, 48_000.0, settings);
    let mut warmup = noise(2 * n * p, 17);
    processor.process(&mut [&mut warmup]);
    let config = processor.config();
    let mut median = 0.0;
    let mut probe = noise(n, 18);
    processor.process_observed(&mut [&mut probe], |view| {
        let mut levels = view.masker.levels_db(0).to_vec();
        levels.sort_by(f32::total_cmp);
        median = levels[levels.len() / 2];
    });
    settings.threshold_db = median;
    processor.set_settings(&settings);
    let mut meter = AliasMeter::new();
    let mut worst = f32::INFINITY;
    let mut signal = noise(8 * n, 19);
    processor.process_observed(&mut [&mut signal], |view| {
        let gains = view.masker.applied_gains(0);
        let levels = view.masker.levels_db(0).iter();
        let open = levels
            .zip(view.masker.thresholds_db(0))
            .filter(|(l, t)| l >= t)
            .count();
        assert!(
            open > gains.len() / 5 && open < gains.len() * 4 / 5,
            "mask is random"
        );
        worst = worst.min(meter.rejection_db(gains, config));
    });
    worst
}

#[test]
fn alias_rejection_meets_the_figures_moorer_gives() {
    let mut table = String::from("| kernel | P=1 | P=2 | P=4 | P=8 |\n|---|---|---|---|---|\n");
    for &kernel in KERNELS {
        let mut row = format!("| {kernel:?} atom |");
        let mut random_row = format!("| {kernel:?} random |");
        for p in [1, 2, 4, 8] {
            let atom = atom_rejection(kernel, 1024, p);
            let random = random_mask_rejection(kernel, 1024, p);
            row += &format!(" {atom:.1} dB |");
            random_row += &format!(" {random:.1} dB |");
            if p == 2 {
                let bound = match kernel {
                    KernelKind::Brickwall5 => 22.0,
                    KernelKind::Brickwall7 => 30.0,
                    KernelKind::Exact => 100.0,
                    _ => f32::NEG_INFINITY,
                };
                assert!(atom >= bound, "{kernel:?} atom at P=2: {atom:.1} dB");
                assert!(random >= bound, "{kernel:?} random at P=2: {random:.1} dB");
            }
        }
        table += &format!("{row}\n{random_row}\n");
    }
    println!("alias rejection, N = 1024, hann (energy of the implied response outside M - N + 1 samples, dB below total; worst frame for random masks):\n{table}");
    // Without a kernel an atom never decays: at P = 2 half its energy lies outside
    // (N - 1 of M = 2N samples), about 3 dB.
    let bare = atom_rejection(KernelKind::None, 1024, 2);
    assert!((bare - 3.0).abs() < 0.1, "{bare}");
    // Smoothing kernels make the atom decay: better than the bare atom at every padding.
    for kernel in [KernelKind::Hamming3, KernelKind::Blackman5] {
        for p in [2, 4, 8] {
            let smoothed = atom_rejection(kernel, 1024, p);
            let bare = atom_rejection(KernelKind::None, 1024, p);
            assert!(
                smoothed > bare + 3.0,
                "{kernel:?} P={p}: {smoothed} vs {bare}"
            );
        }
    }
}

#[test]
fn non_finite_input_never_poisons_the_mask() {
    let settings = Settings::default();
    let mut processor = Processor::new(2, 48_000.0, settings);
    let mut left = noise(48_000, 1);
    let mut right = noise(48_000, 2);
    left[10_000] = f32::NAN;
    right[10_001] = f32::INFINITY;
    left[10_002] = 1e-40;
    processor.process(&mut [&mut left, &mut right]);
    assert!(left.iter().chain(&right).all(|x| x.is_finite()));
}

#[test]
fn inverted_modes_pass_what_the_plain_modes_reduce() {
    // Binary plus binary_inverted with a -inf floor add up to the input.
    let plain = Settings {
        mode: Mode::Binary,
        floor_db: f32::NEG_INFINITY,
        attack_ms: 0.0,
        release_ms: 0.0,
        kernel: KernelKind::None,
        reference: Reference::Absolute,
        threshold_db: -40.0,
        ..Settings::default()
    };
    let inverted = Settings {
        mode: Mode::BinaryInverted,
        ..plain
    };
    let input = vec![noise(20_000, 8)];
    let a = render(&plain, 48_000.0, &input, |_| {});
    let b = render(&inverted, 48_000.0, &input, |_| {});
    let sum: Vec<f32> = a[0].iter().zip(&b[0]).map(|(x, y)| x + y).collect();
    assert!(max_error_db(&input[0][2048..], &sum[2048..]) < -110.0);
    // And neither alone is the input.
    assert!(max_error_db(&input[0][2048..], &a[0][2048..]) > -20.0);
}

/// Mean and spread (5th to 95th percentile) of the adaptive floor, in dB relative to the
/// true level of white noise, after `seconds` of it.
fn adaptive_floor_error_db(n: usize, p: usize, seconds: f32) -> (f32, f32, f32) {
    let settings = Settings {
        window_size: n,
        padding_ratio: p,
        reference: Reference::Adaptive,
        threshold_db: 0.0,
        ..Settings::default()
    };
    let mut processor = Processor::new(1, 48_000.0, settings);
    let mut signal = noise((48_000.0 * seconds) as usize, 23);
    // Uniform in [-0.8, 0.8]: variance 0.8² / 3.
    let variance = 0.64f32 / 3.0;
    let mut errors = Vec::new();
    processor.process_observed(&mut [&mut signal], |view| {
        let expected = 10.0
            * (variance * view.frame.window_power / (view.frame.window_sum / 2.0).powi(2)).log10();
        let thresholds = view.masker.thresholds_db(0);
        let bins = thresholds.len();
        errors = thresholds[bins / 20..bins - bins / 20]
            .iter()
            .map(|t| t - expected)
            .collect();
    });
    errors.sort_by(f32::total_cmp);
    let mean = errors.iter().sum::<f32>() / errors.len() as f32;
    let low = errors[errors.len() / 20];
    let high = errors[errors.len() * 19 / 20];
    (mean, low, high)
}

#[test]
fn adaptive_floor_reads_the_noise_level() {
    for (n, p) in [
        (256, 1),
        (512, 2),
        (1024, 1),
        (1024, 2),
        (2048, 2),
        (4096, 2),
        (2048, 8),
        (8192, 2),
    ] {
        let (mean, low, high) = adaptive_floor_error_db(n, p, 4.0);
        println!("floor error N={n} P={p}: mean {mean:+.2} dB, 5%..95% {low:+.2}..{high:+.2} dB");
        assert!(mean.abs() < 0.5, "N={n} P={p}: mean {mean:.2} dB");
        // No stripes: every bin's floor within a few dB of the noise level.
        assert!(
            low > -2.5 && high < 2.5,
            "N={n} P={p}: {low:.2}..{high:.2} dB"
        );
    }
}

const RATE: f32 = 48_000.0;

/// Runs `input` through one processor in 512-sample blocks, starting with `first` and taking
/// each of `switches` (sample, settings) mid-stream, as a host that does not re-activate.
fn run_switched(first: &Settings, switches: &[(usize, Settings)], input: &[f32]) -> Vec<f32> {
    let mut processor = Processor::new(1, RATE, *first);
    let mut output = input.to_vec();
    let mut pos = 0;
    let mut pending = switches.iter().peekable();
    while pos < output.len() {
        let end = pending
            .peek()
            .map_or(output.len(), |(at, _)| *at)
            .min(output.len());
        // Host-sized blocks: 512 samples.
        for block in output[pos..end].chunks_mut(512) {
            processor.process(&mut [block]);
        }
        pos = end;
        if let Some((_, settings)) = pending.next() {
            processor.set_settings(settings);
        }
    }
    output
}

/// The cut in dB (input energy over output energy, positive is a cut) in `span` of the
/// input, with the output delayed by `latency`.
fn cut_db(input: &[f32], output: &[f32], latency: usize, span: std::ops::Range<usize>) -> f32 {
    let energy = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
    let input_energy = energy(&input[span.clone()]);
    let output_energy = energy(&output[span.start + latency..span.end + latency]);
    (10.0 * (input_energy / output_energy.max(1e-300)).log10()) as f32
}

/// Steady white noise at -20 dBFS-ish, `seconds` long, after `lead` (silence or anything).
fn noise_after(lead: Vec<f32>, seconds: f32, seed: u32) -> (Vec<f32>, usize) {
    let start = lead.len();
    let mut signal = lead;
    signal.extend(
        noise((RATE * seconds) as usize, seed)
            .iter()
            .map(|x| x * 0.25),
    );
    (signal, start)
}

/// Per-second cuts from 2 s after `start` to the end (less a latency of tail).
fn cuts_from_two_seconds(signal: &[f32], start: usize, settings: &Settings) -> Vec<f32> {
    let mut padded = signal.to_vec();
    let latency = Processor::new(1, RATE, *settings).latency_samples();
    padded.resize(signal.len() + latency, 0.0);
    let output = run_switched(settings, &[], &padded);
    let second = RATE as usize;
    (start + 2 * second..signal.len() - second + 1)
        .step_by(second)
        .map(|from| cut_db(signal, &output, latency, from..from + second))
        .collect()
}

#[test]
fn silence_gaps_and_quiet_lead_ins_do_not_stop_the_adaptive_floor() {
    let settings = Settings::default();
    let (plain, start) = noise_after(Vec::new(), 8.0, 31);
    let expected = cuts_from_two_seconds(&plain, start, &settings);
    let reference = expected.iter().sum::<f32>() / expected.len() as f32;
    assert!(
        reference > 15.0,
        "the defaults cut steady noise: {reference:.1} dB"
    );

    let second = RATE as usize;
    let quiet: Vec<f32> = noise(2 * second, 77)
        .iter()
        .map(|x| x * 10f32.powf(-90.0 / 20.0) / 0.46)
        .collect();
    let mut cases: Vec<(&str, Vec<f32>, usize)> = [
        ("0.5 s of digital silence", vec![0.0; second / 2]),
        ("2 s of digital silence", vec![0.0; 2 * second]),
        ("2 s at -90 dBFS", quiet),
    ]
    .into_iter()
    .map(|(name, lead)| {
        let (signal, start) = noise_after(lead, 8.0, 31);
        (name, signal, start)
    })
    .collect();
    // A one-second gap of digital silence mid-stream.
    let (mut gap, _) = noise_after(Vec::new(), 4.0, 31);
    gap.extend(std::iter::repeat_n(0.0, second));
    let restart = gap.len();
    gap.extend(noise_after(Vec::new(), 6.0, 32).0);
    cases.push(("after a 1 s gap", gap, restart));

    for (name, signal, start) in cases {
        let cuts = cuts_from_two_seconds(&signal, start, &settings);
        for (second, cut) in cuts.iter().enumerate() {
            assert!(
                (cut - reference).abs() < 3.0,
                "{name}: second {}: {cut:.1} dB against {reference:.1} dB",
                second + 2
            );
        }
    }
}

/// Mean periodogram of `x` in `bands` equal-width bands up to Nyquist, in dB.
fn band_levels_db(x: &[f32], bands: usize) -> Vec<f32> {
    const SIZE: usize = 4096;
    let mut planner = realfft::RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(SIZE);
    let mut spectrum = fft.make_output_vec();
    let mut power = vec![0.0f64; SIZE / 2 + 1];
    for chunk in x.chunks_exact(SIZE) {
        let mut frame = chunk.to_vec();
        fft.process(&mut frame, &mut spectrum).unwrap();
        for (p, c) in power.iter_mut().zip(&spectrum) {
            *p += c.norm_sqr() as f64;
        }
    }
    let per_band = (SIZE / 2) / bands;
    (0..bands)
        .map(|band| {
            let sum: f64 = power[1 + band * per_band..1 + (band + 1) * per_band]
                .iter()
                .sum();
            (10.0 * sum.max(1e-300).log10()) as f32
        })
        .collect()
}

#[test]
fn window_changes_mid_stream_behave_like_a_fresh_instance_across_the_spectrum() {
    let second = RATE as usize;
    let input: Vec<f32> = noise(8 * second, 41).iter().map(|x| x * 0.25).collect();
    let with_size = |window_size: usize| Settings {
        window_size,
        ..Settings::default()
    };
    let paths: [&[usize]; 2] = [&[256, 512, 2048], &[8192, 2048]];
    for path in paths {
        let first = with_size(path[0]);
        // Switch at 2 s and (for three sizes) 3 s; compare from 5 s on.
        let switches: Vec<(usize, Settings)> = path[1..]
            .iter()
            .enumerate()
            .map(|(i, &size)| ((2 + i) * second, with_size(size)))
            .collect();
        let last = *path.last().unwrap();
        let mut padded = input.clone();
        let full_latency = Processor::new(1, RATE, with_size(last)).latency_samples();
        padded.resize(input.len() + full_latency, 0.0);
        let switched = run_switched(&first, &switches, &padded);
        let fresh = run_switched(&with_size(last), &[], &padded);
        let span = 5 * second + full_latency..8 * second + full_latency;
        let switched_bands = band_levels_db(&switched[span.clone()], 16);
        let fresh_bands = band_levels_db(&fresh[span], 16);
        let input_bands = band_levels_db(&input[5 * second..], 16);
        for (band, ((s, f), i)) in switched_bands
            .iter()
            .zip(&fresh_bands)
            .zip(&input_bands)
            .enumerate()
        {
            assert!(
                i - f > 10.0,
                "{path:?} band {band}: the fresh instance cuts {:.1} dB",
                i - f
            );
            assert!(
                (s - f).abs() < 3.0,
                "{path:?} band {band}: switched {:.1} dB, fresh {:.1} dB of cut",
                i - s,
                i - f
            );
        }
    }
}

#[test]
fn bypass_is_the_input_delayed_and_switching_never_steps() {
    let second = RATE as usize;
    // A 440 Hz tone plus noise, so the mask changes the signal while active.
    let input: Vec<f32> = noise(3 * second, 51)
        .iter()
        .enumerate()
        .map(|(i, n)| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / RATE).sin() + 0.2 * n)
        .collect();
    let on = Settings {
        bypass: true,
        ..Settings::default()
    };
    let off = Settings::default();
    let latency = Processor::new(1, RATE, off).latency_samples();
    // Bypass from 1 s to 2 s, switched inside host blocks of 333 samples.
    let switches = [(second, on), (2 * second, off)];
    let mut processor = Processor::new(1, RATE, off);
    let mut output = input.clone();
    let mut pending = switches.iter().peekable();
    let mut pos = 0;
    while pos < output.len() {
        let mut end = (pos + 333).min(output.len());
        if let Some((at, settings)) = pending.peek() {
            if *at <= end {
                end = *at;
                processor.process(&mut [&mut output[pos..end]]);
                processor.set_settings(settings);
                pending.next();
                pos = end;
                continue;
            }
        }
        processor.process(&mut [&mut output[pos..end]]);
        pos = end;
    }
    // Fully bypassed (after the 10 ms fade): exactly the input, delayed by the latency.
    let fade = (0.01 * RATE) as usize;
    for t in second + fade..2 * second {
        assert_eq!(output[t], input[t - latency], "sample {t}");
    }
    // No step between neighbouring samples larger than the signal's own largest step.
    let largest_step = |x: &[f32]| {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    };
    let own = largest_step(&input);
    for edge in [second, 2 * second] {
        let around = &output[edge - fade..edge + 2 * fade];
        let step = largest_step(around);
        assert!(
            step <= own,
            "switch at {edge}: step {step} against the signal's {own}"
        );
    }
}

#[test]
fn frames_aligned_to_the_timeline_do_not_depend_on_how_long_the_processor_idled() {
    // A host runs a varying number of silent cycles before its transport starts at 0 (Ardour
    // before an export); aligned to the timeline, the render of the passage is the same.
    let signal: Vec<f32> = noise(3 * RATE as usize, 61)
        .iter()
        .map(|x| x * 0.25)
        .collect();
    let render_after_idling = |idle: usize| {
        let mut processor = Processor::new(1, RATE, Settings::default());
        let mut silence = vec![0.0; idle];
        for block in silence.chunks_mut(64) {
            processor.process(&mut [block]);
        }
        processor.align_to_timeline(0);
        let mut output = signal.clone();
        for block in output.chunks_mut(64) {
            processor.process(&mut [block]);
        }
        output
    };
    let reference = render_after_idling(RATE as usize);
    for idle in [
        RATE as usize + 64,
        RATE as usize + 320,
        2 * RATE as usize + 448,
    ] {
        assert_eq!(render_after_idling(idle), reference, "idle {idle}");
    }
}

#[test]
fn a_tilted_threshold_cuts_above_the_pivot_and_spares_below() {
    let second = RATE as usize;
    let input: Vec<f32> = noise(6 * second, 43).iter().map(|x| x * 0.25).collect();
    let settings = Settings {
        mode: Mode::Binary,
        reference: Reference::Adaptive,
        // 10 dB under the noise at 1 kHz; +12 dB per octave puts it 14 dB over at 4 kHz
        // and 22 dB under at 500 Hz.
        threshold_db: -10.0,
        tilt_db: 12.0,
        ..Settings::default()
    };
    let latency = Processor::new(1, RATE, settings).latency_samples();
    let mut padded = input.clone();
    padded.resize(input.len() + latency, 0.0);
    let output = run_switched(&settings, &[], &padded);
    // 1 kHz bands over the last 4 s.
    let span = 2 * second..6 * second;
    let before = band_levels_db(&input[span.clone()], 24);
    let after = band_levels_db(&output[span.start + latency..span.end + latency], 24);
    let cuts: Vec<f32> = before.iter().zip(&after).map(|(b, a)| b - a).collect();
    assert!(cuts[0] < 1.0, "0-1 kHz is spared: {:.1} dB", cuts[0]);
    for (band, cut) in cuts.iter().enumerate().skip(4) {
        assert!(*cut > 20.0, "{band}-{} kHz is cut: {cut:.1} dB", band + 1);
    }
    // Flat, the same threshold passes the noise everywhere.
    let flat = Settings {
        tilt_db: 0.0,
        ..settings
    };
    let output = run_switched(&flat, &[], &padded);
    let after = band_levels_db(&output[span.start + latency..span.end + latency], 24);
    for (band, (b, a)) in before.iter().zip(&after).enumerate() {
        assert!(b - a < 1.0, "flat: {band} kHz band cut {:.1} dB", b - a);
    }
}

#[test]
fn hand_built_settings_outside_the_table_are_brought_into_range() {
    let settings = Settings {
        window_size: 1000,
        padding_ratio: 3,
        ..Settings::default()
    };
    let config = stft_config(&settings);
    assert_eq!((config.window_size, config.padding_ratio), (1024, 4));
    let huge = stft_config(&Settings {
        window_size: 1 << 20,
        padding_ratio: 64,
        ..Settings::default()
    });
    assert_eq!((huge.window_size, huge.padding_ratio), (8192, 8));
    let mut processor = Processor::new(1, RATE, settings);
    let mut block = vec![0.1f32; 512];
    processor.process(&mut [&mut block]);
    assert_eq!(processor.latency_samples(), config.latency_samples());
}

#[test]
fn a_curve_20_db_up_above_4_khz_cuts_there_only_and_survives_a_window_change() {
    use crate::mask::curve::Curve;
    let second = RATE as usize;
    let input: Vec<f32> = noise(8 * second, 44).iter().map(|x| x * 0.25).collect();
    let settings = Settings {
        mode: Mode::Binary,
        reference: Reference::Adaptive,
        // 10 dB under the noise: it passes, except where the curve lifts the threshold 20 dB.
        threshold_db: -10.0,
        ..Settings::default()
    };
    let curve = Curve::from_pairs(&[(3500.0, 0.0), (4000.0, 20.0)]);
    let smaller = Settings {
        window_size: 512,
        ..settings
    };
    // 4 s at N = 2048, then N = 512 mid-stream, as a host that does not re-activate.
    let mut processor = Processor::new(1, RATE, settings);
    processor.masker_mut().set_curve(curve);
    let mut output = input.clone();
    output.resize(input.len() + 4096, 0.0);
    for (index, block) in output.chunks_mut(512).enumerate() {
        if index * 512 == 4 * second {
            processor.set_settings(&smaller);
        }
        processor.process(&mut [block]);
    }
    let latencies = [
        Processor::new(1, RATE, settings).latency_samples(),
        Processor::new(1, RATE, smaller).latency_samples(),
    ];
    // 1 kHz bands over 2..4 s (N = 2048) and 6..8 s (N = 512).
    for (span, latency) in [
        (2 * second..4 * second, latencies[0]),
        (6 * second..8 * second, latencies[1]),
    ] {
        let before = band_levels_db(&input[span.clone()], 24);
        let after = band_levels_db(&output[span.start + latency..span.end + latency], 24);
        let cuts: Vec<f32> = before.iter().zip(&after).map(|(b, a)| b - a).collect();
        for (band, cut) in cuts.iter().enumerate() {
            if band < 3 {
                assert!(*cut < 1.0, "{span:?}: {band} kHz band cut {cut:.1} dB");
            } else if band >= 5 {
                assert!(
                    *cut > 20.0,
                    "{span:?}: {band} kHz band cut only {cut:.1} dB"
                );
            }
        }
    }
    assert_eq!(processor.masker().curve(), &curve);
}

/// Runs `main` (one `Vec` per channel) with `key` through one processor in 512-sample
/// blocks, switching to `later`'s settings in the block that holds its sample; returns the output aligned
/// with the input.
fn run_keyed(
    settings: &Settings,
    later: Option<(usize, Settings)>,
    main: &[Vec<f32>],
    key: &[Vec<f32>],
) -> Vec<Vec<f32>> {
    let mut processor = Processor::new(main.len(), RATE, *settings);
    let latency = processor.latency_samples();
    let len = main[0].len() + latency;
    let pad = |channel: &Vec<f32>| {
        let mut padded = channel.clone();
        padded.resize(len, 0.0);
        padded
    };
    let mut output: Vec<Vec<f32>> = main.iter().map(pad).collect();
    let key: Vec<Vec<f32>> = key.iter().map(pad).collect();
    for start in (0..len).step_by(512) {
        if let Some((at, settings)) = later {
            if (start..start + 512).contains(&at) {
                processor.set_settings(&settings);
            }
        }
        let end = (start + 512).min(len);
        let mut blocks: Vec<&mut [f32]> = output.iter_mut().map(|c| &mut c[start..end]).collect();
        let key_blocks: Vec<&[f32]> = key.iter().map(|c| &c[start..end]).collect();
        processor.process_with_key(&mut blocks, &key_blocks);
    }
    output
        .into_iter()
        .map(|mut c| c.split_off(latency))
        .collect()
}

/// A key loud across the 250 Hz band [`KEY_BAND`] and silent elsewhere: sines every 10 Hz
/// from 2505 to 2745 Hz, each at `amplitude`, with scattered phases.
fn band_key(len: usize, amplitude: f32) -> Vec<f32> {
    let tones: Vec<(f32, f32)> = (0..25)
        .map(|k| (2505.0 + 10.0 * k as f32, (k * k) as f32 * 0.7))
        .collect();
    (0..len)
        .map(|i| {
            let t = i as f32 / RATE;
            tones
                .iter()
                .map(|(hz, phase)| amplitude * (std::f32::consts::TAU * hz * t + phase).sin())
                .sum()
        })
        .collect()
}

/// Cut in dB per 250 Hz band over `span` of `input` and `output`.
fn cuts_250_hz(input: &[f32], output: &[f32], span: std::ops::Range<usize>) -> Vec<f32> {
    let before = band_levels_db(&input[span.clone()], 96);
    let after = band_levels_db(&output[span], 96);
    before.iter().zip(&after).map(|(b, a)| b - a).collect()
}

/// The band 2500..2750 Hz, where the keys below are loud.
const KEY_BAND: usize = 10;

fn keyed_settings(key: Key) -> Settings {
    Settings {
        key,
        reference: Reference::Absolute,
        threshold_db: -40.0,
        mode: Mode::Binary,
        floor_db: -30.0,
        ..Settings::default()
    }
}

#[test]
fn duck_reduces_the_signal_where_the_key_is_loud_and_nowhere_else() {
    let second = RATE as usize;
    let main: Vec<f32> = noise(4 * second, 45).iter().map(|x| x * 0.25).collect();
    let key = band_key(4 * second, 0.05);
    let output = run_keyed(
        &keyed_settings(Key::Duck),
        None,
        std::slice::from_ref(&main),
        &[key],
    );
    let cuts = cuts_250_hz(&main, &output[0], second..4 * second);
    assert!(
        cuts[KEY_BAND] > 15.0,
        "key band cut {:.1} dB",
        cuts[KEY_BAND]
    );
    for (band, cut) in cuts.iter().enumerate() {
        if band.abs_diff(KEY_BAND) >= 2 {
            assert!(cut.abs() < 1.0, "band {band} cut {cut:.1} dB");
        }
    }
}

#[test]
fn gate_passes_the_signal_where_the_key_is_loud_and_nowhere_else() {
    let second = RATE as usize;
    let main: Vec<f32> = noise(4 * second, 46).iter().map(|x| x * 0.25).collect();
    let key = band_key(4 * second, 0.05);
    let output = run_keyed(
        &keyed_settings(Key::Gate),
        None,
        std::slice::from_ref(&main),
        &[key],
    );
    let cuts = cuts_250_hz(&main, &output[0], second..4 * second);
    assert!(
        cuts[KEY_BAND].abs() < 1.0,
        "key band cut {:.1} dB",
        cuts[KEY_BAND]
    );
    for (band, cut) in cuts.iter().enumerate() {
        if band.abs_diff(KEY_BAND) >= 2 {
            assert!(*cut > 15.0, "band {band} cut only {cut:.1} dB");
        }
    }
}

#[test]
fn a_key_without_a_role_changes_nothing_and_a_missing_key_is_silence() {
    let second = RATE as usize;
    let main: Vec<f32> = noise(2 * second, 47).iter().map(|x| x * 0.25).collect();
    let key = band_key(2 * second, 0.05);
    let plain = run_keyed(&Settings::default(), None, std::slice::from_ref(&main), &[]);
    let keyed = run_keyed(
        &Settings::default(),
        None,
        std::slice::from_ref(&main),
        &[key],
    );
    assert_eq!(plain, keyed, "key = off reads no key");
    // Gating by nothing closes every bin to the floor (-30 dB).
    let gated = run_keyed(
        &keyed_settings(Key::Gate),
        None,
        std::slice::from_ref(&main),
        &[],
    );
    let cut = 20.0 * (rms(&main[second..]) / rms(&gated[0][second..])).log10();
    assert!((cut - 30.0).abs() < 1.0, "cut {cut:.1} dB");
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
}

#[test]
fn each_unlinked_channel_follows_its_own_key_channel_and_a_mono_key_keys_both() {
    let second = RATE as usize;
    let main: Vec<Vec<f32>> = (0..2)
        .map(|seed| {
            noise(3 * second, 48 + seed)
                .iter()
                .map(|x| x * 0.25)
                .collect()
        })
        .collect();
    let unlinked = Settings {
        stereo_link: false,
        ..keyed_settings(Key::Duck)
    };
    let loud = band_key(3 * second, 0.05);
    let key_left_only = [loud.clone(), vec![0.0; 3 * second]];
    let output = run_keyed(&unlinked, None, &main, &key_left_only);
    let left = cuts_250_hz(&main[0], &output[0], second..3 * second);
    let right = cuts_250_hz(&main[1], &output[1], second..3 * second);
    assert!(
        left[KEY_BAND] > 15.0,
        "left ducked {:.1} dB",
        left[KEY_BAND]
    );
    assert!(
        right[KEY_BAND].abs() < 1.0,
        "right ducked {:.1} dB",
        right[KEY_BAND]
    );
    let output = run_keyed(&unlinked, None, &main, &[loud]);
    for (channel, output) in main.iter().zip(&output) {
        let cuts = cuts_250_hz(channel, output, second..3 * second);
        assert!(
            cuts[KEY_BAND] > 15.0,
            "mono key ducks {:.1} dB",
            cuts[KEY_BAND]
        );
    }
}

#[test]
fn a_key_switched_on_mid_stream_behaves_like_a_fresh_instance() {
    let second = RATE as usize;
    let main: Vec<f32> = noise(4 * second, 50).iter().map(|x| x * 0.25).collect();
    let key: Vec<f32> = noise(4 * second, 51).iter().map(|x| x * 0.1).collect();
    for role in [Key::Gate, Key::Duck] {
        let keyed = keyed_settings(role);
        let off = Settings {
            key: Key::Off,
            ..keyed
        };
        let switched = run_keyed(
            &off,
            Some((2 * second, keyed)),
            std::slice::from_ref(&main),
            std::slice::from_ref(&key),
        );
        let fresh = run_keyed(
            &keyed,
            None,
            std::slice::from_ref(&main),
            std::slice::from_ref(&key),
        );
        let span = 3 * second..4 * second;
        let worst = switched[0][span.clone()]
            .iter()
            .zip(&fresh[0][span])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-5, "{role:?}: {worst}");
    }
}

#[test]
fn a_key_shorter_than_the_block_is_no_key() {
    let main = noise(4096, 52);
    let key = band_key(4096, 0.05);
    let settings = keyed_settings(Key::Duck);
    let run = |key: &[&[f32]]| {
        let mut processor = Processor::new(1, RATE, settings);
        let mut block = main.clone();
        processor.process_with_key(&mut [&mut block], key);
        block
    };
    assert_eq!(run(&[&key[..100]]), run(&[]));
}
