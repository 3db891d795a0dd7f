//! `schemacast check [PATH...]`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use clap::{Args, ValueEnum};
use schemacast_lints::rules::did_you_mean;
use std::sync::Arc;

use schemacast_lints::stats::{day_of, Snapshot, StatsSeries};
use schemacast_lints::{analyze_with, AnalysisOptions, Dialect, RuleSelection, Severity};

use crate::cli::inputs::{load_config, read_sources, schema_paths};
use crate::stats_file;
use crate::cli::print_stdout;
use crate::exit;
use crate::output::{self, Format};

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Schema files, or migration directories (each read as one ordered set). Defaults to the
    /// `schema` paths of schemacast.toml.
    paths: Vec<PathBuf>,
    /// SQL dialect [default: from schemacast.toml, else postgres].
    #[arg(long, value_parser = parse_dialect)]
    dialect: Option<Dialect>,
    /// Config file [default: the first schemacast.toml from the first path upward].
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with status 1 when a finding has this severity or higher.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Run only these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Stats file whose latest snapshot is matched to the schema [default: `stats` of
    /// schemacast.toml when that file exists].
    #[arg(long)]
    stats: Option<PathBuf>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Info,
    Warning,
    Error,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn parse_dialect(value: &str) -> Result<Dialect, String> {
    value.parse()
}

pub(crate) fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = load_config(args.config.as_deref(), &start)?;
    let paths = schema_paths(&args.paths, config.as_ref(), "check")?;
    let dialect = args.dialect.or(config.as_ref().and_then(|(c, _)| c.dialect)).unwrap_or_default();
    let selection = rule_selection(&args, config.as_ref().map(|(c, _)| c))?;

    let sources = read_sources(&paths)?;
    let (stats, series) = load_stats(args.stats.as_deref(), config.as_ref())?;
    let options = AnalysisOptions {
        stats,
        series,
        settings: config.as_ref().map(|(c, _)| c.settings.clone()).unwrap_or_default(),
        capacity: config.as_ref().map(|(c, _)| c.capacity.clone()).unwrap_or_default(),
        today: Some(today()),
    };
    let analysis = analyze_with(sources, dialect, &selection, options);

    let colored = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    print_stdout(&output::render(&analysis, analysis.stats.as_ref(), args.format, colored))?;

    let threshold = match args.fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| analysis.diagnostics.iter().any(|d| d.severity >= t));
    Ok(if failed { exit::FINDINGS } else { exit::CLEAN })
}

fn rule_selection(args: &CheckArgs, config: Option<&schemacast_lints::Config>) -> anyhow::Result<RuleSelection> {
    let unknown = |name: String| anyhow!("unknown rule `{name}`{} (`schemacast rule` lists them)", did_you_mean(&name));
    let mut selection = config.map(|c| c.rule_selection()).unwrap_or_default();
    if !args.select.is_empty() {
        selection.only(&args.select).map_err(unknown)?;
    }
    for name in &args.ignore {
        selection.set(name, None).map_err(unknown)?;
    }
    Ok(selection)
}

/// Today in days since the epoch: where horizons start for tables without a history.
pub(crate) fn today() -> f64 {
    day_of(jiff::Timestamp::now())
}

/// The latest snapshot and the history's series of `--stats`, or of the config's stats file
/// when it exists (before the first `collect` it does not, and that is no error). Bad lines are
/// named on stderr and skipped.
pub(crate) fn load_stats(
    explicit: Option<&Path>,
    config: Option<&(schemacast_lints::Config, PathBuf)>,
) -> anyhow::Result<(Option<Snapshot>, Option<Arc<StatsSeries>>)> {
    let path = match (explicit, config) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some((c, _))) if c.stats.is_some() => {
            let path = stats_file::stats_path(None, config);
            if !path.exists() {
                return Ok((None, None));
            }
            path
        }
        _ => return Ok((None, None)),
    };
    let (latest, series) = stats_file::read_for_forecast(&path)?;
    for problem in &series.problems {
        eprintln!("warning: {problem}");
    }
    match latest {
        Some(latest) => Ok((Some(latest), Some(Arc::new(series)))),
        None => bail!("{}: no usable snapshots in this stats file", path.display()),
    }
}
