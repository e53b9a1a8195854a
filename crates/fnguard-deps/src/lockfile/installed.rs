//! Installed trees inside a built code package: `node_modules/**/package.json` and Python
//! `*.dist-info/METADATA` (what `pip install -t .` leaves next to the handler).

use super::{read_text, Found};
use crate::version::Ecosystem;
use std::path::Path;

/// Bounds on walking an installed tree (a `node_modules` can hold tens of thousands of packages).
const MAX_PACKAGES: usize = 50_000;
const MAX_DEPTH: usize = 12;

/// Packages under a `node_modules` directory, including scoped and nested ones.
pub fn read_node_modules(dir: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    walk_node_modules(dir, 0, &mut out);
    out
}

fn walk_node_modules(dir: &Path, depth: usize, out: &mut Vec<Found>) {
    if depth > MAX_DEPTH || out.len() >= MAX_PACKAGES {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        // Symlinks (workspaces, pnpm's store) are not followed: they point back into the tree.
        let Ok(ft) = e.file_type() else { continue };
        if !ft.is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if name.starts_with('@') {
            walk_node_modules(&e.path(), depth + 1, out);
            continue;
        }
        let manifest = e.path().join("package.json");
        if let Some(found) = package_json_identity(&manifest) {
            out.push(found);
        }
        let nested = e.path().join("node_modules");
        if nested.is_dir() {
            walk_node_modules(&nested, depth + 1, out);
        }
    }
}

fn package_json_identity(path: &Path) -> Option<Found> {
    let text = read_text(path).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    let name = doc.get("name")?.as_str()?;
    let version = doc.get("version").and_then(|v| v.as_str());
    let version_line = text
        .lines()
        .position(|l| l.trim_start().starts_with("\"version\""))
        .map_or(1, |i| i as u32 + 1);
    Some(Found {
        ecosystem: Ecosystem::Npm,
        name: name.to_string(),
        version: version.map(str::to_string),
        file: path.to_path_buf(),
        line: version_line,
        direct: None,
        dev: false,
    })
}

/// `Name:`/`Version:` of each `*.dist-info` directory directly in `dir`.
pub fn read_dist_info(dir: &Path) -> Vec<Found> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.ends_with(".dist-info") || !e.path().is_dir() {
            continue;
        }
        let metadata = e.path().join("METADATA");
        let Ok(text) = read_text(&metadata) else {
            continue;
        };
        let mut pkg = None;
        let mut version = None;
        let mut version_line = 1;
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() {
                break; // headers end at the first blank line
            }
            if let Some(v) = line.strip_prefix("Name:") {
                pkg = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("Version:") {
                version = Some(v.trim().to_string());
                version_line = n as u32 + 1;
            }
        }
        if let Some(pkg) = pkg {
            out.push(Found {
                ecosystem: Ecosystem::PyPI,
                name: pkg,
                version,
                file: metadata,
                line: version_line,
                direct: None,
                dev: false,
            });
        }
    }
    out
}
