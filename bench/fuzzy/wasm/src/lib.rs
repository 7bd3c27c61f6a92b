//! One entry point for the benchmark page: anchors every quote of a case list in one text and
//! times each call with the page's clock.

use marginalia_core::anchor::{anchor_prepared, AnchorMethod, PreparedText};
use marginalia_core::fuzzy;
use marginalia_core::selector::{TextPositionSelector, TextQuoteSelector};
use marginalia_core::text::CharText;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

#[derive(Deserialize)]
struct Quote {
    exact: String,
    prefix: String,
    suffix: String,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct Outcome {
    /// Code-point span found, or null.
    span: Option<(usize, usize)>,
    method: &'static str,
    confidence: f64,
    /// Milliseconds per call (the mean of `reps` calls).
    ms: f64,
}

#[derive(Serialize)]
struct Report {
    prepare_ms: f64,
    outcomes: Vec<Outcome>,
}

/// `mode` "anchor": Marginalia's `anchor_prepared` (the text normalised once, up front, timed
/// separately as `prepare_ms`). `mode` "search": the bare matcher with approx-string-match's
/// semantics (`fuzzy::search_best` with at most `min(256, len / 2)` errors), first match.
/// `quotes` is a JSON array of `{exact, prefix, suffix, start, end}`; returns a JSON [`Report`].
#[wasm_bindgen]
pub fn run(text: &str, quotes: &str, mode: &str, reps: u32) -> String {
    let quotes: Vec<Quote> = serde_json::from_str(quotes).expect("quotes JSON");
    let reps = reps.max(1);
    let t0 = now();
    let text = CharText::new(text);
    let prepared = PreparedText::new(&text);
    let prepare_ms = now() - t0;
    let mut outcomes = Vec::with_capacity(quotes.len());
    for q in &quotes {
        let selector = TextQuoteSelector {
            exact: q.exact.clone(),
            prefix: q.prefix.clone(),
            suffix: q.suffix.clone(),
        };
        let position = TextPositionSelector {
            start: q.start,
            end: q.end,
        };
        let outcome = match mode {
            "anchor" => {
                let t = now();
                let mut got = None;
                for _ in 0..reps {
                    got = anchor_prepared(&prepared, &selector, Some(position));
                }
                let ms = (now() - t) / f64::from(reps);
                Outcome {
                    span: got.map(|a| (a.span.start, a.span.end)),
                    method: got.map_or("unanchored", |a| match a.method {
                        AnchorMethod::Position => "position",
                        AnchorMethod::ExactQuote => "exact",
                        AnchorMethod::NormalizedQuote => "normalized",
                        AnchorMethod::Fuzzy => "fuzzy",
                    }),
                    confidence: got.map_or(0.0, |a| a.confidence),
                    ms,
                }
            }
            _ => {
                let pattern: Vec<char> = q.exact.chars().collect();
                let k = 256.min(pattern.len() / 2);
                let t = now();
                let mut got = Vec::new();
                for _ in 0..reps {
                    got = fuzzy::search_best(text.chars(), &pattern, k);
                }
                let ms = (now() - t) / f64::from(reps);
                Outcome {
                    span: got.first().map(|m| (m.start, m.end)),
                    method: "search",
                    confidence: got.first().map_or(0.0, |m| 1.0 - m.errors as f64 / pattern.len() as f64),
                    ms,
                }
            }
        };
        outcomes.push(outcome);
    }
    serde_json::to_string(&Report { prepare_ms, outcomes }).expect("report JSON")
}
