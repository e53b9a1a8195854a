//! Loaders: deployment descriptors in, as-deployed [`fnguard_model::Project`]s out.
//!
//! Every loader keeps source positions so findings point at the line to edit, and treats
//! anything it cannot resolve as an explicit unknown rather than an error.

mod cdk;
mod cfn;
mod chalice;
mod codeloc;
mod discover;
mod error;
mod event_pattern;
pub mod node;
mod normalize;
mod policy;
mod sam;
mod sam_policies;
mod serverless;
mod settings;
mod sls_vars;
mod terraform;
mod walk;
pub mod yaml;
mod zappa;

pub use cdk::synth::{synthesize as synthesize_cdk, SynthError};
pub use discover::{
    discover, discover_with_survey, discover_with_survey_beside, Candidate, DescriptorKind, Survey,
};
pub use error::{Diagnostic, IngestError, Level};
pub use sam_policies::template_actions as sam_policy_template_actions;

use fnguard_model::Project;
use std::path::{Path, PathBuf};

/// Settings that decide which values a descriptor resolves to.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub stage: Option<String>,
    pub region: Option<String>,
    /// `--param KEY=VALUE`: CloudFormation parameters and serverless `param:` values.
    pub params: Vec<(String, String)>,
    /// Files larger than this are reported and skipped.
    pub max_file_bytes: u64,
}

impl LoadOptions {
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

    pub fn max_bytes(&self) -> u64 {
        if self.max_file_bytes == 0 {
            Self::DEFAULT_MAX_FILE_BYTES
        } else {
            self.max_file_bytes
        }
    }
}

/// What loading one descriptor produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub project: Option<Project>,
    pub diagnostics: Vec<Diagnostic>,
    /// Nested stacks with local templates, loaded with the parameters their parent passes.
    /// The same files loaded on their own (with defaults) should be dropped in their favour.
    pub nested: Vec<Project>,
    /// Project paths (Terraform module directories) this load included as modules; their
    /// stand-alone loads should be dropped.
    pub consumed: Vec<String>,
}

/// Load one discovered descriptor. `root` is the scanned root that paths are reported against.
pub fn load(root: &Path, candidate: &Candidate, options: &LoadOptions) -> Loaded {
    let mut loaded = load_descriptor(root, candidate, options);
    for p in loaded.project.iter_mut().chain(loaded.nested.iter_mut()) {
        normalize::websocket_auth(p);
    }
    loaded
}

fn load_descriptor(root: &Path, candidate: &Candidate, options: &LoadOptions) -> Loaded {
    let rel = relative(root, &candidate.path);
    if candidate.kind == DescriptorKind::Terraform {
        let ctx = LoadContext {
            root: root.to_path_buf(),
            file: candidate.path.clone(),
            rel,
            options: options.clone(),
            parent_params: None,
            chain: Vec::new(),
        };
        return terraform::load(&ctx);
    }
    let text = match read_text(&candidate.path, &rel, options.max_bytes()) {
        Ok(t) => t,
        Err(d) => {
            return Loaded {
                project: None,
                diagnostics: vec![d],
                nested: Vec::new(),
                consumed: Vec::new(),
            }
        }
    };
    let ctx = LoadContext {
        root: root.to_path_buf(),
        file: candidate.path.clone(),
        rel: rel.clone(),
        options: options.clone(),
        parent_params: None,
        chain: Vec::new(),
    };
    match candidate.kind {
        DescriptorKind::Serverless => serverless::load(&ctx, &text),
        DescriptorKind::CdkSource => cdk::load(&ctx, &text),
        DescriptorKind::Chalice => chalice::load(&ctx, &text),
        DescriptorKind::Zappa => zappa::load(&ctx, &text),
        _ => {
            let parsed = cfn::parse(&ctx, &text);
            drop(text);
            cfn::load_parsed(&ctx, parsed, candidate.kind)
        }
    }
}

/// Load a descriptor from text, as if it were the file `name` in an empty directory (no
/// `samconfig.toml`, no `${file()}` targets). For fuzzing and for callers that hold the text.
pub fn load_str(kind: DescriptorKind, name: &str, text: &str, options: &LoadOptions) -> Loaded {
    let mut loaded = load_str_raw(kind, name, text, options);
    for p in loaded.project.iter_mut().chain(loaded.nested.iter_mut()) {
        normalize::websocket_auth(p);
    }
    loaded
}

fn load_str_raw(kind: DescriptorKind, name: &str, text: &str, options: &LoadOptions) -> Loaded {
    let root = PathBuf::from("/nonexistent-fnguard-root");
    let ctx = LoadContext {
        file: root.join(name),
        root,
        rel: name.to_string(),
        options: options.clone(),
        parent_params: None,
        chain: Vec::new(),
    };
    match kind {
        DescriptorKind::Serverless => serverless::load(&ctx, text),
        DescriptorKind::Chalice => chalice::load(&ctx, text),
        DescriptorKind::Zappa => zappa::load(&ctx, text),
        DescriptorKind::Terraform => terraform::load_text(&ctx, text),
        DescriptorKind::CdkSource => cdk::load(&ctx, text),
        _ => cfn::load(&ctx, text, kind),
    }
}

pub(crate) struct LoadContext {
    pub root: PathBuf,
    pub file: PathBuf,
    pub rel: String,
    pub options: LoadOptions,
    /// Parameter values a parent stack passes to this nested template.
    pub parent_params: Option<std::collections::HashMap<String, node::Node>>,
    /// Templates above this one in a nesting chain (cycle guard).
    pub chain: Vec<PathBuf>,
}

impl LoadContext {
    pub fn dir(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new("."))
    }

    pub fn relative(&self, path: &Path) -> String {
        relative(&self.root, path)
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (symlinks are not followed).
pub fn normalize_lexically(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A directory relative to the scanned root; empty for the root itself.
pub fn relative_dir(root: &Path, dir: &Path) -> String {
    let dir = normalize_lexically(dir);
    let root = normalize_lexically(root);
    match dir.strip_prefix(&root) {
        Ok(r) => r.to_string_lossy().replace('\\', "/"),
        Err(_) => dir.to_string_lossy().replace('\\', "/"),
    }
}

/// A path relative to the scanned root, with forward slashes, for reports.
pub fn relative(root: &Path, path: &Path) -> String {
    let path = normalize_lexically(path);
    let root = normalize_lexically(root);
    // A canonical path (a `${file()}` include) under a root given as a relative path: compare
    // with the root's canonical form too, so reports never show absolute paths.
    let canonical_root = || {
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root.as_path()
        };
        std::fs::canonicalize(root).ok()
    };
    let rel = if path.is_absolute() && !root.is_absolute() {
        canonical_root()
            .and_then(|c| path.strip_prefix(c).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| path.clone())
    } else {
        path.strip_prefix(&root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.clone())
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        s
    }
}

pub(crate) fn read_text(path: &Path, rel: &str, max: u64) -> Result<String, Diagnostic> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error(rel, None, format!("cannot read file: {e}")))?;
    if meta.len() > max {
        return Err(Diagnostic::error(
            rel,
            None,
            format!(
                "file is {} MiB, over the {} MiB limit; skipped (raise it with --max-file-size)",
                meta.len() / (1024 * 1024),
                max / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(rel, None, format!("cannot read file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Diagnostic::error(rel, None, format!("not UTF-8 text: {e}")))?;
    // A byte-order mark is common in templates saved on Windows.
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_path_under_a_relative_root_is_reported_relative() {
        let cwd = std::fs::canonicalize(".").unwrap();
        assert_eq!(
            relative(Path::new("."), &cwd.join("conf/env.yml")),
            "conf/env.yml"
        );
        assert_eq!(
            relative(Path::new("conf"), Path::new("conf/env.yml")),
            "env.yml"
        );
    }
}
