//! Throwaway database servers that accept TLS connections only, on free loopback ports, with
//! certificates made at test time: a CA, a server certificate it signs for IP 127.0.0.1 (and no
//! host name), and an unrelated second CA. PostgreSQL runs from `initdb`/`pg_ctl` (as the
//! `postgres` user when the tests run as root), MariaDB from `mariadb-install-db`/`mariadbd`
//! with `--require-secure-transport=ON`. Each server stops when its value is dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The certificates of one test run, as PEM files.
pub struct Certificates {
    _dir: TempDir,
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Certificates {
    /// Makes the certificates with the `openssl` command.
    pub fn make() -> Certificates {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        for (name, subject) in [("ca", "/CN=schemacast test CA"), ("other", "/CN=unrelated test CA")] {
            run(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]).args([
                "-subj".as_ref(),
                subject.as_ref(),
                "-keyout".as_ref(),
                path(&format!("{name}.key")).as_os_str(),
                "-out".as_ref(),
                path(&format!("{name}.pem")).as_os_str(),
            ]));
        }
        run(Command::new("openssl").args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"]).args([
            "-keyout".as_ref(),
            path("server.key").as_os_str(),
            "-out".as_ref(),
            path("server.csr").as_os_str(),
        ]));
        std::fs::write(
            path("server.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(Command::new("openssl").args(["x509", "-req", "-days", "2", "-CAcreateserial"]).args([
            "-in".as_ref(),
            path("server.csr").as_os_str(),
            "-CA".as_ref(),
            path("ca.pem").as_os_str(),
            "-CAkey".as_ref(),
            path("ca.key").as_os_str(),
            "-extfile".as_ref(),
            path("server.ext").as_os_str(),
            "-out".as_ref(),
            path("server.pem").as_os_str(),
        ]));
        Certificates {
            ca: path("ca.pem"),
            other_ca: path("other.pem"),
            server_cert: path("server.pem"),
            server_key: path("server.key"),
            _dir: dir,
        }
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap()
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Waits until something accepts connections on the port.
fn wait_for_port(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A PostgreSQL cluster of its own that rejects every connection without TLS.
pub struct TlsPostgres {
    dir: TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl TlsPostgres {
    pub fn start(certificates: &Certificates) -> TlsPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| versions.filter_map(Result::ok).map(|v| v.path().join("bin")).max())
            .filter(|bin| bin.join("initdb").is_file())
            .unwrap_or_default();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        for (from, to) in [(&certificates.server_cert, "server.pem"), (&certificates.server_key, "server.key")] {
            std::fs::copy(from, dir.path().join(to)).unwrap();
        }
        let root = running_as_root();
        let as_owner = |program: &str| {
            let program = bin.join(program);
            if root {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(program);
                command
            } else {
                Command::new(program)
            }
        };
        if root {
            run(Command::new("chown").args(["-R", "postgres"]).arg(dir.path()));
        }
        run(Command::new("chmod").arg("600").arg(dir.path().join("server.key")));
        run(as_owner("initdb").args(["-A", "trust", "-U", "postgres", "-D"]).arg(&data).stdout(Stdio::null()));
        let port = free_port();
        let settings = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\nssl = on\n\
             ssl_cert_file = '{dir}/server.pem'\nssl_key_file = '{dir}/server.key'\nfsync = off\n",
            dir = dir.path().display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(&settings);
        std::fs::write(&conf, text).unwrap();
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
        let log = dir.path().join("log");
        run(as_owner("pg_ctl").arg("-D").arg(&data).arg("-l").arg(&log).args(["-w", "start"]).stdout(Stdio::null()));
        wait_for_port(port, "PostgreSQL", &log);
        TlsPostgres { dir, bin, port }
    }

    /// A URL of the `postgres` database with the given query string (`sslmode=...&...`).
    pub fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{query}", self.port)
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.path().join("data");
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(pg_ctl);
            command
        } else {
            Command::new(pg_ctl)
        };
        let _ = command.arg("-D").arg(data).args(["-m", "immediate", "stop"]).output();
    }
}

/// A MariaDB server of its own with `--require-secure-transport=ON`.
pub struct TlsMariadb {
    _dir: TempDir,
    child: Child,
    pub port: u16,
}

impl TlsMariadb {
    pub fn start(certificates: &Certificates) -> TlsMariadb {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let root = running_as_root();
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .stdout(Stdio::null());
        if root {
            install.arg("--user=root");
        }
        run(&mut install);
        let port = free_port();
        let log = dir.path().join("log");
        let mut server = Command::new("mariadbd");
        server
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={port}"))
            .arg(format!("--socket={}", dir.path().join("socket").display()))
            .arg(format!("--log-error={}", log.display()))
            .args(["--bind-address=127.0.0.1", "--skip-name-resolve", "--require-secure-transport=ON"])
            .arg(format!("--ssl-ca={}", certificates.ca.display()))
            .arg(format!("--ssl-cert={}", certificates.server_cert.display()))
            .arg(format!("--ssl-key={}", certificates.server_key.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if root {
            server.arg("--user=root");
        }
        let child = server.spawn().unwrap_or_else(|e| panic!("cannot start mariadbd: {e}"));
        wait_for_port(port, "MariaDB", &log);
        TlsMariadb { _dir: dir, child, port }
    }

    /// A URL of the `mysql` database (the only one a fresh server has) with the given query.
    pub fn url(&self, host: &str, query: &str) -> String {
        format!("mysql://root@{host}:{}/mysql?{query}", self.port)
    }
}

impl Drop for TlsMariadb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
