//! Words some detectors start from (SQL probe words, system file names) and the literals the
//! signature rules need, found for all of them in one pass of one automaton: each pass of a
//! case-insensitive automaton over a value costs about as much as a whole detector, and
//! every value used to get three.

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// Words the SQL detector's value-wide signals start with (`UNION SELECT`, time probes,
/// catalog tables, file functions).
pub const SQL_WORDS: &[&str] = &[
    "union",
    "waitfor",
    "sleep(",
    "benchmark(",
    "information_schema",
    "xp_cmdshell",
    "outfile",
    "dumpfile",
    "load_file(",
    "extractvalue(",
    "updatexml(",
    "dbms_",
    "utl_",
    "randomblob(",
    "sys_e",
    "lo_import(",
    "pg_read_file(",
];

/// What one pass found in a value.
#[derive(Debug, Default)]
pub struct Triggers {
    /// Start of each SQL word, in order.
    pub sql_words: Vec<usize>,
    /// Each system file name (either separator), as a byte range, in order of its end.
    pub system_files: Vec<(usize, usize)>,
    /// One of the caller's own literals (the signature rules' atoms) occurs.
    pub literal: bool,
}

/// One fully built automaton (no lazily filled cache a crafted value could leave behind for
/// later events) over the caller's literals, the SQL words and the system file names.
pub struct Scanner {
    automaton: Option<AhoCorasick>,
    literals: usize,
}

impl Scanner {
    /// `literals` are the caller's own strings (matched ASCII-case-insensitively, as the
    /// detectors' words are); `Triggers::literal` says whether any occurs.
    pub fn new(literals: &[Vec<u8>]) -> Scanner {
        let mut patterns: Vec<Vec<u8>> = literals.to_vec();
        patterns.extend(SQL_WORDS.iter().map(|w| w.as_bytes().to_vec()));
        for file in super::path::SYSTEM_FILES {
            patterns.push(file.as_bytes().to_vec());
            patterns.push(file.replace('/', "\\").into_bytes());
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .ok();
        Scanner {
            automaton,
            literals: literals.len(),
        }
    }

    /// The scanner with no literals of its own, for the detectors run alone.
    pub fn detectors_only() -> &'static Scanner {
        static ONLY: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
        ONLY.get_or_init(|| Scanner::new(&[]))
    }

    /// Whether the automaton could be built (it always can for the built-in words; the
    /// caller's literals could make it too large).
    pub fn is_complete(&self) -> bool {
        self.automaton.is_some()
    }

    pub fn scan(&self, text: &[u8]) -> Triggers {
        let mut found = Triggers::default();
        let Some(ac) = &self.automaton else {
            found.literal = true;
            return found;
        };
        let sql_end = self.literals + SQL_WORDS.len();
        for m in ac.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            if p < self.literals {
                found.literal = true;
            } else if p < sql_end {
                found.sql_words.push(m.start());
            } else {
                found.system_files.push((m.start(), m.end()));
            }
        }
        // Overlapping matches come in order of their end; the SQL windows go by start.
        found.sql_words.sort_unstable();
        found.sql_words.dedup();
        found
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_finds_every_consumers_words() {
        let s = Scanner::new(&[b"rO0AB".to_vec()]);
        assert!(s.is_complete());
        let t = s.scan(b"x UNION select 1 from /ETC/passwd and \\etc\\shadow; ro0ab");
        assert_eq!(t.sql_words, [2]);
        assert_eq!(t.system_files, [(22, 33), (38, 49)]);
        assert!(t.literal);
        let t = s.scan(b"plain text, sleeping well at /etc");
        assert!(t.sql_words.is_empty() && t.system_files.is_empty() && !t.literal);
        assert!(!Scanner::detectors_only().scan(b"rO0AB").literal);
    }
}
