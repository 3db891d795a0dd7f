//! `schemacast report`, end to end: the page, the charts, the summary, escaping, the output
//! directory's safety, and (when `SCHEMACAST_TEST_CHROMIUM` names a browser) a screenshot.

use std::path::Path;

use schemacast_tests::history::{history, schema, GrowingTable};
use schemacast_tests::{announce_skip, project, run, run_in, workspace_root};

/// The `<data value>` numbers of the headline card for `horizon` (`now`, `3mo`, ...): bytes, cost.
fn card(html: &str, horizon: &str) -> (f64, f64) {
    let start =
        html.find(&format!("data-horizon=\"{horizon}\"")).unwrap_or_else(|| panic!("no headline card for {horizon}"));
    let card = &html[start..start + html[start..].find("</div>").unwrap()];
    let value = |class: &str| -> f64 {
        let at =
            card.find(&format!("<data class=\"{class}\" value=\"")).unwrap_or_else(|| panic!("no {class} in {card}"));
        let rest = &card[at + format!("<data class=\"{class}\" value=\"").len()..];
        rest[..rest.find('"').unwrap()].parse().unwrap()
    };
    (value("bytes"), value("cost"))
}

fn parse_svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let document = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    assert!(document.descendants().all(|n| n.tag_name().name() != "script"), "{} has a script element", path.display());
    text
}

/// Width, height and the number of distinct colours of a PNG.
fn decode_png(path: &Path) -> (u32, u32, usize) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channels = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = pixels[..info.buffer_size()].chunks(channels).collect();
    (info.width, info.height, colours.len())
}

#[test]
fn the_example_report_matches_the_forecast_and_charts_every_top_table() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("report");
    let dir_text = dir.to_str().unwrap();
    let report = run(&["report", "examples/shop", "--stats", "examples/stats/shop.jsonl", "-o", dir_text, "--png"]);
    assert_eq!(report.status, 0, "{}\n{}", report.stdout, report.stderr);
    assert!(report.stdout.contains("index.html"), "{}", report.stdout);

    let forecast =
        run(&["forecast", "examples/shop", "--stats", "examples/stats/shop.jsonl", "--format", "json"]).json();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let total = &forecast["total"];
    assert_eq!(
        card(&html, "now"),
        (total["bytes_now"].as_f64().unwrap(), total["cost_per_month_now"].as_f64().unwrap())
    );
    let horizons = total["horizons"].as_array().unwrap();
    assert_eq!(horizons.len(), 3);
    for horizon in horizons {
        let (bytes, cost) = card(&html, horizon["horizon"].as_str().unwrap());
        assert_eq!(bytes, horizon["bytes"].as_f64().unwrap(), "{horizon}");
        assert_eq!(cost, horizon["cost_per_month"].as_f64().unwrap(), "{horizon}");
    }

    // The payments key runs out: the headline gives the forecast's date.
    let payments = forecast["tables"].as_array().unwrap().iter().find(|t| t["name"] == "payments").unwrap();
    let runs_out = payments["exhaustion"][0]["at"].as_str().unwrap();
    let limits = &html[html.find("<h3>Limits</h3>").unwrap()..html.find("id=\"total\"").unwrap()];
    assert!(limits.contains(&format!("<time>{runs_out}</time> <code>public.payments.id</code>")), "{limits}");

    // Every projected table is a top table here (9 ≤ --top 10): each has a section and charts,
    // inline and as files, and the files parse.
    let charts = dir.join("charts");
    for table in forecast["tables"].as_array().unwrap() {
        let stem = format!("public-{}", table["name"].as_str().unwrap());
        assert!(html.contains(&format!("data-chart=\"{stem}-bytes\"")), "no size chart for {stem}");
        let svg = parse_svg(&charts.join(format!("{stem}-bytes.svg")));
        assert!(svg.contains("@font-face"), "a standalone SVG carries its font");
        let (width, height, colours) = decode_png(&charts.join(format!("{stem}-bytes.png")));
        assert!(width >= 600 && height >= 250 && colours > 8, "{stem}: {width}x{height}, {colours} colours");
    }
    assert!(html.contains("data-chart=\"public-payments-key-id\""), "the key's chart");
    parse_svg(&charts.join("total-size.svg"));
    parse_svg(&charts.join("storage-breakdown.svg"));
    assert!(html.contains("data-chart=\"total-size\"") && html.contains("data-chart=\"storage-breakdown\""));

    // Self-contained: nothing is fetched, the font is inline, one small script.
    // (The SVG namespace URI is a name, not a fetch.)
    for remote in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http", "url(//", "@import"] {
        assert!(!html.contains(remote), "the page refers to {remote}");
    }
    assert!(html.contains("@font-face") && html.contains("data:font/ttf;base64,"));
    assert_eq!(html.matches("<script").count(), 1);

    // The lint summary links each rule to its documentation in the page.
    for rule in ["missing-fk-index", "int-key-exhaustion", "float-for-money"] {
        assert!(html.contains(&format!("<a href=\"#rule-{rule}\">{rule}</a>")), "{rule} is not linked");
        assert!(html.contains(&format!("<article class=\"rule\" id=\"rule-{rule}\">")), "{rule} has no docs section");
    }

    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.lines().count() < 40, "summary.md is long:\n{summary}");
    let soonest = summary.lines().find(|l| l.starts_with("- **")).unwrap_or_else(|| panic!("no limit in\n{summary}"));
    assert!(soonest.contains(runs_out) && soonest.contains("public.payments.id"), "{soonest}");
    let first_row = summary.lines().find(|l| l.starts_with("| public.")).unwrap();
    assert!(first_row.starts_with("| public.payments "), "the table at risk comes first: {first_row}");
    assert!(dir.join(".schemacast-report").is_file());
}

#[test]
fn names_from_the_schema_and_stats_are_escaped_everywhere() {
    let hostile = "<script>alert(1)</script>";
    let quoted = "a&b \"quoted\" 'single'";
    let tables = [
        GrowingTable { name: hostile.to_owned(), rows: 10_000.0, rows_per_day: 500.0, row_bytes: 120.0 },
        GrowingTable { name: quoted.to_owned(), rows: 5_000.0, rows_per_day: 100.0, row_bytes: 80.0 },
    ];
    let dir = project(&[("schema.sql", &schema(&tables)), ("stats.jsonl", &history(&tables, 30))]);
    let report = run_in(dir.path(), &["report", "schema.sql", "--stats", "stats.jsonl", "-o", "out", "--png"]);
    assert_eq!(report.status, 0, "{}", report.stderr);
    let html = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(!html.contains(hostile), "raw markup in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains(quoted) && html.contains("a&amp;b &quot;quoted&quot; &#39;single&#39;"));
    assert_eq!(html.matches("<script").count(), 1, "only the sorting script");
    for entry in std::fs::read_dir(dir.path().join("out/charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = parse_svg(&path);
            assert!(!svg.contains(hostile));
            assert!(path
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        } else {
            decode_png(&path);
        }
    }
    // Inline SVG in the page parses as XML too.
    let mut rest = html.as_str();
    let mut inline = 0;
    while let Some(start) = rest.find("<svg") {
        let end = start + rest[start..].find("</svg>").unwrap() + "</svg>".len();
        roxmltree::Document::parse(&rest[start..end]).unwrap_or_else(|e| panic!("inline SVG {inline}: {e}"));
        inline += 1;
        rest = &rest[end..];
    }
    assert!(inline >= 4, "{inline} inline charts");
    let summary = std::fs::read_to_string(dir.path().join("out/summary.md")).unwrap();
    assert!(!summary.contains(hostile) && summary.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{summary}");
}

#[test]
fn without_stats_the_report_says_so_and_shows_estimates_and_plans() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("r");
    let report = run(&["report", "examples/shop", "-o", dir.to_str().unwrap()]);
    assert_eq!(report.status, 0, "{}", report.stderr);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("No measured history was given"));
    // payments carries a planning annotation: it is projected and marked planned.
    assert!(html.contains("<code>public.payments</code></a> <span class=\"sub\">planned</span>"));
    assert!(html.contains("data-chart=\"public-payments-rows\""));
    let planned = std::fs::read_to_string(dir.join("charts/public-payments-rows.svg")).unwrap();
    let document = roxmltree::Document::parse(&planned).unwrap();
    let texts: Vec<&str> =
        document.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
    assert!(
        texts.contains(&"today") && !texts.contains(&"last snapshot"),
        "the origin is today, not a snapshot: {texts:?}"
    );
    assert!(planned.contains("planned (annotation)"), "the chart says the projection is a plan");
    let order_items = html.lines().find(|l| l.contains("<code>public.order_items</code>")).unwrap();
    assert!(order_items.contains(">52 B<"), "row width from the DDL: {order_items}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.contains("No measured history was given"), "{summary}");
}

#[test]
fn too_little_history_is_said_in_the_chart() {
    let tables = [GrowingTable { name: "young".to_owned(), rows: 1_000.0, rows_per_day: 10.0, row_bytes: 100.0 }];
    let dir = project(&[("schema.sql", &schema(&tables)), ("stats.jsonl", &history(&tables, 2))]);
    let report = run_in(dir.path(), &["report", "schema.sql", "--stats", "stats.jsonl", "-o", "out"]);
    assert_eq!(report.status, 0, "{}", report.stderr);
    let svg = parse_svg(&dir.path().join("out/charts/public-young-rows.svg"));
    assert!(svg.contains("not enough history: 2 snapshots"), "{svg}");
}

#[test]
fn an_existing_directory_is_replaced_only_when_it_is_a_report_or_forced() {
    let dir = project(&[("schema.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n"), ("mine/notes.txt", "keep me")]);
    let refused = run_in(dir.path(), &["report", "schema.sql", "-o", "mine"]);
    assert_eq!(refused.status, 2);
    assert!(refused.stderr.contains("mine: exists and is not a schemacast report"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("mine/notes.txt")).unwrap(), "keep me");

    let first = run_in(dir.path(), &["report", "schema.sql", "-o", "out"]);
    assert_eq!(first.status, 0, "{}", first.stderr);
    std::fs::write(dir.path().join("out/stale.txt"), "from before").unwrap();
    let again = run_in(dir.path(), &["report", "schema.sql", "-o", "out", "--title", "Second"]);
    assert_eq!(again.status, 0, "{}", again.stderr);
    assert!(!dir.path().join("out/stale.txt").exists(), "a report is replaced whole");
    assert!(std::fs::read_to_string(dir.path().join("out/index.html")).unwrap().contains("<h1>Second</h1>"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let forced = run_in(dir.path(), &["report", "schema.sql", "-o", "mine", "--force"]);
    assert_eq!(forced.status, 0, "{}", forced.stderr);
    assert!(!dir.path().join("mine/notes.txt").exists() && dir.path().join("mine/index.html").is_file());
}

/// Chromium renders the example's page headless; the screenshot is kept in `target/` and must
/// not be blank.
#[test]
#[cfg_attr(no_chromium, ignore = "SCHEMACAST_TEST_CHROMIUM is not set")]
fn chromium_renders_the_example_report() {
    let Some(chromium) = std::env::var_os("SCHEMACAST_TEST_CHROMIUM").filter(|v| !v.is_empty()) else {
        announce_skip(
            "chromium_renders_the_example_report",
            "SCHEMACAST_TEST_CHROMIUM is not set (.ci/run installs Debian's chromium and sets it)",
        );
        return;
    };
    let target = workspace_root().join("target/report-screenshot");
    let _ = std::fs::remove_dir_all(&target);
    std::fs::create_dir_all(&target).unwrap();
    let report_dir = target.join("report");
    let report =
        run(&["report", "examples/shop", "--stats", "examples/stats/shop.jsonl", "-o", report_dir.to_str().unwrap()]);
    assert_eq!(report.status, 0, "{}", report.stderr);
    let profile = tempfile::tempdir().unwrap();
    let screenshot = target.join("index.png");
    let output = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("file://{}", report_dir.join("index.html").display()))
        .output()
        .expect("chromium can be started");
    assert!(screenshot.is_file(), "no screenshot; chromium said:\n{}", String::from_utf8_lossy(&output.stderr));
    let (width, height, colours) = decode_png(&screenshot);
    assert_eq!((width, height), (1200, 2400));
    assert!(colours > 50, "the screenshot is blank or nearly ({colours} colours)");
    schemacast_tests::report(&format!("chromium screenshot of the example report: {}", screenshot.display()));
}

/// Charts draw their text from the embedded font: no fontconfig, no font directories, nothing
/// from the environment.
#[test]
fn pngs_are_drawn_without_system_fonts() {
    let tables = [GrowingTable { name: "events".to_owned(), rows: 50_000.0, rows_per_day: 900.0, row_bytes: 90.0 }];
    let dir = project(&[("schema.sql", &schema(&tables)), ("stats.jsonl", &history(&tables, 60))]);
    let empty = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(schemacast_tests::binary())
        .current_dir(dir.path())
        .env_clear()
        .env("HOME", empty.path())
        .env("XDG_DATA_DIRS", empty.path())
        .env("FONTCONFIG_FILE", empty.path().join("none.conf"))
        .args(["report", "schema.sql", "--stats", "stats.jsonl", "-o", "out", "--png"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let (_, _, colours) = decode_png(&dir.path().join("out/charts/public-events-rows.png"));
    assert!(colours > 8, "{colours} colours");
    if let Ok(ldd) = std::process::Command::new("ldd").arg(schemacast_tests::binary()).output() {
        let libraries = String::from_utf8_lossy(&ldd.stdout);
        assert!(!libraries.contains("fontconfig") && !libraries.contains("freetype"), "{libraries}");
    }
}
