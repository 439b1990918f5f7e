//! Unit tests of the S3, Lambda, EKS and WAF sources: determinism, and a background that never repeats a planted
//! incident's pattern or address.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};

use super::super::event::IdentityKind;
use super::super::incidents_b::{BACKDOORED_FUNCTION, PAYROLL_BUCKET, PLANTED_IPS};
use super::super::{IncidentKind, Lake, build};

fn lake(seed: u64, rows: usize) -> Lake {
    build(seed, Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(), rows)
}

#[test]
fn the_same_seed_gives_the_same_source_rows_and_another_seed_does_not() {
    let (a, b, c) = (lake(5, 4_000), lake(5, 4_000), lake(6, 4_000));
    assert_eq!(a.sources.s3, b.sources.s3);
    assert_eq!(a.sources.lambda, b.sources.lambda);
    assert_eq!(a.sources.eks, b.sources.eks);
    assert_eq!(a.sources.waf, b.sources.waf);
    assert_ne!(a.sources.waf, c.sources.waf);
    assert_ne!(a.sources.eks, c.sources.eks);
    let kinds: BTreeSet<IncidentKind> = a.manifest.incidents.iter().map(|i| i.kind).collect();
    for kind in [
        IncidentKind::S3Exfiltration,
        IncidentKind::LambdaBackdoor,
        IncidentKind::EksPodExec,
        IncidentKind::WafSqlInjection,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} is not planted");
    }
}

#[test]
fn no_background_row_of_any_table_uses_a_planted_address() {
    let l = lake(2, 20_000);
    let planted: BTreeSet<&str> = PLANTED_IPS.into_iter().collect();
    let incident_rows = |ip: &str| planted.contains(ip);
    let ct: Vec<&str> = l.events.iter().map(|e| e.source_ip.as_str()).filter(|ip| incident_rows(ip)).collect();
    let planted_ct: usize =
        l.manifest.incidents.iter().filter(|i| planted.contains(i.source_ip.as_str())).map(|i| i.event_ids.len()).sum();
    assert_eq!(ct.len(), 2, "only the Lambda backdoor's two CloudTrail calls come from a planted address");
    assert!(planted_ct >= ct.len());
    let s3 = l.sources.s3.iter().filter(|e| incident_rows(&e.source_ip)).count();
    let lambda = l.sources.lambda.iter().filter(|e| incident_rows(&e.source_ip)).count();
    let eks = l.sources.eks.iter().filter(|e| incident_rows(&e.source_ip)).count();
    let waf = l.sources.waf.iter().filter(|e| incident_rows(&e.client_ip)).count();
    let flows = l.flows.iter().filter(|f| incident_rows(&f.src_ip)).count();
    let detail =
        |kind: IncidentKind, key: &str| -> usize { l.manifest.incident(kind).unwrap().details[key].parse().unwrap() };
    assert_eq!(s3, detail(IncidentKind::S3Exfiltration, "get_count") + 1, "the burst and its one listing");
    assert_eq!(lambda, detail(IncidentKind::LambdaBackdoor, "invocation_count"));
    assert_eq!(eks, detail(IncidentKind::EksPodExec, "anonymous_count") + 5, "probes plus the exec session");
    assert_eq!(waf, detail(IncidentKind::WafSqlInjection, "request_count"));
    assert_eq!(flows, detail(IncidentKind::WafSqlInjection, "vpcflow_count"));
}

#[test]
fn background_rows_never_look_like_a_planted_incident() {
    let l = lake(3, 20_000);
    let planted: BTreeSet<&str> = PLANTED_IPS.into_iter().collect();
    let exposure = ["PutBucketPolicy", "DeleteBucketPublicAccessBlock", "PutBucketAcl"];
    let changes: Vec<_> = l.events.iter().filter(|e| exposure.contains(&e.name.as_str())).collect();
    assert_eq!(changes.len(), 2, "only the exfiltration changes a bucket's exposure");
    assert!(changes.iter().all(|e| e.request["bucketName"] == PAYROLL_BUCKET));
    for e in l.sources.s3.iter().filter(|e| !planted.contains(e.source_ip.as_str())) {
        assert_ne!(e.identity.kind, IdentityKind::AwsAccount, "anonymous S3 request in background");
        assert_ne!(e.request["bucketName"], PAYROLL_BUCKET);
    }
    let batch =
        |e: &&super::super::event::CtEvent| e.identity.arn.as_deref().unwrap_or("").contains("/batch-jobs-role/");
    let odd = l.sources.lambda.iter().filter(batch).collect::<Vec<_>>();
    assert!(odd.iter().all(|e| e.request["functionName"].as_str().unwrap().ends_with(BACKDOORED_FUNCTION)));
    assert!(odd.iter().all(|e| planted.contains(e.source_ip.as_str())));
    for e in l.sources.eks.iter().filter(|e| !planted.contains(e.source_ip.as_str())) {
        assert_ne!(e.user, "system:anonymous");
        assert!(!matches!(e.subresource, Some("exec" | "attach" | "portforward")), "{e:?}");
    }
    for e in l.sources.waf.iter().filter(|e| !planted.contains(e.client_ip.as_str())) {
        assert_ne!(e.condition, Some("SQL_INJECTION"));
        assert!(!e.user_agent.contains("sqlmap"));
    }
    let waf_ips: BTreeSet<&str> = l.sources.waf.iter().map(|e| e.client_ip.as_str()).collect();
    let shared: Vec<&str> = l
        .flows
        .iter()
        .map(|f| f.src_ip.as_str())
        .filter(|ip| waf_ips.contains(ip))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(shared, vec![super::super::incidents_b::SQLI_IP], "only the SQL-injection client is in both");
}
