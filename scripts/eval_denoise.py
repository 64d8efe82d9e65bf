#!/usr/bin/env python3
"""Denoising benchmark: Spectral Mask against noisereduce on synthetic noisy speech.

Run with the project's venv (needs numpy, scipy, soundfile, noisereduce; espeak-ng on PATH):

    .venv/bin/python scripts/eval_denoise.py                  # defaults, writes docs/denoise-eval.md
    .venv/bin/python scripts/eval_denoise.py --set threshold=3 --set floor=-20
    .venv/bin/python scripts/eval_denoise.py --quick          # 2 clips, no markdown file

The eval set (made in target/eval/set/, deterministic: fixed text, voices and seeds):

- 4 English sentences spoken by espeak-ng with different voices and speeds, resampled from
  22.05 kHz to 48 kHz mono, trimmed, with 0.75 s of noise only before the speech and 0.3 s
  after it (clips are about 4.5 to 5.5 s long).
- 3 noises: white (Gaussian), pink (1/f power, shaped in the frequency domain) and hum:
  50 Hz mains with harmonics up to 400 Hz, plus a little broadband noise (white, 20 dB below
  the hum's power) so the hum is not a set of pure tones. Every noise is stationary.
- 4 SNRs: 0, 5, 10 and 20 dB, as the energy of the clean clip over the energy of the noise,
  both over the whole clip (the leading and trailing noise included). Each noisy clip is then
  scaled (clean reference too) so the noisy clip peaks at -1 dBFS.

Methods, all at their default settings unless --set is given:

- spectral-mask: `target/release/spectral-mask render NOISY OUT [--set id=value ...]`; the
  defaults use the adaptive noise-floor reference.
- noisereduce stationary: `nr.reduce_noise(y=noisy, sr=48000, stationary=True)`.
- noisereduce non-stationary: `nr.reduce_noise(y=noisy, sr=48000, stationary=False)`.
  noisereduce outputs are cached in target/eval/cache/ (keyed by the noisy file's hash and
  the noisereduce version), since the non-stationary mode is slow.

Score: SI-SDR (scale-invariant signal-to-distortion ratio, Le Roux et al. 2019; both signals
made zero-mean, the whole clip) of the output against the clean clip, minus the SI-SDR of the
noisy input: the improvement in dB. The table averages it over clips and noise types per SNR,
and over clips and SNRs per noise type. Each output is also checked for alignment with the
input (a cross-correlation lag other than 0 is reported), as SI-SDR punishes any delay.
"""

import argparse
import concurrent.futures
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "target" / "eval"
SET_DIR = EVAL_DIR / "set"
CACHE_DIR = EVAL_DIR / "cache"
BINARY = ROOT / "target" / "release" / "spectral-mask"
DOC = ROOT / "docs" / "denoise-eval.md"
NOTES_MARKER = "<!-- notes: kept by scripts/eval_denoise.py -->"

RATE = 48000
LEAD_S = 0.75
TAIL_S = 0.3
PEAK_DBFS = -1.0
SNRS = [0, 5, 10, 20]
NOISES = ["white", "pink", "hum"]

# (name, espeak-ng voice, words per minute, text)
CLIPS = [
    ("us160", "en-us", 160, "The quick brown fox jumps over the lazy dog near the river bank."),
    ("gb165", "en-gb", 165,
     "Please call Stella and ask her to bring these things with her from the store."),
    ("usf170", "en-us+f3", 170,
     "A spectral gate removes steady noise but should keep every word clear."),
    ("rp150", "en-gb-x-rp+m3", 150,
     "She sells sea shells by the sea shore on a bright summer morning."),
]

# Mains hum: (harmonic of 50 Hz, relative amplitude); odd harmonics dominate.
HUM_PARTIALS = [(1, 1.0), (2, 0.4), (3, 0.6), (4, 0.15), (5, 0.35), (6, 0.08), (7, 0.2),
                (8, 0.05)]
HUM_BROADBAND_DB = -20.0

METHOD_LABELS = {
    "sm_defaults": "Spectral Mask, defaults",
    "sm_set": "Spectral Mask, --set",
    "nr_stationary": "noisereduce, stationary",
    "nr_nonstationary": "noisereduce, non-stationary",
}


# ---------------------------------------------------------------------------------------
# Eval set

def speak(voice, wpm, text):
    """espeak-ng speech at 48 kHz, float64, trimmed of leading and trailing silence."""
    tmp = EVAL_DIR / f"espeak-{os.getpid()}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(tmp), text],
                   check=True, capture_output=True)
    x, rate = sf.read(tmp, dtype="float64")
    tmp.unlink()
    if x.ndim > 1:
        x = x.mean(axis=1)
    x = signal.resample_poly(x, RATE, rate)  # 22050 -> 48000 (up 320, down 147)
    active = np.flatnonzero(np.abs(x) > 1e-3 * np.max(np.abs(x)))
    x = x[active[0]:active[-1] + 1]
    fade = int(0.005 * RATE)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    x[:fade] *= ramp
    x[-fade:] *= ramp[::-1]
    lead = np.zeros(int(LEAD_S * RATE))
    tail = np.zeros(int(TAIL_S * RATE))
    return np.concatenate([lead, x, tail])


def energy(x):
    """Sum of squares, correctly rounded: numpy's SIMD sums can differ in the last bit with
    the array's memory alignment, which would make the set differ between runs."""
    return math.fsum((x * x).tolist())


def unit_rms(x):
    return x / math.sqrt(energy(x) / len(x))


def make_noise(kind, length, seed):
    rng = np.random.default_rng(seed)
    if kind == "white":
        return unit_rms(rng.standard_normal(length))
    if kind == "pink":
        spectrum = np.fft.rfft(rng.standard_normal(length))
        freqs = np.fft.rfftfreq(length, 1.0 / RATE)
        shape = np.ones_like(freqs)
        shape[1:] = 1.0 / np.sqrt(np.maximum(freqs[1:], 20.0))  # 1/f power, flat below 20 Hz
        shape[0] = 0.0
        return unit_rms(np.fft.irfft(spectrum * shape, n=length))
    if kind == "hum":
        t = np.arange(length) / RATE
        phases = rng.uniform(0, 2 * np.pi, len(HUM_PARTIALS))
        hum = sum(a * np.sin(2 * np.pi * 50.0 * k * t + p)
                  for (k, a), p in zip(HUM_PARTIALS, phases))
        broadband = unit_rms(rng.standard_normal(length)) * 10 ** (HUM_BROADBAND_DB / 20)
        return unit_rms(unit_rms(hum) + broadband)
    raise ValueError(kind)


def make_set(clips):
    """Writes clean and noisy float WAVs; returns a list of item dicts."""
    SET_DIR.mkdir(parents=True, exist_ok=True)
    items = []
    for ci, (name, voice, wpm, text) in enumerate(clips):
        speech_path = SET_DIR / f"{name}_speech.wav"
        if speech_path.exists():
            speech, _ = sf.read(speech_path, dtype="float64")
        else:
            # Rounded to float32 as stored, so a first run and a re-run see the same clip.
            speech = speak(voice, wpm, text).astype(np.float32).astype(np.float64)
            sf.write(speech_path, speech.astype(np.float32), RATE, subtype="FLOAT")
        for ni, noise_kind in enumerate(NOISES):
            noise = make_noise(noise_kind, len(speech), seed=1000 * (ci + 1) + ni)
            for snr in SNRS:
                gain = math.sqrt(energy(speech) / energy(noise) / 10 ** (snr / 10))
                noisy = speech + gain * noise
                scale = 10 ** (PEAK_DBFS / 20) / np.max(np.abs(noisy))
                stem = f"{name}_{noise_kind}_{snr:02d}dB"
                clean_path = SET_DIR / f"{stem}_clean.wav"
                noisy_path = SET_DIR / f"{stem}_noisy.wav"
                sf.write(clean_path, (speech * scale).astype(np.float32), RATE, subtype="FLOAT")
                sf.write(noisy_path, (noisy * scale).astype(np.float32), RATE, subtype="FLOAT")
                items.append(dict(stem=stem, clip=name, noise=noise_kind, snr=snr,
                                  clean=clean_path, noisy=noisy_path))
    return items


# ---------------------------------------------------------------------------------------
# Metrics

def si_sdr(estimate, reference):
    estimate = estimate - np.mean(estimate)
    reference = reference - np.mean(reference)
    alpha = np.dot(estimate, reference) / np.dot(reference, reference)
    target = alpha * reference
    error = estimate - target
    return 10 * np.log10(np.dot(target, target) / np.dot(error, error))


def lag_of(output, noisy, max_lag=4096):
    """Lag (samples) that best aligns output with noisy input; 0 when aligned."""
    n = len(noisy)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    xc = np.fft.irfft(np.fft.rfft(output, size) * np.conj(np.fft.rfft(noisy, size)), size)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    values = np.concatenate([xc[:max_lag + 1], xc[-max_lag:]])
    return int(lags[np.argmax(values)])


def read(path):
    x, _ = sf.read(path, dtype="float64")
    return x if x.ndim == 1 else x.mean(axis=1)


# ---------------------------------------------------------------------------------------
# Methods

def settings_key(settings):
    return hashlib.sha1(" ".join(settings).encode()).hexdigest()[:10] if settings else "defaults"


def run_spectral_mask(item, settings, out_dir):
    out = out_dir / f"{item['stem']}.wav"
    cmd = [str(BINARY), "render", str(item["noisy"]), str(out)]
    for s in settings:
        cmd += ["--set", s]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return read(out)


def file_hash(path):
    """Hash of the samples (not the file: libsndfile stamps a time into float WAVs' PEAK chunk)."""
    samples, rate = sf.read(path, dtype="float32")
    return hashlib.sha1(samples.tobytes() + str(rate).encode()).hexdigest()[:16]


def run_noisereduce(item, stationary):
    import noisereduce as nr
    from importlib.metadata import version
    tag = "stat" if stationary else "nonstat"
    key = f"{item['stem']}_{tag}_{file_hash(item['noisy'])}_nr{version('noisereduce')}"
    cached = CACHE_DIR / f"{key}.wav"
    if cached.exists():
        return read(cached)
    noisy, rate = sf.read(item["noisy"], dtype="float32")
    out = nr.reduce_noise(y=noisy, sr=rate, stationary=stationary)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    sf.write(cached, np.asarray(out, dtype=np.float32), rate, subtype="FLOAT")
    return read(cached)


def score(item, output):
    clean = read(item["clean"])
    noisy = read(item["noisy"])
    assert len(output) == len(clean), (item["stem"], len(output), len(clean))
    return dict(si_sdr=si_sdr(output, clean), noisy=si_sdr(noisy, clean),
                lag=lag_of(output, noisy))


def evaluate_spectral_mask(items, settings, jobs=2):
    """SI-SDR per item for spectral-mask with the given --set list."""
    out_dir = EVAL_DIR / "out" / f"sm_{BINARY.name}_{settings_key(settings)}"
    out_dir.mkdir(parents=True, exist_ok=True)

    def one(item):
        return item["stem"], score(item, run_spectral_mask(item, settings, out_dir))

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        return dict(pool.map(one, items))


def evaluate_noisereduce(items, stationary, jobs=2):
    # noisereduce's work is numpy/scipy; processes sidestep the GIL.
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        outputs = list(pool.map(_nr_worker, [(item, stationary) for item in items]))
    return {item["stem"]: score(item, out) for item, out in zip(items, outputs)}


def _nr_worker(args):
    item, stationary = args
    return run_noisereduce(item, stationary)


# ---------------------------------------------------------------------------------------
# Report

def improvements(items, results):
    return {item["stem"]: results[item["stem"]]["si_sdr"] - results[item["stem"]]["noisy"]
            for item in items}


def summarize(items, results):
    """Mean SI-SDR improvement per SNR, per noise type, and overall."""
    imp = improvements(items, results)
    by_snr = {snr: np.mean([imp[i["stem"]] for i in items if i["snr"] == snr]) for snr in SNRS}
    by_noise = {n: np.mean([imp[i["stem"]] for i in items if i["noise"] == n]) for n in NOISES}
    cells = {(n, snr): np.mean([imp[i["stem"]] for i in items
                                if i["noise"] == n and i["snr"] == snr])
             for n in NOISES for snr in SNRS}
    return dict(by_snr=by_snr, by_noise=by_noise, cells=cells, mean=np.mean(list(imp.values())),
                worst=min(imp.values()))


def markdown(items, methods, summaries, settings, elapsed, binary_info):
    lines = []
    noisy_by_snr = {snr: np.mean([summaries["_noisy"][i["stem"]] for i in items
                                  if i["snr"] == snr]) for snr in SNRS}
    lines.append("| method | " + " | ".join(f"{s} dB SNR" for s in SNRS)
                 + " | mean | worst file |")
    lines.append("|---|" + "---:|" * (len(SNRS) + 2))
    for m in methods:
        s = summaries[m]
        lines.append(f"| {METHOD_LABELS[m]} | "
                     + " | ".join(f"{s['by_snr'][snr]:+.2f}" for snr in SNRS)
                     + f" | {s['mean']:+.2f} | {s['worst']:+.2f} |")
    lines.append("| *(noisy input SI-SDR)* | "
                 + " | ".join(f"*{noisy_by_snr[snr]:.2f}*" for snr in SNRS) + " | | |")
    table_snr = "\n".join(lines)

    lines = ["| method | " + " | ".join(NOISES) + " |", "|---|" + "---:|" * len(NOISES)]
    for m in methods:
        s = summaries[m]
        lines.append(f"| {METHOD_LABELS[m]} | "
                     + " | ".join(f"{s['by_noise'][n]:+.2f}" for n in NOISES) + " |")
    table_noise = "\n".join(lines)

    lines = ["| method | noise | " + " | ".join(f"{s} dB" for s in SNRS) + " |",
             "|---|---|" + "---:|" * len(SNRS)]
    for m in methods:
        for n in NOISES:
            lines.append(f"| {METHOD_LABELS[m]} | {n} | "
                         + " | ".join(f"{summaries[m]['cells'][(n, snr)]:+.2f}" for snr in SNRS)
                         + " |")
    table_cells = "\n".join(lines)

    clips = sorted({i["clip"] for i in items})
    set_line = (" ".join(f"--set {s}" for s in settings)) if settings else "(none)"
    lags = sorted({(m, r["lag"]) for m in methods for r in summaries["_raw"][m].values()
                   if r["lag"] != 0})
    lag_note = ("All outputs are aligned with their input (cross-correlation lag 0)."
                if not lags else "Misaligned outputs (method, lag): " + ", ".join(map(str, lags)))
    return f"""# Denoising evaluation: Spectral Mask vs noisereduce

SI-SDR improvement in dB (output SI-SDR minus noisy-input SI-SDR, against the clean speech;
higher is better), made by `scripts/eval_denoise.py`. {len(items)} files: {len(clips)} espeak-ng
sentences (different voices and speeds, 48 kHz mono, 0.75 s of noise before the speech) x
white / pink / hum noise (hum: 50 Hz and harmonics to 400 Hz plus broadband noise 20 dB below
the hum) x SNR {", ".join(map(str, SNRS))} dB. Every method at its default settings; the
Spectral Mask --set row, if any, used: `{set_line}`.

## Per SNR (mean over clips and noise types)

{table_snr}

## Per noise type (mean over clips and SNRs)

{table_noise}

## Per noise type and SNR (mean over clips)

{table_cells}

{lag_note}

noisereduce {binary_info['noisereduce']}; spectral-mask `{binary_info['binary']}`.
Run time {elapsed:.0f} s on this machine (noisereduce outputs are cached in target/eval/cache/,
so re-runs with other `--set` values skip it).
"""


# ---------------------------------------------------------------------------------------

def main():
    global BINARY
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", default=[], metavar="ID=VALUE",
                        help="spectral-mask parameter for an extra row (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="2 clips instead of 4; prints the tables, writes no markdown")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--binary", type=Path, default=BINARY,
                        help="spectral-mask binary to evaluate (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DOC, help="markdown file to write")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, help="also write the per-file scores as JSON")
    args = parser.parse_args()

    start = time.time()
    BINARY = args.binary.resolve()
    if not BINARY.exists():
        sys.exit(f"{BINARY} missing: cargo build --release --bin spectral-mask")
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng not found")
    EVAL_DIR.mkdir(parents=True, exist_ok=True)
    clips = CLIPS[:2] if args.quick else CLIPS
    items = make_set(clips)

    raw = {"sm_defaults": evaluate_spectral_mask(items, [], args.jobs)}
    methods = ["sm_defaults"]
    if args.set:
        raw["sm_set"] = evaluate_spectral_mask(items, args.set, args.jobs)
        methods.append("sm_set")
    raw["nr_stationary"] = evaluate_noisereduce(items, True, args.jobs)
    raw["nr_nonstationary"] = evaluate_noisereduce(items, False, args.jobs)
    methods += ["nr_stationary", "nr_nonstationary"]

    summaries = {m: summarize(items, raw[m]) for m in methods}
    summaries["_noisy"] = {stem: r["noisy"] for stem, r in raw["sm_defaults"].items()}
    summaries["_raw"] = raw
    from importlib.metadata import version
    version_line = subprocess.run([str(BINARY), "--version"], capture_output=True,
                                  text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    info = dict(noisereduce=version("noisereduce"), binary=f"{version_line}, tree {commit}")
    text = markdown(items, methods, summaries, args.set, time.time() - start, info)
    print(text)
    if not (args.quick or args.no_write):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        # Hand-written notes after the marker survive a re-run.
        if args.out.exists() and NOTES_MARKER in args.out.read_text():
            text += "\n" + NOTES_MARKER + args.out.read_text().split(NOTES_MARKER, 1)[1]
        args.out.write_text(text)
        print(f"wrote {args.out.relative_to(ROOT) if args.out.is_absolute() else args.out}")
    if args.json:
        args.json.write_text(json.dumps(
            {m: raw[m] for m in methods}, indent=1, default=float))


if __name__ == "__main__":
    main()
