//! `yarn.lock`, both the v1 format (`"a@^1.0.0", a@^1.1.0:` / `  version "1.2.3"`) and Berry's
//! YAML (`"a@npm:^1.0.0":` / `  version: 1.2.3`), read line by line so every package keeps its
//! line and a damaged block does not hide the rest.

use super::Ctx;
use crate::version::Ecosystem;

pub(crate) fn yarn_lock(text: &str, ctx: &mut Ctx<'_>) {
    let mut current: Option<(String, u32, bool)> = None; // name, line, version seen
    for (n, raw) in text.lines().enumerate() {
        let line_no = n as u32 + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let indented = raw.starts_with(' ') || raw.starts_with('\t');
        if !indented {
            if let Some((name, line, false)) = current.take() {
                ctx.problem(Some(line), format!("entry for `{name}` has no version"));
            }
            let header = raw.trim_end().trim_end_matches(':');
            if header == "__metadata" {
                continue;
            }
            let first = header
                .split(", ")
                .next()
                .unwrap_or(header)
                .trim_matches('"');
            match descriptor_name(first) {
                Some((name, protocol)) => {
                    // Workspace members and linked directories are the project itself.
                    if matches!(protocol, "workspace" | "link" | "portal" | "file") {
                        continue;
                    }
                    current = Some((name.to_string(), line_no, false));
                }
                None => ctx.problem(Some(line_no), format!("unrecognised entry `{header}`")),
            }
            continue;
        }
        let t = raw.trim();
        let version = t
            .strip_prefix("version ")
            .or_else(|| t.strip_prefix("version: "))
            .map(|v| v.trim().trim_matches('"'));
        if let (Some(v), Some((name, line, seen))) = (version, current.as_mut()) {
            if !*seen && raw.len() - raw.trim_start().len() <= 2 {
                *seen = true;
                let (name, line) = (name.clone(), *line);
                ctx.found(Ecosystem::Npm, &name, Some(v), line);
            }
        }
    }
    if let Some((name, line, false)) = current {
        ctx.problem(Some(line), format!("entry for `{name}` has no version"));
    }
}

/// `@scope/pkg@^1.0.0` → (`@scope/pkg`, ``); `pkg@npm:^1` → (`pkg`, `npm`);
/// `pkg@workspace:.` → (`pkg`, `workspace`).
fn descriptor_name(d: &str) -> Option<(&str, &str)> {
    // The first character may be the `@` of a scope, so the separator is searched after it.
    let at = d
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '@')
        .map(|(i, _)| i)?;
    let name = &d[..at];
    let rest = &d[at + 1..];
    let protocol = rest.split_once(':').map(|(p, _)| p).unwrap_or("");
    // `npm:` aliases another name: `alias@npm:real@1.0.0` installs `real`.
    if protocol == "npm" {
        let target = &rest[4..];
        if let Some(i) = target.get(1..).and_then(|t| t.find('@')) {
            let real = &target[..i + 1];
            if !real.is_empty() && !real.starts_with('^') && !real.chars().next()?.is_ascii_digit()
            {
                return Some((real, "npm"));
            }
        }
    }
    (!name.is_empty()).then_some((name, protocol))
}

#[cfg(test)]
mod tests {
    use super::descriptor_name;

    #[test]
    fn descriptors() {
        assert_eq!(descriptor_name("lodash@^4.17.0"), Some(("lodash", "")));
        assert_eq!(
            descriptor_name("@types/node@npm:^20"),
            Some(("@types/node", "npm"))
        );
        assert_eq!(
            descriptor_name("app@workspace:."),
            Some(("app", "workspace"))
        );
        assert_eq!(
            descriptor_name("str@npm:string-width@^4"),
            Some(("string-width", "npm"))
        );
        assert_eq!(descriptor_name("nonsense"), None);
        assert_eq!(descriptor_name(""), None);
        assert_eq!(descriptor_name("\u{1}\u{e9}@1"), Some(("\u{1}\u{e9}", "")));
    }
}
