//! Keys and indexes: primary keys, foreign keys and the indexes that serve them.

pub(crate) mod fk_type_mismatch;
pub(crate) mod missing_fk_index;
pub(crate) mod missing_primary_key;
pub(crate) mod redundant_index;

#[cfg(test)]
mod tests;
