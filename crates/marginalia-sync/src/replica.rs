//! The local side of replication: every synced document with its revision tree, a local update
//! sequence (the local "changes feed"), the local halves of the replication logs, and the rule
//! that resolves conflicts.
//!
//! Plain data in memory: the app loads it from IndexedDB before a sync ([`Replica::restore`]),
//! records its own edits into it (see `mapping`), and writes back what changed
//! ([`Replica::take_dirty`], [`Replica::meta`]). Nothing here waits on I/O.

use crate::mapping::{self, Incoming};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One revision in a document's tree. Only leaves keep a body: an ancestor's id is all that
/// `_revs_diff` and `_revisions` need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevNode {
    /// The parent revision (`N-1-…`), `None` at the root of what is known.
    pub parent: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Map<String, Value>>,
}

/// One synced document: its id, where it sits in the local changes feed, its revision tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalDoc {
    pub id: String,
    /// The local update sequence of its last change (the push side's `_changes` order).
    pub seq: u64,
    /// Revision id (`N-hash`) → node.
    pub revs: BTreeMap<String, RevNode>,
    /// Changed here (an edit, or a conflict resolved here) and not yet accepted by the server.
    #[serde(default)]
    pub unpushed: bool,
}

/// `N` of a revision id `N-hash`.
pub fn rev_pos(rev: &str) -> u64 {
    rev.split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn rev_hash(rev: &str) -> &str {
    rev.split_once('-').map(|(_, h)| h).unwrap_or("")
}

impl LocalDoc {
    fn new(id: &str) -> LocalDoc {
        LocalDoc {
            id: id.to_string(),
            seq: 0,
            revs: BTreeMap::new(),
            unpushed: false,
        }
    }

    /// The leaf revisions (no other revision names them as parent), sorted.
    pub fn leaves(&self) -> Vec<&str> {
        let parents: BTreeSet<&str> = self
            .revs
            .values()
            .filter_map(|n| n.parent.as_deref())
            .collect();
        self.revs
            .keys()
            .map(|k| k.as_str())
            .filter(|k| !parents.contains(k))
            .collect()
    }

    /// CouchDB's winning revision: live leaves before deleted ones, then the longest branch, then
    /// the greater revision id. Every CouchDB and PouchDB picks the same one.
    pub fn winner(&self) -> Option<&str> {
        self.leaves().into_iter().max_by(|a, b| {
            let da = self.revs[*a].deleted;
            let db = self.revs[*b].deleted;
            db.cmp(&da).then(rev_pos(a).cmp(&rev_pos(b))).then(a.cmp(b))
        })
    }

    /// The body the app sees: the winner's, unless the winner is a deletion.
    pub fn visible(&self) -> Option<&Map<String, Value>> {
        let w = self.winner()?;
        let node = &self.revs[w];
        if node.deleted {
            None
        } else {
            node.body.as_ref()
        }
    }

    pub fn is_deleted(&self) -> bool {
        self.visible().is_none()
    }

    /// `_revisions` of `rev`: `{"start": N, "ids": [hash of N, of N-1, …]}` as far as known.
    pub fn revisions(&self, rev: &str) -> Value {
        let mut ids = Vec::new();
        let mut cur = Some(rev.to_string());
        while let Some(r) = cur {
            ids.push(Value::String(rev_hash(&r).to_string()));
            cur = self.revs.get(&r).and_then(|n| n.parent.clone());
        }
        serde_json::json!({"start": rev_pos(rev), "ids": ids})
    }

    /// The JSON document for leaf `rev` as `_bulk_docs` with `new_edits: false` takes it.
    pub fn to_couch(&self, rev: &str) -> Option<Value> {
        let node = self.revs.get(rev)?;
        let mut doc = node.body.clone().unwrap_or_default();
        doc.insert("_id".into(), Value::String(self.id.clone()));
        doc.insert("_rev".into(), Value::String(rev.to_string()));
        doc.insert("_revisions".into(), self.revisions(rev));
        if node.deleted {
            doc.insert("_deleted".into(), Value::Bool(true));
        }
        Some(Value::Object(doc))
    }

    /// Adds the child of `parent` (`None`: a first revision) with `body`; returns its id. The id
    /// is derived from parent, deletion and body, so two devices making the same change to the
    /// same revision (two devices resolving one conflict) make the same revision, not a new
    /// conflict.
    fn add_child(
        &mut self,
        parent: Option<&str>,
        deleted: bool,
        body: Map<String, Value>,
    ) -> String {
        let pos = parent.map(rev_pos).unwrap_or(0) + 1;
        let seed = format!(
            "{}\u{0}{}\u{0}{}",
            parent.unwrap_or(""),
            deleted,
            Value::Object(body.clone())
        );
        let rev = format!("{pos}-{}", hash128(seed.as_bytes()));
        if let Some(p) = parent.and_then(|p| self.revs.get_mut(p)) {
            p.body = None;
        }
        self.revs.insert(
            rev.clone(),
            RevNode {
                parent: parent.map(str::to_string),
                deleted,
                body: Some(body),
            },
        );
        rev
    }
}

/// 128 bits of FNV-1a (two lanes), as 32 hex digits: revision ids, replication and session ids.
/// Not cryptographic; only needs to be stable and well spread.
pub fn hash128(bytes: &[u8]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4 ^ 0x9e37_79b9_7f4a_7c15;
    for &x in bytes {
        a ^= x as u64;
        a = a.wrapping_mul(0x0000_0100_0000_01b3);
        b ^= (x as u64).rotate_left(3) ^ 0x5a;
        b = b.wrapping_mul(0x0000_0100_0000_01b3);
        b ^= b >> 29;
    }
    format!("{a:016x}{b:016x}")
}

/// Persisted alongside the documents: the replica's identity and counters and the local halves
/// of its replication logs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicaMeta {
    /// A random id made once per device (a UUID): part of every replication id.
    pub id: String,
    /// The local update sequence: the last `seq` given to a document.
    pub seq: u64,
    /// How many sync runs this replica started (gives each run its own session id).
    pub runs: u64,
    /// Replication id → the local copy of that replication's log (`_local/<id>`).
    pub logs: BTreeMap<String, Value>,
}

/// The local store of synced documents.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    meta: ReplicaMeta,
    docs: BTreeMap<String, LocalDoc>,
    by_seq: BTreeMap<u64, String>,
    dirty: BTreeSet<String>,
    meta_dirty: bool,
    incoming: Vec<Incoming>,
}

impl Replica {
    /// A new, empty replica for this device; `id` should be random (a UUID), made once.
    pub fn new(id: &str) -> Replica {
        Replica {
            meta: ReplicaMeta {
                id: id.to_string(),
                ..Default::default()
            },
            meta_dirty: true,
            ..Default::default()
        }
    }

    /// The replica as stored: its meta record and every document record.
    pub fn restore(meta: ReplicaMeta, docs: impl IntoIterator<Item = LocalDoc>) -> Replica {
        let mut r = Replica {
            meta,
            ..Default::default()
        };
        for d in docs {
            r.by_seq.insert(d.seq, d.id.clone());
            r.docs.insert(d.id.clone(), d);
        }
        r
    }

    pub fn meta(&self) -> &ReplicaMeta {
        &self.meta
    }

    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// The meta record, if it changed since the last call (write it with the dirty documents).
    pub fn take_meta_if_changed(&mut self) -> Option<ReplicaMeta> {
        std::mem::take(&mut self.meta_dirty).then(|| self.meta.clone())
    }

    /// The documents changed since the last call: write each to IndexedDB under its `id`.
    pub fn take_dirty(&mut self) -> Vec<LocalDoc> {
        std::mem::take(&mut self.dirty)
            .into_iter()
            .filter_map(|id| self.docs.get(&id).cloned())
            .collect()
    }

    /// Every document and the meta record to be saved again (a save that failed).
    pub fn mark_all_dirty(&mut self) {
        self.meta_dirty = true;
        self.dirty = self.docs.keys().cloned().collect();
    }

    /// What replication changed that the app shows (annotations, texts, library entries): the
    /// last change of each document, in the order of those last changes. (Within one answer a
    /// document can pass through a state the app must not apply: a conflict's resolution that
    /// deletes this device's branch arrives, then the winning edit; the first alone reads as a
    /// removal.) The app applies them to its state with its usual merge rule.
    pub fn take_incoming(&mut self) -> Vec<Incoming> {
        let all = std::mem::take(&mut self.incoming);
        let keys: Vec<String> = all.iter().map(Incoming::doc_id).collect();
        let last: std::collections::HashMap<&str, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        all.into_iter()
            .enumerate()
            .filter(|(i, _)| last.get(keys[*i].as_str()) == Some(i))
            .map(|(_, inc)| inc)
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<&LocalDoc> {
        self.docs.get(id)
    }

    pub fn docs(&self) -> impl Iterator<Item = &LocalDoc> {
        self.docs.values()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Documents changed here and not yet on the server: "Offline — 3 changes waiting".
    pub fn pending_changes(&self) -> usize {
        self.docs.values().filter(|d| d.unpushed).count()
    }

    pub(crate) fn next_run(&mut self) -> u64 {
        self.meta.runs += 1;
        self.meta_dirty = true;
        self.meta.runs
    }

    pub(crate) fn log(&self, rid: &str) -> Option<&Value> {
        self.meta.logs.get(rid)
    }

    pub(crate) fn set_log(&mut self, rid: &str, log: Value) {
        self.meta.logs.insert(rid.to_string(), log);
        self.meta_dirty = true;
    }

    fn touch(&mut self, id: &str) {
        self.meta.seq += 1;
        self.meta_dirty = true;
        let seq = self.meta.seq;
        if let Some(d) = self.docs.get_mut(id) {
            self.by_seq.remove(&d.seq);
            d.seq = seq;
            self.by_seq.insert(seq, id.to_string());
        }
        self.dirty.insert(id.to_string());
    }

    /// A local edit: `body` (`None`: delete, with `tombstone` as the deletion's body) becomes
    /// the document's new revision, a child of its current winner. Nothing happens when the
    /// document already shows exactly that. Returns the new revision.
    pub fn put(
        &mut self,
        id: &str,
        body: Option<Map<String, Value>>,
        tombstone: Map<String, Value>,
    ) -> Option<String> {
        let doc = self
            .docs
            .entry(id.to_string())
            .or_insert_with(|| LocalDoc::new(id));
        match (&body, doc.visible()) {
            (Some(b), Some(v)) if b == v => return None,
            (None, None) => {
                if doc.revs.is_empty() {
                    self.docs.remove(id);
                }
                return None;
            }
            _ => {}
        }
        let parent = doc.winner().map(str::to_string);
        let rev = match body {
            Some(b) => doc.add_child(parent.as_deref(), false, b),
            None => doc.add_child(parent.as_deref(), true, tombstone),
        };
        doc.unpushed = true;
        self.touch(id);
        Some(rev)
    }

    /// Which of `revs` of document `id` this replica lacks (the local answer to `_revs_diff`).
    pub fn missing_revs(&self, id: &str, revs: &[String]) -> Vec<String> {
        let doc = self.docs.get(id);
        revs.iter()
            .filter(|r| !doc.is_some_and(|d| d.revs.contains_key(r.as_str())))
            .cloned()
            .collect()
    }

    /// Stores a revision replicated from the server (a document with `_id`, `_rev`,
    /// `_revisions`, maybe `_deleted`), as `new_edits: false` does: the revision and its
    /// ancestors join the tree, nothing is rewritten; a conflict it makes is resolved at once
    /// ([`Replica::resolve`]). Returns how many losing revisions that deleted, or `None` when
    /// the revision was already known or is not a document.
    pub fn insert_replicated(&mut self, doc: &Value) -> Option<usize> {
        let obj = doc.as_object()?;
        let (Some(id), Some(rev)) = (
            obj.get("_id").and_then(Value::as_str),
            obj.get("_rev").and_then(Value::as_str),
        ) else {
            return None;
        };
        let deleted = obj
            .get("_deleted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let body: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // The chain from the leaf back, as ids `N-hash`.
        let mut chain = vec![rev.to_string()];
        if let Some(revs) = obj.get("_revisions") {
            let start = revs
                .get("start")
                .and_then(Value::as_u64)
                .unwrap_or(rev_pos(rev));
            let ids: Vec<&str> = revs
                .get("ids")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !ids.is_empty() {
                chain = ids
                    .iter()
                    .enumerate()
                    .map(|(i, h)| format!("{}-{h}", start.saturating_sub(i as u64)))
                    .collect();
            }
        }
        let before = self.docs.get(id).and_then(|d| d.visible().cloned());
        let doc = self
            .docs
            .entry(id.to_string())
            .or_insert_with(|| LocalDoc::new(id));
        if doc.revs.contains_key(rev) {
            return None;
        }
        for (i, r) in chain.iter().enumerate() {
            let parent = chain.get(i + 1).cloned();
            if let Some(node) = doc.revs.get_mut(r) {
                node.body = None; // now an ancestor
                if node.parent.is_none() {
                    node.parent = parent;
                }
                continue;
            }
            let leaf = i == 0;
            doc.revs.insert(
                r.clone(),
                RevNode {
                    parent,
                    deleted: leaf && deleted,
                    body: leaf.then(|| body.clone()),
                },
            );
        }
        self.touch(id);
        let resolved = self.resolve(id);
        self.note_change(id, before);
        Some(resolved)
    }

    fn note_change(&mut self, id: &str, before: Option<Map<String, Value>>) {
        let after = self.docs.get(id).and_then(|d| d.visible().cloned());
        if before != after {
            if let Some(inc) = mapping::incoming(id, before.as_ref(), after.as_ref()) {
                self.incoming.push(inc);
            }
        }
    }

    /// Resolves a conflict in document `id`, if it has one, by the rule in `mapping::rank`:
    /// the winning version stays, each other live leaf gets a deletion child (a "resolved"
    /// tombstone, which never wins anything). Returns how many revisions it deleted.
    pub fn resolve(&mut self, id: &str) -> usize {
        let Some(doc) = self.docs.get_mut(id) else {
            return 0;
        };
        let leaves: Vec<String> = doc.leaves().into_iter().map(str::to_string).collect();
        let live: Vec<&String> = leaves.iter().filter(|l| !doc.revs[*l].deleted).collect();
        if live.is_empty() {
            return 0;
        }
        // Candidates: every live leaf and every deletion made by a reader (not by a resolution).
        let candidates: Vec<&String> = leaves
            .iter()
            .filter(|l| {
                let n = &doc.revs[*l];
                !n.deleted || !mapping::is_resolution(n.body.as_ref())
            })
            .collect();
        if candidates.len() < 2 {
            return 0;
        }
        let best = candidates
            .iter()
            .copied()
            .max_by(|a, b| {
                let na = &doc.revs[*a];
                let nb = &doc.revs[*b];
                mapping::rank(na.deleted, na.body.as_ref(), nb.deleted, nb.body.as_ref())
                    .then_with(|| a.cmp(b))
            })
            .cloned()
            .unwrap_or_default();
        let losers: Vec<String> = live.into_iter().filter(|l| **l != best).cloned().collect();
        if losers.is_empty() {
            return 0;
        }
        let winner_body = doc.revs[&best].body.clone();
        for l in &losers {
            let tomb = mapping::resolution_tombstone(
                doc.revs[l].body.as_ref(),
                winner_body.as_ref(),
                &best,
            );
            doc.add_child(Some(l), true, tomb);
        }
        doc.unpushed = true;
        self.touch(id);
        losers.len()
    }

    /// Documents changed after local sequence `since`, oldest change first, at most `limit`:
    /// `(id, seq, leaf revisions)`, the local changes feed (`style=all_docs`).
    pub fn changes_since(&self, since: u64, limit: usize) -> Vec<(String, u64, Vec<String>)> {
        self.by_seq
            .range(since + 1..)
            .take(limit)
            .filter_map(|(seq, id)| {
                let d = self.docs.get(id)?;
                Some((
                    id.clone(),
                    *seq,
                    d.leaves().into_iter().map(str::to_string).collect(),
                ))
            })
            .collect()
    }

    /// How many documents changed after local sequence `since`.
    pub fn count_since(&self, since: u64) -> usize {
        self.by_seq.range(since + 1..).count()
    }

    pub(crate) fn mark_pushed(&mut self, id: &str, up_to_seq: u64) {
        if let Some(d) = self.docs.get_mut(id) {
            if d.unpushed && d.seq <= up_to_seq {
                d.unpushed = false;
                self.dirty.insert(id.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn edits_grow_one_branch_and_replicate_as_new_edits_false() {
        let mut a = Replica::new("a");
        let r1 = a
            .put("x", Some(obj(json!({"modified": 1}))), Map::new())
            .unwrap();
        let r2 = a
            .put("x", Some(obj(json!({"modified": 2}))), Map::new())
            .unwrap();
        assert!(r1.starts_with("1-") && r2.starts_with("2-"));
        assert_eq!(
            a.put("x", Some(obj(json!({"modified": 2}))), Map::new()),
            None
        );
        let doc = a.get("x").unwrap();
        assert_eq!(doc.leaves(), vec![r2.as_str()]);
        let couch = doc.to_couch(&r2).unwrap();
        let mut b = Replica::new("b");
        assert_eq!(b.insert_replicated(&couch), Some(0));
        assert_eq!(b.insert_replicated(&couch), None);
        assert_eq!(b.get("x").unwrap().revs.len(), 2);
        assert_eq!(b.get("x").unwrap().visible(), a.get("x").unwrap().visible());
        assert_eq!(
            b.missing_revs("x", &[r1.clone(), "3-zz".into()]),
            vec!["3-zz".to_string()]
        );
        assert_eq!(a.changes_since(0, 10).len(), 1);
        assert_eq!(a.pending_changes(), 1);
    }

    /// Two devices that resolve the same conflict make the same deletion revision: no new
    /// conflict between them.
    #[test]
    fn resolving_is_deterministic_and_edit_vs_deletion_follows_time() {
        use marginalia_core::time::Timestamp;
        let mut a = Replica::new("a");
        a.put("x", Some(obj(json!({"modified": 1}))), Map::new());
        let base = a.get("x").unwrap().clone();
        let root = base.winner().unwrap().to_string();
        let mut b = Replica::restore(
            ReplicaMeta {
                id: "b".into(),
                ..Default::default()
            },
            [base],
        );
        let ra = a
            .put("x", Some(obj(json!({"modified": 5, "v": "a"}))), Map::new())
            .unwrap();
        let rb = b
            .put("x", Some(obj(json!({"modified": 9, "v": "b"}))), Map::new())
            .unwrap();
        let da = a.get("x").unwrap().to_couch(&ra).unwrap();
        let db = b.get("x").unwrap().to_couch(&rb).unwrap();
        assert_eq!(a.insert_replicated(&db), Some(1));
        assert_eq!(b.insert_replicated(&da), Some(1));
        let (xa, xb) = (a.get("x").unwrap(), b.get("x").unwrap());
        assert_eq!(
            xa.revs.keys().collect::<Vec<_>>(),
            xb.revs.keys().collect::<Vec<_>>()
        );
        assert_eq!(xa.visible().unwrap()["v"], "b");
        assert!(xa.revs.contains_key(&root));

        // A deletion at 10 beats B's edit at 9; an edit at 11 beats that deletion.
        let mut c = Replica::new("c");
        c.insert_replicated(&a.get("x").unwrap().to_couch(&rb).unwrap());
        let del = a.put("x", None, obj(json!({"deleted_at": 10}))).unwrap();
        let edit = c
            .put("x", Some(obj(json!({"modified": 9, "v": "c"}))), Map::new())
            .unwrap();
        c.insert_replicated(&a.get("x").unwrap().to_couch(&del).unwrap());
        assert!(c.get("x").unwrap().is_deleted(), "the later deletion wins");
        let mut d = Replica::new("d");
        d.insert_replicated(&a.get("x").unwrap().to_couch(&rb).unwrap());
        d.put(
            "x",
            Some(obj(json!({"modified": 11, "v": "d"}))),
            Map::new(),
        )
        .unwrap();
        d.insert_replicated(&a.get("x").unwrap().to_couch(&del).unwrap());
        assert_eq!(
            d.get("x").unwrap().visible().unwrap()["v"],
            "d",
            "the later edit wins"
        );
        let _ = (edit, Timestamp::from_millis(0));
    }
}
