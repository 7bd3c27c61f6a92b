//! Web pages and pasted HTML, parsed by the browser's own HTML parser and walked into
//! marginalia-web's owned tree (`marginalia_web::Node`), and pages fetched from the web.
//!
//! `DOMParser` with `text/html` makes an inert document: it is never inserted into the page, its
//! scripts never run (a parsed document has no browsing context), its images, frames, styles
//! and `meta refresh` load nothing. Only element names, attributes and text are read from it;
//! marginalia-web decides what of that is kept.

use marginalia_web::{Element, Node};
use wasm_bindgen::JsCast;

/// The largest page read (a saved or fetched page's HTML; its article text is far smaller).
pub const MAX_PAGE_BYTES: usize = 20 * 1024 * 1024;

/// How many DOM nodes one step of [`Walk`] copies.
const WALK_STEP_NODES: usize = 1024;

/// Parses `html` as a whole page (`text/html`): the browser's own parser, nothing run.
fn parse(html: &str) -> Result<web_sys::Element, String> {
    let parser = web_sys::DomParser::new().map_err(|_| "the browser has no HTML parser")?;
    let doc = parser
        .parse_from_string(html, web_sys::SupportedType::TextHtml)
        .map_err(|_| "the browser could not parse it")?;
    doc.document_element()
        .ok_or_else(|| "it has no HTML in it".to_string())
}

/// A parsed page walked into an owned tree a few thousand nodes at a time ([`Walk::step`]), so a
/// large page never holds the browser for one long task. Iterative: a deeply nested page costs
/// no stack.
pub struct Walk {
    /// The elements being copied, outermost first, each with the next DOM child to copy.
    stack: Vec<(Element, Option<web_sys::Node>)>,
    done: Option<Element>,
}

impl Walk {
    /// Parses `html` and starts walking its `<html>` element.
    pub fn new(html: &str) -> Result<Walk, String> {
        let root = parse(html)?;
        let first = root.first_child();
        Ok(Walk {
            stack: vec![(shell(&root), first)],
            done: None,
        })
    }

    /// Copies up to [`WALK_STEP_NODES`] nodes; the tree once all are copied.
    pub fn step(&mut self) -> Option<Node> {
        for _ in 0..WALK_STEP_NODES {
            if self.advance() {
                return self.done.take().map(Node::Element);
            }
        }
        None
    }

    /// The whole tree at once (pasted HTML is small).
    pub fn run(mut self) -> Node {
        loop {
            if let Some(n) = self.step() {
                return n;
            }
        }
    }

    /// Copies one node; `true` when the walk is over.
    fn advance(&mut self) -> bool {
        let Some((_, next)) = self.stack.last_mut() else {
            return true;
        };
        match next.take() {
            Some(node) => {
                *next = node.next_sibling();
                match node.node_type() {
                    web_sys::Node::ELEMENT_NODE => {
                        let el: web_sys::Element = node.unchecked_into();
                        // A `<template>`'s contents are a separate fragment: never walked.
                        let first = el.first_child();
                        self.stack.push((shell(&el), first));
                    }
                    web_sys::Node::TEXT_NODE | web_sys::Node::CDATA_SECTION_NODE => {
                        if let (Some(text), Some((parent, _))) =
                            (node.node_value(), self.stack.last_mut())
                        {
                            parent.children.push(Node::Text(text));
                        }
                    }
                    // Comments, processing instructions, doctypes: not read.
                    _ => {}
                }
                false
            }
            None => {
                let Some((finished, _)) = self.stack.pop() else {
                    return true;
                };
                match self.stack.last_mut() {
                    Some((parent, _)) => {
                        parent.children.push(Node::Element(finished));
                        false
                    }
                    None => {
                        self.done = Some(finished);
                        true
                    }
                }
            }
        }
    }
}

/// An element's name and attributes, without its children.
fn shell(el: &web_sys::Element) -> Element {
    let attrs = el.attributes();
    let mut out = Element::new(el.local_name());
    for i in 0..attrs.length() {
        if let Some(a) = attrs.item(i) {
            out.attributes.push((a.name(), a.value()));
        }
    }
    out
}

/// Clipboard HTML (`text/html`) as a tree: the whole parsed document, so its `<title>` is there
/// for a paste that has no heading of its own.
pub fn clipboard_tree(html: &str) -> Result<Node, String> {
    Ok(Walk::new(html)?.run())
}

/// The page at `url`, fetched without credentials (`mode: cors`): its HTML and the address it
/// came from after redirects, or why not ([`FetchRefused`]).
pub async fn fetch_page(url: &str) -> Result<(String, String), FetchRefused> {
    let resp = gloo_net::http::Request::get(url)
        .credentials(web_sys::RequestCredentials::Omit)
        .send()
        .await
        .map_err(|_| FetchRefused::NotAllowed)?;
    if !resp.ok() {
        return Err(FetchRefused::Status(resp.status()));
    }
    let kind = resp.headers().get("content-type").unwrap_or_default();
    if !kind.is_empty() && !kind.to_ascii_lowercase().contains("html") {
        return Err(FetchRefused::NotHtml(kind));
    }
    let final_url = resp.url();
    let text = resp.text().await.map_err(|_| FetchRefused::NotAllowed)?;
    if text.len() > MAX_PAGE_BYTES {
        return Err(FetchRefused::TooLarge);
    }
    Ok((
        text,
        if final_url.is_empty() {
            url.to_string()
        } else {
            final_url
        },
    ))
}

/// Why a page could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchRefused {
    /// No answer the page may read: the site does not allow it (CORS), or it cannot be reached.
    NotAllowed,
    Status(u16),
    NotHtml(String),
    TooLarge,
}
