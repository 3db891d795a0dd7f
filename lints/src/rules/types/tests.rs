use crate::dialect::Dialect;
use crate::rules::test_support::check;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".sql"))
    };
}

crate::rules::test_support::family_snapshot_tests!("types");

#[test]
fn stats_rules_are_silent_without_stats() {
    for (rule, fixture) in [
        ("oversized-integer", fixture!("oversized_integer")),
        ("number-as-text", fixture!("number_as_text")),
        ("oversized-varchar", fixture!("oversized_varchar")),
    ] {
        let without_stats: String = fixture.split("-- file: stats.jsonl").next().unwrap_or("").to_owned();
        let output = check(rule, Dialect::Postgres, &without_stats);
        assert!(output.starts_with("(no findings)"), "{rule}: {output}");
    }
}

#[test]
fn share_of_sample_rounds_down() {
    use super::share_of_sample;
    assert_eq!(share_of_sample(1.0, 10_000), "100% of 10,000 sampled values");
    assert_eq!(share_of_sample(0.9996, 123), "99.9% of 123 sampled values");
}

#[test]
fn sqlite_has_no_alignment_padding_or_narrow_keys() {
    for rule in ["column-padding", "int-key-exhaustion"] {
        let output = check(rule, Dialect::Sqlite, fixture!("column_padding"));
        assert!(output.starts_with("(no findings)"), "{rule}: {output}");
    }
}
