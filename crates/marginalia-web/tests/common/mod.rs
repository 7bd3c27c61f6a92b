//! The tests' stand-in for the browser edge: an HTML parser (html5ever, a dev-dependency only)
//! builds the tree the browser's `DOMParser` walk would, and the scoring of extracted text.
#![allow(dead_code)]

use html5ever::tendril::TendrilSink;
use marginalia_web::tree::{Element, Node};
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use std::collections::HashMap;

/// Parses a whole page; returns its `<html>` element.
pub fn parse_page(html: &str) -> Node {
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html);
    let children = dom.document.children.borrow();
    for c in children.iter() {
        if let Some(n) = convert(c) {
            if matches!(&n, Node::Element(e) if e.name == "html") {
                return n;
            }
        }
    }
    Node::Element(Element::new("html"))
}

/// Parses a fragment as the clipboard's HTML is (inside a `<body>`); returns the `<body>`.
pub fn parse_fragment(html: &str) -> Node {
    let Node::Element(page) = parse_page(html) else {
        unreachable!()
    };
    page.children
        .into_iter()
        .find(|c| matches!(c, Node::Element(e) if e.name == "body"))
        .unwrap_or(Node::Element(Element::new("body")))
}

fn convert(h: &Handle) -> Option<Node> {
    match &h.data {
        NodeData::Text { contents } => Some(Node::Text(contents.borrow().to_string())),
        NodeData::Element {
            name,
            attrs,
            template_contents,
            ..
        } => {
            let mut e = Element::new(name.local.to_string());
            for a in attrs.borrow().iter() {
                e.attributes
                    .push((a.name.local.to_string(), a.value.to_string()));
            }
            for c in h.children.borrow().iter() {
                if let Some(n) = convert(c) {
                    e.children.push(n);
                }
            }
            if let Some(t) = template_contents.borrow().as_ref() {
                for c in t.children.borrow().iter() {
                    if let Some(n) = convert(c) {
                        e.children.push(n);
                    }
                }
            }
            Some(Node::Element(e))
        }
        _ => None,
    }
}

/// The text of a tree (what `textContent` gives), script and style text left out.
pub fn text_of(n: &Node, out: &mut String) {
    match n {
        Node::Text(t) => out.push_str(t),
        Node::Element(e) => {
            if matches!(e.name.as_str(), "script" | "style" | "template") {
                return;
            }
            // Block boundaries separate words; inline ones do not ("<b>Credit</b>Photo").
            let inline = matches!(
                e.name.as_str(),
                "a" | "b"
                    | "i"
                    | "em"
                    | "strong"
                    | "span"
                    | "code"
                    | "sup"
                    | "sub"
                    | "small"
                    | "abbr"
                    | "cite"
                    | "font"
                    | "mark"
                    | "q"
                    | "s"
                    | "u"
                    | "time"
                    | "var"
                    | "kbd"
                    | "samp"
                    | "dfn"
                    | "del"
                    | "ins"
                    | "bdi"
                    | "bdo"
                    | "wbr"
                    | "tt"
            );
            if !inline {
                out.push(' ');
            }
            for c in &e.children {
                text_of(c, out);
            }
            if !inline {
                out.push(' ');
            }
        }
    }
}

/// Lowercase word tokens: runs of letters and digits.
pub fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Token-level F1 of `got` against `expected` (bags of words).
pub fn f1(got: &str, expected: &str) -> f64 {
    let g = tokens(got);
    let e = tokens(expected);
    if g.is_empty() && e.is_empty() {
        return 1.0;
    }
    if g.is_empty() || e.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in &e {
        *counts.entry(t).or_default() += 1;
    }
    let mut common = 0;
    for t in &g {
        if let Some(c) = counts.get_mut(t.as_str()) {
            if *c > 0 {
                *c -= 1;
                common += 1;
            }
        }
    }
    if common == 0 {
        return 0.0;
    }
    let p = common as f64 / g.len() as f64;
    let r = common as f64 / e.len() as f64;
    2.0 * p * r / (p + r)
}

/// The expected metadata fields Reader View gives (`expected-metadata.json`).
#[derive(Default, Debug)]
pub struct Expected {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub site_name: Option<String>,
    pub published_time: Option<String>,
    pub excerpt: Option<String>,
    pub lang: Option<String>,
}

pub fn expected_metadata(json: &str) -> Expected {
    let v: serde_json::Value = serde_json::from_str(json).expect("expected-metadata.json");
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Expected {
        title: s("title"),
        byline: s("byline"),
        site_name: s("siteName"),
        published_time: s("publishedTime"),
        excerpt: s("excerpt"),
        lang: s("lang"),
    }
}

/// One page's figures.
pub struct PageResult {
    pub name: String,
    pub f1: f64,
    pub title_ok: bool,
    pub title: String,
    pub expected_title: String,
    /// (field, matched) for byline, siteName, publishedTime, excerpt, lang.
    pub fields: Vec<(&'static str, bool)>,
    pub millis: f64,
}

/// Runs the extraction on `dir`/source.html and scores it against the expected files.
pub fn run_page(dir: &std::path::Path) -> PageResult {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let source = std::fs::read_to_string(dir.join("source.html")).expect("source.html");
    let expected_html = std::fs::read_to_string(dir.join("expected.html")).expect("expected.html");
    let meta = expected_metadata(
        &std::fs::read_to_string(dir.join("expected-metadata.json")).expect("metadata"),
    );
    let page = parse_page(&source);
    let start = std::time::Instant::now();
    let result = marginalia_web::read_page(&page, Some("http://fakehost/test/page.html"));
    let millis = start.elapsed().as_secs_f64() * 1000.0;
    let mut expected_text = String::new();
    text_of(&parse_page(&expected_html), &mut expected_text);
    let (got_text, got_meta) = match &result {
        Ok(a) => (
            a.document
                .blocks
                .iter()
                .map(|b| b.text.as_str())
                .collect::<Vec<_>>()
                .join("\n\n"),
            Some(a.metadata.clone()),
        ),
        Err(_) => (String::new(), None),
    };
    let f1 = f1(&got_text, &expected_text);
    if let Ok(d) = std::env::var("REPORT_DUMP") {
        let _ = std::fs::write(format!("{d}/{name}.got"), &got_text);
        let _ = std::fs::write(
            format!("{d}/{name}.want"),
            expected_text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = got_meta
        .as_ref()
        .map(|m| m.title.clone())
        .unwrap_or_default();
    let expected_title = meta.title.clone().unwrap_or_default();
    let title_ok = norm(&title) == norm(&expected_title);
    let same = |got: Option<&str>, want: &Option<String>| {
        got.map(norm).filter(|s| !s.is_empty())
            == want.as_deref().map(norm).filter(|s| !s.is_empty())
    };
    let m = got_meta.unwrap_or_default();
    if std::env::var("REPORT_DEBUG").is_ok() {
        eprintln!("{name}: got {m:?}\n  want {meta:?}");
    }
    let fields = vec![
        ("byline", same(m.byline.as_deref(), &meta.byline)),
        ("siteName", same(m.site_name.as_deref(), &meta.site_name)),
        (
            "publishedTime",
            same(m.published_time.as_deref(), &meta.published_time),
        ),
        ("excerpt", same(m.excerpt.as_deref(), &meta.excerpt)),
        ("lang", same(m.lang.as_deref(), &meta.lang)),
    ];
    PageResult {
        name,
        f1,
        title_ok,
        title,
        expected_title,
        fields,
        millis,
    }
}

/// The pages under `dir` (each a folder with source.html), sorted by name.
pub fn page_dirs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("pages folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("source.html").exists())
        .collect();
    out.sort();
    out
}
