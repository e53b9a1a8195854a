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
    taken: &[(PathBuf, String)],
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
    if runtime.is_some_and(|r| r.starts_with("java")) {
        if let Some(project) = java_project(base, uri) {
            let shown = crate::relative_dir(root, &project);
            return CodeLoc {
                origin: Some(format!(
                    "{why}; the project that builds it (`{}`) was read",
                    if shown.is_empty() { "." } else { &shown }
                )),
                dir: Some(project),
                missing: None,
            };
        }
    }
    let hint = Path::new(uri)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    search(base, root, &why, handler, runtime, taken, hint.as_deref())
}

/// The Maven or Gradle project whose build writes a Java archive (`orders/target/app.jar`,
/// `app/build/libs/app-all.jar`, `build/distributions/app.zip` -> `orders`, `app`, `.`), when it
/// is in the tree. Its handler may be a library class (Spring Cloud Function's
/// `FunctionInvoker`), so the project is found by the archive's path, not by the handler.
pub(crate) fn java_project(base: &Path, archive: &str) -> Option<PathBuf> {
    let archive = archive.trim().trim_start_matches("./");
    let lower = archive.to_ascii_lowercase();
    if ![".zip", ".jar"].iter().any(|e| lower.ends_with(e)) {
        return None;
    }
    let prefix = ["target/", "build/libs/", "build/distributions/"]
        .iter()
        .find_map(|m| {
            if archive.starts_with(m) {
                Some("")
            } else {
                archive.find(&format!("/{m}")).map(|i| &archive[..i])
            }
        })?;
    let dir = base.join(prefix);
    let is_project = ["pom.xml", "build.gradle", "build.gradle.kts"]
        .iter()
        .any(|f| dir.join(f).is_file())
        || dir.join("src/main/java").is_dir();
    is_project.then_some(dir)
}

/// Looks for the handler's source under `base` and says which directory was used. A directory
/// that is another function's code with the same handler module (`taken`: directory and module)
/// is that function's file, never chosen; when several directories hold the handler equally
/// near, the one named like the missing location (`hint`) wins, else none does.
pub(crate) fn search(
    base: &Path,
    root: &Path,
    why: &str,
    handler: Option<&str>,
    runtime: Option<&str>,
    taken: &[(PathBuf, String)],
    hint: Option<&str>,
) -> CodeLoc {
    let Some(h) = handler else {
        return CodeLoc {
            missing: Some(why.to_string()),
            ..CodeLoc::default()
        };
    };
    match find_handler_dir(base, h, runtime, taken, hint) {
        Found::Ambiguous(dirs) => CodeLoc {
            missing: Some(format!(
                "{why}, and several directories hold the handler `{h}` ({}); fnguard does not guess which is deployed",
                dirs.iter()
                    .take(4)
                    .map(|d| format!("`{}`", crate::relative_dir(root, d)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            ..CodeLoc::default()
        },
        Found::One(dir) => {
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
        Found::None => CodeLoc {
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

/// What a search for a handler's source found.
#[derive(Debug)]
pub(crate) enum Found {
    One(PathBuf),
    Ambiguous(Vec<PathBuf>),
    None,
}

/// The directory under `base` that holds the handler's module (`index.handler` → `index.js`,
/// `app.main.handler` → `app/main.py`, `com.x.App::handleRequest` → the project holding
/// `src/main/java/com/x/App.java`), nearest first; Python, Node.js and Java.
pub(crate) fn find_handler_dir(
    base: &Path,
    handler: &str,
    runtime: Option<&str>,
    taken: &[(PathBuf, String)],
    hint: Option<&str>,
) -> Found {
    let runtime = runtime.unwrap_or("");
    // Java: `com.example.App::handleRequest` or `com.example.App`, in a Maven/Gradle project
    // (`src/main/java/com/example/App.java`) or a plain source tree.
    let java_class = runtime
        .starts_with("java")
        .then(|| handler.split("::").next().unwrap_or(handler));
    // Go: the `main` package that starts the Lambda runtime; its directory is the code. The
    // handler names the executable (`bootstrap`, `main`), not a source file.
    let go = runtime.starts_with("go") || runtime.starts_with("provided");
    let Some((module, _)) = java_class
        .map(|c| (c, ""))
        .or_else(|| go.then_some((handler, "")))
        .or_else(|| handler.rsplit_once('.'))
    else {
        return Found::None;
    };
    let files: Vec<String> = if go {
        Vec::new()
    } else if let Some(class) = java_class {
        let path = class.replace('.', "/");
        vec![
            format!("src/main/java/{path}.java"),
            format!("src/{path}.java"),
            format!("{path}.java"),
        ]
    } else if runtime.starts_with("python") {
        vec![format!("{}.py", module.replace('.', "/"))]
    } else if runtime.starts_with("nodejs") {
        ["js", "mjs", "cjs", "ts", "mts"]
            .iter()
            .map(|e| format!("{module}.{e}"))
            .collect()
    } else {
        return Found::None;
    };
    let taken: Vec<PathBuf> = taken
        .iter()
        .filter(|(_, m)| m == module)
        .map(|(d, _)| crate::normalize_lexically(d))
        .collect();
    let mut level = vec![base.to_path_buf()];
    let mut visited = 0usize;
    for _ in 0..=HANDLER_SEARCH_DEPTH {
        let hits: Vec<PathBuf> = level
            .iter()
            .filter(|d| !taken.contains(&crate::normalize_lexically(d)))
            .filter(|d| {
                if go {
                    starts_go_lambda(d)
                } else {
                    files.iter().any(|f| d.join(f).is_file())
                }
            })
            .cloned()
            .collect();
        match hits.len() {
            0 => {}
            1 => return Found::One(hits[0].clone()),
            _ => {
                let named: Vec<&PathBuf> = hits
                    .iter()
                    .filter(|d| {
                        hint.is_some_and(|h| {
                            d.file_name()
                                .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(h))
                        })
                    })
                    .collect();
                return match named.as_slice() {
                    [one] => Found::One((*one).clone()),
                    _ => Found::Ambiguous(hits),
                };
            }
        }
        let mut next = Vec::new();
        for dir in &level {
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
    Found::None
}

/// Whether a directory is a Go `main` package that starts the Lambda runtime.
fn starts_go_lambda(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .take(64)
        .any(|p| {
            std::fs::metadata(&p).is_ok_and(|m| m.len() < 2 * 1024 * 1024)
                && std::fs::read_to_string(&p)
                    .is_ok_and(|t| t.contains("package main") && t.contains("lambda.Start"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_archives_resolve_to_the_main_package() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("stream")).unwrap();
        std::fs::write(
            dir.path().join("stream/main.go"),
            "package main\n\nimport \"github.com/aws/aws-lambda-go/lambda\"\n\nfunc main() { lambda.Start(h) }\n",
        )
        .unwrap();
        let loc = locate(
            dir.path(),
            dir.path(),
            "src/stream.zip",
            Some("bootstrap"),
            Some("provided.al2023"),
            &[],
        );
        assert_eq!(
            loc.dir.as_deref(),
            Some(dir.path().join("stream").as_path())
        );
    }

    #[test]
    fn java_archives_resolve_to_the_project_that_builds_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("orders/src/main/java/com/x")).unwrap();
        std::fs::write(
            dir.path().join("orders/src/main/java/com/x/App.java"),
            "package com.x; class App {}",
        )
        .unwrap();
        let loc = locate(
            dir.path(),
            dir.path(),
            "orders/target/orders-1.0.jar",
            Some("com.x.App::handleRequest"),
            Some("java21"),
            &[],
        );
        assert_eq!(
            loc.dir.as_deref(),
            Some(dir.path().join("orders").as_path())
        );
        assert!(loc.origin.unwrap().contains("built at deploy time"));
        // A library class as the handler: the project is found by the archive's path.
        let adapter = locate(
            dir.path(),
            dir.path(),
            "./orders/target/orders-1.0-aws.jar",
            Some("org.springframework.cloud.function.adapter.aws.FunctionInvoker::handleRequest"),
            Some("java21"),
            &[],
        );
        assert_eq!(
            adapter.dir.as_deref(),
            Some(dir.path().join("orders").as_path())
        );
        assert!(adapter
            .origin
            .unwrap()
            .contains("the project that builds it"));
    }

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
            &[],
        );
        assert_eq!(loc.dir.as_deref(), Some(dir.path().join("src").as_path()));
        assert!(loc.origin.unwrap().contains("`dist/` is not in the tree"));
        let s3 = locate(
            dir.path(),
            dir.path(),
            "s3://b/k.zip",
            Some("a.b"),
            Some("python3.12"),
            &[],
        );
        assert!(s3.missing.unwrap().contains("S3"));
        let none = locate(
            dir.path(),
            dir.path(),
            "target/app.zip",
            Some("x.y"),
            Some("python3.12"),
            &[],
        );
        assert!(none.dir.is_none());
        assert!(none.missing.unwrap().contains("built at deploy time"));
    }

    #[test]
    fn another_functions_code_is_never_taken_and_ties_are_not_guessed() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["OnFailure", "Consumer", "Producer"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
            std::fs::write(dir.path().join(d).join("app.js"), "exports.handler = 1;").unwrap();
        }
        let taken = vec![(dir.path().join("OnFailure"), "app".to_string())];
        // Two candidates left, one named like the missing directory.
        let loc = locate(
            dir.path(),
            dir.path(),
            "dist/Producer/",
            Some("app.handler"),
            Some("nodejs20.x"),
            &taken,
        );
        assert_eq!(
            loc.dir.as_deref(),
            Some(dir.path().join("Producer").as_path())
        );
        // No name to go by: not guessed.
        let loc = locate(
            dir.path(),
            dir.path(),
            "build/",
            Some("app.handler"),
            Some("nodejs20.x"),
            &taken,
        );
        assert!(loc.dir.is_none());
        assert!(loc.missing.unwrap().contains("several directories"));
    }
}
