//! Normalization: one attribute spread over numbered columns, lists in strings, attributes as
//! rows, copies of referenced columns, tables holding several entities, columns the data shows
//! depend on a non-key column.

crate::rules::rule_family! {
    repeating_group::RepeatingGroup,
    multi_valued_column::MultiValuedColumn,
    eav_table::EavTable,
    denormalized_copy::DenormalizedCopy,
    wide_table::WideTable,
    functional_dependency::FunctionalDependency,
}

#[cfg(test)]
mod tests;
