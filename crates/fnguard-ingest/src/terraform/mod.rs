//! Terraform (`*.tf`) to the application model: a module directory is parsed with `hcl-edit`,
//! its variables, locals, `count`/`for_each` and references evaluated, local modules loaded
//! with their inputs, and the resources translated to the CloudFormation shapes that the shared
//! model builder reads. Function ids are Terraform addresses.

mod eval;
mod functions;
mod json;
mod module;
mod policy;
mod registry;
mod translate;

use crate::cfn::eval::Evaluator as CfnEvaluator;
use crate::cfn::Builder;
use crate::node::{Key, Kind, Node};
use crate::{Diagnostic, LoadContext, Loaded};
use eval::{Evaluator, Frame};
use fnguard_model::{Project, SourceFormat, TemplateParameter};
use hcl_edit::structure::Structure;
use hcl_edit::Span;
use module::Module;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use translate::{first, translate, Instance};

const MAX_MODULE_DEPTH: usize = 5;

/// Load the Terraform module in `ctx.file` (a directory) as a root module.
pub(crate) fn load(ctx: &LoadContext) -> Loaded {
    let mut diagnostics = Vec::new();
    match read_module(ctx, &ctx.file, &mut diagnostics) {
        Some(m) => load_root(ctx, m, diagnostics),
        None => Loaded {
            project: None,
            diagnostics,
            nested: Vec::new(),
            consumed: Vec::new(),
        },
    }
}

/// One `.tf` text as a whole module (for fuzzing and callers holding the text).
pub(crate) fn load_text(ctx: &LoadContext, text: &str) -> Loaded {
    let mut diagnostics = Vec::new();
    let dir = ctx.dir().to_path_buf();
    let m = Module::parse(
        &dir,
        &ctx.root,
        vec![(ctx.rel.clone(), text.to_string())],
        &mut diagnostics,
    );
    let sub = LoadContext {
        root: ctx.root.clone(),
        file: dir,
        rel: ctx.rel.clone(),
        options: ctx.options.clone(),
        parent_params: None,
        chain: Vec::new(),
    };
    load_root(&sub, m, diagnostics)
}

fn load_root(ctx: &LoadContext, root_module: Module, mut diagnostics: Vec<Diagnostic>) -> Loaded {
    let mut instances = Vec::new();
    let mut parameters = Vec::new();
    let mut consumed = Vec::new();
    let dir = ctx.file.clone();
    let overrides: HashMap<String, String> = ctx.options.params.iter().cloned().collect();
    let vars = root_variables(
        ctx,
        &root_module,
        &overrides,
        &mut parameters,
        &mut diagnostics,
    );
    let mut acc = Collected {
        instances: &mut instances,
        consumed: &mut consumed,
        diagnostics: &mut diagnostics,
    };
    load_module(ctx, root_module, vars, String::new(), 0, &mut acc);
    let rel = match crate::normalize_lexically(&dir)
        .strip_prefix(crate::normalize_lexically(&ctx.root))
    {
        Ok(r) if r.as_os_str().is_empty() => ".".to_string(),
        _ => crate::relative(&ctx.root, &dir),
    };
    let mut project = Project::new(rel.clone(), SourceFormat::Terraform);
    project.parameters = parameters;
    merge_attachments(&mut instances);
    let mut entries: Vec<(Key, Node)> = Vec::new();
    for i in &instances {
        let Some((ty, props)) = translate(i) else {
            continue;
        };
        let site = &i.attrs;
        let resource = site.with_kind(Kind::Map(vec![
            (key(site, "Type"), site.with_kind(Kind::Str(ty.to_string()))),
            (key(site, "Properties"), props),
        ]));
        entries.push((key_named(site, &i.address), resource));
    }
    let ids: HashSet<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
    let anchor = Node::new(Kind::Null, std::sync::Arc::from(rel.as_str()), 1, 1);
    let resources = anchor.with_kind(Kind::Map(entries));
    let evaluator = CfnEvaluator::new(HashMap::new(), ids, None, None, ctx.options.region.clone());
    let mut builder = Builder::new(&evaluator, project, &ctx.rel, dir.clone(), ctx.root.clone());
    builder.add_resources(resources, false);
    let (project, diags) = builder.finish();
    diagnostics.extend(diags);
    Loaded {
        project: Some(project),
        diagnostics,
        nested: Vec::new(),
        consumed,
    }
}

/// Where a function's code is in the tree: the `source_dir` (or the directory of the
/// `source_file`) of the `archive_file` that builds its `filename` — named by reference or by the
/// same path —, else the directory under the module that holds its handler (the archive is built
/// outside Terraform or not committed), recorded as `fnguard_source_dir` with a note saying which
/// source was used; code in S3 or in an image is recorded as missing.
fn add_archive_source(
    ev: &Evaluator<'_>,
    archives: &[String],
    block: &hcl_edit::structure::Block,
    attrs: &mut Node,
) {
    let site = attrs.clone();
    let mut found: Option<(PathBuf, Option<String>)> = None;
    let mut missing: Option<String> = None;
    let filename_expr = block.body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.value().as_str() == "filename" => Some(a),
        _ => None,
    });
    let filename = attrs.get("filename").and_then(Node::scalar_text);
    if let Some(expr) = filename_expr {
        let text = expr.value.to_string();
        let by_reference = text
            .trim()
            .strip_prefix("data.archive_file.")
            .or_else(|| text.trim().strip_prefix("archive_file."))
            .and_then(|r| r.strip_suffix(".output_path"));
        if let Some(name) = by_reference {
            found = archive_source(ev, name).map(|d| (d, None));
        }
    }
    if found.is_none() {
        if let Some(file) = &filename {
            // The same path as an archive's `output_path`.
            let wanted = crate::normalize_lexically(&module_path(ev, file));
            for name in archives {
                let Some(out) = archive_output(ev, name) else {
                    continue;
                };
                if crate::normalize_lexically(&module_path(ev, &out)) == wanted {
                    found = archive_source(ev, name).map(|d| (d, None));
                    break;
                }
            }
        }
    }
    // An archive built from a directory that is itself a build output (`bin/` with a compiled
    // Go binary) has no source there: the handler's source is looked for instead.
    if found.as_ref().is_some_and(|(d, _)| !d.is_dir()) {
        found = None;
    }
    let is_image = attrs.get("image_uri").is_some()
        || attrs.get("package_type").and_then(Node::str) == Some("Image");
    if found.is_none() && !is_image {
        let handler = attrs.get("handler").and_then(Node::scalar_text);
        let runtime = attrs.get("runtime").and_then(Node::scalar_text);
        let described = match (&filename, attrs.get("s3_bucket")) {
            (Some(f), _) => {
                let exists = module_path(ev, f).is_file();
                Some(format!(
                    "its archive `{f}` is {}",
                    if exists {
                        "a prebuilt file fnguard does not unpack"
                    } else {
                        "not in the tree (built outside Terraform)"
                    }
                ))
            }
            (None, Some(b)) => {
                missing = Some(format!(
                    "its code is in S3 (`s3_bucket` {})",
                    b.scalar_text().unwrap_or_else(|| "set".to_string())
                ));
                None
            }
            (None, None) => None,
        };
        let project = runtime
            .as_deref()
            .filter(|r| r.starts_with("java"))
            .and(filename.as_deref())
            .and_then(|f| crate::codeloc::java_project(&ev.module.dir, f));
        if let (Some(why), Some(dir)) = (described.as_ref(), project) {
            let shown = crate::relative_dir(&ev.module.root, &dir);
            found = Some((
                dir,
                Some(format!(
                    "{why}; the project that builds it (`{}`) was read",
                    if shown.is_empty() { "." } else { &shown }
                )),
            ));
        } else if let (Some(why), Some(h)) = (described, handler) {
            let hint = filename
                .as_deref()
                .and_then(|f| Path::new(f).file_stem())
                .map(|s| s.to_string_lossy().into_owned());
            match crate::codeloc::find_handler_dir(
                &ev.module.dir,
                &h,
                runtime.as_deref(),
                &[],
                hint.as_deref(),
            ) {
                crate::codeloc::Found::Ambiguous(dirs) => {
                    missing = Some(format!(
                        "{why}, and several directories hold the handler `{h}` ({}); fnguard does not guess which is deployed",
                        dirs.iter()
                            .take(4)
                            .map(|d| format!("`{}`", crate::relative_dir(&ev.module.root, d)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                crate::codeloc::Found::One(dir) => {
                    let shown = crate::relative_dir(&ev.module.root, &dir);
                    found = Some((
                        dir,
                        Some(format!(
                            "{why}; the handler `{h}` was found in `{}` and read from there",
                            if shown.is_empty() { "." } else { &shown }
                        )),
                    ));
                }
                crate::codeloc::Found::None => {
                    missing = Some(format!(
                        "{why}, and no source of the handler `{h}` is under the module directory"
                    ));
                }
            }
        }
    }
    let Kind::Map(entries) = &mut attrs.kind else {
        return;
    };
    if let Some((dir, origin)) = found {
        entries.push((
            key(&site, "fnguard_source_dir"),
            site.with_kind(Kind::Str(dir.to_string_lossy().into_owned())),
        ));
        if let Some(o) = origin {
            entries.push((
                key(&site, "fnguard_code_origin"),
                site.with_kind(Kind::Str(o)),
            ));
        }
    } else if let Some(m) = missing {
        entries.push((
            key(&site, "fnguard_code_missing"),
            site.with_kind(Kind::Str(m)),
        ));
    }
}

/// Names of the `archive_file` data sources and resources of the module.
fn archive_names(ev: &Evaluator<'_>) -> Vec<String> {
    ev.module
        .data
        .iter()
        .chain(&ev.module.resources)
        .filter(|(t, _, _)| t == "archive_file")
        .map(|(_, n, _)| n.clone())
        .collect()
}

fn archive_body(ev: &Evaluator<'_>, name: &str) -> Option<Node> {
    let (block, file) = ev.module.data_block("archive_file", name).or_else(|| {
        let (_, _, r) = ev
            .module
            .resources
            .iter()
            .find(|(t, n, _)| t == "archive_file" && n == name)?;
        ev.module.block(*r)
    })?;
    let site = ev.site(file, block.span());
    Some(ev.body_node(&block.body, file, &Frame::default(), &site))
}

fn archive_output(ev: &Evaluator<'_>, name: &str) -> Option<String> {
    archive_body(ev, name)?
        .get("output_path")
        .and_then(Node::scalar_text)
}

fn archive_source(ev: &Evaluator<'_>, name: &str) -> Option<PathBuf> {
    let body = archive_body(ev, name)?;
    let source = body
        .get("source_dir")
        .and_then(Node::scalar_text)
        .or_else(|| {
            let f = body.get("source_file").and_then(Node::scalar_text)?;
            Path::new(&f)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
        })?;
    Some(module_path(ev, &source))
}

/// A path written in a module, as a path to read: `${path.module}/src` already starts with the
/// module's directory (as scanned), other relative paths are relative to it.
fn module_path(ev: &Evaluator<'_>, written: &str) -> PathBuf {
    let p = Path::new(written);
    if p.is_absolute() || (ev.module.dir != Path::new(".") && p.starts_with(&ev.module.dir)) {
        p.to_path_buf()
    } else {
        // Terraform resolves relative paths against the working directory: the root module.
        ev.module.dir.join(p)
    }
}

fn key(site: &Node, name: &str) -> Key {
    Key {
        name: name.to_string(),
        line: site.line,
        column: site.column,
    }
}

fn key_named(site: &Node, name: &str) -> Key {
    key(site, name)
}

fn read_module(ctx: &LoadContext, dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<Module> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            p.is_file() && (name.ends_with(".tf") || name.ends_with(".tf.json"))
        })
        .collect();
    files.sort();
    let mut sources = Vec::new();
    for f in files {
        let rel = ctx.relative(&f);
        match crate::read_text(&f, &rel, ctx.options.max_bytes()) {
            Ok(t) if rel.ends_with(".tf.json") => {
                let parsed = crate::yaml::parse(&t, &rel);
                diagnostics.extend(parsed.diagnostics);
                if let Some(root) = parsed.root {
                    sources.push((rel, json::to_native(&root)));
                }
            }
            Ok(t) => sources.push((rel, t)),
            Err(d) => diagnostics.push(d),
        }
    }
    if sources.is_empty() {
        return None;
    }
    Some(Module::parse(dir, &ctx.root, sources, diagnostics))
}

/// Values of the root module's variables: `--param`, then `*.auto.tfvars` and
/// `terraform.tfvars`, then defaults; otherwise unknown.
fn root_variables(
    ctx: &LoadContext,
    m: &Module,
    overrides: &HashMap<String, String>,
    parameters: &mut Vec<TemplateParameter>,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, Node> {
    let mut tfvars: HashMap<String, Node> = HashMap::new();
    let mut var_files: Vec<PathBuf> = std::fs::read_dir(&m.dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    n == "terraform.tfvars" || n.ends_with(".auto.tfvars")
                })
                .collect()
        })
        .unwrap_or_default();
    // terraform.tfvars first, then *.auto.tfvars in lexical order, each overriding the last.
    var_files.sort_by_key(|p| {
        (
            p.file_name().is_some_and(|n| n != "terraform.tfvars"),
            p.clone(),
        )
    });
    let empty = Module::parse(&m.dir, &ctx.root, Vec::new(), &mut Vec::new());
    for f in var_files {
        let rel = ctx.relative(&f);
        let Ok(text) = crate::read_text(&f, &rel, ctx.options.max_bytes()) else {
            continue;
        };
        let mut d = Vec::new();
        let vm = Module::parse(&m.dir, &ctx.root, vec![(rel.clone(), text)], &mut d);
        diagnostics.extend(d);
        let ev = Evaluator::new(&empty, HashMap::new(), String::new());
        for file in &vm.files {
            for s in file.body.iter() {
                if let Structure::Attribute(a) = s {
                    tfvars.insert(
                        a.key.value().as_str().to_string(),
                        ev.eval(&a.value, file, &Frame::default()),
                    );
                }
            }
        }
    }
    variables(
        m,
        |name| {
            overrides
                .get(name)
                .map(|v| Err(v.clone()))
                .or_else(|| tfvars.get(name).cloned().map(Ok))
        },
        parameters,
    )
}

/// Evaluate variable blocks. `given` supplies a value (a node, or text from the command line).
fn variables(
    m: &Module,
    given: impl Fn(&str) -> Option<Result<Node, String>>,
    parameters: &mut Vec<TemplateParameter>,
) -> HashMap<String, Node> {
    let ev = Evaluator::new(m, HashMap::new(), String::new());
    let mut out = HashMap::new();
    for (name, r) in &m.variables {
        let Some((block, file)) = m.block(*r) else {
            continue;
        };
        let site = ev.site(file, block.span());
        let attr = |k: &str| {
            block.body.iter().find_map(|s| match s {
                Structure::Attribute(a) if a.key.value().as_str() == k => Some(&a.value),
                _ => None,
            })
        };
        let default = attr("default").map(|e| ev.eval(e, file, &Frame::default()));
        let sensitive = attr("sensitive")
            .map(|e| ev.eval(e, file, &Frame::default()))
            .and_then(|n| n.as_bool())
            .unwrap_or(false);
        // `terraform variable`, or `terraform variable: number` when a primitive type is given.
        let type_text = match attr("type") {
            Some(hcl_edit::expr::Expression::Variable(v)) => {
                format!("terraform variable: {}", v.value().as_str())
            }
            _ => "terraform variable".to_string(),
        };
        parameters.push(TemplateParameter {
            name: name.clone(),
            type_name: type_text,
            no_echo: sensitive,
            default: default.as_ref().and_then(Node::scalar_text),
            location: site.location(),
        });
        let value = match given(name) {
            Some(Ok(n)) => n,
            Some(Err(text)) => site.with_kind(Kind::Str(text)),
            None => default.unwrap_or_else(|| {
                site.unknown(
                    format!("variable {name} has no value (pass --param {name}=VALUE)"),
                    vec![],
                )
            }),
        };
        out.insert(name.clone(), value);
    }
    out
}

/// What loading a module tree collects.
struct Collected<'a> {
    instances: &'a mut Vec<Instance>,
    consumed: &'a mut Vec<String>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

fn load_module(
    ctx: &LoadContext,
    mut m: Module,
    vars: HashMap<String, Node>,
    prefix: String,
    depth: usize,
    acc: &mut Collected<'_>,
) {
    let Collected {
        instances: out,
        consumed,
        diagnostics,
    } = acc;
    // Instances first (count / for_each), so that references resolve to real addresses.
    let mut plan: Vec<(usize, String, Frame)> = Vec::new();
    {
        let ev = Evaluator::new(&m, vars.clone(), prefix.clone());
        for (ri, (ty, name, r)) in m.resources.iter().enumerate() {
            let Some((block, file)) = m.block(*r) else {
                continue;
            };
            let base = format!("{prefix}{ty}.{name}");
            let meta = |k: &str| {
                block.body.iter().find_map(|s| match s {
                    Structure::Attribute(a) if a.key.value().as_str() == k => {
                        Some(ev.eval(&a.value, file, &Frame::default()))
                    }
                    _ => None,
                })
            };
            if let Some(count) = meta("count") {
                match count.as_i64() {
                    Some(n) => {
                        for i in 0..n.clamp(0, 64) {
                            let frame = Frame {
                                count_index: Some(count.with_kind(Kind::Int(i))),
                                ..Frame::default()
                            };
                            plan.push((ri, format!("{base}[{i}]"), frame));
                        }
                    }
                    None => plan.push((ri, format!("{base}[0]"), Frame::default())),
                }
            } else if let Some(each) = meta("for_each") {
                let pairs: Vec<(String, Node, Node)> = match &each.kind {
                    Kind::Map(entries) => entries
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.name.clone(),
                                each.with_kind(Kind::Str(k.name.clone())),
                                v.clone(),
                            )
                        })
                        .collect(),
                    Kind::Seq(items) => items
                        .iter()
                        .filter_map(|v| {
                            v.scalar_text()
                                .map(|t| (t.clone(), each.with_kind(Kind::Str(t)), v.clone()))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                if pairs.is_empty() && each.is_unknown() {
                    plan.push((ri, format!("{base}[\"*\"]"), Frame::default()));
                }
                for (k, key, value) in pairs.into_iter().take(64) {
                    let frame = Frame {
                        each_key: Some(key),
                        each_value: Some(value),
                        ..Frame::default()
                    };
                    plan.push((ri, format!("{base}[\"{k}\"]"), frame));
                }
            } else {
                plan.push((ri, base, Frame::default()));
            }
        }
    }
    for (ri, address, _) in &plan {
        let (ty, name, _) = &m.resources[*ri];
        m.instances
            .entry(format!("{prefix}{ty}.{name}"))
            .or_default()
            .push(address.clone());
    }
    let ev = Evaluator::new(&m, vars, prefix.clone());
    // Once per module: looking them up for each function made a module of thousands of
    // functions quadratic.
    let archives = archive_names(&ev);
    for (ri, address, frame) in &plan {
        let (ty, _, r) = &m.resources[*ri];
        let Some((block, file)) = m.block(*r) else {
            continue;
        };
        let site = ev.site(file, block.span());
        let mut attrs = ev.body_node(&block.body, file, frame, &site);
        if ty == "aws_lambda_function" {
            add_archive_source(&ev, &archives, block, &mut attrs);
        }
        out.push(Instance {
            address: address.clone(),
            ty: ty.clone(),
            attrs,
        });
    }
    // Modules: local ones are loaded with their inputs; two widely used registry modules are
    // mapped from their inputs; the rest are reported.
    for (name, r) in &m.modules {
        let Some((block, file)) = m.block(*r) else {
            continue;
        };
        let site = ev.site(file, block.span());
        let inputs = ev.body_node(&block.body, file, &Frame::default(), &site);
        let source = inputs
            .get("source")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let child_prefix = format!("{prefix}module.{name}.");
        if source.starts_with("./") || source.starts_with("../") {
            if depth >= MAX_MODULE_DEPTH {
                diagnostics.push(Diagnostic::warning(
                    &file.rel,
                    Some(site.line),
                    format!(
                        "module {name}: nested more than {MAX_MODULE_DEPTH} levels; not loaded"
                    ),
                ));
                continue;
            }
            let child_dir = crate::normalize_lexically(&m.dir.join(&source));
            let inside = child_dir
                .canonicalize()
                .ok()
                .zip(ctx.root.canonicalize().ok())
                .is_some_and(|(c, r)| c.starts_with(r));
            let Some(child) = inside
                .then(|| read_module(ctx, &child_dir, diagnostics))
                .flatten()
            else {
                diagnostics.push(Diagnostic::warning(&file.rel, Some(site.line), format!("module {name}: {source} has no .tf files inside the scanned tree; not loaded")));
                continue;
            };
            consumed.push(crate::relative(&ctx.root, &child_dir));
            let child_vars = variables(&child, |v| inputs.get(v).cloned().map(Ok), &mut Vec::new());
            let mut inner = Collected {
                instances: out,
                consumed,
                diagnostics,
            };
            load_module(ctx, child, child_vars, child_prefix, depth + 1, &mut inner);
        } else if let Some(mapped) = registry::map(&source, &child_prefix, &inputs) {
            out.extend(mapped);
        } else {
            diagnostics.push(Diagnostic::warning(
                &file.rel,
                Some(site.line),
                format!("module {name}: source `{source}` is not local; fnguard does not download modules, so its resources are not checked"),
            ));
        }
    }
}

/// Terraform splits what CloudFormation keeps together: notifications, attachments,
/// integrations, method settings and targets are folded into the resources they belong to.
fn merge_attachments(instances: &mut Vec<Instance>) {
    let by_address: HashMap<String, usize> = instances
        .iter()
        .enumerate()
        .map(|(i, x)| (x.address.clone(), i))
        .collect();
    let target = |n: Option<&Node>| -> Option<usize> {
        n.and_then(|n| {
            n.refs()
                .into_iter()
                .find_map(|r| by_address.get(&r).copied())
        })
    };
    let mut adds: Vec<(usize, &'static str, Node)> = Vec::new();
    for i in instances.iter() {
        let a = &i.attrs;
        match i.ty.as_str() {
            "aws_s3_bucket_notification" => {
                let Some(b) = target(a.get("bucket")) else {
                    continue;
                };
                for lf in a
                    .get("lambda_function")
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    let mut cfg = vec![(
                        key(lf, "Function"),
                        lf.get("lambda_function_arn")
                            .cloned()
                            .unwrap_or_else(|| lf.clone()),
                    )];
                    if let Some(ev) = lf.get("events").and_then(|e| e.items().first().cloned()) {
                        cfg.push((key(lf, "Event"), ev));
                    }
                    let mut rules = Vec::new();
                    for (tf, name) in [("filter_prefix", "prefix"), ("filter_suffix", "suffix")] {
                        if let Some(v) = lf.get(tf) {
                            rules.push(lf.with_kind(Kind::Map(vec![
                                (key(lf, "Name"), lf.with_kind(Kind::Str(name.into()))),
                                (key(lf, "Value"), v.clone()),
                            ])));
                        }
                    }
                    if !rules.is_empty() {
                        let s3key = lf.with_kind(Kind::Map(vec![(
                            key(lf, "Rules"),
                            lf.with_kind(Kind::Seq(rules)),
                        )]));
                        cfg.push((
                            key(lf, "Filter"),
                            lf.with_kind(Kind::Map(vec![(key(lf, "S3Key"), s3key)])),
                        ));
                    }
                    adds.push((b, "lambda", lf.with_kind(Kind::Map(cfg))));
                }
            }
            "aws_s3_bucket_public_access_block" => {
                let Some(b) = target(a.get("bucket")) else {
                    continue;
                };
                let pairs = [
                    ("BlockPublicAcls", "block_public_acls"),
                    ("BlockPublicPolicy", "block_public_policy"),
                    ("IgnorePublicAcls", "ignore_public_acls"),
                    ("RestrictPublicBuckets", "restrict_public_buckets"),
                ];
                let cfg = pairs
                    .iter()
                    .filter_map(|(c, t)| a.get(t).map(|v| (key(v, c), v.clone())))
                    .collect();
                adds.push((b, "public_access_block", a.with_kind(Kind::Map(cfg))));
            }
            "aws_s3_bucket_acl" => {
                if let (Some(b), Some(acl)) = (target(a.get("bucket")), a.get("acl")) {
                    adds.push((b, "acl", acl.clone()));
                }
            }
            "aws_iam_role_policy_attachment" => {
                let Some(role) = target(a.get("role")) else {
                    continue;
                };
                let Some(arn) = a.get("policy_arn") else {
                    continue;
                };
                match target(Some(arn)) {
                    Some(p) => adds.push((
                        p,
                        "attach_role",
                        a.get("role").cloned().unwrap_or_else(|| a.clone()),
                    )),
                    None => adds.push((role, "managed_policy", arn.clone())),
                }
            }
            "aws_api_gateway_integration" => {
                // The integration names its method by reference (`aws_api_gateway_method.x.http_method`)
                // or by the same resource and verb.
                let named = a.get("http_method").map(Node::refs).unwrap_or_default();
                let same = |m: &Instance, k: &str| {
                    m.attrs.get(k).map(Node::refs) == a.get(k).map(Node::refs)
                };
                let method = instances.iter().position(|m| {
                    m.ty == "aws_api_gateway_method"
                        && (named.contains(&m.address)
                            || (same(m, "resource_id")
                                && same(m, "rest_api_id")
                                && m.attrs.get("http_method").and_then(Node::scalar_text)
                                    == a.get("http_method").and_then(Node::scalar_text)))
                });
                if let Some(m) = method {
                    let integ = a.with_kind(Kind::Map(
                        [("Type", "type"), ("Uri", "uri")]
                            .iter()
                            .filter_map(|(c, t)| a.get(t).map(|v| (key(v, c), v.clone())))
                            .collect(),
                    ));
                    adds.push((m, "integration", integ));
                }
            }
            "aws_api_gateway_method_settings" => {
                let stage = instances.iter().position(|s| {
                    // `stage_name = "prod"`, or a reference to the stage itself
                    // (`aws_api_gateway_stage.prod.stage_name`).
                    let same_name = s.attrs.get("stage_name").and_then(Node::scalar_text)
                        == a.get("stage_name").and_then(Node::scalar_text);
                    let names_stage = a
                        .get("stage_name")
                        .map(Node::refs)
                        .is_some_and(|r| r.contains(&s.address));
                    s.ty == "aws_api_gateway_stage"
                        && (names_stage
                            || (same_name
                                && s.attrs.get("rest_api_id").map(Node::refs)
                                    == a.get("rest_api_id").map(Node::refs)))
                });
                if let (Some(s), Some(settings)) = (stage, first(a, "settings")) {
                    let ms = settings.with_kind(Kind::Map(
                        [
                            ("ThrottlingRateLimit", "throttling_rate_limit"),
                            ("ThrottlingBurstLimit", "throttling_burst_limit"),
                            ("DataTraceEnabled", "data_trace_enabled"),
                        ]
                        .iter()
                        .filter_map(|(c, t)| settings.get(t).map(|v| (key(v, c), v.clone())))
                        .collect(),
                    ));
                    adds.push((s, "method_settings", ms));
                }
            }
            "aws_cloudwatch_event_target" => {
                if let (Some(rule), Some(arn)) = (target(a.get("rule")), a.get("arn")) {
                    let mut t = vec![(key(arn, "Arn"), arn.clone())];
                    if let Some(dlq) = first(a, "dead_letter_config").and_then(|d| d.get("arn")) {
                        t.push((
                            key(dlq, "DeadLetterConfig"),
                            dlq.with_kind(Kind::Map(vec![(key(dlq, "Arn"), dlq.clone())])),
                        ));
                    }
                    adds.push((rule, "target", a.with_kind(Kind::Map(t))));
                }
            }
            "aws_lb_target_group_attachment" | "aws_alb_target_group_attachment" => {
                if let (Some(tg), Some(id)) =
                    (target(a.get("target_group_arn")), a.get("target_id"))
                {
                    adds.push((
                        tg,
                        "tg_target",
                        id.with_kind(Kind::Map(vec![(key(id, "Id"), id.clone())])),
                    ));
                }
            }
            "aws_sqs_queue" | "aws_sns_topic" => {}
            _ => {}
        }
    }
    // Queue/topic `policy` attributes become policy resources like their `_policy` siblings.
    let mut extra = Vec::new();
    for i in instances.iter() {
        let (ty, attr) = match i.ty.as_str() {
            "aws_sqs_queue" => ("aws_sqs_queue_policy", "queue_url"),
            "aws_sns_topic" => ("aws_sns_topic_policy", "arn"),
            "aws_lambda_function" => continue,
            _ => continue,
        };
        if let Some(policy) = i.attrs.get("policy") {
            let me = i.attrs.with_kind(Kind::Ref {
                id: i.address.clone(),
                attr: None,
            });
            extra.push(Instance {
                address: format!("{}#policy", i.address),
                ty: ty.into(),
                attrs: i.attrs.with_kind(Kind::Map(vec![
                    (key(&me, attr), me.clone()),
                    (key(policy, "policy"), policy.clone()),
                ])),
            });
        }
    }
    for (idx, what, node) in adds {
        let inst = &mut instances[idx];
        let slot = match what {
            "lambda" => "fnguard_notifications",
            "public_access_block" => "fnguard_public_access_block",
            "acl" => "acl",
            "attach_role" => "fnguard_roles",
            "managed_policy" => "managed_policy_arns",
            "integration" => "fnguard_integration",
            "method_settings" => "fnguard_method_settings",
            "target" => "fnguard_targets",
            "tg_target" => "fnguard_targets",
            _ => continue,
        };
        push_into(&mut inst.attrs, slot, node, what == "lambda");
    }
    instances.extend(extra);
}

/// Add `node` under `slot`: lists grow, single values are replaced; bucket notifications go
/// into `{LambdaConfigurations: [...]}`.
fn push_into(attrs: &mut Node, slot: &str, node: Node, notification: bool) {
    let Kind::Map(entries) = &mut attrs.kind else {
        return;
    };
    let list_slot = matches!(
        slot,
        "fnguard_roles" | "managed_policy_arns" | "fnguard_method_settings" | "fnguard_targets"
    );
    if notification {
        let holder = entries.iter_mut().find(|(k, _)| k.name == slot);
        match holder {
            Some((_, n)) => {
                if let Kind::Map(m) = &mut n.kind {
                    if let Some((
                        _,
                        Node {
                            kind: Kind::Seq(items),
                            ..
                        },
                    )) = m.iter_mut().find(|(k, _)| k.name == "LambdaConfigurations")
                    {
                        items.push(node);
                    }
                }
            }
            None => {
                let list = node.with_kind(Kind::Seq(vec![node.clone()]));
                let cfg =
                    node.with_kind(Kind::Map(vec![(key(&node, "LambdaConfigurations"), list)]));
                entries.push((key(&node, slot), cfg));
            }
        }
        return;
    }
    if !list_slot {
        entries.retain(|(k, _)| k.name != slot);
        entries.push((key(&node, slot), node));
        return;
    }
    match entries.iter_mut().find(|(k, _)| k.name == slot) {
        Some((
            _,
            Node {
                kind: Kind::Seq(items),
                ..
            },
        )) => items.push(node),
        Some((_, other)) => {
            let prev = other.clone();
            *other = prev.with_kind(Kind::Seq(vec![prev.clone(), node]));
        }
        None => {
            let list = node.with_kind(Kind::Seq(vec![node.clone()]));
            entries.push((key(&node, slot), list));
        }
    }
}
