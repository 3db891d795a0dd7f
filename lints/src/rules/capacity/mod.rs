//! Capacity: tables and databases that outgrow a size within the horizon.

pub(crate) mod storage_budget;
pub(crate) mod table_growth;

#[cfg(test)]
mod tests;
