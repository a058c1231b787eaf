//! The layers of docs/architecture.md hold: SQL lives in `src/store`, so the HTTP layer (the
//! API handlers and the portal) never names diesel or the tables.

use std::path::Path;

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_http_layer_uses_no_diesel_and_no_table() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http"),
        &mut files,
    );
    assert!(files.len() > 30, "src/http holds the handlers: {files:?}");
    let offending: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, line)| {
                    line.contains("diesel")
                        || line.contains("store::schema")
                        || (line.contains("crate::store::{") && line.contains("schema"))
                })
                .map(|(n, line)| format!("{}:{}: {}", file.display(), n + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offending.is_empty(),
        "SQL belongs in src/store (docs/architecture.md):\n{}",
        offending.join("\n")
    );
}
