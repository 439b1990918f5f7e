//! The `SlackApi` seam: the few Web API calls asklake makes, independent of the HTTP client behind them.

use std::time::Duration;

use slack_morphism::prelude::{SlackMessageContent, SlackMessageMetadata, SlackView};

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

impl OutgoingMessage {
    /// A message in `channel`, in the thread `thread_ts` when given.
    pub fn new(channel: &str, thread_ts: Option<&str>, content: SlackMessageContent) -> Self {
        Self { channel: channel.to_owned(), thread_ts: thread_ts.map(str::to_owned), content }
    }
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
    /// Slack answered `ok: false`, or refused the request with an HTTP 4xx other than 429.
    #[error("Slack API error: {code}")]
    Api {
        /// Slack's error code, e.g. `channel_not_found` (`http_<status>` for a bare 4xx).
        code: String,
    },
    /// No usable answer and no effect: connection refused or reset before a response, or an HTTP 5xx.
    #[error("Slack unreachable: {message}")]
    Transport {
        /// Cause.
        message: String,
    },
    /// Slack answered but the answer could not be read (e.g. a garbled 200): the call may have taken effect.
    #[error("Slack's answer could not be read: {message}")]
    Unreadable {
        /// Cause.
        message: String,
    },
}

impl SlackError {
    /// Whether trying again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport { .. } | SlackError::Unreadable { .. } => true,
            SlackError::Api { code } => matches!(
                code.as_str(),
                "ratelimited" | "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout"
            ),
        }
    }

    /// Whether Slack refused because asklake cannot post in that channel (not a member, or no such channel).
    pub fn is_not_in_channel(&self) -> bool {
        matches!(self, SlackError::Api { code } if code == "not_in_channel" || code == "channel_not_found")
    }

    /// Whether the failed call demonstrably had no effect, so even a non-idempotent call (`chat.postMessage`) may
    /// be sent again: a 429, a 5xx, no response at all, or an `ok: false` Slack documents as "nothing done".
    /// `internal_error` and `fatal_error` are excluded: Slack says part of the operation may have succeeded.
    pub fn had_no_effect(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport { .. } => true,
            SlackError::Unreadable { .. } => false,
            SlackError::Api { code } => {
                matches!(code.as_str(), "ratelimited" | "service_unavailable" | "request_timeout")
            }
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
    /// `conversations.replies` with `include_all_metadata`: the metadata of asklake's own messages in the thread
    /// rooted at `thread_ts`, oldest first (messages of other apps and people are left out). A double without
    /// threads in Slack answers with none.
    async fn thread_metadata(&self, channel: &str, thread_ts: &str) -> Result<Vec<SlackMessageMetadata>, SlackError> {
        let _ = (channel, thread_ts);
        Ok(Vec::new())
    }

    /// `views.publish`: `user`'s App Home. A double that has no App Home refuses with `not_supported`.
    async fn publish_home(&self, user: &str, view: &SlackView) -> Result<(), SlackError> {
        let _ = (user, view);
        Err(SlackError::Api { code: "not_supported".into() })
    }
}
