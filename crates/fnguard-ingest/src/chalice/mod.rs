//! AWS Chalice apps: `.chalice/config.json` (top level, `stages`, `lambda_functions`) and the
//! decorators of `app.py` and its blueprints, to the model Chalice deploys: one API handler for
//! every route, one function per event decorator, the roles it creates or is given.
//!
//! The deployment follows Chalice's own application graph (`chalice/deploy/appgraph.py`):
//! function names `{app}-{stage}-{name}` (the API handler is `{app}-{stage}`), one shared
//! `DefaultRole` when `autogen_policy` is on (its policy is generated from the SDK calls of
//! `app.py`), a role per function from `.chalice/policy-{stage}.json` (or `iam_policy_file`)
//! when it is off, and none when `manage_iam_role` is false.

mod pyapp;

use crate::node::Node;
use crate::{yaml, Diagnostic, LoadContext, Loaded};
use fnguard_model::{
    Api, ApiKind, Auth, AutogenPolicy, Cors, Effect, Function, Location, PolicyDocument,
    Principals, Project, Role, RoleRef, Setting, SourceFormat, Stage, Statement, Trigger,
    TriggerKind, Val, WebApp,
};
use pyapp::{ChaliceApp, Decorated, PyVal};
use std::path::Path;

/// Chalice's defaults (`chalice/constants.py`).
const DEFAULT_STAGE: &str = "dev";
const DEFAULT_API_STAGE: &str = "api";
const DEFAULT_TIMEOUT_S: i64 = 60;
const DEFAULT_MEMORY_MB: i64 = 128;

/// The logical ids `chalice package` gives these resources; used as model ids.
const REST_API: &str = "RestAPI";
const WEBSOCKET_API: &str = "WebsocketAPI";
const DEFAULT_ROLE: &str = "DefaultRole";

/// Decorators that deploy a function with an event source.
const EVENT_DECORATORS: &[&str] = &[
    "on_s3_event",
    "on_sns_message",
    "on_sqs_message",
    "schedule",
    "on_cw_event",
    "on_kinesis_record",
    "on_dynamodb_record",
];

pub(crate) fn load(ctx: &LoadContext, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    let parsed = yaml::parse(text, &ctx.rel);
    loaded.diagnostics = parsed.diagnostics;
    let Some(config) = parsed.root else {
        return loaded;
    };
    if !config.is_map() {
        loaded.diagnostics.push(Diagnostic::error(
            &ctx.rel,
            Some(config.line),
            "not a Chalice configuration: the document is not an object",
        ));
        return loaded;
    }
    // `.chalice/config.json` → the project directory that holds `app.py`.
    if let Some(name) = config
        .get("app_name")
        .and_then(Node::scalar_text)
        .filter(|n| n.contains("{{") || n.contains("{%"))
    {
        loaded.diagnostics.push(Diagnostic::warning(
            &ctx.rel,
            config.key_location("app_name").map(|l| l.line),
            format!("skipped: a project template (app_name `{name}` is a placeholder), not an application"),
        ));
        return loaded;
    }
    let chalice_dir = ctx.dir().to_path_buf();
    let app_dir = chalice_dir.parent().unwrap_or(Path::new(".")).to_path_buf();
    let app = pyapp::read_app(&ctx.root, &app_dir, ctx.options.max_bytes());
    loaded.diagnostics.extend(app.diagnostics.iter().cloned());
    if app.files.is_empty() {
        return loaded;
    }
    // `chalice deploy` deploys `dev` unless told otherwise; when `dev` is not configured but
    // other stages are, the first of them is what the project is deployed as.
    let configured: Vec<String> = config
        .get("stages")
        .map(|s| s.entries().iter().map(|(k, _)| k.name.clone()).collect())
        .unwrap_or_default();
    let stage = match &ctx.options.stage {
        Some(s) => s.clone(),
        None if configured.is_empty() || configured.iter().any(|s| s == DEFAULT_STAGE) => {
            DEFAULT_STAGE.to_string()
        }
        None => {
            // No `dev`: the stage that is deployed (`.chalice/deployed/<stage>.json`), else
            // the production one, else the first configured.
            let deployed: Vec<String> = std::fs::read_dir(ctx.dir().join("deployed"))
                .map(|rd| {
                    rd.flatten()
                        .filter_map(|e| {
                            e.file_name()
                                .to_string_lossy()
                                .strip_suffix(".json")
                                .map(str::to_string)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let production = ["prod", "production", "prd", "live"];
            let (chosen, why) = if let Some(d) = production
                .iter()
                .map(|p| p.to_string())
                .chain(configured.iter().cloned())
                .find(|s| deployed.contains(s) && configured.contains(s))
            {
                (d, "deployed (.chalice/deployed)")
            } else if let Some(p) = configured
                .iter()
                .find(|s| production.contains(&s.to_ascii_lowercase().as_str()))
            {
                (p.clone(), "the production stage")
            } else {
                (configured[0].clone(), "the first configured")
            };
            loaded.diagnostics.push(Diagnostic::warning(
                &ctx.rel,
                config.get("stages").map(|s| s.line),
                format!(
                    "scanned as stage `{chosen}`, {why} (there is no `{DEFAULT_STAGE}` stage, which `chalice deploy` deploys by default); choose another with --stage"
                ),
            ));
            chosen
        }
    };
    let mut builder = ChaliceBuilder {
        ctx,
        config: &config,
        app: &app,
        stage,
        app_dir,
        chalice_dir,
        project: Project::new(ctx.rel.clone(), SourceFormat::Chalice),
        diagnostics: Vec::new(),
    };
    builder.build();
    loaded.diagnostics.extend(builder.diagnostics);
    loaded.project = Some(builder.project);
    loaded
}

struct ChaliceBuilder<'a> {
    ctx: &'a LoadContext,
    config: &'a Node,
    app: &'a ChaliceApp,
    stage: String,
    app_dir: std::path::PathBuf,
    chalice_dir: std::path::PathBuf,
    project: Project,
    diagnostics: Vec<Diagnostic>,
}

impl ChaliceBuilder<'_> {
    fn app_name(&self) -> Val<String> {
        match self
            .config
            .get("app_name")
            .and_then(Node::scalar_text)
            .or_else(|| self.app.app_name.clone())
        {
            Some(n) => Val::Known(n),
            None => Val::unknown("the Chalice app_name"),
        }
    }

    /// Chalice's `_chain_lookup`: the stage's `lambda_functions.<fn>`, the stage, the top-level
    /// `lambda_functions.<fn>`, then the top level.
    fn lookup(&self, key: &str, function: Option<&str>) -> Option<&Node> {
        let stage = self.config.path(&["stages", &self.stage]);
        let mut search: Vec<Option<&Node>> = Vec::new();
        if let Some(f) = function {
            search.push(stage.and_then(|s| s.path(&["lambda_functions", f])));
        }
        search.push(stage);
        if let Some(f) = function {
            search.push(self.config.path(&["lambda_functions", f]));
        }
        search.push(Some(self.config));
        search
            .into_iter()
            .flatten()
            .filter_map(|d| d.get(key))
            .find(|v| !matches!(v.kind, crate::node::Kind::Null))
    }

    /// Chalice's `_chain_merge` for mappings (`environment_variables`, `tags`): the top level,
    /// then the stage, then the stage's `lambda_functions.<fn>`, later ones winning.
    fn merged(&self, key: &str, function: &str) -> Vec<(String, Node)> {
        let stage = self.config.path(&["stages", &self.stage]);
        let mut out: Vec<(String, Node)> = Vec::new();
        for d in [
            Some(self.config),
            stage,
            stage.and_then(|s| s.path(&["lambda_functions", function])),
        ]
        .into_iter()
        .flatten()
        {
            for (k, v) in d.get(key).map(Node::entries).unwrap_or_default() {
                out.retain(|(name, _)| name != &k.name);
                out.push((k.name.clone(), v.clone()));
            }
        }
        out
    }

    /// Where a setting that is absent would be written: the stage's block when the stage is
    /// configured, else the top level.
    fn settings_location(&self) -> Location {
        match self.config.get("stages").map(|s| {
            s.entries()
                .iter()
                .find(|(k, _)| k.name == self.stage)
                .map(|(k, _)| Location::new(self.ctx.rel.clone(), k.line, k.column.max(1)))
        }) {
            Some(Some(l)) => l,
            _ => self
                .config
                .entries()
                .iter()
                .find(|(k, _)| k.name == "app_name")
                .map(|(k, _)| Location::new(self.ctx.rel.clone(), k.line, k.column.max(1)))
                .unwrap_or_else(|| self.config_location()),
        }
    }

    /// Where top-level settings are written (its first key), for settings that are absent.
    fn config_location(&self) -> Location {
        match self.config.entries().first() {
            Some((k, _)) => Location::new(self.ctx.rel.clone(), k.line, k.column.max(1)),
            None => Location::new(self.ctx.rel.clone(), self.config.line.max(1), 1),
        }
    }

    fn build(&mut self) {
        let app_rel = crate::relative_dir(&self.ctx.root, &self.app_dir);
        if let Some(stages) = self.config.get("stages") {
            if !stages.entries().is_empty() && stages.get(&self.stage).is_none() {
                let names: Vec<&str> = stages
                    .entries()
                    .iter()
                    .map(|(k, _)| k.name.as_str())
                    .collect();
                self.diagnostics.push(Diagnostic::warning(
                    &self.ctx.rel,
                    Some(stages.line),
                    format!(
                        "stage `{}` is not among the configured stages ({}); the top-level settings are used (choose one with --stage)",
                        self.stage,
                        names.join(", ")
                    ),
                ));
            }
        }
        let decorated = self.app.decorated.clone();
        for d in decorated.iter().filter(|d| d.kind == "lambda_function") {
            let name = self.function_name(d);
            let f = self.function(&name, &format!("{}.{}", d.module, d.function), d, &app_rel);
            self.project.functions.push(f);
        }
        for d in decorated
            .iter()
            .filter(|d| EVENT_DECORATORS.contains(&d.kind.as_str()))
        {
            let name = self.function_name(d);
            let mut f = self.function(&name, &format!("{}.{}", d.module, d.function), d, &app_rel);
            if let Some(kind) = self.trigger(d) {
                f.triggers.push(Trigger {
                    kind,
                    location: decorator_location(d),
                });
            }
            self.project.functions.push(f);
        }
        let routes: Vec<&Decorated> = decorated.iter().filter(|d| d.kind == "route").collect();
        if !routes.is_empty() {
            self.rest_api(&routes, &decorated, &app_rel);
        }
        let ws: Vec<&Decorated> = decorated
            .iter()
            .filter(|d| {
                matches!(
                    d.kind.as_str(),
                    "on_ws_connect" | "on_ws_message" | "on_ws_disconnect"
                )
            })
            .collect();
        if !ws.is_empty() {
            self.websocket_api(&ws, &app_rel);
        }
        self.roles();
    }

    fn function_name(&mut self, d: &Decorated) -> String {
        let base = match d.kwarg("name") {
            Some(PyVal::Str(s)) => s.clone(),
            Some(other) => {
                self.diagnostics.push(Diagnostic::warning(
                    &d.file,
                    Some(d.line),
                    format!(
                        "the function name `{}` is computed at deploy time; fnguard calls the function `{}`",
                        other.text(),
                        d.function
                    ),
                ));
                d.function.clone()
            }
            None => d.function.clone(),
        };
        if d.in_loop {
            self.diagnostics.push(Diagnostic::warning(
                &d.file,
                Some(d.line),
                format!(
                    "`@{}` is declared inside a loop: Chalice deploys one function per iteration, fnguard models them as one (`{base}`)",
                    d.kind
                ),
            ));
        }
        format!("{}{base}", d.name_prefix)
    }

    /// A function as `_build_lambda_function` makes it, with its settings looked up for `name`.
    fn function(&self, name: &str, handler: &str, d: &Decorated, app_rel: &str) -> Function {
        let location = decorator_location(d);
        let mut f = Function::new(name, location.clone());
        f.name = Some(match self.app_name() {
            Val::Known(a) => Val::Known(format!("{a}-{}-{name}", self.stage)),
            u => u,
        });
        self.configure(&mut f, name, handler, location, app_rel);
        f
    }

    fn configure(
        &self,
        f: &mut Function,
        name: &str,
        handler: &str,
        location: Location,
        app_rel: &str,
    ) {
        f.runtime = Some(Setting::new(
            Val::unknown("the Python version that runs `chalice deploy`"),
            self.config_location(),
        ));
        f.runtime_family = Some("python".to_string());
        f.handler = Some(Setting::new(
            Val::Known(handler.to_string()),
            location.clone(),
        ));
        f.code_path = Some(app_rel.to_string());
        let setting_i64 = |key: &str, default: Option<i64>| match self.lookup(key, Some(name)) {
            Some(n) => Some(Setting::new(n.to_val_i64(), n.location())),
            None => default.map(|v| Setting::new(Val::Known(v), self.config_location())),
        };
        f.memory_mb = setting_i64("lambda_memory_size", Some(DEFAULT_MEMORY_MB));
        f.timeout_s = setting_i64("lambda_timeout", Some(DEFAULT_TIMEOUT_S));
        f.reserved_concurrency = setting_i64("reserved_concurrency", None);
        f.log_retention_days = setting_i64("log_retention_in_days", None).map(Box::new);
        f.environment = self
            .merged("environment_variables", name)
            .into_iter()
            .map(|(k, v)| fnguard_model::EnvVar {
                name: k,
                value: v.to_val_string(),
                refs: Vec::new(),
                location: v.location(),
            })
            .collect();
        f.layers = self
            .lookup("layers", Some(name))
            .map(|l| {
                l.items()
                    .iter()
                    .map(|n| Setting::new(n.to_val_string(), n.location()))
                    .collect()
            })
            .unwrap_or_default();
        f.in_vpc = self
            .lookup("subnet_ids", Some(name))
            .is_some_and(|n| !n.items().is_empty())
            && self
                .lookup("security_group_ids", Some(name))
                .is_some_and(|n| !n.items().is_empty());
        f.tracing = self.lookup("xray", Some(name)).map(|n| {
            let v = match n.as_bool() {
                Some(true) => Val::Known("Active".to_string()),
                Some(false) => Val::Known("PassThrough".to_string()),
                None => Val::unknown("xray"),
            };
            Setting::new(v, n.location())
        });
        f.role = self.role_ref(name, &location);
    }

    /// Which role a function runs with (`_create_role_reference`).
    fn role_ref(&self, name: &str, location: &Location) -> RoleRef {
        let manage = self
            .lookup("manage_iam_role", Some(name))
            .and_then(Node::as_bool)
            .unwrap_or(true);
        if !manage {
            return match self.lookup("iam_role_arn", Some(name)) {
                Some(arn) => RoleRef::External {
                    arn: arn.to_val_string(),
                    location: arn.location(),
                },
                None => RoleRef::External {
                    arn: Val::unknown("manage_iam_role is false but no iam_role_arn is set"),
                    location: location.clone(),
                },
            };
        }
        let autogen = self
            .lookup("autogen_policy", Some(name))
            .and_then(Node::as_bool)
            .unwrap_or(true);
        let id = if autogen {
            DEFAULT_ROLE.to_string()
        } else {
            format!("{name}_role")
        };
        RoleRef::Declared {
            id,
            location: self
                .lookup("autogen_policy", Some(name))
                .map(Node::location)
                .unwrap_or_else(|| self.settings_location()),
        }
    }

    /// The roles the functions refer to, created as Chalice creates them.
    fn roles(&mut self) {
        let mut wanted: Vec<(String, String, Location)> = Vec::new();
        for f in &self.project.functions {
            if let RoleRef::Declared { id, location } = &f.role {
                if !wanted.iter().any(|(w, _, _)| w == id) {
                    wanted.push((id.clone(), f.id.clone(), location.clone()));
                }
            }
        }
        let any_vpc = self.project.functions.iter().any(|f| f.in_vpc);
        let any_xray = self.project.functions.iter().any(|f| {
            f.tracing
                .as_ref()
                .is_some_and(|t| t.value.as_str() == Some("Active"))
        });
        for (id, function, location) in wanted {
            let mut role = Role::new(id.clone(), location.clone());
            role.generated = true;
            role.trust_policy = Some(crate::sam::lambda_trust(&location));
            role.name = Some(match self.app_name() {
                Val::Known(a) if id == DEFAULT_ROLE => Val::Known(format!("{a}-{}", self.stage)),
                Val::Known(a) => Val::Known(format!("{a}-{}-{function}", self.stage)),
                u => u,
            });
            if id == DEFAULT_ROLE {
                let mut statements = vec![allow(
                    &[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                    ],
                    "arn:*:logs:*:*:*",
                    &location,
                )];
                if any_vpc {
                    statements.push(allow(
                        &[
                            "ec2:CreateNetworkInterface",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DetachNetworkInterface",
                            "ec2:DeleteNetworkInterface",
                        ],
                        "*",
                        &location,
                    ));
                }
                if any_xray {
                    statements.push(allow(
                        &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                        "*",
                        &location,
                    ));
                }
                role.inline_policies.push(PolicyDocument {
                    statements,
                    location: location.clone(),
                    ..Default::default()
                });
                role.fix_hint = Some(format!(
                    "Chalice generates this role's policy from the SDK calls in app.py, on every resource: set \"autogen_policy\": false and write the scoped policy in .chalice/policy-{}.json (or name one with iam_policy_file).",
                    self.stage
                ));
                // Chalice's policy generator reads `app.py` only, not `chalicelib/`.
                role.autogen = Some(AutogenPolicy {
                    tool: "Chalice".to_string(),
                    files: self.app.files.first().cloned().into_iter().collect(),
                    location: location.clone(),
                });
            } else {
                let file = self
                    .lookup("iam_policy_file", Some(&function))
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| format!("policy-{}.json", self.stage));
                let path = self.chalice_dir.join(&file);
                let rel = crate::relative(&self.ctx.root, &path);
                role.fix_hint = Some(format!("The role's policy is {rel}."));
                match crate::read_text(&path, &rel, self.ctx.options.max_bytes()) {
                    Ok(text) => {
                        let parsed = yaml::parse(&text, &rel);
                        self.diagnostics.extend(parsed.diagnostics);
                        if let Some(doc) = parsed.root {
                            role.inline_policies
                                .push(crate::policy::policy_document(&doc));
                        }
                    }
                    Err(_) => {
                        self.diagnostics.push(Diagnostic::error(
                            &self.ctx.rel,
                            Some(location.line),
                            format!(
                                "autogen_policy is false but the policy file {rel} does not exist; `chalice deploy` would fail, and the role of `{function}` is unknown"
                            ),
                        ));
                        role.managed_policies.push(Setting::new(
                            Val::unknown(format!("the policy file {rel}, which is missing")),
                            location.clone(),
                        ));
                    }
                }
            }
            self.project.roles.push(role);
        }
    }

    fn trigger(&mut self, d: &Decorated) -> Option<TriggerKind> {
        let text = |v: Option<&PyVal>, what: &str| -> Val<String> {
            match v {
                Some(PyVal::Str(s)) => Val::Known(s.clone()),
                Some(other) => Val::unknown(format!("{what} `{}`", other.text())),
                None => Val::unknown(format!("no {what} given")),
            }
        };
        Some(match d.kind.as_str() {
            "on_s3_event" => TriggerKind::S3 {
                bucket: text(d.arg("bucket", 0), "bucket"),
                events: match d.arg("events", 1) {
                    Some(PyVal::List(items)) => items
                        .iter()
                        .filter_map(|e| e.str().map(str::to_string))
                        .collect(),
                    _ => vec!["s3:ObjectCreated:*".to_string()],
                },
                prefix: d.kwarg("prefix").and_then(PyVal::str).map(str::to_string),
                suffix: d.kwarg("suffix").and_then(PyVal::str).map(str::to_string),
            },
            "on_sns_message" => TriggerKind::Sns {
                topic: text(d.arg("topic", 0), "topic"),
            },
            "on_sqs_message" => TriggerKind::Sqs {
                queue: match d.kwarg("queue_arn") {
                    Some(arn) => text(Some(arn), "queue"),
                    None => text(d.arg("queue", 0), "queue"),
                },
                partial_batch_response: false,
            },
            "schedule" => TriggerKind::Schedule {
                expression: schedule_expression(d.arg("expression", 0)),
            },
            "on_cw_event" => TriggerKind::EventBridge {
                bus: None,
                sources: None,
            },
            "on_kinesis_record" => TriggerKind::Stream {
                source: text(d.arg("stream", 0), "stream"),
                service: "kinesis".to_string(),
                partial_batch_response: false,
                on_failure: false,
            },
            "on_dynamodb_record" => TriggerKind::Stream {
                source: text(d.arg("stream_arn", 0), "stream"),
                service: "dynamodb".to_string(),
                partial_batch_response: false,
                on_failure: false,
            },
            _ => return None,
        })
    }

    /// One API handler function serves every route (`_create_rest_api_model`); authorizers
    /// declared with `@app.authorizer()` are functions of their own.
    fn rest_api(&mut self, routes: &[&Decorated], all: &[Decorated], app_rel: &str) {
        let first = routes[0];
        let location = decorator_location(first);
        let endpoint = self
            .lookup("api_gateway_endpoint_type", None)
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "EDGE".to_string());
        let api_stage = self.lookup("api_gateway_stage", None);
        let stage_name = api_stage
            .map(Node::to_val_string)
            .unwrap_or_else(|| Val::Known(DEFAULT_API_STAGE.to_string()));
        let mut api = Api {
            id: REST_API.to_string(),
            kind: ApiKind::Rest,
            location: location.clone(),
            private: endpoint.eq_ignore_ascii_case("PRIVATE"),
            cors: None,
            stages: vec![Stage {
                name: stage_name,
                location: api_stage
                    .map(Node::location)
                    .unwrap_or_else(|| self.config_location()),
                // Chalice has no setting for access logs, throttling or a web ACL.
                access_logging: Val::Known(false),
                throttle: None,
                waf: false,
                variables: Vec::new(),
                data_trace: None,
            }],
            implicit: true,
            usage_plan_throttle: None,
            two_way_routes: Vec::new(),
        };
        let mut f = Function::new("api_handler", location.clone());
        f.name = Some(match self.app_name() {
            Val::Known(a) => Val::Known(format!("{a}-{}", self.stage)),
            u => u,
        });
        let app_var = self
            .app
            .app_var
            .clone()
            .unwrap_or_else(|| "app".to_string());
        self.configure(
            &mut f,
            "api_handler",
            &format!("app.{app_var}"),
            location.clone(),
            app_rel,
        );
        f.web_app = Some(Box::new(WebApp {
            adapter: "Chalice".to_string(),
            module: "app".to_string(),
            object: app_var,
            location: location.clone(),
        }));
        let mut authorizer_functions: Vec<Function> = Vec::new();
        for d in all.iter().filter(|d| d.kind == "authorizer") {
            let name = self.function_name(d);
            authorizer_functions.push(self.function(
                &name,
                &format!("{}.{}", d.module, d.function),
                d,
                app_rel,
            ));
        }
        for r in routes {
            let written = match r.arg("path", 0) {
                Some(PyVal::Str(p)) => p.clone(),
                Some(other) => other.text(),
                None => String::new(),
            };
            // Chalice joins a blueprint's prefix with one `/` (`app.py`, `_register_route`).
            let path = if r.url_prefix.is_empty() {
                written
            } else {
                format!(
                    "{}/{}",
                    r.url_prefix.trim_end_matches('/'),
                    written.trim_matches('/')
                )
                .trim_end_matches('/')
                .to_string()
            };
            let methods: Vec<String> = match r.kwarg("methods") {
                Some(PyVal::List(items)) => items
                    .iter()
                    .map(|m| m.str().map_or_else(|| m.text(), str::to_uppercase))
                    .collect(),
                Some(PyVal::Str(m)) => vec![m.to_uppercase()],
                _ => vec!["GET".to_string()],
            };
            let auth = self.route_auth(r.kwarg("authorizer"), all);
            let api_key_required = matches!(r.kwarg("api_key_required"), Some(PyVal::Bool(true)));
            let cors = r.kwarg("cors").or(self.app.default_cors.as_ref());
            if let Some(c) = cors.and_then(|c| cors_of(c, decorator_location(r))) {
                // The most open configuration is what the API answers with.
                if api.cors.as_ref().is_none_or(|old| !old.allows_any_origin()) {
                    api.cors = Some(c);
                }
            }
            for method in methods {
                f.triggers.push(Trigger {
                    kind: TriggerKind::Api {
                        api: REST_API.to_string(),
                        method,
                        path: format!("/{}", path.trim_start_matches('/')),
                        auth: auth.clone(),
                        validated: Some(false),
                        api_key_required,
                    },
                    location: decorator_location(r),
                });
            }
        }
        self.project.apis.push(api);
        self.project.functions.push(f);
        self.project.functions.extend(authorizer_functions);
    }

    fn route_auth(&self, authorizer: Option<&PyVal>, all: &[Decorated]) -> Auth {
        let Some(a) = authorizer else {
            return Auth::None;
        };
        match a {
            PyVal::None => Auth::None,
            PyVal::Call { callee, .. } => match callee.rsplit('.').next().unwrap_or(callee) {
                "CognitoUserPoolAuthorizer" => Auth::Cognito,
                "IAMAuthorizer" => Auth::Iam,
                "CustomAuthorizer" => Auth::Lambda,
                other => Auth::Unknown(format!("authorizer `{other}(...)`")),
            },
            // A function decorated with `@app.authorizer()`.
            PyVal::Name(n) => {
                let short = n.rsplit('.').next().unwrap_or(n);
                if all
                    .iter()
                    .any(|d| d.kind == "authorizer" && d.function == short)
                {
                    Auth::Lambda
                } else {
                    Auth::Unknown(format!("authorizer `{n}`"))
                }
            }
            other => Auth::Unknown(format!("authorizer `{}`", other.text())),
        }
    }

    /// `@app.on_ws_connect()` and friends (`_create_websocket_api_model`).
    fn websocket_api(&mut self, handlers: &[&Decorated], app_rel: &str) {
        let location = decorator_location(handlers[0]);
        self.project.apis.push(Api {
            id: WEBSOCKET_API.to_string(),
            kind: ApiKind::WebSocket,
            location: location.clone(),
            private: false,
            cors: None,
            stages: vec![Stage {
                name: self
                    .lookup("api_gateway_stage", None)
                    .map(Node::to_val_string)
                    .unwrap_or_else(|| Val::Known(DEFAULT_API_STAGE.to_string())),
                location: self.config_location(),
                access_logging: Val::Known(false),
                throttle: None,
                waf: false,
                variables: Vec::new(),
                data_trace: None,
            }],
            implicit: true,
            usage_plan_throttle: None,
            two_way_routes: Vec::new(),
        });
        for d in handlers {
            let (name, route) = match d.kind.as_str() {
                "on_ws_connect" => ("websocket_connect", "$connect"),
                "on_ws_disconnect" => ("websocket_disconnect", "$disconnect"),
                _ => ("websocket_message", "$default"),
            };
            if self.project.function(name).is_some() {
                continue;
            }
            let mut f = self.function(name, &format!("{}.{}", d.module, d.function), d, app_rel);
            f.triggers.push(Trigger {
                kind: TriggerKind::Api {
                    api: WEBSOCKET_API.to_string(),
                    method: "WS".to_string(),
                    path: route.to_string(),
                    // Chalice cannot attach an authorizer to a WebSocket API.
                    auth: Auth::None,
                    validated: None,
                    api_key_required: false,
                },
                location: decorator_location(d),
            });
            self.project.functions.push(f);
        }
    }
}

fn decorator_location(d: &Decorated) -> Location {
    Location::new(d.file.clone(), d.line, d.column)
}

fn allow(actions: &[&str], resource: &str, location: &Location) -> Statement {
    Statement {
        sid: None,
        effect: Val::Known(Effect::Allow),
        actions: actions.iter().map(|a| Val::Known(a.to_string())).collect(),
        not_actions: Vec::new(),
        resources: vec![Val::Known(resource.to_string())],
        not_resources: Vec::new(),
        principals: None::<Principals>,
        not_principals: None,
        conditions: Vec::new(),
        location: location.clone(),
    }
}

/// `cors=True` is `*`; `CORSConfig(allow_origin=..., allow_credentials=...)` as given.
fn cors_of(v: &PyVal, location: Location) -> Option<Cors> {
    match v {
        PyVal::Bool(true) => Some(Cors {
            allow_origins: vec![Val::Known("*".to_string())],
            allow_credentials: None,
            location,
        }),
        PyVal::Call { callee, kwargs, .. } if callee.ends_with("CORSConfig") => {
            let kw = |k: &str| kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            Some(Cors {
                allow_origins: vec![match kw("allow_origin") {
                    Some(PyVal::Str(s)) => Val::Known(s.clone()),
                    Some(other) => Val::unknown(format!("allow_origin `{}`", other.text())),
                    None => Val::Known("*".to_string()),
                }],
                allow_credentials: match kw("allow_credentials") {
                    Some(PyVal::Bool(b)) => Some(Val::Known(*b)),
                    _ => None,
                },
                location,
            })
        }
        _ => None,
    }
}

/// `'rate(5 minutes)'`, `Rate(5, unit=Rate.MINUTES)`, `Cron(0, 10, '*', '*', '?', '*')`.
fn schedule_expression(v: Option<&PyVal>) -> Val<String> {
    match v {
        Some(PyVal::Str(s)) => Val::Known(s.clone()),
        Some(PyVal::Call {
            callee,
            args,
            kwargs,
        }) => {
            let short = callee.rsplit('.').next().unwrap_or(callee);
            match short {
                "Rate" => {
                    let value = args.first().map(PyVal::text).unwrap_or_default();
                    let unit = kwargs
                        .iter()
                        .find(|(k, _)| k == "unit")
                        .map(|(_, u)| u)
                        .or(args.get(1))
                        .map(PyVal::text)
                        .unwrap_or_default();
                    let unit = unit.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                    let unit = if value == "1" {
                        unit.trim_end_matches('s').to_string()
                    } else {
                        unit
                    };
                    Val::Known(format!("rate({value} {unit})"))
                }
                "Cron" => Val::Known(format!(
                    "cron({})",
                    args.iter()
                        .map(|a| a.str().map_or_else(|| a.text(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
                _ => Val::unknown(format!("schedule `{short}(...)`")),
            }
        }
        Some(other) => Val::unknown(format!("schedule `{}`", other.text())),
        None => Val::unknown("no schedule given"),
    }
}

#[cfg(test)]
mod tests {
    use crate::{load, Candidate, DescriptorKind, LoadOptions};
    use fnguard_model::TriggerKind;

    fn app(config: &str, app_py: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".chalice/deployed")).unwrap();
        std::fs::write(dir.path().join(".chalice/config.json"), config).unwrap();
        std::fs::write(dir.path().join("app.py"), app_py).unwrap();
        for (p, t) in extra {
            let f = dir.path().join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        }
        dir
    }

    fn loaded(dir: &std::path::Path) -> crate::Loaded {
        let c = Candidate {
            path: dir.join(".chalice/config.json"),
            kind: DescriptorKind::Chalice,
        };
        load(dir, &c, &LoadOptions::default())
    }

    #[test]
    fn without_dev_the_deployed_or_production_stage_is_scanned() {
        let config = r#"{"app_name": "x", "stages": {"local": {}, "staging": {"autogen_policy": false}, "prod": {"autogen_policy": false}}}"#;
        let py = "from chalice import Chalice\napp = Chalice(app_name='x')\n@app.lambda_function()\ndef a(e, c):\n    pass\n@app.lambda_function()\ndef b(e, c):\n    pass\n";
        let dir = app(
            config,
            py,
            &[(".chalice/policy-prod.json", r#"{"Statement": []}"#)],
        );
        let l = loaded(dir.path());
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.message.contains("scanned as stage `prod`")),
            "{:?}",
            l.diagnostics
        );
        let p = l.project.unwrap();
        // autogen_policy false: a role per function.
        assert_eq!(p.roles.len(), 2);
    }

    #[test]
    fn blueprint_prefixes_join_with_one_slash_and_templates_are_skipped() {
        let py = "from chalice import Chalice, Blueprint\napp = Chalice(app_name='x')\nbp = Blueprint(__name__)\n@bp.route('unsubscribe')\ndef u():\n    pass\napp.register_blueprint(bp, url_prefix='/subscription')\n";
        let dir = app(r#"{"app_name": "x"}"#, py, &[]);
        let l = loaded(dir.path());
        assert!(l.project.is_some(), "{:?}", l.diagnostics);
        let p = l.project.unwrap();
        let paths: Vec<&str> = p.functions[0]
            .triggers
            .iter()
            .filter_map(|t| match &t.kind {
                TriggerKind::Api { path, .. } => Some(path.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(paths, ["/subscription/unsubscribe"]);
        let template = app(r#"{"app_name": "{{app_name}}"}"#, py, &[]);
        let l = loaded(template.path());
        assert!(l.project.is_none());
        assert!(l.diagnostics[0].message.contains("project template"));
    }
}
