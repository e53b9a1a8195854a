//! Hostile input shared by the timing examples.

/// Fragments of every attack class (and the delimiters detectors react to) in a seeded random
/// order, each followed by a letter: near-misses that keep every detector busy.
pub fn attack_fragments(size: usize, seed: u64) -> String {
    const TOKENS: &[&str] = &[
        "' or ",
        "union sel",
        "<scr",
        "${jnd",
        "{{7*",
        "../",
        "%2e%2e",
        "; cat ",
        "|| ",
        "$(",
        "`",
        "169.254.",
        "<!ENT",
        "rO0A",
        "__proto__",
        "javascript:",
        "onerror=",
        "eval(",
        "exec(",
        "/etc/pa",
        "file://",
        "\\x",
        "sleep(",
        "waitfor ",
        "<?xml",
        "\"--",
        "#{",
        "<%=",
        "*/",
        "/*",
        "0x7f",
        "-- ",
        "#",
        "'",
        "\"",
        "(",
        "&#",
        "%u",
    ];
    let mut s = String::with_capacity(size + 16);
    let mut x = seed;
    while s.len() < size {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(TOKENS[((x >> 33) % TOKENS.len() as u64) as usize]);
        s.push((b'a' + ((x >> 40) % 26) as u8) as char);
    }
    s
}
