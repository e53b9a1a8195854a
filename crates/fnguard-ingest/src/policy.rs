//! IAM policy documents from evaluated nodes (CloudFormation, serverless, SAM templates).

use crate::node::{Kind, Node};
use fnguard_model::{Condition, Effect, PolicyDocument, Principals, Statement, Val};

pub fn policy_document(node: &Node) -> PolicyDocument {
    // Documents are sometimes given as JSON strings, and in Terraform as string templates
    // whose interpolations (an ARN of another resource) are not all known.
    let parsed;
    let node = match (&node.kind, node.str()) {
        (_, Some(s)) if s.trim_start().starts_with('{') => match serde_json::from_str(s) {
            Ok(j) => {
                parsed = from_json(node, &j);
                &parsed
            }
            Err(_) => node,
        },
        (Kind::Unknown(u), _) => match u.partial.as_deref() {
            Some((text, holes)) if text.trim_start().starts_with('{') => {
                match serde_json::from_str(text) {
                    Ok(j) => {
                        parsed = fill_holes(&from_json(node, &j), holes);
                        &parsed
                    }
                    Err(_) => node,
                }
            }
            _ => node,
        },
        _ => node,
    };
    let statements = match node.get("Statement") {
        Some(s) => s.one_or_many().into_iter().map(statement).collect(),
        None => Vec::new(),
    };
    PolicyDocument {
        statements,
        location: node.location(),
        ..Default::default()
    }
}

/// Statements given directly as a list (serverless `iamRoleStatements`, SAM inline statements).
pub fn statements(node: &Node) -> Vec<Statement> {
    node.one_or_many().into_iter().map(statement).collect()
}

pub fn statement(node: &Node) -> Statement {
    let effect = match node.get_ci("Effect").map(Node::to_val_string) {
        Some(Val::Known(e)) if e.eq_ignore_ascii_case("allow") => Val::Known(Effect::Allow),
        Some(Val::Known(e)) if e.eq_ignore_ascii_case("deny") => Val::Known(Effect::Deny),
        Some(Val::Unknown(u)) => Val::Unknown(u),
        Some(Val::Known(e)) => Val::unknown(format!("invalid Effect `{e}`")),
        None => Val::unknown("no Effect"),
    };
    let list = |key: &str| -> Vec<Val<String>> {
        node.get_ci(key)
            .map(|n| {
                n.one_or_many()
                    .into_iter()
                    .map(Node::to_val_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut conditions = Vec::new();
    if let Some(c) = node.get_ci("Condition") {
        for (op, body) in c.entries() {
            for (key, values) in body.entries() {
                conditions.push(Condition {
                    operator: op.name.clone(),
                    key: key.name.clone(),
                    values: values
                        .one_or_many()
                        .into_iter()
                        .map(Node::to_val_string)
                        .collect(),
                });
            }
        }
    }
    Statement {
        sid: node.get_ci("Sid").and_then(Node::scalar_text),
        effect,
        actions: list("Action"),
        not_actions: list("NotAction"),
        resources: list("Resource"),
        not_resources: list("NotResource"),
        principals: node.get_ci("Principal").map(principals),
        not_principals: node.get_ci("NotPrincipal").map(principals),
        conditions,
        location: node.location(),
    }
}

pub fn principals(node: &Node) -> Principals {
    let mut p = Principals::default();
    if node.str() == Some("*") {
        p.wildcard = true;
        return p;
    }
    let vals = |n: &Node| -> Vec<Val<String>> {
        n.one_or_many()
            .into_iter()
            .map(Node::to_val_string)
            .collect()
    };
    for (k, v) in node.entries() {
        match k.name.as_str() {
            "AWS" => p.aws = vals(v),
            "Service" => p.service = vals(v),
            "Federated" => p.federated = vals(v),
            _ => {}
        }
    }
    if !node.is_map() && node.str().is_none() {
        p.aws.push(node.to_val_string());
    }
    p
}

/// JSON (from a string policy) to a node tree positioned at the string.
/// Puts the unresolved template parts back: a string that is exactly one hole becomes that
/// part's value (a reference keeps its target); text mixing holes is unknown, with the
/// references of its parts.
fn fill_holes(n: &Node, holes: &[Node]) -> Node {
    match &n.kind {
        Kind::Str(s) if s.contains(crate::node::HOLE) => {
            let parts: Vec<&str> = s.split(crate::node::HOLE).collect();
            let hole = |i: &str| i.parse::<usize>().ok().and_then(|i| holes.get(i));
            if let ["", i, ""] = parts.as_slice() {
                if let Some(h) = hole(i) {
                    return h.clone();
                }
            }
            let refs: Vec<String> = parts
                .iter()
                .skip(1)
                .step_by(2)
                .filter_map(|i| hole(i))
                .flat_map(Node::refs)
                .collect();
            let shown: String = parts
                .iter()
                .enumerate()
                .map(|(k, p)| if k % 2 == 1 { "${…}" } else { p })
                .collect();
            n.unknown(shown, refs)
        }
        Kind::Seq(items) => n.with_kind(Kind::Seq(
            items.iter().map(|i| fill_holes(i, holes)).collect(),
        )),
        Kind::Map(entries) => n.with_kind(Kind::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), fill_holes(v, holes)))
                .collect(),
        )),
        _ => n.clone(),
    }
}

pub fn from_json(site: &Node, j: &serde_json::Value) -> Node {
    use serde_json::Value as J;
    let kind = match j {
        J::Null => Kind::Null,
        J::Bool(b) => Kind::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Kind::Int(i),
            None => Kind::Float(n.to_string()),
        },
        J::String(s) => Kind::Str(s.clone()),
        J::Array(a) => Kind::Seq(a.iter().map(|v| from_json(site, v)).collect()),
        J::Object(o) => Kind::Map(
            o.iter()
                .map(|(k, v)| {
                    (
                        crate::node::Key {
                            name: k.clone(),
                            line: site.line,
                            column: site.column,
                        },
                        from_json(site, v),
                    )
                })
                .collect(),
        ),
    };
    site.with_kind(kind)
}
