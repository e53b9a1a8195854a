//! The application model as a documented JSON document (`fnguard model --format json`, and the
//! `input` of custom Rego rules): one project's functions with what matters for a policy
//! (runtime, handler, limits, environment names, triggers, role and its effective permissions,
//! function URL, packages, code findings), its resources, and the graph's edges. The shape is
//! `fnguard-model/v1`; `schemas/fnguard-model-v1.schema.json` is generated from `schema()`.

use fnguard_model::{Location, Project, RoleRef, Setting, Val};
use serde_json::{json, Value};

pub const MODEL_SCHEMA: &str = "fnguard-model/v1";

fn known<T: serde::Serialize>(v: &Val<T>) -> Value {
    v.known().map_or(Value::Null, |x| json!(x))
}

fn setting<T: serde::Serialize>(s: Option<&Setting<T>>) -> Value {
    s.map_or(Value::Null, |s| known(&s.value))
}

fn at(l: &Location) -> Value {
    json!({ "file": l.file, "line": l.line })
}

/// The document of one project.
pub fn document(project: &Project, sensitive_words: &[String]) -> Value {
    let graph = fnguard_flow::build(project, sensitive_words);
    let functions: Vec<Value> = project
        .functions
        .iter()
        .map(|f| {
            let role = match &f.role {
                RoleRef::Declared { id, .. } => json!({ "kind": "declared", "id": id }),
                RoleRef::External { arn, .. } => json!({ "kind": "external", "arn": known(arn) }),
                RoleRef::None => json!({ "kind": "none" }),
            };
            let permissions: Vec<Value> = match &f.role {
                RoleRef::Declared { id, .. } => project
                    .role(id)
                    .map(|r| {
                        fnguard_iam::effective_permissions(r)
                            .grants
                            .iter()
                            .map(|g| {
                                json!({
                                    "effect": if g.allow { "Allow" } else { "Deny" },
                                    "actions": g.actions,
                                    "not_action": g.not_action,
                                    "resources": g.resources.iter().map(known).collect::<Vec<_>>(),
                                    "condition_keys": g.condition_keys,
                                    "managed_policy": g.managed,
                                    "at": at(&g.location),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let triggers: Vec<Value> = f
                .triggers
                .iter()
                .map(|t| {
                    let mut v = serde_json::to_value(&t.kind).unwrap_or(Value::Null);
                    if let Some(o) = v.as_object_mut() {
                        o.insert("at".into(), at(&t.location));
                    }
                    v
                })
                .collect();
            let url = f.url.as_ref().map_or(Value::Null, |u| {
                json!({
                    "auth_type": known(&u.auth_type.value),
                    "cors_origins": u.cors.as_ref().map(|c| c.allow_origins.iter().map(known).collect::<Vec<_>>()),
                    "at": at(&u.location),
                })
            });
            let packages: Vec<Value> = f
                .deps
                .as_ref()
                .map(|d| {
                    d.packages
                        .iter()
                        .map(|p| {
                            json!({
                                "ecosystem": p.ecosystem,
                                "name": p.name,
                                "version": p.version,
                                "dev": p.dev,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let code_findings: Vec<Value> = f
                .code
                .as_ref()
                .map(|c| {
                    c.findings
                        .iter()
                        .map(|cf| {
                            json!({
                                "rule": cf.rule,
                                "sink": cf.sink,
                                "detail": cf.detail,
                                "event_fields": cf.event_fields,
                                "at": at(&cf.location),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let sdk_calls: Vec<&str> = f
                .code
                .as_ref()
                .map(|c| c.calls.iter().map(|s| s.action.as_str()).collect())
                .unwrap_or_default();
            json!({
                "id": f.id,
                "name": f.name.as_ref().map_or(Value::Null, known),
                "runtime": setting(f.runtime.as_ref()),
                "handler": setting(f.handler.as_ref()),
                "image": f.is_image,
                "timeout": setting(f.timeout_s.as_ref()),
                "memory": setting(f.memory_mb.as_ref()),
                "reserved_concurrency": setting(f.reserved_concurrency.as_ref()),
                "environment": f.environment.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
                "layers": f.layers.iter().map(|l| known(&l.value)).collect::<Vec<_>>(),
                "vpc": f.in_vpc,
                "tracing": setting(f.tracing.as_ref()),
                "log_retention_days": setting(f.log_retention_days.as_deref()),
                "dead_letter": setting(f.dead_letter.as_deref()),
                "on_failure": setting(f.on_failure_destination.as_deref()),
                "triggers": triggers,
                "role": role,
                "permissions": permissions,
                "url": url,
                "packages": packages,
                "sdk_calls": sdk_calls,
                "code_complete": f.code.as_ref().is_some_and(|c| c.complete),
                "code_findings": code_findings,
                "at": at(&f.location),
            })
        })
        .collect();
    let resources: Vec<Value> = project
        .resources
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "kind": r.kind,
                "type": r.type_name,
                "name": r.name.as_ref().map_or(Value::Null, known),
                "encrypted": setting(r.encrypted.as_ref()),
                "at": at(&r.location),
            })
        })
        .collect();
    let roles: Vec<Value> = project
        .roles
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "managed_policies": r.managed_policies.iter().map(|m| known(&m.value)).collect::<Vec<_>>(),
                "permissions_boundary": setting(r.permissions_boundary.as_ref()),
                "at": at(&r.location),
            })
        })
        .collect();
    let nodes: Vec<Value> = graph
        .nodes
        .iter()
        .map(|n| json!({ "id": n.id, "kind": format!("{:?}", n.kind).to_lowercase(), "label": n.label, "public": n.public }))
        .collect();
    let edges: Vec<Value> = graph
        .edges()
        .map(|e| json!({ "from": e.from, "to": e.to, "kind": e.kind.label(), "detail": e.detail }))
        .collect();
    json!({
        "schema": MODEL_SCHEMA,
        "project": { "path": project.path, "format": project.format.as_str() },
        "functions": functions,
        "resources": resources,
        "roles": roles,
        "nodes": nodes,
        "edges": edges,
    })
}

/// Where a model element is declared: a function, resource or role id, or a graph node id
/// (`fn:Api`); the project's descriptor otherwise.
pub fn locate(project: &Project, id: &str) -> Location {
    let bare = id.split_once(':').map_or(id, |(_, rest)| rest);
    for candidate in [id, bare] {
        if let Some(f) = project.functions.iter().find(|f| f.id == candidate) {
            return f.location.clone();
        }
        if let Some(r) = project.resources.iter().find(|r| r.id == candidate) {
            return r.location.clone();
        }
        if let Some(r) = project.roles.iter().find(|r| r.id == candidate) {
            return r.location.clone();
        }
    }
    Location::new(project.path.clone(), 1, 1)
}

/// The JSON Schema of the document.
pub fn schema() -> Value {
    let string_or_null = json!({ "type": ["string", "null"] });
    let int_or_null = json!({ "type": ["integer", "null"] });
    let at = json!({
        "type": "object",
        "required": ["file", "line"],
        "properties": { "file": { "type": "string" }, "line": { "type": "integer" } }
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/fnguard/fnguard/schemas/fnguard-model-v1.schema.json",
        "title": "fnguard application model (one project)",
        "description": "What `fnguard model --format json` prints per project and what custom Rego rules get as `input`.",
        "type": "object",
        "required": ["schema", "project", "functions", "resources", "roles", "nodes", "edges"],
        "properties": {
            "schema": { "const": MODEL_SCHEMA },
            "project": {
                "type": "object",
                "required": ["path", "format"],
                "properties": { "path": { "type": "string" }, "format": { "type": "string" } }
            },
            "functions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "runtime", "handler", "timeout", "memory", "environment", "triggers", "role", "permissions", "url", "packages", "code_findings", "at"],
                    "properties": {
                        "id": { "type": "string", "description": "logical id; what a deny object's `id` names" },
                        "name": string_or_null,
                        "runtime": string_or_null,
                        "handler": string_or_null,
                        "image": { "type": "boolean" },
                        "timeout": int_or_null,
                        "memory": int_or_null,
                        "reserved_concurrency": int_or_null,
                        "environment": { "type": "array", "items": { "type": "string" }, "description": "variable names (values are never exported)" },
                        "layers": { "type": "array" },
                        "vpc": { "type": "boolean" },
                        "tracing": string_or_null,
                        "log_retention_days": int_or_null,
                        "dead_letter": string_or_null,
                        "on_failure": string_or_null,
                        "triggers": { "type": "array", "items": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } } } },
                        "role": { "type": "object", "required": ["kind"], "properties": { "kind": { "enum": ["declared", "external", "none"] } } },
                        "permissions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["effect", "actions", "resources"],
                                "properties": {
                                    "effect": { "enum": ["Allow", "Deny"] },
                                    "actions": { "type": "array", "items": { "type": "string" } },
                                    "not_action": { "type": "boolean" },
                                    "resources": { "type": "array" },
                                    "condition_keys": { "type": "array", "items": { "type": "string" } },
                                    "managed_policy": string_or_null,
                                    "at": at
                                }
                            }
                        },
                        "url": {
                            "type": ["object", "null"],
                            "properties": { "auth_type": string_or_null, "cors_origins": { "type": ["array", "null"] }, "at": at }
                        },
                        "packages": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["ecosystem", "name"],
                                "properties": { "ecosystem": { "type": "string" }, "name": { "type": "string" }, "version": string_or_null, "dev": { "type": "boolean" } }
                            }
                        },
                        "sdk_calls": { "type": "array", "items": { "type": "string" } },
                        "code_complete": { "type": "boolean" },
                        "code_findings": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["rule", "sink", "at"],
                                "properties": { "rule": { "type": "string" }, "sink": { "type": "string" }, "detail": { "type": "string" }, "event_fields": { "type": "array" }, "at": at }
                            }
                        },
                        "at": at
                    }
                }
            },
            "resources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "kind", "type", "at"],
                    "properties": { "id": { "type": "string" }, "kind": { "type": "string" }, "type": { "type": "string" }, "name": string_or_null, "encrypted": { "type": ["boolean", "null"] }, "at": at }
                }
            },
            "roles": { "type": "array", "items": { "type": "object", "required": ["id", "at"] } },
            "nodes": {
                "type": "array",
                "items": { "type": "object", "required": ["id", "kind"], "properties": { "id": { "type": "string" }, "kind": { "type": "string" }, "label": { "type": "string" }, "public": { "type": "boolean" } } }
            },
            "edges": {
                "type": "array",
                "items": { "type": "object", "required": ["from", "to", "kind"], "properties": { "from": { "type": "string" }, "to": { "type": "string" }, "kind": { "type": "string" }, "detail": { "type": "string" } } }
            }
        }
    })
}
