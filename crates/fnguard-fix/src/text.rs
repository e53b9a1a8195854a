//! Byte positions in a file's text, shared by the YAML, JSON and Terraform editors. Offsets
//! come from parsers (always character boundaries) or from a step back over one byte, so line
//! searches are byte-wise.

/// The start of the line `offset` is on.
pub(crate) fn line_start(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1)
}

/// The byte just after the end of the line `offset` is on (after its newline), or the text's
/// end.
pub(crate) fn after_line(text: &str, offset: usize) -> usize {
    let start = offset.min(text.len());
    text.as_bytes()[start..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |i| start + i + 1)
}

/// The spaces and tabs that start the line `offset` is on.
pub(crate) fn indentation(text: &str, offset: usize) -> &str {
    let line = &text[line_start(text, offset)..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// `text` with `range` replaced by `with`.
pub(crate) fn splice(text: &str, range: std::ops::Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}
