//! Unit tests of the catalog file and the bindings.

use std::path::PathBuf;

use super::*;

#[test]
fn the_embedded_catalog_has_cloudtrail_and_vpcflow_with_korean_synonyms() {
    let c = Catalog::embedded().unwrap();
    let ct = c.table("cloudtrail").unwrap();
    for name in [
        "event_time",
        "source_ip",
        "actor_arn",
        "actor_type",
        "api_operation",
        "error_code",
        "session_mfa",
        "login_mfa",
        "resource_arns",
        "request_data",
        "read_only",
    ] {
        assert!(ct.column(name).is_some(), "cloudtrail.{name} missing");
    }
    assert!(ct.column("event_time").unwrap().synonyms_ko.iter().any(|s| s == "시간"));
    assert!(ct.column("source_ip").unwrap().synonyms_ko.iter().any(|s| s == "출발지 IP"));
    let vpc = c.table("VPCFLOW").unwrap();
    for name in ["src_ip", "dst_port", "action", "bytes", "protocol", "direction"] {
        assert!(vpc.column(name).is_some(), "vpcflow.{name} missing");
    }
    assert!(ct.available_in_raw_files());
    assert!(!vpc.available_in_raw_files());
}

#[test]
fn a_broken_catalog_file_names_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.toml");
    std::fs::write(&path, "[[tables]]\nname = \"cloudtrail\"\ndescription = \"x\"\nv2_table = \"t\"\ncolumns = [{ name = \"a\", type = \"varchar\", meaning = \"m\", expr = { v2 = \"\" } }]\n").unwrap();
    let err = format!("{:#}", Catalog::load(&path).unwrap_err());
    assert!(err.contains("catalog.toml") && err.contains("no v2 expression"), "{err}");
    std::fs::write(&path, "tables = 3").unwrap();
    let err = format!("{:#}", Catalog::load(&path).unwrap_err());
    assert!(err.contains("not valid catalog TOML"), "{err}");
    let err = format!("{:#}", Catalog::load(&dir.path().join("nope.toml")).unwrap_err());
    assert!(err.contains("nope.toml"), "{err}");
}

#[test]
fn athena_ctes_read_the_security_lake_table_with_nested_paths() {
    let c = Catalog::embedded().unwrap();
    let b = Binding::AthenaSecurityLake {
        database: "amazon_security_lake_glue_db_us_east_1".into(),
        lake_region: "us_east_1".into(),
        source_version: SourceVersion::V2,
    };
    let cte = b.cte(&c, "cloudtrail").unwrap();
    assert!(cte.starts_with("cloudtrail AS (SELECT time_dt AS event_time"), "{cte}");
    assert!(
        cte.contains(
            "\"amazon_security_lake_glue_db_us_east_1\".\"amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0\""
        ),
        "{cte}"
    );
    assert!(cte.contains("api.operation AS api_operation"));
    assert!(b.cte(&c, "vpcflow").unwrap().contains("_vpc_flow_2_0\""));
}

#[test]
fn raw_files_bind_cloudtrail_to_read_json_and_refuse_vpcflow() {
    let c = Catalog::embedded().unwrap();
    let b = Binding::DuckDbCloudTrailFiles { dir: PathBuf::from("/data/it's here/") };
    let cte = b.cte(&c, "cloudtrail").unwrap();
    assert!(cte.contains("read_json('/data/it''s here/**/*.json*'"), "{cte}");
    assert!(cte.contains("(r->>'$.eventName') AS api_operation"), "{cte}");
    let err = b.cte(&c, "vpcflow").unwrap_err();
    assert!(err.to_string().contains("vpcflow") && err.to_string().contains("available: cloudtrail"), "{err}");
}

#[test]
fn with_ctes_puts_binding_ctes_before_user_ctes() {
    let c = Catalog::embedded().unwrap();
    let sql = Binding::DuckDbSampleLake
        .with_ctes(
            &c,
            &["cloudtrail".into()],
            &Default::default(),
            false,
            &["x AS (SELECT 1)".into()],
            "SELECT * FROM x",
        )
        .unwrap();
    let ct = sql.find("cloudtrail AS (").unwrap();
    let x = sql.find("x AS (SELECT 1)").unwrap();
    assert!(sql.starts_with("WITH ") && ct < x && sql.ends_with("SELECT * FROM x"), "{sql}");
    assert!(sql.contains("FROM \"cloud_trail_mgmt_2_0\" AS src"));
}

fn athena(source_version: SourceVersion) -> Binding {
    Binding::AthenaSecurityLake {
        database: "amazon_security_lake_glue_db_us_east_1".into(),
        lake_region: "us_east_1".into(),
        source_version,
    }
}

#[test]
fn source_version_1_reads_the_1_0_tables_with_ocsf_rc2_paths() {
    let c = Catalog::embedded().unwrap();
    let cte = athena(SourceVersion::V1).cte(&c, "cloudtrail").unwrap();
    assert!(cte.contains("\"amazon_security_lake_table_us_east_1_cloud_trail_mgmt_1_0\" AS src"), "{cte}");
    assert!(cte.contains("actor.user.uuid AS actor_arn"), "{cte}");
    assert!(cte.contains("actor.user.uid AS actor_principal_id"), "{cte}");
    assert!(cte.contains("CAST(from_unixtime(CAST(time AS double) / 1000) AS timestamp) AS event_time"), "{cte}");
    assert!(!cte.contains("AS request_data") && !cte.contains("AS response_data"), "{cte}");
    let vpc = athena(SourceVersion::V1).cte(&c, "vpcflow").unwrap();
    assert!(vpc.contains("_vpc_flow_1_0\"") && vpc.contains("WHEN 2 THEN 'Denied' END AS action"), "{vpc}");
}

#[test]
fn every_cloudtrail_and_vpcflow_column_has_a_v1_expression_except_the_request_and_response_json() {
    let c = Catalog::embedded().unwrap();
    let missing: Vec<String> = ["cloudtrail", "vpcflow"]
        .iter()
        .flat_map(|t| c.table(t).unwrap().columns.iter().map(move |col| (t, col)))
        .filter(|(_, col)| col.expr.v1.is_none())
        .map(|(t, col)| format!("{t}.{}", col.name))
        .collect();
    assert_eq!(missing, ["cloudtrail.request_data", "cloudtrail.response_data"]);
}

#[test]
fn the_v1_view_drops_what_v1_lacks_and_says_what_it_has() {
    let c = Catalog::embedded().unwrap();
    let v1 = athena(SourceVersion::V1);
    let view = v1.bound_catalog(&c);
    assert!(view.table("cloudtrail").unwrap().column("request_data").is_none());
    assert!(view.table("cloudtrail").unwrap().column("actor_arn").is_some());
    let err = v1.column_error(&c, "cloudtrail", "request_data").unwrap().to_string();
    assert!(err.contains("cloudtrail.request_data") && err.contains("source version 1"), "{err}");
    assert!(err.contains("actor_arn") && !err.contains(", request_data"), "{err}");
    assert!(athena(SourceVersion::V2).column_error(&c, "cloudtrail", "request_data").is_none());
}

#[test]
fn a_table_without_v1_table_is_not_available_on_source_version_1() {
    let c = Catalog::parse(
        "[[tables]]\nname = \"waf\"\ndescription = \"x\"\nv2_table = \"waf_2_0\"\n\
         columns = [{ name = \"a\", type = \"varchar\", meaning = \"m\", expr = { v2 = \"a\", v1 = \"a\" } }]\n\
         [[tables]]\nname = \"dns\"\ndescription = \"x\"\nv2_table = \"route53_2_0\"\nv1_table = \"route53_1_0\"\n\
         columns = [{ name = \"a\", type = \"varchar\", meaning = \"m\", expr = { v2 = \"a\", v1 = \"a\" } }]\n",
    )
    .unwrap();
    let v1 = athena(SourceVersion::V1);
    let err = v1.cte(&c, "waf").unwrap_err().to_string();
    assert!(err.contains("waf") && err.contains("source version 1") && err.contains("available: dns"), "{err}");
    assert!(v1.cte(&c, "dns").unwrap().contains("_route53_1_0\""));
    assert_eq!(v1.bound_catalog(&c).table_names(), "dns");
    assert!(athena(SourceVersion::V2).cte(&c, "waf").is_ok());
}

#[test]
fn findings_and_dns_have_v1_and_v2_sources_join_keys_and_no_raw_binding() {
    let c = Catalog::embedded().unwrap();
    for (name, v2, v1) in [("findings", "sh_findings_2_0", "sh_findings_1_0"), ("dns", "route53_2_0", "route53_1_0")] {
        let t = c.table(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!((t.v2_table.as_str(), t.v1_table.as_deref()), (v2, Some(v1)));
        for col in &t.columns {
            assert!(col.expr.v1.is_some(), "{name}.{} has no v1 expression", col.name);
            assert!(!col.synonyms_ko.is_empty() && !col.examples.is_empty(), "{name}.{}", col.name);
        }
        for key in ["instance_id", "account_id", "event_time"] {
            assert!(t.column(key).is_some(), "{name} lacks join key {key}");
        }
        assert!(t.description.contains("instance_id"), "{name} documents its join keys");
        assert!(!t.available_in_raw_files());
    }
    let v2 = athena(SourceVersion::V2);
    assert!(v2.cte(&c, "findings").unwrap().contains("\"amazon_security_lake_table_us_east_1_sh_findings_2_0\""));
    assert!(v2.cte(&c, "dns").unwrap().contains("query.hostname AS query_name"));
    let v1 = athena(SourceVersion::V1);
    let findings = v1.cte(&c, "findings").unwrap();
    assert!(findings.contains("_sh_findings_1_0\"") && findings.contains("finding.title AS title"), "{findings}");
    assert!(v1.cte(&c, "dns").unwrap().contains("_route53_1_0\""));
}
