//! The storage schema: annotations in IndexedDB, one record per annotation (layout at
//! [`DB_NAME`]), each record the annotation's serde form, with the format version in a meta record;
//! what one save writes ([`plan_save`]); decoding with clear refusals; the migration chain; and
//! merging another tab's stored state into this one.
//!
//! Earlier builds kept a document's annotations in one localStorage key holding a versioned
//! envelope, still read (and moved into the database) on start:
//!
//! ```json
//! {"version": 1, "doc": "pakistan-army-chief-iran", "annotations": [ … ]}
//! ```
//!
//! An annotation's `anchor` is never stored (it is worked out again on load with
//! [`anchor_all`]). The "v1" in the key names the key scheme; the format of the value is the
//! envelope's `version`, so old data is found under the same key and migrated with [`migrate`].
//! A value written by a *newer* build is refused ([`StorageError::NewerVersion`]) and must not
//! be overwritten ([`before_write`]); likewise a database whose meta record names a newer format
//! ([`check_meta`]).

use crate::anchor::anchor_with;
use crate::annotation::{Annotation, AnnotationSet};
use crate::article::Document;
use crate::time::Timestamp;
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The envelope format this build writes (and the newest it reads).
pub const STORAGE_VERSION: u64 = 1;

/// Every key Marginalia uses starts with this.
pub const KEY_PREFIX: &str = "marginalia/v1/";

/// The key holding a document's annotations: `marginalia/v1/doc/<doc id>`.
pub fn storage_key(doc_id: &str) -> String {
    format!("{KEY_PREFIX}doc/{doc_id}")
}

/// The key where a stored value that could not be read is set aside before anything is written
/// over it (`marginalia/v1/backup/<doc id>`), so unreadable data is never silently lost.
pub fn backup_key(doc_id: &str) -> String {
    format!("{KEY_PREFIX}backup/{doc_id}")
}

/// Why a stored value could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageError {
    /// Not JSON at all (truncated write, hand edits …).
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not an envelope of annotations.
    WrongShape(String),
    /// Written by a newer Marginalia: left alone, never overwritten.
    NewerVersion(u64),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::InvalidJson {
                line,
                column,
                message,
            } => write!(
                f,
                "the saved annotations are not valid JSON (line {line}, column {column}: {message})"
            ),
            StorageError::WrongShape(what) => {
                write!(
                    f,
                    "the saved annotations are not in the expected form: {what}"
                )
            }
            StorageError::NewerVersion(v) => write!(
                f,
                "the saved annotations were written by a newer version of Marginalia (format {v}; \
                 this version reads formats up to {STORAGE_VERSION}); they are left untouched"
            ),
        }
    }
}

impl std::error::Error for StorageError {}

/// serde_json's message without its trailing " at line L column C" (reported separately).
pub(crate) fn json_error_parts(e: &serde_json::Error) -> (usize, usize, String) {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    (e.line(), e.column(), message)
}

/// An annotation in the stored form, from an already parsed JSON value (an older envelope after
/// migration, an item of an imported backup). Through the text, so that the app carries one copy
/// of the annotation's reader (`from_str`, the common path) and not a second one for values; the
/// error is the reader's message without a position in that text.
pub(crate) fn annotation_from_value(item: &Value) -> Result<Annotation, String> {
    serde_json::from_str(&item.to_string()).map_err(|e| json_error_parts(&e).2)
}

/// The stored value for `annotations` of document `doc_id` (in the order given).
///
/// Serialised straight from the structs (no intermediate `serde_json::Value`: several times
/// faster on 10,000 annotations, see `benches/`).
pub fn encode<'a>(doc_id: &str, annotations: impl IntoIterator<Item = &'a Annotation>) -> String {
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        version: u64,
        doc: &'a str,
        annotations: Vec<&'a Annotation>,
    }
    let envelope = Envelope {
        version: STORAGE_VERSION,
        doc: doc_id,
        annotations: annotations.into_iter().collect(),
    };
    // Strings, numbers and derived structs only: serialising cannot fail.
    serde_json::to_string(&envelope).unwrap_or_default()
}

/// The IndexedDB database that holds annotations, one record per annotation (see [`plan_save`]).
///
/// * Store [`RECORDS_STORE`]: key `[doc id, annotation id]` → the annotation's serde form as a
///   JSON string ([`encode_record`]), so a change writes one small record, not the whole set.
/// * Store [`META_STORE`]: key doc id → `{"version": N}` ([`meta_value`]), written with every
///   save: a newer build's data is recognised ([`check_meta`]) and never written over.
/// * Store [`SET_ASIDE_STORE`]: key `[doc id, annotation id]` → records that could not be read,
///   moved there (never deleted) when the reader chooses to start fresh.
///
/// Data of earlier builds, one localStorage key per document ([`storage_key`]), is read on start,
/// written into the database and then removed from localStorage.
pub const DB_NAME: &str = "marginalia";
/// The database's schema version (object stores); the data's format is [`STORAGE_VERSION`].
pub const DB_VERSION: u32 = 1;
pub const RECORDS_STORE: &str = "annotations";
pub const META_STORE: &str = "meta";
pub const SET_ASIDE_STORE: &str = "set-aside";

/// One annotation's stored record (its serde form; the anchor is never stored).
pub fn encode_record(a: &Annotation) -> String {
    // Strings, numbers and derived structs only: serialising cannot fail.
    serde_json::to_string(a).unwrap_or_default()
}

/// Reads one record stored under `key_id`: the annotation, without its anchor.
pub fn decode_record(key_id: &str, raw: &str) -> Result<Annotation, StorageError> {
    let a: Annotation = serde_json::from_str(raw).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            let (line, column, message) = json_error_parts(&e);
            StorageError::InvalidJson {
                line,
                column,
                message,
            }
        } else {
            StorageError::WrongShape(e.to_string())
        }
    })?;
    if a.id != key_id {
        return Err(StorageError::WrongShape(format!(
            "the record stored for {key_id:?} is annotation {:?}",
            a.id
        )));
    }
    Ok(a)
}

/// A record that could not be read, as it was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedRecord {
    pub id: String,
    pub raw: String,
    pub error: StorageError,
}

/// A document's records, read: the annotations (unanchored) and any that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub annotations: Vec<Annotation>,
    pub damaged: Vec<DamagedRecord>,
}

/// Decodes a document's records, `(annotation id from the key, stored JSON)`.
pub fn decode_records(records: impl IntoIterator<Item = (String, String)>) -> Records {
    let mut out = Records::default();
    for (id, raw) in records {
        match decode_record(&id, &raw) {
            Ok(a) => out.annotations.push(a),
            Err(error) => out.damaged.push(DamagedRecord { id, raw, error }),
        }
    }
    out
}

/// The [`META_STORE`] value this build writes.
pub fn meta_value() -> String {
    format!("{{\"version\":{STORAGE_VERSION}}}")
}

/// Checks a document's [`META_STORE`] value (absent: nothing stored yet): its records may be
/// read and written only if this build knows their format.
pub fn check_meta(raw: Option<&str>) -> Result<(), StorageError> {
    let Some(raw) = raw else { return Ok(()) };
    let value: Value = serde_json::from_str(raw).map_err(|e| {
        let (line, column, message) = json_error_parts(&e);
        StorageError::InvalidJson {
            line,
            column,
            message,
        }
    })?;
    match version_of(&value)? {
        v if v > STORAGE_VERSION => Err(StorageError::NewerVersion(v)),
        _ => Ok(()),
    }
}

/// What one save writes: a record for every changed id still in the set, a deletion for every
/// changed id no longer in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavePlan {
    /// `(annotation id, record)`.
    pub puts: Vec<(String, String)>,
    pub deletes: Vec<String>,
}

impl SavePlan {
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }
}

/// The records to write for `changed` ids (see [`AnnotationSet::take_changed`]), and the
/// `modified` time of each put's annotation (in the order of the puts), found in the same look-up.
pub fn plan_save<'a>(
    set: &AnnotationSet,
    changed: impl IntoIterator<Item = &'a String>,
) -> (SavePlan, Vec<Timestamp>) {
    let mut plan = SavePlan::default();
    let mut modified = Vec::new();
    for id in changed {
        match set.get(id) {
            Some(a) => {
                plan.puts.push((id.clone(), encode_record(a)));
                modified.push(a.modified);
            }
            None => plan.deletes.push(id.clone()),
        }
    }
    (plan, modified)
}

/// A decoded envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The document id written in the envelope.
    pub doc: String,
    /// The annotations, unanchored (see [`anchor_all`]).
    pub annotations: Vec<Annotation>,
}

/// Reads a stored value: the annotations, without anchors.
pub fn decode(raw: &str) -> Result<Vec<Annotation>, StorageError> {
    decode_envelope(raw).map(|s| s.annotations)
}

/// How a JSON value is named in messages ("a list", "a string" ...).
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The envelope's format version.
pub(crate) fn version_of(v: &Value) -> Result<u64, StorageError> {
    let obj = v.as_object().ok_or_else(|| {
        StorageError::WrongShape(format!(
            "expected an object with version, doc and annotations, found {}",
            kind_of(v)
        ))
    })?;
    match obj.get("version") {
        None => Err(StorageError::WrongShape("it has no version".into())),
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| StorageError::WrongShape(format!("version {n} is not a whole number"))),
        Some(other) => Err(StorageError::WrongShape(format!(
            "version is {}, not a number",
            kind_of(other)
        ))),
    }
}

/// Reads a stored value: the document id and the annotations, without anchors.
pub fn decode_envelope(raw: &str) -> Result<Stored, StorageError> {
    // The common case, a well-formed envelope of this build's format, straight into the structs
    // (no intermediate JSON value: faster, and a fraction of the memory for 10,000 annotations).
    // Anything else takes the path below, which migrates older formats and words every refusal.
    #[derive(serde::Deserialize)]
    struct Envelope {
        version: u64,
        doc: String,
        annotations: Vec<Annotation>,
    }
    if let Ok(e) = serde_json::from_str::<Envelope>(raw) {
        if e.version == STORAGE_VERSION {
            return Ok(Stored {
                doc: e.doc,
                annotations: e.annotations,
            });
        }
    }
    let value: Value = serde_json::from_str(raw).map_err(|e| {
        let (line, column, message) = json_error_parts(&e);
        StorageError::InvalidJson {
            line,
            column,
            message,
        }
    })?;
    let version = version_of(&value)?;
    let mut value = migrate(value, version)?;
    let obj = value
        .as_object_mut()
        .ok_or_else(|| StorageError::WrongShape("the migrated value is not an object".into()))?;
    let doc = match obj.get("doc") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(StorageError::WrongShape(format!(
                "doc is {}, not a string",
                kind_of(other)
            )))
        }
        None => return Err(StorageError::WrongShape("it has no doc".into())),
    };
    let items = match obj.remove("annotations") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(StorageError::WrongShape(format!(
                "annotations is {}, not a list",
                kind_of(&other)
            )))
        }
        None => return Err(StorageError::WrongShape("it has no annotations".into())),
    };
    let annotations = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            annotation_from_value(&item)
                .map_err(|e| StorageError::WrongShape(format!("annotation {}: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Stored { doc, annotations })
}

/// One migration step: turns an envelope of version `n` into one of version `n + 1`.
pub type MigrationStep = fn(Value) -> Result<Value, StorageError>;

/// `STEPS[i]` turns version `i + 1` into version `i + 2`. Version 1 is the first format, so there
/// are none yet; format 2 adds one step here and bumps [`STORAGE_VERSION`].
const STEPS: &[MigrationStep] = &[];

const _: () = assert!(STEPS.len() as u64 + 1 == STORAGE_VERSION);

/// Brings an envelope of version `from_version` up to [`STORAGE_VERSION`], one step at a time.
/// A newer version is refused, never "migrated" down.
pub fn migrate(value: Value, from_version: u64) -> Result<Value, StorageError> {
    migrate_with(value, from_version, STEPS)
}

/// [`migrate`] with an explicit chain (`steps[i]` takes version `i + 1` to `i + 2`; the target is
/// `steps.len() + 1`).
pub fn migrate_with(
    mut value: Value,
    from_version: u64,
    steps: &[MigrationStep],
) -> Result<Value, StorageError> {
    let target = steps.len() as u64 + 1;
    if from_version == 0 {
        return Err(StorageError::WrongShape("version 0 does not exist".into()));
    }
    if from_version > target {
        return Err(StorageError::NewerVersion(from_version));
    }
    for (v, step) in (from_version..target).zip(&steps[(from_version - 1) as usize..]) {
        value = step(value)?;
        match value.as_object_mut() {
            Some(obj) => {
                obj.insert("version".into(), json!(v + 1));
            }
            None => {
                return Err(StorageError::WrongShape(format!(
                    "migrating from version {v} did not give an object"
                )))
            }
        }
    }
    Ok(value)
}

/// What the UI must do before writing a document's key, given what is stored there now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BeforeWrite {
    /// Nothing there, or a readable value: write.
    Write,
    /// An unreadable value: copy it to [`backup_key`] first, then write.
    BackUpFirst(StorageError),
    /// A newer Marginalia's data: do not write at all.
    Refuse(StorageError),
}

/// Decides whether the value stored under a document's key may be written over.
pub fn before_write(existing_raw: Option<&str>) -> BeforeWrite {
    match existing_raw.map(decode_envelope) {
        None | Some(Ok(_)) => BeforeWrite::Write,
        Some(Err(e @ StorageError::NewerVersion(_))) => BeforeWrite::Refuse(e),
        Some(Err(e)) => BeforeWrite::BackUpFirst(e),
    }
}

/// Anchors decoded annotations against the document's text (unanchored ones keep `None`).
pub fn anchor_all(doc: &Document, annotations: &mut [Annotation]) {
    // The text is prepared once, if any annotation needs it.
    let prepared = std::cell::OnceCell::new();
    for a in annotations {
        let anchored = anchor_with(doc.text(), &prepared, &a.quote, a.position);
        a.anchor = anchored.map(|x| x.span);
        a.identical_passages = anchored.map_or(0, |x| x.identical);
    }
}

/// Carries an earlier version's annotations over to `doc`: each targets `doc` now, is anchored
/// in its text and, where anchored, described anew from there ([`Annotation::redescribe`]), so
/// no card, Markdown or JSON keeps the old words while the highlight covers the new ones. The
/// unanchored keep their quote (the words to look for). Returns how many were anchored.
/// The earlier version's records are left as they were: its quotes are kept there.
pub fn carry_over(doc: &Document, annotations: &mut [Annotation]) -> usize {
    anchor_all(doc, annotations);
    let mut anchored = 0;
    for a in annotations.iter_mut() {
        a.source = doc.source_iri.clone();
        if a.anchor.is_some() {
            anchored += 1;
            a.redescribe(doc.text());
        }
    }
    anchored
}

/// A change as the annotation set takes it: (before, after).
pub type Change = (Option<Annotation>, Option<Annotation>);

/// Equal in every stored field (the anchor is derived, so it is ignored).
fn same_stored(a: &Annotation, b: &Annotation) -> bool {
    a.id == b.id
        && a.source == b.source
        && a.quote == b.quote
        && a.position == b.position
        && a.note == b.note
        && a.tags == b.tags
        && a.color == b.color
        && a.created == b.created
        && a.modified == b.modified
}

/// A save planned without the stored records at hand (the document closed while they were
/// still being read), reconciled with them (`(id, record)` as stored): a put goes ahead where
/// nothing is stored under its id or where it is the newer version ([`newer`]); a stored record
/// that cannot be read is left alone. Deletes stand (they name annotations made in this tab).
pub fn keep_newer(mut plan: SavePlan, stored: &[(String, String)]) -> SavePlan {
    let stored = latest_by_id(stored.iter().collect(), |(id, _)| id.as_str());
    plan.puts.retain(
        |(id, raw)| match find_by_id(&stored, id, |(id, _)| id.as_str()) {
            None => true,
            Some((_, old)) => match (decode_record(id, old), decode_record(id, raw)) {
                (Ok(old), Ok(new)) => std::ptr::eq(newer(&new, &old), &new),
                _ => false,
            },
        },
    );
    plan
}

/// Which of two versions of one annotation wins: the later `modified`; on a tie, the one whose
/// JSON is greater. Both tabs compare the same two values, so both pick the same winner.
pub fn newer<'a>(a: &'a Annotation, b: &'a Annotation) -> &'a Annotation {
    let order = a.modified.cmp(&b.modified).then_with(|| {
        let ja = serde_json::to_string(a).unwrap_or_default();
        let jb = serde_json::to_string(b).unwrap_or_default();
        ja.cmp(&jb)
    });
    if order == Ordering::Less {
        b
    } else {
        a
    }
}

/// The changes that bring `local` up to date with `remote`, another tab's whole saved state.
///
/// The rule (deterministic, by id, so nothing is ever duplicated):
///
/// * **Which annotations exist follows the remote state.** Every tab saves its complete state
///   immediately after each change and merges every save it is told of, so the remote value is
///   the newest complete state: an id present only remotely is added (another tab created it, or
///   undid its deletion); an id present only locally is removed (another tab deleted it, having
///   seen it — it could only have seen it through a save).
/// * **Contents of an id on both sides: last writer wins.** The version with the later `modified`
///   wins, a tie going to the greater serialized JSON; when the local version wins, nothing
///   changes here and the caller should save (see [`same_state`]) so other tabs catch up. Edits
///   to different annotations therefore both survive, and two edits of one resolve the same way in
///   every tab.
/// * Anchors are not stored: when the remote version wins and points at the same words, the
///   local anchor is kept; otherwise the remote annotation's own anchor is used, so callers
///   should run [`anchor_all`] on decoded annotations first.
/// * A remote list naming an id twice counts its last entry.
///
/// Limit: if two tabs save within the same instant, before either has heard of the other's save,
/// the presence of an annotation created or deleted in that instant follows whichever save is
/// merged; contents never regress. Changes come sorted by id.
pub fn merge_remote(local: &AnnotationSet, remote: Vec<Annotation>) -> Vec<Change> {
    let remote = latest_by_id(remote, |a| a.id.as_str());
    let mut changes = Vec::new();
    // Removed elsewhere.
    for ours in local.iter() {
        if find_by_id(&remote, &ours.id, |a| a.id.as_str()).is_none() {
            changes.push((Some(ours.clone()), None));
        }
    }
    changes.extend(
        remote
            .into_iter()
            .filter_map(|theirs| merge_one(local.get(&theirs.id), theirs)),
    );
    super::order::sort_by(&mut changes, |a, b| change_id(a).cmp(change_id(b)));
    changes
}

/// The change one stored version `theirs` makes to this tab's `ours`: added when there is none
/// here, taken when it is the newer ([`newer`]; the local anchor kept when it points at the same
/// words), nothing when they agree or ours wins.
fn merge_one(ours: Option<&Annotation>, mut theirs: Annotation) -> Option<Change> {
    let Some(ours) = ours else {
        return Some((None, Some(theirs)));
    };
    if same_stored(ours, &theirs) || std::ptr::eq(newer(ours, &theirs), ours) {
        return None;
    }
    if theirs.quote == ours.quote && theirs.position == ours.position {
        theirs.anchor = ours.anchor;
        theirs.identical_passages = ours.identical_passages;
    }
    Some((Some(ours.clone()), Some(theirs)))
}

/// The changes that bring `local` up to date with a few records as they now stand in storage
/// (`(id, None)`: removed there), when the rest of the stored state is known to be unchanged: a
/// sync that brought these records. The same rules as [`merge_remote`], for just these ids: a
/// record's contents follow the later `modified`, a removed record's annotation goes, an id
/// named twice counts its last entry. Only what reads the whole stored state could tell that an
/// id *not* named is gone; this never removes one. Changes come sorted by id; callers filter
/// them with [`keep_local_work`] as for a whole merge.
pub fn merge_records(
    local: &AnnotationSet,
    records: Vec<(String, Option<Annotation>)>,
) -> Vec<Change> {
    let records = latest_by_id(records, |(id, _)| id.as_str());
    records
        .into_iter()
        .filter_map(|(id, theirs)| match theirs {
            Some(theirs) if theirs.id == id => merge_one(local.get(&id), theirs),
            // A record whose annotation names another id is not this id's (never written so).
            Some(_) => None,
            None => local.get(&id).map(|ours| (Some(ours.clone()), None)),
        })
        .collect()
}

/// The ids among `records` (as [`merge_records`] takes them) where `set` and storage disagree
/// after the merge: what this tab must write so storage and the other tabs catch up.
pub fn differing_records(
    set: &AnnotationSet,
    records: &[(String, Option<Annotation>)],
) -> BTreeSet<String> {
    let latest = latest_by_id(records.iter().collect(), |(id, _)| id.as_str());
    let mut ids = BTreeSet::new();
    for (id, stored) in latest {
        let agree = match (set.get(id), stored) {
            (None, None) => true,
            (Some(ours), Some(theirs)) => same_stored(ours, theirs),
            _ => false,
        };
        if !agree {
            ids.insert(id.clone());
        }
    }
    ids
}

/// `list` sorted by id with one entry per id, the last one `list` gives for it (a list naming an
/// id twice counts its last entry). A sorted list and [`find_by_id`] instead of a map: the app
/// already carries this sort, and every map type is a copy of the map code of its own.
fn latest_by_id<T>(mut list: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<T> {
    // Stable: entries of one id stay in list order, so after reversing the latest comes first.
    super::order::sort_by(&mut list, |a, b| id(a).cmp(id(b)));
    list.reverse();
    list.dedup_by(|later, kept| id(later) == id(kept));
    list.reverse();
    list
}

/// The entry whose id is `wanted` in a list from [`latest_by_id`].
fn find_by_id<'l, T>(sorted: &'l [T], wanted: &str, id: impl Fn(&T) -> &str) -> Option<&'l T> {
    sorted
        .binary_search_by(|x| id(x).cmp(wanted))
        .ok()
        .and_then(|i| sorted.get(i))
}

fn change_id(c: &Change) -> &str {
    c.0.as_ref()
        .or(c.1.as_ref())
        .map(|a| a.id.as_str())
        .unwrap_or_default()
}

/// Keeps this tab's unpublished work out of a merge: removing an annotation this tab created or
/// changed since it last saw the stored value (or is editing now), or bringing back one this tab
/// deleted since. Changes of contents always go through (the later `modified` wins; never a
/// regression).
pub fn keep_local_work(
    changes: Vec<Change>,
    known: &HashMap<String, Timestamp>,
    editing: Option<&str>,
) -> Vec<Change> {
    changes
        .into_iter()
        .filter(|change| match change {
            (Some(ours), None) => {
                let published = known.get(&ours.id) == Some(&ours.modified);
                published && editing != Some(ours.id.as_str())
            }
            (None, Some(theirs)) => !known.contains_key(&theirs.id),
            _ => true,
        })
        .collect()
}

/// Does `set` hold exactly the annotations of `list` (ignoring anchors)? After a merge, a `false`
/// means some local version won and the caller should save so the other tabs catch up.
pub fn same_state(set: &AnnotationSet, list: &[Annotation]) -> bool {
    let latest = latest_by_id(list.iter().collect(), |a| a.id.as_str());
    latest.len() == set.len()
        && latest
            .iter()
            .all(|a| set.get(&a.id).is_some_and(|b| same_stored(a, b)))
}

/// The ids where `set` and the stored `list` disagree (only on one side, or different in a stored
/// field): after a merge, what this tab must write so storage and the other tabs catch up.
pub fn differing_ids(set: &AnnotationSet, list: &[Annotation]) -> BTreeSet<String> {
    let latest = latest_by_id(list.iter().collect(), |a| a.id.as_str());
    // Inserted one by one: collecting into a B-tree sorts first, with a copy of the sorting
    // code of its own (see `order`).
    let mut ids: BTreeSet<String> = BTreeSet::new();
    ids.extend(
        set.iter()
            .filter(|a| {
                !find_by_id(&latest, &a.id, |x| x.id.as_str()).is_some_and(|b| same_stored(a, b))
            })
            .map(|a| a.id.clone()),
    );
    ids.extend(
        latest
            .iter()
            .filter(|a| set.get(&a.id).is_none())
            .map(|a| a.id.clone()),
    );
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::{ChangeKind, Color};
    use crate::selector::describe;
    use crate::span::CharSpan;
    use crate::text::CharText;
    use crate::time::Timestamp;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_save_planned_before_reading_keeps_only_what_is_new_or_newer() {
        use crate::annotation::tests::sample;
        let text = CharText::new("one two three four five");
        let at = |id: &str, start: usize, modified: i64| {
            let mut a = sample(id, &text, CharSpan::new(start, start + 3));
            a.modified = Timestamp(modified);
            (a.id.clone(), encode_record(&a))
        };
        let stored = vec![
            at("urn:uuid:older-there", 0, 100),
            at("urn:uuid:newer-there", 4, 900),
            ("urn:uuid:damaged".to_string(), "{not json".to_string()),
        ];
        let plan = SavePlan {
            puts: vec![
                at("urn:uuid:older-there", 0, 500),
                at("urn:uuid:newer-there", 4, 500),
                at("urn:uuid:damaged", 8, 500),
                at("urn:uuid:new", 14, 500),
            ],
            deletes: vec!["urn:uuid:gone".into()],
        };
        let kept = keep_newer(plan.clone(), &stored);
        let ids: Vec<&str> = kept.puts.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["urn:uuid:older-there", "urn:uuid:new"]);
        assert_eq!(kept.puts[0], plan.puts[0]);
        assert_eq!(kept.deletes, ["urn:uuid:gone"]);
        // Nothing stored: the plan as it is.
        assert_eq!(keep_newer(plan.clone(), &[]), plan);
    }

    fn doc() -> Document {
        Document::new(
            "doc-1",
            "urn:test:doc-1",
            "Title",
            vec![
                crate::article::Block::paragraph("one two three four five"),
                crate::article::Block::paragraph("six 😀 seven"),
            ],
            None,
        )
    }

    fn ann(id: &str, text: &CharText, span: CharSpan, modified: i64) -> Annotation {
        let (quote, position) = describe(text, span);
        Annotation {
            id: id.into(),
            source: "urn:test:doc-1".into(),
            quote,
            position: Some(position),
            note: String::new(),
            tags: vec![],
            color: Color::Yellow,
            created: Timestamp(1_000),
            modified: Timestamp(modified),
            anchor: Some(span),
            identical_passages: 1,
        }
    }

    fn apply(set: &mut AnnotationSet, remote: Vec<Annotation>) -> Vec<Change> {
        let changes = merge_remote(set, remote);
        set.apply_external(changes.clone());
        changes
    }

    #[test]
    fn records_round_trip_and_bad_ones_are_reported_with_what_was_stored() {
        let text = doc().text().clone();
        let a = ann("urn:uuid:a", &text, CharSpan::new(0, 3), 5);
        let raw = encode_record(&a);
        let back = decode_record("urn:uuid:a", &raw).unwrap();
        assert_eq!(back.anchor, None);
        assert!(same_stored(&back, &a));
        let read = decode_records(vec![
            ("urn:uuid:a".to_string(), raw.clone()),
            (
                "urn:uuid:b".to_string(),
                "{\"id\": \"urn:uuid:b\", \"quo".to_string(),
            ),
            ("urn:uuid:c".to_string(), "[1, 2]".to_string()),
            ("urn:uuid:d".to_string(), raw.clone()),
        ]);
        assert_eq!(read.annotations.len(), 1);
        let errors: Vec<(&str, String)> = read
            .damaged
            .iter()
            .map(|d| (d.id.as_str(), d.error.to_string()))
            .collect();
        assert_eq!(errors.len(), 3);
        assert!(errors[0].1.contains("not valid JSON"), "{errors:?}");
        assert!(
            errors[1].1.contains("not in the expected form"),
            "{errors:?}"
        );
        assert!(
            errors[2].1.contains("is annotation \"urn:uuid:a\""),
            "{errors:?}"
        );
        assert_eq!(read.damaged[0].raw, "{\"id\": \"urn:uuid:b\", \"quo");
    }

    #[test]
    fn meta_refuses_a_newer_format_only() {
        assert_eq!(check_meta(None), Ok(()));
        assert_eq!(check_meta(Some(&meta_value())), Ok(()));
        assert_eq!(
            check_meta(Some("{\"version\": 99}")),
            Err(StorageError::NewerVersion(99))
        );
        assert!(matches!(
            check_meta(Some("{\"version\": \"x\"}")),
            Err(StorageError::WrongShape(_))
        ));
        assert!(matches!(
            check_meta(Some("{")),
            Err(StorageError::InvalidJson { .. })
        ));
    }

    #[test]
    fn a_save_writes_the_changed_records_and_deletes_the_removed_ones() {
        let text = doc().text().clone();
        let mut set = AnnotationSet::from_annotations(vec![
            ann("urn:uuid:a", &text, CharSpan::new(0, 3), 5),
            ann("urn:uuid:b", &text, CharSpan::new(4, 7), 5),
        ]);
        assert!(set.take_changed().is_empty());
        set.create(ann("urn:uuid:c", &text, CharSpan::new(8, 13), 6))
            .unwrap();
        set.delete("urn:uuid:a").unwrap();
        let changed = set.take_changed();
        let (plan, modified) = plan_save(&set, &changed);
        assert_eq!(plan.deletes, vec!["urn:uuid:a".to_string()]);
        assert_eq!(plan.puts.len(), 1);
        assert_eq!(modified, [Timestamp(6)]);
        assert_eq!(plan.puts[0].0, "urn:uuid:c");
        assert_eq!(
            decode_record("urn:uuid:c", &plan.puts[0].1).unwrap().id,
            "urn:uuid:c"
        );
    }

    #[test]
    fn differing_ids_are_what_a_save_must_write_after_a_merge() {
        let text = doc().text().clone();
        let a = ann("urn:uuid:a", &text, CharSpan::new(0, 3), 5);
        let b = ann("urn:uuid:b", &text, CharSpan::new(4, 7), 5);
        let c = ann("urn:uuid:c", &text, CharSpan::new(8, 13), 5);
        let mut b2 = b.clone();
        b2.note = "changed".into();
        b2.modified = Timestamp(9);
        let set = AnnotationSet::from_annotations(vec![a.clone(), b2]);
        assert!(differing_ids(&set, std::slice::from_ref(&a)).contains("urn:uuid:b"));
        let ids: Vec<String> = differing_ids(&set, &[a.clone(), b, c])
            .into_iter()
            .collect();
        assert_eq!(
            ids,
            vec!["urn:uuid:b".to_string(), "urn:uuid:c".to_string()]
        );
        let same: Vec<Annotation> = set.iter().cloned().collect();
        assert!(differing_ids(&set, &same).is_empty());
        assert!(same_state(&set, &same));
    }

    #[test]
    fn a_list_naming_an_id_twice_counts_its_last_entry() {
        let text = doc().text().clone();
        let a = ann("urn:uuid:a", &text, CharSpan::new(0, 3), 5);
        let b = ann("urn:uuid:b", &text, CharSpan::new(4, 7), 5);
        let mut b_old = b.clone();
        b_old.note = "older".into();
        b_old.modified = Timestamp(1);
        let mut b_new = b.clone();
        b_new.note = "newer".into();
        b_new.modified = Timestamp(9);
        let set = AnnotationSet::from_annotations(vec![a.clone(), b.clone()]);
        // The last entry wins even when an earlier one is the later edit.
        let list = vec![b_new.clone(), a.clone(), b.clone()];
        assert!(same_state(&set, &list));
        assert!(differing_ids(&set, &list).is_empty());
        assert!(merge_remote(&set, list).is_empty());
        let list = vec![b.clone(), a.clone(), b_old.clone(), b_new.clone()];
        assert!(!same_state(&set, &list));
        let ids: Vec<String> = differing_ids(&set, &list).into_iter().collect();
        assert_eq!(ids, ["urn:uuid:b"]);
        let changes = merge_remote(&set, list);
        assert_eq!(changes, vec![(Some(b.clone()), Some(b_new.clone()))]);
        // Only the remote side removes what it does not name; ids come back sorted.
        let c = ann("urn:uuid:c", &text, CharSpan::new(8, 13), 5);
        let changes = merge_remote(&set, vec![c.clone(), c.clone(), b.clone()]);
        assert_eq!(changes, vec![(Some(a), None), (None, Some(c))]);
    }

    #[test]
    fn a_few_records_merge_by_id_with_the_same_rules_as_the_whole_state() {
        let text = doc().text().clone();
        let a = ann("urn:uuid:a", &text, CharSpan::new(0, 3), 5);
        let b = ann("urn:uuid:b", &text, CharSpan::new(4, 7), 5);
        let c = ann("urn:uuid:c", &text, CharSpan::new(8, 13), 5);
        let set = AnnotationSet::from_annotations(vec![a.clone(), b.clone(), c.clone()]);
        let rec = |a: &Annotation| (a.id.clone(), Some(a.clone()));
        // A later edit is taken (the local anchor kept: same words); an earlier one is not.
        let mut b_new = b.clone();
        b_new.note = "from the server".into();
        b_new.modified = Timestamp(9);
        b_new.anchor = None;
        let mut c_old = c.clone();
        c_old.note = "stale".into();
        c_old.modified = Timestamp(1);
        let d = ann("urn:uuid:d", &text, CharSpan::new(14, 18), 5);
        let records = vec![
            rec(&d),
            rec(&b_new),
            rec(&c_old),
            ("urn:uuid:a".to_string(), None),
            ("urn:uuid:never-here".to_string(), None),
        ];
        let changes = merge_records(&set, records.clone());
        let mut b_taken = b_new.clone();
        b_taken.anchor = b.anchor;
        assert_eq!(
            changes,
            vec![
                (Some(a.clone()), None),
                (Some(b.clone()), Some(b_taken.clone())),
                (None, Some(d.clone())),
            ]
        );
        // Ids not named are left alone (a whole merge would remove them).
        assert!(merge_records(&set, vec![rec(&d)])
            .iter()
            .all(|(ours, _)| ours.is_none()));
        let mut merged = set.clone();
        merged.apply_external(changes);
        assert_eq!(merged.get("urn:uuid:b"), Some(&b_taken));
        assert!(merged.get("urn:uuid:a").is_none());
        // Where this tab's version won (c), storage must catch up; the rest agrees.
        let ids: Vec<String> = differing_records(&merged, &records).into_iter().collect();
        assert_eq!(ids, ["urn:uuid:c"]);
        assert!(
            merge_records(&merged, records).is_empty(),
            "twice changes nothing"
        );
        // An id named twice counts its last entry: here, removed.
        let changes = merge_records(&set, vec![rec(&b_new), ("urn:uuid:b".into(), None)]);
        assert_eq!(changes, vec![(Some(b.clone()), None)]);
        // A record under another annotation's id is not taken.
        assert!(merge_records(&set, vec![("urn:uuid:z".into(), Some(d.clone()))]).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Merging just the records that changed in storage reaches the same set as merging the
        /// whole stored state, whichever records changed and however.
        #[test]
        fn merging_the_changed_records_equals_merging_the_whole_state(
            edits in prop::collection::vec((0usize..8, 0u8..4, 0i64..20), 0..12)
        ) {
            let text = doc().text().clone();
            let spans = [(0, 3), (4, 7), (8, 13), (14, 18), (19, 23), (0, 7), (4, 13), (8, 18)];
            let at = |i: usize, m: i64| {
                let (s, e) = spans[i];
                ann(&format!("urn:uuid:{i}"), &text, CharSpan::new(s, e), m)
            };
            let local: Vec<Annotation> = (0..5).map(|i| at(i, 10)).collect();
            let set = AnnotationSet::from_annotations(local.clone());
            // Storage held what this tab holds; then some records changed there.
            let mut stored: BTreeMap<String, Annotation> =
                local.iter().map(|a| (a.id.clone(), a.clone())).collect();
            let mut records = Vec::new();
            for (i, op, m) in edits {
                let id = format!("urn:uuid:{i}");
                if op == 0 {
                    stored.remove(&id);
                    records.push((id, None));
                } else {
                    let mut a = at(i, m);
                    a.note = format!("edit {op}");
                    stored.insert(id.clone(), a.clone());
                    records.push((id, Some(a)));
                }
            }
            let whole = merge_remote(&set, stored.values().cloned().collect());
            let some = merge_records(&set, records);
            prop_assert_eq!(some, whole);
        }
    }

    #[test]
    fn an_item_already_parsed_reads_as_from_text_and_its_errors_carry_no_position() {
        let d = doc();
        let mut a = ann("urn:uuid:1", d.text(), CharSpan::new(4, 7), 5);
        a.note = "a \"note\" 😀".into();
        a.tags = vec!["x".into()];
        let value = serde_json::to_value(&a).unwrap();
        a.anchor = None;
        a.identical_passages = 0;
        assert_eq!(annotation_from_value(&value), Ok(a));
        let bad: Value = serde_json::from_str(r#"{"id": "x", "quote": {"exact": 5}}"#).unwrap();
        let e = annotation_from_value(&bad).unwrap_err();
        assert!(
            e.starts_with("invalid type: integer `5`, expected a string"),
            "{e}"
        );
        assert!(!e.contains("line"), "{e}");
    }

    #[test]
    fn keys_are_namespaced_per_document() {
        assert_eq!(storage_key("abc"), "marginalia/v1/doc/abc");
        assert_eq!(backup_key("abc"), "marginalia/v1/backup/abc");
        assert_ne!(storage_key("abc"), backup_key("abc"));
    }

    #[test]
    fn encode_then_decode_gives_the_annotations_back_without_anchors() {
        let d = doc();
        let mut a = ann("urn:uuid:1", d.text(), CharSpan::new(4, 7), 5);
        a.note = "a \"note\" with\nlines & <html> 😀".into();
        a.tags = vec!["x".into(), "y z".into()];
        a.color = Color::Purple;
        let mut b = ann("urn:uuid:2", d.text(), CharSpan::new(25, 30), 6);
        b.position = None;
        let raw = encode("doc-1", [&a, &b]);
        let v: Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["doc"], "doc-1");
        assert!(v["annotations"][0].get("anchor").is_none());
        let stored = decode_envelope(&raw).unwrap();
        assert_eq!(stored.doc, "doc-1");
        let mut back = stored.annotations;
        assert!(back.iter().all(|x| x.anchor.is_none()));
        anchor_all(&d, &mut back);
        assert_eq!(back, vec![a, b]);
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let e = decode("{\"version\": 1,").unwrap_err();
        assert!(
            matches!(e, StorageError::InvalidJson { line: 1, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("not valid JSON"), "{e}");
        assert!(!e.to_string().contains(" at line 1 column"), "{e}");

        for (raw, needle) in [
            ("[]", "found a list"),
            ("{}", "no version"),
            ("{\"version\": \"1\"}", "not a number"),
            ("{\"version\": 1.5}", "not a whole number"),
            (
                "{\"version\": 0, \"doc\": \"d\", \"annotations\": []}",
                "version 0",
            ),
            ("{\"version\": 1, \"annotations\": []}", "no doc"),
            (
                "{\"version\": 1, \"doc\": 3, \"annotations\": []}",
                "doc is a number",
            ),
            ("{\"version\": 1, \"doc\": \"d\"}", "no annotations"),
            (
                "{\"version\": 1, \"doc\": \"d\", \"annotations\": {}}",
                "not a list",
            ),
            (
                "{\"version\": 1, \"doc\": \"d\", \"annotations\": [{\"id\": \"x\"}]}",
                "annotation 1: missing field",
            ),
        ] {
            match decode(raw) {
                Err(e @ StorageError::WrongShape(_)) => {
                    assert!(e.to_string().contains(needle), "{raw}: {e}")
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_newer_version_is_refused_and_not_overwritten() {
        let raw = r#"{"version": 7, "doc": "d", "annotations": [{"future": true}]}"#;
        let e = decode(raw).unwrap_err();
        assert_eq!(e, StorageError::NewerVersion(7));
        assert!(e.to_string().contains("newer version"), "{e}");
        assert_eq!(before_write(Some(raw)), BeforeWrite::Refuse(e));
        assert_eq!(before_write(None), BeforeWrite::Write);
        assert_eq!(before_write(Some(&encode("d", []))), BeforeWrite::Write);
        assert!(matches!(
            before_write(Some("garbage")),
            BeforeWrite::BackUpFirst(StorageError::InvalidJson { .. })
        ));
        assert_eq!(
            migrate(json!({"version": 2}), 2),
            Err(StorageError::NewerVersion(2))
        );
    }

    /// Format 1 exactly as the first build wrote it (keys in serde_json's sorted order, times in
    /// epoch milliseconds), plus a hand-trimmed item that leaves out every optional field: both
    /// must keep reading in every later build (through the migration chain once there is one).
    const FIXTURE_V1: &str = r#"{"annotations":[{"color":"pink","created":1764291600000,"id":"urn:uuid:5b0c7d1e-8a44-4d7e-9f3a-2c6e1b7a9d10","modified":1764291660500,"note":"a <b>note</b> & 😀","position":{"end":7,"start":4},"quote":{"exact":"two","prefix":"one ","suffix":" three four five\n\nsix 😀 seven"},"source":"urn:test:doc-1","tags":["x","y z"]},{"created":1764291700000,"id":"urn:uuid:minimal","modified":1764291700000,"quote":{"exact":"😀 seven"},"source":"urn:test:doc-1"}],"doc":"doc-1","version":1}"#;

    #[test]
    fn a_format_1_fixture_reads_back() {
        let stored = decode_envelope(FIXTURE_V1).unwrap();
        assert_eq!(stored.doc, "doc-1");
        let mut list = stored.annotations;
        anchor_all(&doc(), &mut list);
        let [full, minimal] = &list[..] else {
            panic!("{list:?}")
        };
        assert_eq!(full.note, "a <b>note</b> & 😀");
        assert_eq!(full.tags, ["x", "y z"]);
        assert_eq!(full.color, Color::Pink);
        assert_eq!(full.modified, Timestamp(1_764_291_660_500));
        assert_eq!(full.anchor, Some(CharSpan::new(4, 7)));
        assert_eq!(minimal.position, None);
        assert_eq!((minimal.note.as_str(), minimal.tags.len()), ("", 0));
        assert_eq!(minimal.color, Color::Yellow);
        assert_eq!(minimal.anchor, Some(CharSpan::new(29, 36)));
        assert_eq!(before_write(Some(FIXTURE_V1)), BeforeWrite::Write);
        // This build writes the same format back, with the same fields.
        let again: Value = serde_json::from_str(&encode("doc-1", &list)).unwrap();
        let fixture: Value = serde_json::from_str(FIXTURE_V1).unwrap();
        assert_eq!(again["annotations"][0], fixture["annotations"][0]);
        assert_eq!(again["version"], fixture["version"]);
    }

    #[test]
    fn the_migration_chain_runs_each_step_in_order() {
        fn v1_to_v2(mut v: Value) -> Result<Value, StorageError> {
            // A pretend format 2 that renames "annotations" to "items".
            let items = v["annotations"].take();
            v["items"] = items;
            v.as_object_mut().map(|o| o.remove("annotations"));
            Ok(v)
        }
        fn v2_to_v3(mut v: Value) -> Result<Value, StorageError> {
            v["stamp"] = json!("v3");
            Ok(v)
        }
        let steps: &[MigrationStep] = &[v1_to_v2, v2_to_v3];
        let v1 = json!({"version": 1, "doc": "d", "annotations": [1]});
        let v3 = migrate_with(v1, 1, steps).unwrap();
        assert_eq!(
            v3,
            json!({"version": 3, "doc": "d", "items": [1], "stamp": "v3"})
        );
        let from2 = migrate_with(json!({"version": 2, "items": []}), 2, steps).unwrap();
        assert_eq!(from2["version"], 3);
        assert_eq!(from2["stamp"], "v3");
        assert_eq!(
            migrate_with(json!({}), 4, steps),
            Err(StorageError::NewerVersion(4))
        );
        // Version 1 is current: migrating it changes nothing.
        let same = json!({"version": 1, "doc": "d", "annotations": []});
        assert_eq!(migrate(same.clone(), 1), Ok(same));
    }

    #[test]
    fn the_direct_decoder_and_the_migrating_one_agree() {
        let d = doc();
        let t = d.text();
        let mut a = ann("a", t, CharSpan::new(0, 3), 10);
        a.note = "n".into();
        a.tags = vec!["x".into()];
        let b = ann("b", t, CharSpan::new(4, 7), 11);
        let raw = encode("doc-1", [&a, &b]);
        let direct = decode_envelope(&raw).unwrap();
        // The same value with its keys reordered and an unknown key, which the direct path also
        // reads, and with a duplicate key, which only the migrating path accepts (last one wins).
        let value: Value = serde_json::from_str(&raw).unwrap();
        let via_value = decode_envelope(&format!(
            "{{\"annotations\": {}, \"extra\": 1, \"doc\": \"x\", \"doc\": \"doc-1\", \"version\": 1}}",
            value["annotations"]
        ))
        .unwrap();
        assert_eq!(direct, via_value);
        let mut plain = [a, b];
        for x in &mut plain {
            x.anchor = None;
            x.identical_passages = 0;
        }
        assert_eq!(direct.annotations, plain);
        assert_eq!(direct.doc, "doc-1");
    }

    #[test]
    fn unpublished_local_work_is_kept_out_of_a_merge() {
        let d = doc();
        let t = d.text();
        let published = ann("p", t, CharSpan::new(0, 3), 10);
        let created_here = ann("new", t, CharSpan::new(4, 7), 12);
        let edited_here = ann("e", t, CharSpan::new(8, 11), 15);
        let deleted_here = ann("gone", t, CharSpan::new(12, 14), 10);
        let editing = ann("ed", t, CharSpan::new(15, 18), 10);
        let changed_there = ann("c", t, CharSpan::new(19, 21), 30);
        // What this tab last saw in storage.
        let known: HashMap<String, Timestamp> =
            [("p", 10), ("e", 10), ("gone", 10), ("ed", 10), ("c", 20)]
                .into_iter()
                .map(|(id, m)| (id.to_string(), Timestamp(m)))
                .collect();
        let mut older_c = changed_there.clone();
        older_c.modified = Timestamp(20);
        let changes = vec![
            (Some(published.clone()), None),    // removed in the other tab: goes
            (Some(created_here.clone()), None), // never saved here: stays
            (Some(edited_here.clone()), None),  // edited since it was saved: stays
            (None, Some(deleted_here.clone())), // deleted here since: stays deleted
            (Some(editing.clone()), None),      // its note is open in the editor: stays
            (Some(older_c), Some(changed_there.clone())), // contents: always go through
        ];
        let kept = keep_local_work(changes, &known, Some("ed"));
        let ids: Vec<&str> = kept.iter().map(change_id).collect();
        assert_eq!(ids, ["p", "c"]);
        assert_eq!(kept[1].1.as_ref().unwrap().modified, Timestamp(30));
    }

    #[test]
    fn edits_to_different_annotations_both_survive() {
        let d = doc();
        let t = d.text();
        let base = vec![
            ann("a", t, CharSpan::new(0, 3), 10),
            ann("b", t, CharSpan::new(4, 7), 10),
        ];
        // This tab edited a; the other tab edited b (and had not seen our edit yet).
        let mut ours = AnnotationSet::from_annotations(base.clone());
        ours.update("a", ChangeKind::EditNote, Timestamp(20), |x| {
            x.note = "mine".into()
        })
        .unwrap();
        let mut theirs = base.clone();
        theirs[1].note = "theirs".into();
        theirs[1].modified = Timestamp(21);
        let changes = apply(&mut ours, theirs.clone());
        assert_eq!(changes.len(), 1);
        assert_eq!(ours.get("a").unwrap().note, "mine");
        assert_eq!(ours.get("b").unwrap().note, "theirs");
        // Anchor kept from the local copy.
        assert_eq!(ours.get("b").unwrap().anchor, Some(CharSpan::new(4, 7)));
        // Our version of a won, so we must save for the other tab to catch up.
        assert!(!same_state(&ours, &theirs));
        // The other tab merging our save reaches the same state.
        let mut other = AnnotationSet::from_annotations(theirs);
        apply(&mut other, ours.iter().cloned().collect());
        assert!(same_state(
            &other,
            &ours.iter().cloned().collect::<Vec<_>>()
        ));
    }

    #[test]
    fn edits_to_the_same_annotation_resolve_the_same_way_everywhere() {
        let d = doc();
        let t = d.text();
        let mut x = ann("a", t, CharSpan::new(0, 3), 10);
        x.note = "left".into();
        let mut y = x.clone();
        y.note = "right".into();
        // Later modified wins.
        y.modified = Timestamp(11);
        let mut set = AnnotationSet::from_annotations([x.clone()]);
        apply(&mut set, vec![y.clone()]);
        assert_eq!(set.get("a").unwrap().note, "right");
        let mut set = AnnotationSet::from_annotations([y.clone()]);
        assert!(apply(&mut set, vec![x.clone()]).is_empty());
        // A tie goes to the greater JSON, whichever side holds it.
        y.modified = Timestamp(10);
        let mut left = AnnotationSet::from_annotations([x.clone()]);
        apply(&mut left, vec![y.clone()]);
        let mut right = AnnotationSet::from_annotations([y.clone()]);
        apply(&mut right, vec![x.clone()]);
        assert_eq!(left.get("a").unwrap().note, right.get("a").unwrap().note);
        assert_eq!(left.get("a").unwrap().note, "right"); // "r" > "l"
    }

    #[test]
    fn presence_follows_the_remote_state() {
        let d = doc();
        let t = d.text();
        let a = ann("a", t, CharSpan::new(0, 3), 10);
        let b = ann("b", t, CharSpan::new(4, 7), 10);
        let c = ann("c", t, CharSpan::new(8, 13), 10);
        let mut set = AnnotationSet::from_annotations([a.clone(), b.clone()]);
        // The other tab deleted b and created c.
        let changes = apply(&mut set, vec![a.clone(), c.clone(), c.clone()]);
        assert_eq!(
            changes,
            vec![(Some(b.clone()), None), (None, Some(c.clone()))]
        );
        let mut ids: Vec<_> = set.iter().map(|x| x.id.clone()).collect();
        ids.sort();
        assert_eq!(ids, ["a", "c"]);
        assert!(same_state(&set, &[a.clone(), c.clone()]));
        // Merging the same state again changes nothing.
        assert!(merge_remote(&set, vec![a, c]).is_empty());
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        let keys = prop_oneof![
            Just("version".to_string()),
            Just("doc".to_string()),
            Just("annotations".to_string()),
            Just("id".to_string()),
            Just("quote".to_string()),
            Just("exact".to_string()),
            Just("created".to_string()),
            "[a-z]{1,6}",
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn decode_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let raw = String::from_utf8_lossy(&bytes);
            let _ = decode(&raw);
            let _ = before_write(Some(&raw));
        }

        #[test]
        fn decode_never_panics_on_json(v in any_json(), version in 0u64..4) {
            let _ = decode(&v.to_string());
            let wrapped = json!({"version": version, "doc": "d", "annotations": [v]});
            let _ = decode(&wrapped.to_string());
        }
    }

    /// Fuzzing of the two parsers that read untrusted text: the storage decoder (whatever another
    /// tab, version or hand edit left in localStorage) and the import parser (any file a reader
    /// drops). Neither may panic; what they accept must survive the rest of the load path
    /// (anchoring, merging). `MARGINALIA_FUZZ_CASES` sets the cases per property: a bounded 256
    /// in `make test`, many more in `make fuzz`.
    mod fuzz {
        use super::*;
        use crate::w3c;

        fn cases() -> u32 {
            std::env::var("MARGINALIA_FUZZ_CASES")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(256)
        }

        fn config() -> ProptestConfig {
            ProptestConfig {
                cases: cases(),
                max_shrink_iters: 2048,
                ..ProptestConfig::default()
            }
        }

        /// Strings a hostile or careless writer might put anywhere.
        fn nasty() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("<img src=x onerror=\"window.__pwned=1\">".to_string()),
                Just("<script>window.__pwned=1</script>".to_string()),
                Just("javascript:window.__pwned=1".to_string()),
                Just("\u{202e}\u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{627}\u{644}\u{639}\u{631}\u{628}\u{64a}\u{629}".to_string()),
                Just("👩‍👩‍👧‍👦🏳️‍🌈 e\u{301}".to_string()),
                Just("\u{0}\u{1}\u{7}\u{1b}[31m\u{7f}\u{85}\u{2028}\u{feff}".to_string()),
                Just("\"},{\"id\":\"injected\"}]}".to_string()),
                Just("x".repeat(5000)),
                any::<String>(),
                "\\PC{0,40}",
            ]
        }

        fn hostile_annotation(text: CharText) -> impl Strategy<Value = Annotation> {
            let len = text.len_chars();
            (
                (nasty(), 0..len, 0usize..40, any::<bool>()),
                (nasty(), nasty(), prop::collection::vec(nasty(), 0..3)),
                (
                    any::<i64>(),
                    any::<i64>(),
                    prop::sample::select(Color::ALL.to_vec()),
                ),
            )
                .prop_map(
                    move |((id, start, n, real_quote), (note, exact, tags), (c, m, color))| {
                        let span = CharSpan::new(start, (start + n).min(len));
                        let (mut quote, position) = describe(&text, span);
                        if !real_quote {
                            quote.exact = exact;
                        }
                        Annotation {
                            id,
                            source: "urn:test:doc-1".into(),
                            quote,
                            position: Some(position),
                            note,
                            tags,
                            color,
                            created: Timestamp(c),
                            modified: Timestamp(m),
                            anchor: None,
                            identical_passages: 0,
                        }
                    },
                )
        }

        /// Damage done to a valid stored value: a cut, a lost or stray byte, a repeated slice.
        #[derive(Clone, Debug)]
        enum Mutation {
            Truncate(usize),
            Delete(usize, usize),
            Insert(usize, u8),
            Flip(usize, u8),
            Repeat(usize, usize),
        }

        fn mutation() -> impl Strategy<Value = Mutation> {
            prop_oneof![
                any::<usize>().prop_map(Mutation::Truncate),
                (any::<usize>(), 1usize..16).prop_map(|(a, n)| Mutation::Delete(a, n)),
                (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
                (any::<usize>(), 1u8..=255).prop_map(|(a, b)| Mutation::Flip(a, b)),
                (any::<usize>(), 1usize..64).prop_map(|(a, n)| Mutation::Repeat(a, n)),
            ]
        }

        fn mutate(raw: &str, mutations: &[Mutation]) -> String {
            let mut bytes = raw.as_bytes().to_vec();
            for m in mutations {
                let len = bytes.len().max(1);
                match *m {
                    Mutation::Truncate(at) => bytes.truncate(at % len),
                    Mutation::Delete(at, n) => {
                        let at = (at % len).min(bytes.len());
                        let end = (at + n).min(bytes.len());
                        bytes.drain(at..end);
                    }
                    Mutation::Insert(at, b) => bytes.insert((at % len).min(bytes.len()), b),
                    Mutation::Flip(at, b) => {
                        if let Some(x) = bytes.get_mut(at % len) {
                            *x ^= b;
                        }
                    }
                    Mutation::Repeat(at, n) => {
                        let at = (at % len).min(bytes.len());
                        let end = (at + n).min(bytes.len());
                        let slice = bytes[at..end].to_vec();
                        bytes.splice(at..at, slice);
                    }
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }

        /// The UI's load path after decoding: anchor, merge into a set, compare.
        fn load_path(d: &Document, raw: &str) {
            let _ = before_write(Some(raw));
            if let Ok(mut list) = decode(raw) {
                anchor_all(d, &mut list);
                let mut set = AnnotationSet::from_annotations(list.clone().into_iter().take(3));
                let changes = merge_remote(&set, list.clone());
                set.apply_external(changes);
                assert!(
                    same_state(&set, &list),
                    "a merge must reach the remote state"
                );
                assert!(
                    merge_remote(&set, list).is_empty(),
                    "merging twice changes nothing"
                );
            }
        }

        fn import_path(d: &Document, raw: &str) {
            let existing = AnnotationSet::from_annotations(sample(d));
            let mut n = 0;
            let mut ids = || {
                n += 1;
                format!("urn:uuid:new-{n}")
            };
            if let Ok(plan) = w3c::import(d, raw, &existing, Timestamp(0), &mut ids) {
                assert_eq!(
                    plan.to_add.len() + plan.already_present.len() + plan.rejected.len(),
                    plan.items
                );
            }
        }

        fn sample(d: &Document) -> Vec<Annotation> {
            let t = d.text();
            let mut a = ann("urn:uuid:a", t, CharSpan::new(4, 7), 10);
            a.note = "<img src=x onerror=alert(1)>".into();
            let b = ann("urn:uuid:b", t, CharSpan::new(24, 29), 11);
            vec![a, b]
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn storage_decoder_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
                load_path(&doc(), &String::from_utf8_lossy(&bytes));
            }

            #[test]
            fn storage_decoder_on_strings(raw in any::<String>()) {
                load_path(&doc(), &raw);
            }

            #[test]
            fn storage_decoder_on_json(v in any_json(), version in 0u64..4, field in 0usize..12) {
                let d = doc();
                load_path(&d, &v.to_string());
                load_path(&d, &json!({"version": version, "doc": "doc-1", "annotations": [v.clone()]}).to_string());
                // A good annotation with one field replaced by arbitrary JSON.
                let mut good = serde_json::to_value(&sample(&d)[0]).unwrap();
                let keys = ["id", "source", "quote", "position", "note", "tags", "color", "created", "modified", "exact", "start", "end"];
                let key = keys[field];
                if let Some(obj) = good.as_object_mut() {
                    match key {
                        "exact" => { good["quote"]["exact"] = v.clone(); }
                        "start" | "end" => { good["position"][key] = v.clone(); }
                        _ => { obj.insert(key.to_string(), v.clone()); }
                    }
                }
                load_path(&d, &json!({"version": 1, "doc": "doc-1", "annotations": [good]}).to_string());
            }

            #[test]
            fn storage_decoder_on_damaged_values(
                list in prop::collection::vec(hostile_annotation(doc().text().clone()), 0..4),
                mutations in prop::collection::vec(mutation(), 1..4),
            ) {
                let d = doc();
                let raw = encode("doc-1", &list);
                load_path(&d, &mutate(&raw, &mutations));
            }

            #[test]
            fn hostile_text_round_trips_through_storage(
                list in prop::collection::vec(hostile_annotation(doc().text().clone()), 0..5),
            ) {
                let raw = encode("doc-1", &list);
                let stored = decode_envelope(&raw).unwrap();
                prop_assert_eq!(stored.doc, "doc-1");
                prop_assert_eq!(stored.annotations, list);
            }

            #[test]
            fn import_parser_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
                import_path(&doc(), &String::from_utf8_lossy(&bytes));
            }

            #[test]
            fn import_parser_on_json(v in any_json()) {
                let d = doc();
                for wrapped in [
                    v.clone(),
                    json!([v.clone()]),
                    json!({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection",
                           "first": {"type": "AnnotationPage", "items": [v.clone()]}}),
                    json!({"rows": [v.clone()], "total": 1}),
                    json!({"version": 1, "doc": "doc-1", "annotations": [v.clone()]}),
                    json!({"type": "Annotation", "target": {"source": "urn:test:doc-1", "selector": v.clone()}, "body": v.clone()}),
                    json!({"type": "Annotation", "target": v.clone(), "body": {"type": "TextualBody", "value": v.clone()}}),
                ] {
                    import_path(&d, &wrapped.to_string());
                }
            }

            #[test]
            fn import_parser_on_damaged_exports(
                list in prop::collection::vec(hostile_annotation(doc().text().clone()), 0..4),
                mutations in prop::collection::vec(mutation(), 1..4),
            ) {
                let d = doc();
                let mut list = list;
                anchor_all(&d, &mut list);
                let refs: Vec<&Annotation> = list.iter().collect();
                let export = w3c::to_string_pretty(&w3c::export_collection(&d, &refs, Timestamp(5)));
                import_path(&d, &export);
                import_path(&d, &mutate(&export, &mutations));
                import_path(&d, &mutate(&encode("doc-1", &list), &mutations));
            }
        }
    }
}
