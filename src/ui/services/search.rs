//! Every document's annotations, for searching everywhere and for Review: read from IndexedDB the
//! first time they are wanted (never at start), the open document's taken from its live set at
//! each change, and another tab's writes read again. Lives as long as the page, across documents.
//!
//! Only the signals are in the release build's main module: what reads and indexes is loaded with
//! the first view that wants it (searching every document, Review), and every call into it from
//! the main module is made once it is wanted, so already loaded ([`index_live`], [`read_again`]).

use crate::ui::edge::split::on_first_use;
use crate::ui::services::library::{load_library, stored_annotations};
use crate::ui::services::tabs;
use leptos::prelude::*;
use marginalia_core::annotation::Annotation;
use marginalia_core::search::{Hit, SearchIndex, SearchResult};

/// Where reading every document's annotations stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not wanted yet.
    Idle,
    Reading,
    Ready,
    /// Some documents could not be read (named): the others are searched.
    Partial(String),
}

/// The library-wide annotations, shared through context from the page's root.
#[derive(Clone, Copy)]
pub struct Everywhere {
    index: StoredValue<SearchIndex>,
    pub status: RwSignal<Status>,
    /// Fires whenever the index changed.
    pub changed: Trigger,
    /// The document open in this tab, whose annotations come from its live set.
    live: StoredValue<Option<String>>,
}

impl Everywhere {
    /// Made once for the page; listens for other tabs' writes for as long as the page lives.
    pub fn install() -> Everywhere {
        let e = Everywhere {
            index: StoredValue::new(SearchIndex::new()),
            status: RwSignal::new(Status::Idle),
            changed: Trigger::new(),
            live: StoredValue::new(None),
        };
        tabs::on_any_written(move |doc| {
            let wanted = e.status.get_untracked() != Status::Idle;
            if wanted && e.live.with_value(|l| l.as_deref() != Some(doc.as_str())) {
                leptos::task::spawn_local(async move {
                    let _ = read_again(e, doc).await;
                });
            }
        });
        e
    }

    /// The open document's annotations as they are now (called at each change of its set, and
    /// when it opens). Kept only once the index is wanted.
    pub fn set_live<'a>(
        &self,
        id: &str,
        title: &str,
        annotations: impl Iterator<Item = &'a Annotation>,
    ) {
        self.live.set_value(Some(id.to_string()));
        if self.status.get_untracked() == Status::Idle {
            return;
        }
        let annotations: Vec<Annotation> = annotations.cloned().collect();
        let (e, id, title) = (*self, id.to_string(), title.to_string());
        leptos::task::spawn_local(async move {
            let _ = index_live(e, id, title, annotations).await;
        });
    }

    /// Wants every document's annotations: the first time, reads every document in the library
    /// but the open one; later, brings the index in line with the library (documents removed,
    /// added, or whose counts changed since). The open document's app follows `status` and
    /// gives its live set ([`Everywhere::set_live`]).
    pub fn want(&self) {
        if self.status.get_untracked() == Status::Idle {
            self.status.set(Status::Reading);
        }
        let e = *self;
        leptos::task::spawn_local(async move {
            let lib = load_library();
            let listing = lib.listing();
            let known: Vec<(String, usize)> = e.index.with_value(|i| {
                i.docs()
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n))
                    .collect()
            });
            // Gone from the library: gone from the search.
            for (id, _) in &known {
                if lib.get(id).is_none() && e.live.with_value(|l| l.as_ref() != Some(id)) {
                    e.index.update_value(|i| i.remove_doc(id));
                }
            }
            let mut failed = Vec::new();
            for entry in &listing {
                let is_live = e.live.with_value(|l| l.as_ref() == Some(&entry.id));
                let current = known.iter().find(|(id, _)| *id == entry.id);
                if is_live || current.is_some_and(|(_, n)| *n == entry.annotations) {
                    continue;
                }
                if !e.read_doc(&entry.id).await {
                    failed.push(entry.title.clone());
                }
            }
            let ids: Vec<&str> = listing.iter().map(|e| e.id.as_str()).collect();
            e.index.update_value(|i| i.order_docs(&ids));
            e.status.set(if failed.is_empty() {
                Status::Ready
            } else {
                Status::Partial(failed.join(", "))
            });
            e.changed.notify();
        });
    }

    /// Reads document `id`'s stored annotations into the index; `false` when they could not be
    /// read.
    async fn read_doc(&self, id: &str) -> bool {
        let title = load_library()
            .get(id)
            .map(|e| e.title.clone())
            .unwrap_or_else(|| id.to_string());
        match stored_annotations(id).await {
            Ok(anns) => {
                self.index.update_value(|i| i.set_doc(id, &title, &anns));
                true
            }
            Err(_) => false,
        }
    }

    /// The annotations matching `query` in every document (at most `limit` copied out).
    pub fn search(&self, query: &str, limit: usize) -> SearchResult {
        self.index.with_value(|i| i.search(query, limit))
    }

    /// How many annotations and documents are indexed.
    pub fn size(&self) -> (usize, usize) {
        self.index.with_value(|i| (i.len(), i.docs().len()))
    }

    /// Every annotation with its document's title, documents in library order.
    pub fn all(&self) -> Vec<(String, Hit)> {
        self.index.with_value(|i| {
            i.entries()
                .map(|(title, hit)| (title.to_string(), hit.clone()))
                .collect()
        })
    }
}

// Called only once the index is wanted: its code is in by then, and these run at once (in the
// order called).
on_first_use!(everywhere; fn index_live(e: Everywhere, id: String, title: String, annotations: Vec<Annotation>) -> () {
    e.index.update_value(|i| i.set_doc(&id, &title, &annotations));
    e.changed.notify();
});
on_first_use!(everywhere; fn read_again(e: Everywhere, doc: String) -> () {
    leptos::task::spawn_local(async move {
        e.read_doc(&doc).await;
        e.changed.notify();
    });
});
