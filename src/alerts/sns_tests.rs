//! SNS signature tests against a locally generated key and self-signed certificate (see `fixtures/`).

use super::*;

const CERT: &str = include_str!("fixtures/sns_test_cert.pem");

fn load(name: &str) -> SnsMessage {
    let text = match name {
        "v1" => include_str!("fixtures/sns_notification_v1.json"),
        "v2" => include_str!("fixtures/sns_notification_v2.json"),
        _ => include_str!("fixtures/sns_confirmation_v2.json"),
    };
    serde_json::from_str(text).unwrap()
}

struct FixedCert;

#[async_trait::async_trait]
impl SnsFetcher for FixedCert {
    async fn certificate(&self, _url: &str) -> anyhow::Result<String> {
        Ok(CERT.to_owned())
    }
    async fn confirm(&self, _url: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

#[test]
fn sha1_and_sha256_signatures_from_the_test_key_verify() {
    verify_with_pem(&load("v1"), CERT).unwrap();
    verify_with_pem(&load("v2"), CERT).unwrap();
    verify_with_pem(&load("confirm"), CERT).unwrap();
}

#[test]
fn a_tampered_message_fails_verification() {
    let mut m = load("v2");
    m.message = m.message.replace("DeleteTrail", "CreateBucket");
    assert!(matches!(verify_with_pem(&m, CERT), Err(SnsError::Signature)));
    let mut m = load("v1");
    m.signature_version = "2".into();
    assert!(matches!(verify_with_pem(&m, CERT), Err(SnsError::Signature)));
}

#[tokio::test]
async fn certificates_are_only_fetched_from_sns_hosts_over_https() {
    for bad in [
        "http://sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com:8443/cert.pem",
    ] {
        let mut m = load("v1");
        m.signing_cert_url = bad.into();
        assert!(matches!(verify(&m, &FixedCert).await, Err(SnsError::CertUrl(_))), "{bad}");
    }
    verify(&load("v1"), &FixedCert).await.unwrap();
    assert!(sns_host_url("https://sns.cn-north-1.amazonaws.com.cn/x.pem"));
}

#[test]
fn unknown_signature_versions_are_rejected() {
    let mut m = load("v1");
    m.signature_version = "3".into();
    assert!(matches!(verify_with_pem(&m, CERT), Err(SnsError::Version(_))));
}
