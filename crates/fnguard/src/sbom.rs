//! CycloneDX 1.5 JSON: every function is an `application` component that depends on the
//! packages it ships; packages carry package URLs and the functions and files they come from.

pub use fnguard_deps::purl::purl;
use fnguard_deps::version::Ecosystem;
use fnguard_model::Project;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A package component, the functions shipping it, and its extra properties (source files,
/// layers), keyed by package URL.
type PackageEntry = (Value, Vec<String>, Vec<(String, String)>);

pub fn cyclonedx(projects: &[&Project], with_vulnerabilities: bool) -> Value {
    let mut packages: BTreeMap<String, PackageEntry> = BTreeMap::new();
    let mut functions = Vec::new();
    let mut dependencies = Vec::new();
    // (purl, ids) -> vulnerability
    let mut vulns: BTreeMap<String, Value> = BTreeMap::new();
    for p in projects {
        for f in &p.functions {
            let fn_ref = format!("function:{}#{}", p.path, f.id);
            let runtime = f
                .runtime
                .as_ref()
                .and_then(|r| r.value.as_str())
                .unwrap_or("");
            functions.push(json!({
                "type": "application",
                "bom-ref": fn_ref,
                "name": f.id,
                "properties": [
                    { "name": "fnguard:project", "value": p.path },
                    { "name": "fnguard:runtime", "value": runtime },
                ],
            }));
            let mut depends = Vec::new();
            if let Some(d) = &f.deps {
                for dep in &d.packages {
                    let Some(eco) = Ecosystem::from_osv(&dep.ecosystem) else {
                        continue;
                    };
                    let purl = purl(eco, &dep.name, dep.version.as_deref());
                    let entry = packages.entry(purl.clone()).or_insert_with(|| {
                        let mut c = json!({
                            "type": "library",
                            "bom-ref": purl,
                            "name": dep.name,
                            "purl": purl,
                        });
                        if let Some(v) = &dep.version {
                            c["version"] = json!(v);
                        }
                        (c, Vec::new(), Vec::new())
                    });
                    if !entry.1.contains(&f.id) {
                        entry.1.push(f.id.clone());
                    }
                    let source = ("fnguard:source".to_string(), dep.location.file.to_string());
                    if !entry.2.contains(&source) {
                        entry.2.push(source);
                    }
                    if let Some(layer) = &dep.layer {
                        let layer = ("fnguard:layer".to_string(), layer.clone());
                        if !entry.2.contains(&layer) {
                            entry.2.push(layer);
                        }
                    }
                    if !depends.contains(&purl) {
                        depends.push(purl.clone());
                    }
                }
                if with_vulnerabilities {
                    for v in &d.vulnerabilities {
                        let Some(dep) = d.packages.get(v.package) else {
                            continue;
                        };
                        let Some(eco) = Ecosystem::from_osv(&dep.ecosystem) else {
                            continue;
                        };
                        let purl = purl(eco, &dep.name, dep.version.as_deref());
                        let id = v.ids.first().cloned().unwrap_or_default();
                        let key = format!("{id}|{purl}");
                        vulns.entry(key).or_insert_with(|| {
                            let mut vuln = json!({
                                "bom-ref": format!("{id}:{purl}"),
                                "id": id,
                                "source": { "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") },
                                "references": v.ids.iter().skip(1).map(|a| json!({
                                    "id": a,
                                    "source": { "name": "OSV", "url": format!("https://osv.dev/vulnerability/{a}") },
                                })).collect::<Vec<_>>(),
                                "ratings": [{ "severity": v.severity.as_str(), "method": "other", "justification": v.severity_source }],
                                "description": v.summary,
                                "affects": [{ "ref": purl }],
                            });
                            if let Some(fixed) = &v.fixed {
                                vuln["recommendation"] = json!(format!("Upgrade {} to {fixed}", dep.name));
                            }
                            vuln
                        });
                    }
                }
            }
            dependencies.push(json!({ "ref": fn_ref, "dependsOn": depends }));
        }
    }
    let mut components = functions;
    for (_, (mut c, fns, files)) in packages {
        let mut props: Vec<Value> = fns
            .iter()
            .map(|f| json!({ "name": "fnguard:function", "value": f }))
            .collect();
        props.extend(
            files
                .iter()
                .map(|f| json!({ "name": "fnguard:source", "value": f })),
        );
        c["properties"] = json!(props);
        components.push(c);
    }
    let mut doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "timestamp": timestamp(),
            "tools": { "components": [{ "type": "application", "name": "fnguard", "version": env!("CARGO_PKG_VERSION") }] },
        },
        "components": components,
        "dependencies": dependencies,
    });
    if with_vulnerabilities {
        doc["vulnerabilities"] = json!(vulns.into_values().collect::<Vec<_>>());
    }
    doc
}

pub(crate) fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = fnguard_scan::civil_from_secs(secs as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_urls() {
        assert_eq!(
            purl(Ecosystem::Npm, "@aws-sdk/client-s3", Some("3.400.0")),
            "pkg:npm/%40aws-sdk/client-s3@3.400.0"
        );
        assert_eq!(
            purl(Ecosystem::PyPI, "PyYAML", Some("5.3.1")),
            "pkg:pypi/pyyaml@5.3.1"
        );
        assert_eq!(
            purl(
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                Some("2.14.1")
            ),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            purl(Ecosystem::Go, "github.com/gin-gonic/gin", Some("v1.8.1")),
            "pkg:golang/github.com/gin-gonic/gin@v1.8.1"
        );
        assert_eq!(
            purl(Ecosystem::CratesIo, "smallvec", None),
            "pkg:cargo/smallvec"
        );
    }
}
