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
        .with_ctes(&c, &["cloudtrail".into()], false, &["x AS (SELECT 1)".into()], "SELECT * FROM x")
        .unwrap();
    let ct = sql.find("cloudtrail AS (").unwrap();
    let x = sql.find("x AS (SELECT 1)").unwrap();
    assert!(sql.starts_with("WITH ") && ct < x && sql.ends_with("SELECT * FROM x"), "{sql}");
    assert!(sql.contains("FROM \"cloud_trail_mgmt_2_0\" AS src"));
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
    let b = Binding::AthenaSecurityLake { database: "db".into(), lake_region: "us_east_1".into() };
    assert!(b.cte(&c, "findings").unwrap().contains("\"amazon_security_lake_table_us_east_1_sh_findings_2_0\""));
    assert!(b.cte(&c, "dns").unwrap().contains("query.hostname AS query_name"));
}
