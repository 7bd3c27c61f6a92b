//! The Leptos user interface: the one layer that touches the DOM. It turns reader gestures into
//! domain operations and renders the domain's state; all logic worth testing lives in `domain`.

pub mod article;
pub mod dom;
pub mod idb;
pub mod import;
pub mod library;
pub mod panel;
pub mod panic;
pub mod persist;
pub mod place;
pub mod state;
pub mod sync;
pub mod toolbar;

use article::ArticleView;
use import::{ImportButton, ImportReport, ImportReportView};
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, Filter};
use marginalia_core::article::{slugify, Document};
use marginalia_core::{markdown_export, w3c};
use panel::{FilterState, Panel};
use state::AppState;
use toolbar::{act, Pending, PendingSel, SelectionToolbar};

/// Mounts the app on `<body>`.
pub fn start() {
    panic::install();
    // The release build's static copy of the bundled article (examples/prerender.rs) gives way
    // to the app in the same task: nothing is painted in between.
    if let Some(pre) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("prerender"))
    {
        pre.remove();
    }
    leptos::mount::mount_to_body(Root);
}

/// Downloads the annotations as W3C JSON (`w3c::export_text`), written a slice per task:
/// 10,000 annotations are 10 MB, which in one go held the page for over 100 ms. The file has the
/// annotations as they were at the click.
fn download_json(app: AppState) {
    let Some((doc, items)) = app.doc.try_with_value(|doc| {
        let items: Vec<Annotation> = app
            .set
            .with_value(|set| set.in_text_order().into_iter().cloned().collect());
        (doc.clone(), items)
    }) else {
        return;
    };
    let name = format!("{}-annotations.json", slugify(&doc.id));
    let (mut text, tail) = w3c::export_head_tail(&doc, items.len(), dom::now());
    leptos::task::spawn_local(async move {
        let parts = js_sys::Array::new();
        let mut steps = dom::Steps::start();
        for (i, a) in items.iter().enumerate() {
            w3c::push_export_item(&mut text, &doc, a, i);
            if steps.over() && i + 1 < items.len() {
                parts.push(&dom::utf8_part(&text));
                text.clear();
                steps.next().await;
            }
        }
        text.push_str(&tail);
        parts.push(&dom::utf8_part(&text));
        let outcome = dom::download_parts(&name, "application/ld+json", &parts);
        if app.doc.try_with_value(|_| ()).is_some() {
            match outcome {
                Ok(()) => app.show_toast(format!("Downloaded {}", name), false),
                Err(e) => app.show_toast(e, false),
            }
        }
    });
}

fn download_markdown(app: AppState) {
    let (name, md) = app.doc.with_value(|doc| {
        let md = app
            .set
            .with_value(|set| markdown_export::to_markdown(doc, &set.in_text_order()));
        (format!("{}-annotations.md", slugify(&doc.id)), md)
    });
    match dom::download(&name, "text/markdown", &md) {
        Ok(()) => app.show_toast(format!("Downloaded {}", name), false),
        Err(e) => app.show_toast(e, false),
    }
}

/// Ids of the anchored annotations in text order.
fn anchored_ids(app: AppState) -> Vec<String> {
    app.set.with_value(|set| {
        set.in_text_order()
            .into_iter()
            .filter(|a| a.anchor.is_some())
            .map(|a| a.id.clone())
            .collect()
    })
}

/// `j` / `k`: the next / previous annotation in text order.
fn step(app: AppState, forward: bool) {
    let ids = anchored_ids(app);
    if ids.is_empty() {
        return;
    }
    let current = app
        .focused
        .get_untracked()
        .and_then(|f| ids.iter().position(|i| *i == f));
    let next = match (current, forward) {
        (None, true) => 0,
        (None, false) => ids.len() - 1,
        (Some(i), true) => (i + 1).min(ids.len() - 1),
        (Some(i), false) => i.saturating_sub(1),
    };
    let id = ids[next].clone();
    app.reveal(&id, true);
    app.show_card(&id, true);
}

/// A modal dialog's focus: on opening, `first` (else the dialog itself) takes it, after the
/// frame that draws the dialog; on closing, it goes back to the control that had it before.
pub fn modal_focus(
    open: RwSignal<bool>,
    dialog: NodeRef<leptos::html::Div>,
    first: impl Fn() -> Option<web_sys::HtmlElement> + Copy + 'static,
) {
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        if is_open && was_open != Some(true) {
            opener.set_value(dom::focused_element());
            request_animation_frame(move || {
                let el = first().or_else(|| dialog.get_untracked().map(Into::into));
                if let Some(el) = el {
                    dom::focus_once_shown(el, 2);
                }
            });
        } else if !is_open && was_open == Some(true) {
            if let Some(el) = opener.try_update_value(Option::take).flatten() {
                if el.is_connected() {
                    let _ = el.focus();
                }
            }
        }
        is_open
    });
}

/// Keyboard shortcuts for the whole page (never while typing in a field).
fn on_key(
    app: AppState,
    pending: RwSignal<Option<Pending>>,
    help: RwSignal<bool>,
    ev: web_sys::KeyboardEvent,
) {
    let key = ev.key();
    let ctrl = ev.ctrl_key() || ev.meta_key();
    if key == "Escape" {
        pending.set(None);
        help.set(false);
        if let Some(id) = app.editing.get_untracked() {
            if app.fresh_note.get_untracked().as_deref() == Some(id.as_str()) {
                app.discard_fresh(&id);
            } else {
                app.editing.set(None);
            }
        }
        return;
    }
    if dom::typing_in_field() || ev.alt_key() {
        return; // the field's own undo and keys win
    }
    match (ctrl, ev.shift_key(), key.as_str()) {
        (true, false, "z") | (true, false, "Z") => {
            ev.prevent_default();
            let _ = app.undo();
        }
        (true, true, "z") | (true, true, "Z") | (true, _, "y") | (true, _, "Y") => {
            ev.prevent_default();
            app.redo();
        }
        (false, _, "h") => act(app, pending, false),
        (false, _, "n") => {
            ev.prevent_default();
            act(app, pending, true)
        }
        (false, _, "j") => step(app, true),
        (false, _, "k") => step(app, false),
        (false, _, "/") => {
            ev.prevent_default();
            // On a phone the search box is in the bottom sheet: opened first, focused once shown.
            app.sheet_open.set(true);
            request_animation_frame(|| {
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("search"))
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                {
                    let _ = el.focus();
                }
            });
        }
        (false, _, "?") => help.set(true),
        (false, _, "Delete") => {
            if let Some(id) = app.focused.get_untracked() {
                app.delete(&id);
            }
        }
        _ => {}
    }
}

/// Every shortcut, for the `?` sheet.
const SHORTCUTS: [(&str, &str); 11] = [
    ("h", "Highlight the selection"),
    ("n", "Highlight the selection and add a note"),
    ("j / k", "Next / previous annotation"),
    ("Delete", "Delete the focused annotation"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z or Ctrl+Y", "Redo"),
    ("/", "Search annotations"),
    ("Ctrl+Enter", "Save the note being edited"),
    ("Escape", "Close editors, menus and this sheet"),
    ("?", "Show this list"),
    ("Tab", "Move between controls"),
];

#[component]
fn HelpSheet(open: RwSignal<bool>) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Div>::new();
    let close = NodeRef::<leptos::html::Button>::new();
    modal_focus(open, dialog, move || close.get_untracked().map(Into::into));
    view! {
        <Show when=move || open.get()>
            <div class="sheet-backdrop" on:click=move |_| open.set(false)></div>
            <div
                class="sheet"
                role="dialog"
                aria-modal="true"
                aria-labelledby="help-title"
                tabindex="-1"
                node_ref=dialog
                on:keydown=move |ev| dom::dialog_keydown(&ev, || open.set(false))
            >
                <h2 id="help-title">"Keyboard shortcuts"</h2>
                <dl>
                    {SHORTCUTS
                        .iter()
                        .map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> })
                        .collect_view()}
                </dl>
                <button node_ref=close on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Show>
    }
}

/// The page: shows the document the address names (`#doc=<id>`), the bundled article by default.
#[component]
pub fn Root() -> impl IntoView {
    let (doc, annotation) = library::initial();
    library::Nav::record_open(&doc, "");
    let nav = library::Nav {
        current: RwSignal::new(doc),
        offer: RwSignal::new(None),
        error: RwSignal::new(None),
        target_annotation: RwSignal::new(annotation),
    };
    provide_context(nav);
    library::follow_hash(nav);
    move || {
        let doc = nav.current.get();
        view! { <App doc=doc /> }
    }
}

#[component]
pub fn App(doc: Document) -> impl IntoView {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(&format!("Marginalia — {}", doc.title));
    }
    let app = AppState::new(doc);
    provide_context(app);
    let nav = use_context::<library::Nav>();
    let pending = RwSignal::new(None::<Pending>);
    provide_context(PendingSel(pending));
    provide_context(FilterState(RwSignal::new(Filter::default())));
    let report = ImportReport(RwSignal::new(None));
    provide_context(report);
    import::listen_for_drops(app, report, nav);
    if let Some(nav) = nav {
        library::attach(app, nav);
    }
    // Going back to the reading place belongs to the app that navigates between documents (an
    // `App` mounted on its own, as in the browser tests, only keeps it).
    let go_back = nav.is_some_and(|n| n.target_annotation.get_untracked().is_none());
    place::keep(&app.doc.with_value(|d| d.id.clone()), go_back);
    let library_open = RwSignal::new(false);
    sync::install(app);
    persist::guard_note_length(app);
    let help = RwSignal::new(false);
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        on_key(app, pending, help, ev)
    });
    // A scheduled save runs at once when the page is hidden or left, or this document closes
    // (then also what waited for the stored annotations to be read: `AppState::close`). A large
    // save still handing its records over a slice per task is then written at once: a hidden
    // page's tasks may be held back, and a page that goes away takes an unfinished transaction
    // with it.
    let hide = window_event_listener(leptos::ev::pagehide, move |_| {
        app.flush_save();
        idb::finish_writes();
    });
    dom::on_document("visibilitychange", move |_| {
        app.flush_save();
        if dom::page_hidden() {
            idb::finish_writes();
        }
    });
    on_cleanup(move || {
        keys.remove();
        hide.remove();
        app.close();
    });
    let can_undo = move || {
        app.list.track();
        app.set.with_value(|s| s.can_undo())
    };
    let can_redo = move || {
        app.list.track();
        app.set.with_value(|s| s.can_redo())
    };
    let is_empty = move || {
        app.list.track();
        app.set.with_value(|s| s.is_empty())
    };
    let clear_all = move |_| {
        // Unavailable (`aria-disabled`) but still clickable: nothing to clear, nothing done. Read
        // untracked: `is_empty` tracks the list, which an event handler must not.
        if app.set.with_value(|s| s.is_empty()) {
            return;
        }
        let summary = app.set.try_update_value(|s| s.clear_all());
        if let Some(summary) = summary {
            app.after_change(&summary);
            app.show_toast("Cleared all annotations", true);
        }
    };
    // The top bar and the messages under it stay at the top of the screen together: a report or
    // a warning that arrives while the reader is down the page is seen where they are. Their
    // height is `--top-h`, below which the desktop panel sticks.
    Effect::new(move || dom::publish_height(".top", "--top-h"));
    view! {
        <div class="top">
            <header class="topbar">
                <span class="brand">"Marginalia" <small>"highlights stay on this device"</small></span>
                <nav class="tools" aria-label="Annotation tools">
                    // `aria-disabled`, not `disabled`: a disabled button loses the focus, and the
                    // last undo would send a keyboard reader back to the top of the page.
                    <button aria-disabled=move || (!can_undo()).to_string() on:click=move |_| { let _ = app.undo(); } title="Undo (Ctrl+Z)">"Undo"</button>
                    <button aria-disabled=move || (!can_redo()).to_string() on:click=move |_| app.redo() title="Redo (Ctrl+Shift+Z)">"Redo"</button>
                    <button on:click=move |_| download_json(app)>"Download annotations"</button>
                    <button on:click=move |_| download_markdown(app)>"Download Markdown"</button>
                    <ImportButton />
                    <Show when=move || nav.is_some()>
                        <button on:click=move |_| library_open.set(true) title="Your documents, and opening your own articles">"Library"</button>
                    </Show>
                    <button aria-disabled=move || is_empty().to_string() on:click=clear_all title="Remove every annotation (undoable)">"Clear all"</button>
                    <button aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" on:click=move |_| help.set(true)>"?"</button>
                </nav>
            </header>
            <section class="messages" aria-label="Messages">
                <Banner />
                <ImportReportView />
                <Show when=move || nav.is_some()>
                    <library::NavError />
                    <library::CarryOverOffer />
                </Show>
                <ToastView />
            </section>
        </div>
        <div class="layout">
            <main class="reading">
                <ArticleView />
                <SelectionToolbar pending=pending />
            </main>
            <Panel />
        </div>
        <HelpSheet open=help />
        <Show when=move || nav.is_some()>
            <library::LibrarySheet open=library_open />
        </Show>
    }
}

#[component]
fn Banner() -> impl IntoView {
    let app = expect_context::<AppState>();
    let download_damaged = move |_| persist::download_damaged(app);
    let start_fresh = move |_| persist::start_fresh(app);
    move || {
        app.banner.get().map(|b| {
            let class = if b.error {
                "status error"
            } else {
                "status warn"
            };
            let damaged = b.damaged;
            view! {
                <div class=class role="alert">
                    {b.text}
                    {damaged.then(|| view! {
                        <button on:click=download_damaged>"Download the damaged data"</button>
                        <button on:click=start_fresh>"Start fresh"</button>
                    })}
                    {(!damaged).then(|| view! {
                        <button on:click=move |_| download_json(app)>"Download annotations"</button>
                    })}
                </div>
            }
        })
    }
}

/// The toast's **Undo** (after a delete or Clear all): the toast goes, and the focus, which was
/// on its button, goes to the first card the undo brings back.
fn undo_from_toast(app: AppState) {
    let was = dom::focused_element();
    app.toast.set(None);
    let ids = app.undo();
    if let Some(was) = was {
        dom::when_focus_lost(was.into(), move || {
            dom::all(document().query_selector_all("[data-card]"))
                .into_iter()
                .find(|c| {
                    c.get_attribute("data-card")
                        .is_some_and(|id| ids.contains(&id))
                })
                .and_then(|c| dom::card_target(&c))
        });
    }
}

#[component]
fn ToastView() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div role="status" aria-live="polite" class="toast-region">
            {move || app.toast.get().map(|t| view! {
                <div class="toast">
                    <span>{if t.undo { format!("{} — ", t.text) } else { t.text.clone() }}</span>
                    {t.undo.then(|| view! {
                        <button on:click=move |_| undo_from_toast(app)>"Undo"</button>
                    })}
                </div>
            })}
        </div>
    }
}
