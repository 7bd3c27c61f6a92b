//! Which anchored annotations touch each block, and which blocks each one touches: a change
//! re-renders only the paragraphs it touches.

use marginalia_core::annotation::{Annotation, AnnotationSet};
use marginalia_core::article::Document;
use marginalia_core::span::CharSpan;
use std::collections::HashMap;

/// Which anchored annotations touch each block (with their anchors, so that a part of a block
/// looks up only the annotations over it), and which blocks each one touches.
#[derive(Default)]
pub(super) struct BlockIndex {
    pub(super) by_block: Vec<Vec<(CharSpan, String)>>,
    pub(super) blocks_of: HashMap<String, std::ops::Range<usize>>,
}

impl BlockIndex {
    pub(super) fn add(&mut self, doc: &Document, a: &Annotation) {
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

    pub(super) fn remove(&mut self, id: &str) {
        if let Some(blocks) = self.blocks_of.remove(id) {
            for b in blocks {
                if let Some(list) = self.by_block.get_mut(b) {
                    list.retain(|(_, x)| x != id);
                }
            }
        }
    }

    /// The blocks where annotation `id` has marks.
    pub(super) fn blocks_of(&self, id: &str) -> std::ops::Range<usize> {
        self.blocks_of.get(id).cloned().unwrap_or(0..0)
    }

    /// The annotations of block `idx` whose anchors satisfy `over` (looked up in `set` only then).
    pub(super) fn annotations<'a>(
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
