//! `schemacast report`: a self-contained HTML page with charts, the same charts as SVG (and PNG
//! on request), and a Markdown summary for CI comments.
//!
//! [`content`] computes what the report says from an analysis; [`chart`] draws, [`html`] and
//! [`markdown`] lay out, and [`publish`] puts the directory in place atomically.

pub(crate) mod chart;
pub(crate) mod content;
pub(crate) mod font;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod publish;

use std::collections::HashMap;
use std::path::Path;

use crate::report::content::Report;

/// What was written, for the command's last line.
pub(crate) struct Written {
    pub charts: usize,
    pub pngs: usize,
    pub failed_charts: Vec<String>,
}

/// Draws the charts, lays out the page and the summary, and publishes them as `dir`.
pub(crate) fn write(report: &Report, dir: &Path, png: bool) -> anyhow::Result<Written> {
    font::register()?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut inline: HashMap<&str, String> = HashMap::new();
    let mut failed_charts = Vec::new();
    let mut pngs = 0;
    for named in &report.charts {
        match chart::render_svg(&named.chart) {
            Ok(svg) => {
                files.push((format!("charts/{}.svg", named.stem), chart::standalone_svg(&svg).into_bytes()));
                inline.insert(named.stem.as_str(), svg);
            }
            Err(e) => {
                eprintln!("warning: chart {} could not be drawn: {e:#}", named.stem);
                failed_charts.push(named.stem.clone());
                continue;
            }
        }
        if png {
            match chart::render_png(&named.chart) {
                Ok(bytes) => {
                    files.push((format!("charts/{}.png", named.stem), bytes));
                    pngs += 1;
                }
                Err(e) => eprintln!("warning: chart {} could not be drawn as PNG: {e:#}", named.stem),
            }
        }
    }
    let page = html::render(report, &|stem| inline.get(stem).cloned());
    files.push(("index.html".to_owned(), page.into_bytes()));
    files.push(("summary.md".to_owned(), markdown::render(report).into_bytes()));
    publish::publish(dir, &files)?;
    Ok(Written { charts: inline.len(), pngs, failed_charts })
}
