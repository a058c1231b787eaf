//! The layers of docs/architecture.md hold: SQL lives in `src/store`, so the HTTP layer (the
//! API handlers and the portal) never names diesel or the tables; portal pages call the same
//! service functions as the API's handlers and never talk JSON to them.

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
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    assert!(files.len() >= at_least, "{dir} holds {files:?}");
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
fn the_http_layer_uses_no_diesel_and_no_table() {
    let offending = offending_lines("src/http", 30, |line| {
        line.contains("diesel")
            || line.contains("store::schema")
            || (line.contains("crate::store::{") && line.contains("schema"))
    });
    assert!(
        offending.is_empty(),
        "SQL belongs in src/store (docs/architecture.md):\n{}",
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
