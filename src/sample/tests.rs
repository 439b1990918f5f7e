//! Unit tests of the in-memory lake: determinism, clean background, and the OCSF ↔ raw mapping of each event.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use serde_json::Value;

use super::{IncidentKind, Lake, build, ocsf, raw};

fn lake(seed: u64, rows: usize) -> Lake {
    build(seed, Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(), rows)
}

fn planted_ids(lake: &Lake) -> BTreeSet<&str> {
    lake.manifest.incidents.iter().flat_map(|i| i.event_ids.iter().map(String::as_str)).collect()
}

#[test]
fn building_twice_gives_the_same_events_and_another_seed_does_not() {
    let (a, b, c) = (lake(5, 3_000), lake(5, 3_000), lake(6, 3_000));
    assert_eq!(a.events, b.events);
    assert_eq!(a.manifest, b.manifest);
    assert_ne!(a.events, c.events);
}

#[test]
fn event_ids_are_unique_and_every_planted_id_is_present() {
    let l = lake(1, 4_000);
    let ids: BTreeSet<&str> = l.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), l.events.len());
    for id in planted_ids(&l) {
        assert!(ids.contains(id), "planted {id} missing");
    }
    assert_eq!(l.manifest.incidents.len(), 13);
}

#[test]
fn background_events_never_look_like_a_planted_incident() {
    let l = lake(2, 20_000);
    let planted = planted_ids(&l);
    for e in l.events.iter().filter(|e| !planted.contains(e.event_id.as_str())) {
        let text = e.request.to_string();
        assert!(!text.contains("0.0.0.0/0"), "world-open rule in background: {text}");
        assert!(!text.contains("AdministratorAccess"), "admin grant in background: {text}");
        assert!(!["StopLogging", "CreateAccessKey"].contains(&e.name.as_str()), "{} in background", e.name);
        if e.name == "ConsoleLogin" && e.identity.kind == super::event::IdentityKind::Root {
            assert_eq!(e.additional["MFAUsed"], "Yes", "root sign-in without MFA in background");
        }
    }
}

#[test]
fn each_ocsf_row_carries_the_fields_of_its_raw_record() {
    let l = lake(3, 3_000);
    for e in &l.events {
        let mut line = Vec::new();
        ocsf::write_row(&mut line, e).unwrap();
        let row: Value = serde_json::from_slice(&line).unwrap();
        let rec = raw::record_json(e).unwrap();
        assert_eq!(row["metadata"]["uid"], rec["eventID"]);
        assert_eq!(row["api"]["operation"], rec["eventName"]);
        assert_eq!(row["api"]["service"]["name"], rec["eventSource"]);
        assert_eq!(row["cloud"]["region"], rec["awsRegion"]);
        assert_eq!(row["accountid"], rec["recipientAccountId"]);
        assert_eq!(row["unmapped"]["recipientAccountId"], rec["recipientAccountId"]);
        assert_eq!(row["http_request"]["user_agent"], rec["userAgent"]);
        assert_eq!(row["actor"]["user"]["type"], rec["userIdentity"]["type"]);
        let source = rec["sourceIPAddress"].as_str().unwrap();
        let is_ip = source.parse::<std::net::IpAddr>().is_ok();
        assert_eq!(row["src_endpoint"][if is_ip { "ip" } else { "domain" }], source);
        let request = rec["requestParameters"].clone();
        let data = row["api"]["request"]["data"].as_str().map(|s| serde_json::from_str::<Value>(s).unwrap());
        assert_eq!(data.unwrap_or(Value::Null), request);
        assert_eq!(row["api"]["response"]["error"], *rec.get("errorCode").unwrap_or(&Value::Null));
        if e.name == "ConsoleLogin" {
            assert_eq!(row["is_mfa"], Value::Bool(rec["additionalEventData"]["MFAUsed"] == "Yes"));
            assert_eq!(row["status"], rec["responseElements"]["ConsoleLogin"]);
        }
    }
}

#[test]
fn incidents_fall_in_the_last_week_and_the_port_scan_is_large_and_denied() {
    let l = lake(4, 2_000);
    let now = l.manifest.now;
    for i in &l.manifest.incidents {
        assert!(i.start > now - chrono::Duration::days(7) && i.end < now, "{:?}", i.kind);
    }
    let scan = l.manifest.incident(IncidentKind::PortScan).unwrap();
    let flows: Vec<_> = l.flows.iter().filter(|f| f.src_ip == scan.source_ip).collect();
    let ports: BTreeSet<i32> = flows.iter().map(|f| f.dst_port).collect();
    assert!(ports.len() >= 100);
    assert!(flows.iter().filter(|f| !f.accept).count() * 10 > flows.len() * 9);
    let total = l.events.len() + l.flows.len() + l.manifest.source_rows.values().sum::<usize>();
    assert!((1_800..=2_200).contains(&total), "{total}");
}
