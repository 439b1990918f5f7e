//! Partition-aware AWS console links and resource ids shown per event.

use std::borrow::Cow;

use super::envelope::CtEvent;
use super::rawjson::{RawObject, scalar_text};

/// AWS partition of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// Commercial.
    Aws,
    /// China.
    AwsCn,
    /// GovCloud (US).
    AwsUsGov,
}

impl Partition {
    /// The partition a region belongs to.
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("cn-") {
            Partition::AwsCn
        } else if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        }
    }
}

/// CloudTrail event history in the console for `region` (and one event when `event_id` is given).
pub fn cloudtrail_url(region: &str, event_id: Option<&str>) -> String {
    let region = if region.is_empty() { "us-east-1" } else { region };
    let host = match Partition::of_region(region) {
        Partition::Aws => format!("https://{region}.console.aws.amazon.com"),
        Partition::AwsCn => format!("https://{region}.console.amazonaws.cn"),
        Partition::AwsUsGov => "https://console.amazonaws-us-gov.com".to_owned(),
    };
    let enc = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>();
    match event_id {
        Some(id) => format!("{host}/cloudtrail/home?region={}#/events/{}", enc(region), enc(id)),
        None => format!("{host}/cloudtrail/home?region={}#/events", enc(region)),
    }
}

/// Request/response paths naming the resource an event changed, in preference order (dotted, as
/// [`CtEvent::value_at`] reads them).
const RESOURCE_PATHS: &[&str] = &[
    "requestParameters.userName",
    "requestParameters.roleName",
    "requestParameters.groupName",
    "requestParameters.policyArn",
    "requestParameters.policyName",
    "requestParameters.groupId",
    "responseElements.groupId",
    "requestParameters.instancesSet.items.0.instanceId",
    "responseElements.instancesSet.items.0.instanceId",
    "requestParameters.instanceId",
    "requestParameters.bucketName",
    "requestParameters.name",
    "requestParameters.trailName",
    "requestParameters.detectorId",
    "requestParameters.keyId",
    "requestParameters.functionName",
    "requestParameters.dBInstanceIdentifier",
    "requestParameters.dBClusterIdentifier",
    "requestParameters.snapshotId",
    "requestParameters.imageId",
    "requestParameters.vpcId",
    "requestParameters.subnetId",
    "requestParameters.networkAclId",
    "requestParameters.routeTableId",
    "requestParameters.logGroupName",
    "requestParameters.ruleName",
    "requestParameters.serialNumber",
];

/// The resource id an event is about (empty when none is known). Reads the request and response text once
/// each, without building their trees.
pub fn resource_id(ev: &CtEvent) -> String {
    let request = ev.request_text().and_then(RawObject::parse);
    let response = ev.response_text().and_then(RawObject::parse);
    let mut parts: Vec<Cow<'_, str>> = Vec::with_capacity(2);
    for path in RESOURCE_PATHS {
        let (part, rest) = path.split_once('.').expect("resource paths name a part and a key");
        let object = if part == "requestParameters" { request.as_ref() } else { response.as_ref() };
        let Some(text) = object.and_then(|o| o.walk(rest.split('.'))).and_then(scalar_text) else { continue };
        if !text.is_empty() && !parts.contains(&text) {
            parts.push(text);
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_links_follow_the_partition() {
        assert_eq!(
            cloudtrail_url("ap-northeast-2", None),
            "https://ap-northeast-2.console.aws.amazon.com/cloudtrail/home?region=ap-northeast-2#/events"
        );
        assert!(cloudtrail_url("cn-north-1", Some("e-1")).starts_with("https://cn-north-1.console.amazonaws.cn/"));
        assert!(cloudtrail_url("us-gov-west-1", None).starts_with("https://console.amazonaws-us-gov.com/"));
        assert!(cloudtrail_url("us-east-1", Some("abc\"><x")).ends_with("#/events/abcx"));
    }
}
