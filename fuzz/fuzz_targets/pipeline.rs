//! Arbitrary bytes through split → parse → model → rules → fixes → the editor's queries, with
//! the invariants of `lints/tests/pipeline_check` (shared with the property tests). The first
//! byte picks the dialect (and where an edit removes a third of the text, checked through the
//! language server's cache); the rest, read as UTF-8 with invalid sequences replaced (as the CLI
//! refuses and the editor never sends them), is the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemacast_lints::Dialect;

#[path = "../../lints/tests/pipeline_check/mod.rs"]
mod pipeline_check;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let dialect = match first % 3 {
        0 => Dialect::Postgres,
        1 => Dialect::Mysql,
        _ => Dialect::Sqlite,
    };
    let text = String::from_utf8_lossy(rest);
    pipeline_check::check_document(&text, dialect);
    // The same text edited, through the language server's cache: a third of it, picked by the
    // first byte, removed.
    let third = text.len() / 3;
    let mut start = usize::from(first) * text.len() / 256;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + third).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    pipeline_check::check_edit(&text, &format!("{}{}", &text[..start], &text[end..]), dialect);
});
