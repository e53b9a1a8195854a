//! Serverless Framework variables: `${self:...}`, `${opt:...}`, `${env:...}`, `${file(...):...}`,
//! `${sls:...}`, `${aws:...}`, `${param:...}`, `${strToBool(...)}`, fallbacks and nesting.
//! `ssm`, `cf`, `s3` and other remote sources become explicit unknowns.

use crate::node::{Kind, Node};
use crate::{yaml, Diagnostic, LoadContext};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

const MAX_DEPTH: usize = 32;
/// Variable look-ups one service may need. Real services use hundreds; a chain of variables
/// that each reference the next twice doubles at every step and would never finish.
const MAX_LOOKUPS: usize = 200_000;
/// Longest string a variable may build.
const MAX_STRING: usize = 1024 * 1024;

pub struct Resolver<'a> {
    raw: Node,
    ctx: &'a LoadContext,
    files: RefCell<HashMap<PathBuf, Option<Node>>>,
    pub diagnostics: RefCell<Vec<Diagnostic>>,
    pub stage: String,
    pub region: String,
    lookups: std::cell::Cell<usize>,
}

/// What one variable source yields.
enum Lookup {
    Found(Node),
    /// Not set: the next fallback applies.
    Missing,
}

impl<'a> Resolver<'a> {
    pub fn new(raw: Node, ctx: &'a LoadContext) -> Self {
        let mut r = Resolver {
            raw,
            ctx,
            files: RefCell::new(HashMap::new()),
            diagnostics: RefCell::new(Vec::new()),
            stage: "dev".into(),
            region: "us-east-1".into(),
            lookups: std::cell::Cell::new(0),
        };
        // Stage and region first: other variables depend on them.
        r.stage = ctx.options.stage.clone().unwrap_or_else(|| {
            r.resolved_text(&["provider", "stage"])
                .unwrap_or_else(|| "dev".into())
        });
        r.region = ctx.options.region.clone().unwrap_or_else(|| {
            r.resolved_text(&["provider", "region"])
                .unwrap_or_else(|| "us-east-1".into())
        });
        r
    }

    fn resolved_text(&self, path: &[&str]) -> Option<String> {
        let n = self.raw.path(path)?.clone();
        self.resolve(&n, 0).scalar_text()
    }

    /// Resolve every string in the tree.
    pub fn resolve(&self, node: &Node, depth: usize) -> Node {
        if depth > MAX_DEPTH * 4 {
            return node.unknown("nesting too deep to resolve", vec![]);
        }
        match &node.kind {
            Kind::Str(s) if s.contains("${") => self.resolve_string(node, s, depth),
            Kind::Map(entries) => node.with_kind(Kind::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v, depth + 1)))
                    .collect(),
            )),
            Kind::Seq(items) => node.with_kind(Kind::Seq(
                items.iter().map(|v| self.resolve(v, depth + 1)).collect(),
            )),
            _ => node.clone(),
        }
    }

    fn resolve_string(&self, site: &Node, s: &str, depth: usize) -> Node {
        if depth > MAX_DEPTH {
            return site.unknown(
                format!("variable chain too deep or circular in `{s}`"),
                vec![],
            );
        }
        let spans = find_vars(s);
        if spans.is_empty() {
            return site.clone();
        }
        // A string that is exactly one variable takes the variable's type (map, list, number).
        if spans.len() == 1 && spans[0].0 == 0 && spans[0].1 == s.len() {
            return self.expression(site, &s[2..s.len() - 1], depth + 1);
        }
        let mut out = String::new();
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&s[last..start]);
            let v = self.expression(site, &s[start + 2..end - 1], depth + 1);
            match v.scalar_text() {
                Some(t) if out.len() + t.len() <= MAX_STRING => out.push_str(&t),
                Some(_) => {
                    return site.unknown(
                        format!("a variable builds a string over {MAX_STRING} bytes"),
                        vec![],
                    );
                }
                None => {
                    let reason = match &v.kind {
                        Kind::Unknown(u) => u.reason.clone(),
                        _ => format!("`{}` is not text", &s[start..end]),
                    };
                    return site.unknown(reason, v.refs());
                }
            }
            last = end;
        }
        out.push_str(&s[last..]);
        if out.len() > MAX_STRING {
            return site.unknown(
                format!("a variable builds a string over {MAX_STRING} bytes"),
                vec![],
            );
        }
        site.with_kind(Kind::Str(out))
    }

    /// `source:address, fallback, 'literal'` with nested variables already allowed inside.
    fn expression(&self, site: &Node, expr: &str, depth: usize) -> Node {
        let n = self.lookups.get() + 1;
        self.lookups.set(n);
        if n > MAX_LOOKUPS {
            if n == MAX_LOOKUPS + 1 {
                self.diagnostics.borrow_mut().push(Diagnostic::error(
                    &self.ctx.rel,
                    Some(site.line),
                    format!("variables need more than {MAX_LOOKUPS} look-ups (an expansion bomb?); the rest stay unresolved"),
                ));
            }
            return site.unknown("variable expansion budget exhausted", vec![]);
        }
        // Inner variables first (`${self:custom.${opt:stage}}`).
        let expr = if expr.contains("${") {
            match self.resolve_string(site, expr, depth + 1).kind {
                Kind::Str(s) => s,
                Kind::Unknown(u) => return site.with_kind(Kind::Unknown(u)),
                _ => {
                    return site.unknown(format!("nested variable in `{expr}` is not text"), vec![])
                }
            }
        } else {
            expr.to_string()
        };
        let alternatives = split_top_level(&expr);
        let mut first_unknown: Option<Node> = None;
        for alt in &alternatives {
            match self.source(site, alt.trim(), depth) {
                Lookup::Found(n) if n.is_unknown() => {
                    // A remote value (ssm, cf) exists at deploy time: it wins over fallbacks.
                    return n;
                }
                Lookup::Found(n) => return n,
                Lookup::Missing => {
                    if first_unknown.is_none() {
                        first_unknown =
                            Some(site.unknown(format!("`${{{}}}` is not set", alt.trim()), vec![]));
                    }
                }
            }
        }
        first_unknown.unwrap_or_else(|| site.unknown(format!("`${{{expr}}}` is empty"), vec![]))
    }

    fn source(&self, site: &Node, alt: &str, depth: usize) -> Lookup {
        let lit = |k: Kind| Lookup::Found(site.with_kind(k));
        if alt.is_empty() {
            return Lookup::Missing;
        }
        if let Some(q) = strip_quotes(alt) {
            return lit(Kind::Str(q.to_string()));
        }
        if let Ok(i) = alt.parse::<i64>() {
            return lit(Kind::Int(i));
        }
        match alt {
            "true" => return lit(Kind::Bool(true)),
            "false" => return lit(Kind::Bool(false)),
            "null" => return lit(Kind::Null),
            _ => {}
        }
        if let Some(arg) = alt
            .strip_prefix("strToBool(")
            .and_then(|a| a.strip_suffix(')'))
        {
            let a = arg.trim();
            let a = strip_quotes(a).unwrap_or(a);
            return match a.to_ascii_lowercase().as_str() {
                "true" | "1" => lit(Kind::Bool(true)),
                "false" | "0" | "null" => lit(Kind::Bool(false)),
                _ => Lookup::Found(site.unknown(format!("strToBool({a})"), vec![])),
            };
        }
        if let Some(rest) = alt.strip_prefix("file(") {
            return self.file_source(site, rest, depth);
        }
        let (source, address) = match alt.split_once(':') {
            Some((s, a)) => (s.trim(), a.trim()),
            // `${self}`-less v1 style fallback names like `self:provider.stage` always have a colon.
            None => {
                return Lookup::Found(site.unknown(format!("unsupported variable `{alt}`"), vec![]))
            }
        };
        let source_name = source.split('(').next().unwrap_or(source);
        match source_name {
            "self" => {
                let path: Vec<&str> = if address.is_empty() {
                    Vec::new()
                } else {
                    address.split('.').collect()
                };
                match self.raw.path(&path) {
                    Some(n) => Lookup::Found(self.resolve(&relocate(n, site), depth + 1)),
                    None => Lookup::Missing,
                }
            }
            "opt" => match address {
                "stage" => opt(site, self.ctx.options.stage.as_deref()),
                "region" => opt(site, self.ctx.options.region.as_deref()),
                other => opt(site, self.param(other)),
            },
            "sls" => match address {
                "stage" => lit(Kind::Str(self.stage.clone())),
                "instanceId" => {
                    Lookup::Found(site.unknown("sls:instanceId (set per deployment)", vec![]))
                }
                _ => Lookup::Missing,
            },
            "aws" => match address {
                "region" => lit(Kind::Str(self.region.clone())),
                "accountId" => Lookup::Found(site.unknown("the AWS account id", vec![])),
                _ => Lookup::Missing,
            },
            "env" => match std::env::var(address) {
                Ok(v) => lit(Kind::Str(v)),
                Err(_) => Lookup::Missing,
            },
            "param" => opt(site, self.param(address)),
            "ssm" | "cf" | "s3" | "secretsmanager" => Lookup::Found(site.unknown(
                format!("${{{alt}}} (resolved from AWS at deploy time)"),
                vec![],
            )),
            other => Lookup::Found(site.unknown(
                format!("${{{alt}}} (variable source `{other}` is not evaluated)"),
                vec![],
            )),
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.ctx
            .options
            .params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `file(./path.yml):a.b` — YAML/JSON files inside the scanned tree.
    fn file_source(&self, site: &Node, rest: &str, depth: usize) -> Lookup {
        let Some((path, address)) = rest.split_once(')') else {
            return Lookup::Found(site.unknown(format!("malformed file({rest}"), vec![]));
        };
        let path = path.trim();
        let path = strip_quotes(path).unwrap_or(path);
        let address = address.trim_start_matches(':').trim();
        let lower = path.to_ascii_lowercase();
        if !(lower.ends_with(".yml") || lower.ends_with(".yaml") || lower.ends_with(".json")) {
            return Lookup::Found(site.unknown(
                format!("file({path}) is code, not data; its output is not evaluated"),
                vec![],
            ));
        }
        let full = self.ctx.dir().join(path);
        let canonical = full.canonicalize().ok();
        let root = self
            .ctx
            .root
            .canonicalize()
            .unwrap_or(self.ctx.root.clone());
        let Some(canonical) = canonical else {
            return Lookup::Missing;
        };
        if !canonical.starts_with(&root) {
            return Lookup::Found(site.unknown(
                format!("file({path}) is outside the scanned directory"),
                vec![],
            ));
        }
        let doc = {
            let mut files = self.files.borrow_mut();
            files
                .entry(canonical.clone())
                .or_insert_with(|| self.load_file(&canonical))
                .clone()
        };
        let Some(doc) = doc else {
            return Lookup::Missing;
        };
        let parts: Vec<&str> = if address.is_empty() {
            Vec::new()
        } else {
            address.split('.').collect()
        };
        match doc.path(&parts) {
            Some(n) => Lookup::Found(self.resolve(n, depth + 1)),
            None => Lookup::Missing,
        }
    }

    fn load_file(&self, path: &std::path::Path) -> Option<Node> {
        let rel = self.ctx.relative(path);
        let text = match crate::read_text(path, &rel, self.ctx.options.max_bytes()) {
            Ok(t) => t,
            Err(d) => {
                self.diagnostics.borrow_mut().push(d);
                return None;
            }
        };
        let parsed = yaml::parse(&text, &rel);
        self.diagnostics.borrow_mut().extend(parsed.diagnostics);
        parsed.root
    }
}

fn opt(site: &Node, v: Option<&str>) -> Lookup {
    match v {
        Some(s) => Lookup::Found(site.with_kind(Kind::Str(s.to_string()))),
        None => Lookup::Missing,
    }
}

/// The referenced node, keeping its own position: a finding about it points where it is written.
fn relocate(n: &Node, _site: &Node) -> Node {
    n.clone()
}

fn strip_quotes(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'\'' || b[0] == b'"') && b[b.len() - 1] == b[0] {
        Some(&s[1..s.len() - 1])
    } else {
        None
    }
}

/// Byte ranges of the outermost `${...}` in `s` (nesting-aware).
fn find_vars(s: &str) -> Vec<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let start = i;
            let mut depth = 0usize;
            let mut j = i;
            let mut closed = None;
            while j < bytes.len() {
                if bytes[j] == b'$' && j + 1 < bytes.len() && bytes[j + 1] == b'{' {
                    depth += 1;
                    j += 2;
                    continue;
                }
                if bytes[j] == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        closed = Some(j + 1);
                        break;
                    }
                }
                j += 1;
            }
            match closed {
                Some(end) => {
                    out.push((start, end));
                    i = end;
                }
                None => break,
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Split on commas outside quotes and parentheses.
fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut parens = 0usize;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '(') => {
                parens += 1;
                cur.push(c);
            }
            (None, ')') => {
                parens = parens.saturating_sub(1);
                cur.push(c);
            }
            (None, ',') if parens == 0 => out.push(std::mem::take(&mut cur)),
            (None, c) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LoadOptions;

    fn resolve(yaml_text: &str, opts: LoadOptions, path: &[&str]) -> Node {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("conf.yml"),
            "prod:\n  memory: 2048\ndev:\n  memory: 512\n",
        )
        .unwrap();
        let ctx = LoadContext {
            root: dir.path().to_path_buf(),
            file: dir.path().join("serverless.yml"),
            rel: "serverless.yml".into(),
            options: opts,
            parent_params: None,
            chain: Vec::new(),
        };
        let root = yaml::parse(yaml_text, "serverless.yml").root.unwrap();
        let r = Resolver::new(root.clone(), &ctx);
        r.resolve(&root, 0).path(path).unwrap().clone()
    }

    const DOC: &str = "service: svc\nprovider:\n  name: aws\n  stage: ${opt:stage, 'dev'}\ncustom:\n  mem:\n    prod: 1024\n    dev: 256\n  name: ${self:service}-${sls:stage}\n  memory: ${self:custom.mem.${sls:stage}}\n  fromFile: ${file(./conf.yml):${sls:stage}.memory}\n  secret: ${ssm:/app/secret}\n  fallback: ${env:FNGUARD_SURELY_UNSET_VAR, 'dflt'}\n  v1style: ${opt:region, self:provider.stage}\n  bool: ${strToBool(true)}\n  loop: ${self:custom.loop}\n";

    #[test]
    fn self_opt_sls_nesting_and_files() {
        let o = LoadOptions::default();
        assert_eq!(
            resolve(DOC, o.clone(), &["custom", "name"]).str(),
            Some("svc-dev")
        );
        assert_eq!(
            resolve(DOC, o.clone(), &["custom", "memory"]).as_i64(),
            Some(256)
        );
        assert_eq!(
            resolve(DOC, o.clone(), &["custom", "fromFile"]).as_i64(),
            Some(512)
        );
        assert_eq!(
            resolve(DOC, o.clone(), &["custom", "fallback"]).str(),
            Some("dflt")
        );
        assert_eq!(
            resolve(DOC, o.clone(), &["custom", "v1style"]).str(),
            Some("dev")
        );
        assert_eq!(
            resolve(DOC, o.clone(), &["custom", "bool"]).as_bool(),
            Some(true)
        );
        let prod = LoadOptions {
            stage: Some("prod".into()),
            ..LoadOptions::default()
        };
        assert_eq!(
            resolve(DOC, prod.clone(), &["custom", "memory"]).as_i64(),
            Some(1024)
        );
        assert_eq!(
            resolve(DOC, prod, &["custom", "fromFile"]).as_i64(),
            Some(2048)
        );
    }

    #[test]
    fn expansion_bombs_are_bounded() {
        let mut doc =
            String::from("service: s\nprovider:\n  name: aws\ncustom:\n  v0: abcdefghij\n");
        for i in 1..40 {
            doc.push_str(&format!(
                "  v{i}: ${{self:custom.v{}}}${{self:custom.v{}}}\n",
                i - 1,
                i - 1
            ));
        }
        let top = resolve(&doc, LoadOptions::default(), &["custom", "v39"]);
        assert!(top.is_unknown());
    }

    #[test]
    fn remote_and_circular_values_are_unknown() {
        let o = LoadOptions::default();
        assert!(resolve(DOC, o.clone(), &["custom", "secret"]).is_unknown());
        assert!(resolve(DOC, o, &["custom", "loop"]).is_unknown());
    }
}
