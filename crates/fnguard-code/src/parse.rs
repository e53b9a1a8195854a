//! One tree-sitter parse per file and language on each thread. A file is read by the SDK-call
//! scan and again by the taint lowering, and a module shared by several functions is read for
//! each of them: the trees of the files seen last are kept (a tree is reference-counted, so a
//! clone is cheap) and handed out again while the text is the same.

use std::cell::RefCell;
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grammar {
    Python,
    JavaScript,
    TypeScript,
    Java,
    Go,
}

impl Grammar {
    fn language(self) -> tree_sitter::Language {
        match self {
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Java => tree_sitter_java::LANGUAGE.into(),
            Grammar::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }
}

/// Files kept per thread: enough for a handler, its local modules and a shared helper.
const KEPT: usize = 16;
/// Larger files are parsed each time rather than kept (a tree is many times its text), and the
/// texts kept on one thread stay under `KEPT_BYTES` together.
const LARGEST_KEPT: usize = 256 * 1024;
const KEPT_BYTES: usize = 2 * 1024 * 1024;

struct Kept {
    grammar: Grammar,
    len: usize,
    text: std::sync::Arc<str>,
    tree: tree_sitter::Tree,
}

thread_local! {
    /// Parses made on this thread (tests check the cache with it).
    static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static PARSERS: RefCell<Vec<(Grammar, tree_sitter::Parser)>> = const { RefCell::new(Vec::new()) };
    static TREES: RefCell<VecDeque<Kept>> = const { RefCell::new(VecDeque::new()) };
}

/// The syntax tree of `text`, None when the grammar cannot be loaded or the parse fails.
pub(crate) fn parse(grammar: Grammar, text: &str) -> Option<tree_sitter::Tree> {
    let hit = TREES.with(|t| {
        t.borrow()
            .iter()
            .find(|k| k.grammar == grammar && k.len == text.len() && &*k.text == text)
            .map(|k| k.tree.clone())
    });
    if hit.is_some() {
        return hit;
    }
    let tree = PARSERS.with(|p| {
        let mut parsers = p.borrow_mut();
        let i = match parsers.iter().position(|(g, _)| *g == grammar) {
            Some(i) => i,
            None => {
                let mut parser = tree_sitter::Parser::new();
                parser.set_language(&grammar.language()).ok()?;
                parsers.push((grammar, parser));
                parsers.len() - 1
            }
        };
        PARSES.with(|n| n.set(n.get() + 1));
        parsers[i].1.parse(text, None)
    })?;
    if text.len() > LARGEST_KEPT {
        return Some(tree);
    }
    TREES.with(|t| {
        let mut trees = t.borrow_mut();
        while trees.len() >= KEPT
            || (!trees.is_empty()
                && trees.iter().map(|k| k.len).sum::<usize>() + text.len() > KEPT_BYTES)
        {
            trees.pop_front();
        }
        trees.push_back(Kept {
            grammar,
            len: text.len(),
            text: std::sync::Arc::from(text),
            tree: tree.clone(),
        });
    });
    Some(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_parsed_once_and_another_text_is_not_confused_with_it() {
        let parses = || PARSES.with(std::cell::Cell::get);
        let before = parses();
        let a = parse(Grammar::Python, "x = 1\n").unwrap();
        let again = parse(Grammar::Python, "x = 1\n").unwrap();
        assert_eq!(parses(), before + 1);
        assert_eq!(a.root_node().to_sexp(), again.root_node().to_sexp());
        let b = parse(Grammar::Python, "def f():\n    pass\n").unwrap();
        assert_ne!(a.root_node().to_sexp(), b.root_node().to_sexp());
        // The same text in another grammar is another parse.
        parse(Grammar::JavaScript, "x = 1\n").unwrap();
        assert_eq!(parses(), before + 3);
        // Large files are not kept.
        let big = "x = 1\n".repeat(LARGEST_KEPT / 6 + 1);
        parse(Grammar::Python, &big).unwrap();
        parse(Grammar::Python, &big).unwrap();
        assert_eq!(parses(), before + 5);
    }
}
