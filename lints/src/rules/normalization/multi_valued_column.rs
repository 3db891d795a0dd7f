use crate::rules::types::{informative, name_only, name_words, share_of_sample, MIN_SHAPE_SAMPLE};
use crate::rules::{declare_rule, Ctx, Rule};
use crate::schema::{Column, Table};

declare_rule! {
    /// ## What it does
    /// Flags a text column that holds a list: several values joined by `,`, `;` or `|`, graded
    /// by the evidence:
    ///
    /// | evidence | severity |
    /// |---|---|
    /// | `collect --sample`: at least `multi-valued-share` (default 50%) of at least 100 sampled values are delimited lists | warning, with the share and sample size, whatever the name |
    /// | the sample says otherwise (under 1% of values are lists) | none, whatever the name |
    /// | the name alone says list (`tags`, `emails`, `categories`, `*_ids`, `*_list`, `*_csv`) | info, as a question |
    ///
    /// Arrays, JSON and `SET` columns are lists the database understands and are not flagged.
    ///
    /// ## Why is this bad?
    /// A list in a string breaks first normal form. The database cannot check its items (no
    /// foreign key from `'3,17,42'` to `users`), cannot index them for `WHERE tag = 'x'` (only
    /// `LIKE '%x%'`, which scans), and every change rewrites the whole string, racing with other
    /// writers.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE posts (id bigint PRIMARY KEY, title text, tags text, author_ids varchar(200));
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE posts (id bigint PRIMARY KEY, title text);
    /// CREATE TABLE post_tags (post_id bigint REFERENCES posts (id), tag text, PRIMARY KEY (post_id, tag));
    /// ```
    /// Or, in PostgreSQL, `tags text[]` with a GIN index when the items need no foreign key.
    ///
    /// ## Fix safety
    /// No fix: moving the values needs a data migration.
    pub(crate) struct MultiValuedColumn {
        name: "multi-valued-column",
        family: Normalization,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "text columns holding delimited lists (`a,b,c`): the sampled share as evidence, a list-like name alone as a question",
        thresholds: {
            LIST_SHARE: "multi-valued-share" = 0.5, fraction, minimum 0.01, maximum 1.0,
                "the share of sampled values that must be delimited lists for a finding without a list-like name";
        },
    }
}

/// Under this share of delimited values, a sample says the column is not a list.
const NOT_A_LIST: f64 = 0.01;

/// Plural nouns whose text columns usually hold lists.
const LIST_NAMES: &[&str] = &[
    "tags", "emails", "categories", "keywords", "roles", "permissions", "phones", "labels", "aliases", "skills",
    "languages", "interests", "attachments", "images", "urls", "recipients", "cc", "bcc", "scopes", "groups",
];

/// Whether the column's name says it holds a list.
fn named_like_a_list(column: &Column) -> bool {
    let words = name_words(&column.name);
    let Some(last) = words.last() else { return false };
    LIST_NAMES.contains(&last.as_str())
        || (words.len() >= 2 && matches!(last.as_str(), "ids" | "list" | "csv" | "codes" | "values"))
}

/// `categories` → `category`, `tags` → `tag`.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ses") || word.ends_with("xes") {
        word[..word.len() - 2].to_owned()
    } else {
        word.strip_suffix('s').unwrap_or(word).to_owned()
    }
}

fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{word}s")
    }
}

/// One item's column name: `author_ids` → `author_id`, `tag_list` → `tag`, `tags` → `tag`.
fn item_name(column: &str) -> String {
    let lower = column.to_lowercase();
    if let Some(stem) = lower.strip_suffix("_ids") {
        return format!("{stem}_id");
    }
    for suffix in ["_list", "_csv", "_codes", "_values"] {
        if let Some(stem) = lower.strip_suffix(suffix) {
            return singular(stem);
        }
    }
    singular(&lower)
}

impl Rule for MultiValuedColumn {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if !column.ty.is_text() {
            return;
        }
        let named = named_like_a_list(column);
        let rows = ctx.rows_now(table).map(|(rows, _)| rows);
        let sample = ctx
            .column_stats(table, &column.name)
            .filter(|s| informative(s, rows))
            .and_then(|s| s.shapes.as_ref())
            .filter(|shapes| shapes.checked >= MIN_SHAPE_SAMPLE)
            .map(|shapes| (shapes.list, shapes.checked));
        let threshold = ctx.threshold(&Self::LIST_SHARE);
        let parent = singular(&table.name.name);
        let item = item_name(&column.name);
        let help = format!(
            "move the items to a child table `{parent}_{} ({parent}_id, {item})`, one row per item, or use an array or JSON type the database can index",
            plural(item.strip_suffix("_id").unwrap_or(&item))
        );
        match sample {
            Some((share, checked)) if share >= threshold => {
                let message = format!(
                    "{} of `{}` are delimited lists (`,` `;` or `|`) in a `{}` column, against first normal form",
                    share_of_sample(share, checked),
                    column.name,
                    column.ty
                );
                ctx.report(column.name_loc, message).help(help);
            }
            Some((share, _)) if share < NOT_A_LIST => {}
            _ if named => {
                let message = format!(
                    "`{}` may hold a list in one `{}` value; if it does, the items cannot be checked or indexed",
                    column.name, column.ty
                );
                let diagnostic = ctx.report(column.name_loc, message).help(help);
                name_only(diagnostic);
            }
            _ => {}
        }
    }
}
