//! CloudFormation (and, through [`crate::sam`], SAM and CDK output) to the application model.

pub(crate) mod build;
pub mod eval;
mod include;
mod openapi;

pub(crate) use build::Builder;
use eval::Evaluator;

use crate::node::{Kind, Node};
use crate::{yaml, DescriptorKind, Diagnostic, LoadContext, Loaded};
use fnguard_model::{Project, SourceFormat, TemplateParameter};
use std::collections::{HashMap, HashSet};

pub(crate) fn load(ctx: &LoadContext, text: &str, kind: DescriptorKind) -> Loaded {
    load_parsed(ctx, parse(ctx, text), kind)
}

/// A template's tree, and whether it may include other files.
pub(crate) struct ParsedTemplate {
    yaml: yaml::Parsed,
    includes: bool,
}

/// Parses a template: the text can be dropped before [`load_parsed`] (on a large template it
/// is a tenth of the memory the load needs at its peak).
pub(crate) fn parse(ctx: &LoadContext, text: &str) -> ParsedTemplate {
    ParsedTemplate {
        yaml: yaml::parse(text, &ctx.rel),
        includes: ["AWS::Include", "DefinitionUri", "BodyS3Location"]
            .iter()
            .any(|k| text.contains(k)),
    }
}

pub(crate) fn load_parsed(
    ctx: &LoadContext,
    parsed: ParsedTemplate,
    kind: DescriptorKind,
) -> Loaded {
    let ParsedTemplate {
        yaml: parsed,
        includes,
    } = parsed;
    let mut diagnostics = parsed.diagnostics;
    let Some(root) = parsed.root else {
        return Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        };
    };
    // Rebuilding the tree costs a copy; most templates include nothing.
    let mut root = if includes {
        include::expand(ctx, &root, &mut diagnostics)
    } else {
        root
    };
    let Some(resources) = root.get("Resources").filter(|r| r.is_map()) else {
        // Found by content only (a JSON data file that mentions `Resources`): not ours.
        if !conventional_name(&ctx.rel) && root.get("AWSTemplateFormatVersion").is_none() {
            return Loaded {
                project: None,
                diagnostics,
                nested: Vec::new(),
                consumed: Vec::new(),
            };
        }
        diagnostics.push(Diagnostic::error(
            &ctx.rel,
            Some(root.line),
            "not a CloudFormation template: `Resources` is missing or is not a mapping",
        ));
        return Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        };
    };
    let declares_transform = crate::sam::is_sam(&root);
    let sam = declares_transform || crate::sam::uses_sam_resources(resources);
    if sam && !declares_transform {
        diagnostics.push(Diagnostic::warning(
            &ctx.rel,
            Some(root.line),
            "the template uses AWS::Serverless resources but declares no `Transform: AWS::Serverless-2016-10-31`; CloudFormation will reject it (fnguard reads it as SAM)",
        ));
    }
    let format = match kind {
        DescriptorKind::Cdk => SourceFormat::Cdk,
        _ if sam => SourceFormat::Sam,
        _ => SourceFormat::CloudFormation,
    };
    // The resources are moved out of the template (a copy was a quarter of the peak memory of
    // a 19 MB template), and nothing reads the template's `Resources` after this.
    let own = take_resources(&mut root);
    let resources = if sam {
        crate::sam::apply_globals(&root, own)
    } else {
        own
    };
    let mut project = Project::new(ctx.rel.clone(), format);
    let params = parameters(ctx, &root, &mut project, &mut diagnostics);
    let mut ids: HashSet<String> = resources
        .entries()
        .iter()
        .map(|(k, _)| k.name.clone())
        .collect();
    if sam {
        ids.extend(crate::sam::generated_ids(&resources));
    }
    let evaluator = Evaluator::new(
        params,
        ids,
        root.get("Conditions"),
        root.get("Mappings"),
        ctx.options.region.clone(),
    );
    let mut builder = Builder::new(
        &evaluator,
        project,
        &ctx.rel,
        ctx.dir().to_path_buf(),
        ctx.root.clone(),
    );
    // The builder takes the resources (and releases each function's as it goes); nested
    // stacks are loaded after it, from their own copies.
    let stacks = nested_stacks(&resources);
    builder.add_resources(resources, sam);
    let (project, diags) = builder.finish();
    diagnostics.extend(diags);
    let mut nested = Vec::new();
    load_nested(ctx, &evaluator, &stacks, &mut nested, &mut diagnostics);
    Loaded {
        project: Some(project),
        diagnostics,
        nested,
        consumed: Vec::new(),
    }
}

const MAX_NESTING: usize = 5;

/// The property naming a nested stack's template, when `res` is one.
fn stack_template_key(res: &Node) -> Option<&'static str> {
    match res.get("Type").and_then(Node::str) {
        Some("AWS::CloudFormation::Stack") => Some("TemplateURL"),
        Some("AWS::Serverless::Application") => Some("Location"),
        _ => None,
    }
}

/// The resources that are nested stacks (`AWS::CloudFormation::Stack`,
/// `AWS::Serverless::Application`), as a mapping.
fn nested_stacks(resources: &Node) -> Node {
    let stacks = resources
        .entries()
        .iter()
        .filter(|(_, res)| stack_template_key(res).is_some())
        .cloned()
        .collect();
    resources.with_kind(Kind::Map(stacks))
}

/// `AWS::CloudFormation::Stack` (`TemplateURL`) and `AWS::Serverless::Application`
/// (`Location`) with a local path: load the child with the parameters this stack passes.
fn load_nested(
    ctx: &LoadContext,
    ev: &Evaluator,
    resources: &Node,
    nested: &mut Vec<Project>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (key, res) in resources.entries() {
        let Some(url_key) = stack_template_key(res) else {
            continue;
        };
        let Some(props) = res.get("Properties").map(|p| ev.eval(p)) else {
            continue;
        };
        let Some(url) = props.get(url_key).and_then(Node::str) else {
            continue;
        };
        if url.contains("://") || url.starts_with("s3:") {
            continue;
        }
        let mut path = ctx.dir().join(url);
        // `sam build` writes nested templates under `.aws-sam/build/<Id>/`; a template that
        // points there (or at another build directory) is read from the source beside it.
        if !path.is_file() {
            let trimmed = url.trim_start_matches("./");
            let source = [".aws-sam/build/", "build/", "dist/", ".build/"]
                .iter()
                .find_map(|b| trimmed.strip_prefix(b))
                .map(|rest| ctx.dir().join(rest))
                .filter(|p| p.is_file());
            if let Some(source) = source {
                diagnostics.push(Diagnostic::warning(
                    &ctx.rel,
                    Some(key.line),
                    format!(
                        "nested stack `{}`: {url} is a build output that is not in the tree; its source {} was read",
                        key.name,
                        ctx.relative(&source)
                    ),
                ));
                path = source;
            }
        }
        let (Ok(child), Ok(root)) = (path.canonicalize(), ctx.root.canonicalize()) else {
            diagnostics.push(Diagnostic::warning(
                &ctx.rel,
                Some(key.line),
                format!("nested stack `{}`: template {url} not found", key.name),
            ));
            continue;
        };
        if !child.starts_with(&root) || ctx.chain.contains(&child) || ctx.chain.len() >= MAX_NESTING
        {
            diagnostics.push(Diagnostic::warning(
                &ctx.rel,
                Some(key.line),
                format!("nested stack `{}`: {url} is outside the scan, circular or nested too deeply; not followed", key.name),
            ));
            continue;
        }
        let rel = ctx.relative(&path);
        let text = match crate::read_text(&path, &rel, ctx.options.max_bytes()) {
            Ok(t) => t,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let passed: HashMap<String, Node> = props
            .get("Parameters")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (k.name.clone(), v.clone()))
            .collect();
        let mut chain = ctx.chain.clone();
        if let Ok(me) = ctx.file.canonicalize() {
            chain.push(me);
        }
        let child_ctx = LoadContext {
            root: ctx.root.clone(),
            file: path.clone(),
            rel,
            options: ctx.options.clone(),
            parent_params: Some(passed),
            chain,
        };
        let loaded = load(&child_ctx, &text, DescriptorKind::Sam);
        diagnostics.extend(loaded.diagnostics);
        nested.extend(loaded.project);
        nested.extend(loaded.nested);
    }
}

/// Names that say "this is a template" even when the content is not one.
fn conventional_name(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    name.starts_with("template.")
        || name.ends_with(".template")
        || name.ends_with(".template.json")
        || name.ends_with(".template.yaml")
        || name.ends_with(".template.yml")
        || name.contains("cloudformation")
        || name.starts_with("stack.")
}

/// Parameter values: `--param` beats `samconfig.toml`, which beats the template default.
fn parameters(
    ctx: &LoadContext,
    root: &Node,
    project: &mut Project,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, Node> {
    let samconfig = samconfig_overrides(ctx, diagnostics);
    let mut out = HashMap::new();
    let Some(params) = root.get("Parameters") else {
        return out;
    };
    for (key, spec) in params.entries() {
        let name = &key.name;
        let ty = spec.get("Type").and_then(Node::str).unwrap_or("String");
        let default = spec.get("Default");
        project.parameters.push(TemplateParameter {
            name: name.clone(),
            type_name: ty.to_string(),
            no_echo: spec.get("NoEcho").and_then(Node::as_bool).unwrap_or(false),
            default: default.and_then(Node::scalar_text),
            location: spec.location(),
        });
        if let Some(v) = ctx.parent_params.as_ref().and_then(|p| p.get(name)) {
            let mut v = v.clone();
            // Keep the child's position: findings about the value point at the parameter.
            v.file = spec.file.clone();
            v.line = spec.line;
            v.column = spec.column;
            if let Some(p) = project.parameters.last_mut() {
                p.default = v.scalar_text();
            }
            out.insert(name.clone(), v);
            continue;
        }
        let given = ctx
            .options
            .params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| samconfig.get(name).cloned());
        let value = match (given, default) {
            _ if ty.starts_with("AWS::SSM::Parameter::Value") => spec.unknown(
                format!(
                    "parameter {name} is read from SSM ({})",
                    default.and_then(Node::scalar_text).unwrap_or_default()
                ),
                vec![],
            ),
            (Some(v), _) => spec.with_kind(Kind::Str(v)),
            (None, Some(d)) if !d.is_unknown() => d.clone(),
            _ => spec.unknown(
                format!("parameter {name} has no default (pass --param {name}=VALUE)"),
                vec![],
            ),
        };
        let value = if ty == "CommaDelimitedList" || ty.starts_with("List<") {
            match value.str() {
                Some(s) => value.with_kind(Kind::Seq(
                    s.split(',')
                        .map(|p| value.with_kind(Kind::Str(p.trim().to_string())))
                        .collect(),
                )),
                None => value,
            }
        } else {
            value
        };
        out.insert(name.clone(), value);
    }
    out
}

/// `parameter_overrides` from `samconfig.toml` (or `samconfig.yaml`/`.yml`) beside the
/// template: environment `default`, or the one named by `--stage`.
fn samconfig_overrides(
    ctx: &LoadContext,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, String> {
    let env = ctx.options.stage.as_deref().unwrap_or("default");
    let mut items: Vec<String> = Vec::new();
    let toml_path = ctx.dir().join("samconfig.toml");
    if let Ok(text) = std::fs::read_to_string(&toml_path) {
        let rel = ctx.relative(&toml_path);
        match toml::from_str::<toml::Value>(&text) {
            Ok(doc) => {
                match doc
                    .get(env)
                    .and_then(|e| e.get("deploy"))
                    .and_then(|d| d.get("parameters"))
                    .and_then(|p| p.get("parameter_overrides"))
                {
                    Some(toml::Value::String(s)) => items = split_overrides(s),
                    Some(toml::Value::Array(a)) => {
                        items = a
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    }
                    _ => {}
                }
            }
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].lines().count() as u32);
                diagnostics.push(Diagnostic::error(
                    &rel,
                    line,
                    format!("invalid TOML: {}", e.message()),
                ));
            }
        }
    } else {
        for name in ["samconfig.yaml", "samconfig.yml"] {
            let path = ctx.dir().join(name);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let rel = ctx.relative(&path);
            let parsed = yaml::parse(&text, &rel);
            diagnostics.extend(parsed.diagnostics);
            if let Some(o) = parsed
                .root
                .as_ref()
                .and_then(|r| r.path(&[env, "deploy", "parameters", "parameter_overrides"]))
            {
                items = match o.str() {
                    Some(s) => split_overrides(s),
                    None => o.items().iter().filter_map(Node::scalar_text).collect(),
                };
            }
            break;
        }
    }
    let mut out = HashMap::new();
    for item in items {
        if let Some((k, v)) = item.split_once('=') {
            out.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
        }
    }
    out
}

/// `Key=Value Key2="a b"` as SAM writes it.
fn split_overrides(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub(crate) use openapi::defined_auth as openapi_defined_auth;

pub(crate) fn openapi_routes(
    b: &mut Builder<'_>,
    api: &str,
    body: &Node,
    kind: fnguard_model::ApiKind,
    authorizers: &HashMap<String, fnguard_model::Auth>,
    default_auth: Option<&fnguard_model::Auth>,
) {
    openapi::routes(b, api, body, kind, authorizers, default_auth);
}

/// The template's `Resources` mapping, moved out (a `null` is left in its place).
fn take_resources(root: &mut Node) -> Node {
    if let Kind::Map(entries) = &mut root.kind {
        // The one `Node::get` reads: the last of duplicate keys.
        if let Some((_, value)) = entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.name == "Resources")
        {
            let null = value.with_kind(Kind::Null);
            return std::mem::replace(value, null);
        }
    }
    root.with_kind(Kind::Null)
}

#[cfg(test)]
mod tests {
    #[test]
    fn overrides_split_on_unquoted_space() {
        assert_eq!(
            super::split_overrides("A=1 B=\"x y\" C=z"),
            vec!["A=1", "B=\"x y\"", "C=z"]
        );
    }
}
