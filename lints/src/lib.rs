//! The schemacast engine: SQL DDL in, schema model and diagnostics out.
//!
//! Pure and synchronous: no file system, network, terminal, async runtime or global state.
//! Callers read files and hand over their text.

pub mod analysis;
pub mod capacity;
pub mod config;
pub mod diagnostic;
pub mod dialect;
pub mod forecast;
mod halves;
pub mod ide;
pub mod planning;
pub mod rules;
pub mod schema;
pub mod stats;
pub mod storage;
pub mod suppression;
pub mod syntax;
pub mod text;

pub use analysis::{
    analyze, analyze_cached, analyze_with, Analysis, AnalysisOptions, AnalyzedFile, SourceFile, Timings,
};
pub use config::{Config, ConfigError};
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
pub use dialect::Dialect;
pub use rules::{RuleInfo, RuleSelection, RuleSettings, Threshold};
