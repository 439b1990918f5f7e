//! Slack request signatures (v0): HMAC-SHA256 over `v0:{timestamp}:{body}`, checked before anything is parsed.
//!
//! Slack's scheme binds the body to a timestamp but carries no nonce, so an exact replay of a signed request
//! inside the five-minute window verifies again. After verification every delivery is therefore acted on once:
//! events by `event_id`, slash commands and button presses by their `trigger_id` (see [`super::first_delivery`]).

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Header carrying `v0=<hex hmac>`.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// Header carrying the request's Unix timestamp.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Largest accepted clock difference, either way.
pub const MAX_SKEW_SECS: i64 = 300;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No signing secret configured: every request is refused.
    #[error("no signing secret is configured ([slack] signing_secret)")]
    NoSecret,
    /// A signature or timestamp header is absent or not text.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// The timestamp is not an integer.
    #[error("timestamp header is not a Unix time")]
    BadTimestamp,
    /// The timestamp is more than five minutes away from now (either way).
    #[error("timestamp is {skew_secs} s away from now (allowed: {MAX_SKEW_SECS} s)")]
    Stale {
        /// Signed difference now − timestamp, in seconds.
        skew_secs: i64,
    },
    /// The signature does not match the body.
    #[error("signature does not match")]
    Mismatch,
}

/// Verifies Slack request signatures with the app's signing secret.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<SecretString>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("secret", &self.secret.as_ref().map(|_| "set")).finish()
    }
}

impl Verifier {
    /// A verifier for `secret`; with `None` every request fails with [`VerifyError::NoSecret`].
    pub fn new(secret: Option<SecretString>) -> Self {
        Self { secret: secret.filter(|s| !s.expose_secret().is_empty()) }
    }

    /// Checks the request's headers against `body` at the current time.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        self.verify_at(headers, body, chrono::Utc::now().timestamp())
    }

    /// Checks the request's headers against `body` as if the time were `now` (Unix seconds).
    pub fn verify_at(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), VerifyError> {
        let secret = self.secret.as_ref().ok_or(VerifyError::NoSecret)?;
        let signature = header(headers, SIGNATURE_HEADER)?;
        let timestamp = header(headers, TIMESTAMP_HEADER)?;
        let ts: i64 = timestamp.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
        let skew_secs = now.saturating_sub(ts);
        if skew_secs.abs() > MAX_SKEW_SECS {
            return Err(VerifyError::Stale { skew_secs });
        }
        let expected = sign(secret.expose_secret().as_bytes(), timestamp, body);
        if bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) { Ok(()) } else { Err(VerifyError::Mismatch) }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, VerifyError> {
    headers.get(name).and_then(|v| v.to_str().ok()).ok_or(VerifyError::MissingHeader(name))
}

/// The `v0=…` signature Slack sends for `body` at `timestamp` (also used by tests and the benchmark).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

    fn headers(sig: &str, ts: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(SIGNATURE_HEADER, sig.parse().unwrap());
        h.insert(TIMESTAMP_HEADER, ts.parse().unwrap());
        h
    }

    fn verifier() -> Verifier {
        Verifier::new(Some(SecretString::from(SECRET)))
    }

    #[test]
    fn slacks_documented_example_signature_verifies() {
        // The example request from Slack's "Verifying requests" guide.
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let h = headers("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", "1531420618");
        assert_eq!(verifier().verify_at(&h, body.as_bytes(), 1531420618 + 10), Ok(()));
    }

    #[test]
    fn a_changed_body_or_secret_fails() {
        let sig = sign(SECRET.as_bytes(), "100", b"a=1");
        assert_eq!(verifier().verify_at(&headers(&sig, "100"), b"a=2", 100), Err(VerifyError::Mismatch));
        let other = Verifier::new(Some(SecretString::from("other")));
        assert_eq!(other.verify_at(&headers(&sig, "100"), b"a=1", 100), Err(VerifyError::Mismatch));
    }

    #[test]
    fn timestamps_more_than_five_minutes_away_either_way_fail() {
        let sig = sign(SECRET.as_bytes(), "1000", b"x");
        let h = headers(&sig, "1000");
        assert_eq!(verifier().verify_at(&h, b"x", 1300), Ok(()));
        assert_eq!(verifier().verify_at(&h, b"x", 1360), Err(VerifyError::Stale { skew_secs: 360 }));
        assert_eq!(verifier().verify_at(&h, b"x", 640), Err(VerifyError::Stale { skew_secs: -360 }));
    }

    #[test]
    fn missing_headers_and_missing_secret_fail() {
        assert_eq!(verifier().verify_at(&HeaderMap::new(), b"x", 0), Err(VerifyError::MissingHeader(SIGNATURE_HEADER)));
        let sig = sign(b"", "1", b"x");
        assert_eq!(Verifier::new(None).verify_at(&headers(&sig, "1"), b"x", 1), Err(VerifyError::NoSecret));
        assert_eq!(verifier().verify_at(&headers(&sig, "soon"), b"x", 1), Err(VerifyError::BadTimestamp));
    }
}
