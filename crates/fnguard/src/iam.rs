//! `fnguard iam`: per function, what its role grants, what its code needs, what is unused or
//! missing, and a suggested policy that keeps only the needed actions on the resources the role
//! already named.

use crate::cli::{IamArgs, IamFormat};
use crate::scan::load_root;
use anyhow::{Context, Result};
use fnguard_ingest::LoadOptions;
use fnguard_model::{Function, RoleRef};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: IamArgs) -> Result<u8> {
    let mut params = Vec::new();
    for p in &args.params {
        let Some((k, v)) = p.split_once('=') else {
            eprintln!("fnguard: --param takes KEY=VALUE, got `{p}`");
            return Ok(2);
        };
        params.push((k.to_string(), v.to_string()));
    }
    let options = LoadOptions {
        stage: args.stage.clone(),
        region: args.region.clone(),
        params,
        max_file_bytes: 0,
    };
    let mut rows: Vec<Value> = Vec::new();
    let mut projects_seen = 0usize;
    for path in &args.paths {
        if !path.exists() {
            eprintln!("fnguard: {} does not exist", path.display());
            return Ok(2);
        }
        let root = if path.is_file() {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        } else {
            path.clone()
        };
        let loaded = load_root(&root, path, &args.exclude, &options, args.no_progress, "");
        for e in &loaded.errors {
            eprintln!("fnguard: {e}");
        }
        projects_seen += loaded.projects.len();
        for p in &loaded.projects {
            for f in &p.functions {
                rows.push(row(p, f));
            }
        }
    }
    if projects_seen == 0 {
        eprintln!("fnguard: no serverless project found");
        return Ok(2);
    }
    if let Some(dir) = &args.emit_policies {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for r in &rows {
            let name: String = r["function"]
                .as_str()
                .unwrap_or("function")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let file = dir.join(format!("{name}.json"));
            let text = serde_json::to_string_pretty(&r["suggested_policy"])? + "\n";
            std::fs::write(&file, text)
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
    }
    let text = match args.format {
        IamFormat::Json => {
            let doc = json!({
                "schema": "fnguard/v1",
                "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
                "functions": rows,
            });
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        IamFormat::Human => human(&rows),
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(0)
}

fn row(p: &fnguard_model::Project, f: &Function) -> Value {
    let role_id = match &f.role {
        RoleRef::Declared { id, .. } => Some(id.clone()),
        RoleRef::External { arn, .. } => arn.as_str().map(str::to_string),
        RoleRef::None => None,
    };
    let needed_by_code: Vec<String> = {
        let mut v: Vec<String> = f
            .code
            .iter()
            .flat_map(|c| c.calls.iter().map(|c| c.action.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let Some(role) = f.role.declared_id().and_then(|id| p.role(id)) else {
        return json!({
            "project": p.path,
            "function": f.id,
            "role": role_id,
            "granted_actions": [],
            "needed_actions": needed_by_code,
            "unused_actions": [],
            "missing_actions": [],
            "suggested_policy": Value::Null,
            "confidence": "none: the role is not declared in the project",
        });
    };
    // Functions sharing the role add up their needs.
    let sharing: Vec<&Function> = p
        .functions
        .iter()
        .filter(|x| x.role.declared_id() == Some(role.id.as_str()))
        .collect();
    let lp = fnguard_iam::analyse(role, &sharing);
    json!({
        "project": p.path,
        "function": f.id,
        "role": role.id,
        "shared_with": sharing.iter().filter(|x| x.id != f.id).map(|x| x.id.clone()).collect::<Vec<_>>(),
        "granted_actions": lp.granted,
        "needed_actions": lp.needed,
        "unused_actions": if lp.confidence == "high" { json!(lp.unused) } else { json!([]) },
        "missing_actions": lp.missing,
        "suggested_policy": lp.suggested_policy,
        "confidence": lp.confidence,
    })
}

fn human(rows: &[Value]) -> String {
    let mut out = String::new();
    for r in rows {
        let list = |k: &str| r[k].as_array().map(Vec::len).unwrap_or(0);
        let _ = writeln!(
            out,
            "{} ({})\n  role {}  confidence {}\n  granted {} actions, needed {}, unused {}, missing {}",
            r["function"].as_str().unwrap_or("?"),
            r["project"].as_str().unwrap_or("?"),
            r["role"].as_str().unwrap_or("(none)"),
            r["confidence"].as_str().unwrap_or("?"),
            list("granted_actions"),
            list("needed_actions"),
            list("unused_actions"),
            list("missing_actions"),
        );
        for (k, label) in [("needed_actions", "needed"), ("missing_actions", "missing")] {
            if let Some(a) = r[k].as_array().filter(|a| !a.is_empty()) {
                let names: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                let _ = writeln!(out, "  {label}: {}", names.join(", "));
            }
        }
        out.push('\n');
    }
    out
}
