//! Sync with a CouchDB server (issue 31), driving the sans-IO engine in `marginalia-sync`.
//!
//! * **Signing in** sends the name and password once to `_session`; the password is not kept,
//!   the browser keeps the session cookie. The account (server address and name, nothing
//!   secret) is kept in localStorage, so a reload goes on syncing.
//! * **Recording**: every change to the open document's annotations (the reader's, another
//!   tab's merged in, a sync's) is recorded in the replica as it is announced (unchanged content
//!   makes no new revision); at sign-in, every stored document's annotations and library entry.
//! * **Running**: a run (pull, then push) after local changes (debounced), on `online`, and
//!   every few seconds while signed in; each step is its own task (reading and highlighting go
//!   on). What a run brings is written to IndexedDB (`idb::write_held`: never over a newer
//!   stored version) and told to the other tabs; the open document merges it like another tab's
//!   save ([`loading::sync_soon`]), so it appears live.
//! * **One syncing tab**: a lease in localStorage, renewed by each run; the other tabs' changes
//!   reach the syncing one through the tab channel and its merge.
//!
//! The replica is kept in its own IndexedDB database ([`sync_store`]): saved after every
//! recorded change and every step of a run (its meta record and documents in one transaction),
//! so a change made offline goes out after a reload, and a run resumes from its checkpoint.

use crate::ui::edge::clock::{now, perf_now, random_bytes};
use crate::ui::edge::events::on_window;
use crate::ui::edge::http;
use crate::ui::edge::storage;
use crate::ui::edge::sync_store;
use crate::ui::edge::timers::{later, yield_to_browser};
use crate::ui::services::library::{load_library, save_library, stored_annotations};
use crate::ui::services::loading;
use crate::ui::services::saving::Saving;
use crate::ui::services::tabs;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::{Annotation, ChangeKind};
use marginalia_core::library::{text_key, Entry, StoredText};
use marginalia_core::storage::{self as stored, SavePlan};
use marginalia_sync::mapping::annotation_id;
use marginalia_sync::{
    sign_in_request, sign_in_response, sign_out_request, status_line, user_db_name, Auth, Incoming,
    Options, Remote, Replica, Step, Sync, SyncError,
};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

/// The account this browser syncs with (nothing secret: the cookie does the rest).
const ACCOUNT_KEY: &str = "marginalia/v1/sync-account";
/// Which tab syncs, until when: `{"tab": …, "until": ms}`.
const LEASE_KEY: &str = "marginalia/v1/sync-lease";
const LEASE_MS: f64 = 15_000.0;
/// How often a signed-in tab asks the server for changes.
const POLL: Duration = Duration::from_secs(3);
/// How long after a local change its run starts (several changes, one run).
const DEBOUNCE: Duration = Duration::from_millis(400);

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
    };
    static REPLICA: RefCell<Option<Replica>> = const { RefCell::new(None) };
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// The latest run asked for (a serial), and whether it is still waiting for its time.
    static WAITING: Cell<(u64, bool)> = const { Cell::new((0, false)) };
    static TAB: String = hex(&random_bytes());
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

fn with_replica<T>(f: impl FnOnce(&mut Replica) -> T) -> Option<T> {
    REPLICA.with(|r| r.borrow_mut().as_mut().map(f))
}

/// Starts syncing if this browser is signed in; runs again when the network comes back. Called
/// once, by the page (its listeners live as long as it).
pub fn start() {
    on_window("online", |_| run_soon(Duration::ZERO));
    on_window("offline", |_| {
        if account().is_some() {
            let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
            show(status_line(false, pending), false);
        }
    });
    if account().is_some() {
        begin();
    }
}

/// A new replica for the signed-in account, everything stored recorded in it, then a run.
fn begin() {
    show("Syncing…", false);
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
            with_replica(|r| {
                for a in &list {
                    record_stored_one(r, &entry.id, a, true);
                }
            });
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
        let from_storage = summary.kind == Some(ChangeKind::Sync);
        let recorded = app.set.with_value(|set| {
            with_replica(|r| {
                let mut changed = false;
                for id in &summary.ids {
                    changed |= match set.get(id) {
                        // From storage (a load, another tab, a run): unless the replica knows better.
                        Some(a) if from_storage => record_stored_one(r, &doc, a, false),
                        Some(a) => r.put_annotation(&doc, a).is_some(),
                        None => r.delete_annotation(&doc, id, t).is_some(),
                    };
                }
                changed
            })
        });
        if recorded == Some(true) {
            leptos::task::spawn_local(save_replica());
            run_soon(DEBOUNCE);
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
    VIEW.with(|v| v.account.set(Some(account)));
    begin();
    Ok(())
}

/// Signs out: the server forgets the session, this browser the account; local data stays.
pub fn sign_out() {
    let Some(acc) = account() else {
        return;
    };
    storage::remove(ACCOUNT_KEY);
    release_lease();
    REPLICA.with(|r| *r.borrow_mut() = None);
    leptos::task::spawn_local(async {
        let _ = sync_store::clear().await;
    });
    WAITING.with(|w| w.set((w.get().0 + 1, false)));
    VIEW.with(|v| v.account.set(None));
    show("", false);
    leptos::task::spawn_local(async move {
        let _ = http::send(&acc.server, &sign_out_request()).await;
    });
}

/// A run after `delay` (replacing one already waiting); while one runs, one more after it.
fn run_soon(delay: Duration) {
    if account().is_none() {
        return;
    }
    let generation = WAITING.with(|w| {
        let g = w.get().0 + 1;
        w.set((g, true));
        g
    });
    later(delay, move || {
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
            loop {
                run().await;
                if !AGAIN.with(Cell::take) {
                    break;
                }
            }
            RUNNING.with(|r| r.set(false));
            // The next look at the server, unless one is already waiting.
            if !WAITING.with(|w| w.get().1) {
                run_soon(POLL);
            }
        });
    });
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
            return false;
        }
    }
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
}

/// One run: pull, then push, a step per task.
async fn run() {
    let Some(acc) = account() else {
        return;
    };
    if REPLICA.with(|r| r.borrow().is_none()) {
        return;
    }
    // Offline: nothing to try; the `online` event starts the next run.
    if !http::online() {
        let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
        show(status_line(false, pending), false);
        return;
    }
    if !take_lease() {
        show("Synced by another tab", false);
        return;
    }
    let remote = Remote {
        server: acc.server.clone(),
        db: user_db_name(&acc.name),
        auth: Auth::Browser,
    };
    let mut sync = Sync::new(remote, Options::default());
    let Some(mut step) = with_replica(|r| sync.start(r)) else {
        return;
    };
    let started = perf_now();
    loop {
        step = match step {
            Step::Send(req) => {
                let answer = http::send(&acc.server, &req).await;
                let next = with_replica(|r| match answer {
                    Ok(resp) => sync.handle(r, resp),
                    Err(e) => sync.transport_failed(&e),
                });
                match next {
                    Some(next) => next,
                    None => return, // signed out meanwhile
                }
            }
            Step::Retry { error, .. } if !http::online() => {
                // The network went: stop here; the `online` event starts the next run.
                show(describe(&error), false);
                return;
            }
            Step::Retry {
                after_ms, error, ..
            } => {
                show(describe(&error), matches!(error, SyncError::Server { .. }));
                gloo_timers::future::sleep(Duration::from_millis(after_ms)).await;
                sync.retry()
            }
            Step::Done(_) => {
                apply_incoming().await;
                save_replica().await;
                let pending = with_replica(|r| r.pending_changes()).unwrap_or(0);
                show(status_line(http::online(), pending), false);
                return;
            }
            Step::Failed(error) => {
                apply_incoming().await;
                save_replica().await;
                let ask = !matches!(error, SyncError::Offline(_));
                show(describe(&error), ask);
                return;
            }
        };
        apply_incoming().await;
        save_replica().await;
        // A long run says how far it is (a quick one just says "Synced" at the end).
        if perf_now() - started > 500.0 {
            show(format!("{}…", sync.progress().label()), false);
        }
        yield_to_browser().await;
    }
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

/// Writes what the run brought to IndexedDB and tells the tabs; the open document merges it.
async fn apply_incoming() {
    let incoming = with_replica(|r| r.take_incoming()).unwrap_or_default();
    if incoming.is_empty() {
        return;
    }
    let mut plans: BTreeMap<String, SavePlan> = BTreeMap::new();
    for change in incoming {
        match change {
            Incoming::Annotation { doc, annotation } => {
                let raw = stored::encode_record(&annotation);
                plans
                    .entry(doc)
                    .or_default()
                    .puts
                    .push((annotation.id, raw));
            }
            Incoming::AnnotationRemoved { doc, id } => {
                plans.entry(doc).or_default().deletes.push(id);
            }
            Incoming::Text { text, .. } => {
                if storage::get_json::<StoredText>(&text_key(&text.id)).as_ref() != Some(&text) {
                    let _ = storage::set_json(&text_key(&text.id), &text);
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
            // A document removed elsewhere stays here (its annotations too): nothing is lost.
            Incoming::TextRemoved { .. } | Incoming::LibraryEntryRemoved { .. } => {}
        }
    }
    let open = OPEN.with(|o| o.borrow().as_ref().map(|o| (o.doc.clone(), o.saving)));
    for (doc, plan) in plans {
        if crate::ui::edge::idb::write_held(&doc, plan).await.is_err() {
            continue;
        }
        tabs::announce(&doc);
        if let Some((open_doc, saving)) = &open {
            if *open_doc == doc && saving.app.is_alive() {
                loading::sync_soon(*saving);
            }
        }
    }
}

/// For a reader who does not sync: whether the browser may clear their annotations.
pub async fn storage_is_kept() -> bool {
    http::persist_storage().await
}

/// Saves what changed in the replica (the meta record and the documents, one transaction).
async fn save_replica() {
    let Some((meta, docs)) = with_replica(|r| (r.take_meta_if_changed(), r.take_dirty())) else {
        return;
    };
    if sync_store::save(meta, docs).await.is_err() {
        // Not saved: written with the next save (the whole replica is marked again).
        with_replica(|r| r.mark_all_dirty());
    }
}
