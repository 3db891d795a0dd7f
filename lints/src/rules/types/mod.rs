//! Type sizing: columns whose type wastes space or cannot hold what they will hold.

pub(crate) mod char_padding;
pub(crate) mod column_padding;
pub(crate) mod float_for_money;
pub(crate) mod inet_as_text;
pub(crate) mod int_key_exhaustion;
pub(crate) mod number_as_text;
pub(crate) mod oversized_integer;
pub(crate) mod oversized_varchar;
pub(crate) mod timestamp_as_text;
pub(crate) mod uuid_as_text;

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::rules::Ctx;
use crate::schema::{Column, SqlType, Table};

/// The words of a column name: `createdAt` and `created_at` both give `created`, `at`.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `text`, `varchar(n)`, `char(n)` and MySQL's text types.
pub(crate) fn is_text(ty: &SqlType) -> bool {
    ty.array_dims == 0
        && matches!(ty.base.as_str(), "text" | "varchar" | "char" | "tinytext" | "mediumtext" | "longtext" | "string" | "citext")
}

/// Declared length of `varchar(n)` / `char(n)`.
pub(crate) fn declared_length(ty: &SqlType) -> Option<u64> {
    ty.modifiers.first().and_then(|m| m.trim().parse().ok())
}

/// Whether the column is a key or feeds one: a primary key column, a foreign key column, an
/// identity or serial column.
pub(crate) fn is_key_column(table: &Table, column: &Column) -> bool {
    column.identity
        || column.ty.is_serial()
        || table.primary_key().is_some_and(|pk| pk.keys.iter().any(|k| k.column() == Some(column.name.as_str())))
        || table.foreign_keys.iter().any(|fk| fk.columns.contains(&column.name))
}

/// Reports at the column's type (or its name when the type's range is unknown) and, when the
/// type's range is known, offers changing it to `new_type` as an unsafe fix.
pub(crate) fn report_retype<'c>(
    ctx: &'c mut Ctx<'_>,
    column: &Column,
    message: String,
    new_type: &str,
) -> &'c mut Diagnostic {
    let type_loc = ctx.column_type_loc(column);
    let diagnostic = ctx.report(type_loc.unwrap_or(column.name_loc), message);
    if let Some(location) = type_loc {
        diagnostic.fix(Fix::unsafe_edit(
            format!("Change the type of `{}` to `{new_type}`", column.name),
            vec![Edit { location, text: new_type.to_owned() }],
        ));
    }
    diagnostic
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod name_tests {
    use super::name_words;

    #[test]
    fn splits_snake_and_camel_case() {
        assert_eq!(name_words("created_at"), ["created", "at"]);
        assert_eq!(name_words("createdAt"), ["created", "at"]);
        assert_eq!(name_words("IPAddress"), ["ipaddress"]);
        assert_eq!(name_words("client_IP"), ["client", "ip"]);
    }
}
