//! The embedded font every chart's text is set in.
//!
//! DejaVu Sans, subset to Latin-1 and the few symbols the charts use (how, and the licence, in
//! `server/assets/fonts/LICENSE-DejaVu.txt`). Embedding it makes a chart independent of the
//! machine: plotters measures text with these metrics when it lays a chart out, the PNG is
//! rasterised from these outlines, and the HTML page and standalone SVG files carry the same face
//! as a web font, so nothing looks fonts up at run time.

use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plotters::style::{register_font, FontStyle};

/// The family name the font is registered under with plotters. The SVG backend copies it verbatim
/// into `font-family`, so it is also a valid CSS font list: the embedded face, then any sans-serif.
pub(crate) const FAMILY: &str = "DejaVu Sans, sans-serif";

/// The family the `@font-face` rule declares; the first entry of [`FAMILY`].
const FACE: &str = "DejaVu Sans";

static BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

/// Height above the baseline of the font's ascent, in em (hhea: 1901 of 2048 units).
pub(crate) const ASCENT: f64 = 1901.0 / 2048.0;
/// Depth below the baseline of the font's descent, in em (hhea: 483 of 2048 units).
pub(crate) const DESCENT: f64 = 483.0 / 2048.0;
/// Height of capitals and digits, in em (the outline of `H`: 1493 of 2048 units); text is centred
/// on a point by this, so that a tick label sits level with its tick.
pub(crate) const CAP_HEIGHT: f64 = 1493.0 / 2048.0;

/// Registers the embedded font with plotters under [`FAMILY`]. plotters' text measurement and
/// rasterisation fail without it, so every chart calls this first; only the first call registers.
pub(crate) fn register() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, BYTES).is_ok()) {
        Ok(())
    } else {
        Err(anyhow!("the embedded chart font (DejaVu Sans) could not be loaded"))
    }
}

/// The left side bearing of `c`'s glyph, in em: how far right of the pen position its outline
/// starts. plotters' rasteriser draws every glyph's outline at the pen position, dropping this, so
/// the PNG path adds it back to set letters as evenly as a browser does. Zero for characters the
/// font lacks or when its tables cannot be read.
pub(crate) fn left_bearing(c: char) -> f64 {
    glyph_of(c).and_then(bearing_of).map_or(0.0, |units| f64::from(units) / f64::from(units_per_em().unwrap_or(2048)))
}

fn table(tag: &[u8; 4]) -> Option<&'static [u8]> {
    let count = usize::from(read_u16(BYTES, 4)?);
    (0..count).find_map(|i| {
        let record = BYTES.get(12 + 16 * i..28 + 16 * i)?;
        if &record[..4] != tag {
            return None;
        }
        let offset = read_u32(record, 8)? as usize;
        let length = read_u32(record, 12)? as usize;
        BYTES.get(offset..offset.checked_add(length)?)
    })
}

fn read_u16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([*data.get(at)?, *data.get(at + 1)?, *data.get(at + 2)?, *data.get(at + 3)?]))
}

fn units_per_em() -> Option<u16> {
    read_u16(table(b"head")?, 18).filter(|&u| u > 0)
}

/// The glyph of `c` from the Windows Unicode BMP cmap subtable (format 4).
fn glyph_of(c: char) -> Option<u16> {
    let code = u16::try_from(u32::from(c)).ok()?;
    let cmap = table(b"cmap")?;
    let subtable = (0..usize::from(read_u16(cmap, 2)?)).find_map(|i| {
        let record = 4 + 8 * i;
        let windows_unicode = read_u16(cmap, record)? == 3 && read_u16(cmap, record + 2)? == 1;
        let offset = read_u32(cmap, record + 4)? as usize;
        (windows_unicode && read_u16(cmap, offset)? == 4).then_some(offset)
    })?;
    let segments = usize::from(read_u16(cmap, subtable + 6)? / 2);
    let ends = subtable + 14;
    let starts = ends + 2 * segments + 2;
    let deltas = starts + 2 * segments;
    let range_offsets = deltas + 2 * segments;
    for segment in 0..segments {
        if read_u16(cmap, ends + 2 * segment)? < code {
            continue;
        }
        let start = read_u16(cmap, starts + 2 * segment)?;
        if start > code {
            return None;
        }
        let delta = read_u16(cmap, deltas + 2 * segment)?;
        let range_offset_at = range_offsets + 2 * segment;
        let range_offset = usize::from(read_u16(cmap, range_offset_at)?);
        if range_offset == 0 {
            return Some(code.wrapping_add(delta));
        }
        let glyph = read_u16(cmap, range_offset_at + range_offset + 2 * usize::from(code - start))?;
        return (glyph != 0).then(|| glyph.wrapping_add(delta));
    }
    None
}

fn bearing_of(glyph: u16) -> Option<i16> {
    let metrics = usize::from(read_u16(table(b"hhea")?, 34)?);
    let hmtx = table(b"hmtx")?;
    let glyph = usize::from(glyph);
    let at = if glyph < metrics { 4 * glyph + 2 } else { 4 * metrics + 2 * (glyph - metrics) };
    read_u16(hmtx, at).map(|v| v as i16)
}

/// A CSS `@font-face` rule carrying the embedded font, for the HTML page (once) and for SVG files
/// opened on their own.
pub(crate) fn font_face_css() -> String {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        format!(
            "@font-face{{font-family:\"{FACE}\";src:url(data:font/ttf;base64,{}) format(\"truetype\")}}",
            base64(BYTES)
        )
    })
    .clone()
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table<'a>(font: &'a [u8], tag: &[u8; 4]) -> &'a [u8] {
        let count = usize::from(u16::from_be_bytes([font[4], font[5]]));
        for record in font[12..12 + 16 * count].chunks(16) {
            if &record[..4] == tag {
                let offset = u32::from_be_bytes([record[8], record[9], record[10], record[11]]) as usize;
                let length = u32::from_be_bytes([record[12], record[13], record[14], record[15]]) as usize;
                return &font[offset..offset + length];
            }
        }
        panic!("no {} table", String::from_utf8_lossy(tag));
    }

    #[test]
    fn metrics_match_the_embedded_font() {
        let head = table(BYTES, b"head");
        let hhea = table(BYTES, b"hhea");
        let units = f64::from(u16::from_be_bytes([head[18], head[19]]));
        let ascender = f64::from(i16::from_be_bytes([hhea[4], hhea[5]]));
        let descender = f64::from(i16::from_be_bytes([hhea[6], hhea[7]]));
        assert_eq!(ASCENT, ascender / units);
        assert_eq!(DESCENT, -descender / units);
        // ab_glyph (and so plotters) take hhea over OS/2's typo metrics unless USE_TYPO_METRICS
        // is set; the constants above assume it is not.
        let os2 = table(BYTES, b"OS/2");
        let fs_selection = u16::from_be_bytes([os2[62], os2[63]]);
        assert_eq!(fs_selection & (1 << 7), 0);
    }

    #[test]
    fn font_is_small_and_named_dejavu() {
        assert!(BYTES.len() < 60 * 1024, "{} bytes", BYTES.len());
        // The Vera licence forbids its names on modified fonts; the name table must not claim them.
        let name = table(BYTES, b"name");
        let text: String =
            name.chunks(2).filter_map(|c| char::from_u32(u32::from(c[0]) << 8 | u32::from(c[1]))).collect();
        assert!(text.contains("DejaVu Sans"));
        assert!(!text.contains("Bitstream Vera Sans"));
    }

    #[test]
    fn registers_idempotently_and_measures_text() {
        register().unwrap();
        register().unwrap();
        let font = plotters::style::FontDesc::new(FAMILY.into(), 100.0, FontStyle::Normal);
        let (wide, _) = font.box_size("MMMM").unwrap();
        let (narrow, _) = font.box_size("iiii").unwrap();
        assert!(wide > 2 * narrow, "{wide} vs {narrow}");
    }

    #[test]
    fn left_bearings_come_from_the_font() {
        // From the font's hmtx table (fontTools): x 59, H 201, 0 135, T -6 units of 2048.
        assert_eq!(left_bearing('x'), 59.0 / 2048.0);
        assert_eq!(left_bearing('H'), 201.0 / 2048.0);
        assert_eq!(left_bearing('0'), 135.0 / 2048.0);
        assert_eq!(left_bearing('T'), -6.0 / 2048.0);
        assert!(left_bearing('≥') > 0.0);
        assert_eq!(left_bearing('中'), 0.0);
        assert_eq!(left_bearing('\u{1F600}'), 0.0);
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn font_face_rule_embeds_the_whole_font() {
        let css = font_face_css();
        assert!(css.starts_with("@font-face{font-family:\"DejaVu Sans\";src:url(data:font/ttf;base64,AAEAAA"));
        assert!(css.ends_with(") format(\"truetype\")}"));
        assert!(css.len() > BYTES.len() * 4 / 3);
    }
}
