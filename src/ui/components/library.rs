//! The library sheet: every document (earlier versions grouped under it), renaming and removing
//! documents (with Undo), opening files, web addresses, pasted text and pasted web articles.

use crate::ui::components::panel::dates::local_time;
use crate::ui::components::sheet::Sheet;
use crate::ui::edge::elements::all;
use crate::ui::edge::focus::{focused_element, when_focus_lost};
use crate::ui::nav::{open_file, web, Nav};
use crate::ui::services::exports;
use crate::ui::services::library::{self, load_library, stored_count, Removed};
use crate::ui::services::server_sync;
use crate::ui::state::AppState;
use leptos::html::Dialog;
use leptos::prelude::*;
use marginalia_core::article::{Document, BUNDLED_ID};
use marginalia_core::library::Entry;
use marginalia_core::markdown::pasted_title;
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
    view! {
        <Sheet open=open labelledby="library-title" class="library" node_ref=sheet first=|| None>
            <h2 id="library-title">"Library"</h2>
            <DocumentList open=open sheet=sheet version=version removed=removed />
            {move || removed.get().map(|(e, _, _)| view! {
                <p role="status">
                    {format!("Removed {} — ", e.title)}
                    <button on:click=move |_| undo_remove(sheet, version, removed)>"Undo"</button>
                </p>
            })}
            <OpenOwn open=open />
        </Sheet>
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

/// The documents, the one shown first, each with its count and when it was opened; earlier
/// versions of a document (the same file or web address, other text) listed under it.
#[component]
fn DocumentList(
    open: RwSignal<bool>,
    sheet: NodeRef<Dialog>,
    version: RwSignal<u32>,
    removed: RwSignal<Option<Removed>>,
) -> impl IntoView {
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
    let groups = move || {
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
                url: None,
            });
        }
        lib.grouped()
            .into_iter()
            .map(|g| {
                (
                    g.latest.clone(),
                    g.earlier.into_iter().cloned().collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    view! {
        <ul class="library-list">
            {move || groups()
                .into_iter()
                .map(|(latest, earlier)| {
                    let versions_label = format!("Earlier versions of {}", latest.title);
                    view! {
                        <li>
                            <DocRow e=latest open=open sheet=sheet version=version removed=removed />
                            {(!earlier.is_empty()).then(|| view! {
                                <ul class="versions" aria-label=versions_label>
                                    {earlier.into_iter().map(|e| view! {
                                        <li><DocRow e=e open=open sheet=sheet version=version removed=removed /></li>
                                    }).collect_view()}
                                </ul>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// One document of the list: its link, count and date, and its Rename and Remove.
#[component]
fn DocRow(
    e: Entry,
    open: RwSignal<bool>,
    sheet: NodeRef<Dialog>,
    version: RwSignal<u32>,
    removed: RwSignal<Option<Removed>>,
) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let app = expect_context::<AppState>();
    let renaming = RwSignal::new(false);
    let rename_error = RwSignal::new(None::<String>);
    let id = e.id.clone();
    let is_current = app.doc.with_value(|d| d.id == e.id);
    let when = if e.last_opened.millis() > 0 {
        format!("opened {}", local_time(e.last_opened))
    } else {
        "bundled article".to_string()
    };
    let count = format!(
        "{} annotation{}",
        Count(e.annotations),
        if e.annotations == 1 { "" } else { "s" }
    );
    let rm_label = format!("Remove {}", e.title);
    let rename_label = format!("Rename {}", e.title);
    let field_label = format!("New title for {}", e.title);
    let title = e.title.clone();
    let id_rm = id.clone();
    let id_go = id.clone();
    let id_rename = StoredValue::new(id.clone());
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
    let field = NodeRef::<leptos::html::Input>::new();
    let save = move || {
        let Some(input) = field.get_untracked() else {
            return;
        };
        let new_title = input.value();
        let id = id_rename.get_value();
        match library::rename(&id, &new_title) {
            Ok(()) => {
                nav.renamed(app, &id);
                server_sync::document_changed(&id);
                renaming.set(false);
                rename_error.set(None);
                let back = id;
                refocus(sheet, move |links, _| {
                    links
                        .iter()
                        .find(|l| l.get_attribute("data-doc").as_deref() == Some(back.as_str()))
                        .cloned()
                });
                version.update(|v| *v += 1);
            }
            Err(why) => rename_error.set(Some(format!("Could not rename it: {why}."))),
        }
    };
    // Focus the field when it appears.
    Effect::new(move |_| {
        if renaming.get() {
            if let Some(input) = field.get() {
                let _ = input.focus();
                input.select();
            }
        }
    });
    let bundled = e.id == BUNDLED_ID;
    view! {
        <Show
            when=move || renaming.get()
            fallback=move || {
                let id_go = id_go.clone();
                let id_rm = id_rm.clone();
                view! {
                    <button class="doc-link" data-doc=id.clone() dir="auto" aria-current=is_current.then_some("page") on:click=move |_| {
                        open.set(false);
                        nav.go(&id_go, None);
                    }>{title.clone()}</button>
                    <span class="doc-meta">{count.clone()}" · "{when.clone()}</span>
                    {(!bundled).then(|| view! {
                        <button class="doc-rename" aria-label=rename_label.clone() on:click=move |_| renaming.set(true)>"Rename"</button>
                    })}
                    {(!bundled && !is_current).then(|| {
                        let id_rm = id_rm.clone();
                        view! {
                            <button class="doc-remove" aria-label=rm_label.clone() on:click=move |_| remove_doc(id_rm.clone())>"Remove"</button>
                        }
                    })}
                }
            }
        >
            <input
                class="rename-field"
                dir="auto"
                aria-label=field_label.clone()
                value=e.title.clone()
                node_ref=field
                on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                    "Enter" => {
                        ev.prevent_default();
                        save();
                    }
                    "Escape" => {
                        ev.prevent_default();
                        ev.stop_propagation();
                        renaming.set(false);
                    }
                    _ => {}
                }
            />
            <button on:click=move |_| save()>"Save title"</button>
            <button on:click=move |_| { renaming.set(false); rename_error.set(None); }>"Cancel"</button>
            {move || rename_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </Show>
    }
}

/// Opening the reader's own article: a file, a web address, or pasted text or HTML.
#[component]
fn OpenOwn(open: RwSignal<bool>) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let paste = NodeRef::<leptos::html::Textarea>::new();
    let title = NodeRef::<leptos::html::Input>::new();
    let address = NodeRef::<leptos::html::Input>::new();
    // The article read from pasted HTML, while the text box holds what was pasted.
    let pasted = StoredValue::new(None::<Document>);
    let html_kept = RwSignal::new(false);
    // The paste's own input event is the next one; any later one is the reader editing.
    let paste_fresh = StoredValue::new(false);
    let title_edited = StoredValue::new(false);
    let fetching = RwSignal::new(false);
    let address_message = RwSignal::new(None::<String>);
    let set_title = move |t: &str| {
        if let Some(el) = title.get_untracked() {
            el.set_value(t);
        }
    };
    let colours = RwSignal::new(exports::markdown_colours());
    view! {
        <h3>"Open your own article"</h3>
        <p class="hint">"A saved web page (.html), a .md or .txt file (up to 5 MB); you can also drop one on the page."</p>
        <label class="button-like" for="open-file">"Open a file"</label>
        <input
            id="open-file"
            class="visually-hidden"
            type="file"
            accept=".md,.markdown,.txt,.html,.htm,.xhtml,text/plain,text/markdown,text/html"
            on:change=move |ev| {
                let input = event_target::<web_sys::HtmlInputElement>(&ev);
                if let Some(file) = input.files().and_then(|f| f.get(0)) {
                    open.set(false);
                    open_file(nav, file);
                }
                input.set_value("");
            }
        />
        <form class="web-address" novalidate on:submit=move |ev| {
            ev.prevent_default();
            let Some(el) = address.get_untracked() else { return };
            let url = el.value();
            if url.trim().is_empty() || fetching.get_untracked() {
                return;
            }
            fetching.set(true);
            address_message.set(None);
            leptos::task::spawn_local(async move {
                let outcome = web::open_address(nav, &url).await;
                let _ = fetching.try_set(false);
                match outcome {
                    Ok(()) => { let _ = open.try_set(false); }
                    Err(why) => { let _ = address_message.try_set(Some(why)); }
                }
            });
        }>
            <label for="web-address">"Or open a web address"</label>
            <div class="address-row">
                <input id="web-address" type="url" inputmode="url" autocomplete="url" placeholder="https://" node_ref=address />
                <button type="submit" aria-disabled=move || fetching.get().to_string()>"Open address"</button>
            </div>
        </form>
        {move || fetching.get().then(|| view! { <p class="hint" role="status">"Fetching the page…"</p> })}
        {move || address_message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        <label for="paste-text">"Or paste text (Markdown works) or an article copied from a web page"</label>
        <textarea
            id="paste-text"
            node_ref=paste
            rows="5"
            on:paste=move |ev: web_sys::ClipboardEvent| {
                let html = ev
                    .clipboard_data()
                    .and_then(|d| d.get_data("text/html").ok())
                    .unwrap_or_default();
                let doc = (!html.trim().is_empty()).then(|| web::pasted_html(&html)).flatten();
                paste_fresh.set_value(doc.is_some());
                if let Some(d) = &doc {
                    if !title_edited.get_value() {
                        set_title(&d.title);
                    }
                }
                html_kept.set(doc.is_some());
                pasted.set_value(doc);
            }
            on:input=move |ev| {
                if paste_fresh.get_value() {
                    paste_fresh.set_value(false);
                    return;
                }
                // The reader changed what was pasted: it is their text now.
                if pasted.with_value(Option::is_some) {
                    pasted.set_value(None);
                    html_kept.set(false);
                }
                if !title_edited.get_value() {
                    let text = event_target_value(&ev);
                    set_title(&pasted_title(&text).0);
                }
            }
        ></textarea>
        {move || html_kept.get().then(|| view! {
            <p class="hint" role="status">"From a web page: its headings, lists, quotes, code and links are kept."</p>
        })}
        <label for="paste-title">"Title"</label>
        <input id="paste-title" dir="auto" node_ref=title on:input=move |ev| {
            title_edited.set_value(!event_target_value(&ev).is_empty());
        } />
        <div class="actions">
            <button on:click=move |_| {
                let (Some(el), Some(t)) = (paste.get_untracked(), title.get_untracked()) else { return };
                let text = el.value();
                if text.trim().is_empty() {
                    return;
                }
                let heading = t.value();
                open.set(false);
                match pasted.get_value() {
                    Some(doc) => web::open_pasted_html(nav, doc, &heading),
                    None => nav.open_pasted(&text, &heading),
                }
            }>"Open pasted text"</button>
            <button on:click=move |_| open.set(false)>"Close"</button>
        </div>
        <h3>"Downloads"</h3>
        <label class="check">
            <input type="checkbox" prop:checked=move || colours.get() on:change=move |ev| {
                let on = event_target_checked(&ev);
                exports::set_markdown_colours(on);
                colours.set(on);
            } />
            "Colour names in Markdown downloads"
        </label>
    }
}
