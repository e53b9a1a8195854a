//! What a handler's own writes look like to the trigger that fires on them, and which records
//! the handler acts on: the facts that tell a recursive trigger loop from a handler that
//! ignores its own output (FG802).

/// Writes whose key fields decide whether the records they create pass the handler's filter.
pub(crate) fn writes_keys(action: &str) -> bool {
    matches!(
        action,
        "s3:PutObject"
            | "s3:CopyObject"
            | "dynamodb:PutItem"
            | "dynamodb:UpdateItem"
            | "events:PutEvents"
    )
}

/// What a written key value is known to start and end with, from its literal start (and
/// whether that is all of it) and its literal end; `None` when neither is known.
pub(crate) fn key_literal(
    field: String,
    start: Option<(String, bool)>,
    end: impl FnOnce() -> Option<String>,
) -> Option<fnguard_model::KeyLiteral> {
    let (prefix, exact) = start.unwrap_or_default();
    let suffix = if exact {
        prefix.clone()
    } else {
        end().unwrap_or_default()
    };
    (exact || !prefix.is_empty() || !suffix.is_empty()).then_some(fnguard_model::KeyLiteral {
        field,
        prefix,
        exact,
        suffix,
    })
}

/// Calls that only normalise a key (`unquote_plus(key)`, `decodeURIComponent(key)`): the field
/// tested is their argument's.
pub(crate) fn is_key_normaliser(callee: &str) -> bool {
    let short = callee.rsplit('.').next().unwrap_or(callee);
    matches!(
        short,
        "unquote" | "unquote_plus" | "decodeURIComponent" | "decodeURI" | "str" | "String"
    )
}
