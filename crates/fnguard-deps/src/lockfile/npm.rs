//! npm: `package-lock.json` / `npm-shrinkwrap.json` (lockfileVersion 1, 2 and 3) and
//! `package.json` (for FG102 when there is no lockfile).

use super::{json_error, json_key_lines, Ctx};
use crate::version::Ecosystem;
use serde_json::Value;

pub(crate) fn package_lock(text: &str, ctx: &mut Ctx<'_>) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return json_error(ctx, &e),
    };
    let lines = json_key_lines(text);
    let line_of = |key: &str| lines.get(key).copied().unwrap_or(1);
    let direct: std::collections::HashSet<String> =
        ["dependencies", "devDependencies", "optionalDependencies"]
            .iter()
            .filter_map(|k| {
                doc.pointer(&format!("/packages//{k}"))
                    .and_then(Value::as_object)
            })
            .flat_map(|m| m.keys().cloned())
            .collect();
    if let Some(packages) = doc.get("packages").and_then(Value::as_object) {
        // v2/v3: keys are install paths; the package name is what follows the last
        // `node_modules/` (workspace members have no `node_modules/` and are the project).
        for (path, entry) in packages {
            let Some(idx) = path.rfind("node_modules/") else {
                continue;
            };
            if entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&path[idx + "node_modules/".len()..]);
            let version = entry.get("version").and_then(Value::as_str);
            let dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
            let top = path.matches("node_modules/").count() == 1;
            let f = ctx.found(Ecosystem::Npm, name, version, line_of(path));
            f.dev = dev;
            f.direct = Some(top && direct.contains(name));
        }
        return;
    }
    // v1: nested `dependencies` objects.
    if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
        let mut stack: Vec<(&serde_json::Map<String, Value>, bool)> = vec![(deps, true)];
        let mut budget = 1_000_000usize;
        while let Some((map, top)) = stack.pop() {
            for (name, entry) in map {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    ctx.problem(None, "more than a million entries; the rest were not read");
                    return;
                }
                let version = entry.get("version").and_then(Value::as_str);
                // Local directories are the project's own code, not packages.
                if version.is_some_and(|v| v.starts_with("file:") || v.starts_with("link:")) {
                    continue;
                }
                // Git URLs are not registry versions.
                let version = version.filter(|v| !v.contains(':') && !v.contains('/'));
                let f = ctx.found(Ecosystem::Npm, name, version, line_of(name));
                f.dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
                f.direct = Some(top);
                if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                    stack.push((nested, false));
                }
            }
        }
    }
}

pub(crate) fn package_json(text: &str, ctx: &mut Ctx<'_>) {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return json_error(ctx, &e),
    };
    let lines = super::json_any_key_lines(text);
    for (section, dev) in [
        ("dependencies", false),
        ("optionalDependencies", false),
        ("devDependencies", true),
    ] {
        let Some(map) = doc.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, spec) in map {
            let spec = spec.as_str().unwrap_or("");
            // The application's own code (`file:../shared`, `workspace:*`) is not a package
            // with a version; a Git reference at a commit cannot change.
            if is_local_spec(spec) || is_git_commit_spec(spec) {
                continue;
            }
            let line = lines.get(name.as_str()).copied().unwrap_or(1);
            let exact = exact_npm_version(spec);
            let f = ctx.found(Ecosystem::Npm, name, exact, line);
            f.direct = Some(true);
            f.dev = dev;
            if exact.is_none() && !dev {
                ctx.loose(name, spec, line);
            }
        }
    }
}

fn is_local_spec(spec: &str) -> bool {
    [
        "file:",
        "link:",
        "workspace:",
        "portal:",
        "./",
        "../",
        "/",
        "~/",
    ]
    .iter()
    .any(|p| spec.starts_with(p))
}

/// `github:owner/repo#<commit>`, `git+https://host/repo.git#<commit>`.
fn is_git_commit_spec(spec: &str) -> bool {
    let Some((source, reference)) = spec.rsplit_once('#') else {
        return false;
    };
    (source.contains("://") || source.starts_with("github:") || source.contains('/'))
        && (7..=40).contains(&reference.len())
        && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `1.2.3` or `=1.2.3` (optionally `v`-prefixed) pins one version; anything else is a range,
/// a tag, a URL or a path.
fn exact_npm_version(spec: &str) -> Option<&str> {
    let s = spec.trim().trim_start_matches('=').trim_start_matches('v');
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    (parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
    .then_some(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_versions() {
        assert_eq!(super::exact_npm_version("1.2.3"), Some("1.2.3"));
        assert_eq!(
            super::exact_npm_version("=1.2.3-beta.1"),
            Some("1.2.3-beta.1")
        );
        assert_eq!(super::exact_npm_version("^1.2.3"), None);
        assert_eq!(super::exact_npm_version("1.x"), None);
        assert_eq!(super::exact_npm_version("latest"), None);
    }
}
