//! The application state shared through context: the document, the annotation set, and the
//! fine-grained triggers that let a change re-render only the paragraphs it touches.

use crate::ui::persist::{self, Persist, SaveOutcome};
use crate::ui::{dom, idb, sync};
use leptos::prelude::*;
use marginalia_core::annotation::{
    uuid_v4_urn, Annotation, AnnotationSet, ChangeKind, ChangeSummary, Color, SetError,
};
use marginalia_core::article::Document;
use marginalia_core::markup::{self, MarkState};
use marginalia_core::order;
use marginalia_core::span::CharSpan;
use marginalia_core::storage;
use marginalia_core::time::Timestamp;
use std::collections::HashMap;

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

/// Which anchored annotations touch each block (with their anchors, so that a part of a block
/// looks up only the annotations over it), and which blocks each one touches.
#[derive(Default)]
struct BlockIndex {
    by_block: Vec<Vec<(CharSpan, String)>>,
    blocks_of: HashMap<String, std::ops::Range<usize>>,
}

impl BlockIndex {
    fn add(&mut self, doc: &Document, a: &Annotation) {
        if let Some(span) = a.anchor {
            let blocks = doc.blocks_touching(span);
            for b in blocks.clone() {
                if let Some(list) = self.by_block.get_mut(b) {
                    list.push((span, a.id.clone()));
                }
            }
            self.blocks_of.insert(a.id.clone(), blocks);
        }
    }

    fn remove(&mut self, id: &str) {
        if let Some(blocks) = self.blocks_of.remove(id) {
            for b in blocks {
                if let Some(list) = self.by_block.get_mut(b) {
                    list.retain(|(_, x)| x != id);
                }
            }
        }
    }

    /// The blocks where annotation `id` has marks.
    fn blocks_of(&self, id: &str) -> std::ops::Range<usize> {
        self.blocks_of.get(id).cloned().unwrap_or(0..0)
    }

    /// The annotations of block `idx` whose anchors satisfy `over` (looked up in `set` only then).
    fn annotations<'a>(
        &self,
        set: &'a AnnotationSet,
        idx: usize,
        over: impl Fn(CharSpan) -> bool,
    ) -> Vec<&'a Annotation> {
        self.by_block.get(idx).map_or_else(Vec::new, |list| {
            list.iter()
                .filter(|(span, _)| over(*span))
                .filter_map(|(_, id)| set.get(id))
                .collect()
        })
    }
}

/// How a block changes on screen (see [`AppState::block_patch`]).
pub enum BlockPatch {
    /// Its whole inner HTML.
    Whole(String),
    /// Its nodes `from..to` (one per run) replaced by the runs in `html`.
    Runs {
        from: usize,
        to: usize,
        html: String,
    },
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
    pub persist: StoredValue<Persist>,
    /// A save is scheduled ([`AppState::schedule_save`]) and has not run yet.
    save_pending: StoredValue<bool>,
    serial: StoredValue<u64>,
}

impl AppState {
    pub fn new(doc: Document) -> Self {
        let (persist, loaded, banner) = Persist::open(&doc.id);
        let mut annotations = loaded;
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
            persist: StoredValue::new(persist),
            save_pending: StoredValue::new(false),
            serial: StoredValue::new(0),
        };
        state.rebuild_index();
        state
    }

    fn next_serial(&self) -> u64 {
        let mut n = 0;
        self.serial.update_value(|s| {
            *s += 1;
            n = *s;
        });
        n
    }

    /// Rebuilds the block → annotation index (linear in the number of annotations).
    fn rebuild_index(&self) {
        let index = self.doc.with_value(|doc| {
            let mut index = BlockIndex {
                by_block: vec![Vec::new(); doc.blocks.len()],
                blocks_of: Default::default(),
            };
            self.set.with_value(|set| {
                for a in set.iter() {
                    index.add(doc, a);
                }
            });
            index
        });
        self.by_block.set_value(index);
    }

    /// Brings the index up to date with a change of a few annotations (many: rebuilt).
    fn update_index(&self, summary: &ChangeSummary) {
        if summary.ids.len() > BULK_CHANGE {
            return self.rebuild_index();
        }
        self.doc.with_value(|doc| {
            self.set.with_value(|set| {
                self.by_block.update_value(|index| {
                    for id in &summary.ids {
                        index.remove(id);
                        if let Some(a) = set.get(id) {
                            index.add(doc, a);
                        }
                    }
                })
            })
        });
    }

    /// The blocks where annotation `id` has marks (empty when it has none).
    pub fn blocks_of(&self, id: &str) -> std::ops::Range<usize> {
        self.by_block
            .try_with_value(|b| b.blocks_of(id))
            .unwrap_or(0..0)
    }

    /// The blocks changed since the last call (each once, in order), to re-render, and the
    /// text the changes touched.
    pub fn take_dirty(&self) -> (Vec<usize>, Vec<CharSpan>) {
        let mut v = self
            .dirty_blocks
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        order::sort_dedup(&mut v);
        let spans = self
            .dirty_spans
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        (v, spans)
    }

    /// Every block as HTML elements (`<p data-block="0">…</p>` …), for the first render.
    pub fn all_blocks_html(&self) -> String {
        let n = self.doc.with_value(|d| d.blocks.len());
        let mut out = String::new();
        let mut starts = Vec::with_capacity(n);
        for idx in 0..n {
            let runs = self.block_runs(idx, None);
            self.doc.with_value(|doc| {
                markup::push_block_element(&mut out, &doc.blocks[idx], Some(idx), &runs.html)
            });
            starts.push(runs.run_starts);
        }
        self.run_starts.set_value(starts);
        out
    }

    /// Leaves the re-rendering of `blocks` for a task of its own (after the browser has had a
    /// turn): each is then rendered whole, since the changes that made it dirty are not kept.
    pub fn defer_blocks(&self, blocks: Vec<usize>) {
        for &idx in &blocks {
            // No run starts to match its nodes: block_patch renders it whole.
            self.set_run_starts(idx, Vec::clear);
        }
        self.dirty_blocks.update_value(|d| d.extend(blocks));
        self.notify_next_task(self.blocks_changed);
    }

    /// Fires `trigger` in a task of its own, after the browser has had a turn (nothing when
    /// the app is gone by then).
    fn notify_next_task(&self, trigger: Trigger) {
        let app = *self;
        leptos::task::spawn_local(async move {
            dom::yield_to_browser().await;
            if app.doc.try_with_value(|_| ()).is_some() {
                trigger.notify();
            }
        });
    }

    /// What to write into block `idx` after changes touching `touched` (document code points),
    /// its element holding `dom_nodes` nodes: the runs the changes touched, or (when the block
    /// was not rendered as expected, or most of it changed) the whole block.
    pub fn block_patch(&self, idx: usize, touched: &[CharSpan], dom_nodes: usize) -> BlockPatch {
        /// Past this many changed spans (a sync, an import) the block is rendered whole.
        const MAX_SPANS: usize = 256;
        let (block_span, len) = self.doc.with_value(|d| {
            (
                d.block_span(idx),
                d.blocks.get(idx).map_or(0, |b| b.text.chars().count()),
            )
        });
        let window = self.run_starts.with_value(|all| {
            let old = all.get(idx).filter(|o| o.len() == dom_nodes)?;
            if touched.len() > MAX_SPANS {
                return None;
            }
            let local: Vec<CharSpan> = touched
                .iter()
                .filter_map(|t| t.intersect(&block_span))
                .map(|t| t.shifted_back(block_span.start))
                .collect();
            markup::rerender_window(old, len, &local).filter(|(_, _, w)| w.len() < len)
        });
        let Some((from, to, window)) = window else {
            let runs = self.block_runs(idx, None);
            self.set_run_starts(idx, |s| *s = runs.run_starts);
            return BlockPatch::Whole(runs.html);
        };
        let runs = self.block_runs(idx, Some(window));
        self.set_run_starts(idx, |s| {
            s.splice(from..to, runs.run_starts);
        });
        BlockPatch::Runs {
            from,
            to,
            html: runs.html,
        }
    }

    /// The positions among block `idx`'s nodes (one per run, as rendered) of the runs inside
    /// `span` (document code points), and how many nodes the block has; `None` before the
    /// block is rendered.
    pub fn runs_within(
        &self,
        idx: usize,
        span: CharSpan,
    ) -> Option<(std::ops::Range<usize>, usize)> {
        let start = self.doc.try_with_value(|d| d.block_span(idx).start)?;
        self.run_starts.try_with_value(|all| {
            let starts = all.get(idx)?;
            let from = starts.partition_point(|&s| start + s < span.start);
            let to = starts.partition_point(|&s| start + s < span.end);
            Some((from..to, starts.len()))
        })?
    }

    fn set_run_starts(&self, idx: usize, f: impl FnOnce(&mut Vec<usize>)) {
        self.run_starts.update_value(|all| {
            if all.len() <= idx {
                all.resize(idx + 1, Vec::new());
            }
            f(&mut all[idx]);
        });
    }

    /// The ids of the annotations covering the run at `char_idx` in block `idx` (a mark's
    /// `data-at`), in drawing order (the last on top).
    pub fn covering(&self, idx: usize, char_idx: usize) -> Vec<String> {
        self.set.with_value(|set| {
            self.by_block.with_value(|index| {
                let anns = index.annotations(set, idx, |s| s.start <= char_idx && char_idx < s.end);
                markup::covering_at(&anns, char_idx)
                    .into_iter()
                    .map(|a| a.id.clone())
                    .collect()
            })
        })
    }

    /// The inner HTML of block `idx` with its highlights (see [`markup::block_html`]).
    pub fn block_html(&self, idx: usize) -> String {
        self.block_runs(idx, None).html
    }

    /// The runs of block `idx` inside `window` (block-local; `None`: all of them) as HTML.
    fn block_runs(&self, idx: usize, window: Option<CharSpan>) -> markup::RunsHtml {
        let focused = self.focused.get_untracked();
        let flash = self.flash.get_untracked();
        let state = MarkState {
            focused: focused.as_deref(),
            flash: flash.as_ref().map(|f| f.0.as_str()),
        };
        self.doc.with_value(|doc| {
            let Some(block) = doc.blocks.get(idx) else {
                return markup::RunsHtml::default();
            };
            let window = window.unwrap_or(CharSpan::new(0, block.text.chars().count()));
            let block_span = doc.block_span(idx);
            let abs = CharSpan::new(
                block_span.start + window.start,
                block_span.start + window.end,
            );
            self.set.with_value(|set| {
                self.by_block.with_value(|index| {
                    // Only those over the window matter (block_runs_html ignores the others).
                    let anns = index.annotations(set, idx, |s| s.intersect(&abs).is_some());
                    markup::block_runs_html(block, block_span, &anns, state, window)
                })
            })
        })
    }

    /// After any change: re-index, re-render the touched blocks and the list, and save once the
    /// change is on screen. A control of a card that had the focus keeps it in the card drawn
    /// anew ([`dom::keep_card_focus`]).
    pub fn after_change(&self, summary: &ChangeSummary) {
        dom::keep_card_focus();
        self.redraw(summary);
    }

    /// [`AppState::after_change`] leaving the focus where it falls.
    fn redraw(&self, summary: &ChangeSummary) {
        if summary.kind.is_none() {
            return;
        }
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
        self.schedule_save();
    }

    /// Saves after the next frame is painted, so a click never waits for storage (with 10,000
    /// annotations a save takes far longer than a frame). Changes in one burst share one save.
    /// Until it runs, the change is in memory like any unsaved work: [`crate::ui::sync`] keeps it
    /// in a merge, and leaving the page or switching documents saves at once
    /// ([`AppState::flush_save`]).
    pub fn schedule_save(&self) {
        if self.save_pending.try_get_value() != Some(false) {
            return;
        }
        self.save_pending.set_value(true);
        let app = *self;
        dom::after_next_paint(move || app.flush_save());
    }

    /// When this document closes: a scheduled save runs now. Changes made while its stored
    /// annotations were still being read (saves wait for that) are written too, against what
    /// is stored, by a task that outlives the app.
    pub fn close(&self) {
        if self.persist.try_with_value(|p| p.may_write_on_close()) != Some(true) {
            return self.flush_save();
        }
        let _ = self.save_pending.try_set_value(false);
        let Some((plan, _)) = self
            .set
            .try_update_value(|set| self.persist.with_value(|p| p.plan(set)))
        else {
            return;
        };
        if plan.is_empty() {
            return;
        }
        let doc = self.persist.with_value(|p| p.doc_id().to_string());
        leptos::task::spawn_local(async move {
            let _ = idb::write_held(&doc, plan).await;
            sync::announce(&doc);
        });
    }

    /// Runs a scheduled save now (none scheduled: nothing to do). Safe after the app is gone.
    pub fn flush_save(&self) {
        if self.save_pending.try_get_value() == Some(true) {
            self.save();
        }
    }

    /// Writes what changed since the last save and reports trouble in the banner. The records
    /// are handed to the database at once (the `marginalia:save` measure); the write commits off
    /// the main thread (`marginalia:save-committed`), and other tabs are told.
    pub fn save(&self) {
        let _ = self.save_pending.try_set_value(false);
        let timing = dom::UserTiming::start("marginalia:save");
        let Some((plan, stamps)) = self
            .set
            .try_update_value(|set| self.persist.with_value(|p| p.plan(set)))
        else {
            return;
        };
        if plan.is_empty() || !self.persist.with_value(|p| p.can_write()) {
            return;
        }
        let doc = self.persist.with_value(|p| p.doc_id().to_string());
        let app = *self;
        let committed = dom::UserTiming::start("marginalia:save-committed");
        let plan = std::rc::Rc::new(plan);
        let started = idb::start_write(&doc, plan.clone());
        drop(timing);
        leptos::task::spawn_local(async move {
            let result = match started {
                Ok(writing) => writing.committed().await,
                Err(e) => Err(e),
            };
            drop(committed);
            let outcome = app.persist.try_with_value(|p| {
                p.written(&plan, &stamps, &result);
                match &result {
                    Ok(()) => SaveOutcome::Saved,
                    Err(e) => SaveOutcome::Failed(persist::write_failure(e)),
                }
            });
            match outcome {
                Some(SaveOutcome::Saved) => {
                    sync::announce(&doc);
                    if app
                        .banner
                        .try_with_untracked(|b| b.as_ref().is_some_and(|b| !b.damaged && b.error))
                        == Some(true)
                        && !app
                            .persist
                            .with_value(|p| p.is_memory_only() || p.has_unsaved())
                    {
                        app.banner.set(None);
                    }
                }
                Some(SaveOutcome::Failed(msg)) => {
                    let _ = app.banner.try_set(Some(Banner {
                        text: msg,
                        error: true,
                        damaged: false,
                    }));
                }
                _ => {}
            }
        });
    }

    pub fn show_toast(&self, text: impl Into<String>, undo: bool) {
        let serial = self.next_serial();
        self.toast.set(Some(Toast {
            text: text.into(),
            undo,
            serial,
        }));
        let toast = self.toast;
        set_timeout(
            move || {
                if toast.try_with_untracked(|t| t.as_ref().is_some_and(|t| t.serial == serial))
                    == Some(true)
                {
                    toast.set(None);
                }
            },
            std::time::Duration::from_secs(6),
        );
    }

    /// Creates an annotation on `span` (document offsets; trimmed of whitespace first).
    /// Returns its id, or `None` when nothing but whitespace was selected.
    pub fn create(&self, span: CharSpan) -> Option<String> {
        let now = dom::now();
        let color = self.color.get_untracked();
        let annotation = self.doc.with_value(|doc| {
            let span = doc.text().trim_span(span)?;
            Some(Annotation::highlight(
                uuid_v4_urn(dom::random_bytes()),
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
        let now = dom::now();
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
        let result = self.set.try_update_value(|set| set.delete(id));
        match result {
            Some(Ok(summary)) => {
                self.after_change(&summary);
                if self.focused.get_untracked().as_deref() == Some(id) {
                    self.focused.set(None);
                }
                self.show_toast("Deleted", true);
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
        let now = dom::now();
        let Some(Ok(summary)) = self.set.try_update_value(|set| step(set, now)) else {
            return Vec::new();
        };
        let what = summary.kind.as_ref().map_or("Change", |k| k.past_tense());
        self.after_change(&summary);
        self.show_toast(format!("{verb}: {what}"), false);
        summary.ids
    }

    /// Focuses an annotation: its card is highlighted and scrolled to, its marks flash.
    /// Has the panel show `id`'s card (drawn at once even when it lies past the listed page),
    /// scroll to it (the panel only: the text stays where it is) and, with `focus`, focus its
    /// quote.
    pub fn show_card(&self, id: &str, focus: bool) {
        let serial = self.next_serial();
        self.card_wanted.set(Some((id.to_string(), focus, serial)));
    }

    pub fn reveal(&self, id: &str, scroll_text: bool) {
        self.focused.set(Some(id.to_string()));
        let serial = self.next_serial();
        self.flash.set(Some((id.to_string(), serial)));
        if scroll_text {
            match crate::ui::article::marks_of(*self, id).first() {
                Some(first) => dom::scroll_into_view(first),
                // Not drawn yet (many blocks are drawn a slice at a time, the view first): its
                // paragraph, which is then drawn next, focused and flashing.
                None => {
                    if let Some(block) = crate::ui::article::first_block_of(*self, id) {
                        dom::scroll_into_view(&block);
                    }
                }
            }
        }
        let flash = self.flash;
        set_timeout(
            move || {
                if flash.try_with_untracked(|f| f.as_ref().is_some_and(|f| f.1 == serial))
                    == Some(true)
                {
                    flash.set(None);
                }
            },
            std::time::Duration::from_millis(1400),
        );
    }
}

/// Escapes a value for use inside a double-quoted CSS attribute selector.
pub fn css_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
