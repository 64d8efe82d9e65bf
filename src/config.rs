//! Tuning constants, each with the reason for its value.

/// Smallest analysis window N: below this the frequency resolution (188 Hz at 48 kHz)
/// is too coarse for a gate to tell a harmonic from the noise between harmonics.
pub const MIN_WINDOW_SIZE: usize = 256;
/// Largest analysis window N: 171 ms at 48 kHz; beyond it the time smearing of a gate is
/// audible on anything but stationary tones.
pub const MAX_WINDOW_SIZE: usize = 8192;
/// Largest padding ratio P = M / N (DESIGN.md: 1, 2, 4, 8).
pub const MAX_PADDING_RATIO: usize = 8;
/// Largest transform size M, what every buffer is sized for.
pub const MAX_TRANSFORM_SIZE: usize = MAX_WINDOW_SIZE * MAX_PADDING_RATIO;
/// Frames overlap four times: Hann and Hamming add to a constant at N/4 and Blackman needs
/// a hop of at most N/3 (DESIGN.md item 6), so one hop serves all three windows.
pub const OVERLAP: usize = 4;
/// Samples over which the output fades out before a window-size, padding or window change
/// (5.3 ms at 48 kHz): long enough not to click, short enough to feel immediate.
pub const SWITCH_FADE_SAMPLES: usize = 256;
/// Largest latency any geometry has: `N - 1 + (M - N) / 2` at the largest N and P.
pub const MAX_LATENCY: usize = MAX_WINDOW_SIZE - 1 + (MAX_TRANSFORM_SIZE - MAX_WINDOW_SIZE) / 2;
/// The processor works in pieces of at most this many samples, so the bypass delay line
/// needs to hold only `MAX_LATENCY` plus one piece.
pub const MAX_PIECE: usize = 8192;
/// Bypass crossfade (10 ms): long enough that switching never clicks, short enough that it
/// feels immediate.
pub const BYPASS_FADE_S: f32 = 0.01;
