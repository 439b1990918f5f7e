//! Which Security Lake sources this lake has, listed once at startup (Athena table metadata for the configured
//! region and database; the sample lake's own tables), so that prompts offer only those; and the answer to a
//! question about a source that is not on, with how to turn it on, given without calling the model.

use aws_sdk_athena::error::ProvideErrorMetadata;

use super::Language;
use crate::catalog::{Binding, Catalog, LogicalTable};
use crate::config::Config;

/// Which logical tables have data behind them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sources {
    /// Tables present, in catalog order.
    pub on: Vec<String>,
    /// Tables whose source is missing, with the real table looked for.
    pub off: Vec<(String, String)>,
}

impl Sources {
    /// Every table of `catalog` on (nothing was listed).
    pub fn all(catalog: &Catalog) -> Self {
        Self { on: catalog.tables.iter().map(|t| t.name.clone()).collect(), off: Vec::new() }
    }

    /// One line per table for `asklake config check`.
    pub fn lines(&self) -> Vec<String> {
        let on = self.on.iter().map(|t| format!("     on  source {t}"));
        let off = self.off.iter().map(|(t, real)| format!("    off  source {t}  — {real} not found"));
        on.chain(off).collect()
    }
}

/// Whether a table is present: `Some(false)` missing, `None` unknown (kept on).
type Presence<'a> = Box<dyn Fn(&LogicalTable) -> Option<bool> + 'a>;

/// Lists the sources present for `binding` (the Athena or DuckDB tables the catalog's logical tables read).
/// A listing that fails for another reason than "not found" keeps the table on (and logs why).
pub async fn discover(config: &Config, catalog: &Catalog, binding: &Binding) -> Sources {
    let client = match binding {
        Binding::AthenaSecurityLake { .. } => {
            Some(aws_sdk_athena::Client::new(&crate::llm::aws::sdk_config(&config.aws, "").await))
        }
        _ => None,
    };
    discover_with(client.as_ref(), config, catalog, binding).await
}

/// [`discover`] with the Athena client given (tests point it at a local fake).
pub async fn discover_with(
    athena: Option<&aws_sdk_athena::Client>,
    config: &Config,
    catalog: &Catalog,
    binding: &Binding,
) -> Sources {
    let mut sources = Sources::default();
    let present: Presence<'_> = match (binding, athena) {
        (Binding::AthenaSecurityLake { .. }, None) => Box::new(|_: &LogicalTable| None),
        (Binding::AthenaSecurityLake { database, .. }, Some(client)) => {
            let mut found = Vec::new();
            for t in &catalog.tables {
                // A table the bound source version lacks (no `v1_table`) is off without a lookup.
                let has = if binding.provides(t) {
                    athena_has(client, &config.athena.catalog, database, &real_name(binding, t)).await
                } else {
                    Some(false)
                };
                found.push(has);
            }
            Box::new(move |t: &LogicalTable| {
                catalog.tables.iter().position(|c| c.name == t.name).and_then(|i| found[i])
            })
        }
        (Binding::DuckDbSampleLake, _) => match sample_lake_tables(&config.duckdb.path) {
            Ok(names) => Box::new(move |t: &LogicalTable| Some(names.iter().any(|n| n == &t.v2_table))),
            Err(e) => {
                tracing::warn!(error = %e, "could not list the sample lake's tables; offering every table");
                Box::new(|_: &LogicalTable| None)
            }
        },
        (Binding::DuckDbCloudTrailFiles { .. }, _) => Box::new(|t: &LogicalTable| Some(binding.provides(t))),
    };
    for t in &catalog.tables {
        if present(t) == Some(false) {
            sources.off.push((t.name.clone(), real_name(binding, t)));
        } else {
            sources.on.push(t.name.clone());
        }
    }
    sources
}

/// The real table behind `t` in messages: the Security Lake table name, or the sample lake's table.
fn real_name(binding: &Binding, t: &LogicalTable) -> String {
    match binding {
        Binding::AthenaSecurityLake { lake_region, source_version: crate::catalog::SourceVersion::V1, .. } => {
            format!("amazon_security_lake_table_{lake_region}_{}", t.v1_table.as_deref().unwrap_or(&t.v2_table))
        }
        Binding::AthenaSecurityLake { lake_region, .. } => {
            format!("amazon_security_lake_table_{lake_region}_{}", t.v2_table)
        }
        Binding::DuckDbSampleLake => t.v2_table.clone(),
        Binding::DuckDbCloudTrailFiles { .. } => format!("{} (raw CloudTrail files hold only CloudTrail)", t.v2_table),
    }
}

/// `athena:GetTableMetadata`: `Some(false)` when the table does not exist, `None` when the call failed otherwise.
async fn athena_has(client: &aws_sdk_athena::Client, data_catalog: &str, database: &str, table: &str) -> Option<bool> {
    let call = client.get_table_metadata().catalog_name(data_catalog).database_name(database).table_name(table);
    match call.send().await {
        Ok(_) => Some(true),
        Err(e) => {
            let message = e.as_service_error().and_then(|s| s.message()).unwrap_or_default();
            if crate::engines::athena::is_missing_entity(message) {
                Some(false)
            } else {
                tracing::warn!(table, error = %format!("{e:?}").chars().take(300).collect::<String>(), "could not check a lake table; offering it");
                None
            }
        }
    }
}

fn sample_lake_tables(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    let config = duckdb::Config::default().access_mode(duckdb::AccessMode::ReadOnly)?;
    let conn =
        duckdb::Connection::open_with_flags(path, config).with_context(|| format!("opening {}", path.display()))?;
    let mut stmt = conn.prepare("SELECT table_name FROM information_schema.tables")?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

/// The answer to a question about a source that is off, or `None` when the question is about sources that are
/// on (a source's name or synonyms must score higher than every table that is on).
pub fn missing_source_answer(
    question: &str,
    language: Language,
    all: &Catalog,
    sources: &Sources,
    binding: &Binding,
    region: &str,
) -> Option<String> {
    if sources.off.is_empty() {
        return None;
    }
    let named = super::slice::best_named_table(all, question)?;
    let (_, real) = sources.off.iter().find(|(t, _)| *t == named.name)?;
    Some(enable_text(named, real, language, binding, region))
}

fn enable_text(table: &LogicalTable, real: &str, language: Language, binding: &Binding, region: &str) -> String {
    let name = &table.name;
    let source = table.v2_table.trim_end_matches("_2_0").trim_end_matches("_1_0").to_ascii_uppercase();
    let version = match binding {
        Binding::AthenaSecurityLake { source_version: crate::catalog::SourceVersion::V1, .. } => "1.0",
        _ => "2.0",
    };
    let cli = format!(
        "aws securitylake create-aws-log-source --sources sourceName={source},sourceVersion={version},regions={region}"
    );
    match (binding, language) {
        (Binding::AthenaSecurityLake { .. }, Language::En) => format!(
            "This lake has no `{name}` source in {region} ({}): the Security Lake table {real} does not exist, so I cannot answer from it. To turn it on, add the source in the Security Lake console (Sources → Add sources, region {region}), or run `{cli}`. asklake offers it after its next start.",
            table.description
        ),
        (Binding::AthenaSecurityLake { .. }, Language::Ko) => format!(
            "이 레이크에는 {region} 리전의 `{name}` 소스가 없습니다 ({}). Security Lake 테이블 {real} 이(가) 없어서 답할 수 없습니다. 켜려면 Security Lake 콘솔에서 소스를 추가하거나 (Sources → Add sources, 리전 {region}) `{cli}` 를 실행하세요. 다음 시작 때부터 asklake가 사용합니다.",
            table.description
        ),
        (_, Language::En) => format!(
            "The local lake has no `{name}` table ({real}), so I cannot answer from it. Regenerate the sample lake with `asklake sample generate --force`, or point asklake at Athena ([engine] kind = \"athena\") with the source enabled in Security Lake (`{cli}`)."
        ),
        (_, Language::Ko) => format!(
            "로컬 레이크에 `{name}` 테이블({real})이 없어서 답할 수 없습니다. `asklake sample generate --force` 로 샘플 레이크를 다시 만들거나, Security Lake에서 소스를 켠 뒤 (`{cli}`) Athena ([engine] kind = \"athena\") 를 쓰세요."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eight() -> Catalog {
        crate::pipeline::slice::tests::eight_tables()
    }

    fn off(catalog: &Catalog, on: &[&str]) -> Sources {
        let on: Vec<String> = on.iter().map(|s| (*s).to_owned()).collect();
        let off = catalog.tables.iter().filter(|t| !on.contains(&t.name)).map(|t| (t.name.clone(), t.v2_table.clone()));
        Sources { off: off.collect(), on }
    }

    #[test]
    fn the_sample_lake_offers_only_the_tables_its_file_has() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lake.duckdb");
        let conn = duckdb::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE cloud_trail_mgmt_2_0 (x INTEGER); CREATE TABLE route53_2_0 (x INTEGER);")
            .unwrap();
        drop(conn);
        let mut config = Config::default();
        config.duckdb.path = path;
        let sources = tokio::runtime::Runtime::new().unwrap().block_on(discover_with(
            None,
            &config,
            &eight(),
            &Binding::DuckDbSampleLake,
        ));
        assert_eq!(sources.on, vec!["cloudtrail".to_owned(), "dns".to_owned()]);
        assert_eq!(sources.off.len(), 6);
    }

    #[test]
    fn only_a_question_naming_an_off_source_gets_the_enable_answer() {
        let catalog = eight();
        let sources = off(&catalog, &["cloudtrail", "vpcflow"]);
        let athena = Binding::AthenaSecurityLake {
            database: "db".into(),
            lake_region: "ap_northeast_2".into(),
            source_version: crate::catalog::SourceVersion::V2,
        };
        let ask = |q: &str, l: Language| missing_source_answer(q, l, &catalog, &sources, &athena, "ap-northeast-2");
        let en = ask("which instance resolved a crypto-mining domain in DNS?", Language::En).expect("dns is off");
        assert!(en.contains("sourceName=ROUTE53") && en.contains("regions=ap-northeast-2"), "{en}");
        let ko = ask("EKS 파드에 exec 한 사람 있어?", Language::Ko).expect("eks_audit is off");
        assert!(ko.contains("sourceName=EKS_AUDIT") && ko.contains("Security Lake 콘솔"), "{ko}");
        assert_eq!(ask("root 계정 사용한 로그 있어?", Language::Ko), None);
        assert_eq!(ask("Top denied destination ports in VPC flow logs", Language::En), None);
        let local = missing_source_answer(
            "GuardDuty findings",
            Language::En,
            &catalog,
            &sources,
            &Binding::DuckDbSampleLake,
            "",
        );
        assert!(local.unwrap().contains("asklake sample generate --force"));
    }
}
