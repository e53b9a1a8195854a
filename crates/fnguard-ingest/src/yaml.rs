//! YAML (and JSON, a subset of YAML 1.2) to [`Node`] trees, with positions, CloudFormation
//! short-form tags, merge keys, and hard limits against hostile input.

use crate::node::{Key, Kind, Node};
use crate::Diagnostic;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// Nesting deeper than this is refused; real templates stay far below it.
pub const MAX_DEPTH: usize = 200;
/// Total nodes a document may expand to through aliases (guards against "billion laughs").
pub const MAX_NODES: usize = 2_000_000;

/// CloudFormation short-form tags and the long form they stand for.
const CFN_TAGS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("GetAtt", "Fn::GetAtt"),
    ("Sub", "Fn::Sub"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("GetAZs", "Fn::GetAZs"),
    ("Cidr", "Fn::Cidr"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
];

/// The result of reading one document: the tree (if any) and what went wrong on the way.
pub struct Parsed {
    pub root: Option<Node>,
    pub diagnostics: Vec<Diagnostic>,
}

enum Frame {
    Seq {
        /// Where this sequence's items start in [`Builder::items`].
        items_from: usize,
        start: Span,
        anchor: usize,
    },
    Map {
        /// Where this mapping's entries start in [`Builder::entries`].
        entries_from: usize,
        pending_key: Option<Node>,
        /// Key names, once the mapping is large enough that scanning `entries` would be
        /// quadratic (templates with tens of thousands of resources exist).
        seen: Option<std::collections::HashSet<String>>,
        start: Span,
        anchor: usize,
        tag: Option<String>,
    },
}

struct Builder {
    file: Arc<str>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    diagnostics: Vec<Diagnostic>,
    /// Tags of open sequences (kept apart to keep `Frame` small).
    seq_tags: Vec<Option<String>>,
    /// The items and entries of every open collection, innermost last: a collection's own are
    /// moved out into a vector of their exact number when it ends. Vectors grown one push at a
    /// time keep their spare capacity (allocators do not shrink a block to less than half), a
    /// quarter of a large template's tree.
    items: Vec<Node>,
    entries: Vec<(Key, Node)>,
}

/// How many continuation lines [`parse`] re-indents before giving up on a document.
const MAX_REINDENTS: usize = 64;

/// Parse one document. Continuation lines of flow collections and quoted scalars that are
/// indented less than the YAML spec requires are accepted, as libyaml, PyYAML, js-yaml and
/// CloudFormation accept them: such a line is re-indented (which cannot change the value: leading
/// white space there is insignificant) and the document parsed again.
pub fn parse(text: &str, file: &str) -> Parsed {
    let mut parsed = parse_strict(text, file);
    let mut owned: Option<String> = None;
    for _ in 0..MAX_REINDENTS {
        let Some(line) = indentation_error_line(&parsed) else {
            break;
        };
        let current = owned.as_deref().unwrap_or(text);
        let Some(fixed) = reindent(current, line) else {
            break;
        };
        parsed = parse_strict(&fixed, file);
        owned = Some(fixed);
    }
    parsed
}

/// The line a re-indent should fix, and whether the error was reported at the start of a
/// quoted scalar (then the culprit is a later line of that scalar).
fn indentation_error_line(p: &Parsed) -> Option<(u32, bool)> {
    if p.root.is_some() {
        return None;
    }
    p.diagnostics
        .iter()
        .find(|d| d.message.contains("invalid indentation"))
        .and_then(|d| Some((d.line?, d.message.contains("quoted scalar"))))
}

fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

/// Indent the offending line two columns deeper than the line that opened its construct.
fn reindent(text: &str, (line, in_quoted): (u32, bool)) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let start = (line as usize).checked_sub(1)?;
    let (idx, base) = if in_quoted {
        // The scalar starts on `line`; its first continuation line at or left of the key's
        // indentation is the one to move.
        let base = indent_of(lines.get(start)?);
        let idx = (start + 1..lines.len())
            .find(|&i| !lines[i].trim().is_empty() && indent_of(lines[i]) <= base)?;
        (idx, base)
    } else {
        let base = lines
            .get(..start)?
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| indent_of(l))?;
        (start, base)
    };
    let target = lines.get(idx)?;
    let needed = (base + 2).saturating_sub(indent_of(target));
    if needed == 0 {
        return None;
    }
    let mut out = String::with_capacity(text.len() + needed);
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if i == idx {
            out.extend(std::iter::repeat_n(' ', needed));
        }
        out.push_str(l);
    }
    Some(out)
}

fn parse_strict(text: &str, file: &str) -> Parsed {
    let mut b = Builder {
        file: Arc::from(file),
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        diagnostics: Vec::new(),
        seq_tags: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    loop {
        match parser.next_event() {
            None => break,
            Some(Err(e)) => {
                b.diagnostics.push(Diagnostic::error(
                    file,
                    Some(e.marker().line() as u32),
                    format!("YAML syntax error: {}", e.info()),
                ));
                b.root = None;
                break;
            }
            Some(Ok((event, span))) => match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        // Descriptors are single documents; later ones are not ours to read.
                        break;
                    }
                }
                Event::StreamEnd => break,
                other => {
                    if let Err(d) = b.event(other, span) {
                        b.diagnostics.push(d);
                        b.root = None;
                        break;
                    }
                }
            },
        }
    }
    Parsed {
        root: b.root,
        diagnostics: b.diagnostics,
    }
}

fn tag_name(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    tag.map(|t| {
        if t.handle == "!" {
            t.suffix.clone()
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    })
}

impl Builder {
    fn line(span: &Span) -> (u32, u32) {
        (span.start.line() as u32, span.start.col() as u32 + 1)
    }

    fn err(&self, span: &Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.file, Some(span.start.line() as u32), message)
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), Diagnostic> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.err(
                span,
                format!(
                    "document expands to more than {MAX_NODES} nodes (an alias bomb?); not loaded"
                ),
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                self.count(1, &span)?;
                let (line, col) = Self::line(&span);
                let tag = tag_name(tag.as_deref());
                let kind = scalar_kind(&value, style, tag.as_deref());
                let node = self.apply_tag(Node::new(kind, self.file.clone(), line, col), tag);
                self.finish(node, anchor, &span)
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    return Err(self.err(&span, "alias to an unknown anchor"));
                };
                self.count(size, &span)?;
                self.finish(node, 0, &span)
            }
            Event::SequenceStart(anchor, tag) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.err(
                        &span,
                        format!("nesting deeper than {MAX_DEPTH} levels; not loaded"),
                    ));
                }
                self.count(1, &span)?;
                self.seq_tags.push(tag_name(tag.as_deref()));
                self.stack.push(Frame::Seq {
                    items_from: self.items.len(),
                    start: span,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.err(
                        &span,
                        format!("nesting deeper than {MAX_DEPTH} levels; not loaded"),
                    ));
                }
                self.count(1, &span)?;
                self.stack.push(Frame::Map {
                    entries_from: self.entries.len(),
                    pending_key: None,
                    seen: None,
                    start: span,
                    anchor,
                    tag: tag_name(tag.as_deref()),
                });
                Ok(())
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items_from,
                    start,
                    anchor,
                }) = self.stack.pop()
                else {
                    return Err(self.err(&span, "unbalanced sequence"));
                };
                let tag = self.seq_tags.pop().flatten();
                let (line, col) = Self::line(&start);
                let items: Vec<Node> = self.items.drain(items_from..).collect();
                let node = self.apply_tag(
                    Node::new(Kind::Seq(items), self.file.clone(), line, col),
                    tag,
                );
                self.finish(node, anchor, &start)
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    entries_from,
                    start,
                    anchor,
                    tag,
                    ..
                }) = self.stack.pop()
                else {
                    return Err(self.err(&span, "unbalanced mapping"));
                };
                let entries = self.entries.drain(entries_from..).collect();
                let entries = self.merge_keys(entries);
                let (line, col) = Self::line(&start);
                let node = self.apply_tag(
                    Node::new(Kind::Map(entries), self.file.clone(), line, col),
                    tag,
                );
                self.finish(node, anchor, &start)
            }
            _ => Ok(()),
        }
    }

    /// YAML merge keys (`<<: *defaults`): keys already present win.
    fn merge_keys(&self, entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
        if !entries.iter().any(|(k, _)| k.name == "<<") {
            return entries;
        }
        let mut own: Vec<(Key, Node)> = Vec::new();
        let mut merged: Vec<(Key, Node)> = Vec::new();
        for (k, v) in entries {
            if k.name == "<<" {
                let sources: Vec<Node> = match v.kind {
                    Kind::Seq(items) => items,
                    _ => vec![v],
                };
                for src in sources {
                    if let Kind::Map(inner) = src.kind {
                        for (ik, iv) in inner {
                            if !merged.iter().any(|(mk, _)| mk.name == ik.name) {
                                merged.push((ik, iv));
                            }
                        }
                    }
                }
            } else {
                own.push((k, v));
            }
        }
        for (k, v) in merged {
            if !own.iter().any(|(ok, _)| ok.name == k.name) {
                own.push((k, v));
            }
        }
        own
    }

    /// CloudFormation short forms become their long form so one evaluator handles both.
    fn apply_tag(&self, node: Node, tag: Option<String>) -> Node {
        let Some(tag) = tag else { return node };
        let Some((_, long)) = CFN_TAGS.iter().find(|(short, _)| *short == tag) else {
            return node;
        };
        let value = if *long == "Fn::GetAtt" {
            // `!GetAtt Res.Attr` is a string; the long form wants a list.
            match &node.kind {
                Kind::Str(s) => match s.split_once('.') {
                    Some((r, a)) => node.with_kind(Kind::Seq(vec![
                        node.with_kind(Kind::Str(r.to_string())),
                        node.with_kind(Kind::Str(a.to_string())),
                    ])),
                    None => node.clone(),
                },
                _ => node.clone(),
            }
        } else {
            node.clone()
        };
        node.with_kind(Kind::Map(vec![(
            Key {
                name: (*long).to_string(),
                line: node.line,
                column: node.column,
            },
            value,
        )]))
    }

    fn finish(&mut self, node: Node, anchor: usize, span: &Span) -> Result<(), Diagnostic> {
        if anchor > 0 {
            let size = node_size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
                Ok(())
            }
            Some(Frame::Seq { .. }) => {
                self.items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries_from,
                pending_key,
                seen,
                ..
            }) => match pending_key.take() {
                None => {
                    *pending_key = Some(node);
                    Ok(())
                }
                Some(key) => {
                    let (line, column) = (key.line, key.column);
                    let name = key_name(key);
                    let entries = &mut self.entries[*entries_from..];
                    const INDEX_FROM: usize = 32;
                    if seen.is_none() && entries.len() >= INDEX_FROM {
                        *seen = Some(entries.iter().map(|(k, _)| k.name.clone()).collect());
                    }
                    let present = match seen {
                        Some(set) => !set.insert(name.clone()),
                        None => entries.iter().any(|(k, _)| k.name == name),
                    };
                    let duplicate = name != "<<" && present;
                    let key = Key { name, line, column };
                    if duplicate {
                        let message =
                            format!("duplicate key `{}`; the last value is used", key.name);
                        let d = Diagnostic::error(&self.file, Some(key.line), message);
                        let mut own = self.entries.split_off(*entries_from);
                        own.retain(|(k, _)| k.name != key.name);
                        self.entries.append(&mut own);
                        self.diagnostics.push(d);
                    }
                    let _ = span;
                    self.entries.push((key, node));
                    Ok(())
                }
            },
        }
    }
}

/// A mapping key's text, taken from its node (a key is read once: no copy).
fn key_name(key: Node) -> String {
    match key.kind {
        Kind::Str(s) | Kind::Float(s) => s,
        Kind::Int(i) => i.to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Null => "null".to_string(),
        _ => key.to_json().to_string(),
    }
}

fn node_size(node: &Node) -> usize {
    // Iterative so that a deep tree cannot overflow the stack here either.
    let mut count = 0usize;
    let mut todo: Vec<&Node> = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.kind {
            Kind::Seq(items) => todo.extend(items.iter()),
            Kind::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// Scalars are copied, not taken from the parser: its strings carry spare capacity, which on a
/// large template adds up to more than the tree itself.
fn scalar_kind(value: &str, style: ScalarStyle, tag: Option<&str>) -> Kind {
    if style != ScalarStyle::Plain || tag.is_some_and(|t| t.ends_with("str")) {
        return Kind::Str(value.to_string());
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // Leading zeros (`0123`, account ids) are kept as text: they are identifiers.
        if !(digits.len() > 1 && digits.starts_with('0')) {
            if let Ok(i) = value.parse::<i64>() {
                return Kind::Int(i);
            }
        }
        return Kind::Str(value.to_string());
    }
    if is_float(digits) {
        return Kind::Float(value.to_string());
    }
    Kind::Str(value.to_string())
}

fn is_float(s: &str) -> bool {
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            'e' | 'E' if seen_digit => {
                if matches!(chars.peek(), Some('+') | Some('-')) {
                    chars.next();
                }
                return seen_digit
                    && chars.clone().count() > 0
                    && chars.all(|c| c.is_ascii_digit());
            }
            _ => return false,
        }
    }
    seen_digit && seen_dot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let p = parse(text, "t.yml");
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        p.root.unwrap()
    }

    #[test]
    fn scalars_and_positions() {
        let r = root("a: 1\nb: '2'\nc: 3.10\nd: true\ne: 012345678901\nf:\n");
        assert_eq!(r.get("a").unwrap().kind, Kind::Int(1));
        assert_eq!(r.get("b").unwrap().kind, Kind::Str("2".into()));
        assert_eq!(r.get("c").unwrap().kind, Kind::Float("3.10".into()));
        assert_eq!(r.get("d").unwrap().kind, Kind::Bool(true));
        assert_eq!(r.get("e").unwrap().kind, Kind::Str("012345678901".into()));
        assert_eq!(r.get("f").unwrap().kind, Kind::Null);
        assert_eq!(r.get("c").unwrap().line, 3);
        assert_eq!(r.key_location("d").unwrap().line, 4);
    }

    #[test]
    fn short_form_tags_become_long_form() {
        let r = root("A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub '${X}'\n");
        assert!(r.path(&["A", "Ref"]).is_some());
        let g = r.path(&["B", "Fn::GetAtt"]).unwrap();
        assert_eq!(g.items().len(), 2);
        assert!(r.path(&["C", "Fn::Sub"]).is_some());
    }

    #[test]
    fn merge_keys_and_aliases() {
        let r = root("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n");
        let t = r.get("thing").unwrap();
        assert_eq!(t.get("x").unwrap().kind, Kind::Int(1));
        assert_eq!(t.get("y").unwrap().kind, Kind::Int(3));
    }

    #[test]
    fn duplicate_keys_are_reported_with_line() {
        let p = parse("a: 1\nb: 2\na: 3\n", "t.yml");
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].line, Some(3));
        assert_eq!(p.root.unwrap().get("a").unwrap().kind, Kind::Int(3));
    }

    #[test]
    fn a_duplicate_in_an_inner_mapping_leaves_the_outer_one_alone() {
        let p = parse(
            "a: 1\nb:\n  a: 2\n  c: [1, {a: 3}]\n  a: 4\nd: 5\n",
            "t.yml",
        );
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].line, Some(5));
        let r = p.root.unwrap();
        assert_eq!(r.get("a").unwrap().kind, Kind::Int(1));
        assert_eq!(r.path(&["b", "a"]).unwrap().kind, Kind::Int(4));
        assert_eq!(r.path(&["b", "c"]).unwrap().items().len(), 2);
        assert_eq!(r.get("d").unwrap().kind, Kind::Int(5));
        let keys = |n: &Node| match &n.kind {
            Kind::Map(e) => e.iter().map(|(k, _)| k.name.clone()).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        assert_eq!(keys(&r), ["a", "b", "d"]);
        assert_eq!(keys(r.get("b").unwrap()), ["c", "a"]);
    }

    #[test]
    fn collections_are_kept_without_spare_capacity() {
        let mut text = String::from("Resources:\n");
        for i in 0..40 {
            text.push_str(&format!(
                "  Fn{i}:\n    Type: T\n    Properties:\n      List: [a, b, c]\n      Role: !GetAtt R{i}.Arn\n"
            ));
        }
        let r = root(&text);
        let mut todo = vec![&r];
        let mut seen = 0;
        while let Some(n) = todo.pop() {
            match &n.kind {
                Kind::Seq(items) => {
                    assert_eq!(items.capacity(), items.len());
                    todo.extend(items.iter());
                }
                Kind::Map(entries) => {
                    assert_eq!(entries.capacity(), entries.len());
                    todo.extend(entries.iter().map(|(_, v)| v));
                }
                _ => {}
            }
            seen += 1;
        }
        assert!(seen > 40 * 8, "{seen}");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let p = parse(&s, "bomb.yml");
        assert!(p.root.is_none());
        assert!(p.diagnostics[0].message.contains("alias bomb"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        for depth in [300, 10_000] {
            let s = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let p = parse(&s, "deep.yml");
            assert!(p.root.is_none());
            let m = &p.diagnostics[0].message;
            assert!(
                m.contains("nesting") || m.contains("recursion limit"),
                "{m}"
            );
        }
    }

    #[test]
    fn json_is_read_with_lines() {
        let r = root(
            "{\n  \"Resources\": {\n    \"Fn\": {\"Type\": \"AWS::Lambda::Function\"}\n  }\n}\n",
        );
        assert_eq!(r.path(&["Resources", "Fn"]).unwrap().line, 3);
    }

    #[test]
    fn under_indented_flow_and_quoted_continuations_are_accepted() {
        let r = root("a:\n  b: [{\n    \"x\": 1\n  }]\n  c: '{\n      \"y\": 2\n  }'\n  d: 3\n");
        assert_eq!(r.path(&["a", "b"]).unwrap().items().len(), 1);
        assert_eq!(r.path(&["a", "c"]).unwrap().str(), Some("{ \"y\": 2 }"));
        assert_eq!(r.path(&["a", "d"]).unwrap().line, 8);
    }

    #[test]
    fn syntax_error_has_line() {
        let p = parse("a: 1\nb: [unclosed\nc: 2\n", "bad.yml");
        assert!(p.root.is_none());
        assert!(p.diagnostics[0].line.is_some());
    }
}
