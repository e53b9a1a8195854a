//! Code a function imports but the analysis cannot read: modules of the same repository that a
//! layer, a workspace or a build step adds to the deployed package, and libraries that call AWS
//! with the function's role on its behalf. Either one means the SDK calls fnguard found are not
//! all the calls the function makes.

use crate::Language;
use crate::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Libraries that make AWS calls with the function's credentials (parameters, signed requests,
/// uploads, ORMs); fnguard does not model what they call.
const AWS_CALLING_PYTHON: &[&str] = &[
    "aioboto3",
    "aiobotocore",
    "awswrangler",
    "aws_encryption_sdk",
    // SigV4-signed HTTP requests (`execute-api:Invoke` on IAM-authorised APIs, OpenSearch).
    "aws_requests_auth",
    "requests_aws4auth",
    "requests_auth_aws_sigv4",
    "botocore.auth",
    "opensearchpy",
    "dynamodb_encryption_sdk",
    "pynamodb",
    "s3fs",
    "smart_open",
    "watchtower",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.feature_flags",
    "aws_lambda_powertools.utilities.streaming",
];

/// Java libraries (by package) that call AWS APIs themselves with the function's role.
const AWS_CALLING_JAVA: &[&str] = &[
    "com.amazonaws.services.schemaregistry",
    "software.amazon.msk.auth.iam",
    "software.amazon.lambda.powertools.parameters",
    "software.amazon.lambda.powertools.idempotency",
    "software.amazon.lambda.powertools.largemessages",
    "software.amazon.lambda.powertools.sqs",
    "software.amazon.awssdk.transfer.s3",
    "software.amazon.encryption.s3",
    "software.amazon.cryptography",
    "com.amazonaws.encryptionsdk",
    "com.amazonaws.services.dynamodbv2.AmazonDynamoDBLockClient",
    "com.amazonaws.secretsmanager.caching",
    "com.amazonaws.secretsmanager.sql",
    "software.amazon.jdbc",
    "io.awspring.cloud",
    "org.springframework.cloud.aws",
    "com.amazonaws.xray",
    "software.amazon.opentelemetry",
];

/// Go modules that call AWS APIs themselves with the function's role.
const AWS_CALLING_GO: &[&str] = &[
    "github.com/aws/aws-msk-iam-sasl-signer-go",
    "github.com/aws/aws-dax-go",
    "github.com/aws/aws-xray-sdk-go",
    "github.com/aws/aws-secretsmanager-caching-go",
    "github.com/aws/amazon-s3-encryption-client-go",
    "github.com/aws/aws-database-encryption-sdk-dynamodb",
    "github.com/aws/aws-encryption-sdk",
];

/// The AWS-calling library an import of a Java package or Go module belongs to.
pub(crate) fn aws_calling_library(lang: Language, import: &str) -> Option<&'static str> {
    let list = match lang {
        Language::Java => AWS_CALLING_JAVA,
        Language::Go => AWS_CALLING_GO,
        _ => return None,
    };
    let sep = if lang == Language::Java { "." } else { "/" };
    list.iter()
        .find(|l| import == **l || import.starts_with(&format!("{l}{sep}")))
        .copied()
}

const AWS_CALLING_JS: &[&str] = &[
    "@middy/ssm",
    "@middy/secrets-manager",
    "@middy/sts",
    "@middy/rds-signer",
    "@middy/s3-object-response",
    "@aws-lambda-powertools/parameters",
    "@aws-lambda-powertools/idempotency",
    "@aws-sdk/lib-storage",
    "@aws-sdk/s3-request-presigner",
    "@aws-sdk/rds-signer",
    "aws-signed-axios",
    "aws4",
    "aws4-axios",
    "dynamoose",
    "nodemailer",
];

/// Module names the repository defines: Python packages (directories with `__init__.py`) and
/// modules of layer directories (`python/`), and the `name` of every `package.json`.
#[derive(Default)]
struct RepoModules {
    python: HashMap<String, String>,
    js: HashMap<String, String>,
}

/// Modules the analysis models itself or that cannot be repository code.
const PYTHON_STDLIB: &str = include_str!("../data/python-stdlib.txt");
const MODELLED_PYTHON: &[&str] = &["boto3", "botocore"];

fn is_stdlib_or_modelled(top: &str) -> bool {
    static STDLIB: OnceLock<HashSet<&'static str>> = OnceLock::new();
    MODELLED_PYTHON.contains(&top)
        || STDLIB
            .get_or_init(|| {
                PYTHON_STDLIB
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .collect()
            })
            .contains(top)
}

const MAX_DEPTH: usize = 12;
const MAX_ENTRIES: usize = 50_000;
const SKIPPED: &[&str] = &[
    "node_modules",
    "cdk.out",
    "venv",
    "__pycache__",
    "site-packages",
];

fn index(root: &Path) -> RepoModules {
    let mut m = RepoModules::default();
    let mut seen = 0usize;
    // Entries' file types do not follow symlinks, so the walk never enters a symlinked
    // directory and cannot loop (canonicalizing every directory instead cost a `readlink` per
    // path component: three quarters of a scan's system calls).
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
        let named = |pred: &dyn Fn(&str) -> bool| {
            entries
                .iter()
                .any(|e| pred(&e.file_name().to_string_lossy()))
        };
        // Where pip installed packages (`pip install -t`, a layer's vendored dependencies):
        // nothing under it is the repository's own code.
        if named(&|n| n.ends_with(".dist-info") || n.ends_with(".egg-info")) {
            continue;
        }
        // Only a package whose parent is not a package is importable by its own name
        // (`botocore/vendored/requests` is not `requests`).
        // A layer's `python/` directory is on the path itself, even with an `__init__.py`.
        let in_layer_dir = dir.file_name().is_some_and(|n| n == "python");
        let parent_is_package = !in_layer_dir && named(&|n| n == "__init__.py");
        for e in entries {
            seen += 1;
            if seen > MAX_ENTRIES {
                return m;
            }
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                if name.starts_with('.') || SKIPPED.contains(&name.as_str()) || depth >= MAX_DEPTH {
                    continue;
                }
                // A package, or a namespace package in a layer's `python/` directory.
                if !parent_is_package && (in_layer_dir || path.join("__init__.py").is_file()) {
                    m.python
                        .entry(name.clone())
                        .or_insert_with(|| rel(root, &path));
                }
                stack.push((path, depth + 1));
            } else if in_layer_dir && name.ends_with(".py") {
                let stem = name.trim_end_matches(".py").to_string();
                m.python.entry(stem).or_insert_with(|| rel(root, &path));
            } else if name == "package.json" {
                if let Some(pkg) = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| package_name(&t))
                {
                    m.js.entry(pkg).or_insert_with(|| rel(root, &dir));
                }
            }
        }
    }
    m
}

/// The same index from the files a walk of `root` already listed (discovery's, which also
/// honours `.gitignore`): no second walk of the tree. A package is what the walk in [`index`]
/// would register; where two packages share a name the first in path order is named.
fn index_files(root: &Path, files: &[PathBuf]) -> RepoModules {
    let mut m = RepoModules::default();
    let rel_parts = |p: &Path| -> Option<Vec<String>> {
        let r = p.strip_prefix(root).ok()?;
        Some(
            r.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect(),
        )
    };
    let listed: Vec<Vec<String>> = files
        .iter()
        .take(MAX_ENTRIES)
        .filter_map(|p| rel_parts(p))
        .filter(|parts| !parts.is_empty())
        .collect();
    // Directories (as component lists) holding `__init__.py`, and those where pip installed
    // packages (a `.dist-info` or `.egg-info` entry): nothing under the latter is looked at.
    let mut packages: HashSet<&[String]> = HashSet::default();
    let mut installed: HashSet<&[String]> = HashSet::default();
    for parts in &listed {
        let (dir, name) = parts.split_at(parts.len() - 1);
        if name[0] == "__init__.py" {
            packages.insert(dir);
        }
        for (k, c) in dir.iter().enumerate() {
            if c.ends_with(".dist-info") || c.ends_with(".egg-info") {
                installed.insert(&dir[..k]);
            }
        }
    }
    let path_of =
        |parts: &[String]| -> PathBuf { parts.iter().fold(root.to_path_buf(), |p, c| p.join(c)) };
    let mut registered: HashSet<&[String]> = HashSet::default();
    for parts in &listed {
        let (dir, name) = parts.split_at(parts.len() - 1);
        let name = &name[0];
        // Down the directories as the walk enters them: a directory's entries are read
        // unless pip installed packages there; a subdirectory is registered and entered
        // unless hidden, skipped or too deep.
        let mut depth = 0;
        let processed = loop {
            if installed.contains(&dir[..depth]) {
                break false;
            }
            if depth == dir.len() {
                break true;
            }
            let c = &dir[depth];
            if c.starts_with('.') || SKIPPED.contains(&c.as_str()) || depth >= MAX_DEPTH {
                break false;
            }
            let sub = &dir[..=depth];
            if registered.insert(sub) {
                let parent = &dir[..depth];
                let in_layer_dir = parent.last().is_some_and(|n| n == "python");
                let parent_is_package = !in_layer_dir && packages.contains(parent);
                if !parent_is_package && (in_layer_dir || packages.contains(sub)) {
                    m.python.entry(c.clone()).or_insert_with(|| sub.join("/"));
                }
            }
            depth += 1;
        };
        if !processed {
            continue;
        }
        if dir.last().is_some_and(|n| n == "python") && name.ends_with(".py") {
            let stem = name.trim_end_matches(".py").to_string();
            m.python.entry(stem).or_insert_with(|| parts.join("/"));
        } else if name == "package.json" {
            if let Some(pkg) = std::fs::read_to_string(path_of(parts))
                .ok()
                .and_then(|t| package_name(&t))
            {
                m.js.entry(pkg).or_insert_with(|| dir.join("/"));
            }
        }
    }
    m
}

/// Indexes `root`'s repository modules from the files a walk of it listed, so that the code
/// analysis does not walk the tree again. Without it the analysis walks `root` itself.
pub fn index_repository_files(root: &Path, files: &[PathBuf]) {
    let slot = slot(root);
    slot.get_or_init(|| std::sync::Arc::new(index_files(root, files)));
}

/// `"name"` of a package.json, without a JSON parser's cost for a one-field read.
fn package_name(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.get("name")?.as_str().map(str::to_string)
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

type Slot = std::sync::Arc<OnceLock<std::sync::Arc<RepoModules>>>;

fn slot(root: &Path) -> Slot {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Slot>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::default()));
    match cache.lock() {
        Ok(mut map) => map.entry(root.to_path_buf()).or_default().clone(),
        Err(_) => Slot::default(),
    }
}

fn cached(root: &Path) -> std::sync::Arc<RepoModules> {
    // One walk per root: the first function analysed on each thread asks at once, and each
    // used to walk the whole tree.
    slot(root)
        .get_or_init(|| std::sync::Arc::new(index(root)))
        .clone()
}

/// The package part of a JavaScript specifier: `@scope/name/sub` → `@scope/name`.
fn js_package(spec: &str) -> &str {
    let mut parts = spec.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(scope), Some(name)) if scope.starts_with('@') => {
            &spec[..scope.len() + 1 + name.len()]
        }
        (Some(first), _) => first,
        _ => spec,
    }
}

/// Why the SDK calls found in the code may not be all of them: each import (Python absolute
/// module, JavaScript package) that is repository code outside the function's package or a
/// library that calls AWS itself.
pub(crate) fn not_followed(root: &Path, lang: Language, imports: &[String]) -> Vec<String> {
    let repo = cached(root);
    let mut out = Vec::new();
    for import in imports {
        let reason = match lang {
            // JDK and library classes are not repository code; classes of the package that
            // exist were followed.
            Language::Java | Language::Go => aws_calling_library(lang, import)
                .map(|lib| format!("`{lib}` (makes AWS calls fnguard does not model)")),
            Language::Python => {
                let top = import.split('.').next().unwrap_or(import);
                if is_stdlib_or_modelled(top) {
                    None
                } else if let Some(lib) = AWS_CALLING_PYTHON
                    .iter()
                    .find(|l| crate::is_dotted_under(import, l) || top == **l)
                {
                    Some(format!("`{lib}` (makes AWS calls fnguard does not model)"))
                } else {
                    repo.python.get(top).map(|at| {
                        format!(
                            "`{top}` (repository code at {at}, outside the function's code: a layer or build step adds it)"
                        )
                    })
                }
            }
            Language::JavaScript => {
                let pkg = js_package(import);
                if AWS_CALLING_JS.contains(&pkg) {
                    Some(format!("`{pkg}` (makes AWS calls fnguard does not model)"))
                } else {
                    repo.js.get(pkg).map(|at| {
                        format!("`{pkg}` (a package of this repository at {at}, not followed)")
                    })
                }
            }
        };
        if let Some(r) = reason {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_packages_keep_their_scope() {
        assert_eq!(js_package("@middy/ssm"), "@middy/ssm");
        assert_eq!(
            js_package("@aws-sdk/lib-storage/dist"),
            "@aws-sdk/lib-storage"
        );
        assert_eq!(js_package("slic-tools/user-util"), "slic-tools");
        assert_eq!(js_package("lodash"), "lodash");
    }

    #[test]
    fn repository_modules_outside_the_package_and_aws_calling_libraries_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("layer/python/datalake_library")).unwrap();
        std::fs::write(root.join("layer/python/datalake_library/__init__.py"), "").unwrap();
        std::fs::write(root.join("layer/python/__init__.py"), "").unwrap();
        std::fs::write(root.join("layer/python/shared_util.py"), "").unwrap();
        // pip-installed into another layer: third-party, like a shadowed standard module.
        std::fs::create_dir_all(root.join("deps/python/requests")).unwrap();
        std::fs::write(root.join("deps/python/requests/__init__.py"), "").unwrap();
        std::fs::create_dir_all(root.join("deps/python/requests-2.32.0.dist-info")).unwrap();
        std::fs::create_dir_all(root.join("deps/python/boto3")).unwrap();
        std::fs::write(root.join("deps/python/boto3/__init__.py"), "").unwrap();
        // A package vendored inside another is not importable by its own name.
        std::fs::create_dir_all(root.join("lib/python/sdk/vendored/jose")).unwrap();
        std::fs::write(root.join("lib/python/sdk/__init__.py"), "").unwrap();
        std::fs::write(root.join("lib/python/sdk/vendored/__init__.py"), "").unwrap();
        std::fs::write(root.join("lib/python/sdk/vendored/jose/__init__.py"), "").unwrap();
        std::fs::create_dir_all(root.join("src/logging")).unwrap();
        std::fs::write(root.join("src/logging/__init__.py"), "").unwrap();
        std::fs::create_dir_all(root.join("packages/tools")).unwrap();
        std::fs::write(
            root.join("packages/tools/package.json"),
            r#"{"name": "my-tools"}"#,
        )
        .unwrap();
        let py = not_followed(
            root,
            Language::Python,
            &[
                "os".into(),
                "boto3".into(),
                "datalake_library.interfaces".into(),
                "shared_util".into(),
                "awswrangler".into(),
                "requests".into(),
                "logging".into(),
                "jose".into(),
            ],
        );
        assert_eq!(py.len(), 3, "{py:?}");
        assert!(py[0].contains("layer/python/datalake_library"));
        let js = not_followed(
            root,
            Language::JavaScript,
            &[
                "my-tools/user".into(),
                "@middy/ssm".into(),
                "lodash".into(),
                "@aws-sdk/client-s3".into(),
            ],
        );
        assert_eq!(js.len(), 2, "{js:?}");
    }

    #[test]
    fn the_index_from_listed_files_is_the_index_from_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            "layer/python/datalake_library/__init__.py",
            "layer/python/datalake_library/io/__init__.py",
            "layer/python/__init__.py",
            "layer/python/shared_util.py",
            "layer/python/ns_pkg/inner/mod.py",
            "deps/python/requests/__init__.py",
            "deps/python/requests-2.32.0.dist-info/METADATA",
            "deps/python/boto3/__init__.py",
            "lib/python/sdk/__init__.py",
            "lib/python/sdk/vendored/__init__.py",
            "lib/python/sdk/vendored/jose/__init__.py",
            "src/logging/__init__.py",
            "src/app/__init__.py",
            "src/app/handlers/__init__.py",
            "src/.hidden/secret/__init__.py",
            "web/node_modules/left-pad/package.json",
            "packages/tools/package.json",
            "package.json",
            "a/b/c/d/e/f/g/h/i/j/k/l/m/deep/__init__.py",
            "a/b/c/d/e/f/g/h/i/j/k/shallow/__init__.py",
        ];
        for f in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let text = if f.ends_with("package.json") {
                format!(r#"{{"name": "{}"}}"#, f.replace('/', "-"))
            } else {
                String::new()
            };
            std::fs::write(p, text).unwrap();
        }
        let mut listed: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
        listed.sort();
        let walked = index(root);
        let from_files = index_files(root, &listed);
        assert!(walked.python.contains_key("datalake_library"));
        assert!(walked.python.contains_key("shallow"));
        assert!(!walked.python.contains_key("deep"));
        assert_eq!(from_files.python, walked.python);
        assert_eq!(from_files.js, walked.js);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_directories_are_not_entered_so_loops_end() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/shared")).unwrap();
        std::fs::write(root.join("a/shared/__init__.py"), "").unwrap();
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/shared/up")).unwrap();
        let m = index(root);
        assert_eq!(m.python.get("shared").map(String::as_str), Some("a/shared"));
        assert_eq!(m.python.len(), 1, "{:?}", m.python);
    }
}
