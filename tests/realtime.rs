//! The audio thread never allocates, whatever the host does: a long run of random parameter
//! changes (geometry and the key's role included), random block sizes from 1 to 8192,
//! restarts, state loads, a key input connected (with NaN and infinity in it too) and not,
//! and input with NaN and infinity in it, through a debug build of the CLAP plugin made with
//! nice-plug's `assert_process_allocs`. Any allocation inside `process()` aborts the test
//! process (nice-plug logs a backtrace of it first).
//!
//! Run it as `cargo test --features assert_process_allocs --test realtime` (`cargo xtask
//! test` does): the plugin compiled into this test binary, with the feature, is loaded
//! in-process through its `clap_entry`. Without the feature this file compiles to nothing,
//! so a plain `cargo test` never runs it against a plugin that could not catch allocations.

#![cfg(feature = "assert_process_allocs")]

mod common;

use common::{noise, rms, ParamChange, Plugin};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use spectral_mask::settings::{ParamKind, PARAMS};

/// The plugin compiled into this binary, which has nice-plug's allocation checks.
/// The second value keeps a temporary directory alive for as long as the plugin needs it.
fn alloc_checked_plugin() -> (Plugin, Option<tempfile::TempDir>) {
    use clack_host::entry::EntryDescriptor;
    use clack_host::prelude::PluginEntry;

    extern "C" {
        /// nice-plug's `nice_export_clap!` in `src/plugin.rs` defines it.
        static clap_entry: EntryDescriptor;
    }
    // SAFETY: `clap_entry` is the plugin's CLAP entry, a static that lives as long as the
    // program; the path is only passed on to the plugin's `init`.
    let entry = unsafe {
        PluginEntry::load_from_raw(
            &*std::ptr::addr_of!(clap_entry),
            c"spectral_mask (in-process)",
        )
    }
    .expect("loading the in-process CLAP entry");
    (Plugin::instantiate(&entry), None)
}

/// `state` (nice-plug's CLAP state: a little-endian u64 length, then JSON) with a random
/// threshold curve of 0 to 8 nodes in it, so a state load hands the audio thread a new curve
/// (and new per-bin threshold factors).
fn with_curve(state: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let json = state.get(8..).expect("a length, then the state");
    let mut state: serde_json::Value = serde_json::from_slice(json).expect("the state is JSON");
    // Sorted by frequency, as the plugin keeps them, so a save gives back the same text.
    let mut nodes: Vec<(f32, f32)> = (0..rng.gen_range(0..=8))
        .map(|_| (rng.gen_range(20.0..24_000.0), rng.gen_range(-40.0..40.0)))
        .collect();
    nodes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let nodes: Vec<String> = nodes
        .iter()
        .map(|(hz, db)| format!("{{\"hz\":{hz},\"db\":{db}}}"))
        .collect();
    state["fields"]["threshold-curve"] =
        serde_json::Value::String(format!("[{}]", nodes.join(",")));
    let json = serde_json::to_vec(&state).expect("JSON");
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend(json);
    bytes
}

/// A random value for parameter `spec` as a person types it.
fn random_text(rng: &mut StdRng, spec: &spectral_mask::settings::ParamSpec) -> String {
    match spec.kind {
        ParamKind::Float {
            min,
            max,
            neg_inf_at_min,
            ..
        } => {
            if neg_inf_at_min && rng.gen_bool(0.2) {
                "-inf".to_string()
            } else {
                format!("{:.1}", rng.gen_range(min..=max))
            }
        }
        ParamKind::Choice { variants, .. } | ParamKind::Ratio { variants } => {
            variants[rng.gen_range(0..variants.len())].to_string()
        }
        ParamKind::PowerOfTwo { min, max } => {
            let exponent = rng.gen_range(min.trailing_zeros()..=max.trailing_zeros());
            (1usize << exponent).to_string()
        }
        ParamKind::Toggle => if rng.gen_bool(0.5) { "on" } else { "off" }.to_string(),
    }
}

/// Noise plus a tone.
fn clean_input(len: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut input = noise(2, len, 0.2, seed);
    for (channel, phase) in input.iter_mut().zip([0.0f32, 1.0]) {
        for (i, sample) in channel.iter_mut().enumerate() {
            *sample += 0.3 * (i as f32 * 0.05 + phase).sin();
        }
    }
    input
}

/// [`clean_input`] with a burst of NaN, +inf or -inf in about one segment in three. Returns
/// the signal and the end of the burst, if there is one.
fn segment_input(rng: &mut StdRng, len: usize, seed: u64) -> (Vec<Vec<f32>>, Option<usize>) {
    let mut input = clean_input(len, seed);
    let mut burst_end = None;
    if rng.gen_bool(0.35) && len > 64 {
        let start = rng.gen_range(0..len / 4);
        let end = (start + rng.gen_range(1..64)).min(len);
        let bad = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][rng.gen_range(0..3)];
        let channel = rng.gen_range(0..2);
        for sample in &mut input[channel][start..end] {
            *sample = bad;
        }
        burst_end = Some(end);
    }
    (input, burst_end)
}

#[test]
fn random_automation_blocks_and_bad_input_never_allocate_and_stay_finite() {
    let (mut plugin, _library_dir) = alloc_checked_plugin();
    let sample_rate = 48_000.0;
    plugin.activate(sample_rate, 8192);

    // Longest latency: N = 8192, P = 8: 8191 + 28672; a switch adds a 256-sample fade.
    let settle = 8191 + 28_672 + 256 + 8192;
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut total = 0usize;
    let mut saved_state: Option<Vec<u8>> = None;
    for segment in 0..120u64 {
        let len = rng.gen_range(4096..=48_000);
        let (input, burst_end) = segment_input(&mut rng, len, segment);

        // A few changes per segment, at random places, of random parameters.
        let mut changes: Vec<ParamChange> = Vec::new();
        for _ in 0..rng.gen_range(0..12) {
            let spec = &PARAMS[rng.gen_range(0..PARAMS.len())];
            let text = random_text(&mut rng, spec);
            let sample = rng.gen_range(0..len);
            changes.push(plugin.change(sample, spec.id, &text));
        }
        // Half the segments give the key a role from their start.
        if rng.gen_bool(0.5) {
            let role = ["gate", "duck", "reference"][rng.gen_range(0..3)];
            changes.push(plugin.change(0, "key", role));
        }
        changes.sort_by_key(|change| change.sample);
        // The key connected (another signal, bad samples and all) or not (a host without
        // sidechains passes the main port alone).
        let key = if rng.gen_bool(0.6) {
            segment_input(&mut rng, len, segment + 5000).0
        } else {
            Vec::new()
        };

        let block_sizes: Vec<usize> = (0..16)
            .map(|_| match rng.gen_range(0..4) {
                0 => rng.gen_range(1..=8),
                1 => rng.gen_range(1..=8192),
                2 => 1 << rng.gen_range(0..=13),
                _ => rng.gen_range(256..=2048),
            })
            .collect();
        let output = plugin.process_with_key(&input, &key, &block_sizes, &changes);
        total += len;

        for (channel_index, channel) in output.iter().enumerate() {
            if let Some(bad) = channel.iter().position(|x| !x.is_finite()) {
                panic!("segment {segment}: channel {channel_index} sample {bad} is not finite");
            }
            assert!(
                channel.iter().all(|x| x.abs() < 100.0),
                "segment {segment}: output blew up"
            );
        }
        if let Some(end) = burst_end {
            // A window after the bad samples the output is sound again: process on with clean
            // input and the current settings and look for signal.
            let clean = clean_input(settle + 8192, segment + 1000);
            // Mix at 100 %, no "listen removed", a gate open to everything: signal must pass.
            let open = [
                plugin.change(0, "key", "off"),
                plugin.change(0, "mix", "100"),
                plugin.change(0, "delta", "off"),
                plugin.change(0, "reference", "absolute"),
                plugin.change(0, "threshold", "-140"),
                plugin.change(0, "mode", "binary"),
                plugin.change(0, "output_gain", "0"),
            ];
            let after = plugin.process(&clean, &[4096], &open);
            total += clean[0].len();
            for channel in &after {
                assert!(
                    channel.iter().all(|x| x.is_finite()),
                    "segment {segment}: not finite after the burst"
                );
                let tail = &channel[settle..];
                let level = rms(tail);
                assert!(
                    level > 0.05 && level < 2.0,
                    "segment {segment}: rms {level} a window after a burst ending at {end}"
                );
            }
        }

        // Now and then act as the host's main thread does between blocks.
        if plugin.take_restart_request() && rng.gen_bool(0.5) {
            plugin.restart();
        }
        match segment % 10 {
            3 => saved_state = Some(with_curve(&plugin.save_state(), &mut rng)),
            7 => {
                if let Some(state) = &saved_state {
                    // Loading while active: the print and the threshold curve reach the audio
                    // thread without a lock.
                    assert!(plugin.load_state(state));
                    let curve = |state: &[u8]| -> serde_json::Value {
                        let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
                        json["fields"]["threshold-curve"].clone()
                    };
                    assert_eq!(
                        curve(&plugin.save_state()),
                        curve(state),
                        "the curve loaded"
                    );
                }
            }
            _ => {}
        }
    }
    println!(
        "processed {:.1} s of stereo at 48 kHz without an allocation on the audio thread",
        total as f64 / sample_rate
    );
    plugin.deactivate();
}
