//! What the editor shows: a broken config is visible where the user is, and every surface
//! prints a row's width alike.

use std::time::Duration;

use schemacast_tests::lsp::LspClient;
use schemacast_tests::{project, run_in};
use serde_json::json;

#[test]
fn a_broken_config_shows_in_every_open_sql_buffer_and_once_as_a_message() {
    let dir = project(&[
        ("schemacast.toml", "schema = [\"db\"]\ndialect = \"oracle\"\n"),
        ("db/V1__a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);\n"),
        ("db/V2__b.sql", "CREATE TABLE b (id bigint PRIMARY KEY);\n"),
    ]);
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    for name in ["V1__a.sql", "V2__b.sql"] {
        let path = dir.path().join("db").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let uri = client.open(&path, &text);
        let diagnostics = client.diagnostics(&uri, 1);
        let config = diagnostics
            .iter()
            .find(|d| d["message"].as_str().is_some_and(|m| m.contains("schemacast.toml:2:")))
            .unwrap_or_else(|| panic!("{name}: no config diagnostic in {diagnostics:?}"));
        assert_eq!(config["range"]["start"]["line"], 0);
        assert_eq!(config["severity"], 1);
        assert!(config["message"].as_str().unwrap().contains("oracle"), "{config}");
    }
    let shown = client
        .wait_for("window/showMessage", Duration::from_secs(10), |p| {
            p["message"].as_str().is_some_and(|m| m.contains("schemacast.toml:2:"))
        })
        .expect("the broken config is shown as a message");
    assert_eq!(shown["type"], 1);
    assert!(
        client.wait_for("window/showMessage", Duration::from_millis(500), |_| true).is_none(),
        "shown once, not per buffer or per analysis"
    );
    client.shutdown();
}

#[test]
fn hover_and_forecast_print_the_same_row_width() {
    // Half the notes are null, four bytes wide otherwise: the row is 44.5 bytes, which
    // `{:.0}` rounds to 44 and the hover to 45.
    let stats = r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-01T00:00:00Z","tables":[{"schema":"public","name":"t","rows":1000,"columns":[{"name":"id","avg_width":8,"null_frac":0},{"name":"flag","avg_width":1,"null_frac":0},{"name":"note","avg_width":4,"null_frac":0.5}]}]}"#;
    let schema = "CREATE TABLE t (id bigint PRIMARY KEY, flag boolean, note text);\n";
    let dir = project(&[
        ("schemacast.toml", "schema = [\"schema.sql\"]\nstats = \"stats.jsonl\"\n"),
        ("schema.sql", schema),
        ("stats.jsonl", &format!("{stats}\n")),
    ]);
    let forecast = run_in(dir.path(), &["forecast"]);
    assert!(forecast.stdout.contains("public.t · 45 B/row"), "{}", forecast.stdout);
    let json = run_in(dir.path(), &["forecast", "--format", "json"]).json();
    assert_eq!(json["tables"][0]["row_bytes"], 44.5);

    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    let uri = client.open(&dir.path().join("schema.sql"), schema);
    client.diagnostics(&uri, 1);
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 14}}));
    let text = hover["contents"]["value"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains("- row: 45 B ("), "{text}");
    client.shutdown();
}
