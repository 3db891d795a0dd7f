//! Synthetic schemas and stats histories for the report's tests and its speed benchmark.

use std::fmt::Write as _;

/// One table of a synthetic history: `name` (quoted in the DDL, so any text works), rows at the
/// first snapshot and rows added per day.
pub struct GrowingTable {
    pub name: String,
    pub rows: f64,
    pub rows_per_day: f64,
    /// Bytes per row, measured.
    pub row_bytes: f64,
}

/// `CREATE TABLE` statements for `tables`, quoting names as PostgreSQL does.
pub fn schema(tables: &[GrowingTable]) -> String {
    let mut sql = String::new();
    for table in tables {
        let _ = writeln!(
            sql,
            "CREATE TABLE \"{}\" (id bigint PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL);",
            table.name.replace('"', "\"\"")
        );
    }
    sql
}

/// `days` daily snapshots ending on `last_day` (`YYYY-MM-DD` of the last one is computed from
/// 2026-11-28 backwards), with rows growing linearly plus a small deterministic wobble.
pub fn history(tables: &[GrowingTable], days: usize) -> String {
    let mut out = String::with_capacity(days * tables.len() * 110);
    // 2026-11-28 is day 20,785 since the epoch.
    let last = 20_785i64;
    for d in 0..days {
        let day = last - (days - 1 - d) as i64;
        let _ = write!(
            out,
            "{{\"format\":\"schemacast.stats/v1\",\"taken_at\":\"{}T02:00:00Z\",\"dialect\":\"postgres\",\"database\":\"synthetic\",\"tables\":[",
            civil(day)
        );
        for (i, table) in tables.iter().enumerate() {
            let wobble = (((d * 7 + i * 13) % 11) as f64 - 5.0) / 5.0 * table.rows_per_day * 0.3;
            let rows = (table.rows + table.rows_per_day * d as f64 + wobble).max(0.0).round();
            let heap = (rows * table.row_bytes * 0.7).round();
            let index = (rows * table.row_bytes * 0.3).round();
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"schema\":\"public\",\"name\":{},\"rows\":{rows},\"total_bytes\":{},\"table_bytes\":{heap},\"index_bytes\":{index}}}",
                json_string(&table.name),
                heap + index
            );
        }
        out.push_str("]}\n");
    }
    out
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (Howard Hinnant's civil-from-days).
fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil(0), "1970-01-01");
        assert_eq!(super::civil(20_785), "2026-11-28");
    }
}
