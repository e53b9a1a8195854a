//! `go.mod`: `require` lines and blocks, with `replace` directives applied (a replacement by a
//! local path removes the module from matching; by another module, matches that module).

use super::Ctx;
use crate::version::Ecosystem;
use std::collections::HashMap;

pub(crate) fn go_mod(text: &str, ctx: &mut Ctx<'_>) {
    let mut requires: Vec<(String, String, u32, bool)> = Vec::new();
    let mut replaces: HashMap<String, Option<(String, String)>> = HashMap::new();
    let mut block: Option<&str> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n as u32 + 1;
        let (code, comment) = match raw.find("//") {
            Some(i) => (&raw[..i], &raw[i..]),
            None => (raw, ""),
        };
        let t = code.trim();
        if t.is_empty() {
            continue;
        }
        if t == ")" {
            block = None;
            continue;
        }
        let (directive, rest) = match block {
            Some(d) => (d, t),
            None => {
                let (d, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
                if rest.trim() == "(" {
                    block = Some(match d {
                        "require" => "require",
                        "replace" => "replace",
                        _ => "other",
                    });
                    continue;
                }
                (d, rest.trim())
            }
        };
        match directive {
            "require" => {
                let mut parts = rest.split_whitespace();
                match (parts.next(), parts.next()) {
                    (Some(m), Some(v)) => requires.push((
                        unquote(m),
                        v.to_string(),
                        line_no,
                        comment.contains("indirect"),
                    )),
                    _ => ctx.problem(Some(line_no), format!("malformed require `{t}`")),
                }
            }
            "replace" => {
                let Some((from, to)) = rest.split_once("=>") else {
                    ctx.problem(Some(line_no), format!("malformed replace `{t}`"));
                    continue;
                };
                let from = from
                    .split_whitespace()
                    .next()
                    .map(unquote)
                    .unwrap_or_default();
                let mut to = to.split_whitespace();
                let target = match (to.next(), to.next()) {
                    (Some(m), Some(v)) => Some((unquote(m), v.to_string())),
                    // `=> ../local`: not a module version anyone publishes advisories for.
                    _ => None,
                };
                replaces.insert(from, target);
            }
            _ => {}
        }
    }
    for (module, version, line, indirect) in requires {
        let (module, version) = match replaces.get(&module) {
            Some(None) => continue,
            Some(Some((m, v))) => (m.clone(), v.clone()),
            None => (module, version),
        };
        ctx.found(Ecosystem::Go, &module, Some(&version), line)
            .direct = Some(!indirect);
    }
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').trim_matches('`').to_string()
}
