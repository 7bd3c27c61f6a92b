//! The sync replica's own IndexedDB database (`marginalia-sync`, apart from the annotations'
//! database, whose schema and version stay as they are): store `docs` (key: the CouchDB `_id` →
//! the `LocalDoc` as JSON text) and store `meta` (key `"replica"` → the `ReplicaMeta` as JSON
//! text). A save writes the meta record and the changed documents in one transaction, so the
//! local checkpoint is never stored without the documents it vouches for.

use super::idb;
use js_sys::Array;
use marginalia_sync::{LocalDoc, ReplicaMeta};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

const NAME: &str = "marginalia-sync";
const VERSION: u32 = 1;
const DOCS: &str = "docs";
const META: &str = "meta";
const META_KEY: &str = "replica";

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

fn words(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|v| v.as_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "the browser's database failed".into())
}

/// A request's result through the one IndexedDB waiter ([`idb::done`]), its error in words.
async fn done(req: &IdbRequest) -> Result<JsValue, String> {
    idb::done(req).await.map_err(|e| e.to_string())
}

async fn committed(tx: &IdbTransaction) -> Result<(), String> {
    idb::committed(tx).await.map_err(|e| e.to_string())
}

async fn open() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = idb::open_with_stores(NAME, VERSION, &[DOCS, META])
        .await
        .map_err(|e| e.to_string())?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

fn transaction(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
    let names = Array::of2(&DOCS.into(), &META.into());
    db.transaction_with_str_sequence_and_mode(&names, mode)
        .map_err(|e| words(&e))
}

/// The stored replica: its meta record and every document; `None` when none is stored.
pub async fn load() -> Result<Option<(ReplicaMeta, Vec<LocalDoc>)>, String> {
    let db = open().await?;
    let tx = transaction(&db, IdbTransactionMode::Readonly)?;
    let meta = tx
        .object_store(META)
        .and_then(|s| s.get(&META_KEY.into()))
        .map_err(|e| words(&e))?;
    let docs = tx
        .object_store(DOCS)
        .and_then(|s| s.get_all())
        .map_err(|e| words(&e))?;
    let meta = done(&meta).await?;
    let docs: Array = done(&docs).await?.unchecked_into();
    let Some(meta) = meta.as_string().and_then(|m| serde_json::from_str(&m).ok()) else {
        return Ok(None);
    };
    let docs = docs
        .iter()
        .filter_map(|d| d.as_string())
        .filter_map(|d| serde_json::from_str(&d).ok())
        .collect();
    Ok(Some((meta, docs)))
}

/// A changed document as it is stored: its `_id` and its JSON text ([`encode`]).
pub type Encoded = (String, String);

/// A document's stored form (the caller encodes many a slice at a time, between yields).
pub fn encode(doc: &LocalDoc) -> Encoded {
    (
        doc.id.clone(),
        serde_json::to_string(doc).unwrap_or_default(),
    )
}

/// How many documents one task hands to the database: handing a document over is a save's
/// main-thread time, and a step of a run saves hundreds (a first sync's 10,000 once recorded).
const PUTS_PER_TASK: usize = 50;

/// Writes the meta record (if it changed) and the changed documents, in one transaction: handed
/// over [`PUTS_PER_TASK`] at a time, each slice once the one before is written (the transaction
/// takes requests in its callbacks, and stays open for them).
pub async fn save(meta: Option<ReplicaMeta>, docs: Vec<Encoded>) -> Result<(), String> {
    if meta.is_none() && docs.is_empty() {
        return Ok(());
    }
    let db = open().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    let mut pieces = docs.chunks(PUTS_PER_TASK);
    let mut first = true;
    loop {
        let timing = super::perf::UserTiming::start("marginalia:replica-put");
        let piece = pieces.next();
        let queued = (|| -> Result<Option<IdbRequest>, JsValue> {
            if std::mem::take(&mut first) {
                if let Some(meta) = &meta {
                    let text = serde_json::to_string(meta).unwrap_or_default();
                    tx.object_store(META)?
                        .put_with_key(&text.into(), &META_KEY.into())?;
                }
            }
            let store = tx.object_store(DOCS)?;
            let mut last = None;
            for (id, text) in piece.unwrap_or_default() {
                last = Some(store.put_with_key(&text.as_str().into(), &id.as_str().into())?);
            }
            Ok(last)
        })();
        drop(timing);
        match queued {
            Err(e) => {
                let _ = tx.abort();
                return Err(words(&e));
            }
            // More to hand over: from the last one's success (the transaction is active in it).
            Ok(Some(last)) if pieces.len() > 0 => {
                if let Err(e) = done(&last).await {
                    let _ = tx.abort();
                    return Err(e);
                }
            }
            Ok(_) => break,
        }
    }
    committed(&tx).await
}

/// Forgets the stored replica (signing out: the annotations themselves stay).
pub async fn clear() -> Result<(), String> {
    let db = open().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    for name in [DOCS, META] {
        tx.object_store(name)
            .and_then(|s| s.clear())
            .map_err(|e| words(&e))?;
    }
    committed(&tx).await
}
