//! Properties over arbitrary trees: extraction and pasting never panic, never let the text of a
//! script (or any element that is never read) into the document, keep only web and mail links,
//! and make well-formed documents; the stepped extraction always ends.

use marginalia_core::article::{Document, Style};
use marginalia_web::tree::{Element, Node};
use marginalia_web::{read_clipboard, read_page, Extraction, Step, WebError};
use proptest::prelude::*;

const TAGS: &[&str] = &[
    "div",
    "p",
    "span",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "code",
    "pre",
    "h1",
    "h2",
    "h3",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "tbody",
    "tr",
    "td",
    "th",
    "br",
    "img",
    "section",
    "article",
    "nav",
    "aside",
    "footer",
    "header",
    "form",
    "input",
    "button",
    "script",
    "style",
    "noscript",
    "iframe",
    "svg",
    "template",
    "object",
    "title",
    "body",
    "head",
    "meta",
    "font",
    "figure",
    "figcaption",
    "textarea",
    "select",
    "option",
    "math",
    "main",
    "dl",
    "dt",
    "dd",
    "hr",
    "time",
];

/// Elements whose text must never be read (a `<form>`'s is, as in Reader View: ASP.NET pages wrap
/// the whole page in one; its controls are not).
const NEVER_READ: &[&str] = &[
    "script", "style", "noscript", "iframe", "svg", "template", "object", "textarea", "select",
    "option", "button",
];

fn attribute() -> impl Strategy<Value = (String, String)> {
    let pick = |name: &'static str, values: &'static [&'static str]| {
        prop::sample::select(values).prop_map(move |v| (name.to_string(), v.to_string()))
    };
    prop_oneof![
        pick(
            "class",
            &[
                "comment", "content", "sidebar", "share", "post", "ad-break", "hidden", "byline",
                ""
            ]
        ),
        pick("id", &["main", "footer", "related", "article", "x"]),
        pick(
            "href",
            &[
                "javascript:alert(1)",
                "https://ok.example/a",
                "/rel",
                "#top",
                "mailto:a@b.example",
                "data:text/html,x",
                " JAVASCRIPT:x",
                "vbscript:x"
            ]
        ),
        pick(
            "style",
            &[
                "display:none",
                "color:red",
                "width:expression(alert(1))",
                "visibility: hidden"
            ]
        ),
        pick("onclick", &["alert(1)"]),
        pick("alt", &["a picture", "", "photo.jpg"]),
        pick("hidden", &[""]),
        pick("aria-hidden", &["true", "false"]),
        pick("role", &["navigation", "main", "dialog"]),
        pick("rel", &["author", "canonical"]),
        pick("itemprop", &["author", "name"]),
        pick("type", &["application/ld+json"]),
        pick("start", &["3", "-1", "x"]),
    ]
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf = "[a-y ,.]{0,60}".prop_map(Node::Text);
    leaf.prop_recursive(7, 160, 6, |inner| {
        (
            prop::sample::select(TAGS),
            prop::collection::vec(attribute(), 0..3),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(tag, attributes, children)| {
                Node::Element(Element {
                    name: tag.to_string(),
                    attributes,
                    children,
                })
            })
    })
}

/// Text under an element that is never read becomes the marker "zqx" (the generated text has no
/// 'z'), so the marker in a document means such text leaked.
fn mark(node: &mut Node, hidden: bool) {
    match node {
        Node::Text(t) => {
            if hidden {
                *t = format!("zqx {t}");
            }
        }
        Node::Element(e) => {
            let hidden = hidden || NEVER_READ.contains(&e.name.as_str());
            for c in &mut e.children {
                mark(c, hidden);
            }
        }
    }
}

fn page(body: Node, wrap: bool) -> Node {
    let mut n = if wrap {
        Node::Element(
            Element::new("html")
                .child(Element::new("head").child(Element::new("title").text("A title")))
                .child(Element::new("body").child(body)),
        )
    } else {
        body
    };
    mark(&mut n, false);
    n
}

fn check(doc: &Document) -> Result<(), TestCaseError> {
    prop_assert!(!doc.title.contains("zqx"), "title {:?}", doc.title);
    prop_assert!(!doc.blocks.is_empty());
    for (i, b) in doc.blocks.iter().enumerate() {
        prop_assert!(!b.text.contains("zqx"), "leaked: {:?}", b.text);
        prop_assert!(!b.text.trim().is_empty());
        prop_assert_eq!(doc.text().slice(doc.block_span(i)), b.text.clone());
        let len = b.text.chars().count();
        for s in &b.styles {
            prop_assert!(
                s.span.start < s.span.end && s.span.end <= len,
                "{:?} in {:?}",
                s,
                b.text
            );
            if let Style::Link(h) = &s.style {
                prop_assert!(
                    h.starts_with("https://")
                        || h.starts_with("http://")
                        || h.starts_with("mailto:"),
                    "link {:?}",
                    h
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn reading_a_page_never_panics_nor_leaks(body in tree(), wrap in any::<bool>()) {
        let page = page(body, wrap);
        match read_page(&page, Some("https://site.example/a/b")) {
            Ok(a) => {
                check(&a.document)?;
                prop_assert!(!a.metadata.title.contains("zqx"));
            }
            Err(e) => prop_assert_eq!(e, WebError::NoText),
        }
    }

    #[test]
    fn pasting_never_panics_nor_leaks(body in tree(), wrap in any::<bool>()) {
        let page = page(body, wrap);
        match read_clipboard(&page, None) {
            Ok(doc) => check(&doc)?,
            Err(e) => prop_assert_eq!(e, WebError::NoText),
        }
    }

    #[test]
    fn the_stepped_extraction_ends_in_a_few_steps(body in tree()) {
        let page = page(body, true);
        let mut e = Extraction::new(&page, None);
        let mut steps = 0;
        loop {
            steps += 1;
            prop_assert!(steps <= 36, "more than 36 steps");
            if let Step::Done(_) = e.step() {
                break;
            }
        }
    }
}

/// A page nested far deeper than a browser's parser nests (they stop at a few hundred levels):
/// the extraction does not recurse on the tree's depth.
#[test]
fn a_very_deep_tree_does_not_overflow_the_stack() {
    let mut n = Node::Element(
        Element::new("p")
            .text("The innermost paragraph, with words, commas, and more words to read."),
    );
    for i in 0..1_000 {
        n = Node::Element(Element::new(if i % 2 == 0 { "div" } else { "span" }).child(n));
    }
    let page = Node::Element(Element::new("html").child(Element::new("body").child(n)));
    let doc = read_page(&page, None).expect("an article").document;
    assert!(doc.blocks[0].text.starts_with("The innermost paragraph"));
    let doc = read_clipboard(&page, None).expect("a document");
    assert!(doc.blocks[0].text.starts_with("The innermost paragraph"));
}
