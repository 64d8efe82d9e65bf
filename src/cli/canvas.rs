//! An RGB picture to draw a labelled chart into: rectangles, lines and text. Glyphs come
//! from ab_glyph with the editor's own font (Ubuntu Light, from egui's default fonts), so
//! the PNG reads like the editor.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

use spectral_mask::viz::colormap::Rgb;

/// Where a text's anchor point is on the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Left end, vertically centred.
    Left,
    /// Right end, vertically centred.
    Right,
    /// Horizontal centre, top.
    Top,
}

pub struct Canvas {
    pub width: usize,
    pub height: usize,
    /// RGB, top row first.
    pub pixels: Vec<u8>,
    font: FontRef<'static>,
}

impl Canvas {
    /// A `width` x `height` picture filled with `background`.
    pub fn new(width: usize, height: usize, background: Rgb) -> Self {
        let font = FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT)
            .expect("egui's bundled font parses");
        Self {
            width,
            height,
            pixels: background.repeat(width * height),
            font,
        }
    }

    pub fn set(&mut self, x: usize, y: usize, rgb: Rgb) {
        if x < self.width && y < self.height {
            let at = 3 * (y * self.width + x);
            self.pixels[at..at + 3].copy_from_slice(&rgb);
        }
    }

    /// Mixes `rgb` over the pixel at `(x, y)` by `coverage` (0..=1).
    fn blend(&mut self, x: i64, y: i64, rgb: Rgb, coverage: f32) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let at = 3 * (y as usize * self.width + x as usize);
        let a = coverage.clamp(0.0, 1.0);
        for (pixel, &c) in self.pixels[at..at + 3].iter_mut().zip(&rgb) {
            *pixel = (*pixel as f32 + a * (c as f32 - *pixel as f32)).round() as u8;
        }
    }

    pub fn fill(&mut self, x: usize, y: usize, width: usize, height: usize, rgb: Rgb) {
        for row in y..(y + height).min(self.height) {
            for column in x..(x + width).min(self.width) {
                self.set(column, row, rgb);
            }
        }
    }

    /// A one-pixel rectangle outline around `x..x + width`, `y..y + height`.
    pub fn frame(&mut self, x: usize, y: usize, width: usize, height: usize, rgb: Rgb) {
        let (left, top) = (x.saturating_sub(1), y.saturating_sub(1));
        self.fill(left, top, width + 2, 1, rgb);
        self.fill(left, y + height, width + 2, 1, rgb);
        self.fill(left, top, 1, height + 2, rgb);
        self.fill(x + width, top, 1, height + 2, rgb);
    }

    /// Width of `text` in pixels at `size` px.
    pub fn text_width(&self, text: &str, size: f32) -> f32 {
        let font = self.font.as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                width += font.kern(previous, id);
            }
            width += font.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// Draws `text` at `size` px with its `anchor` at `(x, y)`.
    pub fn text(&mut self, text: &str, x: f32, y: f32, size: f32, anchor: Anchor, rgb: Rgb) {
        let scale = PxScale::from(size);
        let font = self.font.as_scaled(scale);
        let width = self.text_width(text, size);
        let (left, baseline) = match anchor {
            Anchor::Left => (x, y + 0.5 * (font.ascent() + font.descent())),
            Anchor::Right => (x - width, y + 0.5 * (font.ascent() + font.descent())),
            Anchor::Top => (x - 0.5 * width, y + font.ascent()),
        };
        let mut caret = left;
        let mut previous = None;
        let mut outlines = Vec::new();
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                caret += font.kern(previous, id);
            }
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(caret, baseline));
            caret += font.h_advance(id);
            previous = Some(id);
            outlines.extend(self.font.outline_glyph(glyph));
        }
        for outline in outlines {
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                self.blend(
                    bounds.min.x as i64 + gx as i64,
                    bounds.min.y as i64 + gy as i64,
                    rgb,
                    coverage,
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_where_it_is_anchored() {
        let mut canvas = Canvas::new(120, 40, [0, 0, 0]);
        canvas.text("10 kHz", 60.0, 20.0, 14.0, Anchor::Right, [255, 255, 255]);
        let lit = |x0: usize, x1: usize| {
            (0..40).any(|y| (x0..x1).any(|x| canvas.pixels[3 * (y * 120 + x)] > 128))
        };
        assert!(lit(20, 60), "the text is left of its right anchor");
        assert!(!lit(61, 120), "nothing right of it");
        assert!(canvas.text_width("10 kHz", 14.0) > 30.0);
    }
}
