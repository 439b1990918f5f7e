//! Redaction: strips secrets, credentials, key ids and user data from events before any model sees them.

use serde_json::Value;

use super::neutral::{has_key_material, one_line};

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
        Value::String(s) if has_key_material(&one_line(s)) => Value::String(REDACTED.into()),
        other => other.clone(),
    }
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
        let secret = json!({"requestParameters": {"note": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}});
        assert!(!redact(&secret).to_string().contains("wJalr"), "secret-shaped values are removed too");
    }
}
