//! An in-memory [`SlackApi`] for tests and benchmarks: records what asklake sends and fails the calls a test scripts.
//!
//! Only built with the `test-util` feature. Tests of the Slack wire protocol use the local fake Web API server
//! under `tests/api/support` with the real client instead; this double is for measuring or exercising the code
//! above the seam without any HTTP.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use slack_morphism::prelude::SlackMessageContent;

use super::api::{OutgoingMessage, PostedMessage, SlackApi, SlackError};

/// The Web API call a scripted failure applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `chat.postMessage`.
    PostMessage,
    /// `chat.update`.
    Update,
    /// `chat.postEphemeral`.
    Ephemeral,
    /// Files upload v2 (the three steps count as one call).
    Upload,
}

/// A call the double accepted.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// `chat.postMessage`, with the `ts` it was given.
    Post {
        /// What was posted.
        message: OutgoingMessage,
        /// The `ts` answered.
        ts: String,
    },
    /// `chat.update`.
    Update {
        /// Channel id.
        channel: String,
        /// The edited message.
        ts: String,
        /// New content.
        content: SlackMessageContent,
    },
    /// `chat.postEphemeral`.
    Ephemeral {
        /// Channel id.
        channel: String,
        /// Who sees it.
        user: String,
        /// Content.
        content: SlackMessageContent,
    },
    /// A file upload.
    Upload {
        /// Channel id.
        channel: String,
        /// Thread it was shared into.
        thread_ts: Option<String>,
        /// File name.
        filename: String,
        /// Title shown in Slack.
        title: String,
        /// File content.
        bytes: Vec<u8>,
    },
}

#[derive(Debug, Default)]
struct State {
    recorded: Vec<Recorded>,
    queued: HashMap<Method, VecDeque<SlackError>>,
    numbered: HashMap<(Method, usize), SlackError>,
    attempts: HashMap<Method, usize>,
    accepted: HashMap<Method, usize>,
    next_ts: u64,
}

/// Records accepted calls in order and answers scripted failures first. Cheap per call; share it as an `Arc`.
#[derive(Debug)]
pub struct MemorySlack {
    state: Mutex<State>,
    keep: bool,
}

impl Default for MemorySlack {
    fn default() -> Self {
        Self::new()
    }
}

impl MemorySlack {
    /// A double that keeps every accepted call for inspection.
    pub fn new() -> Self {
        Self { state: Mutex::new(State::default()), keep: true }
    }

    /// A double that only counts calls and keeps no content, so a long load test does not grow its memory.
    pub fn counting() -> Self {
        Self { keep: false, ..Self::new() }
    }

    /// Makes the next `times` calls of `method` fail with `err` (after any already queued).
    pub fn fail_next(&self, method: Method, err: SlackError, times: usize) {
        let mut state = self.lock();
        state.queued.entry(method).or_default().extend(std::iter::repeat_n(err, times));
    }

    /// Makes the `n`-th call of `method` (1-based, failed calls included) fail with `err`.
    pub fn fail_call(&self, method: Method, n: usize, err: SlackError) {
        self.lock().numbered.insert((method, n), err);
    }

    /// Accepted calls, in order (empty for a [`MemorySlack::counting`] double).
    pub fn calls(&self) -> Vec<Recorded> {
        self.lock().recorded.clone()
    }

    /// Accepted posts, in order, with the `ts` each was given.
    pub fn posts(&self) -> Vec<(OutgoingMessage, String)> {
        self.lock()
            .recorded
            .iter()
            .filter_map(|c| match c {
                Recorded::Post { message, ts } => Some((message.clone(), ts.clone())),
                _ => None,
            })
            .collect()
    }

    /// How many calls of `method` were made, failed ones included.
    pub fn attempts(&self, method: Method) -> usize {
        self.lock().attempts.get(&method).copied().unwrap_or(0)
    }

    /// How many calls of `method` were accepted.
    pub fn accepted(&self, method: Method) -> usize {
        self.lock().accepted.get(&method).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic in another test thread must not hide this double's record.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts the call; returns its scripted failure, or records what `accept` builds and returns the new ts.
    fn call(&self, method: Method, accept: impl FnOnce(String) -> Recorded) -> Result<String, SlackError> {
        let mut state = self.lock();
        let n = {
            let count = state.attempts.entry(method).or_default();
            *count += 1;
            *count
        };
        let queued = state.queued.get_mut(&method).and_then(VecDeque::pop_front);
        if let Some(err) = queued.or_else(|| state.numbered.remove(&(method, n))) {
            return Err(err);
        }
        *state.accepted.entry(method).or_default() += 1;
        state.next_ts += 1;
        let ts = format!("1700000000.{:06}", state.next_ts);
        if self.keep {
            let recorded = accept(ts.clone());
            state.recorded.push(recorded);
        }
        Ok(ts)
    }
}

#[async_trait::async_trait]
impl SlackApi for MemorySlack {
    async fn post_message(&self, msg: &OutgoingMessage) -> Result<PostedMessage, SlackError> {
        let ts = self.call(Method::PostMessage, |ts| Recorded::Post { message: msg.clone(), ts })?;
        Ok(PostedMessage { channel: msg.channel.clone(), ts })
    }

    async fn update_message(&self, channel: &str, ts: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        self.call(Method::Update, |_| Recorded::Update {
            channel: channel.to_owned(),
            ts: ts.to_owned(),
            content: content.clone(),
        })
        .map(drop)
    }

    async fn post_ephemeral(&self, channel: &str, user: &str, content: &SlackMessageContent) -> Result<(), SlackError> {
        self.call(Method::Ephemeral, |_| Recorded::Ephemeral {
            channel: channel.to_owned(),
            user: user.to_owned(),
            content: content.clone(),
        })
        .map(drop)
    }

    async fn upload_file(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        filename: &str,
        title: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SlackError> {
        self.call(Method::Upload, |_| Recorded::Upload {
            channel: channel.to_owned(),
            thread_ts: thread_ts.map(str::to_owned),
            filename: filename.to_owned(),
            title: title.to_owned(),
            bytes,
        })
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn message(channel: &str, thread_ts: Option<&str>) -> OutgoingMessage {
        OutgoingMessage {
            channel: channel.into(),
            thread_ts: thread_ts.map(str::to_owned),
            content: SlackMessageContent::new().with_text("hi".into()),
        }
    }

    #[tokio::test]
    async fn accepted_calls_are_recorded_in_order_with_distinct_timestamps() {
        let slack = MemorySlack::new();
        let root = slack.post_message(&message("C1", None)).await.unwrap();
        slack.post_message(&message("C1", Some(&root.ts))).await.unwrap();
        slack.post_ephemeral("C1", "U1", &SlackMessageContent::new()).await.unwrap();
        slack.upload_file("C1", Some(&root.ts), "a.csv", "A", b"a\r\n".to_vec()).await.unwrap();

        let posts = slack.posts();
        assert_eq!(posts.len(), 2);
        assert_ne!(posts[0].1, posts[1].1);
        assert_eq!(posts[1].0.thread_ts.as_deref(), Some(root.ts.as_str()));
        assert!(matches!(&slack.calls()[2], Recorded::Ephemeral { user, .. } if user == "U1"));
        assert!(matches!(&slack.calls()[3], Recorded::Upload { bytes, .. } if bytes == b"a\r\n"));
    }

    #[tokio::test]
    async fn scripted_failures_are_answered_first_and_not_recorded() {
        let slack = MemorySlack::new();
        let limited = SlackError::RateLimited { retry_after: Some(Duration::from_secs(2)) };
        slack.fail_next(Method::PostMessage, limited.clone(), 1);
        slack.fail_call(Method::PostMessage, 3, SlackError::Api { code: "channel_not_found".into() });

        assert_eq!(slack.post_message(&message("C1", None)).await.unwrap_err(), limited);
        assert!(slack.post_message(&message("C1", None)).await.is_ok());
        let third = slack.post_message(&message("C1", None)).await.unwrap_err();
        assert_eq!(third, SlackError::Api { code: "channel_not_found".into() });

        assert_eq!((slack.attempts(Method::PostMessage), slack.accepted(Method::PostMessage)), (3, 1));
        assert_eq!(slack.posts().len(), 1);
    }

    #[tokio::test]
    async fn a_counting_double_counts_but_keeps_nothing() {
        let slack = MemorySlack::counting();
        slack.post_message(&message("C1", None)).await.unwrap();
        slack.update_message("C1", "1.1", &SlackMessageContent::new()).await.unwrap();
        assert_eq!((slack.accepted(Method::PostMessage), slack.accepted(Method::Update)), (1, 1));
        assert!(slack.calls().is_empty());
    }
}
