//! Fixture tests: one small CloudTrail record per default rule.

use serde_json::{Value, json};

use super::*;
use crate::alerts::classify::classify;

fn fixture(name: &str, identity: Value, extra: Value) -> CtEvent {
    let mut rec = json!({"eventID": "id-1", "eventName": name, "eventTime": "2026-11-22T00:00:00Z",
        "awsRegion": "us-east-1", "recipientAccountId": "111111111111", "userAgent": "aws-cli/2.15.0",
        "userIdentity": identity});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        rec[k] = v;
    }
    CtEvent::from_record(rec, None).unwrap()
}

fn alice() -> Value {
    json!({"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::111111111111:user/alice"})
}

fn severity_of(ev: &CtEvent) -> Severity {
    match Rules::defaults().evaluate(ev, &classify(ev)) {
        Verdict::Alert { severity, .. } => severity,
        other => panic!("expected an alert, got {other:?}"),
    }
}

#[test]
fn logging_tampering_is_red() {
    for name in ["StopLogging", "DeleteTrail", "DeleteDetector", "DeleteFlowLogs", "StopConfigurationRecorder"] {
        assert_eq!(severity_of(&fixture(name, alice(), json!({}))), Severity::Red, "{name}");
    }
}

#[test]
fn identity_changes_are_yellow_and_routine_ones_green() {
    assert_eq!(
        severity_of(&fixture("CreateUser", alice(), json!({"requestParameters": {"userName": "bob"}}))),
        Severity::Yellow
    );
    assert_eq!(severity_of(&fixture("CreateBucket", alice(), json!({}))), Severity::Green);
    assert_eq!(severity_of(&fixture("CreateSecurityGroup", alice(), json!({}))), Severity::Green);
}

#[test]
fn events_outside_the_watch_list_are_not_alerted() {
    let ev = fixture("DescribeInstances", alice(), json!({}));
    assert_eq!(Rules::defaults().evaluate(&ev, &classify(&ev)), Verdict::Unwatched);
}

#[test]
fn anything_the_root_user_does_is_red() {
    let root = json!({"type": "Root", "arn": "arn:aws:iam::111111111111:root"});
    assert_eq!(severity_of(&fixture("CreateBucket", root, json!({}))), Severity::Red);
}

#[test]
fn ingress_from_anywhere_is_red_and_from_a_private_range_is_yellow() {
    let open = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}});
    let v6 = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}});
    let private = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}}]}}});
    assert_eq!(severity_of(&fixture("AuthorizeSecurityGroupIngress", alice(), open)), Severity::Red);
    assert_eq!(severity_of(&fixture("AuthorizeSecurityGroupIngress", alice(), v6)), Severity::Red);
    assert_eq!(severity_of(&fixture("AuthorizeSecurityGroupIngress", alice(), private)), Severity::Yellow);
}

#[test]
fn administrator_access_and_star_policies_are_red() {
    let arn =
        json!({"requestParameters": {"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}});
    assert_eq!(severity_of(&fixture("AttachRolePolicy", alice(), arn)), Severity::Red);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let inline = json!({"requestParameters": {"userName": "bob", "policyName": "p", "policyDocument": doc}});
    assert_eq!(severity_of(&fixture("PutUserPolicy", alice(), inline)), Severity::Red);
    let ro = json!({"requestParameters": {"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}});
    assert_eq!(severity_of(&fixture("AttachRolePolicy", alice(), ro)), Severity::Yellow);
}

#[test]
fn an_access_key_for_another_user_is_red_but_for_oneself_yellow() {
    let other = json!({"requestParameters": {"userName": "bob"}});
    let own = json!({"requestParameters": {"userName": "alice"}});
    assert_eq!(severity_of(&fixture("CreateAccessKey", alice(), other)), Severity::Red);
    assert_eq!(severity_of(&fixture("CreateAccessKey", alice(), own)), Severity::Yellow);
    assert_eq!(severity_of(&fixture("CreateAccessKey", alice(), json!({}))), Severity::Yellow);
}

#[test]
fn console_login_without_mfa_is_red_with_mfa_green() {
    let no_mfa = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No"}});
    let mfa = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "Yes"}});
    assert_eq!(severity_of(&fixture("ConsoleLogin", alice(), no_mfa)), Severity::Red);
    assert_eq!(severity_of(&fixture("ConsoleLogin", alice(), mfa)), Severity::Green);
}

#[test]
fn a_failed_attempt_at_a_red_action_is_yellow() {
    let ev = fixture("StopLogging", alice(), json!({"errorCode": "AccessDenied"}));
    assert_eq!(severity_of(&ev), Severity::Yellow);
    let root_fail = fixture(
        "ConsoleLogin",
        json!({"type": "Root", "arn": "arn:aws:iam::111111111111:root"}),
        json!({"responseElements": {"ConsoleLogin": "Failure"}}),
    );
    assert_eq!(severity_of(&root_fail), Severity::Yellow);
}

#[test]
fn public_bucket_policies_and_shared_snapshots_are_red() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
    let bucket = json!({"requestParameters": {"bucketName": "b", "bucketPolicy": policy}});
    assert_eq!(severity_of(&fixture("PutBucketPolicy", alice(), bucket)), Severity::Red);
    let snap = json!({"requestParameters": {"snapshotId": "snap-1", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}});
    assert_eq!(severity_of(&fixture("ModifySnapshotAttribute", alice(), snap)), Severity::Red);
    let private = json!({"requestParameters": {"bucketName": "b", "bucketPolicy": {"Statement": []}}});
    assert_eq!(severity_of(&fixture("PutBucketPolicy", alice(), private)), Severity::Yellow);
}

#[test]
fn field_predicates_raise_detector_disabling_and_weakened_public_access_blocks() {
    let off = json!({"requestParameters": {"detectorId": "d", "enable": false}});
    assert_eq!(severity_of(&fixture("UpdateDetector", alice(), off)), Severity::Red);
    let on = json!({"requestParameters": {"detectorId": "d", "enable": true}});
    assert_eq!(severity_of(&fixture("UpdateDetector", alice(), on)), Severity::Yellow);
    let pab = json!({"requestParameters": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": false}}});
    assert_eq!(severity_of(&fixture("PutBucketPublicAccessBlock", alice(), pab)), Severity::Red);
}

#[test]
fn sso_console_logins_are_ignored_by_default() {
    let sso = json!({"type": "AssumedRole",
        "arn": "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_abc/alice@example.com"});
    let ev = fixture("ConsoleLogin", sso, json!({"responseElements": {"ConsoleLogin": "Success"}}));
    assert_eq!(Rules::defaults().evaluate(&ev, &classify(&ev)), Verdict::Ignored);
}

#[test]
fn ignore_rules_run_before_severity_even_for_red_events() {
    let rules = Rules::parse(
        "[[ignore]]\nuser_agent = \"*Terraform/*\"\nevent = \"Delete*\"\n[[rule]]\nevents = [\"DeleteTrail\"]\nseverity = \"red\"\n",
        "test",
    )
    .unwrap();
    let mut ev = fixture("DeleteTrail", alice(), json!({}));
    ev.user_agent = "APN/1.0 HashiCorp/1.0 Terraform/1.9.0".into();
    assert_eq!(rules.evaluate(&ev, &classify(&ev)), Verdict::Ignored);
    ev.user_agent = "aws-cli/2".into();
    assert!(matches!(rules.evaluate(&ev, &classify(&ev)), Verdict::Alert { severity: Severity::Red, .. }));
}

#[test]
fn a_rules_file_with_a_typo_names_the_file_and_the_key() {
    let err = Rules::parse("[[rule]]\nevent = [\"X\"]\nseverity = \"red\"\n", "my-rules.toml").unwrap_err().to_string();
    assert!(err.contains("my-rules.toml") && err.contains("event"), "{err}");
    let err = Rules::parse("[[raise]]\nname = \"n\"\nwhen = \"field_equals\"\nseverity = \"red\"\n", "x").unwrap_err();
    assert!(err.to_string().contains("field"), "{err}");
}

#[test]
fn globs_match_prefixes_suffixes_and_middles() {
    assert!(glob("arn:*:role/CI*", "arn:aws:iam::1:role/CIDeploy"));
    assert!(glob("*", ""));
    assert!(!glob("a*b", "ab-c"));
    assert!(glob("a*b*c", "a-b-c"));
}
