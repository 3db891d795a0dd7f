//! `check --fix`: fixes applied where they land, and every fixed file loads into PostgreSQL,
//! one migration per transaction (as Flyway, goose and dbmate run them) and without.

use std::path::Path;
use std::process::Command;

use schemacast_tests::{project, run_in, shop_copy, TestDatabase};

/// The set's files in Flyway order.
fn migrations(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    let version = |p: &Path| -> u32 {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        name[1..name.find("__").unwrap()].parse().unwrap()
    };
    files.sort_by_key(|p| version(p));
    files
}

/// Runs each file with psql, stopping at the first error; `single` wraps each in a transaction,
/// except a migration of only `CREATE INDEX CONCURRENTLY`, which the tools run outside one (the
/// reason the fix puts it in a file of its own; run inside one it must fail, and is checked to).
fn load(url: &str, files: &[std::path::PathBuf], single: bool) {
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let non_transactional = text.lines().all(|l| l.trim().is_empty() || l.contains("CONCURRENTLY"));
        let mut psql = Command::new("psql");
        psql.arg(url).args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
        if single && non_transactional {
            let inside = Command::new("psql")
                .arg(url)
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f"])
                .arg(file)
                .output()
                .expect("psql can be started");
            assert!(!inside.status.success(), "{} was expected to need its own, non-transactional run", file.display());
        } else if single {
            psql.arg("--single-transaction");
        }
        let output = psql.arg("-f").arg(file).output().expect("psql can be started");
        assert!(
            output.status.success(),
            "{} does not load{}: {}",
            file.display(),
            if single { " in a single transaction" } else { "" },
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn fix_applies_safe_fixes_and_reports_what_remains() {
    let dir = shop_copy();
    let run = run_in(dir.path(), &["check", "shop", "--fix"]);
    assert_eq!(run.status, 1, "warnings remain: {}", run.stderr);
    assert!(
        run.stderr
            .contains("fixed 2 findings: shop/V2__orders.sql (1 edit); new shop/V7__add_orders_coupon_id_idx.sql"),
        "{}",
        run.stderr
    );
    let v2 = std::fs::read_to_string(dir.path().join("shop/V2__orders.sql")).unwrap();
    assert!(
        v2.contains("\nCREATE INDEX order_items_product_id_idx ON order_items (product_id);"),
        "a new table gets a plain index: {v2}"
    );
    let v7 = std::fs::read_to_string(dir.path().join("shop/V7__add_orders_coupon_id_idx.sql")).unwrap();
    assert_eq!(v7, "CREATE INDEX CONCURRENTLY orders_coupon_id_idx ON orders (coupon_id);\n");
    let v5 = std::fs::read_to_string(dir.path().join("shop/V5__coupons.sql")).unwrap();
    assert!(!v5.contains("CONCURRENTLY"), "the existing table's index is not put in the migration's transaction");
    assert!(!run.stdout.contains("missing-fk-index"), "{}", run.stdout);
    assert!(run.stdout.contains("warning[int-key-exhaustion]"), "unsafe fixes are not applied without --unsafe-fixes");

    let again = run_in(dir.path(), &["check", "shop", "--fix"]);
    assert!(again.stderr.contains("nothing to fix (--unsafe-fixes also applies unsafe fixes)"), "{}", again.stderr);
    let all = run_in(dir.path(), &["check", "shop", "--fix", "--unsafe-fixes", "--format", "json"]);
    let rules: Vec<String> =
        all.json()["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap().to_owned()).collect();
    assert_eq!(rules, ["missing-primary-key"], "only the finding without a fix remains");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn every_fixed_file_loads_into_postgres_one_transaction_each_and_without() {
    let dir = shop_copy();
    let safe = run_in(dir.path(), &["check", "shop", "--fix"]);
    assert_eq!(safe.status, 1, "{}", safe.stderr);
    let Some(db) = TestDatabase::postgres("fixed_shop_single") else {
        return;
    };
    load(&db.url, &migrations(&dir.path().join("shop")), true);
    let db = TestDatabase::postgres("fixed_shop_plain").unwrap();
    load(&db.url, &migrations(&dir.path().join("shop")), false);

    let all = run_in(dir.path(), &["check", "shop", "--fix", "--unsafe-fixes"]);
    assert_eq!(all.status, 1, "{}", all.stderr);
    let db = TestDatabase::postgres("fixed_shop_unsafe").unwrap();
    load(&db.url, &migrations(&dir.path().join("shop")), true);
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn a_fixed_pg_dump_still_loads() {
    let dump = "\
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.customers (
    id bigint NOT NULL
);
CREATE TABLE public.orders (
    id bigint NOT NULL,
    customer_id bigint NOT NULL
);
ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);
";
    let dir = project(&[("dump.sql", dump)]);
    let run = run_in(dir.path(), &["check", "dump.sql", "--fix"]);
    assert!(run.stderr.contains("fixed 1 finding: dump.sql (1 edit)"), "{}", run.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("dump.sql")).unwrap();
    assert!(fixed.contains("CREATE INDEX orders_customer_id_idx ON public.orders (customer_id);"), "{fixed}");
    let Some(db) = TestDatabase::postgres("fixed_dump") else {
        return;
    };
    load(&db.url, &[dir.path().join("dump.sql")], true);
}
