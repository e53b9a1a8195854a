//! Finding deployment descriptors in a tree: by name where the name is conventional, by content
//! otherwise, skipping build outputs that only duplicate sources.

use crate::{relative, Diagnostic};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DescriptorKind {
    Serverless,
    CloudFormation,
    Sam,
    Cdk,
    /// A CDK application without synthesized output: its `cdk.json`, read from the source.
    CdkSource,
    /// A directory of `.tf` files (a Terraform module).
    Terraform,
    /// An AWS Chalice app: its `.chalice/config.json` (the app is `app.py` beside `.chalice`).
    Chalice,
    /// `zappa_settings.json`, `.yaml`/`.yml` or `.toml`.
    Zappa,
}

impl DescriptorKind {
    /// Every format discovery recognises, for messages that tell a user what was looked for.
    pub const SUPPORTED: &'static str = "serverless.yml/.yaml/.json (Serverless Framework), \
CloudFormation and SAM templates (YAML or JSON), CDK applications (cdk.out next to cdk.json, or their TypeScript/Python source), \
Terraform (*.tf, *.tf.json), AWS Chalice (.chalice/config.json) and Zappa (zappa_settings.json/.yaml/.toml)";
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub kind: DescriptorKind,
}

/// Directories that hold copies of sources or downloaded code, never descriptors of their own.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    ".serverless",
    ".aws-sam",
    ".terraform",
    ".git",
    "__pycache__",
    ".venv",
    "venv",
    "target",
];

/// Descriptors looked for in every directory walked, even when git-ignored.
const IGNORED_DESCRIPTORS: &[&str] = &[
    "zappa_settings.json",
    "zappa_settings.yaml",
    "zappa_settings.yml",
    "zappa_settings.toml",
    ".chalice/config.json",
];

/// How much of a file is read to decide what it is.
const SNIFF_BYTES: usize = 256 * 1024;

pub fn discover(root: &Path, excludes: &[String]) -> (Vec<Candidate>, Vec<Diagnostic>) {
    let (candidates, diagnostics, _) = discover_with_survey(root, excludes);
    (candidates, diagnostics)
}

/// What the walk saw besides descriptors, for telling a user why nothing was found.
#[derive(Debug, Default, Clone)]
pub struct Survey {
    /// Files walked.
    pub files: usize,
    /// Files with a descriptor-like name or extension that were not recognised (first few).
    pub unrecognised: Vec<String>,
    /// Every file the walk listed, in path order (ignored and hidden ones left out), for
    /// analyses that would otherwise walk the tree again.
    pub walked: Vec<PathBuf>,
}

/// How many unrecognised files a survey names.
const SURVEY_EXAMPLES: usize = 8;

/// As [`discover`], with a survey of the files that were walked.
pub fn discover_with_survey(
    root: &Path,
    excludes: &[String],
) -> (Vec<Candidate>, Vec<Diagnostic>, Survey) {
    discover_with_survey_beside(root, excludes, |_| {})
}

/// As [`discover_with_survey`], running `beside` on the walked files (in path order, as
/// [`Survey::walked`]) on another core while discovery sorts them out: work that needs only
/// the file list fills the cores that discovery's last, partly serial steps leave idle.
pub fn discover_with_survey_beside(
    root: &Path,
    excludes: &[String],
    beside: impl FnOnce(&[PathBuf]) + Send,
) -> (Vec<Candidate>, Vec<Diagnostic>, Survey) {
    let mut survey = Survey::default();
    let mut candidates = Vec::new();
    let mut diagnostics = Vec::new();
    if root.is_file() {
        let parent = root.parent().unwrap_or(Path::new("."));
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if name.ends_with(".tf") || name.ends_with(".tf.json") {
            candidates.push(Candidate {
                path: parent.to_path_buf(),
                kind: DescriptorKind::Terraform,
            });
            return (candidates, diagnostics, survey);
        }
        match classify(root) {
            Some(kind) => candidates.push(Candidate {
                path: root.to_path_buf(),
                kind,
            }),
            None => diagnostics.push(Diagnostic::warning(
                &relative(parent, root),
                None,
                format!(
                    "not a recognised deployment descriptor; fnguard reads {}",
                    DescriptorKind::SUPPORTED
                ),
            )),
        }
        survey.files = 1;
        return (candidates, diagnostics, survey);
    }
    let mut overrides = ignore::overrides::OverrideBuilder::new(root);
    for pattern in excludes {
        if let Err(e) = overrides.add(&format!("!{pattern}")) {
            diagnostics.push(Diagnostic::error(
                "fnguard.toml",
                None,
                format!("bad exclude pattern `{pattern}`: {e}"),
            ));
        }
    }
    let overrides = overrides
        .build()
        .unwrap_or_else(|_| ignore::overrides::Override::empty());
    let site_dirs = SiteDirs::default();
    let keep = |entry: &crate::walk::Entry| {
        let name = entry.name.to_string_lossy();
        // Hidden entries are skipped, except `.chalice`, which holds a Chalice app's
        // configuration.
        if name.starts_with('.') && name != ".chalice" {
            return false;
        }
        if entry.is_dir {
            if SKIPPED_DIRS.contains(&name.as_ref()) {
                return false;
            }
            // CDK asset folders are copies of the function code.
            if name.starts_with("asset.") && entry.path.parent().is_some_and(is_cdk_assembly) {
                return false;
            }
            // A package pip installed (`python/botocore` beside its `.dist-info`): none of
            // its files is looked at after the walk, and listing them was a third of the
            // walk of serverless-patterns.
            if entry.beside_dist_info && site_dirs.installed_package(entry.path) {
                return false;
            }
        }
        true
    };
    let mut python_dirs: Vec<PathBuf> = Vec::new();
    let mut cdk_apps: Vec<PathBuf> = Vec::new();
    let mut tf_dirs: Vec<PathBuf> = Vec::new();
    // Listing directories and reading their .gitignore files dominates discovery on a large
    // tree: walk on every core, then sort so that the outcome does not depend on scheduling.
    let crate::walk::Walked {
        files: mut walked_files,
        errors: mut walk_errors,
    } = crate::walk::walk(root, &overrides, &keep);
    // The package directories pip installed, from their `.dist-info` files.
    let installed: Vec<PathBuf> = walked_files
        .par_iter()
        .flat_map_iter(|p| installed_by_file(p))
        .collect();
    walked_files.par_sort_by_cached_key(|p| path_order_key(p));
    walk_errors.sort();
    let ((), ()) = rayon::join(
        || beside(&walked_files),
        || {
            let installed: std::collections::HashSet<PathBuf> = installed.into_iter().collect();
            let mut tf_seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
            let mut python_seen: std::collections::HashSet<PathBuf> =
                std::collections::HashSet::new();
            for e in walk_errors {
                diagnostics.push(Diagnostic::warning(
                    &relative(root, root),
                    None,
                    format!("while walking the tree: {e}"),
                ));
            }
            // Classifying reads the head of every file (on every core) while this thread sorts the
            // files out: both were serial phases between the walk and the loads.
            let mut kept: Vec<usize> = Vec::with_capacity(walked_files.len());
            let (kinds, ()) = rayon::join(
                || -> Vec<Option<DescriptorKind>> {
                    walked_files.par_iter().map(|p| classify(p)).collect()
                },
                || {
                    // Walked files come in path order, so most share the directory of the file before them;
                    // hashing paths (component by component) was most of this loop, which runs on one core.
                    let mut installed_dirs: std::collections::HashMap<&Path, bool> =
                        Default::default();
                    let mut last_dir: Option<(&Path, bool)> = None;
                    let mut last_python_dir: Option<&Path> = None;
                    let same = |a: &Path, b: Option<&Path>| {
                        b.is_some_and(|b| a.as_os_str() == b.as_os_str())
                    };
                    for (k, path) in walked_files.iter().enumerate() {
                        let path = path.as_path();
                        let file_name = path
                            .file_name()
                            .map(|n| n.to_string_lossy())
                            .unwrap_or_default();
                        let dir = path.parent();
                        if file_name.ends_with(".tf") || file_name.ends_with(".tf.json") {
                            if let Some(dir) = dir {
                                if tf_seen.insert(dir.to_path_buf()) {
                                    tf_dirs.push(dir.to_path_buf());
                                }
                            }
                        }
                        if file_name == "cdk.json" {
                            // `cdk.out` is usually git-ignored, yet for a CDK app it is the only descriptor.
                            if let Some(app) = dir {
                                cdk_apps.push(app.to_path_buf());
                            }
                        }
                        survey.files += 1;
                        // Packages pip installed beside the code (a layer's `python/`, `pip install -t`) are
                        // third-party: none of their files deploys the application. Vendored botocore alone is
                        // 60 MB of JSON in serverless-patterns, and sniffing it was a tenth of a scan.
                        if !installed.is_empty() {
                            let under_installed = match (dir, last_dir) {
                                (Some(d), Some((last, known))) if same(d, Some(last)) => known,
                                (Some(d), _) => {
                                    let known = *installed_dirs.entry(d).or_insert_with(|| {
                                        d.ancestors().any(|a| installed.contains(a))
                                    });
                                    last_dir = Some((d, known));
                                    known
                                }
                                (None, _) => false,
                            };
                            if under_installed {
                                continue;
                            }
                        }
                        // Zappa settings and Chalice configuration hold credentials, so projects often
                        // git-ignore them; yet they are what deploys. Both sit next to Python code, so only
                        // directories with Python in them are looked at again.
                        if file_name.ends_with(".py") || file_name == "requirements.txt" {
                            if let Some(dir) = dir.filter(|d| !same(d, last_python_dir)) {
                                last_python_dir = Some(dir);
                                if python_seen.insert(dir.to_path_buf()) {
                                    python_dirs.push(dir.to_path_buf());
                                }
                            }
                        }
                        kept.push(k);
                    }
                },
            );
            for k in kept {
                let path = &walked_files[k];
                if let Some(kind) = kinds[k] {
                    candidates.push(Candidate {
                        path: path.clone(),
                        kind,
                    });
                } else if survey.unrecognised.len() < SURVEY_EXAMPLES
                    && path
                        .file_name()
                        .is_some_and(|n| looks_related(&n.to_string_lossy()))
                {
                    survey.unrecognised.push(relative(root, path));
                }
            }
        },
    );
    survey.walked = walked_files;
    let known: std::collections::HashSet<PathBuf> =
        candidates.iter().map(|c| c.path.clone()).collect();
    // A system call per directory and name: on every core.
    let ignored: Vec<Candidate> = python_dirs
        .par_iter()
        .flat_map_iter(|dir| IGNORED_DESCRIPTORS.iter().map(move |name| dir.join(name)))
        .filter(|p| !known.contains(p) && p.is_file())
        .filter_map(|path| classify(&path).map(|kind| Candidate { path, kind }))
        .collect();
    candidates.extend(ignored);
    for dir in tf_dirs {
        candidates.push(Candidate {
            path: dir,
            kind: DescriptorKind::Terraform,
        });
    }
    for app in cdk_apps {
        let out = app.join("cdk.out");
        let Ok(entries) = std::fs::read_dir(&out) else {
            // Without `cdk.out`, the application is read from its source.
            candidates.push(Candidate {
                path: app.join("cdk.json"),
                kind: DescriptorKind::CdkSource,
            });
            continue;
        };
        // Stages (CDK Pipelines, `Stage`) synthesize into nested `assembly-*` folders.
        let mut nested = Vec::new();
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("assembly-"))
            {
                nested.extend(std::fs::read_dir(&p).into_iter().flatten().flatten());
                continue;
            }
            nested.push(e);
        }
        for e in nested {
            let p = e.path();
            if p.is_file()
                && classify(&p) == Some(DescriptorKind::Cdk)
                && !candidates.iter().any(|c| c.path == p)
            {
                candidates.push(Candidate {
                    path: p,
                    kind: DescriptorKind::Cdk,
                });
            }
        }
    }
    candidates.sort();
    candidates.dedup();
    (candidates, diagnostics, survey)
}

/// What pip installed in the directories the walk passes, asked of directories that hold an
/// `__init__.py` (a regular package), shared by the walk's threads: names from each
/// `.dist-info` as `installed_packages` reads them. Files under such a package are dropped after
/// the walk anyway; not entering it saves listing it.
#[derive(Default, Clone)]
struct SiteDirs(
    std::sync::Arc<
        std::sync::Mutex<
            std::collections::HashMap<PathBuf, std::sync::Arc<std::collections::HashSet<PathBuf>>>,
        >,
    >,
);

impl SiteDirs {
    fn installed_package(&self, dir: &Path) -> bool {
        let Some(parent) = dir.parent() else {
            return false;
        };
        if !dir.join("__init__.py").is_file() {
            return false;
        }
        let known = self.0.lock().ok().and_then(|m| m.get(parent).cloned());
        let installed = match known {
            Some(set) => set,
            None => {
                let set = std::sync::Arc::new(installed_in(parent));
                if let Ok(mut m) = self.0.lock() {
                    m.insert(parent.to_path_buf(), set.clone());
                }
                set
            }
        };
        installed.contains(dir)
    }
}

/// The packages the `.dist-info` directories of `site` name, as `installed_packages` derives
/// them from the walked files.
fn installed_in(site: &Path) -> std::collections::HashSet<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(site).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".dist-info")
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let info = entry.path();
            files.push(info.join("top_level.txt"));
        }
    }
    installed_packages(&files)
}

/// A key whose byte order is `Path` order (component by component) for the paths a walk gives
/// (no `.` or empty components): a separator sorts before every other byte. Sorting 13,000
/// paths with `Path::cmp` was a tenth of discovery.
fn path_order_key(p: &Path) -> Vec<u8> {
    let mut key = p.as_os_str().as_encoded_bytes().to_vec();
    for b in &mut key {
        if std::path::is_separator(char::from(*b)) {
            *b = 0;
        }
    }
    key
}

/// The directories of packages installed with pip (`DIR/botocore` beside
/// `DIR/botocore-1.34.0.dist-info`, and the modules its `top_level.txt` names), from the walked
/// files. A wheel's `.dist-info` only exists where pip installed it; `.egg-info` is left alone,
/// as `setup.py develop` writes it beside the user's own package.
fn installed_packages(files: &[PathBuf]) -> std::collections::HashSet<PathBuf> {
    files.iter().flat_map(|f| installed_by_file(f)).collect()
}

/// What one file of a `.dist-info` directory tells of the packages installed beside it (see
/// [`installed_packages`]); nothing for any other file.
fn installed_by_file(file: &Path) -> Vec<PathBuf> {
    let Some(info) = file.parent() else {
        return Vec::new();
    };
    let Some(dist) = info.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    if !dist.ends_with(".dist-info") {
        return Vec::new();
    }
    let Some(site) = info.parent() else {
        return Vec::new();
    };
    let top_level = file.file_name().is_some_and(|n| n == "top_level.txt");
    // Every file of the `.dist-info` names the distribution; its `top_level.txt` is read once.
    installed_by(dist, top_level.then_some(file))
        .into_iter()
        .map(|name| site.join(name))
        .collect()
}

/// The names of the directories (and modules) that the distribution whose `.dist-info` folder is
/// `dist_info` installed beside it: its name as written and normalised, and the modules its
/// `top_level.txt` lists when that file is given. Empty when `dist_info` is not a `.dist-info`.
pub(crate) fn installed_by(dist_info: &str, top_level: Option<&Path>) -> Vec<String> {
    let Some(dist) = dist_info.strip_suffix(".dist-info") else {
        return Vec::new();
    };
    let name = dist.split('-').next().unwrap_or(dist);
    let mut names = vec![
        name.to_string(),
        name.to_ascii_lowercase().replace(['-', '.'], "_"),
    ];
    if let Some(text) = top_level.and_then(|f| std::fs::read_to_string(f).ok()) {
        for module in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            // A module name, never a path out of the directory.
            if !module.contains(['/', '\\']) && module != ".." {
                names.push(module.to_string());
            }
        }
    }
    names
}

/// A name a user may have meant as a descriptor (for the "nothing found" message).
fn looks_related(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "serverless",
        "template",
        "stack",
        "sam",
        "zappa",
        "chalice",
        "cloudformation",
        "cfn",
    ]
    .iter()
    .any(|w| lower.contains(w))
        && (has_descriptor_extension(&lower) || lower.ends_with(".toml"))
}

fn has_descriptor_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".yml", ".yaml", ".json", ".template", ".cfn"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Decide from name and content whether a file is a descriptor, without parsing it.
pub fn classify(path: &Path) -> Option<DescriptorKind> {
    let name = path.file_name()?.to_string_lossy();
    let lower = name.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "zappa_settings.json"
            | "zappa_settings.yaml"
            | "zappa_settings.yml"
            | "zappa_settings.toml"
    ) {
        return Some(DescriptorKind::Zappa);
    }
    if lower == "config.json"
        && path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|p| p == ".chalice")
    {
        return Some(DescriptorKind::Chalice);
    }
    if !has_descriptor_extension(&name) {
        return None;
    }
    if matches!(
        lower.as_str(),
        "package.json"
            | "package-lock.json"
            | "tsconfig.json"
            | "samconfig.yaml"
            | "samconfig.yml"
            | "cdk.json"
            | "manifest.json"
            | "tree.json"
            | "composer.json"
            | "launch.json"
    ) || lower.ends_with(".assets.json")
    {
        return None;
    }
    let in_cdk_out = path.parent().is_some_and(is_cdk_assembly);
    let head = sniff(path)?;
    // Most files walked are data (events, fixtures, configuration): without the words a
    // descriptor must contain they are dropped before the text is decoded and read by line.
    let has = |word: &str| memchr::memmem::find(&head, word.as_bytes()).is_some();
    if !has("service") && !has("provider") && !has("Resources") && !has("AWSTemplateFormatVersion")
    {
        return None;
    }
    let head = String::from_utf8_lossy(&head);
    let conventional_serverless = matches!(
        lower.as_str(),
        "serverless.yml" | "serverless.yaml" | "serverless.json"
    );
    if conventional_serverless || looks_like_serverless(&head) {
        if conventional_serverless && !head.contains("service") && !head.contains("provider") {
            return None;
        }
        return Some(DescriptorKind::Serverless);
    }
    let has_resources = head.contains("Resources");
    let cfn = head.contains("AWSTemplateFormatVersion")
        || (has_resources && (head.contains("AWS::") || head.contains("Type:")))
            && looks_like_cfn_resources(&head);
    if !cfn {
        return None;
    }
    if in_cdk_out && lower.ends_with(".template.json") {
        return Some(DescriptorKind::Cdk);
    }
    if head.contains("AWS::Serverless") {
        return Some(DescriptorKind::Sam);
    }
    Some(DescriptorKind::CloudFormation)
}

fn sniff(path: &Path) -> Option<Vec<u8>> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = Vec::with_capacity(8192);
    file.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

fn top_level_key(head: &str, key: &str) -> bool {
    head.lines().any(|l| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    }) || head.contains(&format!("\"{key}\""))
}

fn looks_like_serverless(head: &str) -> bool {
    top_level_key(head, "service")
        && top_level_key(head, "provider")
        && !head.contains("AWSTemplateFormatVersion")
}

/// `Resources:` at the top level with at least one `Type: AWS::...`/`Alexa::`/`Custom::` entry.
fn looks_like_cfn_resources(head: &str) -> bool {
    top_level_key(head, "Resources")
        && (head.contains("AWS::") || head.contains("Custom::") || head.contains("Alexa::"))
}

/// A cloud assembly: `cdk.out` itself or a stage's nested `cdk.out/assembly-*`.
fn is_cdk_assembly(dir: &Path) -> bool {
    let name_is =
        |d: &Path, f: &dyn Fn(&str) -> bool| d.file_name().is_some_and(|n| f(&n.to_string_lossy()));
    name_is(dir, &|n| n == "cdk.out")
        || (name_is(dir, &|n| n.starts_with("assembly-"))
            && dir
                .parent()
                .is_some_and(|p| name_is(p, &|n| n == "cdk.out")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let sam = write(
            "template.yaml",
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n",
        );
        let cfn = write(
            "stack.json",
            "{\"Resources\": {\"B\": {\"Type\": \"AWS::S3::Bucket\"}}}",
        );
        let sls = write(
            "serverless-prod.yml",
            "service: x\nprovider:\n  name: aws\n",
        );
        let compose = write("docker-compose.yml", "services:\n  web:\n    image: x\n");
        let pkg = write("package.json", "{\"Resources\": \"AWS::\"}");
        assert_eq!(classify(&sam), Some(DescriptorKind::Sam));
        assert_eq!(classify(&cfn), Some(DescriptorKind::CloudFormation));
        assert_eq!(classify(&sls), Some(DescriptorKind::Serverless));
        assert_eq!(classify(&compose), None);
        assert_eq!(classify(&pkg), None);
    }

    const TEMPLATE: &str =
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n";

    /// Writes a file at a path relative to `root`, creating its directories.
    fn writer(root: &Path) -> impl Fn(&str, &str) + '_ {
        move |rel, text| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
    }

    #[test]
    fn files_of_pip_installed_packages_are_not_descriptors() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let template = TEMPLATE;
        let write = writer(root);
        write(
            "layer/python/botocore-1.34.0.dist-info/METADATA",
            "Name: botocore\n",
        );
        write("layer/python/botocore/data/s3/template.yaml", template);
        write(
            "layer/python/PyYAML-6.0.1.dist-info/top_level.txt",
            "_yaml\nyaml\n",
        );
        write("layer/python/yaml/sample.yaml", template);
        // Beside installed packages, the user's own directories are still searched.
        write("layer/python/stacks/template.yaml", template);
        // `setup.py develop` writes `.egg-info` beside the user's package.
        write("src/app.egg-info/PKG-INFO", "Name: app\n");
        write("src/app/template.yaml", template);
        let (found, _) = discover(root, &[]);
        let found: Vec<String> = found.iter().map(|c| relative(root, &c.path)).collect();
        assert_eq!(
            found,
            ["layer/python/stacks/template.yaml", "src/app/template.yaml"]
        );
        // What runs beside discovery's last steps sees the walked files, in path order.
        let seen = std::sync::Mutex::new(Vec::new());
        let (again, _, survey) = discover_with_survey_beside(root, &[], |walked| {
            seen.lock().unwrap().extend_from_slice(walked);
        });
        assert_eq!(again.len(), 2);
        assert_eq!(seen.into_inner().unwrap(), survey.walked);
        assert!(survey.walked.len() >= 7);
    }

    #[test]
    fn regular_packages_pip_installed_are_not_entered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let template = TEMPLATE;
        let write = writer(root);
        write("layer/python/botocore-1.34.0.dist-info/METADATA", "");
        write("layer/python/botocore/__init__.py", "");
        write("layer/python/botocore/data/s3/template.yaml", template);
        write(
            "layer/python/PyYAML-6.0.1.dist-info/top_level.txt",
            "yaml\n",
        );
        write("layer/python/yaml/__init__.py", "");
        write("layer/python/yaml/t.yaml", template);
        // A namespace package (no `__init__.py`) is walked, and its files dropped afterwards.
        write(
            "layer/python/zope_interface-6.0.dist-info/top_level.txt",
            "zope\n",
        );
        write("layer/python/zope/t.yaml", template);
        // The user's own package beside them, and one with a name pip did not install.
        write("layer/python/stacks/__init__.py", "");
        write("layer/python/stacks/template.yaml", template);
        let (found, _, survey) = discover_with_survey(root, &[]);
        let found: Vec<String> = found.iter().map(|c| relative(root, &c.path)).collect();
        assert_eq!(found, ["layer/python/stacks/template.yaml"]);
        let walked: Vec<String> = survey.walked.iter().map(|p| relative(root, p)).collect();
        assert!(walked
            .iter()
            .all(|p| !p.starts_with("layer/python/botocore/")
                && !p.starts_with("layer/python/yaml/")));
        assert!(walked.contains(&"layer/python/zope/t.yaml".to_string()));
        assert!(walked.contains(&"layer/python/stacks/__init__.py".to_string()));
    }

    #[test]
    fn the_order_key_sorts_paths_as_path_does() {
        let names = [
            "a",
            "a-b",
            "a.b",
            "a b",
            "ab",
            "a/b",
            "a/b-c",
            "a/b/c",
            "a-b/c",
            "a.b/c",
            "a/b.c/d",
            "a/bc",
            "a/b/c-d",
            "a0/x",
            "a/\u{e9}",
            "a/\u{e9}/x",
            "b",
            "a/B",
            "a/_",
        ];
        let mut by_path: Vec<PathBuf> = names.iter().map(|n| Path::new("root").join(n)).collect();
        let mut by_key = by_path.clone();
        by_path.sort();
        by_key.sort_by_cached_key(|p| path_order_key(p));
        assert_eq!(by_key, by_path);
    }
}
