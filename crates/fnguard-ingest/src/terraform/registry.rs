//! Two registry modules that serverless Terraform leans on are not downloaded but mapped from
//! their inputs onto the resources they create (names as in the modules' sources):
//! `terraform-aws-modules/lambda/aws` and `terraform-aws-modules/apigateway-v2/aws`.

use super::translate::Instance;
use crate::node::{Key, Kind, Node};

pub const LAMBDA: &str = "terraform-aws-modules/lambda/aws";
pub const APIGW_V2: &str = "terraform-aws-modules/apigateway-v2/aws";

fn key(site: &Node, name: &str) -> Key {
    Key {
        name: name.to_string(),
        line: site.line,
        column: site.column,
    }
}

fn obj(site: &Node, entries: Vec<(&str, Node)>) -> Node {
    site.with_kind(Kind::Map(
        entries.into_iter().map(|(k, v)| (key(&v, k), v)).collect(),
    ))
}

fn block(site: &Node, entries: Vec<(&str, Node)>) -> Node {
    site.with_kind(Kind::Seq(vec![obj(site, entries)]))
}

/// `terraform-aws-modules/lambda/aws`, with a `//submodule`, or the same module from its git
/// repository (`github.com/terraform-aws-modules/terraform-aws-lambda?ref=...`).
fn source_is(source: &str, module: &str) -> bool {
    let repo = match module {
        LAMBDA => "terraform-aws-modules/terraform-aws-lambda",
        APIGW_V2 => "terraform-aws-modules/terraform-aws-apigateway-v2",
        _ => module,
    };
    let base = source.split("//").next().unwrap_or(source);
    base == module
        || source.starts_with(&format!("{module}//"))
        || base
            .trim_end_matches(".git")
            .split('?')
            .next()
            .is_some_and(|b| b.ends_with(repo))
}

/// Resources a registry module would create, or `None` if fnguard does not know the module.
pub fn map(source: &str, prefix: &str, inputs: &Node) -> Option<Vec<Instance>> {
    if source_is(source, LAMBDA) {
        Some(lambda(prefix, inputs))
    } else if source_is(source, APIGW_V2) {
        Some(apigw_v2(prefix, inputs))
    } else {
        None
    }
}

fn input<'a>(inputs: &'a Node, name: &str) -> Option<&'a Node> {
    inputs.get(name).filter(|n| !matches!(n.kind, Kind::Null))
}

fn lambda(prefix: &str, inputs: &Node) -> Vec<Instance> {
    let mut out = Vec::new();
    if input(inputs, "create").and_then(Node::as_bool) == Some(false)
        || input(inputs, "create_function").and_then(Node::as_bool) == Some(false)
    {
        return out;
    }
    let site = inputs;
    let function = format!("{prefix}aws_lambda_function.this[0]");
    let mut attrs: Vec<(&str, Node)> = Vec::new();
    for (tf, module_input) in [
        ("function_name", "function_name"),
        ("handler", "handler"),
        ("runtime", "runtime"),
        ("memory_size", "memory_size"),
        ("timeout", "timeout"),
        ("kms_key_arn", "kms_key_arn"),
        ("layers", "layers"),
        ("architectures", "architectures"),
        ("package_type", "package_type"),
        (
            "reserved_concurrent_executions",
            "reserved_concurrent_executions",
        ),
        ("code_signing_config_arn", "code_signing_config_arn"),
    ] {
        if let Some(v) = input(inputs, module_input) {
            attrs.push((tf, v.clone()));
        }
    }
    // The module's defaults: 3 s timeout, 128 MB, its own role.
    if input(inputs, "timeout").is_none() {
        attrs.push(("timeout", site.with_kind(Kind::Int(3))));
    }
    if let Some(env) = input(inputs, "environment_variables") {
        attrs.push(("environment", block(env, vec![("variables", env.clone())])));
    }
    if let Some(mode) = input(inputs, "tracing_mode") {
        attrs.push(("tracing_config", block(mode, vec![("mode", mode.clone())])));
    }
    if let Some(dlq) = input(inputs, "dead_letter_target_arn") {
        attrs.push((
            "dead_letter_config",
            block(dlq, vec![("target_arn", dlq.clone())]),
        ));
    }
    let role = match input(inputs, "lambda_role") {
        Some(r) if input(inputs, "create_role").and_then(Node::as_bool) == Some(false) => r.clone(),
        _ => {
            let role_address = format!("{prefix}aws_iam_role.lambda[0]");
            let trust = crate::policy::from_json(
                site,
                &serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            );
            let mut role_attrs = vec![("assume_role_policy", trust)];
            if let Some(statements) = input(inputs, "policy_statements") {
                // A map of name => {effect, actions, resources}; kept as an inline policy.
                let sts: Vec<Node> = statements
                    .entries()
                    .iter()
                    .map(|(_, s)| {
                        let mut e = vec![(
                            "Effect",
                            s.get("effect")
                                .cloned()
                                .unwrap_or_else(|| s.with_kind(Kind::Str("Allow".into()))),
                        )];
                        if let Some(a) = s.get("actions") {
                            e.push(("Action", a.clone()));
                        }
                        if let Some(r) = s.get("resources") {
                            e.push(("Resource", r.clone()));
                        }
                        obj(s, e)
                    })
                    .collect();
                let doc = obj(
                    statements,
                    vec![("Statement", statements.with_kind(Kind::Seq(sts)))],
                );
                role_attrs.push(("inline_policy", block(statements, vec![("policy", doc)])));
            }
            out.push(Instance {
                address: role_address.clone(),
                ty: "aws_iam_role".into(),
                attrs: obj(site, role_attrs),
            });
            site.with_kind(Kind::Ref {
                id: role_address,
                attr: Some("arn".into()),
            })
        }
    };
    attrs.push(("role", role));
    let fn_ref = site.with_kind(Kind::Ref {
        id: function.clone(),
        attr: Some("function_name".into()),
    });
    out.push(Instance {
        address: function.clone(),
        ty: "aws_lambda_function".into(),
        attrs: obj(site, attrs),
    });
    if let Some(create_url) =
        input(inputs, "create_lambda_function_url").filter(|c| c.as_bool() == Some(true))
    {
        // The module's default is NONE: the line that turns the URL on is the one to change.
        let auth = input(inputs, "authorization_type")
            .cloned()
            .unwrap_or_else(|| create_url.with_kind(Kind::Str("NONE".into())));
        let mut url = vec![
            ("function_name", fn_ref.clone()),
            ("authorization_type", auth),
        ];
        if let Some(cors) = input(inputs, "cors") {
            url.push((
                "cors",
                block(
                    cors,
                    cors.entries()
                        .iter()
                        .map(|(k, v)| (k.name.as_str(), v.clone()))
                        .collect(),
                ),
            ));
        }
        out.push(Instance {
            address: format!("{prefix}aws_lambda_function_url.this[0]"),
            ty: "aws_lambda_function_url".into(),
            attrs: obj(site, url),
        });
    }
    if let Some(triggers) = input(inputs, "allowed_triggers") {
        for (name, t) in triggers.entries() {
            let principal = t.get("principal").cloned().or_else(|| {
                t.get("service")
                    .and_then(Node::scalar_text)
                    .map(|s| t.with_kind(Kind::Str(format!("{s}.amazonaws.com"))))
            });
            let mut p = vec![
                ("function_name", fn_ref.clone()),
                (
                    "action",
                    t.with_kind(Kind::Str("lambda:InvokeFunction".into())),
                ),
            ];
            if let Some(pr) = principal {
                p.push(("principal", pr));
            }
            if let Some(s) = t.get("source_arn") {
                p.push(("source_arn", s.clone()));
            }
            out.push(Instance {
                address: format!("{prefix}aws_lambda_permission.triggers[\"{}\"]", name.name),
                ty: "aws_lambda_permission".into(),
                attrs: obj(t, p),
            });
        }
    }
    if let Some(days) = input(inputs, "cloudwatch_logs_retention_in_days") {
        out.push(Instance {
            address: format!("{prefix}aws_cloudwatch_log_group.lambda[0]"),
            ty: "aws_cloudwatch_log_group".into(),
            attrs: obj(
                days,
                vec![
                    ("retention_in_days", days.clone()),
                    (
                        "name",
                        fn_ref.unknown("log group name", vec![function.clone()]),
                    ),
                ],
            ),
        });
    }
    out
}

fn apigw_v2(prefix: &str, inputs: &Node) -> Vec<Instance> {
    let mut out = Vec::new();
    if input(inputs, "create").and_then(Node::as_bool) == Some(false) {
        return out;
    }
    let site = inputs;
    let api = format!("{prefix}aws_apigatewayv2_api.this[0]");
    let api_ref = site.with_kind(Kind::Ref {
        id: api.clone(),
        attr: Some("id".into()),
    });
    let mut attrs = vec![(
        "protocol_type",
        input(inputs, "protocol_type")
            .cloned()
            .unwrap_or_else(|| site.with_kind(Kind::Str("HTTP".into()))),
    )];
    if let Some(c) = input(inputs, "cors_configuration") {
        attrs.push((
            "cors_configuration",
            block(
                c,
                c.entries()
                    .iter()
                    .map(|(k, v)| (k.name.as_str(), v.clone()))
                    .collect(),
            ),
        ));
    }
    out.push(Instance {
        address: api.clone(),
        ty: "aws_apigatewayv2_api".into(),
        attrs: obj(site, attrs),
    });
    if input(inputs, "create_default_stage").and_then(Node::as_bool) != Some(false)
        && input(inputs, "create_stage").and_then(Node::as_bool) != Some(false)
    {
        let mut stage = vec![
            ("api_id", api_ref.clone()),
            ("name", site.with_kind(Kind::Str("$default".into()))),
        ];
        let log = input(inputs, "stage_access_log_settings")
            .or_else(|| input(inputs, "default_stage_access_log_destination_arn"));
        if let Some(l) = log {
            let dest = l
                .get("destination_arn")
                .cloned()
                .unwrap_or_else(|| l.clone());
            stage.push((
                "access_log_settings",
                block(l, vec![("destination_arn", dest)]),
            ));
        }
        out.push(Instance {
            address: format!("{prefix}aws_apigatewayv2_stage.this[0]"),
            ty: "aws_apigatewayv2_stage".into(),
            attrs: obj(site, stage),
        });
    }
    // v5 `routes` (route => {integration = {uri}}) and v2–v4 `integrations` (route => {lambda_arn}).
    let routes = input(inputs, "routes").or_else(|| input(inputs, "integrations"));
    for (route, spec) in routes.map(Node::entries).unwrap_or_default() {
        let uri = spec
            .path(&["integration", "uri"])
            .or_else(|| spec.get("lambda_arn"))
            .or_else(|| spec.get("integration_uri"))
            .cloned();
        let integration = format!(
            "{prefix}aws_apigatewayv2_integration.this[\"{}\"]",
            route.name
        );
        if let Some(uri) = uri {
            out.push(Instance {
                address: integration.clone(),
                ty: "aws_apigatewayv2_integration".into(),
                attrs: obj(
                    spec,
                    vec![("api_id", api_ref.clone()), ("integration_uri", uri)],
                ),
            });
        }
        let auth = spec.get("authorization_type").cloned().unwrap_or_else(|| {
            let has_authorizer =
                spec.get("authorizer_key").is_some() || spec.get("authorizer_id").is_some();
            spec.with_kind(Kind::Str(
                if has_authorizer { "CUSTOM" } else { "NONE" }.into(),
            ))
        });
        let target = spec.unknown("integration target", vec![integration]);
        out.push(Instance {
            address: format!("{prefix}aws_apigatewayv2_route.this[\"{}\"]", route.name),
            ty: "aws_apigatewayv2_route".into(),
            attrs: obj(
                spec,
                vec![
                    ("api_id", api_ref.clone()),
                    ("route_key", spec.with_kind(Kind::Str(route.name.clone()))),
                    ("target", target),
                    ("authorization_type", auth),
                ],
            ),
        });
    }
    out
}

/// The resource a registry module output names (`module.fn.lambda_function_arn`).
pub fn output_address(source: &str, prefix: &str, output: &str) -> Option<(String, &'static str)> {
    if source_is(source, LAMBDA) && output.starts_with("lambda_function_") {
        return Some((format!("{prefix}aws_lambda_function.this[0]"), "arn"));
    }
    if source_is(source, LAMBDA) && output.starts_with("lambda_role_") {
        return Some((format!("{prefix}aws_iam_role.lambda[0]"), "arn"));
    }
    if source_is(source, APIGW_V2)
        && (output.starts_with("api_") || output.starts_with("apigatewayv2_api_"))
    {
        return Some((format!("{prefix}aws_apigatewayv2_api.this[0]"), "id"));
    }
    None
}
