//! TLS for `collect`, with rustls (no OpenSSL at run time). Each database follows its own
//! client's conventions in the URL: PostgreSQL libpq's `sslmode` and `sslrootcert`, MySQL's
//! `ssl-mode` and `ssl-ca`. The parameters are taken out of the URL here, since neither driver
//! understands all of them, and turned into a mode and a rustls configuration.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use percent_encoding::percent_decode_str;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verify {
    /// Encrypted, but any certificate is accepted (libpq's `prefer`/`require`, MySQL's
    /// `PREFERRED`/`REQUIRED`): protects against eavesdropping, not against impersonation.
    Nothing,
    /// Signed by the given CA; the name in it is not checked (`verify-ca`, `VERIFY_CA`).
    Chain,
    /// Signed by the given CA and issued for the host connected to, IP addresses included
    /// (`verify-full`, `VERIFY_IDENTITY`).
    ChainAndName,
}

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PgSslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A PostgreSQL URL's TLS settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PostgresTls {
    pub mode: PgSslMode,
    pub verify: Verify,
    pub root_cert: Option<PathBuf>,
}

/// MySQL's `ssl-mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MySqlSslMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

/// A MySQL URL's TLS settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct MySqlTls {
    pub mode: MySqlSslMode,
    pub ca: Option<PathBuf>,
}

/// libpq's default root certificate, `~/.postgresql/root.crt`, when it exists.
pub(super) fn default_root_cert() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".postgresql/root.crt")).filter(|p| p.is_file())
}

/// The URL without `sslmode` and `sslrootcert`, and the TLS settings they give. As in libpq,
/// `prefer` is the default, `require` with a root certificate verifies the chain, and the
/// verifying modes read `default_root` ([`default_root_cert`]) when no `sslrootcert` is named.
pub(super) fn postgres_settings(url: &str, default_root: Option<PathBuf>) -> anyhow::Result<(String, PostgresTls)> {
    let (rest, params) = take_params(url, &["sslmode", "sslrootcert"])?;
    let mode = match params[0].as_deref() {
        None | Some("prefer") => PgSslMode::Prefer,
        Some("disable") => PgSslMode::Disable,
        // libpq's `allow` tries without TLS first; plain first, then TLS, is what `prefer` does
        // the other way round, and a server that accepts both takes the plain connection.
        Some("allow") => PgSslMode::Prefer,
        Some("require") => PgSslMode::Require,
        Some("verify-ca") => PgSslMode::VerifyCa,
        Some("verify-full") => PgSslMode::VerifyFull,
        Some(other) => bail!(
            "invalid PostgreSQL URL: sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
        ),
    };
    let named = params[1].as_deref().map(PathBuf::from);
    if named.as_deref() == Some(Path::new("system")) {
        bail!(
            "sslrootcert=system is not supported: download the CA certificate your provider publishes and name it with \
             sslrootcert=PATH"
        );
    }
    let default_root = || default_root;
    let root_cert = match mode {
        PgSslMode::VerifyCa | PgSslMode::VerifyFull => Some(named.or_else(default_root).ok_or_else(|| {
            anyhow!(
                "sslmode={} needs the CA certificate that signed the server's: add sslrootcert=PATH to the URL \
                 (or put it at ~/.postgresql/root.crt)",
                params[0].as_deref().unwrap_or("")
            )
        })?),
        PgSslMode::Require => named.or_else(default_root),
        PgSslMode::Prefer | PgSslMode::Disable => named,
    };
    let verify = match mode {
        PgSslMode::VerifyFull => Verify::ChainAndName,
        PgSslMode::VerifyCa => Verify::Chain,
        PgSslMode::Require if root_cert.is_some() => Verify::Chain,
        _ => Verify::Nothing,
    };
    Ok((rest, PostgresTls { mode, verify, root_cert }))
}

/// The URL without `ssl-mode` and `ssl-ca` (also spelt with underscores), and the TLS settings
/// they give. As in the MySQL client, `PREFERRED` is the default, and `ssl-ca` without a mode
/// means `VERIFY_CA`.
pub(super) fn mysql_settings(url: &str) -> anyhow::Result<(String, MySqlTls)> {
    let (rest, params) = take_params(url, &["ssl-mode", "ssl-ca", "ssl_mode", "ssl_ca"])?;
    let mode = params[0].as_deref().or(params[2].as_deref()).map(str::to_ascii_uppercase);
    let ca = params[1].as_deref().or(params[3].as_deref()).map(PathBuf::from);
    let mode = match mode.as_deref() {
        None if ca.is_some() => MySqlSslMode::VerifyCa,
        None | Some("PREFERRED") => MySqlSslMode::Preferred,
        Some("DISABLED") => MySqlSslMode::Disabled,
        Some("REQUIRED") => MySqlSslMode::Required,
        Some("VERIFY_CA") => MySqlSslMode::VerifyCa,
        Some("VERIFY_IDENTITY") => MySqlSslMode::VerifyIdentity,
        Some(other) => bail!(
            "invalid MySQL URL: ssl-mode={other} is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, \
             VERIFY_IDENTITY"
        ),
    };
    if matches!(mode, MySqlSslMode::VerifyCa | MySqlSslMode::VerifyIdentity) && ca.is_none() {
        bail!("ssl-mode={} needs the CA certificate that signed the server's: add ssl-ca=PATH to the URL", mode.name());
    }
    if let Some(ca) = &ca {
        read_certificates(ca, "ssl-ca")?;
    }
    Ok((rest, MySqlTls { mode, ca }))
}

impl MySqlSslMode {
    pub(super) fn name(self) -> &'static str {
        match self {
            MySqlSslMode::Disabled => "DISABLED",
            MySqlSslMode::Preferred => "PREFERRED",
            MySqlSslMode::Required => "REQUIRED",
            MySqlSslMode::VerifyCa => "VERIFY_CA",
            MySqlSslMode::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }
}

/// The URL without the named query parameters, and each one's percent-decoded value (the last
/// one written wins). Key-value connection strings (`host=... sslmode=...`) work too.
fn take_params(url: &str, names: &[&str]) -> anyhow::Result<(String, Vec<Option<String>>)> {
    let mut values = vec![None; names.len()];
    let mut take = |pair: &str| -> anyhow::Result<bool> {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(index) = names.iter().position(|n| *n == key) else { return Ok(false) };
        let decoded = percent_decode_str(value)
            .decode_utf8()
            .with_context(|| format!("invalid URL: the value of `{key}` is not UTF-8 once decoded"))?;
        values[index] = Some(decoded.into_owned());
        Ok(true)
    };
    if !url.contains("://") {
        let mut kept = Vec::new();
        for pair in url.split_whitespace() {
            if !take(pair)? {
                kept.push(pair);
            }
        }
        return Ok((kept.join(" "), values));
    }
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let Some((path, query)) = base.split_once('?') else { return Ok((url.to_owned(), values)) };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if !take(pair)? {
            kept.push(pair);
        }
    }
    let mut rest = path.to_owned();
    if !kept.is_empty() {
        rest.push('?');
        rest.push_str(&kept.join("&"));
    }
    if let Some(fragment) = fragment {
        rest.push('#');
        rest.push_str(fragment);
    }
    Ok((rest, values))
}

/// The certificates of a PEM file, or an error naming the file, the URL parameter and the cause.
pub(super) fn read_certificates(path: &Path, parameter: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| anyhow!("cannot read {parameter}={shown}: {e}"))?;
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow!("{parameter}={shown} is not a PEM certificate file: {e:?}"))?;
    if certificates.is_empty() {
        bail!("{parameter}={shown} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
    }
    Ok(certificates)
}

/// ring, the one crypto provider this binary is built with.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client configuration that checks as much as `verify` says, against the CA
/// certificates in `root_cert` (required unless nothing is verified).
pub(super) fn client_config(
    verify: Verify,
    root_cert: Option<&Path>,
    parameter: &str,
) -> anyhow::Result<rustls::ClientConfig> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("cannot set TLS up: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match (verify, root_cert) {
        (Verify::Nothing, _) => Arc::new(AnyCertificate(provider())),
        (_, None) => bail!("verifying the server's certificate needs {parameter}=PATH"),
        (Verify::Chain | Verify::ChainAndName, Some(path)) => {
            let mut roots = RootCertStore::empty();
            for certificate in read_certificates(path, parameter)? {
                roots.add(certificate).map_err(|e| anyhow!("{parameter}={}: {e}", path.display()))?;
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| anyhow!("{parameter}={}: {e}", path.display()))?;
            if verify == Verify::Chain {
                Arc::new(AnyName(webpki))
            } else {
                webpki
            }
        }
    };
    Ok(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth())
}

/// Accepts any certificate, but still checks that the server holds its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Checks the chain to the CA and the dates, not the name (`verify-ca`).
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Why the TLS handshake failed, in words that say what to do, when `error` (or an error it
/// wraps) is rustls's. `ca` is the CA file the certificate was checked against.
pub(super) fn describe_failure(error: &(dyn std::error::Error + 'static), ca: Option<&Path>) -> Option<String> {
    let tls = find_rustls_error(error)?;
    let against = ca.map(|p| format!(" ({})", p.display())).unwrap_or_default();
    Some(match tls {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature) => {
            format!("the server's certificate is not signed by the CA certificate given{against}")
        }
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => "the server's certificate is not issued for the host in the URL; connect by a name or address the \
              certificate lists, or verify the CA only (verify-ca / VERIFY_CA)"
            .to_owned(),
        rustls::Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
            "the server's certificate has expired".to_owned()
        }
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => "the server's certificate is not valid yet (check the clocks)".to_owned(),
        rustls::Error::InvalidCertificate(other) => format!("the server's certificate was refused: {other:?}"),
        other => format!("the TLS handshake failed: {other}"),
    })
}

fn find_rustls_error<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // An io::Error's `source` skips the error it wraps; `get_ref` reaches it.
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|inner| find_rustls_error(inner)) {
                return Some(tls);
            }
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_parameters_leave_the_url_and_follow_libpq() {
        let (url, tls) = postgres_settings("postgres://u@h:5/db?sslmode=require&application_name=x", None).unwrap();
        assert_eq!(url, "postgres://u@h:5/db?application_name=x");
        assert_eq!((tls.mode, tls.verify), (PgSslMode::Require, Verify::Nothing));
        let (url, tls) = postgres_settings("postgres://u@h/db", None).unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(tls.mode, PgSslMode::Prefer);
        let (url, tls) =
            postgres_settings("postgres://h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem", None).unwrap();
        assert_eq!(url, "postgres://h/db");
        assert_eq!(tls.verify, Verify::ChainAndName);
        assert_eq!(tls.root_cert.as_deref(), Some(Path::new("/tmp/ca.pem")));
        let (_, tls) = postgres_settings("postgres://h/db?sslmode=require&sslrootcert=/ca.pem", None).unwrap();
        assert_eq!(tls.verify, Verify::Chain, "libpq: require with a root certificate verifies the chain");
        let (rest, tls) = postgres_settings("host=h sslmode=disable dbname=d", None).unwrap();
        assert_eq!((rest.as_str(), tls.mode), ("host=h dbname=d", PgSslMode::Disable));
        let error = postgres_settings("postgres://h/db?sslmode=strict", None).unwrap_err().to_string();
        assert!(error.contains("sslmode=strict is not one of"), "{error}");
    }

    #[test]
    fn verifying_modes_need_a_ca() {
        let error = postgres_settings("postgres://h/db?sslmode=verify-ca", None).unwrap_err().to_string();
        assert!(error.contains("sslrootcert=PATH"), "{error}");
        let error = mysql_settings("mysql://h/db?ssl-mode=VERIFY_IDENTITY").unwrap_err().to_string();
        assert!(error.contains("ssl-ca=PATH"), "{error}");
        let error = mysql_settings("mysql://h/db?ssl-mode=VERIFY_CA&ssl-ca=/no/such/ca.pem").unwrap_err().to_string();
        assert!(error.contains("cannot read ssl-ca=/no/such/ca.pem"), "{error}");
    }

    #[test]
    fn mysql_parameters_follow_the_mysql_client() {
        let (url, tls) = mysql_settings("mysql://root@h:3306/db?ssl-mode=required&prefer_socket=false").unwrap();
        assert_eq!(url, "mysql://root@h:3306/db?prefer_socket=false");
        assert_eq!(tls.mode, MySqlSslMode::Required);
        assert_eq!(mysql_settings("mysql://h/db").unwrap().1.mode, MySqlSslMode::Preferred);
        assert_eq!(mysql_settings("mysql://h/db?ssl_mode=DISABLED").unwrap().1.mode, MySqlSslMode::Disabled);
    }
}
