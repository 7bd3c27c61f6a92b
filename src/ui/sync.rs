//! Loading and two tabs: the stored annotations come in, and a change saved in one tab appears
//! in the others without a reload.
//!
//! The app starts with the article on screen and reads the database afterwards ([`load`]); every
//! tab writes only its changed records and then says so on a `BroadcastChannel`; the other tabs
//! read the document's records again and merge them with [`storage::merge_remote`]: an
//! annotation's contents follow the later `modified` (a tie goes to the greater JSON), so every
//! tab resolves the same way; which annotations exist follows the stored state. The merge is
//! applied with [`marginalia_core::annotation::AnnotationSet::apply_external`] (not undoable, and it
//! drops history that mentions the changed ids) and re-rendered; the ids where this tab's version
//! won ([`storage::differing_ids`]) are written back, so the tabs and the database converge
//! with no write ping-pong (a tab whose state equals the stored one writes nothing).
//!
//! Work the other tabs cannot have seen is never dropped by presence-follows-stored: an
//! annotation created, edited or deleted here but not yet written (storage full, or the save not
//! yet run) keeps this tab's version, and so does the note being edited right now. Loading is the
//! same merge: what the reader did before the stored annotations arrived is kept and written.

use crate::ui::idb::{self, DbError};
use crate::ui::state::{css_escape, AppState, Banner};
use crate::ui::{dom, panic as rescue};
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, ChangeKind, ChangeSummary};
use marginalia_core::storage::{self, Change, StorageError};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How many records are decoded and anchored between two yields to the browser.
const LOAD_SLICE: usize = 1000;

/// The channel every tab of the app shares; a message is the id of a document just written.
const CHANNEL: &str = "marginalia/v1/saved";

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    /// The app that asked while a read was running (the latest one): read for it next. A
    /// flag was not enough: a document opened while the one before it was still being read
    /// left its request to that one's loop, which ran it for the closed document, and the new
    /// one was never loaded (it showed none of its annotations).
    static AGAIN: Cell<Option<AppState>> = const { Cell::new(None) };
    /// This tab's one channel object: it both listens and announces, so a tab never hears its
    /// own writes (a channel object does not receive what it posts).
    static CHANNEL_OBJECT: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

fn channel() -> Option<web_sys::BroadcastChannel> {
    CHANNEL_OBJECT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = web_sys::BroadcastChannel::new(CHANNEL).ok();
        }
        c.clone()
    })
}

/// Reads the stored annotations now and listens for other tabs' saves for as long as the app
/// lives.
pub fn install(app: AppState) {
    sync_soon(app);
    dom::after_next_paint(crate::ui::panel::warm_date_format);
    let Some(channel) = channel() else {
        return;
    };
    let doc = app.persist.with_value(|p| p.doc_id().to_string());
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if ev.data().as_string().as_deref() == Some(doc.as_str()) {
                sync_soon(app);
            }
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let listening = send_wrapper::SendWrapper::new((channel, on_message));
    on_cleanup(move || {
        let (channel, _on_message) = listening.take();
        channel.set_onmessage(None);
    });
}

/// Tells the other tabs that `doc`'s records were written.
pub fn announce(doc: &str) {
    if let Some(c) = channel() {
        let _ = c.post_message(&JsValue::from_str(doc));
    }
}

/// Reads and merges the stored annotations soon; several requests while one runs give one more.
pub fn sync_soon(app: AppState) {
    if RUNNING.with(|r| r.replace(true)) {
        AGAIN.with(|a| a.set(Some(app)));
        return;
    }
    leptos::task::spawn_local(async move {
        let mut next = Some(app);
        while let Some(app) = next {
            sync_now(app).await;
            next = AGAIN.with(Cell::take);
        }
        RUNNING.with(|r| r.set(false));
    });
}

/// Reads the document's records and brings this tab up to date with them.
async fn sync_now(app: AppState) {
    // `try_`: the app may be unmounted while the database is read.
    let Some(doc) = app
        .persist
        .try_with_value(|p| (!p.is_memory_only()).then(|| p.doc_id().to_string()))
    else {
        return;
    };
    let Some(doc) = doc else { return };
    let read = idb::read_doc(&doc).await;
    if app.persist.try_with_value(|_| ()).is_none() {
        return;
    }
    let mut read = match read {
        Ok(r) => r,
        Err(e) => {
            if app.persist.with_value(|p| p.is_loading()) {
                let why = match e {
                    DbError::Quota => "the browser's storage is full".to_string(),
                    DbError::Unavailable(why) | DbError::Failed(why) => why,
                };
                let banner = app.persist.with_value(|p| p.memory_only(&why));
                app.banner.set(Some(banner));
            }
            return;
        }
    };
    if let Err(e) = storage::check_meta(read.meta.as_deref()) {
        // A newer build's data (or a meta value that cannot be read): hold it all, write nothing.
        let e = match e {
            StorageError::NewerVersion(_) => e,
            other => StorageError::WrongShape(format!("its format record: {other}")),
        };
        if let Some(banner) = app.persist.with_value(|p| {
            let b = p.hold_newer(e, read.take_all());
            p.loaded();
            b
        }) {
            app.banner.set(Some(banner));
        }
        return;
    }
    // Read, kept for the panic message's download, decoded and anchored a slice at a time, the
    // browser free to paint and take input in between (10,000 records are a long task at once).
    rescue::forget_records();
    let mut remote = Vec::new();
    let mut damaged = Vec::new();
    loop {
        let chunk = read.take(LOAD_SLICE);
        if chunk.is_empty() {
            break;
        }
        rescue::remember_records(&chunk);
        let mut part = storage::decode_records(chunk);
        if app
            .doc
            .try_with_value(|doc| storage::anchor_all(doc, &mut part.annotations))
            .is_none()
        {
            return;
        }
        remote.append(&mut part.annotations);
        damaged.append(&mut part.damaged);
        dom::yield_to_browser().await;
    }
    if app.persist.try_with_value(|_| ()).is_none() {
        return;
    }
    if !damaged.is_empty() {
        if let Some(banner) = app.persist.with_value(|p| p.hold_records(damaged)) {
            app.banner.set(Some(banner));
        }
    }
    let merge_timing = dom::UserTiming::start("marginalia:sync-merge");
    // The common first read: nothing here yet, so nothing to merge.
    let first = app
        .set
        .with_value(|s| s.is_empty() && !s.can_undo() && !s.can_redo())
        && app.persist.with_value(|p| p.knows_nothing());
    if first {
        app.persist.with_value(|p| {
            p.saw(remote.iter());
            p.loaded();
        });
        let summary = app.set.try_update_value(|set| set.load(remote)).flatten();
        drop(merge_timing);
        if let Some(summary) = summary {
            // Drawn in a task of its own.
            dom::yield_to_browser().await;
            if app.set.try_with_value(|_| ()).is_none() {
                return;
            }
            rerender(app, &summary);
        } else {
            // Nothing stored: still, what waited for the load (the library's count) runs now.
            app.list.notify();
        }
        app.save();
        return;
    }
    let editing = app.editing.get_untracked();
    let known = app.persist.with_value(|p| p.known());
    let changes = app.set.with_value(|set| {
        storage::keep_local_work(
            storage::merge_remote(set, remote.clone()),
            &known,
            editing.as_deref(),
        )
    });
    let draft = editing
        .as_deref()
        .filter(|id| changes.iter().any(|c| touches(c, id)))
        .and_then(|id| {
            let saved = app.set.with_value(|s| s.get(id).map(|a| a.note.clone()))?;
            read_draft(id, &saved).map(|text| (id.to_string(), text))
        });
    // This tab's own unsaved changes stay pending; the merged-in ones are already stored.
    let summary = app.set.try_update_value(|set| {
        let local = set.take_changed();
        let summary = (!changes.is_empty()).then(|| set.apply_external(changes));
        set.take_changed();
        app.persist.with_value(|p| p.mark_pending(local));
        summary
    });
    let differing = app
        .set
        .with_value(|set| storage::differing_ids(set, &remote));
    app.persist.with_value(|p| {
        p.saw(remote.iter());
        p.mark_pending(differing);
        p.loaded();
    });
    drop(merge_timing);
    if let Some(Some(summary)) = summary {
        let _timing = dom::UserTiming::start("marginalia:sync-rerender");
        rerender(app, &summary);
        if let Some((id, text)) = draft {
            restore_draft(app, id, text);
        }
    } else {
        app.list.notify();
    }
    // Writes what this tab has that storage lacks (nothing, when they agree).
    app.save();
    if app.persist.with_value(|p| !p.has_unsaved()) {
        clear_quota_banner(app);
    }
}

fn clear_quota_banner(app: AppState) {
    if app
        .banner
        .with_untracked(|b| b.as_ref().is_some_and(|b| b.error && !b.damaged))
        && !app.persist.with_value(|p| p.is_memory_only())
    {
        app.banner.set(None);
    }
}

fn touches(change: &Change, id: &str) -> bool {
    let is = |a: &Option<Annotation>| a.as_ref().is_some_and(|a| a.id == id);
    is(&change.0) || is(&change.1)
}

/// Re-indexes and re-renders what another tab changed, without saving it back.
fn rerender(app: AppState, summary: &ChangeSummary) {
    let mut quiet = summary.clone();
    quiet.kind = Some(ChangeKind::Sync);
    // `after_change` saves too; the save finds the stored value equal to what it would write
    // (or merges first), so it writes nothing unless this tab has something the other lacks.
    app.after_change(&quiet);
}

fn note_field(id: &str) -> Option<web_sys::HtmlTextAreaElement> {
    web_sys::window()?
        .document()?
        .query_selector(&format!("[data-card=\"{}\"] textarea", css_escape(id)))
        .ok()??
        .dyn_into()
        .ok()
}

/// The text in the open note editor of `id`, if the reader has typed something unsaved.
fn read_draft(id: &str, saved: &str) -> Option<String> {
    let text = note_field(id)?.value();
    (text.trim_end() != saved).then_some(text)
}

/// Puts the reader's unsaved text back into the editor that the other tab's change re-rendered.
fn restore_draft(app: AppState, id: String, text: String) {
    // After the re-render (Leptos runs its effects in microtasks; a timeout comes after them).
    set_timeout(
        move || {
            let Some(area) = note_field(&id) else {
                app.banner.set(Some(Banner {
                text: format!(
                    "Another tab removed the annotation whose note you were writing. Your text: {text}"
                ),
                error: false,
                damaged: false,
            }));
                return;
            };
            area.set_value(&text);
            app.show_toast(
                "This note was changed in another tab; your unsaved text is still in the editor.",
                false,
            );
        },
        std::time::Duration::ZERO,
    );
}
