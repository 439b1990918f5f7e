//! One CloudTrail record: the typed fields the feed uses, read in one borrowed pass, with the record's text kept
//! (its request and response parameters as text of their own) and a JSON tree built only on demand.

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::envelope::EnvelopeError;
use super::rawjson::{Obj, Text};

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
    /// `eventTime`; when the record has no usable time, when asklake received it (see `time_unknown`).
    pub time: DateTime<Utc>,
    /// The record had no usable `eventTime` (absent, or in no form [`eventtime`](super::eventtime) reads):
    /// `time` is the time it was received, and renderers say so.
    pub time_unknown: bool,
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

    /// Builds an event from a CloudTrail record's JSON text; `fallback_account` comes from an envelope. A record
    /// without a usable time gets the current time (see [`CtEvent::time_unknown`]).
    pub fn from_raw(raw: &str, fallback_account: Option<&str>) -> Result<Self, EnvelopeError> {
        Self::from_raw_at(raw, fallback_account, Utc::now())
    }

    /// Like [`CtEvent::from_raw`], with `received` as the time of a record that has no usable time.
    pub fn from_raw_at(
        raw: &str,
        fallback_account: Option<&str>,
        received: DateTime<Utc>,
    ) -> Result<Self, EnvelopeError> {
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
        let time = f.time.and_then(super::eventtime::from_json);
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
            time: time.unwrap_or(received),
            time_unknown: time.is_none(),
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
    time: Option<&'a RawValue>,
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
