use serde::Serialize;
use std::sync::Arc;

/// A file name as the scan reports it, shared: every setting of every function of a template
/// carries its file's name, and one allocation per copy was a large part of a big template's
/// model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileName(Arc<str>);

impl FileName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for FileName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FileName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for FileName {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&*self.0)
    }
}

impl From<Arc<str>> for FileName {
    fn from(name: Arc<str>) -> Self {
        Self(name)
    }
}

impl From<&Arc<str>> for FileName {
    fn from(name: &Arc<str>) -> Self {
        Self(name.clone())
    }
}

impl From<String> for FileName {
    fn from(name: String) -> Self {
        Self(name.into())
    }
}

impl From<&String> for FileName {
    fn from(name: &String) -> Self {
        Self(name.as_str().into())
    }
}

impl From<&str> for FileName {
    fn from(name: &str) -> Self {
        Self(name.into())
    }
}

impl PartialEq<str> for FileName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for FileName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for FileName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<FileName> for String {
    fn eq(&self, other: &FileName) -> bool {
        **self == *other.0
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for FileName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A place in a source file. Lines and columns are 1-based; `line == 0` means
/// "the file as a whole" (used when a format carries no positions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct Location {
    pub file: FileName,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(file: impl Into<FileName>, line: u32, column: u32) -> Self {
        Self {
            file: file.into(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}
