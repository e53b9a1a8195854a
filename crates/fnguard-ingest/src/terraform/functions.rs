//! The Terraform built-in functions that configurations use to build security settings.
//! Anything else evaluates to an explicit unknown.

use super::eval::Evaluator;
use super::module::SourceFile;
use crate::node::{Key, Kind, Node};

pub fn call(name: &str, args: &[Node], site: &Node, ev: &Evaluator<'_>, file: &SourceFile) -> Node {
    let refs = || args.iter().flat_map(Node::refs).collect::<Vec<_>>();
    let unknown = |why: &str| site.unknown(format!("{name}(): {why}"), refs());
    let arg = |i: usize| args.get(i);
    let text = |i: usize| arg(i).and_then(Node::scalar_text);
    match name {
        // The JSON encoding of a policy is kept as the structure it encodes, so policy readers
        // see statements (and references) instead of an opaque string.
        "jsonencode" | "tolist" | "toset" | "tomap" | "sensitive" | "nonsensitive" => {
            arg(0).cloned().unwrap_or_else(|| unknown("no argument"))
        }
        "jsondecode" => match text(0).and_then(|t| serde_json::from_str(&t).ok()) {
            Some(j) => crate::policy::from_json(site, &j),
            None => unknown("not known JSON"),
        },
        "tostring" => match text(0) {
            Some(t) => site.with_kind(Kind::Str(t)),
            None => unknown("unknown value"),
        },
        "tonumber" => match arg(0).and_then(Node::as_i64) {
            Some(i) => site.with_kind(Kind::Int(i)),
            None => unknown("unknown value"),
        },
        "tobool" => match arg(0).and_then(Node::as_bool) {
            Some(b) => site.with_kind(Kind::Bool(b)),
            None => unknown("unknown value"),
        },
        "lower" | "upper" | "trimspace" | "title" => match text(0) {
            Some(t) => site.with_kind(Kind::Str(match name {
                "lower" => t.to_lowercase(),
                "upper" => t.to_uppercase(),
                "trimspace" => t.trim().to_string(),
                _ => t,
            })),
            None => unknown("unknown string"),
        },
        "replace" => match (text(0), text(1), text(2)) {
            (Some(s), Some(from), Some(to)) if !from.starts_with('/') => {
                site.with_kind(Kind::Str(s.replace(&from, &to)))
            }
            _ => unknown("unknown arguments or a regular expression"),
        },
        "format" => {
            let Some(fmt) = text(0) else {
                return unknown("unknown format");
            };
            let mut out = String::new();
            let mut next = 1;
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('%') => out.push('%'),
                    Some(_) => match text(next) {
                        Some(v) => {
                            out.push_str(&v);
                            next += 1;
                        }
                        None => return unknown("unknown argument"),
                    },
                    None => break,
                }
            }
            site.with_kind(Kind::Str(out))
        }
        "join" => match (text(0), arg(1).map(|l| &l.kind)) {
            (Some(sep), Some(Kind::Seq(items))) => {
                let parts: Option<Vec<String>> = items.iter().map(Node::scalar_text).collect();
                match parts {
                    Some(p) => site.with_kind(Kind::Str(p.join(&sep))),
                    None => unknown("unknown element"),
                }
            }
            _ => unknown("unknown arguments"),
        },
        "split" => match (text(0), text(1)) {
            (Some(sep), Some(s)) if !sep.is_empty() => site.with_kind(Kind::Seq(
                s.split(sep.as_str())
                    .map(|p| site.with_kind(Kind::Str(p.to_string())))
                    .collect(),
            )),
            _ => unknown("unknown arguments"),
        },
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match &a.kind {
                    Kind::Seq(items) => out.extend(items.iter().cloned()),
                    _ => return unknown("an argument is not a known list"),
                }
            }
            site.with_kind(Kind::Seq(out))
        }
        "merge" => {
            let mut out: Vec<(Key, Node)> = Vec::new();
            for a in args {
                match &a.kind {
                    Kind::Map(entries) => {
                        for (k, v) in entries {
                            out.retain(|(ok, _)| ok.name != k.name);
                            out.push((k.clone(), v.clone()));
                        }
                    }
                    Kind::Null => {}
                    _ => return unknown("an argument is not a known object"),
                }
            }
            site.with_kind(Kind::Map(out))
        }
        "lookup" => match (arg(0), text(1)) {
            (Some(m), Some(k)) if m.is_map() => m
                .get(&k)
                .cloned()
                .or_else(|| arg(2).cloned())
                .unwrap_or_else(|| unknown("missing key")),
            _ => arg(2)
                .cloned()
                .unwrap_or_else(|| unknown("unknown map or key")),
        },
        "element" => match (arg(0).map(|l| &l.kind), arg(1).and_then(Node::as_i64)) {
            (Some(Kind::Seq(items)), Some(i)) if !items.is_empty() && i >= 0 => {
                items[i as usize % items.len()].clone()
            }
            _ => unknown("unknown list or index"),
        },
        "length" => match arg(0).map(|a| &a.kind) {
            Some(Kind::Seq(items)) => site.with_kind(Kind::Int(items.len() as i64)),
            Some(Kind::Map(entries)) => site.with_kind(Kind::Int(entries.len() as i64)),
            Some(Kind::Str(s)) => site.with_kind(Kind::Int(s.chars().count() as i64)),
            _ => unknown("unknown collection"),
        },
        "coalesce" => args
            .iter()
            .find(|a| {
                !matches!(a.kind, Kind::Null) && a.scalar_text().is_some_and(|t| !t.is_empty())
            })
            .cloned()
            .unwrap_or_else(|| unknown("no known non-empty argument")),
        "try" => args
            .iter()
            .find(|a| !a.is_unknown())
            .cloned()
            .unwrap_or_else(|| unknown("every alternative is unknown")),
        "can" => site.with_kind(Kind::Bool(arg(0).is_some_and(|a| !a.is_unknown()))),
        "file" | "templatefile" => {
            let Some(path) = text(0) else {
                return unknown("unknown path");
            };
            let Some(content) = ev.module_file(&path, file) else {
                return unknown(&format!("{path} cannot be read"));
            };
            if name == "file" {
                return site.with_kind(Kind::Str(content));
            }
            // `${name}` substitutions from the variables map; anything richer stays unknown.
            let vars = arg(1);
            let mut out = String::new();
            let mut rest = content.as_str();
            while let Some(i) = rest.find("${") {
                out.push_str(&rest[..i]);
                let after = &rest[i + 2..];
                let Some(end) = after.find('}') else { break };
                let var = after[..end].trim();
                match vars.and_then(|v| v.get(var)).and_then(Node::scalar_text) {
                    Some(v) => out.push_str(&v),
                    None => return unknown(&format!("template variable {var}")),
                }
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            site.with_kind(Kind::Str(out))
        }
        _ => unknown("not evaluated"),
    }
}
