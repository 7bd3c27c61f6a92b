//! W3C selectors: describing a span of the text as a TextQuoteSelector and a TextPositionSelector.

use crate::span::CharSpan;
use crate::text::CharText;
use serde::{Deserialize, Serialize};

/// Code points of context kept on each side of a quote.
pub const CONTEXT_CHARS: usize = 32;

/// W3C TextQuoteSelector: the exact words plus a little context either side.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct TextQuoteSelector {
    pub exact: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub suffix: String,
}

/// W3C TextPositionSelector: code-point offsets, `start` inclusive, `end` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct TextPositionSelector {
    pub start: usize,
    pub end: usize,
}

impl From<CharSpan> for TextPositionSelector {
    fn from(s: CharSpan) -> Self {
        TextPositionSelector {
            start: s.start,
            end: s.end,
        }
    }
}

impl TextPositionSelector {
    pub fn span(&self) -> CharSpan {
        CharSpan::new(self.start, self.end)
    }
}

/// Both selectors for `span` of `text` (the span is clamped to the text).
pub fn describe(text: &CharText, span: CharSpan) -> (TextQuoteSelector, TextPositionSelector) {
    let len = text.len_chars();
    let end = span.end.min(len);
    let start = span.start.min(end);
    let quote = TextQuoteSelector {
        exact: text.slice(CharSpan { start, end }),
        prefix: text.slice(CharSpan {
            start: start.saturating_sub(CONTEXT_CHARS),
            end: start,
        }),
        suffix: text.slice(CharSpan {
            start: end,
            end: (end + CONTEXT_CHARS).min(len),
        }),
    };
    (quote, TextPositionSelector { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_takes_32_code_points_of_context() {
        let text = CharText::new(&format!("{}😀target😀{}", "a".repeat(40), "b".repeat(40)));
        let (q, p) = describe(&text, CharSpan::new(41, 47));
        assert_eq!(q.exact, "target");
        assert_eq!(q.prefix.chars().count(), 32);
        assert!(q.prefix.ends_with('😀'));
        assert!(q.suffix.starts_with('😀'));
        assert_eq!(q.suffix.chars().count(), 32);
        assert_eq!((p.start, p.end), (41, 47));
    }

    #[test]
    fn describe_at_the_edges_has_short_context() {
        let text = CharText::new("edge case");
        let (q, _) = describe(&text, CharSpan::new(0, 4));
        assert_eq!(
            (q.prefix.as_str(), q.exact.as_str(), q.suffix.as_str()),
            ("", "edge", " case")
        );
    }
}
