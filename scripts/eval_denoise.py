#!/usr/bin/env python3
"""Denoising evaluation: Spectral Mask against noisereduce on noisy speech and music made here.

Run with the project's venv (numpy, scipy, soundfile, noisereduce, pesq, pystoi; espeak-ng on
PATH; target/release/spectral-mask built):

    .venv/bin/python scripts/eval_denoise.py                 # held-out voices, writes the doc
    .venv/bin/python scripts/eval_denoise.py --voices tune --set threshold=3 --label "thr 3"
    .venv/bin/python scripts/eval_denoise.py --quick         # 2 clips + 1 music clip, no doc
    .venv/bin/python scripts/eval_denoise.py --check         # exit 1 if a target fails

THE SET (made in target/eval/set/, deterministic: fixed texts, voices, notes and seeds)

Speech: espeak-ng sentences at 48 kHz mono (resampled from 22.05 kHz), each clip made of 2 or 3
phrases spoken separately, trimmed, and joined with silences of 0.6 to 1.0 s; every clip starts
with LEAD_S = 1 s of silence and ends with 0.3 s. Two disjoint voice sets:

- "tune" (4 clips): the voices the defaults have been tuned on (en-us, en-gb, en-us+f3,
  en-gb-x-rp+m3). Tune settings with --voices tune.
- "heldout" (6 clips): other voices (other accents, variants and speeds) and other texts.
  Report on these (the default); a setting chosen on them is no longer held out.

The clean clip is exactly zero in the lead-in and in the silences between phrases: these are
the noise-only PAUSES. Their sample ranges are recorded, and pause measures use each range
less 50 ms at either edge. The 0.3 s tail is neither pause nor speech.

Noises, each added at 0, 5, 10 and 20 dB SNR:
- white: Gaussian.
- pink: 1/f power (shaped in the frequency domain), flat below 20 Hz.
- hum: 50 Hz mains with harmonics to 400 Hz, plus white noise 20 dB below the hum.
- modpink: pink noise whose level wanders by up to +-15 dB:
  gain_db(t) = 15 * g(t) / max|g|, g(t) = 0.6 sin(2 pi 0.37 t + a) + 0.4 sin(2 pi 1.3 t + b),
  a and b drawn from the clip's seed; so the lead-in may be quieter or louder than the rest.

SNR is measured over the SIGNAL only: energy of the clean clip over its phrases (music: over
the music) divided by the energy of the noise over the same samples; pauses and tail are not
counted. (This is stricter than a whole-clip SNR, which counts the clean silences as signal
time.) Each noisy clip (and its clean reference with it) is then scaled to peak at -1 dBFS.

Music (3 clips, used with either voice set, never tuned on): synthesized, tonal only: additive
harmonic notes (plucked, piano-like, pad and flute timbres with ADSR or decaying envelopes), a
four-chord progression with bass and accompaniment, and a melody drawn from a seeded generator;
1 s noise-only lead-in, 5 to 7 s of music. Noises white and pink at 10 and 20 dB SNR.

METHODS (all at their defaults unless --set)
- spectral-mask: `target/release/spectral-mask render NOISY OUT`; with --set, a second row
  renders with `--set ID=VALUE` for each (label it with --label).
- noisereduce stationary / non-stationary: `nr.reduce_noise(y, sr, stationary=...)`, which
  estimate the noise from the whole file.
- noisereduce with clip: stationary, `y_noise` = the 1 s noise-only lead-in of that noisy clip.
noisereduce outputs (WAV) and their scores are cached in target/eval/cache/.

METRICS (per file; tables average over files)
- dSI-SDR (dB): SI-SDR (Le Roux et al. 2019, zero-mean, whole clip) of the output against the
  clean clip, minus that of the noisy input.
- dSTOI: STOI (pystoi, given fs = 48000; it resamples to 10 kHz itself) of output minus noisy.
- dPESQ: wideband PESQ (P.862.2, PyPI `pesq`, mode 'wb') at 16 kHz (both signals resampled
  48k -> 16k with scipy.signal.resample_poly) of output minus noisy. Speech only.
- noise removed in pauses (dB): 10 log10(energy of noisy / energy of output) over the pauses
  (lead-in included; `pause_db_inner` in the JSON leaves the lead-in out). Capped at 100 dB.
- log kurtosis ratio (musical noise, Uemura et al. 2008): kurtosis mu4/mu2^2 (raw moments) of
  the power values |X|^2 of a 512-point Hann STFT (hop 256) at 16 kHz, over all frames lying
  wholly inside the pauses and all bins from 100 Hz to 8 kHz, of the output divided by that of
  the noisy input; reported as ln(ratio). 0: the residual is as Gaussian-like as the input noise;
  larger: more isolated spectral peaks (musical noise). If the output is exactly zero in the
  pauses it is undefined: reported as nan and left out of means (see the kurtosis target).
- lag: the cross-correlation lag between output and input; anything but 0 is reported.

TARGETS (Spectral Mask at its defaults, speech of the chosen voice set; held-out is what counts)
Means are over files; "at every SNR" compares per-SNR means, otherwise means over all SNRs.
- T1 noise removed in pauses >= 20 dB, for white and for pink (mean over clips and SNRs).
- T2 dSI-SDR >= noisereduce-with-clip + 2 dB at every SNR (all four noises).
- T3 dPESQ >= noisereduce-with-clip at every SNR.
- T4 mean log kurtosis ratio <= noisereduce-with-clip's; files where Spectral Mask's output is
  zero in the pauses (nan) pass only if their noise removed exceeds 40 dB.
- T5 modpink dSI-SDR >= +3 dB (mean over clips and SNRs).
- T6 music at 20 dB SNR: dSI-SDR > 0 (mean over music clips and both noises).
Each prints PASS or FAIL; the exit status is 0 unless --check is given and a default-settings
target fails.

OUTPUT: markdown to docs/denoise-eval.md (not with --quick or --no-doc; the hand-written part
after the notes marker is kept), and every per-file score, summary and target as JSON in
target/eval/results.json (results-quick.json with --quick).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the workers are the parallelism

import argparse
import concurrent.futures
import hashlib
import json
import math
import shlex
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
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
PESQ_RATE = 16000
LEAD_S = 1.0
TAIL_S = 0.3
PAUSE_EDGE_S = 0.05
PEAK_DBFS = -1.0
SNRS = [0, 5, 10, 20]
NOISES = ["white", "pink", "hum", "modpink"]
MUSIC_SNRS = [10, 20]
MUSIC_NOISES = ["white", "pink"]
MODPINK_SWING_DB = 15.0
PAUSE_DB_CAP = 100.0
# Bump when a metric's definition changes: it keys the cached noisereduce scores.
METRICS_VERSION = 3

# (name, espeak-ng voice, words per minute, phrases, silences between phrases in s)
TUNE_CLIPS = [
    ("us160", "en-us", 160,
     ["The quick brown fox jumps over the lazy dog near the river bank.",
      "Then it ran back across the field before the rain began."], [0.8]),
    ("gb165", "en-gb", 165,
     ["Please call Stella and ask her to bring these things with her from the store.",
      "Six spoons of fresh snow peas, five thick slabs of blue cheese."], [0.7]),
    ("usf170", "en-us+f3", 170,
     ["A spectral gate removes steady noise but should keep every word clear.",
      "Quiet passages show whether it leaves a warbling residue.",
      "Loud ones show whether it eats the consonants."], [0.9, 0.6]),
    ("rp150", "en-gb-x-rp+m3", 150,
     ["She sells sea shells by the sea shore on a bright summer morning.",
      "The tide was low and the gulls were loud."], [0.6]),
]
HELDOUT_CLIPS = [
    ("scotf155", "en-gb-scotland+f2", 155,
     ["The birch canoe slid on the smooth planks.",
      "Glue the sheet to the dark blue background.",
      "It is easy to tell the depth of a well."], [0.8, 0.7]),
    ("carm175", "en-029+m5", 175,
     ["These days a chicken leg is a rare dish.",
      "Rice is often served in round bowls."], [1.0]),
    ("nycf145", "en-us-nyc+f4", 145,
     ["The juice of lemons makes fine punch.",
      "The box was thrown beside the parked truck."], [0.7]),
    ("lanm185", "en-gb-x-gbclan+m2", 185,
     ["The hogs were fed chopped corn and garbage.",
      "Four hours of steady work faced us.",
      "A large size in stockings is hard to sell."], [0.6, 0.9]),
    ("wmdf160", "en-gb-x-gbcwmd+f5", 160,
     ["The boy was there when the sun rose.",
      "A rod is used to catch pink salmon."], [0.8]),
    ("klatt140", "en-us+klatt4", 140,
     ["The source of the huge river is the clear spring.",
      "Kick the ball straight and follow through."], [0.9]),
]

# Music: (name, tempo bpm, beats per chord, key MIDI note, chords as (semitones from key,
# quality), accompaniment style, melody timbre, melody seed)
MUSIC_CLIPS = [
    ("pluck_c", 150, 4, 48, [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")], "arp", "pluck", 11),
    ("pad_dm", 84, 2, 50, [(0, "min"), (8, "maj"), (3, "maj"), (10, "maj")], "pad", "flute", 12),
    ("waltz_g", 132, 3, 43, [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")], "waltz", "piano",
     13),
]
CHORD_TONES = {"maj": [0, 4, 7], "min": [0, 3, 7]}
# Timbres: harmonic count and tilt (amplitude k^-tilt), envelope, inharmonicity, vibrato.
# "decay" envelopes: (attack s, decay time constant s, extra decay per harmonic, release s);
# "adsr": (attack s, decay s, sustain level, release s).
TIMBRES = {
    "pluck": dict(harmonics=24, tilt=1.2, decay=(0.003, 0.45, 0.6, 0.04)),
    "piano": dict(harmonics=20, tilt=1.5, decay=(0.002, 0.9, 0.3, 0.08), inharmonic=4e-4),
    "pad": dict(harmonics=8, tilt=2.0, adsr=(0.15, 0.2, 0.7, 0.3), detune_cents=4),
    "flute": dict(harmonics=4, tilt=2.5, adsr=(0.06, 0.1, 0.8, 0.1), vibrato=0.005),
}

# Mains hum: (harmonic of 50 Hz, relative amplitude); odd harmonics dominate.
HUM_PARTIALS = [(1, 1.0), (2, 0.4), (3, 0.6), (4, 0.15), (5, 0.35), (6, 0.08), (7, 0.2),
                (8, 0.05)]
HUM_BROADBAND_DB = -20.0

METHOD_LABELS = {
    "sm_defaults": "Spectral Mask, defaults",
    "sm_set": "Spectral Mask, --set",
    "nr_stationary": "noisereduce, stationary",
    "nr_nonstationary": "noisereduce, non-stationary",
    "nr_clip": "noisereduce, stationary + lead-in clip",
}
METRICS = ["dsisdr", "dstoi", "dpesq", "pause_db", "lkr"]
METRIC_HEADS = {"dsisdr": "dSI-SDR (dB)", "dstoi": "dSTOI", "dpesq": "dPESQ",
                "pause_db": "noise removed in pauses (dB)", "lkr": "log kurtosis ratio"}


# ---------------------------------------------------------------------------------------
# Helpers

def energy(x):
    """Sum of squares, correctly rounded: numpy's SIMD sums can differ in the last bit with
    the array's memory alignment, which would make the set differ between runs."""
    return math.fsum((x * x).tolist())


def unit_rms(x):
    return x / math.sqrt(energy(x) / len(x))


def stable_seed(*parts):
    return int(hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def read(path):
    x, _ = sf.read(path, dtype="float64")
    return x if x.ndim == 1 else x.mean(axis=1)


def write(path, x):
    sf.write(path, np.asarray(x, dtype=np.float32), RATE, subtype="FLOAT")


def file_hash(path):
    """Hash of the samples (not the file: libsndfile stamps a time into float WAVs' PEAK chunk)."""
    samples, rate = sf.read(path, dtype="float32")
    return hashlib.sha1(samples.tobytes() + str(rate).encode()).hexdigest()[:16]


def concat_ranges(x, ranges):
    return np.concatenate([x[a:b] for a, b in ranges]) if ranges else np.zeros(0)


# ---------------------------------------------------------------------------------------
# Speech

def speak(voice, wpm, text):
    """One espeak-ng phrase at 48 kHz, float64, trimmed, with 5 ms fades."""
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
    return x


def join_parts(parts, silences):
    """Lead-in, parts separated by silences, tail. Returns the clip, its pause ranges (lead-in
    and silences) and its signal ranges (the parts), in samples."""
    pieces, pauses, spans = [np.zeros(int(LEAD_S * RATE))], [(0, int(LEAD_S * RATE))], []
    at = pieces[0].size
    for i, part in enumerate(parts):
        pieces.append(part)
        spans.append((at, at + part.size))
        at += part.size
        if i < len(silences):
            gap = int(round(silences[i] * RATE))
            pieces.append(np.zeros(gap))
            pauses.append((at, at + gap))
            at += gap
    pieces.append(np.zeros(int(TAIL_S * RATE)))
    return np.concatenate(pieces), pauses, spans


def make_speech(clip):
    name, voice, wpm, phrases, silences = clip
    return join_parts([speak(voice, wpm, text) for text in phrases], silences)


# ---------------------------------------------------------------------------------------
# Music

def midi_hz(m):
    return 440.0 * 2 ** ((m - 69) / 12)


def tone(midi, dur, timbre, rng):
    """One note of `dur` s (plus its release) in the given timbre."""
    spec = TIMBRES[timbre]
    f0 = midi_hz(midi)
    release = (spec.get("decay") or spec.get("adsr"))[3]
    n = int((dur + release) * RATE)
    t = np.arange(n) / RATE
    if "vibrato" in spec:
        phase = 2 * np.pi * f0 * np.cumsum(1 + spec["vibrato"] * np.sin(2 * np.pi * 5.5 * t)) / RATE
    else:
        phase = 2 * np.pi * f0 * t
    detunes = [0.0]
    if "detune_cents" in spec:
        c = spec["detune_cents"]
        detunes = [2 ** (-c / 1200) - 1, 2 ** (c / 1200) - 1]
    out = np.zeros(n)
    for k in range(1, spec["harmonics"] + 1):
        ratio = k * math.sqrt(1 + spec.get("inharmonic", 0.0) * k * k)
        if f0 * ratio > 15000:
            break
        partial = np.zeros(n)
        for d in detunes:
            partial += np.sin(ratio * (1 + d) * phase + rng.uniform(0, 2 * np.pi))
        partial *= k ** -spec["tilt"] / len(detunes)
        if "decay" in spec:
            tau = spec["decay"][1] / (1 + spec["decay"][2] * (k - 1))
            partial *= np.exp(-t / tau)
        out += partial
    # Amplitude envelope: attack, then ADSR or the partials' own decay, then release.
    env = np.ones(n)
    if "adsr" in spec:
        attack, decay, sustain, _ = spec["adsr"]
        env = np.where(t < attack, t / attack,
                       sustain + (1 - sustain) * np.exp(-(t - attack) / decay))
    else:
        attack = spec["decay"][0]
        env = np.minimum(1.0, t / attack)
    after = t > dur
    env[after] *= np.maximum(0.0, 1 - (t[after] - dur) / release)
    return out * env


def make_music(clip):
    """A few seconds of tonal music after the lead-in; returns clip, pauses, spans."""
    name, bpm, beats, key, chords, style, lead, seed = clip
    rng = np.random.default_rng(seed)
    beat = 60.0 / bpm
    total = len(chords) * beats * beat
    mix = np.zeros(int((total + 1.0) * RATE))

    def add(midi, start, dur, timbre, level):
        note = level * tone(midi, dur, timbre, rng)
        i = int(round(start * RATE))
        mix[i:i + note.size] += note[:mix.size - i]

    bass_timbre = {"arp": "pluck", "pad": "pad", "waltz": "piano"}[style]
    scale = [0, 2, 3, 5, 7, 8, 10] if chords[0][1] == "min" else [0, 2, 4, 5, 7, 9, 11]
    for ci, (root, quality) in enumerate(chords):
        t0 = ci * beats * beat
        tones = [key + 12 + root + i for i in CHORD_TONES[quality]]
        add(key + root, t0, beats * beat * 0.95, bass_timbre, 0.5)
        if style == "arp":
            pattern = [0, 1, 2, 1]
            for j in range(beats * 2):
                add(tones[pattern[j % 4]], t0 + j * beat / 2, beat / 2, "pluck", 0.3)
        elif style == "pad":
            for m in tones:
                add(m, t0, beats * beat * 0.98, "pad", 0.25)
        else:  # waltz: chord on the beats after the first
            for j in range(1, beats):
                for m in tones:
                    add(m, t0 + j * beat, beat * 0.8, "piano", 0.18)
        # Melody: a chord tone or a scale step near the last note, in quarters or eighths.
        at, last = t0, tones[-1] + 12
        while at < t0 + beats * beat - 1e-9:
            dur = beat if rng.random() < 0.5 else beat / 2
            if rng.random() < 0.6:
                choices = [m + 12 for m in tones]
            else:
                choices = [key + 24 + o + s for o in (0, 12) for s in scale]
            choices = sorted(choices, key=lambda m: abs(m - last))[:3]
            last = int(rng.choice(choices))
            add(last, at, dur * 0.9, lead, 0.45)
            at += dur
    active = np.flatnonzero(np.abs(mix) > 1e-4 * np.max(np.abs(mix)))
    mix = mix[:active[-1] + 1]
    return join_parts([mix], [])


# ---------------------------------------------------------------------------------------
# Noise and the noisy set

def make_noise(kind, length, seed):
    rng = np.random.default_rng(seed)
    if kind == "white":
        return unit_rms(rng.standard_normal(length))
    if kind in ("pink", "modpink"):
        spectrum = np.fft.rfft(rng.standard_normal(length))
        freqs = np.fft.rfftfreq(length, 1.0 / RATE)
        shape = np.ones_like(freqs)
        shape[1:] = 1.0 / np.sqrt(np.maximum(freqs[1:], 20.0))  # 1/f power, flat below 20 Hz
        shape[0] = 0.0
        pink = unit_rms(np.fft.irfft(spectrum * shape, n=length))
        if kind == "pink":
            return pink
        t = np.arange(length) / RATE
        a, b = rng.uniform(0, 2 * np.pi, 2)
        g = 0.6 * np.sin(2 * np.pi * 0.37 * t + a) + 0.4 * np.sin(2 * np.pi * 1.3 * t + b)
        gain_db = MODPINK_SWING_DB * g / np.max(np.abs(g))
        return unit_rms(pink * 10 ** (gain_db / 20))
    if kind == "hum":
        t = np.arange(length) / RATE
        phases = rng.uniform(0, 2 * np.pi, len(HUM_PARTIALS))
        hum = sum(a * np.sin(2 * np.pi * 50.0 * k * t + p)
                  for (k, a), p in zip(HUM_PARTIALS, phases))
        broadband = unit_rms(rng.standard_normal(length)) * 10 ** (HUM_BROADBAND_DB / 20)
        return unit_rms(unit_rms(hum) + broadband)
    raise ValueError(kind)


def clean_clip(kind, clip):
    """The clean clip with its pause and signal ranges, cached by its definition."""
    key = hashlib.sha1(repr((kind, clip, LEAD_S, TAIL_S, TIMBRES)).encode()).hexdigest()[:10]
    wav = SET_DIR / f"{clip[0]}_{key}_source.wav"
    meta = wav.with_suffix(".json")
    if wav.exists() and meta.exists():
        ranges = json.loads(meta.read_text())
        return read(wav), [tuple(r) for r in ranges["pauses"]], [tuple(r) for r in ranges["spans"]]
    x, pauses, spans = (make_speech if kind == "speech" else make_music)(clip)
    x = x / np.max(np.abs(x)) * 0.5
    # Rounded to float32 as stored, so a first run and a re-run see the same clip.
    x = x.astype(np.float32).astype(np.float64)
    write(wav, x)
    meta.write_text(json.dumps(dict(pauses=pauses, spans=spans)))
    return x, pauses, spans


def make_items(kind, group, clips, noises, snrs):
    """Writes clean and noisy float WAVs; returns a list of item dicts."""
    SET_DIR.mkdir(parents=True, exist_ok=True)
    items = []
    for clip in clips:
        name = clip[0]
        clean, pauses, spans = clean_clip(kind, clip)
        for noise_kind in noises:
            noise = make_noise(noise_kind, len(clean), seed=stable_seed(name, noise_kind))
            for snr in snrs:
                gain = math.sqrt(energy(concat_ranges(clean, spans))
                                 / energy(concat_ranges(noise, spans)) / 10 ** (snr / 10))
                noisy = clean + gain * noise
                scale = 10 ** (PEAK_DBFS / 20) / np.max(np.abs(noisy))
                stem = f"{name}_{noise_kind}_{snr:02d}dB"
                item = dict(stem=stem, kind=kind, group=group, clip=name, voice=clip[1],
                            noise=noise_kind, snr=snr, pauses=pauses, spans=spans,
                            clean=str(SET_DIR / f"{stem}_clean.wav"),
                            noisy=str(SET_DIR / f"{stem}_noisy.wav"))
                write(item["clean"], clean * scale)
                write(item["noisy"], noisy * scale)
                items.append(item)
    return items


# ---------------------------------------------------------------------------------------
# Metrics

def si_sdr(estimate, reference):
    estimate = estimate - np.mean(estimate)
    reference = reference - np.mean(reference)
    alpha = np.dot(estimate, reference) / np.dot(reference, reference)
    target = alpha * reference
    error = estimate - target
    return float(10 * np.log10(np.dot(target, target) / np.dot(error, error)))


def lag_of(output, noisy, max_lag=4096):
    """Lag (samples) that best aligns output with noisy input; 0 when aligned."""
    n = len(noisy)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    xc = np.fft.irfft(np.fft.rfft(output, size) * np.conj(np.fft.rfft(noisy, size)), size)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    values = np.concatenate([xc[:max_lag + 1], xc[-max_lag:]])
    return int(lags[np.argmax(values)])


def measured_pauses(item, rate=RATE):
    """Pause ranges less PAUSE_EDGE_S at each edge, at `rate`; the lead-in first."""
    edge = int(PAUSE_EDGE_S * rate)
    out = []
    for a, b in item["pauses"]:
        a, b = a * rate // RATE + edge, b * rate // RATE - edge
        if b > a:
            out.append((a, b))
    return out


def pause_db(noisy, output, ranges):
    if not ranges:
        return float("nan")
    e_in, e_out = energy(concat_ranges(noisy, ranges)), energy(concat_ranges(output, ranges))
    return float(min(PAUSE_DB_CAP, 10 * math.log10(e_in / max(e_out, 1e-300))))


def pause_powers(x16, ranges16, n_fft=512, hop=256):
    """|STFT|^2 of frames wholly inside the ranges, bins 100 Hz to 8 kHz (16 kHz signal)."""
    window = signal.get_window("hann", n_fft)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / PESQ_RATE)
    keep = (freqs >= 100) & (freqs < 8000)
    frames = [x16[s:s + n_fft] for a, b in ranges16 for s in range(a, b - n_fft + 1, hop)]
    if not frames:
        return np.zeros(0)
    spec = np.fft.rfft(np.array(frames) * window, axis=1)[:, keep]
    return (np.abs(spec) ** 2).ravel()


def kurtosis(p):
    """Kurtosis of power values as Uemura et al. define it: mu4 / mu2^2, raw moments."""
    p = p / np.max(p)  # scale-free; keeps p**4 well within range
    return float(np.mean(p ** 4) / np.mean(p ** 2) ** 2)


def log_kurtosis_ratio(noisy16, out16, ranges16):
    p_in, p_out = pause_powers(noisy16, ranges16), pause_powers(out16, ranges16)
    if p_in.size == 0 or not np.any(p_out > 0):
        return float("nan")
    return float(math.log(kurtosis(p_out) / kurtosis(p_in)))


def to_16k(x):
    return signal.resample_poly(x, 1, RATE // PESQ_RATE)


def pesq_wb(clean16, x16):
    from pesq import pesq
    try:
        return float(pesq(PESQ_RATE, clean16, x16, "wb"))
    except Exception as error:  # e.g. pesq.NoUtterancesError on a silent output
        print(f"PESQ failed: {error}", file=sys.stderr)
        return float("nan")


def score(item, output, with_reference=False):
    """Absolute scores of one output (or, with_reference, of the noisy input itself)."""
    clean, noisy = read(item["clean"]), read(item["noisy"])
    assert len(output) == len(clean), (item["stem"], len(output), len(clean))
    out = dict(si_sdr=si_sdr(output, clean))
    if item["kind"] == "speech":
        from pystoi import stoi
        clean16, out16 = to_16k(clean), to_16k(output)
        out["stoi"] = float(stoi(clean, output, RATE))
        out["pesq"] = pesq_wb(clean16, out16)
    if with_reference:
        return out
    ranges = measured_pauses(item)
    out["pause_db"] = pause_db(noisy, output, ranges)
    out["pause_db_inner"] = pause_db(noisy, output, ranges[1:])
    out["lkr"] = log_kurtosis_ratio(to_16k(noisy), to_16k(output),
                                    measured_pauses(item, PESQ_RATE))
    out["lag"] = lag_of(output, noisy)
    return out


# ---------------------------------------------------------------------------------------
# Methods

def settings_key(settings):
    return hashlib.sha1(" ".join(settings).encode()).hexdigest()[:10] if settings else "defaults"


def run_spectral_mask(item, settings):
    out_dir = EVAL_DIR / "out" / f"sm_{settings_key(settings)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{item['stem']}.wav"
    cmd = [str(BINARY), "render", item["noisy"], str(out)]
    for s in settings:
        cmd += ["--set", s]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed:\n{done.stderr}")
    return read(out)


def run_noisereduce(item, method):
    import noisereduce as nr
    noisy, rate = sf.read(item["noisy"], dtype="float32")
    if method == "nr_clip":
        out = nr.reduce_noise(y=noisy, sr=rate, stationary=True,
                              y_noise=noisy[:int(LEAD_S * rate)])
    else:
        out = nr.reduce_noise(y=noisy, sr=rate, stationary=method == "nr_stationary")
    return np.asarray(out, dtype=np.float32).astype(np.float64)


def cached_noisereduce(item, method):
    """noisereduce's output, cached by the noisy samples, the method and its version."""
    key = f"{item['stem']}_{method}_{file_hash(item['noisy'])}_nr{version('noisereduce')}"
    path = CACHE_DIR / f"{key}.wav"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"tmp-{os.getpid()}.wav")  # renamed once whole
        write(tmp, run_noisereduce(item, method))
        tmp.replace(path)
    return read(path)


def score_key(item, method):
    """Key of a cached score: everything the score depends on but the method's code."""
    parts = [item["stem"], method, file_hash(item["noisy"]), file_hash(item["clean"]),
             json.dumps(item["pauses"]), METRICS_VERSION]
    if method.startswith("nr_"):
        parts.append(version("noisereduce"))
    return f"{item['stem']}_{method}_{hashlib.sha1(repr(parts).encode()).hexdigest()[:16]}"


def task(args):
    """One (item, method) in a worker process: run the method, score its output. The noisy
    input's own scores are method "noisy". noisereduce outputs and the scores of noisereduce
    and of the noisy input are cached."""
    item, method, settings = args
    if method.startswith("sm_"):
        return score(item, run_spectral_mask(item, settings))
    cached = CACHE_DIR / f"{score_key(item, method)}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    if method == "noisy":
        result = score(item, read(item["noisy"]), with_reference=True)
    else:
        result = score(item, cached_noisereduce(item, method))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f"tmp-{os.getpid()}.json")  # renamed once whole
    tmp.write_text(json.dumps(result))
    tmp.replace(cached)
    return result


def evaluate(items, methods, settings, jobs):
    """Per stem: {"noisy": scores, method: scores with deltas}."""
    work = [(item, "noisy", []) for item in items]
    work += [(item, m, settings if m == "sm_set" else []) for m in methods for item in items]
    order = {"nr_nonstationary": 0}  # slowest first, for an even finish
    work.sort(key=lambda w: order.get(w[1], 1))
    results = {item["stem"]: {} for item in items}
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        futures = {pool.submit(task, w): w for w in work}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            item, method, _ = futures[future]
            results[item["stem"]][method] = future.result()
            if done % 50 == 0 or done == len(work):
                print(f"  {done}/{len(work)} done", file=sys.stderr)
    for item in items:
        ref = results[item["stem"]]["noisy"]
        for m in methods:
            r = results[item["stem"]][m]
            r["dsisdr"] = r["si_sdr"] - ref["si_sdr"]
            if item["kind"] == "speech":
                r["dstoi"] = r["stoi"] - ref["stoi"]
                r["dpesq"] = r["pesq"] - ref["pesq"]
    return results


# ---------------------------------------------------------------------------------------
# Summaries and targets

def mean_of(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def summarize(items, results, methods, metrics):
    """Mean of each metric per method (and of the noisy input's absolute scores, as "noisy"):
    over all items, per SNR, per noise, per (noise, SNR)."""
    snrs = sorted({i["snr"] for i in items})
    noises = [n for n in NOISES if any(i["noise"] == n for i in items)]
    out = {}
    for m in methods + ["noisy"]:
        keys = metrics if m != "noisy" else [k for k in ("si_sdr", "stoi", "pesq")
                                             if k in results[items[0]["stem"]]["noisy"]]

        def means(subset, m=m, keys=keys):
            return {k: mean_of([results[i["stem"]][m].get(k) for i in subset]) for k in keys}

        out[m] = dict(
            all=means(items),
            by_snr={snr: means([i for i in items if i["snr"] == snr]) for snr in snrs},
            by_noise={n: means([i for i in items if i["noise"] == n]) for n in noises},
            cells={n: {snr: means([i for i in items if i["noise"] == n and i["snr"] == snr])
                       for snr in snrs} for n in noises},
            worst_dsisdr=(None if m == "noisy"
                          else min(results[i["stem"]][m]["dsisdr"] for i in items)))
    return out


def check_targets(speech, music, speech_items, results, sm):
    """The issue's targets for Spectral Mask row `sm`; a list of (ok, text)."""
    clip, mine = speech["nr_clip"], speech[sm]
    out = []

    def add(ok, text):
        out.append((bool(ok), text))

    vals = {n: mine["by_noise"][n]["pause_db"] for n in ("white", "pink")}
    add(all(v >= 20 for v in vals.values()),
        "T1 noise removed in pauses >= 20 dB on white and pink: "
        + ", ".join(f"{n} {v:.1f} dB" for n, v in vals.items()))

    parts, ok = [], True
    for snr, s in mine["by_snr"].items():
        need = clip["by_snr"][snr]["dsisdr"] + 2
        ok &= s["dsisdr"] >= need
        parts.append(f"{snr} dB {s['dsisdr']:+.2f} vs {need:+.2f}")
    add(ok, "T2 dSI-SDR >= noisereduce-with-clip + 2 dB at every SNR: " + ", ".join(parts))

    parts, ok = [], True
    for snr, s in mine["by_snr"].items():
        need = clip["by_snr"][snr]["dpesq"]
        ok &= s["dpesq"] >= need
        parts.append(f"{snr} dB {s['dpesq']:+.2f} vs {need:+.2f}")
    add(ok, "T3 dPESQ >= noisereduce-with-clip at every SNR: " + ", ".join(parts))

    undefined = [i["stem"] for i in speech_items if math.isnan(results[i["stem"]][sm]["lkr"])]
    silent_ok = all(results[s][sm]["pause_db"] > 40 for s in undefined)
    a, b = mine["all"]["lkr"], clip["all"]["lkr"]
    ok = (math.isnan(a) or a <= b) and silent_ok
    note = (f"; {len(undefined)} files with silent pauses"
            + (" (all > 40 dB removed)" if silent_ok else " (some <= 40 dB removed: fail)")
            if undefined else "")
    add(ok, f"T4 log kurtosis ratio <= noisereduce-with-clip's: {a:+.2f} vs {b:+.2f}{note}")

    v = mine["by_noise"].get("modpink", {}).get("dsisdr", float("nan"))
    add(v >= 3, f"T5 modpink dSI-SDR >= +3 dB: {v:+.2f}")

    v = music[sm]["by_snr"][20]["dsisdr"] if 20 in music[sm]["by_snr"] else float("nan")
    worst = min(music[sm]["cells"][n][20]["dsisdr"] for n in music[sm]["cells"])
    add(v > 0, f"T6 music at 20 dB SNR dSI-SDR > 0: {v:+.2f} (worst noise {worst:+.2f})")
    return out


# ---------------------------------------------------------------------------------------
# Report

def fmt(metric, v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return {"dsisdr": f"{v:+.2f}", "dstoi": f"{v:+.3f}", "dpesq": f"{v:+.2f}",
            "pause_db": f"{v:.1f}", "lkr": f"{v:+.2f}"}[metric]


def metric_table(rows, metrics, lead_heads):
    """rows: (leading cells, {metric: value})."""
    lines = ["| " + " | ".join(lead_heads + [METRIC_HEADS[k] for k in metrics]) + " |",
             "|" + "---|" * len(lead_heads) + "---:|" * len(metrics)]
    for lead, vals in rows:
        lines.append("| " + " | ".join(lead + [fmt(k, vals[k]) for k in metrics]) + " |")
    return "\n".join(lines)


def noisy_line(noisy_means):
    parts = [f"SI-SDR {noisy_means['si_sdr']:.2f} dB"]
    if "stoi" in noisy_means:
        parts += [f"STOI {noisy_means['stoi']:.3f}", f"PESQ {noisy_means['pesq']:.2f}"]
    return "noisy input: " + ", ".join(parts)


def markdown(ctx):
    speech, music, methods, labels = ctx["speech"], ctx["music"], ctx["methods"], ctx["labels"]
    group = ctx["voices"]
    out = [f"""# Denoising evaluation: Spectral Mask vs noisereduce

Made by `{ctx['command']}` in {ctx['elapsed']:.0f} s ({ctx['jobs']} worker processes;
noisereduce results come from target/eval/cache/ when unchanged). The script's docstring
defines the set, the metrics and the targets; every number here is a mean over files.
Per-file results: {ctx['json_path']}.

**Voices.** Tuning voices (`--voices tune`): {ctx['tune_desc']}.
**Reported here: {ctx['voices_note']}:** {ctx['report_desc']}.
Music ({len(MUSIC_CLIPS)} synthesized clips: {", ".join(c[0] for c in MUSIC_CLIPS)}) is never
tuned on.

**Set.** {ctx['n_speech']} speech files: each clip has 1 s of noise alone, then 2 or 3
phrases with 0.6 to 1 s noise-only pauses between them; x white / pink / hum / modpink
(pink whose level wanders by +-15 dB) x SNR {", ".join(map(str, SNRS))} dB, SNR measured over
the phrases only. {ctx['n_music']} music files: x white / pink x SNR
{", ".join(map(str, MUSIC_SNRS))} dB. 48 kHz mono, peak -1 dBFS.

**Metrics.** dSI-SDR, dSTOI, dPESQ (wideband, 16 kHz): output minus noisy input, higher is
better. Noise removed in pauses: noisy over output energy in the noise-only pauses (lead-in
included, 50 ms edges skipped), higher is better. Log kurtosis ratio (Uemura et al. 2008):
ln of the kurtosis of the output's power spectrogram in the pauses over the noisy input's;
0 = residual as Gaussian as the noise, higher = more musical noise. noisereduce "+ lead-in
clip" is given the clip's first 1 s (noise only) as `y_noise`.
"""]
    for sm in [m for m in methods if m.startswith("sm_")]:
        title = labels[sm] + (f" (`{' '.join('--set ' + s for s in ctx['settings'])}`)"
                              if sm == "sm_set" else "")
        out.append(f"## Targets: {title}, {group} speech\n")
        out += [f"- **{'PASS' if ok else 'FAIL'}** {text}" for ok, text in ctx["targets"][sm]]
        out.append("")

    out.append(f"## Speech ({group} voices), per SNR (mean over clips and noises)\n")
    for snr in SNRS:
        rows = [([labels[m]], speech[m]["by_snr"][snr]) for m in methods]
        out += [f"### {snr} dB SNR\n", metric_table(rows, METRICS, ["method"]), "",
                f"*{noisy_line(speech['noisy']['by_snr'][snr])}*", ""]
    out.append("### All SNRs\n")
    rows = [([labels[m]], speech[m]["all"]) for m in methods]
    out += [metric_table(rows, METRICS, ["method"]), "",
            f"*{noisy_line(speech['noisy']['all'])}*; worst single file dSI-SDR: "
            + ", ".join(f"{labels[m]} {speech[m]['worst_dsisdr']:+.2f}" for m in methods), ""]

    out.append(f"## Speech ({group} voices), per noise (mean over clips and SNRs)\n")
    rows = [([n, labels[m]], speech[m]["by_noise"][n]) for n in NOISES for m in methods]
    out += [metric_table(rows, METRICS, ["noise", "method"]), ""]

    out.append("### dSI-SDR per noise and SNR (mean over clips)\n")
    lines = ["| noise | method | " + " | ".join(f"{s} dB" for s in SNRS) + " |",
             "|---|---|" + "---:|" * len(SNRS)]
    for n in NOISES:
        for m in methods:
            lines.append(f"| {n} | {labels[m]} | " + " | ".join(
                fmt("dsisdr", speech[m]["cells"][n][s]["dsisdr"]) for s in SNRS) + " |")
    out += ["\n".join(lines), ""]

    out.append("## Music with noise (mean over clips)\n")
    mmetrics = ["dsisdr", "pause_db", "lkr"]
    rows = [([n, f"{s} dB", labels[m]], music[m]["cells"][n][s])
            for n in MUSIC_NOISES for s in MUSIC_SNRS for m in methods]
    out += [metric_table(rows, mmetrics, ["noise", "SNR", "method"]), "",
            "(Pauses here are the 1 s lead-in only.)", ""]

    out += [ctx["lag_note"], "", ctx["versions"], ""]
    return "\n".join(out)


def json_safe(x):
    """NaN as null (JSON has no NaN); tuples as lists."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def describe(clips):
    return "; ".join(f"{c[0]} ({c[1]}, {c[2]} wpm)" for c in clips)


# ---------------------------------------------------------------------------------------

def main():
    global BINARY
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", default=[], metavar="ID=VALUE",
                        help="spectral-mask parameter for an extra row (repeatable)")
    parser.add_argument("--label", help="name of the --set row in the tables")
    parser.add_argument("--voices", choices=["tune", "heldout", "all"], default="heldout",
                        help="speech voice set to score (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="2 speech clips and 1 music clip; no markdown")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a target fails at the defaults")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--no-doc", action="store_true", help="write no markdown")
    parser.add_argument("--binary", type=Path, default=BINARY,
                        help="spectral-mask binary to evaluate (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DOC, help="markdown file to write")
    parser.add_argument("--json", type=Path, help="JSON results file (default: "
                        "target/eval/results.json, results-quick.json with --quick)")
    args = parser.parse_args()

    start = time.time()
    BINARY = args.binary.resolve()
    if not BINARY.exists():
        sys.exit(f"{BINARY} missing: cargo build --release --bin spectral-mask")
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng not found")
    EVAL_DIR.mkdir(parents=True, exist_ok=True)

    speech_clips = {"tune": TUNE_CLIPS, "heldout": HELDOUT_CLIPS,
                    "all": TUNE_CLIPS + HELDOUT_CLIPS}[args.voices]
    music_clips = MUSIC_CLIPS
    if args.quick:
        speech_clips, music_clips = speech_clips[:2], music_clips[:1]
    speech_items = make_items("speech", args.voices, speech_clips, NOISES, SNRS)
    music_items = make_items("music", "music", music_clips, MUSIC_NOISES, MUSIC_SNRS)
    items = speech_items + music_items

    methods = ["sm_defaults"] + (["sm_set"] if args.set else []) + [
        "nr_stationary", "nr_nonstationary", "nr_clip"]
    labels = dict(METHOD_LABELS)
    if args.label:
        labels["sm_set"] = args.label
    print(f"{len(items)} files x {len(methods)} methods, {args.jobs} workers", file=sys.stderr)
    results = evaluate(items, methods, args.set, args.jobs)

    speech = summarize(speech_items, results, methods, METRICS)
    music = summarize(music_items, results, methods, ["dsisdr", "pause_db", "lkr"])
    targets = {sm: check_targets(speech, music, speech_items, results, sm)
               for sm in methods if sm.startswith("sm_")}
    elapsed = time.time() - start

    lags = sorted({(m, results[i["stem"]][m]["lag"]) for m in methods for i in items
                   if results[i["stem"]][m]["lag"] != 0})
    lag_note = ("All outputs are aligned with their input (cross-correlation lag 0)."
                if not lags else "Misaligned outputs (method, lag): " + ", ".join(map(str, lags)))
    version_line = subprocess.run([str(BINARY), "--version"], capture_output=True,
                                  text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    versions = (f"spectral-mask `{version_line}`, tree {commit}; noisereduce "
                f"{version('noisereduce')}, pesq {version('pesq')}, pystoi {version('pystoi')}.")
    command = shlex.join([".venv/bin/python", "scripts/eval_denoise.py"] + sys.argv[1:])
    json_path = args.json or EVAL_DIR / ("results-quick.json" if args.quick else "results.json")
    voices_note = {"heldout": "held-out voices, none of them tuned on",
                   "tune": "the tuning voices (not held out)",
                   "all": "tuning and held-out voices together (not held out)"}[args.voices]
    ctx = dict(speech=speech, music=music, methods=methods, labels=labels, voices=args.voices,
               jobs=args.jobs, voices_note=voices_note,
               json_path=os.path.relpath(json_path, ROOT),
               settings=args.set, targets=targets, elapsed=elapsed, command=command,
               tune_desc=describe(TUNE_CLIPS), report_desc=describe(speech_clips),
               n_speech=len(speech_items), n_music=len(music_items), lag_note=lag_note,
               versions=versions)
    text = markdown(ctx)
    print(text)

    print(f"Targets (speech: {args.voices} voices"
          + ("; the targets are defined on held-out voices" if args.voices != "heldout" else "")
          + (", --quick subset" if args.quick else "") + "):")
    for sm, lines in targets.items():
        for ok, line in lines:
            print(f"{'PASS' if ok else 'FAIL'} [{labels[sm]}] {line}")
    if "sm_set" in methods and args.voices != "tune":
        print(f"note: the --set row was scored on {args.voices} voices; tune with --voices tune",
              file=sys.stderr)
    print(f"run time {elapsed:.0f} s")

    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(json_safe(dict(
        command=command, voices=args.voices, quick=args.quick, settings=args.set,
        elapsed_s=elapsed, versions=versions, labels=labels,
        tune_clips=[c[:3] for c in TUNE_CLIPS], reported_clips=[c[:3] for c in speech_clips],
        files={i["stem"]: dict({k: v for k, v in i.items() if k not in ("clean", "noisy")},
                               results=results[i["stem"]]) for i in items},
        summary=dict(speech=speech, music=music),
        targets={sm: [dict(passed=ok, text=t) for ok, t in lines]
                 for sm, lines in targets.items()})),
        indent=1, default=float))
    print(f"wrote {json_path}")

    if not (args.quick or args.no_doc):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        # Hand-written notes after the marker survive a re-run.
        if args.out.exists() and NOTES_MARKER in args.out.read_text():
            text += "\n" + NOTES_MARKER + args.out.read_text().split(NOTES_MARKER, 1)[1]
        args.out.write_text(text)
        print(f"wrote {args.out}")

    if args.check and not all(ok for ok, _ in targets["sm_defaults"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
