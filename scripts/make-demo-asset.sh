#!/usr/bin/env bash
# Regenerates the demo assets:
#   assets/demo-clean-speech.wav  synthetic speech (espeak-ng), 48 kHz stereo 16-bit, 8.0 s
#   assets/demo-noisy-speech.wav  the same plus white/pink noise and 50 Hz hum at 10 dB SNR
# The output is deterministic: espeak-ng and sox (without dither) are, and the noise comes
# from a seeded generator in add-demo-noise.py.
# Needs espeak-ng, sox and python3 (`cargo xtask setup` installs the first two).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in espeak-ng sox python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: $tool is not installed (run: cargo xtask setup)" >&2
        exit 1
    fi
done

TEXT="Please call Stella. Ask her to bring these things with her from the store. \
The gate keeps the voice, and removes the hiss."
VOICE=en-us
WORDS_PER_MINUTE=170
LEAD_IN_S=0.5    # noise only before the speech: time for an adaptive noise floor to settle
LENGTH_S=8.0     # total length; the speech is about 6.8 s
SEED=20240607
SNR_DB=10

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

espeak-ng -v "$VOICE" -s "$WORDS_PER_MINUTE" -w "$work/speech.wav" "$TEXT"

# -D everywhere: no dither, which is random. Trim espeak's leading and trailing silence,
# resample, and make a stereo pair with slightly different gains (right about 1.6 dB
# quieter). 32-bit, so that only the final write rounds; "wavpcm" because Python's `wave`
# (before 3.12) cannot read the WAVE_FORMAT_EXTENSIBLE header sox writes for 32-bit.
sox -D "$work/speech.wav" -b 32 -e signed-integer -t wavpcm "$work/speech48.wav" \
    silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse \
    rate -v 48000 \
    remix 1v0.95 1v0.79

# Place the speech after the lead-in and pad the end to exactly LENGTH_S.
rate=48000
lead_frames=$(awk -v s="$LEAD_IN_S" -v r="$rate" 'BEGIN { printf "%d", s * r }')
total_frames=$(awk -v s="$LENGTH_S" -v r="$rate" 'BEGIN { printf "%d", s * r }')
speech_frames=$(soxi -s "$work/speech48.wav")
tail_frames=$((total_frames - lead_frames - speech_frames))
if ((tail_frames < 0)); then
    echo "error: the speech ($speech_frames frames) does not fit in ${LENGTH_S} s" >&2
    exit 1
fi
sox -D "$work/speech48.wav" -t wavpcm "$work/clean32.wav" pad "${lead_frames}s" "${tail_frames}s"

mkdir -p assets
python3 scripts/add-demo-noise.py --seed "$SEED" --snr-db "$SNR_DB" \
    "$work/clean32.wav" assets/demo-clean-speech.wav assets/demo-noisy-speech.wav

for f in assets/demo-clean-speech.wav assets/demo-noisy-speech.wav; do
    echo "$f: $(soxi -r "$f") Hz, $(soxi -c "$f") ch, $(soxi -b "$f")-bit, \
$(soxi -D "$f") s, $(stat -c %s "$f") bytes"
done
