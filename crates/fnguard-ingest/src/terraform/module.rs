//! A Terraform module: the `.tf` files of one directory, parsed, with its blocks indexed.

use crate::Diagnostic;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use std::collections::HashMap;
use std::sync::Arc;

pub struct SourceFile {
    pub rel: Arc<str>,
    pub body: Body,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(rel: &str, text: &str, body: Body) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            rel: Arc::from(rel),
            body,
            line_starts,
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let col = offset - self.line_starts.get(line).copied().unwrap_or(0);
        (line as u32 + 1, col as u32 + 1)
    }
}

/// `resource`/`data` block, by position in the module's files.
#[derive(Clone, Copy)]
pub struct BlockRef {
    pub file: usize,
    pub index: usize,
}

pub struct Module {
    pub dir: std::path::PathBuf,
    pub root: std::path::PathBuf,
    pub files: Vec<SourceFile>,
    pub resources: Vec<(String, String, BlockRef)>,
    pub data: Vec<(String, String, BlockRef)>,
    pub variables: Vec<(String, BlockRef)>,
    pub modules: Vec<(String, BlockRef)>,
    locals: HashMap<String, (usize, usize, usize)>,
    /// Addresses of resource instances (with `[i]`/`["k"]`), filled in by the loader.
    pub instances: HashMap<String, Vec<String>>,
}

pub fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.value().as_str().to_string(),
        BlockLabel::String(s) => s.value().to_string(),
    }
}

impl Module {
    pub fn parse(
        dir: &std::path::Path,
        root: &std::path::Path,
        sources: Vec<(String, String)>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Module {
        let mut m = Module {
            dir: dir.to_path_buf(),
            root: root.to_path_buf(),
            files: Vec::new(),
            resources: Vec::new(),
            data: Vec::new(),
            variables: Vec::new(),
            modules: Vec::new(),
            locals: HashMap::new(),
            instances: HashMap::new(),
        };
        for (rel, text) in sources {
            let parsed = hcl_edit::parser::parse_body(&text).or_else(|e| {
                // Terraform 0.11 accepted `\"` for the quotes of strings inside an
                // interpolation (`"${lookup(var.m, \"k\")}"`); 0.12 and HCL 2 do not.
                let legacy = unescape_interpolation_quotes(&text).ok_or(e.clone())?;
                let body = hcl_edit::parser::parse_body(&legacy).map_err(|_| e)?;
                let line = text
                    .bytes()
                    .zip(legacy.bytes())
                    .position(|(a, b)| a != b)
                    .map(|at| text[..at].matches('\n').count() as u32 + 1);
                diagnostics.push(Diagnostic::warning(
                    &rel,
                    line,
                    "Terraform 0.11 syntax (escaped quotes inside `${...}`), which Terraform 0.12 and later reject; read as 0.11 did",
                ));
                Ok::<_, hcl_edit::parser::Error>(body)
            });
            let body = match parsed {
                Ok(b) => b,
                Err(e) => {
                    let loc = e.location();
                    diagnostics.push(Diagnostic::error(
                        &rel,
                        Some(loc.line() as u32),
                        format!("HCL syntax error: {}", e.message()),
                    ));
                    continue;
                }
            };
            m.files.push(SourceFile::new(&rel, &text, body));
        }
        for (fi, f) in m.files.iter().enumerate() {
            for (bi, s) in f.body.iter().enumerate() {
                let Structure::Block(b) = s else { continue };
                let labels: Vec<String> = b.labels.iter().map(label).collect();
                let r = BlockRef {
                    file: fi,
                    index: bi,
                };
                match (b.ident.value().as_str(), labels.as_slice()) {
                    ("resource", [ty, name]) => m.resources.push((ty.clone(), name.clone(), r)),
                    ("data", [ty, name]) => m.data.push((ty.clone(), name.clone(), r)),
                    ("variable", [name]) => m.variables.push((name.clone(), r)),
                    ("module", [name]) => m.modules.push((name.clone(), r)),
                    ("locals", []) => {
                        for (ai, a) in b.body.iter().enumerate() {
                            if let Structure::Attribute(attr) = a {
                                m.locals
                                    .insert(attr.key.value().as_str().to_string(), (fi, bi, ai));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }

    pub fn block(&self, r: BlockRef) -> Option<(&Block, &SourceFile)> {
        let f = self.files.get(r.file)?;
        match f.body.get(r.index)? {
            Structure::Block(b) => Some((b, f)),
            Structure::Attribute(_) => None,
        }
    }

    pub fn local(&self, name: &str) -> Option<(&Expression, &SourceFile)> {
        let (fi, bi, ai) = *self.locals.get(name)?;
        let f = self.files.get(fi)?;
        let Structure::Block(b) = f.body.get(bi)? else {
            return None;
        };
        match b.body.get(ai)? {
            Structure::Attribute(a) => Some((&a.value, f)),
            Structure::Block(_) => None,
        }
    }

    /// A module block's `source`, when written as a literal.
    pub fn module_source(&self, name: &str) -> Option<String> {
        let (_, r) = self.modules.iter().find(|(n, _)| n == name)?;
        let (b, _) = self.block(*r)?;
        b.body.iter().find_map(|s| match s {
            Structure::Attribute(a) if a.key.value().as_str() == "source" => {
                a.value.as_str().map(str::to_string)
            }
            _ => None,
        })
    }

    pub fn data_block(&self, ty: &str, name: &str) -> Option<(&Block, &SourceFile)> {
        let (_, _, r) = self.data.iter().find(|(t, n, _)| t == ty && n == name)?;
        self.block(*r)
    }

    /// The address a reference `ty.name[index]` points at, given the instances that exist.
    pub fn resolve_address(
        &self,
        prefix: &str,
        ty: &str,
        name: &str,
        index: Option<&str>,
    ) -> Option<String> {
        let base = format!("{prefix}{ty}.{name}");
        let instances = self.instances.get(&base)?;
        match index {
            Some(i) => {
                let want = format!("{base}{i}");
                Some(if instances.contains(&want) {
                    want
                } else {
                    instances.first()?.clone()
                })
            }
            None => instances.first().cloned(),
        }
    }
}

/// Rewrites `\"` inside `${...}` interpolations of quoted strings to ` "` (same length, so
/// positions stay), or `None` when there is none to rewrite.
pub(crate) fn unescape_interpolation_quotes(text: &str) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        /// Outside any string.
        Code,
        /// Inside a quoted template.
        Str,
        /// Inside a string that an interpolation opened with the legacy escaped quote.
        EscStr,
        /// Inside `${` ... `}` with this many open braces.
        Interp(u32),
    }
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut stack: Vec<State> = vec![State::Code];
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let state = *stack.last().unwrap_or(&State::Code);
        match state {
            State::Code => match b {
                b'"' => stack.push(State::Str),
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                        i += 1;
                    }
                    i += 2;
                    continue;
                }
                b'<' if bytes.get(i + 1) == Some(&b'<') => {
                    // A heredoc: skip to its closing marker line.
                    let start = i + 2 + usize::from(bytes.get(i + 2) == Some(&b'-'));
                    let end = bytes[start..]
                        .iter()
                        .position(|c| *c == b'\n')
                        .map_or(bytes.len(), |p| start + p);
                    let marker = text.get(start..end).unwrap_or("").trim().to_string();
                    if marker.is_empty() {
                        i += 2;
                        continue;
                    }
                    let mut j = end;
                    loop {
                        let line_end = bytes[j.min(bytes.len())..]
                            .iter()
                            .skip(1)
                            .position(|c| *c == b'\n')
                            .map_or(bytes.len(), |p| j + 1 + p);
                        let line = text.get(j + 1..line_end).unwrap_or("");
                        j = line_end;
                        if line.trim() == marker || j >= bytes.len() {
                            break;
                        }
                    }
                    i = j;
                    continue;
                }
                _ => {}
            },
            State::Str => match b {
                b'\\' => {
                    i += 2;
                    continue;
                }
                b'"' => {
                    stack.pop();
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(State::Interp(1));
                    i += 2;
                    continue;
                }
                _ => {}
            },
            State::EscStr => match b {
                b'\\' if bytes.get(i + 1) == Some(&b'"') => {
                    out[i] = b' ';
                    stack.pop();
                    i += 2;
                    continue;
                }
                b'\\' => {
                    i += 2;
                    continue;
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(State::Interp(1));
                    i += 2;
                    continue;
                }
                _ => {}
            },
            State::Interp(depth) => match b {
                b'\\' if bytes.get(i + 1) == Some(&b'"') => {
                    // The legacy escaped quote opens a string inside the interpolation.
                    out[i] = b' ';
                    changed = true;
                    stack.push(State::EscStr);
                    i += 2;
                    continue;
                }
                b'"' => stack.push(State::Str),
                b'{' => {
                    stack.pop();
                    stack.push(State::Interp(depth + 1));
                }
                b'}' => {
                    stack.pop();
                    if depth > 1 {
                        stack.push(State::Interp(depth - 1));
                    }
                }
                _ => {}
            },
        }
        i += 1;
        if stack.len() > 256 {
            return None;
        }
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod legacy_tests {
    use super::unescape_interpolation_quotes;

    #[test]
    fn escaped_quotes_inside_interpolations_become_quotes() {
        let t = "x = \"${lookup(var.m, \\\"k\\\")}\"\n";
        let fixed = unescape_interpolation_quotes(t).unwrap();
        assert_eq!(fixed.len(), t.len());
        assert!(hcl_edit::parser::parse_body(&fixed).is_ok(), "{fixed}");
        assert!(hcl_edit::parser::parse_body(t).is_err());
        // Escapes outside interpolations are left alone.
        assert_eq!(
            unescape_interpolation_quotes("x = \"a \\\"b\\\" c\"\n"),
            None
        );
    }
}
