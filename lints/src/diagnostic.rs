//! What a rule reports: a finding with its range, message and fixes.

use std::fmt;
use std::str::FromStr;

use crate::text::Location;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!("unknown severity `{other}`; expected info, warning or error")),
        }
    }
}

/// Replace the text at `location` with `text`; an empty range inserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub location: Location,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// Keeps the schema's meaning; may be applied without review.
    Safe,
    /// Changes data, locks or behaviour; review before applying.
    Unsafe,
}

/// A file a fix creates: a new migration, say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// As the analysed files' paths are written (beside them).
    pub path: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Imperative: "Add index on `orders(customer_id)`".
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    pub new_files: Vec<NewFile>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self { title: title.into(), applicability: Applicability::Safe, edits, new_files: Vec::new() }
    }

    pub fn unsafe_edit(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self { title: title.into(), applicability: Applicability::Unsafe, edits, new_files: Vec::new() }
    }

    /// A fix that adds a file and edits nothing.
    pub fn safe_new_file(title: impl Into<String>, file: NewFile) -> Self {
        Self { title: title.into(), applicability: Applicability::Safe, edits: Vec::new(), new_files: vec![file] }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fixes.push(fix);
        self
    }

    /// Gives back the spare capacity of every string and list (`format!` leaves up to half its
    /// buffer unused): a large schema's findings live until they are printed.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.message.shrink_to_fit();
        if let Some(help) = &mut self.help {
            help.shrink_to_fit();
        }
        self.fixes.shrink_to_fit();
        for fix in &mut self.fixes {
            fix.title.shrink_to_fit();
            fix.edits.shrink_to_fit();
            for edit in &mut fix.edits {
                edit.text.shrink_to_fit();
            }
            for file in &mut fix.new_files {
                file.text.shrink_to_fit();
            }
        }
    }
}
