//! A note as the reader sees it: its Markdown (emphasis, links, lists, code, quotes) read by
//! `marginalia-markdown` and written as HTML that can do nothing but show text. Every piece of
//! text is escaped, so raw HTML in a note shows as the text it is; the only elements are the few
//! written here; links keep only `http`, `https` and `mailto` targets, open in a new tab, and
//! carry `rel="noopener noreferrer"`. A line break in a note stays a line break (notes are
//! written as lines, not reflowed prose). The note itself is stored and exported as written.
//! (A marker's name, the note as one line, is `markup::note_line`.)

use crate::markdown::safe_link;
use crate::markup::push_escaped;
use marginalia_markdown::{self as reader, Event, Tag, TagEnd};

/// The note `source` as safe HTML (see the module's documentation); empty for an empty note.
pub fn note_html(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 32);
    // What each open tag closes with (empty: a link refused, or an image, drawn as its text).
    let mut open: Vec<&'static str> = Vec::new();
    // Depth of open block containers: text outside any block (an HTML block, shown as text) gets
    // a paragraph of its own.
    let mut blocks = 0usize;
    let text_outside = |out: &mut String, blocks: usize, f: &dyn Fn(&mut String)| {
        if blocks == 0 {
            out.push_str("<p>");
            f(out);
            out.push_str("</p>");
        } else {
            f(out);
        }
    };
    for event in reader::events(source) {
        match event {
            Event::Start(tag) => {
                let (html, close, block) = match tag {
                    // A note's heading is a line in bold: a card has no room for a section.
                    Tag::Heading(_) => (
                        "<p class=\"note-heading\"><strong>".to_string(),
                        "</strong></p>",
                        true,
                    ),
                    Tag::Paragraph => ("<p>".into(), "</p>", true),
                    Tag::BlockQuote => ("<blockquote>".into(), "</blockquote>", true),
                    Tag::List(Some(start)) if start != 1 => {
                        (format!("<ol start=\"{start}\">"), "</ol>", true)
                    }
                    Tag::List(Some(_)) => ("<ol>".into(), "</ol>", true),
                    Tag::List(None) => ("<ul>".into(), "</ul>", true),
                    Tag::Item => ("<li>".into(), "</li>", true),
                    Tag::CodeBlock => ("<pre><code>".into(), "</code></pre>", true),
                    Tag::Emphasis => ("<em>".into(), "</em>", false),
                    Tag::Strong => ("<strong>".into(), "</strong>", false),
                    Tag::Link(dest) => match safe_link(&dest) {
                        Some(href) => {
                            let mut a = String::from("<a href=\"");
                            push_escaped(&mut a, &href);
                            a.push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">");
                            (a, "</a>", false)
                        }
                        None => (String::new(), "", false),
                    },
                    // An image is its description, as text.
                    Tag::Image => (String::new(), "", false),
                };
                out.push_str(&html);
                open.push(close);
                if block {
                    blocks += 1;
                }
            }
            Event::End(end) => {
                if let Some(close) = open.pop() {
                    out.push_str(close);
                }
                let block = !matches!(
                    end,
                    TagEnd::Emphasis | TagEnd::Strong | TagEnd::Link | TagEnd::Image
                );
                if block {
                    blocks = blocks.saturating_sub(1);
                }
            }
            // Outside any block it is an HTML block, shown as the lines of text it is.
            Event::Text(t) if blocks == 0 => {
                out.push_str("<p>");
                for (i, line) in t.trim_end_matches(['\n', '\r']).lines().enumerate() {
                    if i > 0 {
                        out.push_str("<br>");
                    }
                    push_escaped(&mut out, line);
                }
                out.push_str("</p>");
            }
            Event::Text(t) => push_escaped(&mut out, &t),
            Event::Code(t) => text_outside(&mut out, blocks, &|o: &mut String| {
                o.push_str("<code>");
                push_escaped(o, &t);
                o.push_str("</code>");
            }),
            Event::SoftBreak | Event::HardBreak => out.push_str("<br>"),
        }
    }
    while let Some(close) = open.pop() {
        out.push_str(close);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_links_lists_and_code_are_rendered() {
        assert_eq!(
            note_html("A *fine* **point**, see [the source](https://example.org/a?b=1&c=2)."),
            "<p>A <em>fine</em> <strong>point</strong>, see <a href=\"https://example.org/a?b=1&amp;c=2\" \
             target=\"_blank\" rel=\"noopener noreferrer\">the source</a>.</p>"
        );
        assert_eq!(
            note_html("- one\n- `two`\n\n1. first\n2. second"),
            "<ul><li>one</li><li><code>two</code></li></ul><ol><li>first</li><li>second</li></ol>"
        );
        assert_eq!(
            note_html("3. third\n4. fourth"),
            "<ol start=\"3\"><li>third</li><li>fourth</li></ol>"
        );
        assert_eq!(
            note_html("```\nlet x = 1 < 2;\n```"),
            "<pre><code>let x = 1 &lt; 2;\n</code></pre>"
        );
        assert_eq!(
            note_html("> quoted\n\n# Heading"),
            "<blockquote><p>quoted</p></blockquote><p class=\"note-heading\"><strong>Heading</strong></p>"
        );
    }

    #[test]
    fn line_breaks_stay_and_an_empty_note_is_empty() {
        assert_eq!(
            note_html("first line\nsecond line"),
            "<p>first line<br>second line</p>"
        );
        assert_eq!(note_html(""), "");
        assert_eq!(note_html("  \n "), "");
    }

    #[test]
    fn raw_html_shows_as_text() {
        let html =
            note_html("<img src=x onerror=alert(1)>\n\nand <b>bold</b> <script>x()</script>");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn an_html_block_is_its_lines_of_text() {
        assert_eq!(
            note_html("<script>alert(2)</script>\n"),
            "<p>&lt;script&gt;alert(2)&lt;/script&gt;</p>"
        );
        assert_eq!(
            note_html("<div>\none\ntwo</div>\n\nafter"),
            "<p>&lt;div&gt;<br>one<br>two&lt;/div&gt;</p><p>after</p>"
        );
    }

    #[test]
    fn only_web_and_mail_links_are_links() {
        assert_eq!(
            note_html("[x](javascript:alert(1)) [y](data:text/html,hi) [z](mailto:a@b.org)"),
            "<p>x y <a href=\"mailto:a@b.org\" target=\"_blank\" rel=\"noopener noreferrer\">z</a></p>"
        );
        // An autolink-looking attribute cannot break out of the href.
        let html = note_html("[q](https://e.org/\"onmouseover=\"x)");
        assert!(!html.contains("\"onmouseover"), "{html}");
        assert_eq!(
            note_html("![a picture](https://e.org/p.png)"),
            "<p>a picture</p>"
        );
    }

    #[test]
    fn every_tag_opened_is_closed() {
        for source in [
            "*a",
            "**a *b",
            "- a\n  - b\n    > c",
            "> - [a](http://x) *b",
            "`x",
            "<div>\n*a*\n</div>",
        ] {
            let html = note_html(source);
            for tag in [
                "p",
                "em",
                "strong",
                "a",
                "ul",
                "ol",
                "li",
                "blockquote",
                "pre",
                "code",
            ] {
                let opened = html.matches(&format!("<{tag}>")).count()
                    + html.matches(&format!("<{tag} ")).count();
                let closed = html.matches(&format!("</{tag}>")).count();
                assert_eq!(opened, closed, "<{tag}> in {html:?} from {source:?}");
            }
        }
    }
}
