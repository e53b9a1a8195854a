use serde::Serialize;

/// A setting as fnguard understands it after resolving variables and intrinsics.
/// `Unknown` is a value, not an error: checks that depend on it say less instead of guessing.
/// Most values are known, so the reason of an unknown one sits behind a pointer: a function has
/// some twenty settings, and a template of 90,000 functions held 40 MB of room for reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Val<T> {
    Known(T),
    Unknown(Box<Unresolved>),
}

/// Why a value could not be resolved, phrased for a user (`${ssm:/prod/key}`, `parameter Stage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub reason: String,
    /// The template elements (resources, parameters) the value is made from, when the loader
    /// knows them: what a grant or an environment variable with this value reaches is decided
    /// by these ids, not by the words of `reason` (`JobQueue2.Arn` does not name `JobQueue`).
    #[serde(skip)]
    refs: Refs,
}

/// Kept small: a `Val` is in every setting of every function. A plain reference keeps its id
/// as a span of the reason (`reference to Queue.Arn`) instead of a copy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Refs {
    #[default]
    Unknown,
    InReason {
        start: u32,
        len: u32,
    },
    List(Box<RefList>),
}

/// Several references behind a thin pointer (`Box<[String]>` is a fat one, and would make every
/// `Val` 8 bytes larger).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RefList(Vec<String>);

impl Unresolved {
    /// The template elements the value is made from; empty when they are not known.
    pub fn refs(&self) -> Vec<&str> {
        match &self.refs {
            Refs::Unknown => Vec::new(),
            Refs::InReason { start, len } => self
                .reason
                .get(*start as usize..(*start + *len) as usize)
                .into_iter()
                .collect(),
            Refs::List(list) => list.0.iter().map(String::as_str).collect(),
        }
    }

    /// Whether the value is made from the element `id`: by its references when they are known,
    /// else by the reason's text.
    pub fn mentions(&self, id: &str) -> bool {
        match &self.refs {
            Refs::Unknown => !id.is_empty() && self.reason.contains(id),
            Refs::InReason { start, len } => {
                self.reason.get(*start as usize..(*start + *len) as usize) == Some(id)
            }
            Refs::List(list) => list.0.iter().any(|r| r == id),
        }
    }
}

impl<T> Val<T> {
    pub fn unknown(reason: impl Into<String>) -> Self {
        Val::Unknown(Box::new(Unresolved {
            reason: reason.into(),
            refs: Refs::Unknown,
        }))
    }

    /// An unknown value made from the template elements `refs`.
    pub fn unknown_from(reason: impl Into<String>, refs: Vec<String>) -> Self {
        Val::Unknown(Box::new(Unresolved {
            reason: reason.into(),
            refs: if refs.is_empty() {
                Refs::Unknown
            } else {
                Refs::List(Box::new(RefList(refs)))
            },
        }))
    }

    /// An unknown value that is the element `id` (or one of its attributes): `prefix`, the id,
    /// then `.attr` when there is one.
    pub fn unknown_reference(prefix: &str, id: &str, attr: Option<&str>) -> Self {
        let reason = match attr {
            Some(a) => format!("{prefix}{id}.{a}"),
            None => format!("{prefix}{id}"),
        };
        let refs = match (u32::try_from(prefix.len()), u32::try_from(id.len())) {
            (Ok(start), Ok(len)) if !id.is_empty() => Refs::InReason { start, len },
            _ => Refs::Unknown,
        };
        Val::Unknown(Box::new(Unresolved { reason, refs }))
    }

    pub fn known(&self) -> Option<&T> {
        match self {
            Val::Known(v) => Some(v),
            Val::Unknown(_) => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown(_))
    }

    pub fn unresolved(&self) -> Option<&Unresolved> {
        match self {
            Val::Known(_) => None,
            Val::Unknown(u) => Some(u),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Val<U> {
        match self {
            Val::Known(v) => Val::Known(f(v)),
            Val::Unknown(u) => Val::Unknown(u),
        }
    }
}

impl Val<String> {
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }

    /// Case-insensitive comparison against a known string; unknown never matches.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.as_str().is_some_and(|s| s.eq_ignore_ascii_case(other))
    }
}

/// A setting together with where it was written (or where it would have to be written).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    pub value: Val<T>,
    pub location: crate::Location,
}

impl<T> Setting<T> {
    pub fn new(value: Val<T>, location: crate::Location) -> Self {
        Self { value, location }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every setting of every function holds a `Val`: references must not widen it.
    #[test]
    fn references_keep_an_unresolved_value_small() {
        assert_eq!(std::mem::size_of::<Refs>(), 16);
        assert_eq!(
            std::mem::size_of::<Unresolved>(),
            std::mem::size_of::<String>() + 16
        );
        assert_eq!(
            std::mem::size_of::<Val<String>>(),
            std::mem::size_of::<String>()
        );
        assert_eq!(std::mem::size_of::<Val<i64>>(), 16);
        let v: Val<String> = Val::unknown_from("a", vec!["Q1".into(), "Q2".into()]);
        let Val::Unknown(u) = &v else { panic!() };
        assert_eq!(u.refs(), ["Q1", "Q2"]);
        assert!(u.mentions("Q2") && !u.mentions("Q"));
    }
}
