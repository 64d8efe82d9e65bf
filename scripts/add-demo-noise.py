#!/usr/bin/env python3
"""Add seeded noise to clean stereo speech: writes the demo's clean and noisy WAV files.

Used by make-demo-asset.sh. Standard library only, and seeded, so the same input always
gives byte-identical outputs (sox's `synth` noise cannot be seeded).

The noise, per channel: white Gaussian noise, a little pink noise (Paul Kellet's filter on
white noise) and 50 Hz mains hum with a few harmonics (the same in both channels, as hum
picked up before the stereo split would be). White and pink are independent per channel.
Its level gives a speech-to-noise ratio of exactly `--snr-db` in each channel, measured over
the whole file (energy of the clean signal / energy of the noise). Clean and noisy are then
scaled by the same factor so that the noisy file peaks at -1 dBFS, and both are written as
16-bit PCM.
"""

import argparse
import array
import math
import random
import sys
import wave

# Relative amplitudes of the noise components, each first normalised to unit RMS:
# power shares are about 64 % white, 23 % pink, 13 % hum.
WHITE_AMPLITUDE = 1.0
PINK_AMPLITUDE = 0.6
HUM_AMPLITUDE = 0.45

# Mains hum: (frequency Hz, relative amplitude, phase rad). Odd harmonics dominate, as in
# hum from a transformer or a ground loop.
HUM_PARTIALS = [(50.0, 1.0, 0.0), (100.0, 0.35, 0.7), (150.0, 0.5, 1.9), (250.0, 0.2, 2.6)]

# The noisy file's peak, in dBFS, leaving headroom for resampling and inter-sample peaks.
PEAK_DBFS = -1.0


def read_wav(path):
    """Read an integer PCM WAV file; returns (sample rate, list of channels as floats)."""
    with wave.open(path, "rb") as f:
        channels = f.getnchannels()
        width = f.getsampwidth()
        rate = f.getframerate()
        raw = f.readframes(f.getnframes())
    codes = {2: "h", 4: "i"}
    if width not in codes:
        sys.exit(f"{path}: expected 16- or 32-bit PCM, got {8 * width}-bit")
    samples = array.array(codes[width])
    samples.frombytes(raw)
    if sys.byteorder == "big":
        samples.byteswap()
    scale = 1.0 / float(1 << (8 * width - 1))
    return rate, [[s * scale for s in samples[c::channels]] for c in range(channels)]


def write_wav16(path, rate, channels):
    """Write channels of floats in [-1, 1) as 16-bit PCM, rounding to nearest."""
    frames = len(channels[0])
    samples = array.array("h", bytes(2 * frames * len(channels)))
    for c, channel in enumerate(channels):
        for i, x in enumerate(channel):
            samples[i * len(channels) + c] = max(-32768, min(32767, round(x * 32768.0)))
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(path, "wb") as f:
        f.setnchannels(len(channels))
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.tobytes())


def rms(xs):
    return math.sqrt(sum(x * x for x in xs) / len(xs))


def unit_rms(xs):
    r = rms(xs)
    return [x / r for x in xs]


def white_noise(rng, frames):
    return [rng.gauss(0.0, 1.0) for _ in range(frames)]


def pink_noise(rng, frames):
    """Paul Kellet's refined pink filter (-3 dB/octave within 0.05 dB above ~10 Hz)."""
    b0 = b1 = b2 = b3 = b4 = b5 = b6 = 0.0
    out = []
    for _ in range(frames):
        w = rng.gauss(0.0, 1.0)
        b0 = 0.99886 * b0 + w * 0.0555179
        b1 = 0.99332 * b1 + w * 0.0750759
        b2 = 0.96900 * b2 + w * 0.1538520
        b3 = 0.86650 * b3 + w * 0.3104856
        b4 = 0.55000 * b4 + w * 0.5329522
        b5 = -0.7616 * b5 - w * 0.0168980
        out.append(b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362)
        b6 = w * 0.115926
    return out


def hum(rate, frames):
    return [
        sum(a * math.sin(2.0 * math.pi * f * i / rate + p) for f, a, p in HUM_PARTIALS)
        for i in range(frames)
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clean_in", help="clean stereo speech, 16- or 32-bit PCM WAV")
    parser.add_argument("clean_out", help="the clean speech, rescaled, 16-bit")
    parser.add_argument("noisy_out", help="clean speech plus noise, 16-bit")
    parser.add_argument("--seed", type=int, default=20240607)
    parser.add_argument("--snr-db", type=float, default=10.0)
    args = parser.parse_args()

    rate, clean = read_wav(args.clean_in)
    frames = len(clean[0])
    mains = unit_rms(hum(rate, frames))

    noisy = []
    for c, speech in enumerate(clean):
        # One generator per channel, so channels get independent noise.
        rng = random.Random(args.seed * 1000 + c)
        white = unit_rms(white_noise(rng, frames))
        pink = unit_rms(pink_noise(rng, frames))
        noise = [
            WHITE_AMPLITUDE * w + PINK_AMPLITUDE * p + HUM_AMPLITUDE * h
            for w, p, h in zip(white, pink, mains)
        ]
        gain = rms(speech) / rms(noise) * 10.0 ** (-args.snr_db / 20.0)
        noisy.append([s + gain * n for s, n in zip(speech, noise)])

    peak = max(abs(x) for channel in noisy for x in channel)
    scale = 10.0 ** (PEAK_DBFS / 20.0) / peak
    clean = [[x * scale for x in channel] for channel in clean]
    noisy = [[x * scale for x in channel] for channel in noisy]

    write_wav16(args.clean_out, rate, clean)
    write_wav16(args.noisy_out, rate, noisy)

    # Report what was written, measured on the quantised files.
    _, clean_q = read_wav(args.clean_out)
    _, noisy_q = read_wav(args.noisy_out)
    for c, (s, y) in enumerate(zip(clean_q, noisy_q)):
        snr = 20.0 * math.log10(rms(s) / rms([b - a for a, b in zip(s, y)]))
        print(
            f"channel {c}: speech {20 * math.log10(rms(s)):.1f} dBFS RMS, "
            f"noisy {20 * math.log10(rms(y)):.1f} dBFS RMS, SNR {snr:.2f} dB"
        )
    print(f"{frames} frames at {rate} Hz = {frames / rate:.3f} s")


if __name__ == "__main__":
    main()
