//! Articles from the web (issue 32), as pure Rust: the browser parses a page (or the HTML on the
//! clipboard) with its own `DOMParser`, walks it into a [`tree::Node`] and hands it here;
//! this crate finds the article as Firefox's Reader View does (after Mozilla's Readability), reads
//! the page's metadata and returns a [`Document`] of blocks and styles.
//!
//! Entry points:
//! - [`read_page`]: a saved or fetched page → its article and [`Metadata`];
//! - [`Extraction`]: the same in steps, so the browser can yield between them;
//! - [`page_metadata`]: the metadata alone;
//! - [`read_clipboard`]: pasted HTML → a document that keeps its structure, without the junk.
//!
//! Only text comes out: scripts, styles, frames, SVG, form controls, `on*` attributes, `style`
//! and `meta refresh` are never read, and links keep only http, https and mailto targets.

mod blocks;
mod dom;
mod metadata;
mod patterns;
mod readability;
pub mod tree;

pub use metadata::Metadata;
pub use tree::{Element, Node};

use dom::{Dom, Id};
use marginalia_core::article::{slugify, Block, Document};
use marginalia_core::markdown::{document_id, document_iri, first_words};
use std::fmt;

/// Why no document could be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebError {
    /// The page or the pasted HTML has no text to read.
    NoText,
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebError::NoText => write!(f, "the page has no article text to read"),
        }
    }
}

impl std::error::Error for WebError {}

/// A page's article and what the page says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebArticle {
    pub document: Document,
    pub metadata: Metadata,
}

/// How many paragraphs one step scores.
const SCORE_STEP_PARAGRAPHS: usize = 512;

/// How many nodes of the article one step turns into blocks.
const BLOCK_STEP_NODES: usize = 8192;

/// How long a title made from a document's first words may be (as for pasted text).
const TITLE_FROM_TEXT_CHARS: usize = 80;

/// The document of `blocks`: its id from its title and text (so the same article read again finds
/// its annotations), its source line from the site's name or address.
fn make_document(title: &str, blocks: Vec<Block>, source: Option<String>) -> Document {
    let text: String = blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join(marginalia_core::article::BLOCK_SEPARATOR);
    let id = document_id(&format!("{}.html", slugify(title)), &text);
    let iri = document_iri(&id);
    Document::new(
        id,
        iri,
        title,
        blocks,
        source.map(|s| format!("Source: {s}")),
    )
}

/// The host of an http(s) address, without `www.`.
fn host(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_string())
}

/// The document's title: the metadata's, else its first heading, else its first words.
fn title_or_first_words(title: &str, blocks: &[Block]) -> String {
    let t = dom::collapse_whitespace(title);
    if !t.is_empty() {
        return t;
    }
    blocks
        .first()
        .map(|b| first_words(&b.text, TITLE_FROM_TEXT_CHARS))
        .unwrap_or_else(|| "Untitled".to_string())
}

/// Where an extraction is.
enum Phase {
    /// The page copied, nothing read yet.
    Start,
    /// Metadata read, scripts gone: the article search's attempts, strictest rules first.
    Search {
        meta: Metadata,
        flags: readability::Flags,
        attempts: Vec<readability::Grabbed>,
    },
    /// An attempt's page walked: its paragraphs to score, its article to choose.
    Choose {
        meta: Metadata,
        flags: readability::Flags,
        attempts: Vec<readability::Grabbed>,
        walked: Box<readability::Walked>,
    },
    /// An attempt's article chosen: to clean, pass by pass, and measure.
    Clean {
        meta: Metadata,
        flags: readability::Flags,
        attempts: Vec<readability::Grabbed>,
        found: Box<readability::Grabbed>,
        pass: usize,
    },
    /// The article found: its blocks to make.
    Found {
        meta: Metadata,
        grabbed: Box<readability::Grabbed>,
    },
    /// Its blocks being made, so many nodes a step.
    Blocks {
        meta: Metadata,
        grabbed: Box<readability::Grabbed>,
        builder: Box<blocks::Builder>,
    },
    Done,
}

/// What one [`Extraction::step`] did.
// (`Done` is large and comes once: boxing it would only cost the caller.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step {
    /// More to do: call `step` again (after yielding to the browser, say).
    Working,
    /// Finished: the article (or why there is none).
    Done(Result<WebArticle, WebError>),
}

/// A page's article extraction in steps, so a browser can yield between them: reading the
/// metadata; then, for each attempt of the search (usually one, at most four), the walk over the
/// page, the scoring and choice of the article, and six cleaning passes; then making the blocks.
/// 11 steps for most pages (more for a long article: its blocks are made 8,192 nodes a step).
/// [`read_page`] runs all of them at once.
pub struct Extraction {
    dom: Dom,
    root: Id,
    url: Option<String>,
    phase: Phase,
}

impl Extraction {
    /// Copies the page (an `<html>` element, or any element holding the page) to work on.
    /// `url` is the address the page came from, if known: relative links are made absolute against
    /// it, and it names the source when the page names no site.
    pub fn new(page: &Node, url: Option<&str>) -> Self {
        Extraction {
            dom: Dom::from_tree(page),
            root: 0,
            url: url.map(str::to_string),
            phase: Phase::Start,
        }
    }

    /// Does the next phase.
    pub fn step(&mut self) -> Step {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Start => {
                let meta = self.prepare();
                self.phase = Phase::Search {
                    meta,
                    flags: readability::Flags::ALL,
                    attempts: Vec::new(),
                };
                Step::Working
            }
            Phase::Search {
                meta,
                flags,
                attempts,
            } => {
                let walked = readability::walk_attempt(
                    &self.dom,
                    self.root,
                    &meta.title,
                    meta.byline.is_some(),
                    flags,
                );
                self.phase = Phase::Choose {
                    meta,
                    flags,
                    attempts,
                    walked: Box::new(walked),
                };
                Step::Working
            }
            Phase::Choose {
                meta,
                flags,
                attempts,
                mut walked,
            } => {
                // A long article's paragraphs are scored a chunk a step; the step that scores the
                // last chunk also chooses.
                if !readability::score_some(&mut walked, self.root, flags, SCORE_STEP_PARAGRAPHS) {
                    self.phase = Phase::Choose {
                        meta,
                        flags,
                        attempts,
                        walked,
                    };
                    return Step::Working;
                }
                let found = readability::choose_attempt(*walked, self.root, flags);
                self.phase = Phase::Clean {
                    meta,
                    flags,
                    attempts,
                    found: Box::new(found),
                    pass: 0,
                };
                Step::Working
            }
            Phase::Clean {
                meta,
                flags,
                mut attempts,
                mut found,
                pass,
            } => {
                readability::clean_pass(&mut found, flags, pass);
                if pass + 1 < readability::CLEAN_PASSES {
                    self.phase = Phase::Clean {
                        meta,
                        flags,
                        attempts,
                        found,
                        pass: pass + 1,
                    };
                    return Step::Working;
                }
                let attempt = *found;
                let done = |g: readability::Grabbed| Phase::Found {
                    meta: meta.clone(),
                    grabbed: Box::new(g),
                };
                self.phase = if attempt.text_len >= readability::CHAR_THRESHOLD {
                    done(attempt)
                } else {
                    attempts.push(attempt);
                    match flags.relax() {
                        Some(flags) => Phase::Search {
                            meta: meta.clone(),
                            flags,
                            attempts,
                        },
                        None => match readability::longest(attempts) {
                            Some(g) => done(g),
                            None => return Step::Done(Err(WebError::NoText)),
                        },
                    }
                };
                Step::Working
            }
            Phase::Found { meta, grabbed } => {
                let (meta, builder) = self.start_blocks(meta, &grabbed);
                self.phase = Phase::Blocks {
                    meta,
                    grabbed,
                    builder: Box::new(builder),
                };
                Step::Working
            }
            Phase::Blocks {
                meta,
                grabbed,
                mut builder,
            } => {
                if builder.run(&grabbed.dom, BLOCK_STEP_NODES) {
                    return Step::Done(self.finish(meta, *builder));
                }
                self.phase = Phase::Blocks {
                    meta,
                    grabbed,
                    builder,
                };
                Step::Working
            }
            Phase::Done => Step::Done(Err(WebError::NoText)),
        }
    }

    /// Runs every remaining step.
    pub fn run(mut self) -> Result<WebArticle, WebError> {
        loop {
            if let Step::Done(result) = self.step() {
                return result;
            }
        }
    }

    /// JSON-LD is read, then scripts go, then the page is prepared and its metadata read.
    fn prepare(&mut self) -> Metadata {
        // What is never read stays so (the search may move or rename it: Readability turns a
        // kept `<object>` sibling into a `div`), while the search sees the page as Reader View does.
        self.dom.mark_never_read(self.root, blocks::SKIPPED);
        let pre = metadata::read_json_ld(&self.dom, self.root);
        for id in self.dom.by_tags(self.root, &["script", "noscript"]) {
            self.dom.remove(id);
        }
        readability::prep_document(&mut self.dom, self.root);
        let mut meta = metadata::read_metadata(&self.dom, self.root, pre);
        if meta.canonical_url.is_none() {
            meta.canonical_url = self
                .url
                .as_deref()
                .and_then(|u| blocks::safe_link(u, None))
                .filter(|u| !u.starts_with("mailto:"));
        }
        meta
    }

    /// The metadata completed from the article (byline, excerpt) and the blocks' builder started.
    fn start_blocks(
        &self,
        mut meta: Metadata,
        grabbed: &readability::Grabbed,
    ) -> (Metadata, blocks::Builder) {
        if meta.byline.is_none() {
            meta.byline = grabbed.byline.clone().filter(|b| !b.is_empty());
            if meta.authors.is_empty() {
                meta.authors.extend(meta.byline.clone());
            }
        }
        let dom = &grabbed.dom;
        if meta.excerpt.is_none() {
            meta.excerpt = dom
                .by_tags(grabbed.content, &["p"])
                .first()
                .map(|&p| dom.readable_text(p, blocks::SKIPPED))
                .filter(|e| !e.is_empty());
        }
        let mut builder = blocks::Builder::new(self.base(&meta).as_deref());
        builder.start(grabbed.content, false);
        (meta, builder)
    }

    fn base(&self, meta: &Metadata) -> Option<String> {
        meta.canonical_url.clone().or_else(|| self.url.clone())
    }

    fn finish(&self, meta: Metadata, builder: blocks::Builder) -> Result<WebArticle, WebError> {
        let mut blocks = builder.into_blocks();
        blocks::drop_tail(&mut blocks);
        if blocks.is_empty() {
            return Err(WebError::NoText);
        }
        // The metadata keeps the page's own title (Reader View's, maybe empty); the document
        // always has one.
        let title = title_or_first_words(&meta.title, &blocks);
        let source = meta
            .site_name
            .clone()
            .or_else(|| self.base(&meta).as_deref().and_then(host));
        Ok(WebArticle {
            document: make_document(&title, blocks, source),
            metadata: meta,
        })
    }
}

/// A whole page (saved, or fetched by the browser) → its article and metadata, as Firefox's
/// Reader View would show it. `url` is the page's address, if known.
pub fn read_page(page: &Node, url: Option<&str>) -> Result<WebArticle, WebError> {
    Extraction::new(page, url).run()
}

/// A page's metadata alone (title, authors, site, date, canonical address …). The byline found
/// in the page's text and the excerpt from its first paragraph need the article:
/// [`read_page`]'s metadata has them.
pub fn page_metadata(page: &Node) -> Metadata {
    let mut e = Extraction::new(page, None);
    e.prepare()
}

/// HTML from the clipboard (`text/html`, or the selection's fragment) → a document that keeps
/// its structure (headings, paragraphs, lists, quotes, code, emphasis, links). It is less
/// aggressive than [`read_page`]: the reader chose what to copy, so nothing is scored away; only
/// what is never text to read goes (scripts, styles, frames, forms, navigation, hidden blocks,
/// share buttons, comments and related-posts tails). Its title is its first heading when it starts
/// with one, else the page's `<title>`, else its first words.
pub fn read_clipboard(fragment: &Node, url: Option<&str>) -> Result<Document, WebError> {
    let mut dom = Dom::from_tree(fragment);
    let root = 0;
    let page_title = metadata::document_title(&dom, root);
    clean_fragment(&mut dom, root);
    let mut builder = blocks::Builder::new(url);
    builder.add(&dom, root, true);
    let mut blocks = builder.into_blocks();
    blocks::drop_tail(&mut blocks);
    let title = match blocks.first() {
        // A heading that opens the paste is its title (when something follows it).
        Some(b)
            if blocks.len() > 1
                && matches!(b.kind, marginalia_core::article::BlockKind::Heading(_)) =>
        {
            let t = b.text.clone();
            blocks.remove(0);
            t
        }
        _ => page_title,
    };
    if blocks.is_empty() {
        return Err(WebError::NoText);
    }
    let title = title_or_first_words(&title, &blocks);
    Ok(make_document(&title, blocks, url.and_then(host)))
}

/// Roles, tags and class names of what a pasted fragment never wants.
fn clean_fragment(dom: &mut Dom, root: Id) {
    const ROLES: &[&str] = &[
        "menu",
        "menubar",
        "navigation",
        "alert",
        "alertdialog",
        "dialog",
        "banner",
        "complementary",
        "contentinfo",
        "search",
    ];
    for id in dom.descendants(root) {
        if !dom.is_element(id) || !dom.is_attached(id, root) {
            continue;
        }
        let tag = dom.tag(id);
        let by_tag = matches!(tag, "nav" | "aside" | "footer");
        let by_role = dom
            .attr(id, "role")
            .is_some_and(|r| ROLES.contains(&r.trim().to_ascii_lowercase().as_str()));
        let ms = dom.match_string(id).to_lowercase();
        let by_class = (patterns::share_element(&ms)
            || ms.contains("comment")
            || ms.contains("related")
            || ms.contains("-ad-")
            || ms.contains("advert")
            || ms.contains("newsletter")
            || ms.contains("social"))
            && !patterns::maybe_candidate(&ms)
            && dom.inner_len(id) < 2 * readability::CHAR_THRESHOLD;
        if by_tag || by_role || by_class {
            dom.remove(id);
        }
    }
}

/// The address a browser wrote into a page it saved (`<!-- saved from url=(0043)https://… -->`,
/// near the top), when it is a web address.
pub fn saved_from(html: &str) -> Option<String> {
    let head = match html.char_indices().nth(4096) {
        Some((i, _)) => &html[..i],
        None => html,
    };
    let at = head.find("saved from url=")?;
    let rest = &head[at + "saved from url=".len()..];
    let rest = match rest.strip_prefix('(') {
        Some(r) => r.split_once(')')?.1,
        None => rest,
    };
    let url: String = rest
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let url = url.trim_end_matches("-->").trim_end_matches('-');
    blocks::safe_link(url, None).filter(|u| !u.starts_with("mailto:"))
}

#[cfg(test)]
mod tests {
    use super::saved_from;

    #[test]
    fn a_saved_page_names_its_address() {
        assert_eq!(
            saved_from(
                "<!DOCTYPE html>\n<!-- saved from url=(0027)https://example.org/a-b/c -->\n<html>"
            )
            .as_deref(),
            Some("https://example.org/a-b/c")
        );
        assert_eq!(
            saved_from("<!-- saved from url=https://example.org/x-->").as_deref(),
            Some("https://example.org/x")
        );
        assert_eq!(
            saved_from("<!-- saved from url=(0019)javascript:alert(1) -->"),
            None
        );
        assert_eq!(saved_from("<html><p>saved from nowhere</p>"), None);
    }
}
