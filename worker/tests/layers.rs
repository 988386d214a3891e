//! The worker's modules form layers that import only downward: `rules` < `store` < `services`
//! < `http` (`lib.rs`, the entry points, is above them all). A module may name its own layer's
//! modules, but no two modules may name each other, directly or round a longer cycle.
//!
//! Read from the sources as text: every `.rs` file under `worker/src` is a module, and what it
//! names is every `crate::…` path (`use` trees included) and every `super::…` path outside
//! comments and string literals. A path counts as naming the longest module it starts with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first.
const LAYERS: [&str; 4] = ["rules", "store", "services", "http"];

#[test]
fn the_worker_imports_only_downward_and_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = BTreeMap::new();
    read_modules(&src, &src, &mut sources);
    assert!(sources.len() > 30, "only {} modules found", sources.len());
    let graph = graph(&sources);
    // The reading itself works: a handler names the service it logs through.
    assert!(graph["http::shares"].contains("services::audit"));
    assert!(graph["services::audit"].contains("services::sequencer"));
    let problems = problems(&graph);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn an_upward_import_and_a_cycle_are_found() {
    let sources: BTreeMap<String, String> = [
        ("rules::limits", "use crate::store::config::limits;"),
        ("rules::error", "pub struct ApiError;"),
        ("store", "pub struct Db;"),
        (
            "store::parts",
            "mod tests { use super::*; use super::super::Db; }",
        ),
        (
            "store::config",
            "use crate::rules::{limits::{self, Limits}, error::ApiError};",
        ),
        (
            "services::a",
            "use crate::services::b::X; // crate::http::api in a comment",
        ),
        (
            "services::b",
            "fn f() -> super::a::Y { \"crate::http\"; crate::store::Db }",
        ),
        ("http::api", "use crate::services::a;"),
    ]
    .into_iter()
    .map(|(m, s)| (m.to_string(), s.to_string()))
    .collect();
    let graph = graph(&sources);
    assert_eq!(
        graph["store::config"],
        ["rules::limits".to_string(), "rules::error".to_string()].into()
    );
    assert_eq!(graph["store::parts"], ["store".to_string()].into());
    assert_eq!(
        graph["services::b"],
        ["services::a".to_string(), "store".to_string()].into()
    );
    let problems = problems(&graph);
    assert!(
        problems
            .contains(&"rules::limits (rules) names store::config (store), a higher layer".into()),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("cycle: ")
            && p.contains("services::a -> services::b")
            && !p.contains("http")),
        "{problems:?}"
    );
    assert!(problems
        .iter()
        .any(|p| p.contains("rules::limits -> store::config")));
}

/// Every `.rs` file below `dir`, by module path (`src/lib.rs` is `crate`, `a/mod.rs` is `a`).
fn read_modules(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_modules(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().with_extension("");
            let mut segments: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
                segments.pop();
            }
            let module = if segments.is_empty() {
                "crate".to_string()
            } else {
                segments.join("::")
            };
            out.insert(module, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Which modules each module names (never itself).
fn graph(sources: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<&str> = sources.keys().map(String::as_str).collect();
    sources
        .iter()
        .map(|(module, source)| {
            let named = paths(module, &tokens(&code_only(source)))
                .into_iter()
                .filter_map(|path| longest_module(&path, &known))
                .filter(|named| named != module)
                .collect();
            (module.clone(), named)
        })
        .collect()
}

/// Upward imports and cycles, one sentence each.
fn problems(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut problems = Vec::new();
    for (module, named) in graph {
        if module == "crate" {
            continue;
        }
        let Some(own) = layer(module) else {
            problems.push(format!("{module} is in no layer ({})", LAYERS.join(", ")));
            continue;
        };
        for other in named {
            if let Some(higher) = layer(other).filter(|&l| l > own) {
                problems.push(format!(
                    "{module} ({}) names {other} ({}), a higher layer",
                    LAYERS[own], LAYERS[higher]
                ));
            }
        }
    }
    problems.extend(
        cycles(graph)
            .into_iter()
            .map(|c| format!("cycle: {}", c.join(" -> "))),
    );
    problems
}

fn layer(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|l| module.split("::").next() == Some(l))
}

/// One cycle through each group of modules that reach one another, as a path that ends where
/// it starts.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for start in graph.keys() {
        if reported.contains(start) {
            continue;
        }
        if let Some(path) = path_back(graph, start) {
            reported.extend(path.iter().cloned());
            found.push(path);
        }
    }
    found
}

/// The shortest path from `start` back to itself, if there is one (breadth first).
fn path_back(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                let mut steps = Vec::new();
                let mut step = at;
                while step != start {
                    steps.push(step.to_string());
                    step = came_from[step];
                }
                steps.reverse();
                let mut path = vec![start.to_string()];
                path.extend(steps);
                path.push(start.to_string());
                return Some(path);
            }
            if !came_from.contains_key(next.as_str()) {
                came_from.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// The longest module that `path` starts with, if any.
fn longest_module(path: &[String], known: &BTreeSet<&str>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| known.contains(candidate.as_str()))
        .or_else(|| known.contains("crate").then(|| "crate".to_string()))
}

/// `source` with comments, string literals and character literals blanked out.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&chars, i) {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\''); a lifetime has no closing quote.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Other,
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        out.push(match c {
            ':' if chars.get(i + 1) == Some(&':') => {
                i += 1;
                Token::Path
            }
            '{' => Token::Open,
            '}' => Token::Close,
            ',' => Token::Comma,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            _ => Token::Other,
        });
        i += 1;
    }
    out
}

/// Every path that starts at `crate::` or `super::` (relative to `module`), use trees expanded,
/// as its segments from the crate root.
fn paths(module: &str, tokens: &[Token]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut here: Vec<String> = if module == "crate" {
        Vec::new()
    } else {
        module.split("::").map(String::from).collect()
    };
    // Inline modules (`mod tests { … }`) by the brace depth inside them: `super` there is the file.
    let mut depth = 0;
    let mut inline: Vec<usize> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    here.pop();
                }
                depth -= 1;
            }
            _ => {}
        }
        let Token::Ident(word) = token else { continue };
        if word == "mod" {
            if let (Some(Token::Ident(name)), Some(Token::Open)) =
                (tokens.get(i + 1), tokens.get(i + 2))
            {
                here.push(name.clone());
                inline.push(depth + 1);
            }
            continue;
        }
        if tokens.get(i + 1) != Some(&Token::Path) {
            continue;
        }
        // Only the first segment of a path: `a::crate::` is no path, and `super::super::` is
        // taken whole from its first `super`.
        if i > 0 && tokens[i - 1] == Token::Path {
            continue;
        }
        let (mut prefix, mut at) = match word.as_str() {
            "crate" => (Vec::new(), i + 2),
            "super" => (here[..here.len().saturating_sub(1)].to_vec(), i + 2),
            _ => continue,
        };
        while let (Some(Token::Ident(s)), Some(Token::Path)) = (tokens.get(at), tokens.get(at + 1))
        {
            if s != "super" {
                break;
            }
            prefix.pop();
            at += 2;
        }
        tree(tokens, &mut at, prefix, &mut out);
    }
    out
}

/// Reads one use tree (or path) at `tokens[*at]` under `prefix`, pushing each path it names.
fn tree(tokens: &[Token], at: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    loop {
        match tokens.get(*at) {
            Some(Token::Open) => {
                *at += 1;
                loop {
                    match tokens.get(*at) {
                        Some(Token::Close) => {
                            *at += 1;
                            return;
                        }
                        Some(Token::Comma) => *at += 1,
                        None => return,
                        _ => tree(tokens, at, prefix.clone(), out),
                    }
                }
            }
            Some(Token::Ident(segment)) => {
                if segment != "self" {
                    prefix.push(segment.clone());
                }
                *at += 1;
                if tokens.get(*at) == Some(&Token::Path) {
                    *at += 1;
                    continue;
                }
                // `as name` renames what was just named.
                if tokens.get(*at) == Some(&Token::Ident("as".into())) {
                    *at += 2;
                }
                out.push(prefix);
                return;
            }
            _ => {
                out.push(prefix);
                return;
            }
        }
    }
}
