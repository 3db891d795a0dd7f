//! `schemacast forecast`: per table, rows, bytes and cost now and at each horizon with their
//! 80% intervals, the model behind them, and when keys and size limits are reached; then the
//! database's total.

mod json;
mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use clap::{Args, ValueEnum};
use schemacast_lints::capacity::{date_of, CapacityPlan, Horizon, TableCapacity};
use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::forecast::Method;
use schemacast_lints::schema::Table;
use schemacast_lints::stats::StatsSeries;
use schemacast_lints::storage::human_count;
use schemacast_lints::{analyze_with, Analysis, AnalysisOptions, Dialect, RuleSelection};

use self::json::ForecastDocument;
use self::text::render_text;
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
    /// With a store holding several databases: the one whose history is read [default:
    /// `database` of schemacast.toml, else that of the latest snapshot].
    #[arg(long)]
    database: Option<String>,
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
// The store and the database read from it are two settings of one input.
#[allow(clippy::too_many_arguments)]
pub(crate) fn analyze_capacity(
    paths: &[PathBuf],
    stats: Option<&Path>,
    database: Option<&str>,
    dialect: Option<Dialect>,
    config: Option<&Path>,
    horizons: &[Horizon],
    rules: bool,
    command: &str,
) -> anyhow::Result<CapacityRun> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = load_config(config, &start)?;
    let paths = schema_paths(paths, config.as_ref(), command)?;
    let (stats, series) = load_stats(stats, database, config.as_ref())?;
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
        timings: false,
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
            args.database.as_deref(),
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
            ForecastDocument::new(&analysis, &selected, dialect, &dialect_choice, snapshots).to_text()?
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
