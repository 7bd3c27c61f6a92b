//! What the side panel lists: counts over every annotation, and copies of only the cards it
//! renders (with 10,000 annotations a change must not copy them all).
//!
//! The list shows the first `limit` anchored annotations that match the filter, in text order,
//! then every unanchored one. The annotation the reader is on (a clicked highlight, `j`/`k`, a
//! link to it) is shown even when it lies past that page ([`Listing::beyond`], with its
//! position), so that its card is there to scroll to without rendering the thousands before it.

use crate::annotation::{Annotation, AnnotationSet, Filter};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    /// Every annotation in the set.
    pub total: usize,
    /// Those that pass the filter.
    pub matching: usize,
    /// Those that pass and are anchored.
    pub anchored_matching: usize,
    /// The first `limit` anchored annotations that match, in text order.
    pub anchored: Vec<Annotation>,
    /// Every unanchored annotation that matches.
    pub unanchored: Vec<Annotation>,
}

impl Listing {
    /// The list for `set` under `filter`, with at most `limit` anchored cards.
    pub fn of(set: &AnnotationSet, filter: &Filter, limit: usize) -> Listing {
        let mut l = Listing {
            total: set.len(),
            ..Listing::default()
        };
        if !filter.is_active() {
            // Everything matches: the set is in text order with the unanchored last, so only
            // the cards shown are visited.
            let mut unanchored: Vec<Annotation> = set
                .iter()
                .rev()
                .take_while(|a| a.anchor.is_none())
                .cloned()
                .collect();
            unanchored.reverse();
            l.matching = l.total;
            l.anchored_matching = l.total - unanchored.len();
            l.anchored = set
                .iter()
                .take_while(|a| a.anchor.is_some())
                .take(limit)
                .cloned()
                .collect();
            l.unanchored = unanchored;
            return l;
        }
        for a in set.iter() {
            if !filter.matches(a) {
                continue;
            }
            l.matching += 1;
            if a.anchor.is_some() {
                l.anchored_matching += 1;
                if l.anchored.len() < limit {
                    l.anchored.push(a.clone());
                }
            } else {
                l.unanchored.push(a.clone());
            }
        }
        l
    }

    /// How many anchored matches are not listed ("Show more").
    pub fn hidden(&self) -> usize {
        self.anchored_matching.saturating_sub(self.anchored.len())
    }

    /// The annotation `id` when it is anchored, passes `filter` and lies past the listed page
    /// of `set` (what `of` made of `set` and `filter`). `None` for one listed, unanchored,
    /// filtered out or unknown. Cheap: its position is [`Listing::position`].
    pub fn past_page<'s>(
        &self,
        set: &'s AnnotationSet,
        filter: &Filter,
        id: &str,
    ) -> Option<&'s Annotation> {
        let a = set.get(id)?;
        if a.anchor.is_none() || !filter.matches(a) || self.anchored.iter().any(|l| l.id == id) {
            return None;
        }
        Some(a)
    }

    /// The 1-based position of the anchored annotation `id` among the anchored annotations of
    /// `set` that pass `filter`, in text order (it is counted whether or not it passes). Visits
    /// every annotation before it.
    pub fn position(set: &AnnotationSet, filter: &Filter, id: &str) -> usize {
        // The set is in text order with the unanchored last.
        let earlier = set.iter().take_while(|b| b.id != id);
        1 + if filter.is_active() {
            earlier.filter(|b| filter.matches(b)).count()
        } else {
            earlier.count()
        }
    }

    /// [`Listing::past_page`] with its [`Listing::position`].
    pub fn beyond(
        &self,
        set: &AnnotationSet,
        filter: &Filter,
        id: &str,
    ) -> Option<(usize, Annotation)> {
        let a = self.past_page(set, filter, id)?;
        Some((Listing::position(set, filter, id), a.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::tests::sample;
    use crate::annotation::Color;
    use crate::span::CharSpan;
    use crate::text::CharText;

    /// `n_anchored` one-word highlights in text order (ids `a00000`, …; even ones yellow, odd
    /// ones blue), then `n_unanchored` that no longer anchor (`u00000`, …).
    fn set_of(n_anchored: usize, n_unanchored: usize) -> AnnotationSet {
        let text = CharText::new(&"word ".repeat(n_anchored + 1));
        let mut all = Vec::new();
        for i in 0..n_anchored {
            let mut a = sample(&format!("a{i:05}"), &text, CharSpan::new(i * 5, i * 5 + 4));
            a.color = if i % 2 == 0 {
                Color::Yellow
            } else {
                Color::Blue
            };
            all.push(a);
        }
        for i in 0..n_unanchored {
            let mut a = sample(&format!("u{i:05}"), &text, CharSpan::new(0, 4));
            a.anchor = None;
            all.push(a);
        }
        AnnotationSet::from_annotations(all)
    }

    fn ids(v: &[Annotation]) -> Vec<&str> {
        v.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn the_first_page_then_the_unanchored() {
        let set = set_of(120, 2);
        let l = Listing::of(&set, &Filter::default(), 50);
        assert_eq!((l.total, l.matching, l.anchored_matching), (122, 122, 120));
        assert_eq!(l.anchored.len(), 50);
        assert_eq!(l.anchored[0].id, "a00000");
        assert_eq!(l.anchored[49].id, "a00049");
        assert_eq!(ids(&l.unanchored), ["u00000", "u00001"]);
        assert_eq!(l.hidden(), 70);
    }

    #[test]
    fn a_focused_annotation_past_the_page_is_shown_with_its_position() {
        let set = set_of(120, 1);
        let all = Filter::default();
        let l = Listing::of(&set, &all, 50);
        let (n, a) = l.beyond(&set, &all, "a00099").expect("shown past the page");
        assert_eq!((n, a.id.as_str()), (100, "a00099"));
        // On the page, unanchored, or unknown: nothing extra.
        for id in ["a00010", "a00049", "u00000", "nope"] {
            assert_eq!(l.beyond(&set, &all, id), None, "{id}");
        }
        // The first past the page, and the last one.
        assert_eq!(l.beyond(&set, &all, "a00050").map(|(n, _)| n), Some(51));
        assert_eq!(l.beyond(&set, &all, "a00119").map(|(n, _)| n), Some(120));
    }

    #[test]
    fn under_a_filter_the_position_counts_matches_only() {
        let set = set_of(300, 1);
        let blue = Filter {
            color: Some(Color::Blue),
            ..Filter::default()
        };
        // Blue ones are the odd indices (the unanchored one is yellow): a00199 is the 100th.
        let l = Listing::of(&set, &blue, 50);
        assert_eq!((l.matching, l.anchored_matching), (150, 150));
        assert_eq!(l.anchored.len(), 50);
        assert_eq!(l.anchored[49].id, "a00099");
        assert_eq!(
            l.beyond(&set, &blue, "a00199").map(|(n, a)| (n, a.id)),
            Some((100, "a00199".into()))
        );
        // A focused annotation the filter hides stays hidden.
        assert_eq!(l.beyond(&set, &blue, "a00198"), None);
    }

    #[test]
    fn every_listing_agrees_with_a_plain_filter_of_the_set() {
        let set = set_of(130, 3);
        let yellow = Filter {
            color: Some(Color::Yellow),
            ..Filter::default()
        };
        let words = Filter {
            query: "WORD".into(),
            ..Filter::default()
        };
        for filter in [Filter::default(), yellow, words] {
            let want: Vec<Annotation> = set
                .iter()
                .filter(|a| a.anchor.is_some() && filter.matches(a))
                .cloned()
                .collect();
            let want_unanchored: Vec<Annotation> = set
                .iter()
                .filter(|a| a.anchor.is_none() && filter.matches(a))
                .cloned()
                .collect();
            for limit in [0, 1, 50, 65, 200] {
                let l = Listing::of(&set, &filter, limit);
                let shown = &want[..limit.min(want.len())];
                assert_eq!(ids(&l.anchored), ids(shown), "{filter:?} {limit}");
                assert_eq!(ids(&l.unanchored), ids(&want_unanchored));
                assert_eq!(l.hidden() + l.anchored.len(), want.len());
                assert_eq!(l.matching, want.len() + want_unanchored.len());
                for a in set.iter() {
                    let past = want
                        .iter()
                        .position(|w| w.id == a.id)
                        .filter(|&i| i >= limit);
                    assert_eq!(
                        l.beyond(&set, &filter, &a.id).map(|(n, b)| (n, b.id)),
                        past.map(|i| (i + 1, a.id.clone())),
                        "{filter:?} {limit} {}",
                        a.id
                    );
                }
            }
        }
    }
}
