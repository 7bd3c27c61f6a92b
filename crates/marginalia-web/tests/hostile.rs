//! Hostile content never survives into a Document: scripts, event handlers, `javascript:` and
//! other non-web links, frames, SVG with `onload`, meta refresh, CSS expressions, form controls.
//! Everything comes out as text, and links keep only http, https and mailto targets.

mod common;

use marginalia_core::article::{Document, Style};
use marginalia_web::tree::{Element, Node};
use marginalia_web::{read_clipboard, read_page};

const HOSTILE_BODY: &str = r#"
<article class="post-content">
  <h1>Hostile page for testing the sanitiser</h1>
  <p onclick="alert('ONCLICK')" style="width: expression(alert('CSSEXPR'))">The first paragraph is
  long enough to be read as the article, with commas, clauses, and more words than a caption
  would ever have. It links <a href="javascript:alert('JSLINK')">a script</a>,
  <a href=" JaVaScRiPt:alert('JSLINK2')">a mixed-case script</a>,
  <a href="java&#10;script:alert('JSLINK3')">a split script</a>,
  <a href="data:text/html,&lt;script&gt;alert('DATALINK')&lt;/script&gt;">a data page</a>,
  <a href="vbscript:msgbox('VBLINK')">a VB script</a>,
  <a href="https://example.org/safe">a safe page</a> and <a href="mailto:a@example.org">a mail</a>.</p>
  <script>alert('SCRIPTTEXT')</script>
  <style>p { background: url("javascript:alert('STYLETEXT')") }</style>
  <iframe src="https://evil.example/" srcdoc="<script>alert('IFRAMETEXT')</script>">IFRAMETEXT</iframe>
  <svg onload="alert('SVGONLOAD')"><script>alert('SVGSCRIPT')</script><text>SVGTEXT</text></svg>
  <p>The second paragraph goes on about the subject, with enough words, commas, and full stops to
  be kept. <img src="x" onerror="alert('ONERROR')" alt="A harmless picture of a cat"> It ends here.</p>
  <noscript>NOSCRIPTTEXT</noscript>
  <template><p>TEMPLATETEXT</p></template>
  <object data="x.swf">OBJECTTEXT</object><embed src="x.swf">
  <form action="javascript:alert('FORMACTION')"><input value="INPUTVALUE"><textarea>TEXTAREATEXT</textarea>
  <button onclick="alert('BUTTONTEXT')">BUTTONTEXT</button><select><option>OPTIONTEXT</option></select></form>
  <math><annotation-xml encoding="text/html"><script>alert('MATHSCRIPT')</script></annotation-xml></math>
  <p>A third paragraph, still about the subject, and still long enough, with commas, to be kept in
  the article as the reader expects it to be.</p>
</article>"#;

fn hostile_page() -> String {
    format!(
        r#"<!DOCTYPE html><html><head>
<title>Hostile page for testing the sanitiser</title>
<meta http-equiv="refresh" content="0; url=javascript:alert('REFRESH')">
<script>alert('HEADSCRIPT')</script>
<style>body {{ behavior: url(evil.htc); width: expression(alert('HEADCSS')) }}</style>
</head><body onload="alert('BODYONLOAD')">{HOSTILE_BODY}</body></html>"#
    )
}

const NEVER: &[&str] = &[
    "alert",
    "SCRIPTTEXT",
    "STYLETEXT",
    "IFRAMETEXT",
    "SVG",
    "NOSCRIPTTEXT",
    "TEMPLATETEXT",
    "OBJECTTEXT",
    "INPUTVALUE",
    "TEXTAREATEXT",
    "BUTTONTEXT",
    "OPTIONTEXT",
    "expression",
    "javascript",
    "refresh",
    "onclick",
    "onerror",
    "onload",
];

fn assert_clean(doc: &Document) {
    let mut all = doc.title.clone();
    for b in &doc.blocks {
        all.push('\n');
        all.push_str(&b.text);
        for s in &b.styles {
            assert!(
                s.span.end <= b.text.chars().count(),
                "a style runs past its block"
            );
            if let Style::Link(href) = &s.style {
                let lower = href.to_ascii_lowercase();
                assert!(
                    lower.starts_with("https://")
                        || lower.starts_with("http://")
                        || lower.starts_with("mailto:"),
                    "unsafe link kept: {href}"
                );
                all.push('\n');
                all.push_str(href);
            }
        }
    }
    all.push_str(doc.source_line.as_deref().unwrap_or(""));
    for word in NEVER {
        assert!(
            !all.to_lowercase().contains(&word.to_lowercase()),
            "{word} survived into the document:\n{all}"
        );
    }
}

#[test]
fn a_hostile_page_comes_out_as_text_only() {
    let page = common::parse_page(&hostile_page());
    let article = read_page(&page, Some("https://news.example/a/b.html")).expect("an article");
    let doc = &article.document;
    assert_clean(doc);
    assert_eq!(doc.title, "Hostile page for testing the sanitiser");
    let text = doc
        .text()
        .slice(marginalia_core::span::CharSpan::new(0, doc.len_chars()));
    assert!(text.contains("The first paragraph"));
    assert!(text.contains("A harmless picture of a cat"));
    assert!(text.contains("A third paragraph"));
    let links: Vec<&str> = doc
        .blocks
        .iter()
        .flat_map(|b| b.styles.iter())
        .filter_map(|s| match &s.style {
            Style::Link(h) => Some(h.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(links, ["https://example.org/safe", "mailto:a@example.org"]);
}

#[test]
fn a_hostile_paste_comes_out_as_text_only() {
    let fragment = common::parse_fragment(HOSTILE_BODY);
    let doc = read_clipboard(&fragment, None).expect("a document");
    assert_clean(&doc);
    assert_eq!(doc.title, "Hostile page for testing the sanitiser");
}

/// A tree the browser edge could build by hand, with what an HTML parser would never produce:
/// script text inside a paragraph's own script child, upper-case tags, attributes on text-like
/// elements.
#[test]
fn a_hand_built_tree_is_sanitised_too() {
    let p = Element::new("P")
        .attr("onmouseover", "alert('HOVER')")
        .text("Some words before ")
        .child(Element::new("SCRIPT").text("alert('SCRIPTTEXT')"))
        .child(
            Element::new("A")
                .attr("HREF", "javascript:alert('JSLINK')")
                .text("a link"),
        )
        .child(Element::new("iframe").text("IFRAMETEXT"))
        .text(" and after.");
    let body = Element::new("body").child(Element::new("div").child(p));
    let page = Node::Element(
        Element::new("html")
            .child(Element::new("head").child(Element::new("title").text("Hand built")))
            .child(body),
    );
    let doc = read_page(&page, None).expect("an article").document;
    assert_clean(&doc);
    assert_eq!(doc.blocks[0].text, "Some words before a link and after.");
    let doc = read_clipboard(&page, None).expect("a document");
    assert_clean(&doc);
}
