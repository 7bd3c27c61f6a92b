//! Readers' own articles: opening files or pasted text, the library of documents, deep links
//! (`#doc=<id>&annotation=<id>`, with back and forward), and carrying annotations over to an
//! edited version of a file.

use crate::ui::import::{ImportReport, Report};
use crate::ui::state::AppState;
use crate::ui::{dom, idb};
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, ChangeKind};
use marginalia_core::article::{Document, BUNDLED_ID};
use marginalia_core::library::{
    make_fragment, parse_fragment, place_key, text_key, Entry, Library, StoredText, LIBRARY_KEY,
};
use marginalia_core::markdown::{
    open_document, pasted_file_name, DocFormat, OpenError, MAX_DOCUMENT_BYTES,
};
use marginalia_core::storage;
use marginalia_core::text::Count;

fn store() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub(crate) fn get(key: &str) -> Option<String> {
    store()?.get_item(key).ok()?
}

pub(crate) fn set(key: &str, value: &str) -> Result<(), String> {
    store()
        .ok_or("this browser has no localStorage")?
        .set_item(key, value)
        .map_err(|_| "the browser's storage is full".to_string())
}

pub(crate) fn remove(key: &str) {
    if let Some(s) = store() {
        let _ = s.remove_item(key);
    }
}

pub fn load_library() -> Library {
    Library::decode(get(LIBRARY_KEY).as_deref())
}

fn save_library(lib: &Library) {
    let _ = set(LIBRARY_KEY, &lib.encode());
}

/// The document with `id`: the bundled article, or a reader's stored text.
pub fn load_document(id: &str) -> Option<Document> {
    if id == BUNDLED_ID {
        return Some(Document::bundled());
    }
    let raw = get(&text_key(id))?;
    serde_json::from_str::<StoredText>(&raw).ok()?.to_document()
}

/// An offer to bring an earlier version's annotations over to the document just opened.
#[derive(Clone, Debug, PartialEq)]
pub struct CarryOver {
    pub from_id: String,
    pub to_id: String,
    pub file_name: String,
    pub count: usize,
}

/// Navigation between documents, shared through context.
#[derive(Clone, Copy)]
pub struct Nav {
    pub current: RwSignal<Document>,
    pub offer: RwSignal<Option<CarryOver>>,
    pub error: RwSignal<Option<String>>,
    /// The annotation a deep link asked for, revealed once the document is shown.
    pub target_annotation: RwSignal<Option<String>>,
}

impl Nav {
    /// Adds or refreshes `doc` in the library (keeping a known file name when none is given).
    pub fn record_open(doc: &Document, file_name: &str) {
        let mut lib = load_library();
        let known = lib.get(&doc.id).cloned();
        let annotations = known.as_ref().map_or(0, |e| e.annotations);
        let file_name = match known {
            Some(e) if file_name.is_empty() => e.file_name,
            _ => file_name.to_string(),
        };
        lib.touch(Entry {
            id: doc.id.clone(),
            title: doc.title.clone(),
            file_name,
            annotations,
            last_opened: dom::now(),
        });
        save_library(&lib);
    }

    /// Shows document `id` (from a link, the library, or back/forward).
    pub fn show(&self, id: &str, annotation: Option<String>) {
        if self.current.with_untracked(|d| d.id == id) {
            self.target_annotation.set(annotation);
            return;
        }
        match load_document(id) {
            Some(doc) => {
                let file_name = load_library()
                    .get(id)
                    .map(|e| e.file_name.clone())
                    .unwrap_or_default();
                Nav::record_open(&doc, &file_name);
                dom::focus_new_title();
                self.error.set(None);
                self.target_annotation.set(annotation);
                self.current.set(doc);
            }
            None => self.error.set(Some(format!(
                "The document “{id}” is not in this browser's library. It may have been removed."
            ))),
        }
    }

    /// Navigates to a document, adding a history entry (so Back returns here).
    pub fn go(&self, id: &str, annotation: Option<&str>) {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&make_fragment(id, annotation));
        }
        self.show(id, annotation.map(str::to_string));
    }

    /// Opens a reader's file or pasted text: stores it, adds it to the library, shows it.
    pub fn open_text(&self, file_name: &str, text: &str) {
        let format = DocFormat::from_file_name(file_name);
        let doc = match open_document(file_name, format, text) {
            Ok(d) => d,
            Err(e) => {
                self.error
                    .set(Some(format!("Could not open {file_name}: {e}.")));
                return;
            }
        };
        let stored = StoredText {
            id: doc.id.clone(),
            file_name: file_name.to_string(),
            format,
            text: text.to_string(),
        };
        let encoded = serde_json::to_string(&stored).unwrap_or_default();
        if let Err(e) = set(&text_key(&doc.id), &encoded) {
            self.error.set(Some(format!(
                "{file_name} is open, but it could not be kept in the library: {e}."
            )));
        }
        let lib = load_library();
        // The library keeps each document's annotation count (see [`attach`]).
        let offer = lib.earlier_version(file_name, &doc.id).and_then(|old| {
            let count = old.annotations;
            let already = lib.get(&doc.id).is_some_and(|e| e.annotations > 0)
                || get(&storage::storage_key(&doc.id)).is_some();
            (count > 0 && !already).then(|| CarryOver {
                from_id: old.id.clone(),
                to_id: doc.id.clone(),
                file_name: file_name.to_string(),
                count,
            })
        });
        Nav::record_open(&doc, file_name);
        let id = doc.id.clone();
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&make_fragment(&id, None));
        }
        dom::focus_new_title();
        self.error.set(None);
        self.target_annotation.set(None);
        self.current.set(doc);
        self.offer.set(offer);
    }
}

/// Reads a `.txt` / `.md` file and opens it.
pub fn open_file(nav: Nav, file: web_sys::File) {
    let name = file.name();
    if file.size() > MAX_DOCUMENT_BYTES as f64 {
        let too_large = OpenError::TooLarge {
            bytes: file.size() as u64,
        };
        nav.error
            .set(Some(format!("Could not open {name}: {too_large}.")));
        return;
    }
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(file.text()).await {
            Ok(text) => nav.open_text(&name, &text.as_string().unwrap_or_default()),
            Err(_) => nav
                .error
                .set(Some(format!("The browser could not read {name}."))),
        }
    });
}

/// Does this file name look like an article (rather than annotations to import)?
pub fn is_article_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".md", ".markdown", ".txt"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The document the page's address asks for (or the bundled article), and the annotation.
pub fn initial() -> (Document, Option<String>) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let (doc, annotation) = parse_fragment(&hash);
    let doc = doc
        .and_then(|id| load_document(&id))
        .unwrap_or_else(Document::bundled);
    (doc, annotation)
}

/// Follows the address on back/forward and on links within the page.
pub fn follow_hash(nav: Nav) {
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        let (doc, annotation) = parse_fragment(&hash);
        nav.show(doc.as_deref().unwrap_or(BUNDLED_ID), annotation);
    });
    on_cleanup(move || handle.remove());
}

/// Inside a document's App: record its count in the library, reveal a deep-linked annotation.
pub fn attach(app: AppState, nav: Nav) {
    let id = app.doc.with_value(|d| d.id.clone());
    // After the change is painted (a click never waits for localStorage), once per burst.
    let count_pending = StoredValue::new(false);
    Effect::new(move |_| {
        app.list.track();
        if count_pending.get_value() {
            return;
        }
        count_pending.set_value(true);
        let id = id.clone();
        crate::ui::dom::after_next_paint(move || {
            let _ = count_pending.try_set_value(false);
            // Not while the stored annotations are still being read: the set is not whole yet
            // (the load notifies the list when it is done).
            if app.persist.try_with_value(|p| p.is_loading()) != Some(false) {
                return;
            }
            let Some(count) = app.set.try_with_value(|s| s.len()) else {
                return;
            };
            let mut lib = load_library();
            if lib.get(&id).is_some_and(|e| e.annotations != count) {
                lib.set_count(&id, count);
                save_library(&lib);
            }
        });
    });
    // The annotation a link asks for is revealed once it is there (the stored annotations are
    // read after the article is shown).
    let wanted = StoredValue::new(None::<String>);
    let reveal_wanted = move || {
        let Some(a) = wanted.get_value() else { return };
        if app.set.with_value(|s| s.get(&a).is_some()) {
            wanted.set_value(None);
            request_animation_frame(move || app.reveal(&a, true));
        }
    };
    Effect::new(move |_| {
        wanted.set_value(nav.target_annotation.get());
        reveal_wanted();
    });
    Effect::new(move |_| {
        app.list.track();
        reveal_wanted();
    });
}

/// A document's stored annotations (unanchored): its database records, or what an earlier build
/// left in localStorage.
async fn stored_annotations(id: &str) -> Result<Vec<Annotation>, String> {
    let mut read = idb::read_doc(id).await.map_err(|e| e.to_string())?;
    if read.is_empty() {
        return Ok(get(&storage::storage_key(id))
            .and_then(|raw| storage::decode(&raw).ok())
            .unwrap_or_default());
    }
    Ok(storage::decode_records(read.take_all()).annotations)
}

/// Brings the earlier version's annotations over, re-anchored (fuzzily) on the new text.
fn carry_over(app: AppState, report: ImportReport, offer: CarryOver) {
    leptos::task::spawn_local(async move {
        match stored_annotations(&offer.from_id).await {
            Ok(annotations) => carry_these(app, report, &offer, annotations),
            Err(e) => report.0.set(Some(Report::error(format!(
                "The annotations of the earlier version of {} could not be read: {e}.",
                offer.file_name
            )))),
        }
    });
}

fn carry_these(
    app: AppState,
    report: ImportReport,
    offer: &CarryOver,
    mut annotations: Vec<Annotation>,
) {
    if app.doc.try_with_value(|_| ()).is_none() {
        return;
    }
    app.doc.with_value(|doc| {
        for a in annotations.iter_mut() {
            a.source = doc.source_iri.clone();
        }
        storage::anchor_all(doc, &mut annotations);
    });
    let unanchored = annotations.iter().filter(|a| a.anchor.is_none()).count();
    let n = annotations.len();
    if let Some(summary) = app
        .set
        .try_update_value(|s| s.add_all(ChangeKind::Import, annotations))
    {
        app.after_change(&summary);
    }
    report.0.set(Some(Report::done(
        format!(
            "Carried {} annotation{} over from the earlier version of {}: {} anchored, {} unanchored (listed under Unanchored).",
            Count(n),
            if n == 1 { "" } else { "s" },
            offer.file_name,
            Count(n - unanchored),
            Count(unanchored)
        ),
        Vec::new(),
    )));
}

#[component]
pub fn CarryOverOffer() -> impl IntoView {
    let app = expect_context::<AppState>();
    let nav = expect_context::<Nav>();
    let report = expect_context::<ImportReport>();
    let current_id = app.doc.with_value(|d| d.id.clone());
    move || {
        nav.offer.get().filter(|o| o.to_id == current_id).map(|o| {
            let o2 = o.clone();
            view! {
                <div class="status warn" role="status">
                    {format!(
                        "An earlier version of {} has {} annotation{}. Carry them over to this version? They are re-anchored to the new text; any that no longer match are listed as unanchored.",
                        o.file_name, Count(o.count), if o.count == 1 { "" } else { "s" }
                    )}
                    <button on:click=move |_| {
                        dom::focus_id_if_lost(dom::TITLE_ID);
                        carry_over(app, report, o2.clone());
                        nav.offer.set(None);
                    }>"Carry them over"</button>
                    <button on:click=move |_| {
                        dom::focus_id_if_lost(dom::TITLE_ID);
                        nav.offer.set(None);
                    }>"Not now"</button>
                </div>
            }
        })
    }
}

#[component]
pub fn NavError() -> impl IntoView {
    let nav = expect_context::<Nav>();
    move || {
        nav.error.get().map(|e| {
            view! {
                <div class="status error" role="alert">
                    {e}
                    <button on:click=move |_| {
                        dom::focus_id_if_lost(dom::TITLE_ID);
                        nav.error.set(None);
                    }>"Dismiss"</button>
                </div>
            }
        })
    }
}

/// A removed document, kept for Undo: its entry, what localStorage held under its keys
/// ([`local_keys`]) and its database records.
type Removed = (Entry, Vec<(String, String)>, Vec<(String, String)>);

/// A document's localStorage keys: its text, an earlier build's annotations, its reading place.
fn local_keys(id: &str) -> [String; 3] {
    [text_key(id), storage::storage_key(id), place_key(id)]
}

/// The library's list is drawn anew after a removal or its undo, taking the focused button with
/// it: the focus goes to the document `pick` chooses from the links and the place of the one
/// that had the focus (the one now in its place, or the one brought back), else the dialog.
fn refocus(
    dialog: NodeRef<leptos::html::Div>,
    pick: impl Fn(&[web_sys::Element], usize) -> Option<web_sys::Element> + 'static,
) {
    let (Some(was), Some(el)) = (dom::focused_element(), dialog.get_untracked()) else {
        return;
    };
    let items = dom::all(el.query_selector_all(".library-list > li"));
    let at = items
        .iter()
        .position(|li| li.contains(Some(&was)))
        .unwrap_or(0);
    let el: web_sys::Element = el.into();
    dom::when_focus_lost(was.into(), move || {
        pick(&dom::all(el.query_selector_all(".doc-link")), at).or_else(|| Some(el.clone()))
    });
}

/// The library sheet: every document, opening files, pasting text, removing documents.
#[component]
pub fn LibrarySheet(open: RwSignal<bool>) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let app = expect_context::<AppState>();
    let version = RwSignal::new(0u32);
    // The bundled article's count when it has no library entry yet (read when the sheet opens).
    let bundled_count = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        if open.get() {
            leptos::task::spawn_local(async move {
                if let Ok(n) = idb::count(BUNDLED_ID).await {
                    let _ = bundled_count.try_set(Some(n));
                }
            });
        }
    });
    let removed = RwSignal::new(None::<Removed>);
    let paste = NodeRef::<leptos::html::Textarea>::new();
    // Focus goes to the dialog itself (its first control may be a document's Remove).
    let dialog = NodeRef::<leptos::html::Div>::new();
    crate::ui::modal_focus(open, dialog, || None);
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
        let mut lib = load_library();
        if let Some(entry) = lib.remove(&id) {
            refocus(dialog, |links, at| {
                links
                    .get(at)
                    .or_else(|| links.get(at.checked_sub(1)?))
                    .cloned()
            });
            let held: Vec<(String, String)> = local_keys(&id)
                .into_iter()
                .filter_map(|k| get(&k).map(|v| (k, v)))
                .collect();
            save_library(&lib);
            for k in local_keys(&id) {
                remove(&k);
            }
            version.update(|v| *v += 1);
            leptos::task::spawn_local(async move {
                // Kept in memory until the toast's Undo is gone.
                let records = idb::take_doc(&entry.id).await.unwrap_or_default();
                let _ = removed.try_set(Some((entry, held, records)));
            });
        }
    };
    let undo_remove = move |_| {
        if let Some((entry, held, records)) = removed.get_untracked() {
            for (k, v) in held {
                let _ = set(&k, &v);
            }
            let id = entry.id.clone();
            let back = id.clone();
            refocus(dialog, move |links, _| {
                links
                    .iter()
                    .find(|l| l.get_attribute("data-doc").as_deref() == Some(back.as_str()))
                    .cloned()
            });
            leptos::task::spawn_local(async move {
                if !records.is_empty() {
                    let _ = idb::put_records(&id, records).await;
                }
            });
            let mut lib = load_library();
            lib.touch(entry);
            save_library(&lib);
            removed.set(None);
            version.update(|v| *v += 1);
        }
    };
    view! {
        <Show when=move || open.get()>
            <div class="sheet-backdrop" on:click=move |_| open.set(false)></div>
            <div
                class="sheet library"
                role="dialog"
                aria-modal="true"
                aria-labelledby="library-title"
                tabindex="-1"
                node_ref=dialog
                on:keydown=move |ev| dom::dialog_keydown(&ev, || open.set(false))
            >
                <h2 id="library-title">"Library"</h2>
                <ul class="library-list">
                    {move || entries()
                        .into_iter()
                        .map(|e| {
                            let id = e.id.clone();
                            let id_rm = e.id.clone();
                            let is_current = app.doc.with_value(|d| d.id == e.id);
                            let when = if e.last_opened.millis() > 0 {
                                format!("opened {}", crate::ui::panel::local_time(e.last_opened))
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
                {move || removed.get().map(|(e, _, _)| view! {
                    <p role="status">{format!("Removed {} — ", e.title)}<button on:click=undo_remove>"Undo"</button></p>
                })}
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
            </div>
        </Show>
    }
}
