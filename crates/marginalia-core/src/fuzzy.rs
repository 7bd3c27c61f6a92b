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
//! When `k` is small against the pattern, a q-gram counting filter ([`QgramFilter`]) first finds
//! the stretches of a long text where a match could end at all, and only those are scanned: a
//! match with at most `k` errors keeps at least `m − q + 1 − q·k` of the pattern's q-grams.
//! The filter is lossless, so the result is the same as scanning everything.
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
        super::order::sort_dedup(&mut others);
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
    /// `on_end(end, errors)` at each local minimum of the error count (see the module docs),
    /// in text order. `end` is exclusive. The callback may lower the limit or stop the scan.
    ///
    /// Cost: `O(text.len() · max_errors / 64)` expected. `max_errors` is clamped to the
    /// pattern's length (at which every position matches). When the limit is small against the
    /// pattern, a q-gram filter first skips the parts of a long text where no match can end
    /// (see [`QgramFilter`]); the result is the same.
    pub fn find_ends<F: FnMut(usize, usize) -> Flow>(
        &self,
        text: &[char],
        max_errors: usize,
        mut on_end: F,
    ) {
        let m = self.len();
        if m == 0 || text.is_empty() {
            return;
        }
        let mut k = max_errors.min(m);
        let long = text.len() >= FILTER_MIN_TEXT;
        // Columns before `done` are scanned. Without a filter the plain scan checks now and
        // then whether the limit has come down far enough (lowered by the callback) for one.
        let mut done = 0;
        while done < text.len() {
            let warm = m + k + 1;
            let (regions, may_switch) = match long.then(|| QgramFilter::new(self, k)).flatten() {
                Some(f) => {
                    let base = done.saturating_sub(warm);
                    let regions = f
                        .regions(&text[base..])
                        .into_iter()
                        .map(|(from, own, to)| (base + from, (base + own).max(done), base + to))
                        .filter(|&(_, own, to)| own < to)
                        .collect();
                    (regions, false)
                }
                None => (vec![(done.saturating_sub(warm), done, text.len())], long),
            };
            done = text.len();
            for range in regions {
                let end = if self.blocks == 1 {
                    scan_range::<Single, F>(self, text, range, may_switch, &mut k, &mut on_end)
                } else {
                    scan_range::<Blocked, F>(self, text, range, may_switch, &mut k, &mut on_end)
                };
                match end {
                    Scanned::All => {}
                    Scanned::Stopped => return,
                    Scanned::Upto(j) => {
                        done = j;
                        break;
                    }
                }
            }
        }
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

/// The dynamic-programming state of one scan: advances one text character at a time.
trait Column: Sized {
    fn new(p: &Pattern, k: usize) -> Self;
    /// Advances over `c`; returns the errors of the best match ending here, or `OVER` when
    /// above `k`.
    fn step(&mut self, p: &Pattern, c: char, k: usize) -> usize;
}

/// One 64-bit word: no blocks, no cut-off.
struct Single {
    pv: u64,
    mv: u64,
    score: usize,
}

impl Column for Single {
    fn new(p: &Pattern, _k: usize) -> Self {
        Single {
            pv: !0,
            mv: 0,
            score: p.len(),
        }
    }

    #[inline(always)]
    fn step(&mut self, p: &Pattern, c: char, k: usize) -> usize {
        let hb = p.last_bit;
        let (pv, mv) = (self.pv, self.mv);
        let eq = p.peq[p.class_of(c)];
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        self.score = self.score + ((ph & hb) != 0) as usize - ((mh & hb) != 0) as usize;
        let ph = ph << 1;
        self.pv = (mh << 1) | !(xv | ph);
        self.mv = ph & xv;
        if self.score <= k {
            self.score
        } else {
            OVER
        }
    }
}

/// Several blocks, with Ukkonen's cut-off (Fig. 9 of Myers' paper).
struct Blocked {
    pv: Vec<u64>,
    mv: Vec<u64>,
    score: Vec<isize>,
    hibits: Vec<u64>,
    /// The last active block.
    y: usize,
}

impl Column for Blocked {
    fn new(p: &Pattern, k: usize) -> Self {
        let y = k.div_ceil(WORD_BITS).saturating_sub(1).min(p.blocks - 1);
        let mut score = vec![0isize; p.blocks];
        for (b, s) in score.iter_mut().enumerate().take(y + 1) {
            *s = (b * WORD_BITS + p.rows(b)) as isize;
        }
        Blocked {
            pv: vec![!0u64; p.blocks],
            mv: vec![0u64; p.blocks],
            score,
            hibits: (0..p.blocks).map(|b| p.hibit(b)).collect(),
            y,
        }
    }

    #[inline(always)]
    fn step(&mut self, p: &Pattern, c: char, k: usize) -> usize {
        let bmax = p.blocks - 1;
        let row = p.class_of(c) * p.blocks;
        let peq = &p.peq[row..row + p.blocks];
        let mut y = self.y;
        let mut carry = 0isize;
        for ((((pv, mv), score), &eq), &hb) in self
            .pv
            .iter_mut()
            .zip(self.mv.iter_mut())
            .zip(self.score.iter_mut())
            .zip(peq)
            .zip(&self.hibits)
            .take(y + 1)
        {
            carry = advance(pv, mv, eq, carry, hb);
            *score += carry;
        }
        let ki = k as isize;
        if self.score[y] - carry <= ki && y < bmax && ((peq[y + 1] & 1) != 0 || carry < 0) {
            // The bottom block may reach within k: bring the next block in.
            y += 1;
            self.pv[y] = !0;
            self.mv[y] = 0;
            let out = advance(
                &mut self.pv[y],
                &mut self.mv[y],
                peq[y],
                carry,
                self.hibits[y],
            );
            self.score[y] = self.score[y - 1] + p.rows(y) as isize - carry + out;
        } else {
            while y > 0 && self.score[y] >= ki + WORD_BITS as isize {
                y -= 1;
            }
        }
        self.y = y;
        if y == bmax && self.score[y] <= ki {
            self.score[y] as usize
        } else {
            OVER
        }
    }
}

/// How a [`scan_range`] ended.
enum Scanned {
    All,
    /// The callback stopped the scan.
    Stopped,
    /// Interrupted, with nothing pending, before this column: a filter has become worth it.
    Upto(usize),
}

/// Columns between checks whether a plain scan should switch to a filtered one.
const SWITCH_CHECK: usize = 1 << 14;

/// Scans columns `from..to` of `text` with a fresh column state, reporting the valley bottoms
/// among the ends of columns `own..to` (the columns before `own` are a warm-up, long enough for
/// every match ending at `own` or later to be seen whole). With `may_switch`, stops early at a
/// quiet column once the limit allows a [`QgramFilter`].
fn scan_range<C: Column, F: FnMut(usize, usize) -> Flow>(
    p: &Pattern,
    text: &[char],
    (from, own, to): (usize, usize, usize),
    may_switch: bool,
    k: &mut usize,
    on_end: &mut F,
) -> Scanned {
    let mut col = C::new(p, *k);
    for &c in &text[from..own] {
        col.step(p, c, *k);
    }
    let mut minima = Minima::new();
    let mut next_check = own + SWITCH_CHECK;
    for (j, &c) in (own..to).zip(&text[own..to]) {
        let s = col.step(p, c, *k);
        if s != OVER || minima.prev != OVER {
            if let Some(v) = minima.push(j + 1, s) {
                if !report(v, k, on_end) {
                    return Scanned::Stopped;
                }
            }
        } else if may_switch && j >= next_check {
            // Quiet here (this end and the one before above the limit): safe to hand over.
            next_check = j + SWITCH_CHECK;
            if QgramFilter::new(p, *k).is_some() {
                return Scanned::Upto(j + 1);
            }
        }
    }
    // The column after `to` is above the limit (or the text ends): a valley in progress is done.
    match minima.pending.take() {
        Some(v) if !report(v, k, on_end) => Scanned::Stopped,
        _ => Scanned::All,
    }
}

/// Texts shorter than this are scanned without the q-gram filter.
const FILTER_MIN_TEXT: usize = 4096;
/// Bits of the filter's q-gram table.
const FILTER_BITS: u32 = 16;

/// The q-gram counting filter (Jokinen and Ukkonen 1991): a substring that matches the pattern
/// with at most `k` errors keeps at least `m − q + 1 − q·k` of the pattern's `m − q + 1`
/// q-grams (one error destroys at most `q` of them), each at its own position of the
/// substring. So where fewer than that many positions of the last `m + k` characters start a
/// q-gram of the pattern, no match can end, and Myers' scan can skip the place. Membership is
/// tested in a bit table of hashed q-grams: a collision only lets more through, never less.
pub struct QgramFilter {
    q: usize,
    /// Least count of pattern q-grams for a match to be possible.
    threshold: usize,
    /// Characters a match can span: `m + k`.
    span: usize,
    /// Columns of warm-up before a possible end: `m + k + 1`.
    warm: usize,
    table: Vec<u64>,
}

impl QgramFilter {
    /// A filter for `pattern` with at most `k` errors, or `None` when it would let too much
    /// through: the longest `q` in 3..=8 whose threshold is still a quarter of the span.
    pub fn new(pattern: &Pattern, k: usize) -> Option<QgramFilter> {
        let m = pattern.len();
        let span = m + k;
        let q = (3..=8usize).rev().find(|&q| {
            let kept = (m + 1).saturating_sub(q).saturating_sub(q * k);
            m >= q && kept >= span.div_ceil(4).max(2)
        })?;
        let threshold = m + 1 - q - q * k;
        let mut table = vec![0u64; 1 << (FILTER_BITS - 6)];
        let mut key = 0u64;
        for (i, &c) in pattern.chars().iter().enumerate() {
            key = Self::roll(key, c, q);
            if i + 1 >= q {
                let h = Self::slot(key);
                table[h >> 6] |= 1 << (h & 63);
            }
        }
        Some(QgramFilter {
            q,
            threshold,
            span,
            warm: span + 1,
            table,
        })
    }

    /// The last `q` characters, six bits of each.
    #[inline(always)]
    fn roll(key: u64, c: char, q: usize) -> u64 {
        ((key << 6) | (c as u64 & 63)) & ((1u64 << (6 * q)) - 1)
    }

    #[inline(always)]
    fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - FILTER_BITS)) as usize
    }

    /// The regions Myers' scan must cover, as `(from, own, to)` column ranges for
    /// [`scan_range`]: every column where a match could end lies in some `own..to`.
    fn regions(&self, text: &[char]) -> Vec<(usize, usize, usize)> {
        match self.q {
            3 => self.regions_q::<3>(text),
            4 => self.regions_q::<4>(text),
            5 => self.regions_q::<5>(text),
            6 => self.regions_q::<6>(text),
            7 => self.regions_q::<7>(text),
            _ => self.regions_q::<8>(text),
        }
    }

    fn regions_q<const Q: usize>(&self, text: &[char]) -> Vec<(usize, usize, usize)> {
        let (n, span, threshold) = (text.len(), self.span, self.threshold);
        if n < span + Q {
            return vec![(0, 0, n)];
        }
        // hit[p]: does the q-gram starting at p occur in the pattern?
        let mut hit = vec![0u8; n];
        let mut key = 0u64;
        for &c in &text[..Q - 1] {
            key = Self::roll(key, c, Q);
        }
        for (h, &c) in hit.iter_mut().zip(&text[Q - 1..]) {
            key = Self::roll(key, c, Q);
            let slot = Self::slot(key);
            *h = ((self.table[slot >> 6] >> (slot & 63)) & 1) as u8;
        }
        // count(j): q-grams of the pattern starting in j − span + 1 ..= j − q + 1, the most a
        // match ending at column j can contain.
        let mut out: Vec<(usize, usize, usize)> = Vec::new();
        let mut flag = |j: usize| match out.last_mut() {
            Some(r) if j <= r.2 + self.warm => r.2 = j + 1,
            _ => out.push((j.saturating_sub(self.warm), j, j + 1)),
        };
        let mut count = 0usize;
        for j in Q - 1..span {
            count += hit[j + 1 - Q] as usize;
            if count >= threshold {
                flag(j);
            }
        }
        for (j, (&added, &removed)) in hit[span + 1 - Q..n + 1 - Q]
            .iter()
            .zip(&hit[..n - span])
            .enumerate()
        {
            count = count + added as usize - removed as usize;
            if count >= threshold {
                flag(span + j);
            }
        }
        out
    }
}

/// Calls `on_end` for each end of a valley bottom; false when the scan must stop.
fn report<F: FnMut(usize, usize) -> Flow>(
    (first, last, errors): (usize, usize, usize),
    k: &mut usize,
    on_end: &mut F,
) -> bool {
    for end in first..=last {
        if errors > *k {
            break;
        }
        match on_end(end, errors) {
            Flow::Continue { max_errors } => *k = (*k).min(max_errors),
            Flow::Stop => return false,
        }
    }
    true
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
        out.sort_unstable(); // segments scanned in lock-step report in their own order
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
    fn the_qgram_filter_skips_most_of_a_text() {
        let mut seed = 7u32;
        let text: Vec<char> = (0..200_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"etaoinshrdlu  "[(seed >> 16) as usize % 14] as char
            })
            .collect();
        let mut pattern = text[90_000..90_100].to_vec();
        pattern[50] = 'z';
        let p = Pattern::new(&pattern);
        let f = QgramFilter::new(&p, 10).expect("a selective filter");
        let covered: usize = f.regions(&text).iter().map(|r| r.2 - r.0).sum();
        assert!(covered < text.len() / 10, "{covered}");
        let found = search_best(&text, &pattern, 10);
        assert_eq!(
            (found[0].start, found[0].end, found[0].errors),
            (90_000, 90_100, 1)
        );
        // A limit too large for the filter to help: none.
        assert!(QgramFilter::new(&p, 50).is_none());
    }

    #[test]
    fn a_lowered_limit_switches_a_long_scan_to_the_filter() {
        // search_best lowers the limit at each better match; the rest of the text is then
        // filtered. Same answer as without any filter (a text under FILTER_MIN_TEXT each).
        let mut seed = 11u32;
        let text: Vec<char> = (0..120_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"etaoinshrdlucmfwyp  "[(seed >> 16) as usize % 20] as char
            })
            .collect();
        for (at, len) in [(5_000, 40), (30_000, 300), (100_000, 90)] {
            let mut pattern = text[at..at + len].to_vec();
            pattern[len / 2] = 'z';
            pattern.remove(len / 3);
            let best = search_best(&text, &pattern, len / 2);
            let mut plain = Vec::new();
            for (i, chunk) in text.chunks(FILTER_MIN_TEXT - 1).enumerate() {
                let off = i * (FILTER_MIN_TEXT - 1);
                // Overlapping windows so that no match is cut: pattern length plus errors.
                let from = off.saturating_sub(len * 2);
                let window = &text[from..off + chunk.len()];
                for m in search(window, &pattern, len / 2) {
                    if m.end + from > off {
                        plain.push((m.start + from, m.end + from, m.errors));
                    }
                }
            }
            let least = plain.iter().map(|m| m.2).min().unwrap();
            assert_eq!(best[0].errors, least);
            assert_eq!((best[0].start, best[0].end), (at, at + len));
        }
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

    // Long texts (the q-gram filter only works on texts of 4096 characters or more): fewer cases.
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn switching_to_the_filter_midway_changes_nothing(
            text in "[a-l ]{20000,22000}",
            at in 0usize..8000,
            len in 8usize..150,
            edits in proptest::collection::vec((0usize..150, proptest::char::range('a', 'l')), 0..6),
        ) {
            let t = chars(&text);
            let mut p: Vec<char> = t[at..at + len].to_vec();
            for (i, c) in edits {
                let i = i % p.len();
                p[i] = c;
            }
            let pat = Pattern::new(&p);
            // Lower the limit to each end's errors, like search_best.
            let run = |filtered: bool| {
                let mut got = Vec::new();
                let mut keep = |e, d| {
                    got.push((e, d));
                    Flow::Continue { max_errors: d }
                };
                let k = p.len() / 2;
                if filtered {
                    pat.find_ends(&t, k, &mut keep);
                } else if pat.blocks == 1 {
                    scan_range::<Single, _>(&pat, &t, (0, 0, t.len()), false, &mut k.clone(), &mut keep);
                } else {
                    scan_range::<Blocked, _>(&pat, &t, (0, 0, t.len()), false, &mut k.clone(), &mut keep);
                }
                got
            };
            prop_assert_eq!(run(true), run(false));
        }

        #[test]
        fn long_multi_block_scans_agree_with_the_textbook_table(
            text in "[abcd]{600,1400}",
            pat in "[abcd]{65,140}",
            k in 0usize..70,
        ) {
            let (t, p) = (chars(&text), chars(&pat));
            let k = k.min(p.len());
            let want = naive_minima(&naive_end_scores(&t, &p), k);
            prop_assert_eq!(ends(&t, &p, k), want);
        }

        #[test]
        fn the_qgram_filter_changes_nothing(
            text in "[a-l ]{4096,6000}",
            at in 0usize..4000,
            len in 8usize..150,
            edits in proptest::collection::vec((0usize..150, proptest::char::range('a', 'l')), 0..12),
            k in 0usize..40,
        ) {
            let t = chars(&text);
            let mut p: Vec<char> = t[at..(at + len).min(t.len())].to_vec();
            for (i, c) in edits {
                let i = i % p.len();
                p[i] = c;
            }
            let k = k.min(p.len());
            let pat = Pattern::new(&p);
            let mut plain = Vec::new();
            let mut keep = |e, d| {
                plain.push((e, d));
                Flow::Continue { max_errors: k }
            };
            let whole = (0, 0, t.len());
            if pat.blocks == 1 {
                scan_range::<Single, _>(&pat, &t, whole, false, &mut k.clone(), &mut keep);
            } else {
                scan_range::<Blocked, _>(&pat, &t, whole, false, &mut k.clone(), &mut keep);
            }
            prop_assert_eq!(ends(&t, &p, k), plain);
        }

    }
}
