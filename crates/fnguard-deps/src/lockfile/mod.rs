//! Reading the packages a code package ships: lockfiles, pinned manifests and installed trees.
//!
//! Every reader is given the file's text and returns what it found with line numbers; a reader
//! never fails as a whole on a bad entry, it reports the line and goes on.

mod go;
mod installed;
mod java;
mod json_locks;
mod npm;
mod pnpm;
mod requirements;
mod ruby;
mod toml_locks;
mod yarn;

pub use installed::{read_dist_info, read_node_modules};

use crate::version::Ecosystem;
use std::path::{Path, PathBuf};

/// Files larger than this are not lockfiles anyone writes by hand or tool (npm's largest real
/// lockfiles are tens of MB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// One package found in a source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: Option<String>,
    pub file: PathBuf,
    pub line: u32,
    pub direct: Option<bool>,
    pub dev: bool,
}

/// A manifest entry that does not pin an exact version.
#[derive(Debug, Clone, PartialEq)]
pub struct Loose {
    pub name: String,
    pub spec: String,
    pub file: PathBuf,
    pub line: u32,
}

/// A problem reading a source, with the line when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<u32>,
    pub message: String,
}

/// What one source file yielded.
#[derive(Debug, Default)]
pub struct Parsed {
    pub packages: Vec<Found>,
    pub loose: Vec<Loose>,
    pub problems: Vec<Problem>,
    /// Other files read on the way (`-r` includes).
    pub also_read: Vec<PathBuf>,
}

/// The kinds of source file fnguard reads, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    PackageLock,
    YarnLock,
    PnpmLock,
    PackageJson,
    Requirements,
    PipfileLock,
    Pipfile,
    PoetryLock,
    UvLock,
    PdmLock,
    Pyproject,
    CargoLock,
    GoMod,
    PomXml,
    GradleLock,
    /// `mvn dependency:tree -DoutputFile=dependency-tree.txt`: every resolved artifact.
    MavenTree,
    GemfileLock,
    ComposerLock,
    NugetLock,
}

/// `requirements-dev.txt`, `requirements_test.txt`: tools for developing, never shipped in the
/// function's package.
fn is_dev_requirements(name: &str) -> bool {
    const DEV: &[&str] = &[
        "dev",
        "devel",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "doc",
        "docs",
        "ci",
        "local",
        "tox",
        "typing",
        "mypy",
        "style",
        "format",
    ];
    name.trim_start_matches("requirements")
        .trim_end_matches(".txt")
        .split(['-', '_', '.'])
        .any(|w| DEV.contains(&w.to_ascii_lowercase().as_str()))
}

impl Kind {
    pub const ALL: [Kind; 19] = [
        Kind::PackageLock,
        Kind::YarnLock,
        Kind::PnpmLock,
        Kind::PackageJson,
        Kind::Requirements,
        Kind::PipfileLock,
        Kind::Pipfile,
        Kind::PoetryLock,
        Kind::UvLock,
        Kind::PdmLock,
        Kind::Pyproject,
        Kind::CargoLock,
        Kind::GoMod,
        Kind::PomXml,
        Kind::GradleLock,
        Kind::MavenTree,
        Kind::GemfileLock,
        Kind::ComposerLock,
        Kind::NugetLock,
    ];

    pub fn of(file_name: &str) -> Option<Kind> {
        Some(match file_name {
            "package-lock.json" | "npm-shrinkwrap.json" => Kind::PackageLock,
            "yarn.lock" => Kind::YarnLock,
            "pnpm-lock.yaml" => Kind::PnpmLock,
            "package.json" => Kind::PackageJson,
            "Pipfile.lock" => Kind::PipfileLock,
            "Pipfile" => Kind::Pipfile,
            "poetry.lock" => Kind::PoetryLock,
            "uv.lock" => Kind::UvLock,
            "pdm.lock" => Kind::PdmLock,
            "pyproject.toml" => Kind::Pyproject,
            "Cargo.lock" => Kind::CargoLock,
            "go.mod" => Kind::GoMod,
            "pom.xml" => Kind::PomXml,
            "gradle.lockfile" => Kind::GradleLock,
            "dependency-tree.txt" | "dependency_tree.txt" | "maven-dependency-tree.txt" => {
                Kind::MavenTree
            }
            "Gemfile.lock" => Kind::GemfileLock,
            "composer.lock" => Kind::ComposerLock,
            "packages.lock.json" => Kind::NugetLock,
            n if n.starts_with("requirements")
                && n.ends_with(".txt")
                && !is_dev_requirements(n) =>
            {
                Kind::Requirements
            }
            _ => return None,
        })
    }

    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Kind::PackageLock | Kind::YarnLock | Kind::PnpmLock | Kind::PackageJson => {
                Ecosystem::Npm
            }
            Kind::Requirements
            | Kind::PipfileLock
            | Kind::Pipfile
            | Kind::PoetryLock
            | Kind::UvLock
            | Kind::PdmLock
            | Kind::Pyproject => Ecosystem::PyPI,
            Kind::CargoLock => Ecosystem::CratesIo,
            Kind::GoMod => Ecosystem::Go,
            Kind::PomXml | Kind::GradleLock | Kind::MavenTree => Ecosystem::Maven,
            Kind::GemfileLock => Ecosystem::RubyGems,
            Kind::ComposerLock => Ecosystem::Packagist,
            Kind::NugetLock => Ecosystem::NuGet,
        }
    }

    /// Whether the file pins the exact version of everything installed. Manifests are read for
    /// their pins (and their ranges, for FG102) only when no lockfile sits beside them.
    pub fn is_lock(self) -> bool {
        !matches!(
            self,
            Kind::PackageJson | Kind::Requirements | Kind::Pipfile | Kind::Pyproject | Kind::PomXml
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::PackageLock => "package-lock.json",
            Kind::YarnLock => "yarn.lock",
            Kind::PnpmLock => "pnpm-lock.yaml",
            Kind::PackageJson => "package.json",
            Kind::Requirements => "requirements.txt",
            Kind::PipfileLock => "Pipfile.lock",
            Kind::Pipfile => "Pipfile",
            Kind::PoetryLock => "poetry.lock",
            Kind::UvLock => "uv.lock",
            Kind::PdmLock => "pdm.lock",
            Kind::Pyproject => "pyproject.toml",
            Kind::CargoLock => "Cargo.lock",
            Kind::GoMod => "go.mod",
            Kind::PomXml => "pom.xml",
            Kind::GradleLock => "gradle.lockfile",
            Kind::MavenTree => "Maven dependency tree",
            Kind::GemfileLock => "Gemfile.lock",
            Kind::ComposerLock => "composer.lock",
            Kind::NugetLock => "packages.lock.json",
        }
    }
}

/// Reads one source file of a known kind.
pub fn read(kind: Kind, path: &Path) -> Parsed {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(message) => {
            return Parsed {
                problems: vec![Problem {
                    file: path.to_path_buf(),
                    line: None,
                    message,
                }],
                ..Parsed::default()
            }
        }
    };
    read_str(kind, path, &text)
}

/// Reads one source file's text (`path` names it in messages and anchors `-r` includes).
pub fn read_str(kind: Kind, path: &Path, text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut ctx = Ctx {
        path,
        out: &mut out,
    };
    let text = text.to_string();
    match kind {
        Kind::PackageLock => npm::package_lock(&text, &mut ctx),
        Kind::PackageJson => npm::package_json(&text, &mut ctx),
        Kind::YarnLock => yarn::yarn_lock(&text, &mut ctx),
        Kind::PnpmLock => pnpm::pnpm_lock(&text, &mut ctx),
        Kind::Requirements => requirements::requirements(&text, &mut ctx, 0),
        Kind::PipfileLock => json_locks::pipfile_lock(&text, &mut ctx),
        Kind::Pipfile => toml_locks::pipfile(&text, &mut ctx),
        Kind::PoetryLock | Kind::PdmLock => {
            toml_locks::package_tables(&text, &mut ctx, Ecosystem::PyPI)
        }
        Kind::UvLock => toml_locks::package_tables(&text, &mut ctx, Ecosystem::PyPI),
        Kind::Pyproject => toml_locks::pyproject(&text, &mut ctx),
        Kind::CargoLock => toml_locks::package_tables(&text, &mut ctx, Ecosystem::CratesIo),
        Kind::GoMod => go::go_mod(&text, &mut ctx),
        Kind::PomXml => java::pom(&text, &mut ctx),
        Kind::GradleLock => java::gradle_lockfile(&text, &mut ctx),
        Kind::MavenTree => java::dependency_tree(&text, &mut ctx),
        Kind::GemfileLock => ruby::gemfile_lock(&text, &mut ctx),
        Kind::ComposerLock => json_locks::composer_lock(&text, &mut ctx),
        Kind::NugetLock => json_locks::nuget_lock(&text, &mut ctx),
    }
    out
}

pub(crate) fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} bytes; larger than the {MAX_FILE_BYTES}-byte limit, not read",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()))
}

/// What a reader writes into.
pub(crate) struct Ctx<'a> {
    pub path: &'a Path,
    pub out: &'a mut Parsed,
}

impl Ctx<'_> {
    pub fn found(
        &mut self,
        ecosystem: Ecosystem,
        name: &str,
        version: Option<&str>,
        line: u32,
    ) -> &mut Found {
        self.out.packages.push(Found {
            ecosystem,
            name: name.to_string(),
            version: version.map(str::to_string).filter(|v| !v.is_empty()),
            file: self.path.to_path_buf(),
            line,
            direct: None,
            dev: false,
        });
        let last = self.out.packages.len() - 1;
        &mut self.out.packages[last]
    }

    pub fn loose(&mut self, name: &str, spec: &str, line: u32) {
        self.out.loose.push(Loose {
            name: name.to_string(),
            spec: spec.to_string(),
            file: self.path.to_path_buf(),
            line,
        });
    }

    pub fn problem(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.out.problems.push(Problem {
            file: self.path.to_path_buf(),
            line,
            message: message.into(),
        });
    }
}

/// Line numbers of keys whose value is an object (`"key": {`), first occurrence wins;
/// serde_json keeps no positions, and lockfiles put one key per line.
pub(crate) fn json_key_lines(text: &str) -> std::collections::HashMap<&str, u32> {
    key_lines(text, true)
}

/// Line numbers of every key, whatever its value (`"lodash": "^4.17.0"` in a package.json).
pub(crate) fn json_any_key_lines(text: &str) -> std::collections::HashMap<&str, u32> {
    key_lines(text, false)
}

fn key_lines(text: &str, objects_only: bool) -> std::collections::HashMap<&str, u32> {
    let mut out = std::collections::HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let after = rest[end + 1..].trim_start();
        if after
            .strip_prefix(':')
            .is_some_and(|v| !objects_only || v.trim_start().starts_with('{'))
        {
            out.entry(&rest[..end]).or_insert(n as u32 + 1);
        }
    }
    out
}

/// A serde_json error's line, for the report.
pub(crate) fn json_error(ctx: &mut Ctx<'_>, e: &serde_json::Error) {
    ctx.problem(Some(e.line() as u32), format!("invalid JSON: {e}"));
}

#[cfg(test)]
mod requirement_names {
    use super::Kind;

    #[test]
    fn development_requirements_are_not_the_package() {
        assert_eq!(Kind::of("requirements.txt"), Some(Kind::Requirements));
        assert_eq!(Kind::of("requirements-prod.txt"), Some(Kind::Requirements));
        assert_eq!(Kind::of("requirements-dev.txt"), None);
        assert_eq!(Kind::of("requirements_test.txt"), None);
        assert_eq!(Kind::of("requirements.docs.txt"), None);
    }
}
