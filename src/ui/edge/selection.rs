//! Selections ↔ code points: the one place where the DOM's UTF-16 offsets become the model's
//! code points and back.

use marginalia_core::span::CharSpan;
use marginalia_core::text::utf16_idx_to_char_idx;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

/// Attribute naming a block element's index in the document.
pub const BLOCK_ATTR: &str = "data-block";

/// The block element (with `data-block`) that contains `node`, and its index.
fn block_of(node: &Node) -> Option<(Element, usize)> {
    let mut cur = Some(node.clone());
    while let Some(n) = cur {
        if let Some(el) = n.dyn_ref::<Element>() {
            if let Some(idx) = el.get_attribute(BLOCK_ATTR).and_then(|v| v.parse().ok()) {
                return Some((el.clone(), idx));
            }
        }
        cur = n.parent_node();
    }
    None
}

/// Code points of text inside `block` that come before DOM point (`node`, `offset`).
/// `offset` counts UTF-16 units in a text node, or children in an element (the DOM's rule).
fn char_offset_in_block(block: &Element, node: &Node, offset: u32) -> usize {
    // The text nodes of the block, in order, joined, are exactly the block's text.
    let mut total = 0usize;
    let walker = match block.owner_document().and_then(|d| {
        d.create_tree_walker_with_what_to_show(block, 4 /* SHOW_TEXT */)
            .ok()
    }) {
        Some(w) => w,
        None => return 0,
    };
    let is_text = node.node_type() == Node::TEXT_NODE;
    // For an element point, the boundary is before its `offset`-th child.
    let boundary_child = if is_text {
        None
    } else {
        node.child_nodes().item(offset)
    };
    while let Ok(Some(t)) = walker.next_node() {
        let data = t.text_content().unwrap_or_default();
        if is_text && t.is_same_node(Some(node)) {
            return total + utf16_idx_to_char_idx(&data, offset as usize);
        }
        if !is_text {
            let before_boundary = match &boundary_child {
                Some(child) => {
                    // Text node t comes before the boundary child unless it is (inside) that child or later.
                    child.compare_document_position(&t) & Node::DOCUMENT_POSITION_PRECEDING != 0
                }
                // Boundary at the end of `node`: every text node inside `node` or before it counts.
                None => {
                    node.contains(Some(&t))
                        || node.compare_document_position(&t) & Node::DOCUMENT_POSITION_PRECEDING
                            != 0
                }
            };
            if !before_boundary {
                return total;
            }
        }
        total += data.chars().count();
    }
    total
}

/// A reader's selection in the article, as block-local points: (block index, char_idx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectionPoints {
    pub start: (usize, usize),
    pub end: (usize, usize),
}

/// Where the current selection lies in the article's blocks (inside `root`), or `None` when it
/// is collapsed or does not touch the article. Ends outside the article are clamped to it.
pub fn selection_in(
    root: &Element,
    block_lens: &[usize],
) -> Option<(SelectionPoints, web_sys::DomRect)> {
    let selection = web_sys::window()?.get_selection().ok()??;
    if selection.is_collapsed() || selection.range_count() == 0 {
        return None;
    }
    let range = selection.get_range_at(0).ok()?;
    let blocks = root.query_selector_all(&format!("[{BLOCK_ATTR}]")).ok()?;
    let mut first: Option<(Element, usize)> = None;
    let mut last: Option<(Element, usize)> = None;
    for i in 0..blocks.length() {
        let Some(el) = blocks.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        if range.intersects_node(&el).unwrap_or(false) {
            let idx: usize = el.get_attribute(BLOCK_ATTR)?.parse().ok()?;
            if first.is_none() {
                first = Some((el.clone(), idx));
            }
            last = Some((el, idx));
        }
    }
    let (first_el, first_idx) = first?;
    let (last_el, last_idx) = last?;
    let start_node = range.start_container().ok()?;
    let end_node = range.end_container().ok()?;
    let start = match block_of(&start_node) {
        Some((el, idx)) if idx == first_idx => (
            idx,
            char_offset_in_block(&el, &start_node, range.start_offset().ok()?),
        ),
        _ => (first_idx, 0),
    };
    let _ = first_el;
    let end = match block_of(&end_node) {
        Some((el, idx)) if idx == last_idx => (
            idx,
            char_offset_in_block(&el, &end_node, range.end_offset().ok()?),
        ),
        _ => (last_idx, block_lens.get(last_idx).copied().unwrap_or(0)),
    };
    let _ = last_el;
    Some((
        SelectionPoints { start, end },
        range.get_bounding_client_rect(),
    ))
}

/// The DOM point (text node, UTF-16 offset) `char_idx` code points into the text of `block`
/// (its end when it has fewer).
fn point_at(block: &Element, mut char_idx: usize) -> Option<(Node, u32)> {
    let doc = block.owner_document()?;
    let walker = doc.create_tree_walker_with_what_to_show(block, 4).ok()?;
    let mut last: Option<Node> = None;
    while let Some(t) = walker.next_node().ok()? {
        let data = t.text_content().unwrap_or_default();
        let n = data.chars().count();
        if char_idx <= n {
            let utf16: usize = data.chars().take(char_idx).map(char::len_utf16).sum();
            return Some((t, utf16 as u32));
        }
        char_idx -= n;
        last = Some(t);
    }
    let t = last?;
    let len = t.text_content().unwrap_or_default().encode_utf16().count() as u32;
    Some((t, len))
}

/// Selects `span` (document offsets) of the rendered blocks; used by tests and keyboard flows.
pub fn select_doc_span(root: &Element, block_starts: &[usize], span: CharSpan) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let locate = |char_idx: usize| -> Option<(Node, u32)> {
        let b = block_starts
            .partition_point(|&s| s <= char_idx)
            .saturating_sub(1);
        let el = root
            .query_selector(&format!("[{BLOCK_ATTR}=\"{b}\"]"))
            .ok()??;
        point_at(&el, char_idx.checked_sub(*block_starts.get(b)?)?)
    };
    let (sn, so) = locate(span.start)?;
    let (en, eo) = locate(span.end)?;
    let range = doc.create_range().ok()?;
    range.set_start(&sn, so).ok()?;
    range.set_end(&en, eo).ok()?;
    let sel = web_sys::window()?.get_selection().ok()??;
    sel.remove_all_ranges().ok()?;
    sel.add_range(&range).ok()
}

pub fn clear_selection() {
    if let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
        let _ = sel.remove_all_ranges();
    }
}

/// The reader's selection as it is before a redraw: its two ends, read once. (Chromium brings
/// style and layout up to date on every read of the selection, so reading it again after each
/// redrawn paragraph would lay the page out once per paragraph.)
pub struct SelectionEnds {
    selection: web_sys::Selection,
    anchor: (Node, u32),
    focus: (Node, u32),
}

/// The selection's ends now, if there is a selection.
pub fn selection_ends() -> Option<SelectionEnds> {
    let selection = web_sys::window()?
        .get_selection()
        .ok()
        .flatten()
        .filter(|s| s.range_count() > 0)?;
    Some(SelectionEnds {
        anchor: (selection.anchor_node()?, selection.anchor_offset()),
        focus: (selection.focus_node()?, selection.focus_offset()),
        selection,
    })
}

/// Runs `redraw`, which replaces nodes inside `el`, keeping a selection with an end in `el` at
/// its place in the text (the reader selecting, even mid-drag, while a delete or another tab's
/// change draws the paragraph anew): the nodes its ends were in are gone. `ends` is the
/// selection read before the first of a series of redraws ([`selection_ends`]), kept up to date.
pub fn keeping_selection<T>(
    ends: &mut Option<SelectionEnds>,
    el: &Element,
    redraw: impl FnOnce() -> T,
) -> T {
    let in_el = |(node, offset): &(Node, u32)| -> Option<usize> {
        el.contains(Some(node))
            .then(|| char_offset_in_block(el, node, *offset))
    };
    let Some(e) = ends.as_mut() else {
        return redraw();
    };
    let (anchor, focus) = (in_el(&e.anchor), in_el(&e.focus));
    if anchor.is_none() && focus.is_none() {
        return redraw();
    }
    let out = redraw();
    let point = |char_idx: Option<usize>, old: &(Node, u32)| match char_idx {
        Some(char_idx) => point_at(el, char_idx),
        None => Some(old.clone()),
    };
    if let (Some(a), Some(f)) = (point(anchor, &e.anchor), point(focus, &e.focus)) {
        let _ = e.selection.set_base_and_extent(&a.0, a.1, &f.0, f.1);
        (e.anchor, e.focus) = (a, f);
    }
    out
}

/// The reader's selection, if the window has one.
fn selection() -> Option<web_sys::Selection> {
    web_sys::window()?.get_selection().ok().flatten()
}

/// Does the selection (its moving end, the focus) lie in `root`?
pub fn selection_focus_in(root: &Element) -> bool {
    selection()
        .and_then(|s| s.focus_node())
        .is_some_and(|n| root.contains(Some(&n)))
}

/// Puts a collapsed selection (the reading caret) at the start of block `block` of `root`.
pub fn caret_at_block(root: &Element, block: usize) -> Option<()> {
    let el = root
        .query_selector(&format!("[{BLOCK_ATTR}=\"{block}\"]"))
        .ok()??;
    let (node, offset) = point_at(&el, 0)?;
    selection()?.collapse_with_offset(Some(&node), offset).ok()
}

/// How the reading caret moves ([`move_caret`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaretStep {
    Character,
    Word,
    Line,
    LineBoundary,
}

/// Moves the selection's focus one `step` in `direction` (`left`, `right`, `forward`,
/// `backward`: left and right follow the text's own direction on screen), the anchor with it unless
/// `extend` (then the words between are selected), the way the browser's own caret browsing
/// does (`Selection.modify`). A move that would leave `root` is undone: the caret stays in
/// the article. Returns whether the selection moved.
pub fn move_caret(root: &Element, extend: bool, direction: &str, step: CaretStep) -> bool {
    let Some(sel) = selection() else { return false };
    let (Some(anchor), Some(focus)) = (sel.anchor_node(), sel.focus_node()) else {
        return false;
    };
    let before = (anchor, sel.anchor_offset(), focus, sel.focus_offset());
    let granularity = match step {
        CaretStep::Character => "character",
        CaretStep::Word => "word",
        CaretStep::Line => "line",
        CaretStep::LineBoundary => "lineboundary",
    };
    let alter = if extend { "extend" } else { "move" };
    if sel.modify(alter, direction, granularity).is_err() {
        return false;
    }
    if !selection_focus_in(root) {
        let _ = sel.set_base_and_extent(&before.0, before.1, &before.2, before.3);
        return false;
    }
    true
}

/// Collapses the selection to its end (after a highlight made from it, the reading caret goes
/// on from there).
pub fn collapse_to_end() {
    if let Some(sel) = selection() {
        let _ = sel.collapse_to_end();
    }
}

/// Where the selection's focus (the reading caret) is drawn, in viewport pixels: (left, top,
/// height); `None` when there is no selection or the browser has no box for it.
pub fn caret_box() -> Option<(f64, f64, f64)> {
    let sel = selection()?;
    let node = sel.focus_node()?;
    let range = node.owner_document()?.create_range().ok()?;
    range.set_start(&node, sel.focus_offset()).ok()?;
    range.collapse_with_to_start(true);
    let rect = range.get_bounding_client_rect();
    if rect.height() > 0.0 {
        return Some((rect.left(), rect.top(), rect.height()));
    }
    // At an element's edge a collapsed range has no box: the next character's, else the
    // previous one's right edge.
    let len = if node.node_type() == Node::TEXT_NODE {
        node.text_content()
            .unwrap_or_default()
            .encode_utf16()
            .count() as u32
    } else {
        node.child_nodes().length()
    };
    let offset = sel.focus_offset();
    if offset < len {
        range.set_end(&node, offset + 1).ok()?;
        let r = range.get_bounding_client_rect();
        return (r.height() > 0.0).then(|| (r.left(), r.top(), r.height()));
    }
    if offset > 0 {
        range.set_start(&node, offset - 1).ok()?;
        range.set_end(&node, offset).ok()?;
        let r = range.get_bounding_client_rect();
        return (r.height() > 0.0).then(|| (r.right(), r.top(), r.height()));
    }
    None
}
