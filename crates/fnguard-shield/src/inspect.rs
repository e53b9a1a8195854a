//! Inspecting attacker-controlled values: each value, as sent and as decoded (URL, HTML and
//! JavaScript escapes, Unicode compatibility forms, base64 and gzip), goes through the
//! grammar-aware detectors (`detect`) and one automaton of the signature rules in
//! `data/rules.toml`. Every step is linear in the value's length, so a hostile value cannot make
//! inspection explode; a time budget still bounds the event as a whole.

use crate::detect::{self, Census, Sinks};
use crate::envelope::{Envelope, Field};
use crate::signatures;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

const BUILTIN: &str = include_str!("../data/rules.toml");

#[derive(Debug, Clone, Deserialize)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
struct RuleSpec {
    id: String,
    class: String,
    description: String,
    pattern: String,
    #[serde(default)]
    keys: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub rule: String,
    pub class: String,
    pub description: String,
    pub record: Option<usize>,
    pub path: String,
    /// The matched text, cut to 120 characters and with control characters escaped.
    pub excerpt: String,
}

#[derive(Debug, Default)]
pub struct Inspection {
    pub hits: Vec<Hit>,
    /// The budget ran out: the values after `fields_inspected` were inspected only at their
    /// start and end (`partial_fields` of them).
    pub incomplete: bool,
    pub fields_inspected: usize,
    pub partial_fields: usize,
    /// Values on which a detector's work allowance ran out (`detect::Allowance`): made of
    /// operators or keywords from end to end, they were judged at their start as far as the
    /// allowance went and at their end.
    pub judged_in_part: usize,
    /// Inspecting past blocking hits (monitor mode), a record (or the event) reached
    /// `REPORTED_HITS_PER_RECORD` of them and its other values were not read.
    pub hits_capped: bool,
}

/// How long an event may be inspected, and what happens once that time is spent.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub time: Duration,
    /// `FNGUARD_FAIL=closed`: the event is blocked once the time is spent, so the rest of it is
    /// not inspected (a hard cap on the work, whatever the content). Otherwise the remaining
    /// values are inspected at their start and end, so that none passes unexamined.
    pub fail_closed: bool,
    /// Block mode: once a value blocks its record (or the whole event), the record's other
    /// values are not inspected, as the verdict cannot change. Events dense with attacks then
    /// cost little; monitor mode inspects everything, to report everything.
    pub stop_at_block: bool,
}

impl From<Duration> for Budget {
    fn from(time: Duration) -> Self {
        Budget {
            time,
            fail_closed: false,
            stop_at_block: false,
        }
    }
}

/// What block mode has already decided to block, while an event is inspected.
#[derive(Default)]
struct Blocked {
    event: bool,
    records: std::collections::HashSet<usize>,
}

/// Monitor mode inspects a record past its first blocking hit, to report what else it holds.
/// Once it has this many, its verdict cannot change and its other values are not read: an
/// event made of attacks would otherwise cost every detector on every value, and a report
/// of thousands of hits says no more than one of a few.
const REPORTED_HITS_PER_RECORD: usize = 16;

/// Once the budget is spent, each remaining value is inspected at its first and last
/// `PARTIAL_BYTES` bytes: payloads sit at one end of a value far more often than in the middle
/// of megabytes of padding, and no value goes unexamined.
const PARTIAL_BYTES: usize = 4096;

/// Values longer than this are inspected in chunks of `CHUNK` bytes that overlap by
/// `CHUNK_OVERLAP` (a payload is far shorter than the overlap, so none is split unseen).
const CHUNKED_VALUE: usize = 256 << 10;
const CHUNK: usize = 64 << 10;
const CHUNK_OVERLAP: usize = 2 << 10;

/// Values longer than this are timed on their own (the clock is read every 32 short values).
const LONG_VALUE: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("rules file: {0}")]
    Parse(String),
    #[error("rule `{id}`: pattern does not compile: {reason}")]
    Pattern { id: String, reason: String },
}

pub struct Detector {
    values: Set,
    keys: Set,
    /// Matcher caches kept from one event to the next (making them costs more than matching
    /// a small event), unless the last inspection was slow: a crafted value can leave a lazy
    /// DFA cache that makes every later search slow, so such a cache is thrown away.
    caches: std::sync::Mutex<Option<(signatures::Caches, signatures::Caches)>>,
}

/// An inspection slower than this leaves fresh matcher caches for the next event.
const SLOW_INSPECTION: Duration = Duration::from_millis(2);

struct Set {
    /// Each rule's own automaton; those whose atoms occur in a value are run over it.
    rules: signatures::Rules,
    specs: Vec<RuleSpec>,
    /// Literals the rules need: only the rules one of whose literals a value holds are run
    /// over it.
    prefilter: crate::atoms::Prefilter,
}

impl Set {
    fn new(specs: Vec<RuleSpec>) -> Result<Set, RulesError> {
        // ASCII semantics (`(?-u)`): payload syntax is ASCII, and Unicode classes would make
        // the automata several times larger and slower to build (extension init time).
        let patterns: Vec<String> = specs
            .iter()
            .map(|s| format!("(?i-u){}", s.pattern))
            .collect();
        // Parsing each pattern alone names the rule whose pattern is broken.
        for (spec, p) in specs.iter().zip(&patterns) {
            regex_syntax::ast::parse::Parser::new()
                .parse(p)
                .map_err(|e| RulesError::Pattern {
                    id: spec.id.clone(),
                    reason: e.to_string(),
                })?;
        }
        let rules =
            signatures::Rules::new(&patterns).map_err(|(i, reason)| RulesError::Pattern {
                id: specs.get(i).map(|s| s.id.clone()).unwrap_or_default(),
                reason,
            })?;
        let raw: Vec<&str> = specs.iter().map(|s| s.pattern.as_str()).collect();
        let prefilter = crate::atoms::Prefilter::new(&raw);
        Ok(Set {
            rules,
            specs,
            prefilter,
        })
    }
}

impl Detector {
    pub fn builtin() -> Result<Detector, RulesError> {
        Detector::from_toml(BUILTIN)
    }

    pub fn from_toml(text: &str) -> Result<Detector, RulesError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RulesError::Parse(e.to_string()))?;
        let (keys, values): (Vec<RuleSpec>, Vec<RuleSpec>) =
            file.rule.into_iter().partition(|r| r.keys);
        Ok(Detector {
            values: Set::new(values)?,
            keys: Set::new(keys)?,
            caches: std::sync::Mutex::new(None),
        })
    }

    pub fn rule_count(&self) -> usize {
        self.values.specs.len() + self.keys.specs.len()
    }

    pub fn inspect(&self, env: &Envelope, budget: impl Into<Budget>) -> Inspection {
        self.inspect_with(env, budget, &|_| Sinks::default())
    }

    /// Inspection under the function's static policy (if any): listed fields are checked with
    /// their sinks' strictness, and hits on fields the policy does not list are returned apart
    /// when its rest mode only monitors them.
    pub fn inspect_with_policy(
        &self,
        env: &Envelope,
        budget: impl Into<Budget>,
        policy: Option<&crate::policy::Active>,
    ) -> (Inspection, Vec<Hit>) {
        let sinks = |f: &Field| policy.map(|p| p.sinks_for(&f.path)).unwrap_or_default();
        let blocks = |h: &Hit| policy.is_none_or(|p| p.blocks(h));
        let mut ins = self.run(env, budget.into(), &sinks, &blocks);
        let monitored = match policy {
            Some(p) => {
                let (blocking, monitored) = p.split(std::mem::take(&mut ins.hits));
                ins.hits = blocking;
                monitored
            }
            None => Vec::new(),
        };
        (ins, monitored)
    }

    /// `sinks` says, per field, which sink classes the static analysis saw the field reach;
    /// those detectors then run strictly.
    pub fn inspect_with(
        &self,
        env: &Envelope,
        budget: impl Into<Budget>,
        sinks: &dyn Fn(&Field) -> Sinks,
    ) -> Inspection {
        self.run(env, budget.into(), sinks, &|_| true)
    }

    /// `blocks` says whether a hit blocks its record (under a policy, hits on fields it does
    /// not list may only be monitored).
    fn run(
        &self,
        env: &Envelope,
        budget: Budget,
        sinks: &dyn Fn(&Field) -> Sinks,
        blocks: &dyn Fn(&Hit) -> bool,
    ) -> Inspection {
        let Budget {
            time: budget,
            fail_closed,
            stop_at_block,
        } = budget;
        let start = Instant::now();
        let mut out = Inspection::default();
        let kept = self.caches.lock().ok().and_then(|mut c| c.take());
        let (values_cache, keys_cache) = kept.unwrap_or_default();
        let mut looks = (Look::with(values_cache), Look::with(keys_cache));
        let mut blocked = Blocked::default();
        // Records (or the event) monitor mode stopped reading at `REPORTED_HITS_PER_RECORD`.
        let mut capped = Blocked::default();
        let mut blocking_hits: std::collections::HashMap<Option<usize>, usize> =
            std::collections::HashMap::new();
        for (n, field) in env.fields.iter().enumerate() {
            let check = n % 32 == 31 || field.value.len() > LONG_VALUE;
            if !out.incomplete && check && start.elapsed() > budget {
                out.incomplete = true;
            }
            if out.incomplete && fail_closed || blocked.event || capped.event {
                break;
            }
            if field
                .record
                .is_some_and(|r| blocked.records.contains(&r) || capped.records.contains(&r))
            {
                continue;
            }
            let before = out.hits.len();
            let (set, cache) = if field.is_key {
                (&self.keys, &mut looks.1)
            } else {
                (&self.values, &mut looks.0)
            };
            if out.incomplete && field.value.len() > 2 * PARTIAL_BYTES {
                out.partial_fields += 1;
                let v = &field.value;
                let mut head = PARTIAL_BYTES;
                while !v.is_char_boundary(head) {
                    head -= 1;
                }
                let mut tail = v.len() - PARTIAL_BYTES;
                while !v.is_char_boundary(tail) {
                    tail += 1;
                }
                let mut reported = FieldHits::starting(&out.hits);
                for part in [&v[..head], &v[tail..]] {
                    let cut = field.with_value(part);
                    self.match_field(set, cache, &cut, sinks(field), &mut reported, &mut out.hits);
                }
                out.judged_in_part += usize::from(reported.detectors.judged_in_part());
            } else if field.value.len() > CHUNKED_VALUE {
                // A long value goes in overlapping chunks with the clock read between them:
                // once the budget is spent only its last chunk is inspected, so no single
                // value can hold the event past its budget by more than two chunks. A value
                // that is base64 or hex of text (gzip perhaps) is decoded first: its chunks
                // would not decode on their own.
                let decoded = whole_text(&field.value);
                let v: &str = decoded.as_deref().unwrap_or(&field.value);
                let mut from = 0;
                let mut cut_short = false;
                let mut reported = FieldHits::starting(&out.hits);
                while from < v.len() {
                    if !out.incomplete && from > 0 && start.elapsed() > budget {
                        out.incomplete = true;
                        cut_short = true;
                        if fail_closed {
                            break;
                        }
                        from = from.max(v.len().saturating_sub(CHUNK));
                    }
                    let mut to = (from + CHUNK).min(v.len());
                    while !v.is_char_boundary(to) {
                        to += 1;
                    }
                    let chunk = field.with_value(&v[from..to]);
                    self.match_field(
                        set,
                        cache,
                        &chunk,
                        sinks(field),
                        &mut reported,
                        &mut out.hits,
                    );
                    let blocking = stop_at_block && out.hits[before..].iter().any(blocks);
                    if blocking || to >= v.len() || cut_short && from > 0 {
                        break;
                    }
                    let mut next = to - CHUNK_OVERLAP;
                    while !v.is_char_boundary(next) {
                        next += 1;
                    }
                    from = next;
                }
                out.judged_in_part += usize::from(reported.detectors.judged_in_part());
                if cut_short {
                    out.partial_fields += 1;
                } else if !out.incomplete {
                    out.fields_inspected += 1;
                }
            } else {
                if !out.incomplete {
                    out.fields_inspected += 1;
                }
                let mut reported = FieldHits::starting(&out.hits);
                self.match_field(
                    set,
                    cache,
                    field,
                    sinks(field),
                    &mut reported,
                    &mut out.hits,
                );
                out.judged_in_part += usize::from(reported.detectors.judged_in_part());
            }
            for h in out.hits[before..].iter().filter(|h| blocks(h)) {
                let count = blocking_hits.entry(h.record).or_default();
                *count += 1;
                let done = if stop_at_block {
                    &mut blocked
                } else if *count >= REPORTED_HITS_PER_RECORD {
                    out.hits_capped = true;
                    &mut capped
                } else {
                    continue;
                };
                match h.record {
                    None => done.event = true,
                    Some(r) => {
                        done.records.insert(r);
                    }
                }
            }
        }
        if start.elapsed() < SLOW_INSPECTION {
            if let Ok(mut c) = self.caches.lock() {
                *c = Some((looks.0.cache, looks.1.cache));
            }
        }
        out
    }

    fn match_field(
        &self,
        set: &Set,
        look: &mut Look,
        field: &Field,
        sinks: Sinks,
        reported: &mut FieldHits,
        hits: &mut Vec<Hit>,
    ) {
        let from = reported.first_hit;
        let push = |hits: &mut Vec<Hit>,
                    rule: &str,
                    class: &str,
                    description: &str,
                    excerpt_text: &str| {
            if hits[from..].iter().any(|h| h.rule == rule) {
                return;
            }
            hits.push(Hit {
                rule: rule.to_string(),
                class: class.to_string(),
                description: description.to_string(),
                record: field.record,
                path: field.path.to_string(),
                excerpt: excerpt(excerpt_text),
            });
        };
        // Once per field, not per variant. A field named for a URL (`redirect_uri`,
        // `webhook_url`, `callback`) is one the handler fetches or redirects to: its hosts are
        // checked as strictly as a field the policy lists as reaching an HTTP client.
        let in_header = host_header(&field.path);
        let mut sinks = sinks;
        sinks.url |=
            !field.is_key && !in_header && detect::net::url_like_name(last_segment(&field.path));
        for candidate in variants(&field.value) {
            if candidate.bomb {
                push(
                    hits,
                    "compression-bomb",
                    "denial-of-service",
                    "compressed data that inflates more than 32 times its size",
                    "",
                );
                continue;
            }
            if candidate.superseded {
                continue;
            }
            let text: &str = &candidate.text;
            let rules_may_match = set.prefilter.scan_into(text.as_bytes(), &mut look.triggers);
            let triggers = &look.triggers;
            let matched = if rules_may_match {
                set.prefilter
                    .plan(triggers, text.as_bytes(), &mut look.plan);
                set.rules.matching_within(
                    &mut look.cache,
                    text.as_bytes(),
                    &look.plan.rules,
                    &look.plan.windows,
                )
            } else {
                Vec::new()
            };
            for i in matched {
                let spec = &set.specs[i];
                let m = set
                    .rules
                    .regex(i)
                    .and_then(|r| r.find(text.as_bytes()))
                    .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                    .unwrap_or_default();
                push(hits, &spec.id, &spec.class, &spec.description, &m);
            }
            if !candidate.text_like {
                continue;
            }
            if field.is_key {
                if let Some(f) = detect::key(text, &field.path) {
                    push(hits, f.rule, f.class, f.description, &f.excerpt);
                }
            } else {
                for f in detect::value_with(
                    text,
                    candidate.census,
                    triggers,
                    sinks,
                    in_header,
                    &mut reported.detectors,
                ) {
                    push(hits, f.rule, f.class, f.description, &f.excerpt);
                }
            }
        }
    }
}

/// What a field's first look works with: the signature matcher's caches (kept from one event
/// to the next) and lists kept from one value to the next within an event.
struct Look {
    cache: signatures::Caches,
    triggers: detect::triggers::Triggers,
    plan: crate::atoms::Plan,
}

impl Look {
    fn with(cache: signatures::Caches) -> Look {
        Look {
            cache,
            triggers: detect::triggers::Triggers::default(),
            plan: crate::atoms::Plan::default(),
        }
    }
}

/// What one field has been reported for so far, across its decoded forms and chunks: its hits
/// start at `first_hit` (one per rule), and detectors that have reported it are not run again.
struct FieldHits {
    first_hit: usize,
    detectors: detect::Reported,
}

impl FieldHits {
    fn starting(hits: &[Hit]) -> FieldHits {
        FieldHits {
            first_hit: hits.len(),
            detectors: detect::Reported::default(),
        }
    }
}

/// `Records[0].body.redirect_uri` → `redirect_uri`.
fn last_segment(path: &str) -> &str {
    // Byte searches: `.` and `[` are ASCII, and a `char` pattern decodes every character.
    let from = memchr::memrchr(b'.', path.as_bytes()).map_or(0, |i| i + 1);
    let last = &path[from..];
    match memchr::memchr(b'[', last.as_bytes()) {
        Some(end) => &last[..end],
        None => last,
    }
}

/// `s.trim()`, without decoding characters when both ends are ASCII and not whitespace (the
/// case of nearly every value, for which `trim` cost more than the rest of a short value's
/// first look).
fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Headers that name hosts and origins in every request (`Host: 127.0.0.1:3000` in local
/// development): only metadata addresses count there.
fn host_header(path: &str) -> bool {
    let Some(name) = path
        .strip_prefix("headers.")
        .or_else(|| path.strip_prefix("multiValueHeaders."))
    else {
        return false;
    };
    let name = name.split('[').next().unwrap_or(name).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "host" | "origin" | "referer" | "forwarded" | "via" | "x-real-ip" | "true-client-ip"
    ) || name.starts_with("x-forwarded-")
}

struct Variant<'a> {
    text: std::borrow::Cow<'a, str>,
    /// The value as sent, when its decoded form follows: only the decoded form is read.
    /// Decoding turns escapes into what they stand for and leaves the rest as it is, so what
    /// the detectors and signatures look for in the value is in its decoded form too (every
    /// corpus value hits the same rules either way), and encoded input no longer costs two
    /// inspections.
    superseded: bool,
    /// Text a person or program wrote, rather than binary shown byte for byte: only the
    /// signature rules (serialization magic) look at binary.
    text_like: bool,
    census: Census,
    /// Compressed data that inflates past `MAX_RATIO` times its size.
    bomb: bool,
}

impl Variant<'_> {
    /// Text decoded from the value, with its own census.
    fn text(text: String) -> Variant<'static> {
        Variant {
            census: Census::of(&text),
            text: std::borrow::Cow::Owned(text),
            superseded: false,
            text_like: true,
            bomb: false,
        }
    }

    /// An unused slot of `Variants`.
    fn none() -> Variant<'static> {
        Variant {
            text: std::borrow::Cow::Borrowed(""),
            superseded: false,
            text_like: false,
            census: Census::default(),
            bomb: false,
        }
    }

    /// The first bytes of binary data, for the serialization signatures only.
    fn binary(text: String) -> Variant<'static> {
        Variant {
            text: std::borrow::Cow::Owned(text),
            superseded: false,
            text_like: false,
            census: Census::default(),
            bomb: false,
        }
    }
}

/// How much of binary data decoded from base64 the serialization signatures look at.
const MAGIC_CHARS: usize = 256;

/// How many times its size compressed data may inflate to before it counts as a bomb.
const MAX_RATIO: u64 = 32;

/// The value as sent; fully decoded (`detect::normalize`); and, when the whole value is
/// base64 (and perhaps gzip inside), what it decodes to.
fn variants(value: &str) -> Variants<'_> {
    let census = Census::of(value);
    let mut out = Variants::of(Variant {
        text: std::borrow::Cow::Borrowed(value),
        superseded: false,
        text_like: true,
        census,
        bomb: false,
    });
    if census.has(Census::ENCODED | Census::NON_ASCII) {
        if let Some(d) = detect::normalize::decoded(value) {
            out.items[0].superseded = true;
            out.push(Variant::text(d));
        }
    }
    let whole = (!census.has(Census::NOT_BASE64))
        .then(|| hex_value(trimmed(value)).or_else(|| base64_value(value)))
        .flatten();
    if whole.is_none() {
        // Encoded tokens inside a longer value (`cursor=MTAgVU5J...`, a hex blob after a key):
        // decoded, and what is text joins one more variant.
        let (text, binary) = encoded_tokens(value);
        if !text.is_empty() {
            out.push(Variant::text(text));
        }
        if !binary.is_empty() {
            out.push(Variant::binary(binary));
        }
        return out;
    }
    {
        let Some(bytes) = whole else {
            return out;
        };
        let limit = inflation_limit(bytes.len());
        let bytes = match crate::envelope::gunzip_if_gzip(&bytes, limit) {
            Some(inflated) => {
                if inflated.len() as u64 >= limit {
                    out.push(Variant {
                        text: std::borrow::Cow::Borrowed(""),
                        superseded: false,
                        text_like: false,
                        census: Census::default(),
                        bomb: true,
                    });
                    // The bomb decides the verdict; what it inflated to is not read.
                    return out;
                }
                inflated
            }
            None => bytes,
        };
        let long = trimmed(value).len() >= 24;
        match String::from_utf8(bytes) {
            // Text inside base64, perhaps encoded again: read as sent and decoded.
            Ok(s) if printable(&s) => {
                let census = Census::of(&s);
                let decoded = census
                    .has(Census::ENCODED | Census::NON_ASCII)
                    .then(|| detect::normalize::decoded(&s))
                    .flatten();
                // One more layer: tokens encoded again inside the decoded text.
                let (inner, _) = encoded_tokens(&s);
                if !inner.is_empty() {
                    out.push(Variant::text(inner));
                }
                out.push(Variant {
                    text: std::borrow::Cow::Owned(s),
                    superseded: decoded.is_some(),
                    text_like: true,
                    census,
                    bomb: false,
                });
                if let Some(d) = decoded {
                    out.push(Variant::text(d));
                }
            }
            // Binary: only serialization magic is looked for, and only in values long enough
            // not to be a word that happens to be valid base64.
            // Serialized objects announce themselves in their first bytes (Java's stream
            // header, pickle's protocol opcode, .NET's record header).
            Ok(s) if long => out.push(Variant::binary(s.chars().take(MAGIC_CHARS).collect())),
            Err(e) if long => out.push(Variant::binary(
                e.as_bytes()
                    .iter()
                    .take(MAGIC_CHARS)
                    .map(|&b| b as char)
                    .collect(),
            )),
            _ => {}
        }
    }
    out
}

/// The forms of one value (`variants`), kept inline: a list on the heap cost an allocation
/// per value, about a twentieth of a short value's inspection.
struct Variants<'a> {
    items: [Variant<'a>; MAX_VARIANTS],
    len: usize,
}

/// Room for the forms `variants` makes of one value, one more than its longest paths make
/// (4): as sent, its decoded text, and the text and binary of its encoded tokens; or as sent
/// (a value of base64 characters only has no escapes to decode), the text inside its base64,
/// that text decoded, and the tokens encoded again inside it.
const MAX_VARIANTS: usize = 5;

impl<'a> Variants<'a> {
    fn of(first: Variant<'a>) -> Variants<'a> {
        let mut items: [Variant<'a>; MAX_VARIANTS] = std::array::from_fn(|_| Variant::none());
        items[0] = first;
        Variants { items, len: 1 }
    }

    fn push(&mut self, v: Variant<'a>) {
        // `MAX_VARIANTS` counts every path of `variants`; a form past it would go unread.
        debug_assert!(self.len < MAX_VARIANTS);
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = v;
            self.len += 1;
        }
    }
}

impl<'a> std::ops::Deref for Variants<'a> {
    type Target = [Variant<'a>];

    fn deref(&self) -> &[Variant<'a>] {
        &self.items[..self.len]
    }
}

impl<'a> IntoIterator for Variants<'a> {
    type Item = Variant<'a>;
    type IntoIter = std::iter::Take<std::array::IntoIter<Variant<'a>, MAX_VARIANTS>>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter().take(self.len)
    }
}

/// Real compressed payloads inflate a few times over; a bomb is stopped at a ratio that keeps
/// inspection proportional to what was sent, and reported.
fn inflation_limit(compressed: usize) -> u64 {
    (compressed as u64 * MAX_RATIO).clamp(64 << 10, crate::envelope::MAX_INFLATED)
}

/// What a value that is base64 or hex from end to end holds, when that is text: inflated if
/// it is gzip or zlib data that stays under the bomb ratio (a bomb is left to the chunks, whose
/// first one reports it).
fn whole_text(value: &str) -> Option<String> {
    if !may_hold_text(value) || Census::of(value).has(Census::NOT_BASE64) {
        return None;
    }
    let bytes = hex_value(trimmed(value)).or_else(|| base64_value(value))?;
    let limit = inflation_limit(bytes.len());
    let bytes = match crate::envelope::gunzip_if_gzip(&bytes, limit) {
        Some(inflated) if (inflated.len() as u64) < limit => inflated,
        Some(_) => return None,
        None => bytes,
    };
    String::from_utf8(bytes).ok().filter(|s| printable(s))
}

/// Whether base64 or hex `v` may decode to text or compressed data: its first 4 KB, decoded,
/// start with gzip or zlib's magic or are printable UTF-8 (perhaps cut inside a character).
/// Most long base64 is binary, and this tells without decoding all of it. Base64 of text that
/// starts otherwise still decodes chunk by chunk (chunks start at multiples of 4 characters).
fn may_hold_text(v: &str) -> bool {
    use base64::Engine;
    // Only the first bytes are trimmed: trimming a value of blanks would read all of it.
    let b = v.as_bytes();
    let b = b[..b.len().min(8192)].trim_ascii_start();
    let head = &b[..b.len().min(4096) / 4 * 4];
    if head.is_empty() {
        return false;
    }
    let text_or_compressed = |b: &[u8]| {
        let text = match std::str::from_utf8(b) {
            Ok(s) => printable(s),
            Err(e) => e.error_len().is_none() && printable(&String::from_utf8_lossy(b)),
        };
        text || crate::envelope::is_gzip(b) || crate::envelope::is_zlib(b)
    };
    // Hex digits are base64 characters too: either reading may be the one that decodes.
    let as_hex = head.iter().all(u8::is_ascii_hexdigit).then(|| {
        let mut bytes = Vec::new();
        hex_token_into(head, &mut bytes);
        bytes
    });
    let as_base64 = [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ]
    .iter()
    .find_map(|e| e.decode(head).ok());
    as_hex.is_some_and(|b| text_or_compressed(&b))
        || as_base64.is_some_and(|b| text_or_compressed(&b))
}

/// Base64 (16+ characters) and hex (16+ digits, even) tokens of a value, decoded: the printable
/// ones joined as text, the first bytes of the binary ones (serialization magic) as Latin-1.
/// Every token is decoded: with a cap on their number, a payload after that many harmless
/// tokens would pass unread. The decoded text is at most three quarters of the value.
fn encoded_tokens(value: &str) -> (String, String) {
    let mut text = String::new();
    let mut binary = String::new();
    // What each token decodes to, in one buffer.
    let mut scratch = Vec::new();
    let bytes = value.as_bytes();
    let separator = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|&b| TOKEN_CLASS[b as usize] & SEPARATOR != 0)
    };
    // Only tokens of `MIN_TOKEN` bytes or more are decoded. From a place a token may start,
    // the byte `MIN_TOKEN - 1` further is looked at first and the bytes before it backwards
    // to the last separator: text of short words is read about one byte in ten, and no byte
    // is looked at twice (`clean`).
    let mut start = 0;
    // `bytes[start..clean]` holds no separator.
    let mut clean = 0;
    while start + MIN_TOKEN <= bytes.len() {
        let probe = start + MIN_TOKEN - 1;
        let floor = start.max(clean);
        if let Some(last) = (floor..=probe).rev().find(|&i| separator(i)) {
            start = last + 1;
            clean = probe + 1;
            continue;
        }
        let end = next_separator(bytes, probe + 1);
        if end == bytes.len() {
            decode_token(value, start, end, &mut text, &mut binary, &mut scratch);
            break;
        }
        if let Some(run_end) = wrapped_run(bytes, start, end) {
            decode_wrapped(&value[start..run_end], &mut text, &mut binary, &mut scratch);
            start = run_end + 1;
        } else {
            decode_token(value, start, end, &mut text, &mut binary, &mut scratch);
            start = end + 1;
        }
        clean = start;
    }
    if binary.trim().is_empty() {
        binary.clear();
    }
    (text, binary)
}

/// Shortest token decoded (16 characters of base64 are 12 bytes).
const MIN_TOKEN: usize = 16;

/// The first separator at or after `from` (or the end): where a long token ends. Past the
/// next few bytes, read 64 at a time, as a mask built without a branch per byte.
fn next_separator(bytes: &[u8], from: usize) -> usize {
    // The next bytes plainly: most tokens end within them (a mask per token end was slower).
    let near = (from + 16).min(bytes.len());
    if let Some(p) = bytes.get(from..near).and_then(|b| {
        b.iter()
            .position(|&c| TOKEN_CLASS[c as usize] & SEPARATOR != 0)
    }) {
        return from + p;
    }
    let mut block = near;
    while let Some(chunk) = bytes.get(block..(block + 64).min(bytes.len())) {
        if chunk.is_empty() {
            break;
        }
        let mut ends = 0u64;
        for (k, &b) in chunk.iter().enumerate() {
            ends |= u64::from(TOKEN_CLASS[b as usize] & SEPARATOR != 0) << k;
        }
        if ends != 0 {
            return block + ends.trailing_zeros() as usize;
        }
        block += 64;
    }
    bytes.len()
}

/// Base64 wrapped in lines of one width (MIME's 76 characters, PEM's 64), whose first line is
/// `bytes[from..end]`: where the run's last line ends, when there are two lines or more. Such
/// a run is one encoding: decoded line by line, text would be cut every 57 bytes.
fn wrapped_run(bytes: &[u8], from: usize, end: usize) -> Option<usize> {
    let width = end - from;
    let starts_line = from == 0 || bytes.get(from - 1) == Some(&b'\n');
    if width < 16 || !width.is_multiple_of(4) || !starts_line {
        return None;
    }
    // The standard alphabet, from the class table (one lookup a byte).
    let alphabet = |c: &u8| TOKEN_CLASS[*c as usize] & (BASE64 | URL_SAFE) == BASE64;
    if !bytes[from..end].iter().all(alphabet) {
        return None;
    }
    let mut run_end = end;
    let mut lines = 1;
    loop {
        let next = match bytes.get(run_end..) {
            Some([b'\n', ..]) => run_end + 1,
            Some([b'\r', b'\n', ..]) => run_end + 2,
            _ => break,
        };
        let rest = &bytes[next..];
        let data = rest.iter().take(width).take_while(|c| alphabet(c)).count();
        let padding = rest[data..]
            .iter()
            .take((width - data).min(2))
            .take_while(|&&c| c == b'=')
            .count();
        let line = data + padding;
        let ends_line = matches!(rest.get(line), None | Some(b'\r' | b'\n'));
        if line == 0 || !ends_line {
            break;
        }
        run_end = next + line;
        lines += 1;
        // A short line or padding is the last one.
        if line < width || padding > 0 {
            break;
        }
    }
    (lines >= 2).then_some(run_end)
}

/// Decodes the lines of a `wrapped_run` as one token.
fn decode_wrapped(lines: &str, text: &mut String, binary: &mut String, scratch: &mut Vec<u8>) {
    // Line by line, not character by character: a run can be a whole email part.
    let mut joined = String::with_capacity(lines.len());
    for line in lines.split(['\r', '\n']) {
        joined.push_str(line.trim_end_matches('='));
    }
    decode_token(&joined, 0, joined.len(), text, binary, scratch)
}

/// Byte classes for `encoded_tokens` and `base64_value`.
const SEPARATOR: u8 = 1;
const HEX_DIGIT: u8 = 1 << 1;
const DIGIT: u8 = 1 << 2;
/// The base64 alphabets' characters (standard and URL-safe, without padding).
const BASE64: u8 = 1 << 3;
/// A digit, `+` or `/`: words and identifiers are valid base64 too, these say it is data.
const DATA: u8 = 1 << 4;
/// `+` and `/`, of the standard alphabet only.
const STANDARD: u8 = 1 << 5;
/// `-` and `_`, of the URL-safe alphabet only.
const URL_SAFE: u8 = 1 << 6;
/// `=`, base64's padding (a separator between tokens).
const PAD: u8 = 1 << 7;

/// Base64 and hex are ASCII: any other byte, and any ASCII separator, ends a token.
const TOKEN_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let separator = b >= 0x80
            || b.is_ascii_whitespace()
            || b == 0x0b
            || matches!(
                b,
                b'=' | b'&'
                    | b','
                    | b';'
                    | b':'
                    | b'"'
                    | b'\''
                    | b'('
                    | b')'
                    | b'<'
                    | b'>'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
            );
        let mut bits = 0;
        if separator {
            bits |= SEPARATOR;
        }
        if b.is_ascii_hexdigit() {
            bits |= HEX_DIGIT;
        }
        if b.is_ascii_digit() {
            bits |= DIGIT | DATA;
        }
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_') {
            bits |= BASE64;
        }
        if matches!(b, b'+' | b'/') {
            bits |= DATA | STANDARD;
        }
        if matches!(b, b'-' | b'_') {
            bits |= URL_SAFE;
        }
        if b == b'=' {
            bits |= PAD;
        }
        t[c] = bits;
        c += 1;
    }
    t
};

/// Decodes the token `value[from..end]` (at least 16 bytes between separators) if it is hex or
/// base64 data, into `text` when printable and `binary` otherwise.
fn decode_token(
    value: &str,
    from: usize,
    end: usize,
    text: &mut String,
    binary: &mut String,
    scratch: &mut Vec<u8>,
) {
    // Token bounds are ASCII bytes, so they are character boundaries.
    let Some(token) = value.get(from..end) else {
        return;
    };
    // Every class at once: all of them (`and`) and any of them (`or`), up to the first byte
    // of neither alphabet (`1.1.1.1...` is one long token).
    let mut and = u8::MAX;
    let mut or = 0u8;
    for c in token.bytes() {
        let class = TOKEN_CLASS[c as usize];
        and &= class;
        or |= class;
        if and & (HEX_DIGIT | BASE64) == 0 {
            return;
        }
    }
    // The classes already say which decoding applies; the decoders do not read them again.
    let hex = and & HEX_DIGIT != 0 && token.len().is_multiple_of(2) && and & DIGIT == 0;
    let decoded = if hex {
        hex_token_into(token.as_bytes(), scratch);
        true
    } else if and & BASE64 != 0 && or & DATA != 0 {
        base64_token_into(token.as_bytes(), or, scratch)
    } else {
        false
    };
    if !decoded {
        return;
    }
    // Room for the rest of the value at the first token of each kind: a value of short
    // tokens would otherwise grow these a dozen times (what a token decodes to is shorter than
    // the token; binary goes out as Latin-1, and may grow once more).
    let room = |out: &mut String| {
        if out.capacity() == 0 {
            out.reserve(value.len() - from);
        }
    };
    match std::str::from_utf8(scratch) {
        Ok(s) if printable(s) => {
            room(text);
            text.push_str(s);
            text.push('\n');
        }
        Ok(s) => {
            room(binary);
            binary.extend(s.chars().take(MAGIC_CHARS));
        }
        Err(_) => {
            room(binary);
            binary.extend(scratch.iter().take(MAGIC_CHARS).map(|&b| b as char));
        }
    }
    binary.push('\n');
}

/// Hex digits, an even number of them, into bytes in `out` (cleared first).
fn hex_token_into(token: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(
        token
            .chunks_exact(2)
            .map(|p| (NIBBLE[p[0] as usize] << 4) | NIBBLE[p[1] as usize]),
    );
}

/// A token of base64 characters without padding (what `encoded_tokens` cuts: `=` ends a
/// token) decoded into `out`, exactly as `base64_into` would, without its engines or another
/// pass over the classes (`or`, of every byte, says which alphabets occur).
fn base64_token_into(token: &[u8], or: u8, out: &mut Vec<u8>) -> bool {
    // No alphabet has both `+/` and `-_`; a last group of one character is no whole byte.
    if or & STANDARD != 0 && or & URL_SAFE != 0 || token.len() % 4 == 1 {
        return false;
    }
    let unused_bits = match token.len() % 4 {
        2 => 0b1111,
        3 => 0b11,
        _ => 0,
    };
    if token.last().is_some_and(|&c| sextet(c) & unused_bits != 0) {
        return false;
    }
    // Sized once and written in place: tokens are short, and growing the buffer 3 bytes at a
    // time cost more than decoding them.
    let quads = token.chunks_exact(4);
    let rest = quads.remainder();
    let last_bytes = rest.len().saturating_sub(1);
    out.clear();
    out.resize(token.len() / 4 * 3 + last_bytes, 0);
    let (whole, last) = out.split_at_mut(token.len() / 4 * 3);
    for (q, o) in quads.zip(whole.chunks_exact_mut(3)) {
        let n = u32::from(sextet(q[0])) << 18
            | u32::from(sextet(q[1])) << 12
            | u32::from(sextet(q[2])) << 6
            | u32::from(sextet(q[3]));
        o.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    // A last group of 2 or 3 characters holds 1 or 2 bytes.
    let n = rest
        .iter()
        .enumerate()
        .fold(0u32, |n, (k, &c)| n | u32::from(sextet(c)) << (18 - 6 * k));
    last.copy_from_slice(&n.to_be_bytes()[1..1 + last_bytes]);
    true
}

/// A value of hex digits from end to end, even and at least 16 long.
fn hex_value(v: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    hex_into(v, &mut out).then_some(out)
}

/// `hex_value` into `out` (cleared first): whether `v` was hex.
fn hex_into(v: &str, out: &mut Vec<u8>) -> bool {
    let b = v.as_bytes();
    if b.len() < 16 || !b.len().is_multiple_of(2) || !b.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    // A number (an id, a timestamp) is not an encoding.
    if b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    hex_token_into(b, out);
    true
}

/// Text a person or program wrote: at most one character in ten is a control character other
/// than whitespace.
fn printable(s: &str) -> bool {
    let b = s.as_bytes();
    // Characters are the bytes that start one; ASCII's control characters are below 0x20
    // (but `\t` to `\r`, whitespace) and 0x7F. One pass without a branch, counting in bytes
    // 255 at a time (the two counts walked the characters twice before), and noting whether
    // any byte is not ASCII.
    let (mut chars, mut control) = (0usize, 0usize);
    let mut any = 0u8;
    for chunk in b.chunks(255) {
        let (mut chunk_chars, mut chunk_control) = (0u8, 0u8);
        for &c in chunk {
            any |= c;
            chunk_chars += u8::from(c & 0xC0 != 0x80);
            chunk_control +=
                u8::from(c < 0x20) - u8::from(c.wrapping_sub(0x09) < 5) + u8::from(c == 0x7F);
        }
        chars += usize::from(chunk_chars);
        control += usize::from(chunk_control);
    }
    // C1's control characters are `C2 80` to `C2 9F` in UTF-8, but `C2 85` (next line) is
    // whitespace. Only text that is not ASCII has them.
    if any >= 0x80 {
        control += memchr::memchr_iter(0xC2, b)
            .filter(|&i| {
                b.get(i + 1)
                    .is_some_and(|&n| (0x80..=0x9F).contains(&n) && n != 0x85)
            })
            .count();
    }
    control * 10 <= chars.max(1)
}

/// A value that is base64 from end to end (standard or URL-safe alphabet, padded or not), at
/// least 8 characters; what it decodes to counts as text only when it is printable.
fn base64_value(value: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    base64_into(value, &mut out).then_some(out)
}

/// `base64_value` into `out`: whether `value` was base64. A value of tokens that are not (a
/// path of words and slashes) tries an engine or two per token, and an attempt that fails
/// allocates nothing once `out` has room.
fn base64_into(value: &str, out: &mut Vec<u8>) -> bool {
    use base64::engine::general_purpose as engine;
    use base64::Engine;
    let v = trimmed(value);
    if v.len() < 8 {
        return false;
    }
    // Every byte's classes in one pass: whether all are in the alphabets (or padding), and
    // which kinds occur.
    let (mut all, mut or) = (true, 0u8);
    for c in v.bytes() {
        let class = TOKEN_CLASS[c as usize];
        all &= class & (BASE64 | PAD) != 0;
        or |= class;
    }
    // A word (letters only) is not an encoding.
    if !all || or & (DIGIT | STANDARD | URL_SAFE | PAD) == 0 {
        return false;
    }
    // Base64 of whole bytes ends in a group of 2, 3 or 4 characters, and in a group of 2 or 3
    // the last character's low bits are unused and zero: every engine rejects anything else,
    // and a token that breaks it (a path of words and slashes) is told without a decode.
    let data = v.trim_end_matches('=').as_bytes();
    let unused_bits = match data.len() % 4 {
        0 => 0,
        1 => return false,
        2 => 0b1111,
        _ => 0b11,
    };
    if data.last().is_some_and(|&c| sextet(c) & unused_bits != 0) {
        return false;
    }
    // An engine whose alphabet lacks a byte of the value fails on it: not tried.
    let standard = or & URL_SAFE == 0;
    let url_safe = or & STANDARD == 0;
    let engines = [
        (standard, &engine::STANDARD),
        (standard, &engine::STANDARD_NO_PAD),
        (url_safe, &engine::URL_SAFE),
        (url_safe, &engine::URL_SAFE_NO_PAD),
    ];
    engines
        .iter()
        .filter(|(possible, _)| *possible)
        .any(|(_, e)| {
            out.clear();
            e.decode_vec(v, out).is_ok()
        })
}

/// The 6 bits a base64 character stands for (either alphabet; `=` and others: 0).
fn sextet(c: u8) -> u8 {
    SEXTET[c as usize]
}

const SEXTET: [u8; 256] = digit_values(&[
    (b'A', b'Z', 0),
    (b'a', b'z', 26),
    (b'0', b'9', 52),
    (b'+', b'+', 62),
    (b'-', b'-', 62),
    (b'/', b'/', 63),
    (b'_', b'_', 63),
]);

/// A hex digit's value (either case; others: 0).
const NIBBLE: [u8; 256] = digit_values(&[(b'0', b'9', 0), (b'a', b'f', 10), (b'A', b'F', 10)]);

/// A table of digit values: the bytes `first..=last` of each range stand for `value`,
/// `value + 1`, ...; other bytes for 0.
const fn digit_values(ranges: &[(u8, u8, u8)]) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut r = 0;
    while r < ranges.len() {
        let (first, last, value) = ranges[r];
        let mut c = first;
        while c <= last {
            t[c as usize] = value + (c - first);
            c += 1;
        }
        r += 1;
    }
    t
}

fn excerpt(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(120) {
        if c.is_control() {
            out.push_str(&c.escape_default().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn byte_helpers_agree_with_the_str_methods() {
        let samples = [
            "",
            " ",
            "a",
            " a ",
            "\u{a0}x\u{a0}",
            "x\u{2003}",
            "\u{3000}",
            "é",
            "\té\n",
            "body.redirect_uri",
            "Records[0].body.url",
            "a.b[1].c[2]",
            "[0]",
            "a.",
            ".",
            "é.ü[",
            "headers.x-forwarded-for[0]",
            "no dots",
        ];
        for s in samples {
            assert_eq!(trimmed(s), s.trim(), "{s:?}");
            let last = s.rsplit('.').next().unwrap_or(s);
            assert_eq!(
                last_segment(s),
                last.split('[').next().unwrap_or(last),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_long_encoded_value_is_decoded_before_it_is_cut_in_chunks() {
        use base64::Engine;
        use std::io::Write;
        // Log lines, gzip'd and base64'd past the chunked size, with one injection at the end:
        // a chunk of base64 from the middle of a gzip stream decodes to nothing.
        let mut text = String::new();
        for n in 0..60_000u64 {
            text.push_str(&format!(
                "{{\"id\": {}, \"msg\": \"order {} shipped\"}}\n",
                n.wrapping_mul(2654435761) % 1_000_003,
                n.wrapping_mul(40503) % 65_537
            ));
        }
        text.push_str("{\"msg\": \"x; cat /etc/passwd\"}\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let rules = |value: String| {
            assert!(value.len() > CHUNKED_VALUE);
            value_rules(value)
        };
        let b64 = base64::engine::general_purpose::STANDARD;
        assert_eq!(rules(b64.encode(&gz)), ["shell-grammar"]);
        assert_eq!(rules(b64.encode(text.as_bytes())), ["shell-grammar"]);
        let tail = &text[text.len() - 150_000..];
        let hex: String = tail.bytes().map(|c| format!("{c:02x}")).collect();
        assert_eq!(rules(hex), ["shell-grammar"]);
        // Binary data is still read in chunks (its first bytes hold any serialization magic).
        let random: Vec<u8> = (0..300_000u64)
            .map(|n| (n.wrapping_mul(6364136223846793005) >> 56) as u8)
            .collect();
        assert!(rules(b64.encode(random)).is_empty());
    }

    /// `base64_value` as it was, a pass per check and every engine tried: the reference.
    fn base64_value_engine_by_engine(value: &str) -> Option<Vec<u8>> {
        use base64::Engine;
        let v = value.trim();
        if v.len() < 8
            || !v
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
            || v.bytes().all(|c| c.is_ascii_alphanumeric())
                && !v.bytes().any(|c| c.is_ascii_digit())
        {
            return None;
        }
        let engines = [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        engines.iter().find_map(|e| e.decode(v).ok())
    }

    #[test]
    fn base64_values_decode_as_with_every_engine_tried() {
        // Mostly whole quanta of each alphabet (so that many strings decode), some padding,
        // and bytes no alphabet has.
        const PIECES: &[&str] = &[
            "QUJD", "REVG", "Zm9v", "abcd", "0000", "YQ==", "YWI=", "-_-_", "+/+/", "a-b_", "a+b/",
            "ab", "=", "-", "+", "7", " ", "é", "\n", ".", "Q", "E", "w", "A", "g", "_", "/",
        ];
        let decoded = crate::detect::agrees_with_reference(
            PIECES,
            5,
            30_000,
            60,
            base64_value,
            base64_value_engine_by_engine,
            Option::is_some,
        );
        assert!(decoded > 500, "{decoded}");
    }

    /// `text` base64'd and wrapped at `width` with `eol`, as MIME and PEM write it.
    fn wrapped(text: &str, width: usize, eol: &str) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(width)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        lines.join(eol)
    }

    fn value_rules(value: String) -> Vec<String> {
        let env = Envelope {
            trigger: crate::envelope::Trigger::Unknown,
            fields: vec![Field {
                record: None,
                path: "body".into(),
                value: value.into(),
                is_key: false,
            }],
            records: vec![],
            violations: vec![],
            multi_value_headers: false,
        };
        let d = Detector::builtin().unwrap();
        let out = d.inspect(&env, Duration::from_secs(60));
        out.hits.iter().map(|h| h.rule.clone()).collect()
    }

    #[test]
    fn base64_wrapped_in_lines_is_decoded_as_one_value() {
        // An email part: an injection past the first eight lines, and one cut by a line end
        // (each 76-character line decodes to 57 bytes, and `x; cat` starts at byte 54).
        let prose = "Dear team, the quarterly numbers are attached as discussed. ".repeat(12);
        let late = format!("{prose}name: x; cat /etc/passwd\n");
        let straddling = format!("{}x; cat /etc/passwd\n", "a".repeat(54));
        for text in [&late, &straddling] {
            for (width, eol) in [(76, "\r\n"), (64, "\n")] {
                let body = wrapped(text, width, eol);
                let part = format!(
                    "--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n--b1--\r\n"
                );
                assert_eq!(value_rules(part), ["shell-grammar"], "{width} {text}");
                assert_eq!(value_rules(body), ["shell-grammar"], "{width} {text}");
            }
        }
        // The same text, not an injection, decodes to nothing reported.
        let part = wrapped(&prose, 76, "\r\n");
        assert!(value_rules(part).is_empty());
    }

    #[test]
    fn only_lines_of_one_width_make_a_run() {
        let run = |v: &str| {
            let b = v.as_bytes();
            let end = b
                .iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .unwrap_or(b.len());
            wrapped_run(b, 0, end)
        };
        let line = "QUJDREVGR0hJSktMTU5PUFFSU1RV";
        assert_eq!(run(&format!("{line}\n{line}\nQUI=")), Some(62));
        assert_eq!(run(&format!("{line}\r\n{line}\r\n")), Some(58));
        // One line, lines of other widths, a width that is not a multiple of 4, text after.
        assert_eq!(run(line), None);
        assert_eq!(run(&format!("{line}\nQUJDREVGR0hJSktM\n{line}")), Some(45));
        assert_eq!(run(&format!("{line}\n{line}A\n")), None);
        assert_eq!(run(&format!("{line}A\n{line}A\n")), None);
        assert_eq!(run(&format!("{line}\n{line} and more")), None);
        // MIME and PEM write the standard alphabet: lines of the URL-safe one (or of both) are
        // tokens of their own.
        let url_safe = "QUJDREVGR0hJSktMTU5PUFFSU1-_";
        assert_eq!(run(&format!("{url_safe}\n{url_safe}\n")), None);
        assert_eq!(run(&format!("{line}\n{url_safe}\n")), None);
        let standard = "QUJDREVGR0hJSktMTU5PUFFSU1+/";
        assert_eq!(run(&format!("{standard}\n{standard}\n")), Some(57));
    }

    /// `encoded_tokens` as it was written first, a branch per byte: the reference the
    /// skipping version must agree with.
    fn encoded_tokens_byte_by_byte(value: &str) -> (String, String) {
        let mut text = String::new();
        let mut binary = String::new();
        let bytes = value.as_bytes();
        let mut start = 0;
        let mut resume = 0;
        for end in 0..=bytes.len() {
            if end < bytes.len() && TOKEN_CLASS[bytes[end] as usize] & SEPARATOR == 0 {
                continue;
            }
            if end < resume {
                continue;
            }
            let from = std::mem::replace(&mut start, end + 1);
            if end - from < 16 {
                continue;
            }
            if let Some(run_end) = wrapped_run(bytes, from, end) {
                decode_wrapped(
                    &value[from..run_end],
                    &mut text,
                    &mut binary,
                    &mut Vec::new(),
                );
                start = run_end + 1;
                resume = run_end + 1;
                continue;
            }
            let Some(token) = value.get(from..end) else {
                continue;
            };
            // Hex decoded here by `char::to_digit`, apart from the code under test.
            let hex = token.len() >= 16
                && token.len() % 2 == 0
                && token.bytes().all(|c| c.is_ascii_hexdigit())
                && !token.bytes().all(|c| c.is_ascii_digit());
            let hex = hex.then(|| {
                let digit = |c: u8| (c as char).to_digit(16).unwrap() as u8;
                token
                    .as_bytes()
                    .chunks_exact(2)
                    .map(|p| (digit(p[0]) << 4) | digit(p[1]))
                    .collect::<Vec<u8>>()
            });
            let bytes = hex.or_else(|| {
                let padded = token
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_'));
                let data = token
                    .bytes()
                    .any(|c| c.is_ascii_digit() || matches!(c, b'+' | b'/'));
                (padded && data).then(|| base64_value(token)).flatten()
            });
            let Some(bytes) = bytes else { continue };
            match String::from_utf8(bytes) {
                Ok(s) if printable_by_chars(&s) => {
                    text.push_str(&s);
                    text.push('\n');
                }
                Ok(s) => binary.extend(s.chars().take(MAGIC_CHARS)),
                Err(e) => binary.extend(e.as_bytes().iter().take(MAGIC_CHARS).map(|&b| b as char)),
            }
            binary.push('\n');
        }
        if binary.trim().is_empty() {
            binary.clear();
        }
        (text, binary)
    }

    /// `printable` as it was written first, two passes over the characters: the reference.
    fn printable_by_chars(s: &str) -> bool {
        let total = s.chars().count().max(1);
        let control = s
            .chars()
            .filter(|c| c.is_control() && !c.is_whitespace())
            .count();
        control * 10 <= total
    }

    #[test]
    fn printable_counts_as_by_characters() {
        // Every kind of character `printable` tells apart: ASCII and C1 controls, the
        // whitespace among them, and characters of two to four bytes.
        const PIECES: &[&str] = &[
            "a", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x00", "\x01", "\x08", "\x0e", "\x1c",
            "\x1f", "\x7f", "\u{80}", "\u{85}", "\u{9f}", "\u{a0}", "\u{c2}", "é", "€", "😀",
            "\u{2028}",
        ];
        let printable_count = crate::detect::agrees_with_reference(
            PIECES,
            13,
            30_000,
            60,
            |s: &str| printable(s),
            |s: &str| printable_by_chars(s),
            |p| *p,
        );
        assert!(
            (1_000..29_000).contains(&printable_count),
            "{printable_count}"
        );
    }

    #[test]
    fn a_payload_after_many_harmless_encoded_tokens_is_decoded() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut note = String::from("see");
        for n in 0..40 {
            note.push(' ');
            note.push_str(&b64.encode(format!("hello world {n}!!")));
        }
        assert!(value_rules(note.clone()).is_empty());
        note.push(' ');
        note.push_str(&b64.encode("x; cat /etc/passwd #"));
        assert_eq!(value_rules(note), ["shell-grammar"]);
    }

    #[test]
    fn encoded_tokens_split_as_byte_by_byte() {
        // Pieces of hex, base64 (text and binary), words, numbers and separators, so that
        // tokens of every length end on and across 64-byte block edges, and values of many
        // tokens.
        const PIECES: &[&str] = &[
            "deadbeefcafe0123",
            "4f52",
            "0123456789",
            "aGVsbG8gd29ybGQh",
            "rO0ABXNy",
            "+/",
            "-_",
            "abcdefgh",
            "ABCDEF",
            "x",
            "7",
            " ",
            "=",
            ";",
            "\"",
            "é",
            "😀",
            "&",
            "\n",
            "{",
            "}",
            "%",
            "$",
            ".",
            "/",
        ];
        let decoded = crate::detect::agrees_with_reference(
            PIECES,
            11,
            20_000,
            57,
            encoded_tokens,
            encoded_tokens_byte_by_byte,
            |r| !r.0.is_empty() || !r.1.is_empty(),
        );
        // The generator reaches the decoding, not only the split.
        assert!(decoded > 1_000, "{decoded}");
    }

    #[test]
    fn every_builtin_rule_has_literals_to_prefilter_on() {
        let d = Detector::builtin().unwrap();
        for set in [&d.values, &d.keys] {
            let unfiltered: Vec<&str> = set
                .prefilter
                .unfiltered()
                .iter()
                .map(|&i| set.specs[i].id.as_str())
                .collect();
            assert!(unfiltered.is_empty(), "rules without atoms: {unfiltered:?}");
        }
    }

    #[test]
    fn builtin_rules_compile() {
        let d = Detector::builtin().unwrap();
        assert!(d.rule_count() >= 10);
    }

    #[test]
    fn a_bad_pattern_names_its_rule() {
        let err = Detector::from_toml(
            "[[rule]]\nid = \"broken\"\nclass = \"x\"\ndescription = \"d\"\npattern = \"(\"\n",
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("`broken`"), "{err}");
    }

    #[test]
    fn long_values_are_inspected_in_chunks_within_the_budget() {
        use crate::envelope::{Envelope, Trigger};
        let d = Detector::builtin().unwrap();
        let field = |value: String| Field {
            record: None,
            path: "body".into(),
            value: value.into(),
            is_key: false,
        };
        let env = |value: String| Envelope {
            trigger: Trigger::Unknown,
            fields: vec![field(value)],
            records: Vec::new(),
            violations: Vec::new(),
            multi_value_headers: false,
        };
        // A payload across a chunk boundary is still seen (the chunks overlap).
        let mut v = "a ".repeat(CHUNK / 2 - 10);
        v.push_str("x; cat /etc/passwd ");
        v.push_str(&"b ".repeat(CHUNKED_VALUE));
        let ins = d.inspect(&env(v), Duration::from_secs(10));
        assert!(!ins.incomplete);
        assert!(
            ins.hits.iter().any(|h| h.class == "command-injection"),
            "{:?}",
            ins.hits
        );
        // With no budget the last chunk is still inspected and the cut reported.
        let mut v = "c ".repeat(CHUNKED_VALUE);
        v.push_str("http://169.254.169.254/latest");
        let ins = d.inspect(&env(v), Duration::ZERO);
        assert!(ins.incomplete);
        assert_eq!(ins.partial_fields, 1);
        assert!(ins.hits.iter().any(|h| h.class == "ssrf"), "{:?}", ins.hits);
    }

    #[test]
    fn block_mode_stops_inspecting_a_record_once_it_is_blocked() {
        use crate::envelope::{Envelope, Trigger};
        let d = Detector::builtin().unwrap();
        let field = |record: Option<usize>, path: &str, value: &str| Field {
            record,
            path: path.into(),
            value: value.into(),
            is_key: false,
        };
        let env = |fields: Vec<Field>| Envelope {
            trigger: Trigger::Sqs,
            fields,
            records: vec!["a".into(), "b".into()],
            violations: Vec::new(),
            multi_value_headers: false,
        };
        let batch = env(vec![
            field(Some(0), "Records[0].body.a", "x; cat /etc/passwd"),
            field(Some(0), "Records[0].body.b", "' or 1=1 --"),
            field(
                Some(0),
                "Records[0].body.c",
                "http://169.254.169.254/latest",
            ),
            field(Some(1), "Records[1].body.a", "hello"),
            field(Some(1), "Records[1].body.b", "../../../../etc/passwd"),
        ]);
        let block = Budget {
            time: Duration::from_secs(10),
            fail_closed: false,
            stop_at_block: true,
        };
        let records = |hits: &[Hit]| {
            let mut r: Vec<Option<usize>> = hits.iter().map(|h| h.record).collect();
            r.dedup();
            r
        };
        let all = d.inspect(&batch, Duration::from_secs(10));
        assert!(all.hits.iter().filter(|h| h.record == Some(0)).count() >= 3);
        let first = d.inspect(&batch, block);
        // The same records are blocked; record 0 is known bad after its first value.
        assert_eq!(records(&first.hits), records(&all.hits));
        assert_eq!(records(&first.hits), [Some(0), Some(1)]);
        assert!(first
            .hits
            .iter()
            .filter(|h| h.record == Some(0))
            .all(|h| h.path == "Records[0].body.a"));
        // A hit on the event as a whole ends the inspection.
        let whole = env(vec![
            field(None, "body.a", "x; cat /etc/passwd"),
            field(None, "body.b", "' or 1=1 --"),
        ]);
        let ins = d.inspect(&whole, block);
        assert!(
            ins.hits.iter().all(|h| h.path == "body.a"),
            "{:?}",
            ins.hits
        );
    }

    #[test]
    fn monitor_mode_stops_reading_a_record_after_enough_hits() {
        use crate::envelope::{Envelope, Trigger};
        let d = Detector::builtin().unwrap();
        let field = |record: usize, n: usize, value: &str| Field {
            record: Some(record),
            path: format!("Records[{record}].body.f{n}").into(),
            value: value.into(),
            is_key: false,
        };
        let mut fields: Vec<Field> = (0..100)
            .map(|n| field(0, n, "x; cat /etc/passwd"))
            .collect();
        fields.push(field(1, 0, "hello"));
        fields.push(field(1, 1, "' or 1=1 --"));
        let env = Envelope {
            trigger: Trigger::Sqs,
            fields,
            records: vec!["a".into(), "b".into()],
            violations: Vec::new(),
            multi_value_headers: false,
        };
        let ins = d.inspect(&env, Duration::from_secs(10));
        assert!(ins.hits_capped);
        let first = ins.hits.iter().filter(|h| h.record == Some(0)).count();
        assert!(
            (REPORTED_HITS_PER_RECORD..REPORTED_HITS_PER_RECORD + 4).contains(&first),
            "{first}"
        );
        // The other record is still read, and its attack reported.
        assert!(ins
            .hits
            .iter()
            .any(|h| h.record == Some(1) && h.class == "sql-injection"));
        let quiet = d.inspect(
            &Envelope {
                fields: env.fields[..5].to_vec(),
                ..env
            },
            Duration::from_secs(10),
        );
        assert!(!quiet.hits_capped);
    }

    #[test]
    fn fail_closed_stops_inspecting_once_the_budget_is_spent() {
        use crate::envelope::{Envelope, Trigger};
        let d = Detector::builtin().unwrap();
        // Many short values: the start-and-end inspection after the budget covers each of them
        // whole, so only failing closed bounds the work.
        let mut fields: Vec<Field> = (0..5000)
            .map(|i| Field {
                record: None,
                path: format!("body.f{i}").into(),
                value: "It's a -- note; see ../docs & http://example.com/x".into(),
                is_key: false,
            })
            .collect();
        if let Some(last) = fields.last_mut() {
            last.value = "x; cat /etc/passwd".into();
        }
        let env = Envelope {
            trigger: Trigger::Unknown,
            fields,
            records: Vec::new(),
            violations: Vec::new(),
            multi_value_headers: false,
        };
        let open = d.inspect(&env, Duration::ZERO);
        assert!(open.incomplete);
        assert!(
            open.hits.iter().any(|h| h.class == "command-injection"),
            "failing open, the last value is still inspected"
        );
        let closed = d.inspect(
            &env,
            Budget {
                time: Duration::ZERO,
                fail_closed: true,
                stop_at_block: false,
            },
        );
        assert!(closed.incomplete);
        assert!(closed.hits.is_empty(), "{:?}", closed.hits);
        assert!(closed.fields_inspected < 32, "{}", closed.fields_inspected);
    }

    #[test]
    fn compression_bombs_are_stopped_and_reported() {
        use base64::Engine;
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'a'; 20 << 20]).unwrap();
        let bomb = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let v = variants(&bomb);
        assert!(v.iter().any(|v| v.bomb));
        let longest = v.iter().map(|v| v.text.len()).max().unwrap();
        assert!(longest <= (bomb.len() * 32).max(64 << 10), "{longest}");

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(b"{\"q\": \"' OR '1'='1\"}").unwrap();
        let small = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let v = variants(&small);
        assert!(!v.iter().any(|v| v.bomb));
        assert!(v.iter().any(|v| v.text.contains("' OR '1'='1")));
    }

    #[test]
    fn detectors_read_a_decoded_value_once_in_its_decoded_form() {
        use crate::envelope::{Envelope, Trigger};
        let d = Detector::builtin().unwrap();
        let hits = |value: &str| {
            let env = Envelope {
                trigger: Trigger::Unknown,
                fields: vec![Field {
                    record: None,
                    path: "body.q".into(),
                    value: value.into(),
                    is_key: false,
                }],
                records: Vec::new(),
                violations: Vec::new(),
                multi_value_headers: false,
            };
            d.inspect(&env, Duration::from_secs(10)).hits
        };
        // Plain attacks next to escapes are still in the decoded form.
        let h = hits("x; cat /etc/passwd %20 &amp;");
        assert!(h.iter().any(|h| h.class == "command-injection"), "{h:?}");
        let h = hits("../../../etc/passwd%00.png");
        assert!(h.iter().any(|h| h.class == "path-traversal"), "{h:?}");
        // The excerpt is what the value means.
        let h = hits("..%2f..%2f..%2fetc%2fpasswd");
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h[0].excerpt.contains("../etc/passwd"), "{h:?}");
        assert!(variants("a%20b")[0].superseded);
        assert!(!variants("a b")[0].superseded);
    }

    #[test]
    fn values_are_read_as_sent_decoded_and_unwrapped() {
        let v = variants("..%252f..%252fetc%252fpasswd");
        assert_eq!(v.last().unwrap().text, "../../etc/passwd");
        let v = variants("JyBPUiAnMSc9JzE7IC0tIGNvbW1lbnQ=");
        assert_eq!(v.last().unwrap().text, "' OR '1'='1; -- comment");
        let v = variants("cursor=MTAgVU5JT04gU0VMRUNUIDE=");
        assert!(v.iter().any(|v| v.text.contains("10 UNION SELECT 1")));
        let v = variants("blob: 800263706f7369780a73797374656d0a");
        assert!(v
            .iter()
            .any(|v| !v.text_like && v.text.contains("cposix\nsystem\n")));
        assert_eq!(variants("Hello, world").len(), 1);
    }

    #[test]
    fn the_most_forms_of_a_value_all_fit() {
        // Base64 of text with escapes and a base64 token inside: as sent, the inner token's
        // text, the base64's text and its decoded form.
        let v = variants("YSUyMGIgY3Vyc29yPU1UQWdWVTVKVDA0Z1UwVk1SVU5VSURFPX5+");
        let texts: Vec<&str> = v.iter().map(|f| f.text.as_ref()).collect();
        assert_eq!(v.len(), 4, "{texts:?}");
        assert!(texts.contains(&"10 UNION SELECT 1\n"), "{texts:?}");
        assert!(
            texts.iter().any(|t| t.starts_with("a b cursor=")),
            "{texts:?}"
        );
        // Escapes beside a base64 token of text and a hex token of binary: as sent, decoded,
        // and the tokens' text and binary.
        let v = variants(
            "a%20b cursor=MTAgVU5JT04gU0VMRUNUIDE= blob: 800263706f7369780a73797374656d0a",
        );
        let forms: Vec<(bool, &str)> = v.iter().map(|f| (f.text_like, f.text.as_ref())).collect();
        assert_eq!(v.len(), 4, "{forms:?}");
        assert!(v.len() < MAX_VARIANTS);
    }
}
