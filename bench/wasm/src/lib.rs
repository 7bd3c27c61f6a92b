//! Entry points for the browser benchmarks (`bench/browser.mjs`): the domain's work on load and
//! on save, timed in the page with `performance.now()`, compiled as the app is.

use marginalia_core::annotation::Annotation;
use marginalia_core::article::Document;
use marginalia_core::storage;
use serde_json::json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// Decodes `envelope` (a stored value) and anchors its annotations in the plain-text article
/// `plain`, `reps` times; returns JSON `{decode_ms, anchor_ms, anchored, total}` (the median
/// anchoring time of the repetitions).
#[wasm_bindgen]
pub fn reanchor(plain: &str, envelope: &str, reps: u32) -> String {
    let doc = Document::parse_plain("bench", "urn:bench", plain).expect("article parses");
    let t = now();
    let mut anns = storage::decode(envelope).expect("envelope decodes");
    let decode_ms = now() - t;
    let mut times = Vec::new();
    for _ in 0..reps.max(1) {
        let t = now();
        storage::anchor_all(&doc, &mut anns);
        times.push(now() - t);
    }
    times.sort_by(f64::total_cmp);
    json!({
        "decode_ms": decode_ms,
        "anchor_ms": times[times.len() / 2],
        "anchor_runs_ms": times,
        "anchored": anns.iter().filter(|a| a.anchor.is_some()).count(),
        "total": anns.len(),
    })
    .to_string()
}

/// The app's save without the write: sort by id, encode (as `Persist::save` does). Returns JSON
/// `{encode_ms, chars}` (median of `reps`).
#[wasm_bindgen]
pub fn encode(envelope: &str, reps: u32) -> String {
    let stored = storage::decode_envelope(envelope).expect("envelope decodes");
    let mut times = Vec::new();
    let mut chars = 0;
    for _ in 0..reps.max(1) {
        let t = now();
        let mut all: Vec<&Annotation> = stored.annotations.iter().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        let s = storage::encode(&stored.doc, all);
        times.push(now() - t);
        chars = s.encode_utf16().count();
    }
    times.sort_by(f64::total_cmp);
    json!({ "encode_ms": times[times.len() / 2], "chars": chars }).to_string()
}
