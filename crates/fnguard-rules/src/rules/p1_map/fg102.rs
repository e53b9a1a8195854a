use super::super::impl_rule;
use crate::context::subject;
use crate::Context;
use fnguard_model::{Finding, Location};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reports function code packages whose dependencies are declared but not locked: a
    /// `package.json` with dependencies and no `package-lock.json`/`yarn.lock`/`pnpm-lock.yaml`
    /// (nor an installed `node_modules`) between the handler and the scanned root, or a
    /// `requirements*.txt`, `Pipfile` or `pyproject.toml` that names packages with ranges or
    /// no version at all and has no lockfile beside it. Each loose entry is listed.
    ///
    /// ## Why is this bad?
    /// What gets deployed is whatever the registry serves at build time: a new release (or a
    /// hijacked one) lands in production without review, two builds of one commit differ, and
    /// no scanner can say which versions run, so known vulnerabilities cannot be ruled out.
    ///
    /// ## Example
    /// ```text
    /// # requirements.txt
    /// requests>=2.0
    /// boto3
    /// ```
    ///
    /// ## Fix
    /// Commit a lockfile (`npm install` writes `package-lock.json`; `pip-compile`, `poetry lock`
    /// or `uv lock` for Python) or pin every requirement with `==` (ideally with `--hash`).
    ///
    /// ## References
    /// - <https://docs.npmjs.com/cli/configuring-npm/package-lock-json>
    /// - <https://pip.pypa.io/en/stable/topics/repeatable-installs/>
    pub struct DependenciesNotLocked {
        id: "FG102",
        name: "dependencies-not-locked",
        severity: Low,
        practice: 1,
        opt_in: false,
    }
}

impl_rule!(DependenciesNotLocked, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    // (manifest file) -> (first loose line, loose entries, functions)
    let mut by_file: BTreeMap<String, (Location, Vec<String>, Vec<&str>)> = BTreeMap::new();
    for f in &cx.project.functions {
        let Some(deps) = &f.deps else { continue };
        for source in deps.sources.iter().filter(|s| !s.locked) {
            let loose: Vec<_> = deps
                .unpinned
                .iter()
                .filter(|u| u.location.file == source.file)
                .collect();
            let npm_without_lock = source.kind == "package.json"
                && deps.packages.iter().any(|p| p.location.file == source.file);
            if loose.is_empty() && !npm_without_lock {
                continue;
            }
            let location = loose
                .first()
                .map(|u| u.location.clone())
                .or_else(|| {
                    deps.packages
                        .iter()
                        .find(|p| p.location.file == source.file)
                        .map(|p| p.location.clone())
                })
                .unwrap_or_else(|| Location::new(source.file.clone(), 1, 1));
            let entry = by_file
                .entry(source.file.clone())
                .or_insert_with(|| (location, Vec::new(), Vec::new()));
            for u in loose {
                let text = if u.spec.is_empty() {
                    format!("{} (any version)", u.name)
                } else {
                    format!("{} {}", u.name, u.spec)
                };
                if !entry.1.contains(&text) {
                    entry.1.push(text);
                }
            }
            if !entry.2.contains(&f.id.as_str()) {
                entry.2.push(&f.id);
            }
        }
    }
    for (file, (location, loose, functions)) in by_file {
        let what = if loose.is_empty() {
            "no lockfile, so every transitive version floats".to_string()
        } else {
            let shown: Vec<&str> = loose.iter().take(5).map(String::as_str).collect();
            let more = loose.len().saturating_sub(5);
            format!(
                "{} not pinned: {}{}",
                if loose.len() == 1 {
                    "1 dependency is"
                } else {
                    "dependencies are"
                },
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        };
        cx.finding(
            &DependenciesNotLocked::META,
            location,
            format!("`{file}` ({}): {what}", subject(&functions)),
        )
        .functions(&functions)
        .key(file.clone())
        .evidence(serde_json::json!({ "manifest": file, "unpinned": loose }))
        .fix("Commit a lockfile (package-lock.json, poetry.lock, uv.lock, or a pip-compile'd requirements.txt) or pin every dependency with `==`/an exact version.")
        .emit(out);
    }
}
