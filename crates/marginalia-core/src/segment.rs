//! Segmentation: a block of text cut into runs at every highlight and style boundary, each run
//! knowing which highlights and styles cover it. The runs join back into the block's text.

use crate::span::CharSpan;

/// One run of a block: block-local span, its text, and the indices (into the inputs) of the
/// highlights and styles covering it, in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub span: CharSpan,
    pub text: String,
    pub marks: Vec<usize>,
    pub styles: Vec<usize>,
}

/// A boundary: (position, is_start, kind 0 = mark / 1 = style, index into that kind's spans).
type Event = (usize, bool, u8, usize);

/// `events` by position, the ends before the starts at one position, stably. No copy of the
/// standard library's sort in the shipped wasm, and faster than one on this hot path (every
/// paragraph with marks, on every render): a few events are sorted by insertion; many, by
/// counting on `2 * position + is_start` (positions are at most `len`), which is linear.
fn in_position_order(mut events: Vec<Event>, len: usize) -> Vec<Event> {
    let key = |e: &Event| 2 * e.0.min(len) + usize::from(e.1);
    if events.len() <= 32 {
        for i in 1..events.len() {
            let mut j = i;
            while j > 0 && key(&events[j - 1]) > key(&events[j]) {
                events.swap(j - 1, j);
                j -= 1;
            }
        }
        return events;
    }
    // next[k]: where the next event with key k goes (after a prefix sum of the counts).
    let mut next = vec![0usize; 2 * len + 3];
    for e in &events {
        next[key(e) + 1] += 1;
    }
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    let mut out = vec![(0, false, 0, 0); events.len()];
    for e in events {
        let at = &mut next[key(&e)];
        out[*at] = e;
        *at += 1;
    }
    out
}

/// Cuts `text` into runs at the boundaries of `marks` and `styles` (block-local code-point spans;
/// spans running past the text are clamped, empty ones ignored).
pub fn segment(text: &str, marks: &[CharSpan], styles: &[CharSpan]) -> Vec<Run> {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    if len == 0 {
        return Vec::new();
    }
    let mut events: Vec<Event> = Vec::with_capacity(2 * (marks.len() + styles.len()));
    for (kind, spans) in [(0u8, marks), (1u8, styles)] {
        for (i, s) in spans.iter().enumerate() {
            let (start, end) = (s.start.min(len), s.end.min(len));
            if start < end {
                events.push((start, true, kind, i));
                events.push((end, false, kind, i));
            }
        }
    }
    let events = in_position_order(events, len);
    let mut active_marks: Vec<usize> = Vec::new();
    let mut active_styles: Vec<usize> = Vec::new();
    let mut runs = Vec::new();
    let mut pos = 0;
    let mut e = 0;
    while pos < len {
        while e < events.len() && events[e].0 == pos {
            let (_, is_start, kind, i) = events[e];
            let active = if kind == 0 {
                &mut active_marks
            } else {
                &mut active_styles
            };
            if is_start {
                let at = active.partition_point(|&x| x < i);
                active.insert(at, i);
            } else if let Ok(at) = active.binary_search(&i) {
                active.remove(at);
            }
            e += 1;
        }
        let next = if e < events.len() {
            events[e].0.min(len)
        } else {
            len
        };
        runs.push(Run {
            span: CharSpan {
                start: pos,
                end: next,
            },
            text: chars[pos..next].iter().collect(),
            marks: active_marks.clone(),
            styles: active_styles.clone(),
        });
        pos = next;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn overlapping_marks_make_deeper_runs() {
        let runs = segment(
            "abcdefghij",
            &[CharSpan::new(2, 6), CharSpan::new(4, 8)],
            &[],
        );
        let shape: Vec<(&str, Vec<usize>)> = runs
            .iter()
            .map(|r| (r.text.as_str(), r.marks.clone()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("ab", vec![]),
                ("cd", vec![0]),
                ("ef", vec![0, 1]),
                ("gh", vec![1]),
                ("ij", vec![])
            ]
        );
    }

    #[test]
    fn styles_and_marks_cut_together_and_emoji_count_once() {
        let runs = segment(
            "😀 bold move",
            &[CharSpan::new(0, 1)],
            &[CharSpan::new(2, 6)],
        );
        let texts: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["😀", " ", "bold", " move"]);
        assert_eq!(runs[2].styles, vec![0]);
        assert!(runs[2].marks.is_empty());
    }

    #[test]
    fn out_of_range_and_empty_spans_are_ignored() {
        let runs = segment("abc", &[CharSpan::new(1, 1), CharSpan::new(2, 99)], &[]);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].marks, vec![1]);
        assert!(segment("", &[CharSpan::new(0, 3)], &[]).is_empty());
    }

    proptest! {
        #[test]
        fn runs_join_back_and_carry_exactly_the_covering_marks(
            text in "[a-z😀é ]{0,60}",
            // Up to 40 marks: past 16 (32 boundaries) the boundaries are ordered by counting.
            raw in proptest::collection::vec((0usize..70, 0usize..70), 0..40),
        ) {
            let marks: Vec<CharSpan> = raw.iter().map(|&(a, b)| CharSpan::new(a, b)).collect();
            let runs = segment(&text, &marks, &[]);
            let joined: String = runs.iter().map(|r| r.text.as_str()).collect();
            prop_assert_eq!(&joined, &text);
            let mut expected_start = 0;
            for r in &runs {
                prop_assert_eq!(r.span.start, expected_start);
                prop_assert!(!r.span.is_empty());
                expected_start = r.span.end;
                for i in r.span.start..r.span.end {
                    let covering: Vec<usize> = (0..marks.len()).filter(|&m| marks[m].contains(i)).collect();
                    prop_assert_eq!(&r.marks, &covering);
                }
            }
            prop_assert_eq!(expected_start, text.chars().count());
        }
    }
}
