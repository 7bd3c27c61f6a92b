//! Sync with a CouchDB server (issue 31), driving the sans-IO engine in `marginalia-sync`.
//!
//! * **Signing in** sends the name and password once to `_session`; the password is not kept,
//!   the browser keeps the session cookie. The account (server address and name, nothing
//!   secret) is kept in localStorage, so a reload goes on syncing.
//! * **Recording**: every change to the open document's annotations (the reader's, another
//!   tab's merged in, a sync's) is recorded in the replica as it is announced (unchanged content
//!   makes no new revision); at sign-in, every stored document's annotations and library entry.
//! * **Running**: a run (pull, then push) on `online`, after local changes, and when the server
//!   says something changed: between runs the syncing tab holds a long poll of `_changes` from
//!   the pull's checkpoint ([`watch`]). A finished run is kept and goes on with further passes
//!   (`Sync::next_pass`: no database information or checkpoint reads again): a local change
//!   is pushed at once, the long poll left waiting, and the next ones at most once per
//!   [`COALESCE`]; the long poll's answer is the pull's first page. Each step is its own task
//!   (reading and highlighting go on). What a step brings is written to IndexedDB at once
//!   (`idb::write_held`: never over a newer stored version, before the replica's checkpoint
//!   that vouches for it); the other tabs are told, and the open document merges it like
//!   another tab's save ([`loading::sync_soon`]), once the pull has brought everything.
//! * **One syncing tab**: a lease in localStorage, renewed by each run and while the long poll
//!   waits, given up when the page goes; the other tabs look every few seconds whether it is
//!   free. Their changes reach the syncing one through the tab channel and its merge.
//!
//! The replica is kept in its own IndexedDB database ([`sync_store`]): saved after every
//! recorded change and every step of a run (its meta record and documents in one transaction),
//! so a change made offline goes out after a reload, and a run resumes from its checkpoint.

use crate::ui::edge::clock::{now, perf_now, random_bytes};
use crate::ui::edge::events::on_window;
use crate::ui::edge::http;
use crate::ui::edge::idb::DbError;
use crate::ui::edge::perf::{mark, UserTiming};
use crate::ui::edge::storage;
use crate::ui::edge::sync_store;
use crate::ui::edge::timers::{cancellable, later, yield_to_browser, Steps};
use crate::ui::services::library::{
    details_arrived, list_info, load_library, save_library, stored_annotations,
};
use crate::ui::services::loading;
use crate::ui::services::saving::Saving;
use crate::ui::services::tabs;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, ChangeKind};
use marginalia_core::library::{text_key, Entry, StoredText};
use marginalia_core::storage::{self as stored, SavePlan};
use marginalia_core::time::Timestamp;
use marginalia_sync::mapping::annotation_id;
use marginalia_sync::{
    backoff_ms, sign_in_request, sign_in_response, sign_out_request, status_line, user_db_name,
    watch_request, watch_response, Auth, Incoming, Options, Pass, Remote, Replica, Step, Sync,
    SyncError, Watched,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

/// The account this browser syncs with (nothing secret: the cookie does the rest).
const ACCOUNT_KEY: &str = "marginalia/v1/sync-account";
/// Which tab syncs, until when: `{"tab": …, "until": ms}`.
const LEASE_KEY: &str = "marginalia/v1/sync-lease";
const LEASE_MS: f64 = 15_000.0;
/// How often a tab that does not sync looks whether the syncing tab is gone; how often the
/// syncing tab renews its lease while it waits on the server.
const LEASE_CHECK: Duration = Duration::from_secs(4);
/// How long the server may hold a long poll for the next change (CouchDB then answers "nothing
/// new"); the page ends the request itself a little later (pouchdb-server holds it until a
/// change), and asks again.
const WATCH_MS: u64 = 25_000;
const WATCH_GIVE_UP: Duration = Duration::from_secs(30);
/// After a run failed on a passing error with its own retries spent: the next run.
const RETRY_RUN: Duration = Duration::from_secs(60);
/// Changes per `_changes` page and documents per push batch: fewer, larger steps than the
/// engine's default 100 (each step costs the page a save of the replica and of the annotations).
const BATCH: usize = 250;
/// Local changes go out at once, then at most one run per this (a note being typed, several
/// changes in a row: one run for those that came meanwhile).
const COALESCE: Duration = Duration::from_millis(400);
/// Deletions made in a tab that does not sync, kept until the syncing tab has recorded them
/// ([`Deleted`]). That tab hears of them through the tab channel too, but one that crashed
/// hears nothing, and its lease holds the others back for up to [`LEASE_MS`]; the tab taking
/// over could not tell such a deletion from a record never stored here.
const DELETIONS_KEY: &str = "marginalia/v1/sync-deletions";

/// How long a kept deletion whose annotation is still stored is looked at again: its tab's save
/// may not have landed; after that it was undone.
const KEEP_WHILE_STORED_MS: i64 = 60_000;

/// A reader's deletion in a tab that does not sync: an annotation, or (`id: None`) a document
/// removed from the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Deleted {
    doc: String,
    id: Option<String>,
    at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server: String,
    pub name: String,
}

/// What the views show: the account, and the status line.
#[derive(Clone)]
pub struct SyncView {
    pub account: ArcRwSignal<Option<Account>>,
    /// "Synced", "Syncing 120 of 4,032…", "Offline — 3 changes waiting" …; empty when signed out.
    pub line: ArcRwSignal<String>,
    /// The line asks the reader to act (sign in again, a refusal).
    pub problem: ArcRwSignal<bool>,
    /// The server no longer knows this session: the dialog asks for the password again.
    pub expired: ArcRwSignal<bool>,
}

struct Open {
    doc: String,
    saving: Saving,
}

thread_local! {
    static VIEW: SyncView = SyncView {
        account: ArcRwSignal::new(storage::get_json(ACCOUNT_KEY)),
        line: ArcRwSignal::new(String::new()),
        problem: ArcRwSignal::new(false),
        expired: ArcRwSignal::new(false),
    };
    static REPLICA: RefCell<Option<Replica>> = const { RefCell::new(None) };
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// The latest run asked for (a serial), and whether it is still waiting for its time.
    static WAITING: Cell<(u64, bool)> = const { Cell::new((0, false)) };
    static TAB: String = hex(&random_bytes());
    /// The long poll waiting on the server for the next change, if any.
    static WATCH: RefCell<Option<Rc<Watch>>> = const { RefCell::new(None) };
    /// Long polls that failed in a row (for the back-off).
    static WATCH_FAILURES: Cell<u32> = const { Cell::new(0) };
    /// Documents a run wrote to IndexedDB and has not yet told the tabs (and the open document)
    /// about: told once, when the run ends.
    static TOUCHED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
    /// What the run wrote of the open document, merged record by record when the run ends.
    static FOR_OPEN: RefCell<ForOpen> = RefCell::new(ForOpen::default());
    /// This tab held the lease at its last look: only the syncing tab saves the replica (the
    /// others' copies go stale, and are read again from IndexedDB when one takes over).
    static HOLDER: Cell<bool> = const { Cell::new(false) };
    /// Documents another tab wrote that the syncing tab does not have open: recorded from
    /// storage before the next run.
    static OTHER_TABS: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
    /// A save of the replica is under way ([`save_replica`]).
    static SAVING: Cell<bool> = const { Cell::new(false) };
    /// A run's step is in the replica but not yet written to IndexedDB ([`settle`]): the
    /// replica is not saved meanwhile, and deletions made here are kept ([`keep_deletion`]).
    static UNWRITTEN: Cell<bool> = const { Cell::new(false) };
    /// The last run that finished, kept for the next pass (`Sync::next_pass`).
    static LIVE: RefCell<Option<Sync>> = const { RefCell::new(None) };
    /// The long poll's answer (the sequence it was asked from, a `_changes` page): the next
    /// pass's first page of the pull.
    static CARRIED: RefCell<Option<(Value, Value)>> = const { RefCell::new(None) };
    /// When the last run started, and when the run asked for is due (`perf_now`).
    static LAST_RUN: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
    static DUE: Cell<f64> = const { Cell::new(0.0) };
}

/// Up to this many records a run brought for the open document are merged one by one
/// ([`loading::merge_records`]); more, and the document is read and merged whole (a first sync).
const MERGE_BY_RECORD: usize = 500;

/// The open document's records a run wrote (id → as now stored, `None`: removed), or `None`
/// once there are more than [`MERGE_BY_RECORD`].
#[derive(Default)]
struct ForOpen {
    doc: String,
    records: Option<BTreeMap<String, Option<Annotation>>>,
}

impl ForOpen {
    fn add(&mut self, doc: &str, records: BTreeMap<String, Option<Annotation>>) {
        if self.doc != doc {
            self.doc = doc.to_string();
            self.records = Some(BTreeMap::new());
        }
        if let Some(mine) = &mut self.records {
            mine.extend(records);
            if mine.len() > MERGE_BY_RECORD {
                self.records = None;
            }
        }
    }
}

/// One long poll ([`watch`]): where it waits from, its request's abort, and whether it ended by
/// its own timer.
struct Watch {
    since: Value,
    abort: RefCell<http::Abort>,
    timed_out: Cell<bool>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn view() -> SyncView {
    VIEW.with(Clone::clone)
}

fn account() -> Option<Account> {
    VIEW.with(|v| v.account.get_untracked())
}

fn show(line: impl Into<String>, problem: bool) {
    let line = line.into();
    VIEW.with(|v| {
        if v.line.get_untracked() != line {
            v.line.set(line);
        }
        if v.problem.get_untracked() != problem {
            v.problem.set(problem);
        }
    });
}

fn set_expired(expired: bool) {
    VIEW.with(|v| {
        if v.expired.get_untracked() != expired {
            v.expired.set(expired);
        }
    });
}

fn with_replica<T>(f: impl FnOnce(&mut Replica) -> T) -> Option<T> {
    REPLICA.with(|r| r.borrow_mut().as_mut().map(f))
}

/// Starts syncing if this browser is signed in; runs again when the network comes back. Called
/// once, by the page (its listeners live as long as it).
pub fn start() {
    on_window("online", |_| run_soon(Duration::ZERO));
    on_window("offline", |_| {
        stop_watching();
        if account().is_some() {
            let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
            show(status_line(false, pending), false);
        }
    });
    // Another tab's writes to a document this one does not have open reach the server through
    // this tab when it is the syncing one (its open document's come through its merge).
    tabs::on_any_written(|doc| {
        let open = OPEN.with(|o| o.borrow().as_ref().map(|o| o.doc.clone()));
        if account().is_some() && open.as_deref() != Some(doc.as_str()) {
            OTHER_TABS.with(|d| d.borrow_mut().insert(doc));
            run_for_change();
        }
    });
    // Leaving: another tab takes over the syncing at its next look, not when the lease runs out.
    on_window("pagehide", |_| {
        stop_watching();
        release_lease();
    });
    // Back from the back-forward cache: syncing again (it stopped as the page was hidden). (On
    // a first load this asks for a run that is asked for anyway.)
    on_window("pageshow", |_| run_soon(Duration::ZERO));
    if account().is_some() {
        begin();
    }
}

/// A new replica for the signed-in account, everything stored recorded in it, then a run.
fn begin() {
    show("Syncing…", false);
    UNWRITTEN.with(|u| u.set(false));
    LIVE.with(|l| l.borrow_mut().take());
    // The syncing tab from the start if no other is (else its copy is read again on taking over).
    take_lease();
    leptos::task::spawn_local(async {
        let replica = match sync_store::load().await {
            Ok(Some((meta, docs))) => Replica::restore(meta, docs),
            _ => Replica::new(&hex(&random_bytes())),
        };
        if account().is_none() {
            return; // signed out meanwhile
        }
        REPLICA.with(|r| *r.borrow_mut() = Some(replica));
        record_stored().await;
        save_replica().await;
        run_soon(Duration::ZERO);
    });
}

/// Records every stored document's annotations and library entry (first enable, and after a
/// reload: what is unchanged makes no new revision).
async fn record_stored() {
    for entry in load_library().entries {
        record_document(&entry);
        if let Ok(list) = stored_annotations(&entry.id).await {
            let mut steps = Steps::start();
            for a in &list {
                with_replica(|r| record_stored_one(r, &entry.id, a, true));
                if steps.over() {
                    steps.next().await;
                }
            }
        }
        yield_to_browser().await;
    }
    let open = OPEN.with(|o| o.borrow().as_ref().map(|o| (o.doc.clone(), o.saving.app)));
    if let Some((doc, app)) = open {
        record_all(&doc, app);
    }
}

fn record_all(doc: &str, app: AppState) {
    let list: Vec<_> = app
        .set
        .try_with_value(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    with_replica(|r| {
        for a in &list {
            record_stored_one(r, doc, a, true);
        }
    });
}

/// Records a stored annotation unless the replica knows better: a later version of it, or (with
/// `deletion_wins`: what was stored before this run of the app) its deletion, brought by a run
/// whose writing here had not finished: a stored copy must not undo it. A change merged from
/// storage now (another tab's, an undone deletion among them) is recorded.
fn record_stored_one(r: &mut Replica, doc: &str, a: &Annotation, deletion_wins: bool) -> bool {
    if let Some(known) = r.get(&annotation_id(doc, &a.id)) {
        if deletion_wins && known.is_deleted() {
            return false;
        }
        let modified = known
            .visible()
            .and_then(|v| v.get("modified"))
            .and_then(|m| m.as_i64())
            .unwrap_or(i64::MIN);
        if modified > a.modified.millis() {
            return false;
        }
    }
    r.put_annotation(doc, a).is_some()
}

/// Records what other tabs wrote to documents this tab does not have open: each stored
/// annotation unless the replica knows better, the removal of those no longer stored, and the
/// library entry's removal. Run before a run (never during one: a run's writes to storage
/// trail its replica by a step).
async fn record_other_tabs() {
    let docs = OTHER_TABS.with(|d| std::mem::take(&mut *d.borrow_mut()));
    for doc in docs {
        let Ok(list) = stored_annotations(&doc).await else {
            continue;
        };
        let t = now();
        let stored: BTreeSet<&str> = list.iter().map(|a| a.id.as_str()).collect();
        let mut steps = Steps::start();
        for a in &list {
            with_replica(|r| record_stored_one(r, &doc, a, false));
            if steps.over() {
                steps.next().await;
            }
        }
        with_replica(|r| {
            for gone in r.annotations(&doc) {
                if !stored.contains(gone.id.as_str()) {
                    r.delete_annotation(&doc, &gone.id, t);
                }
            }
            if load_library().get(&doc).is_none() {
                r.remove_library_entry(&doc, t);
                r.delete_text(&doc, t);
            }
        });
        if let Some(entry) = load_library().get(&doc) {
            record_document(entry);
        }
        save_replica().await;
    }
}

/// Keeps a reader's deletion in a tab that does not sync for the syncing tab ([`DELETIONS_KEY`]).
fn keep_deletion(doc: &str, id: Option<&str>, at: Timestamp) {
    let mut list: Vec<Deleted> = storage::get_json(DELETIONS_KEY).unwrap_or_default();
    list.push(Deleted {
        doc: doc.to_string(),
        id: id.map(str::to_string),
        at: at.millis(),
    });
    let _ = storage::set_json(DELETIONS_KEY, &list);
}

/// Records the deletions other tabs kept ([`keep_deletion`]) that still hold: an annotation no
/// longer stored (not undone since), a document no longer in the library. Then forgets them,
/// once the replica that records them is saved.
async fn record_kept_deletions() {
    let list: Vec<Deleted> = storage::get_json(DELETIONS_KEY).unwrap_or_default();
    if list.is_empty() {
        return;
    }
    let library = load_library();
    let mut waiting: Vec<Deleted> = Vec::new();
    let mut by_doc: BTreeMap<&str, Vec<&Deleted>> = BTreeMap::new();
    for d in &list {
        by_doc.entry(d.doc.as_str()).or_default().push(d);
    }
    for (doc, deleted) in by_doc {
        let removed = deleted
            .iter()
            .filter(|d| d.id.is_none())
            .map(|d| d.at)
            .max();
        if let (Some(at), None) = (removed, library.get(doc)) {
            // Removed from the library (and not put back): everything of it goes.
            with_replica(|r| r.remove_document(doc, [], Timestamp::from_millis(at)));
            continue;
        }
        let Ok(stored) = stored_annotations(doc).await else {
            continue;
        };
        let stored: BTreeSet<&str> = stored.iter().map(|a| a.id.as_str()).collect();
        with_replica(|r| {
            for d in deleted {
                let Some(id) = &d.id else { continue };
                if !stored.contains(id.as_str()) {
                    r.delete_annotation(doc, id, Timestamp::from_millis(d.at));
                } else if now().millis() - d.at < KEEP_WHILE_STORED_MS {
                    // Still stored: undone since, or that tab's save has not landed yet.
                    waiting.push(d.clone());
                }
            }
        });
    }
    save_replica().await;
    // Kept meanwhile by another tab, or still waiting for its tab's save: for the next run.
    let now_kept: Vec<Deleted> = storage::get_json(DELETIONS_KEY).unwrap_or_default();
    let rest: Vec<Deleted> = now_kept
        .into_iter()
        .filter(|d| !list.contains(d) || waiting.contains(d))
        .collect();
    if rest.is_empty() {
        storage::remove(DELETIONS_KEY);
    } else {
        let _ = storage::set_json(DELETIONS_KEY, &rest);
    }
}

/// A document removed from the library here (with its annotations): removed on the server and
/// so on the other devices. Not the syncing tab: that tab is told, and records it.
pub fn document_removed(doc: &str, records: &[(String, String)]) {
    if REPLICA.with(|r| r.borrow().is_none()) {
        return;
    }
    let t = now();
    if !HOLDER.with(Cell::get) {
        keep_deletion(doc, None, t);
        tabs::announce(doc);
        return;
    }
    with_replica(|r| r.remove_document(doc, records.iter().map(|(id, _)| id.clone()), t));
    leptos::task::spawn_local(save_replica());
    run_for_change();
}

/// A removed document put back (Undo): back on the server, annotations and all.
pub fn document_restored(entry: &Entry, records: &[(String, String)]) {
    if REPLICA.with(|r| r.borrow().is_none()) {
        return;
    }
    if !HOLDER.with(Cell::get) {
        tabs::announce(&entry.id);
        return;
    }
    record_document(entry);
    let decoded = stored::decode_records(records.to_vec());
    with_replica(|r| {
        for a in &decoded.annotations {
            r.put_annotation(&entry.id, a);
        }
    });
    leptos::task::spawn_local(save_replica());
    run_for_change();
}

/// A document renamed or its details edited here: to the server with the next run, as soon as
/// a change would go. Not the syncing tab: that tab is told, and records it.
pub fn document_changed(doc: &str) {
    if REPLICA.with(|r| r.borrow().is_none()) {
        return;
    }
    if !HOLDER.with(Cell::get) {
        tabs::announce(doc);
        return;
    }
    let Some(entry) = load_library().get(doc).cloned() else {
        return;
    };
    record_document(&entry);
    leptos::task::spawn_local(save_replica());
    run_for_change();
}

/// A library entry and its stored text (the bundled article has none: every device has it).
fn record_document(entry: &Entry) {
    let text = storage::get_json::<StoredText>(&text_key(&entry.id));
    with_replica(|r| {
        r.put_library_entry(entry);
        if let Some(text) = &text {
            r.put_text(text, &entry.title, now());
        }
    });
}

/// The open document's app: its changes are recorded and synced, what sync brings appears in it.
pub fn attach(app: AppState, saving: Saving) {
    let doc = app.doc.with_value(|d| d.id.clone());
    OPEN.with(|o| {
        *o.borrow_mut() = Some(Open {
            doc: doc.clone(),
            saving,
        })
    });
    app.subscribe(move |app, summary| {
        if REPLICA.with(|r| r.borrow().is_none()) {
            return;
        }
        let t = now();
        if summary.kind == Some(ChangeKind::Sync) {
            // From storage (a load, another tab, a run), possibly thousands: recorded a slice
            // at a time, each unless the replica knows better (so a reader's edit recorded
            // meanwhile is not undone by it), as the set holds it then (copying 10,000 here
            // held the page).
            let (app, ids) = (*app, summary.ids.clone());
            let doc = doc.clone();
            leptos::task::spawn_local(async move {
                let mut steps = Steps::start();
                let mut changed = false;
                let mut timing = UserTiming::start("marginalia:sync-record");
                for id in ids {
                    let Some(a) = app.set.try_with_value(|set| set.get(&id).cloned()) else {
                        // The document closed meanwhile: what is stored is recorded instead.
                        OTHER_TABS.with(|d| d.borrow_mut().insert(doc.clone()));
                        run_for_change();
                        return;
                    };
                    changed |= with_replica(|r| match &a {
                        Some(a) => record_stored_one(r, &doc, a, false),
                        None => r.delete_annotation(&doc, &id, t).is_some(),
                    })
                    .unwrap_or(false);
                    if steps.over() {
                        drop(timing);
                        steps.next().await;
                        timing = UserTiming::start("marginalia:sync-record");
                    }
                }
                drop(timing);
                if changed {
                    save_replica().await;
                    run_for_change();
                }
            });
            return;
        }
        let recorded = app.set.with_value(|set| {
            with_replica(|r| {
                let mut changed = false;
                for id in &summary.ids {
                    changed |= match set.get(id) {
                        Some(a) => r.put_annotation(&doc, a).is_some(),
                        None => {
                            if !HOLDER.with(Cell::get) || UNWRITTEN.with(Cell::get) {
                                keep_deletion(&doc, Some(id), t);
                            }
                            r.delete_annotation(&doc, id, t).is_some()
                        }
                    };
                }
                changed
            })
        });
        if recorded == Some(true) {
            mark("marginalia:sync change-recorded");
            leptos::task::spawn_local(save_replica());
            run_for_change();
        }
    });
    if REPLICA.with(|r| r.borrow().is_some()) {
        let doc = app.doc.with_value(|d| d.id.clone());
        if let Some(entry) = load_library().get(&doc).cloned() {
            record_document(&entry);
        }
        record_all(&doc, app);
        run_soon(Duration::ZERO);
    }
}

/// Signs in (the password goes into this one request), then syncs. The reader's words on failure.
pub async fn sign_in(server: &str, name: &str, password: &str) -> Result<(), String> {
    let server = server.trim().trim_end_matches('/').to_string();
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return Err("The server address starts with https://".into());
    }
    let name = name.trim();
    let resp = http::send(&server, &sign_in_request(name, password))
        .await
        .map_err(|e| SyncError::Offline(e).to_string())?;
    let who = sign_in_response(&resp).map_err(|e| e.to_string())?;
    let account = Account {
        server,
        name: who.name,
    };
    let _ = storage::set_json(ACCOUNT_KEY, &account);
    let same = self::account().as_ref() == Some(&account);
    VIEW.with(|v| v.account.set(Some(account)));
    set_expired(false);
    if same && REPLICA.with(|r| r.borrow().is_some()) {
        // Signed in again (the session had expired): on from the checkpoint.
        show("Syncing…", false);
        run_soon(Duration::ZERO);
    } else {
        begin();
    }
    Ok(())
}

/// Signs out: the server forgets the session, this browser the account; local data stays.
pub fn sign_out() {
    let Some(acc) = account() else {
        return;
    };
    storage::remove(ACCOUNT_KEY);
    storage::remove(DELETIONS_KEY);
    stop_watching();
    release_lease();
    REPLICA.with(|r| *r.borrow_mut() = None);
    LIVE.with(|l| l.borrow_mut().take());
    leptos::task::spawn_local(async {
        let _ = sync_store::clear().await;
    });
    WAITING.with(|w| w.set((w.get().0 + 1, false)));
    VIEW.with(|v| v.account.set(None));
    set_expired(false);
    show("", false);
    leptos::task::spawn_local(async move {
        let _ = http::send(&acc.server, &sign_out_request()).await;
    });
}

/// A run for local changes: at once, unless one started less than [`COALESCE`] ago (then when
/// that much has passed, for all the changes meanwhile) or one is asked for sooner.
fn run_for_change() {
    let t = perf_now();
    let wait = (LAST_RUN.with(Cell::get) + COALESCE.as_millis() as f64 - t).max(0.0);
    if WAITING.with(|w| w.get().1) && DUE.with(Cell::get) <= t + wait {
        return;
    }
    run_soon(Duration::from_millis(wait.ceil() as u64));
}

/// A run after `delay` (replacing one already waiting); while one runs, one more after it.
/// The reader asks for a run now (after a refusal or a failure, instead of waiting for the
/// next try).
pub fn try_again() {
    run_soon(Duration::ZERO);
}

fn run_soon(delay: Duration) {
    if account().is_none() {
        return;
    }
    DUE.with(|d| d.set(perf_now() + delay.as_millis() as f64));
    let generation = WAITING.with(|w| {
        let g = w.get().0 + 1;
        w.set((g, true));
        g
    });
    let go = move || {
        // A later request replaced this one.
        if WAITING.with(|w| w.get()) != (generation, true) {
            return;
        }
        WAITING.with(|w| w.set((generation, false)));
        if RUNNING.with(|r| r.replace(true)) {
            AGAIN.with(|a| a.set(true));
            return;
        }
        leptos::task::spawn_local(async {
            let next = loop {
                let next = run().await;
                if !AGAIN.with(Cell::take) {
                    break next;
                }
            };
            RUNNING.with(|r| r.set(false));
            // Unless a run is already waiting: wait on the server for its next change, or look
            // again later.
            if WAITING.with(|w| w.get().1) || account().is_none() {
                return;
            }
            match next {
                // (A push-only pass left the long poll waiting from there.)
                Next::Watch(since) if watching_from(&since) => {}
                Next::Watch(since) => watch(since),
                Next::RunAfter(delay) => run_soon(delay),
                Next::Nothing => {}
            }
        });
    };
    // At once: the run's first request goes out as this task ends, not after the tasks
    // queued meanwhile (drawing the reader's highlight, saving it).
    if delay.is_zero() {
        go();
    } else {
        later(delay, go);
    }
}

/// This tab syncs if no other tab holds the lease (or it ran out); takes or renews it.
fn take_lease() -> bool {
    #[derive(Serialize, Deserialize)]
    struct Lease {
        tab: String,
        until: f64,
    }
    let me = TAB.with(Clone::clone);
    let t = now().millis() as f64;
    if let Some(l) = storage::get_json::<Lease>(LEASE_KEY) {
        if l.tab != me && l.until > t {
            HOLDER.with(|h| h.set(false));
            return false;
        }
    }
    HOLDER.with(|h| h.set(true));
    let _ = storage::set_json(
        LEASE_KEY,
        &Lease {
            tab: me,
            until: t + LEASE_MS,
        },
    );
    true
}

fn release_lease() {
    let mine = storage::get(LEASE_KEY).is_some_and(|raw| raw.contains(&TAB.with(Clone::clone)));
    if mine {
        storage::remove(LEASE_KEY);
    }
    HOLDER.with(|h| h.set(false));
}

/// What comes after a run.
enum Next {
    /// Wait on the server for a change after this sequence (the pull's checkpoint).
    Watch(Value),
    RunAfter(Duration),
    /// Until something happens (the network comes back, the reader signs in again, a change).
    Nothing,
}

fn remote_of(acc: &Account) -> Remote {
    Remote {
        server: acc.server.clone(),
        db: user_db_name(&acc.name),
        auth: Auth::Browser,
    }
}

/// One run: pull, then push, a step per task. What the run brings is written to IndexedDB step
/// by step (before the replica's checkpoint that vouches for it) and shown once, at its end.
async fn run() -> Next {
    mark("marginalia:sync run");
    LAST_RUN.with(|t| t.set(perf_now()));
    // Local changes while the long poll waits: a push-only pass; the poll stands for the pull.
    let push_only = WATCH.with(|w| w.borrow().is_some())
        && CARRIED.with(|c| c.borrow().is_none())
        && LIVE.with(|l| l.borrow().as_ref().is_some_and(Sync::can_go_on));
    if !push_only {
        stop_watching();
    }
    let next = run_steps(push_only).await;
    publish().await;
    next
}

async fn run_steps(push_only: bool) -> Next {
    let Some(acc) = account() else {
        return Next::Nothing;
    };
    if REPLICA.with(|r| r.borrow().is_none()) {
        return Next::RunAfter(LEASE_CHECK);
    }
    // Offline: nothing to try; the `online` event starts the next run.
    if !http::online() {
        let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
        show(status_line(false, pending), false);
        return Next::Nothing;
    }
    let was_holder = HOLDER.with(Cell::get);
    if !take_lease() {
        show("Synced by another tab", false);
        return Next::RunAfter(LEASE_CHECK);
    }
    if !was_holder {
        LIVE.with(|l| l.borrow_mut().take());
        // Taking over from another tab: its replica, as it last saved it, then what is stored
        // here that it may not have recorded.
        if let Ok(Some((meta, docs))) = sync_store::load().await {
            REPLICA.with(|r| *r.borrow_mut() = Some(Replica::restore(meta, docs)));
        }
        record_stored().await;
        save_replica().await;
    }
    record_other_tabs().await;
    record_kept_deletions().await;
    let options = Options {
        batch_size: BATCH,
        ..Options::default()
    };
    // On from the last run if it finished (with the long poll's page), else from the start.
    let remote = remote_of(&acc);
    let carried = CARRIED.with(|c| c.borrow_mut().take());
    let kept = LIVE
        .with(|l| l.borrow_mut().take())
        .filter(|s| s.can_go_on() && *s.remote() == remote);
    let (mut sync, first) = match kept {
        Some(mut sync) => {
            let pass = if push_only {
                Pass::Push
            } else {
                Pass::PullPush { changes: carried }
            };
            let first = with_replica(|r| sync.next_pass(r, pass));
            (sync, first)
        }
        None => {
            let mut sync = Sync::new(remote, options);
            let first = with_replica(|r| sync.start(r));
            (sync, first)
        }
    };
    let Some(mut step) = first else {
        return Next::Nothing;
    };
    let started = perf_now();
    loop {
        step = match step {
            Step::Send(req) => {
                mark(&format!("marginalia:sync send {}", request_label(&req)));
                let answer = http::send(&acc.server, &req).await;
                mark(&format!("marginalia:sync answer {}", request_label(&req)));
                UNWRITTEN.with(|u| u.set(true));
                let timing = UserTiming::start("marginalia:sync-handle");
                let next = with_replica(|r| match answer {
                    Ok(resp) => sync.handle(r, resp),
                    Err(e) => sync.transport_failed(&e),
                });
                drop(timing);
                match next {
                    Some(next) => next,
                    None => {
                        // Signed out meanwhile: nothing of this step to write.
                        UNWRITTEN.with(|u| u.set(false));
                        return Next::Nothing;
                    }
                }
            }
            Step::Retry { error, .. } if !http::online() => {
                // The network went: stop here; the `online` event starts the next run.
                show(describe(&error), false);
                return Next::Nothing;
            }
            Step::Retry {
                after_ms, error, ..
            } => {
                show(describe(&error), matches!(error, SyncError::Server { .. }));
                gloo_timers::future::sleep(Duration::from_millis(after_ms)).await;
                sync.retry()
            }
            Step::Done(report) => {
                if let Err(why) = settle(false).await {
                    return rewind(why).await;
                }
                let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
                show(status_line(http::online(), pending), false);
                LIVE.with(|l| *l.borrow_mut() = Some(sync));
                return Next::Watch(report.pull_seq);
            }
            Step::Failed(error) => {
                if let Err(why) = settle(false).await {
                    return rewind(why).await;
                }
                let ask = !matches!(error, SyncError::Offline(_));
                show(describe(&error), ask);
                set_expired(matches!(
                    error,
                    SyncError::SignInExpired | SyncError::WrongPassword
                ));
                // Passing trouble: again later. The rest needs the reader (sign in again …).
                return if error.retryable() {
                    Next::RunAfter(RETRY_RUN)
                } else {
                    Next::Nothing
                };
            }
        };
        // What the pull brought is shown once it is all written, not after the checkpoint and
        // the push.
        if let Err(why) = settle(sync.pulled_all()).await {
            return rewind(why).await;
        }
        // A long run says how far it is (a quick one just says "Synced" at the end).
        if perf_now() - started > 500.0 {
            show(format!("{}…", sync.progress().label()), false);
        }
        yield_to_browser().await;
    }
}

/// `GET _changes`, `PUT _local`, `GET db`: a request as the bench's marks name it.
fn request_label(req: &marginalia_sync::Request) -> String {
    let path = req.path.trim_start_matches('/');
    let what = match path.split('/').nth(1) {
        Some(what) => what,
        None if path.starts_with('_') => path, // `_session`
        None => "db",
    };
    format!("{} {what}", req.method.as_str())
}

/// The status line for a run that stopped.
fn describe(error: &SyncError) -> String {
    match error {
        SyncError::SignInExpired => "Sign-in expired — sign in again".into(),
        SyncError::Offline(_) => {
            let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
            status_line(false, pending)
        }
        SyncError::WrongPassword => "Sign-in refused — sign in again".into(),
        other => format!("Server refused: {other}"),
    }
}

/// Writes what a step brought, then saves the replica that vouches for it: in that order, so
/// the replica kept never holds a record this device has not stored (which a later look for
/// records no longer stored would take for a deletion). A write refused: `Err`, the words.
/// With `show`, what was written is shown (merged into the open document, the tabs told) before
/// the replica is saved.
async fn settle(show: bool) -> Result<(), String> {
    let written = apply_incoming().await;
    UNWRITTEN.with(|u| u.set(false));
    written?;
    if show {
        publish().await;
    }
    save_replica().await;
    Ok(())
}

/// A step's records could not be stored here (storage full, a document saved by a newer
/// build): back to the replica as last saved (its checkpoint before that step), so the next
/// run asks the server again; what this tab recorded since is recorded again from storage and
/// the kept deletions. The reader is told; the run is tried again later.
async fn rewind(why: String) -> Next {
    FOR_OPEN.with(|f| *f.borrow_mut() = ForOpen::default());
    // A kept run's checkpoints are past what is stored here.
    LIVE.with(|l| l.borrow_mut().take());
    CARRIED.with(|c| c.borrow_mut().take());
    if let Ok(Some((meta, docs))) = sync_store::load().await {
        REPLICA.with(|r| *r.borrow_mut() = Some(Replica::restore(meta, docs)));
    }
    record_stored().await;
    record_kept_deletions().await;
    show(why, true);
    Next::RunAfter(RETRY_RUN)
}

/// Writes what the run's last step brought to IndexedDB (only the records it names are read to
/// compare with); the tabs and the open document hear of it when the run ends ([`publish`]).
async fn apply_incoming() -> Result<(), String> {
    let incoming = with_replica(|r| r.take_incoming()).unwrap_or_default();
    if incoming.is_empty() {
        return Ok(());
    }
    let timing = UserTiming::start("marginalia:sync-apply");
    // doc → id → the record to write (`None`: remove it). The last word on an id wins: one step
    // may bring a conflict's resolution (a deletion of this device's branch, so nothing visible
    // for a moment) and then the winning edit, in that order.
    let mut latest: BTreeMap<String, BTreeMap<String, Option<Annotation>>> = BTreeMap::new();
    for change in incoming {
        match change {
            Incoming::Annotation { doc, annotation } => {
                latest
                    .entry(doc)
                    .or_default()
                    .insert(annotation.id.clone(), Some(annotation));
            }
            Incoming::AnnotationRemoved { doc, id } => {
                latest.entry(doc).or_default().insert(id, None);
            }
            Incoming::Text { text, .. } => {
                if storage::get_json::<StoredText>(&text_key(&text.id)).as_ref() != Some(&text)
                    && storage::set_json(&text_key(&text.id), &text).is_ok()
                    && !text.info.is_empty()
                {
                    // Renamed or its details edited on another device: the library's list too.
                    list_info(&text.id, &text.info);
                    details_arrived(&text.id);
                }
            }
            Incoming::LibraryEntry(entry) => {
                let mut lib = load_library();
                let newer = lib
                    .get(&entry.id)
                    .is_none_or(|known| known.last_opened < entry.last_opened);
                if newer {
                    lib.touch(entry);
                    save_library(&lib);
                }
            }
            // Removed from the library on another device (its annotations come as removals).
            Incoming::TextRemoved { doc } => storage::remove(&text_key(&doc)),
            Incoming::LibraryEntryRemoved { doc } => {
                let mut lib = load_library();
                if lib.remove(&doc).is_some() {
                    save_library(&lib);
                }
            }
        }
    }
    mark("marginalia:sync apply");
    let open = OPEN.with(|o| o.borrow().as_ref().map(|o| o.doc.clone()));
    drop(timing);
    for (doc, records) in latest {
        let timing = UserTiming::start("marginalia:sync-apply");
        let mut plan = SavePlan::default();
        for (id, a) in &records {
            match a {
                Some(a) => plan.puts.push((id.clone(), stored::encode_record(a))),
                None => plan.deletes.push(id.clone()),
            }
        }
        drop(timing);
        yield_to_browser().await;
        if let Err(e) = crate::ui::edge::idb::write_held(&doc, plan).await {
            let title = load_library()
                .get(&doc)
                .map(|e| e.title.clone())
                .unwrap_or(doc);
            return Err(match e {
                DbError::Quota => format!(
                    "Not synced: this device's storage is full, so what the server sent for \u{201c}{title}\u{201d} could not be kept here (nothing is lost; tried again in a minute)"
                ),
                other => format!(
                    "Not synced: what the server sent for \u{201c}{title}\u{201d} could not be kept here: {other} (tried again in a minute)"
                ),
            });
        }
        if open.as_deref() == Some(doc.as_str()) {
            FOR_OPEN.with(|f| f.borrow_mut().add(&doc, records));
        }
        TOUCHED.with(|t| t.borrow_mut().insert(doc));
    }
    mark("marginalia:sync applied");
    Ok(())
}

/// Tells the other tabs which documents the run wrote, and merges them into the open one: once
/// per run (merging and drawing after every step was most of a long first sync's time); a few
/// records by themselves, many by reading the document whole.
async fn publish() {
    let touched = TOUCHED.with(|t| std::mem::take(&mut *t.borrow_mut()));
    let for_open = FOR_OPEN.with(|f| std::mem::take(&mut *f.borrow_mut()));
    if touched.is_empty() {
        return;
    }
    mark("marginalia:sync publish");
    let open = OPEN.with(|o| o.borrow().as_ref().map(|o| (o.doc.clone(), o.saving)));
    for doc in touched {
        tabs::announce(&doc);
        if let Some((open_doc, saving)) = &open {
            if *open_doc == doc && saving.app.is_alive() {
                match &for_open.records {
                    Some(records) if for_open.doc == doc => loading::merge_records(
                        *saving,
                        records
                            .iter()
                            .map(|(id, a)| (id.clone(), a.clone()))
                            .collect(),
                    ),
                    _ => loading::sync_soon(*saving),
                }
            }
        }
    }
}

/// Waits on the server for its next change after `since` (a long poll, asked again when it
/// ends with nothing), then runs. Ends when the reader signs out, the network goes, a run
/// starts, or another tab takes over the syncing; failures back off, then a run says why.
fn watch(since: Value) {
    stop_watching();
    let Some(acc) = account() else {
        return;
    };
    let w = Rc::new(Watch {
        since: since.clone(),
        abort: RefCell::new(http::Abort::new()),
        timed_out: Cell::new(false),
    });
    WATCH.with(|x| *x.borrow_mut() = Some(w.clone()));
    renew_while_watching(w.clone());
    let current =
        |w: &Rc<Watch>| WATCH.with(|x| x.borrow().as_ref().is_some_and(|c| Rc::ptr_eq(c, w)));
    leptos::task::spawn_local(async move {
        let mut from = since;
        let mut req = watch_request(&remote_of(&acc), &from, WATCH_MS, BATCH);
        loop {
            *w.abort.borrow_mut() = http::Abort::new();
            w.timed_out.set(false);
            let timer = {
                let w = w.clone();
                cancellable(WATCH_GIVE_UP, move || {
                    w.timed_out.set(true);
                    w.abort.borrow().abort();
                })
            };
            mark("marginalia:sync watch");
            let answer = {
                let abort = w.abort.borrow().clone();
                http::send_abortable(&acc.server, &req, &abort).await
            };
            drop(timer);
            if !current(&w) {
                return; // called off
            }
            mark("marginalia:sync watch-answered");
            let outcome = match &answer {
                Ok(resp) => watch_response(resp).map_err(|e| e.to_string()),
                Err(_) if w.timed_out.get() => Ok(Watched::Quiet { last_seq: None }),
                Err(e) => Err(e.clone()),
            };
            match outcome {
                Ok(Watched::Quiet { last_seq }) => {
                    WATCH_FAILURES.with(|f| f.set(0));
                    // On from where the server got to (past design documents, which start no
                    // run: asked again from the same place, the poll would answer at once).
                    if let Some(seq) = last_seq.filter(|s| !s.is_null()) {
                        req = watch_request(&remote_of(&acc), &seq, WATCH_MS, BATCH);
                        from = seq;
                    }
                }
                Ok(Watched::Changed(page)) => {
                    WATCH_FAILURES.with(|f| f.set(0));
                    CARRIED.with(|c| *c.borrow_mut() = Some((from.clone(), page)));
                    stop_watching();
                    run_soon(Duration::ZERO);
                    return;
                }
                Ok(Watched::Refused) => {
                    WATCH_FAILURES.with(|f| f.set(0));
                    stop_watching();
                    run_soon(Duration::ZERO);
                    return;
                }
                Err(_) if !http::online() => {
                    stop_watching();
                    return; // the `online` event starts the next run
                }
                Err(_) => {
                    let n = WATCH_FAILURES.with(|f| {
                        f.set(f.get() + 1);
                        f.get()
                    });
                    stop_watching();
                    run_soon(Duration::from_millis(backoff_ms(n)));
                    return;
                }
            }
        }
    });
}

/// While a long poll waits, this tab keeps the lease; when another tab has taken it (this one
/// was held back in the background), the poll ends and this tab steps aside.
fn renew_while_watching(w: Rc<Watch>) {
    later(LEASE_CHECK, move || {
        let still = WATCH.with(|x| x.borrow().as_ref().is_some_and(|c| Rc::ptr_eq(c, &w)));
        if !still {
            return;
        }
        if take_lease() {
            renew_while_watching(w);
        } else {
            stop_watching();
            show("Synced by another tab", false);
            run_soon(LEASE_CHECK);
        }
    });
}

/// A long poll waits from `since`.
fn watching_from(since: &Value) -> bool {
    WATCH.with(|w| w.borrow().as_ref().is_some_and(|w| w.since == *since))
}

fn stop_watching() {
    if let Some(w) = WATCH.with(|x| x.borrow_mut().take()) {
        w.abort.borrow().abort();
    }
}

/// For a reader who does not sync: whether the browser may clear their annotations.
pub async fn storage_is_kept() -> bool {
    http::persist_storage().await
}

/// Saves what changed in the replica (the meta record and the documents, one transaction).
async fn save_replica() {
    // One save at a time, in order: a later meta record must never be overwritten by an earlier
    // one that was still being turned into text; and a run goes on only once its step is saved.
    while SAVING.with(Cell::get) {
        yield_to_browser().await;
    }
    SAVING.with(|s| s.set(true));
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            SAVING.with(|s| s.set(false));
        }
    }
    let _done = Done;
    if UNWRITTEN.with(Cell::get) {
        return; // saved by the run once the step is written ([`settle`])
    }
    let Some((meta, docs)) = with_replica(|r| (r.take_meta_if_changed(), r.take_dirty())) else {
        return;
    };
    if !HOLDER.with(Cell::get) {
        // Not the syncing tab: its copy is not the one kept (the syncing tab records what this
        // one writes, through the tab channel).
        return;
    }
    // Turned into text a slice at a time: a step of a run changes hundreds.
    let mut encoded = Vec::with_capacity(docs.len());
    let mut steps = Steps::start();
    let mut timing = UserTiming::start("marginalia:replica-encode");
    for d in &docs {
        encoded.push(sync_store::encode(d));
        if steps.over() {
            drop(timing);
            steps.next().await;
            timing = UserTiming::start("marginalia:replica-encode");
        }
    }
    drop(timing);
    if sync_store::save(meta, encoded).await.is_err() {
        // Not saved: written with the next save (the whole replica is marked again).
        with_replica(|r| r.mark_all_dirty());
    }
}
