//! The editor snippets of `editors/README.md`, taken from the README as is: Emacs's eglot block
//! drives Debian's Emacs against the real server; Helix's `languages.toml` block (Helix is not in
//! Debian 12) is parsed and checked to run `schemacast lsp` for SQL.

use std::process::Command;

use schemacast_tests::{announce_skip, binary, workspace_root};

/// The first fenced block of `language` after the line `heading` in editors/README.md.
fn readme_block(heading: &str, language: &str) -> String {
    let readme = std::fs::read_to_string(workspace_root().join("editors/README.md")).unwrap();
    let after = &readme[readme.find(heading).unwrap_or_else(|| panic!("no `{heading}` in editors/README.md"))..];
    let fence = format!("```{language}\n");
    let start = after.find(&fence).unwrap_or_else(|| panic!("no {language} block after `{heading}`")) + fence.len();
    let len = after[start..].find("```").unwrap();
    after[start..start + len].to_owned()
}

/// `emacs -Q --batch` with the README's eglot block opens a migration and shows schemacast's
/// finding, rule name included, through flymake. `.ci/run` installs `emacs-nox` and
/// `elpa-eglot` and names Emacs in `SCHEMACAST_TEST_EMACS`.
#[test]
#[cfg_attr(no_emacs, ignore = "SCHEMACAST_TEST_EMACS is not set")]
fn emacs_eglot_snippet_shows_diagnostics() {
    let Some(emacs) = std::env::var_os("SCHEMACAST_TEST_EMACS") else {
        announce_skip(
            "emacs_eglot_snippet_shows_diagnostics",
            "SCHEMACAST_TEST_EMACS is not set (.ci/run installs emacs-nox and elpa-eglot)",
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let shop = work.path().join("shop");
    std::fs::create_dir(&shop).unwrap();
    for entry in std::fs::read_dir(workspace_root().join("examples/shop")).unwrap().flatten() {
        std::fs::copy(entry.path(), shop.join(entry.file_name())).unwrap();
    }
    let snippet = work.path().join("snippet.el");
    std::fs::write(&snippet, readme_block("## Emacs", "emacs-lisp")).unwrap();
    // The snippet runs `schemacast` from PATH, as a user's would.
    let bin_dir = binary().parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let output = Command::new(emacs)
        .args(["-Q", "--batch", "-l"])
        .arg(workspace_root().join("tests/emacs/eglot.el"))
        .env("PATH", path)
        .env("SNIPPET", &snippet)
        .env("FILE", shop.join("V5__coupons.sql"))
        .env("HOME", work.path())
        .current_dir(&shop)
        .output()
        .expect("emacs starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "emacs failed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("Server `schemacast' now managing"), "eglot did not connect:\n{stderr}");
    // V5__coupons.sql line 8: `orders.coupon_id` without an index.
    assert!(
        stdout.lines().any(|l| l.starts_with("DIAGNOSTIC 8: ") && l.contains("[missing-fk-index]")),
        "no missing-fk-index on line 8 in flymake's diagnostics:\n{stdout}\n{stderr}"
    );
}

/// Helix's `languages.toml` block parses (Python's tomllib) and its `sql` language uses a server
/// that runs `schemacast lsp`.
#[test]
fn helix_languages_toml_snippet_parses_and_runs_schemacast_lsp() {
    let toml = readme_block("## Helix", "toml");
    let script = r#"
import json, sys, tomllib
doc = tomllib.loads(sys.stdin.read())
servers = doc["language"][0]["language-servers"] if doc["language"][0]["name"] == "sql" else []
print(json.dumps([doc["language-server"][s] for s in servers]))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (3.11+, for tomllib) runs");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), toml.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the TOML block does not parse:\n{}", String::from_utf8_lossy(&output.stderr));
    let servers: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let server = &servers[0];
    assert_eq!(server["command"], "schemacast", "{servers}");
    assert_eq!(server["args"], serde_json::json!(["lsp"]), "{servers}");
    assert_eq!(server["config"]["inlayHints"]["tables"], true, "{servers}");
}
