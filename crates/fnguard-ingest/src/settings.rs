//! Settings files that tools read with a strict JSON or TOML parser (Zappa, Chalice), read into
//! [`Node`] trees with positions. JSON that is not valid is reported with its line; what a
//! human would still read (comments, trailing commas) is recovered with a warning, so one stray
//! comma does not hide a whole application.

use crate::node::{Key, Kind, Node};
use crate::{yaml, Diagnostic};
use std::sync::Arc;

/// Nesting deeper than this is refused (as for YAML).
const MAX_DEPTH: usize = 128;

/// Reads a JSON settings file. `tool` names who would reject invalid JSON (`Zappa`).
pub(crate) fn json(text: &str, rel: &str, tool: &str) -> (Option<Node>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        let cleaned = strip_comments_and_trailing_commas(text);
        let recoverable =
            cleaned != text && serde_json::from_str::<serde::de::IgnoredAny>(&cleaned).is_ok();
        if recoverable {
            diagnostics.push(Diagnostic::warning(
                rel,
                Some(e.line() as u32),
                format!(
                    "not valid JSON ({e}); {tool} would refuse it. Read without its comments and trailing commas"
                ),
            ));
            let parsed = yaml::parse(&cleaned, rel);
            diagnostics.extend(parsed.diagnostics);
            return (parsed.root, diagnostics);
        }
        diagnostics.push(Diagnostic::error(
            rel,
            Some(e.line() as u32),
            format!("not valid JSON: {e}"),
        ));
        return (None, diagnostics);
    }
    let parsed = yaml::parse(text, rel);
    diagnostics.extend(parsed.diagnostics);
    (parsed.root, diagnostics)
}

/// Blanks out `//` and `/* */` comments and commas before `}`/`]` outside strings, keeping
/// every other byte (and so every position) where it was.
fn strip_comments_and_trailing_commas(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut in_string = false;
    let mut last_comma: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                last_comma = None;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                for b in out.iter_mut().skip(i).take(2) {
                    *b = b' ';
                }
                i += 2;
                continue;
            }
            b',' => last_comma = Some(i),
            b'}' | b']' => {
                if let Some(c) = last_comma.take() {
                    out[c] = b' ';
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => last_comma = None,
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Reads a TOML settings file into a [`Node`] tree with line numbers.
pub(crate) fn toml(text: &str, rel: &str) -> (Option<Node>, Vec<Diagnostic>) {
    let doc = match text.parse::<toml_edit::ImDocument<String>>() {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            return (
                None,
                vec![Diagnostic::error(
                    rel,
                    Some(line),
                    format!("not valid TOML: {}", e.message()),
                )],
            );
        }
    };
    let file: Arc<str> = Arc::from(rel);
    let lines = LineIndex::new(text);
    let root = table(doc.as_table(), &file, &lines, 1, 0);
    (Some(root), Vec::new())
}

struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    fn line(&self, offset: usize) -> u32 {
        match self.0.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }
}

fn line_of(text: &str, offset: usize) -> u32 {
    LineIndex::new(text).line(offset)
}

fn table(
    t: &toml_edit::Table,
    file: &Arc<str>,
    lines: &LineIndex,
    line: u32,
    depth: usize,
) -> Node {
    let mut entries = Vec::new();
    if depth < MAX_DEPTH {
        for (k, item) in t.iter() {
            let key_line = t
                .key(k)
                .and_then(toml_edit::Key::span)
                .map(|s| lines.line(s.start))
                .unwrap_or(line);
            let value = item_node(item, file, lines, key_line, depth + 1);
            entries.push((
                Key {
                    name: k.to_string(),
                    line: key_line,
                    column: 1,
                },
                value,
            ));
        }
    }
    Node::new(Kind::Map(entries), file.clone(), line, 1)
}

fn item_node(
    item: &toml_edit::Item,
    file: &Arc<str>,
    lines: &LineIndex,
    line: u32,
    depth: usize,
) -> Node {
    match item {
        toml_edit::Item::Value(v) => value_node(v, file, lines, line, depth),
        toml_edit::Item::Table(t) => table(t, file, lines, line, depth),
        toml_edit::Item::ArrayOfTables(a) => {
            let items = a
                .iter()
                .map(|t| {
                    let l = t.span().map(|s| lines.line(s.start)).unwrap_or(line);
                    table(t, file, lines, l, depth + 1)
                })
                .collect();
            Node::new(Kind::Seq(items), file.clone(), line, 1)
        }
        toml_edit::Item::None => Node::new(Kind::Null, file.clone(), line, 1),
    }
}

fn value_node(
    v: &toml_edit::Value,
    file: &Arc<str>,
    lines: &LineIndex,
    line: u32,
    depth: usize,
) -> Node {
    let line = v.span().map(|s| lines.line(s.start)).unwrap_or(line);
    let kind = match v {
        toml_edit::Value::String(s) => Kind::Str(s.value().clone()),
        toml_edit::Value::Integer(i) => Kind::Int(*i.value()),
        toml_edit::Value::Float(f) => Kind::Float(f.value().to_string()),
        toml_edit::Value::Boolean(b) => Kind::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Kind::Str(d.value().to_string()),
        toml_edit::Value::Array(a) => {
            if depth >= MAX_DEPTH {
                Kind::Seq(Vec::new())
            } else {
                Kind::Seq(
                    a.iter()
                        .map(|x| value_node(x, file, lines, line, depth + 1))
                        .collect(),
                )
            }
        }
        toml_edit::Value::InlineTable(t) => {
            let mut entries = Vec::new();
            if depth < MAX_DEPTH {
                for (k, x) in t.iter() {
                    entries.push((
                        Key {
                            name: k.to_string(),
                            line,
                            column: 1,
                        },
                        value_node(x, file, lines, line, depth + 1),
                    ));
                }
            }
            Kind::Map(entries)
        }
    };
    Node::new(kind, file.clone(), line, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_commas_and_comments_are_recovered_with_a_warning() {
        let text = "{\n  \"dev\": {\n    \"a\": 1, // note\n    \"b\": [1, 2,],\n  },\n}\n";
        let (root, diags) = json(text, "zappa_settings.json", "Zappa");
        let root = root.unwrap();
        assert_eq!(root.path(&["dev", "a"]).and_then(Node::as_i64), Some(1));
        assert_eq!(root.path(&["dev", "b"]).unwrap().items().len(), 2);
        assert_eq!(root.path(&["dev", "a"]).unwrap().line, 3);
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].message.contains("Zappa would refuse it"),
            "{diags:?}"
        );
    }

    #[test]
    fn broken_json_is_an_error_with_its_line() {
        let (root, diags) = json("{\n \"dev\": {\n  \"a\": \n}\n", "z.json", "Zappa");
        assert!(root.is_none());
        assert_eq!(diags[0].line, Some(4));
        assert!(diags[0].message.starts_with("not valid JSON"));
    }

    #[test]
    fn toml_keeps_lines() {
        let (root, diags) = toml(
            "[dev]\napp_function = \"app.app\"\n\n[dev.aws_environment_variables]\nKEY = \"v\"\n",
            "zappa_settings.toml",
        );
        assert!(diags.is_empty());
        let root = root.unwrap();
        let f = root.path(&["dev", "app_function"]).unwrap();
        assert_eq!((f.str(), f.line), (Some("app.app"), 2));
        assert_eq!(
            root.path(&["dev", "aws_environment_variables", "KEY"])
                .unwrap()
                .line,
            5
        );
    }
}
