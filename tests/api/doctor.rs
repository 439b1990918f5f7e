//! `asklake doctor` against the local fakes: a healthy setup passes every step; each broken part is named with
//! its fix (access denied, a missing table, a model not enabled, a bot not in a channel, a queue without a DLQ).

use std::sync::Arc;

use asklake::config::{AccountRoute, Config, LlmProvider, QueueKind};
use asklake::doctor::{AwsClients, Doctor, Outcome, Report, SlackProbe};
use asklake::engines::SqlEngine;

use crate::support::fake_athena::FakeAthena;
use crate::support::fake_bedrock::{FakeBedrock, Reply, test_sdk_config};
use crate::support::fake_slack::{BOT_TOKEN, FakeSlack};
use crate::support::moto;

struct Setup {
    config: Config,
    athena: FakeAthena,
    bedrock: FakeBedrock,
    slack: FakeSlack,
}

impl Setup {
    async fn new(queue_with_dlq: bool) -> Self {
        let athena = FakeAthena::start().await;
        let bedrock = FakeBedrock::start().await;
        let slack = FakeSlack::start().await;
        let mut config = athena.config();
        config.llm.provider = LlmProvider::Bedrock;
        config.llm.model_id = "anthropic.claude-test".into();
        config.alerts.queue = QueueKind::Sqs;
        config.alerts.sqs_queue_url = queue(queue_with_dlq).await;
        config.alerts.default_channel = "C1".into();
        config.alerts.accounts =
            vec![AccountRoute { id: "111122223333".into(), name: "acme-prod".into(), channel: "C2".into() }];
        config.slack.bot_token = Some(BOT_TOKEN.to_owned().into());
        config.slack.api_url = slack.api_url.clone();
        Self { config, athena, bedrock, slack }
    }

    async fn run(&self) -> Report {
        let engine: Arc<dyn SqlEngine> = Arc::new(self.athena.engine(&self.config));
        let moto_sdk = test_sdk_config(&moto::moto().endpoint);
        let aws = AwsClients {
            sts: Some(aws_sdk_sts::Client::new(&moto_sdk)),
            athena: Some(aws_sdk_athena::Client::new(&test_sdk_config(&self.athena.url))),
            engine: Some(engine),
            bedrock: Some(aws_sdk_bedrockruntime::Client::new(&test_sdk_config(&self.bedrock.url))),
            sqs: Some(moto::sqs_client().await),
            claims: None,
        };
        let doctor = Doctor { aws, slack: SlackProbe::from_config(&self.config.slack) };
        doctor.run(&self.config).await
    }
}

/// A moto queue, with a dead-letter queue and redrive policy when asked.
async fn queue(with_dlq: bool) -> String {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let client = moto::sqs_client().await;
    let url = moto::create_queue(&client, "doctor").await;
    if with_dlq {
        let dlq = moto::create_queue(&client, "doctor-dlq").await;
        let attrs = client.get_queue_attributes().queue_url(&dlq).attribute_names(A::QueueArn).send().await.unwrap();
        let arn = attrs.attributes().and_then(|a| a.get(&A::QueueArn)).cloned().expect("dlq arn");
        let policy = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": "5"}).to_string();
        client.set_queue_attributes().queue_url(&url).attributes(A::RedrivePolicy, policy).send().await.unwrap();
    }
    url
}

fn failure<'r>(report: &'r Report, step: &str) -> (&'r str, &'r str) {
    match report.step(step) {
        Some(Outcome::Fail { problem, fix }) => (problem, fix),
        other => panic!("expected step {step:?} to fail, got {other:?}\n{}", report.render()),
    }
}

fn passed(report: &Report, step: &str) -> bool {
    matches!(report.step(step), Some(Outcome::Pass(_)))
}

#[tokio::test]
async fn a_healthy_setup_passes_every_step() {
    let setup = Setup::new(true).await;
    setup.athena.with_vpcflow_table();
    setup.athena.with_findings_and_dns_tables();
    setup.bedrock.script([Reply::text("OK")]);

    let report = setup.run().await;

    assert!(report.healthy(), "{}", report.render());
    for step in [
        "AWS identity",
        "Athena workgroup",
        "Security Lake table cloudtrail",
        "Security Lake table vpcflow",
        "Athena test query",
        "Bedrock model",
        "SQS queue",
        "Slack token and scopes",
        "Slack channel C1",
        "Slack channel C2",
    ] {
        assert!(passed(&report, step), "step {step} did not pass:\n{}", report.render());
    }
    assert!(report.render().contains("all checks passed"));
    let queries = setup.athena.started_sql();
    assert_eq!(queries.len(), 1, "one test query: {queries:?}");
    assert!(queries[0].contains("event_time >= TIMESTAMP '"), "the test query is time-filtered: {}", queries[0]);
}

#[tokio::test]
async fn a_missing_table_a_disabled_model_a_missing_channel_and_a_queue_without_dlq_are_each_named_with_a_fix() {
    let setup = Setup::new(false).await;
    setup.bedrock.script([Reply::access_denied()]);
    setup.slack.not_a_member_of("C2");
    setup.slack.grant_scopes(&["commands", "chat:write"]);

    let report = setup.run().await;

    assert!(!report.healthy());
    // A lake need not collect every source: a missing table is shown as off, with how to enable it.
    match report.step("Security Lake table vpcflow") {
        Some(Outcome::Skip(why)) => {
            assert!(why.contains("vpc_flow_2_0") && why.contains("does not exist"), "{why}");
            assert!(why.contains("Security Lake"), "{why}");
        }
        other => panic!("a missing source is reported as off, not {other:?}:\n{}", report.render()),
    }
    assert!(passed(&report, "Security Lake table cloudtrail"), "{}", report.render());
    let (_, fix) = failure(&report, "Bedrock model");
    assert!(fix.contains("Model access"), "{fix}");
    let (problem, fix) = failure(&report, "Slack channel C2");
    assert!(problem.contains("not a member"), "{problem}");
    assert!(fix.contains("/invite @asklake"), "{fix}");
    assert!(passed(&report, "Slack channel C1"), "{}", report.render());
    let (problem, _) = failure(&report, "Slack token and scopes");
    assert!(problem.contains("files:write") && !problem.contains("chat:write,"), "{problem}");
    let (problem, fix) = failure(&report, "SQS queue");
    assert!(problem.contains("no dead-letter queue"), "{problem}");
    assert!(fix.contains("redrive"), "{fix}");
    assert!(report.render().contains("check(s) failed"));
}

#[tokio::test]
async fn a_lake_without_any_table_of_the_configured_source_version_fails_with_what_to_check() {
    let mut setup = Setup::new(true).await;
    setup.config.athena.source_version = asklake::catalog::SourceVersion::V1;
    setup.bedrock.script([Reply::text("OK")]);

    let report = setup.run().await;

    let (problem, fix) = failure(&report, "Security Lake table any");
    assert!(problem.contains("source version 1"), "{problem}");
    assert!(fix.contains("source_version"), "{fix}");
    assert!(
        matches!(report.step("Security Lake table cloudtrail"), Some(Outcome::Skip(why)) if why.contains("cloud_trail")),
        "{}",
        report.render()
    );
}

#[tokio::test]
async fn access_denied_on_athena_names_the_permission_to_grant() {
    let setup = Setup::new(true).await;
    setup.athena.deny_all();
    setup.bedrock.script([Reply::text("OK")]);

    let report = setup.run().await;

    let (problem, fix) = failure(&report, "Athena workgroup");
    assert!(problem.contains("access denied"), "{problem}");
    assert!(fix.contains("athena:GetWorkGroup"), "{fix}");
    let (_, fix) = failure(&report, "Security Lake table cloudtrail");
    assert!(fix.contains("Lake Formation"), "{fix}");
    assert!(failure(&report, "Athena test query").0.contains("failed"));
    assert!(passed(&report, "SQS queue"), "{}", report.render());
}

#[tokio::test]
async fn an_invalid_bot_token_is_reported_with_where_to_copy_it_from() {
    let mut setup = Setup::new(true).await;
    setup.config.slack.bot_token = Some("xoxb-wrong".to_owned().into());
    setup.athena.with_vpcflow_table();
    setup.bedrock.script([Reply::text("OK")]);

    let report = setup.run().await;

    let (problem, fix) = failure(&report, "Slack token and scopes");
    assert!(problem.contains("invalid_auth"), "{problem}");
    assert!(fix.contains("OAuth"), "{fix}");
}
