//! Anchoring: finding the words a stored annotation points at in the current text.
//!
//! Order of trust:
//!
//! 1. the position selector, when the text there still equals the quote ([`AnchorMethod::Position`]);
//! 2. the exact quote, choosing among repeats by how well their context agrees with the stored
//!    prefix and suffix and by nearness to the stored position: repeats where the stored
//!    context agrees whole win outright; otherwise the context is scored approximately, by the
//!    same scorer as the fuzzy stage. On a true tie the first in text order is taken, and the
//!    tie counted in [`Anchored::identical`] ([`AnchorMethod::ExactQuote`]);
//! 3. the quote once typography is normalised — curly and straight quotes, dash variants,
//!    whitespace runs, invisible characters ([`AnchorMethod::NormalizedQuote`]);
//! 4. an approximate match of the quote, scored against its stored context
//!    ([`AnchorMethod::Fuzzy`]), accepted only with a confidence of at least [`MIN_CONFIDENCE`];
//! 5. otherwise nothing: the annotation is unanchored, never placed on the wrong words.
//!
//! # Fuzzy anchoring
//!
//! After the text was edited, the quote may only occur with small differences (a typo fixed, a
//! word changed). Candidates are found with the bit-parallel matcher of
//! [`crate::fuzzy`], allowing at most [`max_errors`] edits, and each is scored like the
//! Hypothesis client's `match-quote` does, as a weighted sum of
//!
//! * quote similarity `1 − errors / quote length` ([`QUOTE_WEIGHT`]),
//! * prefix agreement: how well the stored prefix matches the text just before the candidate
//!   ([`PREFIX_WEIGHT`]),
//! * suffix agreement, likewise after it ([`SUFFIX_WEIGHT`]),
//! * nearness to the stored position ([`POSITION_WEIGHT`]), a tie-breaker,
//!
//! divided by the sum of the weights. Unlike Hypothesis, which always takes its best candidate
//! (and so places annotations on look-alike passages elsewhere once the annotated words are gone,
//! client issue 7571), the best candidate must reach [`MIN_CONFIDENCE`], and three further rules
//! keep look-alikes out:
//!
//! * Context agreement counts only above what unrelated text reaches by chance
//!   ([`CHANCE_CONTEXT_SIMILARITY`]): two unrelated 32-character stretches of English prose are
//!   typically 30–50% similar, and that must not count as evidence.
//! * A context that was stored empty (the quote was at an end of the text) agrees fully only
//!   when the candidate is at that end too; otherwise it counts as unknown
//!   ([`UNKNOWN_CONTEXT_EVIDENCE`]).
//! * A candidate that occupies the place where its own stored context now is — the suffix found
//!   inside the first half of the candidate, or the prefix inside its second half — is rejected:
//!   the annotated words were removed and the neighbours closed up (the candidate is the text that
//!   used to follow or precede the quote).
//!
//! With the weights 50/20/20/10 and a minimum of 0.75, a candidate whose quote is 95% similar
//! needs real agreement on at least one side (a typo fixed inside the quote, or beside a rewritten
//! sentence, still anchors); a look-alike with unrelated context on both sides scores at most
//! 0.575 and stays unanchored; a heavily reworded quote (50% similar) anchors only with both
//! sides of its context intact.
//!
//! # Cost
//!
//! The search allows at most `min(256, len / 2)` errors ([`max_errors`]): fewer than half the
//! characters right is the floor [`MIN_QUOTE_SIMILARITY`], and with the weights above it is also
//! exactly what [`MIN_CONFIDENCE`] implies (a candidate with more errors could not reach 0.75 even
//! with perfect context); the cap of 256 bounds the cost of very long quotes, which are then only
//! found with up to 256 edits. The text near the stored position is searched first; the best
//! candidate found there bounds how many errors a candidate elsewhere could have and still win,
//! and the whole text is then scanned with that (usually much lower) limit, lowered again
//! whenever a better candidate turns up. The scan's cost grows with the limit, so this branch and
//! bound gives the same answer as scoring every candidate, much faster.

use crate::fuzzy::{Flow, Pattern};
use crate::selector::{TextPositionSelector, TextQuoteSelector};
use crate::span::CharSpan;
use crate::text::CharText;
use std::rc::Rc;

/// How an annotation was anchored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AnchorMethod {
    /// The stored position still holds the quote.
    Position,
    /// The exact quote was found (possibly elsewhere).
    ExactQuote,
    /// The quote was found once quote marks, dashes and whitespace are normalised (see
    /// [`normalize`]).
    NormalizedQuote,
    /// An approximate match of the quote, with enough agreement of its context (see the module
    /// documentation).
    Fuzzy,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchored {
    pub span: CharSpan,
    pub method: AnchorMethod,
    /// 1.0 when the quote's words were found as they were (up to typography); for
    /// [`AnchorMethod::Fuzzy`], the candidate's score, between [`MIN_CONFIDENCE`] and 1.
    pub confidence: f64,
    /// How many passages fit the quote, its context and the stored position exactly as well as
    /// `span` does (`span` is the first of them in text order): 1 when the place is certain.
    /// Above 1 the reader is told ("one of 3 identical passages").
    pub identical: usize,
}

/// Scores closer than this are a tie (they are sums of a few ratios of small integers).
const TIE: f64 = 1e-9;

/// Weight of the quote's similarity (`1 − errors / length`) in a fuzzy candidate's score: the
/// largest, since the words themselves are what was annotated.
pub const QUOTE_WEIGHT: f64 = 50.0;
/// Weight of the agreement of the text before the candidate with the stored prefix.
pub const PREFIX_WEIGHT: f64 = 20.0;
/// Weight of the agreement of the text after the candidate with the stored suffix.
pub const SUFFIX_WEIGHT: f64 = 20.0;
/// Weight of nearness to the stored position (`1 − distance / text length`): a tie-breaker
/// between otherwise equal candidates, small enough that a moved passage still anchors.
pub const POSITION_WEIGHT: f64 = 10.0;
const TOTAL_WEIGHT: f64 = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT;

/// A fuzzy candidate scoring below this is not an anchor: the annotation stays unanchored.
pub const MIN_CONFIDENCE: f64 = 0.75;
/// A fuzzy candidate must have at least this fraction of the quote right.
pub const MIN_QUOTE_SIMILARITY: f64 = 0.5;
/// The most errors a fuzzy search allows, whatever the quote's length (bounds the cost).
pub const MAX_ERRORS: usize = 256;
/// Similarity two unrelated stretches of prose reach by chance; context agreement counts as
/// evidence only above it, scaled to 0..1.
pub const CHANCE_CONTEXT_SIMILARITY: f64 = 0.5;
/// Evidence given by a context stored empty when the candidate is not at that end of the text.
pub const UNKNOWN_CONTEXT_EVIDENCE: f64 = 0.5;
/// A stored context matched at least this well somewhere is taken to be there (for the rule
/// that a candidate may not sit where its own context is).
pub const TRUSTED_CONTEXT_SIMILARITY: f64 = 0.8;
/// Contexts shorter than this are too short to be recognised reliably for that rule.
const MIN_TRUSTED_CONTEXT: usize = 12;
/// The neighbourhood of the stored position searched first, in code points either side:
/// `LOCAL_WINDOW_BASE + LOCAL_WINDOW_QUOTES × quote length`.
const LOCAL_WINDOW_BASE: usize = 1024;
const LOCAL_WINDOW_QUOTES: usize = 2;

/// The most errors allowed when searching fuzzily for a quote of `quote_len` code points
/// (normalised): `min(256, quote_len / 2)`, see the module documentation.
pub fn max_errors(quote_len: usize) -> usize {
    errors_within(quote_len, MIN_CONFIDENCE)
}

/// The most errors a candidate may have and still possibly score `min_score` (with perfect
/// context and position), capped by [`MIN_QUOTE_SIMILARITY`] and [`MAX_ERRORS`].
fn errors_within(quote_len: usize, min_score: f64) -> usize {
    let q_min = ((min_score * TOTAL_WEIGHT - PREFIX_WEIGHT - SUFFIX_WEIGHT - POSITION_WEIGHT)
        / QUOTE_WEIGHT)
        .max(MIN_QUOTE_SIMILARITY);
    let k = ((1.0 - q_min) * quote_len as f64 + 1e-9).floor().max(0.0) as usize;
    k.min(MAX_ERRORS)
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

/// What one character becomes when normalised.
enum Norm {
    Drop,
    Space,
    Char(char),
    Ellipsis,
}

fn normalize_char(c: char) -> Norm {
    match c {
        // Invisible: soft hyphen, zero-width space/joiners, word joiner, byte-order mark.
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => Norm::Drop,
        c if c.is_whitespace() => Norm::Space,
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' | '\u{2035}' | '`'
        | '\u{b4}' => Norm::Char('\''),
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' | '\u{2036}' | '\u{ab}'
        | '\u{bb}' => Norm::Char('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}' | '\u{ff0d}' => {
            Norm::Char('-')
        }
        '\u{2026}' => Norm::Ellipsis,
        c => Norm::Char(c),
    }
}

/// Normalises `chars` as [`normalize`] describes, calling `push(c, i)` for each normalised
/// character `c`, with `i` the index in `chars` of the character it comes from (the first of a
/// whitespace run).
fn normalize_with(chars: &[char], mut push: impl FnMut(char, usize)) {
    let mut in_space = false;
    for (i, &c) in chars.iter().enumerate() {
        match normalize_char(c) {
            Norm::Drop => {}
            Norm::Space => {
                if !in_space {
                    push(' ', i);
                    in_space = true;
                }
            }
            Norm::Char(n) => {
                push(n, i);
                in_space = false;
            }
            Norm::Ellipsis => {
                for _ in 0..3 {
                    push('.', i);
                }
                in_space = false;
            }
        }
    }
}

/// Typographic normalisation for fuzzy matching: curly quotes and primes become straight ones,
/// the dash family becomes `-`, `…` becomes `...`, every run of whitespace becomes one space,
/// and soft hyphens and zero-width characters disappear. Letters and case are kept.
pub fn normalize(s: &str) -> Vec<char> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    normalize_with(&chars, |c, _| out.push(c));
    out
}

/// A text made ready for anchoring many annotations: its normalised form and the way back to
/// its code points. Build it once per text and use [`anchor_prepared`].
#[derive(Clone, Debug)]
pub struct PreparedText<'a> {
    text: &'a CharText,
    norm: Vec<char>,
    /// `orig[i]`: index in `text` of the character normalised character `i` comes from.
    orig: Vec<usize>,
    /// Whether the prepared part reaches the start and the end of `text` (a window may not).
    at_start: bool,
    at_end: bool,
}

impl<'a> PreparedText<'a> {
    pub fn new(text: &'a CharText) -> Self {
        Self::window(text, 0, text.len_chars())
    }

    /// Only `from..to` of `text` prepared (offsets stay the whole text's): for looking at the
    /// context of a few places without preparing all of a long text.
    fn window(text: &'a CharText, from: usize, to: usize) -> Self {
        let chars = &text.chars()[from..to];
        let mut norm = Vec::with_capacity(chars.len());
        let mut orig = Vec::with_capacity(chars.len());
        normalize_with(chars, |c, i| {
            norm.push(c);
            orig.push(from + i);
        });
        PreparedText {
            text,
            norm,
            orig,
            at_start: from == 0,
            at_end: to == text.len_chars(),
        }
    }

    pub fn text(&self) -> &'a CharText {
        self.text
    }

    /// The normalised text (see [`normalize`]).
    pub fn normalized(&self) -> &[char] {
        &self.norm
    }

    /// The normalised index of the first normalised character at or after `char_idx`.
    fn to_norm(&self, char_idx: usize) -> usize {
        self.orig.partition_point(|&o| o < char_idx)
    }

    /// The span of the text that normalised `start..end` comes from, trimmed of whitespace.
    fn to_span(&self, start: usize, end: usize) -> Option<CharSpan> {
        if start >= end || end > self.norm.len() {
            return None;
        }
        let span = CharSpan::new(self.orig[start], self.orig[end - 1] + 1);
        self.text.trim_span(span)
    }
}

/// Anchors a quote (and optional position) in `text`.
pub fn anchor(
    text: &CharText,
    quote: &TextQuoteSelector,
    position: Option<TextPositionSelector>,
) -> Option<Anchored> {
    // Prepared only when needed: a quote found once, or at its position, never needs it.
    anchor_with(text, &std::cell::OnceCell::new(), quote, position)
}

/// [`anchor`] for many annotations of one text: `prepared` makes the prepared text the first
/// time one of them needs it (a repeated quote, or one not found exactly) and gives the same
/// one after that.
pub fn anchor_with<'t>(
    text: &'t CharText,
    prepared: &std::cell::OnceCell<PreparedText<'t>>,
    quote: &TextQuoteSelector,
    position: Option<TextPositionSelector>,
) -> Option<Anchored> {
    let ready = prepared.get();
    let prepared = || prepared.get_or_init(|| PreparedText::new(text));
    exact_anchor(text, ready, &prepared, quote, position)
        .unwrap_or_else(|| fuzzy_anchor(prepared(), quote, position.map(|p| p.start)))
}

/// [`anchor`] on a prepared text (faster when anchoring many annotations in one text).
pub fn anchor_prepared(
    prepared: &PreparedText,
    quote: &TextQuoteSelector,
    position: Option<TextPositionSelector>,
) -> Option<Anchored> {
    exact_anchor(prepared.text, Some(prepared), &|| prepared, quote, position)
        .unwrap_or_else(|| fuzzy_anchor(prepared, quote, position.map(|p| p.start)))
}

/// Steps 1 and 2: `Some(result)` when settled (an empty quote is settled as unanchored), `None`
/// when the exact quote does not occur.
/// `ready` is the prepared text when there is one already; `prepared` makes it.
fn exact_anchor<'t, 'p>(
    text: &'t CharText,
    ready: Option<&'p PreparedText<'t>>,
    prepared: &dyn Fn() -> &'p PreparedText<'t>,
    quote: &TextQuoteSelector,
    position: Option<TextPositionSelector>,
) -> Option<Option<Anchored>>
where
    't: 'p,
{
    let chars = text.chars();
    let exact: Vec<char> = quote.exact.chars().collect();
    if exact.is_empty() {
        return Some(None);
    }
    let prefix: Vec<char> = quote.prefix.chars().collect();
    let suffix: Vec<char> = quote.suffix.chars().collect();
    if let Some(p) = position {
        // The quote where it was, with its whole context around it: settled. (A short quote can
        // be at its old offset by chance after an edit before it; then the context decides.)
        if p.start <= p.end
            && p.end <= chars.len()
            && chars[p.start..p.end] == exact[..]
            && common_suffix_len(&chars[..p.start], &prefix) == prefix.len()
            && common_prefix_len(&chars[p.end..], &suffix) == suffix.len()
        {
            return Some(Some(Anchored {
                span: CharSpan::new(p.start, p.end),
                method: AnchorMethod::Position,
                confidence: 1.0,
                identical: 1,
            }));
        }
    }
    let starts = find_all(chars, &exact);
    let (best, identical) = match starts[..] {
        [] => return None,
        [only] => (only, 1),
        _ => match whole_context_best(
            chars,
            &starts,
            exact.len(),
            &prefix,
            &suffix,
            position.map(|p| p.start),
        ) {
            Some(found) => found,
            None => {
                // Repeats: each occurrence's context is scored approximately (a copy-edited word or
                // a missing space costs a little, not everything), plus nearness to the position.
                // Each place's context is read from a window around it; when the windows would
                // cover much of the text, or it is prepared already, from the whole text instead.
                let context = prefix.len().max(suffix.len());
                let reach = 2 * (context + context / 4 + 2) + 64;
                let whole = ready.is_some()
                    || starts.len().saturating_mul(2 * reach + exact.len()) > chars.len() / 2;
                let whole = whole.then(prepared);
                // Compiled once; the window each place is scored in changes.
                let empty = PreparedText::window(text, 0, 0);
                let compiled = Scorer::new(&empty, &[], quote, position.map(|p| p.start));
                let mut best = (starts[0], (f64::NEG_INFINITY, 0.0), 0);
                for &start in &starts {
                    let end = start + exact.len();
                    let window;
                    let prepared = match whole {
                        Some(p) => p,
                        None => {
                            let from = start.saturating_sub(reach);
                            window =
                                PreparedText::window(text, from, (end + reach).min(chars.len()));
                            &window
                        }
                    };
                    let scorer = compiled.over(prepared);
                    let norm_start = prepared.to_norm(start);
                    let norm_end = prepared.to_norm(end);
                    let score = scorer.context_score(norm_start, norm_end);
                    let (b, c) = best.1;
                    if score.0 > b + TIE || (score.0 > b - TIE && score.1 > c + TIE) {
                        best = (start, score, 1);
                    } else if score.0 > b - TIE && score.1 > c - TIE {
                        best.2 += 1; // a tie: the first in text order stays
                    }
                }
                (best.0, best.2)
            }
        },
    };
    Some(Some(Anchored {
        span: CharSpan::new(best, best + exact.len()),
        method: AnchorMethod::ExactQuote,
        confidence: 1.0,
        identical,
    }))
}

/// The common case of a stale position: occurrences (starting at `starts`, each `len` long)
/// where the stored prefix and suffix, both given, agree whole. Such agreement is decisive (no
/// approximate scoring needed, and it is cheap): the nearest of them to `hint` is taken, the
/// first on a tie. Returns it and how many are tied with it.
fn whole_context_best(
    chars: &[char],
    starts: &[usize],
    len: usize,
    prefix: &[char],
    suffix: &[char],
    hint: Option<usize>,
) -> Option<(usize, usize)> {
    if prefix.is_empty() || suffix.is_empty() {
        return None; // an empty side says where the text ends: the scorer weighs that
    }
    let mut best: Option<(usize, usize, usize)> = None; // (start, distance, ties)
    for &start in starts {
        let whole = common_suffix_len(&chars[..start], prefix) == prefix.len()
            && common_prefix_len(&chars[start + len..], suffix) == suffix.len();
        if !whole {
            continue;
        }
        let distance = hint.map_or(0, |h| h.abs_diff(start));
        best = match best {
            Some((b, d, ties)) if distance == d => Some((b, d, ties + 1)),
            Some((b, d, ties)) if distance > d => Some((b, d, ties)),
            _ => Some((start, distance, 1)),
        };
    }
    best.map(|(start, _, ties)| (start, ties))
}

/// A stored context compiled both ways round.
struct Context {
    fwd: Pattern,
    rev: Pattern,
}

impl Context {
    fn new(s: &str) -> Option<Context> {
        let chars = normalize(s);
        (!chars.is_empty()).then(|| {
            let fwd = Pattern::new(&chars);
            let rev = fwd.reversed();
            Context { fwd, rev }
        })
    }

    fn len(&self) -> usize {
        self.fwd.len()
    }

    /// Extra room given to context alignment for insertions.
    fn slack(&self) -> usize {
        self.len() / 4 + 2
    }

    /// Evidence from a similarity: only what exceeds chance counts, scaled to 0..=1.
    fn evidence(errors: usize, len: usize) -> f64 {
        let similarity = 1.0 - errors as f64 / len as f64;
        ((similarity - CHANCE_CONTEXT_SIMILARITY) / (1.0 - CHANCE_CONTEXT_SIMILARITY))
            .clamp(0.0, 1.0)
    }

    /// Most errors for a match to count as trusted.
    fn trusted_errors(&self) -> usize {
        ((1.0 - TRUSTED_CONTEXT_SIMILARITY) * self.len() as f64 + 1e-9).floor() as usize
    }
}

/// A scored fuzzy candidate (normalised offsets).
#[derive(Clone, Copy, Debug)]
struct Candidate {
    start: usize,
    end: usize,
    /// Errors of the stored prefix and suffix where they should be, around the candidate.
    prefix_errors: Option<usize>,
    suffix_errors: Option<usize>,
    score: f64,
}

/// Scores fuzzy candidates for one quote in one prepared text.
struct Scorer<'p, 't> {
    prepared: &'p PreparedText<'t>,
    quote_len: usize,
    rev: Rc<Pattern>,
    /// Shared, so that scorers of windows of one text ([`Scorer::over`]) compile them once.
    prefix: Option<Rc<Context>>,
    suffix: Option<Rc<Context>>,
    hint: Option<usize>,
}

impl<'p, 't> Scorer<'p, 't> {
    /// A scorer for `quote` (normalised: `exact`) in `prepared`, `hint` being the stored start.
    fn new(
        prepared: &'p PreparedText<'t>,
        exact: &[char],
        quote: &TextQuoteSelector,
        hint: Option<usize>,
    ) -> Self {
        Scorer {
            prepared,
            quote_len: exact.len(),
            rev: Rc::new(Pattern::new(exact).reversed()),
            prefix: Context::new(&quote.prefix).map(Rc::new),
            suffix: Context::new(&quote.suffix).map(Rc::new),
            hint,
        }
    }

    /// The same scorer over another prepared text (a window of the same text).
    fn over<'q>(&self, prepared: &'q PreparedText<'t>) -> Scorer<'q, 't> {
        Scorer {
            prepared,
            quote_len: self.quote_len,
            rev: Rc::clone(&self.rev),
            prefix: self.prefix.clone(),
            suffix: self.suffix.clone(),
            hint: self.hint,
        }
    }

    fn norm(&self) -> &[char] {
        &self.prepared.norm
    }

    /// Errors of the best alignment of the stored prefix with the text just before normalised
    /// `start` (`None` when no prefix was stored).
    fn prefix_errors(&self, start: usize) -> Option<usize> {
        let p = self.prefix.as_deref()?;
        let from = start.saturating_sub(p.len() + p.slack());
        let norm = self.norm();
        Some(
            p.rev
                .best_prefix_alignment(norm[from..start].iter().rev().copied())
                .0,
        )
    }

    /// Errors of the best alignment of the stored suffix with the text just after normalised
    /// `end` (`None` when no suffix was stored).
    fn suffix_errors(&self, end: usize) -> Option<usize> {
        let s = self.suffix.as_deref()?;
        let norm = self.norm();
        let to = (end + s.len() + s.slack()).min(norm.len());
        Some(s.fwd.best_prefix_alignment(norm[end..to].iter().copied()).0)
    }

    /// Evidence from a context: its agreement above chance, or for a context stored empty,
    /// whether the candidate is at that end of the text too.
    /// `beyond` is the prepared text on that side of the candidate, `edge` whether it reaches
    /// the end of the whole text (a window may not).
    fn evidence(
        context: Option<&Context>,
        errors: Option<usize>,
        beyond: &[char],
        edge: bool,
    ) -> f64 {
        match (context, errors) {
            (Some(c), Some(e)) => Context::evidence(e, c.len()),
            _ if edge && beyond.iter().all(|&c| c == ' ') => 1.0,
            _ => UNKNOWN_CONTEXT_EVIDENCE,
        }
    }

    fn position_score(&self, start: usize) -> f64 {
        match self.hint {
            None => 1.0,
            Some(h) => {
                let len = self.prepared.text.len_chars().max(1) as f64;
                let orig = self
                    .prepared
                    .orig
                    .get(start)
                    .copied()
                    .unwrap_or(len as usize);
                1.0 - (orig.abs_diff(h) as f64 / len).min(1.0)
            }
        }
    }

    /// The weighted agreement of the context around normalised `start..end` with the stored
    /// context, and of `start` with the stored position (the score without the quote's part).
    fn weighted_context(
        &self,
        start: usize,
        end: usize,
        prefix_errors: Option<usize>,
        suffix_errors: Option<usize>,
    ) -> f64 {
        let norm = self.norm();
        let p = self.prepared;
        PREFIX_WEIGHT
            * Self::evidence(
                self.prefix.as_deref(),
                prefix_errors,
                &norm[..start],
                p.at_start,
            )
            + SUFFIX_WEIGHT
                * Self::evidence(
                    self.suffix.as_deref(),
                    suffix_errors,
                    &norm[end..],
                    p.at_end,
                )
            + POSITION_WEIGHT * self.position_score(start)
    }

    /// For choosing among repeats of the exact quote at normalised `start..end`:
    /// [`Scorer::weighted_context`], then, to break its ties, the contexts' raw similarity
    /// (agreement below chance is no evidence that a candidate is right, but between two exact
    /// occurrences the one with more agreement is still the likelier).
    fn context_score(&self, start: usize, end: usize) -> (f64, f64) {
        let (prefix_errors, suffix_errors) = (self.prefix_errors(start), self.suffix_errors(end));
        let similarity = |c: Option<&Context>, e: Option<usize>| match (c, e) {
            (Some(c), Some(e)) => 1.0 - e as f64 / c.len() as f64,
            _ => 0.0,
        };
        (
            self.weighted_context(start, end, prefix_errors, suffix_errors),
            similarity(self.prefix.as_deref(), prefix_errors)
                + similarity(self.suffix.as_deref(), suffix_errors),
        )
    }

    /// The score of the match of `errors` errors ending at normalised `end`.
    fn score(&self, end: usize, errors: usize) -> Candidate {
        let norm = self.norm();
        let start = Pattern::match_start(&self.rev, norm, end, errors);
        let prefix_errors = self.prefix_errors(start);
        let suffix_errors = self.suffix_errors(end);
        let q = 1.0 - errors as f64 / self.quote_len as f64;
        let raw =
            QUOTE_WEIGHT * q + self.weighted_context(start, end, prefix_errors, suffix_errors);
        Candidate {
            start,
            end,
            prefix_errors,
            suffix_errors,
            score: raw / TOTAL_WEIGHT,
        }
    }

    /// Does the candidate sit where its own stored context now is? That is, does the stored
    /// suffix occur in the first half of the candidate (or the prefix in its second half),
    /// recognisably and better than it does where it should, after (before) the candidate? Then
    /// the quote is gone and the candidate is what used to follow (precede) it.
    fn occupies_its_context(&self, c: &Candidate) -> bool {
        let norm = self.norm();
        let mid2 = c.start + c.end; // twice the midpoint, to stay in integers
        fn trusted(ctx: Option<&Context>, in_place: Option<usize>) -> Option<(&Context, usize)> {
            let ctx = ctx.filter(|x| x.len() >= MIN_TRUSTED_CONTEXT)?;
            let limit = ctx.trusted_errors().min(in_place?.checked_sub(1)?);
            Some((ctx, limit))
        }
        if let Some((s, limit)) = trusted(self.suffix.as_deref(), c.suffix_errors) {
            let from = c.start.saturating_sub(s.len());
            let to = (c.end + s.len() + s.slack()).min(norm.len());
            let region = &norm[from..to];
            let mut inside = false;
            s.fwd.find_ends(region, limit, |end, errors| {
                let start = from + Pattern::match_start(&s.rev, region, end, errors);
                inside = 2 * start < mid2;
                if inside {
                    Flow::Stop
                } else {
                    Flow::Continue { max_errors: limit }
                }
            });
            if inside {
                return true;
            }
        }
        if let Some((p, limit)) = trusted(self.prefix.as_deref(), c.prefix_errors) {
            let from = c.start.saturating_sub(p.len() + p.slack());
            let to = (c.end + p.len()).min(norm.len());
            let mut inside = false;
            p.fwd.find_ends(&norm[from..to], limit, |end, _| {
                inside = 2 * (from + end) > mid2;
                if inside {
                    Flow::Stop
                } else {
                    Flow::Continue { max_errors: limit }
                }
            });
            if inside {
                return true;
            }
        }
        false
    }
}

/// The best candidate so far: any exact (normalised) one beats every approximate one.
#[derive(Default)]
struct Best {
    exact: Option<Candidate>,
    /// Starts of the exact candidates tied with `exact` (the text near the stored position is
    /// searched twice, so a candidate can be offered twice).
    exact_ties: std::collections::BTreeSet<usize>,
    fuzzy: Option<Candidate>,
}

impl Best {
    /// The error limit a new candidate must meet to have a chance of winning.
    fn limit(&self, quote_len: usize) -> usize {
        if self.exact.is_some() {
            0
        } else {
            let bar = self.fuzzy.map_or(MIN_CONFIDENCE, |c| c.score);
            errors_within(quote_len, bar)
        }
    }

    fn offer(&mut self, scorer: &Scorer, end: usize, errors: usize) {
        if errors == 0 {
            let c = scorer.score(end, 0);
            match self.exact {
                Some(b) if c.score <= b.score - TIE => {}
                Some(b) if c.score < b.score + TIE => {
                    // A tie: the first in text order is kept.
                    self.exact_ties.insert(c.start);
                    if c.start < b.start {
                        self.exact = Some(c);
                    }
                }
                _ => {
                    self.exact = Some(c);
                    self.exact_ties.clear();
                    self.exact_ties.insert(c.start);
                }
            }
            return;
        }
        if self.exact.is_some() {
            return;
        }
        let c = scorer.score(end, errors);
        let bar = self.fuzzy.map_or(MIN_CONFIDENCE, |b| b.score);
        let better = c.score > bar || (self.fuzzy.is_none() && c.score >= bar);
        if better && !scorer.occupies_its_context(&c) {
            self.fuzzy = Some(c);
        }
    }
}

/// Steps 3 and 4 (normalised exact, then approximate matches), without the exact steps:
/// anchors `quote` in the prepared text, `hint` being the stored start position, if any.
pub fn fuzzy_anchor(
    prepared: &PreparedText,
    quote: &TextQuoteSelector,
    hint: Option<usize>,
) -> Option<Anchored> {
    let exact = normalize(&quote.exact);
    if exact.is_empty() {
        return None;
    }
    let pattern = Pattern::new(&exact);
    let scorer = Scorer::new(prepared, &exact, quote, hint);
    let norm = prepared.normalized();
    let m = exact.len();
    let mut best = Best::default();
    // Near the stored position first: a good candidate there lowers the limit for the rest.
    if let Some(h) = hint {
        let h = prepared.to_norm(h);
        let reach = LOCAL_WINDOW_BASE + LOCAL_WINDOW_QUOTES * m;
        let from = h.saturating_sub(reach);
        let to = (h + m + reach).min(norm.len());
        if from < to {
            pattern.find_ends(&norm[from..to], best.limit(m), |end, errors| {
                best.offer(&scorer, from + end, errors);
                Flow::Continue {
                    max_errors: best.limit(m),
                }
            });
        }
    }
    pattern.find_ends(norm, best.limit(m), |end, errors| {
        best.offer(&scorer, end, errors);
        Flow::Continue {
            max_errors: best.limit(m),
        }
    });
    if let Some(c) = best.exact {
        let span = prepared.to_span(c.start, c.end)?;
        return Some(Anchored {
            span,
            method: AnchorMethod::NormalizedQuote,
            confidence: 1.0,
            identical: best.exact_ties.len().max(1),
        });
    }
    let c = best.fuzzy?;
    Some(Anchored {
        span: prepared.to_span(c.start, c.end)?,
        method: AnchorMethod::Fuzzy,
        confidence: c.score,
        identical: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::describe;
    use proptest::prelude::*;

    #[test]
    fn repeats_are_told_apart_by_context() {
        let text = CharText::new("the cat sat. the dog sat. the cat ran.");
        let (q, _) = describe(&text, CharSpan::new(30, 33)); // second "cat"
        let a = anchor(&text, &q, None).unwrap();
        assert_eq!(a.span, CharSpan::new(30, 33));
        assert_eq!(a.method, AnchorMethod::ExactQuote);
    }

    /// Issue 30: a title phrase repeated nine times; the stored prefix lost the space before
    /// the quote and the suffix's first character was copy-edited, so neither agrees with any
    /// occurrence character for character. Scored approximately, the title still wins.
    #[test]
    fn a_copy_edited_context_still_picks_the_right_repeat() {
        let mut text = String::from("Notes on Slow Reading, a guide for patient readers.");
        for i in 0..8 {
            text.push_str(&format!(
                " Paragraph {i} says Slow Reading again, as essays about Slow Reading do."
            ));
        }
        let text = CharText::new(&text);
        let q = TextQuoteSelector {
            exact: "Slow Reading".into(),
            prefix: "Notes on".into(),
            suffix: "; a guide for patient readers.".into(),
        };
        let a = anchor(&text, &q, None).unwrap();
        assert_eq!(a.span, CharSpan::new(9, 21));
        assert_eq!((a.method, a.identical), (AnchorMethod::ExactQuote, 1));
    }

    #[test]
    fn identical_passages_take_the_first_and_are_counted() {
        let text =
            CharText::new("He said yes. She said no. He said yes. They said yes. He said yes.");
        let q = TextQuoteSelector {
            exact: "said yes".into(),
            prefix: "He ".into(),
            suffix: ".".into(),
        };
        let a = anchor(&text, &q, None).unwrap();
        assert_eq!((a.span, a.identical), (CharSpan::new(3, 11), 3));
        // The stored position breaks the tie: the nearest is taken, and it is certain.
        let a = anchor(&text, &q, Some(TextPositionSelector { start: 40, end: 48 })).unwrap();
        assert_eq!((a.span, a.identical), (CharSpan::new(29, 37), 1));
        // Likewise once typography differs (the normalised stage).
        let q = TextQuoteSelector {
            exact: "said  yes".into(),
            ..q
        };
        let a = anchor(&text, &q, None).unwrap();
        assert_eq!(a.method, AnchorMethod::NormalizedQuote);
        assert_eq!((a.span, a.identical), (CharSpan::new(3, 11), 3));
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

    const ISHMAEL: &str = "Call me Ishmael. Some years ago, never mind how long precisely, having \
        little or no money in my purse, and nothing particular to interest me on shore, I thought \
        I would sail about a little and see the watery part of the world.";

    const TWO_CITIES: &str = "It was the best of times, it was the worst of times, it was the age \
        of wisdom, it was the age of foolishness, it was the epoch of belief, it was the epoch of \
        incredulity, it was the season of Light, it was the season of Darkness, it was the spring \
        of hope, it was the winter of despair, we had everything before us, we had nothing before \
        us, we were all going direct to Heaven, we were all going direct the other way.";

    fn sel(exact: &str, prefix: &str, suffix: &str) -> TextQuoteSelector {
        TextQuoteSelector {
            exact: exact.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
        }
    }

    /// Fuzzy anchoring only (steps 3–4), with the hint in code points.
    fn fuzzy(text: &str, q: &TextQuoteSelector, hint: Option<usize>) -> Option<Anchored> {
        let t = CharText::new(text);
        fuzzy_anchor(&PreparedText::new(&t), q, hint)
    }

    fn quoted(text: &str, a: &Anchored) -> String {
        CharText::new(text).slice(a.span)
    }

    fn index_of(text: &str, needle: &str) -> usize {
        text[..text.find(needle).unwrap()].chars().count()
    }

    #[test]
    fn a_typo_fixed_inside_the_quote_still_anchors() {
        let q = sel(
            "never mind how long precisly",
            "Ishmael. Some years ago, ",
            ", having little or no money",
        );
        let a = anchor(&CharText::new(ISHMAEL), &q, None).unwrap();
        assert_eq!(a.method, AnchorMethod::Fuzzy);
        assert_eq!(quoted(ISHMAEL, &a), "never mind how long precisely");
        assert!(a.confidence >= MIN_CONFIDENCE && a.confidence < 1.0);
    }

    #[test]
    fn scores_fall_as_the_quote_gets_less_similar() {
        let quotes = [
            "never mind how long precisely",
            "never mind how long precisly",
            "never mind how lung precisly",
            "nevr mind hw lung precisly",
        ];
        let scores: Vec<f64> = quotes
            .iter()
            .map(|e| {
                let q = sel(e, "Some years ago, ", ", having little");
                fuzzy(ISHMAEL, &q, None).unwrap().confidence
            })
            .collect();
        assert_eq!(scores[0], 1.0, "an exact normalised match");
        for w in scores.windows(2) {
            assert!(w[1] < w[0], "{scores:?}");
        }
    }

    #[test]
    fn a_better_prefix_scores_higher() {
        let prefixes = [
            "Call me Ishmael. Some years ago, ",
            "Call me Ishmael. Some yeers ago, ",
            "Call me Ahab. Some months ago, ",
            "Nobody at all. Twenty days back; ",
        ];
        let scores: Vec<f64> = prefixes
            .iter()
            .map(|p| {
                let q = sel("never mind how long precisly", p, ", having little or no");
                fuzzy(ISHMAEL, &q, None).unwrap().confidence
            })
            .collect();
        for w in scores.windows(2) {
            assert!(w[1] < w[0], "{scores:?}");
        }
    }

    #[test]
    fn a_better_suffix_scores_higher() {
        let suffixes = [
            ", having little or no money in my",
            ", having litle or no money in my",
            ", owning little or no cash in my",
            "; nothing was ever quite what we",
        ];
        let scores: Vec<f64> = suffixes
            .iter()
            .map(|s| {
                let q = sel("never mind how long precisly", "Some years ago, ", s);
                fuzzy(ISHMAEL, &q, None).unwrap().confidence
            })
            .collect();
        for w in scores.windows(2) {
            assert!(w[1] < w[0], "{scores:?}");
        }
    }

    #[test]
    fn context_picks_among_approximate_repeats() {
        // "befor us" is one error away from both "before us"; the prefix or suffix decides.
        let cases = [
            (
                "winter of despair, we had everything ",
                "",
                "everything before us",
            ),
            (
                "we had everything before us, we had nothing ",
                "",
                "nothing before us",
            ),
            (
                "we had every-thing ",
                ", we had nothing",
                "everything before us",
            ),
            ("", ", we were all going direct", "nothing before us"),
        ];
        for (prefix, suffix, expected) in cases {
            let q = sel("befor us", prefix, suffix);
            let a = fuzzy(TWO_CITIES, &q, None).unwrap();
            let want = index_of(TWO_CITIES, expected) + expected.len() - "before us".len();
            assert_eq!(a.span.start, want, "prefix {prefix:?} suffix {suffix:?}");
            assert_eq!(quoted(TWO_CITIES, &a), "before us");
        }
    }

    #[test]
    fn a_closer_position_wins_between_equal_candidates() {
        let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(8);
        let text =
            format!("{filler}one two three four five. {filler}one two three four five. {filler}");
        let first = index_of(&text, "two three");
        let second = first + filler.chars().count() + "one two three four five. ".len();
        let q = sel("two thre fouur", "one ", " five. Lorem ipsum");
        for hint in [first, second] {
            let a = fuzzy(&text, &q, Some(hint + 3)).unwrap();
            assert_eq!(a.span.start, hint);
            assert_eq!(quoted(&text, &a), "two three four");
        }
    }

    #[test]
    fn too_many_errors_is_unanchored() {
        let q = sel(
            "the quick brown fox jumps over the lazy dog",
            "Some years ago, ",
            ", having little",
        );
        assert_eq!(fuzzy(ISHMAEL, &q, Some(30)), None);
        assert_eq!(fuzzy(TWO_CITIES, &sel(ISHMAEL, "", ""), None), None);
    }

    #[test]
    fn empty_quotes_and_texts_are_unanchored() {
        assert_eq!(fuzzy("foobar", &sel("", "", ""), None), None);
        assert_eq!(fuzzy("", &sel("foobar", "", ""), None), None);
        assert_eq!(fuzzy("foobar", &sel(" \u{200b} ", "", ""), None), None);
    }

    #[test]
    fn a_prefix_longer_than_the_text_before_the_match_is_fine() {
        let q = sel("Cal me Ishmael", "It used to be said: ", ". Some years ago");
        let a = fuzzy(ISHMAEL, &q, Some(0)).unwrap();
        assert_eq!(quoted(ISHMAEL, &a), "Call me Ishmael");
    }

    #[test]
    fn a_match_at_the_end_of_the_text_with_a_suffix_is_fine() {
        let text = "Some document text of a reasonable length, ending in its final words";
        let q = sel(
            "ending in its finall words",
            "a reasonable length, ",
            " and more",
        );
        let a = fuzzy(text, &q, None).unwrap();
        assert_eq!(quoted(text, &a), "ending in its final words");
    }

    #[test]
    fn typography_changes_anchor_as_a_normalized_quote() {
        let before = CharText::new("He said, \u{201c}We  believe\u{201d} \u{2014} and left.");
        let (q, p) = describe(&before, CharSpan::new(9, 22));
        assert_eq!(q.exact, "\u{201c}We  believe\u{201d}");
        let after = "Preface. He said, \"We believe\" - and left.";
        let a = anchor(&CharText::new(after), &q, Some(p)).unwrap();
        assert_eq!(a.method, AnchorMethod::NormalizedQuote);
        assert_eq!(a.confidence, 1.0);
        assert_eq!(quoted(after, &a), "\"We believe\"");
    }

    #[test]
    fn normalize_folds_quotes_dashes_and_whitespace() {
        let n: String =
            normalize("\u{2018}a\u{2019} \u{201c}b\u{201d}\u{a0}\n\t\u{2013}c\u{2026}so\u{ad}ft")
                .into_iter()
                .collect();
        assert_eq!(n, "'a' \"b\" -c...soft");
    }

    const ALPHA: &str = "Team Alpha reported that the new deployment reduced latency by twelve percent across all regions.";
    const BETA: &str = "Team Beta reported that the new deployment reduced latency by twelve percent across all regions.";
    const INTRO: &str =
        "Quarterly engineering notes, compiled by the platform group for the whole company.";
    const OUTRO: &str =
        "Next quarter the focus moves to storage costs and to the on-call rotation.";

    /// Hypothesis client issue 7571: once the annotated paragraph is gone, a look-alike
    /// paragraph must not inherit its annotation.
    #[test]
    fn a_lookalike_paragraph_does_not_inherit_the_annotation() {
        let original = CharText::new(&format!("{INTRO}\n\n{ALPHA}\n\n{BETA}\n\n{OUTRO}"));
        let start = INTRO.chars().count() + 2;
        let (q, p) = describe(&original, CharSpan::new(start, start + ALPHA.len()));
        let edits = [
            format!("{INTRO}\n\n{BETA}\n\n{OUTRO}"),
            format!("{INTRO}\n\n{OUTRO}\n\n{BETA}"),
            format!("{BETA}\n\n{INTRO}\n\n{OUTRO}"),
            format!("{INTRO}\n\nThe Alpha rollout was postponed.\n\n{BETA}\n\n{OUTRO}"),
        ];
        for edited in &edits {
            let a = anchor(&CharText::new(edited), &q, Some(p));
            assert!(
                a.is_none_or(|a| !CharText::new(edited).slice(a.span).contains("Beta")),
                "{edited:?} → {a:?}"
            );
        }
        // The annotated paragraph itself, with a word changed, still anchors.
        let edited = format!(
            "{INTRO}\n\n{}\n\n{BETA}\n\n{OUTRO}",
            ALPHA.replace("twelve", "eleven")
        );
        let a = anchor(&CharText::new(&edited), &q, Some(p)).unwrap();
        assert_eq!(a.method, AnchorMethod::Fuzzy);
        assert!(quoted(&edited, &a).starts_with("Team Alpha"));
    }

    #[test]
    fn a_removed_sentence_is_unanchored() {
        let s1 = "The committee met on a wet Tuesday morning in the old library.";
        let s2 = "Its members argued for hours about the colour of the new bicycle shed.";
        let s3 = "Nobody remembered afterwards who had proposed the vote on the budget.";
        let original = CharText::new(&format!("{s1} {s2} {s3}"));
        let start = s1.len() + 1;
        let (q, p) = describe(&original, CharSpan::new(start, start + s2.len()));
        let edited = format!("{s1} {s3}");
        assert_eq!(anchor(&CharText::new(&edited), &q, Some(p)), None);
    }

    #[test]
    fn a_short_lookalike_word_elsewhere_is_not_used() {
        let original =
            CharText::new("The old cat slept by the fire. Later a car drove past the house.");
        let (q, p) = describe(&original, CharSpan::new(8, 11));
        assert_eq!(q.exact, "cat");
        let edited =
            CharText::new("The old dog slept by the fire. Later a car drove past the house.");
        assert_eq!(anchor(&edited, &q, Some(p)), None);
    }

    #[test]
    fn max_errors_is_half_the_quote_capped() {
        assert_eq!(max_errors(1), 0);
        assert_eq!(max_errors(3), 1);
        assert_eq!(max_errors(10), 5);
        assert_eq!(max_errors(511), 255);
        assert_eq!(max_errors(5000), MAX_ERRORS);
    }

    /// Random prose-like text: words of random letters.
    fn words() -> impl Strategy<Value = String> {
        proptest::collection::vec("[a-z]{1,8}", 20..70).prop_map(|w| w.join(" "))
    }

    /// Applies `edits` (position fraction, kind, letter) to `chars` outside `keep`, returning
    /// the new text and where `keep` moved to.
    fn edit_outside(
        chars: &[char],
        keep: CharSpan,
        edits: &[(f64, u8, char)],
    ) -> (String, CharSpan) {
        let mut out: Vec<char> = chars.to_vec();
        let mut span = keep;
        for &(at, kind, letter) in edits {
            let i = ((out.len() as f64) * at) as usize;
            if i + 40 > span.start && i < span.end + 40 {
                continue; // too close to the quote or its context
            }
            let before = i < span.start;
            match kind % 3 {
                0 => {
                    out.insert(i, letter);
                    if before {
                        span = CharSpan::new(span.start + 1, span.end + 1);
                    }
                }
                1 if i < out.len() => {
                    out.remove(i);
                    if before {
                        span = CharSpan::new(span.start - 1, span.end - 1);
                    }
                }
                _ if i < out.len() => out[i] = letter,
                _ => {}
            }
        }
        (out.into_iter().collect(), span)
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

        /// Repeats chosen from windows around each place choose as the whole text would.
        #[test]
        fn windows_and_the_whole_text_choose_the_same_repeat(
            words in proptest::collection::vec(0usize..6, 200..600),
            q in 0usize..6, p in proptest::collection::vec(0usize..6, 0..4), s in proptest::collection::vec(0usize..6, 0..4),
            hint in proptest::option::of(0usize..3000),
        ) {
            const W: [&str; 6] = ["the", "slow", "reading", "of", "notes", "again"];
            let join = |v: &[usize]| v.iter().map(|&i| W[i]).collect::<Vec<_>>().join(" ");
            // A long unique filler keeps the repeats sparse, so windows are used.
            let filler: String = (0..20_000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
            let text = CharText::new(&format!("{filler} {} {filler}", join(&words)));
            let quote = TextQuoteSelector {
                exact: format!("{} {}", W[q], W[(q + 1) % 6]),
                prefix: format!("{} ", join(&p)),
                suffix: format!(" {}", join(&s)),
            };
            let position = hint.map(|h| TextPositionSelector { start: 20_001 + h, end: 20_001 + h });
            prop_assert_eq!(
                anchor(&text, &quote, position),
                anchor_prepared(&PreparedText::new(&text), &quote, position)
            );
        }

        #[test]
        fn the_fuzzy_path_finds_an_unchanged_quote_in_place(
            text in words(), a in 0.0f64..1.0, len in 6usize..60,
        ) {
            let t = CharText::new(&text);
            let start = ((t.len_chars() as f64) * a) as usize;
            if let Some(span) = t.trim_span(CharSpan::new(start, (start + len).min(t.len_chars()))) {
                let (q, p) = describe(&t, span);
                let got = fuzzy_anchor(&PreparedText::new(&t), &q, Some(p.start));
                prop_assert_eq!(got.map(|x| x.span), Some(span));
            }
        }

        #[test]
        fn edits_far_from_the_quote_shift_it(
            text in words(), a in 0.0f64..1.0, len in 6usize..60,
            edits in proptest::collection::vec((0.0f64..1.0, any::<u8>(), proptest::char::range('a', 'z')), 1..6),
        ) {
            let t = CharText::new(&text);
            let start = ((t.len_chars() as f64) * a) as usize;
            if let Some(span) = t.trim_span(CharSpan::new(start, (start + len).min(t.len_chars()))) {
                let (q, p) = describe(&t, span);
                let (edited, moved) = edit_outside(t.chars(), span, &edits);
                let e = CharText::new(&edited);
                prop_assert_eq!(anchor(&e, &q, Some(p)).map(|x| x.span), Some(moved));
                // The fuzzy path alone agrees.
                let f = fuzzy_anchor(&PreparedText::new(&e), &q, Some(p.start));
                prop_assert_eq!(f.map(|x| x.span), Some(moved));
            }
        }

        #[test]
        fn a_letter_changed_inside_the_quote_anchors_fuzzily_in_place(
            text in words(), a in 0.0f64..1.0, len in 24usize..80, at in 0.0f64..1.0,
            letter in proptest::char::range('a', 'z'),
        ) {
            let t = CharText::new(&text);
            let start = ((t.len_chars() as f64) * a) as usize;
            let Some(span) = t.trim_span(CharSpan::new(start, (start + len).min(t.len_chars()))) else {
                return Ok(());
            };
            prop_assume!(span.len() >= 20);
            // Repetitive text has several equally good places; the random words rarely are.
            let mut grams: Vec<&[char]> = t.chars().windows(8).collect();
            let n = grams.len();
            grams.sort_unstable();
            grams.dedup();
            prop_assume!(grams.len() == n);
            let (q, p) = describe(&t, span);
            let mut chars = t.chars().to_vec();
            let mut i = span.start + ((span.len() as f64) * at) as usize;
            if chars[i] == ' ' {
                i += 1; // spans are trimmed and words are single-spaced: a letter follows
            }
            let letter = if chars[i] == letter {
                char::from(b'a' + (letter as u8 - b'a' + 1) % 26)
            } else {
                letter
            };
            chars[i] = letter;
            let edited: String = chars.into_iter().collect();
            let got = anchor(&CharText::new(&edited), &q, Some(p)).unwrap();
            prop_assert_eq!(got.method, AnchorMethod::Fuzzy);
            prop_assert_eq!(got.span, span);
        }
    }
}
