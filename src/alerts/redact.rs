//! Redaction: strips secrets, credentials, key ids and user data from events before any model sees them.

use serde_json::Value;

const REDACTED: &str = "[redacted]";

/// Key fragments (lower case) whose values are always removed.
const SECRET_KEYS: &[&str] = &[
    "accesskeyid",
    "secretaccesskey",
    "secret",
    "password",
    "token",
    "credentials",
    "privatekey",
    "userdata",
    "sshpublickey",
    "certificatebody",
    "mfaidentifier",
    "passphrase",
    "authorization",
    "cookie",
];

/// A redacted copy of a CloudTrail record.
pub fn redact(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, val)| {
                    let lower = k.to_ascii_lowercase();
                    let hidden = SECRET_KEYS.iter().any(|s| lower.contains(s));
                    (k.clone(), if hidden { Value::String(REDACTED.into()) } else { redact(val) })
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::String(s) if looks_like_key_id(s) => Value::String(REDACTED.into()),
        other => other.clone(),
    }
}

/// `AKIA…`/`ASIA…` style 20-character access key ids anywhere in a string value.
fn looks_like_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(20).any(|w| {
        (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
            && w.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_keys_passwords_tokens_and_user_data_are_removed() {
        let ev = json!({"userIdentity": {"accessKeyId": "ASIAXXXXXXXXXXXXXXXX", "userName": "alice"},
            "requestParameters": {"userData": "IyEvYmluL2Jhc2g=", "password": "hunter2", "note": "key AKIAABCDEFGHIJKLMNOP"},
            "responseElements": {"credentials": {"sessionToken": "tok", "secretAccessKey": "s"}}});
        let r = redact(&ev).to_string();
        for secret in ["ASIAXXXX", "IyEv", "hunter2", "AKIAABCD", "tok\"", "\"s\""] {
            assert!(!r.contains(secret), "{secret} leaked: {r}");
        }
        assert!(r.contains("alice"));
    }
}
