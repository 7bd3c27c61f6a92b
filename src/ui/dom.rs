//! The DOM edge: the only place that reads browser selections, converts the DOM's UTF-16 offsets
//! to the model's code points, scrolls, downloads files and reads the clock and randomness.

use marginalia_core::span::CharSpan;
use marginalia_core::text::utf16_idx_to_char_idx;
use marginalia_core::time::Timestamp;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

pub fn now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now() as i64)
}

pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

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

/// Scrolls the panel (and only it: the article stays where the reader is) so that the card
/// matching `selector` is in its middle; returns the card.
///
/// Smoothly for a short way (unless the reader prefers reduced motion), at once for a long
/// one: cards off screen are laid out at a placeholder height (`content-visibility`), and
/// those a smooth scroll passes would take their real height on the way and move the card.
pub fn scroll_card(selector: &str) -> Option<Element> {
    let doc = web_sys::window()?.document()?;
    let card = doc.query_selector(selector).ok()??;
    let Some(panel) = card.closest(".panel").ok().flatten() else {
        scroll_into_view(&card);
        return Some(card);
    };
    let (p, c) = (
        panel.get_bounding_client_rect(),
        card.get_bounding_client_rect(),
    );
    let by = (c.top() - p.top()) - (p.height() - c.height()).max(0.0) / 2.0;
    let opts = web_sys::ScrollToOptions::new();
    opts.set_top(by);
    if by.abs() <= p.height() && !prefers_reduced_motion() {
        opts.set_behavior(web_sys::ScrollBehavior::Smooth);
    }
    panel.scroll_by_with_scroll_to_options(&opts);
    Some(card)
}

/// Where the top bar, with any messages under it, ends on the screen (viewport pixels): what is
/// above it is hidden by it.
pub fn top_bar_bottom(doc: &web_sys::Document) -> f64 {
    doc.query_selector(".top")
        .ok()
        .flatten()
        .map_or(0.0, |bar| bar.get_bounding_client_rect().bottom())
}

/// On a phone the panel is a bottom sheet over the lower part of the article: scrolls the page
/// so that `mark` (the highlight whose card the sheet has just opened on) is in view between the
/// top bar and the sheet. Does nothing where the panel is beside the article.
pub fn keep_above_sheet(mark: &Element) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(doc) = window.document() else {
        return;
    };
    let Ok(Some(panel)) = doc.query_selector(".panel") else {
        return;
    };
    let fixed = window
        .get_computed_style(&panel)
        .ok()
        .flatten()
        .and_then(|s| s.get_property_value("position").ok())
        .is_some_and(|p| p == "fixed");
    if !fixed {
        return;
    }
    let top = top_bar_bottom(&doc) + 8.0;
    let bottom = panel.get_bounding_client_rect().top() - 8.0;
    let r = mark.get_bounding_client_rect();
    if r.top() >= top && r.bottom() <= bottom {
        return;
    }
    // Its middle to the middle of the room, or its first line to the top when it is taller.
    let by = if r.height() > bottom - top {
        r.top() - top
    } else {
        (r.top() + r.bottom()) / 2.0 - (top + bottom) / 2.0
    };
    let opts = web_sys::ScrollToOptions::new();
    opts.set_top(by);
    if !prefers_reduced_motion() {
        opts.set_behavior(web_sys::ScrollBehavior::Smooth);
    }
    window.scroll_by_with_scroll_to_options(&opts);
}

/// Focuses `el` (when it can take the focus) without scrolling anything.
pub fn focus_in_place(el: &Element) {
    if let Some(el) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(el) {
        let opts = web_sys::FocusOptions::new();
        opts.set_prevent_scroll(true);
        let _ = el.focus_with_options(&opts);
    }
}

/// Focuses `el`, now or, when it cannot take the focus yet (inside a bottom sheet that opens in
/// the same turn, still `display: none`), in the next frames once it is shown (up to `frames`).
pub fn focus_once_shown(el: web_sys::HtmlElement, frames: u32) {
    let _ = el.focus();
    let has_focus = el
        .owner_document()
        .and_then(|d| d.active_element())
        .is_some_and(|a| a == *el.as_ref());
    if !has_focus && frames > 0 && el.is_connected() {
        leptos::prelude::request_animation_frame(move || focus_once_shown(el, frames - 1));
    }
}

/// The controls inside `root` the Tab key stops at, in document order.
fn tab_stops(root: &Element) -> Vec<web_sys::HtmlElement> {
    const STOPS: &str = "a[href], button:not([disabled]), input:not([disabled]), \
        select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";
    let Ok(list) = root.query_selector_all(STOPS) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|el| {
            let r = el.get_bounding_client_rect();
            r.width() > 0.0 || r.height() > 0.0
        })
        .collect()
}

/// Keys in a modal dialog (its `keydown`): Escape calls `close`; Tab and Shift+Tab go round its
/// own controls. No key reaches the page's shortcuts behind it.
pub fn dialog_keydown(ev: &web_sys::KeyboardEvent, close: impl FnOnce()) {
    ev.stop_propagation();
    let Some(dialog) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
    else {
        return;
    };
    match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "Tab" => {
            let stops = tab_stops(&dialog);
            let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
                ev.prevent_default();
                return;
            };
            let active = dialog.owner_document().and_then(|d| d.active_element());
            let is = |el: &Element| active.as_ref() == Some(el);
            let wrap_to = if ev.shift_key() && (is(first) || is(&dialog)) {
                Some(last)
            } else if !ev.shift_key() && is(last) {
                Some(first)
            } else {
                None
            };
            if let Some(el) = wrap_to {
                ev.prevent_default();
                let _ = el.focus();
            }
        }
        _ => {}
    }
}

/// Attribute naming a control of a card in the panel (`quote`, `note`, `editor`, `tag-remove`,
/// `tag-input`, `colour`, `copy`, `delete`, `reattach`): [`keep_card_focus`] finds the same one in
/// the card drawn anew.
pub const FOCUS_ATTR: &str = "data-focus";

/// Keeps the keyboard focus in the panel across a change to a card. An edit draws the card anew
/// (its note saved, a tag added, its colour changed) and a delete removes it; the control that
/// had the focus is then gone and the focus would fall to the page, sending a keyboard reader
/// back to the top. Called before such a change: when the focus is inside a card, then once
/// the change is drawn and only if the focus was lost ([`when_focus_lost`]), focuses the same control
/// of the card drawn anew (the n-th of its kind, or the last there is: a tag's remove button),
/// else the card's note button after its note editor closed, the tag field after its last tag
/// went, else its quote; for a card that is gone, the quote of the card now in its place (the
/// next, else the one before), else the search field.
pub fn keep_card_focus() {
    let Some(was) = focused_element() else {
        return;
    };
    let Some(card) = was.closest("[data-card]").ok().flatten() else {
        return;
    };
    let Some(card_id) = card.get_attribute("data-card") else {
        return;
    };
    let Some(control) = was
        .closest(&format!("[{FOCUS_ATTR}]"))
        .ok()
        .flatten()
        .and_then(|c| c.get_attribute(FOCUS_ATTR))
    else {
        return;
    };
    let nth = of_kind(&card, &control)
        .iter()
        .position(|c| c.contains(Some(was.as_ref())))
        .unwrap_or(0);
    let Some(doc) = was.owner_document() else {
        return;
    };
    let cards = |doc: &web_sys::Document| all(doc.query_selector_all("[data-card]"));
    let place = cards(&doc).iter().position(|c| *c == card).unwrap_or(0);
    when_focus_lost(was.into(), move || {
        let now = cards(&doc);
        match now
            .iter()
            .find(|c| c.get_attribute("data-card").as_deref() == Some(card_id.as_str()))
        {
            Some(card) => {
                let same = of_kind(card, &control);
                let fallback: &[&str] = match control.as_str() {
                    "editor" => &["note", "quote"],
                    "tag-remove" => &["tag-input"],
                    _ => CARD_TARGETS,
                };
                same.get(nth.min(same.len().saturating_sub(1)))
                    .filter(|e| usable(e))
                    .cloned()
                    .or_else(|| first_usable(card, fallback))
            }
            None => now
                .get(place)
                .or_else(|| place.checked_sub(1).and_then(|p| now.get(p)))
                .and_then(card_target)
                .or_else(|| doc.get_element_by_id("search")),
        }
    });
}

/// The controls of a card named `kind` ([`FOCUS_ATTR`]) inside `root`.
fn of_kind(root: &Element, kind: &str) -> Vec<Element> {
    all(root.query_selector_all(&format!("[{FOCUS_ATTR}=\"{kind}\"]")))
}

fn usable(el: &Element) -> bool {
    !el.has_attribute("disabled")
}

/// The first control of `card` that can take the focus, of the first of `kinds` that has one.
fn first_usable(card: &Element, kinds: &[&str]) -> Option<Element> {
    kinds
        .iter()
        .find_map(|k| of_kind(card, k).into_iter().find(usable))
}

/// A card's controls that take the focus when it is arrived at: its quote, else (an unanchored
/// annotation's quote is unavailable) its note button.
const CARD_TARGETS: &[&str] = &["quote", "note"];

/// Where the focus goes in a card arrived at (the one now in a deleted one's place, one brought
/// back by Undo, the first that Show more brings): [`CARD_TARGETS`].
pub fn card_target(card: &Element) -> Option<Element> {
    first_usable(card, CARD_TARGETS)
}

/// When `was` (the element with the focus as a change is made) is taken out of the page by
/// the change and the focus falls to the page, focuses what `pick` then finds. Runs in the
/// microtasks after the ones that draw the change, before any key pressed meanwhile is handled
/// (typing goes on into a field drawn anew); when `was` is still there then, once more in the
/// next frame.
pub fn when_focus_lost(was: Element, pick: impl Fn() -> Option<Element> + 'static) {
    let restore = move || -> bool {
        if was.is_connected() {
            return false;
        }
        if focused_element().is_none() {
            if let Some(el) = pick() {
                focus_in_place(&el);
            }
        }
        true
    };
    after_draw(move || {
        if !restore() {
            leptos::prelude::request_animation_frame(move || {
                restore();
            });
        }
    });
}

/// The document's title (`<h1>`, focusable from script only): where the focus goes when a
/// document opens, or a message goes with its focused button and has no other place to send it.
pub const TITLE_ID: &str = "doc-title";

/// Called as another document is shown in place of the one open: once it is drawn, its title
/// takes the focus unless something else has it, so a screen reader announces it and Tab goes
/// on into it. The control that opened it went with the document it was in, and the browser's
/// Back and Forward take the focus off the page. (Leptos draws the new document into the same
/// elements where it can: the title may be the same `<h1>` as before.) Once more in the next
/// frame, in case the drawing took longer.
pub fn focus_new_title() {
    let attempt = || {
        if focused_element().is_none() {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(TITLE_ID))
            {
                focus_in_place(&el);
            }
        }
    };
    after_draw(move || {
        attempt();
        leptos::prelude::request_animation_frame(attempt);
    });
}

/// Called before a change that takes the focused control away with it (a message's Dismiss):
/// then focuses the element with id `id` ([`when_focus_lost`]).
pub fn focus_id_if_lost(id: &'static str) {
    if let Some(was) = focused_element() {
        when_focus_lost(was.into(), move || {
            web_sys::window()?.document()?.get_element_by_id(id)
        });
    }
}

/// Runs `f` once a change being made now is drawn: in the microtasks after the ones that draw
/// it, before the browser handles anything else.
pub fn after_draw(f: impl FnOnce() + 'static) {
    leptos::task::spawn_local(async move {
        leptos::task::tick().await;
        leptos::task::tick().await;
        f();
    });
}

/// The elements of a query's result.
pub fn all(list: Result<web_sys::NodeList, wasm_bindgen::JsValue>) -> Vec<Element> {
    list.map(|l| {
        (0..l.length())
            .filter_map(|i| l.item(i)?.dyn_into().ok())
            .collect()
    })
    .unwrap_or_default()
}

/// The element with the keyboard focus, when it is not the page itself.
pub fn focused_element() -> Option<web_sys::HtmlElement> {
    let doc = web_sys::window()?.document()?;
    let el = doc.active_element()?;
    if doc.body().is_some_and(|b| Element::from(b) == el) {
        return None;
    }
    el.dyn_into().ok()
}

/// Scrolls `el` to the middle of the view (smoothly unless the reader prefers reduced motion).
pub fn scroll_into_view(el: &Element) {
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Center);
    if !prefers_reduced_motion() {
        opts.set_behavior(web_sys::ScrollBehavior::Smooth);
    }
    el.scroll_into_view_with_scroll_into_view_options(&opts);
}

pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// Offers `contents` as a file download named `file_name`.
pub fn download(file_name: &str, mime: &str, contents: &str) -> Result<(), String> {
    download_parts(file_name, mime, &js_sys::Array::of1(&utf8_part(contents)))
}

/// `text`'s UTF-8 bytes as they are, one copy out of wasm memory, for a file (a JS string would
/// be decoded to UTF-16 and encoded back to UTF-8 by the Blob: 10,000 annotations are 10 MB).
pub fn utf8_part(text: &str) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(text.as_bytes())
}

/// Offers a file of `parts` (each a [`utf8_part`]) for download.
pub fn download_parts(file_name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let fail = |what: &str| format!("Could not download {file_name}: {what}");
    let props = web_sys::BlobPropertyBag::new();
    props.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &props)
        .map_err(|_| fail("the browser refused the file"))?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("no object URL"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("no document"))?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| fail("no link"))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoke later: the browser reads the blob after the click returns.
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}

/// A User Timing measure (devtools' Performance panel, `make bench`) from creation to drop. The
/// timeline entries are cleared at once: observers still receive them, the page keeps none.
pub struct UserTiming {
    name: &'static str,
    performance: Option<web_sys::Performance>,
}

impl UserTiming {
    pub fn start(name: &'static str) -> UserTiming {
        let performance = web_sys::window().and_then(|w| w.performance());
        if let Some(p) = &performance {
            let _ = p.mark(name);
        }
        UserTiming { name, performance }
    }
}

impl Drop for UserTiming {
    fn drop(&mut self) {
        if let Some(p) = &self.performance {
            let _ = p.measure_with_start_mark(self.name, self.name);
            p.clear_marks_with_mark_name(self.name);
            p.clear_measures_with_measure_name(self.name);
        }
    }
}

/// Milliseconds since the page started (`performance.now()`; 0 without a performance object).
pub fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The index of the first child of `root` whose box reaches into the viewport (its bottom
/// below the top edge), found by bisection (the children are stacked in order); the number
/// of children when none does.
pub fn first_child_in_view(root: &Element) -> usize {
    first_child_below(root, 0.0)
}

/// The index of the first child of `root` whose bottom is below `edge` (viewport pixels), by
/// bisection; the number of children when none is.
pub fn first_child_below(root: &Element, edge: f64) -> usize {
    let children = root.children();
    let (mut lo, mut hi) = (0u32, children.length());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let below_top = children
            .item(mid)
            .is_some_and(|el| el.get_bounding_client_rect().bottom() > edge);
        if below_top {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo as usize
}

/// Replaces the child nodes `from..to` of `el` with the nodes of `html` (parsed in `el`'s
/// context). False when the browser refused (the caller then renders the whole element).
pub fn replace_nodes(el: &web_sys::Element, from: usize, to: usize, html: &str) -> bool {
    let replace = || -> Result<(), wasm_bindgen::JsValue> {
        let doc = el.owner_document().ok_or(wasm_bindgen::JsValue::NULL)?;
        let range = doc.create_range()?;
        range.set_start(el, from as u32)?;
        range.set_end(el, to as u32)?;
        let nodes = range.create_contextual_fragment(html)?;
        range.delete_contents()?;
        range.insert_node(&nodes)?;
        Ok(())
    };
    replace().is_ok()
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

/// Runs `f` once the next frame has been painted (a timeout queued from the frame's callback).
pub fn after_next_paint(f: impl FnOnce() + 'static) {
    leptos::prelude::request_animation_frame(move || {
        leptos::prelude::set_timeout(f, std::time::Duration::ZERO)
    });
}

/// How long one step of long work (an import's checking, a download's writing) may hold the
/// page, in ms, before the browser gets a turn.
const STEP_MS: f64 = 8.0;

/// The clock of long work done in steps: the work asks [`Steps::over`] between small pieces,
/// and when the step has held the page for [`STEP_MS`], lets the browser have a turn with
/// [`Steps::next`].
pub struct Steps {
    started: f64,
}

impl Steps {
    pub fn start() -> Steps {
        Steps {
            started: perf_now(),
        }
    }

    /// Has this step run its length?
    pub fn over(&self) -> bool {
        perf_now() - self.started > STEP_MS
    }

    /// Lets the browser handle input and paint, then starts the next step.
    pub async fn next(&mut self) {
        yield_to_browser().await;
        self.started = perf_now();
    }
}

/// Lets the browser handle input and paint before going on (a zero timeout): long work split
/// with it never holds the page for one long task.
pub async fn yield_to_browser() {
    let (tx, rx) = futures_channel_once();
    leptos::prelude::set_timeout(tx, std::time::Duration::ZERO);
    let _ = rx.await;
}

/// A one-shot signal as a future, without another dependency: a JS promise resolved by `tx`.
fn futures_channel_once() -> (impl FnOnce(), wasm_bindgen_futures::JsFuture) {
    let mut resolve = None;
    let promise = js_sys::Promise::new(&mut |ok, _| resolve = Some(ok));
    let tx = move || {
        if let Some(ok) = resolve {
            let _ = ok.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    };
    (tx, wasm_bindgen_futures::JsFuture::from(promise))
}

/// Is the page hidden (another tab in front, the window minimised, the page being left)?
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Is the keyboard focus in a place where typing goes (so shortcuts must not fire)?
pub fn typing_in_field() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            tag == "input"
                || tag == "textarea"
                || tag == "select"
                || el.has_attribute("contenteditable")
        })
        .unwrap_or(false)
}

/// Listens to `event` on the document for as long as the current reactive owner lives.
pub fn on_document(event: &str, f: impl Fn(web_sys::Event) + 'static) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        on_target(doc.into(), event, f);
    }
}

/// Puts `text` on the system clipboard; the reason when it could not, worded for the reader.
pub async fn copy_text(text: &str) -> Result<(), &'static str> {
    let window = web_sys::window().ok_or("there is no window")?;
    // `navigator.clipboard` is missing on a page not served securely (http, other than localhost).
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|c| c.is_object())
        .ok_or("this browser allows copying only on a secure (https) page")?;
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| "the browser did not allow it")
}

/// Keeps the CSS custom property `var` on the root element equal to the height, in whole
/// pixels, of the element `selector` finds, through every change of that height (a message
/// shown or dismissed, text wrapping differently after a resize), for as long as the current
/// reactive owner lives. The desktop panel sticks below the top bar and its messages with it.
pub fn publish_height(selector: &str, var: &'static str) {
    use wasm_bindgen::closure::Closure;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let found = doc.query_selector(selector).ok().flatten();
    let Some(el) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) else {
        return;
    };
    let Some(root) = doc
        .document_element()
        .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let watched = el.clone();
    let write = move || {
        let px = format!("{}px", watched.offset_height());
        let _ = root.style().set_property(var, &px);
    };
    write();
    let closure = Closure::<dyn Fn()>::new(write);
    let Ok(observer) = web_sys::ResizeObserver::new(closure.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(&el);
    let held = send_wrapper::SendWrapper::new((observer, closure));
    leptos::prelude::on_cleanup(move || {
        let (observer, _closure) = held.take();
        observer.disconnect();
    });
}

/// Listens to `event` on `target` for as long as the current reactive owner lives.
pub fn on_target(target: web_sys::EventTarget, event: &str, f: impl Fn(web_sys::Event) + 'static) {
    use wasm_bindgen::closure::Closure;
    let closure = Closure::<dyn Fn(web_sys::Event)>::new(f);
    if target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .is_err()
    {
        return;
    }
    let held = send_wrapper::SendWrapper::new((target, closure, event.to_string()));
    leptos::prelude::on_cleanup(move || {
        let (target, closure, event) = held.take();
        let _ =
            target.remove_event_listener_with_callback(&event, closure.as_ref().unchecked_ref());
    });
}
