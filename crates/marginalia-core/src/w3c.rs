//! W3C Web Annotation export and import.
//!
//! **Export** ([`export_text`]; [`export_collection`] is the same as a `Value`) writes an
//! `AnnotationCollection` with one embedded `AnnotationPage`. Each item targets the document by a `TextQuoteSelector` and (when known) a
//! `TextPositionSelector` in code points, carries its colour as the target's `styleClass` plus an
//! embedded `CssStylesheet`, its note as a `TextualBody` (purpose `commenting`) and each tag as a
//! `TextualBody` (purpose `tagging`). An annotation with neither has no `body` at all. Embedded
//! items carry no `@context` of their own: they inherit the collection's, as JSON-LD defines.
//!
//! **Import** ([`import`]) reads Marginalia's own download, any W3C Web Annotation JSON (one
//! annotation, a list, a collection or a page), a Hypothesis export, or Marginalia's storage
//! envelope. Every item is checked first and the result is an [`ImportPlan`] the caller applies
//! as one undoable step. Imported annotations target this document (`source` is set to
//! `doc.source_iri`) and are anchored against its text by [`anchor`]; those found with other
//! words are described anew from where they were found. [`ImportRun::route`] first sorts a
//! file's items by the document they target, so none is forced onto the wrong one. A lone
//! surrogate escape in the file is read as U+FFFD ([`replace_lone_surrogates`]); bodies are
//! kept as meant, and whatever is not kept is reported ([`ImportPlan::details`]).
//!
//! The export writes a `TextPositionSelector` only where the text there is the quote's `exact`.

use crate::anchor::{anchor, AnchorMethod};
use crate::annotation::{Annotation, AnnotationSet, Color};
use crate::article::Document;
use crate::percent;
use crate::selector::{describe, TextPositionSelector, TextQuoteSelector};
use crate::span::CharSpan;
use crate::storage::{self, StorageError};
use crate::text::Megabytes;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// The Web Annotation JSON-LD context.
pub const ANNO_CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// Largest file [`import`] reads: 20 MB.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// Marginalia's collection ids start with this.
pub const COLLECTION_PREFIX: &str = "urn:marginalia:collection:";

/// Ids that are not URIs are written as this prefix plus the percent-encoded id, and read back.
const ENCODED_ID_PREFIX: &str = "urn:marginalia:id:";

/// Where Hypothesis ids (not URIs themselves) live on the web.
const HYPOTHESIS_PREFIX: &str = "https://hypothes.is/a/";

/// The highlight colour of each class, as the light theme draws it.
pub fn css_background(c: Color) -> &'static str {
    match c {
        Color::Yellow => "#ffe682",
        Color::Green => "#b9efb0",
        Color::Blue => "#b8dcff",
        Color::Pink => "#ffc4de",
        Color::Purple => "#dccbff",
    }
}

/// `.hl-yellow { background-color: #ffe682; }`
pub fn css_rule(c: Color) -> String {
    format!(
        ".{} {{ background-color: {}; }}",
        c.style_class(),
        css_background(c)
    )
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_uri_char(b: u8) -> bool {
    is_unreserved(b) || b"!$&'()*+,;=:@/?".contains(&b)
}

/// A conservative check that `s` is an absolute URI (RFC 3986) — what the W3C schemas' "uri"
/// format accepts. Some valid URIs are refused (IP literals), never the other way round.
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.bytes();
    if !sc.next().is_some_and(|b| b.is_ascii_alphabetic())
        || !sc.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let (before_frag, frag) = match rest.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let chars_ok = |part: &str| {
        let b = part.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
                {
                    return false;
                }
                i += 3;
            } else if is_uri_char(b[i]) {
                i += 1;
            } else {
                return false;
            }
        }
        true
    };
    if !chars_ok(before_frag) || !frag.is_none_or(chars_ok) {
        return false;
    }
    // The authority, if any: [userinfo@]host[:port], port all digits, host without ':' or '@'.
    if let Some(after) = before_frag.strip_prefix("//") {
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let authority = &after[..end];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match host_port.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            Some(_) => return false,
            None => host_port,
        };
        if host.contains([':', '@']) {
            return false;
        }
    }
    true
}

/// The IRI written for an annotation id: the id itself when it is a URI, else an encoded URN that
/// [`import`] turns back into the same id.
pub fn export_id(id: &str) -> String {
    if is_uri(id) && !id.starts_with(ENCODED_ID_PREFIX) {
        id.to_string()
    } else {
        format!(
            "{ENCODED_ID_PREFIX}{}",
            percent::encode(id, percent::UNRESERVED)
        )
    }
}

fn import_id(iri: &str) -> String {
    iri.strip_prefix(ENCODED_ID_PREFIX)
        .and_then(percent::try_decode)
        .unwrap_or_else(|| iri.to_string())
}

/// Does a target `source` name `doc`: its IRI, or its canonical address?
fn is_this_document(doc: &Document, source: &str) -> bool {
    source == doc.source_iri || doc.about.url.as_deref() == Some(source)
}

/// `urn:marginalia:collection:<doc id>`
pub fn collection_id(doc: &Document) -> String {
    format!(
        "{COLLECTION_PREFIX}{}",
        percent::encode(&doc.id, percent::UNRESERVED)
    )
}

/// The target's `source`: the page's canonical address when the document knows it (so other
/// tools find the annotations on the page itself), else the annotation's own.
fn source_of(doc: &Document, a: &Annotation) -> String {
    if let Some(url) = doc.about.url.as_deref().filter(|u| is_uri(u)) {
        url.to_string()
    } else if is_uri(&a.source) {
        a.source.clone()
    } else if is_uri(&doc.source_iri) {
        doc.source_iri.clone()
    } else {
        format!(
            "urn:marginalia:doc:{}",
            percent::encode(&doc.id, percent::UNRESERVED)
        )
    }
}

// The export's shapes, borrowing from the annotations: written straight to text by
// [`export_text`] (no `Value` tree of ~20 maps per annotation, which was the export's main
// cost), and turned into a `Value` by [`export_collection`] for callers that
// inspect it. Fields stand in alphabetical order, the order a `Value` map keeps, so the two
// write the same text (a property test checks it).

#[derive(Serialize)]
struct CollectionOut<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    created: String,
    first: PageOut<'a>,
    id: &'a str,
    label: &'a str,
    total: usize,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct PageOut<'a> {
    id: String,
    items: Vec<ItemOut<'a>>,
    #[serde(rename = "partOf")]
    part_of: PartOfOut<'a>,
    #[serde(rename = "startIndex")]
    start_index: usize,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct PartOfOut<'a> {
    id: &'a str,
    label: &'a str,
    total: usize,
}

#[derive(Serialize)]
struct ItemOut<'a> {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    context: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    body: Vec<BodyOut<'a>>,
    created: String,
    id: String,
    modified: String,
    motivation: &'static str,
    stylesheet: StylesheetOut,
    target: TargetOut<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct BodyOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
    purpose: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct StylesheetOut {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

#[derive(Serialize)]
struct TargetOut<'a> {
    selector: Vec<SelectorOut<'a>>,
    source: String,
    #[serde(rename = "styleClass")]
    style_class: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum SelectorOut<'a> {
    Quote {
        exact: &'a str,
        prefix: &'a str,
        suffix: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Position {
        end: usize,
        start: usize,
        #[serde(rename = "type")]
        kind: &'static str,
    },
}

impl<'a> ItemOut<'a> {
    fn of(doc: &Document, a: &'a Annotation, context: Option<&'static str>) -> Self {
        let mut selector = vec![SelectorOut::Quote {
            exact: &a.quote.exact,
            prefix: &a.quote.prefix,
            suffix: &a.quote.suffix,
            kind: "TextQuoteSelector",
        }];
        if let Some(p) = agreeing_position(doc, a) {
            selector.push(SelectorOut::Position {
                end: p.end,
                start: p.start,
                kind: "TextPositionSelector",
            });
        }
        let mut body = Vec::new();
        if !a.note.is_empty() {
            body.push(BodyOut {
                format: Some("text/plain"),
                purpose: "commenting",
                kind: "TextualBody",
                value: &a.note,
            });
        }
        body.extend(a.tags.iter().map(|tag| BodyOut {
            format: None,
            purpose: "tagging",
            kind: "TextualBody",
            value: tag,
        }));
        ItemOut {
            context,
            body,
            created: a.created.to_rfc3339(),
            id: export_id(&a.id),
            modified: a.modified.to_rfc3339(),
            motivation: a.motivation(),
            stylesheet: StylesheetOut {
                kind: "CssStylesheet",
                value: css_rule(a.color),
            },
            target: TargetOut {
                selector,
                source: source_of(doc, a),
                style_class: a.color.style_class(),
            },
            kind: "Annotation",
        }
    }
}

/// The position to export: the stored one only where the document's text is the quote's
/// `exact`, so the two selectors never describe different words.
fn agreeing_position(doc: &Document, a: &Annotation) -> Option<TextPositionSelector> {
    let text = doc.text().chars();
    let exact = &a.quote.exact;
    a.position.filter(|p| {
        p.start <= p.end
            && p.end <= text.len()
            && text[p.start..p.end].iter().copied().eq(exact.chars())
    })
}

fn collection_out<'a>(
    doc: &'a Document,
    id: &'a str,
    annotations: &[&'a Annotation],
    now: Timestamp,
) -> CollectionOut<'a> {
    let items: Vec<ItemOut<'a>> = annotations
        .iter()
        .map(|a| ItemOut::of(doc, a, None))
        .collect();
    let total = items.len();
    CollectionOut {
        context: ANNO_CONTEXT,
        created: now.to_rfc3339(),
        first: PageOut {
            id: format!("{id}:page:1"),
            items,
            part_of: PartOfOut {
                id,
                label: &doc.title,
                total,
            },
            start_index: 0,
            kind: "AnnotationPage",
        },
        id,
        label: &doc.title,
        total,
        kind: "AnnotationCollection",
    }
}

/// These shapes hold only strings, numbers and lists of them: turning one into a `Value`
/// cannot fail (`Null` would be the answer if it ever did).
fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// One annotation as a W3C Annotation (without `@context`: see [`annotation_with_context`]).
pub fn annotation_to_w3c(doc: &Document, a: &Annotation) -> Value {
    to_value(ItemOut::of(doc, a, None))
}

/// One annotation as a stand-alone W3C Annotation document (with `@context`).
pub fn annotation_with_context(doc: &Document, a: &Annotation) -> Value {
    to_value(ItemOut::of(doc, a, Some(ANNO_CONTEXT)))
}

/// The download as a `Value`: an `AnnotationCollection` labelled with the document's title, its
/// annotations (in the order given: text order) in one embedded first page. The download itself
/// is written by [`export_text`], the same JSON as text.
pub fn export_collection(doc: &Document, annotations: &[&Annotation], now: Timestamp) -> Value {
    let id = collection_id(doc);
    to_value(collection_out(doc, &id, annotations, now))
}

/// The download's text: [`export_collection`] as pretty JSON, written without building it.
pub fn export_text(doc: &Document, annotations: &[&Annotation], now: Timestamp) -> String {
    let id = collection_id(doc);
    // Writing strings and numbers into memory cannot fail.
    serde_json::to_string_pretty(&collection_out(doc, &id, annotations, now)).unwrap_or_default()
}

/// How deep the download's items sit (collection → first page → items), in indents of two.
const ITEM_INDENT: &str = "      ";

/// The download's text around its items, for writing it a few annotations at a time: `head`,
/// then [`push_export_item`] for each of the `total` annotations (in the order given to
/// [`export_text`]), then `tail` — together exactly [`export_text`], to the byte.
pub fn export_head_tail(doc: &Document, total: usize, now: Timestamp) -> (String, String) {
    let id = collection_id(doc);
    let mut frame = collection_out(doc, &id, &[], now);
    frame.total = total;
    frame.first.part_of.total = total;
    let text = serde_json::to_string_pretty(&frame).unwrap_or_default();
    // The only `"items": []` outside a string (inside one its quotes would be escaped).
    const EMPTY: &str = "\"items\": []";
    match text.find(EMPTY) {
        Some(at) if total > 0 => (
            format!("{}\"items\": [\n", &text[..at]),
            format!("\n    ]{}", &text[at + EMPTY.len()..]),
        ),
        _ => (text, String::new()),
    }
}

/// Appends annotation number `index` (from 0) of the download to `out`: see
/// [`export_head_tail`].
pub fn push_export_item(out: &mut String, doc: &Document, a: &Annotation, index: usize) {
    if index > 0 {
        out.push_str(",\n");
    }
    let item = serde_json::to_string_pretty(&ItemOut::of(doc, a, None)).unwrap_or_default();
    out.push_str(ITEM_INDENT);
    // A newline in JSON text is always between tokens (one inside a string is written `\n`).
    for (i, line) in item.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(ITEM_INDENT);
        }
        out.push_str(line);
    }
}

/// Pretty JSON text of an export.
pub fn to_string_pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

// ---------------------------------------------------------------------------------------------
// Import

/// Why a file could not be imported at all (single items are rejected in the plan instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    TooLarge {
        bytes: u64,
    },
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    UnknownShape(String),
    /// A Marginalia storage envelope from a newer version.
    NewerVersion(u64),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::TooLarge { bytes } => write!(
                f,
                "the file is {} MB; Marginalia imports files of up to {} MB",
                Megabytes(*bytes),
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
            ImportError::InvalidJson {
                line,
                column,
                message,
            } => write!(
                f,
                "the file is not valid JSON: line {line}, column {column}: {message}"
            ),
            ImportError::UnknownShape(what) => write!(
                f,
                "the file is JSON but not annotations Marginalia can read ({what}); expected W3C \
                 Web Annotations (one annotation, a list, an AnnotationCollection or an \
                 AnnotationPage), a Hypothesis export or a Marginalia download"
            ),
            ImportError::NewerVersion(v) => write!(
                f,
                "the file was saved by a newer version of Marginalia (format {v}); this version \
                 reads formats up to {}",
                storage::STORAGE_VERSION
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// What kind of file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Marginalia's own download (or its storage envelope).
    Marginalia,
    W3c,
    Hypothesis,
}

impl ImportFormat {
    pub fn label(&self) -> &'static str {
        match self {
            ImportFormat::Marginalia => "Marginalia download",
            ImportFormat::W3c => "W3C Web Annotations",
            ImportFormat::Hypothesis => "Hypothesis export",
        }
    }
}

/// An item of the file that was not imported, and why. Displays as "item 3: …" (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub item: usize,
    pub reason: String,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}: {}", self.item, self.reason)
    }
}

/// The checked result of reading a file, applied by the caller as one step with
/// `AnnotationSet::add_all(ChangeKind::Import, plan.to_add)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportPlan {
    pub format: ImportFormat,
    /// Items found in the file.
    pub items: usize,
    /// New annotations, anchored (or with `anchor: None` when their words were not found), in
    /// file order.
    pub to_add: Vec<Annotation>,
    /// Ids of items skipped because they are already here: same id as an annotation of the set
    /// (or an earlier item of the file), or the same quote, place, note and tags.
    pub already_present: Vec<String>,
    /// How many of `to_add` could not be anchored.
    pub unanchored: usize,
    pub rejected: Vec<Rejected>,
    /// Parts of added items that were not kept (the other alternatives of a `Choice`, an empty
    /// body), each with its item's number: nothing is dropped silently.
    pub not_kept: Vec<Rejected>,
}

impl ImportPlan {
    /// Nothing to add.
    pub fn is_empty(&self) -> bool {
        self.to_add.is_empty()
    }

    /// The counts, adding up to the items: "3 items: 2 placed, 1 unanchored", then as there are
    /// ", 1 already here", ", 1 rejected".
    pub fn report(&self) -> String {
        let placed = self.to_add.len() - self.unanchored;
        let mut s = format!(
            "{} item{}: {} placed, {} unanchored",
            super::text::Count(self.items),
            if self.items == 1 { "" } else { "s" },
            super::text::Count(placed),
            super::text::Count(self.unanchored)
        );
        if !self.already_present.is_empty() {
            s.push_str(&format!(", {} already here", self.already_present.len()));
        }
        if !self.rejected.is_empty() {
            s.push_str(&format!(", {} rejected", self.rejected.len()));
        }
        s
    }

    /// The report's details: each rejected item and each part not kept, by item number.
    pub fn details(&self) -> Vec<String> {
        let mut all: Vec<&Rejected> = self.rejected.iter().chain(&self.not_kept).collect();
        super::order::sort_by(&mut all, |a, b| a.item.cmp(&b.item));
        all.into_iter().map(Rejected::to_string).collect()
    }

    /// One line for a status message, e.g. "3 to import (1 not found in the text), 2 already
    /// here, 1 rejected".
    pub fn summary(&self) -> String {
        let n = self.to_add.len();
        let mut s = format!(
            "{} annotation{} to import",
            super::text::Count(n),
            if n == 1 { "" } else { "s" }
        );
        if self.unanchored > 0 {
            s.push_str(&format!(" ({} not found in the text)", self.unanchored));
        }
        if !self.already_present.is_empty() {
            s.push_str(&format!(", {} already here", self.already_present.len()));
        }
        if !self.rejected.is_empty() {
            s.push_str(&format!(", {} rejected", self.rejected.len()));
        }
        s
    }
}

/// How an item is read.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    W3c,
    Hypothesis,
    /// Marginalia's serde form (storage envelope).
    Stored,
}

use crate::storage::kind_of as kind_name;

/// The strings of a value that may be one string or a list of them.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn has_type(o: &Map<String, Value>, t: &str) -> bool {
    strings(o.get("type"))
        .iter()
        .any(|x| *x == t || x.strip_prefix("oa:") == Some(t) || x.strip_prefix("as:") == Some(t))
}

/// Most pages followed through embedded `next` links.
const MAX_PAGES: usize = 10_000;

/// The items of a page and its embedded successors.
fn page_items(first: Value, out: &mut Vec<(Kind, Value)>) -> Result<(), ImportError> {
    let mut page = Some(first);
    let mut pages = 0;
    while let Some(p) = page.take() {
        pages += 1;
        if pages > MAX_PAGES {
            break;
        }
        let mut obj = match p {
            Value::Object(o) => o,
            Value::Array(mut v) if v.len() == 1 => match v.pop() {
                Some(Value::Object(o)) => o,
                _ => return Err(ImportError::UnknownShape("a page is not an object".into())),
            },
            Value::String(s) => {
                return Err(ImportError::UnknownShape(format!(
                    "the collection's pages are not in the file, only a link to them: {}",
                    s.chars().take(200).collect::<String>()
                )))
            }
            other => {
                return Err(ImportError::UnknownShape(format!(
                    "a page is {}",
                    kind_name(&other)
                )))
            }
        };
        match obj.remove("items") {
            Some(Value::Array(items)) => out.extend(items.into_iter().map(|i| (Kind::W3c, i))),
            None | Some(Value::Null) => {}
            Some(other) => {
                return Err(ImportError::UnknownShape(format!(
                    "a page's items is {}, not a list",
                    kind_name(&other)
                )))
            }
        }
        page = match obj.remove("next") {
            Some(next @ Value::Object(_)) => Some(next),
            _ => None,
        };
    }
    Ok(())
}

/// Guesses how one element of a plain list is written.
fn kind_of_item(v: &Value) -> Kind {
    match v.as_object() {
        Some(o) if o.contains_key("quote") && !o.contains_key("target") => Kind::Stored,
        Some(o)
            if o.contains_key("uri")
                && (o.contains_key("text") || o.contains_key("tags"))
                && !o.contains_key("body")
                && !o.contains_key("bodyValue")
                && !o.contains_key("@context") =>
        {
            Kind::Hypothesis
        }
        _ => Kind::W3c,
    }
}

/// The items of a file, each with how to read it.
fn items_of(value: Value) -> Result<(ImportFormat, Vec<(Kind, Value)>), ImportError> {
    let mut out = Vec::new();
    let mut obj = match value {
        Value::Array(items) => {
            let kinds: Vec<Kind> = items.iter().map(kind_of_item).collect();
            let format = if !kinds.is_empty() && kinds.iter().all(|k| *k == Kind::Stored) {
                ImportFormat::Marginalia
            } else if !kinds.is_empty() && kinds.iter().all(|k| *k == Kind::Hypothesis) {
                ImportFormat::Hypothesis
            } else {
                ImportFormat::W3c
            };
            return Ok((format, kinds.into_iter().zip(items).collect()));
        }
        Value::Object(o) => o,
        other => {
            return Err(ImportError::UnknownShape(format!(
                "the file holds {}",
                kind_name(&other)
            )))
        }
    };
    // Marginalia's storage envelope.
    if obj.contains_key("version") && obj.contains_key("doc") && obj.contains_key("annotations") {
        let value = Value::Object(obj);
        let migrated = storage::version_of(&value)
            .and_then(|v| storage::migrate(value, v))
            .map_err(|e| match e {
                StorageError::NewerVersion(v) => ImportError::NewerVersion(v),
                other => ImportError::UnknownShape(other.to_string()),
            })?;
        return match migrated {
            Value::Object(mut o) => match o.remove("annotations") {
                Some(Value::Array(items)) => Ok((
                    ImportFormat::Marginalia,
                    items.into_iter().map(|i| (Kind::Stored, i)).collect(),
                )),
                _ => Err(ImportError::UnknownShape(
                    "a Marginalia envelope whose annotations are not a list".into(),
                )),
            },
            _ => Err(ImportError::UnknownShape(
                "an envelope that is not an object".into(),
            )),
        };
    }
    if has_type(&obj, "AnnotationCollection") {
        let ours = obj
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.starts_with(COLLECTION_PREFIX));
        if let Some(first) = obj.remove("first") {
            page_items(first, &mut out)?;
        }
        let format = if ours {
            ImportFormat::Marginalia
        } else {
            ImportFormat::W3c
        };
        return Ok((format, out));
    }
    if has_type(&obj, "AnnotationPage") {
        page_items(Value::Object(obj), &mut out)?;
        return Ok((ImportFormat::W3c, out));
    }
    if has_type(&obj, "Annotation") || obj.contains_key("target") {
        return Ok((ImportFormat::W3c, vec![(Kind::W3c, Value::Object(obj))]));
    }
    for key in ["annotations", "rows"] {
        if let Some(Value::Array(_)) = obj.get(key) {
            if let Some(Value::Array(items)) = obj.remove(key) {
                return Ok((
                    ImportFormat::Hypothesis,
                    items.into_iter().map(|i| (Kind::Hypothesis, i)).collect(),
                ));
            }
        }
    }
    // serde_json's Map is a BTreeMap (no `preserve_order`): its keys come sorted, and sorting
    // them again would cost the wasm a copy of the sort code.
    let keys: Vec<&str> = obj.keys().map(String::as_str).take(8).collect();
    Err(ImportError::UnknownShape(if keys.is_empty() {
        "an empty object".into()
    } else {
        format!("an object with keys {}", keys.join(", "))
    }))
}

/// What an item says, before it is checked against the document.
#[derive(Default)]
struct Parsed {
    id: Option<String>,
    quote: Option<TextQuoteSelector>,
    position: Option<TextPositionSelector>,
    note: String,
    tags: Vec<String>,
    color: Color,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
    /// What of the item was not kept as it was, for the report.
    dropped: Vec<String>,
}

fn parse_id(v: Option<&Value>) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(import_id(s))),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!("id is {}, not a string", kind_name(other))),
    }
}

fn parse_time(o: &Map<String, Value>, key: &str) -> Result<Option<Timestamp>, String> {
    let s = match o.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(Value::Array(v)) if v.len() == 1 && v[0].is_string() => {
            v[0].as_str().unwrap_or_default()
        }
        Some(other) => return Err(format!("{key} is {}, not a date-time", kind_name(other))),
    };
    Timestamp::parse_rfc3339(s.trim())
        .map(Some)
        .map_err(|e| format!("{key}: {e}"))
}

fn parse_quote(o: &Map<String, Value>) -> Result<TextQuoteSelector, String> {
    let text = |key: &str| match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "TextQuoteSelector {key} is {}, not text",
            kind_name(other)
        )),
    };
    let exact = text("exact")?.ok_or("TextQuoteSelector has no exact")?;
    if exact.is_empty() {
        return Err("TextQuoteSelector has an empty exact".into());
    }
    Ok(TextQuoteSelector {
        exact,
        prefix: text("prefix")?.unwrap_or_default(),
        suffix: text("suffix")?.unwrap_or_default(),
    })
}

fn parse_position(o: &Map<String, Value>) -> Result<TextPositionSelector, String> {
    let num = |key: &str| match o.get(key) {
        None => Err(format!("TextPositionSelector has no {key}")),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|u| usize::try_from(u).ok())
            .ok_or_else(|| format!("TextPositionSelector {key} {n} is not a whole number ≥ 0")),
        Some(other) => Err(format!(
            "TextPositionSelector {key} is {}, not a number",
            kind_name(other)
        )),
    };
    let (start, end) = (num("start")?, num("end")?);
    if start > end {
        return Err(format!(
            "TextPositionSelector start {start} is after its end {end}"
        ));
    }
    Ok(TextPositionSelector { start, end })
}

/// Finds the text selectors among `selector` (an object or a list), following `refinedBy`.
/// Positions are trusted only at the top level (a refinement's positions are relative to what
/// it refines) and only when `positions` is set (Hypothesis counts UTF-16 units).
fn walk_selectors(
    selector: &Value,
    top: bool,
    positions: bool,
    depth: usize,
    p: &mut Parsed,
) -> Result<(), String> {
    if depth > 16 {
        return Ok(());
    }
    match selector {
        Value::Array(list) => {
            for s in list {
                walk_selectors(s, top, positions, depth + 1, p)?;
            }
        }
        Value::Object(o) => {
            if has_type(o, "TextQuoteSelector") && p.quote.is_none() {
                p.quote = Some(parse_quote(o)?);
            } else if has_type(o, "TextPositionSelector")
                && top
                && positions
                && p.position.is_none()
            {
                p.position = Some(parse_position(o)?);
            }
            if let Some(refined) = o.get("refinedBy") {
                walk_selectors(refined, false, positions, depth + 1, p)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn has_text_selector(target: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match target {
        Value::Array(list) => list.iter().any(|t| has_text_selector(t, depth + 1)),
        Value::Object(o) => {
            has_type(o, "TextQuoteSelector")
                || has_type(o, "TextPositionSelector")
                || o.get("selector")
                    .is_some_and(|s| has_text_selector(s, depth + 1))
                || o.get("refinedBy")
                    .is_some_and(|s| has_text_selector(s, depth + 1))
        }
        _ => false,
    }
}

/// The target to read: the first one on this document with a text selector, else the first with
/// a text selector at all.
fn choose_target<'a>(target: &'a Value, doc: &Document) -> Option<&'a Map<String, Value>> {
    let list: Vec<&Map<String, Value>> = match target {
        Value::Array(v) => v.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        _ => Vec::new(),
    };
    let usable: Vec<&Map<String, Value>> = list
        .into_iter()
        .filter(|t| t.get("selector").is_some_and(|s| has_text_selector(s, 0)))
        .collect();
    usable
        .iter()
        .find(|t| {
            t.get("source")
                .and_then(Value::as_str)
                .is_some_and(|s| is_this_document(doc, s))
        })
        .or(usable.first())
        .copied()
}

/// Plain text of a small piece of HTML (for notes written as `text/html` by other tools).
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            out.push_str(&rest[lt..]);
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        if matches!(name, "br" | "p" | "div" | "li" | "blockquote")
            && !out.is_empty()
            && !out.ends_with('\n')
        {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// Where a body's words go.
struct Bodies<'p> {
    notes: Vec<String>,
    tags: &'p mut Vec<String>,
    dropped: &'p mut Vec<String>,
    /// The annotation's motivation is `tagging`: bodies without a purpose of their own are tags.
    tagging: bool,
}

fn is_tagging(o: &Map<String, Value>, key: &str) -> bool {
    strings(o.get(key)).iter().any(|p| p.ends_with("tagging"))
}

fn read_body(b: &Value, n: usize, to: &mut Bodies) -> Result<(), String> {
    let o = match b {
        Value::String(s) => {
            if to.tagging {
                to.tags.push(s.clone());
            } else {
                to.notes.push(s.clone());
            }
            return Ok(());
        }
        Value::Object(o) => o,
        Value::Null => {
            to.dropped.push(format!("body {n} is empty"));
            return Ok(());
        }
        other => return Err(format!("body {n} is {}", kind_name(other))),
    };
    if has_type(o, "Choice") {
        // One of several alternatives (languages, formats): the first with words is kept.
        let items: Vec<&Value> = match o.get("items") {
            Some(Value::Array(v)) => v.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        let first = items
            .iter()
            .position(|i| i.is_string() || i.get("value").is_some_and(Value::is_string));
        match first {
            Some(f) => {
                let mut chosen = Bodies {
                    notes: Vec::new(),
                    tags: to.tags,
                    dropped: to.dropped,
                    tagging: to.tagging || is_tagging(o, "purpose") || is_tagging(o, "motivation"),
                };
                read_body(items[f], n, &mut chosen)?;
                to.notes.append(&mut chosen.notes);
                if items.len() > 1 {
                    let others = items.len() - 1;
                    to.dropped.push(format!(
                        "body {n} is a choice of {} alternatives; the first with text was kept, the other \
                         {others} {} not",
                        items.len(),
                        if others == 1 { "was" } else { "were" }
                    ));
                }
            }
            None => to.dropped.push(format!(
                "body {n} is a choice with no text; it was not kept"
            )),
        }
        return Ok(());
    }
    let tagging = is_tagging(o, "purpose")
        || is_tagging(o, "motivation")
        || (to.tagging && o.get("purpose").is_none());
    let text = match o.get("value") {
        Some(Value::String(s)) => {
            if strings(o.get("format")).contains(&"text/html") {
                html_to_text(s)
            } else {
                s.clone()
            }
        }
        Some(other) => {
            return Err(format!(
                "body {n} has a value that is {}, not text",
                kind_name(other)
            ))
        }
        None => match o.get("source").or(o.get("id")).and_then(Value::as_str) {
            // A body that is only a link (an external or semantic resource): kept as the link.
            Some(iri) => iri.to_string(),
            None => {
                to.dropped.push(format!(
                    "body {n} has neither text nor a link; it was not kept"
                ));
                return Ok(());
            }
        },
    };
    if tagging {
        to.tags.push(text);
    } else {
        to.notes.push(text);
    }
    Ok(())
}

fn parse_w3c(item: &Value, doc: &Document) -> Result<Parsed, String> {
    let o = item
        .as_object()
        .ok_or_else(|| format!("is {}, not an annotation object", kind_name(item)))?;
    let mut p = Parsed {
        id: parse_id(o.get("id"))?,
        created: parse_time(o, "created")?,
        modified: parse_time(o, "modified")?,
        ..Parsed::default()
    };
    let target = o.get("target").ok_or("has no target")?;
    let chosen = choose_target(target, doc)
        .ok_or("its target has no TextQuoteSelector or TextPositionSelector")?;
    if let Value::Array(targets) = target {
        if targets.len() > 1 {
            let others = targets.len() - 1;
            p.dropped.push(if others == 1 {
                "it has 2 targets; one was kept, the other was not".to_string()
            } else {
                format!(
                    "it has {} targets; one was kept, the other {others} were not",
                    targets.len()
                )
            });
        }
    }
    if let Some(selector) = chosen.get("selector") {
        walk_selectors(selector, true, true, 0, &mut p)?;
    }
    p.color = strings(chosen.get("styleClass"))
        .into_iter()
        .find_map(Color::from_name)
        .unwrap_or_default();
    let mut bodies = Bodies {
        notes: Vec::new(),
        tags: &mut p.tags,
        dropped: &mut p.dropped,
        tagging: is_tagging(o, "motivation"),
    };
    match o.get("body") {
        Some(Value::Array(list)) => {
            for (i, b) in list.iter().enumerate() {
                read_body(b, i + 1, &mut bodies)?;
            }
        }
        Some(b) => read_body(b, 1, &mut bodies)?,
        None => match o.get("bodyValue") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => bodies.notes.push(s.clone()),
            Some(Value::Array(v)) if v.len() == 1 && v[0].is_string() => bodies
                .notes
                .push(v[0].as_str().unwrap_or_default().to_string()),
            Some(other) => return Err(format!("bodyValue is {}, not text", kind_name(other))),
        },
    }
    p.note = bodies.notes.join("\n\n");
    Ok(p)
}

fn parse_hypothesis(item: &Value) -> Result<Parsed, String> {
    let o = item
        .as_object()
        .ok_or_else(|| format!("is {}, not an annotation object", kind_name(item)))?;
    let id = match o.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(if is_uri(s) {
            s.clone()
        } else {
            format!(
                "{HYPOTHESIS_PREFIX}{}",
                percent::encode(s, percent::UNRESERVED)
            )
        }),
        None | Some(Value::Null) | Some(Value::String(_)) => None,
        Some(other) => return Err(format!("id is {}, not a string", kind_name(other))),
    };
    let mut p = Parsed {
        id,
        created: parse_time(o, "created")?,
        modified: parse_time(o, "updated")?,
        ..Parsed::default()
    };
    // Hypothesis positions count UTF-16 units: only the quote is used.
    if let Some(target) = o.get("target") {
        let list: Vec<&Value> = match target {
            Value::Array(v) => v.iter().collect(),
            other => vec![other],
        };
        for t in list {
            if let Some(sel) = t.as_object().and_then(|t| t.get("selector")) {
                walk_selectors(sel, true, false, 0, &mut p)?;
            }
            if p.quote.is_some() {
                break;
            }
        }
    }
    if p.quote.is_none() {
        return Err(
            "has no TextQuoteSelector (page notes and replies have no highlighted words)".into(),
        );
    }
    p.note = match o.get("text") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("text is {}, not text", kind_name(other))),
    };
    p.tags = match o.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(v)) => v
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or("tags is not a list of strings")?,
        Some(_) => return Err("tags is not a list of strings".into()),
    };
    Ok(p)
}

fn parse_stored(item: Value) -> Result<Parsed, String> {
    let a = storage::annotation_from_value(&item)?;
    if a.quote.exact.is_empty() {
        return Err("its quote is empty".into());
    }
    if let Some(pos) = a.position {
        if pos.start > pos.end {
            return Err(format!(
                "its position start {} is after its end {}",
                pos.start, pos.end
            ));
        }
    }
    Ok(Parsed {
        id: (!a.id.trim().is_empty()).then_some(a.id),
        quote: Some(a.quote),
        position: a.position,
        note: a.note,
        tags: a.tags,
        color: a.color,
        created: Some(a.created),
        modified: Some(a.modified),
        dropped: Vec::new(),
    })
}

/// Checks a parsed item against the document and makes it an anchored annotation.
fn finish(
    doc: &Document,
    p: Parsed,
    now: Timestamp,
    new_id: &mut dyn FnMut() -> String,
) -> Result<Annotation, String> {
    let len = doc.len_chars();
    let quote = match (p.quote, p.position) {
        (Some(q), _) => q,
        (None, Some(pos)) => {
            if pos.start < pos.end && pos.end <= len {
                describe(doc.text(), CharSpan::new(pos.start, pos.end)).0
            } else if pos.start == pos.end {
                return Err(
                    "TextPositionSelector selects nothing and there is no TextQuoteSelector".into(),
                );
            } else {
                return Err(format!(
                    "TextPositionSelector {}..{} is outside the text ({len} characters) and there \
                     is no TextQuoteSelector",
                    pos.start, pos.end
                ));
            }
        }
        (None, None) => {
            return Err("its target has no TextQuoteSelector or TextPositionSelector".into())
        }
    };
    let created = p.created.unwrap_or(now);
    let modified = p.modified.unwrap_or(created);
    let anchored = anchor(doc.text(), &quote, p.position);
    let span = anchored.map(|a| a.span);
    let mut a = Annotation {
        id: p.id.unwrap_or_else(new_id),
        source: doc.source_iri.clone(),
        quote,
        position: p.position,
        note: p.note,
        tags: p.tags,
        color: p.color,
        created,
        modified,
        anchor: span,
        identical_passages: anchored.map_or(0, |a| a.identical),
    };
    // Found with other words (typography, an edit, a lone surrogate in the file): described
    // anew from where it is, so its quote and position are the words highlighted.
    if anchored.is_some_and(|x| {
        matches!(
            x.method,
            AnchorMethod::NormalizedQuote | AnchorMethod::Fuzzy
        )
    }) {
        a.redescribe(doc.text());
    }
    Ok(a)
}

/// Reads an annotation file for `doc`: every item is checked, anchored and compared with
/// `existing`; nothing is changed. Items without an id get `new_id()`, items without times get
/// `now` (a missing `modified` is the `created` time).
///
/// An item is *already present* when its id is in `existing` or earlier in the file, or when an
/// annotation of `existing` has the same quote, anchor, note and tags; it is then skipped, never
/// overwritten. Unanchored items are still added (with `anchor: None`).
///
/// The same in steps, for a caller that lets the page breathe in between: [`ImportRun`].
pub fn import(
    doc: &Document,
    json_text: &str,
    existing: &AnnotationSet,
    now: Timestamp,
    new_id: &mut dyn FnMut() -> String,
) -> Result<ImportPlan, ImportError> {
    let mut run = ImportRun::start(json_text)?;
    run.check(doc, usize::MAX, now, new_id);
    Ok(run.plan(existing))
}

/// `json` with every escaped lone surrogate (`\ud83d` not followed by its low half, or a low
/// half alone) written `\ufffd`, which serde_json reads; pairs and everything else are kept.
/// Hypothesis cuts 32 UTF-16 units of context, which can split an emoji: such a file is read,
/// the broken character becoming U+FFFD (a quote holding one is then matched fuzzily).
pub fn replace_lone_surrogates(json: &str) -> std::borrow::Cow<'_, str> {
    // The common file has no surrogate escape at all: one scan from backslash to backslash
    // (memchr), no copy.
    let b = json.as_bytes();
    let mut from = 0;
    let found = loop {
        match json[from..].find('\\') {
            None => break false,
            Some(at) => {
                let i = from + at;
                if b.get(i + 1) == Some(&b'u') && matches!(b.get(i + 2), Some(b'd' | b'D')) {
                    break true;
                }
                // On by one byte (always a char boundary): an escaped backslash followed by
                // "ud…" is then a false alarm, which the full pass below sorts out.
                from = i + 1;
            }
        }
    };
    if !found {
        return std::borrow::Cow::Borrowed(json);
    }
    fn unit_at(b: &[u8], i: usize) -> Option<u16> {
        // `\uXXXX` at `i`
        if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    }
    let mut out = String::with_capacity(json.len());
    let mut copied = 0; // bytes of `json` copied to `out` so far
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = unit_at(b, i) else {
            i += 2; // another escape (`\\`, `\"` …): its second byte is never a backslash to read
            continue;
        };
        let high = (0xd800..0xdc00).contains(&unit);
        let low = (0xdc00..0xe000).contains(&unit);
        if high && unit_at(b, i + 6).is_some_and(|u| (0xdc00..0xe000).contains(&u)) {
            i += 12; // a proper pair
        } else if high || low {
            out.push_str(&json[copied..i]);
            out.push_str("\\ufffd");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(json);
    }
    out.push_str(&json[copied..]);
    std::borrow::Cow::Owned(out)
}

/// One item of a file, not checked yet.
struct Item {
    /// Its number in the file, from 1 (kept when the file is split by document).
    number: usize,
    kind: Kind,
    value: Value,
}

/// One item checked: an annotation (with what of it was not kept) or why it is rejected.
struct Checked {
    number: usize,
    result: Result<(Annotation, Vec<String>), String>,
}

/// The IRI of the document an item targets, as the file says (`None` when it names none).
fn item_source(kind: Kind, v: &Value) -> Option<String> {
    fn of_target(t: &Value) -> Option<String> {
        match t {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("source").and_then(of_target),
            Value::Array(list) => list.iter().find_map(of_target),
            _ => None,
        }
    }
    let o = v.as_object()?;
    let found = match kind {
        Kind::W3c => o.get("target").and_then(of_target),
        Kind::Hypothesis => o
            .get("uri")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| o.get("target").and_then(of_target)),
        Kind::Stored => o.get("source").and_then(Value::as_str).map(str::to_string),
    };
    found.filter(|s| !s.trim().is_empty())
}

/// The title a Hypothesis item gives its document.
fn item_title(v: &Value) -> Option<String> {
    let t = v.get("document")?.get("title")?;
    strings(Some(t))
        .first()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The items of a file that target one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceGroup {
    /// The IRI they target; `None` for items that name no document.
    pub source: Option<String>,
    /// The document's title, when the file gives one (a Marginalia download's label, a
    /// Hypothesis document title).
    pub title: Option<String>,
    /// How many items.
    pub items: usize,
}

impl SourceGroup {
    /// The title, else the IRI, else "no document", for messages.
    pub fn name(&self) -> String {
        match (&self.title, &self.source) {
            (Some(t), _) => format!("\u{2018}{t}\u{2019}"),
            (None, Some(s)) => s.clone(),
            (None, None) => "no document".into(),
        }
    }
}

/// Items for a document that is not in the library: kept, not placed anywhere.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitingGroup {
    pub group: SourceGroup,
    /// The items as a JSON list that [`import`] reads again: what the caller keeps until that
    /// document is opened.
    pub json: String,
}

impl WaitingGroup {
    /// "12 annotations for ‘Notes on Slow Reading’, a document not in your library — open it to
    /// place them"
    pub fn message(&self) -> String {
        let n = self.group.items;
        format!(
            "{} annotation{} for {}, a document not in your library \u{2014} open it to place {}",
            super::text::Count(n),
            if n == 1 { "" } else { "s" },
            self.group.name(),
            if n == 1 { "it" } else { "them" }
        )
    }
}

/// A file's items for another document of the library, to be checked against that document
/// and added to its annotations.
pub struct RoutedRun {
    /// The library's id of the document.
    pub doc_id: String,
    pub group: SourceGroup,
    pub run: ImportRun,
}

/// A file's items sorted by the document they belong to ([`ImportRun::route`]).
pub struct ImportRoutes {
    /// Items for the document open now (its IRI, or none named).
    pub here: ImportRun,
    /// Items for other documents of the library, one run each, in file order.
    pub elsewhere: Vec<RoutedRun>,
    /// Items for documents not in the library, one group each, in file order.
    pub waiting: Vec<WaitingGroup>,
}

/// An import in steps: [`ImportRun::start`] reads the file whole (the one step that cannot be
/// split), [`ImportRun::check`] checks and anchors the next items, [`ImportRun::plan`] compares
/// them with the annotations there are by then. Together they are [`import`], item for item.
/// [`ImportRun::route`] first sorts the items by the document they target.
pub struct ImportRun {
    format: ImportFormat,
    /// The file's own title for its document (a collection's label).
    label: Option<String>,
    /// The items not checked yet, in file order.
    rest: std::vec::IntoIter<Item>,
    /// The items checked so far.
    checked: Vec<Checked>,
}

impl ImportRun {
    /// Reads `json_text` (a file's contents) and finds its items; checks none of them.
    pub fn start(json_text: &str) -> Result<ImportRun, ImportError> {
        if json_text.len() > MAX_IMPORT_BYTES {
            return Err(ImportError::TooLarge {
                bytes: json_text.len() as u64,
            });
        }
        let text = json_text.strip_prefix('\u{feff}').unwrap_or(json_text);
        let text = replace_lone_surrogates(text);
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            let (line, column, message) = storage::json_error_parts(&e);
            ImportError::InvalidJson {
                line,
                column,
                message,
            }
        })?;
        let label = value
            .get("label")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let (format, items) = items_of(value)?;
        let items: Vec<Item> = items
            .into_iter()
            .enumerate()
            .map(|(i, (kind, value))| Item {
                number: i + 1,
                kind,
                value,
            })
            .collect();
        Ok(ImportRun {
            format,
            label,
            rest: items.into_iter(),
            checked: Vec::new(),
        })
    }

    /// What kind of file it is.
    pub fn format(&self) -> ImportFormat {
        self.format
    }

    /// Items in the file (in this part of it, after [`ImportRun::route`]).
    pub fn total(&self) -> usize {
        self.checked.len() + self.rest.len()
    }

    /// Items checked so far.
    pub fn checked(&self) -> usize {
        self.checked.len()
    }

    /// The documents the unchecked items target, in the order the file first names them.
    pub fn groups(&self) -> Vec<SourceGroup> {
        let mut groups: Vec<SourceGroup> = Vec::new();
        for item in self.rest.as_slice() {
            let source = item_source(item.kind, &item.value);
            let title = item_title(&item.value);
            match groups.iter_mut().find(|g| g.source == source) {
                Some(g) => {
                    g.items += 1;
                    if g.title.is_none() {
                        g.title = title;
                    }
                }
                None => groups.push(SourceGroup {
                    source,
                    title,
                    items: 1,
                }),
            }
        }
        // A Marginalia download is one document's: its label is that document's title.
        if let ([g], Some(label)) = (&mut groups[..], &self.label) {
            if g.title.is_none() {
                g.title = Some(label.clone());
            }
        }
        groups
    }

    /// Sorts the unchecked items by the document they target: those for `here` (its IRI, or
    /// no document named) stay in [`ImportRoutes::here`]; those for a document of the library
    /// (`library` gives the id of the document with an IRI, if there is one) make a run each;
    /// the others wait, never forced onto `here`. Item numbers stay the file's.
    pub fn route(
        mut self,
        here: &Document,
        library: &dyn Fn(&str) -> Option<String>,
    ) -> ImportRoutes {
        let groups = self.groups();
        let items: Vec<Item> = std::mem::take(&mut self.rest).collect();
        let mut by_group: Vec<Vec<Item>> = groups.iter().map(|_| Vec::new()).collect();
        for item in items {
            let source = item_source(item.kind, &item.value);
            if let Some(g) = groups.iter().position(|g| g.source == source) {
                by_group[g].push(item);
            }
        }
        let part = |items: Vec<Item>| ImportRun {
            format: self.format,
            label: None,
            rest: items.into_iter(),
            checked: Vec::new(),
        };
        let mut here_items = Vec::new();
        let mut elsewhere = Vec::new();
        let mut waiting = Vec::new();
        for (group, items) in groups.into_iter().zip(by_group) {
            match group.source.as_deref() {
                None => here_items.extend(items),
                Some(s) if is_this_document(here, s) => here_items.extend(items),
                Some(s) => match library(s) {
                    Some(doc_id) if doc_id == here.id => here_items.extend(items),
                    Some(doc_id) => elsewhere.push(RoutedRun {
                        doc_id,
                        group,
                        run: part(items),
                    }),
                    None => {
                        let list: Vec<Value> = items.into_iter().map(|i| i.value).collect();
                        waiting.push(WaitingGroup {
                            group,
                            json: serde_json::to_string(&list).unwrap_or_default(),
                        });
                    }
                },
            }
        }
        super::order::sort_by(&mut here_items, |a, b| a.number.cmp(&b.number));
        self.rest = here_items.into_iter();
        ImportRoutes {
            here: self,
            elsewhere,
            waiting,
        }
    }

    /// Checks and anchors up to `max_items` more items against `doc` (see [`import`] for ids and
    /// times); true when every item is checked.
    pub fn check(
        &mut self,
        doc: &Document,
        max_items: usize,
        now: Timestamp,
        new_id: &mut dyn FnMut() -> String,
    ) -> bool {
        for _ in 0..max_items {
            let Some(Item {
                number,
                kind,
                value,
            }) = self.rest.next()
            else {
                break;
            };
            let parsed = match kind {
                Kind::W3c => parse_w3c(&value, doc),
                Kind::Hypothesis => parse_hypothesis(&value),
                Kind::Stored => parse_stored(value),
            };
            let result = parsed.and_then(|mut p| {
                let dropped = std::mem::take(&mut p.dropped);
                finish(doc, p, now, new_id).map(|a| (a, dropped))
            });
            self.checked.push(Checked { number, result });
        }
        self.rest.len() == 0
    }

    /// Compares the checked items with `existing`. Items not checked yet are left out (call it
    /// once [`ImportRun::check`] returned true).
    pub fn plan(self, existing: &AnnotationSet) -> ImportPlan {
        let mut plan = ImportPlan {
            format: self.format,
            items: self.total(),
            to_add: Vec::new(),
            already_present: Vec::new(),
            unanchored: 0,
            rejected: Vec::new(),
            not_kept: Vec::new(),
        };
        // The existing annotations by their words (in text order among equal words), and the
        // ids added so far: a sorted list and a set type the app has anyway, not map types of
        // their own.
        let mut by_exact: Vec<&Annotation> = existing.iter().collect();
        super::order::sort_by(&mut by_exact, |a, b| a.quote.exact.cmp(&b.quote.exact));
        let mut seen_ids: BTreeSet<String> = BTreeSet::new();
        for Checked { number, result } in self.checked {
            let (a, dropped) = match result {
                Ok(ok) => ok,
                Err(reason) => {
                    plan.rejected.push(Rejected {
                        item: number,
                        reason,
                    });
                    continue;
                }
            };
            let exact = a.quote.exact.as_str();
            let same = by_exact
                .iter()
                .skip(by_exact.partition_point(|e| e.quote.exact.as_str() < exact))
                .take_while(|e| e.quote.exact == exact)
                .find(|e| e.same_content(&a));
            if existing.get(&a.id).is_some() || seen_ids.contains(&a.id) {
                plan.already_present.push(a.id);
            } else if let Some(e) = same {
                plan.already_present.push(e.id.clone());
            } else {
                seen_ids.insert(a.id.clone());
                if a.anchor.is_none() {
                    plan.unanchored += 1;
                }
                plan.not_kept
                    .extend(dropped.into_iter().map(|reason| Rejected {
                        item: number,
                        reason,
                    }));
                plan.to_add.push(a);
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::ChangeKind;
    use crate::article::Block;
    use proptest::prelude::*;
    use serde_json::json;

    const IRI: &str = "urn:marginalia:article:test";

    fn doc() -> Document {
        Document::new(
            "test-doc",
            IRI,
            "A <Title> & \"quotes\"",
            vec![
                Block::paragraph("The cat sat on the mat. 😀 The dog sat too."),
                Block::paragraph("Second paragraph: the cat ran. Ünïcödé text here."),
            ],
            Some("Source: Test".into()),
        )
    }

    fn ann(d: &Document, id: &str, start: usize, end: usize) -> Annotation {
        let span = CharSpan::new(start, end);
        let (quote, position) = describe(d.text(), span);
        Annotation {
            id: id.into(),
            source: d.source_iri.clone(),
            quote,
            position: Some(position),
            note: String::new(),
            tags: vec![],
            color: Color::Yellow,
            created: Timestamp(1_700_000_000_000),
            modified: Timestamp(1_700_000_000_000),
            anchor: Some(span),
            identical_passages: 1,
        }
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("urn:uuid:new-{n}")
        }
    }

    fn run(d: &Document, json: &str, existing: &AnnotationSet) -> Result<ImportPlan, ImportError> {
        import(d, json, existing, Timestamp(42_000), &mut ids())
    }

    fn sample_set(d: &Document) -> Vec<Annotation> {
        let mut a = ann(d, "urn:uuid:a", 4, 7); // "cat"
        a.note = "<b>bold?</b> & 😀\nline two".into();
        a.tags = vec!["animals".into(), "emoji 😀".into()];
        a.color = Color::Pink;
        a.modified = Timestamp(1_700_000_500_123);
        let mut b = ann(d, "urn:uuid:b", 24, 25); // the emoji
        b.color = Color::Blue;
        b.tags = vec!["only-tag".into()];
        let mut c = ann(d, "urn:uuid:c", 66, 69); // second "cat"
        c.position = None;
        c.color = Color::Purple;
        let mut lost = ann(d, "urn:uuid:lost", 0, 3);
        lost.quote = TextQuoteSelector {
            exact: "words that are not there".into(),
            ..Default::default()
        };
        lost.position = None;
        lost.anchor = None;
        lost.identical_passages = 0;
        lost.color = Color::Green;
        vec![a, b, c, lost]
    }

    #[test]
    fn export_is_a_collection_with_one_embedded_page() {
        let d = doc();
        let set = sample_set(&d);
        let refs: Vec<&Annotation> = set.iter().collect();
        let v = export_collection(&d, &refs, Timestamp(0));
        assert_eq!(v["@context"], ANNO_CONTEXT);
        assert_eq!(v["id"], "urn:marginalia:collection:test-doc");
        assert_eq!(v["type"], "AnnotationCollection");
        assert_eq!(v["label"], d.title);
        assert_eq!(v["total"], 4);
        assert_eq!(v["created"], "1970-01-01T00:00:00Z");
        let page = &v["first"];
        assert_eq!(page["type"], "AnnotationPage");
        assert_eq!(page["startIndex"], 0);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 4);

        let a = &items[0];
        assert!(a.get("@context").is_none());
        assert_eq!(a["id"], "urn:uuid:a");
        assert_eq!(a["type"], "Annotation");
        assert_eq!(a["motivation"], "commenting");
        assert_eq!(a["created"], "2023-11-14T22:13:20Z");
        assert_eq!(a["modified"], "2023-11-14T22:21:40.123Z");
        assert_eq!(a["target"]["source"], IRI);
        assert_eq!(a["target"]["styleClass"], "hl-pink");
        assert_eq!(a["stylesheet"]["type"], "CssStylesheet");
        assert_eq!(
            a["stylesheet"]["value"],
            ".hl-pink { background-color: #ffc4de; }"
        );
        let sel = a["target"]["selector"].as_array().unwrap();
        assert_eq!(sel[0]["type"], "TextQuoteSelector");
        assert_eq!(sel[0]["exact"], "cat");
        assert_eq!(sel[0]["prefix"], "The ");
        assert_eq!(
            sel[1],
            json!({"type": "TextPositionSelector", "start": 4, "end": 7})
        );
        let body = a["body"].as_array().unwrap();
        assert_eq!(
            body[0],
            json!({"type": "TextualBody", "value": set[0].note, "format": "text/plain",
                   "purpose": "commenting"})
        );
        assert_eq!(body[1]["purpose"], "tagging");
        assert_eq!(body[2]["value"], "emoji 😀");

        // A tag but no note: highlighting, one tagging body.
        assert_eq!(items[1]["motivation"], "highlighting");
        assert_eq!(items[1]["body"].as_array().unwrap().len(), 1);
        // Quote only: one selector, and no body at all (never "body": []).
        let c = &items[2];
        assert_eq!(c["target"]["selector"].as_array().unwrap().len(), 1);
        assert!(c.get("body").is_none());
        assert!(!to_string_pretty(&v).contains("\"body\": []"));
    }

    #[test]
    fn odd_ids_and_sources_still_export_as_uris() {
        let d = doc();
        let mut a = ann(&d, "not a uri ✓", 4, 7);
        a.source = "no scheme here".into();
        let v = annotation_to_w3c(&d, &a);
        assert_eq!(v["id"], "urn:marginalia:id:not%20a%20uri%20%E2%9C%93");
        assert_eq!(v["target"]["source"], IRI);
        assert_eq!(import_id(v["id"].as_str().unwrap()), "not a uri ✓");
        // An id that looks like our encoding is encoded too, so decoding is exact.
        let tricky = "urn:marginalia:id:x%20y";
        assert_eq!(import_id(&export_id(tricky)), tricky);
        let with_ctx = annotation_with_context(&d, &a);
        assert_eq!(with_ctx["@context"], ANNO_CONTEXT);
    }

    #[test]
    fn a_web_article_is_targeted_by_its_canonical_address_and_read_back() {
        let mut d = doc();
        d.about.url = Some("https://example.org/2019/cats?id=1".into());
        let a = ann(&d, "urn:uuid:w", 4, 7);
        let json = export_text(&d, &[&a], Timestamp(0));
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["first"]["items"][0]["target"]["source"],
            "https://example.org/2019/cats?id=1"
        );
        // The stored annotation keeps the document's own IRI.
        assert_eq!(a.source, IRI);
        let plan = import(&d, &json, &AnnotationSet::new(), Timestamp(1), &mut ids()).unwrap();
        assert_eq!(plan.to_add.len(), 1);
        assert_eq!(plan.to_add[0].source, IRI);
        assert_eq!(plan.to_add[0].anchor, a.anchor);
        // Routed here by its address, not left waiting for another document.
        let routes = ImportRun::start(&json).unwrap().route(&d, &|_| None);
        assert_eq!(routes.here.total(), 1);
        // An address that is not a URI is not used.
        d.about.url = Some("not a uri".into());
        assert_eq!(annotation_to_w3c(&d, &a)["target"]["source"], IRI);
    }

    #[test]
    fn uri_check_is_conservative() {
        for ok in [
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
            "https://hypothes.is/a/AbC_-12",
            "http://example.org:8080/path?q=1#frag",
            "urn:marginalia:collection:a%20b",
            "mailto:someone@example.org",
        ] {
            assert!(is_uri(ok), "{ok}");
        }
        for bad in [
            "",
            "no-colon",
            "1abc:x",
            "x y:z",
            "urn:a b",
            "urn:ü",
            "a:b#c#d",
            "http://[::1]/",
            "http://host:port/",
            "urn:%zz",
            "urn:%4",
        ] {
            assert!(!is_uri(bad), "{bad}");
        }
    }

    #[test]
    fn own_download_round_trips_exactly_and_twice_adds_nothing() {
        let d = doc();
        let original = sample_set(&d);
        let refs: Vec<&Annotation> = original.iter().collect();
        let json = to_string_pretty(&export_collection(&d, &refs, Timestamp(9)));
        let mut set = AnnotationSet::new();
        let plan = run(&d, &json, &set).unwrap();
        assert_eq!(plan.format, ImportFormat::Marginalia);
        assert_eq!(plan.items, 4);
        assert_eq!(plan.to_add, original);
        assert_eq!(plan.unanchored, 1);
        assert!(plan.rejected.is_empty() && plan.already_present.is_empty());
        assert_eq!(
            plan.summary(),
            "4 annotations to import (1 not found in the text)"
        );
        set.add_all(ChangeKind::Import, plan.to_add);
        let again = run(&d, &json, &set).unwrap();
        assert!(again.is_empty());
        assert_eq!(again.already_present.len(), 4);
        assert_eq!(again.summary(), "0 annotations to import, 4 already here");
    }

    #[test]
    fn same_words_note_and_tags_under_another_id_are_already_present() {
        let d = doc();
        let existing = AnnotationSet::from_annotations([ann(&d, "urn:uuid:mine", 4, 7)]);
        let json = json!({
            "@context": ANNO_CONTEXT, "id": "urn:uuid:theirs", "type": "Annotation",
            "target": {"source": "https://elsewhere.example/", "selector":
                {"type": "TextQuoteSelector", "exact": "cat", "prefix": "The ", "suffix": " sat on"}}
        });
        let plan = run(&d, &json.to_string(), &existing).unwrap();
        assert_eq!(plan.already_present, ["urn:uuid:mine"]);
        assert!(plan.to_add.is_empty());
        // The same quote elsewhere in the text is a different highlight.
        let json = json!({"type": "Annotation", "target": {"selector":
            {"type": "TextQuoteSelector", "exact": "cat", "prefix": "the ", "suffix": " ran"}}});
        let plan = run(&d, &json.to_string(), &existing).unwrap();
        assert_eq!(plan.to_add.len(), 1);
        assert_eq!(plan.to_add[0].anchor, Some(CharSpan::new(66, 69)));
    }

    #[test]
    fn generic_w3c_shapes_are_read() {
        let d = doc();
        let empty = AnnotationSet::new();
        let json = r#"[
          {"@context": "http://www.w3.org/ns/anno.jsonld", "id": "http://example.org/anno1",
           "type": "Annotation", "body": "A plain string body",
           "target": [
             "http://example.org/some-page",
             {"source": "urn:marginalia:article:test", "styleClass": ["x", "hl-green"],
              "selector": {"type": "TextQuoteSelector", "exact": "dog"}}
           ]},
          {"type": "Annotation", "bodyValue": "from bodyValue",
           "created": "2020-01-02T03:04:05+01:00",
           "target": {"source": "urn:x", "selector": {"type": "FragmentSelector", "value": "p2",
              "refinedBy": {"type": "TextQuoteSelector", "exact": "ran"}}}},
          {"type": "Annotation", "target": {"source": "urn:x",
              "selector": {"type": "TextPositionSelector", "start": 4, "end": 7}},
           "body": [{"type": "TextualBody", "value": "<p>Hi &amp; <i>there</i></p>",
                     "format": "text/html"},
                    {"type": "TextualBody", "value": "t1", "purpose": ["tagging"]},
                    {"type": "SpecificResource", "source": "http://example.org/tag/x",
                     "purpose": "tagging"},
                    {"type": "TextualBody", "value": "second note", "purpose": "replying"}]}
        ]"#;
        let plan = run(&d, json, &empty).unwrap();
        assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
        assert_eq!(plan.format, ImportFormat::W3c);
        let [a, b, c] = &plan.to_add[..] else {
            panic!("{:?}", plan.to_add)
        };
        assert_eq!(a.id, "http://example.org/anno1");
        assert_eq!(a.note, "A plain string body");
        assert_eq!(a.color, Color::Green);
        assert_eq!(a.source, IRI);
        assert_eq!(d.text().slice(a.anchor.unwrap()), "dog");
        assert_eq!(
            (a.created, a.modified),
            (Timestamp(42_000), Timestamp(42_000))
        );

        assert_eq!(b.id, "urn:uuid:new-1");
        assert_eq!(b.note, "from bodyValue");
        assert_eq!(b.created.to_rfc3339(), "2020-01-02T02:04:05Z");
        assert_eq!(b.modified, b.created);
        assert_eq!(d.text().slice(b.anchor.unwrap()), "ran");
        assert_eq!(b.position, None);

        // Position only: the quote is taken from the text.
        assert_eq!(c.quote.exact, "cat");
        assert_eq!(c.position, Some(TextPositionSelector { start: 4, end: 7 }));
        assert_eq!(c.anchor, Some(CharSpan::new(4, 7)));
        assert_eq!(c.note, "Hi & there\n\nsecond note");
        assert_eq!(c.tags, ["t1", "http://example.org/tag/x"]);
    }

    #[test]
    fn pages_and_single_annotations_are_read() {
        let d = doc();
        let item = json!({"type": "Annotation", "target": {"selector":
            {"type": "TextQuoteSelector", "exact": "mat"}}});
        let page = json!({"@context": ANNO_CONTEXT, "type": "AnnotationPage", "id": "urn:p",
            "items": [item], "next": {"type": "AnnotationPage", "items": [item, item]}});
        let plan = run(&d, &page.to_string(), &AnnotationSet::new()).unwrap();
        assert_eq!(plan.items, 3);
        // Three items with the same content and no ids: new ids, all kept (only existing
        // annotations and ids are duplicates).
        assert_eq!(plan.to_add.len(), 3);
        let plan = run(&d, &item.to_string(), &AnnotationSet::new()).unwrap();
        assert_eq!(plan.to_add.len(), 1);
        let empty = json!({"type": "AnnotationCollection", "id": "urn:c", "total": 0});
        let plan = run(&d, &empty.to_string(), &AnnotationSet::new()).unwrap();
        assert_eq!((plan.items, plan.is_empty()), (0, true));
        let linked = json!({"type": "AnnotationCollection", "id": "urn:c", "first": "http://x/p1"});
        let e = run(&d, &linked.to_string(), &AnnotationSet::new()).unwrap_err();
        assert!(e.to_string().contains("only a link"), "{e}");
    }

    #[test]
    fn each_bad_item_is_rejected_with_its_number_and_reason() {
        let d = doc();
        let json = r#"[
          {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "cat"}}},
          {"type": "Annotation"},
          {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "prefix": "x"}}},
          {"type": "Annotation", "target": "http://example.org/page"},
          {"type": "Annotation", "target": {"selector": {"type": "TextPositionSelector", "start": 9, "end": 3}}},
          {"type": "Annotation", "target": {"selector": {"type": "TextPositionSelector", "start": 5, "end": 900}}},
          {"type": "Annotation", "created": "yesterday", "target": {"selector": {"type": "TextQuoteSelector", "exact": "cat"}}},
          42,
          {"type": "Annotation", "id": {"x": 1}, "target": {"selector": {"type": "TextQuoteSelector", "exact": "cat"}}},
          {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": ""}}},
          {"type": "Annotation", "body": [{"value": 3}], "target": {"selector": {"type": "TextQuoteSelector", "exact": "cat"}}},
          {"type": "Annotation", "target": {"selector": {"type": "TextPositionSelector", "start": -1, "end": 3}}}
        ]"#;
        let plan = run(&d, json, &AnnotationSet::new()).unwrap();
        assert_eq!(plan.to_add.len(), 1);
        let msgs: Vec<String> = plan.rejected.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "item 2: has no target",
                "item 3: TextQuoteSelector has no exact",
                "item 4: its target has no TextQuoteSelector or TextPositionSelector",
                "item 5: TextPositionSelector start 9 is after its end 3",
                "item 6: TextPositionSelector 5..900 is outside the text (93 characters) and there \
                 is no TextQuoteSelector",
                "item 7: created: \"yesterday\" is not an RFC 3339 date-time",
                "item 8: is a number, not an annotation object",
                "item 9: id is an object, not a string",
                "item 10: TextQuoteSelector has an empty exact",
                "item 11: body 1 has a value that is a number, not text",
                "item 12: TextPositionSelector start -1 is not a whole number ≥ 0",
            ]
        );
        assert_eq!(plan.summary(), "1 annotation to import, 11 rejected");
    }

    /// Issue 30: W3C bodies are kept as meant, and nothing is dropped silently.
    #[test]
    fn bodies_are_kept_as_meant() {
        let d = doc();
        let target =
            json!({"source": IRI, "selector": {"type": "TextQuoteSelector", "exact": "cat sat"}});
        let json = json!([
            {"type": "Annotation", "target": target, "body": [
                {"type": "TextualBody", "purpose": "tagging", "value": "t1"},
                {"type": "TextualBody", "motivation": "oa:tagging", "value": "t2"},
                {"type": "Choice", "items": [
                    {"type": "TextualBody", "value": "In English", "language": "en"},
                    {"type": "TextualBody", "value": "En français", "language": "fr"},
                    {"type": "TextualBody", "value": "Auf Deutsch", "language": "de"}]},
                {"id": "https://example.org/reference"},
                {"type": "TextualBody"},
            ]},
            {"type": "Annotation", "motivation": "tagging", "target": [target, "https://example.org/other"],
             "body": {"type": "TextualBody", "value": "whole-annotation tag"}},
            {"type": "Annotation", "target": {"source": IRI, "selector": {"type": "TextQuoteSelector", "exact": "words not in the text"}}},
        ])
        .to_string();
        let plan = run(&d, &json, &AnnotationSet::new()).unwrap();
        let a = &plan.to_add[0];
        assert_eq!(a.tags, ["t1", "t2"]);
        assert_eq!(a.note, "In English\n\nhttps://example.org/reference");
        assert_eq!(plan.to_add[1].tags, ["whole-annotation tag"]);
        assert_eq!(plan.to_add[1].note, "");
        assert_eq!(
            plan.details(),
            [
                "item 1: body 3 is a choice of 3 alternatives; the first with text was kept, the \
                 other 2 were not",
                "item 1: body 5 has neither text nor a link; it was not kept",
                "item 2: it has 2 targets; one was kept, the other was not",
            ]
        );
        assert_eq!(plan.report(), "3 items: 2 placed, 1 unanchored");
        let again = run(
            &d,
            &json,
            &AnnotationSet::from_annotations(plan.to_add.clone()),
        )
        .unwrap();
        assert_eq!(
            again.report(),
            "3 items: 0 placed, 0 unanchored, 3 already here"
        );
    }

    /// Issue 30: imports land in the document they belong to; items for a document not in the
    /// library wait, named in the report, and are never forced onto the open one.
    #[test]
    fn imports_are_routed_to_their_documents() {
        let here = doc();
        let slow = Document::new(
            "slow-reading-1a2b3c4d",
            "urn:marginalia:doc:slow-reading-1a2b3c4d",
            "Notes on Slow Reading",
            vec![Block::paragraph("Read slowly. ".repeat(12).trim_end())],
            None,
        );
        // A download from the reader's own document, imported where that document is unknown.
        let anns: Vec<Annotation> = (0..12)
            .map(|i| ann(&slow, &format!("urn:uuid:{i}"), 13 * i, 13 * i + 4))
            .collect();
        let refs: Vec<&Annotation> = anns.iter().collect();
        let download = export_text(&slow, &refs, Timestamp(0));
        let library = crate::library::Library::default();
        let routes = ImportRun::start(&download)
            .unwrap()
            .route(&here, &|s| library.id_for_source(s));
        assert_eq!(routes.here.total(), 0);
        assert!(routes.elsewhere.is_empty());
        assert_eq!(routes.waiting.len(), 1);
        assert_eq!(
            routes.waiting[0].message(),
            "12 annotations for \u{2018}Notes on Slow Reading\u{2019}, a document not in your \
             library \u{2014} open it to place them"
        );
        // What waits is kept whole: imported into that document later, all twelve are placed.
        let later = run(&slow, &routes.waiting[0].json, &AnnotationSet::new()).unwrap();
        assert_eq!(later.report(), "12 items: 12 placed, 0 unanchored");
        assert_eq!(later.to_add, anns);

        // A mixed file: this document, none named, a document of the library, one not here.
        let sel = |exact: &str| json!({"type": "TextQuoteSelector", "exact": exact});
        let json = json!([
            {"type": "Annotation", "target": {"source": IRI, "selector": sel("cat")}},
            {"type": "Annotation", "target": {"source": slow.source_iri, "selector": sel("Read")}},
            {"type": "Annotation", "target": {"selector": sel("dog")}},
            {"type": "Annotation", "target": "urn:marginalia:doc:elsewhere-00000000"},
            {"id": "h1", "uri": "https://example.org/p", "text": "", "tags": [],
             "document": {"title": ["A Web Page"]},
             "target": [{"source": "https://example.org/p", "selector": [sel("cat")]}]},
        ])
        .to_string();
        let mut library = crate::library::Library::default();
        library.touch(crate::library::Entry {
            id: slow.id.clone(),
            title: slow.title.clone(),
            file_name: "slow-reading.md".into(),
            annotations: 0,
            last_opened: Timestamp(0),
            url: None,
        });
        let mut routes = ImportRun::start(&json)
            .unwrap()
            .route(&here, &|s| library.id_for_source(s));
        assert_eq!(routes.here.total(), 2);
        routes
            .here
            .check(&here, usize::MAX, Timestamp(0), &mut ids());
        let plan = routes.here.plan(&AnnotationSet::new());
        assert_eq!(plan.report(), "2 items: 2 placed, 0 unanchored");
        assert_eq!(routes.elsewhere.len(), 1);
        let other = routes.elsewhere.pop().unwrap();
        assert_eq!(
            (other.doc_id.as_str(), other.group.items),
            (slow.id.as_str(), 1)
        );
        let mut run2 = other.run;
        run2.check(&slow, usize::MAX, Timestamp(0), &mut ids());
        assert_eq!(
            run2.plan(&AnnotationSet::new()).to_add[0].source,
            slow.source_iri
        );
        let names: Vec<String> = routes.waiting.iter().map(|w| w.message()).collect();
        assert_eq!(
            names,
            [
                "1 annotation for urn:marginalia:doc:elsewhere-00000000, a document not in your \
                 library \u{2014} open it to place it",
                "1 annotation for \u{2018}A Web Page\u{2019}, a document not in your library \
                 \u{2014} open it to place it",
            ]
        );
        // Item numbers stay the file's.
        let bad = json!([
            {"type": "Annotation", "target": {"source": slow.source_iri, "selector": sel("Read")}},
            {"type": "Annotation", "target": {"source": IRI}},
        ])
        .to_string();
        let mut routes = ImportRun::start(&bad)
            .unwrap()
            .route(&here, &|s| library.id_for_source(s));
        routes
            .here
            .check(&here, usize::MAX, Timestamp(0), &mut ids());
        assert_eq!(
            routes.here.plan(&AnnotationSet::new()).details()[0]
                .split(':')
                .next(),
            Some("item 2")
        );
    }

    /// Issue 30: Hypothesis cuts 32 UTF-16 units of context, which can split an emoji and leave
    /// an escaped lone surrogate in its JSON; the file is read, not refused.
    #[test]
    fn lone_surrogates_do_not_sink_a_file() {
        let d = doc();
        let json = r#"{"annotations": [
            {"id": "a", "uri": "u", "text": "cut context", "tags": [],
             "target": [{"selector": [{"type": "TextQuoteSelector",
               "exact": "The dog", "prefix": "\ude00 ", "suffix": " sat too.\ud83d"}]}]},
            {"id": "b", "uri": "u", "text": "cut quote", "tags": [],
             "target": [{"selector": [{"type": "TextQuoteSelector",
               "exact": "the mat. \ud83d The dog", "prefix": "The cat sat on ", "suffix": ""}]}]},
            {"id": "c", "uri": "u", "text": "a pair is kept \ud83d\ude00 and \\ud83d is no escape",
             "tags": [], "target": [{"selector": [{"type": "TextQuoteSelector", "exact": "cat"}]}]},
            {"id": "d", "uri": "u", "text": 5, "tags": [],
             "target": [{"selector": [{"type": "TextQuoteSelector", "exact": "cat"}]}]}
        ]}"#;
        let plan = run(&d, json, &AnnotationSet::new()).unwrap();
        let by_id = |id: &str| {
            plan.to_add
                .iter()
                .find(|a| a.id.ends_with(&format!("/{id}")))
                .unwrap()
        };
        let a = by_id("a");
        assert_eq!(a.quote.prefix, "\u{fffd} ");
        assert_eq!(d.text().slice(a.anchor.unwrap()), "The dog");
        // The quote holding one is matched fuzzily and described from where it was found.
        let b = by_id("b");
        assert_eq!(d.text().slice(b.anchor.unwrap()), "the mat. 😀 The dog");
        assert_eq!(b.quote.exact, "the mat. 😀 The dog");
        assert_eq!(
            by_id("c").note,
            "a pair is kept 😀 and \\ud83d is no escape"
        );
        // Only the truly unreadable item is rejected, with its number and reason.
        let msgs: Vec<String> = plan.rejected.iter().map(|r| r.to_string()).collect();
        assert_eq!(msgs, ["item 4: text is a number, not text"]);
        // Files without surrogate escapes are read as they are, without a copy.
        assert!(matches!(
            replace_lone_surrogates(r#"{"a": "\u00e9 \\ud83d"}"#),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            replace_lone_surrogates(r#""\uDC00\uD83D""#),
            r#""\ufffd\ufffd""#
        );
        assert_eq!(
            replace_lone_surrogates(r#""\ud83d\u0041""#),
            r#""\ufffd\u0041""#
        );
    }

    #[test]
    fn hypothesis_exports_are_anchored_by_quote_only() {
        let d = doc();
        // The emoji counts 2 UTF-16 units, so Hypothesis's positions for "The dog" are one past
        // the code-point offsets: they must not be used.
        let json = r#"{
          "export_date": "2024-05-01T10:00:00.000Z",
          "export_userid": "acct:reader@hypothes.is",
          "client_version": "1.1400.0",
          "annotations": [
            {"id": "Xy-12_ab", "created": "2024-04-30T09:08:07.654321+00:00",
             "updated": "2024-04-30T10:00:00.000000+00:00",
             "uri": "https://example.org/article", "text": "A dog!", "tags": ["pets"],
             "target": [{"source": "https://example.org/article", "selector": [
               {"type": "RangeSelector", "startContainer": "/p[1]", "startOffset": 0,
                "endContainer": "/p[1]", "endOffset": 10},
               {"type": "TextPositionSelector", "start": 31, "end": 34},
               {"type": "TextQuoteSelector", "exact": "dog", "prefix": "😀 The ", "suffix": " sat"}
             ]}]},
            {"id": "PageNote1", "uri": "https://example.org/article", "text": "page note",
             "tags": [], "target": [{"source": "https://example.org/article"}]},
            {"id": "BadTags", "uri": "u", "text": "", "tags": "pets",
             "target": [{"selector": [{"type": "TextQuoteSelector", "exact": "cat"}]}]}
          ]
        }"#;
        let plan = run(&d, json, &AnnotationSet::new()).unwrap();
        assert_eq!(plan.format, ImportFormat::Hypothesis);
        assert_eq!(plan.to_add.len(), 1);
        let a = &plan.to_add[0];
        assert_eq!(a.id, "https://hypothes.is/a/Xy-12_ab");
        assert_eq!(a.note, "A dog!");
        assert_eq!(a.tags, ["pets"]);
        assert_eq!(a.position, None);
        assert_eq!(a.anchor, Some(CharSpan::new(30, 33)));
        assert_eq!(d.text().slice(CharSpan::new(30, 33)), "dog");
        assert_eq!(a.created.to_rfc3339(), "2024-04-30T09:08:07.654Z");
        assert_eq!(a.modified.to_rfc3339(), "2024-04-30T10:00:00Z");
        let msgs: Vec<String> = plan.rejected.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "item 2: has no TextQuoteSelector (page notes and replies have no highlighted \
                 words)",
                "item 3: tags is not a list of strings",
            ]
        );
        // Importing again: already present by id.
        let set = AnnotationSet::from_annotations(plan.to_add);
        let again = run(&d, json, &set).unwrap();
        assert_eq!(again.already_present, ["https://hypothes.is/a/Xy-12_ab"]);
    }

    #[test]
    fn storage_envelopes_import_too() {
        let d = doc();
        let original = sample_set(&d);
        let raw = storage::encode(&d.id, &original);
        let plan = run(&d, &raw, &AnnotationSet::new()).unwrap();
        assert_eq!(plan.format, ImportFormat::Marginalia);
        assert_eq!(plan.to_add, original);
        let newer = r#"{"version": 99, "doc": "x", "annotations": []}"#;
        let e = run(&d, newer, &AnnotationSet::new()).unwrap_err();
        assert_eq!(e, ImportError::NewerVersion(99));
        assert!(e.to_string().contains("newer version"));
        let broken = r#"{"version": 1, "doc": "x", "annotations": [{"id": "a"}]}"#;
        let plan = run(&d, broken, &AnnotationSet::new()).unwrap();
        assert_eq!(
            plan.rejected[0].to_string(),
            "item 1: missing field `source`"
        );
    }

    #[test]
    fn whole_file_errors_are_clear() {
        let d = doc();
        let e = run(
            &d,
            "{\n  \"type\": \"Annotation\",\n  oops\n}",
            &AnnotationSet::new(),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                ImportError::InvalidJson {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("the file is not valid JSON: line 3, column 3: "),
            "{e}"
        );
        for (json, needle) in [
            ("\"just text\"", "the file holds a string"),
            (
                "{\"hello\": 1, \"abc\": 2}",
                "an object with keys abc, hello",
            ),
            ("{}", "an empty object"),
        ] {
            let e = run(&d, json, &AnnotationSet::new()).unwrap_err();
            assert!(matches!(e, ImportError::UnknownShape(_)));
            assert!(e.to_string().contains(needle), "{e}");
            assert!(e.to_string().contains("W3C"), "{e}");
        }
        let big = " ".repeat(MAX_IMPORT_BYTES + 1);
        let e = run(&d, &big, &AnnotationSet::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the file is 20.0 MB; Marginalia imports files of up to 20 MB"
        );
        // A byte-order mark is fine.
        assert!(run(&d, "\u{feff}[]", &AnnotationSet::new()).is_ok());
    }

    #[test]
    fn html_notes_become_text() {
        assert_eq!(html_to_text("<p>a</p><p>b &lt;c&gt;</p>"), "a\nb <c>");
        assert_eq!(html_to_text("x <unclosed"), "x <unclosed");
        assert_eq!(html_to_text("a<br/>b &amp;lt;"), "a\nb &lt;");
    }

    fn arb_annotation(d: &Document) -> impl Strategy<Value = Annotation> {
        let len = d.len_chars();
        let text = d.text().clone();
        let iri = d.source_iri.clone();
        (
            (0..len, 1usize..12, any::<bool>(), "\\PC{1,8}"),
            "\\PC{0,20}",
            prop::collection::vec("\\PC{0,6}", 0..4),
            prop::sample::select(Color::ALL.to_vec()),
            (0i64..253_402_300_799_999, 0i64..1_000_000_000),
            prop_oneof!["[a-z0-9:-]{1,12}", "\\PC{1,12}"],
        )
            .prop_map(
                move |((start, n, quote_only, free), note, tags, color, (c, dm), id)| {
                    let end = (start + n).min(len);
                    let (mut quote, position) = describe(&text, CharSpan::new(start, end));
                    let mut position = Some(position);
                    if quote.exact.is_empty() || quote_only {
                        position = None;
                        if quote.exact.is_empty() {
                            quote = TextQuoteSelector {
                                exact: free,
                                ..Default::default()
                            };
                        }
                    }
                    let mut a = Annotation {
                        id: format!("urn:uuid:{id}"),
                        source: iri.clone(),
                        quote,
                        position,
                        note,
                        tags,
                        color,
                        created: Timestamp(c),
                        modified: Timestamp((c + dm).min(253_402_300_799_999)),
                        anchor: None,
                        identical_passages: 0,
                    };
                    if id.len() % 2 == 0 {
                        a.id = id; // not always a URI
                    }
                    let anchored = anchor(&text, &a.quote, a.position);
                    a.anchor = anchored.map(|x| x.span);
                    a.identical_passages = anchored.map_or(0, |x| x.identical);
                    a
                },
            )
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (0u64..200).prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            prop::sample::select(vec![
                "Annotation",
                "AnnotationCollection",
                "AnnotationPage",
                "TextQuoteSelector",
                "TextPositionSelector",
                "TextualBody",
                "tagging",
                "hl-blue",
                "cat",
                "2020-01-01T00:00:00Z",
                "urn:marginalia:id:%zz",
                "text/html",
                "<p>x",
            ])
            .prop_map(|s| json!(s)),
            "\\PC{0,10}".prop_map(Value::String),
        ];
        let keys = prop::sample::select(vec![
            "type",
            "id",
            "target",
            "selector",
            "exact",
            "prefix",
            "suffix",
            "start",
            "end",
            "body",
            "bodyValue",
            "value",
            "purpose",
            "format",
            "items",
            "first",
            "next",
            "refinedBy",
            "styleClass",
            "source",
            "created",
            "modified",
            "updated",
            "annotations",
            "rows",
            "text",
            "tags",
            "uri",
            "quote",
            "version",
            "doc",
            "@context",
            "total",
        ]);
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..7).prop_map(|m| {
                    Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    /// Every exported TextPositionSelector covers exactly its TextQuoteSelector's `exact`.
    fn positions_agree(d: &Document, json: &str) -> Result<usize, String> {
        let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut checked = 0;
        for item in v["first"]["items"].as_array().into_iter().flatten() {
            let sels = item["target"]["selector"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let exact = sels.iter().find_map(|s| s["exact"].as_str());
            for s in &sels {
                if s["type"] == "TextPositionSelector" {
                    let span = CharSpan::new(
                        s["start"].as_u64().unwrap_or(0) as usize,
                        s["end"].as_u64().unwrap_or(0) as usize,
                    );
                    if span.end > d.len_chars() || Some(d.text().slice(span).as_str()) != exact {
                        return Err(format!("{span} is not {exact:?}"));
                    }
                    checked += 1;
                }
            }
        }
        Ok(checked)
    }

    /// Issue 30: after "Carry them over" to an edited version, the highlight, the card, the
    /// Markdown and the JSON must all name the same, new, words.
    #[test]
    fn carried_over_annotations_are_described_where_they_now_are() {
        let old = doc();
        let new = Document::new(
            "test-doc-2",
            "urn:marginalia:article:test-2",
            "T",
            vec![
                Block::paragraph("Preface added. The cat sat on the rug. 😀 The dog sat too."),
                Block::paragraph("Second paragraph: the cat ran. Ünïcödé text here."),
            ],
            None,
        );
        let mut a = ann(&old, "urn:uuid:a", 4, 22); // "cat sat on the mat"
        a.note = "a note".into();
        let old_quote = a.quote.clone();
        let mut carried = vec![a.clone(), {
            let mut l = ann(&old, "urn:uuid:l", 0, 3);
            l.quote.exact = "nowhere at all in it".into();
            l.anchor = None;
            l
        }];
        assert_eq!(storage::carry_over(&new, &mut carried), 1);
        let c = &carried[0];
        let span = c.anchor.unwrap();
        assert_eq!(new.text().slice(span), "cat sat on the rug");
        assert_eq!(c.quote.exact, "cat sat on the rug");
        assert_eq!(c.position.map(|p| p.span()), Some(span));
        assert_eq!(c.source, new.source_iri);
        assert_eq!((c.note.as_str(), c.id.as_str()), ("a note", "urn:uuid:a"));
        // The unanchored one keeps the words to look for.
        assert_eq!(carried[1].quote.exact, "nowhere at all in it");
        let refs: Vec<&Annotation> = carried.iter().collect();
        assert_eq!(
            positions_agree(&new, &export_text(&new, &refs, Timestamp(0))),
            Ok(1)
        );
        assert!(
            crate::markdown_export::to_markdown(&new, &refs, &Default::default())
                .contains("> cat sat on the rug")
        );
        // Re-describing returns the old quote (for the history) once, then there is nothing new.
        let mut b = a.clone();
        b.anchor = Some(span);
        assert_eq!(b.redescribe(new.text()), Some(old_quote));
        assert_eq!(b.redescribe(new.text()), None);
        // Re-attaching describes the selection and makes the place certain.
        let mut r = carried[1].clone();
        let at = CharSpan::new(15, 18);
        assert_eq!(
            r.reattach(new.text(), at).map(|q| q.exact),
            Some("nowhere at all in it".into())
        );
        assert_eq!(
            (r.quote.exact.as_str(), r.anchor, r.identical_passages),
            ("The", Some(at), 1)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// The surrogate pre-pass never panics, and makes any string of escapes readable when
        /// the rest of it is valid JSON.
        #[test]
        fn lone_surrogate_escapes_always_read(units in proptest::collection::vec(prop_oneof![
            Just("\\ud83d"), Just("\\ude00"), Just("\\uD800"), Just("\\u0041"), Just("\\\\"),
            Just("ud83d"), Just("é"), Just("😀"), Just("\\n"), Just("\\"),
        ], 0..12)) {
            let body: String = units.concat();
            let json = format!("[\"{body}\"]");
            let fixed = replace_lone_surrogates(&json);
            let valid_escapes = !body.replace("\\\\", "").replace("\\u", "").replace("\\n", "").contains('\\');
            if valid_escapes {
                prop_assert!(serde_json::from_str::<Value>(&fixed).is_ok(), "{}", fixed);
            }
        }

        /// Whatever an annotation holds (a stale position, a quote from another version), the
        /// export never pairs a position with words other than its quote's.
        #[test]
        fn exported_positions_cover_their_exact(
            items in proptest::collection::vec((0usize..120, 0usize..120, 0usize..120, 0usize..30, any::<bool>()), 0..8),
        ) {
            let d = doc();
            let len = d.len_chars();
            let anns: Vec<Annotation> = items
                .iter()
                .enumerate()
                .map(|(i, &(s, e, ps, pl, stale))| {
                    let mut a = ann(&d, &format!("urn:uuid:{i}"), s.min(len), e.min(len));
                    if stale {
                        a.position = Some(TextPositionSelector { start: ps, end: ps + pl });
                    }
                    a
                })
                .collect();
            let refs: Vec<&Annotation> = anns.iter().collect();
            prop_assert!(positions_agree(&d, &export_text(&d, &refs, Timestamp(0))).is_ok());
            // The carried-over ones too.
            let mut carried = anns.clone();
            storage::carry_over(&d, &mut carried);
            let refs: Vec<&Annotation> = carried.iter().collect();
            prop_assert!(positions_agree(&d, &export_text(&d, &refs, Timestamp(0))).is_ok());
            for a in &carried {
                if let Some(span) = a.anchor {
                    prop_assert_eq!(a.position.map(|p| p.span()), Some(span));
                    prop_assert_eq!(d.text().slice(span), a.quote.exact.clone());
                }
            }
        }


        #[test]
        fn export_then_import_is_the_identity(
            anns in prop::collection::vec(arb_annotation(&doc()), 0..8)
        ) {
            let d = doc();
            // A set keys by id: keep the first of each id.
            let mut seen = std::collections::HashSet::new();
            let anns: Vec<Annotation> =
                anns.into_iter().filter(|a| seen.insert(a.id.clone())).collect();
            let set = AnnotationSet::from_annotations(anns.clone());
            let ordered = set.in_text_order();
            let json = export_text(&d, &ordered, Timestamp(1));
            // The text written directly is the `Value`'s, to the byte (key order included).
            prop_assert_eq!(&json, &to_string_pretty(&export_collection(&d, &ordered, Timestamp(1))));
            let plan = import(&d, &json, &AnnotationSet::new(), Timestamp(2), &mut ids()).unwrap();
            prop_assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
            let expected: Vec<Annotation> = ordered.into_iter().cloned().collect();
            prop_assert_eq!(&plan.to_add, &expected);
            // And again on top: nothing new.
            let again = import(&d, &json, &set, Timestamp(2), &mut ids()).unwrap();
            prop_assert!(again.to_add.is_empty());
        }

        #[test]
        fn download_in_pieces_is_the_download(
            anns in prop::collection::vec(arb_annotation(&doc()), 0..6),
            title in ".{0,12}",
        ) {
            let mut d = doc();
            // Titles that look like the text around the items must not confuse it.
            d.title = format!("{title} \"items\": [] ]\n");
            let refs: Vec<&Annotation> = anns.iter().collect();
            let (mut text, tail) = export_head_tail(&d, refs.len(), Timestamp(9));
            for (i, a) in refs.iter().enumerate() {
                push_export_item(&mut text, &d, a, i);
            }
            text.push_str(&tail);
            prop_assert_eq!(text, export_text(&d, &refs, Timestamp(9)));
        }

        #[test]
        fn import_in_steps_is_import_in_one(
            anns in prop::collection::vec(arb_annotation(&doc()), 0..10),
            here in prop::collection::vec(any::<bool>(), 10),
            steps in prop::collection::vec(0usize..4, 1..12),
        ) {
            let d = doc();
            // A file with a bad item among them, some of its annotations already in the set.
            let mut items: Vec<Value> = anns.iter().map(|a| annotation_to_w3c(&d, a)).collect();
            items.insert(items.len() / 2, json!({"target": {"selector": 7}}));
            let json = serde_json::to_string(&items).unwrap();
            let existing = AnnotationSet::from_annotations(
                anns.iter().zip(&here).filter(|(_, h)| **h).map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            );
            let whole = import(&d, &json, &existing, Timestamp(5), &mut ids()).unwrap();
            let mut run = ImportRun::start(&json).unwrap();
            prop_assert_eq!(run.total(), items.len());
            prop_assert_eq!(run.format(), whole.format);
            let mut new_id = ids();
            let mut done = false;
            for (i, n) in steps.iter().cycle().take(4 * items.len() + 4).enumerate() {
                let before = run.checked();
                done = run.check(&d, *n, Timestamp(5), &mut new_id);
                prop_assert_eq!(run.checked(), (before + n).min(items.len()), "step {}", i);
                if done {
                    break;
                }
            }
            // Steps of 0 items only: finish in one.
            if !done {
                prop_assert!(run.check(&d, usize::MAX, Timestamp(5), &mut new_id));
            }
            prop_assert_eq!(run.plan(&existing), whole);
        }

        #[test]
        fn import_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let d = doc();
            let raw = String::from_utf8_lossy(&bytes);
            let _ = import(&d, &raw, &AnnotationSet::new(), Timestamp(0), &mut ids());
        }

        #[test]
        fn import_never_panics_on_json(v in any_json()) {
            let d = doc();
            let set = AnnotationSet::from_annotations(sample_set(&d));
            for wrapped in [
                v.clone(),
                json!([v.clone()]),
                json!({"type": "AnnotationCollection", "first": {"type": "AnnotationPage", "items": [v.clone()]}}),
                json!({"annotations": [v.clone()]}),
                json!({"version": 1, "doc": "d", "annotations": [v.clone()]}),
                json!({"type": "Annotation", "target": {"selector": v.clone()}, "body": v.clone()}),
            ] {
                if let Ok(plan) = import(&d, &wrapped.to_string(), &set, Timestamp(0), &mut ids()) {
                    prop_assert_eq!(
                        plan.to_add.len() + plan.already_present.len() + plan.rejected.len(),
                        plan.items
                    );
                }
            }
        }
    }
}
