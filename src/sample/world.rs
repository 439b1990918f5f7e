//! The cast of the sample lake: accounts, regions, people, roles and services, with their IPs and user agents.

use chrono::{DateTime, Utc};

use super::event::{Identity, IdentityKind, Issuer, SessionContext};
use super::manifest::SampleAccount;
use super::rng::Rng;

/// The Seoul region, where most of the team's workloads run.
pub const SEOUL: &str = "ap-northeast-2";
/// The Virginia region, where IAM, STS and sign-in events are recorded.
pub const VIRGINIA: &str = "us-east-1";
/// Regions present in the lake.
pub const REGIONS: [&str; 2] = [SEOUL, VIRGINIA];
/// The office's NAT address every employee shares.
pub const OFFICE_IP: &str = "58.151.93.2";

/// User agents of the tools people and programs use.
pub mod agents {
    /// AWS CLI v2.
    pub const CLI: &str = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off";
    /// Python boto3.
    pub const BOTO3: &str = "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69";
    /// Go SDK v2 (Kubernetes controllers, agents).
    pub const GO_SDK: &str = "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64";
    /// Java SDK (application servers).
    pub const JAVA_SDK: &str = "aws-sdk-java/1.12.681 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS java/17.0.10 vendor/Amazon.com_Inc.";
    /// Terraform with the AWS provider.
    pub const TERRAFORM: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64";
    /// CloudFormation acting for a stack.
    pub const CLOUDFORMATION: &str = "cloudformation.amazonaws.com";
    /// The management console (generic).
    pub const CONSOLE: &str = "AWS Internal";
    /// The EC2 console.
    pub const EC2_CONSOLE: &str = "console.ec2.amazonaws.com";
    /// Browsers, for console sign-ins.
    pub const BROWSERS: [&str; 3] = [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
    ];
}

/// How a principal behaves, which decides what it calls, when, and with what tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A person with an IAM user or an SSO role: console and CLI, office hours.
    Human,
    /// A program with a role or an IAM user key: SDK reads around the clock.
    Automation,
    /// Terraform pipeline role.
    Terraform,
    /// CloudFormation acting for stacks.
    CloudFormation,
    /// An AWS service acting on its own (`AWSService`).
    Service,
}

/// Someone or something that makes calls.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `userIdentity.type`.
    pub kind: IdentityKind,
    /// Behaviour.
    pub style: Style,
    /// Account id.
    pub account: String,
    /// ARN (empty for AWS services).
    pub arn: String,
    /// `principalId`.
    pub principal_id: String,
    /// IAM user name.
    pub user_name: Option<String>,
    /// Long-term access key (IAM users who use the CLI or SDK).
    pub access_key: Option<String>,
    /// Role issuer (role sessions).
    pub issuer: Option<Issuer>,
    /// Service name (`invokedBy` / source of AWS service calls, and CloudFormation).
    pub service: Option<String>,
    /// Source IPs it calls from.
    pub ips: Vec<String>,
    /// Whether its console sessions use MFA.
    pub mfa: bool,
    /// Usual SDK/CLI user agent.
    pub agent: &'static str,
}

impl Principal {
    /// `userIdentity` for a call at `time`; `console` for a console session, `sign_in` for `ConsoleLogin`.
    pub fn identity(&self, seed: u64, time: DateTime<Utc>, console: bool, sign_in: bool) -> Identity {
        let mut id = Identity {
            kind: self.kind,
            principal_id: Some(self.principal_id.clone()),
            arn: Some(self.arn.clone()),
            account_id: Some(self.account.clone()),
            access_key_id: None,
            user_name: self.user_name.clone(),
            session: None,
            invoked_by: None,
        };
        match self.kind {
            IdentityKind::AwsService => {
                return Identity {
                    kind: self.kind,
                    principal_id: None,
                    arn: None,
                    account_id: None,
                    access_key_id: None,
                    user_name: None,
                    session: None,
                    invoked_by: self.service.clone(),
                };
            }
            _ if sign_in => return id,
            IdentityKind::IamUser if !console => id.access_key_id = self.access_key.clone(),
            _ => {
                let day = time.timestamp().div_euclid(86_400) as u64;
                let mut r = Rng::fork(seed ^ day, &self.arn);
                id.access_key_id = Some(format!("ASIA{}", r.iam_chars(16)));
                let created = time - chrono::Duration::seconds(r.range(60, 3000));
                let mfa = console && self.mfa;
                id.session = Some(SessionContext { mfa, created, issuer: self.issuer.clone() });
            }
        }
        if self.style == Style::CloudFormation {
            id.invoked_by = self.service.clone();
        }
        id
    }

    /// The name a person reads: user name, role session name, or service.
    pub fn display(&self) -> String {
        if let Some(name) = &self.user_name {
            return name.clone();
        }
        if let Some(service) = &self.service
            && self.kind == IdentityKind::AwsService
        {
            return service.clone();
        }
        self.arn.rsplit('/').next().unwrap_or(&self.arn).to_string()
    }
}

/// All accounts, regions and principals.
#[derive(Debug, Clone)]
pub struct World {
    /// Accounts with names.
    pub accounts: Vec<SampleAccount>,
    /// Principals of every account.
    pub principals: Vec<Principal>,
}

const ACCOUNTS: [(&str, &str); 3] =
    [("318205947761", "acme-prod"), ("574630192858", "acme-dev"), ("902417365524", "acme-shared-services")];

/// People with IAM users: (account index, name, uses MFA, home IP).
const PEOPLE: [(usize, &str, bool, &str); 7] = [
    (0, "minji.kim", true, "121.134.57.18"),
    (0, "jaehyun.park", true, "211.36.142.77"),
    (0, "hyunwoo.lee", true, "175.223.10.91"),
    (0, "seoyeon.choi", true, "118.235.14.62"),
    (1, "jiho.jung", true, "220.76.201.33"),
    (1, "yuna.han", false, "106.101.3.157"),
    (1, "sungmin.oh", true, "59.10.188.240"),
];

/// SSO people: (name, permission set suffix).
const SSO: [(&str, &str); 3] = [
    ("minji.kim@acme.co.kr", "AdministratorAccess_4f1c2a9d7e3b5a60"),
    ("seoyeon.choi@acme.co.kr", "AdministratorAccess_4f1c2a9d7e3b5a60"),
    ("jaehyun.park@acme.co.kr", "ReadOnlyAccess_9b2e6d01c4a87f35"),
];

/// Automation roles: (role name, session name, agent, Seoul IP, Virginia IP).
const ROBOTS: [(&str, &str, &str); 4] = [
    ("eks-node-group-role", "i-0a4b19c2d7e8f6a31", agents::GO_SDK),
    ("lambda-cost-report", "lambda-cost-report", agents::BOTO3),
    ("monitoring-readonly", "monitoring-poller", agents::BOTO3),
    ("app-backend-role", "i-07c3e5d9a1b2f4e68", agents::JAVA_SDK),
];

/// NAT addresses of each account's workloads.
const NAT_IPS: [[&str; 2]; 3] =
    [["3.35.182.44", "54.205.77.130"], ["43.201.17.9", "44.198.23.61"], ["52.79.211.106", "3.231.90.14"]];

/// The CI runner address Terraform runs from.
pub const CI_IP: &str = "52.79.211.106";

impl World {
    /// The fixed cast, with key ids drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::fork(seed, "world");
        let accounts: Vec<SampleAccount> =
            ACCOUNTS.iter().map(|(id, name)| SampleAccount { id: id.to_string(), name: name.to_string() }).collect();
        let mut principals = Vec::new();
        for (acct_ix, name, mfa, home) in PEOPLE {
            let account = ACCOUNTS[acct_ix].0;
            principals.push(Principal {
                kind: IdentityKind::IamUser,
                style: Style::Human,
                account: account.into(),
                arn: format!("arn:aws:iam::{account}:user/{name}"),
                principal_id: format!("AIDA{}", rng.iam_chars(17)),
                user_name: Some(name.into()),
                access_key: Some(format!("AKIA{}", rng.iam_chars(16))),
                issuer: None,
                service: None,
                ips: vec![OFFICE_IP.into(), home.into()],
                mfa,
                agent: agents::CLI,
            });
        }
        for (ix, (account, _)) in ACCOUNTS.iter().enumerate() {
            for (session, set) in SSO {
                let role = format!("AWSReservedSSO_{set}");
                let issuer = role_issuer(&mut rng, account, &role, "aws-reserved/sso.amazonaws.com/ap-northeast-2/");
                let home = PEOPLE.iter().find(|p| session.starts_with(p.1)).map_or(OFFICE_IP, |p| p.3);
                principals.push(role_session(
                    issuer,
                    session,
                    Style::Human,
                    vec![OFFICE_IP.into(), home.into()],
                    agents::CLI,
                ));
            }
            for (role, session, agent) in ROBOTS {
                let issuer = role_issuer(&mut rng, account, role, "");
                let ips = NAT_IPS[ix].iter().map(|s| s.to_string()).collect();
                principals.push(role_session(issuer, session, Style::Automation, ips, agent));
            }
            let tf = role_issuer(&mut rng, account, "terraform-deployer", "");
            principals.push(role_session(tf, "terraform-ci", Style::Terraform, vec![CI_IP.into()], agents::TERRAFORM));
            let cfn = role_issuer(&mut rng, account, "cfn-exec-role", "");
            let mut cfn = role_session(cfn, "AWSCloudFormation", Style::CloudFormation, vec![], agents::CLOUDFORMATION);
            cfn.service = Some("cloudformation.amazonaws.com".into());
            cfn.ips = vec!["cloudformation.amazonaws.com".into()];
            principals.push(cfn);
            for service in ["lambda.amazonaws.com", "ec2.amazonaws.com", "config.amazonaws.com"] {
                principals.push(Principal {
                    kind: IdentityKind::AwsService,
                    style: Style::Service,
                    account: account.to_string(),
                    arn: String::new(),
                    principal_id: String::new(),
                    user_name: None,
                    access_key: None,
                    issuer: None,
                    service: Some(service.into()),
                    ips: vec![service.into()],
                    mfa: false,
                    agent: "",
                });
            }
        }
        let ci = &ACCOUNTS[2].0;
        principals.push(Principal {
            kind: IdentityKind::IamUser,
            style: Style::Automation,
            account: ci.to_string(),
            arn: format!("arn:aws:iam::{ci}:user/ci-deploy"),
            principal_id: format!("AIDA{}", rng.iam_chars(17)),
            user_name: Some("ci-deploy".into()),
            access_key: Some(format!("AKIA{}", rng.iam_chars(16))),
            issuer: None,
            service: None,
            ips: vec![CI_IP.into()],
            mfa: false,
            agent: agents::BOTO3,
        });
        Self { accounts, principals }
    }

    /// Principals of `account` with `style`.
    pub fn of(&self, account: &str, style: Style) -> Vec<&Principal> {
        self.principals.iter().filter(|p| p.account == account && p.style == style).collect()
    }

    /// The IAM user `name`.
    pub fn user(&self, name: &str) -> &Principal {
        self.principals
            .iter()
            .find(|p| p.kind == IdentityKind::IamUser && p.user_name.as_deref() == Some(name))
            .expect("user is part of the fixed cast")
    }

    /// The account id at `index` (0 prod, 1 dev, 2 shared services).
    pub fn account(&self, index: usize) -> &str {
        &self.accounts[index].id
    }

    /// The root user of `account`.
    pub fn root(&self, account: &str, ip: &str) -> Principal {
        Principal {
            kind: IdentityKind::Root,
            style: Style::Human,
            account: account.into(),
            arn: format!("arn:aws:iam::{account}:root"),
            principal_id: account.into(),
            user_name: None,
            access_key: None,
            issuer: None,
            service: None,
            ips: vec![ip.into()],
            mfa: true,
            agent: agents::CONSOLE,
        }
    }
}

fn role_issuer(rng: &mut Rng, account: &str, role: &str, path: &str) -> Issuer {
    Issuer {
        arn: format!("arn:aws:iam::{account}:role/{path}{role}"),
        user_name: role.into(),
        principal_id: format!("AROA{}", rng.iam_chars(17)),
        account_id: account.into(),
    }
}

fn role_session(issuer: Issuer, session: &str, style: Style, ips: Vec<String>, agent: &'static str) -> Principal {
    Principal {
        kind: IdentityKind::AssumedRole,
        style,
        account: issuer.account_id.clone(),
        arn: format!("arn:aws:sts::{}:assumed-role/{}/{session}", issuer.account_id, issuer.user_name),
        principal_id: format!("{}:{session}", issuer.principal_id),
        user_name: None,
        access_key: None,
        service: None,
        ips,
        mfa: style == Style::Human,
        agent,
        issuer: Some(issuer),
    }
}
