//! The library sheet: every document, opening files, pasting text, removing documents (with
//! Undo).

use crate::ui::components::panel::dates::local_time;
use crate::ui::edge::dialog;
use crate::ui::edge::elements::all;
use crate::ui::edge::focus::{focused_element, when_focus_lost};
use crate::ui::nav::{open_file, Nav};
use crate::ui::services::library::{self, load_library, stored_count, Removed};
use crate::ui::services::server_sync;
use crate::ui::state::AppState;
use leptos::html::Dialog;
use leptos::prelude::*;
use marginalia_core::article::{Document, BUNDLED_ID};
use marginalia_core::library::Entry;
use marginalia_core::markdown::pasted_file_name;
use marginalia_core::text::Count;

/// The library's list is drawn anew after a removal or its undo, taking the focused button with
/// it: the focus goes to the document `pick` chooses from the links and the place of the one
/// that had the focus (the one now in its place, or the one brought back), else the dialog.
fn refocus(
    sheet: NodeRef<Dialog>,
    pick: impl Fn(&[web_sys::Element], usize) -> Option<web_sys::Element> + 'static,
) {
    let (Some(was), Some(el)) = (focused_element(), sheet.get_untracked()) else {
        return;
    };
    let items = all(el.query_selector_all(".library-list > li"));
    let at = items
        .iter()
        .position(|li| li.contains(Some(&was)))
        .unwrap_or(0);
    let el: web_sys::Element = el.into();
    when_focus_lost(was.into(), move || {
        pick(&all(el.query_selector_all(".doc-link")), at).or_else(|| Some(el.clone()))
    });
}

/// The library sheet, a modal dialog while `open` holds.
#[component]
pub fn LibrarySheet(open: RwSignal<bool>) -> impl IntoView {
    // Bumped when a document is removed or brought back: the list is read again.
    let version = RwSignal::new(0u32);
    let removed = RwSignal::new(None::<Removed>);
    // Focus goes to the dialog itself (its first control may be a document's Remove).
    let sheet = NodeRef::<Dialog>::new();
    dialog::modal(open, sheet, || None);
    view! {
        <dialog
            class="sheet library"
            aria-labelledby="library-title"
            tabindex="-1"
            node_ref=sheet
            on:close=dialog::closed(open)
            on:click=move |ev| dialog::backdrop_click(&ev, || open.set(false))
            on:keydown=move |ev| dialog::keydown(&ev)
        >
            <Show when=move || open.get()>
                <h2 id="library-title">"Library"</h2>
                <DocumentList open=open sheet=sheet version=version removed=removed />
                {move || removed.get().map(|(e, _, _)| view! {
                    <p role="status">
                        {format!("Removed {} — ", e.title)}
                        <button on:click=move |_| undo_remove(sheet, version, removed)>"Undo"</button>
                    </p>
                })}
                <OpenOwn open=open />
            </Show>
        </dialog>
    }
}

/// Brings the last removed document back.
fn undo_remove(sheet: NodeRef<Dialog>, version: RwSignal<u32>, removed: RwSignal<Option<Removed>>) {
    let Some(gone) = removed.get_untracked() else {
        return;
    };
    let back = gone.0.id.clone();
    refocus(sheet, move |links, _| {
        links
            .iter()
            .find(|l| l.get_attribute("data-doc").as_deref() == Some(back.as_str()))
            .cloned()
    });
    // Once its records are back: on the server again too (when syncing).
    let (entry, records) = (gone.0.clone(), gone.2.clone());
    library::restore(gone, move || {
        server_sync::document_restored(&entry, &records)
    });
    removed.set(None);
    version.update(|v| *v += 1);
}

/// The documents, the one shown first, each with its count and when it was opened.
#[component]
fn DocumentList(
    open: RwSignal<bool>,
    sheet: NodeRef<Dialog>,
    version: RwSignal<u32>,
    removed: RwSignal<Option<Removed>>,
) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let app = expect_context::<AppState>();
    // The bundled article's count when it has no library entry yet (read when the sheet opens).
    let bundled_count = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        if open.get() {
            leptos::task::spawn_local(async move {
                if let Some(n) = stored_count(BUNDLED_ID).await {
                    let _ = bundled_count.try_set(Some(n));
                }
            });
        }
    });
    let entries = move || {
        version.track();
        open.track();
        let mut lib = load_library();
        // The open document's count is live.
        let (id, n) = (
            app.doc.with_value(|d| d.id.clone()),
            app.set.with_value(|s| s.len()),
        );
        lib.set_count(&id, n);
        if lib.get(BUNDLED_ID).is_none() {
            let d = Document::bundled();
            lib.touch(Entry {
                id: d.id.clone(),
                title: d.title.clone(),
                file_name: String::new(),
                annotations: bundled_count.get().unwrap_or(0),
                last_opened: marginalia_core::time::Timestamp(0),
            });
        }
        lib.listing().into_iter().cloned().collect::<Vec<_>>()
    };
    let remove_doc = move |id: String| {
        let kept = move |gone: Removed| {
            server_sync::document_removed(&gone.0.id, &gone.2);
            let _ = removed.try_set(Some(gone));
        };
        if library::remove(&id, kept) {
            refocus(sheet, |links, at| {
                links
                    .get(at)
                    .or_else(|| links.get(at.checked_sub(1)?))
                    .cloned()
            });
            version.update(|v| *v += 1);
        }
    };
    view! {
        <ul class="library-list">
            {move || entries()
                .into_iter()
                .map(|e| {
                    let id = e.id.clone();
                    let id_rm = e.id.clone();
                    let is_current = app.doc.with_value(|d| d.id == e.id);
                    let when = if e.last_opened.millis() > 0 {
                        format!("opened {}", local_time(e.last_opened))
                    } else {
                        "bundled article".to_string()
                    };
                    let count = format!("{} annotation{}", Count(e.annotations), if e.annotations == 1 { "" } else { "s" });
                    let rm_label = format!("Remove {}", e.title);
                    view! {
                        <li>
                            <button class="doc-link" data-doc=id.clone() dir="auto" aria-current=is_current.then_some("page") on:click=move |_| {
                                open.set(false);
                                nav.go(&id, None);
                            }>{e.title.clone()}</button>
                            <span class="doc-meta">{count}" · "{when}</span>
                            {(e.id != BUNDLED_ID && !is_current).then(|| view! {
                                <button class="doc-remove" aria-label=rm_label on:click=move |_| remove_doc(id_rm.clone())>"Remove"</button>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Opening the reader's own article: a file, or pasted text.
#[component]
fn OpenOwn(open: RwSignal<bool>) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let paste = NodeRef::<leptos::html::Textarea>::new();
    view! {
        <h3>"Open your own article"</h3>
        <p class="hint">"A .md or .txt file (up to 5 MB); you can also drop one on the page."</p>
        <label class="button-like" for="open-file">"Open a file"</label>
        <input
            id="open-file"
            class="visually-hidden"
            type="file"
            accept=".md,.markdown,.txt,text/plain,text/markdown"
            on:change=move |ev| {
                let input = event_target::<web_sys::HtmlInputElement>(&ev);
                if let Some(file) = input.files().and_then(|f| f.get(0)) {
                    open.set(false);
                    open_file(nav, file);
                }
                input.set_value("");
            }
        />
        <label for="paste-text">"Or paste text (Markdown works)"</label>
        <textarea id="paste-text" node_ref=paste rows="5"></textarea>
        <div class="actions">
            <button on:click=move |_| {
                let Some(el) = paste.get_untracked() else { return };
                let text = el.value();
                if text.trim().is_empty() {
                    return;
                }
                let name = pasted_file_name(&text);
                open.set(false);
                nav.open_text(&name, &text);
            }>"Open pasted text"</button>
            <button on:click=move |_| open.set(false)>"Close"</button>
        </div>
    }
}
