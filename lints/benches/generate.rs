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

/// A PostgreSQL schema of any size in which nearly every column is a finding, for timing and
/// sizing the output side (`SCHEMACAST_BENCH_SHAPE=findings`): per table, foreign keys no index
/// leads with (`missing-fk-index`, each with a fix), columns of a type too narrow for the key
/// they reference (`fk-type-mismatch`), money in floats, dates in text, padded `char(n)`
/// (`float-for-money`, `timestamp-as-text`, `char-padding`), in an order that wastes padding
/// (`column-padding`). About 145 bytes of SQL per finding, as in a large legacy schema.
pub fn many_findings(target_bytes: usize) -> String {
    const COMMENTED: [&str; 14] = [
        "active",
        "id",
        "ref_0_id",
        "ref_1_id",
        "ref_2_id",
        "ref_3_id",
        "ref_4_id",
        "ref_5_id",
        "unit_price",
        "tax_amount",
        "shipped_on",
        "created_at",
        "customer_name",
        "attempts",
    ];
    let mut sql = String::with_capacity(target_bytes + 4096);
    let mut table = 0usize;
    while sql.len() < target_bytes {
        let _ = writeln!(sql, "CREATE TABLE legacy.t_{table} (");
        let _ = writeln!(sql, "    active boolean NOT NULL,");
        let _ = writeln!(sql, "    id bigint PRIMARY KEY,");
        for reference in 0..6 {
            // The referenced tables exist (earlier ones), and their keys are bigint.
            let target = table.saturating_sub(reference + 1);
            let ty = if reference % 2 == 0 { "integer" } else { "bigint" };
            let _ = writeln!(sql, "    ref_{reference}_id {ty} NOT NULL REFERENCES legacy.t_{target} (id),");
        }
        let _ = writeln!(sql, "    unit_price real,");
        let _ = writeln!(sql, "    tax_amount float,");
        let _ = writeln!(sql, "    shipped_on text,");
        let _ = writeln!(sql, "    created_at varchar(32) NOT NULL,");
        let _ = writeln!(sql, "    customer_name char(50) NOT NULL,");
        let _ = writeln!(sql, "    attempts smallint NOT NULL,");
        let _ = writeln!(sql, "    updated_at timestamptz NOT NULL");
        let _ = writeln!(sql, ");");
        // Comments on every column, as a documented legacy schema has: statements that parse
        // and find nothing, so a finding comes every ~145 bytes.
        for column in COMMENTED {
            let _ = writeln!(
                sql,
                "COMMENT ON COLUMN legacy.t_{table}.{column} IS 'Kept as the legacy export writes it; see the data dictionary.';"
            );
        }
        sql.push('\n');
        table += 1;
    }
    sql
}
