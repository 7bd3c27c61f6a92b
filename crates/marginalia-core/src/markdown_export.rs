//! Markdown export: YAML front matter (title, author, url, published, annotated) so that Obsidian
//! and other notes apps file it, the document's title and source line, then every annotation as a
//! block quote followed by its note and tags (and its colour when the reader asks for it);
//! annotations whose words were not found come last under "Unanchored".
//!
//! Notes are Markdown and are written as the reader wrote them (emphasis, links, lists, code),
//! with two guards that keep the document's structure: a code fence the note leaves open is
//! closed after it, and a `<` that would start raw HTML is escaped (the app shows HTML in a note
//! as text, and so does the export). Everything else taken from the reader or the article (the
//! title, quotes, tags) is escaped, so it cannot open a heading, list, code block, HTML block,
//! link, table or thematic break, or join the quote above it: ASCII punctuation that Markdown
//! (CommonMark and GitHub's extensions) gives meaning to is backslash-escaped, block markers at
//! the start of a line too, leading indentation is dropped, and line breaks inside a quote
//! become explicit hard breaks.

use crate::annotation::Annotation;
use crate::article::Document;
use crate::time::Timestamp;

/// What the Markdown download holds besides the quotes, notes and tags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// Each annotation's colour name ("Colour: Yellow"): a notes app has no use for it unless the
    /// reader sorts by colour.
    pub colours: bool,
    /// When the download was made: the front matter's `annotated` date.
    pub annotated: Timestamp,
}

/// `s` as a YAML double-quoted scalar: backslashes, quotes and control characters escaped, so no
/// title or name can end the value or open another key.
fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The YAML front matter: title, author (a list when there are several), url, published and
/// annotated (both dates `YYYY-MM-DD` when known as such).
pub fn front_matter(doc: &Document, annotated: Timestamp) -> String {
    let mut out = String::from("---\n");
    let title = doc.title.split_whitespace().collect::<Vec<_>>().join(" ");
    out.push_str(&format!("title: {}\n", yaml_string(&title)));
    let about = &doc.about;
    match about.authors.as_slice() {
        [] => {}
        [one] => out.push_str(&format!("author: {}\n", yaml_string(one))),
        many => {
            out.push_str("author:\n");
            for a in many {
                out.push_str(&format!("  - {}\n", yaml_string(a)));
            }
        }
    }
    if let Some(site) = &about.site {
        out.push_str(&format!("site: {}\n", yaml_string(site)));
    }
    if let Some(url) = &about.url {
        out.push_str(&format!("url: {}\n", yaml_string(url)));
    }
    if let Some(date) = about.published_date() {
        out.push_str(&format!("published: {}\n", yaml_string(&date)));
    }
    let stamp = annotated.to_rfc3339();
    out.push_str(&format!("annotated: {}\n", &stamp[..10.min(stamp.len())]));
    out.push_str("---\n\n");
    out
}

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

/// A code fence line's character and length (up to three spaces before it), if `line` is one.
fn fence(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = rest.chars().take_while(|x| *x == c).count();
    (indent <= 3 && n >= 3).then_some((c, n))
}

/// `line` with every `<` that could start raw HTML (before a letter, `/`, `!` or `?`) escaped,
/// except inside code spans.
fn escape_html_starts(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '`' {
            in_code = !in_code;
        } else if c == '<'
            && !in_code
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A note's Markdown as written: line endings made `\n`, blank lines at its ends and runs of
/// them (which mean no more than one) reduced, raw HTML escaped outside code, and a code fence
/// it leaves open closed (else the rest of the export would be code).
fn note_lines(note: &str) -> Vec<String> {
    let normalized = note.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<String> = Vec::new();
    let mut open_fence: Option<(char, usize)> = None;
    for line in normalized.split('\n') {
        let line = line.trim_end();
        match (open_fence, fence(line)) {
            (None, Some(f)) => open_fence = Some(f),
            (Some((c, n)), Some((c2, n2)))
                if c == c2 && n2 >= n && line.trim().chars().all(|x| x == c) =>
            {
                open_fence = None
            }
            _ => {}
        }
        if line.is_empty() && open_fence.is_none() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        let in_code = open_fence.is_some() || fence(line).is_some();
        out.push(if in_code {
            line.to_string()
        } else {
            escape_html_starts(line)
        });
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    if let Some((c, n)) = open_fence {
        out.push(std::iter::repeat_n(c, n).collect());
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

fn push_annotation(out: &mut String, a: &Annotation, colours: bool) {
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
    let note = note_lines(&a.note);
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
        out.push_str(if colours { "\\\n" } else { "\n\n" });
    }
    if colours {
        out.push_str("Colour: ");
        out.push_str(a.color.label());
        out.push_str("\n\n");
    }
}

/// The document's annotations (in text order) as Markdown, after its front matter.
pub fn to_markdown(
    doc: &Document,
    annotations: &[&Annotation],
    options: &MarkdownOptions,
) -> String {
    let mut out = front_matter(doc, options.annotated);
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
        push_annotation(&mut out, a, options.colours);
    }
    if !unanchored.is_empty() {
        out.push_str("## Unanchored\n\n");
        out.push_str("The words of these annotations were not found in the text.\n\n");
        for a in unanchored {
            push_annotation(&mut out, a, options.colours);
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The body of [`to_markdown`], its front matter left off (for tests and callers that write
/// their own).
pub fn body_of(markdown: &str) -> &str {
    markdown
        .strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n\n").map(|i| &rest[i + 6..]))
        .unwrap_or(markdown)
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

    const WITH_COLOURS: MarkdownOptions = MarkdownOptions {
        colours: true,
        annotated: Timestamp(0),
    };

    #[test]
    fn front_matter_names_the_article_and_colours_are_left_out_unless_asked() {
        let mut d = doc();
        d.about = crate::about::About {
            authors: vec!["Jane \"JD\" Doe".into(), "John Roe".into()],
            site: Some("The Example".into()),
            published: Some("2019-05-01T09:30:00Z".into()),
            url: Some("https://example.org/read".into()),
        };
        d.title = "Title: with\nbreak \\ and \"quotes\"".into();
        let a = ann("first words", "A note.", &["iran"], Color::Yellow, true);
        let b = ann("more", "", &[], Color::Blue, true);
        let opts = MarkdownOptions {
            colours: false,
            annotated: Timestamp(1_765_000_000_000),
        };
        let md = to_markdown(&d, &[&a, &b], &opts);
        assert_eq!(
            md,
            "---\n\
             title: \"Title: with break \\\\ and \\\"quotes\\\"\"\n\
             author:\n\
             \x20 - \"Jane \\\"JD\\\" Doe\"\n\
             \x20 - \"John Roe\"\n\
             site: \"The Example\"\n\
             url: \"https://example.org/read\"\n\
             published: \"2019-05-01\"\n\
             annotated: 2025-12-06\n\
             ---\n\
             \n\
             # Title: with break \\\\ and \"quotes\"\n\
             \n\
             Source:\u{a0}Al Monitor\n\
             \n\
             > first words\n\
             \n\
             A note.\n\
             \n\
             Tags: #iran\n\
             \n\
             > more\n"
        );
        assert!(!md.contains("Colour"));
        assert!(to_markdown(
            &d,
            &[&a],
            &MarkdownOptions {
                colours: true,
                ..opts
            }
        )
        .ends_with("Tags: #iran\\\nColour: Yellow\n"));
        // One author is a plain value.
        d.about.authors.truncate(1);
        assert!(front_matter(&d, Timestamp(0)).contains("\nauthor: \"Jane \\\"JD\\\" Doe\"\n"));
    }

    proptest! {
        /// Any title or author stays one YAML value: the front matter has exactly its keys.
        #[test]
        fn front_matter_values_cannot_open_keys(title in ".{0,30}", author in ".{0,30}") {
            let mut d = doc();
            d.title = title;
            d.about.authors = vec![author];
            let fm = front_matter(&d, Timestamp(0));
            let keys: Vec<&str> = fm.lines().filter(|l| !l.is_empty() && !l.starts_with(' ')).collect();
            prop_assert_eq!(keys.len(), 5, "{:?}", fm);
            prop_assert!(keys[1].starts_with("title: \""));
            prop_assert!(keys[2].starts_with("author: \""));
            prop_assert!(keys[3].starts_with("annotated: "));
        }
    }

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
        let md = to_markdown(&doc(), &[&a, &b, &lost], &WITH_COLOURS);
        assert_eq!(
            body_of(&md),
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
        assert_eq!(
            to_markdown(&d, &[], &MarkdownOptions::default()),
            "---\ntitle: \"\"\nannotated: 1970-01-01\n---\n\n# Untitled\n\nNo annotations yet.\n"
        );
    }

    #[test]
    fn notes_are_written_as_they_were_written() {
        let note = "A *fine* point, see [the source](https://example.org).\r\n\r\n\r\n- one\n- `<two>`\n\n\
                    <div>html</div> and <b>bold</b> but 1 < 2\n```\n<kept> in code\n```";
        let a = ann(
            "q",
            note,
            &["tag with space", "#hash", ""],
            Color::Green,
            true,
        );
        let md = to_markdown(&doc(), &[&a], &WITH_COLOURS);
        let body: Vec<&str> = body_of(&md).lines().skip(6).collect();
        assert_eq!(
            body,
            [
                "A *fine* point, see [the source](https://example.org).",
                "",
                "- one",
                "- `<two>`",
                "",
                "\\<div>html\\</div> and \\<b>bold\\</b> but 1 < 2",
                "```",
                "<kept> in code",
                "```",
                "",
                "Tags: #tag-with-space #hash\\",
                "Colour: Green",
            ]
        );
    }

    #[test]
    fn a_code_fence_left_open_is_closed_after_the_note() {
        let a = ann("q", "see:\n~~~~\ncode", &[], Color::Green, true);
        let md = to_markdown(&doc(), &[&a], &WITH_COLOURS);
        assert!(
            md.ends_with("see:\n~~~~\ncode\n~~~~\n\nColour: Green\n"),
            "{md}"
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

        /// Whatever tags the reader writes, the only headings are the title (and "Unanchored"),
        /// the only quote lines are the quote's, and nothing starts a list, fence or HTML block;
        /// whatever note, the export ends outside any code block and no line opens raw HTML.
        #[test]
        fn arbitrary_tags_stay_inside_their_block(
            note in "[ -~\n\t\r]{0,80}",
            tags in prop::collection::vec("[ -~]{0,10}", 0..3),
            quote in "[a-z ]{1,10}",
        ) {
            let a = ann(&quote, &note, &tags.iter().map(String::as_str).collect::<Vec<_>>(),
                        Color::Purple, true);
            let with_note = to_markdown(&doc(), &[&a], &WITH_COLOURS);
            let fences = body_of(&with_note).lines().filter(|l| fence(l).is_some()).count();
            prop_assert_eq!(fences % 2, 0, "{}", with_note);
            prop_assert!(with_note.ends_with("Colour: Purple\n"));
            if fences == 0 {
                for l in body_of(&with_note).lines() {
                    prop_assert!(!l.trim_start().starts_with("<d") && !l.contains(" <a"), "{:?}", l);
                }
            }
            let a = Annotation { note: String::new(), ..a };
            let md = to_markdown(&doc(), &[&a], &WITH_COLOURS);
            let lines: Vec<&str> = body_of(&md).lines().collect();
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
