//! The benchmark page's entry points: [`prepare`] a text once (timed), then [`run`] one quote at a
//! time in it (timed per call), so that the page can interleave these calls with the JavaScript
//! matcher's.

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

thread_local! {
    /// The text prepared by [`prepare`] (leaked: a benchmark page prepares a few texts at most).
    static PREPARED: std::cell::RefCell<Option<(&'static CharText, PreparedText<'static>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Prepares `text` for the quotes that follow (what the app does once per document: the text as
/// code points, and normalised for anchoring); returns the milliseconds it took.
#[wasm_bindgen]
pub fn prepare(text: &str) -> f64 {
    let t0 = now();
    let text: &'static CharText = Box::leak(Box::new(CharText::new(text)));
    let prepared = PreparedText::new(text);
    let ms = now() - t0;
    PREPARED.with(|p| *p.borrow_mut() = Some((text, prepared)));
    ms
}

/// One quote in the text last [`prepare`]d, `reps` times. `mode` "anchor": Marginalia's
/// `anchor_prepared`. `mode` "search": the bare matcher with approx-string-match's semantics
/// (`fuzzy::search_best` with at most `min(256, len / 2)` errors), first match. `quote` is a
/// JSON `{exact, prefix, suffix, start, end}`; returns a JSON [`Outcome`] (`ms` per call, the
/// preparation not included).
#[wasm_bindgen]
pub fn run(quote: &str, mode: &str, reps: u32) -> String {
    let q: Quote = serde_json::from_str(quote).expect("quote JSON");
    let reps = reps.max(1);
    let outcome = PREPARED.with(|p| {
        let p = p.borrow();
        let (text, prepared) = p.as_ref().expect("prepare() first");
        match mode {
            "anchor" => {
                let selector = TextQuoteSelector {
                    exact: q.exact.clone(),
                    prefix: q.prefix.clone(),
                    suffix: q.suffix.clone(),
                };
                let position = TextPositionSelector {
                    start: q.start,
                    end: q.end,
                };
                let t = now();
                let mut got = None;
                for _ in 0..reps {
                    got = anchor_prepared(prepared, &selector, Some(position));
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
                    confidence: got
                        .first()
                        .map_or(0.0, |m| 1.0 - m.errors as f64 / pattern.len() as f64),
                    ms,
                }
            }
        }
    });
    serde_json::to_string(&outcome).expect("outcome JSON")
}
