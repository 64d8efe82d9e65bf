"""Drives the Spectral Mask VST3 bundle through pedalboard for tests/vst3_host.rs.

    python tests/vst3_host.py PLUGIN.vst3 IN.wav OUT.wav [--set NAME=VALUE]... [--cpu-runs N]

Loads the plugin, sets parameters by pedalboard's names for them (the display name plus the
unit in lower_snake_case: `threshold_db`, `mode`, `window_size`, ...), renders IN.wav to
OUT.wav (32-bit float, pedalboard compensating the latency the plugin reports) and, with
--cpu-runs, times a fresh instance at its defaults on 10 s of stereo noise at 48 kHz.

Prints one JSON object on stdout: parameter names with their types and valid values, the
reported latency, and the CPU figures.
"""

import argparse
import json
import math
import statistics
import sys
import time

import numpy as np
import pedalboard
import soundfile


def describe(plugin):
    parameters = {}
    for name, parameter in plugin.parameters.items():
        kind = parameter.type.__name__
        entry = {"type": kind, "display_name": parameter.name}
        if kind in ("str", "bool"):
            entry["values"] = [str(value) for value in parameter.valid_values]
        else:
            # JSON has no infinity; the floor's minimum reads "-inf".
            entry["range"] = [json_number(parameter.min_value), json_number(parameter.max_value)]
        parameters[name] = entry
    return parameters


def json_number(value):
    return value if math.isfinite(value) else str(value)


def typed_value(parameter, text):
    """A value of the type pedalboard expects for this parameter."""
    if parameter.type is float:
        return float(text)
    if parameter.type is bool:
        return text.lower() in ("on", "true", "1", "yes")
    return text


def cpu_per_second(path, runs):
    sample_rate = 48000
    seconds = 10.0
    rng = np.random.default_rng(3)
    audio = (0.1 * rng.standard_normal((2, int(sample_rate * seconds)))).astype(np.float32)
    plugin = pedalboard.load_plugin(path)
    plugin.process(audio[:, :sample_rate], sample_rate)  # warm-up: activation, plans
    figures = []
    for _ in range(runs):
        start = time.process_time()
        plugin.process(audio, sample_rate)
        figures.append((time.process_time() - start) / seconds)
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("plugin")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--cpu-runs", type=int, default=0)
    args = parser.parse_args()

    plugin = pedalboard.load_plugin(args.plugin)
    parameters = plugin.parameters
    for assignment in args.set:
        name, _, text = assignment.partition("=")
        if name not in parameters:
            sys.exit(f"no parameter '{name}'; the plugin has: {', '.join(parameters)}")
        setattr(plugin, name, typed_value(parameters[name], text))

    audio, sample_rate = soundfile.read(args.input, dtype="float32", always_2d=True)
    output = plugin.process(audio.T.copy(), sample_rate)
    soundfile.write(args.output, output.T, sample_rate, subtype="FLOAT")

    report = {
        "parameters": describe(plugin),
        "values": {name: str(getattr(plugin, name)) for name in parameters},
        "reported_latency_samples": plugin.reported_latency_samples,
        "frames_in": audio.shape[0],
        "frames_out": output.shape[1],
    }
    if args.cpu_runs:
        figures = cpu_per_second(args.plugin, args.cpu_runs)
        report["cpu_per_second"] = figures
        report["cpu_per_second_median"] = statistics.median(figures)
    print(json.dumps(report, allow_nan=False))


if __name__ == "__main__":
    main()
