//! Zappa projects: `zappa_settings.json|yaml|yml|toml`. Every stage is one deployed Lambda
//! function (`{project_name}-{stage}`) that serves the WSGI/ASGI app of `app_function` (or
//! Django's `django_settings`) behind API Gateway, an ALB or a function URL, and runs the
//! functions its `events` name on schedules and event sources. Settings follow Zappa's
//! `stage_config` (`extends` merged shallowly) and defaults (`zappa/cli.py`); the role Zappa
//! creates carries its documented default policy (`data/zappa/`).

use crate::node::{Kind, Node};
use crate::policy::{policy_document, statements};
use crate::{settings, yaml, Diagnostic, LoadContext, Loaded};
use fnguard_model::{
    Api, ApiKind, Auth, Cors, EnvVar, Function, FunctionUrl, Location, PolicyDocument, Project,
    Role, RoleRef, Setting, SourceFormat, Stage, Trigger, TriggerKind, Val, WebApp,
};

const ATTACH_POLICY: &str = include_str!("../data/zappa/attach_policy.json");
const ASSUME_POLICY: &str = include_str!("../data/zappa/assume_policy.json");
/// Zappa's defaults (`zappa/cli.py`).
const DEFAULT_MEMORY_MB: i64 = 512;
const DEFAULT_TIMEOUT_S: i64 = 30;
const DEFAULT_HANDLER: &str = "handler.lambda_handler";
const KEEP_WARM_RATE: &str = "rate(4 minutes)";
/// `extends` chains longer than this are cut (Zappa itself refuses cycles).
const MAX_EXTENDS: usize = 32;

pub(crate) fn load(ctx: &LoadContext, text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    let lower = ctx.rel.to_ascii_lowercase();
    let (root, diagnostics) = if lower.ends_with(".toml") {
        settings::toml(text, &ctx.rel)
    } else if lower.ends_with(".json") {
        settings::json(text, &ctx.rel, "Zappa")
    } else {
        let parsed = yaml::parse(text, &ctx.rel);
        (parsed.root, parsed.diagnostics)
    };
    loaded.diagnostics = diagnostics;
    let Some(root) = root else {
        return loaded;
    };
    if !root.is_map() {
        loaded.diagnostics.push(Diagnostic::error(
            &ctx.rel,
            Some(root.line),
            "not Zappa settings: the document is not a mapping of stages",
        ));
        return loaded;
    }
    let mut project = Project::new(ctx.rel.clone(), SourceFormat::Zappa);
    let code_dir = crate::relative_dir(&ctx.root, ctx.dir());
    let default_project = slugify(
        &ctx.dir()
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
    );
    let only = ctx.options.stage.as_deref();
    for (key, stage) in root.entries() {
        if only.is_some_and(|s| s != key.name) {
            continue;
        }
        if !stage.is_map() {
            loaded.diagnostics.push(Diagnostic::error(
                &ctx.rel,
                Some(key.line),
                format!("stage `{}` is not a mapping", key.name),
            ));
            continue;
        }
        let merged = match merged_stage(&root, &key.name) {
            Ok(m) => m,
            Err(why) => {
                loaded
                    .diagnostics
                    .push(Diagnostic::error(&ctx.rel, Some(key.line), why));
                continue;
            }
        };
        let location = Location::new(ctx.rel.clone(), key.line, key.column.max(1));
        let mut stage = StageBuilder {
            ctx,
            name: &key.name,
            cfg: &merged,
            location,
            project: &mut project,
            diagnostics: &mut loaded.diagnostics,
            code_dir: &code_dir,
            default_project: &default_project,
        };
        stage.build();
    }
    if only.is_some() && project.functions.is_empty() {
        let names: Vec<&str> = root
            .entries()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        loaded.diagnostics.push(Diagnostic::warning(
            &ctx.rel,
            Some(root.line),
            format!(
                "no stage `{}` here (stages: {})",
                only.unwrap_or_default(),
                names.join(", ")
            ),
        ));
    }
    loaded.project = Some(project);
    loaded
}

/// A stage's settings with the stages it `extends` underneath (Zappa's `dict.update`).
fn merged_stage(root: &Node, stage: &str) -> Result<Node, String> {
    let mut chain: Vec<&Node> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut current = stage.to_string();
    loop {
        if names.contains(&current) {
            return Err(format!(
                "stage `{stage}` extends itself through {}; Zappa refuses circular extends",
                names.join(" → ")
            ));
        }
        if names.len() >= MAX_EXTENDS {
            return Err(format!("stage `{stage}`: `extends` is nested too deeply"));
        }
        let Some(node) = root.get(&current) else {
            return Err(format!(
                "stage `{}` extends `{current}`, which is not defined",
                names.last().cloned().unwrap_or_default()
            ));
        };
        names.push(current.clone());
        chain.push(node);
        match node.get("extends").and_then(Node::scalar_text) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    let mut entries: Vec<(crate::node::Key, Node)> = Vec::new();
    for node in chain.iter().rev() {
        for (k, v) in node.entries() {
            entries.retain(|(e, _)| e.name != k.name);
            entries.push((k.clone(), v.clone()));
        }
    }
    Ok(chain[0].with_kind(Kind::Map(entries)))
}

struct StageBuilder<'a> {
    ctx: &'a LoadContext,
    name: &'a str,
    cfg: &'a Node,
    location: Location,
    project: &'a mut Project,
    diagnostics: &'a mut Vec<Diagnostic>,
    code_dir: &'a str,
    default_project: &'a str,
}

impl<'a> StageBuilder<'a> {
    fn get(&self, key: &str) -> Option<&'a Node> {
        let cfg: &'a Node = self.cfg;
        cfg.get(key).filter(|n| !matches!(n.kind, Kind::Null))
    }

    fn flag(&self, key: &str, default: bool) -> bool {
        self.get(key).and_then(Node::as_bool).unwrap_or(default)
    }

    fn at(&self, key: &str) -> Location {
        self.get(key)
            .map(Node::location)
            .unwrap_or_else(|| self.location.clone())
    }

    fn build(&mut self) {
        let project_name = self
            .get("project_name")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| self.default_project.to_string());
        let lambda_name = slugify(&format!("{project_name}-{}", self.name));
        let mut f = Function::new(self.name, self.location.clone());
        f.name = Some(Val::Known(lambda_name.clone()));
        f.runtime = Some(match self.get("runtime") {
            Some(r) => Setting::new(r.to_val_string(), r.location()),
            None => Setting::new(
                Val::unknown("the Python version that runs `zappa deploy`"),
                self.location.clone(),
            ),
        });
        f.runtime_family = Some("python".to_string());
        f.is_image = self.get("docker_image").is_some();
        f.code_path = Some(self.code_dir.to_string());
        match self.get("lambda_handler") {
            Some(h) => f.handler = Some(Setting::new(h.to_val_string(), h.location())),
            None => {
                f.handler = Some(Setting::new(
                    Val::Known(DEFAULT_HANDLER.to_string()),
                    self.location.clone(),
                ));
                f.handler_generated_by = Some("Zappa".to_string());
            }
        }
        let int = |key: &str, default: Option<i64>| match self.get(key) {
            Some(n) => Some(Setting::new(n.to_val_i64(), n.location())),
            None => default.map(|d| Setting::new(Val::Known(d), self.location.clone())),
        };
        f.memory_mb = int("memory_size", Some(DEFAULT_MEMORY_MB));
        f.timeout_s = int("timeout_seconds", Some(DEFAULT_TIMEOUT_S));
        f.reserved_concurrency = int("lambda_concurrency", None);
        f.environment = self.environment();
        f.kms_key = self
            .get("aws_kms_key_arn")
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.layers = self
            .get("layers")
            .map(|l| {
                l.items()
                    .iter()
                    .map(|n| Setting::new(n.to_val_string(), n.location()))
                    .collect()
            })
            .unwrap_or_default();
        f.in_vpc = self
            .get("vpc_config")
            .and_then(|v| v.get("SubnetIds"))
            .is_some_and(|s| !s.items().is_empty());
        f.tracing = Some(match self.get("xray_tracing") {
            Some(n) => Setting::new(
                Val::Known(
                    if n.as_bool() == Some(true) {
                        "Active"
                    } else {
                        "PassThrough"
                    }
                    .to_string(),
                ),
                n.location(),
            ),
            None => Setting::new(Val::Known("PassThrough".to_string()), self.location.clone()),
        });
        f.dead_letter = self
            .get("dead_letter_arn")
            .filter(|n| n.str() != Some(""))
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.architecture = self
            .get("architecture")
            .map(|n| Setting::new(n.to_val_string(), n.location()))
            .map(Box::new);
        f.web_app = self.web_app().map(Box::new);
        if f.handler_generated_by.is_some() {
            f.dispatched = self.dispatched();
        }
        f.url = self.function_url().map(Box::new);
        f.role = self.role(&lambda_name);
        f.triggers = self.triggers(&lambda_name, f.web_app.is_some());
        self.project.functions.push(f);
    }

    /// `environment_variables` (set in `os.environ` by Zappa's handler) and
    /// `aws_environment_variables` (the function's own environment): both reach the code.
    fn environment(&self) -> Vec<EnvVar> {
        let mut out: Vec<EnvVar> = Vec::new();
        for key in ["environment_variables", "aws_environment_variables"] {
            for (k, v) in self.get(key).map(Node::entries).unwrap_or_default() {
                out.retain(|e| e.name != k.name);
                out.push(EnvVar {
                    name: k.name.clone(),
                    value: v.to_val_string(),
                    refs: Vec::new(),
                    location: Location::new(&v.file, k.line, k.column.max(1)),
                });
            }
        }
        out
    }

    fn web_app(&self) -> Option<WebApp> {
        if let Some(app) = self.get("app_function") {
            let text = app.scalar_text()?;
            let (module, object) = text.rsplit_once('.').unwrap_or((text.as_str(), "app"));
            return Some(WebApp {
                adapter: "Zappa".to_string(),
                module: module.to_string(),
                object: object.to_string(),
                location: app.location(),
            });
        }
        let django = self.get("django_settings")?;
        Some(WebApp {
            adapter: "Zappa (Django)".to_string(),
            module: django.scalar_text()?,
            object: String::new(),
            location: django.location(),
        })
    }

    /// The user's functions Zappa's handler calls with events, and the authorizer function.
    fn dispatched(&self) -> Vec<Setting<String>> {
        let mut out: Vec<Setting<String>> = Vec::new();
        for ev in self.get("events").map(Node::items).unwrap_or_default() {
            if let Some(f) = ev.get("function") {
                if !out.iter().any(|o| o.value == f.to_val_string()) {
                    out.push(Setting::new(f.to_val_string(), f.location()));
                }
            }
        }
        if let Some(f) = self.get("authorizer").and_then(|a| a.get("function")) {
            out.push(Setting::new(f.to_val_string(), f.location()));
        }
        out
    }

    /// `function_url_enabled` with Zappa's default configuration: no auth, CORS for any origin.
    fn function_url(&self) -> Option<FunctionUrl> {
        let enabled = self.get("function_url_enabled")?;
        if enabled.as_bool() != Some(true) {
            return None;
        }
        let config = self.get("function_url_config");
        let auth = config.and_then(|c| c.get("authorizer"));
        let cors = config.and_then(|c| c.get("cors"));
        let origins = cors.and_then(|c| c.get("allowedOrigins"));
        Some(FunctionUrl {
            auth_type: match auth {
                Some(a) => Setting::new(a.to_val_string(), a.location()),
                None => Setting::new(Val::Known("NONE".to_string()), enabled.location()),
            },
            cors: Some(Cors {
                allow_origins: match origins {
                    Some(o) => o.items().iter().map(Node::to_val_string).collect(),
                    None => vec![Val::Known("*".to_string())],
                },
                allow_credentials: cors
                    .and_then(|c| c.get("allowCredentials"))
                    .map(Node::to_val_bool),
                location: cors
                    .map(Node::location)
                    .unwrap_or_else(|| enabled.location()),
            }),
            location: enabled.location(),
        })
    }

    /// `role_arn`; a named role that Zappa does not manage; or the role Zappa creates with its
    /// default policy (or `attach_policy`) and `extra_permissions`.
    fn role(&mut self, lambda_name: &str) -> RoleRef {
        if let Some(arn) = self.get("role_arn") {
            return RoleRef::External {
                arn: arn.to_val_string(),
                location: arn.location(),
            };
        }
        let role_name = self
            .get("role_name")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| format!("{lambda_name}-ZappaLambdaExecutionRole"));
        if !self.flag("manage_roles", true) {
            return RoleRef::External {
                arn: Val::Known(role_name),
                location: self.at("role_name"),
            };
        }
        // Stages that name the same role share it: Zappa puts its policy on that one role.
        let id = match self.get("role_name").and_then(Node::scalar_text) {
            Some(name) => format!("ZappaRole:{name}"),
            None => format!("{}ZappaRole", self.name),
        };
        // The default policy is changed in the stage (`attach_policy`, `role_arn`).
        let location = self
            .get("attach_policy")
            .or_else(|| self.get("role_name"))
            .map(Node::location)
            .unwrap_or_else(|| self.location.clone());
        let mut role = Role::new(id.clone(), location.clone());
        role.name = Some(Val::Known(role_name));
        role.generated = true;
        role.trust_policy = Some(self.document(ASSUME_POLICY, "assume_policy", &location));
        role.fix_hint = Some(match self.get("attach_policy") {
            Some(_) => "Zappa attaches the attach_policy file (plus extra_permissions) to this role.".to_string(),
            None => "This is Zappa's default policy (s3, sqs, sns, dynamodb, kinesis, route53 and logs on every resource): give the stage a scoped policy with \"attach_policy\" (a JSON file), or a role of your own with \"role_arn\".".to_string(),
        });
        let mut attach = match self.get("attach_policy").and_then(Node::scalar_text) {
            Some(file) => {
                let path = self.ctx.dir().join(&file);
                let rel = crate::relative(&self.ctx.root, &path);
                match crate::read_text(&path, &rel, self.ctx.options.max_bytes()) {
                    Ok(text) => {
                        let (doc, diags) = settings::json(&text, &rel, "Zappa");
                        self.diagnostics.extend(diags);
                        doc.map(|d| policy_document(&d)).unwrap_or_default()
                    }
                    Err(d) => {
                        self.diagnostics.push(d);
                        let mut doc = PolicyDocument {
                            statements: Vec::new(),
                            location: self.at("attach_policy"),
                            ..Default::default()
                        };
                        role.managed_policies.push(Setting::new(
                            Val::unknown(format!("attach_policy {rel}, which cannot be read")),
                            self.at("attach_policy"),
                        ));
                        doc.location = self.at("attach_policy");
                        doc
                    }
                }
            }
            None => self.document(
                ATTACH_POLICY,
                "the default zappa-permissions policy",
                &location,
            ),
        };
        if let Some(extra) = self.get("extra_permissions") {
            attach.statements.extend(statements(extra));
        }
        role.inline_policies.push(attach);
        if !self.project.roles.iter().any(|r| r.id == id) {
            self.project.roles.push(role);
        }
        RoleRef::Declared { id, location }
    }

    /// One of Zappa's bundled policy documents, placed at `location` (the settings line that
    /// decides it) so that findings point where the user can change it.
    fn document(&mut self, json: &str, what: &str, location: &Location) -> PolicyDocument {
        let parsed = yaml::parse(json, &location.file);
        let Some(root) = parsed.root else {
            self.diagnostics.push(Diagnostic::error(
                &self.ctx.rel,
                None,
                format!("internal: {what} does not parse"),
            ));
            return PolicyDocument::default();
        };
        let mut doc = policy_document(&relocate(&root, location));
        doc.location = location.clone();
        doc
    }

    fn triggers(&mut self, lambda_name: &str, has_app: bool) -> Vec<Trigger> {
        let mut out = Vec::new();
        let apigateway = self.flag("use_apigateway", true) && self.flag("apigateway_enabled", true);
        if apigateway {
            let api_id = format!("{}ZappaApi", self.name);
            let private = self
                .get("endpoint_configuration")
                .is_some_and(|e| e.items().iter().any(|x| x.str() == Some("PRIVATE")));
            let api_location = self
                .get("apigateway_enabled")
                .or_else(|| self.get("use_apigateway"))
                .map(Node::location)
                .unwrap_or_else(|| self.location.clone());
            let cors = self
                .get("cors")
                .filter(|c| c.as_bool() == Some(true))
                .map(|c| Cors {
                    allow_origins: vec![Val::Known("*".to_string())],
                    allow_credentials: None,
                    location: c.location(),
                });
            self.project.apis.push(Api {
                id: api_id.clone(),
                kind: ApiKind::Rest,
                location: api_location.clone(),
                private,
                cors,
                stages: vec![Stage {
                    name: Val::Known(self.name.to_string()),
                    location: api_location.clone(),
                    // Zappa sets execution logging (`cloudwatch_log_level`) but no access log,
                    // and no stage throttling.
                    access_logging: Val::Known(false),
                    throttle: None,
                    waf: false,
                    variables: Vec::new(),
                    // `cloudwatch_data_trace: true` logs full requests and responses.
                    data_trace: self
                        .get("cloudwatch_data_trace")
                        .filter(|d| d.as_bool() == Some(true))
                        .map(Node::location),
                }],
                implicit: true,
                usage_plan_throttle: None,
                two_way_routes: Vec::new(),
            });
            let auth = if self.flag("iam_authorization", false) {
                Auth::Iam
            } else if let Some(a) = self.get("authorizer") {
                match a.get("type").and_then(Node::scalar_text).as_deref() {
                    Some("COGNITO_USER_POOLS") => Auth::Cognito,
                    _ => Auth::Lambda,
                }
            } else {
                Auth::None
            };
            let api_key_required = self.flag("api_key_required", false);
            // Where authorization and limits are set: the stage.
            let at = self
                .get("authorizer")
                .or_else(|| self.get("iam_authorization"))
                .map(Node::location)
                .unwrap_or_else(|| self.location.clone());
            let methods: Vec<String> = self
                .get("http_methods")
                .map(|m| m.items().iter().filter_map(Node::scalar_text).collect())
                .unwrap_or_else(|| vec!["ANY".to_string()]);
            // Zappa maps `/` and `/{proxy+}` to the function: one catch-all entry.
            for path in ["/{proxy+}"] {
                for method in &methods {
                    out.push(Trigger {
                        kind: TriggerKind::Api {
                            api: api_id.clone(),
                            method: method.to_uppercase(),
                            path: path.to_string(),
                            auth: auth.clone(),
                            validated: Some(false),
                            api_key_required,
                        },
                        location: at.clone(),
                    });
                }
            }
            if !has_app {
                self.diagnostics.push(Diagnostic::warning(
                    &self.ctx.rel,
                    Some(self.location.line),
                    format!(
                        "stage `{}` has API Gateway on (the default) but no app_function or django_settings; set \"apigateway_enabled\": false if it only runs events",
                        self.name
                    ),
                ));
            }
        }
        if let Some(alb) = self
            .get("alb_enabled")
            .filter(|a| a.as_bool() == Some(true))
        {
            let id = format!("{}ZappaAlb", self.name);
            self.project.apis.push(Api {
                id: id.clone(),
                kind: ApiKind::Alb,
                location: alb.location(),
                private: false,
                cors: None,
                stages: Vec::new(),
                implicit: true,
                usage_plan_throttle: None,
                two_way_routes: Vec::new(),
            });
            out.push(Trigger {
                kind: TriggerKind::Alb {
                    api: id,
                    auth: Auth::None,
                },
                location: alb.location(),
            });
        }
        for ev in self.get("events").map(Node::items).unwrap_or_default() {
            let location = ev.location();
            for expr in ev
                .get("expression")
                .into_iter()
                .chain(ev.get("expressions").map(Node::items).unwrap_or_default())
            {
                out.push(Trigger {
                    kind: TriggerKind::Schedule {
                        expression: expr.to_val_string(),
                    },
                    location: expr.location(),
                });
            }
            if let Some(source) = ev.get("event_source") {
                if let Some(kind) = event_source(source) {
                    out.push(Trigger { kind, location });
                }
            }
        }
        if self.flag("keep_warm", true) {
            let expr = self
                .get("keep_warm_expression")
                .map(Node::to_val_string)
                .unwrap_or_else(|| Val::Known(KEEP_WARM_RATE.to_string()));
            out.push(Trigger {
                kind: TriggerKind::Schedule { expression: expr },
                location: self.at("keep_warm"),
            });
        }
        let _ = lambda_name;
        out
    }
}

/// `{"arn": "arn:aws:s3:::bucket", "events": [...], "key_filters": [...]}` by the service in
/// the ARN.
fn event_source(source: &Node) -> Option<TriggerKind> {
    let arn = source.get("arn")?;
    let text = arn.scalar_text().unwrap_or_default();
    let service = text.split(':').nth(2).unwrap_or("");
    Some(match service {
        "s3" => {
            let bucket = text.rsplit(":::").next().unwrap_or(&text).to_string();
            let mut prefix = None;
            let mut suffix = None;
            for f in source
                .get("key_filters")
                .map(Node::items)
                .unwrap_or_default()
            {
                let value = f.get("value").and_then(Node::scalar_text);
                match f.get("type").and_then(Node::str) {
                    Some("prefix") => prefix = value,
                    Some("suffix") => suffix = value,
                    _ => {}
                }
            }
            TriggerKind::S3 {
                bucket: Val::Known(bucket),
                events: source
                    .get("events")
                    .map(|e| e.items().iter().filter_map(Node::scalar_text).collect())
                    .unwrap_or_default(),
                prefix,
                suffix,
            }
        }
        "sns" => TriggerKind::Sns {
            topic: arn.to_val_string(),
        },
        "sqs" => TriggerKind::Sqs {
            queue: arn.to_val_string(),
            partial_batch_response: false,
        },
        "dynamodb" | "kinesis" => TriggerKind::Stream {
            source: arn.to_val_string(),
            service: service.to_string(),
            partial_batch_response: false,
            on_failure: false,
        },
        _ => TriggerKind::Other {
            source: if text.is_empty() {
                "event source".to_string()
            } else {
                text
            },
            schema_registry: false,
        },
    })
}

/// Places a bundled document's nodes at `location`.
fn relocate(n: &Node, location: &Location) -> Node {
    let mut out = n.clone();
    out.file = std::sync::Arc::from(location.file.as_str());
    out.line = location.line;
    out.column = location.column;
    out.kind = match &n.kind {
        Kind::Seq(items) => Kind::Seq(items.iter().map(|i| relocate(i, location)).collect()),
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let mut k = k.clone();
                    k.line = location.line;
                    k.column = location.column;
                    (k, relocate(v, location))
                })
                .collect(),
        ),
        other => other.clone(),
    };
    out
}

/// python-slugify as Zappa uses it: lower case, runs of other characters become one `-`.
fn slugify(s: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load_str, DescriptorKind, LoadOptions};

    #[test]
    fn stages_extend_and_default() {
        let text = r#"{
  "base": {"project_name": "Shop API", "app_function": "api.app", "runtime": "python3.12",
           "aws_environment_variables": {"MODE": "base"}},
  "prod": {"extends": "base", "memory_size": 1024, "keep_warm": false,
           "events": [{"function": "jobs.nightly", "expression": "cron(0 1 * * ? *)"},
                      {"function": "jobs.on_upload", "event_source": {"arn": "arn:aws:s3:::uploads", "events": ["s3:ObjectCreated:*"]}}]}
}"#;
        let loaded = load_str(
            DescriptorKind::Zappa,
            "zappa_settings.json",
            text,
            &LoadOptions::default(),
        );
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let p = loaded.project.unwrap();
        let prod = p.function("prod").unwrap();
        assert_eq!(
            prod.name.as_ref().and_then(Val::as_str),
            Some("shop-api-prod")
        );
        assert_eq!(prod.memory_mb.as_ref().unwrap().value, Val::Known(1024));
        assert_eq!(prod.timeout_s.as_ref().unwrap().value, Val::Known(30));
        assert_eq!(prod.web_app.as_ref().unwrap().module, "api");
        assert_eq!(prod.dispatched.len(), 2);
        let kinds: Vec<&str> = prod.triggers.iter().map(|t| t.kind.label()).collect();
        assert_eq!(kinds, ["api", "schedule", "s3"]);
        // base keeps Zappa's default keep-warm schedule.
        let base = p.function("base").unwrap();
        assert_eq!(
            base.triggers
                .iter()
                .filter(|t| t.kind.label() == "schedule")
                .count(),
            1
        );
        let role = p.role("prodZappaRole").unwrap();
        assert!(role.inline_policies[0]
            .statements
            .iter()
            .any(|s| s.actions.iter().any(|a| a.as_str() == Some("dynamodb:*"))));
    }

    #[test]
    fn stages_naming_one_role_share_it() {
        let text = r#"{"a": {"role_name": "shared"}, "b": {"role_name": "shared"}}"#;
        let loaded = load_str(
            DescriptorKind::Zappa,
            "zappa_settings.json",
            text,
            &LoadOptions::default(),
        );
        let p = loaded.project.unwrap();
        assert_eq!(p.roles.len(), 1);
        assert_eq!(
            p.function("a").unwrap().role.declared_id(),
            p.function("b").unwrap().role.declared_id()
        );
    }

    #[test]
    fn circular_extends_is_an_error_not_a_hang() {
        let text = r#"{"a": {"extends": "b"}, "b": {"extends": "a"}}"#;
        let loaded = load_str(
            DescriptorKind::Zappa,
            "zappa_settings.json",
            text,
            &LoadOptions::default(),
        );
        assert_eq!(loaded.diagnostics.len(), 2);
        assert!(loaded.diagnostics[0].message.contains("circular"));
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("My_Project  X"), "my-project-x");
    }
}
