use crate::dialect::Dialect;
use crate::rules::test_support::check;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".sql"))
    };
}

crate::rules::test_support::family_snapshot_tests!("capacity");

#[test]
fn a_far_budget_is_silent() {
    let far = fixture!("storage_budget").replace("budget_gib = 60", "budget_gib = 4000");
    let output = check("storage-budget", Dialect::Postgres, &far);
    assert!(output.starts_with("(no findings)"), "{output}");
}

#[test]
fn without_history_or_plan_nothing_grows() {
    let output = check("table-growth", Dialect::Postgres, "CREATE TABLE t (id bigint PRIMARY KEY, body text);\n");
    assert!(output.starts_with("(no findings)"), "{output}");
}
