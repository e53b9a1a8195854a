//! Facts about the packages a function ships, added by the dependency analysis.

use crate::{Location, Severity};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct DepFacts {
    /// Lockfiles, manifests and installed trees read for this function.
    pub sources: Vec<DepSource>,
    /// Every package found, one entry per (ecosystem, name, version, source file).
    pub packages: Vec<Dependency>,
    /// Manifest entries that do not pin one version (FG102 evidence).
    pub unpinned: Vec<Unpinned>,
    /// Advisories affecting the packages, one per flaw (aliases merged).
    pub vulnerabilities: Vec<VulnMatch>,
    /// Packages whose version could not be determined; never reported as affected unless the
    /// advisory covers every version.
    pub unknown_versions: Vec<usize>,
    /// Ecosystems among the packages the advisory database has no data for.
    pub ecosystems_without_data: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepSource {
    /// Path relative to the scanned root.
    pub file: String,
    /// `package-lock.json`, `requirements.txt`, `node_modules`, ...
    pub kind: String,
    /// Whether the source pins exact versions (a lockfile or installed tree).
    pub locked: bool,
    /// The layer (model resource id) this source belongs to, when it is not the function's own
    /// code package.
    pub layer: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dependency {
    /// OSV ecosystem name (`npm`, `PyPI`, ...).
    pub ecosystem: String,
    pub name: String,
    pub version: Option<String>,
    /// The line naming this package in its source file.
    pub location: Location,
    /// Declared directly by the project (not only pulled in), when the source says.
    pub direct: Option<bool>,
    /// A development-only dependency (not shipped in a production package), when the source says.
    pub dev: bool,
    /// The layer (model resource id) that ships this package, when it is not the function's own
    /// code package.
    pub layer: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unpinned {
    pub name: String,
    /// The specifier as written (`>=2.0`, `^1.2.0`, empty when none).
    pub spec: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VulnMatch {
    /// Index into `packages`.
    pub package: usize,
    /// The advisory ids of this flaw, preferred id first (GHSA/PYSEC/RUSTSEC, then CVE).
    pub ids: Vec<String>,
    pub summary: String,
    pub severity: Severity,
    /// Where the severity came from (`CVSS 9.8`, `GitHub: HIGH`, `unrated`).
    pub severity_source: String,
    /// The nearest version on the installed version's branch that fixes every merged advisory.
    pub fixed: Option<String>,
    pub malicious: bool,
}
