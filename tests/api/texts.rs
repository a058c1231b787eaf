//! The texts people read live in src/locales (docs/architecture.md#texts): the portal's code
//! and templates hold no Chinese of their own, and every message id the code names is in both
//! languages.

use std::path::{Path, PathBuf};

use odr::i18n::Lang;

fn files(dir: &Path, extensions: &[&str], found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, extensions, found);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            found.push(path);
        }
    }
}

/// The files under `dir` (relative to the crate) with one of `extensions`, and their text;
/// panics when there are fewer than `at_least`, so a moved folder cannot pass by holding nothing.
fn source(dir: &str, extensions: &[&str], at_least: usize) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
        extensions,
        &mut found,
    );
    assert!(found.len() >= at_least, "{dir} holds {found:?}");
    found
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect()
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
}

/// The string literals that follow `call` in `text`, such as the `x` of `.s("x")`.
fn literals_after<'a>(text: &'a str, call: &str) -> Vec<&'a str> {
    text.match_indices(call)
        .filter_map(|(at, _)| {
            let rest = &text[at + call.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// A literal shaped like a message id of the portal (`file-a-dispute`).
fn looks_like_an_id(literal: &str) -> bool {
    literal.contains('-')
        && literal.starts_with(|c: char| c.is_ascii_lowercase())
        && literal
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[test]
fn the_portal_the_emails_and_the_notices_hold_no_chinese_of_their_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The use cases that write what people are told, beside the portal and the emails.
    let speaking: Vec<(PathBuf, String)> = [
        "src/disputes/actions.rs",
        "src/disputes/escalations.rs",
        "src/disputes/notices.rs",
        "src/disputes/reminders.rs",
        "src/onboarding/platform.rs",
        "src/onboarding/units.rs",
        "src/oversight/evaluation.rs",
    ]
    .iter()
    .map(|file| {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        (path, text)
    })
    .collect();
    let mut offending = Vec::new();
    let files = [("src/http/portal", 30), ("src/notify", 5)]
        .into_iter()
        .flat_map(|(dir, at_least)| source(dir, &["rs", "html", "txt"], at_least))
        .chain(speaking);
    for (path, text) in files {
        let mut in_tests = false;
        for (n, line) in text.lines().enumerate() {
            in_tests |= line.contains("#[cfg(test)]");
            let code = line.trim_start();
            if in_tests || code.starts_with("//") || !code.chars().any(is_chinese) {
                continue;
            }
            offending.push(format!("{}:{}: {code}", path.display(), n + 1));
        }
    }
    assert!(
        offending.is_empty(),
        "texts belong in src/locales/<language>/*.ftl:\n{}",
        offending.join("\n")
    );
}

#[test]
fn every_message_the_code_names_is_in_both_languages() {
    let mut named = Vec::new();
    for (path, text) in source("src", &["rs", "html", "txt"], 100) {
        let portal = path.components().any(|c| c.as_os_str() == "portal");
        let mut ids: Vec<&str> = [
            ".s(\"",
            ".text(\"",
            ".format(\"",
            "titled(\"",
            "Said::new(\"",
        ]
        .iter()
        .flat_map(|call| literals_after(&text, call))
        .collect();
        // Ids of the notices, the emails and the menus, wherever they are written.
        ids.extend(text.split('"').skip(1).step_by(2).filter(|l| {
            looks_like_an_id(l)
                && ["notice-", "email-", "figures-", "nav-"]
                    .iter()
                    .any(|area| l.starts_with(area))
        }));
        if portal && path.extension().is_some_and(|e| e == "rs") {
            // Titles, column headers and buttons are ids handed to the page's helpers (a
            // header's value and an input's type are not).
            let not_ids = ["no-store", "same-origin", "datetime-local"];
            ids.extend(
                text.split('"')
                    .skip(1)
                    .step_by(2)
                    .filter(|l| looks_like_an_id(l) && !not_ids.contains(l)),
            );
        }
        named.extend(
            ids.into_iter()
                .filter(|id| looks_like_an_id(id) || id.chars().all(|c| c.is_ascii_lowercase()))
                .map(|id| (path.display().to_string(), id.to_string())),
        );
    }
    assert!(named.len() > 300, "found only {} ids", named.len());
    for lang in Lang::ALL {
        let ids = lang.ids();
        let missing: Vec<_> = named
            .iter()
            .filter(|(_, id)| !ids.contains(id) && id != "no-such-message")
            .collect();
        assert!(
            missing.is_empty(),
            "{} has no message for {missing:?}",
            lang.tag()
        );
    }
}
