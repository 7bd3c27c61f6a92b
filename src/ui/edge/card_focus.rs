//! The panel's focus rules: which control of which card has the focus after a card is drawn
//! anew, removed, brought back or shown.

use crate::ui::edge::elements::all;
use crate::ui::edge::focus::{focused_element, when_focus_lost};
use web_sys::Element;

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
/// next, else the one before), else the panel's title (not the search field: on a phone that
/// would open the on-screen keyboard over the article).
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
                .or_else(|| doc.get_element_by_id("panel-title")),
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
