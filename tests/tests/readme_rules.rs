//! The README's table of rules is generated from the rules' declarations
//! (`schemacast rule --format markdown`): a rule added, renamed, retargeted or redescribed
//! without regenerating the README fails here.

use schemacast_tests::{run, workspace_root};

/// The table under `## Rules`: from its header row to its last row, each line with its newline.
fn readme_table(readme: &str) -> String {
    let section = &readme[readme.find("\n## Rules\n").expect("README has a Rules section")..];
    let start = section.find("\n| rule |").expect("the Rules section has a table") + 1;
    section[start..].split_inclusive('\n').take_while(|line| line.starts_with('|')).collect()
}

#[test]
fn the_readme_rules_table_is_the_generated_one() {
    let generated = run(&["rule", "--format", "markdown"]);
    assert_eq!(generated.status, 0, "{}", generated.stderr);
    assert!(generated.stdout.lines().count() >= 2 + 16, "{}", generated.stdout);
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    assert_eq!(
        readme_table(&readme),
        generated.stdout,
        "README.md's rules table is out of date: replace it with `schemacast rule --format markdown`"
    );
}

#[test]
fn a_rule_shows_its_thresholds_and_defaults() {
    let docs = run(&["rule", "column-padding"]);
    assert_eq!(docs.status, 0, "{}", docs.stderr);
    assert!(docs.stdout.contains("- `column-padding-bytes` = 8 (a number of bytes >= 0): "), "{}", docs.stdout);
    let none = run(&["rule", "missing-primary-key"]);
    assert!(!none.stdout.contains("Thresholds"), "{}", none.stdout);
}
