//! The schema model and how statements build it.

pub(crate) mod builder;
pub(crate) mod lower;
pub mod migrations;
mod model;
#[cfg(test)]
mod tests;
pub mod types;

pub use model::*;
pub use types::{BaseType, SqlType};
