//! Command runners: read arguments and files, call the engine, print.

pub(crate) mod changed;
pub(crate) mod check;
pub(crate) mod collect;
pub(crate) mod fix;
pub(crate) mod forecast;
pub(crate) mod report;
pub(crate) mod rule;
pub(crate) mod stats;

use std::io::{self, Write};

/// Prints to stdout; a closed pipe (`schemacast check | head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
