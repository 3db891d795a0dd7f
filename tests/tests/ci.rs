//! What CI users ask for: unused and misspelt ignore comments, reasons in JSON and SARIF,
//! `--check`, `--format gcc` and `check --changed`.

use std::path::Path;
use std::process::Command;

use schemacast_tests::{project, run_in};

fn rules_of(json: &serde_json::Value) -> Vec<String> {
    json["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn an_ignore_comment_that_silences_nothing_is_reported_fixed_and_can_be_turned_off() {
    let files = [(
        "db/V1__init.sql",
        "-- schemacast: ignore missing-primary-key\nCREATE TABLE a (id bigint PRIMARY KEY);\n\n-- schemacast: ignore missing-primary-key\nCREATE TABLE staging (line text);\n",
    )];
    let dir = project(&files);
    let result = run_in(dir.path(), &["check", "--format", "json", "db"]);
    assert_eq!(result.status, 1, "{}", result.stderr);
    let json = result.json();
    assert_eq!(rules_of(&json), ["unused-suppression"]);
    assert_eq!(json["diagnostics"][0]["start"]["line"], 1);

    // The fix deletes the comment's line and nothing else.
    let fixed = run_in(dir.path(), &["check", "--fix", "db"]);
    assert_eq!(fixed.status, 0, "{}{}", fixed.stdout, fixed.stderr);
    let text = std::fs::read_to_string(dir.path().join("db/V1__init.sql")).unwrap();
    assert_eq!(
        text,
        "CREATE TABLE a (id bigint PRIMARY KEY);\n\n-- schemacast: ignore missing-primary-key\nCREATE TABLE staging (line text);\n"
    );

    let off = project(&[files[0], ("schemacast.toml", "[rules]\nunused-suppression = \"off\"\n")]);
    let result = run_in(off.path(), &["check", "--format", "json", "db"]);
    assert_eq!((result.status, rules_of(&result.json()).len()), (0, 0), "{}", result.stdout);
}

#[test]
fn a_misspelt_rule_in_an_ignore_comment_is_named_with_the_nearest_and_silences_nothing() {
    let dir =
        project(&[("schema.sql", "-- schemacast: ignore misisng-primary-key\nCREATE TABLE staging (line text);\n")]);
    let result = run_in(dir.path(), &["check", "--format", "json", "schema.sql"]);
    assert_eq!(result.status, 1, "{}", result.stderr);
    let json = result.json();
    // The misspelt comment silenced nothing: the finding it meant is still there.
    assert_eq!(rules_of(&json), ["unknown-rule", "missing-primary-key"]);
    assert_eq!(
        json["diagnostics"][0]["message"],
        "unknown rule `misisng-primary-key`; did you mean `missing-primary-key`?"
    );
}

#[test]
fn a_misspelt_rule_in_the_config_names_the_line_and_the_nearest_rule() {
    let dir = project(&[
        ("schemacast.toml", "[rules]\nmisisng-fk-index = \"off\"\n"),
        ("schema.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n"),
    ]);
    let result = run_in(dir.path(), &["check", "schema.sql"]);
    assert_eq!(result.status, 2, "{}", result.stdout);
    assert!(
        result.stderr.contains(
            "schemacast.toml:2: unknown rule `misisng-fk-index` in [rules]; did you mean `missing-fk-index`?"
        ),
        "{}",
        result.stderr
    );
}

#[test]
fn the_reason_of_an_ignore_comment_is_in_json_and_in_sarif_as_the_justification() {
    let dir = project(&[(
        "schema.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY);\n-- schemacast: ignore missing-primary-key -- audited in JIRA-12\nCREATE TABLE staging (line text);\n",
    )]);
    let json = run_in(dir.path(), &["check", "--format", "json", "schema.sql"]).json();
    let suppressions = json["suppressions"].as_array().unwrap();
    assert_eq!(suppressions.len(), 1, "{json}");
    assert_eq!(suppressions[0]["file"], "schema.sql");
    assert_eq!(suppressions[0]["line"], 2);
    assert_eq!(suppressions[0]["scope"], "statement");
    assert_eq!(suppressions[0]["rules"], serde_json::json!(["missing-primary-key"]));
    assert_eq!(suppressions[0]["reason"], "audited in JIRA-12");
    assert_eq!(suppressions[0]["silenced"], 1);

    let sarif = run_in(dir.path(), &["check", "--format", "sarif", "schema.sql"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(results[0]["ruleId"], "missing-primary-key");
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(results[0]["suppressions"][0]["justification"], "audited in JIRA-12");
}

#[test]
fn dash_dash_check_is_the_check_command() {
    let dir = project(&[("db/V1__init.sql", "CREATE TABLE staging (line text);\n")]);
    let alias = run_in(dir.path(), &["--check", "db", "--format", "json"]);
    let command = run_in(dir.path(), &["check", "db", "--format", "json"]);
    assert_eq!(alias.status, 1, "{}", alias.stderr);
    assert_eq!(alias.stdout, command.stdout);
}

#[test]
fn gcc_format_is_one_line_per_finding() {
    let dir = project(&[(
        "db/V1__init.sql",
        "\nCREATE TABLE staging (line text);\nCREATE TABLE t (id integer PRIMARY KEY);\n",
    )]);
    let result = run_in(dir.path(), &["check", "--format", "gcc", "db"]);
    assert_eq!(result.status, 1, "{}", result.stderr);
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", result.stdout);
    assert_eq!(lines[0], "db/V1__init.sql:2:14: warning: table `staging` has no primary key [missing-primary-key]");
    assert!(
        lines[1].starts_with("db/V1__init.sql:3:20: warning: ") && lines[1].ends_with(" [int-key-exhaustion]"),
        "{}",
        lines[1]
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .status()
        .expect("git can be started");
    assert!(status.success(), "git {args:?}");
}

fn gcc_files(output: &str) -> Vec<&str> {
    let mut files: Vec<&str> = output.lines().filter_map(|l| l.split(':').next()).collect();
    files.dedup();
    files
}

#[test]
fn changed_reports_only_the_files_the_branch_changed_judged_against_the_whole_set() {
    let dir = project(&[
        ("db/V1__customers.sql", "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE legacy (x int);\n"),
        ("db/V2__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n"),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "two migrations"]);
    // Untracked: the new migration's foreign key is judged against V1's table.
    std::fs::write(
        dir.path().join("db/V3__fk.sql"),
        "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);\n",
    )
    .unwrap();

    let all = run_in(dir.path(), &["check", "--format", "gcc", "db"]);
    assert_eq!(gcc_files(&all.stdout), ["db/V1__customers.sql", "db/V3__fk.sql"], "{}", all.stdout);

    let changed = run_in(dir.path(), &["check", "--changed", "--since", "HEAD", "--format", "gcc", "db"]);
    assert_eq!(changed.status, 1, "{}", changed.stderr);
    assert_eq!(gcc_files(&changed.stdout), ["db/V3__fk.sql"], "{}", changed.stdout);
    assert!(changed.stdout.contains("[missing-fk-index]"), "{}", changed.stdout);

    // Committed on the branch: still changed since the merge-base with the first commit.
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "fk"]);
    let committed = run_in(dir.path(), &["check", "--changed", "--since", "HEAD~1", "--format", "gcc", "db"]);
    assert_eq!(gcc_files(&committed.stdout), ["db/V3__fk.sql"], "{}", committed.stdout);
    let nothing = run_in(dir.path(), &["check", "--changed", "--since", "HEAD", "--format", "gcc", "db"]);
    assert_eq!((nothing.status, nothing.stdout.as_str()), (0, ""));
}

#[test]
fn changed_outside_a_repository_or_with_an_unknown_ref_is_a_usage_error() {
    let dir = project(&[("db/V1__init.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n")]);
    let outside = run_in(dir.path(), &["check", "--changed", "db"]);
    assert_eq!(outside.status, 2, "{}", outside.stdout);
    assert!(outside.stderr.contains("--changed needs a git repository"), "{}", outside.stderr);

    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let unknown = run_in(dir.path(), &["check", "--changed", "--since", "no-such-branch", "db"]);
    assert_eq!(unknown.status, 2, "{}", unknown.stdout);
    assert!(
        unknown.stderr.contains("--since `no-such-branch`: git knows no commit by that name"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn changed_without_since_compares_with_main() {
    let dir = project(&[("db/V1__init.sql", "CREATE TABLE legacy (x int);\n")]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    // Whatever git's default branch is called, `main` is the base; no upstream, no origin.
    git(dir.path(), &["checkout", "-q", "-B", "main"]);
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    std::fs::write(dir.path().join("db/V2__more.sql"), "CREATE TABLE more (x int);\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "more"]);
    let changed = run_in(dir.path(), &["check", "--changed", "--format", "gcc", "-v", "db"]);
    assert_eq!(changed.status, 1, "{}", changed.stderr);
    assert_eq!(gcc_files(&changed.stdout), ["db/V2__more.sql"], "{}", changed.stdout);
    assert!(changed.stderr.contains("changed: 1 file since main (merge-base "), "{}", changed.stderr);
}
