//! The article: title, then the blocks as HTML made by the domain ([`marginalia_core::markup`]),
//! highlights as `<mark>` elements. A change re-renders only the blocks it touches (one
//! `innerHTML` write each, or, for a change in a long block, just the runs it touched); marks
//! have no listeners or effects of their own.
//!
//! The article is a tab stop with a keyboard reading mode, caret browsing as browsers do it:
//! focused from the keyboard it shows a caret, which the arrow keys move; Shift with an arrow
//! selects (by character, or by word with Ctrl, or Option on a Mac), and `h` / `n` act on the
//! selection as they do on a mouse's. A note's marker (drawn by the domain at the end of its
//! highlight) shows the note, rendered from its Markdown, on hover or focus.

use crate::ui::components::about::DocHeader;
use crate::ui::edge::clock::perf_now;
use crate::ui::edge::elements::{all, block_element, by_id, replace_nodes};
use crate::ui::edge::events::{on_document, on_target, on_window};
use crate::ui::edge::layout::{first_child_in_view, top_bar_bottom};
use crate::ui::edge::perf::UserTiming;
use crate::ui::edge::selection::{
    caret_at_block, caret_box, keeping_selection, move_caret, selection_ends, selection_focus_in,
    CaretStep,
};
use crate::ui::nav::reveal::reveal;
use crate::ui::state::{AppState, BlockPatch};
use leptos::prelude::*;
use marginalia_core::markup;
use marginalia_core::note::note_html;
use wasm_bindgen::JsCast;

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

/// From how many annotations a document's off-screen blocks are skipped by layout too, however
/// few its blocks (a sync or an import of thousands: every style and layout of the page, the
/// browser's own included, went through all their marks).
const MANY_ANNOTATIONS: usize = 1_000;

/// Up to this many changed blocks are always re-rendered in one go (a reader's own change).
const ALWAYS_AT_ONCE: usize = 16;

/// Past this many changed spans, a change's blocks are re-rendered a slice per task however few
/// they are.
const MANY_CHANGES: usize = 64;

/// Past this many nodes drawn in one task, the rest waits for the next one: the browser's
/// style, layout and paint of the frame that follows grow with them (a block of the bundled
/// article holds up to about 900 marks after a sync of 10,000).
const SLICE_NODES: usize = 600;

/// Past this much re-rendering in one task, the rest waits for the next one.
const SLICE_MS: f64 = 12.0;

#[component]
pub fn ArticleView() -> impl IntoView {
    let app = expect_context::<AppState>();
    mark_states(app);
    let (source, n) = app
        .doc
        .with_value(|d| (d.source_line.clone(), d.blocks.len()));
    // A long document's off-screen blocks are skipped by layout (content-visibility, style/);
    // so are those of one with many annotations, from the time it has them on (not undone when
    // they go: the class's change restyles the whole article).
    let many_marks = StoredValue::new(n > LONG_DOCUMENT_BLOCKS);
    let long = Memo::new(move |_| {
        // Before the marks of a large load are drawn (the list follows a task later).
        app.blocks_changed.track();
        app.list.track();
        if !many_marks.get_value() && app.set.with_value(|s| s.len()) > MANY_ANNOTATIONS {
            many_marks.set_value(true);
        }
        many_marks.get_value()
    });
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
        let _timing = (!dirty.is_empty()).then(|| UserTiming::start("marginalia:blocks"));
        // Many blocks, or many changes (a load, a sync, an import: in a short article, a few
        // blocks with hundreds of marks each), are re-rendered a slice per task, those on
        // screen first, so that the page paints and takes input in between.
        let many = dirty.len() > ALWAYS_AT_ONCE || touched.len() > MANY_CHANGES;
        let dirty = if many {
            markup::nearest_first(dirty, first_child_in_view(&root))
        } else {
            dirty
        };
        let started = perf_now();
        let mut drawn = 0;
        let mut selection = selection_ends();
        let mut queue = dirty.into_iter();
        while let Some(idx) = queue.next() {
            if many && (perf_now() - started > SLICE_MS || drawn > SLICE_NODES) {
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
                drawn += el.child_nodes().length() as usize;
            }
        }
    });
    let reading = ReadingMode::new();
    let peek = RwSignal::new(None::<Peek>);
    let article = NodeRef::<leptos::html::Article>::new();
    on_document("selectionchange", move |_| reading.follow(article));
    view! {
        // A tab stop (the keyboard reading mode), never editable: the reader's text is not theirs
        // to change.
        <article
            class="doc"
            class:long=move || long.get()
            id="article"
            tabindex="0"
            aria-labelledby="doc-title"
            aria-describedby="reading-mode-help"
            node_ref=article
            on:click=move |ev| click_mark(app, ev)
            on:focus=move |ev| {
                if is_self(&ev, article) {
                    reading.start(article, blocks);
                }
            }
            on:blur=move |ev| {
                if is_self(&ev, article) {
                    reading.stop();
                }
            }
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    peek.set(None);
                }
                if is_self(&ev, article) {
                    reading.key(&ev, article, blocks);
                }
            }
            on:focusin=move |ev| show_peek(peek, &ev)
            // Focus leaves as the article is taken off the page too, when `peek` may be gone.
            on:focusout=move |_| {
                let _ = peek.try_set(None);
            }
            on:mouseover=move |ev| show_peek(peek, &ev)
            on:mouseout=move |ev| {
                if marker_of(&ev).is_some() {
                    let _ = peek.try_set(None);
                }
            }
        >
            <DocHeader />
            <div class="blocks" node_ref=blocks inner_html=html></div>
            {source.map(|s| view! { <footer><cite>{s}</cite></footer> })}
            <PrintNotes />
        </article>
        <p id="reading-mode-help" class="visually-hidden">{READING_MODE_HELP}</p>
        <p class="visually-hidden" role="status">{move || reading.announced.get()}</p>
        {move || reading.caret.get().map(|(left, top, height)| view! {
            <div
                class="reading-caret"
                aria-hidden="true"
                style:left=format!("{}px", left.round() as i64)
                style:top=format!("{}px", top.round() as i64)
                style:height=format!("{}px", height.round() as i64)
            ></div>
        })}
        {move || peek.get().map(|p| {
            let html = app
                .set
                .with_value(|s| s.get(&p.id).map(|a| note_html(&a.note)))
                .unwrap_or_default();
            view! {
                <div
                    class="note-peek"
                    id="note-peek"
                    role="tooltip"
                    style:left=format!("{}px", p.left.round() as i64)
                    style:top=format!("{}px", p.top.round() as i64)
                    inner_html=html
                ></div>
            }
        })}
    }
}

/// What the article's description says of its reading mode (also in the `?` sheet).
pub const READING_MODE_HELP: &str = "Reading mode: the arrow keys move a caret through the text; \
    Shift with an arrow selects, by word with Ctrl (Option on a Mac); h highlights the \
    selection and n adds a note.";

/// Is the event's target the article itself (not a note marker or link inside it)?
fn is_self(ev: &web_sys::Event, article: NodeRef<leptos::html::Article>) -> bool {
    // `try_`: a focused article that leaves the page (another document opens) still sends its
    // blur, after its node reference is gone.
    let el: Option<web_sys::Element> = article.try_get_untracked().flatten().map(Into::into);
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|t| Some(t) == el)
}

/// The keyboard reading mode's state: the caret drawn (page pixels: left, top, height), whether
/// the keyboard moved it since the article took the focus, and what was announced.
#[derive(Clone, Copy)]
struct ReadingMode {
    caret: RwSignal<Option<(f64, f64, f64)>>,
    keyboard: RwSignal<bool>,
    announced: RwSignal<String>,
}

impl ReadingMode {
    fn new() -> Self {
        ReadingMode {
            caret: RwSignal::new(None),
            keyboard: RwSignal::new(false),
            announced: RwSignal::new(String::new()),
        }
    }

    /// The article took the focus: from the keyboard, the caret goes where the selection is in
    /// the text, else to the start of the first paragraph in view, and the mode is announced.
    fn start(self, article: NodeRef<leptos::html::Article>, blocks: NodeRef<leptos::html::Div>) {
        let (Some(el), Some(root)) = (article.get_untracked(), blocks.get_untracked()) else {
            return;
        };
        // A click focuses the article too: that is the mouse's selection, no caret drawn.
        if !el.matches(":focus-visible").unwrap_or(false) {
            return;
        }
        if !selection_focus_in(&root) {
            let first = first_child_in_view(&root)
                .min(root.child_element_count().saturating_sub(1) as usize);
            let _ = caret_at_block(&root, first);
        }
        self.keyboard.set(true);
        self.announced.set(READING_MODE_HELP.to_string());
        self.follow(article);
    }

    /// Also called as the article leaves the page (its focused title goes with it), when the
    /// signals may be gone already: hence `try_set`.
    fn stop(self) {
        let _ = self.keyboard.try_set(false);
        let _ = self.caret.try_set(None);
        let _ = self.announced.try_set(String::new());
    }

    /// Draws the caret where the selection's moving end now is (while the mode is on).
    fn follow(self, article: NodeRef<leptos::html::Article>) {
        if !self.keyboard.try_get_untracked().unwrap_or(false) {
            return;
        }
        let in_article = article
            .get_untracked()
            .is_some_and(|a| selection_focus_in(&a));
        let at = caret_box()
            .filter(|_| in_article)
            .map(|(left, top, height)| {
                let w = gloo_utils::window();
                (
                    left + w.scroll_x().unwrap_or(0.0),
                    top + w.scroll_y().unwrap_or(0.0),
                    height,
                )
            });
        self.caret.set(at);
    }

    /// A key pressed while the article has the focus: the caret keys move or extend the
    /// selection; the rest go on to the page's shortcuts.
    fn key(
        self,
        ev: &web_sys::KeyboardEvent,
        article: NodeRef<leptos::html::Article>,
        blocks: NodeRef<leptos::html::Div>,
    ) {
        let Some(root) = blocks.get_untracked() else {
            return;
        };
        let mac = gloo_utils::window()
            .navigator()
            .user_agent()
            .is_ok_and(|ua| ua.contains("Mac"));
        // Ctrl (Option on a Mac) moves by word; Alt alone elsewhere is the browser's Back.
        let word = ev.ctrl_key() || (mac && ev.alt_key());
        if ev.meta_key() || (ev.alt_key() && !mac) {
            return;
        }
        let (direction, step) = match ev.key().as_str() {
            "ArrowLeft" => (
                "left",
                if word {
                    CaretStep::Word
                } else {
                    CaretStep::Character
                },
            ),
            "ArrowRight" => (
                "right",
                if word {
                    CaretStep::Word
                } else {
                    CaretStep::Character
                },
            ),
            "ArrowUp" => ("backward", CaretStep::Line),
            "ArrowDown" => ("forward", CaretStep::Line),
            "Home" if !word => ("backward", CaretStep::LineBoundary),
            "End" if !word => ("forward", CaretStep::LineBoundary),
            _ => return,
        };
        ev.prevent_default();
        if !selection_focus_in(&root) {
            let first = first_child_in_view(&root)
                .min(root.child_element_count().saturating_sub(1) as usize);
            let _ = caret_at_block(&root, first);
        } else {
            move_caret(&root, ev.shift_key(), direction, step);
        }
        self.keyboard.set(true);
        self.follow(article);
        self.keep_in_view();
    }

    /// Scrolls the page so that the caret is between the top bar and the screen's bottom (or the
    /// phone's bottom sheet).
    fn keep_in_view(self) {
        let Some((_, top, height)) = self.caret.get_untracked() else {
            return;
        };
        let w = gloo_utils::window();
        let doc = gloo_utils::document();
        let y = top - w.scroll_y().unwrap_or(0.0);
        let upper = top_bar_bottom(&doc) + 8.0;
        let view_h = w
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let lower = doc
            .query_selector(".panel")
            .ok()
            .flatten()
            .map(|p| p.get_bounding_client_rect().top())
            .filter(|t| *t > upper && *t < view_h)
            .unwrap_or(view_h)
            - 8.0;
        let by = if y < upper {
            y - upper
        } else if y + height > lower {
            y + height - lower
        } else {
            return;
        };
        // The caret is drawn in page pixels: it scrolls with the text.
        w.scroll_by_with_x_and_y(0.0, by);
    }
}

/// A note marker's place: its annotation and where its note shows (page pixels).
#[derive(Clone, Debug, PartialEq)]
struct Peek {
    id: String,
    left: f64,
    top: f64,
}

/// The note marker an event happened on, if any.
fn marker_of(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest(".note-mark").ok().flatten())
}

/// Shows the note of the marker the pointer is on or the focus went to, under it.
fn show_peek(peek: RwSignal<Option<Peek>>, ev: &web_sys::Event) {
    let Some(marker) = marker_of(ev) else {
        return;
    };
    let Some(id) = marker.get_attribute("data-note") else {
        return;
    };
    let r = marker.get_bounding_client_rect();
    let w = gloo_utils::window();
    let view_w = gloo_utils::document()
        .document_element()
        .map_or(1024.0, |e| f64::from(e.client_width()));
    // At most 20rem wide (style/), kept on screen.
    let left = r.left().min(view_w - 328.0).max(8.0) + w.scroll_x().unwrap_or(0.0);
    let top = r.bottom() + 6.0 + w.scroll_y().unwrap_or(0.0);
    let next = Peek { id, left, top };
    if peek.get_untracked().as_ref() != Some(&next) {
        peek.set(Some(next));
    }
}

/// Notes as numbered footnotes, shown only in print: built when the page is about to print
/// (`beforeprint`, or the print media query starting to match), not on every change. They are in
/// the order of their markers in the text (where each highlight ends), so the numbers match.
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
            let mut notes: Vec<_> = set
                .in_text_order()
                .into_iter()
                .filter(|a| !a.note.trim().is_empty())
                .filter_map(|a| {
                    let span = a.anchor?;
                    let key = (span.end, span.start, a.created, a.id.clone());
                    Some((key, a.quote.exact.clone(), note_html(&a.note)))
                })
                .collect();
            marginalia_core::order::sort_by(&mut notes, |a, b| a.0.cmp(&b.0));
            notes
                .into_iter()
                .map(|(_, quote, html)| (quote, html))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <ol class="print-notes" aria-hidden="true">
            {move || notes
                .get()
                .into_iter()
                .map(|(quote, html)| view! {
                    <li dir="auto"><q>{quote}</q>" — "<div class="note-body" inner_html=html></div></li>
                })
                .collect_view()}
        </ol>
    }
}

/// A click on a mark (one listener for the whole article): focuses its annotation; repeated
/// clicks on a run covered by several highlights cycle through them.
fn click_mark(app: AppState, ev: web_sys::MouseEvent) {
    // A note's marker: its own annotation's card.
    if let Some(id) = marker_of(&ev).and_then(|m| m.get_attribute("data-note")) {
        reveal(app, &id, false);
        app.show_card(&id, false);
        return;
    }
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
