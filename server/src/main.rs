//! The `schemacast` binary: every surface over the engine.

mod cli;
mod collect;
mod lsp;
mod output;
mod project;
mod report;
mod store;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Lints SQL DDL and migrations, and forecasts table growth.
#[derive(Parser)]
#[command(
    name = "schemacast",
    version,
    about,
    propagate_version = true,
    after_help = "`schemacast --check PATH...` is `schemacast check PATH...`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint schema files and migration directories.
    Check(cli::check::CheckArgs),
    /// Show the documentation of every rule, or of one.
    Rule(cli::rule::RuleArgs),
    /// Read statistics from a live PostgreSQL or MySQL/MariaDB database (read-only) and append a
    /// snapshot to the stats file.
    Collect(cli::collect::CollectArgs),
    /// Import or summarise the stats history.
    Stats(cli::stats::StatsArgs),
    /// Project each table's rows, bytes and cost at the horizons from the stats history (or a
    /// planning annotation), with 80% intervals, the model behind them and when keys run out.
    Forecast(cli::forecast::ForecastArgs),
    /// Write a capacity report: an HTML page with charts (what grows, what it will cost, what
    /// breaks when), the charts as SVG (and PNG), and a Markdown summary for CI comments.
    Report(cli::report::ReportArgs),
    /// Run the language server over stdin and stdout.
    Lsp(lsp::LspArgs),
}

/// Exit statuses: the contract CI scripts rely on.
pub(crate) mod exit {
    pub const CLEAN: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const USAGE_OR_IO: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_check_alias(std::env::args_os()));
    let result = match cli.command {
        Command::Check(args) => cli::check::run(args),
        Command::Rule(args) => cli::rule::run(args),
        Command::Collect(args) => cli::collect::run(args),
        Command::Stats(args) => cli::stats::run(args),
        Command::Forecast(args) => cli::forecast::run(args),
        Command::Report(args) => cli::report::run(args),
        Command::Lsp(args) => lsp::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::USAGE_OR_IO)
        }
    }
}

/// `schemacast --check ...` as `schemacast check ...`: the spelling linters run in CI often take.
fn with_check_alias(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
    if let Some(first) = args.get_mut(1) {
        if first == "--check" {
            *first = "check".into();
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::{with_check_alias, Cli};

    #[test]
    fn dash_dash_check_first_is_the_check_command() {
        let args = |list: &[&str]| list.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(with_check_alias(args(&["schemacast", "--check", "db"])), args(&["schemacast", "check", "db"]));
        // Only in the command's place: elsewhere it is some command's argument.
        let later = args(&["schemacast", "rule", "--check"]);
        assert_eq!(with_check_alias(later.clone()), later);
    }

    /// Every option and positional of every command says what it is for in `--help`.
    #[test]
    fn every_argument_has_help_text() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    let shown = match arg.get_long() {
                        Some(long) => format!("--{long}"),
                        None => format!("<{}>", id.to_uppercase()),
                    };
                    missing.push(format!("`{path} {shown}`"));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "schemacast", &mut missing);
        assert!(missing.is_empty(), "arguments without help text (add a doc comment): {}", missing.join(", "));
    }
}
