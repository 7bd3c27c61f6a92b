//! What this tab knows of its document's stored annotations: IndexedDB, one record per annotation
//! ([`crate::ui::edge::idb`]), written after every change ([`crate::ui::services::saving`]); read
//! when the app starts, after the article is on screen ([`crate::ui::services::loading`]).
//!
//! A save writes only what changed since the last one ([`AnnotationSet::take_changed`]): a
//! highlight writes one small record however many annotations there are, and the write itself
//! runs off the page's main thread.
//!
//! Nothing is lost:
//! * Data that cannot be read is *held*, never written over, and offered for download until the
//!   reader chooses "Start fresh": records that are not annotations (moved to a set-aside store,
//!   never deleted), a newer build's data (nothing is written until the reader chooses), or an
//!   earlier build's localStorage value (kept under its key, copied to a backup key).
//! * Annotations saved by earlier builds in localStorage are written into the database on start
//!   and removed from localStorage only once they are safely there.
//! * Another tab's writes are merged in ([`crate::ui::services::loading`]); a write carries this tab's
//!   changes only, so it never replaces another tab's work on other annotations.
//! * A failed write (quota) leaves everything in memory and the changed ids pending; the banner
//!   says so and the next change writes them again. Without IndexedDB the app runs in memory and
//!   says so.
//! * Every save also hands the changed records to [`crate::ui::panic::remember`], for the panic
//!   message's download.

use crate::ui::edge::idb::{self, DbError};
use crate::ui::edge::storage;
use crate::ui::panic as rescue;
use crate::ui::state::{AppState, Banner};
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, AnnotationSet};
use marginalia_core::article::slugify;
use marginalia_core::storage::{self as stored, DamagedRecord, SavePlan, StorageError};
use marginalia_core::time::Timestamp;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

/// How many backup slots a document's old localStorage value has (`backup_key`, then
/// `backup_key/2` …): a second damaged value never replaces the backup of a first one.
const BACKUP_SLOTS: usize = 8;

/// Stored data that could not be read, waiting for the reader's decision.
pub struct Held {
    /// What "Download the damaged data" gives: the stored text exactly, or for records a JSON
    /// list of `{"id", "stored"}`.
    pub raw: String,
    pub error: StorageError,
    pub place: HeldPlace,
    /// The reader downloaded it: their own backup.
    pub downloaded: bool,
}

pub enum HeldPlace {
    /// An earlier build's localStorage value, left under its key; `backup` is where a copy is.
    Legacy { backup: Option<String> },
    /// Records in the database. `blocks_writes`: a newer build's data, so nothing is written
    /// for this document until the reader chooses.
    Records {
        records: Vec<(String, String)>,
        blocks_writes: bool,
    },
}

/// Where the database stands for this tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Store {
    /// Being opened and read: saves wait (what changes meanwhile is pending, and written once
    /// the stored annotations are merged in).
    Loading,
    Ready,
    /// No database: everything stays in memory (the banner says why).
    MemoryOnly,
}

/// What this tab knows of the stored records.
#[derive(Default)]
struct Seen {
    /// id → `modified` of the records as last read or written by this tab.
    known: HashMap<String, Timestamp>,
    /// Ids changed here and not yet confirmed written.
    pending: BTreeSet<String>,
    /// The last write failed: there are changes in memory only.
    unsaved: bool,
}

/// An earlier build's localStorage value, read on start, to be removed once written here.
struct Legacy {
    raw: String,
    ids: BTreeSet<String>,
}

pub struct Persist {
    doc_id: String,
    legacy_key: String,
    backup_key: String,
    rescue_name: String,
    store: Mutex<Store>,
    held: Mutex<Option<Held>>,
    seen: Mutex<Seen>,
    legacy: Mutex<Option<Legacy>>,
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

fn memory_banner(why: &str) -> Banner {
    Banner {
        text: format!(
            "Memory only: annotations are not saved in this browser and will be lost when this tab closes ({why}). Use Download annotations to keep them."
        ),
        error: true,
        damaged: false,
    }
}

impl Persist {
    /// Opens the store for `doc_id`: reads what an earlier build left in localStorage (shown at
    /// once, written into the database by the first save). The database itself is read by
    /// [`crate::ui::services::loading`]. Returns the old annotations and a banner when something is wrong.
    pub fn open(doc_id: &str) -> (Persist, Vec<Annotation>, Option<Banner>) {
        let persist = Persist {
            doc_id: doc_id.to_string(),
            legacy_key: stored::storage_key(doc_id),
            backup_key: stored::backup_key(doc_id),
            rescue_name: format!("{}-annotations-rescued.json", slugify(doc_id)),
            store: Mutex::new(Store::Loading),
            held: Mutex::new(None),
            seen: Mutex::new(Seen::default()),
            legacy: Mutex::new(None),
        };
        rescue::remember_doc(&persist.rescue_name, doc_id);
        let mut banner = None;
        if let Err(why) = idb::available() {
            *persist.store.lock_() = Store::MemoryOnly;
            banner = Some(memory_banner(&why));
        }
        let raw = storage::get(&persist.legacy_key);
        let Some(raw) = raw else {
            return (persist, Vec::new(), banner);
        };
        match stored::decode(&raw) {
            Ok(annotations) => {
                // Inserted one by one: collecting into a B-tree sorts first, with a copy of
                // the sorting code of its own (domain::order).
                let mut ids = BTreeSet::new();
                for a in &annotations {
                    ids.insert(a.id.clone());
                }
                *persist.legacy.lock_() = Some(Legacy { raw, ids });
                (persist, annotations, banner)
            }
            Err(e) => {
                let backup = persist.backup(&raw);
                let held = persist.hold(Held {
                    raw,
                    error: e,
                    place: HeldPlace::Legacy { backup },
                    downloaded: false,
                });
                (persist, Vec::new(), banner.or(held))
            }
        }
    }

    pub fn doc_id(&self) -> &str {
        &self.doc_id
    }

    /// Copies an old localStorage value to the first free backup slot (or finds it there).
    fn backup(&self, raw: &str) -> Option<String> {
        if !storage::available() {
            return None;
        }
        for n in 1..=BACKUP_SLOTS {
            let key = if n == 1 {
                self.backup_key.clone()
            } else {
                format!("{}/{n}", self.backup_key)
            };
            match storage::get(&key) {
                Some(v) if v == raw => return Some(key),
                Some(_) => continue,
                None => return storage::set(&key, raw).ok().map(|()| key),
            }
        }
        None
    }

    /// Holds unreadable data until the reader chooses; returns the banner to show (none when
    /// something is already held: one decision at a time, the next load finds the rest).
    fn hold(&self, held: Held) -> Option<Banner> {
        let mut slot = self.held.lock_();
        if slot.is_some() {
            return None;
        }
        let banner = damaged_banner(&held, None);
        *slot = Some(held);
        Some(banner)
    }

    /// Holds records of the database that could not be read (see [`HeldPlace::Records`]).
    pub fn hold_records(&self, damaged: Vec<DamagedRecord>) -> Option<Banner> {
        let first = damaged.first()?.error.clone();
        let listed: Vec<serde_json::Value> = damaged
            .iter()
            .map(|d| serde_json::json!({"id": d.id, "stored": d.raw}))
            .collect();
        let raw = serde_json::to_string_pretty(&listed).unwrap_or_default();
        self.hold(Held {
            raw,
            error: first,
            place: HeldPlace::Records {
                records: damaged.into_iter().map(|d| (d.id, d.raw)).collect(),
                blocks_writes: false,
            },
            downloaded: false,
        })
    }

    /// A newer build's data: held whole, and nothing is written until the reader chooses.
    pub fn hold_newer(
        &self,
        error: StorageError,
        records: Vec<(String, String)>,
    ) -> Option<Banner> {
        let listed: Vec<serde_json::Value> = records
            .iter()
            .map(|(id, raw)| serde_json::json!({"id": id, "stored": raw}))
            .collect();
        self.hold(Held {
            raw: serde_json::to_string_pretty(&listed).unwrap_or_default(),
            error,
            place: HeldPlace::Records {
                records,
                blocks_writes: true,
            },
            downloaded: false,
        })
    }

    pub fn is_held(&self) -> bool {
        self.held.lock_().is_some()
    }

    fn writes_blocked(&self) -> bool {
        self.held.lock_().as_ref().is_some_and(|h| {
            matches!(
                h.place,
                HeldPlace::Records {
                    blocks_writes: true,
                    ..
                }
            )
        })
    }

    pub fn held_raw(&self) -> Option<String> {
        self.held.lock_().as_ref().map(|h| h.raw.clone())
    }

    /// The reader downloaded the held data: their own backup.
    pub fn held_downloaded(&self) {
        if let Some(h) = self.held.lock_().as_mut() {
            h.downloaded = true;
        }
    }

    pub fn is_memory_only(&self) -> bool {
        *self.store.lock_() == Store::MemoryOnly
    }

    pub fn memory_only(&self, why: &str) -> Banner {
        *self.store.lock_() = Store::MemoryOnly;
        memory_banner(why)
    }

    /// Still reading the stored annotations, with nothing held that blocks writing: what
    /// changed meanwhile may be written against the stored records when the document closes.
    pub fn may_write_on_close(&self) -> bool {
        self.is_loading() && !self.writes_blocked()
    }

    pub fn is_loading(&self) -> bool {
        *self.store.lock_() == Store::Loading
    }

    /// The stored annotations are merged in: saves may write.
    pub fn loaded(&self) {
        let mut store = self.store.lock_();
        if *store == Store::Loading {
            *store = Store::Ready;
        }
    }

    pub fn has_unsaved(&self) -> bool {
        self.seen.lock_().unsaved
    }

    /// Records `annotations` as what the database holds now (after reading it).
    pub fn saw<'a>(&self, annotations: impl Iterator<Item = &'a Annotation>) {
        self.seen.lock_().known = annotations.map(|a| (a.id.clone(), a.modified)).collect();
    }

    /// [`Persist::saw`], given as id → `modified` (gathered as the records were decoded).
    pub fn saw_known(&self, known: HashMap<String, Timestamp>) {
        self.seen.lock_().known = known;
    }

    /// Records what a few records now hold in the database (`None`: removed), the rest as it
    /// was: after a sync wrote just these.
    pub fn saw_records(&self, records: &[(String, Option<Annotation>)]) {
        let mut seen = self.seen.lock_();
        for (id, a) in records {
            match a {
                Some(a) => seen.known.insert(id.clone(), a.modified),
                None => seen.known.remove(id),
            };
        }
    }

    /// Has this tab seen no record in the database yet?
    pub fn knows_nothing(&self) -> bool {
        self.seen.lock_().known.is_empty()
    }

    /// id → `modified` of the records last seen in the database (see
    /// [`crate::ui::services::loading`]).
    pub fn known(&self) -> HashMap<String, Timestamp> {
        self.seen.lock_().known.clone()
    }

    /// Ids this tab must write (besides the set's own changes): after a merge, where it and the
    /// database disagree.
    pub fn mark_pending(&self, ids: impl IntoIterator<Item = String>) {
        self.seen.lock_().pending.extend(ids);
    }

    /// Takes the set's changes into the pending ids and plans writing them all; the rescue copy
    /// is brought up to date. Returns the plan and each put's `modified`.
    pub fn plan(&self, set: &mut AnnotationSet) -> (SavePlan, Vec<Timestamp>) {
        let mut seen = self.seen.lock_();
        seen.pending.extend(set.take_changed());
        let (plan, stamps) = stored::plan_save(set, &seen.pending);
        rescue::remember(&plan);
        (plan, stamps)
    }

    /// May a planned write go ahead now?
    pub fn can_write(&self) -> bool {
        *self.store.lock_() == Store::Ready && !self.writes_blocked()
    }

    /// Records a finished write of `plan`.
    pub fn written(&self, plan: &SavePlan, stamps: &[Timestamp], result: &Result<(), DbError>) {
        let mut seen = self.seen.lock_();
        match result {
            Ok(()) => {
                for ((id, _), stamp) in plan.puts.iter().zip(stamps) {
                    seen.known.insert(id.clone(), *stamp);
                    seen.pending.remove(id);
                }
                for id in &plan.deletes {
                    seen.known.remove(id);
                    seen.pending.remove(id);
                }
                seen.unsaved = !seen.pending.is_empty() && seen.unsaved;
                if seen.pending.is_empty() {
                    seen.unsaved = false;
                }
            }
            Err(_) => seen.unsaved = true,
        }
        drop(seen);
        if result.is_ok() {
            self.forget_legacy_once_written();
        }
    }

    /// The old localStorage value is removed once every annotation it held is in the database
    /// (and only if it is still the value that was read).
    fn forget_legacy_once_written(&self) {
        let mut legacy = self.legacy.lock_();
        let Some(l) = legacy.as_ref() else { return };
        {
            let seen = self.seen.lock_();
            if l.ids.iter().any(|id| seen.pending.contains(id)) {
                return;
            }
        }
        if storage::get(&self.legacy_key).as_deref() == Some(l.raw.as_str()) {
            storage::remove(&self.legacy_key);
        }
        *legacy = None;
    }

    /// The reader chose "Start fresh". An old localStorage value goes once it is kept somewhere
    /// (a backup key, tried again now, or the download); records are moved to the set-aside
    /// store. Returns what to tell the reader, or why not.
    pub async fn release(persist: StoredValue<Persist>, app: AppState) -> Result<String, String> {
        let Some(place) = persist.try_with_value(|p| {
            let mut held = p.held.lock_();
            let h = held.as_mut()?;
            Some(match &h.place {
                HeldPlace::Legacy { backup } => {
                    let backup = backup.clone().or_else(|| p.backup(&h.raw));
                    if let HeldPlace::Legacy { backup: b } = &mut h.place {
                        b.clone_from(&backup);
                    }
                    if backup.is_none() && !h.downloaded {
                        return Some(Err(damaged_banner(
                            h,
                            Some("It could not be copied to a backup key (the browser's storage is full), so starting fresh would lose it: choose Download the damaged data first, then Start fresh."),
                        )
                        .text));
                    }
                    Ok((None, backup))
                }
                HeldPlace::Records { records, .. } => Ok((Some(records.clone()), None)),
            })
        }) else {
            return Ok(String::new());
        };
        let Some(place) = place else {
            return Ok("Nothing was held any more.".into());
        };
        let doc = persist.with_value(|p| p.doc_id.clone());
        let blocked = persist.with_value(|p| p.writes_blocked());
        let told = match place? {
            (None, backup) => {
                persist.with_value(|p| storage::remove(&p.legacy_key));
                match backup {
                    Some(k) => format!("The damaged data is kept under the key \"{k}\"."),
                    None => "The damaged data was downloaded.".into(),
                }
            }
            (Some(records), _) => {
                idb::set_aside(&doc, &records).await.map_err(|e| {
                    format!("The damaged data could not be moved aside ({e}); it is still held. Download it, then try again.")
                })?;
                format!(
                    "The data that could not be read ({}) is kept aside in the browser's database.",
                    if records.len() == 1 {
                        "1 record".to_string()
                    } else {
                        format!("{} records", records.len())
                    }
                )
            }
        };
        let _ = persist.try_with_value(|p| *p.held.lock_() = None);
        if blocked {
            // The newer data is out of the way: everything this tab holds is written.
            let ids: Vec<String> = app
                .set
                .with_value(|s| s.iter().map(|a| a.id.clone()).collect());
            persist.with_value(|p| p.mark_pending(ids));
        }
        Ok(told)
    }
}

/// The role=alert message for held data, with an optional extra sentence.
fn damaged_banner(h: &Held, extra: Option<&str>) -> Banner {
    let mut text = match &h.place {
        HeldPlace::Legacy { backup } => {
            let kept = match backup {
                Some(k) => format!("A copy is kept under the key \"{k}\""),
                None => "No backup copy could be made (the browser's storage may be full)"
                    .to_string(),
            };
            format!(
                "Your saved annotations could not be read: {}. Nothing will be written over them until you choose. {kept}. New highlights are saved as usual.",
                h.error
            )
        }
        HeldPlace::Records {
            records,
            blocks_writes: true,
        } => format!(
            "Your saved annotations could not be read: {}. Nothing will be written over them until you choose ({} stored records). New highlights stay in this tab until then; Start fresh moves the stored data aside (it is never deleted).",
            h.error,
            records.len()
        ),
        HeldPlace::Records { records, .. } => format!(
            "{} of your saved annotations could not be read: {}. {} kept as stored, never written over; Start fresh moves {} aside. Your other annotations are shown and saved as usual.",
            if records.len() == 1 {
                "One".to_string()
            } else {
                records.len().to_string()
            },
            h.error,
            if records.len() == 1 { "It is" } else { "They are" },
            if records.len() == 1 { "it" } else { "them" },
        ),
    };
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
