//! Normalization: one attribute spread over numbered columns, lists in strings, attributes as
//! rows, copies of referenced columns, tables holding several entities.

crate::rules::rule_family! {
    repeating_group::RepeatingGroup,
    multi_valued_column::MultiValuedColumn,
    eav_table::EavTable,
    denormalized_copy::DenormalizedCopy,
    wide_table::WideTable,
}

#[cfg(test)]
mod tests;
