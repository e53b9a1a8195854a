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

pub(crate) fn package_tables(text: &str, ctx: &mut Ctx<'_>, eco: Ecosystem) {
    let Some(doc) = parse(text, ctx) else { return };
    let lines = package_name_lines(text);
    let Some(packages) = doc.get("package").and_then(Value::as_array) else {
        return;
    };
    for (i, p) in packages.iter().enumerate() {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let source = p.get("source");
        let local = match eco {
            // Workspace crates and path dependencies carry no `source`.
            Ecosystem::CratesIo => source.is_none(),
            // uv: the project itself is `editable`/`virtual`; directory and path sources are local.
            _ => source.and_then(Value::as_table).is_some_and(|s| {
                ["editable", "virtual", "directory", "path"]
                    .iter()
                    .any(|k| s.contains_key(*k))
            }),
        };
        if local {
            continue;
        }
        let version = p.get("version").and_then(Value::as_str);
        let line = lines.get(i).copied().unwrap_or(1);
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
