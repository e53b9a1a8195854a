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
    fragments(TOKENS, b"abcdefghijklmnopqrstuvwxyz", size, seed)
}

/// Like `attack_fragments`, but each fragment stops short of what any detector or signature
/// reports (a quote and a word, half a keyword, an opener never closed) and the letters after
/// them make no command or keyword: nothing is found,
/// so every detector reads every value to its end, in every field.
pub fn near_miss_fragments(size: usize, seed: u64) -> String {
    const TOKENS: &[&str] = &[
        "' o", "unio", "<sc", "${jn", "{{7", "..", "%2e", "; ca", "| ", "$", "169.25", "<!EN",
        "rO0", "__prot", "javascr", "onerr", "eva", "exe", "/et", "fil", "\\", "slee", "waitfo",
        "<?xm", "\"-", "#", "<%", "*/", "/*", "0x7", " - ", "'", "\"", "(", "&", "%", "{", "`",
    ];
    // A letter no command or keyword is made of with the fragment before it.
    fragments(TOKENS, b"jkqxz", size, seed)
}

/// `size` bytes of `tokens` in a seeded random order, each followed by one of `letters`.
fn fragments(tokens: &[&str], letters: &[u8], size: usize, seed: u64) -> String {
    let mut s = String::with_capacity(size + 16);
    let mut x = seed;
    while s.len() < size {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(tokens[((x >> 33) % tokens.len() as u64) as usize]);
        s.push(letters[((x >> 40) % letters.len() as u64) as usize] as char);
    }
    s
}
