//! localStorage: one versioned key per document, written after every change, read on start.
//!
//! Nothing is lost:
//! * Data that cannot be read (not JSON, wrong shape, a newer format) is *held*: copied to a backup
//!   key, never written over, and offered for download, until the reader chooses "Start fresh" —
//!   which goes ahead only once the data is backed up (in storage or by the download).
//! * Before every write the stored value is compared with the one this tab last saw; if something
//!   else wrote in between (another tab, another version), it is merged first ([`crate::ui::sync`])
//!   or held, never blindly overwritten.
//! * A failed write (quota) leaves everything in memory; the banner says so and the next change
//!   tries again. Without localStorage the app runs in memory and says so.
//! * Every save also hands the encoded set to [`crate::ui::panic::remember`], for the panic
//!   message's download.

use crate::domain::annotation::{Annotation, AnnotationSet};
use crate::domain::article::slugify;
use crate::domain::storage::{self, StorageError};
use crate::domain::time::Timestamp;
use crate::ui::state::{AppState, Banner};
use crate::ui::{dom, panic as rescue, sync};
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use wasm_bindgen::JsCast;

pub enum SaveOutcome {
    Saved,
    /// Not written, for a reason already on screen (memory-only mode, damaged data held) or
    /// because another writer's value must be merged first (a save follows the merge).
    MemoryOnly,
    Failed(String),
}

/// How many backup slots a document has (`backup_key`, then `backup_key/2` …): a second damaged
/// value never replaces the backup of a first one.
const BACKUP_SLOTS: usize = 8;

/// Stored data that could not be read, waiting for the reader's decision.
pub struct Held {
    pub raw: String,
    pub error: StorageError,
    /// Where a copy is kept, when it could be made.
    pub backup: Option<String>,
    /// The reader downloaded it: their own backup.
    pub downloaded: bool,
}

/// What this tab last saw under its key.
#[derive(Default)]
struct Seen {
    /// The raw value last read or written by this tab.
    raw: Option<String>,
    /// id → `modified` of the annotations in `raw`.
    known: HashMap<String, Timestamp>,
    /// The last write failed: there are changes in memory only.
    unsaved: bool,
}

pub struct Persist {
    storage: Option<web_sys::Storage>,
    doc_id: String,
    key: String,
    backup_key: String,
    rescue_name: String,
    held: Mutex<Option<Held>>,
    seen: Mutex<Seen>,
}

/// A lock that cannot be poisoned (the app is single-threaded; a panic aborts).
trait Lock<T> {
    fn lock_(&self) -> MutexGuard<'_, T>;
}

impl<T> Lock<T> for Mutex<T> {
    fn lock_(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A DOM exception's name ("QuotaExceededError" …).
fn error_name(e: &wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// The browser's localStorage, if it can be read (and whether it takes writes).
fn local_storage(key: &str) -> Result<(web_sys::Storage, Result<(), String>), String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = window
        .local_storage()
        .map_err(|_| "the browser refused access to localStorage".to_string())?
        .ok_or("this browser has no localStorage")?;
    // Unreadable storage must never be written: what it holds could not be kept.
    storage
        .get_item(key)
        .map_err(|_| "localStorage cannot be read".to_string())?;
    // Some browsers (private modes, blocked site data) expose localStorage but throw on write.
    // A full store is not that: it is read normally and each save reports the quota.
    let probe = "marginalia/probe";
    let writable = match storage.set_item(probe, "1") {
        Ok(()) => {
            let _ = storage.remove_item(probe);
            Ok(())
        }
        Err(e) if error_name(&e) == "QuotaExceededError" => Ok(()),
        Err(_) => Err("localStorage refuses to store anything".to_string()),
    };
    Ok((storage, writable))
}

fn memory_banner(why: &str) -> Banner {
    Banner {
        text: format!(
            "Memory only: annotations are not saved in this browser and will be lost when this tab closes ({why}). Use Download annotations to keep them."
        ),
        error: true,
        damaged: false,
    }
}

const QUOTA_MESSAGE: &str = "Your latest changes are not saved: the browser's storage is full. They are safe in this tab while it stays open; use Download annotations to keep them. Saving is tried again on your next change.";

impl Persist {
    fn new(doc_id: &str, storage: Option<web_sys::Storage>) -> Persist {
        Persist {
            storage,
            doc_id: doc_id.to_string(),
            key: storage::storage_key(doc_id),
            backup_key: storage::backup_key(doc_id),
            rescue_name: format!("{}-annotations-rescued.json", slugify(doc_id)),
            held: Mutex::new(None),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Opens the store for `doc_id`: the saved annotations, and a banner when something is wrong.
    pub fn open(doc_id: &str) -> (Persist, Vec<Annotation>, Option<Banner>) {
        let mut persist = Persist::new(doc_id, None);
        let (storage, writable) = match local_storage(&persist.key) {
            Ok(s) => s,
            Err(why) => return (persist, Vec::new(), Some(memory_banner(&why))),
        };
        let raw = storage.get_item(&persist.key).ok().flatten();
        if let Err(why) = writable {
            // Readable but not writable: show what is saved, keep changes in memory.
            let loaded = raw
                .as_deref()
                .and_then(|r| storage::decode(r).ok())
                .unwrap_or_default();
            persist.remember(&loaded);
            return (persist, loaded, Some(memory_banner(&why)));
        }
        persist.storage = Some(storage);
        let Some(raw) = raw else {
            return (persist, Vec::new(), None);
        };
        match storage::decode(&raw) {
            Ok(annotations) => {
                persist.remember(&annotations);
                persist.saw(Some(raw), annotations.iter());
                (persist, annotations, None)
            }
            Err(e) => {
                let banner = persist.hold(raw, e);
                (persist, Vec::new(), Some(banner))
            }
        }
    }

    fn remember<'a>(&self, annotations: impl IntoIterator<Item = &'a Annotation>) {
        rescue::remember(
            &self.rescue_name,
            &storage::encode(&self.doc_id, annotations),
        );
    }

    /// Records `raw` (holding `annotations`) as what this tab last saw under its key.
    pub fn saw<'a>(&self, raw: Option<String>, annotations: impl Iterator<Item = &'a Annotation>) {
        let mut seen = self.seen.lock_();
        seen.raw = raw;
        seen.known = annotations.map(|a| (a.id.clone(), a.modified)).collect();
    }

    /// id → `modified` of the annotations last seen in storage (see [`crate::ui::sync`]).
    pub fn known(&self) -> HashMap<String, Timestamp> {
        self.seen.lock_().known.clone()
    }

    /// Has the stored value changed since this tab last read or wrote it?
    pub fn changed_since_seen(&self, now: &Option<String>) -> bool {
        self.seen.lock_().raw != *now
    }

    /// Copies `raw` to the first free backup slot (or finds it already there).
    fn backup(&self, raw: &str) -> Option<String> {
        let s = self.storage.as_ref()?;
        for n in 1..=BACKUP_SLOTS {
            let key = if n == 1 {
                self.backup_key.clone()
            } else {
                format!("{}/{n}", self.backup_key)
            };
            match s.get_item(&key) {
                Ok(Some(v)) if v == raw => return Some(key),
                Ok(Some(_)) => continue,
                Ok(None) => return s.set_item(&key, raw).ok().map(|()| key),
                Err(_) => return None,
            }
        }
        None
    }

    /// Holds unreadable `raw`: backed up if possible, never written over until the reader
    /// chooses. Returns the banner to show.
    pub fn hold(&self, raw: String, error: StorageError) -> Banner {
        let backup = self.backup(&raw);
        let held = Held {
            raw,
            error,
            backup,
            downloaded: false,
        };
        let banner = damaged_banner(&held, None);
        *self.held.lock_() = Some(held);
        banner
    }

    pub fn is_held(&self) -> bool {
        self.held.lock_().is_some()
    }

    /// Another tab (or version) replaced the damaged value with a readable one: nothing left to hold.
    pub fn drop_hold(&self) {
        *self.held.lock_() = None;
    }

    pub fn held_raw(&self) -> Option<String> {
        self.held.lock_().as_ref().map(|h| h.raw.clone())
    }

    pub fn is_memory_only(&self) -> bool {
        self.storage.is_none()
    }

    pub fn has_unsaved(&self) -> bool {
        self.seen.lock_().unsaved
    }

    /// The reader chose "Start fresh". Allowed only once the damaged data is kept somewhere: in a
    /// backup key (tried again now) or downloaded. Returns the backup key, or why not.
    pub fn release(&self) -> Result<Option<String>, String> {
        let mut held = self.held.lock_();
        let Some(h) = held.as_mut() else {
            return Ok(None);
        };
        let current = self.read_raw();
        if current.as_deref() != Some(h.raw.as_str()) {
            // Changed under us: a readable value needs no hold; an unreadable one is held anew.
            if let Some(now) = current.as_deref() {
                if let Err(e) = storage::decode(now) {
                    drop(held);
                    let banner = self.hold(now.to_string(), e);
                    return Err(banner.text);
                }
            }
            let backup = h.backup.clone();
            *held = None;
            return Ok(backup);
        }
        if h.backup.is_none() {
            h.backup = self.backup(&h.raw);
        }
        if h.backup.is_none() && !h.downloaded {
            return Err(damaged_banner(
                h,
                Some("It could not be copied to a backup key (the browser's storage is full), so starting fresh would lose it: choose Download the damaged data first, then Start fresh."),
            )
            .text);
        }
        let backup = h.backup.clone();
        let raw = h.raw.clone();
        *held = None;
        drop(held);
        // The damaged value is now the one this tab knows to replace.
        self.saw(Some(raw), std::iter::empty());
        Ok(backup)
    }

    /// Writes the set, unless something forbids it (see [`SaveOutcome`]).
    pub fn save(&self, set: &AnnotationSet) -> SaveOutcome {
        // In text order: the same annotations always give the same value, in every tab.
        let encoded = storage::encode(&self.doc_id, set.iter());
        rescue::remember(&self.rescue_name, &encoded);
        let Some(s) = &self.storage else {
            return SaveOutcome::MemoryOnly;
        };
        if self.is_held() {
            return SaveOutcome::MemoryOnly;
        }
        let existing = match s.get_item(&self.key) {
            Ok(v) => v,
            Err(_) => {
                self.seen.lock_().unsaved = true;
                return SaveOutcome::Failed(
                    "Your latest changes are not saved: the browser stopped letting this page read its storage. They are safe in this tab; use Download annotations to keep them.".into(),
                );
            }
        };
        if self.changed_since_seen(&existing) {
            // Another writer since this tab last looked: merge that first, then save.
            sync::schedule();
            return SaveOutcome::MemoryOnly;
        }
        if existing.as_deref() == Some(encoded.as_str()) {
            self.seen.lock_().unsaved = false;
            return SaveOutcome::Saved;
        }
        match s.set_item(&self.key, &encoded) {
            Ok(()) => {
                self.saw(Some(encoded), set.iter());
                self.seen.lock_().unsaved = false;
                SaveOutcome::Saved
            }
            Err(e) => {
                self.seen.lock_().unsaved = true;
                if error_name(&e) == "QuotaExceededError" {
                    SaveOutcome::Failed(QUOTA_MESSAGE.into())
                } else {
                    SaveOutcome::Failed(
                        "Your latest changes are not saved: the browser refused to store them. They are safe in this tab while it stays open; use Download annotations to keep them. Saving is tried again on your next change.".into(),
                    )
                }
            }
        }
    }

    /// The raw stored text (`None` when absent or unreadable).
    pub fn read_raw(&self) -> Option<String> {
        self.storage.as_ref()?.get_item(&self.key).ok().flatten()
    }

    /// The stored text (`Some(None)` when absent), or `None` when there is no storage or it
    /// cannot be read.
    pub fn try_read_raw(&self) -> Option<Option<String>> {
        self.storage.as_ref()?.get_item(&self.key).ok()
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The role=alert message for held data, with an optional extra sentence.
fn damaged_banner(h: &Held, extra: Option<&str>) -> Banner {
    let kept = match &h.backup {
        Some(k) => format!("A copy is kept under the key \"{k}\""),
        None => "No backup copy could be made (the browser's storage may be full)".to_string(),
    };
    let mut text = format!(
        "Your saved annotations could not be read: {}. Nothing will be written over them until you choose. {kept}. New highlights stay in this tab until then.",
        h.error
    );
    if let Some(extra) = extra {
        text.push(' ');
        text.push_str(extra);
    }
    Banner {
        text,
        error: true,
        damaged: true,
    }
}

/// "Download the damaged data": the raw text exactly as it was stored.
pub fn download_damaged(app: AppState) {
    let Some(raw) = app.persist.with_value(|p| p.held_raw()) else {
        app.show_toast("There is no damaged data to download any more.", false);
        return;
    };
    let name = app
        .doc
        .with_value(|d| format!("{}-damaged-storage.json", slugify(&d.id)));
    match dom::download(&name, "application/json", &raw) {
        Ok(()) => {
            app.persist.with_value(|p| {
                if let Some(h) = p.held.lock_().as_mut() {
                    h.downloaded = true;
                }
            });
            app.show_toast(format!("Downloaded {name}"), false);
        }
        Err(e) => app.show_toast(e, false),
    }
}

/// "Start fresh": once the damaged data is backed up, this tab's annotations replace it.
pub fn start_fresh(app: AppState) {
    match app.persist.with_value(|p| p.release()) {
        Ok(backup) => {
            app.banner.set(None);
            app.save();
            let kept = match backup {
                Some(k) => format!("The damaged data is kept under the key \"{k}\"."),
                None => "The damaged data was downloaded.".into(),
            };
            app.show_toast(format!("Started fresh. {kept}"), false);
        }
        Err(why) => app.banner.set(Some(Banner {
            text: why,
            error: true,
            damaged: true,
        })),
    }
}

/// Refuses text that would take a note past the editor's limit, saying so, instead of letting
/// the browser cut a paste short without a word (or a huge paste freeze the page).
pub fn guard_note_length(app: AppState) {
    dom::on_document("beforeinput", move |ev: web_sys::Event| {
        let Some(area) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        else {
            return;
        };
        let limit = match area.max_length() {
            n if n > 0 => n as usize,
            _ => return,
        };
        let incoming = js_sys::Reflect::get(&ev, &"data".into())
            .ok()
            .and_then(|d| d.as_string())
            .or_else(|| {
                js_sys::Reflect::get(&ev, &"dataTransfer".into())
                    .ok()
                    .and_then(|d| d.dyn_into::<web_sys::DataTransfer>().ok())
                    .and_then(|d| d.get_data("text/plain").ok())
            });
        let Some(incoming) = incoming else { return };
        let value = area.value();
        let len = value.encode_utf16().count();
        let start = area.selection_start().ok().flatten().unwrap_or(len as u32) as usize;
        let end = area.selection_end().ok().flatten().unwrap_or(len as u32) as usize;
        let replaced = end.saturating_sub(start).min(len);
        let added = incoming.encode_utf16().count();
        if len - replaced + added > limit {
            ev.prevent_default();
            app.show_toast(
                format!(
                    "Not added: a note can hold up to {} characters, and this text has {}. Your note is unchanged; shorten the text or keep it in a file.",
                    group_digits(limit),
                    group_digits(added)
                ),
                false,
            );
        }
    });
}

/// 1048576 → "1,048,576".
fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
