//! Searching every document's annotations at once: an index of each document's quotes, notes and
//! tags, folded (lower case, accents removed) once when the document's annotations are given, so
//! a keystroke's query is a substring search over one string per document.
//!
//! A query matches as the panel's own filter does ([`crate::annotation::Filter`]): every word of
//! it must appear in the quote, the note or a tag, ignoring case and accents ([`fold`]).

use crate::annotation::{Annotation, Color};
pub use crate::fold::{contains_all, fold, fold_into, query_words};
use std::ops::Range;

/// What a hit shows: the annotation's document, its words, note, tags and colour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub doc_id: String,
    pub annotation_id: String,
    pub quote: String,
    pub note: String,
    pub tags: Vec<String>,
    pub color: Color,
}

/// Between one annotation's text and the next in a document's folded text: never in a folded
/// word ([`query_words`] drops control characters), so no match spans two annotations.
const ITEM_END: char = '\u{0}';

/// One document's annotations as the index keeps them.
#[derive(Clone, Debug, Default)]
struct DocPart {
    id: String,
    title: String,
    /// Every annotation's quote, note and tags, folded, one after another in text order, each
    /// ending with [`ITEM_END`].
    folded: String,
    /// Where each annotation's part of `folded` starts (byte offsets, ascending).
    starts: Vec<usize>,
    hits: Vec<Hit>,
}

impl DocPart {
    fn new(id: &str, title: &str, annotations: &[Annotation]) -> DocPart {
        let mut order: Vec<&Annotation> = annotations.iter().collect();
        // Text order: where the annotation is (or was, for stored ones, whose anchor is worked
        // out only when their document is open), then when it was made.
        crate::order::sort_by_cached_key(&mut order, |a| {
            let at = a
                .anchor
                .map(|s| s.start)
                .or(a.position.map(|p| p.start))
                .unwrap_or(usize::MAX);
            (at, a.created)
        });
        let mut part = DocPart {
            id: id.to_string(),
            title: title.to_string(),
            folded: String::new(),
            starts: Vec::with_capacity(order.len()),
            hits: Vec::with_capacity(order.len()),
        };
        for a in order {
            part.starts.push(part.folded.len());
            fold_into(&a.quote.exact, &mut part.folded);
            part.folded.push('\n');
            fold_into(&a.note, &mut part.folded);
            for t in &a.tags {
                part.folded.push('\n');
                fold_into(t, &mut part.folded);
            }
            part.folded.push(ITEM_END);
            part.hits.push(Hit {
                doc_id: id.to_string(),
                annotation_id: a.id.clone(),
                quote: a.quote.exact.clone(),
                note: a.note.clone(),
                tags: a.tags.clone(),
                color: a.color,
            });
        }
        part
    }

    fn item_text(&self, i: usize) -> &str {
        let end = self.starts.get(i + 1).copied().unwrap_or(self.folded.len());
        &self.folded[self.starts[i]..end]
    }

    /// The positions of the annotations matching `words` (not empty), in text order. The longest
    /// word is looked for through the whole text at once; the others only in the annotations it
    /// is found in.
    fn matching(&self, words: &[String], out: &mut Vec<usize>) {
        let Some(lead) = words.iter().max_by_key(|w| w.len()) else {
            return;
        };
        let mut last = usize::MAX;
        let mut from = 0;
        while let Some(found) = self.folded[from..].find(lead.as_str()) {
            let at = from + found;
            let item = self.starts.partition_point(|&s| s <= at) - 1;
            if item != last && contains_all(self.item_text(item), words) {
                out.push(item);
            }
            last = item;
            // On to the next annotation: one hit per annotation is enough.
            from = self
                .starts
                .get(item + 1)
                .copied()
                .unwrap_or(self.folded.len());
            if from >= self.folded.len() {
                break;
            }
        }
    }
}

/// One document's hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HitGroup {
    pub doc_id: String,
    pub title: String,
    /// How many of the document's annotations match (more than `hits` holds past the limit).
    pub count: usize,
    pub hits: Vec<Hit>,
}

/// A query's answer: the hits by document (in the index's document order, documents without
/// hits left out), at most `limit` hits copied out in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    pub groups: Vec<HitGroup>,
    /// Every matching annotation, shown or not.
    pub total: usize,
}

impl SearchResult {
    /// The hits shown (at most the limit).
    pub fn shown(&self) -> usize {
        self.groups.iter().map(|g| g.hits.len()).sum()
    }
}

/// Every document's annotations, ready to search.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    docs: Vec<DocPart>,
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Sets document `id`'s annotations (replacing what the index had for it); a new document
    /// goes last.
    pub fn set_doc(&mut self, id: &str, title: &str, annotations: &[Annotation]) {
        let part = DocPart::new(id, title, annotations);
        match self.docs.iter_mut().find(|d| d.id == id) {
            Some(d) => *d = part,
            None => self.docs.push(part),
        }
    }

    /// Forgets document `id`.
    pub fn remove_doc(&mut self, id: &str) {
        self.docs.retain(|d| d.id != id);
    }

    /// Puts the documents in the order of `ids` (those not named keep their order, after them).
    pub fn order_docs(&mut self, ids: &[&str]) {
        let rank = |id: &str| ids.iter().position(|i| *i == id).unwrap_or(ids.len());
        crate::order::sort_by_cached_key(&mut self.docs, |d| rank(&d.id));
    }

    /// The documents indexed, in order, with their annotation counts.
    pub fn docs(&self) -> Vec<(&str, usize)> {
        self.docs
            .iter()
            .map(|d| (d.id.as_str(), d.hits.len()))
            .collect()
    }

    /// Every annotation with its document's title, documents in order, each in text order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Hit)> {
        self.docs
            .iter()
            .flat_map(|d| d.hits.iter().map(move |h| (d.title.as_str(), h)))
    }

    /// How many annotations the index holds.
    pub fn len(&self) -> usize {
        self.docs.iter().map(|d| d.hits.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The annotations matching `query`, grouped by document, at most `limit` of them copied out
    /// (all counted). An empty query matches nothing.
    pub fn search(&self, query: &str, limit: usize) -> SearchResult {
        let words = query_words(query);
        let mut result = SearchResult::default();
        if words.is_empty() {
            return result;
        }
        let mut found = Vec::new();
        for doc in &self.docs {
            found.clear();
            doc.matching(&words, &mut found);
            if found.is_empty() {
                continue;
            }
            result.total += found.len();
            let room = limit.saturating_sub(result.shown());
            result.groups.push(HitGroup {
                doc_id: doc.id.clone(),
                title: doc.title.clone(),
                count: found.len(),
                hits: found
                    .iter()
                    .take(room)
                    .map(|&i| doc.hits[i].clone())
                    .collect(),
            });
        }
        result
    }

    /// The positions of every annotation matching `query`, per document in order (for the
    /// benchmark and tests: the search without copying hits out).
    pub fn count_matches(&self, query: &str) -> usize {
        let words = query_words(query);
        if words.is_empty() {
            return 0;
        }
        let mut found = Vec::new();
        for doc in &self.docs {
            doc.matching(&words, &mut found);
        }
        found.len()
    }
}

/// The reference the index is measured and tested against: every annotation of every document
/// folded and tested on its own at each query, as the panel's filter does.
pub fn naive_count(docs: &[(String, Vec<Annotation>)], query: &str) -> usize {
    let words = query_words(query);
    if words.is_empty() {
        return 0;
    }
    docs.iter()
        .flat_map(|(_, anns)| anns)
        .filter(|a| {
            let hay = fold(&format!(
                "{}\n{}\n{}",
                a.quote.exact,
                a.note,
                a.tags.join("\n")
            ));
            contains_all(&hay, &words)
        })
        .count()
}

/// The byte range of `query`'s first word in `text`'s folded form, when `text` has no
/// characters that fold to a different length — for marking it in a hit; `None` otherwise.
pub fn first_word_range(text: &str, query: &str) -> Option<Range<usize>> {
    let words = query_words(query);
    let folded = fold(text);
    if folded.len() != text.len() {
        return None;
    }
    let w = words.first()?;
    let at = folded.find(w.as_str())?;
    Some(at..at + w.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::{TextPositionSelector, TextQuoteSelector};
    use crate::time::Timestamp;
    use proptest::prelude::*;

    fn ann(id: &str, at: usize, quote: &str, note: &str, tags: &[&str]) -> Annotation {
        Annotation {
            id: id.into(),
            source: "urn:x".into(),
            quote: TextQuoteSelector {
                exact: quote.into(),
                prefix: String::new(),
                suffix: String::new(),
            },
            position: Some(TextPositionSelector {
                start: at,
                end: at + quote.chars().count(),
            }),
            note: note.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            color: Color::Yellow,
            created: Timestamp(at as i64),
            modified: Timestamp(at as i64),
            anchor: None,
            identical_passages: 0,
        }
    }

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Café CRÈME"), "cafe creme");
        assert_eq!(fold("cafe\u{301}"), "cafe");
        assert_eq!(fold("Ærøskøbing Straße Łódź"), "aeroskobing strasse lodz");
        assert_eq!(fold("Tiếng Việt"), "tieng viet");
        assert_eq!(fold("Ωμέγα"), "ωμεγα");
        assert_eq!(fold("3 ÷ 4"), "3 ÷ 4");
        assert_eq!(fold("日本語"), "日本語");
    }

    #[test]
    fn every_word_must_be_in_the_quote_note_or_a_tag() {
        let mut index = SearchIndex::new();
        index.set_doc(
            "a",
            "Doc A",
            &[
                ann("1", 10, "The café opened", "Résumé of it", &["Paris"]),
                ann("2", 0, "Nothing here", "", &[]),
            ],
        );
        index.set_doc(
            "b",
            "Doc B",
            &[ann("3", 5, "Another cafe", "opened late", &[])],
        );
        let r = index.search("CAFE opened", 10);
        assert_eq!(r.total, 2);
        assert_eq!(r.groups.len(), 2);
        assert_eq!(r.groups[0].title, "Doc A");
        assert_eq!(r.groups[0].hits[0].annotation_id, "1");
        assert_eq!(r.groups[1].hits[0].annotation_id, "3");
        assert_eq!(index.search("resume paris", 10).total, 1);
        assert_eq!(
            index.search("paris late", 10).total,
            0,
            "words of two annotations"
        );
        assert_eq!(index.search("   ", 10).total, 0);
    }

    #[test]
    fn hits_are_in_text_order_and_the_limit_only_cuts_what_is_copied() {
        let mut index = SearchIndex::new();
        let anns: Vec<Annotation> = (0..30)
            .rev()
            .map(|i| ann(&format!("{i}"), i * 10, "word", "", &[]))
            .collect();
        index.set_doc("a", "A", &anns);
        let r = index.search("word", 7);
        assert_eq!(r.total, 30);
        assert_eq!(r.groups[0].count, 30);
        let ids: Vec<&str> = r.groups[0]
            .hits
            .iter()
            .map(|h| h.annotation_id.as_str())
            .collect();
        assert_eq!(ids, ["0", "1", "2", "3", "4", "5", "6"]);
    }

    #[test]
    fn a_document_set_again_replaces_its_annotations_and_keeps_its_place() {
        let mut index = SearchIndex::new();
        index.set_doc("a", "A", &[ann("1", 0, "alpha", "", &[])]);
        index.set_doc("b", "B", &[ann("2", 0, "alpha", "", &[])]);
        index.set_doc("a", "A", &[ann("3", 0, "beta", "", &[])]);
        assert_eq!(index.search("alpha", 9).groups[0].doc_id, "b");
        assert_eq!(index.docs(), [("a", 1), ("b", 1)]);
        index.order_docs(&["b"]);
        assert_eq!(index.docs(), [("b", 1), ("a", 1)]);
        index.remove_doc("b");
        assert_eq!(index.len(), 1);
        assert_eq!(index.search("alpha", 9).total, 0);
    }

    #[test]
    fn a_word_cannot_reach_across_two_annotations() {
        let mut index = SearchIndex::new();
        index.set_doc(
            "a",
            "A",
            &[
                ann("1", 0, "ends with ab", "", &[]),
                ann("2", 9, "cd starts", "", &[]),
            ],
        );
        assert_eq!(index.search("abcd", 9).total, 0);
        assert_eq!(index.search("ab\u{0}cd", 9).total, 0);
    }

    #[test]
    fn the_first_word_is_found_for_marking_when_lengths_agree() {
        assert_eq!(first_word_range("The Cafe", "cafe"), Some(4..8));
        assert_eq!(first_word_range("The Café", "cafe"), None);
    }

    fn word() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "café", "Cafe", "CAFÉ", "straße", "strasse", "Øre", "ore", "naïve", "naive", "x",
            "Tiếng", "日本", "a b", "",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        /// The index answers as the naive scan, and as the panel's own filter, on any data.
        #[test]
        fn the_index_agrees_with_a_naive_scan(
            docs in prop::collection::vec(
                prop::collection::vec((word(), word(), prop::collection::vec(word(), 0..2)), 0..6),
                0..4),
            query in prop::collection::vec(word(), 0..3),
        ) {
            let query = query.join(" ");
            let mut index = SearchIndex::new();
            let mut plain = Vec::new();
            for (d, anns) in docs.iter().enumerate() {
                let anns: Vec<Annotation> = anns
                    .iter()
                    .enumerate()
                    .map(|(i, (q, n, t))| {
                        let t: Vec<&str> = t.iter().map(String::as_str).collect();
                        ann(&format!("{d}-{i}"), i, q, n, &t)
                    })
                    .collect();
                index.set_doc(&d.to_string(), "t", &anns);
                plain.push((d.to_string(), anns));
            }
            let naive = naive_count(&plain, &query);
            prop_assert_eq!(index.search(&query, usize::MAX).total, naive);
            prop_assert_eq!(index.count_matches(&query), naive);
            let filter = crate::annotation::Filter { query: query.clone(), ..Default::default() };
            let by_filter = plain.iter().flat_map(|(_, a)| a).filter(|a| filter.matches(a)).count();
            if !query_words(&query).is_empty() {
                prop_assert_eq!(by_filter, naive);
            }
        }

        /// Folding never panics, and folding twice changes nothing more.
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,30}") {
            prop_assert_eq!(fold(&fold(&s)), fold(&s));
        }
    }
}
