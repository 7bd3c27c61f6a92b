//! Moving the keyboard focus: in place, once shown, when the focused control is taken away, to a
//! new document's title.

use crate::ui::edge::timers::after_draw;
use wasm_bindgen::JsCast;
use web_sys::Element;

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

/// The element with the keyboard focus, when it is not the page itself.
pub fn focused_element() -> Option<web_sys::HtmlElement> {
    let doc = web_sys::window()?.document()?;
    let el = doc.active_element()?;
    if doc.body().is_some_and(|b| Element::from(b) == el) {
        return None;
    }
    el.dyn_into().ok()
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
