//! Everyday DNS: instances and pods resolving AWS endpoints, OS mirrors, SaaS and CDNs with a Zipf-like skew.
//!
//! Never an incident's pattern: no mining pool or other crypto-currency domain, and no source is an instance that
//! a planted incident launches (those live in their own address block, see [`incident_ip`]).

use chrono::{DateTime, Utc};

use super::dns::Query;
use super::flow::Host;
use super::rng::Rng;
use super::timing::{Clock, Rhythm};

/// Domains queried, most popular first; `{r}` is the region. Popularity falls off as 1/rank.
const DOMAINS: [&str; 60] = [
    "sts.{r}.amazonaws.com",
    "s3.{r}.amazonaws.com",
    "dynamodb.{r}.amazonaws.com",
    "api.ecr.{r}.amazonaws.com",
    "logs.{r}.amazonaws.com",
    "monitoring.{r}.amazonaws.com",
    "sqs.{r}.amazonaws.com",
    "ssm.{r}.amazonaws.com",
    "ec2messages.{r}.amazonaws.com",
    "ssmmessages.{r}.amazonaws.com",
    "kms.{r}.amazonaws.com",
    "secretsmanager.{r}.amazonaws.com",
    "ec2.{r}.amazonaws.com",
    "sns.{r}.amazonaws.com",
    "orders-db.cluster-c9akciq32.{r}.rds.amazonaws.com",
    "users-db.c9akciq32.{r}.rds.amazonaws.com",
    "main-redis.x1ab2c.ng.0001.apne2.cache.amazonaws.com",
    "api.github.com",
    "github.com",
    "objects.githubusercontent.com",
    "registry.npmjs.org",
    "pypi.org",
    "files.pythonhosted.org",
    "proxy.golang.org",
    "repo.maven.apache.org",
    "archive.ubuntu.com",
    "security.ubuntu.com",
    "al2023-repos-{r}-de612dc2.s3.dualstack.{r}.amazonaws.com",
    "amazonlinux-2-repos-{r}.s3.dualstack.{r}.amazonaws.com",
    "download.docker.com",
    "registry-1.docker.io",
    "auth.docker.io",
    "production.cloudflare.docker.com",
    "public.ecr.aws",
    "hooks.slack.com",
    "slack.com",
    "api.datadoghq.com",
    "http-intake.logs.datadoghq.com",
    "o450912.ingest.sentry.io",
    "events.pagerduty.com",
    "api.stripe.com",
    "oauth2.googleapis.com",
    "fonts.googleapis.com",
    "www.google.com",
    "d3a1b2c3d4e5f6.cloudfront.net",
    "cdn.jsdelivr.net",
    "unpkg.com",
    "login.microsoftonline.com",
    "acme.okta.com",
    "ntp.ubuntu.com",
    "time.aws.com",
    "api.openai.com",
    "sentry.io",
    "checkpoint-api.hashicorp.com",
    "releases.hashicorp.com",
    "dl.k8s.io",
    "quay.io",
    "ghcr.io",
    "api.segment.io",
    "sdk.split.io",
];

/// Names that do not exist, as search-domain expansion and old configs produce them.
const MISSES: [&str; 5] = [
    "api.github.com.{r}.compute.internal",
    "wpad.{r}.compute.internal",
    "metrics.internal.acme.local",
    "s3.amazonaws.com.cluster.local",
    "old-billing-api.acme-internal.net",
];

/// Names the organisation's DNS Firewall blocks (file sharing and tunnels), and names it only alerts on.
const BLOCKED: [&str; 3] = ["pastebin.com", "transfer.sh", "tunnel.ngrok-free.app"];
const ALERTED: [&str; 2] = ["paste.ee", "webhook.site"];

/// A source of DNS queries: an instance itself, or a pod on a node.
#[derive(Debug, Clone)]
pub struct Source {
    /// The VPC host (or node) it runs on.
    pub host: Host,
    /// Its own private IP.
    pub ip: String,
}

/// Every instance plus `pods` container IPs spread over the first four hosts of each VPC (the EKS nodes).
pub fn sources(hosts: &[Host], pods: usize, rng: &mut Rng) -> Vec<Source> {
    let mut out: Vec<Source> = hosts.iter().map(|h| Source { host: h.clone(), ip: h.ip.clone() }).collect();
    let nodes: Vec<&Host> = hosts
        .iter()
        .filter(|h| h.ip.ends_with(".10") || h.ip.ends_with(".17") || h.ip.ends_with(".24") || h.ip.ends_with(".31"))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < pods && !nodes.is_empty() {
        let node = *rng.pick(&nodes);
        let second = node.ip.split('.').nth(1).unwrap_or("20");
        let ip = format!("10.{second}.{}.{}", rng.range(64, 127), rng.range(2, 254));
        if seen.insert(ip.clone()) {
            out.push(Source { host: node.clone(), ip });
        }
    }
    out
}

/// An address in the block reserved for instances that incidents launch (never a background source).
pub fn incident_ip(host: &Host, n: u8) -> String {
    let second = host.ip.split('.').nth(1).unwrap_or("20");
    format!("10.{second}.9.{}", 20 + n)
}

/// A fixed public address for `name` (the same name always resolves to the same addresses).
fn address(name: &str, i: u64) -> String {
    let mut r = Rng::fork(i, name);
    let first = if name.contains("amazonaws") {
        *r.pick(&[3u8, 13, 52, 54])
    } else {
        *r.pick(&[104u8, 140, 142, 151, 172, 185, 199])
    };
    format!("{first}.{}.{}.{}", r.range(1, 254), r.range(0, 255), r.range(1, 254))
}

/// `count` background queries from `sources`.
pub fn background(rng: &mut Rng, clock: &Clock, sources: &[Source], count: usize) -> Vec<Query> {
    let weights: Vec<u32> = (1..=DOMAINS.len()).map(|rank| (12_000 / (rank as u32 + 1)).max(1)).collect();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let src = rng.pick(sources);
        let region = src.host.region;
        let time = clock.sample(rng, Rhythm::Machine);
        let roll = rng.below(1000);
        let mut firewall = None;
        let (name, qtype, rcode, answers) = if roll < 3 {
            firewall = Some("Blocked");
            (format!("{}.", rng.pick(&BLOCKED)), "A", "NXDomain", Vec::new())
        } else if roll < 5 {
            firewall = Some("Alert");
            let name = *rng.pick(&ALERTED);
            (format!("{name}."), "A", "NoError", answers(name, "A"))
        } else if roll < 25 {
            let name = rng.pick(&MISSES).replace("{r}", region);
            (format!("{name}."), "A", "NXDomain", Vec::new())
        } else if roll < 40 {
            let peer = rng.pick(sources);
            let rev: Vec<&str> = peer.ip.split('.').rev().collect();
            let ptr = format!("ip-{}.{region}.compute.internal.", peer.ip.replace('.', "-"));
            (format!("{}.in-addr.arpa.", rev.join(".")), "PTR", "NoError", vec![("PTR", ptr)])
        } else {
            let name = DOMAINS[rng.weighted(&weights)].replace("{r}", region);
            let qtype = if rng.chance(0.3) { "AAAA" } else { "A" };
            let fail = rng.chance(0.002);
            let answers = if fail { Vec::new() } else { answers(&name, qtype) };
            (format!("{name}."), qtype, if fail { "ServError" } else { "NoError" }, answers)
        };
        out.push(Query {
            time,
            account: src.host.account.clone(),
            region,
            vpc: src.host.vpc.clone(),
            src_ip: src.ip.clone(),
            src_port: rng.range(1024, 65535) as i32,
            instance: Some(src.host.instance.clone()),
            name,
            qtype,
            rcode,
            answers,
            tcp: rng.chance(0.01),
            firewall,
        });
    }
    out
}

/// The answers for a name that exists: a CNAME hop for CDN and SaaS names, then one or two addresses.
fn answers(name: &str, qtype: &'static str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if name.ends_with("github.com") || name.contains("docker") || name.ends_with("slack.com") {
        out.push(("CNAME", format!("{}.map.fastly.net.", name.split('.').next().unwrap_or("www"))));
    }
    if qtype == "AAAA" {
        let mut r = Rng::fork(7, name);
        out.push(("AAAA", format!("2406:da1c:{:x}:{:x}::{:x}", r.below(0xffff), r.below(0xffff), r.below(0xffff))));
    } else {
        out.push(("A", address(name, 0)));
        if !name.contains(".rds.") && !name.contains(".cache.") {
            out.push(("A", address(name, 1)));
        }
    }
    out
}

/// Queries of `name` (answered with `ip`) from `src`, tagged with `instance`, at each of `times` (a beacon).
pub fn beacon(
    src: &Source,
    instance: &str,
    name: &str,
    ip: &str,
    times: &[DateTime<Utc>],
    rng: &mut Rng,
) -> Vec<Query> {
    times
        .iter()
        .map(|time| Query {
            time: *time,
            account: src.host.account.clone(),
            region: src.host.region,
            vpc: src.host.vpc.clone(),
            src_ip: src.ip.clone(),
            src_port: rng.range(1024, 65535) as i32,
            instance: Some(instance.to_string()),
            name: format!("{name}."),
            qtype: "A",
            rcode: "NoError",
            answers: vec![("A", ip.to_string())],
            tcp: false,
            firewall: None,
        })
        .collect()
}
