#!/usr/bin/env python3
"""Writes corpus.jsonl: labelled CloudTrail management events for `asklake alerts eval`.

Each line: {"event": <CloudTrail record>, "expect": "alert"|"ignore", "min_colour": "red"|"yellow"|"green",
"source": <the public detection rule whose positive or negative case it mirrors>}. Records are written here from
the documented CloudTrail record shapes; the facts (which call, which request field) follow the public rule sets
(Panther's aws_cloudtrail_rules, Elastic's AWS rules) and asklake's own issues. Run it again after editing:
    python3 tests/api/data/alerts_corpus/make_corpus.py
"""
import json
import os

ACCT = "111122223333"
OTHER = "444455556666"
cases = []
n = 0


def user(name="alice"):
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE" + name.upper()[:6], "arn": f"arn:aws:iam::{ACCT}:user/{name}",
            "accountId": ACCT, "accessKeyId": "AKIAEXAMPLE0000" + str(len(name)), "userName": name}


def root():
    return {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT,
            "accessKeyId": "ASIAEXAMPLEROOT01"}


def role(name="deployer", session="session-1", mfa=False):
    return {"type": "AssumedRole", "principalId": "AROAEXAMPLE:" + session,
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/{name}/{session}", "accountId": ACCT,
            "accessKeyId": "ASIAEXAMPLE000001",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                                 "arn": f"arn:aws:iam::{ACCT}:role/{name}", "accountId": ACCT,
                                                 "userName": name},
                               "attributes": {"creationDate": "2026-11-22T00:00:00Z",
                                              "mfaAuthenticated": "true" if mfa else "false"}}}


def service(host):
    return {"type": "AWSService", "invokedBy": host}


def event(key, identity, req=None, resp=None, error=None, extra=None, ua="aws-cli/2.15.0 Python/3.11.6",
          read_only=False, region="us-east-1"):
    global n
    n += 1
    svc, name = key.split(":")
    rec = {"eventVersion": "1.09", "userIdentity": identity, "eventTime": f"2026-11-22T{n // 3600 % 24:02}:{n // 60 % 60:02}:{n % 60:02}Z",
           "eventSource": f"{svc}.amazonaws.com", "eventName": name, "awsRegion": region,
           "sourceIPAddress": "203.0.113.10", "userAgent": ua, "requestParameters": req, "responseElements": resp,
           "requestID": f"req-{n:05}", "eventID": f"corpus-{n:05}", "readOnly": read_only,
           "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCT,
           "eventCategory": "Management"}
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = "User is not authorized to perform this operation"
    if extra:
        rec.update(extra)
    return rec


def login(identity, ok=True, mfa="No", saml=None, error=None):
    extra = {"additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No",
                                     "MFAUsed": mfa},
             "eventType": "AwsConsoleSignIn"}
    if saml:
        extra["additionalEventData"]["SamlProviderArn"] = saml
    if not ok:
        extra["errorMessage"] = error or "Failed authentication"
    return event("signin:ConsoleLogin", identity, None, {"ConsoleLogin": "Success" if ok else "Failure"},
                 extra=extra, ua="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)")


def fire(source, colour, ev):
    cases.append({"event": ev, "expect": "alert", "min_colour": colour, "source": source})


def quiet(source, ev):
    cases.append({"event": ev, "expect": "ignore", "min_colour": "green", "source": source})


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


P = "panther:"
E = "elastic:"
A = "asklake-issue16:"

# ============================================================== must fire
# root
for who in [user("ops"), root()]:
    pass
fire(P + "AWS.CloudTrail.RootAccessKeyCreated", "red", event("iam:CreateAccessKey", root(), {}, {"accessKey": {"accessKeyId": "AKIAEXAMPLEROOTKEY1", "status": "Active", "userName": ACCT}}))
fire(P + "AWS.CloudTrail.RootAccessKeyCreated", "red", event("iam:CreateAccessKey", root(), {}, {"accessKey": {"accessKeyId": "AKIAEXAMPLEROOTKEY2", "status": "Active"}}, ua="console.amazonaws.com"))
fire(P + "AWS.CloudTrail.RootPasswordChanged", "red", event("signin:PasswordUpdated", root(), None, {"PasswordUpdated": "Success"}, ua="Mozilla/5.0", extra={"eventType": "AwsConsoleSignIn"}))
fire(P + "AWS.CloudTrail.RootPasswordChanged", "red", event("signin:PasswordUpdated", root(), None, {"PasswordUpdated": "Success"}, ua="Mozilla/5.0 (Windows NT 10.0)", extra={"eventType": "AwsConsoleSignIn"}))
fire(E + "AWS Sign-In Root Password Recovery Requested", "red", event("signin:PasswordRecoveryRequested", root(), None, {"PasswordRecoveryRequested": "Success"}, ua="Mozilla/5.0", extra={"eventType": "AwsConsoleSignIn"}))
fire(P + "AWS.Console.RootLogin", "red", login(root(), mfa="Yes"))
fire(P + "AWS.Console.RootLogin", "red", login(root(), mfa="No"))
fire(P + "AWS.Console.RootLoginFailed", "yellow", login(root(), ok=False))
fire(E + "AWS Management Console Brute Force of Root User Identity", "yellow", login(root(), ok=False, error="Failed authentication"))
fire(P + "AWS.Root.Activity", "red", event("s3:PutBucketPolicy", root(), {"bucketName": "corp-data", "bucketPolicy": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/app"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::corp-data/*"})}, ua="S3Console/0.4"))
fire(P + "AWS.Root.Activity", "red", event("ec2:RunInstances", root(), {"instanceType": "p4d.24xlarge", "minCount": 8, "maxCount": 8}, ua="console.ec2.amazonaws.com"))
fire(P + "AWS.Root.Activity", "red", event("iam:CreateUser", root(), {"userName": "backup-admin"}, {"user": {"userName": "backup-admin"}}, ua="console.amazonaws.com"))
fire(P + "AWS.Root.Activity", "yellow", event("iam:ListUsers", root(), {}, None, read_only=True, ua="console.amazonaws.com"))
fire(E + "AWS IAM Login Profile Added for Root", "red", event("iam:CreateLoginProfile", root(), {"passwordResetRequired": False}, None))
# console sign-in
for i, name in enumerate(["carol", "dave", "erin"]):
    fire(P + "AWS.Console.LoginWithoutMFA", "red", login(user(name), mfa="No"))
fire(A + "console sign-in failure", "yellow", login(user("frank"), ok=False))
fire(A + "console sign-in failure", "yellow", login(user("grace"), ok=False, error="Failed authentication"))
# logging
fire(E + "AWS CloudTrail Log Suspended", "red", event("cloudtrail:StopLogging", user(), {"name": f"arn:aws:cloudtrail:us-east-1:{ACCT}:trail/org-trail"}))
fire(E + "AWS CloudTrail Log Suspended", "red", event("cloudtrail:StopLogging", role("Admin", "bob"), {"name": "main"}, ua="console.amazonaws.com"))
fire(P + "AWS.CloudTrail.Stopped", "red", event("cloudtrail:DeleteTrail", user(), {"name": "main"}))
fire(E + "AWS CloudTrail Log Updated", "yellow", event("cloudtrail:UpdateTrail", user(), {"name": "main", "s3BucketName": "attacker-bucket"}))
fire(E + "AWS CloudTrail Log Updated", "yellow", event("cloudtrail:UpdateTrail", role("Admin", "bob"), {"name": "main", "isMultiRegionTrail": False}))
fire(P + "AWS.CloudTrail.EventSelectorsDisabled", "yellow", event("cloudtrail:PutEventSelectors", user(), {"trailName": "main", "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": False}]}))
fire(E + "AWS Configuration Recorder Stopped", "red", event("config:StopConfigurationRecorder", user(), {"configurationRecorderName": "default"}))
fire(E + "AWS Configuration Recorder Stopped", "red", event("config:StopConfigurationRecorder", role("Admin", "x"), {"configurationRecorderName": "default"}, ua="console.amazonaws.com"))
fire(P + "AWS.ConfigService.DisabledDeleted", "red", event("config:DeleteConfigurationRecorder", user(), {"configurationRecorderName": "default"}))
fire(P + "AWS.ConfigService.DisabledDeleted", "red", event("config:DeleteDeliveryChannel", user(), {"deliveryChannelName": "default"}))
fire(P + "AWS.ConfigService.DisabledDeleted", "red", event("config:DeleteConfigRule", user(), {"configRuleName": "s3-bucket-public-read-prohibited"}))
fire(E + "AWS VPC Flow Logs Deletion", "red", event("ec2:DeleteFlowLogs", user(), {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": "fl-0abc1234"}}}))
fire(P + "AWS.VPCFlow.LogsDeleted", "red", event("ec2:DeleteFlowLogs", role("Admin", "x"), {"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-0def5678"}}}))
fire(E + "AWS GuardDuty Detector Deletion", "red", event("guardduty:DeleteDetector", user(), {"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}))
fire(E + "AWS GuardDuty Detector Deletion", "red", event("guardduty:DeleteDetector", role("Admin", "x"), {"detectorId": "d1"}, region="eu-west-1"))
fire(A + "GuardDuty disabled", "red", event("guardduty:UpdateDetector", user(), {"detectorId": "d1", "enable": False}))
fire(E + "AWS GuardDuty Member Account Manipulation", "red", event("guardduty:DisassociateFromAdministratorAccount", user(), {"detectorId": "d1"}))
fire(E + "AWS GuardDuty Member Account Manipulation", "red", event("guardduty:DeleteMembers", user(), {"detectorId": "d1", "accountIds": [OTHER]}))
fire(E + "AWS GuardDuty Member Account Manipulation", "red", event("guardduty:StopMonitoringMembers", user(), {"detectorId": "d1", "accountIds": [OTHER]}))
fire(P + "AWS.IPSet.Modified", "yellow", event("guardduty:CreateIPSet", user(), {"detectorId": "d1", "name": "trusted", "format": "TXT", "location": "https://s3.amazonaws.com/x/ips.txt", "activate": True}))
fire(P + "AWS.IPSet.Modified", "yellow", event("guardduty:UpdateIPSet", user(), {"detectorId": "d1", "ipSetId": "i1", "location": "https://s3.amazonaws.com/x/ips2.txt"}))
fire(E + "AWS GuardDuty Detection Suppression", "yellow", event("guardduty:CreateThreatIntelSet", user(), {"detectorId": "d1", "name": "t", "format": "TXT", "location": "https://s3.amazonaws.com/x/t.txt", "activate": True}))
fire(E + "AWS GuardDuty Detection Suppression", "yellow", event("guardduty:CreateFilter", user(), {"detectorId": "d1", "name": "hide", "action": "ARCHIVE", "findingCriteria": {"criterion": {"type": {"eq": ["Recon:EC2/PortProbeUnprotectedPort"]}}}}))
fire(A + "Security Hub disabled", "red", event("securityhub:DisableSecurityHub", user(), {}))
fire(A + "Security Hub disabled", "red", event("securityhub:BatchDisableStandards", user(), {"StandardsSubscriptionArns": [f"arn:aws:securityhub:us-east-1:{ACCT}:subscription/cis-aws-foundations-benchmark/v/1.2.0"]}))
fire(A + "Security Hub disabled", "red", event("securityhub:DisassociateFromAdministratorAccount", user(), {}))
fire(P + "AWS.SecurityHub.Finding.Evasion", "yellow", event("securityhub:BatchUpdateFindings", user(), {"FindingIdentifiers": [{"Id": "f1", "ProductArn": "p"}], "Workflow": {"Status": "SUPPRESSED"}}))
fire(P + "AWS.SecurityHub.Finding.Evasion", "yellow", event("securityhub:BatchUpdateFindings", role("Admin", "x"), {"FindingIdentifiers": [{"Id": "f2", "ProductArn": "p"}], "Workflow": {"Status": "SUPPRESSED"}, "Note": {"Text": "noise", "UpdatedBy": "x"}}))
fire(A + "Security Hub control disabled", "yellow", event("securityhub:UpdateStandardsControl", user(), {"StandardsControlArn": "arn:aws:securityhub:...:control/cis/1.1", "ControlStatus": "DISABLED", "DisabledReason": "x"}))
fire(A + "Access Analyzer deleted", "red", event("access-analyzer:DeleteAnalyzer", user(), {"analyzerName": "account-analyzer"}))
fire(A + "Access Analyzer archive rule", "yellow", event("access-analyzer:CreateArchiveRule", user(), {"analyzerName": "a", "ruleName": "hide-all", "filter": {"resourceType": {"eq": ["AWS::S3::Bucket"]}}}))
fire(P + "AWS.Macie.Evasion", "red", event("macie2:DisableMacie", user(), {}))
fire(P + "AWS.Macie.Evasion", "red", event("macie2:UpdateMacieSession", user(), {"status": "PAUSED"}))
fire(P + "AWS.Macie.Evasion", "yellow", event("macie2:ArchiveFindings", user(), {"findingIds": ["f1", "f2"]}))
fire(P + "AWS.Macie.Evasion", "yellow", event("macie2:CreateFindingsFilter", user(), {"name": "hide", "action": "ARCHIVE", "findingCriteria": {}}))
fire(A + "inspector disabled", "red", event("inspector2:Disable", user(), {"resourceTypes": ["EC2", "ECR"]}))
fire(E + "AWS EKS Control Plane Logging Disabled", "yellow", event("eks:UpdateClusterConfig", user(), {"name": "prod", "logging": {"clusterLogging": [{"types": ["audit", "api"], "enabled": False}]}}))
fire(E + "AWS EKS Access Entry Granted Cluster Admin Policy", "red", event("eks:AssociateAccessPolicy", user(), {"clusterName": "prod", "principalArn": f"arn:aws:iam::{ACCT}:role/x", "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "accessScope": {"type": "cluster"}}))
fire(E + "AWS Bedrock Model Invocation Logging Disabled or Modified", "red", event("bedrock:DeleteModelInvocationLoggingConfiguration", user(), {}))
fire(E + "AWS Bedrock Model Invocation Logging Disabled or Modified", "yellow", event("bedrock:PutModelInvocationLoggingConfiguration", user(), {"loggingConfig": {"textDataDeliveryEnabled": False}}))
fire(P + "AWS.Bedrock.GuardrailUpdateDelete", "yellow", event("bedrock:DeleteGuardrail", user(), {"guardrailIdentifier": "g1"}))
fire(A + "logs removed", "yellow", event("logs:DeleteLogGroup", user(), {"logGroupName": "/aws/cloudtrail/org"}))
fire(P + "AWS.CloudTrail.DNSLogsDeleted", "yellow", event("route53resolver:DeleteResolverQueryLogConfig", user(), {"resolverQueryLogConfigId": "rqlc-1"}))
# organizations
fire(P + "AWS.CloudTrail.AttemptToLeaveOrg", "red", event("organizations:LeaveOrganization", user(), None))
fire(P + "AWS.CloudTrail.AttemptToLeaveOrg", "red", event("organizations:LeaveOrganization", role("OrganizationAccountAccessRole", "x"), None, ua="console.amazonaws.com"))
fire(A + "organizations SCP detached", "red", event("organizations:DetachPolicy", user(), {"policyId": "p-abcd1234", "targetId": "ou-ab12-cdef3456"}))
fire(A + "organizations policy type disabled", "red", event("organizations:DisablePolicyType", user(), {"rootId": "r-ab12", "policyType": "SERVICE_CONTROL_POLICY"}))
fire(A + "organizations remove account", "red", event("organizations:RemoveAccountFromOrganization", user(), {"accountId": OTHER}))
fire(A + "organizations policy changed", "yellow", event("organizations:UpdatePolicy", user(), {"policyId": "p-abcd1234", "content": policy({"Effect": "Allow", "Action": "*", "Resource": "*"})}))
fire(A + "organizations policy changed", "yellow", event("organizations:DeletePolicy", user(), {"policyId": "p-abcd1234"}))
# identity
fire(P + "AWS.CloudTrail.IAMCompromisedKeyQuarantine", "red", event("iam:AttachUserPolicy", service("iam.amazonaws.com") | {"type": "AWSService"}, {"userName": "leaky", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2"}, ua="AWS Internal"))
fire(E + "AWS IAM CompromisedKeyQuarantine Policy Attached to User", "red", event("iam:AttachUserPolicy", user("sec"), {"userName": "leaky2", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"}))
fire(E + "AWS IAM AdministratorAccess Policy Attached to User", "red", event("iam:AttachUserPolicy", user(), {"userName": "mallory", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
fire(E + "AWS IAM AdministratorAccess Policy Attached to User", "red", event("iam:AttachUserPolicy", role("ci", "run-7"), {"userName": "svc-x", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
fire(P + "AWS.IAM.AttachAdminRolePolicy", "red", event("iam:AttachRolePolicy", user(), {"roleName": "lambda-exec", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}))
fire(A + "admin inline policy", "red", event("iam:PutRolePolicy", user(), {"roleName": "r", "policyName": "all", "policyDocument": policy({"Effect": "Allow", "Action": "*", "Resource": "*"})}))
fire(A + "admin inline policy", "red", event("iam:PutUserPolicy", user(), {"userName": "bob", "policyName": "all", "policyDocument": policy({"Effect": "Allow", "Action": ["*:*"], "Resource": "*"})}))
fire(E + "AWS IAM User Created Access Keys For Another User", "red", event("iam:CreateAccessKey", user("mallory"), {"userName": "admin"}, {"accessKey": {"accessKeyId": "AKIAEXAMPLEOTHER001", "userName": "admin", "status": "Active"}}))
fire(P + "AWS.IAM.Backdoor.User.Keys", "red", event("iam:CreateAccessKey", role("dev", "mallory"), {"userName": "ci-bot"}, {"accessKey": {"accessKeyId": "AKIAEXAMPLEOTHER002", "userName": "ci-bot"}}))
fire(E + "AWS IAM Deactivation of MFA Device", "red", event("iam:DeactivateMFADevice", user(), {"userName": "bob", "serialNumber": f"arn:aws:iam::{ACCT}:mfa/bob"}))
fire(A + "virtual MFA deleted", "red", event("iam:DeleteVirtualMFADevice", user(), {"serialNumber": f"arn:aws:iam::{ACCT}:mfa/bob"}))
fire(E + "AWS IAM SAML Provider Created", "red", event("iam:CreateSAMLProvider", user(), {"name": "evil-idp", "sAMLMetadataDocument": "<md/>"}))
fire(E + "AWS IAM OIDC Provider Created by Rare User", "yellow", event("iam:CreateOpenIDConnectProvider", user(), {"url": "https://token.actions.githubusercontent.com", "clientIDList": ["sts.amazonaws.com"]}))
fire(E + "AWS IAM Roles Anywhere Profile Creation", "yellow", event("rolesanywhere:CreateProfile", user(), {"name": "p", "roleArns": [f"arn:aws:iam::{ACCT}:role/admin"]}))
fire(E + "AWS STS AssumeRoot by Rare User and Member Account", "red", event("sts:AssumeRoot", user(), {"targetPrincipal": OTHER, "taskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"}}))
fire(E + "AWS STS GetFederationToken with AdministratorAccess in Request", "red", event("sts:GetFederationToken", user(), {"name": "x", "policyArns": [{"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}], "durationSeconds": 129600}))
fire(E + "AWS First Occurrence of STS GetFederationToken Request by User", "yellow", event("sts:GetFederationToken", user(), {"name": "y", "durationSeconds": 3600}))
fire(E + "AWS IAM Create User via Assumed Role on EC2 Instance", "yellow", event("iam:CreateUser", role("ec2-app", "i-0abc1234"), {"userName": "persist"}, {"user": {"userName": "persist"}}))
fire(P + "AWS.User.Login.Profile.Modified", "yellow", event("iam:UpdateLoginProfile", user("mallory"), {"userName": "admin", "passwordResetRequired": False}))
fire(P + "AWS.User.Login.Profile.Modified", "yellow", event("iam:CreateLoginProfile", user("mallory"), {"userName": "svc", "passwordResetRequired": False}))
fire(P + "AWS.IAM.BackdoorRole", "red", event("iam:UpdateAssumeRolePolicy", user(), {"roleName": "admin", "policyDocument": policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})}))
fire(P + "AWS.IAM.BackdoorRole", "red", event("iam:UpdateAssumeRolePolicy", user(), {"roleName": "admin", "policyDocument": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"})}))
fire(A + "role trusts everyone at creation", "red", event("iam:CreateRole", user(), {"roleName": "open", "assumeRolePolicyDocument": "x", "policyDocument": policy({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})}))
fire(A + "password policy deleted", "yellow", event("iam:DeleteAccountPasswordPolicy", user(), None))
fire(A + "permissions boundary removed", "yellow", event("iam:DeleteRolePermissionsBoundary", user(), {"roleName": "dev"}))
# network
for port in [22, 3389, -1]:
    fire(A + "security group open to the internet", "red", event("ec2:AuthorizeSecurityGroupIngress", user(), {"groupId": "sg-0123", "ipPermissions": {"items": [{"ipProtocol": "tcp" if port > 0 else "-1", "fromPort": port, "toPort": port, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}))
fire(A + "security group open to the internet (IPv6)", "red", event("ec2:AuthorizeSecurityGroupIngress", user(), {"groupId": "sg-0124", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}))
fire(A + "security group rule modified open", "red", event("ec2:ModifySecurityGroupRules", user(), {"ModifySecurityGroupRulesRequest": {"GroupId": "sg-1", "SecurityGroupRule": {"SecurityGroupRuleId": "sgr-1", "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"}}}}))
fire(P + "AWS.CloudTrail.NetworkACLPermissiveEntry", "red", event("ec2:CreateNetworkAclEntry", user(), {"networkAclId": "acl-1", "ruleNumber": 100, "egress": False, "ruleAction": "allow", "icmpTypeCode": {}, "portRange": {"from": 22, "to": 22}, "aclProtocol": "6", "cidrBlock": "0.0.0.0/0"}))
fire(P + "AWS.CloudTrail.NetworkACLPermissiveEntry", "red", event("ec2:ReplaceNetworkAclEntry", user(), {"networkAclId": "acl-2", "ruleNumber": 90, "egress": False, "ruleAction": "allow", "aclProtocol": "-1", "cidrBlock": "0.0.0.0/0"}))
fire(P + "AWS.CloudTrail.NetworkACLPermissiveEntry", "red", event("ec2:CreateNetworkAclEntry", role("net", "x"), {"networkAclId": "acl-3", "ruleNumber": 50, "egress": False, "ruleAction": "allow", "aclProtocol": "-1", "ipv6CidrBlock": "::/0"}))
fire(A + "VPC deleted", "red", event("ec2:DeleteVpc", user(), {"vpcId": "vpc-1"}))
fire(A + "route changed", "yellow", event("ec2:CreateRoute", user(), {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}))
fire(P + "AWS.EC2.Traffic.Mirroring", "yellow", event("ec2:CreateTrafficMirrorSession", user(), {"CreateTrafficMirrorSessionRequest": {"NetworkInterfaceId": "eni-1", "TrafficMirrorTargetId": "tmt-1"}}))
# compute / EC2
fire(P + "AWS.EC2.EBS.Encryption.Disabled", "red", event("ec2:DisableEbsEncryptionByDefault", user(), {"DisableEbsEncryptionByDefaultRequest": ""}))
fire(P + "AWS.EC2.EBS.Encryption.Disabled", "red", event("ec2:DisableEbsEncryptionByDefault", role("Admin", "x"), {}, region="ap-northeast-2"))
fire(P + "AWS.CloudTrail.SnapshotMadePublic", "red", event("ec2:ModifySnapshotAttribute", user(), {"snapshotId": "snap-1", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}))
fire(P + "AWS.CloudTrail.SnapshotMadePublic", "red", event("ec2:ModifySnapshotAttribute", role("x", "y"), {"snapshotId": "snap-2", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}))
fire(A + "EBS snapshot shared with another account", "red", event("ec2:ModifySnapshotAttribute", user(), {"snapshotId": "snap-3", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": {"add": {"items": [{"userId": OTHER}]}}}))
fire(P + "AWS.CloudTrail.AMIModifiedForPublicAccess", "red", event("ec2:ModifyImageAttribute", user(), {"imageId": "ami-1", "launchPermission": {"add": {"items": [{"group": "all"}]}}, "attributeType": "launchPermission"}))
fire(E + "AWS EC2 AMI Shared with Another Account", "red", event("ec2:ModifyImageAttribute", user(), {"imageId": "ami-2", "launchPermission": {"add": {"items": [{"userId": OTHER}]}}, "attributeType": "launchPermission"}))
fire(E + "AWS EC2 AMI Shared with Another Account", "red", event("ec2:ModifyImageAttribute", role("x", "y"), {"imageId": "ami-3", "launchPermission": {"add": {"items": [{"userId": "999988887777"}]}}}))
fire(E + "AWS EC2 Serial Console Access Enabled", "yellow", event("ec2:EnableSerialConsoleAccess", user(), {"EnableSerialConsoleAccessRequest": ""}))
fire(E + "AWS EC2 Instance Connect SSH Public Key Uploaded", "yellow", event("ec2-instance-connect:SendSSHPublicKey", user(), {"instanceId": "i-1", "instanceOSUser": "ec2-user", "sSHPublicKey": "ssh-ed25519 AAAA"}))
fire(E + "AWS EC2 Instance Connect SSH Public Key Uploaded", "yellow", event("ec2-instance-connect:SendSerialConsoleSSHPublicKey", user(), {"instanceId": "i-2", "serialPort": 0}))
fire(E + "AWS EC2 Instance Profile Associated with Running Instance", "yellow", event("ec2:AssociateIamInstanceProfile", user(), {"AssociateIamInstanceProfileRequest": {"InstanceId": "i-1", "IamInstanceProfile": {"Name": "admin"}}}))
fire(E + "AWS EC2 Instance Profile Associated with Running Instance", "yellow", event("ec2:ReplaceIamInstanceProfileAssociation", user(), {"ReplaceIamInstanceProfileAssociationRequest": {"AssociationId": "iip-assoc-1", "IamInstanceProfile": {"Name": "admin"}}}))
fire(P + "AWS.EC2.Startup.Script.Change", "yellow", event("ec2:ModifyInstanceAttribute", user(), {"instanceId": "i-1", "userData": "<sensitiveDataRemoved>"}))
fire(P + "AWS.EC2.Startup.Script.Change", "yellow", event("ec2:ModifyInstanceAttribute", role("x", "y"), {"instanceId": "i-2", "userData": "<sensitiveDataRemoved>"}))
fire(E + "AWS SSM Session Started to EC2 Instance", "yellow", event("ssm:StartSession", user(), {"target": "i-1"}, {"sessionId": "alice-0abc", "tokenValue": "Value hidden"}))
fire(E + "AWS SSM Command Document Created by Rare User", "yellow", event("ssm:CreateDocument", user(), {"name": "run-me", "documentType": "Command", "content": "HIDDEN_DUE_TO_SECURITY_REASONS"}))
fire(P + "AWS.SSM.DistributedCommand", "yellow", event("ssm:SendCommand", user(), {"documentName": "AWS-RunShellScript", "instanceIds": ["i-1", "i-2", "i-3"], "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS"}))
fire(A + "SSM document made public", "red", event("ssm:ModifyDocumentPermission", user(), {"name": "run-me", "permissionType": "Share", "accountIdsToAdd": ["all"]}))
fire(E + "AWS CloudShell Environment Created", "yellow", event("cloudshell:CreateEnvironment", user(), {}, None, ua="Mozilla/5.0"))
# lambda (with version suffixes)
for i in range(3):
    fire(P + "AWS.Lambda.UpdateFunctionCode", "yellow", event("lambda:UpdateFunctionCode20150331v2", user("dev" + str(i)), {"functionName": f"payments-{i}", "zipFile": "<sensitiveDataRemoved>", "publish": True}))
fire(P + "AWS.Lambda.UpdateFunctionConfiguration", "yellow", event("lambda:UpdateFunctionConfiguration20150331v2", user(), {"functionName": "payments", "layers": [f"arn:aws:lambda:us-east-1:{OTHER}:layer:ext:1"]}))
fire(P + "AWS.Lambda.UpdateFunctionConfiguration", "yellow", event("lambda:UpdateFunctionConfiguration20150331v2", role("x", "y"), {"functionName": "auth", "environment": {}}))
fire(E + "AWS Lambda Function Policy Updated to Allow Public Invocation", "red", event("lambda:AddPermission20150331v2", user(), {"functionName": "payments", "statementId": "s1", "action": "lambda:InvokeFunction", "principal": "*"}))
fire(E + "AWS Lambda Function Policy Updated to Allow Public Invocation", "red", event("lambda:AddPermission20150331v2", role("x", "y"), {"functionName": "auth", "statementId": "s2", "action": "lambda:*", "principal": "*"}))
fire(E + "AWS Lambda Function Policy Updated to Allow Cross-Account Invocation", "red", event("lambda:AddPermission20150331v2", user(), {"functionName": "payments", "statementId": "s3", "action": "lambda:InvokeFunction", "principal": OTHER}))
fire(E + "AWS Lambda Function URL Created with Public Access", "red", event("lambda:CreateFunctionUrlConfig20211031", user(), {"functionName": "payments", "authType": "NONE"}))
fire(E + "AWS Lambda Function URL Created with Public Access", "red", event("lambda:UpdateFunctionUrlConfig20211031", user(), {"functionName": "auth", "authType": "NONE", "cors": {}}))
fire(A + "lambda layer public", "red", event("lambda:AddLayerVersionPermission20181031", user(), {"layerName": "ext", "versionNumber": 1, "statementId": "pub", "action": "lambda:GetLayerVersion", "principal": "*"}))
# codebuild
fire(P + "AWS.CloudTrail.CodebuildProjectMadePublic", "red", event("codebuild:UpdateProjectVisibility", user(), {"projectArn": f"arn:aws:codebuild:us-east-1:{ACCT}:project/app", "projectVisibility": "PUBLIC_READ"}))
fire(P + "AWS.CloudTrail.CodebuildProjectMadePublic", "red", event("codebuild:UpdateProjectVisibility", role("x", "y"), {"projectArn": "p2", "projectVisibility": "PUBLIC_READ", "resourceAccessRole": "r"}))
fire(A + "codebuild plaintext secret", "yellow", event("codebuild:CreateProject", user(), {"name": "app", "environment": {"type": "LINUX_CONTAINER", "environmentVariables": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "x", "type": "PLAINTEXT"}]}}))
fire(A + "codebuild plaintext secret", "yellow", event("codebuild:UpdateProject", user(), {"name": "app", "environment": {"environmentVariables": [{"name": "DB_PASSWORD", "value": "x"}]}}))
# data stores: S3
fire(P + "AWS.S3.DeletePublicAccessBlock", "red", event("s3:DeleteBucketPublicAccessBlock", user(), {"bucketName": "corp-data", "publicAccessBlock": ""}))
fire(P + "AWS.S3.SecurityControlDisabling", "red", event("s3:PutBucketPublicAccessBlock", user(), {"bucketName": "corp-data", "PublicAccessBlockConfiguration": {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}}))
fire(P + "AWS.S3.SecurityControlDisabling", "red", event("s3:PutBucketPublicAccessBlock", user(), {"bucketName": "corp-web", "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}}))
fire(A + "account public access block removed", "red", event("s3:DeleteAccountPublicAccessBlock", user(), {}))
fire(P + "AWS.CloudTrail.ResourceMadePublic", "red", event("s3:PutBucketPolicy", user(), {"bucketName": "corp-data", "bucketPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::corp-data/*"}]}}))
fire(P + "AWS.CloudTrail.ResourceMadePublic", "red", event("s3:PutBucketPolicy", role("x", "y"), {"bucketName": "corp-logs", "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}]}}))
fire(E + "AWS S3 Bucket ACL Modified to Allow Public Access", "red", event("s3:PutBucketAcl", user(), {"bucketName": "corp-data", "AccessControlPolicy": {"AccessControlList": {"Grant": [{"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}}}))
fire(P + "AWS.S3.DeleteBucketEncryption", "yellow", event("s3:DeleteBucketEncryption", user(), {"bucketName": "corp-data", "encryption": ""}))
fire(E + "AWS S3 Bucket Server Access Logging Disabled", "yellow", event("s3:PutBucketLogging", user(), {"bucketName": "corp-data", "BucketLoggingStatus": {}}))
fire(E + "AWS S3 Bucket Replicated to Another Account", "yellow", event("s3:PutBucketReplication", user(), {"bucketName": "corp-data", "ReplicationConfiguration": {"Rule": {"Destination": {"Bucket": "arn:aws:s3:::exfil", "Account": OTHER}}}}))
fire(P + "AWS.S3.DeleteBucketReplication", "yellow", event("s3:DeleteBucketReplication", user(), {"bucketName": "corp-data", "replication": ""}))
# RDS
fire(P + "AWS.RDS.AutomatedBackupDeleted", "red", event("rds:DeleteDBInstanceAutomatedBackup", user(), {"dbiResourceId": "db-ABC"}))
fire(P + "AWS.RDS.AutomatedBackupDeleted", "red", event("rds:DeleteDBClusterAutomatedBackup", role("x", "y"), {"dbClusterResourceId": "cluster-ABC"}))
fire(P + "AWS.RDS.InstanceMadePublic", "red", event("rds:ModifyDBInstance", user(), {"dBInstanceIdentifier": "prod-db", "publiclyAccessible": True, "applyImmediately": True}))
fire(P + "AWS.RDS.InstanceMadePublic", "red", event("rds:ModifyDBInstance", role("x", "y"), {"dBInstanceIdentifier": "orders", "publiclyAccessible": True}))
fire(P + "AWS.RDS.DeletionProtectionDisabled", "red", event("rds:ModifyDBInstance", user(), {"dBInstanceIdentifier": "prod-db", "deletionProtection": False}))
fire(P + "AWS.RDS.DeletionProtectionDisabled", "red", event("rds:ModifyDBCluster", user(), {"dBClusterIdentifier": "aurora-prod", "deletionProtection": False}))
fire(P + "AWS.RDS.InstanceDeletion", "red", event("rds:DeleteDBInstance", user(), {"dBInstanceIdentifier": "prod-db", "skipFinalSnapshot": True}))
fire(P + "AWS.RDS.InstanceDeletion", "red", event("rds:DeleteDBCluster", role("x", "y"), {"dBClusterIdentifier": "aurora-prod", "skipFinalSnapshot": True}))
fire(P + "AWS.RDS.PublicRestore", "red", event("rds:RestoreDBInstanceFromDBSnapshot", user(), {"dBInstanceIdentifier": "copy", "dBSnapshotIdentifier": "snap", "publiclyAccessible": True}))
fire(P + "AWS.RDS.PublicRestore", "red", event("rds:RestoreDBInstanceFromDBSnapshot", role("x", "y"), {"dBInstanceIdentifier": "copy2", "dBSnapshotIdentifier": "snap2", "publiclyAccessible": True}))
fire(P + "AWS.RDS.SnapshotDeleted", "red", event("rds:DeleteDBSnapshot", user(), {"dBSnapshotIdentifier": "manual-1"}))
fire(P + "AWS.RDS.SnapshotDeleted", "red", event("rds:DeleteDBClusterSnapshot", user(), {"dBClusterSnapshotIdentifier": "manual-2"}))
fire(P + "AWS.RDS.SnapshotExport", "red", event("rds:StartExportTask", user(), {"exportTaskIdentifier": "x", "sourceArn": "arn:aws:rds:...:snapshot:s", "s3BucketName": "exfil", "iamRoleArn": "r", "kmsKeyId": "k"}))
fire(E + "AWS RDS Snapshot Export", "red", event("rds:StartExportTask", role("x", "y"), {"exportTaskIdentifier": "y", "s3BucketName": "exfil2"}))
fire(P + "AWS.RDS.SnapshotShared", "red", event("rds:ModifyDBSnapshotAttribute", user(), {"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToAdd": [OTHER]}))
fire(P + "AWS.RDS.SnapshotShared", "red", event("rds:ModifyDBSnapshotAttribute", user(), {"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToAdd": ["all"]}))
fire(P + "AWS.RDS.SnapshotShared", "red", event("rds:ModifyDBClusterSnapshotAttribute", user(), {"dBClusterSnapshotIdentifier": "c", "attributeName": "restore", "valuesToAdd": ["999988887777"]}))
fire(P + "AWS.RDS.ActivityStreamStopped", "red", event("rds:StopActivityStream", user(), {"resourceArn": "arn:aws:rds:...:cluster:aurora-prod", "applyImmediately": True}))
fire(P + "AWS.RDS.SecurityGroupIngressAuthorized", "yellow", event("rds:AuthorizeDBSecurityGroupIngress", user(), {"dBSecurityGroupName": "default", "cIDRIP": "0.0.0.0/0"}))
fire(P + "AWS.RDS.IAMRoleAdded", "yellow", event("rds:AddRoleToDBCluster", user(), {"dBClusterIdentifier": "a", "roleArn": "r"}))
# KMS, secrets, ECR, backup, dynamodb
fire(P + "AWS.KMS.CustomerManagedKeyLoss", "red", event("kms:ScheduleKeyDeletion", user(), {"keyId": "k1", "pendingWindowInDays": 7}))
fire(P + "AWS.KMS.CustomerManagedKeyLoss", "red", event("kms:ScheduleKeyDeletion", role("x", "y"), {"keyId": "k2", "pendingWindowInDays": 30}))
fire(P + "AWS.KMS.CustomerManagedKeyLoss", "yellow", event("kms:DisableKey", user(), {"keyId": "k3"}))
fire(A + "KMS key policy public", "red", event("kms:PutKeyPolicy", user(), {"keyId": "k4", "policyName": "default", "policy": policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"})}))
fire(A + "secret force deleted", "red", event("secretsmanager:DeleteSecret", user(), {"secretId": "prod/db", "forceDeleteWithoutRecovery": True}))
fire(A + "secret policy public", "red", event("secretsmanager:PutResourcePolicy", user(), {"secretId": "prod/db", "resourcePolicy": policy({"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})}))
fire(A + "ECR repository public", "red", event("ecr:SetRepositoryPolicy", user(), {"repositoryName": "app", "policyText": policy({"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]})}))
fire(A + "ECR repository deleted", "yellow", event("ecr:DeleteRepository", user(), {"repositoryName": "app", "force": True}))
fire(E + "AWS Backup Recovery Point Deleted", "red", event("backup:DeleteRecoveryPoint", user(), {"backupVaultName": "v", "recoveryPointArn": "rp"}))
fire(E + "AWS Backup Vault Deleted or Vault Lock Removed", "red", event("backup:DeleteBackupVault", user(), {"backupVaultName": "v"}))
fire(E + "AWS Backup Vault Deleted or Vault Lock Removed", "red", event("backup:DeleteBackupVaultLockConfiguration", user(), {"backupVaultName": "v"}))
fire(E + "AWS DynamoDB Table Exported to S3", "yellow", event("dynamodb:ExportTableToPointInTime", user(), {"tableArn": "t", "s3Bucket": "exfil"}))
# WAF and DNS
fire(P + "AWS.WAF.Disassociation", "red", event("wafv2:DisassociateWebACL", user(), {"resourceArn": "arn:aws:elasticloadbalancing:...:loadbalancer/app/web"}))
fire(P + "AWS.WAF.Disassociation", "red", event("waf-regional:DisassociateWebACL", user(), {"resourceArn": "arn:aws:elasticloadbalancing:...:loadbalancer/app/api"}))
fire(A + "web ACL deleted", "red", event("wafv2:DeleteWebACL", user(), {"name": "web", "scope": "REGIONAL", "id": "1", "lockToken": "t"}))
fire(E + "AWS Route 53 Domain Transfer Lock Disabled", "red", event("route53domains:DisableDomainTransferLock", user(), {"domainName": "example.com"}))
fire(E + "AWS Route 53 Domain Transferred to Another Account", "red", event("route53domains:TransferDomainToAnotherAwsAccount", user(), {"domainName": "example.com", "accountId": OTHER}))
fire(A + "Route 53 name servers changed", "red", event("route53domains:UpdateDomainNameservers", user(), {"domainName": "example.com", "nameservers": [{"name": "ns1.attacker.example"}]}))

# High in the public rule sets, but judged there from history or context a single record does not carry
# (first occurrence, rare user, stolen instance credentials); kept so the measurement shows them.
fire(E + "AWS EC2 Instance Console Login via Assumed Role", "yellow", login(role("ec2-app", "i-0abc1234def567890"), mfa="No"))
fire(E + "AWS IAM Virtual MFA Device Registration Attempt with Session Token", "yellow", event("iam:CreateVirtualMFADevice", role("dev", "mallory"), {"virtualMFADeviceName": "persist"}))
fire(E + "AWS SageMaker Notebook Lifecycle Configuration With Suspicious Script Content", "yellow", event("sagemaker:CreateNotebookInstanceLifecycleConfig", user(), {"notebookInstanceLifecycleConfigName": "boot", "onStart": [{"content": "HIDDEN_DUE_TO_SECURITY_REASONS"}]}))
fire(E + "AWS Potential Cryptomining via ECS Task Definition Deployment", "yellow", event("ecs:RegisterTaskDefinition", user(), {"family": "miner", "containerDefinitions": [{"name": "m", "image": "docker.io/xmrig/xmrig:latest"}], "cpu": "4096"}))
fire(E + "AWS EC2 CreateKeyPair by New Principal from Non-Cloud AS Organization", "yellow", event("ec2:CreateKeyPair", user("newbie"), {"keyName": "backdoor", "keyType": "ed25519"}))

# ============================================================== must not fire red
quiet(P + "AWS.Console.LoginWithoutMFA (MFA used)", login(user("henry"), mfa="Yes"))
quiet(P + "AWS.Console.LoginWithoutMFA (MFA used)", login(user("ivy"), mfa="Yes"))
quiet(P + "AWS.Console.LoginWithoutMFA (MFA used)", login(user("jack"), mfa="Yes"))
for idp, who in [("Okta", "kim@example.com"), ("AzureAD", "lee@example.com"), ("Google", "park@example.com"), ("Okta", "choi@example.com")]:
    quiet(P + "AWS.Console.LoginWithoutMFA (SAML federated)", login(role(f"{idp}-Admin", who), mfa="No", saml=f"arn:aws:iam::{ACCT}:saml-provider/{idp}"))
quiet(P + "AWS.Console.LoginWithoutMFA (federated user)", login({"type": "FederatedUser", "principalId": f"{ACCT}:broker", "arn": f"arn:aws:sts::{ACCT}:federated-user/broker", "accountId": ACCT}, mfa="No"))
quiet(P + "AWS.Console.LoginWithoutMFA (OIDC web identity)", login({"type": "WebIdentityUser", "principalId": "accounts.google.com:x", "userName": "x", "identityProvider": "accounts.google.com"}, mfa="No"))
quiet(P + "AWS.Console.LoginWithoutMFA (IAM Identity Center)", login(role("AWSReservedSSO_AdministratorAccess_0123456789abcdef", "mina@example.com"), mfa="No"))
quiet(P + "AWS.Console.LoginWithoutMFA (IAM Identity Center)", login(role("AWSReservedSSO_ReadOnly_fedcba9876543210", "joon@example.com"), mfa="No"))
quiet(A + "console sign-in failure is not red", login(user("kate"), ok=False))
# network negatives
for proto in ["-1", "6", "17"]:
    quiet(P + "AWS.CloudTrail.NetworkACLPermissiveEntry (egress)", event("ec2:CreateNetworkAclEntry", user(), {"networkAclId": "acl-1", "ruleNumber": 100, "egress": True, "ruleAction": "allow", "aclProtocol": proto, "cidrBlock": "0.0.0.0/0"}))
quiet(P + "AWS.CloudTrail.NetworkACLPermissiveEntry (egress IPv6)", event("ec2:ReplaceNetworkAclEntry", user(), {"networkAclId": "acl-1", "ruleNumber": 101, "egress": True, "ruleAction": "allow", "aclProtocol": "-1", "ipv6CidrBlock": "::/0"}))
quiet(P + "AWS.CloudTrail.NetworkACLPermissiveEntry (deny)", event("ec2:CreateNetworkAclEntry", user(), {"networkAclId": "acl-1", "ruleNumber": 10, "egress": False, "ruleAction": "deny", "aclProtocol": "-1", "cidrBlock": "0.0.0.0/0"}))
quiet(P + "AWS.CloudTrail.NetworkACLPermissiveEntry (deny)", event("ec2:ReplaceNetworkAclEntry", user(), {"networkAclId": "acl-2", "ruleNumber": 11, "egress": False, "ruleAction": "deny", "aclProtocol": "6", "cidrBlock": "0.0.0.0/0"}))
quiet(P + "AWS.CloudTrail.NetworkACLPermissiveEntry (private range)", event("ec2:CreateNetworkAclEntry", user(), {"networkAclId": "acl-1", "ruleNumber": 120, "egress": False, "ruleAction": "allow", "aclProtocol": "-1", "cidrBlock": "10.0.0.0/8"}))
quiet(P + "AWS.CloudTrail.NetworkACLPermissiveEntry (private range)", event("ec2:CreateNetworkAclEntry", user(), {"networkAclId": "acl-1", "ruleNumber": 130, "egress": False, "ruleAction": "allow", "aclProtocol": "6", "cidrBlock": "172.16.0.0/12"}))
for cidr in ["10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32"]:
    quiet(A + "security group ingress from a known range", event("ec2:AuthorizeSecurityGroupIngress", user(), {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": {"items": [{"cidrIp": cidr}]}}]}}))
quiet(A + "security group ingress from another group", event("ec2:AuthorizeSecurityGroupIngress", user(), {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "groups": {"items": [{"groupId": "sg-2"}]}}]}}))
quiet(A + "security group egress to anywhere", event("ec2:AuthorizeSecurityGroupEgress", user(), {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "-1", "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}))
quiet(A + "security group egress to anywhere", event("ec2:AuthorizeSecurityGroupEgress", role("tf", "run"), {"groupId": "sg-2", "ipPermissions": {"items": [{"ipProtocol": "-1", "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}, ua="APN/1.0 HashiCorp/1.0 Terraform/1.9.0"))
quiet(A + "security group ingress revoked", event("ec2:RevokeSecurityGroupIngress", user(), {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}))
quiet(P + "AWS.EC2.SecurityGroupModified (create)", event("ec2:CreateSecurityGroup", user(), {"groupName": "web", "groupDescription": "web", "vpcId": "vpc-1"}))
quiet(A + "flow logs created", event("ec2:CreateFlowLogs", user(), {"CreateFlowLogsRequest": {"ResourceId": {"content": "vpc-1"}}}))
quiet(A + "EBS default encryption enabled", event("ec2:EnableEbsEncryptionByDefault", user(), {}))
quiet(A + "routine instance lifecycle", event("ec2:RunInstances", role("asg", "x"), {"instanceType": "t3.micro", "minCount": 1, "maxCount": 1}, ua="autoscaling.amazonaws.com"))
quiet(A + "routine instance lifecycle", event("ec2:StopInstances", user(), {"instancesSet": {"items": [{"instanceId": "i-1"}]}}))
quiet(A + "routine instance lifecycle", event("ec2:StartInstances", user(), {"instancesSet": {"items": [{"instanceId": "i-1"}]}}))
quiet(A + "routine tags", event("ec2:CreateTags", user(), {"resourcesSet": {"items": [{"resourceId": "i-1"}]}, "tagSet": {"items": [{"key": "team", "value": "x"}]}}))
quiet(P + "AWS.CloudTrail.SnapshotMadePublic (permission removed)", event("ec2:ModifySnapshotAttribute", user(), {"snapshotId": "snap-1", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": {"remove": {"items": [{"group": "all"}]}}}))
quiet(P + "AWS.CloudTrail.SnapshotMadePublic (own account)", event("ec2:ModifySnapshotAttribute", user(), {"snapshotId": "snap-2", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": {"add": {"items": [{"userId": ACCT}]}}}))
quiet(P + "AWS.CloudTrail.AMIModifiedForPublicAccess (description)", event("ec2:ModifyImageAttribute", user(), {"imageId": "ami-1", "description": {"value": "golden image"}}))
quiet(P + "AWS.CloudTrail.AMIModifiedForPublicAccess (removed)", event("ec2:ModifyImageAttribute", user(), {"imageId": "ami-2", "launchPermission": {"remove": {"items": [{"group": "all"}]}}}))
# S3 negatives
quiet(P + "AWS.CloudTrail.ResourceMadePublic (account principal)", event("s3:PutBucketPolicy", user(), {"bucketName": "b1", "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/app"}, "Action": "s3:GetObject", "Resource": "*"}]}}))
quiet(P + "AWS.CloudTrail.ResourceMadePublic (org condition)", event("s3:PutBucketPolicy", user(), {"bucketName": "b2", "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}}))
quiet(P + "AWS.CloudTrail.ResourceMadePublic (deny everyone)", event("s3:PutBucketPolicy", user(), {"bucketName": "b3", "bucketPolicy": {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}))
quiet(P + "AWS.CloudTrail.ResourceMadePublic (service principal)", event("s3:PutBucketPolicy", role("tf", "x"), {"bucketName": "logs", "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"}]}}, ua="APN/1.0 HashiCorp/1.0 Terraform/1.9.0"))
quiet(A + "bucket ACL private", event("s3:PutBucketAcl", user(), {"bucketName": "b1", "AccessControlPolicy": {"AccessControlList": {"Grant": [{"Grantee": {"xsi:type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}]}}}))
quiet(A + "bucket ACL log delivery", event("s3:PutBucketAcl", user(), {"bucketName": "b2", "AccessControlPolicy": {"AccessControlList": {"Grant": [{"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}]}}}))
for b in ["b1", "b2", "b3"]:
    quiet(P + "AWS.S3.SecurityControlDisabling (all blocks on)", event("s3:PutBucketPublicAccessBlock", user(), {"bucketName": b, "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}}))
quiet(A + "bucket created", event("s3:CreateBucket", user(), {"bucketName": "new-bucket", "Host": "new-bucket.s3.amazonaws.com"}))
quiet(A + "bucket versioning enabled", event("s3:PutBucketVersioning", user(), {"bucketName": "b1", "VersioningConfiguration": {"Status": "Enabled"}}))
quiet(A + "bucket encryption set", event("s3:PutBucketEncryption", user(), {"bucketName": "b1"}))
quiet(A + "read-only S3", event("s3:ListBuckets", user(), {}, read_only=True))
quiet(A + "read-only S3", event("s3:GetBucketPolicy", user(), {"bucketName": "b1"}, read_only=True))
# RDS negatives
quiet(P + "AWS.RDS.InstanceMadePublic (class change)", event("rds:ModifyDBInstance", user(), {"dBInstanceIdentifier": "db", "dBInstanceClass": "db.r6g.large", "applyImmediately": False}))
quiet(P + "AWS.RDS.InstanceMadePublic (not public)", event("rds:ModifyDBInstance", user(), {"dBInstanceIdentifier": "db", "publiclyAccessible": False}))
quiet(P + "AWS.RDS.InstanceMadePublic (not public)", event("rds:ModifyDBInstance", role("x", "y"), {"dBInstanceIdentifier": "db2", "publiclyAccessible": False, "allocatedStorage": 200}))
quiet(P + "AWS.RDS.DeletionProtectionDisabled (enabled)", event("rds:ModifyDBInstance", user(), {"dBInstanceIdentifier": "db", "deletionProtection": True}))
quiet(P + "AWS.RDS.DeletionProtectionDisabled (enabled)", event("rds:ModifyDBCluster", user(), {"dBClusterIdentifier": "c", "deletionProtection": True}))
quiet(P + "AWS.RDS.DeletionProtectionDisabled (backup window)", event("rds:ModifyDBCluster", user(), {"dBClusterIdentifier": "c", "preferredBackupWindow": "03:00-04:00"}))
quiet(P + "AWS.RDS.SnapshotShared (removed)", event("rds:ModifyDBSnapshotAttribute", user(), {"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToRemove": [OTHER]}))
quiet(P + "AWS.RDS.SnapshotShared (removed public)", event("rds:ModifyDBSnapshotAttribute", user(), {"dBSnapshotIdentifier": "s", "attributeName": "restore", "valuesToRemove": ["all"]}))
quiet(P + "AWS.RDS.SnapshotShared (own account)", event("rds:ModifyDBClusterSnapshotAttribute", user(), {"dBClusterSnapshotIdentifier": "c", "attributeName": "restore", "valuesToAdd": [ACCT]}))
quiet(P + "AWS.RDS.PublicRestore (private)", event("rds:RestoreDBInstanceFromDBSnapshot", user(), {"dBInstanceIdentifier": "copy", "dBSnapshotIdentifier": "s", "publiclyAccessible": False}))
quiet(P + "AWS.RDS.PublicRestore (private)", event("rds:RestoreDBInstanceFromDBSnapshot", user(), {"dBInstanceIdentifier": "copy2", "dBSnapshotIdentifier": "s2"}))
quiet(P + "AWS.RDS.InstanceDeletion (failed)", event("rds:DeleteDBInstance", user(), {"dBInstanceIdentifier": "prod"}, error="InvalidDBInstanceState"))
quiet(P + "AWS.RDS.InstanceDeletion (failed)", event("rds:DeleteDBInstance", user(), {"dBInstanceIdentifier": "prod"}, error="AccessDenied"))
quiet(P + "AWS.RDS.ManualSnapshotCreated", event("rds:CreateDBSnapshot", user(), {"dBSnapshotIdentifier": "s", "dBInstanceIdentifier": "db"}))
quiet(P + "AWS.RDS.ManualSnapshotCreated", event("rds:CreateDBSnapshot", role("backup", "x"), {"dBSnapshotIdentifier": "s2", "dBInstanceIdentifier": "db"}))
quiet(A + "read-only RDS", event("rds:DescribeDBInstances", user(), {}, read_only=True))
quiet(A + "read-only RDS", event("rds:DescribeDBSnapshots", user(), {}, read_only=True))
# lambda negatives (suffixes)
quiet(E + "AWS Lambda Function Policy Updated (service principal)", event("lambda:AddPermission20150331v2", user(), {"functionName": "f", "statementId": "s3", "action": "lambda:InvokeFunction", "principal": "s3.amazonaws.com", "sourceAccount": ACCT}))
quiet(E + "AWS Lambda Function Policy Updated (service principal)", event("lambda:AddPermission20150331v2", role("tf", "x"), {"functionName": "g", "statementId": "apigw", "action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com", "sourceArn": f"arn:aws:execute-api:us-east-1:{ACCT}:abc/*"}, ua="APN/1.0 HashiCorp/1.0 Terraform/1.9.0"))
quiet(E + "AWS Lambda Function Policy Updated (own account)", event("lambda:AddPermission20150331v2", user(), {"functionName": "h", "statementId": "own", "action": "lambda:InvokeFunction", "principal": ACCT}))
quiet(E + "AWS Lambda Function URL Created (IAM auth)", event("lambda:CreateFunctionUrlConfig20211031", user(), {"functionName": "f", "authType": "AWS_IAM"}))
quiet(E + "AWS Lambda Function URL Created (IAM auth)", event("lambda:UpdateFunctionUrlConfig20211031", user(), {"functionName": "g", "authType": "AWS_IAM"}))
for name in ["GetFunction20150331v2", "ListFunctions20150331", "GetPolicy20150331v2", "ListVersionsByFunction20150331", "Invoke"]:
    quiet(A + "read-only Lambda", event("lambda:" + name, user(), {"functionName": "f"}, read_only=True))
for i in range(3):
    quiet(P + "AWS.Lambda.UpdateFunctionCode (CI deploy, not red)", event("lambda:UpdateFunctionCode20150331v2", role("GitHubActionsDeploy", f"run-{i}"), {"functionName": f"api-{i}", "s3Bucket": "artifacts", "s3Key": f"api-{i}.zip"}, ua="aws-sdk-js/3.0"))
quiet(A + "function created", event("lambda:CreateFunction20150331", role("tf", "x"), {"functionName": "new", "runtime": "python3.12"}, ua="APN/1.0 HashiCorp/1.0 Terraform/1.9.0"))
quiet(A + "layer published", event("lambda:PublishLayerVersion20181031", user(), {"layerName": "deps"}))
quiet(A + "layer shared with own account", event("lambda:AddLayerVersionPermission20181031", user(), {"layerName": "deps", "versionNumber": 3, "statementId": "own", "action": "lambda:GetLayerVersion", "principal": ACCT}))
# codebuild negatives
quiet(P + "AWS.CloudTrail.CodebuildProjectMadePublic (private)", event("codebuild:UpdateProjectVisibility", user(), {"projectArn": "p", "projectVisibility": "PRIVATE"}))
quiet(P + "AWS.CloudTrail.CodebuildProjectMadePublic (private)", event("codebuild:UpdateProjectVisibility", role("x", "y"), {"projectArn": "p2", "projectVisibility": "PRIVATE"}))
quiet(A + "codebuild secret from Secrets Manager", event("codebuild:CreateProject", user(), {"name": "app", "environment": {"environmentVariables": [{"name": "DB_PASSWORD", "value": "prod/db:password", "type": "SECRETS_MANAGER"}]}}))
quiet(A + "codebuild secret from Parameter Store", event("codebuild:UpdateProject", user(), {"name": "app", "environment": {"environmentVariables": [{"name": "API_TOKEN", "value": "/ci/token", "type": "PARAMETER_STORE"}, {"name": "STAGE", "value": "prod", "type": "PLAINTEXT"}]}}))
quiet(A + "codebuild build started", event("codebuild:StartBuild", user(), {"projectName": "app"}))
# identity negatives
for name in ["alice", "bob", "carol"]:
    quiet(P + "AWS.IAM.Backdoor.User.Keys (own key)", event("iam:CreateAccessKey", user(name), {"userName": name}, {"accessKey": {"accessKeyId": "AKIAEXAMPLESELF0001", "userName": name}}))
quiet(P + "AWS.IAM.Backdoor.User.Keys (own key, implicit)", event("iam:CreateAccessKey", user("dave"), {}, {"accessKey": {"accessKeyId": "AKIAEXAMPLESELF0002"}}))
for arn in ["ReadOnlyAccess", "SecurityAudit", "AmazonS3ReadOnlyAccess"]:
    quiet(P + "AWS.IAM.AttachAdminRolePolicy (not admin)", event("iam:AttachRolePolicy", user(), {"roleName": "r", "policyArn": f"arn:aws:iam::aws:policy/{arn}"}))
quiet(P + "AWS.IAM.AttachAdminUserPolicy (not admin)", event("iam:AttachUserPolicy", user(), {"userName": "u", "policyArn": "arn:aws:iam::aws:policy/IAMUserChangePassword"}))
quiet(P + "AWS.IAM.AttachAdminUserPolicy (customer policy named like admin)", event("iam:AttachUserPolicy", user(), {"userName": "u", "policyArn": f"arn:aws:iam::{ACCT}:policy/NotAdministratorAccessReadOnly"}))
quiet(A + "scoped inline policy", event("iam:PutRolePolicy", user(), {"roleName": "r", "policyName": "s3", "policyDocument": policy({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"})}))
quiet(A + "scoped inline policy", event("iam:PutUserPolicy", user(), {"userName": "u", "policyName": "deny", "policyDocument": policy({"Effect": "Deny", "Action": "*", "Resource": "*"})}))
quiet(P + "AWS.IAM.BackdoorRole (service trust)", event("iam:UpdateAssumeRolePolicy", user(), {"roleName": "r", "policyDocument": policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})}))
quiet(P + "AWS.IAM.BackdoorRole (own account)", event("iam:UpdateAssumeRolePolicy", user(), {"roleName": "r", "policyDocument": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "sts:AssumeRole"})}))
quiet(A + "role created for a service", event("iam:CreateRole", role("tf", "x"), {"roleName": "lambda-exec", "assumeRolePolicyDocument": policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})}, ua="APN/1.0 HashiCorp/1.0 Terraform/1.9.0"))
quiet(P + "AWS.User.Login.Profile.Modified (self)", event("iam:ChangePassword", user("erin"), {}, None))
quiet(A + "MFA enabled", event("iam:EnableMFADevice", user("erin"), {"userName": "erin", "serialNumber": f"arn:aws:iam::{ACCT}:mfa/erin"}))
quiet(A + "MFA device created", event("iam:CreateVirtualMFADevice", user("erin"), {"virtualMFADeviceName": "erin"}))
quiet(A + "group membership", event("iam:AddUserToGroup", user(), {"groupName": "developers", "userName": "erin"}))
for name in ["ListUsers", "GetUser", "ListRoles", "GetAccountAuthorizationDetails"]:
    quiet(A + "read-only IAM", event("iam:" + name, user(), {}, read_only=True))
quiet(A + "caller identity", event("sts:GetCallerIdentity", user(), None, read_only=True))
quiet(A + "role assumed", event("sts:AssumeRole", user(), {"roleArn": f"arn:aws:iam::{ACCT}:role/x", "roleSessionName": "s"}))
quiet(A + "service-linked role", event("iam:CreateServiceLinkedRole", role("x", "y"), {"aWSServiceName": "autoscaling.amazonaws.com"}))
quiet(P + "AWS.Root.Activity (invoked by a service)", event("iam:GetAccountSummary", root() | {"invokedBy": "support.amazonaws.com"}, {}, read_only=True, ua="support.amazonaws.com"))
quiet(P + "AWS.Root.Activity (service event)", event("sso:Federate", root() | {"invokedBy": "sso.amazonaws.com"}, None, extra={"eventType": "AwsServiceEvent"}, ua="sso.amazonaws.com"))
# logging / detection negatives
quiet(A + "logging started", event("cloudtrail:StartLogging", user(), {"name": "main"}))
quiet(A + "logging started", event("cloudtrail:StartLogging", role("x", "y"), {"name": "org"}))
quiet(P + "AWS.CloudTrail.Created", event("cloudtrail:CreateTrail", user(), {"name": "new", "s3BucketName": "logs"}))
quiet(A + "read-only CloudTrail", event("cloudtrail:DescribeTrails", user(), {}, read_only=True))
quiet(A + "read-only CloudTrail", event("cloudtrail:GetTrailStatus", user(), {"name": "main"}, read_only=True))
quiet(A + "read-only CloudTrail", event("cloudtrail:LookupEvents", user(), {}, read_only=True))
quiet(E + "AWS CloudTrail Log Suspended (failed)", event("cloudtrail:StopLogging", user("intern"), {"name": "main"}, error="AccessDenied"))
quiet(E + "AWS CloudTrail Log Suspended (failed)", event("cloudtrail:DeleteTrail", user("intern"), {"name": "main"}, error="AccessDenied"))
quiet(A + "GuardDuty detector settings (still enabled)", event("guardduty:UpdateDetector", user(), {"detectorId": "d1", "enable": True, "findingPublishingFrequency": "FIFTEEN_MINUTES"}))
quiet(A + "GuardDuty detector settings (frequency)", event("guardduty:UpdateDetector", user(), {"detectorId": "d1", "findingPublishingFrequency": "SIX_HOURS"}))
quiet(A + "GuardDuty created", event("guardduty:CreateDetector", user(), {"enable": True}))
quiet(A + "GuardDuty read", event("guardduty:ListFindings", user(), {"detectorId": "d1"}, read_only=True))
quiet(A + "Security Hub enabled", event("securityhub:EnableSecurityHub", user(), {}))
quiet(P + "AWS.SecurityHub.Finding.Evasion (resolved)", event("securityhub:BatchUpdateFindings", user(), {"FindingIdentifiers": [{"Id": "f", "ProductArn": "p"}], "Workflow": {"Status": "RESOLVED"}}))
quiet(P + "AWS.SecurityHub.Finding.Evasion (notified)", event("securityhub:BatchUpdateFindings", user(), {"FindingIdentifiers": [{"Id": "f", "ProductArn": "p"}], "Workflow": {"Status": "NOTIFIED"}}))
quiet(A + "Security Hub control enabled", event("securityhub:UpdateStandardsControl", user(), {"StandardsControlArn": "c", "ControlStatus": "ENABLED"}))
quiet(A + "Config recorder started", event("config:StartConfigurationRecorder", user(), {"configurationRecorderName": "default"}))
quiet(P + "AWS.ConfigService.Created", event("config:PutConfigurationRecorder", user(), {"configurationRecorder": {"name": "default", "roleARN": "r"}}))
quiet(A + "Config rule added", event("config:PutConfigRule", user(), {"configRule": {"configRuleName": "x"}}))
quiet(A + "Access Analyzer created", event("access-analyzer:CreateAnalyzer", user(), {"analyzerName": "a", "type": "ACCOUNT"}))
quiet(P + "AWS.Macie.Evasion (enabled)", event("macie2:UpdateMacieSession", user(), {"status": "ENABLED", "findingPublishingFrequency": "FIFTEEN_MINUTES"}))
quiet(A + "Macie enabled", event("macie2:EnableMacie", user(), {"status": "ENABLED"}))
quiet(A + "log group created", event("logs:CreateLogGroup", user(), {"logGroupName": "/app"}))
quiet(A + "retention set", event("logs:PutRetentionPolicy", user(), {"logGroupName": "/app", "retentionInDays": 365}))
# same name, another service
quiet(A + "same name, another service (Fraud Detector)", event("frauddetector:DeleteDetector", user(), {"detectorId": "fraud-model"}))
quiet(A + "same name, another service (ELB)", event("elasticloadbalancing:DeleteRule", user(), {"ruleArn": "arn:aws:elasticloadbalancing:...:listener-rule/app/x"}))
quiet(A + "same name, another service (Auto Scaling)", event("autoscaling:DeletePolicy", user(), {"autoScalingGroupName": "web", "policyName": "scale-out"}))
quiet(A + "same name, another service (IoT)", event("iot:DeletePolicy", user(), {"policyName": "device"}))
quiet(A + "same name, another service (Lightsail)", event("lightsail:DeleteBucket", user(), {"bucketName": "site", "forceDelete": True}))
quiet(A + "same name, another service (Detective)", event("detective:DeleteMembers", user(), {"GraphArn": "g", "AccountIds": [OTHER]}))
quiet(A + "same name, another service (Chime)", event("chime:DeleteAccount", user(), {"accountId": "c"}))
quiet(A + "same name, another service (IoT Events)", event("iotevents:DeleteDetectorModel", user(), {"detectorModelName": "m"}))
quiet(A + "same name, another service (Network Firewall)", event("network-firewall:DeleteFirewall", user(), {"FirewallName": "f"}))
quiet(A + "same name, another service (Kafka)", event("kafka:DeleteCluster", user(), {"clusterArn": "c"}))
quiet(A + "same name, another service (Cognito)", event("cognito-idp:DeleteUserPool", user(), {"userPoolId": "p"}))
quiet(A + "same name, another service (WorkMail)", event("workmail:DeleteOrganization", user(), {"OrganizationId": "m-1"}))
# organizations / KMS / secrets / ECR / backup / misc negatives
quiet(A + "organization read", event("organizations:DescribeOrganization", user(), None, read_only=True))
quiet(A + "organization read", event("organizations:ListAccounts", user(), None, read_only=True))
quiet(A + "SCP attached", event("organizations:AttachPolicy", user(), {"policyId": "p-1", "targetId": "ou-1"}))
quiet(A + "KMS use", event("kms:Decrypt", role("app", "x"), {"encryptionContext": {}}, read_only=True))
quiet(A + "KMS use", event("kms:GenerateDataKey", role("app", "x"), {"keyId": "k", "keySpec": "AES_256"}, read_only=True))
quiet(A + "KMS key created", event("kms:CreateKey", user(), {"keyUsage": "ENCRYPT_DECRYPT"}))
quiet(A + "KMS deletion cancelled", event("kms:CancelKeyDeletion", user(), {"keyId": "k"}))
quiet(A + "KMS key enabled", event("kms:EnableKey", user(), {"keyId": "k"}))
quiet(A + "KMS key policy (account root)", event("kms:PutKeyPolicy", user(), {"keyId": "k", "policyName": "default", "policy": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "kms:*", "Resource": "*"})}))
quiet(A + "KMS key policy (everyone with condition)", event("kms:PutKeyPolicy", user(), {"keyId": "k2", "policyName": "default", "policy": policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": ACCT}}})}))
quiet(A + "secret deleted with recovery window", event("secretsmanager:DeleteSecret", user(), {"secretId": "old", "recoveryWindowInDays": 30}))
quiet(A + "secret deleted with recovery window", event("secretsmanager:DeleteSecret", role("x", "y"), {"secretId": "old2", "recoveryWindowInDays": 7, "forceDeleteWithoutRecovery": False}))
quiet(A + "secret policy for a role", event("secretsmanager:PutResourcePolicy", user(), {"secretId": "s", "resourcePolicy": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/app"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})}))
quiet(E + "Secrets Manager read", event("secretsmanager:GetSecretValue", role("app", "x"), {"secretId": "s"}, read_only=True))
quiet(A + "secret created", event("secretsmanager:CreateSecret", user(), {"name": "s"}))
quiet(A + "ECR policy for an account", event("ecr:SetRepositoryPolicy", user(), {"repositoryName": "app", "policyText": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "ecr:BatchGetImage"})}))
quiet(A + "ECR policy for another account", event("ecr:SetRepositoryPolicy", user(), {"repositoryName": "app", "policyText": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "ecr:BatchGetImage"})}))
quiet(A + "ECR push", event("ecr:PutImage", role("ci", "x"), {"repositoryName": "app", "imageTag": "v1"}))
quiet(A + "ECR repo created", event("ecr:CreateRepository", user(), {"repositoryName": "new"}))
quiet(A + "backup job", event("backup:StartBackupJob", role("backup", "x"), {"backupVaultName": "v"}))
quiet(A + "backup plan created", event("backup:CreateBackupPlan", user(), {"backupPlan": {"backupPlanName": "daily"}}))
quiet(A + "SSM document shared with an account", event("ssm:ModifyDocumentPermission", user(), {"name": "doc", "permissionType": "Share", "accountIdsToAdd": [OTHER]}))
quiet(A + "SSM parameter read", event("ssm:GetParameter", role("app", "x"), {"name": "/app/db", "withDecryption": True}, read_only=True))
quiet(A + "SSM parameter written", event("ssm:PutParameter", role("tf", "x"), {"name": "/app/x", "type": "String", "overwrite": True}))
quiet(A + "WAF associated", event("wafv2:AssociateWebACL", user(), {"webACLArn": "w", "resourceArn": "r"}))
quiet(A + "WAF created", event("wafv2:CreateWebACL", user(), {"name": "web", "scope": "REGIONAL"}))
quiet(A + "DNS record change", event("route53:ChangeResourceRecordSets", role("external-dns", "x"), {"hostedZoneId": "Z1", "changeBatch": {"changes": [{"action": "UPSERT"}]}}))
quiet(A + "DNS record change", event("route53:ChangeResourceRecordSets", user(), {"hostedZoneId": "Z2", "changeBatch": {"changes": [{"action": "CREATE"}]}}))
quiet(A + "transfer lock enabled", event("route53domains:EnableDomainTransferLock", user(), {"domainName": "example.com"}))
quiet(A + "EKS cluster read", event("eks:DescribeCluster", user(), {"name": "prod"}, read_only=True))
quiet(A + "EKS view policy", event("eks:AssociateAccessPolicy", user(), {"clusterName": "prod", "principalArn": "r", "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "accessScope": {"type": "namespace", "namespaces": ["app"]}}))
quiet(A + "Bedrock invoke", event("bedrock:InvokeModel", role("app", "x"), {"modelId": "anthropic.claude"}, read_only=True))
quiet(A + "DynamoDB table created", event("dynamodb:CreateTable", user(), {"tableName": "t"}))
quiet(A + "CloudFormation stack", event("cloudformation:CreateStack", user(), {"stackName": "s"}))
quiet(A + "SNS publish", event("sns:Publish", role("app", "x"), {"topicArn": "t"}))
quiet(A + "SQS message", event("sqs:CreateQueue", role("app", "x"), {"queueName": "q"}))

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "corpus.jsonl"), "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False, sort_keys=True) + "\n")
fire_n = sum(1 for c in cases if c["expect"] == "alert")
print(f"{len(cases)} cases: {fire_n} must fire, {len(cases) - fire_n} must not")
