//! A table's capacity as the editor shows it: the inlay hint after its `CREATE TABLE`, the
//! card in its hover, and a column's share of the row. Everything is read from the analysis'
//! capacity plan and the storage estimate; this only puts it into words (Markdown).

use crate::capacity::{date_of, describe_crossing, format_band, month_of, BytesSource, KeySource, TableCapacity};
use crate::forecast::{Band, Method};
use crate::rules::RowSource;
use crate::storage::{
    estimate_table, human_bytes, human_count, row_bytes_text, ColumnLayout, TableEstimate, WidthSource,
};
use crate::Analysis;

/// One table's size now, its projection and its row layout.
pub struct CapacityCard<'a> {
    pub table: String,
    pub estimate: TableEstimate,
    table_index: usize,
    capacity: Option<&'a TableCapacity>,
    analysis: &'a Analysis,
}

impl<'a> CapacityCard<'a> {
    /// The card of the table at `table_index` in `analysis.schema.tables()`.
    pub fn new(analysis: &'a Analysis, table_index: usize) -> CapacityCard<'a> {
        let table = &analysis.schema.tables()[table_index];
        let capacity = analysis.capacity.table(table_index);
        let table_stats = analysis.stats.as_ref().and_then(|s| s.for_table(&table.name));
        let rows = capacity.and_then(|c| c.rows_now).map(|(r, _)| r);
        CapacityCard {
            table: table.name.to_string(),
            estimate: estimate_table(&analysis.schema, table, rows, table_stats),
            table_index,
            capacity,
            analysis,
        }
    }

    /// `92 B/row · 88.0 MiB per 1M rows`; with a row count `41.2M rows · 3.6 GiB`; with a
    /// projection `41.2M rows · 3.6 GiB → 9.8 GiB by 2027-12` (`planned` first for a plan).
    pub fn hint_label(&self) -> String {
        let Some(capacity) = self.capacity.filter(|c| c.rows_now.is_some() || c.bytes_measured) else {
            return format!(
                "{} B/row · {} per 1M rows",
                row_bytes_text(self.estimate.row_bytes),
                human_bytes(self.estimate.bytes_per_million_rows as f64)
            );
        };
        let mut label = match capacity.rows_now {
            Some((rows, _)) => format!("{} rows · {}", human_count(rows), human_bytes(capacity.bytes_now)),
            None => human_bytes(capacity.bytes_now),
        };
        if let Some(last) = capacity.horizons.last() {
            label.push_str(&format!(" → {} by {}", human_bytes(last.bytes.value), month_of(last.day)));
        }
        if capacity.is_planned() {
            label = format!("planned {label}");
        }
        label
    }

    /// The breakdown, as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!("**{}** · capacity\n\n", self.table);
        if let Some(comment) = self.analysis.schema.tables()[self.table_index].comment.as_deref() {
            out.push_str(&comment_paragraph(comment));
        }
        out.push_str(&format!(
            "- row: {} B ({} B of it header, padding and slot)\n- per 1M rows: {}\n",
            row_bytes_text(self.estimate.row_bytes),
            row_bytes_text(self.estimate.overhead_bytes),
            human_bytes(self.estimate.bytes_per_million_rows as f64)
        ));
        if let Some(capacity) = self.capacity {
            self.size_markdown(capacity, &mut out);
            self.projection_markdown(capacity, &mut out);
        }
        if self.estimate.columns.iter().any(|c| c.source == WidthSource::Assumed) {
            out.push_str(
                "\n_Widths of some variable-width columns are assumed; `schemacast collect` samples real ones._\n",
            );
        }
        out
    }

    /// The hover of the column at `column_index`: its bytes, padding and share of the row.
    pub fn column_markdown(&self, column_index: usize) -> Option<String> {
        let table = &self.analysis.schema.tables()[self.table_index];
        let column = table.columns.get(column_index)?;
        let layout = self.estimate.columns.get(column_index)?;
        let row_bytes = self.estimate.row_bytes;
        let share = if row_bytes > 0.0 { layout.bytes * (1.0 - layout.null_frac) / row_bytes * 100.0 } else { 0.0 };
        let width = match layout.source {
            WidthSource::Declared => String::new(),
            WidthSource::Assumed => " (assumed; `schemacast collect` samples the real width)".to_owned(),
            WidthSource::Stats => " (sampled)".to_owned(),
        };
        let mut text = format!(
            "**{}.{}** `{}`\n\n- {:.1} B{width}\n- alignment padding before it: {:.1} B\n- {share:.1}% of the {:.0} B row\n",
            table.name.name, column.name, column.ty, layout.bytes, layout.padding_before, row_bytes
        );
        if layout.null_frac > 0.0 {
            text.push_str(&format!("- null in {:.0}% of rows\n", layout.null_frac * 100.0));
        }
        if let Some(comment) = column.comment.as_deref() {
            text.push('\n');
            text.push_str(&comment_paragraph(comment));
        }
        Some(text)
    }

    /// The inlay hint of a column: `8 B`, or `8 B +4 pad` after alignment padding.
    pub fn column_hint_label(layout: &ColumnLayout) -> String {
        if layout.padding_before >= 0.5 {
            format!("{:.0} B +{:.0} pad", layout.bytes, layout.padding_before)
        } else {
            format!("{:.0} B", layout.bytes)
        }
    }

    /// Rows now and the estimated size at them, per index, and the measured size if any.
    fn size_markdown(&self, capacity: &TableCapacity, out: &mut String) {
        let Some(sizes) = &self.estimate.at_rows else { return };
        if let Some((rows, source)) = capacity.rows_now {
            let source = match source {
                RowSource::Stats => "stats",
                RowSource::Annotation => "planning annotation",
            };
            out.push_str(&format!(
                "- rows now: {} ({source})\n- estimated: {} (heap {}, indexes {}, TOAST {})\n",
                human_count(rows),
                human_bytes(sizes.total_bytes() as f64),
                human_bytes(sizes.heap_bytes as f64),
                human_bytes(sizes.index_bytes() as f64),
                human_bytes(sizes.toast_bytes as f64)
            ));
            for (name, bytes) in &sizes.indexes {
                let fill = self.estimate.index_fills.iter().find(|f| &f.name == name);
                let fill = fill.map(|f| format!(": leaves {:.0}% full, {}", f.leaf_fill * 100.0, f.reason));
                out.push_str(&format!("  - `{name}` {}{}\n", human_bytes(*bytes as f64), fill.unwrap_or_default()));
            }
        }
        if capacity.bytes_measured {
            let ratio = if sizes.total_bytes() > 0 { capacity.bytes_now / sizes.total_bytes() as f64 } else { 0.0 };
            out.push_str(&format!("- measured: {} ({ratio:.2}× the estimate)\n", human_bytes(capacity.bytes_now)));
        }
    }

    /// The forecast: which model, a row per horizon, the cost basis, and the limits crossed.
    fn projection_markdown(&self, capacity: &TableCapacity, out: &mut String) {
        if let Some(rows) = &capacity.rows {
            let growth = format!("{:+.0} rows/day ({:+.1}%/month)", rows.growth_per_day, rows.percent_per_month);
            let model = match &rows.method {
                Method::Planned(_) => format!("planned (annotation): {growth}"),
                Method::NotEnoughHistory => {
                    format!("not enough history ({} snapshots): flat, with a prior band", rows.points)
                }
                Method::Fitted => {
                    let fit = rows.r_squared.map(|r| format!(", R² {r:.3}")).unwrap_or_default();
                    format!("{} fit of {} snapshots{fit}: {growth}", rows.model_name(), rows.points)
                }
            };
            out.push_str(&format!("\n**Forecast** · {model}\n\n"));
        } else if capacity.measured_bytes.is_some() {
            out.push_str("\n**Forecast** · from the measured bytes history\n\n");
        } else {
            return;
        }
        self.horizons_markdown(capacity, out);
        limits_markdown(capacity, self.analysis.capacity.settings.table_size_gib, out);
    }

    /// The table of horizons and what the bytes and cost are based on.
    fn horizons_markdown(&self, capacity: &TableCapacity, out: &mut String) {
        let settings = &self.analysis.capacity.settings;
        let interval = |band: &Band, show: fn(f64) -> String| format_band(band, show);
        out.push_str("| date | rows (80% interval) | bytes (80% interval) | cost/month |\n|---|---|---|---|\n");
        for h in &capacity.horizons {
            out.push_str(&format!(
                "| {} ({}) | {} | {} | {:.2} |\n",
                date_of(h.day),
                h.horizon,
                h.rows.as_ref().map_or("-".to_owned(), |r| interval(r, human_count)),
                interval(&h.bytes, human_bytes),
                h.cost_per_month
            ));
        }
        out.push_str(&format!(
            "\nbytes from {}; cost at {} per GiB-month{} × {} cop{}\n",
            match capacity.bytes_source {
                BytesSource::Estimate => "rows × the estimated row size",
                BytesSource::Measured => "the measured size history",
            },
            settings.price(),
            if settings.price_is_example() { " (example price)" } else { "" },
            settings.copies,
            if settings.copies == 1.0 { "y" } else { "ies" }
        ));
    }
}

/// When each key runs out and when the table passes the size limit.
/// A `COMMENT ON` text as a Markdown paragraph. Lines lose their indentation, which Markdown
/// would take for a code block; the author's line breaks and `*` lists stay.
fn comment_paragraph(comment: &str) -> String {
    let lines: Vec<&str> = comment.trim().lines().map(str::trim).collect();
    if lines.is_empty() || lines.iter().all(|l| l.is_empty()) {
        return String::new();
    }
    format!("{}\n\n", lines.join("\n"))
}

fn limits_markdown(capacity: &TableCapacity, table_size_gib: f64, out: &mut String) {
    for key in &capacity.exhaustion {
        let source = match &key.source {
            KeySource::Sequence(name) => format!("sequence `{name}`"),
            KeySource::ColumnMax => "column maximum".to_owned(),
        };
        match describe_crossing(&key.crossing) {
            Some(when) => out
                .push_str(&format!("\n- `{}` ({}) runs out around {when}, from {source}\n", key.column, key.type_name)),
            None => out.push_str(&format!(
                "\n- `{}` ({}) does not run out within 100 years ({source})\n",
                key.column, key.type_name
            )),
        }
    }
    if let Some(crossing) = capacity.size_crossing {
        if let Some(when) = describe_crossing(&crossing) {
            out.push_str(&format!("\n- passes {} GiB around {when}\n", table_size_gib));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;
    use crate::{analyze_with, AnalysisOptions, Dialect, RuleSelection, SourceFile};

    const ORDERS: &str = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  flag boolean,\n  total bigint\n);\n";

    #[test]
    fn without_row_counts_the_card_gives_the_row_layout() {
        let analysis = analysis(&[("V1__orders.sql", ORDERS)]);
        let card = CapacityCard::new(&analysis, 0);
        assert_eq!(card.table, "public.orders");
        let label = card.hint_label();
        assert!(label.ends_with(" per 1M rows") && label.contains(" B/row · "), "{label}");
        let markdown = card.markdown();
        assert!(markdown.starts_with("**public.orders** · capacity\n\n- row: "), "{markdown}");
        assert!(!markdown.contains("**Forecast**"), "{markdown}");
    }

    #[test]
    fn a_column_card_shows_its_padding_and_share() {
        let analysis = analysis(&[("V1__orders.sql", ORDERS)]);
        let card = CapacityCard::new(&analysis, 0);
        // `total` (8-byte aligned) after a 1-byte boolean: 7 bytes of padding before it.
        let total = card.column_markdown(2).unwrap();
        assert!(total.starts_with("**orders.total** `bigint`\n\n- 8.0 B\n"), "{total}");
        assert!(total.contains("- alignment padding before it: 7.0 B\n"), "{total}");
        assert_eq!(CapacityCard::column_hint_label(&card.estimate.columns[2]), "8 B +7 pad");
        assert_eq!(CapacityCard::column_hint_label(&card.estimate.columns[0]), "8 B");
        assert_eq!(card.column_markdown(9), None);
    }

    #[test]
    fn a_planned_row_count_is_sized_and_projected() {
        let text = format!("-- schemacast: rows=2000000 growth=+10000/day\n{ORDERS}");
        let files = vec![SourceFile { path: "V1__orders.sql".to_owned(), text }];
        // 2026-01-01: horizons start today when there is no snapshot.
        let options = AnalysisOptions { today: Some(20454.0), ..AnalysisOptions::default() };
        let analysis = analyze_with(files, Dialect::Postgres, &RuleSelection::default(), options);
        let card = CapacityCard::new(&analysis, 0);
        let label = card.hint_label();
        assert!(label.starts_with("planned 2.0M rows · "), "{label}");
        let markdown = card.markdown();
        assert!(markdown.contains("- rows now: 2.0M (planning annotation)\n"), "{markdown}");
        assert!(markdown.contains("\n**Forecast** · planned (annotation): +10000 rows/day"), "{markdown}");
        assert!(markdown.contains("| date | rows (80% interval) |"), "{markdown}");
    }
}
