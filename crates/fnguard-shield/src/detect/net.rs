//! Server-side request forgery by address class: URLs in the value are parsed, their host is
//! canonicalised the way resolvers and `inet_aton` read it (decimal, hex and octal parts,
//! short forms like `127.1`, IPv4-mapped and NAT64 IPv6, trailing dots, `nip.io`-style names
//! that embed an address) and classified. Instance and container credential endpoints are
//! blocked wherever they appear; loopback, link-local and unspecified addresses when the value
//! is the URL or host itself (a link to `localhost:3000` in a message is not an attack);
//! private ranges only in fields known to reach an HTTP client.

use super::{Found, Strictness};
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub enum Class {
    Public,
    Private,
    LinkLocal,
    Unspecified,
    Loopback,
    Metadata,
}

pub(super) const DANGEROUS_SCHEMES: &[&str] = &[
    "gopher", "dict", "tftp", "jar", "netdoc", "ldap", "ldaps", "rmi", "sftp", "ftp", "smb",
    "telnet",
];

fn v4_class(ip: Ipv4Addr) -> Class {
    let o = ip.octets();
    if matches!(
        o,
        [169, 254, 169, 254]
            | [169, 254, 170, 2]
            | [169, 254, 170, 23]
            | [100, 100, 100, 200]
            | [192, 0, 0, 192]
    ) {
        Class::Metadata
    } else if o[0] == 127 {
        Class::Loopback
    } else if o == [0, 0, 0, 0] {
        Class::Unspecified
    } else if o[0] == 0 {
        // The rest of 0/8 is "a host on this network" (RFC 1122); Linux routes it as unicast
        // since 5.3, to the local network and never to this machine.
        Class::Private
    } else if o[0] == 169 && o[1] == 254 {
        Class::LinkLocal
    } else if o[0] == 10
        || o[0] == 172 && (16..32).contains(&o[1])
        || o[0] == 192 && o[1] == 168
        || o[0] == 100 && (64..128).contains(&o[1])
    {
        Class::Private
    } else {
        Class::Public
    }
}

fn v6_class(ip: Ipv6Addr) -> Class {
    let seg = ip.segments();
    if seg == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] || seg == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23] {
        return Class::Metadata;
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_class(v4);
    }
    // IPv4-compatible (`::a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) embed an IPv4 address.
    if seg[..6] == [0, 0, 0, 0, 0, 0] && seg[6] != 0 || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let o = ip.octets();
        return v4_class(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if ip.is_loopback() {
        Class::Loopback
    } else if ip.is_unspecified() {
        Class::Unspecified
    } else if seg[0] & 0xffc0 == 0xfe80 {
        Class::LinkLocal
    } else if seg[0] & 0xfe00 == 0xfc00 {
        Class::Private
    } else {
        Class::Public
    }
}

/// Whether `authority` (`host:port`) names a port of what listens on loopback inside Lambda:
/// the Runtime API, the AppConfig and Parameters and Secrets extensions, the Telemetry API,
/// this shield.
fn on_lambda_port(authority: &str) -> bool {
    [":9001", ":2772", ":2773", ":4243", ":4244", ":9009"]
        .iter()
        .any(|p| authority.ends_with(p))
}

/// How developers write their own machine (a dev-server link, a sample event's source IP, a
/// bind address), as typed; other spellings of loopback are how filters are dodged.
const OWN_MACHINE: [&str; 3] = ["localhost", "127.0.0.1", "0.0.0.0"];

/// Where the name of `name=` right before `at` starts, if a `=` is right before it.
fn lower_key_start(b: &[u8], at: usize) -> Option<usize> {
    if at == 0 || b[at - 1] != b'=' {
        return None;
    }
    let mut k = at - 1;
    while k > 0
        && at - k < 40
        && (b[k - 1].is_ascii_alphanumeric()
            || matches!(b[k - 1], b'_' | b'-' | b'.' | b'[' | b']'))
    {
        k -= 1;
    }
    (k < at - 1).then_some(k)
}

/// `inet_aton`: one to four parts, each decimal, `0x` hex or `0`-prefixed octal; the last part
/// fills the bytes left.
pub fn parse_v4(host: &str) -> Option<Ipv4Addr> {
    if host.is_empty() || host.len() > 64 || !host.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let mut nums = [0u64; 4];
    let mut count = 0;
    for p in host.split('.') {
        if count == 4 {
            return None;
        }
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            if h.is_empty() {
                0
            } else {
                u64::from_str_radix(h, 16).ok()?
            }
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(p, 8).ok()?
        } else {
            if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            p.parse::<u64>().ok()?
        };
        nums[count] = v;
        count += 1;
    }
    let last = nums[count - 1];
    let mut addr: u64 = 0;
    for (i, n) in nums[..count - 1].iter().enumerate() {
        if *n > 255 {
            return None;
        }
        addr |= n << (24 - 8 * i);
    }
    let room = 32 - 8 * (count as u32 - 1);
    if last >= 1u64 << room {
        return None;
    }
    Some(Ipv4Addr::from((addr | last) as u32))
}

pub fn classify(host: &str) -> Option<Class> {
    // A DNS name is at most 253 bytes; a longer "host" is text.
    if host.len() > 260 {
        return None;
    }
    let trimmed = host.trim_end_matches('.');
    let host: std::borrow::Cow<'_, str> = if trimmed.bytes().any(|c| c.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(trimmed.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(trimmed)
    };
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let inner = inner.split('%').next().unwrap_or(inner);
        return inner.parse::<Ipv6Addr>().ok().map(v6_class);
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Some(v6_class(v6));
    }
    if let Some(v4) = parse_v4(&host) {
        return Some(v4_class(v4));
    }
    if host == "localhost" || host.ends_with(".localhost") || host == "localtest.me" {
        return Some(Class::Loopback);
    }
    if matches!(
        &*host,
        "metadata.google.internal"
            | "metadata"
            | "instance-data"
            | "instance-data.ec2.internal"
            | "metadata.azure.internal"
    ) {
        return Some(Class::Metadata);
    }
    // Wildcard DNS that answers with the address in the name: 169.254.169.254.nip.io,
    // 127-0-0-1.sslip.io.
    for service in [".nip.io", ".sslip.io", ".xip.io", ".nip.direct"] {
        if let Some(prefix) = host.strip_suffix(service) {
            let tail: Vec<&str> = prefix.rsplit(['.', '-']).take(4).collect();
            if tail.len() == 4 {
                let dotted = format!("{}.{}.{}.{}", tail[3], tail[2], tail[1], tail[0]);
                if let Some(v4) = parse_v4(&dotted) {
                    return Some(v4_class(v4));
                }
            }
        }
    }
    Some(Class::Public)
}

/// A parameter or field name for a URL the handler fetches or redirects to.
pub fn url_like_name(name: &str) -> bool {
    // Every field of every event is asked: only the words that start with the name's first
    // letter or end with its last one are compared (all 20 at both ends cost more than the
    // rest of a short field's inspection), in place and in any case.
    let b = name.as_bytes();
    let start = b
        .iter()
        .position(u8::is_ascii_alphanumeric)
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(start, |p| p + 1);
    let n = &b[start..end];
    let letter = |c: Option<&u8>| match c.map(u8::to_ascii_lowercase) {
        Some(c @ b'a'..=b'z') => (c - b'a') as usize,
        _ => 26,
    };
    let mut words = URL_WORDS_BY_FIRST[letter(n.first())] | URL_WORDS_BY_LAST[letter(n.last())];
    while words != 0 {
        let k = URL_WORDS[words.trailing_zeros() as usize].as_bytes();
        words &= words - 1;
        if n.len() >= k.len()
            && (n[..k.len()].eq_ignore_ascii_case(k)
                || n[n.len() - k.len()..].eq_ignore_ascii_case(k))
        {
            return true;
        }
    }
    false
}

/// For each letter (26: any other byte), the `URL_WORDS` that start with it, one bit each.
const URL_WORDS_BY_FIRST: [u32; 27] = url_words_by(true);

/// For each letter (26: any other byte), the `URL_WORDS` that end with it.
const URL_WORDS_BY_LAST: [u32; 27] = url_words_by(false);

const fn url_words_by(first: bool) -> [u32; 27] {
    let mut t = [0u32; 27];
    let mut k = 0;
    while k < URL_WORDS.len() {
        let w = URL_WORDS[k].as_bytes();
        let c = if first { w[0] } else { w[w.len() - 1] };
        assert!(c.is_ascii_lowercase());
        t[(c - b'a') as usize] |= 1 << k;
        k += 1;
    }
    t
}

/// What a field named for a URL starts or ends with.
const URL_WORDS: [&str; 20] = [
    "url", "uri", "href", "link", "webhook", "callback", "redirect", "return", "next", "dest",
    "target", "endpoint", "feed", "proxy", "fetch", "src", "image", "avatar", "continue", "goto",
];

/// Where the authority after `://` ends: at a path, query or fragment, whitespace or a quote.
/// The class of a URL's host; only addresses and a few names can be internal, so the rest
/// are not parsed.
fn host_class(host: &str) -> Option<Class> {
    let maybe_internal = host.bytes().any(|c| c.is_ascii_digit() || c == b':')
        || [
            "localhost",
            "metadata",
            "instance-data",
            "localtest",
            "nip.",
            "sslip.",
            "xip.",
        ]
        .iter()
        .any(|n| {
            host.as_bytes()
                .windows(n.len())
                .any(|w| w.eq_ignore_ascii_case(n.as_bytes()))
        });
    if host.is_empty() || !maybe_internal {
        return None;
    }
    classify(host)
}

fn authority_end(rest: &str) -> usize {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if matches!(c, b'/' | b'?' | b'#' | b'\\' | b'"' | b'\'' | b'<' | b'>')
                || c.is_ascii_whitespace()
                || c == 0x0b
            {
                return i;
            }
            i += 1;
        } else {
            // Unicode spaces end it too (`http://127.0.0.1\u{3000}…`).
            let ch = rest[i..].chars().next().unwrap_or(' ');
            if ch.is_whitespace() {
                return i;
            }
            i += ch.len_utf8();
        }
    }
    b.len()
}

/// The host of an authority (`user@host:port`).
fn host_of(authority: &str) -> &str {
    // Byte searches: this runs for every URL of a value, and `@`, `[`, `]`, `:` are ASCII.
    let hostport = match memchr::memrchr(b'@', authority.as_bytes()) {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let b = hostport.as_bytes();
    if b.first() == Some(&b'[') {
        return memchr::memchr(b']', b).map_or(hostport, |e| &hostport[..=e]);
    }
    match memchr::memrchr(b':', b) {
        Some(colon) if b[colon + 1..].iter().all(u8::is_ascii_digit) => &hostport[..colon],
        _ => hostport,
    }
}

/// Searchers built once: building one costs about as much as searching a short value, and
/// this runs for every value.
static SCHEME_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"://"));

/// The credential endpoints' dotted forms are found from two searches, not one per endpoint:
/// `169.254.169.254` and `169.254.170.2` start with `169.254.1`, and `fd00:ec2::254` (in any
/// case) ends with `::254`. Text dense with `169.25` made four searches cost as much as the
/// rest of the detector.
static LINK_LOCAL: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"169.254.1"));
static V6_ENDPOINT_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"::254"));

/// Where the first credential endpoint in its dotted form starts in `b`, when no digit
/// follows it.
fn credential_endpoint(b: &[u8]) -> Option<usize> {
    // Shorter values hold none, and the two searches' set-up was most of a short value's look.
    if b.len() < SHORTEST_ENDPOINT.len() {
        return None;
    }
    let ends_there = |end: usize| !b.get(end).is_some_and(u8::is_ascii_digit);
    let v4 = LINK_LOCAL.find_iter(b).find(|&at| {
        let rest = &b[at + 9..];
        let tail = if rest.starts_with(b"69.254") {
            6
        } else if rest.starts_with(b"70.2") {
            4
        } else {
            return false;
        };
        ends_there(at + 9 + tail)
    });
    let v6 = V6_ENDPOINT_END.find_iter(b).find_map(|end| {
        let at = end.checked_sub(8)?;
        (b[at..end].eq_ignore_ascii_case(b"fd00:ec2") && ends_there(end + 5)).then_some(at)
    });
    match (v4, v6) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The shortest credential endpoint (`fd00:ec2::254` is as long).
const SHORTEST_ENDPOINT: &str = "169.254.170.2";

pub fn detect(value: &str, strictness: Strictness, in_header: bool) -> Option<Found> {
    let strict = strictness == Strictness::Sink;
    let trimmed = value.trim();
    let lead = value.len() - value.trim_start().len();
    let whole_is_url =
        |start: usize| !in_header && start == lead && !super::has_whitespace(trimmed);
    let found = |at: usize, what: &'static str| {
        Found::new("ssrf-address", "ssrf", what, value, at.saturating_sub(8))
    };
    let b = value.as_bytes();
    // A value of the same URL over and over classifies its host once.
    let mut last_host: Option<(&str, Option<Class>)> = None;
    for sep in SCHEME_END.find_iter(b) {
        let from = sep + 3;
        let mut scheme_start = sep;
        while scheme_start > 0
            && sep - scheme_start < 16
            && (b[scheme_start - 1].is_ascii_alphanumeric()
                || matches!(b[scheme_start - 1], b'+' | b'.' | b'-'))
        {
            scheme_start -= 1;
        }
        let scheme = &b[scheme_start..sep];
        if scheme.is_empty() {
            continue;
        }
        let dangerous = (3..=6).contains(&scheme.len())
            && DANGEROUS_SCHEMES
                .iter()
                .filter(|d| !matches!(**d, "ftp" | "sftp"))
                .any(|d| d.as_bytes().eq_ignore_ascii_case(scheme));
        if dangerous {
            return Some(found(
                scheme_start,
                "a URL scheme used to reach internal services (gopher, dict, ...)",
            ));
        }
        let rest = &value[from..];
        let end = authority_end(rest);
        let host = host_of(&rest[..end]);
        let class = match last_host {
            Some((h, class)) if h == host => class,
            _ => {
                let class = host_class(host);
                last_host = Some((host, class));
                class
            }
        };
        let Some(class) = class else {
            continue;
        };
        // `redirect_uri=http://...` inside the value: that parameter is fetched or followed.
        let key_start = lower_key_start(b, scheme_start);
        let strict =
            strict || key_start.is_some_and(|k| url_like_name(&value[k..scheme_start - 1]));
        let whole = whole_is_url(scheme_start);
        let authority = &rest[..end];
        let lambda_port = on_lambda_port(authority);
        // `localhost`, `127.0.0.1` and `0.0.0.0` are how developers write their own machine
        // (a dev server link pasted in chat); other spellings of loopback (`127.1`, `0`,
        // `[::ffff:127.0.0.1]`, decimal, a user-info prefix) are how filters are dodged.
        // Exactly as developers type it: `LOCALHOST` in capitals is a filter being dodged.
        let plain = OWN_MACHINE.contains(&host)
            && value[scheme_start..sep]
                .bytes()
                .all(|c| !c.is_ascii_uppercase())
            && !authority.contains('@');
        let blocked = class == Class::Metadata
            || class >= Class::LinkLocal && (strict || lambda_port)
            || class == Class::LinkLocal && whole
            || class >= Class::Unspecified && whole && !plain
            || class == Class::Private && strict;
        if blocked {
            return Some(found(
                scheme_start,
                "a URL whose host is a metadata, loopback, link-local or internal address",
            ));
        }
    }
    // The value is a host or address by itself.
    if !in_header
        && !trimmed.is_empty()
        && trimmed.len() <= 300
        && !super::has_whitespace(trimmed)
        && !super::contains_short(trimmed, "://")
    {
        let host = host_of(trimmed);
        let looks_like_address =
            host.contains(['.', ':']) || host.starts_with("0x") || host == "localhost";
        if looks_like_address {
            if let Some(class) = classify(host) {
                // `0.0` and `0.0.0` are `inet_aton` short forms of 0.0.0.0, and far more often
                // version numbers (`"version": "0.0.0"`); only a field known to reach an HTTP
                // client reads them as an address.
                let version_like = class == Class::Unspecified
                    && host.split('.').count() < 4
                    && host.bytes().all(|c| c.is_ascii_digit() || c == b'.');
                if version_like && !strict {
                    return None;
                }
                // As in a URL: the machine's own address as developers type it (a sample
                // event's `"sourceIp": "127.0.0.1"`, a bind address) is text; other spellings
                // and the Lambda ports are a target.
                let lambda_port = on_lambda_port(trimmed);
                let plain = OWN_MACHINE.contains(&host) && !trimmed.contains('@');
                if plain && !lambda_port && !strict {
                    return None;
                }
                if class == Class::Metadata
                    || class >= Class::LinkLocal
                        && (host.contains(['.', ':', '[']) || strict || lambda_port)
                    || class == Class::Private && strict
                {
                    return Some(found(0, "a metadata, loopback or internal address"));
                }
            }
        }
    }
    // The credential endpoints in their dotted form anywhere in text.
    credential_endpoint(b).map(|at| found(at, "an instance or container credential endpoint"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn url_like_names_are_told_as_from_a_lowercased_copy() {
        let reference = |name: &str| {
            let n = name.to_ascii_lowercase();
            let n = n.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            URL_WORDS
                .iter()
                .any(|k| n == *k || n.starts_with(k) || n.ends_with(k))
        };
        const PIECES: &[&str] = &[
            "url", "URL", "Uri", "redirect", "_", "-", "x", "Next", "goto", "é", "2", " ", "src",
            "ur", "l", "callBack", "[", "0", "]", "ENDPOINT", "webHook", "continue", "\0",
        ];
        // Names of no letter or digit at all.
        assert!(!url_like_name(""));
        assert!(!url_like_name("_-_"));
        let reached = crate::detect::agrees_with_reference(
            PIECES,
            23,
            20_000,
            60,
            url_like_name,
            reference,
            |b| *b,
        );
        assert!(reached > 2_000, "{reached}");
    }
    use super::*;

    /// The two searches find what a look for each endpoint at every position finds: the first
    /// occurrence of any that no digit follows (the IPv6 one in any case).
    #[test]
    fn credential_endpoints_are_found_as_at_every_position() {
        let reference = |v: &str| {
            let b = v.as_bytes();
            (0..b.len()).find(|&i| {
                ["169.254.169.254", "169.254.170.2", "fd00:ec2::254"]
                    .iter()
                    .any(|e| {
                        let end = i + e.len();
                        b.get(i..end)
                            .is_some_and(|w| w.eq_ignore_ascii_case(e.as_bytes()))
                            && !b.get(end).is_some_and(u8::is_ascii_digit)
                    })
            })
        };
        const PIECES: &[&str] = &[
            "169.254.", "169.", "254", "170.2", "1", "69.254", "fd00:ec2", "FD00:EC2", "Fd00:eC2",
            "::254", "::", "2", "x", " ", ".", "0", "fd00:ec",
        ];
        let reached = crate::detect::agrees_with_reference(
            PIECES,
            31,
            20_000,
            59,
            |v| credential_endpoint(v.as_bytes()),
            reference,
            Option::is_some,
        );
        assert!(reached > 2_000, "{reached}");
    }

    fn hit(v: &str) -> bool {
        detect(v, Strictness::Generic, false).is_some()
    }

    #[test]
    fn notations_canonicalise() {
        for h in [
            "169.254.169.254",
            "2852039166",
            "0xa9fea9fe",
            "0251.0376.0251.0376",
            "0xa9.0xfe.0xa9.0xfe",
            "169.254.43518",
            "[::ffff:169.254.169.254]",
            "[::ffff:a9fe:a9fe]",
            "[64:ff9b::a9fe:a9fe]",
            "169.254.169.254.nip.io",
            "169-254-169-254.sslip.io",
            "[fd00:ec2::254]",
        ] {
            assert_eq!(classify(h), Some(Class::Metadata), "{h}");
        }
        for h in [
            "127.1",
            "0x7f000001",
            "017700000001",
            "[::1]",
            "localhost.",
            "2130706433",
            "[0:0:0:0:0:ffff:127.0.0.1]",
        ] {
            assert_eq!(classify(h), Some(Class::Loopback), "{h}");
        }
        assert_eq!(classify("0.0.0.0"), Some(Class::Unspecified));
        assert_eq!(classify("0"), Some(Class::Unspecified));
        assert_eq!(classify("0.0.0.1"), Some(Class::Private));
        assert_eq!(classify("0.0.1"), Some(Class::Private));
        assert_eq!(classify("10.1.2.3"), Some(Class::Private));
        assert_eq!(classify("example.com"), Some(Class::Public));
    }

    #[test]
    fn ssrf_values() {
        for v in [
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "http://169.254.170.2/v2/credentials/abc",
            "http://[fd00:ec2::254]/latest/api/token",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://2852039166/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://localhost:9001/2018-06-01/runtime/invocation/next",
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
            "gopher://127.0.0.1:6379/_FLUSHALL",
            "http://user@127.0.0.1/admin",
            "http://[::1]:8080/",
            "http://[::ffff:169.254.169.254]/",
            "dict://10.0.0.1:11211/stat",
            "http://127.1/",
            "http://0177.0.0.1/",
            "http://169.254.169.254.nip.io/latest",
            "next=http://127.0.0.1:8080/admin",
            "HTTP://LOCALHOST:8500/v1/agent/self",
            "a=1&avatar_url=ftp://10.0.0.5:21/etc/passwd",
            "see http://169.254.169.254/latest in the docs",
            "169.254.169.254",
            "127.1",
            "0177.0.0.1",
            "127.0.0.2",
            "127.0.0.1:9001",
            "localhost:9001",
            "admin@127.0.0.1",
            // Only each endpoint's first occurrence was checked: a decoy with a digit after it
            // hid the real one.
            "hosts 169.254.169.2540 and 169.254.169.254",
            "FD00:EC2::2541 then Fd00:Ec2::254",
        ] {
            assert!(hit(v), "missed: {v}");
        }
    }

    #[test]
    fn benign() {
        for v in [
            "https://www.example.com/search?q=lambda+security&page=2",
            "Run it on http://localhost:3000 and open the page",
            "http://localhost:3000/api/users?page=2",
            "http://0.0.0.0:8000/docs",
            "192.168.1.10",
            "10.0.0.1:8080",
            "localhost is where I test",
            "version 1.2.3.4",
            "2852039166",
            "3.14159",
            "http://10.0.0.5/internal",
            "0.0.1",
            "0.1.0",
            "0.0.0",
            "0.0",
            "127.0.0.1",
            "0.0.0.0",
            "localhost:3000",
        ] {
            assert!(!hit(v), "false positive: {v}");
        }
        assert!(detect("127.0.0.1", Strictness::Sink, false).is_some());
        // A field that reaches an HTTP client reads the short forms as addresses.
        assert!(detect("0.0.0", Strictness::Sink, false).is_some());
        assert!(detect("0.0.1", Strictness::Sink, false).is_some());
        assert!(hit("http://0.0.0/"));
        assert!(detect("http://10.0.0.5/internal", Strictness::Sink, false).is_some());
        assert!(detect("127.0.0.1:3000", Strictness::Generic, true).is_none());
        assert!(detect("http://169.254.169.254/", Strictness::Generic, true).is_some());
    }
}
