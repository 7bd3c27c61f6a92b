//! Articles from the web: a saved page (a file chosen or dropped), a page fetched by its address,
//! HTML pasted from the clipboard. The browser parses the page (`edge::html`, nothing of it runs)
//! and marginalia-web reads it in steps, the browser getting a turn between them, so a large
//! page never holds the reader's page for one long task.

use super::Nav;
use crate::ui::edge::files::read_text;
use crate::ui::edge::html::{clipboard_tree, fetch_page, FetchRefused, Walk, MAX_PAGE_BYTES};
use crate::ui::edge::perf::UserTiming;
use crate::ui::edge::timers::yield_to_browser;
use leptos::prelude::*;
use marginalia_core::about::{is_web_address, DocInfo};
use marginalia_core::article::{slugify, Document};
use marginalia_core::markdown::{pasted_file_name, web_text, DocFormat};
use marginalia_core::text::Megabytes;
use marginalia_web::{read_clipboard, saved_from, Extraction, Step, WebArticle};

/// Is this a saved web page (`.html`, `.htm`, `.xhtml`)?
pub fn is_page_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".html", ".htm", ".xhtml"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Reads a saved page and opens its article.
pub fn open_page_file(nav: Nav, file: web_sys::File) {
    let name = file.name();
    if file.size() > MAX_PAGE_BYTES as f64 {
        nav.error.set(Some(format!(
            "Could not open {name}: the page is {} MB; Marginalia reads pages of up to {} MB.",
            Megabytes(file.size() as u64),
            MAX_PAGE_BYTES / (1024 * 1024)
        )));
        return;
    }
    leptos::task::spawn_local(async move {
        let Some(html) = read_text(file).await else {
            nav.error
                .set(Some(format!("The browser could not read {name}.")));
            return;
        };
        // A page saved by a browser may name where it came from ("saved from url=").
        let url = saved_from(&html);
        match read_page_in_steps(&html, url.as_deref()).await {
            Ok(article) => open_article(nav, article, &name),
            Err(why) => nav
                .error
                .set(Some(format!("Could not open {name}: {why}."))),
        }
    });
}

/// What to tell the reader when a site does not let its page be fetched.
pub const NOT_ALLOWED: &str = "This site does not let other sites read its pages, so bring the \
article in yourself: save the page (“Web page, HTML only”) and open the file here, or copy the \
article from your browser and paste it below.";

/// Fetches the page at `address` and opens its article; the reason, worded for the reader,
/// when it cannot.
pub async fn open_address(nav: Nav, address: &str) -> Result<(), String> {
    let address = address.trim();
    if !is_web_address(address) {
        return Err(format!(
            "“{address}” is not a web address: it must start with http:// or https://."
        ));
    }
    let (html, url) = fetch_page(address).await.map_err(|e| match e {
        FetchRefused::NotAllowed => NOT_ALLOWED.to_string(),
        FetchRefused::Status(code) => {
            format!("The site answered with an error ({code}): check the address.")
        }
        FetchRefused::NotHtml(kind) => {
            format!("The address gives {kind}, not a web page.")
        }
        FetchRefused::TooLarge => format!(
            "The page is larger than {} MB, more than Marginalia reads.",
            MAX_PAGE_BYTES / (1024 * 1024)
        ),
    })?;
    let article = read_page_in_steps(&html, Some(&url))
        .await
        .map_err(|why| format!("Could not open {address}: {why}."))?;
    let name = format!("{}.html", slugify(&article.document.title));
    open_article(nav, article, &name);
    Ok(())
}

/// HTML from the clipboard as a document that keeps its structure; `None` when it has nothing to
/// read (the plain text is used then).
pub fn pasted_html(html: &str) -> Option<Document> {
    let tree = clipboard_tree(html).ok()?;
    read_clipboard(&tree, None).ok()
}

/// Opens a document made from pasted HTML ([`pasted_html`]) under the reader's `title`.
pub fn open_pasted_html(nav: Nav, mut doc: Document, title: &str) {
    let info = DocInfo::from_fields(title, Default::default()).unwrap_or_default();
    info.apply(&mut doc);
    let text = web_text(&doc);
    let name = pasted_file_name(&text).replace(".md", ".html");
    nav.open_stored(doc, &name, DocFormat::Web, &text, info);
}

/// A web article opened: kept as its blocks, with where it came from.
fn open_article(nav: Nav, article: WebArticle, file_name: &str) {
    let WebArticle {
        mut document,
        metadata,
    } = article;
    let info = DocInfo {
        title: None,
        about: metadata.about(),
    };
    info.apply(&mut document);
    let text = web_text(&document);
    nav.open_stored(document, file_name, DocFormat::Web, &text, info);
}

/// Parses `html` and reads its article in steps (`Extraction`), letting the browser have a turn
/// after each; every step is a `web-step` User Timing measure (`make bench`).
async fn read_page_in_steps(html: &str, url: Option<&str>) -> Result<WebArticle, String> {
    let total = UserTiming::start("web-extract");
    let mut walk = {
        let _step = UserTiming::start("web-step");
        Walk::new(html)?
    };
    let tree = loop {
        let step = UserTiming::start("web-step");
        let done = walk.step();
        drop(step);
        yield_to_browser().await;
        if let Some(tree) = done {
            break tree;
        }
    };
    let mut extraction = {
        let _step = UserTiming::start("web-step");
        Extraction::new(&tree, url)
    };
    drop(tree);
    let result = loop {
        yield_to_browser().await;
        let _step = UserTiming::start("web-step");
        if let Step::Done(result) = extraction.step() {
            break result;
        }
    };
    drop(total);
    result.map_err(|e| e.to_string())
}
