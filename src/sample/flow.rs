//! VPC Flow Log records (model, everyday traffic, a port scan) and their `vpc_flow_2_0` OCSF rows.

use chrono::{DateTime, Duration, Utc};

use super::assets;
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
                    region,
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
