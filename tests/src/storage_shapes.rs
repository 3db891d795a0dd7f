//! Table shapes loaded into a real PostgreSQL to hold the storage estimator to the server's own
//! sizes. Used by the `storage_accuracy` test (which asserts) and bench (which prints).

use std::path::Path;

use crate::{run_in, snapshots, TestDatabase};

pub struct Shape {
    pub name: &'static str,
    /// `CREATE TABLE`, as the DDL under test declares it.
    pub table_sql: &'static str,
    pub load_sql: &'static str,
    /// Indexes built after the load, as a restore or a migration on existing data builds them.
    pub index_sql: &'static str,
}

pub const ROWS: u32 = 120_000;

pub const SHAPES: &[Shape] = &[
    Shape {
        name: "narrow_ints",
        table_sql: "CREATE TABLE narrow_ints (id int PRIMARY KEY, a int NOT NULL, b smallint NOT NULL);",
        load_sql: "INSERT INTO narrow_ints SELECT g, g * 7, g % 1000 FROM generate_series(1, 120000) g;",
        index_sql: "",
    },
    Shape {
        name: "mixed_alignment",
        table_sql: "CREATE TABLE mixed_alignment (active boolean NOT NULL, id bigint PRIMARY KEY, kind smallint NOT NULL, \
                    amount int NOT NULL, seen_at timestamp NOT NULL, archived boolean NOT NULL, score double precision NOT NULL);",
        load_sql: "INSERT INTO mixed_alignment SELECT g % 2 = 0, g, g % 7, g * 3, timestamp '2024-01-01' + g * interval '1 minute', \
                   g % 5 = 0, g / 3.0 FROM generate_series(1, 120000) g;",
        index_sql: "",
    },
    Shape {
        name: "nullable_heavy",
        table_sql: "CREATE TABLE nullable_heavy (id bigint PRIMARY KEY, a int, b bigint, c text, d date, e smallint, \
                    f timestamptz, g boolean, h int, i text);",
        load_sql: "INSERT INTO nullable_heavy SELECT n, \
                   CASE WHEN n % 2 = 0 THEN n END, CASE WHEN n % 3 = 0 THEN n * 10 END, \
                   CASE WHEN n % 4 = 0 THEN 'note ' || n END, CASE WHEN n % 5 = 0 THEN date '2024-01-01' + n % 365 END, \
                   CASE WHEN n % 2 = 1 THEN (n % 100)::smallint END, CASE WHEN n % 7 < 3 THEN timestamptz '2024-01-01' + n * interval '1 s' END, \
                   CASE WHEN n % 3 = 1 THEN n % 2 = 0 END, CASE WHEN n % 10 < 8 THEN n END, CASE WHEN n % 9 = 0 THEN repeat('x', n % 40) END \
                   FROM generate_series(1, 120000) n;",
        index_sql: "",
    },
    Shape {
        name: "short_text",
        table_sql: "CREATE TABLE short_text (id bigint PRIMARY KEY, name text NOT NULL, code varchar(12) NOT NULL, city text NOT NULL);",
        load_sql: "INSERT INTO short_text SELECT g, 'customer ' || repeat('x', g % 17) || g, 'C' || lpad(g::text, 8, '0'), \
                   (ARRAY['Oslo', 'Lisbon', 'Berlin', 'Montevideo', 'Kyoto'])[1 + g % 5] FROM generate_series(1, 120000) g;",
        index_sql: "CREATE INDEX short_text_name_idx ON short_text (name); CREATE INDEX short_text_city_idx ON short_text (city);",
    },
    Shape {
        name: "long_text_toast",
        table_sql: "CREATE TABLE long_text_toast (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL);",
        load_sql: "INSERT INTO long_text_toast SELECT g, 'title ' || g, \
                   (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 120 + g % 80) i) FROM generate_series(1, 120000) g;",
        index_sql: "",
    },
    Shape {
        name: "uuid_timestamptz",
        table_sql: "CREATE TABLE uuid_timestamptz (id uuid NOT NULL, created_at timestamptz NOT NULL, user_id bigint NOT NULL);",
        load_sql: "INSERT INTO uuid_timestamptz SELECT gen_random_uuid(), timestamptz '2024-01-01' + g * interval '10 s', g % 5000 \
                   FROM generate_series(1, 120000) g;",
        index_sql: "ALTER TABLE uuid_timestamptz ADD PRIMARY KEY (id); \
                    CREATE INDEX uuid_timestamptz_created_at_idx ON uuid_timestamptz (created_at); \
                    CREATE INDEX uuid_timestamptz_user_id_idx ON uuid_timestamptz (user_id);",
    },
    Shape {
        name: "numeric_money",
        table_sql: "CREATE TABLE numeric_money (id bigint PRIMARY KEY, price numeric(12, 2) NOT NULL, quantity numeric(10, 3) NOT NULL, ratio numeric);",
        load_sql: "INSERT INTO numeric_money SELECT g, (g % 100000) / 100.0 + 1, g % 50 + 0.125, g / 7.0 FROM generate_series(1, 120000) g;",
        index_sql: "CREATE INDEX numeric_money_price_idx ON numeric_money (price);",
    },
    Shape {
        name: "composite_index",
        table_sql: "CREATE TABLE composite_index (tenant_id int NOT NULL, user_id int NOT NULL, created_at timestamptz NOT NULL, \
                    status smallint NOT NULL, PRIMARY KEY (tenant_id, user_id));",
        load_sql: "INSERT INTO composite_index SELECT g / 1200, g, timestamptz '2024-01-01' + g * interval '1 min', g % 5 \
                   FROM generate_series(1, 120000) g;",
        index_sql: "CREATE INDEX composite_index_tenant_created_idx ON composite_index (tenant_id, created_at); \
                    CREATE INDEX composite_index_status_idx ON composite_index (status);",
    },
];

/// One relation's estimate against the server.
pub struct Comparison {
    pub shape: &'static str,
    pub relation: String,
    pub is_heap: bool,
    pub estimated: u64,
    pub actual: u64,
}

impl Comparison {
    pub fn error(&self) -> f64 {
        (self.estimated as f64 - self.actual as f64) / self.actual as f64
    }
}

/// Loads every shape into `db`, collects, runs `schemacast forecast`, and pairs each heap and
/// index estimate with `pg_relation_size`.
pub fn measure(db: &TestDatabase, work: &Path) -> Vec<Comparison> {
    let mut client = db.postgres_client();
    let mut ddl = String::new();
    for shape in SHAPES {
        client.batch_execute(shape.table_sql).unwrap_or_else(|e| panic!("{}: {e}", shape.name));
        client.batch_execute(shape.load_sql).unwrap_or_else(|e| panic!("{}: {e}", shape.name));
        if !shape.index_sql.is_empty() {
            client.batch_execute(shape.index_sql).unwrap_or_else(|e| panic!("{}: {e}", shape.name));
        }
        ddl.push_str(shape.table_sql);
        ddl.push('\n');
        ddl.push_str(shape.index_sql);
        ddl.push('\n');
    }
    client.batch_execute("VACUUM ANALYZE").unwrap();
    std::fs::write(work.join("schema.sql"), &ddl).unwrap();
    let collect = run_in(work, &["collect", "--url", &db.url, "--sample", "--stats", "stats.jsonl", "--quiet"]);
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    assert_eq!(snapshots(&work.join("stats.jsonl")).len(), 1);
    let forecast = run_in(work, &["forecast", "schema.sql", "--stats", "stats.jsonl", "--format", "json"]);
    assert_eq!(forecast.status, 0, "{}", forecast.stderr);
    let document = forecast.json();
    let mut comparisons = Vec::new();
    for shape in SHAPES {
        let table = document["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == shape.name))
            .unwrap_or_else(|| panic!("{} missing from forecast", shape.name));
        assert_eq!(table["rows_source"], "stats", "{}", shape.name);
        assert_eq!(table["rows_now"].as_u64(), Some(u64::from(ROWS)), "{}", shape.name);
        let mut actual = |relation: &str| -> u64 {
            let bytes: i64 = client.query_one("SELECT pg_relation_size($1::text::regclass)", &[&relation]).unwrap().get(0);
            bytes as u64
        };
        comparisons.push(Comparison {
            shape: shape.name,
            relation: shape.name.to_owned(),
            is_heap: true,
            estimated: table["estimate"]["heap_bytes"].as_u64().unwrap(),
            actual: actual(shape.name),
        });
        for index in table["estimate"]["indexes"].as_array().unwrap() {
            let name = index["name"].as_str().unwrap().to_owned();
            comparisons.push(Comparison { shape: shape.name, is_heap: false, estimated: index["bytes"].as_u64().unwrap(), actual: actual(&name), relation: name });
        }
    }
    comparisons
}

/// The comparison as a table for people.
pub fn render(comparisons: &[Comparison]) -> String {
    let mut out = format!("{:<18} {:<34} {:>12} {:>12} {:>8}\n", "shape", "relation", "estimate", "actual", "error");
    for c in comparisons {
        out.push_str(&format!(
            "{:<18} {:<34} {:>12} {:>12} {:>+7.1}%\n",
            c.shape,
            if c.is_heap { format!("{} (heap)", c.relation) } else { c.relation.clone() },
            c.estimated,
            c.actual,
            c.error() * 100.0
        ));
    }
    out
}
