use crate::dialect::Dialect;
use crate::rules::test_support::check;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".sql"))
    };
}

crate::rules::test_support::family_snapshot_tests!("keys");

#[test]
fn missing_fk_index_does_not_apply_to_mysql() {
    // InnoDB indexes foreign key columns by itself.
    let output = check("missing-fk-index", Dialect::Mysql, fixture!("missing_fk_index_sqlite"));
    assert!(output.starts_with("(no findings)"), "{output}");
}
