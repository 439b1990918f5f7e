//! Unit tests of envelope parsing: envelope shapes, typed fields, entry-by-entry errors and lenient times.

use super::*;
use serde_json::json;

fn record() -> Value {
    json!({"eventID": "e1", "eventName": "CreateUser", "eventSource": "iam.amazonaws.com",
           "eventTime": "2026-11-22T01:02:03Z", "awsRegion": "us-east-1",
           "userIdentity": {"type": "IAMUser", "accountId": "111111111111"}})
}

#[test]
fn eventbridge_envelopes_route_by_their_account_when_the_record_has_no_recipient() {
    let body = json!({"detail-type": "AWS API Call via CloudTrail", "account": "222222222222", "detail": record()});
    let events = parse_body(&body.to_string()).unwrap();
    assert_eq!(events[0].account, "222222222222");
    assert_eq!(events[0].name, "CreateUser");
}

#[test]
fn sns_notifications_wrapping_eventbridge_events_are_unwrapped() {
    let inner =
        json!({"detail-type": "AWS Console Sign In via CloudTrail", "account": "333333333333", "detail": record()});
    let body = json!({"Type": "Notification", "Message": inner.to_string()});
    assert_eq!(parse_body(&body.to_string()).unwrap()[0].id, "e1");
}

#[test]
fn records_files_and_arrays_yield_every_event() {
    let mut second = record();
    second["eventID"] = json!("e2");
    second["recipientAccountId"] = json!("444444444444");
    let body = json!([{"Records": [record(), second]}]);
    let events = parse_body(&body.to_string()).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].account, "444444444444");
}

#[test]
fn parse_body_refuses_other_detail_types_and_broken_records_with_the_reason() {
    let body = json!({"detail-type": "EC2 Instance State-change Notification", "detail": {}});
    assert!(parse_body(&body.to_string()).unwrap_err().to_string().contains("EC2 Instance State-change"));
    assert!(matches!(parse_body("not json"), Err(EnvelopeError::Json(_))));
    let mut no_id = record();
    no_id.as_object_mut().unwrap().remove("eventID");
    let err = parse_body(&no_id.to_string()).unwrap_err();
    assert_eq!(err.to_string(), "entry 0: CloudTrail record has no eventID");
}

#[test]
fn one_broken_record_leaves_its_neighbours_and_is_named_by_event_id_or_position() {
    let mut no_name = record();
    no_name["eventID"] = json!("e-broken");
    no_name.as_object_mut().unwrap().remove("eventName");
    let mut third = record();
    third["eventID"] = json!("e3");
    let body = json!({"Records": [record(), no_name, 42, third]});

    let parsed = parse_message(&body.to_string()).unwrap();

    let ids: Vec<_> = parsed.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e3"]);
    let shown: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "entry 1 (eventID \"e-broken\"): CloudTrail record has no eventName",
            "entry 2: unsupported event shape: a JSON number (send an EventBridge CloudTrail event, an SNS notification wrapping one, a CloudTrail record, an array of them, or {\"Records\": [...]})",
        ]
    );
}

#[test]
fn other_eventbridge_detail_types_are_skipped_and_counted_not_errors() {
    let insight = json!({"detail-type": "AWS Insight via CloudTrail", "account": "1", "detail": {"eventID": "i1"}});
    let api = json!({"detail-type": "AWS API Call via CloudTrail", "account": "2", "detail": record()});
    let parsed = parse_message(&json!([insight, api]).to_string()).unwrap();
    assert_eq!(parsed.events.len(), 1);
    assert!(parsed.errors.is_empty());
    assert_eq!(parsed.skipped, [Skipped { index: 0, detail_type: "AWS Insight via CloudTrail".into() }]);
}

#[test]
fn only_a_message_with_no_readable_structure_fails_as_a_whole() {
    assert!(matches!(parse_message("{not json"), Err(EnvelopeError::Json(_))));
    assert!(matches!(parse_message("[1, 2"), Err(EnvelopeError::Json(_))));
    assert!(matches!(parse_message(r#"{"hello": 1}"#), Err(EnvelopeError::Unsupported(_))));
    assert!(
        matches!(parse_message(r#"{"Type": "Notification", "Message": "{oops"}"#), Err(EnvelopeError::Json(m)) if m.starts_with("SNS Message"))
    );
    // A lone record that is broken is still named as a record, not a broken message.
    let mut no_name = record();
    no_name.as_object_mut().unwrap().remove("eventName");
    let parsed = parse_message(&no_name.to_string()).unwrap();
    assert_eq!((parsed.events.len(), parsed.errors[0].event_id.as_deref()), (0, Some("e1")));
    // Inside an array, a broken SNS notification is one bad entry among good ones.
    let sns = json!({"Type": "Notification", "Message": "{oops"});
    let parsed = parse_message(&json!([sns, record()]).to_string()).unwrap();
    assert_eq!((parsed.events.len(), parsed.errors.len(), parsed.errors[0].index), (1, 1, 0));
}

#[test]
fn lenient_times_are_read_and_a_record_without_one_is_kept_with_the_time_received() {
    let received = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
    let mut records = Vec::new();
    for (i, time) in [json!("2026-11-22 01:02:03"), json!(1_795_309_323_000_i64), json!("later"), Value::Null]
        .into_iter()
        .enumerate()
    {
        let mut r = record();
        r["eventID"] = json!(format!("t{i}"));
        r["eventTime"] = time;
        records.push(r);
    }
    let mut absent = record();
    absent["eventID"] = json!("t4");
    absent.as_object_mut().unwrap().remove("eventTime");
    records.push(absent);

    let parsed = parse_message_at(&json!({"Records": records}).to_string(), received).unwrap();

    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let times: Vec<_> = parsed.events.iter().map(|e| (e.time.to_rfc3339(), e.time_unknown)).collect();
    assert_eq!(
        times,
        [
            ("2026-11-22T01:02:03+00:00".to_owned(), false),
            ("2026-11-22T01:02:03+00:00".to_owned(), false),
            (received.to_rfc3339(), true),
            (received.to_rfc3339(), true),
            (received.to_rfc3339(), true),
        ]
    );
}

#[test]
fn failed_console_logins_count_as_failures() {
    let mut r = record();
    r["eventName"] = json!("ConsoleLogin");
    r["responseElements"] = json!({"ConsoleLogin": "Failure"});
    assert!(parse_body(&r.to_string()).unwrap()[0].failed);
    r["responseElements"] = json!({"ConsoleLogin": "Success"});
    assert!(!parse_body(&r.to_string()).unwrap()[0].failed);
}

#[test]
fn typed_fields_match_what_the_record_says_even_with_escapes() {
    let mut r = record();
    r["userIdentity"] = json!({"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/ci/été",
        "userName": "line\nbreak", "sessionContext": {"sessionIssuer": {"userName": "ci-role"}}});
    r["requestParameters"] = json!({"groupId": "sg-1", "ipPermissions": {"items": [{"fromPort": 22}]}});
    r["errorCode"] = json!("AccessDenied");
    r["sessionCredentialFromConsole"] = json!("true");
    let ev = &parse_body(&r.to_string()).unwrap()[0];
    assert_eq!(ev.identity.arn, "arn:aws:sts::1:assumed-role/ci/été");
    assert_eq!(ev.identity.issuer, "ci-role");
    assert_eq!((ev.failed, ev.error_code.as_str(), ev.from_console), (true, "AccessDenied", true));
    assert_eq!(ev.str_at("requestParameters.groupId"), Some("sg-1"));
    assert_eq!(ev.value_at("requestParameters.ipPermissions.items.0.fromPort"), Some(&json!(22)));
    // Outside the typed fields: answered from the whole tree, built on demand.
    assert_eq!(ev.str_at("userIdentity.userName"), Some("line\nbreak"));
    assert_eq!(ev.str_at("awsRegion"), Some("us-east-1"));
    assert_eq!(ev.detail(), &r);
}

#[test]
fn odd_field_types_read_as_absent_instead_of_rejecting_the_record() {
    let mut r = record();
    r["eventSource"] = json!(42);
    r["userAgent"] = json!({"nested": ["x"]});
    r["userIdentity"] = json!("not an object");
    r["errorCode"] = Value::Null;
    let ev = &parse_body(&r.to_string()).unwrap()[0];
    assert_eq!((ev.source.as_str(), ev.user_agent.as_str()), ("", ""));
    assert_eq!(ev.identity, Identity::default());
    assert!(!ev.failed);
    assert_eq!(ev.account, "unknown");
}

#[test]
fn queue_bodies_carry_the_routing_account_and_keep_records_that_have_one() {
    let body = json!({"detail-type": "AWS API Call via CloudTrail", "account": "222222222222", "detail": record()});
    let queued = parse_body(&body.to_string()).unwrap().remove(0).into_queue_body();
    let again = &parse_body(&queued).unwrap()[0];
    assert_eq!((again.account.as_str(), again.id.as_str()), ("222222222222", "e1"));
    let mut own = record();
    own["recipientAccountId"] = json!("444444444444");
    let text = own.to_string();
    assert_eq!(parse_body(&text).unwrap().remove(0).into_queue_body(), text);
}

#[test]
fn debug_output_names_the_event_without_its_contents() {
    let mut r = record();
    r["requestParameters"] = json!({"password": "hunter2"});
    let shown = format!("{:?}", parse_body(&r.to_string()).unwrap()[0]);
    assert!(shown.contains("e1") && shown.contains("CreateUser"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn non_object_records_and_deep_nesting_are_refused() {
    assert!(matches!(parse_body("\"text\""), Err(EnvelopeError::Unsupported(m)) if m.contains("string")));
    let deep = format!("{}{}{}", "[".repeat(6), record(), "]".repeat(6));
    let parsed = parse_message(&deep).unwrap();
    assert!(parsed.events.is_empty());
    assert!(matches!(&parsed.errors[0].reason, EnvelopeError::Unsupported(m) if m.contains("nested")));
    let string_detail = json!({"detail-type": "AWS API Call via CloudTrail", "detail": "CreateUser"});
    assert_eq!(
        parse_body(&string_detail.to_string()).unwrap_err().to_string(),
        "entry 0: unsupported event shape: a CloudTrail record that is not a JSON object (send an EventBridge CloudTrail event, an SNS notification wrapping one, a CloudTrail record, an array of them, or {\"Records\": [...]})"
    );
    let bad_sns = json!({"Type": "Notification", "Message": "{oops"});
    assert!(matches!(parse_body(&bad_sns.to_string()), Err(EnvelopeError::Json(m)) if m.starts_with("SNS Message")));
}
