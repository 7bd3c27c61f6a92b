//! Recording the app's own changes into the replica, and reading them back, in the document
//! shapes `mapping` defines. Above both `mapping` and `replica` (which uses `mapping`'s rules),
//! so neither needs the other's upper half.

use marginalia_core::annotation::Annotation;
use marginalia_core::library::{Entry, StoredText};
use marginalia_core::time::Timestamp;
use serde_json::{json, Map, Value};

use crate::mapping::{
    annotation_id, library_id, obj, text_id, tombstone, ANNOTATION, LIBRARY, TEXT,
};
use crate::replica::Replica;

/// Recording the app's own changes.
impl Replica {
    /// An annotation of document `doc` was created or changed here.
    pub fn put_annotation(&mut self, doc: &str, a: &Annotation) -> Option<String> {
        let body = obj(json!({
            "type": ANNOTATION,
            "doc": doc,
            "modified": a.modified.millis(),
            "annotation": serde_json::to_value(a).unwrap_or(Value::Null),
        }));
        self.put(&annotation_id(doc, &a.id), Some(body), Map::new())
    }

    /// An annotation was deleted here at `now`.
    pub fn delete_annotation(&mut self, doc: &str, id: &str, now: Timestamp) -> Option<String> {
        self.put(
            &annotation_id(doc, id),
            None,
            tombstone(ANNOTATION, doc, now),
        )
    }

    /// A document's text (with its title) was added or replaced here at `now`.
    pub fn put_text(&mut self, text: &StoredText, title: &str, now: Timestamp) -> Option<String> {
        let id = text_id(&text.id);
        // The same text again is no change (its time is not part of what is compared).
        if let Some(v) = self.get(&id).and_then(|d| d.visible()) {
            if v.get("title").and_then(Value::as_str) == Some(title)
                && v.get("text") == serde_json::to_value(text).ok().as_ref()
            {
                return None;
            }
        }
        let body = obj(json!({
            "type": TEXT, "doc": text.id, "modified": now.millis(), "title": title,
            "text": serde_json::to_value(text).unwrap_or(Value::Null),
        }));
        self.put(&id, Some(body), Map::new())
    }

    pub fn delete_text(&mut self, doc: &str, now: Timestamp) -> Option<String> {
        self.put(&text_id(doc), None, tombstone(TEXT, doc, now))
    }

    /// A library entry was added or changed here (its `last_opened` is its time).
    pub fn put_library_entry(&mut self, entry: &Entry) -> Option<String> {
        let body = obj(json!({
            "type": LIBRARY, "doc": entry.id, "modified": entry.last_opened.millis(),
            "entry": serde_json::to_value(entry).unwrap_or(Value::Null),
        }));
        self.put(&library_id(&entry.id), Some(body), Map::new())
    }

    pub fn remove_library_entry(&mut self, doc: &str, now: Timestamp) -> Option<String> {
        self.put(&library_id(doc), None, tombstone(LIBRARY, doc, now))
    }

    /// Document `doc` was removed from the library here at `now`: its annotations (those this
    /// replica has, and `stored`: ids stored here it may not have recorded yet), its library
    /// entry and its text.
    pub fn remove_document(
        &mut self,
        doc: &str,
        stored: impl IntoIterator<Item = String>,
        now: Timestamp,
    ) {
        let mut ids: std::collections::BTreeSet<String> = stored.into_iter().collect();
        ids.extend(self.annotations(doc).into_iter().map(|a| a.id));
        for id in ids {
            self.delete_annotation(doc, &id, now);
        }
        self.remove_library_entry(doc, now);
        self.delete_text(doc, now);
    }

    /// The live annotations of document `doc` as this replica has them.
    pub fn annotations(&self, doc: &str) -> Vec<Annotation> {
        let prefix = format!("{ANNOTATION}:{doc}:");
        self.docs()
            .filter(|d| d.id.starts_with(&prefix))
            .filter_map(|d| d.visible()?.get("annotation").cloned())
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()
    }

    /// The library entries this replica has.
    pub fn library(&self) -> Vec<Entry> {
        self.docs()
            .filter(|d| d.id.starts_with("library:"))
            .filter_map(|d| d.visible()?.get("entry").cloned())
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()
    }

    /// A document's text, with its title.
    pub fn text(&self, doc: &str) -> Option<(String, StoredText)> {
        let v = self.get(&text_id(doc))?.visible()?;
        Some((
            v.get("title")?.as_str()?.to_string(),
            serde_json::from_value(v.get("text")?.clone()).ok()?,
        ))
    }
}
