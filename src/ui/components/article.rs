//! The article: title, then the blocks as HTML made by the domain ([`marginalia_core::markup`]),
//! highlights as `<mark>` elements. A change re-renders only the blocks it touches (one
//! `innerHTML` write each, or, for a change in a long block, just the runs it touched); marks
//! have no listeners or effects of their own.

use crate::ui::components::about::DocHeader;
use crate::ui::edge::clock::perf_now;
use crate::ui::edge::elements::{all, block_element, by_id, replace_nodes};
use crate::ui::edge::events::{on_target, on_window};
use crate::ui::edge::layout::first_child_in_view;
use crate::ui::edge::selection::{keeping_selection, selection_ends};
use crate::ui::nav::reveal::reveal;
use crate::ui::state::{AppState, BlockPatch};
use leptos::prelude::*;
use marginalia_core::markup;

/// Moves the `active` (focused) and `flash` classes between marks: one effect for the whole
/// article, looking only in the blocks where the annotation has marks. Marks read both states
/// when they are rendered, so re-rendered blocks start right.
fn mark_states(app: AppState) {
    let toggle = move |class: &'static str, id: Option<&str>| {
        let Some(article) = by_id("article") else {
            return;
        };
        for el in all(article.query_selector_all(&format!("mark.{class}"))) {
            let _ = el.class_list().remove_1(class);
        }
        let Some(id) = id else { return };
        for el in app.marks_of(id) {
            let _ = el.class_list().add_1(class);
        }
    };
    Effect::new(move |_| app.focused.with(|f| toggle("active", f.as_deref())));
    Effect::new(move |_| {
        app.flash
            .with(|f| toggle("flash", f.as_ref().map(|f| f.0.as_str())))
    });
}

/// From how many blocks a document counts as long.
const LONG_DOCUMENT_BLOCKS: usize = 100;

/// Up to this many changed blocks are always re-rendered in one go (a reader's own change).
const ALWAYS_AT_ONCE: usize = 16;

/// Past this much re-rendering in one task, the rest waits for the next one.
const SLICE_MS: f64 = 12.0;

#[component]
pub fn ArticleView() -> impl IntoView {
    let app = expect_context::<AppState>();
    mark_states(app);
    let (source, n) = app
        .doc
        .with_value(|d| (d.source_line.clone(), d.blocks.len()));
    // A long document's off-screen blocks are skipped by layout (content-visibility, style/).
    let class = if n > LONG_DOCUMENT_BLOCKS {
        "doc long"
    } else {
        "doc"
    };
    // Every block in one write (a long document is one HTML parse, not thousands of views);
    // afterwards one effect re-renders just the blocks a change touched.
    let blocks = NodeRef::<leptos::html::Div>::new();
    let html = app.all_blocks_html();
    Effect::new(move |_| {
        app.blocks_changed.track();
        let (dirty, touched) = app.take_dirty();
        let Some(root) = blocks.get_untracked() else {
            return;
        };
        // Many blocks (a load, a sync, an import) are re-rendered a slice per task, those on
        // screen first, so that the page paints and takes input in between.
        let many = dirty.len() > ALWAYS_AT_ONCE;
        let dirty = if many {
            markup::nearest_first(dirty, first_child_in_view(&root))
        } else {
            dirty
        };
        let started = perf_now();
        let mut selection = selection_ends();
        let mut queue = dirty.into_iter();
        while let Some(idx) = queue.next() {
            if many && perf_now() - started > SLICE_MS {
                app.defer_blocks(std::iter::once(idx).chain(queue).collect());
                break;
            }
            if let Some(el) = block_element(&root, idx) {
                let nodes = el.child_nodes().length() as usize;
                let patch = app.block_patch(idx, &touched, nodes);
                keeping_selection(&mut selection, &el, || match patch {
                    BlockPatch::Whole(html) => el.set_inner_html(&html),
                    BlockPatch::Runs { from, to, html } => {
                        if !replace_nodes(&el, from, to, &html) {
                            el.set_inner_html(&app.block_html(idx));
                        }
                    }
                });
            }
        }
    });
    view! {
        <article class=class id="article" aria-labelledby="doc-title" on:click=move |ev| click_mark(app, ev)>
            <DocHeader />
            <div class="blocks" node_ref=blocks inner_html=html></div>
            {source.map(|s| view! { <footer><cite>{s}</cite></footer> })}
            <PrintNotes />
        </article>
    }
}

/// Notes as numbered footnotes, shown only in print: built when the page is about to print
/// (`beforeprint`, or the print media query starting to match), not on every change.
#[component]
fn PrintNotes() -> impl IntoView {
    let app = expect_context::<AppState>();
    let printing = RwSignal::new(false);
    on_window("beforeprint", move |_| printing.set(true));
    on_window("afterprint", move |_| printing.set(false));
    if let Some(query) = web_sys::window().and_then(|w| w.match_media("print").ok().flatten()) {
        printing.set(query.matches());
        on_target(&query, "change", move |ev| {
            if let Some(ev) = wasm_bindgen::JsCast::dyn_ref::<web_sys::MediaQueryListEvent>(ev) {
                printing.set(ev.matches());
            }
        });
    }
    let notes = Memo::new(move |_| {
        if !printing.get() {
            return Vec::new();
        }
        app.list.track();
        app.set.with_value(|set| {
            set.in_text_order()
                .into_iter()
                .filter(|a| a.anchor.is_some() && !a.note.trim().is_empty())
                .map(|a| (a.quote.exact.clone(), a.note.clone()))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <ol class="print-notes" aria-hidden="true">
            {move || notes
                .get()
                .into_iter()
                .map(|(quote, note)| view! { <li dir="auto"><q>{quote}</q>" — "{note}</li> })
                .collect_view()}
        </ol>
    }
}

/// A click on a mark (one listener for the whole article): focuses its annotation; repeated
/// clicks on a run covered by several highlights cycle through them.
fn click_mark(app: AppState, ev: web_sys::MouseEvent) {
    use wasm_bindgen::JsCast;
    let Some(mark) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("mark[data-at]").ok().flatten())
    else {
        return;
    };
    if let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
        if !sel.is_collapsed() {
            return; // the reader is selecting, not clicking
        }
    }
    let at = mark
        .get_attribute("data-at")
        .and_then(|v| v.parse::<usize>().ok());
    let block = mark
        .closest("[data-block]")
        .ok()
        .flatten()
        .and_then(|b| b.get_attribute("data-block"))
        .and_then(|v| v.parse::<usize>().ok());
    let (Some(at), Some(block)) = (at, block) else {
        return;
    };
    let ids = app.covering(block, at);
    let Some(last) = ids.last() else { return };
    let current = app.focused.get_untracked();
    let next = match current.and_then(|c| ids.iter().position(|i| *i == c)) {
        Some(pos) => ids[(pos + 1) % ids.len()].clone(),
        None => last.clone(),
    };
    reveal(app, &next, false);
    app.show_card(&next, false);
}
