use super::*;

/// A deterministic noise source (xorshift), so tests need no extra crates and never flake.
pub(crate) fn noise(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32) * 1.6 - 0.8
        })
        .collect()
}

/// Runs `input` through an engine that leaves the spectra alone, fed in `blocks`-sized calls
/// (cycled), and returns the output with the latency removed.
fn identity(config: StftConfig, input: &[f32], blocks: &[usize]) -> Vec<f32> {
    let mut stft = Stft::new(1, config);
    let latency = config.latency_samples();
    let mut buffer = input.to_vec();
    buffer.resize(input.len() + latency, 0.0);
    let mut pos = 0;
    for &block in blocks.iter().cycle() {
        if pos >= buffer.len() {
            break;
        }
        let end = (pos + block).min(buffer.len());
        stft.process(&mut [&mut buffer[pos..end]], |_| {});
        pos = end;
    }
    buffer.split_off(latency)
}

pub(crate) fn max_error_db(a: &[f32], b: &[f32]) -> f32 {
    let max = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    20.0 * max.max(1e-20).log10()
}

const WINDOWS: [WindowKind; 3] = [WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman];

#[test]
fn identity_reconstructs_every_geometry_to_minus_120_db() {
    for window in WINDOWS {
        for n in [256, 1024, 4096, 8192] {
            for p in [1, 2, 4, 8] {
                let config = StftConfig::new(n, p, window).unwrap();
                let input = noise(3 * n + 1000, n as u32 + p as u32);
                let output = identity(config, &input, &[512]);
                // Compare only where the first frames have all been added in (the engine
                // starts from silence, like a plugin inserted on a silent track).
                let settled = n;
                let error = max_error_db(&input[settled..], &output[settled..]);
                assert!(error < -120.0, "{window:?} N={n} P={p}: {error:.1} dB");
            }
        }
    }
}

#[test]
fn output_does_not_depend_on_block_size() {
    let config = StftConfig::new(1024, 2, WindowKind::Hann).unwrap();
    let input = noise(20_000, 7);
    let reference = identity(config, &input, &[512]);
    let random: Vec<usize> = noise(200, 3)
        .iter()
        .map(|x| ((x + 0.8) * 3000.0) as usize + 1)
        .collect();
    for blocks in [&[1][..], &[7], &[64], &[4096], &random] {
        let output = identity(config, &input, blocks);
        assert_eq!(output, reference, "blocks {:?}", &blocks[..1]);
    }
}

#[test]
fn an_impulse_comes_out_exactly_latency_samples_later() {
    for (n, p) in [(256, 1), (1024, 2), (2048, 4), (512, 8)] {
        let config = StftConfig::new(n, p, WindowKind::Hann).unwrap();
        let mut stft = Stft::new(1, config);
        let mut buffer = vec![0.0; 4 * n * p + 5000];
        let at = 3 * n + 17;
        buffer[at] = 1.0;
        stft.process(&mut [&mut buffer], |_| {});
        let peak = buffer
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap();
        assert_eq!(peak.0 - at, config.latency_samples(), "N={n} P={p}");
        assert!((peak.1 - 1.0).abs() < 1e-5);
        // Latency: N - 1 + (M - N) / 2, e.g. 1024 - 1 + 512 = 1535 for N=1024, P=2.
        if (n, p) == (1024, 2) {
            assert_eq!(config.latency_samples(), 1535);
        }
    }
}

#[test]
fn full_scale_sine_on_a_bin_has_magnitude_half_the_window_sum() {
    for window in WINDOWS {
        for n in [256, 2048, 8192] {
            for p in [1, 2, 4, 8] {
                let config = StftConfig::new(n, p, window).unwrap();
                let m = config.transform_size();
                let bin = config.num_bins() / 3;
                let input: Vec<f32> = (0..2 * n)
                    .map(|t| {
                        (std::f64::consts::TAU * bin as f64 * t as f64 / m as f64).sin() as f32
                    })
                    .collect();
                let mut stft = Stft::new(1, config);
                let mut measured = 0.0f32;
                let mut reference = 0.0f32;
                stft.process(&mut [&mut input.clone()], |frame| {
                    measured = frame.spectra[0][bin].norm();
                    reference = frame.window_sum / 2.0;
                });
                let level_db = 20.0 * (measured / reference).log10();
                assert!(level_db.abs() < 0.1, "{window:?} N={n} P={p}: {level_db}");
            }
        }
    }
}

#[test]
fn non_finite_input_leaves_the_output_finite_and_recovers() {
    let config = StftConfig::new(512, 2, WindowKind::Hann).unwrap();
    let mut input = noise(10_000, 11);
    input[3000] = f32::NAN;
    input[3001] = f32::INFINITY;
    input[3002] = f32::NEG_INFINITY;
    let output = identity(config, &input, &[100]);
    assert!(output.iter().all(|x| x.is_finite()));
    // One window after the bad samples, the output is the input again.
    let after = 3003 + 512;
    assert!(max_error_db(&input[after..], &output[after..]) < -120.0);
}

#[test]
fn a_geometry_switch_fades_and_settles_on_the_new_latency() {
    let first = StftConfig::new(1024, 1, WindowKind::Hann).unwrap();
    let second = StftConfig::new(2048, 4, WindowKind::Blackman).unwrap();
    let mut stft = Stft::new(1, first);
    let input = noise(60_000, 5);
    let mut buffer = input.clone();
    let (head, tail) = buffer.split_at_mut(20_000);
    stft.process(&mut [head], |_| {});
    stft.set_config(second);
    assert_eq!(stft.latency_samples(), second.latency_samples());
    stft.process(&mut [tail], |_| {});
    assert_eq!(stft.config(), second);
    // Long after the switch the output is the input delayed by the new latency.
    let latency = second.latency_samples();
    let from = 20_000 + SWITCH_FADE_SAMPLES + 2 * second.transform_size();
    let error = max_error_db(&input[from - latency..60_000 - latency], &buffer[from..]);
    assert!(error < -120.0, "{error}");
    // Never louder than the input around the switch: a fade, not a click.
    let peak_in = input.iter().fold(0.0f32, |a, x| a.max(x.abs()));
    assert!(buffer.iter().all(|x| x.abs() <= peak_in * 1.01));
}

#[test]
fn a_bad_geometry_is_an_error_not_a_panic() {
    let error = StftConfig::new(1000, 2, WindowKind::Hann).unwrap_err();
    assert_eq!(error, GeometryError::WindowSize(1000));
    assert_eq!(
        error.to_string(),
        "window size 1000 is not a power of two in 256 ..= 8192"
    );
    assert_eq!(
        StftConfig::new(1024, 3, WindowKind::Hann),
        Err(GeometryError::PaddingRatio(3))
    );
    assert!(StftConfig::new(16_384, 1, WindowKind::Hann).is_err());
}
