//! The SQS adapter of [`AlertQueue`]: long polling, batch deletes with per-entry retries, visibility changes.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, MessageSystemAttributeName,
};
use tracing::{Instrument, info_span, warn};

use super::queue::{AlertQueue, QueueError, QueueMessage};

/// Attempts at deleting the entries of one batch before giving up (they will be redelivered and deduplicated).
const DELETE_ATTEMPTS: u32 = 3;

/// Amazon SQS as an [`AlertQueue`].
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
    wait: Duration,
    visibility: Duration,
}

impl SqsQueue {
    /// A queue at `url`; receives wait up to `wait` (long polling, ≤ 20 s) and hide messages for `visibility`.
    pub fn new(client: Client, url: impl Into<String>, wait: Duration, visibility: Duration) -> Self {
        Self { client, url: url.into(), wait: wait.min(Duration::from_secs(20)), visibility }
    }

    /// Builds an SDK client from `[aws]` settings (region, endpoint override, profile).
    pub async fn client_from_config(aws: &crate::config::AwsConfig) -> Client {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(aws.region.clone()));
        if !aws.endpoint_url.is_empty() {
            loader = loader.endpoint_url(aws.endpoint_url.clone());
        }
        if !aws.profile.is_empty() {
            loader = loader.profile_name(aws.profile.clone());
        }
        Client::new(&loader.load().await)
    }

    async fn change_visibility(&self, msgs: &[QueueMessage], secs: i32) -> Result<(), QueueError> {
        for chunk in msgs.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(&m.receipt)
                        .visibility_timeout(secs)
                        .build()
                        .map_err(|e| QueueError::Call { op: "change_visibility", message: e.to_string() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .change_message_visibility_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| sdk_err("change_visibility", e))?;
            if !out.failed().is_empty() {
                warn!(failed = out.failed().len(), "some visibility changes failed");
            }
        }
        Ok(())
    }
}

fn sdk_err<E: std::error::Error + 'static>(op: &'static str, e: aws_sdk_sqs::error::SdkError<E>) -> QueueError {
    QueueError::Call { op, message: format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)) }
}

#[async_trait::async_trait]
impl AlertQueue for SqsQueue {
    async fn receive(&self, max: usize) -> Result<Vec<QueueMessage>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(self.wait.as_secs() as i32)
            .visibility_timeout(self.visibility.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .instrument(info_span!("sqs.receive", max))
            .await
            .map_err(|e| sdk_err("receive", e))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| QueueMessage {
                id: m.message_id().unwrap_or_default().to_owned(),
                receipt: m.receipt_handle().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1),
            })
            .collect())
    }

    async fn delete(&self, msgs: &[QueueMessage]) -> Result<usize, QueueError> {
        let mut deleted = 0;
        let mut failed = 0;
        for chunk in msgs.chunks(10) {
            let mut pending: Vec<&QueueMessage> = chunk.iter().collect();
            for attempt in 1..=DELETE_ATTEMPTS {
                let entries = pending
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(&m.receipt)
                            .build()
                            .map_err(|e| QueueError::Call { op: "delete", message: e.to_string() })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let out = self
                    .client
                    .delete_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send()
                    .instrument(info_span!("sqs.delete_batch", entries = pending.len(), attempt))
                    .await;
                match out {
                    Ok(out) => {
                        deleted += out.successful().len();
                        // A sender fault (a stale receipt of a message received twice, an invalid handle) fails
                        // the same way every time; only SQS-side failures are tried again.
                        let mut retry: Vec<&QueueMessage> = Vec::new();
                        for f in out.failed() {
                            warn!(code = f.code(), sender_fault = f.sender_fault(), attempt, "SQS delete entry failed");
                            let entry = f.id().parse::<usize>().ok().and_then(|i| pending.get(i).copied());
                            match entry {
                                Some(m) if !f.sender_fault() => retry.push(m),
                                _ => failed += 1,
                            }
                        }
                        pending = retry;
                    }
                    Err(e) => warn!(error = %sdk_err("delete", e), attempt, "SQS delete batch failed"),
                }
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
            failed += pending.len();
        }
        if failed > 0 {
            return Err(QueueError::PartialDelete { deleted, failed, total: msgs.len() });
        }
        Ok(deleted)
    }

    async fn release(&self, msgs: &[QueueMessage]) -> Result<(), QueueError> {
        self.change_visibility(msgs, 0).instrument(info_span!("sqs.release", n = msgs.len())).await
    }

    async fn extend(&self, msgs: &[QueueMessage], by: Duration) -> Result<(), QueueError> {
        let secs = by.as_secs().min(43_200) as i32;
        self.change_visibility(msgs, secs).instrument(info_span!("sqs.extend", n = msgs.len())).await
    }
}
