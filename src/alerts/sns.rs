//! SNS HTTPS deliveries: message shape, signature verification (SignatureVersion 1 SHA1 / 2 SHA256, RSA).
//!
//! A message is accepted only when its `SigningCertURL` is exactly `https://sns.<region>.amazonaws.com/<name>.pem`
//! (or `.amazonaws.com.cn`; no user info, port, query or fragment), its `Timestamp` lies within
//! [`MAX_AGE`] before and [`MAX_SKEW`] after now, and its signature verifies with that certificate. Certificates
//! are fetched with a timeout and cached by URL ([`CertCache`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::link::Region;

/// Oldest accepted message: SNS signs `Timestamp` once, so an older delivery is a replay or a retry past any
/// sensible delivery policy.
pub const MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Furthest accepted clock skew into the future.
pub const MAX_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// Longest wait for a signing certificate.
pub const CERT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fetched certificate is reused.
pub const CERT_TTL: Duration = Duration::from_secs(3600);
/// Largest accepted certificate, in bytes.
const MAX_CERT_BYTES: usize = 16 * 1024;
/// Certificates held at most (SNS rotates them rarely; the cache is emptied when full).
const MAX_CACHED: usize = 32;

/// An SNS HTTP(S) delivery.
#[derive(Debug, Clone, Deserialize)]
pub struct SnsMessage {
    /// `Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Message id.
    #[serde(rename = "MessageId")]
    pub message_id: String,
    /// Topic ARN.
    #[serde(rename = "TopicArn")]
    pub topic_arn: String,
    /// Subject (notifications only, optional).
    #[serde(rename = "Subject")]
    pub subject: Option<String>,
    /// Payload.
    #[serde(rename = "Message")]
    pub message: String,
    /// ISO timestamp.
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    /// Confirmation token.
    #[serde(rename = "Token")]
    pub token: Option<String>,
    /// Where to confirm a subscription.
    #[serde(rename = "SubscribeURL")]
    pub subscribe_url: Option<String>,
    /// `1` (SHA1) or `2` (SHA256).
    #[serde(rename = "SignatureVersion")]
    pub signature_version: String,
    /// Base64 RSA signature.
    #[serde(rename = "Signature")]
    pub signature: String,
    /// Certificate location.
    #[serde(rename = "SigningCertURL")]
    pub signing_cert_url: String,
}

/// Why an SNS message was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SnsError {
    /// The certificate URL is not `https://sns.<region>.amazonaws.com/<name>.pem`.
    #[error("SigningCertURL {0:?} is not https://sns.<region>.amazonaws.com/<name>.pem")]
    CertUrl(String),
    /// The message's `Timestamp` is unreadable or outside the accepted window.
    #[error("Timestamp {0:?} is not within one hour before now (or five minutes after); stale or replayed")]
    Stale(String),
    /// Unsupported signature version.
    #[error("SignatureVersion {0:?} is not supported (expected 1 or 2)")]
    Version(String),
    /// Certificate could not be fetched.
    #[error("could not fetch the SNS signing certificate: {0}")]
    Fetch(String),
    /// Certificate unreadable.
    #[error("SNS signing certificate is not a readable X.509 PEM: {0}")]
    Certificate(&'static str),
    /// Signature does not verify.
    #[error("SNS signature does not verify")]
    Signature,
}

/// Fetches signing certificates and confirms subscriptions (HTTP in production; a fake in tests).
#[async_trait::async_trait]
pub trait SnsFetcher: Send + Sync {
    /// The PEM certificate at `url` (already checked to be an SNS host).
    async fn certificate(&self, url: &str) -> anyhow::Result<String>;
    /// Visits `SubscribeURL`.
    async fn confirm(&self, url: &str) -> anyhow::Result<()>;
}

/// [`SnsFetcher`] over HTTPS: no redirects, a [`CERT_TIMEOUT`] per request, certificates of at most 16 KiB.
#[derive(Debug, Clone)]
pub struct HttpSnsFetcher {
    client: reqwest::Client,
}

impl Default for HttpSnsFetcher {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(CERT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self { client }
    }
}

#[async_trait::async_trait]
impl SnsFetcher for HttpSnsFetcher {
    async fn certificate(&self, url: &str) -> anyhow::Result<String> {
        anyhow::ensure!(cert_url(url), "SigningCertURL is not an SNS certificate URL");
        let body = self.client.get(url).send().await?.error_for_status()?.bytes().await?;
        anyhow::ensure!(body.len() <= MAX_CERT_BYTES, "the certificate is larger than {MAX_CERT_BYTES} bytes");
        Ok(String::from_utf8(body.to_vec())?)
    }

    async fn confirm(&self, url: &str) -> anyhow::Result<()> {
        anyhow::ensure!(sns_host_url(url), "SubscribeURL is not an https URL on an SNS host");
        self.client.get(url).send().await?.error_for_status()?;
        Ok(())
    }
}

/// A [`SnsFetcher`] that bounds each certificate fetch by a timeout and reuses certificates by URL for
/// [`CERT_TTL`]; failures are not cached.
pub struct CertCache {
    inner: Arc<dyn SnsFetcher>,
    timeout: Duration,
    certs: Mutex<HashMap<String, (Instant, String)>>,
}

impl CertCache {
    /// A cache over `inner` with the [`CERT_TIMEOUT`].
    pub fn new(inner: Arc<dyn SnsFetcher>) -> Self {
        Self::with_timeout(inner, CERT_TIMEOUT)
    }

    /// A cache over `inner` giving up on a fetch after `timeout`.
    pub fn with_timeout(inner: Arc<dyn SnsFetcher>, timeout: Duration) -> Self {
        Self { inner, timeout, certs: Mutex::new(HashMap::new()) }
    }
}

#[async_trait::async_trait]
impl SnsFetcher for CertCache {
    async fn certificate(&self, url: &str) -> anyhow::Result<String> {
        let cached = self.certs.lock().unwrap_or_else(|p| p.into_inner()).get(url).cloned();
        if let Some((_, pem)) = cached.filter(|(at, _)| at.elapsed() < CERT_TTL) {
            return Ok(pem);
        }
        let pem = tokio::time::timeout(self.timeout, self.inner.certificate(url))
            .await
            .map_err(|_| anyhow::anyhow!("no certificate within {} ms", self.timeout.as_millis()))??;
        let mut certs = self.certs.lock().unwrap_or_else(|p| p.into_inner());
        if certs.len() >= MAX_CACHED {
            certs.clear();
        }
        certs.insert(url.to_owned(), (Instant::now(), pem.clone()));
        Ok(pem)
    }

    async fn confirm(&self, url: &str) -> anyhow::Result<()> {
        tokio::time::timeout(self.timeout, self.inner.confirm(url))
            .await
            .map_err(|_| anyhow::anyhow!("SubscribeURL did not answer within {} ms", self.timeout.as_millis()))?
    }
}

/// The URL, when it is https on `sns.<region>.amazonaws.com` (or `.com.cn`) with a valid region and neither
/// user info nor a port.
fn on_sns_host(url: &str) -> Option<reqwest::Url> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?;
    let region = host
        .strip_prefix("sns.")
        .and_then(|h| h.strip_suffix(".amazonaws.com").or_else(|| h.strip_suffix(".amazonaws.com.cn")))?;
    let plain = u.username().is_empty() && u.password().is_none() && u.port().is_none();
    (u.scheme() == "https" && plain && Region::parse(region).is_some()).then_some(u)
}

/// Whether `url` is https on `sns.<region>.amazonaws.com` (or `.com.cn`), without user info or port (the
/// `SubscribeURL` check; its query carries the confirmation).
pub fn sns_host_url(url: &str) -> bool {
    on_sns_host(url).is_some()
}

/// Whether `url` is exactly `https://sns.<region>.amazonaws.com/<name>.pem` (or `.com.cn`): one path segment of
/// `A–Z a–z 0–9 - _ .` ending in `.pem`, no query, no fragment.
pub fn cert_url(url: &str) -> bool {
    let Some(u) = on_sns_host(url) else { return false };
    let name = u.path().strip_prefix('/').unwrap_or_default();
    let name_ok = name.len() > ".pem".len()
        && name.ends_with(".pem")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    name_ok && u.query().is_none() && u.fragment().is_none() && !url.contains(['?', '#'])
}

/// Whether `timestamp` lies within [`MAX_AGE`] before `now` and [`MAX_SKEW`] after it.
pub fn fresh(timestamp: &str, now: DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(timestamp)
        .map(|t| t.with_timezone(&Utc))
        .is_ok_and(|t| t >= now - MAX_AGE && t <= now + MAX_SKEW)
}

/// The string SNS signs for this message type.
pub fn canonical(m: &SnsMessage) -> String {
    let mut out = String::new();
    let mut add = |k: &str, v: &str| {
        out.push_str(k);
        out.push('\n');
        out.push_str(v);
        out.push('\n');
    };
    add("Message", &m.message);
    add("MessageId", &m.message_id);
    if m.kind == "Notification" {
        if let Some(s) = &m.subject {
            add("Subject", s);
        }
    } else {
        add("SubscribeURL", m.subscribe_url.as_deref().unwrap_or_default());
    }
    add("Timestamp", &m.timestamp);
    if m.kind != "Notification" {
        add("Token", m.token.as_deref().unwrap_or_default());
    }
    add("TopicArn", &m.topic_arn);
    add("Type", &m.kind);
    out
}

/// Checks the certificate URL, the signature version and the timestamp window (against `now`), then fetches the
/// certificate and verifies the RSA signature.
pub async fn verify(m: &SnsMessage, fetcher: &dyn SnsFetcher, now: DateTime<Utc>) -> Result<(), SnsError> {
    if !cert_url(&m.signing_cert_url) {
        return Err(SnsError::CertUrl(m.signing_cert_url.clone()));
    }
    if m.signature_version != "1" && m.signature_version != "2" {
        return Err(SnsError::Version(m.signature_version.clone()));
    }
    if !fresh(&m.timestamp, now) {
        return Err(SnsError::Stale(m.timestamp.clone()));
    }
    let pem = fetcher.certificate(&m.signing_cert_url).await.map_err(|e| SnsError::Fetch(format!("{e:#}")))?;
    verify_with_pem(m, &pem)
}

/// Verifies the signature of `m` with the certificate `pem`.
pub fn verify_with_pem(m: &SnsMessage, pem: &str) -> Result<(), SnsError> {
    let der = pem_body(pem).ok_or(SnsError::Certificate("no CERTIFICATE block"))?;
    let key = rsa_public_key(&der).ok_or(SnsError::Certificate("no RSA public key"))?;
    let sig = base64::engine::general_purpose::STANDARD.decode(m.signature.trim()).map_err(|_| SnsError::Signature)?;
    let alg: &dyn ring::signature::VerificationAlgorithm = match m.signature_version.as_str() {
        "1" => &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        "2" => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        other => return Err(SnsError::Version(other.to_owned())),
    };
    ring::signature::UnparsedPublicKey::new(alg, key)
        .verify(canonical(m).as_bytes(), &sig)
        .map_err(|_| SnsError::Signature)
}

fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN CERTIFICATE-----")? + "-----BEGIN CERTIFICATE-----".len();
    let end = pem[start..].find("-----END CERTIFICATE-----")? + start;
    let b64: String = pem[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The PKCS#1 RSAPublicKey inside an X.509 certificate's SubjectPublicKeyInfo.
fn rsa_public_key(cert: &[u8]) -> Option<&[u8]> {
    let (_, cert, _) = der(cert)?; // Certificate SEQUENCE
    let (_, mut tbs, _) = der(cert)?; // tbsCertificate SEQUENCE
    if tbs.first() == Some(&0xa0) {
        tbs = der(tbs)?.2; // [0] version
    }
    for _ in 0..5 {
        tbs = der(tbs)?.2; // serial, signature alg, issuer, validity, subject
    }
    let (_, spki, _) = der(tbs)?;
    let (_, _alg, rest) = der(spki)?;
    let (tag, bits, _) = der(rest)?;
    (tag == 0x03 && bits.first() == Some(&0)).then(|| &bits[1..])
}

#[cfg(test)]
#[path = "sns_tests.rs"]
mod tests;
