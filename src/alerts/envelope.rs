//! Envelope parsing: EventBridge events, SNS notifications wrapping them, and bare CloudTrail records.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// EventBridge `detail-type`s that carry a CloudTrail record.
const CLOUDTRAIL_DETAIL_TYPES: &[&str] = &[
    "AWS API Call via CloudTrail",
    "AWS Console Sign In via CloudTrail",
    "AWS Console Action via CloudTrail",
    "AWS Service Event via CloudTrail",
];

/// Why a body held no usable CloudTrail event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON at all.
    #[error("body is not JSON: {0}")]
    Json(String),
    /// JSON, but not a shape we know.
    #[error(
        "unsupported event shape: {0} (send an EventBridge CloudTrail event, an SNS notification wrapping one, a CloudTrail record, an array of them, or {{\"Records\": [...]}})"
    )]
    Unsupported(String),
    /// A CloudTrail record without a required field.
    #[error("CloudTrail record has no {0}")]
    Missing(&'static str),
}

/// One CloudTrail management event, with the fields the feed uses pulled out.
#[derive(Debug, Clone, PartialEq)]
pub struct CtEvent {
    /// `eventID` (idempotency key).
    pub id: String,
    /// `eventName`, e.g. `CreateUser`.
    pub name: String,
    /// `eventSource`, e.g. `iam.amazonaws.com`.
    pub source: String,
    /// `eventTime`.
    pub time: DateTime<Utc>,
    /// `awsRegion`.
    pub region: String,
    /// Routing account: `recipientAccountId`, else the envelope's `account`, else the caller's account.
    pub account: String,
    /// The call failed (`errorCode` set, or a console login answered `Failure`).
    pub failed: bool,
    /// `userAgent` (caller-controlled).
    pub user_agent: String,
    /// The whole CloudTrail record.
    pub detail: Value,
}

impl CtEvent {
    /// A string at a dotted path inside the record, e.g. `userIdentity.type`.
    pub fn str_at(&self, path: &str) -> Option<&str> {
        self.value_at(path).and_then(Value::as_str)
    }

    /// The value at a dotted path inside the record.
    pub fn value_at(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(&self.detail, |v, key| v.get(key))
    }

    /// Builds an event from a bare CloudTrail record; `fallback_account` comes from an envelope.
    pub fn from_record(detail: Value, fallback_account: Option<&str>) -> Result<Self, EnvelopeError> {
        let s = |k: &str| detail.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let id = s("eventID");
        if id.is_empty() {
            return Err(EnvelopeError::Missing("eventID"));
        }
        let name = s("eventName");
        if name.is_empty() {
            return Err(EnvelopeError::Missing("eventName"));
        }
        let time = detail
            .get("eventTime")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or(EnvelopeError::Missing("eventTime (RFC 3339)"))?;
        let account = [
            detail.get("recipientAccountId").and_then(Value::as_str),
            fallback_account,
            detail.pointer("/userIdentity/accountId").and_then(Value::as_str),
        ]
        .into_iter()
        .flatten()
        .find(|a| !a.is_empty())
        .unwrap_or("unknown")
        .to_owned();
        let login_failed = detail.pointer("/responseElements/ConsoleLogin").and_then(Value::as_str) == Some("Failure");
        let failed = detail.get("errorCode").is_some_and(|v| !v.is_null()) || login_failed;
        Ok(Self {
            id,
            source: s("eventSource"),
            region: s("awsRegion"),
            user_agent: s("userAgent"),
            name,
            time,
            account,
            failed,
            detail,
        })
    }
}

/// Parses a queue or HTTP body into its CloudTrail events.
pub fn parse_body(body: &str) -> Result<Vec<CtEvent>, EnvelopeError> {
    let value: Value = serde_json::from_str(body).map_err(|e| EnvelopeError::Json(e.to_string()))?;
    let mut out = Vec::new();
    collect(value, &mut out, 0)?;
    Ok(out)
}

/// Parses an already-decoded JSON value into its CloudTrail events.
pub fn parse_value(value: Value) -> Result<Vec<CtEvent>, EnvelopeError> {
    let mut out = Vec::new();
    collect(value, &mut out, 0)?;
    Ok(out)
}

fn collect(value: Value, out: &mut Vec<CtEvent>, depth: u8) -> Result<(), EnvelopeError> {
    if depth > 4 {
        return Err(EnvelopeError::Unsupported("envelopes nested too deeply".into()));
    }
    match value {
        Value::Array(items) => items.into_iter().try_for_each(|v| collect(v, out, depth + 1)),
        Value::Object(mut map) => {
            if let Some(Value::Array(records)) = map.remove("Records") {
                return records.into_iter().try_for_each(|v| collect(v, out, depth + 1));
            }
            if let Some(kind) = map.get("Type").and_then(Value::as_str) {
                if kind != "Notification" {
                    return Err(EnvelopeError::Unsupported(format!(
                        "SNS message of Type {kind:?} (only Notification carries events)"
                    )));
                }
                let inner = map.get("Message").and_then(Value::as_str).ok_or(EnvelopeError::Missing("SNS Message"))?;
                let inner: Value =
                    serde_json::from_str(inner).map_err(|e| EnvelopeError::Json(format!("SNS Message: {e}")))?;
                return collect(inner, out, depth + 1);
            }
            if let Some(dt) = map.get("detail-type").and_then(Value::as_str) {
                if !CLOUDTRAIL_DETAIL_TYPES.contains(&dt) {
                    return Err(EnvelopeError::Unsupported(format!("EventBridge detail-type {dt:?}")));
                }
                let account = map.get("account").and_then(Value::as_str).map(str::to_owned);
                let detail = map.remove("detail").ok_or(EnvelopeError::Missing("EventBridge detail"))?;
                out.push(CtEvent::from_record(detail, account.as_deref())?);
                return Ok(());
            }
            if map.contains_key("eventID") || map.contains_key("eventName") {
                out.push(CtEvent::from_record(Value::Object(map), None)?);
                return Ok(());
            }
            Err(EnvelopeError::Unsupported("a JSON object without Records, detail-type, Type or eventID".into()))
        }
        other => Err(EnvelopeError::Unsupported(format!("a JSON {}", kind_name(&other)))),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({"eventID": "e1", "eventName": "CreateUser", "eventSource": "iam.amazonaws.com",
               "eventTime": "2026-11-22T01:02:03Z", "awsRegion": "us-east-1",
               "userIdentity": {"type": "IAMUser", "accountId": "111111111111"}})
    }

    #[test]
    fn eventbridge_envelopes_route_by_their_account_when_the_record_has_no_recipient() {
        let body = json!({"detail-type": "AWS API Call via CloudTrail", "account": "222222222222", "detail": record()});
        let events = parse_body(&body.to_string()).unwrap();
        assert_eq!(events[0].account, "222222222222");
        assert_eq!(events[0].name, "CreateUser");
    }

    #[test]
    fn sns_notifications_wrapping_eventbridge_events_are_unwrapped() {
        let inner =
            json!({"detail-type": "AWS Console Sign In via CloudTrail", "account": "333333333333", "detail": record()});
        let body = json!({"Type": "Notification", "Message": inner.to_string()});
        assert_eq!(parse_body(&body.to_string()).unwrap()[0].id, "e1");
    }

    #[test]
    fn records_files_and_arrays_yield_every_event() {
        let mut second = record();
        second["eventID"] = json!("e2");
        second["recipientAccountId"] = json!("444444444444");
        let body = json!([{"Records": [record(), second]}]);
        let events = parse_body(&body.to_string()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].account, "444444444444");
    }

    #[test]
    fn non_cloudtrail_detail_types_and_junk_are_rejected_with_the_reason() {
        let body = json!({"detail-type": "EC2 Instance State-change Notification", "detail": {}});
        assert!(parse_body(&body.to_string()).unwrap_err().to_string().contains("EC2 Instance State-change"));
        assert!(matches!(parse_body("not json"), Err(EnvelopeError::Json(_))));
        let mut no_id = record();
        no_id.as_object_mut().unwrap().remove("eventID");
        assert_eq!(parse_body(&no_id.to_string()), Err(EnvelopeError::Missing("eventID")));
    }

    #[test]
    fn failed_console_logins_count_as_failures() {
        let mut r = record();
        r["responseElements"] = json!({"ConsoleLogin": "Failure"});
        assert!(parse_body(&r.to_string()).unwrap()[0].failed);
    }
}
