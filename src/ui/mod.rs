//! The Leptos user interface: the one layer that touches the DOM. It turns reader gestures into
//! domain operations and renders the domain's state; all logic worth testing lives in `domain`.

pub mod article;
pub mod dom;
pub mod panel;
pub mod persist;
pub mod state;
pub mod toolbar;

use crate::domain::article::{slugify, Document};
use crate::domain::{markdown_export, w3c};
use article::ArticleView;
use leptos::prelude::*;
use panel::Panel;
use state::AppState;
use toolbar::{act, Pending, SelectionToolbar};

/// Mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <App doc=Document::bundled() /> });
}

fn download_json(app: AppState) {
    let (name, json) = app.doc.with_value(|doc| {
        let json = app.set.with_value(|set| {
            let items = set.in_text_order();
            w3c::to_string_pretty(&w3c::export_collection(doc, &items, dom::now()))
        });
        (format!("{}-annotations.json", slugify(&doc.id)), json)
    });
    match dom::download(&name, "application/ld+json", &json) {
        Ok(()) => app.show_toast(format!("Downloaded {}", name), false),
        Err(e) => app.show_toast(e, false),
    }
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

/// Keyboard shortcuts for the whole page (never while typing in a field).
fn on_key(app: AppState, pending: RwSignal<Option<Pending>>, ev: web_sys::KeyboardEvent) {
    let key = ev.key();
    let ctrl = ev.ctrl_key() || ev.meta_key();
    if key == "Escape" {
        pending.set(None);
        if let Some(id) = app.editing.get_untracked() {
            if app.fresh_note.get_untracked().as_deref() == Some(id.as_str()) {
                app.discard_fresh(&id);
            } else {
                app.editing.set(None);
            }
        }
        return;
    }
    if dom::typing_in_field() {
        return; // the field's own undo and keys win
    }
    match (ctrl, ev.shift_key(), key.as_str()) {
        (true, false, "z") | (true, false, "Z") => {
            ev.prevent_default();
            app.undo();
        }
        (true, true, "z") | (true, true, "Z") | (true, _, "y") | (true, _, "Y") => {
            ev.prevent_default();
            app.redo();
        }
        (false, _, "h") if !ev.alt_key() => act(app, pending, false),
        (false, _, "n") if !ev.alt_key() => {
            ev.prevent_default();
            act(app, pending, true)
        }
        (false, _, "Delete") => {
            if let Some(id) = app.focused.get_untracked() {
                app.delete(&id);
            }
        }
        _ => {}
    }
}

#[component]
pub fn App(doc: Document) -> impl IntoView {
    let app = AppState::new(doc);
    provide_context(app);
    let pending = RwSignal::new(None::<Pending>);
    let _keys = window_event_listener(leptos::ev::keydown, move |ev| on_key(app, pending, ev));
    let can_undo = move || {
        app.list.track();
        app.set.with_value(|s| s.can_undo())
    };
    let can_redo = move || {
        app.list.track();
        app.set.with_value(|s| s.can_redo())
    };
    view! {
        <header class="topbar">
            <span class="brand">"Marginalia" <small>"highlights stay on this device"</small></span>
            <button disabled=move || !can_undo() on:click=move |_| app.undo() title="Undo (Ctrl+Z)">"Undo"</button>
            <button disabled=move || !can_redo() on:click=move |_| app.redo() title="Redo (Ctrl+Shift+Z)">"Redo"</button>
            <button on:click=move |_| download_json(app)>"Download annotations"</button>
            <button on:click=move |_| download_markdown(app)>"Download Markdown"</button>
        </header>
        <Banner />
        <div class="layout">
            <main class="reading">
                <ArticleView />
            </main>
            <Panel />
        </div>
        <SelectionToolbar pending=pending />
        <ToastView />
    }
}

#[component]
fn Banner() -> impl IntoView {
    let app = expect_context::<AppState>();
    let download_damaged = move |_| {
        let raw = app
            .persist
            .with_value(|p| p.damaged_raw.clone())
            .unwrap_or_default();
        let name = app
            .doc
            .with_value(|d| format!("{}-damaged-storage.json", slugify(&d.id)));
        if let Err(e) = dom::download(&name, "application/json", &raw) {
            app.show_toast(e, false);
        }
    };
    let start_fresh = move |_| {
        app.persist.update_value(|p| p.release());
        app.banner.set(None);
        app.save();
        app.show_toast(
            "Started fresh. The damaged data stays in a backup key.",
            false,
        );
    };
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

#[component]
fn ToastView() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div role="status" aria-live="polite" class="toast-region">
            {move || app.toast.get().map(|t| view! {
                <div class="toast">
                    <span>{if t.undo { format!("{} — ", t.text) } else { t.text.clone() }}</span>
                    {t.undo.then(|| view! {
                        <button on:click=move |_| { app.toast.set(None); app.undo(); }>"Undo"</button>
                    })}
                </div>
            })}
        </div>
    }
}
