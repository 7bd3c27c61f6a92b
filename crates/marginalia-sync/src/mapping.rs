//! What Marginalia's data looks like as CouchDB documents, and the rule that picks between
//! concurrent versions of one.
//!
//! | `_id` | body |
//! | --- | --- |
//! | `annotation:<doc id>:<annotation id>` | `{"type":"annotation","doc":…,"modified":ms,"annotation":{…serde form…}}` |
//! | `text:<doc id>` | `{"type":"text","doc":…,"modified":ms,"title":…,"text":{…StoredText…}}` |
//! | `library:<doc id>` | `{"type":"library","doc":…,"modified":ms,"entry":{…library Entry…}}` |
//!
//! A deletion is a CouchDB tombstone (`_deleted: true`) whose body keeps `type`, `doc` and
//! `deleted_at` (ms): `{"type":"annotation","doc":…,"deleted_at":ms}`. A tombstone made by
//! resolving a conflict carries `"resolved": true` instead and never wins anything.

use marginalia_core::annotation::Annotation;
use marginalia_core::library::{Entry, StoredText};
use marginalia_core::storage::newer;
use marginalia_core::time::Timestamp;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

pub const ANNOTATION: &str = "annotation";
pub const TEXT: &str = "text";
pub const LIBRARY: &str = "library";

pub fn annotation_id(doc: &str, annotation: &str) -> String {
    format!("{ANNOTATION}:{doc}:{annotation}")
}

pub fn text_id(doc: &str) -> String {
    format!("{TEXT}:{doc}")
}

pub fn library_id(doc: &str) -> String {
    format!("{LIBRARY}:{doc}")
}

pub(crate) fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(crate) fn tombstone(kind: &str, doc: &str, now: Timestamp) -> Map<String, Value> {
    obj(json!({"type": kind, "doc": doc, "deleted_at": now.millis()}))
}

/// A change replication brought in, for the app to apply.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// Created or changed elsewhere (or won a conflict).
    Annotation {
        doc: String,
        annotation: Annotation,
    },
    AnnotationRemoved {
        doc: String,
        id: String,
    },
    /// A document's text, so annotations made elsewhere anchor here.
    Text {
        title: String,
        text: StoredText,
    },
    TextRemoved {
        doc: String,
    },
    LibraryEntry(Entry),
    LibraryEntryRemoved {
        doc: String,
    },
}

impl Incoming {
    /// The CouchDB `_id` of the document this change is about.
    pub fn doc_id(&self) -> String {
        match self {
            Incoming::Annotation { doc, annotation } => annotation_id(doc, &annotation.id),
            Incoming::AnnotationRemoved { doc, id } => annotation_id(doc, id),
            Incoming::Text { text, .. } => text_id(&text.id),
            Incoming::TextRemoved { doc } => text_id(doc),
            Incoming::LibraryEntry(entry) => library_id(&entry.id),
            Incoming::LibraryEntryRemoved { doc } => library_id(doc),
        }
    }
}

/// The app-level change between two visible versions of CouchDB document `id`.
pub(crate) fn incoming(
    id: &str,
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> Option<Incoming> {
    match after {
        Some(body) => {
            let doc = body.get("doc")?.as_str()?.to_string();
            match body.get("type")?.as_str()? {
                ANNOTATION => Some(Incoming::Annotation {
                    doc,
                    annotation: serde_json::from_value(body.get("annotation")?.clone()).ok()?,
                }),
                TEXT => Some(Incoming::Text {
                    title: body
                        .get("title")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .into(),
                    text: serde_json::from_value(body.get("text")?.clone()).ok()?,
                }),
                LIBRARY => Some(Incoming::LibraryEntry(
                    serde_json::from_value(body.get("entry")?.clone()).ok()?,
                )),
                _ => None,
            }
        }
        None => {
            let body = before?;
            let doc = body.get("doc")?.as_str()?.to_string();
            match body.get("type")?.as_str()? {
                ANNOTATION => {
                    let prefix = format!("{ANNOTATION}:{doc}:");
                    Some(Incoming::AnnotationRemoved {
                        doc,
                        id: id.strip_prefix(&prefix)?.to_string(),
                    })
                }
                TEXT => Some(Incoming::TextRemoved { doc }),
                LIBRARY => Some(Incoming::LibraryEntryRemoved { doc }),
                _ => None,
            }
        }
    }
}

pub(crate) fn is_resolution(body: Option<&Map<String, Value>>) -> bool {
    body.and_then(|b| b.get("resolved"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

pub(crate) fn resolution_tombstone(
    loser: Option<&Map<String, Value>>,
    winner: Option<&Map<String, Value>>,
    winner_rev: &str,
) -> Map<String, Value> {
    let pick = |k: &str| {
        loser
            .and_then(|b| b.get(k))
            .or_else(|| winner.and_then(|b| b.get(k)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    obj(json!({"type": pick("type"), "doc": pick("doc"), "resolved": true, "lost_to": winner_rev}))
}

fn stamp(deleted: bool, body: Option<&Map<String, Value>>) -> i64 {
    let key = if deleted { "deleted_at" } else { "modified" };
    body.and_then(|b| b.get(key))
        .and_then(Value::as_i64)
        .unwrap_or(i64::MIN)
}

/// The order of two concurrent versions (leaf revisions) of one document; the greater wins.
///
/// * Two edits: the later `modified` wins; on a tie, the greater JSON (for annotations exactly
///   `marginalia_core::storage::newer`, the rule tabs use between themselves).
/// * **Edit against deletion: the deletion wins unless the edit's `modified` is later than the
///   deletion's `deleted_at`** (a tie goes to the deletion). So a note typed after the other
///   device deleted the annotation survives (the annotation comes back), and an older edit that
///   merely had not been synced yet does not resurrect what the reader deleted since.
/// * Two deletions: both are deletions; whichever is picked, the document stays deleted.
pub(crate) fn rank(
    a_deleted: bool,
    a: Option<&Map<String, Value>>,
    b_deleted: bool,
    b: Option<&Map<String, Value>>,
) -> Ordering {
    stamp(a_deleted, a)
        .cmp(&stamp(b_deleted, b))
        .then(a_deleted.cmp(&b_deleted))
        .then_with(|| {
            if a_deleted || b_deleted {
                return Ordering::Equal;
            }
            let ann = |m: Option<&Map<String, Value>>| {
                m.and_then(|m| m.get("annotation"))
                    .and_then(|v| serde_json::from_value::<Annotation>(v.clone()).ok())
            };
            match (ann(a), ann(b)) {
                (Some(x), Some(y)) => {
                    if x == y {
                        Ordering::Equal
                    } else if std::ptr::eq(newer(&x, &y), &x) {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                _ => {
                    let ja = a.map(|m| Value::Object(m.clone()).to_string());
                    let jb = b.map(|m| Value::Object(m.clone()).to_string());
                    ja.cmp(&jb)
                }
            }
        })
}
