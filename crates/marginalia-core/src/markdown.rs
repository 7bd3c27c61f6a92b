//! Readers' own articles: Markdown (through the small reader in `markdown_reader`) and
//! plain text, turned into a [`Document`]. Raw HTML in Markdown is shown as text, never rendered;
//! links keep only `http`, `https` and `mailto` targets.

use crate::article::{slugify, ArticleError, Block, BlockKind, Document, Style, StyleSpan};
use crate::span::CharSpan;
use crate::text::Megabytes;
use marginalia_markdown::{self as markdown_reader, Event, Tag, TagEnd};
use std::fmt;

/// The largest article a reader can open.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// What a document file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocFormat {
    Markdown,
    Plain,
    /// An article read from a web page or pasted HTML, kept as its blocks ([`web_text`]).
    Web,
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
    TooLarge { bytes: u64 },
    Empty { name: String },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::TooLarge { bytes } => write!(
                f,
                "the file is {} MB; Marginalia opens articles of up to {} MB",
                Megabytes(*bytes),
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

/// What a reader's document's IRI starts with ([`document_iri`]).
pub const DOC_IRI_PREFIX: &str = "urn:marginalia:doc:";

/// The IRI annotations on a reader's document target.
pub fn document_iri(id: &str) -> String {
    format!("{DOC_IRI_PREFIX}{id}")
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
        return Err(OpenError::TooLarge {
            bytes: text.len() as u64,
        });
    }
    let id = document_id(file_name, text);
    parse_document(&id, file_name, format, text).map_err(|_| OpenError::Empty {
        name: file_name.to_string(),
    })
}

/// The start of the made-up file name pasted text is kept under ([`pasted_file_name`]).
const PASTED_PREFIX: &str = "pasted-";

/// The file name pasted text is kept under: `pasted-<fingerprint>.md` (pasted text is read as
/// Markdown; plain paragraphs read the same).
pub fn pasted_file_name(text: &str) -> String {
    format!("{PASTED_PREFIX}{}.md", &fingerprint(text)[..8])
}

/// How long a title made from pasted text's first words may be, in characters (before the "…").
const PASTED_TITLE_CHARS: usize = 80;

/// Parses a reader's document, new or stored (`id` is kept as given). Its title is its first
/// heading, else the file's name without its extension; pasted text has no name of its own, so
/// it is titled by its first words instead ([`first_words`]). The title is not part of the text
/// annotations point into, so how it is made never moves an annotation.
pub fn parse_document(
    id: &str,
    file_name: &str,
    format: DocFormat,
    text: &str,
) -> Result<Document, ArticleError> {
    let iri = document_iri(id);
    let stem = file_stem(file_name);
    let mut doc = match format {
        DocFormat::Markdown => parse_markdown(id, &iri, stem, text),
        DocFormat::Plain => parse_plain_text(id, &iri, stem, text),
        DocFormat::Web => parse_web(id, &iri, text),
    }?;
    if file_name.starts_with(PASTED_PREFIX) && doc.title == stem {
        if let Some(first) = doc.blocks.first() {
            doc.title = first_words(&first.text, PASTED_TITLE_CHARS);
        }
    }
    Ok(doc)
}

/// An article from the web as it is kept: its title, blocks (with their styles) and source line,
/// as JSON. The page itself is not kept: it is read once, and its text is what annotations point
/// into.
#[derive(serde::Serialize, serde::Deserialize)]
struct WebText {
    title: String,
    blocks: Vec<Block>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_line: Option<String>,
}

/// The text [`DocFormat::Web`] keeps for `doc`.
pub fn web_text(doc: &Document) -> String {
    let kept = WebText {
        title: doc.title.clone(),
        blocks: doc.blocks.clone(),
        source_line: doc.source_line.clone(),
    };
    serde_json::to_string(&kept).unwrap_or_default()
}

/// The document [`web_text`] kept.
fn parse_web(id: &str, iri: &str, text: &str) -> Result<Document, ArticleError> {
    let kept: WebText = serde_json::from_str(text).map_err(|_| ArticleError::Empty)?;
    if kept.blocks.is_empty() {
        return Err(ArticleError::NoParagraphs { title: kept.title });
    }
    Ok(Document::new(
        id,
        iri,
        kept.title,
        kept.blocks,
        kept.source_line,
    ))
}

/// Longest first line of pasted text taken as its title; a longer one is a paragraph.
const TITLE_LINE_MAX_CHARS: usize = 150;

/// Pasted text's first line, offered as its title, and the text without it (so the title is not
/// read twice). A Markdown heading's marks are taken off the title. A text of one line keeps it
/// as its text too (there would be nothing left to read), and so does a text whose first line is
/// a whole paragraph (over 150 characters): its first words are offered as the title.
pub fn pasted_title(text: &str) -> (String, String) {
    let mut lines = text.lines();
    let mut first = "";
    let mut taken = 0;
    for line in lines.by_ref() {
        taken += 1;
        if !line.trim().is_empty() {
            first = line;
            break;
        }
    }
    let title = first
        .trim()
        .trim_start_matches('#')
        .trim_end_matches('#')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.chars().count() > TITLE_LINE_MAX_CHARS {
        return (first_words(&title, PASTED_TITLE_CHARS), text.to_string());
    }
    let rest: Vec<&str> = text.lines().skip(taken).collect();
    let rest = rest.join("\n");
    if rest.trim().is_empty() {
        return (title, text.to_string());
    }
    (title, rest.trim_start_matches('\n').to_string())
}

/// `text` (whitespace runs read as one space) up to `max_chars` characters, cut after a whole
/// word with "…" when longer (inside a word only when its first word alone is longer).
pub fn first_words(text: &str, max_chars: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let whole = words.join(" ");
    if whole.chars().count() <= max_chars {
        return whole;
    }
    let mut out = String::new();
    for w in &words {
        let more = usize::from(!out.is_empty()) + w.chars().count();
        if out.chars().count() + more > max_chars {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        out = whole.chars().take(max_chars).collect();
    }
    format!(
        "{}…",
        out.trim_end_matches([',', ';', ':', '.', '-', '–', '—'])
    )
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

pub(crate) fn safe_link(dest: &str) -> Option<String> {
    let lower = dest.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        .then(|| dest.trim().to_string())
}

/// Builds blocks from the Markdown reader's events.
struct Builder {
    blocks: Vec<Block>,
    title: Option<String>,
    current: Option<Block>,
    /// The length of `current`'s text in chars, kept as text is added (counting it at every
    /// style's start and end made a paragraph of many styles quadratic: 16,000 took 0.5 s).
    current_chars: usize,
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
        if self.current.is_some() {
            self.current_chars
        } else {
            0
        }
    }

    fn begin(&mut self, kind: BlockKind) {
        self.finish();
        self.current = Some(Block {
            kind,
            text: String::new(),
            styles: Vec::new(),
        });
        self.current_chars = 0;
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
            self.current_chars += t.chars().count();
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
    build(id, iri, fallback_title, markdown_reader::events(text))
}

/// The blocks of a stream of Markdown events.
fn build(
    id: &str,
    iri: &str,
    fallback_title: &str,
    events: impl IntoIterator<Item = Event>,
) -> Result<Document, ArticleError> {
    let mut b = Builder {
        blocks: Vec::new(),
        title: None,
        current: None,
        current_chars: 0,
        open_styles: Vec::new(),
        quote_depth: 0,
        lists: Vec::new(),
        in_heading: None,
        title_pending: false,
    };
    for event in events {
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading(n) => {
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
                Tag::BlockQuote => {
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
                Tag::CodeBlock => b.begin(BlockKind::Code),
                Tag::Emphasis => b.open_styles.push((Some(Style::Emphasis), b.len_chars())),
                Tag::Strong => b.open_styles.push((Some(Style::Strong), b.len_chars())),
                Tag::Link(dest_url) => {
                    let style = safe_link(&dest_url).map(Style::Link);
                    b.open_styles.push((style, b.len_chars()));
                }
                Tag::Image => b.open_styles.push((None, b.len_chars())),
            },
            Event::End(tag) => match tag {
                TagEnd::Heading => {
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
                TagEnd::List => {
                    b.finish();
                    b.lists.pop();
                }
                TagEnd::BlockQuote => {
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
            },
            // Raw HTML comes as text too: shown as the text it is, never rendered.
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
            Event::SoftBreak => b.push_text(" "),
            Event::HardBreak => b.push_text("\n"),
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

/// The old path, through pulldown-cmark: the reference the reader is tested against.
#[cfg(test)]
pub(crate) fn parse_markdown_pulldown(
    id: &str,
    iri: &str,
    fallback_title: &str,
    text: &str,
) -> Result<Document, ArticleError> {
    use pulldown_cmark as pd;
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
    let events = pd::Parser::new(text).filter_map(|e| match e {
        pd::Event::Start(t) => tag(t).map(Event::Start),
        pd::Event::End(t) => end(t).map(Event::End),
        pd::Event::Text(t) | pd::Event::Html(t) | pd::Event::InlineHtml(t) => {
            Some(Event::Text(t.to_string()))
        }
        pd::Event::Code(t) => Some(Event::Code(t.to_string())),
        pd::Event::SoftBreak => Some(Event::SoftBreak),
        pd::Event::HardBreak => Some(Event::HardBreak),
        _ => None,
    });
    build(id, iri, fallback_title, events)
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
    fn pasted_text_without_a_heading_is_titled_by_its_first_words() {
        let text = "A pasted note\n\nwith two paragraphs.";
        let name = pasted_file_name(text);
        // The name earlier builds made (their pasted documents keep their ids).
        assert_eq!(name, format!("pasted-{}.md", &fingerprint(text)[..8]));
        let d = open_document(&name, DocFormat::Markdown, text).unwrap();
        assert_eq!(d.title, "A pasted note");
        // The title is not taken out of the text: the first paragraph is still there to annotate.
        assert_eq!(d.blocks[0].text, "A pasted note");
        // Stored and read back, the same title.
        let stored = crate::library::StoredText {
            id: d.id.clone(),
            file_name: name.clone(),
            format: DocFormat::Markdown,
            text: text.into(),
            info: Default::default(),
        };
        assert_eq!(stored.to_document().unwrap(), d);

        let long = "**Pakistan's army chief** made a   historic visit to Iran this week, the first in years, officials said.";
        let d = open_document(&pasted_file_name(long), DocFormat::Markdown, long).unwrap();
        assert_eq!(
            d.title,
            "Pakistan's army chief made a historic visit to Iran this week, the first in…"
        );
        // A heading of its own wins; a file's name is still its title.
        let headed = "# Field Notes\n\nBody.";
        assert_eq!(
            open_document(&pasted_file_name(headed), DocFormat::Markdown, headed)
                .unwrap()
                .title,
            "Field Notes"
        );
        assert_eq!(
            open_document("notes.md", DocFormat::Markdown, text)
                .unwrap()
                .title,
            "notes"
        );
    }

    #[test]
    fn first_words_cut_after_a_whole_word() {
        assert_eq!(first_words("  one   two\nthree ", 60), "one two three");
        assert_eq!(first_words("one two, three", 9), "one two…");
        assert_eq!(first_words("one two three", 13), "one two three");
        assert_eq!(first_words("one two three", 12), "one two…");
        assert_eq!(
            first_words("Donaudampfschifffahrt ist lang", 8),
            "Donaudam…"
        );
        assert_eq!(first_words("ایران و پاکستان روابط", 10), "ایران و…");
    }

    proptest::proptest! {
        /// A title made of first words is the text's start (spaces made single), whole words
        /// but for one over-long first word, and at most `max` characters before its "…".
        #[test]
        fn first_words_is_a_start_of_the_text(text in "[a-z ,.\n\u{e9}\u{627}]{0,90}", max in 1usize..70) {
            let title = first_words(&text, max);
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let kept = title.strip_suffix('…').unwrap_or(&title);
            proptest::prop_assert!(flat.starts_with(kept), "{:?} from {:?}", title, text);
            proptest::prop_assert!(kept.chars().count() <= max);
            if kept.len() < flat.len() {
                proptest::prop_assert!(title.ends_with('…'));
                let next = flat[kept.len()..].chars().next();
                let whole_words = kept.is_empty() || next == Some(' ') || !kept.contains(' ')
                    || flat[kept.len()..].starts_with(|c: char| ",;:.".contains(c));
                proptest::prop_assert!(whole_words, "{:?} from {:?}", title, text);
            } else {
                proptest::prop_assert_eq!(&title, &flat);
            }
        }
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

    /// Differential tests: the hand-written reader against pulldown-cmark, on Markdown made of
    /// what readers write.
    mod against_pulldown {
        use super::*;
        use proptest::prelude::*;
        use proptest::sample::select;

        fn cases() -> u32 {
            std::env::var("MARGINALIA_FUZZ_CASES")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(512)
        }

        fn word() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => "[a-zA-Z]{1,8}",
                2 => select(vec![
                    "the", "reader", "margin", "notes", "café", "naïve", "Straße", "façade",
                    "中文", "日本語です", "Привет", "мир", "العربية", "עברית", "हिन्दी", "Ελληνικά",
                    "😀", "👍🏽", "🇵🇰", "👩‍👩‍👧", "e\u{301}", "✓", "→", "©", "€5", "“quoted”",
                    "‘single’", "—", "–", "…", "«guillemets»", "it's", "don't", "end.", "well,",
                    "yes!", "why?", "(aside)", "[note]", "x", "42", "3.14", "1st", "2019.", "7)", "snake_case",
                    "a_b_c", "2*3", "5*", "C++", "#hash", "@user", "me@example.org",
                    "https://example.org/x", "a|b", "~tilde~", "50%", "$5", "x^2", "a/b", "\"q\"",
                    "'s'", "}", "{", "=", "+", "-", "#", ">", ":",
                ])
                .prop_map(String::from),
            ]
        }

        fn words() -> impl Strategy<Value = String> {
            prop::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
        }

        fn url() -> impl Strategy<Value = String> {
            select(vec![
                "https://example.org",
                "https://example.org/a/b?c=d&e=f#g",
                "http://example.com/ü/😀",
                "HTTPS://EXAMPLE.ORG/CAPS",
                "mailto:me@example.org",
                "javascript:alert(1)",
                "/relative/path",
                "#anchor",
                "",
                "<https://example.org/with space>",
                "https://example.org/(paren)",
                "https://example.org/a\\_b",
                "https://example.org/a&amp;b",
                "https://example.org \"A title\"",
                "https://example.org 'single'",
                "https://example.org (paren title)",
            ])
            .prop_map(String::from)
        }

        /// Inline pieces without emphasis.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                8 => word(),
                1 => "[a-z *_<>\\[\\]#-]{1,10}".prop_map(|c| format!("`{c}`")),
                1 => "[a-z `]{1,8}".prop_map(|c| format!("`` {c} ``")),
                1 => (words(), url()).prop_map(|(t, u)| format!("[{t}]({u})")),
                1 => (words(), url()).prop_map(|(t, u)| format!("![{t}]({u})")),
                // Shortcut references end in a space: pulldown-cmark misses `[ref]\[x]`.
                1 => select(vec![
                    "<https://example.org/auto>", "<http://a.b/c?d>", "<me@example.org>",
                    "<mailto:me@example.org>", "[ref] ", "[Ref][]", "[words][ref]", "[text][other]",
                    "[missing] ", "[missing][nope]", "![ref] ",
                    // Labels match by Unicode full case folding.
                    "[STRASSE] ", "[straẞe][]", "[Σ ς][]",
                ])
                .prop_map(String::from),
                2 => select(vec![
                    "\\*", "\\_", "\\[", "\\]", "\\\\", "\\`", "\\#", "\\<", "\\&", "\\a",
                    "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&copy;", "&mdash;",
                    "&#x263A;", "&#128512;", "&#0;", "& ", "&amp", "<br>", "<br/>", "&eacute;",
                    "&ouml;", "&rarr;", "&lang;", "&apos;", "&AElig;",
                    "<span class=\"x\">", "</span>", "<a href='y'>", "<!-- note -->", "<?php ?>",
                    "*", "_", "**", "__", "[", "]", "`", "a < b", ">", "!", "![", "](", "()", "a *",
                    "* a", "_a", "a_", "2 * 3", "_ _",
                ])
                .prop_map(String::from),
            ]
        }

        /// Emphasis of either kind around `inner`, or `inner` as it is.
        fn emphasize(inner: BoxedStrategy<String>) -> BoxedStrategy<String> {
            let runs = prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.join(" "));
            prop_oneof![
                4 => inner,
                1 => (select(vec!["*", "_", "**", "__", "***", "*_", "_**"]), runs)
                    .prop_map(|(d, t)| {
                        let close: String = d.chars().rev().collect();
                        format!("{d}{t}{close}")
                    }),
            ]
            .boxed()
        }

        fn inline_token() -> BoxedStrategy<String> {
            emphasize(emphasize(piece().boxed()))
        }

        /// One line of prose: tokens, mostly space-separated, sometimes glued.
        fn line() -> impl Strategy<Value = String> {
            prop::collection::vec(
                (
                    inline_token(),
                    select(vec![" ", " ", " ", " ", "", "  ", ", "]),
                ),
                1..8,
            )
            .prop_map(|v| {
                let mut out = String::new();
                for (i, (t, sep)) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    out.push_str(t);
                }
                // A code span closing first thing on a lazy list line loses its spaces in
                // pulldown-cmark (`- -  x`\n   ``): no line starts with a backtick.
                if out.starts_with('`') {
                    out.insert_str(0, "so ");
                }
                out
            })
        }

        fn para_lines() -> impl Strategy<Value = Vec<String>> {
            prop::collection::vec(
                // (No trailing tab: pulldown-cmark then misses `# [ref]\t`'s reference.)
                (line(), select(vec!["", "", "", "", "  ", "\\", " ", "   "])),
                1..4,
            )
            .prop_flat_map(|v| {
                let lines: Vec<String> = v.into_iter().map(|(l, end)| l + end).collect();
                // Sometimes emphasis or a link runs over the paragraph's lines.
                let wraps = select(vec![
                    ("", ""),
                    ("", ""),
                    ("", ""),
                    ("*", "*"),
                    ("**", "**"),
                    ("_", "_"),
                    ("[", "](https://example.org/span)"),
                ]);
                (Just(lines), wraps)
            })
            .prop_map(|(mut lines, (open, close))| {
                if let Some(first) = lines.first_mut() {
                    first.insert_str(0, open);
                }
                if let Some(last) = lines.last_mut() {
                    let keep = last.trim_end().len();
                    last.truncate(keep);
                    last.push_str(close);
                }
                lines
            })
        }

        #[derive(Clone, Debug)]
        enum Gen {
            Para(Vec<String>),
            Heading(usize, String, bool),
            Setext(Vec<String>, bool),
            Rule(&'static str),
            Fence(&'static str, String, Vec<String>, bool),
            Indented(Vec<String>),
            Html(&'static str),
            Defs,
            Quote(Vec<Gen>, bool),
            List {
                marker: &'static str,
                start: u32,
                loose: bool,
                items: Vec<Vec<Gen>>,
                /// Spaces after the marker, extra indent of later lines, lazy paragraph lines.
                layout: (usize, usize, bool),
            },
        }

        fn leaf() -> impl Strategy<Value = Gen> {
            // No `<` at random: pulldown-cmark leaks container markers into HTML comments and
            // processing instructions that span lines (see `multi_line_html_comments_…`), and
            // code lines turn into paragraphs when a fence closes early.
            let code_line = prop_oneof![
                4 => "[ -;=-~]{0,20}",
                1 => select(vec![
                    "    indented", "```", "~~~", "    ", "", "if a < b && c > d {", "<div>",
                    "<!-- one line -->", "*not emphasis*",
                ])
                .prop_map(String::from),
            ];
            prop_oneof![
                6 => para_lines().prop_map(Gen::Para),
                2 => (1usize..7, line(), any::<bool>()).prop_map(|(n, t, c)| Gen::Heading(n, t, c)),
                1 => (para_lines(), any::<bool>()).prop_map(|(l, eq)| Gen::Setext(l, eq)),
                1 => select(vec!["---", "***", "___", "- - -", " * * *", "-----------"]).prop_map(Gen::Rule),
                1 => (
                    select(vec!["```", "~~~", "````"]),
                    "[a-z]{0,6}( [a-z]{1,4})?",
                    prop::collection::vec(code_line, 0..5),
                    prop::bool::weighted(0.9),
                ).prop_map(|(f, info, body, closed)| Gen::Fence(f, info, body, closed)),
                1 => prop::collection::vec("[ -;=-~]{1,16}", 1..4).prop_map(Gen::Indented),
                1 => select(vec![
                    "<div>\n*not emphasis*\n</div>",
                    "<div class=\"note\">text</div>",
                    "<!-- a comment\nover lines -->",
                    "<p>para</p>",
                    "<table><tr><td>x</td></tr></table>",
                    "<script>alert('x')</script>",
                    "<img src=\"x.png\" alt=\"y\">",
                    "<details>\n<summary>More</summary>\n\nhidden *md*\n</details>",
                ]).prop_map(Gen::Html),
                1 => Just(Gen::Defs),
            ]
        }

        fn block() -> impl Strategy<Value = Gen> {
            leaf().prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    (
                        prop::collection::vec(inner.clone(), 1..4),
                        prop::bool::weighted(0.2)
                    )
                        .prop_map(|(b, lazy)| Gen::Quote(b, lazy)),
                    (
                        select(vec!["-", "*", "+", ".", ")"]),
                        select(vec![1u32, 1, 0, 3, 9, 10, 99, 123456789]),
                        any::<bool>(),
                        // Items have content: pulldown-cmark ends an outer item early after
                        // empty items in a quote in it (`1. > -\n   >\n   > -\n\n   A`).
                        prop::collection::vec(prop::collection::vec(inner, 1..3), 1..4),
                        (
                            select(vec![1usize, 1, 1, 2, 3, 4]),
                            select(vec![0usize, 0, 0, 1, 2]),
                            prop::bool::weighted(0.15),
                        ),
                    )
                        .prop_map(|(marker, start, loose, items, layout)| {
                            Gen::List {
                                marker,
                                start,
                                loose,
                                items,
                                layout,
                            }
                        }),
                ]
            })
        }

        const DEFS: &str = "[ref]: https://example.org/ref\n[other]: <https://example.org/other> \"Other\"\n[words]:\n  https://example.org/words 'x'\n[Straße]: /strasse\n[σ Σ]: /sigma";

        /// The lines of `blocks`, separated by blank lines (or, where `tight`, by none).
        fn render(blocks: &[Gen], tight: bool) -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for (i, b) in blocks.iter().enumerate() {
                if i > 0 && !tight {
                    out.push(String::new());
                }
                match b {
                    Gen::Para(lines) => out.extend(lines.iter().cloned()),
                    Gen::Heading(n, t, closing) => {
                        let hashes = "#".repeat(*n);
                        let close = if *closing {
                            format!(" {hashes}")
                        } else {
                            String::new()
                        };
                        out.push(format!("{hashes} {t}{close}"));
                    }
                    Gen::Setext(lines, eq) => {
                        out.extend(lines.iter().cloned());
                        out.push(if *eq { "====" } else { "---" }.to_string());
                    }
                    Gen::Rule(r) => out.push(r.to_string()),
                    Gen::Fence(f, info, body, closed) => {
                        out.push(format!("{f}{info}"));
                        out.extend(body.iter().cloned());
                        if *closed {
                            out.push(f.to_string());
                        }
                    }
                    Gen::Indented(lines) => {
                        if out.last().is_some_and(|l| !l.is_empty()) {
                            out.push(String::new());
                        }
                        out.extend(lines.iter().map(|l| format!("    {l}")));
                    }
                    Gen::Html(h) => out.extend(h.lines().map(String::from)),
                    Gen::Defs => out.extend(DEFS.lines().map(String::from)),
                    Gen::Quote(inner, lazy) => {
                        let lines = render(inner, false);
                        let lazy_para = *lazy && matches!(inner.first(), Some(Gen::Para(_)));
                        let first_len = match inner.first() {
                            Some(Gen::Para(l)) => l.len(),
                            _ => 0,
                        };
                        for (j, l) in lines.into_iter().enumerate() {
                            out.push(if lazy_para && j > 0 && j < first_len {
                                l
                            } else if l.is_empty() {
                                ">".to_string()
                            } else {
                                format!("> {l}")
                            });
                        }
                    }
                    Gen::List {
                        marker,
                        start,
                        loose,
                        items,
                        layout: (spaces, extra, lazy),
                    } => {
                        for (k, item) in items.iter().enumerate() {
                            if k > 0 && *loose {
                                out.push(String::new());
                            }
                            let m = if matches!(*marker, "." | ")") {
                                // Start 0 stands for lists numbered `1.` throughout.
                                let n = if *start == 0 { 1 } else { *start as usize + k };
                                format!("{n}{marker}")
                            } else {
                                marker.to_string()
                            };
                            let gap = " ".repeat(*spaces);
                            let pad = " ".repeat(m.chars().count() + spaces + extra);
                            let lines = render(item, !*loose);
                            let first_len = match item.first() {
                                Some(Gen::Para(l)) if *lazy => l.len(),
                                _ => 0,
                            };
                            for (j, l) in lines.into_iter().enumerate() {
                                out.push(if j == 0 {
                                    format!("{m}{gap}{l}")
                                } else if l.is_empty() || j < first_len {
                                    l
                                } else {
                                    format!("{pad}{l}")
                                });
                            }
                        }
                    }
                }
            }
            out
        }

        fn document() -> impl Strategy<Value = String> {
            (
                prop::collection::vec((block(), prop::bool::weighted(0.15)), 1..7),
                select(vec!["\n", "\n", "\n", "\r\n"]),
                any::<bool>(),
                select(vec!["", "", "", "  ", "\t"]),
                prop::bool::weighted(0.1),
            )
                .prop_map(|(blocks, eol, final_eol, blank, tabs)| {
                    let mut lines: Vec<String> = Vec::new();
                    for (b, glued) in blocks {
                        if !lines.is_empty() && !glued {
                            lines.push(String::new());
                        }
                        lines.extend(render(std::slice::from_ref(&b), false));
                    }
                    for l in lines.iter_mut() {
                        if l.is_empty() {
                            l.push_str(blank);
                        } else if tabs && l.starts_with("    ") {
                            // Indentation by tabs, as some editors write it.
                            l.replace_range(..4, "\t");
                        }
                    }
                    let mut md = lines.join(eol);
                    if final_eol {
                        md.push_str(eol);
                    }
                    md
                })
        }

        fn check(md: &str) -> Result<(), TestCaseError> {
            let mine = parse_markdown("d", "urn:d", "fallback", md);
            let reference = parse_markdown_pulldown("d", "urn:d", "fallback", md);
            prop_assert_eq!(mine, reference, "on {:?}", md);
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: cases(),
                max_shrink_iters: 4096,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// Same blocks (kinds, texts, styles and links) and title as pulldown-cmark gives.
            #[test]
            fn readers_markdown_reads_as_pulldown_cmark_reads_it(md in document()) {
                check(&md)?;
            }

            #[test]
            fn single_lines_read_as_pulldown_cmark_reads_them(l in line()) {
                check(&l)?;
            }

            #[test]
            fn arbitrary_text_never_panics(s in ".*") {
                let _ = parse_markdown("d", "u", "t", &s);
            }

            #[test]
            fn markdown_punctuation_soup_never_panics(
                s in "[-*_`#>\\[\\]()!<>&\\\\ \t\n\r=~|:\"'/a1.)+^;é😀]{0,300}"
            ) {
                let _ = parse_markdown("d", "u", "t", &s);
            }
        }
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

    #[test]
    fn pasted_text_offers_its_first_line_as_title_without_repeating_it() {
        assert_eq!(
            pasted_title("\n  A short title  \n\nThe first paragraph.\n\nThe second."),
            (
                "A short title".to_string(),
                "The first paragraph.\n\nThe second.".to_string()
            )
        );
        assert_eq!(pasted_title("# Heading #\nBody").0, "Heading".to_string());
        // One line: it stays the text as well.
        assert_eq!(
            pasted_title("Only this line."),
            ("Only this line.".to_string(), "Only this line.".to_string())
        );
        assert_eq!(pasted_title(""), (String::new(), String::new()));
        // A first line that is a paragraph stays in the text; its first words are offered.
        let long = format!("{}.\n\nNext.", "word ".repeat(40).trim());
        let (title, body) = pasted_title(&long);
        assert_eq!(body, long);
        assert!(
            title.ends_with('…') && title.chars().count() <= 81,
            "{title}"
        );
    }

    #[test]
    fn a_web_article_is_kept_and_read_back_exactly() {
        let d = doc();
        let kept = web_text(&d);
        let back = parse_document(&d.id, "page.html", DocFormat::Web, &kept).unwrap();
        assert_eq!(
            (&back.title, &back.blocks, &back.source_line, back.text()),
            (&d.title, &d.blocks, &d.source_line, d.text())
        );
        assert!(parse_document("x", "page.html", DocFormat::Web, "not json").is_err());
        assert!(parse_document(
            "x",
            "page.html",
            DocFormat::Web,
            r#"{"title":"T","blocks":[]}"#
        )
        .is_err());
    }
}
