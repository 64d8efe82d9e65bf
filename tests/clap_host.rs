//! The release CLAP bundle in a real (if small) host: its parameters against the settings
//! table, processing at two sample rates and many block sizes, the latency it reports
//! against the delay measured with an impulse (also after window-size and padding changes
//! mid-stream and the restart they ask for), and its state carried to a new instance.
//!
//! Needs `target/bundled/Spectral Mask.clap`: `cargo xtask bundle spectral_mask --release`.

mod common;

use common::{bundle, clap_param_id, max_abs_difference, noise, peak, rms, ParamChange, Plugin};
use spectral_mask::settings::{ParamKind, PARAMS};

fn load() -> Plugin {
    Plugin::load(&bundle("clap"))
}

#[test]
fn parameters_are_the_settings_table() {
    let mut plugin = load();
    let infos = plugin.param_infos();
    assert_eq!(
        infos.len(),
        PARAMS.len(),
        "one CLAP parameter per settings entry"
    );
    for (info, spec) in infos.iter().zip(PARAMS) {
        assert_eq!(info.name, spec.name, "display name of '{}'", spec.id);
        // nice-plug's CLAP id is the hash of the stable string id: automation keeps working
        // across renames as long as the id stays.
        assert_eq!(info.id, clap_param_id(spec.id), "CLAP id of '{}'", spec.id);
        let stepped = info.flags & common::CLAP_PARAM_IS_STEPPED != 0;
        let expect_stepped = !matches!(spec.kind, ParamKind::Float { .. });
        assert_eq!(stepped, expect_stepped, "stepped flag of '{}'", spec.id);
        // The default as the plugin shows it reads back, through the command line's parser,
        // as the table's default.
        let text = plugin.value_to_text(info.id, info.default_value);
        let parsed = spec.parse(&text).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            parsed, spec.default,
            "default of '{}' shown as {text:?}",
            spec.id
        );
        assert_eq!(
            plugin.param_value(info.id),
            info.default_value,
            "'{}'",
            spec.id
        );
    }
    let mut ids: Vec<u32> = infos.iter().map(|info| info.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), PARAMS.len(), "parameter ids collide");
    // The minimum floor is silence.
    let floor = clap_param_id("floor");
    assert_eq!(plugin.value_to_text(floor, 0.0), "-inf dB");
}

#[test]
fn noise_at_two_rates_and_any_block_size_gives_the_same_finite_output() {
    let mut plugin = load();
    let varying = [1, 7, 64, 1000, 3, 1024, 511, 2, 256, 999, 17];
    for sample_rate in [44_100.0, 96_000.0] {
        let len = (1.5 * sample_rate) as usize;
        let input = noise(2, len, 0.5, 7);
        let mut reference: Option<Vec<Vec<f32>>> = None;
        for blocks in [&[1][..], &[64], &[1024], &varying] {
            plugin.activate(sample_rate, 1024);
            let output = plugin.process(&input, blocks, &[]);
            plugin.deactivate();
            for channel in &output {
                assert!(
                    channel.iter().all(|x| x.is_finite()),
                    "{sample_rate} Hz {blocks:?}"
                );
                assert!(rms(channel) > 1e-3, "{sample_rate} Hz {blocks:?}: silent");
            }
            match &reference {
                None => reference = Some(output),
                Some(reference) => {
                    for (a, b) in reference.iter().zip(&output) {
                        // The processor does not know where host blocks begin.
                        let difference = max_abs_difference(a, b);
                        assert!(
                            difference <= 1e-6,
                            "{sample_rate} Hz: blocks {blocks:?} differ from single samples by \
                             {difference}"
                        );
                    }
                }
            }
        }
    }
}

/// With the mix at 0 % the plugin is a pure delay; returns where an impulse at `at` comes out
/// (checking that it comes out whole and alone).
fn impulse_delay(plugin: &mut Plugin, at: usize, len: usize, blocks: &[usize]) -> usize {
    let mut input = vec![vec![0.0f32; len]; 2];
    input[0][at] = 1.0;
    input[1][at] = -0.5;
    let output = plugin.process(&input, blocks, &[]);
    let (index, value) = peak(&output[0]);
    assert!((value - 1.0).abs() < 1e-3, "impulse comes out as {value}");
    assert!(
        (output[1][index] + 0.5).abs() < 1e-3,
        "right channel: {}",
        output[1][index]
    );
    let mut rest = output[0].clone();
    rest[index] = 0.0;
    assert!(
        peak(&rest).1.abs() < 1e-4,
        "the delayed impulse is not alone"
    );
    index - at
}

#[test]
fn reported_latency_is_the_measured_delay_and_follows_geometry_changes() {
    let mut plugin = load();
    let sample_rate = 48_000.0;
    plugin.activate(sample_rate, 1024);
    // Defaults: N = 2048, P = 2: N - 1 + (M - N) / 2 = 2047 + 1024 = 3071.
    assert_eq!(plugin.latency(), 3071);
    let mix_off = plugin.change(0, "mix", "0");
    plugin.process(&vec![vec![0.0; 1024]; 2], &[1024], &[mix_off]);
    let delay = impulse_delay(&mut plugin, 1000, 20_000, &[256]);
    println!("default geometry: reported 3071, measured {delay}");
    assert_eq!(delay, 3071);

    // (window_size, padding, expected latency N - 1 + (P - 1) N / 2)
    let geometries = [
        ("512", "4", 511 + 768),
        ("8192", "1", 8191),
        ("256", "8", 255 + 896),
        ("4096", "2", 4095 + 2048),
        ("8192", "8", 8191 + 28672),
    ];
    for (window_size, padding, expected) in geometries {
        let changes = [
            plugin.change(100, "window_size", window_size),
            plugin.change(100, "padding", padding),
        ];
        // The change arrives mid-stream; the plugin switches at once (after a short fade) and
        // reports the new latency, asking the host for a restart to compensate.
        plugin.process(&vec![vec![0.0; 4096]; 2], &[512], &changes);
        assert_eq!(plugin.latency(), expected, "N={window_size} P={padding}");
        assert!(plugin.take_restart_request(), "no restart requested");
        let len = expected as usize + 20_000;
        let delay = impulse_delay(&mut plugin, 5000, len, &[333, 1024, 1]);
        assert_eq!(
            delay, expected as usize,
            "mid-stream, N={window_size} P={padding}"
        );

        plugin.restart();
        assert!(
            plugin.take_latency_changed(),
            "latency change not announced on restart"
        );
        assert_eq!(plugin.latency(), expected);
        let delay = impulse_delay(&mut plugin, 100, len, &[1024]);
        println!("N={window_size} P={padding}: reported {expected}, measured {delay}");
        assert_eq!(
            delay, expected as usize,
            "after restart, N={window_size} P={padding}"
        );
    }

    // Another sample rate: the latency is in samples and does not depend on it.
    plugin.deactivate();
    plugin.activate(96_000.0, 512);
    let expected = plugin.latency();
    assert_eq!(expected, 8191 + 28672);
    let delay = impulse_delay(&mut plugin, 10, expected as usize + 100, &[512]);
    assert_eq!(delay, expected as usize);
}

#[test]
fn state_with_a_learned_print_carries_to_a_new_instance() {
    let sample_rate = 48_000.0;
    let mut original = load();
    original.activate(sample_rate, 1024);
    let settings: [(&str, &str); 6] = [
        ("reference", "print"),
        ("threshold", "3"),
        ("mode", "soft"),
        ("kernel", "hamming3"),
        ("window_size", "1024"),
        ("floor", "-40"),
    ];
    let mut changes: Vec<ParamChange> = settings
        .iter()
        .map(|(id, text)| original.change(0, id, text))
        .collect();
    changes.push(original.change(0, "learn", "on"));
    // Learn the print from one second of coloured noise, then stop learning.
    let learn_input: Vec<Vec<f32>> = noise(2, 48_000, 0.05, 1)
        .into_iter()
        .map(|channel| lowpass(&channel))
        .collect();
    original.process(&learn_input, &[1024], &changes);
    let learn_off = original.change(0, "learn", "off");
    original.process(&vec![vec![0.0; 4096]; 2], &[1024], &[learn_off]);

    let state = original.save_state();
    let json = state_json(&state);
    let print = json["fields"]["noise-print"]
        .as_str()
        .expect("a saved print");
    let print: Vec<f32> = serde_json::from_str(print).unwrap();
    assert!(!print.is_empty(), "no print was learned");

    // The same input through the original (restarted: from silence) and a new instance that
    // loaded the state must give the same output.
    let test_input: Vec<Vec<f32>> = {
        let mut signal = noise(2, 96_000, 0.05, 2);
        for (channel, gain) in signal.iter_mut().zip([1.0, 0.7]) {
            for (i, sample) in channel.iter_mut().enumerate() {
                *sample += gain * 0.3 * (i as f32 * 0.071).sin();
            }
        }
        signal
    };
    original.restart();
    let expected = original.process(&test_input, &[1024], &[]);

    let mut restored = load();
    assert!(restored.load_state(&state), "state load");
    restored.activate(sample_rate, 1024);
    for (id, _) in settings {
        let param_id = clap_param_id(id);
        assert_eq!(
            restored.param_value(param_id),
            original.param_value(param_id),
            "'{id}' after loading"
        );
    }
    let output = restored.process(&test_input, &[1024], &[]);
    for (a, b) in expected.iter().zip(&output) {
        assert_eq!(
            max_abs_difference(a, b),
            0.0,
            "restored instance sounds different"
        );
    }

    // Without the print the same settings sound different, so the print did travel.
    let mut no_print_json = json.clone();
    no_print_json["fields"]["noise-print"] = serde_json::Value::String("[]".into());
    let mut without_print = load();
    assert!(without_print.load_state(&state_bytes(&no_print_json)));
    without_print.activate(sample_rate, 1024);
    let other = without_print.process(&test_input, &[1024], &[]);
    let difference = max_abs_difference(&expected[0], &other[0]);
    assert!(
        difference > 1e-3,
        "the print made no difference ({difference})"
    );
}

/// A one-pole low-pass, to give the learned noise a shape.
fn lowpass(signal: &[f32]) -> Vec<f32> {
    let mut state = 0.0;
    signal
        .iter()
        .map(|x| {
            state += 0.1 * (x - state);
            state
        })
        .collect()
}

/// nice-plug's CLAP state: a little-endian u64 length, then JSON.
fn state_json(state: &[u8]) -> serde_json::Value {
    let length = u64::from_le_bytes(state[..8].try_into().unwrap()) as usize;
    assert_eq!(length, state.len() - 8);
    serde_json::from_slice(&state[8..]).expect("JSON state")
}

fn state_bytes(json: &serde_json::Value) -> Vec<u8> {
    let body = serde_json::to_vec(json).unwrap();
    let mut bytes = (body.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&body);
    bytes
}
