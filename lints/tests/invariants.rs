//! ARCHITECTURE.md's invariants about the engine crate, checked against its source: the engine
//! does no I/O, no async, prints nothing, holds no mutable global state, and knows no LSP or
//! terminal rendering. (It reads the stats format with serde_json: that is input, not output.)

use std::path::{Path, PathBuf};

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

/// The code of a file before its `#[cfg(test)]` module: tests may read fixtures.
fn non_test_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[test]
fn the_engine_does_no_io_no_async_and_prints_nothing() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 40, "the crate's sources were not found");
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "tokio",
        "async fn",
        ".await",
        "println!",
        "eprintln!",
        "static mut",
        "thread_local!",
        "Mutex<",
        "RwLock<",
        "Atomic",
        "tower_lsp",
        "ls_types",
        "annotate_snippets",
    ];
    let mut found = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        if name == "tests.rs" || name == "test_support.rs" {
            continue;
        }
        let code = non_test_code(file);
        for (number, line) in code.lines().enumerate() {
            let code_part = line.split("//").next().unwrap_or("");
            for word in forbidden {
                if code_part.contains(word) {
                    found.push(format!("{}:{}: {word}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "the engine must stay pure:\n{}", found.join("\n"));
}

#[test]
fn rules_read_text_only_where_architecture_md_says() {
    // ARCHITECTURE.md: rules decide from the model and the stats; they touch text only to place a
    // finding or spell a fix exactly, in the two rules it names, and never parse.
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules"), &mut files);
    let allowed_text = ["column_padding.rs", "missing_fk_index.rs"];
    let mut found = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "tests.rs" || name == "test_support.rs" || name == "mod.rs" {
            continue;
        }
        for (number, line) in non_test_code(file).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let reads_text = code.contains(".text(") && !allowed_text.contains(&name.as_str());
            if reads_text || code.contains("sqlparser") || code.contains("tree_sitter") {
                found.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(files.len() > 16, "the rules were not found");
    assert!(found.is_empty(), "rules must decide from the model, not from text:\n{}", found.join("\n"));
}
