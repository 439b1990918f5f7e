//! The status message in an answer's thread: pipeline progress coalesced into at most one `chat.update` per
//! interval, so a fast pipeline never trips Slack's rate limits and a slow one still shows where it is.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::render::{self, Lang};
use crate::pipeline::{Progress, ProgressSink};
use crate::state::AppState;

/// Receives progress from the pipeline without waiting on Slack.
#[derive(Debug)]
pub struct StatusSink {
    tx: watch::Sender<Option<Progress>>,
}

#[async_trait::async_trait]
impl ProgressSink for StatusSink {
    async fn update(&self, progress: Progress) {
        self.tx.send_replace(Some(progress));
    }
}

/// The task that edits the status message; stop it before the final edit.
#[derive(Debug)]
pub struct StatusUpdater {
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

impl StatusUpdater {
    /// Stops after any edit in progress, so no stale edit lands after the caller's final one.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.handle.await;
    }
}

/// Starts editing the message `ts` in `channel` as progress arrives, at most once per `app.status_interval`.
pub fn start(app: &AppState, channel: &str, ts: &str, lang: Lang) -> (StatusSink, StatusUpdater) {
    let (tx, mut rx) = watch::channel(None::<Progress>);
    let stop = CancellationToken::new();
    let (app, channel, ts, interval) = (app.clone(), channel.to_owned(), ts.to_owned(), app.status_interval);
    let stopped = stop.clone();
    let handle = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.cancelled() => break,
                changed = rx.changed() => if changed.is_err() { break },
            }
            let latest = rx.borrow_and_update().clone();
            if let Some(progress) = latest {
                edit(&app, &channel, &ts, &progress, lang).await;
            }
            tokio::select! {
                _ = stopped.cancelled() => break,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    });
    (StatusSink { tx }, StatusUpdater { stop, handle })
}

async fn edit(app: &AppState, channel: &str, ts: &str, progress: &Progress, lang: Lang) {
    let text = render::progress_text(progress, lang);
    let content = match render::status(&app.templates, "⏳", &text) {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(error = %err, "could not render a status message");
            return;
        }
    };
    // Progress edits are best effort: no retries, the next edit or the final one will catch up.
    if let Err(err) = app.slack.update_message(channel, ts, &content).await {
        tracing::warn!(error = %err, "could not update the status message");
    }
}

/// The default interval between status edits (Slack's `chat.update` is rate limited per channel).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);
