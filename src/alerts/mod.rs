//! The CloudTrail change feed: queue, envelope parsing, rules, grouping, rendering and the drain worker.
//!
//! - [`queue`]: the [`queue::AlertQueue`] seam and the embedded SQLite queue; [`sqs`]: the SQS adapter.
//! - [`envelope`]: EventBridge / SNS / bare CloudTrail bodies → [`envelope::CtEvent`]s, entry by entry;
//!   [`record`]: one record's typed fields; [`eventtime`]: lenient `eventTime` reading.
//! - [`rules`]: watched events, ignore rules and severities from `default_rules.toml`; [`rules_match`]: event keys
//!   (`service:Action`, version suffixes removed); [`rules_cond`]: principal types and request conditions.
//! - [`classify`]: actor kind and display name.
//! - [`group`]: per-account grouping, counts and routing.
//! - [`render`], [`limits`], [`console`]: Block Kit messages within Slack limits, console links.
//! - [`neutral`], [`link`]: the only ways event data reaches a message: neutralised text and validated links.
//! - [`redact`], [`narrative`]: the summary line (deterministic, or a model over redacted events).
//! - [`worker`]: the drain loop, posting each message once through the Slack client (which alone retries and
//!   paces); [`batch`]: messages in flight and what each event is owed; [`deliver`]: posts and red copies;
//!   [`settle`]: what happens to each queue message after a step;
//!   [`park`]: channels Slack refuses for good, retried slowly, the admin told once;
//!   [`http`]: `POST /events`; [`sns`]: `POST /sns`.
//! - [`cli`]: `asklake alerts drain|preview|eval|dead-letters`; [`eval`]: rules measured on a labelled corpus;
//!   [`preview`]: the worker's path with a Slack sink that keeps the posts; [`build`]: wiring from config; [`service`]: the feed inside `serve`.

pub mod batch;
pub mod build;
pub mod claim;
pub mod classify;
pub mod cli;
pub mod console;
pub mod deliver;
pub mod envelope;
pub mod eval;
pub mod eventtime;
pub mod group;
pub mod http;
pub mod limits;
pub mod link;
pub mod narrative;
pub mod neutral;
pub mod park;
pub mod preview;
pub mod queue;
pub mod rawjson;
pub mod record;
pub mod redact;
pub mod render;
pub mod rules;
pub mod rules_cond;
pub mod rules_match;
pub mod service;
pub mod settle;
pub mod sns;
pub mod sqs;
pub mod worker;
