//! DuckDB DDL for the sample lake: the Security Lake v2 (OCSF 1.1.0) tables with their real nesting.
//!
//! Column paths and types follow `reference/ocsf-security-lake.md` §2.1 and §2.2, so SQL written for the
//! Athena tables (struct dot paths, `time_dt` filters) runs unchanged here. Times are UTC `TIMESTAMP`s.

/// Name of the CloudTrail management table in the sample lake.
pub const CLOUDTRAIL_TABLE: &str = "cloud_trail_mgmt_2_0";
/// Name of the VPC Flow table in the sample lake.
pub const VPCFLOW_TABLE: &str = "vpc_flow_2_0";

/// `CREATE TABLE` for the CloudTrail management table (API Activity, Account Change, Authentication rows).
pub const CLOUDTRAIL_DDL: &str = r#"CREATE TABLE IF NOT EXISTS cloud_trail_mgmt_2_0 (
    metadata STRUCT(product STRUCT(version VARCHAR, name VARCHAR, vendor_name VARCHAR, feature STRUCT(name VARCHAR)), event_code VARCHAR, uid VARCHAR, profiles VARCHAR[], version VARCHAR),
    time BIGINT,
    time_dt TIMESTAMP,
    cloud STRUCT(region VARCHAR, provider VARCHAR),
    api STRUCT(response STRUCT(error VARCHAR, message VARCHAR, data VARCHAR), operation VARCHAR, version VARCHAR, service STRUCT(name VARCHAR), request STRUCT(data VARCHAR, uid VARCHAR)),
    dst_endpoint STRUCT(svc_name VARCHAR),
    actor STRUCT("user" STRUCT(type VARCHAR, name VARCHAR, uid_alt VARCHAR, uid VARCHAR, account STRUCT(uid VARCHAR), credential_uid VARCHAR), session STRUCT(created_time_dt TIMESTAMP, is_mfa BOOLEAN, issuer VARCHAR), invoked_by VARCHAR, idp STRUCT(name VARCHAR)),
    http_request STRUCT(user_agent VARCHAR),
    src_endpoint STRUCT(uid VARCHAR, ip VARCHAR, domain VARCHAR),
    session STRUCT(uid VARCHAR, uid_alt VARCHAR, credential_uid VARCHAR, issuer VARCHAR),
    policy STRUCT(uid VARCHAR),
    resources STRUCT(uid VARCHAR, owner STRUCT(account STRUCT(uid VARCHAR)), type VARCHAR)[],
    class_name VARCHAR,
    class_uid INTEGER,
    category_name VARCHAR,
    category_uid INTEGER,
    severity_id INTEGER,
    severity VARCHAR,
    "user" STRUCT(uid_alt VARCHAR, uid VARCHAR, name VARCHAR),
    activity_name VARCHAR,
    activity_id INTEGER,
    type_uid BIGINT,
    type_name VARCHAR,
    status VARCHAR,
    is_mfa BOOLEAN,
    unmapped MAP(VARCHAR, VARCHAR),
    accountid VARCHAR,
    region VARCHAR,
    asl_version VARCHAR,
    observables STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, type_id INTEGER)[]
)"#;

/// `CREATE TABLE` for the VPC Flow table (OCSF Network Activity 4001).
pub const VPCFLOW_DDL: &str = r#"CREATE TABLE IF NOT EXISTS vpc_flow_2_0 (
    metadata STRUCT(product STRUCT(version VARCHAR, name VARCHAR, feature STRUCT(name VARCHAR), vendor_name VARCHAR), profiles VARCHAR[], version VARCHAR),
    cloud STRUCT(account STRUCT(uid VARCHAR), region VARCHAR, zone VARCHAR, provider VARCHAR),
    src_endpoint STRUCT(port INTEGER, svc_name VARCHAR, ip VARCHAR, intermediate_ips VARCHAR[], interface_uid VARCHAR, vpc_uid VARCHAR, instance_uid VARCHAR, subnet_uid VARCHAR),
    dst_endpoint STRUCT(port INTEGER, svc_name VARCHAR, ip VARCHAR, intermediate_ips VARCHAR[], interface_uid VARCHAR, vpc_uid VARCHAR, instance_uid VARCHAR, subnet_uid VARCHAR),
    connection_info STRUCT(protocol_num INTEGER, tcp_flags INTEGER, protocol_ver VARCHAR, boundary_id INTEGER, boundary VARCHAR, direction_id INTEGER, direction VARCHAR),
    traffic STRUCT(packets BIGINT, bytes BIGINT),
    time BIGINT,
    time_dt TIMESTAMP,
    start_time_dt TIMESTAMP,
    end_time_dt TIMESTAMP,
    status_code VARCHAR,
    severity_id INTEGER,
    severity VARCHAR,
    class_name VARCHAR,
    class_uid INTEGER,
    category_name VARCHAR,
    category_uid INTEGER,
    activity_name VARCHAR,
    activity_id INTEGER,
    action VARCHAR,
    action_id INTEGER,
    disposition VARCHAR,
    type_uid BIGINT,
    type_name VARCHAR,
    accountid VARCHAR,
    region VARCHAR,
    asl_version VARCHAR,
    unmapped MAP(VARCHAR, VARCHAR),
    observables STRUCT(name VARCHAR, value VARCHAR, type VARCHAR, type_id INTEGER)[]
)"#;

/// `CREATE TABLE` for the Route 53 Resolver query log table (`route53_2_0`).
pub use super::dns::DDL as DNS_DDL;
/// `CREATE TABLE` for the Security Hub findings table (`sh_findings_2_0`).
pub use super::findings::DDL as FINDINGS_DDL;
