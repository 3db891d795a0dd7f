//! Marks the tests that need a database server, a browser or an editor as `#[ignore]`d when the
//! variable naming it is unset, so `cargo test` counts them as ignored in its own summary
//! ("N ignored") and names each one with the reason, instead of passing them silently.
//! `.ci/run` sets every variable; `cargo test -- --include-ignored` runs them anyway, and each
//! then says at run time why it skipped.

use std::path::Path;

const NEEDS: [(&str, &str); 6] = [
    ("SCHEMACAST_TEST_PG_URL", "no_pg_server"),
    ("SCHEMACAST_TEST_MYSQL_URL", "no_mysql_server"),
    ("SCHEMACAST_TEST_NVIM", "no_current_nvim"),
    ("SCHEMACAST_TEST_CHROMIUM", "no_chromium"),
    // Debian's emacs-nox with elpa-eglot.
    ("SCHEMACAST_TEST_EMACS", "no_emacs"),
    // Throwaway TLS-only servers: `openssl`, PostgreSQL's and MariaDB's server binaries.
    ("SCHEMACAST_TEST_TLS", "no_tls_servers"),
];

fn main() {
    for (variable, cfg) in NEEDS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var_os(variable).is_none_or(|v| v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    // Debian's Neovim 0.7.2, found on PATH.
    println!("cargo::rustc-check-cfg=cfg(no_nvim)");
    println!("cargo::rerun-if-env-changed=PATH");
    let on_path = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| Path::new(&dir).join("nvim").is_file()));
    if !on_path {
        println!("cargo::rustc-cfg=no_nvim");
    }
}
