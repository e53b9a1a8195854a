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
            let body = match hcl_edit::parser::parse_body(&text) {
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
