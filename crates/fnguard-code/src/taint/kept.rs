//! Modules the SDK-call scan lowered, kept for the taint analysis of the same file: it runs
//! next on the same thread and takes the module instead of lowering the file a second time
//! (Java and Go files were lowered twice, once for each).

use super::ir::Module;
use crate::Language;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

/// Modules kept per thread: a handler file and the local modules it imports.
const KEPT: usize = 8;
/// Larger files are not kept, and the texts kept on one thread stay under this together.
const KEPT_BYTES: usize = 1024 * 1024;

struct Kept {
    lang: Language,
    text: Arc<str>,
    module: Module,
}

thread_local! {
    static MODULES: RefCell<VecDeque<Kept>> = const { RefCell::new(VecDeque::new()) };
}

/// Keeps `module`, lowered from `text`, for [`take`].
pub(crate) fn keep(lang: Language, text: &str, module: Module) {
    if text.len() > KEPT_BYTES {
        return;
    }
    MODULES.with(|m| {
        let mut m = m.borrow_mut();
        m.retain(|k| !(k.lang == lang && *k.text == *text));
        while m.len() >= KEPT
            || (!m.is_empty()
                && m.iter().map(|k| k.text.len()).sum::<usize>() + text.len() > KEPT_BYTES)
        {
            m.pop_front();
        }
        m.push_back(Kept {
            lang,
            text: Arc::from(text),
            module,
        });
    });
}

/// The module kept for exactly this text, which is kept no longer.
pub(crate) fn take(lang: Language, text: &str) -> Option<Module> {
    MODULES.with(|m| {
        let mut m = m.borrow_mut();
        let i = m
            .iter()
            .position(|k| k.lang == lang && k.text.len() == text.len() && *k.text == *text)?;
        m.remove(i).map(|k| k.module)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(marker: &str) -> Module {
        Module {
            imported: vec![marker.to_string()],
            ..Module::default()
        }
    }

    #[test]
    fn a_kept_module_is_taken_once_and_only_for_its_own_text_and_language() {
        keep(Language::Java, "class A {}", module("a"));
        keep(Language::Go, "package b", module("b"));
        assert!(take(Language::Java, "class B {}").is_none());
        assert!(take(Language::Go, "class A {}").is_none());
        assert_eq!(take(Language::Java, "class A {}").unwrap().imported, ["a"]);
        assert!(
            take(Language::Java, "class A {}").is_none(),
            "taken already"
        );
        assert_eq!(take(Language::Go, "package b").unwrap().imported, ["b"]);
    }

    #[test]
    fn the_oldest_modules_make_way_and_large_files_are_not_kept() {
        for i in 0..KEPT + 2 {
            keep(
                Language::Java,
                &format!("class C{i} {{}}"),
                module(&i.to_string()),
            );
        }
        assert!(take(Language::Java, "class C0 {}").is_none());
        assert!(take(Language::Java, "class C1 {}").is_none());
        assert!(take(Language::Java, &format!("class C{} {{}}", KEPT + 1)).is_some());
        let large = "x".repeat(KEPT_BYTES + 1);
        keep(Language::Java, &large, module("large"));
        assert!(take(Language::Java, &large).is_none());
    }
}
