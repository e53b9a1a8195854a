//! Where a function's code is in the scanned tree, decided from what the descriptor says
//! (`CodeUri`, `Code`, an archive path) and, when that points at something that is not there (a
//! build output, a prebuilt archive), from where the handler's source is. The decision is
//! recorded on the function with a note, or as missing with the reason.

use std::path::{Path, PathBuf};

/// How deep and how wide the search for a handler's source goes below a descriptor.
const HANDLER_SEARCH_DEPTH: usize = 4;
const HANDLER_SEARCH_DIRS: usize = 2_000;

/// Directories never searched for sources: dependencies and build outputs.
const NOT_SOURCES: &[&str] = &[
    "node_modules",
    "venv",
    "__pycache__",
    "dist",
    "build",
    "target",
    "cdk.out",
    "site-packages",
];

/// The outcome for one function.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct CodeLoc {
    /// The directory to read, when found.
    pub dir: Option<PathBuf>,
    /// How it was found, when not simply as written.
    pub origin: Option<String>,
    /// Why no code could be found.
    pub missing: Option<String>,
}

/// A local code location written in a template (`CodeUri: src/`, `CodeUri: dist/`,
/// `CodeUri: target/app.zip`, `Code: ./fn`), relative to `base` (the template's directory).
pub(crate) fn locate(
    base: &Path,
    root: &Path,
    uri: &str,
    handler: Option<&str>,
    runtime: Option<&str>,
) -> CodeLoc {
    let uri = uri.trim();
    if uri.starts_with("s3://") {
        return CodeLoc {
            missing: Some(format!("its code is in S3 (`{uri}`)")),
            ..CodeLoc::default()
        };
    }
    let path = base.join(uri);
    if path.is_dir() {
        return CodeLoc {
            dir: Some(path),
            ..CodeLoc::default()
        };
    }
    let lower = uri.to_ascii_lowercase();
    let why = if [".zip", ".jar", ".war"].iter().any(|e| lower.ends_with(e)) {
        if path.is_file() {
            format!("its code is the prebuilt archive `{uri}`, which fnguard does not unpack")
        } else {
            format!("its code is the archive `{uri}`, built at deploy time and not in the tree")
        }
    } else {
        format!("`{uri}` is not in the tree (a build output?)")
    };
    search(base, root, &why, handler, runtime)
}

/// Looks for the handler's source under `base` and says which directory was used.
pub(crate) fn search(
    base: &Path,
    root: &Path,
    why: &str,
    handler: Option<&str>,
    runtime: Option<&str>,
) -> CodeLoc {
    let Some(h) = handler else {
        return CodeLoc {
            missing: Some(why.to_string()),
            ..CodeLoc::default()
        };
    };
    match find_handler_dir(base, h, runtime) {
        Some(dir) => {
            let shown = crate::relative_dir(root, &dir);
            CodeLoc {
                origin: Some(format!(
                    "{why}; the handler `{h}` was found in `{}` and read from there",
                    if shown.is_empty() { "." } else { &shown }
                )),
                dir: Some(dir),
                missing: None,
            }
        }
        None => CodeLoc {
            missing: Some(format!(
                "{why}, and no source of the handler `{h}` is below {}",
                {
                    let d = crate::relative_dir(root, base);
                    if d.is_empty() {
                        "the scanned directory".to_string()
                    } else {
                        format!("`{d}`")
                    }
                }
            )),
            ..CodeLoc::default()
        },
    }
}

/// The directory under `base` that holds the handler's module (`index.handler` → `index.js`,
/// `app.main.handler` → `app/main.py`), nearest first; Python and Node.js only.
pub(crate) fn find_handler_dir(
    base: &Path,
    handler: &str,
    runtime: Option<&str>,
) -> Option<PathBuf> {
    let (module, _) = handler.rsplit_once('.')?;
    let runtime = runtime.unwrap_or("");
    let files: Vec<String> = if runtime.starts_with("python") {
        vec![format!("{}.py", module.replace('.', "/"))]
    } else if runtime.starts_with("nodejs") {
        ["js", "mjs", "cjs", "ts", "mts"]
            .iter()
            .map(|e| format!("{module}.{e}"))
            .collect()
    } else {
        return None;
    };
    let mut level = vec![base.to_path_buf()];
    let mut visited = 0usize;
    for _ in 0..=HANDLER_SEARCH_DEPTH {
        let mut next = Vec::new();
        for dir in &level {
            if files.iter().any(|f| dir.join(f).is_file()) {
                return Some(dir.clone());
            }
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut subdirs: Vec<PathBuf> = entries
                .flatten()
                // Not following symbolic links: a link loop cannot trap the search.
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    !n.starts_with('.') && !NOT_SOURCES.contains(&n.as_str())
                })
                .map(|e| e.path())
                .collect();
            subdirs.sort();
            visited += subdirs.len();
            next.extend(subdirs);
        }
        if visited > HANDLER_SEARCH_DIRS || next.is_empty() {
            break;
        }
        level = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_outputs_resolve_to_the_handler_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/handlers")).unwrap();
        std::fs::write(
            dir.path().join("src/handlers/api.ts"),
            "export const main = 1;",
        )
        .unwrap();
        let loc = locate(
            dir.path(),
            dir.path(),
            "dist/",
            Some("handlers/api.main"),
            Some("nodejs20.x"),
        );
        assert_eq!(loc.dir.as_deref(), Some(dir.path().join("src").as_path()));
        assert!(loc.origin.unwrap().contains("`dist/` is not in the tree"));
        let s3 = locate(
            dir.path(),
            dir.path(),
            "s3://b/k.zip",
            Some("a.b"),
            Some("python3.12"),
        );
        assert!(s3.missing.unwrap().contains("S3"));
        let none = locate(
            dir.path(),
            dir.path(),
            "target/app.zip",
            Some("x.y"),
            Some("python3.12"),
        );
        assert!(none.dir.is_none());
        assert!(none.missing.unwrap().contains("built at deploy time"));
    }
}
