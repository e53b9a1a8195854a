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

/// Starts of the signature rules' payloads (`__import__`, `<!ENTITY`, `"$type": "System.`,
/// `O:12:"`, `!!python/`), each cut off at a random length short of what a rule reports and
/// followed by a separator: every cut start leaves the signature automaton a partial match
/// alive, and the partial matches of different rules combine into ever new automaton states,
/// each worked out as it is first met. Nothing in it matches.
pub fn signature_prefixes(size: usize, seed: u64) -> String {
    const STARTS: &[&str] = &[
        "__import__",
        "os.syste",
        "subprocess.check_outpu",
        "<!DOCTYPE a",
        "<!ENTIT",
        "\"$type\": \"System.Windows.Data.ObjectDataProvide",
        "O:12:\"Abc\":3:",
        "!!pytho",
        "require('child_proces",
        "child_process').exe",
        "constructor.constructo",
        "{\"$wher",
        "[$n",
        "<?ph",
        "bash -",
        "netca",
        "ncat x",
        "powershel",
        "mkfifo /tm",
        "aced000",
        " rO0A",
        " gAS",
        "cposix\nsyste",
        "_$$ND_FUN",
        "__js_functio",
        "phar:/",
        " AAEAAAD////",
        "__type\": \"System",
        "!<tag:yaml.org,2002:pytho",
        "tag:yaml.org,2002:pytho",
        "@type\": \"com.su",
        "org.apache.commons.collections4.functor",
        "java.lang.Runtim",
        "eval ato",
        "new Functio",
        "process.mainModul",
        "this.a =",
        "; sleep(5",
        "'; retur",
        "\"; var a",
        "{system",
        "';system",
        "<?= ",
        "passthr",
        "__globals_",
        "__class__.__init_",
        "eva",
        "/dev/tcp",
        "xmlns:xi=\"http://www.w3.org/2001/XInclud",
        "<xi:includ",
    ];
    const SEPARATORS: &[&str] = &["x", " ", "\t", ","];
    let mut s = String::with_capacity(size + 64);
    let mut x = seed;
    while s.len() < size {
        x = next_random(x);
        let start = STARTS[((x >> 33) % STARTS.len() as u64) as usize];
        let cut = 1 + ((x >> 20) % start.len() as u64) as usize;
        s.push_str(&start[..cut]);
        s.push_str(SEPARATORS[((x >> 45) % SEPARATORS.len() as u64) as usize]);
    }
    s
}

/// `size` bytes of `tokens` in a seeded random order, each followed by one of `letters`.
fn fragments(tokens: &[&str], letters: &[u8], size: usize, seed: u64) -> String {
    let mut s = String::with_capacity(size + 16);
    let mut x = seed;
    while s.len() < size {
        x = next_random(x);
        s.push_str(tokens[((x >> 33) % tokens.len() as u64) as usize]);
        s.push(letters[((x >> 40) % letters.len() as u64) as usize] as char);
    }
    s
}

/// The next number of a seeded sequence (a linear congruential step): the same input, run
/// after run.
fn next_random(x: u64) -> u64 {
    x.wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}
