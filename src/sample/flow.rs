//! VPC Flow Log records (model, everyday traffic, a port scan) and their `vpc_flow_2_0` OCSF rows.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::assets;
use super::ocsf::{Observable, timestamp_text};
use super::rng::Rng;
use super::timing::{Clock, Rhythm};
use super::world::{OFFICE_IP, REGIONS, SEOUL, World};

/// A network interface on one instance.
#[derive(Debug, Clone)]
pub struct Host {
    /// Private IP.
    pub ip: String,
    /// `i-…`.
    pub instance: String,
    /// `eni-…`.
    pub eni: String,
    /// `subnet-…`.
    pub subnet: String,
    /// `vpc-…`.
    pub vpc: String,
    /// Availability zone id.
    pub zone: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: &'static str,
}

/// One flow log record (one direction of one connection in one aggregation window).
#[derive(Debug, Clone)]
pub struct Flow {
    /// The interface that logged it.
    pub host: Host,
    /// Ingress (true) or egress.
    pub ingress: bool,
    /// `srcaddr`.
    pub src_ip: String,
    /// `srcport`.
    pub src_port: i32,
    /// `dstaddr`.
    pub dst_ip: String,
    /// `dstport`.
    pub dst_port: i32,
    /// 6 TCP, 17 UDP, 1 ICMP.
    pub protocol: i32,
    /// `packets`.
    pub packets: i64,
    /// `bytes`.
    pub bytes: i64,
    /// `start`.
    pub start: DateTime<Utc>,
    /// `end`.
    pub end: DateTime<Utc>,
    /// ACCEPT (true) or REJECT.
    pub accept: bool,
    /// `tcp_flags`.
    pub tcp_flags: i32,
    /// Whether the peer is outside the VPC.
    pub external: bool,
}

/// The instances of every account and region: 6 per VPC, host 0 is the web front, 5 the bastion.
pub fn hosts(world: &World) -> Vec<Host> {
    let mut out = Vec::new();
    for (a, account) in world.accounts.iter().enumerate() {
        for (r, region) in REGIONS.iter().enumerate() {
            let second = 20 + a * 10 + r;
            let vpc = assets::id(&account.id, &format!("vpc-{region}"), 0, "vpc-0");
            let zone = if *region == SEOUL { "apne2-az" } else { "use1-az" };
            for n in 0..6u64 {
                let key = format!("{region}-{n}");
                out.push(Host {
                    ip: format!("10.{second}.{}.{}", n % 3 + 1, 10 + n * 7),
                    instance: if *region == SEOUL {
                        assets::instance(&account.id, n)
                    } else {
                        assets::id(&account.id, "instance-use1", n, "i-0")
                    },
                    eni: assets::id(&account.id, &format!("eni-{key}"), n, "eni-0"),
                    subnet: assets::id(&account.id, &format!("subnet-{region}"), n % 3, "subnet-0"),
                    vpc: vpc.clone(),
                    zone: format!("{zone}{}", n % 3 + 1),
                    account: account.id.clone(),
                    region: *region,
                });
            }
        }
    }
    out
}

/// A public address that is none of the planted ones.
pub fn public_ip(rng: &mut Rng, avoid: &[&str]) -> String {
    const FIRST: [u8; 24] =
        [3, 13, 18, 34, 35, 52, 54, 59, 61, 80, 82, 88, 91, 104, 110, 121, 125, 175, 180, 185, 193, 203, 211, 222];
    loop {
        let ip = format!("{}.{}.{}.{}", rng.pick(&FIRST), rng.range(1, 254), rng.range(0, 255), rng.range(1, 254));
        if !avoid.contains(&ip.as_str()) && ip != OFFICE_IP {
            return ip;
        }
    }
}

/// Everyday traffic: web clients, east-west, outbound, DNS, SSH from the office, and one-port internet noise.
pub fn background(rng: &mut Rng, clock: &Clock, hosts: &[Host], count: usize, avoid: &[&str]) -> Vec<Flow> {
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let host = rng.pick(hosts).clone();
        let kind = rng.weighted(&[36, 20, 18, 8, 3, 13, 2]);
        let rhythm = if kind == 0 || kind == 4 { Rhythm::Human } else { Rhythm::Machine };
        let start = clock.sample(rng, rhythm);
        let ephemeral = rng.range(32768, 60999) as i32;
        let mut f = Flow {
            host: host.clone(),
            ingress: true,
            src_ip: String::new(),
            src_port: ephemeral,
            dst_ip: host.ip.clone(),
            dst_port: 443,
            protocol: 6,
            packets: 0,
            bytes: 0,
            start,
            end: start + Duration::seconds(rng.range(1, 59)),
            accept: true,
            tcp_flags: 19,
            external: true,
        };
        match kind {
            0 => f.src_ip = public_ip(rng, avoid),
            1 => {
                f.ingress = false;
                f.src_ip = host.ip.clone();
                f.dst_ip =
                    format!("{}.{}", host.ip.rsplit_once('.').map_or("10.0.0", |(net, _)| net), 200 + rng.below(20));
                f.dst_port = *rng.pick(&[5432, 3306, 6379, 8080, 9092]);
                f.external = false;
            }
            2 => {
                f.ingress = false;
                f.src_ip = host.ip.clone();
                f.dst_ip = public_ip(rng, avoid);
            }
            3 => {
                f.ingress = false;
                f.src_ip = host.ip.clone();
                let prefix = host.ip.split('.').take(2).collect::<Vec<_>>().join(".");
                f.dst_ip = format!("{prefix}.0.2");
                f.dst_port = 53;
                f.protocol = 17;
                f.tcp_flags = 0;
                f.external = false;
            }
            4 => {
                f.src_ip = OFFICE_IP.into();
                f.dst_port = 22;
            }
            5 => {
                f.src_ip = public_ip(rng, avoid);
                f.dst_port = *rng.pick(&[22, 23, 445, 3389, 8080, 1433, 3306, 5900, 6379, 9200, 2375, 5060]);
                f.accept = false;
                f.tcp_flags = 2;
            }
            _ => {
                f.src_ip = public_ip(rng, avoid);
                f.src_port = 0;
                f.dst_port = 0;
                f.protocol = 1;
                f.tcp_flags = 0;
                f.accept = rng.chance(0.3);
            }
        }
        let (packets, size) = match (f.accept, f.protocol) {
            (false, _) => (rng.range(1, 3), 44),
            (true, 17) => (2, rng.range(60, 160)),
            (true, 1) => (rng.range(1, 4), 84),
            _ => (rng.range(6, 400), rng.range(90, 1400)),
        };
        f.packets = packets;
        f.bytes = packets * size;
        out.push(f);
    }
    out
}

/// A TCP SYN scan of `ports` on `target` from `scanner`, spread over `minutes`; `open` ports are accepted.
pub fn port_scan(
    rng: &mut Rng,
    target: &Host,
    scanner: &str,
    start: DateTime<Utc>,
    ports: &[i32],
    open: &[i32],
    minutes: i64,
) -> Vec<Flow> {
    let src_port = rng.range(40000, 65000) as i32;
    let span = minutes * 60;
    ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let at = start + Duration::seconds(span * i as i64 / ports.len() as i64);
            let accept = open.contains(port);
            Flow {
                host: target.clone(),
                ingress: true,
                src_ip: scanner.into(),
                src_port,
                dst_ip: target.ip.clone(),
                dst_port: *port,
                protocol: 6,
                packets: if accept { 2 } else { 1 },
                bytes: if accept { 88 } else { 44 },
                start: at,
                end: at + Duration::seconds(rng.range(5, 55)),
                accept,
                tcp_flags: 2,
                external: true,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Feature<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Product<'a> {
    version: &'a str,
    name: &'a str,
    feature: Feature<'a>,
    vendor_name: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    product: Product<'a>,
    profiles: [&'a str; 3],
    version: &'a str,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    account: Account<'a>,
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
                feature: Feature { name: "Flowlogs" },
                vendor_name: "AWS",
            },
            profiles: ["cloud", "security_control", "datetime"],
            version: "1.1.0",
        },
        cloud: Cloud { account: Account { uid: &h.account }, region: h.region, zone: &h.zone, provider: "AWS" },
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
