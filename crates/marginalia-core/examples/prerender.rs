//! Prints the bundled article as static HTML for `dist/index.html` (`make dist` puts it there
//! through `scripts/finalize-dist.mjs`): the page the app renders, without highlights, so the
//! article is painted as soon as the HTML arrives instead of after the WebAssembly has loaded.
//! The app replaces it when it mounts (`ui::start`); `e2e/core.spec.mjs` checks that the title
//! and paragraphs do not move when it does.
//!
//! It is `inert` and `aria-hidden` (nothing to select, focus or announce before the app can
//! act on it), carries no ids or `data-block`s (what tests and the app look for), and is hidden before it is painted when the address names another
//! document (`#doc=…`, see `assets/prerender-guard.js`, inlined with its hash in the CSP).
//!
//! Usage: `cargo run --example prerender > target/prerender.html`

use marginalia_core::article::Document;
use marginalia_core::markup::{block_html, push_block_element, push_escaped, MarkState};

fn escape(s: &str) -> String {
    let mut out = String::new();
    push_escaped(&mut out, s);
    out
}

fn main() {
    let doc = Document::bundled();
    let mut out = String::new();
    out.push_str(concat!(
        r#"<div id="prerender" class="prerender" aria-hidden="true" inert>"#,
        r#"<div class="top"><header class="topbar"><span class="brand">Marginalia<small>highlights stay on this device</small></span>"#,
        r#"<nav class="tools"><button disabled>Undo</button><button disabled>Redo</button>"#,
        r#"<button disabled>Download annotations</button><button disabled>Download Markdown</button>"#,
        r#"<span class="button-like">Import</span><button disabled>Library</button>"#,
        r#"<button disabled>Clear all</button><button disabled>?</button></nav></header>"#,
        r#"<section class="messages"><div class="toast-region"></div></section></div>"#,
        r#"<div class="layout"><main class="reading"><article class="doc">"#,
    ));
    out.push_str(&format!(
        r#"<h1 dir="auto">{}</h1><div class="blocks">"#,
        escape(&doc.title)
    ));
    for (idx, block) in doc.blocks.iter().enumerate() {
        let inner = block_html(block, doc.block_span(idx), &[], MarkState::default());
        push_block_element(&mut out, block, None, &inner);
    }
    out.push_str("</div>");
    if let Some(source) = &doc.source_line {
        out.push_str(&format!("<footer><cite>{}</cite></footer>", escape(source)));
    }
    out.push_str(concat!(
        r#"</article></main><aside class="panel collapsed"><div class="panel-head">"#,
        r#"<h2>Annotations</h2><button class="sheet-toggle" disabled>Show</button></div>"#,
        r#"<p class="empty">Select words in the article, then choose Highlight or Note.</p>"#,
        r#"</aside></div></div>"#,
    ));
    println!("{out}");
}
