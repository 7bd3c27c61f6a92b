//! Documents: a title, blocks of text and an optional source line. The annotatable text of a
//! document is its blocks' texts joined by a blank line ("\n\n"); every offset in the model counts
//! code points of that text.

use crate::about::About;
use crate::span::CharSpan;
use crate::text::CharText;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of block a piece of text is rendered as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockKind {
    Paragraph,
    /// A heading below the title (level 2–6).
    Heading(u8),
    Quote,
    /// A list item; `Some(n)` for the n-th item of an ordered list.
    ListItem(Option<u64>),
    Code,
}

/// Inline styling over part of a block (block-local code-point offsets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Style {
    Emphasis,
    Strong,
    Code,
    Link(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StyleSpan {
    pub span: CharSpan,
    pub style: Style,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub styles: Vec<StyleSpan>,
}

impl Block {
    pub fn paragraph(text: impl Into<String>) -> Self {
        Block {
            kind: BlockKind::Paragraph,
            text: text.into(),
            styles: Vec::new(),
        }
    }
}

/// A document ready to read and annotate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Stable id, also the slug of download file names (`pakistan-army-chief-…`).
    pub id: String,
    /// The stable IRI annotations target.
    pub source_iri: String,
    pub title: String,
    pub blocks: Vec<Block>,
    /// The attribution line, e.g. "Source: Al Monitor".
    pub source_line: Option<String>,
    /// Where it came from (authors, site, date, address), as the page said or the reader wrote:
    /// used by citations and downloads. Not part of the annotatable text.
    pub about: About,
    text: CharText,
    block_starts: Vec<usize>,
}

/// The separator between blocks in the annotatable text.
pub const BLOCK_SEPARATOR: &str = "\n\n";

/// Why an article file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArticleError {
    Empty,
    NoParagraphs { title: String },
}

impl fmt::Display for ArticleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArticleError::Empty => write!(f, "the article is empty"),
            ArticleError::NoParagraphs { title } => {
                write!(f, "the article \"{title}\" has a title but no paragraphs")
            }
        }
    }
}

impl std::error::Error for ArticleError {}

/// The bundled article, embedded at build time.
pub const BUNDLED_ARTICLE: &str = include_str!("../articles/pakistan-army-chief-iran.txt");
pub const BUNDLED_ID: &str = "pakistan-army-chief-iran";
/// A stable IRI for the bundled article's text (annotations target it as their `source`).
pub const BUNDLED_IRI: &str = "urn:marginalia:article:pakistan-army-chief-iran";

/// Lowercase ASCII words joined by '-', at most 60 characters: for ids and file names.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "document".to_string()
    } else {
        out
    }
}

impl Document {
    pub fn new(
        id: impl Into<String>,
        source_iri: impl Into<String>,
        title: impl Into<String>,
        blocks: Vec<Block>,
        source_line: Option<String>,
    ) -> Self {
        let mut plain = String::new();
        let mut block_starts = Vec::with_capacity(blocks.len());
        let mut char_idx = 0;
        for (i, b) in blocks.iter().enumerate() {
            if i > 0 {
                plain.push_str(BLOCK_SEPARATOR);
                char_idx += BLOCK_SEPARATOR.chars().count();
            }
            block_starts.push(char_idx);
            plain.push_str(&b.text);
            char_idx += b.text.chars().count();
        }
        Document {
            id: id.into(),
            source_iri: source_iri.into(),
            title: title.into(),
            blocks,
            source_line,
            about: About::default(),
            text: CharText::new(&plain),
            block_starts,
        }
    }

    /// Parses a plain-text article: the first non-empty line is the title, each later non-empty
    /// line a paragraph, up to and including a line starting "Source:"; whatever follows that line
    /// (the web page's "Similar Posts", "Leave a Reply" …) is not part of the article.
    pub fn parse_plain(id: &str, source_iri: &str, raw: &str) -> Result<Self, ArticleError> {
        let mut lines = raw.lines().map(str::trim).filter(|l| !l.is_empty());
        let title = lines.next().ok_or(ArticleError::Empty)?.to_string();
        let mut blocks = Vec::new();
        let mut source_line = None;
        for line in lines {
            if line.starts_with("Source:") {
                source_line = Some(line.to_string());
                break;
            }
            blocks.push(Block::paragraph(line));
        }
        if blocks.is_empty() {
            return Err(ArticleError::NoParagraphs { title });
        }
        Ok(Document::new(id, source_iri, title, blocks, source_line))
    }

    /// The bundled Al-Monitor article.
    pub fn bundled() -> Self {
        Document::parse_plain(BUNDLED_ID, BUNDLED_IRI, BUNDLED_ARTICLE)
            .expect("the bundled article is checked by the test suite")
    }

    /// The annotatable text, indexed by code point.
    pub fn text(&self) -> &CharText {
        &self.text
    }

    pub fn len_chars(&self) -> usize {
        self.text.len_chars()
    }

    /// Code-point offset where block `block_idx` starts in the annotatable text.
    pub fn block_start(&self, block_idx: usize) -> usize {
        self.block_starts[block_idx]
    }

    /// The span of block `block_idx` in the annotatable text.
    pub fn block_span(&self, block_idx: usize) -> CharSpan {
        let start = self.block_starts[block_idx];
        CharSpan {
            start,
            end: start + self.blocks[block_idx].text.chars().count(),
        }
    }

    /// Indices of the blocks a span touches.
    pub fn blocks_touching(&self, span: CharSpan) -> std::ops::Range<usize> {
        let first = self
            .block_starts
            .partition_point(|&s| s <= span.start)
            .saturating_sub(1);
        let last = self
            .block_starts
            .partition_point(|&s| s < span.end.max(span.start + 1));
        first..last.max(first + 1).min(self.blocks.len())
    }

    /// The document-wide offset of block-local offset `char_idx` in block `block_idx`.
    pub fn to_doc_char_idx(&self, block_idx: usize, char_idx: usize) -> usize {
        self.block_starts[block_idx] + char_idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_article_has_title_seven_paragraphs_and_source() {
        let doc = Document::bundled();
        assert_eq!(
            doc.title,
            "Pakistan Army Chief Makes Historic Visit to Iran"
        );
        assert_eq!(doc.blocks.len(), 7);
        assert!(doc.blocks[0]
            .text
            .starts_with("In a visit to Iran to boost military relations, Pakistan’s chief"));
        assert!(doc.blocks[2]
            .text
            .starts_with("The Basij Organization, which formally operates"));
        assert!(doc.blocks[6]
            .text
            .starts_with("During his three-day visit, Bajwa"));
        assert_eq!(doc.source_line.as_deref(), Some("Source:\u{a0}Al Monitor"));
        // no-break space, as written
    }

    #[test]
    fn leftovers_after_the_source_line_are_excluded() {
        let doc = Document::bundled();
        for b in &doc.blocks {
            for leftover in ["Similar Posts", "Leave a Reply", "Required fields"] {
                assert!(
                    !b.text.contains(leftover),
                    "{leftover} leaked into {:?}",
                    b.text
                );
            }
        }
    }

    #[test]
    fn text_is_kept_exactly_as_written() {
        let doc = Document::bundled();
        for b in &doc.blocks {
            assert!(BUNDLED_ARTICLE.contains(&b.text));
        }
        let all: String = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert!(all.contains("“We believe"));
        assert!(all.contains("Iraq — when"));
        assert!(all.contains("people’s forces"));
    }

    #[test]
    fn block_spans_index_the_joined_text() {
        let doc = Document::bundled();
        for i in 0..doc.blocks.len() {
            assert_eq!(doc.text().slice(doc.block_span(i)), doc.blocks[i].text);
        }
        let s1 = doc.block_span(1);
        assert_eq!(
            doc.blocks_touching(CharSpan::new(s1.start, s1.start + 3)),
            1..2
        );
        assert_eq!(
            doc.blocks_touching(CharSpan::new(s1.end - 2, s1.end + 5)),
            1..3
        );
        assert_eq!(doc.blocks_touching(CharSpan::new(0, doc.len_chars())), 0..7);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            Document::parse_plain("x", "urn:x", "  \n\n"),
            Err(ArticleError::Empty)
        );
        let e = Document::parse_plain("x", "urn:x", "Only a title\n").unwrap_err();
        assert!(e.to_string().contains("Only a title"));
    }

    #[test]
    fn slugify_makes_file_names() {
        assert_eq!(
            slugify("Pakistan Army Chief Makes Historic Visit to Iran"),
            "pakistan-army-chief-makes-historic-visit-to-iran"
        );
        assert_eq!(slugify("¿¡!"), "document");
    }
}
