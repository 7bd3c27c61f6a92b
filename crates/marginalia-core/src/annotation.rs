//! Annotations and the annotation set, with undo and redo.
//!
//! Every change is a [`Transaction`]: a list of (before, after) states of annotations keyed by id.
//! Applying it sets each id to its `after`; undoing sets each back to its `before`. Create, edit,
//! delete, import and clear-all are all transactions, so they are all undoable the same way.

use crate::selector::{describe, TextPositionSelector, TextQuoteSelector};
use crate::span::CharSpan;
use crate::text::CharText;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// The five highlight colours, each with a name a person can read.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    #[default]
    Yellow,
    Green,
    Blue,
    Pink,
    Purple,
}

impl Color {
    pub const ALL: [Color; 5] = [
        Color::Yellow,
        Color::Green,
        Color::Blue,
        Color::Pink,
        Color::Purple,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Color::Yellow => "yellow",
            Color::Green => "green",
            Color::Blue => "blue",
            Color::Pink => "pink",
            Color::Purple => "purple",
        }
    }

    /// The name with a capital, for labels ("Yellow").
    pub fn label(&self) -> &'static str {
        match self {
            Color::Yellow => "Yellow",
            Color::Green => "Green",
            Color::Blue => "Blue",
            Color::Pink => "Pink",
            Color::Purple => "Purple",
        }
    }

    /// The CSS class of the colour (also the W3C `styleClass` of the target).
    pub fn style_class(&self) -> &'static str {
        match self {
            Color::Yellow => "hl-yellow",
            Color::Green => "hl-green",
            Color::Blue => "hl-blue",
            Color::Pink => "hl-pink",
            Color::Purple => "hl-purple",
        }
    }

    pub fn from_name(s: &str) -> Option<Color> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("hl-").unwrap_or(&s);
        Color::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// A `urn:uuid:` version-4 id made from 16 random bytes (the UI supplies the randomness).
pub fn uuid_v4_urn(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// One annotation: what it points at (by quote and position), what the reader said of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    pub id: String,
    /// The IRI of the document the annotation targets.
    pub source: String,
    pub quote: TextQuoteSelector,
    /// Absent for annotations imported with a quote only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<TextPositionSelector>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub color: Color,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Where the annotation sits in the current text: `None` when it could not be anchored.
    /// Worked out on load by anchoring; never stored.
    #[serde(skip)]
    pub anchor: Option<CharSpan>,
    /// How many passages of the text fit the quote and its context equally well, `anchor` being
    /// the first of them: 1 when its place is certain, 0 when unanchored (or not worked out).
    /// Worked out with `anchor`; never stored. See [`Annotation::place_note`].
    #[serde(skip)]
    pub identical_passages: usize,
}

impl Annotation {
    /// A new highlight (no note, no tags) over `span` of `text`, a document whose IRI is
    /// `source`: described by its quote and position, anchored there, created `now`.
    pub fn highlight(
        id: String,
        source: &str,
        text: &CharText,
        span: CharSpan,
        color: Color,
        now: Timestamp,
    ) -> Annotation {
        let (quote, position) = describe(text, span);
        Annotation {
            id,
            source: source.to_string(),
            quote,
            position: Some(position),
            note: String::new(),
            tags: Vec::new(),
            color,
            created: now,
            modified: now,
            anchor: Some(span),
            identical_passages: 1,
        }
    }

    /// Describes the annotation anew from where it is anchored in `text`: its quote (with
    /// context) and position become those of `anchor`, so the card, the exports and the
    /// highlight agree on the words. Returns the quote it had when that changed (the caller
    /// keeps it in the annotation's history: an undoable step, or the earlier version's own
    /// record); `None` when nothing changed or the annotation is not anchored.
    pub fn redescribe(&mut self, text: &CharText) -> Option<TextQuoteSelector> {
        let span = self.anchor?;
        let (quote, position) = describe(text, span);
        let anchor = Some(position.span());
        if quote == self.quote && self.position == Some(position) && self.anchor == anchor {
            return None;
        }
        self.position = Some(position);
        self.anchor = anchor;
        (quote != self.quote).then(|| std::mem::replace(&mut self.quote, quote))
    }

    /// Re-attaches the annotation to `span` of `text` (the reader's selection): described there
    /// and anchored there, its place certain. Returns the quote it had, as
    /// [`Annotation::redescribe`] does.
    pub fn reattach(&mut self, text: &CharText, span: CharSpan) -> Option<TextQuoteSelector> {
        self.anchor = Some(span);
        self.identical_passages = 1;
        let old = self.quote.clone();
        self.redescribe(text);
        (old != self.quote).then_some(old)
    }

    /// What the card says of an uncertain place: "one of 3 identical passages" when the words
    /// and their context occur more than once and the first was taken.
    pub fn place_note(&self) -> Option<String> {
        (self.anchor.is_some() && self.identical_passages > 1)
            .then(|| format!("one of {} identical passages", self.identical_passages))
    }

    /// W3C motivation: `commenting` once it has a note, else `highlighting`.
    pub fn motivation(&self) -> &'static str {
        if self.note.trim().is_empty() {
            "highlighting"
        } else {
            "commenting"
        }
    }

    /// Same content as `other` (quote, note, tags), whatever the ids: for spotting duplicates.
    pub fn same_content(&self, other: &Annotation) -> bool {
        self.quote.exact == other.quote.exact
            && self.note == other.note
            && self.tags == other.tags
            && self.anchor == other.anchor
    }
}

/// A tag as typed, cleaned: surrounding space and leading '#' removed, inner runs of white space
/// folded to one space, at most [`TAG_MAX_CHARS`] characters. `None` when nothing is left.
pub fn normalize_tag(raw: &str) -> Option<String> {
    let folded = raw
        .trim()
        .trim_start_matches('#')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let tag: String = folded
        .chars()
        .filter(|c| !c.is_control())
        .take(TAG_MAX_CHARS)
        .collect();
    (!tag.is_empty()).then_some(tag)
}

pub const TAG_MAX_CHARS: usize = 64;

/// What the reader is looking for in the list: words in the quote, note or tags, a colour, a tag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub query: String,
    pub color: Option<Color>,
    pub tag: Option<String>,
}

impl Filter {
    pub fn is_active(&self) -> bool {
        !self.query.trim().is_empty() || self.color.is_some() || self.tag.is_some()
    }

    /// Does `a` pass? Every word of the query must appear in the quote, the note or a tag,
    /// ignoring case and accents ([`crate::fold::fold`]).
    pub fn matches(&self, a: &Annotation) -> bool {
        if self.color.is_some_and(|c| c != a.color) {
            return false;
        }
        if let Some(tag) = &self.tag {
            if !a.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                return false;
            }
        }
        let words = crate::fold::query_words(&self.query);
        if words.is_empty() {
            return true;
        }
        let hay = crate::fold::fold(&format!(
            "{}\n{}\n{}",
            a.quote.exact,
            a.note,
            a.tags.join("\n")
        ));
        crate::fold::contains_all(&hay, &words)
    }
}

/// What a transaction was, for messages like "Deleted — Undo".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Create,
    EditNote,
    Recolor,
    Retag,
    Reattach,
    Delete,
    Import,
    ClearAll,
    Sync,
}

impl ChangeKind {
    pub fn past_tense(&self) -> &'static str {
        match self {
            ChangeKind::Create => "Highlighted",
            ChangeKind::EditNote => "Note saved",
            ChangeKind::Recolor => "Colour changed",
            ChangeKind::Retag => "Tags changed",
            ChangeKind::Reattach => "Re-attached",
            ChangeKind::Delete => "Deleted",
            ChangeKind::Import => "Imported",
            ChangeKind::ClearAll => "Cleared all",
            ChangeKind::Sync => "Updated from another tab",
        }
    }
}

/// A set of (before, after) states: `None` means "absent".
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    pub kind: ChangeKind,
    pub changes: Vec<(Option<Annotation>, Option<Annotation>)>,
}

/// What a change touched, so the UI re-renders only those parts of the text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeSummary {
    pub kind: Option<ChangeKind>,
    pub ids: Vec<String>,
    /// Anchors before and after the change (the blocks to re-render).
    pub touched: Vec<CharSpan>,
    /// True when annotations without an anchor changed.
    pub unanchored_changed: bool,
}

/// Why an operation on the set was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetError {
    NoSuchAnnotation(String),
    DuplicateId(String),
    NothingToUndo,
    NothingToRedo,
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::NoSuchAnnotation(id) => write!(f, "there is no annotation {id}"),
            SetError::DuplicateId(id) => write!(f, "an annotation with id {id} already exists"),
            SetError::NothingToUndo => write!(f, "nothing to undo"),
            SetError::NothingToRedo => write!(f, "nothing to redo"),
        }
    }
}

impl std::error::Error for SetError {}

/// What highlighting a span should do, given the highlights already there
/// ([`AnnotationSet::check_highlight`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HighlightCheck {
    /// Annotation `id` already covers exactly these words in this colour: focus its card rather
    /// than make a second, identical-looking one.
    Existing(String),
    /// Annotation `id` covers exactly these words in another colour: the reader picked a new
    /// colour for it (an undoable [`ChangeKind::Recolor`]).
    Recolor(String),
    /// Nothing covers exactly these words: create a highlight.
    New,
}

/// Most undo steps kept.
pub const HISTORY_LIMIT: usize = 200;

/// An annotation's place in text order: anchored ones by position (start, then end), then
/// creation time and id; the unanchored ones after them by creation time and id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct OrderKey {
    unanchored: bool,
    start: usize,
    end: usize,
    created: Timestamp,
    id: String,
}

impl OrderKey {
    fn of(a: &Annotation) -> OrderKey {
        let (start, end) = a.anchor.map_or((0, 0), |s| (s.start, s.end));
        OrderKey {
            unanchored: a.anchor.is_none(),
            start,
            end,
            created: a.created,
            id: a.id.clone(),
        }
    }
}

/// The annotations of one document, with undo and redo.
#[derive(Clone, Debug, Default)]
pub struct AnnotationSet {
    /// The annotations in text order, kept so by every change (a change costs O(log n); listing
    /// them in order never sorts).
    items: BTreeMap<OrderKey, Annotation>,
    /// Each id's place in `items`.
    keys: HashMap<String, OrderKey>,
    /// How many annotations carry each tag.
    tag_counts: HashMap<String, usize>,
    undo: Vec<Transaction>,
    redo: Vec<Transaction>,
    /// Ids changed (created, edited, deleted, by any path) since [`AnnotationSet::take_changed`]:
    /// what the next save writes, instead of all of them.
    changed: BTreeSet<String>,
}

impl AnnotationSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding `annotations`, with no history (a later id replaces an earlier one).
    pub fn from_annotations(annotations: impl IntoIterator<Item = Annotation>) -> Self {
        let mut set = AnnotationSet::default();
        for a in annotations {
            let id = a.id.clone();
            set.set_state(&id, Some(a));
        }
        set.changed.clear();
        set
    }

    /// The ids changed since the last call (or since the set was made), in id order; forgets them.
    pub fn take_changed(&mut self) -> BTreeSet<String> {
        std::mem::take(&mut self.changed)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Annotation> {
        self.keys.get(id).and_then(|k| self.items.get(k))
    }

    /// Every annotation, in text order (the unanchored ones last).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Annotation> {
        self.items.values()
    }

    /// Anchored annotations by position (then by end, creation time and id), then the unanchored
    /// ones by creation time.
    pub fn in_text_order(&self) -> Vec<&Annotation> {
        self.items.values().collect()
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What the next undo would undo.
    pub fn undo_kind(&self) -> Option<&ChangeKind> {
        self.undo.last().map(|t| &t.kind)
    }

    pub fn redo_kind(&self) -> Option<&ChangeKind> {
        self.redo.last().map(|t| &t.kind)
    }

    fn set_state(&mut self, id: &str, state: Option<Annotation>) {
        if !self.changed.contains(id) {
            self.changed.insert(id.to_string());
        }
        if let Some(old) = self.keys.remove(id).and_then(|k| self.items.remove(&k)) {
            for t in &old.tags {
                if let Some(n) = self.tag_counts.get_mut(t) {
                    *n -= 1;
                    if *n == 0 {
                        self.tag_counts.remove(t);
                    }
                }
            }
        }
        if let Some(a) = state {
            for t in &a.tags {
                *self.tag_counts.entry(t.clone()).or_default() += 1;
            }
            let key = OrderKey::of(&a);
            self.keys.insert(id.to_string(), key.clone());
            self.items.insert(key, a);
        }
    }

    fn summarize(
        kind: &ChangeKind,
        changes: &[(Option<Annotation>, Option<Annotation>)],
    ) -> ChangeSummary {
        let mut s = ChangeSummary {
            kind: Some(kind.clone()),
            ..Default::default()
        };
        for (before, after) in changes {
            for a in [before, after].into_iter().flatten() {
                match a.anchor {
                    Some(span) => s.touched.push(span),
                    None => s.unanchored_changed = true,
                }
            }
            if let Some(a) = before.as_ref().or(after.as_ref()) {
                s.ids.push(a.id.clone());
            }
        }
        s
    }

    fn id_of(change: &(Option<Annotation>, Option<Annotation>)) -> &str {
        change
            .0
            .as_ref()
            .or(change.1.as_ref())
            .map(|a| a.id.as_str())
            .unwrap_or_default()
    }

    /// Applies a transaction as one undoable step. An empty transaction changes nothing and is not
    /// recorded.
    pub fn apply(&mut self, tx: Transaction) -> ChangeSummary {
        if tx.changes.is_empty() {
            return ChangeSummary::default();
        }
        for change in &tx.changes {
            let id = Self::id_of(change).to_string();
            self.set_state(&id, change.1.clone());
        }
        let summary = Self::summarize(&tx.kind, &tx.changes);
        self.undo.push(tx);
        if self.undo.len() > HISTORY_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        summary
    }

    /// Fills an empty set with stored annotations (the first read of storage): no history, no
    /// changed ids, one summary (kind `Sync`) — without the per-id merge bookkeeping of
    /// [`AnnotationSet::apply_external`]. A set that is not empty is left alone (`None`).
    pub fn load(&mut self, annotations: Vec<Annotation>) -> Option<ChangeSummary> {
        if !self.is_empty() || !self.undo.is_empty() || !self.redo.is_empty() {
            return None;
        }
        let mut summary = ChangeSummary {
            kind: Some(ChangeKind::Sync),
            ..Default::default()
        };
        for a in annotations {
            match a.anchor {
                Some(span) => summary.touched.push(span),
                None => summary.unanchored_changed = true,
            }
            summary.ids.push(a.id.clone());
            let id = a.id.clone();
            self.set_state(&id, Some(a));
        }
        self.changed.clear();
        Some(summary)
    }

    /// Adds stored annotations to a set being gathered a piece at a time for
    /// [`AnnotationSet::load_gathered`] (a later id replaces an earlier one; nothing to save, no
    /// history): loading thousands need not hold the page in one task.
    pub fn gather(&mut self, annotations: Vec<Annotation>) {
        for a in annotations {
            let id = a.id.clone();
            self.changed.remove(&id);
            self.set_state(&id, Some(a));
            self.changed.remove(&id);
        }
    }

    /// [`AnnotationSet::load`] of a set gathered with [`AnnotationSet::gather`]: this set, empty
    /// and without history, takes its annotations (`gathered` is left empty; the summary names
    /// every annotation, in text order); otherwise nothing changes (`None`), and the gathered
    /// set is left as it was, to be merged instead.
    pub fn load_gathered(&mut self, gathered: &mut AnnotationSet) -> Option<ChangeSummary> {
        if !self.is_empty() || !self.undo.is_empty() || !self.redo.is_empty() {
            return None;
        }
        let mut summary = ChangeSummary {
            kind: Some(ChangeKind::Sync),
            ..Default::default()
        };
        for a in gathered.iter() {
            match a.anchor {
                Some(span) => summary.touched.push(span),
                None => summary.unanchored_changed = true,
            }
            summary.ids.push(a.id.clone());
        }
        // As `load`: nothing to save, no history.
        *self = std::mem::take(gathered);
        self.undo.clear();
        self.redo.clear();
        self.changed.clear();
        Some(summary)
    }

    /// Every annotation, given up (a gathered set that could not be loaded, to be merged).
    pub fn into_annotations(self) -> Vec<Annotation> {
        self.items.into_values().collect()
    }

    /// Applies changes that came from elsewhere (another tab) without recording them: history
    /// entries that mention the changed ids are dropped, so undo never resurrects a stale state.
    pub fn apply_external(
        &mut self,
        changes: Vec<(Option<Annotation>, Option<Annotation>)>,
    ) -> ChangeSummary {
        for change in &changes {
            let id = Self::id_of(change).to_string();
            self.set_state(&id, change.1.clone());
            let mentions = |t: &Transaction| t.changes.iter().any(|c| Self::id_of(c) == id);
            self.undo.retain(|t| !mentions(t));
            self.redo.retain(|t| !mentions(t));
        }
        Self::summarize(&ChangeKind::Sync, &changes)
    }

    /// Undoes the last step at time `now`. A version restored over another is stamped
    /// `modified = now` (later than the version it replaces): undoing is a new change, so other
    /// tabs, and storage that already holds the undone version, take it rather than keeping the
    /// "newer" undone one. An annotation brought back (undoing **Delete** or **Clear all**) comes
    /// back exactly as it was, `modified` included: nothing of it is newer, and which annotations
    /// exist follows the stored state.
    pub fn undo(&mut self, now: Timestamp) -> Result<ChangeSummary, SetError> {
        let mut tx = self.undo.pop().ok_or(SetError::NothingToUndo)?;
        for change in tx.changes.iter_mut().rev() {
            let id = Self::id_of(change).to_string();
            self.restore(&id, &mut change.0, now);
        }
        let summary = Self::summarize(&tx.kind, &tx.changes);
        self.redo.push(tx);
        Ok(summary)
    }

    /// Redoes the last undone step at time `now` (stamped like [`AnnotationSet::undo`]).
    pub fn redo(&mut self, now: Timestamp) -> Result<ChangeSummary, SetError> {
        let mut tx = self.redo.pop().ok_or(SetError::NothingToRedo)?;
        for change in tx.changes.iter_mut() {
            let id = Self::id_of(change).to_string();
            self.restore(&id, &mut change.1, now);
        }
        let summary = Self::summarize(&tx.kind, &tx.changes);
        self.undo.push(tx);
        Ok(summary)
    }

    /// Puts `state` back for `id`: over a version of it, stamped later than both `now` and that
    /// version; where there is none (it was deleted), exactly as it was.
    fn restore(&mut self, id: &str, state: &mut Option<Annotation>, now: Timestamp) {
        if let Some(a) = state.as_mut() {
            if let Some(replaced) = self.get(id).map(|b| b.modified.millis() + 1) {
                let stamp = Timestamp::from_millis(replaced.max(now.millis()));
                a.modified = a.modified.max(stamp);
            }
        }
        self.set_state(id, state.clone());
    }

    /// Adds a new annotation.
    pub fn create(&mut self, a: Annotation) -> Result<ChangeSummary, SetError> {
        if self.keys.contains_key(&a.id) {
            return Err(SetError::DuplicateId(a.id));
        }
        Ok(self.apply(Transaction {
            kind: ChangeKind::Create,
            changes: vec![(None, Some(a))],
        }))
    }

    /// Changes one annotation with `edit`, stamping `modified = now`. An edit that changes nothing
    /// is not recorded.
    pub fn update(
        &mut self,
        id: &str,
        kind: ChangeKind,
        now: Timestamp,
        edit: impl FnOnce(&mut Annotation),
    ) -> Result<ChangeSummary, SetError> {
        let before = self
            .get(id)
            .cloned()
            .ok_or_else(|| SetError::NoSuchAnnotation(id.to_string()))?;
        let mut after = before.clone();
        edit(&mut after);
        if after == before {
            return Ok(ChangeSummary::default());
        }
        after.modified = now.max(before.modified);
        Ok(self.apply(Transaction {
            kind,
            changes: vec![(Some(before), Some(after))],
        }))
    }

    pub fn delete(&mut self, id: &str) -> Result<ChangeSummary, SetError> {
        let before = self
            .get(id)
            .cloned()
            .ok_or_else(|| SetError::NoSuchAnnotation(id.to_string()))?;
        Ok(self.apply(Transaction {
            kind: ChangeKind::Delete,
            changes: vec![(Some(before), None)],
        }))
    }

    /// Adds many annotations as one undoable step (ids already present are replaced).
    pub fn add_all(&mut self, kind: ChangeKind, annotations: Vec<Annotation>) -> ChangeSummary {
        let changes = annotations
            .into_iter()
            .map(|a| (self.get(&a.id).cloned(), Some(a)))
            .collect();
        self.apply(Transaction { kind, changes })
    }

    /// Removes every annotation as one undoable step.
    pub fn clear_all(&mut self) -> ChangeSummary {
        let mut all: Vec<Annotation> = self.items.values().cloned().collect();
        super::order::sort_by(&mut all, |a, b| a.id.cmp(&b.id));
        self.apply(Transaction {
            kind: ChangeKind::ClearAll,
            changes: all.into_iter().map(|a| (Some(a), None)).collect(),
        })
    }

    /// What highlighting `span` in `color` should do: an annotation anchored on exactly `span`
    /// is focused (same colour, preferred when several are there) or recoloured; otherwise a
    /// new one is made. Overlapping but different spans are new highlights.
    pub fn check_highlight(&self, span: CharSpan, color: Color) -> HighlightCheck {
        let from = OrderKey {
            unanchored: false,
            start: span.start,
            end: span.end,
            created: Timestamp(i64::MIN),
            id: String::new(),
        };
        let mut same_span = self
            .items
            .range(from..)
            .map(|(_, a)| a)
            .take_while(|a| a.anchor == Some(span));
        let Some(first) = same_span.next() else {
            return HighlightCheck::New;
        };
        if first.color == color {
            return HighlightCheck::Existing(first.id.clone());
        }
        match same_span.find(|a| a.color == color) {
            Some(a) => HighlightCheck::Existing(a.id.clone()),
            None => HighlightCheck::Recolor(first.id.clone()),
        }
    }

    /// Every tag in use, sorted, each once.
    pub fn all_tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self.tag_counts.keys().cloned().collect();
        // Case-insensitive, then "Army" before "army": the same list whatever the map's order.
        super::order::sort_by_cached_key(&mut tags, |t| (t.to_lowercase(), t.clone()));
        tags
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(id: &str, text: &CharText, span: CharSpan) -> Annotation {
        Annotation::highlight(
            id.into(),
            "urn:test",
            text,
            span,
            Color::Yellow,
            Timestamp(1000),
        )
    }

    #[test]
    fn a_new_highlight_is_described_and_anchored_where_it_was_made() {
        let text = CharText::new("A café 😀 by the sea.");
        let a = sample("urn:uuid:x", &text, CharSpan::new(2, 8));
        assert_eq!(a.quote.exact, "café 😀");
        assert_eq!(a.anchor, Some(CharSpan::new(2, 8)));
        assert_eq!(a.position.map(|p| (p.start, p.end)), Some((2, 8)));
        assert_eq!((a.created, a.modified), (Timestamp(1000), Timestamp(1000)));
        assert_eq!(a.motivation(), "highlighting");
        assert!(a.note.is_empty() && a.tags.is_empty());
    }

    #[test]
    fn the_card_names_an_uncertain_place() {
        let text = CharText::new("yes. yes. yes.");
        let mut a = sample("a", &text, CharSpan::new(0, 3));
        assert_eq!(a.place_note(), None);
        a.identical_passages = 3;
        assert_eq!(
            a.place_note().as_deref(),
            Some("one of 3 identical passages")
        );
        a.anchor = None;
        assert_eq!(a.place_note(), None);
    }

    /// Issue 30: the same words highlighted twice must not make two identical cards.
    #[test]
    fn highlighting_existing_words_focuses_or_recolours() {
        let text = CharText::new("one two three four");
        let mut set = AnnotationSet::new();
        let two = CharSpan::new(4, 7);
        assert_eq!(set.check_highlight(two, Color::Yellow), HighlightCheck::New);
        set.create(sample("a", &text, two)).unwrap();
        set.create(sample("b", &text, CharSpan::new(4, 13)))
            .unwrap();
        assert_eq!(
            set.check_highlight(two, Color::Yellow),
            HighlightCheck::Existing("a".into())
        );
        assert_eq!(
            set.check_highlight(two, Color::Blue),
            HighlightCheck::Recolor("a".into())
        );
        // Overlapping words are another highlight.
        assert_eq!(
            set.check_highlight(CharSpan::new(4, 8), Color::Yellow),
            HighlightCheck::New
        );
        // With two there already, the one of the chosen colour is focused.
        let mut c = sample("c", &text, two);
        c.color = Color::Blue;
        set.create(c).unwrap();
        assert_eq!(
            set.check_highlight(two, Color::Blue),
            HighlightCheck::Existing("c".into())
        );
        // Recolouring is an ordinary undoable change.
        set.update("a", ChangeKind::Recolor, Timestamp(5), |a| {
            a.color = Color::Pink
        })
        .unwrap();
        set.undo(Timestamp(6)).unwrap();
        assert_eq!(set.get("a").unwrap().color, Color::Yellow);
        // An unanchored annotation covers nothing.
        let mut lost = sample("z", &text, CharSpan::new(14, 18));
        lost.anchor = None;
        set.create(lost).unwrap();
        assert_eq!(
            set.check_highlight(CharSpan::new(14, 18), Color::Yellow),
            HighlightCheck::New
        );
    }

    #[test]
    fn uuid_urns_are_version_4() {
        let id = uuid_v4_urn([0xff; 16]);
        assert_eq!(id, "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(
            uuid_v4_urn([0; 16]),
            "urn:uuid:00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn undoing_clear_all_or_delete_restores_each_annotation_exactly() {
        let text = CharText::new("one two three four");
        let mut set = AnnotationSet::new();
        set.create(sample("a", &text, CharSpan::new(0, 3))).unwrap();
        set.create(sample("b", &text, CharSpan::new(4, 7))).unwrap();
        set.update("a", ChangeKind::EditNote, Timestamp(2000), |a| {
            a.note = "hi".into()
        })
        .unwrap();
        let before: Vec<Annotation> = ["a", "b"].map(|id| set.get(id).unwrap().clone()).into();
        set.clear_all();
        assert!(set.is_empty());
        set.undo(Timestamp(9000)).unwrap();
        let after: Vec<Annotation> = ["a", "b"].map(|id| set.get(id).unwrap().clone()).into();
        assert_eq!(after, before);
        assert_eq!(after[0].modified, Timestamp(2000));
        // Redoing and undoing again changes nothing either; nor does undoing one Delete.
        set.redo(Timestamp(9500)).unwrap();
        set.undo(Timestamp(9600)).unwrap();
        set.delete("b").unwrap();
        set.undo(Timestamp(9700)).unwrap();
        let again: Vec<Annotation> = ["a", "b"].map(|id| set.get(id).unwrap().clone()).into();
        assert_eq!(again, before);
    }

    #[test]
    fn every_change_undoes_and_redoes() {
        let text = CharText::new("one two three four");
        let mut set = AnnotationSet::new();
        set.create(sample("a", &text, CharSpan::new(0, 3))).unwrap();
        set.create(sample("b", &text, CharSpan::new(4, 7))).unwrap();
        set.update("a", ChangeKind::EditNote, Timestamp(2000), |a| {
            a.note = "hi".into()
        })
        .unwrap();
        assert_eq!(set.get("a").unwrap().modified, Timestamp(2000));
        assert_eq!(set.get("a").unwrap().motivation(), "commenting");
        let s = set.delete("b").unwrap();
        assert_eq!(s.touched, vec![CharSpan::new(4, 7)]);
        set.clear_all();
        assert!(set.is_empty());
        set.undo(Timestamp(3000)).unwrap();
        assert_eq!(set.len(), 1);
        set.undo(Timestamp(3000)).unwrap();
        assert_eq!(set.len(), 2);
        set.undo(Timestamp(1500)).unwrap();
        assert_eq!(set.get("a").unwrap().note, "");
        // Undoing is a change of its own: later than the version it replaced, whatever the clock.
        assert_eq!(set.get("a").unwrap().modified, Timestamp(2001));
        set.redo(Timestamp(5000)).unwrap();
        assert_eq!(set.get("a").unwrap().note, "hi");
        assert_eq!(set.get("a").unwrap().modified, Timestamp(5000));
        assert_eq!(set.undo_kind(), Some(&ChangeKind::EditNote));
        // A new change clears redo.
        set.create(sample("c", &text, CharSpan::new(8, 13)))
            .unwrap();
        assert_eq!(set.redo(Timestamp(6000)), Err(SetError::NothingToRedo));
    }

    #[test]
    fn loading_fills_only_an_empty_set_and_leaves_nothing_to_save() {
        let text = CharText::new("one two three four");
        let mut set = AnnotationSet::new();
        let a = sample("a", &text, CharSpan::new(0, 3));
        let b = sample("b", &text, CharSpan::new(4, 7));
        let s = set.load(vec![b.clone(), a.clone()]).unwrap();
        assert_eq!(s.kind, Some(ChangeKind::Sync));
        assert_eq!(s.ids, vec!["b".to_string(), "a".to_string()]);
        assert_eq!(s.touched, vec![CharSpan::new(4, 7), CharSpan::new(0, 3)]);
        let ids: Vec<&str> = set.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, vec!["a", "b"]);
        assert!(set.take_changed().is_empty());
        assert!(!set.can_undo());
        assert_eq!(set.load(vec![a]), None);
        assert_eq!(set.len(), 2);
    }

    /// Gathered a piece at a time, then loaded: the same set as loading them at once, and the
    /// same summary (in text order); a set that is not empty (or has history) is left alone.
    #[test]
    fn a_gathered_set_loads_as_a_whole_load_would() {
        use proptest::prelude::*;
        let text = CharText::new("one two three four five six seven eight nine ten");
        let len = text.len_chars();
        let one =
            (0..len, 1..6usize, 0..4usize, proptest::bool::ANY).prop_map(move |(s, w, id, tag)| {
                let span = CharSpan::new(s, (s + w).min(len));
                // Some ids repeat: a later one replaces an earlier one, as in `load`.
                let mut a = sample(&format!("id{id}-{}", s % 5), &text, span);
                if tag {
                    a.tags = vec![format!("t{}", s % 3)];
                }
                if s % 7 == 0 {
                    a.anchor = None;
                }
                a
            });
        let cases = (
            proptest::collection::vec(one, 0..40),
            proptest::collection::vec(0..40usize, 0..5),
        );
        proptest!(|((list, cuts) in cases)| {
            let mut whole = AnnotationSet::new();
            let whole_summary = whole.load(list.clone()).unwrap();
            let mut gathered = AnnotationSet::new();
            let mut cuts = cuts.clone();
            cuts.push(0);
            cuts.push(list.len());
            cuts.sort();
            for w in cuts.windows(2) {
                let (a, b) = (w[0].min(list.len()), w[1].min(list.len()));
                gathered.gather(list[a..b].to_vec());
            }
            let mut set = AnnotationSet::new();
            let summary = set.load_gathered(&mut gathered).unwrap();
            prop_assert!(gathered.is_empty());
            let ids = |s: &AnnotationSet| s.iter().cloned().collect::<Vec<_>>();
            prop_assert_eq!(ids(&set), ids(&whole));
            prop_assert_eq!(set.all_tags(), whole.all_tags());
            prop_assert!(set.take_changed().is_empty());
            prop_assert!(!set.can_undo() && !set.can_redo());
            // The summary: every id once, in text order, and the anchors of what is there.
            let in_order: Vec<String> = set.iter().map(|a| a.id.clone()).collect();
            prop_assert_eq!(&summary.ids, &in_order);
            let mut touched = summary.touched.clone();
            let mut expected: Vec<CharSpan> = set.iter().filter_map(|a| a.anchor).collect();
            touched.sort_by_key(|s| (s.start, s.end));
            expected.sort_by_key(|s| (s.start, s.end));
            prop_assert_eq!(touched, expected);
            prop_assert_eq!(summary.unanchored_changed, set.iter().any(|a| a.anchor.is_none()));
            prop_assert_eq!(summary.kind, whole_summary.kind);
        });
    }

    #[test]
    fn a_gathered_set_is_not_loaded_over_anything() {
        let text = CharText::new("one two three four");
        let mut gathered = AnnotationSet::new();
        gathered.gather(vec![sample("a", &text, CharSpan::new(0, 3))]);
        gathered.gather(vec![sample("b", &text, CharSpan::new(4, 7))]);
        assert!(gathered.take_changed().is_empty());
        // The reader highlighted meanwhile: nothing loaded, the gathered set back for a merge.
        let mut set = AnnotationSet::new();
        set.create(sample("c", &text, CharSpan::new(8, 13)))
            .unwrap();
        assert_eq!(set.load_gathered(&mut gathered), None);
        assert_eq!(set.len(), 1);
        assert!(set.can_undo());
        let ids: Vec<String> = gathered
            .into_annotations()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids, vec!["a".to_string(), "b".to_string()]);
        // Emptied again, but with history: still not loaded over.
        set.delete("c").unwrap();
        let mut gathered = AnnotationSet::new();
        gathered.gather(vec![sample("a", &text, CharSpan::new(0, 3))]);
        assert_eq!(set.load_gathered(&mut gathered), None);
        assert_eq!(gathered.len(), 1);
    }

    #[test]
    fn refusals_are_values() {
        let text = CharText::new("abc");
        let mut set = AnnotationSet::new();
        assert_eq!(set.undo(Timestamp(0)), Err(SetError::NothingToUndo));
        assert_eq!(set.delete("x"), Err(SetError::NoSuchAnnotation("x".into())));
        set.create(sample("a", &text, CharSpan::new(0, 1))).unwrap();
        assert_eq!(
            set.create(sample("a", &text, CharSpan::new(0, 1))),
            Err(SetError::DuplicateId("a".into()))
        );
        // An edit that changes nothing is no step.
        set.update("a", ChangeKind::EditNote, Timestamp(5), |_| {})
            .unwrap();
        assert_eq!(set.undo_kind(), Some(&ChangeKind::Create));
    }

    #[test]
    fn text_order_puts_unanchored_last() {
        let text = CharText::new("one two three four");
        let mut lost = sample("z", &text, CharSpan::new(0, 3));
        lost.anchor = None;
        let set = AnnotationSet::from_annotations([
            sample("b", &text, CharSpan::new(8, 13)),
            lost,
            sample("a", &text, CharSpan::new(4, 7)),
        ]);
        let ids: Vec<_> = set.in_text_order().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "z"]);
    }

    #[test]
    fn tags_are_cleaned() {
        assert_eq!(
            normalize_tag("  #Iran   relations "),
            Some("Iran relations".into())
        );
        assert_eq!(normalize_tag(" # "), None);
        assert_eq!(
            normalize_tag(&"x".repeat(100)).unwrap().len(),
            TAG_MAX_CHARS
        );
        assert_eq!(normalize_tag("a\u{7}b"), Some("ab".into()));
    }

    #[test]
    fn filters_match_quote_note_tags_colour() {
        let text = CharText::new("The Basij Organization and the IRGC");
        let mut a = sample("a", &text, CharSpan::new(4, 22));
        a.note = "Volunteer force".into();
        a.tags = vec!["militia".into()];
        a.color = Color::Green;
        let f = |q: &str| Filter {
            query: q.into(),
            ..Default::default()
        };
        assert!(f("").matches(&a));
        assert!(f("basij volunteer").matches(&a));
        assert!(f("MILITIA").matches(&a));
        assert!(!f("irgc").matches(&a));
        assert!(Filter {
            color: Some(Color::Green),
            ..Default::default()
        }
        .matches(&a));
        assert!(!Filter {
            color: Some(Color::Blue),
            ..Default::default()
        }
        .matches(&a));
        assert!(Filter {
            tag: Some("Militia".into()),
            ..Default::default()
        }
        .matches(&a));
        assert!(!Filter {
            tag: Some("army".into()),
            ..Default::default()
        }
        .matches(&a));
        assert!(f("x").is_active() && !Filter::default().is_active());
    }

    #[test]
    fn colour_names_round_trip() {
        for c in Color::ALL {
            assert_eq!(Color::from_name(c.name()), Some(c));
            assert_eq!(Color::from_name(c.style_class()), Some(c));
        }
        assert_eq!(Color::from_name("mauve"), None);
    }

    /// The text order and the tag list kept by every change are what a full sort and recount
    /// give, and saving only the changed ids keeps storage equal to the set, whatever the mix of creates, moves (re-attach), edits, retags, deletes, undos, redos
    /// and external merges.
    mod order_property {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum Op {
            Create(u8, usize, usize, i64),
            Move(u8, Option<(usize, usize)>),
            Note(u8),
            Tag(u8, u8),
            Delete(u8),
            Undo,
            Redo,
            External(u8, Option<(usize, usize)>),
            ClearAll,
        }

        fn op() -> impl Strategy<Value = Op> {
            let span = (0usize..40, 0usize..10);
            prop_oneof![
                4 => (0u8..12, 0usize..40, 1usize..10, 0i64..5).prop_map(|(i, s, l, t)| Op::Create(i, s, s + l, t)),
                2 => (0u8..12, proptest::option::of(span.clone())).prop_map(|(i, s)| Op::Move(i, s.map(|(a, l)| (a, a + l + 1)))),
                1 => (0u8..12).prop_map(Op::Note),
                2 => (0u8..12, 0u8..5).prop_map(|(i, t)| Op::Tag(i, t)),
                2 => (0u8..12).prop_map(Op::Delete),
                2 => Just(Op::Undo),
                1 => Just(Op::Redo),
                1 => (0u8..12, proptest::option::of(span)).prop_map(|(i, s)| Op::External(i, s.map(|(a, l)| (a, a + l + 1)))),
                1 => Just(Op::ClearAll),
            ]
        }

        fn sorted(set: &AnnotationSet) -> Vec<String> {
            let mut v: Vec<&Annotation> = set.iter().collect();
            v.sort_by_key(|a| {
                let (u, s, e) = a.anchor.map_or((1, 0, 0), |x| (0, x.start, x.end));
                (u, s, e, a.created, a.id.clone())
            });
            v.into_iter().map(|a| a.id.clone()).collect()
        }

        proptest! {
            #[test]
            fn text_order_and_tags_match_a_full_recount(
                ops in proptest::collection::vec(op(), 0..60),
                save_every in 0usize..5,
            ) {
                let text = CharText::new(&"abcdefghij".repeat(6));
                let mut set = AnnotationSet::new();
                let mut saved: BTreeMap<String, Annotation> = BTreeMap::new();
                for (step, op) in ops.into_iter().enumerate() {
                    let id = |i: u8| format!("urn:uuid:{i}");
                    match op {
                        Op::Create(i, s, e, t) => {
                            let mut a = sample(&id(i), &text, CharSpan::new(s, e));
                            a.created = Timestamp(t);
                            let _ = set.create(a);
                        }
                        Op::Move(i, span) => {
                            let _ = set.update(&id(i), ChangeKind::Reattach, Timestamp(9), |a| {
                                a.anchor = span.map(|(s, e)| CharSpan::new(s, e));
                            });
                        }
                        Op::Note(i) => {
                            let _ = set.update(&id(i), ChangeKind::EditNote, Timestamp(9), |a| a.note.push('x'));
                        }
                        Op::Tag(i, t) => {
                            let _ = set.update(&id(i), ChangeKind::Retag, Timestamp(9), |a| {
                                let tag = ["Iran", "iran", "army", "Army", "b"][t as usize % 5].to_string();
                                match a.tags.iter().position(|x| *x == tag) {
                                    Some(p) => {
                                        a.tags.remove(p);
                                    }
                                    None => a.tags.push(tag),
                                }
                            });
                        }
                        Op::Delete(i) => {
                            let _ = set.delete(&id(i));
                        }
                        Op::Undo => {
                            let _ = set.undo(Timestamp(9));
                        }
                        Op::Redo => {
                            let _ = set.redo(Timestamp(9));
                        }
                        Op::External(i, span) => {
                            let before = set.get(&id(i)).cloned();
                            let after = before.clone().map(|mut a| {
                                a.anchor = span.map(|(s, e)| CharSpan::new(s, e));
                                a
                            });
                            set.apply_external(vec![(before, after)]);
                        }
                        Op::ClearAll => {
                            set.clear_all();
                        }
                    }
                    let listed: Vec<String> = set.in_text_order().iter().map(|a| a.id.clone()).collect();
                    prop_assert_eq!(listed.len(), set.len());
                    prop_assert_eq!(set.keys.len(), set.items.len());
                    prop_assert!(set.iter().all(|a| set.get(&a.id) == Some(a)));
                    let mut tags: Vec<String> = set.iter().flat_map(|a| a.tags.clone()).collect();
                    tags.sort_by_key(|t| (t.to_lowercase(), t.clone()));
                    tags.dedup();
                    prop_assert_eq!(set.all_tags(), tags);
                    prop_assert_eq!(listed, sorted(&set));
                    // A save now and then writes only the changed ids.
                    if save_every > 0 && step.is_multiple_of(save_every) {
                        write_changed(&mut set, &mut saved);
                    }
                }
                // Whatever the mix, writing just the changed ids leaves storage equal to the set.
                write_changed(&mut set, &mut saved);
                let in_set: BTreeMap<String, Annotation> =
                    set.iter().map(|a| (a.id.clone(), a.clone())).collect();
                prop_assert_eq!(saved, in_set);
                prop_assert!(set.take_changed().is_empty());
            }
        }

        /// Applies the set's changed ids to `saved`, as a save to one record per id does.
        fn write_changed(set: &mut AnnotationSet, saved: &mut BTreeMap<String, Annotation>) {
            for id in set.take_changed() {
                match set.get(&id) {
                    Some(a) => {
                        saved.insert(id, a.clone());
                    }
                    None => {
                        saved.remove(&id);
                    }
                }
            }
        }
    }
}
