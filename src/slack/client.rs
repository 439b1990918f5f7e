//! `SlackApi` over the real slack-morphism Web API client, and the one place asklake retries and paces Slack calls:
//! 429 waits out Retry-After, 5xx and lost connections back off; `chat.postMessage` is paced per channel and
//! `chat.update` per method, each with the short burst Slack tolerates ([`super::pace`]). Callers do not retry.
//!
//! A call that could post twice (`chat.postMessage`, `chat.postEphemeral`, `files.completeUploadExternal`) is sent
//! again only when the failure shows it had no effect; an answer that cannot be read ends it (see [`Resend`]).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::{SlackClientError, SlackClientHttpProtocolError};
use slack_morphism::prelude::*;
use tracing::{Instrument, debug, info_span, warn};

use super::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};
use super::pace::{Pacer, Rate};

/// Retry and pacing behaviour of [`SlackWebClient`].
#[derive(Debug, Clone)]
pub struct ClientPolicy {
    /// Retries after a 429 or a transient failure (the first try is not counted).
    pub max_retries: u32,
    /// Longest `Retry-After` honoured: a longer one fails the call at once (the change feed then gives the
    /// message back to its queue).
    pub max_retry_after: Duration,
    /// Delay before retrying a transient (5xx/transport) failure; doubles each time.
    pub transient_backoff: Duration,
    /// Steady-state time between two messages posted to the same channel (Slack allows ~1 per second); zero
    /// turns post pacing off.
    pub channel_interval: Duration,
    /// Messages that may be posted to one channel back to back before [`Self::channel_interval`] applies (Slack
    /// tolerates short bursts): a slash command's question, status line and answer go out without waiting.
    pub channel_burst: u32,
    /// Steady-state time between two `chat.update` calls in the workspace (Tier 3: 50+ a minute, per method);
    /// zero turns edit pacing off.
    pub update_interval: Duration,
    /// Edits that may go out back to back before [`Self::update_interval`] applies.
    pub update_burst: u32,
    /// Longest wait for one HTTP answer; a call still unanswered then may have taken effect, so only idempotent
    /// calls are sent again.
    pub request_timeout: Duration,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_retry_after: Duration::from_secs(30),
            transient_backoff: Duration::from_millis(500),
            channel_interval: Duration::from_secs(1),
            channel_burst: 3,
            update_interval: Duration::from_millis(1200),
            update_burst: 5,
            request_timeout: Duration::from_secs(20),
        }
    }
}

impl ClientPolicy {
    /// The `chat.postMessage` rate per channel.
    pub fn post_rate(&self) -> Rate {
        Rate::new(self.channel_interval, self.channel_burst)
    }

    /// The `chat.update` rate for the whole workspace.
    pub fn update_rate(&self) -> Rate {
        Rate::new(self.update_interval, self.update_burst)
    }
}

/// The production [`SlackApi`]: slack-morphism's hyper client with a bot token.
pub struct SlackWebClient {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    policy: ClientPolicy,
    /// `chat.postMessage`, keyed by channel.
    posts: Pacer,
    /// `chat.update`, one key: Slack limits it per method, not per channel.
    updates: Pacer,
    /// This app's bot id (`auth.test`), asked once: only its own messages' metadata is trusted.
    bot_id: tokio::sync::OnceCell<String>,
}

impl std::fmt::Debug for SlackWebClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackWebClient").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl SlackWebClient {
    /// A client for the Web API at `api_url` (`https://slack.com/api`, or a local fake in tests).
    pub fn new(api_url: &str, bot_token: &SecretString, policy: ClientPolicy) -> anyhow::Result<Self> {
        // Several TLS backends are linked in (AWS SDK, reqwest); pick ring once for the whole process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .context("could not load the system's TLS root certificates")?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let base = api_url.trim_end_matches('/');
        let connector = SlackClientHyperConnector::from(https).with_slack_api_url(base);
        let client = Arc::new(SlackClient::new(connector));
        let token = SlackApiToken::new(bot_token.expose_secret().to_owned().into());
        let (posts, updates) = (Pacer::new(policy.post_rate()), Pacer::new(policy.update_rate()));
        Ok(Self { client, token, policy, posts, updates, bot_id: tokio::sync::OnceCell::new() })
    }

    /// This app's bot id, from `auth.test` on first use.
    async fn bot_id(&self) -> Result<&str, SlackError> {
        let id = self
            .bot_id
            .get_or_try_init(|| async {
                let session = self.client.open_session(&self.token);
                let me = self.with_retries("auth.test", Resend::Always, || session.auth_test()).await?;
                me.bot_id.map(|b| b.to_string()).ok_or_else(|| SlackError::Api { code: "not_a_bot_token".into() })
            })
            .await?;
        Ok(id.as_str())
    }

    /// The underlying slack-morphism client (Socket Mode needs it).
    pub fn inner(&self) -> Arc<SlackHyperClient> {
        self.client.clone()
    }

    /// Runs `call` with retries: 429 waits for Retry-After, transient failures back off exponentially; a call that
    /// is not safe to resend is retried only when the failure shows it had no effect.
    async fn with_retries<T, F, Fut>(&self, method: &'static str, resend: Resend, mut call: F) -> Result<T, SlackError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SlackClientError>>,
    {
        let mut backoff = self.policy.transient_backoff;
        let mut attempt = 0;
        loop {
            let err = match tokio::time::timeout(self.policy.request_timeout, call()).await {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => map_error(e),
                Err(_) => {
                    SlackError::Unreadable { message: format!("no answer within {:?}", self.policy.request_timeout) }
                }
            };
            attempt += 1;
            if attempt > self.policy.max_retries || !resend.allows(&err) {
                warn!(method, attempt, error = %err, "slack call failed");
                return Err(err);
            }
            let delay = match &err {
                SlackError::RateLimited { retry_after } => {
                    let d = retry_after.unwrap_or(Duration::from_secs(1));
                    if d > self.policy.max_retry_after {
                        warn!(method, attempt, ?d, max = ?self.policy.max_retry_after, "slack asked to wait longer than we will; giving up");
                        return Err(err);
                    }
                    d
                }
                _ => {
                    let d = backoff;
                    backoff *= 2;
                    d
                }
            };
            debug!(method, attempt, ?delay, error = %err, "retrying slack call");
            tokio::time::sleep(delay).await;
        }
    }
}

/// Whether a Web API call may be sent again after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Sending it twice does no harm (`chat.update`, getting an upload URL, uploading the bytes).
    Always,
    /// Sending it twice could post twice: again only after a 429, a 5xx or no response at all.
    IfNoEffect,
}

impl Resend {
    /// Whether `err` allows another try of a call of this kind.
    pub fn allows(self, err: &SlackError) -> bool {
        err.is_retryable() && (self == Resend::Always || err.had_no_effect())
    }
}

/// Maps slack-morphism's error into the seam's error, without response bodies (they may echo content).
fn map_error(err: SlackClientError) -> SlackError {
    match err {
        SlackClientError::RateLimitError(e) => SlackError::RateLimited { retry_after: e.retry_after },
        SlackClientError::ApiError(e) => SlackError::Api { code: e.code },
        SlackClientError::HttpError(e) if e.status_code.is_server_error() => {
            SlackError::Transport { message: format!("HTTP {}", e.status_code) }
        }
        SlackClientError::HttpError(e) => SlackError::Api { code: format!("http_{}", e.status_code.as_u16()) },
        // The request never left: the connection could not be made (refused, DNS, TLS) or the request not built.
        SlackClientError::HttpProtocolError(ref e) if never_sent(e) => {
            SlackError::Transport { message: short_error(&err) }
        }
        // The connection broke after the request was sent (reset, closed before the answer): it may have taken
        // effect, like an answer that cannot be read.
        // A response arrived but could not be read (bad JSON, truncated body): the call may have taken effect.
        other => SlackError::Unreadable { message: short_error(&other) },
    }
}

/// Whether a protocol error happened before the request was sent, so it cannot have taken effect.
fn never_sent(err: &SlackClientHttpProtocolError) -> bool {
    let Some(cause) = err.cause.as_deref() else { return false };
    cause.downcast_ref::<hyper_util::client::legacy::Error>().is_some_and(hyper_util::client::legacy::Error::is_connect)
        || cause.is::<axum::http::Error>()
}

fn short_error(err: &SlackClientError) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or("error");
    first.chars().take(200).collect()
}

#[async_trait::async_trait]
impl SlackApi for SlackWebClient {
    async fn post_message(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
        let span =
            info_span!("slack.post_message", channel = %msg.channel, thread = msg.thread_ts.as_deref().unwrap_or(""));
        async {
            self.posts.wait(&msg.channel).await;
            let session = self.client.open_session(&self.token);
            let mut req = SlackApiChatPostMessageRequest::new(msg.channel.clone().into(), msg.content.clone())
                .with_unfurl_links(false)
                .with_unfurl_media(false);
            if let Some(ts) = &msg.thread_ts {
                req = req.with_thread_ts(ts.clone().into());
            }
            let resp =
                self.with_retries("chat.postMessage", Resend::IfNoEffect, || session.chat_post_message(&req)).await?;
            Ok(PostedMessage { channel: resp.channel.to_string(), ts: resp.ts.to_string() })
        }
        .instrument(span)
        .await
    }

    async fn update_message(&self, channel: &str, ts: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        let span = info_span!("slack.update_message", channel, ts);
        async {
            self.updates.wait("chat.update").await;
            let session = self.client.open_session(&self.token);
            let req = SlackApiChatUpdateRequest::new(channel.to_owned().into(), content.clone(), ts.to_owned().into());
            self.with_retries("chat.update", Resend::Always, || session.chat_update(&req)).await.map(|_| ())
        }
        .instrument(span)
        .await
    }

    async fn post_ephemeral(&self, channel: &str, user: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        let span = info_span!("slack.post_ephemeral", channel, user);
        async {
            let session = self.client.open_session(&self.token);
            let req = SlackApiChatPostEphemeralRequest::new(
                channel.to_owned().into(),
                user.to_owned().into(),
                content.clone(),
            );
            self.with_retries("chat.postEphemeral", Resend::IfNoEffect, || session.chat_post_ephemeral(&req))
                .await
                .map(|_| ())
        }
        .instrument(span)
        .await
    }

    async fn upload_file(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SlackError> {
        let span = info_span!("slack.upload_file", channel, filename, len = bytes.len());
        async {
            let session = self.client.open_session(&self.token);
            let get = SlackApiFilesGetUploadUrlExternalRequest::new(filename.to_owned(), bytes.len());
            let target = self
                .with_retries("files.getUploadURLExternal", Resend::Always, || session.get_upload_url_external(&get))
                .await?;
            let upload =
                SlackApiFilesUploadViaUrlRequest::new(target.upload_url.clone(), bytes, mime_for(filename).into());
            self.with_retries("files.upload", Resend::Always, || session.files_upload_via_url(&upload)).await?;
            let mut complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
                SlackApiFilesComplete::new(target.file_id.clone()).with_title(title.to_owned()),
            ])
            .with_channel_id(channel.to_owned().into());
            if let Some(ts) = thread_ts {
                complete = complete.with_thread_ts(ts.to_owned().into());
            }
            self.with_retries("files.completeUploadExternal", Resend::IfNoEffect, || {
                session.files_complete_upload_external(&complete)
            })
            .await
            .map(|_| ())
        }
        .instrument(span)
        .await
    }

    async fn publish_home(&self, user: &str, view: &SlackView) -> Result<(), SlackError> {
        self.views_publish(user, view).instrument(info_span!("slack.publish_home", user)).await
    }

    async fn thread_metadata(&self, channel: &str, thread_ts: &str) -> Result<Vec<SlackMessageMetadata>, SlackError> {
        let span = info_span!("slack.thread_metadata", channel, thread_ts);
        async {
            let bot = self.bot_id().await?.to_owned();
            let session = self.client.open_session(&self.token);
            let params: Vec<(&str, Option<&str>)> = vec![
                ("channel", Some(channel)),
                ("ts", Some(thread_ts)),
                ("include_all_metadata", Some("true")),
                ("limit", Some(THREAD_READ_LIMIT)),
            ];
            let replies: SlackApiConversationsRepliesResponse = self
                .with_retries("conversations.replies", Resend::Always, || {
                    session.http_session_api.http_get("conversations.replies", &params, None)
                })
                .await?;
            Ok(replies
                .messages
                .into_iter()
                .filter(|m| m.sender.bot_id.as_ref().is_some_and(|b| b.0 == bot))
                .filter_map(|m| m.content.metadata)
                .collect())
        }
        .instrument(span)
        .await
    }
}

/// `views.publish` for the App Home; sending the same view twice does no harm, so every failure Slack calls
/// transient is retried.
impl SlackWebClient {
    async fn views_publish(&self, user: &str, view: &SlackView) -> Result<(), SlackError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiViewsPublishRequest::new(user.to_owned().into(), view.clone());
        self.with_retries("views.publish", Resend::Always, || session.views_publish(&req)).await.map(|_| ())
    }
}

/// How many messages of a thread are read back (asklake keeps the last ten turns of a thread).
const THREAD_READ_LIMIT: &str = "200";

fn mime_for(filename: &str) -> &'static str {
    if filename.ends_with(".csv") {
        "text/csv"
    } else if filename.ends_with(".png") {
        "image/png"
    } else if filename.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use slack_morphism::errors::{SlackClientHttpError, SlackRateLimitError, map_serde_error};

    use super::*;

    fn garbled() -> SlackClientError {
        map_serde_error(serde_json::from_str::<serde_json::Value>("{\"ok\": tr").unwrap_err(), Some("{\"ok\": tr"))
    }

    #[test]
    fn an_unreadable_answer_may_have_posted_so_only_idempotent_calls_try_again() {
        let err = map_error(garbled());
        assert!(matches!(err, SlackError::Unreadable { .. }), "{err:?}");
        assert!(!Resend::IfNoEffect.allows(&err), "chat.postMessage must not post twice");
        assert!(Resend::Always.allows(&err), "chat.update may be sent again");
    }

    #[test]
    fn a_5xx_and_a_429_had_no_effect_and_are_retried_for_every_call() {
        let failures = [
            SlackClientError::HttpError(SlackClientHttpError::new(StatusCode::BAD_GATEWAY)),
            SlackClientError::RateLimitError(SlackRateLimitError::new()),
        ];
        for e in failures {
            let err = map_error(e);
            assert!(Resend::IfNoEffect.allows(&err) && Resend::Always.allows(&err), "{err:?}");
        }
    }

    #[test]
    fn a_protocol_error_not_known_to_precede_sending_may_have_posted() {
        let err = map_error(SlackClientError::HttpProtocolError(SlackClientHttpProtocolError::new()));
        assert!(matches!(err, SlackError::Unreadable { .. }), "{err:?}");
        assert!(!Resend::IfNoEffect.allows(&err) && Resend::Always.allows(&err));
        let unbuilt = axum::http::Request::builder().uri("bad uri").body(()).unwrap_err();
        let err = map_error(SlackClientError::HttpProtocolError(
            SlackClientHttpProtocolError::new().with_cause(Box::new(unbuilt)),
        ));
        assert!(matches!(err, SlackError::Transport { .. }), "{err:?}");
    }

    #[test]
    fn a_bare_4xx_is_a_refusal_and_never_retried() {
        let err = map_error(SlackClientError::HttpError(SlackClientHttpError::new(StatusCode::NOT_FOUND)));
        assert_eq!(err, SlackError::Api { code: "http_404".into() });
        assert!(!Resend::Always.allows(&err));
    }

    #[test]
    fn internal_error_may_have_partly_succeeded_so_a_post_is_not_resent_but_an_edit_is() {
        let err = SlackError::Api { code: "internal_error".into() };
        assert!(!Resend::IfNoEffect.allows(&err));
        assert!(Resend::Always.allows(&err));
    }

    #[test]
    fn the_default_policy_paces_a_channel_to_about_one_message_a_second() {
        assert_eq!(ClientPolicy::default().channel_interval, Duration::from_secs(1));
    }

    #[test]
    fn a_slash_commands_three_posts_fit_the_default_channel_burst_and_a_fourth_is_paced() {
        let posts = Pacer::new(ClientPolicy::default().post_rate());
        let now = tokio::time::Instant::now();
        let waits: Vec<Duration> = (0..4).map(|_| posts.reserve("C1", now)).collect();
        assert_eq!(waits[..3], [Duration::ZERO; 3], "question, status line and answer are not held back");
        assert_eq!(waits[3], Duration::from_secs(1));
    }

    #[test]
    fn the_default_edit_rate_stays_within_slacks_tier_3_budget_of_50_a_minute() {
        let policy = ClientPolicy::default();
        let updates = Pacer::new(policy.update_rate());
        let start = tokio::time::Instant::now();
        // Edits asked for as fast as possible for a minute: the pacer lets through what fits the budget.
        let sent = (0..200).filter(|_| updates.reserve("chat.update", start) < Duration::from_secs(60)).count();
        assert!(sent <= 50 + policy.update_burst as usize, "{sent} edits in a minute");
        assert!(sent >= 45, "{sent} edits in a minute: the pacer is stricter than it needs to be");
    }
}
