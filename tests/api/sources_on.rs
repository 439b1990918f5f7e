//! Only what exists: at startup asklake lists the Security Lake tables present (Athena table metadata, here the
//! fake Athena), offers the model only those, and answers a question about a missing source with how to enable
//! it, without the model or the engine.

use std::sync::Arc;

use asklake::catalog::{Binding, Catalog};
use asklake::llm::Llm;
use asklake::pipeline::sources::{Sources, discover_with};
use asklake::pipeline::{Asker, NoProgress, Outcome, Question};
use tokio_util::sync::CancellationToken;

use crate::support::fake_athena::FakeAthena;
use crate::support::fake_bedrock::{FakeBedrock, test_sdk_config};
use crate::support::pipeline::{self, NoLibrary};

/// The shipped catalog plus the synthetic tables it does not have yet: eight tables.
fn eight_tables() -> Catalog {
    let mut catalog = Catalog::embedded().unwrap();
    let extra = Catalog::parse(include_str!("../data/catalog_extra_tables.toml")).unwrap();
    for t in extra.tables {
        if catalog.table(&t.name).is_none() {
            catalog.tables.push(t);
        }
    }
    catalog
}

async fn discovered(athena: &FakeAthena) -> (Catalog, Sources) {
    let config = athena.config();
    let catalog = eight_tables();
    let client = aws_sdk_athena::Client::new(&test_sdk_config(&athena.url));
    let binding = Binding::from_config(&config);
    (catalog.clone(), discover_with(Some(&client), &config, &catalog, &binding).await)
}

#[tokio::test]
async fn athena_table_metadata_turns_off_the_sources_the_lake_does_not_have() {
    let athena = FakeAthena::start().await;
    let (_, sources) = discovered(&athena).await;
    assert!(sources.on.contains(&"cloudtrail".to_owned()), "{sources:?}");
    let off: Vec<&str> = sources.off.iter().map(|(t, _)| t.as_str()).collect();
    assert!(off.contains(&"findings") && off.contains(&"waf"), "{sources:?}");
    let (_, real) = sources.off.iter().find(|(t, _)| t == "findings").unwrap();
    assert_eq!(real, "amazon_security_lake_table_us_east_1_sh_findings_2_0");
    assert!(!athena.bodies("GetTableMetadata").is_empty(), "listed through Athena metadata");
    assert!(sources.lines().iter().any(|l| l.contains("off  source findings")), "{:?}", sources.lines());
}

#[tokio::test]
async fn a_question_about_a_source_that_is_off_says_how_to_enable_it_without_the_model() {
    let (athena, bedrock) = (FakeAthena::start().await, FakeBedrock::start().await);
    let (all, sources) = discovered(&athena).await;
    let config = athena.config();
    let llm: Arc<dyn Llm> = Arc::new(bedrock.llm());
    let pipeline = pipeline::build(
        &config.pipeline,
        all.clone(),
        Arc::new(athena.engine(&config)),
        Some(llm),
        Arc::new(NoLibrary),
    )
    .with_sources(all, sources, "us-east-1");
    let ask = |text: &str| {
        pipeline.ask(Question { text: text.into(), history: Vec::new() }, &NoProgress, CancellationToken::new())
    };

    let en = ask("Any high severity GuardDuty findings this week?").await;
    assert_eq!(en.outcome, Outcome::Declined, "{en:#?}");
    assert!(en.text.contains("sourceName=SH_FINDINGS") && en.text.contains("regions=us-east-1"), "{}", en.text);
    assert!(en.text.contains("Security Lake console"), "{}", en.text);
    let ko = ask("어제 WAF에서 차단된 IP 있어?").await;
    assert!(ko.text.contains("sourceName=WAF") && ko.text.contains("콘솔"), "{}", ko.text);

    assert!(bedrock.converse_requests().is_empty(), "the model was not called");
    assert!(athena.started_sql().is_empty(), "no query was run");
}
