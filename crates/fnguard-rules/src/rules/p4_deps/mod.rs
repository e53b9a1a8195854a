pub mod fg401;
pub mod fg402;
pub mod fg403;

use fnguard_model::{Dependency, Function, Location, VulnMatch};
use std::collections::BTreeMap;

/// Advisory matches grouped by (package location, flaw), with the functions shipping each, so a
/// lockfile shared by ten functions gives one finding that names them all.
pub(crate) fn grouped(
    functions: &[Function],
    keep: impl Fn(&VulnMatch) -> bool,
) -> Vec<(&Dependency, &VulnMatch, Vec<&str>)> {
    let mut groups: BTreeMap<(Location, String), (&Dependency, &VulnMatch, Vec<&str>)> =
        BTreeMap::new();
    for f in functions {
        let Some(deps) = &f.deps else { continue };
        for v in deps.vulnerabilities.iter().filter(|v| keep(v)) {
            let Some(dep) = deps.packages.get(v.package) else {
                continue;
            };
            let key = (
                dep.location.clone(),
                v.ids.first().cloned().unwrap_or_default(),
            );
            let entry = groups.entry(key).or_insert((dep, v, Vec::new()));
            if !entry.2.contains(&f.id.as_str()) {
                entry.2.push(&f.id);
            }
        }
    }
    groups.into_values().collect()
}

/// `GHSA-xxxx (CVE-2021-1234, PYSEC-…)`
pub(crate) fn ids_text(ids: &[String]) -> String {
    match ids {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} ({})", rest.join(", ")),
    }
}
