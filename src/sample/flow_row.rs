//! A VPC Flow record as a Security Lake v2 `vpc_flow_2_0` row (reference §2.2 and §2.4), as JSON.

use super::parts::{Name, Uid};
use serde::Serialize;

use super::flow::Flow;
use super::ocsf::{Observable, timestamp_text};

#[derive(Serialize)]
struct Product<'a> {
    version: &'a str,
    name: &'a str,
    feature: Name<'a>,
    vendor_name: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    product: Product<'a>,
    profiles: [&'a str; 3],
    version: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    account: Uid<'a>,
    region: &'a str,
    zone: &'a str,
    provider: &'a str,
}

#[derive(Serialize, Default)]
struct Endpoint<'a> {
    port: Option<i32>,
    svc_name: &'a str,
    ip: &'a str,
    intermediate_ips: Option<Vec<&'a str>>,
    interface_uid: Option<&'a str>,
    vpc_uid: Option<&'a str>,
    instance_uid: Option<&'a str>,
    subnet_uid: Option<&'a str>,
}

#[derive(Serialize)]
struct Connection<'a> {
    protocol_num: i32,
    tcp_flags: i32,
    protocol_ver: &'a str,
    boundary_id: i32,
    boundary: &'a str,
    direction_id: i32,
    direction: &'a str,
}

#[derive(Serialize)]
struct Traffic {
    packets: i64,
    bytes: i64,
}

#[derive(Serialize)]
struct Unmapped<'a> {
    sublocation_id: &'a str,
    sublocation_type: &'a str,
}

#[derive(Serialize)]
struct FlowRow<'a> {
    metadata: Metadata<'a>,
    cloud: Cloud<'a>,
    src_endpoint: Endpoint<'a>,
    dst_endpoint: Endpoint<'a>,
    connection_info: Connection<'a>,
    traffic: Traffic,
    time: i64,
    time_dt: String,
    start_time_dt: String,
    end_time_dt: String,
    status_code: &'a str,
    severity_id: i32,
    severity: &'a str,
    class_name: &'a str,
    class_uid: i32,
    category_name: &'a str,
    category_uid: i32,
    activity_name: &'a str,
    activity_id: i32,
    action: &'a str,
    action_id: i32,
    disposition: &'a str,
    type_uid: i64,
    type_name: &'a str,
    accountid: &'a str,
    region: &'a str,
    asl_version: &'a str,
    unmapped: Unmapped<'a>,
    observables: Vec<Observable<'a>>,
}

/// One side of a flow; the logging interface's ids go on the side it is (`mine`).
fn endpoint<'a>(f: &'a Flow, mine: bool, ip: &'a str, port: i32) -> Endpoint<'a> {
    let h = &f.host;
    let port = (f.protocol != 1).then_some(port);
    if mine {
        Endpoint {
            port,
            svc_name: "-",
            ip,
            intermediate_ips: None,
            interface_uid: Some(&h.eni),
            vpc_uid: Some(&h.vpc),
            instance_uid: Some(&h.instance),
            subnet_uid: Some(&h.subnet),
        }
    } else {
        Endpoint { port, svc_name: "-", ip, ..Default::default() }
    }
}

/// Writes `f` as one JSON line of the VPC Flow table (reference §2.4).
pub fn write_row(out: &mut impl std::io::Write, f: &Flow) -> std::io::Result<()> {
    let h = &f.host;
    let (boundary_id, boundary) = match (f.ingress, f.external) {
        (true, _) => (99, "-"),
        (false, false) => (4, "Same VPC"),
        (false, true) => (5, "Internet/VPC Gateway"),
    };
    let (activity_id, activity_name, action, action_id, disposition, type_uid, type_name) = if f.accept {
        (6, "Traffic", "Allowed", 1, "Allowed", 400106, "Network Activity: Traffic")
    } else {
        (5, "Refuse", "Denied", 2, "Blocked", 400105, "Network Activity: Refuse")
    };
    let mut observables = vec![
        Observable { name: "src_endpoint.ip", value: &f.src_ip, kind: "IP Address", type_id: 2 },
        Observable { name: "dst_endpoint.ip", value: &f.dst_ip, kind: "IP Address", type_id: 2 },
    ];
    let field = if f.ingress { "dst_endpoint.instance_uid" } else { "src_endpoint.instance_uid" };
    observables.push(Observable { name: field, value: &h.instance, kind: "Resource UID", type_id: 10 });
    let row = FlowRow {
        metadata: Metadata {
            product: Product {
                version: "5",
                name: "Amazon VPC",
                feature: Name { name: "Flowlogs" },
                vendor_name: "AWS",
            },
            profiles: ["cloud", "security_control", "datetime"],
            version: "1.1.0",
        },
        cloud: Cloud { account: Uid { uid: &h.account }, region: h.region, zone: &h.zone, provider: "AWS" },
        src_endpoint: endpoint(f, !f.ingress, &f.src_ip, f.src_port),
        dst_endpoint: endpoint(f, f.ingress, &f.dst_ip, f.dst_port),
        connection_info: Connection {
            protocol_num: f.protocol,
            tcp_flags: f.tcp_flags,
            protocol_ver: "IPv4",
            boundary_id,
            boundary,
            direction_id: if f.ingress { 1 } else { 2 },
            direction: if f.ingress { "Inbound" } else { "Outbound" },
        },
        traffic: Traffic { packets: f.packets, bytes: f.bytes },
        time: f.start.timestamp_millis(),
        time_dt: timestamp_text(f.start),
        start_time_dt: timestamp_text(f.start),
        end_time_dt: timestamp_text(f.end),
        status_code: "OK",
        severity_id: 1,
        severity: "Informational",
        class_name: "Network Activity",
        class_uid: 4001,
        category_name: "Network Activity",
        category_uid: 4,
        activity_name,
        activity_id,
        action,
        action_id,
        disposition,
        type_uid,
        type_name,
        accountid: &h.account,
        region: h.region,
        asl_version: "2.0",
        unmapped: Unmapped { sublocation_id: "-", sublocation_type: "-" },
        observables,
    };
    serde_json::to_writer(&mut *out, &row)?;
    out.write_all(b"\n")
}
