//! OCSF 1.1.0 class and activity of a CloudTrail event, chosen from its `eventName` (reference §2.3).

/// Class, category and activity of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// 6003, 3001 or 3002.
    pub class_uid: i32,
    /// `API Activity`, `Account Change` or `Authentication`.
    pub class_name: &'static str,
    /// 6 or 3.
    pub category_uid: i32,
    /// `Application Activity` or `Identity & Access Management`.
    pub category_name: &'static str,
    /// Activity id within the class.
    pub activity_id: i32,
    /// Activity name within the class.
    pub activity_name: &'static str,
}

impl Class {
    /// `class_uid * 100 + activity_id`.
    pub fn type_uid(&self) -> i64 {
        i64::from(self.class_uid) * 100 + i64::from(self.activity_id)
    }

    /// `"<class_name>: <activity_name>"`.
    pub fn type_name(&self) -> String {
        format!("{}: {}", self.class_name, self.activity_name)
    }
}

const AUTHENTICATION: [&str; 9] = [
    "ConsoleLogin",
    "ExternalIdPDirectoryLogin",
    "CheckMfa",
    "CredentialChallenge",
    "CredentialVerification",
    "UserAuthentication",
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
];

const ACCOUNT_CHANGE: [&str; 41] = [
    "CreateUser",
    "DeleteUser",
    "UpdateUser",
    "CreateAccessKey",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "CreateLoginProfile",
    "UpdateLoginProfile",
    "DeleteLoginProfile",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "PutUserPolicy",
    "DeleteUserPolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
    "PutGroupPolicy",
    "DeleteGroupPolicy",
    "CreateRole",
    "DeleteRole",
    "UpdateRole",
    "UpdateAssumeRolePolicy",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "DeleteGroup",
    "UpdateGroup",
    "EnableMFADevice",
    "DeactivateMFADevice",
    "CreateVirtualMFADevice",
    "DeleteVirtualMFADevice",
    "ResyncMFADevice",
    "ChangePassword",
    "UpdateAccountPasswordPolicy",
    "DeleteAccountPasswordPolicy",
    "CreateAccountAlias",
    "DeleteAccountAlias",
    "PasswordUpdated",
    "EmailUpdated",
];

/// Whether `name` is an IAM tag change on a user, role or instance profile (also Account Change).
fn is_identity_tagging(name: &str) -> bool {
    ["TagUser", "UntagUser", "TagRole", "UntagRole", "TagInstanceProfile", "UntagInstanceProfile"].contains(&name)
}

/// The OCSF class of the CloudTrail event `name`.
pub fn classify(name: &str) -> Class {
    if AUTHENTICATION.contains(&name) {
        let (activity_id, activity_name) = if name == "CheckMfa" { (99, "Other") } else { (1, "Logon") };
        return Class {
            class_uid: 3002,
            class_name: "Authentication",
            category_uid: 3,
            category_name: "Identity & Access Management",
            activity_id,
            activity_name,
        };
    }
    if ACCOUNT_CHANGE.contains(&name) || is_identity_tagging(name) {
        let (activity_id, activity_name) = account_change_activity(name);
        return Class {
            class_uid: 3001,
            class_name: "Account Change",
            category_uid: 3,
            category_name: "Identity & Access Management",
            activity_id,
            activity_name,
        };
    }
    let (activity_id, activity_name) = api_activity(name);
    Class {
        class_uid: 6003,
        class_name: "API Activity",
        category_uid: 6,
        category_name: "Application Activity",
        activity_id,
        activity_name,
    }
}

fn account_change_activity(name: &str) -> (i32, &'static str) {
    let policy = name.ends_with("Policy") && !name.contains("Account") && !name.contains("AssumeRole");
    match name {
        "EnableMFADevice" | "CreateVirtualMFADevice" => (10, "MFA Factor Enable"),
        "DeactivateMFADevice" | "DeleteVirtualMFADevice" => (11, "MFA Factor Disable"),
        "ChangePassword" | "UpdateLoginProfile" | "PasswordUpdated" => (3, "Password Change"),
        _ if policy && (name.starts_with("Attach") || name.starts_with("Put")) => (7, "Attach Policy"),
        _ if policy && (name.starts_with("Detach") || name.starts_with("Delete")) => (8, "Detach Policy"),
        _ if name.starts_with("Create") => (1, "Create"),
        _ if name.starts_with("Delete") => (6, "Delete"),
        _ => (99, "Other"),
    }
}

fn api_activity(name: &str) -> (i32, &'static str) {
    const CREATE: [&str; 3] = ["Create", "Run", "Generate"];
    const READ: [&str; 5] = ["Get", "List", "Describe", "Search", "Lookup"];
    const UPDATE: [&str; 14] = [
        "Update",
        "Put",
        "Modify",
        "Add",
        "Remove",
        "Start",
        "Stop",
        "Attach",
        "Detach",
        "Associate",
        "Tag",
        "Enable",
        "Disable",
        "Register",
    ];
    const DELETE: [&str; 2] = ["Delete", "Terminate"];
    let starts = |verbs: &[&str]| verbs.iter().any(|v| name.starts_with(v));
    if starts(&CREATE) {
        (1, "Create")
    } else if starts(&READ) {
        (2, "Read")
    } else if starts(&UPDATE) {
        (3, "Update")
    } else if starts(&DELETE) {
        (4, "Delete")
    } else {
        (99, "Other")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_land_in_the_classes_security_lake_uses() {
        let login = classify("ConsoleLogin");
        assert_eq!(
            (login.class_uid, login.type_uid(), login.type_name()),
            (3002, 300201, "Authentication: Logon".into())
        );
        let create = classify("CreateUser");
        assert_eq!((create.class_uid, create.type_uid()), (3001, 300101));
        assert_eq!(classify("AttachUserPolicy").activity_name, "Attach Policy");
        let read = classify("DescribeInstances");
        assert_eq!((read.class_uid, read.type_uid(), read.category_name), (6003, 600302, "Application Activity"));
        assert_eq!(classify("TerminateInstances").activity_id, 4);
        assert_eq!(classify("StopLogging").activity_name, "Update");
        assert_eq!(classify("AuthorizeSecurityGroupIngress").activity_id, 99);
    }
}
