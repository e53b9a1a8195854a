//! What fnguard read from an account, as plain data: the collector fills it from the AWS APIs,
//! tests and `--snapshot` files fill it from JSON, and the translator turns it into the model.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// When the account was read (RFC 3339, UTC), if the snapshot says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
    pub account: String,
    pub region: String,
    pub functions: Vec<LiveFunction>,
    pub roles: Vec<LiveRole>,
    /// Customer-managed policies attached to the roles (AWS-managed ones are known by ARN).
    pub managed_policies: Vec<LivePolicy>,
    pub buckets: Vec<LiveBucket>,
    pub queues: Vec<LiveQueue>,
    pub topics: Vec<LiveTopic>,
    pub http_apis: Vec<LiveHttpApi>,
    pub rest_apis: Vec<LiveRestApi>,
    pub rules: Vec<LiveRule>,
    pub log_groups: Vec<LiveLogGroup>,
    /// Layer version ARN → presigned download URL (`--with-code`); never saved.
    #[serde(skip_serializing)]
    pub layer_locations: BTreeMap<String, String>,
    /// CloudFormation stacks read for `aws drift`: stack → logical id → physical id.
    pub stacks: BTreeMap<String, BTreeMap<String, String>>,
    /// Calls that failed (AccessDenied on one service does not stop the others).
    pub errors: Vec<CallError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CallError {
    pub service: String,
    pub operation: String,
    pub resource: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveFunction {
    pub name: String,
    pub arn: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub package_type: Option<String>,
    pub role: String,
    pub memory_mb: Option<i64>,
    pub timeout_s: Option<i64>,
    pub environment: BTreeMap<String, String>,
    pub kms_key: Option<String>,
    pub layers: Vec<String>,
    pub in_vpc: bool,
    pub tracing: Option<String>,
    pub dead_letter: Option<String>,
    pub architectures: Vec<String>,
    pub code_signing: Option<String>,
    pub reserved_concurrency: Option<i64>,
    pub url: Option<LiveUrl>,
    /// The function's resource-based policy document.
    pub policy: Option<Value>,
    pub event_source_mappings: Vec<LiveMapping>,
    pub invoke_config: Option<LiveInvokeConfig>,
    /// SHA-256 of the deployed package (for drift and `--with-code`).
    pub code_sha256: Option<String>,
    /// Alias names (their URLs and policies are merged into `url` and `policy`).
    pub aliases: Vec<String>,
    /// The package's presigned download URL (`--with-code`); a short-lived credential, so
    /// never written to a saved snapshot.
    #[serde(skip_serializing)]
    pub code_location: Option<String>,
    /// The packages the deployed code ships, found by `aws scan --with-code` and written into a
    /// saved snapshot, for `deps --recheck`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<LivePackage>,
}

/// A package in deployed code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LivePackage {
    /// OSV ecosystem name (`npm`, `PyPI`, ...).
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveUrl {
    pub auth_type: String,
    pub cors_allow_origins: Vec<String>,
    pub invoke_mode: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveMapping {
    pub event_source_arn: String,
    pub function_response_types: Vec<String>,
    pub on_failure: Option<String>,
    pub batch_size: Option<i64>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveInvokeConfig {
    pub max_retries: Option<i64>,
    pub max_event_age_s: Option<i64>,
    pub on_failure: Option<String>,
    pub on_success: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveRole {
    pub name: String,
    pub arn: String,
    pub trust_policy: Value,
    /// Inline policies by name.
    pub inline: BTreeMap<String, Value>,
    pub attached: Vec<String>,
    pub boundary: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LivePolicy {
    pub arn: String,
    pub name: String,
    pub document: Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveBucket {
    pub name: String,
    pub policy: Option<Value>,
    /// The four public-access-block settings, when a configuration exists.
    pub public_access_block: Option<[bool; 4]>,
    pub notifications: Vec<LiveNotification>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveNotification {
    pub function_arn: String,
    pub events: Vec<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveQueue {
    pub name: String,
    pub arn: String,
    pub url: String,
    pub policy: Option<Value>,
    pub kms_key: Option<String>,
    pub sqs_managed_sse: Option<bool>,
    pub redrive: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveTopic {
    pub name: String,
    pub arn: String,
    pub policy: Option<Value>,
    pub kms_key: Option<String>,
    /// (protocol, endpoint)
    pub subscriptions: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveHttpApi {
    pub id: String,
    pub name: String,
    pub protocol: String,
    pub routes: Vec<LiveRoute>,
    /// Integration id → the function ARN it invokes.
    pub integrations: BTreeMap<String, String>,
    /// Authorizer id → type (`JWT`, `REQUEST`).
    pub authorizers: BTreeMap<String, String>,
    pub stages: Vec<LiveStage>,
    pub cors_allow_origins: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveRoute {
    pub route_key: String,
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    /// `integrations/ID`
    pub target: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveStage {
    pub name: String,
    pub throttle_rate: Option<f64>,
    pub throttle_burst: Option<i64>,
    pub access_logging: bool,
    /// The WAF web ACL associated with the stage (REST APIs).
    pub web_acl: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveRestApi {
    pub id: String,
    pub name: String,
    pub endpoint_types: Vec<String>,
    pub policy: Option<Value>,
    pub methods: Vec<LiveMethod>,
    pub stages: Vec<LiveStage>,
    /// Usage plans covering a stage of this API: (plan name, stage, rate, burst).
    pub usage_plans: Vec<LiveUsagePlan>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveUsagePlan {
    pub name: String,
    pub stage: String,
    pub rate: Option<f64>,
    pub burst: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveMethod {
    pub path: String,
    pub http_method: String,
    pub authorization_type: String,
    pub api_key_required: bool,
    pub function_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveRule {
    pub name: String,
    pub bus: String,
    pub schedule: Option<String>,
    pub pattern: Option<String>,
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveLogGroup {
    pub name: String,
    pub retention_days: Option<i64>,
}
