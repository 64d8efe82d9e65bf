#!/usr/bin/env bash
# Real-DAW test of the Spectral Mask VST3 in Ardour 7 (Debian's "ardour" package), headless.
#
#   bash tests/daw/ardour.sh "target/bundled/Spectral Mask.vst3" target/daw-ardour
#
# Needs: ardour (ardour7-lua, ardour-vst3-scanner), python3 with numpy. Root, display and sound
# card not needed: ardour7-lua is libardour with the "None (Dummy)" audio backend, and every
# render goes through Ardour's own export engine (Session:simple_export, float32 WAV).
# HOME and the XDG folders point into OUTDIR, so no Ardour configuration of the user is read or
# written. Takes about 35 s (4 s of it a real-time recording). Prints one PASS/FAIL line per check
# and "N passed, N failed"; exits non-zero if any check failed. Logs and renders stay in OUTDIR.
#
# Checks
#   load        the bundle scans and instantiates on a track; Ardour's track latency is the
#               latency the plugin reports
#   automation  a Threshold automation lane (-140 -> +20 dB, Play) is audible in the export:
#               gain ~0 dB in the first eighth, <= -25 dB in the last, never rising
#   latency     plugin track (Reference absolute, Threshold -140: passes everything) + polarity-
#               inverted dry track null to <= -60 dB after the first 0.1 s (where the gate opens
#               with its attack time): Ardour compensated the reported latency exactly
#   reload      the saved session (window size 1024, not the default), reopened in a new process,
#               exports the automated mix identically and reports the saved latency, not the default one
#   blocksize   a static render is identical at engine buffer sizes 32, 64 and 1024
#   silence     at its defaults, on a region that starts after 1.5 s of digital silence in the
#               timeline, the plugin cuts steady noise by more than 10 dB from 2 s after the noise
#               starts
#   sidechain   INFO only: Ardour's sidechain (Route:add_sidechain, a pre-fader send from "T 2",
#               whose take is now the demo's clean speech) keys the plugin on "T 1" in key=duck;
#               prints the cut where the key is loudest and where it is silent, and how much later
#               the cut lines up best. Ardour 7.3 does not delay the key by the plugin's latency
#               (it reads "T 1" that much ahead, "T 2" not: T 2 and its send report latency 0),
#               so the ducking comes one latency (5119 samples at the defaults) after the voice; not a verdict
#               on the plugin, which the clack-host test measures (tests/sidechain.rs).
set -uo pipefail

BUNDLE=$(realpath -e "${1:?usage: ardour.sh BUNDLE.vst3 OUTDIR}") || exit 2
OUT=$(realpath -m "${2:?usage: ardour.sh BUNDLE.vst3 OUTDIR}")
RATE=48000
REC_SECONDS=4          # recorded take = length of the test regions (about 3.9 s)
SILENCE=72000          # samples of digital silence before the region in the "silence" check
PRESET=5e0c3a52-6a0b-4f43-9d5e-2f6f0e0a5a01
SPEECH=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../../assets/demo-clean-speech.wav")
export SM_SCRIPTS=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../../scripts")

PASSED=0
FAILED=0
check() { # name OK|BAD detail
  if [ "$2" = OK ]; then echo "PASS  $1: $3"; PASSED=$((PASSED + 1)); else echo "FAIL  $1: $3"; FAILED=$((FAILED + 1)); fi
}
finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
  exit
}

PY=""
for p in "${SPECTRAL_MASK_PYTHON:-}" /usr/bin/python3 python3; do
  if [ -n "$p" ] && "$p" -c 'import numpy' 2> /dev/null; then PY=$p; break; fi
done
for b in ardour7-lua /usr/lib/ardour7/ardour-vst3-scanner; do
  command -v "$b" > /dev/null || { check setup BAD "$b not found (apt-get install ardour)"; finish; }
done
[ -n "$PY" ] || { check setup BAD "no python3 with numpy (apt-get install python3-numpy)"; finish; }
SO=$(ls "$BUNDLE"/Contents/x86_64-linux/*.so 2> /dev/null | head -1)
[ -n "$SO" ] || { check setup BAD "no Contents/x86_64-linux/*.so in $BUNDLE"; finish; }

rm -rf "$OUT"
mkdir -p "$OUT/home/.config/ardour7/export" "$OUT/home/.cache" "$OUT/home/.local/share" "$OUT/vst3" "$OUT/export" "$OUT/tools"
export HOME=$OUT/home XDG_CONFIG_HOME=$OUT/home/.config XDG_CACHE_HOME=$OUT/home/.cache \
  XDG_DATA_HOME=$OUT/home/.local/share VST3_PATH=$OUT/vst3
unset XDG_CONFIG_DIRS XDG_DATA_DIRS
# Ardour loads the module named after the bundle: link it under the name of the .so inside.
ln -sfn "$BUNDLE" "$OUT/vst3/$(basename "$SO" .so).vst3"
T=$OUT/tools
SESSION=$OUT/session

# A user export preset: float32 WAV (Ardour's "BWAV 32float Export" format), named after the timespan.
cat > "$OUT/home/.config/ardour7/export/sm-float.preset" << EOF
<?xml version="1.0" encoding="UTF-8"?>
<ExportPreset id="$PRESET" name="SM float32 WAV">
  <ExportFormat id="20b4ab09-6452-4cb3-bd66-b921cdbd2942"/>
  <ExportFilename>
    <Folder relative="1" path="export"/>
    <Field name="label" enabled="0"/>
    <Field name="session" enabled="0"/>
    <Field name="snapshot" enabled="0"/>
    <Field name="timespan" enabled="1"/>
    <Field name="revision" enabled="0"/>
    <Field name="time" enabled="0" value="T_None"/>
    <Field name="date" enabled="0" value="D_None"/>
  </ExportFilename>
</ExportPreset>
EOF

cat > "$T/sm.lua" << 'EOF_LUA'
-- One script, several modes (SM_MODE), each run in its own ardour7-lua process.
--  rec      new session, tracks "T 1" and "T 2" (stereo), records SM_REC_SECONDS of input
--  main     plugin on "T 1" with a Threshold automation lane: save, export
--  reload   reopen the saved session, export again
--  null     plugin passing everything + polarity-inverted dry track, export
--  static   plugin at Reference=absolute, Threshold=-45 dBFS (engine buffer size SM_BUFSIZE)
--  silence  region of "T 1" moved to SM_SILENCE samples, plugin at its defaults
--  sidechain  plugin on "T 1" keyed (duck) by "T 2" through Ardour's sidechain, export
local mode = os.getenv("SM_MODE")
local dir, out = os.getenv("SM_SESSION_DIR"), os.getenv("SM_OUT")
local rate = tonumber(os.getenv("SM_RATE"))
local preset = os.getenv("SM_PRESET")

local be = AudioEngine:set_backend("None (Dummy)", "", "")
be:set_device_name("Silence")
be:set_sample_rate(rate)
if os.getenv("SM_BUFSIZE") then be:set_buffer_size(tonumber(os.getenv("SM_BUFSIZE"))) end

local function sleep(s) ARDOUR.LuaAPI.usleep(math.floor(s * 1e6)) end
-- The work is done: the shell script stops waiting for a clean exit from here on (Ardour 7.3 can
-- hang or crash while tearing a session down).
local function done() print("DONE"); io.stdout:flush(); close_session(); quit() end
local function nogroup() return PBD.GroupControlDisposition.NoGroup end

if mode == "rec" then
  assert(create_session(dir, "t", rate), "create_session failed")
  local tl = Session:new_audio_track(2, 2, nil, 2, "T", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
  for t in tl:iter() do t:rec_enable_control():set_value(1, nogroup()) end
  Session:maybe_enable_record(false)
  Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
  sleep(tonumber(os.getenv("SM_REC_SECONDS")))
  Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
  sleep(1.5)
  Session:disable_record(false, false)
  for t in Session:get_tracks():iter() do t:rec_enable_control():set_value(0, nogroup()) end
  sleep(0.2)
  Session:save_state("", false, false, false, false, false)
  for t in Session:get_tracks():iter() do
    for r in t:to_track():playlist():region_list():iter() do
      local ar = r:to_audioregion()
      for c = 0, ar:n_channels() - 1 do
        print(string.format("REGION\t%s\t%d\t%d\t%d\t%s", t:name(), c, r:position():samples(), r:length():samples(), ar:source(c):to_filesource():path()))
      end
    end
  end
  done()
  return -- quit() only ends the interpreter after the script
end

assert(load_session(dir, "t"), "load_session failed")
print("ENGINE buffer size", be:buffer_size())
local t1, t2 = Session:route_by_name("T 1"), Session:route_by_name("T 2")
assert(not t1:isnil() and not t2:isnil(), "tracks missing")
local loc = Session:locations():session_range_location()
local s0, s1 = loc:start():samples(), loc:_end():samples()

local function export(name, from, to)
  local ex = Session:simple_export()
  ex:set_name(name)
  ex:set_folder(out)
  ex:set_range(from or s0, to or s1)
  assert(ex:set_preset(preset), "set_preset failed")
  print("EXPORT", name, ex:run_export())
end

local function solo_t1()
  t1:mute_control():set_value(0, nogroup())
  t2:mute_control():set_value(1, nogroup())
  for c = 0, 1 do t2:phase_control():set_phase_invert(c, false) end
end

if mode == "reload" then
  solo_t1()
  sleep(0.3)
  local p = t1:nth_plugin(0)
  assert(not p:isnil(), "plugin missing after reload")
  print("RELOADED latency", p:signal_latency(), t1:signal_latency())
  export("reloaded")
  done()
  return -- quit() only ends the interpreter after the script
end

if mode == "silence" then
  -- move the region of "T 1" so the timeline holds digital silence before it
  local shift = tonumber(os.getenv("SM_SILENCE"))
  for r in t1:to_track():playlist():region_list():iter() do
    r:set_position(Temporal.timepos_t(r:position():samples() + shift))
  end
  s0, s1 = 0, s1 + shift
end

local p = ARDOUR.LuaAPI.new_plugin(Session, os.getenv("SM_PLUGIN"), ARDOUR.PluginType.VST3, "")
assert(not p:isnil(), "plugin not found: " .. os.getenv("SM_PLUGIN"))
assert(t1:add_processor_by_index(p, 0, nil, true) == 0, "add_processor failed")
local plug = p:to_insert():plugin(0)
-- LuaAPI's parameter calls take an index over the control inputs: map labels to it
local which, param_id = {}, {}
for w = 0, plug:parameter_count() - 1 do
  local j, ok = plug:nth_parameter(w, true)
  if type(ok) == "table" then ok = ok[2] end
  if ok and plug:parameter_is_control(j) and plug:parameter_is_input(j) then
    which[string.lower(plug:parameter_label(j))] = w
    param_id[string.lower(plug:parameter_label(j))] = j
  end
end
local function set(label, value)
  local w = which[string.lower(label)]
  assert(w, "no parameter " .. label)
  assert(ARDOUR.LuaAPI.set_processor_param(p, w, value), "cannot set " .. label)
end
solo_t1()
sleep(0.3)
print("LATENCY", p:signal_latency(), t1:signal_latency())

if mode == "static" then
  set("Reference", 0)
  set("Threshold", -45)
  sleep(0.2)
  export("static")
elseif mode == "silence" then
  export("silence")
elseif mode == "null" then
  set("Reference", 0)
  set("Threshold", -140)
  t2:mute_control():set_value(0, nogroup())
  for c = 0, 1 do t2:phase_control():set_phase_invert(c, true) end
  sleep(0.3)
  export("null")
elseif mode == "sidechain" then
  -- the sidechain ducker's settings (key duck, soft, -80 dBFS, floor -30 dB, release 80 ms)
  set("Key", 2)
  set("Reference", 0)
  set("Mode", 1)
  set("Threshold", -80)
  set("Floor", -30)
  set("Release", 80)
  assert(t1:add_sidechain(p), "add_sidechain failed")
  local send = ARDOUR.LuaAPI.new_send(Session, t2, t2:amp())
  assert(not send:isnil(), "new_send failed")
  local from, to = send:to_send():output(), p:to_plugininsert():sidechain_input()
  for c = 0, 1 do
    assert(from:nth(c):connect(to:nth(c):name()) == 0, "connecting the sidechain failed")
  end
  -- "T 2" reaches the plugin only, through its pre-fader send
  t2:mute_control():set_value(0, nogroup())
  t2:gain_control():set_value(0, nogroup())
  sleep(0.3)
  print("SIDECHAIN latency T 1", t1:signal_latency(), "T 2", t2:signal_latency(), "send", send:signal_latency())
  export("sidechain")
elseif mode == "main" then
  set("Reference", 0)
  -- A window size other than the default's, so the reopened session has to restore a latency
  -- of its own (N = 1024: 2559 samples at the default padding 4) rather than the defaults'.
  set("Window Size", 10)
  sleep(0.3)
  print("SAVED latency", p:signal_latency(), t1:signal_latency())
  -- Threshold automation, -140 -> +20 dB (its whole range) across the session, in Play mode
  local al, cl = ARDOUR.LuaAPI.plugin_automation(p, which["threshold"])
  assert(not al:isnil(), "no automation list")
  cl:clear_list()
  for i = 0, 64 do
    cl:add(Temporal.timepos_t(s0 + math.floor((s1 - s0) * i / 64)), -140 + 160 * i / 64, false, false)
  end
  local ac = p:to_automatable():automation_control(
    Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, param_id["threshold"]), false)
  assert(not ac:isnil(), "no automation control")
  ac:set_automation_state(ARDOUR.AutoState.Play)
  sleep(0.3)
  -- Saved before exporting, and one export per process: Ardour 7.3 (with any plugin) now and
  -- then corrupts its heap while exporting and then crashes in a later export or at exit.
  Session:save_state("", false, false, false, false, false)
  export("automation")
end
done()
EOF_LUA

cat > "$T/audio.py" << 'EOF_PY'
"""audio.py input LEN STEREO.wav CH:MONO.wav...: writes LEN samples of seeded stereo test noise
(float32 WAV) to STEREO.wav, and channel CH of it to each MONO.wav (the recorded takes' files).
audio.py KIND args...: one check, printing "OK detail" or "BAD detail" (NaN fails every check)."""
import os
import struct
import sys

import numpy as np


def read(path):
    data = open(path, "rb").read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", path
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, ch, _, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            fmt = (tag, ch, bits)
        elif cid == b"data":
            pcm = body
        pos += 8 + size + (size & 1)
    tag, ch, bits = fmt
    assert bits == 32 and tag in (3, 0xFFFE), f"{path}: not float32"
    return np.frombuffer(pcm, dtype="<f4").astype(np.float64).reshape(-1, ch)


def write(path, x):
    x = np.ascontiguousarray(x, dtype="<f4")
    if x.ndim == 1:
        x = x[:, None]
    ch, data = x.shape[1], x.tobytes()
    head = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 3, ch,
                       48000, 48000 * ch * 4, ch * 4, 32, b"data", len(data))
    open(path, "wb").write(head + data)


def db(v):
    return 20 * np.log10(max(float(v), 1e-15))


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if np.size(x) else 0.0


def main(kind, a):
    if kind == "input":
        n, paths = int(a[0]), a[1:]
        # Gaussian white noise, -20 dBFS RMS per channel, the same every run
        x = np.clip(np.random.default_rng(7).normal(0.0, 0.1, (n, 2)), -0.9, 0.9)
        write(paths[0], x)
        for p in paths[1:]:
            ch, path = p.split(":", 1)
            write(path, x[:, int(ch)])
        return "OK"
    if kind == "key":  # LEN SPEECH.wav KEY.wav CH:MONO.wav...: the first LEN samples of speech
        import wave
        n, speech, paths = int(a[0]), wave.open(a[1]), a[2:]
        assert speech.getsampwidth() == 2 and speech.getframerate() == 48000, a[1]
        pcm = np.frombuffer(speech.readframes(n), dtype="<i2").reshape(-1, speech.getnchannels())
        key = np.zeros(n)
        key[:len(pcm)] = pcm[:, 0] / 32768.0
        write(paths[0], np.stack([key, key], axis=1))
        for p in paths[1:]:
            write(p.split(":", 1)[1], key)
        return "OK"
    ref = read(a[0])
    y = read(a[1])[:, :ref.shape[1]] if len(a) > 1 else None
    edge = 256  # Ardour's 64-sample region fades
    if kind == "automation":  # REF OUT: gain per eighth of the render
        n = len(ref) // 8
        g = [db(rms(y[i * n:(i + 1) * n])) - db(rms(ref[i * n:(i + 1) * n])) for i in range(8)]
        ok = g[0] > -1 and g[7] <= -25 and all(g[i + 1] <= g[i] + 0.5 for i in range(7))
        return ("OK" if ok else "BAD") + " gain per eighth " + " ".join(f"{v:.1f}" for v in g) + " dB"
    if kind == "null":  # REF MIX: level of the mix relative to the input, after the first 0.1 s
        # (the gate opens on the region's first samples with its attack time, after silence)
        r0 = db(rms(y[:4800])) - db(rms(ref))
        r = db(rms(y[4800:-edge])) - db(rms(ref))
        return ("OK" if r <= -60 else "BAD") + f" residual {r:.1f} dB after the first 0.1 s (limit -60; first 0.1 s {r0:.1f} dB)"
    if kind == "same":  # A B: B minus A relative to A
        n = len(ref)
        if len(y) != n:
            return f"BAD lengths differ: {n} vs {len(y)}"
        r = db(rms(y[edge:n - edge] - ref[edge:n - edge])) - db(rms(ref[:n]))
        return ("OK" if r <= -100 else "BAD") + f" residual {r:.1f} dB"
    if kind == "sidechain":  # REF OUT KEY: the cut where the key is loudest and where silent
        sys.path.insert(0, os.environ["SM_SCRIPTS"])
        from key_cells import cells, cut_db, key_masks
        k, i, o = (cells(x[:, 0]) for x in (read(a[2]), ref, y))
        strong, silent = key_masks(k, edge=8)

        def cut(mask, late=0):  # with the key's cells taken `late` frames later
            return cut_db(i, o, np.roll(mask, late, axis=0))
        under, elsewhere = cut(strong), cut(silent)
        best = max(range(0, 6), key=lambda late: cut(strong, late))
        return (f"OK key=duck cuts the noise {under:.1f} dB where the key is loudest, "
                f"{elsewhere:.1f} dB where it is silent; {cut(strong, best):.1f} dB where it was "
                f"loudest {best * 1024} samples earlier")
    if kind == "silence":  # REF OUT START: the noise starts at START; gain from 2 s later on
        start, skip = int(a[2]), 2 * 48000
        n = min(len(ref), len(y) - start) - edge
        g = db(rms(y[start + skip:start + n])) - db(rms(ref[skip:n]))
        return ("OK" if g < -10 else "BAD") + f" gain {g:.1f} dB on noise from 2 s after it starts (want < -10)"
    raise SystemExit(f"unknown kind {kind}")


if __name__ == "__main__":
    try:
        print(main(sys.argv[1], sys.argv[2:]))
    except Exception as e:  # a missing or broken render is a failed check, not a crash
        print(f"BAD {type(e).__name__}: {e}")
EOF_PY

ardour() { # LOG, then env assignments: one render, tried up to three times
  # Ardour 7.3's own heap corruption sometimes kills it before a render is written (its
  # bundled plugins too): that is the DAW's crash, not a verdict on the plugin, so try again.
  local attempt
  for attempt in 1 2 3; do
    ardour_once "$@"
    grep -q '^DONE' "$OUT/$1.log" && return
    cp "$OUT/$1.log" "$OUT/$1.attempt$attempt.log"
    # A render starts from the pristine session; the reopened one is the one "main" saved.
    [ -f "$OUT/t.ardour.pristine" ] && [ "$1" != reload ] && pristine
  done
}
ardour_once() { # LOG, then env assignments: one ardour7-lua process
  local log=$1; shift
  : > "$OUT/$log.log"
  ( # in a subshell, so that a crash is reported in the log rather than on the terminal
    env "$@" SM_SESSION_DIR="$SESSION" SM_RATE=$RATE SM_PRESET=$PRESET SM_PLUGIN="$PLUG" \
      nice -n 10 ardour7-lua "$T/sm.lua" &
    echo $! > "$OUT/$log.pid"
    wait $!
    echo "ardour7-lua exit status $?"
  ) >> "$OUT/$log.log" 2>&1 &
  local sub=$! ticks=0 left=-1 pid=""
  while [ -z "$pid" ] && kill -0 "$sub" 2> /dev/null; do pid=$(cat "$OUT/$log.pid" 2> /dev/null); sleep 0.1; done
  # Once the script prints DONE its files are written; Ardour 7.3 sometimes hangs or crashes while
  # tearing the session down, so it gets 10 s for that and is then stopped. 120 s at most in all.
  while [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; do
    if [ "$left" -lt 0 ] && grep -q '^DONE' "$OUT/$log.log"; then left=20; fi
    if [ "$left" = 0 ] || [ "$ticks" -ge 240 ]; then kill -9 "$pid" 2> /dev/null; break; fi
    [ "$left" -gt 0 ] && left=$((left - 1))
    ticks=$((ticks + 1))
    sleep 0.5
  done
  wait "$sub" 2> /dev/null
}
m() { "$PY" "$T/audio.py" "$@"; }
verdict() { echo "${1%% *}"; }
detail() { case "$1" in *" "*) echo "${1#* }" ;; *) echo "" ;; esac; }

# scan: luasession only reads the scanner's cache
LD_LIBRARY_PATH=/usr/lib/ardour7 nice -n 10 /usr/lib/ardour7/ardour-vst3-scanner -v -f "$OUT/vst3/$(basename "$SO" .so).vst3" > "$OUT/scan.log" 2>&1
PLUG=$(grep -o -E '<VST3Info [^>]*' "$OUT/scan.log" | head -1 | sed -E 's/.* name="([^"]*)".*/\1/')
[ -n "$PLUG" ] || { check load BAD "ardour-vst3-scanner found no plugin in $BUNDLE (see $OUT/scan.log)"; finish; }

# session with two stereo tracks and recorded takes, whose files are then replaced by the test noise
ardour rec SM_MODE=rec SM_REC_SECONDS=$REC_SECONDS
LEN=$(grep -m1 '^REGION' "$OUT/rec.log" | cut -f5)
[ -n "$LEN" ] || { check load BAD "recording made no region (see $OUT/rec.log)"; finish; }
mapfile -t SOURCES < <(grep '^REGION' "$OUT/rec.log" | awk -F'\t' '{print $3 ":" $6}')
m input "$LEN" "$OUT/input.wav" "${SOURCES[@]}" > /dev/null
cp "$SESSION/t.ardour" "$OUT/t.ardour.pristine"
pristine() { cp "$OUT/t.ardour.pristine" "$SESSION/t.ardour"; }

# static renders at three engine buffer sizes, and the defaults after silence (none of them saves)
for bs in 32 64 1024; do
  pristine
  ardour "static$bs" SM_MODE=static SM_BUFSIZE=$bs SM_OUT="$OUT/export/bs$bs"
done
pristine
ardour silence SM_MODE=silence SM_SILENCE=$SILENCE SM_OUT="$OUT/export/silence"

pristine
ardour null SM_MODE=null SM_OUT="$OUT/export/null"

# automation, then the saved session reopened
pristine
ardour main SM_MODE=main SM_OUT="$OUT/export/main"
ardour reload SM_MODE=reload SM_OUT="$OUT/export/reload"

# last, as it rewrites the take of "T 2": the key, routed through Ardour's sidechain
mapfile -t KEY_SOURCES < <(grep '^REGION' "$OUT/rec.log" | awk -F'\t' '$2 == "T 2" {print $3 ":" $6}')
m key "$LEN" "$SPEECH" "$OUT/key.wav" "${KEY_SOURCES[@]}" > /dev/null
pristine
ardour sidechain SM_MODE=sidechain SM_OUT="$OUT/export/sidechain"

read -r _ PLAT TLAT < <(grep -m1 '^LATENCY' "$OUT/main.log")
if [ -n "${PLAT:-}" ] && [ "$PLAT" -gt 0 ] && [ "$PLAT" = "$TLAT" ]; then
  check load OK "'$PLUG' on a track in Ardour $(ardour7-lua -V 2> /dev/null | head -1 | awk '{print $NF}'), latency $PLAT samples, track latency $TLAT"
else
  check load BAD "plugin latency '${PLAT:-none}', track latency '${TLAT:-none}' (see $OUT/main.log)"
fi
R=$(m automation "$OUT/input.wav" "$OUT/export/main/automation.wav")
check automation "$(verdict "$R")" "Threshold -140 -> +20 dB lane: $(detail "$R")"
R=$(m null "$OUT/input.wav" "$OUT/export/null/null.wav")
check latency "$(verdict "$R")" "plugin track + inverted dry track: $(detail "$R")"
R=$(m same "$OUT/export/main/automation.wav" "$OUT/export/reload/reloaded.wav")
read -r _ _ SLAT _ < <(grep -m1 '^SAVED latency' "$OUT/main.log")
read -r _ _ RLAT RTLAT < <(grep -m1 '^RELOADED latency' "$OUT/reload.log")
V=$(verdict "$R")
if [ -z "${SLAT:-}" ] || [ "$SLAT" = "${PLAT:-}" ] || [ "${RLAT:-}" != "$SLAT" ] || [ "${RTLAT:-}" != "$SLAT" ]; then V=BAD; fi
check reload "$V" "reopened session (window 1024) vs. before saving: $(detail "$R"); latency saved ${SLAT:-none}, reopened ${RLAT:-none} (track ${RTLAT:-none})"
R32=$(m same "$OUT/export/bs1024/static.wav" "$OUT/export/bs32/static.wav")
R64=$(m same "$OUT/export/bs1024/static.wav" "$OUT/export/bs64/static.wav")
[ "$(verdict "$R32")" = OK ] && [ "$(verdict "$R64")" = OK ] && V=OK || V=BAD
check blocksize "$V" "vs. 1024 samples per cycle: 32 $(detail "$R32"), 64 $(detail "$R64") (limit -100)"
R=$(m silence "$OUT/input.wav" "$OUT/export/silence/silence.wav" "$SILENCE")
check silence "$(verdict "$R")" "defaults: $(detail "$R")"
R=$(m sidechain "$OUT/input.wav" "$OUT/export/sidechain/sidechain.wav" "$OUT/key.wav")
echo "INFO  sidechain: $(detail "$R")"
finish
