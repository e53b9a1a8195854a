//! Routes from an inline OpenAPI/Swagger definition (`Body`, SAM `DefinitionBody`).

use super::Builder;
use crate::node::Node;
use fnguard_model::{ApiKind, Auth, Trigger, TriggerKind};
use std::collections::HashMap;

const METHODS: &[&str] = &[
    "get",
    "put",
    "post",
    "delete",
    "patch",
    "head",
    "options",
    "x-amazon-apigateway-any-method",
];

pub(crate) fn routes(
    b: &mut Builder<'_>,
    api: &str,
    body: &Node,
    _kind: ApiKind,
    authorizers: &HashMap<String, Auth>,
    default_auth: Option<&Auth>,
) {
    let schemes = body
        .path(&["components", "securitySchemes"])
        .or_else(|| body.get("securityDefinitions"));
    let global_security = body.get("security");
    for (path, item) in body.get("paths").map(Node::entries).unwrap_or_default() {
        for (method, op) in item.entries() {
            let m = method.name.to_ascii_lowercase();
            if !METHODS.contains(&m.as_str()) {
                continue;
            }
            let Some(uri) = op.path(&["x-amazon-apigateway-integration", "uri"]) else {
                continue;
            };
            let Some(f) = b.function_of(uri) else {
                continue;
            };
            let auth = op_auth(op, global_security, schemes, authorizers)
                .or_else(|| default_auth.cloned())
                .unwrap_or(Auth::None);
            let validated = Some(
                op.get("x-amazon-apigateway-request-validator").is_some()
                    || body.get("x-amazon-apigateway-request-validator").is_some(),
            );
            let method = if m == "x-amazon-apigateway-any-method" {
                "ANY".to_string()
            } else {
                m.to_uppercase()
            };
            b.push_trigger(
                &f,
                Trigger {
                    kind: TriggerKind::Api {
                        api: api.to_string(),
                        method,
                        path: path.name.clone(),
                        auth,
                        validated,
                        api_key_required: false,
                    },
                    location: crate::node::Node::location(op),
                },
            );
        }
    }
}

/// An operation's authorization as the definition writes it: `x-amazon-apigateway-auth`
/// (`AWS_IAM`, `NONE`), else its `security` (or the definition's), else `None` (the API's
/// default applies).
fn op_auth(
    op: &Node,
    global_security: Option<&Node>,
    schemes: Option<&Node>,
    authorizers: &HashMap<String, Auth>,
) -> Option<Auth> {
    if let Some(t) = op
        .path(&["x-amazon-apigateway-auth", "type"])
        .and_then(Node::str)
    {
        return Some(match t.to_ascii_uppercase().as_str() {
            "AWS_IAM" => Auth::Iam,
            "NONE" => Auth::None,
            other => Auth::Unknown(format!("x-amazon-apigateway-auth type {other}")),
        });
    }
    op.get("security")
        .or(global_security)
        .map(|sec| security_auth(sec, schemes, authorizers))
}

/// The authorization the definition gives `method path`, when it defines that operation:
/// `Some(None)` when defined without any, `None` when not defined at all.
pub(crate) fn defined_auth(
    body: &Node,
    method: &str,
    path: &str,
    authorizers: &HashMap<String, Auth>,
) -> Option<Option<Auth>> {
    let schemes = body
        .path(&["components", "securitySchemes"])
        .or_else(|| body.get("securityDefinitions"));
    let item = body
        .get("paths")?
        .entries()
        .iter()
        .find(|(k, _)| k.name == path)
        .map(|(_, v)| v)?;
    let m = method.to_ascii_lowercase();
    let op = item
        .entries()
        .iter()
        .find(|(k, _)| {
            let k = k.name.to_ascii_lowercase();
            k == m || k == "x-amazon-apigateway-any-method" || m == "any"
        })
        .map(|(_, v)| v)?;
    Some(op_auth(op, body.get("security"), schemes, authorizers))
}

fn security_auth(sec: &Node, schemes: Option<&Node>, authorizers: &HashMap<String, Auth>) -> Auth {
    let mut best = Auth::None;
    for requirement in sec.items() {
        for (name, _) in requirement.entries() {
            let auth = authorizers
                .get(&name.name)
                .cloned()
                .or_else(|| schemes.and_then(|s| s.get(&name.name)).map(scheme_auth))
                .unwrap_or_else(|| Auth::Unknown(format!("security scheme {}", name.name)));
            if best == Auth::None {
                best = auth;
            }
        }
    }
    best
}

fn scheme_auth(s: &Node) -> Auth {
    let authtype = s
        .get("x-amazon-apigateway-authtype")
        .and_then(Node::str)
        .map(str::to_ascii_lowercase);
    let authorizer_type = s
        .path(&["x-amazon-apigateway-authorizer", "type"])
        .and_then(Node::str)
        .map(str::to_ascii_lowercase);
    match (authtype.as_deref(), authorizer_type.as_deref()) {
        (Some("cognito_user_pools"), _) | (_, Some("cognito_user_pools")) => Auth::Cognito,
        (Some("awssigv4"), _) => Auth::Iam,
        (_, Some("jwt")) => Auth::Jwt,
        (Some("custom"), _) | (_, Some("token")) | (_, Some("request")) => Auth::Lambda,
        _ => match s.get("type").and_then(Node::str) {
            Some("oauth2") | Some("openIdConnect") => Auth::Jwt,
            // A bare API key identifies a client; it does not authenticate a caller.
            _ => Auth::None,
        },
    }
}
