//! The report's charts, drawn once with plotters and written as SVG and, on request, PNG.
//!
//! Charts take plain data (days since the Unix epoch as `f64`, values as `f64`) so that what is
//! drawn can be tested without the engine. Text is set in the embedded font (`font.rs`), so an
//! SVG and its PNG have the same layout on a machine with no fonts installed.
//!
//! Layout is done here in logical pixels (the SVG's user units) rather than with plotters' chart
//! builder and mesh: the charts need labels that avoid each other, legends outside the data and a
//! PNG drawn at twice the resolution with the same layout, and plotters offers none of those. A
//! [`Painter`] maps logical coordinates to the backend's pixels and corrects the bitmap backend's
//! text placement to match the SVG backend's.

use std::cell::RefCell;

use anyhow::{anyhow, Result};
use plotters::backend::RGBPixel;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font;

/// What a chart's values count, which decides the axis labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Rows, labelled 950, 12k, 3.4M, 2.1B.
    Rows,
    /// Bytes, labelled in the binary unit that fits the axis: KiB, MiB, GiB, TiB.
    Bytes,
}

/// One projected instant with its bands; bands are absent for planned projections.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Projected {
    pub day: f64,
    pub value: f64,
    /// (low80, high80, low95, high95)
    pub bands: Option<(f64, f64, f64, f64)>,
}

/// A horizontal limit (a key's maximum, the table size limit, the budget), labelled with the
/// date the forecast crosses it when it does.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Limit {
    /// E.g. "int max 2.1B" or "100 GiB table limit".
    pub label: String,
    pub value: f64,
    /// The day the central forecast crosses it, shown as "… around 2027-08".
    pub crossed_at: Option<f64>,
}

/// One quantity of one table over time: history points, forecast line, 80% and 95% bands.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SeriesChart {
    pub title: String,
    pub unit: Unit,
    pub history: Vec<(f64, f64)>,
    /// Starts at the last snapshot (the origin); empty when nothing is projected.
    pub projection: Vec<Projected>,
    /// The boundary between history and projection.
    pub origin: f64,
    /// What the origin is: "last snapshot", or "today" when there is no history.
    pub origin_label: &'static str,
    pub limits: Vec<Limit>,
    /// Shown in the plotting area when the history is too short to fit, e.g. "not enough
    /// history: 2 snapshots (a fit needs 3); flat projection".
    pub note: Option<String>,
}

/// The database's total size over time, stacked by table: the top tables and "others".
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StackedChart {
    pub title: String,
    /// Ascending days, history then projection.
    pub days: Vec<f64>,
    /// Bottom layer first; each has one value per day. The last is "others" when there are more
    /// tables than layers.
    pub layers: Vec<(String, Vec<f64>)>,
    pub origin: f64,
    pub origin_label: &'static str,
    /// The budget line, when one is set.
    pub budget: Option<Limit>,
}

/// Heap, TOAST and index bytes per table, measured beside estimated.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BreakdownChart {
    pub title: String,
    pub tables: Vec<BreakdownBar>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BreakdownBar {
    pub name: String,
    pub heap: f64,
    pub toast: f64,
    pub index: f64,
    /// The estimator's total for the same rows, drawn as a marker beside the measured bar.
    pub estimated_total: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Chart {
    Series(SeriesChart),
    Stacked(StackedChart),
    Breakdown(BreakdownChart),
}

/// The chart as an SVG `<svg>` element with a `viewBox`, a `role="img"` and a `<title>`, and no
/// XML declaration, so that the HTML page can inline it. Its text names the embedded font but
/// does not carry it: the page does, once (see [`standalone_svg`] for files).
pub(crate) fn render_svg(chart: &Chart) -> Result<String> {
    font::register()?;
    let (width, height) = canvas_size(chart);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, chart, 1.0, false)?;
        root.present().map_err(drawing_error)?;
    }
    let mut svg = tidy_font_sizes(&svg);
    let open_end = svg.find('>').ok_or_else(|| anyhow!("the SVG backend wrote no <svg> element"))?;
    let title = format!("<title>{}</title>\n", xml_escape(&clean(chart_title(chart))));
    svg.insert_str(open_end + 1, &format!("\n{title}"));
    svg.insert_str(open_end, " role=\"img\"");
    Ok(svg)
}

/// `font-size="15.000000000000002"` (the backend divides by 1.24, which no size survives exactly)
/// written as `font-size="15"`.
fn tidy_font_sizes(svg: &str) -> String {
    const ATTRIBUTE: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(ATTRIBUTE) {
        let value_start = at + ATTRIBUTE.len();
        out.push_str(&rest[..value_start]);
        rest = &rest[value_start..];
        let value_end = rest.find('"').unwrap_or(rest.len());
        match rest[..value_end].parse::<f64>() {
            Ok(size) => {
                let rounded = format!("{size:.3}");
                out.push_str(rounded.trim_end_matches('0').trim_end_matches('.'));
            }
            Err(_) => out.push_str(&rest[..value_end]),
        }
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}

/// `svg` (from [`render_svg`]) with the embedded font in a `<style>`, for a file opened on its own.
pub(crate) fn standalone_svg(svg: &str) -> String {
    let style = format!("<style>{}</style>\n", font::font_face_css());
    let Some(open_end) = svg.find('>') else {
        return svg.to_owned();
    };
    // After the title, which stays the first child as assistive technology expects.
    let after = match svg[open_end..].find("</title>\n") {
        Some(at) if svg[open_end + 1..].trim_start().starts_with("<title>") => open_end + at + "</title>\n".len(),
        _ => open_end + 1,
    };
    format!("{}{style}{}", &svg[..after], &svg[after..])
}

/// The chart as a PNG, drawn at twice the SVG's size (the layout is the same) so that it stays
/// sharp on high-density screens and in printed documents.
pub(crate) fn render_png(chart: &Chart) -> Result<Vec<u8>> {
    font::register()?;
    let (width, height) = canvas_size(chart);
    let (width, height) = (width * PNG_SCALE, height * PNG_SCALE);
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut rgb, (width, height))
            .map_err(|e| anyhow!("preparing a {width}×{height} bitmap: {e}"))?;
        let root = backend.into_drawing_area();
        draw(&root, chart, f64::from(PNG_SCALE), true)?;
        root.present().map_err(drawing_error)?;
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(png)
}

const PNG_SCALE: u32 = 2;

const SERIES_SIZE: (u32, u32) = (520, 300);
const STACKED_SIZE: (u32, u32) = (960, 420);
const BREAKDOWN_WIDTH: u32 = 960;

/// Margin around everything.
const PAD: f64 = 14.0;
const TITLE_EM: f64 = 15.0;
/// Legends, table names and notes beside data.
const TEXT_EM: f64 = 12.0;
/// Tick labels, the origin label, limit labels and footnotes.
const SMALL_EM: f64 = 11.0;
/// The note shown over a chart whose history is too short.
const NOTE_EM: f64 = 13.0;
const TITLE_LINE: f64 = 20.0;
const LEGEND_ROW: f64 = 18.0;
const FOOTNOTE_LINE: f64 = 15.0;
/// Below the plot: tick marks, a gap and one line of tick labels.
const X_LABELS: f64 = 26.0;
/// Above the plot, the strip that holds the "last snapshot" label clear of the data.
const ORIGIN_STRIP: f64 = 18.0;

/// Table and layer names are cut to this many characters (with an ellipsis).
const MAX_NAME_CHARS: usize = 28;
/// Stacked-chart legend entries; the rest are counted in a "+N more" line.
const MAX_LEGEND_LAYERS: usize = 12;
/// Layers drawn separately; layers above these are drawn as one, so a chart with a thousand
/// tables stays a reasonable size.
const MAX_DRAWN_LAYERS: usize = 40;
/// Breakdown bars; the rest are counted in a footnote.
const MAX_BARS: usize = 60;
const BAR_PITCH: f64 = 26.0;
const BAR_HEIGHT: f64 = 15.0;
/// Band between the breakdown's top edge and its first bar: title, legend, gaps.
const BREAKDOWN_HEADER: f64 = PAD + TITLE_LINE + 6.0 + LEGEND_ROW + 12.0;
/// Points per drawn line or area; more are thinned (a plot is about 700 pixels wide).
const MAX_POINTS: usize = 1500;

// Colours are chosen to stay apart in greyscale: each pair that meets differs in lightness, not
// only in hue, and lines are also told apart by dashes and markers.
const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const MUTED: RGBColor = RGBColor(0x4a, 0x4a, 0x4a);
const GRID: RGBColor = RGBColor(0xe2, 0xe2, 0xe2);
const GRID_LIGHT: RGBColor = RGBColor(0xee, 0xee, 0xee);
const AXIS: RGBColor = RGBColor(0x80, 0x80, 0x80);
const FRAME: RGBColor = RGBColor(0xbb, 0xbb, 0xbb);
const HISTORY: RGBColor = RGBColor(0x0b, 0x25, 0x45);
const FORECAST: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
const BAND80: RGBColor = RGBColor(0x93, 0xbb, 0xe0);
const BAND95: RGBColor = RGBColor(0xd2, 0xe4, 0xf4);
const PROJECTION_SHADE: RGBColor = RGBColor(0xf5, 0xf5, 0xf5);
const LIMIT: RGBColor = RGBColor(0xb0, 0x24, 0x1c);
const ORIGIN: RGBColor = RGBColor(0x3c, 0x3c, 0x3c);
const HEAP: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const TOAST: RGBColor = RGBColor(0x6b, 0xae, 0xd6);
const INDEX: RGBColor = RGBColor(0xd3, 0xe6, 0xf5);
const OTHERS: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
/// Dark and light alternate, so neighbouring layers differ in lightness, and hues pair up so that
/// layers two apart differ in hue.
const LAYERS: [RGBColor; 10] = [
    RGBColor(0x1f, 0x4e, 0x79),
    RGBColor(0xa6, 0xce, 0xe3),
    RGBColor(0xa6, 0x4b, 0x00),
    RGBColor(0xfd, 0xbf, 0x6f),
    RGBColor(0x1b, 0x70, 0x37),
    RGBColor(0xb2, 0xdf, 0x8a),
    RGBColor(0x5e, 0x35, 0x8e),
    RGBColor(0xcf, 0xb8, 0xdc),
    RGBColor(0x8c, 0x1c, 0x13),
    RGBColor(0xf7, 0xa3, 0x9c),
];

fn canvas_size(chart: &Chart) -> (u32, u32) {
    match chart {
        Chart::Series(_) => SERIES_SIZE,
        Chart::Stacked(_) => STACKED_SIZE,
        Chart::Breakdown(c) => (BREAKDOWN_WIDTH, breakdown_height(c.tables.len())),
    }
}

fn breakdown_height(tables: usize) -> u32 {
    let bars = tables.clamp(2, MAX_BARS) as f64;
    let footnote = if tables > MAX_BARS { FOOTNOTE_LINE } else { 0.0 };
    (BREAKDOWN_HEADER + bars * BAR_PITCH + X_LABELS + footnote + PAD).ceil() as u32
}

fn chart_title(chart: &Chart) -> &str {
    match chart {
        Chart::Series(c) => &c.title,
        Chart::Stacked(c) => &c.title,
        Chart::Breakdown(c) => &c.title,
    }
}

/// Draws `chart` on `root`; `scale` backend pixels per logical pixel. Returns where each piece of
/// text went, for the tests that check nothing overlaps.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    scale: f64,
    raster: bool,
) -> Result<Vec<(String, Rect)>> {
    root.fill(&WHITE).map_err(drawing_error)?;
    let (width, height) = canvas_size(chart);
    let painter = Painter {
        area: root,
        scale,
        raster,
        width: f64::from(width),
        height: f64::from(height),
        texts: RefCell::new(Vec::new()),
    };
    match chart {
        Chart::Series(c) => draw_series(&painter, c)?,
        Chart::Stacked(c) => draw_stacked(&painter, c)?,
        Chart::Breakdown(c) => draw_breakdown(&painter, c)?,
    }
    Ok(painter.texts.into_inner())
}

fn drawing_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

/// A box in logical pixels, y down.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    fn grow(&self, by: f64) -> Rect {
        Rect { x0: self.x0 - by, y0: self.y0 - by, x1: self.x1 + by, y1: self.y1 + by }
    }
}

/// Draws in logical pixels on either backend.
struct Painter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    /// Backend pixels per logical pixel.
    scale: f64,
    /// The bitmap backend, whose text placement differs from the SVG backend's.
    raster: bool,
    width: f64,
    height: f64,
    texts: RefCell<Vec<(String, Rect)>>,
}

/// plotters' SVG backend writes `font-size` as the style's size divided by this.
const SVG_SIZE_PER_EM: f64 = 1.24;
/// ab_glyph scales a font so that ascent plus descent fill the style's size.
const RASTER_SIZE_PER_EM: f64 = font::ASCENT + font::DESCENT;
/// plotters' SVG backend moves top-anchored text down by this to its baseline (`dy="0.76em"`).
const SVG_TOP_TO_BASELINE: f64 = 0.76;

impl<DB: DrawingBackend> Painter<'_, DB> {
    /// Backend pixels for a logical point. Far-off points are pulled in (keeping the direction
    /// of lines into the canvas) because the bitmap rasteriser walks every pixel of a shape's
    /// bounding box and overflows near `i32::MAX`.
    fn px(&self, (x, y): (f64, f64)) -> (i32, i32) {
        let pull = |v: f64, size: f64| {
            if v.is_nan() {
                0.0
            } else {
                v.clamp(-2.0 * size, 3.0 * size)
            }
        };
        ((pull(x, self.width) * self.scale).round() as i32, (pull(y, self.height) * self.scale).round() as i32)
    }

    fn stroke(&self, color: RGBColor, width: f64) -> ShapeStyle {
        color.stroke_width((width * self.scale).round().max(1.0) as u32)
    }

    fn fill_rect(&self, r: Rect, color: RGBAColor) -> Result<()> {
        self.area
            .draw(&Rectangle::new([self.px((r.x0, r.y0)), self.px((r.x1, r.y1))], color.filled()))
            .map_err(drawing_error)
    }

    fn outline_rect(&self, r: Rect, color: RGBColor) -> Result<()> {
        self.path(&[(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1), (r.x0, r.y0)], color, 1.0)
    }

    fn path(&self, points: &[(f64, f64)], color: RGBColor, width: f64) -> Result<()> {
        let mut pixels: Vec<(i32, i32)> = points.iter().map(|&p| self.px(p)).collect();
        pixels.dedup();
        if pixels.len() < 2 {
            return Ok(());
        }
        self.area.draw(&PathElement::new(pixels, self.stroke(color, width))).map_err(drawing_error)
    }

    fn dashed(&self, from: (f64, f64), to: (f64, f64), color: RGBColor, width: f64, dash: f64, gap: f64) -> Result<()> {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let length = (dx * dx + dy * dy).sqrt();
        if !length.is_finite() || length > 10.0 * (self.width + self.height) {
            return Ok(());
        }
        let mut at = 0.0;
        while at < length {
            let end = (at + dash).min(length);
            let point = |t: f64| (from.0 + dx * t / length, from.1 + dy * t / length);
            self.path(&[point(at), point(end)], color, width)?;
            at += dash + gap;
        }
        Ok(())
    }

    fn polygon(&self, points: &[(f64, f64)], color: RGBColor) -> Result<()> {
        let mut pixels: Vec<(i32, i32)> = points.iter().map(|&p| self.px(p)).collect();
        pixels.dedup();
        if pixels.len() < 3 {
            return Ok(());
        }
        self.area.draw(&Polygon::new(pixels, color.filled())).map_err(drawing_error)
    }

    fn dot(&self, center: (f64, f64), radius: f64, color: RGBColor) -> Result<()> {
        let radius = (radius * self.scale).round().max(1.0) as u32;
        self.area.draw(&Circle::new(self.px(center), radius, color.filled())).map_err(drawing_error)
    }

    /// The advance width of `text` set at `em` logical pixels, as both backends lay it out.
    fn measure(&self, text: &str, em: f64) -> f64 {
        measure(text, em)
    }

    /// Draws `text` with its baseline at `baseline`, aligned on `x`, and returns its box.
    fn text(&self, text: &str, x: f64, baseline: f64, em: f64, color: RGBColor, align: HPos) -> Result<Rect> {
        let width = self.measure(text, em);
        let left = match align {
            HPos::Left => x,
            HPos::Center => x - width / 2.0,
            HPos::Right => x - width,
        };
        let bounds =
            Rect { x0: left, y0: baseline - font::ASCENT * em, x1: left + width, y1: baseline + font::DESCENT * em };
        self.texts.borrow_mut().push((text.to_owned(), bounds));
        if text.trim().is_empty() {
            return Ok(bounds);
        }
        if !self.raster {
            let font = FontDesc::new(FontFamily::Name(font::FAMILY), em * SVG_SIZE_PER_EM, FontStyle::Normal);
            let style = TextStyle { font, color: color.to_backend_color(), pos: Pos::new(align, VPos::Top) };
            let at = self.px((x, baseline - SVG_TOP_TO_BASELINE * em));
            return self.area.draw_text(text, &style, at).map_err(drawing_error).map(|()| bounds);
        }
        // The bitmap backend puts the baseline half the font size below a top-anchored point,
        // sizes the font by ascent plus descent, and draws each outline at the pen position
        // without its side bearing. Setting one character at a time at the pen position a
        // browser would use (kerning included), plus the bearing, puts the letters where the SVG
        // has them.
        let size = em * RASTER_SIZE_PER_EM * self.scale;
        let font = FontDesc::new(FontFamily::Name(font::FAMILY), size, FontStyle::Normal);
        let style = TextStyle { font, color: color.to_backend_color(), pos: Pos::new(HPos::Left, VPos::Top) };
        let (_, y) = self.px((left, baseline - size / 2.0 / self.scale));
        let mut prefix = String::new();
        for c in text.chars() {
            prefix.push(c);
            if c.is_whitespace() {
                continue;
            }
            let glyph = c.to_string();
            let pen = left + self.measure(&prefix, em) - self.measure(&glyph, em);
            let (x, _) = self.px((pen + font::left_bearing(c) * em, baseline));
            self.area.draw_text(&glyph, &style, (x, y)).map_err(drawing_error)?;
        }
        Ok(bounds)
    }

    /// Text on a white box, for labels that may lie over data or grid lines.
    fn label(&self, text: &str, r: Rect, em: f64, color: RGBColor) -> Result<()> {
        self.fill_rect(r, WHITE.mix(0.88))?;
        self.text(text, r.x0 + LABEL_PAD, r.y1 - LABEL_PAD - font::DESCENT * em, em, color, HPos::Left)?;
        Ok(())
    }

    /// `text` cut with an ellipsis to fit `max_width`.
    fn fit(&self, text: &str, em: f64, max_width: f64) -> String {
        if self.measure(text, em) <= max_width {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut lo, mut hi) = (0, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate: String = chars[..mid].iter().collect::<String>() + "…";
            if self.measure(&candidate, em) <= max_width {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        chars[..lo].iter().collect::<String>().trim_end().to_owned() + "…"
    }

    /// `text` broken into lines of at most `max_width`, at most `max_lines` of them.
    fn wrap(&self, text: &str, em: f64, max_width: f64, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.measure(&candidate, em) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = word.to_owned();
            // A word wider than the line is broken where it must be.
            while self.measure(&line, em) > max_width && line.chars().count() > 1 {
                let chars: Vec<char> = line.chars().collect();
                let mut cut = chars.len() - 1;
                while cut > 1 && self.measure(&chars[..cut].iter().collect::<String>(), em) > max_width {
                    cut -= 1;
                }
                lines.push(chars[..cut].iter().collect());
                line = chars[cut..].iter().collect();
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        if lines.len() > max_lines {
            let rest = lines[max_lines - 1..].join(" ");
            lines.truncate(max_lines - 1);
            lines.push(self.fit(&(rest + "…"), em, max_width));
        }
        lines
    }
}

const LABEL_PAD: f64 = 3.0;

/// The advance width of `text` at `em` logical pixels, measured (at a large size, for precision)
/// with the metrics plotters uses for layout.
fn measure(text: &str, em: f64) -> f64 {
    const PRECISION: f64 = 16.0;
    let font = FontDesc::new(FontFamily::Name(font::FAMILY), em * RASTER_SIZE_PER_EM * PRECISION, FontStyle::Normal);
    match font.box_size(text) {
        Ok((width, _)) => f64::from(width) / PRECISION,
        Err(_) => 0.6 * em * text.chars().count() as f64,
    }
}

/// Names as given may hold anything; control characters (and the two non-characters XML
/// rejects) would break the SVG or draw as boxes.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `name` cut to [`MAX_NAME_CHARS`] characters with an ellipsis.
fn short_name(name: &str) -> String {
    let name = clean(name);
    if name.chars().count() <= MAX_NAME_CHARS {
        return name;
    }
    name.chars().take(MAX_NAME_CHARS - 1).collect::<String>().trim_end().to_owned() + "…"
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Maps data to the plotting area.
#[derive(Clone, Copy, Debug)]
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_lo: f64,
    x_hi: f64,
    y_lo: f64,
    y_hi: f64,
}

impl Frame {
    fn x(&self, value: f64) -> f64 {
        let t = if self.x_hi > self.x_lo { (value - self.x_lo) / (self.x_hi - self.x_lo) } else { 0.5 };
        self.left + t.clamp(0.0, 1.0) * (self.right - self.left)
    }

    fn y(&self, value: f64) -> f64 {
        let t = if self.y_hi > self.y_lo { (value - self.y_lo) / (self.y_hi - self.y_lo) } else { 0.0 };
        self.bottom - t.clamp(0.0, 1.0) * (self.bottom - self.top)
    }

    fn area(&self) -> Rect {
        Rect { x0: self.left, y0: self.top, x1: self.right, y1: self.bottom }
    }
}

// ---------------------------------------------------------------------------------------------
// Axes

/// Ticks of a value axis with their labels, and the axis range they span.
#[derive(Clone, Debug, PartialEq)]
struct ValueAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
}

/// The divisor and suffix of the unit values near `magnitude` are written in.
fn unit_of(unit: Unit, magnitude: f64) -> (f64, &'static str) {
    match unit {
        Unit::Bytes => {
            const NAMES: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
            let mut index = 0;
            while index + 1 < NAMES.len() && magnitude >= 1024f64.powi(index as i32 + 1) {
                index += 1;
            }
            (1024f64.powi(index as i32), NAMES[index])
        }
        // Plain numbers up to 9999 read better than 0.2k steps; thousands and up use suffixes.
        Unit::Rows => match magnitude {
            m if m >= 1e12 => (1e12, "T"),
            m if m >= 1e9 => (1e9, "B"),
            m if m >= 1e6 => (1e6, "M"),
            m if m >= 1e4 => (1e3, "k"),
            _ => (1.0, ""),
        },
    }
}

/// `value` in its own unit with three significant digits, e.g. "1.21 GiB", "950", "3.40M".
fn format_value(unit: Unit, value: f64) -> String {
    if !value.is_finite() {
        return "?".to_owned();
    }
    let (divisor, suffix) = unit_of(unit, value.abs());
    let scaled = value / divisor;
    let digits = if divisor == 1.0 || scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    let separator = if unit == Unit::Bytes { " " } else { "" };
    format!("{scaled:.digits$}{separator}{suffix}")
}

/// The smallest of 1, 2 and 5 times a power of ten that is at least `x`.
fn nice_at_least(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * power >= x * (1.0 - 1e-9) {
            return m * power;
        }
    }
    10.0 * power
}

/// Decimals needed to write multiples of `step` exactly.
fn decimals_for(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else {
        ((-step.log10()) - 1e-9).ceil().clamp(0.0, 12.0) as usize
    }
}

/// Ticks at round numbers in one unit, chosen from the axis maximum, covering `lo..hi` with at
/// most `max_ticks` ticks; the axis is widened to the outer ticks.
fn value_axis(unit: Unit, lo: f64, hi: f64, max_ticks: usize) -> ValueAxis {
    let max_ticks = max_ticks.max(2);
    let lo = if lo.is_finite() { lo } else { 0.0 };
    let mut hi = if hi.is_finite() { hi } else { lo };
    if hi - lo <= lo.abs().max(hi.abs()) * 1e-9 {
        hi = lo
            + if lo == 0.0 {
                match unit {
                    Unit::Rows => 10.0,
                    Unit::Bytes => 1024.0,
                }
            } else {
                lo.abs() * 0.1
            };
    }
    let (divisor, suffix) = unit_of(unit, lo.abs().max(hi.abs()));
    let (a, b) = (lo / divisor, hi / divisor);
    // Rows and bytes are whole.
    let least = if divisor == 1.0 { 1.0 } else { 0.0 };
    let mut step = nice_at_least(((b - a) / (max_ticks - 1) as f64).max(least));
    let mut count = f64::INFINITY;
    for _ in 0..64 {
        count = (b / step).ceil() - (a / step).floor() + 1.0;
        if count <= max_ticks as f64 {
            break;
        }
        step = nice_at_least(step * 1.000_001);
    }
    let first = (a / step).floor();
    let last = (b / step).ceil();
    if !(count <= max_ticks as f64 && first.is_finite() && last.is_finite()) {
        // Only reachable with absurd magnitudes; two labelled ends still read.
        return ValueAxis { lo, hi, ticks: vec![(lo, format_value(unit, lo)), (hi, format_value(unit, hi))] };
    }
    let decimals = decimals_for(step);
    let separator = if unit == Unit::Bytes { " " } else { "" };
    let ticks = (0..count as i64)
        .map(|i| {
            let v = (first + i as f64) * step;
            let label =
                if v.abs() < step * 1e-6 { "0".to_owned() } else { format!("{v:.decimals$}{separator}{suffix}") };
            (v * divisor, label)
        })
        .collect();
    ValueAxis { lo: first * step * divisor, hi: last * step * divisor, ticks }
}

/// How many ticks fit along `length` pixels with at least `spacing` between them.
fn ticks_fitting(length: f64, spacing: f64) -> usize {
    ((length / spacing).floor() as usize + 1).clamp(2, 12)
}

/// Days are clamped to about ±27,000 years so that dates stay in range.
const DAY_LIMIT: f64 = 1e7;

/// (year, month 1–12, day 1–31) of a day since 1970-01-01, proleptic Gregorian.
fn civil(day: f64) -> (i64, u32, u32) {
    let z = if day.is_finite() { day.floor().clamp(-DAY_LIMIT, DAY_LIMIT) as i64 } else { 0 } + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day since 1970-01-01 of a civil date.
fn day_of(year: i64, month: u32, day: u32) -> f64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as f64
}

/// "2027-08", as crossings are written elsewhere in the report.
fn month_label(day: f64) -> String {
    let (y, m, _) = civil(day);
    format!("{y:04}-{m:02}")
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Ticks on month starts ("Jan 2026"), every 1, 2, 3, 6 or 12 months or more years, the
/// smallest step that keeps at most `max_months` labels; spans too short for two month starts
/// get day ticks ("2026-01-15"), at most `max_days`.
fn time_axis(lo: f64, hi: f64, max_months: usize, max_days: usize) -> Vec<(f64, String)> {
    let (lo, hi) = (lo.clamp(-DAY_LIMIT, DAY_LIMIT), hi.clamp(-DAY_LIMIT, DAY_LIMIT));
    if lo.is_nan() || hi.is_nan() || hi <= lo {
        return Vec::new();
    }
    let month_index = |day: f64| {
        let (y, m, _) = civil(day);
        y * 12 + i64::from(m) - 1
    };
    let start_of = |index: i64| day_of(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1);
    let mut first = month_index(lo);
    if start_of(first) < lo {
        first += 1;
    }
    let mut last = month_index(hi);
    if start_of(last) > hi {
        last -= 1;
    }
    if last > first {
        let max = max_months.max(1) as i64;
        let mut step: i64 = 1;
        let steps = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200];
        let mut next = steps.iter().copied().chain((1..8).map(|p| 1200 * 10i64.pow(p)));
        for candidate in next.by_ref() {
            step = candidate;
            let count = last.div_euclid(step) - (first + step - 1).div_euclid(step) + 1;
            if count <= max {
                break;
            }
        }
        let start = (first + step - 1).div_euclid(step) * step;
        return (0..)
            .map(|i| start + i * step)
            .take_while(|&index| index <= last)
            .map(|index| {
                let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as usize);
                let label = if step >= 12 { format!("{year}") } else { format!("{} {year}", MONTHS[month]) };
                (start_of(index), label)
            })
            .collect();
    }
    let (first, last) = (lo.ceil() as i64, hi.floor() as i64);
    let max = max_days.max(1) as i64;
    let step = [1i64, 2, 7, 14, 28]
        .into_iter()
        .find(|&step| last.div_euclid(step) - (first + step - 1).div_euclid(step) < max)
        .unwrap_or(28);
    let start = (first + step - 1).div_euclid(step) * step;
    (0..)
        .map(|i| start + i * step)
        .take_while(|&day| day <= last)
        .map(|day| {
            let (y, m, d) = civil(day as f64);
            (day as f64, format!("{y:04}-{m:02}-{d:02}"))
        })
        .collect()
}

/// How many labels as wide as `label_width` fit along `length` with a gap between them.
fn labels_fitting(length: f64, label_width: f64) -> usize {
    const GAP: f64 = 18.0;
    (((length + GAP) / (label_width + GAP)).floor() as usize).max(1)
}

/// Grid lines, the x axis line, tick marks and tick labels of a time chart.
fn draw_time_axes<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    f: &Frame,
    y_axis: &ValueAxis,
    x_ticks: &[(f64, String)],
) -> Result<()> {
    for (value, _) in &y_axis.ticks {
        let y = f.y(*value);
        if y < f.bottom - 0.5 {
            p.path(&[(f.left, y), (f.right, y)], GRID, 1.0)?;
        }
    }
    for (day, _) in x_ticks {
        let x = f.x(*day);
        p.path(&[(x, f.top), (x, f.bottom)], GRID_LIGHT, 1.0)?;
    }
    Ok(())
}

fn draw_time_labels<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    f: &Frame,
    y_axis: &ValueAxis,
    x_ticks: &[(f64, String)],
) -> Result<()> {
    p.path(&[(f.left, f.bottom), (f.right, f.bottom)], AXIS, 1.0)?;
    for (value, label) in &y_axis.ticks {
        let y = f.y(*value);
        p.text(label, f.left - 8.0, y + font::CAP_HEIGHT * SMALL_EM / 2.0, SMALL_EM, MUTED, HPos::Right)?;
    }
    for (day, label) in x_ticks {
        let x = f.x(*day);
        p.path(&[(x, f.bottom), (x, f.bottom + 4.0)], AXIS, 1.0)?;
        p.text(label, x, f.bottom + 8.0 + font::ASCENT * SMALL_EM, SMALL_EM, MUTED, HPos::Center)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pieces shared by the charts

/// Draws the title and returns the y below it.
fn draw_title<DB: DrawingBackend>(p: &Painter<'_, DB>, title: &str) -> Result<f64> {
    let title = p.fit(&clean(title), TITLE_EM, p.width - 2.0 * PAD);
    p.text(&title, PAD, PAD + font::ASCENT * TITLE_EM, TITLE_EM, INK, HPos::Left)?;
    Ok(PAD + TITLE_LINE)
}

#[derive(Clone, Copy, Debug)]
enum Swatch {
    Dots(RGBColor),
    Line(RGBColor),
    Dashes(RGBColor),
    Block(RGBColor),
    Tick(RGBColor),
}

const SWATCH_WIDTH: f64 = 22.0;

fn draw_swatch<DB: DrawingBackend>(p: &Painter<'_, DB>, swatch: Swatch, x: f64, mid: f64) -> Result<()> {
    match swatch {
        Swatch::Dots(color) => {
            for dx in [4.0, 11.0, 18.0] {
                p.dot((x + dx, mid), 2.0, color)?;
            }
        }
        Swatch::Line(color) => p.path(&[(x, mid), (x + SWATCH_WIDTH, mid)], color, 2.0)?,
        Swatch::Dashes(color) => p.dashed((x, mid), (x + SWATCH_WIDTH, mid), color, 1.5, 6.0, 4.0)?,
        Swatch::Block(color) => {
            let r = Rect { x0: x + 3.0, y0: mid - 6.0, x1: x + SWATCH_WIDTH - 3.0, y1: mid + 6.0 };
            p.fill_rect(r, color.to_rgba())?;
            p.outline_rect(r, FRAME)?;
        }
        Swatch::Tick(color) => {
            p.path(&[(x + SWATCH_WIDTH - 6.0, mid - 7.0), (x + SWATCH_WIDTH - 6.0, mid + 7.0)], color, 2.0)?
        }
    }
    Ok(())
}

/// Legend entries in rows from `(x, top)`, wrapping at `max_width`; returns the y below.
fn draw_legend_rows<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    items: &[(Swatch, String)],
    x: f64,
    top: f64,
    max_width: f64,
) -> Result<f64> {
    const ITEM_GAP: f64 = 20.0;
    if items.is_empty() {
        return Ok(top);
    }
    let (mut cx, mut row_top) = (x, top);
    for (swatch, label) in items {
        let label = p.fit(label, TEXT_EM, max_width - SWATCH_WIDTH - 6.0);
        let width = SWATCH_WIDTH + 6.0 + p.measure(&label, TEXT_EM);
        if cx > x && cx + width > x + max_width {
            cx = x;
            row_top += LEGEND_ROW;
        }
        let mid = row_top + LEGEND_ROW / 2.0;
        draw_swatch(p, *swatch, cx, mid)?;
        p.text(&label, cx + SWATCH_WIDTH + 6.0, mid + font::CAP_HEIGHT * TEXT_EM / 2.0, TEXT_EM, INK, HPos::Left)?;
        cx += width + ITEM_GAP;
    }
    Ok(row_top + LEGEND_ROW)
}

/// A frame with a message in the middle, for a chart with nothing to draw.
fn draw_empty<DB: DrawingBackend>(p: &Painter<'_, DB>, top: f64, message: &str) -> Result<()> {
    let area = Rect { x0: PAD, y0: top + 8.0, x1: p.width - PAD, y1: p.height - PAD };
    p.outline_rect(area, FRAME)?;
    let f = Frame {
        left: area.x0,
        right: area.x1,
        top: area.y0,
        bottom: area.y1,
        x_lo: 0.0,
        x_hi: 1.0,
        y_lo: 0.0,
        y_hi: 1.0,
    };
    draw_note(p, &f, message, &[])?;
    Ok(())
}

/// `note` on a white box in the plotting area, centred unless that hides more of `data` than a
/// place higher or lower; returns the lines and the box.
fn note_box<DB: DrawingBackend>(p: &Painter<'_, DB>, f: &Frame, note: &str, data: &[Rect]) -> (Vec<String>, Rect) {
    const LINE: f64 = NOTE_EM * 1.35;
    const INSET: f64 = 10.0;
    let max_width = (f.right - f.left - 60.0).max(80.0);
    let max_lines = (((f.bottom - f.top - 2.0 * INSET) / LINE).floor() as usize).clamp(1, 4);
    let lines = p.wrap(&clean(note), NOTE_EM, max_width, max_lines);
    let width = lines.iter().map(|l| p.measure(l, NOTE_EM)).fold(0.0, f64::max);
    let height = LINE * lines.len() as f64;
    let cx = (f.left + f.right) / 2.0;
    let half = height / 2.0 + INSET / 2.0;
    let at = |fraction: f64| {
        let cy = (f.top + (f.bottom - f.top) * fraction).clamp(f.top + half + 2.0, f.bottom - half - 2.0);
        Rect { x0: cx - width / 2.0 - INSET, y0: cy - half, x1: cx + width / 2.0 + INSET, y1: cy + half }
    };
    let hidden = |r: &Rect| data.iter().filter(|d| d.overlaps(r)).count();
    let r = [0.5, 0.35, 0.65, 0.22, 0.78].into_iter().map(at).min_by_key(hidden).unwrap_or_else(|| at(0.5));
    (lines, r)
}

fn draw_note<DB: DrawingBackend>(p: &Painter<'_, DB>, f: &Frame, note: &str, data: &[Rect]) -> Result<Rect> {
    let (lines, r) = note_box(p, f, note, data);
    p.fill_rect(r, WHITE.mix(0.92))?;
    p.outline_rect(r, FRAME)?;
    let line = NOTE_EM * 1.35;
    let block_top = (r.y0 + r.y1) / 2.0 - line * lines.len() as f64 / 2.0;
    for (i, text) in lines.iter().enumerate() {
        let baseline = block_top + line * i as f64 + (line + font::CAP_HEIGHT * NOTE_EM) / 2.0;
        p.text(text, (r.x0 + r.x1) / 2.0, baseline, NOTE_EM, INK, HPos::Center)?;
    }
    Ok(r)
}

/// The dashed origin line and its label ("last snapshot") in the strip above the plot.
fn draw_origin<DB: DrawingBackend>(p: &Painter<'_, DB>, f: &Frame, origin: f64, label: &str) -> Result<()> {
    let x = f.x(origin);
    p.dashed((x, f.bottom), (x, f.top - 3.0), ORIGIN, 1.0, 4.0, 3.0)?;
    let width = p.measure(label, SMALL_EM);
    let centre = x.clamp(f.left + width / 2.0, p.width - PAD - width / 2.0);
    p.text(label, centre, f.top - 6.0 - font::DESCENT * SMALL_EM, SMALL_EM, ORIGIN, HPos::Center)?;
    Ok(())
}

/// Where a limit's label goes: beside its line at the left, right or middle of the plot, above or
/// below it, moving further off when those places are taken. It keeps clear of other labels and,
/// where it can, of the data; it always stays inside the plot.
fn place_label(width: f64, height: f64, line_y: f64, f: &Frame, labels: &[Rect], data: &[Rect]) -> Rect {
    let at = |column: usize, offset: f64| {
        let x0 = match column {
            0 => f.left + 6.0,
            1 => f.right - 6.0 - width,
            _ => (f.left + f.right - width) / 2.0,
        };
        let y1 = line_y + offset;
        Rect { x0, y0: y1 - height, x1: x0 + width, y1 }
    };
    let mut candidates = Vec::new();
    for shift in 0..4 {
        let shift = shift as f64 * (height + 2.0);
        for column in 0..3 {
            candidates.push(at(column, -2.0 - shift));
            candidates.push(at(column, height + 2.0 + shift));
        }
    }
    let inside = |r: &&Rect| r.y0 >= f.top + 1.0 && r.y1 <= f.bottom - 1.0 && r.x0 >= f.left && r.x1 <= f.right;
    let clear = |r: &&Rect, of: &[Rect]| !of.iter().any(|t| t.grow(1.0).overlaps(r));
    candidates
        .iter()
        .filter(inside)
        .find(|r| clear(r, labels) && clear(r, data))
        .or_else(|| candidates.iter().filter(inside).find(|r| clear(r, labels)))
        .or_else(|| candidates.iter().find(inside))
        .copied()
        .unwrap_or_else(|| {
            let r = at(0, -2.0);
            let dy = (f.top - r.y0).max(0.0);
            Rect { y0: r.y0 + dy, y1: r.y1 + dy, ..r }
        })
}

/// Small boxes along a polyline, every few pixels, for labels to keep clear of.
fn line_obstacles(points: &[(f64, f64)], margin: f64) -> Vec<Rect> {
    let mut boxes = Vec::new();
    let point = |(x, y): (f64, f64)| Rect { x0: x - margin, y0: y - margin, x1: x + margin, y1: y + margin };
    boxes.extend(points.first().copied().map(point));
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let length = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let steps = (length / margin.max(1.0)).ceil().clamp(1.0, 400.0) as usize;
        for i in 1..=steps {
            let t = i as f64 / steps as f64;
            boxes.push(point((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)));
        }
    }
    boxes
}

/// `day` when it is a date that can be written with a four-digit year; crossings computed from
/// runaway fits can land anywhere.
fn plausible_day(day: Option<f64>) -> Option<f64> {
    day.filter(|d| (day_of(1, 1, 1)..=day_of(9999, 12, 31)).contains(d))
}

/// The text a limit's line carries: "int max 2.1B · around 2027-08".
fn limit_text(limit: &Limit) -> String {
    let label = clean(&limit.label);
    match plausible_day(limit.crossed_at) {
        Some(day) => format!("{label} · around {}", month_label(day)),
        None => label,
    }
}

/// The footnote for a limit outside the chart: "int max 2.1B: beyond this chart, reached around
/// 2031-02".
fn off_chart_text(limit: &Limit, above: bool) -> String {
    let label = clean(&limit.label);
    let place = if above { "beyond this chart" } else { "below this chart" };
    match plausible_day(limit.crossed_at) {
        Some(day) => format!("{label}: {place}, reached around {}", month_label(day)),
        None if above => format!("{label}: {place}, not reached in this forecast"),
        None => format!("{label}: {place}"),
    }
}

const MAX_FOOTNOTES: usize = 3;

fn footnote_lines(mut notes: Vec<String>, what: &str) -> Vec<String> {
    if notes.len() > MAX_FOOTNOTES {
        let more = notes.len() - (MAX_FOOTNOTES - 1);
        notes.truncate(MAX_FOOTNOTES - 1);
        notes.push(format!("+{more} more {what}"));
    }
    notes
}

fn draw_footnotes<DB: DrawingBackend>(p: &Painter<'_, DB>, lines: &[String]) -> Result<()> {
    let top = p.height - PAD - FOOTNOTE_LINE * lines.len() as f64;
    for (i, line) in lines.iter().enumerate() {
        let text = p.fit(line, SMALL_EM, p.width - 2.0 * PAD);
        let baseline = top + FOOTNOTE_LINE * (i as f64 + 1.0) - font::DESCENT * SMALL_EM - 1.0;
        p.text(&text, PAD, baseline, SMALL_EM, MUTED, HPos::Left)?;
    }
    Ok(())
}

/// Limit lines dashed across the plot with their labels placed clear of each other and of
/// `taken`, and where possible of `data`.
fn draw_limits<DB: DrawingBackend>(
    p: &Painter<'_, DB>,
    f: &Frame,
    limits: &[&Limit],
    taken: &mut Vec<Rect>,
    data: &[Rect],
) -> Result<()> {
    for limit in limits {
        let y = f.y(limit.value);
        p.dashed((f.left, y), (f.right, y), LIMIT, 1.5, 7.0, 4.0)?;
    }
    // Highest first, so that stacked labels keep the order of their lines.
    let mut ordered: Vec<&&Limit> = limits.iter().collect();
    ordered.sort_by(|a, b| b.value.total_cmp(&a.value));
    for limit in ordered {
        let text = p.fit(&limit_text(limit), SMALL_EM, (f.right - f.left) * 0.6);
        let width = p.measure(&text, SMALL_EM) + 2.0 * LABEL_PAD;
        let height = (font::ASCENT + font::DESCENT) * SMALL_EM + 2.0 * LABEL_PAD;
        let r = place_label(width, height, f.y(limit.value), f, taken, data);
        p.label(&text, r, SMALL_EM, LIMIT)?;
        taken.push(r);
    }
    Ok(())
}

/// Indices of at most `max` of `len` points, evenly spread, always keeping the first and last.
fn thinned(len: usize, max: usize) -> Vec<usize> {
    if len <= max || max < 2 {
        return (0..len).collect();
    }
    let mut picked: Vec<usize> = (0..max).map(|i| i * (len - 1) / (max - 1)).collect();
    picked.dedup();
    picked
}

fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The x range for data spanning `lo..hi` days: a little margin, and a month around a single day.
fn day_range(lo: f64, hi: f64) -> (f64, f64) {
    if hi - lo < 2.0 {
        (lo - 15.0, hi + 15.0)
    } else {
        let pad = (hi - lo) * 0.015;
        (lo - pad, hi + pad)
    }
}

/// The origin when it is near the data, so that a stray value cannot squash the chart.
fn usable_origin(origin: f64, lo: f64, hi: f64) -> Option<f64> {
    let reach = (hi - lo).max(30.0);
    Some(origin).filter(|o| o.is_finite() && *o >= lo - reach && *o <= hi + reach)
}

// ---------------------------------------------------------------------------------------------
// Series chart

/// (low80, high80, low95, high95), ordered so that the 95% band holds the 80% band.
fn sane_bands(bands: (f64, f64, f64, f64)) -> Option<(f64, f64, f64, f64)> {
    let (a, b, c, d) = bands;
    if ![a, b, c, d].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (lo80, hi80) = (a.min(b), a.max(b));
    Some((lo80, hi80, c.min(d).min(lo80), c.max(d).max(hi80)))
}

/// (low80, high80, low95, high95) of one projected day.
type Bands = (f64, f64, f64, f64);

fn draw_series<DB: DrawingBackend>(p: &Painter<'_, DB>, c: &SeriesChart) -> Result<()> {
    let top = draw_title(p, &c.title)?;
    let data = SeriesData::new(c);
    let note = c.note.as_deref().map(clean).filter(|n| !n.is_empty());
    let Some((day_lo, day_hi)) = data.day_range() else {
        return draw_empty(p, top, note.as_deref().unwrap_or("no data"));
    };
    let origin = usable_origin(c.origin, day_lo, day_hi);
    let (day_lo, day_hi) = origin.map_or((day_lo, day_hi), |o| (day_lo.min(o), day_hi.max(o)));
    let values = data.value_range(&c.limits);

    let legend_bottom = draw_legend_rows(p, &data.legend(values.on_chart.len()), PAD, top + 4.0, p.width - 2.0 * PAD)?;
    let footnotes = footnote_lines(values.off_chart, "limits beyond this chart");
    let plot = TimePlot {
        unit: c.unit,
        values: (values.lo, values.hi),
        days: day_range(day_lo, day_hi),
        top: legend_bottom + if origin.is_some() { ORIGIN_STRIP } else { 8.0 },
        bottom: p.height - PAD - FOOTNOTE_LINE * footnotes.len() as f64 - X_LABELS,
        right_edge: p.width - PAD,
        tick_spacing: 38.0,
    };
    let (f, y_axis, x_ticks) = plot.lay_out(p);

    if let Some(origin) = origin {
        p.fill_rect(Rect { x0: f.x(origin), ..f.area() }, PROJECTION_SHADE.to_rgba())?;
    }
    draw_time_axes(p, &f, &y_axis, &x_ticks)?;
    data.draw(p, &f)?;
    draw_time_labels(p, &f, &y_axis, &x_ticks)?;
    if let Some(origin) = origin {
        draw_origin(p, &f, origin, c.origin_label)?;
    }
    let obstacles = data.obstacles(&f);
    let mut taken = Vec::new();
    taken.extend(note.as_deref().map(|n| note_box(p, &f, n, &obstacles).1));
    draw_limits(p, &f, &values.on_chart, &mut taken, &obstacles)?;
    if let Some(note) = &note {
        draw_note(p, &f, note, &obstacles)?;
    }
    draw_footnotes(p, &footnotes)?;
    Ok(())
}

/// What a series chart draws: its finite points in day order, and the projection's sane bands.
struct SeriesData {
    history: Vec<(f64, f64)>,
    projection: Vec<Projected>,
    bands: Vec<(f64, Bands)>,
}

/// A series chart's value axis range, and its limits: those drawn on it, and footnotes for
/// those beyond it.
struct SeriesValues<'c> {
    lo: f64,
    hi: f64,
    on_chart: Vec<&'c Limit>,
    off_chart: Vec<String>,
}

impl SeriesData {
    fn new(c: &SeriesChart) -> Self {
        let mut history: Vec<(f64, f64)> =
            c.history.iter().copied().filter(|(d, v)| d.is_finite() && v.is_finite()).collect();
        history.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut projection: Vec<Projected> =
            c.projection.iter().copied().filter(|q| q.day.is_finite() && q.value.is_finite()).collect();
        projection.sort_by(|a, b| a.day.total_cmp(&b.day));
        let bands = projection.iter().filter_map(|q| q.bands.and_then(sane_bands).map(|b| (q.day, b))).collect();
        SeriesData { history, projection, bands }
    }

    /// The first and last day with data; `None` when there is none.
    fn day_range(&self) -> Option<(f64, f64)> {
        min_max(self.history.iter().map(|h| h.0).chain(self.projection.iter().map(|q| q.day)))
    }

    /// The value axis covers the data and the bands, but bands that run away are cut at 2.5
    /// times the central data so that the history stays readable. Limits up to half again
    /// above the data are drawn; the others become footnotes.
    fn value_range<'c>(&self, limits: &'c [Limit]) -> SeriesValues<'c> {
        let (central_lo, central_hi) =
            min_max(self.history.iter().map(|h| h.1).chain(self.projection.iter().map(|q| q.value)))
                .unwrap_or((0.0, 0.0));
        let band_hi = self.bands.iter().map(|b| b.1 .3).fold(f64::NEG_INFINITY, f64::max);
        let mut data_hi = central_hi.max(0.0);
        if band_hi > data_hi {
            data_hi = if central_hi > 0.0 { band_hi.min(2.5 * central_hi) } else { band_hi };
        }
        let data_lo = central_lo.min(0.0);
        let reach = if data_hi > 0.0 { 1.5 * data_hi } else { data_hi };
        let mut on_chart: Vec<&Limit> = Vec::new();
        let mut off_chart: Vec<String> = Vec::new();
        for limit in limits {
            if !limit.value.is_finite() {
                continue;
            }
            if limit.value >= data_lo && limit.value <= reach {
                on_chart.push(limit);
            } else {
                off_chart.push(off_chart_text(limit, limit.value > reach));
            }
        }
        let top_value = on_chart.iter().map(|l| l.value).fold(data_hi, f64::max);
        let top_value = top_value + (top_value - data_lo) * 0.04;
        SeriesValues { lo: data_lo, hi: top_value, on_chart, off_chart }
    }

    /// An entry for each kind of mark the chart will draw.
    fn legend(&self, limits_on_chart: usize) -> Vec<(Swatch, String)> {
        let mut legend = Vec::new();
        if !self.history.is_empty() {
            legend.push((Swatch::Dots(HISTORY), "history".to_owned()));
        }
        if self.projection.len() >= 2 {
            legend.push((Swatch::Line(FORECAST), "forecast".to_owned()));
        }
        if self.bands.len() >= 2 {
            legend.push((Swatch::Block(BAND80), "80% interval".to_owned()));
            legend.push((Swatch::Block(BAND95), "95% interval".to_owned()));
        }
        if limits_on_chart > 0 {
            legend.push((Swatch::Dashes(LIMIT), if limits_on_chart == 1 { "limit" } else { "limits" }.to_owned()));
        }
        legend
    }

    /// The bands, the forecast line over them, and the history's dots.
    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>, f: &Frame) -> Result<()> {
        let (history, projection, bands) = (&self.history, &self.projection, &self.bands);
        if bands.len() >= 2 {
            let picked = thinned(bands.len(), MAX_POINTS);
            let band = |lo: fn(&Bands) -> f64, hi: fn(&Bands) -> f64| {
                let upper = picked.iter().map(|&i| (f.x(bands[i].0), f.y(hi(&bands[i].1))));
                let lower = picked.iter().rev().map(|&i| (f.x(bands[i].0), f.y(lo(&bands[i].1))));
                upper.chain(lower).collect::<Vec<_>>()
            };
            p.polygon(&band(|b| b.2, |b| b.3), BAND95)?;
            p.polygon(&band(|b| b.0, |b| b.1), BAND80)?;
        }
        if projection.len() >= 2 {
            let line: Vec<(f64, f64)> = thinned(projection.len(), MAX_POINTS)
                .into_iter()
                .map(|i| (f.x(projection[i].day), f.y(projection[i].value)))
                .collect();
            p.path(&line, FORECAST, 2.0)?;
        }
        let mut last_dot = None;
        for &(day, value) in history {
            let at = (f.x(day).round(), f.y(value).round());
            // Points a pixel apart draw the same; skipping them keeps a long history's SVG small.
            if last_dot != Some(at) {
                p.dot(at, 2.0, HISTORY)?;
                last_dot = Some(at);
            }
        }
        if history.is_empty() && projection.len() == 1 {
            p.dot((f.x(projection[0].day), f.y(projection[0].value)), 3.0, FORECAST)?;
        }
        Ok(())
    }

    /// What labels and the note should not hide: the points, the line and the bands.
    fn obstacles(&self, f: &Frame) -> Vec<Rect> {
        let (history, projection, bands) = (&self.history, &self.projection, &self.bands);
        let mut data: Vec<Rect> = thinned(history.len(), 400)
            .into_iter()
            .map(|i| {
                let (x, y) = (f.x(history[i].0), f.y(history[i].1));
                Rect { x0: x - 3.0, y0: y - 3.0, x1: x + 3.0, y1: y + 3.0 }
            })
            .collect();
        let line: Vec<(f64, f64)> = projection.iter().map(|q| (f.x(q.day), f.y(q.value))).collect();
        data.extend(line_obstacles(&line, 3.0));
        data.extend(bands.windows(2).map(|pair| {
            let (a, b) = (pair[0], pair[1]);
            Rect { x0: f.x(a.0), y0: f.y(a.1 .3.max(b.1 .3)), x1: f.x(b.0), y1: f.y(a.1 .2.min(b.1 .2)) }
        }));
        data
    }
}

/// A plot over time before its axes are laid out: what it spans, and the room it has.
struct TimePlot {
    unit: Unit,
    /// The values to cover, low and high.
    values: (f64, f64),
    /// The x range in days.
    days: (f64, f64),
    top: f64,
    bottom: f64,
    /// Where the plot must end on the right, before room is left for the last date label.
    right_edge: f64,
    /// The least vertical room per value tick.
    tick_spacing: f64,
}

impl TimePlot {
    /// The frame, its value axis and its date ticks: the value labels' width sets the left
    /// edge, and half a month label is kept free at the right.
    fn lay_out<DB: DrawingBackend>(&self, p: &Painter<'_, DB>) -> (Frame, ValueAxis, Vec<(f64, String)>) {
        let (x_lo, x_hi) = self.days;
        let ticks = ticks_fitting(self.bottom - self.top, self.tick_spacing);
        let y_axis = value_axis(self.unit, self.values.0, self.values.1, ticks);
        let y_label_width = y_axis.ticks.iter().map(|t| p.measure(&t.1, SMALL_EM)).fold(0.0, f64::max);
        let month_width = p.measure("Sep 2026", SMALL_EM);
        let left = PAD + y_label_width.min(140.0) + 8.0;
        let right = self.right_edge - month_width / 2.0;
        let x_ticks = time_axis(
            x_lo,
            x_hi,
            labels_fitting(right - left, month_width),
            labels_fitting(right - left, p.measure("2026-09-30", SMALL_EM)),
        );
        let frame =
            Frame { left, right, top: self.top, bottom: self.bottom, x_lo, x_hi, y_lo: y_axis.lo, y_hi: y_axis.hi };
        (frame, y_axis, x_ticks)
    }
}

// ---------------------------------------------------------------------------------------------
// Stacked chart

/// The stacked legend's last entry, beside a swatch half full colour, half washed out.
const FORECAST_KEY: &str = "forecast (paler)";

fn is_others(name: &str) -> bool {
    name.trim().eq_ignore_ascii_case("others")
}

fn draw_stacked<DB: DrawingBackend>(p: &Painter<'_, DB>, c: &StackedChart) -> Result<()> {
    let top = draw_title(p, &c.title)?;
    let Some(columns) = stacked_columns(c) else {
        return draw_empty(p, top, "no data");
    };
    let days: Vec<f64> = columns.iter().map(|&i| c.days[i]).collect();
    let layers = stacked_layers(c, &columns);
    let cumulative = cumulative_tops(&layers, days.len());
    let total_hi = cumulative.last().map(|top| top.iter().copied().fold(0.0, f64::max)).unwrap_or(0.0);

    let (day_lo, day_hi) = (days[0], days[days.len() - 1]);
    let origin = usable_origin(c.origin, day_lo, day_hi);
    let (day_lo, day_hi) = origin.map_or((day_lo, day_hi), |o| (day_lo.min(o), day_hi.max(o)));

    let budget = c.budget.as_ref().filter(|b| b.value.is_finite());
    let reach = if total_hi > 0.0 { 1.5 * total_hi } else { 0.0 };
    let budget_on_chart = budget.filter(|b| b.value >= 0.0 && b.value <= reach);
    let footnotes = match budget {
        Some(b) if budget_on_chart.is_none() => vec![off_chart_text(b, b.value > reach)],
        _ => Vec::new(),
    };
    let top_value = budget_on_chart.map_or(total_hi, |b| b.value.max(total_hi));
    let top_value = top_value * 1.04;

    let legend = StackedLegend::new(p, &layers, origin.is_some());
    let plot = TimePlot {
        unit: Unit::Bytes,
        values: (0.0, top_value),
        days: day_range(day_lo, day_hi),
        top: top + 6.0 + if origin.is_some() { ORIGIN_STRIP } else { 0.0 },
        bottom: p.height - PAD - FOOTNOTE_LINE * footnotes.len() as f64 - X_LABELS,
        right_edge: legend.x - 16.0,
        tick_spacing: 40.0,
    };
    let (f, y_axis, x_ticks) = plot.lay_out(p);

    draw_time_axes(p, &f, &y_axis, &x_ticks)?;
    let stack = Stack { xs: stack_xs(&f, &days), days: days.len(), cumulative };
    stack.draw_layers(p, &f, &layers)?;
    if let Some(origin) = origin {
        // The projected part is washed out, so history reads as measured and the rest as forecast.
        let x = f.x(origin);
        if x < f.right {
            p.fill_rect(Rect { x0: x, ..f.area() }, WHITE.mix(0.4))?;
        }
    }
    draw_time_labels(p, &f, &y_axis, &x_ticks)?;
    if let Some(origin) = origin {
        draw_origin(p, &f, origin, c.origin_label)?;
    }
    if let Some(budget) = budget_on_chart {
        draw_limits(p, &f, &[budget], &mut Vec::new(), &stack.area(&f))?;
    }
    legend.draw(p, plot.top, origin.is_some_and(|o| f.x(o) < f.right))?;
    draw_footnotes(p, &footnotes)?;
    Ok(())
}

/// The days drawn, as indices into the chart's days: finite, ascending, distinct, thinned.
/// `None` when there is nothing to stack.
fn stacked_columns(c: &StackedChart) -> Option<Vec<usize>> {
    let mut columns: Vec<usize> = (0..c.days.len()).filter(|&i| c.days[i].is_finite()).collect();
    columns.sort_by(|&a, &b| c.days[a].total_cmp(&c.days[b]));
    columns.dedup_by(|a, b| c.days[*a] == c.days[*b]);
    if columns.is_empty() || c.layers.is_empty() {
        return None;
    }
    Some(thinned(columns.len(), MAX_POINTS / 2).into_iter().map(|i| columns[i]).collect())
}

/// One drawn layer: its legend name, its colour, and its value in each drawn column.
type Layer = (String, RGBColor, Vec<f64>);

/// The layers at the drawn columns, bottom first. Layers above [`MAX_DRAWN_LAYERS`] are summed
/// into one, drawn in the "others" grey.
fn stacked_layers(c: &StackedChart, columns: &[usize]) -> Vec<Layer> {
    let value = |values: &[f64], column: usize| {
        values.get(column).copied().filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0)
    };
    let mut layers: Vec<Layer> = Vec::new();
    let last = c.layers.len() - 1;
    for (i, (name, values)) in c.layers.iter().enumerate() {
        let column_values: Vec<f64> = columns.iter().map(|&col| value(values, col)).collect();
        if i < MAX_DRAWN_LAYERS - 1 || c.layers.len() <= MAX_DRAWN_LAYERS {
            let color = if i == last && is_others(name) { OTHERS } else { LAYERS[i % LAYERS.len()] };
            layers.push((short_name(name), color, column_values));
        } else if i == MAX_DRAWN_LAYERS - 1 {
            let more = c.layers.len() - i;
            layers.push((format!("{more} more tables"), OTHERS, column_values));
        } else if let Some(merged) = layers.last_mut() {
            for (sum, v) in merged.2.iter_mut().zip(column_values) {
                *sum = (*sum + v).min(f64::MAX);
            }
        }
    }
    layers
}

/// `cumulative[i][j]`: the top of layer `i` at column `j`.
fn cumulative_tops(layers: &[Layer], columns: usize) -> Vec<Vec<f64>> {
    let mut cumulative: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
    for (_, _, values) in layers {
        let below = cumulative.last().cloned().unwrap_or_else(|| vec![0.0; columns]);
        cumulative.push(below.iter().zip(values).map(|(b, v)| (b + v).min(f64::MAX)).collect());
    }
    cumulative
}

/// The x of each drawn column; a single day has no width, so it is drawn as a narrow column.
fn stack_xs(f: &Frame, days: &[f64]) -> Vec<f64> {
    let xs: Vec<f64> = days.iter().map(|&d| f.x(d)).collect();
    if xs.len() == 1 {
        vec![xs[0] - 6.0, xs[0] + 6.0]
    } else {
        xs
    }
}

/// The stacked layers laid out on the frame.
struct Stack {
    /// The x of each outline point: one per column, or two for a single column.
    xs: Vec<f64>,
    /// Columns of data.
    days: usize,
    cumulative: Vec<Vec<f64>>,
}

impl Stack {
    /// The data column an outline point shows.
    fn column_of(&self, j: usize) -> usize {
        j.min(self.days - 1)
    }

    /// Each layer as a filled band over the one below it, with white seams between them.
    fn draw_layers<DB: DrawingBackend>(&self, p: &Painter<'_, DB>, f: &Frame, layers: &[Layer]) -> Result<()> {
        let (xs, cumulative) = (&self.xs, &self.cumulative);
        for (i, (_, color, _)) in layers.iter().enumerate() {
            let upper = &cumulative[i];
            let lower = if i == 0 { None } else { Some(&cumulative[i - 1]) };
            if upper.iter().zip(0..).all(|(u, j)| *u <= lower.map_or(0.0, |l| l[j])) {
                continue;
            }
            let below = |j: usize| lower.map_or(0.0, |l| l[self.column_of(j)]);
            let mut outline: Vec<(f64, f64)> = (0..xs.len()).map(|j| (xs[j], f.y(upper[self.column_of(j)]))).collect();
            outline.extend((0..xs.len()).rev().map(|j| (xs[j], f.y(below(j)))));
            p.polygon(&outline, *color)?;
        }
        // White seams between layers keep neighbours apart in greyscale and for colour-blind readers.
        for upper in cumulative.iter().take(cumulative.len().saturating_sub(1)) {
            let seam: Vec<(f64, f64)> = (0..xs.len()).map(|j| (xs[j], f.y(upper[self.column_of(j)]))).collect();
            p.path(&seam, WHITE, 1.0)?;
        }
        Ok(())
    }

    /// The area under the total, which the budget's label should not cover.
    fn area(&self, f: &Frame) -> Vec<Rect> {
        self.cumulative
            .last()
            .map(|total| {
                self.xs
                    .iter()
                    .enumerate()
                    .map(|(j, &x)| Rect { x0: x - 3.0, y0: f.y(total[self.column_of(j)]), x1: x + 3.0, y1: f.bottom })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The stacked chart's legend: a column at the right, top entry for the top layer, as the
/// stack reads.
struct StackedLegend {
    entries: Vec<(String, RGBColor)>,
    /// "+N more below" when not every layer has an entry.
    more: Option<String>,
    text_width: f64,
    /// The left edge of the swatches.
    x: f64,
}

impl StackedLegend {
    fn new<DB: DrawingBackend>(p: &Painter<'_, DB>, layers: &[Layer], forecast_key: bool) -> Self {
        let mut entries: Vec<(String, RGBColor)> =
            layers.iter().rev().take(MAX_LEGEND_LAYERS).map(|(name, color, _)| (name.clone(), *color)).collect();
        let hidden = layers.len().saturating_sub(MAX_LEGEND_LAYERS);
        let more = (hidden > 0).then(|| format!("+{hidden} more below"));
        let text_width = entries
            .iter()
            .map(|e| p.measure(&e.0, TEXT_EM))
            .chain(more.iter().map(|m| p.measure(m, TEXT_EM)))
            .chain(forecast_key.then(|| p.measure(FORECAST_KEY, TEXT_EM)))
            .fold(0.0, f64::max)
            .min(230.0);
        let legend_width = 16.0 + 6.0 + text_width;
        let x = p.width - PAD - legend_width;
        for entry in &mut entries {
            entry.0 = p.fit(&entry.0, TEXT_EM, text_width);
        }
        StackedLegend { entries, more, text_width, x }
    }

    /// The entries from `top` down, then, when the forecast is on the chart, the key to its
    /// washed-out part.
    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>, top: f64, forecast_key: bool) -> Result<()> {
        let x = self.x;
        let mut row_top = top;
        for (name, color) in &self.entries {
            let mid = row_top + 9.0;
            let swatch = Rect { x0: x, y0: mid - 6.0, x1: x + 14.0, y1: mid + 6.0 };
            p.fill_rect(swatch, color.to_rgba())?;
            p.outline_rect(swatch, FRAME)?;
            p.text(name, x + 22.0, mid + font::CAP_HEIGHT * TEXT_EM / 2.0, TEXT_EM, INK, HPos::Left)?;
            row_top += LEGEND_ROW;
        }
        if let Some(more) = &self.more {
            p.text(more, x + 22.0, row_top + 9.0 + font::CAP_HEIGHT * TEXT_EM / 2.0, TEXT_EM, MUTED, HPos::Left)?;
            row_top += LEGEND_ROW;
        }
        if forecast_key {
            let mid = row_top + LEGEND_ROW / 2.0 + 8.0;
            let measured = Rect { x0: x, y0: mid - 6.0, x1: x + 7.0, y1: mid + 6.0 };
            let forecast = Rect { x0: x + 7.0, x1: x + 14.0, ..measured };
            p.fill_rect(measured, LAYERS[0].to_rgba())?;
            p.fill_rect(forecast, LAYERS[0].to_rgba())?;
            p.fill_rect(forecast, WHITE.mix(0.4))?;
            p.outline_rect(Rect { x0: x, ..forecast }, FRAME)?;
            let text = p.fit(FORECAST_KEY, TEXT_EM, self.text_width);
            p.text(&text, x + 22.0, mid + font::CAP_HEIGHT * TEXT_EM / 2.0, TEXT_EM, MUTED, HPos::Left)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Breakdown chart

fn draw_breakdown<DB: DrawingBackend>(p: &Painter<'_, DB>, c: &BreakdownChart) -> Result<()> {
    let top = draw_title(p, &c.title)?;
    if c.tables.is_empty() {
        return draw_empty(p, top, "no tables");
    }
    let bars: Vec<Bar> = c.tables[..c.tables.len().min(MAX_BARS)].iter().map(Bar::new).collect();
    let mut legend = vec![
        (Swatch::Block(HEAP), "heap".to_owned()),
        (Swatch::Block(TOAST), "TOAST".to_owned()),
        (Swatch::Block(INDEX), "indexes".to_owned()),
    ];
    if bars.iter().any(|bar| bar.estimate.is_some()) {
        legend.push((Swatch::Tick(INK), "estimated total".to_owned()));
    }
    draw_legend_rows(p, &legend, PAD, top + 4.0, p.width - 2.0 * PAD)?;

    let name_width = bars.iter().map(|b| p.measure(&b.name, TEXT_EM)).fold(0.0, f64::max).min(240.0);
    let caption_width = bars.iter().map(|b| p.measure(&b.caption, SMALL_EM)).fold(0.0, f64::max).min(220.0);
    let left = PAD + name_width + 10.0;
    let right = p.width - PAD - caption_width - 10.0;
    let plot_top = BREAKDOWN_HEADER;
    let plot_bottom = plot_top + BAR_PITCH * bars.len().max(2) as f64;
    let largest = bars
        .iter()
        .map(|b| b.parts.iter().sum::<f64>().max(b.estimate.unwrap_or(0.0)))
        .fold(0.0, f64::max)
        .min(f64::MAX);
    let x_axis = bytes_axis_fitting(p, largest, right - left);
    let f = Frame {
        left,
        right,
        top: plot_top,
        bottom: plot_bottom,
        x_lo: x_axis.lo,
        x_hi: x_axis.hi,
        y_lo: 0.0,
        y_hi: 1.0,
    };

    for (value, _) in &x_axis.ticks {
        let x = f.x(*value);
        p.path(&[(x, f.top), (x, f.bottom)], if *value == 0.0 { AXIS } else { GRID }, 1.0)?;
    }
    for (i, bar) in bars.iter().enumerate() {
        bar.draw(p, &f, plot_top + BAR_PITCH * (i as f64 + 0.5))?;
    }
    p.path(&[(f.left, f.bottom), (f.right, f.bottom)], AXIS, 1.0)?;
    for (value, label) in &x_axis.ticks {
        let x = f.x(*value);
        p.path(&[(x, f.bottom), (x, f.bottom + 4.0)], AXIS, 1.0)?;
        p.text(label, x, f.bottom + 8.0 + font::ASCENT * SMALL_EM, SMALL_EM, MUTED, HPos::Center)?;
    }
    if c.tables.len() > MAX_BARS {
        draw_footnotes(p, &[format!("+{} more tables not shown", c.tables.len() - MAX_BARS)])?;
    }
    Ok(())
}

/// A bytes axis from 0 to `largest` over `length` pixels: fewer ticks until the widest labels
/// have room between them.
fn bytes_axis_fitting<DB: DrawingBackend>(p: &Painter<'_, DB>, largest: f64, length: f64) -> ValueAxis {
    let mut max_ticks = ticks_fitting(length, 70.0);
    loop {
        let axis = value_axis(Unit::Bytes, 0.0, largest, max_ticks);
        let widest = axis.ticks.iter().map(|t| p.measure(&t.1, SMALL_EM)).fold(0.0, f64::max);
        let spacing = length / (axis.ticks.len().max(2) - 1) as f64;
        if spacing >= widest + 16.0 || max_ticks <= 2 {
            return axis;
        }
        max_ticks -= 1;
    }
}

/// One table's bar: heap, TOAST and indexes end to end, the estimate's tick, and a caption.
struct Bar {
    name: String,
    parts: [f64; 3],
    estimate: Option<f64>,
    caption: String,
}

impl Bar {
    fn new(table: &BreakdownBar) -> Self {
        let size = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
        let parts = [size(table.heap), size(table.toast), size(table.index)];
        let total: f64 = parts.iter().sum();
        let estimate = table.estimated_total.filter(|e| e.is_finite() && *e >= 0.0);
        let caption = match estimate {
            Some(e) => format!("{} · est. {}", format_value(Unit::Bytes, total), format_value(Unit::Bytes, e)),
            None => format_value(Unit::Bytes, total),
        };
        Bar { name: short_name(&table.name), parts, estimate, caption }
    }

    /// The bar centred on `mid`, its name to the left of the plot and its caption after it.
    fn draw<DB: DrawingBackend>(&self, p: &Painter<'_, DB>, f: &Frame, mid: f64) -> Result<()> {
        let (y0, y1) = (mid - BAR_HEIGHT / 2.0, mid + BAR_HEIGHT / 2.0);
        let mut at = 0.0;
        for (part, color) in self.parts.iter().zip([HEAP, TOAST, INDEX]) {
            if *part > 0.0 {
                p.fill_rect(Rect { x0: f.x(at), y0, x1: f.x(at + part), y1 }, color.to_rgba())?;
            }
            at += part;
        }
        if at > 0.0 {
            p.outline_rect(Rect { x0: f.x(0.0), y0, x1: f.x(at), y1 }, HEAP)?;
        }
        let mut end = f.x(at);
        if let Some(estimate) = self.estimate {
            let x = f.x(estimate);
            p.path(&[(x, y0 - 4.0), (x, y1 + 4.0)], INK, 2.0)?;
            end = end.max(x + 1.0);
        }
        p.text(&self.name, f.left - 10.0, mid + font::CAP_HEIGHT * TEXT_EM / 2.0, TEXT_EM, INK, HPos::Right)?;
        let caption = p.fit(&self.caption, SMALL_EM, p.width - PAD - end - 6.0);
        p.text(&caption, end + 6.0, mid + font::CAP_HEIGHT * SMALL_EM / 2.0, SMALL_EM, MUTED, HPos::Left)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<script>alert(1)</script> \"quoted\" & 'apostrophe'";

    /// A deterministic wobble in -1..1, so samples look measured without a random crate.
    fn noise(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((*seed >> 33) as f64 / f64::from(1u32 << 31)) * 2.0 - 1.0
    }

    fn series(unit: Unit, start: f64, per_day: f64, limits: Vec<Limit>) -> SeriesChart {
        let origin = day_of(2026, 11, 30);
        let mut seed = 7;
        let history: Vec<(f64, f64)> = (0..365)
            .map(|i| {
                let day = origin - 364.0 + f64::from(i);
                let weekly = if (day as i64).rem_euclid(7) < 2 { -0.3 } else { 0.1 };
                (day, start + per_day * f64::from(i) * (1.0 + weekly * 0.2) + per_day * 4.0 * noise(&mut seed))
            })
            .collect();
        let last = history[history.len() - 1].1;
        let projection = (0..=365)
            .step_by(7)
            .map(|i| {
                let t = f64::from(i);
                let value = last + per_day * 1.08 * t;
                let spread = per_day * 9.0 * t.sqrt();
                Projected {
                    day: origin + t,
                    value,
                    bands: Some((value - spread, value + spread, value - 1.6 * spread, value + 1.6 * spread)),
                }
            })
            .collect();
        SeriesChart {
            title: "public.orders · rows".to_owned(),
            unit,
            history,
            projection,
            origin,
            origin_label: "last snapshot",
            limits,
            note: None,
        }
    }

    fn rows_series() -> SeriesChart {
        series(
            Unit::Rows,
            40e6,
            150e3,
            vec![
                Limit { label: "int max 2.1B".to_owned(), value: 2_147_483_647.0, crossed_at: None },
                Limit { label: "partitioning at 120M".to_owned(), value: 120e6, crossed_at: Some(day_of(2027, 8, 14)) },
            ],
        )
    }

    fn bytes_series() -> SeriesChart {
        let gib = 1024f64.powi(3);
        let mut chart = series(
            Unit::Bytes,
            60.0 * gib,
            0.14 * gib,
            vec![
                Limit {
                    label: "disk budget 180 GiB".to_owned(),
                    value: 180.0 * gib,
                    crossed_at: Some(day_of(2027, 10, 2)),
                },
                Limit {
                    label: "alert at 170 GiB".to_owned(),
                    value: 170.0 * gib,
                    crossed_at: Some(day_of(2027, 7, 20)),
                },
                Limit { label: "table limit 32 TiB".to_owned(), value: 32.0 * 1024.0 * gib, crossed_at: None },
            ],
        );
        chart.title = "public.events · total size (heap + TOAST + indexes)".to_owned();
        chart
    }

    fn note_series() -> SeriesChart {
        let origin = day_of(2026, 11, 30);
        SeriesChart {
            title: "public.invoices · rows".to_owned(),
            unit: Unit::Rows,
            history: vec![(origin - 6.0, 1200.0), (origin, 1250.0)],
            projection: vec![
                Projected { day: origin, value: 1250.0, bands: None },
                Projected { day: origin + 365.0, value: 1250.0, bands: None },
            ],
            origin,
            origin_label: "last snapshot",
            limits: vec![],
            note: Some("not enough history: 2 snapshots (a fit needs 3); flat projection".to_owned()),
        }
    }

    fn stacked(layers: usize) -> StackedChart {
        let origin = day_of(2026, 11, 30);
        let days: Vec<f64> = (-52..=52).map(|w| origin + 7.0 * f64::from(w)).collect();
        let names = [
            "events",
            "orders",
            "order_items",
            "audit_log",
            "sessions",
            "customers",
            "payments",
            "shipments",
            "inventory_movements",
            "notifications",
        ];
        let gib = 1024f64.powi(3);
        let mut seed = 11;
        let mut layers: Vec<(String, Vec<f64>)> = (0..layers)
            .map(|i| {
                let base = gib * (120.0 / (1.0 + i as f64)).max(2.0);
                let growth = base * 0.004 * (1.0 + (i % 3) as f64);
                let name = names.get(i).map_or_else(|| format!("table_{i}"), |n| format!("public.{n}"));
                let values = days
                    .iter()
                    .map(|d| base + growth * (d - days[0]) / 7.0 * (1.0 + 0.02 * noise(&mut seed)))
                    .collect();
                (name, values)
            })
            .collect();
        if layers.len() == 10 {
            layers.push(("others".to_owned(), days.iter().map(|d| 25.0 * gib + (d - days[0]) * 0.02 * gib).collect()));
        }
        StackedChart {
            title: "Database size by table".to_owned(),
            days,
            layers,
            origin,
            origin_label: "last snapshot",
            budget: Some(Limit {
                label: "budget 800 GiB".to_owned(),
                value: 800.0 * gib,
                crossed_at: Some(day_of(2027, 5, 10)),
            }),
        }
    }

    fn breakdown(tables: usize) -> BreakdownChart {
        let names = [
            "public.events",
            "public.orders",
            "public.order_items",
            "audit.log_entries_partitioned_2026",
            "public.sessions",
            "public.customers",
            "public.payments",
            "public.shipments",
        ];
        let gib = 1024f64.powi(3);
        BreakdownChart {
            title: "Measured size by table, beside the estimate".to_owned(),
            tables: (0..tables)
                .map(|i| {
                    let scale = gib * 90.0 / (1.0 + i as f64).powf(1.3);
                    BreakdownBar {
                        name: names.get(i).map_or_else(|| format!("public.table_{i}"), |n| (*n).to_owned()),
                        heap: scale * 0.6,
                        toast: if i % 3 == 1 { scale * 0.25 } else { scale * 0.02 },
                        index: scale * 0.3,
                        estimated_total: (i != 5).then_some(scale * (0.85 + 0.1 * (i % 4) as f64)),
                    }
                })
                .collect(),
        }
    }

    fn all_samples() -> Vec<(&'static str, Chart)> {
        vec![
            ("series-rows", Chart::Series(rows_series())),
            ("series-bytes", Chart::Series(bytes_series())),
            ("series-note", Chart::Series(note_series())),
            ("stacked", Chart::Stacked(stacked(10))),
            ("breakdown", Chart::Breakdown(breakdown(8))),
        ]
    }

    fn hostile_charts() -> Vec<Chart> {
        let long = "x".repeat(300);
        let mut s = rows_series();
        s.title = format!("{HOSTILE} {long}");
        s.limits.push(Limit { label: HOSTILE.to_owned(), value: 90e6, crossed_at: Some(day_of(2027, 1, 1)) });
        s.note = Some(HOSTILE.to_owned());
        let mut st = stacked(10);
        st.title = HOSTILE.to_owned();
        st.layers[0].0 = HOSTILE.to_owned();
        st.layers[1].0 = long.clone();
        let mut b = breakdown(8);
        b.title = HOSTILE.to_owned();
        b.tables[0].name = HOSTILE.to_owned();
        b.tables[1].name = long;
        vec![Chart::Series(s), Chart::Stacked(st), Chart::Breakdown(b)]
    }

    /// Where every piece of text of `chart` goes.
    fn layout(chart: &Chart) -> Vec<(String, Rect)> {
        font::register().unwrap();
        let mut svg = String::new();
        let (w, h) = canvas_size(chart);
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(&root, chart, 1.0, false).unwrap()
    }

    fn text_nodes(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants().filter(|n| n.has_tag_name("text")).map(|n| n.text().unwrap_or("").trim().to_owned()).collect()
    }

    #[test]
    fn svg_is_well_formed_for_every_kind_even_with_hostile_names() {
        for chart in all_samples().into_iter().map(|s| s.1).chain(hostile_charts()) {
            let svg = render_svg(&chart).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}:\n{svg}"));
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "svg");
            assert_eq!(root.attribute("role"), Some("img"));
            let (w, h) = canvas_size(&chart);
            assert_eq!(root.attribute("viewBox"), Some(format!("0 0 {w} {h}").as_str()));
            let title = root.first_element_child().unwrap();
            assert_eq!(title.tag_name().name(), "title");
            assert_eq!(title.text(), Some(clean(chart_title(&chart)).as_str()));
            assert!(!svg.starts_with("<?xml") && !svg.contains("<!DOCTYPE"));
            assert!(!svg.contains("@font-face"), "the page carries the font, not each chart");
        }
    }

    #[test]
    fn script_in_names_and_titles_appears_only_escaped() {
        for chart in hostile_charts() {
            let svg = render_svg(&chart).unwrap();
            assert!(!svg.contains("<script"), "{svg}");
            assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
            let doc = roxmltree::Document::parse(&svg).unwrap();
            assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
            let texts = text_nodes(&svg);
            assert!(texts.iter().any(|t| t.contains("<script>alert(1)</script>")), "{texts:?}");
            let standalone = standalone_svg(&svg);
            assert!(!standalone.contains("<script"));
        }
        let svg = render_svg(&hostile_charts()[0]).unwrap();
        assert!(svg.contains("&quot;quoted&quot; &amp; &apos;apostrophe&apos;"), "{svg}");
    }

    #[test]
    fn standalone_svg_carries_the_font_once_and_stays_well_formed() {
        let svg = render_svg(&Chart::Series(rows_series())).unwrap();
        let standalone = standalone_svg(&svg);
        let doc = roxmltree::Document::parse(&standalone).unwrap();
        let style = doc.descendants().find(|n| n.has_tag_name("style")).unwrap();
        assert_eq!(style.parent_element().map(|p| p.tag_name().name()), Some("svg"));
        assert_eq!(doc.root_element().first_element_child().map(|n| n.tag_name().name()), Some("title"));
        assert!(style.text().unwrap().starts_with("@font-face{font-family:\"DejaVu Sans\""));
        assert_eq!(standalone.matches("@font-face").count(), 1);
        assert!(svg.contains("font-family=\"DejaVu Sans, sans-serif\""));
        assert!(svg.contains("font-size=\"15\"") && svg.contains("font-size=\"11\""), "{svg}");
    }

    #[test]
    fn png_decodes_at_twice_the_size_and_is_not_blank() {
        for (name, chart) in all_samples() {
            let png = render_png(&chart).unwrap();
            let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
            let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut pixels).unwrap();
            let (w, h) = canvas_size(&chart);
            assert_eq!((info.width, info.height), (2 * w, 2 * h), "{name}");
            assert_eq!(info.color_type, png::ColorType::Rgb);
            let rgb: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(3).collect();
            let mut colours: Vec<&[u8]> = rgb.clone();
            colours.sort_unstable();
            colours.dedup();
            assert!(colours.len() >= 12, "{name}: {} colours", colours.len());
            let inked = rgb.iter().filter(|p| p.iter().any(|&c| c < 200)).count() as f64 / rgb.len() as f64;
            assert!((0.01..0.8).contains(&inked), "{name}: {inked} of the pixels are dark");
        }
    }

    fn number(label: &str) -> f64 {
        label.trim_end_matches(|c: char| c.is_alphabetic() || c == ' ').parse().unwrap()
    }

    #[test]
    fn byte_ticks_are_round_numbers_in_the_unit_of_the_axis_maximum() {
        let kib: f64 = 1024.0;
        for (hi, unit) in [
            (900.0, "B"),
            (500.0 * kib, "KiB"),
            (950.0 * kib * kib, "MiB"),
            (3.4 * kib.powi(3), "GiB"),
            (1.5 * kib.powi(4), "TiB"),
        ] {
            let axis = value_axis(Unit::Bytes, 0.0, hi, 6);
            assert!(axis.hi >= hi && axis.lo == 0.0, "{axis:?}");
            assert!(axis.ticks.len() >= 3 && axis.ticks.len() <= 6, "{axis:?}");
            assert_eq!(axis.ticks[0].1, "0");
            for (value, label) in &axis.ticks[1..] {
                assert!(label.ends_with(&format!(" {unit}")), "{label} for {hi}");
                let n = number(label);
                // Round: 1, 2 or 5 times a power of ten, times the tick's index.
                let step = number(&axis.ticks[1].1);
                assert!(((n / step) - (n / step).round()).abs() < 1e-9, "{label}");
                assert!(
                    (value
                        / (n * 1024f64
                            .powi(["B", "KiB", "MiB", "GiB", "TiB"].iter().position(|u| *u == unit).unwrap() as i32))
                        - 1.0)
                        .abs()
                        < 1e-9
                );
            }
            let values: Vec<f64> = axis.ticks.iter().map(|t| number(&t.1)).collect();
            assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
        }
        let axis = value_axis(Unit::Bytes, 0.0, 950.0 * kib * kib, 6);
        assert_eq!(axis.ticks[1].1, "200 MiB");
        let axis = value_axis(Unit::Bytes, 0.0, 1.2 * kib.powi(3), 7);
        assert_eq!(
            axis.ticks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
            ["0", "0.2 GiB", "0.4 GiB", "0.6 GiB", "0.8 GiB", "1.0 GiB", "1.2 GiB"]
        );
    }

    #[test]
    fn row_ticks_use_suffixes_by_magnitude() {
        for (hi, suffix) in [(950.0, ""), (9_500.0, ""), (12_000.0, "k"), (3.4e6, "M"), (2.1e9, "B"), (4e12, "T")] {
            let axis = value_axis(Unit::Rows, 0.0, hi, 6);
            assert!(axis.hi >= hi, "{axis:?}");
            for (_, label) in &axis.ticks[1..] {
                let number_part = label.trim_end_matches(suffix);
                assert!(number_part.parse::<f64>().is_ok(), "{label} should end in {suffix:?}");
            }
            let values: Vec<f64> = axis.ticks.iter().map(|t| number(&t.1)).collect();
            assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
        }
        let labels = |hi: f64| value_axis(Unit::Rows, 0.0, hi, 6).ticks.into_iter().map(|t| t.1).collect::<Vec<_>>();
        assert_eq!(labels(2.1e9), ["0", "0.5B", "1.0B", "1.5B", "2.0B", "2.5B"]);
        assert_eq!(labels(950.0), ["0", "200", "400", "600", "800", "1000"]);
        // Rows are whole: a tiny axis counts in ones.
        assert_eq!(labels(3.0), ["0", "1", "2", "3"]);
    }

    #[test]
    fn degenerate_value_ranges_still_give_increasing_ticks() {
        for (lo, hi) in [
            (0.0, 0.0),
            (5.0, 5.0),
            (f64::NAN, f64::NAN),
            (0.0, f64::INFINITY),
            (-10.0, 0.0),
            (0.0, 1e300),
            (0.0, f64::MAX),
        ] {
            for unit in [Unit::Rows, Unit::Bytes] {
                let axis = value_axis(unit, lo, hi, 6);
                assert!(axis.ticks.len() >= 2 && axis.hi > axis.lo, "{lo}..{hi}: {axis:?}");
                assert!(axis.ticks.windows(2).all(|w| w[0].0 < w[1].0), "{lo}..{hi}: {axis:?}");
            }
        }
    }

    #[test]
    fn month_ticks_are_distinct_month_starts_that_fit() {
        let start = day_of(2026, 1, 10);
        for span in [45.0, 120.0, 365.0, 730.0, 3650.0, 36_500.0] {
            for max in [3, 6, 9, 12] {
                let ticks = time_axis(start, start + span, max, max);
                assert!(ticks.len() <= max && ticks.len() >= 2.min(max), "{span} days, {max}: {ticks:?}");
                assert!(ticks.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1), "{ticks:?}");
                for (day, label) in &ticks {
                    assert!(*day >= start && *day <= start + span);
                    if span > 62.0 {
                        assert_eq!(civil(*day).2, 1, "{label} is not a month start");
                    }
                }
            }
        }
        let year = time_axis(day_of(2025, 12, 1), day_of(2026, 11, 30), 12, 12);
        assert_eq!(year.first().map(|t| t.1.as_str()), Some("Dec 2025"));
        assert_eq!(year.len(), 12);
        let two_years = time_axis(day_of(2025, 12, 1), day_of(2027, 11, 30), 9, 9);
        assert!(
            two_years.iter().all(|t| ["Jan", "Apr", "Jul", "Oct"].iter().any(|m| t.1.starts_with(m))),
            "{two_years:?}"
        );
        let decades = time_axis(day_of(2000, 3, 1), day_of(2040, 1, 1), 8, 8);
        assert!(decades.iter().all(|t| t.1.len() == 4), "{decades:?}");
        // Under two month starts: days.
        let days = time_axis(day_of(2026, 3, 3), day_of(2026, 3, 20), 8, 8);
        assert!(days.len() >= 2 && days.iter().all(|t| t.1.starts_with("2026-03-")), "{days:?}");
        assert!(time_axis(5.0, 5.0, 8, 8).is_empty());
        assert!(time_axis(-1e300, 1e300, 8, 8).len() <= 8);
    }

    #[test]
    fn month_tick_labels_never_overlap_in_drawn_charts() {
        for (name, chart) in all_samples() {
            let boxes = layout(&chart);
            let month_labels: Vec<&Rect> =
                boxes.iter().filter(|(t, _)| MONTHS.iter().any(|m| t.starts_with(m))).map(|(_, r)| r).collect();
            if !matches!(chart, Chart::Breakdown(_)) {
                assert!(month_labels.len() >= 4, "{name}: {month_labels:?}");
            }
            for pair in month_labels.windows(2) {
                assert!(pair[0].x1 + 8.0 <= pair[1].x0, "{name}: {pair:?}");
            }
        }
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil(0.0), (1970, 1, 1));
        assert_eq!(civil(-1.0), (1969, 12, 31));
        assert_eq!(civil(20_454.0), (2026, 1, 1));
        assert_eq!(civil(20_454.9), (2026, 1, 1));
        assert_eq!(civil(11_016.0), (2000, 2, 29));
        assert_eq!(day_of(2026, 1, 1), 20_454.0);
        for day in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil(f64::from(day));
            assert_eq!(day_of(y, m, d), f64::from(day));
        }
        assert_eq!(month_label(day_of(2027, 8, 31)), "2027-08");
        assert_eq!(civil(f64::NAN), (1970, 1, 1));
    }

    #[test]
    fn text_never_overlaps_and_stays_on_the_canvas() {
        let mut charts: Vec<(String, Chart)> = all_samples().into_iter().map(|(n, c)| (n.to_owned(), c)).collect();
        charts.extend(hostile_charts().into_iter().enumerate().map(|(i, c)| (format!("hostile {i}"), c)));
        charts.push(("1000 layers".to_owned(), Chart::Stacked(stacked(1000))));
        charts.push(("100 tables".to_owned(), Chart::Breakdown(breakdown(100))));
        for (name, chart) in charts {
            let (w, h) = canvas_size(&chart);
            let boxes = layout(&chart);
            for (text, r) in &boxes {
                assert!(
                    r.x0 >= 0.0 && r.y0 >= 0.0 && r.x1 <= f64::from(w) && r.y1 <= f64::from(h),
                    "{name}: {text:?} at {r:?} is off the canvas"
                );
            }
            for (i, (a, ra)) in boxes.iter().enumerate() {
                for (b, rb) in &boxes[i + 1..] {
                    assert!(!ra.overlaps(rb), "{name}: {a:?} at {ra:?} overlaps {b:?} at {rb:?}");
                }
            }
        }
    }

    #[test]
    fn limits_are_labelled_on_the_chart_or_in_a_footnote() {
        let texts = text_nodes(&render_svg(&Chart::Series(rows_series())).unwrap());
        assert!(texts.iter().any(|t| t == "partitioning at 120M · around 2027-08"), "{texts:?}");
        assert!(
            texts.iter().any(|t| t == "int max 2.1B: beyond this chart, not reached in this forecast"),
            "{texts:?}"
        );
        let mut far = rows_series();
        far.limits[1].crossed_at = Some(-1e300);
        let texts = text_nodes(&render_svg(&Chart::Series(far)).unwrap());
        assert!(texts.iter().any(|t| t == "partitioning at 120M"), "{texts:?}");
        let texts = text_nodes(&render_svg(&Chart::Series(bytes_series())).unwrap());
        assert!(texts.iter().any(|t| t == "disk budget 180 GiB · around 2027-10"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "alert at 170 GiB · around 2027-07"), "{texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("table limit 32 TiB: beyond this chart")), "{texts:?}");
        let mut close = bytes_series();
        close.limits.push(Limit {
            label: "third limit".to_owned(),
            value: close.limits[0].value * 1.01,
            crossed_at: None,
        });
        let boxes = layout(&Chart::Series(close));
        let labels: Vec<&Rect> = boxes
            .iter()
            .filter(|(t, _)| t.contains("limit") || t.contains("budget") || t.contains("alert"))
            .map(|(_, r)| r)
            .collect();
        assert!(labels.len() >= 3);
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                assert!(!a.grow(1.0).overlaps(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn stacked_legend_lists_layers_top_first_and_caps_at_twelve() {
        let boxes = layout(&Chart::Stacked(stacked(10)));
        let names: Vec<&str> =
            boxes.iter().map(|(t, _)| t.as_str()).filter(|t| *t == "others" || t.starts_with("public.")).collect();
        assert_eq!(names.first(), Some(&"others"));
        assert_eq!(names.last(), Some(&"public.events"));
        assert_eq!(names.len(), 11);
        let boxes = layout(&Chart::Stacked(stacked(1000)));
        assert!(boxes.iter().any(|(t, _)| t == "+28 more below"), "{boxes:?}");
        assert!(boxes.iter().any(|(t, _)| t == "961 more tables"));
        let legend = boxes.iter().filter(|(t, _)| t.starts_with("table_") || t.starts_with("public.")).count();
        assert_eq!(legend, MAX_LEGEND_LAYERS - 1);
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        let boxes = layout(&hostile_charts()[2]);
        let cut = boxes.iter().find(|(t, _)| t.starts_with("xxx")).unwrap();
        assert_eq!(cut.0.chars().count(), MAX_NAME_CHARS);
        assert!(cut.0.ends_with('…'));
    }

    #[test]
    fn note_appears_in_the_svg_with_what_data_exists() {
        let svg = render_svg(&Chart::Series(note_series())).unwrap();
        let texts = text_nodes(&svg);
        let note: String = texts.iter().filter(|t| !t.is_empty()).cloned().collect::<Vec<_>>().join(" ");
        assert!(note.contains("not enough history: 2 snapshots (a fit needs 3); flat projection"), "{texts:?}");
        assert!(svg.matches("<circle").count() >= 2, "the two snapshots are still drawn");
        assert!(texts.iter().any(|t| t == "history") && texts.iter().any(|t| t == "forecast"));
        let mut empty = note_series();
        empty.history.clear();
        empty.projection.clear();
        let texts = text_nodes(&render_svg(&Chart::Series(empty.clone())).unwrap());
        assert!(texts.iter().any(|t| t.starts_with("not enough history")), "{texts:?}");
        empty.note = None;
        let texts = text_nodes(&render_svg(&Chart::Series(empty)).unwrap());
        assert!(texts.iter().any(|t| t == "no data"), "{texts:?}");
    }

    fn degenerate_charts() -> Vec<Chart> {
        let origin = day_of(2026, 11, 30);
        let base = note_series();
        let with = |history: Vec<(f64, f64)>, projection: Vec<Projected>| {
            Chart::Series(SeriesChart { history, projection, note: None, ..base.clone() })
        };
        let p = |day: f64, value: f64, bands: Option<(f64, f64, f64, f64)>| Projected { day, value, bands };
        let mut charts = vec![
            with(vec![], vec![]),
            with(vec![(f64::NAN, f64::NAN), (origin, f64::INFINITY)], vec![p(f64::NAN, 1.0, None)]),
            with(vec![(origin, 5.0)], vec![]),
            with(vec![], vec![p(origin, 5.0, None)]),
            with(vec![(origin, 0.0), (origin + 1.0, 0.0)], vec![p(origin + 1.0, 0.0, Some((0.0, 0.0, 0.0, 0.0)))]),
            with(
                (0..50).map(|i| (origin - f64::from(i), 7.0)).collect(),
                vec![p(origin, 7.0, None), p(origin + 90.0, 7.0, None)],
            ),
            with(
                vec![(origin, -5.0), (origin + 3.0, -50.0)],
                vec![p(origin + 3.0, -50.0, Some((-1e9, 1e9, f64::NAN, 3.0)))],
            ),
            with(
                vec![(origin, 1e300), (origin + 1.0, f64::MAX)],
                vec![p(origin + 1.0, f64::MAX, Some((0.0, f64::MAX, 0.0, f64::MAX)))],
            ),
            with(
                vec![(-1e300, 1.0), (1e300, 2.0)],
                vec![p(1e15, 3.0, Some((1.0, 2.0, 3.0, 4.0))), p(1e15 + 1.0, 3.0, Some((1.0, 2.0, 3.0, 4.0)))],
            ),
            with(
                vec![(origin, 10.0), (origin, 11.0)],
                vec![p(origin, 11.0, Some((12.0, 10.0, 13.0, 9.0))), p(origin, 11.0, None)],
            ),
        ];
        let mut limits = base.clone();
        limits.limits = vec![
            Limit { label: String::new(), value: f64::NAN, crossed_at: Some(f64::NAN) },
            Limit { label: "neg".to_owned(), value: -1.0, crossed_at: None },
            Limit { label: "inf".to_owned(), value: f64::INFINITY, crossed_at: Some(f64::INFINITY) },
            Limit { label: "zero".to_owned(), value: 0.0, crossed_at: Some(-1e300) },
            Limit { label: "far".to_owned(), value: 10.0, crossed_at: Some(day_of(10_000, 1, 1)) },
            Limit { label: HOSTILE.repeat(20), value: 1300.0, crossed_at: Some(origin) },
        ];
        limits.origin = f64::NAN;
        limits.note = Some(format!("{} {}", "word ".repeat(200), "y".repeat(400)));
        charts.push(Chart::Series(limits));
        let mut far_origin = base.clone();
        far_origin.origin = 1e300;
        charts.push(Chart::Series(far_origin));

        let st = stacked(3);
        let stacked_with = |days: Vec<f64>, layers: Vec<(String, Vec<f64>)>| {
            Chart::Stacked(StackedChart { days, layers, ..st.clone() })
        };
        charts.extend([
            stacked_with(vec![], vec![]),
            stacked_with(vec![origin], vec![]),
            stacked_with(vec![origin], vec![("a".to_owned(), vec![1.0])]),
            stacked_with(
                vec![origin, origin + 1.0],
                vec![("short".to_owned(), vec![]), ("long".to_owned(), vec![1.0; 10])],
            ),
            stacked_with(vec![f64::NAN, origin, origin], vec![("nan".to_owned(), vec![f64::NAN, -5.0, f64::INFINITY])]),
            stacked_with(
                vec![origin, origin + 1.0],
                vec![("zero".to_owned(), vec![0.0, 0.0]), ("others".to_owned(), vec![0.0, 0.0])],
            ),
            stacked_with(
                vec![origin, origin + 1.0],
                vec![("max".to_owned(), vec![f64::MAX, f64::MAX]), ("max2".to_owned(), vec![f64::MAX, 1.0])],
            ),
            Chart::Stacked(stacked(1000)),
        ]);
        let mut budgets = stacked(2);
        budgets.budget = Some(Limit { label: "nan".to_owned(), value: f64::NAN, crossed_at: None });
        charts.push(Chart::Stacked(budgets.clone()));
        budgets.budget = Some(Limit { label: "huge".to_owned(), value: 1e300, crossed_at: Some(1e300) });
        charts.push(Chart::Stacked(budgets.clone()));
        budgets.origin = f64::NEG_INFINITY;
        budgets.budget = Some(Limit { label: "zero".to_owned(), value: 0.0, crossed_at: None });
        charts.push(Chart::Stacked(budgets));

        let bar = |heap: f64, toast: f64, index: f64, estimated_total: Option<f64>| BreakdownBar {
            name: "t".to_owned(),
            heap,
            toast,
            index,
            estimated_total,
        };
        let title = "breakdown".to_owned();
        charts.extend([
            Chart::Breakdown(BreakdownChart { title: title.clone(), tables: vec![] }),
            Chart::Breakdown(BreakdownChart { title: title.clone(), tables: vec![bar(0.0, 0.0, 0.0, None)] }),
            Chart::Breakdown(BreakdownChart {
                title: title.clone(),
                tables: vec![bar(f64::NAN, -1.0, f64::INFINITY, Some(f64::NAN))],
            }),
            Chart::Breakdown(BreakdownChart {
                title: title.clone(),
                tables: vec![bar(f64::MAX, f64::MAX, 1e300, Some(f64::MAX))],
            }),
            Chart::Breakdown(BreakdownChart { title, tables: vec![bar(0.0, 0.0, 0.0, Some(5.0)); 1000] }),
        ]);
        charts
    }

    #[test]
    fn degenerate_inputs_render_without_panicking() {
        for (i, chart) in degenerate_charts().iter().enumerate() {
            let svg = render_svg(chart).unwrap_or_else(|e| panic!("chart {i}: {e:#}"));
            roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("chart {i}: {e}"));
            let png = render_png(chart).unwrap_or_else(|e| panic!("chart {i}: {e:#}"));
            assert!(png.starts_with(b"\x89PNG"), "chart {i}");
        }
    }

    #[test]
    fn svg_and_png_place_text_alike() {
        // The bitmap backend's text is moved to where the SVG backend puts it; check one label's
        // ink lies inside the box the layout gave it.
        let chart = Chart::Breakdown(breakdown(2));
        let boxes = layout(&chart);
        let (_, r) = boxes.iter().find(|(t, _)| t == "public.events").unwrap();
        let png = render_png(&chart).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let width = info.width as usize;
        let dark = |x: usize, y: usize| pixels[(y * width + x) * 3] < 128;
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        let search = r.grow(6.0);
        for y in (search.y0 * 2.0) as usize..(search.y1 * 2.0) as usize {
            for x in (search.x0 * 2.0) as usize..(search.x1 * 2.0) as usize {
                if dark(x, y) {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
            }
        }
        let ink =
            Rect { x0: x0 as f64 / 2.0, y0: y0 as f64 / 2.0, x1: (x1 + 1) as f64 / 2.0, y1: (y1 + 1) as f64 / 2.0 };
        let slack = r.grow(1.5);
        assert!(
            ink.x0 >= slack.x0 && ink.x1 <= slack.x1 && ink.y0 >= slack.y0 && ink.y1 <= slack.y1,
            "ink {ink:?} outside {r:?}"
        );
        assert!(ink.x1 - ink.x0 > (r.x1 - r.x0) * 0.9, "ink {ink:?} vs box {r:?}");
    }

    /// Writes each sample chart as PNG, SVG and an HTML page that shows the SVG with the font, to
    /// look at: `cargo test -p schemacast write_chart_samples -- --ignored`.
    #[test]
    #[ignore]
    fn write_chart_samples() {
        let dir = std::path::Path::new("/tmp/schemacast-chart-samples");
        std::fs::create_dir_all(dir).unwrap();
        let mut samples = all_samples();
        samples.push(("stacked-1000", Chart::Stacked(stacked(1000))));
        samples.push(("hostile-series", hostile_charts().swap_remove(0)));
        samples.push(("hostile-breakdown", hostile_charts().swap_remove(2)));
        let degenerate = degenerate_charts();
        for (name, index) in
            [("edge-empty", 0), ("edge-single-point", 2), ("edge-flat", 5), ("edge-limits-nan-origin", 10)]
        {
            samples.push((name, degenerate[index].clone()));
        }
        samples.push((
            "edge-no-tables",
            degenerate
                .last()
                .cloned()
                .map(|_| Chart::Breakdown(BreakdownChart { title: "none".to_owned(), tables: vec![] }))
                .unwrap(),
        ));
        for (name, chart) in samples {
            std::fs::write(dir.join(format!("{name}.png")), render_png(&chart).unwrap()).unwrap();
            let svg = render_svg(&chart).unwrap();
            std::fs::write(dir.join(format!("{name}.svg")), standalone_svg(&svg)).unwrap();
            let (w, _) = canvas_size(&chart);
            let page = format!(
                "<!doctype html><meta charset=utf-8><style>{}body{{margin:0}}svg{{width:{w}px;height:auto;display:block}}</style>{svg}",
                font::font_face_css()
            );
            std::fs::write(dir.join(format!("{name}.html")), page).unwrap();
        }
    }
}
