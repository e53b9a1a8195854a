//! Node kinds and fields of tree-sitter syntax trees, looked up by number.
//!
//! `Node::kind` measures and UTF-8-validates the C string of the node's type on every call, and
//! `Node::child_by_field_name` finds the field's number by comparing the name with each of the
//! grammar's field names (`strncmp`). The handler analyses and the CDK reader ask both for
//! nearly every node of every file, several times: 5 % of a scan of serverless-patterns went to
//! those string scans. [`NodeExt`] answers from tables built once per grammar and thread.

use std::cell::RefCell;
use std::num::NonZeroU16;
use tree_sitter::Node;

/// Fast forms of `kind` and `child_by_field_name`, with the same answers.
pub trait NodeExt<'t> {
    /// The node's type, as [`Node::kind`].
    fn kind_name(&self) -> &'static str;
    /// The child in field `name`, as [`Node::child_by_field_name`]. Meant for literal names:
    /// the number is remembered per name's address.
    fn field(&self, name: &'static str) -> Option<Node<'t>>;
}

impl<'t> NodeExt<'t> for Node<'t> {
    fn kind_name(&self) -> &'static str {
        let id = usize::from(self.kind_id());
        let known = with_grammar(self, |g| g.kinds.get(id).copied().flatten());
        // Ids outside the table are the built-in `ERROR` and `_ERROR`.
        known.unwrap_or_else(|| self.kind())
    }

    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        let id = with_grammar(self, |g| g.field_id(self, name));
        self.child_by_field_id(id?.get())
    }
}

/// What is known of one grammar.
struct Grammar {
    /// The grammar's `TSLanguage` address.
    language: usize,
    /// Node type names by kind id.
    kinds: Vec<Option<&'static str>>,
    /// Field numbers by the address and length of the name asked for (None: no such field).
    fields: Vec<((usize, usize), Option<NonZeroU16>)>,
}

impl Grammar {
    fn new(language: usize, node: &Node) -> Self {
        let lang = node.language();
        let kinds = (0..lang.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| lang.node_kind_for_id(id))
            })
            .collect();
        Grammar {
            language,
            kinds,
            fields: Vec::new(),
        }
    }

    fn field_id(&mut self, node: &Node, name: &'static str) -> Option<NonZeroU16> {
        let key = (name.as_ptr() as usize, name.len());
        // A grammar has a few dozen field names and a program asks for them from a few hundred
        // places; a linear search over addresses costs less than hashing.
        if let Some((_, id)) = self.fields.iter().find(|(k, _)| *k == key) {
            return *id;
        }
        let id = node.language().field_id_for_name(name);
        self.fields.push((key, id));
        id
    }
}

thread_local! {
    /// Grammars met on this thread, the last one used first.
    static GRAMMARS: RefCell<Vec<Grammar>> = const { RefCell::new(Vec::new()) };
}

fn with_grammar<R>(node: &Node, f: impl FnOnce(&mut Grammar) -> R) -> R {
    // Copying a static grammar returns the same address (only WebAssembly grammars are
    // reference-counted, and fnguard loads none), so the address names the grammar.
    let language = node.language().clone().into_raw() as usize;
    GRAMMARS.with(|grammars| {
        let mut grammars = grammars.borrow_mut();
        let at = match grammars.iter().position(|g| g.language == language) {
            Some(0) => 0,
            Some(k) => {
                grammars.swap(0, k);
                0
            }
            None => {
                grammars.insert(0, Grammar::new(language, node));
                0
            }
        };
        f(&mut grammars[at])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(language: tree_sitter::Language, text: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language).unwrap();
        parser.parse(text, None).unwrap()
    }

    fn every_node(tree: &tree_sitter::Tree) -> Vec<Node<'_>> {
        let mut out = Vec::new();
        let mut todo = vec![tree.root_node()];
        while let Some(n) = todo.pop() {
            out.push(n);
            let mut c = n.walk();
            todo.extend(n.children(&mut c));
        }
        out
    }

    const FIELDS: [&str; 8] = [
        "name",
        "body",
        "function",
        "arguments",
        "left",
        "right",
        "value",
        "no_such_field",
    ];

    /// Every node of two grammars (whose kind ids and field numbers differ), read alternately on
    /// one thread, errors and aliased nodes included: the answers are tree-sitter's own.
    #[test]
    fn answers_are_those_of_tree_sitter_in_every_grammar() {
        let python = parse(
            tree_sitter_python::LANGUAGE.into(),
            "import os\nclass A(B):\n    def f(self, x=1):\n        return os.system(x) + )\n",
        );
        let typescript = parse(
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            "import { X } from './x';\nclass S extends Stack { constructor(a: A) { super(a); \
             this.f = new Function(this, 'F', { handler: 'h' }); } }\nconst y = <any>z; (",
        );
        let (p, t) = (every_node(&python), every_node(&typescript));
        assert!(p.iter().any(|n| n.is_error()) && t.iter().any(|n| n.is_error()));
        for k in 0..p.len().max(t.len()) {
            for n in [p.get(k), t.get(k)].into_iter().flatten() {
                assert_eq!(n.kind_name(), n.kind());
                for name in FIELDS {
                    assert_eq!(
                        n.field(name),
                        n.child_by_field_name(name),
                        "{name} of {n:?}"
                    );
                }
            }
        }
    }

    /// The same field name at two addresses (two string literals) is the same field.
    #[test]
    fn a_name_is_found_from_any_address() {
        let tree = parse(tree_sitter_python::LANGUAGE.into(), "def f():\n    pass\n");
        let def = tree.root_node().child(0).unwrap();
        let owned: &'static str = String::from("name").leak();
        assert_eq!(def.field(owned), def.field("name"));
        assert_eq!(def.field(owned).unwrap().kind_name(), "identifier");
    }
}
