//! `fnguard deps --recheck SBOM`: what was deployed, checked again against today's database for
//! advisories published or changed since the SBOM was written. Teams learn of a new flaw in
//! code that is already running without rebuilding or rescanning the application.

use crate::db::{Database, DbError};
use crate::osv::Verdict;
use crate::version::Ecosystem;
use fnguard_model::Severity;

#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    #[error("{path}: not a CycloneDX JSON document or an fnguard live snapshot: {why}")]
    NotCycloneDx { path: String, why: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A package of the inventory, with the functions (or other components) that ship it.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: Option<String>,
    pub purl: String,
    pub used_by: Vec<String>,
}

/// What an SBOM says was deployed, and when it was written.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub packages: Vec<Package>,
    /// `metadata.timestamp` (RFC 3339).
    pub timestamp: Option<String>,
    /// Components whose package URL fnguard cannot match (an ecosystem OSV does not cover).
    pub skipped: Vec<String>,
}

/// An advisory affecting a deployed package, published or modified after the cut-off.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub severity: Severity,
    pub fixed: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    /// `published` when that is after the cut-off, else `modified`.
    pub new: bool,
    pub package: Package,
}

/// Reads what was deployed from a CycloneDX SBOM or from a live snapshot saved by
/// `aws scan --with-code --save-snapshot` (one or several regions).
pub fn read_inventory(path: &str, text: &str) -> Result<Inventory, RecheckError> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| RecheckError::NotCycloneDx {
            path: path.to_string(),
            why: e.to_string(),
        })?;
    let snapshots: Vec<&serde_json::Value> = match &doc {
        serde_json::Value::Array(items) => items.iter().collect(),
        v if v.get("functions").is_some() && v.get("bomFormat").is_none() => vec![v],
        _ => return read_cyclonedx(path, text),
    };
    let mut inventory = Inventory::default();
    for snap in snapshots {
        if inventory.timestamp.is_none() {
            inventory.timestamp = snap
                .get("taken_at")
                .and_then(|t| t.as_str())
                .map(str::to_string);
        }
        for f in snap
            .get("functions")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let function = f.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            for p in f
                .get("packages")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                let (Some(eco), Some(name)) = (
                    p.get("ecosystem").and_then(|e| e.as_str()),
                    p.get("name").and_then(|n| n.as_str()),
                ) else {
                    continue;
                };
                let version = p
                    .get("version")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                let Some(ecosystem) = Ecosystem::from_osv(eco) else {
                    inventory.skipped.push(format!("{eco}/{name}"));
                    continue;
                };
                let purl = match &version {
                    Some(v) => format!(
                        "pkg:{}/{}@{v}",
                        ecosystem.purl_type(),
                        name.replacen('@', "%40", 1)
                    ),
                    None => format!(
                        "pkg:{}/{}",
                        ecosystem.purl_type(),
                        name.replacen('@', "%40", 1)
                    ),
                };
                match inventory.packages.iter_mut().find(|x| x.purl == purl) {
                    Some(known) => {
                        if !known.used_by.iter().any(|u| u == function) {
                            known.used_by.push(function.to_string());
                        }
                    }
                    None => inventory.packages.push(Package {
                        ecosystem,
                        name: name.to_string(),
                        version,
                        purl,
                        used_by: vec![function.to_string()],
                    }),
                }
            }
        }
    }
    Ok(inventory)
}

/// Reads a CycloneDX JSON SBOM (fnguard's own or another tool's): every component with a
/// package URL, and from `dependencies`, the components that depend on it.
pub fn read_cyclonedx(path: &str, text: &str) -> Result<Inventory, RecheckError> {
    let bad = |why: &str| RecheckError::NotCycloneDx {
        path: path.to_string(),
        why: why.to_string(),
    };
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    if doc.get("bomFormat").and_then(|v| v.as_str()) != Some("CycloneDX") {
        return Err(bad("`bomFormat` is not \"CycloneDX\""));
    }
    let components = doc
        .get("components")
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default();
    // bom-ref → the names of the components that depend on it.
    let mut users: std::collections::HashMap<String, Vec<String>> = Default::default();
    let names: std::collections::HashMap<String, String> = components
        .iter()
        .filter_map(|c| {
            let r = c.get("bom-ref")?.as_str()?;
            let n = c.get("name")?.as_str()?;
            Some((r.to_string(), n.to_string()))
        })
        .collect();
    for d in doc
        .get("dependencies")
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
    {
        let Some(from) = d.get("ref").and_then(|r| r.as_str()) else {
            continue;
        };
        let user = names.get(from).cloned().unwrap_or_else(|| from.to_string());
        for to in d
            .get("dependsOn")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str())
        {
            let list = users.entry(to.to_string()).or_default();
            if !list.contains(&user) {
                list.push(user.clone());
            }
        }
    }
    let mut inventory = Inventory {
        timestamp: doc
            .pointer("/metadata/timestamp")
            .and_then(|t| t.as_str())
            .map(str::to_string),
        ..Inventory::default()
    };
    for c in &components {
        let Some(purl) = c.get("purl").and_then(|p| p.as_str()) else {
            continue;
        };
        let Some((ecosystem, name, version)) = crate::purl::parse(purl) else {
            inventory.skipped.push(purl.to_string());
            continue;
        };
        let bom_ref = c.get("bom-ref").and_then(|r| r.as_str()).unwrap_or(purl);
        inventory.packages.push(Package {
            ecosystem,
            name,
            version,
            purl: purl.to_string(),
            used_by: users.get(bom_ref).cloned().unwrap_or_default(),
        });
    }
    Ok(inventory)
}

/// `2026-12-01` → `2026-12-01T00:00:00Z`; RFC 3339 timestamps as they are. OSV and CycloneDX
/// write UTC with `Z`, so the strings compare in time order.
pub fn normalise_since(date: &str) -> String {
    let d = date.trim();
    if d.len() == 10 {
        format!("{d}T00:00:00Z")
    } else {
        d.to_string()
    }
}

/// Advisories in `db` affecting the inventory's packages, published or modified after `since`.
pub fn recheck(
    db: &Database,
    inventory: &Inventory,
    since: &str,
) -> Result<Vec<Disclosure>, RecheckError> {
    let since = normalise_since(since);
    let after = |t: &Option<String>| t.as_deref().is_some_and(|t| t > since.as_str());
    let mut out = Vec::new();
    for p in &inventory.packages {
        for r in db.advisories(p.ecosystem, &p.name)? {
            if r.withdrawn.is_some() || !(after(&r.published) || after(&r.modified)) {
                continue;
            }
            let fixed = match r.evaluate(p.ecosystem, &p.name, p.version.as_deref()) {
                Some(Verdict::Affected { fixed }) => fixed,
                // An unknown version is reported only by `deps` (FG402), not as a disclosure.
                _ => continue,
            };
            out.push(Disclosure {
                id: r.id.clone(),
                aliases: r.aliases.clone(),
                summary: r.title(),
                severity: r.fnguard_severity().0,
                fixed,
                published: r.published.clone(),
                modified: r.modified.clone(),
                new: after(&r.published),
                package: p.clone(),
            });
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.package.purl.cmp(&b.package.purl))
            .then_with(|| a.id.cmp(&b.id))
    });
    out.dedup_by(|a, b| a.id == b.id && a.package.purl == b.package.purl);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_compare_as_times() {
        assert_eq!(normalise_since("2026-12-01"), "2026-12-01T00:00:00Z");
        assert!("2026-12-01T08:00:00Z" > normalise_since("2026-12-01").as_str());
        assert!("2026-11-30T23:59:59.5Z" < normalise_since("2026-12-01").as_str());
    }
}
