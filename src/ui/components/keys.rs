//! Keyboard shortcuts for the whole page (never while typing in a field).

use crate::ui::components::toolbar::{act, Pending};
use crate::ui::edge::focus::typing_in_field;
use crate::ui::nav::reveal::step;
use crate::ui::state::AppState;
use leptos::prelude::*;

/// Every shortcut, for the `?` sheet.
pub const SHORTCUTS: [(&str, &str); 15] = [
    (
        "Tab to the article",
        "Reading mode: a caret to move with the arrow keys",
    ),
    ("Shift+arrow keys", "Select by character, from the caret"),
    ("Ctrl+Shift+← / → (Option+Shift on a Mac)", "Select by word"),
    ("h", "Highlight the selection"),
    ("n", "Highlight the selection and add a note"),
    ("j / k", "Next / previous annotation"),
    ("Delete", "Delete the focused annotation"),
    ("Ctrl+Z", "Undo"),
    ("Ctrl+Shift+Z or Ctrl+Y", "Redo"),
    ("/", "Search annotations"),
    ("r", "Review past highlights from every document"),
    ("Ctrl+Enter", "Save the note being edited"),
    ("Escape", "Close editors, menus and this sheet"),
    ("?", "Show this list"),
    ("Tab", "Move between controls"),
];

/// A key pressed on the page (a window `keydown`).
pub fn on_key(
    app: AppState,
    pending: RwSignal<Option<Pending>>,
    help: RwSignal<bool>,
    ev: &web_sys::KeyboardEvent,
) {
    let key = ev.key();
    let ctrl = ev.ctrl_key() || ev.meta_key();
    if key == "Escape" {
        pending.set(None);
        help.set(false);
        if let Some(id) = app.editing.get_untracked() {
            if app.fresh_note.get_untracked().as_deref() == Some(id.as_str()) {
                app.discard_fresh(&id);
            } else {
                app.editing.set(None);
            }
        }
        return;
    }
    if typing_in_field() || ev.alt_key() {
        return; // the field's own undo and keys win
    }
    match (ctrl, ev.shift_key(), key.as_str()) {
        (true, false, "z") | (true, false, "Z") => {
            ev.prevent_default();
            let _ = app.undo();
        }
        (true, true, "z") | (true, true, "Z") | (true, _, "y") | (true, _, "Y") => {
            ev.prevent_default();
            app.redo();
        }
        (false, _, "h") => act(app, pending, false),
        (false, _, "n") => {
            ev.prevent_default();
            act(app, pending, true)
        }
        (false, _, "j") => step(app, true),
        (false, _, "k") => step(app, false),
        (false, _, "/") => {
            ev.prevent_default();
            // On a phone the search box is in the bottom sheet: opened first, focused once shown.
            app.sheet_open.set(true);
            request_animation_frame(|| {
                if let Some(el) = crate::ui::edge::elements::by_id("search")
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                {
                    let _ = el.focus();
                }
            });
        }
        (false, _, "?") => help.set(true),
        (false, _, "Delete") => {
            if let Some(id) = app.focused.get_untracked() {
                app.delete(&id);
            }
        }
        _ => {}
    }
}
