//! Terraform resources as the CloudFormation resources they correspond to, so that one model
//! builder serves both. Attributes keep their `.tf` positions; references between resources
//! stay references (`aws_lambda_function.api.arn` points at that function).

use crate::node::{Key, Kind, Node};

/// A Terraform resource instance after evaluation.
pub struct Instance {
    pub address: String,
    pub ty: String,
    pub attrs: Node,
}

fn key(site: &Node, name: &str) -> Key {
    Key {
        name: name.to_string(),
        line: site.line,
        column: site.column,
    }
}

/// First block of a nested block list (`vpc_config { ... }`).
pub fn first<'a>(n: &'a Node, block: &str) -> Option<&'a Node> {
    n.get(block).and_then(|b| match &b.kind {
        Kind::Seq(items) => items.first(),
        Kind::Map(_) => Some(b),
        _ => None,
    })
}

struct Props<'a> {
    site: &'a Node,
    out: Vec<(Key, Node)>,
}

impl<'a> Props<'a> {
    fn new(site: &'a Node) -> Self {
        Self {
            site,
            out: Vec::new(),
        }
    }

    fn set(&mut self, cfn: &str, v: Option<&Node>) -> &mut Self {
        if let Some(v) = v {
            if !matches!(v.kind, Kind::Null) {
                self.out.push((key(v, cfn), v.clone()));
            }
        }
        self
    }

    fn attr(&mut self, cfn: &str, a: &Node, tf: &str) -> &mut Self {
        self.set(cfn, a.get(tf))
    }

    fn map(&mut self, cfn: &str, inner: Props<'_>) -> &mut Self {
        if !inner.out.is_empty() {
            let at = inner.out[0].1.clone();
            self.out
                .push((key(&at, cfn), at.with_kind(Kind::Map(inner.out))));
        }
        self
    }

    fn node(self) -> Node {
        self.site.with_kind(Kind::Map(self.out))
    }
}

fn sub<'a>(site: &'a Node, block: Option<&Node>, pairs: &[(&str, &str)]) -> Props<'a> {
    let mut p = Props::new(site);
    if let Some(b) = block {
        for (cfn, tf) in pairs {
            p.attr(cfn, b, tf);
        }
    }
    p
}

fn list(site: &Node, items: Vec<Node>) -> Node {
    site.with_kind(Kind::Seq(items))
}

/// S3 canned ACLs in CloudFormation's spelling.
fn canned_acl(n: &Node) -> Node {
    match n.str() {
        Some(s) => {
            let pascal: String = s
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            n.with_kind(Kind::Str(pascal))
        }
        None => n.clone(),
    }
}

/// Load balancer `default_action`/`action` blocks as CloudFormation actions.
fn lb_actions(site: &Node, a: &Node, block: &str) -> Node {
    let actions = a
        .get(block)
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(|x| {
            sub(
                x,
                Some(x),
                &[("Type", "type"), ("TargetGroupArn", "target_group_arn")],
            )
            .node()
        })
        .collect();
    list(site, actions)
}

/// The CloudFormation resource type and properties for one Terraform resource, or `None` for
/// types that carry nothing the model needs (or that are merged into another resource).
pub fn translate(i: &Instance) -> Option<(&'static str, Node)> {
    let a = &i.attrs;
    let site = a;
    let mut p = Props::new(site);
    let ty = match i.ty.as_str() {
        "aws_lambda_function" => {
            p.attr("FunctionName", a, "function_name")
                .attr("Runtime", a, "runtime")
                .attr("Handler", a, "handler")
                .attr("MemorySize", a, "memory_size")
                .attr("Timeout", a, "timeout")
                .attr("KmsKeyArn", a, "kms_key_arn")
                .attr("Layers", a, "layers")
                .attr("Architectures", a, "architectures")
                .attr("Role", a, "role")
                .attr("CodeSigningConfigArn", a, "code_signing_config_arn")
                .attr("PackageType", a, "package_type")
                .attr("FnguardCodeDir", a, "fnguard_source_dir")
                .attr("FnguardCodeOrigin", a, "fnguard_code_origin")
                .attr("FnguardCodeMissing", a, "fnguard_code_missing");
            // -1 means "no reserved concurrency" in the provider.
            if let Some(r) = a.get("reserved_concurrent_executions") {
                if r.as_i64() != Some(-1) {
                    p.set("ReservedConcurrentExecutions", Some(r));
                }
            }
            p.map(
                "Environment",
                sub(site, first(a, "environment"), &[("Variables", "variables")]),
            );
            p.map(
                "VpcConfig",
                sub(site, first(a, "vpc_config"), &[("SubnetIds", "subnet_ids")]),
            );
            p.map(
                "TracingConfig",
                sub(site, first(a, "tracing_config"), &[("Mode", "mode")]),
            );
            p.map(
                "DeadLetterConfig",
                sub(
                    site,
                    first(a, "dead_letter_config"),
                    &[("TargetArn", "target_arn")],
                ),
            );
            "AWS::Lambda::Function"
        }
        "aws_lambda_function_url" => {
            p.attr("TargetFunctionArn", a, "function_name").attr(
                "AuthType",
                a,
                "authorization_type",
            );
            p.map(
                "Cors",
                sub(
                    site,
                    first(a, "cors"),
                    &[
                        ("AllowOrigins", "allow_origins"),
                        ("AllowCredentials", "allow_credentials"),
                    ],
                ),
            );
            "AWS::Lambda::Url"
        }
        "aws_lambda_permission" => {
            p.attr("Action", a, "action")
                .attr("FunctionName", a, "function_name")
                .attr("Principal", a, "principal")
                .attr("SourceArn", a, "source_arn")
                .attr("SourceAccount", a, "source_account")
                .attr("PrincipalOrgID", a, "principal_org_id")
                .attr("FunctionUrlAuthType", a, "function_url_auth_type");
            "AWS::Lambda::Permission"
        }
        "aws_lambda_alias" => {
            p.attr("FunctionName", a, "function_name");
            "AWS::Lambda::Alias"
        }
        "aws_lambda_event_source_mapping" => {
            p.attr("EventSourceArn", a, "event_source_arn")
                .attr("FunctionName", a, "function_name")
                .attr("FunctionResponseTypes", a, "function_response_types");
            if let Some(on_failure) =
                first(a, "destination_config").and_then(|d| first(d, "on_failure"))
            {
                let mut d = Props::new(site);
                d.map(
                    "OnFailure",
                    sub(
                        site,
                        Some(on_failure),
                        &[("Destination", "destination_arn")],
                    ),
                );
                p.map("DestinationConfig", d);
            }
            "AWS::Lambda::EventSourceMapping"
        }
        "aws_lambda_function_event_invoke_config" => {
            p.attr("FunctionName", a, "function_name")
                .attr("MaximumRetryAttempts", a, "maximum_retry_attempts")
                .attr(
                    "MaximumEventAgeInSeconds",
                    a,
                    "maximum_event_age_in_seconds",
                );
            if let Some(on_failure) =
                first(a, "destination_config").and_then(|d| first(d, "on_failure"))
            {
                let mut d = Props::new(site);
                d.map(
                    "OnFailure",
                    sub(site, Some(on_failure), &[("Destination", "destination")]),
                );
                p.map("DestinationConfig", d);
            }
            "AWS::Lambda::EventInvokeConfig"
        }
        "aws_iam_role" => {
            p.attr("RoleName", a, "name")
                .attr("AssumeRolePolicyDocument", a, "assume_role_policy")
                .attr("ManagedPolicyArns", a, "managed_policy_arns")
                .attr("PermissionsBoundary", a, "permissions_boundary");
            let inline: Vec<Node> = a
                .get("inline_policy")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|ip| ip.get("policy"))
                .map(|doc| {
                    doc.with_kind(Kind::Map(vec![(key(doc, "PolicyDocument"), doc.clone())]))
                })
                .collect();
            if !inline.is_empty() {
                p.set("Policies", Some(&list(site, inline)));
            }
            "AWS::IAM::Role"
        }
        "aws_iam_role_policy" => {
            p.attr("PolicyDocument", a, "policy");
            if let Some(r) = a.get("role") {
                p.set("Roles", Some(&list(r, vec![r.clone()])));
            }
            "AWS::IAM::Policy"
        }
        "aws_iam_policy" => {
            p.attr("PolicyDocument", a, "policy")
                .attr("Roles", a, "fnguard_roles");
            "AWS::IAM::ManagedPolicy"
        }
        "aws_s3_bucket" => {
            p.attr("BucketName", a, "bucket").attr("Tags", a, "tags");
            if let Some(acl) = a.get("acl") {
                p.set("AccessControl", Some(&canned_acl(acl)));
            }
            p.attr(
                "PublicAccessBlockConfiguration",
                a,
                "fnguard_public_access_block",
            )
            .attr("NotificationConfiguration", a, "fnguard_notifications");
            "AWS::S3::Bucket"
        }
        "aws_s3_bucket_policy" => {
            p.attr("Bucket", a, "bucket")
                .attr("PolicyDocument", a, "policy");
            "AWS::S3::BucketPolicy"
        }
        "aws_sqs_queue" => {
            p.attr("QueueName", a, "name")
                .attr("KmsMasterKeyId", a, "kms_master_key_id")
                .attr("SqsManagedSseEnabled", a, "sqs_managed_sse_enabled")
                .attr("RedrivePolicy", a, "redrive_policy")
                .attr("Tags", a, "tags");
            "AWS::SQS::Queue"
        }
        "aws_sqs_queue_policy" => {
            if let Some(q) = a.get("queue_url") {
                p.set("Queues", Some(&list(q, vec![q.clone()])));
            }
            p.attr("PolicyDocument", a, "policy");
            "AWS::SQS::QueuePolicy"
        }
        "aws_sns_topic" => {
            p.attr("TopicName", a, "name")
                .attr("KmsMasterKeyId", a, "kms_master_key_id")
                .attr("Tags", a, "tags");
            "AWS::SNS::Topic"
        }
        "aws_sns_topic_policy" => {
            if let Some(t) = a.get("arn") {
                p.set("Topics", Some(&list(t, vec![t.clone()])));
            }
            p.attr("PolicyDocument", a, "policy");
            "AWS::SNS::TopicPolicy"
        }
        "aws_sns_topic_subscription" => {
            p.attr("Protocol", a, "protocol")
                .attr("Endpoint", a, "endpoint")
                .attr("TopicArn", a, "topic_arn");
            "AWS::SNS::Subscription"
        }
        "aws_dynamodb_table" => {
            p.attr("TableName", a, "name").attr("Tags", a, "tags");
            "AWS::DynamoDB::Table"
        }
        "aws_kinesis_stream" => {
            p.attr("Name", a, "name");
            if let Some(e) = a.get("encryption_type") {
                if e.str().is_some_and(|s| s.eq_ignore_ascii_case("KMS")) {
                    p.set("StreamEncryption", Some(e));
                }
            }
            "AWS::Kinesis::Stream"
        }
        "aws_secretsmanager_secret" => {
            p.attr("Name", a, "name");
            "AWS::SecretsManager::Secret"
        }
        "aws_lambda_layer_version" => {
            p.attr("LayerName", a, "layer_name");
            "AWS::Lambda::LayerVersion"
        }
        "aws_lambda_layer_version_permission" => {
            p.attr("LayerVersionArn", a, "layer_name")
                .attr("Action", a, "action")
                .attr("Principal", a, "principal")
                .attr("OrganizationId", a, "organization_id");
            "AWS::Lambda::LayerVersionPermission"
        }
        "aws_kms_key" => {
            p.attr("Description", a, "description");
            "AWS::KMS::Key"
        }
        "aws_ssm_parameter" => {
            p.attr("Name", a, "name")
                .attr("Type", a, "type")
                .attr("Value", a, "value");
            "AWS::SSM::Parameter"
        }
        "aws_cloudwatch_log_group" => {
            p.attr("LogGroupName", a, "name")
                .attr("RetentionInDays", a, "retention_in_days");
            "AWS::Logs::LogGroup"
        }
        "aws_cloudwatch_event_rule" => {
            p.attr("ScheduleExpression", a, "schedule_expression")
                .attr("EventBusName", a, "event_bus_name")
                .attr("EventPattern", a, "event_pattern")
                .attr("Targets", a, "fnguard_targets");
            "AWS::Events::Rule"
        }
        "aws_sfn_state_machine" => {
            p.attr("StateMachineName", a, "name")
                .attr("DefinitionString", a, "definition")
                .attr("RoleArn", a, "role_arn")
                .attr("Tags", a, "tags");
            "AWS::StepFunctions::StateMachine"
        }
        "aws_cloudwatch_event_bus" => {
            p.attr("Name", a, "name");
            "AWS::Events::EventBus"
        }
        "aws_cognito_user_pool" => {
            p.attr("UserPoolName", a, "name");
            let schema: Vec<Node> = a
                .get("schema")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(|s| sub(s, Some(s), &[("Name", "name")]).node())
                .collect();
            if !schema.is_empty() {
                p.set("Schema", Some(&list(site, schema)));
            }
            p.set("LambdaConfig", first(a, "lambda_config"));
            "AWS::Cognito::UserPool"
        }
        "aws_cognito_user_pool_client" => {
            p.attr("ClientName", a, "name")
                .attr("UserPoolId", a, "user_pool_id")
                .attr("WriteAttributes", a, "write_attributes");
            "AWS::Cognito::UserPoolClient"
        }
        "aws_api_gateway_rest_api" => {
            p.attr("Name", a, "name").attr("Body", a, "body");
            p.map(
                "EndpointConfiguration",
                sub(
                    site,
                    first(a, "endpoint_configuration"),
                    &[("Types", "types")],
                ),
            );
            "AWS::ApiGateway::RestApi"
        }
        "aws_api_gateway_resource" => {
            p.attr("RestApiId", a, "rest_api_id")
                .attr("ParentId", a, "parent_id")
                .attr("PathPart", a, "path_part");
            "AWS::ApiGateway::Resource"
        }
        "aws_api_gateway_method" => {
            p.attr("RestApiId", a, "rest_api_id")
                .attr("ResourceId", a, "resource_id")
                .attr("HttpMethod", a, "http_method")
                .attr("AuthorizationType", a, "authorization")
                .attr("ApiKeyRequired", a, "api_key_required")
                .attr("RequestValidatorId", a, "request_validator_id")
                .attr("RequestModels", a, "request_models")
                .attr("Integration", a, "fnguard_integration");
            "AWS::ApiGateway::Method"
        }
        "aws_api_gateway_stage" => {
            p.attr("RestApiId", a, "rest_api_id")
                .attr("StageName", a, "stage_name")
                .attr("Variables", a, "variables")
                .attr("MethodSettings", a, "fnguard_method_settings");
            p.map(
                "AccessLogSetting",
                sub(
                    site,
                    first(a, "access_log_settings"),
                    &[("DestinationArn", "destination_arn")],
                ),
            );
            "AWS::ApiGateway::Stage"
        }
        "aws_api_gateway_usage_plan" => {
            let stages: Vec<Node> = a
                .get("api_stages")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(|s| sub(s, Some(s), &[("ApiId", "api_id")]).node())
                .collect();
            p.set("ApiStages", Some(&list(site, stages)));
            p.map(
                "Throttle",
                sub(
                    site,
                    first(a, "throttle_settings"),
                    &[("RateLimit", "rate_limit"), ("BurstLimit", "burst_limit")],
                ),
            );
            "AWS::ApiGateway::UsagePlan"
        }
        "aws_apigatewayv2_api" => {
            p.attr("ProtocolType", a, "protocol_type")
                .attr("Target", a, "target")
                .attr("Body", a, "body");
            p.map(
                "CorsConfiguration",
                sub(
                    site,
                    first(a, "cors_configuration"),
                    &[
                        ("AllowOrigins", "allow_origins"),
                        ("AllowCredentials", "allow_credentials"),
                    ],
                ),
            );
            "AWS::ApiGatewayV2::Api"
        }
        "aws_apigatewayv2_integration" => {
            p.attr("ApiId", a, "api_id")
                .attr("IntegrationUri", a, "integration_uri");
            "AWS::ApiGatewayV2::Integration"
        }
        "aws_apigatewayv2_route" => {
            p.attr("ApiId", a, "api_id")
                .attr("RouteKey", a, "route_key")
                .attr("Target", a, "target")
                .attr("AuthorizationType", a, "authorization_type")
                .attr("ApiKeyRequired", a, "api_key_required");
            "AWS::ApiGatewayV2::Route"
        }
        "aws_apigatewayv2_stage" => {
            p.attr("ApiId", a, "api_id").attr("StageName", a, "name");
            p.map(
                "AccessLogSettings",
                sub(
                    site,
                    first(a, "access_log_settings"),
                    &[("DestinationArn", "destination_arn")],
                ),
            );
            p.map(
                "DefaultRouteSettings",
                sub(
                    site,
                    first(a, "default_route_settings"),
                    &[
                        ("ThrottlingRateLimit", "throttling_rate_limit"),
                        ("ThrottlingBurstLimit", "throttling_burst_limit"),
                    ],
                ),
            );
            "AWS::ApiGatewayV2::Stage"
        }
        "aws_lb" | "aws_alb" => {
            let internal = a.get("internal").and_then(Node::as_bool) == Some(true);
            p.set(
                "Scheme",
                Some(
                    &site.with_kind(Kind::Str(
                        if internal {
                            "internal"
                        } else {
                            "internet-facing"
                        }
                        .into(),
                    )),
                ),
            );
            if let Some(t) = a.get("load_balancer_type") {
                p.set("Type", Some(t));
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer"
        }
        "aws_lb_target_group" | "aws_alb_target_group" => {
            p.attr("TargetType", a, "target_type")
                .attr("Targets", a, "fnguard_targets");
            "AWS::ElasticLoadBalancingV2::TargetGroup"
        }
        "aws_lb_listener" | "aws_alb_listener" => {
            p.attr("LoadBalancerArn", a, "load_balancer_arn");
            p.set(
                "DefaultActions",
                Some(&lb_actions(site, a, "default_action")),
            );
            "AWS::ElasticLoadBalancingV2::Listener"
        }
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => {
            p.attr("ListenerArn", a, "listener_arn");
            p.set("Actions", Some(&lb_actions(site, a, "action")));
            "AWS::ElasticLoadBalancingV2::ListenerRule"
        }
        "aws_wafv2_web_acl_association" | "aws_wafregional_web_acl_association" => {
            p.attr("ResourceArn", a, "resource_arn");
            "AWS::WAFv2::WebACLAssociation"
        }
        _ => return None,
    };
    Some((ty, p.node()))
}
