//! TOML lockfiles with `[[package]]` tables (`poetry.lock`, `uv.lock`, `pdm.lock`,
//! `Cargo.lock`), and the `Pipfile` / `pyproject.toml` manifests (for FG102).

use super::Ctx;
use crate::version::Ecosystem;
use toml::Value;

fn parse(text: &str, ctx: &mut Ctx<'_>) -> Option<toml::Table> {
    match text.parse::<toml::Table>() {
        Ok(t) => Some(t),
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
            ctx.problem(line, format!("invalid TOML: {}", e.message()));
            None
        }
    }
}

/// Lines of each `[[package]]` table's `name = "..."`, in order.
fn package_name_lines(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut in_package = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[[package]]";
            continue;
        }
        if in_package && t.starts_with("name") && t[4..].trim_start().starts_with('=') {
            out.push(n as u32 + 1);
            in_package = false;
        }
    }
    out
}

/// The `[[package]]` tables and the line of each one's `name`. A lockfile that is not valid TOML
/// as a whole (a merge left a table twice) is read table by table, so one bad table costs only
/// its own packages.
fn package_entries(text: &str, ctx: &mut Ctx<'_>) -> Vec<(Value, u32)> {
    match text.parse::<toml::Table>() {
        Ok(mut doc) => {
            let lines = package_name_lines(text);
            let Some(Value::Array(packages)) = doc.remove("package") else {
                return Vec::new();
            };
            packages
                .into_iter()
                .enumerate()
                .map(|(i, p)| (p, lines.get(i).copied().unwrap_or(1)))
                .collect()
        }
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
            let (entries, lost) = salvage_packages(text);
            ctx.problem(
                line,
                format!(
                    "invalid TOML ({}); read each [[package]] table on its own: {} read, {lost} unreadable",
                    e.message().trim_end().replace('\n', "; "),
                    entries.len()
                ),
            );
            entries
        }
    }
}

/// Each `[[package]]` table with its sub-tables (`[package.dependencies]`, `[[package.files]]`),
/// parsed on its own; a table that still fails is retried without its sub-tables.
fn salvage_packages(text: &str) -> (Vec<(Value, u32)>, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t == "[[package]]" {
            if starts.len() > ends.len() {
                ends.push(i);
            }
            starts.push(i);
        } else if t.starts_with('[')
            && !t.starts_with("[package.")
            && !t.starts_with("[[package.")
            && starts.len() > ends.len()
        {
            ends.push(i);
        }
    }
    if starts.len() > ends.len() {
        ends.push(lines.len());
    }
    let mut out = Vec::new();
    let mut lost = 0;
    for (&start, &end) in starts.iter().zip(&ends) {
        let chunk = lines[start..end].join("\n");
        let own_keys_end = lines[start + 1..end]
            .iter()
            .position(|l| l.trim_start().starts_with('['))
            .map_or(end, |i| start + 1 + i);
        let parsed = chunk.parse::<toml::Table>().ok().or_else(|| {
            lines[start..own_keys_end]
                .join("\n")
                .parse::<toml::Table>()
                .ok()
        });
        let package = parsed
            .and_then(|mut t| t.remove("package"))
            .and_then(|p| match p {
                Value::Array(mut a) if a.len() == 1 => a.pop(),
                _ => None,
            });
        match package {
            Some(p) => {
                let name_line = lines[start..own_keys_end]
                    .iter()
                    .position(|l| {
                        let t = l.trim_start();
                        t.starts_with("name") && t[4..].trim_start().starts_with('=')
                    })
                    .map_or(start, |i| start + i);
                out.push((p, name_line as u32 + 1));
            }
            None => lost += 1,
        }
    }
    (out, lost)
}

pub(crate) fn package_tables(text: &str, ctx: &mut Ctx<'_>, eco: Ecosystem) {
    for (p, line) in package_entries(text, ctx) {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let source = p.get("source");
        let local = match eco {
            // Workspace crates and path dependencies carry no `source`.
            Ecosystem::CratesIo => source.is_none(),
            // uv: the project itself is `editable`/`virtual`; directory and path sources are local.
            // Poetry: `[package.source] type = "directory"` (or "file").
            _ => source.and_then(Value::as_table).is_some_and(|s| {
                ["editable", "virtual", "directory", "path"]
                    .iter()
                    .any(|k| s.contains_key(*k))
                    || matches!(
                        s.get("type").and_then(Value::as_str),
                        Some("directory" | "file")
                    )
            }),
        };
        if local {
            continue;
        }
        let version = p.get("version").and_then(Value::as_str);
        let f = ctx.found(eco, name, version, line);
        // poetry < 1.5 marks dev-only packages with `category = "dev"`.
        f.dev = p.get("category").and_then(Value::as_str) == Some("dev");
    }
}

fn key_line(text: &str, key: &str) -> u32 {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches('"');
            t.starts_with(key)
                && t[key.len()..]
                    .trim_start_matches('"')
                    .trim_start()
                    .starts_with('=')
        })
        .map_or(1, |i| i as u32 + 1)
}

pub(crate) fn pipfile(text: &str, ctx: &mut Ctx<'_>) {
    let Some(doc) = parse(text, ctx) else { return };
    let Some(pkgs) = doc.get("packages").and_then(Value::as_table) else {
        return;
    };
    for (name, spec) in pkgs {
        let spec_text = match spec {
            Value::String(s) => s.clone(),
            Value::Table(t) => t
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        };
        let line = key_line(text, name);
        let pinned = spec_text
            .strip_prefix("==")
            .filter(|v| !v.contains(['*', ',']));
        ctx.found(Ecosystem::PyPI, name, pinned, line).direct = Some(true);
        if pinned.is_none() {
            ctx.loose(name, &spec_text, line);
        }
    }
}

/// PEP 621 `[project] dependencies` and Poetry's `[tool.poetry.dependencies]`.
pub(crate) fn pyproject(text: &str, ctx: &mut Ctx<'_>) {
    let Some(doc) = parse(text, ctx) else { return };
    let pep621 = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(Value::as_array);
    for dep in pep621.into_iter().flatten().filter_map(Value::as_str) {
        let end = dep
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .unwrap_or(dep.len());
        let (name, spec) = (&dep[..end], dep[end..].trim());
        let line = text
            .lines()
            .position(|l| l.contains(&format!("\"{dep}")) || l.contains(&format!("'{dep}")))
            .map_or(1, |i| i as u32 + 1);
        let pinned = spec
            .strip_prefix("==")
            .filter(|v| !v.contains([',', ';', '*']));
        ctx.found(Ecosystem::PyPI, name, pinned.map(str::trim), line)
            .direct = Some(true);
        if pinned.is_none() {
            ctx.loose(name, spec, line);
        }
    }
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(Value::as_table);
    for (name, spec) in poetry.into_iter().flatten() {
        if name == "python" {
            continue;
        }
        let spec_text = match spec {
            Value::String(s) => s.clone(),
            Value::Table(t) => t
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        };
        let line = key_line(text, name);
        // Poetry reads a bare `1.2.3` as exactly that version.
        let bare = spec_text.trim_start_matches("==");
        let pinned = (!bare.is_empty()
            && bare.chars().next().is_some_and(|c| c.is_ascii_digit())
            && !bare.contains([',', '*', ' ', '<', '>']))
        .then_some(bare);
        ctx.found(Ecosystem::PyPI, name, pinned, line).direct = Some(true);
        if pinned.is_none() {
            ctx.loose(name, &spec_text, line);
        }
    }
}
