//! The core's layers as docs/architecture.md draws them: every `crate::` path in the source
//! points to a module of a layer below its own, or of its own layer without a circle; the
//! bottom's `catalogue` uses nothing of the crate. `lib.rs`, the face, re-exports every layer
//! and is not checked.

#![allow(clippy::unwrap_used)] // tests panic with the reason

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom to top, as docs/architecture.md draws them.
const LAYERS: &[(&str, &[&str])] = &[
    ("bottom", &["catalogue", "error", "config", "cost"]),
    (
        "primitives",
        &[
            "headers", "http1", "codec", "crypto", "json", "model", "schema", "text", "samples",
        ],
    ),
    ("detectors", &["diagnose"]),
    ("stages", &["stage"]),
    ("on top", &["receive", "delivery", "request", "corpus"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Each top-level module's source files, by the module's name.
fn sources(dir: &Path, module: Option<&str>, out: &mut Vec<(String, String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let module = module.map_or(name.clone(), str::to_owned);
        if path.is_dir() {
            sources(&path, Some(&module), out);
        } else if path.extension().is_some_and(|e| e == "rs") && module != "lib" {
            let file = path.display().to_string();
            out.push((module, file, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The modules a file's code names by `crate::` (comments, doc links included, are not code;
/// nor is a file's unit-test module, which closes it, `#[cfg(test)]` on: a test may take its
/// inputs from any module, `samples` most of all).
fn imports(text: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in text.lines().take_while(|l| l.trim() != "#[cfg(test)]") {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::Type` is the face's re-export of a bottom type (`crate::Profile`).
            if name.starts_with(|c: char| c.is_ascii_lowercase()) {
                named.insert(name);
            }
        }
    }
    named
}

#[test]
fn imports_point_down_the_layers_and_make_no_circle() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut files,
    );
    assert!(files.len() > 20, "the core's sources were not found");
    let mut upward = Vec::new();
    let mut sideways: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file, text) in &files {
        let Some(own) = layer_of(module) else {
            panic!("{file}: module {module} is in no layer of docs/architecture.md");
        };
        for import in imports(text) {
            if &import == module {
                continue;
            }
            let Some(theirs) = layer_of(&import) else {
                panic!("{file}: crate::{import} is in no layer of docs/architecture.md");
            };
            if module == "catalogue" || theirs > own {
                upward.push(format!(
                    "{file} ({}) uses crate::{import} ({})",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            } else if theirs == own {
                sideways.entry(module.clone()).or_default().insert(import);
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
    // No circle among the modules of one layer.
    let found = circle(&sideways);
    assert!(found.is_none(), "an import circle: {found:?}");
}

/// A circle of `edges`, if there is one: a depth-first walk that comes back to its own path.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn walk(
        at: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == at) {
            return Some(path[start..].to_vec());
        }
        if !done.insert(at.to_owned()) {
            return None;
        }
        path.push(at.to_owned());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(circle) = walk(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|module| walk(module, edges, &mut Vec::new(), &mut done))
}

/// The check itself: an upward import and a circle are found.
#[test]
fn the_check_finds_what_it_looks_for() {
    let named = imports(
        "use crate::stage::signature;\n// crate::receive in a comment\n\
         let x = crate::Profile::Strict; crate::json::parse(b)\n#[cfg(test)]\nuse crate::samples;",
    );
    assert_eq!(
        named,
        ["json", "stage"].map(String::from).into_iter().collect()
    );
    assert!(layer_of("stage") > layer_of("schema"));
    assert!(layer_of("receive") > layer_of("stage"));
    let edges = |pairs: &[(&str, &str)]| {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            edges
                .entry((*from).into())
                .or_default()
                .insert((*to).into());
        }
        edges
    };
    assert_eq!(
        circle(&edges(&[("json", "text"), ("schema", "json")])),
        None
    );
    let found = circle(&edges(&[
        ("json", "schema"),
        ("schema", "text"),
        ("text", "json"),
    ]));
    assert_eq!(found.map(|c| c.len()), Some(3));
}

/// The workspace's crates, bottom to top, as docs/architecture.md lists them: a crate depends
/// on crates of lower layers only (the server's tests once used conform's raw client: a circle
/// between the two, gone since the client is `sessionkit-http`'s).
const CRATES: &[(&str, &[&str])] = &[
    ("core", &["sessionkit"]),
    ("primitives", &["sessionkit-fuzzing", "sessionkit-http"]),
    ("server", &["sessionkit-server"]),
    ("test support", &["sessionkit-testkit"]),
    ("judging", &["sessionkit-conform"]),
    ("commands", &["sessionkit-cli", "benches"]),
];

/// Test support any crate's tests may use (strategies, the corpus loader, the test server; the
/// fuzz targets' logic the core's tests replay): their own dependencies stay below the product
/// crates that test with them.
const TEST_SUPPORT: &[&str] = &["sessionkit-testkit", "sessionkit-fuzzing"];

/// The sessionkit crates a manifest names under `[dependencies]` and `[dev-dependencies]`.
fn workspace_dependencies(manifest: &str) -> Vec<(bool, String)> {
    let mut section = "";
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let dev = match section {
            "[dependencies]" => false,
            "[dev-dependencies]" => true,
            _ => continue,
        };
        let name = line.split(['.', ' ', '=']).next().unwrap_or("");
        if name.starts_with("sessionkit") {
            out.push((dev, name.to_owned()));
        }
    }
    out
}

#[test]
fn crates_depend_only_on_crates_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let layer = |name: &str| CRATES.iter().position(|(_, names)| names.contains(&name));
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (_, names) in CRATES {
        for name in *names {
            let dir = match *name {
                "benches" => root.join("benches"),
                _ => root.join("crates").join(name),
            };
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            seen += 1;
            for (dev, dependency) in workspace_dependencies(&manifest) {
                let Some(below) = layer(&dependency) else {
                    wrong.push(format!("{name} -> {dependency}: not in the table"));
                    continue;
                };
                let test_support = dev && TEST_SUPPORT.contains(&dependency.as_str());
                if below >= layer(name).unwrap() && !test_support {
                    let kind = if dev { "dev-dependency" } else { "dependency" };
                    wrong.push(format!(
                        "{name} -> {dependency} ({kind}) points up or sideways"
                    ));
                }
            }
        }
    }
    // Every crate of the workspace is in the table.
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = workspace
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map_or("", |(members, _)| members);
    let listed = members.matches("\"crates/").count() + members.matches("\"benches\"").count();
    assert_eq!(listed, seen, "a workspace member is missing from CRATES");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
