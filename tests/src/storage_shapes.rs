//! Table shapes loaded into a real PostgreSQL to hold the storage estimator to the server's own
//! sizes. Used by the `storage_accuracy` test (which asserts) and bench (which prints).

use std::path::Path;

use crate::{run_in, snapshots, TestDatabase};

pub struct Shape {
    pub name: &'static str,
    /// `CREATE TABLE`, as the DDL under test declares it, with any indexes the load then grows.
    pub table_sql: &'static str,
    pub load_sql: &'static str,
    /// Indexes built after the load, as a restore or a migration on existing data builds them.
    pub index_sql: &'static str,
}

/// Tables whose indexes exist before the load and grow by inserts in a known order. Also sized
/// without stats (rows from a planning annotation), where the DDL alone tells the order of the
/// indexes in `KNOWN_FROM_DDL`.
pub const INSERT_ORDERED: &[Shape] = &[
    Shape {
        name: "uuid_inserted",
        table_sql: "CREATE TABLE uuid_inserted (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), \
                    created_at timestamptz NOT NULL DEFAULT clock_timestamp(), n bigint NOT NULL); \
                    CREATE INDEX uuid_inserted_created_at_idx ON uuid_inserted (created_at);",
        load_sql: "INSERT INTO uuid_inserted (n) SELECT g FROM generate_series(1, 120000) g;",
        index_sql: "",
    },
    Shape {
        name: "desc_timestamps",
        table_sql: "CREATE TABLE desc_timestamps (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
                    happened_at timestamptz NOT NULL, payload int NOT NULL); \
                    CREATE INDEX desc_timestamps_happened_at_idx ON desc_timestamps (happened_at);",
        load_sql: "INSERT INTO desc_timestamps (happened_at, payload) \
                   SELECT timestamptz '2025-01-01' - g * interval '1 s', g FROM generate_series(1, 120000) g;",
        index_sql: "",
    },
    Shape {
        name: "cycling_tenants",
        table_sql: "CREATE TABLE cycling_tenants (tenant_id int NOT NULL, created_at timestamptz NOT NULL, id bigint NOT NULL, \
                    PRIMARY KEY (tenant_id, created_at, id)); \
                    CREATE INDEX cycling_tenants_tenant_created_idx ON cycling_tenants (tenant_id, created_at);",
        load_sql: "INSERT INTO cycling_tenants SELECT g % 100, timestamptz '2024-01-01' + g * interval '1 s', g \
                   FROM generate_series(1, 120000) g;",
        index_sql: "",
    },
];

/// Indexes of `INSERT_ORDERED` whose insert order the DDL tells (a random or ascending default,
/// an identity key); the others are sized as built without stats, and not held to a bound.
pub const KNOWN_FROM_DDL: &[&str] = &["uuid_inserted_pkey", "uuid_inserted_created_at_idx", "desc_timestamps_pkey"];

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
    /// Sized with the collected stats (else from the DDL and a planning annotation).
    pub with_stats: bool,
    /// Held to the bound: false for indexes whose insert order nothing tells.
    pub asserted: bool,
    pub estimated: u64,
    pub actual: u64,
    /// The leaf fill the index was sized with, and why.
    pub fill: Option<(f64, String)>,
}

impl Comparison {
    pub fn error(&self) -> f64 {
        (self.estimated as f64 - self.actual as f64) / self.actual as f64
    }
}

/// Loads every shape into `db`, collects, runs `schemacast forecast` with the stats (and, for
/// `INSERT_ORDERED`, without), and pairs each heap and index estimate with `pg_relation_size`.
///
/// The indexes of `SHAPES` with `index_sql` are built after the load: freshly built leaves are
/// 90% full whatever the key order, while `pg_stats.correlation` says how inserts will fill
/// them from then on. Their tables' correlations are left out of the stats, so the test holds
/// the build arithmetic to the server; the fill model is held to it by `INSERT_ORDERED`.
pub fn measure(db: &TestDatabase, work: &Path) -> Vec<Comparison> {
    let mut client = db.postgres_client();
    let mut ddl = String::new();
    let mut annotated = String::new();
    for shape in SHAPES.iter().chain(INSERT_ORDERED) {
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
    for shape in INSERT_ORDERED {
        annotated.push_str(&format!("-- schemacast: rows={ROWS}\n{}\n", shape.table_sql));
    }
    client.batch_execute("VACUUM ANALYZE").unwrap();
    std::fs::write(work.join("schema.sql"), &ddl).unwrap();
    std::fs::write(work.join("annotated.sql"), &annotated).unwrap();
    let collect = run_in(work, &["collect", "--url", &db.url, "--sample", "--stats", "stats.jsonl", "--quiet"]);
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    let mut lines = snapshots(&work.join("stats.jsonl"));
    assert_eq!(lines.len(), 1);
    let built_after_load: Vec<&str> = SHAPES.iter().filter(|s| !s.index_sql.is_empty()).map(|s| s.name).collect();
    let mut correlations = 0;
    for table in lines[0]["tables"].as_array_mut().expect("tables") {
        let built = table["name"].as_str().is_some_and(|n| built_after_load.contains(&n));
        for column in table["columns"].as_array_mut().into_iter().flatten() {
            if let Some(fields) = column.as_object_mut() {
                correlations += usize::from(fields.contains_key("correlation"));
                if built {
                    fields.remove("correlation");
                }
            }
        }
    }
    assert!(correlations > 0, "collect --sample recorded no correlation");
    std::fs::write(work.join("stats.jsonl"), format!("{}\n", lines[0])).unwrap();

    let mut actual = |relation: &str| -> u64 {
        let bytes: i64 = client.query_one("SELECT pg_relation_size($1::text::regclass)", &[&relation]).unwrap().get(0);
        bytes as u64
    };
    let mut comparisons = Vec::new();
    let runs: [(&[Shape], &[&str], bool); 2] = [
        (SHAPES, &["forecast", "schema.sql", "--stats", "stats.jsonl", "--format", "json"], true),
        (INSERT_ORDERED, &["forecast", "annotated.sql", "--format", "json"], false),
    ];
    for (base, args, with_stats) in runs {
        let forecast = run_in(work, args);
        assert_eq!(forecast.status, 0, "{}", forecast.stderr);
        let document = forecast.json();
        let shapes: Vec<&Shape> =
            if with_stats { base.iter().chain(INSERT_ORDERED).collect() } else { base.iter().collect() };
        for shape in shapes {
            let table = document["tables"]
                .as_array()
                .and_then(|t| t.iter().find(|t| t["name"] == shape.name))
                .unwrap_or_else(|| panic!("{} missing from forecast", shape.name));
            assert_eq!(table["rows_source"], if with_stats { "stats" } else { "annotation" }, "{}", shape.name);
            assert_eq!(table["rows_now"].as_u64(), Some(u64::from(ROWS)), "{}", shape.name);
            comparisons.push(Comparison {
                shape: shape.name,
                relation: shape.name.to_owned(),
                is_heap: true,
                with_stats,
                asserted: true,
                estimated: table["estimate"]["heap_bytes"].as_u64().unwrap(),
                actual: actual(shape.name),
                fill: None,
            });
            for index in table["estimate"]["indexes"].as_array().unwrap() {
                let name = index["name"].as_str().unwrap().to_owned();
                let fill =
                    index["leaf_fill"].as_f64().map(|f| (f, index["fill_reason"].as_str().unwrap_or("").to_owned()));
                assert!(fill.is_some(), "{name}: no leaf_fill in {index}");
                comparisons.push(Comparison {
                    shape: shape.name,
                    is_heap: false,
                    with_stats,
                    asserted: with_stats || KNOWN_FROM_DDL.contains(&name.as_str()),
                    estimated: index["bytes"].as_u64().unwrap(),
                    actual: actual(&name),
                    relation: name,
                    fill,
                });
            }
        }
    }
    comparisons
}

/// The comparison as a table for people.
pub fn render(comparisons: &[Comparison]) -> String {
    let mut out = format!(
        "{:<18} {:<38} {:<5} {:>12} {:>12} {:>8}  {}\n",
        "shape", "relation", "stats", "estimate", "actual", "error", "leaf fill"
    );
    for c in comparisons {
        let fill = c.fill.as_ref().map(|(f, why)| format!("{:.0}% {why}", f * 100.0)).unwrap_or_default();
        out.push_str(&format!(
            "{:<18} {:<38} {:<5} {:>12} {:>12} {:>+7.1}%{} {fill}\n",
            c.shape,
            if c.is_heap { format!("{} (heap)", c.relation) } else { c.relation.clone() },
            if c.with_stats { "yes" } else { "no" },
            c.estimated,
            c.actual,
            c.error() * 100.0,
            if c.asserted { " " } else { "*" },
        ));
    }
    out.push_str("* not held to a bound: nothing tells the insert order without stats\n");
    out
}
