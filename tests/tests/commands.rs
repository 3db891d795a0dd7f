//! `schemacast rule`, `--version` and `--help`.

use schemacast_tests::run;

const RULES: [&str; 4] = ["missing-fk-index", "redundant-index", "missing-primary-key", "fk-type-mismatch"];

#[test]
fn rule_lists_every_rule_and_documents_each() {
    let list = run(&["rule"]);
    assert_eq!(list.status, 0);
    for rule in RULES {
        assert!(list.stdout.contains(rule), "{rule} missing from:\n{}", list.stdout);
        let docs = run(&["rule", rule]);
        assert_eq!(docs.status, 0);
        for heading in ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"] {
            assert!(docs.stdout.contains(heading), "{rule} lacks {heading}");
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
    for args in [&["--help"][..], &["check", "--help"], &["rule", "--help"]] {
        let help = run(args);
        assert_eq!(help.status, 0, "{args:?}");
        assert!(help.stdout.contains("Usage:"), "{args:?}: {}", help.stdout);
    }
    let check = run(&["check", "--help"]).stdout;
    for option in ["--fail-on", "--stdin-filename <PATH>", "-v, --verbose"] {
        assert!(check.contains(option), "{option} missing from:\n{check}");
    }
    assert_eq!(run(&["no-such-command"]).status, 2);
}
