//! The schema model and how statements build it.

pub(crate) mod builder;
pub(crate) mod lower;
pub mod migrations;
mod model;
pub mod types;
#[cfg(test)] mod tests;

pub use model::*;
pub use types::SqlType;
