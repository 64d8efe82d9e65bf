#!/usr/bin/env python3
"""Batch rendering speed: 32 files of 30 s stereo 48 kHz (24-bit WAV, speech-like noise
bursts over pink noise, a different seed per file) rendered at the defaults with
`spectral-mask render DIR -o OUT --jobs 1` and `--jobs 2`, each RUNS times; prints the
median wall-clock seconds, x real time (audio seconds over wall seconds) and the speed-up.
File reading, decoding and writing are included: it is what a user waits for.

    cargo build --release
    .venv/bin/python scripts/bench_batch.py [--runs 3] [--files 32] [--jobs 1 2]
"""
import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "spectral-mask"
RATE = 48_000
SECONDS = 30


def make_file(path, seed):
    rng = np.random.default_rng(seed)
    n = RATE * SECONDS
    spectrum = np.fft.rfft(rng.standard_normal((2, n)), axis=1)
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum /= np.sqrt(np.maximum(freqs, 20.0))
    pink = np.fft.irfft(spectrum, n, axis=1)
    pink *= 0.01 / np.std(pink)
    # Bursts of louder noise, half a second on and off, stand in for speech.
    bursts = 0.1 * rng.standard_normal((2, n)) * (np.sin(2 * np.pi * np.arange(n) / RATE) > 0)
    sf.write(path, (pink + bursts).T.astype(np.float32), RATE, subtype="PCM_24")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=32)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not BINARY.exists():
        raise SystemExit(f"error: {BINARY} is missing; run cargo build --release first")

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        inputs = scratch / "in"
        inputs.mkdir()
        for index in range(args.files):
            make_file(inputs / f"take{index:02}.wav", index)
        audio_s = args.files * SECONDS
        medians = {}
        for jobs in args.jobs:
            times = []
            for _ in range(args.runs):
                out = scratch / "out"
                shutil.rmtree(out, ignore_errors=True)
                start = time.perf_counter()
                subprocess.run([str(BINARY), "render", str(inputs), "-o", str(out),
                                "--jobs", str(jobs)], check=True, capture_output=True)
                times.append(time.perf_counter() - start)
            medians[jobs] = statistics.median(times)
            print(f"--jobs {jobs}: {medians[jobs]:.2f} s median of {args.runs} "
                  f"({', '.join(f'{t:.2f}' for t in times)}), "
                  f"{audio_s / medians[jobs]:.0f}x real time")
        base = args.jobs[0]
        for jobs in args.jobs[1:]:
            print(f"speed-up --jobs {jobs} over --jobs {base}: {medians[base] / medians[jobs]:.2f}x")


if __name__ == "__main__":
    main()
