//! Scrolling: the panel to a card, the page to a highlight, the view to an element.

use crate::ui::edge::layout::top_bar_bottom;
use web_sys::Element;

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

/// Scrolls the panel to the card matching `selector` (as [`scroll_card`]) only when the card is
/// in the panel and out of its view; never the page.
pub fn reveal_card(selector: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(card) = doc.query_selector(selector).ok().flatten() else {
        return;
    };
    let Some(panel) = card.closest(".panel").ok().flatten() else {
        return;
    };
    let (p, c) = (
        panel.get_bounding_client_rect(),
        card.get_bounding_client_rect(),
    );
    if p.height() <= 0.0 || (c.top() >= p.top() && c.bottom() <= p.bottom()) {
        return;
    }
    scroll_card(selector);
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
