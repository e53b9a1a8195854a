//! Serverless Framework (v1–v4) services to the model, including what the framework generates:
//! the shared execution role, the APIs, buckets and topics named by events, log groups.

use crate::cfn::build::{env_vars, setting_i64, setting_str};
use crate::cfn::eval::Evaluator;
use crate::cfn::Builder;
use crate::node::{Key, Kind, Node};
use crate::policy::statements;
use crate::sls_vars::Resolver;
use crate::{yaml, Diagnostic, LoadContext, Loaded};
use fnguard_model::{
    Api, ApiKind, Auth, Cors, Function, FunctionUrl, Location, PolicyDocument, Project, Resource,
    ResourceKind, Role, RoleRef, Setting, SourceFormat, Stage, Throttle, Trigger, TriggerKind, Val,
};
use std::collections::{HashMap, HashSet};

pub const DEFAULT_ROLE: &str = "IamRoleLambdaExecution";

/// Plugins known to add IAM statements to the framework's default role.
const ROLE_EXTENDING_PLUGINS: &[&str] = &[
    "serverless-lift",
    "serverless-step-functions",
    "serverless-appsync-plugin",
    "serverless-plugin-tracing",
    "serverless-iam-helper",
];
const REST_API: &str = "ApiGatewayRestApi";
const HTTP_API: &str = "HttpApi";
const WS_API: &str = "WebsocketsApi";

/// The framework's normalisation of names into logical ids (`my-fn` → `MyDashfn`).
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        match c {
            '-' => out.push_str("Dash"),
            '_' => out.push_str("Underscore"),
            c if i == 0 => out.extend(c.to_uppercase()),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

pub(crate) fn load(ctx: &LoadContext, text: &str) -> Loaded {
    let parsed = yaml::parse(text, &ctx.rel);
    let mut diagnostics = parsed.diagnostics;
    let Some(raw) = parsed.root else {
        return Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        };
    };
    if !raw.is_map() {
        diagnostics.push(Diagnostic::error(
            &ctx.rel,
            Some(raw.line),
            "not a Serverless Framework service: the document is not a mapping",
        ));
        return Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        };
    }
    let provider_name = raw
        .path(&["provider", "name"])
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| "aws".into());
    if provider_name != "aws" {
        diagnostics.push(Diagnostic::warning(
            &ctx.rel,
            raw.key_location("provider").map(|l| l.line),
            format!("skipped: provider `{provider_name}` is not AWS; fnguard checks AWS Lambda services"),
        ));
        return Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        };
    }
    let resolver = Resolver::new(raw.clone(), ctx);
    let root = resolver.resolve(&raw, 0);
    diagnostics.extend(resolver.diagnostics.borrow().iter().cloned());
    let mut svc = Service {
        ctx,
        root: &root,
        stage: resolver.stage.clone(),
        project: Project::new(ctx.rel.clone(), SourceFormat::Serverless),
        diags: Vec::new(),
        logical: HashMap::new(),
        generated: HashSet::new(),
    };
    svc.build();
    let Service {
        project,
        diags,
        logical,
        generated,
        ..
    } = svc;
    diagnostics.extend(diags);
    // `resources:` is CloudFormation, with the framework's generated ids resolvable.
    let resources = merged_resources(&root);
    let mut ids: HashSet<String> = resources
        .entries()
        .iter()
        .map(|(k, _)| k.name.clone())
        .collect();
    ids.extend(generated);
    ids.extend(logical.keys().cloned());
    let conditions = root.path(&["resources", "Conditions"]);
    let mappings = root.path(&["resources", "Mappings"]);
    let evaluator = Evaluator::new(
        HashMap::new(),
        ids,
        conditions,
        mappings,
        Some(resolver.region.clone()),
    );
    let mut builder = Builder::new(
        &evaluator,
        project,
        &ctx.rel,
        ctx.dir().to_path_buf(),
        ctx.root.clone(),
    );
    builder.fn_ids.extend(logical);
    builder.add_resources(resources, false);
    relink_roles(&mut builder);
    let (project, diags) = builder.finish();
    diagnostics.extend(diags);
    Loaded {
        project: Some(project),
        diagnostics,
        nested: Vec::new(),
        consumed: Vec::new(),
    }
}

/// Functions whose `role:` names a role declared under `resources:` (known only now).
fn relink_roles(b: &mut Builder<'_>) {
    let roles: Vec<String> = b.project.roles.iter().map(|r| r.id.clone()).collect();
    for f in &mut b.project.functions {
        if let RoleRef::External {
            arn: Val::Known(name),
            location,
        } = &f.role
        {
            if roles.contains(name) {
                f.role = RoleRef::Declared {
                    id: name.clone(),
                    location: location.clone(),
                };
            }
        }
    }
}

/// `resources` as a map, or a list of maps (and `${file()}` includes), merged.
fn merged_resources(root: &Node) -> Node {
    let Some(res) = root.get("resources") else {
        return root.with_kind(Kind::Map(Vec::new()));
    };
    let mut entries: Vec<(Key, Node)> = Vec::new();
    for part in res.one_or_many() {
        if let Some(r) = part.get("Resources") {
            entries.extend(r.entries().iter().cloned());
        }
    }
    res.with_kind(Kind::Map(entries))
}

struct Service<'a> {
    ctx: &'a LoadContext,
    root: &'a Node,
    stage: String,
    project: Project,
    diags: Vec<Diagnostic>,
    /// Generated logical ids of functions → function key.
    logical: HashMap<String, String>,
    generated: HashSet<String>,
}

impl Service<'_> {
    fn provider(&self, key: &str) -> Option<&Node> {
        self.root.path(&["provider", key])
    }

    /// Top-level `layers:` with a local `path`: Lambda layers whose content is in the tree,
    /// with the logical ids functions refer to them by (`{Ref: NameLambdaLayer}`).
    fn layers(&mut self) {
        let Some(layers) = self.root.get("layers") else {
            return;
        };
        for (key, def) in layers.entries() {
            let id = format!("{}LambdaLayer", normalize(&key.name));
            let location = Location::new(&def.file, key.line, key.column);
            let mut r = Resource::new(
                id.clone(),
                ResourceKind::Layer,
                "AWS::Lambda::LayerVersion",
                location,
            );
            r.name = Some(Val::Known(key.name.clone()));
            r.content_path = def
                .get("path")
                .and_then(Node::str)
                .map(|p| crate::relative_dir(&self.ctx.root, &self.ctx.dir().join(p)));
            self.generated.insert(id.clone());
            self.project.resources.push(r);
        }
    }

    fn build(&mut self) {
        let Some(functions) = self.root.get("functions") else {
            return;
        };
        let mut items: Vec<(Key, Node)> = Vec::new();
        // v1 allowed a list of maps of functions.
        for part in functions.one_or_many() {
            items.extend(part.entries().iter().cloned());
        }
        self.layers();
        let uses_default_role = self.provider_role().is_none();
        let per_function_plugin = self.has_plugin("serverless-iam-roles-per-function");
        let mut default_role_needed = false;
        for (key, def) in &items {
            if !def.is_map() {
                self.diags.push(Diagnostic::error(
                    &self.ctx.rel,
                    Some(key.line),
                    format!("function `{}` is not a mapping", key.name),
                ));
                continue;
            }
            let location = Location::new(&def.file, key.line, key.column);
            let mut f = self.function(&key.name, def, location.clone());
            let own_statements = def.get("iamRoleStatements");
            if let Some(r) = def.get("role") {
                f.role = self.role_ref(r);
            } else if per_function_plugin && own_statements.is_some() {
                let id = format!("{}IamRoleLambdaExecution", normalize(&key.name));
                let mut role = Role::new(id.clone(), location.clone());
                role.generated = true;
                role.trust_policy = Some(crate::sam::lambda_trust(&location));
                let mut doc_statements = own_statements.map(statements).unwrap_or_default();
                if def.get("iamRoleStatementsInherit").and_then(Node::as_bool) == Some(true) {
                    doc_statements.extend(self.provider_statements());
                }
                role.inline_policies.push(PolicyDocument {
                    statements: doc_statements,
                    location: own_statements
                        .map(Node::location)
                        .unwrap_or(location.clone()),
                    ..Default::default()
                });
                self.project.roles.push(role);
                f.role = RoleRef::Declared {
                    id,
                    location: location.clone(),
                };
            } else if let Some(r) = self.provider_role() {
                f.role = self.role_ref(&r);
            } else {
                default_role_needed = true;
                f.role = RoleRef::Declared {
                    id: DEFAULT_ROLE.into(),
                    location: self
                        .root
                        .key_location("provider")
                        .unwrap_or_else(|| location.clone()),
                };
            }
            let logical = format!("{}LambdaFunction", normalize(&key.name));
            self.logical.insert(logical, key.name.clone());
            self.project.functions.push(f);
        }
        if default_role_needed && uses_default_role {
            self.default_role();
            // Plugins that add statements to the default role at package time: what it grants
            // is then more than the file says.
            let plugins: Vec<String> = self
                .root
                .get("plugins")
                .map(|p| {
                    p.get("modules")
                        .unwrap_or(p)
                        .items()
                        .iter()
                        .filter_map(Node::scalar_text)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(p) = plugins
                .iter()
                .find(|p| ROLE_EXTENDING_PLUGINS.contains(&p.as_str()))
            {
                if let Some(role) = self.project.roles.iter_mut().find(|r| r.id == DEFAULT_ROLE) {
                    role.managed_policies.push(Setting::new(
                        Val::unknown(format!("statements added by the {p} plugin")),
                        role.location.clone(),
                    ));
                }
            }
        }
        self.generated.insert(DEFAULT_ROLE.into());
        self.generated.insert(REST_API.into());
        self.generated.insert(HTTP_API.into());
        self.generated.insert(WS_API.into());
        self.generated.insert("ServerlessDeploymentBucket".into());
        self.generated.insert("ApiGatewayResourceProxyVar".into());
        self.events(&items);
    }

    /// `provider.iam.role` (string) or `provider.role`: one role for every function.
    fn provider_role(&self) -> Option<Node> {
        if let Some(r) = self.root.path(&["provider", "iam", "role"]) {
            if !r.is_map() {
                return Some(r.clone());
            }
        }
        self.provider("role").cloned()
    }

    fn provider_statements(&self) -> Vec<fnguard_model::Statement> {
        let mut out = Vec::new();
        for n in [
            self.root.path(&["provider", "iam", "role", "statements"]),
            self.provider("iamRoleStatements"),
        ]
        .into_iter()
        .flatten()
        {
            out.extend(statements(n));
        }
        out
    }

    fn role_ref(&self, r: &Node) -> RoleRef {
        // A logical id of a role under `resources`, an ARN, or an intrinsic.
        match r.str() {
            Some(s) if !s.starts_with("arn:") => RoleRef::External {
                arn: Val::Known(s.to_string()),
                location: r.location(),
            },
            _ => match r.get("Fn::GetAtt").or_else(|| r.get("Ref")) {
                Some(target) => {
                    let id = match &target.kind {
                        Kind::Seq(items) => items.first().and_then(Node::scalar_text),
                        _ => target
                            .scalar_text()
                            .map(|s| s.split('.').next().unwrap_or("").to_string()),
                    };
                    match id {
                        Some(id) => RoleRef::External {
                            arn: Val::Known(id),
                            location: r.location(),
                        },
                        None => RoleRef::External {
                            arn: r.to_val_string(),
                            location: r.location(),
                        },
                    }
                }
                None => RoleRef::External {
                    arn: r.to_val_string(),
                    location: r.location(),
                },
            },
        }
    }

    /// The role the framework creates and every function without its own role shares.
    fn default_role(&mut self) {
        let iam_role = self.root.path(&["provider", "iam", "role"]);
        let location = iam_role
            .map(Node::location)
            .or_else(|| self.provider("iamRoleStatements").map(Node::location))
            .or_else(|| self.root.key_location("provider"))
            .unwrap_or_else(|| Location::new(self.ctx.rel.clone(), 1, 1));
        let mut role = Role::new(DEFAULT_ROLE, location.clone());
        role.generated = true;
        role.trust_policy = Some(crate::sam::lambda_trust(&location));
        let statements = self.provider_statements();
        if !statements.is_empty() {
            let loc = self
                .root
                .path(&["provider", "iam", "role", "statements"])
                .or_else(|| self.provider("iamRoleStatements"))
                .map(Node::location)
                .unwrap_or(location.clone());
            role.inline_policies.push(PolicyDocument {
                statements,
                location: loc,
                ..Default::default()
            });
        }
        for n in [
            self.root
                .path(&["provider", "iam", "role", "managedPolicies"]),
            self.provider("iamManagedPolicies"),
        ]
        .into_iter()
        .flatten()
        {
            for p in n.items() {
                role.managed_policies
                    .push(Setting::new(p.to_val_string(), p.location()));
            }
        }
        role.permissions_boundary = self
            .root
            .path(&["provider", "iam", "role", "permissionsBoundary"])
            .or_else(|| self.provider("rolePermissionsBoundary"))
            .map(|n| Setting::new(n.to_val_string(), n.location()));
        self.project.roles.push(role);
    }

    fn function(&self, key: &str, def: &Node, location: Location) -> Function {
        let provider = self.root.get("provider");
        let pick = |k: &str| def.get(k).or_else(|| provider.and_then(|p| p.get(k)));
        let setting = |k: &str| pick(k).map(|n| Setting::new(n.to_val_string(), n.location()));
        let mut f = Function::new(key, location.clone());
        let service = self.root.get("service").and_then(|s| {
            s.scalar_text()
                .or_else(|| s.get("name").and_then(Node::scalar_text))
        });
        f.name = Some(match def.get("name") {
            Some(n) => n.to_val_string(),
            None => match service {
                Some(s) => Val::Known(format!("{s}-{}-{key}", self.stage)),
                None => Val::unknown("service name"),
            },
        });
        f.is_image = def.get("image").is_some();
        f.runtime = if f.is_image { None } else { setting("runtime") };
        f.handler = setting_str(def, "handler");
        f.code_path = Some(crate::relative_dir(&self.ctx.root, self.ctx.dir()));
        self.wsgi_app(&mut f);
        f.memory_mb = pick("memorySize").map(|n| Setting::new(n.to_val_i64(), n.location()));
        f.timeout_s = pick("timeout").map(|n| Setting::new(n.to_val_i64(), n.location()));
        f.reserved_concurrency = setting_i64(def, "reservedConcurrency");
        f.provisioned_concurrency = setting_i64(def, "provisionedConcurrency").map(Box::new);
        let mut env = env_vars(provider.and_then(|p| p.get("environment")));
        for v in env_vars(def.get("environment")) {
            env.retain(|e| e.name != v.name);
            env.push(v);
        }
        f.environment = env;
        f.kms_key = setting("kmsKeyArn").map(Box::new);
        f.layers = pick("layers")
            .map(|l| {
                l.items()
                    .iter()
                    .map(|n| Setting::new(n.to_val_string(), n.location()))
                    .collect()
            })
            .unwrap_or_default();

        f.in_vpc = pick("vpc").is_some_and(|v| v.get("subnetIds").is_some());
        f.tracing = def
            .get("tracing")
            .or_else(|| provider.and_then(|p| p.path(&["tracing", "lambda"])))
            .map(|n| {
                let v = match n.as_bool() {
                    Some(true) => Val::Known("Active".to_string()),
                    Some(false) => Val::Known("PassThrough".to_string()),
                    None => n.to_val_string(),
                };
                Setting::new(v, n.location())
            });
        f.dead_letter = def
            .get("onError")
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.on_failure_destination = def
            .path(&["destinations", "onFailure"])
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.async_max_retries = setting_i64(def, "maximumRetryAttempts").map(Box::new);
        f.async_max_event_age_s = setting_i64(def, "maximumEventAge").map(Box::new);
        f.architecture = setting("architecture").map(Box::new);
        f.code_signing = None;
        f.log_retention_days = def
            .get("logRetentionInDays")
            .or_else(|| provider.and_then(|p| p.get("logRetentionInDays")))
            .map(|n| Setting::new(n.to_val_i64(), n.location()))
            .map(Box::new);
        if let Some(u) = def.get("url") {
            f.url = self.url(u).map(Box::new);
        }
        f.uses = def.raw_intrinsic_refs();
        // Provider-level `layers: [{Ref: NameLambdaLayer}]` ship code into every function.
        if def.get("layers").is_none() {
            f.uses.extend(
                provider
                    .and_then(|p| p.get("layers"))
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|n| n.get("Ref").and_then(Node::str).map(str::to_string)),
            );
        }
        f
    }

    /// serverless-wsgi writes `wsgi_handler.py` (older versions `wsgi.py`) at package time; it
    /// serves the application named by `custom.wsgi.app`, whose routes are the entry points.
    fn wsgi_app(&self, f: &mut Function) {
        let Some(handler) = f.handler.as_ref().and_then(|h| h.value.as_str()) else {
            return;
        };
        if !matches!(handler, "wsgi_handler.handler" | "wsgi.handler") {
            return;
        }
        let app = self.root.path(&["custom", "wsgi", "app"]);
        let plugin = self.has_plugin("serverless-wsgi");
        if app.is_none() && !plugin {
            return;
        }
        let written = app
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "app.app".to_string());
        // `api.app`, `src/api.app` (a path to the module, then the object).
        let (module, object) = written
            .rsplit_once('.')
            .unwrap_or((written.as_str(), "app"));
        let module = module.trim_start_matches("./").replace('/', ".");
        f.handler_generated_by = Some("serverless-wsgi".to_string());
        f.web_app = Some(Box::new(fnguard_model::WebApp {
            adapter: "serverless-wsgi".to_string(),
            module,
            object: object.to_string(),
            location: app
                .map(Node::location)
                .or_else(|| f.handler.as_ref().map(|h| h.location.clone()))
                .unwrap_or_else(|| f.location.clone()),
        }));
    }

    fn url(&self, u: &Node) -> Option<FunctionUrl> {
        if u.as_bool() == Some(false) {
            return None;
        }
        let auth = match u.get("authorizer") {
            Some(a) => Setting::new(
                match a.str() {
                    Some(s) if s.eq_ignore_ascii_case("aws_iam") => {
                        Val::Known("AWS_IAM".to_string())
                    }
                    Some(s) => Val::unknown(format!("authorizer `{s}`")),
                    None => a.to_val_string(),
                },
                a.location(),
            ),
            None => Setting::new(Val::Known("NONE".to_string()), u.location()),
        };
        let cors = u.get("cors").and_then(|c| cors(c, &["allowedOrigins"]));
        Some(FunctionUrl {
            auth_type: auth,
            cors,
            location: u.location(),
        })
    }

    fn ensure_api(&mut self, id: &str, kind: ApiKind, at: &Location) {
        if self.project.api(id).is_some() {
            return;
        }
        let logs_key = match kind {
            ApiKind::Rest => "restApi",
            ApiKind::Http => "httpApi",
            _ => "websocket",
        };
        let logs = self.root.path(&["provider", "logs", logs_key]);
        let access_logging = match logs {
            None => Val::Known(false),
            Some(n) => match n.as_bool() {
                Some(b) => Val::Known(b),
                None if n.is_map() => Val::Known(
                    n.get("accessLogging")
                        .and_then(Node::as_bool)
                        .unwrap_or(true),
                ),
                None => n.to_val_bool(),
            },
        };
        // REST execution logs (`logs.restApi`) carry full request and response data unless
        // `fullExecutionData: false` (or execution logging is off).
        let data_trace = match logs {
            Some(n) if kind == ApiKind::Rest && n.as_bool() == Some(true) => Some(n.location()),
            Some(n) if kind == ApiKind::Rest && n.is_map() => {
                let off = |k: &str| n.get(k).and_then(Node::as_bool) == Some(false);
                (!off("executionLogging") && !off("fullExecutionData")).then(|| {
                    n.get("fullExecutionData")
                        .map(Node::location)
                        .unwrap_or_else(|| n.location())
                })
            }
            _ => None,
        };
        let throttle = if kind == ApiKind::Rest {
            self.root
                .path(&["provider", "apiGateway", "usagePlan", "throttle"])
                .or_else(|| self.root.path(&["provider", "usagePlan", "throttle"]))
                .map(|t| Throttle {
                    rate: t.get("rateLimit").map(|r| {
                        r.as_f64()
                            .map(Val::Known)
                            .unwrap_or_else(|| Val::unknown("rateLimit"))
                    }),
                    burst: t.get("burstLimit").map(Node::to_val_i64),
                })
        } else {
            None
        };
        // Point at the keys a user edits: `provider.apiGateway`/`httpApi`, `provider.logs.<api>`.
        let provider = self.root.get("provider");
        let provider_key = self
            .root
            .key_location("provider")
            .unwrap_or_else(|| at.clone());
        let api_location = match kind {
            ApiKind::Rest => provider.and_then(|p| p.key_location("apiGateway")),
            ApiKind::Http => provider.and_then(|p| p.key_location("httpApi")),
            _ => None,
        }
        .unwrap_or_else(|| provider_key.clone());
        let log_location = self
            .root
            .path(&["provider", "logs"])
            .and_then(|l| l.key_location(logs_key))
            .or_else(|| provider.and_then(|p| p.key_location("logs")))
            .unwrap_or_else(|| provider_key.clone());
        let endpoint_private = self
            .provider("endpointType")
            .and_then(Node::str)
            .is_some_and(|s| s.eq_ignore_ascii_case("private"));
        let cors = if kind == ApiKind::Http {
            self.root
                .path(&["provider", "httpApi", "cors"])
                .and_then(|c| cors(c, &["allowedOrigins"]))
        } else {
            None
        };
        // The serverless-api-gateway-throttling plugin writes the stage's method settings from
        // `custom.apiGatewayThrottling`.
        let throttling_plugin = self.has_plugin("serverless-api-gateway-throttling");
        let stage_throttle = self
            .root
            .path(&["custom", "apiGatewayThrottling"])
            .filter(|_| throttling_plugin && matches!(kind, ApiKind::Rest | ApiKind::Http))
            .map(|t| Throttle {
                rate: t.get("maxRequestsPerSecond").map(|r| {
                    r.as_f64()
                        .map(Val::Known)
                        .unwrap_or_else(|| Val::unknown("maxRequestsPerSecond"))
                }),
                burst: t.get("maxConcurrentRequests").map(Node::to_val_i64),
            });
        self.project.apis.push(Api {
            id: id.to_string(),
            kind,
            location: api_location,
            private: endpoint_private && kind == ApiKind::Rest,
            cors,
            stages: vec![Stage {
                name: Val::Known(if kind == ApiKind::Http {
                    "$default".into()
                } else {
                    self.stage.clone()
                }),
                location: log_location,
                access_logging,
                throttle: stage_throttle,
                waf: false,
                variables: Vec::new(),
                data_trace,
            }],
            implicit: true,
            usage_plan_throttle: throttle,
            two_way_routes: Vec::new(),
        });
    }

    /// Whether `plugins` (a list, or `modules:` of the long form) names `name`.
    fn has_plugin(&self, name: &str) -> bool {
        self.root.get("plugins").is_some_and(|p| {
            p.get("modules")
                .unwrap_or(p)
                .items()
                .iter()
                .any(|m| m.str() == Some(name))
        })
    }

    fn events(&mut self, items: &[(Key, Node)]) {
        let position: HashMap<String, usize> = self
            .project
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), i))
            .collect();
        for (key, def) in items {
            let Some(events) = def.get("events") else {
                continue;
            };
            for ev in events.items() {
                let Some((ty_key, spec)) = ev.entries().first() else {
                    continue;
                };
                let location = Location::new(&ev.file, ty_key.line, ty_key.column);
                let kind = self.event(ty_key.name.as_str(), spec, &location);
                if let Some(kind) = kind {
                    let slot = position.get(&key.name).copied();
                    if let Some(f) = slot.and_then(|i| self.project.functions.get_mut(i)) {
                        f.triggers.push(Trigger {
                            kind,
                            location: location.clone(),
                        });
                    }
                }
            }
        }
    }

    fn event(&mut self, ty: &str, spec: &Node, location: &Location) -> Option<TriggerKind> {
        match ty {
            "http" => {
                self.ensure_api(REST_API, ApiKind::Rest, location);
                let (method, path) = match spec.str() {
                    Some(s) => split_http(s),
                    None => (
                        spec.get("method")
                            .and_then(Node::scalar_text)
                            .unwrap_or_else(|| "ANY".into()),
                        spec.get("path")
                            .and_then(Node::scalar_text)
                            .unwrap_or_else(|| "/".into()),
                    ),
                };
                let auth = match spec.get("authorizer") {
                    None => Auth::None,
                    Some(a) => rest_authorizer(a),
                };
                if let Some(c) = spec.get("cors") {
                    self.http_cors(c);
                }
                let validated = Some(
                    spec.path(&["request", "schemas"]).is_some()
                        || spec.path(&["request", "schema"]).is_some(),
                );
                Some(TriggerKind::Api {
                    api: REST_API.into(),
                    method: method.to_uppercase(),
                    path: format!("/{}", path.trim_start_matches('/')),
                    auth,
                    validated,
                    api_key_required: spec.get("private").and_then(Node::as_bool).unwrap_or(false),
                })
            }
            "httpApi" => {
                self.ensure_api(HTTP_API, ApiKind::Http, location);
                let (method, path) = match spec.str() {
                    Some("*") => ("ANY".into(), "$default".into()),
                    Some(s) => split_http(s),
                    None => (
                        spec.get("method")
                            .and_then(Node::scalar_text)
                            .unwrap_or_else(|| "ANY".into()),
                        spec.get("path")
                            .and_then(Node::scalar_text)
                            .unwrap_or_else(|| "$default".into()),
                    ),
                };
                let auth = match spec.get("authorizer") {
                    None => Auth::None,
                    Some(a) => self.http_authorizer(a),
                };
                Some(TriggerKind::Api {
                    api: HTTP_API.into(),
                    method: method.to_uppercase(),
                    path,
                    auth,
                    validated: None,
                    api_key_required: false,
                })
            }
            "websocket" => {
                self.ensure_api(WS_API, ApiKind::WebSocket, location);
                let route = spec
                    .str()
                    .map(str::to_string)
                    .or_else(|| spec.get("route").and_then(Node::scalar_text))
                    .unwrap_or_else(|| "$default".into());
                let auth = match spec.get("authorizer") {
                    None => Auth::None,
                    Some(a) => rest_authorizer(a),
                };
                // `routeResponseSelectionExpression` makes the route two-way.
                if spec.get("routeResponseSelectionExpression").is_some() {
                    if let Some(a) = self.project.apis.iter_mut().find(|a| a.id == WS_API) {
                        a.two_way_routes.push(route.clone());
                    }
                }
                Some(TriggerKind::Api {
                    api: WS_API.into(),
                    method: "WS".into(),
                    path: route,
                    auth,
                    validated: None,
                    api_key_required: false,
                })
            }
            "alb" => {
                let listener = spec.get("listenerArn");
                let id = listener
                    .and_then(Node::single_ref)
                    .or_else(|| listener.and_then(Node::scalar_text))
                    .unwrap_or_else(|| "alb".into());
                let id = format!("alb:{id}");
                if self.project.api(&id).is_none() {
                    self.project.apis.push(Api {
                        id: id.clone(),
                        kind: ApiKind::Alb,
                        location: location.clone(),
                        private: false,
                        cors: None,
                        stages: Vec::new(),
                        implicit: false,
                        usage_plan_throttle: None,
                        two_way_routes: Vec::new(),
                    });
                }
                let auth = if spec.get("authorizer").is_some() {
                    Auth::Jwt
                } else {
                    Auth::None
                };
                Some(TriggerKind::Alb { api: id, auth })
            }
            "s3" => {
                let bucket = spec
                    .str()
                    .map(str::to_string)
                    .map(|s| (s, false))
                    .or_else(|| {
                        let b = spec.get("bucket")?;
                        let existing = spec
                            .get("existing")
                            .and_then(Node::as_bool)
                            .unwrap_or(false);
                        // `bucket: !Ref Uploads` names a bucket under `resources:`.
                        match b.raw_intrinsic_refs().as_slice() {
                            [one] => Some((one.clone(), true)),
                            _ => b.scalar_text().map(|s| (s, existing)),
                        }
                    });
                let (name, existing) = bucket?;
                let id = if existing {
                    name.clone()
                } else {
                    let id = format!("S3Bucket{}", normalize(&name));
                    if self.project.resource(&id).is_none() {
                        let mut r = Resource::new(
                            id.clone(),
                            ResourceKind::Bucket,
                            "AWS::S3::Bucket",
                            location.clone(),
                        );
                        r.name = Some(Val::Known(name.clone()));
                        self.project.resources.push(r);
                    }
                    self.generated.insert(id.clone());
                    id
                };
                let mut prefix = None;
                let mut suffix = None;
                for rule in spec.get("rules").map(Node::items).unwrap_or_default() {
                    if let Some(p) = rule.get("prefix").and_then(Node::scalar_text) {
                        prefix = Some(p);
                    }
                    if let Some(s) = rule.get("suffix").and_then(Node::scalar_text) {
                        suffix = Some(s);
                    }
                }
                Some(TriggerKind::S3 {
                    bucket: Val::Known(id),
                    events: spec
                        .get("event")
                        .and_then(Node::scalar_text)
                        .into_iter()
                        .collect(),
                    prefix,
                    suffix,
                })
            }
            "sqs" => {
                let arn = spec.get("arn").unwrap_or(spec);
                Some(TriggerKind::Sqs {
                    queue: ref_or_text(arn),
                    partial_batch_response: spec.get("functionResponseType").and_then(Node::str)
                        == Some("ReportBatchItemFailures"),
                })
            }
            "sns" => {
                let topic = match spec.str() {
                    Some(s) if !s.starts_with("arn:") => self.sns_topic(s, location),
                    Some(s) => Val::Known(s.to_string()),
                    None => match spec.get("arn") {
                        Some(a) => ref_or_text(a),
                        None => match spec.get("topicName").and_then(Node::scalar_text) {
                            Some(t) => self.sns_topic(&t, location),
                            None => Val::unknown("topic not given"),
                        },
                    },
                };
                Some(TriggerKind::Sns { topic })
            }
            "stream" => {
                let arn = spec.get("arn").unwrap_or(spec);
                let text = arn.scalar_text().unwrap_or_default();
                // The framework takes the type from the ARN; an ARN that is not resolved here
                // says nothing about which service it is.
                let refers_to_stream_arn = arn.get("Fn::GetAtt").is_some_and(|g| {
                    g.items().get(1).and_then(Node::str) == Some("StreamArn")
                        || g.str().is_some_and(|t| t.ends_with(".StreamArn"))
                });
                let service = spec
                    .get("type")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| {
                        if text.contains(":kinesis:") {
                            "kinesis".into()
                        } else if text.contains(":dynamodb:") || refers_to_stream_arn {
                            "dynamodb".into()
                        } else {
                            "unknown".into()
                        }
                    });
                Some(TriggerKind::Stream {
                    source: ref_or_text(arn),
                    service,
                    partial_batch_response: spec.get("functionResponseType").and_then(Node::str)
                        == Some("ReportBatchItemFailures"),
                    on_failure: spec.path(&["destinations", "onFailure"]).is_some(),
                })
            }
            "eventBridge" => Some(match spec.get("schedule") {
                Some(s) => TriggerKind::Schedule {
                    expression: s.to_val_string(),
                },
                None => TriggerKind::EventBridge {
                    bus: spec.get("eventBus").map(ref_or_text),
                    sources: crate::event_pattern::pattern_sources(spec.get("pattern")),
                },
            }),
            "schedule" => Some(TriggerKind::Schedule {
                expression: spec
                    .get("rate")
                    .map(|r| match r.items().first() {
                        Some(first) => first.to_val_string(),
                        None => r.to_val_string(),
                    })
                    .unwrap_or_else(|| spec.to_val_string()),
            }),
            "cognitoUserPool" => Some(TriggerKind::Cognito {
                pool: spec
                    .get("pool")
                    .map(ref_or_text)
                    .unwrap_or_else(|| Val::unknown("pool")),
            }),
            other => Some(TriggerKind::Other {
                source: other.to_string(),
                schema_registry: false,
            }),
        }
    }

    fn sns_topic(&mut self, name: &str, location: &Location) -> Val<String> {
        let id = format!("SNSTopic{}", normalize(name));
        if self.project.resource(&id).is_none() {
            let mut r = Resource::new(
                id.clone(),
                ResourceKind::Topic,
                "AWS::SNS::Topic",
                location.clone(),
            );
            r.name = Some(Val::Known(name.to_string()));
            r.encrypted = Some(Setting::new(Val::Known(false), location.clone()));
            self.project.resources.push(r);
        }
        self.generated.insert(id.clone());
        Val::Known(id)
    }

    fn http_cors(&mut self, c: &Node) {
        let Some(cors) = cors(c, &["origins", "origin"]) else {
            return;
        };
        if let Some(api) = self.project.apis.iter_mut().find(|a| a.id == REST_API) {
            if api
                .cors
                .as_ref()
                .is_none_or(|existing| !existing.allows_any_origin())
            {
                api.cors = Some(cors);
            }
        }
    }

    fn http_authorizer(&self, a: &Node) -> Auth {
        let name = a
            .str()
            .map(str::to_string)
            .or_else(|| a.get("name").and_then(Node::scalar_text));
        if let Some(t) = a.get("type").and_then(Node::str) {
            match t.to_ascii_lowercase().as_str() {
                "aws_iam" => return Auth::Iam,
                "request" => return Auth::Lambda,
                "jwt" => return Auth::Jwt,
                _ => {}
            }
        }
        if a.get("id").is_some() {
            return Auth::Unknown("authorizer defined outside the service".into());
        }
        let Some(name) = name else {
            return Auth::Unknown("authorizer without a name".into());
        };
        match self
            .root
            .path(&["provider", "httpApi", "authorizers", &name])
        {
            Some(def) => match def
                .get("type")
                .and_then(Node::str)
                .map(str::to_ascii_lowercase)
            {
                Some(t) if t == "request" => Auth::Lambda,
                _ => Auth::Jwt,
            },
            None => Auth::Unknown(format!(
                "authorizer `{name}` is not declared under provider.httpApi.authorizers"
            )),
        }
    }
}

/// `cors: true` (any origin) or a map naming origins under one of `origin_keys` (any origin
/// when none is named, as the framework defaults to `*`); `cors: false` is none.
fn cors(c: &Node, origin_keys: &[&str]) -> Option<Cors> {
    if c.as_bool() == Some(false) {
        return None;
    }
    let any = || vec![Val::Known("*".to_string())];
    let allow_origins = if c.as_bool() == Some(true) {
        any()
    } else {
        origin_keys
            .iter()
            .find_map(|k| c.get(k))
            .map(|o| {
                o.one_or_many()
                    .into_iter()
                    .map(Node::to_val_string)
                    .collect()
            })
            .unwrap_or_else(any)
    };
    Some(Cors {
        allow_origins,
        allow_credentials: c.get("allowCredentials").map(Node::to_val_bool),
        location: c.location(),
    })
}

fn rest_authorizer(a: &Node) -> Auth {
    if let Some(s) = a.str() {
        return if s.eq_ignore_ascii_case("aws_iam") {
            Auth::Iam
        } else {
            Auth::Lambda
        };
    }
    if a.is_unknown() {
        return Auth::Unknown(
            a.to_val_string()
                .unresolved()
                .map(|u| u.reason.clone())
                .unwrap_or_default(),
        );
    }
    let ty = a
        .get("type")
        .and_then(Node::str)
        .map(str::to_ascii_lowercase);
    let arn = a.get("arn").and_then(Node::scalar_text).unwrap_or_default();
    match ty.as_deref() {
        Some("aws_iam") => Auth::Iam,
        Some("cognito_user_pools") => Auth::Cognito,
        Some("token") | Some("request") => Auth::Lambda,
        _ if arn.contains(":cognito-idp:") => Auth::Cognito,
        _ if a.get("arn").is_some() || a.get("name").is_some() => Auth::Lambda,
        _ if a.get("authorizerId").is_some() => {
            Auth::Unknown("authorizer defined outside the service".into())
        }
        _ => Auth::Unknown("authorizer of an unrecognised shape".into()),
    }
}

fn split_http(s: &str) -> (String, String) {
    match s.trim().split_once(' ') {
        Some((m, p)) => (m.to_string(), p.trim().to_string()),
        None => ("ANY".into(), s.trim().to_string()),
    }
}

fn ref_or_text(n: &Node) -> Val<String> {
    n.single_ref()
        .map(Val::Known)
        .or_else(|| {
            // Serverless often uses raw `Fn::GetAtt` in events; resolve the target id directly.
            let g = n.get("Fn::GetAtt").or_else(|| n.get("Ref"))?;
            match &g.kind {
                Kind::Seq(items) => items.first().and_then(Node::scalar_text).map(Val::Known),
                _ => g
                    .scalar_text()
                    .map(|s| Val::Known(s.split('.').next().unwrap_or("").to_string())),
            }
        })
        .unwrap_or_else(|| n.to_val_string())
}
