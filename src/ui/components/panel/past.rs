//! The card of the annotation the reader is on when it lies past the listed page: drawn after
//! the page, with its position in text order, and the panel (on a phone, the bottom sheet)
//! brought to it.

use crate::ui::components::panel::FilterState;
use crate::ui::edge::elements::css_escape;
use crate::ui::edge::focus::focus_in_place;
use crate::ui::edge::scroll::{keep_above_sheet, reveal_card, scroll_card};
use crate::ui::edge::timers::after_next_paint;
use crate::ui::state::AppState;
use leptos::prelude::*;
use marginalia_core::annotation::Annotation;
use marginalia_core::listing::Listing;

/// The annotation the reader is on, when it lies past the listed page, gets a card after the
/// page. A task late for a new highlight (its mark is drawn first, in the frame after the click;
/// the card in the next); at once when its note editor opens (Note) or when the card is asked
/// for (a clicked highlight, `j`/`k`), which also scrolls the panel to it. Returns the id
/// followed.
pub fn follow_focus(app: AppState) -> RwSignal<Option<String>> {
    let past_focus = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let focused = app.focused.get();
        let editing = app.editing.get();
        if focused.is_none() || editing == focused {
            if past_focus.get_untracked() != focused {
                past_focus.set(focused);
            }
            return;
        }
        // After the next frame (a timer set from its animation frame callback).
        after_next_paint(move || {
            if app.focused.try_with_untracked(|f| *f == focused) != Some(true) {
                return;
            }
            if past_focus.try_with_untracked(|p| *p != focused) == Some(true) {
                past_focus.set(focused.clone());
            }
            // A new highlight's card is drawn by the frame after: the panel (not the article)
            // brings it into view when it is out of it.
            let Some(id) = focused else { return };
            after_next_paint(move || {
                if app
                    .focused
                    .try_with_untracked(|f| f.as_deref() == Some(id.as_str()))
                    == Some(true)
                {
                    reveal_card(&format!("[data-card=\"{}\"]", css_escape(&id)));
                }
            });
        });
    });
    bring_sheet(app, past_focus);
    past_focus
}

/// The bottom sheet (phone) opens for a card asked for and for a note being written, and the
/// page moves its highlight out from under it (a new one is drawn in the next frame).
fn bring_sheet(app: AppState, past_focus: RwSignal<Option<String>>) {
    Effect::new(move |_| {
        if let Some(id) = app.editing.get() {
            app.sheet_open.set(true);
            after_next_paint(move || {
                if let Some(mark) = app.marks_of(&id).first() {
                    keep_above_sheet(mark);
                }
            });
        }
    });
    Effect::new(move |_| {
        let Some((id, focus, _)) = app.card_wanted.get() else {
            return;
        };
        app.sheet_open.set(true);
        if past_focus.with_untracked(|p| p.as_deref() != Some(id.as_str())) {
            past_focus.set(Some(id.clone()));
        }
        // A frame later, once the card is drawn.
        let card = format!("[data-card=\"{}\"]", css_escape(&id));
        request_animation_frame(move || {
            if let Some(mark) = app.marks_of(&id).first() {
                keep_above_sheet(mark);
            }
            if let Some(card) = scroll_card(&card) {
                if focus {
                    if let Ok(Some(quote)) = card.query_selector(".quote") {
                        focus_in_place(&quote);
                    }
                }
            }
        });
    });
}

/// The followed annotation when it lies past the listed page.
pub fn beyond(
    app: AppState,
    listing: Memo<Listing>,
    past_focus: RwSignal<Option<String>>,
) -> Memo<Option<Annotation>> {
    let filter = expect_context::<FilterState>().0;
    Memo::new(move |_| {
        let id = past_focus.get()?;
        // Any change to the set, not only to the listing (which compares equal while the page
        // is unchanged: an edit of this card's note would not show).
        app.list.track();
        listing.with(|l| filter.with(|f| app.set.with_value(|s| l.past_page(s, f, &id).cloned())))
    })
}

/// The position of the card past the page, shown on it (a change updates that line, not the
/// card): worked out at once for a new card, after the next frame when the list changed (it
/// visits every annotation before it, kept out of the frame that shows a new highlight).
pub fn position(
    app: AppState,
    listing: Memo<Listing>,
    past_focus: RwSignal<Option<String>>,
    beyond: Memo<Option<Annotation>>,
) -> RwSignal<Option<(usize, usize)>> {
    let filter = expect_context::<FilterState>().0;
    let position = RwSignal::new(None::<(usize, usize)>);
    let place = move || {
        let id = past_focus.get_untracked()?;
        beyond.with_untracked(|b| b.is_some()).then_some(())?;
        let n = filter.with_untracked(|f| app.set.with_value(|s| Listing::position(s, f, &id)));
        Some((n, listing.with_untracked(|l| l.anchored_matching)))
    };
    Effect::new(move |shown: Option<Option<String>>| {
        let id = past_focus.get();
        app.list.track();
        filter.track();
        if shown.as_ref() != Some(&id) {
            position.set(place());
        } else {
            after_next_paint(move || {
                if let Some(p) = listing.try_with_untracked(|_| place()) {
                    position.try_set(p);
                }
            });
        }
        id
    });
    position
}
