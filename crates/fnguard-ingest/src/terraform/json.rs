//! Terraform's JSON syntax (`*.tf.json`), rewritten as native syntax that keeps every key on
//! its original line, so that one evaluator (and accurate positions) serve both.

use crate::node::{Kind, Node};
use std::fmt::Write;

struct Out {
    text: String,
    line: u32,
}

impl Out {
    /// Move to `line` (1-based) if it is ahead; native syntax allows blank lines anywhere a
    /// newline may stand.
    fn advance_to(&mut self, line: u32) {
        while self.line < line {
            self.text.push('\n');
            self.line += 1;
        }
    }

    fn newline(&mut self) {
        self.text.push('\n');
        self.line += 1;
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn value(out: &mut Out, n: &Node, depth: usize) {
    if depth > 60 {
        out.text.push_str("null");
        return;
    }
    match &n.kind {
        Kind::Null | Kind::NoValue => out.text.push_str("null"),
        Kind::Bool(b) => out.text.push_str(if *b { "true" } else { "false" }),
        Kind::Int(i) => {
            let _ = write!(out.text, "{i}");
        }
        Kind::Float(f) => out.text.push_str(f),
        Kind::Str(s) => out.text.push_str(&quote(s)),
        Kind::Seq(items) => {
            out.text.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.text.push(',');
                }
                out.advance_to(item.line);
                value(out, item, depth + 1);
            }
            out.text.push(']');
        }
        Kind::Map(entries) => {
            out.text.push('{');
            for (k, v) in entries {
                out.advance_to(k.line);
                out.newline();
                let _ = write!(out.text, "{} = ", quote(&k.name));
                value(out, v, depth + 1);
            }
            out.newline();
            out.text.push('}');
        }
        Kind::Ref { .. } | Kind::Unknown(_) => out.text.push_str("null"),
    }
}

fn body(out: &mut Out, n: &Node) {
    for (k, v) in n.entries() {
        out.advance_to(k.line);
        if out.text.ends_with('{') || !out.text.is_empty() && !out.text.ends_with('\n') {
            out.newline();
        }
        // A key that is not an identifier cannot be an attribute name; leave it out.
        if !k
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        let _ = write!(out.text, "{} = ", k.name);
        value(out, v, 0);
    }
}

/// `{"resource": {"aws_lambda_function": {"api": {...}}}}` and friends as native syntax.
pub fn to_native(root: &Node) -> String {
    let mut out = Out {
        text: String::new(),
        line: 1,
    };
    for (section, content) in root.entries() {
        let labels = match section.name.as_str() {
            "resource" | "data" => 2,
            "variable" | "module" => 1,
            "locals" => 0,
            _ => continue,
        };
        let blocks: Vec<(Vec<String>, &Node)> = match labels {
            0 => content
                .one_or_many()
                .into_iter()
                .map(|b| (Vec::new(), b))
                .collect(),
            1 => content
                .entries()
                .iter()
                .flat_map(|(name, b)| {
                    b.one_or_many()
                        .into_iter()
                        .map(move |b| (vec![name.name.clone()], b))
                })
                .collect(),
            _ => content
                .entries()
                .iter()
                .flat_map(|(ty, named)| {
                    named.entries().iter().flat_map(move |(name, b)| {
                        b.one_or_many()
                            .into_iter()
                            .map(move |b| (vec![ty.name.clone(), name.name.clone()], b))
                    })
                })
                .collect(),
        };
        for (labels, b) in blocks {
            out.advance_to(b.line.saturating_sub(1).max(1));
            if !out.text.is_empty() {
                out.newline();
            }
            out.text.push_str(&section.name);
            for l in &labels {
                out.text.push(' ');
                out.text.push_str(&quote(l));
            }
            out.text.push_str(" {");
            body(&mut out, b);
            out.newline();
            out.text.push('}');
        }
    }
    out.text.push('\n');
    out.text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn keys_keep_their_lines() {
        let json = "{\n  \"resource\": {\n    \"aws_lambda_function\": {\n      \"api\": {\n        \"runtime\": \"nodejs16.x\",\n        \"role\": \"${aws_iam_role.r.arn}\",\n        \"environment\": {\"variables\": {\"A\": \"b\"}}\n      }\n    }\n  }\n}\n";
        let root = parse(json, "main.tf.json").root.unwrap();
        let hcl = to_native(&root);
        let lines: Vec<&str> = hcl.lines().collect();
        assert!(lines[4].contains("runtime = \"nodejs16.x\""), "{hcl}");
        assert!(
            lines[5].contains("role = \"${aws_iam_role.r.arn}\""),
            "{hcl}"
        );
        assert!(hcl_edit::parser::parse_body(&hcl).is_ok(), "{hcl}");
    }
}
