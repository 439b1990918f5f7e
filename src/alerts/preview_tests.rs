//! `alerts preview` runs the worker: duplicates once, every readable record shown, thread overflow printed.

use serde_json::{Value, json};

use super::*;

fn record(id: &str, name: &str, time: Value) -> Value {
    json!({"eventID": id, "eventName": name, "eventSource": "iam.amazonaws.com", "eventTime": time,
        "awsRegion": "us-east-1", "recipientAccountId": "123412341234", "userAgent": "aws-cli/2.15.0",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123412341234:user/alice"},
        "requestParameters": {"userName": format!("user-{id}")}})
}

#[tokio::test]
async fn preview_shows_every_readable_record_and_names_each_one_left_out() {
    let eventbridge = json!({"detail-type": "AWS API Call via CloudTrail", "account": "123412341234",
        "detail": record("ok-1", "CreateUser", json!("2026-11-22 04:00:02"))});
    let records = json!({"Records": [
        record("ok-2", "CreateUser", json!(1_795_313_203)),
        {"eventID": "bad-1", "eventTime": "2026-11-22T04:00:00Z"},
        record("ok-3", "CreateUser", json!("sometime")),
    ]});
    let text = format!("{eventbridge}\n{records}\nnot json at all\n");

    let shown = preview(&Config::default(), &text).await.unwrap();

    for id in ["ok-1", "ok-2", "ok-3"] {
        assert!(shown.json.contains(&format!("user-{id}")), "{id} is shown");
    }
    assert!(shown.json.contains("no eventTime: time received"), "the record without a time says so");
    assert!(shown.json.contains(UNSET_CHANNEL), "{}", shown.json);
    assert_eq!(
        shown.problems[..2],
        [
            "line 2: entry 1 (eventID \"bad-1\"): CloudTrail record has no eventName".to_owned(),
            "line 2: 1 event(s) without a usable eventTime: shown at the time read".to_owned(),
        ]
    );
    assert!(shown.problems[2].starts_with("line 3: body is not JSON"), "{:?}", shown.problems);
}

#[tokio::test]
async fn a_file_with_nothing_readable_is_refused_with_both_readings() {
    let err = preview(&Config::default(), "nope\n{oops\n").await.unwrap_err().to_string();
    assert!(err.contains("as one JSON document") && err.contains("line 2"), "{err}");
}

#[tokio::test]
async fn a_duplicated_event_id_in_the_file_is_shown_once() {
    let one = record("dup-1", "CreateUser", json!("2026-11-22T04:00:00Z"));
    let text = format!("{one}\n{one}\n{}\n", json!({"Records": [one]}));

    let shown = preview(&Config::default(), &text).await.unwrap();

    assert_eq!(shown.json.matches("user-dup-1").count(), 1, "{}", shown.json);
    assert_eq!((shown.outcome.parsed, shown.outcome.duplicates, shown.posts.len()), (3, 2, 1));
}

#[tokio::test]
async fn thread_overflow_and_the_red_copy_are_printed_per_channel() {
    let mut config = Config::default();
    config.alerts.default_channel = "C_MAIN".into();
    config.alerts.red_channel = "C_RED".into();
    let mut records: Vec<Value> =
        (0..45).map(|i| record(&format!("e{i:02}"), "CreateUser", json!("2026-11-22T04:00:00Z"))).collect();
    let mut red = record("red-1", "StopLogging", json!("2026-11-22T04:00:00Z"));
    red["eventSource"] = json!("cloudtrail.amazonaws.com");
    records.push(red);
    let text = json!({ "Records": records }).to_string();

    let shown = preview(&config, &text).await.unwrap();

    let channels: Value = serde_json::from_str(&shown.json).unwrap();
    let names: Vec<&str> = channels.as_array().unwrap().iter().map(|c| c["channel"].as_str().unwrap()).collect();
    assert_eq!(names, ["C_MAIN", "C_RED"]);
    let main = channels[0]["posts"].as_array().unwrap();
    let replies: Vec<&Value> = main.iter().filter(|p| !p["thread_ts"].is_null()).collect();
    assert!(!replies.is_empty(), "45 digest events overflow into the thread: {main:?}");
    let parents: Vec<&str> =
        main.iter().filter(|p| p["thread_ts"].is_null()).map(|p| p["ts"].as_str().unwrap()).collect();
    assert!(replies.iter().all(|r| parents.contains(&r["thread_ts"].as_str().unwrap())), "replies name a parent");
    for i in 0..45 {
        assert!(shown.json.contains(&format!("user-e{i:02}")), "e{i:02} is shown");
    }
    assert!(channels[1]["posts"][0]["message"].to_string().contains("StopLogging"));
}
