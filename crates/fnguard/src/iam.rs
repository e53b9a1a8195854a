//! `fnguard iam`: per function, what its role grants, what its code needs, what is unused or
//! missing, and a suggested policy that keeps only the needed actions on the resources the role
//! already named.

use crate::cli::{IamArgs, IamFormat};
use anyhow::{Context, Result};
use fnguard_model::{Function, RoleRef};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write;

pub fn run(args: IamArgs) -> Result<u8> {
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let mut rows: Vec<Value> = Vec::new();
    let mut projects_seen = 0usize;
    for loaded in &loaded.roots {
        for e in loaded.errors.iter().chain(&loaded.code_notices) {
            eprintln!("fnguard: {e}");
        }
        projects_seen += loaded.projects.len();
        for p in &loaded.projects {
            let mut by_role = RoleAnalyses::default();
            for f in &p.functions {
                rows.push(row(p, f, &mut by_role));
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
    if let Some(file) = &args.save_baseline {
        let map: serde_json::Map<String, Value> = rows
            .iter()
            .map(|r| (key(r), r["granted_on"].clone()))
            .collect();
        let doc = json!({ "schema": "fnguard/iam-baseline/v1", "functions": map });
        std::fs::write(file, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("cannot write {}", file.display()))?;
    }
    if let Some(file) = &args.baseline {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let base: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a baseline", file.display()))?;
        let (report, added) = compare(&base["functions"], &rows);
        let _ = std::io::stdout().lock().write_all(report.as_bytes());
        return Ok(u8::from(added));
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

fn key(r: &Value) -> String {
    format!(
        "{}#{}",
        r["project"].as_str().unwrap_or(""),
        r["function"].as_str().unwrap_or("")
    )
}

/// Added and removed access per function, grouped by the resources it applies to; statement
/// order and grouping do not matter.
fn compare(base: &Value, rows: &[Value]) -> (String, bool) {
    use std::collections::{BTreeMap, BTreeSet};
    let to_map = |v: &Value| -> BTreeMap<String, BTreeSet<String>> {
        v.as_object()
            .map(|o| {
                o.iter()
                    .map(|(a, rs)| {
                        let set = rs
                            .as_array()
                            .map(|x| {
                                x.iter()
                                    .filter_map(|s| s.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (a.clone(), set)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = String::new();
    let mut any_added = false;
    let empty = Value::Null;
    for r in rows {
        let k = key(r);
        let now = to_map(&r["granted_on"]);
        let before = to_map(base.get(&k).unwrap_or(&empty));
        // (action, resource) pairs, so that widening a resource counts too.
        let pairs = |m: &BTreeMap<String, BTreeSet<String>>| -> BTreeSet<(String, String)> {
            m.iter()
                .flat_map(|(a, rs)| rs.iter().map(move |r| (a.clone(), r.clone())))
                .collect()
        };
        let (now_p, before_p) = (pairs(&now), pairs(&before));
        let added: Vec<&(String, String)> = now_p.difference(&before_p).collect();
        let removed: Vec<&(String, String)> = before_p.difference(&now_p).collect();
        if added.is_empty() && removed.is_empty() {
            continue;
        }
        any_added |= !added.is_empty();
        let _ = writeln!(out, "{}", r["function"].as_str().unwrap_or("?"));
        for (sign, list) in [("+", &added), ("-", &removed)] {
            let mut by_resource: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (a, res) in list.iter() {
                by_resource
                    .entry(res.as_str())
                    .or_default()
                    .push(a.as_str());
            }
            for (res, actions) in by_resource {
                let shown: Vec<&str> = actions.iter().take(4).copied().collect();
                let more = if actions.len() > 4 {
                    format!(", …{} more", actions.len() - 4)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "  {sign}{} action{} on {res}: {}{more}",
                    actions.len(),
                    if actions.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                );
            }
        }
    }
    if out.is_empty() {
        out.push_str("no change in granted access\n");
    }
    (out, any_added)
}

type RoleReport = (
    fnguard_iam::FunctionPermissions,
    Vec<String>,
    std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
);

/// The least-privilege analysis of each role, computed once for all the functions that share
/// it (a role shared by thousands of functions made this quadratic).
#[derive(Default)]
struct RoleAnalyses<'p> {
    sharing: Option<std::collections::HashMap<&'p str, Vec<&'p Function>>>,
    resources: Option<fnguard_iam::Resources<'p>>,
    /// Per role: its analysis, why its confidence is low, and what it grants on which resources.
    done: std::collections::HashMap<String, RoleReport>,
}

/// How many of the other functions sharing a role a row names; the count is always given.
const SHARED_WITH_LISTED: usize = 25;

fn row<'p>(p: &'p fnguard_model::Project, f: &Function, roles: &mut RoleAnalyses<'p>) -> Value {
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
            "granted_on": {},
            "confidence": "none: the role is not declared in the project",
        });
    };
    // Functions sharing the role add up their needs.
    let by_role = roles.sharing.get_or_insert_with(|| {
        let mut by_role: std::collections::HashMap<&str, Vec<&Function>> = Default::default();
        for x in &p.functions {
            if let Some(id) = x.role.declared_id() {
                by_role.entry(id).or_default().push(x);
            }
        }
        by_role
    });
    let sharing: &[&Function] = by_role.get(role.id.as_str()).map_or(&[], Vec::as_slice);
    let (lp, reasons, granted_on) = roles.done.entry(role.id.clone()).or_insert_with(|| {
        let resources = roles
            .resources
            .get_or_insert_with(|| fnguard_iam::Resources::new(&p.resources));
        let lp = fnguard_iam::analyse(role, sharing, resources);
        let reasons = low_confidence_reasons(sharing, &lp);
        let granted_on = lp.granted_on();
        (lp, reasons, granted_on)
    });
    // `f` is one of the functions on its role; counting the others by scanning them for each
    // function was quadratic on a role that every function shares.
    let others = sharing.iter().filter(|x| !std::ptr::eq(**x, f));
    // (`sharing` holds every function whose role is this one, `f` among them.)
    let others_count = sharing.len().saturating_sub(1);
    json!({
        "project": p.path,
        "function": f.id,
        "role": role.id,
        "shared_with": others.clone().take(SHARED_WITH_LISTED).map(|x| x.id.clone()).collect::<Vec<_>>(),
        "shared_with_count": others_count,
        "granted_actions": granted_on.keys().collect::<Vec<_>>(),
        "needed_actions": lp.needed,
        "unused_actions": if lp.confidence == "high" { json!(lp.unused) } else { json!([]) },
        "missing_actions": lp.missing,
        "suggested_policy": lp.suggested_policy,
        "granted_on": granted_on,
        "warnings": lp.warnings,
        "confidence": lp.confidence,
        "confidence_reasons": reasons,
    })
}

/// Why nothing is claimed unused: what the code analysis could not follow, per function.
fn low_confidence_reasons(
    sharing: &[&Function],
    lp: &fnguard_iam::FunctionPermissions,
) -> Vec<String> {
    let mut out = Vec::new();
    for f in sharing {
        match &f.code {
            None => out.push(format!(
                "the code of `{}` was not analysed{}",
                f.id,
                f.code_missing
                    .as_ref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )),
            Some(c) => {
                if let Some(u) = &c.unresolved {
                    out.push(format!("`{}`: {u}", f.id));
                }
                if !c.not_followed.is_empty() {
                    out.push(format!(
                        "`{}` imports code that may call AWS and was not read: {}",
                        f.id,
                        c.not_followed.join(", ")
                    ));
                } else if !c.complete && c.unresolved.is_none() {
                    out.push(format!(
                        "`{}` makes SDK calls fnguard cannot name (a client handed to other code, a computed method name)",
                        f.id
                    ));
                }
            }
        }
    }
    // Every row of every function on the role repeats these: a role shared by thousands of
    // functions names the first ones and counts the rest.
    if out.len() > SHARED_WITH_LISTED {
        let more = out.len() - SHARED_WITH_LISTED;
        out.truncate(SHARED_WITH_LISTED);
        out.push(format!(
            "and {more} more gaps of the functions sharing the role"
        ));
    }
    for (arn, _) in &lp.perms.unknown_managed {
        out.push(format!("managed policy `{arn}` is not in the catalog"));
    }
    out
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
        if let Some(a) = r["confidence_reasons"].as_array() {
            for why in a.iter().filter_map(Value::as_str) {
                let _ = writeln!(out, "  not certain: {why}");
            }
        }
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
