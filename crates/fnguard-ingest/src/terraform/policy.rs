//! `data "aws_iam_policy_document"` rendered to the policy it produces, as a node tree in
//! IAM JSON shape (so the same policy reader serves every format).

use super::eval::{Evaluator, Frame};
use super::module::SourceFile;
use crate::node::{Key, Kind, Node};
use hcl_edit::Span;

fn key(site: &Node, name: &str) -> Key {
    Key {
        name: name.to_string(),
        line: site.line,
        column: site.column,
    }
}

pub fn render_policy_document(ev: &Evaluator<'_>, name: &str, from: &SourceFile) -> Option<Node> {
    if !ev.documents_busy.borrow_mut().insert(name.to_string()) {
        return None; // includes itself: left unknown
    }
    ev.nesting.set(ev.nesting.get() + 8);
    let doc = render(ev, name, from);
    ev.nesting.set(ev.nesting.get().saturating_sub(8));
    ev.documents_busy.borrow_mut().remove(name);
    doc
}

fn render(ev: &Evaluator<'_>, name: &str, _from: &SourceFile) -> Option<Node> {
    let (block, file) = ev.module.data_block("aws_iam_policy_document", name)?;
    let (line, column) = block
        .span()
        .map(|s| file.line_col(s.start))
        .unwrap_or((1, 1));
    let site = Node::new(Kind::Null, file.rel.clone(), line, column);
    let body = ev.body_node(&block.body, file, &Frame::default(), &site);
    let mut statements: Vec<Node> = Vec::new();
    // Statements of source documents come first; ours are added after them.
    for src in body
        .get("source_policy_documents")
        .map(Node::items)
        .unwrap_or_default()
    {
        statements.extend(
            src.get("Statement")
                .map(|s| s.one_or_many().into_iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default(),
        );
    }
    for st in body.get("statement").map(Node::items).unwrap_or_default() {
        let mut out: Vec<(Key, Node)> = Vec::new();
        let s = st;
        let copy = |out: &mut Vec<(Key, Node)>, from: &str, to: &str| {
            if let Some(v) = s.get(from) {
                out.push((key(v, to), v.clone()));
            }
        };
        copy(&mut out, "sid", "Sid");
        match s.get("effect") {
            Some(e) => out.push((key(e, "Effect"), e.clone())),
            None => out.push((key(s, "Effect"), s.with_kind(Kind::Str("Allow".into())))),
        }
        copy(&mut out, "actions", "Action");
        copy(&mut out, "not_actions", "NotAction");
        copy(&mut out, "resources", "Resource");
        copy(&mut out, "not_resources", "NotResource");
        for (tf, cfn) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let Some(ps) = s.get(tf) else { continue };
            let mut principal: Vec<(Key, Node)> = Vec::new();
            let mut wildcard = false;
            for p in ps.items() {
                let ty = p
                    .get("type")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                let ids = p
                    .get("identifiers")
                    .cloned()
                    .unwrap_or_else(|| p.with_kind(Kind::Seq(Vec::new())));
                if ty == "*" {
                    wildcard = true;
                    continue;
                }
                principal.push((key(p, &ty), ids));
            }
            let node = if wildcard {
                ps.with_kind(Kind::Str("*".into()))
            } else {
                ps.with_kind(Kind::Map(principal))
            };
            out.push((key(ps, cfn), node));
        }
        if let Some(cs) = s.get("condition") {
            let mut by_op: Vec<(Key, Node)> = Vec::new();
            for c in cs.items() {
                let (Some(test), Some(var)) = (
                    c.get("test").and_then(Node::scalar_text),
                    c.get("variable").and_then(Node::scalar_text),
                ) else {
                    continue;
                };
                let values = c
                    .get("values")
                    .cloned()
                    .unwrap_or_else(|| c.with_kind(Kind::Seq(Vec::new())));
                match by_op.iter_mut().find(|(k, _)| k.name == test) {
                    Some((
                        _,
                        Node {
                            kind: Kind::Map(m), ..
                        },
                    )) => m.push((key(c, &var), values)),
                    _ => by_op.push((
                        key(c, &test),
                        c.with_kind(Kind::Map(vec![(key(c, &var), values)])),
                    )),
                }
            }
            out.push((key(cs, "Condition"), cs.with_kind(Kind::Map(by_op))));
        }
        statements.push(st.with_kind(Kind::Map(out)));
    }
    for src in body
        .get("override_policy_documents")
        .map(Node::items)
        .unwrap_or_default()
    {
        statements.extend(
            src.get("Statement")
                .map(|s| s.one_or_many().into_iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default(),
        );
    }
    Some(site.with_kind(Kind::Map(vec![
        (
            key(&site, "Version"),
            site.with_kind(Kind::Str("2012-10-17".into())),
        ),
        (
            key(&site, "Statement"),
            site.with_kind(Kind::Seq(statements)),
        ),
    ])))
}
