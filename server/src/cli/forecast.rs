//! `schemacast forecast`: per table, the row width, the cost per million rows and, with a row
//! count from stats or a planning annotation, the estimated and measured size.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use schemacast_lints::rules::rows_now;
use schemacast_lints::storage::{estimate_table, human_bytes, human_count};
use schemacast_lints::{analyze_with, AnalysisOptions, Dialect, RuleSelection};
use serde_json::{json, Value};

use crate::cli::check::load_stats;
use crate::cli::inputs::{load_config, read_sources, schema_paths};
use crate::cli::print_stdout;
use crate::exit;

#[derive(Args)]
pub(crate) struct ForecastArgs {
    /// Schema files or migration directories [default: `schema` of schemacast.toml].
    paths: Vec<PathBuf>,
    /// Stats file for row counts, sampled widths and measured sizes [default: `stats` of
    /// schemacast.toml when that file exists].
    #[arg(long)]
    stats: Option<PathBuf>,
    #[arg(long, value_parser = |v: &str| v.parse::<Dialect>())]
    dialect: Option<Dialect>,
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ForecastFormat::Text)]
    format: ForecastFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ForecastFormat {
    Text,
    Json,
}

pub(crate) fn run(args: ForecastArgs) -> anyhow::Result<u8> {
    let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = load_config(args.config.as_deref(), &start)?;
    let paths = schema_paths(&args.paths, config.as_ref(), "forecast")?;
    let dialect = args.dialect.or(config.as_ref().and_then(|(c, _)| c.dialect)).unwrap_or_default();
    let options = AnalysisOptions { stats: load_stats(args.stats.as_deref(), config.as_ref())?, settings: Default::default() };
    // Only the schema is wanted: no rule needs to run.
    let mut selection = RuleSelection::default();
    selection.only(&[]).ok();
    let analysis = analyze_with(read_sources(&paths)?, dialect, &selection, options);
    let mut invalid_annotations = 0;
    for problem in analysis.diagnostics.iter().filter(|d| d.rule == schemacast_lints::analysis::INVALID_ANNOTATION) {
        invalid_annotations += 1;
        let file = analysis.file(problem.location.file);
        let at = file.lines.line_col(&file.text, problem.location.range.start as usize);
        eprintln!("error: {}:{}: {}", file.path, at.line, problem.message);
    }

    let stats = analysis.stats.as_ref();
    let tables: Vec<Value> = analysis
        .schema
        .tables()
        .iter()
        .filter(|t| !t.temporary)
        .map(|table| {
            let rows = rows_now(table, stats);
            let table_stats = stats.and_then(|s| s.for_table(&table.name));
            let estimate = estimate_table(&analysis.schema, table, rows.map(|(r, _)| r), table_stats);
            let measured = table_stats.and_then(|t| t.total_bytes);
            json!({
                "schema": table.name.schema,
                "name": table.name.name,
                "row_bytes": round(estimate.row_bytes),
                "bytes_per_million_rows": estimate.bytes_per_million_rows,
                "rows_now": rows.map(|(r, _)| r.round() as u64),
                "rows_source": rows.map(|(_, s)| s.name()),
                "estimate": estimate.at_rows.as_ref().map(|sizes| json!({
                    "heap_bytes": sizes.heap_bytes,
                    "toast_bytes": sizes.toast_bytes,
                    "index_bytes": sizes.index_bytes(),
                    "total_bytes": sizes.total_bytes(),
                    "indexes": sizes.indexes.iter().map(|(name, bytes)| json!({"name": name, "bytes": bytes})).collect::<Vec<_>>(),
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
            })
        })
        .collect();

    let out = match args.format {
        ForecastFormat::Json => {
            let mut text = serde_json::to_string_pretty(&json!({"version": 1, "dialect": dialect.name(), "tables": tables})).unwrap_or_default();
            text.push('\n');
            text
        }
        ForecastFormat::Text => render_text(&tables),
    };
    print_stdout(&out)?;
    // The estimates are printed, but a plan that was not understood must not pass silently.
    Ok(if invalid_annotations > 0 { exit::USAGE_OR_IO } else { exit::CLEAN })
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn render_text(tables: &[Value]) -> String {
    let name = |t: &Value| {
        let schema = t["schema"].as_str().unwrap_or("");
        let name = t["name"].as_str().unwrap_or("");
        if schema.is_empty() { name.to_owned() } else { format!("{schema}.{name}") }
    };
    let width = tables.iter().map(|t| name(t).len()).max().unwrap_or(5).max(5);
    let mut out = format!("{:<width$}  {:>9}  {:>12}  {:>18}  {:>10}  {:>10}  {:>10}\n", "table", "row width", "per 1M rows", "rows now", "estimate", "measured", "meas/est");
    let mut assumed = false;
    for table in tables {
        let rows = match (table["rows_now"].as_f64(), table["rows_source"].as_str()) {
            (Some(rows), Some(source)) => format!("{} ({})", human_count(rows), if source == "stats" { "stats" } else { "plan" }),
            _ => "-".to_owned(),
        };
        let estimate = table["estimate"]["total_bytes"].as_f64().map_or("-".to_owned(), human_bytes);
        let measured = table["measured_bytes"].as_f64().map_or("-".to_owned(), human_bytes);
        let ratio = table["measured_ratio"].as_f64().map_or("-".to_owned(), |r| format!("{r:.2}"));
        let guessed = table["columns"].as_array().is_some_and(|c| c.iter().any(|c| c["width_source"] == "assumed"));
        assumed |= guessed;
        out.push_str(&format!(
            "{:<width$}  {:>8}{}  {:>12}  {:>18}  {:>10}  {:>10}  {:>10}\n",
            name(table),
            format!("{} B", table["row_bytes"].as_f64().unwrap_or(0.0).round()),
            if guessed { "*" } else { " " },
            human_bytes(table["bytes_per_million_rows"].as_f64().unwrap_or(0.0)),
            rows,
            estimate,
            measured,
            ratio
        ));
    }
    if assumed {
        out.push_str("\n* includes assumed widths for variable-width columns (text: 32 bytes); `schemacast collect` samples real ones\n");
    }
    out
}
