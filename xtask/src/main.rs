//! `cargo xtask`: bundling (through `nice-plug-xtask`) plus the project's own chores.
//!
//! - `setup`: install the Debian packages that building, the host tests and the demo need.
//! - `venv`:  create `.venv` with the Python packages the host tests drive the plugin with.
//! - `demo`:  build everything, bundle the plugin and denoise `assets/demo-noisy-speech.wav`.
//! - `test`:  everything CI checks (`.ci/run` calls this), failing on the first error.
//! - anything else (`bundle ...`, `bundle-universal ...`, `known-packages`) goes to
//!   `nice_plug_xtask`.

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{self, Command};
use std::time::Instant;

/// The name this program is invoked by, for usage texts.
const COMMAND_NAME: &str = "cargo xtask";

/// The Cargo package (and `bundler.toml` key) of the plugin.
const PLUGIN_PACKAGE: &str = "spectral_mask";

/// The command-line binary of the plugin package.
const CLI_BIN: &str = "spectral-mask";

/// Debian packages needed to build (ALSA/JACK for the standalone app, X11/GL for the editor),
/// to run the host and editor tests headless (Xvfb, Mesa software drivers, xdotool,
/// ImageMagick for screenshots) and to make the demo asset (espeak-ng, sox).
const DEBIAN_PACKAGES: &[&str] = &[
    "libasound2-dev",
    "libjack-jackd2-dev",
    "libgl-dev",
    "libx11-xcb-dev",
    "libxcb1-dev",
    "libxcb-dri2-0-dev",
    "libxcb-icccm4-dev",
    "libxcursor-dev",
    "libxkbcommon-dev",
    "libxcb-shape0-dev",
    "libxcb-xfixes0-dev",
    "pkg-config",
    "python3-venv",
    "espeak-ng",
    "sox",
    "xvfb",
    "xauth",
    "xdotool",
    "imagemagick",
    "x11-utils",
    "libgl1-mesa-dri",
    "libglx-mesa0",
    "mesa-vulkan-drivers",
    "libvulkan1",
];

/// Debian packages installed without their recommendations: Ardour (a real DAW, headless
/// through `ardour7-lua`, for `tests/daw/ardour.sh`) would otherwise bring a video timeline
/// with ffmpeg, about 100 MB more.
const DEBIAN_PACKAGES_NO_RECOMMENDS: &[&str] = &["ardour"];

/// Python packages the host tests use: pedalboard loads the bundled VST3, noisereduce is the
/// reference denoiser for the quality comparison, pesq and pystoi score it
/// (`scripts/eval_denoise.py`), the rest read, write and measure audio.
const PYTHON_PACKAGES: &[&str] = &[
    "pedalboard",
    "numpy",
    "noisereduce",
    "soundfile",
    "scipy",
    "pesq",
    "pystoi",
];

/// The import names of [`PYTHON_PACKAGES`], to check whether the venv is already complete.
const PYTHON_IMPORTS: &str = "pedalboard, numpy, noisereduce, soundfile, scipy, pesq, pystoi";

/// The Python virtual environment, relative to the workspace root.
const VENV_DIR: &str = ".venv";

/// The environment variable through which the tests find the venv's interpreter.
const PYTHON_ENV_VAR: &str = "SPECTRAL_MASK_PYTHON";

/// Demo input, relative to the workspace root.
const DEMO_INPUT: &str = "assets/demo-noisy-speech.wav";

/// An error is one line for the user; every failure path formats its own.
type Result<T> = std::result::Result<T, String>;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if let Err(message) = run(args) {
        eprintln!("error: {message}");
        process::exit(1);
    }
}

fn run(args: Vec<String>) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("setup") => {
            chdir_workspace_root()?;
            setup()
        }
        Some("venv") => {
            chdir_workspace_root()?;
            venv().map(|_| ())
        }
        Some("demo") => {
            chdir_workspace_root()?;
            demo()
        }
        Some("test") => {
            chdir_workspace_root()?;
            test()
        }
        None | Some("help" | "-h" | "--help") => {
            print_usage();
            Ok(())
        }
        // `bundle`, `bundle-universal`, `known-packages`, and whatever nice-plug-xtask learns
        // later. It reports unknown commands itself, with its own usage text.
        Some(_) => {
            nice_plug_xtask::main_with_args(COMMAND_NAME, args).map_err(|e| format!("{e:#}"))
        }
    }
}

fn print_usage() {
    println!(
        "Usage:
  {COMMAND_NAME} setup    install the Debian packages needed to build, test and run the demo
  {COMMAND_NAME} venv     create {VENV_DIR}/ with the Python packages the host tests use
  {COMMAND_NAME} demo     build, bundle, and denoise {DEMO_INPUT} into target/demo/
  {COMMAND_NAME} test     fmt, clippy (benches included), bundle, tests, realtime tests
  {COMMAND_NAME} bundle {PLUGIN_PACKAGE} [--release]
                        build target/bundled/<name>.clap and .vst3 (nice-plug-xtask)"
    );
}

fn chdir_workspace_root() -> Result<()> {
    nice_plug_xtask::chdir_workspace_root().map_err(|e| format!("{e:#}"))
}

/// Cargo's target directory. Only `CARGO_TARGET_DIR` is honoured; this workspace does not set
/// `build.target-dir` in `.cargo/config.toml`.
fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The same as [`Command::status`], but prints the command first and turns a failure to start
/// or a non-zero exit into an error.
fn run_command(command: &mut Command) -> Result<()> {
    let shown = show_command(command);
    eprintln!("$ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("could not run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// A command as a person would type it into a shell, quoting arguments with spaces.
fn show_command(command: &Command) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            parts.push(format!("{}={}", key.to_string_lossy(), quote(value)));
        }
    }
    parts.push(quote(command.get_program()));
    parts.extend(command.get_args().map(quote));
    parts.join(" ")
}

fn quote(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        arg.into_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

// ---------------------------------------------------------------------------------------------
// setup

fn setup() -> Result<()> {
    let missing = missing_debian_packages()?;
    if missing.is_empty() {
        eprintln!(
            "setup: all {} required Debian packages are installed",
            DEBIAN_PACKAGES.len() + DEBIAN_PACKAGES_NO_RECOMMENDS.len()
        );
        return Ok(());
    }

    let list = missing.join(" ");
    eprintln!("setup: missing Debian packages: {list}");
    if !is_root()? {
        return Err(format!(
            "not root, so not installing them; run: \
             sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {list}'"
        ));
    }

    run_command(
        Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    let (plain, lean): (Vec<&str>, Vec<&str>) = missing
        .iter()
        .partition(|package| !DEBIAN_PACKAGES_NO_RECOMMENDS.contains(package));
    for (packages, extra) in [(plain, None), (lean, Some("--no-install-recommends"))] {
        if packages.is_empty() {
            continue;
        }
        run_command(
            Command::new("apt-get")
                .args(["install", "-y"])
                .args(extra)
                .args(&packages)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }

    let still_missing = missing_debian_packages()?;
    if still_missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "apt-get succeeded but these are still not installed: {}",
            still_missing.join(" ")
        ))
    }
}

/// The entries of [`DEBIAN_PACKAGES`] that dpkg does not list as installed.
fn missing_debian_packages() -> Result<Vec<&'static str>> {
    // dpkg-query exits non-zero when it has never heard of one of the packages, but still
    // prints the others, so the exit status says nothing useful here.
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${Package} ${db:Status-Abbrev}\\n"])
        .args(DEBIAN_PACKAGES)
        .args(DEBIAN_PACKAGES_NO_RECOMMENDS)
        .output()
        .map_err(|e| format!("could not run dpkg-query (is this Debian or Ubuntu?): {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Status "ii" = desired install, currently installed.
    let installed: Vec<&str> = stdout
        .lines()
        .filter_map(|line| {
            let (package, status) = line.split_once(' ')?;
            status.starts_with("ii").then_some(package)
        })
        .collect();
    Ok(DEBIAN_PACKAGES
        .iter()
        .chain(DEBIAN_PACKAGES_NO_RECOMMENDS)
        .copied()
        .filter(|package| !installed.contains(package))
        .collect())
}

fn is_root() -> Result<bool> {
    let output = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("could not run `id -u`: {e}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

// ---------------------------------------------------------------------------------------------
// venv

/// Makes sure `.venv` exists and has [`PYTHON_PACKAGES`]; returns its interpreter's absolute
/// path.
fn venv() -> Result<PathBuf> {
    let venv_dir = env::current_dir()
        .map_err(|e| format!("could not read the current directory: {e}"))?
        .join(VENV_DIR);
    let python = venv_dir.join("bin").join("python");

    if !python.exists() {
        run_command(Command::new("python3").args(["-m", "venv"]).arg(&venv_dir))?;
    }

    let importable = Command::new(&python)
        .args(["-c", &format!("import {PYTHON_IMPORTS}")])
        .output()
        .map(|output| output.status.success())
        .unwrap_or(false);
    if importable {
        eprintln!("venv: {} already has {PYTHON_IMPORTS}", venv_dir.display());
    } else {
        run_command(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--quiet",
                ])
                .args(PYTHON_PACKAGES),
        )?;
        run_command(Command::new(&python).args(["-c", &format!("import {PYTHON_IMPORTS}")]))?;
    }

    Ok(python)
}

// ---------------------------------------------------------------------------------------------
// bundle, demo, test

/// `cargo xtask bundle spectral_mask --release`: `target/bundled/Spectral Mask.{clap,vst3}`.
fn bundle_release() -> Result<()> {
    eprintln!("$ {COMMAND_NAME} bundle {PLUGIN_PACKAGE} --release");
    nice_plug_xtask::main_with_args(
        COMMAND_NAME,
        ["bundle", PLUGIN_PACKAGE, "--release"].map(String::from),
    )
    .map_err(|e| format!("bundling failed: {e:#}"))
}

/// The bundle name `nice_plug_xtask` gives the plugin; keep it equal to `name` in `bundler.toml`.
const BUNDLE_NAME: &str = "Spectral Mask";

fn demo() -> Result<()> {
    setup()?;
    run_command(Command::new("cargo").args(["build", "--release", "--bin", CLI_BIN]))?;
    bundle_release()?;

    let target = target_dir();
    let cli = target.join("release").join(CLI_BIN);
    let out_dir = target.join("demo");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("could not create {}: {e}", out_dir.display()))?;
    let denoised = out_dir.join("demo-denoised.wav");
    let spectrogram = out_dir.join("demo-spectrogram.png");

    run_command(
        Command::new(&cli)
            .arg("render")
            .arg(DEMO_INPUT)
            .arg(&denoised),
    )?;
    let mut written = vec![denoised];
    // The spectrogram is a picture for people, not something later steps depend on.
    match run_command(
        Command::new(&cli)
            .arg("spectrogram")
            .arg(DEMO_INPUT)
            .arg(&spectrogram),
    ) {
        Ok(()) => written.push(spectrogram),
        Err(message) => eprintln!("warning: no spectrogram: {message}"),
    }

    let bundled = target.join("bundled");
    let clap = bundled.join(format!("{BUNDLE_NAME}.clap"));
    let vst3 = bundled.join(format!("{BUNDLE_NAME}.vst3"));
    written.push(clap.clone());
    written.push(vst3.clone());

    println!();
    println!(
        "Demo input: {DEMO_INPUT} ({})",
        describe_size(Path::new(DEMO_INPUT))
    );
    println!("Wrote:");
    for path in &written {
        println!("  {} ({})", path.display(), describe_size(path));
    }
    println!();
    println!("Install the plugin for your user (Linux):");
    println!("  mkdir -p ~/.clap ~/.vst3");
    println!("  cp -r {} ~/.clap/", quote(clap.as_os_str()));
    println!("  cp -r {} ~/.vst3/", quote(vst3.as_os_str()));
    Ok(())
}

/// A file's or directory tree's size, for the demo summary.
fn describe_size(path: &Path) -> String {
    fn tree_bytes(path: &Path) -> std::io::Result<u64> {
        let metadata = fs::metadata(path)?;
        if !metadata.is_dir() {
            return Ok(metadata.len());
        }
        let mut total = 0;
        for entry in fs::read_dir(path)? {
            total += tree_bytes(&entry?.path())?;
        }
        Ok(total)
    }
    match tree_bytes(path) {
        Ok(bytes) if bytes >= 1 << 20 => format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64),
        Ok(bytes) if bytes >= 1 << 10 => format!("{:.1} KiB", bytes as f64 / (1 << 10) as f64),
        Ok(bytes) => format!("{bytes} bytes"),
        Err(e) => format!("missing: {e}"),
    }
}

fn test() -> Result<()> {
    let started = Instant::now();
    let result = test_steps();
    let elapsed = started.elapsed().as_secs_f64();
    match &result {
        Ok(()) => eprintln!("test: all steps passed in {elapsed:.0} s"),
        Err(_) => eprintln!("test: failed after {elapsed:.0} s"),
    }
    result
}

fn test_steps() -> Result<()> {
    setup()?;
    let python = venv()?;

    run_command(Command::new("cargo").args(["fmt", "--all", "--", "--check"]))?;
    run_command(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The host tests load the plugin from `target/bundled/`.
    bundle_release()?;
    // Debug build: the root Cargo.toml gives it opt-level 1 (dependencies 2), which keeps the
    // DSP tests fast while debug assertions stay on.
    run_command(
        Command::new("cargo")
            .args(["test", "--workspace"])
            .env(PYTHON_ENV_VAR, &python),
    )?;
    // `assert_process_allocs` turns any allocation on the audio thread into a panic; it only
    // works in debug builds, and is kept out of the main run because it changes the plugin.
    if Path::new("tests/realtime.rs").exists() {
        run_command(
            Command::new("cargo")
                .args([
                    "test",
                    "--features",
                    "assert_process_allocs",
                    "--test",
                    "realtime",
                ])
                .env(PYTHON_ENV_VAR, &python),
        )?;
    } else {
        eprintln!("test: skipping the realtime tests, tests/realtime.rs does not exist");
    }
    // A real DAW: Ardour loads the VST3 bundle, automates, exports, reopens the session and
    // renders at three buffer sizes (about 40 s).
    let bundle = target_dir()
        .join("bundled")
        .join(format!("{BUNDLE_NAME}.vst3"));
    run_command(
        Command::new("bash")
            .arg("tests/daw/ardour.sh")
            .arg(&bundle)
            .arg(target_dir().join("daw-ardour"))
            .env(PYTHON_ENV_VAR, &python),
    )?;
    // Benchmarks take minutes and their numbers mean little on a shared CI machine. They are
    // type-checked by `clippy --all-targets` above; `cargo bench --no-run` would also build
    // every dev-dependency (wgpu included) a second time in release, for nothing more.
    Ok(())
}
