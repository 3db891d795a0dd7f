use crate::dialect::Dialect;
use crate::rules::test_support::check;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".sql"))
    };
}

macro_rules! snapshot_tests {
    ($($test:ident: $rule:literal, $dialect:expr, $fixture:literal;)*) => {
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!(check($rule, $dialect, fixture!($fixture)));
            }
        )*
    };
}

snapshot_tests! {
    column_padding_postgres: "column-padding", Dialect::Postgres, "column_padding";
    char_padding_postgres: "char-padding", Dialect::Postgres, "char_padding";
    char_padding_with_stats: "char-padding", Dialect::Postgres, "char_padding_stats";
    uuid_as_text_postgres: "uuid-as-text", Dialect::Postgres, "uuid_as_text";
    uuid_as_text_mysql: "uuid-as-text", Dialect::Mysql, "uuid_as_text";
    inet_as_text_postgres: "inet-as-text", Dialect::Postgres, "inet_as_text";
    timestamp_as_text_postgres: "timestamp-as-text", Dialect::Postgres, "timestamp_as_text";
    float_for_money_postgres: "float-for-money", Dialect::Postgres, "float_for_money";
    int_key_exhaustion_postgres: "int-key-exhaustion", Dialect::Postgres, "int_key_exhaustion";
    int_key_exhaustion_mysql: "int-key-exhaustion", Dialect::Mysql, "int_key_exhaustion_mysql";
    int_key_exhaustion_history: "int-key-exhaustion", Dialect::Postgres, "int_key_exhaustion_history";
    int_key_exhaustion_flat: "int-key-exhaustion", Dialect::Postgres, "int_key_exhaustion_flat";
    oversized_integer_postgres: "oversized-integer", Dialect::Postgres, "oversized_integer";
    oversized_varchar_postgres: "oversized-varchar", Dialect::Postgres, "oversized_varchar";
    oversized_varchar_mysql: "oversized-varchar", Dialect::Mysql, "oversized_varchar";
    number_as_text_postgres: "number-as-text", Dialect::Postgres, "number_as_text";
    uuid_as_text_with_stats: "uuid-as-text", Dialect::Postgres, "uuid_as_text_stats";
    inet_as_text_with_stats: "inet-as-text", Dialect::Postgres, "inet_as_text_stats";
    timestamp_as_text_with_stats: "timestamp-as-text", Dialect::Postgres, "timestamp_as_text_stats";
    oversized_integer_defaults: "oversized-integer", Dialect::Postgres, "oversized_integer_defaults";
}

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
