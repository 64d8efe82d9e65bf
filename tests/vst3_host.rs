//! The release VST3 bundle in pedalboard (JUCE's VST3 hosting), against the command line:
//! the same file at the same settings must come out the same from both doors, to -100 dB.
//! Also prints the plugin's parameter names as pedalboard sees them and the CPU it takes.
//!
//! Needs `target/bundled/Spectral Mask.vst3` (`cargo xtask bundle spectral_mask --release`)
//! and a Python with pedalboard, numpy and soundfile: `$SPECTRAL_MASK_PYTHON`, else
//! `.venv/bin/python` at the repository root (`cargo xtask venv` makes it).
//!
//! `cargo test --release --test vst3_host -- --nocapture` shows the figures.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bundle, noise, repo_root};
use spectral_mask::settings::{ParamKind, PARAMS};

fn python() -> PathBuf {
    let python = match std::env::var_os("SPECTRAL_MASK_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => repo_root().join(".venv").join("bin").join("python"),
    };
    assert!(
        python.exists(),
        "no Python at {}: set SPECTRAL_MASK_PYTHON to one with pedalboard, numpy and \
         soundfile, or run `cargo xtask venv` to make .venv",
        python.display()
    );
    python
}

/// pedalboard's attribute name for a parameter: display name and unit, lower_snake_case
/// (pedalboard's `normalize_python_parameter_name`).
fn pedalboard_name(name: &str, unit: &str) -> String {
    let text = format!("{name} {unit}").to_lowercase();
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out.trim_matches('_').to_string()
}

fn pedalboard_names() -> Vec<(&'static str, String)> {
    PARAMS
        .iter()
        .map(|spec| {
            let unit = match spec.kind {
                ParamKind::Float { unit, .. } => unit,
                _ => "",
            };
            (spec.id, pedalboard_name(spec.name, unit))
        })
        .collect()
}

fn write_wav(path: &Path, channels: &[Vec<f32>], sample_rate: u32) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for channel in channels {
            writer.write_sample(channel[i]).unwrap();
        }
    }
    writer.finalize().unwrap();
}

fn read_wav(path: &Path) -> Vec<Vec<f32>> {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        spec.sample_format,
        hound::SampleFormat::Float,
        "{}",
        path.display()
    );
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    let num_channels = spec.channels as usize;
    (0..num_channels)
        .map(|c| {
            samples
                .iter()
                .skip(c)
                .step_by(num_channels)
                .copied()
                .collect()
        })
        .collect()
}

/// Error of `actual` against `reference`, in dB relative to the reference's RMS, comparing
/// `actual[i + shift]` with `reference[i]`; -inf when they are bit-identical.
fn error_db(reference: &[Vec<f32>], actual: &[Vec<f32>], shift: isize) -> f64 {
    let (mut error, mut power) = (0.0f64, 0.0f64);
    for (r, a) in reference.iter().zip(actual) {
        for (i, &x) in r.iter().enumerate() {
            let j = i as isize + shift;
            if j < 0 || j as usize >= a.len() {
                continue;
            }
            let d = (a[j as usize] - x) as f64;
            error += d * d;
            power += (x as f64) * (x as f64);
        }
    }
    if error == 0.0 {
        f64::NEG_INFINITY
    } else {
        10.0 * (error / power).log10()
    }
}

/// `channels` of noise with tones that come and go (so the gate opens and closes).
fn test_signal(num_channels: usize, sample_rate: u32) -> Vec<Vec<f32>> {
    let mut input = noise(num_channels, 3 * sample_rate as usize, 0.05, 11);
    for (channel, (freq, gain)) in input.iter_mut().zip([(440.0f32, 0.3f32), (1250.0, 0.2)]) {
        for (i, sample) in channel.iter_mut().enumerate() {
            let t = i as f32 / sample_rate as f32;
            let envelope = if ((t * 2.0) as u32).is_multiple_of(2) {
                1.0
            } else {
                0.0
            };
            *sample += envelope * gain * (std::f32::consts::TAU * freq * t).sin();
        }
    }
    input
}

/// (id, value as typed); every value is exact on the parameter's grid.
const SETTINGS: [(&str, &str); 7] = [
    ("threshold", "-6"),
    ("mode", "binary"),
    ("kernel", "brickwall5"),
    ("padding", "4"),
    ("window_size", "1024"),
    ("floor", "-40"),
    ("release", "30"),
];

/// Renders `input` through the plugin in pedalboard and through `spectral-mask render` at
/// [`SETTINGS`]; returns the script's report and the error of the plugin's output against
/// the command line's, aligned (pedalboard removes the reported latency) and shifted by the
/// latency (as it would line up if pedalboard did not).
fn render_both(input: &[Vec<f32>], cpu_runs: u32) -> (serde_json::Value, f64, f64) {
    let python = python();
    let plugin = bundle("vst3");
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("in.wav");
    let plugin_out = dir.path().join("pedalboard.wav");
    let cli_out = dir.path().join("cli.wav");
    write_wav(&input_path, input, 48_000);

    let names = pedalboard_names();
    let name_of = |id: &str| names.iter().find(|(i, _)| *i == id).unwrap().1.clone();
    let mut command = Command::new(&python);
    command
        .arg(repo_root().join("tests").join("vst3_host.py"))
        .arg(&plugin)
        .arg(&input_path)
        .arg(&plugin_out)
        .arg("--cpu-runs")
        .arg(cpu_runs.to_string());
    for (id, value) in SETTINGS {
        command.arg("--set").arg(format!("{}={value}", name_of(id)));
    }
    let result = command.output().expect("running tests/vst3_host.py");
    assert!(
        result.status.success(),
        "tests/vst3_host.py failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    let report: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON report in:\n{stdout}"));

    let mut render = Command::new(env!("CARGO_BIN_EXE_spectral-mask"));
    render.arg("render").arg(&input_path).arg(&cli_out);
    for (id, value) in SETTINGS {
        render.arg("--set").arg(format!("{id}={value}"));
    }
    let rendered = render.output().expect("running spectral-mask render");
    assert!(
        rendered.status.success(),
        "spectral-mask render failed:\n{}",
        String::from_utf8_lossy(&rendered.stderr)
    );

    let from_plugin = read_wav(&plugin_out);
    let from_cli = read_wav(&cli_out);
    assert_eq!(
        from_plugin.len(),
        input.len(),
        "pedalboard keeps the channels"
    );
    assert_eq!(
        from_cli.len(),
        input.len(),
        "the command line keeps the channels"
    );
    assert_eq!(
        from_cli[0].len(),
        input[0].len(),
        "the command line keeps the length"
    );
    let latency = report["reported_latency_samples"].as_i64().unwrap();
    let aligned = error_db(&from_cli, &from_plugin, 0);
    let shifted = error_db(&from_cli, &from_plugin, latency as isize);
    (report, aligned, shifted)
}

fn assert_matches(aligned: f64, what: &str) {
    assert!(
        aligned <= -100.0,
        "{what}: pedalboard differs from the command line by {aligned:.1} dB{}",
        if common::bundle_is_stale() {
            " (the bundle is older than the sources: rebuild it)"
        } else {
            ""
        }
    );
}

#[test]
fn pedalboard_matches_the_command_line_in_stereo() {
    let input = test_signal(2, 48_000);
    let (report, aligned, shifted) = render_both(&input, 5);

    // Names: pedalboard's, one per parameter.
    let parameters = report["parameters"].as_object().unwrap();
    let mut seen: Vec<&String> = parameters.keys().collect();
    seen.sort();
    println!("pedalboard parameters: {seen:?}");
    let mut expected: Vec<String> = pedalboard_names()
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    expected.sort();
    assert_eq!(seen, expected.iter().collect::<Vec<_>>());
    for variant in ["binary", "soft", "binary_inverted", "soft_inverted"] {
        let values = parameters["mode"]["values"].as_array().unwrap();
        assert!(
            values.iter().any(|value| value == variant),
            "mode {variant}"
        );
    }
    println!("pedalboard values: {}", report["values"]);
    // N = 1024, P = 4: 1023 + 1536.
    assert_eq!(
        report["reported_latency_samples"],
        1023 + 1536,
        "reported latency"
    );

    println!(
        "stereo, pedalboard vs command line: {aligned:.1} dB aligned, {shifted:.1} dB shifted \
         by the latency; {} frames in, {} out",
        report["frames_in"], report["frames_out"]
    );
    assert_matches(aligned, "stereo");

    let cpu = report["cpu_per_second_median"].as_f64().unwrap();
    println!(
        "CPU in pedalboard at defaults, stereo 48 kHz: {:.4} s per s of audio (median of 5: {})",
        cpu, report["cpu_per_second"]
    );
}

#[test]
fn pedalboard_matches_the_command_line_in_mono() {
    let input = test_signal(1, 48_000);
    let (_, aligned, shifted) = render_both(&input, 0);
    println!("mono, pedalboard vs command line: {aligned:.1} dB aligned, {shifted:.1} dB shifted");
    assert_matches(aligned, "mono");
}
