//! `summary.md`: the headline and the top growers in Markdown, short enough for a pull-request
//! comment or `$GITHUB_STEP_SUMMARY`, biggest risks first.

use std::fmt::Write as _;

use schemacast_lints::capacity::date_of;
use schemacast_lints::storage::{human_bytes, human_count};

use crate::cli::forecast::cost_text;
use crate::report::content::{bytes_or_dash, Report, Risk, TableFacts};

/// Escapes text for Markdown (CommonMark and GitHub's): HTML is neutralised as entities and
/// every ASCII punctuation character that could start markup is backslash-escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            // The characters that open emphasis, code, links, tables, headings, strikethrough,
            // HTML, or GitHub's @mentions and #references; with `[` escaped, `(` cannot open a link.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '@' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// At most this many limits are listed; the page has all of them.
const RISKS_SHOWN: usize = 8;

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    write_heading(&mut out, report);
    write_soon_risks(&mut out, report);
    if report.total.tables_projected > 0 {
        write_total(&mut out, report);
    }
    write_tables(&mut out, report);
    if report.lints.total > 0 {
        let rules: Vec<String> = report.lints.by_rule.iter().map(|r| format!("{} {}", r.rule, r.count)).collect();
        let _ = writeln!(out, "Findings: {} ({}).\n", report.lints.total, rules.join(", "));
    } else {
        out.push_str("Findings: none.\n\n");
    }
    out.push_str("Charts, the storage breakdown and every table are in `index.html`.\n");
    out
}

/// The title, and what the figures rest on: the history's span, or a warning that there is none.
fn write_heading(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## {}\n", escape(&report.title));
    match &report.history {
        Some(history) => {
            let _ = writeln!(
                out,
                "{} snapshots from {} to {} · {} · intervals are 80%\n",
                history.snapshots,
                date_of(history.first),
                date_of(history.last),
                report.dialect
            );
        }
        None => out.push_str(
            "**No measured history was given**: sizes are estimated from the DDL, and only tables with a \
             planning annotation are projected. `schemacast collect` starts a history.\n\n",
        ),
    }
}

/// The limits reached within the horizon, soonest first, at most [`RISKS_SHOWN`].
fn write_soon_risks(out: &mut String, report: &Report) {
    let soon: Vec<&Risk> = report.risks.iter().filter(|r| r.soon).collect();
    if soon.is_empty() {
        return;
    }
    out.push_str("**Limits reached within the forecast horizon**\n\n");
    for risk in soon.iter().take(RISKS_SHOWN) {
        let _ = writeln!(
            out,
            "- **{}**: {} {}",
            risk.crossing.at.map_or("?".to_owned(), date_of),
            escape(&risk.subject),
            escape(&risk.what)
        );
    }
    if soon.len() > RISKS_SHOWN {
        let _ = writeln!(out, "- and {} more in the report", soon.len() - RISKS_SHOWN);
    }
    out.push('\n');
}

/// The database's size and cost now and at each horizon.
fn write_total(out: &mut String, report: &Report) {
    out.push_str("| database total | now |");
    for h in &report.total.horizons {
        let _ = write!(out, " {} ({}) |", date_of(h.day), h.horizon);
    }
    out.push_str("\n|---|---|");
    for _ in &report.total.horizons {
        out.push_str("---|");
    }
    let _ = write!(out, "\n| size | {} |", human_bytes(report.total.bytes_now));
    for h in &report.total.horizons {
        match h.bytes.interval {
            Some(i) => {
                let _ = write!(
                    out,
                    " {} ({}–{}) |",
                    human_bytes(h.bytes.value),
                    human_bytes(i.low80),
                    human_bytes(i.high80)
                );
            }
            None => {
                let _ = write!(out, " {} |", human_bytes(h.bytes.value));
            }
        }
    }
    let _ = write!(out, "\n| cost/month | {} |", cost_text(report.total.cost_now));
    for h in &report.total.horizons {
        let _ = write!(out, " {} |", cost_text(h.cost_per_month));
    }
    out.push_str("\n\n");
}

/// A line per top table: those that reach a limit inside the horizon first (soonest first),
/// then the growers.
fn write_tables(out: &mut String, report: &Report) {
    let mut rows: Vec<usize> = report.top.clone();
    let soonest = |position: usize| {
        report.tables[position]
            .risks
            .iter()
            .map(|&r| &report.risks[r])
            .filter(|r| r.soon)
            .map(Risk::at)
            .fold(f64::INFINITY, f64::min)
    };
    rows.sort_by(|&a, &b| soonest(a).total_cmp(&soonest(b)));
    if rows.is_empty() {
        return;
    }
    let last = report.total.horizons.last();
    let _ = writeln!(
        out,
        "| table | rows now | size now | size at {} | growth | first limit | findings |",
        last.map_or("the horizon".to_owned(), |h| date_of(h.day))
    );
    out.push_str("|---|--:|--:|--:|--:|---|--:|\n");
    for position in rows {
        write_table_row(out, report, &report.tables[position]);
    }
    out.push('\n');
}

fn write_table_row(out: &mut String, report: &Report, table: &TableFacts) {
    let growth = match (table.rows_per_day, table.percent_per_month) {
        (Some(per_day), Some(percent)) => {
            format!("{}{}/day ({percent:+.1}%/mo)", if per_day < 0.0 { "−" } else { "+" }, human_count(per_day.abs()))
        }
        _ => table.bytes_per_day.map_or("–".to_owned(), |b| format!("+{}/day", human_bytes(b))),
    };
    let risk =
        table.risks.first().map(|&r| &report.risks[r]).map_or("–".to_owned(), |r| {
            format!("{} {}", r.crossing.at.map_or("?".to_owned(), date_of), escape(&r.what))
        });
    let _ = writeln!(
        out,
        "| {}{} | {} | {} | {} | {growth} | {risk} | {} |",
        escape(&table.name),
        if table.planned { " (planned)" } else { "" },
        table.rows_now.map_or("–".to_owned(), human_count),
        bytes_or_dash(table.bytes_now),
        table.last().map_or("–".to_owned(), |h| human_bytes(h.bytes.value)),
        table.findings.values().sum::<usize>()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_markdown_markup() {
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("@team #12"), "\\@team \\#12");
        assert_eq!(escape("a|b*c_d`e[f]"), "a\\|b\\*c\\_d\\`e\\[f\\]");
        assert_eq!(escape("public.orders"), "public.orders");
        assert_eq!(escape("a&b\"c"), "a&amp;b\\\"c");
    }
}
