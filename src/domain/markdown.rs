//! Readers' own articles: Markdown (through pulldown-cmark) and plain text, turned into a
//! [`Document`]. Raw HTML in Markdown is shown as text, never rendered; links keep only
//! `http`, `https` and `mailto` targets.

use crate::domain::article::{slugify, ArticleError, Block, BlockKind, Document, Style, StyleSpan};
use crate::domain::span::CharSpan;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::fmt;

/// The largest article a reader can open.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// What a document file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocFormat {
    Markdown,
    Plain,
}

impl DocFormat {
    /// The format a file name says (`.md`/`.markdown` → Markdown, else plain text).
    pub fn from_file_name(name: &str) -> DocFormat {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".md") || lower.ends_with(".markdown") {
            DocFormat::Markdown
        } else {
            DocFormat::Plain
        }
    }
}

/// Why a reader's file could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenError {
    TooLarge { bytes: usize },
    Empty { name: String },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::TooLarge { bytes } => write!(
                f,
                "the file is {:.1} MB; Marginalia opens articles of up to {} MB",
                *bytes as f64 / (1024.0 * 1024.0),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            OpenError::Empty { name } => write!(f, "{name} has no text to read"),
        }
    }
}

impl std::error::Error for OpenError {}

/// FNV-1a 64-bit: a stable fingerprint of a text (not for security).
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The id of a reader's document: its file name's slug and the fingerprint of its text, so the
/// same file opened again finds its annotations, and an edited version is a new document.
pub fn document_id(file_name: &str, text: &str) -> String {
    format!(
        "{}-{}",
        slugify(file_stem(file_name)),
        &fingerprint(text)[..8]
    )
}

/// The IRI annotations on a reader's document target.
pub fn document_iri(id: &str) -> String {
    format!("urn:marginalia:doc:{id}")
}

pub fn file_stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    }
}

/// Opens a reader's file as a document (checks the size first).
pub fn open_document(
    file_name: &str,
    format: DocFormat,
    text: &str,
) -> Result<Document, OpenError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(OpenError::TooLarge { bytes: text.len() });
    }
    let id = document_id(file_name, text);
    let iri = document_iri(&id);
    let doc = match format {
        DocFormat::Markdown => parse_markdown(&id, &iri, file_stem(file_name), text),
        DocFormat::Plain => parse_plain_text(&id, &iri, file_stem(file_name), text),
    };
    doc.map_err(|_| OpenError::Empty {
        name: file_name.to_string(),
    })
}

/// Plain text: paragraphs are separated by blank lines; lines inside one are joined by a space.
/// The title is `fallback_title` (the file name).
pub fn parse_plain_text(
    id: &str,
    iri: &str,
    fallback_title: &str,
    text: &str,
) -> Result<Document, ArticleError> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim).chain(std::iter::once("")) {
        if line.is_empty() {
            if !current.is_empty() {
                blocks.push(Block::paragraph(current.join(" ")));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if blocks.is_empty() {
        return Err(ArticleError::Empty);
    }
    Ok(Document::new(id, iri, fallback_title, blocks, None))
}

fn safe_link(dest: &str) -> Option<String> {
    let lower = dest.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        .then(|| dest.trim().to_string())
}

/// Builds blocks from pulldown-cmark events.
struct Builder {
    blocks: Vec<Block>,
    title: Option<String>,
    current: Option<Block>,
    /// Open inline styles: (style, start char_idx in the current block).
    open_styles: Vec<(Option<Style>, usize)>,
    quote_depth: usize,
    /// Ordered-list counters (None for bullets), innermost last.
    lists: Vec<Option<u64>>,
    in_heading: Option<u8>,
    title_pending: bool,
}

impl Builder {
    fn len_chars(&self) -> usize {
        self.current.as_ref().map_or(0, |b| b.text.chars().count())
    }

    fn begin(&mut self, kind: BlockKind) {
        self.finish();
        self.current = Some(Block {
            kind,
            text: String::new(),
            styles: Vec::new(),
        });
    }

    fn finish(&mut self) {
        if let Some(mut b) = self.current.take() {
            let trimmed_end = b.text.trim_end().len();
            b.text.truncate(trimmed_end);
            let len = b.text.chars().count();
            b.styles.retain_mut(|s| {
                s.span.end = s.span.end.min(len);
                s.span.start < s.span.end
            });
            if !b.text.trim().is_empty() {
                self.blocks.push(b);
            }
        }
    }

    fn push_text(&mut self, t: &str) {
        if self.current.is_none() {
            let kind = if self.quote_depth > 0 {
                BlockKind::Quote
            } else {
                BlockKind::Paragraph
            };
            self.begin(kind);
        }
        if let Some(b) = self.current.as_mut() {
            b.text.push_str(t);
        }
    }

    fn paragraph_kind(&self) -> BlockKind {
        if self.quote_depth > 0 {
            BlockKind::Quote
        } else {
            BlockKind::Paragraph
        }
    }
}

/// Markdown: headings, paragraphs, emphasis, links, block quotes, lists and code. The first
/// heading is the title (else `fallback_title`, the file name).
pub fn parse_markdown(
    id: &str,
    iri: &str,
    fallback_title: &str,
    text: &str,
) -> Result<Document, ArticleError> {
    let mut b = Builder {
        blocks: Vec::new(),
        title: None,
        current: None,
        open_styles: Vec::new(),
        quote_depth: 0,
        lists: Vec::new(),
        in_heading: None,
        title_pending: false,
    };
    for event in Parser::new(text) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => {
                    let n = match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        HeadingLevel::H4 => 4,
                        HeadingLevel::H5 => 5,
                        HeadingLevel::H6 => 6,
                    };
                    b.in_heading = Some(n);
                    b.title_pending = b.title.is_none();
                    b.begin(BlockKind::Heading(n.max(2)));
                }
                Tag::Paragraph => {
                    // A paragraph inside a list item continues the item's block.
                    let in_item = b.current.as_ref().is_some_and(|c| {
                        matches!(c.kind, BlockKind::ListItem(_)) && c.text.is_empty()
                    });
                    if !in_item {
                        let kind = b.paragraph_kind();
                        b.begin(kind);
                    }
                }
                Tag::BlockQuote(_) => {
                    b.finish();
                    b.quote_depth += 1;
                }
                Tag::List(start) => {
                    b.finish();
                    b.lists.push(start);
                }
                Tag::Item => {
                    let number = match b.lists.last_mut() {
                        Some(Some(n)) => {
                            let this = *n;
                            *n += 1;
                            Some(this)
                        }
                        _ => None,
                    };
                    b.begin(BlockKind::ListItem(number));
                }
                Tag::CodeBlock(_) => b.begin(BlockKind::Code),
                Tag::Emphasis => b.open_styles.push((Some(Style::Emphasis), b.len_chars())),
                Tag::Strong => b.open_styles.push((Some(Style::Strong), b.len_chars())),
                Tag::Link { dest_url, .. } => {
                    let style = safe_link(&dest_url).map(Style::Link);
                    b.open_styles.push((style, b.len_chars()));
                }
                Tag::Image { .. } => b.open_styles.push((None, b.len_chars())),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) => {
                    b.in_heading = None;
                    if b.title_pending {
                        b.title_pending = false;
                        if let Some(h) = b.current.take() {
                            let t = h.text.trim().to_string();
                            if !t.is_empty() {
                                b.title = Some(t);
                            }
                        }
                    } else {
                        b.finish();
                    }
                }
                TagEnd::Paragraph | TagEnd::CodeBlock => {
                    let in_item = b
                        .current
                        .as_ref()
                        .is_some_and(|c| matches!(c.kind, BlockKind::ListItem(_)));
                    if !in_item {
                        b.finish();
                    }
                }
                TagEnd::Item => b.finish(),
                TagEnd::List(_) => {
                    b.finish();
                    b.lists.pop();
                }
                TagEnd::BlockQuote(_) => {
                    b.finish();
                    b.quote_depth = b.quote_depth.saturating_sub(1);
                }
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Link | TagEnd::Image => {
                    if let Some((style, start)) = b.open_styles.pop() {
                        let end = b.len_chars();
                        if let (Some(style), Some(block)) = (style, b.current.as_mut()) {
                            if start < end {
                                block.styles.push(StyleSpan {
                                    span: CharSpan::new(start, end),
                                    style,
                                });
                            }
                        }
                    }
                }
                _ => {}
            },
            Event::Text(t) => b.push_text(&t),
            Event::Code(t) => {
                let start = b.len_chars();
                b.push_text(&t);
                let end = b.len_chars();
                if let Some(block) = b.current.as_mut() {
                    block.styles.push(StyleSpan {
                        span: CharSpan::new(start, end),
                        style: Style::Code,
                    });
                }
            }
            // Raw HTML is shown as the text it is, never rendered.
            Event::Html(t) | Event::InlineHtml(t) => b.push_text(&t),
            Event::SoftBreak => b.push_text(" "),
            Event::HardBreak => b.push_text("\n"),
            _ => {}
        }
    }
    b.finish();
    if b.blocks.is_empty() {
        return match b.title {
            Some(title) => Err(ArticleError::NoParagraphs { title }),
            None => Err(ArticleError::Empty),
        };
    }
    let title = b.title.unwrap_or_else(|| fallback_title.to_string());
    Ok(Document::new(id, iri, title, b.blocks, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD: &str = "# Field notes\n\nSome *emphasis*, **strong** and `code`, a [link](https://example.org) and a [bad one](javascript:alert(1)).\n\n## Section\n\n> Quoted words\n\n- first item\n- second item\n\n1. one\n2. two\n\n```\nlet x = 1;\n```\n\n<script>alert('x')</script>\n\nInline <img src=x onerror=alert(1)> html.\n";

    fn doc() -> Document {
        parse_markdown("d", "urn:d", "notes", MD).unwrap()
    }

    #[test]
    fn first_heading_is_the_title() {
        let d = doc();
        assert_eq!(d.title, "Field notes");
        assert_eq!(d.blocks[1].kind, BlockKind::Heading(2));
        assert_eq!(d.blocks[1].text, "Section");
    }

    #[test]
    fn inline_styles_and_safe_links() {
        let d = doc();
        let p = &d.blocks[0];
        assert_eq!(
            p.text,
            "Some emphasis, strong and code, a link and a bad one."
        );
        let style_text: Vec<(String, Style)> = p
            .styles
            .iter()
            .map(|s| {
                (
                    p.text
                        .chars()
                        .skip(s.span.start)
                        .take(s.span.len())
                        .collect(),
                    s.style.clone(),
                )
            })
            .collect();
        assert!(style_text.contains(&("emphasis".into(), Style::Emphasis)));
        assert!(style_text.contains(&("strong".into(), Style::Strong)));
        assert!(style_text.contains(&("code".into(), Style::Code)));
        assert!(style_text.contains(&("link".into(), Style::Link("https://example.org".into()))));
        assert!(
            !style_text.iter().any(|(t, _)| t == "bad one"),
            "javascript: links are dropped"
        );
    }

    #[test]
    fn quotes_lists_and_code_become_blocks() {
        let d = doc();
        let kinds: Vec<(BlockKind, &str)> = d
            .blocks
            .iter()
            .map(|b| (b.kind.clone(), b.text.as_str()))
            .collect();
        assert!(kinds.contains(&(BlockKind::Quote, "Quoted words")));
        assert!(kinds.contains(&(BlockKind::ListItem(None), "first item")));
        assert!(kinds.contains(&(BlockKind::ListItem(Some(2)), "two")));
        assert!(kinds.contains(&(BlockKind::Code, "let x = 1;")));
    }

    #[test]
    fn raw_html_is_text() {
        let d = doc();
        let all: Vec<&str> = d.blocks.iter().map(|b| b.text.as_str()).collect();
        assert!(all
            .iter()
            .any(|t| t.contains("<script>alert('x')</script>")));
        assert!(all
            .iter()
            .any(|t| t.contains("<img src=x onerror=alert(1)>")));
    }

    #[test]
    fn without_a_heading_the_file_name_is_the_title() {
        let d = parse_markdown("d", "urn:d", "my-notes", "Just a paragraph.").unwrap();
        assert_eq!(d.title, "my-notes");
        assert!(parse_markdown("d", "urn:d", "x", "   \n").is_err());
    }

    #[test]
    fn plain_text_paragraphs() {
        let d = open_document(
            "essay.txt",
            DocFormat::Plain,
            "First line\ncontinues.\n\nSecond.\n",
        )
        .unwrap();
        assert_eq!(d.title, "essay");
        assert_eq!(d.blocks.len(), 2);
        assert_eq!(d.blocks[0].text, "First line continues.");
    }

    #[test]
    fn ids_follow_name_and_text_and_size_is_limited() {
        let a = document_id("Notes.md", "hello");
        assert_eq!(a, document_id("Notes.md", "hello"));
        assert_ne!(a, document_id("Notes.md", "hello!"));
        assert!(a.starts_with("notes-"));
        let big = "a".repeat(MAX_DOCUMENT_BYTES + 1);
        let e = open_document("big.txt", DocFormat::Plain, &big).unwrap_err();
        assert!(e.to_string().contains("up to 5 MB"));
        assert_eq!(DocFormat::from_file_name("A.MD"), DocFormat::Markdown);
        assert_eq!(file_stem("dir/x.tar.md"), "x.tar");
    }

    #[test]
    fn styles_stay_inside_their_block() {
        let d = parse_markdown("d", "urn:d", "t", "*a*\n\n**bb** c").unwrap();
        for b in &d.blocks {
            for s in &b.styles {
                assert!(s.span.end <= b.text.chars().count());
            }
        }
    }
}
