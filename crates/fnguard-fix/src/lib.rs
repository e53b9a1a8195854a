//! Turning the fixes rules offer ([`fnguard_model::Fix`]) into edits of the user's descriptors.
//!
//! A fix says what to change in the model's terms (turn on tracing for function `Fn`); this
//! crate knows how each descriptor spells it (serverless `functions.Fn.tracing`, SAM
//! `Properties.Tracing`, CloudFormation `Properties.TracingConfig.Mode`) and edits YAML through
//! `yamlpatch` and JSON through a span-keeping splice, so the rest of the file stays byte for
//! byte. Every edit is checked: the document must still parse, or the fix is refused.
//!
//! No I/O here: callers read the files and write the results (atomically).

mod hcl;
mod ignore;
mod json;
mod text;
mod yaml;

pub use ignore::{add_ignores, CommentStyle, IgnoreMark};

use fnguard_model::Change;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum FixError {
    #[error("the file does not parse: {0}")]
    Syntax(String),
    #[error("not found in the file: {0}")]
    NotFound(String),
    #[error("the edit failed: {0}")]
    Edit(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the edited file would not parse ({0}); left unchanged")]
    Broken(String),
}

/// How a descriptor is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
    /// Terraform (`.tf`).
    Hcl,
}

impl Syntax {
    /// By extension; `.template` files (CloudFormation's old convention) by their first byte.
    pub fn of(path: &str, text: &str) -> Option<Syntax> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            Some(Syntax::Yaml)
        } else if lower.ends_with(".json") {
            Some(Syntax::Json)
        } else if lower.ends_with(".tf") {
            Some(Syntax::Hcl)
        } else if lower.ends_with(".template") {
            Some(if text.trim_start().starts_with('{') {
                Syntax::Json
            } else {
                Syntax::Yaml
            })
        } else {
            None
        }
    }
}

/// What kind of descriptor a document is, which decides how a setting is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// CloudFormation or SAM: `Resources`.
    Template,
    /// serverless.yml: `functions`.
    Serverless,
    /// A file of serverless functions included with `${file(...)}`: function keys at the top.
    ServerlessFunctions,
}

/// The outcome of fixing one file.
#[derive(Debug)]
pub struct FileOutcome {
    pub text: String,
    /// Indexes (into the changes given) of the fixes applied.
    pub applied: Vec<usize>,
    /// Fixes that could not be applied, with why.
    pub refused: Vec<(usize, FixError)>,
}

/// Applies `changes` to `text` in order; a change that cannot be made (or would break the
/// document) is refused and the others still apply.
pub fn apply(text: &str, syntax: Syntax, changes: &[&Change]) -> FileOutcome {
    let mut out = FileOutcome {
        text: text.to_string(),
        applied: Vec::new(),
        refused: Vec::new(),
    };
    // Changes written at a line go first: they keep every line where it is, and the others
    // add lines.
    let mut order: Vec<usize> = (0..changes.len()).collect();
    // Then the statements found by line, bottom up: each may shorten its own statement, which
    // moves only the lines below it.
    order.sort_by_key(|&i| match changes[i] {
        Change::Runtime { .. } | Change::UrlAuthIam { .. } => (0, 0),
        Change::NarrowActions { line, .. } | Change::NarrowResources { line, .. } => {
            (1, u32::MAX - line)
        }
        _ => (2, 0),
    });
    for i in order {
        let change = changes[i];
        match apply_one(&out.text, syntax, change) {
            Ok(next) => {
                out.text = next;
                out.applied.push(i);
            }
            Err(e) => out.refused.push((i, e)),
        }
    }
    out
}

fn apply_one(text: &str, syntax: Syntax, change: &Change) -> Result<String, FixError> {
    if syntax == Syntax::Hcl {
        return terraform(text, change);
    }
    let value = parse_value(text, syntax)?;
    let mut editor = Editor {
        text: text.to_string(),
        syntax,
        ops: Vec::new(),
    };
    edit(&mut editor, dialect(&value, change), &value, change)?;
    // The edited document must read back as the original with exactly the intended change:
    // a splice that went wrong (an indentation, a quote) is refused, never written.
    let edited = parse_value(&editor.text, syntax).map_err(|e| FixError::Broken(e.to_string()))?;
    let mut expected = value;
    let mut swaps = Vec::new();
    for op in &editor.ops {
        match op {
            Op::Set { route, key, value } => json_set(&mut expected, route, key, value.clone()),
            Op::Remove { route, key } => {
                if let Some(serde_json::Value::Object(m)) = json_at(&mut expected, route) {
                    m.shift_remove(key);
                }
            }
            Op::Swap { from, to } => swaps.push((from.clone(), to.clone())),
        }
    }
    if !equal_modulo(&expected, &edited, &swaps) {
        return Err(FixError::Broken(
            "it does not read back as the intended change".to_string(),
        ));
    }
    Ok(editor.text)
}

/// What an edit meant, to check the edited document against.
enum Op {
    Set {
        route: Vec<String>,
        key: String,
        value: serde_json::Value,
    },
    Remove {
        route: Vec<String>,
        key: String,
    },
    /// A scalar written `from` now reads `to`.
    Swap {
        from: String,
        to: String,
    },
}

struct Editor {
    text: String,
    syntax: Syntax,
    ops: Vec<Op>,
}

impl Editor {
    fn set(&mut self, route: &[&str], key: &str, value: serde_json::Value) -> Result<(), FixError> {
        self.text = match self.syntax {
            Syntax::Yaml => yaml::set(&self.text, route, key, &value)?,
            Syntax::Json => json::set(&self.text, route, key, &value)?,
            Syntax::Hcl => return Err(FixError::Unsupported("not a YAML or JSON document".into())),
        };
        self.ops.push(Op::Set {
            route: route.iter().map(|s| s.to_string()).collect(),
            key: key.to_string(),
            value,
        });
        Ok(())
    }

    fn remove(&mut self, route: &[&str], key: &str) -> Result<(), FixError> {
        self.text = match self.syntax {
            Syntax::Yaml => {
                let mut full = route.to_vec();
                full.push(key);
                yaml::remove(&self.text, &full)?
            }
            Syntax::Json => json::remove(&self.text, route, key)?,
            Syntax::Hcl => return Err(FixError::Unsupported("not a YAML or JSON document".into())),
        };
        self.ops.push(Op::Remove {
            route: route.iter().map(|s| s.to_string()).collect(),
            key: key.to_string(),
        });
        Ok(())
    }

    fn replace_on_line(&mut self, line: u32, from: &str, to: &str) -> Result<(), FixError> {
        self.text = replace_on_line(&self.text, line, from, to)?;
        self.ops.push(Op::Swap {
            from: from.to_string(),
            to: to.to_string(),
        });
        Ok(())
    }
}

/// `[3]` in a route: the fourth item of a sequence (keys are anything else).
pub(crate) fn index_of(segment: &str) -> Option<usize> {
    segment.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

fn json_at<'a>(
    v: &'a mut serde_json::Value,
    route: &[String],
) -> Option<&'a mut serde_json::Value> {
    route.iter().try_fold(v, |v, k| match (index_of(k), v) {
        (Some(i), serde_json::Value::Array(items)) => items.get_mut(i),
        (_, v) => v.get_mut(k),
    })
}

fn json_set(v: &mut serde_json::Value, route: &[String], key: &str, value: serde_json::Value) {
    if route.iter().any(|k| index_of(k).is_some()) {
        // Into a sequence item: every container on the way exists already.
        if let Some(serde_json::Value::Object(m)) = json_at(v, route) {
            m.insert(key.to_string(), value);
        }
        return;
    }
    let mut node = v;
    for k in route {
        if !node.get(k).is_some_and(serde_json::Value::is_object) {
            if let serde_json::Value::Object(m) = node {
                m.insert(k.clone(), serde_json::json!({}));
            } else {
                return;
            }
        }
        let Some(next) = node.get_mut(k) else { return };
        node = next;
    }
    if let serde_json::Value::Object(m) = node {
        m.insert(key.to_string(), value);
    }
}

/// Equal, except that a string `from` of `swaps` may read `to`; key order is not compared.
fn equal_modulo(a: &serde_json::Value, b: &serde_json::Value, swaps: &[(String, String)]) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal_modulo(v, w, swaps)))
        }
        (V::Array(x), V::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| equal_modulo(v, w, swaps))
        }
        (V::String(x), V::String(y)) => {
            x == y || swaps.iter().any(|(from, to)| from == x && to == y)
        }
        _ => a == b,
    }
}

/// `aws_lambda_function.api` → (`aws_lambda_function`, `api`); module addresses are refused
/// (the block is in the module's own files).
fn terraform_address<'a>(address: &'a str, kind: &str) -> Result<[&'a str; 2], FixError> {
    match address.split('.').collect::<Vec<_>>().as_slice() {
        [ty, name] if *ty == kind => Ok([*ty, *name]),
        _ => Err(FixError::Unsupported(format!(
            "`{address}` is not a `{kind}` of this file (a module's?); edit it by hand"
        ))),
    }
}

fn terraform(text: &str, change: &Change) -> Result<String, FixError> {
    const RESOURCE: &[&str] = &["resource"];
    // Each edit is checked by reading the edited attribute back from the re-parsed file.
    let expect =
        |edited: String, path: &[&str], labels: &[&str], attr: &str, want: Option<&str>| {
            let got = hcl::attribute_text(&edited, path, labels, attr);
            if got.as_deref() == want {
                Ok(edited)
            } else {
                Err(FixError::Broken(format!(
                    "`{attr}` reads back as {got:?}, not {want:?}"
                )))
            }
        };
    match change {
        Change::Runtime { line, from, to, .. } => {
            let edited = replace_on_line(text, *line, from, to)?;
            hcl_parses(edited)
        }
        Change::UrlAuthIam { line, .. } => {
            hcl_parses(replace_on_line(text, *line, "NONE", "AWS_IAM")?)
        }
        Change::Tracing { function } => {
            let labels = terraform_address(function, "aws_lambda_function")?;
            let edited = hcl::set_nested(
                text,
                RESOURCE,
                &labels,
                "tracing_config",
                "mode",
                "\"Active\"",
            )?;
            expect(
                edited,
                &["resource", "tracing_config"],
                &labels,
                "mode",
                Some("\"Active\""),
            )
        }
        Change::ReservedConcurrency { function, limit } => {
            let labels = terraform_address(function, "aws_lambda_function")?;
            let value = limit.to_string();
            let edited = hcl::set_attribute(
                text,
                RESOURCE,
                &labels,
                "reserved_concurrent_executions",
                &value,
            )?;
            expect(
                edited,
                RESOURCE,
                &labels,
                "reserved_concurrent_executions",
                Some(&value),
            )
        }
        Change::NoEcho {
            parameter,
            remove_default,
        } => {
            let labels = [parameter.as_str()];
            let mut edited = hcl::set_attribute(text, &["variable"], &labels, "sensitive", "true")?;
            edited = expect(edited, &["variable"], &labels, "sensitive", Some("true"))?;
            if *remove_default {
                edited = hcl::remove_attribute(&edited, &["variable"], &labels, "default")?;
                edited = expect(edited, &["variable"], &labels, "default", None)?;
            }
            Ok(edited)
        }
        Change::LogRetention { function, days } => {
            let [_, name] = terraform_address(function, "aws_lambda_function")?;
            let id = std::iter::once(name.to_string())
                .chain((2..100).map(|n| format!("{name}_{n}")))
                .find(|id| !hcl::has_block(text, "resource", &["aws_cloudwatch_log_group", id]))
                .ok_or_else(|| FixError::Edit("no free name for the log group".into()))?;
            let block = format!(
                "resource \"aws_cloudwatch_log_group\" \"{id}\" {{\n  name              = \"/aws/lambda/${{aws_lambda_function.{name}.function_name}}\"\n  retention_in_days = {days}\n}}\n"
            );
            let edited = hcl::append(text, &block);
            expect(
                edited,
                RESOURCE,
                &["aws_cloudwatch_log_group", &id],
                "retention_in_days",
                Some(&days.to_string()),
            )
        }
        _ => Err(FixError::Unsupported(
            "this fix is not written for Terraform yet; edit the .tf file by hand".into(),
        )),
    }
}

fn hcl_parses(edited: String) -> Result<String, FixError> {
    hcl_edit::parser::parse_body(&edited).map_err(|e| FixError::Broken(e.to_string()))?;
    Ok(edited)
}

fn parse_value(text: &str, syntax: Syntax) -> Result<serde_json::Value, FixError> {
    match syntax {
        Syntax::Hcl => Err(FixError::Unsupported("not a YAML or JSON document".into())),
        Syntax::Json => serde_json::from_str(text).map_err(|e| FixError::Syntax(e.to_string())),
        Syntax::Yaml => {
            let v: yaml_serde::Value =
                yaml_serde::from_str(text).map_err(|e| FixError::Syntax(e.to_string()))?;
            serde_json::to_value(&v).map_err(|e| FixError::Syntax(e.to_string()))
        }
    }
}

fn dialect(value: &serde_json::Value, change: &Change) -> Dialect {
    if value.get("Resources").is_some() {
        Dialect::Template
    } else if value.get("functions").is_some() || value.get("provider").is_some() {
        Dialect::Serverless
    } else if change.function().is_some_and(|f| value.get(f).is_some()) {
        Dialect::ServerlessFunctions
    } else {
        Dialect::Template
    }
}

fn edit(
    ed: &mut Editor,
    dialect: Dialect,
    value: &serde_json::Value,
    change: &Change,
) -> Result<(), FixError> {
    match (dialect, change) {
        (_, Change::Runtime { line, from, to, .. }) => ed.replace_on_line(*line, from, to),
        (
            _,
            Change::NarrowActions {
                line, drop, add, ..
            },
        ) => narrow_actions(ed, value, *line, drop, add),
        (
            _,
            Change::NarrowResources {
                line, resources, ..
            },
        ) => narrow_resources(ed, value, *line, resources),
        (Dialect::Template, Change::UrlAuthIam { line, .. }) => {
            ed.replace_on_line(*line, "NONE", "AWS_IAM")
        }
        (Dialect::Template, Change::Tracing { function }) => {
            if resource_type(value, function)? == SAM_FUNCTION {
                ed.set(
                    &["Resources", function, "Properties"],
                    "Tracing",
                    "Active".into(),
                )
            } else {
                ed.set(
                    &["Resources", function, "Properties", "TracingConfig"],
                    "Mode",
                    "Active".into(),
                )
            }
        }
        (Dialect::Template, Change::ReservedConcurrency { function, limit }) => {
            resource_type(value, function)?;
            ed.set(
                &["Resources", function, "Properties"],
                "ReservedConcurrentExecutions",
                (*limit).into(),
            )
        }
        (Dialect::Template, Change::LogRetention { function, days }) => {
            resource_type(value, function)?;
            let resources = value.get("Resources");
            let id = std::iter::once(format!("{function}LogGroup"))
                .chain((2..100).map(|n| format!("{function}LogGroup{n}")))
                .find(|id| resources.and_then(|r| r.get(id)).is_none())
                .ok_or_else(|| FixError::Edit("no free logical id for the log group".into()))?;
            ed.set(
                &["Resources"],
                &id,
                serde_json::json!({
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {
                        "LogGroupName": { "Fn::Sub": format!("/aws/lambda/${{{function}}}") },
                        "RetentionInDays": days,
                    }
                }),
            )
        }
        (Dialect::Template, Change::QueueRedrive { queue }) => {
            let ty = value
                .pointer(&format!("/Resources/{}/Type", pointer_escape(queue)))
                .and_then(serde_json::Value::as_str);
            if ty != Some("AWS::SQS::Queue") {
                return Err(FixError::NotFound(format!("queue resource `{queue}`")));
            }
            let fifo = value
                .pointer(&format!(
                    "/Resources/{}/Properties/FifoQueue",
                    pointer_escape(queue)
                ))
                .is_some_and(|v| v == &serde_json::json!(true) || v == "true");
            let dlq = add_dead_letter_queue(ed, value, queue, fifo)?;
            ed.set(
                &["Resources", queue, "Properties"],
                "RedrivePolicy",
                serde_json::json!({
                    "deadLetterTargetArn": { "Fn::GetAtt": [dlq, "Arn"] },
                    "maxReceiveCount": 5,
                }),
            )
        }
        (Dialect::Template, Change::FunctionDeadLetter { function }) => {
            let ty = resource_type(value, function)?;
            let dlq = add_dead_letter_queue(ed, value, function, false)?;
            let arn = serde_json::json!({ "Fn::GetAtt": [dlq, "Arn"] });
            if ty == SAM_FUNCTION {
                ed.set(
                    &["Resources", function, "Properties"],
                    "DeadLetterQueue",
                    serde_json::json!({ "Type": "SQS", "TargetArn": arn }),
                )
            } else {
                ed.set(
                    &["Resources", function, "Properties"],
                    "DeadLetterConfig",
                    serde_json::json!({ "TargetArn": arn }),
                )
            }
        }
        (
            Dialect::Template,
            Change::NoEcho {
                parameter,
                remove_default,
            },
        ) => {
            if value
                .get("Parameters")
                .and_then(|p| p.get(parameter))
                .is_none()
            {
                return Err(FixError::NotFound(format!("parameter `{parameter}`")));
            }
            let route = ["Parameters", parameter.as_str()];
            ed.set(&route, "NoEcho", true.into())?;
            if *remove_default {
                ed.remove(&route, "Default")?;
            }
            Ok(())
        }
        (Dialect::Serverless | Dialect::ServerlessFunctions, change) => {
            serverless(ed, dialect, value, change)
        }
    }
}

/// Routes (with `[n]` for sequence items) of every mapping with an `Effect`: the policy
/// statements of the document, wherever they are (roles, SAM policies, serverless
/// `iam.role.statements`).
fn statement_routes(value: &serde_json::Value) -> Vec<Vec<String>> {
    fn walk(v: &serde_json::Value, route: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if route.len() > 64 {
            return;
        }
        match v {
            serde_json::Value::Object(m) => {
                if m.contains_key("Effect") {
                    out.push(route.clone());
                }
                for (k, child) in m {
                    route.push(k.clone());
                    walk(child, route, out);
                    route.pop();
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    route.push(format!("[{i}]"));
                    walk(child, route, out);
                    route.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// The innermost policy statement whose lines hold `line`: its route and its value.
fn statement_at<'v>(
    ed: &Editor,
    value: &'v serde_json::Value,
    line: u32,
) -> Result<(Vec<String>, &'v serde_json::Value), FixError> {
    let line = line as usize;
    let routes = statement_routes(value);
    let keys: Vec<Vec<&str>> = routes
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let spans = match ed.syntax {
        Syntax::Yaml => yaml::lines_of(&ed.text, &keys),
        Syntax::Json => json::lines_of(&ed.text, &keys),
        Syntax::Hcl => vec![None; keys.len()],
    };
    let mut best: Option<(usize, Vec<String>)> = None;
    for (route, span) in routes.into_iter().zip(spans) {
        if let Some((first, last)) = span.filter(|(a, b)| *a <= line && line <= *b) {
            if best.as_ref().is_none_or(|(size, _)| last - first < *size) {
                best = Some((last - first, route));
            }
        }
    }
    let Some((_, route)) = best else {
        return Err(FixError::NotFound(format!(
            "a policy statement at line {line}"
        )));
    };
    let statement = route
        .iter()
        .try_fold(value, |v, k| match (index_of(k), v) {
            (Some(i), serde_json::Value::Array(items)) => items.get(i),
            (_, v) => v.get(k),
        })
        .ok_or_else(|| FixError::NotFound(route.join("/")))?;
    Ok((route, statement))
}

fn narrow_resources(
    ed: &mut Editor,
    value: &serde_json::Value,
    line: u32,
    resources: &[String],
) -> Result<(), FixError> {
    if let Some(p) = resources.iter().find(|r| r.starts_with('<')) {
        return Err(FixError::Unsupported(format!(
            "{p} could not be resolved offline; write the ARN it stands for by hand"
        )));
    }
    let (route, statement) = statement_at(ed, value, line)?;
    let any = match statement.get("Resource") {
        Some(serde_json::Value::String(r)) => r == "*",
        Some(serde_json::Value::Array(items)) => items.iter().any(|r| r == "*"),
        _ => false,
    };
    if !any {
        return Err(FixError::NotFound(format!(
            "`Resource: \"*\"` in the statement at line {line}"
        )));
    }
    let keys: Vec<&str> = route.iter().map(String::as_str).collect();
    ed.set(&keys, "Resource", serde_json::json!(resources))
}

fn narrow_actions(
    ed: &mut Editor,
    value: &serde_json::Value,
    line: u32,
    drop: &[String],
    add: &[String],
) -> Result<(), FixError> {
    let (route, statement) = statement_at(ed, value, line)?;
    let current: Vec<String> = match statement.get("Action") {
        Some(serde_json::Value::String(a)) => vec![a.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|a| a.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| FixError::Unsupported("an action is not a plain string".into()))?,
        _ => {
            return Err(FixError::NotFound(format!(
                "`Action` in the statement at line {line}"
            )))
        }
    };
    if !drop.iter().all(|d| current.contains(d)) {
        return Err(FixError::NotFound(format!(
            "{} in the statement at line {line}",
            drop.join(", ")
        )));
    }
    let mut narrowed: Vec<String> = current.into_iter().filter(|a| !drop.contains(a)).collect();
    for a in add {
        if !narrowed.contains(a) {
            narrowed.push(a.clone());
        }
    }
    if narrowed.is_empty() {
        return Err(FixError::Unsupported(
            "the statement would grant nothing; remove it by hand".into(),
        ));
    }
    let keys: Vec<&str> = route.iter().map(String::as_str).collect();
    ed.set(&keys, "Action", serde_json::json!(narrowed))
}

/// A JSON pointer segment (`~` and `/` escaped).
fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Declares `{owner}DeadLetterQueue` (14 days of retention, FIFO when the source is) and
/// returns its logical id.
fn add_dead_letter_queue(
    ed: &mut Editor,
    value: &serde_json::Value,
    owner: &str,
    fifo: bool,
) -> Result<String, FixError> {
    let resources = value.get("Resources");
    let id = std::iter::once(format!("{owner}DeadLetterQueue"))
        .chain((2..100).map(|n| format!("{owner}DeadLetterQueue{n}")))
        .find(|id| resources.and_then(|r| r.get(id)).is_none())
        .ok_or_else(|| FixError::Edit("no free logical id for the dead-letter queue".into()))?;
    let mut properties = serde_json::json!({ "MessageRetentionPeriod": 1_209_600 });
    if fifo {
        properties["FifoQueue"] = serde_json::json!(true);
    }
    ed.set(
        &["Resources"],
        &id,
        serde_json::json!({ "Type": "AWS::SQS::Queue", "Properties": properties }),
    )?;
    Ok(id)
}

const SAM_FUNCTION: &str = "AWS::Serverless::Function";

/// The type of the function resource `id`, which must be a Lambda or SAM function.
fn resource_type<'a>(value: &'a serde_json::Value, id: &str) -> Result<&'a str, FixError> {
    let ty = value
        .get("Resources")
        .and_then(|r| r.get(id))
        .and_then(|r| r.get("Type"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| FixError::NotFound(format!("resource `{id}`")))?;
    if ty == SAM_FUNCTION || ty == "AWS::Lambda::Function" {
        Ok(ty)
    } else {
        Err(FixError::NotFound(format!("function resource `{id}`")))
    }
}

fn serverless(
    ed: &mut Editor,
    dialect: Dialect,
    value: &serde_json::Value,
    change: &Change,
) -> Result<(), FixError> {
    let Some(function) = change.function() else {
        return Err(FixError::Unsupported(
            "serverless.yml has no template parameters to change".to_string(),
        ));
    };
    let base: Vec<&str> = match dialect {
        Dialect::ServerlessFunctions => vec![function],
        _ => vec!["functions", function],
    };
    let declared = base
        .iter()
        .try_fold(value, |v, k| v.get(k))
        .filter(|v| v.is_object());
    let Some(declared) = declared else {
        return Err(FixError::NotFound(format!(
            "function `{function}` (declared in another file?)"
        )));
    };
    match change {
        Change::Tracing { .. } => ed.set(&base, "tracing", "Active".into()),
        Change::LogRetention { days, .. } => ed.set(&base, "logRetentionInDays", (*days).into()),
        Change::ReservedConcurrency { limit, .. } => {
            ed.set(&base, "reservedConcurrency", (*limit).into())
        }
        Change::UrlAuthIam { .. } => match declared.get("url") {
            Some(serde_json::Value::Object(_)) => {
                let mut route = base.clone();
                route.push("url");
                ed.set(&route, "authorizer", "aws_iam".into())
            }
            Some(_) => ed.set(&base, "url", serde_json::json!({ "authorizer": "aws_iam" })),
            None => Err(FixError::NotFound(format!(
                "`url` of function `{function}`"
            ))),
        },
        Change::FunctionDeadLetter { .. } | Change::QueueRedrive { .. } => Err(FixError::Unsupported(
            "dead-letter queues in serverless.yml are written by hand (`destinations.onFailure`, or the queue's `RedrivePolicy` under `resources`)".to_string(),
        )),
        Change::Runtime { .. }
        | Change::NoEcho { .. }
        | Change::NarrowActions { .. }
        | Change::NarrowResources { .. } => Err(
            FixError::Unsupported("not a serverless function setting".to_string()),
        ),
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// Replaces the one whole-token occurrence of `from` on the 1-based `line` with `to`.
fn replace_on_line(text: &str, line: u32, from: &str, to: &str) -> Result<String, FixError> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line as usize - 2)
            .map(|(i, _)| i + 1)
            .ok_or_else(|| FixError::NotFound(format!("line {line}")))?
    };
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let here = &text[start..end];
    let bytes = here.as_bytes();
    let hits: Vec<usize> = here
        .match_indices(from)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = i.checked_sub(1).map(|j| bytes[j]);
            let after = bytes.get(i + from.len()).copied();
            !before.is_some_and(is_token_byte) && !after.is_some_and(is_token_byte)
        })
        .collect();
    match hits.as_slice() {
        [i] => {
            let at = start + i;
            Ok(format!("{}{to}{}", &text[..at], &text[at + from.len()..]))
        }
        [] => Err(FixError::NotFound(format!(
            "`{from}` is not written on line {line}"
        ))),
        _ => Err(FixError::NotFound(format!(
            "`{from}` is written more than once on line {line}"
        ))),
    }
}

/// A unified diff of one file, with `a/` and `b/` prefixes so that `git apply` takes it from
/// the repository root.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_a_whole_token_on_the_line() {
        let text = "a: python3.1\nRuntime: python3.12 # python3.12x\n";
        assert_eq!(
            replace_on_line(text, 2, "python3.12", "python3.13").unwrap(),
            "a: python3.1\nRuntime: python3.13 # python3.12x\n"
        );
        assert!(replace_on_line(text, 1, "python3.12", "x").is_err());
        assert!(replace_on_line(text, 9, "python3.12", "x").is_err());
        assert!(replace_on_line("r: [a, a]\n", 1, "a", "b").is_err());
    }

    #[test]
    fn narrows_the_wildcard_of_the_statement_at_the_line() {
        let yaml = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: logs:*\n                Resource: '*'\n              - Effect: Allow   # data\n                Action:\n                  - s3:*\n                  - sqs:SendMessage\n                Resource: arn:aws:s3:::b/*\n";
        let change = Change::NarrowActions {
            role: "Role".into(),
            line: 12,
            drop: vec!["s3:*".into()],
            add: vec!["s3:GetObject".into()],
        };
        let out = apply(yaml, Syntax::Yaml, &[&change]);
        assert_eq!(out.applied, vec![0], "{:?}", out.refused);
        assert_eq!(
            out.text,
            yaml.replace(
                "Action:\n                  - s3:*\n                  - sqs:SendMessage\n",
                "Action: [\"sqs:SendMessage\",\"s3:GetObject\"]\n"
            )
        );
        let json = "{\"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"logs:*\", \"Resource\": \"*\"},\n  {\"Effect\": \"Allow\",\n   \"Action\": [\"s3:*\"], \"Resource\": \"*\"}\n]}\n";
        let change = Change::NarrowActions {
            role: "Role".into(),
            line: 4,
            drop: vec!["s3:*".into()],
            add: vec!["s3:GetObject".into(), "s3:PutObject".into()],
        };
        let out = apply(json, Syntax::Json, &[&change]);
        assert_eq!(out.applied, vec![0], "{:?}", out.refused);
        assert!(out.text.contains("\"Action\": [\n"), "{}", out.text);
        let v: serde_json::Value = serde_json::from_str(&out.text).unwrap();
        assert_eq!(
            v["Statement"][1]["Action"],
            serde_json::json!(["s3:GetObject", "s3:PutObject"])
        );
        assert_eq!(v["Statement"][0]["Action"], "logs:*");
        // Nothing left to grant: refused, the file untouched.
        let empty = Change::NarrowActions {
            role: "Role".into(),
            line: 4,
            drop: vec!["s3:*".into()],
            add: vec![],
        };
        let out = apply(json, Syntax::Json, &[&empty]);
        assert_eq!(out.text, json);
        assert_eq!(out.refused.len(), 1);
    }

    #[test]
    fn a_tagged_value_where_a_mapping_is_expected_is_refused_not_a_crash() {
        // Found by the fuzzer: yamlpath asserts on the kind of a tagged node.
        let text = "service: x\nfunctions:\n  api:\n    handler: h.main\n    url: !rue  # tagged\n";
        let change = Change::UrlAuthIam {
            function: "api".into(),
            line: 5,
        };
        let tracing = Change::Tracing {
            function: "api".into(),
        };
        let out = apply(text, Syntax::Yaml, &[&change, &tracing]);
        assert!(out.refused.iter().all(|(_, e)| !e.to_string().is_empty()));
        let v: serde_json::Value = yaml_serde::from_str::<yaml_serde::Value>(&out.text)
            .map(|v| serde_json::to_value(v).unwrap())
            .unwrap();
        assert_eq!(v["service"], "x");
    }

    #[test]
    fn a_placeholder_resource_refuses_the_narrowing() {
        let text =
            "Statement:\n  - Effect: Allow\n    Action: dynamodb:PutItem\n    Resource: '*'\n";
        let placeholder = Change::NarrowResources {
            role: "R".into(),
            line: 2,
            resources: vec!["<Orders table ARN>".into()],
        };
        let out = apply(text, Syntax::Yaml, &[&placeholder]);
        assert_eq!(out.text, text);
        assert!(out.refused[0].1.to_string().contains("resolved offline"));
        let known = Change::NarrowResources {
            role: "R".into(),
            line: 2,
            resources: vec!["arn:aws:dynamodb:*:*:table/orders".into()],
        };
        let out = apply(text, Syntax::Yaml, &[&known]);
        assert_eq!(
            out.text,
            text.replace("'*'", "[\"arn:aws:dynamodb:*:*:table/orders\"]")
        );
    }

    #[test]
    fn a_refused_change_leaves_the_others() {
        let text = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: nodejs16.x\n";
        let missing = Change::Tracing {
            function: "Other".into(),
        };
        let tracing = Change::Tracing {
            function: "Fn".into(),
        };
        let out = apply(text, Syntax::Yaml, &[&missing, &tracing]);
        assert_eq!(out.applied, vec![1]);
        assert_eq!(out.refused.len(), 1);
        assert!(
            out.text
                .ends_with("      TracingConfig:\n        Mode: Active\n"),
            "{}",
            out.text
        );
    }
}
