//! Native benchmarks of the domain's hot paths (criterion), on the deterministic inputs of
//! `benches/common`: the bundled article, a ~1 MB article, 1,000 and 10,000 annotations.
//! `make bench` runs them (through `bench/run.sh`, which also reads the results back from
//! `target/criterion/`); they print figures and never fail on time.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use marginalia_core::anchor::{anchor, anchor_prepared, PreparedText};
use marginalia_core::annotation::{Annotation, AnnotationSet};
use marginalia_core::article::Document;
use marginalia_core::search::{naive_count, SearchIndex};
use marginalia_core::segment::segment;
use marginalia_core::selector::{describe, TextPositionSelector};
use marginalia_core::span::CharSpan;
use marginalia_core::storage;
use marginalia_core::text::CharText;
use marginalia_core::time::Timestamp;
use marginalia_core::w3c;
use std::hint::black_box;
use std::time::Duration;

const NOW: Timestamp = Timestamp(common::BASE_TIME_MS + 400_000_000);

/// Each block's highlight spans, block-local, as the article view computes them.
fn marks_by_block(doc: &Document, anns: &[Annotation]) -> Vec<Vec<CharSpan>> {
    let mut by_block = vec![Vec::new(); doc.blocks.len()];
    let spans: Vec<CharSpan> = (0..doc.blocks.len()).map(|b| doc.block_span(b)).collect();
    for a in anns {
        let Some(span) = a.anchor else { continue };
        for b in doc.blocks_touching(span) {
            if let Some(s) = span.intersect(&spans[b]) {
                by_block[b].push(s.shifted_back(spans[b].start));
            }
        }
    }
    by_block
}

fn bench_segment(c: &mut Criterion, docs: &Inputs) {
    let mut g = c.benchmark_group("segment");
    for (name, doc, anns) in [
        ("bundled_1k", &docs.bundled, &docs.bundled_1k),
        ("bundled_10k", &docs.bundled, &docs.bundled_10k),
        ("1mb_10k", &docs.big, &docs.big_10k),
    ] {
        let marks = marks_by_block(doc, anns);
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut runs = 0;
                for (block, m) in doc.blocks.iter().zip(&marks) {
                    runs += segment(&block.text, m, &[]).len();
                }
                black_box(runs)
            })
        });
    }
    g.finish();
}

fn bench_describe(c: &mut Criterion, docs: &Inputs) {
    let spans: Vec<CharSpan> = docs.big_1k.iter().filter_map(|a| a.anchor).collect();
    let text = docs.big.text();
    let mut i = 0;
    let mut g = c.benchmark_group("describe");
    g.bench_function("span_1mb", |b| {
        b.iter(|| {
            i = (i + 1) % spans.len();
            black_box(describe(text, spans[i]))
        })
    });
    g.finish();
}

fn bench_anchor(c: &mut Criterion, docs: &Inputs) {
    let mut g = c.benchmark_group("anchor");
    // What the app does on load: every annotation, position verified against the quote.
    for (name, anns) in [
        ("reanchor_1k_1mb", &docs.big_1k),
        ("reanchor_10k_1mb", &docs.big_10k),
    ] {
        let mut anns = anns.clone();
        g.bench_function(name, |b| {
            b.iter(|| storage::anchor_all(&docs.big, black_box(&mut anns)))
        });
    }
    // Exact anchoring when the stored position is stale (text inserted before): quote search.
    let stale: Vec<Annotation> = docs.big_1k[..64]
        .iter()
        .map(|a| {
            let mut a = a.clone();
            let p = a.position.expect("generated with a position");
            a.position = Some(TextPositionSelector {
                start: p.start + 100,
                end: p.end + 100,
            });
            a
        })
        .collect();
    let text = docs.big.text();
    let mut i = 0;
    g.bench_function("exact_quote_1mb", |b| {
        b.iter(|| {
            i = (i + 1) % stale.len();
            let a = &stale[i];
            black_box(anchor(text, &a.quote, a.position))
        })
    });
    // Fuzzy anchoring: quotes of the original in a copy with 5% of its characters edited.
    for (name, anns, edited) in [
        ("fuzzy_bundled_5pct", &docs.bundled_1k, &docs.bundled_edited),
        ("fuzzy_1mb_5pct", &docs.big_1k, &docs.big_edited),
    ] {
        let prepared = PreparedText::new(edited);
        let quotes: Vec<&Annotation> = anns.iter().take(16).collect();
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % quotes.len();
                let a = quotes[i];
                black_box(anchor_prepared(&prepared, &a.quote, a.position))
            })
        });
    }
    g.finish();
}

fn bench_export_import(c: &mut Criterion, docs: &Inputs) {
    let mut g = c.benchmark_group("export");
    g.sampling_mode(SamplingMode::Flat);
    for (name, anns) in [("1k", &docs.big_1k), ("10k", &docs.big_10k)] {
        let mut refs: Vec<&Annotation> = anns.iter().collect();
        refs.sort_by_key(|a| a.anchor);
        g.bench_function(name, |b| {
            b.iter(|| w3c::export_text(&docs.big, black_box(&refs), NOW))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("import");
    g.sampling_mode(SamplingMode::Flat);
    for (name, anns) in [("1k", &docs.big_1k), ("10k", &docs.big_10k)] {
        let refs: Vec<&Annotation> = anns.iter().collect();
        let json = w3c::export_text(&docs.big, &refs, NOW);
        let existing = AnnotationSet::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0u64;
                let mut new_id = || {
                    n += 1;
                    format!("urn:bench:{n}")
                };
                let plan = w3c::import(&docs.big, black_box(&json), &existing, NOW, &mut new_id)
                    .expect("the export imports");
                assert_eq!(plan.to_add.len(), refs.len());
                plan
            })
        });
    }
    g.finish();
}

fn bench_storage(c: &mut Criterion, docs: &Inputs) {
    let mut g = c.benchmark_group("storage");
    g.sampling_mode(SamplingMode::Flat);
    for (name, anns) in [("1k", &docs.big_1k), ("10k", &docs.big_10k)] {
        // As the app saves: the set's annotations in its (text) order, encoded.
        let set = AnnotationSet::from_annotations(anns.iter().cloned());
        g.bench_function(format!("encode_{name}"), |b| {
            b.iter(|| storage::encode(common::BIG_ID, black_box(&set).iter()))
        });
        // Reference: the same annotations serialised straight to text by serde (no envelope, no
        // intermediate JSON value).
        g.bench_function(format!("serde_direct_{name}"), |b| {
            b.iter(|| {
                let all: Vec<&Annotation> = black_box(&set).iter().collect();
                serde_json::to_string(&all).expect("serialises")
            })
        });
        let raw = storage::encode(common::BIG_ID, anns.iter());
        g.bench_function(format!("decode_{name}"), |b| {
            b.iter(|| storage::decode(black_box(&raw)).expect("decodes"))
        });
    }
    g.finish();
}

struct Inputs {
    bundled: Document,
    big: Document,
    bundled_1k: Vec<Annotation>,
    bundled_10k: Vec<Annotation>,
    big_1k: Vec<Annotation>,
    big_10k: Vec<Annotation>,
    bundled_edited: CharText,
    big_edited: CharText,
}

fn inputs() -> Inputs {
    let bundled = common::bundled();
    let big = common::big();
    let edit = |d: &Document, seed| {
        CharText::new(&common::edited(
            &d.text().slice(CharSpan::new(0, d.len_chars())),
            0.05,
            seed,
        ))
    };
    Inputs {
        bundled_1k: common::annotations(&bundled, 1_000, 1),
        bundled_10k: common::annotations(&bundled, 10_000, 10),
        big_1k: common::annotations(&big, 1_000, 1),
        big_10k: common::annotations(&big, 10_000, 10),
        bundled_edited: edit(&bundled, 5),
        big_edited: edit(&big, 5),
        bundled,
        big,
    }
}

/// Searching every document: 10,000 annotations in 50 documents (200 each over the bundled
/// article), a reader typing a two-word query. Each iteration is one keystroke: the next prefix
/// of the query, round and round, so the figure is the mean over the keystrokes. The reference
/// is the naive scan the panel's filter does (each annotation folded and tested at each query).
fn bench_search(c: &mut Criterion, docs: &Inputs) {
    let library: Vec<(String, Vec<Annotation>)> = (0..50)
        .map(|d| {
            (
                format!("doc-{d}"),
                common::annotations(&docs.bundled, 200, 1000 + d),
            )
        })
        .collect();
    let build = || {
        let mut index = SearchIndex::new();
        for (id, anns) in &library {
            index.set_doc(id, id, anns);
        }
        index
    };
    let index = build();
    let query = "pakistan military";
    let prefixes: Vec<&str> = (1..=query.len()).map(|n| &query[..n]).collect();
    let mut g = c.benchmark_group("search");
    g.bench_function("index_keystroke_10k_50docs", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % prefixes.len();
            black_box(index.search(prefixes[i], 100).total)
        })
    });
    g.bench_function("naive_keystroke_10k_50docs", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % prefixes.len();
            black_box(naive_count(&library, prefixes[i]))
        })
    });
    g.bench_function("build_index_10k_50docs", |b| {
        b.iter(|| black_box(build().len()))
    });
    g.bench_function("set_doc_200", |b| {
        let mut index = build();
        b.iter(|| index.set_doc("doc-7", "doc-7", &library[7].1))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let docs = inputs();
    eprintln!(
        "inputs: bundled article {} code points in {} blocks; 1 MB article {} code points ({} bytes) in {} blocks",
        docs.bundled.len_chars(),
        docs.bundled.blocks.len(),
        docs.big.len_chars(),
        docs.big.text().slice(CharSpan::new(0, docs.big.len_chars())).len(),
        docs.big.blocks.len()
    );
    bench_segment(c, &docs);
    bench_describe(c, &docs);
    bench_anchor(c, &docs);
    bench_export_import(c, &docs);
    bench_storage(c, &docs);
    bench_search(c, &docs);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
}

criterion_group! {
    name = domain;
    config = config();
    targets = benches
}
criterion_main!(domain);
