//! Fixture tests: one small CloudTrail record per default rule.

use serde_json::{Value, json};

use super::*;
use crate::alerts::classify::classify;

/// `key` is `service:Action`; the record's eventSource is `<service>.amazonaws.com`.
fn fixture(key: &str, identity: Value, extra: Value) -> CtEvent {
    let (service, name) = key.split_once(':').expect("service:Action");
    let mut rec = json!({"eventID": "id-1", "eventName": name, "eventSource": format!("{service}.amazonaws.com"),
        "eventTime": "2026-11-22T00:00:00Z",
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
    for name in [
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "guardduty:DeleteDetector",
        "ec2:DeleteFlowLogs",
        "config:StopConfigurationRecorder",
    ] {
        assert_eq!(severity_of(&fixture(name, alice(), json!({}))), Severity::Red, "{name}");
    }
}

#[test]
fn identity_changes_are_yellow_and_routine_ones_green() {
    assert_eq!(
        severity_of(&fixture("iam:CreateUser", alice(), json!({"requestParameters": {"userName": "bob"}}))),
        Severity::Yellow
    );
    assert_eq!(severity_of(&fixture("s3:CreateBucket", alice(), json!({}))), Severity::Green);
    assert_eq!(severity_of(&fixture("ec2:CreateSecurityGroup", alice(), json!({}))), Severity::Green);
}

#[test]
fn events_outside_the_watch_list_are_not_alerted() {
    let ev = fixture("ec2:DescribeInstances", alice(), json!({}));
    assert_eq!(Rules::defaults().evaluate(&ev, &classify(&ev)), Verdict::Unwatched);
}

#[test]
fn anything_the_root_user_does_is_red() {
    let root = json!({"type": "Root", "arn": "arn:aws:iam::111111111111:root"});
    assert_eq!(severity_of(&fixture("s3:CreateBucket", root, json!({}))), Severity::Red);
}

#[test]
fn ingress_from_anywhere_is_red_and_from_a_private_range_is_yellow() {
    let open = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}});
    let v6 = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}});
    let private = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}}]}}});
    assert_eq!(severity_of(&fixture("ec2:AuthorizeSecurityGroupIngress", alice(), open)), Severity::Red);
    assert_eq!(severity_of(&fixture("ec2:AuthorizeSecurityGroupIngress", alice(), v6)), Severity::Red);
    assert_eq!(severity_of(&fixture("ec2:AuthorizeSecurityGroupIngress", alice(), private)), Severity::Yellow);
}

#[test]
fn administrator_access_and_star_policies_are_red() {
    let arn =
        json!({"requestParameters": {"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}});
    assert_eq!(severity_of(&fixture("iam:AttachRolePolicy", alice(), arn)), Severity::Red);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let inline = json!({"requestParameters": {"userName": "bob", "policyName": "p", "policyDocument": doc}});
    assert_eq!(severity_of(&fixture("iam:PutUserPolicy", alice(), inline)), Severity::Red);
    let ro = json!({"requestParameters": {"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}});
    assert_eq!(severity_of(&fixture("iam:AttachRolePolicy", alice(), ro)), Severity::Yellow);
}

#[test]
fn an_access_key_for_another_user_is_red_but_for_oneself_yellow() {
    let other = json!({"requestParameters": {"userName": "bob"}});
    let own = json!({"requestParameters": {"userName": "alice"}});
    assert_eq!(severity_of(&fixture("iam:CreateAccessKey", alice(), other)), Severity::Red);
    assert_eq!(severity_of(&fixture("iam:CreateAccessKey", alice(), own)), Severity::Yellow);
    assert_eq!(severity_of(&fixture("iam:CreateAccessKey", alice(), json!({}))), Severity::Yellow);
}

#[test]
fn console_login_without_mfa_is_red_with_mfa_green() {
    let no_mfa = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No"}});
    let mfa = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "Yes"}});
    assert_eq!(severity_of(&fixture("signin:ConsoleLogin", alice(), no_mfa)), Severity::Red);
    assert_eq!(severity_of(&fixture("signin:ConsoleLogin", alice(), mfa)), Severity::Green);
}

#[test]
fn a_failed_attempt_at_a_red_action_is_yellow() {
    let ev = fixture("cloudtrail:StopLogging", alice(), json!({"errorCode": "AccessDenied"}));
    assert_eq!(severity_of(&ev), Severity::Yellow);
    let root_fail = fixture(
        "signin:ConsoleLogin",
        json!({"type": "Root", "arn": "arn:aws:iam::111111111111:root"}),
        json!({"responseElements": {"ConsoleLogin": "Failure"}}),
    );
    assert_eq!(severity_of(&root_fail), Severity::Yellow);
}

#[test]
fn public_bucket_policies_and_shared_snapshots_are_red() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
    let bucket = json!({"requestParameters": {"bucketName": "b", "bucketPolicy": policy}});
    assert_eq!(severity_of(&fixture("s3:PutBucketPolicy", alice(), bucket)), Severity::Red);
    let snap = json!({"requestParameters": {"snapshotId": "snap-1", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}});
    assert_eq!(severity_of(&fixture("ec2:ModifySnapshotAttribute", alice(), snap)), Severity::Red);
    let private = json!({"requestParameters": {"bucketName": "b", "bucketPolicy": {"Statement": []}}});
    assert_eq!(severity_of(&fixture("s3:PutBucketPolicy", alice(), private)), Severity::Yellow);
}

#[test]
fn field_predicates_raise_detector_disabling_and_weakened_public_access_blocks() {
    let off = json!({"requestParameters": {"detectorId": "d", "enable": false}});
    assert_eq!(severity_of(&fixture("guardduty:UpdateDetector", alice(), off)), Severity::Red);
    let on = json!({"requestParameters": {"detectorId": "d", "enable": true}});
    assert_eq!(severity_of(&fixture("guardduty:UpdateDetector", alice(), on)), Severity::Yellow);
    let pab = json!({"requestParameters": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": false}}});
    assert_eq!(severity_of(&fixture("s3:PutBucketPublicAccessBlock", alice(), pab)), Severity::Red);
}

#[test]
fn sso_console_logins_are_ignored_by_default() {
    let sso = json!({"type": "AssumedRole",
        "arn": "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_abc/alice@example.com"});
    let ev = fixture("signin:ConsoleLogin", sso, json!({"responseElements": {"ConsoleLogin": "Success"}}));
    assert_eq!(Rules::defaults().evaluate(&ev, &classify(&ev)), Verdict::Ignored);
}

#[test]
fn ignore_rules_run_before_severity_even_for_red_events() {
    let rules = Rules::parse(
        "[[ignore]]\nuser_agent = \"*Terraform/*\"\nevent = \"cloudtrail:Delete*\"\n[[rule]]\nevents = [\"cloudtrail:DeleteTrail\"]\nseverity = \"red\"\n",
        "test",
    )
    .unwrap();
    let mut ev = fixture("cloudtrail:DeleteTrail", alice(), json!({}));
    ev.user_agent = "APN/1.0 HashiCorp/1.0 Terraform/1.9.0".into();
    assert_eq!(rules.evaluate(&ev, &classify(&ev)), Verdict::Ignored);
    ev.user_agent = "aws-cli/2".into();
    assert!(matches!(rules.evaluate(&ev, &classify(&ev)), Verdict::Alert { severity: Severity::Red, .. }));
}

#[test]
fn a_rules_file_with_a_typo_names_the_file_and_the_key() {
    let err =
        Rules::parse("[[rule]]\nevent = [\"iam:X\"]\nseverity = \"red\"\n", "my-rules.toml").unwrap_err().to_string();
    assert!(err.contains("my-rules.toml") && err.contains("event"), "{err}");
    let err =
        Rules::parse("[[rule]]\nevents = [\"iam:X\"]\nwhen = [\"open_door\"]\nseverity = \"red\"\n", "x").unwrap_err();
    assert!(err.to_string().contains("open_door"), "{err}");
}

#[test]
fn a_rule_must_name_its_service_and_a_same_named_call_of_another_service_does_not_match() {
    let err = Rules::parse("[[rule]]\nevents = [\"DeleteTrail\"]\nseverity = \"red\"\n", "x").unwrap_err();
    assert!(err.to_string().contains("names no service"), "{err}");
    let err = Rules::parse("[[ignore]]\nevent = \"Delete*\"\n", "x").unwrap_err();
    assert!(err.to_string().contains("names no service"), "{err}");
    // DeleteMembers exists in GuardDuty (red: detection removed) and in other services (e.g. a chat service).
    assert_eq!(severity_of(&fixture("guardduty:DeleteMembers", alice(), json!({}))), Severity::Red);
    let other = fixture("chime:DeleteMembers", alice(), json!({}));
    assert_eq!(Rules::defaults().evaluate(&other, &classify(&other)), Verdict::Unwatched);
    let elb = fixture("elasticloadbalancing:DeleteRule", alice(), json!({}));
    assert_eq!(Rules::defaults().evaluate(&elb, &classify(&elb)), Verdict::Unwatched);
}

#[test]
fn lambda_calls_with_version_suffixes_match_their_rules() {
    let code =
        fixture("lambda:UpdateFunctionCode20150331v2", alice(), json!({"requestParameters": {"functionName": "f"}}));
    assert_eq!(severity_of(&code), Severity::Yellow);
    let public =
        json!({"requestParameters": {"functionName": "f", "principal": "*", "action": "lambda:InvokeFunction"}});
    assert_eq!(severity_of(&fixture("lambda:AddPermission20150331v2", alice(), public)), Severity::Red);
    let own = json!({"requestParameters": {"functionName": "f", "principal": "s3.amazonaws.com"}});
    assert_eq!(severity_of(&fixture("lambda:AddPermission20150331v2", alice(), own)), Severity::Yellow);
}

#[test]
fn network_acl_egress_entries_to_anywhere_are_not_red_but_ingress_allows_are() {
    let entry = |egress: bool, action: &str| {
        json!({"requestParameters": {"networkAclId": "acl-1", "ruleNumber": 100, "protocol": "-1",
            "ruleAction": action, "egress": egress, "cidrBlock": "0.0.0.0/0"}})
    };
    assert_eq!(severity_of(&fixture("ec2:CreateNetworkAclEntry", alice(), entry(true, "allow"))), Severity::Yellow);
    assert_eq!(severity_of(&fixture("ec2:CreateNetworkAclEntry", alice(), entry(false, "deny"))), Severity::Yellow);
    assert_eq!(severity_of(&fixture("ec2:CreateNetworkAclEntry", alice(), entry(false, "allow"))), Severity::Red);
}

#[test]
fn federated_console_sign_ins_are_not_without_mfa() {
    let saml = json!({"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/Okta-Admin/alice@example.com",
        "sessionContext": {"sessionIssuer": {"userName": "Okta-Admin"}}});
    let ok = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"MFAUsed": "No",
        "SamlProviderArn": "arn:aws:iam::111111111111:saml-provider/Okta"}});
    assert_eq!(severity_of(&fixture("signin:ConsoleLogin", saml, ok)), Severity::Green);
}

#[test]
fn reasons_come_from_the_rules_at_the_final_severity_in_the_configured_language() {
    let open = json!({"requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [
        {"ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}});
    let ev = fixture("ec2:AuthorizeSecurityGroupIngress", alice(), open);
    let Verdict::Alert { reasons, .. } = Rules::defaults().evaluate(&ev, &classify(&ev)) else { panic!() };
    assert_eq!(reasons, ["open to the internet (0.0.0.0/0 or ::/0)"]);
    let Verdict::Alert { reasons, .. } = Rules::defaults().in_language("ko").evaluate(&ev, &classify(&ev)) else {
        panic!()
    };
    assert_eq!(reasons, ["인터넷 전체에 개방 (0.0.0.0/0 또는 ::/0)"]);
}

#[test]
fn every_default_rule_above_green_explains_itself_in_both_languages() {
    let file: RulesFile = toml::from_str(DEFAULT_RULES).unwrap();
    for r in file.rule.iter().filter(|r| r.severity > Severity::Green) {
        assert!(!r.reason.is_empty() && !r.reason_ko.is_empty(), "{:?}", r.events);
    }
}
