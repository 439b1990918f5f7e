//! The `SlackApi` seam: the few Web API calls asklake makes, independent of the HTTP client behind them.

use std::time::Duration;

use slack_morphism::prelude::SlackMessageContent;

/// A message to post.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// Channel id.
    pub channel: String,
    /// Parent message timestamp when replying in a thread.
    pub thread_ts: Option<String>,
    /// Text, blocks and attachments.
    pub content: SlackMessageContent,
}

/// Where a posted message landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedMessage {
    /// Channel id.
    pub channel: String,
    /// Message timestamp (its id).
    pub ts: String,
}

/// Why a Slack call failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SlackError {
    /// HTTP 429; retry after the given delay.
    #[error("rate limited by Slack (retry after {retry_after:?})")]
    RateLimited {
        /// From the `Retry-After` header.
        retry_after: Option<Duration>,
    },
    /// Slack answered `ok: false`.
    #[error("Slack API error: {code}")]
    Api {
        /// Slack's error code, e.g. `channel_not_found`.
        code: String,
    },
    /// Transport or server failure (5xx, connection refused, bad JSON).
    #[error("Slack unreachable: {message}")]
    Transport {
        /// Cause.
        message: String,
    },
}

impl SlackError {
    /// Whether trying again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport { .. } => true,
            SlackError::Api { code } => matches!(
                code.as_str(),
                "ratelimited" | "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout"
            ),
        }
    }
}

/// The Slack Web API calls asklake makes.
#[async_trait::async_trait]
pub trait SlackApi: Send + Sync {
    /// `chat.postMessage`.
    async fn post_message(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError>;
    /// `chat.update`.
    async fn update_message(&self, channel: &str, ts: &str, content: &SlackMessageContent) -> Result<(), SlackError>;
    /// `chat.postEphemeral`.
    async fn post_ephemeral(&self, channel: &str, user: &str, content: &SlackMessageContent) -> Result<(), SlackError>;
    /// Files upload v2 (get URL, upload bytes, complete) into a channel thread.
    async fn upload_file(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SlackError>;
}
