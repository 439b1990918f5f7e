//! Posts an answer's chart into its Slack thread, after the answer itself: a chart that cannot be drawn or
//! uploaded is logged (method and Slack's error code only) and never costs the asker the answer.

use chrono_tz::Tz;
use tracing::{Instrument, info_span, warn};

use crate::pipeline::Answer;
use crate::slack::api::SlackApi;

/// Longest file title, in characters (the question, cut).
const TITLE_CHARS: usize = 120;

/// What happened to an answer's chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The chart is in the thread.
    Chart,
    /// No chart fits this answer (see [`super::plan`]).
    NoChart,
    /// Drawing or uploading failed; logged.
    Failed,
}

/// Draws `answer`'s chart (times on the `tz` clock), if one fits, and uploads it into the thread `thread_ts` of
/// `channel`.
pub async fn in_thread(slack: &dyn SlackApi, channel: &str, thread_ts: &str, answer: &Answer, tz: Tz) -> Posted {
    let Some(plan) = answer.result.as_ref().and_then(super::plan) else { return Posted::NoChart };
    let span = info_span!("chart.post", channel, thread_ts);
    async {
        let question = answer.question.clone();
        let drawn = tokio::task::spawn_blocking(move || super::render_png(&plan, &question, tz)).await;
        let png = match drawn {
            Ok(Ok(png)) => png,
            Ok(Err(err)) => {
                warn!(error = %err, "could not draw the chart");
                return Posted::Failed;
            }
            Err(err) => {
                warn!(error = %err, "the chart drawing task failed");
                return Posted::Failed;
            }
        };
        let title = crate::slack::escape::truncate(&answer.question, TITLE_CHARS);
        match slack.upload_file(channel, Some(thread_ts), "asklake-chart.png", &title, png).await {
            Ok(()) => Posted::Chart,
            Err(err) => {
                warn!(error = %err, "could not upload the chart; the answer is posted without it");
                Posted::Failed
            }
        }
    }
    .instrument(span)
    .await
}
