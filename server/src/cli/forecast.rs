//! `schemacast forecast`: per table, rows, bytes and cost now and at each horizon with their
//! 80% intervals, the model behind them, and when keys and size limits are reached; then the
//! database's total.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use clap::{Args, ValueEnum};
use schemacast_lints::capacity::{
    date_of, describe_crossing, format_band, CapacityPlan, Horizon, KeySource, TableCapacity,
};
use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::forecast::{Band, Crossing, Method};
use schemacast_lints::schema::Table;
use schemacast_lints::stats::StatsSeries;
use schemacast_lints::storage::{estimate_table, human_bytes, human_count, row_bytes_text};
use schemacast_lints::{analyze_with, Analysis, AnalysisOptions, Dialect, RuleSelection};
use serde_json::{json, Value};

use crate::cli::print_stdout;
use crate::exit;
use crate::project::{choose_dialect, load_stats, report_unreadable, today};
use crate::project::{load_config, read_sources, schema_paths};

#[derive(Args)]
pub(crate) struct ForecastArgs {
    /// Schema files or migration directories [default: `schema` of schemacast.toml].
    paths: Vec<PathBuf>,
    /// Stats file whose history is forecast [default: `stats` of schemacast.toml when that
    /// file exists]. Without one, only tables with a planning annotation are projected.
    #[arg(long)]
    stats: Option<PathBuf>,
    /// SQL dialect: postgres, mysql or sqlite [default: from schemacast.toml, else postgres].
    #[arg(long, value_parser = |v: &str| v.parse::<Dialect>())]
    dialect: Option<Dialect>,
    /// Config file [default: the first schemacast.toml from the first path upward].
    #[arg(long)]
    config: Option<PathBuf>,
    /// Horizons after the last snapshot, comma-separated: `90d`, `12w`, `6mo`, `1y`
    /// [default: `[capacity] horizons`, else 3mo,6mo,1y].
    #[arg(long, value_delimiter = ',', value_parser = |v: &str| v.parse::<Horizon>())]
    horizon: Vec<Horizon>,
    /// Only these tables (`name` or `schema.name`; repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    table: Vec<String>,
    /// Output format: text for people, json for scripts (docs/forecast.md has its contract).
    #[arg(long, value_enum, default_value_t = ForecastFormat::Text)]
    format: ForecastFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ForecastFormat {
    Text,
    Json,
}

/// A schema analysed for its capacity plan, with what the commands print beside it.
pub(crate) struct CapacityRun {
    pub analysis: Analysis,
    pub dialect: Dialect,
    /// Snapshots in the stats history; 0 without one.
    pub snapshots: usize,
    /// Planning annotations that were not understood, already named on stderr.
    pub invalid_annotations: usize,
    /// Files none of whose statements was understood, already named on stderr.
    pub unreadable_files: usize,
    pub dialect_choice: DialectChoice,
    pub series: Option<Arc<StatsSeries>>,
}

/// What `forecast` and `report` share: the config, the schema, the stats history and the
/// horizons, analysed into a capacity plan. `rules` decides whether findings are wanted too.
pub(crate) fn analyze_capacity(
    paths: &[PathBuf],
    stats: Option<&Path>,
    dialect: Option<Dialect>,
    config: Option<&Path>,
    horizons: &[Horizon],
    rules: bool,
    command: &str,
) -> anyhow::Result<CapacityRun> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = load_config(config, &start)?;
    let paths = schema_paths(paths, config.as_ref(), command)?;
    let (stats, series) = load_stats(stats, config.as_ref())?;
    let sources = read_sources(&paths)?;
    let choice = choose_dialect(dialect, config.as_ref().and_then(|(c, _)| c.dialect), stats.as_ref(), &sources);
    let dialect = choice.dialect;
    let mut capacity = config.as_ref().map(|(c, _)| c.capacity.clone()).unwrap_or_default();
    if !horizons.is_empty() {
        capacity.horizons = horizons.to_vec();
    }
    let snapshots = series.as_ref().map_or(0, |s| s.snapshot_days.len());
    let options = AnalysisOptions {
        stats,
        series: series.clone(),
        settings: config.as_ref().map(|(c, _)| c.settings.clone()).unwrap_or_default(),
        capacity,
        today: Some(today()),
    };
    let selection = if rules {
        config.as_ref().map(|(c, _)| c.rule_selection()).unwrap_or_default()
    } else {
        // Only the schema and the capacity plan are wanted: no rule needs to run.
        let mut none = RuleSelection::default();
        none.only(&[]).ok();
        none
    };
    let analysis = analyze_with(sources, dialect, &selection, options);
    let unreadable_files = report_unreadable(&analysis, &choice);
    let mut invalid_annotations = 0;
    for problem in analysis.diagnostics.iter().filter(|d| d.rule == schemacast_lints::analysis::INVALID_ANNOTATION) {
        invalid_annotations += 1;
        let file = analysis.file(problem.location.file);
        let at = file.lines.line_col(&file.text, problem.location.range.start as usize);
        eprintln!("error: {}:{}: {}", file.path, at.line, problem.message);
    }
    Ok(CapacityRun {
        analysis,
        dialect,
        snapshots,
        invalid_annotations,
        unreadable_files,
        series,
        dialect_choice: choice,
    })
}

pub(crate) fn run(args: ForecastArgs) -> anyhow::Result<u8> {
    let CapacityRun { analysis, dialect, snapshots, invalid_annotations, unreadable_files, dialect_choice, .. } =
        analyze_capacity(
            &args.paths,
            args.stats.as_deref(),
            args.dialect,
            args.config.as_deref(),
            &args.horizon,
            false,
            "forecast",
        )?;

    let wanted =
        |table: &Table| args.table.is_empty() || args.table.iter().any(|name| names_table(dialect, name, table));
    let mut selected: Vec<usize> = analysis
        .schema
        .tables()
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.temporary && wanted(t))
        .map(|(i, _)| i)
        .collect();
    for name in &args.table {
        if !analysis.schema.tables().iter().any(|table| names_table(dialect, name, table)) {
            let count = analysis.schema.tables().len();
            bail!("--table {name}: no such table in the schema ({count} tables); `schemacast forecast` without --table lists them");
        }
    }
    // Biggest growers first; tables without a projection keep schema order at the end.
    selected.sort_by(|a, b| growth(&analysis.capacity, *b).total_cmp(&growth(&analysis.capacity, *a)));

    let out = match args.format {
        ForecastFormat::Json => {
            let tables: Vec<Value> = selected.iter().map(|&i| table_json(&analysis, i)).collect();
            let document = json!({
                "version": 1,
                "dialect": dialect.name(),
                "dialect_source": dialect_choice.source.name(),
                "dialect_reason": dialect_choice.reason,
                "origin": analysis.capacity.origin.map(date_of),
                "snapshots": snapshots,
                "price": price_json(&analysis.capacity),
                "tables": tables,
                "total": total_json(&analysis.capacity),
            });
            let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
            text.push('\n');
            text
        }
        ForecastFormat::Text => render_text(&analysis, &selected, snapshots),
    };
    print_stdout(&out)?;
    // The projections are printed, but a plan or a file that was not understood must not pass
    // silently.
    Ok(if invalid_annotations > 0 || unreadable_files > 0 { exit::USAGE_OR_IO } else { exit::CLEAN })
}

/// Whether `--table NAME` means `table`: its name or `schema.name`, folded as the dialect folds.
pub(crate) fn names_table(dialect: Dialect, name: &str, table: &Table) -> bool {
    let name = dialect.fold(name, false);
    name == dialect.fold(&table.name.name, false)
        || name == dialect.fold(&format!("{}.{}", table.name.schema, table.name.name), false)
}

pub(crate) fn growth(plan: &CapacityPlan, index: usize) -> f64 {
    plan.table(index).map_or(f64::NEG_INFINITY, |t| {
        if t.rows.is_some() || t.measured_bytes.is_some() {
            t.bytes_per_day()
        } else {
            f64::MIN
        }
    })
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

pub(crate) fn round_cost(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn crossing_json(crossing: &Crossing) -> Value {
    json!({
        "at": crossing.at.map(date_of),
        "at_low": crossing.at_low.map(date_of),
        "at_high": crossing.at_high.map(date_of),
    })
}

fn band_fields(prefix: &str, band: &Band, out: &mut serde_json::Map<String, Value>) {
    out.insert(prefix.to_owned(), json!(band.value.round()));
    let interval = band.interval;
    out.insert(format!("{prefix}_low"), json!(interval.map(|i| i.low80.round())));
    out.insert(format!("{prefix}_high"), json!(interval.map(|i| i.high80.round())));
    out.insert(format!("{prefix}_low95"), json!(interval.map(|i| i.low95.round())));
    out.insert(format!("{prefix}_high95"), json!(interval.map(|i| i.high95.round())));
}

fn horizons_json(horizons: &[schemacast_lints::capacity::HorizonProjection]) -> Vec<Value> {
    horizons
        .iter()
        .map(|h| {
            let mut fields = serde_json::Map::new();
            fields.insert("horizon".into(), json!(h.horizon.to_string()));
            fields.insert("at".into(), json!(date_of(h.day)));
            match &h.rows {
                Some(rows) => band_fields("rows", rows, &mut fields),
                None => {
                    for key in ["rows", "rows_low", "rows_high", "rows_low95", "rows_high95"] {
                        fields.insert(key.into(), Value::Null);
                    }
                }
            }
            band_fields("bytes", &h.bytes, &mut fields);
            fields.insert("cost_per_month".into(), json!(round_cost(h.cost_per_month)));
            Value::Object(fields)
        })
        .collect()
}

fn table_json(analysis: &Analysis, index: usize) -> Value {
    let table = &analysis.schema.tables()[index];
    let stats = analysis.stats.as_ref();
    let table_stats = stats.and_then(|s| s.for_table(&table.name));
    let capacity = analysis.capacity.table(index);
    let rows_now = capacity.and_then(|c| c.rows_now);
    let estimate = estimate_table(&analysis.schema, table, rows_now.map(|(r, _)| r), table_stats);
    let measured = table_stats.and_then(|t| t.total_bytes);
    let mut value = json!({
        "schema": table.name.schema,
        "name": table.name.name,
        "row_bytes": round(estimate.row_bytes),
        "bytes_per_million_rows": estimate.bytes_per_million_rows,
        "rows_now": rows_now.map(|(r, _)| r.round() as u64),
        "rows_source": rows_now.map(|(_, s)| s.name()),
        "estimate": estimate.at_rows.as_ref().map(|sizes| json!({
            "heap_bytes": sizes.heap_bytes,
            "toast_bytes": sizes.toast_bytes,
            "index_bytes": sizes.index_bytes(),
            "total_bytes": sizes.total_bytes(),
            "indexes": sizes.indexes.iter().map(|(name, bytes)| {
                let fill = estimate.index_fills.iter().find(|f| &f.name == name);
                json!({
                    "name": name,
                    "bytes": bytes,
                    "leaf_fill": fill.map(|f| (f.leaf_fill * 1000.0).round() / 1000.0),
                    "fill_reason": fill.map(|f| f.reason.as_str()),
                })
            }).collect::<Vec<_>>(),
        })),
        "measured_bytes": measured,
        "measured_ratio": match (measured, estimate.at_rows.as_ref()) {
            (Some(m), Some(e)) if e.total_bytes() > 0 => Some(round(m as f64 / e.total_bytes() as f64 * 100.0) / 100.0),
            _ => None,
        },
        "columns": estimate.columns.iter().map(|c| json!({
            "name": c.name,
            "type": c.type_name,
            "bytes": round(c.bytes),
            "padding_before": round(c.padding_before),
            "null_frac": c.null_frac,
            "width_source": c.source.name(),
        })).collect::<Vec<_>>(),
    });
    let Some(capacity) = capacity else {
        value["model"] = json!("none");
        value["horizons"] = json!([]);
        value["exhaustion"] = json!([]);
        return value;
    };
    let rows = capacity.rows.as_ref();
    value["model"] = json!(capacity.model_name());
    value["growth_per_day"] = json!(rows.map(|f| round(f.growth_per_day)));
    value["growth_percent_per_month"] = json!(rows.map(|f| (f.percent_per_month * 100.0).round() / 100.0));
    value["fit"] = json!(rows.map(|f| json!({
        "points": f.points,
        "points_in_history": f.points_in_history,
        "enough_history": f.has_enough_history(),
        "r_squared": f.r_squared.map(|r| (r * 10_000.0).round() / 10_000.0),
        "residual_percent": f.residual_percent.map(|r| (r * 1000.0).round() / 1000.0),
        "reset_at": f.reset_at.map(date_of),
        "level_shift_at": f.level_shift_at.map(date_of),
        "trend_change_at": f.trend_change_at.map(date_of),
        "merged_duplicates": f.merged_duplicates,
    })));
    value["bytes_now"] = json!(capacity.bytes_now.round());
    value["bytes_source"] = json!(capacity.bytes_source.name());
    value["bytes_growth_per_day"] = json!(round(capacity.bytes_per_day()));
    value["bytes_check"] = json!({
        "estimated_growth_per_day": capacity.estimated_bytes_per_day.map(round),
        "measured_growth_per_day": capacity.measured_bytes_per_day.map(round),
    });
    value["cost_per_month_now"] = json!(round_cost(analysis.capacity.settings.cost_per_month(capacity.bytes_now)));
    value["horizons"] = json!(horizons_json(&capacity.horizons));
    value["exhaustion"] = json!(capacity
        .exhaustion
        .iter()
        .map(|e| {
            let mut item = json!({
                "column": e.column,
                "type": e.type_name,
                "limit": e.limit,
                "current": e.current,
                "source": match &e.source {
                    KeySource::Sequence(name) => format!("sequence {name}"),
                    KeySource::ColumnMax => "column max".to_owned(),
                },
                "model": e.forecast.model_name(),
                "growth_per_day": round(e.forecast.growth_per_day),
            });
            if let (Some(item), Value::Object(crossing)) = (item.as_object_mut(), crossing_json(&e.crossing)) {
                item.extend(crossing);
            }
            item
        })
        .collect::<Vec<_>>());
    value["size_limit"] = json!(capacity.size_crossing.map(|c| {
        let mut limit = json!({"gib": analysis.capacity.settings.table_size_gib});
        if let (Some(item), Value::Object(crossing)) = (limit.as_object_mut(), crossing_json(&c)) {
            item.extend(crossing);
        }
        limit
    }));
    value
}

fn price_json(plan: &CapacityPlan) -> Value {
    let settings = &plan.settings;
    json!({
        "per_gib_month": settings.price(),
        "example": settings.price_is_example(),
        "copies": settings.copies,
        "backup_retention_factor": settings.backup_retention_factor,
    })
}

fn total_json(plan: &CapacityPlan) -> Value {
    let total = &plan.total;
    json!({
        "rows_now": total.rows_now.round(),
        "bytes_now": total.bytes_now.round(),
        "cost_per_month_now": round_cost(total.cost_now),
        "horizons": horizons_json(&total.horizons),
        "budget": plan.settings.budget_gib.map(|gib| {
            let mut budget = json!({"gib": gib});
            let crossing = total.budget_crossing.as_ref().map(crossing_json);
            if let (Some(item), Some(Value::Object(crossing))) = (budget.as_object_mut(), crossing) {
                item.extend(crossing);
            }
            budget
        }),
    })
}

pub(crate) fn cost_text(cost: f64) -> String {
    if cost >= 100.0 {
        format!("{cost:.0}")
    } else {
        format!("{cost:.2}")
    }
}

pub(crate) fn describe_model(capacity: &TableCapacity) -> String {
    let Some(rows) = &capacity.rows else {
        return match capacity.bytes_source {
            schemacast_lints::capacity::BytesSource::Measured => "bytes only (measured history)".to_owned(),
            _ => "no history, no plan: today's estimate only".to_owned(),
        };
    };
    let growth = format!(
        "{}{} rows/day ({:+.1}%/month)",
        if rows.growth_per_day >= 0.0 { "+" } else { "-" },
        human_count(rows.growth_per_day.abs()),
        rows.percent_per_month
    );
    match &rows.method {
        Method::Planned(_) => format!("planned (annotation): {growth}"),
        Method::NotEnoughHistory => format!(
            "not enough history ({} snapshot{}): flat, with a prior band",
            rows.points,
            if rows.points == 1 { "" } else { "s" }
        ),
        Method::Fitted => {
            let mut text = format!("{} fit of {} snapshots", rows.model_name(), rows.points);
            if let Some(r2) = rows.r_squared.filter(|_| rows.model_name() != "flat") {
                text.push_str(&format!(" (R² {r2:.3})"));
            }
            text.push_str(&format!(": {growth}"));
            if let Some(reset) = rows.reset_at {
                text.push_str(&format!("; fitted after a drop on {}", date_of(reset)));
            }
            if let Some(shift) = rows.level_shift_at {
                text.push_str(&format!("; a jump on {} is not counted as growth", date_of(shift)));
            }
            if let Some(change) = rows.trend_change_at {
                text.push_str(&format!("; growth changed on {}, the rate since is projected", date_of(change)));
            }
            text
        }
    }
}

/// One table in the text output: its title line, labelled rows of cells, and notes.
struct TableBlock {
    title: String,
    lines: Vec<(String, Vec<String>)>,
    notes: Vec<String>,
}

fn render_text(analysis: &Analysis, selected: &[usize], snapshots: usize) -> String {
    let plan = &analysis.capacity;
    let horizons = plan.horizon_days();
    let mut out = String::new();
    match plan.origin {
        Some(origin) if snapshots > 0 => {
            out.push_str(&format!("forecast from {} ({snapshots} snapshots); intervals are 80%\n\n", date_of(origin)))
        }
        Some(origin) => out
            .push_str(&format!("no stats history: planning annotations projected from today, {}\n\n", date_of(origin))),
        None => {}
    }
    let mut rows_of_text: Vec<(String, Vec<String>)> = Vec::new();
    let mut headings = vec!["now".to_owned()];
    headings.extend(horizons.iter().map(|(_, day)| date_of(*day)));
    let mut blocks: Vec<TableBlock> = Vec::new();
    let mut unprojected = Vec::new();
    for &index in selected {
        let table = &analysis.schema.tables()[index];
        let table_stats = analysis.stats.as_ref().and_then(|s| s.for_table(&table.name));
        let estimate = estimate_table(&analysis.schema, table, None, table_stats);
        let Some(capacity) = plan.table(index) else {
            unprojected.push((table.name.to_string(), estimate.row_bytes, estimate.bytes_per_million_rows));
            continue;
        };
        let title =
            format!("{} · {} B/row · {}", table.name, row_bytes_text(estimate.row_bytes), describe_model(capacity));
        let mut lines = Vec::new();
        if capacity.rows.is_some() {
            let mut cells = vec![capacity.rows_now.map_or("-".to_owned(), |(r, _)| human_count(r))];
            cells.extend(
                capacity
                    .horizons
                    .iter()
                    .map(|h| h.rows.as_ref().map_or("-".to_owned(), |b| format_band(b, human_count))),
            );
            lines.push(("rows".to_owned(), cells));
        }
        let mut bytes = vec![human_bytes(capacity.bytes_now)];
        bytes.extend(capacity.horizons.iter().map(|h| format_band(&h.bytes, human_bytes)));
        let bytes_label = match (capacity.bytes_source, capacity.bytes_measured) {
            (schemacast_lints::capacity::BytesSource::Measured, _) => "bytes (measured trend)",
            (_, true) => "bytes",
            (_, false) => "bytes (estimated)",
        };
        lines.push((bytes_label.to_owned(), bytes));
        let mut cost = vec![cost_text(plan.settings.cost_per_month(capacity.bytes_now))];
        cost.extend(capacity.horizons.iter().map(|h| cost_text(h.cost_per_month)));
        lines.push(("cost/month".to_owned(), cost));
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
        if capacity.bytes_source == schemacast_lints::capacity::BytesSource::Measured && capacity.rows.is_some() {
            notes.push(format!(
                "bytes follow the measured history (+{}/day), not rows × the estimate (+{}/day): \
                 bloat, TOAST or widths differ",
                human_bytes(capacity.measured_bytes_per_day.unwrap_or(0.0)),
                human_bytes(capacity.estimated_bytes_per_day.unwrap_or(0.0))
            ));
        }
        rows_of_text.extend(lines.iter().cloned());
        blocks.push(TableBlock { title, lines, notes });
    }
    let total = &plan.total;
    let mut total_lines = Vec::new();
    if !blocks.is_empty() {
        let mut bytes = vec![human_bytes(total.bytes_now)];
        bytes.extend(total.horizons.iter().map(|h| format_band(&h.bytes, human_bytes)));
        let mut cost = vec![cost_text(total.cost_now)];
        cost.extend(total.horizons.iter().map(|h| cost_text(h.cost_per_month)));
        total_lines.push(("bytes".to_owned(), bytes));
        total_lines.push(("cost/month".to_owned(), cost));
        rows_of_text.extend(total_lines.iter().cloned());
    }

    let label_width = rows_of_text.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(4).max(4) + 2;
    let mut widths: Vec<usize> = headings.iter().map(|h| h.chars().count()).collect();
    for (_, cells) in &rows_of_text {
        for (i, cell) in cells.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |label: &str, cells: &[String]| {
        let mut text = format!("  {label:<label_width$}");
        for (cell, width) in cells.iter().zip(&widths) {
            text.push_str(&format!("{cell:>width$}  "));
        }
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    if !blocks.is_empty() {
        out.push_str(&line("", &headings));
    }
    for block in &blocks {
        out.push_str(&format!("{}\n", block.title));
        for (label, cells) in &block.lines {
            out.push_str(&line(label, cells));
        }
        for note in &block.notes {
            out.push_str(&format!("  ! {note}\n"));
        }
        out.push('\n');
    }
    if !total_lines.is_empty() {
        let projected = plan.tables.iter().flatten().count();
        out.push_str(&format!(
            "database total ({projected} projected table{})\n",
            if projected == 1 { "" } else { "s" }
        ));
        for (label, cells) in &total_lines {
            out.push_str(&line(label, cells));
        }
        if let (Some(budget), Some(crossing)) = (plan.settings.budget_gib, total.budget_crossing) {
            match describe_crossing(&crossing) {
                Some(when) => out.push_str(&format!("  ! passes the {budget} GiB budget around {when}\n")),
                None => out.push_str(&format!("  within the {budget} GiB budget for 100 years at this pace\n")),
            }
        }
        out.push('\n');
    }
    if !unprojected.is_empty() {
        out.push_str(&format!(
            "not projected: no stats and no planning annotation ({}); `schemacast collect` samples them\n",
            unprojected.len()
        ));
        let width = unprojected.iter().map(|(name, _, _)| name.chars().count()).max().unwrap_or(5);
        for (name, row_bytes, per_million) in &unprojected {
            out.push_str(&format!(
                "  {name:<width$}  {:>6} B/row  {:>10} per 1M rows\n",
                row_bytes_text(*row_bytes),
                human_bytes(*per_million as f64)
            ));
        }
        out.push('\n');
    }
    let settings = &plan.settings;
    out.push_str(&format!(
        "cost: {} per GiB-month{} × ({} cop{} + {} backup)\n",
        settings.price(),
        if settings.price_is_example() { " (an example price; set [capacity] price_per_gib_month)" } else { "" },
        settings.copies,
        if settings.copies == 1.0 { "y" } else { "ies" },
        settings.backup_retention_factor
    ));
    out
}
