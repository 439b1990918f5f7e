//! Hostile-data tests of rendered alerts: whatever strings an event carries, the message keeps its structure.
//!
//! Every string field of every event (ids, names, region, account, identity, user agent, error code, resource
//! names, the account's display name and the narrative) is drawn from mentions, line breaks, mrkdwn, bidi and
//! zero-width characters, key-shaped values, URLs and 10k-character runs. The rendered Block Kit JSON is parsed
//! and checked: one event line per event, icons and colour only from severities, no mention or link syntax, no
//! control or invisible characters, every mrkdwn text verbatim, every URL a console link within 3,000 characters,
//! no key material.

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};

use super::*;
use crate::alerts::classify::classify;
use crate::alerts::envelope::CtEvent;
use crate::alerts::group::Route;
use crate::alerts::link;
use crate::alerts::rules::Severity;

const ICONS: [&str; 3] = [":red_circle:", ":large_yellow_circle:", ":large_green_circle:"];

fn hostile() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "<!channel>",
        "<!here|here> <@U0123> <#C1|general> <!subteam^S1>",
        "x\n:red_circle: *StopLogging* `trail` — mallory [Console] · 00:00:00 · us-east-1\n",
        "\r\n\r\n:large_green_circle: fine\u{2028}:red_circle: bad\u{0085}",
        "*bold* _it_ ~s~ `c` ```block``` > quote",
        "\u{202E}nimda\u{2066}x\u{2069}\u{200B}\u{200F}\u{FEFF}\u{E0041}",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "https://evil.example/?x=",
        "&amp;&lt;!channel&gt;",
        "us-east-1",
        "3d2f0b6e-1c4a-4b8e-9f00-0123456789ab",
    ])
    .prop_map(str::to_owned);
    let piece = prop_oneof![
        fixed,
        "[a-z<>*_`~:!@#&|\n\r\t \u{202E}\u{200B}]{0,40}",
        "\\PC{0,30}",
        (0usize..3, any::<char>()).prop_map(|(k, c)| c.to_string().repeat([10, 5_000, 10_000][k])),
    ];
    prop::collection::vec(piece, 1..4).prop_map(|parts| parts.concat())
}

/// Strings for one event's fields.
#[derive(Debug, Clone)]
struct Fields {
    id: String,
    name: String,
    region: String,
    kind: String,
    user: String,
    arn: String,
    principal: String,
    issuer: String,
    agent: String,
    error: String,
    resource: String,
    reason: String,
    severity: usize,
}

fn fields() -> impl Strategy<Value = Fields> {
    let kind = prop_oneof![Just("IAMUser".to_owned()), Just("AssumedRole".to_owned()), hostile()];
    (
        (hostile(), hostile(), hostile(), kind, hostile(), hostile(), hostile()),
        (hostile(), hostile(), hostile(), hostile(), hostile(), 0usize..3),
    )
        .prop_map(
            |((id, name, region, kind, user, arn, principal), (issuer, agent, error, resource, reason, severity))| {
                Fields {
                    id,
                    name,
                    region,
                    kind,
                    user,
                    arn,
                    principal,
                    issuer,
                    agent,
                    error,
                    resource,
                    reason,
                    severity,
                }
            },
        )
}

fn alerted(i: usize, f: &Fields) -> Alerted {
    let rec = json!({"eventID": format!("{i}{}", f.id), "eventName": format!("N{}", f.name),
        "eventTime": format!("2026-11-22T05:00:{:02}Z", i % 60), "awsRegion": f.region,
        "recipientAccountId": "111122223333", "userAgent": f.agent, "errorCode": f.error,
        "userIdentity": {"type": f.kind, "userName": f.user, "arn": f.arn, "principalId": f.principal,
            "invokedBy": f.agent, "sessionContext": {"sessionIssuer": {"userName": f.issuer}}},
        "requestParameters": {"userName": f.resource, "bucketName": f.user}});
    let event = CtEvent::from_record(rec, None).expect("hostile strings still make a record");
    let severity = [Severity::Red, Severity::Yellow, Severity::Green][f.severity];
    Alerted { actor: classify(&event), event, severity, reasons: vec![f.reason.clone()] }
}

/// Every string in `v`, with the key it sits under.
fn strings<'a>(v: &'a Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match v {
        Value::String(s) => out.push((key, s)),
        Value::Array(items) => items.iter().for_each(|i| strings(i, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| strings(v, k, out)),
        _ => {}
    }
}

fn mrkdwn_objects<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(map) if map.get("type") == Some(&json!("mrkdwn")) => out.push(v),
        Value::Object(map) => map.values().for_each(|v| mrkdwn_objects(v, out)),
        Value::Array(items) => items.iter().for_each(|v| mrkdwn_objects(v, out)),
        _ => {}
    }
}

/// A character no rendered string may hold: controls (but the template's line breaks), spaces other than
/// U+0020, and invisible format characters.
fn stray(c: char) -> bool {
    c != '\n' && c != ' ' && (c.is_control() || c.is_whitespace() || neutral::one_line(&c.to_string()).is_empty())
}

fn icons_in(text: &str) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> =
        ICONS.iter().flat_map(|icon| text.match_indices(icon).map(move |(at, _)| (at, *icon))).collect();
    found.sort();
    found.into_iter().map(|(_, icon)| icon).collect()
}

/// Checks every string of a message (no `<`, strays, keys; URLs are console links) and every mrkdwn object.
fn check_strings(json: &Value) {
    let mut all = Vec::new();
    strings(json, "", &mut all);
    let console_url = regex::Regex::new(
        r"^https://([a-z0-9-]+\.console\.aws\.amazon\.com|[a-z0-9-]+\.console\.amazonaws\.cn|console\.amazonaws-us-gov\.com)/cloudtrail/home\?region=[a-z0-9-]+#/events(/[A-Za-z0-9%._~-]+)?$",
    )
    .unwrap();
    for (key, s) in &all {
        assert!(!s.contains('<'), "mention or link syntax in {key}: {s}");
        assert!(!s.chars().any(stray), "control, invisible or odd space character in {key}: {s:?}");
        assert!(!neutral::has_key_material(s), "key material in {key}: {s}");
        if *key == "url" {
            assert!(s.len() <= link::MAX_URL && console_url.is_match(s), "not a console link: {s}");
        }
    }
    let mut mrkdwn = Vec::new();
    mrkdwn_objects(json, &mut mrkdwn);
    for obj in mrkdwn {
        assert_eq!(obj.get("verbatim"), Some(&json!(true)), "mrkdwn text without verbatim: {obj}");
    }
}

/// Checks a parent's header, fields, narrative and count lines (the blocks before the divider).
fn check_head(head: &[Value], counts: usize) {
    let header = head[0].pointer("/text/text").and_then(Value::as_str).unwrap();
    assert!(!header.contains('\n') && icons_in(header).len() == 1, "{header}");
    for f in head.iter().filter_map(|b| b.get("fields")).flat_map(|f| f.as_array().unwrap()) {
        assert_eq!(f["text"].as_str().unwrap().matches('\n').count(), 1, "label and one value line: {f}");
    }
    let texts: Vec<&str> = head.iter().filter_map(|b| b.pointer("/text/text")).filter_map(Value::as_str).collect();
    let (narrative, count_text) = match texts.as_slice() {
        [_, narrative, counts] => (Some(*narrative), *counts),
        [_, counts] => (None, *counts),
        _ => panic!("header, narrative, counts: {texts:?}"),
    };
    if let Some(n) = narrative {
        assert!(!n.contains('\n') && icons_in(n).is_empty(), "{n}");
    }
    assert_eq!(count_text.split('\n').count(), counts.min(MAX_COUNT_LINES));
    assert_eq!(icons_in(count_text).len(), counts.min(MAX_COUNT_LINES));
}

/// Checks one rendered message; returns the icons of its event lines, in order.
fn check_message(m: &Rendered, worst: Severity, parent: bool, counts: usize) -> Vec<&'static str> {
    let json = &m.json;
    let color = json.pointer("/attachments/0/color").and_then(Value::as_str).unwrap();
    assert_eq!(color, worst.color(), "the colour is the worst severity's");
    check_strings(json);
    let top = json["text"].as_str().unwrap();
    assert!(!top.contains('\n') && icons_in(top).len() == 1, "one-line notification text: {top}");
    let blocks = json.pointer("/attachments/0/blocks").and_then(Value::as_array).unwrap();
    let divider = blocks.iter().position(|b| b["type"] == "divider");
    let (head, body) = match (parent, divider) {
        (true, Some(d)) => (&blocks[..d], &blocks[d + 1..]),
        (false, None) => (&blocks[..1], &blocks[1..]),
        _ => panic!("unexpected layout: {json}"),
    };
    let mut event_icons = Vec::new();
    for b in body.iter().filter(|b| b["type"] == "section") {
        let text = b.pointer("/text/text").and_then(Value::as_str).unwrap();
        for l in text.split('\n') {
            // Slack shows code spans literally (data cannot hold a backtick, so the spans are the template's).
            let outside_code: String = l.split('`').step_by(2).collect();
            let icons = icons_in(&outside_code);
            assert!(icons.len() == 1 && l.starts_with(icons[0]), "an event line with one leading icon: {l}");
            event_icons.push(icons[0]);
        }
    }
    if parent {
        check_head(head, counts);
    }
    event_icons
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_strings_in_every_field_cannot_change_a_messages_structure(
        events in prop::collection::vec(fields(), 1..28),
        account in hostile(),
        name in hostile(),
        narrative in hostile(),
    ) {
        let mut list: Vec<Alerted> = events.iter().enumerate().map(|(i, f)| alerted(i, f)).collect();
        list.sort_by_key(|e| std::cmp::Reverse(e.severity));
        let g = AccountGroup {
            account,
            route: Route { name, channel: "C1".into(), red_channel: String::new() },
            events: list,
        };
        let counts = g.counts().len();
        let r = Renderer::new(Templates::embedded(), chrono_tz::Asia::Seoul, "en")
            .render(&g, MessageKind::Digest, Some(&narrative))
            .expect("hostile data still renders");
        let mut icons = check_message(&r.parent, g.worst(), true, counts);
        let mut listed = r.parent.event_ids.clone();
        for t in &r.thread {
            icons.extend(check_message(t, g.worst(), false, counts));
            listed.extend(t.event_ids.iter().cloned());
        }
        prop_assert_eq!(icons.len(), g.events.len(), "one event line per event");
        let wanted: Vec<&str> = g.events.iter().map(|e| e.severity.icon()).collect();
        prop_assert_eq!(icons, wanted, "each line's icon is its event's severity");
        let ids: Vec<String> = g.events.iter().map(|e| e.event.id.clone()).collect();
        prop_assert_eq!(listed, ids);
    }
}
