//! SNS HTTPS deliveries: message shape, signature verification (SignatureVersion 1 SHA1 / 2 SHA256, RSA).

use base64::Engine;
use serde::Deserialize;

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
    /// The certificate URL is not an https URL on `sns.<region>.amazonaws.com`.
    #[error("SigningCertURL {0:?} is not an https URL on sns.<region>.amazonaws.com")]
    CertUrl(String),
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

/// [`SnsFetcher`] over HTTPS.
#[derive(Debug, Clone, Default)]
pub struct HttpSnsFetcher {
    client: reqwest::Client,
}

#[async_trait::async_trait]
impl SnsFetcher for HttpSnsFetcher {
    async fn certificate(&self, url: &str) -> anyhow::Result<String> {
        Ok(self.client.get(url).send().await?.error_for_status()?.text().await?)
    }

    async fn confirm(&self, url: &str) -> anyhow::Result<()> {
        anyhow::ensure!(sns_host_url(url), "SubscribeURL is not an https URL on an SNS host");
        self.client.get(url).send().await?.error_for_status()?;
        Ok(())
    }
}

/// Whether `url` is https on `sns.<region>.amazonaws.com` (or `.com.cn`).
pub fn sns_host_url(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else { return false };
    let host = u.host_str().unwrap_or_default();
    let region_ok =
        |r: &str| !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let on_sns = [".amazonaws.com", ".amazonaws.com.cn"]
        .iter()
        .any(|suffix| host.strip_prefix("sns.").and_then(|h| h.strip_suffix(suffix)).is_some_and(region_ok));
    u.scheme() == "https" && u.port().is_none() && on_sns
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

/// Checks the certificate URL, fetches the certificate and verifies the RSA signature.
pub async fn verify(m: &SnsMessage, fetcher: &dyn SnsFetcher) -> Result<(), SnsError> {
    if !sns_host_url(&m.signing_cert_url) {
        return Err(SnsError::CertUrl(m.signing_cert_url.clone()));
    }
    if m.signature_version != "1" && m.signature_version != "2" {
        return Err(SnsError::Version(m.signature_version.clone()));
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
