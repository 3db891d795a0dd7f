//! A deterministic, realistic PostgreSQL schema of any size: tables with a dozen columns of
//! mixed types, foreign keys inline and added later, secondary indexes, comments.

use std::fmt::Write;

pub fn schema(target_bytes: usize) -> String {
    const TYPES: [&str; 10] = [
        "integer NOT NULL",
        "bigint",
        "text NOT NULL",
        "varchar(255)",
        "timestamptz NOT NULL DEFAULT now()",
        "boolean NOT NULL DEFAULT false",
        "numeric(12, 2)",
        "jsonb",
        "uuid",
        "date",
    ];
    let mut sql = String::with_capacity(target_bytes + 4096);
    let mut table = 0usize;
    while sql.len() < target_bytes {
        let _ = writeln!(sql, "-- Table {table}: generated for the benchmark.");
        let _ = writeln!(sql, "CREATE TABLE app.table_{table} (");
        let _ = writeln!(sql, "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,");
        if table > 0 {
            let _ = writeln!(sql, "    parent_id bigint NOT NULL REFERENCES app.table_{} (id),", table / 2);
        }
        for column in 0..10 {
            let _ = writeln!(
                sql,
                "    column_{column}_{} {},",
                (table * 7 + column) % 13,
                TYPES[(table + column) % TYPES.len()]
            );
        }
        let _ = writeln!(sql, "    created_at timestamptz NOT NULL DEFAULT now()\n);");
        let _ = writeln!(sql, "CREATE INDEX table_{table}_created_idx ON app.table_{table} (created_at);");
        if table.is_multiple_of(3) && table > 0 {
            let _ =
                writeln!(sql, "CREATE INDEX table_{table}_parent_idx ON app.table_{table} (parent_id, created_at);");
        }
        if table % 4 == 1 {
            let _ = writeln!(sql, "ALTER TABLE ONLY app.table_{table} ADD COLUMN other_id bigint;");
            let _ = writeln!(
                sql,
                "ALTER TABLE ONLY app.table_{table} ADD CONSTRAINT table_{table}_other_fk FOREIGN KEY (other_id) REFERENCES app.table_{} (id);",
                table / 3
            );
        }
        sql.push('\n');
        table += 1;
    }
    sql
}
