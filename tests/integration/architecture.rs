//! The shape of the code, checked: the domain crate stays free of IO and async, data flows one
//! way through the server crate (http → flows → core → store), the flows' areas import each
//! other without a circle, and pages leave writing to the flows.
//!
//! These read the source tree and Cargo's view of the dependencies; they fail on the change that
//! breaks the shape, with a message saying what to do instead.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn server_src() -> PathBuf {
    workspace().join("crates/server/src")
}

/// Every `.rs` file under `dir`, with its path relative to `dir`.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

/// Crates that do IO or bring an async runtime: none may reach `portcullis-core`, directly or
/// through another dependency.
const IO_OR_ASYNC: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "futures",
    "futures-util",
    "futures-core",
    "mio",
    "hyper",
    "reqwest",
    "axum",
    "tower",
    "sqlx",
    "sqlx-core",
    "rusqlite",
    "libsqlite3-sys",
    "lettre",
    "tracing",
    "webauthn-rs",
];

/// The direct dependencies of `portcullis-core` that were reviewed for IO and async.
const CORE_DEPENDENCIES: &[&str] = &[
    "argon2",
    "base64",
    "chacha20poly1305",
    "data-encoding",
    "hex",
    "hmac",
    "rand",
    "secrecy",
    "serde",
    "sha1",
    "sha2",
    "subtle",
    "thiserror",
    "time",
    "zeroize",
];

#[test]
fn the_core_crate_depends_on_no_io_or_async_crate() {
    let manifest = std::fs::read_to_string(workspace().join("crates/core/Cargo.toml")).unwrap();
    let direct: BTreeSet<&str> = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap_or_default()
        .split("\n[")
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split(['=', '.']).next())
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect();
    for name in &direct {
        assert!(
            CORE_DEPENDENCIES.contains(name),
            "portcullis-core gained the dependency '{name}': the domain does no IO and has no \
             async code. Keep IO in the store or the server; if '{name}' is pure computation, \
             add it to CORE_DEPENDENCIES in tests/integration/architecture.rs"
        );
    }

    // And nothing reaches it through them: Cargo's own view of the graph, for this platform.
    let tree = std::process::Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(["tree", "--offline", "-p", "portcullis-core", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .output()
        .unwrap();
    assert!(
        tree.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&tree.stderr)
    );
    let crates: BTreeSet<String> = String::from_utf8_lossy(&tree.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(crates.contains("argon2"), "the graph was read: {crates:?}");
    for banned in IO_OR_ASYNC {
        assert!(
            !crates.contains(*banned),
            "portcullis-core now depends on '{banned}' (through {direct:?}): the domain does no IO \
             and has no async code"
        );
    }
}

/// The layer a server source file belongs to, by its place in the tree.
fn layer(file: &str) -> &str {
    file.split('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".rs")
}

#[test]
fn data_flows_one_way_through_the_server() {
    // (layer, the layers it must not use)
    let rules: &[(&str, &[&str])] = &[
        ("infra", &["flows", "http", "cli", "app"]),
        ("flows", &["http", "cli", "app"]),
        ("cli", &["http", "app"]),
        ("state", &["flows", "http", "cli", "app"]),
    ];
    for (file, text) in sources(&server_src()) {
        for (owner, forbidden) in rules {
            if layer(&file) != *owner {
                continue;
            }
            for used in *forbidden {
                assert!(
                    !text.contains(&format!("crate::{used}")),
                    "{file} uses crate::{used}, but {owner} must not depend on {used}: data flows \
                     http → flows → core → store, and infra serves them all"
                );
            }
        }
    }
}

/// The flows area a file under `flows/` belongs to (`login`, `credentials`, `session`, …).
fn area(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("flows/")?;
    let first = rest.split('/').next()?;
    Some(first.trim_end_matches(".rs")).filter(|a| *a != "mod")
}

#[test]
fn the_flows_areas_import_each_other_without_a_circle() {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in sources(&server_src()) {
        let Some(from) = area(&file) else { continue };
        let entry = uses.entry(from.to_string()).or_default();
        for part in text.split("crate::flows::").skip(1) {
            let to: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::flows::FlowError` is the error module's re-export.
            let to = if to == "FlowError" {
                "error".to_string()
            } else {
                to
            };
            if !to.is_empty() && to != from {
                entry.insert(to);
            }
        }
    }
    assert!(uses.len() >= 8, "the areas were read: {uses:?}");
    // Depth-first search for a path back to where it started.
    fn circle(
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        let last = path.last()?.clone();
        for next in uses.get(&last).into_iter().flatten() {
            if path.first() == Some(next) {
                let mut found = path.clone();
                found.push(next.clone());
                return Some(found);
            }
            if !path.contains(next) {
                path.push(next.clone());
                if let Some(found) = circle(uses, path) {
                    return Some(found);
                }
                path.pop();
            }
        }
        None
    }
    for start in uses.keys() {
        let found = circle(&uses, &mut vec![start.clone()]);
        assert!(
            found.is_none(),
            "the flows import each other in a circle: {}; move what both need into a module \
             they both use",
            found.unwrap_or_default().join(" → ")
        );
    }
}

#[test]
fn pages_leave_writing_to_the_flows() {
    // The store's writes begin with these words; pages read, flows write.
    const WRITES: &[&str] = &[
        "set_",
        "insert_",
        "delete_",
        "update_",
        "create_",
        "rename_",
        "take_",
        "void_",
        "issue_",
        "record_",
        "claim_",
        "give_back_",
        "clear_",
        "lock_",
        "touch_",
        "use_",
        "replace_",
        "append_",
        "begin",
    ];
    for (file, text) in sources(&server_src().join("http")) {
        let calls = text.split(".store").skip(1);
        for call in calls {
            let method: String = call
                .trim_start()
                .trim_start_matches('.')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                !WRITES.iter().any(|w| method.starts_with(w)),
                "http/{file} calls the store's {method}: a page reads, and leaves every change \
                 to a flow (one call, its writes in one transaction)"
            );
        }
    }
}
