//! Envelope parsing: EventBridge events, SNS notifications wrapping them, and bare CloudTrail records.
//!
//! A body is read in one borrowed pass: the envelope's keys are probed without building a JSON tree, and each
//! CloudTrail record is read into the typed fields the feed uses ([`Identity`], names, times). The record's
//! text is kept, with its request and response parameters as text of their own; a JSON tree is built only when
//! something asks for a path ([`CtEvent::value_at`], [`CtEvent::detail`]).

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::rawjson::{Obj, Text};

/// EventBridge `detail-type`s that carry a CloudTrail record.
const CLOUDTRAIL_DETAIL_TYPES: &[&str] = &[
    "AWS API Call via CloudTrail",
    "AWS Console Sign In via CloudTrail",
    "AWS Console Action via CloudTrail",
    "AWS Service Event via CloudTrail",
];

/// Deepest envelope nesting accepted (array → Records → SNS → EventBridge → record).
const MAX_DEPTH: u8 = 4;

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

/// The caller, from the record's `userIdentity` (empty strings for fields it does not carry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `type`: `Root`, `IAMUser`, `AssumedRole`, `AWSService`, `WebIdentityUser`, …
    pub kind: String,
    /// `arn`.
    pub arn: String,
    /// `userName`.
    pub user_name: String,
    /// `accountId`.
    pub account_id: String,
    /// `invokedBy`, e.g. `cloudformation.amazonaws.com`.
    pub invoked_by: String,
    /// `principalId`.
    pub principal_id: String,
    /// `sessionContext.sessionIssuer.userName`: the role behind an assumed-role session.
    pub issuer: String,
}

/// One CloudTrail management event, with the fields the feed uses pulled out.
#[derive(Clone)]
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
    /// `errorCode` as text (empty when the call succeeded).
    pub error_code: String,
    /// `userAgent` (caller-controlled).
    pub user_agent: String,
    /// `eventType`, e.g. `AwsApiCall` or `AwsServiceEvent`.
    pub event_type: String,
    /// `sessionCredentialFromConsole` is true.
    pub from_console: bool,
    /// The caller.
    pub identity: Identity,
    /// `requestParameters`.
    request: Part,
    /// `responseElements`.
    response: Part,
    /// The record carried its own non-empty `recipientAccountId`.
    has_recipient: bool,
    /// The record's JSON text, as received.
    raw: Box<str>,
    /// The whole record as a JSON tree, built on first use.
    tree: OnceLock<Value>,
}

impl fmt::Debug for CtEvent {
    /// Names the event without its contents: records carry user data and must not reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtEvent")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("account", &self.account)
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CtEvent {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.account == other.account && self.raw == other.raw
    }
}

impl CtEvent {
    /// A string at a dotted path inside the record, e.g. `requestParameters.userName`.
    pub fn str_at(&self, path: &str) -> Option<&str> {
        self.value_at(path).and_then(Value::as_str)
    }

    /// The value at a dotted path inside the record. A path under `requestParameters` or `responseElements`
    /// builds that part's tree (once); any other path builds the whole record's tree (once).
    pub fn value_at(&self, path: &str) -> Option<&Value> {
        let (head, rest) = path.split_once('.').map_or((path, None), |(h, r)| (h, Some(r)));
        let root = match head {
            "requestParameters" => self.request.tree(&self.raw)?,
            "responseElements" => self.response.tree(&self.raw)?,
            _ => return walk(self.detail(), path.split('.')),
        };
        match rest {
            None => Some(root),
            Some(rest) => walk(root, rest.split('.')),
        }
    }

    /// `requestParameters` as JSON text (`None` when absent or null).
    pub fn request_text(&self) -> Option<&str> {
        self.request.text(&self.raw)
    }

    /// `responseElements` as JSON text (`None` when absent or null).
    pub fn response_text(&self) -> Option<&str> {
        self.response.text(&self.raw)
    }

    /// The whole record as a JSON tree (built on first call, then kept).
    pub fn detail(&self) -> &Value {
        self.tree.get_or_init(|| serde_json::from_str(&self.raw).unwrap_or(Value::Null))
    }

    /// The record's JSON text with its routing account written in, as the embedded queue stores one event.
    pub fn into_queue_body(self) -> String {
        if self.has_recipient {
            return self.raw.into_string();
        }
        let account = self.account.clone();
        let mut rec = self.tree.into_inner().unwrap_or_else(|| serde_json::from_str(&self.raw).unwrap_or(Value::Null));
        if let Value::Object(map) = &mut rec {
            map.insert("recipientAccountId".into(), Value::String(account));
        }
        rec.to_string()
    }

    /// Builds an event from a decoded CloudTrail record; `fallback_account` comes from an envelope.
    pub fn from_record(detail: Value, fallback_account: Option<&str>) -> Result<Self, EnvelopeError> {
        let mut event = Self::from_raw(&detail.to_string(), fallback_account)?;
        event.tree = OnceLock::from(detail);
        Ok(event)
    }

    /// Builds an event from a CloudTrail record's JSON text; `fallback_account` comes from an envelope.
    pub fn from_raw(raw: &str, fallback_account: Option<&str>) -> Result<Self, EnvelopeError> {
        if !raw.trim_start().starts_with('{') {
            return Err(EnvelopeError::Unsupported("a CloudTrail record that is not a JSON object".into()));
        }
        let f: RecordFields<'_> = serde_json::from_str(raw)
            .map_err(|e| EnvelopeError::Unsupported(format!("a CloudTrail record that does not read: {e}")))?;
        let id = f.id.into_owned();
        if id.is_empty() {
            return Err(EnvelopeError::Missing("eventID"));
        }
        let name = f.name.into_owned();
        if name.is_empty() {
            return Err(EnvelopeError::Missing("eventName"));
        }
        let time = f
            .time
            .0
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or(EnvelopeError::Missing("eventTime (RFC 3339)"))?;
        let identity = f.identity.0.unwrap_or_default().into_identity();
        let recipient = f.recipient.as_str();
        let account = [recipient, fallback_account.unwrap_or_default(), identity.account_id.as_str()]
            .into_iter()
            .find(|a| !a.is_empty())
            .unwrap_or("unknown")
            .to_owned();
        let response = Part::new(raw, f.response);
        // Only console sign-ins answer `ConsoleLogin`; other events' responses stay text.
        let login_failed = name == "ConsoleLogin"
            && response.tree(raw).and_then(|r| r.get("ConsoleLogin")).and_then(Value::as_str) == Some("Failure");
        let error_code = match &f.error_code {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let from_console = matches!(&f.from_console, Some(Value::Bool(true)))
            || f.from_console.as_ref().and_then(Value::as_str) == Some("true");
        Ok(Self {
            id,
            name,
            source: f.source.into_owned(),
            time,
            region: f.region.into_owned(),
            account,
            failed: f.error_code.is_some() || login_failed,
            error_code,
            user_agent: f.user_agent.into_owned(),
            event_type: f.event_type.into_owned(),
            from_console,
            identity,
            request: Part::new(raw, f.request),
            response,
            has_recipient: !recipient.is_empty(),
            raw: raw.into(),
            tree: OnceLock::new(),
        })
    }
}

/// A nested part of a record: where its JSON text lies in the record's text, and its tree once parsed.
#[derive(Clone, Default)]
struct Part {
    span: Option<std::ops::Range<usize>>,
    tree: OnceLock<Option<Value>>,
}

impl Part {
    /// The part `value` (read from `record`, so its text lies inside `record`'s).
    fn new(record: &str, value: Option<&RawValue>) -> Self {
        let span = value.and_then(|v| {
            let start = (v.get().as_ptr() as usize).checked_sub(record.as_ptr() as usize)?;
            let span = start..start + v.get().len();
            // Same address, not just same text: the value was read out of `record`.
            (record.get(span.clone()).map(str::as_ptr) == Some(v.get().as_ptr())).then_some(span)
        });
        Self { span, tree: OnceLock::new() }
    }

    fn text<'r>(&self, record: &'r str) -> Option<&'r str> {
        record.get(self.span.clone()?)
    }

    fn tree(&self, record: &str) -> Option<&Value> {
        self.tree.get_or_init(|| self.text(record).and_then(|t| serde_json::from_str(t).ok())).as_ref()
    }
}

/// Follows object keys (and array indices) from `v`.
fn walk<'v, 'p>(v: &'v Value, path: impl IntoIterator<Item = &'p str>) -> Option<&'v Value> {
    path.into_iter().try_fold(v, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Parses a queue or HTTP body into its CloudTrail events.
pub fn parse_body(body: &str) -> Result<Vec<CtEvent>, EnvelopeError> {
    let mut out = Vec::new();
    collect(body, &mut out, 0)?;
    Ok(out)
}

fn collect(text: &str, out: &mut Vec<CtEvent>, depth: u8) -> Result<(), EnvelopeError> {
    if depth > MAX_DEPTH {
        return Err(EnvelopeError::Unsupported("envelopes nested too deeply".into()));
    }
    match text.trim_start().as_bytes().first() {
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(json_error)?;
            items.into_iter().try_for_each(|item| collect(item.get(), out, depth + 1))
        }
        Some(b'{') => collect_object(text, out, depth),
        _ => match serde_json::from_str::<Value>(text) {
            Ok(other) => Err(EnvelopeError::Unsupported(format!("a JSON {}", kind_name(&other)))),
            Err(e) => Err(json_error(e)),
        },
    }
}

fn collect_object(text: &str, out: &mut Vec<CtEvent>, depth: u8) -> Result<(), EnvelopeError> {
    let probe: Probe<'_> = serde_json::from_str(text).map_err(json_error)?;
    if let Some(records) = probe.records.filter(|r| r.get().starts_with('[')) {
        return collect(records.get(), out, depth + 1);
    }
    if let Some(kind) = probe.sns_type.0.as_deref() {
        if kind != "Notification" {
            return Err(EnvelopeError::Unsupported(format!(
                "SNS message of Type {kind:?} (only Notification carries events)"
            )));
        }
        let inner = probe.message.0.ok_or(EnvelopeError::Missing("SNS Message"))?;
        return collect(&inner, out, depth + 1).map_err(|e| match e {
            EnvelopeError::Json(e) => EnvelopeError::Json(format!("SNS Message: {e}")),
            other => other,
        });
    }
    if let Some(dt) = probe.detail_type.0.as_deref() {
        if !CLOUDTRAIL_DETAIL_TYPES.contains(&dt) {
            return Err(EnvelopeError::Unsupported(format!("EventBridge detail-type {dt:?}")));
        }
        let detail = probe.detail.ok_or(EnvelopeError::Missing("EventBridge detail"))?;
        out.push(CtEvent::from_raw(detail.get(), probe.account.0.as_deref())?);
        return Ok(());
    }
    if probe.event_id.is_some() || probe.event_name.is_some() {
        out.push(CtEvent::from_raw(text, None)?);
        return Ok(());
    }
    Err(EnvelopeError::Unsupported("a JSON object without Records, detail-type, Type or eventID".into()))
}

fn json_error(e: serde_json::Error) -> EnvelopeError {
    EnvelopeError::Json(e.to_string())
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

/// The envelope keys that decide its shape; everything else is skipped without being built.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<&'a RawValue>,
    #[serde(rename = "Type", borrow, default)]
    sns_type: Text<'a>,
    #[serde(rename = "Message", borrow, default)]
    message: Text<'a>,
    #[serde(rename = "detail-type", borrow, default)]
    detail_type: Text<'a>,
    #[serde(borrow, default)]
    account: Text<'a>,
    #[serde(borrow, default)]
    detail: Option<&'a RawValue>,
    #[serde(rename = "eventID", default)]
    event_id: Option<IgnoredAny>,
    #[serde(rename = "eventName", default)]
    event_name: Option<IgnoredAny>,
}

/// The record fields the feed reads; the rest of the record stays text.
#[derive(Deserialize)]
struct RecordFields<'a> {
    #[serde(rename = "eventID", borrow, default)]
    id: Text<'a>,
    #[serde(rename = "eventName", borrow, default)]
    name: Text<'a>,
    #[serde(rename = "eventSource", borrow, default)]
    source: Text<'a>,
    #[serde(rename = "eventTime", borrow, default)]
    time: Text<'a>,
    #[serde(rename = "awsRegion", borrow, default)]
    region: Text<'a>,
    #[serde(rename = "recipientAccountId", borrow, default)]
    recipient: Text<'a>,
    #[serde(rename = "userAgent", borrow, default)]
    user_agent: Text<'a>,
    #[serde(rename = "eventType", borrow, default)]
    event_type: Text<'a>,
    #[serde(rename = "errorCode", default)]
    error_code: Option<Value>,
    #[serde(rename = "sessionCredentialFromConsole", default)]
    from_console: Option<Value>,
    #[serde(rename = "userIdentity", borrow, default)]
    identity: Obj<IdentityFields<'a>>,
    #[serde(rename = "requestParameters", borrow, default)]
    request: Option<&'a RawValue>,
    #[serde(rename = "responseElements", borrow, default)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct IdentityFields<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Text<'a>,
    #[serde(borrow, default)]
    arn: Text<'a>,
    #[serde(rename = "userName", borrow, default)]
    user_name: Text<'a>,
    #[serde(rename = "accountId", borrow, default)]
    account_id: Text<'a>,
    #[serde(rename = "invokedBy", borrow, default)]
    invoked_by: Text<'a>,
    #[serde(rename = "principalId", borrow, default)]
    principal_id: Text<'a>,
    #[serde(rename = "sessionContext", borrow, default)]
    session: Obj<SessionFields<'a>>,
}

impl IdentityFields<'_> {
    fn into_identity(self) -> Identity {
        let issuer = self.session.0.and_then(|s| s.issuer.0).map(|i| i.user_name.into_owned()).unwrap_or_default();
        Identity {
            kind: self.kind.into_owned(),
            arn: self.arn.into_owned(),
            user_name: self.user_name.into_owned(),
            account_id: self.account_id.into_owned(),
            invoked_by: self.invoked_by.into_owned(),
            principal_id: self.principal_id.into_owned(),
            issuer,
        }
    }
}

#[derive(Deserialize)]
struct SessionFields<'a> {
    #[serde(rename = "sessionIssuer", borrow, default)]
    issuer: Obj<IssuerFields<'a>>,
}

#[derive(Deserialize)]
struct IssuerFields<'a> {
    #[serde(rename = "userName", borrow, default)]
    user_name: Text<'a>,
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
        r["eventName"] = json!("ConsoleLogin");
        r["responseElements"] = json!({"ConsoleLogin": "Failure"});
        assert!(parse_body(&r.to_string()).unwrap()[0].failed);
        r["responseElements"] = json!({"ConsoleLogin": "Success"});
        assert!(!parse_body(&r.to_string()).unwrap()[0].failed);
    }

    #[test]
    fn typed_fields_match_what_the_record_says_even_with_escapes() {
        let mut r = record();
        r["userIdentity"] = json!({"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/ci/été",
            "userName": "line\nbreak", "sessionContext": {"sessionIssuer": {"userName": "ci-role"}}});
        r["requestParameters"] = json!({"groupId": "sg-1", "ipPermissions": {"items": [{"fromPort": 22}]}});
        r["errorCode"] = json!("AccessDenied");
        r["sessionCredentialFromConsole"] = json!("true");
        let ev = &parse_body(&r.to_string()).unwrap()[0];
        assert_eq!(ev.identity.arn, "arn:aws:sts::1:assumed-role/ci/été");
        assert_eq!(ev.identity.issuer, "ci-role");
        assert_eq!((ev.failed, ev.error_code.as_str(), ev.from_console), (true, "AccessDenied", true));
        assert_eq!(ev.str_at("requestParameters.groupId"), Some("sg-1"));
        assert_eq!(ev.value_at("requestParameters.ipPermissions.items.0.fromPort"), Some(&json!(22)));
        // Outside the typed fields: answered from the whole tree, built on demand.
        assert_eq!(ev.str_at("userIdentity.userName"), Some("line\nbreak"));
        assert_eq!(ev.str_at("awsRegion"), Some("us-east-1"));
        assert_eq!(ev.detail(), &r);
    }

    #[test]
    fn odd_field_types_read_as_absent_instead_of_rejecting_the_record() {
        let mut r = record();
        r["eventSource"] = json!(42);
        r["userAgent"] = json!({"nested": ["x"]});
        r["userIdentity"] = json!("not an object");
        r["errorCode"] = Value::Null;
        let ev = &parse_body(&r.to_string()).unwrap()[0];
        assert_eq!((ev.source.as_str(), ev.user_agent.as_str()), ("", ""));
        assert_eq!(ev.identity, Identity::default());
        assert!(!ev.failed);
        assert_eq!(ev.account, "unknown");
    }

    #[test]
    fn queue_bodies_carry_the_routing_account_and_keep_records_that_have_one() {
        let body = json!({"detail-type": "AWS API Call via CloudTrail", "account": "222222222222", "detail": record()});
        let queued = parse_body(&body.to_string()).unwrap().remove(0).into_queue_body();
        let again = &parse_body(&queued).unwrap()[0];
        assert_eq!((again.account.as_str(), again.id.as_str()), ("222222222222", "e1"));
        let mut own = record();
        own["recipientAccountId"] = json!("444444444444");
        let text = own.to_string();
        assert_eq!(parse_body(&text).unwrap().remove(0).into_queue_body(), text);
    }

    #[test]
    fn debug_output_names_the_event_without_its_contents() {
        let mut r = record();
        r["requestParameters"] = json!({"password": "hunter2"});
        let shown = format!("{:?}", parse_body(&r.to_string()).unwrap()[0]);
        assert!(shown.contains("e1") && shown.contains("CreateUser"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn non_object_records_and_deep_nesting_are_refused() {
        assert!(matches!(parse_body("\"text\""), Err(EnvelopeError::Unsupported(m)) if m.contains("string")));
        let deep = format!("{}{}{}", "[".repeat(6), record(), "]".repeat(6));
        assert!(matches!(parse_body(&deep), Err(EnvelopeError::Unsupported(m)) if m.contains("nested")));
        let string_detail = json!({"detail-type": "AWS API Call via CloudTrail", "detail": "CreateUser"});
        assert_eq!(
            parse_body(&string_detail.to_string()),
            Err(EnvelopeError::Unsupported("a CloudTrail record that is not a JSON object".into()))
        );
        let bad_sns = json!({"Type": "Notification", "Message": "{oops"});
        assert!(
            matches!(parse_body(&bad_sns.to_string()), Err(EnvelopeError::Json(m)) if m.starts_with("SNS Message"))
        );
    }
}
