//! `forecast --format text`: a block per projected table on one grid of columns (now and each
//! horizon), the database total, the tables nothing projects, and what the cost assumes.

use schemacast_lints::capacity::{
    date_of, describe_crossing, format_band, BytesSource, CapacityPlan, CapacitySettings, TableCapacity,
};
use schemacast_lints::storage::{estimate_table, human_bytes, human_count, row_bytes_text};
use schemacast_lints::Analysis;

use super::{cost_text, describe_model};

/// A labelled row of cells: the label, then now and each horizon.
type Line = (String, Vec<String>);

/// One table in the text output: its title line, labelled rows of cells, and notes.
struct TableBlock {
    title: String,
    lines: Vec<Line>,
    notes: Vec<String>,
}

/// A table with neither stats nor a plan: only its estimated row size is known.
struct UnprojectedTable {
    name: String,
    row_bytes: f64,
    bytes_per_million_rows: u64,
}

pub(super) fn render_text(analysis: &Analysis, selected: &[usize], snapshots: usize) -> String {
    let plan = &analysis.capacity;
    let mut blocks = Vec::new();
    let mut unprojected = Vec::new();
    for &index in selected {
        let table = &analysis.schema.tables()[index];
        let table_stats = analysis.stats.as_ref().and_then(|s| s.for_table(&table.name));
        let estimate = estimate_table(&analysis.schema, table, None, table_stats);
        match plan.table(index) {
            Some(capacity) => blocks.push(TableBlock {
                title: format!(
                    "{} · {} B/row · {}",
                    table.name,
                    row_bytes_text(estimate.row_bytes),
                    describe_model(capacity)
                ),
                lines: table_lines(plan, capacity),
                notes: table_notes(plan, capacity),
            }),
            None => unprojected.push(UnprojectedTable {
                name: table.name.to_string(),
                row_bytes: estimate.row_bytes,
                bytes_per_million_rows: estimate.bytes_per_million_rows,
            }),
        }
    }
    // The total is only worth a block when some table is projected.
    let total_lines = if blocks.is_empty() { Vec::new() } else { total_lines(plan) };
    let mut headings = vec!["now".to_owned()];
    headings.extend(plan.horizon_days().iter().map(|(_, day)| date_of(*day)));
    let grid = Grid::new(&headings, blocks.iter().flat_map(|block| &block.lines).chain(&total_lines));

    let mut out = origin_line(plan, snapshots);
    if !blocks.is_empty() {
        out.push_str(&grid.line("", &headings));
    }
    for block in &blocks {
        out.push_str(&block_text(block, &grid));
    }
    if !total_lines.is_empty() {
        out.push_str(&total_text(plan, &total_lines, &grid));
    }
    out.push_str(&unprojected_text(&unprojected));
    out.push_str(&cost_basis_line(&plan.settings));
    out
}

/// Where the projections start from, and what the intervals are.
fn origin_line(plan: &CapacityPlan, snapshots: usize) -> String {
    match plan.origin {
        Some(origin) if snapshots > 0 => {
            format!("forecast from {} ({snapshots} snapshots); intervals are 80%\n\n", date_of(origin))
        }
        Some(origin) => format!("no stats history: planning annotations projected from today, {}\n\n", date_of(origin)),
        None => String::new(),
    }
}

/// Rows (when projected), bytes and cost, now and at each horizon.
fn table_lines(plan: &CapacityPlan, capacity: &TableCapacity) -> Vec<Line> {
    let mut lines = Vec::new();
    if capacity.rows.is_some() {
        let mut cells = vec![capacity.rows_now.map_or("-".to_owned(), |(r, _)| human_count(r))];
        cells.extend(
            capacity.horizons.iter().map(|h| h.rows.as_ref().map_or("-".to_owned(), |b| format_band(b, human_count))),
        );
        lines.push(("rows".to_owned(), cells));
    }
    let mut bytes = vec![human_bytes(capacity.bytes_now)];
    bytes.extend(capacity.horizons.iter().map(|h| format_band(&h.bytes, human_bytes)));
    let bytes_label = match (capacity.bytes_source, capacity.bytes_measured) {
        (BytesSource::Measured, _) => "bytes (measured trend)",
        (_, true) => "bytes",
        (_, false) => "bytes (estimated)",
    };
    lines.push((bytes_label.to_owned(), bytes));
    let mut cost = vec![cost_text(plan.settings.cost_per_month(capacity.bytes_now))];
    cost.extend(capacity.horizons.iter().map(|h| cost_text(h.cost_per_month)));
    lines.push(("cost/month".to_owned(), cost));
    lines
}

/// What breaks and when (keys running out, the size limit within the horizons), and why the
/// bytes follow the measured history when they do.
fn table_notes(plan: &CapacityPlan, capacity: &TableCapacity) -> Vec<String> {
    let mut notes = Vec::new();
    for key in &capacity.exhaustion {
        notes.push(match describe_crossing(&key.crossing) {
            Some(when) => {
                format!("`{}` ({}) passes {} around {when}", key.column, key.type_name, human_count(key.limit))
            }
            None => format!("`{}` ({}) does not run out within 100 years at its pace", key.column, key.type_name),
        });
    }
    if let (Some(crossing), Some(end)) = (capacity.size_crossing, plan.last_horizon_day()) {
        if crossing.at.is_some_and(|at| at <= end) {
            notes.push(format!(
                "passes {} GiB around {}",
                plan.settings.table_size_gib,
                describe_crossing(&crossing).unwrap_or_default()
            ));
        }
    }
    if capacity.bytes_source == BytesSource::Measured && capacity.rows.is_some() {
        notes.push(format!(
            "bytes follow the measured history (+{}/day), not rows × the estimate (+{}/day): \
             bloat, TOAST or widths differ",
            human_bytes(capacity.measured_bytes_per_day.unwrap_or(0.0)),
            human_bytes(capacity.estimated_bytes_per_day.unwrap_or(0.0))
        ));
    }
    notes
}

/// The database's bytes and cost, now and at each horizon.
fn total_lines(plan: &CapacityPlan) -> Vec<Line> {
    let total = &plan.total;
    let mut bytes = vec![human_bytes(total.bytes_now)];
    bytes.extend(total.horizons.iter().map(|h| format_band(&h.bytes, human_bytes)));
    let mut cost = vec![cost_text(total.cost_now)];
    cost.extend(total.horizons.iter().map(|h| cost_text(h.cost_per_month)));
    vec![("bytes".to_owned(), bytes), ("cost/month".to_owned(), cost)]
}

/// Column widths shared by every table's lines and the total's, so the columns line up
/// across blocks.
struct Grid {
    label_width: usize,
    widths: Vec<usize>,
}

impl Grid {
    fn new<'a>(headings: &[String], lines: impl Iterator<Item = &'a Line> + Clone) -> Self {
        let label_width = lines.clone().map(|(label, _)| label.chars().count()).max().unwrap_or(4).max(4) + 2;
        let mut widths: Vec<usize> = headings.iter().map(|h| h.chars().count()).collect();
        for (_, cells) in lines {
            for (i, cell) in cells.iter().enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(cell.chars().count());
                }
            }
        }
        Grid { label_width, widths }
    }

    fn line(&self, label: &str, cells: &[String]) -> String {
        let label_width = self.label_width;
        let mut text = format!("  {label:<label_width$}");
        for (cell, width) in cells.iter().zip(&self.widths) {
            text.push_str(&format!("{cell:>width$}  "));
        }
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    }
}

fn block_text(block: &TableBlock, grid: &Grid) -> String {
    let mut out = format!("{}\n", block.title);
    for (label, cells) in &block.lines {
        out.push_str(&grid.line(label, cells));
    }
    for note in &block.notes {
        out.push_str(&format!("  ! {note}\n"));
    }
    out.push('\n');
    out
}

/// The database total's block: how many tables it adds up, its lines, and the budget.
fn total_text(plan: &CapacityPlan, total_lines: &[Line], grid: &Grid) -> String {
    let projected = plan.tables.iter().flatten().count();
    let mut out = format!("database total ({projected} projected table{})\n", if projected == 1 { "" } else { "s" });
    for (label, cells) in total_lines {
        out.push_str(&grid.line(label, cells));
    }
    if let (Some(budget), Some(crossing)) = (plan.settings.budget_gib, plan.total.budget_crossing) {
        match describe_crossing(&crossing) {
            Some(when) => out.push_str(&format!("  ! passes the {budget} GiB budget around {when}\n")),
            None => out.push_str(&format!("  within the {budget} GiB budget for 100 years at this pace\n")),
        }
    }
    out.push('\n');
    out
}

fn unprojected_text(unprojected: &[UnprojectedTable]) -> String {
    if unprojected.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "not projected: no stats and no planning annotation ({}); `schemacast collect` samples them\n",
        unprojected.len()
    );
    let width = unprojected.iter().map(|table| table.name.chars().count()).max().unwrap_or(5);
    for table in unprojected {
        out.push_str(&format!(
            "  {:<width$}  {:>6} B/row  {:>10} per 1M rows\n",
            table.name,
            row_bytes_text(table.row_bytes),
            human_bytes(table.bytes_per_million_rows as f64)
        ));
    }
    out.push('\n');
    out
}

/// The price and the copies every cost figure assumes.
fn cost_basis_line(settings: &CapacitySettings) -> String {
    format!(
        "cost: {} per GiB-month{} × ({} cop{} + {} backup)\n",
        settings.price(),
        if settings.price_is_example() { " (an example price; set [capacity] price_per_gib_month)" } else { "" },
        settings.copies,
        if settings.copies == 1.0 { "y" } else { "ies" },
        settings.backup_retention_factor
    )
}
