//! A format-neutral document tree with positions, shared by the YAML and JSON readers and by
//! the intrinsic/variable evaluators.

use fnguard_model::{Location, Val};
use std::sync::Arc;

/// How an unknown that is a reference to a declared resource explains itself; such values are
/// known at deploy time to be that resource, which is not a risk in itself.
pub const REFERENCE_PREFIX: &str = "reference to ";

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    /// Kept as written so `3.10` stays `3.10`.
    Float(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
    /// A reference to a resource of the same template (`Ref`, `Fn::GetAtt`).
    Ref {
        id: String,
        attr: Option<String>,
    },
    /// A value fnguard could not resolve; `refs` are the resources it mentions.
    Unknown(Unknown),
    /// `AWS::NoValue`: the property is removed.
    NoValue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unknown {
    pub reason: String,
    pub refs: Vec<String>,
    /// A string template whose unresolved parts are `HOLE`-marked (`HOLE<n>HOLE`), with the
    /// value of each part: lets a JSON policy written as a template (`<<EOF {...${arn}...} EOF`)
    /// be read with only its unresolved values unknown.
    pub partial: Option<Box<(String, Vec<Node>)>>,
}

/// Marks an unresolved part inside `Unknown::partial` text; a private-use character, valid in
/// JSON strings and never in a policy.
pub const HOLE: char = '\u{E000}';

impl Node {
    pub fn new(kind: Kind, file: Arc<str>, line: u32, column: u32) -> Self {
        Self {
            kind,
            file,
            line,
            column,
        }
    }

    pub fn with_kind(&self, kind: Kind) -> Node {
        Node {
            kind,
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }

    pub fn unknown(&self, reason: impl Into<String>, refs: Vec<String>) -> Node {
        self.with_kind(Kind::Unknown(Unknown {
            reason: reason.into(),
            refs,
            partial: None,
        }))
    }

    pub fn location(&self) -> Location {
        Location::new(&self.file, self.line, self.column)
    }

    /// Map lookup by exact key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Map lookup, ignoring ASCII case (serverless keys are written in many cases).
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.name.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follow a dotted path of map keys.
    pub fn path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn key_location(&self, key: &str) -> Option<Location> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.name == key)
                .map(|(k, _)| Location::new(&self.file, k.line, k.column)),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// A single item or a list of items, as many AWS fields accept either.
    pub fn one_or_many(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Seq(items) => items.iter().collect(),
            Kind::Null | Kind::NoValue => Vec::new(),
            _ => vec![self],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar as text, when it is a known scalar.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.kind {
            Kind::Int(i) => Some(*i),
            Kind::Str(s) => s.trim().parse().ok(),
            Kind::Float(f) => f.parse::<f64>().ok().map(|v| v as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.kind {
            Kind::Int(i) => Some(*i as f64),
            Kind::Str(s) | Kind::Float(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            Kind::Str(s) => match s.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The node as a user-facing value: known scalar text, or unknown with a reason.
    pub fn to_val_string(&self) -> Val<String> {
        match &self.kind {
            Kind::Unknown(u) => Val::unknown_from(u.reason.clone(), u.refs.clone()),
            Kind::Ref { id, attr } => Val::unknown_reference(REFERENCE_PREFIX, id, attr.as_deref()),
            // A raw intrinsic left unevaluated (serverless `iam` statements): keep what it
            // refers to.
            Kind::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                let target = match k.name.as_str() {
                    "Ref" => v.scalar_text(),
                    "Fn::GetAtt" => match &v.kind {
                        Kind::Seq(parts) => {
                            let parts: Vec<String> =
                                parts.iter().filter_map(Node::scalar_text).collect();
                            (!parts.is_empty()).then(|| parts.join("."))
                        }
                        _ => v.scalar_text(),
                    },
                    _ => None,
                };
                match target {
                    Some(t) => match t.split_once('.') {
                        Some((id, attr)) => {
                            Val::unknown_reference(REFERENCE_PREFIX, id, Some(attr))
                        }
                        None => Val::unknown_reference(REFERENCE_PREFIX, &t, None),
                    },
                    None => Val::unknown("a structured value"),
                }
            }
            Kind::Seq(_) | Kind::Map(_) => Val::unknown("a structured value"),
            Kind::Null | Kind::NoValue => Val::Known(String::new()),
            _ => self
                .scalar_text()
                .map(Val::Known)
                .unwrap_or_else(|| Val::unknown("unsupported value")),
        }
    }

    pub fn to_val_i64(&self) -> Val<i64> {
        match self.as_i64() {
            Some(v) => Val::Known(v),
            None => match self.to_val_string() {
                Val::Unknown(u) => Val::Unknown(u),
                Val::Known(s) => Val::unknown(format!("not a number: {s}")),
            },
        }
    }

    pub fn to_val_bool(&self) -> Val<bool> {
        match self.as_bool() {
            Some(v) => Val::Known(v),
            None => match self.to_val_string() {
                Val::Unknown(u) => Val::Unknown(u),
                Val::Known(s) => Val::unknown(format!("not a boolean: {s}")),
            },
        }
    }

    /// Resource ids this value mentions (references, and references inside unknowns).
    pub fn refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_refs(&mut out, 0);
        // Usually one or two, kept with each function's settings: not the four a first push
        // makes room for.
        out.shrink_to_fit();
        out
    }

    fn collect_refs(&self, out: &mut Vec<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        match &self.kind {
            Kind::Ref { id, .. } if !out.contains(id) => {
                out.push(id.clone());
            }
            Kind::Unknown(u) => {
                for r in &u.refs {
                    if !out.contains(r) {
                        out.push(r.clone());
                    }
                }
            }
            Kind::Seq(items) => items.iter().for_each(|n| n.collect_refs(out, depth + 1)),
            Kind::Map(entries) => entries
                .iter()
                .for_each(|(_, n)| n.collect_refs(out, depth + 1)),
            _ => {}
        }
    }

    /// Resources named by raw (unevaluated) CloudFormation intrinsics inside this value:
    /// `Ref: X`, `Fn::GetAtt: [X, Attr]` or `X.Attr`, and `${X}` / `${X.Attr}` in `Fn::Sub`.
    /// Serverless function settings carry these before any template evaluation happens.
    pub fn raw_intrinsic_refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo: Vec<(&Node, usize)> = vec![(self, 0)];
        while let Some((n, depth)) = todo.pop() {
            if depth > 64 {
                continue;
            }
            let mut push = |s: &str| {
                let id = s.split('.').next().unwrap_or(s).to_string();
                if !id.is_empty() && !id.starts_with("AWS::") && !out.contains(&id) {
                    out.push(id);
                }
            };
            match &n.kind {
                Kind::Map(entries) => {
                    for (k, v) in entries {
                        match k.name.as_str() {
                            "Ref" => {
                                if let Some(s) = v.str() {
                                    push(s);
                                }
                            }
                            "Fn::GetAtt" => match &v.kind {
                                Kind::Str(s) => push(s),
                                Kind::Seq(items) => {
                                    if let Some(s) = items.first().and_then(Node::str) {
                                        push(s);
                                    }
                                }
                                _ => {}
                            },
                            "Fn::Sub" => {
                                let template =
                                    v.str().or_else(|| v.items().first().and_then(Node::str));
                                let mut rest = template.unwrap_or("");
                                while let Some(i) = rest.find("${") {
                                    let after = &rest[i + 2..];
                                    let end = after.find('}').unwrap_or(after.len());
                                    let var = &after[..end];
                                    if !var.starts_with('!') {
                                        push(var);
                                    }
                                    rest = &after[end.min(after.len())..];
                                }
                            }
                            _ => todo.push((v, depth + 1)),
                        }
                    }
                }
                Kind::Seq(items) => todo.extend(items.iter().map(|i| (i, depth + 1))),
                _ => {}
            }
        }
        out
    }

    /// The single resource this value refers to (`!Ref X`, `!GetAtt X.Arn`, `arn:...${X}`).
    pub fn single_ref(&self) -> Option<String> {
        let refs = self.refs();
        if refs.len() == 1 {
            refs.into_iter().next()
        } else {
            None
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null | Kind::NoValue => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(i) => J::from(*i),
            Kind::Float(f) => f
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.clone())),
            Kind::Str(s) => J::String(s.clone()),
            Kind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
            Kind::Ref { id, attr } => match attr {
                Some(a) => J::String(format!("${{{id}.{a}}}")),
                None => J::String(format!("${{{id}}}")),
            },
            Kind::Unknown(u) => J::String(format!("<unknown: {}>", u.reason)),
        }
    }
}
