//! Compatibility only: the old change-feed poster, now a no-op adapter kept because `benches/alerts.rs` still names
//! it. The worker posts through [`SlackApi`] directly; retries and pacing are the client's
//! ([`crate::slack::client::ClientPolicy`]). Delete this module once the bench passes its `SlackApi` straight to
//! [`Worker::new`](super::worker::Worker::new).

use std::sync::Arc;
use std::time::Duration;

use crate::slack::api::SlackApi;

/// Former pacing settings; nothing reads them any more.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostSettings {
    /// Ignored: per-channel pacing is [`ClientPolicy::channel_interval`](crate::slack::client::ClientPolicy).
    pub min_interval: Duration,
    /// Ignored: the only retry budget is [`ClientPolicy::max_retries`](crate::slack::client::ClientPolicy).
    pub max_attempts: u32,
}

/// Former change-feed poster; see the module note.
#[derive(Debug)]
pub struct Poster;

impl Poster {
    /// Hands `slack` back unchanged, for [`Worker::new`](super::worker::Worker::new): no retries, no pacing here.
    #[allow(clippy::new_ret_no_self)] // A shim for an old call site: it has no state of its own to return.
    pub fn new(slack: Arc<dyn SlackApi>, _settings: PostSettings) -> Arc<dyn SlackApi> {
        slack
    }
}
