//! SQL injection by grammar: the value is tokenized as SQL the way a database would read it
//! when placed in a query as a number, inside single quotes or inside double quotes, and it is
//! an injection only when, from the point where it leaves the literal, the tokens form a
//! working query tail (a tautology or probe that runs to the end, a comment that cuts the
//! query, a stacked statement, a UNION). Prose with apostrophes, quotes, `--` or `or not` does
//! not form one. Work is linear: each context tokenizes the value at most once.

use super::{Allowance, Found, Strictness};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    /// A string literal; `closed` is false when the value ends inside it (the application's
    /// own closing quote will end it).
    Str {
        quote: u8,
        closed: bool,
    },
    Num,
    Word(Kw),
    /// A name immediately followed by `(` (MySQL does not allow a space there).
    Func(Fun),
    Cmp,
    Op,
    Logic,
    Not,
    LParen,
    RParen,
    Comma,
    Semi,
    Comment,
    Quote,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kw {
    Union,
    Select,
    AllDistinct,
    OrderGroup,
    By,
    /// Starts a statement that changes data or runs code when stacked after `;`.
    Statement(Stmt),
    /// What an injected clause may be followed by (`limit`, `from`, `into`, ...).
    Clause,
    True,
    Literal,
    Ident,
    Probe,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stmt {
    Drop,
    Delete,
    Insert,
    Update,
    Truncate,
    Exec,
    Declare,
    Shutdown,
    Waitfor,
    CreateAlter,
    Grant,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fun {
    /// Time, file and error-based probes that have no business in user input.
    Probe,
    Any,
}

#[derive(Debug, PartialEq)]
struct Token {
    tok: Tok,
    start: usize,
}

/// `word` in lower case, on the stack (words over 48 bytes are no keyword).
fn lowered<'b>(word: &[u8], buf: &'b mut [u8; 48]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..word.len())?;
    out.copy_from_slice(word);
    out.make_ascii_lowercase();
    Some(out)
}

fn keyword(word: &[u8]) -> Tok {
    let mut buf = [0u8; 48];
    let Some(lower) = lowered(word, &mut buf) else {
        return Tok::Word(Kw::Ident);
    };
    match lower {
        b"and" | b"or" | b"xor" => Tok::Logic,
        b"not" => Tok::Not,
        b"like" | b"rlike" | b"regexp" | b"in" | b"is" | b"between" | b"sounds" | b"glob" => {
            Tok::Cmp
        }
        b"div" | b"mod" => Tok::Op,
        b"union" => Tok::Word(Kw::Union),
        b"select" => Tok::Word(Kw::Select),
        b"all" | b"distinct" => Tok::Word(Kw::AllDistinct),
        b"order" | b"group" => Tok::Word(Kw::OrderGroup),
        b"by" => Tok::Word(Kw::By),
        b"drop" => Tok::Word(Kw::Statement(Stmt::Drop)),
        b"delete" => Tok::Word(Kw::Statement(Stmt::Delete)),
        b"insert" | b"replace" => Tok::Word(Kw::Statement(Stmt::Insert)),
        b"update" => Tok::Word(Kw::Statement(Stmt::Update)),
        b"truncate" => Tok::Word(Kw::Statement(Stmt::Truncate)),
        b"exec" | b"execute" => Tok::Word(Kw::Statement(Stmt::Exec)),
        b"declare" => Tok::Word(Kw::Statement(Stmt::Declare)),
        b"shutdown" => Tok::Word(Kw::Statement(Stmt::Shutdown)),
        b"waitfor" => Tok::Word(Kw::Statement(Stmt::Waitfor)),
        b"create" | b"alter" => Tok::Word(Kw::Statement(Stmt::CreateAlter)),
        b"grant" | b"revoke" => Tok::Word(Kw::Statement(Stmt::Grant)),
        b"limit" | b"from" | b"into" | b"having" | b"procedure" | b"offset" | b"where" | b"asc"
        | b"desc" | b"collate" | b"escape" => Tok::Word(Kw::Clause),
        b"true" => Tok::Word(Kw::True),
        b"false" | b"null" | b"unknown" => Tok::Word(Kw::Literal),
        b"information_schema"
        | b"xp_cmdshell"
        | b"sysobjects"
        | b"syscolumns"
        | b"pg_catalog"
        | b"sqlite_master"
        | b"mysql.user"
        | b"all_tables"
        | b"outfile"
        | b"dumpfile" => Tok::Word(Kw::Probe),
        _ if lower.starts_with(b"information_schema.")
            || lower.starts_with(b"sys.")
            || lower.starts_with(b"master..")
            || lower.starts_with(b"@@") =>
        {
            Tok::Word(Kw::Probe)
        }
        _ => Tok::Word(Kw::Ident),
    }
}

fn function(name: &[u8]) -> Fun {
    let mut buf = [0u8; 48];
    let Some(lower) = lowered(name, &mut buf) else {
        return Fun::Any;
    };
    match lower {
        b"sleep"
        | b"pg_sleep"
        | b"benchmark"
        | b"load_file"
        | b"extractvalue"
        | b"updatexml"
        | b"dbms_pipe.receive_message"
        | b"utl_inaddr.get_host_address"
        | b"utl_http.request"
        | b"xp_cmdshell"
        | b"randomblob"
        | b"dbms_lock.sleep"
        | b"sys_eval"
        | b"sys_exec"
        | b"lo_import"
        | b"pg_read_file"
        | b"current_user"
        | b"version"
        | b"database"
        | b"user"
        | b"system_user"
        | b"session_user"
        | b"schema"
        | b"@@version" => Fun::Probe,
        _ => Fun::Any,
    }
}

/// Tokens of `s` from `from`, at most `max` of them. With `strings` off, quotes are plain
/// punctuation (for signals that hold wherever the value lands).
fn tokenize(s: &[u8], from: usize, max: usize, strings: bool) -> Vec<Token> {
    // Called for every breakout and signal window: growing the vector cost more than the
    // tokens themselves.
    let mut out = Vec::with_capacity(max.min(TAIL_TOKENS));
    tokenize_into(s, from, max, strings, &mut out);
    out
}

/// `tokenize` into `out` (cleared first), for callers that tokenize many windows; where it
/// stopped.
fn tokenize_into(s: &[u8], from: usize, max: usize, strings: bool, out: &mut Vec<Token>) -> usize {
    out.clear();
    tokenize_onto(s, from, max, strings, out)
}

/// Tokens of `s` from `from` added to `out` until it holds `max`; where it stopped.
fn tokenize_onto(s: &[u8], from: usize, max: usize, strings: bool, out: &mut Vec<Token>) -> usize {
    let mut i = from;
    while i < s.len() && out.len() < max {
        let c = s[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0 => {
                i += 1;
                continue;
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                // MySQL runs the inside of `/*! ... */`; other comments are whitespace.
                if s.get(i + 2) == Some(&b'!') {
                    i += 3;
                    while i < s.len() && s[i].is_ascii_digit() {
                        i += 1;
                    }
                    continue;
                }
                match comment_end(s, i + 2) {
                    Some(end) => {
                        i = end + 2;
                        continue;
                    }
                    None => {
                        i = s.len();
                        Tok::Comment
                    }
                }
            }
            b'*' if s.get(i + 1) == Some(&b'/') => {
                i += 2;
                continue;
            }
            b'-' if s.get(i + 1) == Some(&b'-') => {
                i = line_end(s, i);
                Tok::Comment
            }
            b'#' => {
                i = line_end(s, i);
                Tok::Comment
            }
            b'\'' | b'"' if strings => {
                let mut j = i + 1;
                let mut closed = false;
                while j < s.len() {
                    if s[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if s[j] == c {
                        if s.get(j + 1) == Some(&c) {
                            j += 2;
                            continue;
                        }
                        closed = true;
                        j += 1;
                        break;
                    }
                    j += 1;
                }
                i = j.min(s.len());
                Tok::Str { quote: c, closed }
            }
            b'\'' | b'"' => {
                i += 1;
                Tok::Quote
            }
            b'`' => {
                let end = s[i + 1..].iter().position(|&b| b == b'`');
                i = end.map_or(s.len(), |e| i + 1 + e + 1);
                Tok::Word(Kw::Ident)
            }
            b'0'..=b'9' => {
                i += 1;
                if c == b'0' && matches!(s.get(i), Some(b'x' | b'X' | b'b' | b'B')) {
                    i += 1;
                }
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'.') {
                    i += 1;
                }
                Tok::Num
            }
            b'.' if s.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < s.len() && s[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                Tok::Num
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'@' || c == b'$' => {
                while i < s.len()
                    && (s[i].is_ascii_alphanumeric() || matches!(s[i], b'_' | b'@' | b'$' | b'.'))
                {
                    i += 1;
                }
                let word = &s[start..i];
                if word.len() > 40 {
                    // No keyword or function is this long.
                    Tok::Word(Kw::Ident)
                } else if s.get(i) == Some(&b'(') {
                    // `or(1)=(1)`: operators and keywords stay what they are before `(`.
                    match keyword(word) {
                        Tok::Word(Kw::Ident | Kw::Probe) => Tok::Func(function(word)),
                        k => k,
                    }
                } else {
                    keyword(word)
                }
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b';' => {
                i += 1;
                Tok::Semi
            }
            b'=' | b'<' | b'>' | b'!' => {
                let two = s.get(i + 1).copied();
                let op_len = match (c, two) {
                    (b'<', Some(b'=')) if s.get(i + 2) == Some(&b'>') => 3,
                    // JavaScript's `==`, `===`, `!==` (a `$where` clause is JavaScript).
                    (b'=' | b'!', Some(b'=')) if s.get(i + 2) == Some(&b'=') => 3,
                    (b'=', Some(b'=')) => 2,
                    (b'<' | b'>' | b'!', Some(b'=')) | (b'<', Some(b'>')) => 2,
                    _ => 1,
                };
                i += op_len;
                if c == b'!' && op_len == 1 {
                    Tok::Not
                } else {
                    Tok::Cmp
                }
            }
            b'|' | b'&' if s.get(i + 1) == Some(&c) => {
                i += 2;
                Tok::Logic
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&' | b'~' => {
                i += 1;
                Tok::Op
            }
            _ => {
                i += 1;
                while i < s.len() && !s[i].is_ascii() {
                    i += 1;
                }
                Tok::Other
            }
        };
        out.push(Token { tok, start });
    }
    i
}

/// Where the `*/` that closes a comment opened before `from` starts. The searcher is built
/// once: building one costs about as much as a short search, and a value can open many
/// comments.
fn comment_end(s: &[u8], from: usize) -> Option<usize> {
    static CLOSE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"*/"));
    CLOSE.find(s.get(from..)?).map(|p| p + from)
}

fn line_end(s: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &s[from..]).map_or(s.len(), |p| from + p)
}

/// How much an operand says about intent: a number or `true` makes `OR x` a tautology, a
/// function call or subquery is a probe, a bare name or string proves nothing alone.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Weight {
    Weak,
    Truthy,
    Strong,
}

struct Parser<'a> {
    t: &'a [Token],
    i: usize,
    /// The quote the value was placed in: a string it leaves open at the end is closed by the
    /// application's own quote.
    quote: Option<u8>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<Tok> {
        self.t.get(self.i).map(|t| t.tok)
    }

    fn at_end(&self) -> bool {
        self.i >= self.t.len()
    }

    /// An operand: literal, name, call or parenthesised expression, with a leading NOT or sign.
    fn operand(&mut self, depth: usize) -> Option<Weight> {
        if depth > 8 {
            return None;
        }
        let negated = if self.peek() == Some(Tok::Not) {
            self.i += 1;
            true
        } else {
            false
        };
        if matches!(self.peek(), Some(Tok::Op)) {
            self.i += 1;
        }
        let w = match self.peek()? {
            Tok::Num => Weight::Truthy,
            Tok::Word(Kw::True) => Weight::Truthy,
            Tok::Word(Kw::Literal) => Weight::Weak,
            Tok::Word(Kw::Ident) => Weight::Weak,
            Tok::Word(Kw::Probe) => Weight::Strong,
            Tok::Str { closed: true, .. } => Weight::Weak,
            Tok::Str {
                quote,
                closed: false,
            } if Some(quote) == self.quote => Weight::Weak,
            Tok::Func(f) => {
                self.i += 1;
                self.balanced();
                return Some(if f == Fun::Probe {
                    Weight::Strong
                } else {
                    Weight::Truthy
                });
            }
            Tok::LParen => {
                self.i += 1;
                if matches!(self.peek(), Some(Tok::Word(Kw::Select))) {
                    self.balanced_from_inside();
                    return Some(Weight::Strong);
                }
                let inner = self.expression(depth + 1)?;
                if self.peek() == Some(Tok::RParen) {
                    self.i += 1;
                } else if !self.at_end() {
                    return None;
                }
                return Some(inner.0);
            }
            _ => return None,
        };
        self.i += 1;
        // `NOT 'x'` proves nothing; `NOT 0` and `NOT false` are tautologies.
        Some(if negated && w == Weight::Weak {
            if self.t[self.i - 1].tok == Tok::Word(Kw::Literal) {
                Weight::Truthy
            } else {
                Weight::Weak
            }
        } else {
            w
        })
    }

    /// Skips a call's `( ... )`, which may run to the end of the value.
    fn balanced(&mut self) {
        if self.peek() != Some(Tok::LParen) {
            return;
        }
        self.i += 1;
        self.balanced_from_inside();
    }

    fn balanced_from_inside(&mut self) {
        let mut depth = 1usize;
        while let Some(t) = self.peek() {
            self.i += 1;
            match t {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// operand (op operand)*; returns the heaviest operand and whether a comparison was made.
    fn expression(&mut self, depth: usize) -> Option<(Weight, bool)> {
        let mut weight = self.operand(depth)?;
        let mut compared = false;
        while let Some(t) = self.peek() {
            match t {
                Tok::Cmp | Tok::Op => {
                    self.i += 1;
                    if t == Tok::Cmp {
                        compared = true;
                        // `IS NOT NULL`, `NOT LIKE`
                        if self.peek() == Some(Tok::Not) {
                            self.i += 1;
                        }
                    }
                    let w = self.operand(depth)?;
                    if w > weight {
                        weight = w;
                    }
                }
                _ => break,
            }
        }
        if compared && weight < Weight::Truthy {
            weight = Weight::Truthy;
        }
        Some((weight, compared))
    }

    /// After a clause, what may follow for the value to still be a working query tail.
    fn tail_ok(&self) -> bool {
        match self.peek() {
            None => true,
            Some(Tok::Comment | Tok::Semi | Tok::RParen | Tok::Logic | Tok::Comma) => true,
            Some(Tok::Word(k)) => !matches!(k, Kw::Ident | Kw::Literal | Kw::True),
            _ => false,
        }
    }
}

/// Whether the tokens from the breakout point make an injected query tail.
fn injected(
    t: &[Token],
    quote: Option<u8>,
    strict: bool,
    single_token_prefix: bool,
) -> Option<(&'static str, usize)> {
    let mut p = Parser { t, i: 0, quote };
    while p.peek() == Some(Tok::RParen) {
        p.i += 1;
    }
    let at = p.t.get(p.i)?.start;
    // A case added here must be added to `may_inject`, which decides from the first tokens
    // whether this runs at all.
    match p.peek()? {
        // `admin'--`: the value before the quote is one token (a name or id); prose such as
        // `Rate it 5' # best seller` has words before its quote.
        Tok::Comment if quote.is_some() && (strict || single_token_prefix) => Some((
            "a quote followed by a comment that cuts the rest of the query",
            at,
        )),

        Tok::Semi => {
            p.i += 1;
            match p.peek() {
                Some(Tok::Word(Kw::Statement(_) | Kw::Select)) => {
                    Some(("a stacked statement after `;`", at))
                }
                Some(Tok::Comment) | None if quote.is_some() => {
                    Some(("a quote and `;` that end the statement", at))
                }
                _ => None,
            }
        }
        Tok::Word(Kw::Union) => union(&mut p).then_some(("UNION SELECT", at)),
        Tok::Word(Kw::OrderGroup) => {
            p.i += 1;
            if p.peek() != Some(Tok::Word(Kw::By)) {
                return None;
            }
            p.i += 1;
            if p.peek() != Some(Tok::Num) {
                return None;
            }
            p.i += 1;
            p.tail_ok().then_some(("ORDER BY column probing", at))
        }
        Tok::Logic | Tok::Op => {
            // One or more `OR expr` clauses; at least one must carry weight. A tail led by an
            // arithmetic or concatenation operator needs a call or subquery to mean anything.
            let needed = if p.peek() == Some(Tok::Op) && !strict {
                Weight::Strong
            } else if strict {
                Weight::Weak
            } else {
                Weight::Truthy
            };
            let mut best = Weight::Weak;
            while matches!(p.peek(), Some(Tok::Logic | Tok::Op)) {
                p.i += 1;
                let (w, _) = p.expression(0)?;
                if w > best {
                    best = w;
                }
                while p.peek() == Some(Tok::RParen) {
                    p.i += 1;
                }
            }
            if p.peek() == Some(Tok::Word(Kw::Union)) {
                return union(&mut p).then_some(("UNION SELECT", at));
            }
            (best >= needed && p.tail_ok()).then_some((
                "a boolean or time-based condition injected after the value",
                at,
            ))
        }
        _ => None,
    }
}

/// Tokens read after a breakout before the rest is: `injected` decides on the first one past
/// any closing parentheses.
const HEAD_TOKENS: usize = 8;

/// [`may_inject`] on the tokens from `from`, read one at a time: the first past closing
/// parentheses decides, and reading all [`HEAD_TOKENS`] cost a value of a kilobyte as much as
/// its shell judgments. Out of line: inlined, its tokenizer made the callers' own tokenizing
/// loops slower (1 MB of `#` took 13 ms instead of 8).
#[inline(never)]
fn may_inject_after(s: &[u8], from: usize, head: &mut Vec<Token>) -> bool {
    head.clear();
    let mut at = from;
    while head.len() < HEAD_TOKENS {
        let read = head.len();
        at = tokenize_onto(s, at, read + 1, true, head);
        match head.get(read) {
            None => break,
            Some(t) if t.tok != Tok::RParen => break,
            Some(_) => {}
        }
    }
    may_inject(head)
}

/// Whether `injected` can find anything in tokens that begin as `head` (the first
/// [`HEAD_TOKENS`] of them): only the first token past closing parentheses selects a case, and
/// any other token ends it with nothing. It lists the cases of `injected`'s first `match`.
fn may_inject(head: &[Token]) -> bool {
    match head.iter().find(|t| t.tok != Tok::RParen) {
        Some(t) => matches!(
            t.tok,
            Tok::Comment | Tok::Semi | Tok::Word(Kw::Union | Kw::OrderGroup) | Tok::Logic | Tok::Op
        ),
        // Nothing but parentheses so far: more of them, or the value ends.
        None => head.len() == HEAD_TOKENS,
    }
}

fn union(p: &mut Parser<'_>) -> bool {
    p.i += 1;
    if p.peek() == Some(Tok::Word(Kw::AllDistinct)) {
        p.i += 1;
    }
    matches!(p.peek(), Some(Tok::Word(Kw::Select)) | Some(Tok::LParen))
}

/// Signals that are injections wherever the value lands: UNION SELECT, a stacked statement
/// with its object, time probes with a literal delay, catalog tables.
/// `statement_word`: whether the value holds one of `STATEMENT_WORDS` (`triggers::Scanner`);
/// without one, no `;` is followed by a statement, and none is looked at.
fn anywhere(
    s: &[u8],
    words: &[usize],
    statement_word: bool,
    allowance: &mut Allowance,
) -> Option<(&'static str, usize)> {
    // A window's tokens: one buffer of the thread's (at most two windows of tokens long), not
    // an allocation per value with a window.
    WINDOW.with_borrow_mut(|t| anywhere_with(s, words, statement_word, allowance, t))
}

thread_local! {
    static WINDOW: std::cell::RefCell<Vec<Token>> =
        std::cell::RefCell::new(Vec::with_capacity(2 * WINDOW_TOKENS));
}

fn anywhere_with(
    s: &[u8],
    words: &[usize],
    statement_word: bool,
    allowance: &mut Allowance,
    t: &mut Vec<Token>,
) -> Option<(&'static str, usize)> {
    t.clear();
    // Only around the words these signals start with (`triggers::SQL_WORDS`, found by the
    // caller's one automaton pass), a few tokens at a time: the work stays linear however long
    // the value.
    // Of a run of `;` only the last can be followed by a statement: the run is skipped in a
    // tight loop, since a value can be `;` from end to end.
    let mut next = if statement_word { 0 } else { s.len() };
    let semicolons = std::iter::from_fn(|| {
        let at = next + memchr::memchr(b';', s.get(next..)?)?;
        let mut end = at + 1;
        while s.get(end) == Some(&b';') {
            end += 1;
        }
        next = end;
        Some(end - 1)
    })
    // (`statement_follows` dismisses `;` followed by an operator or quote at its first byte.)
    .filter(|&at| statement_follows(s, at + 1));
    let mut last_window = usize::MAX;
    // Where the last window's tokenizer stopped, and that window's end.
    let mut read: Option<(usize, usize)> = None;
    let mut identifier = Run::new(is_word_byte);
    let mut number = Run::new(|c: u8| c.is_ascii_alphanumeric() || c == b'.');
    for start in semicolons.chain(words.iter().copied()) {
        // A word deep inside a run of name bytes (`.dbms_` over and over) has a window of one
        // long name or number, which holds no signal: told from what is known of the run,
        // not by reading the window. A value can be such words from end to end, and reading
        // each window was a few hundred bytes per word.
        // Such a window starts `BACK_STEPS` before its word (the walk back below goes that far
        // over name bytes), and is one name longer than any keyword, or one number, perhaps
        // after a lone `.` (a token of its own).
        if let Some(from) = start.checked_sub(BACK_STEPS) {
            let window_end = (from + WINDOW_BYTES).min(s.len());
            let lead = if s[from] == b'.' { from + 1 } else { from };
            let one_token = match s.get(lead) {
                Some(&c) if c.is_ascii_alphabetic() || matches!(c, b'_' | b'@' | b'$') => {
                    window_end - lead > 40 && identifier.covers(s, lead, window_end)
                }
                Some(b'0'..=b'9') if lead == from => number.covers(s, from, window_end),
                _ => false,
            };
            // Name bytes from `from` to the word: the walk back would have reached `from`.
            if one_token && identifier.covers(s, from, start) {
                last_window = from;
                continue;
            }
        }
        // Back to the start of the word, and over the word before it (`into outfile`).
        let mut from = start;
        let mut steps = 0;
        while from > 0 && steps < 64 && is_word_byte(s[from - 1]) {
            from -= 1;
            steps += 1;
        }
        let word_start = from;
        while from > 0 && steps < 96 && matches!(s[from - 1], b' ' | b'\t' | b'\n') {
            from -= 1;
            steps += 1;
        }
        while from > 0 && steps < BACK_STEPS && is_word_byte(s[from - 1]) {
            from -= 1;
            steps += 1;
        }
        if from == last_window {
            continue;
        }
        if !allowance.take() {
            return None;
        }
        last_window = from;
        // The window ends a few hundred bytes on: a comment or string opened in it must not
        // make each window scan to the end of the value (quadratic on crafted input).
        let window_end = (from + WINDOW_BYTES).min(s.len());
        // Windows of words a few tokens apart overlap (`'union` over and over): when this one
        // starts at a token of the last one, and the last one stopped at its token limit
        // before its end (so no token of it was cut by that end), its tokens from there are
        // this window's first ones, and only the rest is read.
        let shared = read
            .filter(|&(stop, end)| stop < end)
            .and_then(|_| t.binary_search_by_key(&from, |t: &Token| t.start).ok());
        let stop = match (shared, read) {
            (Some(k), Some((stop, _))) => {
                t.drain(..k);
                tokenize_onto(&s[..window_end], stop, WINDOW_TOKENS, false, t)
            }
            _ => tokenize_into(&s[..window_end], from, WINDOW_TOKENS, false, t),
        };
        read = Some((stop, window_end));
        // The tests check every window read in part against the window read whole.
        #[cfg(test)]
        {
            let mut whole = Vec::new();
            let whole_stop =
                tokenize_into(&s[..window_end], from, WINDOW_TOKENS, false, &mut whole);
            assert_eq!((whole_stop, &whole), (stop, &*t));
        }
        let first = t.iter().position(|t| t.start >= word_start).unwrap_or(0);
        if let Some(hit) = signals(s, t, first) {
            return Some(hit);
        }
    }
    None
}

/// Tokens a signal window reads.
const WINDOW_TOKENS: usize = 12;

/// Whether the word after `;` (past blanks and inline comments) starts a statement.
fn statement_follows(s: &[u8], mut i: usize) -> bool {
    if !s.get(i).is_some_and(|c| {
        c.is_ascii_alphabetic() || matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'+' | b'/')
    }) {
        return false;
    }
    loop {
        match s.get(i) {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'+') => i += 1,
            // Only a comment that closes within 64 bytes is read past, so only that far is
            // searched: a value of `;/*` over and over searched to its end at each `;`.
            Some(b'/') if s.get(i + 1) == Some(&b'*') => {
                match comment_end(&s[..(i + 65).min(s.len())], i + 2) {
                    Some(e) if e - i < 64 => i = e + 2,
                    _ => return false,
                }
            }
            _ => break,
        }
    }
    let end = s[i..]
        .iter()
        .take(12)
        .position(|c| !c.is_ascii_alphabetic())
        .map_or((i + 12).min(s.len()), |p| i + p);
    let word = &s[i..end];
    // The statement words are 4 to 8 letters long: most words after a `;` are told apart by
    // their length alone (a value can be `a;` from end to end).
    if !(4..=8).contains(&word.len()) {
        return false;
    }
    // The rest by one integer each: a value can be `;exec` from end to end, and comparing the
    // word with each name in turn was most of the detector's time on it.
    STATEMENT_KEYS.contains(&letters_key(word))
}

/// Words that start a statement after `;` (4 to 8 letters).
pub(crate) const STATEMENT_WORDS: [&[u8]; 15] = [
    b"drop",
    b"delete",
    b"insert",
    b"replace",
    b"update",
    b"truncate",
    b"exec",
    b"execute",
    b"declare",
    b"shutdown",
    b"waitfor",
    b"create",
    b"alter",
    b"grant",
    b"revoke",
];

/// `STATEMENT_WORDS`, each one `letters_key`.
const STATEMENT_KEYS: [u64; 15] = {
    let mut keys = [0u64; 15];
    let mut k = 0;
    while k < STATEMENT_WORDS.len() {
        keys[k] = letters_key(STATEMENT_WORDS[k]);
        k += 1;
    }
    keys
};

/// Up to 8 ASCII letters in lower case, as one integer: equal for words equal in any case.
const fn letters_key(word: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut k = 0;
    while k < word.len() && k < 8 {
        // Setting bit 5 lowers a letter's case.
        key |= ((word[k] | 0x20) as u64) << (8 * k);
        k += 1;
    }
    key
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'@' | b'$' | b'.')
}

fn signals(s: &[u8], t: &[Token], first: usize) -> Option<(&'static str, usize)> {
    for (n, tok) in t.iter().enumerate().skip(first) {
        let next = |k: usize| t.get(n + k).map(|t| t.tok);
        match tok.tok {
            Tok::Word(Kw::Union) => {
                let k = if next(1) == Some(Tok::Word(Kw::AllDistinct)) {
                    2
                } else {
                    1
                };
                // In prose ("the union select a new chair") what follows is words; a query
                // selects columns: a literal, `*`, a call, `@@var`, or a list or FROM soon.
                // Looked at only after a SELECT: a value can be UNION over and over.
                let columns = || match next(k + 1) {
                    Some(Tok::Num | Tok::Quote | Tok::Func(_) | Tok::Op | Tok::LParen) => true,
                    Some(Tok::Word(Kw::Literal | Kw::True | Kw::Probe)) => true,
                    _ => (k + 1..k + 7)
                        .any(|j| next(j) == Some(Tok::Comma) || is_word(s, t, n + j, "from")),
                };
                if next(k) == Some(Tok::Word(Kw::Select)) && columns() {
                    return Some(("UNION SELECT", tok.start));
                }
            }
            Tok::Semi => {
                let stacked = match next(1) {
                    Some(Tok::Word(Kw::Statement(st))) => match st {
                        Stmt::Drop | Stmt::Truncate | Stmt::CreateAlter => {
                            matches!(
                                next(2),
                                Some(Tok::Word(Kw::Ident | Kw::Clause)) | Some(Tok::Func(_))
                            ) && table_word(s, t, n + 2)
                        }
                        Stmt::Delete | Stmt::Insert => {
                            matches!(next(2), Some(Tok::Word(Kw::Clause)))
                        }
                        Stmt::Update => {
                            matches!(next(2), Some(Tok::Word(Kw::Ident)))
                                && is_word(s, t, n + 3, "set")
                        }
                        Stmt::Exec => {
                            matches!(next(2), Some(Tok::Word(Kw::Probe) | Tok::Func(_)))
                                || word_prefix(s, t, n + 2, &["xp_", "sp_", "master", "@"])
                        }
                        Stmt::Declare => word_prefix(s, t, n + 2, &["@"]),
                        Stmt::Shutdown => matches!(next(2), None | Some(Tok::Comment | Tok::Quote)),
                        Stmt::Waitfor => {
                            is_word(s, t, n + 2, "delay") || is_word(s, t, n + 2, "time")
                        }
                        Stmt::Grant => is_word(s, t, n + 3, "on") || is_word(s, t, n + 3, "to"),
                    },
                    _ => false,
                };
                if stacked {
                    return Some(("a stacked statement after `;`", tok.start));
                }
            }
            Tok::Word(Kw::Statement(Stmt::Waitfor)) if is_word(s, t, n + 1, "delay") => {
                return Some(("WAITFOR DELAY", tok.start));
            }
            // `sleep(5)`, `benchmark(10000000,md5(1))`, `extractvalue(1,concat(...))`
            Tok::Func(Fun::Probe)
                if next(1) == Some(Tok::LParen)
                    && (matches!(next(2), Some(Tok::Num))
                        && matches!(next(3), Some(Tok::RParen | Tok::Comma))
                        || matches!(next(2), Some(Tok::Quote | Tok::Func(_)))) =>
            {
                let name = word_at(s, tok.start);
                let lower = name.to_ascii_lowercase();
                let probe = !matches!(
                    lower.as_str(),
                    "version"
                        | "database"
                        | "user"
                        | "current_user"
                        | "system_user"
                        | "session_user"
                        | "schema"
                );
                // In a query the call follows an operator, a quote or a keyword (`AND
                // SLEEP(5)`, `'||pg_sleep(3)`), or is the whole value; `Sleep(5) in my loop`
                // starts a sentence.
                let in_query = match n.checked_sub(1).map(|p| t[p].tok) {
                    Some(Tok::Word(Kw::Ident | Kw::Literal | Kw::True)) => {
                        let prev = word_at(s, t[n - 1].start).to_ascii_lowercase();
                        matches!(
                            prev.as_str(),
                            "then" | "else" | "when" | "case" | "if" | "exists" | "return"
                        )
                    }
                    Some(_) => true,
                    None => {
                        let before = s[..tok.start]
                            .iter()
                            .rev()
                            .find(|c| !c.is_ascii_whitespace());
                        match before {
                            Some(c) => matches!(
                                c,
                                b'\''
                                    | b'"'
                                    | b'('
                                    | b')'
                                    | b'='
                                    | b','
                                    | b';'
                                    | b'+'
                                    | b'-'
                                    | b'*'
                                    | b'|'
                                    | b'&'
                                    | b'<'
                                    | b'>'
                                    | b'`'
                            ),
                            None => t[n..]
                                .iter()
                                .rposition(|x| x.tok == Tok::RParen)
                                .is_some_and(|r| {
                                    matches!(
                                        t.get(n + r + 1).map(|x| x.tok),
                                        None | Some(Tok::Comment | Tok::Semi)
                                    )
                                }),
                        }
                    }
                };
                if probe && in_query {
                    return Some(("a time, file or error-based SQL probe", tok.start));
                }
            }
            Tok::Word(Kw::Probe) => {
                // Compared in place: a value can be such words over and over.
                let name = word_at(s, tok.start).as_bytes();
                let catalog = name
                    .get(..18)
                    .is_some_and(|head| head.eq_ignore_ascii_case(b"information_schema"))
                    || name.eq_ignore_ascii_case(b"xp_cmdshell");
                let outfile = (name.eq_ignore_ascii_case(b"outfile")
                    || name.eq_ignore_ascii_case(b"dumpfile"))
                    && n > 0
                    && is_word(s, t, n - 1, "into");
                if catalog || outfile {
                    return Some(("a database catalog, command or file probe", tok.start));
                }
            }
            _ => {}
        }
    }
    None
}

fn word_at(s: &[u8], start: usize) -> &str {
    let end = s[start..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'.')))
        .map_or(s.len(), |p| start + p);
    std::str::from_utf8(&s[start..end]).unwrap_or_default()
}

/// Whether token `n` is the word `w` (of name bytes), in any case: `word_at` compared, without
/// reading the whole word or checking it is UTF-8.
fn is_word(s: &[u8], t: &[Token], n: usize, w: &str) -> bool {
    t.get(n).is_some_and(|t| {
        let w = w.as_bytes();
        s.get(t.start..t.start + w.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(w))
            && !s.get(t.start + w.len()).copied().is_some_and(is_word_byte)
    })
}

/// Whether token `n` is a word that starts with one of `prefixes` (lowercase), in any case.
/// Compared in place: a lowercased copy per `;` was most of this detector's time on a value of
/// `;exec` repeated.
fn word_prefix(s: &[u8], t: &[Token], n: usize, prefixes: &[&str]) -> bool {
    t.get(n).is_some_and(|t| {
        let w = word_at(s, t.start).as_bytes();
        prefixes.iter().any(|p| {
            w.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
        })
    })
}

fn table_word(s: &[u8], t: &[Token], n: usize) -> bool {
    const OBJECTS: &[&str] = &[
        "table",
        "database",
        "schema",
        "user",
        "login",
        "procedure",
        "function",
        "view",
        "trigger",
        "index",
    ];
    t.get(n).is_some_and(|t| {
        let w = word_at(s, t.start);
        OBJECTS.iter().any(|o| w.eq_ignore_ascii_case(o))
    })
}

/// Bytes a signal window spans.
const WINDOW_BYTES: usize = 512;

/// How far a signal window starts before its word, at most.
const BACK_STEPS: usize = 160;

/// What is known of one run of bytes of a class (name bytes, number bytes), so that windows
/// over the same long run do not read it again: `[start, end)` are all of the class, and the
/// byte at `end` is not (or the value ends there).
struct Run {
    in_class: fn(u8) -> bool,
    start: usize,
    end: usize,
}

impl Run {
    fn new(in_class: fn(u8) -> bool) -> Run {
        Run {
            in_class,
            start: 0,
            end: 0,
        }
    }

    /// Whether `s[from..to]` are all of the class. Windows come in order of their word, so
    /// a run is read once, forward from the first `from` that falls outside the known one.
    fn covers(&mut self, s: &[u8], from: usize, to: usize) -> bool {
        if from >= to {
            return true;
        }
        if !(self.start..self.end).contains(&from) {
            let mut end = from;
            while end < s.len() && (self.in_class)(s[end]) {
                end += 1;
            }
            self.start = from;
            self.end = end;
        }
        to <= self.end
    }
}

/// Tokens looked at after a breakout: a working tail shows itself in its first few tokens.
const TAIL_TOKENS: usize = 64;

pub fn detect(value: &str, strictness: Strictness) -> Option<Found> {
    let triggers = super::triggers::Scanner::detectors_only().scan(value.as_bytes());
    detect_within(
        value,
        strictness,
        &triggers.sql_words,
        triggers.statement_word,
        &mut Allowance::unlimited(),
    )
}

/// `sql_words`: where the value holds one of `triggers::SQL_WORDS`, and `statement_word`
/// whether it holds one of `STATEMENT_WORDS` (`triggers::Scanner`). No more signal windows are
/// read than `allowance` has.
pub fn detect_within(
    value: &str,
    strictness: Strictness,
    sql_words: &[usize],
    statement_word: bool,
    allowance: &mut Allowance,
) -> Option<Found> {
    let strict = strictness == Strictness::Sink;
    // The few tokens that decide whether a tail is read, for each placement in turn: one
    // buffer of the thread's, at most `HEAD_TOKENS` long (an allocation per value was about a
    // fifth of this detector's instructions on 8-byte values).
    HEAD.with_borrow_mut(|head| {
        detect_with_head(value, strict, sql_words, statement_word, allowance, head)
    })
}

thread_local! {
    static HEAD: std::cell::RefCell<Vec<Token>> =
        std::cell::RefCell::new(Vec::with_capacity(HEAD_TOKENS));
}

fn detect_with_head(
    value: &str,
    strict: bool,
    sql_words: &[usize],
    statement_word: bool,
    allowance: &mut Allowance,
    head: &mut Vec<Token>,
) -> Option<Found> {
    let s = value.as_bytes();
    let mut hit = None;
    // Placed inside quotes: the first quote that is not doubled ends the literal.
    for q in [b'\'', b'"'] {
        if hit.is_some() {
            break;
        }
        let mut i = 0;
        // A run of quotes: pairs are escaped quotes, an odd one out ends the literal.
        let breakout = loop {
            match memchr::memchr(q, &s[i..]) {
                Some(p) => {
                    let run = s[i + p..].iter().take_while(|&&c| c == q).count();
                    if run % 2 == 1 {
                        break Some(i + p + run - 1);
                    }
                    i += p + run;
                }
                None => break None,
            }
        };
        if let Some(b) = breakout {
            // Most breakouts are followed by a token no injection starts with: a few tokens
            // tell, and the tail is read only when they may start one.
            if may_inject_after(s, b + 1, head) {
                let t = tokenize(s, b + 1, TAIL_TOKENS, true);
                let single = !s[..b].iter().any(u8::is_ascii_whitespace);
                hit = injected(&t, Some(q), strict, single);
            }
        }
    }
    // Placed as a number: the value starts with one.
    if hit.is_none() {
        // Its first two tokens say whether it does; only then is the tail read.
        tokenize_into(s, 0, 2, true, head);
        let n = usize::from(head.first().map(|t| t.tok) == Some(Tok::Op));
        if head.get(n).map(|t| t.tok) == Some(Tok::Num) {
            let t = tokenize(s, 0, TAIL_TOKENS, true);
            hit = injected(&t[n + 1..], None, strict, false);
        }
    }
    if hit.is_none() {
        hit = anywhere(s, sql_words, statement_word, allowance);
    }
    let (technique, at) = hit?;
    Some(Found::new(
        "sql-grammar",
        "sql-injection",
        technique,
        value,
        at.saturating_sub(8),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sqli(v: &str) -> bool {
        detect(v, Strictness::Generic).is_some()
    }

    #[test]
    fn a_word_is_told_from_its_first_bytes_as_from_the_whole_word() {
        const PIECES: &[&str] = &[
            "from", "FROM", "fro", "m", "set", "into", "_", ".", " ", "'", "é", "1",
        ];
        let reference = |s: &[u8], start: usize, w: &str| word_at(s, start).eq_ignore_ascii_case(w);
        let mut checked = 0;
        for v in crate::detect::pieces_joined(PIECES, 13, 5_000, 60) {
            let s = v.as_bytes();
            for start in (0..s.len()).filter(|&i| v.is_char_boundary(i)) {
                let t = [Token {
                    tok: Tok::Other,
                    start,
                }];
                for w in ["from", "set", "into", "on"] {
                    let expected = reference(s, start, w);
                    checked += usize::from(expected);
                    assert_eq!(is_word(s, &t, 0, w), expected, "{v:?} at {start}: {w}");
                }
            }
        }
        assert!(checked > 1_000, "{checked}");
    }

    #[test]
    fn statement_objects_are_told_in_place_as_from_a_lowercased_copy() {
        // The reference lowercases each word, as the first version did.
        fn reference(s: &[u8], start: usize) -> (bool, bool) {
            let w = word_at(s, start).to_ascii_lowercase();
            let prefix = ["xp_", "sp_", "master", "@"]
                .iter()
                .any(|p| w.starts_with(p));
            let table = matches!(
                w.as_str(),
                "table"
                    | "database"
                    | "schema"
                    | "user"
                    | "login"
                    | "procedure"
                    | "function"
                    | "view"
                    | "trigger"
                    | "index"
            );
            (prefix, table)
        }
        const PIECES: &[&str] = &[
            "XP_", "xp_", "Sp_", "MASTER", "Master", "@", "TABLE", "Table", "user", "USERS",
            "view", "x", "_", " ", ".", "1",
        ];
        let mut reached = 0;
        for v in crate::detect::pieces_joined(PIECES, 23, 5_000, 61) {
            let s = v.as_bytes();
            for start in 0..s.len() {
                let t = [Token {
                    tok: Tok::Other,
                    start,
                }];
                let got = (
                    word_prefix(s, &t, 0, &["xp_", "sp_", "master", "@"]),
                    table_word(s, &t, 0),
                );
                let expected = reference(s, start);
                reached += usize::from(expected.0) + usize::from(expected.1);
                assert_eq!(got, expected, "{v:?} at {start}");
            }
        }
        assert!(reached > 1_000, "{reached}");
    }

    #[test]
    fn a_comment_after_a_semicolon_is_searched_only_as_far_as_it_may_close() {
        // The reference searches for the comment's end to the end of the value.
        fn reference(s: &[u8], mut i: usize) -> bool {
            if !s.get(i).is_some_and(|c| {
                c.is_ascii_alphabetic() || matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'+' | b'/')
            }) {
                return false;
            }
            loop {
                match s.get(i) {
                    Some(b' ' | b'\t' | b'\n' | b'\r' | b'+') => i += 1,
                    Some(b'/') if s.get(i + 1) == Some(&b'*') => match comment_end(s, i + 2) {
                        Some(e) if e - i < 64 => i = e + 2,
                        _ => return false,
                    },
                    _ => break,
                }
            }
            let end = s[i..]
                .iter()
                .take(12)
                .position(|c| !c.is_ascii_alphabetic())
                .map_or((i + 12).min(s.len()), |p| i + p);
            [
                "drop", "delete", "insert", "replace", "update", "truncate", "exec", "execute",
                "declare", "shutdown", "waitfor", "create", "alter", "grant", "revoke",
            ]
            .iter()
            .any(|k| s[i..end].eq_ignore_ascii_case(k.as_bytes()))
        }
        const PIECES: &[&str] = &[
            ";",
            "/*",
            "*/",
            "*",
            "/",
            " ",
            "drop",
            "DELETE",
            "update",
            "x",
            "aaaaaaaaaaaaaaaa",
            "Truncate",
            "shutdown",
            "exec",
            "ute",
            "s",
            "waitfor",
            "a",
            "GrAnT",
            "revoke",
            "alterr",
            "eval",
        ];
        let mut follows = 0;
        for v in crate::detect::pieces_joined(PIECES, 29, 4_000, 58) {
            let s = v.as_bytes();
            for i in 0..=s.len() {
                let expected = reference(s, i);
                follows += usize::from(expected);
                assert_eq!(statement_follows(s, i), expected, "{v:?} at {i}");
            }
        }
        assert!(follows > 500, "{follows}");
    }

    /// `anywhere` as it was before windows over long runs of name bytes were passed over:
    /// every window read. The reference for the runs.
    fn anywhere_window_by_window(s: &[u8], words: &[usize]) -> Option<(&'static str, usize)> {
        let mut next = 0;
        let semicolons = std::iter::from_fn(|| {
            let at = next + memchr::memchr(b';', s.get(next..)?)?;
            let mut end = at + 1;
            while s.get(end) == Some(&b';') {
                end += 1;
            }
            next = end;
            Some(end - 1)
        })
        .filter(|&at| {
            !matches!(
                s.get(at + 1),
                None | Some(b'&' | b'|' | b'\'' | b'"' | b')' | b'(')
            )
        })
        .filter(|&at| statement_follows(s, at + 1));
        let mut last_window = usize::MAX;
        let mut t = Vec::with_capacity(12);
        for start in semicolons.chain(words.iter().copied()) {
            let mut from = start;
            let mut steps = 0;
            while from > 0 && steps < 64 && is_word_byte(s[from - 1]) {
                from -= 1;
                steps += 1;
            }
            let word_start = from;
            while from > 0 && steps < 96 && matches!(s[from - 1], b' ' | b'\t' | b'\n') {
                from -= 1;
                steps += 1;
            }
            while from > 0 && steps < 160 && is_word_byte(s[from - 1]) {
                from -= 1;
                steps += 1;
            }
            if from == last_window {
                continue;
            }
            last_window = from;
            let window_end = (from + WINDOW_BYTES).min(s.len());
            tokenize_into(&s[..window_end], from, 12, false, &mut t);
            let first = t.iter().position(|t| t.start >= word_start).unwrap_or(0);
            if let Some(hit) = signals(s, &t, first) {
                return Some(hit);
            }
        }
        None
    }

    #[test]
    fn semicolons_are_read_only_when_a_statement_word_occurs() {
        const PIECES: &[&str] = &[
            ";", " ", "\n", "/*", "*/", "+", "drop", "DELETE", "Upd", "ate", "exec", "x",
            " table ", "users", " from ", " set ", "'", "sleep(1)", "GRANT", "dro", "p", "waitfor",
            " delay ", "shutdown", "@a",
        ];
        let scanner = super::super::triggers::Scanner::detectors_only();
        let reached = crate::detect::agrees_with_reference(
            PIECES,
            5,
            20_000,
            59,
            |v| {
                let t = scanner.scan(v.as_bytes());
                let limit = &mut Allowance::unlimited();
                anywhere(v.as_bytes(), &t.sql_words, t.statement_word, limit)
            },
            |v| {
                let t = scanner.scan(v.as_bytes());
                anywhere(
                    v.as_bytes(),
                    &t.sql_words,
                    true,
                    &mut Allowance::unlimited(),
                )
            },
            Option::is_some,
        );
        assert!(reached > 1_000, "{reached}");
    }

    #[test]
    fn windows_inside_long_names_are_passed_over_as_when_read() {
        // Long runs of name and number bytes around the words, and what ends them.
        const PIECES: &[&str] = &[
            ".dbms_",
            "dbms_lock.sleep(5)",
            "union",
            " union select 1,2",
            "sleep(",
            "1",
            "0x",
            "_",
            "@",
            "$",
            ".",
            "a",
            "Zq9",
            "sys_eval(1)",
            "waitfor delay '0:0:5'",
            ";",
            "; drop table t",
            " ",
            "'",
            "(",
            ")",
            "information_schema.tables",
            "into outfile",
            "#",
            "--",
            "/*",
            "é",
            "\n",
        ];
        let words = |v: &str| {
            super::super::triggers::Scanner::detectors_only()
                .scan(v.as_bytes())
                .sql_words
        };
        let reached = crate::detect::agrees_with_reference(
            PIECES,
            3,
            3_000,
            54,
            |v| anywhere(v.as_bytes(), &words(v), true, &mut Allowance::unlimited()),
            |v| anywhere_window_by_window(v.as_bytes(), &words(v)),
            Option::is_some,
        );
        assert!(reached > 1_000, "{reached}");
        // Mostly long pieces of name and number bytes, so that runs pass `BACK_STEPS` and
        // windows are passed over, with now and then a signal or a break.
        let runs: Vec<&'static str> = [
            ".dbms_", "union", "1", "0x", "_", "@", "$", ".", "a", "Zq9", "sys_e", "waitfor",
            "sleep", "outfile", "9.",
        ]
        .iter()
        .flat_map(|p| [p.repeat(3), p.repeat(17)])
        .chain(
            [
                " union select 1,2",
                "; drop table t",
                "sleep(5)",
                " ",
                "'",
                ";",
                "é",
            ]
            .map(String::from),
        )
        .map(|p| &*Box::leak(p.into_boxed_str()))
        .collect();
        // The generator takes `'static` pieces: these few are leaked for the test's length.
        let runs: &'static [&'static str] = Box::leak(runs.into_boxed_slice());
        let reached = crate::detect::agrees_with_reference(
            runs,
            9,
            3_000,
            54,
            |v| anywhere(v.as_bytes(), &words(v), true, &mut Allowance::unlimited()),
            |v| anywhere_window_by_window(v.as_bytes(), &words(v)),
            Option::is_some,
        );
        assert!(reached > 500, "{reached}");
        // And on values where nearly every window is passed over.
        for unit in [
            ".dbms_", "dbms_", "1union", "a.sleep(", "_union", "@@sys_e", "1.0union",
        ] {
            for tail in ["", " union select 1,2", "; drop table users"] {
                let v = format!("{}{tail}{}", unit.repeat(700), unit.repeat(90));
                let w = words(&v);
                assert_eq!(
                    anywhere(v.as_bytes(), &w, true, &mut Allowance::unlimited()),
                    anywhere_window_by_window(v.as_bytes(), &w),
                    "{unit} {tail}"
                );
            }
        }
    }

    /// Reading a breakout's first tokens before the rest changes nothing: the first tokens of
    /// a longer reading are the shorter reading, read one at a time they say the same, and
    /// where `may_inject` says no, the full reading finds nothing in any mode. Checked on
    /// 20,000 generated strings of SQL pieces.
    #[test]
    fn reading_the_head_first_never_hides_an_injection() {
        const PIECES: &[&str] = &[
            "'", "\"", " ", ")", "(", "or", "and", "union", "select", "all", "order", "by", "1",
            "=", "--", "#", "/*", "*/", ";", "drop", "table", "sleep(5)", "x", "+", "||", "not",
            ",", "null", "waitfor", "delay", "'0:0:5'", "ok", "-", "1e3", "0x1",
        ];
        let mut checked = 0;
        for v in crate::detect::pieces_joined(PIECES, 7, 20_000, 59) {
            let s = v.as_bytes();
            for from in 0..=s.len() {
                let head = tokenize(s, from, HEAD_TOKENS, true);
                let full = tokenize(s, from, TAIL_TOKENS, true);
                let prefix: Vec<(Tok, usize)> = full
                    .iter()
                    .take(HEAD_TOKENS)
                    .map(|t| (t.tok, t.start))
                    .collect();
                let head_pairs: Vec<(Tok, usize)> = head.iter().map(|t| (t.tok, t.start)).collect();
                assert_eq!(head_pairs, prefix, "{v:?} from {from}");
                // Token by token, as the breakouts read it, the head says the same.
                assert_eq!(
                    may_inject_after(s, from, &mut Vec::new()),
                    may_inject(&head),
                    "{v:?} from {from}"
                );
                if !may_inject(&head) {
                    for quote in [Some(b'\''), Some(b'"'), None] {
                        for strict in [false, true] {
                            for single in [false, true] {
                                assert_eq!(
                                    injected(&full, quote, strict, single),
                                    None,
                                    "{v:?} from {from}"
                                );
                            }
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    #[test]
    fn injections_in_every_placement() {
        for v in [
            "' OR '1'='1",
            "1' OR '1'='1",
            "admin'--",
            "admin' #",
            "admin')--",
            "1' OR 1=1 -- ",
            "'/**/or/**/1=1#",
            "1 UNION SELECT username, password FROM users",
            "x' UNION ALL SELECT NULL,NULL--",
            "-1' union all select null,null,version()#",
            "1/*!50000union*/ select 1",
            "1; DROP TABLE users",
            "'; WAITFOR DELAY '0:0:5'--",
            "1 AND SLEEP(5)",
            "x' AND SLEEP(5)-- -",
            "1' AND (SELECT 1 FROM information_schema.tables) --",
            "\" or \"a\"=\"a",
            "1') or ('1'='1",
            "') or ('a'='a",
            "'; EXEC xp_cmdshell 'dir'--",
            "1 AND extractvalue(1, concat(0x7e, version()))",
            "1 or true",
            "' or not 0--",
            "1'||'a'='a",
            "' OR 'x' LIKE 'x",
            "1' ORDER BY 3--+",
            "1) or (1=1",
            "'or 1#",
            "1'or'1'='1",
            "' or ''='",
            "' AND 1=0 UNION ALL SELECT 'admin', 'x'--",
            "'||(select pg_sleep(5))||'",
            "' or 1=1 limit 1 --",
            "x' and 1=(select count(*) from users)--",
            "1;waitfor delay '0:0:5'--",
        ] {
            assert!(is_sqli(v), "missed: {v}");
        }
    }

    #[test]
    fn prose_is_not_sql() {
        for v in [
            "O'Reilly",
            "It's a nice day -- really",
            "I'd say: or not, whatever",
            "She said 'or not' loudly",
            "20% off -- today only",
            "passport & ID",
            "; update user settings",
            "Tom's \"best\" pizza #1",
            "select a size and order now",
            "Don't drop the table, please!",
            "Rock 'n' roll",
            "5' 11\" tall",
            "Meeting at 3 or 4",
            "3 or 4 people",
            "SELECT your favourite plan",
            "Meet me at Union Station, then we select a restaurant.",
            "x = 1 and y = 2",
            "He said: \"or\" and then left",
            "'or' is a conjunction",
            "Say 'yes' or 'no'",
            "I'm 6' 2\" tall and my brother is 5' 11\"",
            "1=1 is always true, said the maths teacher",
            "or 1 = 1 in text without quotes",
            "I sleep (5) hours a night",
            "The 80's -- great decade",
            "\"Great product\" -- Jane",
            "order by date, please",
            "Drop table tennis practice on Friday? I'd rather update the schedule.",
            "Members of the union select a new chair every two years; voting closes Friday.",
            "Sleep(5) in my Arduino loop is blocking the button reads",
            "/items/Sleep(5) in my Arduino loop",
            "2 or more items",
            "It's 'quoted' -- or not",
        ] {
            assert!(
                !is_sqli(v),
                "false positive: {v}: {:?}",
                detect(v, Strictness::Generic)
            );
        }
    }

    #[test]
    fn hostile_shapes_stay_linear_and_quiet() {
        for v in [
            "'".repeat(100_000),
            "(".repeat(100_000),
            "/*".repeat(50_000),
            "' or (".repeat(20_000),
            "--".repeat(50_000),
        ] {
            let _ = detect(&v, Strictness::Generic);
        }
    }
}
