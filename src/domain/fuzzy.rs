//! Approximate substring matching over code points: Myers' bit-vector algorithm.
//!
//! Finds where a pattern occurs in a text with at most `k` edit errors (insertions, deletions,
//! substitutions; Levenshtein distance). This is the algorithm of
//!
//! > G. Myers, "A fast bit-vector algorithm for approximate string matching based on dynamic
//! > programming", Journal of the ACM 46(3), 1999, pp. 395–415,
//!
//! the same one the npm package `approx-string-match` (used by the Hypothesis annotator)
//! implements, here with 64-bit words instead of JavaScript's 32-bit ones.
//!
//! # How it works
//!
//! The classic dynamic programme fills a table `D[i][j]`: the fewest errors with which the first
//! `i` pattern characters match some substring of the text ending at text position `j`. Adjacent
//! cells differ by -1, 0 or +1, so a column of the table is encoded as two bit vectors of
//! "+1" and "-1" vertical deltas (`pv`, `mv`), one bit per pattern row, and a whole column is
//! advanced to the next text character with about fifteen word operations. A pattern of `m`
//! characters takes `ceil(m / 64)` words ("blocks"), advanced from the top down with a carry.
//!
//! Ukkonen's cut-off keeps the work proportional to `k` rather than `m`: only the blocks down to
//! the last one whose bottom row can still be within `k` errors are advanced (`y` below), so the
//! expected cost is `O(n · k / 64)` for a text of `n` characters. Callers can also lower `k`
//! while the scan runs (see [`Flow`]), which shrinks the active blocks further: the anchoring code
//! uses this to prune candidates that could no longer win (branch and bound).
//!
//! Each text character is mapped to its row of "where does this character occur in the pattern"
//! bitmasks (`peq`) through a 256-entry table for Latin-1 characters, or a binary search over the
//! pattern's few other distinct characters; characters absent from the pattern share an all-zero
//! row.
//!
//! # What a match is
//!
//! A match *end* is a text position `end` where the pattern matches some substring ending there
//! with at most `k` errors. Every real occurrence produces a little run of such ends around its
//! true end (one more error for each character overshot), so the scan reports only the *local
//! minima* of the error count along the text: the ends with the fewest errors in each valley
//! (all of them when the bottom is flat, as when the last character was replaced: ending before
//! or after it costs the same, and only the context can tell which is right). The start of a match is then found by matching the reversed
//! pattern backwards from its end ([`Pattern::best_prefix_alignment`] on the reversed text),
//! choosing among the starts with the same (least) number of errors the one whose length is
//! closest to the pattern's.

use std::cmp::Ordering;

/// Bits per block: one `u64` word holds 64 pattern rows.
pub const WORD_BITS: usize = 64;

/// Latin-1 characters get a direct table lookup; the rest a binary search.
const DIRECT: usize = 256;

/// An approximate occurrence of a pattern: `text[start..end]` matches it with `errors` edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub errors: usize,
}

/// What a scan should do after reporting a match end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on, reporting from now on only ends with at most `max_errors` errors (a value larger
    /// than the current limit is ignored: the limit only ever goes down).
    Continue { max_errors: usize },
    /// Stop scanning.
    Stop,
}

/// A pattern compiled for bit-parallel matching.
#[derive(Clone, Debug)]
pub struct Pattern {
    chars: Vec<char>,
    /// Number of 64-row blocks, `ceil(len / 64)` (at least 1).
    blocks: usize,
    /// `peq[class * blocks + b]`: bit `r` set when pattern row `b * 64 + r` is that class's char.
    /// Class 0 is "not in the pattern" and is all zeros.
    peq: Vec<u64>,
    /// Class of each Latin-1 character.
    direct: Box<[u32; DIRECT]>,
    /// The pattern's other distinct characters, sorted, and their classes.
    others: Vec<char>,
    other_classes: Vec<u32>,
    /// The bit of the pattern's last row within its block.
    last_bit: u64,
}

/// Error counts along the text are reported at their local minima only: every end of the flat
/// bottom of each valley.
struct Minima {
    prev: usize,
    /// The current flat stretch after a descent: first end, last end, errors.
    pending: Option<(usize, usize, usize)>,
}

const OVER: usize = usize::MAX;

impl Minima {
    fn new() -> Self {
        Minima {
            prev: OVER,
            pending: None,
        }
    }

    /// Feeds the error count `s` (or `OVER` when above the limit) of the match ending at `end`;
    /// returns a finished valley bottom `(first end, last end, errors)`, if this step completes
    /// one.
    #[inline(always)]
    fn push(&mut self, end: usize, s: usize) -> Option<(usize, usize, usize)> {
        let out = match s.cmp(&self.prev) {
            Ordering::Less => {
                self.pending = Some((end, end, s));
                None
            }
            Ordering::Greater => self.pending.take(),
            Ordering::Equal => {
                if let Some(p) = self.pending.as_mut() {
                    p.1 = end;
                }
                None
            }
        };
        self.prev = s;
        out
    }
}

/// One step of Myers' algorithm for one block (Fig. 8 of the paper, with the horizontal input
/// delta `hin` ∈ {-1, 0, +1} from the block above). Returns the horizontal delta at the block's
/// bottom row `hibit`.
#[inline(always)]
fn advance(pv: &mut u64, mv: &mut u64, eq: u64, hin: isize, hibit: u64) -> isize {
    let p = *pv;
    let m = *mv;
    let neg = (hin < 0) as u64;
    let pos = (hin > 0) as u64;
    let xv = eq | m;
    let eq = eq | neg;
    let xh = ((eq & p).wrapping_add(p) ^ p) | eq;
    let mut ph = m | !(xh | p);
    let mut mh = p & xh;
    let hout = ((ph & hibit) != 0) as isize - ((mh & hibit) != 0) as isize;
    ph = (ph << 1) | pos;
    mh = (mh << 1) | neg;
    *pv = mh | !(xv | ph);
    *mv = ph & xv;
    hout
}

impl Pattern {
    /// Compiles `pattern` (any length; an empty pattern matches nothing).
    pub fn new(pattern: &[char]) -> Pattern {
        let m = pattern.len();
        let blocks = m.div_ceil(WORD_BITS).max(1);
        let mut direct = Box::new([0u32; DIRECT]);
        let mut others: Vec<char> = pattern
            .iter()
            .copied()
            .filter(|&c| (c as usize) >= DIRECT)
            .collect();
        others.sort_unstable();
        others.dedup();
        let mut classes = 1u32;
        for &c in pattern {
            if (c as usize) < DIRECT && direct[c as usize] == 0 {
                direct[c as usize] = classes;
                classes += 1;
            }
        }
        let mut other_classes = Vec::with_capacity(others.len());
        for _ in &others {
            other_classes.push(classes);
            classes += 1;
        }
        let mut peq = vec![0u64; classes as usize * blocks];
        let mut p = Pattern {
            chars: pattern.to_vec(),
            blocks,
            peq: Vec::new(),
            direct,
            others,
            other_classes,
            last_bit: 1u64 << ((m.max(1) - 1) % WORD_BITS),
        };
        for (i, &c) in pattern.iter().enumerate() {
            let class = p.class_of(c);
            peq[class * blocks + i / WORD_BITS] |= 1u64 << (i % WORD_BITS);
        }
        p.peq = peq;
        p
    }

    /// The pattern backwards (to find where a match starts, matching leftwards from its end).
    pub fn reversed(&self) -> Pattern {
        let rev: Vec<char> = self.chars.iter().rev().copied().collect();
        Pattern::new(&rev)
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    #[inline(always)]
    fn class_of(&self, c: char) -> usize {
        let u = c as usize;
        if u < DIRECT {
            self.direct[u] as usize
        } else {
            match self.others.binary_search(&c) {
                Ok(i) => self.other_classes[i] as usize,
                Err(_) => 0,
            }
        }
    }

    /// Bottom-row bit of block `b`.
    #[inline(always)]
    fn hibit(&self, b: usize) -> u64 {
        if b + 1 == self.blocks {
            self.last_bit
        } else {
            1u64 << (WORD_BITS - 1)
        }
    }

    /// Rows in block `b`.
    fn rows(&self, b: usize) -> usize {
        (self.len() - b * WORD_BITS).min(WORD_BITS)
    }

    /// Scans `text` for ends of matches with at most `max_errors` errors, calling
    /// `on_end(end, errors)` at each local minimum of the error count (see the module docs).
    /// `end` is exclusive. The callback may lower the limit or stop the scan.
    ///
    /// Cost: `O(text.len() · max_errors / 64)` expected. `max_errors` is clamped to the
    /// pattern's length (at which every position matches).
    pub fn find_ends<F: FnMut(usize, usize) -> Flow>(
        &self,
        text: &[char],
        max_errors: usize,
        mut on_end: F,
    ) {
        let m = self.len();
        if m == 0 {
            return;
        }
        let mut k = max_errors.min(m);
        let mut minima = Minima::new();
        // Returns false when the scan must stop.
        let mut report = |pending: Option<(usize, usize, usize)>, k: &mut usize| -> bool {
            if let Some((first, last, errors)) = pending {
                for end in first..=last {
                    if errors > *k {
                        break;
                    }
                    match on_end(end, errors) {
                        Flow::Continue { max_errors } => *k = (*k).min(max_errors),
                        Flow::Stop => return false,
                    }
                }
            }
            true
        };
        if self.blocks == 1 {
            // One word: no blocks, no cut-off.
            let hb = self.last_bit;
            let (mut pv, mut mv, mut score) = (!0u64, 0u64, m);
            for (j, &c) in text.iter().enumerate() {
                let eq = self.peq[self.class_of(c)];
                let xv = eq | mv;
                let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
                let ph = mv | !(xh | pv);
                let mh = pv & xh;
                score = score + ((ph & hb) != 0) as usize - ((mh & hb) != 0) as usize;
                let ph = ph << 1;
                pv = (mh << 1) | !(xv | ph);
                mv = ph & xv;
                let s = if score <= k { score } else { OVER };
                if (s != OVER || minima.prev != OVER) && !report(minima.push(j + 1, s), &mut k) {
                    return;
                }
            }
        } else {
            let bmax = self.blocks - 1;
            let w = WORD_BITS as isize;
            let mut pv = vec![!0u64; self.blocks];
            let mut mv = vec![0u64; self.blocks];
            let mut score = vec![0isize; self.blocks];
            // The last active block.
            let mut y = k.div_ceil(WORD_BITS).saturating_sub(1).min(bmax);
            for (b, s) in score.iter_mut().enumerate().take(y + 1) {
                *s = (b * WORD_BITS + self.rows(b)) as isize;
            }
            let hibits: Vec<u64> = (0..self.blocks).map(|b| self.hibit(b)).collect();
            for (j, &c) in text.iter().enumerate() {
                let row = self.class_of(c) * self.blocks;
                let peq = &self.peq[row..row + self.blocks];
                let mut carry = 0isize;
                for b in 0..=y {
                    carry = advance(&mut pv[b], &mut mv[b], peq[b], carry, hibits[b]);
                    score[b] += carry;
                }
                let ki = k as isize;
                if score[y] - carry <= ki && y < bmax && ((peq[y + 1] & 1) != 0 || carry < 0) {
                    // The bottom block may reach within k: bring the next block in.
                    y += 1;
                    pv[y] = !0;
                    mv[y] = 0;
                    let out = advance(&mut pv[y], &mut mv[y], peq[y], carry, hibits[y]);
                    score[y] = score[y - 1] + self.rows(y) as isize - carry + out;
                } else {
                    while y > 0 && score[y] >= ki + w {
                        y -= 1;
                    }
                }
                let s = if y == bmax && score[y] <= ki {
                    score[y] as usize
                } else {
                    OVER
                };
                if (s != OVER || minima.prev != OVER) && !report(minima.push(j + 1, s), &mut k) {
                    return;
                }
            }
        }
        report(minima.pending.take(), &mut k);
    }

    /// Calls `f(j, d)` for `j` in `0..=len` (the length of `text` consumed) with `d` the edit
    /// distance between the whole pattern and the first `j` characters of `text` (global
    /// alignment at the start, free at the end). All blocks are computed: meant for short texts.
    pub fn prefix_distances<I, F>(&self, text: I, mut f: F)
    where
        I: IntoIterator<Item = char>,
        F: FnMut(usize, usize),
    {
        let m = self.len();
        let mut pv = vec![!0u64; self.blocks];
        let mut mv = vec![0u64; self.blocks];
        let hibits: Vec<u64> = (0..self.blocks).map(|b| self.hibit(b)).collect();
        let mut score = m as isize;
        f(0, m);
        if m == 0 {
            // The distance to a prefix of length j is j; the caller gets 0 at j = 0, enough.
            return;
        }
        for (j, c) in text.into_iter().enumerate() {
            let row = self.class_of(c) * self.blocks;
            // Row 0 of the table is D[0][j] = j: a +1 horizontal delta enters the top block.
            let mut carry = 1isize;
            for b in 0..self.blocks {
                carry = advance(&mut pv[b], &mut mv[b], self.peq[row + b], carry, hibits[b]);
            }
            score += carry;
            f(j + 1, score as usize);
        }
    }

    /// The best alignment of the whole pattern with a prefix of `text`: `(errors, length)`,
    /// where among the prefixes with the fewest errors the one whose length is closest to the
    /// pattern's wins (the shorter on a tie).
    pub fn best_prefix_alignment<I: IntoIterator<Item = char>>(&self, text: I) -> (usize, usize) {
        let m = self.len();
        let mut best = (usize::MAX, 0usize);
        self.prefix_distances(text, |j, d| {
            let better = d < best.0 || (d == best.0 && j.abs_diff(m) < best.1.abs_diff(m));
            if better {
                best = (d, j);
            }
        });
        best
    }

    /// The start of the match of `errors` errors that ends at `end` in `text` (from
    /// [`Pattern::find_ends`]); `rev` is this pattern [`reversed`](Pattern::reversed).
    pub fn match_start(rev: &Pattern, text: &[char], end: usize, errors: usize) -> usize {
        let from = end.saturating_sub(rev.len() + errors);
        let (_, len) = rev.best_prefix_alignment(text[from..end].iter().rev().copied());
        end - len
    }
}

/// Every approximate occurrence of `pattern` in `text` with at most `max_errors` errors: one per
/// local minimum of the error count, in text order.
pub fn search(text: &[char], pattern: &[char], max_errors: usize) -> Vec<Match> {
    let p = Pattern::new(pattern);
    let rev = p.reversed();
    let mut out = Vec::new();
    p.find_ends(text, max_errors, |end, errors| {
        let start = Pattern::match_start(&rev, text, end, errors);
        out.push(Match { start, end, errors });
        Flow::Continue { max_errors }
    });
    out
}

/// The occurrences of `pattern` in `text` with the fewest errors (at most `max_errors`): the
/// semantics of `approx-string-match`'s `search`. The limit is lowered to the best error count
/// seen so far while scanning, which saves work.
pub fn search_best(text: &[char], pattern: &[char], max_errors: usize) -> Vec<Match> {
    let p = Pattern::new(pattern);
    let rev = p.reversed();
    let mut out: Vec<Match> = Vec::new();
    p.find_ends(text, max_errors, |end, errors| {
        if out.first().is_some_and(|m| m.errors > errors) {
            out.clear();
        }
        let start = Pattern::match_start(&rev, text, end, errors);
        out.push(Match { start, end, errors });
        Flow::Continue { max_errors: errors }
    });
    out
}

/// Levenshtein distance between `a` and `b`, bit-parallel (`O(|a| · |b| / 64)`).
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.len();
    }
    let p = Pattern::new(short);
    let mut last = 0;
    p.prefix_distances(long.iter().copied(), |_, d| last = d);
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// Textbook dynamic programme: D[m][j] for every j (search mode: D[0][j] = 0).
    fn naive_end_scores(text: &[char], pat: &[char]) -> Vec<usize> {
        let m = pat.len();
        let mut col: Vec<usize> = (0..=m).collect();
        let mut out = Vec::with_capacity(text.len());
        for &t in text {
            let mut next = vec![0usize; m + 1];
            for i in 1..=m {
                let sub = col[i - 1] + usize::from(pat[i - 1] != t);
                next[i] = sub.min(col[i] + 1).min(next[i - 1] + 1);
            }
            out.push(next[m]);
            col = next;
        }
        out
    }

    fn naive_levenshtein(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, &x) in a.iter().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, &y) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(x != y))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    /// Local minima of naive scores: each end `j` at the flat bottom of a valley.
    fn naive_minima(scores: &[usize], k: usize) -> Vec<(usize, usize)> {
        let s: Vec<usize> = scores
            .iter()
            .map(|&s| if s <= k { s } else { OVER })
            .collect();
        let mut out = Vec::new();
        for j in 0..s.len() {
            if s[j] == OVER {
                continue;
            }
            // Walk left and right over equal values; both neighbours beyond must be higher.
            let mut l = j;
            while l > 0 && s[l - 1] == s[j] {
                l -= 1;
            }
            let mut r = j;
            while r + 1 < s.len() && s[r + 1] == s[j] {
                r += 1;
            }
            let left_higher = l == 0 || s[l - 1] > s[j];
            let right_higher = r + 1 == s.len() || s[r + 1] > s[j];
            if left_higher && right_higher {
                out.push((j + 1, s[j]));
            }
        }
        out
    }

    fn ends(text: &[char], pat: &[char], k: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        Pattern::new(pat).find_ends(text, k, |e, d| {
            out.push((e, d));
            Flow::Continue { max_errors: k }
        });
        out
    }

    #[test]
    fn finds_exact_and_approximate_occurrences() {
        let text = chars("Many years later, as he faced the firing squad");
        let m = search_best(&text, &chars("Many yers later"), 5);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].start, m[0].end, m[0].errors), (0, 16, 1));
        let exact = search(&text, &chars("firing"), 0);
        assert_eq!(
            exact,
            vec![Match {
                start: 34,
                end: 40,
                errors: 0
            }]
        );
        assert!(search(&text, &chars("zzzzzz"), 2).is_empty());
    }

    #[test]
    fn long_patterns_use_several_blocks() {
        // A 300-character pattern (5 blocks) with 3 edits, inside a longer text.
        let body: String = (0..300)
            .map(|i| char::from(b'a' + ((i * 7 + i / 13) % 26) as u8))
            .collect();
        let mut edited = body.clone();
        edited.replace_range(10..11, "Z");
        edited.replace_range(150..152, "");
        edited.insert(290, 'Q');
        let text = chars(&format!("{}{}{}", "x".repeat(500), edited, "y".repeat(500)));
        let best = search_best(&text, &chars(&body), 40);
        assert_eq!(best.len(), 1);
        assert_eq!(best[0].errors, 4);
        assert_eq!(best[0].start, 500);
        assert_eq!(best[0].end, 500 + edited.chars().count());
    }

    #[test]
    fn non_latin1_characters_are_matched() {
        let text = chars("😀 العربية 中文 “quoted” text");
        let m = search_best(&text, &chars("中文 “quotd”"), 2);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].errors, 1);
        assert_eq!(
            text[m[0].start..m[0].end].iter().collect::<String>(),
            "中文 “quoted”"
        );
    }

    #[test]
    fn the_callback_can_stop_the_scan() {
        let text = chars("ab ab ab ab");
        let mut seen = 0;
        Pattern::new(&chars("ab")).find_ends(&text, 0, |_, _| {
            seen += 1;
            Flow::Stop
        });
        assert_eq!(seen, 1);
    }

    #[test]
    fn empty_inputs_match_nothing() {
        assert!(search(&chars("abc"), &[], 1).is_empty());
        assert!(search(&[], &chars("abc"), 1).is_empty());
        assert_eq!(edit_distance(&[], &chars("abc")), 3);
    }

    proptest! {
        #[test]
        fn end_scores_agree_with_the_textbook_table(
            text in "[abc]{0,200}",
            pat in "[abc]{1,150}",
            k in 0usize..60,
        ) {
            let (t, p) = (chars(&text), chars(&pat));
            let k = k.min(p.len());
            let want = naive_minima(&naive_end_scores(&t, &p), k);
            prop_assert_eq!(ends(&t, &p, k), want);
        }

        #[test]
        fn starts_give_the_reported_error_count(
            text in "[ab ]{0,160}",
            pat in "[ab ]{1,90}",
            k in 0usize..30,
        ) {
            let (t, p) = (chars(&text), chars(&pat));
            for m in search(&t, &p, k) {
                prop_assert_eq!(naive_levenshtein(&p, &t[m.start..m.end]), m.errors);
            }
        }

        #[test]
        fn edit_distance_is_levenshtein(a in "[abcd]{0,140}", b in "[abcd]{0,140}") {
            let (a, b) = (chars(&a), chars(&b));
            prop_assert_eq!(edit_distance(&a, &b), naive_levenshtein(&a, &b));
        }
    }
}
