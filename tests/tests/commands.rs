//! `schemacast rule`, `--version` and `--help`.

use schemacast_tests::run;

#[test]
fn rule_lists_every_rule_and_documents_each() {
    let list = run(&["rule"]);
    assert_eq!(list.status, 0);
    // `NAME FAMILY SEVERITY DIALECTS SUMMARY...`, then a hint line.
    let rules: Vec<&str> = list
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("Run `"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for expected in ["missing-fk-index", "redundant-index", "missing-primary-key", "fk-type-mismatch", "table-growth"] {
        assert!(rules.contains(&expected), "{expected} missing from:\n{}", list.stdout);
    }
    for rule in rules {
        let docs = run(&["rule", rule]);
        assert_eq!(docs.status, 0);
        for heading in ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"] {
            assert!(docs.stdout.contains(heading), "{rule} lacks {heading}:\n{}", docs.stdout);
        }
    }
    let unknown = run(&["rule", "redundant-idx"]);
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("did you mean `redundant-index`?"), "{}", unknown.stderr);
}

#[test]
fn version_and_help_on_every_command() {
    let version = run(&["--version"]);
    assert_eq!(version.status, 0);
    assert_eq!(version.stdout.trim(), format!("schemacast {}", env!("CARGO_PKG_VERSION")));
    let top = run(&["--help"]);
    assert_eq!(top.status, 0);
    // Every command the top-level help lists has its own help with a usage line naming it.
    let commands: Vec<&str> = top
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(commands, ["check", "rule", "collect", "stats", "forecast", "report", "lsp"], "{}", top.stdout);
    for command in &commands {
        let help = run(&[command, "--help"]);
        assert_eq!(help.status, 0, "{command}: {}", help.stderr);
        assert!(help.stdout.contains(&format!("Usage: schemacast {command}")), "{command}: {}", help.stdout);
    }
    let check = run(&["check", "--help"]).stdout;
    for option in ["--fail-on", "--stdin-filename <PATH>", "-v, --verbose"] {
        assert!(check.contains(option), "{option} missing from:\n{check}");
    }
    let unknown = run(&["no-such-command"]);
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("no-such-command"), "{}", unknown.stderr);
}
