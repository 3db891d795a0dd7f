//! The stats store `collect` writes by default (`.schemacast/stats.db` beside schemacast.toml,
//! else in the current directory; an existing `.schemacast/stats.jsonl` where there is no
//! stats.db) is read by `check`, `forecast` and the language server with no `--stats` and no
//! `stats =` in the config.

use std::time::Duration;

use schemacast_tests::lsp::LspClient;
use schemacast_tests::{project, run_in, workspace_root, TempDir};
use serde_json::json;

/// A copy of examples/shop, with examples/stats/shop.jsonl imported into its default stats
/// store when `with_stats`.
fn shop(with_stats: bool) -> TempDir {
    let dir = project(&[]);
    let source = workspace_root().join("examples/shop");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    if with_stats {
        let history = workspace_root().join("examples/stats/shop.jsonl");
        let import = run_in(dir.path(), &["stats", "import", history.to_str().unwrap()]);
        assert_eq!(import.status, 0, "{}", import.stderr);
        assert!(import.stdout.ends_with("into .schemacast/stats.db\n"), "{}", import.stdout);
        assert!(dir.path().join(".schemacast/stats.db").is_file());
    }
    dir
}

/// A copy of examples/shop whose only stats are an older project's `.schemacast/stats.jsonl`.
fn shop_with_jsonl() -> TempDir {
    let dir = shop(false);
    std::fs::create_dir(dir.path().join(".schemacast")).unwrap();
    std::fs::copy(workspace_root().join("examples/stats/shop.jsonl"), dir.path().join(".schemacast/stats.jsonl"))
        .unwrap();
    dir
}

fn summary_line(stdout: &str) -> &str {
    stdout.lines().find(|l| l.contains("statements parsed")).unwrap_or_else(|| panic!("no summary line in:\n{stdout}"))
}

#[test]
fn check_and_forecast_read_the_default_stats_file_without_a_flag() {
    let bare = shop(false);
    let without = run_in(bare.path(), &["check", "."]);
    assert!(!summary_line(&without.stdout).contains("with stats"), "{}", without.stdout);
    assert_eq!(run_in(bare.path(), &["forecast", ".", "--format", "json"]).json()["snapshots"], 0);

    let dir = shop(true);
    let check = run_in(dir.path(), &["check", "."]);
    assert_eq!(check.status, 1, "{}", check.stderr);
    assert!(
        summary_line(&check.stdout)
            .ends_with("(15 statements parsed, 0 skipped) with stats from .schemacast/stats.db taken 2026-11-28"),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("stats: snapshot of 2026-11-28T00:56:00Z matched 9 of the DDL's 9 tables"),
        "{}",
        check.stdout
    );
    // With the history, payments.id runs out within the horizon: an error, not a warning.
    assert!(check.stdout.contains("error[int-key-exhaustion]"), "{}", check.stdout);

    let forecast = run_in(dir.path(), &["forecast", ".", "--format", "json"]);
    assert_eq!(forecast.status, 0, "{}", forecast.stderr);
    assert_eq!(forecast.json()["snapshots"], 118);
    let explicit = run_in(dir.path(), &["forecast", ".", "--format", "json", "--stats", ".schemacast/stats.db"]);
    assert_eq!(forecast.stdout, explicit.stdout, "the default store reads as if named");

    // JSON and SARIF stay as they were: the note is for the text summary only.
    let json = run_in(dir.path(), &["check", ".", "--format", "json"]);
    assert!(!json.stdout.contains("with stats from"), "{}", json.stdout);
}

#[test]
fn an_older_projects_stats_jsonl_stays_the_default_and_reads_the_same() {
    let sqlite = shop(true);
    let jsonl = shop_with_jsonl();
    let check = run_in(jsonl.path(), &["check", "."]);
    assert!(
        summary_line(&check.stdout).ends_with("with stats from .schemacast/stats.jsonl taken 2026-11-28"),
        "{}",
        check.stdout
    );
    let from_jsonl = run_in(jsonl.path(), &["forecast", ".", "--format", "json"]);
    let from_sqlite = run_in(sqlite.path(), &["forecast", ".", "--format", "json"]);
    assert_eq!(from_jsonl.json()["snapshots"], 118);
    assert_eq!(from_jsonl.stdout, from_sqlite.stdout, "both stores give the same forecast");
    // A collect would keep appending to it: the default stays stats.jsonl while no stats.db exists.
    let show = run_in(jsonl.path(), &["stats", "show", "--format", "json"]);
    assert_eq!(show.status, 0, "{}", show.stderr);
    assert!(!jsonl.path().join(".schemacast/stats.db").exists());
}

#[test]
fn with_a_config_the_default_stats_file_is_beside_it() {
    let dir = shop(true);
    // The project: schemacast.toml at the top naming the migrations, no `stats =`.
    std::fs::write(dir.path().join("schemacast.toml"), "schema = [\".\"]\n").unwrap();
    let nested = dir.path().join("tools/bin");
    std::fs::create_dir_all(&nested).unwrap();
    let check = run_in(&nested, &["check", "-v", "../.."]);
    assert_eq!(check.status, 1, "{}", check.stderr);
    let expected = dir.path().canonicalize().unwrap().join(".schemacast/stats.db");
    assert!(
        summary_line(&check.stdout).ends_with(&format!("with stats from {} taken 2026-11-28", expected.display())),
        "{}",
        check.stdout
    );
    let config = dir.path().canonicalize().unwrap().join("schemacast.toml");
    for line in [
        format!("verbose: config: {}\n", config.display()),
        format!(
            "verbose: stats: {} (the default stats store): 118 snapshots, latest taken 2026-11-28T00:56:00Z\n",
            expected.display()
        ),
        "verbose: read: ../../V1__customers_and_products.sql (".to_owned(),
        "verbose: read: ../../V6__payments.sql (".to_owned(),
    ] {
        assert!(check.stderr.contains(&line), "missing `{line}` in:\n{}", check.stderr);
    }
    // No file in the current directory is read when the config says where the project is.
    std::fs::create_dir_all(nested.join(".schemacast")).unwrap();
    std::fs::write(nested.join(".schemacast/stats.db"), "not a stats store\n").unwrap();
    let again = run_in(&nested, &["check", "../.."]);
    assert_eq!(again.stdout, check.stdout);
    assert!(again.stderr.is_empty(), "{}", again.stderr);
}

#[test]
fn verbose_says_what_was_read_and_that_no_stats_were_found() {
    let dir = shop(false);
    let run = run_in(dir.path(), &["check", "--verbose", "V1__customers_and_products.sql"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let verbose: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        verbose,
        [
            "verbose: config: none (no schemacast.toml in . or above)",
            "verbose: read: V1__customers_and_products.sql (456 bytes)",
            "verbose: stats: none (no --stats, and no stats store at .schemacast/stats.db)",
            "verbose: dialect: postgres (no dialect-specific syntax found; PostgreSQL assumed)",
        ],
        "{}",
        run.stderr
    );
    assert!(run_in(dir.path(), &["check", "V1__customers_and_products.sql"]).stderr.is_empty());
}

#[test]
fn the_language_server_reads_the_default_stats_store() {
    let stats = r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-01T00:00:00Z","tables":[{"schema":"public","name":"orders","rows":2000000,"total_bytes":200000000}]}"#;
    let orders = "CREATE TABLE orders (\n    id bigint PRIMARY KEY,\n    note text\n);\n";
    let dir = project(&[
        ("schemacast.toml", "schema = [\"db\"]\n"),
        ("db/V1__orders.sql", orders),
        ("history.jsonl", &format!("{stats}\n")),
    ]);
    assert_eq!(run_in(dir.path(), &["stats", "import", "history.jsonl"]).status, 0);
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    let uri = client.open(&dir.path().join("db/V1__orders.sql"), orders);
    client.diagnostics(&uri, 1);
    let card = hover_text(&mut client, &uri);
    assert!(card.contains("rows now: 2.0M (stats)"), "{card}");
    assert_eq!(client.shutdown(), Some(0));
}

fn hover_text(client: &mut LspClient, uri: &str) -> String {
    // Analysis is debounced; the card may come from the first analysis or a later one.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let result = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 14}}),
        );
        let text = result["contents"]["value"].as_str().unwrap_or("").to_owned();
        if text.contains("(stats)") || std::time::Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
