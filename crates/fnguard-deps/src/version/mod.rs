//! Version ordering per ecosystem, as OSV's `ECOSYSTEM` and `SEMVER` ranges mean it.
//!
//! Every comparator is total: any string parses (the way the ecosystem's own tools are lenient),
//! so a strange version in an advisory or a lockfile never aborts matching.

mod maven;
mod packagist;
mod pypi;
mod rubygems;
mod semver_like;

use std::cmp::Ordering;

/// The package ecosystems fnguard reads lockfiles for and matches advisories in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Npm,
    PyPI,
    Maven,
    Go,
    CratesIo,
    RubyGems,
    NuGet,
    Packagist,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 8] = [
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Maven,
        Ecosystem::Go,
        Ecosystem::CratesIo,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Packagist,
    ];

    /// The name OSV uses (`affected[].package.ecosystem`, the osv.dev bucket folder).
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Maven => "Maven",
            Ecosystem::Go => "Go",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Packagist => "Packagist",
        }
    }

    /// Parses an OSV ecosystem name; a suffix such as `:3.18` (Alpine) or `Maven:central` style
    /// qualifiers are ignored.
    pub fn from_osv(name: &str) -> Option<Self> {
        let base = name.split(':').next().unwrap_or(name);
        Ecosystem::ALL.into_iter().find(|e| e.osv_name() == base)
    }

    /// The package-URL type (`pkg:npm/...`), for SBOMs.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Maven => "maven",
            Ecosystem::Go => "golang",
            Ecosystem::CratesIo => "cargo",
            Ecosystem::RubyGems => "gem",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Packagist => "composer",
        }
    }

    /// The key a package name is stored and looked up under: PEP 503 for PyPI, lowercase where
    /// the registry is case-insensitive (NuGet, Packagist), as written elsewhere.
    pub fn normalise_name(self, name: &str) -> String {
        let name = name.trim();
        match self {
            Ecosystem::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut in_run = false;
                for c in name.chars() {
                    if c == '-' || c == '_' || c == '.' {
                        if !in_run {
                            out.push('-');
                        }
                        in_run = true;
                    } else {
                        out.extend(c.to_lowercase());
                        in_run = false;
                    }
                }
                out
            }
            Ecosystem::NuGet | Ecosystem::Packagist => name.to_lowercase(),
            _ => name.to_string(),
        }
    }

    /// Compares two versions the way this ecosystem orders them.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        self.parse(a).cmp(&self.parse(b))
    }

    /// Parses once for repeated comparisons (range evaluation compares one installed version
    /// with many bounds).
    pub fn parse(self, v: &str) -> Version {
        let v = v.trim();
        match self {
            Ecosystem::Npm | Ecosystem::CratesIo => {
                Version::Semver(semver_like::SemverLike::parse(v, 3))
            }
            Ecosystem::Go => Version::Semver(semver_like::SemverLike::parse(v, 3)),
            Ecosystem::NuGet => Version::NuGet(semver_like::SemverLike::parse(v, 4)),
            Ecosystem::PyPI => Version::PyPI(pypi::PyPIVersion::parse(v)),
            Ecosystem::Maven => Version::Maven(maven::MavenVersion::parse(v)),
            Ecosystem::RubyGems => Version::RubyGems(rubygems::GemVersion::parse(v)),
            Ecosystem::Packagist => Version::Packagist(packagist::PackagistVersion::parse(v)),
        }
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// A parsed version of one ecosystem. Versions of different ecosystems are never compared by
/// the evaluator; if they are, they order by ecosystem so the ordering stays total.
#[derive(Debug, Clone)]
pub enum Version {
    Semver(semver_like::SemverLike),
    NuGet(semver_like::SemverLike),
    PyPI(pypi::PyPIVersion),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::GemVersion),
    Packagist(packagist::PackagistVersion),
}

impl Version {
    fn rank(&self) -> u8 {
        match self {
            Version::Semver(_) => 0,
            Version::NuGet(_) => 1,
            Version::PyPI(_) => 2,
            Version::Maven(_) => 3,
            Version::RubyGems(_) => 4,
            Version::Packagist(_) => 5,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => a.cmp_semver(b, false),
            (Version::NuGet(a), Version::NuGet(b)) => a.cmp_semver(b, true),
            (Version::PyPI(a), Version::PyPI(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            (Version::RubyGems(a), Version::RubyGems(b)) => a.cmp(b),
            (Version::Packagist(a), Version::Packagist(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Compares two strings of ASCII digits as unbounded integers (leading zeros ignored), so that
/// 30-digit components in real version strings order correctly without a bignum.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(
            Ecosystem::PyPI.normalise_name("Foo.Bar__baz"),
            "foo-bar-baz"
        );
        assert_eq!(Ecosystem::PyPI.normalise_name("PyYAML"), "pyyaml");
        assert_eq!(
            Ecosystem::NuGet.normalise_name("Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert_eq!(Ecosystem::Npm.normalise_name("@Scope/Pkg"), "@Scope/Pkg");
    }

    #[test]
    fn ecosystem_names_round_trip() {
        for e in Ecosystem::ALL {
            assert_eq!(Ecosystem::from_osv(e.osv_name()), Some(e));
        }
        assert_eq!(Ecosystem::from_osv("Alpine:v3.18"), None);
    }
}
