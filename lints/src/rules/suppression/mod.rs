//! Suppression: the `-- schemacast: ignore` comments themselves.

crate::rules::rule_family! {
    unused_suppression::UnusedSuppression,
}

#[cfg(test)]
mod tests;
