"""Writes the small non-WAV inputs that tests/cli.rs decodes (tests/fixtures/): FLAC, OGG
Vorbis, MP3 and AIFF made by libsndfile (PyPI soundfile), an encoder other than ours, at the
rates and channel counts the batch test asks for. A 440 Hz tone with a little noise, 0.3 s,
so the files stay a few kilobytes.

    .venv/bin/python scripts/make-test-fixtures.py
"""
from pathlib import Path

import numpy as np
import soundfile as sf

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
# name, rate, channels, soundfile format, subtype
FILES = [
    ("tone-48k-stereo-24.flac", 48000, 2, "FLAC", "PCM_24"),
    ("tone-44k-mono.ogg", 44100, 1, "OGG", "VORBIS"),
    ("tone-44k-stereo.mp3", 44100, 2, "MP3", "MPEG_LAYER_III"),
    ("tone-96k-mono-16.aiff", 96000, 1, "AIFF", "PCM_16"),
]


def tone(rate, channels, seconds=0.3, seed=7):
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    x = 0.25 * np.sin(2 * np.pi * 440 * t)[:, None] + 0.002 * rng.standard_normal((len(t), channels))
    return x.astype(np.float32)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rate, channels, fmt, subtype in FILES:
        sf.write(OUT / name, tone(rate, channels), rate, format=fmt, subtype=subtype)
        print(f"{name}: {(OUT / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
