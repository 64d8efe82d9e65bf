//! The key (sidechain) input through a real CLAP host (clack-host), on the release bundle:
//! a speech key ducking and gating pink noise where and only where it speaks, a noise-only
//! key as the noise reference against the adaptive floor, and the plugin in a host that
//! routes nothing to the key.
//!
//! Needs `target/bundled/Spectral Mask.clap`: `cargo xtask bundle spectral_mask --release`.

mod common;

use common::{bundle, repo_root, Plugin};

const RATE: usize = 48_000;

/// The demo's clean speech (8 s, stereo, with digital silence between phrases).
fn speech() -> Vec<Vec<f32>> {
    let path = repo_root().join("assets/demo-clean-speech.wav");
    let mut reader = hound::WavReader::open(&path).unwrap();
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|sample| sample.unwrap() as f32 * scale)
                .collect()
        }
    };
    assert_eq!(spec.sample_rate as usize, RATE);
    let channels = spec.channels as usize;
    (0..2)
        .map(|channel| {
            samples
                .chunks_exact(channels)
                .map(|frame| frame[channel.min(channels - 1)])
                .collect()
        })
        .collect()
}

/// Pink noise (Paul Kellet's filter on white noise) at `rms` per channel, `len` samples.
fn pink(len: usize, rms: f32, seed: u64) -> Vec<Vec<f32>> {
    common::noise(2, len, 1.0, seed)
        .into_iter()
        .map(|white| {
            let mut b = [0.0f32; 7];
            let mut pink: Vec<f32> = white
                .iter()
                .map(|&w| {
                    b[0] = 0.99886 * b[0] + w * 0.0555179;
                    b[1] = 0.99332 * b[1] + w * 0.0750759;
                    b[2] = 0.96900 * b[2] + w * 0.153_852;
                    b[3] = 0.86650 * b[3] + w * 0.3104856;
                    b[4] = 0.55000 * b[4] + w * 0.5329522;
                    b[5] = -0.7616 * b[5] - w * 0.0168980;
                    let out = b.iter().sum::<f32>() + w * 0.5362;
                    b[6] = w * 0.115926;
                    out
                })
                .collect();
            let scale = rms / common::rms(&pink);
            pink.iter_mut().for_each(|x| *x *= scale);
            pink
        })
        .collect()
}

/// Power of `signal` in time-frequency cells: frames of 2048 samples (Hann, hop 1024) by
/// third-octave bands from 100 Hz to 16 kHz.
fn cells(signal: &[f32]) -> Vec<Vec<f64>> {
    const SIZE: usize = 2048;
    let mut planner = realfft::RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(SIZE);
    let mut spectrum = fft.make_output_vec();
    let bin_hz = RATE as f32 / SIZE as f32;
    let edges: Vec<f32> = (0..=22)
        .map(|k| 100.0 * 2f32.powf(k as f32 / 3.0))
        .collect();
    let window: Vec<f32> = (0..SIZE)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / SIZE as f32).cos())
        .collect();
    (0..(signal.len() - SIZE) / 1024)
        .map(|frame| {
            let mut buffer: Vec<f32> = signal[frame * 1024..frame * 1024 + SIZE]
                .iter()
                .zip(&window)
                .map(|(x, w)| x * w)
                .collect();
            fft.process(&mut buffer, &mut spectrum).unwrap();
            edges
                .windows(2)
                .map(|edge| {
                    spectrum
                        .iter()
                        .enumerate()
                        .filter(|(bin, _)| (edge[0]..edge[1]).contains(&(*bin as f32 * bin_hz)))
                        .map(|(_, value)| value.norm_sqr() as f64)
                        .sum()
                })
                .collect()
        })
        .collect()
}

/// A time-frequency cell: (frame, band).
type Cell = (usize, usize);

/// How much quieter `output` is than `input` (in dB) over the cells `which` picks.
fn cut_db(input: &[Vec<f64>], output: &[Vec<f64>], which: &[Cell]) -> f64 {
    let sum = |cells: &[Vec<f64>]| -> f64 { which.iter().map(|&(t, b)| cells[t][b]).sum() };
    10.0 * (sum(input) / sum(output)).log10()
}

/// Runs `main` keyed by `key` through a fresh plugin with the settings `(id, text)`; returns
/// the output aligned with the input.
fn render<S: AsRef<str>>(
    settings: &[(S, S)],
    main: &[Vec<f32>],
    key: &[Vec<f32>],
) -> Vec<Vec<f32>> {
    let mut plugin = Plugin::load(&bundle("clap"));
    let changes: Vec<(u32, f64)> = settings
        .iter()
        .map(|(id, text)| {
            let param_id = common::clap_param_id(id.as_ref());
            (param_id, plugin.text_to_value(param_id, text.as_ref()))
        })
        .collect();
    plugin.flush_params(&changes);
    plugin.activate(RATE as f64, 1024);
    let latency = plugin.latency() as usize;
    let pad = |channels: &[Vec<f32>]| -> Vec<Vec<f32>> {
        channels
            .iter()
            .map(|channel| {
                let mut padded = channel.clone();
                padded.resize(channel.len() + latency, 0.0);
                padded
            })
            .collect()
    };
    plugin
        .process_with_key(&pad(main), &pad(key), &[512, 333, 64, 1024], &[])
        .into_iter()
        .map(|mut channel| channel.split_off(latency))
        .collect()
}

/// The factory ducker's settings, as the host is given them: (id, text).
fn ducker() -> Vec<(String, String)> {
    let json = spectral_mask::preset::factory("sidechain-ducker").expect("the ducker preset");
    let preset: serde_json::Value = serde_json::from_str(json).unwrap();
    preset["params"]
        .as_object()
        .expect("a preset's params")
        .iter()
        .map(|(id, text)| (id.clone(), text.as_str().unwrap().to_string()))
        .collect()
}

/// Cells where the key speaks loudest (within 20 dB of its loudest cell) and cells where it
/// is silent (60 dB under its loudest cell, in that frame and the two either side).
fn key_cells(key: &[Vec<f64>]) -> (Vec<Cell>, Vec<Cell>) {
    let loudest = key.iter().flatten().cloned().fold(0.0, f64::max);
    let mut strong = Vec::new();
    let mut silent = Vec::new();
    for t in 2..key.len() - 2 {
        for (b, &power) in key[t].iter().enumerate() {
            if power > loudest * 1e-2 {
                strong.push((t, b));
            }
            if (t - 2..=t + 2).all(|u| key[u][b] < loudest * 1e-6) {
                silent.push((t, b));
            }
        }
    }
    (strong, silent)
}

#[test]
fn a_speech_key_ducks_and_gates_pink_noise_where_it_speaks_and_nowhere_else() {
    let key = speech();
    let main = pink(key[0].len(), 0.1, 60);
    let key_cells_power = cells(&key[0]);
    let (strong, silent) = key_cells(&key_cells_power);
    assert!(
        strong.len() > 100 && silent.len() > 100,
        "{} {}",
        strong.len(),
        silent.len()
    );
    let input = cells(&main[0]);

    let duck = ducker();
    assert!(duck.contains(&("key".into(), "duck".into())));
    let ducked = cells(&render(&duck, &main, &key)[0]);
    let duck_strong = cut_db(&input, &ducked, &strong);
    let duck_silent = cut_db(&input, &ducked, &silent);
    // The same as a gate: the ducker's 80 ms release is how fast it comes back, a gate's
    // release how fast it shuts, which is the default 10 ms.
    let gate: Vec<(String, String)> = duck
        .iter()
        .map(|(id, text)| match id.as_str() {
            "key" => (id.clone(), "gate".to_string()),
            "release" => (id.clone(), "10".to_string()),
            _ => (id.clone(), text.clone()),
        })
        .collect();
    let gated = cells(&render(&gate, &main, &key)[0]);
    let gate_strong = cut_db(&input, &gated, &strong);
    let gate_silent = cut_db(&input, &gated, &silent);
    println!(
        "duck: {duck_strong:.1} dB where the key is strongest, {duck_silent:.1} dB where it is \
         silent; gate: {gate_strong:.1} dB, {gate_silent:.1} dB"
    );
    assert!(
        duck_strong >= 15.0,
        "duck cuts {duck_strong:.1} dB under the key"
    );
    assert!(
        duck_silent.abs() < 1.0,
        "duck cuts {duck_silent:.1} dB elsewhere"
    );
    assert!(
        gate_strong.abs() < 1.0,
        "gate cuts {gate_strong:.1} dB under the key"
    );
    assert!(
        gate_silent >= 15.0,
        "gate cuts {gate_silent:.1} dB elsewhere"
    );

    // No key routed (a host without sidechains): the key is silence, ducking nothing.
    let unkeyed = cells(&render(&duck, &main, &[])[0]);
    let all: Vec<Cell> = (0..input.len())
        .flat_map(|t| (0..input[t].len()).map(move |b| (t, b)))
        .collect();
    let cut = cut_db(&input, &unkeyed, &all);
    assert!(cut.abs() < 0.1, "an unrouted key ducks {cut:.2} dB");
}

/// Scale-invariant SDR of `estimate` against `reference`, in dB.
fn si_sdr(reference: &[f32], estimate: &[f32]) -> f64 {
    let dot: f64 = reference
        .iter()
        .zip(estimate)
        .map(|(r, e)| (*r as f64) * (*e as f64))
        .sum();
    let energy: f64 = reference.iter().map(|r| (*r as f64).powi(2)).sum();
    let scale = dot / energy;
    let (mut target, mut error) = (0.0, 0.0);
    for (r, e) in reference.iter().zip(estimate) {
        let t = scale * *r as f64;
        target += t * t;
        error += (*e as f64 - t).powi(2);
    }
    10.0 * (target / error).log10()
}

#[test]
fn a_noise_only_key_as_the_reference_beats_the_adaptive_floor_on_moving_noise() {
    let clean = speech();
    let len = clean[0].len();
    // Noise whose level swings 20 dB twice a second, at 0 dB SNR on average; the key is
    // another take of it (a different noise with the same level), not the same samples.
    let swing = |i: usize| {
        let phase = std::f32::consts::TAU * 2.0 * i as f32 / RATE as f32;
        10f32.powf(phase.sin() * 10.0 / 20.0)
    };
    let modulated = |seed: u64| -> Vec<Vec<f32>> {
        pink(len, 0.05, seed)
            .into_iter()
            .map(|channel| {
                channel
                    .iter()
                    .enumerate()
                    .map(|(i, x)| x * swing(i))
                    .collect()
            })
            .collect()
    };
    let noise = modulated(61);
    let key = modulated(62);
    let noisy: Vec<Vec<f32>> = clean
        .iter()
        .zip(&noise)
        .map(|(c, n)| c.iter().zip(n).map(|(c, n)| c + n).collect())
        .collect();

    let adaptive = render::<&str>(&[], &noisy, &key);
    let referenced = render(&[("key", "reference")], &noisy, &key);
    let before = si_sdr(&clean[0], &noisy[0]);
    let with_floor = si_sdr(&clean[0], &adaptive[0]);
    let with_key = si_sdr(&clean[0], &referenced[0]);
    println!(
        "SI-SDR: input {before:.2} dB, adaptive floor {with_floor:.2} dB, key as reference \
         {with_key:.2} dB"
    );
    assert!(
        with_key > with_floor + 1.0,
        "key {with_key:.2} dB against floor {with_floor:.2} dB"
    );
}
