//! Normalization: one attribute spread over numbered columns, lists in strings, tables holding
//! several entities.

crate::rules::rule_family! {
    repeating_group::RepeatingGroup,
    multi_valued_column::MultiValuedColumn,
    wide_table::WideTable,
}

#[cfg(test)]
mod tests;
