//! Reading a stats file: every well-formed snapshot, and a problem for every line that is not.

use std::collections::HashMap;
use std::fmt;

use jiff::Timestamp;

use super::snapshot::Snapshot;

/// The snapshots of one stats file, oldest first, and what was wrong with the lines left out.
#[derive(Clone, Debug, Default)]
pub struct StatsHistory {
    pub snapshots: Vec<Snapshot>,
    pub problems: Vec<StatsProblem>,
}

impl StatsHistory {
    pub fn latest(&self) -> Option<&Snapshot> {
        self.snapshots.last()
    }

    pub fn contains_time(&self, taken_at: Timestamp) -> bool {
        self.snapshots.binary_search_by(|s| s.taken_at.cmp(&taken_at)).is_ok()
    }
}

/// A line of a stats or CSV file that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsProblem {
    pub path: String,
    pub line: u32,
    pub message: String,
}

impl fmt::Display for StatsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Reads a stats file's text; `path` only names it in problems. Strict about each line (types,
/// format version, value ranges), lenient about fields it does not know, and never gives up on
/// the other lines because one is bad. Of two snapshots with the same `taken_at`, the first is
/// kept and the second reported.
pub fn read_history(text: &str, path: &str) -> StatsHistory {
    let text = &text[..without_torn_tail(text.as_bytes()).len()];
    let mut history = StatsHistory::default();
    let mut line_of_time: HashMap<Timestamp, u32> = HashMap::new();
    for (index, line) in text.split('\n').enumerate() {
        let number = index as u32 + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let problem = |message: String| StatsProblem { path: path.to_owned(), line: number, message };
        let snapshot: Snapshot = match serde_json::from_str(line) {
            Ok(snapshot) => snapshot,
            Err(error) => {
                let message = if error.is_eof() {
                    "incomplete snapshot (the line ends early; was a write interrupted?)".to_owned()
                } else {
                    format!("invalid snapshot: {error}")
                };
                history.problems.push(problem(message));
                continue;
            }
        };
        if let Err(message) = snapshot.validate() {
            history.problems.push(problem(message));
            continue;
        }
        if let Some(first) = line_of_time.get(&snapshot.taken_at) {
            history.problems.push(problem(format!(
                "duplicate taken_at {}: line {first} has a snapshot of the same instant; this one is ignored",
                snapshot.taken_at
            )));
            continue;
        }
        line_of_time.insert(snapshot.taken_at, number);
        history.snapshots.push(snapshot);
    }
    history.snapshots.sort_by_key(|s| s.taken_at);
    history
}

/// `text` without a last line that has no line break and is not whole JSON: a snapshot being
/// appended right now, or one a crash cut short. Writers put each snapshot and its line break
/// in one write, so only the last line can be torn; a whole last line without a break (a file
/// edited by hand) is kept.
pub fn without_torn_tail(text: &[u8]) -> &[u8] {
    if text.is_empty() || text.ends_with(b"\n") {
        return text;
    }
    let start = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let tail = &text[start..];
    let whole = tail.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<serde::de::IgnoredAny>(tail.trim_ascii_end()).is_ok();
    if whole {
        text
    } else {
        &text[..start]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_1: &str = r#"{"format":"schemacast.stats/v1","taken_at":"2026-01-02T00:00:00Z","tables":[{"schema":"public","name":"t","rows":10}]}"#;
    const GOOD_2: &str =
        r#"{"format":"schemacast.stats/v1","taken_at":"2026-01-01T00:00:00Z","future_field":{"x":1},"tables":[]}"#;

    #[test]
    fn a_torn_last_line_is_dropped_and_a_whole_one_without_a_break_kept() {
        let torn = format!("{GOOD_1}\n{}", &GOOD_2[..30]);
        assert_eq!(without_torn_tail(torn.as_bytes()), format!("{GOOD_1}\n").as_bytes());
        let history = read_history(&torn, "s.jsonl");
        assert_eq!((history.snapshots.len(), history.problems.len()), (1, 0), "{:?}", history.problems);
        let unbroken = format!("{GOOD_1}\n{GOOD_2}");
        assert_eq!(without_torn_tail(unbroken.as_bytes()), unbroken.as_bytes());
        assert_eq!(read_history(&unbroken, "s.jsonl").snapshots.len(), 2);
        assert_eq!(without_torn_tail(&GOOD_1.as_bytes()[..20]), b"");
        // A torn line followed by a break is a bad line like any other: reported.
        let broken_inside = format!("{}\n{GOOD_2}\n", &GOOD_1[..30]);
        assert_eq!(read_history(&broken_inside, "s.jsonl").problems.len(), 1);
    }

    #[test]
    fn keeps_good_lines_sorted_and_reports_bad_ones_by_line() {
        let text = format!(
            "{GOOD_1}\n\n{GOOD_2}\n{{\"format\":\"schemacast.stats/v1\",\"taken_at\":\"2026-01-03T00:00:00Z\",\"tables\":[{{\"schema\":\"public\",\"name\":\"t\",\"rows\":\"ten\"}}]}}\n{}\n",
            &GOOD_1[..40]
        );
        let history = read_history(&text, ".schemacast/stats.jsonl");
        let times: Vec<String> = history.snapshots.iter().map(|s| s.taken_at.to_string()).collect();
        assert_eq!(times, ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]);
        assert_eq!(history.problems.len(), 2, "{:?}", history.problems);
        assert_eq!(history.problems[0].line, 4);
        assert!(
            history.problems[0]
                .to_string()
                .starts_with(".schemacast/stats.jsonl:4: invalid snapshot: invalid type: string \"ten\""),
            "{}",
            history.problems[0]
        );
        assert_eq!(history.problems[1].line, 5);
        assert!(history.problems[1].message.contains("incomplete snapshot"), "{}", history.problems[1]);
    }

    #[test]
    fn reports_duplicate_instants_and_other_versions() {
        let text = format!("{GOOD_1}\n{GOOD_1}\n{}\n", GOOD_2.replace("stats/v1", "stats/v2"));
        let history = read_history(&text, "s.jsonl");
        assert_eq!(history.snapshots.len(), 1);
        assert_eq!(history.problems[0].to_string(), "s.jsonl:2: duplicate taken_at 2026-01-02T00:00:00Z: line 1 has a snapshot of the same instant; this one is ignored");
        assert_eq!(history.problems[1].line, 3);
        assert!(history.problems[1].message.contains("unsupported format `schemacast.stats/v2`"));
    }

    #[test]
    fn refuses_out_of_range_fractions_and_a_table_twice() {
        let fraction = r#"{"format":"schemacast.stats/v1","taken_at":"2026-01-01T00:00:00Z","tables":[{"schema":"s","name":"t","columns":[{"name":"c","null_frac":1.5}]}]}"#;
        let twice = r#"{"format":"schemacast.stats/v1","taken_at":"2026-01-02T00:00:00Z","tables":[{"schema":"s","name":"t"},{"schema":"s","name":"t"}]}"#;
        let history = read_history(&format!("{fraction}\n{twice}"), "s.jsonl");
        assert!(history.snapshots.is_empty());
        assert!(history.problems[0].message.contains("`null_frac` is 1.5"), "{}", history.problems[0]);
        assert!(history.problems[1].message.contains("`s.t` appears twice"), "{}", history.problems[1]);
    }
}
