//! A table's capacity as the editor shows it: the inlay hint after its `CREATE TABLE` and the
//! card in its hover. Shaped so that forecasts (horizons, intervals, cost, limit dates) add
//! fields and lines, not a rewrite.

use schemacast_lints::rules::{rows_now, RowSource};
use schemacast_lints::schema::{Schema, Table};
use schemacast_lints::stats::AttachedStats;
use schemacast_lints::storage::{estimate_table, human_bytes, human_count, Sizes, TableEstimate};

pub(crate) struct CapacityCard {
    pub table: String,
    pub estimate: TableEstimate,
    pub rows: Option<(f64, RowSource)>,
    pub measured_bytes: Option<u64>,
    /// Future sizes at horizons, filled by the forecast (none yet).
    pub projections: Vec<Projection>,
}

pub(crate) struct Projection {
    pub label: String,
    pub rows: f64,
    pub sizes: Sizes,
}

impl CapacityCard {
    pub fn new(schema: &Schema, table: &Table, stats: Option<&AttachedStats>) -> CapacityCard {
        let rows = rows_now(table, stats);
        let table_stats = stats.and_then(|s| s.for_table(&table.name));
        let estimate = estimate_table(schema, table, rows.map(|(r, _)| r), table_stats);
        CapacityCard {
            table: table.name.to_string(),
            estimate,
            rows,
            measured_bytes: table_stats.and_then(|t| t.total_bytes),
            projections: Vec::new(),
        }
    }

    /// `92 B/row · 88.0 MiB per 1M rows`, or with a row count `41.2M rows · 3.6 GiB`.
    pub fn hint_label(&self) -> String {
        match (&self.rows, &self.estimate.at_rows) {
            (Some((rows, _)), Some(sizes)) => {
                let bytes = self.measured_bytes.unwrap_or(sizes.total_bytes());
                let mut label = format!("{} rows · {}", human_count(*rows), human_bytes(bytes as f64));
                if let Some(projection) = self.projections.last() {
                    label = format!("{} rows → {} ({}) · {}", human_count(*rows), human_count(projection.rows), projection.label, human_bytes(projection.sizes.total_bytes() as f64));
                }
                label
            }
            _ => format!("{:.0} B/row · {} per 1M rows", self.estimate.row_bytes, human_bytes(self.estimate.bytes_per_million_rows as f64)),
        }
    }

    /// The breakdown, as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!("**{}** · capacity\n\n", self.table);
        out.push_str(&format!(
            "- row: {:.0} B ({:.0} B of it header, padding and slot)\n- per 1M rows: {}\n",
            self.estimate.row_bytes,
            self.estimate.overhead_bytes,
            human_bytes(self.estimate.bytes_per_million_rows as f64)
        ));
        if let (Some((rows, source)), Some(sizes)) = (&self.rows, &self.estimate.at_rows) {
            let source = match source {
                RowSource::Stats => "stats",
                RowSource::Annotation => "planning annotation",
            };
            out.push_str(&format!(
                "- rows now: {} ({source})\n- estimated: {} (heap {}, indexes {}, TOAST {})\n",
                human_count(*rows),
                human_bytes(sizes.total_bytes() as f64),
                human_bytes(sizes.heap_bytes as f64),
                human_bytes(sizes.index_bytes() as f64),
                human_bytes(sizes.toast_bytes as f64)
            ));
            if let Some(measured) = self.measured_bytes {
                let ratio = if sizes.total_bytes() > 0 { measured as f64 / sizes.total_bytes() as f64 } else { 0.0 };
                out.push_str(&format!("- measured: {} ({ratio:.2}× the estimate)\n", human_bytes(measured as f64)));
            }
        }
        for projection in &self.projections {
            out.push_str(&format!("- {}: {} rows, {}\n", projection.label, human_count(projection.rows), human_bytes(projection.sizes.total_bytes() as f64)));
        }
        if self.estimate.columns.iter().any(|c| c.source == schemacast_lints::storage::WidthSource::Assumed) {
            out.push_str("\n_Widths of some variable-width columns are assumed; `schemacast collect` samples real ones._\n");
        }
        out
    }
}
