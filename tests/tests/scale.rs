//! `check` at scale: the peak memory of one run on a generated schema, held to a bound that grows
//! with the input, so a change that keeps the parse artefacts, builds the output as one tree or
//! string, or otherwise multiplies the footprint fails here (issue 16).

#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};

use schemacast_tests::{binary, TempDir};

/// The benchmark's generators: the realistic schema and the many-findings one.
#[allow(dead_code)]
#[path = "../../lints/benches/generate.rs"]
mod generate;

/// Bytes of SQL per test input: large enough that the input-proportional part dominates the
/// fixed one (the binary, its tables, the rule catalogue: about 15 MiB).
const INPUT_BYTES: usize = 2_000_000;

/// The bound: a fixed 24 MiB plus 12 bytes of peak RSS per byte of SQL. Measured on 2 MB
/// (debug build, which alone takes 20 MiB on a one-line schema): 37 MiB for the realistic schema,
/// 39 MiB for the many-findings one in JSON, 40 MiB in SARIF. The release build takes 148 MiB on
/// the 16 MB generated schema (8.7 bytes per byte). Before the output was streamed and the
/// lowering's spare capacity trimmed, the release build took 96 MiB on 2 MB of the realistic
/// schema and 297 MiB for the many-findings one in SARIF; before names were kept inline and
/// the parse outcomes freed as applied, 51 and 54 MiB (debug).
const FIXED_BYTES: u64 = 24 << 20;
const BYTES_PER_INPUT_BYTE: u64 = 12;
/// A data dump's statements leave nothing in the model: 16 bytes each until applied. Measured
/// on 2 MB of one-row `INSERT`s (45,000 statements, debug build): 24 MiB. While every statement's
/// outcome took 400 bytes, this was 18 MiB more.
const DUMP_BYTES_PER_INPUT_BYTE: u64 = 4;

/// Runs `check --format FORMAT` on `sql`, returns the child's peak resident set size in bytes and
/// the directory holding its standard output (`out`), to be read once every run is over.
// The child is reaped by wait4 below, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn peak_rss_of_check(sql: &str, format: &str) -> (u64, TempDir) {
    let dir = TempDir::new().expect("a temporary directory");
    let input = dir.path().join("schema.sql");
    let output = dir.path().join("out");
    std::fs::write(&input, sql).expect("the schema is written");
    let stdout = std::fs::File::create(&output).expect("the output file is created");
    let child = Command::new(binary())
        .args(["check", "--dialect", "postgres", "--fail-on", "never", "--format", format])
        .arg(&input)
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("schemacast starts");
    // wait4, not Child::wait: it reports this child's own resource use, peak RSS included.
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our unwaited child's; status and usage point to live locals.
    let waited = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as libc::pid_t, "wait4 failed: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "check failed: status {status}");
    // Linux reports ru_maxrss in KiB.
    let peak = usage.ru_maxrss as u64 * 1024;
    (peak, dir)
}

fn assert_within_bound(what: &str, input_bytes: usize, per_byte: u64, peak: u64) {
    let bound = FIXED_BYTES + per_byte * input_bytes as u64;
    eprintln!("{what}: {input_bytes} bytes of SQL, peak RSS {} KiB (bound {} KiB)", peak >> 10, bound >> 10);
    assert!(
        peak <= bound,
        "{what}: peak RSS {} MiB for {} MB of SQL exceeds the bound of {} MiB (24 MiB + {per_byte} bytes per byte)",
        peak >> 20,
        input_bytes / 1_000_000,
        bound >> 20
    );
}

/// One test, its runs one after another and each output read only after every run: a child's
/// peak RSS counts the parent's pages at the fork (before the exec), so the parent must not hold
/// a parsed output, nor run beside another test, while a child runs.
#[test]
fn check_stays_within_memory_proportional_to_its_input_and_streams_every_finding() {
    let realistic = generate::schema(INPUT_BYTES);
    let findings = generate::many_findings(INPUT_BYTES);
    let dump = many_inserts(INPUT_BYTES);
    let runs = [
        ("realistic schema", &realistic, "json"),
        ("many findings", &findings, "json"),
        ("many findings", &findings, "sarif"),
        ("a data dump's short statements", &dump, "json"),
    ];
    let measured: Vec<(u64, TempDir)> = runs.iter().map(|(_, sql, format)| peak_rss_of_check(sql, format)).collect();
    for ((what, sql, format), (peak, dir)) in runs.iter().zip(measured) {
        let out = std::fs::read_to_string(dir.path().join("out")).expect("the output is read");
        let document: serde_json::Value = serde_json::from_str(&out).expect("the output is whole");
        let reported = match *format {
            "json" => document["diagnostics"].as_array().map_or(0, Vec::len),
            _ => document["runs"][0]["results"].as_array().map_or(0, Vec::len),
        };
        if std::ptr::eq(*sql, &findings) {
            // About one finding per 145 bytes: every one is in the output.
            assert!(reported > INPUT_BYTES / 160, "{what}, {format}: {reported} findings");
        } else if std::ptr::eq(*sql, &dump) {
            // One statement per 44 bytes; a statement's outcome once took 400 bytes until applied.
            assert!(document["statements"]["parsed"].as_u64() > Some(40_000), "{}", document["statements"]);
        } else {
            assert_eq!(document["statements"]["skipped"], 0, "every statement is understood");
            assert!(realistic.matches("CREATE TABLE").count() > 2_000, "the input is large");
        }
        let per_byte = if std::ptr::eq(*sql, &dump) { DUMP_BYTES_PER_INPUT_BYTE } else { BYTES_PER_INPUT_BYTE };
        assert_within_bound(&format!("{what}, {format}"), sql.len(), per_byte, peak);
    }
}

/// A table and `bytes` of one-row `INSERT`s, as a data dump has them.
fn many_inserts(bytes: usize) -> String {
    let mut sql = String::from("CREATE TABLE event (id bigint PRIMARY KEY, kind text NOT NULL);\n");
    let mut id = 0;
    while sql.len() < bytes {
        sql.push_str(&format!("INSERT INTO event VALUES ({id}, 'signup');\n"));
        id += 1;
    }
    sql
}

/// A table of 20,000 columns written on one line, with a non-ASCII name so characters are not
/// bytes: each column's span was converted by counting characters from the line's start, which
/// took 3.9 s in a release build (quadratic: ten times the columns, a hundred times the time).
/// It now takes 0.04 s (release); the bound leaves room for a debug build on a busy machine.
#[test]
fn a_table_of_twenty_thousand_columns_on_one_line_is_read_in_linear_time() {
    let columns: Vec<String> = (0..20_000).map(|i| format!("c{i} integer")).collect();
    let sql = format!("CREATE TABLE \"größe\" (id bigint PRIMARY KEY, {});\n", columns.join(", "));
    let dir = TempDir::new().expect("a temporary directory");
    let input = dir.path().join("wide.sql");
    std::fs::write(&input, &sql).expect("the schema is written");
    // Built (when it must be) before the clock starts.
    let binary = binary();
    let started = std::time::Instant::now();
    let output = Command::new(binary)
        .args(["check", "--dialect", "postgres", "--fail-on", "never", "--format", "gcc"])
        .arg(&input)
        .output()
        .expect("schemacast runs");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "check failed: {}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("has 20001 columns") && stdout.contains("[wide-table]"), "{stdout}");
    assert!(elapsed.as_secs_f64() < 8.0, "20,000 columns on one line took {elapsed:?}");
}
