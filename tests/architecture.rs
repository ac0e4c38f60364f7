//! The layers of `docs/architecture.md`, checked against the code: every
//! module of `src/` is in exactly one layer, and a module imports only
//! from lower layers — by a `use crate::…` line, a `use crate::{…}` group
//! or an inline `crate::…` path, in code that is not a test. Inside a
//! folder module, files may use each other (`super::…`, `crate::m::…`),
//! but no file imports another in a circle. The table is read from the
//! document itself, so the two cannot drift apart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → layer, from the table of `docs/architecture.md`
/// (rows `| N | name | module, module, … |`).
fn layers() -> BTreeMap<String, u32> {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let text = std::fs::read_to_string(&doc).unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let [n, _, modules, ..] = cells[..] else {
            continue;
        };
        let Ok(n) = n.parse::<u32>() else { continue };
        for m in modules.split(',') {
            let m = m.trim().trim_matches('`');
            if m.is_empty() {
                continue;
            }
            if let Some(old) = out.insert(m.to_string(), n) {
                panic!("{m} is in layers {old} and {n} of docs/architecture.md");
            }
        }
    }
    assert!(
        out.len() > 20,
        "the layer table of docs/architecture.md has {} modules",
        out.len()
    );
    out
}

/// Every `.rs` file below `src`, as paths relative to it.
fn sources(src: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p.strip_prefix(src).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The code of a file that is not a test, comments blanked out (lines
/// kept, so that positions still name the line).
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    code.lines()
        .map(|l| match l.find("//") {
            // `//` inside a string is rare in use lines; this is good enough
            // for imports, which never hold one.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path a file defines (`ingest/post.rs` → `ingest::post`).
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "mod.rs" | "lib.rs" | "main.rs" => {}
        f => parts.push(f.trim_end_matches(".rs").to_string()),
    }
    parts
}

/// The file that defines the longest prefix of `path` among `files`.
fn file_of(path: &[String], files: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    (1..=path.len())
        .rev()
        .find_map(|i| files.get(&path[..i].to_vec()).cloned())
}

/// Every `crate::a::b` path (and `use crate::{a::b, c}` group item) in
/// `code`, with its line number.
fn crate_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let line_at = |i: usize| code[..i].matches('\n').count() + 1;
    let mut at = 0;
    while let Some(found) = code[at..].find("crate::") {
        let start = at + found;
        at = start + 7;
        if start > 0 && code[..start].ends_with(|c: char| ident(c) || c == ':') {
            continue;
        }
        let rest = &code[at..];
        if rest.starts_with('{') {
            let end = matching_brace(rest);
            for path in expand_group(&rest[1..end]) {
                out.push((line_at(start), path));
            }
            continue;
        }
        // Segments while each is a whole identifier (`a::b::C(` stops
        // at `C`, which may be a type: the longest module prefix counts).
        let mut path = Vec::new();
        for seg in rest.split("::") {
            let name: String = seg.chars().take_while(|&c| ident(c)).collect();
            if name.is_empty() {
                break;
            }
            let whole = name.len() == seg.len();
            path.push(name);
            if !whole {
                break;
            }
        }
        if !path.is_empty() {
            out.push((line_at(start), path));
        }
    }
    out
}

/// The position of the `}` closing the `{` that `text` starts with.
fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// The paths of a `use` group's inside: `a, b::{c, d}` → `a`, `b::c`,
/// `b::d` (`self` names the prefix itself).
fn expand_group(inside: &str) -> Vec<Vec<String>> {
    let mut items = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (i, c) in inside.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inside[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inside[from..]);
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match item.find('{') {
            Some(b) => {
                let prefix: Vec<String> = item[..b]
                    .trim_end_matches("::")
                    .split("::")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                let end = b + matching_brace(&item[b..]);
                for tail in expand_group(&item[b + 1..end]) {
                    let mut p = prefix.clone();
                    p.extend(tail.into_iter().filter(|s| s != "self"));
                    out.push(p);
                }
            }
            None => {
                let p: Vec<String> = item
                    .split(" as ")
                    .next()
                    .unwrap_or("")
                    .split("::")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty() && s != "self" && s != "*")
                    .collect();
                out.push(p);
            }
        }
    }
    out
}

/// `super::x` paths of a file, resolved against its module path (the
/// module's parent: `a::b` for `a/b/c.rs` and for `a/b/mod.rs`'s child).
fn super_paths(code: &str, module: &[String]) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let line_at = |i: usize| code[..i].matches('\n').count() + 1;
    let base: Vec<String> = module[..module.len().saturating_sub(1)].to_vec();
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let name: String = code[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            let mut p = base.clone();
            p.push(name);
            out.push((line_at(i), p));
        }
    }
    out
}

#[test]
fn every_module_imports_only_from_lower_layers_and_no_file_imports_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = layers();
    let files: BTreeMap<Vec<String>, PathBuf> = sources(&src)
        .into_iter()
        .filter(|f| f != Path::new("main.rs") && f != Path::new("lib.rs"))
        .map(|f| (module_of(&f), f))
        .collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (module, file) in &files {
        let top = &module[0];
        let Some(&layer) = layers.get(top) else {
            problems.push(format!(
                "src/{}: module {top} is in no layer of docs/architecture.md",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let code = code_of(&text);
        let mut paths = crate_paths(&code);
        paths.extend(super_paths(&code, module));
        for (line, path) in paths {
            let Some(target) = file_of(&path, &files) else {
                continue;
            };
            if &target == file {
                continue;
            }
            edges
                .entry(file.clone())
                .or_default()
                .insert(target.clone());
            let other = &module_of(&target)[0];
            if other == top {
                continue;
            }
            match layers.get(other) {
                Some(&l) if l < layer => {}
                Some(&l) => problems.push(format!(
                    "src/{}:{line}: {top} (layer {layer}) imports {} (layer {l}): {}",
                    file.display(),
                    other,
                    path.join("::")
                )),
                None => {}
            }
        }
    }
    // Circles among files (Tarjan's strongly connected components).
    let nodes: Vec<PathBuf> = files.values().cloned().collect();
    let index_of: BTreeMap<&PathBuf, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges
                .get(n)
                .into_iter()
                .flatten()
                .map(|t| index_of[t])
                .collect()
        })
        .collect();
    for circle in strongly_connected(&adj).into_iter().filter(|c| c.len() > 1) {
        let names: Vec<String> = circle
            .iter()
            .map(|&i| nodes[i].display().to_string())
            .collect();
        problems.push(format!("import circle among {}", names.join(", ")));
    }
    for m in layers.keys() {
        if !files.keys().any(|k| &k[0] == m) {
            problems.push(format!(
                "docs/architecture.md names {m}, which is no module of src/"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} layer problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn strongly_connected(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct T<'a> {
        adj: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for i in 0..t.adj[v].len() {
            let w = t.adj[v][i];
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut c = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                c.push(w);
                if w == v {
                    break;
                }
            }
            t.out.push(c);
        }
    }
    let n = adj.len();
    let mut t = T {
        adj,
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    t.out
}

/// The checker itself sees what it must: inline paths, groups, `super`.
#[test]
fn the_checker_finds_use_lines_groups_inline_paths_and_super() {
    let code = "use crate::a::b;\nuse crate::{c, d::e, f::{g, h}};\nfn x() { crate::i::j(); }\nuse super::k;\n";
    let paths: Vec<String> = crate_paths(code)
        .into_iter()
        .map(|(_, p)| p.join("::"))
        .collect();
    assert_eq!(paths, ["a::b", "c", "d::e", "f::g", "f::h", "i::j"]);
    let lines: Vec<usize> = crate_paths(code).into_iter().map(|(l, _)| l).collect();
    assert_eq!(lines, [1, 2, 2, 2, 2, 3]);
    let sup = super_paths(code, &["m".into(), "n".into()]);
    assert_eq!(sup, [(4, vec!["m".to_string(), "k".to_string()])]);
    // Comments and tests do not count.
    let code = code_of("// crate::z\nuse crate::y; // crate::w\n#[cfg(test)]\nuse crate::v;");
    let paths: Vec<String> = crate_paths(&code)
        .into_iter()
        .map(|(_, p)| p.join("::"))
        .collect();
    assert_eq!(paths, ["y"]);
}
