//! Snapshot and limit tests of rendered alert messages.

use serde_json::{Value, json};

use super::*;
use crate::alerts::classify::classify;
use crate::alerts::envelope::CtEvent;
use crate::alerts::group::{Routing, group};
use crate::alerts::narrative::summary_sentence;
use crate::alerts::rules::{Rules, Verdict};
use crate::config::{AccountRoute, AlertsConfig};

fn routing() -> Routing {
    let mut cfg =
        AlertsConfig { default_channel: "C_DEFAULT".into(), red_channel: "C_SECURITY".into(), ..Default::default() };
    cfg.accounts.push(AccountRoute { id: "111122223333".into(), name: "prod-main".into(), channel: "C_PROD".into() });
    Routing::from_config(&cfg)
}

fn event(i: usize, name: &str, identity: Value, ua: &str, extra: Value) -> Alerted {
    let mut rec = json!({"eventID": format!("ev-{i:05}"), "eventName": name, "eventSource": "iam.amazonaws.com",
        "eventTime": format!("2026-11-22T05:{:02}:{:02}Z", (i / 60) % 60, i % 60), "awsRegion": "ap-northeast-2",
        "recipientAccountId": "111122223333", "userAgent": ua, "userIdentity": identity});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        rec[k] = v;
    }
    let event = CtEvent::from_record(rec, None).unwrap();
    let actor = classify(&event);
    let Verdict::Alert { severity, reasons } = Rules::defaults().evaluate(&event, &actor) else {
        panic!("{name} not alerted")
    };
    Alerted { event, actor, severity, reasons }
}

fn mixed() -> Vec<Alerted> {
    let alice =
        json!({"type": "IAMUser", "userName": "alice <!channel>", "arn": "arn:aws:iam::111122223333:user/alice"});
    let root = json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"});
    let tf = json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/deployer/tf-run",
        "sessionContext": {"sessionIssuer": {"userName": "deployer"}}});
    let tf_ua = "APN/1.0 HashiCorp/1.0 Terraform/1.9.0 (+https://www.terraform.io) terraform-provider-aws/5.80.0";
    vec![
        event(
            1,
            "ConsoleLogin",
            root,
            "Mozilla/5.0",
            json!({"eventSource": "signin.amazonaws.com",
            "responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No"}}),
        ),
        event(
            2,
            "CreateUser",
            alice.clone(),
            "aws-cli/2.15.0",
            json!({"requestParameters": {"userName": "bob & <eve>"}}),
        ),
        event(3, "CreateRole", tf.clone(), tf_ua, json!({"requestParameters": {"roleName": "app"}})),
        event(
            4,
            "CreateBucket",
            tf,
            tf_ua,
            json!({"eventSource": "s3.amazonaws.com", "requestParameters": {"bucketName": "logs-bucket"}}),
        ),
    ]
}

fn renderer(lang: &str) -> Renderer {
    Renderer::new(Templates::embedded(), chrono_tz::Asia::Seoul, lang)
}

#[test]
fn a_mixed_digest_renders_colour_fields_button_counts_and_escaped_lines() {
    let groups = group(mixed(), &routing());
    let g = &groups[0];
    let r = renderer("en").render(g, MessageKind::Digest, Some(&summary_sentence(g, "en"))).unwrap();
    assert!(r.thread.is_empty());
    let text = r.parent.json.to_string();
    assert!(!text.contains("<!channel>") && text.contains("&lt;!channel&gt;"), "mentions must be escaped");
    assert_eq!(r.parent.json.pointer("/attachments/0/color").unwrap(), "#d40e0d");
    insta::assert_json_snapshot!("alert_digest_mixed_en", r.parent.json);
}

#[test]
fn korean_digests_use_korean_labels_and_seoul_time() {
    let groups = group(mixed(), &routing());
    let g = &groups[0];
    let r = renderer("ko").render(g, MessageKind::Digest, Some(&summary_sentence(g, "ko"))).unwrap();
    let text = r.parent.json.to_string();
    assert!(text.contains("수행자") && text.contains("KST"), "{text}");
    insta::assert_json_snapshot!("alert_digest_mixed_ko", r.parent.json);
}

#[test]
fn a_storm_overflows_into_thread_replies_and_lists_every_event_once() {
    let tf = json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/deployer/tf",
        "sessionContext": {"sessionIssuer": {"userName": "deployer"}}});
    let events: Vec<Alerted> = (0..1_000)
        .map(|i| {
            event(
                i,
                "CreateRole",
                tf.clone(),
                "Terraform/1.9.0",
                json!({"requestParameters": {"roleName": format!("role-{i}-{}", "x&<>".repeat(20))}}),
            )
        })
        .collect();
    let groups = group(events, &routing());
    let r = renderer("en").render(&groups[0], MessageKind::Digest, None).unwrap();
    let mut ids: Vec<&String> = r.parent.event_ids.iter().chain(r.thread.iter().flat_map(|t| &t.event_ids)).collect();
    assert_eq!(ids.len(), 1_000);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1_000, "an event was listed twice");
    for m in std::iter::once(&r.parent).chain(&r.thread) {
        let blocks = m.json.pointer("/attachments/0/blocks").unwrap().as_array().unwrap();
        assert!(blocks.len() <= crate::alerts::limits::MAX_BLOCKS);
        for b in blocks {
            if let Some(t) = b.pointer("/text/text").and_then(Value::as_str) {
                assert!(t.chars().count() <= 3_000, "section of {} chars", t.chars().count());
            }
        }
        for id in &m.event_ids {
            assert!(
                m.json
                    .to_string()
                    .contains(&format!("role-{}-", id.trim_start_matches("ev-").parse::<usize>().unwrap()))
            );
        }
    }
    assert!(r.parent.json.to_string().contains("more in the thread"));
}

#[test]
fn a_single_red_event_links_to_the_event_in_its_partition() {
    let mut e = mixed().remove(0);
    e.event.region = "cn-north-1".into();
    let groups = group(vec![e], &routing());
    let r = renderer("en").render(&groups[0], MessageKind::Immediate, None).unwrap();
    let url = r.parent.json.pointer("/attachments/0/blocks/2/elements/0/url").unwrap().as_str().unwrap();
    assert_eq!(url, "https://cn-north-1.console.amazonaws.cn/cloudtrail/home?region=cn-north-1#/events/ev-00001");
    let header = r.parent.json.pointer("/attachments/0/blocks/0/text/text").unwrap().as_str().unwrap();
    assert!(header.ends_with("— 1 red event"), "one event reads as one: {header}");
}

fn only_event(e: Alerted) -> Value {
    let groups = group(vec![e], &routing());
    renderer("en").render(&groups[0], MessageKind::Digest, None).unwrap().parent.json
}

/// The event-line section's text (the last section of a one-event parent).
fn event_lines(json: &Value) -> String {
    let blocks = json.pointer("/attachments/0/blocks").unwrap().as_array().unwrap();
    blocks.iter().rev().find(|b| b["type"] == "section").unwrap()["text"]["text"].as_str().unwrap().to_owned()
}

#[test]
fn newlines_in_an_actor_or_resource_cannot_add_red_lines_to_a_yellow_message() {
    let fake = "x\n:red_circle: *StopLogging* `trail` — mallory [Console]\n:red_circle: *StopLogging*\r\n:red_circle: *DeleteTrail*";
    let identity =
        json!({"type": "IAMUser", "userName": format!("alice{fake}"), "arn": "arn:aws:iam::111122223333:user/alice"});
    let e = event(
        7,
        "CreateUser",
        identity,
        "aws-cli/2.15.0",
        json!({"requestParameters": {"userName": format!("bob{fake}")}}),
    );
    assert_eq!(e.severity.color(), "#f2c744", "CreateUser is yellow");
    let json = only_event(e);
    assert_eq!(json.pointer("/attachments/0/color").unwrap(), "#f2c744");
    let lines = event_lines(&json);
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.starts_with(":large_yellow_circle: *CreateUser*"), "{lines}");
    let mut shown = Vec::new();
    for b in json.pointer("/attachments/0/blocks").unwrap().as_array().unwrap() {
        let texts =
            b.pointer("/text/text").into_iter().chain(b["fields"].as_array().into_iter().flatten().map(|f| &f["text"]));
        // Slack shows code spans literally; data cannot hold a backtick, so the spans are the template's.
        shown.extend(texts.filter_map(Value::as_str).map(|t| t.split('`').step_by(2).collect::<String>()));
    }
    assert!(shown.iter().all(|t| !t.contains(":red_circle:")), "no red icon outside code: {shown:#?}");
}

#[test]
fn an_event_region_that_is_not_a_region_drops_the_button_and_never_becomes_a_link_host() {
    for region in ["evil.example/?x=", "https://evil.example/", &"a".repeat(5_000)] {
        let mut e = mixed().remove(0);
        e.event.region = region.to_owned();
        let json = only_event(e);
        let text = json.to_string();
        assert!(!text.contains("alert_view_cloudtrail") && !text.contains("\"url\""), "no button: {text}");
        assert!(text.len() < 8_000, "a 5,000-character region is not repeated into the message");
        assert_eq!(event_lines(&json).lines().count(), 1, "the message still posts its event");
    }
}

#[test]
fn a_5000_character_event_id_drops_the_link_instead_of_making_a_huge_url() {
    let mut e = mixed().remove(0);
    e.event.id = "e".repeat(5_000);
    let json = only_event(e);
    assert!(!json.to_string().contains("\"url\""), "no link over an unlinkable id");
}

#[test]
fn an_access_key_shaped_user_name_is_masked_everywhere_in_the_message() {
    let identity =
        json!({"type": "IAMUser", "userName": "AKIAIOSFODNN7EXAMPLE", "arn": "arn:aws:iam::111122223333:user/k"});
    let e = event(
        8,
        "CreateUser",
        identity,
        "aws-cli/2.15.0",
        json!({"requestParameters": {"userName": "ASIAQWERTYUIOPASDFGH"}}),
    );
    let groups = group(vec![e], &routing());
    let g = &groups[0];
    let r = renderer("en").render(g, MessageKind::Digest, Some(&summary_sentence(g, "en"))).unwrap();
    let text = r.parent.json.to_string();
    assert!(!text.contains("AKIAIOSFODNN7EXAMPLE") && !text.contains("ASIAQWERTYUIOPASDFGH"), "{text}");
    assert!(text.contains("AKIA****MPLE") && text.contains("ASIA****DFGH"), "{text}");
}
