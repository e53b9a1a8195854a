//! `pnpm-lock.yaml`: the keys of `packages:` in every lockfile version
//! (v5 `/name/1.2.3_peer`, v6 `/name@1.2.3(peer)`, v9 `name@1.2.3`), read line by line.

use super::Ctx;
use crate::version::Ecosystem;

pub(crate) fn pnpm_lock(text: &str, ctx: &mut Ctx<'_>) {
    let mut in_packages = false;
    let mut seen = std::collections::HashSet::new();
    for (n, raw) in text.lines().enumerate() {
        if !raw.starts_with(' ') && !raw.trim().is_empty() {
            in_packages = raw.trim_end() == "packages:";
            continue;
        }
        if !in_packages || !raw.starts_with("  ") || raw.starts_with("   ") {
            continue;
        }
        let key = raw
            .trim()
            .trim_end_matches(':')
            .trim_matches(|c| c == '\'' || c == '"');
        match parse_key(key) {
            Some((name, version)) => {
                if seen.insert((name.to_string(), version.to_string())) {
                    ctx.found(Ecosystem::Npm, name, Some(version), n as u32 + 1);
                }
            }
            None => ctx.problem(
                Some(n as u32 + 1),
                format!("unrecognised package key `{key}`"),
            ),
        }
    }
}

fn parse_key(key: &str) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    // Peer-dependency suffixes: `(react@18.0.0)` (v6+) or `_react@18.0.0` (v5).
    let key = key.split('(').next().unwrap_or(key);
    if let Some(at) = key.get(1..).and_then(|k| k.rfind('@')).map(|i| i + 1) {
        let (name, version) = (&key[..at], &key[at + 1..]);
        if !name.contains('/') || name.starts_with('@') && name.matches('/').count() == 1 {
            return Some((name, version));
        }
    }
    // v5: `name/1.2.3` or `@scope/name/1.2.3_peer`.
    let slash = key.rfind('/')?;
    let (name, version) = (&key[..slash], &key[slash + 1..]);
    let version = version.split('_').next().unwrap_or(version);
    (!name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit()))
        .then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::parse_key;

    #[test]
    fn keys_of_every_version() {
        assert_eq!(parse_key("/lodash/4.17.20"), Some(("lodash", "4.17.20")));
        assert_eq!(
            parse_key("/@babel/core/7.0.0_eslint@8.0.0"),
            Some(("@babel/core", "7.0.0"))
        );
        assert_eq!(parse_key("/lodash@4.17.20"), Some(("lodash", "4.17.20")));
        assert_eq!(
            parse_key("/@types/node@20.1.0(x@1.0.0)"),
            Some(("@types/node", "20.1.0"))
        );
        assert_eq!(parse_key("express@4.18.2"), Some(("express", "4.18.2")));
        assert_eq!(parse_key("@scope/a@1.0.0"), Some(("@scope/a", "1.0.0")));
    }
}
