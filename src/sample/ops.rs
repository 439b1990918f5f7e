//! The long tail of CloudTrail operations: a few hundred real API names per service, drawn with a Zipf-like skew.
//!
//! Left out on purpose, because each is (part of) a planted incident or a check that expects none in the
//! background: `CreateAccessKey`, `StopLogging` and other trail, detector, recorder and flow-log tampering, user
//! and group policy grants, key pair creation or import, and S3 bucket policy, ACL and public-access changes.

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::rng::Rng;

/// Operations by service, most used first within each service; services are listed most used first.
const BY_SERVICE: [(&str, &str); 24] = [
    (
        "ec2",
        "DescribeImages DescribeSnapshots DescribeTags DescribeRouteTables DescribeAddresses DescribeKeyPairs DescribeLaunchTemplates DescribeLaunchTemplateVersions DescribeAvailabilityZones DescribeRegions DescribeNatGateways DescribeInternetGateways DescribeVpcEndpoints DescribeNetworkAcls DescribeInstanceTypes DescribeSpotPriceHistory DescribeVolumeStatus DescribeAccountAttributes DescribeImageAttribute DescribeInstanceAttribute DescribeSecurityGroupRules DescribeTransitGateways DescribeVpcPeeringConnections DescribeFlowLogs DescribePrefixLists DescribeManagedPrefixLists DescribeCapacityReservations DescribeHosts GetConsoleOutput GetEbsEncryptionByDefault GetLaunchTemplateData RunInstances TerminateInstances CreateSnapshot DeleteSnapshot CreateVolume AttachVolume DetachVolume DeleteVolume ModifyInstanceAttribute CreateLaunchTemplateVersion ModifyLaunchTemplate AssociateAddress DisassociateAddress ReleaseAddress RebootInstances CreateImage DeregisterImage CopySnapshot ModifyVolume DeleteTags CreateNetworkInterface DeleteNetworkInterface MonitorInstances ModifyInstanceMetadataOptions",
    ),
    (
        "s3",
        "HeadBucket GetBucketVersioning GetBucketLogging GetBucketTagging GetBucketLifecycle GetBucketReplication GetBucketCors GetBucketWebsite GetBucketNotification GetBucketOwnershipControls GetBucketObjectLockConfiguration GetAccelerateConfiguration GetBucketRequestPayment GetBucketPublicAccessBlock GetBucketPolicyStatus ListObjectVersions CreateBucket PutBucketVersioning PutBucketLifecycle PutBucketEncryption PutBucketNotification PutBucketLogging DeleteBucket DeleteBucketLifecycle PutBucketCors",
    ),
    (
        "iam",
        "GetUser GetPolicy GetPolicyVersion ListPolicies ListGroups ListGroupsForUser ListAttachedUserPolicies ListUserPolicies ListRolePolicies ListInstanceProfiles ListInstanceProfilesForRole ListAccessKeys ListMFADevices ListVirtualMFADevices GetAccountAuthorizationDetails GetLoginProfile GetInstanceProfile ListOpenIDConnectProviders ListSAMLProviders ListServerCertificates GetServiceLastAccessedDetails GenerateServiceLastAccessedDetails GenerateCredentialReport GetCredentialReport ListEntitiesForPolicy SimulatePrincipalPolicy CreateUser DeleteUser CreateRole DeleteRole UpdateRole UpdateAssumeRolePolicy CreatePolicy DeletePolicyVersion DeleteRolePolicy DetachRolePolicy CreateInstanceProfile AddRoleToInstanceProfile RemoveRoleFromInstanceProfile DeleteInstanceProfile TagUser UntagRole CreateServiceLinkedRole UploadServerCertificate",
    ),
    ("sts", "GetSessionToken AssumeRoleWithWebIdentity GetAccessKeyInfo DecodeAuthorizationMessage"),
    (
        "kms",
        "Encrypt DescribeKey ListAliases ListKeys GetKeyPolicy GetKeyRotationStatus ListResourceTags ListGrants ReEncrypt GenerateDataKeyWithoutPlaintext CreateGrant RetireGrant CreateAlias CreateKey TagResource",
    ),
    (
        "logs",
        "GetLogEvents FilterLogEvents DescribeMetricFilters DescribeSubscriptionFilters DescribeQueries StartQuery GetQueryResults StopQuery DescribeResourcePolicies ListTagsLogGroup CreateLogStream PutSubscriptionFilter PutMetricFilter CreateExportTask",
    ),
    (
        "monitoring",
        "GetMetricData GetMetricStatistics ListMetrics DescribeAlarmHistory ListDashboards GetDashboard PutMetricAlarm PutDashboard DeleteAlarms SetAlarmState DisableAlarmActions EnableAlarmActions",
    ),
    (
        "lambda",
        "GetFunction GetFunctionConfiguration20150331v2 ListVersionsByFunction20150331 ListAliases20150331 GetPolicy20150331v2 ListEventSourceMappings20150331 ListLayers20181031 GetAccountSettings20160819 ListTags20170331 UpdateFunctionConfiguration20150331v2 PublishVersion20150331 CreateFunction20150331 DeleteFunction20150331 AddPermission20150331v2 CreateAlias20150331 UpdateAlias20150331 TagResource20170331v2",
    ),
    (
        "rds",
        "DescribeDBClusters DescribeDBClusterSnapshots DescribeDBParameterGroups DescribeDBSubnetGroups DescribeEvents DescribeDBEngineVersions DescribeOrderableDBInstanceOptions DescribeDBLogFiles DescribePendingMaintenanceActions ListTagsForResource DescribeDBClusterParameters ModifyDBInstance StartDBInstance StopDBInstance RebootDBInstance CreateDBInstance DeleteDBInstance CopyDBSnapshot DeleteDBSnapshot AddTagsToResource ModifyDBClusterParameterGroup",
    ),
    (
        "ecr",
        "GetAuthorizationToken BatchGetImage GetDownloadUrlForLayer BatchCheckLayerAvailability DescribeRepositories DescribeImages ListImages DescribeImageScanFindings GetLifecyclePolicy GetRepositoryPolicy InitiateLayerUpload UploadLayerPart CompleteLayerUpload PutImage BatchDeleteImage CreateRepository PutLifecyclePolicy",
    ),
    (
        "eks",
        "ListClusters ListNodegroups DescribeNodegroup ListAddons DescribeAddon DescribeAddonVersions ListFargateProfiles ListUpdates DescribeUpdate ListAccessEntries ListIdentityProviderConfigs UpdateNodegroupConfig UpdateNodegroupVersion CreateAddon UpdateAddon CreateAccessEntry AssociateAccessPolicy",
    ),
    (
        "ecs",
        "ListClusters DescribeClusters ListServices DescribeServices ListTasks DescribeTasks DescribeTaskDefinition ListTaskDefinitions ListContainerInstances DescribeContainerInstances UpdateService RunTask StopTask RegisterTaskDefinition DeregisterTaskDefinition",
    ),
    (
        "ssm",
        "GetParameter GetParameters GetParametersByPath DescribeParameters ListCommands ListCommandInvocations GetCommandInvocation DescribeInstancePatchStates DescribeAssociation ListAssociations GetInventory DescribeSessions UpdateInstanceInformation SendCommand StartSession TerminateSession DeleteParameter CreateAssociation",
    ),
    (
        "secretsmanager",
        "GetSecretValue DescribeSecret ListSecrets ListSecretVersionIds GetResourcePolicy RotateSecret PutSecretValue UpdateSecret CreateSecret TagResource",
    ),
    (
        "dynamodb",
        "DescribeTable ListTables DescribeContinuousBackups DescribeTimeToLive DescribeGlobalTableSettings ListBackups ListTagsOfResource DescribeKinesisStreamingDestination UpdateTable CreateBackup UpdateContinuousBackups CreateTable DeleteTable",
    ),
    (
        "sqs",
        "ListQueues GetQueueAttributes ListQueueTags GetQueueUrl SetQueueAttributes CreateQueue PurgeQueue DeleteQueue",
    ),
    (
        "sns",
        "ListTopics GetTopicAttributes ListSubscriptions ListSubscriptionsByTopic Publish Subscribe Unsubscribe SetTopicAttributes CreateTopic",
    ),
    (
        "elasticloadbalancing",
        "DescribeTargetGroups DescribeListeners DescribeRules DescribeLoadBalancerAttributes DescribeTargetGroupAttributes DescribeTags DescribeSSLPolicies RegisterTargets DeregisterTargets ModifyListener ModifyRule CreateRule DeleteRule",
    ),
    (
        "autoscaling",
        "DescribeAutoScalingGroups DescribeScalingActivities DescribeLaunchConfigurations DescribeLifecycleHooks DescribePolicies DescribeWarmPool SetDesiredCapacity UpdateAutoScalingGroup CompleteLifecycleAction PutScalingPolicy",
    ),
    (
        "cloudformation",
        "DescribeStacks ListStacks DescribeStackEvents DescribeStackResources ListStackResources GetTemplate GetTemplateSummary ValidateTemplate DescribeChangeSet ListChangeSets CreateChangeSet ExecuteChangeSet UpdateStack CreateStack DeleteStack",
    ),
    (
        "route53",
        "ListHostedZones GetHostedZone ListResourceRecordSets GetChange ListHealthChecks GetHealthCheckStatus ChangeResourceRecordSets ChangeTagsForResource",
    ),
    ("guardduty", "ListDetectors GetDetector ListFindings GetFindings GetFindingsStatistics ListMembers"),
    (
        "securityhub",
        "GetFindings DescribeHub GetEnabledStandards DescribeStandardsControls BatchUpdateFindings BatchImportFindings",
    ),
    (
        "organizations",
        "DescribeOrganization ListAccounts DescribeAccount ListRoots ListOrganizationalUnitsForParent ListPolicies ListTagsForResource DescribePolicy",
    ),
];

/// One operation of the long tail.
#[derive(Debug, Clone)]
pub struct Op {
    /// Service prefix (`ec2`).
    pub service: &'static str,
    /// `eventName`.
    pub name: &'static str,
    /// Whether it only reads.
    pub read_only: bool,
}

/// Every operation with its Zipf weight (rank by service order, then position).
fn table() -> &'static (Vec<Op>, Vec<u32>) {
    static TABLE: OnceLock<(Vec<Op>, Vec<u32>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut ops = Vec::new();
        for (s, (service, names)) in BY_SERVICE.iter().enumerate() {
            for (i, name) in names.split_whitespace().enumerate() {
                ops.push((s + i, Op { service, name, read_only: is_read(name) }));
            }
        }
        ops.sort_by_key(|(rank, op)| (*rank, op.service));
        let weights = ops.iter().enumerate().map(|(rank, _)| (1_000_000 / (rank as u32 + 2)).max(1)).collect();
        (ops.into_iter().map(|(_, op)| op).collect(), weights)
    })
}

fn is_read(name: &str) -> bool {
    [
        "Describe",
        "Get",
        "List",
        "Head",
        "BatchGet",
        "BatchCheck",
        "Lookup",
        "Search",
        "Filter",
        "Validate",
        "Simulate",
        "Decode",
        "Generate",
    ]
    .iter()
    .any(|p| name.starts_with(p))
        && !name.starts_with("GenerateServiceLastAccessedDetails")
}

/// Every operation of the tail (for tests and counts).
#[cfg(test)]
pub fn all() -> &'static [Op] {
    &table().0
}

/// One operation, drawn with the Zipf-like weights; `read` picks among reads or writes only.
pub fn draw(rng: &mut Rng, read: bool) -> &'static Op {
    let (ops, weights) = table();
    loop {
        let op = &ops[rng.weighted(weights)];
        if op.read_only == read {
            return op;
        }
    }
}

/// `requestParameters` for `op` on resources of `account` (`n` picks the resource).
pub fn request(op: &Op, account: &str, n: u64) -> Value {
    let instance = super::assets::instance(account, n);
    match op.name {
        "RunInstances" => {
            let key = ["acme-ops-2023", "eks-nodes"][(n % 2) as usize];
            let size = ["t3.medium", "m6i.large", "r6g.xlarge"][(n % 3) as usize];
            json!({
                "instancesSet": { "items": [{ "imageId": "ami-0e9bfdb247cc8de84", "minCount": 1, "maxCount": 1, "keyName": key }] },
                "instanceType": size,
                "monitoring": { "enabled": false }, "disableApiTermination": false
            })
        }
        "TerminateInstances" | "RebootInstances" | "MonitorInstances" => {
            json!({ "instancesSet": { "items": [{ "instanceId": instance }] } })
        }
        "CreateUser" | "DeleteUser" | "GetUser" | "TagUser" => json!({ "userName": format!("svc-batch-{}", n % 7) }),
        "CreateRole"
        | "DeleteRole"
        | "UpdateRole"
        | "UpdateAssumeRolePolicy"
        | "DeleteRolePolicy"
        | "DetachRolePolicy" => {
            json!({ "roleName": super::assets::app_role(n) })
        }
        "CreateBucket" | "DeleteBucket" => json!({ "bucketName": format!("acme-tmp-{n}"), "Host": "s3.amazonaws.com" }),
        _ if op.read_only => Value::Null,
        _ => json!({ "resource": format!("{}-{}", op.service, n % 50) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_has_hundreds_of_operations_and_none_of_the_planted_ones() {
        let names: std::collections::BTreeSet<&str> = all().iter().map(|o| o.name).collect();
        assert!(names.len() >= 300, "only {} operations", names.len());
        for name in ["RunInstances", "CreateUser", "TerminateInstances", "CreateRole", "DeleteBucket"] {
            assert!(names.contains(name), "{name} missing");
        }
        for planted in
            ["CreateAccessKey", "StopLogging", "AttachUserPolicy", "CreateKeyPair", "ImportKeyPair", "PutBucketPolicy"]
        {
            assert!(!names.contains(planted), "{planted} is an incident's pattern");
        }
    }

    #[test]
    fn draws_are_skewed_toward_the_head() {
        let mut rng = Rng::new(9);
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..20_000 {
            *counts.entry(draw(&mut rng, true).name).or_insert(0usize) += 1;
        }
        let mut sorted: Vec<usize> = counts.values().copied().collect();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert!(sorted.len() >= 100, "{} distinct reads", sorted.len());
        assert!(sorted[0] > 20 * sorted[sorted.len() / 2], "head {} vs median {}", sorted[0], sorted[sorted.len() / 2]);
    }
}
