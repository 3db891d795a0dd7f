//! `schemacast rule [NAME]`.

use anyhow::bail;
use clap::{Args, ValueEnum};
use schemacast_lints::rules::{all_rules, did_you_mean, rule, rules_markdown_table, RuleInfo};

use crate::cli::print_stdout;
use crate::exit;

#[derive(Args)]
pub(crate) struct RuleArgs {
    /// A rule name, e.g. `missing-fk-index`; without it, list every rule.
    name: Option<String>,
    /// How to list the rules: `markdown` prints the README's rules table.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Text,
    Markdown,
}

pub(crate) fn run(args: RuleArgs) -> anyhow::Result<u8> {
    let Some(name) = args.name else {
        let listing = match args.format {
            ListFormat::Text => text_listing(),
            ListFormat::Markdown => rules_markdown_table(),
        };
        print_stdout(&listing)?;
        return Ok(exit::CLEAN);
    };
    match rule(&name) {
        Some(info) => {
            print_stdout(&documentation(&info))?;
            Ok(exit::CLEAN)
        }
        None => bail!("unknown rule `{name}`{} (`schemacast rule` lists them)", did_you_mean(&name)),
    }
}

fn text_listing() -> String {
    let mut out = String::new();
    for info in all_rules() {
        let dialects: Vec<&str> = info.meta.dialects.iter().map(|d| d.name()).collect();
        out.push_str(&format!(
            "{:<22} {:<9} {:<8} {:<24} {}\n",
            info.meta.name,
            info.meta.family.name(),
            info.meta.default_severity.name(),
            dialects.join(","),
            info.summary()
        ));
    }
    out.push_str("\nRun `schemacast rule NAME` for a rule's documentation.\n");
    out
}

/// The header, the thresholds the rule reads (when it reads any) and its doc comment.
fn documentation(info: &RuleInfo) -> String {
    let dialects: Vec<&str> = info.meta.dialects.iter().map(|d| d.name()).collect();
    let mut out = format!(
        "# {}\n\nFamily: {}. Default severity: {}. Dialects: {}.\n\n",
        info.meta.name,
        info.meta.family.name(),
        info.meta.default_severity,
        dialects.join(", ")
    );
    if !info.meta.thresholds.is_empty() {
        out.push_str("Thresholds (`[thresholds]` in schemacast.toml):\n");
        for threshold in info.meta.thresholds {
            out.push_str(&format!(
                "- `{}` = {} ({}): {}.\n",
                threshold.key,
                threshold.default,
                threshold.allowed(),
                threshold.doc
            ));
        }
        out.push('\n');
    }
    out.push_str(&info.docs);
    out.push('\n');
    out
}
