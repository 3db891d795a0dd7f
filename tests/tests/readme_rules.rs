//! The README's table of rules lists exactly the catalogue's rules, in its order, with the
//! dialects each runs on: a rule added, renamed or retargeted without the README fails here.

use schemacast_tests::{run, workspace_root};

#[test]
fn the_readme_rules_table_matches_the_catalogue() {
    let listing = run(&["rule"]);
    assert_eq!(listing.status, 0, "{}", listing.stderr);
    // `NAME FAMILY SEVERITY DIALECTS SUMMARY...`
    let catalogue: Vec<(String, String)> = listing
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("Run `"))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let dialects =
                if fields[3] == "postgres,mysql,sqlite" { "all".to_owned() } else { fields[3].replace(',', ", ") };
            (fields[0].to_owned(), dialects)
        })
        .collect();
    assert!(catalogue.len() >= 16, "{}", listing.stdout);

    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let section = &readme[readme.find("\n## Rules\n").expect("README has a Rules section")..];
    let table: Vec<(String, String)> = section
        .lines()
        .skip_while(|l| !l.starts_with("| rule |"))
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let dialects = cells[2].split(" (").next().unwrap_or("").to_owned();
            (cells[1].trim_matches('`').to_owned(), dialects)
        })
        .collect();
    assert_eq!(table, catalogue, "README's rules table (name, dialects) differs from `schemacast rule`");
}
