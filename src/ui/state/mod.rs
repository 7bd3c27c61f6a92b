//! The store, shared through context: the document, the annotation set, the signals the views
//! read, and the fine-grained triggers that let a change re-render only the paragraphs it
//! touches. It announces every change to its subscribers ([`AppState::subscribe`]): the
//! services (saving, …) listen there; the store knows none of them.

mod index;
mod render;

pub use render::BlockPatch;

use crate::ui::edge::card_focus::keep_card_focus;
use crate::ui::edge::clock::{now, random_bytes};
use crate::ui::edge::perf::UserTiming;
use crate::ui::edge::timers::later;
use index::BlockIndex;
use leptos::prelude::*;
use marginalia_core::annotation::{
    uuid_v4_urn, Annotation, AnnotationSet, ChangeKind, ChangeSummary, Color, HighlightCheck,
    SetError,
};
use marginalia_core::article::Document;
use marginalia_core::markdown::first_words;
use marginalia_core::order;
use marginalia_core::span::CharSpan;
use marginalia_core::storage;
use marginalia_core::time::Timestamp;
use std::rc::Rc;
use std::time::Duration;

/// How much of a deleted annotation's quote its toast repeats, in characters.
const DELETED_QUOTE_CHARS: usize = 40;

/// Told of each change to the annotation set, once it is in the store and re-rendering is
/// under way.
pub type Subscriber = Rc<dyn Fn(&AppState, &ChangeSummary)>;

/// A short message with an optional Undo, shown at the bottom of the screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub text: String,
    pub undo: bool,
    pub serial: u64,
}

/// A persistent message about storage (role alert or status).
#[derive(Clone, Debug, PartialEq)]
pub struct Banner {
    pub text: String,
    pub error: bool,
    /// Offer "Download the damaged data" / "Start fresh".
    pub damaged: bool,
}

/// Past this many annotations, a change counts as bulk (a load, an import, a sync): the block
/// index is rebuilt rather than patched, and the list follows a task later.
const BULK_CHANGE: usize = 64;

#[derive(Clone, Copy)]
pub struct AppState {
    pub doc: StoredValue<Document>,
    pub set: StoredValue<AnnotationSet>,
    /// Ids of the anchored annotations touching each block.
    by_block: StoredValue<BlockIndex>,
    /// Blocks whose marks changed and are not re-rendered yet; `blocks_changed` fires on each.
    dirty_blocks: StoredValue<Vec<usize>>,
    /// The document text those changes touched (anchors before and after).
    dirty_spans: StoredValue<Vec<CharSpan>>,
    /// Where each block's runs start as rendered (one DOM node per run), so a change re-renders
    /// just the runs it touched ([`markup::rerender_window`]).
    run_starts: StoredValue<Vec<Vec<usize>>>,
    pub blocks_changed: Trigger,
    /// Fires when the list of annotations (or history) changed.
    pub list: Trigger,
    pub focused: RwSignal<Option<String>>,
    pub editing: RwSignal<Option<String>>,
    /// The id made by **Note** whose note is still empty: Escape removes it without a trace.
    pub fresh_note: RwSignal<Option<String>>,
    pub flash: RwSignal<Option<(String, u64)>>,
    /// A card the panel is asked to show and scroll to (`show_card`): the id, whether to focus
    /// its quote, a serial (asking twice scrolls twice).
    pub card_wanted: RwSignal<Option<(String, bool, u64)>>,
    /// On a phone the panel is a bottom sheet: open (its cards shown) or just its title bar.
    pub sheet_open: RwSignal<bool>,
    pub toast: RwSignal<Option<Toast>>,
    pub banner: RwSignal<Option<Banner>>,
    pub color: RwSignal<Color>,
    serial: StoredValue<u64>,
    subscribers: StoredValue<Vec<Subscriber>, LocalStorage>,
}

impl AppState {
    /// The store for `doc`, holding `annotations` (what an earlier build left in localStorage,
    /// anchored here), with `banner` shown.
    pub fn new(doc: Document, mut annotations: Vec<Annotation>, banner: Option<Banner>) -> Self {
        storage::anchor_all(&doc, &mut annotations);
        let state = AppState {
            set: StoredValue::new(AnnotationSet::from_annotations(annotations)),
            doc: StoredValue::new(doc),
            by_block: StoredValue::new(BlockIndex::default()),
            dirty_blocks: StoredValue::new(Vec::new()),
            dirty_spans: StoredValue::new(Vec::new()),
            run_starts: StoredValue::new(Vec::new()),
            blocks_changed: Trigger::new(),
            list: Trigger::new(),
            focused: RwSignal::new(None),
            editing: RwSignal::new(None),
            fresh_note: RwSignal::new(None),
            flash: RwSignal::new(None),
            card_wanted: RwSignal::new(None),
            sheet_open: RwSignal::new(false),
            toast: RwSignal::new(None),
            banner: RwSignal::new(banner),
            color: RwSignal::new(Color::Yellow),
            serial: StoredValue::new(0),
            subscribers: StoredValue::new_local(Vec::new()),
        };
        state.rebuild_index();
        state
    }

    /// Has `f` told of every change from now on, for as long as the store lives.
    pub fn subscribe(&self, f: impl Fn(&AppState, &ChangeSummary) + 'static) {
        self.subscribers.update_value(|s| s.push(Rc::new(f)));
    }

    /// Tells the subscribers of `summary`.
    fn announce(&self, summary: &ChangeSummary) {
        let Some(subscribers) = self.subscribers.try_get_value() else {
            return;
        };
        for f in subscribers {
            f(self, summary);
        }
    }

    /// Is the store still there (its document not closed)? Deferred work checks.
    pub fn is_alive(&self) -> bool {
        self.doc.try_with_value(|_| ()).is_some()
    }

    fn next_serial(&self) -> u64 {
        let mut n = 0;
        self.serial.update_value(|s| {
            *s += 1;
            n = *s;
        });
        n
    }

    /// After any change: re-index, re-render the touched blocks and the list, and announce it
    /// (saving subscribes). A control of a card that had the focus keeps it in the card drawn
    /// anew ([`keep_card_focus`]).
    pub fn after_change(&self, summary: &ChangeSummary) {
        keep_card_focus();
        self.redraw(summary);
    }

    /// [`AppState::after_change`] leaving the focus where it falls.
    fn redraw(&self, summary: &ChangeSummary) {
        if summary.kind.is_none() {
            return;
        }
        let timing = UserTiming::start("marginalia:index");
        self.update_index(summary);
        let touched: Vec<usize> = self.doc.with_value(|doc| {
            let mut v: Vec<usize> = summary
                .touched
                .iter()
                .flat_map(|s| doc.blocks_touching(*s))
                .collect();
            order::sort_dedup(&mut v);
            v
        });
        drop(timing);
        if !touched.is_empty() {
            self.dirty_blocks.update_value(|d| d.extend(touched));
            self.dirty_spans
                .update_value(|d| d.extend(summary.touched.iter().copied()));
            self.blocks_changed.notify();
        }
        if summary.ids.len() > BULK_CHANGE {
            // A load, import or sync: the list (cards, counts) follows in a task of its own, so
            // that drawing the text and building the cards are not one long task.
            self.notify_next_task(self.list);
        } else {
            self.list.notify();
        }
        let _timing = UserTiming::start("marginalia:announce");
        self.announce(summary);
    }

    pub fn show_toast(&self, text: impl Into<String>, undo: bool) {
        let serial = self.next_serial();
        self.toast.set(Some(Toast {
            text: text.into(),
            undo,
            serial,
        }));
        let toast = self.toast;
        later(Duration::from_secs(6), move || {
            if toast.try_with_untracked(|t| t.as_ref().is_some_and(|t| t.serial == serial))
                == Some(true)
            {
                toast.set(None);
            }
        });
    }

    /// Highlights `span` (document offsets; trimmed of whitespace first) in the chosen colour,
    /// unless a highlight already covers exactly these words: then that one is kept (recoloured,
    /// as an undoable step, when another colour was picked). Returns the highlight's id and
    /// whether it is new, or `None` when nothing but whitespace was selected.
    pub fn highlight(&self, span: CharSpan) -> Option<(String, bool)> {
        let color = self.color.get_untracked();
        let span = self.doc.with_value(|doc| doc.text().trim_span(span))?;
        let check = self.set.with_value(|set| set.check_highlight(span, color));
        match check {
            HighlightCheck::New => self.create(span).map(|id| (id, true)),
            HighlightCheck::Existing(id) => {
                self.show_toast("Already highlighted", false);
                Some((id, false))
            }
            HighlightCheck::Recolor(id) => {
                self.update(&id, ChangeKind::Recolor, |a| a.color = color);
                self.show_toast(format!("Colour changed to {}", color.label()), true);
                Some((id, false))
            }
        }
    }

    /// Creates an annotation on `span` (document offsets; trimmed of whitespace first).
    /// Returns its id, or `None` when nothing but whitespace was selected.
    pub fn create(&self, span: CharSpan) -> Option<String> {
        let now = now();
        let color = self.color.get_untracked();
        let annotation = self.doc.with_value(|doc| {
            let span = doc.text().trim_span(span)?;
            Some(Annotation::highlight(
                uuid_v4_urn(random_bytes()),
                &doc.source_iri,
                doc.text(),
                span,
                color,
                now,
            ))
        })?;
        let id = annotation.id.clone();
        let result = self.set.try_update_value(|set| set.create(annotation))?;
        match result {
            Ok(summary) => {
                self.after_change(&summary);
                Some(id)
            }
            Err(e) => {
                self.show_toast(format!("Could not highlight: {e}"), false);
                None
            }
        }
    }

    /// Edits one annotation as an undoable step.
    pub fn update(&self, id: &str, kind: ChangeKind, edit: impl FnOnce(&mut Annotation)) {
        let now = now();
        let result = self
            .set
            .try_update_value(|set| set.update(id, kind, now, edit));
        match result {
            Some(Ok(summary)) => self.after_change(&summary),
            Some(Err(e)) => self.show_toast(format!("Could not change the annotation: {e}"), false),
            None => {}
        }
    }

    pub fn delete(&self, id: &str) {
        // Said in the toast: which annotation went, by the first words of its quote.
        let quote = self.set.with_value(|set| {
            set.get(id)
                .map(|a| first_words(&a.quote.exact, DELETED_QUOTE_CHARS))
        });
        let result = self.set.try_update_value(|set| set.delete(id));
        match result {
            Some(Ok(summary)) => {
                self.after_change(&summary);
                if self.focused.get_untracked().as_deref() == Some(id) {
                    self.focused.set(None);
                }
                match quote.filter(|q| !q.is_empty()) {
                    Some(q) => self.show_toast(format!("Deleted \u{201c}{q}\u{201d}"), true),
                    None => self.show_toast("Deleted", true),
                }
            }
            Some(Err(e)) => self.show_toast(format!("Could not delete: {e}"), false),
            None => {}
        }
    }

    /// Removes an annotation made by **Note** whose note was left empty, leaving no history.
    pub fn discard_fresh(&self, id: &str) {
        let summary = self.set.try_update_value(|set| {
            set.get(id)
                .cloned()
                .map(|a| set.apply_external(vec![(Some(a), None)]))
        });
        if let Some(Some(mut summary)) = summary {
            summary.kind = Some(ChangeKind::Delete);
            // The reader was writing in the text, not working through the cards: the focus is
            // not moved to another card.
            self.redraw(&summary);
        }
        self.fresh_note.set(None);
        self.editing.set(None);
    }

    /// Undoes the last step; returns the ids of the annotations it changed.
    pub fn undo(&self) -> Vec<String> {
        self.step_history(AnnotationSet::undo, "Undone")
    }

    pub fn redo(&self) {
        self.step_history(AnnotationSet::redo, "Redone");
    }

    /// Undoes or redoes one step, re-renders what it touched and says what it was.
    fn step_history(
        &self,
        step: fn(&mut AnnotationSet, Timestamp) -> Result<ChangeSummary, SetError>,
        verb: &str,
    ) -> Vec<String> {
        let now = now();
        let Some(Ok(summary)) = self.set.try_update_value(|set| step(set, now)) else {
            return Vec::new();
        };
        let what = summary.kind.as_ref().map_or("Change", |k| k.past_tense());
        self.after_change(&summary);
        self.show_toast(format!("{verb}: {what}"), false);
        summary.ids
    }

    /// Has the panel show `id`'s card (drawn at once even when it lies past the listed page),
    /// scroll to it (the panel only: the text stays where it is) and, with `focus`, focus its
    /// quote.
    pub fn show_card(&self, id: &str, focus: bool) {
        let serial = self.next_serial();
        self.card_wanted.set(Some((id.to_string(), focus, serial)));
    }

    /// Focuses annotation `id` and has its marks flash for a moment (see `nav::reveal`, which
    /// also scrolls the text to it).
    pub fn focus_and_flash(&self, id: &str) {
        self.focused.set(Some(id.to_string()));
        let serial = self.next_serial();
        self.flash.set(Some((id.to_string(), serial)));
        let flash = self.flash;
        later(Duration::from_millis(1400), move || {
            if flash.try_with_untracked(|f| f.as_ref().is_some_and(|f| f.1 == serial)) == Some(true)
            {
                flash.set(None);
            }
        });
    }
}
