//! Other projects' anchoring test cases, run against Marginalia's anchoring.
//!
//! * Apache Annotator, repository apache/incubator-annotator, commit
//!   cb534ed53f1356a657d2ed69244f3b600c77490d:
//!   `packages/dom/test/text-quote/match-cases.ts`,
//!   `packages/dom/test/text-quote/describe-cases.ts` (`testCasesWithoutOptions`; Marginalia's
//!   describe has no options, so the cases for `minimalContext`, `minimumQuoteLength` and
//!   `maxWordLength` are not ported) and
//!   `packages/dom/test/text-position/match-cases.ts`.
//! * Hypothesis client, repository hypothesis/client, commit
//!   9d28950c84560765f77b8e8e133c0f11ad577410:
//!   `src/annotator/anchoring/test/match-quote-test.js`, and the minimal case of
//!   `src/annotator/anchoring/test/html-baselines/` (`minimal.html`, `minimal.json`). Its other
//!   case is a whole saved Wikipedia page, not copied here.
//!
//! Only the cases (inputs and expected outputs) are taken. Apache's HTML is flattened to its
//! text content, and its expected DOM ranges (XPath + UTF-16 offset) are written here as
//! offsets into that text. Where Marginalia deliberately differs the case is kept with
//! Marginalia's expected result and the reason ([`Expect::Differs`]).
//!
//! Each suite is one test that runs every case and fails listing the cases that went wrong; run
//! with `--nocapture` to see each suite's counts.

use marginalia_core::anchor::{anchor, Anchored, MIN_CONFIDENCE};
use marginalia_core::annotation::AnnotationSet;
use marginalia_core::article::{Block, Document};
use marginalia_core::selector::{describe, TextPositionSelector, TextQuoteSelector};
use marginalia_core::span::CharSpan;
use marginalia_core::text::{char_idx_to_utf16_idx, CharText};
use marginalia_core::time::Timestamp;
use marginalia_core::w3c;

/// The text content of a small piece of HTML (tags dropped, nothing else done).
fn text_content(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn sel(exact: &str, prefix: &str, suffix: &str) -> TextQuoteSelector {
    TextQuoteSelector {
        exact: exact.into(),
        prefix: prefix.into(),
        suffix: suffix.into(),
    }
}

/// The expected outcome of a case in Marginalia.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// What the other project expects, which Marginalia expects too.
    Same(Outcome),
    /// Marginalia deliberately gives `Outcome` instead; the reason.
    Differs(Outcome, &'static str),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    /// Anchored on this span, the only passage that fits best.
    At(usize, usize),
    /// Anchored on this span, the first of `n` passages that fit equally well.
    FirstOf(usize, usize, usize),
    Unanchored,
}

/// Counts of one suite.
#[derive(Default)]
struct Tally {
    passed: usize,
    /// Cases that pass with Marginalia's deliberately different result: "name: reason".
    differs: Vec<String>,
    failed: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, expect: Expect, got: Option<Anchored>) {
        let (want, differs) = match expect {
            Expect::Same(o) => (o, None),
            Expect::Differs(o, reason) => (o, Some(reason)),
        };
        let ok = match (want, got) {
            (Outcome::Unanchored, None) => true,
            (Outcome::At(s, e), Some(a)) => a.span == CharSpan::new(s, e) && a.identical == 1,
            (Outcome::FirstOf(s, e, n), Some(a)) => {
                a.span == CharSpan::new(s, e) && a.identical == n
            }
            _ => false,
        };
        if !ok {
            self.failed
                .push(format!("{name}: expected {want:?}, got {got:?}"));
        } else {
            self.pass(name, differs);
        }
    }

    fn pass(&mut self, name: &str, differs: Option<&str>) {
        match differs {
            Some(reason) => self.differs.push(format!("{name}: {reason}")),
            None => self.passed += 1,
        }
    }

    fn finish(self, suite: &str) {
        println!(
            "{suite}: {} passed as the original expects, {} pass with a deliberate difference, {} failed",
            self.passed,
            self.differs.len(),
            self.failed.len()
        );
        for d in &self.differs {
            println!("  differs: {d}");
        }
        assert!(
            self.failed.is_empty(),
            "{suite}: {} failed:\n{}",
            self.failed.len(),
            self.failed.join("\n")
        );
    }
}

const LOREM: &str = "<b>lorem ipsum dolor amet yada yada</b>";

/// Marginalia never anchors an empty quote: an annotation of no words has nothing to show.
const EMPTY_QUOTE: &str = "an empty quote never anchors: a highlight of no words shows nothing";
/// A context that disagrees ranks the occurrences of an exact quote but does not veto them: the
/// reader's words are there, and context is often copy-edited.
const CONTEXT_RANKS: &str =
    "a mismatched context ranks but does not veto an exact match of the quote";
/// Apache Annotator yields every match; Marginalia places the annotation once and says on the
/// card that it is one of several identical passages.
/// A context stored empty means the quote was at that end of the text (as Marginalia describes
/// a selection, and Hypothesis too): the "yada" that ends the text fits better than the other.
const EMPTY_CONTEXT_AT_AN_END: &str =
    "an empty suffix fits the occurrence at the end of the text better";
const ONE_PLACE: &str =
    "an annotation is placed once: the first of the equal passages, counted for the card";

#[test]
fn apache_annotator_text_quote_match_cases() {
    use Expect::*;
    use Outcome::*;
    // (name, html, exact, prefix, suffix, expected)
    let cases: Vec<(&str, &str, &str, &str, &str, Expect)> = vec![
        ("simple", LOREM, "dolor am", "", "", Same(At(12, 20))),
        (
            "first characters",
            LOREM,
            "lorem ipsum",
            "",
            "",
            Same(At(0, 11)),
        ),
        (
            "last characters",
            LOREM,
            "yada yada",
            "",
            "",
            Same(At(23, 32)),
        ),
        (
            "across elements",
            "<b>lorem <i>ipsum</i> dolor <u>amet</u> yada yada</b>",
            "dolor am",
            "",
            "",
            Same(At(12, 20)),
        ),
        (
            "exact element contents",
            "<b>lorem <i>ipsum dolor</i> amet yada yada</b>",
            "ipsum dolor",
            "",
            "",
            Same(At(6, 17)),
        ),
        (
            "text inside <head>",
            "<head><title>The title</title></head><b>lorem ipsum dolor amet yada yada</b>",
            "title",
            "",
            "",
            Same(At(4, 9)),
        ),
        (
            "two matches in one node",
            LOREM,
            "yada",
            "",
            "",
            Differs(At(28, 32), EMPTY_CONTEXT_AT_AN_END),
        ),
        (
            "matches in multiple nodes",
            "<p>Match again and <b>again </b>and <i>again</i>!",
            "again",
            "",
            "",
            Differs(FirstOf(6, 11, 3), ONE_PLACE),
        ),
        (
            "overlapping matches in one node",
            "<b>bananas</b>",
            "ana",
            "",
            "",
            Differs(FirstOf(1, 4, 2), ONE_PLACE),
        ),
        (
            "overlapping matches stretching multiple nodes",
            "<b>bana<i>na</i>nas</b>",
            "anana",
            "",
            "",
            Differs(FirstOf(1, 6, 2), ONE_PLACE),
        ),
        ("no matches", LOREM, "holy grail", "", "", Same(Unanchored)),
        ("with prefix", LOREM, "yada", "t ", "", Same(At(23, 27))),
        ("with suffix", LOREM, "o", "", "l", Same(At(13, 14))),
        (
            "with prefix and suffix",
            LOREM,
            "o",
            "l",
            "re",
            Same(At(1, 2)),
        ),
        (
            "with prefix and suffix, two matches",
            LOREM,
            "o",
            "l",
            "r",
            Differs(FirstOf(1, 2, 2), ONE_PLACE),
        ),
        (
            "with prefix, no matches",
            LOREM,
            "dolor",
            "oopsum ",
            "",
            Differs(At(12, 17), CONTEXT_RANKS),
        ),
        (
            "with suffix, no matches",
            LOREM,
            "dolor",
            "",
            " amot",
            Differs(At(12, 17), CONTEXT_RANKS),
        ),
        (
            "with suffix, no matches due to whitespace",
            LOREM,
            "dolor",
            "",
            "a",
            Differs(At(12, 17), CONTEXT_RANKS),
        ),
        (
            "with empty prefix and suffix",
            LOREM,
            "dolor am",
            "",
            "",
            Same(At(12, 20)),
        ),
        (
            "empty quote",
            "<b>lorem</b>",
            "",
            "",
            "",
            Differs(Unanchored, EMPTY_QUOTE),
        ),
        (
            "empty quote, multiple elements",
            "<b>l<i>or</i>em</b>",
            "",
            "",
            "",
            Differs(Unanchored, EMPTY_QUOTE),
        ),
        (
            "empty quote, with prefix",
            LOREM,
            "",
            "dolor",
            "",
            Differs(Unanchored, EMPTY_QUOTE),
        ),
        (
            "empty quote, with suffix",
            LOREM,
            "",
            "",
            "i",
            Differs(Unanchored, EMPTY_QUOTE),
        ),
        (
            "empty quote, with prefix and suffix",
            LOREM,
            "",
            "lorem ",
            "ipsum",
            Differs(Unanchored, EMPTY_QUOTE),
        ),
        (
            "empty quote, no matches",
            LOREM,
            "",
            "X",
            "",
            Same(Unanchored),
        ),
    ];
    let mut tally = Tally::default();
    for (name, html, exact, prefix, suffix, expect) in cases {
        let text = CharText::new(&text_content(html));
        let got = anchor(&text, &sel(exact, prefix, suffix), None);
        tally.check(name, expect, got);
    }
    tally.finish("Apache Annotator text-quote match-cases");
}

/// (name, html, start, end, expected UTF-16 offsets, deliberate difference)
type PositionCase = (
    &'static str,
    &'static str,
    usize,
    usize,
    Option<(usize, usize)>,
    Option<&'static str>,
);

#[test]
fn apache_annotator_text_position_match_cases() {
    // (name, html, start, end, expected UTF-16 offsets in the text content). Apache counts code
    // points in TextPositionSelector, as Marginalia does; the DOM's offsets are UTF-16. Marginalia
    // reads a position-only selector through import (the quote is then described from the text).
    let cases: Vec<PositionCase> = vec![
        (
            "simple",
            "<b>l😃rem ipsum dolor amet yada yada</b>",
            12,
            20,
            Some((13, 21)),
            None,
        ),
        (
            "first characters",
            "<b>l😃rem ipsum dolor amet yada yada</b>",
            0,
            11,
            Some((0, 12)),
            None,
        ),
        (
            "last characters",
            "<b>l😃rem ipsum dolor amet yada yada</b>",
            23,
            32,
            Some((24, 33)),
            None,
        ),
        (
            "across elements",
            "<b>l😃rem <i>ipsum</i> dolor <u>amet</u> yada yada</b>",
            12,
            20,
            Some((13, 21)),
            None,
        ),
        (
            "exact element contents",
            "<b>l😃rem <i>ipsum dolor</i> amet yada yada</b>",
            6,
            17,
            Some((7, 18)),
            None,
        ),
        (
            "text inside <head>",
            "<head><title>l😃rem ipsum dolor amet</title></head><b>yada yada</b>",
            18,
            22,
            Some((19, 23)),
            None,
        ),
        (
            "empty quote",
            "<b>l😃rem</b>",
            3,
            3,
            None,
            Some(EMPTY_QUOTE),
        ),
    ];
    let mut tally = Tally::default();
    for (name, html, start, end, expected, differs) in cases {
        let plain = text_content(html);
        let doc = Document::new("t", "urn:test", "T", vec![Block::paragraph(&plain)], None);
        let json = serde_json::json!({
            "type": "Annotation",
            "target": {"source": "urn:test", "selector": {"type": "TextPositionSelector", "start": start, "end": end}},
        })
        .to_string();
        let plan = w3c::import(
            &doc,
            &json,
            &AnnotationSet::new(),
            Timestamp(0),
            &mut || "urn:x".into(),
        )
        .expect("the file is read");
        let span = plan.to_add.first().and_then(|a| a.anchor);
        let utf16 = span.map(|s| {
            (
                char_idx_to_utf16_idx(&plain, s.start),
                char_idx_to_utf16_idx(&plain, s.end),
            )
        });
        let ok = utf16 == expected && span.is_none_or(|s| s == CharSpan::new(start, end));
        if !ok {
            tally
                .failed
                .push(format!("{name}: expected {expected:?}, got {utf16:?}"));
        } else {
            tally.pass(name, differs);
        }
    }
    tally.finish("Apache Annotator text-position match-cases");
}

/// `fixtures` of match-quote-test.js, whitespace runs folded to one space as the test does.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const SOLITUDE: &str = "Many years later, as he faced the firing squad,
    Colonel Aureliano Buendía was to remember that distant afternoon
    when his father took him to discover ice";

const TWO_CITIES: &str = "It was the best of times, it was the worst of times,
    it was the age of wisdom, it was the age of foolishness, it was the epoch of belief,
    it was the epoch of incredulity, it was the season of Light, it was the
    season of Darkness, it was the spring of hope, it was the winter of despair, we had
    everything before us, we had nothing before us, we were all going direct to Heaven,
    we were all going direct the other way.";

fn index_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("in the fixture")]
        .chars()
        .count()
}

fn run(text: &str, q: &TextQuoteSelector, hint: Option<usize>) -> Option<Anchored> {
    let position = hint.map(|h| TextPositionSelector {
        start: h,
        end: h + q.exact.chars().count(),
    });
    anchor(&CharText::new(text), q, position)
}

fn slice(text: &str, a: &Anchored) -> String {
    CharText::new(text).slice(a.span)
}

#[test]
fn hypothesis_match_quote_cases() {
    let solitude = fold(SOLITUDE);
    let two_cities = fold(TWO_CITIES);
    let mut tally = Tally::default();
    let mut case = |name: &str, ok: bool, differs: Option<&str>, detail: String| {
        if !ok {
            tally.failed.push(format!("{name}: {detail}"));
        } else {
            tally.pass(name, differs);
        }
    };
    const MIN: &str = "a candidate scoring below MIN_CONFIDENCE is no anchor";
    const EXACT: &str =
        "an exact quote found once anchors with confidence 1, whatever its context says";

    let m = run(&solitude, &sel("discover ice", "", ""), None);
    case(
        "finds exact match",
        m.is_some_and(|m| m.confidence == 1.0 && slice(&solitude, &m) == "discover ice"),
        None,
        format!("{m:?}"),
    );

    let m = run(&solitude, &sel("some years later", "", ""), None);
    case(
        "finds best approximate match if there is no exact match",
        m.is_some_and(|m| {
            m.confidence > 0.0 && m.confidence < 1.0 && slice(&solitude, &m) == "Many years later"
        }),
        None,
        format!("{m:?}"),
    );

    // Deliberate difference: a candidate scoring below MIN_CONFIDENCE is no anchor, so the least
    // similar quotes are unanchored; the scores that remain still fall, and an unanchored quote
    // ranks below every anchored one.
    let score = |m: Option<Anchored>| m.map_or(0.0, |m| m.confidence);
    let scores: Vec<f64> = [
        "Many years later",
        "Many yers later",
        "Some years later",
        "Some years after",
    ]
    .iter()
    .map(|q| score(run(&solitude, &sel(q, "", ""), None)))
    .collect();
    let falling = scores.windows(2).all(|w| w[1] < w[0] || w[1] == 0.0);
    let below_min = scores.iter().any(|s| *s < MIN_CONFIDENCE);
    case(
        "scores matches based on quote similarity",
        falling,
        below_min.then_some(MIN),
        format!("{scores:?}"),
    );

    // Deliberate difference: the quote occurs exactly, once: that is where it anchors, with
    // confidence 1, whatever the context says (context ranks, it does not veto).
    let quote = ", as he faced the firing squad";
    let anchored: Vec<Option<Anchored>> = [
        "Many years later",
        "Many yers later",
        "Some years later",
        "Some years after",
    ]
    .iter()
    .map(|p| run(&solitude, &sel(quote, p, ""), None))
    .collect();
    case(
        "scores matches based on prefix similarity",
        anchored
            .iter()
            .all(|m| m.is_some_and(|m| m.span.start == 16 && m.confidence == 1.0)),
        Some(EXACT),
        format!("{anchored:?}"),
    );
    let anchored: Vec<Option<Anchored>> = [
        ", as he faced the firing squad",
        ", as she faced the firing squad",
        ", as he awaited the firing squad",
        ", as he awaited his death",
    ]
    .iter()
    .map(|s| run(&solitude, &sel("Many years later", "", s), None))
    .collect();
    case(
        "scores matches based on suffix similarity",
        anchored
            .iter()
            .all(|m| m.is_some_and(|m| m.span.start == 0 && m.confidence == 1.0)),
        Some(EXACT),
        format!("{anchored:?}"),
    );

    let m = run(&two_cities, &sel(&solitude, "", ""), None);
    case(
        "returns `null` if there is no acceptable approximate match",
        m.is_none(),
        None,
        format!("{m:?}"),
    );
    let m = run("foobar", &sel("", "", ""), None);
    case(
        "returns `null` if quote is empty",
        m.is_none(),
        None,
        format!("{m:?}"),
    );
    let m = run("", &sel("foobar", "", ""), None);
    case(
        "returns `null` if text is empty",
        m.is_none(),
        None,
        format!("{m:?}"),
    );

    // (quote, prefix, suffix, expected: the text the match starts)
    let context_cases = [
        (
            "before us",
            "we had everything",
            "",
            "before us, we had nothing",
        ),
        (
            "before us",
            "we had nothing",
            "",
            "before us, we were all going",
        ),
        (
            "before us",
            "we had every-thing",
            "",
            "before us, we had nothing",
        ),
        (
            "before us",
            "we had nout",
            "",
            "before us, we were all going",
        ),
        ("we had", "", "everything", "we had everything"),
        ("we had", "", "nothing", "we had nothing"),
        ("we had", "", "ever ting", "we had everything"),
        ("we had", "", "nutting", "we had nothing"),
    ];
    for (i, (quote, prefix, suffix, expected)) in context_cases.into_iter().enumerate() {
        let m = run(&two_cities, &sel(quote, prefix, suffix), None);
        case(
            &format!("finds match with best context match ({i})"),
            m.is_some_and(|m| {
                slice(&two_cities, &m) == quote && m.span.start == index_of(&two_cities, expected)
            }),
            None,
            format!("{m:?}, want start {}", index_of(&two_cities, expected)),
        );
    }

    let pos_a = index_of(&two_cities, "everything before us") + "everything ".len();
    let pos_b = index_of(&two_cities, "nothing before us") + "nothing ".len();
    // Deliberate difference: "befor us" with no context stored is one error in eight
    // characters beside two unknown contexts, which stays below MIN_CONFIDENCE: unanchored
    // whatever the hint. The hint's part as a tie-breaker is checked with the exact quote.
    let q = sel("befor us", "", "");
    let fuzzy = [Some(pos_a), Some(pos_b), None].map(|h| run(&two_cities, &q, h));
    let q = sel("before us", "", "");
    let (a, b, none) = (
        run(&two_cities, &q, Some(pos_a)),
        run(&two_cities, &q, Some(pos_b)),
        run(&two_cities, &q, None),
    );
    case(
        "uses `hint` as a tie-breaker to choose between matches with close scores",
        fuzzy.iter().all(Option::is_none)
            && a.is_some_and(|m| m.span.start == pos_a)
            && b.is_some_and(|m| m.span.start == pos_b)
            && none.is_some_and(|m| m.span.start == pos_a),
        Some(MIN),
        format!("{fuzzy:?} {a:?} {b:?} {none:?}"),
    );

    let prefix = "It used to be many";
    let m = run(&solitude, &sel("years later", prefix, ""), None);
    case(
        "matches when prefix length is greater than the match start offset",
        m.is_some_and(|m| prefix.len() > m.span.start && slice(&solitude, &m) == "years later"),
        None,
        format!("{m:?}"),
    );
    let text = "Some document text";
    let m = run(text, &sel("text", "", "missing"), None);
    case(
        "matches when match ends at end of text and there is a non-empty suffix",
        m.is_some_and(|m| slice(text, &m) == "text"),
        None,
        format!("{m:?}"),
    );
    tally.finish("Hypothesis client match-quote-test");
}

#[test]
fn hypothesis_html_baseline_minimal() {
    // minimal.html is `<body><div>One Two Three</div></body>` and a newline: the body's text.
    let plain = "One Two Three\n";
    let doc = Document::new("t", "urn:test", "T", vec![Block::paragraph(plain)], None);
    // minimal.json, the annotation as the Hypothesis API returns it.
    let json = serde_json::json!({"total": 1, "rows": [{"id": "test", "target": [{"selector": [
        {"type": "RangeSelector", "startContainer": "/div[1]", "endContainer": "/div[1]",
         "startOffset": 4, "endOffset": 7},
        {"type": "TextPositionSelector", "start": 4, "end": 7},
        {"type": "TextQuoteSelector", "prefix": "One ", "suffix": " Three\n", "exact": "Two"}
    ]}]}]})
    .to_string();
    let plan = w3c::import(
        &doc,
        &json,
        &AnnotationSet::new(),
        Timestamp(0),
        &mut || "urn:x".into(),
    )
    .expect("the file is read");
    let mut tally = Tally::default();
    let got = plan.to_add.first().and_then(|a| {
        a.anchor.map(|span| Anchored {
            span,
            method: marginalia_core::anchor::AnchorMethod::ExactQuote,
            confidence: 1.0,
            identical: a.identical_passages,
        })
    });
    tally.check("Minimal Document", Expect::Same(Outcome::At(4, 7)), got);
    tally.finish("Hypothesis client html-baselines (minimal)");
}

#[test]
fn apache_annotator_text_quote_describe_cases() {
    // Apache describes a range with the least context that tells it apart; Marginalia always
    // keeps 32 code points a side (or up to the text's end), so that an edited text can still
    // be matched by context. Marginalia's context holds Apache's (it ends with Apache's prefix
    // and starts with its suffix), and its selector anchors back on the range.
    const FIXED_CONTEXT: &str =
        "the context is 32 code points a side, not the least that disambiguates; it holds Apache's";
    // (name, html, start, end, expected exact, prefix, suffix)
    let cases = [
        ("no context", LOREM, 12, 22, "dolor amet", "", ""),
        (
            "use prefix to complete word",
            LOREM,
            14,
            22,
            "lor amet",
            "do",
            "",
        ),
        (
            "use suffix to complete word",
            LOREM,
            12,
            20,
            "dolor am",
            "",
            "et",
        ),
        (
            "add context to disambiguate",
            "<b>To annotate or not to annotate</b>",
            15,
            18,
            "not",
            "or ",
            " to",
        ),
        (
            "only prefix for end of text",
            "<b>To annotate or not to annotate</b>",
            22,
            30,
            "annotate",
            "to ",
            "",
        ),
        (
            "only suffix for start of text",
            "<b>annotate or not to annotate, yada yada</b>",
            0,
            8,
            "annotate",
            "",
            " or",
        ),
        (
            "multiple, overlapping false matches",
            "<b>a a a a a a a a a a</b>",
            8,
            13,
            "a a a",
            "a a a a ",
            " a a a",
        ),
        (
            "empty quote",
            "<b>To annotate or not to annotate</b>",
            11,
            11,
            "",
            "To annotate",
            " or",
        ),
        (
            "across elements",
            "<b>To annotate or <i>not</i> to <u>anno</u>tat</b>e",
            22,
            28,
            "annota",
            "to ",
            "te",
        ),
    ];
    let mut tally = Tally::default();
    for (name, html, start, end, exact, prefix, suffix) in cases {
        let text = CharText::new(&text_content(html));
        let span = CharSpan::new(start, end);
        let (q, _) = describe(&text, span);
        let holds = q.exact == exact && q.prefix.ends_with(prefix) && q.suffix.starts_with(suffix);
        let same = q.prefix == prefix && q.suffix == suffix;
        let back = anchor(&text, &q, None);
        let anchors_back = if exact.is_empty() {
            back.is_none() // an empty quote never anchors
        } else {
            back.is_some_and(|a| a.span == span && a.identical == 1)
        };
        if !(holds && anchors_back) {
            tally
                .failed
                .push(format!("{name}: described {q:?}, anchored back {back:?}"));
            continue;
        }
        let reason = match (exact.is_empty(), same) {
            (true, _) => Some(EMPTY_QUOTE),
            (false, true) => None,
            (false, false) => Some(FIXED_CONTEXT),
        };
        tally.pass(name, reason);
    }
    tally.finish("Apache Annotator text-quote describe-cases");
}
