//! What the lowerings share: positions of tree-sitter nodes, their children, and the binary
//! operators of the C-like languages (JavaScript, Java, Go), which mean the same to the engine.

use super::ir::{Expr, Pos};
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

pub(crate) fn named_children(n: Node) -> Vec<Node> {
    let mut c = n.walk();
    n.named_children(&mut c).collect()
}

/// The named children that are code (comments left out: Java's `line_comment` and
/// `block_comment`, Go's `comment`).
pub(crate) fn code_children(n: Node) -> Vec<Node> {
    let mut c = n.walk();
    n.named_children(&mut c)
        .filter(|c| !c.kind_name().ends_with("comment"))
        .collect()
}

pub(crate) fn pos(n: Node) -> Pos {
    let p = n.start_position();
    Pos {
        line: p.row as u32 + 1,
        col: p.column as u32 + 1,
    }
}

pub(crate) fn end(n: Node) -> Pos {
    let p = n.end_position();
    Pos {
        line: p.row as u32 + 1,
        col: p.column as u32 + 1,
    }
}

/// `l op r` in a C-like language: `+` builds a string unless an operand is a number,
/// comparisons are comparisons, `&&`/`||` are the engine's `and`/`or`, arithmetic can be folded.
pub(crate) fn binary(op: String, l: Expr, r: Expr, p: Pos) -> Expr {
    let numeric = |e: &Expr| match e {
        Expr::Const(c, _) => c.parse::<f64>().is_ok(),
        Expr::Op(op, _, _) => !matches!(op.as_str(), "?:" | "or" | "and" | "&"),
        _ => false,
    };
    match op.as_str() {
        "+" if numeric(&l) || numeric(&r) => Expr::Op(op, vec![l, r], p),
        "+" => Expr::Concat(vec![l, r], p),
        "==" | "===" | "!=" | "!==" | "<" | ">" | "<=" | ">=" | "in" | "instanceof" => {
            Expr::Compare {
                op,
                left: Box::new(l),
                right: Box::new(r),
                pos: p,
            }
        }
        "-" | "*" | "/" | "%" | "**" => Expr::Op(op, vec![l, r], p),
        "||" => Expr::Op("or".into(), vec![l, r], p),
        "&&" => Expr::Op("and".into(), vec![l, r], p),
        _ => Expr::Other(vec![l, r], p),
    }
}

/// The escapes of a C-like string or character literal the engine needs to compare text
/// (`\n`, `\"`, `\\`); others stay as written.
pub(crate) fn unescape_c(text: &str) -> String {
    match text {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\\"" => "\"".into(),
        "\\'" => "'".into(),
        "\\\\" => "\\".into(),
        "\\0" => "\0".into(),
        other => other.to_string(),
    }
}
