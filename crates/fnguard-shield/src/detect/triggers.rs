//! Words some detectors start from (SQL probe words, system file names) and the literals the
//! signature rules need, found for all of them in one pass of one automaton: each pass of a
//! case-insensitive automaton over a value costs about as much as a whole detector, and
//! every value used to get three.

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
#[derive(Debug, Default, PartialEq)]
pub struct Triggers {
    /// Start of each SQL word, in order.
    pub sql_words: Vec<usize>,
    /// Each system file name (either separator), as a byte range, in order of its end.
    pub system_files: Vec<(usize, usize)>,
    /// One of the caller's own literals (the signature rules' atoms) occurs.
    pub literal: bool,
    /// Which of the caller's literals occur, one bit each (by their index).
    pub literals_seen: Vec<u64>,
    /// Each occurrence of the caller's literals: (literal, where it starts), in order of
    /// their end; empty and `literal_hits_dropped` when there were more than one in
    /// `LITERAL_HITS_EVERY` bytes (too dense to be worth knowing where).
    pub literal_hits: Vec<(u32, u32)>,
    pub literal_hits_dropped: bool,
    /// One of `sql::STATEMENT_WORDS` occurs: only then can a `;` start a stacked statement.
    pub statement_word: bool,
}

impl Triggers {
    /// Nothing found, the lists' room kept.
    fn clear(&mut self) {
        self.sql_words.clear();
        self.system_files.clear();
        self.literal = false;
        self.literals_seen.clear();
        self.literal_hits.clear();
        self.literal_hits_dropped = false;
        self.statement_word = false;
    }
}

/// One fully built automaton (no lazily filled cache a crafted value could leave behind for
/// later events) over the caller's literals, the SQL words and the system file names.
pub struct Scanner {
    automaton: Option<Dfa>,
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
        // Only whether one occurs is kept: a word holding another (`execute`, `exec`) would
        // add a match and tell nothing more.
        let statement = super::sql::STATEMENT_WORDS;
        patterns.extend(
            statement
                .iter()
                .filter(|w| {
                    !statement
                        .iter()
                        .any(|o| o.len() < w.len() && w.windows(o.len()).any(|x| x == *o))
                })
                .map(|w| w.to_vec()),
        );
        Scanner {
            automaton: Dfa::new(&patterns),
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
        self.scan_into(text, &mut found);
        found
    }

    /// `scan`, into `found`'s lists (cleared first): a value's first look allocates nothing
    /// once they have grown.
    pub fn scan_into(&self, text: &[u8], found: &mut Triggers) {
        found.clear();
        let Some(dfa) = &self.automaton else {
            found.literal = true;
            return;
        };
        let sql_end = self.literals + SQL_WORDS.len();
        let files_end = sql_end + 2 * super::path::SYSTEM_FILES.len();
        // Short values (most fields) are read in one stream whose matches are taken as they
        // come: a list of them cost an allocation per field.
        let hits = (text.len() >= STREAMS_FROM).then(|| dfa.matches(text));
        let mut total = 0;
        if let Some(hits) = &hits {
            // Sized once: a value dense with SQL words (`;sleep(` from end to end) has one
            // every few bytes, and growing the list a push at a time cost more than finding
            // them.
            total = hits.iter().map(Vec::len).sum::<usize>();
            found.sql_words.reserve(total);
        }
        let mut sort = Sort {
            found,
            literals: self.literals,
            sql_end,
            files_end,
            most_literal_hits: text.len() / LITERAL_HITS_EVERY + 16,
            total,
        };
        // One call of `Sort::add` in each loop, each inlined (a closure shared by both was
        // not, and a call per match made `;exec` in 1 KB fields 4 % slower).
        match &hits {
            Some(hits) => dfa.each_output(hits, |p, start, end| sort.add(p, start, end)),
            None => dfa.each_output_of(text, |p, start, end| sort.add(p, start, end)),
        }
        if found.literal_hits_dropped {
            found.literal_hits.clear();
        }
        // Matches come in order of their end; the SQL windows go by start.
        found.sql_words.sort_unstable();
        found.sql_words.dedup();
    }
}

/// Puts each match `Scanner::scan` finds where it belongs in `found`.
struct Sort<'a> {
    found: &'a mut Triggers,
    literals: usize,
    sql_end: usize,
    files_end: usize,
    most_literal_hits: usize,
    /// Matches in all (0 when unknown): what `literal_hits` is sized for at the first.
    total: usize,
}

impl Sort<'_> {
    #[inline(always)]
    fn add(&mut self, pattern: usize, start: usize, end: usize) {
        let found = &mut *self.found;
        if pattern < self.literals {
            found.literal = true;
            if found.literals_seen.is_empty() {
                found.literals_seen.resize(self.literals.div_ceil(64), 0);
                found
                    .literal_hits
                    .reserve(self.total.min(self.most_literal_hits));
            }
            if let Some(word) = found.literals_seen.get_mut(pattern / 64) {
                *word |= 1 << (pattern % 64);
            }
            // Values are far below 4 GB (the event limit is 6 MB).
            match (u32::try_from(pattern), u32::try_from(start)) {
                (Ok(p), Ok(at)) if found.literal_hits.len() < self.most_literal_hits => {
                    found.literal_hits.push((p, at))
                }
                _ => found.literal_hits_dropped = true,
            }
        } else if pattern < self.sql_end {
            found.sql_words.push(start);
        } else if pattern < self.files_end {
            found.system_files.push((start, end));
        } else {
            found.statement_word = true;
        }
    }
}

/// Where the caller's literals are is kept while they are fewer than one in this many bytes:
/// denser, most would be read anyway (`atoms::Prefilter::windows` reads a rule over the whole
/// value from one atom in 48 bytes).
const LITERAL_HITS_EVERY: usize = 24;

/// Largest transition table built (entries of 4 bytes, 16 MB): the built-in rules' atoms with
/// the detectors' words take about 140,000.
const MAX_TABLE: usize = 1 << 22;

/// How many segments of a long text are read in lock step (the loop is written for four:
/// on this machine three were slower, and five or eight ran out of registers).
const STREAMS: usize = 4;

/// Texts shorter than this are read in one stream. Four streams read more bytes (each one
/// `longest - 1` before its part), but in parallel: from 64 bytes on, 100-byte fields of text
/// took 2-5 % less time that way than in one stream.
const STREAMS_FROM: usize = 64;

/// A dense Aho-Corasick automaton over ASCII-case-folded byte classes that reports every
/// match, overlapping ones included.
///
/// A search is a chain of dependent loads (each state is needed to find the next), so one
/// stream runs at the memory's latency, not its throughput: long texts are cut in four
/// segments read in lock step, each starting early enough (the longest pattern, less one
/// byte) that its state at its segment's first byte is the state a single stream would have.
struct Dfa {
    /// Byte to class; `A` and `a` share one.
    classes: [u8; 256],
    stride: usize,
    /// `state + class` to the next state; states are numbered by `stride`, and states that
    /// end a pattern come last, from `first_match` on.
    next: Vec<u32>,
    first_match: u32,
    /// For each match state (by its index from `first_match`), its range in `ends`.
    outputs: Vec<(u32, u32)>,
    /// The patterns a match state ends: (pattern, length).
    ends: Vec<(u32, u32)>,
    longest: usize,
}

const NONE: u32 = u32::MAX;

impl Dfa {
    /// `None` when a pattern is empty or the table would pass `MAX_TABLE`.
    fn new(patterns: &[Vec<u8>]) -> Option<Dfa> {
        if patterns.iter().any(|p| p.is_empty()) {
            return None;
        }
        let mut classes = [0u8; 256];
        let mut stride = 1usize;
        for p in patterns {
            for &b in p {
                let b = b.to_ascii_lowercase();
                if classes[b as usize] == 0 {
                    if stride > u8::MAX as usize {
                        return None;
                    }
                    classes[b as usize] = stride as u8;
                    classes[b.to_ascii_uppercase() as usize] = stride as u8;
                    stride += 1;
                }
            }
        }
        let total: usize = patterns.iter().map(Vec::len).sum();
        if (total + 1).saturating_mul(stride) > MAX_TABLE {
            return None;
        }
        // The trie, states in order of creation, `goto` dense by class.
        let mut goto: Vec<u32> = vec![NONE; stride];
        let mut own: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
        for (k, p) in patterns.iter().enumerate() {
            let mut s = 0usize;
            for &b in p {
                let c = classes[b as usize] as usize;
                let t = goto[s * stride + c];
                s = if t == NONE {
                    let new = own.len();
                    goto[s * stride + c] = new as u32;
                    goto.extend(std::iter::repeat_n(NONE, stride));
                    own.push(Vec::new());
                    new
                } else {
                    t as usize
                };
            }
            own[s].push((k as u32, p.len() as u32));
        }
        let states = own.len();
        // Failure links in breadth-first order turn the trie into a full transition table, and
        // give each state the patterns of its failure chain.
        let mut next = vec![0u32; states * stride];
        let mut fail = vec![0usize; states];
        let mut queue = std::collections::VecDeque::new();
        for c in 0..stride {
            let t = goto[c];
            if t == NONE {
                next[c] = 0;
            } else {
                next[c] = t;
                queue.push_back(t as usize);
            }
        }
        let mut order = vec![0usize];
        while let Some(s) = queue.pop_front() {
            order.push(s);
            let inherited = own[fail[s]].clone();
            own[s].extend(inherited);
            for c in 0..stride {
                let t = goto[s * stride + c];
                let via_fail = next[fail[s] * stride + c];
                if t == NONE {
                    next[s * stride + c] = via_fail;
                } else {
                    fail[t as usize] = via_fail as usize;
                    next[s * stride + c] = t;
                    queue.push_back(t as usize);
                }
            }
        }
        // Renumber: states without matches first (the start state stays 0), then match
        // states, so that the search loop tells them apart with one comparison.
        let (plain, matching): (Vec<usize>, Vec<usize>) =
            order.iter().partition(|&&s| own[s].is_empty());
        let mut renamed = vec![0u32; states];
        for (i, &s) in plain.iter().chain(&matching).enumerate() {
            renamed[s] = (i * stride) as u32;
        }
        let mut table = vec![0u32; states * stride];
        for (i, &s) in plain.iter().chain(&matching).enumerate() {
            for c in 0..stride {
                table[i * stride + c] = renamed[next[s * stride + c] as usize];
            }
        }
        let mut outputs = Vec::with_capacity(matching.len());
        let mut ends = Vec::new();
        for &s in &matching {
            let from = ends.len() as u32;
            ends.extend_from_slice(&own[s]);
            outputs.push((from, ends.len() as u32));
        }
        Some(Dfa {
            classes,
            stride,
            next: table,
            first_match: (plain.len() * stride) as u32,
            outputs,
            ends,
            longest: patterns.iter().map(Vec::len).max().unwrap_or(1),
        })
    }

    /// The match states each stream reached, with the position of the byte that led there.
    fn matches(&self, text: &[u8]) -> [Vec<(u32, usize)>; STREAMS] {
        let mut hits: [Vec<(u32, usize)>; STREAMS] = std::array::from_fn(|_| Vec::new());
        if text.len() < STREAMS_FROM {
            self.stream(text, 0, (0, text.len()), 0, &mut hits[0]);
        } else {
            self.four_streams(text, &mut hits);
        }
        hits
    }

    /// `each(pattern, start, end)` for every match `matches` found, in order of their end.
    fn each_output(
        &self,
        hits: &[Vec<(u32, usize)>; STREAMS],
        mut each: impl FnMut(usize, usize, usize),
    ) {
        for &(state, at) in hits.iter().flatten() {
            self.outputs_at(state, at, &mut each);
        }
    }

    /// `each_output` of `matches(text)`, read in one stream with no list of matches between.
    fn each_output_of(&self, text: &[u8], mut each: impl FnMut(usize, usize, usize)) {
        let mut state = 0;
        for (at, &b) in text.iter().enumerate() {
            state = self.step(state, b);
            if state >= self.first_match {
                self.outputs_at(state, at, &mut each);
            }
        }
    }

    /// `each(pattern, start, end)` for the patterns the match state `state` reached at `at`
    /// ends.
    /// Inlined: out of line, the call per match made `;exec` in 1 KB fields 4 % slower.
    #[inline(always)]
    fn outputs_at(&self, state: u32, at: usize, each: &mut impl FnMut(usize, usize, usize)) {
        let index = ((state - self.first_match) as usize) / self.stride;
        let Some(&(from, to)) = self.outputs.get(index) else {
            return;
        };
        for &(pattern, len) in self.ends.get(from as usize..to as usize).unwrap_or(&[]) {
            each(pattern as usize, at + 1 - len as usize, at + 1);
        }
    }

    /// Reads `text[from..to]` on from `state`; records the matches that end at `report` or
    /// later.
    fn stream(
        &self,
        text: &[u8],
        mut state: u32,
        (from, to): (usize, usize),
        report: usize,
        hits: &mut Vec<(u32, usize)>,
    ) {
        let Some(segment) = text.get(from..to) else {
            return;
        };
        for (k, &b) in segment.iter().enumerate() {
            state = self.step(state, b);
            if state >= self.first_match && from + k >= report {
                push_hit(hits, (state, from + k), to - from);
            }
        }
    }

    #[inline(always)]
    fn step(&self, state: u32, byte: u8) -> u32 {
        self.next
            .get(state as usize + self.classes[byte as usize] as usize)
            .copied()
            .unwrap_or(0)
    }

    /// `text` as four streams in lock step. Out of line: how the caller was inlined around
    /// it moved its loop's time by a tenth (`path` on 1 MB of `${::-j}`, 0.73 and 0.81 ms).
    #[inline(never)]
    fn four_streams(&self, text: &[u8], hits: &mut [Vec<(u32, usize)>; STREAMS]) {
        let n = text.len();
        let warm_up = self.longest - 1;
        // Every stream reads `lane` bytes: stream 0 from the text's start, each later one
        // `warm_up` bytes before the ends it reports, so all four run to the end together
        // and only the rounding (at most three bytes each) is read one stream at a time.
        // (Segments of equal length left the later streams `warm_up` bytes each to read
        // alone: on values of a kilobyte, a third of the automaton's time.)
        let lane = (n + (STREAMS - 1) * warm_up).div_ceil(STREAMS);
        if lane <= warm_up {
            self.stream(text, 0, (0, n), 0, &mut hits[0]);
            return;
        }
        // Stream k reports ends in `[report[k], report[k + 1])`.
        let report: [usize; STREAMS + 1] = std::array::from_fn(|k| match k {
            0 => 0,
            _ => (lane + (k - 1) * (lane - warm_up)).min(n),
        });
        let start: [usize; STREAMS] = std::array::from_fn(|k| report[k].saturating_sub(warm_up));
        let stop: [usize; STREAMS] = std::array::from_fn(|k| report[k + 1]);
        let common = (0..STREAMS).map(|k| stop[k] - start[k]).min().unwrap_or(0);
        let lanes: [&[u8]; STREAMS] = std::array::from_fn(|k| &text[start[k]..start[k] + common]);
        let mut s = [0u32; STREAMS];
        for (step, (((&a, &b), &c), &d)) in lanes[0]
            .iter()
            .zip(lanes[1])
            .zip(lanes[2])
            .zip(lanes[3])
            .enumerate()
        {
            s = [
                self.step(s[0], a),
                self.step(s[1], b),
                self.step(s[2], c),
                self.step(s[3], d),
            ];
            if s.iter().any(|&x| x >= self.first_match) {
                for k in 0..STREAMS {
                    let at = start[k] + step;
                    if s[k] >= self.first_match && at >= report[k] {
                        push_hit(&mut hits[k], (s[k], at), lane);
                    }
                }
            }
        }
        for (k, lane_hits) in hits.iter_mut().enumerate() {
            self.stream(
                text,
                s[k],
                (start[k] + common, stop[k]),
                report[k],
                lane_hits,
            );
        }
    }
}

/// `hits.push(hit)`, making room at the first for one hit in 4 bytes of the `len` bytes a
/// stream reads (at most 1,024): text dense with matches would grow the list a dozen times.
fn push_hit(hits: &mut Vec<(u32, usize)>, hit: (u32, usize), len: usize) {
    if hits.capacity() == 0 {
        hits.reserve((len / 4).clamp(8, 1024));
    }
    hits.push(hit);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::detect;

    #[test]
    fn where_literals_occur_is_kept_while_they_are_sparse() {
        let s = Scanner::new(&[b"exec".to_vec(), b"xe".to_vec()]);
        let t = s.scan(b"a exec b EXEC c");
        // Overlapping occurrences too, in order of their end.
        assert_eq!(t.literal_hits, [(1, 3), (0, 2), (1, 10), (0, 9)]);
        assert!(!t.literal_hits_dropped);
        let dense = "exec ".repeat(400);
        let t = s.scan(dense.as_bytes());
        assert!(t.literal && t.literal_hits_dropped && t.literal_hits.is_empty());
    }

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

    /// What the scanner found before it had its own automaton: aho-corasick's, searched for
    /// overlapping matches in one stream.
    fn reference(literals: &[Vec<u8>]) -> impl Fn(&[u8]) -> Found {
        let mut patterns: Vec<Vec<u8>> = literals.to_vec();
        patterns.extend(SQL_WORDS.iter().map(|w| w.as_bytes().to_vec()));
        for file in super::super::path::SYSTEM_FILES {
            patterns.push(file.as_bytes().to_vec());
            patterns.push(file.replace('/', "\\").into_bytes());
        }
        let files_end = patterns.len();
        patterns.extend(
            super::super::sql::STATEMENT_WORDS
                .iter()
                .map(|w| w.to_vec()),
        );
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .unwrap();
        let literals = literals.len();
        move |text| {
            let mut found = Triggers::default();
            for m in ac.find_overlapping_iter(text) {
                let p = m.pattern().as_usize();
                if p < literals {
                    found.literal = true;
                } else if p < literals + SQL_WORDS.len() {
                    found.sql_words.push(m.start());
                } else if p < files_end {
                    found.system_files.push((m.start(), m.end()));
                } else {
                    found.statement_word = true;
                }
            }
            found.sql_words.sort_unstable();
            found.sql_words.dedup();
            found_of(found)
        }
    }

    type Found = (bool, Vec<usize>, Vec<(usize, usize)>, bool);

    fn found_of(t: Triggers) -> Found {
        (t.literal, t.sql_words, t.system_files, t.statement_word)
    }

    #[test]
    fn triggers_scanned_into_again_hold_what_a_fresh_scan_finds() {
        // Values of every kind in turn (literal hits kept, dropped as too dense, none; SQL
        // words; system files), each scanned into the lists the one before left.
        const PIECES: &[&str] = &[
            "exec",
            "execexecexecexec",
            "rO0AB",
            " ",
            "x",
            "union",
            "/etc/passwd",
            "sleep(",
            "DROP",
            "é",
            ";",
        ];
        let scanner = Scanner::new(&[b"rO0AB".to_vec(), b"exec".to_vec()]);
        let mut reused = Triggers::default();
        let (mut dropped, mut kept) = (0, 0);
        for v in detect::pieces_joined(PIECES, 57, 6000, 59) {
            let fresh = scanner.scan(v.as_bytes());
            scanner.scan_into(v.as_bytes(), &mut reused);
            assert_eq!(reused, fresh, "{v:?}");
            dropped += usize::from(fresh.literal_hits_dropped);
            kept += usize::from(!fresh.literal_hits.is_empty());
        }
        assert!(dropped > 100 && kept > 1000, "{dropped} {kept}");
    }

    #[test]
    fn four_streams_find_what_one_automaton_finds() {
        const PIECES: &[&str] = &[
            "UNI",
            "on",
            "union",
            " ",
            "x",
            "Union select",
            "/etc/",
            "passwd",
            "\\etc\\",
            "SHADOW",
            "sleep(",
            "slee",
            "rO0",
            "ab",
            "/proc/",
            "self/",
            "thread-",
            "c:/",
            "windows/",
            "SYS_E",
            "sys_",
            "dbms_",
            "information_",
            "schema",
            "/",
            ".",
            "\\",
            "é",
            "xq",
            "DROP",
            "exec",
            "Updat",
            "e",
        ];
        let literals = [
            b"rO0AB".to_vec(),
            b"union select".to_vec(),
            b"xqxq".to_vec(),
        ];
        let scanner = Scanner::new(&literals);
        let reference = reference(&literals);
        // Up to 1,023 pieces: below and well above the length where the streams start, and
        // with matches across the segments' bounds.
        let reached = detect::agrees_with_reference(
            PIECES,
            11,
            4000,
            54,
            |v| found_of(scanner.scan(v.as_bytes())),
            |v| reference(v.as_bytes()),
            |f| f.0 && !f.1.is_empty() && !f.2.is_empty(),
        );
        assert!(reached > 2000, "{reached}");
    }

    #[test]
    fn a_pattern_longer_than_a_segment_is_found_across_it() {
        let long = b"union".repeat(80);
        let literals = [long.clone()];
        let scanner = Scanner::new(&literals);
        let reference = reference(&literals);
        for before in [0, 1, 255, 300, 700] {
            let mut text = b"x".repeat(before);
            text.extend_from_slice(&long);
            text.extend_from_slice(&b"y".repeat(500));
            let got = found_of(scanner.scan(&text));
            assert!(got.0, "{before}");
            assert_eq!(got, reference(&text), "{before}");
        }
    }
}
