//! The article: title, then the blocks as HTML made by the domain ([`marginalia_core::markup`]),
//! highlights as `<mark>` elements. A change re-renders only the blocks it touches (one
//! `innerHTML` write each, or, for a change in a long block, just the runs it touched); marks
//! have no listeners or effects of their own.

use crate::ui::dom;
use crate::ui::state::{AppState, BlockPatch};
use leptos::prelude::*;
use marginalia_core::markup;

/// The elements of `list` (a query's result).
fn elements(list: web_sys::NodeList) -> impl Iterator<Item = web_sys::Element> {
    (0..list.length()).filter_map(move |i| {
        list.item(i)
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
    })
}

fn article_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id("article")
}

/// The element of the first block annotation `id` touches (its marks may not be drawn yet).
pub fn first_block_of(app: AppState, id: &str) -> Option<web_sys::Element> {
    let blocks = app.blocks_of(id);
    (!blocks.is_empty())
        .then(|| block_element(&article_element()?, blocks.start))
        .flatten()
}

/// The marks of annotation `id`, in text order: in the blocks where it has marks, those whose
/// run starts inside its span (runs never cross a highlight's ends), found by position among
/// the block's nodes (a search of the block's marks when it is not rendered as expected).
pub fn marks_of(app: AppState, id: &str) -> Vec<web_sys::Element> {
    let Some(span) = app
        .set
        .try_with_value(|s| s.get(id).and_then(|a| a.anchor))
        .flatten()
    else {
        return Vec::new();
    };
    let Some(article) = article_element() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for b in app.blocks_of(id) {
        let Some(block) = block_element(&article, b) else {
            continue;
        };
        // The block's nodes are its runs: those inside the span are the annotation's marks.
        let nodes = block.child_nodes();
        if let Some((runs, count)) = app.runs_within(b, span) {
            if count == nodes.length() as usize {
                out.extend(runs.filter_map(|i| {
                    nodes
                        .item(i as u32)
                        .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                        .filter(|el| el.has_attribute("data-at"))
                }));
                continue;
            }
        }
        if let Ok(list) = block.query_selector_all("mark[data-at]") {
            out.extend(elements(list).filter(|m| {
                m.get_attribute("data-at")
                    .and_then(|v| v.parse::<usize>().ok())
                    .is_some_and(|at| span.start <= at && at < span.end)
            }));
        }
    }
    out
}

/// Moves the `active` (focused) and `flash` classes between marks: one effect for the whole
/// article, looking only in the blocks where the annotation has marks. Marks read both states
/// when they are rendered, so re-rendered blocks start right.
fn mark_states(app: AppState) {
    let toggle = move |class: &'static str, id: Option<&str>| {
        let Some(article) = article_element() else {
            return;
        };
        if let Ok(list) = article.query_selector_all(&format!("mark.{class}")) {
            for el in elements(list) {
                let _ = el.class_list().remove_1(class);
            }
        }
        let Some(id) = id else { return };
        for el in marks_of(app, id) {
            let _ = el.class_list().add_1(class);
        }
    };
    Effect::new(move |_| app.focused.with(|f| toggle("active", f.as_deref())));
    Effect::new(move |_| {
        app.flash
            .with(|f| toggle("flash", f.as_ref().map(|f| f.0.as_str())))
    });
}

/// The element of block `idx` inside `root`: its `idx`-th child when `root` holds the blocks
/// (no search), else found by its `data-block`.
fn block_element(root: &web_sys::Element, idx: usize) -> Option<web_sys::Element> {
    root.children()
        .item(idx as u32)
        .filter(|el| el.get_attribute("data-block") == Some(idx.to_string()))
        .or_else(|| {
            root.query_selector(&format!("[data-block=\"{idx}\"]"))
                .ok()
                .flatten()
        })
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
    let (title, source, n) = app
        .doc
        .with_value(|d| (d.title.clone(), d.source_line.clone(), d.blocks.len()));
    // A long document's off-screen blocks are skipped by layout (content-visibility, style/).
    let class = if n > LONG_DOCUMENT_BLOCKS {
        "doc long"
    } else {
        "doc"
    };
    // Every block in one write (a 1 MB document is one HTML parse, not thousands of views);
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
            markup::nearest_first(dirty, dom::first_child_in_view(&root))
        } else {
            dirty
        };
        let started = dom::perf_now();
        let mut selection = dom::selection_ends();
        let mut queue = dirty.into_iter();
        while let Some(idx) = queue.next() {
            if many && dom::perf_now() - started > SLICE_MS {
                app.defer_blocks(std::iter::once(idx).chain(queue).collect());
                break;
            }
            if let Some(el) = block_element(&root, idx) {
                let nodes = el.child_nodes().length() as usize;
                let patch = app.block_patch(idx, &touched, nodes);
                dom::keeping_selection(&mut selection, &el, || match patch {
                    BlockPatch::Whole(html) => el.set_inner_html(&html),
                    BlockPatch::Runs { from, to, html } => {
                        if !dom::replace_nodes(&el, from, to, &html) {
                            el.set_inner_html(&app.block_html(idx));
                        }
                    }
                });
            }
        }
    });
    view! {
        <article class=class id="article" aria-labelledby="doc-title" on:click=move |ev| click_mark(app, ev)>
            // `tabindex="-1"`: the focus goes to the title when a document opens, or when a message
            // above it goes with its focused button (`dom::focus_id_if_lost`); not a tab stop.
            <h1 id="doc-title" dir="auto" tabindex="-1">{title}</h1>
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
    let before = window_event_listener(leptos::ev::beforeprint, move |_| printing.set(true));
    let after = window_event_listener(leptos::ev::afterprint, move |_| printing.set(false));
    if let Some(query) = web_sys::window().and_then(|w| w.match_media("print").ok().flatten()) {
        printing.set(query.matches());
        crate::ui::dom::on_target(query.into(), "change", move |ev| {
            if let Some(ev) = wasm_bindgen::JsCast::dyn_ref::<web_sys::MediaQueryListEvent>(&ev) {
                printing.set(ev.matches());
            }
        });
    }
    on_cleanup(move || {
        before.remove();
        after.remove();
    });
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
    app.reveal(&next, false);
    app.show_card(&next, false);
}
