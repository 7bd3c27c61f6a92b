//! Two tabs of one article: a change saved in one appears in the other without a reload.
//!
//! Each tab saves its whole state after every change. When another tab writes the key, the
//! browser fires `storage` here; this tab reads the key's *current* value (not the event's copy,
//! which may already be stale), decodes and anchors it, and merges it with
//! [`storage::merge_remote`]: an annotation's contents follow the later `modified` (a tie goes to
//! the greater JSON), so every tab resolves the same way; which annotations exist follows the
//! other tab's state. The merge is applied with [`crate::domain::annotation::AnnotationSet::apply_external`] (not undoable,
//! and it drops history that mentions the changed ids) and re-rendered without saving; only when
//! some local version won ([`storage::same_state`] is false) does this tab save, so the tabs
//! converge with no write ping-pong (an unchanged value is never written again).
//!
//! Work the other tab cannot have seen is never dropped by presence-follows-remote: an annotation
//! created, edited or deleted here but not yet written (storage full) keeps this tab's version,
//! and so does the note being edited right now. Such an annotation is written back by the save that
//! follows, so the other tabs see it too.
//!
//! A save that finds the key changed since this tab last saw it (the `storage` event not yet
//! delivered) merges first ([`schedule`]), so a write never silently replaces another tab's.

use crate::domain::annotation::{Annotation, ChangeKind, ChangeSummary};
use crate::domain::storage::{self, Change};
use crate::ui::state::{css_escape, AppState, Banner};
use leptos::prelude::*;
use std::cell::Cell;
use wasm_bindgen::JsCast;

thread_local! {
    /// The mounted app (with a generation: a remounted app's cleanup may run after the new one's
    /// install, and must not forget the new one).
    static APP: Cell<Option<(u64, AppState)>> = const { Cell::new(None) };
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Listens for other tabs' saves for as long as the app lives.
pub fn install(app: AppState) {
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    APP.with(|a| a.set(Some((generation, app))));
    let key = app.persist.with_value(|p| p.key().to_string());
    let handle = window_event_listener(leptos::ev::storage, move |ev: web_sys::StorageEvent| {
        // `key` is null when another tab cleared the whole store.
        match ev.key() {
            Some(k) if k != key => {}
            _ => sync_now(app),
        }
    });
    on_cleanup(move || {
        handle.remove();
        APP.with(|a| {
            if a.get().is_some_and(|(g, _)| g == generation) {
                a.set(None);
            }
        });
    });
}

/// Merges the stored value soon (after the current handler): used by a save that found the key
/// changed under it.
pub fn schedule() {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    queue_microtask(|| {
        SCHEDULED.with(|s| s.set(false));
        if let Some((_, app)) = APP.with(Cell::get) {
            sync_now(app);
        }
    });
}

/// Reads the stored value and brings this tab up to date with it.
pub fn sync_now(app: AppState) {
    // `try_`: a late event or microtask must not touch an app that was unmounted meanwhile.
    let Some(Some(raw)) = app.persist.try_with_value(|p| p.try_read_raw()) else {
        return;
    };
    if !app.persist.with_value(|p| p.changed_since_seen(&raw)) {
        return;
    }
    let Some(raw) = raw else {
        // The key was removed (site data cleared, another tab's `clear()`): write this tab's
        // annotations back rather than lose them.
        app.persist.with_value(|p| p.saw(None, std::iter::empty()));
        if !app.persist.with_value(|p| p.is_held()) && app.set.with_value(|s| !s.is_empty()) {
            app.save();
        }
        return;
    };
    let mut remote = match storage::decode(&raw) {
        Ok(list) => list,
        Err(e) => {
            if app.persist.with_value(|p| p.held_raw()).as_deref() != Some(raw.as_str()) {
                let banner = app.persist.with_value(|p| p.hold(raw, e));
                app.banner.set(Some(banner));
            }
            return;
        }
    };
    if app.persist.with_value(|p| p.is_held()) {
        // Another tab chose for the reader (it backed the damaged data up before writing).
        app.persist.with_value(|p| p.drop_hold());
        if app
            .banner
            .with_untracked(|b| b.as_ref().is_some_and(|b| b.damaged))
        {
            app.banner.set(None);
        }
        app.show_toast(
            "Another tab replaced the damaged data; its annotations are shown here.",
            false,
        );
    }
    app.doc
        .with_value(|doc| storage::anchor_all(doc, &mut remote));
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
    let summary = if changes.is_empty() {
        None
    } else {
        app.set.try_update_value(|set| set.apply_external(changes))
    };
    app.persist.with_value(|p| p.saw(Some(raw), remote.iter()));
    if let Some(summary) = summary {
        rerender(app, &summary);
        if let Some((id, text)) = draft {
            restore_draft(app, id, text);
        }
    }
    let same = app.set.with_value(|set| storage::same_state(set, &remote));
    if !same {
        app.save();
    } else if app.persist.with_value(|p| p.has_unsaved()) {
        // The other tab's save holds everything this tab had not managed to save.
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
