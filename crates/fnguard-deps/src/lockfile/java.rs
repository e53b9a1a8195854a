//! Maven `pom.xml` (declared dependencies, versions from `<properties>`, `${project.version}`
//! and `<dependencyManagement>`), the text output of `mvn dependency:tree` (every resolved
//! artifact, transitive ones included) and Gradle's `gradle.lockfile`.

use super::Ctx;
use crate::version::Ecosystem;
use quick_xml::events::Event;
use std::collections::HashMap;

#[derive(Default)]
struct Dep {
    group: String,
    artifact: String,
    version: String,
    scope: String,
    line: u32,
}

pub(crate) fn pom(text: &str, ctx: &mut Ctx<'_>) {
    let line_at = |offset: u64| {
        text[..(offset as usize).min(text.len())]
            .matches('\n')
            .count() as u32
            + 1
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut properties: HashMap<String, String> = HashMap::new();
    let mut managed: HashMap<String, String> = HashMap::new();
    let mut deps: Vec<Dep> = Vec::new();
    let mut current: Option<Dep> = None;
    loop {
        let at = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if name == "dependency" {
                    current = Some(Dep {
                        line: line_at(at),
                        ..Dep::default()
                    });
                }
                path.push(name);
                if path.len() > 64 {
                    ctx.problem(
                        Some(line_at(at)),
                        "XML nested deeper than 64 elements; not read further",
                    );
                    return;
                }
            }
            Ok(Event::End(_)) => {
                let name = path.pop().unwrap_or_default();
                if name == "dependency" {
                    if let Some(d) = current.take() {
                        let in_management = path.iter().any(|p| p == "dependencyManagement");
                        let in_plugin = path.iter().any(|p| p == "plugin");
                        if in_management {
                            managed.insert(format!("{}:{}", d.group, d.artifact), d.version);
                        } else if !in_plugin {
                            deps.push(d);
                        }
                    }
                }
            }
            Ok(Event::Text(t)) => {
                let value = t.decode().map(|s| s.trim().to_string()).unwrap_or_default();
                let depth = path.len();
                let leaf = path.last().map(String::as_str).unwrap_or("");
                if depth == 3 && path[1] == "properties" {
                    properties.insert(leaf.to_string(), value);
                } else if depth == 2 && leaf == "version" {
                    properties.insert("project.version".into(), value);
                } else if depth == 3 && path[1] == "parent" && leaf == "version" {
                    properties
                        .entry("project.version".into())
                        .or_insert(value.clone());
                    properties.insert("project.parent.version".into(), value);
                } else if let Some(d) = current.as_mut() {
                    if path.len() >= 2 && path[path.len() - 2] == "dependency" {
                        match leaf {
                            "groupId" => d.group = value,
                            "artifactId" => d.artifact = value,
                            "version" => {
                                // The line to edit is the version's, not the dependency's.
                                d.line = line_at(at);
                                d.version = value;
                            }
                            "scope" => d.scope = value,
                            _ => {}
                        }
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                ctx.problem(
                    Some(line_at(reader.buffer_position())),
                    format!("invalid XML: {e}"),
                );
                break;
            }
            _ => {}
        }
    }
    for d in deps {
        let coord = format!("{}:{}", d.group, d.artifact);
        let raw = if d.version.is_empty() {
            managed.get(&coord).cloned().unwrap_or_default()
        } else {
            d.version.clone()
        };
        let resolved = resolve(&raw, &properties);
        // A Maven range (`[1.0,2.0)`) or an unresolved property is not one version.
        let version = resolved
            .as_deref()
            .filter(|v| !v.is_empty() && !v.contains(['[', '(', ',', '$']));
        let dev = d.scope == "test";
        let f = ctx.found(Ecosystem::Maven, &coord, version, d.line);
        f.direct = Some(true);
        f.dev = dev;
        if version.is_none() && !dev {
            ctx.loose(&coord, &raw, d.line);
        }
    }
}

/// Expands `${name}` from the properties, a few levels deep.
fn resolve(value: &str, props: &HashMap<String, String>) -> Option<String> {
    let mut v = value.to_string();
    for _ in 0..8 {
        let Some(start) = v.find("${") else {
            return Some(v);
        };
        let end = v[start..].find('}')? + start;
        let key = &v[start + 2..end];
        let replacement = props.get(key)?;
        v = format!("{}{}{}", &v[..start], replacement, &v[end + 1..]);
    }
    None
}

pub(crate) fn gradle_lockfile(text: &str, ctx: &mut Ctx<'_>) {
    for (n, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("empty=") {
            continue;
        }
        let (coord, configs) = t.split_once('=').unwrap_or((t, ""));
        let parts: Vec<&str> = coord.split(':').collect();
        if parts.len() != 3 {
            ctx.problem(Some(n as u32 + 1), format!("unrecognised line `{t}`"));
            continue;
        }
        let name = format!("{}:{}", parts[0], parts[1]);
        let runtime = configs.is_empty()
            || configs.split(',').any(|c| {
                c.contains("untime") || c.contains("ompileClasspath") && !c.starts_with("test")
            });
        ctx.found(Ecosystem::Maven, &name, Some(parts[2]), n as u32 + 1)
            .dev = !runtime;
    }
}

/// `mvn dependency:tree` text output (optionally with Maven's `[INFO] ` prefixes): the first
/// coordinate is the project itself; below it `+- `/`\- ` branches, one resolved artifact each
/// (`group:artifact:type[:classifier]:version:scope`). Depth 1 is declared by the project.
/// Test- and provided-scoped artifacts are not shipped.
pub(crate) fn dependency_tree(text: &str, ctx: &mut Ctx<'_>) {
    let mut seen_root = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_start_matches("[INFO]").trim_end();
        let body = line.trim_start_matches([' ', '|', '+', '\\', '-']);
        if body.is_empty() || body.starts_with("---") || !body.contains(':') {
            continue;
        }
        // Verbose output lists artifacts Maven dropped in parentheses: not on the classpath.
        if body.starts_with('(') {
            continue;
        }
        let coord = body.split_whitespace().next().unwrap_or(body);
        let parts: Vec<&str> = coord.split(':').collect();
        let branch = line.trim_start().starts_with(['+', '\\', '|']);
        // Maven's own messages (`Total time:  1.2 s`) are not part of the tree; the project's
        // coordinate opens it.
        if !branch {
            if !seen_root && parts.len() >= 4 {
                seen_root = true;
            }
            continue;
        }
        let (version, scope) = match parts.len() {
            5 => (parts[3], parts[4]),
            6 => (parts[4], parts[5]),
            4 => (parts[3], "compile"),
            _ => {
                ctx.problem(
                    Some(n as u32 + 1),
                    format!("unrecognised line `{}`", raw.trim()),
                );
                continue;
            }
        };
        let depth = line.find(['+', '\\']).unwrap_or(0) / 3;
        let name = format!("{}:{}", parts[0], parts[1]);
        let found = ctx.found(Ecosystem::Maven, &name, Some(version), n as u32 + 1);
        found.dev = matches!(scope, "test" | "provided");
        found.direct = Some(depth == 0);
    }
}
