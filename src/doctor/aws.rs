//! The doctor's AWS steps: caller identity, Athena workgroup, Security Lake tables, a tiny query, Bedrock model
//! access and the change-feed queue with its dead-letter queue.

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;

use super::Outcome;
use crate::catalog::Catalog;
use crate::config::{Config, EngineKind, LlmProvider, QueueKind};
use crate::engines::{ExecOptions, SqlEngine};

/// The AWS clients a doctor run uses; each is present only when the configuration uses that service.
pub struct AwsClients {
    /// STS, for the caller identity.
    pub sts: Option<aws_sdk_sts::Client>,
    /// Athena, for the workgroup and table metadata.
    pub athena: Option<aws_sdk_athena::Client>,
    /// The configured engine, for the test query.
    pub engine: Option<Arc<dyn SqlEngine>>,
    /// Bedrock Runtime.
    pub bedrock: Option<aws_sdk_bedrockruntime::Client>,
    /// SQS.
    pub sqs: Option<aws_sdk_sqs::Client>,
    /// The claims table of `[ha] claims_table` (none = one instance).
    pub claims: Option<crate::ha::dynamo::DynamoClaims>,
}

impl AwsClients {
    /// Clients from `[aws]` (and `[llm]` region / endpoint for Bedrock), as `serve` would build them.
    pub async fn from_config(config: &Config) -> Self {
        let sdk = crate::llm::aws::sdk_config(&config.aws, "").await;
        let athena = config.engine.kind == EngineKind::Athena;
        let bedrock = if config.llm.provider == LlmProvider::Bedrock {
            let sdk = crate::llm::aws::sdk_config(&config.aws, &config.llm.region).await;
            let mut builder = aws_sdk_bedrockruntime::config::Builder::from(&sdk);
            if !config.llm.endpoint_url.is_empty() {
                builder = builder.endpoint_url(&config.llm.endpoint_url);
            }
            Some(aws_sdk_bedrockruntime::Client::from_conf(builder.build()))
        } else {
            None
        };
        Self {
            sts: Some(aws_sdk_sts::Client::new(&sdk)),
            athena: athena.then(|| aws_sdk_athena::Client::new(&sdk)),
            engine: athena.then(|| crate::engines::from_config(config).ok()).flatten(),
            bedrock,
            sqs: (config.alerts.queue == QueueKind::Sqs).then(|| aws_sdk_sqs::Client::new(&sdk)),
            claims: if config.ha.claims_table.is_empty() {
                None
            } else {
                Some(crate::ha::dynamo::DynamoClaims::from_config(config).await)
            },
        }
    }

    /// Every client built from one SDK config (tests: a local endpoint and static credentials).
    pub fn from_sdk_config(sdk: &SdkConfig, engine: Option<Arc<dyn SqlEngine>>) -> Self {
        Self {
            sts: Some(aws_sdk_sts::Client::new(sdk)),
            athena: Some(aws_sdk_athena::Client::new(sdk)),
            engine,
            bedrock: Some(aws_sdk_bedrockruntime::Client::new(sdk)),
            sqs: Some(aws_sdk_sqs::Client::new(sdk)),
            claims: None,
        }
    }

    /// The claims table: active, keyed on `pk`, and this role may claim and release in it.
    pub async fn claims_table(&self) -> Outcome {
        let Some(claims) = &self.claims else { return Outcome::Skip("[ha] claims_table is not set".into()) };
        match claims.check().await {
            Ok(seen) => Outcome::Pass(seen),
            Err(err) => Outcome::fail(
                err.to_string(),
                "create the table from deploy/asklake.yaml (ClaimsTable: partition key pk of type String, TTL on \
                 expires_at) and grant the task role dynamodb:PutItem, DeleteItem and DescribeTable on it, or unset \
                 [ha] claims_table to run one instance",
            ),
        }
    }

    /// `sts:GetCallerIdentity`: are there credentials at all, and whose.
    pub async fn identity(&self) -> Outcome {
        let Some(sts) = &self.sts else { return Outcome::Skip("no STS client".into()) };
        match sts.get_caller_identity().send().await {
            Ok(out) => Outcome::Pass(format!(
                "{} in account {}",
                out.arn().unwrap_or("(no arn)"),
                out.account().unwrap_or("(no account)")
            )),
            Err(e) => Outcome::fail(
                format!("no usable AWS credentials: {}", sdk_message(&e)),
                "run with a task role or set AWS_PROFILE / [aws] profile; check [aws] region",
            ),
        }
    }

    /// `athena:GetWorkGroup`: enabled, with a result location and a scan cap.
    pub async fn workgroup(&self, config: &Config) -> Outcome {
        let Some(athena) = &self.athena else { return Outcome::Skip("no Athena client".into()) };
        let name = &config.athena.workgroup;
        let out = match athena.get_work_group().work_group(name).send().await {
            Ok(out) => out,
            Err(e) => return service_failure("workgroup", name, &sdk_message(&e), "athena:GetWorkGroup"),
        };
        let Some(wg) = out.work_group() else {
            return Outcome::fail(
                format!("workgroup {name} not found"),
                "create it (deploy/asklake.yaml) or fix [athena] workgroup",
            );
        };
        if wg.state().map(|s| s.as_str()) == Some("DISABLED") {
            return Outcome::fail(format!("workgroup {name} is disabled"), "enable it in the Athena console");
        }
        let conf = wg.configuration();
        let location = conf.and_then(|c| c.result_configuration()).and_then(|r| r.output_location());
        if location.is_none() && config.athena.output_location.is_empty() {
            return Outcome::fail(
                format!("workgroup {name} has no query result location"),
                "set one on the workgroup (enforced), or set [athena] output_location = \"s3://bucket/prefix/\"",
            );
        }
        let cap = conf.and_then(|c| c.bytes_scanned_cutoff_per_query());
        Outcome::Pass(format!(
            "{name}: results in {}, scan cap {}",
            location.unwrap_or(&config.athena.output_location),
            cap.map_or("none (set BytesScannedCutoffPerQuery)".to_owned(), |b| crate::engines::human_bytes(b as u64))
        ))
    }

    /// `athena:GetTableMetadata` for each logical table's Security Lake table of the configured source version.
    ///
    /// A lake need not collect every source: a missing table is reported as off (questions about it are answered
    /// with how to enable it), and the step fails only when no table exists at all or a lookup itself fails.
    pub async fn lake_tables(&self, config: &Config) -> Vec<(String, Outcome)> {
        let Some(athena) = &self.athena else { return Vec::new() };
        let catalog = match Catalog::embedded() {
            Ok(c) => c,
            Err(e) => return vec![("catalog".into(), Outcome::fail(e.to_string(), "rebuild asklake"))],
        };
        let database = config.athena_database();
        let version = config.athena.source_version;
        let mut out = Vec::new();
        let mut present = 0usize;
        for table in &catalog.tables {
            let suffix = match version {
                crate::catalog::SourceVersion::V2 => Some(table.v2_table.as_str()),
                crate::catalog::SourceVersion::V1 => table.v1_table.as_deref(),
            };
            let Some(suffix) = suffix else {
                out.push((
                    table.name.clone(),
                    Outcome::Skip(format!(
                        "Security Lake source version {} has no `{}` table",
                        version.number(),
                        table.name
                    )),
                ));
                continue;
            };
            let real = format!("amazon_security_lake_table_{}_{suffix}", config.lake_region());
            let call = athena
                .get_table_metadata()
                .catalog_name(&config.athena.catalog)
                .database_name(&database)
                .table_name(&real)
                .send()
                .await;
            let outcome = match call {
                Ok(_) => {
                    present += 1;
                    Outcome::Pass(format!("{database}.{real} (source version {})", source_version(&real)))
                }
                Err(e) => {
                    let message = sdk_message(&e);
                    if is_not_found(&message) {
                        Outcome::Skip(format!(
                            "off: {database}.{real} does not exist; `{}` questions are answered with how to enable \
                             the source (Security Lake → Sources)",
                            table.name
                        ))
                    } else {
                        service_failure(
                            "table",
                            &real,
                            &message,
                            "athena:GetTableMetadata, glue:GetTable and Lake Formation DESCRIBE",
                        )
                    }
                }
            };
            out.push((table.name.clone(), outcome));
        }
        let lookups_failed = out.iter().any(|(_, o)| matches!(o, Outcome::Fail { .. }));
        if present == 0 && !lookups_failed {
            out.push((
                "any".into(),
                Outcome::fail(
                    format!("no Security Lake table exists in {database} for source version {}", version.number()),
                    "check [athena] database, lake_region and source_version, or add sources in Security Lake → Sources",
                ),
            ));
        }
        out
    }

    /// A one-hour, time-filtered count over `cloudtrail`, through the validator and the engine.
    pub async fn test_query(&self, config: &Config) -> Outcome {
        let Some(engine) = &self.engine else {
            return Outcome::fail("the Athena engine could not be built", "run `asklake config check`");
        };
        let catalog = match Catalog::embedded() {
            Ok(c) => c,
            Err(e) => return Outcome::fail(e.to_string(), "rebuild asklake"),
        };
        let since = (chrono::Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S");
        let sql = format!("SELECT count(*) AS events FROM cloudtrail WHERE event_time >= TIMESTAMP '{since}'");
        let validated = match crate::pipeline::validate::validate(&sql, &catalog, engine.binding(), 10) {
            Ok(v) => v,
            Err(e) => return Outcome::fail(format!("the test query was refused: {e}"), "report this as a bug"),
        };
        let opts = ExecOptions {
            timeout: Duration::from_secs(config.athena.query_timeout_secs.clamp(1, 120)),
            ..ExecOptions::default()
        };
        match engine.execute(&validated, &opts).await {
            Ok(result) => {
                let count = result.rows.first().and_then(|r| r.first()).map(ToString::to_string).unwrap_or_default();
                let scanned = result.stats.bytes_scanned.map(crate::engines::human_bytes).unwrap_or_else(|| "?".into());
                Outcome::Pass(format!("{count} CloudTrail events in the last hour; {scanned} scanned"))
            }
            Err(e) => Outcome::fail(format!("the test query failed: {e}"), e.user_message()),
        }
    }

    /// A minimal `Converse` call: is the model enabled for this account and region.
    pub async fn model(&self, model_id: &str) -> Outcome {
        use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, InferenceConfiguration, Message};
        let Some(bedrock) = &self.bedrock else { return Outcome::Skip("no Bedrock client".into()) };
        let message = match Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text("Reply OK".into()))
            .build()
        {
            Ok(m) => m,
            Err(e) => return Outcome::fail(e.to_string(), "report this as a bug"),
        };
        let call = bedrock
            .converse()
            .model_id(model_id)
            .messages(message)
            .inference_config(InferenceConfiguration::builder().max_tokens(5).build())
            .send()
            .await;
        match call {
            Ok(_) => Outcome::Pass(format!("{model_id} answers")),
            Err(e) => {
                let message = sdk_message(&e);
                let fix = if message.contains("AccessDenied") || message.contains("don't have access") {
                    "enable the model under Bedrock → Model access in this region, and allow bedrock:InvokeModel on it"
                } else if message.contains("ResourceNotFound") || message.contains("identifier is invalid") {
                    "check [llm] model_id (a model or inference profile id available in [llm] region)"
                } else {
                    "check [llm] region and the Bedrock service health"
                };
                Outcome::fail(format!("{model_id}: {message}"), fix)
            }
        }
    }

    /// `sqs:GetQueueAttributes`: the queue exists and has a dead-letter queue.
    pub async fn queue(&self, url: &str) -> Outcome {
        let Some(sqs) = &self.sqs else { return Outcome::Skip("no SQS client".into()) };
        if url.is_empty() {
            return Outcome::fail("[alerts] sqs_queue_url is empty", "set it to the stack output AlertsQueueUrl");
        }
        let call = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::RedrivePolicy)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .send()
            .await;
        let out = match call {
            Ok(out) => out,
            Err(e) => return service_failure("queue", url, &sdk_message(&e), "sqs:GetQueueAttributes"),
        };
        let attrs = out.attributes().cloned().unwrap_or_default();
        match attrs.get(&QueueAttributeName::RedrivePolicy) {
            Some(policy) => Outcome::Pass(format!("{url}; dead-letter queue: {}", dead_letter_target(policy))),
            None => Outcome::fail(
                format!(
                    "{url} has no dead-letter queue: a message asklake cannot handle would be retried until it expires"
                ),
                "attach a dead-letter queue with a redrive policy (maxReceiveCount 5), as deploy/asklake.yaml does",
            ),
        }
    }
}

/// `2` for `…_cloud_trail_mgmt_2_0`.
fn source_version(table: &str) -> &str {
    let mut parts = table.rsplit('_');
    let _minor = parts.next();
    parts.next().unwrap_or("?")
}

fn dead_letter_target(policy: &str) -> String {
    serde_json::from_str::<serde_json::Value>(policy)
        .ok()
        .and_then(|v| v["deadLetterTargetArn"].as_str().map(str::to_owned))
        .unwrap_or_else(|| policy.to_owned())
}

fn is_not_found(message: &str) -> bool {
    crate::engines::athena::is_missing_entity(message)
}

fn service_failure(what: &str, name: &str, message: &str, permission: &str) -> Outcome {
    if message.contains("AccessDenied")
        || message.contains("not authorized")
        || message.contains("Insufficient Lake Formation")
    {
        Outcome::fail(
            format!("access denied reading {what} {name}: {message}"),
            format!("grant the task role {permission}"),
        )
    } else if is_not_found(message) || message.contains("NonExistentQueue") {
        Outcome::fail(
            format!("{what} {name} not found: {message}"),
            "check the name in the configuration and the region",
        )
    } else {
        Outcome::fail(
            format!("reading {what} {name} failed: {message}"),
            "check [aws] region and network access to AWS",
        )
    }
}

/// The service's code and message of an SDK error, without the request details.
/// (`SdkError` is one type, re-exported by every SDK crate.)
fn sdk_message<E, R>(e: &aws_sdk_sts::error::SdkError<E, R>) -> String
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(s) => format!("{}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
        None => aws_sdk_sts::error::DisplayErrorContext(e).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_version_is_read_from_the_table_suffix() {
        assert_eq!(source_version("amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0"), "2");
        assert_eq!(source_version("amazon_security_lake_table_us_east_1_route53_1_0"), "1");
    }

    #[test]
    fn a_denied_call_names_the_permission_to_grant() {
        let Outcome::Fail { fix, .. } = service_failure("queue", "q", "AccessDenied: nope", "sqs:GetQueueAttributes")
        else {
            panic!("expected a failure")
        };
        assert!(fix.contains("sqs:GetQueueAttributes"), "{fix}");
    }
}
