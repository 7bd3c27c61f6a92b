//! An HTML subtree → [`Block`]s with their styles. Only text ever comes out: scripts, styles,
//! embedded frames, SVG, form controls and the like are skipped whole; attributes are read for
//! link targets (http, https and mailto only), image `alt` texts, list numbers and visibility,
//! never copied. Whitespace is collapsed as a browser shows it, except in `<pre>`.

use crate::dom::{is_probably_visible, Dom, Id};
use marginalia_core::article::{Block, BlockKind, Style, StyleSpan};
use marginalia_core::span::CharSpan;

/// Elements whose content is never text to read (or never safe to read as text).
pub(crate) const SKIPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "canvas",
    "video",
    "audio",
    "source",
    "track",
    "map",
    "head",
    "title",
    "meta",
    "link",
    "base",
    "param",
    "select",
    "option",
    "optgroup",
    "datalist",
    "textarea",
    "input",
    "button",
    "dialog",
    "annotation-xml",
    "portal",
    "slot",
];

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "nav",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hgroup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "caption",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "hr",
    "address",
    "details",
    "summary",
    "center",
    "fieldset",
    "legend",
    "body",
    "html",
    "menu",
];

/// Whether a link target may be kept: http, https and mailto only.
pub(crate) fn safe_link(href: &str, base: Option<&str>) -> Option<String> {
    let href: String = href
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
    {
        return Some(href);
    }
    if href.is_empty() || href.starts_with('#') || has_scheme(&href) {
        return None;
    }
    resolve(&href, base?)
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => {
            let scheme = &s[..i];
            !scheme.contains(['/', '?', '#'])
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        _ => false,
    }
}

/// A relative reference made absolute against an http(s) base.
fn resolve(href: &str, base: &str) -> Option<String> {
    let lower = base.to_ascii_lowercase();
    let scheme_len = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let base = base.split(['#', '?']).next().unwrap_or(base);
    let host_end = base[scheme_len..]
        .find('/')
        .map_or(base.len(), |i| scheme_len + i);
    let origin = &base[..host_end];
    let out = if let Some(rest) = href.strip_prefix("//") {
        format!("{}//{rest}", &base[..scheme_len - 2])
    } else if href.starts_with('/') {
        format!("{origin}{href}")
    } else if href.starts_with('?') {
        format!("{base}{href}")
    } else {
        let path = &base[host_end..];
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        format!("{origin}{dir}{href}")
    };
    Some(out)
}

/// The text an image reads as: its `alt`, unless that is only a file name or TeX source, or the
/// image's figure has a caption (which says it better).
fn image_text(dom: &Dom, img: Id) -> Option<&str> {
    let alt = dom.attr(img, "alt")?.trim();
    if alt.is_empty() || alt.contains("\\displaystyle") {
        return None;
    }
    let lower = alt.to_ascii_lowercase();
    let file_name = !alt.contains(' ')
        && [".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".avif"]
            .iter()
            .any(|e| lower.ends_with(e));
    if file_name {
        return None;
    }
    let mut n = img;
    for _ in 0..4 {
        let Some(p) = dom.parent(n) else { break };
        if dom.tag(p) == "figure" {
            if dom.find_first(p, "figcaption").is_some() {
                return None;
            }
            break;
        }
        n = p;
    }
    Some(alt)
}

struct OpenStyle {
    style: Option<Style>,
    start: usize,
    start_byte: usize,
    /// The element that opened it.
    owner: Id,
}

struct Ctx {
    /// Ordered-list counters (None for bullets), innermost last.
    lists: Vec<Option<u64>>,
    quote_depth: usize,
    pre_depth: usize,
    heading: Option<u8>,
    /// A list item waiting for its first block: its number.
    pending_item: Option<Option<u64>>,
}

pub(crate) struct Builder {
    base: Option<String>,
    pub blocks: Vec<Block>,
    current: Option<Block>,
    chars: usize,
    pending_space: bool,
    styles: Vec<OpenStyle>,
    ctx: Ctx,
    /// Whether a table cell was already written in the current row.
    cell_in_row: bool,
    /// The walk still to do: (node, exiting).
    stack: Vec<(Id, bool)>,
    skip_hidden: bool,
}

impl Builder {
    pub fn new(base: Option<&str>) -> Self {
        Builder {
            base: base.map(str::to_string),
            blocks: Vec::new(),
            stack: Vec::new(),
            skip_hidden: false,
            current: None,
            chars: 0,
            pending_space: false,
            styles: Vec::new(),
            ctx: Ctx {
                lists: Vec::new(),
                quote_depth: 0,
                pre_depth: 0,
                heading: None,
                pending_item: None,
            },
            cell_in_row: false,
        }
    }

    fn kind(&mut self) -> BlockKind {
        if let Some(level) = self.ctx.heading {
            return BlockKind::Heading(level);
        }
        if self.ctx.pre_depth > 0 {
            return BlockKind::Code;
        }
        if let Some(n) = self.ctx.pending_item.take() {
            return BlockKind::ListItem(n);
        }
        if self.ctx.quote_depth > 0 {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        }
    }

    /// Ends the current block (a block element starts or ends).
    fn finish(&mut self) {
        self.pending_space = false;
        let Some(mut b) = self.current.take() else {
            return;
        };
        let len = self.chars;
        for s in &mut self.styles {
            if let Some(style) = &s.style {
                if s.start < len {
                    b.styles.push(StyleSpan {
                        span: CharSpan::new(s.start, len),
                        style: style.clone(),
                    });
                }
            }
            s.start = 0;
            s.start_byte = 0;
        }
        let trimmed = b.text.trim_end().len();
        if trimmed < b.text.len() {
            b.text.truncate(trimmed);
            let len = b.text.chars().count();
            b.styles.retain_mut(|s| {
                s.span.end = s.span.end.min(len);
                s.span.start < s.span.end
            });
        }
        b.styles
            .sort_by_key(|s| (s.span.start, std::cmp::Reverse(s.span.end)));
        if !b.text.trim().is_empty() {
            self.blocks.push(b);
        }
        self.chars = 0;
    }

    fn ensure_block(&mut self) -> &mut Block {
        if self.current.is_none() {
            let kind = self.kind();
            self.current = Some(Block {
                kind,
                text: String::new(),
                styles: Vec::new(),
            });
            self.chars = 0;
        }
        self.current.as_mut().expect("just made")
    }

    fn push_raw(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        let n = t.chars().count();
        self.ensure_block().text.push_str(t);
        self.chars += n;
    }

    /// Text as a browser lays it out: whitespace runs are one space, none at a block's start.
    pub fn text(&mut self, t: &str) {
        if self.ctx.pre_depth > 0 {
            self.push_raw(t);
            return;
        }
        for (i, word) in t.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.pending_space = true;
            }
            if word.is_empty() {
                continue;
            }
            if self.pending_space && self.chars > 0 {
                self.push_raw(" ");
            }
            self.pending_space = false;
            self.push_raw(word);
        }
    }

    fn line_break(&mut self) {
        if self.current.is_some() && self.chars > 0 {
            self.pending_space = false;
            self.push_raw("\n");
        }
    }

    fn open_style(&mut self, style: Option<Style>, owner: Id) {
        let (start, start_byte) = match &self.current {
            Some(b) => (self.chars, b.text.len()),
            None => (0, 0),
        };
        self.styles.push(OpenStyle {
            style,
            start,
            start_byte,
            owner,
        });
    }

    fn close_style(&mut self, owner: Id) {
        let Some(pos) = self.styles.iter().rposition(|s| s.owner == owner) else {
            return;
        };
        let s = self.styles.remove(pos);
        let (Some(style), Some(block)) = (s.style, self.current.as_mut()) else {
            return;
        };
        // Leading whitespace is not part of the styled run.
        let mut start = s.start;
        if let Some(rest) = block.text.get(s.start_byte..) {
            start += rest.chars().take_while(|c| c.is_whitespace()).count();
        }
        if start < self.chars {
            block.styles.push(StyleSpan {
                span: CharSpan::new(start, self.chars),
                style,
            });
        }
    }

    fn enter(&mut self, dom: &Dom, id: Id) {
        let tag = dom.tag(id);
        if BLOCKS.contains(&tag) {
            self.finish();
        }
        match tag {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = tag[1..].parse::<u8>().unwrap_or(2).max(2);
                self.ctx.heading = Some(level);
            }
            "blockquote" => self.ctx.quote_depth += 1,
            "pre" => self.ctx.pre_depth += 1,
            "ul" | "menu" => self.ctx.lists.push(None),
            "ol" => {
                let start = dom
                    .attr(id, "start")
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .unwrap_or(1);
                self.ctx.lists.push(Some(start));
            }
            "li" => {
                let number = match self.ctx.lists.last_mut() {
                    Some(Some(n)) => {
                        if let Some(v) = dom.attr(id, "value").and_then(|v| v.trim().parse().ok()) {
                            *n = v;
                        }
                        let this = *n;
                        *n += 1;
                        Some(this)
                    }
                    _ => None,
                };
                self.ctx.pending_item = Some(number);
            }
            "tr" => self.cell_in_row = false,
            "td" | "th" => {
                if self.cell_in_row && self.chars > 0 {
                    self.pending_space = false;
                    self.push_raw(" | ");
                }
                self.cell_in_row = true;
            }
            "br" => self.line_break(),
            "img" => {
                if let Some(alt) = image_text(dom, id) {
                    self.text(" ");
                    self.text(alt);
                    self.text(" ");
                }
            }
            "a" => {
                let style = dom
                    .attr(id, "href")
                    .and_then(|h| safe_link(h, self.base.as_deref()))
                    .map(Style::Link);
                self.open_style(style, id);
            }
            "em" | "i" | "cite" | "dfn" | "var" => self.open_style(Some(Style::Emphasis), id),
            "strong" | "b" => self.open_style(Some(Style::Strong), id),
            "code" | "kbd" | "samp" | "tt" if self.ctx.pre_depth == 0 => {
                self.open_style(Some(Style::Code), id)
            }
            _ => {}
        }
    }

    fn exit(&mut self, dom: &Dom, id: Id) {
        let tag = dom.tag(id);
        match tag {
            "a" | "em" | "i" | "cite" | "dfn" | "var" | "strong" | "b" | "code" | "kbd"
            | "samp" | "tt" => self.close_style(id),
            _ => {}
        }
        if BLOCKS.contains(&tag) {
            self.finish();
        }
        match tag {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.ctx.heading = None,
            "blockquote" => self.ctx.quote_depth = self.ctx.quote_depth.saturating_sub(1),
            "pre" => self.ctx.pre_depth = self.ctx.pre_depth.saturating_sub(1),
            "ul" | "ol" | "menu" => {
                self.ctx.lists.pop();
            }
            "li" => self.ctx.pending_item = None,
            _ => {}
        }
    }

    /// Adds the blocks of `root`'s subtree; `skip_hidden` leaves out what the page hides.
    pub fn add(&mut self, dom: &Dom, root: Id, skip_hidden: bool) {
        self.start(root, skip_hidden);
        self.run(dom, usize::MAX);
    }

    /// Starts on `root`'s subtree ([`Builder::run`] does the work).
    pub fn start(&mut self, root: Id, skip_hidden: bool) {
        self.stack = vec![(root, false)];
        self.skip_hidden = skip_hidden;
    }

    /// Goes on for at most `budget` nodes; true when the subtree is done.
    pub fn run(&mut self, dom: &Dom, budget: usize) -> bool {
        let mut left = budget;
        while let Some((id, exiting)) = self.stack.pop() {
            if !dom.is_element(id) {
                if !dom.nodes[id].never_read {
                    self.text(&dom.nodes[id].text);
                }
            } else if exiting {
                self.exit(dom, id);
            } else if !(dom.nodes[id].never_read
                || SKIPPED.contains(&dom.tag(id))
                || (self.skip_hidden && !is_probably_visible(dom, id)))
            {
                self.enter(dom, id);
                self.stack.push((id, true));
                self.stack
                    .extend(dom.children(id).iter().rev().map(|&c| (c, false)));
            }
            left = left.saturating_sub(1);
            if left == 0 {
                return self.stack.is_empty();
            }
        }
        true
    }

    pub fn into_blocks(mut self) -> Vec<Block> {
        self.finish();
        self.blocks
    }
}

/// Headings (or short lines) that start the page's tail rather than the article: related posts,
/// the comment form, sharing buttons.
fn is_tail_marker(block: &Block) -> bool {
    let heading = matches!(block.kind, BlockKind::Heading(_));
    let text = block
        .text
        .trim()
        .trim_end_matches([':', '.', '!'])
        .to_lowercase();
    if !heading && text.chars().count() > 30 {
        return false;
    }
    const MARKERS: &[&str] = &[
        "similar posts",
        "similar articles",
        "related posts",
        "related articles",
        "related stories",
        "you may also like",
        "you might also like",
        "leave a reply",
        "leave a comment",
        "post a comment",
        "add a comment",
        "share this",
        "like this",
        "post navigation",
        "required fields are marked *",
    ];
    MARKERS.contains(&text.as_str())
}

/// Drops a page's tail (from a "Similar posts", "Leave a reply" … line on), when something comes
/// before it.
pub(crate) fn drop_tail(blocks: &mut Vec<Block>) {
    if let Some(i) = blocks.iter().skip(1).position(is_tail_marker) {
        blocks.truncate(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_kept_only_for_the_web_and_mail() {
        assert_eq!(
            safe_link("https://a.example/x", None).as_deref(),
            Some("https://a.example/x")
        );
        assert_eq!(safe_link("javascript:alert(1)", None), None);
        assert_eq!(safe_link(" JaVaScRiPt:alert(1)", None), None);
        assert_eq!(safe_link("java\nscript:alert(1)", None), None);
        assert_eq!(
            safe_link("data:text/html,x", Some("https://a.example/")),
            None
        );
        assert_eq!(safe_link("vbscript:x", Some("https://a.example/")), None);
        assert_eq!(
            safe_link("/b/c", Some("https://a.example/x/y?q")).as_deref(),
            Some("https://a.example/b/c")
        );
        assert_eq!(
            safe_link("c", Some("https://a.example/x/y")).as_deref(),
            Some("https://a.example/x/c")
        );
        assert_eq!(
            safe_link("//cdn.example/z", Some("https://a.example/")).as_deref(),
            Some("https://cdn.example/z")
        );
        assert_eq!(safe_link("#top", Some("https://a.example/")), None);
        assert_eq!(safe_link("c", None), None);
    }
}
