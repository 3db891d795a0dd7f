//! A table's capacity as the editor shows it: the inlay hint after its `CREATE TABLE` and the
//! card in its hover. Both read the engine's capacity plan; nothing is computed here.

use schemacast_lints::capacity::{
    date_of, describe_crossing, format_band, month_of, BytesSource, KeySource, TableCapacity,
};
use schemacast_lints::forecast::{Band, Method};
use schemacast_lints::rules::RowSource;
use schemacast_lints::storage::{estimate_table, human_bytes, human_count, row_bytes_text, TableEstimate};
use schemacast_lints::Analysis;

pub(crate) struct CapacityCard<'a> {
    pub table: String,
    pub estimate: TableEstimate,
    capacity: Option<&'a TableCapacity>,
    analysis: &'a Analysis,
}

impl<'a> CapacityCard<'a> {
    pub fn new(analysis: &'a Analysis, table_index: usize) -> CapacityCard<'a> {
        let table = &analysis.schema.tables()[table_index];
        let capacity = analysis.capacity.table(table_index);
        let table_stats = analysis.stats.as_ref().and_then(|s| s.for_table(&table.name));
        let rows = capacity.and_then(|c| c.rows_now).map(|(r, _)| r);
        CapacityCard {
            table: table.name.to_string(),
            estimate: estimate_table(&analysis.schema, table, rows, table_stats),
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
        out.push_str(&format!(
            "- row: {} B ({} B of it header, padding and slot)\n- per 1M rows: {}\n",
            row_bytes_text(self.estimate.row_bytes),
            row_bytes_text(self.estimate.overhead_bytes),
            human_bytes(self.estimate.bytes_per_million_rows as f64)
        ));
        if let (Some(capacity), Some(sizes)) = (self.capacity, &self.estimate.at_rows) {
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
        if let Some(capacity) = self.capacity {
            self.projection_markdown(capacity, &mut out);
        }
        if self.estimate.columns.iter().any(|c| c.source == schemacast_lints::storage::WidthSource::Assumed) {
            out.push_str(
                "\n_Widths of some variable-width columns are assumed; `schemacast collect` samples real ones._\n",
            );
        }
        out
    }

    fn projection_markdown(&self, capacity: &TableCapacity, out: &mut String) {
        let settings = &self.analysis.capacity.settings;
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
        for key in &capacity.exhaustion {
            let source = match &key.source {
                KeySource::Sequence(name) => format!("sequence `{name}`"),
                KeySource::ColumnMax => "column maximum".to_owned(),
            };
            match describe_crossing(&key.crossing) {
                Some(when) => out.push_str(&format!(
                    "\n- `{}` ({}) runs out around {when}, from {source}\n",
                    key.column, key.type_name
                )),
                None => out.push_str(&format!(
                    "\n- `{}` ({}) does not run out within 100 years ({source})\n",
                    key.column, key.type_name
                )),
            }
        }
        if let Some(crossing) = capacity.size_crossing {
            if let Some(when) = describe_crossing(&crossing) {
                out.push_str(&format!("\n- passes {} GiB around {when}\n", settings.table_size_gib));
            }
        }
    }
}
