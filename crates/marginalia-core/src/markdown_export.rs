//! Markdown export: the document's title and source line, then every annotation as a block quote
//! followed by its note, tags and colour; annotations whose words were not found come last under
//! "Unanchored".
//!
//! Everything taken from the reader or the article is escaped, so no note, tag or quote can open
//! a heading, list, code block, HTML block, link, table or thematic break, or join the quote above
//! it: ASCII punctuation that Markdown (CommonMark and GitHub's extensions) gives meaning to is
//! backslash-escaped, block markers at the start of a line too, leading indentation is dropped,
//! and line breaks inside a note or quote become explicit hard breaks.

use crate::annotation::Annotation;
use crate::article::Document;

/// Characters escaped wherever they appear.
const INLINE_SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '(', ')', '<', '>', '#', '|', '~', '&', '!', '$',
];

/// `s` with Markdown's inline punctuation backslash-escaped.
pub fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if INLINE_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One line of text made safe to stand at the start of a Markdown line: inline escapes, no
/// leading indentation (which would make a code block), and block markers (`-`, `+`, `=`, `1.`,
/// `1)`) escaped. `#` and `>` are already escaped inline.
fn escape_line(line: &str) -> String {
    let escaped = escape_inline(line.trim());
    let mut out = String::with_capacity(escaped.len() + 2);
    if escaped.starts_with(['-', '+', '=']) {
        out.push('\\');
        out.push_str(&escaped);
        return out;
    }
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && escaped[digits..].starts_with(['.', ')']) {
        out.push_str(&escaped[..digits]);
        out.push('\\');
        out.push_str(&escaped[digits..]);
        return out;
    }
    escaped
}

/// Text as Markdown lines: blank lines separate paragraphs (runs of them collapse to one), and
/// each single line break inside a paragraph becomes a hard break (a trailing backslash).
fn text_lines(text: &str) -> Vec<String> {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<String> = Vec::new();
    let mut last_blank = true;
    for line in normalized.split('\n') {
        if line.trim().is_empty() {
            if !last_blank {
                out.push(String::new());
            }
            last_blank = true;
            continue;
        }
        if !last_blank {
            if let Some(prev) = out.last_mut() {
                prev.push('\\');
            }
        }
        out.push(escape_line(line));
        last_blank = false;
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// A tag as `#word` (whitespace inside becomes `-`, leading `#`s are dropped).
fn tag_text(tag: &str) -> Option<String> {
    let t = tag.trim().trim_start_matches('#').trim();
    if t.is_empty() {
        return None;
    }
    let joined: String = t.split_whitespace().collect::<Vec<_>>().join("-");
    Some(format!("#{}", escape_inline(&joined)))
}

fn push_annotation(out: &mut String, a: &Annotation) {
    let quote = text_lines(&a.quote.exact);
    if quote.is_empty() {
        out.push_str(">\n");
    }
    for line in quote {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push('\n');
    let note = text_lines(&a.note);
    if !note.is_empty() {
        for line in note {
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    let tags: Vec<String> = a.tags.iter().filter_map(|t| tag_text(t)).collect();
    if !tags.is_empty() {
        out.push_str("Tags: ");
        out.push_str(&tags.join(" "));
        out.push_str("\\\n");
    }
    out.push_str("Colour: ");
    out.push_str(a.color.label());
    out.push_str("\n\n");
}

/// The document's annotations (in text order) as Markdown.
pub fn to_markdown(doc: &Document, annotations: &[&Annotation]) -> String {
    let mut out = String::new();
    let title = doc.title.split_whitespace().collect::<Vec<_>>().join(" ");
    out.push_str("# ");
    if title.is_empty() {
        out.push_str("Untitled");
    } else {
        out.push_str(&escape_inline(&title));
    }
    out.push_str("\n\n");
    if let Some(line) = doc.source_line.as_deref() {
        let lines = text_lines(line);
        if !lines.is_empty() {
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
            out.push('\n');
        }
    }
    let (anchored, unanchored): (Vec<&Annotation>, Vec<&Annotation>) =
        annotations.iter().partition(|a| a.anchor.is_some());
    if annotations.is_empty() {
        out.push_str("No annotations yet.\n");
        return out;
    }
    for a in anchored {
        push_annotation(&mut out, a);
    }
    if !unanchored.is_empty() {
        out.push_str("## Unanchored\n\n");
        out.push_str("The words of these annotations were not found in the text.\n\n");
        for a in unanchored {
            push_annotation(&mut out, a);
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Color;
    use crate::article::Block;
    use crate::selector::TextQuoteSelector;
    use crate::span::CharSpan;
    use crate::time::Timestamp;
    use proptest::prelude::*;

    fn doc() -> Document {
        Document::new(
            "d",
            "urn:d",
            "Pakistan *Army* Chief",
            vec![Block::paragraph("x")],
            Some("Source:\u{a0}Al Monitor".into()),
        )
    }

    fn ann(exact: &str, note: &str, tags: &[&str], color: Color, anchored: bool) -> Annotation {
        Annotation {
            id: "id".into(),
            source: "urn:d".into(),
            quote: TextQuoteSelector {
                exact: exact.into(),
                ..Default::default()
            },
            position: None,
            note: note.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            color,
            created: Timestamp(0),
            modified: Timestamp(0),
            anchor: anchored.then_some(CharSpan::new(0, 1)),
            identical_passages: usize::from(anchored),
        }
    }

    #[test]
    fn the_layout_is_title_source_then_quotes_with_notes() {
        let a = ann(
            "first words",
            "A note.",
            &["iran", "army"],
            Color::Yellow,
            true,
        );
        let b = ann("para one\n\npara two", "", &[], Color::Blue, true);
        let lost = ann("gone", "still here", &["x"], Color::Pink, false);
        let md = to_markdown(&doc(), &[&a, &b, &lost]);
        assert_eq!(
            md,
            "# Pakistan \\*Army\\* Chief\n\
             \n\
             Source:\u{a0}Al Monitor\n\
             \n\
             > first words\n\
             \n\
             A note.\n\
             \n\
             Tags: #iran #army\\\n\
             Colour: Yellow\n\
             \n\
             > para one\n\
             >\n\
             > para two\n\
             \n\
             Colour: Blue\n\
             \n\
             ## Unanchored\n\
             \n\
             The words of these annotations were not found in the text.\n\
             \n\
             > gone\n\
             \n\
             still here\n\
             \n\
             Tags: #x\\\n\
             Colour: Pink\n"
        );
    }

    #[test]
    fn an_empty_document_says_so() {
        let d = Document::new("d", "urn:d", "  ", vec![], None);
        assert_eq!(to_markdown(&d, &[]), "# Untitled\n\nNo annotations yet.\n");
    }

    #[test]
    fn notes_cannot_break_the_structure() {
        let note = "# not a heading\n> not a quote\n- not a list\n+ nor this\n1. nor this\n\
                    2) nor this\n---\n===\n```\ncode?\n```\n    indented\n<div>html</div>\n\
                    [link](http://x) ![img](y)\n| a | b |\n~~strike~~ *em* _em_ `code`\n\
                    &amp; ends with backslash \\";
        let a = ann(
            "q",
            note,
            &["tag with space", "#hash", ""],
            Color::Green,
            true,
        );
        let md = to_markdown(&doc(), &[&a]);
        let body: Vec<&str> = md.lines().skip(6).collect();
        assert_eq!(
            body,
            [
                "\\# not a heading\\",
                "\\> not a quote\\",
                "\\- not a list\\",
                "\\+ nor this\\",
                "1\\. nor this\\",
                "2\\) nor this\\",
                "\\---\\",
                "\\===\\",
                "\\`\\`\\`\\",
                "code?\\",
                "\\`\\`\\`\\",
                "indented\\",
                "\\<div\\>html\\</div\\>\\",
                "\\[link\\]\\(http://x\\) \\!\\[img\\]\\(y\\)\\",
                "\\| a \\| b \\|\\",
                "\\~\\~strike\\~\\~ \\*em\\* \\_em\\_ \\`code\\`\\",
                "\\&amp; ends with backslash \\\\",
                "",
                "Tags: #tag-with-space #hash\\",
                "Colour: Green",
            ]
        );
    }

    #[test]
    fn carriage_returns_and_blank_runs_are_tidied() {
        assert_eq!(
            text_lines("a\r\nb\r\rc\n\n\n\nd\n\n"),
            ["a\\", "b", "", "c", "", "d"]
        );
        assert!(text_lines("  \n \n").is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever the reader writes, the only headings are the title (and "Unanchored"), the
        /// only quote lines are the quote's, and nothing starts a list, fence or HTML block.
        #[test]
        fn arbitrary_notes_and_tags_stay_inside_their_block(
            note in "[ -~\n\t\r]{0,80}",
            tags in prop::collection::vec("[ -~]{0,10}", 0..3),
            quote in "[a-z ]{1,10}",
        ) {
            let a = ann(&quote, &note, &tags.iter().map(String::as_str).collect::<Vec<_>>(),
                        Color::Purple, true);
            let md = to_markdown(&doc(), &[&a]);
            let lines: Vec<&str> = md.lines().collect();
            prop_assert_eq!(lines.iter().filter(|l| l.starts_with('#')).count(), 1);
            let quote_lines = lines.iter().filter(|l| l.starts_with('>')).count();
            prop_assert_eq!(quote_lines, 1);
            for l in &lines {
                prop_assert!(!l.starts_with([' ', '\t', '-', '+', '*', '=', '<', '`', '~', '|']),
                    "{:?}", l);
                let digits = l.chars().take_while(char::is_ascii_digit).count();
                prop_assert!(!(digits > 0 && l[digits..].starts_with(['.', ')'])), "{:?}", l);
            }
            prop_assert!(md.ends_with("Colour: Purple\n"));
        }
    }
}
