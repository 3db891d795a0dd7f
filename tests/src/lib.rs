//! Runs the built `schemacast` binary for end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub use tempfile::TempDir;

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
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
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
