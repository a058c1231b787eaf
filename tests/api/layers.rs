//! The layers of docs/architecture.md hold: SQL lives in `src/store`, so no other module (the
//! use cases, the HTTP layer with the API handlers and the portal, the jobs) names diesel or the
//! tables; portal pages call the same service functions as the API's handlers and never talk
//! JSON to them.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every line of the Rust files under `dir` (relative to the crate) that `offends`, as
/// `file:line: text`; panics when the folder holds fewer than `at_least` files, so a moved
/// folder cannot make the check pass by finding nothing.
fn offending_lines(dir: &str, at_least: usize, offends: impl Fn(&str) -> bool) -> Vec<String> {
    offending_lines_outside(dir, &[], at_least, offends)
}

/// [`offending_lines`] of the files under `dir` that are neither in one of the folders nor one
/// of the files that `skip` names (relative to the crate); panics when one of them is gone, so
/// an exception cannot outlive what it excuses.
fn offending_lines_outside(
    dir: &str,
    skip: &[&str],
    at_least: usize,
    offends: impl Fn(&str) -> bool,
) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join(dir), &mut files);
    assert!(files.len() >= at_least, "{dir} holds {files:?}");
    for skipped in skip {
        assert!(
            root.join(skipped).exists(),
            "{skipped} is gone: drop its exception"
        );
    }
    files.retain(|file| {
        !skip
            .iter()
            .any(|skipped| file.starts_with(root.join(skipped)))
    });
    files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, line)| offends(line))
                .map(|(n, line)| format!("{}:{}: {}", file.display(), n + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn only_the_store_uses_diesel_and_the_tables() {
    let offending = offending_lines_outside(
        "src",
        &[
            // The one home of SQL: diesel, the schema, the connections and the migrations.
            "src/store",
        ],
        60,
        |line| {
            line.contains("diesel::")
                || line.contains("use diesel")
                || line.contains("#[diesel(")
                || line.contains("store::schema")
                || (line.contains("store::{") && line.contains("schema"))
        },
    );
    assert!(
        offending.is_empty(),
        "SQL belongs in src/store; use cases call store functions (docs/architecture.md):\n{}",
        offending.join("\n")
    );
}

#[test]
fn portal_pages_call_services_and_parse_no_json() {
    let offending = offending_lines("src/http/portal", 10, |line| {
        line.contains("serde_json")
            || line.contains("web::Json(")
            || line.contains("body::to_bytes")
            || line.contains("web::Path::from(")
    });
    assert!(
        offending.is_empty(),
        "pages call the `*_for` service functions (docs/architecture.md):\n{}",
        offending.join("\n")
    );
}
