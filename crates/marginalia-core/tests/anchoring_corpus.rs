//! Re-anchoring annotations after the article was edited.
//!
//! Each case in `tests/fixtures/edits/cases.json` names an edited copy of the bundled article
//! (`tests/fixtures/edits/*.txt`: copy edits, sentences inserted and deleted, paragraphs
//! reordered, typography changed, quoted sentences removed, a paragraph deleted next to
//! look-alike words, several edits at once), a quote in the original article and what anchoring
//! its selectors in the edited article must give: the expected text and anchoring method, or
//! `null` for "unanchored". The annotations are described on the original text exactly as the
//! app describes a selection (`selector::describe`, with 32 code points of context).
//! `tests/fixtures/edits/generate.py` rebuilds the fixtures and the case list.

use marginalia_core::anchor::{anchor, AnchorMethod, MIN_CONFIDENCE};
use marginalia_core::article::Document;
use marginalia_core::selector::describe;
use marginalia_core::span::CharSpan;
use marginalia_core::text::CharText;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Case {
    fixture: String,
    quote: String,
    expect: Option<String>,
    method: Option<String>,
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/edits"))
}

/// Code-point spans of every occurrence of `needle` in `text`.
fn occurrences(text: &CharText, needle: &str) -> Vec<CharSpan> {
    let needle: Vec<char> = needle.chars().collect();
    text.chars()
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_slice())
        .map(|(i, _)| CharSpan::new(i, i + needle.len()))
        .collect()
}

fn method_name(m: AnchorMethod) -> &'static str {
    match m {
        AnchorMethod::Position => "position",
        AnchorMethod::ExactQuote => "exact",
        AnchorMethod::NormalizedQuote => "normalized",
        AnchorMethod::Fuzzy => "fuzzy",
    }
}

#[test]
fn edited_articles_reanchor_as_expected() {
    let cases: Vec<Case> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("cases.json")).expect("cases.json"),
    )
    .expect("cases.json parses");
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let original = Document::bundled();
    let mut failures = Vec::new();
    let (mut anchored, mut unanchored) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let raw = std::fs::read_to_string(fixtures().join(&case.fixture)).expect("fixture");
        let edited = Document::parse_plain("edited", "urn:test:edited", &raw).expect("parses");
        let spans = occurrences(original.text(), &case.quote);
        assert_eq!(
            spans.len(),
            1,
            "case {i}: the quote must occur once in the original"
        );
        let (quote, position) = describe(original.text(), spans[0]);
        let got = anchor(edited.text(), &quote, Some(position));
        let got_text = got.map(|a| edited.text().slice(a.span));
        let ok = match (&case.expect, &got) {
            (None, None) => true,
            (Some(want), Some(a)) => {
                let places = occurrences(edited.text(), want);
                assert_eq!(places.len(), 1, "case {i}: expected text must be unique");
                a.span == places[0]
                    && case
                        .method
                        .as_deref()
                        .is_none_or(|m| m == method_name(a.method))
                    && (a.method != AnchorMethod::Fuzzy || a.confidence >= MIN_CONFIDENCE)
            }
            _ => false,
        };
        match &got {
            Some(_) => anchored += 1,
            None => unanchored += 1,
        }
        let line = format!(
            "{:>2} {:<26} {:<11} {:>5} {:?} -> {:?}",
            i,
            case.fixture,
            got.map_or("unanchored", |a| method_name(a.method)),
            got.map_or(String::new(), |a| format!("{:.3}", a.confidence)),
            case.quote,
            got_text,
        );
        println!("{} {line}", if ok { "ok  " } else { "FAIL" });
        if !ok {
            failures.push(format!(
                "{line}\n      expected {:?} ({:?})",
                case.expect, case.method
            ));
        }
    }
    println!(
        "{} cases: {anchored} anchored, {unanchored} unanchored, {} wrong",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "wrong anchors:\n{}",
        failures.join("\n")
    );
}
