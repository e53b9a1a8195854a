//! Reading an account through the AWS SDK: read-only calls only (`Get*`, `List*`, `Describe*`),
//! paginated, with bounded concurrency and adaptive retries; a failed call is recorded in the
//! snapshot and the rest goes on. Every call passes an interceptor that records its name, so a
//! test can check that nothing but the documented read-only actions was called.

use crate::error::LiveError;
use crate::snapshot::*;
pub use crate::READ_ONLY_ACTIONS;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Where and how to read.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Concurrent requests (per-function detail calls run this many at a time).
    pub concurrency: usize,
    /// CloudFormation stacks whose resources to read (for drift's matching).
    pub stacks: Vec<String>,
    /// Also ask for each package's and layer's download location (`--with-code`).
    pub with_code: bool,
}

/// The IAM action an SDK operation needs (`("Lambda", "ListFunctions")` → `lambda:ListFunctions`).
pub fn action_of(service: &str, operation: &str) -> String {
    let prefix = match service.to_ascii_lowercase().as_str() {
        "apigatewayv2" | "api gateway" | "apigateway" => return "apigateway:GET".into(),
        "eventbridge" => "events",
        "cloudwatch logs" | "cloudwatchlogs" | "logs" => "logs",
        other => return format!("{}:{}", other.replace(' ', ""), renamed_action(operation)),
    };
    format!("{prefix}:{operation}")
}

/// Operations whose IAM action has another name.
fn renamed_action(op: &str) -> String {
    match op {
        "GetLayerVersionByArn" => "GetLayerVersion".into(),
        "ListBuckets" => "ListAllMyBuckets".into(),
        "GetBucketNotificationConfiguration" => "GetBucketNotification".into(),
        "GetPublicAccessBlock" => "GetBucketPublicAccessBlock".into(),
        other => other.into(),
    }
}

#[derive(Debug, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "fnguard-call-recorder"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            if let Ok(mut calls) = self.0.lock() {
                calls.push(format!("{}:{}", m.service(), m.name()));
            }
        }
        Ok(())
    }
}

impl Clone for Recorder {
    fn clone(&self) -> Self {
        Recorder(self.0.clone())
    }
}

pub struct Collected {
    pub snapshot: Snapshot,
    /// Every SDK operation called, as `Service:Operation`.
    pub calls: Vec<String>,
}

struct Ctx {
    errors: Mutex<Vec<CallError>>,
}

impl Ctx {
    fn keep<T, E: Describe>(
        &self,
        service: &str,
        op: &str,
        resource: &str,
        r: Result<T, E>,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let message = e.describe();
                // Absent optional configuration is not an error.
                let absent = [
                    "ResourceNotFound",
                    "NoSuchBucketPolicy",
                    "NoSuchPublicAccessBlock",
                    "NoSuchPublicAccessBlockConfiguration",
                    "NotFound",
                ]
                .iter()
                .any(|k| message.contains(k));
                if !absent {
                    if let Ok(mut errors) = self.errors.lock() {
                        errors.push(CallError {
                            service: service.into(),
                            operation: op.into(),
                            resource: resource.into(),
                            message: message.chars().take(400).collect(),
                        });
                    }
                }
                None
            }
        }
    }
}

/// A failed call in words a user can act on: the AWS error code and message, or what went
/// wrong on the way when the answer was not an AWS error at all.
trait Describe {
    fn describe(&self) -> String;
}

impl<E> Describe for aws_smithy_runtime_api::client::result::SdkError<E, HttpResponse>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    fn describe(&self) -> String {
        use aws_smithy_runtime_api::client::result::SdkError;
        match self {
            SdkError::ServiceError(se) => {
                let status = se.raw().status().as_u16();
                let err = se.err();
                match (err.code(), err.message()) {
                    (Some(code), Some(m)) => format!("{code}: {m} (HTTP {status})"),
                    (Some(code), None) => format!("{code} (HTTP {status})"),
                    _ => format!(
                        "HTTP {status} with no AWS error in the answer (the endpoint may not implement this operation)"
                    ),
                }
            }
            SdkError::TimeoutError(_) => "the call timed out".into(),
            SdkError::DispatchFailure(_) => {
                // The innermost cause says what to fix; the chain above it is plumbing.
                let mut cause: &dyn std::error::Error = self;
                while let Some(next) = cause.source() {
                    cause = next;
                }
                let text = DisplayErrorContext(self).to_string();
                if text.contains("loading credentials") {
                    format!("no usable AWS credentials (environment, profile, SSO or instance role): {cause}")
                } else {
                    format!("could not reach the endpoint: {cause}")
                }
            }
            _ => DisplayErrorContext(self).to_string(),
        }
    }
}

fn decode_policy(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| {
        let decoded = percent_decode(text);
        serde_json::from_str(&decoded).ok()
    })
}

/// IAM returns policy documents URL-encoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b'+' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Attempts per call: `AWS_MAX_ATTEMPTS` as the AWS CLI and SDKs read it, else 5.
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(5)
}

pub(crate) async fn sdk_config(target: &Target) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(max_attempts()))
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https(),
        );
    if let Some(p) = &target.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &target.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &target.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}

pub async fn collect(
    target: &Target,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Collected, LiveError> {
    let recorder = Recorder::default();
    let cfg = sdk_config(target).await;
    let ctx = Ctx {
        errors: Mutex::new(Vec::new()),
    };
    let mut snap = Snapshot {
        region: cfg.region().map(|r| r.to_string()).unwrap_or_default(),
        ..Snapshot::default()
    };
    let rec = recorder.clone();
    macro_rules! client {
        ($krate:ident) => {{
            let conf = $krate::config::Builder::from(&cfg)
                .interceptor(rec.clone())
                .build();
            $krate::Client::from_conf(conf)
        }};
    }
    let concurrency = target.concurrency.max(1);

    progress("account");
    let sts = client!(aws_sdk_sts);
    // GetCallerIdentity needs no permission: when it fails, nothing else can work (no
    // credentials, wrong endpoint), and one clear error beats one per service.
    match sts.get_caller_identity().send().await {
        Ok(id) => snap.account = id.account().unwrap_or_default().to_string(),
        Err(e) => {
            return Err(LiveError::Account(e.describe()));
        }
    }

    progress("functions");
    let lambda = client!(aws_sdk_lambda);
    let mut configs = Vec::new();
    let mut pages = lambda
        .list_functions()
        .max_items(50)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match ctx.keep("lambda", "ListFunctions", "", page) {
            Some(p) => configs.extend(p.functions().iter().cloned()),
            None => break,
        }
    }
    let functions: Vec<LiveFunction> = stream::iter(configs)
        .map(|c| {
            let lambda = lambda.clone();
            let ctx = &ctx;
            async move { function_details(&lambda, ctx, c).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    snap.functions = functions;
    snap.functions.sort_by(|a, b| a.name.cmp(&b.name));
    if target.with_code {
        progress("code locations");
        code_locations(&lambda, &ctx, &mut snap, concurrency).await;
    }
    let mut by_function = mappings(&lambda, &ctx).await;
    for f in &mut snap.functions {
        f.event_source_mappings = by_function.remove(&f.arn).unwrap_or_default();
    }
    if !target.stacks.is_empty() {
        progress("stacks");
        let cfn = client!(aws_sdk_cloudformation);
        for stack in &target.stacks {
            if let Some(resources) = stack_resources(&cfn, &ctx, stack).await {
                snap.stacks.insert(stack.clone(), resources);
            }
        }
    }

    progress("roles");
    let iam = client!(aws_sdk_iam);
    let mut pages = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::Role)
        .filter(aws_sdk_iam::types::EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let Some(p) = ctx.keep("iam", "GetAccountAuthorizationDetails", "", page) else {
            break;
        };
        for r in p.role_detail_list() {
            snap.roles.push(LiveRole {
                name: r.role_name().unwrap_or_default().to_string(),
                arn: r.arn().unwrap_or_default().to_string(),
                trust_policy: r
                    .assume_role_policy_document()
                    .and_then(decode_policy)
                    .unwrap_or(Value::Null),
                inline: r
                    .role_policy_list()
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p.policy_name()?.to_string(),
                            decode_policy(p.policy_document()?)?,
                        ))
                    })
                    .collect(),
                attached: r
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|a| a.policy_arn().map(str::to_string))
                    .collect(),
                boundary: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
            });
        }
        for p in p.policies() {
            let doc = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document())
                .and_then(decode_policy);
            if let (Some(arn), Some(doc)) = (p.arn(), doc) {
                snap.managed_policies.push(LivePolicy {
                    arn: arn.to_string(),
                    name: p.policy_name().unwrap_or_default().to_string(),
                    document: doc,
                });
            }
        }
    }
    // Only the roles the functions use matter; the rest of the account stays out of the model.
    let used: std::collections::HashSet<&str> =
        snap.functions.iter().map(|f| f.role.as_str()).collect();
    snap.roles.retain(|r| used.contains(r.arn.as_str()));
    let attached: std::collections::HashSet<&str> = snap
        .roles
        .iter()
        .flat_map(|r| r.attached.iter().map(String::as_str))
        .collect();
    snap.managed_policies
        .retain(|p| attached.contains(p.arn.as_str()));

    progress("buckets");
    let s3 = client!(aws_sdk_s3);
    if let Some(list) = ctx.keep("s3", "ListBuckets", "", s3.list_buckets().send().await) {
        let names: Vec<String> = list
            .buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_string))
            .collect();
        let buckets: Vec<LiveBucket> = stream::iter(names)
            .map(|name| {
                let s3 = s3.clone();
                let ctx = &ctx;
                async move { bucket_details(&s3, ctx, name).await }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        snap.buckets = buckets;
        snap.buckets.sort_by(|a, b| a.name.cmp(&b.name));
    }

    progress("queues");
    let sqs = client!(aws_sdk_sqs);
    let mut urls = Vec::new();
    let mut pages = sqs.list_queues().into_paginator().send();
    while let Some(page) = pages.next().await {
        match ctx.keep("sqs", "ListQueues", "", page) {
            Some(p) => urls.extend(p.queue_urls().iter().cloned()),
            None => break,
        }
    }
    let queues: Vec<Option<LiveQueue>> = stream::iter(urls)
        .map(|url| {
            let sqs = sqs.clone();
            let ctx = &ctx;
            async move {
                let r = sqs
                    .get_queue_attributes()
                    .queue_url(&url)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
                    .send()
                    .await;
                let out = ctx.keep("sqs", "GetQueueAttributes", &url, r)?;
                let attrs: BTreeMap<String, String> = out
                    .attributes()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                let arn = attrs.get("QueueArn").cloned().unwrap_or_default();
                Some(LiveQueue {
                    name: arn.rsplit(':').next().unwrap_or_default().to_string(),
                    arn,
                    url,
                    policy: attrs.get("Policy").and_then(|p| decode_policy(p)),
                    kms_key: attrs.get("KmsMasterKeyId").cloned(),
                    sqs_managed_sse: attrs.get("SqsManagedSseEnabled").map(|v| v == "true"),
                    redrive: attrs.contains_key("RedrivePolicy"),
                })
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    snap.queues = queues.into_iter().flatten().collect();
    snap.queues.sort_by(|a, b| a.name.cmp(&b.name));

    progress("topics");
    let sns = client!(aws_sdk_sns);
    let mut arns = Vec::new();
    let mut pages = sns.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        match ctx.keep("sns", "ListTopics", "", page) {
            Some(p) => arns.extend(
                p.topics()
                    .iter()
                    .filter_map(|t| t.topic_arn().map(str::to_string)),
            ),
            None => break,
        }
    }
    let topics: Vec<LiveTopic> = stream::iter(arns)
        .map(|arn| {
            let sns = sns.clone();
            let ctx = &ctx;
            async move {
                let attrs = ctx
                    .keep(
                        "sns",
                        "GetTopicAttributes",
                        &arn,
                        sns.get_topic_attributes().topic_arn(&arn).send().await,
                    )
                    .and_then(|o| o.attributes().cloned())
                    .unwrap_or_default();
                let mut subscriptions = Vec::new();
                let mut pages = sns
                    .list_subscriptions_by_topic()
                    .topic_arn(&arn)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    match ctx.keep("sns", "ListSubscriptionsByTopic", &arn, page) {
                        Some(p) => subscriptions.extend(p.subscriptions().iter().map(|s| {
                            (
                                s.protocol().unwrap_or_default().to_string(),
                                s.endpoint().unwrap_or_default().to_string(),
                            )
                        })),
                        None => break,
                    }
                }
                LiveTopic {
                    name: arn.rsplit(':').next().unwrap_or_default().to_string(),
                    policy: attrs.get("Policy").and_then(|p| decode_policy(p)),
                    kms_key: attrs.get("KmsMasterKeyId").cloned(),
                    arn,
                    subscriptions,
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    snap.topics = topics;
    snap.topics.sort_by(|a, b| a.name.cmp(&b.name));

    progress("HTTP APIs");
    let v2 = client!(aws_sdk_apigatewayv2);
    snap.http_apis = http_apis(&v2, &ctx).await;
    progress("REST APIs");
    let v1 = client!(aws_sdk_apigateway);
    snap.rest_apis = rest_apis(&v1, &ctx).await;
    if !snap.rest_apis.is_empty() {
        usage_plans(&v1, &ctx, &mut snap.rest_apis).await;
    }

    progress("EventBridge rules");
    let eb = client!(aws_sdk_eventbridge);
    let mut token: Option<String> = None;
    loop {
        let r = eb.list_rules().set_next_token(token.clone()).send().await;
        let Some(out) = ctx.keep("events", "ListRules", "", r) else {
            break;
        };
        for rule in out.rules() {
            let name = rule.name().unwrap_or_default().to_string();
            let targets = ctx
                .keep(
                    "events",
                    "ListTargetsByRule",
                    &name,
                    eb.list_targets_by_rule()
                        .rule(&name)
                        .set_event_bus_name(rule.event_bus_name().map(str::to_string))
                        .send()
                        .await,
                )
                .map(|t| t.targets().iter().map(|t| t.arn().to_string()).collect())
                .unwrap_or_default();
            snap.rules.push(LiveRule {
                bus: rule.event_bus_name().unwrap_or("default").to_string(),
                schedule: rule.schedule_expression().map(str::to_string),
                pattern: rule.event_pattern().map(str::to_string),
                name,
                targets,
            });
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }

    progress("log groups");
    let logs = client!(aws_sdk_cloudwatchlogs);
    let mut pages = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match ctx.keep("logs", "DescribeLogGroups", "", page) {
            Some(p) => snap
                .log_groups
                .extend(p.log_groups().iter().map(|g| LiveLogGroup {
                    name: g.log_group_name().unwrap_or_default().to_string(),
                    retention_days: g.retention_in_days().map(i64::from),
                })),
            None => break,
        }
    }

    snap.errors = ctx.errors.into_inner().unwrap_or_default();
    let calls = recorder.0.lock().map(|c| c.clone()).unwrap_or_default();
    Ok(Collected {
        snapshot: snap,
        calls,
    })
}

async fn function_details(
    lambda: &aws_sdk_lambda::Client,
    ctx: &Ctx,
    c: aws_sdk_lambda::types::FunctionConfiguration,
) -> LiveFunction {
    let name = c.function_name().unwrap_or_default().to_string();
    let mut f = LiveFunction {
        arn: c.function_arn().unwrap_or_default().to_string(),
        runtime: c.runtime().map(|r| r.as_str().to_string()),
        handler: c.handler().map(str::to_string),
        package_type: c.package_type().map(|p| p.as_str().to_string()),
        role: c.role().unwrap_or_default().to_string(),
        memory_mb: c.memory_size().map(i64::from),
        timeout_s: c.timeout().map(i64::from),
        environment: c
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        kms_key: c.kms_key_arn().map(str::to_string),
        layers: c
            .layers()
            .iter()
            .filter_map(|l| l.arn().map(str::to_string))
            .collect(),
        in_vpc: c.vpc_config().is_some_and(|v| !v.subnet_ids().is_empty()),
        tracing: c
            .tracing_config()
            .and_then(|t| t.mode())
            .map(|m| m.as_str().to_string()),
        dead_letter: c
            .dead_letter_config()
            .and_then(|d| d.target_arn())
            .map(str::to_string),
        architectures: c
            .architectures()
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        code_sha256: c.code_sha256().map(str::to_string),
        name: name.clone(),
        ..LiveFunction::default()
    };
    f.reserved_concurrency = ctx
        .keep(
            "lambda",
            "GetFunctionConcurrency",
            &name,
            lambda
                .get_function_concurrency()
                .function_name(&name)
                .send()
                .await,
        )
        .and_then(|o| o.reserved_concurrent_executions())
        .map(i64::from);
    f.url = ctx
        .keep(
            "lambda",
            "GetFunctionUrlConfig",
            &name,
            lambda
                .get_function_url_config()
                .function_name(&name)
                .send()
                .await,
        )
        .map(|u| LiveUrl {
            auth_type: u.auth_type().as_str().to_string(),
            cors_allow_origins: u
                .cors()
                .map(|c| c.allow_origins().to_vec())
                .unwrap_or_default(),
            invoke_mode: u.invoke_mode().map(|m| m.as_str().to_string()),
        });
    f.policy = ctx
        .keep(
            "lambda",
            "GetPolicy",
            &name,
            lambda.get_policy().function_name(&name).send().await,
        )
        .and_then(|p| p.policy().and_then(decode_policy));
    f.code_signing = ctx
        .keep(
            "lambda",
            "GetFunctionCodeSigningConfig",
            &name,
            lambda
                .get_function_code_signing_config()
                .function_name(&name)
                .send()
                .await,
        )
        .map(|o| o.code_signing_config_arn().to_string())
        .filter(|a| !a.is_empty());
    aliases(lambda, ctx, &mut f).await;
    f.invoke_config = ctx
        .keep(
            "lambda",
            "GetFunctionEventInvokeConfig",
            &name,
            lambda
                .get_function_event_invoke_config()
                .function_name(&name)
                .send()
                .await,
        )
        .map(|c| LiveInvokeConfig {
            max_retries: c.maximum_retry_attempts().map(i64::from),
            max_event_age_s: c.maximum_event_age_in_seconds().map(i64::from),
            on_failure: c
                .destination_config()
                .and_then(|d| d.on_failure())
                .and_then(|o| o.destination())
                .map(str::to_string),
            on_success: c
                .destination_config()
                .and_then(|d| d.on_success())
                .and_then(|o| o.destination())
                .map(str::to_string),
        });
    f
}

/// An alias can carry its own function URL and resource policy: a public URL on `live` is as
/// public as one on the function. The most open URL wins; alias policy statements join the
/// function's.
async fn aliases(lambda: &aws_sdk_lambda::Client, ctx: &Ctx, f: &mut LiveFunction) {
    let name = f.name.clone();
    let mut pages = lambda
        .list_aliases()
        .function_name(&name)
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let Some(p) = ctx.keep("lambda", "ListAliases", &name, page) else {
            break;
        };
        names.extend(
            p.aliases()
                .iter()
                .filter_map(|a| a.name().map(str::to_string)),
        );
    }
    for alias in names {
        let qualified = format!("{name}:{alias}");
        if let Some(u) = ctx.keep(
            "lambda",
            "GetFunctionUrlConfig",
            &qualified,
            lambda
                .get_function_url_config()
                .function_name(&name)
                .qualifier(&alias)
                .send()
                .await,
        ) {
            let opener = u.auth_type().as_str() == "NONE";
            if f.url.is_none() || opener {
                f.url = Some(LiveUrl {
                    auth_type: u.auth_type().as_str().to_string(),
                    cors_allow_origins: u
                        .cors()
                        .map(|c| c.allow_origins().to_vec())
                        .unwrap_or_default(),
                    invoke_mode: u.invoke_mode().map(|m| m.as_str().to_string()),
                });
            }
        }
        if let Some(doc) = ctx
            .keep(
                "lambda",
                "GetPolicy",
                &qualified,
                lambda
                    .get_policy()
                    .function_name(&name)
                    .qualifier(&alias)
                    .send()
                    .await,
            )
            .and_then(|p| p.policy().and_then(decode_policy))
        {
            let statements = doc.get("Statement").cloned().unwrap_or(Value::Null);
            let policy = f.policy.get_or_insert_with(
                || serde_json::json!({ "Version": "2012-10-17", "Statement": [] }),
            );
            if let (Some(list), Value::Array(more)) = (
                policy.get_mut("Statement").and_then(Value::as_array_mut),
                statements,
            ) {
                list.extend(more);
            }
        }
        f.aliases.push(alias);
    }
}

/// `GetFunction` gives each package's presigned URL; `GetLayerVersionByArn` each layer's.
async fn code_locations(
    lambda: &aws_sdk_lambda::Client,
    ctx: &Ctx,
    snap: &mut Snapshot,
    concurrency: usize,
) {
    let names: Vec<String> = snap
        .functions
        .iter()
        .filter(|f| f.package_type.as_deref() != Some("Image"))
        .map(|f| f.name.clone())
        .collect();
    let found: Vec<(String, Option<String>)> = stream::iter(names)
        .map(|name| async move {
            let location = ctx
                .keep(
                    "lambda",
                    "GetFunction",
                    &name,
                    lambda.get_function().function_name(&name).send().await,
                )
                .and_then(|o| o.code().and_then(|c| c.location()).map(str::to_string));
            (name, location)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for (name, location) in found {
        if let Some(f) = snap.functions.iter_mut().find(|f| f.name == name) {
            f.code_location = location;
        }
    }
    let mut layers: Vec<String> = snap
        .functions
        .iter()
        .flat_map(|f| f.layers.iter().cloned())
        .collect();
    layers.sort();
    layers.dedup();
    for arn in layers {
        if let Some(url) = ctx
            .keep(
                "lambda",
                "GetLayerVersionByArn",
                &arn,
                lambda.get_layer_version_by_arn().arn(&arn).send().await,
            )
            .and_then(|o| o.content().and_then(|c| c.location()).map(str::to_string))
        {
            snap.layer_locations.insert(arn, url);
        }
    }
}

/// Every event source mapping of the account in one paginated listing (one call per page
/// rather than one per function), keyed by the function's unqualified ARN.
async fn mappings(
    lambda: &aws_sdk_lambda::Client,
    ctx: &Ctx,
) -> BTreeMap<String, Vec<LiveMapping>> {
    let mut out: BTreeMap<String, Vec<LiveMapping>> = BTreeMap::new();
    let mut pages = lambda
        .list_event_source_mappings()
        .max_items(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let Some(p) = ctx.keep("lambda", "ListEventSourceMappings", "", page) else {
            break;
        };
        for m in p.event_source_mappings() {
            let function = m.function_arn().unwrap_or_default();
            // `arn:aws:lambda:r:a:function:name[:qualifier]`
            let unqualified: String = function.split(':').take(7).collect::<Vec<_>>().join(":");
            out.entry(unqualified).or_default().push(LiveMapping {
                event_source_arn: m.event_source_arn().unwrap_or_default().to_string(),
                function_response_types: m
                    .function_response_types()
                    .iter()
                    .map(|t| t.as_str().to_string())
                    .collect(),
                on_failure: m
                    .destination_config()
                    .and_then(|d| d.on_failure())
                    .and_then(|o| o.destination())
                    .map(str::to_string),
                batch_size: m.batch_size().map(i64::from),
                enabled: m.state().is_none_or(|s| s != "Disabled"),
            });
        }
    }
    out
}

/// A stack's logical id → physical id map; `None` when the stack does not exist (then
/// functions are matched by name).
async fn stack_resources(
    cfn: &aws_sdk_cloudformation::Client,
    ctx: &Ctx,
    stack: &str,
) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut pages = cfn
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let p = match page {
            Ok(p) => p,
            // "Stack with id X does not exist" is an answer, not a failure.
            Err(e) if e.describe().contains("does not exist") => return None,
            Err(e) => {
                ctx.keep::<(), _>("cloudformation", "ListStackResources", stack, Err(e));
                return None;
            }
        };
        for r in p.stack_resource_summaries() {
            if let (Some(logical), Some(physical)) =
                (r.logical_resource_id(), r.physical_resource_id())
            {
                out.insert(logical.to_string(), physical.to_string());
            }
        }
    }
    Some(out)
}

async fn bucket_details(s3: &aws_sdk_s3::Client, ctx: &Ctx, name: String) -> LiveBucket {
    let mut b = LiveBucket {
        name: name.clone(),
        ..LiveBucket::default()
    };
    if let Some(n) = ctx.keep(
        "s3",
        "GetBucketNotificationConfiguration",
        &name,
        s3.get_bucket_notification_configuration()
            .bucket(&name)
            .send()
            .await,
    ) {
        for l in n.lambda_function_configurations() {
            let rules = l
                .filter()
                .and_then(|f| f.key())
                .map(|k| k.filter_rules().to_vec())
                .unwrap_or_default();
            let rule = |which: &str| {
                rules
                    .iter()
                    .find(|r| {
                        r.name()
                            .is_some_and(|n| n.as_str().eq_ignore_ascii_case(which))
                    })
                    .and_then(|r| r.value().map(str::to_string))
            };
            b.notifications.push(LiveNotification {
                function_arn: l.lambda_function_arn().to_string(),
                events: l.events().iter().map(|e| e.as_str().to_string()).collect(),
                prefix: rule("prefix"),
                suffix: rule("suffix"),
            });
        }
    }
    b.policy = ctx
        .keep(
            "s3",
            "GetBucketPolicy",
            &name,
            s3.get_bucket_policy().bucket(&name).send().await,
        )
        .and_then(|p| p.policy().and_then(decode_policy));
    b.public_access_block = ctx
        .keep(
            "s3",
            "GetPublicAccessBlock",
            &name,
            s3.get_public_access_block().bucket(&name).send().await,
        )
        .and_then(|o| o.public_access_block_configuration().cloned())
        .map(|c| {
            [
                c.block_public_acls().unwrap_or(false),
                c.block_public_policy().unwrap_or(false),
                c.ignore_public_acls().unwrap_or(false),
                c.restrict_public_buckets().unwrap_or(false),
            ]
        });
    b
}

async fn http_apis(v2: &aws_sdk_apigatewayv2::Client, ctx: &Ctx) -> Vec<LiveHttpApi> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let Some(page) = ctx.keep(
            "apigatewayv2",
            "GetApis",
            "",
            v2.get_apis().set_next_token(token.clone()).send().await,
        ) else {
            break;
        };
        for a in page.items() {
            let id = a.api_id().unwrap_or_default().to_string();
            let mut api = LiveHttpApi {
                name: a.name().unwrap_or_default().to_string(),
                protocol: a
                    .protocol_type()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
                cors_allow_origins: a
                    .cors_configuration()
                    .map(|c| c.allow_origins().to_vec())
                    .unwrap_or_default(),
                id: id.clone(),
                ..LiveHttpApi::default()
            };
            let mut next: Option<String> = None;
            while let Some(r) = ctx.keep(
                "apigatewayv2",
                "GetRoutes",
                &id,
                v2.get_routes()
                    .api_id(&id)
                    .set_next_token(next.take())
                    .send()
                    .await,
            ) {
                api.routes.extend(r.items().iter().map(|r| LiveRoute {
                    route_key: r.route_key().unwrap_or_default().to_string(),
                    authorization_type: r.authorization_type().map(|t| t.as_str().to_string()),
                    authorizer_id: r.authorizer_id().map(str::to_string),
                    api_key_required: r.api_key_required().unwrap_or(false),
                    target: r.target().map(str::to_string),
                }));
                match r.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => break,
                }
            }
            while let Some(r) = ctx.keep(
                "apigatewayv2",
                "GetIntegrations",
                &id,
                v2.get_integrations()
                    .api_id(&id)
                    .set_next_token(next.take())
                    .send()
                    .await,
            ) {
                api.integrations.extend(r.items().iter().filter_map(|i| {
                    Some((
                        i.integration_id()?.to_string(),
                        i.integration_uri()?.to_string(),
                    ))
                }));
                match r.next_token() {
                    Some(t) if !t.is_empty() => next = Some(t.to_string()),
                    _ => break,
                }
            }
            // Only the authorizers routes use (moto, like some proxies, lacks the list call).
            let used: std::collections::BTreeSet<String> = api
                .routes
                .iter()
                .filter_map(|r| r.authorizer_id.clone())
                .collect();
            for auth in used {
                if let Some(a) = ctx.keep(
                    "apigatewayv2",
                    "GetAuthorizer",
                    &format!("{id}/{auth}"),
                    v2.get_authorizer()
                        .api_id(&id)
                        .authorizer_id(&auth)
                        .send()
                        .await,
                ) {
                    if let Some(t) = a.authorizer_type() {
                        api.authorizers.insert(auth, t.as_str().to_string());
                    }
                }
            }
            if let Some(r) = ctx.keep(
                "apigatewayv2",
                "GetStages",
                &id,
                v2.get_stages().api_id(&id).send().await,
            ) {
                api.stages = r
                    .items()
                    .iter()
                    .map(|s| LiveStage {
                        name: s.stage_name().unwrap_or_default().to_string(),
                        throttle_rate: s
                            .default_route_settings()
                            .and_then(|d| d.throttling_rate_limit()),
                        throttle_burst: s
                            .default_route_settings()
                            .and_then(|d| d.throttling_burst_limit())
                            .map(i64::from),
                        access_logging: s
                            .access_log_settings()
                            .is_some_and(|a| a.destination_arn().is_some()),
                        web_acl: None,
                    })
                    .collect();
            }
            out.push(api);
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    out
}

/// Usage plans (with their throttling) attached to the stages of the REST APIs.
async fn usage_plans(v1: &aws_sdk_apigateway::Client, ctx: &Ctx, apis: &mut [LiveRestApi]) {
    let mut pages = v1.get_usage_plans().into_paginator().send();
    while let Some(page) = pages.next().await {
        let Some(page) = ctx.keep("apigateway", "GetUsagePlans", "", page) else {
            break;
        };
        for plan in page.items() {
            let throttle = plan.throttle();
            for stage in plan.api_stages() {
                let Some(api) = apis
                    .iter_mut()
                    .find(|a| Some(a.id.as_str()) == stage.api_id())
                else {
                    continue;
                };
                api.usage_plans.push(LiveUsagePlan {
                    name: plan.name().unwrap_or_default().to_string(),
                    stage: stage.stage().unwrap_or_default().to_string(),
                    rate: throttle.map(|t| t.rate_limit()).filter(|r| *r > 0.0),
                    burst: throttle
                        .map(|t| i64::from(t.burst_limit()))
                        .filter(|b| *b > 0),
                });
            }
        }
    }
}

async fn rest_apis(v1: &aws_sdk_apigateway::Client, ctx: &Ctx) -> Vec<LiveRestApi> {
    let mut out = Vec::new();
    let mut pages = v1.get_rest_apis().into_paginator().send();
    while let Some(page) = pages.next().await {
        let Some(page) = ctx.keep("apigateway", "GetRestApis", "", page) else {
            break;
        };
        for a in page.items() {
            let id = a.id().unwrap_or_default().to_string();
            let mut api = LiveRestApi {
                name: a.name().unwrap_or_default().to_string(),
                endpoint_types: a
                    .endpoint_configuration()
                    .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
                    .unwrap_or_default(),
                policy: a
                    .policy()
                    .and_then(|p| decode_policy(&p.replace("\\\"", "\""))),
                id: id.clone(),
                ..LiveRestApi::default()
            };
            // `embed=methods` returns each method with its integration: no GetMethod per method.
            let mut pages = v1
                .get_resources()
                .rest_api_id(&id)
                .embed("methods")
                .into_paginator()
                .send();
            while let Some(p) = pages.next().await {
                let Some(p) = ctx.keep("apigateway", "GetResources", &id, p) else {
                    break;
                };
                for r in p.items() {
                    let Some(path) = r.path() else { continue };
                    for (http_method, m) in r.resource_methods().into_iter().flatten() {
                        let function_arn = m
                            .method_integration()
                            .and_then(|i| i.uri())
                            .and_then(|uri| uri.split("/functions/").nth(1))
                            .and_then(|rest| rest.strip_suffix("/invocations"))
                            .map(str::to_string);
                        api.methods.push(LiveMethod {
                            path: path.to_string(),
                            http_method: http_method.clone(),
                            authorization_type: m
                                .authorization_type()
                                .unwrap_or("NONE")
                                .to_string(),
                            api_key_required: m.api_key_required().unwrap_or(false),
                            function_arn,
                        });
                    }
                }
            }
            api.methods
                .sort_by(|a, b| (&a.path, &a.http_method).cmp(&(&b.path, &b.http_method)));
            if let Some(s) = ctx.keep(
                "apigateway",
                "GetStages",
                &id,
                v1.get_stages().rest_api_id(&id).send().await,
            ) {
                api.stages = s
                    .item()
                    .iter()
                    .map(|s| {
                        let all = s.method_settings().and_then(|m| m.get("*/*"));
                        LiveStage {
                            name: s.stage_name().unwrap_or_default().to_string(),
                            throttle_rate: all
                                .map(|m| m.throttling_rate_limit())
                                .filter(|r| *r > 0.0),
                            throttle_burst: all
                                .map(|m| i64::from(m.throttling_burst_limit()))
                                .filter(|b| *b > 0),
                            access_logging: s
                                .access_log_settings()
                                .is_some_and(|a| a.destination_arn().is_some()),
                            web_acl: s.web_acl_arn().map(str::to_string),
                        }
                    })
                    .collect();
            }
            out.push(api);
        }
    }
    out
}

/// `collect` on a runtime of its own, for callers without one (the CLI).
/// The enabled regions and the calls made to list them.
pub type Regions = (Vec<String>, Vec<String>);

/// The regions enabled for the account (`account:ListRegions`), for `--all-regions`.
pub async fn enabled_regions(target: &Target) -> Result<Regions, LiveError> {
    let recorder = Recorder::default();
    let cfg = sdk_config(target).await;
    let conf = aws_sdk_account::config::Builder::from(&cfg)
        .interceptor(recorder.clone())
        .build();
    let account = aws_sdk_account::Client::from_conf(conf);
    let mut regions = Vec::new();
    let mut pages = account
        .list_regions()
        .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::Enabled)
        .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let p = page.map_err(|e| LiveError::Regions(e.describe()))?;
        regions.extend(
            p.regions()
                .iter()
                .filter_map(|r| r.region_name().map(str::to_string)),
        );
    }
    regions.sort();
    let calls = recorder.0.lock().map(|c| c.clone()).unwrap_or_default();
    Ok((regions, calls))
}

pub fn enabled_regions_blocking(target: &Target) -> std::io::Result<Result<Regions, LiveError>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(enabled_regions(target)))
}

/// What `LookupEvents` returned for the functions' role sessions.
pub struct Lookup {
    pub observed: crate::usage::Observed,
    pub calls: Vec<String>,
    pub errors: Vec<CallError>,
}

/// CloudTrail's management events made by each function's role session (Lambda names the
/// session after the function) over the last `days` days. LookupEvents keeps 90 days, never
/// returns data events, and answers about two requests a second, so this runs two at a time
/// and leans on the adaptive retry.
pub async fn lookup_events(target: &Target, functions: &[String], days: u32) -> Lookup {
    let recorder = Recorder::default();
    let cfg = sdk_config(target).await;
    let conf = aws_sdk_cloudtrail::config::Builder::from(&cfg)
        .interceptor(recorder.clone())
        .build();
    let trail = aws_sdk_cloudtrail::Client::from_conf(conf);
    let ctx = Ctx {
        errors: Mutex::new(Vec::new()),
    };
    let now = std::time::SystemTime::now();
    let start = now - std::time::Duration::from_secs(u64::from(days.min(90)) * 86_400);
    let records: Vec<(String, bool, Vec<Value>)> = stream::iter(functions.iter().cloned())
        .map(|name| {
            let trail = trail.clone();
            let ctx = &ctx;
            async move {
                let mut out = Vec::new();
                let attr = aws_sdk_cloudtrail::types::LookupAttribute::builder()
                    .attribute_key(aws_sdk_cloudtrail::types::LookupAttributeKey::Username)
                    .attribute_value(&name)
                    .build();
                let Ok(attr) = attr else {
                    return (name, false, out);
                };
                let mut pages = trail
                    .lookup_events()
                    .lookup_attributes(attr)
                    .start_time(aws_smithy_types::DateTime::from(start))
                    .end_time(aws_smithy_types::DateTime::from(now))
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let Some(p) = ctx.keep("cloudtrail", "LookupEvents", &name, page) else {
                        return (name, false, out);
                    };
                    for e in p.events() {
                        if let Some(Ok(v)) =
                            e.cloud_trail_event().map(serde_json::from_str::<Value>)
                        {
                            out.push(v);
                        }
                    }
                }
                (name, true, out)
            }
        })
        .buffer_unordered(2)
        .collect()
        .await;
    let mut observed = crate::usage::Observed::default();
    for (name, complete, events) in &records {
        if !complete {
            observed.incomplete.insert(name.clone());
        }
        for r in events {
            observed.add_record(r);
        }
    }
    Lookup {
        observed,
        calls: recorder.0.lock().map(|c| c.clone()).unwrap_or_default(),
        errors: ctx.errors.into_inner().unwrap_or_default(),
    }
}

pub fn lookup_events_blocking(
    target: &Target,
    functions: &[String],
    days: u32,
) -> std::io::Result<Lookup> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(rt.block_on(lookup_events(target, functions, days)))
}

pub fn collect_blocking(
    target: &Target,
    progress: &(dyn Fn(&str) + Sync),
) -> std::io::Result<Result<Collected, LiveError>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(rt.block_on(collect(target, progress)))
}
