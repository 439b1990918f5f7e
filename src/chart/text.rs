//! Text on charts: the compiled-in font (a Hangul-complete NanumGothic subset), label cleaning, measuring,
//! truncation and drawing.
//!
//! Labels come from query results, so from event fields an attacker may control. They are only ever drawn as
//! glyphs: control characters become spaces, characters the font lacks become a visible `□`, and long labels are
//! cut to a character budget and then to a pixel width with `…`.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use tiny_skia::{Pixmap, PremultipliedColorU8};

/// The font's bytes (see `assets/fonts/README.md` for how the subset was made and its licence).
pub const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/AsklakeGothic-Regular.ttf");

/// Drawn in place of any character the font has no glyph for.
pub const FALLBACK: char = '□';

/// Characters kept from a label before it is measured; a label is never longer than a chart is wide anyway.
pub const MAX_LABEL_CHARS: usize = 200;

/// An opaque RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// The parsed compiled-in font.
pub fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("the compiled-in font parses"))
}

/// Whether the font has a real glyph (not `.notdef`) for `c`.
pub fn has_glyph(c: char) -> bool {
    font().glyph_id(c).0 != 0
}

/// `raw` as it will be drawn: at most [`MAX_LABEL_CHARS`] characters, control characters (newlines included) as
/// spaces, characters without a glyph as [`FALLBACK`].
pub fn clean(raw: &str) -> String {
    raw.chars()
        .take(MAX_LABEL_CHARS)
        .map(|c| {
            if c.is_control() {
                ' '
            } else if has_glyph(c) {
                c
            } else {
                FALLBACK
            }
        })
        .collect()
}

/// Width in pixels of already cleaned `text` at `size` px.
pub fn width(text: &str, size: f32) -> f32 {
    let scaled = font().as_scaled(PxScale::from(size));
    let mut prev: Option<GlyphId> = None;
    let mut w = 0.0;
    for c in text.chars() {
        let id = font().glyph_id(c);
        if let Some(p) = prev {
            w += scaled.kern(p, id);
        }
        w += scaled.h_advance(id);
        prev = Some(id);
    }
    w
}

/// `raw` cleaned and, when wider than `max_width` px at `size`, cut short with a trailing `…`.
pub fn fit(raw: &str, size: f32, max_width: f32) -> String {
    let text = clean(raw);
    if width(&text, size) <= max_width {
        return text;
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    // The longest prefix that still fits with the ellipsis (binary search: width grows with the prefix).
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().chain(['…'].iter()).collect();
        if width(&candidate, size) <= max_width { lo = mid } else { hi = mid - 1 }
    }
    chars[..lo].iter().chain(['…'].iter()).collect()
}

/// Where a line of text sits horizontally relative to the given x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// The text starts at x.
    Left,
    /// The text is centred on x.
    Center,
    /// The text ends at x.
    Right,
}

/// Draws cleaned `text` with its baseline at `baseline`, aligned on `x`; returns the drawn width.
pub fn draw(pixmap: &mut Pixmap, text: &str, x: f32, baseline: f32, size: f32, align: Align, color: Rgb) -> f32 {
    let total = width(text, size);
    let mut caret = match align {
        Align::Left => x,
        Align::Center => x - total / 2.0,
        Align::Right => x - total,
    };
    let scaled = font().as_scaled(PxScale::from(size));
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = font().glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        draw_glyph(pixmap, id, caret, baseline, size, color);
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    total
}

/// Rasterises one glyph by id (id 0 is the font's `.notdef`) onto an opaque pixmap.
pub fn draw_glyph(pixmap: &mut Pixmap, id: GlyphId, x: f32, baseline: f32, size: f32, color: Rgb) {
    let glyph = id.with_scale_and_position(PxScale::from(size), point(x, baseline));
    let Some(outlined) = font().outline_glyph(glyph) else { return };
    let bounds = outlined.px_bounds();
    let (w, h) = (pixmap.width() as i64, pixmap.height() as i64);
    let pixels = pixmap.pixels_mut();
    outlined.draw(|gx, gy, coverage| {
        let px = bounds.min.x as i64 + i64::from(gx);
        let py = bounds.min.y as i64 + i64::from(gy);
        if px < 0 || py < 0 || px >= w || py >= h {
            return;
        }
        let pixel = &mut pixels[(py * w + px) as usize];
        *pixel = blend(*pixel, color, coverage.clamp(0.0, 1.0));
    });
}

/// `color` over an opaque pixel with the given coverage.
fn blend(under: PremultipliedColorU8, color: Rgb, a: f32) -> PremultipliedColorU8 {
    let mix = |u: u8, c: u8| (f32::from(u) * (1.0 - a) + f32::from(c) * a).round() as u8;
    PremultipliedColorU8::from_rgba(
        mix(under.red(), color.0),
        mix(under.green(), color.1),
        mix(under.blue(), color.2),
        255,
    )
    .expect("opaque colours are valid premultiplied colours")
}
