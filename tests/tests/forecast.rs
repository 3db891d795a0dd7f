//! `schemacast forecast` and planning annotations, end to end.

use schemacast_tests::{project, run, run_in};

#[test]
fn shop_forecast_prints_row_widths_and_sizes_per_million_rows() {
    let text = run(&["forecast", "examples/shop"]);
    assert_eq!(text.status, 0, "{}", text.stderr);
    let payments = text.stdout.lines().find(|l| l.starts_with("public.payments ")).unwrap_or_else(|| panic!("{}", text.stdout));
    assert!(payments.contains("5.0M (plan)"), "{payments}");
    let order_items = text.stdout.lines().find(|l| l.starts_with("public.order_items ")).unwrap();
    // (bigint, bigint, integer): 24 + 20 → 48-byte tuple plus a 4-byte line pointer.
    assert!(order_items.contains(" 52 B "), "{order_items}");

    let json = run(&["forecast", "--format", "json", "examples/shop"]).json();
    assert_eq!(json["version"], 1);
    let tables = json["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 9);
    let order_items = tables.iter().find(|t| t["name"] == "order_items").unwrap();
    assert_eq!(order_items["schema"], "public");
    assert_eq!(order_items["row_bytes"], 52.0);
    assert!(order_items["rows_now"].is_null() && order_items["rows_source"].is_null() && order_items["estimate"].is_null());
    assert!(order_items["measured_bytes"].is_null());
    let columns: Vec<(&str, f64, f64)> = order_items["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["bytes"].as_f64().unwrap(), c["padding_before"].as_f64().unwrap()))
        .collect();
    assert_eq!(columns, [("order_id", 8.0, 0.0), ("product_id", 8.0, 0.0), ("quantity", 4.0, 0.0)]);
    // 1,000,000 rows of 52 bytes: 157 rows a page → 6,370 heap pages, plus the primary key.
    let per_million = order_items["bytes_per_million_rows"].as_u64().unwrap();
    assert!(per_million > 6_370 * 8192 && per_million < 6_370 * 8192 * 2, "{per_million}");

    let payments = tables.iter().find(|t| t["name"] == "payments").unwrap();
    assert_eq!(payments["rows_now"], 5_000_000);
    assert_eq!(payments["rows_source"], "annotation");
    let estimate = &payments["estimate"];
    let indexes: u64 = estimate["indexes"].as_array().unwrap().iter().map(|i| i["bytes"].as_u64().unwrap()).sum();
    assert_eq!(estimate["index_bytes"].as_u64().unwrap(), indexes);
    assert_eq!(
        estimate["total_bytes"].as_u64().unwrap(),
        estimate["heap_bytes"].as_u64().unwrap() + estimate["toast_bytes"].as_u64().unwrap() + indexes
    );
    let padding: f64 = payments["columns"].as_array().unwrap().iter().map(|c| c["padding_before"].as_f64().unwrap()).sum();
    assert!(padding >= 9.0, "`captured boolean` before `id` and the smallint leave padding: {padding}");
}

#[test]
fn stats_give_rows_measured_size_and_the_ratio() {
    let stats = r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-01T00:00:00Z","tables":[{"schema":"public","name":"events","rows":2000000,"total_bytes":150000000,"columns":[{"name":"id","avg_width":8,"null_frac":0},{"name":"kind","avg_width":4,"null_frac":0}]}]}"#;
    let dir = project(&[
        ("schema.sql", "CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL);\n"),
        ("stats.jsonl", &format!("{stats}\n")),
    ]);
    let json = run_in(dir.path(), &["forecast", "schema.sql", "--stats", "stats.jsonl", "--format", "json"]).json();
    let events = &json["tables"][0];
    assert_eq!(events["rows_now"], 2_000_000);
    assert_eq!(events["rows_source"], "stats");
    assert_eq!(events["measured_bytes"], 150_000_000);
    let total = events["estimate"]["total_bytes"].as_f64().unwrap();
    assert!((events["measured_ratio"].as_f64().unwrap() - 150_000_000.0 / total).abs() < 0.01);
    assert_eq!(events["columns"][0]["width_source"], "declared");
}

#[test]
fn a_bad_planning_annotation_is_an_error_at_its_line() {
    let dir = project(&[(
        "schema.sql",
        "-- schemacast: rows=lots growth=3%/month\nCREATE TABLE a (id bigint PRIMARY KEY);\n\n-- schemacast: rows=1e6\nSELECT 1;\n",
    )]);
    let check = run_in(dir.path(), &["check", "--format", "json", "schema.sql"]);
    assert_eq!(check.status, 1);
    let json = check.json();
    let problems: Vec<(u64, &str, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["start"]["line"].as_u64().unwrap(), d["rule"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, 1);
    assert_eq!(problems[0].1, "invalid-annotation");
    assert!(problems[0].2.contains("`rows=lots` is not a row count"), "{}", problems[0].2);
    assert_eq!(problems[1].0, 4);
    assert!(problems[1].2.contains("must come right before the `CREATE TABLE`"), "{}", problems[1].2);
    assert_eq!(json["diagnostics"][0]["severity"], "error");

    let forecast = run_in(dir.path(), &["forecast", "schema.sql"]);
    assert_eq!(forecast.status, 2, "a plan that was not understood fails the command");
    assert!(forecast.stdout.contains("public.a"), "the estimates are still printed");
    assert!(forecast.stderr.contains("error: schema.sql:1: `rows=lots` is not a row count"), "{}", forecast.stderr);
}
