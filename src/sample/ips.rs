//! Where the background cast calls from: office, home and VPN egress for people, VPC-endpoint (private) addresses
//! for workloads, and CI runner pools; pools grow with the lake so a big lake has thousands of source IPs.
//!
//! Each principal keeps drawing from its own fixed pool, so a "new IP for this principal" stays rare: only the
//! planted incidents bring addresses a principal has never used.

use super::incidents::PLANTED_IPS;
use super::rng::Rng;
use super::world::{Principal, Style, World, agents};

/// The corporate VPN's egress addresses, shared by everyone.
pub const VPN_IPS: [&str; 8] = [
    "211.45.62.10",
    "211.45.62.11",
    "211.45.62.12",
    "211.45.62.13",
    "211.45.62.14",
    "211.45.62.15",
    "211.45.62.16",
    "211.45.62.17",
];

/// First octets of the hosted CI runner ranges.
const RUNNER_FIRST: [u8; 5] = [4, 13, 20, 40, 52];

/// Addresses per workload or CI pool for a lake of `rows` rows (4 to 200).
pub fn pool_size(rows: usize) -> usize {
    (rows / 1000).clamp(4, 200)
}

/// The world's principals with their address pools widened, plus one CI role per account.
pub fn widen(world: &World, pool: usize, seed: u64) -> Vec<Principal> {
    let mut rng = Rng::fork(seed, "source-ips");
    let mut out = Vec::with_capacity(world.principals.len() + 3);
    for p in &world.principals {
        let mut p = p.clone();
        match p.style {
            Style::Human if p.ips.len() == 2 => p.ips.extend(VPN_IPS.iter().map(|s| s.to_string())),
            Style::Automation if p.issuer.is_some() => {
                let second = 20 + 10 * world.accounts.iter().position(|a| a.id == p.account).unwrap_or(0);
                p.ips.extend(private_pool(&mut rng, second, pool));
            }
            _ => {}
        }
        out.push(p);
    }
    for account in &world.accounts {
        if let Some(ci) = ci_role(world, &account.id, &mut rng, pool) {
            out.push(ci);
        }
    }
    out
}

/// `n` distinct VPC addresses in the workload block of a VPC (`10.<second>.64-127.x`).
fn private_pool(rng: &mut Rng, second: usize, n: usize) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    while set.len() < n {
        set.insert(format!("10.{second}.{}.{}", rng.range(64, 127), rng.range(2, 254)));
    }
    set.into_iter().collect()
}

/// A GitHub Actions deploy role assumed through OIDC from a pool of hosted runner addresses.
fn ci_role(world: &World, account: &str, rng: &mut Rng, pool: usize) -> Option<Principal> {
    let template = world.of(account, Style::Automation).into_iter().find(|p| p.issuer.is_some())?;
    let mut ci = template.clone();
    let mut issuer = ci.issuer.clone()?;
    issuer.arn = format!("arn:aws:iam::{account}:role/github-actions-deploy");
    issuer.user_name = "github-actions-deploy".into();
    issuer.principal_id = format!("AROA{}", rng.iam_chars(17));
    ci.arn = format!("arn:aws:sts::{account}:assumed-role/github-actions-deploy/GitHubActions");
    ci.principal_id = format!("{}:GitHubActions", issuer.principal_id);
    ci.issuer = Some(issuer);
    ci.agent = agents::BOTO3;
    let mut ips = std::collections::BTreeSet::new();
    while ips.len() < pool {
        let ip =
            format!("{}.{}.{}.{}", rng.pick(&RUNNER_FIRST), rng.range(1, 254), rng.range(0, 255), rng.range(1, 254));
        if !PLANTED_IPS.contains(&ip.as_str()) {
            ips.insert(ip);
        }
    }
    ci.ips = ips.into_iter().collect();
    Some(ci)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_lake_has_thousands_of_addresses_and_pools_never_hold_a_planted_one() {
        let world = World::new(3);
        let principals = widen(&world, pool_size(200_000), 3);
        let all: std::collections::BTreeSet<&str> =
            principals.iter().flat_map(|p| p.ips.iter().map(String::as_str)).collect();
        assert!(all.len() >= 2_000, "only {} addresses", all.len());
        assert!(PLANTED_IPS.iter().all(|ip| !all.contains(ip)));
        assert!(principals.iter().any(|p| p.arn.contains("github-actions-deploy")));
    }
}
