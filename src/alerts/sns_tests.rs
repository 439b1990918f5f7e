//! SNS signature tests against a locally generated key and self-signed certificate (see `fixtures/`).

use std::sync::atomic::{AtomicUsize, Ordering};

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

/// A minute after the fixtures were signed.
fn signed_at() -> DateTime<Utc> {
    "2026-11-22T01:01:00Z".parse().unwrap()
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
        assert!(matches!(verify(&m, &FixedCert, signed_at()).await, Err(SnsError::CertUrl(_))), "{bad}");
    }
    verify(&load("v1"), &FixedCert, signed_at()).await.unwrap();
    assert!(cert_url("https://sns.cn-north-1.amazonaws.com.cn/x.pem"));
}

#[test]
fn a_certificate_url_is_exactly_one_pem_file_on_an_sns_regional_host() {
    for good in [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.cn-northwest-1.amazonaws.com.cn/SimpleNotificationService-3242f6a4.pem",
        "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-a.pem",
    ] {
        assert!(cert_url(good), "{good}");
    }
    for bad in [
        "https://user:pw@sns.us-east-1.amazonaws.com/cert.pem",
        "https://user@sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com/cert.pem?x=1",
        "https://sns.us-east-1.amazonaws.com/cert.pem?",
        "https://sns.us-east-1.amazonaws.com/cert.pem#frag",
        "https://sns.us-east-1.amazonaws.com/dir/cert.pem",
        "https://sns.us-east-1.amazonaws.com/cert.txt",
        "https://sns.us-east-1.amazonaws.com/.pem",
        "https://sns.us-east-1.amazonaws.com/%2e%2e.pem",
        "https://sns.evil.amazonaws.com/cert.pem",
        "https://sns..amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com./cert.pem",
        "https://sqs.us-east-1.amazonaws.com/cert.pem",
    ] {
        assert!(!cert_url(bad), "{bad}");
    }
    assert!(sns_host_url("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"));
    assert!(!sns_host_url("https://attacker@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"));
}

#[tokio::test]
async fn messages_outside_the_timestamp_window_are_rejected_before_any_fetch() {
    let m = load("v2");
    let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
    let counting = Counting::default();
    for now in ["2026-11-22T02:00:02Z", "2026-11-23T01:00:00Z", "2026-11-22T00:54:00Z"] {
        assert!(matches!(verify(&m, &counting, at(now)).await, Err(SnsError::Stale(_))), "now {now}");
    }
    assert_eq!(counting.fetches.load(Ordering::SeqCst), 0);
    for now in ["2026-11-22T02:00:00Z", "2026-11-22T00:56:00Z", "2026-11-22T01:00:01Z"] {
        verify(&m, &FixedCert, at(now)).await.unwrap_or_else(|e| panic!("now {now}: {e}"));
    }
    let mut odd = load("v2");
    odd.timestamp = "yesterday".into();
    assert!(matches!(verify(&odd, &FixedCert, signed_at()).await, Err(SnsError::Stale(_))));
}

#[tokio::test]
async fn signature_version_2_verifies_end_to_end_through_the_fetcher() {
    verify(&load("v2"), &FixedCert, signed_at()).await.unwrap();
    verify(&load("confirm"), &FixedCert, signed_at()).await.unwrap();
}

/// Counts certificate fetches; answers after `delay`.
#[derive(Default)]
struct Counting {
    fetches: AtomicUsize,
    delay: Duration,
}

#[async_trait::async_trait]
impl SnsFetcher for Counting {
    async fn certificate(&self, _url: &str) -> anyhow::Result<String> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        Ok(CERT.to_owned())
    }
    async fn confirm(&self, _url: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn certificates_are_cached_by_url() {
    let inner = Arc::new(Counting::default());
    let cache = CertCache::new(inner.clone());
    verify(&load("v1"), &cache, signed_at()).await.unwrap();
    verify(&load("v2"), &cache, signed_at()).await.unwrap();
    assert_eq!(inner.fetches.load(Ordering::SeqCst), 1, "the second message reuses the certificate");
    let mut other = load("v1");
    other.signing_cert_url = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-other.pem".into();
    let _ = verify(&other, &cache, signed_at()).await;
    assert_eq!(inner.fetches.load(Ordering::SeqCst), 2, "another URL is fetched");
}

#[tokio::test]
async fn a_certificate_fetch_that_hangs_gives_up_after_the_timeout() {
    let slow = Arc::new(Counting { delay: Duration::from_secs(30), ..Counting::default() });
    let cache = CertCache::with_timeout(slow, Duration::from_millis(50));
    let started = std::time::Instant::now();
    let got = verify(&load("v1"), &cache, signed_at()).await;
    assert!(matches!(got, Err(SnsError::Fetch(_))), "{got:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn unknown_signature_versions_are_rejected() {
    let mut m = load("v1");
    m.signature_version = "3".into();
    assert!(matches!(verify_with_pem(&m, CERT), Err(SnsError::Version(_))));
}
