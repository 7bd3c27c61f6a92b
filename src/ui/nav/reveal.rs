//! Going to an annotation: it takes the focus, its marks flash and the text scrolls to it;
//! `j` / `k` step through the annotations in text order.

use crate::ui::edge::scroll::scroll_into_view;
use crate::ui::state::AppState;
use leptos::prelude::*;

/// Focuses annotation `id`: its card is highlighted, its marks flash and, with `scroll_text`,
/// the text scrolls to it.
pub fn reveal(app: AppState, id: &str, scroll_text: bool) {
    app.focus_and_flash(id);
    if !scroll_text {
        return;
    }
    match app.marks_of(id).first() {
        Some(first) => scroll_into_view(first),
        // Not drawn yet (many blocks are drawn a slice at a time, the view first): its
        // paragraph, which is then drawn next, focused and flashing.
        None => {
            if let Some(block) = app.first_block_of(id) {
                scroll_into_view(&block);
            }
        }
    }
}

/// Ids of the anchored annotations in text order.
fn anchored_ids(app: AppState) -> Vec<String> {
    app.set.with_value(|set| {
        set.in_text_order()
            .into_iter()
            .filter(|a| a.anchor.is_some())
            .map(|a| a.id.clone())
            .collect()
    })
}

/// `j` / `k`: the next / previous annotation in text order.
pub fn step(app: AppState, forward: bool) {
    let ids = anchored_ids(app);
    if ids.is_empty() {
        return;
    }
    let current = app
        .focused
        .get_untracked()
        .and_then(|f| ids.iter().position(|i| *i == f));
    let next = match (current, forward) {
        (None, true) => 0,
        (None, false) => ids.len() - 1,
        (Some(i), true) => (i + 1).min(ids.len() - 1),
        (Some(i), false) => i.saturating_sub(1),
    };
    let id = ids[next].clone();
    reveal(app, &id, true);
    app.show_card(&id, true);
}
