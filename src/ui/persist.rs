//! localStorage: one versioned key per document, written after every change, read on start.
//! Data that cannot be read is kept under a backup key and never overwritten until the reader
//! chooses what to do with it.

use crate::domain::annotation::{Annotation, AnnotationSet};
use crate::domain::storage;
use crate::ui::state::Banner;

pub enum SaveOutcome {
    Saved,
    /// No localStorage: the annotations live in memory only (already said on screen).
    MemoryOnly,
    Failed(String),
}

pub struct Persist {
    storage: Option<web_sys::Storage>,
    doc_id: String,
    key: String,
    backup_key: String,
    /// Unreadable data is waiting for the reader's decision: nothing is written over it.
    held: bool,
    /// The text that could not be read, for "Download the damaged data".
    pub damaged_raw: Option<String>,
}

fn local_storage() -> Result<web_sys::Storage, String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = window
        .local_storage()
        .map_err(|_| "the browser refused access to localStorage".to_string())?
        .ok_or("this browser has no localStorage")?;
    // Some browsers (private modes) expose localStorage but throw on write.
    let probe = "marginalia/probe";
    storage
        .set_item(probe, "1")
        .map_err(|_| "localStorage refuses to store anything".to_string())?;
    let _ = storage.remove_item(probe);
    Ok(storage)
}

impl Persist {
    /// Opens the store for `doc_id`: the saved annotations, and a banner when something is wrong.
    pub fn open(doc_id: &str) -> (Persist, Vec<Annotation>, Option<Banner>) {
        let key = storage::storage_key(doc_id);
        let backup_key = storage::backup_key(doc_id);
        let storage = match local_storage() {
            Ok(s) => s,
            Err(why) => {
                let banner = Banner {
                    text: format!(
                        "Annotations are kept in memory only and will be lost when this tab closes: {why}. Use Download annotations to keep them."
                    ),
                    error: true,
                    damaged: false,
                };
                return (
                    Persist {
                        storage: None,
                        doc_id: doc_id.to_string(),
                        key,
                        backup_key,
                        held: false,
                        damaged_raw: None,
                    },
                    Vec::new(),
                    Some(banner),
                );
            }
        };
        let raw = storage.get_item(&key).ok().flatten();
        let mut persist = Persist {
            storage: Some(storage),
            doc_id: doc_id.to_string(),
            key,
            backup_key,
            held: false,
            damaged_raw: None,
        };
        let Some(raw) = raw else {
            return (persist, Vec::new(), None);
        };
        match storage::decode(&raw) {
            Ok(annotations) => (persist, annotations, None),
            Err(e) => {
                let backed_up = persist.backup(&raw);
                persist.held = true;
                persist.damaged_raw = Some(raw);
                let banner = Banner {
                    text: format!(
                        "Your saved annotations could not be read ({e}). They are kept untouched{}; nothing will be written over them until you choose.",
                        if backed_up { " and backed up" } else { "" }
                    ),
                    error: true,
                    damaged: true,
                };
                (persist, Vec::new(), Some(banner))
            }
        }
    }

    fn backup(&self, raw: &str) -> bool {
        let Some(s) = &self.storage else { return false };
        if s.get_item(&self.backup_key).ok().flatten().as_deref() == Some(raw) {
            return true;
        }
        s.set_item(&self.backup_key, raw).is_ok()
    }

    pub fn is_memory_only(&self) -> bool {
        self.storage.is_none()
    }

    /// The reader chose "Start fresh": the damaged data stays under the backup key only.
    pub fn release(&mut self) {
        self.held = false;
    }

    pub fn save(&self, set: &AnnotationSet) -> SaveOutcome {
        let Some(s) = &self.storage else {
            return SaveOutcome::MemoryOnly;
        };
        if self.held {
            return SaveOutcome::Failed(
                "Changes are not being saved until you choose what to do with the damaged data."
                    .into(),
            );
        }
        let mut all: Vec<&Annotation> = set.iter().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        let encoded = storage::encode(&self.doc_id, all);
        match s.set_item(&self.key, &encoded) {
            Ok(()) => SaveOutcome::Saved,
            Err(_) => SaveOutcome::Failed(
                "Your latest changes are not saved: the browser's storage is full or unavailable. They are safe in this tab; use Download annotations to keep them. Saving is tried again on your next change.".into(),
            ),
        }
    }

    /// The raw stored text (for other tabs' updates).
    pub fn read_raw(&self) -> Option<String> {
        self.storage.as_ref()?.get_item(&self.key).ok().flatten()
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}
