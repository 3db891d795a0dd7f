//! `schemacast.toml`: dialect, schema paths, rule severities, thresholds and capacity settings.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::capacity::{CapacitySettings, Horizon};
use crate::diagnostic::Severity;
use crate::dialect::Dialect;
use crate::rules::{did_you_mean, suggest_threshold, threshold, RuleSelection, RuleSettings};
use crate::text::LineIndex;

pub const CONFIG_FILE_NAME: &str = "schemacast.toml";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub dialect: Option<Dialect>,
    /// Schema files or migration directories, relative to the config file.
    pub schema: Vec<String>,
    /// The stats store `collect` appends to and `check` reads: a path relative to the config
    /// file ending in `.db`/`.sqlite` (SQLite) or `.jsonl` (JSON Lines); the server picks the
    /// backend by that ending, or a `postgres://` URL (the PostgreSQL store).
    pub stats: Option<String>,
    /// The database whose series `check`, `forecast`, the report and the language server read
    /// when the store holds several (default: the database of the latest snapshot).
    pub database: Option<String>,
    /// Rule name → severity; `None` is `off`.
    pub rules: BTreeMap<String, Option<Severity>>,
    /// `[thresholds]`.
    pub settings: RuleSettings,
    /// `[capacity]`: horizons, prices, copies, budget.
    pub capacity: CapacitySettings,
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
    database: Option<String>,
    #[serde(default)]
    rules: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    #[serde(default)]
    thresholds: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>,
    capacity: Option<RawCapacity>,
    normalization: Option<RawNormalization>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawNormalization {
    #[serde(default)]
    not_repeating_groups: Vec<toml::Spanned<String>>,
    #[serde(default)]
    snapshot_columns: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacity {
    horizons: Option<Vec<toml::Spanned<String>>>,
    price_per_gib_month: Option<toml::Spanned<f64>>,
    copies: Option<toml::Spanned<f64>>,
    backup_retention_factor: Option<toml::Spanned<f64>>,
    budget_gib: Option<toml::Spanned<f64>>,
    table_size_gib: Option<toml::Spanned<f64>>,
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
            Some(d) => {
                Some(d.get_ref().parse::<Dialect>().map_err(|m| error_at(d.span().start, format!("`dialect`: {m}")))?)
            }
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
                        format!(
                            "`rules.{}`: unknown level `{other}`; expected off, info, warning or error",
                            name.get_ref()
                        ),
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
        for (key, value) in raw.thresholds {
            // The declarations say which keys exist and what each accepts.
            let Some(threshold) = threshold(key.get_ref()) else {
                let hint =
                    suggest_threshold(key.get_ref()).map(|k| format!("; did you mean `{k}`?")).unwrap_or_default();
                let message = format!("unknown threshold `{}` in [thresholds]{hint}", key.get_ref());
                return Err(error_at(key.span().start, message));
            };
            let number = match value.get_ref() {
                toml::Value::Float(f) => Some(*f),
                toml::Value::Integer(i) => Some(*i as f64),
                _ => None,
            };
            let must_be = || {
                error_at(value.span().start, format!("`thresholds.{}` must be {}", threshold.key, threshold.allowed()))
            };
            let number = number.ok_or_else(must_be)?;
            settings.set(threshold.key, number).map_err(|_| must_be())?;
        }
        if let Some(raw) = raw.normalization {
            for stem in raw.not_repeating_groups {
                let lower = stem.get_ref().trim().to_lowercase();
                if lower.is_empty() || !lower.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(error_at(
                        stem.span().start,
                        format!(
                            "`normalization.not-repeating-groups`: `{}` is not a column-name stem; write the part before the number, e.g. \"level\" for level1, level2, level3",
                            stem.get_ref()
                        ),
                    ));
                }
                settings.not_repeating_groups.push(lower.trim_end_matches('_').to_owned());
            }
            for pattern in raw.snapshot_columns {
                let lower = pattern.get_ref().trim().to_lowercase();
                let parts: Vec<&str> = lower.split('.').collect();
                if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
                    return Err(error_at(
                        pattern.span().start,
                        format!(
                            "`normalization.snapshot-columns`: `{}` is not a column pattern; write COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN, each part a name or a glob with * and ?",
                            pattern.get_ref()
                        ),
                    ));
                }
                settings.snapshot_columns.push(lower);
            }
        }
        let mut capacity = CapacitySettings::default();
        if let Some(raw) = raw.capacity {
            if let Some(horizons) = raw.horizons {
                if horizons.is_empty() {
                    return Err(error_at(
                        0,
                        "`capacity.horizons` is empty; list at least one, e.g. [\"3mo\", \"1y\"]".to_owned(),
                    ));
                }
                capacity.horizons = horizons
                    .iter()
                    .map(|h| {
                        h.get_ref()
                            .parse::<Horizon>()
                            .map_err(|m| error_at(h.span().start, format!("`capacity.horizons`: {m}")))
                    })
                    .collect::<Result<_, _>>()?;
            }
            let number = |value: Option<toml::Spanned<f64>>,
                          key: &str,
                          minimum: f64,
                          what: &str|
             -> Result<Option<f64>, ConfigError> {
                match value {
                    Some(v) if !(v.get_ref().is_finite() && *v.get_ref() >= minimum) => {
                        Err(error_at(v.span().start, format!("`capacity.{key}` must be {what}")))
                    }
                    Some(v) => Ok(Some(*v.get_ref())),
                    None => Ok(None),
                }
            };
            capacity.price_per_gib_month = number(raw.price_per_gib_month, "price_per_gib_month", 0.0, "a price >= 0")?;
            if let Some(copies) = number(raw.copies, "copies", 1.0, "at least 1 (the primary)")? {
                capacity.copies = copies;
            }
            if let Some(factor) =
                number(raw.backup_retention_factor, "backup_retention_factor", 0.0, "a multiple >= 0")?
            {
                capacity.backup_retention_factor = factor;
            }
            capacity.budget_gib = number(raw.budget_gib, "budget_gib", 0.0, "a size in GiB >= 0")?;
            if let Some(size) = number(raw.table_size_gib, "table_size_gib", 0.0, "a size in GiB >= 0")? {
                capacity.table_size_gib = size;
            }
        }
        Ok(Config { dialect, schema: raw.schema, stats: raw.stats, database: raw.database, rules, settings, capacity })
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
        assert_eq!(thresholds.settings.get("column-padding-bytes"), Some(16.0));
        let bad = Config::parse("[thresholds]\ncolumn-padding-bytes = -1\n", "c.toml").unwrap_err();
        assert_eq!(bad.line, 2);
        let selection = config.rule_selection();
        assert_eq!(selection.severity("missing-primary-key"), None);
        assert_eq!(selection.severity("redundant-index"), Some(Severity::Error));
        assert_eq!(selection.severity("missing-fk-index"), Some(Severity::Warning));
    }

    #[test]
    fn reads_normalization_lists_and_names_bad_entries() {
        let config = Config::parse(
            "[normalization]\nnot-repeating-groups = [\"Tier\", \"level_\"]\nsnapshot-columns = [\"orders.customer_*\", \"price_at_sale\"]\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(config.settings.not_repeating_groups, ["tier", "level"]);
        let orders = crate::schema::QualifiedName { schema: "public".into(), name: "orders".into() };
        let items = crate::schema::QualifiedName { schema: "public".into(), name: "items".into() };
        assert!(config.settings.is_snapshot_column(&orders, "Customer_Email"));
        assert!(!config.settings.is_snapshot_column(&items, "customer_email"));
        assert!(config.settings.is_snapshot_column(&items, "price_at_sale"));
        let bad = Config::parse("[normalization]\n\nsnapshot-columns = [\"a..b\"]\n", "c.toml").unwrap_err();
        assert_eq!(bad.line, 3);
        assert!(bad.message.contains("TABLE.COLUMN"), "{}", bad.message);
        let bad = Config::parse("[normalization]\nnot-repeating-groups = [\"phone 1\"]\n", "c.toml").unwrap_err();
        assert!(bad.message.contains("stem"), "{}", bad.message);
        let unknown = Config::parse("[normalization]\nsnapshots = []\n", "c.toml").unwrap_err();
        assert!(unknown.message.contains("snapshot-columns"), "{}", unknown.message);
    }

    #[test]
    fn reads_capacity_and_names_bad_lines() {
        let config = Config::parse(
            "[capacity]\nhorizons = [\"90d\", \"1y\"]\nprice_per_gib_month = 0.2\ncopies = 3\nbackup_retention_factor = 1.5\nbudget_gib = 500\ntable_size_gib = 50\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(config.capacity.horizons, [Horizon::Days(90), Horizon::Months(12)]);
        assert_eq!(config.capacity.price(), 0.2);
        assert!(!config.capacity.price_is_example());
        assert_eq!((config.capacity.copies, config.capacity.backup_retention_factor), (3.0, 1.5));
        assert_eq!((config.capacity.budget_gib, config.capacity.table_size_gib), (Some(500.0), 50.0));
        let gib = 1024.0 * 1024.0 * 1024.0;
        assert!((config.capacity.cost_per_month(10.0 * gib) - 10.0 * 0.2 * 4.5).abs() < 1e-9);
        assert!(Config::parse("", "c.toml").unwrap().capacity.price_is_example());
        let horizon = Config::parse("[capacity]\n\nhorizons = [\"3mo\", \"soon\"]\n", "c.toml").unwrap_err();
        assert_eq!(horizon.line, 3);
        assert!(horizon.message.contains("`soon` is not a horizon"), "{horizon}");
        let copies = Config::parse("[capacity]\ncopies = 0\n", "c.toml").unwrap_err();
        assert_eq!((copies.line, copies.message.as_str()), (2, "`capacity.copies` must be at least 1 (the primary)"));
        let unknown = Config::parse("[capacity]\nprice = 1\n", "c.toml").unwrap_err();
        assert_eq!(unknown.line, 2);
    }

    #[test]
    fn unknown_rule_names_the_line_and_suggests() {
        let error =
            Config::parse("dialect = \"postgres\"\n\n[rules]\nmissing-fk-idx = \"error\"\n", "db/schemacast.toml")
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "db/schemacast.toml:4: unknown rule `missing-fk-idx` in [rules]; did you mean `missing-fk-index`?"
        );
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

    #[test]
    fn thresholds_are_checked_against_their_declarations() {
        let bad = Config::parse("[thresholds]\n\ncolumn-padding-bytes = -1\n", "c.toml").unwrap_err();
        assert_eq!(bad.to_string(), "c.toml:3: `thresholds.column-padding-bytes` must be a number of bytes >= 0");
        let text = Config::parse("[thresholds]\ncolumn-padding-bytes = \"8\"\n", "c.toml").unwrap_err();
        assert_eq!(text.to_string(), "c.toml:2: `thresholds.column-padding-bytes` must be a number of bytes >= 0");
        let unknown =
            Config::parse("dialect = \"postgres\"\n[thresholds]\ncolumn-padding-byte = 4\n", "c.toml").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "c.toml:3: unknown threshold `column-padding-byte` in [thresholds]; did you mean `column-padding-bytes`?"
        );
        let far = Config::parse("[thresholds]\nsomething = 4\n", "c.toml").unwrap_err();
        assert_eq!(far.to_string(), "c.toml:2: unknown threshold `something` in [thresholds]");
        let float = Config::parse("[thresholds]\ncolumn-padding-bytes = 2.5\n", "c.toml").unwrap();
        assert_eq!(float.settings.get("column-padding-bytes"), Some(2.5));
        assert_eq!(Config::parse("", "c.toml").unwrap().settings.get("column-padding-bytes"), None);
    }
}
