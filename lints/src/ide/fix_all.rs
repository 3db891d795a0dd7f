//! "Fix all": the safe fixes of a file's findings whose edits do not overlap.

use crate::text::FileId;
use crate::{Analysis, Applicability, Edit};

/// Every edit of the file's safe fixes, in the findings' order. A fix with an edit that touches
/// text an earlier fix already edits is left out whole, for a second pass; an empty (inserting)
/// edit counts as one byte wide, so two insertions at one offset clash too.
pub fn fix_all(analysis: &Analysis, file: FileId) -> Vec<Edit> {
    let mut edits: Vec<&Edit> = Vec::new();
    for d in analysis.diagnostics.iter().filter(|d| d.location.file == file) {
        for fix in d.fixes.iter().filter(|f| f.applicability == Applicability::Safe) {
            let clash = fix.edits.iter().any(|e| edits.iter().any(|o| clashes(o, e)));
            if !clash {
                edits.extend(fix.edits.iter());
            }
        }
    }
    edits.into_iter().cloned().collect()
}

fn clashes(a: &Edit, b: &Edit) -> bool {
    a.location.file == b.location.file
        && a.location.range.start < b.location.range.end.max(b.location.range.start + 1)
        && b.location.range.start < a.location.range.end.max(a.location.range.start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Fix, Severity};
    use crate::ide::test_support::analysis;
    use crate::text::{FileId, Location, TextRange};

    fn edit(file: u32, start: usize, end: usize, text: &str) -> Edit {
        Edit { location: Location::new(FileId(file), TextRange::new(start, end)), text: text.to_owned() }
    }

    fn finding(file: u32, fixes: Vec<Fix>) -> Diagnostic {
        Diagnostic {
            rule: "missing-fk-index",
            severity: Severity::Warning,
            location: Location::new(FileId(file), TextRange::new(0, 1)),
            message: String::new(),
            help: None,
            fixes,
        }
    }

    #[test]
    fn overlapping_and_unsafe_fixes_are_left_out() {
        let mut analysis = analysis(&[("V1__a.sql", "SELECT 1;\n"), ("V2__b.sql", "SELECT 2;\n")]);
        analysis.diagnostics = vec![
            finding(0, vec![Fix::safe("a", vec![edit(0, 2, 5, "x")])]),
            // Overlaps the first: left for a second pass, with its other edit.
            finding(0, vec![Fix::safe("b", vec![edit(0, 8, 8, "y"), edit(0, 4, 6, "z")])]),
            // Touching (ends where the first starts) is fine.
            finding(0, vec![Fix::safe("c", vec![edit(0, 0, 2, "w")])]),
            finding(0, vec![Fix::unsafe_edit("d", vec![edit(0, 9, 9, "u")])]),
            // Inserting where an earlier insertion goes clashes.
            finding(0, vec![Fix::safe("e", vec![edit(0, 7, 7, "p")]), Fix::safe("f", vec![edit(0, 7, 7, "q")])]),
            // Another file's findings are not this file's to fix.
            finding(1, vec![Fix::safe("g", vec![edit(1, 0, 1, "v")])]),
        ];
        assert_eq!(fix_all(&analysis, FileId(0)), [edit(0, 2, 5, "x"), edit(0, 0, 2, "w"), edit(0, 7, 7, "p")]);
        assert_eq!(fix_all(&analysis, FileId(1)), [edit(1, 0, 1, "v")]);
        assert!(fix_all(&analysis, FileId(2)).is_empty());
    }

    #[test]
    fn a_missing_foreign_key_index_is_fixed() {
        let text = "CREATE TABLE a (id bigint PRIMARY KEY);\n\
                    CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id));\n";
        let analysis = analysis(&[("schema.sql", text)]);
        let edits = fix_all(&analysis, FileId(0));
        assert_eq!(edits.len(), 1, "{edits:?}");
        assert!(edits[0].text.contains("CREATE INDEX"), "{}", edits[0].text);
    }
}
