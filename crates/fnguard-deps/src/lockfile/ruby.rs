//! `Gemfile.lock`: the `specs:` of the `GEM` section (`    name (1.2.3)` or
//! `    name (1.2.3-x86_64-linux)`); `GIT` and `PATH` sources are not registry releases.

use super::Ctx;
use crate::version::Ecosystem;

pub(crate) fn gemfile_lock(text: &str, ctx: &mut Ctx<'_>) {
    let mut section = "";
    for (n, raw) in text.lines().enumerate() {
        if !raw.starts_with(' ') && !raw.trim().is_empty() {
            section = raw.trim();
            continue;
        }
        if section != "GEM" || !raw.starts_with("    ") || raw.starts_with("     ") {
            continue;
        }
        let t = raw.trim();
        let Some((name, rest)) = t.split_once(" (") else {
            ctx.problem(Some(n as u32 + 1), format!("unrecognised spec `{t}`"));
            continue;
        };
        let version = rest.trim_end_matches(')');
        // Platform gems: `1.13.10-x86_64-linux`; the platform is not part of the version.
        let version = version
            .split_once('-')
            .filter(|(_, p)| {
                p.contains('_')
                    || p.contains("linux")
                    || p.contains("darwin")
                    || p.contains("mingw")
                    || p == &"java"
            })
            .map_or(version, |(v, _)| v);
        ctx.found(Ecosystem::RubyGems, name, Some(version), n as u32 + 1);
    }
}
