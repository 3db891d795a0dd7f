//! `schemacast collect` over TLS, against throwaway PostgreSQL and MariaDB servers that refuse
//! plain connections (`tests/src/tls.rs`): every `sslmode` / `ssl-mode`, a certificate from an
//! unrelated CA, and a host name the certificate does not list. A refused certificate is one
//! stderr line naming the cause, exit 2, and the stats file untouched. Needs `openssl`,
//! PostgreSQL's `initdb`/`pg_ctl` and `mariadb-install-db`/`mariadbd` (`SCHEMACAST_TEST_TLS=1`).

use std::path::Path;

use schemacast_tests::tls::{Certificates, TlsMariadb, TlsPostgres};
use schemacast_tests::{project, run_in};

/// What a case expects: a snapshot appended, or a failure whose one line contains the text.
enum Expect {
    Collected,
    Refused(String),
}

/// Runs `collect` for each (URL, expectation) and checks the outcome and the stats file.
fn check_cases(cases: &[(String, Expect)]) {
    let dir = project(&[]);
    let stats = dir.path().join("s.jsonl");
    let lines = |path: &Path| std::fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0);
    for (url, expect) in cases {
        let before = std::fs::read(&stats).ok();
        let run = run_in(dir.path(), &["collect", "--url", url, "--stats", "s.jsonl"]);
        match expect {
            Expect::Collected => {
                assert_eq!(run.status, 0, "{url}: {}", run.stderr);
                let before_lines = before.as_ref().map_or(0, |b| String::from_utf8_lossy(b).lines().count());
                assert_eq!(lines(&stats), before_lines + 1, "{url}: one snapshot appended");
            }
            Expect::Refused(cause) => {
                assert_eq!(run.status, 2, "{url}: {}{}", run.stdout, run.stderr);
                assert_eq!(run.stderr.trim_end().lines().count(), 1, "{url}: one line:\n{}", run.stderr);
                assert!(run.stderr.contains(cause.as_str()), "{url}: expected `{cause}` in:\n{}", run.stderr);
                assert_eq!(std::fs::read(&stats).ok(), before, "{url}: the stats file changed");
            }
        }
    }
}

fn refused(cause: &str) -> Expect {
    Expect::Refused(cause.to_owned())
}

#[test]
#[cfg_attr(no_tls_servers, ignore = "SCHEMACAST_TEST_TLS is not set")]
fn postgres_over_tls_in_every_sslmode() {
    let certificates = Certificates::make();
    let server = TlsPostgres::start(&certificates);
    let (ca, other) = (certificates.ca.display().to_string(), certificates.other_ca.display().to_string());
    let not_signed = format!("not signed by the CA certificate given ({other})");
    let cases = [
        (server.url("127.0.0.1", "sslmode=disable"), refused("the server accepts only TLS connections")),
        // libpq's default, `prefer`: the server refuses plain connections, so this one is TLS.
        (server.url("127.0.0.1", ""), Expect::Collected),
        (server.url("127.0.0.1", "sslmode=require"), Expect::Collected),
        (server.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")), Expect::Collected),
        (server.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}")), Expect::Collected),
        // The certificate lists IP 127.0.0.1 only: the name `localhost` passes verify-ca only.
        (server.url("localhost", &format!("sslmode=verify-ca&sslrootcert={ca}")), Expect::Collected),
        (server.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}")), refused("not issued for the host")),
        (server.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={other}")), refused(&not_signed)),
        (server.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={other}")), refused(&not_signed)),
        // libpq: `require` with a root certificate verifies the chain.
        (server.url("127.0.0.1", &format!("sslmode=require&sslrootcert={other}")), refused(&not_signed)),
        (
            server.url("127.0.0.1", "sslmode=verify-full&sslrootcert=/no/such/ca.pem"),
            refused("cannot read sslrootcert=/no/such/ca.pem"),
        ),
        (server.url("127.0.0.1", "sslmode=verify-everything"), refused("sslmode=verify-everything is not one of")),
    ];
    check_cases(&cases);
}

#[test]
#[cfg_attr(no_tls_servers, ignore = "SCHEMACAST_TEST_TLS is not set")]
fn mariadb_over_tls_in_every_ssl_mode() {
    let certificates = Certificates::make();
    let server = TlsMariadb::start(&certificates);
    let (ca, other) = (certificates.ca.display().to_string(), certificates.other_ca.display().to_string());
    let not_signed = format!("not signed by the CA certificate given ({other})");
    let cases = [
        (server.url("127.0.0.1", "ssl-mode=DISABLED"), refused("drop ssl-mode=DISABLED")),
        // The MySQL client's default, PREFERRED.
        (server.url("127.0.0.1", ""), Expect::Collected),
        (server.url("127.0.0.1", "ssl-mode=REQUIRED"), Expect::Collected),
        (server.url("127.0.0.1", &format!("ssl-mode=VERIFY_CA&ssl-ca={ca}")), Expect::Collected),
        (server.url("127.0.0.1", &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")), Expect::Collected),
        (server.url("localhost", &format!("ssl-mode=VERIFY_CA&ssl-ca={ca}")), Expect::Collected),
        (server.url("localhost", &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}")), refused("not issued for the host")),
        (server.url("127.0.0.1", &format!("ssl-mode=VERIFY_CA&ssl-ca={other}")), refused(&not_signed)),
        (server.url("127.0.0.1", &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={other}")), refused(&not_signed)),
        // As in the MySQL client, a CA without a mode means VERIFY_CA.
        (server.url("127.0.0.1", &format!("ssl-ca={other}")), refused(&not_signed)),
        (server.url("127.0.0.1", "ssl-mode=VERIFY_CA"), refused("needs the CA certificate")),
        (server.url("127.0.0.1", "ssl-mode=SOMETIMES"), refused("ssl-mode=SOMETIMES is not one of")),
    ];
    check_cases(&cases);
}
