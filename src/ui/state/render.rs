//! The article as rendered: the blocks' HTML with their highlights, which blocks a change made
//! dirty, where each block's runs start (so a change re-renders just the runs it touched), and
//! where an annotation's marks are in the page.

use super::index::BlockIndex;
use super::{AppState, BULK_CHANGE};
use crate::ui::edge::elements::{block_element, by_id};
use crate::ui::edge::timers::yield_to_browser;
use leptos::prelude::*;
use marginalia_core::annotation::ChangeSummary;
use marginalia_core::markup::{self, MarkState};
use marginalia_core::order;
use marginalia_core::span::CharSpan;

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

impl AppState {
    /// Rebuilds the block → annotation index (linear in the number of annotations).
    pub(super) fn rebuild_index(&self) {
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
    pub(super) fn update_index(&self, summary: &ChangeSummary) {
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
    pub(super) fn notify_next_task(&self, trigger: Trigger) {
        let app = *self;
        leptos::task::spawn_local(async move {
            yield_to_browser().await;
            if app.is_alive() {
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

    /// The element of the first block annotation `id` touches (its marks may not be drawn yet).
    pub fn first_block_of(&self, id: &str) -> Option<web_sys::Element> {
        let blocks = self.blocks_of(id);
        (!blocks.is_empty())
            .then(|| block_element(&by_id("article")?, blocks.start))
            .flatten()
    }

    /// The marks of annotation `id`, in text order: in the blocks where it has marks, those whose
    /// run starts inside its span (runs never cross a highlight's ends), found by position among
    /// the block's nodes (a search of the block's marks when it is not rendered as expected).
    pub fn marks_of(&self, id: &str) -> Vec<web_sys::Element> {
        let Some(span) = self
            .set
            .try_with_value(|s| s.get(id).and_then(|a| a.anchor))
            .flatten()
        else {
            return Vec::new();
        };
        let Some(article) = by_id("article") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for b in self.blocks_of(id) {
            let Some(block) = block_element(&article, b) else {
                continue;
            };
            // The block's nodes are its runs: those inside the span are the annotation's marks.
            let nodes = block.child_nodes();
            if let Some((runs, count)) = self.runs_within(b, span) {
                if count == nodes.length() as usize {
                    out.extend(runs.filter_map(|i| {
                        nodes
                            .item(i as u32)
                            .and_then(|n| {
                                wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok()
                            })
                            .filter(|el| el.has_attribute("data-at"))
                    }));
                    continue;
                }
            }
            out.extend(
                crate::ui::edge::elements::all(block.query_selector_all("mark[data-at]"))
                    .into_iter()
                    .filter(|m| {
                        m.get_attribute("data-at")
                            .and_then(|v| v.parse::<usize>().ok())
                            .is_some_and(|at| span.start <= at && at < span.end)
                    }),
            );
        }
        out
    }
}
