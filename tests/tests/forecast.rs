//! `schemacast forecast` and planning annotations, end to end.

use schemacast_tests::{project, run, run_in};

#[test]
fn shop_forecast_prints_row_widths_and_sizes_per_million_rows() {
    let text = run(&["forecast", "examples/shop"]);
    assert_eq!(text.status, 0, "{}", text.stderr);
    let payments =
        text.stdout.lines().find(|l| l.starts_with("public.payments ")).unwrap_or_else(|| panic!("{}", text.stdout));
    assert!(payments.contains("planned (annotation)"), "{payments}");
    let rows = text
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("public.payments "))
        .find(|l| l.trim_start().starts_with("rows"))
        .unwrap();
    assert!(rows.split_whitespace().nth(1) == Some("5.0M"), "the plan's rows now: {rows}");
    let order_items = text.stdout.lines().find(|l| l.trim_start().starts_with("public.order_items ")).unwrap();
    // (bigint, bigint, integer): 24 + 20 → 48-byte tuple plus a 4-byte line pointer.
    assert!(order_items.contains(" 52 B/row "), "{order_items}");

    let json = run(&["forecast", "--format", "json", "examples/shop"]).json();
    assert_eq!(json["version"], 1);
    let tables = json["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 9);
    let order_items = tables.iter().find(|t| t["name"] == "order_items").unwrap();
    assert_eq!(order_items["schema"], "public");
    assert_eq!(order_items["row_bytes"], 52.0);
    assert!(
        order_items["rows_now"].is_null() && order_items["rows_source"].is_null() && order_items["estimate"].is_null()
    );
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
    let padding: f64 =
        payments["columns"].as_array().unwrap().iter().map(|c| c["padding_before"].as_f64().unwrap()).sum();
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

/// The bundled year of history (`examples/stats/generate.py` documents what it plants).
fn shop_history(args: &[&str]) -> schemacast_tests::Run {
    let mut all = vec!["forecast", "examples/shop", "--stats", "examples/stats/shop.jsonl"];
    all.extend_from_slice(args);
    run(&all)
}

fn table<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["tables"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

fn day(date: &str) -> i64 {
    // Days since 1970-01-01 of a YYYY-MM-DD date (proleptic Gregorian).
    let parts: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (y, m, d) = (parts[0], parts[1], parts[2]);
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469
}

#[test]
fn a_year_of_history_projects_rows_bytes_and_cost_with_intervals() {
    let out = shop_history(&["--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["origin"], "2026-11-28");
    assert_eq!(json["snapshots"], 118);
    assert_eq!(json["price"]["example"], true);
    let orders = table(&json, "orders");
    assert!(["linear", "damped"].contains(&orders["model"].as_str().unwrap()), "{}", orders["model"]);
    let growth = orders["growth_per_day"].as_f64().unwrap();
    assert!((3_500.0..4_500.0).contains(&growth), "orders were planted at ~4,000/day: {growth}");
    let horizons = orders["horizons"].as_array().unwrap();
    let dates: Vec<&str> = horizons.iter().map(|h| h["at"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2027-02-28", "2027-05-28", "2027-11-28"]);
    let mut previous = orders["rows_now"].as_f64().unwrap();
    for h in horizons {
        let (low, rows, high) =
            (h["rows_low"].as_f64().unwrap(), h["rows"].as_f64().unwrap(), h["rows_high"].as_f64().unwrap());
        assert!(
            h["rows_low95"].as_f64().unwrap() <= low
                && low < rows
                && rows < high
                && high <= h["rows_high95"].as_f64().unwrap(),
            "{h}"
        );
        assert!(rows > previous, "rows grow: {h}");
        previous = rows;
        assert!(
            h["bytes_low"].as_f64().unwrap() < h["bytes"].as_f64().unwrap()
                && h["bytes"].as_f64().unwrap() < h["bytes_high"].as_f64().unwrap(),
            "{h}"
        );
        // Example price: 0.115 per GiB-month, one copy.
        let cost = h["bytes"].as_f64().unwrap() / 1024f64.powi(3) * 0.115;
        assert!((h["cost_per_month"].as_f64().unwrap() - cost).abs() < 0.006, "{h}");
    }
    // Planted: a truncate on 2026-08-01, a flat catalogue, shipments that outgrow their rows.
    let audit = table(&json, "audit_log");
    assert!(audit["fit"]["reset_at"].as_str().unwrap().starts_with("2026-08-0"), "{}", audit["fit"]);
    assert!(audit["fit"]["points"].as_u64().unwrap() < 50);
    assert_eq!(table(&json, "products")["model"], "flat");
    assert_eq!(table(&json, "shipments")["bytes_source"], "measured");
    assert_eq!(table(&json, "orders")["bytes_source"], "estimate");
    assert_eq!(
        table(&json, "import_staging")["fit"]["reset_at"],
        serde_json::Value::Null,
        "a volatile staging table is not reset"
    );

    // The planted sequence: 1.2e9 + 2.2e6 ids/day from 2025-12-01 passes 2^31-1 on 2027-02-05.
    let exhaustion = &table(&json, "payments")["exhaustion"][0];
    assert_eq!(exhaustion["column"], "id");
    assert_eq!(exhaustion["limit"], 2_147_483_647.0);
    let truth = day("2027-02-05");
    let (low, at, high) = (
        day(exhaustion["at_low"].as_str().unwrap()),
        day(exhaustion["at"].as_str().unwrap()),
        day(exhaustion["at_high"].as_str().unwrap()),
    );
    assert!(low <= at && at <= high, "{exhaustion}");
    assert!(low <= truth && truth <= high, "the planted date lies inside the 80% interval: {exhaustion}");

    // The total is the sum of the tables.
    let total = &json["total"];
    for (index, h) in total["horizons"].as_array().unwrap().iter().enumerate() {
        let sum: f64 =
            json["tables"].as_array().unwrap().iter().filter_map(|t| t["horizons"][index]["bytes"].as_f64()).sum();
        assert!((h["bytes"].as_f64().unwrap() - sum).abs() / sum < 1e-6, "{h} vs {sum}");
        assert!(h["bytes_low"].as_f64().unwrap() < h["bytes"].as_f64().unwrap());
    }
    assert!(total["bytes_now"].as_f64().unwrap() > 4.0 * 1024f64.powi(3));
}

#[test]
fn text_shows_models_intervals_notes_and_a_total() {
    let out = shop_history(&[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = &out.stdout;
    assert!(text.starts_with("forecast from 2026-11-28 (118 snapshots); intervals are 80%"), "{text}");
    assert!(text.contains("fitted after a drop on 2026-08-0"), "{text}");
    assert!(text.contains("! `id` (serial) passes 2.1B around 2027-02-0"), "{text}");
    assert!(text.contains("bytes follow the measured history"), "{text}");
    assert!(text.contains("database total (9 projected tables)"), "{text}");
    assert!(text.contains("an example price"), "{text}");
    // Sorted by growth: audit_log (150k rows/day) leads.
    let first = text.lines().find(|l| l.starts_with("public.")).unwrap();
    assert!(first.starts_with("public.audit_log "), "{first}");
}

#[test]
fn horizons_tables_and_bad_lines() {
    let out = shop_history(&["--format", "json", "--horizon", "90d,1y", "--table", "orders,public.payments"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let json = out.json();
    let names: Vec<&str> = json["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"orders") && names.contains(&"payments"));
    let at: Vec<&str> =
        table(&json, "orders")["horizons"].as_array().unwrap().iter().map(|h| h["at"].as_str().unwrap()).collect();
    assert_eq!(at, ["2027-02-26", "2027-11-28"]);

    let unknown = shop_history(&["--table", "order"]);
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("--table order: no such table"), "{}", unknown.stderr);
    let bad = shop_history(&["--horizon", "soon"]);
    assert_eq!(bad.status, 2);
    assert!(bad.stderr.contains("`soon` is not a horizon"), "{}", bad.stderr);

    // A malformed line is named and skipped; the rest is still projected.
    let history =
        std::fs::read_to_string(schemacast_tests::workspace_root().join("examples/stats/shop.jsonl")).unwrap();
    let mut lines: Vec<&str> = history.lines().collect();
    lines.insert(10, "{\"format\":\"schemacast.stats/v1\",\"taken_at\":");
    lines.insert(20, "not json at all");
    let dir = project(&[("stats.jsonl", &(lines.join("\n") + "\n"))]);
    let shop = schemacast_tests::workspace_root().join("examples/shop");
    let out = run_in(dir.path(), &["forecast", shop.to_str().unwrap(), "--stats", "stats.jsonl", "--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("stats.jsonl:11: incomplete snapshot"), "{}", out.stderr);
    assert!(out.stderr.contains("stats.jsonl:21: invalid snapshot"), "{}", out.stderr);
    assert_eq!(out.json()["snapshots"], 118);
}

#[test]
fn check_dates_key_exhaustion_and_budgets_from_the_history() {
    let dir = project(&[("schemacast.toml", "[capacity]\nbudget_gib = 6\n")]);
    let shop = schemacast_tests::workspace_root().join("examples/shop");
    let stats = schemacast_tests::workspace_root().join("examples/stats/shop.jsonl");
    let out = run_in(
        dir.path(),
        &[
            "check",
            shop.to_str().unwrap(),
            "--stats",
            stats.to_str().unwrap(),
            "--config",
            "schemacast.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    let json = out.json();
    let find = |rule: &str| {
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule}: {json}"))
    };
    let key = find("int-key-exhaustion");
    assert_eq!(key["severity"], "error", "the date falls inside the horizon: {key}");
    assert!(key["message"].as_str().unwrap().contains("it passes 2,147,483,647 around 2027-02-0"), "{key}");
    let budget = find("storage-budget");
    assert!(budget["message"].as_str().unwrap().contains("passes its 6 GiB budget around 2027-0"), "{budget}");
    assert!(budget["message"].as_str().unwrap().contains("`audit_log` grows fastest"), "{budget}");
    assert!(budget["file"].as_str().unwrap().ends_with("V4__shipping_and_audit.sql"), "{budget}");
}

#[test]
fn stats_show_gives_each_tables_growth() {
    let json = run(&["stats", "show", "--stats", "examples/stats/shop.jsonl", "--format", "json"]).json();
    let orders = json["tables"].as_array().unwrap().iter().find(|t| t["name"] == "orders").unwrap();
    let growth = orders["growth_per_day"].as_f64().unwrap();
    assert!((3_500.0..4_500.0).contains(&growth), "{orders}");
    assert!(orders["growth_percent_per_month"].as_f64().unwrap() > 3.0);
    let text = run(&["stats", "show", "--stats", "examples/stats/shop.jsonl"]).stdout;
    assert!(text.contains("rows/day") && text.contains("%/month"), "{text}");
}
