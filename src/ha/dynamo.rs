//! [`Claims`] in a DynamoDB table shared by every instance: one conditional `PutItem` per claim.
//!
//! Table: partition key `pk` (string) = `namespace#id`; attributes `state` (`held` or `done`), `owner` (the
//! instance that wrote it) and `expires_at` (Unix seconds, the table's TTL attribute). DynamoDB deletes expired
//! items lazily (within days), so every condition also treats an item past `expires_at` as absent.
//! Calls made: `PutItem`, `DeleteItem` and, from `asklake doctor`, `DescribeTable`.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, KeyType, ReturnValuesOnConditionCheckFailure, TableStatus};
use tracing::Instrument;

use super::{Claim, ClaimError, Claims};
use crate::config::Config;

/// A free slot, one whose holder's time is up, or a lease this instance already holds (a retry of its own).
const FREE: &str = "attribute_not_exists(pk) OR expires_at < :now OR (#owner = :me AND #state = :held)";

/// Claims in the table `[ha] claims_table`.
#[derive(Debug, Clone)]
pub struct DynamoClaims {
    client: Client,
    table: String,
    owner: String,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn unavailable<E: std::error::Error + 'static>(err: E) -> ClaimError {
    ClaimError::Unavailable(DisplayErrorContext(err).to_string())
}

impl DynamoClaims {
    /// A client from `[aws]` (region, profile, endpoint override) for `[ha] claims_table`.
    pub async fn from_config(config: &Config) -> Self {
        let sdk = crate::llm::aws::sdk_config(&config.aws, "").await;
        let owner = if config.ha.instance_id.is_empty() {
            format!("asklake-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
        } else {
            config.ha.instance_id.clone()
        };
        Self::new(Client::new(&sdk), &config.ha.claims_table, &owner)
    }

    /// Claims in `table` through `client`, written as `owner`.
    pub fn new(client: Client, table: &str, owner: &str) -> Self {
        Self { client, table: table.to_owned(), owner: owner.to_owned() }
    }

    /// This instance's name in the table.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Writes `namespace#id` in `state` until `now + ttl` if the slot is free; the existing item when it is not.
    async fn put_if_free(
        &self,
        namespace: &str,
        id: &str,
        state: &str,
        ttl: Duration,
    ) -> Result<Option<HashMap<String, AttributeValue>>, ClaimError> {
        let t = now();
        let span = tracing::debug_span!("dynamodb.put_item", table = %self.table, namespace);
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&format!("{namespace}#{id}")))
            .item("state", s(state))
            .item("owner", s(&self.owner))
            .item("expires_at", AttributeValue::N((t + ttl.as_secs() as i64).to_string()))
            .condition_expression(FREE)
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", AttributeValue::N(t.to_string()))
            .expression_attribute_values(":me", s(&self.owner))
            .expression_attribute_values(":held", s("held"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .instrument(span)
            .await;
        match sent {
            Ok(_) => Ok(None),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(c) => Ok(Some(c.item.unwrap_or_default())),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// What `asklake doctor` checks: the table is active, keyed on `pk`, and this role may claim and release in it.
    pub async fn check(&self) -> Result<String, ClaimError> {
        let described = self.client.describe_table().table_name(&self.table).send().await.map_err(unavailable)?;
        let table = described.table.ok_or_else(|| ClaimError::Unavailable("DescribeTable returned no table".into()))?;
        let keyed_on_pk =
            table.key_schema().iter().any(|k| k.attribute_name() == "pk" && k.key_type() == &KeyType::Hash)
                && table.key_schema().len() == 1;
        if !keyed_on_pk {
            return Err(ClaimError::Unavailable(format!(
                "table {} is not keyed on a single partition key named pk",
                self.table
            )));
        }
        if table.table_status() != Some(&TableStatus::Active) {
            return Err(ClaimError::Unavailable(format!("table {} is not ACTIVE yet", self.table)));
        }
        let probe = uuid::Uuid::new_v4().simple().to_string();
        self.claim("doctor", &probe, Duration::from_secs(60)).await?;
        self.release("doctor", &probe).await?;
        Ok(format!("table {} is active; a test claim was written and removed", self.table))
    }
}

#[async_trait::async_trait]
impl Claims for DynamoClaims {
    async fn once(&self, namespace: &str, id: &str, keep: Duration) -> Result<bool, ClaimError> {
        Ok(self.put_if_free(namespace, id, "done", keep).await?.is_none())
    }

    async fn claim(&self, namespace: &str, id: &str, lease: Duration) -> Result<Claim, ClaimError> {
        let Some(held) = self.put_if_free(namespace, id, "held", lease).await? else { return Ok(Claim::Won) };
        let state = held.get("state").and_then(|v| v.as_s().ok()).map(String::as_str);
        let until = held.get("expires_at").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0);
        Ok(if state == Some("done") { Claim::Done } else { Claim::Held { until } })
    }

    async fn finish(&self, namespace: &str, id: &str, keep: Duration) -> Result<(), ClaimError> {
        let span = tracing::debug_span!("dynamodb.put_item", table = %self.table, namespace);
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&format!("{namespace}#{id}")))
            .item("state", s("done"))
            .item("owner", s(&self.owner))
            .item("expires_at", AttributeValue::N((now() + keep.as_secs() as i64).to_string()))
            .send()
            .instrument(span)
            .await
            .map(drop)
            .map_err(unavailable)
    }

    async fn release(&self, namespace: &str, id: &str) -> Result<(), ClaimError> {
        let span = tracing::debug_span!("dynamodb.delete_item", table = %self.table, namespace);
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&format!("{namespace}#{id}")))
            // Only our own lease: never another instance's, never a finished post.
            .condition_expression("#owner = :me AND #state = :held")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":me", s(&self.owner))
            .expression_attribute_values(":held", s("held"))
            .send()
            .instrument(span)
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn shared(&self) -> bool {
        true
    }
}
