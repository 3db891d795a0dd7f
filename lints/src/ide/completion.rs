//! Names to complete at a cursor: tables after `REFERENCES`, `ON` (in `CREATE INDEX`) and
//! `ALTER TABLE`; a table's columns inside `REFERENCES t (`, `ON t (` and after
//! `DROP/ALTER/RENAME COLUMN`.

use crate::schema::Schema;
use crate::Analysis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Table,
    Column,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    /// `table public.orders` for a table, the declared type for a column.
    pub detail: String,
}

/// What to offer at byte `offset` of `text`. The text is the buffer as it is now, which may be
/// a keystroke newer than the analysis: names come from the analysis, the context from the text.
pub fn completion(analysis: &Analysis, text: &str, offset: usize) -> Vec<CompletionItem> {
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let statement_start = text[..offset].rfind(';').map_or(0, |i| i + 1);
    let tokens = tokens(&text[statement_start..offset]);
    let lower: Vec<String> = tokens.iter().map(|t| t.to_lowercase()).collect();
    let schema = &analysis.schema;
    let last = lower.last().map(String::as_str).unwrap_or("");
    // Inside an open parenthesis after `REFERENCES t` or `ON t`: that table's columns.
    let mut depth = 0i32;
    for (i, token) in lower.iter().enumerate().rev() {
        match token.as_str() {
            ")" => depth += 1,
            "(" if depth > 0 => depth -= 1,
            "(" => {
                let mut j = i;
                // `ON t USING btree (`
                if j >= 2 && lower[j - 2] == "using" {
                    j -= 2;
                }
                if j >= 2
                    && (lower[j - 2] == "references" || (lower[j - 2] == "on" && lower.contains(&"index".to_owned())))
                {
                    return columns_of(schema, &tokens[j - 1]);
                }
                break;
            }
            _ => {}
        }
    }
    if last == "references" || (last == "on" && lower.contains(&"index".to_owned())) {
        return tables(schema);
    }
    if let Some(alter) = lower.iter().position(|t| t == "alter") {
        if lower.get(alter + 1).map(String::as_str) == Some("table") {
            let rest: Vec<&String> =
                lower[alter + 2..].iter().filter(|t| !matches!(t.as_str(), "only" | "if" | "exists")).collect();
            if rest.is_empty() {
                return tables(schema);
            }
            let table_token =
                tokens[alter + 2..].iter().find(|t| !matches!(t.to_lowercase().as_str(), "only" | "if" | "exists"));
            if matches!(last, "column" | "drop" | "rename") || (last == "alter" && lower.len() > alter + 3) {
                if let Some(table) = table_token {
                    return columns_of(schema, table);
                }
            }
        }
    }
    Vec::new()
}

/// Words (with dots and double quotes) and parentheses and commas. A word still being typed,
/// with no separator after it, is not part of the context and is dropped.
fn tokens(before: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in before.chars() {
        if c.is_alphanumeric() || c == '_' || c == '.' || c == '"' {
            current.push(c);
        } else {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            if c == '(' || c == ')' || c == ',' {
                tokens.push(c.to_string());
            }
        }
    }
    tokens
}

fn tables(schema: &Schema) -> Vec<CompletionItem> {
    schema
        .tables()
        .iter()
        .map(|t| CompletionItem {
            label: t.name.name.to_string(),
            kind: CompletionKind::Table,
            detail: format!("table {}", t.name),
        })
        .collect()
}

fn columns_of(schema: &Schema, name: &str) -> Vec<CompletionItem> {
    let name = name.trim_matches('"');
    let short = name.rsplit('.').next().unwrap_or(name);
    let folded = schema.dialect.fold(short, false);
    schema
        .tables()
        .iter()
        .find(|t| t.name.name == folded || t.name.name == short)
        .map(|t| {
            t.columns
                .iter()
                .map(|c| CompletionItem {
                    label: c.name.to_string(),
                    kind: CompletionKind::Column,
                    detail: c.ty.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;

    const SCHEMA: &str = "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n\
                          CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n";

    fn labels(items: &[CompletionItem]) -> Vec<&str> {
        items.iter().map(|i| i.label.as_str()).collect()
    }

    fn complete(typed: &str) -> Vec<CompletionItem> {
        let analysis = analysis(&[("V1__init.sql", SCHEMA)]);
        let text = format!("{SCHEMA}{typed}");
        completion(&analysis, &text, text.len())
    }

    #[test]
    fn tables_follow_references() {
        let items = complete("ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES ");
        assert_eq!(labels(&items), ["customers", "orders"]);
        assert_eq!(items[0].kind, CompletionKind::Table);
        assert_eq!(items[0].detail, "table public.customers");
    }

    #[test]
    fn a_referenced_tables_columns_follow_its_parenthesis() {
        let items = complete("ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (");
        assert_eq!(labels(&items), ["id", "email"]);
        assert_eq!(items[0].kind, CompletionKind::Column);
        assert_eq!(items[0].detail, "bigint");
        // A closed parenthesis is not the context.
        assert!(complete("ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id) ").is_empty());
    }

    #[test]
    fn indexes_complete_tables_then_columns() {
        assert_eq!(labels(&complete("CREATE INDEX ON ")), ["customers", "orders"]);
        assert_eq!(labels(&complete("CREATE INDEX ON public.orders USING btree (")), ["id", "customer_id"]);
        // `ON` outside an index (`ON DELETE`) is not a table position.
        assert!(complete("CREATE TABLE x (y int REFERENCES customers ON ").is_empty());
    }

    #[test]
    fn alter_table_completes_tables_then_columns() {
        assert_eq!(labels(&complete("ALTER TABLE IF EXISTS ")), ["customers", "orders"]);
        assert_eq!(labels(&complete("ALTER TABLE \"orders\" DROP COLUMN ")), ["id", "customer_id"]);
        assert_eq!(labels(&complete("ALTER TABLE ONLY Orders ALTER ")), ["id", "customer_id"]);
        assert!(complete("ALTER TABLE orders ADD ").is_empty());
    }

    #[test]
    fn the_word_being_typed_is_not_context_and_offsets_are_clamped() {
        assert_eq!(labels(&complete("CREATE INDEX ON ord")), ["customers", "orders"]);
        let analysis = analysis(&[("V1__init.sql", SCHEMA)]);
        assert!(completion(&analysis, "é", 1).is_empty());
        assert!(completion(&analysis, "ALTER TABLE ", 1000).len() == 2);
    }
}
