//! CDK constructs and the methods called on them, as the CloudFormation resources `cdk synth`
//! would write for them, so the shared model builder reads them like any template: a function
//! gets its service role, grants become that role's default policy, event sources become
//! event source mappings or bucket notifications.

use super::grants;
use super::source::{App, Construct, MethodCall, Val, V};
use crate::node::{Key, Kind, Node, Unknown};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const FUNCTIONS: &[&str] = &[
    "Function",
    "NodejsFunction",
    "PythonFunction",
    "DockerImageFunction",
    "SingletonFunction",
    "GoFunction",
];

/// The runtime of `Runtime.NODEJS_LATEST` and of a `NodejsFunction` without one (aws-cdk-lib
/// 2.276.0).
const NODEJS_LATEST: &str = "nodejs24.x";

/// Where the application is: the directory of `cdk.json` (where `cdk` runs, so where
/// relative asset paths start).
pub(crate) struct Site<'a> {
    /// The scanned root: source positions are relative to it.
    pub root: &'a Path,
    pub app_dir: &'a Path,
}

pub(crate) struct Out {
    pub resources: Vec<(Key, Node)>,
    pub problems: Vec<(String, u32, String)>,
}

/// (logical id, where, type, properties, metadata).
type Resource = (
    String,
    Val,
    String,
    Vec<(String, Node)>,
    Vec<(String, Node)>,
);

struct Tx<'a> {
    app: &'a App,
    site: &'a Site<'a>,
    ids: Vec<String>,
    /// Resources in construct order.
    resources: Vec<Resource>,
    /// Function construct -> its role's logical id.
    roles: HashMap<usize, String>,
    /// Role logical id -> statements granted to it.
    statements: HashMap<String, Vec<Node>>,
    /// Functions whose role exists outside the app: what is granted to them is not modelled.
    external_roles: Vec<usize>,
    problems: Vec<(String, u32, String)>,
}

pub(crate) fn translate(app: &App, site: &Site) -> Out {
    let mut ids: Vec<String> = Vec::new();
    for c in &app.constructs {
        // CDK's logical ids start with the ids of the constructs around (below the stack).
        let base: String = format!("{}{}", c.id_prefix, c.id)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let base = if base.is_empty() {
            c.class.clone()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}{n}");
            n += 1;
        }
        ids.push(id);
    }
    let mut tx = Tx {
        app,
        site,
        ids,
        resources: Vec::new(),
        roles: HashMap::new(),
        statements: HashMap::new(),
        external_roles: Vec::new(),
        problems: Vec::new(),
    };
    for (i, c) in app.constructs.iter().enumerate() {
        tx.construct(i, c);
    }
    for (i, c) in app.constructs.iter().enumerate() {
        tx.api_defaults(i, c);
    }
    for call in &app.calls {
        tx.method(call);
    }
    tx.finish()
}

fn node(at: &Val, kind: Kind) -> Node {
    Node::new(kind, at.file.clone(), at.line, at.column)
}

fn key(at: &Val, name: &str) -> Key {
    Key {
        name: name.to_string(),
        line: at.line,
        column: at.column,
    }
}

fn map(at: &Val, entries: Vec<(&str, Node)>) -> Node {
    node(
        at,
        Kind::Map(entries.into_iter().map(|(k, v)| (key(at, k), v)).collect()),
    )
}

fn unknown(at: &Val, reason: impl Into<String>) -> Node {
    node(
        at,
        Kind::Unknown(Unknown {
            reason: reason.into(),
            refs: Vec::new(),
            partial: None,
        }),
    )
}

fn str_node(at: &Val, s: &str) -> Node {
    node(at, Kind::Str(s.to_string()))
}

/// A property of a props map (camelCase).
fn prop<'v>(props: &'v Val, name: &str) -> Option<&'v Val> {
    match &props.v {
        V::Map(entries) => entries.iter().find(|(k, _)| k == name).map(|(_, v)| v),
        _ => None,
    }
}

/// An IAM statement allowing `actions` on `resource`.
fn allow(at: &Val, actions: Vec<Node>, resource: Node) -> Node {
    map(
        at,
        vec![
            ("Effect", str_node(at, "Allow")),
            ("Action", node(at, Kind::Seq(actions))),
            ("Resource", resource),
        ],
    )
}

/// `routeKey` -> `RouteKey`: an L1 property's CloudFormation name.
fn pascal(k: &str) -> String {
    let mut c = k.chars();
    match c.next() {
        Some(f) if f.is_ascii_lowercase() => f.to_ascii_uppercase().to_string() + c.as_str(),
        _ => k.to_string(),
    }
}

/// `lambda.Runtime.NODEJS_20_X` -> `nodejs20.x`.
fn runtime_name(member: &str) -> Option<String> {
    let name = member.rsplit('.').next()?;
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('_').collect();
    Some(match parts.as_slice() {
        ["nodejs", v, "x"] => format!("nodejs{v}.x"),
        // What `NODEJS_LATEST` stands for in the aws-cdk-lib the grant table was taken from.
        ["nodejs", "latest"] => NODEJS_LATEST.to_string(),
        ["python", a, b] => format!("python{a}.{b}"),
        ["java", v] => format!("java{v}"),
        ["java", v, "corretto"] => format!("java{v}.al2"),
        ["dotnet", v] => format!("dotnet{v}"),
        ["ruby", a, b] => format!("ruby{a}.{b}"),
        ["provided", v] => format!("provided.{v}"),
        ["provided"] => "provided".to_string(),
        ["go", "1", "x"] => "go1.x".to_string(),
        _ => return None,
    })
}

/// `Duration.seconds(30)`, `Duration.minutes(5)` -> seconds.
fn seconds(v: &Val) -> Option<i64> {
    let V::Call(unit, args) = &v.v else {
        return None;
    };
    let n: i64 = match &args.first()?.v {
        V::Num(n) => n.parse().ok()?,
        _ => return None,
    };
    Some(match unit.as_str() {
        "seconds" => n,
        "minutes" => n * 60,
        "hours" => n * 3600,
        "days" => n * 86400,
        "millis" => n / 1000,
        _ => return None,
    })
}

impl Tx<'_> {
    fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }

    fn problem(&mut self, at: &Val, msg: String) {
        self.problems.push((at.file.to_string(), at.line, msg));
    }

    /// A value as a template value: references to constructs become `Ref`/`Fn::GetAtt`.
    fn value(&self, v: &Val) -> Node {
        match &v.v {
            V::Str(s) => str_node(v, s),
            V::Num(n) => match n.parse::<i64>() {
                Ok(i) => node(v, Kind::Int(i)),
                Err(_) => node(v, Kind::Float(n.clone())),
            },
            V::Bool(b) => node(v, Kind::Bool(*b)),
            V::List(items) => node(v, Kind::Seq(items.iter().map(|i| self.value(i)).collect())),
            V::Map(entries) => node(
                v,
                Kind::Map(
                    entries
                        .iter()
                        .map(|(k, x)| (key(x, k), self.value(x)))
                        .collect(),
                ),
            ),
            V::Construct(i) if self.app.constructs[*i].imported.is_some() => {
                self.imported(v, *i, false)
            }
            V::Attr(i, attr) if self.app.constructs[*i].imported.is_some() => {
                self.imported(v, *i, attr.ends_with("Arn"))
            }
            V::Construct(i) => node(
                v,
                Kind::Ref {
                    id: self.id(*i).to_string(),
                    attr: None,
                },
            ),
            V::Attr(i, attr) => {
                let attr = if attr == "ref" {
                    None
                } else if let Some(a) = attr.strip_prefix("attr").filter(|a| !a.is_empty()) {
                    Some(a.to_string())
                } else if attr.ends_with("StreamArn") {
                    Some("StreamArn".to_string())
                } else if attr.ends_with("Arn") {
                    Some("Arn".to_string())
                } else {
                    None
                };
                node(
                    v,
                    Kind::Ref {
                        id: self.id(*i).to_string(),
                        attr,
                    },
                )
            }
            V::ApiPath(_, p) => unknown(v, format!("the REST API path `/{p}`")),
            V::Member(m) => unknown(v, format!("the CDK constant `{m}`")),
            V::Call(f, _) => unknown(v, format!("the result of `{f}(...)`")),
            V::Unknown(r) => unknown(v, r.clone()),
            V::Scope(..) => unknown(v, "a construct scope"),
            // Known at deploy time when every part is: the resources it names are its refs.
            V::Concat(parts) => {
                let mut refs = Vec::new();
                let mut text = String::new();
                for p in parts {
                    match &self.value(p).kind {
                        Kind::Str(s) => text.push_str(s),
                        Kind::Ref { id, .. } => {
                            refs.push(id.clone());
                            text.push_str(&format!("${{{id}}}"));
                        }
                        Kind::Unknown(u) => {
                            refs.extend(u.refs.iter().cloned());
                            text.push_str("${?}");
                        }
                        _ => text.push_str("${?}"),
                    }
                }
                node(
                    v,
                    Kind::Unknown(Unknown {
                        reason: format!("the string `{text}` built in the CDK source"),
                        refs,
                        partial: None,
                    }),
                )
            }
        }
    }

    /// What identifies an imported resource: its ARN (`arn`) or its name.
    fn imported(&self, at: &Val, i: usize, arn: bool) -> Node {
        let c = &self.app.constructs[i];
        let Some(Val {
            v: V::Map(entries), ..
        }) = &c.imported
        else {
            return unknown(at, format!("the imported `{}`", c.id));
        };
        let pick = |want_arn: bool| {
            entries.iter().find(|(k, _)| {
                let k = k.to_ascii_lowercase();
                if want_arn {
                    k.ends_with("arn")
                } else {
                    k.ends_with("name") || k.ends_with("url")
                }
            })
        };
        match pick(arn).or_else(|| pick(!arn)) {
            Some((_, v)) => self.value(v),
            None => unknown(at, format!("the imported `{}`", c.id)),
        }
    }

    /// An L1 property value: nested props are camelCase CloudFormation names; maps given as
    /// data (environment variables, tags, policy documents) keep their keys.
    fn l1_value(&self, v: &Val, key: &str) -> Node {
        let free_form = matches!(
            key,
            "variables" | "tags" | "policyDocument" | "assumeRolePolicyDocument" | "eventPattern"
        );
        match &v.v {
            V::Map(entries) if !free_form => node(
                v,
                Kind::Map(
                    entries
                        .iter()
                        .map(|(k, x)| (self::key(x, &pascal(k)), self.l1_value(x, k)))
                        .collect(),
                ),
            ),
            V::List(items) if !free_form => node(
                v,
                Kind::Seq(items.iter().map(|x| self.l1_value(x, key)).collect()),
            ),
            // Python builds nested L1 props with `CfnX.ConditionProperty(key=..., ...)`.
            V::Call(class, args) if class.ends_with("Property") => match args.first() {
                Some(props) => self.l1_value(props, key),
                None => self.value(v),
            },
            _ => self.value(v),
        }
    }

    fn arn(&self, at: &Val, i: usize, attr: &str) -> Node {
        if self.app.constructs[i].imported.is_some() {
            return self.imported(at, i, true);
        }
        node(
            at,
            Kind::Ref {
                id: self.id(i).to_string(),
                attr: Some(attr.to_string()),
            },
        )
    }

    fn push(
        &mut self,
        id: String,
        at: &Val,
        ty: impl Into<String>,
        props: Vec<(String, Node)>,
        metadata: Vec<(String, Node)>,
    ) {
        self.resources
            .push((id, at.clone(), ty.into(), props, metadata));
    }

    fn props_mut(&mut self, id: &str) -> Option<&mut Vec<(String, Node)>> {
        self.resources
            .iter_mut()
            .find(|r| r.0 == id)
            .map(|r| &mut r.3)
    }

    fn construct(&mut self, i: usize, c: &Construct) {
        if c.imported.is_some() {
            return;
        }
        let id = self.id(i).to_string();
        let p = &c.props;
        let at = &c.at;
        let path = format!("{}/{}/Resource", c.scope, c.id);
        let meta = vec![("aws:cdk:path".to_string(), str_node(at, &path))];
        let mut props: Vec<(String, Node)> = Vec::new();
        let mut set = |name: &str, n: Node| props.push((name.to_string(), n));
        let ty: &str = match c.class.as_str() {
            f if FUNCTIONS.contains(&f) => {
                return self.function(i, c, meta);
            }
            // An L1 construct (`new CfnRoute(...)`) is the resource with its properties.
            t if t.starts_with("AWS::") => {
                if let V::Map(entries) = &p.v {
                    for (k, v) in entries {
                        props.push((pascal(k), self.l1_value(v, k)));
                    }
                }
                let ty = t.to_string();
                return self.push(id, at, ty, props, meta);
            }
            "Queue" => {
                if let Some(v) = prop(p, "queueName") {
                    set("QueueName", self.value(v));
                }
                if let Some(s) = prop(p, "visibilityTimeout").and_then(seconds) {
                    set("VisibilityTimeout", node(at, Kind::Int(s)));
                }
                if let Some(dlq) = prop(p, "deadLetterQueue").and_then(|d| prop(d, "queue")) {
                    if let V::Construct(q) = dlq.v {
                        set(
                            "RedrivePolicy",
                            map(at, vec![("deadLetterTargetArn", self.arn(dlq, q, "Arn"))]),
                        );
                    }
                }
                "AWS::SQS::Queue"
            }
            "Topic" => {
                if let Some(v) = prop(p, "topicName") {
                    set("TopicName", self.value(v));
                }
                "AWS::SNS::Topic"
            }
            "Bucket" => {
                if let Some(v) = prop(p, "bucketName") {
                    set("BucketName", self.value(v));
                }
                "AWS::S3::Bucket"
            }
            "Table" | "TableV2" => {
                if let Some(v) = prop(p, "tableName") {
                    set("TableName", self.value(v));
                }
                let stream = prop(p, "stream").or_else(|| prop(p, "dynamoStream"));
                if let Some(s) = stream {
                    let view = match &s.v {
                        V::Member(m) => m.rsplit('.').next().unwrap_or("").to_string(),
                        _ => String::new(),
                    };
                    set(
                        "StreamSpecification",
                        map(s, vec![("StreamViewType", str_node(s, &view))]),
                    );
                }
                "AWS::DynamoDB::Table"
            }
            "Stream" => {
                if let Some(v) = prop(p, "streamName") {
                    set("Name", self.value(v));
                }
                // CDK encrypts a stream with the AWS managed key unless told otherwise.
                let encryption = match prop(p, "encryption").map(|e| &e.v) {
                    Some(V::Member(m)) if m.ends_with("UNENCRYPTED") => None,
                    Some(V::Member(m)) if m.ends_with(".KMS") => Some(
                        prop(p, "encryptionKey")
                            .map(|k| self.value(k))
                            .unwrap_or_else(|| str_node(at, "alias/aws/kinesis")),
                    ),
                    Some(V::Member(_)) | None => Some(str_node(at, "alias/aws/kinesis")),
                    Some(_) => Some(unknown(at, "a stream encryption fnguard cannot read")),
                };
                if let Some(key) = encryption {
                    set(
                        "StreamEncryption",
                        map(
                            at,
                            vec![("EncryptionType", str_node(at, "KMS")), ("KeyId", key)],
                        ),
                    );
                }
                "AWS::Kinesis::Stream"
            }
            "EventBus" => {
                if let Some(v) = prop(p, "eventBusName") {
                    set("Name", self.value(v));
                }
                "AWS::Events::EventBus"
            }
            "WebSocketApi" => {
                if let Some(v) = prop(p, "apiName") {
                    set("Name", self.value(v));
                }
                set("ProtocolType", str_node(at, "WEBSOCKET"));
                "AWS::ApiGatewayV2::Api"
            }
            "StateMachine" => {
                if let Some(v) = prop(p, "stateMachineName") {
                    set("StateMachineName", self.value(v));
                }
                // The functions its tasks invoke (`new LambdaInvoke(..., { lambdaFunction })`
                // anywhere in its definition), as the substitutions CDK writes for them.
                let mut fns = Vec::new();
                self.functions_in(p, &mut fns, 0);
                let subs = fns
                    .iter()
                    .enumerate()
                    .map(|(k, f)| (key(at, &format!("fn{k}")), self.arn(at, *f, "Arn")))
                    .collect();
                set("DefinitionSubstitutions", node(at, Kind::Map(subs)));
                "AWS::StepFunctions::StateMachine"
            }
            "Key" => "AWS::KMS::Key",
            "StringParameter" => {
                if let Some(v) = prop(p, "parameterName") {
                    set("Name", self.value(v));
                }
                "AWS::SSM::Parameter"
            }
            "LogGroup" => {
                if let Some(v) = prop(p, "logGroupName") {
                    set("LogGroupName", self.value(v));
                }
                "AWS::Logs::LogGroup"
            }
            "LayerVersion" => {
                if let Some(v) = prop(p, "layerVersionName") {
                    set("LayerName", self.value(v));
                }
                "AWS::Lambda::LayerVersion"
            }
            "Secret" => {
                if let Some(v) = prop(p, "secretName") {
                    set("Name", self.value(v));
                }
                "AWS::SecretsManager::Secret"
            }
            "Rule" => {
                if let Some(s) = prop(p, "schedule") {
                    set("ScheduleExpression", self.schedule(s));
                }
                if let Some(ep) = prop(p, "eventPattern") {
                    set("EventPattern", self.event_pattern(ep));
                }
                if let Some(bus) = prop(p, "eventBus") {
                    set("EventBusName", self.value(bus));
                }
                let targets: Vec<Node> = match prop(p, "targets").map(|t| &t.v) {
                    Some(V::List(items)) => items.iter().filter_map(|t| self.target(t)).collect(),
                    _ => Vec::new(),
                };
                set("Targets", node(at, Kind::Seq(targets)));
                "AWS::Events::Rule"
            }
            "RestApi" | "LambdaRestApi" | "SpecRestApi" => {
                if let Some(v) = prop(p, "restApiName") {
                    set("Name", self.value(v));
                }
                "AWS::ApiGateway::RestApi"
            }
            "HttpApi" => {
                if let Some(v) = prop(p, "apiName") {
                    set("Name", self.value(v));
                }
                set("ProtocolType", str_node(at, "HTTP"));
                "AWS::ApiGatewayV2::Api"
            }
            "FunctionUrl" => {
                if let Some(V::Construct(f)) = prop(p, "function").map(|f| &f.v) {
                    set("TargetFunctionArn", self.arn(at, *f, "Arn"));
                }
                set("AuthType", auth_type(prop(p, "authType"), at));
                "AWS::Lambda::Url"
            }
            "Role" => {
                let principal = match prop(p, "assumedBy").map(|a| &a.v) {
                    Some(V::Call(_, args)) => match args.first().map(|a| &a.v) {
                        Some(V::Str(s)) => s.clone(),
                        _ => "lambda.amazonaws.com".to_string(),
                    },
                    _ => "lambda.amazonaws.com".to_string(),
                };
                set("AssumeRolePolicyDocument", assume(at, &principal));
                let managed: Vec<Node> = match prop(p, "managedPolicies").map(|m| &m.v) {
                    Some(V::List(items)) => items.iter().map(|m| self.managed_policy(m)).collect(),
                    _ => Vec::new(),
                };
                set("ManagedPolicyArns", node(at, Kind::Seq(managed)));
                // `inlinePolicies: { name: new PolicyDocument({ statements }) }`.
                if let Some(V::Map(docs)) = prop(p, "inlinePolicies").map(|x| &x.v) {
                    let policies = docs
                        .iter()
                        .map(|(name, doc)| {
                            let stmts: Vec<Node> = match &doc.v {
                                V::Call(k, args) if k == "PolicyDocument" => {
                                    match args
                                        .first()
                                        .and_then(|a| prop(a, "statements"))
                                        .map(|x| &x.v)
                                    {
                                        Some(V::List(items)) => {
                                            items.iter().filter_map(|s| self.statement(s)).collect()
                                        }
                                        _ => Vec::new(),
                                    }
                                }
                                _ => Vec::new(),
                            };
                            map(
                                doc,
                                vec![
                                    ("PolicyName", str_node(doc, name)),
                                    (
                                        "PolicyDocument",
                                        map(
                                            doc,
                                            vec![
                                                ("Version", str_node(doc, "2012-10-17")),
                                                ("Statement", node(doc, Kind::Seq(stmts))),
                                            ],
                                        ),
                                    ),
                                ],
                            )
                        })
                        .collect();
                    set("Policies", node(at, Kind::Seq(policies)));
                }
                "AWS::IAM::Role"
            }
            "Policy" | "ManagedPolicy" => {
                // Its statements are the roles' permissions; where they are written is what a
                // finding points at.
                let stmts = self.policy_statements(p);
                if let Some(V::List(roles)) = prop(p, "roles").map(|x| &x.v) {
                    for r in roles {
                        for st in &stmts {
                            self.grant_to(r, st.clone());
                        }
                    }
                }
                return;
            }
            _ => return,
        };
        self.push(id, at, ty, props, meta);
    }

    /// A `LambdaRestApi`'s handler answers every path (`/` and `/{proxy+}`); an `HttpApi`'s
    /// `defaultIntegration` answers its `$default` route.
    fn api_defaults(&mut self, i: usize, c: &Construct) {
        let p = &c.props;
        match c.class.as_str() {
            "LambdaRestApi" => {
                let Some(h) = prop(p, "handler") else { return };
                let V::Construct(f) = h.v else { return };
                let opts = prop(p, "defaultMethodOptions");
                let auth = self.rest_auth(opts, None);
                // With `proxy: false` only the methods added later exist.
                if !prop(p, "proxy").is_some_and(|x| matches!(x.v, V::Bool(false))) {
                    self.rest_method(i, "", "ANY", f, auth.clone(), &c.at);
                    self.rest_method(i, "{proxy+}", "ANY", f, auth, &c.at);
                }
            }
            "WebSocketApi" => {
                for (option, route) in [
                    ("connectRouteOptions", "$connect"),
                    ("disconnectRouteOptions", "$disconnect"),
                    ("defaultRouteOptions", "$default"),
                ] {
                    if let Some(opts) = prop(p, option) {
                        self.websocket_route(i, route, opts, &c.at);
                    }
                }
            }
            "HttpApi" => {
                let Some(integ) = prop(p, "defaultIntegration") else {
                    return;
                };
                let Some(f) = http_integration(integ) else {
                    return;
                };
                let auth = http_auth(prop(p, "defaultAuthorizer"));
                self.http_route(i, "$default", f, auth, &c.at);
            }
            _ => {}
        }
    }

    /// (authorization type, authorizer present) of a REST method from its options, falling
    /// back to the API's `defaultMethodOptions`.
    fn rest_auth(&self, opts: Option<&Val>, api_defaults: Option<&Val>) -> String {
        for o in [opts, api_defaults].into_iter().flatten() {
            if let Some(a) = prop(o, "authorizationType") {
                if let V::Member(m) = &a.v {
                    // `AuthorizationType.IAM` is CloudFormation's `AWS_IAM`.
                    return match m.rsplit('.').next().unwrap_or("NONE") {
                        "IAM" => "AWS_IAM",
                        "COGNITO" => "COGNITO_USER_POOLS",
                        "CUSTOM" => "CUSTOM",
                        _ => "NONE",
                    }
                    .into();
                }
            }
            if let Some(a) = prop(o, "authorizer") {
                return match &a.v {
                    V::Call(k, _) if k.contains("Cognito") => "COGNITO_USER_POOLS".into(),
                    _ => "CUSTOM".into(),
                };
            }
        }
        "NONE".into()
    }

    fn rest_method(
        &mut self,
        api: usize,
        path: &str,
        method: &str,
        f: usize,
        auth: String,
        at: &Val,
    ) {
        let api_id = self.id(api).to_string();
        let mut props = vec![
            (
                "RestApiId".to_string(),
                node(
                    at,
                    Kind::Ref {
                        id: api_id.clone(),
                        attr: None,
                    },
                ),
            ),
            ("HttpMethod".to_string(), str_node(at, method)),
            ("AuthorizationType".to_string(), str_node(at, &auth)),
            (
                "Integration".to_string(),
                map(
                    at,
                    vec![
                        ("Type", str_node(at, "AWS_PROXY")),
                        ("Uri", self.arn(at, f, "Arn")),
                    ],
                ),
            ),
        ];
        let slug: String = path.chars().filter(char::is_ascii_alphanumeric).collect();
        if !path.is_empty() {
            let res_id = format!("{api_id}Path{slug}");
            if !self.resources.iter().any(|r| r.0 == res_id) {
                self.push(
                    res_id.clone(),
                    at,
                    "AWS::ApiGateway::Resource",
                    vec![
                        (
                            "RestApiId".into(),
                            node(
                                at,
                                Kind::Ref {
                                    id: api_id.clone(),
                                    attr: None,
                                },
                            ),
                        ),
                        ("PathPart".into(), str_node(at, path)),
                    ],
                    Vec::new(),
                );
            }
            props.push((
                "ResourceId".into(),
                node(
                    at,
                    Kind::Ref {
                        id: res_id,
                        attr: None,
                    },
                ),
            ));
        }
        let n = self.resources.len();
        self.push(
            format!("{api_id}{slug}{method}{n}"),
            at,
            "AWS::ApiGateway::Method",
            props,
            Vec::new(),
        );
    }

    /// A WebSocket route (`$connect`, `sendmessage`) from its options.
    fn websocket_route(&mut self, api: usize, route: &str, opts: &Val, at: &Val) {
        let Some(f) = prop(opts, "integration").and_then(http_integration) else {
            return;
        };
        let auth = match prop(opts, "authorizer") {
            None => "NONE".to_string(),
            a => http_auth(a),
        };
        self.http_route(api, route, f, auth, at);
        // `returnResponse: true` is a two-way route: CDK gives it a route response.
        if prop(opts, "returnResponse").is_some_and(|r| matches!(r.v, V::Bool(true))) {
            if let Some((_, _, _, props, _)) = self
                .resources
                .iter_mut()
                .rev()
                .find(|r| r.2 == "AWS::ApiGatewayV2::Route")
            {
                props.push((
                    "RouteResponseSelectionExpression".into(),
                    str_node(at, "$default"),
                ));
            }
        }
    }

    fn http_route(&mut self, api: usize, route_key: &str, f: usize, auth: String, at: &Val) {
        let api_id = self.id(api).to_string();
        let n = self.resources.len();
        let integ_id = format!("{api_id}Integration{n}");
        self.push(
            integ_id.clone(),
            at,
            "AWS::ApiGatewayV2::Integration",
            vec![
                (
                    "ApiId".into(),
                    node(
                        at,
                        Kind::Ref {
                            id: api_id.clone(),
                            attr: None,
                        },
                    ),
                ),
                ("IntegrationType".into(), str_node(at, "AWS_PROXY")),
                ("IntegrationUri".into(), self.arn(at, f, "Arn")),
            ],
            Vec::new(),
        );
        let target = node(
            at,
            Kind::Unknown(Unknown {
                reason: format!("integrations/{integ_id}"),
                refs: vec![integ_id.clone()],
                partial: None,
            }),
        );
        self.push(
            format!("{api_id}Route{n}"),
            at,
            "AWS::ApiGatewayV2::Route",
            vec![
                (
                    "ApiId".into(),
                    node(
                        at,
                        Kind::Ref {
                            id: api_id,
                            attr: None,
                        },
                    ),
                ),
                ("RouteKey".into(), str_node(at, route_key)),
                ("AuthorizationType".into(), str_node(at, &auth)),
                ("Target".into(), target),
            ],
            Vec::new(),
        );
    }

    fn function(&mut self, i: usize, c: &Construct, meta: Vec<(String, Node)>) {
        let id = self.id(i).to_string();
        let p = &c.props;
        let at = &c.at;
        let mut props: Vec<(String, Node)> = Vec::new();
        let mut meta = meta;
        match prop(p, "runtime") {
            Some(
                r @ Val {
                    v: V::Member(m), ..
                },
            ) => {
                if let Some(name) = runtime_name(m) {
                    props.push(("Runtime".into(), str_node(r, &name)));
                }
            }
            None if c.class == "NodejsFunction" => {
                props.push(("Runtime".into(), str_node(at, NODEJS_LATEST)));
            }
            _ => {}
        }
        let handler_prop = prop(p, "handler");
        // `Function` with an image (`Runtime.FROM_IMAGE`, `Code.fromAssetImage`,
        // `EcrImageCode`) deploys a container image like `DockerImageFunction`.
        let image = matches!(prop(p, "runtime").map(|r| &r.v), Some(V::Member(m)) if m.ends_with("FROM_IMAGE"))
            || matches!(prop(p, "code").map(|c| &c.v), Some(V::Call(f, _)) if f.contains("Image"));
        let class = if image {
            "DockerImageFunction"
        } else {
            c.class.as_str()
        };
        let (handler, code_dir) = match class {
            // A Go function's entry is its package folder (or a file in it); it deploys as
            // `bootstrap` on an OS-only runtime.
            "GoFunction" => {
                let entry = prop(p, "entry").and_then(|e| self.path(e));
                let dir = entry.map(|e| {
                    if e.is_dir() {
                        e
                    } else {
                        e.parent().map(Path::to_path_buf).unwrap_or(e)
                    }
                });
                if prop(p, "runtime").is_none() {
                    props.push(("Runtime".into(), str_node(at, "provided.al2023")));
                }
                (Some("bootstrap".to_string()), dir)
            }
            "NodejsFunction" => {
                let entry = match prop(p, "entry") {
                    Some(e) => self.path(e),
                    None => self.default_entry(c),
                };
                // `handler: "index.handler"` names the bundle's file too; the export is last.
                let export = match handler_prop.map(|h| &h.v) {
                    Some(V::Str(h)) => h.rsplit('.').next().unwrap_or(h).to_string(),
                    _ => "handler".to_string(),
                };
                match entry {
                    Some(e) => {
                        let stem = e
                            .file_stem()
                            .map(|s| s.to_string_lossy().to_string())
                            .unwrap_or_default();
                        (
                            Some(format!("{stem}.{export}")),
                            e.parent().map(Path::to_path_buf),
                        )
                    }
                    None => (None, None),
                }
            }
            "PythonFunction" => {
                let dir = prop(p, "entry").and_then(|e| self.path(e));
                let index = match prop(p, "index").map(|x| &x.v) {
                    Some(V::Str(x)) => x.trim_end_matches(".py").to_string(),
                    _ => "index".to_string(),
                };
                let export = match handler_prop.map(|h| &h.v) {
                    Some(V::Str(h)) => h.clone(),
                    _ => "handler".to_string(),
                };
                (Some(format!("{index}.{export}")), dir)
            }
            "DockerImageFunction" => {
                props.push(("PackageType".into(), str_node(at, "Image")));
                (None, None)
            }
            _ => {
                let handler = match handler_prop.map(|h| &h.v) {
                    Some(V::Str(h)) => Some(h.clone()),
                    _ => None,
                };
                let dir = prop(p, "code").and_then(|code| match &code.v {
                    // `Code.fromAsset(dir)`, `new AssetCode(dir)`.
                    V::Call(f, args) if f == "fromAsset" || f == "AssetCode" => {
                        args.first().and_then(|a| self.path(a))
                    }
                    _ => None,
                });
                if prop(p, "code").is_some_and(
                    |c| matches!(&c.v, V::Call(f, _) if f == "fromInline" || f == "InlineCode"),
                ) {
                    props.push((
                        "Code".into(),
                        map(at, vec![("ZipFile", str_node(at, "inline"))]),
                    ));
                }
                (handler, dir)
            }
        };
        if let Some(h) = handler {
            let at_h = handler_prop.unwrap_or(at);
            props.push(("Handler".into(), str_node(at_h, &h)));
        }
        match code_dir {
            // The model builder resolves asset paths against the scanned root.
            Some(d) => meta.push((
                "aws:asset:path".into(),
                str_node(
                    at,
                    &d.strip_prefix(self.site.root)
                        .unwrap_or(&d)
                        .to_string_lossy(),
                ),
            )),
            None if class != "DockerImageFunction" && !props.iter().any(|(k, _)| k == "Code") => {
                props.push((
                    "FnguardCodeMissing".into(),
                    str_node(
                        at,
                        "its code location (`code`/`entry`) is not a path fnguard can read from the CDK source",
                    ),
                ));
            }
            None => {}
        }
        if let Some(V::Map(vars)) = prop(p, "environment").map(|e| &e.v) {
            let env_at = prop(p, "environment").unwrap_or(at);
            let vars: Vec<(Key, Node)> = vars
                .iter()
                .map(|(k, v)| (key(v, k), self.value(v)))
                .collect();
            props.push((
                "Environment".into(),
                map(env_at, vec![("Variables", node(env_at, Kind::Map(vars)))]),
            ));
        }
        if let Some(m) = prop(p, "memorySize") {
            props.push(("MemorySize".into(), self.value(m)));
        }
        if let Some(t) = prop(p, "timeout") {
            if let Some(s) = seconds(t) {
                props.push(("Timeout".into(), node(t, Kind::Int(s))));
            }
        }
        if let Some(r) = prop(p, "reservedConcurrentExecutions") {
            props.push(("ReservedConcurrentExecutions".into(), self.value(r)));
        }
        if let Some(t) = prop(p, "tracing") {
            if matches!(&t.v, V::Member(m) if m.ends_with("ACTIVE")) {
                props.push((
                    "TracingConfig".into(),
                    map(t, vec![("Mode", str_node(t, "Active"))]),
                ));
            }
        }
        if let Some(V::List(layers)) = prop(p, "layers").map(|l| &l.v) {
            let at_l = prop(p, "layers").unwrap_or(at);
            let layers = layers.iter().map(|l| self.value(l)).collect();
            props.push(("Layers".into(), node(at_l, Kind::Seq(layers))));
        }
        // Asynchronous invocation settings become the function's event invoke config.
        let on_failure = prop(p, "onFailure").and_then(|d| self.destination(d));
        let retries = prop(p, "retryAttempts");
        let age = prop(p, "maxEventAge").and_then(|a| seconds(a).map(|s| (a, s)));
        if on_failure.is_some() || retries.is_some() || age.is_some() {
            let mut cfg = vec![(
                "FunctionName".to_string(),
                node(
                    at,
                    Kind::Ref {
                        id: id.clone(),
                        attr: None,
                    },
                ),
            )];
            if let Some(d) = on_failure {
                cfg.push((
                    "DestinationConfig".into(),
                    map(at, vec![("OnFailure", map(at, vec![("Destination", d)]))]),
                ));
            }
            if let Some(r) = retries {
                cfg.push(("MaximumRetryAttempts".into(), self.value(r)));
            }
            if let Some((a, s)) = age {
                cfg.push(("MaximumEventAgeInSeconds".into(), node(a, Kind::Int(s))));
            }
            self.push(
                format!("{id}EventInvokeConfig"),
                at,
                "AWS::Lambda::EventInvokeConfig",
                cfg,
                Vec::new(),
            );
        }
        if let Some(d) = prop(p, "deadLetterQueue") {
            if let V::Construct(q) = d.v {
                props.push((
                    "DeadLetterConfig".into(),
                    map(d, vec![("TargetArn", self.arn(d, q, "Arn"))]),
                ));
            }
        }
        // The role: the one given, or the service role CDK creates for the function.
        // An existing role (`Role.fromRoleArn(...)`): the function's role is outside the app.
        if let Some(
            r @ Val {
                v: V::Construct(ri),
                ..
            },
        ) = prop(p, "role")
        {
            if self.app.constructs[*ri].imported.is_some() {
                props.push(("Role".into(), self.imported(r, *ri, true)));
                self.external_roles.push(i);
                self.push(id, at, "AWS::Lambda::Function", props, meta);
                return;
            }
        }
        let role_id = match prop(p, "role").map(|r| &r.v) {
            Some(V::Construct(r)) => self.id(*r).to_string(),
            _ => {
                let role_id = format!("{id}ServiceRole");
                let mut managed = vec![str_node(
                    at,
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                )];
                // A function in a VPC gets the ENI permissions with its role.
                if prop(p, "vpc").is_some() {
                    managed.push(str_node(
                        at,
                        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                    ));
                }
                self.push(
                    role_id.clone(),
                    at,
                    "AWS::IAM::Role",
                    vec![
                        (
                            "AssumeRolePolicyDocument".into(),
                            assume(at, "lambda.amazonaws.com"),
                        ),
                        ("ManagedPolicyArns".into(), node(at, Kind::Seq(managed))),
                    ],
                    vec![(
                        "aws:cdk:path".into(),
                        str_node(at, &format!("{}/{}/ServiceRole/Resource", c.scope, c.id)),
                    )],
                );
                role_id
            }
        };
        props.push((
            "Role".into(),
            node(
                at,
                Kind::Ref {
                    id: role_id.clone(),
                    attr: Some("Arn".into()),
                },
            ),
        ));
        self.roles.insert(i, role_id.clone());
        // Active tracing adds the X-Ray write actions to the role's policy.
        if let Some(t) =
            prop(p, "tracing").filter(|t| matches!(&t.v, V::Member(m) if m.ends_with("ACTIVE")))
        {
            let actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
                .iter()
                .map(|a| str_node(t, a))
                .collect();
            let st = allow(t, actions, str_node(t, "*"));
            self.statements.entry(role_id.clone()).or_default().push(st);
        }
        if let Some(V::List(stmts)) = prop(p, "initialPolicy").map(|x| &x.v) {
            for s in stmts {
                if let Some(st) = self.statement(s) {
                    self.statements.entry(role_id.clone()).or_default().push(st);
                }
            }
        }
        self.push(id, at, "AWS::Lambda::Function", props, meta);
    }

    /// The statements of an `iam.Policy`/`ManagedPolicy`: `statements`, and a `document`
    /// built with `new PolicyDocument({ statements })` or `PolicyDocument.fromJson({...})`.
    fn policy_statements(&self, props: &Val) -> Vec<Node> {
        let from_list = |v: Option<&Val>| -> Vec<Node> {
            match v.map(|x| &x.v) {
                Some(V::List(items)) => items.iter().filter_map(|s| self.statement(s)).collect(),
                _ => Vec::new(),
            }
        };
        let mut out = from_list(prop(props, "statements"));
        match prop(props, "document").map(|d| (&d.v, d)) {
            Some((V::Call(k, args), _)) if k == "PolicyDocument" => {
                out.extend(from_list(args.first().and_then(|a| prop(a, "statements"))));
            }
            // IAM JSON as written: its statements are template statements already.
            Some((V::Call(k, args), _)) if k == "fromJson" => {
                match args.first().and_then(|a| prop(a, "Statement")) {
                    Some(Val {
                        v: V::List(items), ..
                    }) => out.extend(items.iter().map(|s| self.value(s))),
                    Some(one @ Val { v: V::Map(_), .. }) => out.push(self.value(one)),
                    _ => {}
                }
            }
            _ => {}
        }
        out
    }

    /// Functions of the app a value mentions, in order, once each.
    fn functions_in(&self, v: &Val, out: &mut Vec<usize>, depth: usize) {
        if depth > 32 {
            return;
        }
        match &v.v {
            V::Construct(i)
                if FUNCTIONS.contains(&self.app.constructs[*i].class.as_str())
                    && !out.contains(i) =>
            {
                out.push(*i);
            }
            V::List(items) | V::Call(_, items) | V::Concat(items) => {
                for x in items {
                    self.functions_in(x, out, depth + 1);
                }
            }
            V::Map(entries) => {
                for (_, x) in entries {
                    self.functions_in(x, out, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// A managed policy's ARN: `ManagedPolicy.fromAwsManagedPolicyName("X")`, an ARN, an
    /// imported policy.
    fn managed_policy(&self, m: &Val) -> Node {
        match &m.v {
            V::Construct(i) if self.app.constructs[*i].imported.is_some() => {
                let c = &self.app.constructs[*i];
                match &c.imported {
                    Some(Val {
                        v: V::Map(entries), ..
                    }) if entries.iter().any(|(k, _)| k == "arn") => self.imported(m, *i, true),
                    _ => unknown(m, format!("the customer managed policy `{}`", c.id)),
                }
            }
            _ => managed_policy_call(m),
        }
    }

    /// The ARN an async destination (`new SqsDestination(queue)`) sends to.
    fn destination(&self, d: &Val) -> Option<Node> {
        let V::Call(class, args) = &d.v else {
            return None;
        };
        let target = args.first()?;
        let V::Construct(i) = target.v else {
            return Some(self.value(target));
        };
        match class.as_str() {
            "SqsDestination"
            | "SnsDestination"
            | "LambdaDestination"
            | "EventBridgeDestination" => Some(self.arn(d, i, "Arn")),
            _ => None,
        }
    }

    /// A `NodejsFunction` without `entry` bundles `<defining file>.<id>.ts` (or `.js`) beside
    /// the file that declares it.
    fn default_entry(&self, c: &Construct) -> Option<PathBuf> {
        if c.class != "NodejsFunction" {
            return None;
        }
        let file = self.site.root.join(c.at.file.as_ref());
        let stem = file.file_stem()?.to_string_lossy().to_string();
        let dir = file.parent()?;
        ["ts", "js", "mjs", "cjs"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{}.{ext}", c.id)))
            .find(|p| p.is_file())
    }

    /// A path as the CDK source gives it: relative to the application directory, or built from
    /// `__dirname` (the source file's directory).
    fn path(&self, v: &Val) -> Option<PathBuf> {
        match &v.v {
            V::Str(s) => Some(self.site.app_dir.join(s)),
            // `` `${__dirname}/../lambda` ``.
            V::Concat(parts) => match parts.as_slice() {
                [Val {
                    v: V::Unknown(r), ..
                }, Val {
                    v: V::Str(rest), ..
                }] if r.contains("__dirname") => {
                    let file = self.site.root.join(parts[0].file.as_ref());
                    let dir = file.parent()?;
                    Some(crate::normalize_lexically(
                        &dir.join(rest.trim_start_matches('/')),
                    ))
                }
                _ => None,
            },
            V::Call(f, args) if f == "join" || f == "resolve" => {
                let mut out: Option<PathBuf> = None;
                for a in args {
                    match &a.v {
                        V::Unknown(r) if r.contains("__dirname") && out.is_none() => {
                            let file = self.site.root.join(a.file.as_ref());
                            out = file.parent().map(Path::to_path_buf);
                        }
                        // `path.join(__dirname + "/lambda")`.
                        V::Call(..) if out.is_none() => out = Some(self.path(a)?),
                        V::Str(s) => {
                            // `path.join(__dirname, "/lambda")` joins segments; only
                            // `path.resolve` starts over at an absolute one.
                            let seg = if f == "join" {
                                s.trim_start_matches('/')
                            } else {
                                s.as_str()
                            };
                            out = Some(match out {
                                Some(o) => o.join(seg),
                                None => self.site.app_dir.join(seg),
                            })
                        }
                        _ => return None,
                    }
                }
                out.map(|p| crate::normalize_lexically(&p))
            }
            _ => None,
        }
    }

    fn schedule(&self, s: &Val) -> Node {
        let V::Call(kind, args) = &s.v else {
            return self.value(s);
        };
        match (kind.as_str(), args.first()) {
            ("rate", Some(d)) => match seconds(d) {
                // As CDK writes it: the largest whole unit, singular for one.
                Some(n) if n > 0 && n % 60 == 0 => {
                    let minutes = n / 60;
                    let (count, unit) = if minutes % 1440 == 0 {
                        (minutes / 1440, "day")
                    } else if minutes % 60 == 0 {
                        (minutes / 60, "hour")
                    } else {
                        (minutes, "minute")
                    };
                    let plural = if count == 1 { "" } else { "s" };
                    str_node(s, &format!("rate({count} {unit}{plural})"))
                }
                _ => unknown(s, "a schedule rate fnguard cannot read"),
            },
            ("expression", Some(Val { v: V::Str(e), .. })) => str_node(s, e),
            ("cron", opts) => {
                let field = |name: &str| match opts.and_then(|o| prop(o, name)).map(|v| &v.v) {
                    Some(V::Str(x)) => Some(x.clone()),
                    Some(V::Num(x)) => Some(x.clone()),
                    _ => None,
                };
                let week_day = field("weekDay");
                let day = field("day")
                    .unwrap_or_else(|| if week_day.is_some() { "?" } else { "*" }.into());
                let expr = format!(
                    "cron({} {} {} {} {} {})",
                    field("minute").unwrap_or_else(|| "*".into()),
                    field("hour").unwrap_or_else(|| "*".into()),
                    day,
                    field("month").unwrap_or_else(|| "*".into()),
                    week_day.unwrap_or_else(|| "?".into()),
                    field("year").unwrap_or_else(|| "*".into()),
                );
                str_node(s, &expr)
            }
            _ => unknown(s, "a schedule fnguard cannot read"),
        }
    }

    /// An event pattern's CDK keys (`detailType`) are the JSON keys (`detail-type`).
    fn event_pattern(&self, ep: &Val) -> Node {
        let V::Map(entries) = &ep.v else {
            return self.value(ep);
        };
        let mapped = entries
            .iter()
            .map(|(k, v)| {
                let name = match k.as_str() {
                    "detailType" => "detail-type".to_string(),
                    other => other.to_string(),
                };
                (key(v, &name), self.value(v))
            })
            .collect();
        node(ep, Kind::Map(mapped))
    }

    /// `new targets.LambdaFunction(fn)` as a rule target.
    fn target(&self, t: &Val) -> Option<Node> {
        let V::Call(kind, args) = &t.v else {
            return None;
        };
        if kind != "LambdaFunction" {
            return None;
        }
        let V::Construct(f) = args.first()?.v else {
            return None;
        };
        Some(map(
            t,
            vec![
                ("Arn", self.arn(t, f, "Arn")),
                ("Id", str_node(t, "Target0")),
            ],
        ))
    }

    /// `new iam.PolicyStatement({ actions, resources, effect })`.
    fn statement(&self, s: &Val) -> Option<Node> {
        let V::Call(kind, args) = &s.v else {
            return None;
        };
        if kind != "PolicyStatement" {
            return None;
        }
        let p = args.first()?;
        let effect = match prop(p, "effect").map(|e| &e.v) {
            Some(V::Member(m)) if m.ends_with("DENY") => "Deny",
            _ => "Allow",
        };
        let mut entries = vec![("Effect", str_node(s, effect))];
        if let Some(a) = prop(p, "actions") {
            entries.push(("Action", self.value(a)));
        }
        if let Some(r) = prop(p, "resources") {
            entries.push(("Resource", self.value(r)));
        }
        Some(map(s, entries))
    }

    fn grant_to(&mut self, grantee: &Val, statement: Node) {
        if let V::Construct(i) | V::Attr(i, _) = &grantee.v {
            if self.external_roles.contains(i) {
                return;
            }
        }
        let role = match &grantee.v {
            V::Construct(i) => self.roles.get(i).cloned().or_else(|| {
                (self.app.constructs[*i].class == "Role").then(|| self.id(*i).to_string())
            }),
            // `fn.role`, `fn.grantPrincipal`: the function's role.
            V::Attr(i, a) if a == "role" || a == "grantPrincipal" => self.roles.get(i).cloned(),
            _ => None,
        };
        match role {
            Some(r) => self.statements.entry(r).or_default().push(statement),
            // A user, group or build project built here is no function's role.
            None if matches!(grantee.v, V::Call(..)) => {}
            // `stateMachine.role`: the role of a construct that is no function.
            None if matches!(&grantee.v, V::Attr(i, _) | V::Construct(i)
                if !FUNCTIONS.contains(&self.app.constructs[*i].class.as_str())) => {}
            // The role of something that is no function (`stateMachine.role`,
            // `pipeline.role`): no function's permissions change.
            None if matches!(&grantee.v, V::Member(m) if m.ends_with(".role") || m.ends_with(".grantPrincipal")) =>
                {}
            None => self.problem(
                grantee,
                "a grant to a principal fnguard cannot resolve to a function or role of this \
                 application"
                    .to_string(),
            ),
        }
    }

    /// Attaches a managed policy to a role, or to the role of a function.
    fn add_managed_policy(&mut self, target: usize, arn: Node, at: &Val) {
        let role = match self.app.constructs[target].class.as_str() {
            "Role" => Some(self.id(target).to_string()),
            _ => self.roles.get(&target).cloned(),
        };
        let Some(props) = role.and_then(|r| self.props_mut(&r)) else {
            return;
        };
        match props.iter_mut().find(|(k, _)| k == "ManagedPolicyArns") {
            Some((
                _,
                Node {
                    kind: Kind::Seq(items),
                    ..
                },
            )) => items.push(arn),
            _ => props.push(("ManagedPolicyArns".into(), node(at, Kind::Seq(vec![arn])))),
        }
    }

    /// `target.method(grantee)`: the statements CDK's grant adds to the grantee's policy.
    fn grant(&mut self, target: usize, m: &str, grantee: &Val, at: &Val) {
        let class = self.app.constructs[target].class.clone();
        let Some(statements) = grants::expand(&class, m) else {
            self.problem(
                at,
                format!(
                    "`{class}.{m}` is not in fnguard's table of CDK grants; the permissions it \
                     adds are not modelled"
                ),
            );
            return;
        };
        for g in statements {
            let resources: Vec<Node> = g
                .resources
                .iter()
                .filter_map(|r| self.grant_resource(at, target, r))
                .collect();
            if resources.is_empty() {
                continue;
            }
            let actions: Vec<Node> = g.actions.iter().map(|a| str_node(at, a)).collect();
            let st = allow(at, actions, node(at, Kind::Seq(resources)));
            self.grant_to(grantee, st);
        }
    }

    fn method(&mut self, call: &MethodCall) {
        let target = call.target;
        let at = &call.at;
        let m = call.method.as_str();
        // `queue.grant(fn, "sqs:SendMessage", ...)`: the actions given, on the resource.
        if m == "grant" {
            let Some(grantee) = call.args.first() else {
                return;
            };
            let actions: Vec<Node> = call.args[1..].iter().map(|a| self.value(a)).collect();
            if actions.is_empty() {
                return;
            }
            let st = allow(at, actions, self.arn(at, target, "Arn"));
            self.grant_to(grantee, st);
            return;
        }
        if m.starts_with("grant") {
            if let Some(grantee) = call.args.first() {
                self.grant(target, m, grantee, at);
            }
            return;
        }
        match m {
            "addMethod" => {
                // [path, HTTP method, integration, options?]
                let (
                    Some(Val {
                        v: V::Str(path), ..
                    }),
                    Some(Val {
                        v: V::Str(verb), ..
                    }),
                ) = (call.args.first(), call.args.get(1))
                else {
                    return;
                };
                // Without an integration, the API's default one answers (`LambdaRestApi`'s
                // handler, `defaultIntegration`); the options then come third.
                let api_props = &self.app.constructs[target].props;
                let third = call.args.get(2);
                let (f, opts) = match third.and_then(rest_integration) {
                    Some(f) => (Some(f), call.args.get(3)),
                    // Another integration (`AwsIntegration`, `MockIntegration`): no function.
                    None if third.is_some_and(|t| !matches!(t.v, V::Map(_))) => (None, None),
                    None => {
                        let default = prop(api_props, "defaultIntegration")
                            .and_then(rest_integration)
                            .or_else(|| match prop(api_props, "handler").map(|h| &h.v) {
                                Some(V::Construct(f)) => Some(*f),
                                _ => None,
                            });
                        let opts = call
                            .args
                            .get(2)
                            .filter(|o| matches!(o.v, V::Map(_)))
                            .or(call.args.get(3));
                        (default, opts)
                    }
                };
                let Some(f) = f else { return };
                let api_defaults = prop(api_props, "defaultMethodOptions");
                let auth = self.rest_auth(opts, api_defaults);
                let (path, verb) = (path.clone(), verb.to_ascii_uppercase());
                self.rest_method(target, &path, &verb, f, auth, at);
            }
            // `webSocketApi.addRoute("sendmessage", { integration })`.
            "addRoute" if self.app.constructs[target].class == "WebSocketApi" => {
                if let (
                    Some(Val {
                        v: V::Str(route), ..
                    }),
                    Some(opts),
                ) = (call.args.first(), call.args.get(1))
                {
                    let route = route.clone();
                    self.websocket_route(target, &route, opts, at);
                }
            }
            "addRoutes" => {
                let Some(opts) = call.args.first() else {
                    return;
                };
                let Some(f) = prop(opts, "integration").and_then(http_integration) else {
                    return;
                };
                let path = match prop(opts, "path").map(|p| &p.v) {
                    Some(V::Str(p)) => p.clone(),
                    _ => return,
                };
                let api_default = prop(&self.app.constructs[target].props, "defaultAuthorizer");
                let auth = http_auth(prop(opts, "authorizer").or(api_default));
                let methods: Vec<String> = match prop(opts, "methods").map(|m| &m.v) {
                    Some(V::List(items)) => items
                        .iter()
                        .filter_map(|m| match &m.v {
                            V::Member(x) => x.rsplit('.').next().map(str::to_string),
                            V::Str(x) => Some(x.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => vec!["ANY".into()],
                };
                for verb in methods {
                    self.http_route(target, &format!("{verb} {path}"), f, auth.clone(), at);
                }
            }
            "addEventSource" => {
                if let Some(src) = call.args.first() {
                    self.event_source(target, src);
                }
            }
            "addFunctionUrl" => {
                let opts = call.args.first();
                let auth = auth_type(opts.and_then(|o| prop(o, "authType")), at);
                let id = format!("{}FunctionUrl", self.id(target));
                let fn_arn = self.arn(at, target, "Arn");
                self.push(
                    id,
                    at,
                    "AWS::Lambda::Url",
                    vec![
                        ("TargetFunctionArn".into(), fn_arn),
                        ("AuthType".into(), auth),
                    ],
                    Vec::new(),
                );
            }
            "addEnvironment" => {
                if let (Some(k), Some(v)) = (call.args.first(), call.args.get(1)) {
                    if let V::Str(name) = &k.v {
                        let value = self.value(v);
                        let id = self.id(target).to_string();
                        if let Some(props) = self.props_mut(&id) {
                            add_env(props, k, name, value);
                        }
                    }
                }
            }
            // What `LambdaInvokeAction` adds to the function's role (aws-cdk-lib 2.276.0).
            super::source::PIPELINE_INVOKE => {
                let actions = [
                    "codepipeline:PutJobSuccessResult",
                    "codepipeline:PutJobFailureResult",
                ]
                .iter()
                .map(|a| str_node(at, a))
                .collect();
                let st = allow(at, actions, str_node(at, "*"));
                let grantee = Val {
                    v: V::Construct(target),
                    ..at.clone()
                };
                self.grant_to(&grantee, st);
            }
            super::source::UNMODELLED_GRANT => {
                let what = match call.args.first().map(|a| &a.v) {
                    Some(V::Str(c)) => c.clone(),
                    _ => "a grant".into(),
                };
                let policy = unknown(
                    at,
                    format!("the permissions `{what}(...)` grants (its construct is not modelled)"),
                );
                self.add_managed_policy(target, policy, at);
            }
            // `api.addUsagePlan("Plan", { throttle })`: the plan is for this API (its stage is
            // attached with `addApiStage`, which fnguard does not follow).
            "addUsagePlan"
                if matches!(
                    self.app.constructs[target].class.as_str(),
                    "RestApi" | "LambdaRestApi" | "SpecRestApi"
                ) =>
            {
                let opts = call.args.iter().find(|a| matches!(a.v, V::Map(_)));
                let throttle = opts.and_then(|o| prop(o, "throttle")).map(|t| match &t.v {
                    // Python: `apigw.ThrottleSettings(rate_limit=10, burst_limit=2)`.
                    V::Call(_, args) => args.first().cloned().unwrap_or_else(|| t.clone()),
                    _ => t.clone(),
                });
                let api_id = self.id(target).to_string();
                let mut props = vec![(
                    "ApiStages".to_string(),
                    node(
                        at,
                        Kind::Seq(vec![map(
                            at,
                            vec![(
                                "ApiId",
                                node(
                                    at,
                                    Kind::Ref {
                                        id: api_id.clone(),
                                        attr: None,
                                    },
                                ),
                            )],
                        )]),
                    ),
                )];
                if let Some(t) = throttle {
                    let mut limits = Vec::new();
                    if let Some(r) = prop(&t, "rateLimit") {
                        limits.push(("RateLimit", self.value(r)));
                    }
                    if let Some(b) = prop(&t, "burstLimit") {
                        limits.push(("BurstLimit", self.value(b)));
                    }
                    if !limits.is_empty() {
                        props.push(("Throttle".into(), map(&t, limits)));
                    }
                }
                let n = self.resources.len();
                self.push(
                    format!("{api_id}UsagePlan{n}"),
                    at,
                    "AWS::ApiGateway::UsagePlan",
                    props,
                    Vec::new(),
                );
            }
            "addManagedPolicy" => {
                if let Some(p) = call.args.first() {
                    let arn = self.managed_policy(p);
                    self.add_managed_policy(target, arn, at);
                }
            }
            // `role.attachInlinePolicy(policy)`, `policy.attachToRole(role)`.
            "attachInlinePolicy" | "attachToRole" => {
                let Some(other) = call.args.first() else {
                    return;
                };
                let V::Construct(o) = other.v else { return };
                let (policy, role) = if m == "attachToRole" {
                    (target, other.clone())
                } else {
                    (
                        o,
                        Val {
                            v: V::Construct(target),
                            ..at.clone()
                        },
                    )
                };
                let props = &self.app.constructs[policy].props;
                let stmts = self.policy_statements(props);
                for st in stmts {
                    self.grant_to(&role, st);
                }
            }
            "addToRolePolicy" | "addToPolicy" | "addToPrincipalPolicy" => {
                if let Some(st) = call.args.first().and_then(|s| self.statement(s)) {
                    let grantee = Val {
                        v: V::Construct(target),
                        ..at.clone()
                    };
                    self.grant_to(&grantee, st);
                }
            }
            "addEventNotification"
            | "addObjectCreatedNotification"
            | "addObjectRemovedNotification" => {
                let (event, rest) = match m {
                    "addEventNotification" => (
                        call.args
                            .first()
                            .map(event_name)
                            .unwrap_or_else(|| "s3:ObjectCreated:*".into()),
                        call.args.get(1..).unwrap_or_default(),
                    ),
                    "addObjectCreatedNotification" => ("s3:ObjectCreated:*".into(), &call.args[..]),
                    _ => ("s3:ObjectRemoved:*".into(), &call.args[..]),
                };
                let Some(dest) = rest.first() else { return };
                let Some(f) = lambda_of(dest, "LambdaDestination") else {
                    return;
                };
                self.notification(target, f, &event, &rest[1..], at);
            }
            "addSubscription" => {
                if let Some(f) = call
                    .args
                    .first()
                    .and_then(|s| lambda_of(s, "LambdaSubscription"))
                {
                    self.subscription(target, f, at);
                }
            }
            "addTarget" => {
                if let Some(t) = call.args.first().and_then(|t| self.target(t)) {
                    let id = self.id(target).to_string();
                    if let Some(props) = self.props_mut(&id) {
                        match props.iter_mut().find(|(k, _)| k == "Targets") {
                            Some((
                                _,
                                Node {
                                    kind: Kind::Seq(items),
                                    ..
                                },
                            )) => items.push(t),
                            _ => props.push(("Targets".into(), node(at, Kind::Seq(vec![t])))),
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// A resource of a grant, by the table's vocabulary; `None` for the ARNs that exist only
    /// with settings fnguard does not read (replicas, indexes).
    fn grant_resource(&self, at: &Val, target: usize, form: &str) -> Option<Node> {
        Some(match form {
            "arn" => self.arn(at, target, "Arn"),
            "stream-arn" => self.arn(at, target, "StreamArn"),
            "*" => str_node(at, "*"),
            f if f.contains("replica") || f.starts_with("index") || f.starts_with("dest") => {
                return None
            }
            other if self.app.constructs[target].imported.is_some() => {
                let suffix = other.trim_start_matches("arn");
                match self.arn(at, target, "Arn").kind {
                    Kind::Str(a) => str_node(at, &format!("{a}{suffix}")),
                    _ => unknown(
                        at,
                        format!("the imported {}{suffix}", self.app.constructs[target].id),
                    ),
                }
            }
            other => {
                // `arn/*`, `arn:*`: the resource's ARN with a suffix.
                let suffix = other.trim_start_matches("arn");
                node(
                    at,
                    Kind::Unknown(Unknown {
                        reason: format!("{}{} (from a CDK grant)", self.id(target), suffix),
                        refs: vec![self.id(target).to_string()],
                        partial: None,
                    }),
                )
            }
        })
    }

    fn event_source(&mut self, f: usize, src: &Val) {
        let V::Call(kind, args) = &src.v else { return };
        let Some(Val {
            v: V::Construct(s), ..
        }) = args.first()
        else {
            return;
        };
        let s = *s;
        let opts = args.get(1);
        let fn_ref = node(
            src,
            Kind::Ref {
                id: self.id(f).to_string(),
                attr: None,
            },
        );
        match kind.as_str() {
            "SqsEventSource" | "KinesisEventSource" | "DynamoEventSource" => {
                let attr = if kind == "DynamoEventSource" {
                    "StreamArn"
                } else {
                    "Arn"
                };
                let mut props = vec![
                    ("FunctionName".to_string(), fn_ref),
                    ("EventSourceArn".to_string(), self.arn(src, s, attr)),
                ];
                if let Some(b) = opts.and_then(|o| prop(o, "batchSize")) {
                    props.push(("BatchSize".into(), self.value(b)));
                }
                if opts
                    .and_then(|o| prop(o, "reportBatchItemFailures"))
                    .is_some_and(|r| matches!(r.v, V::Bool(true)))
                {
                    props.push((
                        "FunctionResponseTypes".into(),
                        node(
                            src,
                            Kind::Seq(vec![str_node(src, "ReportBatchItemFailures")]),
                        ),
                    ));
                }
                let id = format!("{}{}EventSource", self.id(f), self.id(s));
                self.push(
                    id,
                    src,
                    "AWS::Lambda::EventSourceMapping",
                    props,
                    Vec::new(),
                );
                // The event source grants the function what polling needs, as CDK's does.
                let grant = match kind.as_str() {
                    "SqsEventSource" => "grantConsumeMessages",
                    "DynamoEventSource" => "grantStreamRead",
                    _ => "grantRead",
                };
                let grantee = Val {
                    v: V::Construct(f),
                    ..src.clone()
                };
                self.grant(s, grant, &grantee, src);
            }
            "S3EventSource" => {
                let events: Vec<String> = match opts.and_then(|o| prop(o, "events")).map(|e| &e.v) {
                    Some(V::List(items)) => items.iter().map(event_name).collect(),
                    _ => vec!["s3:ObjectCreated:*".into()],
                };
                let filters: Vec<Val> = match opts.and_then(|o| prop(o, "filters")).map(|e| &e.v) {
                    Some(V::List(items)) => items.clone(),
                    _ => Vec::new(),
                };
                for e in events {
                    self.notification(s, f, &e, &filters, src);
                }
            }
            "SnsEventSource" => self.subscription(s, f, src),
            _ => {}
        }
    }

    fn notification(&mut self, bucket: usize, f: usize, event: &str, filters: &[Val], at: &Val) {
        let mut rules = Vec::new();
        for fl in filters {
            // `s3.NotificationKeyFilter(suffix=".jpg")` (Python) is the filter's props.
            let fl = match &fl.v {
                V::Call(k, args) if k == "NotificationKeyFilter" => match args.first() {
                    Some(a) => a,
                    None => continue,
                },
                _ => fl,
            };
            for (name, key_name) in [("prefix", "prefix"), ("suffix", "suffix")] {
                if let Some(v) = prop(fl, key_name) {
                    rules.push(map(
                        v,
                        vec![("Name", str_node(v, name)), ("Value", self.value(v))],
                    ));
                }
            }
        }
        let mut cfg = vec![
            ("Event", str_node(at, event)),
            ("Function", self.arn(at, f, "Arn")),
        ];
        if !rules.is_empty() {
            cfg.push((
                "Filter",
                map(
                    at,
                    vec![(
                        "S3Key",
                        map(at, vec![("Rules", node(at, Kind::Seq(rules)))]),
                    )],
                ),
            ));
        }
        let entry = map(at, cfg);
        let id = self.id(bucket).to_string();
        let Some(props) = self.props_mut(&id) else {
            return;
        };
        let existing = props
            .iter_mut()
            .find(|(k, _)| k == "NotificationConfiguration");
        match existing {
            Some((_, n)) => {
                if let Kind::Map(entries) = &mut n.kind {
                    if let Some((
                        _,
                        Node {
                            kind: Kind::Seq(items),
                            ..
                        },
                    )) = entries
                        .iter_mut()
                        .find(|(k, _)| k.name == "LambdaConfigurations")
                    {
                        items.push(entry);
                    }
                }
            }
            None => props.push((
                "NotificationConfiguration".into(),
                map(
                    at,
                    vec![("LambdaConfigurations", node(at, Kind::Seq(vec![entry])))],
                ),
            )),
        }
    }

    fn subscription(&mut self, topic: usize, f: usize, at: &Val) {
        let id = format!("{}{}Subscription", self.id(f), self.id(topic));
        let props = vec![
            ("TopicArn".to_string(), self.arn(at, topic, "Arn")),
            ("Protocol".to_string(), str_node(at, "lambda")),
            ("Endpoint".to_string(), self.arn(at, f, "Arn")),
        ];
        self.push(id, at, "AWS::SNS::Subscription", props, Vec::new());
    }

    fn finish(mut self) -> Out {
        // Each role's statements become its default policy, as CDK writes it.
        let mut roles: Vec<(String, Vec<Node>)> = self.statements.drain().collect();
        roles.sort_by(|a, b| a.0.cmp(&b.0));
        for (role, stmts) in roles {
            let Some(at) = stmts.first().map(|s| Val {
                v: V::Bool(false),
                file: s.file.clone(),
                line: s.line,
                column: s.column,
            }) else {
                continue;
            };
            let doc = map(
                &at,
                vec![
                    ("Version", str_node(&at, "2012-10-17")),
                    ("Statement", node(&at, Kind::Seq(stmts))),
                ],
            );
            let roles = node(
                &at,
                Kind::Seq(vec![node(
                    &at,
                    Kind::Ref {
                        id: role.clone(),
                        attr: None,
                    },
                )]),
            );
            self.push(
                format!("{role}DefaultPolicy"),
                &at,
                "AWS::IAM::Policy",
                vec![("PolicyDocument".into(), doc), ("Roles".into(), roles)],
                Vec::new(),
            );
        }
        let resources = self
            .resources
            .into_iter()
            .map(|(id, at, ty, props, meta)| {
                let props = node(
                    &at,
                    Kind::Map(props.into_iter().map(|(k, v)| (key(&at, &k), v)).collect()),
                );
                let mut entries = vec![
                    (key(&at, "Type"), str_node(&at, &ty)),
                    (key(&at, "Properties"), props),
                ];
                if !meta.is_empty() {
                    entries.push((
                        key(&at, "Metadata"),
                        node(
                            &at,
                            Kind::Map(meta.into_iter().map(|(k, v)| (key(&at, &k), v)).collect()),
                        ),
                    ));
                }
                (key(&at, &id), node(&at, Kind::Map(entries)))
            })
            .collect();
        Out {
            resources,
            problems: self.problems,
        }
    }
}

fn add_env(props: &mut Vec<(String, Node)>, at: &Val, name: &str, value: Node) {
    let entry = (key(at, name), value);
    if let Some((_, env)) = props.iter_mut().find(|(k, _)| k == "Environment") {
        if let Kind::Map(e) = &mut env.kind {
            if let Some((
                _,
                Node {
                    kind: Kind::Map(vars),
                    ..
                },
            )) = e.iter_mut().find(|(k, _)| k.name == "Variables")
            {
                vars.push(entry);
                return;
            }
        }
    }
    props.push((
        "Environment".into(),
        map(at, vec![("Variables", node(at, Kind::Map(vec![entry])))]),
    ));
}

/// The function a destination or subscription wraps: `new LambdaDestination(fn)`.
fn lambda_of(v: &Val, class: &str) -> Option<usize> {
    match &v.v {
        V::Call(k, args) if k == class => match args.first()?.v {
            V::Construct(f) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

/// `s3.EventType.OBJECT_CREATED_PUT` -> `s3:ObjectCreated:Put`.
fn event_name(v: &Val) -> String {
    let V::Member(m) = &v.v else {
        return "s3:ObjectCreated:*".into();
    };
    let name = m.rsplit('.').next().unwrap_or("");
    let words: Vec<String> = name
        .split('_')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut c = lower.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    match words.as_slice() {
        [a, b] => format!("s3:{a}{b}:*"),
        [a, b, rest @ ..] => format!("s3:{a}{b}:{}", rest.join("")),
        _ => "s3:ObjectCreated:*".into(),
    }
}

/// `FunctionUrlAuthType.NONE` -> `NONE`; CDK's default is `AWS_IAM`.
fn auth_type(v: Option<&Val>, at: &Val) -> Node {
    match v.map(|x| &x.v) {
        Some(V::Member(m)) if m.ends_with("NONE") => str_node(v.unwrap_or(at), "NONE"),
        Some(V::Member(m)) if m.ends_with("AWS_IAM") => str_node(v.unwrap_or(at), "AWS_IAM"),
        Some(V::Str(s)) => str_node(v.unwrap_or(at), s),
        Some(_) => unknown(
            v.unwrap_or(at),
            "a function URL auth type fnguard cannot read",
        ),
        None => str_node(at, "AWS_IAM"),
    }
}

fn assume(at: &Val, service: &str) -> Node {
    map(
        at,
        vec![
            ("Version", str_node(at, "2012-10-17")),
            (
                "Statement",
                node(
                    at,
                    Kind::Seq(vec![map(
                        at,
                        vec![
                            ("Effect", str_node(at, "Allow")),
                            ("Action", str_node(at, "sts:AssumeRole")),
                            (
                                "Principal",
                                map(at, vec![("Service", str_node(at, service))]),
                            ),
                        ],
                    )]),
                ),
            ),
        ],
    )
}

/// `ManagedPolicy.fromAwsManagedPolicyName("AdministratorAccess")`.
fn managed_policy_call(m: &Val) -> Node {
    match &m.v {
        V::Call(f, args) if f == "fromAwsManagedPolicyName" => match args.first().map(|a| &a.v) {
            Some(V::Str(name)) => str_node(m, &format!("arn:aws:iam::aws:policy/{name}")),
            _ => unknown(m, "a managed policy name fnguard cannot read"),
        },
        V::Call(f, args) if f == "fromManagedPolicyArn" => match args.get(2).map(|a| &a.v) {
            Some(V::Str(arn)) => str_node(m, arn),
            _ => unknown(m, "a managed policy ARN fnguard cannot read"),
        },
        _ => unknown(m, "a managed policy fnguard cannot read"),
    }
}

/// The function a REST integration proxies to: `new LambdaIntegration(fn)`.
fn rest_integration(v: &Val) -> Option<usize> {
    lambda_of(v, "LambdaIntegration")
}

/// The function of `new HttpLambdaIntegration("Id", fn)`.
fn http_integration(v: &Val) -> Option<usize> {
    match &v.v {
        V::Call(k, args) if k == "HttpLambdaIntegration" || k == "WebSocketLambdaIntegration" => {
            args.iter().find_map(|a| match a.v {
                V::Construct(f) => Some(f),
                _ => None,
            })
        }
        _ => None,
    }
}

/// An HTTP API route's authorization type from its authorizer.
fn http_auth(authorizer: Option<&Val>) -> String {
    match authorizer.map(|a| &a.v) {
        None => "NONE".into(),
        Some(V::Call(k, _)) if k.contains("Iam") => "AWS_IAM".into(),
        Some(V::Call(k, _)) if k.contains("Jwt") || k.contains("UserPool") => "JWT".into(),
        Some(V::Call(k, _)) if k.contains("None") => "NONE".into(),
        Some(_) => "CUSTOM".into(),
    }
}
