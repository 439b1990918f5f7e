//! EKS audit events (`eks_audit_2_0`): the Kubernetes API traffic of two clusters, from nodes, controllers,
//! service accounts, CI and people.
//!
//! Nothing here is anonymous (`system:anonymous`), nothing opens `pods/exec`, `pods/attach` or
//! `pods/portforward`, and the CI service account only ever works from the CI runner's address.

use chrono::{DateTime, Duration, Utc};

use super::rng::Rng;
use super::timing::{Clock, Rhythm};
use super::world::{CI_IP, OFFICE_IP, SEOUL, World};

/// EKS audit table of the sample lake.
pub const TABLE: &str = "eks_audit_2_0";

/// One Kubernetes API request as the audit log records it.
#[derive(Debug, Clone, PartialEq)]
pub struct K8sEvent {
    /// `stageTimestamp`.
    pub time: DateTime<Utc>,
    /// Account of the cluster.
    pub account: String,
    /// Region of the cluster.
    pub region: &'static str,
    /// Cluster name.
    pub cluster: String,
    /// `auditID`.
    pub audit_id: String,
    /// `verb`.
    pub verb: &'static str,
    /// `objectRef.resource`.
    pub resource: &'static str,
    /// `objectRef.subresource`.
    pub subresource: Option<&'static str>,
    /// `objectRef.namespace`.
    pub namespace: Option<String>,
    /// `objectRef.name`.
    pub name: Option<String>,
    /// `user.username`.
    pub user: String,
    /// `user.groups`.
    pub groups: Vec<String>,
    /// IAM role ARN behind the user, if an IAM principal.
    pub issuer: Option<String>,
    /// `sourceIPs[0]`.
    pub source_ip: String,
    /// `userAgent`.
    pub user_agent: String,
    /// `responseStatus.code`.
    pub code: i32,
    /// Authorizer decision (`allow` / `forbid`).
    pub allowed: bool,
    /// Authorizer reason.
    pub reason: String,
}

impl K8sEvent {
    /// `requestURI` built from the object reference.
    pub fn uri(&self) -> String {
        let prefix = match self.resource {
            "deployments" | "replicasets" | "daemonsets" => "/apis/apps/v1",
            "leases" => "/apis/coordination.k8s.io/v1",
            "clusterrolebindings" | "rolebindings" => "/apis/rbac.authorization.k8s.io/v1",
            _ => "/api/v1",
        };
        let mut uri = prefix.to_string();
        if let Some(ns) = &self.namespace {
            uri.push_str(&format!("/namespaces/{ns}"));
        }
        uri.push('/');
        uri.push_str(self.resource);
        if let Some(name) = &self.name {
            uri.push('/');
            uri.push_str(name);
        }
        if let Some(sub) = self.subresource {
            uri.push('/');
            uri.push_str(sub);
        }
        if self.subresource == Some("exec") {
            uri.push_str("?command=sh&container=app&stdin=true&stdout=true&tty=true");
        }
        if self.verb == "watch" {
            uri.push_str("?watch=true&timeoutSeconds=420");
        }
        uri
    }
}

/// The clusters: (account index, name, node CIDR prefix).
pub const CLUSTERS: [(usize, &str, &str); 2] = [(0, "prod-apne2", "10.20"), (1, "dev-apne2", "10.30")];

const KUBECTL: &str = "kubectl/v1.29.2 (darwin/arm64) kubernetes/4b8e819";
const KUBELET: &str = "kubelet/v1.29.0-eks-5e0fdde (linux/amd64) kubernetes/cb6b6b8";

/// Who talks to the API server, with their weight, verbs and resources.
struct Caller {
    weight: u32,
    user: &'static str,
    groups: &'static [&'static str],
    agent: &'static str,
    calls: &'static [(&'static str, &'static str, Option<&'static str>, &'static str)],
}

const NODE_GROUPS: &[&str] = &["system:bootstrappers", "system:nodes", "system:authenticated"];
const SA_GROUPS: &[&str] = &["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"];

/// (verb, resource, subresource, namespace or "" for cluster-scoped).
const CALLERS: [Caller; 7] = [
    Caller {
        weight: 34,
        user: "system:node",
        groups: NODE_GROUPS,
        agent: KUBELET,
        calls: &[
            ("get", "nodes", None, ""),
            ("patch", "nodes", Some("status"), ""),
            ("update", "leases", None, "kube-node-lease"),
            ("get", "leases", None, "kube-node-lease"),
            ("list", "pods", None, ""),
            ("watch", "pods", None, ""),
            ("get", "configmaps", None, "kube-system"),
            ("patch", "pods", Some("status"), "payments"),
        ],
    },
    Caller {
        weight: 18,
        user: "system:kube-controller-manager",
        groups: &["system:authenticated"],
        agent: "kube-controller-manager/v1.29.0 (linux/amd64) kubernetes/cb6b6b8/leader-election",
        calls: &[
            ("update", "leases", None, "kube-system"),
            ("get", "leases", None, "kube-system"),
            ("update", "endpoints", None, "payments"),
            ("update", "replicasets", Some("status"), "payments"),
            ("create", "events", None, "payments"),
        ],
    },
    Caller {
        weight: 8,
        user: "system:kube-scheduler",
        groups: &["system:authenticated"],
        agent: "kube-scheduler/v1.29.0 (linux/amd64) kubernetes/cb6b6b8/scheduler",
        calls: &[("update", "leases", None, "kube-system"), ("create", "pods", Some("binding"), "payments")],
    },
    Caller {
        weight: 16,
        user: "system:serviceaccount:kube-system:aws-node",
        groups: SA_GROUPS,
        agent: "aws-node/v1.16.0 (linux/amd64)",
        calls: &[("get", "nodes", None, ""), ("list", "pods", None, ""), ("watch", "pods", None, "")],
    },
    Caller {
        weight: 12,
        user: "system:serviceaccount:monitoring:prometheus",
        groups: &["system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"],
        agent: "prometheus/v2.51.0",
        calls: &[("list", "pods", None, ""), ("watch", "endpoints", None, ""), ("list", "nodes", None, "")],
    },
    Caller {
        weight: 2,
        user: "system:serviceaccount:ci:build-runner",
        groups: &["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
        agent: "argocd-cli/v2.10.4 (linux/amd64)",
        calls: &[("get", "deployments", None, "payments"), ("patch", "deployments", None, "payments")],
    },
    Caller {
        weight: 10,
        user: "sso",
        groups: &["system:authenticated"],
        agent: KUBECTL,
        calls: &[
            ("get", "pods", None, "payments"),
            ("list", "pods", None, "payments"),
            ("get", "pods", Some("log"), "payments"),
            ("get", "deployments", None, "payments"),
            ("patch", "deployments", None, "payments"),
            ("list", "secrets", None, "payments"),
            ("get", "configmaps", None, "kube-system"),
            ("list", "clusterrolebindings", None, ""),
        ],
    },
];

/// The CI service account that deploys with a token from the CI runner.
pub const CI_USER: &str = "system:serviceaccount:ci:build-runner";

/// `count` audit events of everyday cluster traffic.
pub fn background(world: &World, clock: &Clock, seed: u64, count: usize) -> Vec<K8sEvent> {
    let mut rng = Rng::fork(seed, "eks-background");
    let weights: Vec<u32> = CALLERS.iter().map(|c| c.weight).collect();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let (ix, cluster, net) = CLUSTERS[rng.weighted(&[3, 2])];
        let account = world.account(ix).to_string();
        let caller = &CALLERS[rng.weighted(&weights)];
        let (verb, resource, sub, ns) = *rng.pick(caller.calls);
        let human = caller.user == "sso";
        let at = clock.sample(&mut rng, if human { Rhythm::Human } else { Rhythm::Machine });
        let node = format!("ip-{net}-{}-{}", rng.range(1, 3), rng.range(10, 60)).replace('.', "-");
        let (user, issuer, ip) = match caller.user {
            "system:node" => (
                format!("system:node:{node}.ap-northeast-2.compute.internal"),
                Some(format!("arn:aws:iam::{account}:role/eks-node-group-role")),
                node.trim_start_matches("ip-").replace('-', "."),
            ),
            "sso" => {
                let who = *rng.pick(&["minji.kim@acme.co.kr", "seoyeon.choi@acme.co.kr", "jaehyun.park@acme.co.kr"]);
                let role = "AWSReservedSSO_AdministratorAccess_4f1c2a9d7e3b5a60";
                (format!("arn:aws:sts::{account}:assumed-role/{role}/{who}"), None, OFFICE_IP.to_string())
            }
            CI_USER => (CI_USER.to_string(), None, CI_IP.to_string()),
            u if u.starts_with("system:serviceaccount") => {
                (u.to_string(), None, format!("{net}.{}.{}", rng.range(1, 3), rng.range(100, 200)))
            }
            u => (u.to_string(), None, format!("{net}.0.{}", rng.range(2, 9))),
        };
        let name = match verb {
            "list" | "watch" => None,
            _ if resource == "nodes" => Some(format!("{node}.ap-northeast-2.compute.internal")),
            _ => Some(object_name(&mut rng, resource)),
        };
        let missing = verb == "get" && rng.chance(0.02);
        out.push(K8sEvent {
            time: at,
            account,
            region: SEOUL,
            cluster: cluster.to_string(),
            audit_id: rng.uuid(),
            verb,
            resource,
            subresource: sub,
            namespace: (!ns.is_empty()).then(|| ns.to_string()),
            name,
            user,
            groups: caller.groups.iter().map(|g| g.to_string()).collect(),
            issuer,
            source_ip: ip,
            user_agent: caller.agent.to_string(),
            code: if missing {
                404
            } else if verb == "create" {
                201
            } else {
                200
            },
            allowed: true,
            reason: rbac_reason(caller.user),
        });
    }
    out
}

/// A plausible object name for `resource`.
pub fn object_name(rng: &mut Rng, resource: &str) -> String {
    match resource {
        "pods" => format!("payments-api-7d9f8c6b5-{}", rng.hex(5)),
        "deployments" | "endpoints" | "replicasets" => "payments-api".into(),
        "leases" => (*rng.pick(&["kube-controller-manager", "kube-scheduler", "cloud-controller-manager"])).into(),
        "configmaps" => (*rng.pick(&["aws-auth", "coredns", "kube-proxy"])).into(),
        _ => format!("{resource}-{}", rng.hex(4)),
    }
}

fn rbac_reason(user: &str) -> String {
    let binding = match user {
        "system:node" => "system:node",
        "sso" => "eks-cluster-admin",
        u if u.starts_with("system:serviceaccount") => "workload-access",
        u => u.trim_start_matches("system:"),
    };
    format!("RBAC: allowed by ClusterRoleBinding \"{binding}\" of ClusterRole \"{binding}\"")
}

/// `requestReceivedTimestamp`: a few milliseconds before the stage time.
pub fn received(e: &K8sEvent) -> DateTime<Utc> {
    e.time - Duration::milliseconds(12)
}
