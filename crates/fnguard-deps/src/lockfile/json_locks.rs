//! JSON lockfiles: `Pipfile.lock`, `composer.lock`, NuGet `packages.lock.json`.

use super::{json_error, Ctx};
use crate::version::Ecosystem;
use serde_json::Value;

/// Line of the n-th occurrence of `"needle"` as a JSON string, searching forward from `from`.
fn line_of_value(text: &str, needle: &str, from: &mut usize) -> u32 {
    let quoted = format!("\"{needle}\"");
    match text[*from..].find(&quoted) {
        Some(i) => {
            *from += i + quoted.len();
            text[..*from].matches('\n').count() as u32 + 1
        }
        None => 1,
    }
}

pub(crate) fn pipfile_lock(text: &str, ctx: &mut Ctx<'_>) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return json_error(ctx, &e),
    };
    let lines = super::json_key_lines(text);
    for (section, dev) in [("default", false), ("develop", true)] {
        let Some(map) = doc.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in map {
            let version = entry
                .get("version")
                .and_then(Value::as_str)
                .map(|v| v.trim_start_matches("===").trim_start_matches("=="));
            let f = ctx.found(
                Ecosystem::PyPI,
                name,
                version,
                lines.get(name.as_str()).copied().unwrap_or(1),
            );
            f.dev = dev;
        }
    }
}

pub(crate) fn composer_lock(text: &str, ctx: &mut Ctx<'_>) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return json_error(ctx, &e),
    };
    let mut cursor = 0;
    for (section, dev) in [("packages", false), ("packages-dev", true)] {
        let Some(list) = doc.get(section).and_then(Value::as_array) else {
            continue;
        };
        for entry in list {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let version = entry.get("version").and_then(Value::as_str);
            // Branch checkouts (`dev-main`) are not releases.
            let version = version.filter(|v| !v.starts_with("dev-"));
            let line = line_of_value(text, name, &mut cursor);
            ctx.found(Ecosystem::Packagist, name, version, line).dev = dev;
        }
    }
}

pub(crate) fn nuget_lock(text: &str, ctx: &mut Ctx<'_>) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return json_error(ctx, &e),
    };
    let lines = super::json_key_lines(text);
    let Some(frameworks) = doc.get("dependencies").and_then(Value::as_object) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for deps in frameworks.values().filter_map(Value::as_object) {
        for (name, entry) in deps {
            // Project references are the solution's own code.
            if entry.get("type").and_then(Value::as_str) == Some("Project") {
                continue;
            }
            let version = entry.get("resolved").and_then(Value::as_str);
            if !seen.insert((name.clone(), version.map(str::to_string))) {
                continue;
            }
            let direct = entry.get("type").and_then(Value::as_str) == Some("Direct");
            let line = lines.get(name.as_str()).copied().unwrap_or(1);
            ctx.found(Ecosystem::NuGet, name, version, line).direct = Some(direct);
        }
    }
}
