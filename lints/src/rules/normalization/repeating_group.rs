use std::collections::BTreeMap;

use crate::rules::types::name_words;
use crate::rules::{declare_rule, Ctx, Rule};
use crate::schema::{Column, Table};

declare_rule! {
    /// ## What it does
    /// Flags a repeating group: three or more columns of one table that share a stem and differ
    /// by a number or an ordinal (`phone1, phone2, phone3`; `tag_1` … `tag_5`;
    /// `first_choice, second_choice, third_choice`), or two when the stem is a noun that is
    /// usually plural (phone, email, tag, image, skill, …). The message says whether the
    /// numbering has gaps and whether the columns' types differ.
    ///
    /// Not flagged: the lines of one address (`address_line1, address_line2`), coordinates
    /// (`x, y, z`, `x1, y1, x2, y2`), timestamps (`created_at, updated_at`), and names whose
    /// number is part of a standard (`md5`, `sha1`, `sha256`, `ipv4`, `utf8`, `base64`, `int8`).
    /// More stems can be exempted in schemacast.toml:
    ///
    /// ```toml
    /// [normalization]
    /// not-repeating-groups = ["level", "tier"]   # level1, level2, level3 are distinct things
    /// ```
    ///
    /// ## Why is this bad?
    /// The columns hold several values of one attribute, which breaks first normal form. The
    /// number of values is fixed by the schema, so a fourth phone number needs a migration;
    /// searching means `WHERE phone1 = $1 OR phone2 = $1 OR phone3 = $1`, which one index cannot
    /// serve; and most rows carry empty slots.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE contacts (id bigint PRIMARY KEY, name text, phone1 text, phone2 text, phone3 text);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE contacts (id bigint PRIMARY KEY, name text);
    /// CREATE TABLE contact_phones (
    ///     contact_id bigint NOT NULL REFERENCES contacts (id),
    ///     position smallint NOT NULL,
    ///     phone text NOT NULL,
    ///     PRIMARY KEY (contact_id, position)
    /// );
    /// ```
    ///
    /// ## Fix safety
    /// No fix: moving the values needs a data migration.
    ///
    /// ## Known problems
    /// A fixed, meaningful set of slots (`home_phone`, `work_phone`) is not a repeating group and
    /// is not flagged, but numbered slots with distinct meanings are; suppress those with
    /// `-- schemacast: ignore repeating-group`.
    pub(crate) struct RepeatingGroup {
        name: "repeating-group",
        family: Normalization,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "numbered or ordinal columns holding one attribute (`phone1, phone2, phone3`)",
    }
}

/// Nouns whose columns are numbered because there are usually several: two of them suffice.
const PLURAL_NOUNS: &[&str] = &[
    "phone", "email", "tag", "image", "photo", "picture", "attachment", "skill", "language", "interest",
    "category", "keyword", "label", "alias", "hobby", "child", "contact", "url", "link", "option", "answer",
    "choice", "item", "file", "document", "reference", "referee", "author", "guardian", "recipient",
];

/// Stems whose numbered columns are parts of one value or a standard's name, not a group.
const NOT_A_GROUP: &[&str] = &[
    "address", "line", "street", "md", "sha", "crc", "blake", "ripemd", "xxh", "murmur", "ipv", "ip", "utf",
    "base", "int", "float", "oauth", "h", "mp", "s", "v", "x", "y", "z", "lat", "lng", "lon", "long", "latitude",
    "longitude", "rgb", "argb", "rgba", "hsl", "sec", "p", "q", "utm", "iso", "ean", "isbn", "upc", "level",
];

const ORDINALS: &[&str] =
    &["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

/// A numbered column: its stem and its position.
struct Slot<'t> {
    column: &'t Column,
    position: u32,
}

/// `phone1`, `phone_1`, `phone_01` → (`phone`, 1); `first_choice` → (`choice`, 1). Positions
/// above 20 are bit widths and years, not slots.
fn slot_of(name: &str) -> Option<(String, u32)> {
    let lower = name.to_lowercase();
    let digits_at = lower.len() - lower.chars().rev().take_while(char::is_ascii_digit).count();
    if digits_at < lower.len() && digits_at > 0 {
        let position: u32 = lower[digits_at..].parse().ok()?;
        let stem = lower[..digits_at].trim_end_matches(['_', '-']);
        let letters = stem.chars().filter(char::is_ascii_alphabetic).count();
        return ((1..=20).contains(&position) && letters >= 1).then(|| (stem.to_owned(), position));
    }
    let words = name_words(name);
    let first = words.first()?;
    let position = ORDINALS.iter().position(|o| o == first)? as u32 + 1;
    (words.len() >= 2).then(|| (words[1..].join("_"), position))
}

/// The last word of a stem (`home_phone` → `phone`).
fn stem_noun(stem: &str) -> &str {
    stem.rsplit(['_', '-']).next().unwrap_or(stem)
}

impl Rule for RepeatingGroup {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let mut groups: BTreeMap<String, Vec<Slot<'_>>> = BTreeMap::new();
        for column in &table.columns {
            if let Some((stem, position)) = slot_of(&column.name) {
                groups.entry(stem).or_default().push(Slot { column, position });
            }
        }
        // Report in column order, not in the order of the stems.
        let mut found: Vec<(String, Vec<Slot<'_>>)> = groups
            .into_iter()
            .filter(|(stem, slots)| is_a_group(stem, slots, &ctx.settings.not_repeating_groups))
            .collect();
        found.sort_by_key(|(_, slots)| slots.first().map(|s| s.column.name_loc.range.start));
        for (stem, slots) in found {
            report(ctx, table, &stem, &slots);
        }
    }
}

fn is_a_group(stem: &str, slots: &[Slot<'_>], exempt: &[String]) -> bool {
    let noun = stem_noun(stem);
    let exempted = |name: &str| NOT_A_GROUP.contains(&name) || exempt.iter().any(|e| e == name);
    if exempted(stem) || exempted(noun) || stem.ends_with("address_line") {
        return false;
    }
    let mut positions: Vec<u32> = slots.iter().map(|s| s.position).collect();
    positions.sort_unstable();
    positions.dedup();
    let needed = if PLURAL_NOUNS.contains(&noun) || PLURAL_NOUNS.contains(&noun.trim_end_matches('s')) { 2 } else { 3 };
    positions.len() >= needed
}

fn report(ctx: &mut Ctx<'_>, table: &Table, stem: &str, slots: &[Slot<'_>]) {
    let names: Vec<String> = slots.iter().map(|s| format!("`{}`", s.column.name)).collect();
    let mut positions: Vec<u32> = slots.iter().map(|s| s.position).collect();
    positions.sort_unstable();
    let (low, high) = (positions[0], positions[positions.len() - 1]);
    let gaps: Vec<String> = (low..=high).filter(|p| !positions.contains(p)).map(|p| p.to_string()).collect();
    let numbering = if gaps.is_empty() {
        format!("numbered {low} to {high} without gaps")
    } else {
        format!("numbered {low} to {high} with {} missing", gaps.join(", "))
    };
    let types: Vec<String> = slots.iter().map(|s| s.column.ty.to_string()).collect();
    let typing = if types.iter().all(|t| *t == types[0]) {
        format!("all `{}`", types[0])
    } else {
        let listed: Vec<String> =
            slots.iter().map(|s| format!("`{}` {}", s.column.name, s.column.ty)).collect();
        format!("of different types ({})", listed.join(", "))
    };
    let parent = table.name.name.trim_end_matches('s');
    let child = format!("{}_{}s", parent, stem_noun(stem).trim_end_matches('s'));
    let message = format!(
        "{} of `{}` hold one attribute in numbered columns, a repeating group (first normal form): {numbering}, {typing}",
        names.join(", "),
        table.name.name
    );
    let location = slots[0].column.name_loc;
    ctx.report(location, message).help(format!(
        "move them to a child table `{child} ({parent}_id, position, {})`, one row per value",
        stem_noun(stem)
    ));
}

#[cfg(test)]
mod tests {
    use super::slot_of;

    #[test]
    fn slots_are_numbered_or_ordinal_suffixes() {
        assert_eq!(slot_of("phone1"), Some(("phone".to_owned(), 1)));
        assert_eq!(slot_of("tag_03"), Some(("tag".to_owned(), 3)));
        assert_eq!(slot_of("second_choice"), Some(("choice".to_owned(), 2)));
        assert_eq!(slot_of("sha256"), None, "a bit width, not a slot");
        assert_eq!(slot_of("created_at"), None);
        assert_eq!(slot_of("2fa_secret"), None);
    }
}
