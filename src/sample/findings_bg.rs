//! Everyday Security Hub findings: low-severity GuardDuty noise, Inspector CVEs, Macie, Config and control checks.
//!
//! Never an incident's pattern: no crypto-currency finding, no GuardDuty finding of High or Critical severity, no
//! check about world-open security groups, root credentials or CloudTrail logging.

use chrono::Duration;

use super::assets;
use super::findings::{Class, Finding};
use super::flow::Host;
use super::rng::Rng;
use super::timing::{Clock, Rhythm};
use super::world::World;

/// What a finding is about, which decides the resource it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Instance,
    Bucket,
    User,
    Function,
    Image,
    Database,
    Account,
}

/// One kind of finding: (weight, product, class, type, title with `{r}`, severity id, target, control, remediation).
struct Kind {
    weight: u32,
    product: &'static str,
    class: Class,
    kind: &'static str,
    title: &'static str,
    severity: i32,
    target: Target,
    control: &'static str,
    fix: &'static str,
}

const fn k(
    weight: u32,
    product: &'static str,
    class: Class,
    kind: &'static str,
    title: &'static str,
    severity: i32,
    target: Target,
) -> Kind {
    Kind { weight, product, class, kind, title, severity, target, control: "", fix: "" }
}

const fn c(weight: u32, control: &'static str, title: &'static str, severity: i32, target: Target) -> Kind {
    let mut kind = k(
        weight,
        "Security Hub",
        Class::Compliance,
        "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices",
        title,
        severity,
        target,
    );
    kind.control = control;
    kind.fix = "Follow the control's remediation steps in the Security Hub documentation.";
    kind
}

use Class::{Compliance, Detection, Vulnerability};
use Target::{Account, Bucket, Database, Function, Image, Instance, User};

const GD: &str = "GuardDuty";
const INSP: &str = "Inspector";
const CVE: &str = "Software and Configuration Checks/Vulnerabilities/CVE";

const KINDS: [Kind; 34] = [
    k(
        110,
        GD,
        Detection,
        "Recon:EC2/PortProbeUnprotectedPort",
        "Unprotected port on EC2 instance {r} is being probed.",
        2,
        Instance,
    ),
    k(70, GD, Detection, "UnauthorizedAccess:EC2/SSHBruteForce", "SSH brute force attacks against {r}.", 2, Instance),
    k(12, GD, Detection, "UnauthorizedAccess:EC2/RDPBruteForce", "RDP brute force attacks against {r}.", 2, Instance),
    k(
        10,
        GD,
        Detection,
        "Recon:EC2/PortProbeEMRUnprotectedPort",
        "Unprotected EMR-related port on EC2 instance {r} is being probed.",
        2,
        Instance,
    ),
    k(
        8,
        GD,
        Detection,
        "Behavior:EC2/NetworkPortUnusual",
        "EC2 instance {r} is communicating on an unusual server port 8088.",
        3,
        Instance,
    ),
    k(
        6,
        GD,
        Detection,
        "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
        "Multiple worldwide successful console logins were observed for {r}.",
        3,
        User,
    ),
    k(
        5,
        GD,
        Detection,
        "Stealth:IAMUser/PasswordPolicyChange",
        "Password policy was weakened in account {r}.",
        2,
        Account,
    ),
    k(4, GD, Detection, "Impact:EC2/WinRMBruteForce", "WinRM brute force attacks against {r}.", 2, Instance),
    k(
        4,
        GD,
        Detection,
        "Discovery:S3/AnomalousBehavior",
        "The API GetBucketAcl was invoked on {r} in an unusual way.",
        2,
        Bucket,
    ),
    k(
        3,
        GD,
        Detection,
        "Recon:IAMUser/MaliciousIPCaller.Custom",
        "Reconnaissance API calls were made by {r} from an IP on a custom threat list.",
        3,
        User,
    ),
    k(45, INSP, Vulnerability, CVE, "CVE-2023-48795 - openssh-client", 3, Instance),
    k(12, INSP, Vulnerability, CVE, "CVE-2024-6387 - openssh-server", 4, Instance),
    k(8, INSP, Vulnerability, CVE, "CVE-2023-4911 - glibc", 4, Instance),
    k(25, INSP, Vulnerability, CVE, "CVE-2024-0727 - openssl", 3, Image),
    k(6, INSP, Vulnerability, CVE, "CVE-2024-21626 - runc", 4, Image),
    k(20, INSP, Vulnerability, CVE, "CVE-2024-24786 - google.golang.org/protobuf", 3, Image),
    k(18, INSP, Vulnerability, CVE, "CVE-2022-25883 - semver", 3, Function),
    k(40, INSP, Vulnerability, CVE, "CVE-2023-29383 - shadow-utils", 2, Instance),
    k(2, INSP, Vulnerability, CVE, "CVE-2024-3094 - xz-utils", 5, Instance),
    k(
        10,
        "Macie",
        Detection,
        "Sensitive Data Identifications/PII/SensitiveData:S3Object-Personal",
        "The S3 object contains personal information in {r}.",
        3,
        Bucket,
    ),
    k(
        6,
        "Macie",
        Detection,
        "Software and Configuration Checks/AWS Security Best Practices/Policy:IAMUser-S3BucketEncryptionDisabled",
        "Default server-side encryption is disabled for {r}.",
        2,
        Bucket,
    ),
    k(
        6,
        "IAM Access Analyzer",
        Detection,
        "Software and Configuration Checks/AWS Security Best Practices/External Access Granted",
        "{r} allows cross-account access",
        2,
        Bucket,
    ),
    k(30, "Config", Compliance, "Software and Configuration Checks", "s3-bucket-versioning-enabled", 2, Bucket),
    k(
        25,
        "Config",
        Compliance,
        "Software and Configuration Checks",
        "ec2-instance-managed-by-systems-manager",
        2,
        Instance,
    ),
    k(15, "Config", Compliance, "Software and Configuration Checks", "rds-storage-encrypted", 3, Database),
    c(50, "EC2.8", "EC2.8 EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", 4, Instance),
    c(100, "S3.9", "S3.9 S3 general purpose bucket server access logging should be enabled", 3, Bucket),
    c(90, "SSM.1", "SSM.1 Amazon EC2 instances should be managed by AWS Systems Manager", 3, Instance),
    c(80, "IAM.3", "IAM.3 IAM users' access keys should be rotated every 90 days or less", 3, User),
    c(70, "Lambda.2", "Lambda.2 Lambda functions should use supported runtimes", 3, Function),
    c(60, "RDS.3", "RDS.3 RDS DB instances should have encryption at-rest enabled", 3, Database),
    c(25, "EC2.9", "EC2.9 Amazon EC2 instances should not have a public IPv4 address", 4, Instance),
    c(50, "ECR.2", "ECR.2 ECR private repositories should have tag immutability configured", 3, Image),
    c(40, "KMS.4", "KMS.4 AWS KMS key rotation should be enabled", 3, Account),
];

/// Container images scanned by Inspector.
const IMAGES: [&str; 4] = ["orders-api", "web-frontend", "batch-worker", "log-router"];

/// Generates background finding updates.
pub struct Background<'a> {
    world: &'a World,
    clock: &'a Clock,
    hosts: &'a [Host],
    rng: Rng,
}

impl<'a> Background<'a> {
    /// A generator over the world's accounts and hosts.
    pub fn new(world: &'a World, clock: &'a Clock, hosts: &'a [Host], seed: u64) -> Self {
        Self { world, clock, hosts, rng: Rng::fork(seed, "findings-background") }
    }

    /// About `count` finding rows (a finding and its later updates), unsorted.
    pub fn findings(&mut self, count: usize) -> Vec<Finding> {
        let weights: Vec<u32> = KINDS.iter().map(|k| k.weight).collect();
        let mut out = Vec::with_capacity(count + 4);
        while out.len() < count {
            let kind = &KINDS[self.rng.weighted(&weights)];
            let first = self.one(kind);
            let updates = if self.rng.chance(0.35) { self.rng.range(1, 3) } else { 0 };
            let mut last = first.clone();
            out.push(first);
            for _ in 0..updates {
                let mut next = last.clone();
                let later = next.time + Duration::hours(self.rng.range(2, 96));
                if later >= self.clock.now() {
                    break;
                }
                next.time = later;
                next.last_seen = later - Duration::minutes(self.rng.range(1, 90));
                next.status = *self.rng.pick(&["New", "In Progress", "Resolved", "Suppressed"]);
                out.push(next.clone());
                last = next;
            }
        }
        out
    }

    fn one(&mut self, kind: &Kind) -> Finding {
        let host = self.rng.pick(self.hosts).clone();
        let account = host.account.clone();
        let region = host.region;
        let (resource_type, resource_id, label) = self.resource(kind.target, &host);
        let first_seen = self.clock.sample(&mut self.rng, Rhythm::Machine);
        let created = first_seen + Duration::minutes(self.rng.range(5, 40));
        let time = created;
        let last_seen = first_seen + Duration::minutes(self.rng.range(0, 30));
        let title = kind.title.replace("{r}", &label);
        let (id, generator, url) = self.ids(kind, &account, region);
        let mut severity = kind.severity;
        let mut compliance = None;
        if kind.class == Compliance {
            let passed = self.rng.chance(0.55);
            if passed {
                severity = 1;
            }
            let control = if kind.control.is_empty() { kind.title } else { kind.control };
            compliance = Some((control.to_string(), if passed { "PASSED" } else { "FAILED" }));
        }
        let status = if compliance.as_ref().is_some_and(|c| c.1 == "PASSED") {
            "Resolved"
        } else {
            *self.rng.pick(&["New", "New", "New", "In Progress", "Suppressed"])
        };
        let fix = if kind.fix.is_empty() { remediation(kind) } else { kind.fix.to_string() };
        Finding {
            id,
            product: kind.product,
            generator,
            types: types(kind),
            desc: format!("{title} ({}).", kind.product),
            title,
            severity_id: severity,
            status,
            compliance,
            resource_type,
            resource_id,
            account,
            region,
            first_seen,
            last_seen,
            created,
            time,
            remediation: fix,
            url,
            confidence: (kind.product == GD).then(|| 5 + self.rng.range(0, 3) as i32 * 2),
            class: kind.class,
        }
    }

    /// (type, id, short label) of a resource of `target` near `host`.
    fn resource(&mut self, target: Target, host: &Host) -> (&'static str, String, String) {
        let (account, region) = (host.account.as_str(), host.region);
        let n = self.rng.below(1000);
        let name = self.world.accounts.iter().find(|a| a.id == account).map_or("acme", |a| a.name.as_str());
        match target {
            Instance => {
                let arn = format!("arn:aws:ec2:{region}:{account}:instance/{}", host.instance);
                ("AwsEc2Instance", arn, host.instance.clone())
            }
            Bucket => {
                let bucket = assets::bucket(name, n);
                ("AwsS3Bucket", format!("arn:aws:s3:::{bucket}"), bucket)
            }
            User => {
                let users: Vec<_> =
                    self.world.principals.iter().filter(|p| p.account == account && p.user_name.is_some()).collect();
                let user = users
                    .get(n as usize % users.len().max(1))
                    .and_then(|p| p.user_name.clone())
                    .unwrap_or_else(|| "ci-deploy".into());
                ("AwsIamUser", format!("arn:aws:iam::{account}:user/{user}"), user)
            }
            Function => {
                let f = assets::function(n);
                ("AwsLambdaFunction", format!("arn:aws:lambda:{region}:{account}:function:{f}"), f.to_string())
            }
            Image => {
                let repo = IMAGES[(n % 4) as usize];
                let digest = Rng::fork(n, repo).hex(64);
                let arn = format!("arn:aws:ecr:{region}:{account}:repository/{repo}/sha256:{digest}");
                ("AwsEcrContainerImage", arn, repo.to_string())
            }
            Database => {
                let db = assets::database(n);
                ("AwsRdsDbInstance", format!("arn:aws:rds:{region}:{account}:db:{db}"), db.to_string())
            }
            Account => ("AwsAccount", format!("AWS::::Account:{account}"), account.to_string()),
        }
    }

    /// (finding id, generator id, source URL) in each product's format.
    fn ids(&mut self, kind: &Kind, account: &str, region: &str) -> (String, String, String) {
        let detector = assets::id(account, &format!("gd-{region}"), 0, "")
            .chars()
            .chain("0123456789abcdef".chars())
            .take(32)
            .collect::<String>();
        let uid = self.rng.hex(32);
        match kind.product {
            GD => (
                format!("arn:aws:guardduty:{region}:{account}:detector/{detector}/finding/{uid}"),
                format!("arn:aws:guardduty:{region}:{account}:detector/{detector}"),
                format!(
                    "https://{region}.console.aws.amazon.com/guardduty/home?region={region}#/findings?search=id%3D{uid}"
                ),
            ),
            INSP => (
                format!("arn:aws:inspector2:{region}:{account}:finding/{uid}"),
                "AWSInspector".into(),
                format!("https://nvd.nist.gov/vuln/detail/{}", kind.title.split(' ').next().unwrap_or_default()),
            ),
            "Security Hub" => (
                format!(
                    "arn:aws:securityhub:{region}:{account}:security-control/{}/finding/{}",
                    kind.control,
                    self.rng.uuid()
                ),
                format!("security-control/{}", kind.control),
                format!("https://docs.aws.amazon.com/console/securityhub/{}/remediation", kind.control),
            ),
            "Config" => (
                format!("arn:aws:config:{region}:{account}:config-rule/config-rule-{}", self.rng.hex(6)),
                format!("arn:aws:config:{region}:{account}:config-rule/{}", kind.title),
                format!("https://docs.aws.amazon.com/config/latest/developerguide/{}.html", kind.title),
            ),
            other => (
                format!("arn:aws:{}:{region}:{account}:finding/{uid}", other.to_lowercase().replace(' ', "-")),
                other.to_lowercase().replace(' ', "-"),
                format!("https://{region}.console.aws.amazon.com/"),
            ),
        }
    }
}

/// ASFF types: GuardDuty's own type first (what people search for), then its namespaced form.
fn types(kind: &Kind) -> Vec<String> {
    if kind.product != GD {
        return vec![kind.kind.to_string()];
    }
    let ns = match kind.kind.split(':').next().unwrap_or_default() {
        "Recon" | "Discovery" => "TTPs/Discovery",
        "UnauthorizedAccess" => "TTPs/Initial Access",
        "Stealth" => "TTPs/Defense Evasion",
        "Impact" => "Effects",
        _ => "Unusual Behaviors/VM",
    };
    vec![kind.kind.to_string(), format!("{ns}/{}", kind.kind.replace('/', "-"))]
}

fn remediation(kind: &Kind) -> String {
    match (kind.product, kind.class) {
        (INSP, _) => format!("Update the affected package to the fixed version ({}).", kind.title),
        (GD, _) => "Review the finding details; block the source if the activity is not expected and check the resource's security groups.".into(),
        ("Config", _) => format!("Bring the resource into compliance with the {} rule.", kind.title),
        ("Macie", _) => "Review the objects, restrict access to the bucket and enable default encryption.".into(),
        (_, Vulnerability) => "Patch the affected software.".into(),
        _ => "Review the external access and remove it if it is not intended.".into(),
    }
}
