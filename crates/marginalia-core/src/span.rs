//! Half-open code-point intervals (`start..end`), in the style of xi-editor's spans.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A half-open interval of Unicode code points: `start_char_idx..end_char_idx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CharSpan {
    pub start: usize,
    pub end: usize,
}

/// A span whose end comes before its start, or that runs past the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanError {
    pub start: usize,
    pub end: usize,
    pub len_chars: usize,
}

impl fmt::Display for SpanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "span {}..{} does not fit a text of {} characters",
            self.start, self.end, self.len_chars
        )
    }
}

impl std::error::Error for SpanError {}

impl CharSpan {
    /// A span; `start` and `end` are swapped when given backwards (selections can be made either way).
    pub fn new(a: usize, b: usize) -> Self {
        CharSpan {
            start: a.min(b),
            end: a.max(b),
        }
    }

    /// A span checked against a text of `len_chars` code points.
    pub fn try_within(start: usize, end: usize, len_chars: usize) -> Result<Self, SpanError> {
        if start <= end && end <= len_chars {
            Ok(CharSpan { start, end })
        } else {
            Err(SpanError {
                start,
                end,
                len_chars,
            })
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Does the span contain code point `char_idx`?
    pub fn contains(&self, char_idx: usize) -> bool {
        self.start <= char_idx && char_idx < self.end
    }

    /// Do the two spans share at least one code point?
    pub fn overlaps(&self, other: &CharSpan) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The common part, if any.
    pub fn intersect(&self, other: &CharSpan) -> Option<CharSpan> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(CharSpan { start, end })
    }

    /// The span moved left by `by` code points (for block-local offsets).
    pub fn shifted_back(&self, by: usize) -> CharSpan {
        CharSpan {
            start: self.start - by,
            end: self.end - by,
        }
    }
}

impl fmt::Display for CharSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_orders_backwards_selections() {
        assert_eq!(CharSpan::new(9, 4), CharSpan { start: 4, end: 9 });
    }

    #[test]
    fn try_within_reports_the_bad_value() {
        let err = CharSpan::try_within(3, 12, 10).unwrap_err();
        assert_eq!(err.end, 12);
        assert!(err.to_string().contains("3..12"));
    }

    #[test]
    fn overlap_is_half_open() {
        let a = CharSpan::new(0, 5);
        assert!(!a.overlaps(&CharSpan::new(5, 8)));
        assert!(a.overlaps(&CharSpan::new(4, 8)));
        assert_eq!(a.intersect(&CharSpan::new(3, 9)), Some(CharSpan::new(3, 5)));
        assert_eq!(a.intersect(&CharSpan::new(5, 9)), None);
    }
}
