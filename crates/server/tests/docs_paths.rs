//! The docs stay true to the tree: every repository path written in
//! `README.md` and `docs/*.md` exists (file or directory), every relative
//! link leads to a file and, with a `#fragment`, to a heading of it; the
//! statements several documents make agree; the README keeps the two set-up
//! commands.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Paths a document may name before they exist in this tree.
const ALLOWED_MISSING: &[&str] = &[];

/// The top-level directories whose paths are checked when written in text.
const ROOTS: &[&str] = &["crates/", "scripts/", "tests/", "docs/"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `README.md` and every `docs/*.md`, as (path relative to the repo, text).
fn documents() -> Vec<(String, String)> {
    let root = repo();
    let mut docs = vec![(
        "README.md".to_string(),
        std::fs::read_to_string(root.join("README.md")).unwrap(),
    )];
    let mut names: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    for n in names {
        let rel = format!("docs/{n}");
        let text = std::fs::read_to_string(root.join(&rel)).unwrap();
        docs.push((rel, text));
    }
    assert!(docs.len() > 5, "the docs directory is read");
    docs
}

fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// Repository paths written in running text or code: words that start with
/// one of [`ROOTS`] (not inside a URL or a longer path), cut at the first
/// character a path does not have. A path that goes on into a placeholder
/// (`crates/<name>`) or a pattern (`crates/*`, `{ram,kms}.rs`) is skipped.
fn written_paths(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts = ROOTS.iter().any(|r| {
            let r: Vec<char> = r.chars().collect();
            bytes.len() >= i + r.len() && bytes[i..i + r.len()] == r[..]
        });
        let boundary = i == 0 || !(path_char(bytes[i - 1]) || bytes[i - 1] == ':');
        if !(starts && boundary) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && path_char(bytes[j]) {
            j += 1;
        }
        let next = bytes.get(j).copied();
        let mut p: String = bytes[i..j].iter().collect();
        i = j;
        if matches!(next, Some('<' | '*' | '{' | '[')) {
            continue;
        }
        while p.ends_with('.') || p.ends_with(',') {
            p.pop();
        }
        out.insert(p);
    }
    out
}

/// Markdown link targets `](target)`.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].trim().to_string());
        }
    }
    out
}

/// GitHub's anchor of a heading: lower case, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings (outside code blocks).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

fn exists(rel: &str) -> bool {
    repo().join(rel.trim_end_matches('/')).exists()
}

#[test]
fn every_path_the_docs_name_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for (doc, text) in documents() {
        for p in written_paths(&text) {
            checked += 1;
            if !exists(&p) && !ALLOWED_MISSING.contains(&p.as_str()) {
                missing.push(format!("{doc}: `{p}`"));
            }
        }
    }
    assert!(checked > 50, "paths are found in the docs ({checked})");
    assert!(
        missing.is_empty(),
        "paths named but missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_relative_link_leads_somewhere() {
    let root = repo();
    let mut broken = Vec::new();
    for (doc, text) in documents() {
        let dir = Path::new(&doc).parent().unwrap_or(Path::new(""));
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((f, frag)) => (f, Some(frag)),
                None => (target.as_str(), None),
            };
            let rel = if file.is_empty() {
                PathBuf::from(&doc)
            } else {
                dir.join(file)
            };
            // Normalize `..` without touching the file system.
            let mut parts: Vec<String> = Vec::new();
            for c in rel.components() {
                match c {
                    std::path::Component::ParentDir => {
                        parts.pop();
                    }
                    std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into()),
                    _ => {}
                }
            }
            let rel = parts.join("/");
            if ALLOWED_MISSING.contains(&rel.as_str()) && !root.join(&rel).exists() {
                continue;
            }
            if !root.join(&rel).exists() {
                broken.push(format!("{doc}: ({target}) → {rel} does not exist"));
                continue;
            }
            if let Some(fragment) = fragment {
                let body = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
                if !anchors(&body).contains(fragment) {
                    broken.push(format!(
                        "{doc}: ({target}) → no heading `#{fragment}` in {rel}"
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Statements that were once written differently in two places, and the
/// stale forms that must not come back.
#[test]
fn the_docs_agree_with_each_other() {
    let docs = documents();
    let text_of = |name: &str| {
        docs.iter()
            .find(|(d, _)| d == name)
            .map(|(_, t)| {
                t.to_lowercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap()
    };
    // Console sessions are in the store: any replica serves any session.
    for doc in ["docs/console.md", "docs/replicas.md"] {
        assert!(
            text_of(doc).contains("no sticky sessions"),
            "{doc} says no sticky sessions are needed"
        );
    }
    // The session cookie is `Secure` over Rampart's own TLS.
    assert!(text_of("docs/console.md")
        .contains("the cookie is `secure` when the request came over rampart's own tls"));
    assert!(text_of("docs/https.md").contains("session cookie is `secure`"));
    // The console's logon name of the account.
    for doc in ["README.md", "docs/console.md"] {
        let t = text_of(doc);
        assert!(
            t.contains("16-digit account id") && t.contains("consolelogonname"),
            "{doc} names the logon name"
        );
    }
    // Stale statements, in the docs and in the console's sources.
    const STALE: &[&str] = &[
        "use sticky sessions",
        "belongs to the replica that opened it",
        "sessions live in memory",
        "restart logs everyone out",
        "so today it never does",
        "so today that is never the case",
        "gateway/src/target.rs",
    ];
    let mut sources: Vec<(String, String)> = docs.clone();
    let console = repo().join("crates/server/src/console");
    for e in std::fs::read_dir(&console).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            sources.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    for (name, text) in &sources {
        let flat = text
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let flat = flat.replace("/// ", "").replace("//! ", "");
        for stale in STALE {
            assert!(!flat.contains(stale), "{name} says `{stale}`");
        }
    }
}

#[test]
fn the_readme_keeps_the_two_commands() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme
        .contains("Run the server on the embedded default store (SQLite in `./rampart-data`):"));
    assert!(readme.contains("```sh\ncargo run --release -- serve\n```"));
    assert!(readme.contains("Run the whole test suite:\n\n```sh\n./scripts/test.sh\n```"));
    let lines = readme.lines().count();
    assert!(
        lines <= 200,
        "the README is {lines} lines; the rest belongs in docs/"
    );
}

#[test]
fn path_scanner() {
    let t = "see `crates/gateway/src/ram.rs`, scripts/soak.sh. and https://x.y/crates/no \
             `crates/<name>/src` `crates/*` tests/console/";
    let got: Vec<String> = written_paths(t).into_iter().collect();
    assert_eq!(
        got,
        [
            "crates/gateway/src/ram.rs",
            "scripts/soak.sh",
            "tests/console/"
        ]
    );
    assert_eq!(
        anchor("Caches across replicas (PostgreSQL)"),
        "caches-across-replicas-postgresql"
    );
    assert_eq!(
        anchor("What is authorized, and how"),
        "what-is-authorized-and-how"
    );
}

/// The workspace crates each crate's `Cargo.toml` lists under
/// `[dependencies]` (by directory name: `rampart-core` is `core`).
fn workspace_deps(krate: &str) -> BTreeSet<String> {
    let toml =
        std::fs::read_to_string(repo().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut section = String::new();
    let mut out = BTreeSet::new();
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
        } else if section == "[dependencies]" {
            if let Some(rest) = line.strip_prefix("rampart-") {
                let name: String = rest
                    .chars()
                    .take_while(|c| *c != ' ' && *c != '=')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn the_architecture_table_follows_the_manifests() {
    let doc = std::fs::read_to_string(repo().join("docs/architecture.md")).unwrap();
    let mut rows = std::collections::BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 4 && cells[1].starts_with('`') && !cells[1].contains(' ') {
            let krate = cells[1].trim_matches('`').to_string();
            let deps: BTreeSet<String> = cells[2]
                .split(',')
                .map(|d| d.trim().trim_matches('`').to_string())
                .filter(|d| !d.is_empty() && d != "—")
                .collect();
            rows.insert(krate, deps);
        }
    }
    let mut crates: Vec<String> = std::fs::read_dir(repo().join("crates"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    crates.sort();
    for krate in &crates {
        let listed = rows
            .get(krate)
            .unwrap_or_else(|| panic!("docs/architecture.md has no row for `{krate}`"));
        assert_eq!(
            listed,
            &workspace_deps(krate),
            "docs/architecture.md: the workspace dependencies of `{krate}` differ from its Cargo.toml"
        );
    }
    assert_eq!(
        rows.len(),
        crates.len(),
        "rows for crates that do not exist: {rows:?}"
    );
}
