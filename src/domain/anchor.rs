//! Anchoring: finding the words a stored annotation points at in the current text.
//!
//! Order of trust: the position selector when its text equals the quote; otherwise the exact quote,
//! choosing among repeats by prefix/suffix agreement and nearness to the stored position; otherwise
//! nothing: the annotation is unanchored, never placed on the wrong words.

use crate::domain::selector::{TextPositionSelector, TextQuoteSelector};
use crate::domain::span::CharSpan;
use crate::domain::text::CharText;

/// How an annotation was anchored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnchorMethod {
    /// The stored position still holds the quote.
    Position,
    /// The exact quote was found (possibly elsewhere).
    ExactQuote,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchored {
    pub span: CharSpan,
    pub method: AnchorMethod,
}

/// Number of code points at the end of `a` equal to the end of `b`.
fn common_suffix_len(a: &[char], b: &[char]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_prefix_len(a: &[char], b: &[char]) -> usize {
    a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count()
}

/// Start indices of every occurrence of `needle` in `hay`.
fn find_all(hay: &[char], needle: &[char]) -> Vec<usize> {
    let mut out = Vec::new();
    if needle.is_empty() || needle.len() > hay.len() {
        return out;
    }
    let first = needle[0];
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        if hay[i] == first && hay[i..i + needle.len()] == *needle {
            out.push(i);
        }
        i += 1;
    }
    out
}

/// Anchors a quote (and optional position) in `text`.
pub fn anchor(
    text: &CharText,
    quote: &TextQuoteSelector,
    position: Option<TextPositionSelector>,
) -> Option<Anchored> {
    let chars = text.chars();
    let exact: Vec<char> = quote.exact.chars().collect();
    if exact.is_empty() {
        return None;
    }
    if let Some(p) = position {
        if p.start <= p.end && p.end <= chars.len() && chars[p.start..p.end] == exact[..] {
            return Some(Anchored {
                span: CharSpan::new(p.start, p.end),
                method: AnchorMethod::Position,
            });
        }
    }
    let prefix: Vec<char> = quote.prefix.chars().collect();
    let suffix: Vec<char> = quote.suffix.chars().collect();
    let hint = position.map(|p| p.start);
    let best = find_all(chars, &exact).into_iter().max_by_key(|&start| {
        let end = start + exact.len();
        let context =
            common_suffix_len(&chars[..start], &prefix) + common_prefix_len(&chars[end..], &suffix);
        let distance = hint.map_or(0, |h| h.abs_diff(start));
        // More context agreement wins; ties go to the occurrence nearest the stored position.
        (context, std::cmp::Reverse(distance))
    })?;
    Some(Anchored {
        span: CharSpan::new(best, best + exact.len()),
        method: AnchorMethod::ExactQuote,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::selector::describe;
    use proptest::prelude::*;

    #[test]
    fn repeats_are_told_apart_by_context() {
        let text = CharText::new("the cat sat. the dog sat. the cat ran.");
        let (q, _) = describe(&text, CharSpan::new(30, 33)); // second "cat"
        let a = anchor(&text, &q, None).unwrap();
        assert_eq!(a.span, CharSpan::new(30, 33));
        assert_eq!(a.method, AnchorMethod::ExactQuote);
    }

    #[test]
    fn a_stale_position_falls_back_to_the_quote() {
        let text = CharText::new("inserted words. the cat sat.");
        let q = TextQuoteSelector {
            exact: "cat".into(),
            prefix: "the ".into(),
            suffix: " sat".into(),
        };
        let a = anchor(&text, &q, Some(TextPositionSelector { start: 4, end: 7 })).unwrap();
        assert_eq!(a.span, CharSpan::new(20, 23));
    }

    #[test]
    fn missing_quotes_are_not_placed() {
        let text = CharText::new("nothing to see");
        let q = TextQuoteSelector {
            exact: "elsewhere".into(),
            ..Default::default()
        };
        assert_eq!(
            anchor(&text, &q, Some(TextPositionSelector { start: 0, end: 9 })),
            None
        );
    }

    proptest! {
        #[test]
        fn describe_then_anchor_is_the_same_span(
            text in "[ab😀 ]{1,80}",
            a in 0usize..80, b in 0usize..80,
        ) {
            let t = CharText::new(&text);
            if let Some(span) = t.trim_span(CharSpan::new(a.min(t.len_chars()), b.min(t.len_chars()))) {
                let (q, p) = describe(&t, span);
                prop_assert_eq!(anchor(&t, &q, Some(p)).map(|x| x.span), Some(span));
            }
        }
    }
}
