//! The release CLAP bundle in a real (if small) host: its parameters against the settings
//! table, processing at two sample rates and many block sizes, the latency it reports
//! against the delay measured with an impulse (also after window-size and padding changes
//! mid-stream and the restart they ask for), and its state carried to a new instance.
//!
//! Needs `target/bundled/Spectral Mask.clap`: `cargo xtask bundle spectral_mask --release`.

mod common;

use common::{bundle, clap_param_id, max_abs_difference, noise, peak, rms, ParamChange, Plugin};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
    // Defaults: N = 2048, P = 4: N - 1 + (M - N) / 2 = 2047 + 3072 = 5119.
    assert_eq!(plugin.latency(), 5119);
    let mix_off = plugin.change(0, "mix", "0");
    plugin.process(&vec![vec![0.0; 1024]; 2], &[1024], &[mix_off]);
    let delay = impulse_delay(&mut plugin, 1000, 20_000, &[256]);
    println!("default geometry: reported 5119, measured {delay}");
    assert_eq!(delay, 5119);

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

        // The host reads the new latency after reactivating; the plugin announces nothing (a
        // `changed()` makes Qtractor 0.9.31 restart the plugin and drop its automation).
        plugin.restart();
        assert!(!plugin.take_latency_changed(), "changed() in activate");
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

/// The state a new, never activated instance saves after a host flushed these settings (as
/// `--set` text) to it.
fn saved_state(settings: &[(&str, &str)]) -> Vec<u8> {
    let mut plugin = load();
    let changes: Vec<(u32, f64)> = settings
        .iter()
        .map(|&(id, text)| {
            let param_id = clap_param_id(id);
            (param_id, plugin.text_to_value(param_id, text))
        })
        .collect();
    plugin.flush_params(&changes);
    plugin.save_state()
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

/// The CLAP 1.2 latency rule (`ext/latency.h`): the latency may change only while the plugin
/// is deactivated or inside `activate()`; an active plugin asks for a restart. clap-validator
/// checks it by changing parameters and deactivating before the host's main thread has run
/// the plugin's callbacks, which is what this does.
#[test]
fn latency_changes_only_inside_activate() {
    let mut plugin = load();
    // Parameter events while deactivated, without cookies.
    let window_size = clap_param_id("window_size");
    let size_4096 = plugin.text_to_value(window_size, "4096");
    plugin.flush_params(&[(window_size, size_4096)]);
    assert_eq!(plugin.param_value(window_size), size_4096);

    // The latency of those settings is known when the plugin is activated: no restart.
    plugin.activate(48_000.0, 512);
    // N = 4096 at the default P = 4: 4095 + 3 * 4096 / 2.
    assert_eq!(plugin.latency(), 4095 + 6144);
    plugin.process(&vec![vec![0.0; 2048]; 2], &[512], &[]);
    assert!(
        !plugin.take_restart_request(),
        "a restart was asked for right after activation"
    );

    // A change while active, and the host deactivates before its main thread gets to the
    // plugin's callback.
    plugin.service_while_processing = false;
    let change = plugin.change(100, "window_size", "1024");
    plugin.process(&vec![vec![0.0; 4096]; 2], &[64, 512, 7], &[change]);
    plugin.deactivate();
    for _ in 0..50 {
        plugin.service_main_thread();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    plugin.service_while_processing = true;
    assert_eq!(
        plugin.latency_changes_outside_activate(),
        0,
        "clap_host_latency.changed() called outside activate"
    );
    plugin.activate(48_000.0, 512);
    // Read by the host after activation, not announced (see the test above).
    assert_eq!(plugin.latency(), 1023 + 1536);
    assert!(!plugin.take_latency_changed(), "changed() in activate");

    // The same while the host's main thread keeps up: a restart request, never `changed()`.
    let change = plugin.change(10, "padding", "2");
    plugin.process(&vec![vec![0.0; 4096]; 2], &[256], &[change]);
    assert!(plugin.take_restart_request(), "no restart requested");
    plugin.restart();
    assert_eq!(plugin.latency(), 1023 + 512);
    assert_eq!(plugin.latency_changes_outside_activate(), 0);
}

/// Qtractor 0.9.31 opening a session: it activates the plugin with its default parameters,
/// loads the saved state into the active plugin, and reads `latency.get()` when the transport
/// starts, before the first `process()`. The latency it reads must be the loaded state's.
#[test]
fn state_loaded_while_active_reports_its_latency_before_processing() {
    let state = saved_state(&[("window_size", "1024"), ("padding", "4"), ("mix", "0")]);

    let mut plugin = load();
    plugin.activate(48_000.0, 1024);
    assert_eq!(plugin.latency(), 5119, "the defaults' latency");
    assert!(plugin.load_state(&state), "state load");
    let expected = 1023 + 1536;
    assert_eq!(plugin.latency(), expected, "latency after the state load");
    // The restart the changed latency calls for is asked for in the host's next main-thread
    // callback, not inside the state load (Qtractor recreates the plugin on a restart).
    assert!(
        !plugin.take_restart_request(),
        "restart asked for inside the state load"
    );
    plugin.service_main_thread();
    assert!(plugin.take_restart_request(), "no restart requested");
    // Without that restart, the plugin delays by what it reports.
    let delay = impulse_delay(&mut plugin, 100, expected as usize + 2000, &[1024]);
    assert_eq!(delay, expected as usize);
}

#[test]
fn state_round_trips_exactly_and_bad_state_is_refused() {
    let state = saved_state(&[("threshold", "-12"), ("mode", "binary"), ("floor", "-50")]);

    let mut restored = load();
    assert!(restored.load_state(&state));
    assert_eq!(restored.save_state(), state, "save after load differs");

    // Random bytes, a truncated state and an empty one: refused, no crash, state kept.
    let mut rng = StdRng::seed_from_u64(12345);
    let random: Vec<u8> = (0..500).map(|_| rng.gen()).collect();
    for bad in [&random[..], &state[..state.len() / 2], &[]] {
        assert!(!restored.load_state(bad), "bad state accepted");
    }
    assert_eq!(
        restored.save_state(),
        state,
        "a refused load changed the state"
    );
}

/// A host splits blocks wherever it likes (here 1 to 64 samples) and sends parameter events
/// inside them; the plugin splits at the events itself. The output must be the same as that
/// of large blocks carrying the same events.
#[test]
fn output_does_not_depend_on_how_the_host_splits_blocks() {
    let mut plugin = load();
    let input = noise(2, 96_000, 0.3, 21);
    let changes = [
        plugin.change(5_000, "threshold", "12"),
        plugin.change(20_011, "floor", "-45"),
        plugin.change(31_337, "mode", "binary"),
        plugin.change(40_000, "bypass", "on"),
        plugin.change(47_003, "bypass", "off"),
        plugin.change(55_555, "threshold", "-3"),
        plugin.change(70_001, "mode", "lsa"),
    ];
    plugin.activate(48_000.0, 1024);
    let unsplit = plugin.process(&input, &[1024], &changes);
    // A new instance: this one's parameters are where the automation left them.
    let mut plugin = load();

    let mut rng = StdRng::seed_from_u64(99);
    let sizes: Vec<usize> = (0..4000).map(|_| rng.gen_range(1..=64)).collect();
    plugin.activate(48_000.0, 1024);
    let split = plugin.process(&input, &sizes, &changes);
    for (a, b) in unsplit.iter().zip(&split) {
        assert_eq!(
            max_abs_difference(a, b),
            0.0,
            "split blocks sound different"
        );
    }
}

/// Energy in dB of `signal` between `low_hz` and `high_hz` at 48 kHz (mean periodogram).
fn band_energy_db(signal: &[f32], low_hz: f32, high_hz: f32) -> f32 {
    const SIZE: usize = 4096;
    let mut planner = realfft::RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(SIZE);
    let mut spectrum = fft.make_output_vec();
    let bin_hz = 48_000.0 / SIZE as f32;
    let mut total = 0.0f64;
    for chunk in signal.chunks_exact(SIZE) {
        let mut frame = chunk.to_vec();
        fft.process(&mut frame, &mut spectrum).unwrap();
        for (bin, value) in spectrum.iter().enumerate() {
            let hz = bin as f32 * bin_hz;
            if hz >= low_hz && hz < high_hz {
                total += value.norm_sqr() as f64;
            }
        }
    }
    (10.0 * total.max(1e-300).log10()) as f32
}

/// What a host that never re-activates (pedalboard, a standalone) does to the noise
/// reference: digital silence before the noise, and window sizes changed mid-stream. Each
/// must cut like a fresh instance, across the whole spectrum, within 3 dB.
#[test]
fn adaptive_floor_survives_silence_and_window_changes_without_reactivation() {
    let rate = 48_000usize;
    let steady = noise(2, 8 * rate, 0.3, 5);
    let bands = [
        (100.0, 2_000.0),
        (2_000.0, 8_000.0),
        (8_000.0, 13_000.0),
        (13_000.0, 23_000.0),
    ];
    let measured = |output: &[Vec<f32>], input: &[Vec<f32>], from: usize, latency: usize| {
        bands.map(|(low, high)| {
            band_energy_db(&input[0][from..input[0].len() - latency], low, high)
                - band_energy_db(&output[0][from + latency..], low, high)
        })
    };

    let mut fresh = load();
    fresh.activate(48_000.0, 1024);
    let latency = fresh.latency() as usize;
    let reference = measured(
        &fresh.process(&steady, &[1024], &[]),
        &steady,
        3 * rate,
        latency,
    );
    for cut in reference {
        assert!(cut > 10.0, "the defaults cut steady noise: {reference:?}");
    }

    // Two seconds of digital silence first.
    let mut plugin = load();
    plugin.activate(48_000.0, 1024);
    let mut late: Vec<Vec<f32>> = steady.clone();
    for channel in &mut late {
        channel[..2 * rate].fill(0.0);
    }
    let cuts = measured(
        &plugin.process(&late, &[1024], &[]),
        &late,
        5 * rate,
        latency,
    );
    for (cut, expected) in cuts.iter().zip(reference) {
        assert!(
            (cut - expected).abs() < 3.0,
            "after silence {cuts:?}, fresh {reference:?}"
        );
    }

    // 256 -> 512 -> 2048 mid-stream, no re-activation (latency as for 2048 afterwards).
    let mut plugin = load();
    let window_size = clap_param_id("window_size");
    let size_256 = plugin.text_to_value(window_size, "256");
    plugin.flush_params(&[(window_size, size_256)]);
    plugin.activate(48_000.0, 1024);
    let changes = [
        plugin.change(rate, "window_size", "512"),
        plugin.change(2 * rate, "window_size", "2048"),
    ];
    let output = plugin.process(&steady, &[1024], &changes);
    let cuts = measured(&output, &steady, 4 * rate, latency);
    for (cut, expected) in cuts.iter().zip(reference) {
        assert!(
            (cut - expected).abs() < 3.0,
            "after 256 -> 512 -> 2048 {cuts:?}, fresh {reference:?}"
        );
    }
}
