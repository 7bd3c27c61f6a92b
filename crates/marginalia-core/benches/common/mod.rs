//! Deterministic benchmark inputs, shared by the criterion benchmarks (`benches/domain.rs`) and
//! the browser fixtures (`examples/gen_fixtures.rs`): the bundled article, a ~1 MB article made
//! by recombining its sentences, and annotations spread over a document. Same seed, same bytes,
//! on every machine.
#![allow(dead_code)] // each user takes what it needs

use marginalia_core::annotation::{uuid_v4_urn, Annotation, Color};
use marginalia_core::article::{Block, Document};
use marginalia_core::selector::describe;
use marginalia_core::span::CharSpan;
use marginalia_core::time::Timestamp;

/// Id and IRI of the generated long article.
pub const BIG_ID: &str = "bench-1mb";
pub const BIG_IRI: &str = "urn:marginalia:article:bench-1mb";
pub const BIG_TITLE: &str = "A Long Report on Regional Military Cooperation (generated)";
/// The long article's size: at least this many bytes of UTF-8 text.
pub const BIG_BYTES: usize = 1_000_000;
/// 2024-06-01T00:00:00Z: the first generated annotation's creation time.
pub const BASE_TIME_MS: i64 = 1_717_200_000_000;

/// SplitMix64: tiny, fast and good enough for generating inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn bytes16(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        b
    }
}

pub fn bundled() -> Document {
    Document::bundled()
}

/// Words that end a sentence only in appearance ("Gen. Qamar").
const ABBREVIATIONS: &[&str] = &["Gen.", "Maj.", "Mr.", "Mrs.", "Dr.", "St."];

/// The bundled article's sentences (split after '.', '?' or '!', or a closing quote after one,
/// when a space follows).
pub fn sentences() -> Vec<String> {
    let mut out = Vec::new();
    for block in &bundled().blocks {
        let mut current = String::new();
        let words: Vec<&str> = block.text.split(' ').collect();
        for (i, w) in words.iter().enumerate() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(w);
            let ends =
                (w.ends_with('.') || w.ends_with('?') || w.ends_with('!') || w.ends_with(".”"))
                    && !ABBREVIATIONS.contains(w);
            if ends || i + 1 == words.len() {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

/// The article's words without punctuation, for varying recombined sentences.
fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = bundled()
        .blocks
        .iter()
        .flat_map(|b| b.text.split_whitespace())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| w.chars().count() > 2 && w.chars().all(char::is_alphabetic))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// A sentence with about one word in five replaced by another word of the article (keeping the
/// punctuation around it), so that recombined paragraphs read alike without repeating verbatim.
fn vary(sentence: &str, vocab: &[String], rng: &mut Rng) -> String {
    let mut out = String::with_capacity(sentence.len() + 16);
    for (i, w) in sentence.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let core_start = w.find(|c: char| c.is_alphabetic());
        let core_end = w.rfind(|c: char| c.is_alphabetic());
        match (core_start, core_end) {
            (Some(s), Some(e)) if i > 0 && rng.chance(0.2) => {
                let e = e + w[e..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&w[..s]);
                out.push_str(&vocab[rng.below(vocab.len())]);
                out.push_str(&w[e..]);
            }
            _ => out.push_str(w),
        }
    }
    out
}

/// The paragraphs of the ~1 MB article: 2–4 recombined, varied sentences each (~1,700 of them).
pub fn big_paragraphs() -> Vec<String> {
    let sentences = sentences();
    let vocab = vocabulary();
    let mut rng = Rng::new(0x1_000_000);
    let mut paragraphs = Vec::new();
    let mut bytes = 0;
    while bytes < BIG_BYTES {
        let n = *rng.pick(&[2, 3, 3, 4, 4]);
        let p: Vec<String> = (0..n)
            .map(|_| {
                let s = rng.pick(&sentences).clone();
                vary(&s, &vocab, &mut rng)
            })
            .collect();
        let p = p.join(" ");
        bytes += p.len() + 2;
        paragraphs.push(p);
    }
    paragraphs
}

/// The ~1 MB article as a document.
pub fn big() -> Document {
    let blocks = big_paragraphs().into_iter().map(Block::paragraph).collect();
    Document::new(BIG_ID, BIG_IRI, BIG_TITLE, blocks, None)
}

/// The ~1 MB article as a plain-text file (title line, blank line, paragraphs separated by blank
/// lines): what `Document::parse_plain` reads.
pub fn big_plain() -> String {
    let mut s = String::with_capacity(BIG_BYTES + 4096);
    s.push_str(BIG_TITLE);
    s.push_str("\n\n");
    s.push_str(&big_paragraphs().join("\n\n"));
    s.push('\n');
    s
}

const NOTES: &[&str] = &[
    "Compare with the ministry's statement of the same week.",
    "Who else attended? Check the official readout.",
    "Key claim — needs a second source.",
    "The numbers here differ from the 2016 report; ask the author where they come from.",
    "Worth quoting in the summary.",
    "Context: the Basij was founded in 1979.",
];
const TAGS: &[&str] = &[
    "basij",
    "diplomacy",
    "check",
    "quote",
    "history",
    "military",
];

/// `n` annotations spread uniformly over `doc`: 1–12 words each, inside one block, with notes on
/// a quarter of them, tags on a tenth, all five colours; times one 37 s apart from
/// [`BASE_TIME_MS`]. Anchored (their `anchor` is their span).
pub fn annotations(doc: &Document, n: usize, seed: u64) -> Vec<Annotation> {
    let mut rng = Rng::new(seed);
    let text = doc.text();
    let chars = text.chars();
    let len = chars.len();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut start = rng.below(len);
        // Snap to the start of a word (the next one when between words or blocks).
        while start + 1 < len && chars[start].is_whitespace() {
            start += 1;
        }
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        let block = doc.blocks_touching(CharSpan::new(start, start + 1)).start;
        let block_end = doc.block_span(block).end;
        let words = 1 + rng.below(12);
        let mut end = start;
        let mut seen = 0;
        while end < block_end && seen < words {
            while end < block_end && chars[end].is_whitespace() {
                end += 1;
            }
            while end < block_end && !chars[end].is_whitespace() {
                end += 1;
            }
            seen += 1;
        }
        let Some(span) = text.trim_span(CharSpan::new(start, end)) else {
            continue;
        };
        let (quote, position) = describe(text, span);
        let i = out.len() as i64;
        let created = Timestamp::from_millis(BASE_TIME_MS + i * 37_000);
        let note = if rng.chance(0.25) {
            rng.pick(NOTES).to_string()
        } else {
            String::new()
        };
        let tags = if rng.chance(0.1) {
            let mut t = vec![rng.pick(TAGS).to_string()];
            if rng.chance(0.3) {
                t.push(rng.pick(TAGS).to_string());
            }
            t.dedup();
            t
        } else {
            Vec::new()
        };
        let modified = if note.is_empty() {
            created
        } else {
            Timestamp::from_millis(created.millis() + 60_000)
        };
        out.push(Annotation {
            id: uuid_v4_urn(rng.bytes16()),
            source: doc.source_iri.clone(),
            quote,
            position: Some(position),
            note,
            tags,
            color: *rng.pick(&Color::ALL),
            created,
            modified,
            anchor: Some(span),
            identical_passages: 1,
        });
    }
    out
}

/// `text` with about `rate` of its characters edited (a third each substituted, deleted, or
/// preceded by an inserted letter).
pub fn edited(text: &str, rate: f64, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    let letter = |rng: &mut Rng| (b'a' + rng.below(26) as u8) as char;
    for c in text.chars() {
        if !rng.chance(rate) {
            out.push(c);
            continue;
        }
        match rng.below(3) {
            0 => out.push(letter(&mut rng)),
            1 => {}
            _ => {
                out.push(letter(&mut rng));
                out.push(c);
            }
        }
    }
    out
}
