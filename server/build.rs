//! Marks the store tests that need the PostgreSQL test server as `#[ignore]`d when
//! `SCHEMACAST_TEST_PG_URL` is unset, as tests/build.rs does, so `cargo test` counts them as
//! ignored (and `.ci/run`, which sets the variable, fails if any is).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_pg_server)");
    println!("cargo::rerun-if-env-changed=SCHEMACAST_TEST_PG_URL");
    if std::env::var_os("SCHEMACAST_TEST_PG_URL").is_none_or(|v| v.is_empty()) {
        println!("cargo::rustc-cfg=no_pg_server");
    }
}
