//! `index.html`: one self-contained page. Inline CSS, inline SVG charts, the embedded font as a
//! data URL; the only script sorts the table of all tables, and the page reads fine without it.
//! Every name from the schema or the stats goes through [`escape`].

use std::fmt::Write as _;

use schemacast_lints::capacity::date_of;
use schemacast_lints::forecast::Band;
use schemacast_lints::storage::{human_bytes, human_count, row_bytes_text};

use crate::cli::forecast::{cost_text, round_cost};
use crate::report::content::{bytes_or_dash, Report, Risk, TableFacts, BREAKDOWN_TABLES};
use crate::report::font;

/// Escapes text for HTML content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page, with `svg(stem)` giving each chart's inline SVG (or `None` when it failed to draw).
pub(crate) fn render(report: &Report, svg: &dyn Fn(&str) -> Option<String>) -> String {
    let mut page = String::with_capacity(256 * 1024);
    let title = escape(&report.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"schemacast {}\">\n<title>{title}</title>\n<style>\n{}\n{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        font::font_face_css()
    );
    let _ = writeln!(page, "<header>\n<h1>{title}</h1>\n<p class=\"meta\">{}</p>", meta_line(report));
    page.push_str(
        "<nav><a href=\"#headline\">Headline</a> · <a href=\"#total\">Total size</a> · \
         <a href=\"#growers\">Top growers</a> · <a href=\"#storage\">Storage</a> · \
         <a href=\"#tables\">All tables</a> · <a href=\"#lints\">Findings</a></nav>\n</header>\n<main>\n",
    );
    headline(&mut page, report);
    total_section(&mut page, report, svg);
    growers(&mut page, report, svg);
    storage(&mut page, report, svg);
    all_tables(&mut page, report);
    lints(&mut page, report);
    page.push_str("</main>\n<footer><p>");
    let _ = write!(
        page,
        "Made by schemacast {} from {} statement{} ({} not understood). Intervals are 80% unless marked; \
         forecasts assume the history's pace continues.",
        env!("CARGO_PKG_VERSION"),
        report.statements_parsed,
        plural(report.statements_parsed),
        report.statements_skipped
    );
    page.push_str("</p></footer>\n<script>\n");
    page.push_str(SORT_SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn meta_line(report: &Report) -> String {
    let mut parts = Vec::new();
    match &report.history {
        Some(history) => parts.push(format!(
            "{} snapshot{} from {} to {}",
            history.snapshots,
            plural(history.snapshots),
            date_of(history.first),
            date_of(history.last)
        )),
        None => parts.push("no measured history".to_owned()),
    }
    parts.push(escape(report.dialect));
    let price = &report.price;
    parts.push(format!(
        "cost at {} per GiB-month{} × ({} cop{} + {} backup)",
        price.per_gib_month,
        if price.example { " (an example price: set <code>[capacity] price_per_gib_month</code>)" } else { "" },
        price.copies,
        if price.copies == 1.0 { "y" } else { "ies" },
        price.backup_retention_factor
    ));
    parts.join(" · ")
}

/// A byte count both for people and for machines: `<data value="123">117.7 MiB</data>`.
fn bytes_data(bytes: f64) -> String {
    format!("<data class=\"bytes\" value=\"{}\">{}</data>", bytes.round(), human_bytes(bytes))
}

fn cost_data(cost: f64) -> String {
    format!("<data class=\"cost\" value=\"{}\">{}</data>", round_cost(cost), cost_text(cost))
}

fn band_text(band: &Band, show: fn(f64) -> String) -> String {
    match band.interval {
        Some(i) => format!("80%: {} – {}", show(i.low80), show(i.high80)),
        None => "planned, no interval".to_owned(),
    }
}

fn headline(page: &mut String, report: &Report) {
    page.push_str("<section id=\"headline\">\n<h2>Headline</h2>\n");
    if report.history.is_none() {
        page.push_str(
            "<p class=\"notice\"><strong>No measured history was given.</strong> Sizes below are estimated \
             from the DDL (row widths and size per million rows); only tables with a planning annotation \
             are projected. Run <code>schemacast collect</code> to start a history and pass it with \
             <code>--stats</code>.</p>\n",
        );
    }
    if report.total.tables_projected > 0 {
        page.push_str("<div class=\"cards\">\n");
        let _ = writeln!(
            page,
            "<div class=\"card\" data-horizon=\"now\"><h3>Now{}</h3><p class=\"big\">{}</p><p>{} per month</p>\
             <p class=\"sub\">{} table{} projected</p></div>",
            report.origin.map(|o| format!(" · {}", date_of(o))).unwrap_or_default(),
            bytes_data(report.total.bytes_now),
            cost_data(report.total.cost_now),
            report.total.tables_projected,
            plural(report.total.tables_projected)
        );
        for horizon in &report.total.horizons {
            let _ = writeln!(
                page,
                "<div class=\"card\" data-horizon=\"{}\"><h3>In {} · {}</h3><p class=\"big\">{}</p><p>{} per month</p>\
                 <p class=\"sub\">{}</p></div>",
                horizon.horizon,
                horizon.horizon,
                date_of(horizon.day),
                bytes_data(horizon.bytes.value),
                cost_data(horizon.cost_per_month),
                band_text(&horizon.bytes, human_bytes)
            );
        }
        page.push_str("</div>\n");
    }
    page.push_str("<h3>Limits</h3>\n");
    if report.risks.is_empty() {
        page.push_str("<p>No key, table size or budget limit is reached within 100 years at the forecast pace.</p>\n");
    } else {
        page.push_str("<ul class=\"risks\">\n");
        for risk in &report.risks {
            let _ = writeln!(page, "{}", risk_item(risk, "li"));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</section>\n");
}

/// One limit as `<tag>`: its date, what reaches it, and the 80% interval of the date.
fn risk_item(risk: &Risk, tag: &str) -> String {
    let interval = match (risk.crossing.at_low, risk.crossing.at_high) {
        (Some(low), Some(high)) if low != high => {
            format!(" <span class=\"sub\">80%: {} – {}</span>", date_of(low), date_of(high))
        }
        (Some(low), None) => format!(" <span class=\"sub\">80%: {} – beyond 100 years</span>", date_of(low)),
        _ => String::new(),
    };
    format!(
        "<{tag} class=\"{}\"><time>{}</time> <code>{}</code> {}{interval}</{tag}>",
        if risk.soon { "soon" } else { "later" },
        risk.crossing.at.map_or_else(|| "?".to_owned(), date_of),
        escape(&risk.subject),
        escape(&risk.what)
    )
}

fn figure(page: &mut String, stem: &str, svg: &dyn Fn(&str) -> Option<String>) {
    match svg(stem) {
        Some(svg) => {
            let _ = writeln!(page, "<figure class=\"chart\" data-chart=\"{stem}\">{svg}</figure>");
        }
        None => {
            let _ = writeln!(page, "<p class=\"notice\">The chart <code>{stem}</code> could not be drawn.</p>");
        }
    }
}

fn total_section(page: &mut String, report: &Report, svg: &dyn Fn(&str) -> Option<String>) {
    page.push_str("<section id=\"total\">\n<h2>Total size</h2>\n");
    if report.charts.iter().any(|c| c.stem == "total-size") {
        page.push_str(if report.history.is_some() {
            "<p class=\"sub\">Measured history left of the dashed line, forecast right of it; the fastest \
             growers on top.</p>\n"
        } else {
            "<p class=\"sub\">Planned tables only, projected from today: no measured history was given.</p>\n"
        });
        figure(page, "total-size", svg);
    } else {
        page.push_str("<p>Nothing is projected: no stats history and no planning annotation.</p>\n");
    }
    page.push_str("</section>\n");
}

fn growers(page: &mut String, report: &Report, svg: &dyn Fn(&str) -> Option<String>) {
    page.push_str("<section id=\"growers\">\n<h2>Top growers</h2>\n");
    if report.top.is_empty() {
        page.push_str("<p>No table has a projection.</p>\n");
    }
    for (rank, &position) in report.top.iter().enumerate() {
        let table = &report.tables[position];
        let _ = write!(
            page,
            "<article class=\"table\" id=\"table-{position}\">\n<h3>{}. <code>{}</code></h3>\n<p>{}</p>\n",
            rank + 1,
            escape(&table.name),
            escape(&table.model)
        );
        horizon_table(page, report, table);
        for &risk in &table.risks {
            let _ = writeln!(page, "<p class=\"risk\">{}</p>", risk_item(&report.risks[risk], "span"));
        }
        if !table.findings.is_empty() {
            let findings: Vec<String> = table
                .findings
                .iter()
                .map(|(rule, n)| {
                    format!(
                        "<a href=\"#rule-{rule}\">{rule}</a>{}",
                        if *n > 1 { format!(" ×{n}") } else { String::new() }
                    )
                })
                .collect();
            let _ = writeln!(page, "<p>Findings on this table: {}</p>", findings.join(", "));
        }
        page.push_str("<div class=\"charts\">\n");
        for stem in &table.charts {
            figure(page, stem, svg);
        }
        page.push_str("</div>\n</article>\n");
    }
    page.push_str("</section>\n");
}

fn horizon_table(page: &mut String, report: &Report, table: &TableFacts) {
    let Some(origin) = report.origin else { return };
    let horizons = &report.total.horizons;
    page.push_str("<table class=\"horizons\">\n<thead><tr><th></th>");
    let _ = write!(page, "<th>now · {}</th>", date_of(origin));
    for h in horizons {
        let _ = write!(page, "<th>{} · {}</th>", h.horizon, date_of(h.day));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    let projections = &table.horizons;
    if projections.is_empty() {
        page.push_str("</tbody></table>\n");
        return;
    }
    if projections.iter().any(|p| p.rows.is_some()) {
        let _ = write!(page, "<tr><th>rows</th><td>{}</td>", table.rows_now.map_or("–".to_owned(), human_count));
        for p in projections {
            let _ = write!(page, "<td>{}</td>", p.rows.as_ref().map_or("–".to_owned(), |b| band_cell(b, human_count)));
        }
        page.push_str("</tr>\n");
    }
    let _ = write!(page, "<tr><th>size</th><td>{}</td>", bytes_or_dash(table.bytes_now));
    for p in projections {
        let _ = write!(page, "<td>{}</td>", band_cell(&p.bytes, human_bytes));
    }
    page.push_str("</tr>\n");
    let _ = write!(page, "<tr><th>cost/month</th><td>{}</td>", table.cost_now.map_or("–".to_owned(), cost_text));
    for p in projections {
        let _ = write!(page, "<td>{}</td>", cost_text(p.cost_per_month));
    }
    page.push_str("</tr>\n</tbody></table>\n");
}

fn band_cell(band: &Band, show: fn(f64) -> String) -> String {
    match band.interval {
        Some(i) => format!("{}<br><span class=\"sub\">{} – {}</span>", show(band.value), show(i.low80), show(i.high80)),
        None => show(band.value),
    }
}

fn storage(page: &mut String, report: &Report, svg: &dyn Fn(&str) -> Option<String>) {
    page.push_str("<section id=\"storage\">\n<h2>Storage breakdown</h2>\n");
    let measured: Vec<&TableFacts> = report.by_size.iter().map(|&i| &report.tables[i]).collect();
    if measured.is_empty() {
        page.push_str(if report.history.is_some() {
            "<p>No measured sizes: the latest snapshot has no heap, TOAST or index bytes. Estimates per \
                 table are in the table of all tables.</p>\n</section>\n"
        } else {
            "<p>No stats were given, so nothing was measured. Estimates per table (row width, size per \
                 million rows) are in the table of all tables.</p>\n</section>\n"
        });
        return;
    }
    if report.charts.iter().any(|c| c.stem == "storage-breakdown") {
        figure(page, "storage-breakdown", svg);
    }
    page.push_str(
        "<p class=\"sub\">Biggest first, measured in the latest snapshot; the estimate is schemacast's size for the same rows with \
         freshly packed pages. A ratio well above 1 means bloat, free space or values wider than sampled.</p>\n",
    );
    page.push_str(
        "<table class=\"data\"><thead><tr><th>table</th><th>heap</th><th>TOAST</th><th>indexes</th>\
         <th>measured</th><th>estimated</th><th>measured / estimated</th></tr></thead>\n<tbody>\n",
    );
    for table in measured.iter().take(BREAKDOWN_TABLES) {
        let Some(m) = &table.measured else { continue };
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&table.name),
            human_bytes(m.heap),
            human_bytes(m.toast),
            human_bytes(m.index),
            human_bytes(m.total),
            bytes_or_dash(table.estimated_total),
            table.bloat_ratio().map_or("–".to_owned(), |r| format!("{r:.2}"))
        );
    }
    page.push_str("</tbody></table>\n");
    if measured.len() > BREAKDOWN_TABLES {
        let _ = writeln!(
            page,
            "<p class=\"sub\">The {BREAKDOWN_TABLES} biggest of {} measured tables; every table's size is in the \
             table of all tables.</p>",
            measured.len()
        );
    }
    page.push_str("</section>\n");
}

fn all_tables(page: &mut String, report: &Report) {
    let last = report.total.horizons.last();
    let _ = write!(
        page,
        "<section id=\"tables\">\n<h2>All tables ({})</h2>\n<table class=\"data sortable\">\n<thead><tr>\
         <th>table</th><th>row width</th><th>per 1M rows</th><th>rows now</th><th>size now</th>\
         <th>rows/day</th><th>%/month</th><th>size at {}</th><th>cost/month then</th><th class=\"text\">first limit</th>\
         <th>findings</th></tr></thead>\n<tbody>\n",
        report.tables.len(),
        last.map_or("the last horizon".to_owned(), |h| date_of(h.day))
    );
    for (position, table) in report.tables.iter().enumerate() {
        let name = if report.top.contains(&position) {
            format!("<a href=\"#table-{position}\"><code>{}</code></a>", escape(&table.name))
        } else {
            format!("<code>{}</code>", escape(&table.name))
        };
        let first_risk = table.risks.first().map(|&r| &report.risks[r]);
        let _ = writeln!(
            page,
            "<tr><td data-sort=\"{}\">{name}{}</td><td data-sort=\"{:.1}\">{} B</td><td data-sort=\"{}\">{}</td>\
             <td data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}</td>\
             <td data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}</td><td class=\"text\" data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}</td></tr>",
            escape(&table.name),
            if table.planned { " <span class=\"sub\">planned</span>" } else { "" },
            table.row_bytes,
            row_bytes_text(table.row_bytes),
            table.bytes_per_million_rows,
            human_bytes(table.bytes_per_million_rows as f64),
            table.rows_now.unwrap_or(-1.0),
            table.rows_now.map_or("–".to_owned(), human_count),
            table.bytes_now.unwrap_or(-1.0),
            bytes_or_dash(table.bytes_now),
            table.rows_per_day.unwrap_or(f64::MIN),
            table.rows_per_day.map_or("–".to_owned(), signed_count),
            table.percent_per_month.unwrap_or(f64::MIN),
            table.percent_per_month.map_or("–".to_owned(), |p| format!("{p:+.1}%")),
            table.last().map_or(-1.0, |h| h.bytes.value),
            table.last().map_or("–".to_owned(), |h| human_bytes(h.bytes.value)),
            table.last().map_or(-1.0, |h| h.cost_per_month),
            table.last().map_or("–".to_owned(), |h| cost_text(h.cost_per_month)),
            first_risk.map_or(f64::MAX, Risk::at),
            first_risk.map_or("–".to_owned(), |r| format!("{} {}", r.crossing.at.map_or("?".to_owned(), date_of), escape(&r.what))),
            table.findings.values().sum::<usize>(),
            table.findings.values().sum::<usize>(),
        );
    }
    page.push_str("</tbody></table>\n</section>\n");
}

fn signed_count(value: f64) -> String {
    format!("{}{}", if value < 0.0 { "−" } else { "+" }, human_count(value.abs()))
}

fn lints(page: &mut String, report: &Report) {
    let summary = &report.lints;
    let _ = write!(page, "<section id=\"lints\">\n<h2>Findings ({})</h2>\n", summary.total);
    if summary.by_rule.is_empty() {
        page.push_str("<p>No findings. <code>schemacast check</code> gives the same result.</p>\n</section>\n");
        return;
    }
    page.push_str(
        "<p class=\"sub\"><code>schemacast check</code> lists each with its file, line and fix.</p>\n\
         <table class=\"data\"><thead><tr><th>rule</th><th>severity</th><th>findings</th><th class=\"text\">what it flags</th></tr></thead>\n<tbody>\n",
    );
    for count in &summary.by_rule {
        let _ = writeln!(
            page,
            "<tr><td><a href=\"#rule-{0}\">{0}</a></td><td class=\"{1}\">{1}</td><td>{2}</td><td class=\"text\">{3}</td></tr>",
            escape(count.rule),
            count.severity.name(),
            count.count,
            inline_code(&count.summary)
        );
    }
    page.push_str("</tbody></table>\n<h3>Rules</h3>\n");
    for count in &summary.by_rule {
        let _ = write!(page, "<article class=\"rule\" id=\"rule-{0}\">\n<h4>{0}</h4>\n", escape(count.rule));
        match &count.docs {
            Some(docs) => page.push_str(&markdown_to_html(docs)),
            None => page.push_str("<p>A finding about the input itself rather than a rule of the catalogue.</p>\n"),
        }
        page.push_str("</article>\n");
    }
    page.push_str("</section>\n");
}

/// The subset of Markdown the rule docs use: `##` headings, fenced code, lists, paragraphs and
/// inline code.
pub(crate) fn markdown_to_html(markdown: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut in_code = false;
    let mut in_list = false;
    let flush = |paragraph: &mut Vec<&str>, out: &mut String| {
        if !paragraph.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline_code(&paragraph.join(" ")));
            paragraph.clear();
        }
    };
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            if in_code {
                out.push_str("</code></pre>\n");
            } else {
                flush(&mut paragraph, &mut out);
                out.push_str("<pre><code>");
            }
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&escape(line));
            out.push('\n');
            continue;
        }
        let trimmed = line.trim();
        if let Some(item) = trimmed.strip_prefix("- ").or_else(|| trimmed.strip_prefix("* ")) {
            flush(&mut paragraph, &mut out);
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            let _ = writeln!(out, "<li>{}</li>", inline_code(item));
            continue;
        }
        if in_list && (trimmed.is_empty() || trimmed.starts_with('#')) {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(heading) = trimmed.strip_prefix("## ").or_else(|| trimmed.strip_prefix("# ")) {
            flush(&mut paragraph, &mut out);
            let _ = writeln!(out, "<h5>{}</h5>", escape(heading));
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut out);
        } else if in_list {
            // A continuation line of the last list item.
            if out.ends_with("</li>\n") {
                out.truncate(out.len() - "</li>\n".len());
                let _ = writeln!(out, " {}</li>", inline_code(trimmed));
            }
        } else {
            paragraph.push(trimmed);
        }
    }
    if in_code {
        out.push_str("</code></pre>\n");
    }
    flush(&mut paragraph, &mut out);
    if in_list {
        out.push_str("</ul>\n");
    }
    out
}

/// Escapes `text`, turning `code` spans into `<code>`.
fn inline_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0; line-height: 1.45; font-size: 15px; }
header, main, footer { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 1px solid #ccc; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
h4 { font-size: 16px; margin: 22px 0 4px; padding-top: 8px; border-top: 1px solid #ddd; }
h5 { font-size: 14px; margin: 12px 0 4px; }
nav { margin: 8px 0 12px; }
a { color: #0b4f8a; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.92em; background: #f2f2f2; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f5f5f5; padding: 8px 10px; overflow-x: auto; border-left: 3px solid #999; }
pre code { background: none; padding: 0; }
.meta, .sub { color: #555; font-size: 13px; }
.notice { background: #fff6d6; border-left: 4px solid #8a6d00; padding: 8px 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #bbb; border-radius: 6px; padding: 10px 14px; min-width: 190px; flex: 1; }
.card h3 { margin: 0 0 4px; font-size: 13px; color: #444; font-weight: normal; }
.card p { margin: 2px 0; }
.card .big { font-size: 24px; font-weight: bold; }
ul.risks { padding-left: 0; list-style: none; }
ul.risks li, p.risk > span { display: block; padding: 4px 8px; margin: 3px 0; border-left: 4px solid #999; }
ul.risks .soon, p.risk > .soon { border-left-color: #000; font-weight: bold; background: #f3f3f3; }
.soon .sub { font-weight: normal; }
time { font-variant-numeric: tabular-nums; margin-right: 4px; }
figure.chart { margin: 10px 0; }
figure.chart svg { width: 100%; height: auto; display: block; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 6px 18px; }
article.table { border-top: 1px solid #eee; padding-top: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #e4e4e4; vertical-align: top; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
td code { overflow-wrap: normal; }
td.text, th.text { text-align: left; white-space: normal; min-width: 14em; }
thead th { border-bottom: 2px solid #888; background: #fafafa; }
table.data { width: 100%; }
table.sortable thead th { cursor: pointer; }
td.error { font-weight: bold; }
footer { margin-top: 40px; padding-bottom: 30px; border-top: 1px solid #ccc; }
@media print { nav { display: none; } article.table { break-inside: avoid; } }
"#;

/// Click a heading to sort by it; numbers sort as numbers. Without script the table is in
/// growth order, which is the useful default.
const SORT_SCRIPT: &str = r#"
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, column) {
    th.title = "Sort";
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var descending = th.dataset.order !== "desc";
      th.dataset.order = descending ? "desc" : "asc";
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape(r#"a"b'c&d"#), "a&quot;b&#39;c&amp;d");
    }

    #[test]
    fn rule_docs_become_headings_code_and_paragraphs() {
        let html = markdown_to_html(
            "## What it does\nFlags `a<b`\nover two lines.\n\n```sql\nSELECT 1 < 2;\n```\n- one\n- two\n",
        );
        assert_eq!(
            html,
            "<h5>What it does</h5>\n<p>Flags <code>a&lt;b</code> over two lines.</p>\n<pre><code>SELECT 1 &lt; 2;\n</code></pre>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
    }
}
