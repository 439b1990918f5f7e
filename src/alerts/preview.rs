//! `asklake alerts preview FILE`: the worker's own path (parse → dedupe → rules → group → route → render → post)
//! over the events in a file, with a Slack sink that keeps the posts instead of sending them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use slack_morphism::prelude::SlackMessageContent;

use super::envelope::{Parsed, parse_message};
use super::queue::EmbeddedQueue;
use super::worker::DrainOutcome;
use crate::config::Config;
use crate::slack::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};
use crate::store::Store;
use crate::templates::Templates;

/// The channel shown when `[alerts] default_channel` is unset (the worker would hold those alerts back).
pub const UNSET_CHANNEL: &str = "(unset: [alerts] default_channel)";

/// One post the worker made.
#[derive(Debug, Clone)]
pub struct Post {
    /// The channel.
    pub channel: String,
    /// Its timestamp (assigned here, in order).
    pub ts: String,
    /// The parent's timestamp for a thread reply.
    pub thread_ts: Option<String>,
    /// What was posted.
    pub content: SlackMessageContent,
}

/// A Slack sink that keeps every `chat.postMessage` in memory; the other calls are refused (the worker makes none).
#[derive(Debug, Default)]
pub struct MemorySlack {
    posts: Mutex<Vec<Post>>,
}

impl MemorySlack {
    /// The posts so far, in order.
    pub fn posts(&self) -> Vec<Post> {
        self.posts.lock().expect("memory slack lock").clone()
    }
}

#[async_trait::async_trait]
impl SlackApi for MemorySlack {
    async fn post_message(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
        let mut posts = self.posts.lock().expect("memory slack lock");
        let ts = format!("preview.{:06}", posts.len() + 1);
        posts.push(Post {
            channel: msg.channel.clone(),
            ts: ts.clone(),
            thread_ts: msg.thread_ts.clone(),
            content: msg.content.clone(),
        });
        Ok(PostedMessage { channel: msg.channel.clone(), ts })
    }

    async fn update_message(&self, _: &str, _: &str, _: &SlackMessageContent) -> Result<(), SlackError> {
        Err(SlackError::Api { code: "not_in_preview".into() })
    }

    async fn post_ephemeral(&self, _: &str, _: &str, _: &SlackMessageContent) -> Result<(), SlackError> {
        Err(SlackError::Api { code: "not_in_preview".into() })
    }

    async fn upload_file(&self, _: &str, _: Option<&str>, _: &str, _: &str, _: Vec<u8>) -> Result<(), SlackError> {
        Err(SlackError::Api { code: "not_in_preview".into() })
    }
}

/// What `alerts preview` shows.
#[derive(Debug)]
pub struct Preview {
    /// Per channel, in the order first posted: the posts (thread replies name their parent's `ts`).
    pub json: String,
    /// The posts themselves.
    pub posts: Vec<Post>,
    /// Entries that could not be read (each named by line, entry and eventID) and skipped detail-types.
    pub problems: Vec<String>,
    /// The worker's own account of the drain (parsed, duplicates, ignored, …).
    pub outcome: DrainOutcome,
}

/// Runs the worker over the events in `text` (one JSON body, or JSON lines: each a queue message) against an
/// in-memory store and queue and a [`MemorySlack`], and returns what it posted.
///
/// # Errors
/// When nothing in `text` is readable, or the rules, templates or the drain fail.
pub async fn preview(config: &Config, text: &str) -> anyhow::Result<Preview> {
    let (bodies, problems) = bodies(text)?;
    let mut config = config.clone();
    if config.alerts.default_channel.is_empty() {
        config.alerts.default_channel = UNSET_CHANNEL.into();
    }
    let store = Store::in_memory()?;
    let queue = EmbeddedQueue::new(store.clone(), Duration::from_secs(600));
    queue.push(&bodies)?;
    let slack = Arc::new(MemorySlack::default());
    let worker = super::build::worker(&config, Arc::new(queue), slack.clone(), store, Templates::embedded(), None)?;
    let outcome = worker.drain_once().await?;
    let posts = slack.posts();
    Ok(Preview { json: serde_json::to_string_pretty(&by_channel(&posts))?, posts, problems, outcome })
}

/// The posts grouped per channel, in the order each channel was first posted to.
fn by_channel(posts: &[Post]) -> Value {
    let mut channels: Vec<(String, Vec<Value>)> = Vec::new();
    for p in posts {
        let post = json!({"ts": p.ts, "thread_ts": p.thread_ts, "message": p.content});
        match channels.iter_mut().find(|(c, _)| *c == p.channel) {
            Some((_, list)) => list.push(post),
            None => channels.push((p.channel.clone(), vec![post])),
        }
    }
    Value::Array(channels.into_iter().map(|(channel, posts)| json!({"channel": channel, "posts": posts})).collect())
}

/// The queue messages in `text`: the whole text when it is one readable body, else each readable JSON line; with
/// every entry left out, named.
fn bodies(text: &str) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let whole = match parse_message(text) {
        Ok(parsed) => return Ok((vec![text.to_owned()], describe(&parsed, ""))),
        Err(e) => e,
    };
    let (mut bodies, mut problems) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match parse_message(line) {
            Ok(parsed) => {
                problems.extend(describe(&parsed, &format!("line {}: ", i + 1)));
                bodies.push(line.to_owned());
            }
            Err(e) => problems.push(format!("line {}: {e}", i + 1)),
        }
    }
    anyhow::ensure!(
        !bodies.is_empty(),
        "nothing readable: as one JSON document: {whole}; as JSON lines: {}",
        problems.join("; ")
    );
    Ok((bodies, problems))
}

fn describe(parsed: &Parsed, at: &str) -> Vec<String> {
    let mut problems: Vec<String> = parsed.errors.iter().map(|e| format!("{at}{e}")).collect();
    problems.extend(
        parsed
            .skipped
            .iter()
            .map(|s| format!("{at}entry {}: skipped EventBridge detail-type {:?}", s.index, s.detail_type)),
    );
    let unknown_time = parsed.events.iter().filter(|e| e.time_unknown).count();
    if unknown_time > 0 {
        problems.push(format!("{at}{unknown_time} event(s) without a usable eventTime: shown at the time read"));
    }
    problems
}

#[cfg(test)]
#[path = "preview_tests.rs"]
mod tests;
