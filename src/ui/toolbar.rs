//! The floating toolbar shown beside a selection in the article: **Highlight** and **Note**.

use crate::domain::annotation::Color;
use crate::domain::span::CharSpan;
use crate::ui::dom;
use crate::ui::state::AppState;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The selection the toolbar acts on (document offsets, trimmed) and where to show it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pending {
    pub span: CharSpan,
    pub top: f64,
    pub left: f64,
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
    let (points, rect) = dom::selection_in(&root, &block_lens)?;
    let start = block_starts[points.start.0] + points.start.1;
    let end = block_starts[points.end.0] + points.end.1;
    let span = app
        .doc
        .with_value(|d| d.text().trim_span(CharSpan::new(start, end)))?;
    let viewport_w = web_sys::window()?
        .inner_width()
        .ok()?
        .as_f64()
        .unwrap_or(1024.0);
    let top = if rect.top() > 56.0 {
        rect.top() - 48.0
    } else {
        rect.bottom() + 8.0
    };
    // `min` then `max`, not `clamp`: clamp's panic message would bring the float formatter
    // (about 6 KB gzip) into the shipped wasm.
    let left = (rect.left() + rect.width() / 2.0 - 90.0)
        .min(viewport_w - 200.0)
        .max(8.0);
    Some(Pending { span, top, left })
}

/// Highlights the pending selection; with `note`, also opens the note editor.
pub fn act(app: AppState, pending: RwSignal<Option<Pending>>, note: bool) {
    let Some(p) = pending.get_untracked().or_else(|| read_selection(&app)) else {
        return;
    };
    if let Some(id) = app.create(p.span) {
        dom::clear_selection();
        pending.set(None);
        app.focused.set(Some(id.clone()));
        if note {
            app.fresh_note.set(Some(id.clone()));
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
    dom::on_document("selectionchange", move |_| refresh());
    dom::on_document("pointerdown", move |ev: web_sys::Event| {
        let in_toolbar = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(".sel-toolbar").ok().flatten())
            .is_some();
        if !in_toolbar {
            dragging.try_set_value(true);
        }
    });
    dom::on_document("pointerup", move |_| {
        dragging.try_set_value(false);
        // Let the browser settle the selection first.
        request_animation_frame(refresh);
    });
    view! {
        <Show when=move || pending.with(Option::is_some)>
            <div
                class="sel-toolbar"
                role="toolbar"
                aria-label="Annotate selection"
                style:top=move || format!("{}px", pending.get().map_or(0, |p| p.top.round() as i32))
                style:left=move || format!("{}px", pending.get().map_or(0, |p| p.left.round() as i32))
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
