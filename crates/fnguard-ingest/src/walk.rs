//! The walk of discovery: every directory under the root listed once, on every core, honouring
//! the ignore files a user's other tools honour. It keeps the rules of the `ignore` crate's
//! walker with the options discovery used to give it (`hidden(false)`, `require_git(false)`,
//! `follow_links(false)`, the rest default): the `.ignore` and `.gitignore` files of the root,
//! of its subdirectories and of its parent directories, `.git/info/exclude` beside a `.git`,
//! git's global excludes file, and the overrides from `fnguard.toml`'s excludes; symbolic links
//! are not followed.
//!
//! Unlike that walker it compiles an ignore file once per distinct content. Serverless monorepos
//! repeat the same generated `.gitignore` in hundreds of projects (417 files, 187 distinct, in
//! aws-samples/serverless-patterns), and compiling them, a regular expression per glob, was
//! about a twentieth of a whole scan. The tests walk generated trees both ways and require the
//! same files.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::Override;
use ignore::Match;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Regular files (not symbolic links), in no particular order.
    pub files: Vec<PathBuf>,
    /// Directories that could not be listed and ignore-file lines that could not be used (bad
    /// globs, text that is not UTF-8), one message each, in no particular order.
    pub errors: Vec<String>,
}

/// An entry of a listed directory, as the caller's filter sees it.
pub(crate) struct Entry<'a> {
    pub path: &'a Path,
    pub name: &'a OsStr,
    pub is_dir: bool,
    /// Whether the entry's directory holds a `*.dist-info` directory (pip installed there).
    pub beside_dist_info: bool,
}

/// Lists `root` and every directory under it that neither an ignore rule nor `keep` excludes.
pub(crate) fn walk(
    root: &Path,
    overrides: &Override,
    keep: &(dyn Fn(&Entry) -> bool + Sync),
) -> Walked {
    let walk = Walk {
        root,
        absolute_root: root.canonicalize().ok(),
        overrides,
        keep,
        global: Gitignore::global().0,
        compiled: Mutex::new(HashMap::new()),
        out: Mutex::new(Walked::default()),
    };
    let above = walk.parent_rules();
    rayon::scope(|s| walk.visit(s, root.to_path_buf(), above));
    walk.out.into_inner().unwrap_or_default()
}

struct Walk<'a> {
    root: &'a Path,
    /// Where the root really is; rules of its parent directories match against it.
    absolute_root: Option<PathBuf>,
    overrides: &'a Override,
    keep: &'a (dyn Fn(&Entry) -> bool + Sync),
    global: Gitignore,
    /// Ignore files by content, compiled without a root: each directory's rules are matched
    /// with paths relative to it.
    compiled: Mutex<HashMap<Vec<u8>, Arc<Gitignore>>>,
    out: Mutex<Walked>,
}

/// The ignore rules one directory adds, and those of the directories above it.
struct Level {
    dir: PathBuf,
    /// A parent directory of the root: its rules see the root's absolute path.
    above_root: bool,
    dot_ignore: Option<Arc<Gitignore>>,
    gitignore: Option<Arc<Gitignore>>,
    exclude: Option<Arc<Gitignore>>,
    parent: Option<Arc<Level>>,
}

impl Walk<'_> {
    fn visit<'s>(&'s self, scope: &rayon::Scope<'s>, dir: PathBuf, above: Option<Arc<Level>>) {
        let listing = match std::fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(e) => {
                self.error(format!("{}: {e}", dir.display()));
                return;
            }
        };
        let mut entries = Vec::new();
        for entry in listing {
            match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
                Ok(entry) => entries.push(entry),
                Err(e) => self.error(format!("{}: {e}", dir.display())),
            }
        }
        let has = |name: &str| entries.iter().any(|(n, _)| n == name);
        let level = self.level(&dir, false, has(".ignore"), has(".gitignore"), has(".git"));
        let rules = match level {
            Some(mut level) => {
                level.parent = above;
                Some(Arc::new(level))
            }
            None => above,
        };
        let beside_dist_info = entries
            .iter()
            .any(|(n, t)| t.is_dir() && n.as_encoded_bytes().ends_with(b".dist-info"));
        let mut files = Vec::new();
        for (name, file_type) in &entries {
            let path = dir.join(name);
            let is_dir = file_type.is_dir();
            if self.ignored(rules.as_deref(), &path, is_dir) {
                continue;
            }
            let entry = Entry {
                path: &path,
                name,
                is_dir,
                beside_dist_info,
            };
            if !(self.keep)(&entry) {
                continue;
            }
            if is_dir {
                let rules = rules.clone();
                scope.spawn(move |s| self.visit(s, path, rules));
            } else if file_type.is_file() {
                files.push(path);
            }
        }
        if !files.is_empty() {
            if let Ok(mut out) = self.out.lock() {
                out.files.append(&mut files);
            }
        }
    }

    /// Whether the rules of `path`'s directory and those above exclude it: the overrides first,
    /// then the innermost match among `.ignore` files, else among `.gitignore` files, else
    /// among `.git/info/exclude` files, else git's global excludes.
    fn ignored(&self, rules: Option<&Level>, path: &Path, is_dir: bool) -> bool {
        match self.overrides.matched(path, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
        let (mut dot_ignore, mut gitignore, mut exclude) = (Match::None, Match::None, Match::None);
        let mut level = rules;
        while let Some(l) = level {
            let absolute;
            let relative = if l.above_root {
                let (Some(absolute_root), Ok(below)) =
                    (&self.absolute_root, path.strip_prefix(self.root))
                else {
                    break;
                };
                absolute = absolute_root.join(below);
                absolute.strip_prefix(&l.dir)
            } else {
                path.strip_prefix(&l.dir)
            };
            let Ok(relative) = relative else { break };
            for (found, rules) in [
                (&mut dot_ignore, &l.dot_ignore),
                (&mut gitignore, &l.gitignore),
                (&mut exclude, &l.exclude),
            ] {
                if let (true, Some(rules)) = (found.is_none(), rules) {
                    *found = rules.matched(relative, is_dir).map(|_| ());
                }
            }
            level = l.parent.as_deref();
        }
        dot_ignore
            .or(gitignore)
            .or(exclude)
            .or(self.global.matched(path, is_dir).map(|_| ()))
            .is_ignore()
    }

    /// The rules of the root's parent directories, outermost last.
    fn parent_rules(&self) -> Option<Arc<Level>> {
        let absolute_root = self.absolute_root.as_deref()?;
        let mut above: Option<Arc<Level>> = None;
        let mut parents: Vec<&Path> = absolute_root.ancestors().skip(1).collect();
        parents.reverse();
        for dir in parents {
            let exists = |name: &str| dir.join(name).exists();
            if let Some(mut level) = self.level(
                dir,
                true,
                exists(".ignore"),
                exists(".gitignore"),
                exists(".git"),
            ) {
                level.parent = above;
                above = Some(Arc::new(level));
            }
        }
        above
    }

    /// The rules `dir` adds, None when it adds none.
    fn level(
        &self,
        dir: &Path,
        above_root: bool,
        has_dot_ignore: bool,
        has_gitignore: bool,
        has_git: bool,
    ) -> Option<Level> {
        let dot_ignore = has_dot_ignore
            .then(|| self.compile(&dir.join(".ignore")))
            .flatten();
        let gitignore = has_gitignore
            .then(|| self.compile(&dir.join(".gitignore")))
            .flatten();
        let exclude = has_git
            .then(|| std::fs::metadata(dir.join(".git")).ok())
            .flatten()
            .and_then(|git| git_common_dir(dir, git.file_type()))
            .and_then(|git_dir| {
                let path = git_dir.join("info/exclude");
                path.exists().then(|| self.compile(&path)).flatten()
            });
        if dot_ignore.is_none() && gitignore.is_none() && exclude.is_none() {
            return None;
        }
        Some(Level {
            dir: dir.to_path_buf(),
            above_root,
            dot_ignore,
            gitignore,
            exclude,
            parent: None,
        })
    }

    /// The rules of one ignore file, None when it has none or cannot be read. Its problems
    /// (bad globs, lines that are not UTF-8) are reported as the `ignore` crate reports them.
    fn compile(&self, path: &Path) -> Option<Arc<Gitignore>> {
        let content = std::fs::read(path).ok()?;
        let known = self
            .compiled
            .lock()
            .ok()
            .and_then(|c| c.get(&content).cloned());
        if let Some(rules) = known {
            return (!rules.is_empty()).then_some(rules);
        }
        // The builder reads the file again (once per distinct content) so that its problems
        // carry the file and line exactly as the `ignore` crate words them.
        let mut builder = GitignoreBuilder::new("");
        let problem = builder.add(path).filter(|e| !e.is_io());
        let rules = match builder.build() {
            Ok(rules) => Arc::new(rules),
            Err(e) => {
                self.error(e.to_string());
                Arc::new(Gitignore::empty())
            }
        };
        match problem {
            // The message names the file, so a file with problems is compiled for each path.
            Some(problem) => self.error(problem.to_string()),
            None => {
                if let Ok(mut c) = self.compiled.lock() {
                    c.insert(content, rules.clone());
                }
            }
        }
        (!rules.is_empty()).then_some(rules)
    }

    fn error(&self, message: String) {
        if let Ok(mut out) = self.out.lock() {
            out.errors.push(message);
        }
    }
}

/// The directory holding a repository's shared files (`info/exclude`) for the `.git` in `dir`:
/// `.git` itself, or for a worktree whose `.git` is a file, the `commondir` its `gitdir` names.
fn git_common_dir(dir: &Path, git_type: std::fs::FileType) -> Option<PathBuf> {
    let git = dir.join(".git");
    if !git_type.is_file() {
        return Some(git);
    }
    let first_line = |path: &Path| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string))
    };
    let git_dir = PathBuf::from(first_line(&git)?.strip_prefix("gitdir: ")?);
    let common = first_line(&git_dir.join("commondir"))?;
    Some(if common.starts_with('.') {
        git_dir.join(common)
    } else {
        PathBuf::from(common)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The files the `ignore` crate's walker gives with the options discovery used before.
    fn reference(root: &Path, overrides: Override) -> Vec<PathBuf> {
        let files = Mutex::new(Vec::new());
        ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .overrides(overrides)
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    if let Ok(e) = entry {
                        if e.file_type().is_some_and(|t| t.is_file()) {
                            files.lock().unwrap().push(e.into_path());
                        }
                    }
                    ignore::WalkState::Continue
                })
            });
        let mut files = files.into_inner().unwrap();
        files.sort();
        files
    }

    fn ours(root: &Path, overrides: &Override) -> Walked {
        let mut walked = walk(root, overrides, &|_| true);
        walked.files.sort();
        walked
    }

    /// Our walk of `root`, after checking that it lists what the `ignore` crate's walk lists.
    fn walked_as_the_ignore_crate_walks(root: &Path, overrides: Override) -> Walked {
        let walked = ours(root, &overrides);
        assert_eq!(walked.files, reference(root, overrides));
        walked
    }

    /// The same files, `(path, text)`, written under each of `projects`.
    fn write_projects(root: &Path, projects: &[&str], files: &[(&str, &str)]) {
        for p in projects {
            for (rel, text) in files {
                write(root, &format!("{p}/{rel}"), text);
            }
        }
    }

    fn no_overrides(root: &Path) -> Override {
        ignore::overrides::OverrideBuilder::new(root)
            .build()
            .unwrap()
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn nested_ignore_files_negations_and_excludes_give_the_ignore_crates_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "a/keep.py",
            "a/drop.log",
            "a/build/out.js",
            "a/build/keep.js",
            "a/sub/x.log",
            "a/sub/deep/y.txt",
            "b/drop.log",
            "b/only/z.txt",
            "c/local.txt",
            "c/other.txt",
            "d/e/f.txt",
            "top.txt",
        ] {
            write(root, f, "x");
        }
        write(root, ".gitignore", "*.log\n/top.txt\n");
        write(root, "a/.gitignore", "build/\n!sub/x.log\n");
        // A negation in a deeper file wins over the parent's rule; `.ignore` beats `.gitignore`.
        write(root, "b/.gitignore", "!drop.log\n");
        write(root, "b/.ignore", "only\n");
        write(root, "c/.git/info/exclude", "local.txt\n");
        write(root, "d/.gitignore", "e/f.txt\n");
        let overrides = {
            let mut b = ignore::overrides::OverrideBuilder::new(root);
            b.add("!c/other.txt").unwrap();
            b.build().unwrap()
        };
        let walked = walked_as_the_ignore_crate_walks(root, overrides);
        let names: Vec<String> = walked
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert!(names.contains(&"a/sub/x.log".to_string()), "{names:?}");
        assert!(!names.contains(&"a/build/keep.js".to_string()), "{names:?}");
        assert!(names.contains(&"b/drop.log".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.starts_with("b/only")), "{names:?}");
        assert!(!names.contains(&"c/local.txt".to_string()), "{names:?}");
        assert!(!names.contains(&"c/other.txt".to_string()), "{names:?}");
        assert!(!names.contains(&"d/e/f.txt".to_string()), "{names:?}");
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    }

    #[test]
    fn the_same_ignore_file_in_two_directories_matches_relative_to_each() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_projects(
            root,
            &["p1", "p2/deeper"],
            &[
                (".gitignore", "/dist\nlib/*.js\n"),
                ("dist/a.js", "x"),
                ("lib/a.js", "x"),
                ("lib/a.ts", "x"),
                ("src/dist/b.js", "x"),
            ],
        );
        let walked = walked_as_the_ignore_crate_walks(root, no_overrides(root));
        // In each project: its `.gitignore`, `lib/a.ts` and `src/dist/b.js`.
        assert_eq!(walked.files.len(), 2 * 3, "{:?}", walked.files);
    }

    #[test]
    fn a_bad_glob_is_reported_with_its_file_and_line_for_each_copy() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_projects(
            root,
            &["one", "two"],
            &[
                (".gitignore", "ok.txt\n{a,b\n"),
                ("ok.txt", "x"),
                ("kept.txt", "x"),
            ],
        );
        let mut walked = walked_as_the_ignore_crate_walks(root, no_overrides(root));
        walked.errors.sort();
        assert_eq!(walked.errors.len(), 2, "{:?}", walked.errors);
        assert!(
            walked.errors[0].contains("one/.gitignore: line 2"),
            "{:?}",
            walked.errors
        );
        assert!(
            walked.errors[1].contains("two/.gitignore: line 2"),
            "{:?}",
            walked.errors
        );
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "real/a.txt", "x");
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(root.join("real/a.txt"), root.join("b.txt")).unwrap();
        std::os::unix::fs::symlink(root, root.join("real/loop")).unwrap();
        let walked = walked_as_the_ignore_crate_walks(root, no_overrides(root));
        assert_eq!(walked.files, vec![root.join("real/a.txt")]);
    }

    const NAMES: &[&str] = &["a", "b", "x.log", "y.js", "build", "keep.txt"];
    const LINES: &[&str] = &[
        "*.log",
        "!x.log",
        "build/",
        "/a",
        "a/",
        "b/*.js",
        "**/build",
        "!keep.txt",
        "keep.txt",
        "*",
        "!*/",
        "# comment",
        "y.js",
        "\\!b",
        "a/**/y.js",
        "",
    ];

    fn tree() -> impl Strategy<Value = Vec<(String, Option<Vec<usize>>)>> {
        // Paths of up to three components; a path ending in an ignore file name gets lines.
        let component = 0..NAMES.len();
        let file = prop::collection::vec(component, 1..4);
        let ignore_file = prop::option::of(prop::collection::vec(0..LINES.len(), 0..4));
        prop::collection::vec((file, 0..4usize, ignore_file), 1..24).prop_map(|items| {
            items
                .into_iter()
                .map(|(parts, kind, lines)| {
                    let dir: Vec<&str> = parts.iter().map(|&k| NAMES[k]).collect();
                    match (kind, lines) {
                        (0, Some(lines)) => (format!("{}/.gitignore", dir.join("/")), Some(lines)),
                        (1, Some(lines)) => (format!("{}/.ignore", dir.join("/")), Some(lines)),
                        (2, Some(lines)) => {
                            (format!("{}/.git/info/exclude", dir.join("/")), Some(lines))
                        }
                        _ => (format!("{}/f.{kind}", dir.join("/")), None),
                    }
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test]
        fn generated_trees_walk_as_the_ignore_crate_walks_them(items in tree(), root_lines in prop::collection::vec(0..LINES.len(), 0..4)) {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let text = |lines: &[usize]| lines.iter().map(|&k| format!("{}\n", LINES[k])).collect::<String>();
            std::fs::write(root.join(".gitignore"), text(&root_lines)).unwrap();
            for (rel, lines) in &items {
                let path = root.join(rel);
                // A name used both as a file and a directory: the first one written wins.
                if std::fs::create_dir_all(path.parent().unwrap()).is_err() || path.is_dir() {
                    continue;
                }
                let _ = std::fs::write(&path, lines.as_deref().map(text).unwrap_or_default());
            }
            let overrides = no_overrides(root);
            prop_assert_eq!(ours(root, &overrides).files, reference(root, overrides));
        }
    }
}
