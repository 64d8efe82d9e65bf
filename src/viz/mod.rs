//! What the two spectrogram pictures are made of, the editor's and the command line's PNG:
//! the log-frequency band grid and the folding of a frame's bins into it ([`bands`]), the
//! colour maps ([`colormap`]) and the scales that map levels and gains onto them. Free of
//! egui, so the command line draws with the same code and no GUI.

pub mod bands;
pub mod colormap;

/// The mask view spans gains from -48 dB (darkest) to 0 dB (lightest): deeper cuts than
/// that all read as "removed".
pub const MASK_RANGE_DB: f32 = 48.0;

/// A linear gain in dB, floored at -120 dB so a gain of 0 stays drawable.
pub fn gain_db(gain: f32) -> f32 {
    20.0 * gain.abs().max(1e-6).log10()
}

/// Where `value` sits between `low` and `high`, 0..=1 (clamped), for a colour map.
pub fn unit_position(value: f32, low: f32, high: f32) -> f32 {
    ((value - low) / (high - low).max(f32::EPSILON)).clamp(0.0, 1.0)
}

/// A mask gain's position on the mask colour scale.
pub fn mask_position(gain: f32) -> f32 {
    unit_position(gain_db(gain), -MASK_RANGE_DB, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_map_their_range_onto_zero_to_one() {
        assert_eq!(unit_position(-50.0, -100.0, 0.0), 0.5);
        assert_eq!(unit_position(10.0, -100.0, 0.0), 1.0);
        assert_eq!(mask_position(1.0), 1.0);
        assert_eq!(mask_position(0.0), 0.0);
        assert!((mask_position(10f32.powf(-24.0 / 20.0)) - 0.5).abs() < 1e-5);
        assert_eq!(gain_db(0.0), -120.0);
    }
}
