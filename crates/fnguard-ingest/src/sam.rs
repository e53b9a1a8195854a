//! The SAM transform, emulated: Globals, generated roles and policies, implicit APIs and their
//! auth, events as triggers, function URLs.

use crate::cfn::build::{
    cors_v2, endpoint_is_private, s3_filter, setting_i64, setting_str, stage_from, Res,
};
use crate::cfn::Builder;
use crate::node::{Key, Kind, Node};
use crate::policy::policy_document;
use crate::sam_policies;
use fnguard_model::{
    ApiKind, Auth, Cors, Effect, FunctionUrl, Location, PolicyDocument, Principals, ResourceKind,
    Role, RoleRef, Setting, Statement, Trigger, TriggerKind, Val,
};
use std::collections::HashMap;

pub const IMPLICIT_REST: &str = "ServerlessRestApi";
pub const IMPLICIT_HTTP: &str = "ServerlessHttpApi";
const BASIC_EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

pub fn is_sam(root: &Node) -> bool {
    root.get("Transform").is_some_and(|t| {
        t.one_or_many()
            .iter()
            .any(|x| x.str().is_some_and(|s| s.starts_with("AWS::Serverless")))
    })
}

pub fn uses_sam_resources(resources: &Node) -> bool {
    resources.entries().iter().any(|(_, r)| {
        r.get("Type")
            .and_then(Node::str)
            .is_some_and(|t| t.starts_with("AWS::Serverless::"))
    })
}

fn globals_key(ty: &str) -> Option<&'static str> {
    match ty {
        "AWS::Serverless::Function" => Some("Function"),
        "AWS::Serverless::Api" => Some("Api"),
        "AWS::Serverless::HttpApi" => Some("HttpApi"),
        "AWS::Serverless::SimpleTable" => Some("SimpleTable"),
        "AWS::Serverless::StateMachine" => Some("StateMachine"),
        _ => None,
    }
}

/// Globals merged into each resource (maps merge, lists concatenate, scalars: the resource
/// wins), plus the implicit APIs that events without an explicit API create.
/// Takes the resources (the template's own mapping, moved out of the tree) to edit them in
/// place: copying every resource was most of the time spent here.
pub fn apply_globals(root: &Node, resources: Node) -> Node {
    let globals = root.get("Globals");
    let shell = resources.with_kind(Kind::Null);
    let entries = match resources.kind {
        Kind::Map(entries) => entries,
        _ => Vec::new(),
    };
    let mut out: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
    // The first event that makes the transform create each implicit API: where its settings
    // (or a `Globals.Api` block) would be added.
    let mut needs_rest: Option<Node> = None;
    let mut needs_http: Option<Node> = None;
    for (key, mut res) in entries {
        let ty = res
            .get("Type")
            .and_then(Node::str)
            .unwrap_or("")
            .to_string();
        let ty = ty.as_str();
        if let Some(g) = globals_key(ty).and_then(|k| globals.and_then(|g| g.get(k))) {
            match property_slot(&mut res, "Properties") {
                Some(slot) => {
                    let null = slot.with_kind(Kind::Null);
                    let mine = std::mem::replace(slot, null);
                    *slot = merge(g, mine);
                }
                None => {
                    let empty = res.with_kind(Kind::Map(Vec::new()));
                    set(&mut res, "Properties", merge(g, empty));
                }
            }
        }
        if ty == "AWS::Serverless::Function" {
            for (k, ev) in res
                .path(&["Properties", "Events"])
                .map(Node::entries)
                .unwrap_or_default()
            {
                let p = ev.get("Properties");
                let mut at = ev.clone();
                at.line = k.line;
                at.column = k.column;
                match ev.get("Type").and_then(Node::str) {
                    Some("Api") if p.and_then(|p| p.get("RestApiId")).is_none() => {
                        needs_rest.get_or_insert(at);
                    }
                    Some("HttpApi") if p.and_then(|p| p.get("ApiId")).is_none() => {
                        needs_http.get_or_insert(at);
                    }
                    _ => {}
                }
            }
        }
        out.push((key, res));
    }
    let mut add_implicit = |id: &str, ty: &str, gkey: &str, at: &Node| {
        if out.iter().any(|(k, _)| k.name == id) {
            return;
        }
        let props = globals
            .and_then(|g| g.get(gkey))
            .cloned()
            .unwrap_or_else(|| at.with_kind(Kind::Map(Vec::new())));
        let node = at.with_kind(Kind::Map(vec![
            (key_at(at, "Type"), at.with_kind(Kind::Str(ty.into()))),
            (key_at(at, "Properties"), props),
        ]));
        out.push((key_at(at, id), node));
    };
    if let Some(at) = &needs_rest {
        add_implicit(IMPLICIT_REST, "AWS::Serverless::Api", "Api", at);
    }
    if let Some(at) = &needs_http {
        add_implicit(IMPLICIT_HTTP, "AWS::Serverless::HttpApi", "HttpApi", at);
    }
    shell.with_kind(Kind::Map(out))
}

/// The value `Node::get` reads for `key` (the last of duplicate keys), to edit in place.
fn property_slot<'n>(node: &'n mut Node, key: &str) -> Option<&'n mut Node> {
    let Kind::Map(entries) = &mut node.kind else {
        return None;
    };
    entries
        .iter_mut()
        .rev()
        .find(|(k, _)| k.name == key)
        .map(|(_, v)| v)
}

fn key_at(n: &Node, name: &str) -> Key {
    Key {
        name: name.to_string(),
        line: n.line,
        column: n.column,
    }
}

fn set(node: &mut Node, key: &str, value: Node) {
    if let Kind::Map(entries) = &mut node.kind {
        if let Some(e) = entries.iter_mut().find(|(k, _)| k.name == key) {
            e.1 = value;
        } else {
            entries.push((key_at(&value, key), value));
        }
    }
}

fn merge(global: &Node, mut local: Node) -> Node {
    match (&global.kind, &mut local.kind) {
        (Kind::Map(g), Kind::Map(out)) => {
            for (gk, gv) in g {
                match out.iter_mut().find(|(k, _)| k.name == gk.name) {
                    Some(entry) => {
                        let null = entry.1.with_kind(Kind::Null);
                        let mine = std::mem::replace(&mut entry.1, null);
                        entry.1 = merge(gv, mine);
                    }
                    None => out.push((gk.clone(), gv.clone())),
                }
            }
            local
        }
        (Kind::Seq(g), Kind::Seq(l)) => {
            let mut out = g.clone();
            out.append(l);
            local.with_kind(Kind::Seq(out))
        }
        _ => local,
    }
}

/// Logical ids the transform creates, so that `!GetAtt FnRole.Arn` and `!Ref ServerlessRestApi`
/// resolve.
pub fn generated_ids(resources: &Node) -> Vec<String> {
    let mut ids = Vec::new();
    for (key, res) in resources.entries() {
        if res.get("Type").and_then(Node::str) == Some("AWS::Serverless::Function") {
            ids.push(format!("{}Role", key.name));
            ids.push(format!("{}Url", key.name));
        }
    }
    ids.push(IMPLICIT_REST.into());
    ids.push(IMPLICIT_HTTP.into());
    ids
}

pub(crate) fn add_primary(b: &mut Builder<'_>, all: &[Res]) {
    for r in all {
        match r.ty.as_str() {
            "AWS::Serverless::Api" => {
                let mut api = b.api(r, ApiKind::Rest);
                api.implicit = r.id == IMPLICIT_REST;
                api.private = endpoint_is_private(r.props.get("EndpointConfiguration"));
                api.cors = r.props.get("Cors").map(sam_rest_cors);
                let mut stage = stage_from(&r.props, &r.location);
                if r.props.get("StageName").is_none() {
                    stage.name = Val::Known("Prod".into());
                }
                api.stages.push(stage);
                b.project.apis.push(api);
            }
            "AWS::Serverless::HttpApi" => {
                let mut api = b.api(r, ApiKind::Http);
                api.implicit = r.id == IMPLICIT_HTTP;
                api.cors = r.props.get("CorsConfiguration").map(|c| match c.as_bool() {
                    Some(true) => Cors {
                        allow_origins: vec![Val::Known("*".into())],
                        allow_credentials: None,
                        location: c.location(),
                    },
                    _ => cors_v2(c),
                });
                api.stages.push(stage_from(&r.props, &r.location));
                b.project.apis.push(api);
            }
            "AWS::Serverless::SimpleTable" => {
                let t = b.resource(r, ResourceKind::Table, "TableName");
                b.project.resources.push(t);
            }
            _ => {}
        }
    }
    // Directories that are some function's code as written, with its handler module: a search
    // for a missing function's sources never takes another function's handler file.
    let taken: Vec<(std::path::PathBuf, String)> = all
        .iter()
        .filter(|r| r.ty == "AWS::Serverless::Function")
        .filter_map(|r| {
            let dir = b.dir.join(r.props.get("CodeUri")?.str()?);
            let module = r
                .props
                .get("Handler")?
                .str()?
                .rsplit_once('.')?
                .0
                .to_string();
            dir.is_dir().then_some((dir, module))
        })
        .collect();
    for r in all.iter().filter(|r| r.ty == "AWS::Serverless::Function") {
        let p = &r.props;
        if p.get("Role").is_none() {
            b.project.roles.push(generated_role(r));
        }
        let mut f = b.lambda_function(r);
        if p.get("Role").is_none() {
            f.role = RoleRef::Declared {
                id: format!("{}Role", r.id),
                location: r.location.clone(),
            };
        }
        f.tracing = setting_str(p, "Tracing");
        f.dead_letter = p
            .path(&["DeadLetterQueue", "TargetArn"])
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        // Inline code has no package to read.
        if p.get("InlineCode").is_some() {
            f.code_missing = Some(
                "its code is inline (`InlineCode`), which fnguard does not analyse".to_string(),
            );
        } else if let Some(uri) = p.get("CodeUri") {
            match uri.str() {
                Some(c) => {
                    let handler = f.handler.as_ref().and_then(|h| h.value.as_str());
                    let runtime = f.runtime.as_ref().and_then(|r| r.value.as_str());
                    let loc = crate::codeloc::locate(&b.dir, &b.root, c, handler, runtime, &taken);
                    f.code_path = loc.dir.map(|d| crate::relative_dir(&b.root, &d));
                    f.code_origin = loc.origin;
                    f.code_missing = loc.missing;
                }
                None if uri.get("Bucket").is_some() => {
                    f.code_missing = Some("its code is in S3 (`CodeUri` Bucket/Key)".to_string());
                }
                None => {
                    f.code_missing = Some("its `CodeUri` could not be resolved".to_string());
                }
            }
        }
        f.provisioned_concurrency = p
            .get("ProvisionedConcurrencyConfig")
            .and_then(|c| setting_i64(c, "ProvisionedConcurrentExecutions"))
            .map(Box::new);
        if let Some(cfg) = p.get("EventInvokeConfig") {
            f.async_max_retries = setting_i64(cfg, "MaximumRetryAttempts").map(Box::new);
            f.async_max_event_age_s = setting_i64(cfg, "MaximumEventAgeInSeconds").map(Box::new);
            if let Some(d) = cfg.path(&["DestinationConfig", "OnFailure", "Destination"]) {
                f.on_failure_destination =
                    Some(Box::new(Setting::new(d.to_val_string(), d.location())));
                f.uses.extend(d.refs());
            }
        }
        if let Some(u) = p.get("FunctionUrlConfig") {
            f.url = Some(Box::new(FunctionUrl {
                auth_type: setting_str(u, "AuthType").unwrap_or_else(|| {
                    Setting::new(Val::unknown("AuthType missing"), u.location())
                }),
                cors: u.get("Cors").map(cors_v2),
                location: u.location(),
            }));
        }
        f.uses
            .extend(p.get("Policies").map(Node::refs).unwrap_or_default());
        b.fn_ids.insert(r.id.clone(), f.id.clone());
        b.project.functions.push(f);
    }
}

/// `'*'` (quoted, as SAM wants it) or `{AllowOrigin: "'*'", AllowCredentials: true}`.
fn sam_rest_cors(c: &Node) -> Cors {
    match &c.kind {
        Kind::Str(_) => Cors {
            allow_origins: vec![c.to_val_string()],
            allow_credentials: None,
            location: c.location(),
        },
        _ => cors_v2(c),
    }
}

fn generated_role(r: &Res) -> Role {
    let p = &r.props;
    let mut role = Role::new(format!("{}Role", r.id), r.location.clone());
    role.generated = true;
    role.trust_policy = Some(lambda_trust(&r.location));
    role.managed_policies.push(Setting::new(
        Val::Known(BASIC_EXECUTION.into()),
        r.location.clone(),
    ));
    if p.get("VpcConfig").is_some() {
        role.managed_policies.push(Setting::new(
            Val::Known(
                "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole".into(),
            ),
            r.location.clone(),
        ));
    }
    role.permissions_boundary = setting_str(p, "PermissionsBoundary");
    let Some(policies) = p.get("Policies") else {
        return role;
    };
    for pol in policies.one_or_many() {
        match &pol.kind {
            Kind::Str(name) => {
                let arn = if name.starts_with("arn:") {
                    name.clone()
                } else {
                    format!("arn:aws:iam::aws:policy/{name}")
                };
                role.managed_policies
                    .push(Setting::new(Val::Known(arn), pol.location()));
            }
            Kind::Map(entries) if pol.get("Statement").is_some() => {
                let _ = entries;
                role.inline_policies.push(policy_document(pol));
            }
            Kind::Map(entries) => {
                for (k, args) in entries {
                    role.inline_policies.push(PolicyDocument {
                        statements: sam_policies::expand(&k.name, args),
                        location: Location::new(&pol.file, k.line, k.column),
                        ..Default::default()
                    });
                }
            }
            _ => role
                .managed_policies
                .push(Setting::new(pol.to_val_string(), pol.location())),
        }
    }
    role
}

pub(crate) fn lambda_trust(location: &Location) -> PolicyDocument {
    PolicyDocument {
        statements: vec![Statement {
            sid: None,
            effect: Val::Known(Effect::Allow),
            actions: vec![Val::Known("sts:AssumeRole".into())],
            not_actions: Vec::new(),
            resources: Vec::new(),
            not_resources: Vec::new(),
            principals: Some(Principals {
                service: vec![Val::Known("lambda.amazonaws.com".into())],
                ..Principals::default()
            }),
            not_principals: None,
            conditions: Vec::new(),
            location: location.clone(),
        }],
        location: location.clone(),
        ..Default::default()
    }
}

/// Authorizers an API declares, by name, and its default.
struct ApiAuth {
    authorizers: HashMap<String, Auth>,
    default: Option<Auth>,
    default_on_preflight: bool,
}

fn api_auth(props: Option<&Node>) -> ApiAuth {
    let mut authorizers = HashMap::new();
    authorizers.insert("AWS_IAM".to_string(), Auth::Iam);
    let auth = props.and_then(|p| p.get("Auth"));
    for (name, a) in auth
        .and_then(|a| a.get("Authorizers"))
        .map(Node::entries)
        .unwrap_or_default()
    {
        let kind = if a.get("UserPoolArn").is_some() {
            Auth::Cognito
        } else if a.get("JwtConfiguration").is_some() {
            Auth::Jwt
        } else if a.get("FunctionArn").is_some() {
            Auth::Lambda
        } else {
            Auth::Unknown(format!("authorizer {}", name.name))
        };
        authorizers.insert(name.name.clone(), kind);
    }
    let default = auth
        .and_then(|a| a.get("DefaultAuthorizer"))
        .map(|d| match d.str() {
            Some(name) => authorizers
                .get(name)
                .cloned()
                .unwrap_or_else(|| Auth::Unknown(format!("authorizer {name} is not declared"))),
            None => Auth::Unknown(
                d.to_val_string()
                    .unresolved()
                    .map(|u| u.reason.clone())
                    .unwrap_or_default(),
            ),
        });
    ApiAuth {
        authorizers,
        default,
        default_on_preflight: auth
            .and_then(|a| a.get("AddDefaultAuthorizerToCorsPreflight"))
            .and_then(Node::as_bool)
            .unwrap_or(true),
    }
}

pub(crate) fn add_secondary(b: &mut Builder<'_>, all: &[Res]) {
    let api_props: HashMap<&str, &Node> = all
        .iter()
        .filter(|r| {
            matches!(
                r.ty.as_str(),
                "AWS::Serverless::Api" | "AWS::Serverless::HttpApi"
            )
        })
        .map(|r| (r.id.as_str(), &r.props))
        .collect();
    for r in all {
        if matches!(
            r.ty.as_str(),
            "AWS::Serverless::Api" | "AWS::Serverless::HttpApi"
        ) {
            if let Some(body) = r.props.get("DefinitionBody") {
                let auth = api_auth(Some(&r.props));
                let kind = if r.ty == "AWS::Serverless::Api" {
                    ApiKind::Rest
                } else {
                    ApiKind::Http
                };
                crate::cfn::openapi_routes(
                    b,
                    &r.id,
                    body,
                    kind,
                    &auth.authorizers,
                    auth.default.as_ref(),
                );
            }
        }
    }
    for r in all.iter().filter(|r| r.ty == "AWS::Serverless::Function") {
        for (name, ev) in r.props.get("Events").map(Node::entries).unwrap_or_default() {
            let location = Location::new(&ev.file, name.line, name.column);
            let empty = ev.with_kind(Kind::Map(Vec::new()));
            let p = ev.get("Properties").unwrap_or(&empty);
            let ty = ev.get("Type").and_then(Node::str).unwrap_or("");
            let kind = match ty {
                "Api" | "HttpApi" => {
                    let rest = ty == "Api";
                    let api = p
                        .get(if rest { "RestApiId" } else { "ApiId" })
                        .and_then(Node::single_ref)
                        .unwrap_or_else(|| {
                            if rest { IMPLICIT_REST } else { IMPLICIT_HTTP }.to_string()
                        });
                    let auth_cfg = api_auth(api_props.get(api.as_str()).copied());
                    let method = p
                        .get("Method")
                        .and_then(Node::scalar_text)
                        .unwrap_or_else(|| "ANY".into())
                        .to_uppercase();
                    let auth = match p.path(&["Auth", "Authorizer"]) {
                        Some(a) => match a.str() {
                            Some("NONE") => Auth::None,
                            Some(n) => auth_cfg.authorizers.get(n).cloned().unwrap_or_else(|| {
                                Auth::Unknown(format!("authorizer {n} is not declared"))
                            }),
                            None => Auth::Unknown(
                                a.to_val_string()
                                    .unresolved()
                                    .map(|u| u.reason.clone())
                                    .unwrap_or_default(),
                            ),
                        },
                        None if method == "OPTIONS" && !auth_cfg.default_on_preflight => Auth::None,
                        None => auth_cfg.default.clone().unwrap_or(Auth::None),
                    };
                    let path = p
                        .get("Path")
                        .and_then(Node::scalar_text)
                        .unwrap_or_else(|| "$default".into());
                    // An API with an OpenAPI definition: the operation it defines carries its
                    // own authorization (SAM merges the event into it), unless the event
                    // names an authorizer itself.
                    let defined = api_props
                        .get(api.as_str())
                        .and_then(|ap| ap.get("DefinitionBody"))
                        .and_then(|body| {
                            crate::cfn::openapi_defined_auth(
                                body,
                                &method,
                                &path,
                                &auth_cfg.authorizers,
                            )
                        });
                    if defined.is_some() {
                        let already = b.function(&r.id).is_some_and(|f| {
                            f.triggers.iter().any(|t| {
                                matches!(&t.kind, TriggerKind::Api { api: a, method: m, path: pa, .. }
                                    if *a == api && m.eq_ignore_ascii_case(&method) && *pa == path)
                            })
                        });
                        if already {
                            // The definition's route is this one: reported once.
                            continue;
                        }
                    }
                    let auth = match (defined, p.path(&["Auth", "Authorizer"])) {
                        (Some(Some(d)), None) => d,
                        _ => auth,
                    };
                    TriggerKind::Api {
                        api,
                        method,
                        path,
                        auth,
                        validated: rest.then(|| {
                            p.get("RequestModel").is_some_and(|m| {
                                m.get("ValidateBody").and_then(Node::as_bool) != Some(false)
                            })
                        }),
                        api_key_required: p
                            .path(&["Auth", "ApiKeyRequired"])
                            .and_then(Node::as_bool)
                            .unwrap_or(false),
                    }
                }
                "S3" => {
                    let (prefix, suffix) = s3_filter(p.get("Filter"));
                    TriggerKind::S3 {
                        bucket: ref_or_value(p.get("Bucket")),
                        events: p
                            .get("Events")
                            .map(|e| {
                                e.one_or_many()
                                    .into_iter()
                                    .filter_map(Node::scalar_text)
                                    .collect()
                            })
                            .unwrap_or_default(),
                        prefix,
                        suffix,
                    }
                }
                "SQS" | "SNS" | "DynamoDB" | "Kinesis" => {
                    let key = match ty {
                        "SQS" => "Queue",
                        "SNS" => "Topic",
                        _ => "Stream",
                    };
                    let source = p.get(key).cloned().unwrap_or_else(|| empty.clone());
                    if ty == "SNS" {
                        TriggerKind::Sns {
                            topic: ref_or_value(Some(&source)),
                        }
                    } else {
                        let mut t = b.event_source_trigger(&source, p, &location).kind;
                        // SQS events name the queue; a stream event the stream of a table.
                        if ty == "SQS" {
                            if let TriggerKind::Other { .. } = t {
                                t = TriggerKind::Sqs {
                                    queue: ref_or_value(Some(&source)),
                                    partial_batch_response: false,
                                };
                            }
                        } else if let TriggerKind::Other { .. } = t {
                            t = TriggerKind::Stream {
                                source: ref_or_value(Some(&source)),
                                service: ty.to_ascii_lowercase(),
                                partial_batch_response: false,
                                on_failure: p.path(&["DestinationConfig", "OnFailure"]).is_some(),
                            };
                        }
                        t
                    }
                }
                "EventBridgeRule" | "CloudWatchEvent" => TriggerKind::EventBridge {
                    bus: p.get("EventBusName").map(|n| ref_or_value(Some(n))),
                    sources: crate::event_pattern::pattern_sources(p.get("Pattern")),
                },
                "Schedule" | "ScheduleV2" => TriggerKind::Schedule {
                    expression: p
                        .get("Schedule")
                        .or_else(|| p.get("ScheduleExpression"))
                        .map(Node::to_val_string)
                        .unwrap_or_else(|| Val::unknown("no schedule")),
                },
                "Cognito" => TriggerKind::Cognito {
                    pool: ref_or_value(p.get("UserPool")),
                },
                other => TriggerKind::Other {
                    source: other.to_ascii_lowercase(),
                    schema_registry: p.get("SchemaRegistryConfig").is_some(),
                },
            };
            let fid = r.id.clone();
            if let TriggerKind::EventBridge { .. } | TriggerKind::Schedule { .. } = kind {
                if p.get("DeadLetterConfig").is_some() {
                    if let Some(f) = b.function_mut(&fid) {
                        f.dead_letter.get_or_insert_with(|| {
                            Box::new(Setting::new(
                                Val::Known("event rule dead-letter queue".into()),
                                location.clone(),
                            ))
                        });
                    }
                }
            }
            b.push_trigger(&fid, Trigger { kind, location });
        }
    }
}

fn ref_or_value(n: Option<&Node>) -> Val<String> {
    match n {
        Some(n) => n
            .single_ref()
            .map(Val::Known)
            .unwrap_or_else(|| n.to_val_string()),
        None => Val::unknown("not given"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn globals_merge() {
        let root = parse(
            "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Timeout: 10\n    Environment: {Variables: {A: '1'}}\n    Layers: [g]\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 3\n      Environment: {Variables: {B: '2'}}\n      Layers: [l]\n      Events:\n        Get: {Type: Api, Properties: {Path: /, Method: get}}\n",
            "t.yml",
        )
        .root
        .unwrap();
        let res = apply_globals(&root, root.get("Resources").unwrap().clone());
        let p = res.path(&["F", "Properties"]).unwrap();
        assert_eq!(p.get("Timeout").unwrap().as_i64(), Some(3));
        let vars = p.path(&["Environment", "Variables"]).unwrap();
        assert!(vars.get("A").is_some() && vars.get("B").is_some());
        assert_eq!(p.get("Layers").unwrap().items().len(), 2);
        assert!(res.get(IMPLICIT_REST).is_some());
    }

    /// With `Properties` written twice the last one is the resource's (as `Node::get` reads
    /// it): the globals go into that one, and the first is left as it was.
    #[test]
    fn globals_merge_into_the_properties_readers_see() {
        let parsed = parse(
            "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Timeout: 10\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      MemorySize: 128\n    Properties:\n      MemorySize: 256\n",
            "t.yml",
        );
        // The loader keeps duplicate keys (and warns), as CloudFormation reads the last.
        let root = parsed.root.unwrap();
        let res = apply_globals(&root, root.get("Resources").unwrap().clone());
        let p = res.path(&["F", "Properties"]).unwrap();
        assert_eq!(p.get("MemorySize").unwrap().as_i64(), Some(256));
        assert_eq!(p.get("Timeout").unwrap().as_i64(), Some(10));
    }
}
