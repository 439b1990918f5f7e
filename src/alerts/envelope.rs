//! Envelope parsing: EventBridge events, SNS notifications wrapping them, and bare CloudTrail records.
//!
//! A message is read entry by entry ([`parse_message`]): each CloudTrail record becomes an event or a
//! [`RecordError`] naming it (eventID, or its position), and a bad entry never takes its neighbours with it.
//! EventBridge events of other detail-types are skipped and counted. Only a message with no readable structure
//! at all (not JSON, or a shape we do not know) fails as a whole.
//!
//! A body is read in one borrowed pass: the envelope's keys are probed without building a JSON tree, and each
//! CloudTrail record is read by [`super::record`] into the typed fields the feed uses.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::rawjson::{RawObject, Text, scalar_text};
pub use super::record::{CtEvent, Identity};

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
    /// One entry of the message could not be read (from [`parse_body`], which accepts only whole messages).
    #[error("{0}")]
    Record(Box<RecordError>),
    /// An EventBridge event whose detail-type carries no CloudTrail record (from [`parse_body`]).
    #[error("unsupported event shape: EventBridge detail-type {0:?}")]
    DetailType(String),
}

/// One entry of a message that could not be read. Its neighbours are unaffected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Position among the message's entries (events, broken records and skipped events alike), from 0.
    pub index: usize,
    /// The entry's eventID, when it has one (at most [`MAX_ID_CHARS`] characters).
    pub event_id: Option<String>,
    /// What is wrong with it.
    pub reason: EnvelopeError,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.event_id {
            Some(id) => write!(f, "entry {} (eventID {id:?}): {}", self.index, self.reason),
            None => write!(f, "entry {}: {}", self.index, self.reason),
        }
    }
}

/// An EventBridge event skipped because its detail-type carries no CloudTrail record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Position among the message's entries, from 0.
    pub index: usize,
    /// The detail-type (at most [`MAX_ID_CHARS`] characters).
    pub detail_type: String,
}

/// What one message holds: its events, the entries that could not be read, and the entries skipped.
#[derive(Debug, Default)]
pub struct Parsed {
    /// CloudTrail events, in message order.
    pub events: Vec<CtEvent>,
    /// Entries that could not be read, in message order.
    pub errors: Vec<RecordError>,
    /// EventBridge events of other detail-types, in message order.
    pub skipped: Vec<Skipped>,
}

/// Longest eventID or detail-type kept in a [`RecordError`] or [`Skipped`] (they come from the sender).
pub const MAX_ID_CHARS: usize = 64;

/// Parses a queue or HTTP body entry by entry; received now (the time given to records without a usable time).
///
/// # Errors
/// Only when the message as a whole has no readable structure: not JSON, a shape we do not know, or nesting
/// deeper than an array of `{"Records": [...]}` of SNS notifications of EventBridge events.
pub fn parse_message(body: &str) -> Result<Parsed, EnvelopeError> {
    parse_message_at(body, Utc::now())
}

/// Like [`parse_message`], with `received` as the time of records that have no usable time.
///
/// # Errors
/// As [`parse_message`].
pub fn parse_message_at(body: &str, received: DateTime<Utc>) -> Result<Parsed, EnvelopeError> {
    let mut c = Collector { received, next: 0, out: Parsed::default() };
    c.collect(body, 0)?;
    Ok(c.out)
}

/// Parses a body that must be wholly CloudTrail: any entry that cannot be read, or of another detail-type,
/// refuses the whole body (for callers that answer the sender, who can fix and resend it).
///
/// # Errors
/// The message-level error, else the first entry that is not a readable CloudTrail event.
pub fn parse_body(body: &str) -> Result<Vec<CtEvent>, EnvelopeError> {
    let parsed = parse_message(body)?;
    let first_error = parsed.errors.into_iter().next().map(|e| (e.index, EnvelopeError::Record(Box::new(e))));
    let first_skip = parsed.skipped.into_iter().next().map(|s| (s.index, EnvelopeError::DetailType(s.detail_type)));
    match [first_error, first_skip].into_iter().flatten().min_by_key(|(index, _)| *index) {
        Some((_, e)) => Err(e),
        None => Ok(parsed.events),
    }
}

/// Walks a message, numbering its entries as it meets them.
struct Collector {
    received: DateTime<Utc>,
    next: usize,
    out: Parsed,
}

impl Collector {
    fn entry(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }

    /// Structural failures are returned: the caller records them against its item, or fails the message.
    fn collect(&mut self, text: &str, depth: u8) -> Result<(), EnvelopeError> {
        if depth > MAX_DEPTH {
            return Err(EnvelopeError::Unsupported("envelopes nested too deeply".into()));
        }
        match text.trim_start().as_bytes().first() {
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(json_error)?;
                for item in items {
                    if let Err(e) = self.collect(item.get(), depth + 1) {
                        self.fail(item.get(), e);
                    }
                }
                Ok(())
            }
            Some(b'{') => self.object(text, depth),
            _ => match serde_json::from_str::<Value>(text) {
                Ok(other) => Err(EnvelopeError::Unsupported(format!("a JSON {}", kind_name(&other)))),
                Err(e) => Err(json_error(e)),
            },
        }
    }

    fn object(&mut self, text: &str, depth: u8) -> Result<(), EnvelopeError> {
        let probe: Probe<'_> = serde_json::from_str(text).map_err(json_error)?;
        if let Some(records) = probe.records.filter(|r| r.get().starts_with('[')) {
            return self.collect(records.get(), depth + 1);
        }
        if let Some(kind) = probe.sns_type.0.as_deref() {
            if kind != "Notification" {
                return Err(EnvelopeError::Unsupported(format!(
                    "SNS message of Type {:?} (only Notification carries events)",
                    clip(kind)
                )));
            }
            let inner = probe.message.0.ok_or(EnvelopeError::Missing("SNS Message"))?;
            return self.collect(&inner, depth + 1).map_err(|e| match e {
                EnvelopeError::Json(e) => EnvelopeError::Json(format!("SNS Message: {e}")),
                other => other,
            });
        }
        if let Some(dt) = probe.detail_type.0.as_deref() {
            if !CLOUDTRAIL_DETAIL_TYPES.contains(&dt) {
                self.skip(dt);
                return Ok(());
            }
            let detail = probe.detail.ok_or(EnvelopeError::Missing("EventBridge detail"))?;
            self.record(detail.get(), probe.account.0.as_deref());
            return Ok(());
        }
        if probe.event_id.is_some() || probe.event_name.is_some() {
            self.record(text, None);
            return Ok(());
        }
        Err(EnvelopeError::Unsupported("a JSON object without Records, detail-type, Type or eventID".into()))
    }

    /// One CloudTrail record: an event, or an error naming it.
    fn record(&mut self, raw: &str, fallback_account: Option<&str>) {
        match CtEvent::from_raw_at(raw, fallback_account, self.received) {
            Ok(event) => {
                self.entry();
                self.out.events.push(event);
            }
            Err(e) => self.fail(raw, e),
        }
    }

    fn fail(&mut self, text: &str, reason: EnvelopeError) {
        let index = self.entry();
        self.out.errors.push(RecordError { index, event_id: event_id_of(text), reason });
    }

    fn skip(&mut self, detail_type: &str) {
        let index = self.entry();
        tracing::debug!(index, detail_type = ?clip(detail_type), "skipped an EventBridge event that carries no CloudTrail record");
        self.out.skipped.push(Skipped { index, detail_type: clip(detail_type) });
    }
}

/// The eventID of an entry that could not be read: its own, or its EventBridge `detail`'s.
fn event_id_of(text: &str) -> Option<String> {
    let obj = RawObject::parse(text)?;
    let id = obj.get("eventID").or_else(|| obj.walk(["detail", "eventID"]))?;
    scalar_text(id).filter(|id| !id.is_empty()).map(|id| clip(&id))
}

/// At most [`MAX_ID_CHARS`] characters of sender text.
fn clip(text: &str) -> String {
    text.chars().take(MAX_ID_CHARS).collect()
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

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "envelope_props.rs"]
mod props;
