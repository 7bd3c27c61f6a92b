//! IndexedDB, the store for annotations: one record per annotation (layout in
//! [`marginalia_core::storage::DB_NAME`]). A thin async wrapper: requests and transactions become
//! futures, failures become worded values ([`DbError`]). Writes happen off the main thread; the
//! page only hands over the changed records.

use super::timers::yield_to_browser;
use js_sys::{Array, Promise};
use marginalia_core::storage::{
    self, meta_value, SavePlan, DB_NAME, DB_VERSION, META_STORE, RECORDS_STORE, SET_ASIDE_STORE,
};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransaction};
use web_sys::{IdbOpenDbRequest, IdbTransactionMode};

/// Why the database could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbError {
    /// The browser's storage for this site is full.
    Quota,
    /// No IndexedDB here, or it refused (private modes, blocked site data …): the reason.
    Unavailable(String),
    /// A read or write failed for another reason: the browser's words.
    Failed(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Quota => write!(f, "the browser's storage is full"),
            DbError::Unavailable(why) | DbError::Failed(why) => write!(f, "{why}"),
        }
    }
}

/// A DOM exception (or any thrown value) as a [`DbError`].
fn db_error(e: &JsValue) -> DbError {
    let field = |name: &str| {
        js_sys::Reflect::get(e, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (name, message) = (field("name"), field("message"));
    if name == "QuotaExceededError" {
        return DbError::Quota;
    }
    let text = match (name.is_empty(), message.is_empty()) {
        (false, false) => format!("{name}: {message}"),
        (false, true) => name,
        (true, false) => message,
        (true, true) => "the browser's database failed".to_string(),
    };
    DbError::Failed(text)
}

thread_local! {
    /// The open database, shared by every caller of [`open`].
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Waits for a request: its result, or the error it failed with.
pub(crate) async fn done(req: &IdbRequest) -> Result<JsValue, DbError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let r = req.clone();
        let ok = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call1(&JsValue::UNDEFINED, &r.result().unwrap_or_default());
        });
        let r = req.clone();
        let failed = Closure::once_into_js(move |_: JsValue| {
            let e = r
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or_default();
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        });
        req.set_onsuccess(Some(ok.unchecked_ref()));
        req.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| db_error(&e))
}

/// Waits for a transaction to commit (or to abort: the error that aborted it).
pub(crate) async fn committed(tx: &IdbTransaction) -> Result<(), DbError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let t = tx.clone();
        let aborted = Closure::once_into_js(move |_: JsValue| {
            let e = t.error().map(JsValue::from).unwrap_or_default();
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onabort(Some(aborted.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| db_error(&e))
}

/// Is there an IndexedDB at all? (Checked before the app first renders.)
pub fn available() -> Result<(), String> {
    match web_sys::window().map(|w| w.indexed_db()) {
        Some(Ok(Some(_))) => Ok(()),
        Some(Ok(None)) => Err("this browser has no IndexedDB".into()),
        _ => Err("the browser refused access to IndexedDB".into()),
    }
}

/// Opens database `name` at `version`, making whichever of `stores` it lacks; every database
/// the app keeps (its annotations, the sync replica) opens through here.
pub(crate) async fn open_with_stores(
    name: &str,
    version: u32,
    stores: &'static [&'static str],
) -> Result<IdbDatabase, DbError> {
    let factory = match web_sys::window().map(|w| w.indexed_db()) {
        Some(Ok(Some(f))) => f,
        Some(Ok(None)) => return Err(DbError::Unavailable("this browser has no IndexedDB".into())),
        _ => {
            return Err(DbError::Unavailable(
                "the browser refused access to IndexedDB".into(),
            ))
        }
    };
    let req: IdbOpenDbRequest = factory
        .open_with_u32(name, version)
        .map_err(|e| DbError::Unavailable(db_error(&e).to_string()))?;
    let r = req.clone();
    let upgrade = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        let Ok(db) = r.result().and_then(|v| v.dyn_into::<IdbDatabase>()) else {
            return;
        };
        let names = db.object_store_names();
        for &store in stores {
            if !names.contains(store) {
                let _ = db.create_object_store(store);
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = done(&req).await;
    req.set_onupgradeneeded(None);
    drop(upgrade);
    result
        .map_err(|e| match e {
            DbError::Failed(why) => DbError::Unavailable(why),
            other => other,
        })?
        .dyn_into()
        .map_err(|_| DbError::Unavailable("IndexedDB did not open".into()))
}

/// The database, opened (and its stores made) on first use.
pub async fn open() -> Result<IdbDatabase, DbError> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = open_with_stores(
        DB_NAME,
        DB_VERSION,
        &[RECORDS_STORE, META_STORE, SET_ASIDE_STORE],
    )
    .await?;
    // A newer build in another tab upgrading the schema: step aside rather than block it.
    let d = db.clone();
    let on_version_change = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        d.close();
        DB.with(|x| *x.borrow_mut() = None);
    });
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

fn record_key(doc: &str, id: &str) -> JsValue {
    Array::of2(&doc.into(), &id.into()).into()
}

/// Every key `[doc, …]` of one document (arrays sort after strings, so `[doc, []]` ends it).
fn doc_range(doc: &str) -> Result<IdbKeyRange, DbError> {
    IdbKeyRange::bound(&Array::of1(&doc.into()), &doc_end(doc)).map_err(|e| db_error(&e))
}

/// The key just past document `doc`'s records.
fn doc_end(doc: &str) -> JsValue {
    Array::of2(&doc.into(), &Array::new()).into()
}

/// A transaction, once every save still handing its records over is written ([`finish_writes`]).
fn transaction(
    db: &IdbDatabase,
    stores: &[&str],
    mode: IdbTransactionMode,
) -> Result<IdbTransaction, DbError> {
    finish_writes();
    transaction_now(db, stores, mode)
}

/// A transaction, without waiting for saves still handing their records over.
fn transaction_now(
    db: &IdbDatabase,
    stores: &[&str],
    mode: IdbTransactionMode,
) -> Result<IdbTransaction, DbError> {
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    db.transaction_with_str_sequence_and_mode(&names, mode)
        .map_err(|e| db_error(&e))
}

fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, DbError> {
    tx.object_store(name).map_err(|e| db_error(&e))
}

/// A document's stored records, in id order, as the browser gave them: turned into text a slice
/// at a time ([`DocRecords::take`]), so reading many is not one long task. Values that are not
/// text are given as their JSON, to be refused by the decoder.
pub struct DocRecords {
    pub meta: Option<String>,
    keys: Array,
    values: Array,
    next: u32,
}

impl DocRecords {
    pub fn len(&self) -> usize {
        self.keys.length().min(self.values.length()) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next `n` records (fewer at the end) as `(annotation id, stored text)`.
    pub fn take(&mut self, n: usize) -> Vec<(String, String)> {
        let end = (self.next as usize + n).min(self.len()) as u32;
        let out = (self.next..end)
            .map(|i| {
                let id = Array::from(&self.keys.get(i))
                    .get(1)
                    .as_string()
                    .unwrap_or_default();
                (id, as_text(&self.values.get(i)))
            })
            .collect();
        self.next = end;
        out
    }

    /// Every record not taken yet.
    pub fn take_all(&mut self) -> Vec<(String, String)> {
        self.take(self.len())
    }
}

fn as_text(v: &JsValue) -> String {
    v.as_string().unwrap_or_else(|| {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    })
}

/// How many records one read of a document takes from the database: the browser hands them to
/// the page in the task that reads them (all 10,000 of a large sync's document at once held it
/// for hundreds of ms), so a larger document is read a page at a time, in key order, the browser
/// free to paint and take input between pages.
const READ_PAGE: u32 = 400;

/// A document's stored records and its meta value: read a page of [`READ_PAGE`] at a time, each
/// page in its own transaction from just after the last key read (a record written meanwhile is
/// read as it is then, or not at all if it lies before the place reached: the tab that wrote it
/// says so, and the document is read again).
pub async fn read_doc(doc: &str) -> Result<DocRecords, DbError> {
    let db = open().await?;
    let mut out = DocRecords {
        meta: None,
        keys: Array::new(),
        values: Array::new(),
        next: 0,
    };
    let mut after: Option<JsValue> = None;
    loop {
        let tx = transaction(
            &db,
            &[RECORDS_STORE, META_STORE],
            IdbTransactionMode::Readonly,
        )?;
        let records = store(&tx, RECORDS_STORE)?;
        let range = match &after {
            None => doc_range(doc)?,
            Some(last) => {
                IdbKeyRange::bound_with_lower_open_and_upper_open(last, &doc_end(doc), true, false)
                    .map_err(|e| db_error(&e))?
            }
        };
        let keys = records
            .get_all_keys_with_key_and_limit(&range, READ_PAGE)
            .map_err(|e| db_error(&e))?;
        let values = records
            .get_all_with_key_and_limit(&range, READ_PAGE)
            .map_err(|e| db_error(&e))?;
        let meta = match after {
            None => Some(
                store(&tx, META_STORE)?
                    .get(&doc.into())
                    .map_err(|e| db_error(&e))?,
            ),
            Some(_) => None,
        };
        let keys: Array = done(&keys).await?.unchecked_into();
        let values: Array = done(&values).await?.unchecked_into();
        if let Some(meta) = meta {
            let meta = done(&meta).await?;
            out.meta = (!meta.is_undefined() && !meta.is_null()).then(|| as_text(&meta));
        }
        let n = keys.length().min(values.length());
        if n == 0 {
            break;
        }
        after = Some(keys.get(n - 1));
        out.keys = out.keys.concat(&keys);
        out.values = out.values.concat(&values);
        if n < READ_PAGE {
            break;
        }
        yield_to_browser().await;
    }
    Ok(out)
}

/// The stored versions of some of a document's records (those there are), and its meta value:
/// only what a save of these ids must compare with, not the whole document (a sync writing
/// batch after batch into a document of 10,000 read all of them each time).
async fn read_some(
    doc: &str,
    ids: &[&str],
) -> Result<(Option<String>, Vec<(String, String)>), DbError> {
    let db = open().await?;
    let tx = transaction(
        &db,
        &[RECORDS_STORE, META_STORE],
        IdbTransactionMode::Readonly,
    )?;
    let records = store(&tx, RECORDS_STORE)?;
    let gets = ids
        .iter()
        .map(|id| records.get(&record_key(doc, id)).map_err(|e| db_error(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let meta = store(&tx, META_STORE)?
        .get(&doc.into())
        .map_err(|e| db_error(&e))?;
    // Every request has its result once the transaction completes.
    committed(&tx).await?;
    let value = |r: &IdbRequest| {
        r.result()
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let stored = ids
        .iter()
        .zip(&gets)
        .filter_map(|(id, r)| Some((id.to_string(), as_text(&value(r)?))))
        .collect();
    Ok((value(&meta).map(|m| as_text(&m)), stored))
}

/// How many records a document has.
pub async fn count(doc: &str) -> Result<usize, DbError> {
    let db = open().await?;
    let tx = transaction(&db, &[RECORDS_STORE], IdbTransactionMode::Readonly)?;
    let req = store(&tx, RECORDS_STORE)?
        .count_with_key(&doc_range(doc)?.into())
        .map_err(|e| db_error(&e))?;
    Ok(done(&req).await?.as_f64().unwrap_or(0.0) as usize)
}

/// How many records one task hands to the database. Handing a record over is most of a save's
/// main-thread time, so a larger save (an import, an undone removal) hands the rest a slice at a
/// time, each slice from the callback of the one before, all in its one transaction (the
/// timings are in docs/performance.md).
pub const RECORDS_PER_TASK: usize = 500;

/// A save whose records are still being handed over, a slice per task ([`start_write`]).
struct Handing {
    doc: String,
    plan: Rc<SavePlan>,
    /// Operations handed so far: the puts, then the deletes.
    handed: Cell<usize>,
    /// Its transaction; a new one once [`finish_writes`] has written it all at once.
    tx: RefCell<IdbTransaction>,
}

impl Handing {
    fn total(&self) -> usize {
        self.plan.puts.len() + self.plan.deletes.len()
    }

    /// Queues the next `n` operations (fewer at the end) in `tx`: the last request, if any.
    fn hand(&self, tx: &IdbTransaction, n: usize) -> Result<Option<IdbRequest>, DbError> {
        let records = store(tx, RECORDS_STORE)?;
        let (from, to) = (self.handed.get(), (self.handed.get() + n).min(self.total()));
        let puts = self.plan.puts.len();
        let mut last = None;
        for i in from..to {
            let req = match self.plan.puts.get(i) {
                Some((id, raw)) => {
                    records.put_with_key(&JsValue::from_str(raw), &record_key(&self.doc, id))
                }
                None => records.delete(&record_key(&self.doc, &self.plan.deletes[i - puts])),
            };
            last = Some(req.map_err(|e| db_error(&e))?);
        }
        self.handed.set(to);
        Ok(last)
    }

    /// Queues the format's meta value and the first `n` operations in `tx`, a new transaction
    /// ([`write_transaction`]); commits it at once when that is all of them, aborts it when the
    /// browser refuses one.
    fn begin(&self, tx: &IdbTransaction, n: usize) -> Result<Option<IdbRequest>, DbError> {
        let queued = (|| {
            store(tx, META_STORE)?
                .put_with_key(&JsValue::from_str(&meta_value()), &self.doc.as_str().into())
                .map_err(|e| db_error(&e))?;
            self.hand(tx, n)
        })();
        match queued {
            Ok(last) => {
                if self.handed.get() == self.total() {
                    commit(tx);
                }
                Ok(last)
            }
            Err(e) => {
                let _ = tx.abort();
                Err(e)
            }
        }
    }
}

/// A transaction for a save (records and meta), started without waiting for other saves: only
/// [`start_write`] and [`finish_writes`] start one, each once the saves before are all handed.
fn write_transaction(db: &IdbDatabase) -> Result<IdbTransaction, DbError> {
    transaction_now(
        db,
        &[RECORDS_STORE, META_STORE],
        IdbTransactionMode::Readwrite,
    )
}

/// Nothing more goes into `tx`: it commits now rather than when the task ends, so that a save
/// started as the page goes away (reload, close) is written.
fn commit(tx: &IdbTransaction) {
    // (web-sys marks `commit` deprecated; browsers have it: Chromium 76, Firefox 74, Safari 15.
    // Where it is missing the call fails and the transaction commits as before.)
    #[allow(deprecated)]
    let _ = tx.commit();
}

thread_local! {
    /// Saves still handing their records over, oldest first.
    static HANDING: RefCell<Vec<Rc<Handing>>> = const { RefCell::new(Vec::new()) };
}

/// Hands the next slice from the success of `last`, the previous slice's last request (the
/// transaction takes requests only in its callbacks); commits after the final slice.
fn hand_on(h: Rc<Handing>, last: IdbRequest) {
    let r = last.clone();
    let next = Closure::once_into_js(move |_: JsValue| {
        r.set_onsuccess(None);
        let tx = h.tx.borrow().clone();
        if h.handed.get() == h.total() {
            return; // written at once meanwhile (finish_writes)
        }
        match h.hand(&tx, RECORDS_PER_TASK) {
            Ok(Some(last)) if h.handed.get() < h.total() => hand_on(h, last),
            Ok(_) => {
                forget_handing(&h);
                commit(&tx);
            }
            Err(_) => {
                // The transaction aborts with the cause, which `Writing::committed` reports.
                forget_handing(&h);
                let _ = tx.abort();
            }
        }
    });
    last.set_onsuccess(Some(next.unchecked_ref()));
}

fn forget_handing(h: &Rc<Handing>) {
    HANDING.with(|all| all.borrow_mut().retain(|x| !Rc::ptr_eq(x, h)));
}

/// Every save still handing its records over is written at once: its transaction so far is
/// abandoned and one transaction takes all of its records now, then commits. Run before any
/// other transaction starts (so nothing ever runs between a save's slices: they keep their
/// order) and when the page is hidden or goes away (a hidden page's timers and tasks may be
/// held back; a page that goes away takes an unfinished transaction with it).
pub fn finish_writes() {
    // (Closed for another tab's upgrade: the saves go on in their own transactions.)
    let Some(db) = DB.with(|d| d.borrow().clone()) else {
        return;
    };
    let pending = HANDING.with(|all| std::mem::take(&mut *all.borrow_mut()));
    for h in pending {
        let _ = h.tx.borrow().abort();
        h.handed.set(0);
        // Where the browser refuses, the new transaction is aborted, and the save reports it.
        if let Ok(tx) = write_transaction(&db) {
            let _ = h.begin(&tx, usize::MAX);
            *h.tx.borrow_mut() = tx;
        }
    }
}

/// How many saves are still handing their records over.
pub fn handing() -> usize {
    HANDING.with(|all| all.borrow().len())
}

/// A save handed to the database ([`start_write`]); [`Writing::committed`] waits for it.
pub struct Writing(Rc<Handing>);

impl Writing {
    /// Waits until the save is committed (all of it or none of it), or the error it failed with.
    pub async fn committed(self) -> Result<(), DbError> {
        loop {
            let tx = self.0.tx.borrow().clone();
            let result = committed(&tx).await;
            // Written at once by finish_writes: its own transaction tells.
            if result.is_err() && *self.0.tx.borrow() != tx {
                continue;
            }
            forget_handing(&self.0);
            return result;
        }
    }

    /// How many of its records (puts and deletes) have been handed to the database so far.
    pub fn handed(&self) -> usize {
        self.0.handed.get()
    }
}

/// Starts writing one save in one transaction (all of it or none of it), with the format's meta
/// value: the first [`RECORDS_PER_TASK`] records are handed over now, synchronously, the rest a
/// slice per task; [`Writing::committed`] waits for the commit. Needs the database open (it
/// is, once the stored annotations have been read).
pub fn start_write(doc: &str, plan: Rc<SavePlan>) -> Result<Writing, DbError> {
    finish_writes();
    let db = DB
        .with(|d| d.borrow().clone())
        .ok_or_else(|| DbError::Failed("the browser's database is closed".into()))?;
    let tx = write_transaction(&db)?;
    let h = Rc::new(Handing {
        doc: doc.to_string(),
        plan,
        handed: Cell::new(0),
        tx: RefCell::new(tx.clone()),
    });
    let last = h.begin(&tx, RECORDS_PER_TASK)?;
    if let (Some(last), true) = (last, h.handed.get() < h.total()) {
        HANDING.with(|all| all.borrow_mut().push(h.clone()));
        hand_on(h.clone(), last);
    }
    Ok(Writing(h))
}

/// Writes a save planned before the document's records were read (it closed meanwhile): each
/// put only where the stored version is not newer ([`storage::keep_newer`]); nothing, and an
/// error saying why, when the stored format is not this build's.
pub async fn write_held(doc: &str, plan: SavePlan) -> Result<(), DbError> {
    let ids: Vec<&str> = plan.puts.iter().map(|(id, _)| id.as_str()).collect();
    let (meta, stored) = read_some(doc, &ids).await?;
    if let Err(e) = storage::check_meta(meta.as_deref()) {
        return Err(DbError::Failed(e.to_string()));
    }
    let plan = storage::keep_newer(plan, &stored);
    if plan.is_empty() {
        return Ok(());
    }
    write(doc, plan).await
}

/// Writes one save (see [`start_write`]), opening the database first if need be.
pub async fn write(doc: &str, plan: SavePlan) -> Result<(), DbError> {
    open().await?;
    start_write(doc, Rc::new(plan))?.committed().await
}

/// Moves records that could not be read to the set-aside store (kept, out of the way).
pub async fn set_aside(doc: &str, records: &[(String, String)]) -> Result<(), DbError> {
    let db = open().await?;
    let tx = transaction(
        &db,
        &[RECORDS_STORE, SET_ASIDE_STORE],
        IdbTransactionMode::Readwrite,
    )?;
    let queued = (|| {
        let from = store(&tx, RECORDS_STORE)?;
        let to = store(&tx, SET_ASIDE_STORE)?;
        for (id, raw) in records {
            let key = record_key(doc, id);
            to.put_with_key(&JsValue::from_str(raw), &key)
                .map_err(|e| db_error(&e))?;
            from.delete(&key).map_err(|e| db_error(&e))?;
        }
        Ok(())
    })();
    if let Err(e) = queued {
        let _ = tx.abort();
        return Err(e);
    }
    committed(&tx).await
}

/// Removes a document's records, returning them (for undo: [`put_records`]).
pub async fn take_doc(doc: &str) -> Result<Vec<(String, String)>, DbError> {
    let mut read = read_doc(doc).await?;
    let db = open().await?;
    let tx = transaction(
        &db,
        &[RECORDS_STORE, META_STORE],
        IdbTransactionMode::Readwrite,
    )?;
    store(&tx, RECORDS_STORE)?
        .delete(&doc_range(doc)?.into())
        .map_err(|e| db_error(&e))?;
    store(&tx, META_STORE)?
        .delete(&doc.into())
        .map_err(|e| db_error(&e))?;
    committed(&tx).await?;
    Ok(read.take_all())
}

/// Writes records as they are (undoing [`take_doc`]).
pub async fn put_records(doc: &str, records: Vec<(String, String)>) -> Result<(), DbError> {
    write(
        doc,
        SavePlan {
            puts: records,
            deletes: Vec::new(),
        },
    )
    .await
}
