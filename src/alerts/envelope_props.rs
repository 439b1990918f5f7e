//! Property tests of envelope parsing (bounded): arbitrary JSON and mutated real-shaped fixtures never panic, a
//! message of k good, j broken and s other-detail-type entries yields exactly k events, j errors and s skips at
//! their positions, and random text in any field of a record never breaks its neighbours.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

use super::*;

/// Cases per property (five properties: 1,536 generated messages per `cargo test`).
const CASES: u32 = 256;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

const FIXTURES: &[&str] = &[
    include_str!("fixtures/eventbridge_api_call.json"),
    include_str!("fixtures/cloudtrail_records.json"),
    include_str!("fixtures/sns_notification_v1.json"),
    include_str!("fixtures/sns_notification_v2.json"),
];

/// Keys the parser looks at, so generated objects reach its branches, mixed with arbitrary ones.
const KEYS: &[&str] = &[
    "Records",
    "Type",
    "Message",
    "detail-type",
    "detail",
    "account",
    "eventID",
    "eventName",
    "eventTime",
    "eventSource",
    "awsRegion",
    "recipientAccountId",
    "userAgent",
    "eventType",
    "errorCode",
    "sessionCredentialFromConsole",
    "userIdentity",
    "requestParameters",
    "responseElements",
    "sessionContext",
    "sessionIssuer",
    "userName",
    "arn",
    "type",
];

/// Keys a generated good record never gets at random: its ids, and keys that would make it an envelope.
const NOT_JUNK: &[&str] = &["eventID", "eventName", "Records", "Type", "detail-type"];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => proptest::sample::select(KEYS).prop_map(str::to_owned), 1 => ".{0,8}"]
}

/// Any text, control characters, quotes, backslashes and non-ASCII included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,24}", "[\"\\\\{}\\[\\]:,\\x00-\\x1fé한😀]{0,12}", Just("AWS API Call via CloudTrail".to_owned())]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every entry index is distinct and within the message's entries.
fn check_invariants(parsed: &Parsed) {
    let total = parsed.events.len() + parsed.errors.len() + parsed.skipped.len();
    let mut seen = std::collections::HashSet::new();
    for i in parsed.errors.iter().map(|e| e.index).chain(parsed.skipped.iter().map(|s| s.index)) {
        assert!(i < total && seen.insert(i), "index {i} of {total}");
    }
    for e in &parsed.errors {
        assert!(e.event_id.as_ref().is_none_or(|id| id.chars().count() <= MAX_ID_CHARS));
    }
}

fn parse_anything(body: &str) {
    if let Ok(parsed) = parse_message(body) {
        check_invariants(&parsed);
    }
    let _ = parse_body(body);
}

/// The value `path` leads to inside `at` (each step picks a member or element; a scalar ends the walk).
fn place<'a>(at: &'a mut Value, path: &[prop::sample::Index]) -> &'a mut Value {
    let Some((step, rest)) = path.split_first() else { return at };
    let len = match &*at {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if len == 0 {
        return at;
    }
    let i = step.index(len);
    match at {
        Value::Object(map) => place(map.values_mut().nth(i).expect("in range"), rest),
        Value::Array(items) => place(&mut items[i], rest),
        _ => unreachable!("only containers have members"),
    }
}

fn good(n: usize, name: &str, junk: &[(String, Value)]) -> Value {
    let mut rec = Map::new();
    for (k, v) in junk {
        rec.insert(k.clone(), v.clone());
    }
    rec.insert("eventID".into(), json!(format!("good-{n}")));
    rec.insert("eventName".into(), json!(name));
    Value::Object(rec)
}

/// Broken entries of many kinds; each yields exactly one error wherever it sits.
fn broken(kind: u8, n: usize) -> Value {
    match kind % 9 {
        0 => json!(n),
        1 => json!(format!("broken-{n}")),
        2 => json!({"eventID": format!("broken-{n}")}),
        3 => json!({"eventName": "CreateUser", "eventTime": "2026-11-22T00:00:00Z"}),
        4 => json!({"eventID": 7, "eventName": "CreateUser"}),
        5 => json!({"detail-type": "AWS API Call via CloudTrail", "detail": "CreateUser"}),
        6 => json!({"detail-type": "AWS API Call via CloudTrail", "account": "1"}),
        7 => json!({"Type": "Notification", "Message": "{\"Records\": [oops"}),
        _ => json!([[[[{"eventID": format!("deep-{n}"), "eventName": "x"}]]]]),
    }
}

#[derive(Debug, Clone)]
enum Entry {
    Good(String, Vec<(String, Value)>),
    Broken(u8),
    Other(String),
}

fn entry() -> impl Strategy<Value = Entry> {
    let junk = prop::collection::vec(
        (
            proptest::sample::select(KEYS).prop_filter("not an id or envelope key", |k| !NOT_JUNK.contains(k)),
            json_value(),
        )
            .prop_map(|(k, v)| (k.to_owned(), v)),
        0..5,
    );
    prop_oneof![
        4 => (".{1,16}", junk).prop_map(|(name, junk)| Entry::Good(name, junk)),
        3 => any::<u8>().prop_map(Entry::Broken),
        1 => ".{0,20}".prop_filter("not a CloudTrail type", |t| !t.contains("via CloudTrail")).prop_map(Entry::Other),
    ]
}

/// `items` in one of four envelopes.
fn wrap(items: Vec<Value>, shape: u8) -> String {
    match shape % 4 {
        0 => json!({"Records": items}).to_string(),
        1 => Value::Array(items).to_string(),
        2 => json!({"Type": "Notification", "Message": json!({"Records": items}).to_string()}).to_string(),
        _ => Value::Array(
            items
                .into_iter()
                .map(|v| match v.get("eventID").and_then(Value::as_str) {
                    Some(id) if id.starts_with("good-") => {
                        json!({"detail-type": "AWS API Call via CloudTrail", "account": "123412341234", "detail": v})
                    }
                    _ => v,
                })
                .collect(),
        )
        .to_string(),
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn arbitrary_json_never_panics_alone_or_in_any_envelope(v in json_value(), shape in 0u8..5) {
        let body = match shape {
            4 => v.to_string(),
            s => wrap(vec![v.clone(), v], s),
        };
        parse_anything(&body);
    }

    #[test]
    fn byte_level_mutations_of_the_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, "[\"\\\\{}\\[\\]:, 0-9a-zé\\x00]"), 1..8),
    ) {
        let mut chars: Vec<char> = FIXTURES[which].chars().collect();
        for (at, op, with) in edits {
            let i = at.index(chars.len().max(1));
            let c = with.chars().next().unwrap_or(' ');
            match op {
                0 if !chars.is_empty() => { chars.remove(i.min(chars.len() - 1)); }
                1 => chars.insert(i.min(chars.len()), c),
                2 if !chars.is_empty() => { let last = chars.len() - 1; chars[i.min(last)] = c; }
                _ => chars.truncate(i),
            }
        }
        parse_anything(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn any_value_at_any_place_of_a_fixture_never_panics(which in 0..FIXTURES.len(), path in prop::collection::vec(any::<prop::sample::Index>(), 1..6), v in json_value()) {
        let mut doc: Value = serde_json::from_str(FIXTURES[which]).unwrap();
        *place(&mut doc, &path) = v;
        parse_anything(&doc.to_string());
    }

    #[test]
    fn k_good_j_broken_and_s_other_entries_yield_exactly_k_events_j_errors_and_s_skips(
        entries in prop::collection::vec(entry(), 0..12),
        shape in 0u8..4,
    ) {
        let mut items = Vec::new();
        let (mut want_ids, mut want_errors, mut want_skips) = (Vec::new(), Vec::new(), Vec::new());
        for (i, e) in entries.iter().enumerate() {
            match e {
                Entry::Good(name, junk) => { items.push(good(i, name, junk)); want_ids.push(format!("good-{i}")); }
                Entry::Broken(kind) => { items.push(broken(*kind, i)); want_errors.push(i); }
                Entry::Other(t) => { items.push(json!({"detail-type": t, "detail": {"eventID": "x"}})); want_skips.push(i); }
            }
        }

        let parsed = parse_message(&wrap(items, shape)).expect("a well-formed envelope is never refused as a whole");

        let ids: Vec<&str> = parsed.events.iter().map(|e| e.id.as_str()).collect();
        prop_assert_eq!(ids, want_ids.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(parsed.errors.iter().map(|e| e.index).collect::<Vec<_>>(), want_errors);
        prop_assert_eq!(parsed.skipped.iter().map(|s| s.index).collect::<Vec<_>>(), want_skips);
    }

    #[test]
    fn random_text_in_any_field_of_a_record_never_breaks_its_neighbours(
        path in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        v in prop_oneof![3 => text().prop_map(Value::String), 1 => json_value()],
    ) {
        let mut doc: Value = serde_json::from_str(FIXTURES[1]).unwrap();
        let records = doc["Records"].as_array_mut().unwrap();
        let (first, rest) = path.split_first().unwrap();
        let fields = records[1].as_object_mut().unwrap();
        let i = first.index(fields.len());
        *place(fields.values_mut().nth(i).unwrap(), rest) = v;
        let middle = &records[1];
        let readable = ["eventID", "eventName"].iter().all(|k| middle[*k].as_str().is_some_and(|s| !s.is_empty()));

        let parsed = parse_message(&doc.to_string()).unwrap();

        let ids: Vec<&str> = parsed.events.iter().map(|e| e.id.as_str()).collect();
        prop_assert_eq!(ids.first().copied(), Some("a1a1a1a1-0000-4000-8000-000000000001"));
        prop_assert_eq!(ids.last().copied(), Some("a1a1a1a1-0000-4000-8000-000000000003"));
        prop_assert_eq!((parsed.events.len(), parsed.errors.len()), if readable { (3, 0) } else { (2, 1) });
        prop_assert!(parsed.errors.iter().all(|e| e.index == 1));
    }
}
