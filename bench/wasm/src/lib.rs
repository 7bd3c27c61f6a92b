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

/// Searching every document, as the panel does: the annotations of `envelope` (10,000 in the
/// fixture) spread over 50 documents, then a reader typing `query` one keystroke at a time, each
/// prefix `reps` times. Returns JSON `{build_ms, keystroke_ms, keystroke_max_ms, naive_ms,
/// naive_max_ms, annotations, documents}`: the medians over keystrokes of each keystroke's
/// median, and the slowest keystroke, for the index and the naive scan.
#[wasm_bindgen]
pub fn search(envelope: &str, query: &str, reps: u32) -> String {
    use marginalia_core::search::{naive_count, SearchIndex};
    let anns = storage::decode(envelope).expect("envelope decodes");
    let per = anns.len().div_ceil(50).max(1);
    let docs: Vec<(String, Vec<Annotation>)> = anns
        .chunks(per)
        .enumerate()
        .map(|(i, c)| (format!("doc-{i}"), c.to_vec()))
        .collect();
    let t = now();
    let mut index = SearchIndex::new();
    for (id, a) in &docs {
        index.set_doc(id, id, a);
    }
    let build_ms = now() - t;
    let prefixes: Vec<&str> = (1..=query.len())
        .filter(|n| query.is_char_boundary(*n))
        .map(|n| &query[..n])
        .collect();
    let time = |f: &dyn Fn(&str) -> usize| {
        let mut per_key: Vec<f64> = prefixes
            .iter()
            .map(|p| {
                let mut runs: Vec<f64> = (0..reps.max(1))
                    .map(|_| {
                        let t = now();
                        std::hint::black_box(f(p));
                        now() - t
                    })
                    .collect();
                runs.sort_by(f64::total_cmp);
                runs[runs.len() / 2]
            })
            .collect();
        per_key.sort_by(f64::total_cmp);
        (per_key[per_key.len() / 2], per_key[per_key.len() - 1])
    };
    let (keystroke_ms, keystroke_max_ms) = time(&|q| index.search(q, 100).total);
    let (naive_ms, naive_max_ms) = time(&|q| naive_count(&docs, q));
    json!({
        "build_ms": build_ms,
        "keystroke_ms": keystroke_ms,
        "keystroke_max_ms": keystroke_max_ms,
        "naive_ms": naive_ms,
        "naive_max_ms": naive_max_ms,
        "annotations": index.len(),
        "documents": docs.len(),
        "query": query,
    })
    .to_string()
}
