"""The sidechain measure shared by scripts/factory_presets.py and tests/daw/ardour.sh (numpy
only): power in time-frequency cells, the cells where a key is loudest and where it is silent,
and a signal's cut over some cells. tests/sidechain.rs measures the same in Rust."""
import numpy as np

RATE = 48000


def cells(x, size=2048, hop=1024):
    """Power in time-frequency cells: frames by third-octave bands from 100 Hz to 16 kHz."""
    edges = 100 * 2 ** (np.arange(23) / 3)
    freqs = np.fft.rfftfreq(size, 1 / RATE)
    window = np.hanning(size + 1)[:-1]
    frames = np.array([x[j:j + size] * window for j in range(0, len(x) - size, hop)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.stack([power[:, (freqs >= lo) & (freqs < hi)].sum(1)
                     for lo, hi in zip(edges[:-1], edges[1:])], axis=1)


def key_masks(key, edge=2):
    """The cells where the key is within 20 dB of its loudest, and where it is 60 dB under
    it in that frame and the two either side; `edge` frames at each end are left out."""
    loudest = key.max()
    strong = key > loudest * 1e-2
    quiet = key < loudest * 1e-6
    silent = np.zeros_like(quiet)
    silent[2:-2] = quiet[:-4] & quiet[1:-3] & quiet[2:-2] & quiet[3:-1] & quiet[4:]
    for mask in (strong, silent):
        mask[:edge] = mask[-edge:] = False
    return strong, silent


def cut_db(before, after, mask):
    """How much quieter `after` is than `before` over the cells of `mask`, in dB."""
    return 10 * np.log10(before[mask].sum() / after[mask].sum())
