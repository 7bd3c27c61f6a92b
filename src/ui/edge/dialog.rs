//! Modal dialogs: native `<dialog>` elements shown with `showModal()` (the page behind is inert,
//! Escape closes them, the browser draws the backdrop). The focus goes in as one opens and back
//! to the control that opened it as it closes; keys pressed inside never reach the page's
//! shortcuts, and Tab goes round the dialog's own controls (the browser would let it leave the
//! page for its own toolbar after the last one).

use crate::ui::edge::focus::{focus_once_shown, focused_element};
use leptos::html::Dialog;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Shows `dialog` as a modal while `open` holds, closing it when it turns false. On opening,
/// `first` (else the dialog itself) takes the focus, after the frame that draws the dialog; on
/// closing, the control that had the focus before has it again.
pub fn modal(
    open: RwSignal<bool>,
    dialog: NodeRef<Dialog>,
    first: impl Fn() -> Option<web_sys::HtmlElement> + Copy + 'static,
) {
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        let Some(el) = dialog.get() else {
            return was_open.unwrap_or(false);
        };
        if is_open && was_open != Some(true) {
            opener.set_value(focused_element());
            if !el.open() {
                let _ = el.show_modal();
            }
            request_animation_frame(move || {
                let target = first().or_else(|| dialog.get_untracked().map(Into::into));
                if let Some(target) = target {
                    focus_once_shown(target, 2);
                }
            });
        } else if !is_open && was_open == Some(true) {
            if el.open() {
                el.close();
            }
            if let Some(el) = opener.try_update_value(Option::take).flatten() {
                if el.is_connected() {
                    let _ = el.focus();
                }
            }
        }
        is_open
    });
}

/// A dialog's `close` event (Escape, or [`modal`] closing it): `open` follows.
pub fn closed(open: RwSignal<bool>) -> impl Fn(web_sys::Event) + Copy + 'static {
    // The close event comes a task after `close()`: by then the document's app may have gone
    // (a dialog's link opened another document), and its signal with it.
    move |_| {
        if open.try_get_untracked() == Some(true) {
            open.try_set(false);
        }
    }
}

/// A click on the backdrop (outside the dialog's box, where the event's target is the dialog
/// itself) closes it.
pub fn backdrop_click(ev: &web_sys::MouseEvent, close: impl FnOnce()) {
    let Some(dialog) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .filter(|t| t.tag_name().eq_ignore_ascii_case("dialog"))
    else {
        return;
    };
    let r = dialog.get_bounding_client_rect();
    let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
    if x < r.left() || x > r.right() || y < r.top() || y > r.bottom() {
        close();
    }
}

/// The controls inside `root` the Tab key stops at, in document order.
fn tab_stops(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
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

/// Keys in a modal dialog (its `keydown`): no key reaches the page's shortcuts behind it; Tab
/// and Shift+Tab go round its own controls.
pub fn keydown(ev: &web_sys::KeyboardEvent) {
    ev.stop_propagation();
    if ev.key() != "Tab" {
        return;
    }
    let Some(dialog) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let stops = tab_stops(&dialog);
    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
        ev.prevent_default();
        return;
    };
    let active = dialog.owner_document().and_then(|d| d.active_element());
    let is = |el: &web_sys::Element| active.as_ref() == Some(el);
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
