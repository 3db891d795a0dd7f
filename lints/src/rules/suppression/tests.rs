crate::rules::test_support::family_snapshot_tests!("suppression");
