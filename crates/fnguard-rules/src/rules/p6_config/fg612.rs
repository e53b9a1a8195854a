use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Finding, Function, Location, Project, RoleRef, Setting, TriggerKind, Val};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it does
    /// Compares each declared function with the one deployed in the account (`fnguard aws
    /// drift`): runtime, handler, memory, timeout, architecture, environment variable names
    /// and values (values are shown only as hashes), the role and the access it grants, the
    /// triggers and invoke permissions, the function URL's auth type, reserved concurrency and
    /// layers. Declared functions that are not deployed, and deployed functions no template
    /// declares, are reported too. Outside `aws drift` the rule has no account to compare with
    /// and stays silent.
    ///
    /// ## Why is this bad?
    /// A change made in the console or by a script (a wider role, a public URL, a new
    /// trigger) bypasses review and every check run on the template: the scan says the
    /// application is safe while something else runs. The next deploy may also silently undo
    /// a hotfix, or fail.
    ///
    /// ## Example
    /// The template declares `MemorySize: 128` and a role that reads one bucket; in the
    /// account the function has 1024 MB and its role was given `AdministratorAccess`.
    ///
    /// ## Fix
    /// Decide which side is right. Redeploy from the template to undo an unreviewed change,
    /// or bring the change into the template (through review) and deploy it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-function-common.html>
    pub struct DriftFromDeclared {
        id: "FG612",
        name: "drift-from-declared",
        severity: High,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(DriftFromDeclared, check);

const FIX: &str = "Redeploy from the template to undo the change made outside it, or bring the change into the template through review and deploy it.";

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(drift) = cx.drift else { return };
    let live = drift.live;
    for (declared_id, live_id) in &drift.pairs {
        let (Some(d), Some(l)) = (cx.index.function(declared_id), live.function(live_id)) else {
            continue;
        };
        for diff in differences(cx.project, d, live, l) {
            cx.finding(
                &DriftFromDeclared::META,
                diff.location.clone(),
                format!(
                    "function `{}` differs from its declaration: {}",
                    d.id, diff.text
                ),
            )
            .function(&d.id)
            .key(diff.aspect)
            .evidence(json!({
                "aspect": diff.aspect,
                "declared": diff.declared,
                "deployed": diff.deployed,
                "deployed_function": l.id,
            }))
            .related(l.location.clone())
            .fix(FIX)
            .emit(out);
        }
    }
    for id in &drift.missing {
        let Some(d) = cx.index.function(id) else {
            continue;
        };
        cx.finding(
            &DriftFromDeclared::META,
            d.location.clone(),
            format!("function `{id}` is declared but not deployed in the account"),
        )
        .function(id)
        .key("missing")
        .evidence(json!({ "aspect": "missing" }))
        .fix("Deploy the template (or remove the function from it); if it is deployed under another name, check the stage and region given to `aws drift`.")
        .emit(out);
    }
    for id in &drift.undeclared {
        let Some(l) = live.function(id) else { continue };
        let name = l.name.as_ref().and_then(Val::as_str).unwrap_or(id);
        cx.finding(
            &DriftFromDeclared::META,
            l.location.clone(),
            format!("function `{name}` runs in the account but no scanned template declares it"),
        )
        .resource(name)
        .key(format!("undeclared:{id}"))
        .evidence(json!({ "aspect": "undeclared" }))
        .fix("Declare the function in a template (so it is reviewed and scanned) or delete it from the account if nobody owns it.")
        .emit(out);
    }
}

struct Difference {
    aspect: &'static str,
    text: String,
    declared: serde_json::Value,
    deployed: serde_json::Value,
    location: Location,
}

fn at<T>(s: Option<&Setting<T>>, f: &Function) -> Location {
    s.map(|s| s.location.clone())
        .unwrap_or_else(|| f.location.clone())
}

fn known_str(s: &Option<Setting<String>>) -> Option<&str> {
    s.as_ref().and_then(|s| s.value.as_str())
}

/// A setting's value with AWS's default when it is not written; `Err` when unresolved.
fn num(s: &Option<Setting<i64>>, default: Option<i64>) -> Result<Option<i64>, ()> {
    match s {
        None => Ok(default),
        Some(s) => s.value.known().map(|v| Some(*v)).ok_or(()),
    }
}

fn differences(dp: &Project, d: &Function, lp: &Project, l: &Function) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut plain = |aspect: &'static str,
                     what: &str,
                     declared: Option<String>,
                     deployed: Option<String>,
                     location: Location| {
        if declared != deployed {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "not set".into());
            out.push(Difference {
                aspect,
                text: format!(
                    "{what} is {} deployed, {} declared",
                    show(&deployed),
                    show(&declared)
                ),
                declared: json!(declared),
                deployed: json!(deployed),
                location,
            });
        }
    };
    if !d.is_image && !l.is_image {
        if let (Some(a), Some(b)) = (known_str(&d.runtime), known_str(&l.runtime)) {
            plain(
                "runtime",
                "the runtime",
                Some(a.into()),
                Some(b.into()),
                at(d.runtime.as_ref(), d),
            );
        }
        if let (Some(a), Some(b)) = (known_str(&d.handler), known_str(&l.handler)) {
            plain(
                "handler",
                "the handler",
                Some(a.into()),
                Some(b.into()),
                at(d.handler.as_ref(), d),
            );
        }
    }
    // What an unwritten setting becomes: the Serverless Framework's defaults differ from AWS's.
    let (memory, timeout) = match dp.format {
        fnguard_model::SourceFormat::Serverless => (1024, 6),
        _ => (128, 3),
    };
    for (aspect, what, ds, ls, defaults, unit) in [
        (
            "memory",
            "memory",
            &d.memory_mb,
            &l.memory_mb,
            (Some(memory), Some(128)),
            " MB",
        ),
        (
            "timeout",
            "the timeout",
            &d.timeout_s,
            &l.timeout_s,
            (Some(timeout), Some(3)),
            " s",
        ),
        (
            "reserved_concurrency",
            "reserved concurrency",
            &d.reserved_concurrency,
            &l.reserved_concurrency,
            (None, None),
            "",
        ),
    ] {
        if let (Ok(a), Ok(b)) = (num(ds, defaults.0), num(ls, defaults.1)) {
            let fmt = |v: Option<i64>| v.map(|v| format!("{v}{unit}"));
            plain(aspect, what, fmt(a), fmt(b), at(ds.as_ref(), d));
        }
    }
    let arch = |f: &Function| {
        f.architecture
            .as_ref()
            .map_or(Some("x86_64"), |s| s.value.as_str())
            .map(str::to_string)
    };
    if let (Some(a), Some(b)) = (arch(d), arch(l)) {
        plain(
            "architecture",
            "the architecture",
            Some(a),
            Some(b),
            at(d.architecture.as_deref(), d),
        );
    }
    let url = |f: &Function| {
        f.url
            .as_ref()
            .map(|u| u.auth_type.value.as_str().unwrap_or("?").to_string())
    };
    let url_at = d
        .url
        .as_ref()
        .map_or(d.location.clone(), |u| u.location.clone());
    plain(
        "url",
        "the function URL's auth type",
        url(d),
        url(l),
        url_at,
    );
    environment(d, l, &mut out);
    sets(
        &mut out,
        "layers",
        "layers",
        known_set(&d.layers),
        known_set(&l.layers),
        d.layers
            .first()
            .map_or(d.location.clone(), |s| s.location.clone()),
    );
    sets(
        &mut out,
        "triggers",
        "triggers",
        triggers(dp, d),
        triggers(lp, l),
        d.triggers
            .first()
            .map_or(d.location.clone(), |t| t.location.clone()),
    );
    sets(
        &mut out,
        "permissions",
        "invoke permissions",
        permissions(dp, d),
        permissions(lp, l),
        d.location.clone(),
    );
    role(dp, d, lp, l, &mut out);
    out
}

fn known_set(v: &[Setting<String>]) -> Option<BTreeSet<String>> {
    v.iter()
        .map(|s| s.value.as_str().map(str::to_string))
        .collect()
}

fn sets(
    out: &mut Vec<Difference>,
    aspect: &'static str,
    what: &str,
    declared: Option<BTreeSet<String>>,
    deployed: Option<BTreeSet<String>>,
    location: Location,
) {
    // An unresolved element on either side makes the comparison meaningless.
    let (Some(declared), Some(deployed)) = (declared, deployed) else {
        return;
    };
    let added: Vec<&String> = deployed.difference(&declared).collect();
    let removed: Vec<&String> = declared.difference(&deployed).collect();
    if added.is_empty() && removed.is_empty() {
        return;
    }
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("{} added in the account ({})", what, list(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!(
            "{} missing from the account ({})",
            what,
            list(&removed)
        ));
    }
    out.push(Difference {
        aspect,
        text: parts.join("; "),
        declared: json!(declared),
        deployed: json!(deployed),
        location,
    });
}

fn list(items: &[&String]) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(|s| s.as_str()).collect();
    if items.len() > 5 {
        format!("{}, and {} more", shown.join(", "), items.len() - 5)
    } else {
        shown.join(", ")
    }
}

/// Names added or removed, and values that changed, shown as hashes: the report must not
/// carry the secrets an environment often holds.
fn environment(d: &Function, l: &Function, out: &mut Vec<Difference>) {
    let map = |f: &Function| -> BTreeMap<String, Val<String>> {
        f.environment
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect()
    };
    let (dm, lm) = (map(d), map(l));
    let location = d
        .environment
        .first()
        .map_or(d.location.clone(), |e| e.location.clone());
    let added: Vec<&String> = lm.keys().filter(|k| !dm.contains_key(*k)).collect();
    let removed: Vec<&String> = dm.keys().filter(|k| !lm.contains_key(*k)).collect();
    let mut changed = Vec::new();
    for (k, dv) in &dm {
        if let (Some(a), Some(b)) = (dv.as_str(), lm.get(k).and_then(Val::as_str)) {
            if a != b {
                changed.push((k.clone(), hash(a), hash(b)));
            }
        }
    }
    if !added.is_empty() || !removed.is_empty() {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!(
                "environment variables added in the account ({})",
                list(&added)
            ));
        }
        if !removed.is_empty() {
            parts.push(format!(
                "environment variables missing from the account ({})",
                list(&removed)
            ));
        }
        out.push(Difference {
            aspect: "environment",
            text: parts.join("; "),
            declared: json!(dm.keys().collect::<Vec<_>>()),
            deployed: json!(lm.keys().collect::<Vec<_>>()),
            location: location.clone(),
        });
    }
    for (name, a, b) in changed {
        let at = d
            .environment
            .iter()
            .find(|e| e.name == name)
            .map_or(location.clone(), |e| e.location.clone());
        out.push(Difference {
            aspect: "environment_value",
            text: format!("the value of `{name}` differs (sha256 {b} deployed, {a} declared)"),
            declared: json!({ "name": name, "sha256": a }),
            deployed: json!({ "name": name, "sha256": b }),
            location: at,
        });
    }
}

fn hash(v: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(v.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The physical name behind a trigger's source: a resource's declared name, or the last part
/// of an ARN; `None` when unresolved.
fn physical(p: &Project, v: &Val<String>) -> Option<String> {
    let s = v.as_str()?;
    if let Some(r) = p.resource(s) {
        return r.name.as_ref().and_then(Val::as_str).map(str::to_string);
    }
    Some(s.rsplit([':', '/']).next().unwrap_or(s).to_string())
}

fn triggers(p: &Project, f: &Function) -> Option<BTreeSet<String>> {
    f.triggers
        .iter()
        .map(|t| {
            Some(match &t.kind {
                TriggerKind::Api { method, path, .. } => format!("api {method} {path}"),
                TriggerKind::Alb { .. } => "load balancer".to_string(),
                TriggerKind::S3 { bucket, events, .. } => {
                    format!("s3 {} {}", physical(p, bucket)?, events.join(","))
                }
                TriggerKind::Sqs { queue, .. } => format!("sqs {}", physical(p, queue)?),
                TriggerKind::Sns { topic } => format!("sns {}", physical(p, topic)?),
                TriggerKind::Stream {
                    source, service, ..
                } => {
                    format!("{service} {}", physical(p, source)?)
                }
                TriggerKind::EventBridge { .. } => "eventbridge rule".to_string(),
                TriggerKind::Schedule { expression } => {
                    format!("schedule {}", expression.as_str()?)
                }
                TriggerKind::Cognito { pool } => format!("cognito {}", physical(p, pool)?),
                TriggerKind::Other { source, .. } => source.clone(),
            })
        })
        .collect()
}

fn permissions(p: &Project, f: &Function) -> Option<BTreeSet<String>> {
    let mine = |v: &Val<String>| {
        v.as_str()
            .is_some_and(|s| s == f.id || f.name.as_ref().and_then(Val::as_str) == Some(s))
    };
    p.permissions
        .iter()
        .filter(|perm| mine(&perm.function))
        .map(|perm| {
            let mut key = format!(
                "{} to {}",
                perm.action.as_str()?,
                perm.principal.value.as_str()?
            );
            if let Some(auth) = &perm.function_url_auth_type {
                key.push_str(&format!(" (URL auth {})", auth.as_str()?));
            }
            Some(key)
        })
        .collect()
}

fn role_of<'p>(p: &'p Project, f: &Function) -> Option<&'p fnguard_model::Role> {
    match &f.role {
        RoleRef::Declared { id, .. } => p.role(id),
        _ => None,
    }
}

/// The role's name and what it grants, as (action, resource) pairs; a grant on a resource the
/// template leaves unresolved matches any deployed resource for that action.
fn role(dp: &Project, d: &Function, lp: &Project, l: &Function, out: &mut Vec<Difference>) {
    let location = match &d.role {
        RoleRef::Declared { location, .. } | RoleRef::External { location, .. } => location.clone(),
        RoleRef::None => d.location.clone(),
    };
    let live_role = role_of(lp, l);
    let declared_name = match &d.role {
        RoleRef::Declared { id, .. } => dp
            .role(id)
            .and_then(|r| r.name.as_ref())
            .and_then(Val::as_str)
            .map(str::to_string),
        RoleRef::External { arn, .. } => arn
            .as_str()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string()),
        RoleRef::None => None,
    };
    let live_name = live_role
        .and_then(|r| r.name.as_ref())
        .and_then(Val::as_str)
        .map(str::to_string);
    if let (Some(a), Some(b)) = (&declared_name, &live_name) {
        if a != b {
            out.push(Difference {
                aspect: "role",
                text: format!("the role is `{b}` deployed, `{a}` declared"),
                declared: json!(a),
                deployed: json!(b),
                location: location.clone(),
            });
            return;
        }
    }
    let (Some(dr), Some(lr)) = (role_of(dp, d), live_role) else {
        return;
    };
    let granted = |p: &Project, r: &fnguard_model::Role, f: &Function| {
        fnguard_iam::analyse(r, &[f], &fnguard_iam::Resources::new(&p.resources)).granted_on()
    };
    let (dg, lg) = (granted(dp, dr, d), granted(lp, lr, l));
    let unresolved = |rs: &BTreeSet<String>| rs.iter().any(|r| r.starts_with('<'));
    let mut added: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut removed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let empty = BTreeSet::new();
    for (action, lrs) in &lg {
        let drs = dg.get(action).unwrap_or(&empty);
        if drs.is_empty() {
            for r in lrs {
                added.entry(r.clone()).or_default().push(action.clone());
            }
        } else if !unresolved(drs) {
            for r in lrs.difference(drs) {
                added.entry(r.clone()).or_default().push(action.clone());
            }
        }
    }
    for (action, drs) in &dg {
        let lrs = lg.get(action).unwrap_or(&empty);
        if lrs.is_empty() {
            for r in drs {
                removed.entry(r.clone()).or_default().push(action.clone());
            }
        } else if !unresolved(drs) {
            for r in drs.difference(lrs) {
                removed.entry(r.clone()).or_default().push(action.clone());
            }
        }
    }
    if added.is_empty() && removed.is_empty() {
        return;
    }
    let render = |m: &BTreeMap<String, Vec<String>>| -> Vec<String> {
        m.iter()
            .map(|(res, actions)| {
                let shown: Vec<&str> = actions.iter().take(4).map(String::as_str).collect();
                let more = if actions.len() > 4 {
                    format!(", …{} more", actions.len() - 4)
                } else {
                    String::new()
                };
                format!("{} on {res}{more}", shown.join(", "))
            })
            .collect()
    };
    let mut parts = Vec::new();
    let n = |m: &BTreeMap<String, Vec<String>>| m.values().map(Vec::len).sum::<usize>();
    if !added.is_empty() {
        parts.push(format!(
            "its role grants {} action(s) the template does not ({})",
            n(&added),
            render(&added).join("; ")
        ));
    }
    if !removed.is_empty() {
        parts.push(format!(
            "its role no longer grants {} declared action(s) ({})",
            n(&removed),
            render(&removed).join("; ")
        ));
    }
    out.push(Difference {
        aspect: "role_permissions",
        text: parts.join("; "),
        declared: json!(removed),
        deployed: json!(added),
        location,
    });
}
