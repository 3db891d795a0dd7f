//! Capacity: tables and databases that outgrow a size within the horizon.

crate::rules::rule_family! {
    table_growth::TableGrowth,
    storage_budget::StorageBudget,
}

#[cfg(test)]
mod tests;
