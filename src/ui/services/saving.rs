//! Saving: subscribes to the store's changes and writes what changed after the next paint, once
//! per burst; at once when the page is hidden or left, or the document closes. Reports trouble in
//! the banner and tells the other tabs ([`crate::ui::services::tabs`]) of every write.

use crate::ui::edge::events::{on_document, on_window, page_hidden};
use crate::ui::edge::files::download;
use crate::ui::edge::idb::{self, DbError};
use crate::ui::edge::perf::UserTiming;
use crate::ui::edge::timers::after_next_paint;
use crate::ui::services::persist::Persist;
use crate::ui::services::tabs;
use crate::ui::state::{AppState, Banner};
use leptos::prelude::*;
use marginalia_core::article::slugify;

/// The document's saving, shared through context: the store, what this tab knows of the stored
/// records ([`Persist`]), and whether a save is scheduled.
#[derive(Clone, Copy)]
pub struct Saving {
    pub app: AppState,
    pub persist: StoredValue<Persist>,
    /// A save is scheduled ([`Saving::schedule`]) and has not run yet.
    pending: StoredValue<bool>,
}

/// What a finished write means for the reader.
enum SaveOutcome {
    Saved,
    Failed(String),
}

impl Saving {
    /// Starts saving `app`'s changes (it holds `persist`'s document) for as long as the app lives.
    pub fn install(app: AppState, persist: Persist) -> Saving {
        let saving = Saving {
            app,
            persist: StoredValue::new(persist),
            pending: StoredValue::new(false),
        };
        app.subscribe(move |_, _| saving.schedule());
        // A scheduled save runs at once when the page is hidden or left, or this document closes
        // (then also what waited for the stored annotations to be read: `close`). A large save
        // still handing its records over a slice per task is then written at once: a hidden
        // page's tasks may be held back, and a page that goes away takes an unfinished
        // transaction with it.
        on_window("pagehide", move |_| {
            saving.flush();
            idb::finish_writes();
        });
        on_document("visibilitychange", move |_| {
            saving.flush();
            if page_hidden() {
                idb::finish_writes();
            }
        });
        on_cleanup(move || saving.close());
        saving
    }

    /// The stored annotations are still being read (or the app is gone).
    pub fn is_loading(&self) -> bool {
        self.persist.try_with_value(|p| p.is_loading()) != Some(false)
    }

    /// Saves after the next frame is painted, so a click never waits for storage. Changes in one
    /// burst share one save. Until it runs, the change is in memory like any unsaved work: the
    /// merge of another tab's writes keeps it ([`crate::ui::services::loading`]), and leaving the
    /// page or switching documents saves at once ([`Saving::flush`]).
    pub fn schedule(&self) {
        if self.pending.try_get_value() != Some(false) {
            return;
        }
        self.pending.set_value(true);
        let saving = *self;
        after_next_paint(move || saving.flush());
    }

    /// When this document closes: a scheduled save runs now. Changes made while its stored
    /// annotations were still being read (saves wait for that) are written too, against what
    /// is stored, by a task that outlives the app.
    pub fn close(&self) {
        if self.persist.try_with_value(|p| p.may_write_on_close()) != Some(true) {
            return self.flush();
        }
        let _ = self.pending.try_set_value(false);
        let Some((plan, _)) = self
            .app
            .set
            .try_update_value(|set| self.persist.with_value(|p| p.plan(set)))
        else {
            return;
        };
        if plan.is_empty() {
            return;
        }
        let doc = self.persist.with_value(|p| p.doc_id().to_string());
        leptos::task::spawn_local(async move {
            let _ = idb::write_held(&doc, plan).await;
            tabs::announce(&doc);
        });
    }

    /// Runs a scheduled save now (none scheduled: nothing to do). Safe after the app is gone.
    pub fn flush(&self) {
        if self.pending.try_get_value() == Some(true) {
            self.save();
        }
    }

    /// Writes what changed since the last save and reports trouble in the banner. The records
    /// are handed to the database at once (the `marginalia:save` measure); the write commits off
    /// the main thread (`marginalia:save-committed`), and other tabs are told.
    pub fn save(&self) {
        let _ = self.pending.try_set_value(false);
        let timing = UserTiming::start("marginalia:save");
        let Some((plan, stamps)) = self
            .app
            .set
            .try_update_value(|set| self.persist.with_value(|p| p.plan(set)))
        else {
            return;
        };
        if plan.is_empty() || !self.persist.with_value(|p| p.can_write()) {
            return;
        }
        let doc = self.persist.with_value(|p| p.doc_id().to_string());
        let saving = *self;
        let committed = UserTiming::start("marginalia:save-committed");
        let plan = std::rc::Rc::new(plan);
        let started = idb::start_write(&doc, plan.clone());
        drop(timing);
        leptos::task::spawn_local(async move {
            let result = match started {
                Ok(writing) => writing.committed().await,
                Err(e) => Err(e),
            };
            drop(committed);
            let outcome = saving.persist.try_with_value(|p| {
                p.written(&plan, &stamps, &result);
                match &result {
                    Ok(()) => SaveOutcome::Saved,
                    Err(e) => SaveOutcome::Failed(write_failure(e)),
                }
            });
            match outcome {
                Some(SaveOutcome::Saved) => {
                    tabs::announce(&doc);
                    saving.clear_write_failure();
                }
                Some(SaveOutcome::Failed(msg)) => {
                    let _ = saving.app.banner.try_set(Some(Banner {
                        text: msg,
                        error: true,
                        damaged: false,
                    }));
                }
                None => {}
            }
        });
    }

    /// Once everything is written, a banner about a failed write goes (not one about memory
    /// only or damaged data).
    fn clear_write_failure(&self) {
        let app = self.app;
        if app
            .banner
            .try_with_untracked(|b| b.as_ref().is_some_and(|b| !b.damaged && b.error))
            == Some(true)
            && !self
                .persist
                .with_value(|p| p.is_memory_only() || p.has_unsaved())
        {
            app.banner.set(None);
        }
    }
}

const QUOTA_MESSAGE: &str = "Your latest changes are not saved: the browser's storage is full. They are safe in this tab while it stays open; use Download annotations to keep them. Saving is tried again on your next change.";

/// The banner a failed write shows.
pub fn write_failure(e: &DbError) -> String {
    match e {
        DbError::Quota => QUOTA_MESSAGE.into(),
        other => format!(
            "Your latest changes are not saved: the browser refused to store them ({other}). They are safe in this tab while it stays open; use Download annotations to keep them. Saving is tried again on your next change."
        ),
    }
}

impl Saving {
    /// "Download the damaged data": the stored text exactly as it was.
    pub fn download_damaged(&self) {
        let app = self.app;
        let Some(raw) = self.persist.with_value(|p| p.held_raw()) else {
            app.show_toast("There is no damaged data to download any more.", false);
            return;
        };
        let name = app
            .doc
            .with_value(|d| format!("{}-damaged-storage.json", slugify(&d.id)));
        match download(&name, "application/json", &raw) {
            Ok(()) => {
                self.persist.with_value(|p| p.held_downloaded());
                app.show_toast(format!("Downloaded {name}"), false);
            }
            Err(e) => app.show_toast(e, false),
        }
    }

    /// "Start fresh": once the damaged data is kept, it is out of the way and this tab saves.
    /// Returns what to tell the reader, or why not.
    pub async fn start_fresh(self) -> Result<String, String> {
        let told = Persist::release(self.persist, self.app).await?;
        self.save();
        Ok(told)
    }
}
