#!/usr/bin/env python3
"""Chooses the factory presets by measurement on the demo clip and writes them.

Each preset has a purpose, a few candidate settings and a rule that picks one of them from
what the demo clip (assets/demo-noisy-speech.wav: speech with white, pink noise and 50 Hz
hum at 10 dB SNR, and its clean original) gives; the chosen settings are written to
assets/presets/NAME.json with `spectral-mask preset save`, and every candidate's figures to
docs/presets.md. Nothing here is tuned by hand: change a candidate list or a rule and run it
again.

    cargo build --release
    .venv/bin/python scripts/factory_presets.py

Figures (the first three against the clean clip, the mono mix of both channels):
- dSI-SDR: SI-SDR of the output minus that of the noisy clip, dB.
- dPESQ: wideband PESQ (16 kHz) of the output minus the noisy clip's.
- pauses: noise removed where the clean clip is silent (20 ms frames below -70 dBFS) after
  the first second (the 0.5 s noise-only lead-in is where the adaptive reference settles), dB.
- hum: dSI-SDR below 400 Hz (where the hum and its harmonics meet the voice's fundamental),
  over the whole clip, dB.
- noise SI-SDR: SI-SDR of the output against the noise alone (noisy minus clean), dB; what
  "keep only the noise" is judged by.

The sidechain ducker is chosen on another task: pink noise (a stand-in for a mix) keyed by
the clean clip, judged in time-frequency cells (2048-point frames, hop 1024, third-octave
bands from 100 Hz) by the pink noise's cut where the key is loudest (cells within 20 dB of
its loudest) and where it is silent (cells 60 dB under its loudest, in their frame and two
either side), the measure of tests/sidechain.rs.
"""
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_denoise as ev  # noqa: E402  (its metrics, so the figures mean the same)
from key_cells import cells, cut_db, key_masks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "spectral-mask"
NOISY = ROOT / "assets" / "demo-noisy-speech.wav"
CLEAN = ROOT / "assets" / "demo-clean-speech.wav"
PRESETS = ROOT / "assets" / "presets"
DOC = ROOT / "docs" / "presets.md"
RATE = 48000


def grid(**axes):
    """Every combination of the axes' values, as lists of ID=VALUE."""
    combos = [[]]
    for key, values in axes.items():
        combos = [combo + [f"{key}={value}"] for combo in combos for value in values]
    return combos


# name, title, what it is for, fixed settings, candidates, the figure to maximise, and the
# condition a candidate must meet (in words, and as a test of its figures `f` and the
# defaults' `d`).
PRESETS_TO_CHOOSE = [
    ("dialogue-gentle", "Dialogue, gentle",
     "takes the noise down but leaves some room tone, so edits stay natural",
     [], grid(floor=[-10, -12, -15, -18], threshold=[-3, 0, 3]), "dpesq",
     "10 to 20 dB removed in the pauses", lambda f, d: 10 <= f["pauses"] <= 20),
    ("dialogue-strong", "Dialogue, strong",
     "removes the noise between words almost entirely",
     [], grid(floor=[-40, -60], threshold=[2, 4, 6]), "dsisdr",
     "at least 2 dB more removed in the pauses than the defaults",
     lambda f, d: f["pauses"] >= d["pauses"] + 2),
    ("hum-and-buzz", "Hum and buzz",
     "finer frequency resolution, so hum harmonics are cut between the voice's harmonics",
     [], grid(window_size=[2048, 4096, 8192], floor=[-30, -40]), "hum",
     "dSI-SDR at most 1 dB below the defaults'", lambda f, d: f["dsisdr"] >= d["dsisdr"] - 1),
    ("keep-only-the-noise", "Keep only the noise",
     "outputs what the mask removes: the noise, for a print or for checking what is lost",
     ["delta=on"], grid(threshold=[0, 3, 6], floor=["-inf", -40]), "noise_sisdr",
     "none", lambda f, d: True),
    ("binary-mask", "Plain binary mask",
     "the seed's mask: each bin passes or is shut against a fixed level in dBFS",
     ["mode=binary", "reference=absolute"],
     grid(threshold=[-70, -60, -50, -40], floor=["-inf", -60]), "dsisdr",
     "none", lambda f, d: True),
]


# The ducker: fixed settings, candidates, and the condition (no more than 1 dB cut where the
# key is silent); the longest hold of the duck under the key wins.
DUCKER = ("sidechain-ducker", "Sidechain ducker",
          "a mix (the main input) made room for a voice (the key) only in the voice's bands, "
          "only while it speaks",
          ["key=duck", "reference=absolute", "mode=soft", "floor=-30"],
          grid(threshold=[-80, -70, -60], release=[50, 80, 150]))


def pink(n, seed=7):
    """Pink noise by Paul Kellet's filter, -20 dBFS RMS."""
    white = np.random.default_rng(seed).uniform(-1, 1, n)
    b = [0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616]
    gains = [0.0555179, 0.0750759, 0.1538520, 0.3104856, 0.5329522, -0.0168980]
    out = np.zeros(n)
    for pole, gain in zip(b, gains):
        out += signal.lfilter([gain], [1, -pole], white)
    out += white * 0.5362 + np.concatenate([[0], white[:-1]]) * 0.115926
    return out * (0.1 / math.sqrt(np.mean(out ** 2)))


def ducker_figures(key_cells, main_cells, out_cells):
    strong, silent = key_masks(key_cells)
    return {"under_key": cut_db(main_cells, out_cells, strong),
            "elsewhere": cut_db(main_cells, out_cells, silent)}


def choose_ducker(scratch):
    """Renders every ducker candidate, saves the chosen one, returns its doc section."""
    name, title, purpose, base, candidates = DUCKER
    clean = read_mono(CLEAN)
    main = pink(len(clean))
    main_path = Path(scratch) / "pink.wav"
    out = Path(scratch) / "ducked.wav"
    ev.write(str(main_path), main)
    key_cells, main_cells = cells(clean), cells(main)
    rows = []
    for candidate in candidates:
        cmd = [str(BINARY), "render", str(main_path), str(out), "--key", str(CLEAN)]
        for setting in base + candidate:
            cmd += ["--set", setting]
        subprocess.run(cmd, check=True, capture_output=True)
        rows.append((candidate, ducker_figures(key_cells, main_cells, cells(read_mono(out)))))
    chosen = choose_and_save(name, title, base, rows, lambda f: f["elsewhere"] < 1.0,
                             "under_key")
    lines = [f"## {title} (`{name}.json`)", "", f"For: {purpose}. "
             f"Fixed: `{' '.join(base)}`; rendered on pink noise keyed by the clean clip "
             "(`render pink.wav out.wav --key assets/demo-clean-speech.wav`), chosen by the "
             "most cut where the key is loudest where the cut where it is silent stays under "
             "1 dB.", "", "| candidate | cut under the key | cut where it is silent | |",
             "|---|---:|---:|---|"]
    for candidate, f in rows:
        mark = "chosen" if candidate == chosen else (
            "" if f["elsewhere"] < 1.0 else "fails the condition")
        lines.append(f"| `{' '.join(candidate)}` | {f['under_key']:.1f} dB | "
                     f"{f['elsewhere']:.1f} dB | {mark} |")
    return lines + [""]


def choose_and_save(name, title, base, rows, condition, figure):
    """The candidate of `rows` (candidate, figures) with the best `figure` among those that
    meet `condition`, saved as the preset NAME.json; returns it."""
    eligible = [row for row in rows if condition(row[1])]
    if not eligible:
        raise SystemExit(f"error: no candidate for {name} meets its condition")
    chosen, chosen_figures = max(eligible, key=lambda row: row[1][figure])
    settings = base + chosen
    cmd = [str(BINARY), "preset", "save", str(PRESETS / f"{name}.json"), "--name", title]
    for setting in settings:
        cmd += ["--set", setting]
    subprocess.run(cmd, check=True, capture_output=True)
    print(f"{name}: {' '.join(settings)}  ({figure} {chosen_figures[figure]:+.2f})")
    return chosen


def read_mono(path):
    return ev.read(str(path))


def silent_ranges(clean, frame=960, level_db=-70.0, skip=RATE):
    """Frames where the clean clip is silent, after the first `skip` samples, merged into
    ranges."""
    ranges = []
    for start in range(skip, len(clean) - frame + 1, frame):
        rms = math.sqrt(np.mean(clean[start:start + frame] ** 2))
        if rms <= 10 ** (level_db / 20):
            if ranges and ranges[-1][1] == start:
                ranges[-1] = (ranges[-1][0], start + frame)
            else:
                ranges.append((start, start + frame))
    return ranges


def lowpass(x, hz=400):
    sos = signal.butter(8, hz, "low", fs=RATE, output="sos")
    return signal.sosfiltfilt(sos, x)


def figures(clean, noisy, output, pauses):
    clean16, noisy16, out16 = ev.to_16k(clean), ev.to_16k(noisy), ev.to_16k(output)
    return {
        "dsisdr": ev.si_sdr(output, clean) - ev.si_sdr(noisy, clean),
        "dpesq": ev.pesq_wb(clean16, out16) - ev.pesq_wb(clean16, noisy16),
        "pauses": ev.pause_db(noisy, output, pauses),
        "hum": ev.si_sdr(lowpass(output), lowpass(clean)) - ev.si_sdr(lowpass(noisy), lowpass(clean)),
        "noise_sisdr": ev.si_sdr(output, noisy - clean),
    }


def render(settings, out):
    cmd = [str(BINARY), "render", str(NOISY), str(out)]
    for setting in settings:
        cmd += ["--set", setting]
    subprocess.run(cmd, check=True, capture_output=True)
    return read_mono(out)


def main():
    if not BINARY.exists():
        raise SystemExit(f"error: {BINARY} is missing; run cargo build --release first")
    clean, noisy = read_mono(CLEAN), read_mono(NOISY)
    pauses = silent_ranges(clean)
    PRESETS.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Factory presets",
        "",
        "Chosen by `.venv/bin/python scripts/factory_presets.py` on the demo clip",
        "(`assets/demo-noisy-speech.wav`, speech with white and pink noise and 50 Hz hum at",
        "10 dB SNR); the script's docstring defines the figures. For each preset, every",
        "candidate is rendered and the one with the best figure in **bold** that meets the",
        "condition is saved to `assets/presets/NAME.json`. One clip, so these figures say what",
        "each preset does to it, not how it ranks on other material (docs/denoise-eval.md",
        "scores the defaults on held-out voices).",
        "",
    ]
    defaults_figures = None
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out.wav"
        defaults_figures = figures(clean, noisy, render([], out), pauses)
        lines += ["Defaults, for comparison: " + ", ".join(
            f"{key} {value:+.2f}" for key, value in defaults_figures.items()), ""]
        for name, title, purpose, base, candidates, key, rule, test in PRESETS_TO_CHOOSE:
            def condition(f):
                return test(f, defaults_figures)

            rows = []
            for candidate in candidates:
                settings = base + candidate
                rows.append((candidate, figures(clean, noisy, render(settings, out), pauses)))
            chosen = choose_and_save(name, title, base, rows, condition, key)
            lines += [f"## {title} (`{name}.json`)", "", f"For: {purpose}. "
                      f"Fixed: `{' '.join(base) or 'nothing'}`; chosen by the best **{key}** "
                      f"where the condition holds ({rule}).",
                      "", "| candidate | dSI-SDR | dPESQ | pauses | hum | noise SI-SDR | |",
                      "|---|---:|---:|---:|---:|---:|---|"]
            for candidate, f in rows:
                mark = "chosen" if candidate == chosen else (
                    "" if condition(f) else "fails the condition")
                lines.append(f"| `{' '.join(candidate)}` | {f['dsisdr']:+.2f} | "
                             f"{f['dpesq']:+.2f} | {f['pauses']:.1f} | {f['hum']:.1f} | "
                             f"{f['noise_sisdr']:+.2f} | {mark} |")
            lines.append("")
        lines += choose_ducker(scratch)
    DOC.write_text("\n".join(lines))
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
