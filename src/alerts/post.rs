//! Posting to Slack with per-channel pacing (~1 message/s), Retry-After on 429 and bounded retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tracing::{Instrument, info_span, warn};

use crate::slack::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};

/// Pacing and retry settings.
#[derive(Debug, Clone, Copy)]
pub struct PostSettings {
    /// Least time between two posts to one channel.
    pub min_interval: Duration,
    /// Attempts per message (first included).
    pub max_attempts: u32,
    /// Longest single wait honoured; a longer Retry-After gives the message back to the queue.
    pub max_wait: Duration,
}

impl Default for PostSettings {
    fn default() -> Self {
        Self { min_interval: Duration::from_millis(1_100), max_attempts: 4, max_wait: Duration::from_secs(30) }
    }
}

/// Posts messages, one channel at a time paced.
#[derive(Clone)]
pub struct Poster {
    slack: Arc<dyn SlackApi>,
    settings: PostSettings,
    last: Arc<Mutex<HashMap<String, Instant>>>,
}

impl std::fmt::Debug for Poster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poster").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Poster {
    /// A poster over `slack`.
    pub fn new(slack: Arc<dyn SlackApi>, settings: PostSettings) -> Self {
        Self { slack, settings, last: Arc::default() }
    }

    async fn pace(&self, channel: &str) {
        let mut last = self.last.lock().await;
        if let Some(prev) = last.get(channel) {
            let due = *prev + self.settings.min_interval;
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        last.insert(channel.to_owned(), Instant::now());
    }

    /// Posts `msg`, retrying rate limits and transient failures within the settings.
    pub async fn post(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
        let span = info_span!("slack.post", channel = %msg.channel, thread = msg.thread_ts.is_some());
        async {
            let mut attempt = 1;
            loop {
                self.pace(&msg.channel).await;
                let err = match self.slack.post_message(msg).await {
                    Ok(p) => return Ok(p),
                    Err(e) => e,
                };
                let wait = match &err {
                    SlackError::RateLimited { retry_after } => retry_after.unwrap_or(Duration::from_secs(1)),
                    _ => Duration::from_millis(250 << attempt.min(6)),
                };
                warn!(error = %err, attempt, wait_ms = wait.as_millis() as u64, "Slack post failed");
                if !err.is_retryable() || attempt >= self.settings.max_attempts || wait > self.settings.max_wait {
                    return Err(err);
                }
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
        .instrument(span)
        .await
    }
}
