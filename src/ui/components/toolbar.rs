//! The floating toolbar shown beside a selection in the article: **Highlight** and **Note**.

use crate::ui::edge::events::{on_document, on_window};
use crate::ui::edge::focus::focused_element;
use crate::ui::edge::layout::top_bar_bottom;
use crate::ui::edge::selection::{clear_selection, collapse_to_end, selection_in};
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::Color;
use marginalia_core::span::CharSpan;
use wasm_bindgen::JsCast;

/// The selection the toolbar acts on (document offsets, trimmed) and where it is on screen
/// (viewport pixels: its top, bottom and horizontal centre), for placing the toolbar beside it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pending {
    pub span: CharSpan,
    pub top: f64,
    pub bottom: f64,
    pub center: f64,
}

/// Clear space kept between the toolbar and the screen's edges, in pixels.
const EDGE: f64 = 8.0;

/// Where the toolbar goes (its top-left corner, in the viewport's pixels), given its own size:
/// above the selection when there is room below the top bar and any messages under it (whose
/// bottom edge is `top_bar`), else below it; centred on it, but never past either side of the
/// screen (the toolbar is at most the screen's width less the margins: it wraps in CSS).
fn place(p: &Pending, width: f64, height: f64, viewport_w: f64, top_bar: f64) -> (f64, f64) {
    let above = p.top - height - 4.0;
    let top = if above >= top_bar + EDGE {
        above
    } else {
        p.bottom + EDGE
    };
    // `min` then `max`, not `clamp`: clamp's panic message would bring the float formatter
    // into the shipped wasm.
    let left = (p.center - width / 2.0)
        .min(viewport_w - width - EDGE)
        .max(EDGE);
    (top, left)
}

/// The pending selection, shared through context (the toolbar, shortcuts and Re-attach use it).
#[derive(Clone, Copy)]
pub struct PendingSel(pub RwSignal<Option<Pending>>);

/// Reads the current browser selection as a trimmed document span, or `None`.
pub fn read_selection(app: &AppState) -> Option<Pending> {
    let root = web_sys::window()?
        .document()?
        .get_element_by_id("article")?;
    let (block_lens, block_starts) = app.doc.with_value(|d| {
        let lens: Vec<usize> = (0..d.blocks.len()).map(|i| d.block_span(i).len()).collect();
        let starts: Vec<usize> = (0..d.blocks.len()).map(|i| d.block_start(i)).collect();
        (lens, starts)
    });
    let (points, rect) = selection_in(&root, &block_lens)?;
    let start = block_starts[points.start.0] + points.start.1;
    let end = block_starts[points.end.0] + points.end.1;
    let span = app
        .doc
        .with_value(|d| d.text().trim_span(CharSpan::new(start, end)))?;
    Some(Pending {
        span,
        top: rect.top(),
        bottom: rect.bottom(),
        center: rect.left() + rect.width() / 2.0,
    })
}

/// Highlights the pending selection (or focuses the highlight already on exactly those words);
/// with `note`, also opens the note editor.
pub fn act(app: AppState, pending: RwSignal<Option<Pending>>, note: bool) {
    let Some(p) = pending.get_untracked().or_else(|| read_selection(&app)) else {
        return;
    };
    if let Some((id, new)) = app.highlight(p.span) {
        // In the article's reading mode the caret goes on from the end of the words.
        if focused_element().is_some_and(|e| e.id() == "article") {
            collapse_to_end();
        } else {
            clear_selection();
        }
        pending.set(None);
        app.focused.set(Some(id.clone()));
        if !new {
            // The same words highlighted again: their card, not a second one.
            app.show_card(&id, false);
        }
        if note {
            if new {
                app.fresh_note.set(Some(id.clone()));
            }
            app.editing.set(Some(id));
        }
    }
}

#[component]
pub fn SelectionToolbar(pending: RwSignal<Option<Pending>>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let dragging = StoredValue::new(false);
    let refresh = move || {
        // Deferred calls may arrive after this document's view was replaced: do nothing then.
        if dragging.try_get_value().unwrap_or(true) || app.doc.try_with_value(|_| ()).is_none() {
            return;
        }
        let next = read_selection(&app);
        if pending.get_untracked() != next {
            pending.set(next);
        }
    };
    on_document("selectionchange", move |_| refresh());
    on_document("pointerdown", move |ev| {
        let in_toolbar = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(".sel-toolbar").ok().flatten())
            .is_some();
        if !in_toolbar {
            dragging.try_set_value(true);
        }
    });
    // A drag ends, or a resized window reflows the text: once the browser has settled the
    // selection, the toolbar shows for it, beside the words where they now are.
    let settle = move |_: &web_sys::Event| {
        dragging.try_set_value(false);
        request_animation_frame(refresh);
    };
    on_document("pointerup", settle);
    on_window("resize", settle);
    // Placed once shown, from its own measured size: on a phone the toolbar is most of the
    // screen's width, and a guessed width put its Note button off the edge. Effects run before
    // the next paint, so it is never seen in the wrong place.
    let bar = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let (Some(p), Some(el)) = (pending.get(), bar.get()) else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(document) = window.document() else {
            return;
        };
        // The page's width without its scroll bar, and how far it is scrolled: the toolbar is
        // placed on the page, beside the words, so that it scrolls with them.
        let viewport_w = document
            .document_element()
            .map_or(1024.0, |e| f64::from(e.client_width()));
        let (scroll_x, scroll_y) = (
            window.scroll_x().unwrap_or(0.0),
            window.scroll_y().unwrap_or(0.0),
        );
        let top_bar = top_bar_bottom(&document);
        let style = web_sys::HtmlElement::style(&el);
        // Measured at the left edge, where it has the whole width to lay out in.
        let _ = style.set_property("left", "0");
        let (top, left) = place(
            &p,
            el.offset_width().into(),
            el.offset_height().into(),
            viewport_w,
            top_bar,
        );
        let _ = style.set_property("top", &format!("{}px", (top + scroll_y).round() as i32));
        let _ = style.set_property("left", &format!("{}px", (left + scroll_x).round() as i32));
    });
    view! {
        <Show when=move || pending.with(Option::is_some)>
            <div
                class="sel-toolbar"
                role="toolbar"
                aria-label="Annotate selection"
                node_ref=bar
                on:mousedown=|ev: leptos::ev::MouseEvent| ev.prevent_default()
            >
                <div class="swatches" role="radiogroup" aria-label="Colour">
                    {Color::ALL
                        .into_iter()
                        .map(|c| {
                            let class = format!("swatch {}", c.style_class());
                            view! {
                                <button
                                    class=class
                                    role="radio"
                                    aria-label=c.label()
                                    title=format!("{} (colour)", c.label())
                                    aria-checked=move || if app.color.get() == c { "true" } else { "false" }
                                    on:click=move |_| app.color.set(c)
                                ></button>
                            }
                        })
                        .collect_view()}
                </div>
                <button title="Highlight (h)" on:click=move |_| act(app, pending, false)>"Highlight"</button>
                <button title="Highlight and add a note (n)" on:click=move |_| act(app, pending, true)>"Note"</button>
            </div>
        </Show>
    }
}
