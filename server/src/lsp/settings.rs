//! Settings from `initializationOptions` and `workspace/configuration` (section `schemacast`).

use std::path::PathBuf;

use schemacast_lints::{Dialect, Severity};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Settings {
    pub dialect: Option<Dialect>,
    pub stats: Option<PathBuf>,
    /// Rule → severity (`None`: off), over schemacast.toml.
    pub rules: Vec<(String, Option<Severity>)>,
    pub inlay_hints: bool,
    /// Per kind: a table's size and projection after its `CREATE TABLE`, each column's bytes,
    /// and the alignment padding within a column's hint.
    pub table_hints: bool,
    pub column_hints: bool,
    pub padding_hints: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dialect: None,
            stats: None,
            rules: Vec::new(),
            inlay_hints: true,
            table_hints: true,
            column_hints: false,
            padding_hints: true,
        }
    }
}

impl Settings {
    /// Reads `{"dialect": "...", "stats": "...", "rules": {"rule": "off"}, "inlayHints":
    /// {"enabled": true, "tables": true, "columns": false, "padding": true}}`; what it does not understand is reported and left
    /// at its default.
    pub fn from_json(value: &Value, problems: &mut Vec<String>) -> Settings {
        let mut settings = Settings::default();
        let Some(object) = value.as_object() else { return settings };
        if let Some(dialect) = object.get("dialect").and_then(Value::as_str) {
            match dialect.parse() {
                Ok(d) => settings.dialect = Some(d),
                Err(e) => problems.push(format!("setting `dialect`: {e}")),
            }
        }
        if let Some(stats) = object.get("stats").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            settings.stats = Some(PathBuf::from(stats));
        }
        if let Some(rules) = object.get("rules").and_then(Value::as_object) {
            for (rule, level) in rules {
                let level = match level.as_str() {
                    Some("off") => None,
                    Some(other) => match other.parse::<Severity>() {
                        Ok(severity) => Some(severity),
                        Err(e) => {
                            problems.push(format!("setting `rules.{rule}`: {e}"));
                            continue;
                        }
                    },
                    None => continue,
                };
                if schemacast_lints::rules::rule(rule).is_none() {
                    problems.push(format!(
                        "setting `rules`: unknown rule `{rule}`{}",
                        schemacast_lints::rules::did_you_mean(rule)
                    ));
                    continue;
                }
                settings.rules.push((rule.clone(), level));
            }
        }
        if let Some(hints) = object.get("inlayHints") {
            match hints {
                Value::Bool(enabled) => settings.inlay_hints = *enabled,
                Value::Object(hints) => {
                    settings.inlay_hints = hints.get("enabled").and_then(Value::as_bool).unwrap_or(true);
                    settings.table_hints = hints.get("tables").and_then(Value::as_bool).unwrap_or(true);
                    settings.column_hints = hints.get("columns").and_then(Value::as_bool).unwrap_or(false);
                    settings.padding_hints = hints.get("padding").and_then(Value::as_bool).unwrap_or(true);
                }
                _ => {}
            }
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_settings_and_reports_what_it_cannot() {
        let mut problems = Vec::new();
        let value = serde_json::json!({"dialect": "mysql", "rules": {"redundant-index": "off", "nope": "error"}, "inlayHints": {"enabled": false}});
        let settings = Settings::from_json(&value, &mut problems);
        assert_eq!(settings.dialect, Some(Dialect::Mysql));
        assert_eq!(settings.rules, [("redundant-index".to_owned(), None)]);
        assert!(!settings.inlay_hints);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn inlay_hint_kinds_switch_off_one_by_one() {
        let value = serde_json::json!({"inlayHints": {"tables": false, "columns": true, "padding": false}});
        let settings = Settings::from_json(&value, &mut Vec::new());
        assert!(settings.inlay_hints && !settings.table_hints && settings.column_hints && !settings.padding_hints);
        let defaults = Settings::from_json(&serde_json::json!({"inlayHints": {}}), &mut Vec::new());
        assert!(defaults.table_hints && !defaults.column_hints && defaults.padding_hints);
    }
}
