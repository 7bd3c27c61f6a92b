//! The library store: every document the reader opened (its entry and its stored text, in
//! localStorage), each one's annotation count kept up to date, and removing a document with
//! everything stored for it (kept in memory for Undo).

use crate::ui::edge::clock::now;
use crate::ui::edge::idb;
use crate::ui::edge::storage;
use crate::ui::edge::timers::after_next_paint;
use crate::ui::services::saving::Saving;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::about::DocInfo;
use marginalia_core::annotation::Annotation;
use marginalia_core::article::{Document, BUNDLED_ID};
use marginalia_core::library::{place_key, text_key, Entry, Library, StoredText, LIBRARY_KEY};
use marginalia_core::markdown::DocFormat;
use marginalia_core::storage as stored;

thread_local! {
    /// The latest document whose title or details arrived from another device: the view
    /// showing it reads them again.
    static ARRIVED: ArcRwSignal<Option<String>> = ArcRwSignal::new(None);
}

/// Document `id`'s title or details arrived from another device ([`arrived_details`]).
pub fn details_arrived(id: &str) {
    ARRIVED.with(|a| a.set(Some(id.to_string())));
}

/// The latest document whose title or details arrived from another device.
pub fn arrived_details() -> ArcRwSignal<Option<String>> {
    ARRIVED.with(Clone::clone)
}

pub fn load_library() -> Library {
    storage::get_json(LIBRARY_KEY).unwrap_or_default()
}

pub fn save_library(lib: &Library) {
    let _ = storage::set_json(LIBRARY_KEY, lib);
}

/// The document with `id`: the bundled article, or a reader's stored text.
pub fn load_document(id: &str) -> Option<Document> {
    if id == BUNDLED_ID {
        return Some(Document::bundled());
    }
    storage::get_json::<StoredText>(&text_key(id))?.to_document()
}

/// An offer to bring an earlier version's annotations over to the document just opened.
#[derive(Clone, Debug, PartialEq)]
pub struct CarryOver {
    pub from_id: String,
    pub to_id: String,
    pub file_name: String,
    pub count: usize,
}

/// The offer to make as `doc` (the contents of `file_name`) is opened: when the library has an
/// earlier version of the file with annotations, and `doc` has none yet.
pub fn carry_over_offer(doc: &Document, file_name: &str) -> Option<CarryOver> {
    let lib = load_library();
    let earlier = match doc.about.url.as_deref() {
        Some(url) => lib
            .earlier_version_at(url, &doc.id)
            .or_else(|| lib.earlier_version(file_name, &doc.id)),
        None => lib.earlier_version(file_name, &doc.id),
    };
    earlier.and_then(|old| {
        let count = old.annotations;
        (count > 0 && !has_annotations(&lib, &doc.id)).then(|| CarryOver {
            from_id: old.id.clone(),
            to_id: doc.id.clone(),
            file_name: file_name.to_string(),
            count,
        })
    })
}

/// Keeps a reader's document text (`text`, the contents of `file_name`) as `doc`'s, with its
/// title and details (`info`), or says why not.
pub fn store_text(
    doc: &Document,
    file_name: &str,
    format: DocFormat,
    text: &str,
    info: DocInfo,
) -> Result<(), String> {
    let stored = StoredText {
        id: doc.id.clone(),
        file_name: file_name.to_string(),
        format,
        text: text.to_string(),
        info,
    };
    storage::set_json(&text_key(&doc.id), &stored)
}

/// Keeps a new title and details for document `id` (with its text and in the library's list),
/// or says why not. The bundled article's are its own.
pub fn update_info(id: &str, info: DocInfo) -> Result<(), String> {
    let mut stored = storage::get_json::<StoredText>(&text_key(id))
        .ok_or_else(|| "this document's text is not in this browser's library".to_string())?;
    stored.info = info;
    storage::set_json(&text_key(id), &stored)?;
    list_info(id, &stored.info);
    Ok(())
}

/// The library's list takes document `id`'s title and address from `info` (its stored text
/// already has them).
pub fn list_info(id: &str, info: &DocInfo) {
    let mut lib = load_library();
    if let Some(t) = &info.title {
        lib.rename(id, t);
    }
    if let Some(e) = lib.entries.iter_mut().find(|e| e.id == id) {
        e.url = info.about.url.clone();
    }
    save_library(&lib);
}

/// Renames document `id` (keeping its details), or says why not.
pub fn rename(id: &str, title: &str) -> Result<(), String> {
    let mut info = storage::get_json::<StoredText>(&text_key(id))
        .map(|s| s.info)
        .ok_or_else(|| "this document's text is not in this browser's library".to_string())?;
    info = DocInfo::from_fields(title, info.about).map_err(|e| e.to_string())?;
    update_info(id, info)
}

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
        last_opened: now(),
        url: doc.about.url.clone(),
    });
    save_library(&lib);
}

/// The file name the library knows for document `id` (empty when none).
pub fn file_name_of(id: &str) -> String {
    load_library()
        .get(id)
        .map(|e| e.file_name.clone())
        .unwrap_or_default()
}

/// Does document `id` have annotations already (counted in the library, or left in
/// localStorage by an earlier build)?
fn has_annotations(lib: &Library, id: &str) -> bool {
    lib.get(id).is_some_and(|e| e.annotations > 0)
        || storage::get(&stored::storage_key(id)).is_some()
}

/// Keeps the open document's annotation count in the library: after the change is painted (a
/// click never waits for localStorage), once per burst.
pub fn keep_count(app: AppState, saving: Saving) {
    let id = app.doc.with_value(|d| d.id.clone());
    let count_pending = StoredValue::new(false);
    Effect::new(move |_| {
        app.list.track();
        if count_pending.get_value() {
            return;
        }
        count_pending.set_value(true);
        let id = id.clone();
        after_next_paint(move || {
            let _ = count_pending.try_set_value(false);
            // Not while the stored annotations are still being read: the set is not whole yet
            // (the load notifies the list when it is done).
            if saving.is_loading() {
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
}

/// A document's stored annotations (unanchored): its database records, or what an earlier build
/// left in localStorage.
pub async fn stored_annotations(id: &str) -> Result<Vec<Annotation>, String> {
    let mut read = idb::read_doc(id).await.map_err(|e| e.to_string())?;
    if read.is_empty() {
        return Ok(storage::get(&stored::storage_key(id))
            .and_then(|raw| stored::decode(&raw).ok())
            .unwrap_or_default());
    }
    Ok(stored::decode_records(read.take_all()).annotations)
}

/// The number of annotations stored for document `id`, or `None` when it cannot be read.
pub async fn stored_count(id: &str) -> Option<usize> {
    idb::count(id).await.ok()
}

/// A removed document, kept for Undo: its entry, what localStorage held under its keys
/// ([`local_keys`]) and its database records.
pub type Removed = (Entry, Vec<(String, String)>, Vec<(String, String)>);

/// A document's localStorage keys: its text, an earlier build's annotations, its reading place.
fn local_keys(id: &str) -> [String; 3] {
    [text_key(id), stored::storage_key(id), place_key(id)]
}

/// Removes document `id` from the library with everything stored for it; `kept` receives what
/// was removed, for [`restore`], once its records are read. `false` when it is not in the library.
pub fn remove(id: &str, kept: impl FnOnce(Removed) + 'static) -> bool {
    let mut lib = load_library();
    let Some(entry) = lib.remove(id) else {
        return false;
    };
    let held: Vec<(String, String)> = local_keys(id)
        .into_iter()
        .filter_map(|k| storage::get(&k).map(|v| (k, v)))
        .collect();
    save_library(&lib);
    for k in local_keys(id) {
        storage::remove(&k);
    }
    leptos::task::spawn_local(async move {
        // Kept in memory until the toast's Undo is gone.
        let records = idb::take_doc(&entry.id).await.unwrap_or_default();
        kept((entry, held, records));
    });
    true
}

/// Puts a removed document back ([`remove`]); `written` runs once its records are stored again.
pub fn restore((entry, held, records): Removed, written: impl FnOnce() + 'static) {
    for (k, v) in held {
        let _ = storage::set(&k, &v);
    }
    let id = entry.id.clone();
    leptos::task::spawn_local(async move {
        if !records.is_empty() {
            let _ = idb::put_records(&id, records).await;
        }
        written();
    });
    let mut lib = load_library();
    lib.touch(entry);
    save_library(&lib);
}
