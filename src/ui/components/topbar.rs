//! The top bar: the brand and the tools (library, import, shortcuts, undo, redo, downloads,
//! sync, clear all), a reader's common actions first.

use crate::ui::components::import::ImportButton;
use crate::ui::components::later::{self, download_json, download_markdown};
use crate::ui::components::review::ReviewButton;
use crate::ui::components::sync_dialog::{SyncStatus, SyncTagline};
use crate::ui::nav::Nav;
use crate::ui::state::AppState;
use leptos::prelude::*;

#[component]
pub fn TopBar(
    library_open: RwSignal<bool>,
    help: RwSignal<bool>,
    sync_open: RwSignal<bool>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let nav = use_context::<Nav>();
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
    view! {
        <header class="topbar">
            <span class="brand">"Marginalia" <small><SyncTagline /></small></span>
            <nav class="tools" aria-label="Annotation tools">
                // A reader's common actions first: on a phone's narrow bar the rest scroll
                // sideways, and Undo is also in the toast after a change.
                <Show when=move || nav.is_some()>
                    <button on:click=move |_| library_open.set(true) title="Your documents, and opening your own articles">"Library"</button>
                </Show>
                <ImportButton />
                <button aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" on:click=move |_| help.set(true)>"?"</button>
                // `aria-disabled`, not `disabled`: a disabled button loses the focus, and the
                // last undo would send a keyboard reader back to the top of the page.
                <button aria-disabled=move || (!can_undo()).to_string() on:click=move |_| { let _ = app.undo(); } title="Undo (Ctrl+Z)">"Undo"</button>
                <button aria-disabled=move || (!can_redo()).to_string() on:click=move |_| app.redo() title="Redo (Ctrl+Shift+Z)">"Redo"</button>
                <button on:click=move |_| later::start(app, download_json(app))>"Download annotations"</button>
                <button on:click=move |_| later::start(app, download_markdown(app))>"Download Markdown"</button>
                <Show when=move || nav.is_some()>
                    <ReviewButton />
                    <SyncStatus open=sync_open />
                </Show>
                <button aria-disabled=move || is_empty().to_string() on:click=clear_all title="Remove every annotation (undoable)">"Clear all"</button>
            </nav>
        </header>
    }
}
