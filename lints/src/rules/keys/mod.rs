//! Keys and indexes: primary keys, foreign keys and the indexes that serve them.

crate::rules::rule_family! {
    missing_fk_index::MissingFkIndex,
    redundant_index::RedundantIndex,
    missing_primary_key::MissingPrimaryKey,
    fk_type_mismatch::FkTypeMismatch,
}

#[cfg(test)]
mod tests;
