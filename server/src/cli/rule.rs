//! `schemacast rule [NAME]`.

use anyhow::bail;
use clap::Args;
use schemacast_lints::rules::{all_rules, did_you_mean, rule};

use crate::cli::print_stdout;
use crate::exit;

#[derive(Args)]
pub(crate) struct RuleArgs {
    /// A rule name, e.g. `missing-fk-index`; without it, list every rule.
    name: Option<String>,
}

pub(crate) fn run(args: RuleArgs) -> anyhow::Result<u8> {
    let Some(name) = args.name else {
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
        print_stdout(&out)?;
        return Ok(exit::CLEAN);
    };
    match rule(&name) {
        Some(info) => {
            let dialects: Vec<&str> = info.meta.dialects.iter().map(|d| d.name()).collect();
            let header = format!(
                "# {}\n\nFamily: {}. Default severity: {}. Dialects: {}.\n\n",
                info.meta.name,
                info.meta.family.name(),
                info.meta.default_severity,
                dialects.join(", ")
            );
            print_stdout(&format!("{header}{}\n", info.docs))?;
            Ok(exit::CLEAN)
        }
        None => bail!("unknown rule `{name}`{} (`schemacast rule` lists them)", did_you_mean(&name)),
    }
}
