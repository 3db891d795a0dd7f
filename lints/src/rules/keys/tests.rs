use crate::dialect::Dialect;
use crate::rules::test_support::check;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".sql"))
    };
}

#[test]
fn missing_fk_index_postgres() {
    insta::assert_snapshot!(check("missing-fk-index", Dialect::Postgres, fixture!("missing_fk_index")));
}

#[test]
fn missing_fk_index_sqlite() {
    insta::assert_snapshot!(check("missing-fk-index", Dialect::Sqlite, fixture!("missing_fk_index_sqlite")));
}

#[test]
fn missing_fk_index_does_not_apply_to_mysql() {
    // InnoDB indexes foreign key columns by itself.
    let output = check("missing-fk-index", Dialect::Mysql, fixture!("missing_fk_index_sqlite"));
    assert!(output.starts_with("(no findings)"), "{output}");
}

#[test]
fn redundant_index_postgres() {
    insta::assert_snapshot!(check("redundant-index", Dialect::Postgres, fixture!("redundant_index")));
}

#[test]
fn redundant_index_mysql() {
    insta::assert_snapshot!(check("redundant-index", Dialect::Mysql, fixture!("redundant_index_mysql")));
}

#[test]
fn missing_primary_key_postgres() {
    insta::assert_snapshot!(check("missing-primary-key", Dialect::Postgres, fixture!("missing_primary_key")));
}

#[test]
fn missing_primary_key_mysql_and_sqlite() {
    insta::assert_snapshot!(
        "missing_primary_key_mysql",
        check("missing-primary-key", Dialect::Mysql, fixture!("missing_primary_key_mysql"))
    );
    insta::assert_snapshot!(
        "missing_primary_key_sqlite",
        check("missing-primary-key", Dialect::Sqlite, fixture!("missing_primary_key_sqlite"))
    );
}

#[test]
fn fk_type_mismatch_postgres() {
    insta::assert_snapshot!(check("fk-type-mismatch", Dialect::Postgres, fixture!("fk_type_mismatch")));
}

#[test]
fn fk_type_mismatch_mysql() {
    insta::assert_snapshot!(check("fk-type-mismatch", Dialect::Mysql, fixture!("fk_type_mismatch_mysql")));
}
