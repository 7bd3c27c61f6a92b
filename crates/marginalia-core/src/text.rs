//! Code-point indexed text, and the one conversion between the DOM's UTF-16 offsets and the
//! model's code-point offsets.

use crate::span::CharSpan;
use std::fmt;

/// A text indexed by code point: `chars[char_idx]` is O(1), slices are cheap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CharText {
    chars: Vec<char>,
}

/// A UTF-16 offset that falls outside the text or inside a surrogate pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf16IdxError {
    pub utf16_idx: usize,
    pub len_utf16: usize,
}

impl fmt::Display for Utf16IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UTF-16 offset {} is not a character boundary of a text of {} UTF-16 units",
            self.utf16_idx, self.len_utf16
        )
    }
}

impl std::error::Error for Utf16IdxError {}

impl CharText {
    pub fn new(s: &str) -> Self {
        CharText {
            chars: s.chars().collect(),
        }
    }

    pub fn len_chars(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The text of `span`, clamped to the text's end.
    pub fn slice(&self, span: CharSpan) -> String {
        let end = span.end.min(self.chars.len());
        let start = span.start.min(end);
        self.chars[start..end].iter().collect()
    }

    /// `span` with whitespace removed from both ends; `None` when nothing else is left.
    pub fn trim_span(&self, span: CharSpan) -> Option<CharSpan> {
        let end_limit = span.end.min(self.chars.len());
        let mut start = span.start.min(end_limit);
        let mut end = end_limit;
        while start < end && self.chars[start].is_whitespace() {
            start += 1;
        }
        while end > start && self.chars[end - 1].is_whitespace() {
            end -= 1;
        }
        (start < end).then_some(CharSpan { start, end })
    }
}

/// Code-point index of UTF-16 offset `utf16_idx` in `s`. An offset inside a surrogate pair, or
/// past the end, is an error that carries the bad value.
pub fn try_utf16_idx_to_char_idx(s: &str, utf16_idx: usize) -> Result<usize, Utf16IdxError> {
    let mut units = 0usize;
    for (char_idx, c) in s.chars().enumerate() {
        if units == utf16_idx {
            return Ok(char_idx);
        }
        units += c.len_utf16();
        if units > utf16_idx {
            return Err(Utf16IdxError {
                utf16_idx,
                len_utf16: s.encode_utf16().count(),
            });
        }
    }
    if units == utf16_idx {
        Ok(s.chars().count())
    } else {
        Err(Utf16IdxError {
            utf16_idx,
            len_utf16: units,
        })
    }
}

/// Like [`try_utf16_idx_to_char_idx`], but an offset inside a surrogate pair rounds down to the
/// start of its character and one past the end clamps to the end (what a browser selection needs).
pub fn utf16_idx_to_char_idx(s: &str, utf16_idx: usize) -> usize {
    let mut units = 0usize;
    for (char_idx, c) in s.chars().enumerate() {
        units += c.len_utf16();
        if units > utf16_idx {
            return char_idx;
        }
    }
    s.chars().count()
}

/// UTF-16 offset of code point `char_idx` in `s` (clamped to the end).
pub fn char_idx_to_utf16_idx(s: &str, char_idx: usize) -> usize {
    s.chars().take(char_idx).map(char::len_utf16).sum()
}

/// A size in bytes shown in MB (MiB) with one decimal, rounded half up: `Megabytes(5_662_310)`
/// shows as `5.4`. Integer arithmetic, so the app carries no float formatting for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Megabytes(pub u64);

impl fmt::Display for Megabytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MB: u64 = 1024 * 1024;
        let tenths = (self.0.saturating_mul(10).saturating_add(MB / 2)) / MB;
        write!(f, "{}.{}", tenths / 10, tenths % 10)
    }
}

/// A count shown with its thousands grouped: `Count(10_008)` shows as `10,008` (what a reader
/// sees in reports, the panel and the library).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub usize);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIXED: &str = "a😀e\u{301}中文 العربية 🇵🇰!";

    #[test]
    fn counts_group_their_thousands() {
        for (n, shown) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (10_008, "10,008"),
            (123_456, "123,456"),
            (1_048_576, "1,048,576"),
        ] {
            assert_eq!(Count(n).to_string(), shown);
        }
    }

    proptest! {
        #[test]
        fn a_count_without_its_commas_is_the_number(n in any::<usize>()) {
            let shown = Count(n).to_string();
            prop_assert_eq!(shown.replace(',', ""), n.to_string());
            let groups: Vec<&str> = shown.split(',').collect();
            prop_assert!((1..=3).contains(&groups[0].len()));
            prop_assert!(groups[1..].iter().all(|g| g.len() == 3));
        }
    }

    #[test]
    fn megabytes_show_one_decimal_like_the_float_formatting_did() {
        for bytes in [
            0u64,
            1,
            52_428,
            52_429,
            1_048_576,
            5_242_880,
            5_242_881,
            5_662_310,
            20_971_520,
            20_971_521,
            104_857_599,
            u64::MAX / 20,
        ] {
            let float = format!("{:.1}", bytes as f64 / (1024.0 * 1024.0));
            assert_eq!(Megabytes(bytes).to_string(), float, "{bytes} bytes");
        }
    }

    #[test]
    fn utf16_and_code_points_agree_on_emoji_and_marks() {
        // "a" (1 unit), "😀" (2 units), "e" + combining acute (1 + 1).
        assert_eq!(try_utf16_idx_to_char_idx(MIXED, 0), Ok(0));
        assert_eq!(try_utf16_idx_to_char_idx(MIXED, 1), Ok(1));
        assert!(try_utf16_idx_to_char_idx(MIXED, 2).is_err());
        assert_eq!(try_utf16_idx_to_char_idx(MIXED, 3), Ok(2));
        assert_eq!(try_utf16_idx_to_char_idx(MIXED, 5), Ok(4));
        assert_eq!(utf16_idx_to_char_idx(MIXED, 2), 1);
        assert_eq!(char_idx_to_utf16_idx(MIXED, 2), 3);
        let err = try_utf16_idx_to_char_idx("ab", 5).unwrap_err();
        assert_eq!((err.utf16_idx, err.len_utf16), (5, 2));
        assert!(err.to_string().contains('5'));
    }

    #[test]
    fn trim_span_drops_surrounding_whitespace() {
        let t = CharText::new("  hello world \n");
        assert_eq!(
            t.trim_span(CharSpan::new(0, 15)),
            Some(CharSpan::new(2, 13))
        );
        assert_eq!(t.trim_span(CharSpan::new(0, 2)), None);
        assert_eq!(t.slice(CharSpan::new(2, 7)), "hello");
    }

    proptest! {
        #[test]
        fn round_trip_every_char_boundary(s in "\\PC{0,40}") {
            for char_idx in 0..=s.chars().count() {
                let u = char_idx_to_utf16_idx(&s, char_idx);
                prop_assert_eq!(try_utf16_idx_to_char_idx(&s, u), Ok(char_idx));
            }
        }
    }
}
