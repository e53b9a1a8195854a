//! Edits to JSON descriptors that keep everything outside the edited member byte for byte:
//! a small parser records where each value starts and ends, and edits splice text there.

use crate::text::{indentation, splice};
use crate::FixError;

/// Deeper documents are refused rather than risking the stack.
const MAX_DEPTH: usize = 256;

/// A parsed value with its byte range; objects keep their members in order.
#[derive(Debug)]
pub(crate) struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Object(Vec<Member>),
    Array(Vec<Node>),
    Scalar,
}

#[derive(Debug)]
pub(crate) struct Member {
    pub key: String,
    /// Where the member's key (its opening quote) starts.
    pub key_start: usize,
    pub value: Node,
}

pub(crate) fn parse(text: &str) -> Result<Node, FixError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.error("text after the document"));
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> FixError {
        let line = self.s[..self.i.min(self.s.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        FixError::Syntax(format!("line {line}: {what}"))
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, FixError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let start = self.i;
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.i;
                        let key = self.string()?;
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return Err(self.error("expected `:`"));
                        }
                        self.i += 1;
                        self.ws();
                        let value = self.value(depth + 1)?;
                        members.push(Member {
                            key,
                            key_start,
                            value,
                        });
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                Ok(Node {
                    start,
                    end: self.i,
                    kind: Kind::Object(members),
                })
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                Ok(Node {
                    start,
                    end: self.i,
                    kind: Kind::Array(items),
                })
            }
            Some(b'"') => {
                self.string()?;
                Ok(Node {
                    start,
                    end: self.i,
                    kind: Kind::Scalar,
                })
            }
            Some(_) => {
                while self.i < self.s.len()
                    && !matches!(
                        self.s[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                if self.i == start {
                    return Err(self.error("expected a value"));
                }
                Ok(Node {
                    start,
                    end: self.i,
                    kind: Kind::Scalar,
                })
            }
            None => Err(self.error("unexpected end of the document")),
        }
    }

    fn string(&mut self) -> Result<String, FixError> {
        if self.s.get(self.i) != Some(&b'"') {
            return Err(self.error("expected a string"));
        }
        let start = self.i;
        self.i += 1;
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    let raw = std::str::from_utf8(&self.s[start..self.i])
                        .map_err(|_| self.error("a string is not UTF-8"))?;
                    return serde_json::from_str(raw).map_err(|e| self.error(&e.to_string()));
                }
                _ => self.i += 1,
            }
        }
        Err(self.error("unterminated string"))
    }
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            Kind::Object(members) => members.iter().find(|m| m.key == key),
            _ => None,
        }
    }

    /// The node at `route`: object keys, and `[n]` for the n-th item of an array.
    pub(crate) fn at(&self, route: &[&str]) -> Option<&Node> {
        let mut node = self;
        for key in route {
            node = match (&node.kind, crate::index_of(key)) {
                (Kind::Array(items), Some(i)) => items.get(i)?,
                _ => &node.get(key)?.value,
            };
        }
        Some(node)
    }
}

/// The 1-based first and last lines of the value at each route (one parse for all).
pub(crate) fn lines_of(text: &str, routes: &[Vec<&str>]) -> Vec<Option<(usize, usize)>> {
    let Ok(root) = parse(text) else {
        return vec![None; routes.len()];
    };
    // Line starts once, then a binary search per offset.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line = |offset: usize| starts.partition_point(|s| *s <= offset);
    routes
        .iter()
        .map(|route| {
            let node = root.at(route)?;
            Some((
                line(node.start),
                line(node.end.saturating_sub(1).max(node.start)),
            ))
        })
        .collect()
}

/// `value` as JSON laid out like the surrounding document: pretty-printed with the
/// document's indent step, every line after the first indented by `indent`.
fn render(value: &serde_json::Value, indent: &str, step: &str) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(step.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    let pretty = match serde::Serialize::serialize(value, &mut ser) {
        Ok(()) => String::from_utf8(buf).unwrap_or_default(),
        Err(_) => value.to_string(),
    };
    pretty.replace('\n', &format!("\n{indent}"))
}

/// Sets `key` in the object at `route` to `value` (replacing the old value, or adding the member
/// after the last one), creating missing objects on the way. Returns the edited text.
pub(crate) fn set(
    text: &str,
    route: &[&str],
    key: &str,
    value: &serde_json::Value,
) -> Result<String, FixError> {
    let root = parse(text)?;
    // The deepest existing object on the route; what is missing is created inside it.
    let mut depth = 0;
    while depth < route.len() && root.at(&route[..=depth]).is_some() {
        depth += 1;
    }
    let (target, key, value) = if depth == route.len() {
        (route, key, value.clone())
    } else {
        let mut nested = serde_json::json!({ key: value });
        for k in route[depth + 1..].iter().rev() {
            nested = serde_json::json!({ *k: nested });
        }
        (&route[..depth], route[depth], nested)
    };
    let Some(object) = root.at(target) else {
        return Err(FixError::NotFound(target.join("/")));
    };
    let Kind::Object(members) = &object.kind else {
        return Err(FixError::NotFound(format!(
            "{} is not an object",
            target.join("/")
        )));
    };
    let step = detect_step(text);
    if let Some(m) = members.iter().find(|m| m.key == key) {
        let indent = indentation(text, m.key_start);
        let rendered = render(&value, indent, &step);
        return Ok(splice(text, m.value.start..m.value.end, &rendered));
    }
    let member_key = serde_json::Value::String(key.to_string()).to_string();
    match members.last() {
        Some(last) => {
            let indent = indentation(text, last.key_start).to_string();
            let same_line = !text[object.start..last.key_start].contains('\n');
            let rendered = render(&value, &indent, &step);
            let insertion = if same_line {
                format!(", {member_key}: {rendered}")
            } else {
                format!(",\n{indent}{member_key}: {rendered}")
            };
            Ok(splice(text, last.value.end..last.value.end, &insertion))
        }
        None => {
            let outer = indentation(text, object.start).to_string();
            let inner = format!("{outer}{step}");
            let rendered = render(&value, &inner, &step);
            Ok(splice(
                text,
                object.start..object.end,
                &format!("{{\n{inner}{member_key}: {rendered}\n{outer}}}"),
            ))
        }
    }
}

/// Removes the member `key` of the object at `route`, with the comma that separated it.
pub(crate) fn remove(text: &str, route: &[&str], key: &str) -> Result<String, FixError> {
    let root = parse(text)?;
    let Some(Node {
        kind: Kind::Object(members),
        ..
    }) = root.at(route)
    else {
        return Err(FixError::NotFound(route.join("/")));
    };
    let Some(i) = members.iter().position(|m| m.key == key) else {
        return Ok(text.to_string());
    };
    let range = if i > 0 {
        // From the end of the previous member: its comma goes with the removed member.
        members[i - 1].value.end..members[i].value.end
    } else if let Some(next) = members.get(1) {
        members[i].key_start..next.key_start
    } else {
        members[i].key_start..members[i].value.end
    };
    Ok(splice(text, range, ""))
}

/// The indent step of the document (the first indented line's whitespace), two spaces if none.
fn detect_step(text: &str) -> String {
    text.lines()
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .find(|w| !w.is_empty())
        .unwrap_or("  ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n    \"Resources\": {\n        \"Fn\": {\n            \"Type\": \"AWS::Lambda::Function\",\n            \"Properties\": {\n                \"Runtime\": \"python3.12\"\n            }\n        }\n    }\n}\n";

    #[test]
    fn adds_a_member_with_the_documents_indentation() {
        let out = set(
            DOC,
            &["Resources", "Fn", "Properties"],
            "TracingConfig",
            &serde_json::json!({"Mode": "Active"}),
        )
        .unwrap();
        assert_eq!(
            out,
            "{\n    \"Resources\": {\n        \"Fn\": {\n            \"Type\": \"AWS::Lambda::Function\",\n            \"Properties\": {\n                \"Runtime\": \"python3.12\",\n                \"TracingConfig\": {\n                    \"Mode\": \"Active\"\n                }\n            }\n        }\n    }\n}\n"
        );
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }

    #[test]
    fn replaces_an_existing_value_and_creates_missing_objects() {
        let out = set(
            DOC,
            &["Resources", "Fn", "Properties"],
            "Runtime",
            &"python3.13".into(),
        )
        .unwrap();
        assert_eq!(out, DOC.replace("python3.12", "python3.13"));
        let out = set(
            DOC,
            &["Resources", "Fn", "Properties", "TracingConfig"],
            "Mode",
            &"Active".into(),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["Resources"]["Fn"]["Properties"]["TracingConfig"]["Mode"],
            "Active"
        );
    }

    #[test]
    fn removes_a_member_and_its_comma() {
        let doc = "{\"P\": {\"Type\": \"String\", \"Default\": \"x\", \"NoEcho\": true}}";
        assert_eq!(
            remove(doc, &["P"], "Default").unwrap(),
            "{\"P\": {\"Type\": \"String\", \"NoEcho\": true}}"
        );
        assert_eq!(
            remove(doc, &["P"], "Type").unwrap(),
            "{\"P\": {\"Default\": \"x\", \"NoEcho\": true}}"
        );
    }

    #[test]
    fn refuses_deep_or_broken_documents() {
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).is_err());
        assert!(parse("{\"a\": }").is_err());
        assert!(parse("{\"a\": \"x").is_err());
    }
}
