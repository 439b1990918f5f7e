//! Attribution: who made a change (display name) and how (console, Terraform, CI, AWS service, …).

use serde::Serialize;

use super::envelope::CtEvent;

/// How a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// AWS Management Console (ClickOps).
    Console,
    /// HashiCorp Terraform AWS provider or S3 backend.
    Terraform,
    /// AWS CloudFormation (and CDK).
    CloudFormation,
    /// Pulumi's AWS provider.
    Pulumi,
    /// A CI/CD role (GitHub Actions, GitLab, Jenkins, Atlantis, …).
    Ci,
    /// An AWS service acting on its own.
    AwsService,
    /// AWS CLI or an SDK.
    CliSdk,
    /// Nothing recognisable.
    Unknown,
}

impl ActorKind {
    /// Short badge text shown next to the actor.
    pub fn badge(self) -> &'static str {
        match self {
            ActorKind::Console => "Console",
            ActorKind::Terraform => "Terraform",
            ActorKind::CloudFormation => "CloudFormation",
            ActorKind::Pulumi => "Pulumi",
            ActorKind::Ci => "CI",
            ActorKind::AwsService => "AWS service",
            ActorKind::CliSdk => "CLI/SDK",
            ActorKind::Unknown => "unknown",
        }
    }

    /// Whether a person is probably behind the change (console or CLI).
    pub fn is_human(self) -> bool {
        matches!(self, ActorKind::Console | ActorKind::CliSdk)
    }
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Actor {
    /// Display name: user name, role session name (with the role), `root`, or the invoking service.
    pub name: String,
    /// How the change was made.
    pub kind: ActorKind,
    /// The caller is the account's root user.
    pub root: bool,
}

const CI_MARKERS: &[&str] = &[
    "githubactions",
    "github-actions",
    "github_actions",
    "gitlab",
    "jenkins",
    "atlantis",
    "circleci",
    "buildkite",
    "codebuild",
    "spacelift",
    "bitbucket",
    "azure-pipelines",
    "drone",
];

const CONSOLE_UA_PREFIXES: &[&str] =
    &["Mozilla/", "[Mozilla/", "S3Console", "[S3Console", "signin.amazonaws.com", "AWS Signin"];

/// Attributes an event to an actor.
pub fn classify(ev: &CtEvent) -> Actor {
    let id_type = ev.identity.kind.as_str();
    let root = id_type == "Root";
    Actor { name: display_name(ev, id_type), kind: kind(ev, id_type), root }
}

fn kind(ev: &CtEvent, id_type: &str) -> ActorKind {
    let ua = ev.user_agent.as_str();
    let invoked_by = ev.identity.invoked_by.as_str();
    if invoked_by == "cloudformation.amazonaws.com" || ua.contains("cloudformation.amazonaws.com") {
        return ActorKind::CloudFormation;
    }
    if ua.contains("Terraform/") || ua.contains("HashiCorp-terraform") {
        return ActorKind::Terraform;
    }
    if ua.contains("Pulumi/") || ua.contains("Pulumi-Aws") {
        return ActorKind::Pulumi;
    }
    if id_type == "AWSService" || ev.event_type == "AwsServiceEvent" {
        return ActorKind::AwsService;
    }
    if is_ci(ev) {
        return ActorKind::Ci;
    }
    if ev.from_console
        || CONSOLE_UA_PREFIXES.iter().any(|p| ua.starts_with(p))
        || (ua.starts_with("console.") && ua.contains("amazonaws.com"))
        || ua.contains("AWSLambdaConsole")
        || ev.name == "ConsoleLogin"
    {
        return ActorKind::Console;
    }
    if !invoked_by.is_empty() && invoked_by.ends_with("amazonaws.com") {
        return ActorKind::AwsService;
    }
    let lower = ua.to_ascii_lowercase();
    if ["aws-cli/", "boto3/", "botocore/", "aws-sdk-", "aws-internal", "cloudshell"].iter().any(|p| lower.contains(p)) {
        return ActorKind::CliSdk;
    }
    ActorKind::Unknown
}

fn is_ci(ev: &CtEvent) -> bool {
    let session = session_name(ev).unwrap_or_default();
    let marked = |text: &str| CI_MARKERS.iter().any(|m| contains_ignore_ascii_case(text, m));
    marked(&ev.identity.issuer) || marked(session) || ev.identity.kind == "WebIdentityUser"
}

/// Whether `text` contains `needle` (lower-case ASCII), ignoring ASCII case, without allocating.
fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.len() >= needle.len()
        && text.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn session_name(ev: &CtEvent) -> Option<&str> {
    let arn = ev.identity.arn.as_str();
    arn.contains(":assumed-role/").then(|| arn.rsplit('/').next()).flatten()
}

fn display_name(ev: &CtEvent, id_type: &str) -> String {
    let id = &ev.identity;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    match id_type {
        "Root" => "root".into(),
        "AWSService" => non_empty(&id.invoked_by).unwrap_or_else(|| "AWS service".into()),
        "AssumedRole" => {
            let role = id.issuer.as_str();
            match (session_name(ev), role) {
                (Some(s), "") => s.to_owned(),
                (Some(s), r) if s == r => s.to_owned(),
                (Some(s), r) => format!("{s} ({r})"),
                (None, r) if !r.is_empty() => r.to_owned(),
                _ => "assumed role".into(),
            }
        }
        _ => non_empty(&id.user_name)
            .or_else(|| id.arn.rsplit('/').next().and_then(non_empty))
            .or_else(|| non_empty(&id.principal_id))
            .unwrap_or_else(|| "unknown".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn ev(identity: Value, ua: &str) -> CtEvent {
        let rec = json!({"eventID": "e", "eventName": "CreateRole", "eventTime": "2026-01-01T00:00:00Z",
                         "userIdentity": identity, "userAgent": ua});
        CtEvent::from_record(rec, None).unwrap()
    }

    fn role(role: &str, session: &str) -> Value {
        json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::1:assumed-role/{role}/{session}"),
               "sessionContext": {"sessionIssuer": {"userName": role}}})
    }

    #[test]
    fn terraform_user_agents_are_recognised_in_new_and_old_forms() {
        let new = "APN/1.0 HashiCorp/1.0 Terraform/1.5.2 (+https://www.terraform.io) terraform-provider-aws/5.7.0";
        let old = "aws-sdk-go/1.20.4 (go1.12.5; darwin; amd64) APN/1.0 HashiCorp/1.0 Terraform/0.12.2";
        assert_eq!(classify(&ev(role("deployer", "s"), new)).kind, ActorKind::Terraform);
        assert_eq!(classify(&ev(role("deployer", "s"), old)).kind, ActorKind::Terraform);
    }

    #[test]
    fn pulumi_is_not_mistaken_for_terraform() {
        let ua = "APN/1.0 Pulumi/1.0 Pulumi-Aws/6.0.0 (+https://www.pulumi.com)";
        assert_eq!(classify(&ev(role("deployer", "s"), ua)).kind, ActorKind::Pulumi);
    }

    #[test]
    fn ci_roles_console_cloudformation_services_and_cli_are_told_apart() {
        assert_eq!(classify(&ev(role("GitHubActionsDeploy", "run-1"), "aws-cli/2.0")).kind, ActorKind::Ci);
        let console = classify(&ev(role("AWSReservedSSO_Admin_1", "alice@example.com"), "console.ec2.amazonaws.com"));
        assert_eq!(console.kind, ActorKind::Console);
        assert_eq!(console.name, "alice@example.com (AWSReservedSSO_Admin_1)");
        let mut cfn = role("cfn", "s");
        cfn["invokedBy"] = json!("cloudformation.amazonaws.com");
        assert_eq!(classify(&ev(cfn, "cloudformation.amazonaws.com")).kind, ActorKind::CloudFormation);
        let svc = classify(&ev(json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}), "ec2.amazonaws.com"));
        assert_eq!((svc.kind, svc.name.as_str()), (ActorKind::AwsService, "ec2.amazonaws.com"));
        let cli = classify(&ev(json!({"type": "IAMUser", "userName": "bob"}), "aws-cli/2.15.0 Python/3.11"));
        assert_eq!((cli.kind, cli.name.as_str()), (ActorKind::CliSdk, "bob"));
    }

    #[test]
    fn root_is_named_root() {
        let a = classify(&ev(json!({"type": "Root", "arn": "arn:aws:iam::1:root"}), "Mozilla/5.0"));
        assert!(a.root);
        assert_eq!((a.name.as_str(), a.kind), ("root", ActorKind::Console));
    }
}
