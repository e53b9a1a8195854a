//! Resource-by-resource mapping of an evaluated CloudFormation template onto the model.

use super::eval::Evaluator;
use super::openapi;
use crate::node::{Kind, Node};
use crate::policy::{policy_document, principals};
use crate::Diagnostic;
use fnguard_model::{
    Api, ApiKind, Auth, Cors, EnvVar, Function, FunctionUrl, InvokePermission, Location, Project,
    PublicAccessBlock, Resource, ResourceKind, Role, RoleRef, Setting, Stage, Throttle, Trigger,
    TriggerKind, Val,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

/// One resource of the template after condition filtering and intrinsic evaluation.
const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";

pub(crate) struct Res {
    pub id: String,
    pub ty: String,
    pub props: Node,
    /// The resource's own node (for `Metadata`, positions of missing properties), moved out
    /// of the template: a function's is released once the function is built.
    pub node: Node,
    pub location: Location,
}

pub(crate) struct Builder<'e> {
    pub ev: &'e Evaluator,
    pub project: Project,
    pub diags: Vec<Diagnostic>,
    pub rel: String,
    pub dir: PathBuf,
    pub root: PathBuf,
    /// Logical ids (functions, aliases, versions, serverless generated ids) → model function id.
    pub fn_ids: HashMap<String, String>,
    rest_paths: HashMap<String, (Option<String>, String)>,
    v2_integrations: HashMap<String, String>,
    /// Routes (logical ids) with an `AWS::ApiGatewayV2::RouteResponse`.
    route_responses: std::collections::HashSet<String>,
    target_groups: HashMap<String, Vec<String>>,
    lb_of_tg: HashMap<String, (String, Auth)>,
    index: RefCell<Index>,
    /// Stage logical ids → their API and stage name, for web ACL associations.
    stage_owner: HashMap<String, String>,
    stage_names: HashMap<String, Val<String>>,
    /// Buckets by their name as written (`BucketName`, unevaluated) and as evaluated, so that a
    /// policy naming its bucket by name (`Bucket: !Sub "${AWS::StackName}-uploads"`) finds it.
    bucket_names: Vec<(String, Node, Node)>,
}

/// Positions of functions, resources and APIs in the project by id (and functions by name),
/// so that attaching thousands of triggers stays linear. The project's vectors only grow;
/// the index catches up with what was pushed since it last looked.
#[derive(Default)]
struct Index {
    functions: HashMap<String, usize>,
    function_names: HashMap<String, usize>,
    resources: HashMap<String, usize>,
    apis: HashMap<String, usize>,
    roles: HashMap<String, usize>,
    seen: (usize, usize, usize, usize),
}

impl Index {
    fn sync(&mut self, p: &Project) {
        for (i, f) in p.functions.iter().enumerate().skip(self.seen.0) {
            self.functions.entry(f.id.clone()).or_insert(i);
            if let Some(name) = f.name.as_ref().and_then(Val::as_str) {
                self.function_names.entry(name.to_string()).or_insert(i);
            }
        }
        for (i, r) in p.resources.iter().enumerate().skip(self.seen.1) {
            self.resources.entry(r.id.clone()).or_insert(i);
        }
        for (i, a) in p.apis.iter().enumerate().skip(self.seen.2) {
            self.apis.entry(a.id.clone()).or_insert(i);
        }
        for (i, r) in p.roles.iter().enumerate().skip(self.seen.3) {
            self.roles.entry(r.id.clone()).or_insert(i);
        }
        self.seen = (
            p.functions.len(),
            p.resources.len(),
            p.apis.len(),
            p.roles.len(),
        );
    }
}

pub(crate) fn setting_str(props: &Node, key: &str) -> Option<Setting<String>> {
    props
        .get(key)
        .map(|n| Setting::new(n.to_val_string(), n.location()))
}

pub(crate) fn setting_i64(props: &Node, key: &str) -> Option<Setting<i64>> {
    props
        .get(key)
        .map(|n| Setting::new(n.to_val_i64(), n.location()))
}

impl<'e> Builder<'e> {
    pub fn new(
        ev: &'e Evaluator,
        project: Project,
        rel: &str,
        dir: PathBuf,
        root: PathBuf,
    ) -> Self {
        Self {
            ev,
            project,
            diags: Vec::new(),
            rel: rel.to_string(),
            dir,
            root,
            fn_ids: HashMap::new(),
            rest_paths: HashMap::new(),
            v2_integrations: HashMap::new(),
            route_responses: std::collections::HashSet::new(),
            target_groups: HashMap::new(),
            lb_of_tg: HashMap::new(),
            index: RefCell::new(Index::default()),
            stage_owner: HashMap::new(),
            stage_names: HashMap::new(),
            bucket_names: Vec::new(),
        }
    }

    pub fn finish(mut self) -> (Project, Vec<Diagnostic>) {
        self.link_functions();
        (self.project, self.diags)
    }

    /// A resource's `Properties`, evaluated (an empty mapping when it has none).
    fn evaluated_properties(&self, resource: &Node) -> Node {
        resource
            .get("Properties")
            .map(|p| self.ev.eval(p))
            .unwrap_or_else(|| resource.with_kind(Kind::Map(Vec::new())))
    }

    /// Evaluate and sort the resources, then map them in dependency order.
    pub fn add_resources(&mut self, resources: Node, sam: bool) {
        let mut all: Vec<Res> = Vec::new();
        let entries = match resources.kind {
            Kind::Map(entries) => entries,
            _ => Vec::new(),
        };
        for (key, node) in entries {
            if let Some(cond) = node.get("Condition").and_then(Node::str) {
                if self.ev.condition(cond) == Some(false) {
                    continue;
                }
            }
            let Some(ty) = node.get("Type").and_then(Node::str) else {
                self.diags.push(Diagnostic::error(
                    &self.rel,
                    Some(key.line),
                    format!("resource `{}` has no `Type`", key.name),
                ));
                continue;
            };
            // A function's properties are evaluated when the function is built (below): they
            // are most of a large template's, and need never be alive all together.
            let props = if ty == LAMBDA_FUNCTION {
                node.with_kind(Kind::Map(Vec::new()))
            } else {
                self.evaluated_properties(&node)
            };
            if let Some(path) = node
                .path(&["Metadata", "aws:cdk:path"])
                .and_then(Node::scalar_text)
            {
                self.project.construct_paths.push((key.name.clone(), path));
            }
            let ty = ty.to_string();
            let location = Location::new(&node.file, key.line, key.column);
            all.push(Res {
                id: key.name,
                ty,
                props,
                node,
                location,
            });
        }
        // Growing by doubling would leave up to half of a large template's functions' worth of
        // capacity unused.
        let functions = all
            .iter()
            .filter(|r| {
                matches!(
                    r.ty.as_str(),
                    "AWS::Lambda::Function" | "AWS::Serverless::Function"
                )
            })
            .count();
        self.project.functions.reserve_exact(functions);
        // First the things others point at (roles before the functions that name them,
        // wherever they are written), then the attachments.
        for r in all.iter().filter(|r| r.ty == "AWS::IAM::Role") {
            self.add_primary(r);
        }
        for r in all.iter_mut().filter(|r| r.ty != "AWS::IAM::Role") {
            // A function's properties are read only here (the later passes read the resources
            // that name a function, by its id, and never its template node): evaluated for it
            // and released after it.
            if r.ty == LAMBDA_FUNCTION {
                r.props = self.evaluated_properties(&r.node);
                self.add_primary(r);
                // Its template text too: on a large template, the functions' are most of it.
                r.props = r.props.with_kind(Kind::Map(Vec::new()));
                r.node = r.node.with_kind(Kind::Null);
            } else {
                self.add_primary(r);
            }
        }
        if sam {
            crate::sam::add_primary(self, &all);
        }
        for r in &all {
            self.add_alias(r);
        }
        for r in &all {
            self.add_secondary(r);
        }
        if sam {
            crate::sam::add_secondary(self, &all);
        }
        for r in &all {
            self.add_tertiary(r);
        }
        // Web ACLs last: they name stages and load balancers, wherever those are written.
        for r in &all {
            self.add_waf(r);
        }
    }

    fn add_waf(&mut self, r: &Res) {
        if !matches!(
            r.ty.as_str(),
            "AWS::WAFv2::WebACLAssociation" | "AWS::WAFRegional::WebACLAssociation"
        ) {
            return;
        }
        let Some(arn) = r.props.get("ResourceArn") else {
            return;
        };
        for id in arn.refs() {
            // A stage by its own id, or an API (all its stages), or a load balancer.
            let api_of_stage = self.stage_owner.get(&id).cloned();
            let stage_name = self.stage_names.get(&id).cloned();
            if let (Some(api), Some(name)) = (api_of_stage, stage_name) {
                if let Some(a) = self.api_mut(&api) {
                    for s in a.stages.iter_mut().filter(|s| s.name == name) {
                        s.waf = true;
                    }
                }
                continue;
            }
            if let Some(a) = self.api_mut(&id) {
                for s in &mut a.stages {
                    s.waf = true;
                }
                if a.kind == ApiKind::Alb {
                    a.stages.push(Stage {
                        waf: true,
                        ..empty_stage(&r.location)
                    });
                }
            }
        }
    }

    fn add_primary(&mut self, r: &Res) {
        let p = &r.props;
        if let Some((_, kind, name_key)) = PLAIN_RESOURCES.iter().find(|(t, ..)| *t == r.ty) {
            let mut res = self.resource(r, *kind, name_key);
            if r.ty == "AWS::Serverless::LayerVersion" {
                // A local ContentUri is the layer's source, packaged by `sam build`/`deploy`.
                res.content_path = p.get("ContentUri").and_then(Node::str).map(|c| {
                    let path = self.dir.join(c);
                    crate::relative_dir(&self.root, &path)
                });
            }
            self.project.resources.push(res);
            return;
        }
        match r.ty.as_str() {
            "AWS::Lambda::Function" => {
                let f = self.lambda_function(r);
                self.fn_ids.insert(r.id.clone(), f.id.clone());
                self.project.functions.push(f);
            }
            "AWS::IAM::Role" => self.project.roles.push(iam_role(r)),
            "AWS::S3::Bucket" => {
                if let (Some(raw), Some(evaluated)) = (
                    r.node.path(&["Properties", "BucketName"]),
                    p.get("BucketName"),
                ) {
                    self.bucket_names
                        .push((r.id.clone(), raw.clone(), evaluated.clone()));
                }
                let mut b = self.resource(r, ResourceKind::Bucket, "BucketName");
                b.acl = setting_str(p, "AccessControl");
                b.public_access_block = p.get("PublicAccessBlockConfiguration").map(|c| {
                    let on = |k: &str| c.get(k).and_then(Node::as_bool) == Some(true);
                    PublicAccessBlock {
                        block_public_acls: on("BlockPublicAcls"),
                        ignore_public_acls: on("IgnorePublicAcls"),
                        block_public_policy: on("BlockPublicPolicy"),
                        restrict_public_buckets: on("RestrictPublicBuckets"),
                    }
                });
                self.project.resources.push(b);
            }
            "AWS::SQS::Queue" => {
                let mut q = self.resource(r, ResourceKind::Queue, "QueueName");
                q.encrypted = Some(
                    match (p.get("KmsMasterKeyId"), p.get("SqsManagedSseEnabled")) {
                        (Some(k), _) => Setting::new(Val::Known(true), k.location()),
                        (None, Some(s)) => Setting::new(s.to_val_bool(), s.location()),
                        // SSE-SQS is on by default for queues created since 2022.
                        (None, None) => Setting::new(Val::Known(true), r.location.clone()),
                    },
                );
                q.has_dead_letter = p.get("RedrivePolicy").is_some();
                self.project.resources.push(q);
            }
            "AWS::SNS::Topic" => {
                let mut t = self.resource(r, ResourceKind::Topic, "TopicName");
                t.encrypted = Some(encrypted_if_present(p, "KmsMasterKeyId", r));
                self.project.resources.push(t);
            }
            "AWS::Kinesis::Stream" => {
                let mut s = self.resource(r, ResourceKind::Stream, "Name");
                s.encrypted = Some(encrypted_if_present(p, "StreamEncryption", r));
                self.project.resources.push(s);
            }
            "AWS::SSM::Parameter" => {
                let mut s = self.resource(r, ResourceKind::Parameter, "Name");
                if p.get("Type").and_then(Node::str) == Some("String") {
                    s.plain_value = setting_str(p, "Value");
                }
                self.project.resources.push(s);
            }
            "AWS::Cognito::UserPool" => {
                let mut u = self.resource(r, ResourceKind::UserPool, "UserPoolName");
                for attr in p.get("Schema").map(Node::items).unwrap_or_default() {
                    if let Some(name) = attr.get("Name").and_then(Node::scalar_text) {
                        if !STANDARD_ATTRIBUTES.contains(&name.as_str()) {
                            u.custom_attributes.push(format!("custom:{name}"));
                        }
                    }
                }
                self.project.resources.push(u);
            }
            "AWS::Cognito::UserPoolClient" => {
                let mut c = self.resource(r, ResourceKind::UserPoolClient, "ClientName");
                c.user_pool = p.get("UserPoolId").and_then(Node::single_ref);
                c.write_attributes = p.get("WriteAttributes").map(|w| {
                    let names: Option<Vec<String>> =
                        w.items().iter().map(Node::scalar_text).collect();
                    Setting::new(
                        match names {
                            Some(n) => Val::Known(n),
                            None => Val::unknown("WriteAttributes is not a known list"),
                        },
                        w.location(),
                    )
                });
                self.project.resources.push(c);
            }
            "AWS::ApiGateway::RestApi" => {
                let mut api = self.api(r, ApiKind::Rest);
                api.private = endpoint_is_private(p.get("EndpointConfiguration"));
                self.project.apis.push(api);
                if let Some(body) = p.get("Body") {
                    openapi::routes(self, &r.id, body, ApiKind::Rest, &HashMap::new(), None);
                }
            }
            "AWS::ApiGatewayV2::Api" => {
                let kind = match p.get("ProtocolType").and_then(Node::str) {
                    Some("WEBSOCKET") => ApiKind::WebSocket,
                    _ => ApiKind::Http,
                };
                let mut api = self.api(r, kind);
                api.cors = p.get("CorsConfiguration").map(cors_v2);
                self.project.apis.push(api);
                if let Some(body) = p.get("Body") {
                    openapi::routes(self, &r.id, body, kind, &HashMap::new(), None);
                }
            }
            "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
                let name_key = if r.ty.starts_with("AWS::Serverless::") {
                    "Name"
                } else {
                    "StateMachineName"
                };
                let mut m = self.resource(r, ResourceKind::StateMachine, name_key);
                // Task states name their functions by reference (`!GetAtt Fn.Arn`, `${Fn}` in a
                // `Sub` or a substitution) or by ARN written out; both are resolved to function
                // ids once every function is known.
                for key in ["Definition", "DefinitionString", "DefinitionSubstitutions"] {
                    if let Some(d) = p.get(key) {
                        m.invokes.extend(d.refs());
                        m.invokes.extend(
                            lambda_arn_names(d)
                                .into_iter()
                                .map(|n| format!("{ARN_NAME_MARK}{n}")),
                        );
                    }
                }
                self.project.resources.push(m);
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                let mut api = self.api(r, ApiKind::Alb);
                api.private = p.get("Scheme").and_then(Node::str) == Some("internal");
                if p.get("Type").and_then(Node::str) == Some("network") {
                    return;
                }
                self.project.apis.push(api);
            }
            _ => {}
        }
    }

    fn add_alias(&mut self, r: &Res) {
        if matches!(r.ty.as_str(), "AWS::Lambda::Alias" | "AWS::Lambda::Version") {
            if let Some(f) = r
                .props
                .get("FunctionName")
                .and_then(|n| self.function_of(n))
            {
                self.fn_ids.insert(r.id.clone(), f);
            }
        }
    }

    fn add_secondary(&mut self, r: &Res) {
        let p = &r.props;
        match r.ty.as_str() {
            "AWS::Lambda::Url" => {
                let Some(f) = p.get("TargetFunctionArn").and_then(|n| self.function_of(n)) else {
                    return;
                };
                let url = FunctionUrl {
                    auth_type: setting_str(p, "AuthType").unwrap_or_else(|| {
                        Setting::new(Val::unknown("AuthType missing"), r.location.clone())
                    }),
                    cors: p.get("Cors").map(cors_v2),
                    location: r.location.clone(),
                };
                if let Some(func) = self.function_mut(&f) {
                    func.url = Some(Box::new(url));
                }
            }
            "AWS::Lambda::Permission" => {
                let function = p
                    .get("FunctionName")
                    .map(|n| match self.function_of(n) {
                        Some(f) => Val::Known(f),
                        None => n.to_val_string(),
                    })
                    .unwrap_or_else(|| Val::unknown("FunctionName missing"));
                let perm = InvokePermission {
                    id: r.id.clone(),
                    function,
                    action: p
                        .get("Action")
                        .map(Node::to_val_string)
                        .unwrap_or_else(|| Val::unknown("Action missing")),
                    principal: setting_str(p, "Principal").unwrap_or_else(|| {
                        Setting::new(Val::unknown("Principal missing"), r.location.clone())
                    }),
                    source_arn: p.get("SourceArn").map(Node::to_val_string),
                    source_account: p.get("SourceAccount").map(Node::to_val_string),
                    principal_org_id: p.get("PrincipalOrgID").map(Node::to_val_string),
                    function_url_auth_type: p.get("FunctionUrlAuthType").map(Node::to_val_string),
                    location: r.location.clone(),
                };
                self.project.permissions.push(perm);
            }
            "AWS::Lambda::EventSourceMapping" => {
                let Some(f) = p.get("FunctionName").and_then(|n| self.function_of(n)) else {
                    return;
                };
                let Some(source) = p.get("EventSourceArn") else {
                    return;
                };
                let trigger = self.event_source_trigger(source, p, &r.location);
                self.push_trigger(&f, trigger);
            }
            "AWS::Lambda::EventInvokeConfig" => {
                let Some(f) = p.get("FunctionName").and_then(|n| self.function_of(n)) else {
                    return;
                };
                let on_failure = p.path(&["DestinationConfig", "OnFailure", "Destination"]);
                let retries = setting_i64(p, "MaximumRetryAttempts");
                let age = setting_i64(p, "MaximumEventAgeInSeconds");
                let uses = on_failure.map(Node::refs).unwrap_or_default();
                if let Some(func) = self.function_mut(&f) {
                    if let Some(d) = on_failure {
                        func.on_failure_destination =
                            Some(Box::new(Setting::new(d.to_val_string(), d.location())));
                    }
                    func.async_max_retries =
                        retries.map(Box::new).or(func.async_max_retries.take());
                    func.async_max_event_age_s =
                        age.map(Box::new).or(func.async_max_event_age_s.take());
                    func.uses.extend(uses);
                }
            }
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                let doc = p.get("PolicyDocument").map(|d| {
                    let mut doc = policy_document(d);
                    if r.ty == "AWS::IAM::ManagedPolicy" {
                        doc.managed = true;
                    } else {
                        doc.name = p.get("PolicyName").and_then(Node::scalar_text);
                    }
                    doc
                });
                let roles: Vec<String> = p
                    .get("Roles")
                    .map(|rs| rs.one_or_many().into_iter().flat_map(Node::refs).collect())
                    .unwrap_or_default();
                if let Some(doc) = doc {
                    for role in roles {
                        if let Some(ro) = self.project.roles.iter_mut().find(|x| x.id == role) {
                            ro.inline_policies.push(doc.clone());
                        }
                    }
                    // A role can also list the policy itself: `ManagedPolicyArns: [!Ref P]`.
                    if r.ty == "AWS::IAM::ManagedPolicy" {
                        let this = format!("{}{}", crate::node::REFERENCE_PREFIX, r.id);
                        for ro in &mut self.project.roles {
                            let before = ro.managed_policies.len();
                            ro.managed_policies
                                .retain(|m| m.value.unresolved().is_none_or(|u| u.reason != this));
                            if ro.managed_policies.len() != before {
                                ro.inline_policies.push(doc.clone());
                            }
                        }
                    }
                }
            }
            "AWS::ApiGateway::Resource" => {
                // `!Ref Parent` (CloudFormation) or `aws_api_gateway_resource.parent.id`.
                let parent = p.get("ParentId").and_then(|n| match &n.kind {
                    Kind::Ref { id, attr } if attr.as_deref().is_none_or(|a| a == "id") => {
                        Some(id.clone())
                    }
                    _ => None,
                });
                let part = p
                    .get("PathPart")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                self.rest_paths.insert(r.id.clone(), (parent, part));
            }
            "AWS::ApiGatewayV2::Integration" => {
                if let Some(f) = p.get("IntegrationUri").and_then(|n| self.function_of(n)) {
                    self.v2_integrations.insert(r.id.clone(), f);
                }
            }
            "AWS::ApiGatewayV2::RouteResponse" => {
                if let Some(route) = p.get("RouteId").and_then(Node::single_ref) {
                    self.route_responses.insert(route);
                }
            }
            "AWS::ElasticLoadBalancingV2::TargetGroup"
                if p.get("TargetType").and_then(Node::str) == Some("lambda") =>
            {
                let fns = p
                    .get("Targets")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|t| t.get("Id").and_then(|n| self.function_of(n)))
                    .collect();
                self.target_groups.insert(r.id.clone(), fns);
            }
            "AWS::S3::BucketPolicy" => {
                let by_name = || {
                    let evaluated = p.get("Bucket")?;
                    let raw = r.node.path(&["Properties", "Bucket"]);
                    self.bucket_names
                        .iter()
                        .find(|(_, raw_name, name)| {
                            matches!((name.str(), evaluated.str()), (Some(a), Some(b)) if a == b)
                                || raw.is_some_and(|x| same_expression(x, raw_name))
                        })
                        .map(|(id, _, _)| id.clone())
                };
                if let (Some(b), Some(doc)) = (
                    p.get("Bucket").and_then(Node::single_ref).or_else(by_name),
                    p.get("PolicyDocument"),
                ) {
                    let doc = policy_document(doc);
                    if let Some(res) = self.resource_mut(&b) {
                        res.policies.push(doc);
                    }
                }
            }
            "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
                let key = if r.ty == "AWS::SQS::QueuePolicy" {
                    "Queues"
                } else {
                    "Topics"
                };
                let targets: Vec<String> = p
                    .get(key)
                    .map(|q| q.one_or_many().into_iter().flat_map(Node::refs).collect())
                    .unwrap_or_default();
                if let Some(doc) = p.get("PolicyDocument").map(policy_document) {
                    for t in targets {
                        if let Some(res) = self.resource_mut(&t) {
                            res.policies.push(doc.clone());
                        }
                    }
                }
            }
            "AWS::Lambda::LayerVersionPermission" => {
                // Who may use the layer, as a resource-policy statement on it.
                let Some(layer) = p.get("LayerVersionArn").and_then(Node::single_ref) else {
                    return;
                };
                let mut st = crate::policy::statement(p);
                st.effect = Val::Known(fnguard_model::Effect::Allow);
                if let Some(pr) = p.get("Principal") {
                    st.principals = Some(principals(pr));
                }
                if let Some(org) = p.get("OrganizationId") {
                    st.conditions.push(fnguard_model::Condition {
                        operator: "StringEquals".into(),
                        key: "aws:PrincipalOrgID".into(),
                        values: vec![org.to_val_string()],
                    });
                }
                let doc = fnguard_model::PolicyDocument {
                    statements: vec![st],
                    location: r.location.clone(),
                    ..Default::default()
                };
                if let Some(res) = self.resource_mut(&layer) {
                    res.policies.push(doc);
                }
            }
            "AWS::Events::EventBusPolicy" => {
                let bus = p.get("EventBusName").and_then(Node::single_ref);
                let doc = match p.get("Statement") {
                    Some(s) => fnguard_model::PolicyDocument {
                        statements: crate::policy::statements(s),
                        location: s.location(),
                        ..Default::default()
                    },
                    None => {
                        // The legacy form: Principal + Action + Condition.
                        let mut st = crate::policy::statement(p);
                        st.effect = Val::Known(fnguard_model::Effect::Allow);
                        // Its `Condition` is `{Type, Key, Value}`, not an IAM condition block.
                        if let Some(c) = p.get("Condition") {
                            if let (Some(op), Some(key)) = (
                                c.get("Type").and_then(Node::scalar_text),
                                c.get("Key").and_then(Node::scalar_text),
                            ) {
                                st.conditions = vec![fnguard_model::Condition {
                                    operator: op,
                                    key,
                                    values: c
                                        .get("Value")
                                        .map(|v| vec![v.to_val_string()])
                                        .unwrap_or_default(),
                                }];
                            }
                        }
                        if let Some(pr) = p.get("Principal") {
                            st.principals = Some(principals(pr));
                        }
                        fnguard_model::PolicyDocument {
                            statements: vec![st],
                            location: r.location.clone(),
                            ..Default::default()
                        }
                    }
                };
                let target = bus.filter(|b| self.has_resource(b));
                match target {
                    Some(b) => {
                        if let Some(res) = self.resource_mut(&b) {
                            res.policies.push(doc);
                        }
                    }
                    None => {
                        let mut def = Resource::new(
                            "default",
                            ResourceKind::EventBus,
                            "AWS::Events::EventBus",
                            r.location.clone(),
                        );
                        def.policies.push(doc);
                        self.project.resources.push(def);
                    }
                }
            }
            _ => {}
        }
    }

    fn add_tertiary(&mut self, r: &Res) {
        let p = &r.props;
        match r.ty.as_str() {
            "AWS::ApiGateway::Method" => self.rest_method(r),
            "AWS::ApiGatewayV2::Route" => {
                let Some(api) = p.get("ApiId").and_then(Node::single_ref) else {
                    return;
                };
                let Some(target) = p.get("Target") else {
                    return;
                };
                let f = target
                    .refs()
                    .into_iter()
                    .find_map(|i| self.v2_integrations.get(&i).cloned());
                let Some(f) = f else { return };
                let route_key = p
                    .get("RouteKey")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| "$default".into());
                // A route response (or its selection expression) makes the route two-way.
                if p.get("RouteResponseSelectionExpression").is_some()
                    || self.route_responses.contains(&r.id)
                {
                    if let Some(a) = self.api_mut(&api) {
                        a.two_way_routes.push(route_key.clone());
                    }
                }
                let (method, path) = split_route_key(&route_key);
                let auth = match p.get("AuthorizationType").map(Node::to_val_string) {
                    None => Auth::None,
                    Some(v) => auth_from_type(&v),
                };
                self.push_trigger(
                    &f,
                    Trigger {
                        kind: TriggerKind::Api {
                            api,
                            method,
                            path,
                            auth,
                            validated: None,
                            api_key_required: p
                                .get("ApiKeyRequired")
                                .and_then(Node::as_bool)
                                .unwrap_or(false),
                        },
                        location: r.location.clone(),
                    },
                );
            }
            "AWS::ApiGatewayV2::Api" => {
                // Quick create: `Target` makes a `$default` route with no authorization.
                if let Some(f) = p.get("Target").and_then(|n| self.function_of(n)) {
                    self.push_trigger(
                        &f,
                        Trigger {
                            kind: TriggerKind::Api {
                                api: r.id.clone(),
                                method: "ANY".into(),
                                path: "$default".into(),
                                auth: Auth::None,
                                validated: None,
                                api_key_required: false,
                            },
                            location: p.key_location("Target").unwrap_or(r.location.clone()),
                        },
                    );
                }
            }
            "AWS::ApiGateway::Stage" | "AWS::ApiGatewayV2::Stage" => {
                let key = if r.ty == "AWS::ApiGateway::Stage" {
                    "RestApiId"
                } else {
                    "ApiId"
                };
                let Some(api) = p.get(key).and_then(Node::single_ref) else {
                    return;
                };
                let stage = stage_from(p, &r.location);
                self.stage_owner.insert(r.id.clone(), api.clone());
                self.stage_names.insert(r.id.clone(), stage.name.clone());
                if let Some(a) = self.api_mut(&api) {
                    a.stages.push(stage);
                }
            }
            "AWS::ApiGateway::Deployment" => {
                let Some(api) = p.get("RestApiId").and_then(Node::single_ref) else {
                    return;
                };
                if let Some(name) = p.get("StageName") {
                    let mut stage = p
                        .get("StageDescription")
                        .map(|d| stage_from(d, &r.location))
                        .unwrap_or_else(|| empty_stage(&r.location));
                    stage.name = name.to_val_string();
                    if let Some(a) = self.api_mut(&api) {
                        a.stages.push(stage);
                    }
                }
            }
            "AWS::ApiGateway::UsagePlan" => {
                let throttle = p.get("Throttle").map(throttle_from);
                for s in p.get("ApiStages").map(Node::items).unwrap_or_default() {
                    if let Some(api) = s.get("ApiId").and_then(Node::single_ref) {
                        if let Some(a) = self.api_mut(&api) {
                            a.usage_plan_throttle = throttle.clone().or(Some(Throttle {
                                rate: None,
                                burst: None,
                            }));
                        }
                    }
                }
            }
            "AWS::ElasticLoadBalancingV2::Listener"
            | "AWS::ElasticLoadBalancingV2::ListenerRule" => {
                let lb = p
                    .get("LoadBalancerArn")
                    .and_then(Node::single_ref)
                    .or_else(|| {
                        p.get("ListenerArn")
                            .and_then(Node::single_ref)
                            .and_then(|l| self.lb_of_listener(l, r))
                    });
                let actions = p.get("DefaultActions").or_else(|| p.get("Actions"));
                let actions = actions.map(Node::items).unwrap_or_default();
                let auth = if actions.iter().any(|a| {
                    matches!(
                        a.get("Type").and_then(Node::str),
                        Some("authenticate-oidc") | Some("authenticate-cognito")
                    )
                }) {
                    Auth::Jwt
                } else {
                    Auth::None
                };
                let tgs: Vec<String> = actions
                    .iter()
                    .flat_map(|a| {
                        let mut v = a.get("TargetGroupArn").map(Node::refs).unwrap_or_default();
                        if let Some(fc) = a.path(&["ForwardConfig", "TargetGroups"]) {
                            v.extend(fc.items().iter().flat_map(|t| {
                                t.get("TargetGroupArn").map(Node::refs).unwrap_or_default()
                            }));
                        }
                        v
                    })
                    .collect();
                let Some(lb) = lb else { return };
                for tg in tgs {
                    self.lb_of_tg.insert(tg.clone(), (lb.clone(), auth.clone()));
                    for f in self.target_groups.get(&tg).cloned().unwrap_or_default() {
                        self.push_trigger(
                            &f,
                            Trigger {
                                kind: TriggerKind::Alb {
                                    api: lb.clone(),
                                    auth: auth.clone(),
                                },
                                location: r.location.clone(),
                            },
                        );
                    }
                }
            }
            "AWS::S3::Bucket" => {
                let Some(cfgs) = p.path(&["NotificationConfiguration", "LambdaConfigurations"])
                else {
                    return;
                };
                for c in cfgs.items() {
                    let Some(f) = c.get("Function").and_then(|n| self.function_of(n)) else {
                        continue;
                    };
                    let (prefix, suffix) = s3_filter(c.get("Filter"));
                    let events = c
                        .get("Event")
                        .and_then(Node::scalar_text)
                        .into_iter()
                        .collect();
                    self.push_trigger(
                        &f,
                        Trigger {
                            kind: TriggerKind::S3 {
                                bucket: Val::Known(r.id.clone()),
                                events,
                                prefix,
                                suffix,
                            },
                            location: c.location(),
                        },
                    );
                }
            }
            // CDK writes the notifications of buckets it manages (and of imported ones) as this
            // custom resource in the S3 API's shape instead of the bucket's own property.
            "Custom::S3BucketNotifications" => {
                let bucket = p
                    .get("BucketName")
                    .map(|b| {
                        b.single_ref()
                            .map(Val::Known)
                            .unwrap_or_else(|| b.to_val_string())
                    })
                    .unwrap_or_else(|| Val::unknown("BucketName missing"));
                let cfgs = p
                    .path(&["NotificationConfiguration", "LambdaFunctionConfigurations"])
                    .map(Node::items)
                    .unwrap_or_default();
                for c in cfgs {
                    let Some(f) = c.get("LambdaFunctionArn").and_then(|n| self.function_of(n))
                    else {
                        continue;
                    };
                    let (prefix, suffix) = s3_filter(c.get("Filter"));
                    let events = c
                        .get("Events")
                        .map(Node::one_or_many)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|e| e.scalar_text())
                        .collect();
                    self.push_trigger(
                        &f,
                        Trigger {
                            kind: TriggerKind::S3 {
                                bucket: bucket.clone(),
                                events,
                                prefix,
                                suffix,
                            },
                            location: c.location(),
                        },
                    );
                }
            }
            "AWS::SNS::Topic" => {
                for s in p.get("Subscription").map(Node::items).unwrap_or_default() {
                    if s.get("Protocol").and_then(Node::str) != Some("lambda") {
                        continue;
                    }
                    if let Some(f) = s.get("Endpoint").and_then(|n| self.function_of(n)) {
                        self.push_trigger(
                            &f,
                            Trigger {
                                kind: TriggerKind::Sns {
                                    topic: Val::Known(r.id.clone()),
                                },
                                location: s.location(),
                            },
                        );
                    }
                }
            }
            "AWS::SNS::Subscription" => {
                if p.get("Protocol").and_then(Node::str) != Some("lambda") {
                    return;
                }
                let Some(f) = p.get("Endpoint").and_then(|n| self.function_of(n)) else {
                    return;
                };
                let topic = p
                    .get("TopicArn")
                    .map(|t| {
                        t.single_ref()
                            .map(Val::Known)
                            .unwrap_or_else(|| t.to_val_string())
                    })
                    .unwrap_or_else(|| Val::unknown("TopicArn missing"));
                self.push_trigger(
                    &f,
                    Trigger {
                        kind: TriggerKind::Sns { topic },
                        location: r.location.clone(),
                    },
                );
            }
            "AWS::Events::Rule" => {
                let schedule = p.get("ScheduleExpression");
                let bus = p.get("EventBusName").map(|b| {
                    b.single_ref()
                        .map(Val::Known)
                        .unwrap_or_else(|| b.to_val_string())
                });
                for t in p.get("Targets").map(Node::items).unwrap_or_default() {
                    let Some(f) = t.get("Arn").and_then(|n| self.function_of(n)) else {
                        continue;
                    };
                    let kind = match schedule {
                        Some(s) => TriggerKind::Schedule {
                            expression: s.to_val_string(),
                        },
                        None => TriggerKind::EventBridge {
                            bus: bus.clone(),
                            sources: crate::event_pattern::pattern_sources(p.get("EventPattern")),
                        },
                    };
                    let dlq = t.path(&["DeadLetterConfig", "Arn"]).is_some();
                    self.push_trigger(
                        &f,
                        Trigger {
                            kind,
                            location: r.location.clone(),
                        },
                    );
                    if dlq {
                        if let Some(func) = self.function_mut(&f) {
                            func.dead_letter.get_or_insert_with(|| {
                                Box::new(Setting::new(
                                    Val::Known("rule target dead-letter queue".into()),
                                    t.location(),
                                ))
                            });
                        }
                    }
                }
            }
            "AWS::Cognito::UserPool" => {
                let Some(cfg) = p.get("LambdaConfig") else {
                    return;
                };
                for (_, v) in cfg.entries() {
                    if let Some(f) = self.function_of(v) {
                        self.push_trigger(
                            &f,
                            Trigger {
                                kind: TriggerKind::Cognito {
                                    pool: Val::Known(r.id.clone()),
                                },
                                location: v.location(),
                            },
                        );
                    }
                }
            }
            "AWS::Logs::LogGroup" => {
                let Some(name) = p.get("LogGroupName") else {
                    return;
                };
                let target = name
                    .refs()
                    .into_iter()
                    .find_map(|i| self.fn_ids.get(&i).cloned());
                let target = target.or_else(|| {
                    let text = name.scalar_text()?;
                    let fname = text.strip_prefix("/aws/lambda/")?;
                    self.project
                        .functions
                        .iter()
                        .find(|f| f.name.as_ref().and_then(Val::as_str) == Some(fname))
                        .map(|f| f.id.clone())
                });
                if let Some(f) = target {
                    let retention = setting_i64(p, "RetentionInDays").unwrap_or_else(|| {
                        Setting::new(Val::unknown("never expires"), r.location.clone())
                    });
                    let retention = p.get("RetentionInDays").map(|_| retention);
                    if let Some(func) = self.function_mut(&f) {
                        if retention.is_some() {
                            func.log_retention_days = retention.map(Box::new);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn lb_of_listener(&self, listener: String, _r: &Res) -> Option<String> {
        // Listener rules point at a listener; listeners point at the load balancer. The
        // listener's own node was evaluated in the same pass, so look at the model's apis.
        let _ = listener;
        self.project
            .apis
            .iter()
            .find(|a| a.kind == ApiKind::Alb)
            .map(|a| a.id.clone())
    }

    fn rest_method(&mut self, r: &Res) {
        let p = &r.props;
        let Some(api) = p.get("RestApiId").and_then(Node::single_ref) else {
            return;
        };
        let Some(integration) = p.get("Integration") else {
            return;
        };
        let ty = integration.get("Type").and_then(Node::str).unwrap_or("");
        if !matches!(ty, "AWS_PROXY" | "AWS") {
            return;
        }
        let Some(f) = integration.get("Uri").and_then(|n| self.function_of(n)) else {
            return;
        };
        let path = match p.get("ResourceId") {
            Some(n) => match &n.kind {
                Kind::Ref { id, attr } if attr.as_deref().is_none_or(|a| a == "id") => {
                    self.rest_path(id, 0)
                }
                _ => "/".to_string(),
            },
            None => "/".to_string(),
        };
        let auth = match p.get("AuthorizationType").map(Node::to_val_string) {
            None => Auth::None,
            Some(v) => auth_from_type(&v),
        };
        let validated =
            Some(p.get("RequestValidatorId").is_some() || p.get("RequestModels").is_some());
        let method = p
            .get("HttpMethod")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "ANY".into())
            .to_uppercase();
        self.push_trigger(
            &f,
            Trigger {
                kind: TriggerKind::Api {
                    api,
                    method,
                    path,
                    auth,
                    validated,
                    api_key_required: p
                        .get("ApiKeyRequired")
                        .and_then(Node::as_bool)
                        .unwrap_or(false),
                },
                location: p
                    .key_location("AuthorizationType")
                    .unwrap_or_else(|| r.location.clone()),
            },
        );
    }

    fn rest_path(&self, id: &str, depth: usize) -> String {
        if depth > 64 {
            return "/…".into();
        }
        match self.rest_paths.get(id) {
            Some((Some(parent), part)) if self.rest_paths.contains_key(parent) => {
                format!(
                    "{}/{}",
                    self.rest_path(parent, depth + 1).trim_end_matches('/'),
                    part
                )
            }
            Some((_, part)) => format!("/{part}"),
            None => "/".into(),
        }
    }

    pub fn event_source_trigger(&self, source: &Node, p: &Node, location: &Location) -> Trigger {
        let id = source.single_ref();
        let kind_of_res = id
            .as_ref()
            .and_then(|i| self.position(|x| &x.resources, i))
            .and_then(|i| self.project.resources.get(i))
            .map(|r| r.kind);
        let text = source.scalar_text().or_else(|| match &source.kind {
            Kind::Unknown(u) => Some(u.reason.clone()),
            _ => None,
        });
        let service = match (kind_of_res, text.as_deref()) {
            (Some(ResourceKind::Queue), _) => "sqs",
            (Some(ResourceKind::Table), _) => "dynamodb",
            (Some(ResourceKind::Stream), _) => "kinesis",
            (_, Some(t)) if t.contains(":sqs:") => "sqs",
            (_, Some(t)) if t.contains(":dynamodb:") => "dynamodb",
            (_, Some(t)) if t.contains(":kinesis:") => "kinesis",
            (_, Some(t)) if t.contains(":kafka:") => "kafka",
            (_, Some(t)) if t.contains(":mq:") => "mq",
            _ => "unknown",
        };
        let source_val = id.map(Val::Known).unwrap_or_else(|| source.to_val_string());
        let partial = p
            .get("FunctionResponseTypes")
            .map(|t| {
                t.items()
                    .iter()
                    .any(|i| i.str() == Some("ReportBatchItemFailures"))
            })
            .unwrap_or(false);
        let kind = match service {
            "sqs" => TriggerKind::Sqs {
                queue: source_val,
                partial_batch_response: partial,
            },
            "dynamodb" | "kinesis" => TriggerKind::Stream {
                source: source_val,
                service: service.to_string(),
                partial_batch_response: partial,
                on_failure: p.path(&["DestinationConfig", "OnFailure"]).is_some(),
            },
            other => TriggerKind::Other {
                source: other.to_string(),
                schema_registry: [
                    "AmazonManagedKafkaEventSourceConfig",
                    "SelfManagedKafkaEventSourceConfig",
                ]
                .iter()
                .any(|c| p.path(&[c, "SchemaRegistryConfig"]).is_some()),
            },
        };
        Trigger {
            kind,
            location: location.clone(),
        }
    }

    /// The model function a value refers to (by reference, through aliases, or by name).
    pub fn function_of(&self, n: &Node) -> Option<String> {
        for r in n.refs() {
            if let Some(f) = self.fn_ids.get(&r) {
                return Some(f.clone());
            }
        }
        let text = n.scalar_text()?;
        let name = text.rsplit(':').next().unwrap_or(&text);
        let mut index = self.index.borrow_mut();
        index.sync(&self.project);
        let pos = index
            .function_names
            .get(name)
            .or_else(|| index.functions.get(name))?;
        self.project.functions.get(*pos).map(|f| f.id.clone())
    }

    fn position(&self, which: fn(&Index) -> &HashMap<String, usize>, id: &str) -> Option<usize> {
        let mut index = self.index.borrow_mut();
        index.sync(&self.project);
        which(&index).get(id).copied()
    }

    pub fn function(&self, id: &str) -> Option<&Function> {
        let i = self.position(|x| &x.functions, id)?;
        self.project.functions.get(i)
    }

    pub fn function_mut(&mut self, id: &str) -> Option<&mut Function> {
        let i = self.position(|x| &x.functions, id)?;
        self.project.functions.get_mut(i)
    }

    pub fn has_resource(&self, id: &str) -> bool {
        self.position(|x| &x.resources, id).is_some()
    }

    pub fn resource_mut(&mut self, id: &str) -> Option<&mut Resource> {
        let i = self.position(|x| &x.resources, id)?;
        self.project.resources.get_mut(i)
    }

    pub fn api_mut(&mut self, id: &str) -> Option<&mut Api> {
        let i = self.position(|x| &x.apis, id)?;
        self.project.apis.get_mut(i)
    }

    pub fn push_trigger(&mut self, f: &str, t: Trigger) {
        if let Some(func) = self.function_mut(f) {
            func.triggers.push(t);
        }
    }

    pub fn resource(&self, r: &Res, kind: ResourceKind, name_key: &str) -> Resource {
        let mut res = Resource::new(r.id.clone(), kind, r.ty.clone(), r.location.clone());
        res.name = r.props.get(name_key).map(Node::to_val_string);
        res.tags = tags(r.props.get("Tags"));
        res
    }

    pub fn api(&self, r: &Res, kind: ApiKind) -> Api {
        Api {
            id: r.id.clone(),
            kind,
            location: r.location.clone(),
            private: false,
            cors: None,
            stages: Vec::new(),
            implicit: false,
            usage_plan_throttle: None,
            two_way_routes: Vec::new(),
        }
    }

    pub fn role_ref(&self, n: &Node) -> RoleRef {
        for r in n.refs() {
            if self.position(|x| &x.roles, &r).is_some() {
                return RoleRef::Declared {
                    id: r,
                    location: n.location(),
                };
            }
        }
        RoleRef::External {
            arn: n.to_val_string(),
            location: n.location(),
        }
    }

    /// AWS::Lambda::Function (also used for the SAM transform's output shape).
    pub fn lambda_function(&self, r: &Res) -> Function {
        let p = &r.props;
        let mut f = Function::new(r.id.clone(), r.location.clone());
        f.name = p.get("FunctionName").map(Node::to_val_string);
        f.construct_path = r
            .node
            .path(&["Metadata", "aws:cdk:path"])
            .and_then(Node::scalar_text);
        f.runtime = setting_str(p, "Runtime");
        f.is_image = p.get("PackageType").and_then(Node::str) == Some("Image");
        // Where the code package's source is: a CDK asset directory next to the template, or
        // (from Terraform) the `source_dir` of the `archive_file` that builds `filename`.
        let asset = r
            .node
            .path(&["Metadata", "aws:asset:path"])
            .and_then(Node::str)
            .map(|a| self.dir.join(a));
        let tf_source = p
            .get("FnguardCodeDir")
            .and_then(Node::str)
            .map(std::path::PathBuf::from);
        f.code_path = asset
            .or(tf_source)
            .filter(|d| d.is_dir())
            .map(|d| crate::relative_dir(&self.root, &d));
        f.code_origin = p.get("FnguardCodeOrigin").and_then(Node::scalar_text);
        f.code_missing = p.get("FnguardCodeMissing").and_then(Node::scalar_text);
        f.handler = setting_str(p, "Handler");
        if f.code_path.is_none() && f.code_missing.is_none() && !f.is_image {
            match p.get("Code") {
                // `aws cloudformation package` uploads a local path written as `Code: ./src`.
                Some(c) if c.str().is_some() => {
                    let handler = f.handler.as_ref().and_then(|h| h.value.as_str());
                    let runtime = f.runtime.as_ref().and_then(|r| r.value.as_str());
                    let loc = crate::codeloc::locate(
                        &self.dir,
                        &self.root,
                        c.str().unwrap_or_default(),
                        handler,
                        runtime,
                        &[],
                    );
                    f.code_path = loc.dir.map(|d| crate::relative_dir(&self.root, &d));
                    f.code_origin = loc.origin;
                    f.code_missing = loc.missing;
                }
                Some(c) if c.get("ZipFile").is_some() => {
                    f.code_missing = Some(
                        "its code is inline (`Code.ZipFile`), which fnguard does not analyse"
                            .to_string(),
                    );
                }
                Some(c) if c.get("S3Bucket").is_some() => {
                    f.code_missing = Some(format!(
                        "its code is in S3 (`Code.S3Bucket` {})",
                        c.get("S3Bucket")
                            .and_then(Node::scalar_text)
                            .unwrap_or_else(|| "given by a parameter".to_string())
                    ));
                }
                _ => {}
            }
        }
        f.memory_mb = setting_i64(p, "MemorySize");
        f.timeout_s = setting_i64(p, "Timeout");
        f.reserved_concurrency = setting_i64(p, "ReservedConcurrentExecutions");
        f.environment = env_vars(p.path(&["Environment", "Variables"]));
        f.kms_key = setting_str(p, "KmsKeyArn").map(Box::new);
        f.layers = p
            .get("Layers")
            .map(|l| {
                l.items()
                    .iter()
                    .map(|n| Setting::new(n.to_val_string(), n.location()))
                    .collect()
            })
            .unwrap_or_default();

        f.in_vpc = p
            .get("VpcConfig")
            .is_some_and(|v| v.get("SubnetIds").is_some());
        f.tracing = p
            .path(&["TracingConfig", "Mode"])
            .map(|n| Setting::new(n.to_val_string(), n.location()));
        f.dead_letter = p
            .path(&["DeadLetterConfig", "TargetArn"])
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.architecture = p
            .get("Architectures")
            .and_then(|a| a.items().first().cloned())
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.role = p
            .get("Role")
            .map(|n| self.role_ref(n))
            .unwrap_or(RoleRef::None);
        f.code_signing = setting_str(p, "CodeSigningConfigArn").map(Box::new);
        f.uses = p
            .get("Environment")
            .map(Node::refs)
            .unwrap_or_default()
            .into_iter()
            .chain(
                p.get("DeadLetterConfig")
                    .map(Node::refs)
                    .unwrap_or_default(),
            )
            // Layers declared in the same template ship code into this function.
            .chain(p.get("Layers").map(Node::refs).unwrap_or_default())
            .collect();
        f
    }

    /// Cross-links that need the whole project: which resources functions use.
    fn link_functions(&mut self) {
        let resource_ids: std::collections::HashSet<String> = self
            .project
            .resources
            .iter()
            .map(|r| r.id.clone())
            .collect();
        for f in &mut self.project.functions {
            f.uses.retain(|u| resource_ids.contains(u));
            f.uses.sort();
            f.uses.dedup();
        }
        let by_name: HashMap<String, String> = self
            .project
            .functions
            .iter()
            .filter_map(|f| Some((f.name.as_ref()?.as_str()?.to_string(), f.id.clone())))
            .collect();
        for m in &mut self.project.resources {
            if m.kind != ResourceKind::StateMachine {
                continue;
            }
            let mut ids: Vec<String> = m
                .invokes
                .iter()
                .filter_map(|r| match r.strip_prefix(ARN_NAME_MARK) {
                    Some(name) => by_name.get(name).cloned(),
                    None => self.fn_ids.get(r).cloned(),
                })
                .collect();
            ids.sort();
            ids.dedup();
            m.invokes = ids;
        }
    }
}

/// Marks a function named by a written-out ARN (rather than a logical id) until linking.
const ARN_NAME_MARK: &str = "arn-name:";

/// Function names in `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` strings, which
/// is how hand-written state machine definitions name their tasks.
fn lambda_arn_names(n: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![(n, 0usize)];
    while let Some((n, depth)) = todo.pop() {
        if depth > 64 {
            continue;
        }
        match &n.kind {
            Kind::Str(s) => {
                for part in s.split(":function:").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if !name.is_empty() && !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
            Kind::Seq(items) => todo.extend(items.iter().map(|i| (i, depth + 1))),
            Kind::Map(entries) => todo.extend(entries.iter().map(|(_, v)| (v, depth + 1))),
            _ => {}
        }
    }
    out
}

/// Resources the model records with no settings of their own beyond name and tags.
const PLAIN_RESOURCES: &[(&str, ResourceKind, &str)] = &[
    (
        "AWS::Lambda::LayerVersion",
        ResourceKind::Layer,
        "LayerName",
    ),
    (
        "AWS::Serverless::LayerVersion",
        ResourceKind::Layer,
        "LayerName",
    ),
    ("AWS::DynamoDB::Table", ResourceKind::Table, "TableName"),
    (
        "AWS::DynamoDB::GlobalTable",
        ResourceKind::Table,
        "TableName",
    ),
    ("AWS::SecretsManager::Secret", ResourceKind::Secret, "Name"),
    ("AWS::KMS::Key", ResourceKind::Key, "Description"),
    ("AWS::Events::EventBus", ResourceKind::EventBus, "Name"),
    (
        "AWS::Logs::LogGroup",
        ResourceKind::LogGroup,
        "LogGroupName",
    ),
];

/// Encryption that is on exactly when `key` is set (SNS `KmsMasterKeyId`, Kinesis
/// `StreamEncryption`); when off, the finding points at the resource.
fn encrypted_if_present(p: &Node, key: &str, r: &Res) -> Setting<bool> {
    match p.get(key) {
        Some(k) => Setting::new(Val::Known(true), k.location()),
        None => Setting::new(Val::Known(false), r.location.clone()),
    }
}

pub(crate) fn iam_role(r: &Res) -> Role {
    let p = &r.props;
    let mut role = Role::new(r.id.clone(), r.location.clone());
    role.name = p.get("RoleName").map(Node::to_val_string);
    role.trust_policy = p.get("AssumeRolePolicyDocument").map(policy_document);
    role.inline_policies = p
        .get("Policies")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|pol| {
            let mut doc = policy_document(pol.get("PolicyDocument")?);
            doc.name = pol.get("PolicyName").and_then(Node::scalar_text);
            Some(doc)
        })
        .collect();
    role.managed_policies = p
        .get("ManagedPolicyArns")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(|n| Setting::new(n.to_val_string(), n.location()))
        .collect();
    role.permissions_boundary = setting_str(p, "PermissionsBoundary");
    role
}

pub(crate) fn env_vars(vars: Option<&Node>) -> Vec<EnvVar> {
    vars.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| EnvVar {
            name: k.name.clone(),
            value: v.to_val_string(),
            refs: v.refs(),
            location: Location::new(&v.file, k.line, k.column),
        })
        .collect()
}

pub(crate) fn tags(n: Option<&Node>) -> Vec<(String, String)> {
    let Some(n) = n else { return Vec::new() };
    match &n.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(|t| {
                Some((
                    t.get("Key")?.scalar_text()?,
                    t.get("Value")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                ))
            })
            .collect(),
        Kind::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.name.clone(), v.scalar_text().unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn auth_from_type(v: &Val<String>) -> Auth {
    match v {
        Val::Unknown(u) => Auth::Unknown(u.reason.clone()),
        Val::Known(s) => match s.to_ascii_uppercase().as_str() {
            "NONE" | "" => Auth::None,
            "AWS_IAM" => Auth::Iam,
            "COGNITO_USER_POOLS" => Auth::Cognito,
            "CUSTOM" => Auth::Lambda,
            "JWT" => Auth::Jwt,
            other => Auth::Unknown(format!("authorization type {other}")),
        },
    }
}

pub(crate) fn split_route_key(key: &str) -> (String, String) {
    match key.split_once(' ') {
        Some((m, p)) => (m.to_uppercase(), p.to_string()),
        None => ("ANY".into(), key.to_string()),
    }
}

pub(crate) fn cors_v2(c: &Node) -> Cors {
    let origins = c
        .get("AllowOrigins")
        .or_else(|| c.get("AllowOrigin"))
        .map(|o| {
            o.one_or_many()
                .into_iter()
                .map(Node::to_val_string)
                .collect()
        })
        .unwrap_or_default();
    Cors {
        allow_origins: origins,
        allow_credentials: c.get("AllowCredentials").map(Node::to_val_bool),
        location: c.location(),
    }
}

pub(crate) fn throttle_from(n: &Node) -> Throttle {
    Throttle {
        rate: n
            .get("RateLimit")
            .or_else(|| n.get("ThrottlingRateLimit"))
            .map(|r| {
                r.as_f64()
                    .map(Val::Known)
                    .unwrap_or_else(|| Val::unknown("rate limit"))
            }),
        burst: n
            .get("BurstLimit")
            .or_else(|| n.get("ThrottlingBurstLimit"))
            .map(Node::to_val_i64),
    }
}

pub(crate) fn empty_stage(location: &Location) -> Stage {
    Stage {
        name: Val::unknown("unnamed stage"),
        location: location.clone(),
        access_logging: Val::Known(false),
        throttle: None,
        waf: false,
        variables: Vec::new(),
        data_trace: None,
    }
}

/// REST (`AccessLogSetting`, `MethodSettings`) and HTTP (`AccessLogSettings`,
/// `DefaultRouteSettings`) stage shapes.
pub(crate) fn stage_from(p: &Node, location: &Location) -> Stage {
    let log = p
        .get("AccessLogSetting")
        .or_else(|| p.get("AccessLogSettings"));
    let access_logging = match log.and_then(|l| l.get("DestinationArn")) {
        Some(d) if d.is_unknown() && d.refs().is_empty() => Val::unknown(
            d.to_val_string()
                .unresolved()
                .map(|u| u.reason.clone())
                .unwrap_or_default(),
        ),
        Some(_) => Val::Known(true),
        None => Val::Known(false),
    };
    let mut throttle = p.get("DefaultRouteSettings").map(throttle_from);
    let mut data_trace = p
        .path(&["DefaultRouteSettings", "DataTraceEnabled"])
        .filter(|d| d.as_bool() == Some(true))
        .map(Node::location);
    if let Some(ms) = p.get("MethodSettings") {
        for m in ms.items() {
            if let Some(d) = m
                .get("DataTraceEnabled")
                .filter(|d| d.as_bool() == Some(true))
            {
                data_trace.get_or_insert(d.location());
            }
            let t = throttle_from(m);
            if t.rate.is_some() || t.burst.is_some() {
                throttle = Some(t);
            }
        }
    }
    if throttle
        .as_ref()
        .is_some_and(|t| t.rate.is_none() && t.burst.is_none())
    {
        throttle = None;
    }
    Stage {
        name: p
            .get("StageName")
            .map(Node::to_val_string)
            .unwrap_or_else(|| Val::Known("$default".into())),
        location: location.clone(),
        access_logging,
        throttle,
        waf: false,
        variables: env_vars(p.get("Variables")),
        data_trace,
    }
}

pub(crate) fn s3_filter(filter: Option<&Node>) -> (Option<String>, Option<String>) {
    let mut prefix = None;
    let mut suffix = None;
    let rules = filter
        .and_then(|f| {
            f.path(&["S3Key", "Rules"])
                .or_else(|| f.path(&["Key", "FilterRules"]))
        })
        .map(Node::items)
        .unwrap_or_default();
    for rule in rules {
        let name = rule
            .get("Name")
            .and_then(Node::str)
            .map(str::to_ascii_lowercase);
        let value = rule.get("Value").and_then(Node::scalar_text);
        match name.as_deref() {
            Some("prefix") => prefix = value,
            Some("suffix") => suffix = value,
            _ => {}
        }
    }
    (prefix, suffix)
}

pub(crate) fn endpoint_is_private(n: Option<&Node>) -> bool {
    let Some(n) = n else { return false };
    let types = n.get("Types").or_else(|| n.get("Type")).unwrap_or(n);
    types
        .one_or_many()
        .iter()
        .any(|t| t.str().is_some_and(|s| s.eq_ignore_ascii_case("PRIVATE")))
}

/// Cognito's standard attributes; anything else in `Schema` is a custom attribute.
const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "sub",
    "updated_at",
    "website",
    "zoneinfo",
];

/// Whether two unevaluated expressions are written the same (positions aside).
fn same_expression(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Seq(x), Kind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_expression(p, q))
        }
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1.name == k2.name && same_expression(v1, v2))
        }
        (x, y) => x == y,
    }
}
