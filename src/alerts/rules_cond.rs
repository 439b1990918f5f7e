//! What a rule can look at besides the event's key: the caller's principal type and named conditions over the
//! request (open CIDRs, egress flags, public or cross-account grants, admin policies, MFA and federated sign-ins).

use serde::Deserialize;
use serde_json::Value;

use super::envelope::CtEvent;

/// The kind of caller, from `userIdentity.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// The account's root user.
    Root,
    /// An IAM user.
    IamUser,
    /// An assumed-role session (including IAM Identity Center).
    AssumedRole,
    /// A federated caller: `FederatedUser`, `SAMLUser`, `WebIdentityUser`.
    Federated,
    /// An AWS service acting on its own (`AWSService`).
    AwsService,
    /// Another AWS account (`AWSAccount`).
    AwsAccount,
}

impl Principal {
    /// The principal type of `ev`'s caller, or `None` for types asklake does not know.
    pub fn of(ev: &CtEvent) -> Option<Self> {
        Some(match ev.identity.kind.as_str() {
            "Root" => Self::Root,
            "IAMUser" => Self::IamUser,
            "AssumedRole" => Self::AssumedRole,
            "FederatedUser" | "SAMLUser" | "WebIdentityUser" => Self::Federated,
            "AWSService" => Self::AwsService,
            "AWSAccount" => Self::AwsAccount,
            _ => return None,
        })
    }
}

/// A named condition, implemented here; rules list them under `when` (all must hold) or `unless` (none may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// A CIDR of `0.0.0.0/0` or `::/0` anywhere in the request.
    OpenCidr,
    /// The request is about outbound traffic: an `egress` / `IsEgress` flag set to true.
    Egress,
    /// `AdministratorAccess`, or an inline policy allowing `*`.
    AdminPolicy,
    /// `CreateAccessKey` (or a login profile) naming a user other than the calling IAM user.
    ForOtherUser,
    /// A grant to everyone: a resource policy statement allowing `*` without a condition, an ACL to all users,
    /// `group: all` on a snapshot or image, `valuesToAdd: ["all"]`, or a Lambda permission for `*`.
    PublicGrant,
    /// Access added for another account: a share list (`createVolumePermission`, `launchPermission`,
    /// `valuesToAdd`) gaining an account id, or a Lambda permission for another account.
    SharedOutside,
    /// A console sign-in that succeeded.
    LoginSucceeded,
    /// A console sign-in that failed.
    LoginFailed,
    /// MFA was used: `additionalEventData.MFAUsed = Yes` or an MFA-authenticated session.
    MfaUsed,
    /// A federated sign-in (SAML or OIDC, IAM Identity Center): MFA, if any, is the identity provider's.
    FederatedSignIn,
    /// The call was made by an AWS service on the caller's behalf (`invokedBy`, or an `AwsServiceEvent`).
    InvokedByService,
    /// The call failed (`errorCode`, or a failed sign-in).
    Failed,
    /// A build environment variable whose name says it holds a secret, stored as plain text.
    PlaintextSecret,
}

impl Condition {
    /// Whether the condition holds for `ev`.
    pub fn holds(self, ev: &CtEvent) -> bool {
        // Built on demand: most conditions never look at the request.
        let req = || ev.value_at("requestParameters");
        match self {
            Self::OpenCidr => req().is_some_and(|v| any_string(v, &|s| s == "0.0.0.0/0" || s == "::/0")),
            Self::Egress => req().is_some_and(is_egress),
            Self::AdminPolicy => req().is_some_and(is_admin_policy),
            Self::ForOtherUser => {
                let target = ev.str_at("requestParameters.userName").unwrap_or_default();
                !target.is_empty() && (target != ev.identity.user_name || ev.identity.kind != "IAMUser")
            }
            Self::PublicGrant => req().is_some_and(is_public_grant),
            Self::SharedOutside => req().is_some_and(|r| shares_outside(r, &ev.account)),
            Self::LoginSucceeded => ev.str_at("responseElements.ConsoleLogin") == Some("Success"),
            Self::LoginFailed => ev.name == "ConsoleLogin" && ev.failed,
            Self::MfaUsed => {
                ev.str_at("additionalEventData.MFAUsed").is_some_and(|m| m.eq_ignore_ascii_case("yes"))
                    || text_at(ev, "userIdentity.sessionContext.attributes.mfaAuthenticated").as_deref() == Some("true")
            }
            Self::FederatedSignIn => is_federated_sign_in(ev),
            Self::InvokedByService => !ev.identity.invoked_by.is_empty() || ev.event_type == "AwsServiceEvent",
            Self::Failed => ev.failed,
            Self::PlaintextSecret => req().is_some_and(has_plaintext_secret),
        }
    }
}

/// The value at `path` as text (strings as they are, other values as JSON), or `None` when absent.
pub fn text_at(ev: &CtEvent, path: &str) -> Option<String> {
    Some(match ev.value_at(path)? {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn any_string(v: &Value, pred: &dyn Fn(&str) -> bool) -> bool {
    match v {
        Value::String(s) => pred(s),
        Value::Array(a) => a.iter().any(|x| any_string(x, pred)),
        Value::Object(m) => m.values().any(|x| any_string(x, pred)),
        _ => false,
    }
}

fn is_egress(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| {
            let flag = k.eq_ignore_ascii_case("egress") || k.eq_ignore_ascii_case("isEgress");
            (flag && (x == &Value::Bool(true) || x.as_str() == Some("true"))) || is_egress(x)
        }),
        Value::Array(a) => a.iter().any(is_egress),
        _ => false,
    }
}

fn is_federated_sign_in(ev: &CtEvent) -> bool {
    let saml = ev.value_at("additionalEventData.SamlProviderArn").is_some();
    let federated_type =
        matches!(ev.identity.kind.as_str(), "AssumedRole" | "FederatedUser" | "SAMLUser" | "WebIdentityUser");
    saml || federated_type
}

/// Statements of a policy given as JSON text or as an object.
fn statements(policy: &Value) -> Vec<Value> {
    let doc = match policy {
        Value::String(s) => serde_json::from_str::<Value>(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn is_admin_policy(req: &Value) -> bool {
    if any_string(req, &|a| a.starts_with("arn:aws") && a.ends_with(":policy/AdministratorAccess")) {
        return true;
    }
    ["policyDocument", "policy"].iter().filter_map(|k| req.get(*k)).flat_map(statements).any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && any_string(s.get("Action").unwrap_or(&Value::Null), &|a| a == "*" || a == "*:*")
    })
}

const POLICY_KEYS: &[&str] = &["bucketPolicy", "policy", "policyText", "resourcePolicy", "policyDocument"];

fn is_public_grant(req: &Value) -> bool {
    let open_statement = |s: &Value| {
        let principal = s.get("Principal").unwrap_or(&Value::Null);
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && (principal.as_str() == Some("*") || principal.get("AWS").is_some_and(|a| any_string(a, &|x| x == "*")))
            && s.get("Condition").is_none_or(|c| c.as_object().is_some_and(|m| m.is_empty()))
    };
    let policy_public =
        POLICY_KEYS.iter().filter_map(|k| req.get(*k)).any(|p| statements(p).iter().any(open_statement));
    let all = |v: &Value| any_string(v, &|s| s == "all");
    policy_public
        || any_string(req, &|s| s.ends_with("/global/AllUsers") || s.ends_with("/global/AuthenticatedUsers"))
        || req.pointer("/createVolumePermission/add").is_some_and(all)
        || req.pointer("/launchPermission/add").is_some_and(all)
        || req.get("valuesToAdd").is_some_and(all)
        || req.get("accountIdsToAdd").is_some_and(all)
        || req.get("principal").and_then(Value::as_str) == Some("*")
}

fn shares_outside(req: &Value, own: &str) -> bool {
    let other = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) && s != own;
    let in_text = |s: &str| other(s) || s.split(':').any(other);
    let principals = |s: &Value| s.get("Principal").is_some_and(|p| any_string(p, &in_text));
    ["/createVolumePermission/add", "/launchPermission/add", "/valuesToAdd", "/accountIdsToAdd"]
        .iter()
        .filter_map(|p| req.pointer(p))
        .any(|v| any_string(v, &in_text))
        || req.get("principal").and_then(Value::as_str).is_some_and(in_text)
        || POLICY_KEYS.iter().filter_map(|k| req.get(*k)).flat_map(statements).any(|s| principals(&s))
}

const SECRET_WORDS: &[&str] = &["SECRET", "PASSWORD", "PASSWD", "TOKEN", "ACCESS_KEY", "PRIVATE_KEY", "API_KEY"];

fn has_plaintext_secret(req: &Value) -> bool {
    let Some(vars) = req.pointer("/environment/environmentVariables").and_then(Value::as_array) else {
        return false;
    };
    vars.iter().any(|v| {
        let name = v.get("name").and_then(Value::as_str).unwrap_or_default().to_ascii_uppercase();
        let plain = v.get("type").and_then(Value::as_str).is_none_or(|t| t == "PLAINTEXT");
        plain && SECRET_WORDS.iter().any(|w| name.contains(w))
    })
}
