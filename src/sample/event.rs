//! The in-memory CloudTrail event model: one value per event, serialised both to OCSF rows and raw records.
//!
//! Field names follow the raw CloudTrail record (`eventName`, `userIdentity`, …) so the raw writer is a direct
//! rendering and the OCSF writer is the Security Lake v2 mapping (reference §2.3) applied to it.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// `userIdentity.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    /// The account root user.
    Root,
    /// An IAM user.
    IamUser,
    /// A role session.
    AssumedRole,
    /// An AWS service acting on its own behalf.
    AwsService,
    /// Another account, or `anonymous` for unauthenticated requests (S3 data events on a public bucket).
    AwsAccount,
}

impl IdentityKind {
    /// The CloudTrail spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Root => "Root",
            IdentityKind::IamUser => "IAMUser",
            IdentityKind::AssumedRole => "AssumedRole",
            IdentityKind::AwsService => "AWSService",
            IdentityKind::AwsAccount => "AWSAccount",
        }
    }
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Clone, PartialEq)]
pub struct Issuer {
    /// Role ARN.
    pub arn: String,
    /// Role name.
    pub user_name: String,
    /// Role id (`AROA…`).
    pub principal_id: String,
    /// Account of the role.
    pub account_id: String,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionContext {
    /// `attributes.mfaAuthenticated`.
    pub mfa: bool,
    /// `attributes.creationDate`.
    pub created: DateTime<Utc>,
    /// `sessionIssuer` (role sessions only).
    pub issuer: Option<Issuer>,
}

/// `userIdentity`.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// `type`.
    pub kind: IdentityKind,
    /// `principalId`.
    pub principal_id: Option<String>,
    /// `arn`.
    pub arn: Option<String>,
    /// `accountId`.
    pub account_id: Option<String>,
    /// `accessKeyId`.
    pub access_key_id: Option<String>,
    /// `userName`.
    pub user_name: Option<String>,
    /// `sessionContext`.
    pub session: Option<SessionContext>,
    /// `invokedBy`.
    pub invoked_by: Option<String>,
}

/// One entry of `resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// `ARN`.
    pub arn: String,
    /// `accountId`.
    pub account_id: String,
    /// `type`, e.g. `AWS::IAM::Role`.
    pub kind: String,
}

/// `eventType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// An API call.
    ApiCall,
    /// A console sign-in.
    ConsoleSignIn,
}

impl EventType {
    /// The CloudTrail spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ApiCall => "AwsApiCall",
            EventType::ConsoleSignIn => "AwsConsoleSignIn",
        }
    }
}

/// One CloudTrail management event.
#[derive(Debug, Clone, PartialEq)]
pub struct CtEvent {
    /// `eventVersion`.
    pub event_version: &'static str,
    /// `userIdentity`.
    pub identity: Identity,
    /// `eventTime` (whole seconds).
    pub time: DateTime<Utc>,
    /// `eventSource`, e.g. `iam.amazonaws.com`.
    pub source: String,
    /// `eventName`.
    pub name: String,
    /// `awsRegion`.
    pub region: String,
    /// `sourceIPAddress`: an IP literal or a service name.
    pub source_ip: String,
    /// `userAgent`.
    pub user_agent: String,
    /// `errorCode`.
    pub error_code: Option<String>,
    /// `errorMessage`.
    pub error_message: Option<String>,
    /// `requestParameters` (JSON object or null).
    pub request: Value,
    /// `responseElements` (JSON object or null).
    pub response: Value,
    /// `additionalEventData` (JSON object or null).
    pub additional: Value,
    /// `requestID`.
    pub request_id: Option<String>,
    /// `eventID`.
    pub event_id: String,
    /// `readOnly`.
    pub read_only: bool,
    /// `resources`.
    pub resources: Vec<Resource>,
    /// `eventType`.
    pub event_type: EventType,
    /// `recipientAccountId`.
    pub recipient_account: String,
    /// `vpcEndpointId`.
    pub vpc_endpoint: Option<String>,
    /// `sessionCredentialFromConsole`.
    pub from_console: bool,
}

impl CtEvent {
    /// Whether the call failed (an `errorCode`, or a console sign-in answered `Failure`).
    pub fn failed(&self) -> bool {
        if self.error_code.is_some() {
            return true;
        }
        self.response.get("ConsoleLogin").and_then(Value::as_str) == Some("Failure")
    }
}
