//! AWS WAF logs (`waf_2_0`): shoppers and API clients in front of the production load balancer and CloudFront,
//! and the everyday blocks (bad bots, IP reputation, rate limits, cross-site scripting probes).
//!
//! Client addresses come from pools whose first octets VPC Flow background never uses, so a WAF client seen in
//! VPC Flow is always a planted one. Nothing here is blocked for SQL injection or sent by sqlmap.

use chrono::{DateTime, Utc};

use super::rng::Rng;
use super::timing::{Clock, Rhythm};
use super::world::{SEOUL, VIRGINIA, World};

/// WAF table of the sample lake.
pub const TABLE: &str = "waf_2_0";

/// One request WAF inspected.
#[derive(Debug, Clone, PartialEq)]
pub struct WafEvent {
    /// Time.
    pub time: DateTime<Utc>,
    /// Account of the web ACL.
    pub account: String,
    /// Region of the web ACL.
    pub region: &'static str,
    /// Web ACL ARN.
    pub acl_arn: String,
    /// `httpSourceName` (`ALB`, `CF`).
    pub source_type: &'static str,
    /// `httpSourceId`.
    pub source_id: String,
    /// `clientIp`.
    pub client_ip: String,
    /// `country`.
    pub country: &'static str,
    /// `httpMethod`.
    pub method: &'static str,
    /// Host header.
    pub host: &'static str,
    /// `uri`.
    pub uri: String,
    /// `args`.
    pub args: String,
    /// User-Agent header.
    pub user_agent: String,
    /// `requestId`.
    pub request_id: String,
    /// HTTP status sent.
    pub status: i32,
    /// `terminatingRuleId`.
    pub rule_id: &'static str,
    /// `terminatingRuleType`.
    pub rule_type: &'static str,
    /// Match condition (`SQL_INJECTION`, `XSS`).
    pub condition: Option<&'static str>,
    /// Match location.
    pub location: Option<&'static str>,
    /// Matched tokens.
    pub matched: Vec<String>,
    /// Labels.
    pub labels: Vec<&'static str>,
    /// Whether WAF blocked it.
    pub blocked: bool,
}

/// A web ACL and what it fronts: (account index, region, name, source type, source id suffix, hosts).
pub struct Acl {
    /// Account index in the world.
    pub account: usize,
    /// Region.
    pub region: &'static str,
    /// ACL name.
    pub name: &'static str,
    /// `ALB` or `CF`.
    pub source_type: &'static str,
    /// Resource part of `httpSourceId`.
    pub source: &'static str,
    /// Hosts it serves.
    pub hosts: &'static [&'static str],
}

/// The production web ACLs.
pub const ACLS: [Acl; 2] = [
    Acl {
        account: 0,
        region: SEOUL,
        name: "acme-prod-web-acl",
        source_type: "ALB",
        source: "app/acme-prod-web-alb/50dc6c495c0c9188",
        hosts: &["shop.acme.co.kr", "api.acme.co.kr"],
    },
    Acl {
        account: 0,
        region: VIRGINIA,
        name: "acme-prod-cdn-acl",
        source_type: "CF",
        source: "E2QWRUHAPOMQZL",
        hosts: &["www.acme.co.kr"],
    },
];

impl Acl {
    /// The ACL's ARN in `account`.
    pub fn arn(&self, account: &str) -> String {
        let scope = if self.source_type == "CF" { "global" } else { "regional" };
        let mut r = Rng::fork(0, self.name);
        let id = format!("{}-{}-{}-{}-{}", r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12));
        format!("arn:aws:wafv2:{}:{account}:{scope}/webacl/{}/{id}", self.region, self.name)
    }
}

/// First octets of shopper addresses in Korea, and of foreign clients with their country. None is used by VPC
/// Flow background (`flow::public_ip`) or by a planted address.
const KR_OCTETS: [u8; 8] = [1, 14, 27, 39, 49, 115, 116, 124];
const FOREIGN: [(u8, &str); 12] = [
    (5, "DE"),
    (23, "US"),
    (31, "NL"),
    (36, "CN"),
    (37, "FR"),
    (46, "RU"),
    (62, "GB"),
    (77, "RU"),
    (94, "FR"),
    (126, "JP"),
    (151, "IT"),
    (217, "DE"),
];

const BROWSERS: [&str; 4] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
];

/// Pages with their weights.
const PAGES: [(&str, &str, u32); 8] = [
    ("GET", "/", 20),
    ("GET", "/products", 25),
    ("GET", "/api/v1/products", 18),
    ("GET", "/static/js/app.js", 12),
    ("POST", "/api/v1/cart", 9),
    ("POST", "/login", 6),
    ("POST", "/api/v1/orders", 5),
    ("GET", "/search", 5),
];

/// Everyday blocks: (rule id, rule type, condition, labels, user agent).
type Block = (&'static str, &'static str, Option<&'static str>, &'static [&'static str], &'static str);
const BLOCKS: [Block; 4] = [
    (
        "AWS-AWSManagedRulesAmazonIpReputationList",
        "MANAGED_RULE_GROUP",
        None,
        &["awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"],
        "Mozilla/5.0 zgrab/0.x",
    ),
    (
        "AWS-AWSManagedRulesCommonRuleSet",
        "MANAGED_RULE_GROUP",
        Some("XSS"),
        &["awswaf:managed:aws:core-rule-set:CrossSiteScripting_QueryArguments"],
        "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/115.0",
    ),
    (
        "AWS-AWSManagedRulesKnownBadInputsRuleSet",
        "MANAGED_RULE_GROUP",
        None,
        &["awswaf:managed:aws:known-bad-inputs:Log4JRCE_Header"],
        "${jndi:ldap://x}",
    ),
    ("rate-limit-per-ip", "RATE_BASED", None, &[], "python-requests/2.31.0"),
];

/// A client address from the pools: Korean shoppers mostly, a skewed few very active.
fn client(rng: &mut Rng, pool_seed: u64) -> (String, &'static str) {
    let n = (rng.unit().powi(3) * 3000.0) as u64;
    let mut r = Rng::fork(pool_seed ^ n, "waf-client");
    if r.chance(0.82) {
        let ip = format!("{}.{}.{}.{}", r.pick(&KR_OCTETS), r.range(1, 254), r.range(0, 255), r.range(1, 254));
        (ip, "KR")
    } else {
        let (octet, country) = *r.pick(&FOREIGN);
        (format!("{octet}.{}.{}.{}", r.range(1, 254), r.range(0, 255), r.range(1, 254)), country)
    }
}

/// `count` requests through the production web ACLs.
pub fn background(world: &World, clock: &Clock, seed: u64, count: usize) -> Vec<WafEvent> {
    let mut rng = Rng::fork(seed, "waf-background");
    let mut out = Vec::with_capacity(count);
    let pages: Vec<u32> = PAGES.iter().map(|p| p.2).collect();
    while out.len() < count {
        let acl = &ACLS[rng.weighted(&[3, 1])];
        let account = world.account(acl.account).to_string();
        let at = clock.sample(&mut rng, Rhythm::Human);
        let (method, uri, _) = PAGES[rng.weighted(&pages)];
        let mut e = WafEvent {
            time: at,
            account: account.clone(),
            region: acl.region,
            acl_arn: acl.arn(&account),
            source_type: acl.source_type,
            source_id: format!("{account}-{}", acl.source),
            client_ip: String::new(),
            country: "KR",
            method,
            host: {
                let hosts: &[&'static str] = acl.hosts;
                hosts[rng.below(hosts.len() as u64) as usize]
            },
            uri: uri.to_string(),
            args: if uri == "/search" {
                format!("q={}", rng.pick(&["shoes", "bag", "coat", "gift"]))
            } else {
                String::new()
            },
            user_agent: rng.pick(&BROWSERS).to_string(),
            request_id: request_id(&mut rng),
            status: 200,
            rule_id: "Default_Action",
            rule_type: "REGULAR",
            condition: None,
            location: None,
            matched: Vec::new(),
            labels: Vec::new(),
            blocked: false,
        };
        (e.client_ip, e.country) = client(&mut rng, seed);
        if super::incidents_b::PLANTED_IPS.contains(&e.client_ip.as_str()) {
            continue;
        }
        if rng.chance(0.05) {
            let (rule, kind, condition, labels, agent) = *rng.pick(&BLOCKS);
            (e.client_ip, e.country) = client(&mut rng, seed ^ 0xB10C);
            if super::incidents_b::PLANTED_IPS.contains(&e.client_ip.as_str()) {
                continue;
            }
            e.rule_id = rule;
            e.rule_type = kind;
            e.condition = condition;
            e.labels = labels.to_vec();
            e.user_agent = agent.to_string();
            e.status = 403;
            e.blocked = true;
            if condition == Some("XSS") {
                e.location = Some("QUERY_STRING");
                e.args = "q=<script>alert(document.cookie)</script>".into();
                e.matched = vec!["<script>".into()];
                e.uri = "/search".into();
            }
        } else if rng.chance(0.03) {
            e.status = 404;
        }
        out.push(e);
    }
    out
}

/// A WAF-style request id.
pub fn request_id(rng: &mut Rng) -> String {
    format!("{}-{}", rng.iam_chars(10), rng.hex(8))
}
