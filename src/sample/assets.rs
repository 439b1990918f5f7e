//! Stable resource names per account (instances, groups, buckets, keys, …) the background events refer to.

use super::rng::Rng;

/// `prefix` (ending in `0`) + 16 hex digits, like real 17-digit EC2 ids, fixed for (`account`, `kind`, `n`).
pub fn id(account: &str, kind: &str, n: u64, prefix: &str) -> String {
    let mut r = Rng::fork(n, &format!("{account}/{kind}"));
    format!("{prefix}{}", r.hex(16))
}

/// One of the account's EC2 instance ids.
pub fn instance(account: &str, n: u64) -> String {
    id(account, "instance", n % 6, "i-0")
}

/// One of the account's security group ids.
pub fn security_group(account: &str, n: u64) -> String {
    id(account, "sg", n % 5, "sg-0")
}

/// One of the account's S3 bucket names.
pub fn bucket(account_name: &str, n: u64) -> String {
    const KINDS: [&str; 5] = ["app-assets", "logs", "backups", "terraform-state", "data-exports"];
    format!("{account_name}-{}", KINDS[(n % 5) as usize])
}

/// The account's KMS key ARN in `region`.
pub fn kms_key(account: &str, region: &str) -> String {
    let mut r = Rng::fork(0, &format!("{account}/{region}/kms"));
    let (a, b, c, d, e) = (r.hex(8), r.hex(4), r.hex(4), r.hex(4), r.hex(12));
    format!("arn:aws:kms:{region}:{account}:key/{a}-{b}-{c}-{d}-{e}")
}

/// The organisation trail ARN kept in `account`.
pub fn trail(account: &str) -> String {
    format!("arn:aws:cloudtrail:us-east-1:{account}:trail/org-security-trail")
}

/// One of the account's RDS instance identifiers.
pub fn database(n: u64) -> &'static str {
    ["orders-db", "users-db", "analytics-db"][(n % 3) as usize]
}

/// One of the account's Lambda function names.
pub fn function(n: u64) -> &'static str {
    ["cost-report", "image-resizer", "slack-notifier", "log-shipper"][(n % 4) as usize]
}

/// One of the account's application roles (targets of policy changes).
pub fn app_role(n: u64) -> &'static str {
    ["app-backend-role", "lambda-cost-report", "eks-node-group-role", "monitoring-readonly", "batch-jobs-role"]
        [(n % 5) as usize]
}
