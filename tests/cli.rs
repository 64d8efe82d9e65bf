//! The `spectral-mask` binary end to end: null renders through the command line for a
//! matrix of geometries and input formats, bad input that must end in one error line and
//! no output, `params`, `--bits`, presets and the spectrogram's size.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use hound::{SampleFormat, WavSpec};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use spectral_mask::settings::PARAMS;
use tempfile::TempDir;

const RATE: u32 = 48_000;
/// -120 dB: the largest sample error a null render may show.
const NULL_TOLERANCE: f32 = 1e-6;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spectral-mask"))
}

/// Runs the binary in `dir` with `args`.
fn run(dir: &Path, args: &[&str]) -> Output {
    binary()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Int16,
    Int24,
    Float32,
}

/// Seeded uniform noise at ±0.5 (-6 dBFS peaks), one vector per channel.
fn noise(num_channels: usize, len: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..num_channels)
        .map(|_| (0..len).map(|_| rng.gen_range(-0.5..0.5)).collect())
        .collect()
}

/// Writes `channels` in `format` and returns the values the file decodes to (the input
/// quantised to the integer grid).
fn write_wav(path: &Path, channels: &[Vec<f32>], rate: u32, format: Format) -> Vec<Vec<f32>> {
    let (bits_per_sample, sample_format) = match format {
        Format::Int16 => (16, SampleFormat::Int),
        Format::Int24 => (24, SampleFormat::Int),
        Format::Float32 => (32, SampleFormat::Float),
    };
    let spec = WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample,
        sample_format,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    let len = channels.first().map_or(0, Vec::len);
    let full_scale = match format {
        Format::Int16 => 32_768.0,
        Format::Int24 => 8_388_608.0,
        Format::Float32 => 1.0,
    };
    let mut decoded = vec![Vec::with_capacity(len); channels.len()];
    for i in 0..len {
        for (channel, out) in channels.iter().zip(&mut decoded) {
            match format {
                Format::Float32 => {
                    writer.write_sample(channel[i]).unwrap();
                    out.push(channel[i]);
                }
                Format::Int16 | Format::Int24 => {
                    let value = (f64::from(channel[i]) * full_scale).round() as i32;
                    writer.write_sample(value).unwrap();
                    out.push((f64::from(value) / full_scale) as f32);
                }
            }
        }
    }
    writer.finalize().unwrap();
    decoded
}

fn read_wav(path: &Path) -> (WavSpec, Vec<Vec<f32>>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let num_channels = spec.channels as usize;
    let mut channels = vec![Vec::new(); num_channels];
    match spec.sample_format {
        SampleFormat::Float => {
            for (i, sample) in reader.samples::<f32>().enumerate() {
                channels[i % num_channels].push(sample.unwrap());
            }
        }
        SampleFormat::Int => {
            let full_scale = f64::from(1u32 << (spec.bits_per_sample - 1));
            for (i, sample) in reader.samples::<i32>().enumerate() {
                channels[i % num_channels].push((f64::from(sample.unwrap()) / full_scale) as f32);
            }
        }
    }
    (spec, channels)
}

/// Names in `dir`, sorted: to see that nothing (no output, no temporary) was left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Renders `input` with the null settings plus `extra`, and checks that the output is the
/// decoded input after the first `skip` samples, in the input's shape, as 32-bit float.
fn assert_null_render(
    dir: &Path,
    input: &str,
    decoded: &[Vec<f32>],
    extra: &[String],
    skip: usize,
) {
    let output_name = "null-out.wav";
    let mut args = vec![
        "render".to_string(),
        input.to_string(),
        output_name.to_string(),
        "--set".to_string(),
        "threshold=-140".to_string(),
        "--set".to_string(),
        "mode=binary".to_string(),
    ];
    for setting in extra {
        args.push("--set".to_string());
        args.push(setting.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(dir, &args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    let (spec, rendered) = read_wav(&dir.join(output_name));
    assert_eq!(spec.sample_format, SampleFormat::Float, "{extra:?}");
    assert_eq!(spec.bits_per_sample, 32);
    assert_eq!(spec.channels as usize, decoded.len());
    let mut worst = 0.0f32;
    for (out, expected) in rendered.iter().zip(decoded) {
        assert_eq!(out.len(), expected.len(), "{extra:?}: length");
        for (a, b) in out[skip..].iter().zip(&expected[skip..]) {
            worst = worst.max((a - b).abs());
        }
    }
    if std::env::var_os("SHOW_NULL_ERROR").is_some() {
        eprintln!("{extra:?}: {:.1} dB", 20.0 * worst.log10());
    }
    assert!(
        worst <= NULL_TOLERANCE,
        "{extra:?}: max error {worst:e} ({:.1} dB)",
        20.0 * worst.log10()
    );
}

const WINDOW_SIZES: [usize; 3] = [256, 1024, 4096];
const PADDINGS: [usize; 3] = [1, 2, 8];
const KERNELS: [&str; 3] = ["none", "brickwall7", "exact"];

/// Every geometry of the matrix on one input file.
fn null_matrix(format: Format, seed: u64) {
    let dir = TempDir::new().unwrap();
    // 0.4 s: several of the longest frames after the skipped first window.
    let signal = noise(2, 19_200, seed);
    let decoded = write_wav(&dir.path().join("in.wav"), &signal, RATE, format);
    for window_size in WINDOW_SIZES {
        for padding in PADDINGS {
            for kernel in KERNELS {
                let extra = vec![
                    format!("window_size={window_size}"),
                    format!("padding={padding}"),
                    format!("kernel={kernel}"),
                ];
                assert_null_render(dir.path(), "in.wav", &decoded, &extra, window_size);
            }
        }
    }
}

#[test]
fn null_render_of_16_bit_input() {
    null_matrix(Format::Int16, 16);
}

#[test]
fn null_render_of_24_bit_input() {
    null_matrix(Format::Int24, 24);
}

#[test]
fn null_render_of_32_bit_float_input() {
    null_matrix(Format::Float32, 32);
}

#[test]
fn null_render_for_every_window_padding_and_kernel() {
    let dir = TempDir::new().unwrap();
    let signal = noise(2, 9_600, 8);
    let decoded = write_wav(&dir.path().join("in.wav"), &signal, RATE, Format::Float32);
    for window in ["hann", "hamming", "blackman"] {
        for padding in [1, 2, 4, 8] {
            for kernel in
                <spectral_mask::settings::KernelKind as spectral_mask::choice::Choice>::NAMES
            {
                let extra = vec![
                    "window_size=512".to_string(),
                    format!("window={window}"),
                    format!("padding={padding}"),
                    format!("kernel={kernel}"),
                ];
                assert_null_render(dir.path(), "in.wav", &decoded, &extra, 512);
            }
        }
    }
}

#[test]
fn null_render_keeps_any_channel_count_and_rate() {
    let dir = TempDir::new().unwrap();
    for (num_channels, rate) in [(1, 44_100), (3, 22_050), (6, 96_000)] {
        let signal = noise(num_channels, 12_000, num_channels as u64);
        let decoded = write_wav(&dir.path().join("in.wav"), &signal, rate, Format::Float32);
        assert_null_render(dir.path(), "in.wav", &decoded, &[], 2048);
        let (spec, _) = read_wav(&dir.path().join("null-out.wav"));
        assert_eq!(spec.sample_rate, rate);
    }
}

/// A failure: non-zero exit, exactly one line on stderr starting with `error:`.
fn assert_one_error_line(output: &Output, context: &str) -> String {
    assert!(!output.status.success(), "{context}: succeeded");
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{context}: stderr {text:?}");
    assert!(lines[0].starts_with("error: "), "{context}: {text:?}");
    assert!(
        !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
        "{context}: {text:?}"
    );
    lines[0].to_string()
}

/// A directory holding `in.wav` (stereo 16-bit noise, 0.25 s).
fn dir_with_input() -> (TempDir, Vec<u8>) {
    let dir = TempDir::new().unwrap();
    write_wav(
        &dir.path().join("in.wav"),
        &noise(2, 12_000, 7),
        RATE,
        Format::Int16,
    );
    let bytes = fs::read(dir.path().join("in.wav")).unwrap();
    (dir, bytes)
}

/// Runs a failing command and checks the one-line error, that `expect` is in it, that the
/// directory is as before (no output, no temporary) and that the input is untouched.
fn assert_fails_cleanly(args: &[&str], expect: &str) {
    let (dir, input_bytes) = dir_with_input();
    fs::write(dir.path().join("notwav.wav"), "RIFF? no, just some text\n").unwrap();
    assert_fails_cleanly_in(dir.path(), &input_bytes, args, expect);
}

/// [`assert_fails_cleanly`] in a directory that holds `in.wav` with `input_bytes`.
fn assert_fails_cleanly_in(dir: &Path, input_bytes: &[u8], args: &[&str], expect: &str) {
    let before = listing(dir);
    let output = run(dir, args);
    let line = assert_one_error_line(&output, &format!("{args:?}"));
    assert!(line.contains(expect), "{args:?}: {line:?} lacks {expect:?}");
    assert_eq!(listing(dir), before, "{args:?}: files left behind");
    assert_eq!(fs::read(dir.join("in.wav")).unwrap(), input_bytes);
}

#[test]
fn bad_input_fails_with_one_line_and_no_output() {
    for command in ["render", "spectrogram"] {
        let out = if command == "render" {
            "out.wav"
        } else {
            "out.png"
        };
        let cases: [(&[&str], &str); 7] = [
            (&["notwav.wav", out], "notwav.wav is not a WAV file"),
            (&["missing.wav", out], "missing.wav"),
            (
                &["in.wav", out, "--set", "thresh=-20"],
                "unknown parameter id 'thresh'",
            ),
            (&["in.wav", out, "--set", "threshold=30"], "out of range"),
            (
                &["in.wav", out, "--set", "threshold=loud"],
                "cannot read 'loud'",
            ),
            (
                &["in.wav", out, "--set", "window_size=1000"],
                "out of range",
            ),
            (
                &["in.wav", out, "--set", "mode=sideways"],
                "cannot read 'sideways'",
            ),
        ];
        for (rest, expect) in cases {
            let mut args = vec![command];
            args.extend_from_slice(rest);
            assert_fails_cleanly(&args, expect);
        }
    }
}

#[test]
fn usage_mistakes_are_one_line_with_exit_code_2() {
    let (dir, _) = dir_with_input();
    for args in [
        &["render", "in.wav"][..],
        &["render", "in.wav", "out.wav", "--bits", "8"],
        &["render", "in.wav", "out.wav", "--sett", "x=1"],
        &["rendr", "in.wav", "out.wav"],
        &["render", "in.wav", "out.wav", "--set", "threshold"],
    ] {
        let output = run(dir.path(), args);
        assert_one_error_line(&output, &format!("{args:?}"));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let typo = stderr(&run(dir.path(), &["rendr", "a.wav", "b.wav"]));
    assert!(typo.contains("'render'"), "{typo}");
}

#[test]
fn never_writes_onto_its_input() {
    let (dir, input_bytes) = dir_with_input();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let absolute = dir.path().join("in.wav");
    let absolute = absolute.to_str().unwrap();
    for command in ["render", "spectrogram"] {
        for (input, output) in [
            ("in.wav", "in.wav"),
            ("./in.wav", "in.wav"),
            ("in.wav", "./in.wav"),
            ("in.wav", "sub/../in.wav"),
            (absolute, "in.wav"),
        ] {
            let args = [command, input, output];
            assert_fails_cleanly_in(dir.path(), &input_bytes, &args, "is the input file");
        }
    }
    // A hard link is the same file under another name.
    let (dir, input_bytes) = dir_with_input();
    fs::hard_link(dir.path().join("in.wav"), dir.path().join("link.wav")).unwrap();
    let output = run(dir.path(), &["render", "in.wav", "link.wav"]);
    let line = assert_one_error_line(&output, "hard link");
    assert!(line.contains("is the input file"), "{line}");
    assert_eq!(fs::read(dir.path().join("in.wav")).unwrap(), input_bytes);
    assert_eq!(listing(dir.path()), ["in.wav", "link.wav"]);
}

/// A WAV header of `format_tag` and `bits`, with a little data.
fn raw_wav(format_tag: u16, bits: u16, channels: u16) -> Vec<u8> {
    let block_align = channels * bits / 8;
    let data = vec![0u8; block_align as usize * 100];
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(4 + 8 + 16 + 8 + data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&format_tag.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&RATE.to_le_bytes());
    bytes.extend_from_slice(&(RATE * u32::from(block_align)).to_le_bytes());
    bytes.extend_from_slice(&block_align.to_le_bytes());
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&data);
    bytes
}

#[test]
fn unsupported_and_damaged_files_say_what_is_wrong() {
    let dir = TempDir::new().unwrap();
    let path = |name: &str| dir.path().join(name);
    fs::write(path("f64.wav"), raw_wav(3, 64, 2)).unwrap();
    fs::write(path("alaw.wav"), raw_wav(6, 8, 1)).unwrap();
    fs::write(path("empty.wav"), b"").unwrap();
    let spec = WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 8,
        sample_format: SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path("u8.wav"), spec).unwrap();
    for i in 0..1000 {
        writer.write_sample((i % 100) as i8).unwrap();
    }
    writer.finalize().unwrap();
    write_wav(&path("slow.wav"), &noise(1, 1000, 1), 4_000, Format::Int16);
    // A file cut short: its header promises more data than there is.
    write_wav(&path("cut.wav"), &noise(2, 10_000, 2), RATE, Format::Int16);
    let whole = fs::read(path("cut.wav")).unwrap();
    fs::write(path("cut.wav"), &whole[..whole.len() / 2]).unwrap();

    let before = listing(dir.path());
    for (input, expect) in [
        ("f64.wav", "64-bit float samples are not supported"),
        ("alaw.wav", "A-law compressed samples are not supported"),
        ("u8.wav", "8-bit integer samples are not supported"),
        ("empty.wav", "empty.wav is not a WAV file"),
        ("slow.wav", "sample rate 4000 Hz is not supported"),
        ("cut.wav", "ends early"),
    ] {
        let output = run(dir.path(), &["render", input, "out.wav"]);
        let line = assert_one_error_line(&output, input);
        assert!(line.contains(expect), "{input}: {line:?}");
        assert_eq!(output.status.code(), Some(1), "{input}");
    }
    assert_eq!(listing(dir.path()), before);
}

#[test]
fn unwritable_output_leaves_nothing_behind() {
    let (dir, _) = dir_with_input();
    fs::create_dir(dir.path().join("taken.wav")).unwrap();
    let before = listing(dir.path());
    let output = run(dir.path(), &["render", "in.wav", "taken.wav"]);
    let line = assert_one_error_line(&output, "output is a directory");
    assert!(line.contains("cannot write taken.wav"), "{line}");
    assert_eq!(listing(dir.path()), before);
    let output = run(dir.path(), &["render", "in.wav", "no/such/dir/out.wav"]);
    assert_one_error_line(&output, "output directory missing");
}

#[test]
fn render_reports_one_summary_line_and_replaces_an_old_output() {
    let (dir, _) = dir_with_input();
    fs::write(dir.path().join("out.wav"), "old").unwrap();
    let output = run(dir.path(), &["render", "in.wav", "out.wav"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    // Default geometry N = 2048, P = 4: latency N - 1 + (M - N) / 2 = 2047 + 3072.
    assert!(
        text.starts_with("wrote out.wav (2 ch, 48000 Hz, 32-bit float, 0.25 s)"),
        "{text}"
    );
    assert!(text.contains("latency removed: 5119 samples"), "{text}");
    let (_, rendered) = read_wav(&dir.path().join("out.wav"));
    assert_eq!(rendered[0].len(), 12_000);
    assert_eq!(listing(dir.path()), ["in.wav", "out.wav"]);
}

#[test]
fn bits_selects_the_output_format() {
    let (dir, _) = dir_with_input();
    for (bits, expected) in [("16", 16), ("24", 24)] {
        let output = run(dir.path(), &["render", "in.wav", "out.wav", "--bits", bits]);
        assert!(output.status.success(), "{}", stderr(&output));
        let (spec, channels) = read_wav(&dir.path().join("out.wav"));
        assert_eq!(spec.sample_format, SampleFormat::Int);
        assert_eq!(spec.bits_per_sample, expected);
        assert_eq!((spec.channels, spec.sample_rate), (2, RATE));
        assert_eq!(channels[1].len(), 12_000);
    }
}

#[test]
fn null_render_of_16_bit_input_to_16_bit_is_bit_exact() {
    let (dir, input_bytes) = dir_with_input();
    let args = [
        "render",
        "in.wav",
        "out.wav",
        "--bits",
        "16",
        "--set",
        "threshold=-140",
        "--set",
        "mode=binary",
    ];
    let output = run(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, input) = read_wav(&dir.path().join("in.wav"));
    let (_, rendered) = read_wav(&dir.path().join("out.wav"));
    // An error under half a step rounds back to the same integer; skip the first window.
    assert_eq!(input[0][2048..], rendered[0][2048..]);
    assert_eq!(fs::read(dir.path().join("in.wav")).unwrap(), input_bytes);
}

#[test]
fn a_saved_json_preset_renders_as_its_settings_and_a_damaged_one_as_the_defaults() {
    let dir = TempDir::new().unwrap();
    write_wav(
        &dir.path().join("in.wav"),
        &noise(2, 24_000, 9),
        RATE,
        Format::Float32,
    );
    let set = [
        "--set",
        "threshold=4",
        "--set",
        "mode=wiener",
        "--set",
        "tilt=3",
    ];
    let mut save = vec!["preset", "save", "p.json"];
    save.extend(set);
    let output = run(dir.path(), &save);
    assert!(output.status.success(), "{}", stderr(&output));

    let output = run(
        dir.path(),
        &["render", "in.wav", "a.wav", "--preset", "p.json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let mut direct = vec!["render", "in.wav", "b.wav"];
    direct.extend(set);
    let output = run(dir.path(), &direct);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        fs::read(dir.path().join("a.wav")).unwrap(),
        fs::read(dir.path().join("b.wav")).unwrap(),
        "the preset renders bit for bit as its --set lines"
    );

    // A damaged preset: one warning line, and the defaults.
    fs::write(
        dir.path().join("bad.json"),
        "{\"spectral_mask_preset\": 1, \"par",
    )
    .unwrap();
    let output = run(
        dir.path(),
        &["render", "in.wav", "c.wav", "--preset", "bad.json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let warnings: Vec<String> = stderr(&output)
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .map(str::to_string)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("bad.json") && warnings[0].contains("defaults"));
    let output = run(dir.path(), &["render", "in.wav", "d.wav"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        fs::read(dir.path().join("c.wav")).unwrap(),
        fs::read(dir.path().join("d.wav")).unwrap()
    );
}

#[test]
fn preset_lines_apply_before_set() {
    let dir = TempDir::new().unwrap();
    let signal = noise(2, 12_000, 3);
    let decoded = write_wav(&dir.path().join("in.wav"), &signal, RATE, Format::Float32);
    let mut preset = fs::File::create(dir.path().join("null.preset")).unwrap();
    writeln!(
        preset,
        "# everything passes\n\nthreshold = -140\nmode=binary  # a gate\n"
    )
    .unwrap();
    drop(preset);

    let output = run(
        dir.path(),
        &["render", "in.wav", "a.wav", "--preset", "null.preset"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, a) = read_wav(&dir.path().join("a.wav"));
    let error = a[0][2048..]
        .iter()
        .zip(&decoded[0][2048..])
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(error <= NULL_TOLERANCE, "{error}");

    // --set comes after the preset: a threshold far above the noise gates it.
    let args = [
        "render",
        "in.wav",
        "b.wav",
        "--preset",
        "null.preset",
        "--set",
        "threshold=20",
        "--set",
        "reference=absolute",
    ];
    let output = run(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, b) = read_wav(&dir.path().join("b.wav"));
    let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
    assert!(energy(&b[0]) < 0.1 * energy(&decoded[0]));

    fs::write(dir.path().join("bad.preset"), "threshold=-20\n\nknee=99\n").unwrap();
    let output = run(
        dir.path(),
        &["render", "in.wav", "c.wav", "--preset", "bad.preset"],
    );
    let line = assert_one_error_line(&output, "bad preset");
    assert!(
        line.contains("bad.preset, line 3") && line.contains("'knee'"),
        "{line}"
    );
    assert!(!dir.path().join("c.wav").exists());
}

#[test]
fn params_lists_every_id() {
    let dir = TempDir::new().unwrap();
    let output = run(dir.path(), &["params"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    let expected: Vec<&str> = PARAMS.iter().map(|spec| spec.id).collect();
    assert_eq!(ids, expected);
    for spec in PARAMS {
        let line = text
            .lines()
            .find(|line| line.split_whitespace().next() == Some(spec.id))
            .unwrap();
        assert!(line.contains(&spec.range_text()), "{line}");
        assert!(line.contains(&spec.value_text(spec.default)), "{line}");
    }

    let output = run(dir.path(), &["params", "--json"]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|param| param["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected);
}

#[test]
fn help_names_the_subcommands_and_the_standalone_options() {
    let dir = TempDir::new().unwrap();
    let output = run(dir.path(), &["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for word in [
        "render",
        "spectrogram",
        "params",
        "spectral-mask standalone --help",
    ] {
        assert!(text.contains(word), "{word}: {text}");
    }
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height)
}

#[test]
fn spectrogram_writes_a_png_of_the_expected_size() {
    let dir = TempDir::new().unwrap();
    // Three panels of 256 rows, each under a 24-pixel title, 8 between them, 4 above and
    // 40 below for the time axis.
    let height = 4 + 3 * (24 + 256) + 2 * 8 + 40;
    // With N = 1024 the hop is 256 and one frame is centred on every hop of the file:
    // ceil(len / 256) frames, one column each between 400 and 1600, plus 58 pixels of
    // frequency labels on the left and 92 of colour bars on the right.
    for (len, window_size, width) in [
        (144_000, "1024", 563 + 150), // ceil(144000 / 256) = 563
        (4_800, "1024", 400 + 150),   // 19 frames, widened to the narrowest plot
        (480_000, "256", 1600 + 150), // 7500 frames of hop 64, several per column
    ] {
        write_wav(
            &dir.path().join("in.wav"),
            &noise(2, len, 5),
            RATE,
            Format::Int24,
        );
        let setting = format!("window_size={window_size}");
        let output = run(
            dir.path(),
            &["spectrogram", "in.wav", "s.png", "--set", &setting],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(stderr(&output).lines().count(), 1);
        assert_eq!(
            png_size(&dir.path().join("s.png")),
            (width, height),
            "{len}"
        );
    }
    assert_eq!(listing(dir.path()), ["in.wav", "s.png"]);
}

#[test]
fn empty_input_renders_an_empty_output() {
    let dir = TempDir::new().unwrap();
    write_wav(
        &dir.path().join("in.wav"),
        &[vec![], vec![]],
        RATE,
        Format::Float32,
    );
    let output = run(dir.path(), &["render", "in.wav", "out.wav"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (spec, channels) = read_wav(&dir.path().join("out.wav"));
    assert_eq!(spec.channels, 2);
    assert!(channels.iter().all(Vec::is_empty));
    let output = run(dir.path(), &["spectrogram", "in.wav", "s.png"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Noise throughout (uniform ±0.02, about -37 dBFS RMS) and a 1 kHz tone at 0.25 from 1 s
/// to 2 s: 0.5 s of noise alone to learn from, 0.5 s more of it to measure.
fn noise_then_tone() -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(11);
    (0..2 * RATE as usize)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let tone = if t >= 1.0 {
                0.25 * (std::f32::consts::TAU * 1_000.0 * t).sin()
            } else {
                0.0
            };
            tone + rng.gen_range(-0.02..0.02)
        })
        .collect()
}

/// Samples of seconds `from..to`.
fn seconds(signal: &[f32], from: f32, to: f32) -> &[f32] {
    &signal[(from * RATE as f32) as usize..(to * RATE as f32) as usize]
}

fn energy_db(signal: &[f32]) -> f32 {
    10.0 * signal.iter().map(|x| x * x).sum::<f32>().max(1e-30).log10()
}

/// Level of the 1 kHz component in dB (a single-frequency DFT over whole cycles).
fn tone_db(signal: &[f32]) -> f32 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, &x) in signal.iter().enumerate() {
        let phase = std::f64::consts::TAU * 1_000.0 * i as f64 / f64::from(RATE);
        re += f64::from(x) * phase.cos();
        im += f64::from(x) * phase.sin();
    }
    (20.0 * (re.hypot(im) / signal.len() as f64).log10()) as f32
}

/// Noise attenuation after the lead-in and tone level change (output minus input, dB).
fn learn_figures(input: &[f32], output: &[f32]) -> (f32, f32) {
    let noise = energy_db(seconds(input, 0.55, 0.95)) - energy_db(seconds(output, 0.55, 0.95));
    let tone = tone_db(seconds(output, 1.2, 1.9)) - tone_db(seconds(input, 1.2, 1.9));
    (noise, tone)
}

#[test]
fn learn_gates_the_noise_of_the_lead_in_and_keeps_the_tone() {
    let dir = TempDir::new().unwrap();
    let input = write_wav(
        &dir.path().join("in.wav"),
        &[noise_then_tone()],
        RATE,
        Format::Float32,
    );
    let args = [
        "render",
        "in.wav",
        "out.wav",
        "--learn",
        "0..0.5",
        "--set",
        "threshold=6",
    ];
    let output = run(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("noise print from in.wav 0..0.5 s"), "{text}");
    assert!(!text.contains("unused"), "{text}");
    let (_, rendered) = read_wav(&dir.path().join("out.wav"));
    assert_eq!(rendered[0].len(), input[0].len());
    let (noise_cut, tone_change) = learn_figures(&input[0], &rendered[0]);
    eprintln!("--learn 0..0.5: noise -{noise_cut:.1} dB, tone {tone_change:+.2} dB");
    assert!(noise_cut > 10.0, "noise attenuated by only {noise_cut} dB");
    assert!(tone_change.abs() < 1.0, "tone changed by {tone_change} dB");

    // The same print from a separate file of noise alone.
    let noise_only: Vec<f32> = seconds(&input[0], 0.0, 0.5).to_vec();
    write_wav(
        &dir.path().join("noise.wav"),
        &[noise_only],
        RATE,
        Format::Float32,
    );
    let args = [
        "render",
        "in.wav",
        "file.wav",
        "--learn-file",
        "noise.wav",
        "--set",
        "threshold=6",
    ];
    let output = run(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, from_file) = read_wav(&dir.path().join("file.wav"));
    assert_eq!(from_file, rendered, "print from noise.wav differs");

    // An explicit reference wins over the one --learn implies, and the summary says so.
    let args = [
        "render",
        "in.wav",
        "abs.wav",
        "--learn",
        "0..0.5",
        "--set",
        "reference=absolute",
    ];
    let output = run(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("(unused: reference=absolute)"),
        "{}",
        stderr(&output)
    );

    let output = run(
        dir.path(),
        &["spectrogram", "in.wav", "out.png", "--learn", "0..0.5"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("noise print from in.wav 0..0.5 s"));
}

#[test]
fn bad_learn_spans_are_one_line_with_exit_code_2_and_no_output() {
    let (dir, input_bytes) = dir_with_input();
    // in.wav is 0.25 s at 48 kHz; a 22 kHz file to learn from is the wrong rate.
    write_wav(
        &dir.path().join("other_rate.wav"),
        &noise(1, 22_050, 5),
        22_050,
        Format::Int16,
    );
    for command in ["render", "spectrogram"] {
        let out = if command == "render" {
            "out.wav"
        } else {
            "out.png"
        };
        let cases: [(&[&str], &str); 8] = [
            (&["--learn", "0.2..0.1"], "END must be after START"),
            (&["--learn", "0.1..0.1"], "END must be after START"),
            (&["--learn", "0..9"], "ends after the end of in.wav"),
            (&["--learn", "noise"], "expected START..END"),
            (&["--learn", "0..x"], "cannot read END 'x'"),
            (
                &["--learn", "-1..0.2"],
                "START must be a time in seconds >= 0",
            ),
            (&["--learn", "0..0.01"], "too short to learn a noise print"),
            (&["--learn-file", "other_rate.wav"], "sample rate 22050 Hz"),
        ];
        for (rest, expect) in cases {
            let mut args = vec![command, "in.wav", out];
            args.extend_from_slice(rest);
            let before = listing(dir.path());
            let output = run(dir.path(), &args);
            let line = assert_one_error_line(&output, &format!("{args:?}"));
            assert!(line.contains(expect), "{args:?}: {line:?} lacks {expect:?}");
            assert_eq!(output.status.code(), Some(2), "{args:?}: {line}");
            assert_eq!(listing(dir.path()), before, "{args:?}: files left behind");
        }
    }
    assert_eq!(fs::read(dir.path().join("in.wav")).unwrap(), input_bytes);
}

#[test]
fn render_help_describes_learn() {
    let output = binary().args(["render", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("--learn <START..END>"), "{text}");
    assert!(text.contains("--learn-file <NOISE.wav>"), "{text}");
    assert!(text.contains("reference=print"), "{text}");
}

// ---- Batches: render IN... -o DIR ----

/// The non-WAV inputs made by libsndfile (scripts/make-test-fixtures.py): name, rate,
/// channels; each is 0.3 s long.
const FIXTURES: [(&str, u32, usize); 4] = [
    ("tone-48k-stereo-24.flac", 48_000, 2),
    ("tone-44k-mono.ogg", 44_100, 1),
    ("tone-44k-stereo.mp3", 44_100, 2),
    ("tone-96k-mono-16.aiff", 96_000, 1),
];

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                names.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names
}

fn json_stdout(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is no JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn a_batch_renders_every_format_reports_the_bad_files_and_leaves_no_temporary() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("more")).unwrap();
    // name, rate, channels, length: WAV in three depths, the fixtures, one in a subfolder.
    let mut expected = vec![
        ("a16.wav".to_string(), 44_100, 2, 13_000),
        ("b24.wav".to_string(), 48_000, 1, 14_000),
        ("more/c32f.wav".to_string(), 96_000, 2, 30_000),
    ];
    write_wav(
        &input.join("a16.wav"),
        &noise(2, 13_000, 1),
        44_100,
        Format::Int16,
    );
    write_wav(
        &input.join("b24.wav"),
        &noise(1, 14_000, 2),
        48_000,
        Format::Int24,
    );
    write_wav(
        &input.join("more/c32f.wav"),
        &noise(2, 30_000, 3),
        96_000,
        Format::Float32,
    );
    for (name, rate, channels) in FIXTURES {
        fs::copy(fixture(name), input.join(name)).unwrap();
        expected.push((name.to_string(), rate, channels, (rate as usize * 3) / 10));
    }
    // A WAV file cut short, and text named .wav.
    write_wav(
        &input.join("cut.wav"),
        &noise(2, 10_000, 4),
        RATE,
        Format::Int16,
    );
    let whole = fs::read(input.join("cut.wav")).unwrap();
    fs::write(input.join("cut.wav"), &whole[..whole.len() / 2]).unwrap();
    fs::write(input.join("text.wav"), "not audio\n").unwrap();
    let inputs_before: Vec<Vec<u8>> = tree(&input)
        .iter()
        .map(|name| fs::read(input.join(name)).unwrap())
        .collect();

    let output = run(
        dir.path(),
        &[
            "render",
            "in",
            "-o",
            "out",
            "--recursive",
            "--jobs",
            "2",
            "--json",
        ],
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let line_of = |name: &str| {
        text.lines()
            .find(|line| line.starts_with(&format!("in/{name}:")))
            .unwrap_or_else(|| panic!("no line for {name}: {text}"))
    };
    assert!(line_of("cut.wav").contains("ends early"), "{text}");
    assert!(line_of("text.wav").contains("is not a WAV file"), "{text}");
    assert!(
        text.contains("rendered 7 of 9 files (2 failed, 0 skipped)"),
        "{text}"
    );

    // Every good file, at its input's rate, channels and length; nothing else in out/.
    let mut outputs: Vec<String> = expected
        .iter()
        .map(|(name, ..)| {
            Path::new(name)
                .with_extension("wav")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    outputs.sort();
    assert_eq!(tree(&dir.path().join("out")), outputs, "{text}");
    for (name, rate, channels, len) in &expected {
        let path = dir
            .path()
            .join("out")
            .join(Path::new(name).with_extension("wav"));
        let (spec, rendered) = read_wav(&path);
        assert_eq!(
            (spec.sample_rate, spec.channels as usize),
            (*rate, *channels),
            "{name}"
        );
        assert_eq!(rendered[0].len(), *len, "{name}");
    }
    let inputs_after: Vec<Vec<u8>> = tree(&input)
        .iter()
        .map(|name| fs::read(input.join(name)).unwrap())
        .collect();
    assert_eq!(inputs_after, inputs_before, "an input changed");

    // The JSON summary: one object per file.
    let summary = json_stdout(&output);
    assert_eq!(summary["done"], 7);
    assert_eq!(summary["failed"], 2);
    let files = summary["files"].as_array().unwrap();
    assert_eq!(files.len(), 9);
    for file in files {
        let done = file["status"] == "done";
        assert_eq!(done, file["latency_removed"] == 5119, "{file}");
        assert_eq!(done, file["peak_dbfs"].is_number(), "{file}");
        assert_eq!(!done, file["error"].is_string(), "{file}");
    }
}

#[test]
fn a_lossless_input_in_a_batch_nulls_against_its_single_file_render() {
    let dir = TempDir::new().unwrap();
    let flac = fixture(FIXTURES[0].0);
    let run_ok = |args: &[&str]| {
        let output = run(dir.path(), args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    };
    // The FLAC's samples as a WAV (bypass passes them unchanged, aligned), then both renders.
    let flac = flac.to_str().unwrap();
    run_ok(&[
        "render",
        flac,
        "copy.wav",
        "--set",
        "bypass=on",
        "--bits",
        "24",
    ]);
    run_ok(&["render", "copy.wav", "single.wav"]);
    run_ok(&["render", flac, "-o", "out"]);
    let (_, single) = read_wav(&dir.path().join("single.wav"));
    let (_, batch) = read_wav(&dir.path().join("out/tone-48k-stereo-24.wav"));
    assert_eq!(batch, single);

    // FLAC out holds what WAV out holds at the same depth.
    run_ok(&["render", "copy.wav", "single24.wav", "--bits", "24"]);
    run_ok(&["render", "copy.wav", "-o", "flac", "--format", "flac"]);
    run_ok(&[
        "render",
        "flac/copy.flac",
        "back.wav",
        "--set",
        "bypass=on",
        "--bits",
        "24",
    ]);
    let (_, single24) = read_wav(&dir.path().join("single24.wav"));
    let (_, back) = read_wav(&dir.path().join("back.wav"));
    assert_eq!(back, single24);
}

#[test]
fn ctrl_c_leaves_whole_files_only_and_skip_existing_finishes_the_batch() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    const FILES: usize = 12;
    let len = 20 * RATE as usize;
    for index in 0..FILES {
        let path = input.join(format!("take{index:02}.wav"));
        write_wav(&path, &noise(2, len, index as u64), RATE, Format::Int16);
    }
    let out = dir.path().join("out");
    let child = binary()
        .current_dir(dir.path())
        .args(["render", "in", "-o", "out", "--jobs", "1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first file is in place.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !out.join("take00.wav").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no output within 120 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(text.contains("--skip-existing"), "{text}");

    let done = tree(&out);
    assert!(!done.is_empty() && done.len() < FILES, "{done:?}\n{text}");
    for name in &done {
        assert!(
            name.ends_with(".wav") && !name.contains("partial"),
            "{name}"
        );
        let (_, rendered) = read_wav(&out.join(name));
        assert_eq!(rendered[1].len(), len, "{name} is not whole");
    }
    let before: Vec<Vec<u8>> = done
        .iter()
        .map(|name| fs::read(out.join(name)).unwrap())
        .collect();

    let output = run(
        dir.path(),
        &["render", "in", "-o", "out", "--skip-existing"],
    );
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    let skipped = done.len();
    assert!(
        text.contains(&format!(
            "rendered {} of {FILES} files (0 failed, {skipped} skipped)",
            FILES - skipped
        )),
        "{text}"
    );
    assert_eq!(tree(&out).len(), FILES);
    let after: Vec<Vec<u8>> = done
        .iter()
        .map(|name| fs::read(out.join(name)).unwrap())
        .collect();
    assert_eq!(after, before, "--skip-existing rewrote a finished file");
}

#[test]
fn batch_usage_mistakes_are_one_line_with_exit_code_2() {
    let (dir, _) = dir_with_input();
    fs::create_dir(dir.path().join("empty")).unwrap();
    fs::copy(dir.path().join("in.wav"), dir.path().join("empty/in.wav")).unwrap();
    fs::create_dir(dir.path().join("none")).unwrap();
    for (args, expect) in [
        (&["render", "in.wav"][..], "an input and an output file"),
        (
            &["render", "in.wav", "out.flac", "--bits", "32"],
            "FLAC holds integer samples",
        ),
        (&["render", "none", "-o", "out"], "holds no audio files"),
        (
            &["render", "in.wav", "empty", "-o", "out"],
            "would both be written to",
        ),
        (&["render", "in.wav", "-o", "out", "--jobs", "0"], "--jobs"),
    ] {
        let output = run(dir.path(), args);
        let line = assert_one_error_line(&output, &format!("{args:?}"));
        assert!(line.contains(expect), "{args:?}: {line}");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!dir.path().join("out").exists(), "{args:?}");
    }
}

// ---- Presets: factory ones by name, and one saved in the editor ----

#[test]
fn every_factory_preset_renders_the_demo_clip() {
    let dir = TempDir::new().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-noisy-speech.wav");
    let listed = run(dir.path(), &["preset", "list"]);
    assert!(listed.status.success());
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-clean-speech.wav");
    for (name, json) in spectral_mask::preset::FACTORY {
        assert!(listed.contains(name), "{listed}");
        let mut args = vec![
            "render",
            demo.to_str().unwrap(),
            "out.wav",
            "--preset",
            name,
        ];
        // A preset that gives the key a role is rendered with one (the clean take).
        if !json.contains(r#""key": "off""#) {
            args.extend(["--key", clean.to_str().unwrap()]);
        }
        let output = run(dir.path(), &args);
        let text = stderr(&output);
        assert!(output.status.success(), "{name}: {text}");
        assert_eq!(text.lines().count(), 1, "{name}: {text}");
        let (_, rendered) = read_wav(&dir.path().join("out.wav"));
        assert_eq!(rendered[0].len(), 8 * 48_000, "{name}");
        assert!(rendered[0].iter().all(|x| x.is_finite()), "{name}");
    }
}

/// What the editor test below changes before saving a preset.
const EDITED: [&str; 5] = [
    "threshold=3.5",
    "floor=-42",
    "window_size=1024",
    "tilt=2",
    "mode=wiener",
];

#[test]
fn a_preset_saved_in_the_editor_renders_in_the_cli_bit_for_bit() {
    use spectral_mask::editor::presets::Library;
    use spectral_mask::editor::SettingsAccess;
    use spectral_mask::settings::Settings;

    let (dir, _) = dir_with_input();
    let mut library = Library::with_user_dir(Some(dir.path().join("presets")));
    let mut edited = Settings::default();
    for assignment in EDITED {
        edited.apply_assignment(assignment).unwrap();
    }
    let file = library
        .save("Take two", &SettingsAccess::new(edited))
        .unwrap();
    let file = file.to_str().unwrap();

    let output = run(
        dir.path(),
        &["render", "in.wav", "preset.wav", "--preset", file],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let mut args = vec!["render", "in.wav", "set.wav"];
    for assignment in EDITED {
        args.extend(["--set", assignment]);
    }
    let output = run(dir.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, by_preset) = read_wav(&dir.path().join("preset.wav"));
    let (_, by_set) = read_wav(&dir.path().join("set.wav"));
    assert_eq!(by_preset, by_set);
    let (_, defaults) = {
        run(dir.path(), &["render", "in.wav", "defaults.wav"]);
        read_wav(&dir.path().join("defaults.wav"))
    };
    assert_ne!(by_preset, defaults, "the preset changed nothing");
}

#[test]
fn a_curve_from_the_command_line_or_a_preset_renders_alike() {
    let (dir, _) = dir_with_input();
    // A gate at -50 dBFS passes the noise; the curve lifts it 20 dB above 4 kHz.
    let curve = ["--curve", "3500:0,4000:20"];
    let gate = [
        "--set",
        "reference=absolute",
        "--set",
        "mode=binary",
        "--set",
        "threshold=-50",
    ];
    let ok = |args: &[&str]| {
        let output = run(dir.path(), args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    };
    ok(&[
        &["preset", "save", "curved.json", curve[0], curve[1]][..],
        &gate,
    ]
    .concat());
    let text = fs::read_to_string(dir.path().join("curved.json")).unwrap();
    assert!(
        text.contains("\"curve\"") && text.contains("4000"),
        "{text}"
    );
    ok(&[
        "render",
        "in.wav",
        "by-preset.wav",
        "--preset",
        "curved.json",
    ]);
    ok(&[
        &["render", "in.wav", "by-option.wav", curve[0], curve[1]][..],
        &gate,
    ]
    .concat());
    ok(&[&["render", "in.wav", "flat.wav"][..], &gate].concat());
    let (_, by_preset) = read_wav(&dir.path().join("by-preset.wav"));
    let (_, by_option) = read_wav(&dir.path().join("by-option.wav"));
    let (_, flat) = read_wav(&dir.path().join("flat.wav"));
    assert!(
        by_preset == by_option,
        "the preset's curve and --curve differ"
    );
    assert!(by_preset != flat, "the curve changed nothing");
    let output = run(
        dir.path(),
        &["render", "in.wav", "x.wav", "--curve", "4000"],
    );
    let line = assert_one_error_line(&output, "--curve 4000");
    assert!(line.contains("HZ:DB"), "{line}");
}

#[test]
fn a_key_file_ducks_the_input_and_mistakes_with_it_are_one_line() {
    let dir = TempDir::new().unwrap();
    let rate = 48_000;
    let noise: Vec<f32> = (0..rate)
        .map(|i| ((i as f32 * 12.9898).sin() * 43_758.547).fract() * 0.2)
        .collect();
    let tone: Vec<f32> = (0..rate)
        .map(|i| 0.5 * (i as f32 * std::f32::consts::TAU * 1000.0 / rate as f32).sin())
        .collect();
    let input = write_wav(
        &dir.path().join("in.wav"),
        &[noise],
        rate as u32,
        Format::Float32,
    );
    write_wav(
        &dir.path().join("key.wav"),
        &[tone],
        rate as u32,
        Format::Float32,
    );
    write_wav(
        &dir.path().join("key44.wav"),
        &[vec![0.0; 4410]],
        44_100,
        Format::Float32,
    );

    // Ducked under a 1 kHz key: quieter than the input, and not where the key is silent.
    let ducked = run(
        dir.path(),
        &[
            "render",
            "in.wav",
            "out.wav",
            "--key",
            "key.wav",
            "--preset",
            "sidechain-ducker",
        ],
    );
    assert!(ducked.status.success(), "{}", stderr(&ducked));
    assert_eq!(stderr(&ducked).lines().count(), 1, "{}", stderr(&ducked));
    let (_, output) = read_wav(&dir.path().join("out.wav"));
    let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
    let ratio = energy(&output[0][4800..]) / energy(&input[0][4800..]);
    assert!(
        ratio < 0.99 && ratio > 0.5,
        "ducked to {ratio} of the energy"
    );

    // A key without a role, a role without a key: one warning line each, and a render.
    for args in [
        &["render", "in.wav", "out.wav", "--key", "key.wav"][..],
        &["render", "in.wav", "out.wav", "--set", "key=gate"][..],
    ] {
        let output = run(dir.path(), args);
        let text = stderr(&output);
        assert!(output.status.success(), "{args:?}: {text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{args:?}: {text}");
        assert!(lines[0].starts_with("warning: "), "{args:?}: {text}");
    }

    // A key at another sample rate: one line, no output.
    fs::remove_file(dir.path().join("out.wav")).unwrap();
    let output = run(
        dir.path(),
        &[
            "render",
            "in.wav",
            "out.wav",
            "--key",
            "key44.wav",
            "--set",
            "key=duck",
        ],
    );
    let text = stderr(&output);
    assert!(!output.status.success());
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("44100 Hz differs from the input's 48000 Hz"),
        "{text}"
    );
    assert!(!dir.path().join("out.wav").exists());
}
