//! Exports: the annotations downloaded as W3C JSON or Markdown.

use crate::ui::edge::clock::now;
use crate::ui::edge::files::{download, download_parts, utf8_part};
use crate::ui::edge::storage;
use crate::ui::edge::timers::Steps;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::Annotation;
use marginalia_core::article::slugify;
use marginalia_core::{markdown_export, w3c};

/// Downloads the annotations as W3C JSON (`w3c::export_text`), written a slice per task so that
/// a large set never holds the page for one long task. The file has the annotations as they were
/// at the click.
pub fn download_json(app: AppState) {
    let Some((doc, items)) = app.doc.try_with_value(|doc| {
        let items: Vec<Annotation> = app
            .set
            .with_value(|set| set.in_text_order().into_iter().cloned().collect());
        (doc.clone(), items)
    }) else {
        return;
    };
    let name = format!("{}-annotations.json", slugify(&doc.id));
    let (mut text, tail) = w3c::export_head_tail(&doc, items.len(), now());
    leptos::task::spawn_local(async move {
        let parts = js_sys::Array::new();
        let mut steps = Steps::start();
        for (i, a) in items.iter().enumerate() {
            w3c::push_export_item(&mut text, &doc, a, i);
            if steps.over() && i + 1 < items.len() {
                parts.push(&utf8_part(&text));
                text.clear();
                steps.next().await;
            }
        }
        text.push_str(&tail);
        parts.push(&utf8_part(&text));
        let outcome = download_parts(&name, "application/ld+json", &parts);
        if app.is_alive() {
            match outcome {
                Ok(()) => app.show_toast(format!("Downloaded {}", name), false),
                Err(e) => app.show_toast(e, false),
            }
        }
    });
}

/// Where the reader's choice of colour names in Markdown downloads is kept.
const MARKDOWN_COLOURS_KEY: &str = "marginalia/v1/markdown-colours";

/// Does the reader want colour names in Markdown downloads? (Off unless asked: a notes app has
/// no use for them.)
pub fn markdown_colours() -> bool {
    storage::get(MARKDOWN_COLOURS_KEY).as_deref() == Some("1")
}

pub fn set_markdown_colours(on: bool) {
    if on {
        let _ = storage::set(MARKDOWN_COLOURS_KEY, "1");
    } else {
        storage::remove(MARKDOWN_COLOURS_KEY);
    }
}

/// Downloads the annotations as Markdown, with front matter for notes apps
/// (`markdown_export::to_markdown`).
pub fn download_markdown(app: AppState) {
    let options = markdown_export::MarkdownOptions {
        colours: markdown_colours(),
        annotated: now(),
    };
    let (name, md) = app.doc.with_value(|doc| {
        let md = app
            .set
            .with_value(|set| markdown_export::to_markdown(doc, &set.in_text_order(), &options));
        (format!("{}-annotations.md", slugify(&doc.id)), md)
    });
    match download(&name, "text/markdown", &md) {
        Ok(()) => app.show_toast(format!("Downloaded {}", name), false),
        Err(e) => app.show_toast(e, false),
    }
}
