//! Posting with bounded retries: a rate-limited or failed post is tried again after `Retry-After` (or a short
//! backoff), at most [`MAX_ATTEMPTS`] times; Slack API errors such as `channel_not_found` are not retried.

use std::time::Duration;

use slack_morphism::prelude::SlackMessageContent;

use super::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};

/// Tries per call, first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// Longest wait honoured from a `Retry-After` header.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

fn delay(err: &SlackError, attempt: u32) -> Duration {
    match err {
        SlackError::RateLimited { retry_after: Some(d) } => (*d).min(MAX_RETRY_AFTER),
        _ => Duration::from_millis(500 * u64::from(attempt)),
    }
}

async fn with_retry<T, F, Fut>(what: &'static str, mut call: F) -> Result<T, SlackError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SlackError>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(err) if err.is_retryable() && attempt < MAX_ATTEMPTS => {
                let wait = delay(&err, attempt);
                tracing::warn!(call = what, attempt, error = %err, wait_ms = wait.as_millis() as u64, "Slack call failed; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// `chat.postMessage` with retries.
#[tracing::instrument(skip_all, fields(channel = %msg.channel, thread_ts = ?msg.thread_ts))]
pub async fn post(slack: &dyn SlackApi, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
    with_retry("chat.postMessage", || slack.post_message(msg)).await
}

/// `chat.update` with retries.
#[tracing::instrument(skip_all, fields(channel, ts))]
pub async fn update(
    slack: &dyn SlackApi,
    channel: &str,
    ts: &str,
    content: &SlackMessageContent,
) -> Result<(), SlackError> {
    with_retry("chat.update", || slack.update_message(channel, ts, content)).await
}

/// `chat.postEphemeral` with retries.
#[tracing::instrument(skip_all, fields(channel, user))]
pub async fn ephemeral(
    slack: &dyn SlackApi,
    channel: &str,
    user: &str,
    content: &SlackMessageContent,
) -> Result<(), SlackError> {
    with_retry("chat.postEphemeral", || slack.post_ephemeral(channel, user, content)).await
}

/// A message in `channel`, in the thread `thread_ts` when given.
pub fn message(channel: &str, thread_ts: Option<&str>, content: SlackMessageContent) -> OutgoingMessage {
    OutgoingMessage { channel: channel.to_owned(), thread_ts: thread_ts.map(str::to_owned), content }
}
