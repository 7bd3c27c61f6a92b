//! The CommonMark 0.31.2 spec's 652 examples, each read by this crate and by pulldown-cmark:
//! the events must agree, but for the examples in [`KNOWN_DIFFERENT`].
//!
//! The examples come from `tests/data/commonmark-spec-0.31.2.txt`, the spec text exactly as
//! the npm package `commonmark-spec` 0.31.2 ships it (`spec.txt`, sha256 257c41ad…4f4b80).
//! The CommonMark spec is Copyright (C) 2014-16 John MacFarlane, released under the Creative
//! Commons CC-BY-SA 4.0 license (<https://creativecommons.org/licenses/by-sa/4.0/>); the file
//! is kept as it was published, under that license.
//!
//! The comparison is on events, pulldown-cmark's restricted to what this reader yields (as
//! marginalia-core's `parse_markdown_pulldown` restricts them before building a document), with
//! adjacent texts joined: both readers split a text where it suits them.

use marginalia_markdown::{events, Event, Tag, TagEnd};
use pulldown_cmark as pd;

/// The examples the reader does not read as pulldown-cmark does, and why.
const KNOWN_DIFFERENT: &[(usize, &str)] = &[
    // tools/gen-tables.py --all-entities would read them, for about 10 KB of the gzipped wasm.
    (
        25,
        "&Dcaron; &HilbertSpace; &DifferentialD; &ClockwiseContourIntegral; &ngE; are HTML5's, \
         not HTML 4.01's: they stay as written",
    ),
];

struct Example {
    number: usize,
    section: String,
    markdown: String,
}

/// The examples of the spec text, numbered as the spec numbers them (the way the spec's own
/// `spec_tests.py` and the npm package's `index.js` read them; `→` stands for a tab).
fn examples() -> Vec<Example> {
    let spec = include_str!("data/commonmark-spec-0.31.2.txt");
    let spec = spec.split("\n<!-- END TESTS -->").next().unwrap();
    let fence = "````````````````````````````````";
    let mut out = Vec::new();
    let mut section = String::new();
    let mut lines = spec.lines();
    while let Some(line) = lines.next() {
        if line.starts_with('#') {
            let heading = line.trim_start_matches('#');
            if heading.starts_with(' ') || heading.is_empty() {
                section = heading.trim().to_string();
            }
        } else if line.strip_prefix(fence) == Some(" example") {
            let mut markdown = String::new();
            for l in lines.by_ref() {
                if l == "." {
                    break;
                }
                markdown.push_str(l);
                markdown.push('\n');
            }
            for l in lines.by_ref() {
                if l == fence {
                    break;
                }
            }
            out.push(Example {
                number: out.len() + 1,
                section: section.clone(),
                markdown: markdown.replace('→', "\t"),
            });
        }
    }
    out
}

/// pulldown-cmark's events, restricted to what this reader yields.
fn reference(md: &str) -> Vec<Event> {
    let tag = |t: pd::Tag| {
        Some(match t {
            pd::Tag::Heading { level, .. } => Tag::Heading(level as u8),
            pd::Tag::Paragraph => Tag::Paragraph,
            pd::Tag::BlockQuote(_) => Tag::BlockQuote,
            pd::Tag::List(start) => Tag::List(start),
            pd::Tag::Item => Tag::Item,
            pd::Tag::CodeBlock(_) => Tag::CodeBlock,
            pd::Tag::Emphasis => Tag::Emphasis,
            pd::Tag::Strong => Tag::Strong,
            pd::Tag::Link { dest_url, .. } => Tag::Link(dest_url.to_string()),
            pd::Tag::Image { .. } => Tag::Image,
            _ => return None,
        })
    };
    let end = |t: pd::TagEnd| {
        Some(match t {
            pd::TagEnd::Heading(_) => TagEnd::Heading,
            pd::TagEnd::Paragraph => TagEnd::Paragraph,
            pd::TagEnd::BlockQuote(_) => TagEnd::BlockQuote,
            pd::TagEnd::List(_) => TagEnd::List,
            pd::TagEnd::Item => TagEnd::Item,
            pd::TagEnd::CodeBlock => TagEnd::CodeBlock,
            pd::TagEnd::Emphasis => TagEnd::Emphasis,
            pd::TagEnd::Strong => TagEnd::Strong,
            pd::TagEnd::Link => TagEnd::Link,
            pd::TagEnd::Image => TagEnd::Image,
            _ => return None,
        })
    };
    joined(pd::Parser::new(md).filter_map(|e| match e {
        pd::Event::Start(t) => tag(t).map(Event::Start),
        pd::Event::End(t) => end(t).map(Event::End),
        pd::Event::Text(t) | pd::Event::Html(t) | pd::Event::InlineHtml(t) => {
            Some(Event::Text(t.to_string()))
        }
        pd::Event::Code(t) => Some(Event::Code(t.to_string())),
        pd::Event::SoftBreak => Some(Event::SoftBreak),
        pd::Event::HardBreak => Some(Event::HardBreak),
        _ => None,
    }))
}

/// Adjacent texts joined into one.
fn joined(events: impl IntoIterator<Item = Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in events {
        match (out.last_mut(), e) {
            (Some(Event::Text(a)), Event::Text(b)) => a.push_str(&b),
            (_, e) => out.push(e),
        }
    }
    out
}

#[test]
fn commonmark_spec_examples_read_as_pulldown_cmark_reads_them() {
    let examples = examples();
    assert_eq!(examples.len(), 652, "CommonMark 0.31.2 has 652 examples");
    let mut agree = 0;
    let mut failures = Vec::new();
    for ex in &examples {
        let mine = joined(events(&ex.markdown));
        let theirs = reference(&ex.markdown);
        let known = KNOWN_DIFFERENT.iter().any(|(n, _)| *n == ex.number);
        if mine == theirs {
            agree += 1;
            if known {
                failures.push(format!(
                    "example {} ({}) now agrees: take it off KNOWN_DIFFERENT",
                    ex.number, ex.section
                ));
            }
        } else if !known {
            failures.push(format!(
                "example {} ({}) differs from pulldown-cmark\n  markdown: {:?}\n  reader:   {:?}\n  pulldown: {:?}",
                ex.number, ex.section, ex.markdown, mine, theirs
            ));
        }
    }
    println!(
        "CommonMark 0.31.2: {agree}/{} agree with pulldown-cmark",
        examples.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
