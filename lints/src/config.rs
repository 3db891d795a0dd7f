//! `schemacast.toml`: dialect, schema paths and rule severities.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::dialect::Dialect;
use crate::rules::{did_you_mean, RuleSelection, RuleSettings};
use crate::text::LineIndex;

pub const CONFIG_FILE_NAME: &str = "schemacast.toml";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub dialect: Option<Dialect>,
    /// Schema files or migration directories, relative to the config file.
    pub schema: Vec<String>,
    /// The stats file `collect` appends to and `check` reads, relative to the config file.
    pub stats: Option<String>,
    /// Rule name → severity; `None` is `off`.
    pub rules: BTreeMap<String, Option<Severity>>,
    /// `[thresholds]`.
    pub settings: RuleSettings,
}

/// A config file that cannot be used, with the line to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub path: String,
    pub line: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    dialect: Option<toml::Spanned<String>>,
    #[serde(default)]
    schema: Vec<String>,
    stats: Option<String>,
    #[serde(default)]
    rules: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    thresholds: Option<RawThresholds>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawThresholds {
    column_padding_bytes: Option<toml::Spanned<f64>>,
}

impl Config {
    /// Reads a config file's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let lines = LineIndex::new(text);
        let error_at = |offset: usize, message: String| ConfigError {
            path: path.to_owned(),
            line: lines.line_col(text, offset).line,
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            error_at(offset, e.message().trim().to_owned())
        })?;
        let dialect = match raw.dialect {
            Some(d) => Some(d.get_ref().parse::<Dialect>().map_err(|m| error_at(d.span().start, format!("`dialect`: {m}")))?),
            None => None,
        };
        let mut rules = BTreeMap::new();
        let mut check = RuleSelection::default();
        for (name, level) in raw.rules {
            let level_value = match level.get_ref().as_str() {
                "off" => None,
                other => Some(other.parse::<Severity>().map_err(|_| {
                    error_at(
                        level.span().start,
                        format!("`rules.{}`: unknown level `{other}`; expected off, info, warning or error", name.get_ref()),
                    )
                })?),
            };
            if check.set(name.get_ref(), level_value).is_err() {
                let message = format!("unknown rule `{}` in [rules]{}", name.get_ref(), did_you_mean(name.get_ref()));
                return Err(error_at(name.span().start, message));
            }
            rules.insert(name.into_inner(), level_value);
        }
        let mut settings = RuleSettings::default();
        if let Some(bytes) = raw.thresholds.and_then(|t| t.column_padding_bytes) {
            if !(bytes.get_ref().is_finite() && *bytes.get_ref() >= 0.0) {
                return Err(error_at(bytes.span().start, "`thresholds.column-padding-bytes` must be a number of bytes >= 0".to_owned()));
            }
            settings.column_padding_bytes = *bytes.get_ref();
        }
        Ok(Config { dialect, schema: raw.schema, stats: raw.stats, rules, settings })
    }

    /// The rule selection this config asks for, before command-line flags.
    pub fn rule_selection(&self) -> RuleSelection {
        let mut selection = RuleSelection::default();
        for (name, level) in &self.rules {
            // Names were checked when the file was read.
            let _ = selection.set(name, *level);
        }
        selection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dialect_schema_and_rules() {
        let config = Config::parse(
            "dialect = \"mysql\"\nschema = [\"db/migrations\"]\nstats = \"ops/stats.jsonl\"\n[rules]\nmissing-primary-key = \"off\"\nredundant-index = \"error\"\n",
            "schemacast.toml",
        )
        .unwrap();
        assert_eq!(config.dialect, Some(Dialect::Mysql));
        assert_eq!(config.schema, ["db/migrations"]);
        assert_eq!(config.stats.as_deref(), Some("ops/stats.jsonl"));
        let thresholds = Config::parse("[thresholds]\ncolumn-padding-bytes = 16\n", "c.toml").unwrap();
        assert_eq!(thresholds.settings.column_padding_bytes, 16.0);
        let bad = Config::parse("[thresholds]\ncolumn-padding-bytes = -1\n", "c.toml").unwrap_err();
        assert_eq!(bad.line, 2);
        let selection = config.rule_selection();
        assert_eq!(selection.severity("missing-primary-key"), None);
        assert_eq!(selection.severity("redundant-index"), Some(Severity::Error));
        assert_eq!(selection.severity("missing-fk-index"), Some(Severity::Warning));
    }

    #[test]
    fn unknown_rule_names_the_line_and_suggests() {
        let error = Config::parse("dialect = \"postgres\"\n\n[rules]\nmissing-fk-idx = \"error\"\n", "db/schemacast.toml").unwrap_err();
        assert_eq!(error.to_string(), "db/schemacast.toml:4: unknown rule `missing-fk-idx` in [rules]; did you mean `missing-fk-index`?");
    }

    #[test]
    fn bad_level_unknown_key_and_bad_dialect_name_their_lines() {
        let level = Config::parse("[rules]\nredundant-index = \"loud\"\n", "c.toml").unwrap_err();
        assert_eq!(level.line, 2);
        assert!(level.message.contains("unknown level `loud`"), "{level}");
        let key = Config::parse("dialect = \"postgres\"\ndialekt = \"mysql\"\n", "c.toml").unwrap_err();
        assert_eq!(key.line, 2);
        assert!(key.message.contains("dialekt"), "{key}");
        let dialect = Config::parse("dialect = \"oracle\"\n", "c.toml").unwrap_err();
        assert_eq!((dialect.line, dialect.message.contains("unknown dialect `oracle`")), (1, true));
    }
}
