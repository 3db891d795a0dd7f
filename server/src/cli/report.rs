//! `schemacast report -o DIR`.

use std::path::PathBuf;

use clap::Args;
use schemacast_lints::capacity::Horizon;
use schemacast_lints::Dialect;

use crate::cli::forecast::{analyze_capacity, CapacityRun};
use crate::cli::print_stdout;
use crate::exit;
use crate::report::{self, content, publish};

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// Schema files or migration directories [default: `schema` of schemacast.toml].
    paths: Vec<PathBuf>,
    /// Stats file whose history is charted and forecast [default: `stats` of schemacast.toml
    /// when that file exists]. Without one, the report shows DDL estimates and planned tables.
    #[arg(long)]
    stats: Option<PathBuf>,
    /// With a store holding several databases: the one whose history is read [default:
    /// `database` of schemacast.toml, else that of the latest snapshot].
    #[arg(long)]
    database: Option<String>,
    /// Directory to write: index.html, summary.md, charts/. Replaced whole when it holds a
    /// previous report.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: PathBuf,
    /// Also write each chart as PNG.
    #[arg(long)]
    png: bool,
    /// The page's title [default: "Capacity report: " and the database's name].
    #[arg(long)]
    title: Option<String>,
    /// Tables with a section and charts of their own, biggest growers first; tables that reach
    /// a limit within the horizons are added.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Replace DIR even when it is not a previous report (everything in it is deleted).
    #[arg(long)]
    force: bool,
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
}

pub(crate) fn run(args: ReportArgs) -> anyhow::Result<u8> {
    publish::check_target(&args.output, args.force)?;
    let CapacityRun { analysis, dialect, invalid_annotations, unreadable_files, series, .. } = analyze_capacity(
        &args.paths,
        args.stats.as_deref(),
        args.database.as_deref(),
        args.dialect,
        args.config.as_deref(),
        &args.horizon,
        true,
        "report",
    )?;
    let source = args.paths.first().map_or_else(|| "schema".to_owned(), |p| p.display().to_string());
    let options = content::Options { title: args.title.clone(), top: args.top, source };
    let facts = content::build(&analysis, series.as_deref(), dialect, &options);
    let written = report::write(&facts, &args.output, args.png)?;
    let dir = args.output.display();
    let mut line = format!(
        "wrote {dir}/index.html, {dir}/summary.md and {} chart{} in {dir}/charts",
        written.charts,
        if written.charts == 1 { "" } else { "s" }
    );
    if args.png {
        line.push_str(&format!(" ({} as PNG too)", written.pngs));
    }
    line.push('\n');
    print_stdout(&line)?;
    Ok(if invalid_annotations > 0 || unreadable_files > 0 || !written.failed_charts.is_empty() {
        exit::USAGE_OR_IO
    } else {
        exit::CLEAN
    })
}
