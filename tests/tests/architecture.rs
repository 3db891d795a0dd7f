//! ARCHITECTURE.md's invariants about the binary's layering, checked against the source:
//! the language server is glue over `lints::ide` (no function over 60 lines, no SQL scanning, no
//! walks of the schema, nothing from `cli/`, no panicking shortcuts on its request paths), and a
//! rule is one file with its fixture and snapshot in its family's folder. The engine's purity is
//! checked by `lints/tests/invariants.rs`.

use std::path::{Path, PathBuf};

use schemacast_tests::{run, workspace_root};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file before its `#[cfg(test)]` module, each line without its `//` comment and
/// with string literals emptied, so braces and words inside them do not count.
fn code_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let code = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    code.lines().map(strip_strings_and_comments).collect()
}

fn strip_strings_and_comments(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => {
                in_string = !in_string;
                out.push('"');
            }
            // A char literal holding a brace or a quote: `'{'`, `'"'`.
            '\'' if !in_string && chars.clone().nth(1) == Some('\'') => {
                chars.next();
                chars.next();
                out.push_str("' '");
            }
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            _ if in_string => {}
            _ => out.push(c),
        }
    }
    out
}

/// (name, first line, length in lines) of every function in `lines`.
fn functions(lines: &[String]) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(at) = line.find("fn ").filter(|&at| at == 0 || line[..at].ends_with([' ', '('])) else {
            continue;
        };
        let name: String = line[at + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            continue;
        }
        let mut depth = 0i32;
        let mut opened = false;
        for (offset, body_line) in lines[start..].iter().enumerate() {
            for c in body_line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                found.push((name.clone(), start + 1, offset + 1));
                break;
            }
            if !opened && body_line.trim_end().ends_with(';') {
                break;
            }
        }
    }
    found
}

fn lsp_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    sources(&workspace_root().join("server/src/lsp"), &mut files);
    assert!(files.len() >= 5, "server/src/lsp was not found");
    files
}

#[test]
fn the_function_counter_counts() {
    let lines: Vec<String> =
        ["fn short() {", "    let s = \"}\";", "}", "pub(crate) fn long(x: u8) -> u8 {", "    x", "}"]
            .iter()
            .map(|l| strip_strings_and_comments(l))
            .collect();
    assert_eq!(functions(&lines), [("short".to_owned(), 1, 3), ("long".to_owned(), 4, 3)]);
}

#[test]
fn the_language_server_has_no_function_over_60_lines() {
    let mut long = Vec::new();
    for file in lsp_files() {
        for (name, line, length) in functions(&code_lines(&file)) {
            if length > 60 {
                long.push(format!("{}:{line}: `{name}` is {length} lines", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "server/src/lsp is glue; move analysis to lints::ide:\n{}", long.join("\n"));
}

#[test]
fn the_language_server_neither_scans_sql_nor_walks_the_schema_nor_imports_the_cli() {
    // Walking tables, columns or indexes, or scanning text byte by byte, is analysis: it belongs
    // in `lints::ide`. The exceptions read bytes that are not SQL: `transport.rs` frames JSON-RPC
    // messages, `document.rs` converts positions in the rope.
    let forbidden = [".tables()", ".columns", ".indexes", ".foreign_keys", "as_bytes()", "crate::cli"];
    let mut found = Vec::new();
    for file in lsp_files() {
        let converter = file.ends_with("document.rs") || file.ends_with("transport.rs");
        for (number, line) in code_lines(&file).iter().enumerate() {
            for word in forbidden {
                if line.contains(word) && !(converter && word == "as_bytes()") {
                    found.push(format!("{}:{}: {word}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "server/src/lsp must stay glue:\n{}", found.join("\n"));
}

#[test]
fn the_language_server_never_unwraps_on_a_request_path() {
    let mut found = Vec::new();
    for file in lsp_files() {
        for (number, line) in code_lines(&file).iter().enumerate() {
            if line.contains(".unwrap()") || line.contains(".expect(") {
                found.push(format!("{}:{}", file.display(), number + 1));
            }
        }
    }
    assert!(found.is_empty(), "a panic in the server drops the editor's session:\n{}", found.join("\n"));
}

#[test]
fn every_rule_is_one_file_with_a_fixture_and_a_snapshot_in_its_family_folder() {
    let listing = run(&["rule"]);
    assert_eq!(listing.status, 0, "{}", listing.stderr);
    let rules: Vec<(String, String)> = listing
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("Run `"))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            (fields[0].to_owned(), fields[1].to_owned())
        })
        .collect();
    assert!(rules.len() >= 16, "{}", listing.stdout);
    let root = workspace_root().join("lints/src/rules");
    let mut missing = Vec::new();
    for (rule, family) in &rules {
        let stem = rule.replace('-', "_");
        let folder = root.join(family);
        if !folder.join(format!("{stem}.rs")).is_file() {
            missing.push(format!("{rule}: no rules/{family}/{stem}.rs"));
        }
        let has = |dir: &str, suffix: &str| {
            std::fs::read_dir(folder.join(dir)).is_ok_and(|entries| {
                entries.filter_map(Result::ok).any(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.contains(&stem) && name.ends_with(suffix)
                })
            })
        };
        if !has("fixtures", ".sql") {
            missing.push(format!("{rule}: no fixture in rules/{family}/fixtures/"));
        }
        if !has("snapshots", ".snap") {
            missing.push(format!("{rule}: no snapshot in rules/{family}/snapshots/"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
