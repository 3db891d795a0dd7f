//! Language server latency on a 5,000-line schema file, through the stdio JSON-RPC harness:
//! edit → published diagnostics (as the client sees it, the server's debounce included), hover,
//! inlay hints, and memory.
//!
//!     cargo bench -p schemacast-tests --bench lsp_latency

use std::time::{Duration, Instant};

use schemacast_tests::lsp::LspClient;
use schemacast_tests::project;
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<34} p50 {:>7.2} ms   p90 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   (n={})",
        percentile(&samples, 0.50).as_secs_f64() * 1000.0,
        percentile(&samples, 0.90).as_secs_f64() * 1000.0,
        percentile(&samples, 0.99).as_secs_f64() * 1000.0,
        samples.last().unwrap().as_secs_f64() * 1000.0,
        samples.len()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut text = String::new();
    let mut tables: usize = 0;
    while text.lines().count() < 5_000 {
        let t = tables;
        text.push_str(&format!(
            "CREATE TABLE t{t} (\n    id bigint PRIMARY KEY,\n    parent_id bigint REFERENCES t{} (id),\n    label text NOT NULL,\n    amount numeric(12, 2),\n    created_at timestamptz NOT NULL\n);\n",
            t.saturating_sub(1)
        ));
        tables += 1;
    }
    let lines = text.lines().count();
    let dir = project(&[("schema.sql", &text)]);
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    let uri = client.open(&dir.path().join("schema.sql"), &text);
    let first = Instant::now();
    let findings = client.diagnostics(&uri, 1).len();
    println!(
        "input: {lines} lines, {tables} tables, {} bytes; first diagnostics {:.0} ms ({findings} findings)\n",
        text.len(),
        first.elapsed().as_secs_f64() * 1000.0
    );

    let mut edits = Vec::new();
    for version in 2..=202i64 {
        // Type a character into a label column's name, the way a user edits.
        let line = ((version as usize * 37) % tables) * 7 + 3;
        let started = Instant::now();
        client.notify("textDocument/didChange", json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 9}, "end": {"line": line, "character": 9}}, "text": "x"}]
        }));
        client.diagnostics(&uri, version);
        edits.push(started.elapsed());
    }
    report("didChange → publishDiagnostics", edits);

    let mut hovers = Vec::new();
    let mut hints = Vec::new();
    for i in 0..200usize {
        let table = (i * 13) % tables;
        let started = Instant::now();
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": table * 7, "character": 14}}),
        );
        hovers.push(started.elapsed());
        let started = Instant::now();
        let first_line = (i * 17) % (lines.saturating_sub(60));
        client.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": first_line, "character": 0}, "end": {"line": first_line + 60, "character": 0}}}));
        hints.push(started.elapsed());
    }
    report("hover", hovers);
    report("inlayHint (60 visible lines)", hints);

    let status = std::fs::read_to_string(format!("/proc/{}/status", client.pid())).unwrap_or_default();
    let rss = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: unknown");
    println!("\nserver peak memory (VmHWM): {}", rss.trim_start_matches("VmHWM:").trim());
    let _ = client.shutdown();
}
