//! Package URLs (purl-spec), both ways: written into SBOMs, read back from any tool's.

use crate::version::Ecosystem;

/// A package URL (purl-spec): `pkg:npm/%40scope/name@1.0.0`, `pkg:maven/g/a@v`, ...
pub fn purl(eco: Ecosystem, name: &str, version: Option<&str>) -> String {
    let path = match eco {
        Ecosystem::Maven => name
            .replacen(':', "/", 1)
            .split('/')
            .map(encode)
            .collect::<Vec<_>>()
            .join("/"),
        Ecosystem::PyPI => encode(&eco.normalise_name(name)),
        Ecosystem::Go | Ecosystem::Packagist | Ecosystem::Npm => {
            name.split('/').map(encode).collect::<Vec<_>>().join("/")
        }
        _ => encode(name),
    };
    match version {
        Some(v) => format!("pkg:{}/{path}@{}", eco.purl_type(), encode(v)),
        None => format!("pkg:{}/{path}", eco.purl_type()),
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `pkg:type/namespace/name@version` → (ecosystem, name as OSV writes it, version).
pub fn parse(purl: &str) -> Option<(Ecosystem, String, Option<String>)> {
    let rest = purl.strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next()?;
    let (ty, path) = rest.split_once('/')?;
    let eco = Ecosystem::ALL
        .into_iter()
        .find(|e| e.purl_type().eq_ignore_ascii_case(ty))?;
    let (path, version) = match path.rsplit_once('@') {
        // `pkg:npm/%40scope/name@1.0.0`: the scope's @ is encoded; a literal one starts it.
        Some((p, v)) if !p.is_empty() => (p, Some(decode(v))),
        _ => (path, None),
    };
    let parts: Vec<String> = path.split('/').map(decode).collect();
    let name = match eco {
        // OSV names Maven packages `group:artifact`.
        Ecosystem::Maven => parts.join(":"),
        _ => parts.join("/"),
    };
    (!name.is_empty()).then_some((eco, name, version))
}

fn decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_urls_become_osv_names() {
        assert_eq!(
            parse("pkg:npm/%40aws-sdk/client-s3@3.400.0"),
            Some((
                Ecosystem::Npm,
                "@aws-sdk/client-s3".into(),
                Some("3.400.0".into())
            ))
        );
        assert_eq!(
            parse("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar"),
            Some((
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core".into(),
                Some("2.14.1".into())
            ))
        );
        assert_eq!(
            parse("pkg:pypi/pyyaml@5.3.1"),
            Some((Ecosystem::PyPI, "pyyaml".into(), Some("5.3.1".into())))
        );
        assert_eq!(parse("pkg:deb/debian/curl@7"), None);
        assert_eq!(parse("not a purl"), None);
        assert_eq!(
            parse("pkg:npm/%4"),
            Some((Ecosystem::Npm, "%4".into(), None))
        );
    }

    #[test]
    fn written_urls_read_back() {
        for (eco, name) in [
            (Ecosystem::Npm, "@aws-sdk/client-s3"),
            (Ecosystem::Maven, "org.apache.logging.log4j:log4j-core"),
            (Ecosystem::Go, "github.com/aws/aws-lambda-go"),
        ] {
            let written = purl(eco, name, Some("1.2.3"));
            assert_eq!(
                parse(&written),
                Some((eco, name.to_string(), Some("1.2.3".into())))
            );
        }
    }
}
