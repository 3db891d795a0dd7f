//! `schemacast lsp` over stdio, driven by a JSON-RPC client: lifecycle, a migration set read
//! together, diagnostics, fixes, hovers, hints, symbols, navigation, completion, positions in
//! non-ASCII text, and input that must not break it.

use std::path::Path;
use std::time::{Duration, Instant};

use schemacast_tests::lsp::{file_uri, LspClient};
use schemacast_tests::project;
use serde_json::{json, Value};

const V1: &str = "CREATE TABLE customers (\n    id bigint PRIMARY KEY,\n    email text NOT NULL\n);\n";
const V2: &str = "-- Orders of each café customer 🦀\nCREATE TABLE orders (\n    id bigint PRIMARY KEY,\n    customer_id bigint NOT NULL REFERENCES customers (id),\n    note text\n);\n";
const V3: &str = "CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n";
const STATS: &str = r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-01T00:00:00Z","tables":[{"schema":"public","name":"orders","rows":2000000,"total_bytes":200000000,"columns":[{"name":"id","avg_width":8},{"name":"customer_id","avg_width":8},{"name":"note","avg_width":21,"null_frac":0.5}]}]}"#;

fn shop() -> schemacast_tests::TempDir {
    project(&[
        ("schemacast.toml", "schema = [\"db\"]\nstats = \"stats.jsonl\"\n"),
        ("db/V1__customers.sql", V1),
        ("db/V2__orders.sql", V2),
        ("db/V3__orders_index.sql", V3),
        ("stats.jsonl", &format!("{STATS}\n")),
    ])
}

fn start(dir: &Path, capabilities: Value) -> (LspClient, Value) {
    let mut client = LspClient::start(dir);
    let result = client.initialize(dir, capabilities, json!({}));
    (client, result)
}

/// Byte offset of a UTF-16 position in `text`.
fn utf16_offset(text: &str, line: u64, character: u64) -> usize {
    let start: usize = text.split_inclusive('\n').take(line as usize).map(str::len).sum();
    let mut units = 0u64;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16() as u64;
    }
    text.len()
}

/// Applies a `WorkspaceEdit`'s edits for `uri` to `text` (UTF-16 positions).
fn apply(text: &str, edit: &Value, uri: &str) -> String {
    let mut edits: Vec<(usize, usize, String)> = edit["changes"][uri]
        .as_array()
        .map(|edits| {
            edits
                .iter()
                .map(|e| {
                    let at =
                        |p: &Value| utf16_offset(text, p["line"].as_u64().unwrap(), p["character"].as_u64().unwrap());
                    (at(&e["range"]["start"]), at(&e["range"]["end"]), e["newText"].as_str().unwrap().to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_owned();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

fn position_of(text: &str, needle: &str) -> Value {
    let offset = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in text"));
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": text[line_start..offset].encode_utf16().count()})
}

fn rules(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or("").to_owned()).collect()
}

#[test]
fn migration_set_diagnostics_fixes_and_clean_exit() {
    let dir = shop();
    let (mut client, init) = start(dir.path(), json!({}));
    let capabilities = &init["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16", "UTF-16 unless the client offers UTF-8");
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "incremental sync");
    for provider in [
        "hoverProvider",
        "codeActionProvider",
        "inlayHintProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "definitionProvider",
        "foldingRangeProvider",
        "completionProvider",
    ] {
        assert!(!capabilities[provider].is_null(), "{provider} is advertised");
    }
    assert!(
        capabilities["renameProvider"].is_null() && capabilities["formattingProvider"].is_null(),
        "nothing unimplemented is advertised"
    );

    // V2's foreign key is covered by V3's index: read from disk, understood together.
    let v2 = dir.path().join("db/V2__orders.sql");
    let uri = client.open(&v2, V2);
    let first = client.diagnostics(&uri, 1);
    assert!(rules(&first).is_empty(), "{first:?}");

    // A second foreign key without an index: the finding appears, with the referenced table.
    let edited = V2.replace("    note text\n", "    referrer_id bigint REFERENCES customers (id),\n    note text\n");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let second = client.diagnostics(&uri, 2);
    assert_eq!(rules(&second), ["missing-fk-index"], "{second:?}");
    let finding = &second[0];
    assert_eq!(finding["source"], "schemacast");
    assert_eq!(finding["severity"], 2);
    assert_eq!(finding["range"]["start"], position_of(&edited, "referrer_id"));
    let related = &finding["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], file_uri(&dir.path().join("db/V1__customers.sql")));
    assert_eq!(related["range"]["start"]["line"], 0);

    // The quick fix adds the index; applied, the finding is gone.
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri}, "range": finding["range"], "context": {"diagnostics": [finding]}
        }),
    );
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.iter().any(|t| t.starts_with("Add index")), "{titles:?}");
    assert!(
        titles.contains(&"Ignore missing-fk-index for this statement")
            && titles.contains(&"Ignore missing-fk-index for this file"),
        "{titles:?}"
    );
    let fix =
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().starts_with("Add index")).unwrap();
    assert_eq!(fix["isPreferred"], true);
    let fixed = apply(&edited, &fix["edit"], &uri);
    assert!(fixed.contains("CREATE INDEX orders_referrer_id_idx ON orders (referrer_id);"), "{fixed}");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": fixed}]}),
    );
    assert!(client.diagnostics(&uri, 3).is_empty());

    // The suppression action works too.
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Ignore missing-fk-index for this statement")
        .unwrap();
    let ignored = apply(&edited, &ignore["edit"], &uri);
    assert!(ignored.contains("-- schemacast: ignore missing-fk-index\nCREATE TABLE orders"), "{ignored}");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": ignored}]}),
    );
    assert!(client.diagnostics(&uri, 4).is_empty());
    let file_wide =
        actions.as_array().unwrap().iter().find(|a| a["title"] == "Ignore missing-fk-index for this file").unwrap();
    let file_ignored = apply(&edited, &file_wide["edit"], &uri);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": file_ignored}]}),
    );
    assert!(client.diagnostics(&uri, 5).is_empty());

    // Fix all: a source action with every safe fix of the file.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"text": edited}]}),
    );
    client.diagnostics(&uri, 6);
    let source = client.request("textDocument/codeAction", json!({
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]}
    }));
    assert_eq!(source[0]["kind"], "source.fixAll");
    assert!(apply(&edited, &source[0]["edit"], &uri).contains("CREATE INDEX orders_referrer_id_idx"));

    // Closing clears the document's diagnostics.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    let cleared = client.wait_for("textDocument/publishDiagnostics", Duration::from_secs(10), |p| {
        p["uri"] == uri && p["diagnostics"] == json!([])
    });
    assert!(cleared.is_some());
    assert_eq!(client.shutdown(), Some(0), "shutdown then exit ends the process with status 0");
}

#[test]
fn hovers_hints_symbols_navigation_and_completion() {
    let dir = shop();
    let (mut client, _) = start(dir.path(), json!({}));
    let v2 = dir.path().join("db/V2__orders.sql");
    let uri = client.open(&v2, V2);
    client.diagnostics(&uri, 1);

    let hover = |client: &mut LspClient, needle: &str| -> String {
        let result = client
            .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": position_of(V2, needle)}));
        result["contents"]["value"].as_str().unwrap_or("").to_owned()
    };
    let table = hover(&mut client, "orders (");
    assert!(
        table.contains("**public.orders** · capacity")
            && table.contains("rows now: 2.0M (stats)")
            && table.contains("per 1M rows"),
        "{table}"
    );
    assert!(table.contains("measured: 190.7 MiB"), "{table}");
    // One snapshot is not a history: the card says so and shows the prior band's horizons.
    assert!(table.contains("not enough history (1 snapshots)") && table.contains("| date |"), "{table}");
    let column = hover(&mut client, "customer_id bigint");
    assert!(
        column.contains("**orders.customer_id** `bigint`") && column.contains("8.0 B") && column.contains("% of the"),
        "{column}"
    );
    let note = hover(&mut client, "note text");
    assert!(note.contains("(sampled)") && note.contains("null in 50% of rows"), "{note}");

    let hints = client.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}));
    let hint = &hints[0];
    assert!(hint["label"].as_str().unwrap().starts_with("2.0M rows · 190.7 MiB"), "{hint}");
    assert_eq!(hint["position"]["line"], 1);
    let resolved = client.request("inlayHint/resolve", hint.clone());
    assert!(resolved["tooltip"]["value"].as_str().unwrap().contains("estimated:"), "{resolved}");

    let symbols = client.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}}));
    assert_eq!(symbols[0]["name"], "orders");
    let columns: Vec<&str> =
        symbols[0]["children"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(columns, ["id", "customer_id", "note"]);
    assert_eq!(symbols[0]["selectionRange"]["start"], position_of(V2, "orders ("));

    let folds = client.request("textDocument/foldingRange", json!({"textDocument": {"uri": uri}}));
    assert!(folds.as_array().unwrap().iter().any(|f| f["startLine"] == 1 && f["endLine"] == 5), "{folds}");

    // From the referenced table in V2 to its definition in V1.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": position_of(V2, "customers (id)")}),
    );
    assert_eq!(definition["uri"], file_uri(&dir.path().join("db/V1__customers.sql")));
    assert_eq!(definition["range"]["start"], json!({"line": 0, "character": 13}));
    let referenced_column = client.request("textDocument/definition", json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": position_of(V2, "id),")["character"]}}));
    assert_eq!(referenced_column["range"]["start"], json!({"line": 1, "character": 4}));

    let found = client.request("workspace/symbol", json!({"query": "cust"}));
    let names: Vec<&str> = found.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"customers") && names.contains(&"customer_id"), "{names:?}");

    // Completion of the workspace's names where SQL expects them.
    let typed = format!("{V2}ALTER TABLE ");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": typed}]}),
    );
    let end = json!({"line": typed.matches('\n').count(), "character": "ALTER TABLE ".len()});
    let items = client.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": end}));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"customers") && labels.contains(&"orders"), "{labels:?}");
    let typed = format!("{V2}CREATE TABLE refunds (order_id bigint REFERENCES customers (");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": typed}]}),
    );
    let last_line = typed.lines().last().unwrap();
    let end = json!({"line": typed.matches('\n').count(), "character": last_line.len()});
    let items = client.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": end}));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["id", "email"]);
}

#[test]
fn positions_are_right_in_utf8_and_utf16_around_non_ascii_text() {
    let text = "-- naïve 🦀 comment\nCREATE TABLE \"café_🦀\" (note text);\n";
    let needle = "\"café_🦀\"";
    for (capabilities, encoding) in
        [(json!({}), "utf-16"), (json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}), "utf-8")]
    {
        let dir = project(&[("schema.sql", text)]);
        let (mut client, init) = start(dir.path(), capabilities);
        assert_eq!(init["capabilities"]["positionEncoding"], encoding);
        let uri = client.open(&dir.path().join("schema.sql"), text);
        let diagnostics = client.diagnostics(&uri, 1);
        let missing_pk = diagnostics
            .iter()
            .find(|d| d["code"] == "missing-primary-key")
            .unwrap_or_else(|| panic!("{diagnostics:?}"));
        let line = &text[text.find("CREATE").unwrap()..];
        let start = line.find(needle).unwrap();
        let units = |s: &str| if encoding == "utf-8" { s.len() } else { s.encode_utf16().count() };
        let range = &missing_pk["range"];
        assert_eq!(range["start"]["line"], 1);
        // The range covers the quoted name or the name inside the quotes; either way it ends
        // where the name ends, counted in the negotiated units.
        let end = units(&line[..start + needle.len()]);
        assert!(
            range["end"]["character"] == end || range["end"]["character"] == end - 1,
            "{encoding}: {range} vs {end}"
        );
        assert!(
            range["start"]["character"] == units(&line[..start])
                || range["start"]["character"] == units(&line[..start]) + 1,
            "{encoding}: {range}"
        );

        // An incremental edit after the emoji, in the negotiated units.
        let after = units(&line[..start + needle.len()]) as u64 + 2;
        client.notify("textDocument/didChange", json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 1, "character": after}, "end": {"line": 1, "character": after + 4}}, "text": "id bigint PRIMARY KEY, note"}]
        }));
        let after_edit = client.diagnostics(&uri, 2);
        assert!(
            !rules(&after_edit).contains(&"missing-primary-key".to_owned()),
            "{encoding}: the edit landed in the wrong place: {after_edit:?}"
        );
    }
}

#[test]
fn bad_input_never_stops_the_server() {
    let mut big = String::with_capacity(10_500_000);
    let mut n = 0;
    while big.len() < 10_000_000 {
        big.push_str(&format!("CREATE TABLE t{n} (id bigint PRIMARY KEY, parent_id bigint REFERENCES t{n} (id), label text NOT NULL, created_at timestamptz NOT NULL);\n"));
        n += 1;
    }
    let dir = project(&[
        ("schemacast.toml", "schema = [\"db\"]\nstats = \"stats-dir\"\n"),
        ("db/V1__ok.sql", V1),
        ("big.sql", &big),
    ]);
    std::fs::create_dir(dir.path().join("stats-dir")).unwrap();
    std::fs::write(dir.path().join("db/V2__latin1.sql"), b"-- fine\nCREATE TABLE caf\xe9 (id bigint PRIMARY KEY);\n")
        .unwrap();
    let (mut client, _) = start(dir.path(), json!({}));

    // Unknown method: an error response, and the server keeps answering.
    let response = client.request_raw("schemacast/bogus", json!({}));
    assert_eq!(response["error"]["code"], -32601);

    // A change for a document that was never opened, then positions far outside a document.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.sql", "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    let uri = client.open(&dir.path().join("db/V1__ok.sql"), V1);
    client.diagnostics(&uri, 1);
    let far = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 9999, "character": 9999}}),
    );
    assert!(far.is_null());
    client.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": {"start": {"line": 500, "character": 3}, "end": {"line": 9, "character": 0}}, "text": "-- appended\n"}]}));
    client.diagnostics(&uri, 2);

    // The unreadable stats file and the file that is not UTF-8: diagnostics, not a crash.
    let config_uri = file_uri(&dir.path().join("schemacast.toml"));
    let config = client
        .wait_for("textDocument/publishDiagnostics", Duration::from_secs(20), |p| p["uri"] == config_uri)
        .expect("a diagnostic on the config");
    assert!(config["diagnostics"][0]["message"].as_str().unwrap().contains("cannot read stats file"), "{config}");
    let latin1_uri = file_uri(&dir.path().join("db/V2__latin1.sql"));
    let latin1 = client
        .wait_for("textDocument/publishDiagnostics", Duration::from_secs(20), |p| p["uri"] == latin1_uri)
        .expect("a diagnostic on the bad file");
    assert!(latin1["diagnostics"][0]["message"].as_str().unwrap().starts_with("not valid UTF-8"), "{latin1}");
    assert_eq!(latin1["diagnostics"][0]["range"]["start"]["line"], 1, "on the line of the bad byte: {latin1}");
    // The stats file is named by the config, so the user is told at once.
    let shown = client
        .wait_for("window/showMessage", Duration::from_secs(20), |p| {
            p["message"].as_str().is_some_and(|m| m.contains("cannot read stats file"))
        })
        .expect("a message about the stats file");
    assert!(shown["message"].as_str().unwrap().starts_with("schemacast: "), "{shown}");

    // A half-typed statement.
    let half = "CREATE TABLE x (id int,\n  ref bigint REFERENCES ";
    let half_uri = client.open(&dir.path().join("db/V3__half.sql"), half);
    client.diagnostics(&half_uri, 1);
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": half_uri}, "position": {"line": 1, "character": 24}}),
    );
    assert!(completion.as_array().is_some_and(|items| items.iter().any(|i| i["label"] == "customers")), "{completion}");

    // A 10 MB file: hover answers at once while its analysis runs, and diagnostics follow.
    let big_uri = client.open(&dir.path().join("big.sql"), &big);
    let started = Instant::now();
    client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": big_uri}, "position": {"line": 0, "character": 14}}),
    );
    assert!(started.elapsed() < Duration::from_secs(2), "hover waited {:?} for the big file", started.elapsed());
    let started = Instant::now();
    client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 14}}));
    assert!(started.elapsed() < Duration::from_secs(2), "another document's hover waited {:?}", started.elapsed());
    let big_diagnostics = client
        .wait_for("textDocument/publishDiagnostics", Duration::from_secs(240), |p| {
            p["uri"] == big_uri && p["version"] == 1
        })
        .expect("diagnostics for the 10 MB file")["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(big_diagnostics.len() >= n, "{} findings for {n} self-referencing tables", big_diagnostics.len());

    // Garbage on the wire after all that: the server survives until told to exit.
    client.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}");
    assert!(client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 14}}))
        .is_object());
    assert!(client.alive());
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn a_broken_config_is_shown_on_its_line_and_on_every_buffer() {
    let dir = project(&[("schemacast.toml", "schema = [\"db\"]\nthis is not toml\n"), ("db/V1__ok.sql", V1)]);
    let (mut client, _) = start(dir.path(), json!({}));
    let uri = client.open(&dir.path().join("db/V1__ok.sql"), V1);
    let diagnostics = client.diagnostics(&uri, 1);
    let config_path = dir.path().join("schemacast.toml");
    let on_buffer = diagnostics.iter().find_map(|d| d["message"].as_str().filter(|m| m.contains("schemacast.toml")));
    let on_buffer = on_buffer.unwrap_or_else(|| panic!("no config problem on the buffer: {diagnostics:?}"));
    assert!(on_buffer.ends_with("; the defaults apply until it is fixed"), "{on_buffer}");
    let config_uri = file_uri(&config_path);
    let config = client
        .wait_for("textDocument/publishDiagnostics", Duration::from_secs(20), |p| p["uri"] == config_uri)
        .expect("a diagnostic on the config");
    assert_eq!(config["diagnostics"][0]["range"]["start"]["line"], 1, "{config}");
    client
        .wait_for("window/showMessage", Duration::from_secs(20), |p| {
            p["message"].as_str().is_some_and(|m| m.starts_with("schemacast: ") && m.contains("schemacast.toml:2: "))
        })
        .expect("a message about the config");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
fn settings_watched_files_and_rule_docs() {
    let dir = shop();
    let mut client = LspClient::start(dir.path());
    // workspace/configuration answers: column hints on, redundant-index off.
    client.configuration =
        json!({"inlayHints": {"enabled": true, "columns": true}, "rules": {"redundant-index": "off"}});
    client.initialize(dir.path(), json!({"workspace": {"configuration": true}}), json!({}));
    let v2 = dir.path().join("db/V2__orders.sql");
    let with_padding = V2.replace("    id bigint PRIMARY KEY,\n", "    flag boolean NOT NULL,\n    id bigint PRIMARY KEY,\n").replace("    note text\n", "    referrer_id bigint REFERENCES customers (id),\n    note text\n);\nCREATE INDEX orders_id_idx ON orders (id);\nCREATE INDEX orders_id_note_idx ON orders (id, note);\nSELECT (1\n");
    let uri = client.open(&v2, &with_padding);
    let diagnostics = client.diagnostics(&uri, 1);
    assert!(!rules(&diagnostics).contains(&"redundant-index".to_owned()), "the setting turned it off: {diagnostics:?}");

    // Column hints, with padding, from the configuration the client answered with.
    let hints = client.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}));
    let labels: Vec<&str> = hints.as_array().unwrap().iter().map(|h| h["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"1 B") && labels.contains(&"8 B +7 pad"), "{labels:?}");

    // A finding's hover carries its rule's documentation.
    let finding =
        diagnostics.iter().find(|d| d["code"] == "missing-fk-index").unwrap_or_else(|| panic!("{diagnostics:?}"));
    let on_finding = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": finding["range"]["start"]}));
    let docs = on_finding["contents"]["value"].as_str().unwrap();
    assert!(docs.contains("**missing-fk-index** (keys)") && docs.contains("## What it does"), "{on_finding}");

    // A new stats snapshot on disk, announced by the client's file watcher: new row counts.
    let newer =
        STATS.replace("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z").replace("\"rows\":2000000", "\"rows\":3500000");
    std::fs::write(dir.path().join("stats.jsonl"), format!("{STATS}\n{newer}\n")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&dir.path().join("stats.jsonl")), "type": 2}]}),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position_of(&with_padding, "orders (")}),
        );
        if hover["contents"]["value"].as_str().unwrap_or("").contains("rows now: 3.5M (stats)") {
            break;
        }
        assert!(Instant::now() < deadline, "the new snapshot was not picked up: {hover}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn files_changed_on_disk_are_read_again() {
    let dir = shop();
    let (mut client, _) = start(dir.path(), json!({}));
    let v2 = dir.path().join("db/V2__orders.sql");
    let uri = client.open(&v2, V2);
    assert!(client.diagnostics(&uri, 1).is_empty());
    // Another migration loses its index on disk, with no file-watcher event: the next analysis
    // must not reuse the old text.
    std::fs::write(dir.path().join("db/V3__orders_index.sql"), "-- the index moved elsewhere\n").unwrap();
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": format!("{V2}\n")}]}),
    );
    assert_eq!(rules(&client.diagnostics(&uri, 2)), ["missing-fk-index"]);
}

#[test]
fn a_planned_table_shows_its_projection_marked_as_planned() {
    let planned = "-- schemacast: rows=2e6 growth=3%/month\nCREATE TABLE events (\n    id bigint PRIMARY KEY,\n    at timestamptz NOT NULL\n);\n";
    let dir = project(&[("schemacast.toml", "schema = [\"db\"]\n"), ("db/V1__events.sql", planned)]);
    let (mut client, _) = start(dir.path(), json!({}));
    let uri = client.open(&dir.path().join("db/V1__events.sql"), planned);
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}});
    let hints = client.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": range}));
    let label = hints[0]["label"].as_str().unwrap_or_default().to_owned();
    // Two million rows growing 3% a month: about 2.85M a year on, shown at the last horizon.
    assert!(label.starts_with("planned 2.0M rows · ") && label.contains(" → ") && label.contains(" by "), "{hints}");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position_of(planned, "events (")}),
    );
    let card = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(card.contains("planned (annotation): +") && card.contains("(+3.0%/month)"), "{card}");
    assert!(card.contains("| date | rows (80% interval)") && card.contains("(1y) | 2.9M |"), "{card}");
}

/// Bytes the process has read through system calls so far (`rchar` of `/proc/<pid>/io`).
fn bytes_read(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines().find_map(|l| l.strip_prefix("rchar: ")).and_then(|n| n.trim().parse().ok())
}

fn type_at_end_of_first_line(client: &mut LspClient, uri: &str, text: &str, version: i64, typed: &str) {
    let end = text.lines().next().map_or(0, |l| l.encode_utf16().count());
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": 0, "character": end}, "end": {"line": 0, "character": end}}, "text": typed}]
        }),
    );
}

#[test]
fn a_dump_outside_the_schema_paths_is_never_read() {
    // 20 MB of data beside the migrations, as `pg_dump` leaves it, and a scratch query there too.
    let row = "INSERT INTO orders VALUES (1, 2, 'a note that takes up some room in the dump');\n";
    let dump = row.repeat(20_000_000 / row.len());
    let dir = project(&[
        ("schemacast.toml", "schema = [\"db\"]\n"),
        ("db/V1__customers.sql", V1),
        ("db/V2__orders.sql", V2),
        ("dump.sql", &dump),
        ("scratch.sql", "SELECT 1;\n"),
    ]);
    let (mut client, _) = start(dir.path(), json!({}));
    let Some(before) = bytes_read(client.pid()) else {
        eprintln!("no /proc/<pid>/io here: skipped");
        return;
    };
    let v2 = client.open(&dir.path().join("db/V2__orders.sql"), V2);
    let scratch = client.open(&dir.path().join("scratch.sql"), "SELECT 1;\n");
    client.diagnostics(&v2, 1);
    client.diagnostics(&scratch, 1);
    for version in 2..=6 {
        type_at_end_of_first_line(&mut client, &v2, V2, version, " ");
        client.diagnostics(&v2, version);
        type_at_end_of_first_line(&mut client, &scratch, "SELECT 1;\n", version, " ");
        client.diagnostics(&scratch, version);
    }
    let read = bytes_read(client.pid()).unwrap_or(u64::MAX) - before;
    assert!(read < dump.len() as u64 / 10, "the server read {read} bytes; the dump is {} bytes", dump.len());
}

#[test]
fn editing_one_file_republishes_only_the_diagnostics_that_changed() {
    let dir = shop();
    let (mut client, _) = start(dir.path(), json!({}));
    let v2 = client.open(&dir.path().join("db/V2__orders.sql"), V2);
    let v3 = client.open(&dir.path().join("db/V3__orders_index.sql"), V3);
    client.diagnostics(&v2, 1);
    client.diagnostics(&v3, 1);
    // A space in V2's comment changes no finding anywhere: V2 gets its new version's list, V3
    // nothing.
    type_at_end_of_first_line(&mut client, &v2, V2, 2, " ");
    client.diagnostics(&v2, 2);
    let republished =
        client.wait_for("textDocument/publishDiagnostics", Duration::from_millis(500), |p| p["uri"] == v3);
    assert_eq!(republished, None, "V3's diagnostics did not change, yet were sent again");
    // A wider index on the same column, added at V2's end, makes V3's index redundant: V3 is
    // sent its new diagnostics.
    let end = json!({"line": V2.lines().count(), "character": 0});
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": v2, "version": 3},
            "contentChanges": [{"range": {"start": end, "end": end}, "text": "CREATE INDEX orders_customer_note ON orders (customer_id, note);\n"}]
        }),
    );
    client.diagnostics(&v2, 3);
    let republished = client.wait_for("textDocument/publishDiagnostics", Duration::from_secs(10), |p| p["uri"] == v3);
    let republished = republished.expect("V3's index became redundant, and V3 was not told");
    assert_eq!(rules(republished["diagnostics"].as_array().map_or(&[][..], Vec::as_slice)), ["redundant-index"]);
}

fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches(" kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Typing for a long session must not grow the server: every edit renames a column (a statement
/// the parse cache has not seen, the old one evicted) and the document's tree is edited, and
/// every hundredth edit also asks for hovers and hints. Resident memory after 10,000 edits is
/// held to what it was after the first 1,000 (caches warm) plus 2 MiB.
#[test]
fn memory_stays_flat_over_ten_thousand_edits() {
    let dir = shop();
    let (mut client, _) = start(dir.path(), json!({}));
    let v2 = client.open(&dir.path().join("db/V2__orders.sql"), V2);
    client.diagnostics(&v2, 1);
    let Some(_) = resident_bytes(client.pid()) else {
        eprintln!("no /proc/<pid>/status here: skipped");
        return;
    };
    // Line 4 is `    note text`.
    let mut line = "    note text".to_owned();
    let mut samples: Vec<(i64, u64)> = Vec::new();
    for version in 2..=10_001i64 {
        let renamed = format!("    note_{version} text");
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": v2, "version": version},
                "contentChanges": [{
                    "range": {"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": line.len()}},
                    "text": renamed,
                }]
            }),
        );
        line = renamed;
        let diagnostics = client.diagnostics(&v2, version);
        assert!(rules(&diagnostics).iter().all(|r| r != "unparsed-ddl"), "version {version}: {diagnostics:?}");
        if version % 100 == 0 {
            let hover = client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": v2}, "position": {"line": 4, "character": 6}}),
            );
            assert!(hover.to_string().contains(&format!("note_{version}")), "version {version}: {hover}");
            client.request(
                "textDocument/inlayHint",
                json!({"textDocument": {"uri": v2}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 6, "character": 0}}}),
            );
        }
        if version % 1_000 == 1 {
            samples.push((version - 1, resident_bytes(client.pid()).expect("the server is running") >> 10));
        }
    }
    // Measured (debug build): 25,632 KiB after 1,000 edits, 25,876 KiB after 10,000, growing
    // less with each thousand (48 KiB, then 36, ..., 16): warm-up, not a leak.
    let (after_warm_up, after) = (samples[0].1, samples[samples.len() - 1].1);
    eprintln!("resident KiB after each thousand edits: {samples:?}");
    assert!(after <= after_warm_up + 2048, "the server grew over 9,000 edits (edits, KiB): {samples:?}");
}

/// A 50 MB data dump opened in the editor: while it is analysed, the schema's own buffers are
/// still answered at once, and the dump gets its diagnostics in the end.
#[test]
fn a_fifty_megabyte_file_does_not_stall_the_server() {
    let row = "INSERT INTO orders VALUES (1, 2, 'a note that takes up some room in the dump');\n";
    let dump = row.repeat(50_000_000 / row.len() + 1);
    let dir = project(&[
        ("schemacast.toml", "schema = [\"db\"]\n"),
        ("db/V1__customers.sql", V1),
        ("db/V2__orders.sql", V2),
        ("dump.sql", &dump),
    ]);
    let (mut client, _) = start(dir.path(), json!({}));
    let v2 = client.open(&dir.path().join("db/V2__orders.sql"), V2);
    client.diagnostics(&v2, 1);
    let opened = Instant::now();
    let dump_uri = client.open(&dir.path().join("dump.sql"), &dump);
    let sent = opened.elapsed();
    let asked = Instant::now();
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": v2}, "position": {"line": 3, "character": 6}}));
    let hover_took = asked.elapsed();
    assert!(hover.to_string().contains("customer_id"), "{hover}");
    let edited = Instant::now();
    type_at_end_of_first_line(&mut client, &v2, V2, 2, " ");
    client.diagnostics(&v2, 2);
    let edit_took = edited.elapsed();
    let published =
        client.wait_for("textDocument/publishDiagnostics", Duration::from_secs(300), |p| p["uri"] == dump_uri);
    let dump_took = opened.elapsed();
    eprintln!("50 MB: sent in {sent:?}; hover {hover_took:?}, edit to diagnostics {edit_took:?} meanwhile; the dump's diagnostics after {dump_took:?}; RSS {:?} KiB", resident_bytes(client.pid()).map(|b| b >> 10));
    assert!(published.is_some(), "the dump's diagnostics never came");
    assert!(hover_took < Duration::from_secs(2), "hover took {hover_took:?} while the dump was analysed");
    assert!(edit_took < Duration::from_secs(5), "an edit took {edit_took:?} to be checked while the dump was analysed");
    assert!(client.alive());
}
