//! Loading: the stored annotations come in, and a change saved in one tab appears in the others
//! without a reload.
//!
//! The app starts with the article on screen and reads the database afterwards ([`load`]); every
//! tab writes only its changed records and then says so ([`crate::ui::services::tabs`]); the other tabs
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

use crate::ui::edge::clock::perf_now;
use crate::ui::edge::elements::css_escape;
use crate::ui::edge::idb::{self, DbError, DocRecords};
use crate::ui::edge::perf::UserTiming;
use crate::ui::edge::timers::{later, yield_to_browser};
use crate::ui::panic as rescue;
use crate::ui::services::persist::Persist;
use crate::ui::services::saving::Saving;
use crate::ui::services::tabs;
use crate::ui::state::{AppState, Banner};
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, AnnotationSet, ChangeKind, ChangeSummary};
use marginalia_core::storage::{self, Change, DamagedRecord, StorageError};
use marginalia_core::time::Timestamp;
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use wasm_bindgen::JsCast;

/// How many records are decoded and anchored at a time, between two looks at the clock.
const LOAD_PIECE: usize = 50;
/// How long decoding and anchoring may hold the page, in ms, before the browser gets a turn:
/// a fixed count of records per task grew into long tasks with the machine's load (a large
/// sync's merge); a time budget yields about as often as that count did on a quiet machine
/// (the page load), more often on a busy one. (30 ms slices of 100 records reached 60–200 ms
/// on a loaded machine.)
const LOAD_BUDGET_MS: f64 = 16.0;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    /// The document that asked while a read was running (the latest one): read for it next. A
    /// flag was not enough: a document opened while the one before it was still being read
    /// left its request to that one's loop, which ran it for the closed document, and the new
    /// one was never loaded (it showed none of its annotations).
    static AGAIN: Cell<Option<Saving>> = const { Cell::new(None) };
}

/// Reads the stored annotations now and, for as long as the app lives, again whenever another
/// tab wrote this document.
pub fn install(saving: Saving) {
    sync_soon(saving);
    let doc = saving.persist.with_value(|p| p.doc_id().to_string());
    tabs::on_written(doc, move || sync_soon(saving));
}

/// Reads and merges the stored annotations soon; several requests while one runs give one more.
pub fn sync_soon(saving: Saving) {
    if RUNNING.with(|r| r.replace(true)) {
        AGAIN.with(|a| a.set(Some(saving)));
        return;
    }
    leptos::task::spawn_local(async move {
        let mut next = Some(saving);
        while let Some(saving) = next {
            sync_now(saving).await;
            next = AGAIN.with(Cell::take);
        }
        RUNNING.with(|r| r.set(false));
    });
}

/// Reads the document's records and brings this tab up to date with them.
async fn sync_now(saving: Saving) {
    let Some(read) = read_records(saving).await else {
        return;
    };
    // The common first read, nothing here yet: the records are gathered into a set of their own
    // as they are decoded, which then becomes the set at once (nothing to merge).
    let first = nothing_here(saving) == Some(true);
    let Some((decoded, damaged)) = decode_in_slices(saving.app, read, first).await else {
        return;
    };
    if saving.persist.try_with_value(|_| ()).is_none() {
        return;
    }
    if !damaged.is_empty() {
        if let Some(banner) = saving.persist.with_value(|p| p.hold_records(damaged)) {
            saving.app.banner.set(Some(banner));
        }
    }
    let merge_timing = UserTiming::start("marginalia:sync-merge");
    match decoded {
        // Still nothing here (the reader may have highlighted while the records were read).
        Decoded::Gathered(gathered, known) if nothing_here(saving) == Some(true) => {
            first_load(saving, gathered, known, merge_timing).await;
        }
        Decoded::Gathered(gathered, _) => {
            merge(saving, gathered.into_annotations(), merge_timing);
        }
        Decoded::Listed(remote) => merge(saving, remote, merge_timing),
    }
}

/// Nothing here yet: no annotation, no history, no record seen in the database (`None`: the
/// app is gone).
fn nothing_here(saving: Saving) -> Option<bool> {
    let set = saving
        .app
        .set
        .try_with_value(|s| s.is_empty() && !s.can_undo() && !s.can_redo())?;
    Some(set && saving.persist.try_with_value(|p| p.knows_nothing())?)
}

/// The stored records, decoded and anchored: gathered into a set of their own (a first read),
/// with each one's `modified` (what the database holds), or listed, to be merged.
enum Decoded {
    Gathered(AnnotationSet, HashMap<String, Timestamp>),
    Listed(Vec<Annotation>),
}

/// The document's stored records, once they can be merged: `None` when there is nothing to do
/// (memory only, the app gone) or the stored data is held (a newer build's: nothing is written).
async fn read_records(saving: Saving) -> Option<DocRecords> {
    // `try_`: the app may be unmounted while the database is read.
    let doc = saving
        .persist
        .try_with_value(|p| (!p.is_memory_only()).then(|| p.doc_id().to_string()))??;
    let timing = UserTiming::start("marginalia:sync-read");
    let read = idb::read_doc(&doc).await;
    drop(timing);
    saving.persist.try_with_value(|_| ())?;
    let read = match read {
        Ok(r) => r,
        Err(e) => {
            if saving.persist.with_value(|p| p.is_loading()) {
                let why = match e {
                    DbError::Quota => "the browser's storage is full".to_string(),
                    DbError::Unavailable(why) | DbError::Failed(why) => why,
                };
                let banner = saving.persist.with_value(|p| p.memory_only(&why));
                saving.app.banner.set(Some(banner));
            }
            return None;
        }
    };
    let mut read = read;
    if let Err(e) = storage::check_meta(read.meta.as_deref()) {
        // A newer build's data (or a meta value that cannot be read): hold it all, write nothing.
        let e = match e {
            StorageError::NewerVersion(_) => e,
            other => StorageError::WrongShape(format!("its format record: {other}")),
        };
        if let Some(banner) = saving.persist.with_value(|p| {
            let b = p.hold_newer(e, read.take_all());
            p.loaded();
            b
        }) {
            saving.app.banner.set(Some(banner));
        }
        return None;
    }
    Some(read)
}

/// The records decoded and anchored a slice at a time (`gather`: into a set of their own), the
/// browser free to paint and take input in between, and kept for the panic message's download:
/// the annotations and the records that could not be read. `None` when the app is gone
/// meanwhile.
async fn decode_in_slices(
    app: AppState,
    mut read: DocRecords,
    gather: bool,
) -> Option<(Decoded, Vec<DamagedRecord>)> {
    rescue::forget_records();
    let mut decoded = if gather {
        Decoded::Gathered(AnnotationSet::new(), HashMap::new())
    } else {
        Decoded::Listed(Vec::new())
    };
    let mut damaged = Vec::new();
    let mut started = perf_now();
    let mut slice = UserTiming::start("marginalia:load-decode");
    loop {
        let chunk = read.take(LOAD_PIECE);
        if chunk.is_empty() {
            break;
        }
        rescue::remember_records(&chunk);
        let mut part = storage::decode_records(chunk);
        app.doc
            .try_with_value(|doc| storage::anchor_all(doc, &mut part.annotations))?;
        match &mut decoded {
            Decoded::Gathered(set, known) => {
                known.extend(part.annotations.iter().map(|a| (a.id.clone(), a.modified)));
                set.gather(part.annotations);
            }
            Decoded::Listed(remote) => remote.append(&mut part.annotations),
        }
        damaged.append(&mut part.damaged);
        if perf_now() - started > LOAD_BUDGET_MS {
            drop(slice);
            yield_to_browser().await;
            started = perf_now();
            slice = UserTiming::start("marginalia:load-decode");
        }
    }
    drop(slice);
    // The merge and drawing that follow start in a task of their own.
    yield_to_browser().await;
    Some((decoded, damaged))
}

/// The first read, with nothing here yet: the stored annotations, gathered, are the set.
async fn first_load(
    saving: Saving,
    mut gathered: AnnotationSet,
    known: HashMap<String, Timestamp>,
    merge_timing: UserTiming,
) {
    let app = saving.app;
    saving.persist.with_value(|p| {
        p.saw_known(known);
        p.loaded();
    });
    let summary = app
        .set
        .try_update_value(|set| set.load_gathered(&mut gathered))
        .flatten();
    drop(merge_timing);
    if let Some(summary) = summary {
        // Drawn in a task of its own.
        yield_to_browser().await;
        if app.set.try_with_value(|_| ()).is_none() {
            return;
        }
        let _timing = UserTiming::start("marginalia:sync-rerender");
        rerender(app, &summary);
    } else {
        // Nothing stored: still, what waited for the load (the library's count) runs now.
        app.list.notify();
    }
    saving.save();
}

/// Merges the stored annotations with this tab's: see the module's notes.
fn merge(saving: Saving, remote: Vec<Annotation>, merge_timing: UserTiming) {
    apply_merge(
        saving,
        |set| storage::merge_remote(set, remote.clone()),
        merge_timing,
        |set| storage::differing_ids(set, &remote),
        |p| p.saw(remote.iter()),
    );
}

/// Merges a few records a sync just wrote (as they now stand in storage; `None`: removed) into
/// the open document without reading the rest of it: the same rules as [`merge`], for these ids
/// only, and only the blocks they touch are drawn again. While the stored annotations are still
/// being read (or cannot be written), the whole merge runs instead.
pub fn merge_records(saving: Saving, mut records: Vec<(String, Option<Annotation>)>) {
    let ready = saving
        .persist
        .try_with_value(|p| !p.is_loading() && !p.is_memory_only() && !p.is_held());
    match ready {
        None => return, // the app is gone
        Some(false) => return sync_soon(saving),
        Some(true) if RUNNING.with(Cell::get) => return sync_soon(saving),
        Some(true) => {}
    }
    let anchored = saving.app.doc.try_with_value(|doc| {
        for a in records.iter_mut().filter_map(|(_, a)| a.as_mut()) {
            storage::anchor_all(doc, std::slice::from_mut(a));
        }
    });
    if anchored.is_none() {
        return;
    }
    let merge_timing = UserTiming::start("marginalia:sync-merge");
    apply_merge(
        saving,
        |set| storage::merge_records(set, records.clone()),
        merge_timing,
        |set| storage::differing_records(set, &records),
        |p| p.saw_records(&records),
    );
}

/// Applies a merge's changes (`merged`, less this tab's unsaved work and the note being
/// edited; not undoable), draws what they touch, and writes what this tab has that storage
/// lacks: `differing` names those ids, `saw` records what storage holds now.
fn apply_merge(
    saving: Saving,
    merged: impl FnOnce(&AnnotationSet) -> Vec<Change>,
    merge_timing: UserTiming,
    differing: impl FnOnce(&AnnotationSet) -> BTreeSet<String>,
    saw: impl FnOnce(&Persist),
) {
    let app = saving.app;
    let editing = app.editing.get_untracked();
    let known = saving.persist.with_value(|p| p.known());
    let changes = app
        .set
        .with_value(|set| storage::keep_local_work(merged(set), &known, editing.as_deref()));
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
        saving.persist.with_value(|p| p.mark_pending(local));
        summary
    });
    let differing = app.set.with_value(differing);
    saving.persist.with_value(|p| {
        saw(p);
        p.mark_pending(differing);
        p.loaded();
    });
    drop(merge_timing);
    if let Some(Some(summary)) = summary {
        let _timing = UserTiming::start("marginalia:sync-rerender");
        rerender(app, &summary);
        if let Some((id, text)) = draft {
            restore_draft(app, id, text);
        }
    } else {
        app.list.notify();
    }
    // Writes what this tab has that storage lacks (nothing, when they agree).
    saving.save();
    if saving.persist.with_value(|p| !p.has_unsaved()) {
        clear_quota_banner(saving);
    }
}

fn clear_quota_banner(saving: Saving) {
    let app = saving.app;
    if app
        .banner
        .with_untracked(|b| b.as_ref().is_some_and(|b| b.error && !b.damaged))
        && !saving.persist.with_value(|p| p.is_memory_only())
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
    gloo_utils::document()
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
    later(Duration::ZERO, move || {
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
    });
}
