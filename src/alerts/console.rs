//! Partition-aware AWS console links (built only through [`super::link`]) and resource ids shown per event.

use std::borrow::Cow;

use super::envelope::CtEvent;
use super::link::{Link, Part, Partition, Region, ResourceId};
use super::rawjson::{RawObject, scalar_text};

/// The CloudTrail event history in the console for `region` (empty = `us-east-1`, where global events are
/// logged), or the one event `event_id` when given. `None` when the region or the id fails its pattern, or the
/// region is in an isolated partition without a public console: the message then goes out without the button.
pub fn cloudtrail_link(region: &str, event_id: Option<&str>) -> Option<Link> {
    let region = Region::parse(if region.is_empty() { "us-east-1" } else { region })?;
    let id = match event_id {
        Some(id) => Some(ResourceId::parse(id)?),
        None => None,
    };
    let r = Part::Region(&region);
    let mut parts = match region.partition() {
        Partition::Aws => vec![Part::Fixed("https://"), r, Part::Fixed(".console.aws.amazon.com")],
        Partition::AwsCn => vec![Part::Fixed("https://"), r, Part::Fixed(".console.amazonaws.cn")],
        Partition::AwsUsGov => vec![Part::Fixed("https://console.amazonaws-us-gov.com")],
        Partition::Iso => return None,
    };
    parts.extend([Part::Fixed("/cloudtrail/home?region="), r, Part::Fixed("#/events")]);
    if let Some(id) = &id {
        parts.extend([Part::Fixed("/"), Part::Resource(id)]);
    }
    Link::https(&parts)
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

    fn url(region: &str, id: Option<&str>) -> Option<String> {
        cloudtrail_link(region, id).map(|l| l.as_str().to_owned())
    }

    #[test]
    fn console_links_follow_the_partition() {
        assert_eq!(
            url("ap-northeast-2", None).unwrap(),
            "https://ap-northeast-2.console.aws.amazon.com/cloudtrail/home?region=ap-northeast-2#/events"
        );
        assert!(url("cn-north-1", Some("e-1")).unwrap().starts_with("https://cn-north-1.console.amazonaws.cn/"));
        assert!(url("us-gov-west-1", None).unwrap().starts_with("https://console.amazonaws-us-gov.com/"));
        assert!(url("", None).unwrap().starts_with("https://us-east-1.console.aws.amazon.com/"));
        assert_eq!(url("us-isob-east-1", None), None, "no public console to link to");
    }

    #[test]
    fn an_event_region_that_is_not_a_region_drops_the_link_instead_of_choosing_its_host() {
        for evil in ["evil.example/x?y=", "https://evil.example/", "us-east-1.evil.example", "evil.example#"] {
            assert_eq!(url(evil, None), None, "{evil}");
            assert_eq!(url(evil, Some("e-1")), None, "{evil}");
        }
    }

    #[test]
    fn an_event_id_outside_the_allow_list_or_too_long_drops_the_link() {
        assert_eq!(url("us-east-1", Some("abc\"><x")), None);
        assert_eq!(url("us-east-1", Some(&"x".repeat(5_000))), None);
        let id = "3d2f0b6e-1c4a-4b8e-9f00-0123456789ab";
        assert!(url("us-east-1", Some(id)).unwrap().ends_with(&format!("#/events/{id}")));
    }
}
