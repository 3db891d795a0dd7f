//! Runs the built `schemacast` binary for end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub use tempfile::TempDir;

pub mod history;
pub mod lsp;
pub mod storage_shapes;
pub mod tls;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Path to the `schemacast` binary: `SCHEMACAST_BIN` if set, else built once with cargo in the
/// profile these tests run in.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("SCHEMACAST_BIN") {
            return PathBuf::from(path);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build.current_dir(workspace_root()).args(["build", "--quiet", "-p", "schemacast", "--bin", "schemacast"]);
        let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
        if profile == "release" {
            build.arg("--release");
        }
        let status = build.status().expect("cargo can be started to build schemacast");
        assert!(status.success(), "building schemacast failed");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
        let target = if target.is_absolute() { target } else { workspace_root().join(target) };
        target.join(profile).join(format!("schemacast{}", std::env::consts::EXE_SUFFIX))
    })
}

/// The outcome of one run of the binary.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `schemacast ARGS` in `dir` with colour off.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the schemacast binary can be started");
    let run = Run::from(output);
    assert!(!run.stderr.contains("panicked"), "schemacast panicked:\n{}", run.stderr);
    run
}

/// Runs `schemacast ARGS` from the repository root.
pub fn run(args: &[&str]) -> Run {
    run_in(&workspace_root(), args)
}

/// A temporary directory holding `files` (relative path → text).
pub fn project(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory can be created");
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("fixture directories can be created");
        }
        std::fs::write(path, text).expect("fixture files can be written");
    }
    dir
}

/// The example shop's migrations (`examples/shop/*.sql`) copied to `shop/` in a temporary
/// directory, for tests that change them.
pub fn shop_copy() -> TempDir {
    let shop = workspace_root().join("examples/shop");
    let files: Vec<(String, String)> = std::fs::read_dir(&shop)
        .expect("examples/shop can be listed")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (format!("shop/{name}"), std::fs::read_to_string(&p).expect("examples/shop files can be read"))
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    project(&borrowed)
}

/// Tells the person running `cargo test` that a test did not run and why. Written straight to
/// the process's stderr, which the test harness does not capture, so it shows on a passing run.
pub fn announce_skip(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nSKIPPED {test}: {reason}");
}

/// Writes a measurement to the real stderr (not captured), for figures a test measures.
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `url` with its database (the path) replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    format!("{}/{database}{query}", &base[..path_start])
}

/// A database of its own for one test, on the server an environment variable names; dropped
/// when the test ends.
pub struct TestDatabase {
    pub name: String,
    /// URL of the new database.
    pub url: String,
    admin_url: String,
    kind: ServerKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ServerKind {
    Postgres,
    Mysql,
}

impl TestDatabase {
    /// A fresh PostgreSQL database, or `None` (announced) when `SCHEMACAST_TEST_PG_URL` is unset.
    pub fn postgres(test: &str) -> Option<TestDatabase> {
        Self::create(test, "SCHEMACAST_TEST_PG_URL", ServerKind::Postgres)
    }

    /// A fresh MySQL/MariaDB database, or `None` (announced) when `SCHEMACAST_TEST_MYSQL_URL` is unset.
    pub fn mysql(test: &str) -> Option<TestDatabase> {
        Self::create(test, "SCHEMACAST_TEST_MYSQL_URL", ServerKind::Mysql)
    }

    fn create(test: &str, variable: &str, kind: ServerKind) -> Option<TestDatabase> {
        let Some(admin_url) = std::env::var(variable).ok().filter(|v| !v.is_empty()) else {
            announce_skip(test, &format!("{variable} is not set (.ci/run sets it to the local server)"));
            return None;
        };
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let serial = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!(
            "sc_{}_{}_{serial}",
            test.chars().filter(char::is_ascii_alphanumeric).take(24).collect::<String>(),
            std::process::id()
        )
        .to_lowercase();
        let database = TestDatabase { url: with_database(&admin_url, &name), name, admin_url, kind };
        match kind {
            ServerKind::Postgres => {
                let mut admin = database.admin_postgres();
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {}", database.name))
                    .expect("old test database can be dropped");
                admin
                    .batch_execute(&format!("CREATE DATABASE {}", database.name))
                    .expect("test database can be created");
            }
            ServerKind::Mysql => {
                let mut admin = database.admin_mysql();
                use mysql::prelude::Queryable;
                admin
                    .query_drop(format!("DROP DATABASE IF EXISTS {0}", database.name))
                    .expect("old test database can be dropped");
                admin.query_drop(format!("CREATE DATABASE {0}", database.name)).expect("test database can be created");
            }
        }
        Some(database)
    }

    fn admin_postgres(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the PostgreSQL test server: {e}"))
    }

    fn admin_mysql(&self) -> mysql::Conn {
        let opts =
            mysql::Opts::from_url(&self.admin_url).unwrap_or_else(|e| panic!("bad SCHEMACAST_TEST_MYSQL_URL: {e}"));
        mysql::Conn::new(opts).unwrap_or_else(|e| panic!("cannot connect to the MySQL test server: {e}"))
    }

    /// A connection to the test's database.
    pub fn postgres_client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.name))
    }

    pub fn mysql_conn(&self) -> mysql::Conn {
        let opts = mysql::Opts::from_url(&self.url).unwrap_or_else(|e| panic!("bad URL: {e}"));
        mysql::Conn::new(opts).unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.name))
    }

    /// The URL with a password added, to show it never reaches output or files.
    pub fn url_with_password(&self, password: &str) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("", &self.url));
        match rest.split_once('@') {
            Some((user, host)) if !user.contains(':') => format!("{scheme}://{user}:{password}@{host}"),
            _ => self.url.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.kind {
            ServerKind::Postgres => {
                let mut admin = self.admin_postgres();
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            }
            ServerKind::Mysql => {
                use mysql::prelude::Queryable;
                let _ = self.admin_mysql().query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
            }
        }
    }
}

/// Runs `schemacast ARGS` in `dir` with extra environment variables.
pub fn run_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(binary());
    command.current_dir(dir).args(args).env("NO_COLOR", "1").env_remove("DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    let run = Run::from(command.output().expect("the schemacast binary can be started"));
    assert!(!run.stderr.contains("panicked"), "schemacast panicked:\n{}", run.stderr);
    run
}

/// The snapshots of a stats store, as JSON values: a JSON Lines file's lines (panics on a line
/// that is not JSON), or an SQLite store's whole snapshots in the order appended (panics on one
/// thinned to its table-level figures).
pub fn snapshots(path: &Path) -> Vec<serde_json::Value> {
    if path.extension().is_some_and(|e| e == "db" || e == "sqlite") {
        return sqlite_details(path)
            .iter()
            .map(|detail| serde_json::from_str(detail).unwrap_or_else(|e| panic!("{}: not JSON ({e})", path.display())))
            .collect();
    }
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: not JSON ({e}): {line:.200}", path.display(), i + 1))
        })
        .collect()
}

/// Everything a stats store holds as text: a JSON Lines file's text, or an SQLite store's
/// snapshots and names (for checks that no secret or text value reached it).
pub fn stats_text(path: &Path) -> String {
    if path.extension().is_some_and(|e| e == "db" || e == "sqlite") {
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return sqlite_details(path).join("\n") + "\n" + &String::from_utf8_lossy(&raw);
    }
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sqlite_details(path: &Path) -> Vec<String> {
    assert!(path.is_file(), "{}: no stats store", path.display());
    let connection = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut statement = connection.prepare("SELECT detail FROM snapshots ORDER BY id").unwrap();
    let details: Vec<Option<String>> =
        statement.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    details
        .into_iter()
        .enumerate()
        .map(|(i, d)| d.unwrap_or_else(|| panic!("{}: snapshot {} is thinned", path.display(), i + 1)))
        .collect()
}
